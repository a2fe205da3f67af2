//! Exact conversions between decimal (or hexadecimal) text and binary floating point,
//! for `_Float16`, `float`, `double`, the x87 80-bit `long double` and `_Float128`.
//!
//! Rust parses and prints `f32` and `f64` correctly, but has no 80-bit type, and the
//! command line must read `0.1` given to a `long double` parameter as the 80-bit value
//! nearest to one tenth, and print every `long double` result in the shortest form that
//! reads back to the same 80 bits. Both need exact arithmetic: this module does it with
//! a small unsigned big integer, and one rounding routine parameterised by the format,
//! so the same code can be (and is, in the tests) checked against Rust's own `f64` and
//! `f32` conversions.
//!
//! It deliberately does not tokenize C text (that is the literal parser's job) and is
//! not fast: it is built for a handful of conversions per command, with inputs bounded
//! by [`MAX_DIGITS`].

use std::cmp::Ordering;

/// Longest significand, in digits, that [`Decimal`] conversions accept. Correct rounding
/// of a long double can in theory need about 11 500 digits; nobody types that many.
pub const MAX_DIGITS: usize = 1000;

/// A binary floating-point format: significand bits (including the leading one) and
/// the exponent range of normal numbers, as in IEEE 754.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Format {
    /// Significand bits, including the leading (implicit or explicit) one.
    pub precision: u32,
    /// Exponent of the smallest normal number.
    pub emin: i32,
    /// Exponent of the largest finite number.
    pub emax: i32,
}

/// `float`.
pub const F32: Format = Format {
    precision: 24,
    emin: -126,
    emax: 127,
};
/// `double`.
pub const F64: Format = Format {
    precision: 53,
    emin: -1022,
    emax: 1023,
};
/// The x87 80-bit `long double`.
pub const X87: Format = Format {
    precision: 64,
    emin: -16382,
    emax: 16383,
};
/// `_Float16` (IEEE 754 binary16).
pub const F16: Format = Format {
    precision: 11,
    emin: -14,
    emax: 15,
};
/// `__bf16` (bfloat16: `float`'s exponent range, 8 significand bits).
pub const BF16: Format = Format {
    precision: 8,
    emin: -126,
    emax: 127,
};
/// `_Float128` (IEEE 754 binary128).
pub const F128: Format = Format {
    precision: 113,
    emin: -16382,
    emax: 16383,
};

/// A finite binary value `mantissa × 2^exponent`, or one of the specials, with a sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    /// A finite number (zero when `mantissa == 0`).
    Finite {
        /// Whether it is negative.
        negative: bool,
        /// The significand, as an integer.
        mantissa: u128,
        /// The power of two it is scaled by.
        exponent: i32,
    },
    /// An infinity.
    Infinite {
        /// Whether it is negative.
        negative: bool,
    },
    /// Not a number.
    Nan {
        /// The sign bit.
        negative: bool,
    },
}

impl Binary {
    /// The value of an `f64`.
    pub fn from_f64(x: f64) -> Binary {
        let bits = x.to_bits();
        let negative = bits >> 63 != 0;
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        match exp {
            0x7ff if frac == 0 => Binary::Infinite { negative },
            0x7ff => Binary::Nan { negative },
            0 => Binary::Finite {
                negative,
                mantissa: frac as u128,
                exponent: -1074,
            },
            _ => Binary::Finite {
                negative,
                mantissa: (frac | (1 << 52)) as u128,
                exponent: exp - 1075,
            },
        }
    }

    /// The value of an `f32`.
    pub fn from_f32(x: f32) -> Binary {
        let bits = x.to_bits();
        let negative = bits >> 31 != 0;
        let exp = ((bits >> 23) & 0xff) as i32;
        let frac = (bits & ((1 << 23) - 1)) as u128;
        match exp {
            0xff if frac == 0 => Binary::Infinite { negative },
            0xff => Binary::Nan { negative },
            0 => Binary::Finite {
                negative,
                mantissa: frac,
                exponent: -149,
            },
            _ => Binary::Finite {
                negative,
                mantissa: frac | (1 << 23),
                exponent: exp - 150,
            },
        }
    }

