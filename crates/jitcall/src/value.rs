//! Values of C types, and their conversion to and from the bytes a C function sees.
//!
//! [`Value`] mirrors [`Type`]: one variant per scalar, with the same name, and
//! `Struct`, `Union`, `Array`, `Complex` for aggregates. [`Value::store`] checks a value
//! against its type (a mismatch is an [`Error`], never undefined behaviour) and writes
//! it in the type's layout; [`Value::load`] reads one back. Padding is left untouched.

use crate::{Error, Type};
use std::ffi::c_void;
use std::fmt;
use std::mem::{Discriminant, MaybeUninit, discriminant};

/// An x87 80-bit extended-precision number, as stored in the low 10 bytes of a C
/// `long double`.
///
/// Rust has no 80-bit float; this type converts to and from `f64` (exactly from `f64`,
/// rounding to nearest-even into `f64`) and keeps the raw bytes so no value is lost in
/// a round trip through jitcall.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LongDouble {
    bytes: [u8; 10],
}

impl LongDouble {
    /// The long double with these 10 little-endian bytes (64-bit significand with its
    /// explicit integer bit, then sign and 15-bit exponent).
    pub fn from_bytes(bytes: [u8; 10]) -> Self {
        LongDouble { bytes }
    }

    /// The 10 bytes of this value.
    pub fn to_bytes(self) -> [u8; 10] {
        self.bytes
    }

    fn parts(self) -> (bool, u16, u64) {
        let mut m = [0u8; 8];
        m.copy_from_slice(&self.bytes[..8]);
        let se = u16::from_le_bytes([self.bytes[8], self.bytes[9]]);
        (se & 0x8000 != 0, se & 0x7fff, u64::from_le_bytes(m))
    }

    fn from_parts(sign: bool, exp: u16, mant: u64) -> Self {
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&mant.to_le_bytes());
        let se = exp | if sign { 0x8000 } else { 0 };
        bytes[8..].copy_from_slice(&se.to_le_bytes());
        LongDouble { bytes }
    }

    /// The exact extended-precision value of `x` (every `f64` is representable).
    pub fn from_f64(x: f64) -> Self {
        let bits = x.to_bits();
        let sign = bits >> 63 != 0;
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        if exp == 0x7ff {
            // Infinity keeps a bare integer bit; NaNs keep their payload, quiet bit included.
            return Self::from_parts(sign, 0x7fff, (1 << 63) | (frac << 11));
        }
        if exp == 0 {
            if frac == 0 {
                return Self::from_parts(sign, 0, 0);
            }
            // Subnormal double: normalise, since the x87 format has range to spare.
            let shift = frac.leading_zeros(); // >= 12
            let mant = frac << shift;
            let e = -1022 - (shift as i32 - 11) + 16383;
            return Self::from_parts(sign, e as u16, mant);
        }
        let mant = (1 << 63) | (frac << 11);
        Self::from_parts(sign, (exp - 1023 + 16383) as u16, mant)
    }

    /// The nearest `f64` (round to nearest, ties to even; overflow gives infinity).
    pub fn to_f64(self) -> f64 {
        let (sign, exp, mant) = self.parts();
        let sign_bit = (sign as u64) << 63;
        if exp == 0x7fff {
            if mant << 1 == 0 {
                return f64::from_bits(sign_bit | (0x7ff << 52));
            }
            return f64::from_bits(sign_bit | (0x7ff << 52) | (1 << 51) | ((mant << 1) >> 12));
        }
        if mant == 0 {
            return f64::from_bits(sign_bit);
        }
        // Value = mant * 2^(e - 63), with e the unbiased exponent of the integer bit.
        // Denormal long doubles have an exponent of 1 - 16383 and no integer bit.
        let e = if exp == 0 {
            1 - 16383
        } else {
            exp as i32 - 16383
        };
        let lz = mant.leading_zeros() as i32;
        let e = e - lz; // exponent of the leading one bit
        let mant = mant << lz;
        if e > 1023 {
            return f64::from_bits(sign_bit | (0x7ff << 52));
        }
        // Bits of precision kept: 53 for normal results, fewer for subnormal ones.
        let keep = if e >= -1022 { 53 } else { 53 - (-1022 - e) };
        if keep <= 0 {
            // Below half the smallest subnormal rounds to zero; above it, to that subnormal.
            let half_min = keep == 0 && mant > (1 << 63);
            return f64::from_bits(sign_bit | half_min as u64);
        }
        let drop = 64 - keep as u32;
        let mut kept = mant >> drop;
        let rest = mant & ((1u64 << drop) - 1);
        let half = 1u64 << (drop - 1);
        if rest > half || (rest == half && kept & 1 == 1) {
            kept += 1;
        }
        let bits = if e >= -1022 {
            // kept has 53 bits (54 if rounding carried into a new power of two).
            let (kept, e) = if kept >> 53 != 0 {
                (kept >> 1, e + 1)
            } else {
                (kept, e)
            };
            if e > 1023 {
                return f64::from_bits(sign_bit | (0x7ff << 52));
            }
            (((e + 1023) as u64) << 52) | (kept & ((1 << 52) - 1))
        } else {
            // Subnormal: kept is the raw fraction; a carry into bit 52 makes it normal.
            kept
        };
        f64::from_bits(sign_bit | bits)
    }
}

/// The shortest decimal that reads back (as a `long double`) to the same 80 bits, as
/// the command line prints it: `1.4142135623730950488`, `-inf`, `nan`.
impl fmt::Display for LongDouble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::literal::format_long_double(*self))
    }
}

/// `LongDouble(` the [`Display`](fmt::Display) form `)`: exact, unlike the nearest
/// `f64`.
impl fmt::Debug for LongDouble {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LongDouble({self})")
    }
}

impl From<f64> for LongDouble {
    fn from(x: f64) -> Self {
        LongDouble::from_f64(x)
    }
}

/// What every IEEE bits type (`_Float16`, `__bf16`, `_Float128`) shares: the struct, a
/// transparent wrapper of its bits; `from_bits` and `to_bits`; `Display` as the shortest
/// decimal that reads back to the same bits (by `$format`); `Debug`; plain data.
macro_rules! float_bits {
    ($(#[$doc:meta])* $name:ident($bits:ty), $c:literal, $format:path) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name($bits);

        impl $name {
            #[doc = concat!("The `", $c, "` with these bits.")]
            pub const fn from_bits(bits: $bits) -> Self {
                $name(bits)
            }

            /// The bits of this value.
            pub const fn to_bits(self) -> $bits {
                self.0
            }
        }

        #[doc = concat!("The shortest decimal that reads back (as a `", $c, "`) to the same bits.")]
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&$format(*self))
            }
        }

        #[doc = concat!("`", stringify!($name), "(` the [`Display`](fmt::Display) form `)`.")]
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        // SAFETY: a transparent wrapper of an unsigned integer: every bit pattern is a
        // value, and there is no padding.
        unsafe impl crate::AnyBits for $name {}
        // SAFETY: as above.
        unsafe impl crate::Plain for $name {}
    };
}

float_bits! {
    /// A C `_Float16` (IEEE 754 binary16), as its bits.
    ///
    /// Stable Rust has no `f16`; this type keeps the exact bits and converts to and from
    /// `f32` (exactly to `f32`, rounding to nearest-even from it). It is plain data
    /// ([`crate::Plain`]), so a frame slot of a `_Float16` reads and writes it directly.
    /// It is deliberately not a [`crate::CType`]: Rust's `extern "C"` would pass it in an
    /// integer register, where C passes a `_Float16` in `xmm`.
    Float16(u16), "_Float16", crate::literal::format_float16
}

impl Float16 {
    /// The `_Float16` nearest to `x` (ties to even; beyond the range, infinity).
    pub fn from_f32(x: f32) -> Self {
        Float16(crate::literal::float::Binary::from_f32(x).to_f16())
    }

    /// The `_Float16` nearest to `x`, rounded once (not through `f32`).
    pub fn from_f64(x: f64) -> Self {
        Float16(crate::literal::float::Binary::from_f64(x).to_f16())
    }

    /// The exact value as an `f32` (every `_Float16` is one).
    pub fn to_f32(self) -> f32 {
        crate::literal::float::Binary::from_f16(self.0).to_f32()
    }
}

