//! The C type model and its layout, exactly as gcc lays types out on x86-64 Linux.
//!
//! A [`Type`] is a tree: scalars at the leaves; structs, unions, arrays and `_Complex`
//! above them. [`Type::layout`] computes size and alignment; [`Type::field_offsets`]
//! the offset of every member. Both follow gcc, including `__attribute__((packed))`,
//! `__attribute__((aligned(N)))` on aggregates and on members, and GNU C's empty
//! structs and zero-length arrays.
//!
//! This module does not classify (that is [`crate::abi`]) and does not parse C text
//! (that is the declaration parser). Constructors never fail; a type C forbids (a
//! `void` member, `int _Complex`, a non-power-of-two alignment) is reported as an
//! [`Error`] by the first operation that needs its layout.

use crate::Error;
use std::fmt;
use std::sync::Arc;

/// Aggregates larger than this are refused: no C compiler passes them by value in any
/// sane program, and the bound keeps every size computation far from overflow.
pub const MAX_TYPE_SIZE: u64 = 1 << 28;

/// The widest `_BitInt` (clang's `__BITINT_MAXWIDTH__`).
pub const MAX_BITINT_WIDTH: u32 = 8_388_608;

/// A C type.
///
/// Scalar variants carry their C names. Aggregates are built with
/// [`Type::structure`], [`Type::union`], [`Type::array`], [`Type::complex`], or with an
/// [`AggregateBuilder`] for named members, packing and alignment.
#[derive(Clone, Debug, Eq)]
#[non_exhaustive]
pub enum Type {
    /// `void`: only as a return type.
    Void,
    /// `_Bool`.
    Bool,
    /// `char` (signed on x86-64 Linux).
    Char,
    /// `signed char`.
    SChar,
    /// `unsigned char`.
    UChar,
    /// `short`.
    Short,
    /// `unsigned short`.
    UShort,
    /// `int`.
    Int,
    /// `unsigned int`.
    UInt,
    /// `long`.
    Long,
    /// `unsigned long`.
    ULong,
    /// `long long`.
    LongLong,
    /// `unsigned long long`.
    ULongLong,
    /// `__int128`.
    Int128,
    /// `unsigned __int128`.
    UInt128,
    /// `float`.
    Float,
    /// `double`.
    Double,
    /// `long double`: the x87 80-bit format in a 16-byte, 16-aligned slot.
    LongDouble,
    /// `_Float16`: IEEE 754 binary16, 2 bytes, class SSE (psABI §3.2.3).
    Float16,
    /// `__bf16`: bfloat16 (the top half of a `float`: 8 exponent bits, 7 fraction
    /// bits), 2 bytes, class SSE like `_Float16`, as clang-19 passes it (gcc 12 has no
    /// `__bf16`).
    BFloat16,
    /// `_Float128` (also spelled `__float128`): IEEE 754 binary128, 16 bytes aligned to
    /// 16, classes SSE and SSEUP: one whole `xmm` register.
    Float128,
    /// C23 `_BitInt(N)` (`signed`) or `unsigned _BitInt(N)`, as clang lays it out
    /// (x86-64 psABI): `N` up to 64 takes the size and alignment of the smallest of
    /// `char`, `short`, `int`, `long` that holds it; wider ones are 8-aligned limbs of
    /// 8 bytes. Class INTEGER up to 128 bits, MEMORY above (see `docs/ABI.md`).
    BitInt {
        /// `N`: 1 to [`MAX_BITINT_WIDTH`] (at least 2 when signed).
        bits: u32,
        /// `_BitInt(N)` rather than `unsigned _BitInt(N)`.
        signed: bool,
    },
    /// Any data or function pointer.
    Pointer,
    /// A `struct`.
    Struct(Arc<Aggregate>),
    /// A `union`.
    Union(Arc<Aggregate>),
    /// `elem[count]`, only inside aggregates (C passes array parameters as pointers).
    Array(Arc<Type>, u64),
    /// `float _Complex`, `double _Complex`, `long double _Complex`, `_Complex _Float16`
    /// or `_Complex _Float128`, or GNU C's complex integers (`_Complex int`), laid out
    /// and passed as `struct { T re, im; }` (so `_Complex _Float128`, 32 bytes, is
    /// MEMORY).
    Complex(Arc<Type>),
    /// A GNU vector, `elem __attribute__((vector_size(N)))`: `lanes` elements of an
    /// integer type, `float`, `double` or `_Float16`, `N` bytes in all (any power of
    /// two gcc accepts, 1 to [`MAX_TYPE_SIZE`]), aligned to `N`. Vectors of more than
    /// 64 bytes are passed and returned in memory.
    Vector(Arc<Type>, u64),
    /// A clang vector, `elem __attribute__((ext_vector_type(lanes)))`: `lanes` elements
    /// (of the types a GNU vector takes) in the storage of a vector of
    /// `lanes.next_power_of_two()` of them, aligned to that size (`float3` is 16
    /// bytes), and passed as clang-19 passes a vector of that size (gcc has no
    /// `ext_vector_type`). The padding lanes carry no value.
    ExtVector(Arc<Type>, u64),
}

