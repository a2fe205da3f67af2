//! Literal text into a syntax tree: tokens, then recursive descent over signs,
//! parentheses, casts, compound literals and brace initializers with designators, down
//! to numbers, characters, strings and names, each [`Node`] with its byte span.
//!
//! Numbers, character constants and strings are cut out and read by [`crate::clex`].
//! It gives no value a type and checks no range (that is `eval`); type names in casts
//! are read by [`Declarations::parse_type`].

use super::error::LiteralError;
use super::float::{Binary, Decimal};
use super::{MAX_DEPTH, Names};
use crate::clex::{self, CharConst, Encoding, FloatSuffix, IntConst, LexError, Number};
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
    // A character constant or string whose opening quote is at `open`, to its end.
    let quoted = |open: usize| {
        clex::quoted_end(text, open).ok_or_else(|| {
            let quote = if at(open) == b'"' { '"' } else { '\'' };
            LiteralError::new(open, open + 1, clex::unterminated(quote))
        })
    };
    while i < bytes.len() {
        let c = at(i);
        let start = i;
        let kind = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_digit() || (c == b'.' && at(i + 1).is_ascii_digit()) {
            i = clex::pp_number_end(text, i);
            Tok::Number
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while at(i).is_ascii_alphanumeric() || at(i) == b'_' {
                i += 1;
            }
            match (Encoding::from_prefix(&text[start..i]), at(i)) {
                (Some(_), b'\'') => {
                    i = quoted(i)?;
                    Tok::Char
                }
                (Some(Encoding::Utf8), b'"') => {
                    i = quoted(i)?;
                    Tok::Str
                }
                (Some(_), b'"') => {
                    return Err(LiteralError::new(
                        start,
                        i + 1,
                        "unsupported: prefixed (wide or Unicode) string literals: \
                         a `char *` takes plain or u8 strings",
                    ));
                }
                _ => Tok::Ident,
            }
        } else if c == b'"' || c == b'\'' {
            i = quoted(i)?;
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

/// A lexical error in the token starting at byte `start` of the literal.
fn lex_error(start: usize, e: LexError) -> LiteralError {
    LiteralError::new(start + e.start, start + e.end, e.message)
}

// ---------------------------------------------------------------------------------------
// Syntax
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub(super) enum Kind {
    /// An integer constant: its value, and how it was written (which decides its C
    /// type).
    Int(IntConst),
    /// A floating constant, not yet rounded.
    Real {
        value: Decimal,
        suffix: FloatSuffix,
    },
    /// `inf`, `nan` and their spellings.
    Special(Binary),
    /// A character constant, with its type.
    Char(CharConst),
    /// A string literal's bytes, without the terminating NUL.
    Str(Vec<u8>),
    Null,
    Bool(bool),
    /// An enumeration constant.
    Constant(i128),
    /// Another name: the caller's variable or function ([`Names`]), or an error.
    Name(String),
    /// `&operand`: the address of a compound literal or of a name.
    AddressOf(Box<Node>),
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
    pub(super) names: &'a dyn Names,
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
            Tok::Punct('&') => {
                self.bump();
                let operand = self.expr()?;
                Ok(Node {
                    start: t.start,
                    end: operand.end,
                    kind: Kind::AddressOf(Box::new(operand)),
                })
            }
            Tok::Punct('(') => self.paren(),
            Tok::Punct('{') => self.braces(),
            Tok::Number => {
                self.bump();
                number(self.text_of(t), t.start)
            }
            Tok::Char => {
                self.bump();
                let c = clex::char_constant(self.text_of(t)).map_err(|e| lex_error(t.start, e))?;
                Ok(Node {
                    kind: Kind::Char(c),
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
                    let string =
                        clex::string_literal(self.text_of(s)).map_err(|e| lex_error(s.start, e))?;
                    // The lexer lets only plain and u8 strings through.
                    bytes.extend(string.bytes().unwrap_or_default());
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
                        None => Kind::Name(name.to_string()),
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
        let is_type = first.kind == Tok::Ident && {
            let word = self.text_of(first);
            // A name the caller knows is a value, unless it names a type.
            !value_word(self.decls, word)
                && (TYPE_WORDS.contains(&word)
                    || self.decls.parse_type(word).is_ok()
                    || self.names.value(word).is_none())
        };
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
        // `(T[]){...}`: an array whose length is its initializer's.
        let (type_text, unsized_array) = match type_text.trim_end().strip_suffix(']') {
            Some(t) if t.trim_end().ends_with('[') => {
                (t.trim_end().strip_suffix('[').unwrap_or(t), true)
            }
            _ => (type_text, false),
        };
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
        let ty = if unsized_array {
            let Some(n) = initializer_length(&operand, &ty) else {
                return Err(LiteralError::new(
                    open.start,
                    operand.end,
                    "an array of unknown length needs a brace list or a string of at least \
                     one element: (int[]){1, 2}",
                ));
            };
            Type::array(ty, n)
        } else {
            ty
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
                                kind: Kind::Int(c), ..
                            }),
                        ) => c.value,
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

/// Words that start a type name even where a name the caller knows could be meant.
const TYPE_WORDS: &[&str] = &[
    "struct",
    "union",
    "enum",
    "const",
    "volatile",
    "restrict",
    "signed",
    "unsigned",
    "_Complex",
    "_Atomic",
    "__extension__",
];

/// The length of the array `(T[]){...}` initializes: one past its highest index, or a
/// string's length with its NUL; `None` when it would have no element.
fn initializer_length(node: &Node, elem: &Type) -> Option<u64> {
    match &node.kind {
        Kind::Str(bytes) => Some(bytes.len() as u64 + 1),
        Kind::Braces(inits) if is_char(elem) && string_in_braces(inits).is_some() => {
            string_in_braces(inits).map(|bytes| bytes.len() as u64 + 1)
        }
        Kind::Braces(inits) => {
            let mut next = 0u128;
            let mut length = 0u128;
            for init in inits {
                if let Some((Designator::Index(i), ..)) = init.designator {
                    next = i;
                }
                next = next.saturating_add(1);
                length = length.max(next);
            }
            (length > 0).then(|| u64::try_from(length).unwrap_or(u64::MAX))
        }
        _ => None,
    }
}

pub(super) fn is_char(ty: &Type) -> bool {
    matches!(ty, Type::Char | Type::SChar | Type::UChar)
}

/// The string of `{"text"}`, which initializes a `char` array as `"text"` does.
pub(super) fn string_in_braces(inits: &[Init]) -> Option<&[u8]> {
    match inits {
        [
            Init {
                designator: None,
                value:
                    Node {
                        kind: Kind::Str(bytes),
                        ..
                    },
            },
        ] => Some(bytes),
        _ => None,
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
    let kind = match clex::read_number(text).map_err(|e| lex_error(start, e))? {
        Number::Int(c) => Kind::Int(c),
        Number::Float(f) => Kind::Real {
            value: Decimal {
                negative: false,
                digits: f.digits,
                radix: f.radix,
                exponent: f.exponent,
            },
            suffix: f.suffix,
        },
    };
    Ok(Node {
        kind,
        start,
        end: start + text.len(),
    })
}