float_bits! {
    /// A C `__bf16` (bfloat16: the top 16 bits of an IEEE 754 binary32), as its bits.
    ///
    /// Like [`Float16`]: the exact bits, converting exactly to `f32` and rounding to
    /// nearest-even from it; plain data, but not a [`crate::CType`] (C passes a `__bf16` in
    /// `xmm`).
    BFloat16(u16), "__bf16", crate::literal::format_bfloat16
}

impl BFloat16 {
    /// The `__bf16` nearest to `x` (ties to even; beyond the range, infinity).
    pub fn from_f32(x: f32) -> Self {
        BFloat16(crate::literal::float::Binary::from_f32(x).to_bf16())
    }

    /// The `__bf16` nearest to `x`, rounded once (not through `f32`).
    pub fn from_f64(x: f64) -> Self {
        BFloat16(crate::literal::float::Binary::from_f64(x).to_bf16())
    }

    /// The exact value as an `f32` (every `__bf16` is one: its bits are the top half).
    pub fn to_f32(self) -> f32 {
        f32::from_bits(u32::from(self.0) << 16)
    }
}

float_bits! {
    /// A C `_Float128` (`__float128`, IEEE 754 binary128), as its bits.
    ///
    /// Stable Rust has no `f128`; this type keeps the exact bits and converts to and from
    /// `f64` (exactly from `f64`, rounding to nearest-even into it). Like [`Float16`] it is
    /// plain data but not a [`crate::CType`] (C passes it in `xmm`, Rust's `extern "C"`
    /// would pass a `u128` in two integer registers).
    Float128(u128), "_Float128", crate::literal::format_float128
}

impl Float128 {
    /// The exact value of `x` (every `f64` is a `_Float128`).
    pub fn from_f64(x: f64) -> Self {
        Float128(crate::literal::float::Binary::from_f64(x).to_f128())
    }

    /// The nearest `f64` (ties to even; beyond the range, infinity).
    pub fn to_f64(self) -> f64 {
        crate::literal::float::Binary::from_f128(self.0).to_f64()
    }
}

impl From<f64> for Float128 {
    fn from(x: f64) -> Self {
        Float128::from_f64(x)
    }
}

/// A C23 `_BitInt(N)` or `unsigned _BitInt(N)` value: `N` bits as little-endian 64-bit
/// limbs (`N` rounded up to a multiple of 64), the bits above `N` in the top limb a
/// copy of the sign (signed) or zero (unsigned). Any width up to
/// [`crate::MAX_BITINT_WIDTH`]; [`BitInt::to_i128`] and [`BitInt::to_u128`] read
/// the narrow ones.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BitInt {
    bits: u32,
    signed: bool,
    limbs: Box<[u64]>,
}

impl BitInt {
    /// `value` as a `_BitInt(bits)` (`signed`) or `unsigned _BitInt(bits)`; `None` when
    /// it does not fit in `bits` bits or the width is out of range.
    pub fn new(bits: u32, signed: bool, value: i128) -> Option<BitInt> {
        BitInt::from_parts(bits, signed, value < 0, value.unsigned_abs())
    }

    /// `-magnitude` (if `negative`) or `magnitude` as a `_BitInt(bits)` (`signed`) or
    /// `unsigned _BitInt(bits)`; `None` when it does not fit or the width is out of
    /// range.
    pub fn from_parts(bits: u32, signed: bool, negative: bool, magnitude: u128) -> Option<BitInt> {
        Type::BitInt { bits, signed }.layout().ok()?;
        let negative = negative && magnitude != 0;
        // The largest magnitude each sign allows, capped at what a u128 holds.
        let room = if signed { bits - 1 } else { bits };
        let max = if room >= 128 {
            u128::MAX
        } else {
            (1u128 << room) - 1
        };
        let fits = match (negative, signed) {
            (true, false) => false,
            (true, true) => magnitude - 1 <= max,
            (false, _) => magnitude <= max,
        };
        if !fits {
            return None;
        }
        let v = if negative {
            magnitude.wrapping_neg()
        } else {
            magnitude
        };
        let fill = if negative { u64::MAX } else { 0 };
        let mut limbs = vec![fill; bits.div_ceil(64) as usize];
        limbs[0] = v as u64;
        if limbs.len() > 1 {
            limbs[1] = (v >> 64) as u64;
        }
        Some(BitInt::canonical(bits, signed, limbs))
    }

    /// The `_BitInt(bits)` whose low `bits` bits are those of `bytes` (little-endian;
    /// missing bytes read as zero, bits above `bits` are ignored): how a value is read
    /// back from memory or registers, whose bits above `N` the psABI leaves
    /// unspecified. `None` for a width out of range.
    pub fn from_le_bytes(bits: u32, signed: bool, bytes: &[u8]) -> Option<BitInt> {
        Type::BitInt { bits, signed }.layout().ok()?;
        let mut limbs = vec![0u64; bits.div_ceil(64) as usize];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks(8)) {
            let mut a = [0u8; 8];
            a[..chunk.len()].copy_from_slice(chunk);
            *limb = u64::from_le_bytes(a);
        }
        Some(BitInt::canonical(bits, signed, limbs))
    }

    /// `limbs` with the bits above `bits` set to copies of bit `bits - 1` (signed) or
    /// cleared (unsigned).
    fn canonical(bits: u32, signed: bool, mut limbs: Vec<u64>) -> BitInt {
        let top = (bits - 1) % 64 + 1;
        if let Some(last) = limbs.last_mut()
            && top < 64
        {
            let shift = 64 - top;
            *last = if signed {
                ((*last << shift) as i64 >> shift) as u64
            } else {
                (*last << shift) >> shift
            };
        }
        BitInt {
            bits,
            signed,
            limbs: limbs.into(),
        }
    }

    /// `N`.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Whether this is a `_BitInt(N)` rather than an `unsigned _BitInt(N)`.
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// The type of this value.
    pub fn ty(&self) -> Type {
        Type::BitInt {
            bits: self.bits,
            signed: self.signed,
        }
    }

    /// The value's limbs, least significant first, the top one extended (see
    /// [`BitInt`]).
    pub fn limbs(&self) -> &[u64] {
        &self.limbs
    }

    /// Whether the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.signed && self.limbs.last().is_some_and(|l| (*l as i64) < 0)
    }

    /// The value as an `i128`, if it fits.
    pub fn to_i128(&self) -> Option<i128> {
        let fill = if self.is_negative() { u64::MAX } else { 0 };
        let lo = self.limbs[0];
        let hi = self.limbs.get(1).copied().unwrap_or(fill);
        if self.limbs.iter().skip(2).any(|l| *l != fill) {
            return None;
        }
        let v = (u128::from(hi) << 64 | u128::from(lo)) as i128;
        ((v < 0) == self.is_negative()).then_some(v)
    }

    /// The value as a `u128`, if it fits.
    pub fn to_u128(&self) -> Option<u128> {
        if self.is_negative() {
            return None;
        }
        let hi = self.limbs.get(1).copied().unwrap_or(0);
        if self.limbs.iter().skip(2).any(|l| *l != 0) {
            return None;
        }
        Some(u128::from(hi) << 64 | u128::from(self.limbs[0]))
    }

    /// The bytes of the value in memory, `size` of them (the type's size): the low
    /// bytes of the extended limbs.
    fn write_to(&self, out: &mut [u8]) {
        for (chunk, limb) in out.chunks_mut(8).zip(self.limbs.iter()) {
            chunk.copy_from_slice(&limb.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// The value in decimal (no suffix).
impl fmt::Display for BitInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let negative = self.is_negative();
        // The magnitude, by two's complement negation of the limbs.
        let mut mag: Vec<u64> = self.limbs.to_vec();
        if negative {
            let mut carry = true;
            for l in &mut mag {
                let (v, c) = (!*l).overflowing_add(carry as u64);
                *l = v;
                carry = c;
            }
        }
        // Repeated division by 10^19, collecting 19-digit groups.
        const GROUP: u64 = 10_000_000_000_000_000_000;
        let mut groups = Vec::new();
        while mag.iter().any(|l| *l != 0) {
            let mut rem = 0u128;
            for l in mag.iter_mut().rev() {
                let cur = rem << 64 | u128::from(*l);
                *l = (cur / u128::from(GROUP)) as u64;
                rem = cur % u128::from(GROUP);
            }
            groups.push(rem as u64);
        }
        let mut text = if negative {
            String::from("-")
        } else {
            String::new()
        };
        match groups.split_last() {
            None => text.push('0'),
            Some((first, rest)) => {
                text.push_str(&first.to_string());
                for g in rest.iter().rev() {
                    text.push_str(&format!("{g:019}"));
                }
            }
        }
        f.pad(&text)
    }
}

/// `BitInt(` the value `: ` the type `)`.
impl fmt::Debug for BitInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BitInt({self}: {})", self.ty())
    }
}