/// The members and attributes of a struct or union.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Aggregate {
    /// The tag (`struct point` has tag `point`), used only for display.
    pub tag: Option<String>,
    /// The members in declaration order.
    pub fields: Vec<Field>,
    /// `__attribute__((packed))`: members are aligned to 1 unless they carry an
    /// alignment of their own.
    pub packed: bool,
    /// `__attribute__((aligned(N)))` on the aggregate: raises its alignment to `N`.
    pub align: Option<u64>,
    /// `#pragma pack(N)` in effect where the aggregate was defined: caps the alignment
    /// of every member at `N` (even one with `aligned`), but not the aggregate's own
    /// `aligned`, nor the padding a zero-width bit-field asks for.
    pub pack: Option<u64>,
}

/// One member of a struct or union.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// The member's name, if it has one (used for display and designated values).
    pub name: Option<String>,
    /// The member's type.
    pub ty: Type,
    /// `_Alignas(N)` or `__attribute__((aligned(N)))` on the member: raises the
    /// member's alignment to `N` (never lowers it, as in gcc).
    pub align: Option<u64>,
    /// For a bit-field, its width in bits (`int flags : 3` has `Some(3)`); an unnamed
    /// bit-field has no name, and a zero-width one (`int : 0`) only pads.
    pub bits: Option<u32>,
}

/// Where one member of a struct or union lies, as [`Type::field_places`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldPlace {
    /// The member's byte offset; for a bit-field, the offset of its *storage unit*: the
    /// object of its declared type, at that type's alignment, that holds its first bit
    /// (as gcc places the unit when nothing is packed).
    pub offset: u64,
    /// For a bit-field, its bits within the storage unit.
    pub bits: Option<BitPlace>,
}

/// A bit-field's bits: `width` bits from bit `bit_offset` of the storage unit, counted
/// from the least significant bit of the unit's first byte (x86-64 is little-endian:
/// bit `b` is bit `b % 8` of byte `offset + b / 8`). Under `packed` or `#pragma pack`
/// the bits may run past the unit's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BitPlace {
    /// The first bit, from the start of the storage unit.
    pub bit_offset: u32,
    /// How many bits (0 for a zero-width bit-field).
    pub width: u32,
}

impl BitPlace {
    /// The first bit counted from the start of the aggregate, for a unit at `offset`.
    pub fn absolute(&self, offset: u64) -> u64 {
        offset * 8 + u64::from(self.bit_offset)
    }
}

/// Size and alignment of a type, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    /// `sizeof`.
    pub size: u64,
    /// `_Alignof`.
    pub align: u64,
}

/// Builds a struct or union with named members, packing or alignment.
///
/// ```
/// use jitcall::Type;
/// let packed = Type::build_struct()
///     .tag("hdr")
///     .field("kind", Type::Char)
///     .field("len", Type::Int)
///     .packed()
///     .finish();
/// assert_eq!(packed.layout().unwrap().size, 5);
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct AggregateBuilder {
    union: bool,
    agg: Aggregate,
}

impl AggregateBuilder {
    /// Sets the tag shown in messages and `explain`.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.agg.tag = Some(tag.into());
        self
    }

    /// Appends a named member.
    pub fn field(mut self, name: impl Into<String>, ty: Type) -> Self {
        self.agg.fields.push(Field {
            name: Some(name.into()),
            ty,
            align: None,
            bits: None,
        });
        self
    }

    /// Appends a bit-field `ty name : width` (`ty` an integer type, `_Bool` included).
    pub fn bit_field(mut self, name: impl Into<String>, ty: Type, width: u32) -> Self {
        self.agg.fields.push(Field {
            name: Some(name.into()),
            ty,
            align: None,
            bits: Some(width),
        });
        self
    }

    /// Appends an unnamed bit-field `ty : width`: padding (width 0 pads to the next
    /// unit of `ty`).
    pub fn unnamed_bit_field(mut self, ty: Type, width: u32) -> Self {
        self.agg.fields.push(Field {
            name: None,
            ty,
            align: None,
            bits: Some(width),
        });
        self
    }

    /// Appends a member with `_Alignas(align)`.
    pub fn aligned_field(mut self, name: impl Into<String>, ty: Type, align: u64) -> Self {
        self.agg.fields.push(Field {
            name: Some(name.into()),
            ty,
            align: Some(align),
            bits: None,
        });
        self
    }

    /// Appends a member given as a [`Field`].
    pub fn member(mut self, field: Field) -> Self {
        self.agg.fields.push(field);
        self
    }

    /// Marks the aggregate `__attribute__((packed))`.
    pub fn packed(mut self) -> Self {
        self.agg.packed = true;
        self
    }

    /// Gives the aggregate `__attribute__((aligned(align)))`.
    pub fn aligned(mut self, align: u64) -> Self {
        self.agg.align = Some(align);
        self
    }

    /// Lays the aggregate out under `#pragma pack(pack)`: every member's alignment is
    /// capped at `pack` (1, 2, 4, 8 or 16).
    pub fn pack(mut self, pack: u64) -> Self {
        self.agg.pack = Some(pack);
        self
    }

    /// The finished type.
    pub fn finish(self) -> Type {
        let agg = Arc::new(self.agg);
        if self.union {
            Type::Union(agg)
        } else {
            Type::Struct(agg)
        }
    }
}

