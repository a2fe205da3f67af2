//! C character constants and string literals: where one ends, and the code units it
//! stands for (C23 6.4.4.5, 6.4.5), escapes resolved.
//!
//! Escapes: `\n \t \r \a \b \f \v \\ \' \" \?`, gcc's `\e` and `\E` (escape, 27), octal
//! (one to three digits), `\x` (one or more hexadecimal digits), and universal character
//! names `\u` (exactly four hexadecimal digits) and `\U` (exactly eight) naming a Unicode
//! scalar value. As in C23, a universal character name may name any character inside a
//! constant or a string, `\u0041` included (gcc 12 still applies C17's rule and refuses
//! it). An octal or hexadecimal escape must fit one code unit of the encoding: C makes
//! a larger one a constraint violation, gcc warns and truncates.
//!
//! Plain and `u8` text is encoded in UTF-8 (gcc's default execution character set), `u`
//! in UTF-16, `U` and `L` in UTF-32. A character constant is one code unit; several are
//! an error (gcc warns and gives an implementation-defined value). Its type is `int` for
//! plain constants (the value of a signed `char`) and `L` ones (`wchar_t`), `unsigned
//! char` for `u8`, `unsigned short` (`char16_t`) for `u` and `unsigned int` (`char32_t`)
//! for `U`.
//!
//! It does not concatenate adjacent strings (the parsers do) and knows nothing of arrays:
//! a string is its code units, without the terminating NUL.

use super::LexError;
use crate::Type;

/// A character constant's or string literal's encoding, from its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// No prefix.
    Plain,
    /// `u8`.
    Utf8,
    /// `u`.
    Utf16,
    /// `U`.
    Utf32,
    /// `L`.
    Wide,
}

impl Encoding {
    /// The encoding a prefix spells, if it is one: the identifiers `L`, `u`, `U` and `u8`
    /// right before a quote start a character constant or string, not a name.
    pub fn from_prefix(prefix: &str) -> Option<Encoding> {
        Some(match prefix {
            "" => Encoding::Plain,
            "u8" => Encoding::Utf8,
            "u" => Encoding::Utf16,
            "U" => Encoding::Utf32,
            "L" => Encoding::Wide,
            _ => return None,
        })
    }

    /// Bits in one code unit.
    fn unit_bits(self) -> u32 {
        match self {
            Encoding::Plain | Encoding::Utf8 => 8,
            Encoding::Utf16 => 16,
            Encoding::Utf32 | Encoding::Wide => 32,
        }
    }

    fn push(self, c: char, units: &mut Vec<u32>) {
        match self {
            Encoding::Plain | Encoding::Utf8 => {
                units.extend(c.encode_utf8(&mut [0; 4]).bytes().map(u32::from));
            }
            Encoding::Utf16 => {
                units.extend(c.encode_utf16(&mut [0; 2]).iter().map(|&u| u32::from(u)))
            }
            Encoding::Utf32 | Encoding::Wide => units.push(u32::from(c)),
        }
    }
}

/// Where the character constant or string literal whose opening quote is at byte `open`
/// of `text` ends: just past its closing quote. `None` if a newline or the end of the
/// text comes first.
pub(crate) fn quoted_end(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(open)?;
    let mut i = open + 1;
    loop {
        match *bytes.get(i)? {
            b'\n' => return None,
            b'\\' if bytes.get(i + 1) != Some(&b'\n') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The message for a quote [`quoted_end`] finds no end to.
pub(crate) fn unterminated(quote: char) -> &'static str {
    if quote == '"' {
        "unterminated string"
    } else {
        "unterminated character constant"
    }
}

/// A character constant's value, converted to its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CharConst {
    pub value: i128,
    /// `int`, `unsigned char`, `unsigned short` or `unsigned int`.
    pub ty: Type,
}

/// Reads a character constant, prefix and quotes included: `'a'`, `'\n'`, `L'é'`.
pub(crate) fn char_constant(text: &str) -> Result<CharConst, LexError> {
    let (encoding, units) = decode(text)?;
    let &[unit] = units.as_slice() else {
        return Err(LexError::whole(
            text,
            if units.is_empty() {
                "empty character constant".to_string()
            } else {
                format!("multi-character character constant {text}")
            },
        ));
    };
    let (value, ty) = match encoding {
        // gcc's `char` is signed on x86-64.
        Encoding::Plain => (i128::from(unit as u8 as i8), Type::Int),
        Encoding::Utf8 => (i128::from(unit), Type::UChar),
        Encoding::Utf16 => (i128::from(unit), Type::UShort),
        Encoding::Utf32 => (i128::from(unit), Type::UInt),
        // `wchar_t` is a 32-bit `int`: `L'\xffffffff'` is -1.
        Encoding::Wide => (i128::from(unit as i32), Type::Int),
    };
    Ok(CharConst { value, ty })
}

/// A string literal's code units, without the terminating NUL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StringLit {
    pub encoding: Encoding,
    pub units: Vec<u32>,
}

