//! C literal values: the command line's arguments in, its results out, in the syntax a
//! C programmer already writes.
//!
//! Reading ([`parse_value`], [`parse_variadic`], [`parse_arguments`]) turns text such as
//! `-5`, `0x1fUL`, `1.5f`, `0x1.8p3`, `"a\tb"`, `NULL`, `{1, {2.5, 3}}`, `{.i = 7}` or
//! `(struct s){1, 2}` into a [`Value`] of a given [`Type`]. Writing ([`format_value`],
//! [`format_c_string`]) prints a result back in the same syntax: integers in decimal,
//! floating values in the shortest form that reads back to the same value of their own
//! type (`long double` included, through the exact conversions of `float`), pointers in
//! hex, aggregates as brace lists.
//!
//! ```
//! use jitcall::literal::{Strings, format_value, parse_value};
//! use jitcall::{Declarations, Type, Value};
//!
//! let decls = Declarations::parse("struct pt { int x; double y; };")?;
//! let pt = decls.tagged("struct pt").unwrap().clone();
//! let mut strings = Strings::default();
//! let v = parse_value("{.y = 2.5, .x = -1}", &pt, &decls, &mut strings).unwrap();
//! assert_eq!(v, Value::Struct(vec![Value::Int(-1), Value::Double(2.5)]));
//! assert_eq!(format_value(&v, &pt), "{-1, 2.5}");
//! # Ok::<(), jitcall::ParseError>(())
//! ```
//!
//! The rules are C's, with three deliberate differences, each to refuse a silent
//! surprise: a value that does not fit its type is an error rather than truncated or
//! wrapped (`300` for a `char`, `-1` for an `unsigned`, also after a cast); a floating
//! value is never converted to an integer; and an unsuffixed floating constant is read
//! at the precision of the type it initializes (`0.1` for a `long double` is the 80-bit
//! value nearest one tenth, not the `double` 0.1 widened). Arithmetic on constants is
//! limited to unary `-` and `+`.
//!
//! This module evaluates values; it does not parse declarations (that is
//! [`crate::cdecl`], which it asks for the type names of casts) and does not call
//! anything. No input makes it panic: nesting is bounded by a depth limit, and every
//! number is range-checked.

mod float;

use crate::{Declarations, FunctionDecl, LongDouble, Signature, Type, Value};
use float::{Binary, Decimal, Format, Rounded};
use std::ffi::{CStr, c_char, c_void};
use std::fmt;

/// How deeply braces, casts, parentheses and signs may nest.
const MAX_DEPTH: usize = 64;

/// Aggregates with more scalar members than this are refused: nobody types such a
/// literal, and its values (zeros included) would take gigabytes.
const MAX_SCALARS: u64 = 1 << 16;

/// Values a literal of `ty` holds, counting an empty aggregate as one (its value still
/// takes room).
fn scalar_count(ty: &Type) -> u64 {
    match ty {
        Type::Struct(agg) | Type::Union(agg) => agg
            .fields
            .iter()
            .fold(0u64, |n, f| n.saturating_add(scalar_count(&f.ty)))
            .max(1),
        Type::Array(elem, n) => scalar_count(elem).saturating_mul(*n),
        Type::Complex(_) => 2,
        _ => 1,
    }
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// Why a literal could not be read, and which part of its text is at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LiteralError {
    /// Byte offset of the offending text in the literal.
    pub start: usize,
    /// Byte offset just past the offending text (at least `start + 1` unless the
    /// literal is empty).
    pub end: usize,
    /// What is wrong.
    pub message: String,
}

impl LiteralError {
    fn new(start: usize, end: usize, message: impl Into<String>) -> LiteralError {
        LiteralError {
            start,
            end: end.max(start),
            message: message.into(),
        }
    }