fn unnamed_fields(fields: impl IntoIterator<Item = Type>) -> Vec<Field> {
    fields
        .into_iter()
        .map(|ty| Field {
            name: None,
            ty,
            align: None,
            bits: None,
        })
        .collect()
}

fn check_align(align: u64, what: &str) -> Result<(), Error> {
    if align == 0 || !align.is_power_of_two() || align > (1 << 28) {
        return Err(Error::invalid(format!(
            "alignment {align} of {what} is not a power of two up to 2^28"
        )));
    }
    Ok(())
}

/// `n` rounded up to a multiple of `align`, a power of two (a mask, not a division:
/// this runs for every member of every value converted).
#[inline]
fn round_up(n: u64, align: u64) -> u64 {
    debug_assert!(align.is_power_of_two());
    (n + align - 1) & !(align - 1)
}

impl Type {
    /// A struct of unnamed members, laid out in order.
    pub fn structure(fields: impl IntoIterator<Item = Type>) -> Type {
        Type::Struct(Arc::new(Aggregate {
            tag: None,
            fields: unnamed_fields(fields),
            packed: false,
            align: None,
            pack: None,
        }))
    }

    /// A union of unnamed members.
    pub fn union(fields: impl IntoIterator<Item = Type>) -> Type {
        Type::Union(Arc::new(Aggregate {
            tag: None,
            fields: unnamed_fields(fields),
            packed: false,
            align: None,
            pack: None,
        }))
    }

    /// `elem[count]`, for use inside aggregates.
    pub fn array(elem: Type, count: u64) -> Type {
        Type::Array(Arc::new(elem), count)
    }

    /// `elem __attribute__((vector_size(lanes * sizeof(elem))))`: a GNU vector of
    /// `lanes` elements (`__m128` is `Type::vector(Type::Float, 4)`).
    pub fn vector(elem: Type, lanes: u64) -> Type {
        Type::Vector(Arc::new(elem), lanes)
    }

    /// `elem __attribute__((ext_vector_type(lanes)))`: a clang vector of `lanes`
    /// elements, stored as `lanes.next_power_of_two()` of them (see
    /// [`Type::ExtVector`]).
    pub fn ext_vector(elem: Type, lanes: u64) -> Type {
        Type::ExtVector(Arc::new(elem), lanes)
    }

    /// The element type and lane count of a GNU or clang vector; `None` for other
    /// types.
    pub fn vector_lanes(&self) -> Option<(&Type, u64)> {
        match self {
            Type::Vector(elem, lanes) | Type::ExtVector(elem, lanes) => Some((elem, *lanes)),
            _ => None,
        }
    }

    /// `elem _Complex`; `elem` must be `Float`, `Double`, `LongDouble`, `Float16` or
    /// `Float128`, or (GNU C) an integer type other than `Bool`.
    pub fn complex(elem: Type) -> Type {
        Type::Complex(Arc::new(elem))
    }

    /// Starts a struct with named members or attributes.
    pub fn build_struct() -> AggregateBuilder {
        AggregateBuilder {
            union: false,
            agg: Aggregate {
                tag: None,
                fields: Vec::new(),
                packed: false,
                align: None,
                pack: None,
            },
        }
    }

    /// Starts a union with named members or attributes.
    pub fn build_union() -> AggregateBuilder {
        AggregateBuilder {
            union: true,
            ..Type::build_struct()
        }
    }

    /// Whether this is one of the integer types (including `_Bool` and `char`).
    pub fn is_integer(&self) -> bool {
        use Type::*;
        matches!(
            self,
            Bool | Char
                | SChar
                | UChar
                | Short
                | UShort
                | Int
                | UInt
                | Long
                | ULong
                | LongLong
                | ULongLong
                | Int128
                | UInt128
        )
    }

    /// Whether this is a struct, union, array or complex type.
    pub fn is_aggregate(&self) -> bool {
        matches!(
            self,
            Type::Struct(_) | Type::Union(_) | Type::Array(..) | Type::Complex(_)
        )
    }

    /// Size and alignment of a scalar, without the `Result` (and its large error type)
    /// that [`Type::layout`] carries: the fast path of value conversion.
    #[inline]
    pub(crate) fn scalar_layout(&self) -> Option<Layout> {
        use Type::*;
        let n = match self {
            Bool | Char | SChar | UChar => 1,
            Short | UShort | Float16 | BFloat16 => 2,
            Int | UInt | Float => 4,
            Long | ULong | LongLong | ULongLong | Double | Pointer => 8,
            Int128 | UInt128 | LongDouble | Float128 => 16,
            BitInt { bits, signed } if *bits > u32::from(*signed) => return bitint_layout(*bits),
            _ => return None,
        };
        Some(Layout { size: n, align: n })
    }