    /// The value of the 10 bytes of an x87 long double. Pseudo-denormals read as their
    /// value; unnormals and pseudo-NaNs (which the x87 rejects) read as NaN.
    pub fn from_x87(bytes: [u8; 10]) -> Binary {
        let mut m = [0u8; 8];
        m.copy_from_slice(&bytes[..8]);
        let mantissa = u64::from_le_bytes(m);
        let se = u16::from_le_bytes([bytes[8], bytes[9]]);
        let negative = se & 0x8000 != 0;
        let exp = (se & 0x7fff) as i32;
        if exp == 0x7fff {
            return if mantissa << 1 == 0 && mantissa != 0 {
                Binary::Infinite { negative }
            } else {
                Binary::Nan { negative }
            };
        }
        if exp != 0 && mantissa >> 63 == 0 {
            return Binary::Nan { negative };
        }
        Binary::Finite {
            negative,
            mantissa: mantissa as u128,
            exponent: exp.max(1) - 16383 - 63,
        }
    }

    /// The value of the bits of a `_Float16`.
    pub fn from_f16(bits: u16) -> Binary {
        Binary::from_ieee(bits as u128, 16, F16)
    }

    /// The value of the bits of a `__bf16`.
    pub fn from_bf16(bits: u16) -> Binary {
        Binary::from_ieee(bits as u128, 16, BF16)
    }

    /// The value of the bits of a `_Float128`.
    pub fn from_f128(bits: u128) -> Binary {
        Binary::from_ieee(bits, 128, F128)
    }

    /// The value of an IEEE 754 interchange format's `width` bits.
    fn from_ieee(bits: u128, width: u32, format: Format) -> Binary {
        let frac_bits = format.precision - 1;
        let exp_bits = width - 1 - frac_bits;
        let negative = (bits >> (width - 1)) & 1 != 0;
        let exp = ((bits >> frac_bits) & ((1 << exp_bits) - 1)) as i32;
        let frac = bits & ((1 << frac_bits) - 1);
        let lsb = format.emin - frac_bits as i32;
        match exp {
            e if e == (1 << exp_bits) - 1 && frac == 0 => Binary::Infinite { negative },
            e if e == (1 << exp_bits) - 1 => Binary::Nan { negative },
            0 => Binary::Finite {
                negative,
                mantissa: frac,
                exponent: lsb,
            },
            _ => Binary::Finite {
                negative,
                mantissa: frac | (1 << frac_bits),
                exponent: exp - 1 + lsb,
            },
        }
    }

    /// As the bits of a `_Float16` (rounding in [`F16`]).
    pub fn to_f16(self) -> u16 {
        self.to_ieee(16, F16) as u16
    }

    /// As the bits of a `__bf16` (rounding in [`BF16`]).
    pub fn to_bf16(self) -> u16 {
        self.to_ieee(16, BF16) as u16
    }

    /// As the bits of a `_Float128` (rounding in [`F128`]).
    pub fn to_f128(self) -> u128 {
        self.to_ieee(128, F128)
    }

    fn to_ieee(self, width: u32, format: Format) -> u128 {
        match self {
            Binary::Infinite { negative } => {
                encode_ieee(Rounded::Infinite(negative), width, format)
            }
            // The quiet NaN with no payload, as gcc's `__builtin_nan("")`.
            Binary::Nan { negative } => {
                let frac_bits = format.precision - 1;
                encode_ieee(Rounded::Infinite(negative), width, format) | (1 << (frac_bits - 1))
            }
            Binary::Finite {
                negative,
                mantissa,
                exponent,
            } => encode_ieee(
                round_binary(negative, mantissa, exponent, format),
                width,
                format,
            ),
        }
    }

    /// As an `f64` (exact when the value came from one, or rounds in [`F64`]).
    pub fn to_f64(self) -> f64 {
        match self {
            Binary::Infinite { negative } => sign(negative) * f64::INFINITY,
            Binary::Nan { negative } => sign(negative) * f64::NAN,
            Binary::Finite {
                negative,
                mantissa,
                exponent,
            } => encode_f64(round_binary(negative, mantissa, exponent, F64)),
        }
    }