/// A value of a C [`Type`].
///
/// A parameter takes the variant named after its type, and also the variant of any type
/// with the same representation on x86-64: `Char` and `SChar` (plain `char` is signed),
/// `Long` and `LongLong`, `ULong` and `ULongLong`. Nothing else converts implicitly: an
/// `Int` for a `long`, or a `Double` for a `float`, is an error. Loaded values (results,
/// [`crate::Frame::arg_value`]) always take the type's own variant.
///
/// `From` builds the variant of a Rust value's C counterpart: `Value::from(2.0)` is a
/// `Double`, `Value::from(7i32)` an `Int`, `i64` and `isize` a `Long`, `u64` and
/// `usize` a `ULong`, `i8` a `Char`, any raw pointer or `&CStr` a `Pointer` (the
/// pointer only: the string must outlive the call), `()` `Void`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// The result of a `void` function.
    Void,
    /// `_Bool`.
    Bool(bool),
    /// `char`.
    Char(i8),
    /// `signed char`.
    SChar(i8),
    /// `unsigned char`.
    UChar(u8),
    /// `short`.
    Short(i16),
    /// `unsigned short`.
    UShort(u16),
    /// `int`.
    Int(i32),
    /// `unsigned int`.
    UInt(u32),
    /// `long`.
    Long(i64),
    /// `unsigned long`.
    ULong(u64),
    /// `long long`.
    LongLong(i64),
    /// `unsigned long long`.
    ULongLong(u64),
    /// `__int128`.
    Int128(i128),
    /// `unsigned __int128`.
    UInt128(u128),
    /// `float`.
    Float(f32),
    /// `double`.
    Double(f64),
    /// `long double`.
    LongDouble(LongDouble),
    /// `_Float16`.
    Float16(Float16),
    /// `__bf16`.
    BFloat16(BFloat16),
    /// `_Float128`.
    Float128(Float128),
    /// `_BitInt(N)` or `unsigned _BitInt(N)`: the value must have the parameter's
    /// width and signedness.
    BitInt(BitInt),
    /// A pointer.
    Pointer(*mut c_void),
    /// A struct: one value per member, in order. A bit-field's value is a value of its
    /// declared type that fits its width (`int x : 3` holds -4 to 3; a signed bit-field
    /// reads back sign-extended). An unnamed bit-field is padding: it has a value of its
    /// type too, which is never written and reads as 0.
    Struct(Vec<Value>),
    /// A union: the member written (by index) and its value.
    Union {
        /// Index of the member this value is for.
        member: usize,
        /// The member's value.
        value: Box<Value>,
    },
    /// An array member: one value per element.
    Array(Vec<Value>),
    /// A complex number: real and imaginary parts, each of the element type.
    Complex(Box<Value>, Box<Value>),
    /// A GNU vector (`__m128`, `float __attribute__((vector_size(16)))`): one value
    /// per lane, of the element type.
    Vector(Vec<Value>),
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value {
                Value::$variant(x as _)
            }
        }
    )*};
}

value_from!(
    bool => Bool, i8 => Char, u8 => UChar, i16 => Short, u16 => UShort, i32 => Int,
    u32 => UInt, i64 => Long, isize => Long, u64 => ULong, usize => ULong,
    i128 => Int128, u128 => UInt128, f32 => Float, f64 => Double,
);

impl From<LongDouble> for Value {
    fn from(x: LongDouble) -> Value {
        Value::LongDouble(x)
    }
}

impl From<BFloat16> for Value {
    fn from(x: BFloat16) -> Value {
        Value::BFloat16(x)
    }
}

impl From<Float16> for Value {
    fn from(x: Float16) -> Value {
        Value::Float16(x)
    }
}

impl From<Float128> for Value {
    fn from(x: Float128) -> Value {
        Value::Float128(x)
    }
}

impl<T> From<*const T> for Value {
    fn from(p: *const T) -> Value {
        Value::Pointer(p.cast_mut().cast())
    }
}

impl<T> From<*mut T> for Value {
    fn from(p: *mut T) -> Value {
        Value::Pointer(p.cast())
    }
}

/// The string's address: it must outlive every call that passes the value.
impl From<&std::ffi::CStr> for Value {
    fn from(s: &std::ffi::CStr) -> Value {
        Value::Pointer(s.as_ptr().cast_mut().cast())
    }
}

impl From<()> for Value {
    fn from((): ()) -> Value {
        Value::Void
    }
}

/// Where a value sits, for error messages; formatted only when an error is reported,
/// so checking values allocates nothing.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    /// A name such as `value` or `result`.
    Root(&'static str),
    /// Argument `n`.
    Arg(usize),
    /// A member of an aggregate, by name or index.
    Member(&'a Path<'a>, Option<&'a str>, usize),
    /// An array element.
    Element(&'a Path<'a>, usize),
    /// The real or imaginary part of a complex value.
    Part(&'a Path<'a>, &'static str),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Arg(n) => write!(f, "argument {n}"),
            Path::Member(p, Some(name), _) => write!(f, "{p}.{name}"),
            Path::Member(p, None, i) => write!(f, "{p} member {i}"),
            Path::Element(p, i) => write!(f, "{p}[{i}]"),
            Path::Part(p, part) => write!(f, "{p} {part} part"),
        }
    }
}

impl Value {
    /// A short description of this value's kind, for error messages.
    pub fn kind_name(&self) -> String {
        match self {
            Value::Void => "void".into(),
            Value::Bool(_) => "_Bool".into(),
            Value::Char(_) => "char".into(),
            Value::SChar(_) => "signed char".into(),
            Value::UChar(_) => "unsigned char".into(),
            Value::Short(_) => "short".into(),
            Value::UShort(_) => "unsigned short".into(),
            Value::Int(_) => "int".into(),
            Value::UInt(_) => "unsigned int".into(),
            Value::Long(_) => "long".into(),
            Value::ULong(_) => "unsigned long".into(),
            Value::LongLong(_) => "long long".into(),
            Value::ULongLong(_) => "unsigned long long".into(),
            Value::Int128(_) => "__int128".into(),
            Value::UInt128(_) => "unsigned __int128".into(),
            Value::Float(_) => "float".into(),
            Value::Double(_) => "double".into(),
            Value::LongDouble(_) => "long double".into(),
            Value::Float16(_) => "_Float16".into(),
            Value::BFloat16(_) => "__bf16".into(),
            Value::Float128(_) => "__float128".into(),
            Value::BitInt(v) => v.ty().to_string(),
            Value::Pointer(_) => "pointer".into(),
            Value::Struct(v) => format!("struct of {} value(s)", v.len()),
            Value::Union { member, .. } => format!("union member {member}"),
            Value::Array(v) => format!("array of {} value(s)", v.len()),
            Value::Complex(..) => "complex".into(),
            Value::Vector(v) => format!("vector of {} value(s)", v.len()),
        }
    }

    /// The bytes of this value laid out as `ty` (padding zeroed), after checking that
    /// the value has `ty`'s shape. Useful with [`crate::Function::call_raw`].
    pub fn to_bytes(&self, ty: &Type) -> Result<Vec<u8>, Error> {
        let mut out = vec![0u8; ty.layout()?.size as usize];
        self.store(ty, &mut out, &Path::Root("value"))?;
        Ok(out)
    }

    /// Reads a value of type `ty` from `bytes`, which must hold at least `sizeof(ty)`
    /// bytes.
    pub fn from_bytes(ty: &Type, bytes: &[u8]) -> Result<Value, Error> {
        if matches!(ty, Type::Void) {
            return Ok(Value::Void);
        }
        let size = ty.layout()?.size as usize;
        if bytes.len() < size {
            return Err(Error::ValueMismatch {
                path: "value".into(),
                expected: format!("{ty} ({size} bytes)"),
                found: format!("{} bytes", bytes.len()),
            });
        }
        Value::load(ty, bytes)
    }

