//! Declaration specifiers: the reserved words, type keywords, typedef names,
//! qualifiers, storage classes, `__attribute__`s and `_Alignas` before a declarator,
//! and the base type they spell together (`long unsigned int`). `struct`, `union` and
//! `enum` specifiers are read by `records`.
//!
//! Qualifiers, storage classes and attributes that change nothing a call sees are
//! skipped, not checked; those that change the ABI are understood (`aligned`, `packed`,
//! `mode`, `vector_size`, `ext_vector_type`) or, when jitcall cannot represent what they make
//! (`ms_abi`), refused as unsupported: an error, or in headers a type
//! kept with its reason.

use super::declarator::Ctx;
use super::error::{ParseError, Pos};
use super::expr::Int;
use super::lexer::{Kind, Token};
use super::parser::Parser;
use super::scope::{CType, Ordinary};
use super::{BIGGEST_ALIGNMENT, MAX_ALIGNMENT};
use crate::{Type, clex};

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

    /// No type keyword but `_Complex` (which `_Float32 _Complex` may add).
    /// Whether the words are at most `signed`, `unsigned` (what `_BitInt` takes) and
    /// `_Complex` (refused later, with its own message).
    pub(super) fn is_only_sign(&self) -> bool {
        TypeWords {
            signed: 0,
            unsigned: 0,
            complex: 0,
            ..*self
        }
        .is_empty()
    }

    pub(super) fn is_only_complex(&self) -> bool {
        TypeWords {
            complex: 0,
            ..*self
        }
        .is_empty()
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
                // GNU C's complex integers: `_Complex int`, `unsigned char _Complex`.
                let real = TypeWords { complex: 0, ..*w };
                return match real.resolve()? {
                    CType::Scalar(ty) if ty.is_integer() && ty != Type::Bool => {
                        Ok(CType::Scalar(Type::complex(ty)))
                    }
                    _ => invalid(),
                };
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

/// What `__attribute__((mode(M)))` makes of an integer or floating type: gcc's machine
/// modes, by size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// `QI`, `HI`, `SI`, `DI`, `TI` (and `byte`, `word`, `pointer`): an integer of this
    /// many bytes, of the declared type's signedness.
    Int(u8),
    /// `HF`, `SF`, `DF`, `XF`: `_Float16`, `float`, `double`, `long double`.
    Float(u8),
    /// `TF`: `_Float128` (x86-64's `__float128`).
    Quad,
    /// `HC`, `SC`, `DC`, `XC`: their `_Complex` forms.
    Complex(u8),
    /// `TC`: `_Complex _Float128`.
    ComplexQuad,
    /// `CQI`, `CHI`, `CSI`, `CDI`, `CTI`: GNU complex integers of this many bytes a
    /// part, of the declared type's signedness.
    ComplexInt(u8),
    /// Anything else (vector modes, decimal floats): a type jitcall cannot represent.
    Other,
}

impl Mode {
    fn from_name(name: &str) -> Mode {
        let name = name
            .strip_prefix("__")
            .and_then(|n| n.strip_suffix("__"))
            .unwrap_or(name);
        match name {
            "QI" | "byte" => Mode::Int(1),
            "HI" => Mode::Int(2),
            "SI" => Mode::Int(4),
            "DI" | "word" | "pointer" | "unwind_word" => Mode::Int(8),
            "TI" => Mode::Int(16),
            "HF" => Mode::Float(2),
            "SF" => Mode::Float(4),
            "TF" => Mode::Quad,
            "DF" => Mode::Float(8),
            "XF" => Mode::Float(16),
            "HC" => Mode::Complex(2),
            "SC" => Mode::Complex(4),
            "TC" => Mode::ComplexQuad,
            "CQI" => Mode::ComplexInt(1),
            "CHI" => Mode::ComplexInt(2),
            "CSI" => Mode::ComplexInt(4),
            "CDI" => Mode::ComplexInt(8),
            "CTI" => Mode::ComplexInt(16),
            "DC" => Mode::Complex(8),
            "XC" => Mode::Complex(16),
            _ => Mode::Other,
        }
    }