    /// Size and alignment, as gcc computes them for x86-64 Linux.
    pub fn layout(&self) -> Result<Layout, Error> {
        use Type::*;
        let (size, align) = match self {
            Void => return Err(Error::invalid("`void` has no size")),
            Complex(elem) => match **elem {
                // GNU C also has complex integers (`_Complex int`), laid out and passed
                // as `struct { T re, im; }`.
                Float | Double | LongDouble | Float16 | Float128 => {
                    let l = elem.layout()?;
                    (2 * l.size, l.align)
                }
                ref int if int.is_integer() && *int != Bool => {
                    let l = elem.layout()?;
                    (2 * l.size, l.align)
                }
                ref other => {
                    return Err(Error::invalid(format!(
                        "`{other} _Complex`: only floating and integer types other than \
                         `_Bool` can be complex"
                    )));
                }
            },
            Array(elem, count) => {
                if matches!(**elem, Void) {
                    return Err(Error::invalid("array of `void`"));
                }
                let l = elem.layout()?;
                let size = l.size.checked_mul(*count).filter(|s| *s <= MAX_TYPE_SIZE);
                match size {
                    Some(size) => (size, l.align),
                    None => {
                        return Err(Error::unsupported(format!(
                            "array `{self}` is larger than {MAX_TYPE_SIZE} bytes"
                        )));
                    }
                }
            }
            Vector(elem, lanes) | ExtVector(elem, lanes) => {
                let ok_elem = elem.is_integer() && !matches!(**elem, Bool)
                    || matches!(**elem, Float | Double | Float16);
                if !ok_elem {
                    return Err(Error::invalid(format!(
                        "`{self}`: a vector's elements are integers, float, double or _Float16"
                    )));
                }
                let stored = match self {
                    ExtVector(..) if *lanes == 0 => {
                        return Err(Error::invalid(format!("`{self}` has no lanes")));
                    }
                    ExtVector(..) => lanes.checked_next_power_of_two().unwrap_or(u64::MAX),
                    _ => *lanes,
                };
                let size = elem.layout()?.size.saturating_mul(stored);
                if !size.is_power_of_two() {
                    return Err(Error::invalid(format!(
                        "`{self}`: a vector of {size} bytes (gcc's vector sizes are powers \
                         of two)"
                    )));
                }
                if size > MAX_TYPE_SIZE {
                    return Err(Error::unsupported(format!(
                        "`{self}`: a vector of {size} bytes (at most {MAX_TYPE_SIZE})"
                    )));
                }
                // gcc with the vector's ISA enabled, and clang always: aligned to its size.
                // (gcc's `_Alignof` of a vector wider than its ISA's registers says less,
                // but gcc still aligns members and stack arguments to the size:
                // docs/DIVERGENCES.md.)
                (size, size)
            }
            BitInt { bits, signed } => {
                let least = if *signed { 2 } else { 1 };
                if *bits < least || *bits > MAX_BITINT_WIDTH {
                    return Err(Error::invalid(format!(
                        "`{self}`: the width of a{} _BitInt is {least} to {MAX_BITINT_WIDTH}",
                        if *signed { " signed" } else { "n unsigned" }
                    )));
                }
                let l = bitint_layout(*bits).expect("width checked above");
                (l.size, l.align)
            }
            Struct(agg) => return agg.walk(false, |_, _, _, _| Ok(())),
            Union(agg) => return agg.walk(true, |_, _, _, _| Ok(())),
            scalar => {
                return scalar
                    .scalar_layout()
                    .ok_or_else(|| Error::invalid(format!("`{scalar}` has no layout")));
            }
        };
        Ok(Layout { size, align })
    }

    /// Where each member of a struct or union lies, bit-fields' bits included; `None`
    /// for other types.
    pub fn field_places(&self) -> Result<Option<Vec<FieldPlace>>, Error> {
        let (agg, union) = match self {
            Type::Struct(agg) => (agg, false),
            Type::Union(agg) => (agg, true),
            _ => return Ok(None),
        };
        let mut places = Vec::with_capacity(agg.fields.len());
        agg.place(union, |_, _, place, _| {
            places.push(place);
            Ok(())
        })?;
        Ok(Some(places))
    }

    /// Offsets of the members of a struct or union (all zero for a union; a
    /// bit-field's is its storage unit's, see [`FieldPlace`]); `None` for other types.
    pub fn field_offsets(&self) -> Result<Option<Vec<u64>>, Error> {
        match self {
            Type::Struct(agg) => agg.layout(false).map(|(_, o)| Some(o)),
            Type::Union(agg) => agg.layout(true).map(|(_, o)| Some(o)),
            _ => Ok(None),
        }
    }
}