    /// Checks this value against `ty` and writes it into `out`, which must be exactly
    /// `ty`'s size. `path` names the value in errors.
    pub(crate) fn store(&self, ty: &Type, out: &mut [u8], path: &Path<'_>) -> Result<(), Error> {
        let mismatch = |expected: String| Error::ValueMismatch {
            path: path.to_string(),
            expected,
            found: self.kind_name(),
        };
        macro_rules! put {
            ($v:expr) => {{
                let b = $v.to_le_bytes();
                out[..b.len()].copy_from_slice(&b);
            }};
        }
        match (ty, self) {
            (Type::Bool, Value::Bool(v)) => out[0] = *v as u8,
            // Variants of one representation are interchangeable (see `Value`): `char`
            // is signed on x86-64, and `long` and `long long` are both 64 bits.
            (Type::Char | Type::SChar, Value::Char(v) | Value::SChar(v)) => put!(v),
            (Type::UChar, Value::UChar(v)) => out[0] = *v,
            (Type::Short, Value::Short(v)) => put!(v),
            (Type::UShort, Value::UShort(v)) => put!(v),
            (Type::Int, Value::Int(v)) => put!(v),
            (Type::UInt, Value::UInt(v)) => put!(v),
            (Type::Long | Type::LongLong, Value::Long(v) | Value::LongLong(v)) => put!(v),
            (Type::ULong | Type::ULongLong, Value::ULong(v) | Value::ULongLong(v)) => put!(v),
            (Type::Int128, Value::Int128(v)) => put!(v),
            (Type::UInt128, Value::UInt128(v)) => put!(v),
            (Type::Float, Value::Float(v)) => put!(v),
            (Type::Double, Value::Double(v)) => put!(v),
            (Type::LongDouble, Value::LongDouble(v)) => {
                out[..10].copy_from_slice(&v.to_bytes());
                // The 6 bytes past the 80-bit value are padding: keep them defined.
                out[10..16].fill(0);
            }
            (Type::Float16, Value::Float16(v)) => put!(v.to_bits()),
            (Type::BFloat16, Value::BFloat16(v)) => put!(v.to_bits()),
            (Type::Float128, Value::Float128(v)) => put!(v.to_bits()),
            (Type::Pointer, Value::Pointer(p)) => put!(*p as usize),
            (Type::BitInt { bits, signed }, Value::BitInt(v))
                if v.bits == *bits && v.signed == *signed =>
            {
                v.write_to(out)
            }
            (Type::Struct(agg), Value::Struct(values)) => {
                if values.len() != agg.fields.len() {
                    return Err(mismatch(format!("{ty} ({} members)", agg.fields.len())));
                }
                agg.place(false, |i, field, place, l| {
                    let at = Path::Member(path, field.name.as_deref(), i);
                    if let Some(bits) = place.bits {
                        let named = field.name.is_some();
                        let raw = bit_field_bits(&field.ty, bits.width, named, &values[i], &at)?;
                        if field.name.is_some() {
                            put_bits(out, bits.absolute(place.offset), bits.width, raw);
                        }
                        return Ok(());
                    }
                    let off = place.offset as usize;
                    values[i].store(&field.ty, &mut out[off..off + l.size as usize], &at)
                })?;
            }
            (Type::Union(agg), Value::Union { member, value }) => {
                let Some(field) = agg.fields.get(*member) else {
                    return Err(mismatch(format!("{ty} ({} members)", agg.fields.len())));
                };
                out.fill(0);
                let at = Path::Member(path, field.name.as_deref(), *member);
                if let Some(width) = field.bits {
                    let raw = bit_field_bits(&field.ty, width, field.name.is_some(), value, &at)?;
                    if field.name.is_some() {
                        put_bits(out, 0, width, raw);
                    }
                } else {
                    let size = field.ty.layout()?.size as usize;
                    value.store(&field.ty, &mut out[..size], &at)?;
                }
            }
            (Type::Array(elem, count), Value::Array(values)) => {
                if values.len() as u64 != *count {
                    return Err(mismatch(ty.to_string()));
                }
                let size = elem.layout()?.size as usize;
                for (i, v) in values.iter().enumerate() {
                    v.store(
                        elem,
                        &mut out[i * size..(i + 1) * size],
                        &Path::Element(path, i),
                    )?;
                }
            }
            (Type::Vector(elem, lanes) | Type::ExtVector(elem, lanes), Value::Vector(values)) => {
                if values.len() as u64 != *lanes {
                    return Err(mismatch(format!("{ty} ({lanes} lanes)")));
                }
                let size = elem.layout()?.size as usize;
                for (i, v) in values.iter().enumerate() {
                    v.store(
                        elem,
                        &mut out[i * size..(i + 1) * size],
                        &Path::Element(path, i),
                    )?;
                }
            }
            (Type::Complex(elem), Value::Complex(re, im)) => {
                let size = elem.layout()?.size as usize;
                re.store(elem, &mut out[..size], &Path::Part(path, "real"))?;
                im.store(
                    elem,
                    &mut out[size..2 * size],
                    &Path::Part(path, "imaginary"),
                )?;
            }
            _ => return Err(mismatch(ty.to_string())),
        }
        Ok(())
    }

    /// Reads a value of type `ty` from `bytes` (at least `ty`'s size). A union reads as
    /// its first member that spans the whole union (or its first member), since the
    /// bytes alone cannot tell which member was written.
    pub(crate) fn load(ty: &Type, bytes: &[u8]) -> Result<Value, Error> {
        if let Some(v) = Codec::read_scalar(ty, 0, bytes, |v| v) {
            return Ok(v);
        }
        Ok(match ty {
            Type::Struct(agg) => {
                let mut values = Vec::with_capacity(agg.fields.len());
                agg.place(false, |_, field, place, _| {
                    values.push(match place.bits {
                        Some(bits) => bit_field_value(
                            field,
                            bits.width,
                            get_bits(bytes, bits.absolute(place.offset), bits.width),
                        ),
                        None => Value::load(&field.ty, &bytes[place.offset as usize..])?,
                    });
                    Ok(())
                })?;
                Value::Struct(values)
            }
            Type::Union(agg) => {
                let size = ty.layout()?.size;
                let mut member = 0;
                for (i, field) in agg.fields.iter().enumerate() {
                    if field.ty.layout()?.size == size {
                        member = i;
                        break;
                    }
                }
                match agg.fields.get(member) {
                    Some(field) => Value::Union {
                        member,
                        value: Box::new(match field.bits {
                            Some(width) => bit_field_value(field, width, get_bits(bytes, 0, width)),
                            None => Value::load(&field.ty, bytes)?,
                        }),
                    },
                    None => Value::Struct(Vec::new()),
                }
            }
            Type::Array(elem, count) | Type::Vector(elem, count) | Type::ExtVector(elem, count) => {
                let size = elem.layout()?.size as usize;
                let mut values = Vec::with_capacity(*count as usize);
                for i in 0..*count as usize {
                    values.push(Value::load(elem, &bytes[i * size..])?);
                }
                if ty.vector_lanes().is_some() {
                    Value::Vector(values)
                } else {
                    Value::Array(values)
                }
            }
            Type::Complex(elem) => {
                let size = elem.layout()?.size as usize;
                Value::Complex(
                    Box::new(Value::load(elem, bytes)?),
                    Box::new(Value::load(elem, &bytes[size..])?),
                )
            }
            _ => unreachable!("read_scalar reads every other type"),
        })
    }
}

/// The bits to store for `v` in a bit-field of type `ty` and `width` bits: `v` must be
/// a value of `ty` (as for any member) that fits in `width` bits, signed or not as `ty`
/// is (`int x : 3` holds -4 to 3, `unsigned y : 3` 0 to 7). For an unnamed bit-field
/// (padding, never written) any value of `ty` will do.
fn bit_field_bits(
    ty: &Type,
    width: u32,
    named: bool,
    v: &Value,
    path: &Path<'_>,
) -> Result<u128, Error> {
    let mismatch = || Error::ValueMismatch {
        path: path.to_string(),
        expected: format!("{ty} (a bit-field of {width} bits)"),
        found: v.kind_name(),
    };
    let kind = Codec::read_scalar(ty, 0, &[0; 16], |z| discriminant(&z)).ok_or_else(mismatch)?;
    if discriminant(v) != kind && !Codec::same_representation(v, kind) {
        return Err(mismatch());
    }
    // An unnamed bit-field is padding: any value of its type stands for it.
    if !named {
        return Ok(0);
    }
    if let (Type::BitInt { bits, signed }, Value::BitInt(x)) = (ty, v) {
        if x.bits != *bits || x.signed != *signed {
            return Err(mismatch());
        }
        let (min, max) = bit_field_range(width, *signed);
        let fits = match (x.to_i128(), x.to_u128()) {
            (Some(value), _) => value >= min && value <= max,
            // Above i128::MAX: only a full 128-bit unsigned field holds it.
            (None, Some(_)) => width == 128 && !*signed,
            (None, None) => false,
        };
        if !fits {
            return Err(Error::invalid(format!(
                "{path}: {x} does not fit in a bit-field `{ty} : {width}` ({min} to {max})"
            )));
        }
        let raw = x
            .to_i128()
            .map_or_else(|| x.to_u128().unwrap_or(0), |v| v as u128);
        return Ok(raw & mask(width));
    }
    // Every bit pattern of a 128-bit unsigned field is its own value.
    if let (Value::UInt128(x), 128) = (v, width) {
        return Ok(*x);
    }
    let Some((value, signed)) = integer_of(v) else {
        return Err(mismatch());
    };
    let (min, max) = bit_field_range(width, signed);
    if value < min || value > max {
        return Err(Error::invalid(format!(
            "{path}: {value} does not fit in a bit-field `{ty} : {width}` ({min} to {max})"
        )));
    }
    Ok(value as u128 & mask(width))
}

