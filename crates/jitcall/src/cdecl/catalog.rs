//! What a parse declared, for listing and for errors that name a place: every function
//! (callable or not) with its symbol, prototype and line, every named type with its
//! layout, and the declarations skipped with their reasons. Places in preprocessed
//! text come from the preprocessor's line markers (`# 428 "/usr/include/stdio.h"`).
//!
//! It decides nothing about types; the parser and [`Type::layout`] do.

use super::Declarations;
use super::error::Pos;
use super::lexer::{Kind, Token};
use super::scope::{CType, Ordinary, RecordKind};
use crate::Type;
use std::fmt;

/// Where a declaration was read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The header, from the preprocessor's line markers; `None` for text without them.
    pub file: Option<String>,
    /// The 1-based line in that header (or in the parsed text).
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}:{}", self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// One declared function, callable or not.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionEntry {
    /// Its name in C.
    pub name: String,
    /// The symbol to look up: the `__asm__` label if it has one (`sscanf` is
    /// `__isoc99_sscanf` in glibc), else the name.
    pub symbol: String,
    /// The prototype, without parameter names, attributes or storage classes.
    pub declaration: String,
    /// Where it was first declared.
    pub location: Location,
    /// Why jitcall cannot call it; `None` when it can.
    pub unsupported: Option<String>,
}

/// A named struct, union, enum or typedef.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeEntry {
    /// Spelled so that C's `sizeof(name)` means this type: `struct tag`, `union tag`,
    /// `enum tag`, or a typedef name.
    pub name: String,
    /// Where it was defined.
    pub location: Location,
    /// Its layout, or why jitcall cannot represent it (a vector member, an unsupported
    /// attribute).
    pub layout: Result<TypeLayout, String>,
}

/// Size, alignment and members of a type, as C's `sizeof`, `_Alignof` and `offsetof`
/// give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeLayout {
    /// `sizeof`.
    pub size: u64,
    /// `_Alignof`.
    pub align: u64,
    /// Every member a name reaches, members of anonymous structs and unions included,
    /// in order; empty for scalars.
    pub fields: Vec<FieldEntry>,
}

/// One member of a struct or union.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldEntry {
    /// Its name.
    pub name: String,
    /// `offsetof`, from the start of the outermost type; for a bit-field, the offset of
    /// its storage unit (see [`crate::FieldPlace`]).
    pub offset: u64,
    /// `sizeof` of the member; for a bit-field, of its declared type.
    pub size: u64,
    /// For a bit-field, its bits from the start of the storage unit at `offset`.
    pub bits: Option<crate::BitPlace>,
}

/// A declaration a header parse skipped because it could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedDeclaration {
    /// The name it seems to declare, if one could be told.
    pub name: Option<String>,
    /// Whether it looks like a function.
    pub function: bool,
    /// Why it was skipped.
    pub reason: String,
    /// Where.
    pub location: Location,
    /// Its text (shortened).
    pub declaration: String,
}

/// Why [`Declarations::find_function`] found no function to call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookupError {
    /// Nothing of that name is declared.
    NotDeclared(String),
    /// It is declared, but jitcall cannot call it.
    Unsupported {
        /// The function's name.
        name: String,
        /// Why.
        reason: String,
        /// Where it is declared.
        location: Location,
    },
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotDeclared(name) => write!(f, "no function '{name}' is declared"),
            LookupError::Unsupported {
                name,
                reason,
                location,
            } => write!(f, "'{name}' ({location}) cannot be called: {reason}"),
        }
    }
}

impl std::error::Error for LookupError {}

/// Which header line each line of preprocessed text comes from, read from its line
/// markers.
#[derive(Clone, Debug, Default)]
pub(super) struct LineMap {
    files: Vec<String>,
    /// (line of the marker in the text, index in `files`, header line of the next line).
    markers: Vec<(usize, usize, usize)>,
}

