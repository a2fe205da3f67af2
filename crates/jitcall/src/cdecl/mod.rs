//! C declarations in, jitcall [`Type`]s and [`Signature`]s out.
//!
//! This is how users (and the command line) describe functions: the way C headers do.
//! Typedefs, struct / union / enum definitions and prototypes are read into a
//! [`Declarations`]; each prototype becomes a [`FunctionDecl`] whose [`Signature`] is
//! ready to call, and each struct is laid out by [`Type::layout`], exactly as gcc would.
//!
//! ```
//! use jitcall::{Declarations, Signature, Type};
//!
//! let pow: Signature = "double pow(double, double)".parse()?;
//! assert_eq!(pow, Signature::new(Type::Double, [Type::Double, Type::Double]));
//!
//! let decls = Declarations::parse(
//!     "typedef struct { int x, y; } point;
//!      long label(point p, const char *text, ...);",
//! )?;
//! let label = decls.last_function().unwrap();
//! assert_eq!(label.name, "label");
//! assert!(label.signature.is_variadic());
//! assert_eq!(label.params_c_string, [false, true]);
//! # Ok::<(), jitcall::ParseError>(())
//! ```
//!
//! It is deliberately **not a validating C parser**. It reads declarations, never
//! statements, and the only expressions it evaluates are integer constant expressions
//! (array sizes, enumerator values, alignments, bit-field widths, `_Static_assert`), in
//! `int`, `long`, their unsigned twins and `_BitInt(N)` up to 128 bits (unsigned: 127;
//! a wider `wb` constant or cast there is an error). It
//! does not run the preprocessor itself: `#` lines are skipped (except `#pragma pack`,
//! which packs the structs defined under it as in gcc), so macros must already be
//! expanded —
//! [`Declarations::from_headers`] runs `cc -E` for real headers. It accepts some text a
//! C compiler rejects (qualifiers are ignored, the sizes of array parameters are never
//! looked at, redeclarations are compared only as far as the call is concerned). GNU C
//! is understood where it changes a layout or a call (`aligned`, `packed`, `mode`,
//! `__asm__` labels, which name the symbol) and skipped elsewhere. The shapes jitcall
//! cannot pass yet — vectors over 2^28 bytes, `_Float128x`,
//! decimal floats, `_Atomic`, packed enums, `ms_abi`, transparent unions,
//! bit-fields of a typedef with an alignment, `packed` on one member of an unpacked
//! struct — are errors starting
//! with "unsupported"; when reading headers ([`Declarations::parse_preprocessed`]) they
//! are kept with their reason instead, and poison only the declarations that use them.
//!
//! The parser is a tokenizer that records positions, then recursive descent; every
//! recursion goes through one depth guard, so hostile input gets an error, never a stack
//! overflow, and no input makes it panic. Its parts, in the order text meets them:
//!
//! - `lexer`: tokens with their positions; what a number, character constant or
//!   string means is read, when the parser needs it, by the C lexical layer the
//!   literal parser shares, so a lexeme means the same in declarations and literals;
//! - `pragma`: `#pragma pack` and its stack, as the packing in effect at each token;
//! - `parser`: the token cursor, the nesting guard, external declarations;
//! - `specifiers`, `records`, `declarator`: a declaration's base type, its struct,
//!   union and enum definitions, and the pointers, arrays and functions around it;
//! - `expr`: integer constant expressions;
//! - `scope`: the parser's type model and symbol tables, and the finished
//!   [`FunctionDecl`]s;
//! - `error`: [`ParseError`] and positions;
//! - `catalog`: what a parse declared, for listing ([`Declarations::types`],
//!   [`Declarations::function_entries`]), with places from line markers;
//! - `headers`: running the preprocessor ([`Declarations::from_headers`]).

use crate::{Signature, Type};
use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;

/// How deeply declarators, struct bodies, parameter lists, expressions and types may
/// nest. Deeper input is an error rather than a stack overflow.
const MAX_DEPTH: usize = 256;

/// How deeply the parser itself may recurse (nested declarators, struct bodies,
/// parameter lists, expressions), in levels; a struct or union body counts two, as
/// its recursion (specifiers, the record, its members) takes about twice the stack of
/// the others. Debug builds spend up to about 10 KiB of stack per level (measured:
/// 100 levels of nested `struct {` took 1.9 MiB at one level each), so 128 levels fit
/// in a 2 MiB thread, Rust's default for spawned threads, with room to spare, and
/// still reach every nesting limit the C standard asks compilers to support (63
/// nested struct definitions, 63 nested parenthesized declarators or expressions).
/// A count, not a measure of stack addresses: those mislead under sanitizers, whose
/// "fake stacks" put locals far from the real stack (found by `cargo fuzz`).
const MAX_NESTING: usize = 128;