    /// The message, then the literal's text with a caret under the offending part:
    ///
    /// ```text
    /// 300 does not fit in `char` (-128 to 127)
    ///   | {1, 300}
    ///   |     ^~~
    /// ```
    pub fn render(&self, source: &str) -> String {
        let start = floor_boundary(source, self.start.min(source.len()));
        let end = floor_boundary(source, self.end.min(source.len()).max(start));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line = source[line_start..line_end].trim_end_matches('\r');
        let multiline = source.contains('\n');
        let gutter = if multiline {
            format!("{} | ", source[..start].matches('\n').count() + 1)
        } else {
            "| ".to_string()
        };
        let pad: String = source[line_start..start]
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let marked = source[start..end.min(line_end)].chars().count();
        let mut out = self.message.clone();
        out.push_str(&format!("\n  {gutter}{line}\n  "));
        out.push_str(&" ".repeat(gutter.len() - 2));
        out.push_str("| ");
        out.push_str(&pad);
        out.push('^');
        out.push_str(&"~".repeat(marked.saturating_sub(1)));
        out
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for LiteralError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LiteralError {}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Number,
    Ident,
    Str,
    Char,
    Punct(char),
    Eof,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, LiteralError> {
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
enum IntSuffix {
    None,
    Unsigned,
    Long,
    UnsignedLong,
    LongLong,
    UnsignedLongLong,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RealSuffix {
    None,
    F,
    L,
}

#[derive(Clone, Debug)]
enum Kind {
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
struct Node {
    kind: Kind,
    start: usize,
    end: usize,
}

#[derive(Clone, Debug)]
enum Designator {
    Member(String),
    Index(u128),
}

#[derive(Clone, Debug)]
struct Init {
    designator: Option<(Designator, usize, usize)>,
    value: Node,
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    at: usize,
    decls: &'a Declarations,
    depth: usize,
}

/// Identifiers that are values, not type names, at the start of a parenthesis.
fn value_word(decls: &Declarations, name: &str) -> bool {
    matches!(
        name,
        "NULL" | "nullptr" | "true" | "false" | "inf" | "INFINITY" | "nan" | "NAN"
    ) || decls.constant(name).is_some()
}

impl<'a> Parser<'a> {
    fn tok(&self) -> Token {
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

    fn bump(&mut self) -> Token {
        let t = self.tok();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    fn text_of(&self, t: Token) -> &'a str {
        self.text.get(t.start..t.end).unwrap_or("")
    }

    fn describe(&self, t: Token) -> String {
        if t.kind == Tok::Eof {
            "the end of the value".into()
        } else {
            format!("'{}'", self.text_of(t))
        }
    }

    fn unexpected(&self, expected: &str) -> LiteralError {
        let t = self.tok();
        LiteralError::new(
            t.start,
            t.end.max(t.start + 1),
            format!("expected {expected}, found {}", self.describe(t)),
        )
    }

    fn expect(&mut self, c: char, expected: &str) -> Result<Token, LiteralError> {
        if self.tok().kind == Tok::Punct(c) {
            Ok(self.bump())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn enter(&mut self) -> Result<(), LiteralError> {
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

    fn whole(&mut self) -> Result<Node, LiteralError> {
        if self.tok().kind == Tok::Eof {
            return Err(LiteralError::new(0, self.text.len(), "empty value"));
        }
        let node = self.expr()?;
        if self.tok().kind != Tok::Eof {
            return Err(self.unexpected("the end of the value"));
        }
        Ok(node)
    }

    fn expr(&mut self) -> Result<Node, LiteralError> {
        self.enter()?;
        let node = self.unary();
        self.depth -= 1;
        node
    }

    fn unary(&mut self) -> Result<Node, LiteralError> {
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
    fn paren(&mut self) -> Result<Node, LiteralError> {
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

    fn braces(&mut self) -> Result<Node, LiteralError> {
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
fn span_in(text: &str, line: usize, column: usize, length: usize) -> (usize, usize) {
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
fn number(text: &str, start: usize) -> Result<Node, LiteralError> {
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

fn radix_name(radix: u32) -> &'static str {
    match radix {
        2 => "binary",
        8 => "octal",
        16 => "hexadecimal",
        _ => "decimal",
    }
}

fn real(
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
fn unescape(quoted: &str, start: usize) -> Result<Vec<u8>, LiteralError> {
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

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

/// Storage for the strings that literals point to: keep it alive until the call that
/// uses the values returns.
///
/// Each string is a NUL-terminated copy on the heap, which stays put however the
/// `Strings` itself moves.
#[derive(Default, Debug)]
pub struct Strings {
    buffers: Vec<Box<[u8]>>,
}

impl Strings {
    fn store(&mut self, mut bytes: Vec<u8>) -> *mut c_void {
        bytes.push(0);
        let mut buffer = bytes.into_boxed_slice();
        let p = buffer.as_mut_ptr().cast::<c_void>();
        self.buffers.push(buffer);
        p
    }

    /// How many strings are held.
    pub fn len(&self) -> usize {
        self.buffers.len()
    }

    /// Whether no string is held.
    pub fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }
}

/// A number, evaluated but not yet converted to the type it initializes.
enum Num {
    /// An integer, with the C type of the expression when it has one.
    Int {
        negative: bool,
        magnitude: u128,
        ty: Option<Type>,
    },
    /// A floating value with a type of its own (a suffix, a cast, `inf`).
    Binary(Binary, Type),
    /// An unsuffixed floating constant: rounded only to the type it initializes.
    Decimal(Decimal),
}

struct Eval<'a> {
    strings: &'a mut Strings,
    depth: usize,
}

/// The range of an integer type, as (minimum, maximum) with the minimum's magnitude.
fn int_range(ty: &Type) -> Option<(u128, u128)> {
    Some(match ty {
        Type::Bool => (0, 1),
        Type::Char | Type::SChar => (128, 127),
        Type::UChar => (0, 255),
        Type::Short => (1 << 15, (1 << 15) - 1),
        Type::UShort => (0, u16::MAX as u128),
        Type::Int => (1 << 31, (1 << 31) - 1),
        Type::UInt => (0, u32::MAX as u128),
        Type::Long | Type::LongLong => (1 << 63, (1 << 63) - 1),
        Type::ULong | Type::ULongLong => (0, u64::MAX as u128),
        Type::Int128 => (1 << 127, (1 << 127) - 1),
        Type::UInt128 => (0, u128::MAX),
        _ => return None,
    })
}

fn fits(ty: &Type, negative: bool, magnitude: u128) -> bool {
    match int_range(ty) {
        Some((min, max)) => {
            if negative {
                magnitude <= min
            } else {
                magnitude <= max
            }
        }
        None => false,
    }
}

fn signed_text(negative: bool, magnitude: u128) -> String {
    if negative && magnitude != 0 {
        format!("-{magnitude}")
    } else {
        magnitude.to_string()
    }
}

/// The C type of an integer constant (C11 6.4.4.1, with gcc's `unsigned long` for
/// decimal constants too large for `long`).
fn constant_type(magnitude: u128, suffix: IntSuffix, decimal: bool) -> Option<Type> {
    use Type::*;
    let candidates: &[Type] = match (suffix, decimal) {
        (IntSuffix::None, true) => &[Int, Long, ULong],
        (IntSuffix::None, false) => &[Int, UInt, Long, ULong],
        (IntSuffix::Unsigned, _) => &[UInt, ULong],
        (IntSuffix::Long, true) => &[Long, ULong],
        (IntSuffix::Long, false) => &[Long, ULong],
        (IntSuffix::UnsignedLong, _) => &[ULong],
        (IntSuffix::LongLong, _) => &[LongLong, ULongLong],
        (IntSuffix::UnsignedLongLong, _) => &[ULongLong],
    };
    candidates
        .iter()
        .find(|t| fits(t, false, magnitude))
        .cloned()
}

fn int_value(ty: &Type, negative: bool, magnitude: u128) -> Option<Value> {
    if !fits(ty, negative, magnitude) {
        return None;
    }
    let v: i128 = if negative {
        (magnitude as i128).wrapping_neg()
    } else {
        magnitude as i128
    };
    Some(match ty {
        Type::Bool => Value::Bool(v != 0),
        Type::Char => Value::Char(v as i8),
        Type::SChar => Value::SChar(v as i8),
        Type::UChar => Value::UChar(v as u8),
        Type::Short => Value::Short(v as i16),
        Type::UShort => Value::UShort(v as u16),
        Type::Int => Value::Int(v as i32),
        Type::UInt => Value::UInt(v as u32),
        Type::Long => Value::Long(v as i64),
        Type::ULong => Value::ULong(v as u64),
        Type::LongLong => Value::LongLong(v as i64),
        Type::ULongLong => Value::ULongLong(v as u64),
        Type::Int128 => Value::Int128(v),
        Type::UInt128 => Value::UInt128(magnitude),
        _ => return None,
    })
}

/// `(negative, magnitude)` of an integer value.
fn int_parts(v: &Value) -> Option<(bool, u128)> {
    let signed = |x: i128| (x < 0, x.unsigned_abs());
    Some(match *v {
        Value::Bool(b) => (false, b as u128),
        Value::Char(x) | Value::SChar(x) => signed(x as i128),
        Value::UChar(x) => (false, x as u128),
        Value::Short(x) => signed(x as i128),
        Value::UShort(x) => (false, x as u128),
        Value::Int(x) => signed(x as i128),
        Value::UInt(x) => (false, x as u128),
        Value::Long(x) | Value::LongLong(x) => signed(x as i128),
        Value::ULong(x) | Value::ULongLong(x) => (false, x as u128),
        Value::Int128(x) => signed(x),
        Value::UInt128(x) => (false, x),
        _ => return None,
    })
}

fn format_of(ty: &Type) -> Option<Format> {
    match ty {
        Type::Float => Some(float::F32),
        Type::Double => Some(float::F64),
        Type::LongDouble => Some(float::X87),
        _ => None,
    }
}

fn encode(rounded: Rounded, ty: &Type) -> Value {
    match ty {
        Type::Float => Value::Float(float::rounded_f32(rounded)),
        Type::LongDouble => Value::LongDouble(LongDouble::from_bytes(float::rounded_x87(rounded))),
        _ => Value::Double(float::rounded_f64(rounded)),
    }
}

fn encode_binary(b: Binary, ty: &Type) -> Value {
    match ty {
        Type::Float => Value::Float(b.to_f32()),
        Type::LongDouble => Value::LongDouble(LongDouble::from_bytes(b.to_x87())),
        _ => Value::Double(b.to_f64()),
    }
}

fn binary_of(v: &Value) -> Option<Binary> {
    match *v {
        Value::Float(x) => Some(Binary::from_f32(x)),
        Value::Double(x) => Some(Binary::from_f64(x)),
        Value::LongDouble(x) => Some(Binary::from_x87(x.to_bytes())),
        _ => None,
    }
}

/// What a node is, for messages.
fn kind_name(node: &Node) -> &'static str {
    match node.kind {
        Kind::Int { .. } | Kind::Char(_) | Kind::Constant(_) | Kind::Bool(_) => "an integer",
        Kind::Real { .. } | Kind::Special(_) => "a floating value",
        Kind::Str(_) => "a string",
        Kind::Null => "NULL",
        Kind::Braces(_) => "a brace initializer",
        Kind::Neg(ref inner) => kind_name(inner),
        Kind::Cast(..) => "a cast",
    }
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::Pointer => "pointer".into(),
        t => format!("`{t}`"),
    }
}

impl Eval<'_> {
    fn err(node: &Node, msg: impl Into<String>) -> LiteralError {
        LiteralError::new(node.start, node.end, msg)
    }

    fn enter(&mut self, node: &Node) -> Result<(), LiteralError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH * 2 {
            return Err(Self::err(node, "nested too deeply"));
        }
        Ok(())
    }

    /// The value of `node` as an initializer of type `ty`.
    fn value(&mut self, node: &Node, ty: &Type) -> Result<Value, LiteralError> {
        if ty.is_aggregate() && scalar_count(ty) > MAX_SCALARS {
            return Err(Self::err(
                node,
                format!(
                    "`{ty}` has more than {MAX_SCALARS} scalar members: too large for a literal"
                ),
            ));
        }
        self.enter(node)?;
        let v = self.value_inner(node, ty);
        self.depth -= 1;
        v
    }

    fn value_inner(&mut self, node: &Node, ty: &Type) -> Result<Value, LiteralError> {
        // A cast to the very type needed is just its operand; a cast to another type
        // converts the cast's value.
        if let Kind::Cast(cast_ty, operand) = &node.kind {
            let v = self.value(operand, cast_ty)?;
            if cast_ty == ty {
                return Ok(v);
            }
            return self.convert(node, v, cast_ty, ty);
        }
        // `{x}` for a scalar, as C allows; `{}` is zero.
        if let Kind::Braces(inits) = &node.kind
            && !ty.is_aggregate()
        {
            return match inits.as_slice() {
                [] => Ok(zero(ty)),
                [
                    Init {
                        designator: None,
                        value,
                    },
                ] => self.value(value, ty),
                _ => Err(Self::err(
                    node,
                    format!("{} is not an aggregate: expected one value", type_name(ty)),
                )),
            };
        }
        match ty {
            Type::Void => Err(Self::err(node, "a `void` parameter takes no value")),
            t if t.is_integer() => {
                let num = self.number(node)?;
                self.integer(node, num, ty)
            }
            Type::Float | Type::Double | Type::LongDouble => {
                let num = self.number(node)?;
                self.real(node, num, ty)
            }
            Type::Pointer => self.pointer(node),
            Type::Struct(agg) => {
                let inits = self.braces_for(node, ty)?;
                let mut values: Vec<Option<Value>> = vec![None; agg.fields.len()];
                let mut next = 0usize;
                for init in inits {
                    if let Some((d, s, e)) = &init.designator {
                        next = member_index(ty, agg, d, *s, *e)?;
                    }
                    let Some(field) = agg.fields.get(next) else {
                        return Err(Self::err(
                            &init.value,
                            format!(
                                "too many values for {ty}: it has {} member(s)",
                                agg.fields.len()
                            ),
                        ));
                    };
                    let v = self.value(&init.value, &field.ty)?;
                    if let Some(slot) = values.get_mut(next) {
                        *slot = Some(v);
                    }
                    next += 1;
                }
                Ok(Value::Struct(
                    values
                        .into_iter()
                        .zip(&agg.fields)
                        .map(|(v, f)| v.unwrap_or_else(|| zero(&f.ty)))
                        .collect(),
                ))
            }
            Type::Union(agg) => {
                let inits = self.braces_for(node, ty)?;
                match inits {
                    [] => Ok(zero(ty)),
                    [init] => {
                        let member = match &init.designator {
                            None => 0,
                            Some((d, s, e)) => member_index(ty, agg, d, *s, *e)?,
                        };
                        let Some(field) = agg.fields.get(member) else {
                            return Err(Self::err(node, format!("{ty} has no members")));
                        };
                        let value = self.value(&init.value, &field.ty)?;
                        Ok(Value::Union {
                            member,
                            value: Box::new(value),
                        })
                    }
                    [_, second, ..] => Err(Self::err(
                        &second.value,
                        format!(
                            "a union takes one value; pick the member with {{.name = value}}{}",
                            members(agg)
                        ),
                    )),
                }
            }
            Type::Array(elem, count) => {
                if let Kind::Str(bytes) = &node.kind
                    && matches!(**elem, Type::Char | Type::SChar | Type::UChar)
                {
                    // A string initializes a char array, its NUL included if it fits.
                    if bytes.len() as u64 > *count {
                        return Err(Self::err(
                            node,
                            format!("string of {} byte(s) is too long for {ty}", bytes.len()),
                        ));
                    }
                    let mut values = Vec::with_capacity(*count as usize);
                    for i in 0..*count {
                        let b = bytes.get(i as usize).copied().unwrap_or(0);
                        values.push(match **elem {
                            Type::UChar => Value::UChar(b),
                            Type::SChar => Value::SChar(b as i8),
                            _ => Value::Char(b as i8),
                        });
                    }
                    return Ok(Value::Array(values));
                }
                let inits = self.braces_for(node, ty)?;
                let mut values: Vec<Option<Value>> = Vec::new();
                let mut next = 0u128;
                for init in inits {
                    if let Some((d, s, e)) = &init.designator {
                        next = match d {
                            Designator::Index(i) => *i,
                            Designator::Member(name) => {
                                return Err(LiteralError::new(
                                    *s,
                                    *e,
                                    format!("member '{name}' in an initializer of {ty}, an array"),
                                ));
                            }
                        };
                    }
                    if next >= *count as u128 {
                        return Err(Self::err(
                            &init.value,
                            format!("index {next} is past the end of {ty}"),
                        ));
                    }
                    let v = self.value(&init.value, elem)?;
                    let i = next as usize;
                    if values.len() <= i {
                        values.resize(i + 1, None);
                    }
                    if let Some(slot) = values.get_mut(i) {
                        *slot = Some(v);
                    }
                    next += 1;
                }
                values.resize(*count as usize, None);
                Ok(Value::Array(
                    values
                        .into_iter()
                        .map(|v| v.unwrap_or_else(|| zero(elem)))
                        .collect(),
                ))
            }
            Type::Complex(elem) => {
                if !matches!(node.kind, Kind::Braces(_)) {
                    // A real value: the imaginary part is zero, as in C.
                    let re = self.value(node, elem)?;
                    return Ok(Value::Complex(Box::new(re), Box::new(zero(elem))));
                }
                let inits = self.braces_for(node, ty)?;
                if let Some(init) = inits.iter().find(|i| i.designator.is_some()) {
                    return Err(Self::err(
                        &init.value,
                        "a complex value is {real, imaginary}, without designators",
                    ));
                }
                match inits {
                    [] => Ok(zero(ty)),
                    [re] => Ok(Value::Complex(
                        Box::new(self.value(&re.value, elem)?),
                        Box::new(zero(elem)),
                    )),
                    [re, im] => Ok(Value::Complex(
                        Box::new(self.value(&re.value, elem)?),
                        Box::new(self.value(&im.value, elem)?),
                    )),
                    [_, _, third, ..] => Err(Self::err(
                        &third.value,
                        "a complex value is {real, imaginary}: too many values",
                    )),
                }
            }
            _ => Err(Self::err(
                node,
                format!("cannot give a value of type `{ty}`"),
            )),
        }
    }

    /// The initializers of an aggregate, which must be in braces.
    fn braces_for<'n>(&self, node: &'n Node, ty: &Type) -> Result<&'n [Init], LiteralError> {
        match &node.kind {
            Kind::Braces(inits) => Ok(inits),
            _ => Err(Self::err(
                node,
                format!(
                    "expected a brace initializer {{...}} for {}, found {}",
                    type_name(ty),
                    kind_name(node)
                ),
            )),
        }
    }

    /// Converts a cast's value of type `from` to `to`, range-checked.
    fn convert(
        &mut self,
        node: &Node,
        v: Value,
        from: &Type,
        to: &Type,
    ) -> Result<Value, LiteralError> {
        let num = if let Some((negative, magnitude)) = int_parts(&v) {
            Num::Int {
                negative,
                magnitude,
                ty: Some(from.clone()),
            }
        } else if let Some(b) = binary_of(&v) {
            Num::Binary(b, from.clone())
        } else if let (Value::Pointer(p), Type::Pointer) = (&v, to) {
            return Ok(Value::Pointer(*p));
        } else {
            return Err(Self::err(
                node,
                format!(
                    "a value of type `{from}` cannot initialize {}",
                    type_name(to)
                ),
            ));
        };
        match to {
            t if t.is_integer() => self.integer(node, num, to),
            Type::Float | Type::Double | Type::LongDouble => self.real(node, num, to),
            Type::Complex(elem) => {
                let re = self.convert(node, v, from, elem)?;
                Ok(Value::Complex(Box::new(re), Box::new(zero(elem))))
            }
            Type::Pointer => match num {
                Num::Int {
                    negative: false,
                    magnitude,
                    ..
                } if magnitude <= u64::MAX as u128 => {
                    Ok(Value::Pointer(magnitude as usize as *mut c_void))
                }
                _ => Err(Self::err(
                    node,
                    format!("a value of type `{from}` is not an address"),
                )),
            },
            _ => Err(Self::err(
                node,
                format!(
                    "a value of type `{from}` cannot initialize {}",
                    type_name(to)
                ),
            )),
        }
    }

    /// Evaluates an arithmetic expression.
    fn number(&mut self, node: &Node) -> Result<Num, LiteralError> {
        Ok(match &node.kind {
            Kind::Int {
                magnitude,
                suffix,
                decimal,
            } => Num::Int {
                negative: false,
                magnitude: *magnitude,
                ty: constant_type(*magnitude, *suffix, *decimal),
            },
            Kind::Char(c) => Num::Int {
                negative: *c < 0,
                magnitude: c.unsigned_abs() as u128,
                ty: Some(Type::Int),
            },
            Kind::Bool(b) => Num::Int {
                negative: false,
                magnitude: *b as u128,
                ty: Some(Type::Int),
            },
            Kind::Constant(v) => Num::Int {
                negative: *v < 0,
                magnitude: v.unsigned_abs(),
                ty: [Type::Int, Type::UInt, Type::Long, Type::ULong]
                    .into_iter()
                    .find(|t| fits(t, *v < 0, v.unsigned_abs())),
            },
            Kind::Real { value, suffix } => match suffix {
                RealSuffix::None => Num::Decimal(value.clone()),
                RealSuffix::F | RealSuffix::L => {
                    let ty = if *suffix == RealSuffix::F {
                        Type::Float
                    } else {
                        Type::LongDouble
                    };
                    let format = format_of(&ty).unwrap_or(float::F64);
                    let rounded = value.round(format).ok_or_else(|| too_many_digits(node))?;
                    let b =
                        binary_of(&encode(rounded, &ty)).unwrap_or(Binary::Nan { negative: false });
                    Num::Binary(b, ty)
                }
            },
            Kind::Special(b) => Num::Binary(*b, Type::Double),
            Kind::Neg(inner) => {
                self.enter(node)?;
                let n = self.number(inner);
                self.depth -= 1;
                match n? {
                    Num::Int {
                        negative,
                        magnitude,
                        ty,
                    } => Num::Int {
                        negative: !negative && magnitude != 0,
                        magnitude,
                        ty,
                    },
                    Num::Binary(b, ty) => Num::Binary(negate(b), ty),
                    Num::Decimal(mut d) => {
                        d.negative = !d.negative;
                        Num::Decimal(d)
                    }
                }
            }
            Kind::Cast(ty, operand) => {
                if !(ty.is_integer() || format_of(ty).is_some()) {
                    return Err(Self::err(
                        node,
                        format!("expected a number, found a value of type `{ty}`"),
                    ));
                }
                let v = self.value(operand, ty)?;
                if let Some((negative, magnitude)) = int_parts(&v) {
                    Num::Int {
                        negative,
                        magnitude,
                        ty: Some(ty.clone()),
                    }
                } else {
                    let b = binary_of(&v).unwrap_or(Binary::Nan { negative: false });
                    Num::Binary(b, ty.clone())
                }
            }
            _ => {
                return Err(Self::err(
                    node,
                    format!("expected a number, found {}", kind_name(node)),
                ));
            }
        })
    }

    fn integer(&mut self, node: &Node, num: Num, ty: &Type) -> Result<Value, LiteralError> {
        match num {
            Num::Int {
                negative,
                magnitude,
                ..
            } => int_value(ty, negative, magnitude).ok_or_else(|| {
                let (min, max) = int_range(ty).unwrap_or((0, 0));
                Self::err(
                    node,
                    format!(
                        "{} does not fit in `{ty}` ({} to {max})",
                        signed_text(negative, magnitude),
                        signed_text(true, min)
                    ),
                )
            }),
            Num::Binary(..) | Num::Decimal(_) => Err(Self::err(
                node,
                format!(
                    "expected an integer for `{ty}`, found a floating value \
                     (jitcall does not truncate)"
                ),
            )),
        }
    }

    fn real(&mut self, node: &Node, num: Num, ty: &Type) -> Result<Value, LiteralError> {
        let format = format_of(ty).unwrap_or(float::F64);
        Ok(match num {
            Num::Int {
                negative,
                magnitude,
                ..
            } => encode(float::round_integer(negative, magnitude, format), ty),
            Num::Decimal(d) => encode(d.round(format).ok_or_else(|| too_many_digits(node))?, ty),
            Num::Binary(b, _) => encode_binary(b, ty),
        })
    }

    fn pointer(&mut self, node: &Node) -> Result<Value, LiteralError> {
        match &node.kind {
            Kind::Null => Ok(Value::Pointer(std::ptr::null_mut())),
            Kind::Str(bytes) => Ok(Value::Pointer(self.strings.store(bytes.clone()))),
            Kind::Int { .. } | Kind::Neg(_) | Kind::Constant(_) => match self.number(node)? {
                Num::Int {
                    negative,
                    magnitude,
                    ..
                } if (!negative || magnitude == 0) && magnitude <= u64::MAX as u128 => {
                    Ok(Value::Pointer(magnitude as usize as *mut c_void))
                }
                _ => Err(Self::err(
                    node,
                    "an address must be an integer from 0 to 0xffffffffffffffff",
                )),
            },
            _ => Err(Self::err(
                node,
                format!(
                    "expected a pointer (a \"string\", NULL, or an address), found {}",
                    kind_name(node)
                ),
            )),
        }
    }

    /// The type and value of a variadic argument: its own C type after the default
    /// argument promotions.
    fn untyped(&mut self, node: &Node) -> Result<(Type, Value), LiteralError> {
        match &node.kind {
            Kind::Str(_) | Kind::Null => Ok((Type::Pointer, self.pointer(node)?)),
            Kind::Braces(_) => Err(Self::err(
                node,
                "a variadic argument needs a type: write a compound literal like \
                 (struct s){1, 2}",
            )),
            Kind::Cast(ty, operand) => {
                let v = self.value(operand, ty)?;
                Ok(promote(ty, v))
            }
            _ => match self.number(node)? {
                Num::Int {
                    negative,
                    magnitude,
                    ty: Some(ty),
                } => {
                    let v = self.integer(
                        node,
                        Num::Int {
                            negative,
                            magnitude,
                            ty: None,
                        },
                        &ty,
                    )?;
                    Ok(promote(&ty, v))
                }
                Num::Int { .. } => Err(Self::err(
                    node,
                    "integer constant too large for `unsigned long`: \
                     write a cast like (unsigned __int128)...",
                )),
                Num::Decimal(d) => Ok((
                    Type::Double,
                    encode(
                        d.round(float::F64).ok_or_else(|| too_many_digits(node))?,
                        &Type::Double,
                    ),
                )),
                Num::Binary(b, ty) => {
                    let v = encode_binary(b, &ty);
                    Ok(promote(&ty, v))
                }
            },
        }
    }
}

fn too_many_digits(node: &Node) -> LiteralError {
    Eval::err(
        node,
        format!(
            "floating constant with more than {} digits",
            float::MAX_DIGITS
        ),
    )
}

fn negate(b: Binary) -> Binary {
    match b {
        Binary::Finite {
            negative,
            mantissa,
            exponent,
        } => Binary::Finite {
            negative: !negative,
            mantissa,
            exponent,
        },
        Binary::Infinite { negative } => Binary::Infinite {
            negative: !negative,
        },
        Binary::Nan { negative } => Binary::Nan {
            negative: !negative,
        },
    }
}

/// The member a designator of a struct or union initializer names (`.name`; an array
/// index `[n]` is an error here), with the designator's text span for errors.
fn member_index(
    ty: &Type,
    agg: &crate::Aggregate,
    designator: &Designator,
    start: usize,
    end: usize,
) -> Result<usize, LiteralError> {
    match designator {
        Designator::Member(name) => agg
            .fields
            .iter()
            .position(|f| f.name.as_deref() == Some(name.as_str()))
            .ok_or_else(|| {
                LiteralError::new(
                    start,
                    end,
                    format!("{ty} has no member named '{name}'{}", members(agg)),
                )
            }),
        Designator::Index(_) => Err(LiteralError::new(
            start,
            end,
            format!("array index in an initializer of {ty}, not an array"),
        )),
    }
}

fn members(agg: &crate::Aggregate) -> String {
    let names: Vec<&str> = agg
        .fields
        .iter()
        .filter_map(|f| f.name.as_deref())
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" (members: {})", names.join(", "))
    }
}

/// C's default argument promotions, for variadic arguments.
fn promote(ty: &Type, v: Value) -> (Type, Value) {
    match v {
        Value::Float(x) => (Type::Double, Value::Double(x as f64)),
        Value::Bool(b) => (Type::Int, Value::Int(b as i32)),
        Value::Char(x) | Value::SChar(x) => (Type::Int, Value::Int(x as i32)),
        Value::UChar(x) => (Type::Int, Value::Int(x as i32)),
        Value::Short(x) => (Type::Int, Value::Int(x as i32)),
        Value::UShort(x) => (Type::Int, Value::Int(x as i32)),
        v => (ty.clone(), v),
    }
}

/// The zero value of a type: what C gives members an initializer leaves out.
pub fn zero(ty: &Type) -> Value {
    match ty {
        Type::Void => Value::Void,
        Type::Bool => Value::Bool(false),
        Type::Char => Value::Char(0),
        Type::SChar => Value::SChar(0),
        Type::UChar => Value::UChar(0),
        Type::Short => Value::Short(0),
        Type::UShort => Value::UShort(0),
        Type::Int => Value::Int(0),
        Type::UInt => Value::UInt(0),
        Type::Long => Value::Long(0),
        Type::ULong => Value::ULong(0),
        Type::LongLong => Value::LongLong(0),
        Type::ULongLong => Value::ULongLong(0),
        Type::Int128 => Value::Int128(0),
        Type::UInt128 => Value::UInt128(0),
        Type::Float => Value::Float(0.0),
        Type::Double => Value::Double(0.0),
        Type::LongDouble => Value::LongDouble(LongDouble::from_f64(0.0)),
        Type::Struct(agg) => Value::Struct(agg.fields.iter().map(|f| zero(&f.ty)).collect()),
        Type::Union(agg) => match agg.fields.first() {
            Some(f) => Value::Union {
                member: 0,
                value: Box::new(zero(&f.ty)),
            },
            None => Value::Struct(Vec::new()),
        },
        Type::Array(elem, n) => Value::Array((0..*n).map(|_| zero(elem)).collect()),
        Type::Complex(elem) => Value::Complex(Box::new(zero(elem)), Box::new(zero(elem))),
        _ => Value::Pointer(std::ptr::null_mut()),
    }
}

fn parse(text: &str, decls: &Declarations) -> Result<Node, LiteralError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        text,
        tokens,
        at: 0,
        decls,
        depth: 0,
    };
    parser.whole()
}

/// Reads `text` as a value of type `ty`. Type names in casts are looked up in `decls`;
/// strings are stored in `strings`, which must outlive every use of the value.
pub fn parse_value(
    text: &str,
    ty: &Type,
    decls: &Declarations,
    strings: &mut Strings,
) -> Result<Value, LiteralError> {
    let node = parse(text, decls)?;
    Eval { strings, depth: 0 }.value(&node, ty)
}

/// Reads `text` as a variadic argument, whose type is its own: `5` is an `int`,
/// `6000000000` a `long`, `2.5` a `double`, `"s"` a `char *`, `(short)1` an `int` and
/// `1.5f` a `double` (after C's default argument promotions), `(struct s){1, 2}` a
/// `struct s`.
pub fn parse_variadic(
    text: &str,
    decls: &Declarations,
    strings: &mut Strings,
) -> Result<(Type, Value), LiteralError> {
    let node = parse(text, decls)?;
    Eval { strings, depth: 0 }.untyped(&node)
}

/// The values of one call, ready for [`crate::Function::call`].
#[derive(Debug)]
pub struct Arguments {
    /// The signature of this call (for a variadic function, with the types of this
    /// call's variadic arguments).
    pub signature: Signature,
    /// One value per parameter.
    pub values: Vec<Value>,
    /// The strings the values point to: keep them until the call returns.
    pub strings: Strings,
}

/// Why the arguments of a call could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArgumentError {
    /// Too many or too few arguments.
    Count {
        /// Parameters declared (fixed ones, for a variadic function).
        expected: usize,
        /// Arguments given.
        found: usize,
        /// Whether the function takes more after its fixed parameters.
        variadic: bool,
    },
    /// One argument is not a valid value for its parameter.
    Value {
        /// Which argument (0-based).
        index: usize,
        /// The parameter's type, in C.
        ty: String,
        /// What is wrong, and where in the argument's text.
        error: LiteralError,
    },
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgumentError::Count {
                expected,
                found,
                variadic: true,
            } => write!(f, "expected at least {expected} argument(s), got {found}"),
            ArgumentError::Count {
                expected, found, ..
            } => write!(f, "expected {expected} argument(s), got {found}"),
            ArgumentError::Value { index, ty, error } => {
                write!(f, "argument {} ({ty}): {error}", index + 1)
            }
        }
    }
}

impl std::error::Error for ArgumentError {}

/// Reads the arguments of a call to `function` (declared in `decls`): one text per
/// argument, fixed parameters first, then any variadic ones.
pub fn parse_arguments(
    function: &FunctionDecl,
    decls: &Declarations,
    args: &[impl AsRef<str>],
) -> Result<Arguments, ArgumentError> {
    let sig = &function.signature;
    let fixed = sig.fixed_count();
    let variadic = sig.is_variadic();
    if args.len() < fixed || (!variadic && args.len() > fixed) {
        return Err(ArgumentError::Count {
            expected: fixed,
            found: args.len(),
            variadic,
        });
    }
    let mut strings = Strings::default();
    let mut values = Vec::with_capacity(args.len());
    let mut variadic_types = Vec::new();
    for (index, text) in args.iter().enumerate() {
        let text = text.as_ref();
        match sig.params().get(index) {
            Some(ty) if index < fixed => {
                let v = parse_value(text, ty, decls, &mut strings).map_err(|error| {
                    ArgumentError::Value {
                        index,
                        ty: param_type_name(function, index, ty),
                        error,
                    }
                })?;
                values.push(v);
            }
            _ => {
                let (ty, v) = parse_variadic(text, decls, &mut strings).map_err(|error| {
                    ArgumentError::Value {
                        index,
                        ty: "variadic".into(),
                        error,
                    }
                })?;
                variadic_types.push(ty);
                values.push(v);
            }
        }
    }
    let signature = if variadic {
        sig.with_variadic_args(variadic_types)
    } else {
        sig.clone()
    };
    Ok(Arguments {
        signature,
        values,
        strings,
    })
}

fn param_type_name(function: &FunctionDecl, index: usize, ty: &Type) -> String {
    let is_string = function
        .params_c_string
        .get(index)
        .copied()
        .unwrap_or(false);
    let ty = if is_string {
        "char *".to_string()
    } else {
        ty.to_string()
    };
    match function.param_names.get(index) {
        Some(Some(name)) => format!("{ty} {name}"),
        _ => ty,
    }
}

// ---------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------

/// Lays out shortest digits (`d1.d2d3... × 10^sci`) the way `%g` would, without its
/// precision limit: positional from 1e-4 to below 1e17, scientific (`1e+100`) beyond.
fn layout_digits(negative: bool, digits: &[u8], sci: i64) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let ds: String = digits.iter().map(|d| (b'0' + d) as char).collect();
    let n = ds.len() as i64;
    if (-4..17).contains(&sci) {
        if sci < 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-sci - 1) as usize));
            out.push_str(&ds);
        } else if sci >= n - 1 {
            out.push_str(&ds);
            out.push_str(&"0".repeat((sci - (n - 1)) as usize));
        } else {
            let (int, frac) = ds.split_at((sci + 1) as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = ds.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if sci < 0 { '-' } else { '+' },
            sci.unsigned_abs()
        ));
    }
    out
}