    /// As an `f32` (rounding in [`F32`]).
    pub fn to_f32(self) -> f32 {
        match self {
            Binary::Infinite { negative } => sign(negative) as f32 * f32::INFINITY,
            Binary::Nan { negative } => sign(negative) as f32 * f32::NAN,
            Binary::Finite {
                negative,
                mantissa,
                exponent,
            } => encode_f32(round_binary(negative, mantissa, exponent, F32)),
        }
    }

    /// As the 10 bytes of an x87 long double (rounding in [`X87`]).
    pub fn to_x87(self) -> [u8; 10] {
        match self {
            Binary::Infinite { negative } => x87_bytes(negative, 0x7fff, 1 << 63),
            Binary::Nan { negative } => x87_bytes(negative, 0x7fff, 3 << 62),
            Binary::Finite {
                negative,
                mantissa,
                exponent,
            } => encode_x87(round_binary(negative, mantissa, exponent, X87)),
        }
    }
}

fn sign(negative: bool) -> f64 {
    if negative { -1.0 } else { 1.0 }
}

/// A value rounded into a format: the significand has `precision` bits when normal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounded {
    /// Zero (possibly from underflow).
    Zero(bool),
    /// `mantissa × 2^(exponent - precision + 1)`: normal when the mantissa has its top
    /// bit set, subnormal otherwise (then `exponent == emin`).
    Finite {
        /// Whether it is negative.
        negative: bool,
        /// The significand.
        mantissa: u128,
        /// The exponent of the significand's top bit (normal) or `emin` (subnormal).
        exponent: i32,
    },
    /// Overflow.
    Infinite(bool),
}

fn encode_f64(r: Rounded) -> f64 {
    let bits = match r {
        Rounded::Zero(n) => (n as u64) << 63,
        Rounded::Infinite(n) => ((n as u64) << 63) | (0x7ff << 52),
        Rounded::Finite {
            negative,
            mantissa,
            exponent,
        } => {
            let sign = (negative as u64) << 63;
            let mantissa = mantissa as u64;
            if mantissa >> 52 == 0 {
                sign | mantissa
            } else {
                sign | (((exponent + 1023) as u64) << 52) | (mantissa & ((1 << 52) - 1))
            }
        }
    };
    f64::from_bits(bits)
}

fn encode_f32(r: Rounded) -> f32 {
    let bits = match r {
        Rounded::Zero(n) => (n as u32) << 31,
        Rounded::Infinite(n) => ((n as u32) << 31) | (0xff << 23),
        Rounded::Finite {
            negative,
            mantissa,
            exponent,
        } => {
            let sign = (negative as u32) << 31;
            let mantissa = mantissa as u32;
            if mantissa >> 23 == 0 {
                sign | mantissa
            } else {
                sign | (((exponent + 127) as u32) << 23) | (mantissa & ((1 << 23) - 1))
            }
        }
    };
    f32::from_bits(bits)
}

fn x87_bytes(negative: bool, exp: u16, mantissa: u64) -> [u8; 10] {
    let mut out = [0u8; 10];
    out[..8].copy_from_slice(&mantissa.to_le_bytes());
    let se = exp | if negative { 0x8000 } else { 0 };
    out[8..].copy_from_slice(&se.to_le_bytes());
    out
}

fn encode_x87(r: Rounded) -> [u8; 10] {
    match r {
        Rounded::Zero(n) => x87_bytes(n, 0, 0),
        Rounded::Infinite(n) => x87_bytes(n, 0x7fff, 1 << 63),
        Rounded::Finite {
            negative,
            mantissa,
            exponent,
        } => {
            let mantissa = mantissa as u64;
            if mantissa >> 63 == 0 {
                x87_bytes(negative, 0, mantissa)
            } else {
                x87_bytes(negative, (exponent + 16383) as u16, mantissa)
            }
        }
    }
}

