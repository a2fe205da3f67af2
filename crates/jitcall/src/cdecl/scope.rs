//! The parser's type model and symbol tables: C types as declarations see them
//! ([`CType`]), structs, unions, enums and opaque types by index ([`Record`]), and
//! everything declared so far ([`Scope`]), built-in typedefs included.
//!
//! It turns a finished prototype into a [`FunctionDecl`]; it parses nothing.

use super::FunctionDecl;
use super::error::{ParseError, Pos};
use super::expr::Int;
use super::parser::PendingFunction;
use crate::{Signature, Type};
use std::collections::HashMap;

/// A C type as the parser sees it: richer than [`Type`] (functions, `void`, incomplete
/// structs and arrays of unknown size exist here), poorer where calls do not care (every
/// pointer is just a pointer, remembering only whether it points to a character type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum CType {
    Void,
    /// An arithmetic type.
    Scalar(Type),
    Pointer {
        to_char: bool,
    },
    /// A struct, union, enum or opaque type, by index in [`Scope::records`]: it may be
    /// completed after it is first named.
    Record(usize),
    Array(Box<CType>, Option<u64>),
    Function(Box<FnType>),
    /// A typedef with `__attribute__((aligned(N)))`: the type, with alignment `N` as a
    /// member and for `_Alignof` (gcc keeps its size, and passes it as the type).
    Aligned(Box<CType>, u64),
    /// A type jitcall cannot represent (`_Decimal64`, a 128-byte vector): why, as in
    /// "type '_Decimal64'". Only headers read tolerantly make these; using one in
    /// anything called or laid out is an error naming the reason.
    Unsupported(String),
}

impl CType {
    pub(super) fn is_char(&self) -> bool {
        match self {
            CType::Aligned(inner, _) => inner.is_char(),
            _ => matches!(self, CType::Scalar(Type::Char | Type::SChar | Type::UChar)),
        }
    }

