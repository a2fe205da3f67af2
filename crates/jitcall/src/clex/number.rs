//! C numbers: where a preprocessing number ends, and what it means as an integer
//! constant (C23 6.4.4.1) or a floating constant (6.4.4.2).
//!
//! Digit separators (C23 `'`) must stand between two digits of one digit sequence, as
//! gcc requires (`1'000`, `0x1'0000`, `1.5'0e1'0`; not `1''0`, `0x'1`, `1'u`, `1e'1`).
//! Suffixes are C's and gcc's for the types jitcall has: `u`, `l`, `ll` (one case for
//! both `l`s) in any order and C23's `wb`/`uwb` for integers; `f`, `l`, the interchange
//! suffixes `f16`, `f32`, `f64`, `f128`, `f32x`, `f64x` and GNU's `q` for floating
//! constants; the others (`w`, `dd`, ...) are errors.
//!
//! It reads one lexeme already cut out by a parser's token loop; it does not round
//! floating constants, and it gives an integer constant its C type but applies no
//! conversion.

use super::LexError;
use crate::Type;

/// Where the preprocessing number starting at byte `start` of `text` ends (C23 6.4.8):
/// digits, identifier characters (`$` included, as gcc), `.`, a sign after `e`, `E`,
/// `p` or `P`, and `'` followed by a digit or identifier character. `text[start]` must
/// be a digit, or a `.` followed by one.
pub(crate) fn pp_number_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut i = start + 1;
    loop {
        let b = at(i);
        let sign = matches!(b, b'+' | b'-') && matches!(at(i - 1), b'e' | b'E' | b'p' | b'P');
        if ident(b) || b == b'.' || (b == b'\'' && ident(at(i + 1))) || sign {
            i += 1;
        } else {
            return i.min(text.len());
        }
    }
}

/// A numeric constant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Number {
    Int(IntConst),
    Float(FloatConst),
}

/// An integer constant: its exact value (which may exceed every C type), how it was
/// written, and its suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IntConst {
    /// The value; `u128::MAX` for a constant above it, whose value is `wide`.
    pub value: u128,
    /// The value of a `wb`/`uwb` constant above `u128::MAX` (at most
    /// [`MAX_WIDE_BITS`] bits): 64-bit limbs, least significant first, the top one not
    /// zero. `None` for every other constant.
    pub wide: Option<Box<[u64]>>,
    /// 2, 8, 10 or 16; `0` alone is octal, as in C.
    pub radix: u32,
    pub suffix: IntSuffix,
}

/// The most bits a `wb`/`uwb` constant may need: a practical limit on what is read
/// (clang takes `_BitInt` up to 8388608 bits, whose decimal constants have 2.5 million
/// digits), far above what anyone writes by hand.
pub(crate) const MAX_WIDE_BITS: u32 = 65535;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntSuffix {
    None,
    Unsigned,
    Long,
    UnsignedLong,
    LongLong,
    UnsignedLongLong,
    /// C23 `wb`: `_BitInt(N)`, `N` the fewest bits that hold the value and a sign.
    BitInt,
    /// C23 `uwb`: `unsigned _BitInt(N)`, `N` the fewest bits that hold the value.
    UnsignedBitInt,
}

