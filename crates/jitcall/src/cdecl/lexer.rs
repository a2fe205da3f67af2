//! The declaration parser's tokenizer: C text into identifiers, numbers, character
//! constants, strings and punctuators, each with its position; comments, whitespace and
//! preprocessor lines are skipped, except `#pragma pack` lines, which are kept aside
//! with the index of the token they precede (see [`lex_with_pragmas`]).
//!
//! It only finds where tokens start and end, with [`crate::clex`]'s rules for numbers
//! and quotes; what a number, character constant or string means is for
//! [`crate::clex`] to say when the parser needs it. It knows no keywords (the parser
//! does).

use super::error::{ParseError, Pos};
use crate::clex::{self, LexError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Identifiers and keywords alike: keywords are recognised by the parser.
    Ident,
    /// A preprocessing number (`42`, `0x1fUL`, `1.5e3`), interpreted only when needed.
    Number,
    /// A character constant, quotes and prefix included.
    Char,
    /// A string literal, quotes and prefix included.
    Str,
    Punct,
    Eof,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'a> {
    pub(super) kind: Kind,
    pub(super) text: &'a str,
    pub(super) pos: Pos,
}

impl Token<'_> {
    /// The error for a part of this token (a bad escape, a misplaced digit separator).
    pub(super) fn error(&self, e: LexError) -> ParseError {
        // Numbers, characters and strings never span lines.
        let before = self.text.get(..e.start).unwrap_or("");
        let part = self.text.get(e.start..e.end).unwrap_or(self.text);
        ParseError::at(
            Pos {
                line: self.pos.line,
                column: self.pos.column + before.chars().count(),
                length: part.chars().count(),
            },
            e.message,
        )
    }
}

pub(super) const EOF: Token<'static> = Token {
    kind: Kind::Eof,
    text: "",
    pos: Pos {
        line: 1,
        column: 1,
        length: 1,
    },
};

/// Two-character punctuators; anything else is one character (or `...`).
pub(super) const PUNCT2: [&str; 20] = [
    "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "++", "--", "##", "+=", "-=", "*=", "/=",
    "%=", "&=", "|=", "^=",
];
pub(super) const PUNCT1: &str = "()[]{},;*=:?+-/%<>!~&|^.#";

pub(super) fn describe(tok: Token<'_>) -> String {
    if tok.kind == Kind::Eof {
        return "end of input".to_string();
    }
    let mut text: String = tok.text.chars().take(32).collect();
    if text.len() < tok.text.len() {
        text.push_str("...");
    }
    format!("'{text}'")
}

pub(super) struct Lexer<'a> {
    pub(super) src: &'a str,
    pub(super) at: usize,
    pub(super) line: usize,
    pub(super) column: usize,
    /// Only whitespace (or comments) since the last newline: a `#` here starts a
    /// preprocessor line.
    pub(super) line_start: bool,
    /// `#pragma pack` lines skipped since the last token: each line's text (from the
    /// `#`) and position.
    pub(super) pragmas: Vec<(&'a str, Pos)>,
}

