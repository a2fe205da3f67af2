//! Where a literal went wrong: [`LiteralError`], a message with the byte span of the
//! offending text, and its rendering with a caret under that text.

use crate::clex::caret::caret_lines;
use std::fmt;

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
    pub(super) fn new(start: usize, end: usize, message: impl Into<String>) -> LiteralError {
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
        let label = if source.contains('\n') {
            (source[..start].matches('\n').count() + 1).to_string()
        } else {
            String::new()
        };
        let column = source[line_start..start].chars().count();
        let width = source[start..end].chars().count();
        let mut out = self.message.clone();
        out.push_str(&caret_lines(line, &label, column, width));
        out
    }
}

pub(super) fn floor_boundary(s: &str, mut i: usize) -> usize {
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
