//! Values printed in C literal syntax: integers in decimal, floating values in the
//! shortest form that reads back to the same value of their own type, strings quoted
//! with C escapes, pointers in hex, aggregates as brace lists.
//!
//! It reads nothing back; the round trip is the tests' business.

use super::eval::{int_parts, signed_text};
use super::float::{self, Binary};
use crate::{BFloat16, Float16, Float128, LongDouble, Type, Value};
use std::ffi::{CStr, c_char};

/// Lays out shortest digits (`d1.d2d3... × 10^sci`) the way `%g` would, without its
/// precision limit: positional from 1e-4 to below 1e17, scientific (`1e+100`) beyond.
pub(super) fn layout_digits(negative: bool, digits: &[u8], sci: i64) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let ds: String = digits.iter().map(|d| (b'0' + d) as char).collect();
    let n = ds.len() as i64;
    if (-4..17).contains(&sci) {
        if sci < 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-sci - 1) as usize));
            out.push_str(&ds);
        } else if sci >= n - 1 {
            out.push_str(&ds);
            out.push_str(&"0".repeat((sci - (n - 1)) as usize));
        } else {
            let (int, frac) = ds.split_at((sci + 1) as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = ds.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if sci < 0 { '-' } else { '+' },
            sci.unsigned_abs()
        ));
    }
    out
}

pub(super) fn format_binary(b: Binary, digits: Option<(Vec<u8>, i64)>) -> String {
    match b {
        Binary::Nan { negative } => if negative { "-nan" } else { "nan" }.into(),
        Binary::Infinite { negative } => if negative { "-inf" } else { "inf" }.into(),
        Binary::Finite {
            negative,
            mantissa: 0,
            ..
        } => if negative { "-0.0" } else { "0" }.into(),
        Binary::Finite { negative, .. } => match digits {
            Some((d, sci)) => layout_digits(negative, &d, sci),
            None => "nan".into(),
        },
    }
}

/// Digits and exponent from Rust's shortest `{:e}` output, e.g. `1.024e3`.
pub(super) fn rust_digits(s: &str) -> Option<(Vec<u8>, i64)> {
    let (m, e) = s.split_once('e')?;
    let digits = m
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    Some((digits, e.parse().ok()?))
}

/// A `double` in the shortest form that reads back to the same `double`.
pub fn format_f64(x: f64) -> String {
    format_binary(Binary::from_f64(x), rust_digits(&format!("{:e}", x.abs())))
}

/// A `float` in the shortest form that reads back to the same `float`.
pub fn format_f32(x: f32) -> String {
    format_binary(Binary::from_f32(x), rust_digits(&format!("{:e}", x.abs())))
}

/// A `long double` in the shortest form that reads back (as a `long double`) to the
/// same 80 bits.
pub fn format_long_double(x: LongDouble) -> String {
    let b = Binary::from_x87(x.to_bytes());
    format_binary(b, float::shortest(b, float::X87))
}

/// A `_Float16` in the shortest form that reads back (as a `_Float16`) to the same
/// bits.
pub fn format_float16(x: Float16) -> String {
    let b = Binary::from_f16(x.to_bits());
    format_binary(b, float::shortest(b, float::F16))
}

/// A `__bf16` in the shortest form that reads back (as a `__bf16`) to the same bits.
pub fn format_bfloat16(x: BFloat16) -> String {
    let b = Binary::from_bf16(x.to_bits());
    format_binary(b, float::shortest(b, float::BF16))
}

/// A `_Float128` in the shortest form that reads back (as a `_Float128`) to the same
/// bits.
pub fn format_float128(x: Float128) -> String {
    let b = Binary::from_f128(x.to_bits());
    format_binary(b, float::shortest(b, float::F128))
}

/// Bytes as a C string literal: quotes, escapes for `"`, `\`, control characters and
/// bytes that are not UTF-8 (as three-digit octal escapes, which never swallow a
/// following digit).
pub fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\{b:03o}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\{b:03o}"));
        }
    }
    out.push('"');
    out
}

/// The C string at `ptr` as a quoted literal, or `NULL`.
///
/// # Safety
///
/// `ptr` must be null or point to a NUL-terminated string that stays valid and
/// unchanged during the call.
pub unsafe fn format_c_string(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return "NULL".into();
    }
    // SAFETY: non-null, and the caller guarantees a NUL-terminated string.
    let s = unsafe { CStr::from_ptr(ptr) };
    quote_bytes(s.to_bytes())
}

/// A value in C syntax: integers in decimal, floating values in their shortest
/// round-trip form, pointers in hex (`NULL` for null), aggregates as brace lists,
/// unions as `{.member = value}`, `void` as nothing. `ty` is the value's type (it names
/// union members).
pub fn format_value(value: &Value, ty: &Type) -> String {
    let mut out = String::new();
    write_value(&mut out, value, ty);
    out
}

pub(super) fn write_value(out: &mut String, value: &Value, ty: &Type) {
    let list = |out: &mut String, items: &mut dyn Iterator<Item = (&Value, &Type)>| {
        out.push('{');
        for (i, (v, t)) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_value(out, v, t);
        }
        out.push('}');
    };
    match value {
        Value::Void => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Float(x) => out.push_str(&format_f32(*x)),
        Value::Double(x) => out.push_str(&format_f64(*x)),
        Value::LongDouble(x) => out.push_str(&format_long_double(*x)),
        Value::Float16(x) => out.push_str(&format_float16(*x)),
        Value::BFloat16(x) => out.push_str(&format_bfloat16(*x)),
        Value::Float128(x) => out.push_str(&format_float128(*x)),
        Value::BitInt(x) => out.push_str(&x.to_string()),
        Value::Pointer(p) if p.is_null() => out.push_str("NULL"),
        Value::Pointer(p) => out.push_str(&format!("{:#x}", *p as usize)),
        Value::Struct(values) => {
            // `None` for an unnamed bit-field: padding, which C initializers skip.
            let fields: Vec<Option<Type>> = match ty {
                Type::Struct(agg) => agg
                    .fields
                    .iter()
                    .map(|f| (f.name.is_some() || f.bits.is_none()).then(|| f.ty.clone()))
                    .collect(),
                _ => Vec::new(),
            };
            list(
                out,
                &mut values
                    .iter()
                    .zip(fields.iter().chain(std::iter::repeat(&Some(Type::Void))))
                    .filter_map(|(v, f)| f.as_ref().map(|f| (v, f))),
            );
        }
        Value::Array(values) | Value::Vector(values) => {
            let elem = match ty {
                Type::Array(elem, _) | Type::Vector(elem, _) | Type::ExtVector(elem, _) => {
                    (**elem).clone()
                }
                _ => Type::Void,
            };
            list(out, &mut values.iter().map(|v| (v, &elem)));
        }
        Value::Complex(re, im) => {
            let elem = match ty {
                Type::Complex(elem) => (**elem).clone(),
                _ => Type::Double,
            };
            list(out, &mut [(&**re, &elem), (&**im, &elem)].into_iter());
        }
        Value::Union { member, value } => {
            let field = match ty {
                Type::Union(agg) => agg.fields.get(*member),
                _ => None,
            };
            out.push('{');
            if let Some(name) = field.and_then(|f| f.name.as_deref()) {
                out.push('.');
                out.push_str(name);
                out.push_str(" = ");
            }
            write_value(out, value, field.map_or(&Type::Void, |f| &f.ty));
            out.push('}');
        }
        v => match int_parts(v) {
            Some((negative, magnitude)) => out.push_str(&signed_text(negative, magnitude)),
            None => out.push('?'),
        },
    }
}