impl IntConst {
    /// The constant's C type: the first of its suffix's list (C23 6.4.4.1) that holds
    /// the value, where a decimal constant too large for `long` (`long long`) becomes
    /// `unsigned long` (`unsigned long long`), as older gcc made it (gcc 12 warns and
    /// makes it `__int128`). `None` above `unsigned long long`: C gives such a constant
    /// no type, and gcc diagnoses it.
    pub fn c_type(&self) -> Option<Type> {
        use Type::*;
        let width = match &self.wide {
            Some(limbs) => 64 * limbs.len() as u32 - limbs.last().map_or(64, |l| l.leading_zeros()),
            None => 128 - self.value.leading_zeros(),
        };
        let candidates: &[Type] = match (self.suffix, self.radix == 10) {
            (IntSuffix::BitInt, _) => {
                return Some(BitInt {
                    bits: (width + 1).max(2),
                    signed: true,
                });
            }
            (IntSuffix::UnsignedBitInt, _) => {
                return Some(BitInt {
                    bits: width.max(1),
                    signed: false,
                });
            }
            (IntSuffix::None, true) => &[Int, Long, ULong],
            (IntSuffix::None, false) => &[Int, UInt, Long, ULong],
            (IntSuffix::Unsigned, _) => &[UInt, ULong],
            (IntSuffix::Long, _) => &[Long, ULong],
            (IntSuffix::UnsignedLong, _) => &[ULong],
            (IntSuffix::LongLong, _) => &[LongLong, ULongLong],
            (IntSuffix::UnsignedLongLong, _) => &[ULongLong],
        };
        let max = |ty: &Type| match ty {
            Int => i32::MAX as u128,
            UInt => u32::MAX as u128,
            Long | LongLong => i64::MAX as u128,
            _ => u64::MAX as u128,
        };
        candidates.iter().find(|ty| self.value <= max(ty)).cloned()
    }
}

/// A floating constant as written: `digits × 10^exponent` (decimal) or
/// `digits × 2^exponent` (hexadecimal, `digits` read in base 16), not yet rounded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FloatConst {
    /// Significand digits, most significant first, each below `radix`.
    pub digits: Vec<u8>,
    /// 10 or 16.
    pub radix: u32,
    pub exponent: i64,
    pub suffix: FloatSuffix,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FloatSuffix {
    /// `double`.
    None,
    /// `f`: `float`.
    F,
    /// `l`: `long double`; also `f64x`, its interchange name.
    L,
    /// `f16`: `_Float16`.
    F16,
    /// `f64` or `f32x`: `double` by name (rounded as a `double` whatever it
    /// initializes, unlike an unsuffixed constant).
    F64,
    /// `f128`, or GNU's `q`: `_Float128`.
    F128,
}

/// Reads a preprocessing number (as cut by [`pp_number_end`]) as a C constant.
pub(crate) fn read_number(text: &str) -> Result<Number, LexError> {
    let bytes = text.as_bytes();
    let (radix, mut i) = match bytes {
        [b'0', b'x' | b'X', ..] => (16, 2),
        [b'0', b'b' | b'B', ..] => (2, 2),
        _ => (10, 0),
    };
    // Octal and binary digits are read as decimal ones, to name a bad digit.
    let int_digits = digit_sequence(text, &mut i, if radix == 16 { 16 } else { 10 })?;
    let floating = matches!(
        (radix, bytes.get(i)),
        (16, Some(b'.' | b'p' | b'P')) | (10, Some(b'.' | b'e' | b'E'))
    );
    if floating {
        floating_constant(text, radix, int_digits, i).map(Number::Float)
    } else {
        integer_constant(text, radix, int_digits, i).map(Number::Int)
    }
}

/// Digits in `radix` from byte `*i` on, with separators between them; `*i` ends on the
/// first byte that is neither. A separator anywhere else is an error.
fn digit_sequence(text: &str, i: &mut usize, radix: u32) -> Result<Vec<u8>, LexError> {
    let bytes = text.as_bytes();
    let digit = |i: usize| bytes.get(i).and_then(|&b| (b as char).to_digit(radix));
    let mut digits = Vec::new();
    loop {
        if let Some(d) = digit(*i) {
            digits.push(d as u8);
            *i += 1;
        } else if bytes.get(*i) == Some(&b'\'') {
            if digits.is_empty() || digit(*i + 1).is_none() {
                return Err(LexError::new(
                    *i,
                    *i + 1,
                    format!("misplaced digit separator in '{text}': it goes between two digits"),
                ));
            }
            *i += 1;
        } else {
            return Ok(digits);
        }
    }
}