/// gcc's `__BIGGEST_ALIGNMENT__` on x86-64 without AVX: what a bare
/// `__attribute__((aligned))` means.
const BIGGEST_ALIGNMENT: u64 = 16;

/// The largest alignment gcc accepts on ELF targets.
const MAX_ALIGNMENT: u64 = 1 << 28;

mod catalog;
mod declarator;
mod error;
mod expr;
mod headers;
mod lexer;
mod parser;
mod pragma;
mod records;
mod scope;
mod specifiers;
#[cfg(test)]
mod tests;

pub use catalog::{
    FieldEntry, FunctionEntry, Location, LookupError, SkippedDeclaration, TypeEntry, TypeLayout,
};
pub use error::ParseError;
use error::Pos;
pub use headers::{HeaderError, HeaderOptions, include_line, preprocess};
use lexer::{Kind, lex, lex_with_pragmas};
use parser::Parser;
use pragma::PackTable;
use scope::{BUILTIN_TYPEDEFS, CType, Ordinary, RecordKind, Scope, builtin_typedef};

// ---------------------------------------------------------------------------------------
// The public face
// ---------------------------------------------------------------------------------------

/// One function prototype, ready to call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionDecl {
    /// The function's name in C.
    pub name: String,
    /// The symbol to look up: its `__asm__` label if the declaration has one
    /// (`int sscanf(...) __asm__("__isoc99_sscanf")`), else its name.
    pub symbol: String,
    /// Its signature; for a variadic function, with no variadic arguments yet (see
    /// [`Signature::with_variadic_args`]).
    pub signature: Signature,
    /// The parameter names, where the prototype gives them.
    pub param_names: Vec<Option<String>>,
    /// Whether the result is a `char *` (plain, `signed`, `unsigned`, qualified or not),
    /// which the command line prints as a string.
    pub ret_is_c_string: bool,
    /// For each fixed parameter, whether it is a `char *` that accepts a string.
    pub params_c_string: Vec<bool>,
}

/// Parsed C declarations: prototypes, typedefs and struct / union / enum types.
///
/// Besides what the text declares, every declaration can use these typedefs, with
/// their glibc x86-64 meanings: `int8_t` to `uint64_t`, `intmax_t`, `uintmax_t`,
/// `intptr_t`, `uintptr_t`, `size_t`, `ssize_t`, `ptrdiff_t`, `off_t`, `time_t`,
/// `wchar_t`, `wint_t`, `char16_t`, `char32_t`, `__int128_t`, `__uint128_t`, `va_list`
/// and `FILE` (opaque: usable only through pointers). The text may redefine them.
#[derive(Clone, Debug)]
pub struct Declarations {
    scope: Scope,
    functions: Vec<FunctionDecl>,
    by_name: HashMap<String, usize>,
    last: Option<usize>,
    typedefs: HashMap<String, Type>,
    entries: Vec<FunctionEntry>,
    skipped: Vec<SkippedDeclaration>,
    lines: catalog::LineMap,
}

impl Declarations {
    /// Parses C declarations: typedefs, struct / union / enum definitions, prototypes,
    /// `_Static_assert`s; declarations of objects are accepted and ignored. The `;`
    /// after the last declaration may be left out.
    pub fn parse(text: &str) -> Result<Declarations, ParseError> {
        Declarations::read(text, false, None)
    }

    /// Parses more declarations (strictly, as [`Declarations::parse`] does) in the scope
    /// of these, and returns both together: the new text may use every type, typedef and
    /// constant these declare, as a C file may after its `#include`s. The functions it
    /// declares join these (replacing ones of the same name), and
    /// [`Declarations::last_function`] is the new text's last prototype.
    ///
    /// ```
    /// let header = jitcall::Declarations::parse("typedef unsigned long uLong;")?;
    /// let decls = header.extended("uLong crc32(uLong, const unsigned char *, unsigned)")?;
    /// let crc32 = decls.last_function().unwrap();
    /// assert_eq!(crc32.signature.ret(), &jitcall::Type::ULong);
    /// # Ok::<(), jitcall::ParseError>(())
    /// ```
    pub fn extended(&self, text: &str) -> Result<Declarations, ParseError> {
        Declarations::read(text, false, Some(self))
    }

