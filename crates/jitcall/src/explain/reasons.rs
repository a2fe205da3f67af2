//! Why a value travels where it does, in words: the classifier's [`MemoryReason`]s and
//! [`StackReason`]s as the plan records them, with members named as the C type names
//! them.
//!
//! Rendering only: every reason here was decided by the classifier and comes from the
//! plan; nothing is re-derived from the type.

use crate::Type;
use crate::abi::{Class, MemberPath, MemoryReason, StackReason};
use std::fmt::Write as _;

/// The name of the member at `path` in a value of type `ty`, as C would write it
/// (`v.a`, `z[0]`, `c.real`, `#1` for an unnamed member), and the name of the first
/// zero-length array on the way, if any.
fn member_name(ty: &Type, path: &MemberPath) -> (String, Option<String>) {
    let mut name = String::new();
    let mut zero_length = None;
    let mut ty = ty;
    for &i in path.indices() {
        let i = i as usize;
        match ty {
            Type::Struct(agg) | Type::Union(agg) => {
                let Some(field) = agg.fields.get(i) else {
                    break;
                };
                if !name.is_empty() {
                    name.push('.');
                }
                match &field.name {
                    Some(n) => name.push_str(n),
                    None => write!(name, "#{i}").unwrap_or(()),
                }
                ty = &field.ty;
            }
            Type::Array(elem, n) => {
                if *n == 0 && zero_length.is_none() {
                    zero_length = Some(name.clone());
                }
                write!(name, "[{i}]").ok();
                ty = elem;
            }
            Type::Complex(elem) => {
                name.push_str(if i == 0 { ".real" } else { ".imag" });
                ty = elem;
            }
            _ => break,
        }
    }
    if let Type::Array(_, 0) = ty {
        zero_length.get_or_insert_with(|| name.clone());
    }
    (name, zero_length)
}

/// What data of an X87 class is, for reasons.
fn x87_data(class: Class) -> &'static str {
    match class {
        Class::X87Up => "the upper half of a long double (X87UP)",
        Class::ComplexX87 => "a long double _Complex (COMPLEX_X87)",
        _ => "a long double (X87)",
    }
}

/// The classifier's reason for MEMORY, in words, naming members as `ty` does. It
/// renders what the plan records; it decides nothing.
pub(super) fn memory_reason_text(reason: &MemoryReason, ty: &Type) -> String {
    let zero_note = |zero: Option<String>| match zero {
        Some(array) => format!(
            " (`{array}` is a zero-length array, but gcc classifies its first element all \
             the same)"
        ),
        None => String::new(),
    };
    let on_its_own = |aggregate: &MemberPath, why: String| {
        if aggregate.is_empty() {
            why
        } else {
            let (name, _) = member_name(ty, aggregate);
            format!("member `{name}` is MEMORY on its own: {why}")
        }
    };
    match reason {
        MemoryReason::TooLarge { size } => format!("larger than 16 bytes ({size} bytes)"),
        MemoryReason::Misaligned {
            member,
            offset,
            align,
        } => {
            let (name, zero) = member_name(ty, member);
            format!(
                "member `{name}` at offset {offset} is not aligned to its type's {align} bytes{}",
                zero_note(zero)
            )
        }
        MemoryReason::ArrayElementTooWide {
            array,
            offset,
            size,
        } => {
            let (name, zero) = member_name(ty, array);
            let zero = match zero {
                Some(_) => " (a zero-length array counts all the same)",
                None => "",
            };
            format!(
                "gcc classifies array `{name}` by its first element, and that element, \
                 {size} bytes at offset {offset}, would reach past the next eightbyte{zero}"
            )
        }
        MemoryReason::X87Merged {
            aggregate,
            eightbyte,
            x87,
            other,
        } => on_its_own(
            aggregate,
            format!(
                "{} shares eightbyte {eightbyte} with {other} data, and an X87 class merged \
                 with anything but INTEGER is MEMORY",
                x87_data(*x87)
            ),
        ),
        MemoryReason::WideVector { size, abi } => format!(
            "a {size}-byte vector, and the callee was compiled for {} (VectorAbi::{abi:?}): \
             only {} takes it in a register",
            abi.name(),
            if *size > 32 { "AVX-512F" } else { "AVX" }
        ),
        MemoryReason::OneDoubleExtVector { member } => {
            let what = if member.is_empty() {
                "a".to_string()
            } else {
                format!("member `{}` is a", member_name(ty, member).0)
            };
            format!("{what} one-lane `double` ext_vector_type, which clang passes in memory")
        }
        MemoryReason::LargeVector { size } => {
            format!("a {size}-byte vector: larger than any vector register (64 bytes)")
        }
        MemoryReason::VariadicVector { size } => {
            format!("a variadic {size}-byte vector, which the psABI always passes in memory")
        }
        MemoryReason::OneLaneFloatVector { member, size } => {
            let what = if member.is_empty() {
                "a".to_string()
            } else {
                format!("member `{}` is a", member_name(ty, member).0)
            };
            format!(
                "{what} {size}-byte vector of one floating lane, which gcc has no vector \
                 mode for and passes in memory"
            )
        }
        MemoryReason::X87UpAlone {
            aggregate,
            eightbyte,
            previous,
        } => on_its_own(
            aggregate,
            format!(
                "the upper half of a long double (X87UP, eightbyte {eightbyte}) does not \
                 follow its X87 half: eightbyte {} is {previous}",
                eightbyte.saturating_sub(1)
            ),
        ),
    }
}