/// Encodes a value rounded in `format`, an IEEE 754 interchange format `width` bits
/// wide (binary16, binary128), as its bits.
fn encode_ieee(r: Rounded, width: u32, format: Format) -> u128 {
    let frac_bits = format.precision - 1;
    let exp_bits = width - 1 - frac_bits;
    let sign = |n: bool| (n as u128) << (width - 1);
    match r {
        Rounded::Zero(n) => sign(n),
        Rounded::Infinite(n) => sign(n) | (((1 << exp_bits) - 1) << frac_bits),
        Rounded::Finite {
            negative,
            mantissa,
            exponent,
        } => {
            if mantissa >> frac_bits == 0 {
                sign(negative) | mantissa
            } else {
                let biased = (exponent - format.emin + 1) as u128;
                sign(negative) | (biased << frac_bits) | (mantissa & ((1 << frac_bits) - 1))
            }
        }
    }
}

/// Rounds the exact value `mantissa × 2^exponent` into `format`.
fn round_binary(negative: bool, mantissa: u128, exponent: i32, format: Format) -> Rounded {
    if mantissa == 0 {
        return Rounded::Zero(negative);
    }
    let mut num = Big::from_u128(mantissa);
    let mut den = Big::from_u128(1);
    if exponent >= 0 {
        num.shl(exponent as u32);
    } else {
        den.shl(exponent.unsigned_abs());
    }
    round_ratio(negative, num, den, format)
}

/// Rounds the exact ratio `num / den` (both non-zero) into `format`, to nearest with
/// ties to even, with gradual underflow and overflow to infinity.
fn round_ratio(negative: bool, mut num: Big, mut den: Big, format: Format) -> Rounded {
    // Scale so the quotient has `quotient_bits` bits: enough for the significand, a
    // rounding bit and slack; the remainder joins the sticky bit.
    let quotient_bits = format.precision as i64 + 4;
    let k = quotient_bits - (num.bit_len() as i64 - den.bit_len() as i64);
    // 2^-k is the weight of the quotient's lowest bit.
    if k >= 0 {
        num.shl(k as u32);
    } else {
        den.shl((-k) as u32);
    }
    let (q, rem_zero) = num.div_small_quotient(&den);
    debug_assert!(q != 0 && q >> (quotient_bits + 2) == 0);
    let top = 127 - q.leading_zeros() as i64; // bit index of the leading one
    let e = top - k; // exponent of the leading one
    let p = format.precision as i64;
    // Exponent of the result's lowest significand bit.
    let lsb = (e - (p - 1)).max(format.emin as i64 - (p - 1));
    let shift = lsb + k; // bits of q below the result's lowest bit
    debug_assert!(shift >= 2);
    let (mut kept, half, sticky) = if shift >= 128 {
        (0u128, false, true)
    } else {
        let s = shift as u32;
        let kept = q >> s;
        let half = (q >> (s - 1)) & 1 == 1;
        let below = q & ((1u128 << (s - 1)) - 1);
        (kept, half, below != 0 || !rem_zero)
    };
    if half && (sticky || kept & 1 == 1) {
        kept += 1;
    }
    let mut lsb = lsb;
    if kept >> p != 0 {
        kept >>= 1;
        lsb += 1;
    }
    if kept == 0 {
        return Rounded::Zero(negative);
    }
    let exponent = lsb + p - 1;
    if exponent > format.emax as i64 {
        return Rounded::Infinite(negative);
    }
    Rounded::Finite {
        negative,
        mantissa: kept,
        exponent: exponent as i32,
    }
}

/// A number as written in C: significand digits and an exponent, before rounding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// Whether a minus sign applies.
    pub negative: bool,
    /// Significand digits, most significant first, each `0..radix`.
    pub digits: Vec<u8>,
    /// 10 for decimal (`exponent` is a power of 10), 16 for hexadecimal (`exponent` is
    /// a power of 2, as after `p`).
    pub radix: u32,
    /// The value is `digits × base^exponent`, `digits` read as an integer.
    pub exponent: i64,
}

