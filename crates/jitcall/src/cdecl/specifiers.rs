//! Declaration specifiers: the reserved words, type keywords, typedef names,
//! qualifiers, storage classes, `__attribute__`s and `_Alignas` before a declarator,
//! and the base type they spell together (`long unsigned int`). `struct`, `union` and
//! `enum` specifiers are read by `records`.
//!
//! Qualifiers, storage classes and attributes that change nothing a call sees are
//! skipped, not checked; those that change the ABI are refused as unsupported.

use super::declarator::Ctx;
use super::error::{ParseError, Pos};
use super::expr::Int;
use super::lexer::Kind;
use super::parser::Parser;
use super::scope::CType;
use super::{BIGGEST_ALIGNMENT, MAX_ALIGNMENT};
use crate::Type;

/// What the parser does with a reserved word. Every keyword has exactly one role, given
/// by [`keyword`]; none of them is ever a declarator's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keyword {
    /// A type specifier, read by its own rule in `specifiers` (`int`, `struct`,
    /// `_Float32`), or refused there (`_Atomic`, `typeof`).
    Type,
    /// A type qualifier: starts a type, changes nothing a call sees, skipped among the
    /// specifiers and after a `*`.
    Qualifier,
    /// `__extension__`, gcc's marker for a declaration that uses an extension: starts a
    /// type and is skipped among the specifiers, but is no qualifier (never after a `*`).
    Extension,
    /// A storage class or function specifier: changes nothing a call sees, skipped among
    /// the specifiers, but does not start a type (`static`, `inline`).
    Storage,
    /// Anything else that can never name a declared thing: handled where it may appear
    /// (`typedef`, `sizeof`, `__attribute__`), an error elsewhere.
    Other,
}

impl Keyword {
    /// Whether a declaration can begin with this keyword.
    pub(super) fn starts_type(self) -> bool {
        matches!(self, Self::Type | Self::Qualifier | Self::Extension)
    }

    /// Whether `specifiers` skips this keyword as changing nothing a call sees.
    pub(super) fn is_ignored_specifier(self) -> bool {
        matches!(self, Self::Qualifier | Self::Extension | Self::Storage)
    }
}

/// The one list of reserved words (a word listed twice is an unreachable pattern, which
/// the build refuses).
pub(super) fn keyword(word: &str) -> Option<Keyword> {
    Some(match word {
        "void" | "_Bool" | "bool" | "char" | "short" | "int" | "long" | "signed" | "__signed"
        | "__signed__" | "unsigned" | "float" | "double" | "_Complex" | "__complex"
        | "__complex__" | "__int128" | "struct" | "union" | "enum" | "_Atomic" | "_Float16"
        | "_Float32" | "_Float64" | "_Float128" | "_Float32x" | "_Float64x" | "_Float128x"
        | "__float128" | "__float80" | "__ibm128" | "__bf16" | "_Decimal32" | "_Decimal64"
        | "_Decimal128" | "_BitInt" | "typeof" | "__typeof" | "__typeof__" | "typeof_unqual" => {
            Keyword::Type
        }
        "const" | "__const" | "__const__" | "volatile" | "__volatile" | "__volatile__"
        | "restrict" | "__restrict" | "__restrict__" | "_Nonnull" | "_Nullable"
        | "_Null_unspecified" => Keyword::Qualifier,
        "__extension__" => Keyword::Extension,
        "extern" | "static" | "auto" | "register" | "inline" | "__inline" | "__inline__"
        | "_Noreturn" | "_Thread_local" | "thread_local" | "__thread" | "constexpr" => {
            Keyword::Storage
        }
        "typedef" | "sizeof" | "_Alignof" | "__alignof__" | "__alignof" | "alignof"
        | "_Alignas" | "alignas" | "_Static_assert" | "static_assert" | "__attribute__"
        | "__attribute" | "__asm__" | "__asm" | "asm" | "return" | "if" | "while" | "for" => {
            Keyword::Other
        }
        _ => return None,
    })
}

pub(super) fn is_keyword(word: &str) -> bool {
    keyword(word).is_some()
}