fn format_binary(b: Binary, digits: Option<(Vec<u8>, i64)>) -> String {
    match b {
        Binary::Nan { negative } => if negative { "-nan" } else { "nan" }.into(),
        Binary::Infinite { negative } => if negative { "-inf" } else { "inf" }.into(),
        Binary::Finite {
            negative,
            mantissa: 0,
            ..
        } => if negative { "-0.0" } else { "0" }.into(),
        Binary::Finite { negative, .. } => match digits {
            Some((d, sci)) => layout_digits(negative, &d, sci),
            None => "nan".into(),
        },
    }
}

/// Digits and exponent from Rust's shortest `{:e}` output, e.g. `1.024e3`.
fn rust_digits(s: &str) -> Option<(Vec<u8>, i64)> {
    let (m, e) = s.split_once('e')?;
    let digits = m
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    Some((digits, e.parse().ok()?))
}

/// A `double` in the shortest form that reads back to the same `double`.
pub fn format_f64(x: f64) -> String {
    format_binary(Binary::from_f64(x), rust_digits(&format!("{:e}", x.abs())))
}

/// A `float` in the shortest form that reads back to the same `float`.
pub fn format_f32(x: f32) -> String {
    format_binary(Binary::from_f32(x), rust_digits(&format!("{:e}", x.abs())))
}