    /// Parses the output of a C preprocessor (`cc -E`), as real headers make it, tolerantly:
    /// a declaration jitcall cannot represent (a `_Decimal64` parameter, a
    /// `static inline` function) is kept with its reason, and is an error
    /// only when used ([`Declarations::find_function`]); one it cannot read is skipped
    /// ([`Declarations::skipped`]). Function bodies and initializers are skipped, and line
    /// markers say which header each declaration comes from. Only text that cannot even be
    /// split into C tokens is an error.
    ///
    /// ```
    /// let text = "# 1 \"/usr/include/m.h\"\n\
    ///             _Decimal64 sqrtd64(_Decimal64);\n\
    ///             int sscanf(const char *, const char *, ...) __asm__(\"__isoc99_sscanf\");\n";
    /// let decls = jitcall::Declarations::parse_preprocessed(text)?;
    /// assert_eq!(decls.function("sscanf").unwrap().symbol, "__isoc99_sscanf");
    /// let err = decls.find_function("sqrtd64").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "'sqrtd64' (/usr/include/m.h:1) cannot be called: \
    ///      function 'sqrtd64' returns unsupported type '_Decimal64'"
    /// );
    /// # Ok::<(), jitcall::ParseError>(())
    /// ```
    pub fn parse_preprocessed(text: &str) -> Result<Declarations, ParseError> {
        Declarations::read(text, true, None)
    }

    /// Reads `text`, in the scope of `base` when given (whose functions then come first).
    fn read(
        text: &str,
        tolerant: bool,
        base: Option<&Declarations>,
    ) -> Result<Declarations, ParseError> {
        let (tokens, pragmas) = lex_with_pragmas(text)?;
        let scope = match base {
            // The base's functions are indexed by its own parse: the new text starts
            // without them, so that its prototypes (redeclarations too) are its own.
            Some(b) => {
                let mut scope = b.scope.clone();
                scope
                    .ordinary
                    .retain(|_, o| !matches!(o, Ordinary::Function(_)));
                scope
            }
            None => Scope::new(),
        };
        let mut parser = Parser::new(&tokens, Cow::Owned(scope));
        parser.tolerant = tolerant;
        parser.pack = PackTable::new(&pragmas, tolerant)?;
        parser.translation_unit()?;
        let Parser {
            scope,
            functions: pending,
            last,
            skipped,
            ..
        } = parser;
        let scope = scope.into_owned();
        let lines = match base {
            // The base's locations stay as they were; new text has none.
            Some(b) => b.lines.clone(),
            None if tolerant => catalog::LineMap::new(text),
            None => catalog::LineMap::default(),
        };
        let new_lines = match base {
            Some(_) => catalog::LineMap::default(),
            None => lines.clone(),
        };
        let mut functions = base.map_or_else(Vec::new, |b| b.functions.clone());
        let mut entries = base.map_or_else(Vec::new, |b| b.entries.clone());
        let mut by_name = base.map_or_else(HashMap::new, |b| b.by_name.clone());
        let mut last_callable = None;
        for (index, f) in pending.iter().enumerate() {
            let decl = scope.function_decl(f);
            let unsupported = match decl {
                Ok(decl) => {
                    if last == Some(index) {
                        last_callable = Some(functions.len());
                    }
                    by_name.insert(decl.name.clone(), functions.len());
                    functions.push(decl);
                    None
                }
                Err(e) if tolerant => Some(e.message),
                Err(e) => return Err(e),
            };
            entries.push(FunctionEntry {
                name: f.name.clone(),
                symbol: f.symbol.clone().unwrap_or_else(|| f.name.clone()),
                declaration: f.declaration.clone(),
                location: new_lines.locate(f.pos.line),
                unsupported,
            });
        }
        let mut typedefs = HashMap::new();
        for (name, ordinary) in &scope.ordinary {
            if let Ordinary::Typedef(ty) = ordinary {
                let resolved = match ty {
                    CType::Void => Ok(Type::Void),
                    ty => scope.resolve(ty),
                };
                if let Ok(ty) = resolved {
                    typedefs.insert(name.clone(), ty);
                }
            }
        }
        for &name in BUILTIN_TYPEDEFS {
            if scope.ordinary.contains_key(name) {
                continue;
            }
            if let Some(Ok(ty)) = builtin_typedef(name).map(|ty| scope.resolve(&ty)) {
                typedefs.insert(name.to_string(), ty);
            }
        }
        let mut all_skipped = base.map_or_else(Vec::new, |b| b.skipped.clone());
        all_skipped.extend(skipped.into_iter().map(|s| SkippedDeclaration {
            name: s.name,
            function: s.function,
            reason: s.reason,
            location: new_lines.locate(s.pos.line),
            declaration: s.declaration,
        }));
        Ok(Declarations {
            scope,
            functions,
            by_name,
            last: last_callable,
            typedefs,
            entries,
            skipped: all_skipped,
            lines,
        })
    }