/// An integer value as an `i128` (a `unsigned __int128` above `i128::MAX` saturates),
/// and whether its type is signed; `None` for other values.
pub(crate) fn integer_of(v: &Value) -> Option<(i128, bool)> {
    Some(match *v {
        Value::Bool(b) => (b.into(), false),
        Value::Char(x) | Value::SChar(x) => (x.into(), true),
        Value::UChar(x) => (x.into(), false),
        Value::Short(x) => (x.into(), true),
        Value::UShort(x) => (x.into(), false),
        Value::Int(x) => (x.into(), true),
        Value::UInt(x) => (x.into(), false),
        Value::Long(x) | Value::LongLong(x) => (x.into(), true),
        Value::ULong(x) | Value::ULongLong(x) => (x.into(), false),
        Value::Int128(x) => (x, true),
        Value::UInt128(x) => (i128::try_from(x).unwrap_or(i128::MAX), false),
        _ => return None,
    })
}

/// The values a bit-field of `width` bits holds (`width` is 0 to 128).
pub(crate) fn bit_field_range(width: u32, signed: bool) -> (i128, i128) {
    match (signed, width) {
        (_, 0) => (0, 0),
        (true, 128) => (i128::MIN, i128::MAX),
        (true, _) => (-(1i128 << (width - 1)), (1i128 << (width - 1)) - 1),
        // 2^127 - 1 (and, for 128 bits, as far as an i128 reaches: the value check
        // takes full-width `unsigned __int128` values apart).
        (false, 127..) => (0, i128::MAX),
        (false, _) => (0, (1i128 << width) - 1),
    }
}

