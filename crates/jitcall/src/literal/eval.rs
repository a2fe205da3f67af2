//! A syntax tree as a value of a given type: C's rules for initializers, casts and
//! variadic promotions, with every integer range-checked (never wrapped), no floating
//! value truncated to an integer, and unsuffixed floating constants rounded only to the
//! type they initialize.
//!
//! It reads no text (that is `syntax`) and prints nothing (that is `format`).

use super::error::LiteralError;
use super::float::{self, Binary, Decimal, Format, Rounded};
use super::syntax::{Designator, Init, Kind, Node, is_char, string_in_braces};
use super::temporary::{Temporary, pointer_to};
use super::{MAX_DEPTH, Names};
use crate::clex::FloatSuffix;
use crate::{BFloat16, BitInt, Float16, Float128, LongDouble, Type, Value};
use std::ffi::c_void;

/// Aggregates with more scalar members than this are refused: nobody types such a
/// literal, and its values (zeros included) would take gigabytes.
pub(super) const MAX_SCALARS: u64 = 1 << 16;

/// Values a literal of `ty` holds, counting an empty aggregate as one (its value still
/// takes room).
pub(super) fn scalar_count(ty: &Type) -> u64 {
    match ty {
        Type::Struct(agg) | Type::Union(agg) => agg
            .fields
            .iter()
            .fold(0u64, |n, f| n.saturating_add(scalar_count(&f.ty)))
            .max(1),
        Type::Array(elem, n) | Type::Vector(elem, n) | Type::ExtVector(elem, n) => {
            scalar_count(elem).saturating_mul(*n)
        }
        Type::Complex(_) => 2,
        _ => 1,
    }
}

/// Storage for what literals point to, strings and the objects of compound literals
/// (`&(int){0}`, `(char[64]){0}`): keep it alive until the call that uses the values
/// returns.
///
/// Each string is a NUL-terminated copy on the heap, and each object a [`Temporary`],
/// which stay put however the `Strings` itself moves.
#[derive(Default, Debug)]
pub struct Strings {
    buffers: Vec<Box<[u8]>>,
    temporaries: Vec<Temporary>,
}

impl Strings {
    /// The objects created for `&(T){...}` and `(T[N]){...}`, in the order of the text.
    pub fn temporaries(&self) -> &[Temporary] {
        &self.temporaries
    }

    pub(super) fn temporaries_mut(&mut self) -> &mut [Temporary] {
        &mut self.temporaries
    }

    fn keep(&mut self, temporary: Temporary) -> *mut c_void {
        let p = temporary.address();
        self.temporaries.push(temporary);
        p
    }

    pub(super) fn store(&mut self, mut bytes: Vec<u8>) -> *mut c_void {
        bytes.push(0);
        let mut buffer = bytes.into_boxed_slice();
        let p = buffer.as_mut_ptr().cast::<c_void>();
        self.buffers.push(buffer);
        p
    }

    /// How many strings are held.
    pub fn len(&self) -> usize {
        self.buffers.len()
    }

    /// Whether no string is held.
    pub fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }
}

/// A number, evaluated but not yet converted to the type it initializes.
pub(super) enum Num {
    /// An integer, with the C type of the expression when it has one.
    Int {
        negative: bool,
        magnitude: u128,
        ty: Option<Type>,
    },
    /// A floating value with a type of its own (a suffix, a cast, `inf`).
    Binary(Binary, Type),
    /// An unsuffixed floating constant: rounded only to the type it initializes.
    Decimal(Decimal),
    /// An integer above `u128::MAX` (a `wb`/`uwb` constant, or a wide `_BitInt` value):
    /// its magnitude's limbs, least significant first, the top one not zero.
    Wide {
        negative: bool,
        magnitude: Box<[u64]>,
        ty: Option<Type>,
    },
}

/// The number of bits of a magnitude (its top limb not zero).
fn wide_bits(magnitude: &[u64]) -> u32 {
    64 * magnitude.len() as u32 - magnitude.last().map_or(64, |l| l.leading_zeros())
}

/// `-magnitude` (if `negative`) or `magnitude`, a magnitude above `u128::MAX`, as a
/// value of the integer type `ty`: only a `_BitInt` that holds it.
fn wide_value(ty: &Type, negative: bool, magnitude: &[u64]) -> Option<Value> {
    let Type::BitInt { bits, signed } = *ty else {
        return None;
    };
    let width = wide_bits(magnitude);
    let is_power_of_two = magnitude.iter().map(|l| l.count_ones()).sum::<u32>() == 1;
    let fits = match (negative, signed) {
        (true, false) => false,
        // Down to -2^(bits - 1).
        (true, true) => width < bits || (width == bits && is_power_of_two),
        (false, _) => width <= bits - u32::from(signed),
    };
    if !fits {
        return None;
    }
    let mut limbs = magnitude.to_vec();
    limbs.resize(bits.div_ceil(64) as usize, 0);
    if negative {
        // Two's complement: invert, add one.
        let mut carry = true;
        for limb in &mut limbs {
            let (v, c) = (!*limb).overflowing_add(u64::from(carry));
            *limb = v;
            carry = c;
        }
    }
    let bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
    BitInt::from_le_bytes(bits, signed, &bytes).map(Value::BitInt)
}