impl Decimal {
    /// Rounds to `format`. Fails only when there are more than [`MAX_DIGITS`] digits.
    pub fn round(&self, format: Format) -> Option<Rounded> {
        let first = self.digits.iter().position(|&d| d != 0);
        let Some(first) = first else {
            return Some(Rounded::Zero(self.negative));
        };
        let last = self.digits.iter().rposition(|&d| d != 0).unwrap_or(first);
        let digits = self.digits.get(first..=last)?;
        if digits.len() > MAX_DIGITS {
            return None;
        }
        // Trailing zeros move into the exponent.
        let zeros = (self.digits.len() - 1 - last) as i64;
        let n = digits.len() as i64;
        let mut num = Big::from_u128(0);
        for &d in digits {
            num.mul_small(self.radix);
            num.add_small(d as u32);
        }
        let mut den = Big::from_u128(1);
        if self.radix == 16 {
            let exponent = self.exponent.saturating_add(4 * zeros);
            // value in [2^(exponent + 4(n-1)), 2^(exponent + 4n))
            let high = exponent.saturating_add(4 * n);
            // The leading digit may be 1: the value is at least 2^(high - 4).
            if high > format.emax as i64 + 5 {
                return Some(Rounded::Infinite(self.negative));
            }
            if high < format.emin as i64 - format.precision as i64 - 2 {
                return Some(Rounded::Zero(self.negative));
            }
            if exponent >= 0 {
                num.shl(exponent as u32);
            } else {
                den.shl(exponent.unsigned_abs() as u32);
            }
        } else {
            let exponent = self.exponent.saturating_add(zeros);
            // value in [10^(high - 1), 10^high); log10(2) < 0.30103 < log10(2) + 1e-6.
            let high = exponent.saturating_add(n);
            if high.saturating_sub(1) > (format.emax as i64 + 1) * 30103 / 100_000 + 1 {
                return Some(Rounded::Infinite(self.negative));
            }
            let lowest = format.emin as i64 - format.precision as i64;
            if high < lowest * 30103 / 100_000 - 2 {
                return Some(Rounded::Zero(self.negative));
            }
            if exponent >= 0 {
                num.mul_pow10(exponent as u32);
            } else {
                den.mul_pow10(exponent.unsigned_abs() as u32);
            }
        }
        Some(round_ratio(self.negative, num, den, format))
    }
}

/// Rounds an integer (magnitude and sign) to `format`.
pub fn round_integer(negative: bool, magnitude: u128, format: Format) -> Rounded {
    if magnitude == 0 {
        return Rounded::Zero(negative);
    }
    round_ratio(
        negative,
        Big::from_u128(magnitude),
        Big::from_u128(1),
        format,
    )
}

/// Rounds an integer of any size (magnitude limbs, least significant first) to
/// `format`: a `_BitInt` above 128 bits.
pub fn round_wide_integer(negative: bool, magnitude: &[u64], format: Format) -> Rounded {
    let mut num = Big {
        limbs: magnitude
            .iter()
            .flat_map(|l| [*l as u32, (*l >> 32) as u32])
            .collect(),
    };
    num.normalize();
    if num.limbs.is_empty() {
        return Rounded::Zero(negative);
    }
    round_ratio(negative, num, Big::from_u128(1), format)
}

/// Encodes a rounded value as `f64`. The value must have been rounded in [`F64`].
pub fn rounded_f64(r: Rounded) -> f64 {
    encode_f64(r)
}

/// Encodes a rounded value as `f32`. The value must have been rounded in [`F32`].
pub fn rounded_f32(r: Rounded) -> f32 {
    encode_f32(r)
}

/// Encodes a rounded value as x87 bytes. The value must have been rounded in [`X87`].
pub fn rounded_x87(r: Rounded) -> [u8; 10] {
    encode_x87(r)
}

/// Encodes a rounded value as `_Float16` bits. The value must have been rounded in
/// [`F16`].
pub fn rounded_f16(r: Rounded) -> u16 {
    encode_ieee(r, 16, F16) as u16
}

/// Encodes a rounded value as `__bf16` bits. The value must have been rounded in
/// [`BF16`].
pub fn rounded_bf16(r: Rounded) -> u16 {
    encode_ieee(r, 16, BF16) as u16
}

/// Encodes a rounded value as `_Float128` bits. The value must have been rounded in
/// [`F128`].
pub fn rounded_f128(r: Rounded) -> u128 {
    encode_ieee(r, 128, F128)
}