    /// The declared functions, in the order of their first declaration.
    pub fn functions(&self) -> &[FunctionDecl] {
        &self.functions
    }

    /// The function called `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionDecl> {
        self.by_name.get(name).and_then(|&i| self.functions.get(i))
    }

    /// The function of the last prototype in the text (what the command line calls).
    pub fn last_function(&self) -> Option<&FunctionDecl> {
        self.last.and_then(|i| self.functions.get(i))
    }

    /// The value of an enumeration constant the text declares (`RED` in
    /// `enum color { RED, GREEN };`).
    pub fn constant(&self, name: &str) -> Option<i128> {
        match self.scope.ordinary.get(name)? {
            Ordinary::Constant(c) => Some(c.value),
            _ => None,
        }
    }

    /// The type a typedef (or a built-in typedef like `size_t`) stands for; `None` for
    /// unknown names and for typedefs of function types or incomplete types.
    pub fn typedef(&self, name: &str) -> Option<&Type> {
        self.typedefs.get(name)
    }

    /// A completed struct, union or enum by its tag: `tagged("struct point")`. An enum
    /// is its integer type.
    pub fn tagged(&self, name: &str) -> Option<&Type> {
        let mut words = name.split_whitespace();
        let kind = match words.next()? {
            "struct" => RecordKind::Struct,
            "union" => RecordKind::Union,
            "enum" => RecordKind::Enum,
            _ => return None,
        };
        let tag = words.next()?;
        if words.next().is_some() {
            return None;
        }
        let record = self.scope.records.get(*self.scope.tags.get(tag)?)?;
        if record.kind != kind {
            return None;
        }
        record.ty.as_ref()
    }

    /// Every struct and union defined, nested ones included, in the order their
    /// definitions end, with the name to show: `struct tag`, else the first typedef
    /// naming it, else `struct (anonymous at line L, column C)`.
    pub fn aggregates(&self) -> Vec<(String, Type)> {
        self.scope
            .aggregates
            .iter()
            .filter_map(|&id| {
                let record = self.scope.records.get(id)?;
                Some((record.display_name(), record.ty.clone()?))
            })
            .collect()
    }

    /// Parses a type name in the context of these declarations: `long`, `struct s`,
    /// `char *`, `point`, `int[4]`, as in the casts `(long)9` and `(struct s){1, 2}`.
    /// `void` is [`Type::Void`]; function and incomplete types are errors.
    pub fn parse_type(&self, text: &str) -> Result<Type, ParseError> {
        let tokens = lex(text)?;
        let mut parser = Parser::new(&tokens, Cow::Borrowed(&self.scope));
        let start = parser.tok().pos;
        let ty = parser.type_name()?;
        if parser.tok().kind != Kind::Eof {
            return Err(parser.unexpected("the end of the type"));
        }
        match ty {
            CType::Void => Ok(Type::Void),
            ty => parser
                .scope
                .resolve(&ty)
                .map_err(|why| ParseError::at(start, format!("cannot use {why} here"))),
        }
    }
}

/// The value and type (after promotion) of an integer constant expression, read as
/// an enumerator's value is: for the test that the two front ends agree on every lexeme
/// (`clex`'s `agreement`).
#[cfg(test)]
pub(crate) fn constant_expression(text: &str) -> Result<(i128, Type), ParseError> {
    let tokens = lex(text)?;
    let mut parser = Parser::new(&tokens, Cow::Owned(Scope::new()));
    let value = parser.constant_expression()?;
    if parser.tok().kind != Kind::Eof {
        return Err(parser.unexpected("the end of the expression"));
    }
    let ty = match value.ty {
        expr::IntType {
            bit_precise: true,
            width,
            unsigned,
        } => Type::BitInt {
            bits: width,
            signed: !unsigned,
        },
        expr::IntType {
            unsigned: false,
            width: 32,
            ..
        } => Type::Int,
        expr::IntType {
            unsigned: true,
            width: 32,
            ..
        } => Type::UInt,
        expr::IntType {
            unsigned: false, ..
        } => Type::Long,
        _ => Type::ULong,
    };
    Ok((value.value, ty))
}

impl FromStr for Signature {
    type Err = ParseError;

    /// The signature of the last prototype in C declarations:
    /// `"double pow(double, double)".parse::<Signature>()`.
    fn from_str(text: &str) -> Result<Signature, ParseError> {
        let decls = Declarations::parse(text)?;
        match decls.last_function() {
            Some(f) => Ok(f.signature.clone()),
            None => {
                let line = text.split('\n').count();
                let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                Err(ParseError::at(
                    Pos {
                        line,
                        column,
                        length: 1,
                    },
                    "expected a function prototype",
                ))
            }
        }
    }
}