fn integer_constant(
    text: &str,
    radix: u32,
    digits: Vec<u8>,
    end: usize,
) -> Result<IntConst, LexError> {
    let suffix_text = text.get(end..).unwrap_or("");
    let suffix = match suffix_text {
        "" => IntSuffix::None,
        "u" | "U" => IntSuffix::Unsigned,
        "l" | "L" => IntSuffix::Long,
        "ll" | "LL" => IntSuffix::LongLong,
        "ul" | "uL" | "Ul" | "UL" | "lu" | "lU" | "Lu" | "LU" => IntSuffix::UnsignedLong,
        "ull" | "uLL" | "Ull" | "ULL" | "llu" | "llU" | "LLu" | "LLU" => {
            IntSuffix::UnsignedLongLong
        }
        "wb" | "WB" => IntSuffix::BitInt,
        "uwb" | "uWB" | "Uwb" | "UWB" | "wbu" | "wbU" | "WBu" | "WBU" => IntSuffix::UnsignedBitInt,
        _ => {
            return Err(LexError::whole(
                text,
                format!("invalid suffix '{suffix_text}' on integer constant"),
            ));
        }
    };
    let (radix, name) = match (radix, digits.as_slice()) {
        (16, _) => (16, "hexadecimal"),
        (2, _) => (2, "binary"),
        (_, [0, ..]) => (8, "octal"),
        _ => (10, "decimal"),
    };
    if digits.is_empty() {
        return Err(LexError::whole(
            text,
            format!("{name} constant '{text}' has no digits"),
        ));
    }
    let mut value = 0u128;
    let mut wide = None;
    for (i, &d) in digits.iter().enumerate() {
        if u32::from(d) >= radix {
            return Err(LexError::whole(
                text,
                format!("invalid digit '{d}' in {name} constant"),
            ));
        }
        match value
            .checked_mul(u128::from(radix))
            .and_then(|v| v.checked_add(u128::from(d)))
        {
            Some(v) => value = v,
            None => {
                // Only `_BitInt` constants are wider than every integer type.
                if !matches!(suffix, IntSuffix::BitInt | IntSuffix::UnsignedBitInt) {
                    return Err(LexError::whole(
                        text,
                        format!(
                            "integer constant '{text}' is too large: it needs more than 128 \
                             bits (a wider one is a _BitInt constant, with the suffix wb or uwb)"
                        ),
                    ));
                }
                wide = Some(wide_value(text, &digits[i..], value, radix)?);
                value = u128::MAX;
                break;
            }
        }
    }
    Ok(IntConst {
        value,
        wide,
        radix,
        suffix,
    })
}

/// The limbs of a `wb`/`uwb` constant whose digits, after those worth `high`, are
/// `rest` (all valid digits of `radix` but the checked first one): a schoolbook
/// multiply-add per digit, refused past [`MAX_WIDE_BITS`].
fn wide_value(text: &str, rest: &[u8], high: u128, radix: u32) -> Result<Box<[u64]>, LexError> {
    let mut limbs = vec![high as u64, (high >> 64) as u64];
    for &d in rest {
        if u32::from(d) >= radix {
            return Err(LexError::whole(
                text,
                format!("invalid digit '{d}' in constant"),
            ));
        }
        let mut carry = u128::from(d);
        for limb in &mut limbs {
            let v = u128::from(*limb) * u128::from(radix) + carry;
            *limb = v as u64;
            carry = v >> 64;
        }
        if carry != 0 {
            limbs.push(carry as u64);
        }
        if limbs.len() as u32 * 64 > MAX_WIDE_BITS + 64 {
            return Err(LexError::whole(
                text,
                format!(
                    "integer constant '{text}' is too large: jitcall reads _BitInt \
                     constants of up to {MAX_WIDE_BITS} bits"
                ),
            ));
        }
    }
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    let bits = 64 * limbs.len() as u32 - limbs.last().map_or(64, |l| l.leading_zeros());
    if bits > MAX_WIDE_BITS {
        return Err(LexError::whole(
            text,
            format!(
                "integer constant '{text}' is too large: jitcall reads _BitInt constants of \
                 up to {MAX_WIDE_BITS} bits"
            ),
        ));
    }
    Ok(limbs.into())
}