/// The type keywords of one declaration, counted (`long long` is two `long`s).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TypeWords {
    pub(super) void: u8,
    pub(super) bool_: u8,
    pub(super) char_: u8,
    pub(super) short: u8,
    pub(super) int: u8,
    pub(super) long: u8,
    pub(super) signed: u8,
    pub(super) unsigned: u8,
    pub(super) float: u8,
    pub(super) double: u8,
    pub(super) complex: u8,
    pub(super) int128: u8,
}

impl TypeWords {
    /// Counts `word` if it is a type keyword (`None` if it is not one).
    pub(super) fn add(&mut self, word: &str) -> Option<Result<(), String>> {
        let (count, limit) = match word {
            "void" => (&mut self.void, 1),
            "_Bool" | "bool" => (&mut self.bool_, 1),
            "char" => (&mut self.char_, 1),
            "short" => (&mut self.short, 1),
            "int" => (&mut self.int, 1),
            "long" => (&mut self.long, 2),
            "signed" | "__signed" | "__signed__" => (&mut self.signed, 1),
            "unsigned" => (&mut self.unsigned, 1),
            "float" => (&mut self.float, 1),
            "double" => (&mut self.double, 1),
            "_Complex" | "__complex" | "__complex__" => (&mut self.complex, 1),
            "__int128" => (&mut self.int128, 1),
            _ => return None,
        };
        if *count >= limit {
            return Some(Err(if word == "long" {
                "'long long long' is too long".to_string()
            } else {
                format!("duplicate '{word}'")
            }));
        }
        *count += 1;
        Some(Ok(()))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.void
            + self.bool_
            + self.char_
            + self.short
            + self.int
            + self.long
            + self.signed
            + self.unsigned
            + self.float
            + self.double
            + self.complex
            + self.int128
            == 0
    }

    /// The type these keywords spell together, in any order (`long unsigned int`).
    pub(super) fn resolve(&self) -> Result<CType, String> {
        let w = self;
        let invalid = || Err("invalid combination of type specifiers".to_string());
        if w.signed > 0 && w.unsigned > 0 {
            return Err("both 'signed' and 'unsigned' in one type".to_string());
        }
        let unsigned = w.unsigned > 0;
        let sign = w.signed + w.unsigned;
        let integer_words = w.char_ + w.short + w.int + w.int128 + w.bool_ + w.void;
        if w.float + w.double + w.complex > 0 {
            if w.complex > 0 && w.float + w.double == 0 && integer_words + sign + w.long > 0 {
                return Err("unsupported: complex integer types".to_string());
            }
            if integer_words + sign > 0
                || w.float + w.double > 1
                || w.long > 1
                || (w.long > 0 && w.double == 0)
            {
                return invalid();
            }
            // `_Complex` alone means `double _Complex`, as in gcc.
            let base = if w.float > 0 {
                Type::Float
            } else if w.long > 0 {
                Type::LongDouble
            } else {
                Type::Double
            };
            return Ok(CType::Scalar(if w.complex > 0 {
                Type::complex(base)
            } else {
                base
            }));
        }
        let rest = |n: u8| integer_words + sign + w.long - n;
        if w.void > 0 {
            return if rest(w.void) == 0 {
                Ok(CType::Void)
            } else {
                invalid()
            };
        }
        if w.bool_ > 0 {
            return if rest(w.bool_) == 0 {
                Ok(CType::Scalar(Type::Bool))
            } else {
                invalid()
            };
        }
        let ty = if w.char_ > 0 {
            if rest(w.char_ + sign) > 0 {
                return invalid();
            }
            match (w.signed > 0, unsigned) {
                (true, _) => Type::SChar,
                (_, true) => Type::UChar,
                _ => Type::Char,
            }
        } else if w.int128 > 0 {
            if rest(w.int128 + sign) > 0 {
                return invalid();
            }
            if unsigned {
                Type::UInt128
            } else {
                Type::Int128
            }
        } else if w.short > 0 {
            if w.long > 0 {
                return invalid();
            }
            if unsigned { Type::UShort } else { Type::Short }
        } else {
            match (w.long, unsigned) {
                (0, false) => Type::Int,
                (0, true) => Type::UInt,
                (1, false) => Type::Long,
                (1, true) => Type::ULong,
                (_, false) => Type::LongLong,
                (_, true) => Type::ULongLong,
            }
        };
        Ok(CType::Scalar(ty))
    }
}