fn mask(width: u32) -> u128 {
    if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

/// Writes the low `width` bits of `raw` at bit `first` of `out` (bit `b` is bit `b % 8`
/// of byte `b / 8`), leaving the other bits as they are.
fn put_bits(out: &mut [u8], first: u64, width: u32, raw: u128) {
    for k in 0..u64::from(width) {
        let bit = first + k;
        if let Some(byte) = out.get_mut((bit / 8) as usize) {
            let m = 1u8 << (bit % 8);
            if (raw >> k) & 1 == 1 {
                *byte |= m;
            } else {
                *byte &= !m;
            }
        }
    }
}

/// The `width` bits at bit `first` of `bytes`, as the low bits of the result.
fn get_bits(bytes: &[u8], first: u64, width: u32) -> u128 {
    let mut raw = 0u128;
    for k in 0..u64::from(width) {
        let bit = first + k;
        if bytes
            .get((bit / 8) as usize)
            .is_some_and(|b| b >> (bit % 8) & 1 == 1)
        {
            raw |= 1 << k;
        }
    }
    raw
}

/// The value of bit-field `field` (`width` bits) holding `raw`; an unnamed one (padding)
/// reads as 0.
fn bit_field_value(field: &crate::Field, width: u32, raw: u128) -> Value {
    let raw = if field.name.is_some() { raw } else { 0 };
    bits_value(&field.ty, width, raw)
}

/// The value of type `ty` whose `width`-bit pattern is `raw`: sign-extended for a signed
/// type.
fn bits_value(ty: &Type, width: u32, raw: u128) -> Value {
    let shift = 128 - width.clamp(1, 128);
    let signed = ((raw << shift) as i128) >> shift;
    match ty {
        Type::Bool => Value::Bool(raw != 0),
        Type::Char => Value::Char(signed as i8),
        Type::SChar => Value::SChar(signed as i8),
        Type::UChar => Value::UChar(raw as u8),
        Type::Short => Value::Short(signed as i16),
        Type::UShort => Value::UShort(raw as u16),
        Type::Int => Value::Int(signed as i32),
        Type::UInt => Value::UInt(raw as u32),
        Type::Long => Value::Long(signed as i64),
        Type::ULong => Value::ULong(raw as u64),
        Type::LongLong => Value::LongLong(signed as i64),
        Type::ULongLong => Value::ULongLong(raw as u64),
        Type::Int128 => Value::Int128(signed),
        Type::UInt128 => Value::UInt128(raw),
        Type::BitInt {
            bits,
            signed: is_signed,
        } => {
            let value = if *is_signed { signed as u128 } else { raw };
            let size = ty.scalar_layout().map_or(16, |l| l.size as usize).min(16);
            BitInt::from_le_bytes(*bits, *is_signed, &value.to_le_bytes()[..size])
                .map_or(Value::Void, Value::BitInt)
        }
        _ => Value::Void,
    }
}

/// A type's value conversion compiled once: every member's offset resolved, so storing
/// and loading a value walks only the value, never the type's layout again. Built per
/// signature by [`crate::Function::call`] on first use.
///
/// It accepts exactly what [`Value::store`] accepts and writes the same bytes, and
/// [`Codec::load`] reads what [`Value::load`] reads (`tests/value_codec.rs` holds them
/// equal on every type the fuzzer generates, through [`CodecCheck`]); on a mismatch it
/// gives up and the caller re-runs `Value::store`, which produces the precise error.
#[derive(Debug)]
pub(crate) enum Codec {
    /// A scalar of type `ty` at `offset` (32 bits, as in a plan: adding a scalar's size
    /// cannot overflow, so a bounds check is one comparison), and the `Value` variant
    /// the type takes.
    Scalar {
        ty: Type,
        offset: u32,
        kind: Discriminant<Value>,
    },
    /// A bit-field of type `ty` (an integer type), `width` bits from bit `bit` of the
    /// buffer; an unnamed one (`named` false) is padding: its value is checked and not
    /// written, and reads as 0.
    BitField {
        ty: Type,
        bit: u64,
        width: u32,
        named: bool,
    },
    /// A `_BitInt` at `offset`: its value's width is checked against the type's, which
    /// the scalar kind alone does not carry.
    BitInt { ty: Type, offset: u32 },
    /// A struct: one codec per member.
    Struct(Box<[Codec]>),
    /// A union of `size` bytes at `offset`: one codec per member, and the member a
    /// loaded value reads as.
    Union {
        offset: usize,
        size: usize,
        members: Box<[Codec]>,
        read_as: usize,
    },
    /// An array: one codec per element.
    Array(Box<[Codec]>),
    /// A vector: one codec per lane.
    Vector(Box<[Codec]>),
    /// A complex number.
    Complex(Box<[Codec; 2]>),
}

impl Codec {
    /// The codec of `ty` placed at `offset`.
    pub(crate) fn new(ty: &Type, offset: usize) -> Result<Codec, Error> {
        Ok(match ty {
            Type::Struct(agg) => {
                let mut members = Vec::with_capacity(agg.fields.len());
                agg.place(false, |_, field, place, _| {
                    let at = offset + place.offset as usize;
                    members.push(match place.bits {
                        Some(bits) => Codec::BitField {
                            ty: field.ty.clone(),
                            bit: bits.absolute(at as u64),
                            width: bits.width,
                            named: field.name.is_some(),
                        },
                        None => Codec::new(&field.ty, at)?,
                    });
                    Ok(())
                })?;
                Codec::Struct(members.into())
            }
            Type::Union(agg) => {
                let size = ty.layout()?.size;
                // Loads read as the member Value::load picks: the first spanning the union.
                let mut read_as = None;
                let mut members = Vec::with_capacity(agg.fields.len());
                for (i, field) in agg.fields.iter().enumerate() {
                    if read_as.is_none() && field.ty.layout()?.size == size {
                        read_as = Some(i);
                    }
                    members.push(match field.bits {
                        Some(width) => Codec::BitField {
                            ty: field.ty.clone(),
                            bit: offset as u64 * 8,
                            width,
                            named: field.name.is_some(),
                        },
                        None => Codec::new(&field.ty, offset)?,
                    });
                }
                let read_as = read_as.unwrap_or(0);
                Codec::Union {
                    offset,
                    size: size as usize,
                    members: members.into(),
                    read_as,
                }
            }
            Type::Array(elem, count) | Type::Vector(elem, count) | Type::ExtVector(elem, count) => {
                ty.layout()?;
                let size = elem.layout()?.size as usize;
                let elems: Result<Vec<Codec>, Error> = (0..*count as usize)
                    .map(|i| Codec::new(elem, offset + i * size))
                    .collect();
                if ty.vector_lanes().is_some() {
                    Codec::Vector(elems?.into())
                } else {
                    Codec::Array(elems?.into())
                }
            }
            Type::Complex(elem) => {
                let size = elem.layout()?.size as usize;
                Codec::Complex(Box::new([
                    Codec::new(elem, offset)?,
                    Codec::new(elem, offset + size)?,
                ]))
            }
            Type::BitInt { .. } => {
                ty.layout()?;
                Codec::BitInt {
                    ty: ty.clone(),
                    offset: u32::try_from(offset)
                        .map_err(|_| Error::unsupported("a frame of 4 GiB or more"))?,
                }
            }
            scalar => {
                scalar.layout()?;
                Codec::Scalar {
                    ty: scalar.clone(),
                    offset: u32::try_from(offset)
                        .map_err(|_| Error::unsupported("a frame of 4 GiB or more"))?,
                    // The variant the type reads as is the one it accepts.
                    kind: Codec::read_scalar(scalar, 0, &[0; 16], |v| discriminant(&v))
                        .ok_or_else(|| Error::invalid("a scalar codec for an aggregate"))?,
                }
            }
        })
    }

    /// Writes the scalar `v` at `out[offset..]`; `false` if it is not a value of the
    /// kind `kind` (the variant its type reads as) or does not fit in `out`. Inlined
    /// where it is used: into `Function::call`'s loop for a scalar parameter, into
    /// [`Codec::store_member`] for a member.
    ///
    /// The kind is checked by comparing discriminants, not by matching the type and then
    /// the value: each `Value` tag is a 64-bit constant (the enum keeps its tag in a
    /// niche), and a loop matching on them kept every one of them on the stack.
    #[inline(always)]
    fn store_scalar(kind: Discriminant<Value>, offset: u32, v: &Value, out: &mut [u8]) -> bool {
        #[inline(always)]
        fn put<const N: usize>(out: &mut [u8], offset: u32, b: [u8; N]) -> bool {
            let offset = offset as usize;
            match out.get_mut(offset..offset + N) {
                Some(dst) => {
                    dst.copy_from_slice(&b);
                    true
                }
                None => false,
            }
        }
        if discriminant(v) != kind && !Codec::same_representation(v, kind) {
            return false;
        }
        match v {
            Value::Bool(x) => put(out, offset, [*x as u8]),
            Value::Char(x) | Value::SChar(x) => put(out, offset, x.to_le_bytes()),
            Value::UChar(x) => put(out, offset, [*x]),
            Value::Short(x) => put(out, offset, x.to_le_bytes()),
            Value::UShort(x) => put(out, offset, x.to_le_bytes()),
            Value::Int(x) => put(out, offset, x.to_le_bytes()),
            Value::UInt(x) => put(out, offset, x.to_le_bytes()),
            Value::Long(x) | Value::LongLong(x) => put(out, offset, x.to_le_bytes()),
            Value::ULong(x) | Value::ULongLong(x) => put(out, offset, x.to_le_bytes()),
            Value::Int128(x) => put(out, offset, x.to_le_bytes()),
            Value::UInt128(x) => put(out, offset, x.to_le_bytes()),
            Value::Float(x) => put(out, offset, x.to_le_bytes()),
            Value::Double(x) => put(out, offset, x.to_le_bytes()),
            Value::LongDouble(x) => {
                let mut b = [0u8; 16];
                b[..10].copy_from_slice(&x.to_bytes());
                put(out, offset, b)
            }
            Value::Float16(x) => put(out, offset, x.to_bits().to_le_bytes()),
            Value::BFloat16(x) => put(out, offset, x.to_bits().to_le_bytes()),
            Value::Float128(x) => put(out, offset, x.to_bits().to_le_bytes()),
            Value::Pointer(x) => put(out, offset, (*x as usize).to_le_bytes()),
            // Its width is the type's, not the kind's: `Value::store` checks it.
            Value::BitInt(_)
            | Value::Void
            | Value::Struct(_)
            | Value::Union { .. }
            | Value::Array(_)
            | Value::Complex(..)
            | Value::Vector(_) => false,
        }
    }

    /// Whether `v` is the variant of another type with the representation of `kind`'s
    /// (see [`Value`]): `Char`/`SChar`, `Long`/`LongLong`, `ULong`/`ULongLong`. Out of
    /// line: only a value of the other spelling gets here.
    #[cold]
    #[inline(never)]
    fn same_representation(v: &Value, kind: Discriminant<Value>) -> bool {
        let twin = match v {
            Value::Char(_) => Value::SChar(0),
            Value::SChar(_) => Value::Char(0),
            Value::Long(_) => Value::LongLong(0),
            Value::LongLong(_) => Value::Long(0),
            Value::ULong(_) => Value::ULongLong(0),
            Value::ULongLong(_) => Value::ULong(0),
            _ => return false,
        };
        discriminant(&twin) == kind
    }

    /// Reads the scalar (or `void`) of type `ty` at `bytes[offset..]` and hands it to
    /// `put`; `None` for an aggregate. Inlined with `put` into each type's branch, so
    /// the value is written where it goes, not built on the stack and copied (which
    /// stalls, see [`Codec::load`]). `Void` if the bytes are short (never: callers
    /// pass at least the type's size).
    #[inline(always)]
    fn read_scalar<R>(
        ty: &Type,
        offset: u32,
        bytes: &[u8],
        put: impl FnOnce(Value) -> R,
    ) -> Option<R> {
        let offset = offset as usize;
        macro_rules! get {
            ($variant:ident, $t:ty) => {{
                const N: usize = size_of::<$t>();
                match bytes.get(offset..offset + N) {
                    Some(b) => {
                        let mut a = [0u8; N];
                        a.copy_from_slice(b);
                        put(Value::$variant(<$t>::from_le_bytes(a)))
                    }
                    None => put(Value::Void),
                }
            }};
        }
        Some(match ty {
            Type::Void => put(Value::Void),
            // gcc stores _Bool as 0 or 1; any other byte still reads as true.
            Type::Bool => match bytes.get(offset) {
                Some(b) => put(Value::Bool(*b != 0)),
                None => put(Value::Void),
            },
            Type::Char => get!(Char, i8),
            Type::SChar => get!(SChar, i8),
            Type::UChar => get!(UChar, u8),
            Type::Short => get!(Short, i16),
            Type::UShort => get!(UShort, u16),
            Type::Int => get!(Int, i32),
            Type::UInt => get!(UInt, u32),
            Type::Long => get!(Long, i64),
            Type::ULong => get!(ULong, u64),
            Type::LongLong => get!(LongLong, i64),
            Type::ULongLong => get!(ULongLong, u64),
            Type::Int128 => get!(Int128, i128),
            Type::UInt128 => get!(UInt128, u128),
            Type::Float => get!(Float, f32),
            Type::Double => get!(Double, f64),
            Type::LongDouble => match bytes.get(offset..offset + 10) {
                Some(b) => {
                    let mut a = [0u8; 10];
                    a.copy_from_slice(b);
                    put(Value::LongDouble(LongDouble::from_bytes(a)))
                }
                None => put(Value::Void),
            },
            Type::Float16 => match bytes.get(offset..offset + 2) {
                Some(b) => put(Value::Float16(Float16::from_bits(u16::from_le_bytes([
                    b[0], b[1],
                ])))),
                None => put(Value::Void),
            },
            Type::BFloat16 => match bytes.get(offset..offset + 2) {
                Some(b) => put(Value::BFloat16(BFloat16::from_bits(u16::from_le_bytes([
                    b[0], b[1],
                ])))),
                None => put(Value::Void),
            },
            Type::Float128 => get_float128(bytes, offset, put),
            Type::BitInt { bits, signed } => {
                let size = ty.scalar_layout().map_or(0, |l| l.size as usize);
                match bytes.get(offset..offset + size) {
                    Some(b) => match BitInt::from_le_bytes(*bits, *signed, b) {
                        Some(v) => put(Value::BitInt(v)),
                        None => put(Value::Void),
                    },
                    None => put(Value::Void),
                }
            }
            Type::Pointer => match bytes.get(offset..offset + 8) {
                Some(b) => {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    put(Value::Pointer(usize::from_le_bytes(a) as *mut c_void))
                }
                None => put(Value::Void),
            },
            Type::Struct(_)
            | Type::Union(_)
            | Type::Array(..)
            | Type::Complex(_)
            | Type::Vector(..)
            | Type::ExtVector(..) => return None,
        })
    }

    /// Stores each value with its codec.
    fn store_all(codecs: &[Codec], values: &[Value], out: &mut [u8]) -> bool {
        if codecs.len() != values.len() {
            return false;
        }
        for (c, v) in codecs.iter().zip(values) {
            let stored = match c {
                Codec::Scalar { offset, kind, .. } => Codec::store_member(*kind, *offset, v, out),
                _ => c.store(v, out),
            };
            if !stored {
                return false;
            }
        }
        true
    }

    /// [`Codec::store_scalar`] for a member, out of line: one call per member. Matching
    /// on the type, the member loop kept every variant's tag constant on the stack;
    /// since kinds are compared by discriminant, storing members inline in the loop
    /// measured no better (bigmk level, vadd 2% more instructions).
    #[inline(never)]
    fn store_member(kind: Discriminant<Value>, offset: u32, v: &Value, out: &mut [u8]) -> bool {
        Codec::store_scalar(kind, offset, v, out)
    }

    /// [`Codec::store`] with a scalar stored inline (a parameter's codec is most often
    /// one scalar).
    #[inline]
    pub(crate) fn store_top(&self, value: &Value, out: &mut [u8]) -> bool {
        match self {
            Codec::Scalar { offset, kind, .. } => Codec::store_scalar(*kind, *offset, value, out),
            other => other.store(value, out),
        }
    }

    /// Writes `value` into `out`; `false` if the value does not fit this codec's type.
    pub(crate) fn store(&self, value: &Value, out: &mut [u8]) -> bool {
        match (self, value) {
            (Codec::Scalar { offset, kind, .. }, v) => Codec::store_scalar(*kind, *offset, v, out),
            (
                Codec::BitField {
                    ty,
                    bit,
                    width,
                    named,
                },
                v,
            ) => match bit_field_bits(ty, *width, *named, v, &Path::Root("value")) {
                Ok(raw) if bit + u64::from(*width) <= out.len() as u64 * 8 => {
                    if *named {
                        put_bits(out, *bit, *width, raw);
                    }
                    true
                }
                _ => false,
            },
            (Codec::BitInt { ty, offset }, Value::BitInt(v)) => {
                let size = ty.scalar_layout().map_or(0, |l| l.size as usize);
                let offset = *offset as usize;
                match out.get_mut(offset..offset + size) {
                    Some(dst) if v.ty() == *ty => {
                        v.write_to(dst);
                        true
                    }
                    _ => false,
                }
            }
            (Codec::Struct(members), Value::Struct(values)) => {
                Codec::store_all(members, values, out)
            }
            (
                Codec::Union {
                    offset,
                    size,
                    members,
                    ..
                },
                Value::Union { member, value },
            ) => match members.get(*member) {
                Some(c) => {
                    out[*offset..*offset + *size].fill(0);
                    c.store(value, out)
                }
                None => false,
            },
            (Codec::Array(elems), Value::Array(values)) => Codec::store_all(elems, values, out),
            (Codec::Vector(lanes), Value::Vector(values)) => Codec::store_all(lanes, values, out),
            (Codec::Complex(parts), Value::Complex(re, im)) => {
                parts[0].store(re, out) && parts[1].store(im, out)
            }
            _ => false,
        }
    }

    /// Reads a value back from `bytes`.
    ///
    /// Values are built where they end up (in the caller's result, or pushed straight
    /// into their parent's member list) rather than returned through temporaries: a
    /// 32-byte `Value` written field by field and then copied with 16-byte loads
    /// stalls on store forwarding, once per member.
    #[inline]
    pub(crate) fn load(&self, bytes: &[u8]) -> Value {
        match self {
            Codec::Scalar { ty, offset, .. } => match Codec::read_scalar(ty, *offset, bytes, |v| v)
            {
                Some(v) => v,
                None => Value::Void,
            },
            Codec::BitField {
                ty,
                bit,
                width,
                named,
            } => {
                let raw = if *named && bit + u64::from(*width) <= bytes.len() as u64 * 8 {
                    get_bits(bytes, *bit, *width)
                } else {
                    0
                };
                bits_value(ty, *width, raw)
            }
            Codec::BitInt { ty, offset } => {
                Codec::read_scalar(ty, *offset, bytes, |v| v).unwrap_or(Value::Void)
            }
            Codec::Struct(members) => Value::Struct(Codec::load_all(members, bytes)),
            Codec::Array(elems) => Value::Array(Codec::load_all(elems, bytes)),
            Codec::Vector(lanes) => Value::Vector(Codec::load_all(lanes, bytes)),
            Codec::Union {
                members, read_as, ..
            } => match members.get(*read_as) {
                Some(c) => Value::Union {
                    member: *read_as,
                    value: Box::new(c.load_nested(bytes)),
                },
                None => Value::Struct(Vec::new()),
            },
            Codec::Complex(parts) => Value::Complex(
                Box::new(parts[0].load_nested(bytes)),
                Box::new(parts[1].load_nested(bytes)),
            ),
        }
    }

    /// [`Codec::load`] for a member, out of line (it recurses).
    #[inline(never)]
    fn load_nested(&self, bytes: &[u8]) -> Value {
        self.load(bytes)
    }

    /// [`Codec::read_scalar`] into `slot`. Out of line on purpose: inlined into the
    /// member loop, each kind's variant tag became a constant kept on the stack for
    /// the whole loop; here each is an immediate.
    #[inline(never)]
    fn write_scalar(ty: &Type, offset: u32, bytes: &[u8], slot: &mut MaybeUninit<Value>) {
        let written = Codec::read_scalar(ty, offset, bytes, |v| {
            slot.write(v);
        });
        if written.is_none() {
            // Not reached (a scalar codec holds a scalar type), but every slot is written.
            slot.write(Value::Void);
        }
    }

    /// The values of `codecs`, each written into the list's buffer as it is read.
    fn load_all(codecs: &[Codec], bytes: &[u8]) -> Vec<Value> {
        let mut values: Vec<Value> = Vec::with_capacity(codecs.len());
        for (slot, c) in values.spare_capacity_mut().iter_mut().zip(codecs) {
            match c {
                Codec::Scalar { ty, offset, .. } => Codec::write_scalar(ty, *offset, bytes, slot),
                Codec::Struct(members) => {
                    slot.write(Value::Struct(Codec::load_all(members, bytes)));
                }
                Codec::Array(elems) => {
                    slot.write(Value::Array(Codec::load_all(elems, bytes)));
                }
                other => {
                    slot.write(other.load_nested(bytes));
                }
            }
        }
        // SAFETY: the loop wrote one value into each of the first codecs.len() slots
        // (capacity is exactly that; a panic before here only leaks what was written).
        unsafe { values.set_len(codecs.len()) };
        values
    }
}

/// [`Codec::read_scalar`]'s `_Float128` arm.
#[inline(always)]
fn get_float128<R>(bytes: &[u8], offset: usize, put: impl FnOnce(Value) -> R) -> R {
    match bytes.get(offset..offset + 16) {
        Some(b) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            put(Value::Float128(Float128::from_bits(u128::from_le_bytes(a))))
        }
        None => put(Value::Void),
    }
}

