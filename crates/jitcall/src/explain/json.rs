//! [`Json`]: the small JSON value jitcall's machine-readable output is built from, and
//! its compact and pretty printers. It parses nothing.

use std::fmt::Write as _;

/// A JSON value, for jitcall's machine-readable output. Numbers are integers (sizes,
/// offsets and counts unsigned; an errno value signed); values that JSON numbers
/// cannot carry exactly (`long double`, `__int128`) are reported as C literal strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A non-negative integer.
    Number(u64),
    /// A signed integer.
    Integer(i64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A string value.
    pub fn str(s: &str) -> Json {
        Json::String(s.to_string())
    }

    pub(super) fn num(n: impl Into<u64>) -> Json {
        Json::Number(n.into())
    }

    pub(super) fn strings(items: &[&str]) -> Json {
        Json::Array(items.iter().map(|s| Json::str(s)).collect())
    }

    /// An object from `(key, value)` pairs.
    pub fn object<const N: usize>(pairs: [(&str, Json); N]) -> Json {
        Json::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// On one line.
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    /// Indented by two spaces per level; arrays and objects that fit in a line of 90
    /// characters stay on one line.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out.push('\n');
        out
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::Integer(n) => out.push_str(&n.to_string()),
            Json::String(s) => quote_json(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_compact(out);
                }
                out.push(']');
            }
            Json::Object(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    quote_json(out, k);
                    out.push_str(": ");
                    v.write_compact(out);
                }
                out.push('}');
            }
        }
    }

    fn write_pretty(&self, out: &mut String, indent: usize) {
        const WIDTH: usize = 90;
        let one_line = self.compact();
        let items: Vec<(Option<&str>, &Json)> = match self {
            Json::Array(items) => items.iter().map(|v| (None, v)).collect(),
            Json::Object(items) => items.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
            _ => Vec::new(),
        };
        if items.is_empty() || indent + one_line.chars().count() <= WIDTH {
            out.push_str(&one_line);
            return;
        }
        let (open, close) = if matches!(self, Json::Array(_)) {
            ('[', ']')
        } else {
            ('{', '}')
        };
        out.push(open);
        for (i, (key, v)) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(indent + 2));
            if let Some(k) = key {
                quote_json(out, k);
                out.push_str(": ");
            }
            v.write_pretty(out, indent + 2);
        }
        out.push('\n');
        out.push_str(&" ".repeat(indent));
        out.push(close);
    }
}

/// Appends `s` as a JSON string literal.
fn quote_json(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                write!(out, "\\u{:04x}", c as u32).ok();
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_and_wraps() {
        let v = Json::object([
            ("s", Json::str("a\"b\\c\n\u{1}é")),
            ("n", Json::Number(3)),
            ("list", Json::Array(vec![Json::Null, Json::Bool(true)])),
        ]);
        assert_eq!(
            v.compact(),
            r#"{"s": "a\"b\\c\n\u0001é", "n": 3, "list": [null, true]}"#
        );
        let long = Json::Array((0..40).map(Json::Number).collect());
        let pretty = long.pretty();
        assert!(pretty.starts_with("[\n  0,\n  1,"), "{pretty}");
        assert!(pretty.ends_with("\n]\n"));
    }
}