/// `(negative, magnitude)` of a `_BitInt` value above what [`int_parts`] reads (a
/// magnitude above `u128::MAX`).
fn wide_parts(v: &Value) -> Option<(bool, Box<[u64]>)> {
    let Value::BitInt(x) = v else {
        return None;
    };
    if int_parts(v).is_some() {
        return None;
    }
    let negative = x.is_negative();
    let mut limbs = x.limbs().to_vec();
    if negative {
        let mut carry = true;
        for limb in &mut limbs {
            let (v, c) = (!*limb).overflowing_add(u64::from(carry));
            *limb = v;
            carry = c;
        }
    }
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    Some((negative, limbs.into()))
}

pub(super) struct Eval<'a> {
    pub(super) strings: &'a mut Strings,
    pub(super) names: &'a dyn Names,
    pub(super) depth: usize,
}

/// The range of an integer type, as (minimum, maximum) with the minimum's magnitude.
pub(super) fn int_range(ty: &Type) -> Option<(u128, u128)> {
    Some(match ty {
        Type::Bool => (0, 1),
        Type::Char | Type::SChar => (128, 127),
        Type::UChar => (0, 255),
        Type::Short => (1 << 15, (1 << 15) - 1),
        Type::UShort => (0, u16::MAX as u128),
        Type::Int => (1 << 31, (1 << 31) - 1),
        Type::UInt => (0, u32::MAX as u128),
        Type::Long | Type::LongLong => (1 << 63, (1 << 63) - 1),
        Type::ULong | Type::ULongLong => (0, u64::MAX as u128),
        Type::Int128 => (1 << 127, (1 << 127) - 1),
        Type::UInt128 => (0, u128::MAX),
        // Capped at what a literal's magnitude holds (128 bits).
        Type::BitInt { bits, signed } => {
            let room = bits.saturating_sub(u32::from(*signed));
            let max = if room >= 128 {
                u128::MAX
            } else {
                (1 << room) - 1
            };
            let min = if *signed { max.saturating_add(1) } else { 0 };
            (min, max)
        }
        _ => return None,
    })
}

pub(super) fn fits(ty: &Type, negative: bool, magnitude: u128) -> bool {
    match int_range(ty) {
        Some((min, max)) => {
            if negative {
                magnitude <= min
            } else {
                magnitude <= max
            }
        }
        None => false,
    }
}

pub(super) fn signed_text(negative: bool, magnitude: u128) -> String {
    if negative && magnitude != 0 {
        format!("-{magnitude}")
    } else {
        magnitude.to_string()
    }
}

pub(super) fn int_value(ty: &Type, negative: bool, magnitude: u128) -> Option<Value> {
    if !fits(ty, negative, magnitude) {
        return None;
    }
    let v: i128 = if negative {
        (magnitude as i128).wrapping_neg()
    } else {
        magnitude as i128
    };
    Some(match ty {
        Type::Bool => Value::Bool(v != 0),
        Type::Char => Value::Char(v as i8),
        Type::SChar => Value::SChar(v as i8),
        Type::UChar => Value::UChar(v as u8),
        Type::Short => Value::Short(v as i16),
        Type::UShort => Value::UShort(v as u16),
        Type::Int => Value::Int(v as i32),
        Type::UInt => Value::UInt(v as u32),
        Type::Long => Value::Long(v as i64),
        Type::ULong => Value::ULong(v as u64),
        Type::LongLong => Value::LongLong(v as i64),
        Type::ULongLong => Value::ULongLong(v as u64),
        Type::Int128 => Value::Int128(v),
        Type::UInt128 => Value::UInt128(magnitude),
        Type::BitInt { bits, signed } => {
            Value::BitInt(BitInt::from_parts(*bits, *signed, negative, magnitude)?)
        }
        _ => return None,
    })
}

/// `(negative, magnitude)` of an integer value.
pub(super) fn int_parts(v: &Value) -> Option<(bool, u128)> {
    let signed = |x: i128| (x < 0, x.unsigned_abs());
    Some(match *v {
        Value::Bool(b) => (false, b as u128),
        Value::Char(x) | Value::SChar(x) => signed(x as i128),
        Value::UChar(x) => (false, x as u128),
        Value::Short(x) => signed(x as i128),
        Value::UShort(x) => (false, x as u128),
        Value::Int(x) => signed(x as i128),
        Value::UInt(x) => (false, x as u128),
        Value::Long(x) | Value::LongLong(x) => signed(x as i128),
        Value::ULong(x) | Value::ULongLong(x) => (false, x as u128),
        Value::Int128(x) => signed(x),
        Value::UInt128(x) => (false, x),
        Value::BitInt(ref x) => match x.to_i128() {
            Some(v) => signed(v),
            None => (false, x.to_u128()?),
        },
        _ => return None,
    })
}

pub(super) fn format_of(ty: &Type) -> Option<Format> {
    match ty {
        Type::Float => Some(float::F32),
        Type::Double => Some(float::F64),
        Type::LongDouble => Some(float::X87),
        Type::Float16 => Some(float::F16),
        Type::BFloat16 => Some(float::BF16),
        Type::Float128 => Some(float::F128),
        _ => None,
    }
}

pub(super) fn encode(rounded: Rounded, ty: &Type) -> Value {
    match ty {
        Type::Float => Value::Float(float::rounded_f32(rounded)),
        Type::LongDouble => Value::LongDouble(LongDouble::from_bytes(float::rounded_x87(rounded))),
        Type::Float16 => Value::Float16(Float16::from_bits(float::rounded_f16(rounded))),
        Type::BFloat16 => Value::BFloat16(BFloat16::from_bits(float::rounded_bf16(rounded))),
        Type::Float128 => Value::Float128(Float128::from_bits(float::rounded_f128(rounded))),
        _ => Value::Double(float::rounded_f64(rounded)),
    }
}