/// Both converters of one type side by side: `Value::store` and `Value::load`, and
/// the `Codec` compiled for the type at `offset`. Not part of the API (hidden, no
/// semver promise): it exists for the property test that holds the two equal
/// (`tests/value_codec.rs`), which draws its types and values from `jitcall-fuzz`'s
/// generators; that crate depends on this one, so this crate's own tests cannot use
/// them.
#[doc(hidden)]
#[derive(Debug)]
pub struct CodecCheck {
    ty: Type,
    offset: usize,
    size: usize,
    codec: Codec,
}

#[doc(hidden)]
impl CodecCheck {
    /// The codec of `ty` at `offset`, as `Function::call` compiles it for a
    /// parameter placed there.
    pub fn new(ty: &Type, offset: usize) -> Result<CodecCheck, Error> {
        Ok(CodecCheck {
            ty: ty.clone(),
            offset,
            size: ty.layout()?.size as usize,
            codec: Codec::new(ty, offset)?,
        })
    }

    /// `Value::store` into `out[offset..offset + size]`.
    pub fn store_checked(&self, value: &Value, out: &mut [u8]) -> Result<(), Error> {
        let out = &mut out[self.offset..self.offset + self.size];
        value.store(&self.ty, out, &Path::Root("value"))
    }

    /// The codec's store, as `Function::call` runs it on a parameter.
    pub fn store_compiled(&self, value: &Value, out: &mut [u8]) -> bool {
        self.codec.store_top(value, out)
    }