impl StringLit {
    /// The bytes of a plain or `u8` string; `None` for wider encodings.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        matches!(self.encoding, Encoding::Plain | Encoding::Utf8)
            .then(|| self.units.iter().map(|&u| u as u8).collect())
    }

    /// The string as text for a message, with U+FFFD for what is not a character.
    pub fn to_text(&self) -> String {
        match self.encoding {
            Encoding::Plain | Encoding::Utf8 => {
                let bytes: Vec<u8> = self.units.iter().map(|&u| u as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Encoding::Utf16 => {
                let units: Vec<u16> = self.units.iter().map(|&u| u as u16).collect();
                String::from_utf16_lossy(&units)
            }
            Encoding::Utf32 | Encoding::Wide => self
                .units
                .iter()
                .map(|&u| char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
        }
    }
}

/// Reads a string literal, prefix and quotes included: `"a\tb"`, `u8"é"`.
pub(crate) fn string_literal(text: &str) -> Result<StringLit, LexError> {
    let (encoding, units) = decode(text)?;
    Ok(StringLit { encoding, units })
}

/// The encoding and code units of a quoted lexeme, escapes resolved.
fn decode(text: &str) -> Result<(Encoding, Vec<u32>), LexError> {
    let malformed = || {
        LexError::whole(
            text,
            format!("malformed character constant or string {text}"),
        )
    };
    let open = text.find(['\'', '"']).ok_or_else(malformed)?;
    let encoding = text
        .get(..open)
        .and_then(Encoding::from_prefix)
        .ok_or_else(malformed)?;
    let body = text
        .get(open + 1..text.len().saturating_sub(1))
        .filter(|_| text.len() >= open + 2)
        .ok_or_else(malformed)?;
    let max_unit = u32::MAX >> (32 - encoding.unit_bits());
    let mut units = Vec::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            encoding.push(c, &mut units);
            continue;
        }
        // Offsets in `text`, for errors.
        let start = open + 1 + at;
        let here = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
            open + 1 + chars.peek().map_or(body.len(), |&(i, _)| i)
        };
        let Some((_, e)) = chars.next() else {
            return Err(LexError::new(
                start,
                start + 1,
                "backslash at the end of the literal",
            ));
        };
        let simple = match e {
            'n' => Some(10),
            't' => Some(9),
            'r' => Some(13),
            'a' => Some(7),
            'b' => Some(8),
            'f' => Some(12),
            'v' => Some(11),
            'e' | 'E' => Some(27),
            '\\' | '\'' | '"' | '?' => Some(u32::from(e)),
            _ => None,
        };
        if let Some(unit) = simple {
            units.push(unit);
            continue;
        }
        match e {
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|&(_, d)| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                if value > max_unit {
                    return Err(LexError::new(
                        start,
                        here(&mut chars),
                        "octal escape sequence out of range",
                    ));
                }
                units.push(value);
            }
            'x' => {
                let mut value = 0u32;
                let mut any = false;
                let mut too_large = false;
                while let Some(d) = chars.peek().and_then(|&(_, d)| d.to_digit(16)) {
                    too_large |= value > max_unit >> 4;
                    value = value.wrapping_shl(4) | d;
                    any = true;
                    chars.next();
                }
                let end = here(&mut chars);
                if !any {
                    return Err(LexError::new(
                        start,
                        end,
                        "\\x used with no following hex digits",
                    ));
                }
                if too_large || value > max_unit {
                    return Err(LexError::new(
                        start,
                        end,
                        "hex escape sequence out of range",
                    ));
                }
                units.push(value);
            }
            'u' | 'U' => {
                let want = if e == 'u' { 4 } else { 8 };
                let mut value = 0u32;
                let mut got = 0;
                while got < want
                    && let Some(d) = chars.peek().and_then(|&(_, d)| d.to_digit(16))
                {
                    value = value << 4 | d;
                    got += 1;
                    chars.next();
                }
                let end = here(&mut chars);
                let spelled = text.get(start..end).unwrap_or("");
                if got < want {
                    return Err(LexError::new(
                        start,
                        end,
                        format!(
                            "incomplete universal character name {spelled}: \\{e} takes exactly {want} hex digits"
                        ),
                    ));
                }
                let c = char::from_u32(value).ok_or_else(|| {
                    LexError::new(
                        start,
                        end,
                        format!("{spelled} is not a valid universal character"),
                    )
                })?;
                encoding.push(c, &mut units);
            }
            _ => {
                let end = start + 1 + e.len_utf8();
                return Err(LexError::new(
                    start,
                    end,
                    format!("unknown escape sequence '\\{e}'"),
                ));
            }
        }
    }
    Ok((encoding, units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn char_value(text: &str) -> (i128, Type) {
        let c = char_constant(text).unwrap_or_else(|e| panic!("{text}: {}", e.message));
        (c.value, c.ty)
    }

    fn error(text: &str) -> LexError {
        match char_constant(text) {
            Err(e) => e,
            Ok(c) => panic!("{text}: {c:?}"),
        }
    }

    #[test]
    fn quoted_lexemes_end_at_their_quote() {
        assert_eq!(quoted_end(r#""a\"b" c"#, 0), Some(6));
        assert_eq!(quoted_end(r"'\\' c", 0), Some(4));
        assert_eq!(quoted_end("x 'a", 2), None);
        assert_eq!(quoted_end("'a\nb'", 0), None);
        assert_eq!(quoted_end("'a\\\nb'", 0), None);
    }

    #[test]
    fn character_values_and_types() {
        use Type::*;
        for (text, value, ty) in [
            ("'A'", 65, Int),
            (r"'\n'", 10, Int),
            (r"'\0'", 0, Int),
            (r"'\101'", 65, Int),
            (r"'\xff'", -1, Int),
            (r"'\e'", 27, Int),
            (r"'\u0041'", 65, Int),
            (r"'\U00000024'", 36, Int),
            ("L'é'", 0xe9, Int),
            (r"L'\xffffffff'", -1, Int),
            (r"u'\xffff'", 0xffff, UShort),
            (r"U'\U0001F600'", 0x1f600, UInt),
            ("u8'a'", 97, UChar),
        ] {
            assert_eq!(char_value(text), (value, ty), "{text}");
        }
    }

    #[test]
    fn character_errors_point_at_the_escape() {
        for (text, message, part) in [
            (
                r"'\u41'",
                r"incomplete universal character name \u41: \u takes exactly 4 hex digits",
                r"\u41",
            ),
            (
                r"'\U0041'",
                r"incomplete universal character name \U0041: \U takes exactly 8 hex digits",
                r"\U0041",
            ),
            (
                r"'\uD800'",
                r"\uD800 is not a valid universal character",
                r"\uD800",
            ),
            (
                r"'\U00110000'",
                r"\U00110000 is not a valid universal character",
                r"\U00110000",
            ),
            (r"'\x100'", "hex escape sequence out of range", r"\x100"),
            (r"'\400'", "octal escape sequence out of range", r"\400"),
            (
                r"u'\x10000'",
                "hex escape sequence out of range",
                r"\x10000",
            ),
            (r"'\x'", r"\x used with no following hex digits", r"\x"),
            (r"'\q'", r"unknown escape sequence '\q'", r"\q"),
            (r"'\é'", r"unknown escape sequence '\é'", r"\é"),
        ] {
            let e = error(text);
            assert_eq!(e.message, message, "{text}");
            assert_eq!(text.get(e.start..e.end), Some(part), "{text}");
        }
        for (text, message) in [
            ("''", "empty character constant"),
            ("'ab'", "multi-character character constant 'ab'"),
            ("'é'", "multi-character character constant 'é'"),
            (r"'\u00e9'", r"multi-character character constant '\u00e9'"),
            (r"'\08'", r"multi-character character constant '\08'"),
            (
                r"u'\U0001F600'",
                r"multi-character character constant u'\U0001F600'",
            ),
            ("u8'é'", "multi-character character constant u8'é'"),
        ] {
            assert_eq!(error(text).message, message, "{text}");
        }
    }

    #[test]
    fn strings() {
        let s = string_literal(r#""a\tb\x41\101\u00e9\0""#).unwrap();
        assert_eq!(s.bytes().unwrap(), b"a\tbAA\xc3\xa9\0");
        let s = string_literal(r#"u"\U0001F600!""#).unwrap();
        assert_eq!(s.units, [0xd83d, 0xde00, 0x21]);
        assert_eq!(s.to_text(), "😀!");
        assert_eq!(s.bytes(), None);
        assert_eq!(string_literal(r#"L"\xff""#).unwrap().units, [0xff]);
        assert_eq!(string_literal(r#""\xff""#).unwrap().to_text(), "\u{fffd}");
        let e = string_literal(r#""ok\q""#).unwrap_err();
        assert_eq!((e.start, e.end), (3, 5));
    }
}