pub(super) fn encode_binary(b: Binary, ty: &Type) -> Value {
    match ty {
        Type::Float => Value::Float(b.to_f32()),
        Type::LongDouble => Value::LongDouble(LongDouble::from_bytes(b.to_x87())),
        Type::Float16 => Value::Float16(Float16::from_bits(b.to_f16())),
        Type::BFloat16 => Value::BFloat16(BFloat16::from_bits(b.to_bf16())),
        Type::Float128 => Value::Float128(Float128::from_bits(b.to_f128())),
        _ => Value::Double(b.to_f64()),
    }
}

pub(super) fn binary_of(v: &Value) -> Option<Binary> {
    match *v {
        Value::Float(x) => Some(Binary::from_f32(x)),
        Value::Double(x) => Some(Binary::from_f64(x)),
        Value::LongDouble(x) => Some(Binary::from_x87(x.to_bytes())),
        Value::Float16(x) => Some(Binary::from_f16(x.to_bits())),
        Value::BFloat16(x) => Some(Binary::from_bf16(x.to_bits())),
        Value::Float128(x) => Some(Binary::from_f128(x.to_bits())),
        _ => None,
    }
}

/// What a node is, for messages.
pub(super) fn kind_name(node: &Node) -> &'static str {
    match node.kind {
        Kind::Int(_) | Kind::Char(_) | Kind::Constant(_) | Kind::Bool(_) => "an integer",
        Kind::Real { .. } | Kind::Special(_) => "a floating value",
        Kind::Str(_) => "a string",
        Kind::Null => "NULL",
        Kind::Braces(_) => "a brace initializer",
        Kind::Name(_) => "a name",
        Kind::AddressOf(_) => "an address",
        Kind::Neg(ref inner) => kind_name(inner),
        Kind::Cast(..) => "a cast",
    }
}

pub(super) fn type_name(ty: &Type) -> String {
    match ty {
        Type::Pointer => "pointer".into(),
        t => format!("`{t}`"),
    }
}