/// A `long double` in the shortest form that reads back (as a `long double`) to the
/// same 80 bits.
pub fn format_long_double(x: LongDouble) -> String {
    let b = Binary::from_x87(x.to_bytes());
    format_binary(b, float::shortest(b, float::X87))
}

/// Bytes as a C string literal: quotes, escapes for `"`, `\`, control characters and
/// bytes that are not UTF-8 (as three-digit octal escapes, which never swallow a
/// following digit).
pub fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\{b:03o}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\{b:03o}"));
        }
    }
    out.push('"');
    out
}

/// The C string at `ptr` as a quoted literal, or `NULL`.
///
/// # Safety
///
/// `ptr` must be null or point to a NUL-terminated string that stays valid and
/// unchanged during the call.
pub unsafe fn format_c_string(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return "NULL".into();
    }
    // SAFETY: non-null, and the caller guarantees a NUL-terminated string.
    let s = unsafe { CStr::from_ptr(ptr) };
    quote_bytes(s.to_bytes())
}

/// A value in C syntax: integers in decimal, floating values in their shortest
/// round-trip form, pointers in hex (`NULL` for null), aggregates as brace lists,
/// unions as `{.member = value}`, `void` as nothing. `ty` is the value's type (it names
/// union members).
pub fn format_value(value: &Value, ty: &Type) -> String {
    let mut out = String::new();
    write_value(&mut out, value, ty);
    out
}