    /// How a parameter of this type is passed: arrays and functions as pointers.
    pub(super) fn decay(self) -> CType {
        match self {
            CType::Array(elem, _) => CType::Pointer {
                to_char: elem.is_char(),
            },
            CType::Function(_) => CType::Pointer { to_char: false },
            CType::Aligned(inner, _) if matches!(*inner, CType::Array(..)) => inner.decay(),
            other => other,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct FnType {
    pub(super) ret: CType,
    pub(super) params: Vec<Param>,
    pub(super) variadic: bool,
}

/// Two function types are the same when calls see them the same: names do not count.
impl PartialEq for FnType {
    fn eq(&self, other: &FnType) -> bool {
        self.ret == other.ret
            && self.variadic == other.variadic
            && self.params.len() == other.params.len()
            && self
                .params
                .iter()
                .zip(&other.params)
                .all(|(a, b)| a.ty == b.ty)
    }
}

impl Eq for FnType {}

#[derive(Clone, Debug)]
pub(super) struct Param {
    pub(super) name: Option<String>,
    pub(super) ty: CType,
    pub(super) pos: Pos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RecordKind {
    Struct,
    Union,
    Enum,
    /// A type known only by name, like `FILE`: usable only through pointers.
    Opaque,
}

#[derive(Clone, Debug)]
pub(super) struct Record {
    pub(super) kind: RecordKind,
    pub(super) tag: Option<String>,
    /// The first typedef naming this record, to name anonymous structs in messages.
    pub(super) typedef_name: Option<String>,
    pub(super) pos: Pos,
    /// `None` while incomplete.
    pub(super) ty: Option<Type>,
    /// How many aggregate and array levels the type nests.
    pub(super) depth: usize,
    pub(super) being_defined: bool,
    /// Why jitcall cannot represent this type (an unsupported member or attribute), for
    /// headers read tolerantly; `ty` is then `None`.
    pub(super) unsupported: Option<String>,
}

impl Record {
    /// A record just declared (`struct T;`, or a tag seen for the first time):
    /// incomplete, not being defined, no typedef naming it yet.
    pub(super) fn declared(kind: RecordKind, tag: Option<String>, pos: Pos) -> Record {
        Record {
            kind,
            tag,
            typedef_name: None,
            pos,
            ty: None,
            depth: 0,
            being_defined: false,
            unsupported: None,
        }
    }

    pub(super) fn display_name(&self) -> String {
        let keyword = match self.kind {
            RecordKind::Struct => "struct",
            RecordKind::Union => "union",
            RecordKind::Enum => "enum",
            RecordKind::Opaque => return self.tag.clone().unwrap_or_default(),
        };
        match (&self.tag, &self.typedef_name) {
            (Some(tag), _) => format!("{keyword} {tag}"),
            (None, Some(name)) => name.clone(),
            (None, None) => format!(
                "{keyword} (anonymous at line {}, column {})",
                self.pos.line, self.pos.column
            ),
        }
    }
}

/// What an ordinary identifier (not a tag, not a member) stands for.
#[derive(Clone, Debug)]
pub(super) enum Ordinary {
    Typedef(CType),
    Constant(Int),
    /// Index of the function's declaration.
    Function(usize),
}

pub(super) const FILE_RECORD: usize = 0;
pub(super) const VA_LIST_RECORD: usize = 1;

/// Everything declared so far: the symbol tables [`Declarations::parse_type`] reuses.
#[derive(Clone, Debug)]
pub(super) struct Scope {
    pub(super) records: Vec<Record>,
    pub(super) tags: HashMap<String, usize>,
    pub(super) ordinary: HashMap<String, Ordinary>,
    /// Completed structs and unions in the order their definitions end.
    pub(super) aggregates: Vec<usize>,
    /// Every typedef name, where it was first declared, in order.
    pub(super) typedef_order: Vec<(String, Pos)>,
}

/// The typedefs every declaration can use without including a header, with their
/// glibc x86-64 meanings.
pub(super) const BUILTIN_TYPEDEFS: &[&str] = &[
    "int8_t",
    "uint8_t",
    "int16_t",
    "uint16_t",
    "int32_t",
    "uint32_t",
    "int64_t",
    "uint64_t",
    "intmax_t",
    "uintmax_t",
    "intptr_t",
    "uintptr_t",
    "size_t",
    "ssize_t",
    "ptrdiff_t",
    "off_t",
    "time_t",
    "wchar_t",
    "wint_t",
    "char16_t",
    "char32_t",
    "__int128_t",
    "__uint128_t",
    "FILE",
    "va_list",
    "__gnuc_va_list",
    "__builtin_va_list",
    "__m64",
    "__m128",
    "__m128d",
    "__m128i",
    "__m256",
    "__m256d",
    "__m256i",
    "__m512",
    "__m512d",
    "__m512i",
];

pub(super) fn builtin_typedef(name: &str) -> Option<CType> {
    let scalar = match name {
        "int8_t" => Type::SChar,
        "uint8_t" => Type::UChar,
        "int16_t" => Type::Short,
        "uint16_t" | "char16_t" => Type::UShort,
        "int32_t" | "wchar_t" => Type::Int,
        "uint32_t" | "wint_t" | "char32_t" => Type::UInt,
        "int64_t" | "intmax_t" | "intptr_t" | "ssize_t" | "ptrdiff_t" | "off_t" | "time_t" => {
            Type::Long
        }
        "uint64_t" | "uintmax_t" | "uintptr_t" | "size_t" => Type::ULong,
        "__int128_t" => Type::Int128,
        "__uint128_t" => Type::UInt128,
        "FILE" => return Some(CType::Record(FILE_RECORD)),
        // The intrinsics headers' vector types (gcc's `*intrin.h`; their `__may_alias__`
        // changes nothing jitcall sees).
        "__m64" => Type::vector(Type::Int, 2),
        "__m128" => Type::vector(Type::Float, 4),
        "__m128d" => Type::vector(Type::Double, 2),
        "__m128i" => Type::vector(Type::LongLong, 2),
        "__m256" => Type::vector(Type::Float, 8),
        "__m256d" => Type::vector(Type::Double, 4),
        "__m256i" => Type::vector(Type::LongLong, 4),
        "__m512" => Type::vector(Type::Float, 16),
        "__m512d" => Type::vector(Type::Double, 8),
        "__m512i" => Type::vector(Type::LongLong, 8),
        // x86-64's `va_list` is `struct __va_list_tag[1]`: a pointer as a parameter.
        "va_list" | "__gnuc_va_list" | "__builtin_va_list" => {
            return Some(CType::Array(
                Box::new(CType::Record(VA_LIST_RECORD)),
                Some(1),
            ));
        }
        _ => return None,
    };
    Some(CType::Scalar(scalar))
}

impl Scope {
    pub(super) fn new() -> Scope {
        let pos = Pos {
            line: 1,
            column: 1,
            length: 1,
        };
        let va_list_tag = Type::build_struct()
            .tag("__va_list_tag")
            .field("gp_offset", Type::UInt)
            .field("fp_offset", Type::UInt)
            .field("overflow_arg_area", Type::Pointer)
            .field("reg_save_area", Type::Pointer)
            .finish();
        Scope {
            records: vec![
                Record::declared(RecordKind::Opaque, Some("FILE".to_string()), pos),
                Record {
                    ty: Some(va_list_tag),
                    depth: 1,
                    ..Record::declared(RecordKind::Struct, Some("__va_list_tag".to_string()), pos)
                },
            ],
            tags: HashMap::new(),
            ordinary: HashMap::new(),
            aggregates: Vec::new(),
            typedef_order: Vec::new(),
        }
    }

    pub(super) fn is_typedef_name(&self, name: &str) -> bool {
        match self.ordinary.get(name) {
            Some(Ordinary::Typedef(_)) => true,
            Some(_) => false,
            None => builtin_typedef(name).is_some(),
        }
    }

    pub(super) fn lookup_typedef(&self, name: &str) -> Option<CType> {
        match self.ordinary.get(name) {
            Some(Ordinary::Typedef(ty)) => Some(ty.clone()),
            Some(_) => None,
            None => builtin_typedef(name),
        }
    }

    pub(super) fn record_name(&self, id: usize) -> String {
        self.records
            .get(id)
            .map_or_else(String::new, Record::display_name)
    }

    pub(super) fn depth_of(&self, ty: &CType) -> usize {
        match ty {
            CType::Array(elem, _) => self.depth_of(elem).saturating_add(1),
            CType::Aligned(inner, _) => self.depth_of(inner),
            CType::Record(id) => self.records.get(*id).map_or(0, |r| r.depth),
            _ => 0,
        }
    }

    /// The complete object type, or why there is none ("incomplete type 'struct s'").
    pub(super) fn resolve(&self, ty: &CType) -> Result<Type, String> {
        match ty {
            CType::Void => Err("type 'void'".to_string()),
            CType::Scalar(t) => Ok(t.clone()),
            CType::Pointer { .. } => Ok(Type::Pointer),
            CType::Record(id) => match self.records.get(*id) {
                Some(Record { ty: Some(t), .. }) => Ok(t.clone()),
                Some(Record {
                    unsupported: Some(why),
                    ..
                }) => Err(format!(
                    "unsupported type '{}' ({why})",
                    self.record_name(*id)
                )),
                _ => Err(format!("incomplete type '{}'", self.record_name(*id))),
            },
            CType::Array(elem, Some(n)) => match &**elem {
                // gcc lays such an array out with the typedef's alignment, which a
                // `Type::Array` cannot carry.
                CType::Aligned(inner, align)
                    if self.layout_of(inner).is_ok_and(|l| l.align != *align) =>
                {
                    Err("unsupported type (array of an aligned typedef)".to_string())
                }
                _ => Ok(Type::array(self.resolve(elem)?, *n)),
            },
            CType::Array(_, None) => Err("incomplete array type".to_string()),
            CType::Function(_) => Err("function type".to_string()),
            CType::Aligned(inner, _) => self.resolve(inner),
            CType::Unsupported(why) => Err(format!("unsupported {why}")),
        }
    }

    /// Size and alignment as C's `sizeof` and `_Alignof` see them: an aligned typedef
    /// has its own alignment.
    pub(super) fn layout_of(&self, ty: &CType) -> Result<crate::Layout, String> {
        match ty {
            CType::Aligned(inner, align) => {
                let inner = self.layout_of(inner)?;
                Ok(crate::Layout {
                    size: inner.size,
                    align: *align,
                })
            }
            ty => self.resolve(ty)?.layout().map_err(|e| e.to_string()),
        }
    }

    pub(super) fn function_decl(&self, f: &PendingFunction) -> Result<FunctionDecl, ParseError> {
        if let Some(why) = &f.unsupported {
            return Err(ParseError::at(f.pos, why.clone()));
        }
        let ret = match &f.ty.ret {
            CType::Void => Type::Void,
            ty => self.resolve(ty).map_err(|why| {
                ParseError::at(f.pos, format!("function '{}' returns {why}", f.name))
            })?,
        };
        let mut params = Vec::with_capacity(f.ty.params.len());
        for (i, p) in f.ty.params.iter().enumerate() {
            let ty = self.resolve(&p.ty).map_err(|why| {
                let which = match &p.name {
                    Some(name) => format!("'{name}'"),
                    None => (i + 1).to_string(),
                };
                ParseError::at(
                    p.pos,
                    format!("parameter {which} of '{}' has {why}", f.name),
                )
            })?;
            params.push(ty);
        }
        let signature = if f.ty.variadic {
            Signature::variadic(ret, params, [])
        } else {
            Signature::new(ret, params)
        }
        .with_vector_abi(f.vector_abi);
        signature
            .validate()
            .map_err(|e| ParseError::at(f.pos, format!("'{}': {e}", f.name)))?;
        let c_string = |ty: &CType| matches!(ty, CType::Pointer { to_char: true });
        Ok(FunctionDecl {
            name: f.name.clone(),
            symbol: f.symbol.clone().unwrap_or_else(|| f.name.clone()),
            signature,
            param_names: f.ty.params.iter().map(|p| p.name.clone()).collect(),
            ret_is_c_string: c_string(&f.ty.ret),
            params_c_string: f.ty.params.iter().map(|p| c_string(&p.ty)).collect(),
        })
    }
}