impl Aggregate {
    /// Layout and member offsets.
    fn layout(&self, union: bool) -> Result<(Layout, Vec<u64>), Error> {
        let mut offsets = Vec::with_capacity(self.fields.len());
        let layout = self.walk(union, |_, _, offset, _| {
            offsets.push(offset);
            Ok(())
        })?;
        Ok((layout, offsets))
    }

    /// Whether any member is a bit-field (members of nested aggregates not counted).
    pub fn has_bit_fields(&self) -> bool {
        self.fields.iter().any(|f| f.bits.is_some())
    }

    /// [`Aggregate::place`] without the bits: `visit(index, member, offset, member
    /// layout)`, the offset of a bit-field being that of its storage unit.
    pub(crate) fn walk(
        &self,
        union: bool,
        mut visit: impl FnMut(usize, &Field, u64, Layout) -> Result<(), Error>,
    ) -> Result<Layout, Error> {
        self.place(union, |i, field, place, l| visit(i, field, place.offset, l))
    }

    /// Calls `visit(index, member, place, member layout)` for every member in order,
    /// then returns the aggregate's layout, by gcc's rules: each member is placed at the
    /// next multiple of its alignment (1 in a packed aggregate, raised by the member's
    /// own `aligned`, capped by `#pragma pack`); the aggregate's alignment is the
    /// largest member alignment, raised by its own `aligned`; its size is rounded up to
    /// that alignment. Bit-fields follow gcc's x86-64 rules (`place_field` in gcc's
    /// `stor-layout.c`): see [`Aggregate::place_bit_field`]. Allocates nothing, so value
    /// conversion can walk members on every call.
    pub(crate) fn place(
        &self,
        union: bool,
        mut visit: impl FnMut(usize, &Field, FieldPlace, Layout) -> Result<(), Error>,
    ) -> Result<Layout, Error> {
        let what = if union { "union" } else { "struct" };
        if let Some(pack) = self.pack
            && !matches!(pack, 1 | 2 | 4 | 8 | 16)
        {
            return Err(Error::invalid(format!(
                "#pragma pack({pack}): the value must be 1, 2, 4, 8 or 16"
            )));
        }
        // Bits, so bit-fields can share bytes: the next free bit of a struct, the
        // largest member of a union.
        let mut end = 0u64;
        let mut align = 1u64;
        for (i, field) in self.fields.iter().enumerate() {
            if matches!(field.ty, Type::Void) {
                return Err(Error::invalid(format!("member {i} of a {what} is `void`")));
            }
            let l = match field.ty.scalar_layout() {
                Some(l) => l,
                None => field.ty.layout()?,
            };
            let place = match field.bits {
                Some(width) => {
                    let start = if union { 0 } else { end };
                    let (pos, field_align) = self.place_bit_field(i, field, width, l, start)?;
                    align = align.max(field_align);
                    end = if union {
                        end.max(u64::from(width).next_multiple_of(8))
                    } else {
                        pos + u64::from(width)
                    };
                    let unit = pos / (8 * l.align) * l.align;
                    FieldPlace {
                        offset: unit,
                        bits: Some(BitPlace {
                            bit_offset: (pos - 8 * unit) as u32,
                            width,
                        }),
                    }
                }
                None => {
                    let mut field_align = if self.packed { 1 } else { l.align };
                    if let Some(a) = field.align {
                        check_align(a, "a member")?;
                        field_align = field_align.max(a);
                    }
                    if let Some(pack) = self.pack {
                        field_align = field_align.min(pack);
                    }
                    align = align.max(field_align);
                    let offset = if union {
                        0
                    } else {
                        round_up(end.div_ceil(8), field_align)
                    };
                    end = end.max((offset + l.size) * 8);
                    FieldPlace { offset, bits: None }
                }
            };
            if end > MAX_TYPE_SIZE * 8 {
                return Err(Error::unsupported(format!(
                    "{what} larger than {MAX_TYPE_SIZE} bytes"
                )));
            }
            visit(i, field, place, l)?;
        }
        if let Some(a) = self.align {
            check_align(a, what)?;
            align = align.max(a);
        }
        Ok(Layout {
            size: round_up(end.div_ceil(8), align),
            align,
        })
    }