impl<'a> Lexer<'a> {
    pub(super) fn rest(&self) -> &'a str {
        self.src.get(self.at..).unwrap_or("")
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(super) fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
            self.line_start = true;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    pub(super) fn here(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
            length: 1,
        }
    }

    /// A backslash-newline splice (`\` then `\n` or `\r\n`), consumed if present.
    pub(super) fn splice(&mut self) -> bool {
        let len = match (self.peek(), self.peek_nth(1), self.peek_nth(2)) {
            (Some('\\'), Some('\n'), _) => 2,
            (Some('\\'), Some('\r'), Some('\n')) => 3,
            _ => return false,
        };
        let line_start = self.line_start;
        for _ in 0..len {
            self.bump();
        }
        self.line_start = line_start;
        true
    }

    pub(super) fn block_comment(&mut self) -> Result<(), ParseError> {
        let start = self.here();
        self.bump();
        self.bump();
        loop {
            match self.bump() {
                None => return Err(ParseError::at(start, "unterminated comment")),
                Some('*') if self.peek() == Some('/') => {
                    self.bump();
                    return Ok(());
                }
                Some(_) => {}
            }
        }
    }

    /// Skips whitespace, comments and preprocessor lines.
    pub(super) fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match (self.peek(), self.peek_nth(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('\\'), _) if self.splice() => {}
                (Some('/'), Some('*')) => self.block_comment()?,
                (Some('/'), Some('/')) => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('#'), _) if self.line_start => {
                    let (start, pos) = (self.at, self.here());
                    loop {
                        match (self.peek(), self.peek_nth(1)) {
                            (None | Some('\n'), _) => break,
                            (Some('\\'), _) if self.splice() => {}
                            (Some('/'), Some('*')) => self.block_comment()?,
                            _ => {
                                self.bump();
                            }
                        }
                    }
                    let line = self.src.get(start..self.at).unwrap_or("");
                    if let Some((text, column)) = after_pragma(line) {
                        let pos = Pos {
                            column: pos.column + column,
                            ..pos
                        };
                        self.pragmas.push((text, pos));
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Consumes a character constant or string literal whose opening quote is the next
    /// character.
    fn quoted(&mut self, start: Pos) -> Result<Kind, ParseError> {
        let quote = self.peek().unwrap_or('"');
        let end = clex::quoted_end(self.src, self.at)
            .ok_or_else(|| ParseError::at(start, clex::unterminated(quote)))?;
        self.bump_to(end);
        Ok(if quote == '\'' { Kind::Char } else { Kind::Str })
    }

    /// Consumes characters up to byte `end` (never a newline: tokens are on one line).
    fn bump_to(&mut self, end: usize) {
        while self.at < end && self.bump().is_some() {}
    }

    pub(super) fn token(&mut self) -> Result<Token<'a>, ParseError> {
        self.skip_trivia()?;
        let start = self.at;
        let mut pos = self.here();
        let Some(c) = self.peek() else {
            return Ok(Token { pos, ..EOF });
        };
        let ident_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
        let kind = if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            while self.peek().is_some_and(ident_char) {
                self.bump();
            }
            let prefix = self.src.get(start..self.at).unwrap_or("");
            match self.peek() {
                Some('\'' | '"') if clex::Encoding::from_prefix(prefix).is_some() => {
                    self.quoted(pos)?
                }
                _ => Kind::Ident,
            }
        } else if c.is_ascii_digit()
            || (c == '.' && self.peek_nth(1).is_some_and(|d| d.is_ascii_digit()))
        {
            self.bump_to(clex::pp_number_end(self.src, start));
            Kind::Number
        } else if c == '\'' || c == '"' {
            self.quoted(pos)?
        } else {
            let rest = self.rest();
            let len = if rest.starts_with("...") {
                3
            } else if PUNCT2.iter().any(|p| rest.starts_with(p)) {
                2
            } else if PUNCT1.contains(c) {
                1
            } else {
                return Err(ParseError::at(
                    pos,
                    format!("unexpected character '{}'", c.escape_debug()),
                ));
            };
            for _ in 0..len {
                self.bump();
            }
            Kind::Punct
        };
        let text = self.src.get(start..self.at).unwrap_or("");
        pos.length = text.chars().count().max(1);
        self.line_start = false;
        Ok(Token { kind, text, pos })
    }
}

/// Splits C text into tokens, skipping comments and preprocessor lines. The last token
/// is always [`Kind::Eof`].
pub(super) fn lex(src: &str) -> Result<Vec<Token<'_>>, ParseError> {
    lex_with_pragmas(src).map(|(tokens, _)| tokens)
}

/// A `#pragma pack` line or `_Pragma("pack(...)")` operator: its text from `pack` on,
/// where that text starts, and the index of the token it precedes.
pub(super) struct PragmaLine<'a> {
    pub(super) text: &'a str,
    pub(super) pos: Pos,
    pub(super) before: usize,
}

/// The text of `#pragma pack ...` from `pack` on, and its column offset in the line.
fn after_pragma(line: &str) -> Option<(&str, usize)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("pragma")?;
    let trimmed = rest.trim_start();
    if !trimmed.starts_with("pack") || trimmed.len() == rest.len() {
        return None;
    }
    let skipped = line.len() - trimmed.len();
    Some((trimmed, line[..skipped].chars().count()))
}

/// [`lex`], and the `#pragma pack` lines between the tokens.
pub(super) fn lex_with_pragmas(
    src: &str,
) -> Result<(Vec<Token<'_>>, Vec<PragmaLine<'_>>), ParseError> {
    let mut lexer = Lexer {
        src,
        at: 0,
        line: 1,
        column: 1,
        line_start: true,
        pragmas: Vec::new(),
    };
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut pragmas = Vec::new();
    loop {
        let tok = lexer.token()?;
        for (text, pos) in lexer.pragmas.drain(..) {
            pragmas.push(PragmaLine {
                text,
                pos,
                before: tokens.len(),
            });
        }
        tokens.push(tok);
        // `_Pragma ( "pack(...)" )`, as text that was not preprocessed may have it: the
        // pragma, not tokens. Other pragmas go, as their `#` lines do.
        if let [.., op, open, string, close] = tokens[..]
            && op.text == "_Pragma"
            && open.text == "("
            && string.kind == Kind::Str
            && string.text.starts_with('"')
            && close.text == ")"
        {
            tokens.truncate(tokens.len() - 4);
            let inner = &string.text[1..string.text.len() - 1];
            if inner.trim_start().starts_with("pack") {
                pragmas.push(PragmaLine {
                    text: inner.trim_start(),
                    pos: Pos {
                        column: string.pos.column + 1,
                        ..string.pos
                    },
                    before: tokens.len(),
                });
            }
        }
        if tok.kind == Kind::Eof {
            return Ok((tokens, pragmas));
        }
    }
}