/// The shortest decimal digits that read back (in `format`) to the finite `value`:
/// `(digits, e)` for `d1.d2d3... × 10^e`; zero gives `([0], 0)`, non-finite values
/// `None`. Among equally short candidates the nearest wins, and an exact tie the larger,
/// as Rust's own printing does.
pub fn shortest(value: Binary, format: Format) -> Option<(Vec<u8>, i64)> {
    let Binary::Finite {
        negative,
        mantissa,
        exponent,
    } = value
    else {
        return None;
    };
    if mantissa == 0 {
        return Some((vec![0], 0));
    }
    let target = round_binary(negative, mantissa, exponent, format);
    let (exact, sci) = exact_decimal(mantissa, exponent);
    // Enough digits always suffice: 9, 17 and 21 for the three formats; the exact
    // expansion is the fallback that always reads back.
    for p in 1..exact.len() {
        let (floor, floor_sci) = (exact[..p].to_vec(), sci);
        let (ceil, ceil_sci) = increment(&floor, floor_sci);
        let rest = &exact[p..];
        // Nearest first; an exact tie rounds up, as Rust's own shortest printing does.
        let round_up = rest.first().is_some_and(|&d| d >= 5);
        let order = if round_up {
            [(ceil, ceil_sci), (floor, floor_sci)]
        } else {
            [(floor, floor_sci), (ceil, ceil_sci)]
        };
        for (digits, sci) in order {
            let candidate = Decimal {
                negative,
                exponent: sci - (digits.len() as i64 - 1),
                digits: digits.clone(),
                radix: 10,
            };
            if candidate.round(format) == Some(target) {
                return Some(trim(digits, sci));
            }
        }
    }
    Some(trim(exact, sci))
}

fn trim(mut digits: Vec<u8>, sci: i64) -> (Vec<u8>, i64) {
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    (digits, sci)
}

/// `digits + 1` in the last place; a carry out adds a digit and bumps the exponent.
fn increment(digits: &[u8], sci: i64) -> (Vec<u8>, i64) {
    let mut out = digits.to_vec();
    for d in out.iter_mut().rev() {
        if *d == 9 {
            *d = 0;
        } else {
            *d += 1;
            return (out, sci);
        }
    }
    out.insert(0, 1);
    out.pop();
    (out, sci + 1)
}

/// Every decimal digit of `mantissa × 2^exponent` (non-zero), and the decimal exponent
/// of the first digit.
fn exact_decimal(mantissa: u128, exponent: i32) -> (Vec<u8>, i64) {
    let mut n = Big::from_u128(mantissa);
    let scale = if exponent >= 0 {
        n.shl(exponent as u32);
        0
    } else {
        // m / 2^k = m × 5^k / 10^k
        let k = exponent.unsigned_abs();
        for _ in 0..k / 13 {
            n.mul_small(5u32.pow(13));
        }
        n.mul_small(5u32.pow(k % 13));
        -(k as i64)
    };
    let digits = n.into_decimal();
    let sci = digits.len() as i64 - 1 + scale;
    let (digits, _) = trim(digits, sci);
    (digits, sci)
}

/// An unsigned big integer: little-endian 32-bit limbs, no leading zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big {
    limbs: Vec<u32>,
}

impl Big {
    fn from_u128(mut x: u128) -> Big {
        let mut limbs = Vec::new();
        while x != 0 {
            limbs.push(x as u32);
            x >>= 32;
        }
        Big { limbs }
    }

