//! Literal text into a syntax tree: tokens, then recursive descent over signs,
//! parentheses, casts, compound literals and brace initializers with designators, down
//! to numbers, characters, strings and names, each [`Node`] with its byte span.
//!
//! It gives no value a type and checks no range (that is `eval`); type names in casts
//! are read by [`Declarations::parse_type`].

use super::MAX_DEPTH;
use super::error::LiteralError;
use super::float::{Binary, Decimal};
use crate::{Declarations, Type};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    Number,
    Ident,
    Str,
    Char,
    Punct(char),
    Eof,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub(super) kind: Tok,
    pub(super) start: usize,
    pub(super) end: usize,
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>, LiteralError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    while i < bytes.len() {
        let c = at(i);
        let start = i;
        let kind = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_digit() || (c == b'.' && at(i + 1).is_ascii_digit()) {
            // A preprocessing number: digits, letters, '.', and a sign after an
            // exponent letter (e for decimal, p for hexadecimal).
            let hex = c == b'0' && matches!(at(i + 1), b'x' | b'X');
            i += 1;
            loop {
                let d = at(i);
                let exp_sign = matches!(d, b'+' | b'-')
                    && if hex {
                        matches!(at(i - 1), b'p' | b'P')
                    } else {
                        matches!(at(i - 1), b'e' | b'E')
                    };
                if d.is_ascii_alphanumeric() || d == b'_' || d == b'.' || d == b'\'' || exp_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            Tok::Number
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while at(i).is_ascii_alphanumeric() || at(i) == b'_' {
                i += 1;
            }
            if matches!(at(i), b'"' | b'\'') {
                return Err(LiteralError::new(
                    start,
                    i + 1,
                    "unsupported: prefixed (wide or Unicode) character and string literals",
                ));
            }
            Tok::Ident
        } else if c == b'"' || c == b'\'' {
            i += 1;
            loop {
                match at(i) {
                    0 if i >= bytes.len() => {
                        let what = if c == b'"' {
                            "string"
                        } else {
                            "character constant"
                        };
                        return Err(LiteralError::new(
                            start,
                            start + 1,
                            format!("unterminated {what}"),
                        ));
                    }
                    b'\\' => i += 2,
                    d if d == c => {
                        i += 1;
                        break;
                    }
                    _ => i += 1,
                }
            }
            i = i.min(bytes.len());
            if c == b'"' { Tok::Str } else { Tok::Char }
        } else {
            let ch = text[i..].chars().next().unwrap_or('\0');
            i += ch.len_utf8();
            Tok::Punct(ch)
        };
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    tokens.push(Token {
        kind: Tok::Eof,
        start: text.len(),
        end: text.len(),
    });
    Ok(tokens)
}

// ---------------------------------------------------------------------------------------
// Syntax
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IntSuffix {
    None,
    Unsigned,
    Long,
    UnsignedLong,
    LongLong,
    UnsignedLongLong,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RealSuffix {
    None,
    F,
    L,
}

#[derive(Clone, Debug)]
pub(super) enum Kind {
    /// An integer constant: its magnitude, suffix, and whether it was decimal (which
    /// decides its C type).
    Int {
        magnitude: u128,
        suffix: IntSuffix,
        decimal: bool,
    },
    /// A floating constant, not yet rounded.
    Real {
        value: Decimal,
        suffix: RealSuffix,
    },
    /// `inf`, `nan` and their spellings.
    Special(Binary),
    /// A character constant: an `int`.
    Char(i32),
    /// A string literal's bytes, without the terminating NUL.
    Str(Vec<u8>),
    Null,
    Bool(bool),
    /// An enumeration constant.
    Constant(i128),
    Neg(Box<Node>),
    Braces(Vec<Init>),
    Cast(Type, Box<Node>),
}

#[derive(Clone, Debug)]
pub(super) struct Node {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

#[derive(Clone, Debug)]
pub(super) enum Designator {
    Member(String),
    Index(u128),
}

#[derive(Clone, Debug)]
pub(super) struct Init {
    pub(super) designator: Option<(Designator, usize, usize)>,
    pub(super) value: Node,
}

pub(super) struct Parser<'a> {
    pub(super) text: &'a str,
    pub(super) tokens: Vec<Token>,
    pub(super) at: usize,
    pub(super) decls: &'a Declarations,
    pub(super) depth: usize,
}

/// Identifiers that are values, not type names, at the start of a parenthesis.
pub(super) fn value_word(decls: &Declarations, name: &str) -> bool {
    matches!(
        name,
        "NULL" | "nullptr" | "true" | "false" | "inf" | "INFINITY" | "nan" | "NAN"
    ) || decls.constant(name).is_some()
}

impl<'a> Parser<'a> {
    pub(super) fn tok(&self) -> Token {
        self.tokens
            .get(self.at)
            .or(self.tokens.last())
            .copied()
            .unwrap_or(Token {
                kind: Tok::Eof,
                start: self.text.len(),
                end: self.text.len(),
            })
    }

    pub(super) fn bump(&mut self) -> Token {
        let t = self.tok();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    pub(super) fn text_of(&self, t: Token) -> &'a str {
        self.text.get(t.start..t.end).unwrap_or("")
    }

    pub(super) fn describe(&self, t: Token) -> String {
        if t.kind == Tok::Eof {
            "the end of the value".into()
        } else {
            format!("'{}'", self.text_of(t))
        }
    }

    pub(super) fn unexpected(&self, expected: &str) -> LiteralError {
        let t = self.tok();
        LiteralError::new(
            t.start,
            t.end.max(t.start + 1),
            format!("expected {expected}, found {}", self.describe(t)),
        )
    }

    pub(super) fn expect(&mut self, c: char, expected: &str) -> Result<Token, LiteralError> {
        if self.tok().kind == Tok::Punct(c) {
            Ok(self.bump())
        } else {
            Err(self.unexpected(expected))
        }
    }

    pub(super) fn enter(&mut self) -> Result<(), LiteralError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.tok();
            return Err(LiteralError::new(
                t.start,
                t.end,
                format!("nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    pub(super) fn whole(&mut self) -> Result<Node, LiteralError> {
        if self.tok().kind == Tok::Eof {
            return Err(LiteralError::new(0, self.text.len(), "empty value"));
        }
        let node = self.expr()?;
        if self.tok().kind != Tok::Eof {
            return Err(self.unexpected("the end of the value"));
        }
        Ok(node)
    }

    pub(super) fn expr(&mut self) -> Result<Node, LiteralError> {
        self.enter()?;
        let node = self.unary();
        self.depth -= 1;
        node
    }

    pub(super) fn unary(&mut self) -> Result<Node, LiteralError> {
        let t = self.tok();
        match t.kind {
            Tok::Punct('-') => {
                self.bump();
                let operand = self.expr()?;
                Ok(Node {
                    start: t.start,
                    end: operand.end,
                    kind: Kind::Neg(Box::new(operand)),
                })
            }
            Tok::Punct('+') => {
                self.bump();
                let mut operand = self.expr()?;
                operand.start = t.start;
                Ok(operand)
            }
            Tok::Punct('(') => self.paren(),
            Tok::Punct('{') => self.braces(),
            Tok::Number => {
                self.bump();
                number(self.text_of(t), t.start)
            }
            Tok::Char => {
                self.bump();
                let bytes = unescape(self.text_of(t), t.start)?;
                let value = match bytes.as_slice() {
                    [] => {
                        return Err(LiteralError::new(
                            t.start,
                            t.end,
                            "empty character constant",
                        ));
                    }
                    // gcc: a single char is a (signed) char value; several are an int.
                    [b] => *b as i8 as i32,
                    more if more.len() <= 4 => {
                        more.iter().fold(0i32, |acc, b| (acc << 8) | *b as i32)
                    }
                    _ => {
                        return Err(LiteralError::new(
                            t.start,
                            t.end,
                            "character constant too long for its type",
                        ));
                    }
                };
                Ok(Node {
                    kind: Kind::Char(value),
                    start: t.start,
                    end: t.end,
                })
            }
            Tok::Str => {
                // Adjacent string literals concatenate, as in C.
                let mut bytes = Vec::new();
                let mut end = t.end;
                while self.tok().kind == Tok::Str {
                    let s = self.bump();
                    bytes.extend(unescape(self.text_of(s), s.start)?);
                    end = s.end;
                }
                Ok(Node {
                    kind: Kind::Str(bytes),
                    start: t.start,
                    end,
                })
            }
            Tok::Ident => {
                self.bump();
                let name = self.text_of(t);
                let kind = match name {
                    "NULL" | "nullptr" => Kind::Null,
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    "inf" | "INFINITY" | "infinity" => {
                        Kind::Special(Binary::Infinite { negative: false })
                    }
                    "nan" | "NAN" => Kind::Special(Binary::Nan { negative: false }),
                    _ => match self.decls.constant(name) {
                        Some(v) => Kind::Constant(v),
                        None => {
                            return Err(LiteralError::new(
                                t.start,
                                t.end,
                                format!(
                                    "unknown name '{name}': expected a number, a string, \
                                     NULL, or an enumeration constant"
                                ),
                            ));
                        }
                    },
                };
                Ok(Node {
                    kind,
                    start: t.start,
                    end: t.end,
                })
            }
            _ => Err(self.unexpected("a value")),
        }
    }

    /// `(type) operand`, `(type){...}`, or `(value)`.
    pub(super) fn paren(&mut self) -> Result<Node, LiteralError> {
        let open = self.bump();
        let first = self.tok();
        let is_type = first.kind == Tok::Ident && !value_word(self.decls, self.text_of(first));
        if !is_type {
            let mut inner = self.expr()?;
            let close = self.expect(')', "')'")?;
            inner.start = open.start;
            inner.end = close.end;
            return Ok(inner);
        }
        // Find the matching ')' and read the type name between.
        let mut depth = 0usize;
        let mut close = None;
        for (i, t) in self.tokens.iter().enumerate().skip(self.at) {
            match t.kind {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') if depth == 0 => {
                    close = Some(i);
                    break;
                }
                Tok::Punct(')') => depth -= 1,
                _ => {}
            }
        }
        let Some(close) = close else {
            return Err(LiteralError::new(
                open.start,
                open.end,
                "this '(' is never closed",
            ));
        };
        let close_tok = self.tokens.get(close).copied().unwrap_or(self.tok());
        let type_text = self.text.get(first.start..close_tok.start).unwrap_or("");
        let ty = self.decls.parse_type(type_text).map_err(|e| {
            let (start, end) = span_in(type_text, e.line, e.column, e.length);
            LiteralError::new(
                first.start + start,
                first.start + end,
                format!("in the cast: {}", e.message),
            )
        })?;
        self.at = close + 1;
        if matches!(ty, Type::Void) {
            return Err(LiteralError::new(
                open.start,
                close_tok.end,
                "cannot cast to `void`: a value is needed",
            ));
        }
        let operand = if self.tok().kind == Tok::Punct('{') {
            self.enter()?;
            let b = self.braces();
            self.depth -= 1;
            b?
        } else {
            self.expr()?
        };
        Ok(Node {
            start: open.start,
            end: operand.end,
            kind: Kind::Cast(ty, Box::new(operand)),
        })
    }

    pub(super) fn braces(&mut self) -> Result<Node, LiteralError> {
        self.enter()?;
        let open = self.bump();
        let mut inits = Vec::new();
        loop {
            if self.tok().kind == Tok::Punct('}') {
                break;
            }
            let designator = match self.tok().kind {
                Tok::Punct('.') => {
                    let dot = self.bump();
                    let name = self.tok();
                    if name.kind != Tok::Ident {
                        return Err(self.unexpected("a member name after '.'"));
                    }
                    self.bump();
                    Some((
                        Designator::Member(self.text_of(name).to_string()),
                        dot.start,
                        name.end,
                    ))
                }
                Tok::Punct('[') => {
                    let open = self.bump();
                    let index = self.tok();
                    let n = match (index.kind, number(self.text_of(index), index.start)) {
                        (
                            Tok::Number,
                            Ok(Node {
                                kind: Kind::Int { magnitude, .. },
                                ..
                            }),
                        ) => magnitude,
                        _ => return Err(self.unexpected("an array index")),
                    };
                    self.bump();
                    let close = self.expect(']', "']'")?;
                    Some((Designator::Index(n), open.start, close.end))
                }
                _ => None,
            };
            if designator.is_some() {
                if matches!(self.tok().kind, Tok::Punct('.') | Tok::Punct('[')) {
                    let t = self.tok();
                    return Err(LiteralError::new(
                        t.start,
                        t.end,
                        "unsupported: designator chains; nest braces instead: `.a = {.b = 1}`",
                    ));
                }
                self.expect('=', "'=' after the designator")?;
            }
            let value = self.expr()?;
            inits.push(Init { designator, value });
            if self.tok().kind == Tok::Punct(',') {
                self.bump();
            } else if self.tok().kind != Tok::Punct('}') {
                return Err(self.unexpected("',' or '}'"));
            }
        }
        let close = self.bump();
        self.depth -= 1;
        Ok(Node {
            kind: Kind::Braces(inits),
            start: open.start,
            end: close.end,
        })
    }
}

/// The byte range of (line, column, length in characters) in `text`.
pub(super) fn span_in(text: &str, line: usize, column: usize, length: usize) -> (usize, usize) {
    let mut offset = 0;
    for (n, l) in text.split('\n').enumerate() {
        if n + 1 == line {
            let start = offset
                + l.char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(l.len(), |(i, _)| i);
            let end = text
                .get(start..)
                .unwrap_or("")
                .char_indices()
                .nth(length.max(1))
                .map_or(text.len(), |(i, _)| start + i);
            return (start, end);
        }
        offset += l.len() + 1;
    }
    (text.len(), text.len())
}

/// Reads an integer or floating constant.
pub(super) fn number(text: &str, start: usize) -> Result<Node, LiteralError> {
    let end = start + text.len();
    let err = |msg: String| LiteralError::new(start, end, msg);
    let clean: String = text.chars().filter(|&c| c != '\'').collect();
    let lower = clean.to_ascii_lowercase();
    let (radix, body) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else {
        (10, lower.as_str())
    };
    let is_real = match radix {
        16 => body.contains('.') || body.contains('p'),
        2 => false,
        _ => body.contains('.') || body.contains('e'),
    };
    if is_real {
        return real(body, radix, start, end, text);
    }
    let digits_end = body
        .find(|c: char| !c.is_digit(radix.max(10)))
        .unwrap_or(body.len());
    let (digits, suffix_text) = body.split_at(digits_end);
    let suffix = match suffix_text {
        "" => IntSuffix::None,
        "u" => IntSuffix::Unsigned,
        "l" => IntSuffix::Long,
        "ul" | "lu" => IntSuffix::UnsignedLong,
        "ll" => IntSuffix::LongLong,
        "ull" | "llu" => IntSuffix::UnsignedLongLong,
        _ => {
            return Err(err(format!(
                "invalid suffix '{}' on integer constant",
                &clean[clean.len() - suffix_text.len()..]
            )));
        }
    };
    // A leading 0 means octal.
    let (radix, digits) = match (radix, digits.strip_prefix('0')) {
        (10, Some(rest)) if !rest.is_empty() => (8, rest),
        _ => (radix, digits),
    };
    if digits.is_empty() {
        return Err(err(format!("'{text}' has no digits")));
    }
    let mut magnitude = 0u128;
    for c in digits.chars() {
        let d = c.to_digit(radix).ok_or_else(|| {
            err(format!(
                "invalid digit '{c}' in {} constant",
                radix_name(radix)
            ))
        })?;
        magnitude = magnitude
            .checked_mul(radix as u128)
            .and_then(|m| m.checked_add(d as u128))
            .ok_or_else(|| {
                err(format!(
                    "integer constant '{text}' needs more than 128 bits"
                ))
            })?;
    }
    Ok(Node {
        kind: Kind::Int {
            magnitude,
            suffix,
            decimal: radix == 10,
        },
        start,
        end,
    })
}

pub(super) fn radix_name(radix: u32) -> &'static str {
    match radix {
        2 => "binary",
        8 => "octal",
        16 => "hexadecimal",
        _ => "decimal",
    }
}

pub(super) fn real(
    body: &str,
    radix: u32,
    start: usize,
    end: usize,
    text: &str,
) -> Result<Node, LiteralError> {
    let err = |msg: String| LiteralError::new(start, end, msg);
    let (body, suffix) = match body.as_bytes().last() {
        Some(b'f') if radix == 10 || body.contains('p') => (&body[..body.len() - 1], RealSuffix::F),
        Some(b'l') => (&body[..body.len() - 1], RealSuffix::L),
        _ => (body, RealSuffix::None),
    };
    let exp_char = if radix == 16 { 'p' } else { 'e' };
    let (mantissa, exp_text) = match body.split_once(exp_char) {
        Some((m, e)) => (m, Some(e)),
        None if radix == 16 => {
            return Err(err(format!(
                "hexadecimal floating constant '{text}' needs an exponent (p)"
            )));
        }
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = Vec::with_capacity(int.len() + frac.len());
    for c in int.chars().chain(frac.chars()) {
        match c.to_digit(radix) {
            Some(d) => digits.push(d as u8),
            None => {
                return Err(err(format!(
                    "invalid character '{c}' in floating constant '{text}'"
                )));
            }
        }
    }
    if digits.is_empty() {
        return Err(err(format!("floating constant '{text}' has no digits")));
    }
    let exponent = match exp_text {
        None => 0i64,
        Some(e) => {
            let (neg, digits) = match e.as_bytes().first() {
                Some(b'-') => (true, &e[1..]),
                Some(b'+') => (false, &e[1..]),
                _ => (false, e),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(format!(
                    "invalid exponent in floating constant '{text}'"
                )));
            }
            // Saturate: anything this large is infinity or zero anyway.
            let v = digits
                .bytes()
                .fold(0i64, |acc, b| {
                    acc.saturating_mul(10).saturating_add((b - b'0') as i64)
                })
                .min(1 << 40);
            if neg { -v } else { v }
        }
    };
    let frac_scale = if radix == 16 { 4 } else { 1 };
    let value = Decimal {
        negative: false,
        digits,
        radix,
        exponent: exponent - frac_scale * frac.len() as i64,
    };
    Ok(Node {
        kind: Kind::Real { value, suffix },
        start,
        end,
    })
}

/// The bytes of a quoted string or character constant, escapes resolved.
pub(super) fn unescape(quoted: &str, start: usize) -> Result<Vec<u8>, LiteralError> {
    let inner = quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or("");
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let esc_start = start + 1 + i;
        let bad = |len: usize, msg: String| LiteralError::new(esc_start, esc_start + len, msg);
        let Some(&e) = bytes.get(i + 1) else {
            return Err(bad(1, "backslash at the end of the literal".into()));
        };
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'e' | b'E' => out.push(27),
            b'\\' | b'\'' | b'"' | b'?' => out.push(e),
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                let mut n = 1;
                while n < 3
                    && let Some(&d @ b'0'..=b'7') = bytes.get(i)
                {
                    v = v * 8 + (d - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                if v > 0xff {
                    return Err(bad(n + 1, "octal escape sequence out of range".into()));
                }
                out.push(v as u8);
            }
            b'x' => {
                let from = i;
                let mut v = 0u32;
                while let Some(d) = bytes.get(i).and_then(|b| (*b as char).to_digit(16)) {
                    v = v.saturating_mul(16).saturating_add(d);
                    i += 1;
                }
                if i == from {
                    return Err(bad(2, "\\x used with no following hex digits".into()));
                }
                if v > 0xff {
                    return Err(bad(i - from + 2, "hex escape sequence out of range".into()));
                }
                out.push(v as u8);
            }
            b'u' | b'U' => {
                let n = if e == b'u' { 4 } else { 8 };
                let hex = inner.get(i..i + n).unwrap_or("");
                let c = u32::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| hex.len() == n && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(char::from_u32)
                    .ok_or_else(|| {
                        bad(
                            2 + hex.len(),
                            format!("\\{} needs {n} hex digits naming a character", e as char),
                        )
                    })?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += n;
            }
            _ => {
                let len = inner[i - 1..].chars().next().map_or(1, char::len_utf8);
                let shown = inner.get(i - 1..i - 1 + len).unwrap_or("?");
                return Err(bad(1 + len, format!("unknown escape sequence '\\{shown}'")));
            }
        }
    }
    Ok(out)
}