impl Eval<'_> {
    pub(super) fn err(node: &Node, msg: impl Into<String>) -> LiteralError {
        LiteralError::new(node.start, node.end, msg)
    }

    /// Whether `v`, read for bit-field `field` of `width` bits, fits in it.
    fn fits_bit_field(
        &self,
        node: &Node,
        field: &crate::Field,
        width: u32,
        v: &Value,
    ) -> Result<(), LiteralError> {
        let Some((value, signed)) = crate::value::integer_of(v) else {
            return Ok(());
        };
        let (min, max) = crate::value::bit_field_range(width, signed);
        if (min..=max).contains(&value) || field.name.is_none() {
            return Ok(());
        }
        let name = field.name.as_deref().unwrap_or("");
        Err(Self::err(
            node,
            format!(
                "{value} does not fit in bit-field '{name}' (`{} {name} : {width}` holds {min} to {max})",
                field.ty
            ),
        ))
    }

    pub(super) fn enter(&mut self, node: &Node) -> Result<(), LiteralError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH * 2 {
            return Err(Self::err(node, "nested too deeply"));
        }
        Ok(())
    }

    /// The value of `node` as an argument (or a whole literal) of type `ty`: as an
    /// initializer, except that a brace list for a pointer is refused. C would read
    /// `{0}` as NULL, but whoever writes it for a pointer argument means an object to
    /// point to, and NULL would crash the function instead.
    pub(super) fn argument(&mut self, node: &Node, ty: &Type) -> Result<Value, LiteralError> {
        if *ty == Type::Pointer && matches!(node.kind, Kind::Braces(_)) {
            return Err(Self::err(
                node,
                "a pointer takes an address, not a brace list: for the address of a new \
                 object write a compound literal, &(int){0} or &(struct s){1, 2}, or an \
                 array, (int[]){1, 2} or (char[64]){0}",
            ));
        }
        self.value(node, ty)
    }

    /// The value of `node` as an initializer of type `ty`.
    pub(super) fn value(&mut self, node: &Node, ty: &Type) -> Result<Value, LiteralError> {
        if ty.is_aggregate() && scalar_count(ty) > MAX_SCALARS {
            return Err(Self::err(
                node,
                format!(
                    "`{ty}` has more than {MAX_SCALARS} scalar members: too large for a literal"
                ),
            ));
        }
        self.enter(node)?;
        let v = self.value_inner(node, ty);
        self.depth -= 1;
        v
    }

    pub(super) fn value_inner(&mut self, node: &Node, ty: &Type) -> Result<Value, LiteralError> {
        if *ty == Type::Pointer {
            return self.pointer(node);
        }
        if let Kind::Name(name) = &node.kind {
            let (own, v) = self.name(node, name)?;
            if own == *ty {
                return Ok(v);
            }
            return self.convert(node, v, &own, ty);
        }
        // A cast to the very type needed is just its operand; a cast to another type
        // converts the cast's value.
        if let Kind::Cast(cast_ty, operand) = &node.kind {
            let v = self.value(operand, cast_ty)?;
            if cast_ty == ty {
                return Ok(v);
            }
            return self.convert(node, v, cast_ty, ty);
        }
        // A vector initializes like an array of its lanes (`{1, 2, 3, 4}`; missing lanes
        // are zero), never from a string.
        if let Some((elem, lanes)) = ty.vector_lanes() {
            if matches!(node.kind, Kind::Str(_)) {
                return Err(Self::err(
                    node,
                    format!("a string cannot initialize `{ty}`"),
                ));
            }
            let lanes = self
                .braces_for(node, ty)
                .map(|_| ())
                .and_then(|()| self.value_inner(node, &Type::array(elem.clone(), lanes)))?;
            return Ok(match lanes {
                Value::Array(values) => Value::Vector(values),
                other => other,
            });
        }
        // `{x}` for a scalar, as C allows; `{}` is zero.
        if let Kind::Braces(inits) = &node.kind
            && !ty.is_aggregate()
        {
            return match inits.as_slice() {
                [] => Ok(zero(ty)),
                [
                    Init {
                        designator: None,
                        value,
                    },
                ] => self.value(value, ty),
                _ => Err(Self::err(
                    node,
                    format!("{} is not an aggregate: expected one value", type_name(ty)),
                )),
            };
        }
        match ty {
            Type::Void => Err(Self::err(node, "a `void` parameter takes no value")),
            t if t.is_integer() || matches!(t, Type::BitInt { .. }) => {
                let num = self.number(node)?;
                self.integer(node, num, ty)
            }
            Type::Float
            | Type::Double
            | Type::LongDouble
            | Type::Float16
            | Type::BFloat16
            | Type::Float128 => {
                let num = self.number(node)?;
                self.real(node, num, ty)
            }
            Type::Struct(agg) => {
                let inits = self.braces_for(node, ty)?;
                let mut values: Vec<Option<Value>> = vec![None; agg.fields.len()];
                let mut next = 0usize;
                for init in inits {
                    if let Some((d, s, e)) = &init.designator {
                        next = member_index(ty, agg, d, *s, *e)?;
                    }
                    // C: initializers skip unnamed bit-fields (padding).
                    while agg
                        .fields
                        .get(next)
                        .is_some_and(|f| f.name.is_none() && f.bits.is_some())
                    {
                        next += 1;
                    }
                    let Some(field) = agg.fields.get(next) else {
                        return Err(Self::err(
                            &init.value,
                            format!(
                                "too many values for {ty}: it has {} member(s)",
                                agg.fields.len()
                            ),
                        ));
                    };
                    let v = self.value(&init.value, &field.ty)?;
                    if let Some(width) = field.bits {
                        self.fits_bit_field(&init.value, field, width, &v)?;
                    }
                    if let Some(slot) = values.get_mut(next) {
                        *slot = Some(v);
                    }
                    next += 1;
                }
                Ok(Value::Struct(
                    values
                        .into_iter()
                        .zip(&agg.fields)
                        .map(|(v, f)| v.unwrap_or_else(|| zero(&f.ty)))
                        .collect(),
                ))
            }
            Type::Union(agg) => {
                let inits = self.braces_for(node, ty)?;
                match inits {
                    [] => Ok(zero(ty)),
                    [init] => {
                        let member = match &init.designator {
                            None => 0,
                            Some((d, s, e)) => member_index(ty, agg, d, *s, *e)?,
                        };
                        let Some(field) = agg.fields.get(member) else {
                            return Err(Self::err(node, format!("{ty} has no members")));
                        };
                        let value = self.value(&init.value, &field.ty)?;
                        if let Some(width) = field.bits {
                            self.fits_bit_field(&init.value, field, width, &value)?;
                        }
                        Ok(Value::Union {
                            member,
                            value: Box::new(value),
                        })
                    }
                    [_, second, ..] => Err(Self::err(
                        &second.value,
                        format!(
                            "a union takes one value; pick the member with {{.name = value}}{}",
                            members(agg)
                        ),
                    )),
                }
            }
            Type::Array(elem, count) => {
                let string = match &node.kind {
                    Kind::Str(bytes) => Some(bytes.as_slice()),
                    Kind::Braces(inits) => string_in_braces(inits),
                    _ => None,
                };
                if let Some(bytes) = string
                    && is_char(elem)
                {
                    // A string initializes a char array, its NUL included if it fits.
                    if bytes.len() as u64 > *count {
                        return Err(Self::err(
                            node,
                            format!("string of {} byte(s) is too long for {ty}", bytes.len()),
                        ));
                    }
                    let mut values = Vec::with_capacity(*count as usize);
                    for i in 0..*count {
                        let b = bytes.get(i as usize).copied().unwrap_or(0);
                        values.push(match **elem {
                            Type::UChar => Value::UChar(b),
                            Type::SChar => Value::SChar(b as i8),
                            _ => Value::Char(b as i8),
                        });
                    }
                    return Ok(Value::Array(values));
                }
                let inits = self.braces_for(node, ty)?;
                let mut values: Vec<Option<Value>> = Vec::new();
                let mut next = 0u128;
                for init in inits {
                    if let Some((d, s, e)) = &init.designator {
                        next = match d {
                            Designator::Index(i) => *i,
                            Designator::Member(name) => {
                                return Err(LiteralError::new(
                                    *s,
                                    *e,
                                    format!("member '{name}' in an initializer of {ty}, an array"),
                                ));
                            }
                        };
                    }
                    if next >= *count as u128 {
                        return Err(Self::err(
                            &init.value,
                            format!("index {next} is past the end of {ty}"),
                        ));
                    }
                    let v = self.value(&init.value, elem)?;
                    let i = next as usize;
                    if values.len() <= i {
                        values.resize(i + 1, None);
                    }
                    if let Some(slot) = values.get_mut(i) {
                        *slot = Some(v);
                    }
                    next += 1;
                }
                values.resize(*count as usize, None);
                Ok(Value::Array(
                    values
                        .into_iter()
                        .map(|v| v.unwrap_or_else(|| zero(elem)))
                        .collect(),
                ))
            }
            Type::Complex(elem) => {
                if !matches!(node.kind, Kind::Braces(_)) {
                    // A real value: the imaginary part is zero, as in C.
                    let re = self.value(node, elem)?;
                    return Ok(Value::Complex(Box::new(re), Box::new(zero(elem))));
                }
                let inits = self.braces_for(node, ty)?;
                if let Some(init) = inits.iter().find(|i| i.designator.is_some()) {
                    return Err(Self::err(
                        &init.value,
                        "a complex value is {real, imaginary}, without designators",
                    ));
                }
                match inits {
                    [] => Ok(zero(ty)),
                    [re] => Ok(Value::Complex(
                        Box::new(self.value(&re.value, elem)?),
                        Box::new(zero(elem)),
                    )),
                    [re, im] => Ok(Value::Complex(
                        Box::new(self.value(&re.value, elem)?),
                        Box::new(self.value(&im.value, elem)?),
                    )),
                    [_, _, third, ..] => Err(Self::err(
                        &third.value,
                        "a complex value is {real, imaginary}: too many values",
                    )),
                }
            }
            _ => Err(Self::err(
                node,
                format!("cannot give a value of type `{ty}`"),
            )),
        }
    }

    /// The initializers of an aggregate, which must be in braces.
    pub(super) fn braces_for<'n>(
        &self,
        node: &'n Node,
        ty: &Type,
    ) -> Result<&'n [Init], LiteralError> {
        match &node.kind {
            Kind::Braces(inits) => Ok(inits),
            _ => Err(Self::err(
                node,
                format!(
                    "expected a brace initializer {{...}} for {}, found {}",
                    type_name(ty),
                    kind_name(node)
                ),
            )),
        }
    }

    /// Converts a cast's value of type `from` to `to`, range-checked.
    pub(super) fn convert(
        &mut self,
        node: &Node,
        v: Value,
        from: &Type,
        to: &Type,
    ) -> Result<Value, LiteralError> {
        let num = if let Some((negative, magnitude)) = int_parts(&v) {
            Num::Int {
                negative,
                magnitude,
                ty: Some(from.clone()),
            }
        } else if let Some((negative, magnitude)) = wide_parts(&v) {
            Num::Wide {
                negative,
                magnitude,
                ty: Some(from.clone()),
            }
        } else if let Some(b) = binary_of(&v) {
            Num::Binary(b, from.clone())
        } else if let (Value::Pointer(p), Type::Pointer) = (&v, to) {
            return Ok(Value::Pointer(*p));
        } else {
            return Err(Self::err(
                node,
                format!(
                    "a value of type `{from}` cannot initialize {}",
                    type_name(to)
                ),
            ));
        };
        match to {
            t if t.is_integer() || matches!(t, Type::BitInt { .. }) => self.integer(node, num, to),
            Type::Float
            | Type::Double
            | Type::LongDouble
            | Type::Float16
            | Type::BFloat16
            | Type::Float128 => self.real(node, num, to),
            Type::Complex(elem) => {
                let re = self.convert(node, v, from, elem)?;
                Ok(Value::Complex(Box::new(re), Box::new(zero(elem))))
            }
            Type::Pointer => match num {
                Num::Int {
                    negative: false,
                    magnitude,
                    ..
                } if magnitude <= u64::MAX as u128 => {
                    Ok(Value::Pointer(magnitude as usize as *mut c_void))
                }
                _ => Err(Self::err(
                    node,
                    format!("a value of type `{from}` is not an address"),
                )),
            },
            _ => Err(Self::err(
                node,
                format!(
                    "a value of type `{from}` cannot initialize {}",
                    type_name(to)
                ),
            )),
        }
    }

    /// Evaluates an arithmetic expression.
    pub(super) fn number(&mut self, node: &Node) -> Result<Num, LiteralError> {
        Ok(match &node.kind {
            Kind::Int(c) => match &c.wide {
                Some(limbs) => Num::Wide {
                    negative: false,
                    magnitude: limbs.clone(),
                    ty: c.c_type(),
                },
                None => Num::Int {
                    negative: false,
                    magnitude: c.value,
                    ty: c.c_type(),
                },
            },
            Kind::Char(c) => Num::Int {
                negative: c.value < 0,
                magnitude: c.value.unsigned_abs(),
                ty: Some(c.ty.clone()),
            },
            Kind::Bool(b) => Num::Int {
                negative: false,
                magnitude: *b as u128,
                ty: Some(Type::Int),
            },
            Kind::Constant(v) => Num::Int {
                negative: *v < 0,
                magnitude: v.unsigned_abs(),
                ty: [Type::Int, Type::UInt, Type::Long, Type::ULong]
                    .into_iter()
                    .find(|t| fits(t, *v < 0, v.unsigned_abs())),
            },
            Kind::Real { value, suffix } => match suffix {
                FloatSuffix::None => Num::Decimal(value.clone()),
                _ => {
                    let ty = match suffix {
                        FloatSuffix::F => Type::Float,
                        FloatSuffix::L => Type::LongDouble,
                        FloatSuffix::F16 => Type::Float16,
                        FloatSuffix::F128 => Type::Float128,
                        _ => Type::Double,
                    };
                    let format = format_of(&ty).unwrap_or(float::F64);
                    let rounded = value.round(format).ok_or_else(|| too_many_digits(node))?;
                    let b =
                        binary_of(&encode(rounded, &ty)).unwrap_or(Binary::Nan { negative: false });
                    Num::Binary(b, ty)
                }
            },
            Kind::Special(b) => Num::Binary(*b, Type::Double),
            Kind::Name(name) => {
                let (ty, v) = self.name(node, name)?;
                if let Some((negative, magnitude)) = int_parts(&v) {
                    Num::Int {
                        negative,
                        magnitude,
                        ty: Some(ty),
                    }
                } else if let Some((negative, magnitude)) = wide_parts(&v) {
                    Num::Wide {
                        negative,
                        magnitude,
                        ty: Some(ty),
                    }
                } else if let Some(b) = binary_of(&v) {
                    Num::Binary(b, ty)
                } else {
                    return Err(Self::err(
                        node,
                        format!("expected a number, found '{name}', of type `{ty}`"),
                    ));
                }
            }
            Kind::Neg(inner) => {
                self.enter(node)?;
                let n = self.number(inner);
                self.depth -= 1;
                match n? {
                    Num::Int {
                        negative,
                        magnitude,
                        ty,
                    } => Num::Int {
                        negative: !negative && magnitude != 0,
                        magnitude,
                        ty,
                    },
                    Num::Wide {
                        negative,
                        magnitude,
                        ty,
                    } => Num::Wide {
                        negative: !negative,
                        magnitude,
                        ty,
                    },
                    Num::Binary(b, ty) => Num::Binary(negate(b), ty),
                    Num::Decimal(mut d) => {
                        d.negative = !d.negative;
                        Num::Decimal(d)
                    }
                }
            }
            Kind::Cast(ty, operand) => {
                if !(ty.is_integer()
                    || matches!(ty, Type::BitInt { .. })
                    || format_of(ty).is_some())
                {
                    return Err(Self::err(
                        node,
                        format!("expected a number, found a value of type `{ty}`"),
                    ));
                }
                let v = self.value(operand, ty)?;
                if let Some((negative, magnitude)) = int_parts(&v) {
                    Num::Int {
                        negative,
                        magnitude,
                        ty: Some(ty.clone()),
                    }
                } else if let Some((negative, magnitude)) = wide_parts(&v) {
                    Num::Wide {
                        negative,
                        magnitude,
                        ty: Some(ty.clone()),
                    }
                } else {
                    let b = binary_of(&v).unwrap_or(Binary::Nan { negative: false });
                    Num::Binary(b, ty.clone())
                }
            }
            _ => {
                return Err(Self::err(
                    node,
                    format!("expected a number, found {}", kind_name(node)),
                ));
            }
        })
    }

    pub(super) fn integer(
        &mut self,
        node: &Node,
        num: Num,
        ty: &Type,
    ) -> Result<Value, LiteralError> {
        match num {
            Num::Int {
                negative,
                magnitude,
                ..
            } => int_value(ty, negative, magnitude).ok_or_else(|| {
                let (min, max) = int_range(ty).unwrap_or((0, 0));
                Self::err(
                    node,
                    format!(
                        "{} does not fit in `{ty}` ({} to {max})",
                        signed_text(negative, magnitude),
                        signed_text(true, min)
                    ),
                )
            }),
            Num::Wide {
                negative,
                magnitude,
                ..
            } => wide_value(ty, negative, &magnitude).ok_or_else(|| {
                let sign = if negative { "negative " } else { "" };
                Self::err(
                    node,
                    format!(
                        "a {sign}value of {} bits does not fit in `{ty}`",
                        wide_bits(&magnitude)
                    ),
                )
            }),
            Num::Binary(..) | Num::Decimal(_) => Err(Self::err(
                node,
                format!(
                    "expected an integer for `{ty}`, found a floating value \
                     (jitcall does not truncate)"
                ),
            )),
        }
    }

    pub(super) fn real(&mut self, node: &Node, num: Num, ty: &Type) -> Result<Value, LiteralError> {
        let format = format_of(ty).unwrap_or(float::F64);
        Ok(match num {
            Num::Int {
                negative,
                magnitude,
                ..
            } => encode(float::round_integer(negative, magnitude, format), ty),
            Num::Decimal(d) => encode(d.round(format).ok_or_else(|| too_many_digits(node))?, ty),
            Num::Binary(b, _) => encode_binary(b, ty),
            Num::Wide {
                negative,
                magnitude,
                ..
            } => encode(float::round_wide_integer(negative, &magnitude, format), ty),
        })
    }

    /// The value of `node` for a pointer: NULL, a string, an address, a function's or
    /// variable's name, `&name`, `&(T){...}`, an array `(T[N]){...}`, or a cast.
    pub(super) fn pointer(&mut self, node: &Node) -> Result<Value, LiteralError> {
        match &node.kind {
            Kind::Null => Ok(Value::Pointer(std::ptr::null_mut())),
            Kind::Str(bytes) => Ok(Value::Pointer(self.strings.store(bytes.clone()))),
            Kind::Int(_) | Kind::Neg(_) | Kind::Constant(_) => match self.number(node)? {
                Num::Int {
                    negative,
                    magnitude,
                    ..
                } if (!negative || magnitude == 0) && magnitude <= u64::MAX as u128 => {
                    Ok(Value::Pointer(magnitude as usize as *mut c_void))
                }
                _ => Err(Self::err(
                    node,
                    "an address must be an integer from 0 to 0xffffffffffffffff",
                )),
            },
            Kind::Name(name) => {
                let (ty, v) = self.name(node, name)?;
                match (&ty, v) {
                    (Type::Pointer, v) => Ok(v),
                    // An array variable is the address of its first element.
                    (Type::Array(..), _) => self.address_of_name(node, name),
                    (ty, _) => Err(Self::err(
                        node,
                        format!(
                            "'{name}' is of type `{ty}`, not a pointer: for its address, \
                             write &{name}"
                        ),
                    )),
                }
            }
            Kind::AddressOf(operand) => self.address_of(node, operand),
            // An array decays to the address of its first element.
            Kind::Cast(ty @ Type::Array(..), operand) => {
                self.temporary(node, operand, ty, ty.to_string())
            }
            Kind::Cast(cast_ty, operand) => {
                let v = self.value(operand, cast_ty)?;
                if *cast_ty == Type::Pointer {
                    return Ok(v);
                }
                self.convert(node, v, cast_ty, &Type::Pointer)
            }
            // `{x}` for a pointer object, as C allows: `&(void *){0}`. A brace list for
            // a pointer argument itself is refused by `argument`.
            Kind::Braces(inits) => match inits.as_slice() {
                [] => Ok(Value::Pointer(std::ptr::null_mut())),
                [
                    Init {
                        designator: None,
                        value,
                    },
                ] => self.value(value, &Type::Pointer),
                _ => Err(Self::err(
                    node,
                    "a pointer is not an aggregate: expected one value",
                )),
            },
            _ => Err(Self::err(
                node,
                format!(
                    "expected a pointer (a \"string\", NULL, an address, &(T){{...}} or a \
                     function's name), found {}",
                    kind_name(node)
                ),
            )),
        }
    }

    /// `&operand`: a compound literal's new object, or a name's address.
    fn address_of(&mut self, node: &Node, operand: &Node) -> Result<Value, LiteralError> {
        match &operand.kind {
            Kind::Cast(ty, inner) if matches!(inner.kind, Kind::Braces(_) | Kind::Str(_)) => {
                let name = pointer_to(&ty.to_string());
                self.temporary(node, inner, ty, name)
            }
            Kind::Name(name) => self.address_of_name(operand, name),
            _ => Err(Self::err(
                node,
                "& takes a compound literal, &(int){0}, or the name of a variable or \
                 function",
            )),
        }
    }

    fn address_of_name(&mut self, node: &Node, name: &str) -> Result<Value, LiteralError> {
        match self.names.address(name) {
            Some(p) => Ok(Value::Pointer(p)),
            None => Err(Self::err(node, unknown_name(name))),
        }
    }

    /// A new object of type `ty` initialized by `init`, kept in `strings`; its address.
    fn temporary(
        &mut self,
        node: &Node,
        init: &Node,
        ty: &Type,
        type_name: String,
    ) -> Result<Value, LiteralError> {
        let value = self.value(init, ty)?;
        let temporary = Temporary::new(ty, &value, type_name)
            .map_err(|e| Self::err(node, format!("cannot make this object: {e}")))?;
        Ok(Value::Pointer(self.strings.keep(temporary)))
    }

    /// The type and value of a name the caller knows.
    fn name(&mut self, node: &Node, name: &str) -> Result<(Type, Value), LiteralError> {
        self.names
            .value(name)
            .ok_or_else(|| Self::err(node, unknown_name(name)))
    }

    /// The type and value of a variadic argument: its own C type after the default
    /// argument promotions.
    pub(super) fn untyped(&mut self, node: &Node) -> Result<(Type, Value), LiteralError> {
        match &node.kind {
            Kind::Str(_) | Kind::Null | Kind::AddressOf(_) | Kind::Cast(Type::Array(..), _) => {
                Ok((Type::Pointer, self.pointer(node)?))
            }
            Kind::Name(name) => {
                let (ty, v) = self.name(node, name)?;
                if matches!(ty, Type::Array(..)) {
                    return Ok((Type::Pointer, self.address_of_name(node, name)?));
                }
                Ok(promote(&ty, v))
            }
            Kind::Braces(_) => Err(Self::err(
                node,
                "a variadic argument needs a type: write a compound literal like \
                 (struct s){1, 2}",
            )),
            Kind::Cast(ty, operand) => {
                let v = self.value(operand, ty)?;
                Ok(promote(ty, v))
            }
            _ => match self.number(node)? {
                Num::Int {
                    negative,
                    magnitude,
                    ty: Some(ty),
                } => {
                    let v = self.integer(
                        node,
                        Num::Int {
                            negative,
                            magnitude,
                            ty: None,
                        },
                        &ty,
                    )?;
                    Ok(promote(&ty, v))
                }
                Num::Int { .. } => Err(Self::err(
                    node,
                    "integer constant too large for `unsigned long`: \
                     write a cast like (unsigned __int128)...",
                )),
                // A `_BitInt` is not promoted: it goes as its own type.
                Num::Wide {
                    negative,
                    magnitude,
                    ty: Some(ty),
                } => {
                    let v = self.integer(
                        node,
                        Num::Wide {
                            negative,
                            magnitude,
                            ty: None,
                        },
                        &ty,
                    )?;
                    Ok(promote(&ty, v))
                }
                Num::Wide { ty: None, .. } => Err(Self::err(
                    node,
                    "a variadic argument needs a type: write a cast like (_BitInt(256))...",
                )),
                Num::Decimal(d) => Ok((
                    Type::Double,
                    encode(
                        d.round(float::F64).ok_or_else(|| too_many_digits(node))?,
                        &Type::Double,
                    ),
                )),
                Num::Binary(b, ty) => {
                    let v = encode_binary(b, &ty);
                    Ok(promote(&ty, v))
                }
            },
        }
    }
}