    /// The type `ty` becomes, or why there is none jitcall can represent.
    pub(super) fn apply(self, ty: &Type) -> Result<Type, &'static str> {
        if let (Mode::ComplexInt(bytes), Type::Complex(part)) = (self, ty)
            && part.is_integer()
        {
            return Ok(Type::complex(Mode::Int(bytes).apply(part)?));
        }
        let unsigned = matches!(
            ty,
            Type::Bool
                | Type::UChar
                | Type::UShort
                | Type::UInt
                | Type::ULong
                | Type::ULongLong
                | Type::UInt128
        );
        let float = |bytes| match bytes {
            2 => Type::Float16,
            4 => Type::Float,
            8 => Type::Double,
            _ => Type::LongDouble,
        };
        match self {
            Mode::Int(bytes) if ty.is_integer() => Ok(match (bytes, unsigned) {
                (1, false) => Type::SChar,
                (1, true) => Type::UChar,
                (2, false) => Type::Short,
                (2, true) => Type::UShort,
                (4, false) => Type::Int,
                (4, true) => Type::UInt,
                (8, false) => Type::Long,
                (8, true) => Type::ULong,
                (_, false) => Type::Int128,
                (_, true) => Type::UInt128,
            }),
            Mode::Float(bytes) if is_real_floating(ty) => Ok(float(bytes)),
            Mode::Quad if is_real_floating(ty) => Ok(Type::Float128),
            // gcc's `HC` is `_Complex _Float16` (clang-19's is not: docs/DIVERGENCES.md).
            Mode::Complex(bytes) if matches!(ty, Type::Complex(_)) => {
                Ok(Type::complex(float(bytes)))
            }
            Mode::ComplexQuad if matches!(ty, Type::Complex(_)) => {
                Ok(Type::complex(Type::Float128))
            }
            Mode::Other => Err("a mode jitcall cannot represent (a vector or decimal mode)"),
            _ => Err("a mode that does not fit the declared type"),
        }
    }
}

/// Whether `ty` is a real floating type, which a floating `mode` may change.
fn is_real_floating(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Float | Type::Double | Type::LongDouble | Type::Float16 | Type::Float128
    )
}

/// The attribute that makes a vector type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum VectorAttr {
    /// gcc's `vector_size(N)`: `N` bytes.
    Size(u64),
    /// clang's `ext_vector_type(N)`: `N` lanes.
    Ext(u64),
}