fn left(n: u8) -> String {
    if n == 0 {
        "none".into()
    } else {
        format!("only {n}")
    }
}

fn plural(n: u8, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Why an argument is on the stack, in words.
pub(super) fn stack_reason_text(reason: &StackReason, ty: &Type) -> String {
    match reason {
        StackReason::Memory(why) => format!("class MEMORY: {}", memory_reason_text(why, ty)),
        StackReason::X87 => "long double (X87) arguments always go on the stack".into(),
        &StackReason::OutOfRegisters {
            gprs_needed,
            gprs_left,
            xmms_needed,
            xmms_left,
        } => {
            let mut parts = Vec::new();
            if gprs_needed > gprs_left {
                parts.push(format!(
                    "needs {}, {} left",
                    plural(gprs_needed, "integer register", "integer registers"),
                    left(gprs_left)
                ));
            }
            if xmms_needed > xmms_left {
                parts.push(format!(
                    "needs {}, {} left",
                    plural(xmms_needed, "vector register", "vector registers"),
                    left(xmms_left)
                ));
            }
            format!(
                "{} → stack (an argument is never split between registers and the stack)",
                parts.join(" and ")
            )
        }
    }
}

pub(super) fn stack_reason_code(reason: &StackReason) -> &'static str {
    match reason {
        StackReason::Memory(_) => "memory",
        StackReason::X87 => "x87",
        StackReason::OutOfRegisters { .. } => "out_of_registers",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{Classification, sysv};

    /// The words for the classifier's reason behind a type's MEMORY.
    fn why(decl: &str) -> String {
        let decls = crate::Declarations::parse(decl).unwrap();
        let f = decls.last_function().unwrap();
        let ty = &f.signature.params()[0];
        match sysv::classification(ty).unwrap() {
            Classification::Memory(reason) => memory_reason_text(&reason, ty),
            other => panic!("{decl}: not MEMORY but {other:?}"),
        }
    }

    #[test]
    fn reasons_name_members_as_c_does() {
        assert_eq!(
            why("struct s { long a, b, c; }; void f(struct s);"),
            "larger than 16 bytes (24 bytes)"
        );
        assert_eq!(
            why(
                "struct __attribute__((packed)) s { char c; float _Complex z; }; void f(struct s);"
            ),
            "member `z.real` at offset 1 is not aligned to its type's 4 bytes"
        );
        assert_eq!(
            why(
                "struct __attribute__((packed)) s { float f; unsigned long long z[0]; }; \
                 void f(struct s);"
            ),
            "member `z[0]` at offset 4 is not aligned to its type's 8 bytes (`z` is a \
             zero-length array, but gcc classifies its first element all the same)"
        );
        assert_eq!(
            why("struct e { int a[4]; }; struct s { float f; struct e z[0]; }; void f(struct s);"),
            "gcc classifies array `z` by its first element, and that element, 16 bytes at \
             offset 4, would reach past the next eightbyte (a zero-length array counts all \
             the same)"
        );
        assert_eq!(
            why("union u { double d; long double x; }; void f(union u);"),
            "a long double (X87) shares eightbyte 0 with SSE data, and an X87 class merged \
             with anything but INTEGER is MEMORY"
        );
        assert_eq!(
            why("union u { long double x; int i; }; struct s { union u m; }; void f(struct s);"),
            "member `m` is MEMORY on its own: the upper half of a long double (X87UP, \
             eightbyte 1) does not follow its X87 half: eightbyte 0 is INTEGER"
        );
    }
}