    /// Places bit-field `i`, `width` bits of a type laid out as `l`, at or after bit
    /// `start`: its first bit, and the alignment it gives the aggregate. gcc's rules
    /// for x86-64:
    ///
    /// - a bit-field that would cross a boundary of its type's alignment starts at the
    ///   next boundary, unless the aggregate is packed or under `#pragma pack`
    ///   (`excess_unit_span`);
    /// - `aligned(N)` on a bit-field aligns its first bit to `N` bytes (capped by
    ///   `#pragma pack`);
    /// - a named bit-field gives the aggregate its type's alignment (1 when packed,
    ///   capped by `#pragma pack`), an unnamed one gives none (psABI §3.1.2);
    /// - a zero-width bit-field pads to the next boundary of its type's alignment
    ///   whatever the packing, and takes no space.
    fn place_bit_field(
        &self,
        i: usize,
        field: &Field,
        width: u32,
        l: Layout,
        start: u64,
    ) -> Result<(u64, u64), Error> {
        let name = field.name.as_deref().map_or_else(
            || format!("unnamed bit-field {i}"),
            |n| format!("bit-field '{n}'"),
        );
        let type_bits = match field.ty {
            Type::Bool => 1,
            ref ty if ty.is_integer() => 8 * l.size,
            // clang-19: a `_BitInt(N)` bit-field holds up to `N` bits (jitcall: 128).
            Type::BitInt { bits, .. } if bits <= 128 => u64::from(bits),
            ref ty => {
                return Err(Error::invalid(format!(
                    "{name} has type `{ty}`: a bit-field must have an integer type"
                )));
            }
        };
        if u64::from(width) > type_bits {
            return Err(Error::invalid(format!(
                "{name}: width {width} exceeds its type `{}` ({type_bits} bits)",
                field.ty
            )));
        }
        if width == 0 && field.name.is_some() {
            return Err(Error::invalid(format!("{name} has zero width")));
        }
        // The boundary a bit-field may not cross: its type's alignment (gcc; for a
        // `_BitInt(N)` of up to 64 bits, its size, the same). A wider `_BitInt` (16
        // bytes, aligned to 8) follows clang-19's rule, of which gcc's is the case of a
        // type as large as its alignment: the field moves to its type's alignment when
        // its offset in an aligned unit plus its width exceeds the type's size, so
        // `_BitInt(128) x : 20` after `char c[15]` stays at bit 120 (56 + 20 <= 128),
        // and `_BitInt(128) x : 127` after an `int` moves to bit 64 (32 + 127 > 128).
        let unit = 8 * l.align;
        let room = 8 * l.size.max(l.align);
        if width == 0 {
            let a = field.align.map_or(l.align, |a| a.max(l.align));
            check_align(a, "a member")?;
            return Ok((round_up(start, 8 * a), 1));
        }
        let mut pos = start;
        let mut field_align = 1;
        if let Some(a) = field.align {
            check_align(a, "a member")?;
            let a = self.pack.map_or(a, |pack| a.min(pack));
            pos = round_up(pos, 8 * a);
            field_align = a;
        }
        if !self.packed && self.pack.is_none() && pos % unit + u64::from(width) > room {
            pos = round_up(pos, unit);
        }
        if field.name.is_none() {
            return Ok((pos, 1));
        }
        let type_align = match self.pack {
            Some(pack) => l.align.min(pack),
            None if self.packed => 1,
            None => l.align,
        };
        Ok((pos, field_align.max(type_align)))
    }
}

/// The layout of a `_BitInt(bits)` (psABI §3.1.2, as clang-19 lays it out): up to 64
/// bits, the smallest of 1, 2, 4, 8 bytes that holds it, aligned to its size; wider,
/// 8-byte limbs aligned to 8. `None` for a width C forbids or above the maximum.
fn bitint_layout(bits: u32) -> Option<Layout> {
    if bits == 0 || bits > MAX_BITINT_WIDTH {
        return None;
    }
    let size = match bits {
        ..=8 => 1,
        9..=16 => 2,
        17..=32 => 4,
        33..=64 => 8,
        _ => u64::from(bits).div_ceil(64) * 8,
    };
    Some(Layout {
        size,
        align: size.min(8),
    })
}

/// `a == b`, with the common case — two scalars — decided by one inlined discriminant
/// compare, never a call.
#[inline(always)]
fn same_type(a: &Type, b: &Type) -> bool {
    use Type::*;
    std::mem::discriminant(a) == std::mem::discriminant(b)
        && (!matches!(
            a,
            Struct(_)
                | Union(_)
                | Array(..)
                | Complex(_)
                | Vector(..)
                | ExtVector(..)
                | BitInt { .. }
        ) || a == b)
}