impl LineMap {
    pub(super) fn new(text: &str) -> LineMap {
        let mut map = LineMap::default();
        for (i, line) in text.split('\n').enumerate() {
            let Some(rest) = line.strip_prefix('#') else {
                continue;
            };
            let rest = rest.trim_start();
            let rest = rest.strip_prefix("line").unwrap_or(rest).trim_start();
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let Ok(number) = rest[..digits].parse::<usize>() else {
                continue;
            };
            let Some(quoted) = rest[digits..].trim_start().strip_prefix('"') else {
                continue;
            };
            let mut file = String::new();
            let mut chars = quoted.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => file.extend(chars.next()),
                    c => file.push(c),
                }
            }
            let index = match map.files.iter().rposition(|f| *f == file) {
                Some(index) => index,
                None => {
                    map.files.push(file);
                    map.files.len() - 1
                }
            };
            map.markers.push((i + 1, index, number));
        }
        map
    }

    /// The header and line of line `line` of the text.
    pub(super) fn locate(&self, line: usize) -> Location {
        let after = self.markers.partition_point(|&(at, _, _)| at < line);
        match after.checked_sub(1).and_then(|i| self.markers.get(i)) {
            Some(&(at, file, number)) => Location {
                file: self.files.get(file).cloned(),
                line: number + (line - at - 1),
            },
            None => Location { file: None, line },
        }
    }
}