/// `__attribute__`s and alignment specifiers that matter for layout.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Attrs {
    pub(super) packed: Option<Pos>,
    pub(super) aligned: Option<(u64, Pos)>,
}

impl Attrs {
    /// Alignment attributes only ever raise alignment.
    pub(super) fn raise(&mut self, align: u64, pos: Pos) {
        if self.aligned.is_none_or(|(a, _)| align > a) {
            self.aligned = Some((align, pos));
        }
    }

    pub(super) fn merge(&mut self, other: Attrs) {
        if other.packed.is_some() {
            self.packed = other.packed;
        }
        if let Some((align, pos)) = other.aligned {
            self.raise(align, pos);
        }
    }
}

pub(super) struct DeclSpecs {
    pub(super) ty: CType,
    pub(super) typedef: bool,
    /// Attributes among the specifiers: they apply to each declarator.
    pub(super) attrs: Attrs,
    /// A struct or union without tag, defined right here: without a declarator it is a
    /// C11 anonymous member.
    pub(super) anonymous_record: bool,
    pub(super) pos: Pos,
}

impl Parser<'_, '_> {
    pub(super) fn specifiers(&mut self, ctx: Ctx) -> Result<DeclSpecs, ParseError> {
        let first = self.tok();
        let mut words = TypeWords::default();
        let mut named: Option<CType> = None;
        let mut typedef = false;
        let mut attrs = Attrs::default();
        let mut anonymous_record = false;
        loop {
            let tok = self.tok();
            if tok.kind != Kind::Ident {
                break;
            }
            let have_type = named.is_some() || !words.is_empty();
            let two_types =
                || ParseError::at(tok.pos, "two or more data types in declaration specifiers");
            match tok.text {
                "typedef" => {
                    if ctx != Ctx::Named {
                        return Err(ParseError::at(tok.pos, "'typedef' is not allowed here"));
                    }
                    typedef = true;
                    self.bump();
                }
                "_Atomic" => {
                    return Err(ParseError::at(tok.pos, "unsupported: _Atomic types"));
                }
                word if keyword(word).is_some_and(Keyword::is_ignored_specifier) => {
                    self.bump();
                }
                "__attribute__" | "__attribute" => attrs.merge(self.attributes()?),
                "_Alignas" | "alignas" => {
                    if let Some(align) = self.alignas()? {
                        attrs.raise(align, tok.pos);
                    }
                }
                "struct" | "union" | "enum" => {
                    if have_type {
                        return Err(two_types());
                    }
                    let (ty, anonymous, extra) = if tok.text == "enum" {
                        self.enum_specifier()?
                    } else {
                        self.record_specifier()?
                    };
                    named = Some(ty);
                    anonymous_record = anonymous;
                    attrs.merge(extra);
                }
                "_Float32" | "_Float64" | "_Float32x" | "_Float64x" => {
                    if have_type {
                        return Err(two_types());
                    }
                    // Interchange types with the same format as these C types.
                    named = Some(CType::Scalar(match tok.text {
                        "_Float32" => Type::Float,
                        "_Float64x" => Type::LongDouble,
                        _ => Type::Double,
                    }));
                    self.bump();
                }
                "_Float16" | "_Float128" | "_Float128x" | "__float128" | "__float80"
                | "__ibm128" | "__bf16" | "_Decimal32" | "_Decimal64" | "_Decimal128"
                | "_BitInt" => {
                    return Err(ParseError::at(
                        tok.pos,
                        format!("unsupported: type '{}'", tok.text),
                    ));
                }
                "typeof" | "__typeof" | "__typeof__" | "typeof_unqual" => {
                    return Err(ParseError::at(tok.pos, "unsupported: typeof"));
                }
                word => match words.add(word) {
                    Some(Ok(())) => {
                        if named.is_some() {
                            return Err(two_types());
                        }
                        self.bump();
                    }
                    Some(Err(message)) => return Err(ParseError::at(tok.pos, message)),
                    None if have_type || is_keyword(word) => break,
                    None => match self.scope.lookup_typedef(word) {
                        Some(ty) => {
                            named = Some(ty);
                            self.bump();
                        }
                        None => {
                            return Err(ParseError::at(
                                tok.pos,
                                format!("unknown type name '{word}'"),
                            ));
                        }
                    },
                },
            }
        }
        let ty = match named {
            Some(ty) => ty,
            None if words.is_empty() => return Err(self.unexpected("a type")),
            None => words
                .resolve()
                .map_err(|message| ParseError::at(first.pos, message))?,
        };
        Ok(DeclSpecs {
            ty,
            typedef,
            attrs,
            anonymous_record,
            pos: first.pos,
        })
    }