impl PartialEq for Type {
    /// Structural equality. Written out so the common case — two scalars — is one
    /// inlined discriminant compare, and shared aggregates compare by pointer first:
    /// cache lookups compare whole signatures on every hit.
    #[inline]
    fn eq(&self, other: &Type) -> bool {
        use Type::*;
        match (self, other) {
            (Struct(a), Struct(b)) | (Union(a), Union(b)) => Arc::ptr_eq(a, b) || a == b,
            (Array(a, n), Array(b, m)) => n == m && (Arc::ptr_eq(a, b) || a == b),
            (Complex(a), Complex(b)) => a == b,
            (Vector(a, n), Vector(b, m)) | (ExtVector(a, n), ExtVector(b, m)) => n == m && a == b,
            (BitInt { bits: n, signed: s }, BitInt { bits: m, signed: t }) => n == m && s == t,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl std::hash::Hash for Type {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Type::Struct(agg) | Type::Union(agg) => agg.hash(state),
            Type::Array(elem, n) => {
                elem.hash(state);
                n.hash(state);
            }
            Type::Complex(elem) => elem.hash(state),
            Type::BitInt { bits, signed } => {
                bits.hash(state);
                signed.hash(state);
            }
            Type::Vector(elem, n) | Type::ExtVector(elem, n) => {
                elem.hash(state);
                n.hash(state);
            }
            _ => {}
        }
    }
}

impl fmt::Display for Type {
    /// The type in C syntax (aggregates as `struct tag` or an inline member list).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Type::*;
        let name = match self {
            Void => "void",
            Bool => "_Bool",
            Char => "char",
            SChar => "signed char",
            UChar => "unsigned char",
            Short => "short",
            UShort => "unsigned short",
            Int => "int",
            UInt => "unsigned int",
            Long => "long",
            ULong => "unsigned long",
            LongLong => "long long",
            ULongLong => "unsigned long long",
            Int128 => "__int128",
            UInt128 => "unsigned __int128",
            Float => "float",
            Double => "double",
            LongDouble => "long double",
            Float16 => "_Float16",
            BFloat16 => "__bf16",
            Float128 => "__float128",
            Pointer => "void *",
            BitInt { bits, signed } => {
                let unsigned = if *signed { "" } else { "unsigned " };
                return write!(f, "{unsigned}_BitInt({bits})");
            }
            Complex(elem) => return write!(f, "{elem} _Complex"),
            Vector(elem, lanes) => {
                let size = elem.layout().map_or(0, |l| l.size).saturating_mul(*lanes);
                return write!(f, "{elem} __attribute__((vector_size({size})))");
            }
            ExtVector(elem, lanes) => {
                return write!(f, "{elem} __attribute__((ext_vector_type({lanes})))");
            }
            Array(elem, n) => return write!(f, "{elem}[{n}]"),
            Struct(agg) | Union(agg) => {
                let kw = if matches!(self, Struct(_)) {
                    "struct"
                } else {
                    "union"
                };
                if let Some(tag) = &agg.tag {
                    return write!(f, "{kw} {tag}");
                }
                write!(f, "{kw} {{")?;
                for (i, field) in agg.fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ";")?;
                    }
                    write!(f, " {}", field.ty)?;
                    if let Some(name) = &field.name {
                        write!(f, " {name}")?;
                    }
                    if let Some(width) = field.bits {
                        write!(f, " : {width}")?;
                    }
                }
                return write!(f, "; }}");
            }
        };
        f.write_str(name)
    }
}

/// A function's type as one call sees it: return type, fixed parameters, and for a
/// variadic function the types of this call's variadic arguments.
#[derive(Clone, Debug, Eq)]
pub struct Signature {
    ret: Type,
    /// Shared, so that cloning a signature (the cache keeps a copy of each) costs one
    /// reference count rather than a copy of every parameter.
    params: Arc<[Type]>,
    fixed: usize,
    variadic: bool,
    /// How the callee passes 32- and 64-byte vectors.
    vector_abi: crate::abi::VectorAbi,
    /// Hash of the fields above, computed once: a signature is immutable, and the
    /// function cache hashes it on every lookup.
    hash: u64,
}

impl PartialEq for Signature {
    #[inline]
    fn eq(&self, other: &Signature) -> bool {
        self.hash == other.hash
            && self.fixed == other.fixed
            && self.variadic == other.variadic
            && self.vector_abi == other.vector_abi
            && same_type(&self.ret, &other.ret)
            && self.params.len() == other.params.len()
            && self
                .params
                .iter()
                .zip(other.params.iter())
                .all(|(a, b)| same_type(a, b))
    }
}

impl Signature {
    /// The hash computed at construction (what `Hash` feeds to a hasher).
    #[inline]
    pub(crate) fn precomputed_hash(&self) -> u64 {
        self.hash
    }
}

impl std::hash::Hash for Signature {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl Signature {
    /// A non-variadic signature.
    pub fn new(ret: Type, params: impl IntoIterator<Item = Type>) -> Signature {
        let params: Vec<Type> = params.into_iter().collect();
        Signature::build(ret, params.len(), params, false)
    }

    fn build(ret: Type, fixed: usize, params: Vec<Type>, variadic: bool) -> Signature {
        let mut sig = Signature {
            ret,
            params: params.into(),
            fixed,
            variadic,
            vector_abi: crate::abi::VectorAbi::Detect,
            hash: 0,
        };
        sig.hash = sig.compute_hash();
        sig
    }