    fn normalize(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    fn bit_len(&self) -> u64 {
        match self.limbs.last() {
            None => 0,
            Some(&top) => 32 * (self.limbs.len() as u64 - 1) + 32 - top.leading_zeros() as u64,
        }
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            let v = *limb as u64 * m as u64 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
        self.normalize();
    }

    fn add_small(&mut self, a: u32) {
        let mut carry = a as u64;
        for limb in &mut self.limbs {
            if carry == 0 {
                return;
            }
            let v = *limb as u64 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_small(1_000_000_000);
            n -= 9;
        }
        self.mul_small(10u32.pow(n));
    }

    fn shl(&mut self, bits: u32) {
        if self.limbs.is_empty() {
            return;
        }
        let words = (bits / 32) as usize;
        let bits = bits % 32;
        if bits != 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let v = *limb;
                *limb = (v << bits) | carry;
                carry = v >> (32 - bits);
            }
            if carry != 0 {
                self.limbs.push(carry);
            }
        }
        if words != 0 {
            self.limbs.splice(0..0, std::iter::repeat_n(0, words));
        }
    }

    fn shr1(&mut self) {
        let mut carry = 0u32;
        for limb in self.limbs.iter_mut().rev() {
            let v = *limb;
            *limb = (v >> 1) | (carry << 31);
            carry = v & 1;
        }
        self.normalize();
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }

    /// `self -= other`, with `self >= other`.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.limbs.iter_mut().enumerate() {
            let o = other.limbs.get(i).copied().unwrap_or(0) as i64;
            let mut v = *limb as i64 - o - borrow;
            borrow = 0;
            if v < 0 {
                v += 1 << 32;
                borrow = 1;
            }
            *limb = v as u32;
        }
        debug_assert_eq!(borrow, 0);
        self.normalize();
    }

    /// `(self / den, whether the remainder is zero)`, for a quotient below 2^127.
    fn div_small_quotient(mut self, den: &Big) -> (u128, bool) {
        let shift = self.bit_len().saturating_sub(den.bit_len());
        debug_assert!(shift < 127);
        let mut d = den.clone();
        d.shl(shift as u32);
        let mut q = 0u128;
        for i in (0..=shift).rev() {
            if self.cmp(&d) != Ordering::Less {
                self.sub_assign(&d);
                q |= 1 << i;
            }
            d.shr1();
        }
        (q, self.limbs.is_empty())
    }

    /// `self % m` after `self /= m`.
    fn div_rem_small(&mut self, m: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.limbs.iter_mut().rev() {
            let v = (rem << 32) | *limb as u64;
            *limb = (v / m as u64) as u32;
            rem = v % m as u64;
        }
        self.normalize();
        rem as u32
    }

    /// Decimal digits, most significant first (`[0]` for zero).
    fn into_decimal(mut self) -> Vec<u8> {
        let mut chunks = Vec::new();
        while !self.limbs.is_empty() {
            chunks.push(self.div_rem_small(1_000_000_000));
        }
        let mut out = Vec::with_capacity(chunks.len() * 9);
        for (i, chunk) in chunks.iter().rev().enumerate() {
            let text = if i == 0 {
                chunk.to_string()
            } else {
                format!("{chunk:09}")
            };
            out.extend(text.bytes().map(|b| b - b'0'));
        }
        if out.is_empty() {
            out.push(0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(text: &str) -> Decimal {
        let (mant, exp) = text.split_once('e').unwrap_or((text, "0"));
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
        Decimal {
            negative: false,
            digits,
            radix: 10,
            exponent: exp.parse::<i64>().unwrap() - frac.len() as i64,
        }
    }

    fn parse64(text: &str) -> f64 {
        rounded_f64(dec(text).round(F64).unwrap())
    }

    /// The shortest digits the way Rust prints them: `{:e}`.
    fn rust_shortest(x: f64) -> (Vec<u8>, i64) {
        let s = format!("{:e}", x.abs());
        let (m, e) = s.split_once('e').unwrap();
        let digits = m.bytes().filter(|b| b.is_ascii_digit()).map(|b| b - b'0');
        (digits.collect(), e.parse().unwrap())
    }

    #[test]
    fn decimal_to_double_edge_cases() {
        for text in [
            "0.1",
            "1",
            "2.2250738585072014e-308",
            "2.2250738585072011e-308",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "9007199254740993",
            "9007199254740995",
            "123456789012345678901234567890e-40",
            "1e23",
            "8.98846567431158e307",
        ] {
            let want: f64 = text.parse().unwrap();
            assert_eq!(parse64(text).to_bits(), want.to_bits(), "{text}");
        }
        assert_eq!(parse64("1e400"), f64::INFINITY);
        assert_eq!(parse64("1e-400"), 0.0);
    }

    #[test]
    fn long_double_tenth_is_correctly_rounded() {
        // 0.1L = 0xCCCCCCCCCCCCCCCD × 2^-67 (round up: the next bits are 1100...).
        let r = dec("0.1").round(X87).unwrap();
        let bytes = rounded_x87(r);
        assert_eq!(
            Binary::from_x87(bytes),
            Binary::Finite {
                negative: false,
                mantissa: 0xCCCC_CCCC_CCCC_CCCD,
                exponent: -67
            }
        );
        // The largest finite long double, and just beyond it.
        let max = dec("1.18973149535723176502e4932").round(X87).unwrap();
        assert!(matches!(
            max,
            Rounded::Finite {
                exponent: 16383,
                mantissa,
                ..
            } if mantissa == u64::MAX as u128
        ));
        assert_eq!(dec("1.2e4932").round(X87), Some(Rounded::Infinite(false)));
        // The smallest denormal, 2^-16445.
        let tiny = dec("3.6451995318824746025e-4951").round(X87).unwrap();
        assert_eq!(
            tiny,
            Rounded::Finite {
                negative: false,
                mantissa: 1,
                exponent: -16382
            }
        );
        assert_eq!(dec("1e-4952").round(X87), Some(Rounded::Zero(false)));
    }

    #[test]
    fn shortest_long_double_examples() {
        let third = Binary::from_x87(rounded_x87(
            dec("0.333333333333333333333333").round(X87).unwrap(),
        ));
        let (digits, e) = shortest(third, X87).unwrap();
        // 0.33333333333333333334: as glibc's strtold and printf("%.20Lg") agree.
        assert_eq!(e, -1);
        let mut want = vec![3; 19];
        want.push(4);
        assert_eq!(digits, want);
        let tenth = Binary::from_x87(rounded_x87(dec("0.1").round(X87).unwrap()));
        assert_eq!(shortest(tenth, X87).unwrap(), (vec![1], -1));
        // 0.1 as a double is not 0.1 as a long double.
        // 0.10000000000000000555
        let (digits, _) = shortest(Binary::from_f64(0.1), X87).unwrap();
        assert_eq!(
            digits,
            [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5]
        );
    }

    #[test]
    fn shortest_ties_round_up_like_rust() {
        // 1906878.25f: 1906878.2 and 1906878.3 are equally near and both read back.
        let x = f32::from_bits(1239991794);
        let (digits, e) = shortest(Binary::from_f32(x), F32).unwrap();
        assert_eq!(format!("{x:e}"), "1.9068783e6");
        assert_eq!((digits, e), (vec![1, 9, 0, 6, 8, 7, 8, 3], 6));
    }

    #[test]
    fn too_many_digits_is_refused() {
        let long = Decimal {
            negative: false,
            digits: vec![1; MAX_DIGITS + 1],
            radix: 10,
            exponent: 0,
        };
        assert_eq!(long.round(F64), None);
    }

    proptest! {
        #[test]
        fn shortest_matches_rust_for_f64(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            prop_assume!(x.is_finite() && x != 0.0);
            prop_assert_eq!(shortest(Binary::from_f64(x), F64).unwrap(), rust_shortest(x));
        }

        #[test]
        fn shortest_matches_rust_for_f32(bits in any::<u32>()) {
            let x = f32::from_bits(bits);
            prop_assume!(x.is_finite() && x != 0.0);
            let s = format!("{:e}", x.abs());
            let (m, e) = s.split_once('e').unwrap();
            let want: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
            prop_assert_eq!(shortest(Binary::from_f32(x), F32).unwrap(), (want, e.parse().unwrap()));
        }

        #[test]
        fn parsing_matches_rust_for_f64(bits in any::<u64>(), digits in 1usize..25) {
            let x = f64::from_bits(bits);
            prop_assume!(x.is_finite());
            let text = format!("{:.*e}", digits, x.abs());
            let want: f64 = text.parse().unwrap();
            prop_assert_eq!(parse64(&text).to_bits(), want.to_bits(), "{}", text);
        }

        #[test]
        fn f64_through_x87_is_exact(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            prop_assume!(!x.is_nan());
            let b = Binary::from_f64(x);
            prop_assert_eq!(Binary::from_x87(b.to_x87()).to_f64().to_bits(), x.to_bits());
        }
    }
}