/// `__attribute__`s and alignment specifiers that matter for layout or calls.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Attrs {
    pub(super) packed: Option<Pos>,
    pub(super) aligned: Option<(u64, Pos)>,
    pub(super) mode: Option<(Mode, Pos)>,
    /// `vector_size(N)` or `ext_vector_type(N)`: makes a vector type.
    pub(super) vector: Option<(VectorAttr, Pos)>,
    /// `ms_abi`: the function uses the Windows calling convention.
    pub(super) ms_abi: Option<Pos>,
    /// `target("avx2")`, `target("avx512f")`, `target("no-avx")`: how the function
    /// passes 32- and 64-byte vectors, as gcc decides it per function.
    pub(super) target: Option<crate::abi::VectorAbi>,
    /// Another attribute that changes the ABI in a way jitcall cannot follow.
    pub(super) unsupported: Option<(&'static str, Pos)>,
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
        self.mode = other.mode.or(self.mode);
        self.vector = other.vector.or(self.vector);
        self.ms_abi = other.ms_abi.or(self.ms_abi);
        self.target = other.target.or(self.target);
        self.unsupported = other.unsupported.or(self.unsupported);
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
    /// `static`: a function with no symbol outside its own file.
    pub(super) is_static: bool,
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
        let mut is_static = false;
        let mut atomic = None;
        loop {
            let tok = self.tok();
            if self.skip_standard_attributes()? {
                continue;
            }
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
                    if !self.tolerant {
                        return Err(ParseError::at(tok.pos, "unsupported: _Atomic types"));
                    }
                    atomic = Some(tok.pos);
                    self.bump();
                    if self.is("(") {
                        self.skip_balanced()?;
                        named = Some(CType::Void);
                    }
                }
                word if keyword(word).is_some_and(Keyword::is_ignored_specifier) => {
                    is_static |= word == "static";
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
                "_Float32" | "_Float64" | "_Float32x" | "_Float64x" | "__float80" | "_Float16"
                | "_Float128" | "__float128" | "__bf16" | "_BitInt" => {
                    if named.is_some() {
                        return Err(two_types());
                    }
                    named = Some(self.named_scalar(tok, &words)?);
                }
                "_Float128x" | "__ibm128" | "_Decimal32" | "_Decimal64" | "_Decimal128" => {
                    if named.is_some() || !words.is_only_complex() {
                        return Err(two_types());
                    }
                    named = Some(self.unsupported_type(tok.pos, format!("type '{}'", tok.text))?);
                    self.bump();
                }
                "typeof" | "__typeof" | "__typeof__" | "typeof_unqual" => {
                    if have_type {
                        return Err(two_types());
                    }
                    named = Some(self.typeof_specifier()?);
                }
                word => match words.add(word) {
                    Some(Ok(())) => {
                        // `_Float32 _Complex`: the one word a named type can take.
                        let complex_float = words.is_only_complex()
                            && matches!(
                                named,
                                Some(CType::Scalar(
                                    Type::Float
                                        | Type::Double
                                        | Type::LongDouble
                                        | Type::Float16
                                        | Type::Float128
                                )) | Some(CType::Unsupported(_))
                            );
                        // `_BitInt(N) unsigned`: the sign may follow.
                        let sign_of_bitint =
                            matches!(named, Some(CType::Scalar(Type::BitInt { .. })))
                                && words.is_only_sign();
                        if named.is_some() && !complex_float && !sign_of_bitint {
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
        if let Some(CType::Scalar(Type::BitInt { signed, .. })) = &mut named
            && words.unsigned > 0
        {
            *signed = false;
        }
        let ty = match named {
            Some(CType::Scalar(ty @ (Type::BitInt { .. } | Type::BFloat16)))
                if words.complex > 0 =>
            {
                self.unsupported_type(first.pos, format!("type '_Complex {ty}'"))?
            }
            Some(CType::Scalar(ty)) if words.complex > 0 => CType::Scalar(Type::complex(ty)),
            Some(ty) => ty,
            None if words.is_empty() => return Err(self.unexpected("a type")),
            None => words
                .resolve()
                .map_err(|message| ParseError::at(first.pos, message))?,
        };
        let ty = match atomic {
            Some(at) => self.unsupported_type(at, "_Atomic types".to_string())?,
            None => ty,
        };
        Ok(DeclSpecs {
            ty,
            typedef,
            attrs,
            anonymous_record,
            is_static,
            pos: first.pos,
        })
    }

    /// Skips C23 `[[attributes]]`, if the next tokens are one: none of them changes a
    /// layout or a call.
    pub(super) fn skip_standard_attributes(&mut self) -> Result<bool, ParseError> {
        let (a, b) = (self.tok(), self.peek_at(1));
        if a.kind == Kind::Punct && a.text == "[" && b.kind == Kind::Punct && b.text == "[" {
            self.skip_balanced()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// A type jitcall cannot represent, met at `pos`: an error, or when reading headers
    /// tolerantly, a type that poisons only the declarations that use it.
    pub(super) fn unsupported_type(&self, pos: Pos, why: String) -> Result<CType, ParseError> {
        if self.tolerant {
            Ok(CType::Unsupported(why))
        } else {
            Err(ParseError::at(pos, format!("unsupported: {why}")))
        }
    }

    /// `typeof(type name)`, or `typeof(f)` of a declared function; other expressions
    /// are unsupported.
    fn typeof_specifier(&mut self) -> Result<CType, ParseError> {
        let keyword = self.bump();
        if !self.is("(") {
            return Err(self.unexpected("'('"));
        }
        if self.is_type_start(self.peek_at(1)) {
            self.bump();
            let ty = self.type_name()?;
            self.expect(")")?;
            return Ok(ty);
        }
        let name = self.peek_at(1);
        if self.peek_at(2).text == ")"
            && let Some(&Ordinary::Function(index)) = self.scope.ordinary.get(name.text)
            && let Some(f) = self.functions.get(index)
        {
            let ty = CType::Function(Box::new(f.ty.clone()));
            self.skip_balanced()?;
            return Ok(ty);
        }
        self.skip_balanced()?;
        self.unsupported_type(keyword.pos, "typeof of an expression".to_string())
    }

    /// The declared type after the attributes that make a new type: `mode` and
    /// `vector_size`.
    pub(super) fn apply_attributes(&self, ty: CType, attrs: &Attrs) -> Result<CType, ParseError> {
        let ty = match attrs.vector {
            Some((attr, at)) => self.vectorize(ty, attr, at)?,
            None => ty,
        };
        if let Some((what, at)) = attrs.unsupported {
            return self.unsupported_type(at, what.to_string());
        }
        let Some((mode, at)) = attrs.mode else {
            return Ok(ty);
        };
        let base = match &ty {
            CType::Scalar(t) => Some(t.clone()),
            CType::Record(id) => self.scope.records.get(*id).and_then(|r| {
                (r.kind == super::scope::RecordKind::Enum)
                    .then(|| r.ty.clone())
                    .flatten()
            }),
            _ => None,
        };
        match base.map(|t| mode.apply(&t)) {
            Some(Ok(t)) => Ok(CType::Scalar(t)),
            Some(Err(why)) => self.unsupported_type(at, format!("the mode attribute: {why}")),
            None => self.unsupported_type(at, "the mode attribute on this type".to_string()),
        }
    }

    /// `ty __attribute__((vector_size(size)))`: a GNU vector of `ty`, an integer type,
    /// `float`, `double` or `_Float16`, with gcc's errors for a size that is no multiple
    /// of the element's or no power of two.
    /// Out of line: the parser recurses through `specifiers`, whose frame must stay
    /// small (deeply nested declarators are an error, not a stack overflow).
    #[inline(never)]
    pub(super) fn vectorize(
        &self,
        ty: CType,
        attr: VectorAttr,
        at: Pos,
    ) -> Result<CType, ParseError> {
        let elem = match ty {
            CType::Unsupported(_) => return Ok(ty),
            // On a function's specifiers, it makes the result a vector.
            CType::Function(mut f) => {
                f.ret = self.vectorize(f.ret, attr, at)?;
                return Ok(CType::Function(f));
            }
            CType::Scalar(t)
                if t.is_integer() && t != Type::Bool
                    || matches!(t, Type::Float | Type::Double | Type::Float16) =>
            {
                t
            }
            CType::Scalar(_) => {
                return Err(ParseError::at(
                    at,
                    match attr {
                        VectorAttr::Size(_) => "invalid vector type for attribute 'vector_size'",
                        VectorAttr::Ext(_) => {
                            "invalid vector element type for attribute 'ext_vector_type' \
                             (jitcall: integers, float, double, _Float16)"
                        }
                    },
                ));
            }
            _ => {
                return self.unsupported_type(at, "a vector attribute on this type".to_string());
            }
        };
        let size = match attr {
            VectorAttr::Size(size) => size,
            // clang: `ext_vector_type(0)` is "zero vector size".
            VectorAttr::Ext(0) => return Err(ParseError::at(at, "zero vector size")),
            VectorAttr::Ext(lanes) => {
                let vector = Type::ext_vector(elem, lanes);
                return match vector.layout() {
                    Ok(_) => Ok(CType::Scalar(vector)),
                    Err(_) => self.unsupported_type(at, format!("`{vector}`: too large")),
                };
            }
        };
        let elem_size = elem.layout().map_or(1, |l| l.size);
        if size == 0 || !size.is_multiple_of(elem_size) {
            return Err(ParseError::at(
                at,
                "vector size not an integral multiple of component size",
            ));
        }
        if !(size / elem_size).is_power_of_two() {
            return Err(ParseError::at(
                at,
                "number of vector components not a power of two",
            ));
        }
        let vector = Type::vector(elem, size / elem_size);
        match vector.layout() {
            Ok(_) => Ok(CType::Scalar(vector)),
            Err(_) => self.unsupported_type(
                at,
                format!(
                    "a vector of {size} bytes (at most {})",
                    crate::types::MAX_TYPE_SIZE
                ),
            ),
        }
    }

    /// `("avx2,fma")` after `target`: the vector registers a function compiled so
    /// passes wide vectors in (gcc decides it per function), if the options say:
    /// `avx512f` (or an `avx512` feature) → `Avx512`; `avx`, `avx2` → `Avx`;
    /// `no-avx` → `Sse`. Out of line, as [`Parser::vectorize`].
    #[inline(never)]
    fn target_isa(&mut self) -> Result<Option<crate::abi::VectorAbi>, ParseError> {
        use crate::abi::VectorAbi;
        self.expect("(")?;
        let mut options = String::new();
        while self.tok().kind == Kind::Str {
            options.push(',');
            options.push_str(self.bump().text.trim_matches('"'));
            self.eat(",");
        }
        self.expect(")")?;
        let mut isa = None;
        for option in options.split(',').map(str::trim) {
            isa = match option {
                o if o.starts_with("avx512") => Some(VectorAbi::Avx512),
                "avx" | "avx2" if isa != Some(VectorAbi::Avx512) => Some(VectorAbi::Avx),
                "no-avx" => Some(VectorAbi::Sse),
                _ => isa,
            };
        }
        Ok(isa)
    }

    /// `(N)` after `vector_size`. Out of line, as [`Parser::vectorize`].
    #[inline(never)]
    fn vector_size(&mut self) -> Result<u64, ParseError> {
        self.expect("(")?;
        let at = self.tok().pos;
        let value = self.constant_expression()?;
        self.expect(")")?;
        u64::try_from(value.value).map_err(|_| ParseError::at(at, "vector size is negative"))
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
                    "vector_size" => {
                        attrs.vector = Some((VectorAttr::Size(self.vector_size()?), tok.pos));
                    }
                    "target" if self.is("(") => attrs.target = self.target_isa()?,
                    "ext_vector_type" => {
                        attrs.vector = Some((VectorAttr::Ext(self.vector_size()?), tok.pos));
                    }
                    "mode" => {
                        self.expect("(")?;
                        let arg = self.tok();
                        if arg.kind != Kind::Ident {
                            return Err(self.unexpected("a machine mode"));
                        }
                        self.bump();
                        self.expect(")")?;
                        attrs.mode = Some((Mode::from_name(arg.text), tok.pos));
                    }
                    "ms_abi" => {
                        if !self.tolerant {
                            return unsupported("the ms_abi calling convention");
                        }
                        attrs.ms_abi = Some(tok.pos);
                    }
                    "transparent_union" | "scalar_storage_order" => {
                        let what = if name == "transparent_union" {
                            "transparent unions"
                        } else {
                            "scalar_storage_order"
                        };
                        if !self.tolerant {
                            return unsupported(what);
                        }
                        attrs.unsupported = Some((what, tok.pos));
                    }
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

    /// Attributes and `__asm__("symbol")` labels after a declarator: the attributes,
    /// and the label, which is the symbol's name (`sscanf` is `__isoc99_sscanf`).
    pub(super) fn trailing_attributes(&mut self) -> Result<(Attrs, Option<String>), ParseError> {
        let mut attrs = Attrs::default();
        let mut label = None;
        loop {
            if self.is("__attribute__") || self.is("__attribute") {
                attrs.merge(self.attributes()?);
            } else if self.skip_standard_attributes()? {
            } else if self.is("__asm__") || self.is("__asm") || self.is("asm") {
                self.bump();
                self.expect("(")?;
                // Adjacent strings concatenate: glibc writes `"" "__isoc99_sscanf"`.
                let mut symbol = String::new();
                while self.tok().kind == Kind::Str {
                    let tok = self.bump();
                    let string = clex::string_literal(tok.text).map_err(|e| tok.error(e))?;
                    symbol.push_str(&string.to_text());
                }
                self.expect(")")?;
                if symbol.is_empty() {
                    return Err(ParseError::at(self.tok().pos, "empty asm label"));
                }
                label = Some(symbol);
            } else {
                return Ok((attrs, label));
            }
        }
    }

    /// `_Alignas(N)` or `_Alignas(type)`; `_Alignas(0)` has no effect.
    /// The scalar a type name of one word (and `_BitInt ( width )`) names, after the
    /// type `words`. Out of line, to keep [`Parser::specifiers`]' frame small: it
    /// recurses with nested records.
    #[inline(never)]
    fn named_scalar(&mut self, tok: Token<'_>, words: &TypeWords) -> Result<CType, ParseError> {
        let fits = if tok.text == "_BitInt" {
            words.is_only_sign()
        } else {
            words.is_only_complex()
        };
        if !fits {
            return Err(ParseError::at(
                tok.pos,
                "two or more data types in declaration specifiers",
            ));
        }
        self.bump();
        Ok(CType::Scalar(match tok.text {
            // Interchange types with the same format as these C types (and
            // `__float80`, x87's format: `long double` on x86-64).
            "_Float32" => Type::Float,
            "_Float64x" | "__float80" => Type::LongDouble,
            "_Float64" | "_Float32x" => Type::Double,
            "_Float16" => Type::Float16,
            // clang's bfloat16 (gcc 12 has none).
            "__bf16" => Type::BFloat16,
            // gcc's `__float128` is `_Float128` in C.
            "_Float128" | "__float128" => Type::Float128,
            // A sign word after it (`_BitInt(8) unsigned`) is applied at the end.
            _ => return self.bitint_specifier(words.unsigned == 0),
        }))
    }

    /// `( width )` after `_BitInt`, `signed` by the words before it.
    fn bitint_specifier(&mut self, signed: bool) -> Result<CType, ParseError> {
        self.expect("(")?;
        let at = self.tok().pos;
        let width = self.constant_expression()?.value;
        self.expect(")")?;
        // `_BitInt(1) unsigned`: the sign word comes later.
        let signed = signed && !self.is("unsigned");
        bitint_type(width, signed, at)
    }

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

/// `_BitInt(width)` or `unsigned _BitInt(width)`, with clang's errors for a width C
/// forbids (`at` is the width's position).
#[inline(never)]
fn bitint_type(width: i128, signed: bool, at: Pos) -> Result<CType, ParseError> {
    let (sign, least) = if signed {
        ("signed", 2)
    } else {
        ("unsigned", 1)
    };
    if width < least {
        return Err(ParseError::at(
            at,
            format!("{sign} _BitInt must have a bit size of at least {least}"),
        ));
    }
    match u32::try_from(width) {
        Ok(bits) if bits <= crate::MAX_BITINT_WIDTH => {
            Ok(CType::Scalar(Type::BitInt { bits, signed }))
        }
        _ => Err(ParseError::at(
            at,
            format!(
                "{sign} _BitInt of bit sizes greater than {} not supported",
                crate::MAX_BITINT_WIDTH
            ),
        )),
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