    /// `Value::load` from `bytes[offset..]`.
    pub fn load_checked(&self, bytes: &[u8]) -> Result<Value, Error> {
        Value::load(&self.ty, &bytes[self.offset..])
    }

    /// The codec's load, as `Function::call` runs it on a result.
    pub fn load_compiled(&self, bytes: &[u8]) -> Value {
        self.codec.load(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codec's discriminant check accepts exactly what the full check of
    /// `Value::store` accepts, for every scalar type against one value of every scalar
    /// kind, and stores the same bytes.
    #[test]
    fn scalar_codecs_accept_what_the_full_check_accepts() {
        let types = [
            Type::Bool,
            Type::Char,
            Type::SChar,
            Type::UChar,
            Type::Short,
            Type::UShort,
            Type::Int,
            Type::UInt,
            Type::Long,
            Type::ULong,
            Type::LongLong,
            Type::ULongLong,
            Type::Int128,
            Type::UInt128,
            Type::Float,
            Type::Double,
            Type::LongDouble,
            Type::Float16,
            Type::Float128,
            Type::Pointer,
        ];
        let values = [
            Value::Bool(true),
            Value::Char(-2),
            Value::SChar(-3),
            Value::UChar(250),
            Value::Short(-300),
            Value::UShort(60000),
            Value::Int(-70000),
            Value::UInt(4_000_000_000),
            Value::Long(-5_000_000_000),
            Value::ULong(u64::MAX - 1),
            Value::LongLong(-6_000_000_000),
            Value::ULongLong(u64::MAX - 2),
            Value::Int128(-(1 << 100)),
            Value::UInt128(u128::MAX - 3),
            Value::Float(1.5),
            Value::Double(-2.25),
            Value::LongDouble(LongDouble::from_f64(3.5)),
            Value::Float16(Float16::from_f32(-0.5)),
            Value::Float128(Float128::from_f64(1e300)),
            Value::Pointer(0x1234_5678 as *mut c_void),
            Value::Void,
            Value::Struct(vec![Value::Int(1)]),
        ];
        let mut accepted = 0;
        for ty in &types {
            let codec = Codec::new(ty, 8).unwrap();
            for v in &values {
                let (mut fast, mut full) = ([0u8; 32], [0u8; 32]);
                let ok = codec.store(v, &mut fast);
                let size = ty.layout().unwrap().size as usize;
                let reference = v.store(ty, &mut full[8..8 + size], &Path::Root("value"));
                assert_eq!(ok, reference.is_ok(), "{ty:?} given {v:?}");
                if ok {
                    assert_eq!(fast, full, "{ty:?} given {v:?}");
                    accepted += 1;
                }
            }
        }
        // Each type takes its own kind, and the three pairs of one representation
        // (char/signed char, long/long long, unsigned long/unsigned long long) each
        // other's.
        assert_eq!(accepted, types.len() + 6);
    }

    #[test]
    fn bit_field_ranges_cover_every_width() {
        assert_eq!(bit_field_range(0, true), (0, 0));
        assert_eq!(bit_field_range(1, true), (-1, 0));
        assert_eq!(bit_field_range(1, false), (0, 1));
        assert_eq!(bit_field_range(3, true), (-4, 3));
        assert_eq!(bit_field_range(127, true), (i128::MIN / 2, i128::MAX / 2));
        assert_eq!(bit_field_range(128, true), (i128::MIN, i128::MAX));
        assert_eq!(bit_field_range(128, false), (0, i128::MAX));
        assert_eq!(bit_field_range(127, false), (0, i128::MAX));
        assert_eq!(bit_field_range(126, false), (0, i128::MAX / 2));
        // A full-width value round-trips through its bits, sign and all.
        for (ty, width, v) in [
            (Type::Int128, 128, Value::Int128(i128::MIN)),
            (Type::UInt128, 128, Value::UInt128(u128::MAX)),
            (Type::LongLong, 64, Value::LongLong(i64::MIN)),
            (Type::Char, 1, Value::Char(-1)),
        ] {
            let raw = bit_field_bits(&ty, width, true, &v, &Path::Root("value")).unwrap();
            assert_eq!(bits_value(&ty, width, raw), v);
        }
    }

    #[test]
    fn long_double_round_trips_every_f64_class() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -2.5,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e-310,
            f64::INFINITY,
            f64::NEG_INFINITY,
            std::f64::consts::PI,
        ] {
            let ld = LongDouble::from_f64(x);
            assert_eq!(ld.to_f64().to_bits(), x.to_bits(), "{x:e}");
        }
        assert!(LongDouble::from_f64(f64::NAN).to_f64().is_nan());
    }

    #[test]
    fn long_double_rounds_to_nearest_even() {
        // 1 + 2^-53 is a tie between 1 and 1 + 2^-52: even wins.
        let tie = LongDouble::from_parts(false, 16383, (1 << 63) | (1 << 10));
        assert_eq!(tie.to_f64(), 1.0);
        let above = LongDouble::from_parts(false, 16383, (1 << 63) | (1 << 10) | 1);
        assert_eq!(above.to_f64(), 1.0 + f64::EPSILON);
        // Far out of f64 range.
        assert_eq!(
            LongDouble::from_parts(false, 0x7ffe, 1 << 63).to_f64(),
            f64::INFINITY
        );
        assert_eq!(LongDouble::from_parts(true, 1, 1 << 63).to_f64(), -0.0);
    }

    #[test]
    fn bitints_read_from_n_bits_and_print_in_decimal() {
        let b = |bits, signed, bytes: &[u8]| BitInt::from_le_bytes(bits, signed, bytes).unwrap();
        // The bits above N are ignored: 0xff as 7 bits is -1, as unsigned 7 bits 127.
        assert_eq!(b(7, true, &[0xff]).to_i128(), Some(-1));
        assert_eq!(b(7, false, &[0xff]).to_i128(), Some(127));
        assert_eq!(b(7, true, &[0x3f]).to_i128(), Some(63));
        assert_eq!(b(100, true, &[0xff; 16]).to_i128(), Some(-1));
        let min256 = b(256, true, &[[0; 31].as_slice(), &[0x80]].concat());
        assert_eq!(
            min256.to_string(),
            "-57896044618658097711785492504343953926634992332820282019728792003956564819968"
        );
        assert_eq!(min256.to_i128(), None);
        assert_eq!(
            b(200, false, &[0xff; 32]).to_string(),
            "1606938044258990275541962092341162602522202993782792835301375"
        );
        assert_eq!(b(200, false, &[0xff; 32]).limbs()[3], 0xff);
        assert_eq!(BitInt::new(7, true, 64), None);
        assert_eq!(BitInt::new(7, true, -65), None);
        assert_eq!(
            BitInt::new(1, true, 0),
            None,
            "a signed _BitInt has 2 bits or more"
        );
        assert_eq!(BitInt::new(64, false, -1), None);
        assert_eq!(
            BitInt::new(128, true, i128::MIN).unwrap().to_i128(),
            Some(i128::MIN)
        );
        assert_eq!(BitInt::new(128, false, 5).unwrap().to_u128(), Some(5));
        let bytes = Value::BitInt(BitInt::new(7, true, -2).unwrap())
            .to_bytes(&Type::BitInt {
                bits: 7,
                signed: true,
            })
            .unwrap();
        assert_eq!(bytes, [0xfe], "stored extended over its byte");
        let wrong = Value::BitInt(BitInt::new(8, true, -2).unwrap());
        assert!(
            wrong
                .to_bytes(&Type::BitInt {
                    bits: 7,
                    signed: true
                })
                .is_err()
        );
    }
}