/// The C text of some runs of tokens (`(start, end)` indices), as a prototype reads: storage classes, attributes, asm
/// labels and the tokens at `names` (parameter names) left out, GNU spellings of
/// qualifiers made standard, spaced as people write C.
pub(super) fn render(tokens: &[Token<'_>], ranges: &[(usize, usize)], names: &[Pos]) -> String {
    const LONGEST: usize = 400;
    let mut out = String::new();
    let mut previous: Option<Token<'_>> = None;
    for &(start, end) in ranges {
        let mut i = start;
        while i < end {
            let Some(&tok) = tokens.get(i) else { break };
            i += 1;
            if tok.kind == Kind::Eof {
                break;
            }
            let text = match tok.text {
                "extern" | "static" | "inline" | "__inline" | "__inline__" | "__extension__"
                | "_Noreturn" | "register" | "auto" | "_Thread_local" | "__thread"
                | "thread_local" => continue,
                "__attribute__" | "__attribute" | "__asm__" | "__asm" | "asm" => {
                    // Skip the parenthesised group that follows.
                    let mut depth = 0usize;
                    while let Some(t) = tokens.get(i) {
                        if t.kind == Kind::Punct && t.text == "(" {
                            depth += 1;
                        } else if t.kind == Kind::Punct && t.text == ")" {
                            depth = depth.saturating_sub(1);
                        }
                        i += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    continue;
                }
                _ if tok.kind == Kind::Ident && names.contains(&tok.pos) => continue,
                "__const" | "__const__" => "const",
                "__restrict" | "__restrict__" => "restrict",
                "__volatile" | "__volatile__" => "volatile",
                "__signed" | "__signed__" => "signed",
                "__complex" | "__complex__" => "_Complex",
                text => text,
            };
            if let Some(prev) = previous {
                let ident = prev.kind == Kind::Ident && !super::specifiers::is_keyword(prev.text);
                let tight = matches!(text, "," | ")" | "]" | ";" | "[")
                    || matches!(prev.text, "(" | "[" | "*" | "...")
                    || (text == "(" && (ident || matches!(prev.text, ")" | "]")));
                if !tight {
                    out.push(' ');
                }
            }
            out.push_str(text);
            previous = Some(Token { text, ..tok });
            if out.len() > LONGEST {
                out.push_str(" ...");
                return out;
            }
        }
    }
    out
}

/// The members a name reaches in `ty`, at `base`.
fn fields(ty: &Type, base: u64, out: &mut Vec<FieldEntry>) {
    let agg = match ty {
        Type::Struct(agg) | Type::Union(agg) => agg,
        _ => return,
    };
    let Ok(Some(places)) = ty.field_places() else {
        return;
    };
    for (field, place) in agg.fields.iter().zip(places) {
        match &field.name {
            Some(name) => out.push(FieldEntry {
                name: name.clone(),
                offset: base + place.offset,
                size: field.ty.layout().map_or(0, |l| l.size),
                bits: place.bits,
            }),
            // An unnamed bit-field is padding.
            None if place.bits.is_some() => {}
            None => fields(&field.ty, base + place.offset, out),
        }
    }
}

fn type_layout(ty: &Type, align: Option<u64>) -> Result<TypeLayout, String> {
    let layout = ty.layout().map_err(|e| e.to_string())?;
    let mut list = Vec::new();
    fields(ty, 0, &mut list);
    Ok(TypeLayout {
        size: layout.size,
        align: align.unwrap_or(layout.align),
        fields: list,
    })
}

impl Declarations {
    /// Every function declared, callable or not, in the order of first declaration.
    pub fn function_entries(&self) -> &[FunctionEntry] {
        &self.entries
    }

    /// The function called `name`, or why there is none to call: not declared, or
    /// declared with something jitcall cannot represent (the error names the reason and
    /// the place).
    pub fn find_function(&self, name: &str) -> Result<&FunctionDecl, LookupError> {
        if let Some(f) = self.function(name) {
            return Ok(f);
        }
        let entry = self.entries.iter().find(|e| e.name == name);
        let skipped = || {
            self.skipped
                .iter()
                .find(|s| s.name.as_deref() == Some(name))
                .map(|s| (s.reason.clone(), s.location.clone()))
        };
        match entry
            .and_then(|e| Some((e.unsupported.clone()?, e.location.clone())))
            .or_else(skipped)
        {
            Some((reason, location)) => Err(LookupError::Unsupported {
                name: name.to_string(),
                reason,
                location,
            }),
            None => Err(LookupError::NotDeclared(name.to_string())),
        }
    }

    /// The declarations a header parse skipped, with their reasons.
    pub fn skipped(&self) -> &[SkippedDeclaration] {
        &self.skipped
    }

    /// Every named struct, union, enum and typedef of an object type, in the order of
    /// their definitions, with layouts as gcc computes them (or the reason jitcall cannot
    /// represent the type).
    pub fn types(&self) -> Vec<TypeEntry> {
        let scope = &self.scope;
        let mut list: Vec<(Pos, TypeEntry)> = Vec::new();
        // The first two records are the built-in `FILE` and `__va_list_tag`.
        for record in scope.records.iter().skip(2) {
            let Some(tag) = &record.tag else { continue };
            let keyword = match record.kind {
                RecordKind::Struct => "struct",
                RecordKind::Union => "union",
                RecordKind::Enum => "enum",
                RecordKind::Opaque => continue,
            };
            let layout = match (&record.ty, &record.unsupported) {
                (Some(ty), _) => type_layout(ty, None),
                (None, Some(why)) => Err(why.clone()),
                (None, None) => continue,
            };
            list.push((
                record.pos,
                TypeEntry {
                    name: format!("{keyword} {tag}"),
                    location: self.lines.locate(record.pos.line),
                    layout,
                },
            ));
        }
        for (name, pos) in &scope.typedef_order {
            let Some(Ordinary::Typedef(ty)) = scope.ordinary.get(name) else {
                continue;
            };
            let (inner, align) = match ty {
                CType::Aligned(inner, align) => (&**inner, Some(*align)),
                ty => (ty, None),
            };
            if matches!(inner, CType::Function(_) | CType::Void) {
                continue;
            }
            let layout = match scope.resolve(inner) {
                Ok(ty) => type_layout(&ty, align),
                Err(why) if why.starts_with("unsupported") => Err(why),
                Err(_) => continue,
            };
            list.push((
                *pos,
                TypeEntry {
                    name: name.clone(),
                    location: self.lines.locate(pos.line),
                    layout,
                },
            ));
        }
        list.sort_by_key(|(pos, _)| (pos.line, pos.column));
        list.into_iter().map(|(_, entry)| entry).collect()
    }
}

use super::FunctionDecl;