fn unknown_name(name: &str) -> String {
    format!(
        "unknown name '{name}': expected a number, a string, NULL, an enumeration \
         constant, or the name of a function"
    )
}

pub(super) fn too_many_digits(node: &Node) -> LiteralError {
    Eval::err(
        node,
        format!(
            "floating constant with more than {} digits",
            float::MAX_DIGITS
        ),
    )
}

pub(super) fn negate(b: Binary) -> Binary {
    match b {
        Binary::Finite {
            negative,
            mantissa,
            exponent,
        } => Binary::Finite {
            negative: !negative,
            mantissa,
            exponent,
        },
        Binary::Infinite { negative } => Binary::Infinite {
            negative: !negative,
        },
        Binary::Nan { negative } => Binary::Nan {
            negative: !negative,
        },
    }
}

/// The member a designator of a struct or union initializer names (`.name`; an array
/// index `[n]` is an error here), with the designator's text span for errors.
pub(super) fn member_index(
    ty: &Type,
    agg: &crate::Aggregate,
    designator: &Designator,
    start: usize,
    end: usize,
) -> Result<usize, LiteralError> {
    match designator {
        Designator::Member(name) => agg
            .fields
            .iter()
            .position(|f| f.name.as_deref() == Some(name.as_str()))
            .ok_or_else(|| {
                LiteralError::new(
                    start,
                    end,
                    format!("{ty} has no member named '{name}'{}", members(agg)),
                )
            }),
        Designator::Index(_) => Err(LiteralError::new(
            start,
            end,
            format!("array index in an initializer of {ty}, not an array"),
        )),
    }
}

