//! The C lexical layer shared by the declaration parser ([`crate::cdecl`]) and the
//! literal parser ([`crate::literal`]): what a C number, character constant or string
//! literal means, where one ends, and the caret under an error. A C lexeme means the same
//! thing wherever jitcall reads it.
//!
//! - [`number`]: preprocessing numbers; integer constants (decimal, octal, hexadecimal,
//!   binary; `u`, `l`, `ll` suffixes; C23 digit separators) with their exact value and
//!   their C type; floating constants (decimal and hexadecimal; `f`, `l` suffixes) as
//!   digits and an exponent.
//! - [`chars`]: character constants and string literals, plain or prefixed (`L`, `u`,
//!   `U`, `u8`), with every escape (`\n`, octal, `\x`, `\u`, `\U`, gcc's `\e`).
//! - [`caret`]: the source line and the `^~~~` under the offending text.
//!
//! The rules are C23's as gcc applies them, with gcc deciding what C leaves to the
//! implementation (UTF-8 strings, a signed `char`, a 32-bit signed `wchar_t`). Text gcc
//! diagnoses is an error here too: a multi-character constant, an escape out of range, a
//! constant too large for every type.
//!
//! It deliberately does not tokenize whole texts (each parser keeps its own token loop
//! with its own positions: lines and columns for declarations, byte offsets for
//! literals), evaluate expressions, apply a consumer's typing rules (a constant with no C
//! type may still initialize an `unsigned __int128` parameter), or round floating
//! constants (that is [`crate::literal`]'s `float`).

pub(crate) mod caret;
pub(crate) mod chars;
pub(crate) mod number;

#[cfg(test)]
mod agreement;

pub(crate) use chars::{
    CharConst, Encoding, char_constant, quoted_end, string_literal, unterminated,
};
pub(crate) use number::{FloatSuffix, IntConst, Number, pp_number_end, read_number};

/// Why a lexeme is not valid C, and which bytes of it are at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    /// Byte offset of the offending text in the lexeme.
    pub start: usize,
    /// Byte offset just past it (at least `start + 1`).
    pub end: usize,
    /// What is wrong, in gcc's words where gcc has some.
    pub message: String,
}

impl LexError {
    fn new(start: usize, end: usize, message: impl Into<String>) -> LexError {
        LexError {
            start,
            end: end.max(start + 1),
            message: message.into(),
        }
    }

    /// An error about the whole lexeme.
    fn whole(text: &str, message: impl Into<String>) -> LexError {
        LexError::new(0, text.len(), message)
    }
}
