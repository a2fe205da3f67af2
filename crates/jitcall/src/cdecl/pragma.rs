//! `#pragma pack`, as gcc reads it: `pack(N)`, `pack()`, `pack(push[, id][, N])` and
//! `pack(pop[, id])`, also written `_Pragma("pack(...)")`, turned into the packing in
//! effect at each token of the text.
//!
//! It only keeps the pack stack; what packing does to a layout is [`crate::Type`]'s
//! business ([`crate::AggregateBuilder::pack`]). Other pragmas never get here: the lexer
//! skips them with every other preprocessor line.

use super::error::ParseError;
use super::lexer::{Kind, PragmaLine, Token, describe, lex};

/// The packing in effect from each `#pragma pack` on, by token index.
#[derive(Clone, Debug, Default)]
pub(super) struct PackTable {
    /// `(first token index, pack)`, in text order; `None` is no packing.
    changes: Vec<(usize, Option<u64>)>,
}

impl PackTable {
    /// Reads the `#pragma pack` lines of a text. A malformed one is an error, unless
    /// `tolerant` (reading headers): gcc then warns and ignores it, and so does this.
    pub(super) fn new(lines: &[PragmaLine<'_>], tolerant: bool) -> Result<PackTable, ParseError> {
        let mut table = PackTable::default();
        let mut current = None;
        let mut stack: Vec<(Option<String>, Option<u64>)> = Vec::new();
        for line in lines {
            match apply(line, &mut current, &mut stack) {
                Ok(()) => table.changes.push((line.before, current)),
                Err(_) if tolerant => {}
                Err(e) => return Err(e),
            }
        }
        Ok(table)
    }

    /// The packing in effect at token `index`.
    pub(super) fn at(&self, index: usize) -> Option<u64> {
        let after = self.changes.partition_point(|&(from, _)| from <= index);
        after.checked_sub(1).and_then(|i| self.changes[i].1)
    }
}

/// Applies one `#pragma pack` line to the packing in effect and the pack stack.
fn apply(
    line: &PragmaLine<'_>,
    current: &mut Option<u64>,
    stack: &mut Vec<(Option<String>, Option<u64>)>,
) -> Result<(), ParseError> {
    let mut tokens = lex(line.text).map_err(|e| ParseError::at(line.pos, e.message))?;
    // Positions in the line, from `pack` on.
    for tok in &mut tokens {
        tok.pos.line = line.pos.line;
        tok.pos.column += line.pos.column - 1;
    }
    let mut at = tokens.iter().skip(1).copied();
    let mut next = || at.next().unwrap_or(tokens[tokens.len() - 1]);
    let open = next();
    if open.text != "(" {
        return Err(bad(open, "'(' after '#pragma pack'"));
    }
    let first = next();
    let action = match (first.kind, first.text) {
        (Kind::Punct, ")") => {
            *current = None;
            return Ok(());
        }
        (Kind::Number, _) => {
            *current = value(first)?;
            let close = next();
            return if close.text == ")" {
                Ok(())
            } else {
                Err(bad(close, "')'"))
            };
        }
        (Kind::Ident, "push" | "pop") => first.text,
        _ => return Err(bad(first, "a number, 'push', 'pop' or ')'")),
    };
    let (mut id, mut pack) = (None, None);
    loop {
        let tok = next();
        match tok.text {
            ")" => break,
            "," => {}
            _ => return Err(bad(tok, "',' or ')'")),
        }
        let tok = next();
        match tok.kind {
            Kind::Ident if id.is_none() => id = Some(tok.text.to_string()),
            Kind::Number if action == "push" && pack.is_none() => pack = Some(value(tok)?),
            _ if action == "push" => return Err(bad(tok, "an identifier or a number")),
            _ => return Err(bad(tok, "an identifier")),
        }
    }
    if action == "push" {
        stack.push((id, *current));
        if let Some(pack) = pack {
            *current = pack;
        }
        return Ok(());
    }
    // gcc: `pop, id` pops every entry down to the one pushed with `id`.
    if let Some(id) = &id {
        match stack
            .iter()
            .rposition(|(name, _)| name.as_ref() == Some(id))
        {
            Some(i) => stack.truncate(i + 1),
            None => {
                return Err(ParseError::at(
                    line.pos,
                    format!("'#pragma pack(pop, {id})' without a matching push"),
                ));
            }
        }
    }
    match stack.pop() {
        Some((_, pack)) => {
            *current = pack;
            Ok(())
        }
        None => Err(ParseError::at(
            line.pos,
            "'#pragma pack(pop)' without a matching '#pragma pack(push)'",
        )),
    }
}

/// A pack value: 1, 2, 4, 8 or 16, or 0 for none.
fn value(tok: Token<'_>) -> Result<Option<u64>, ParseError> {
    match tok.text.parse::<u64>() {
        Ok(0) => Ok(None),
        Ok(n @ (1 | 2 | 4 | 8 | 16)) => Ok(Some(n)),
        _ => Err(ParseError::at(
            tok.pos,
            format!(
                "#pragma pack: alignment must be 1, 2, 4, 8 or 16, not {}",
                describe(tok)
            ),
        )),
    }
}

fn bad(tok: Token<'_>, wanted: &str) -> ParseError {
    ParseError::at(
        tok.pos,
        format!(
            "malformed '#pragma pack': expected {wanted} but found {}",
            describe(tok)
        ),
    )
}