    /// `__attribute__((...))` lists, any number of them. Layout attributes are kept,
    /// attributes that change the ABI are refused, all others skipped.
    pub(super) fn attributes(&mut self) -> Result<Attrs, ParseError> {
        let mut attrs = Attrs::default();
        while self.is("__attribute__") || self.is("__attribute") {
            self.bump();
            self.expect("(")?;
            self.expect("(")?;
            loop {
                if self.eat(",") {
                    continue;
                }
                if self.is(")") {
                    break;
                }
                let tok = self.tok();
                if tok.kind != Kind::Ident {
                    return Err(self.unexpected("an attribute name"));
                }
                self.bump();
                let name = tok
                    .text
                    .strip_prefix("__")
                    .and_then(|n| n.strip_suffix("__"))
                    .unwrap_or(tok.text);
                let unsupported =
                    |what: &str| Err(ParseError::at(tok.pos, format!("unsupported: {what}")));
                match name {
                    "packed" => attrs.packed = Some(tok.pos),
                    "aligned" => {
                        let align = if self.eat("(") {
                            let at = self.tok().pos;
                            let value = self.constant_expression()?;
                            self.expect(")")?;
                            alignment(value, at)?
                        } else {
                            BIGGEST_ALIGNMENT
                        };
                        attrs.raise(align, tok.pos);
                    }
                    "vector_size" | "ext_vector_type" => {
                        return unsupported("vector types (vector_size attribute)");
                    }
                    "mode" => return unsupported("the mode attribute"),
                    "ms_abi" => return unsupported("the ms_abi calling convention"),
                    "transparent_union" => return unsupported("transparent unions"),
                    "scalar_storage_order" => return unsupported("scalar_storage_order"),
                    _ => {}
                }
                if self.is("(") {
                    self.skip_balanced()?;
                }
            }
            self.expect(")")?;
            self.expect(")")?;
        }
        Ok(attrs)
    }

    /// Attributes and `__asm__("symbol")` labels after a declarator.
    pub(super) fn trailing_attributes(&mut self) -> Result<Attrs, ParseError> {
        let mut attrs = Attrs::default();
        loop {
            if self.is("__attribute__") || self.is("__attribute") {
                attrs.merge(self.attributes()?);
            } else if self.is("__asm__") || self.is("__asm") || self.is("asm") {
                self.bump();
                if !self.is("(") {
                    return Err(self.unexpected("'('"));
                }
                self.skip_balanced()?;
            } else {
                return Ok(attrs);
            }
        }
    }

    /// `_Alignas(N)` or `_Alignas(type)`; `_Alignas(0)` has no effect.
    pub(super) fn alignas(&mut self) -> Result<Option<u64>, ParseError> {
        self.bump();
        self.expect("(")?;
        let at = self.tok();
        let align = if self.is_type_start(at) {
            let ty = self.type_name()?;
            let ty = self.scope.resolve(&ty).map_err(|why| {
                ParseError::at(
                    at.pos,
                    format!("invalid application of '_Alignas' to {why}"),
                )
            })?;
            let layout = ty
                .layout()
                .map_err(|e| ParseError::at(at.pos, e.to_string()))?;
            Some(layout.align)
        } else {
            let value = self.constant_expression()?;
            if value.value == 0 {
                None
            } else {
                Some(alignment(value, at.pos)?)
            }
        };
        self.expect(")")?;
        Ok(align)
    }
}

/// An alignment given by the user: a power of two up to 2^28.
pub(super) fn alignment(value: Int, at: Pos) -> Result<u64, ParseError> {
    match u64::try_from(value.value) {
        Ok(a) if a.is_power_of_two() && a <= MAX_ALIGNMENT => Ok(a),
        Ok(a) if a > MAX_ALIGNMENT => Err(ParseError::at(
            at,
            format!("requested alignment {a} is too large"),
        )),
        _ => Err(ParseError::at(
            at,
            format!(
                "requested alignment {} is not a positive power of 2",
                value.value
            ),
        )),
    }
}