fn floating_constant(
    text: &str,
    radix: u32,
    mut digits: Vec<u8>,
    mut i: usize,
) -> Result<FloatConst, LexError> {
    let bytes = text.as_bytes();
    let mut fraction_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let fraction = digit_sequence(text, &mut i, radix)?;
        fraction_digits = fraction.len() as i64;
        digits.extend(fraction);
    }
    if digits.is_empty() {
        return Err(LexError::whole(
            text,
            format!("floating constant '{text}' has no digits"),
        ));
    }
    let exponent_letter: &[u8] = if radix == 16 { b"pP" } else { b"eE" };
    let mut exponent = 0i64;
    if bytes.get(i).is_some_and(|b| exponent_letter.contains(b)) {
        i += 1;
        let negative = bytes.get(i) == Some(&b'-');
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exponent_digits = digit_sequence(text, &mut i, 10)?;
        if exponent_digits.is_empty() {
            return Err(LexError::whole(
                text,
                format!("exponent has no digits in floating constant '{text}'"),
            ));
        }
        // Saturate: anything this large is infinity or zero anyway.
        exponent = exponent_digits
            .iter()
            .fold(0i64, |e, &d| {
                e.saturating_mul(10).saturating_add(i64::from(d))
            })
            .min(1 << 40);
        if negative {
            exponent = -exponent;
        }
    } else if radix == 16 {
        return Err(LexError::whole(
            text,
            format!("hexadecimal floating constant '{text}' needs an exponent (p)"),
        ));
    }
    let suffix = match text.get(i..).unwrap_or("") {
        "" => FloatSuffix::None,
        "f" | "F" | "f32" | "F32" => FloatSuffix::F,
        "l" | "L" | "f64x" | "F64x" => FloatSuffix::L,
        "f16" | "F16" => FloatSuffix::F16,
        "f64" | "F64" | "f32x" | "F32x" => FloatSuffix::F64,
        "f128" | "F128" | "q" | "Q" => FloatSuffix::F128,
        other => {
            return Err(LexError::whole(
                text,
                format!("invalid suffix '{other}' on floating constant"),
            ));
        }
    };
    // A hexadecimal digit after the point is four binary places.
    let scale = if radix == 16 { 4 } else { 1 };
    Ok(FloatConst {
        digits,
        radix,
        exponent: exponent - scale * fraction_digits,
        suffix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(text: &str) -> IntConst {
        match read_number(text) {
            Ok(Number::Int(c)) => c,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn error(text: &str) -> String {
        match read_number(text) {
            Err(e) => e.message,
            Ok(n) => panic!("{text}: {n:?}"),
        }
    }

    #[test]
    fn pp_numbers_end_where_c_says() {
        for (text, number) in [
            ("1'000+", "1'000"),
            ("1'+", "1"),
            ("0x1e+1)", "0x1e+1"),
            ("1.5e-3f,", "1.5e-3f"),
            ("0x1p+3}", "0x1p+3"),
            ("12abc$ ", "12abc$"),
            (".5.", ".5."),
            ("1''0", "1"),
        ] {
            assert_eq!(&text[..pp_number_end(text, 0)], number, "{text}");
        }
    }

    #[test]
    fn integer_values_and_types() {
        for (text, value, radix, ty) in [
            ("0", 0, 8, Some(Type::Int)),
            ("1'000", 1000, 10, Some(Type::Int)),
            ("0'17", 15, 8, Some(Type::Int)),
            ("0b1'01", 5, 2, Some(Type::Int)),
            ("0X1F", 31, 16, Some(Type::Int)),
            ("2147483648", 1 << 31, 10, Some(Type::Long)),
            ("0x80000000", 1 << 31, 16, Some(Type::UInt)),
            ("5LLu", 5, 10, Some(Type::ULongLong)),
            ("5ll", 5, 10, Some(Type::LongLong)),
            (
                "18446744073709551615",
                u64::MAX.into(),
                10,
                Some(Type::ULong),
            ),
            ("18446744073709551616", 1 << 64, 10, None),
        ] {
            let c = int(text);
            assert_eq!((c.value, c.radix, c.c_type()), (value, radix, ty), "{text}");
        }
        assert_eq!(int("0xffffffffffffffffffffffffffffffff").value, u128::MAX);
    }

    #[test]
    fn floating_constants_as_written() {
        let Ok(Number::Float(f)) = read_number("1'2.5'0e1'0f") else {
            panic!()
        };
        assert_eq!(
            (f.digits, f.radix, f.exponent, f.suffix),
            (vec![1, 2, 5, 0], 10, 8, FloatSuffix::F)
        );
        let Ok(Number::Float(f)) = read_number("0x.8p-1L") else {
            panic!()
        };
        assert_eq!(
            (f.digits, f.radix, f.exponent, f.suffix),
            (vec![8], 16, -5, FloatSuffix::L)
        );
        assert!(matches!(read_number("08.5"), Ok(Number::Float(_))));
    }

    #[test]
    fn errors() {
        for (text, message) in [
            ("08", "invalid digit '8' in octal constant"),
            ("0b102", "invalid digit '2' in binary constant"),
            ("0x", "hexadecimal constant '0x' has no digits"),
            ("12abc", "invalid suffix 'abc' on integer constant"),
            ("1lL", "invalid suffix 'lL' on integer constant"),
            ("1wbl", "invalid suffix 'wbl' on integer constant"),
            ("1wub", "invalid suffix 'wub' on integer constant"),
            ("0x1e+1", "invalid suffix '+1' on integer constant"),
            ("1e", "exponent has no digits in floating constant '1e'"),
            (
                "0x1.8",
                "hexadecimal floating constant '0x1.8' needs an exponent (p)",
            ),
            ("1.5w", "invalid suffix 'w' on floating constant"),
            ("1.5fl", "invalid suffix 'fl' on floating constant"),
            ("0x.p1", "floating constant '0x.p1' has no digits"),
        ] {
            assert_eq!(error(text), message, "{text}");
        }
        for text in [
            "1''0", "0x'1", "0b'1", "1'u", "1e'1", "1.'5", "0x1'p1", "1'a",
        ] {
            let e = read_number(text).unwrap_err();
            assert!(e.message.starts_with("misplaced digit separator"), "{text}");
            assert_eq!(text.get(e.start..e.end), Some("'"), "{text}");
        }
        assert!(error("340282366920938463463374607431768211456").contains("more than 128 bits"));
        assert!(error("0x1ffffffffffffffffffffffffffffffffu").contains("suffix wb or uwb"));
    }

    /// `wb`/`uwb` constants above 128 bits keep every limb, and take the fewest bits
    /// that hold them (and a sign), as clang types them.
    #[test]
    fn wide_bit_precise_constants() {
        let c = int("0x1'0000'0000'0000'0000'0000'0000'0000'0000uwb");
        assert_eq!(c.wide.as_deref(), Some(&[0, 0, 1][..]));
        assert_eq!(
            c.c_type(),
            Some(Type::BitInt {
                bits: 129,
                signed: false
            })
        );
        // 2^128 in decimal, and 2^200 - 1 in octal.
        let c = int("340282366920938463463374607431768211456wb");
        assert_eq!(c.wide.as_deref(), Some(&[0, 0, 1][..]));
        assert_eq!(
            c.c_type(),
            Some(Type::BitInt {
                bits: 130,
                signed: true
            })
        );
        let octal = format!("0{}uwb", "7".repeat(66) + "77");
        assert_eq!(int(&octal).wide.as_deref().map(<[u64]>::len), Some(4));
        assert_eq!(
            int(&octal).c_type(),
            Some(Type::BitInt {
                bits: 204,
                signed: false
            })
        );
        // u128::MAX is still narrow.
        assert_eq!(int("0xffffffffffffffffffffffffffffffffuwb").wide, None);
        let max = format!("0x1{}wb", "0".repeat(65534 / 4 + 1));
        assert!(error(&max).contains("up to 65535 bits"), "{}", error(&max));
        assert!(error("0x1fffffffffffffffffffffffffffffffffffffffffull").contains("suffix wb"));
    }
}