fn write_value(out: &mut String, value: &Value, ty: &Type) {
    let list = |out: &mut String, items: &mut dyn Iterator<Item = (&Value, &Type)>| {
        out.push('{');
        for (i, (v, t)) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_value(out, v, t);
        }
        out.push('}');
    };
    match value {
        Value::Void => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Float(x) => out.push_str(&format_f32(*x)),
        Value::Double(x) => out.push_str(&format_f64(*x)),
        Value::LongDouble(x) => out.push_str(&format_long_double(*x)),
        Value::Pointer(p) if p.is_null() => out.push_str("NULL"),
        Value::Pointer(p) => out.push_str(&format!("{:#x}", *p as usize)),
        Value::Struct(values) => {
            let fields: Vec<Type> = match ty {
                Type::Struct(agg) => agg.fields.iter().map(|f| f.ty.clone()).collect(),
                _ => Vec::new(),
            };
            list(
                out,
                &mut values
                    .iter()
                    .zip(fields.iter().chain(std::iter::repeat(&Type::Void))),
            );
        }
        Value::Array(values) => {
            let elem = match ty {
                Type::Array(elem, _) => (**elem).clone(),
                _ => Type::Void,
            };
            list(out, &mut values.iter().map(|v| (v, &elem)));
        }
        Value::Complex(re, im) => {
            let elem = match ty {
                Type::Complex(elem) => (**elem).clone(),
                _ => Type::Double,
            };
            list(out, &mut [(&**re, &elem), (&**im, &elem)].into_iter());
        }
        Value::Union { member, value } => {
            let field = match ty {
                Type::Union(agg) => agg.fields.get(*member),
                _ => None,
            };
            out.push('{');
            if let Some(name) = field.and_then(|f| f.name.as_deref()) {
                out.push('.');
                out.push_str(name);
                out.push_str(" = ");
            }
            write_value(out, value, field.map_or(&Type::Void, |f| &f.ty));
            out.push('}');
        }
        v => match int_parts(v) {
            Some((negative, magnitude)) => out.push_str(&signed_text(negative, magnitude)),
            None => out.push('?'),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(text: &str) -> Declarations {
        Declarations::parse(text).unwrap()
    }

    fn val(text: &str, ty: &Type) -> Value {
        let d = decls("");
        parse_value(text, ty, &d, &mut Strings::default())
            .unwrap_or_else(|e| panic!("{}", e.render(text)))
    }

    fn err(text: &str, ty: &Type) -> LiteralError {
        let d = decls("");
        match parse_value(text, ty, &d, &mut Strings::default()) {
            Ok(v) => panic!("{text} gave {v:?}"),
            Err(e) => e,
        }
    }

    fn var(text: &str) -> (Type, Value) {
        let d = decls("struct s { int a; double b; };");
        parse_variadic(text, &d, &mut Strings::default())
            .unwrap_or_else(|e| panic!("{}", e.render(text)))
    }

    #[test]
    fn integers() {
        assert_eq!(val("-5", &Type::Int), Value::Int(-5));
        assert_eq!(val("0x7f", &Type::Char), Value::Char(127));
        assert_eq!(val("017", &Type::Int), Value::Int(15));
        assert_eq!(val("0b101", &Type::Int), Value::Int(5));
        assert_eq!(val("1'000'000", &Type::Int), Value::Int(1_000_000));
        assert_eq!(val("-2147483648", &Type::Int), Value::Int(i32::MIN));
        assert_eq!(val("4294967295u", &Type::UInt), Value::UInt(u32::MAX));
        assert_eq!(val("'A'", &Type::Char), Value::Char(65));
        assert_eq!(val("'\\n'", &Type::Int), Value::Int(10));
        assert_eq!(
            val("-170141183460469231731687303715884105728", &Type::Int128),
            Value::Int128(i128::MIN)
        );
        assert_eq!(
            val("0xffffffffffffffffffffffffffffffff", &Type::UInt128),
            Value::UInt128(u128::MAX)
        );
        assert_eq!(val("(long)9", &Type::Int), Value::Int(9));
        assert_eq!(val("{7}", &Type::Int), Value::Int(7));
        assert_eq!(val("- -3", &Type::Int), Value::Int(3));
        assert_eq!(val("(4)", &Type::Short), Value::Short(4));
        assert_eq!(val("true", &Type::Bool), Value::Bool(true));
    }

    #[test]
    fn integer_errors_point_at_the_text() {
        let e = err("{1, 300}", &Type::structure([Type::Int, Type::Char]));
        assert_eq!((e.start, e.end), (4, 7));
        assert_eq!(e.message, "300 does not fit in `char` (-128 to 127)");
        assert_eq!(
            e.render("{1, 300}"),
            "300 does not fit in `char` (-128 to 127)\n  | {1, 300}\n  |     ^~~"
        );
        assert!(err("-1", &Type::UInt).message.contains("does not fit"));
        assert!(err("2.5", &Type::Int).message.contains("floating"));
        assert!(err("0x1_", &Type::Int).message.contains("suffix"));
        assert!(err("09", &Type::Int).message.contains("octal"));
        assert!(
            err("340282366920938463463374607431768211456", &Type::UInt128)
                .message
                .contains("128 bits")
        );
        assert!(err("2", &Type::Bool).message.contains("does not fit"));
        assert!(err("", &Type::Int).message.contains("empty"));
        assert!(err("1 2", &Type::Int).message.contains("end of the value"));
        assert!(err("(foo)1", &Type::Int).message.contains("foo"));
        assert!(err("\"x\"", &Type::Int).message.contains("string"));
    }

    #[test]
    fn floats() {
        assert_eq!(val("1.5", &Type::Double), Value::Double(1.5));
        assert_eq!(val("2", &Type::Double), Value::Double(2.0));
        assert_eq!(val("1e10", &Type::Float), Value::Float(1e10));
        assert_eq!(val("0x1.8p3", &Type::Double), Value::Double(12.0));
        assert_eq!(val("-inf", &Type::Double), Value::Double(f64::NEG_INFINITY));
        assert!(matches!(val("nan", &Type::Float), Value::Float(x) if x.is_nan()));
        let Value::Double(z) = val("-0.0", &Type::Double) else {
            panic!()
        };
        assert!(z == 0.0 && z.is_sign_negative());
        // 0.1f widened is not 0.1.
        assert_eq!(val("0.1f", &Type::Double), Value::Double(0.1f32 as f64));
        assert_eq!(val(".5", &Type::Double), Value::Double(0.5));
        assert_eq!(val("1.", &Type::Double), Value::Double(1.0));
        assert!(err("0x1.8", &Type::Double).message.contains("exponent"));
        assert!(err("1e", &Type::Double).message.contains("exponent"));
        assert!(err("1.5q", &Type::Double).message.contains("invalid"));
    }

    #[test]
    fn long_double_literals_are_exact() {
        let Value::LongDouble(x) = val("0.1", &Type::LongDouble) else {
            panic!()
        };
        let b = x.to_bytes();
        assert_eq!(
            u64::from_le_bytes(b[..8].try_into().unwrap()),
            0xCCCC_CCCC_CCCC_CCCD
        );
        assert_eq!(u16::from_le_bytes([b[8], b[9]]), 16383 - 4);
        assert_eq!(format_long_double(x), "0.1");
        // 0.1L rounded to a double is the double 0.1.
        assert_eq!(val("0.1L", &Type::Double), Value::Double(0.1));
    }

    #[test]
    fn strings_and_pointers() {
        let d = decls("");
        let mut s = Strings::default();
        let v = parse_value("\"a\\tb\\x41\\101\\0z\" \"!\"", &Type::Pointer, &d, &mut s).unwrap();
        let Value::Pointer(p) = v else { panic!() };
        // SAFETY: p points into `s`, which holds 8 bytes for it.
        let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, 8) };
        assert_eq!(bytes, b"a\tbAA\0z!");
        assert_eq!(s.len(), 1);
        assert_eq!(
            val("NULL", &Type::Pointer),
            Value::Pointer(std::ptr::null_mut())
        );
        assert_eq!(
            val("0x1000", &Type::Pointer),
            Value::Pointer(0x1000 as *mut c_void)
        );
        assert!(err("-1", &Type::Pointer).message.contains("address"));
        assert!(
            err("\"abc", &Type::Pointer)
                .message
                .contains("unterminated")
        );
        assert!(err("\"\\q\"", &Type::Pointer).message.contains("escape"));
        assert!(err("\"\\x\"", &Type::Pointer).message.contains("hex"));
    }

    #[test]
    fn aggregates() {
        let d = decls(
            "struct pt { int x; double y; };
             union u { float f; int i; };
             struct arr { int v[3]; char name[4]; };",
        );
        let pt = d.tagged("struct pt").unwrap().clone();
        let u = d.tagged("union u").unwrap().clone();
        let arr = d.tagged("struct arr").unwrap().clone();
        let mut s = Strings::default();
        let mut p = |t: &str, ty: &Type| {
            parse_value(t, ty, &d, &mut s).unwrap_or_else(|e| panic!("{}", e.render(t)))
        };
        assert_eq!(
            p("{1, 2.5}", &pt),
            Value::Struct(vec![Value::Int(1), Value::Double(2.5)])
        );
        assert_eq!(
            p("{.y = 3}", &pt),
            Value::Struct(vec![Value::Int(0), Value::Double(3.0)])
        );
        assert_eq!(
            p("(struct pt){4}", &pt),
            Value::Struct(vec![Value::Int(4), Value::Double(0.0)])
        );
        assert_eq!(
            p("{.i = 7}", &u),
            Value::Union {
                member: 1,
                value: Box::new(Value::Int(7))
            }
        );
        assert_eq!(
            p("{{1, [2] = 3}, \"ab\"}", &arr),
            Value::Struct(vec![
                Value::Array(vec![Value::Int(1), Value::Int(0), Value::Int(3)]),
                Value::Array(vec![
                    Value::Char(97),
                    Value::Char(98),
                    Value::Char(0),
                    Value::Char(0)
                ]),
            ])
        );
        let c = Type::complex(Type::Double);
        assert_eq!(
            p("{1, -2}", &c),
            Value::Complex(Box::new(Value::Double(1.0)), Box::new(Value::Double(-2.0)))
        );
        assert_eq!(
            p("3", &c),
            Value::Complex(Box::new(Value::Double(3.0)), Box::new(Value::Double(0.0)))
        );
        let e = |t: &str, ty: &Type| parse_value(t, ty, &d, &mut Strings::default()).unwrap_err();
        assert!(e("{1, 2, 3}", &pt).message.contains("too many"));
        assert!(e("{.z = 1}", &pt).message.contains("members: x, y"));
        assert!(e("{1, 2}", &u).message.contains("one value"));
        assert!(e("5", &pt).message.contains("brace"));
        assert!(e("{{1, 2, 3, 4}}", &arr).message.contains("past the end"));
        assert!(e("{{0}, \"abcde\"}", &arr).message.contains("too long"));
        assert!(e("(union u){1}", &pt).message.contains("cannot initialize"));
        let deep = "{".repeat(10_000);
        assert!(e(&deep, &pt).message.contains("nested"));
        let deep = "-".repeat(10_000) + "1";
        assert!(e(&deep, &Type::Int).message.contains("nested"));
        let deep = "(".repeat(10_000);
        assert!(e(&deep, &Type::Int).message.contains("nested"));
    }

    #[test]
    fn variadic_types_follow_c() {
        assert_eq!(var("5"), (Type::Int, Value::Int(5)));
        assert_eq!(var("-2147483648"), (Type::Long, Value::Long(-2147483648)));
        assert_eq!(var("6000000000"), (Type::Long, Value::Long(6_000_000_000)));
        assert_eq!(var("0xffffffff"), (Type::UInt, Value::UInt(u32::MAX)));
        assert_eq!(var("5ull"), (Type::ULongLong, Value::ULongLong(5)));
        assert_eq!(var("2.5"), (Type::Double, Value::Double(2.5)));
        assert_eq!(var("1.5f"), (Type::Double, Value::Double(1.5)));
        assert_eq!(var("'a'"), (Type::Int, Value::Int(97)));
        assert_eq!(var("(char)-1"), (Type::Int, Value::Int(-1)));
        assert_eq!(
            var("(float)0.1"),
            (Type::Double, Value::Double(0.1f32 as f64))
        );
        assert_eq!(var("(long)9"), (Type::Long, Value::Long(9)));
        assert!(matches!(
            var("1.5L"),
            (Type::LongDouble, Value::LongDouble(_))
        ));
        assert_eq!(var("NULL").0, Type::Pointer);
        assert_eq!(var("\"x\"").0, Type::Pointer);
        assert_eq!(
            var("(struct s){1, 2}").1,
            Value::Struct(vec![Value::Int(1), Value::Double(2.0)])
        );
        let d = decls("");
        assert!(
            parse_variadic("{1}", &d, &mut Strings::default())
                .unwrap_err()
                .message
                .contains("compound literal")
        );
        assert!(
            parse_variadic("-1u", &d, &mut Strings::default())
                .unwrap_err()
                .message
                .contains("unsigned int")
        );
    }

    #[test]
    fn printing() {
        assert_eq!(format_f64(1024.0), "1024");
        assert_eq!(format_f64(0.1), "0.1");
        assert_eq!(format_f64(-0.0), "-0.0");
        assert_eq!(format_f64(1e17), "1e+17");
        assert_eq!(format_f64(1e16), "10000000000000000");
        assert_eq!(format_f64(1.5e-7), "1.5e-07");
        assert_eq!(format_f64(0.00001), "1e-05");
        assert_eq!(format_f64(0.0001), "0.0001");
        assert_eq!(format_f64(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_f32(0.1), "0.1");
        assert_eq!(format_f32(16777216.0), "16777216");
        assert_eq!(
            quote_bytes(b"a\"b\\\n\x01\xff9"),
            "\"a\\\"b\\\\\\n\\001\\3779\""
        );
        assert_eq!(quote_bytes("é".as_bytes()), "\"é\"");
        let u = Type::build_union()
            .field("f", Type::Float)
            .field("i", Type::Int)
            .finish();
        let v = Value::Union {
            member: 1,
            value: Box::new(Value::Int(3)),
        };
        assert_eq!(format_value(&v, &u), "{.i = 3}");
        assert_eq!(
            format_value(&Value::Pointer(0x10 as *mut c_void), &Type::Pointer),
            "0x10"
        );
        assert_eq!(format_value(&Value::Char(-3), &Type::Char), "-3");
        assert_eq!(format_value(&Value::Void, &Type::Void), "");
        assert_eq!(
            format_value(&Value::UInt128(u128::MAX), &Type::UInt128),
            "340282366920938463463374607431768211455"
        );
    }

    #[test]
    fn printed_values_read_back() {
        for x in [0.1, 1.0 / 3.0, 1e300, 5e-324, -2.5e-10, 123456789.125] {
            let text = format_f64(x);
            assert_eq!(val(&text, &Type::Double), Value::Double(x), "{text}");
        }
        for text in [
            "0.1",
            "1e4000",
            "3.6451995318824746025e-4951",
            "-1.5",
            "1e-4940",
        ] {
            let Value::LongDouble(x) = val(text, &Type::LongDouble) else {
                panic!()
            };
            let back = format_long_double(x);
            assert_eq!(
                val(&back, &Type::LongDouble),
                Value::LongDouble(x),
                "{text} -> {back}"
            );
        }
    }
}