pub(super) fn members(agg: &crate::Aggregate) -> String {
    let names: Vec<&str> = agg
        .fields
        .iter()
        .filter_map(|f| f.name.as_deref())
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" (members: {})", names.join(", "))
    }
}

/// C's default argument promotions, for variadic arguments.
pub(super) fn promote(ty: &Type, v: Value) -> (Type, Value) {
    match v {
        Value::Float(x) => (Type::Double, Value::Double(x as f64)),
        Value::Bool(b) => (Type::Int, Value::Int(b as i32)),
        Value::Char(x) | Value::SChar(x) => (Type::Int, Value::Int(x as i32)),
        Value::UChar(x) => (Type::Int, Value::Int(x as i32)),
        Value::Short(x) => (Type::Int, Value::Int(x as i32)),
        Value::UShort(x) => (Type::Int, Value::Int(x as i32)),
        v => (ty.clone(), v),
    }
}

/// The zero value of a type: what C gives members an initializer leaves out.
pub fn zero(ty: &Type) -> Value {
    match ty {
        Type::Void => Value::Void,
        Type::Bool => Value::Bool(false),
        Type::Char => Value::Char(0),
        Type::SChar => Value::SChar(0),
        Type::UChar => Value::UChar(0),
        Type::Short => Value::Short(0),
        Type::UShort => Value::UShort(0),
        Type::Int => Value::Int(0),
        Type::UInt => Value::UInt(0),
        Type::Long => Value::Long(0),
        Type::ULong => Value::ULong(0),
        Type::LongLong => Value::LongLong(0),
        Type::ULongLong => Value::ULongLong(0),
        Type::Int128 => Value::Int128(0),
        Type::UInt128 => Value::UInt128(0),
        Type::BitInt { bits, signed } => BitInt::new(*bits, *signed, 0)
            .map_or(Value::Pointer(std::ptr::null_mut()), Value::BitInt),
        Type::Float => Value::Float(0.0),
        Type::Double => Value::Double(0.0),
        Type::LongDouble => Value::LongDouble(LongDouble::from_f64(0.0)),
        Type::Float16 => Value::Float16(Float16::default()),
        Type::BFloat16 => Value::BFloat16(BFloat16::default()),
        Type::Float128 => Value::Float128(Float128::default()),
        Type::Struct(agg) => Value::Struct(agg.fields.iter().map(|f| zero(&f.ty)).collect()),
        Type::Union(agg) => match agg.fields.first() {
            Some(f) => Value::Union {
                member: 0,
                value: Box::new(zero(&f.ty)),
            },
            None => Value::Struct(Vec::new()),
        },
        Type::Array(elem, n) => Value::Array((0..*n).map(|_| zero(elem)).collect()),
        Type::Complex(elem) => Value::Complex(Box::new(zero(elem)), Box::new(zero(elem))),
        Type::Vector(elem, n) | Type::ExtVector(elem, n) => {
            Value::Vector((0..*n).map(|_| zero(elem)).collect())
        }
        _ => Value::Pointer(std::ptr::null_mut()),
    }
}