    fn compute_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&self.ret, &self.params[..], self.fixed, self.variadic).hash(&mut h);
        if self.vector_abi != crate::abi::VectorAbi::Detect {
            self.vector_abi.hash(&mut h);
        }
        h.finish()
    }

    /// The same signature with the callee compiled as `abi` says: how it passes 32-
    /// and 64-byte vectors (`__m256`, `__m512`). The default,
    /// [`VectorAbi::Detect`](crate::abi::VectorAbi::Detect), assumes the callee uses
    /// the vector registers this CPU has.
    pub fn with_vector_abi(mut self, abi: crate::abi::VectorAbi) -> Signature {
        self.vector_abi = abi;
        self.hash = self.compute_hash();
        self
    }

    /// How the callee passes 32- and 64-byte vectors.
    pub fn vector_abi(&self) -> crate::abi::VectorAbi {
        self.vector_abi
    }

    /// A call to a variadic function: `fixed` parameters, then the types of this call's
    /// variadic arguments (already promoted, as C promotes them: `double` not `float`,
    /// `int` not `char`).
    pub fn variadic(
        ret: Type,
        fixed: impl IntoIterator<Item = Type>,
        variadic_args: impl IntoIterator<Item = Type>,
    ) -> Signature {
        let mut params: Vec<Type> = fixed.into_iter().collect();
        let fixed = params.len();
        params.extend(variadic_args);
        Signature::build(ret, fixed, params, true)
    }

    /// The same variadic function called with other variadic argument types.
    pub fn with_variadic_args(&self, variadic_args: impl IntoIterator<Item = Type>) -> Signature {
        Signature::variadic(
            self.ret.clone(),
            self.params[..self.fixed].iter().cloned(),
            variadic_args,
        )
        .with_vector_abi(self.vector_abi)
    }

    /// The return type.
    pub fn ret(&self) -> &Type {
        &self.ret
    }

    /// Every parameter of this call, fixed then variadic.
    pub fn params(&self) -> &[Type] {
        &self.params
    }

    /// How many of [`Signature::params`] are fixed parameters.
    pub fn fixed_count(&self) -> usize {
        self.fixed
    }

    /// Whether the function is variadic (`...`).
    pub fn is_variadic(&self) -> bool {
        self.variadic
    }

    /// Checks what C forbids: `void` or array parameters, a non-`void` return with no
    /// layout, and unpromoted variadic arguments (`float`, `char`, `short`, `_Bool`).
    pub fn validate(&self) -> Result<(), Error> {
        self.ret_layout()?;
        for i in 0..self.params.len() {
            self.param_layout(i)?;
        }
        Ok(())
    }

    /// The return type's layout (`None` for `void`), after [`Signature::validate`]'s
    /// checks on it.
    pub(crate) fn ret_layout(&self) -> Result<Option<Layout>, Error> {
        match &self.ret {
            Type::Void => Ok(None),
            Type::Array(..) => Err(Error::invalid("a function cannot return an array")),
            ty => ty.layout().map(Some),
        }
    }

    /// Parameter `i`'s layout, after [`Signature::validate`]'s checks on it: the
    /// classifier computes each layout once this way instead of validating first.
    pub(crate) fn param_layout(&self, i: usize) -> Result<Layout, Error> {
        let ty = &self.params[i];
        match ty {
            Type::Void => {
                return Err(Error::invalid(format!("parameter {i} has type `void`")));
            }
            Type::Array(..) => {
                return Err(Error::invalid(format!(
                    "parameter {i} is an array `{ty}`: C passes arrays as pointers"
                )));
            }
            _ => {}
        }
        let layout = ty.layout()?;
        if i >= self.fixed {
            let promoted = match ty {
                Type::Float => Some("double"),
                Type::Bool
                | Type::Char
                | Type::SChar
                | Type::UChar
                | Type::Short
                | Type::UShort => Some("int"),
                _ => None,
            };
            if let Some(promoted) = promoted {
                return Err(Error::invalid(format!(
                    "variadic argument {i} has type `{ty}`, which C promotes to `{promoted}`"
                )));
            }
        }
        Ok(layout)
    }
}

impl fmt::Display for Signature {
    /// The signature as a C prototype without a name, e.g. `double (double, double)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (", self.ret)?;
        for (i, p) in self.params[..self.fixed].iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{p}")?;
        }
        if self.variadic {
            if self.fixed > 0 {
                write!(f, ", ")?;
            }
            write!(f, "...")?;
            if self.params.len() > self.fixed {
                write!(f, " /* ")?;
                for (i, p) in self.params[self.fixed..].iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{p}")?;
                }
                write!(f, " */")?;
            }
        } else if self.fixed == 0 {
            write!(f, "void")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_and_aligned_members() {
        let t = Type::build_struct()
            .field("c", Type::Char)
            .aligned_field("d", Type::Int, 8)
            .packed()
            .finish();
        assert_eq!(t.layout().unwrap(), Layout { size: 16, align: 8 });
        assert_eq!(t.field_offsets().unwrap().unwrap(), vec![0, 8]);
    }

    #[test]
    fn bad_types_are_errors() {
        assert!(Type::complex(Type::Bool).layout().is_err());
        assert!(Type::complex(Type::Pointer).layout().is_err());
        assert!(Type::structure([Type::Void]).layout().is_err());
        assert!(Type::build_struct().aligned(3).finish().layout().is_err());
        assert!(Type::array(Type::Double, u64::MAX / 2).layout().is_err());
        let sig = Signature::variadic(Type::Int, [Type::Pointer], [Type::Float]);
        assert!(sig.validate().is_err());
    }
}
