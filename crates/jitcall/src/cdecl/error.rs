//! Where a declaration went wrong: [`ParseError`] and the token positions it is built
//! from. Positions are lines and columns of characters, as a C compiler reports them.
//!
//! It does not decide what is an error; the lexer and the parser do.

use crate::clex::caret::caret_lines;
use std::fmt;

/// Why some C text could not be read, and where.
///
/// Messages are short and lower-case, in the style of gcc's (`unknown type name 'foo'`,
/// `expected ')' but found 'x'`); those for valid C that jitcall cannot handle yet start
/// with "unsupported".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseError {
    /// 1-based line of the offending text.
    pub line: usize,
    /// 1-based column of the offending text, counted in characters.
    pub column: usize,
    /// How many characters the offending token spans (at least 1), for underlining.
    pub length: usize,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    pub(super) fn at(pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError {
            line: pos.line,
            column: pos.column,
            length: pos.length.max(1),
            message: message.into(),
        }
    }

    /// The error for a human: the message, then the offending line of `source` (the
    /// text that was parsed) with a caret under the offending token.
    ///
    /// ```
    /// let src = "int f(void);\nvoid g(foo x);";
    /// let err = jitcall::Declarations::parse(src).unwrap_err();
    /// assert_eq!(
    ///     err.render(src),
    ///     "line 2, column 8: unknown type name 'foo'\n  \
    ///        2 | void g(foo x);\n    \
    ///          |        ^~~"
    /// );
    /// ```
    pub fn render(&self, source: &str) -> String {
        let mut out = self.to_string();
        let Some(text) = source.split('\n').nth(self.line.saturating_sub(1)) else {
            return out;
        };
        let text = text.strip_suffix('\r').unwrap_or(text);
        out.push_str(&caret_lines(
            text,
            &self.line.to_string(),
            self.column.saturating_sub(1),
            self.length,
        ));
        out
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// Where a token starts, and how many characters it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pos {
    pub(super) line: usize,
    pub(super) column: usize,
    pub(super) length: usize,
}
