//! Generators: C types, signatures and values as [proptest](mod@proptest) strategies, and the
//! "graffiti" values the fuzzer passes.
//!
//! The strategies cover every type jitcall passes: all scalars (`_Bool` to
//! `unsigned __int128`, `float`, `double`, `long double`, `_Float16`, `__float128`,
//! pointers), `_Complex` (GNU C's complex integers too), GNU vectors of up to 16 bytes
//! ([`vector`]), and
//! structs and unions nested up to three deep, with arrays inside them (and 32- and
//! 64-byte vectors, [`wide_vector`], as their members), packed and
//! over-aligned aggregates, over-aligned members, bit-fields of every integer type
//! (unnamed and zero-width ones too), `#pragma pack` and GNU C's empty structs. Aggregate
//! members are named `f0`, `f1`, ... so that every value can be written as a C literal
//! with designators. Signatures take 0 to `max_params` parameters (both register files
//! run out, in every order) and sometimes a variadic tail of promoted types. Shrinking
//! is proptest's: towards fewer parameters and simpler types.
//!
//! Values are *graffiti*: byte `i` of argument `a` is `((a % 15 + 1) << 4) | (i % 16)`,
//! so a byte seen in the wrong place says where it came from (`0x37` is byte 7 of
//! argument 2, or 17). A few bits are then fixed so that every value is valid for its
//! type ([`graffiti`]): `_Bool` is 0 or 1, narrow integers have their top bit set (a
//! missing sign- or zero-extension shows), floating values are finite, and a
//! `long double` is a normal x87 number. Only *data* bits are compared: never padding
//! (nor the bits of a byte no bit-field holds), never the 6 bytes after a
//! `long double`'s 10 ([`data_bits`]).
//!
//! This module generates; it does not render C (that is [`super::cgen`]) or call
//! anything.

use jitcall::{BitInt, Error, Field, Signature, Type, Value};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Any scalar type jitcall passes, integers and floating types weighted so that both
/// register files get used.
pub fn scalar() -> BoxedStrategy<Type> {
    use Type::*;
    prop_oneof![
        2 => Just(Bool),
        2 => Just(Char),
        1 => Just(SChar),
        2 => Just(UChar),
        2 => Just(Short),
        2 => Just(UShort),
        4 => Just(Int),
        2 => Just(UInt),
        4 => Just(Long),
        2 => Just(ULong),
        1 => Just(LongLong),
        1 => Just(ULongLong),
        2 => Just(Int128),
        2 => Just(UInt128),
        6 => Just(Float),
        7 => Just(Double),
        3 => Just(LongDouble),
        2 => Just(Float16),
        1 => Just(Float128),
        3 => Just(Pointer),
    ]
    .boxed()
}

/// C23 `_BitInt(N)` and `unsigned _BitInt(N)` around the psABI's boundaries: 1 to 64
/// bits (the size of a `char` to a `long`), 65 to 128 (two INTEGER eightbytes, aligned
/// to 8 only), and wider (MEMORY). Only for clang: gcc 12 has no `_BitInt`.
pub fn bitint() -> BoxedStrategy<Type> {
    let widths = prop::sample::select(vec![
        1u32, 2, 7, 8, 9, 15, 17, 31, 33, 48, 63, 64, 65, 100, 127, 128, 129, 200, 256, 300,
    ]);
    (widths, any::<bool>())
        .prop_map(|(bits, signed)| Type::BitInt {
            bits,
            signed: signed && bits > 1,
        })
        .boxed()
}

/// The types gcc 12 lacks, for clang's runs: mostly [`bitint`], now and then `__bf16`,
/// and (with `vectors`) one of clang's `ext_vector_type` vectors of 16 bytes or less (lanes rounded up to a power of two: `float3` is 16 bytes; one
/// `double` lane is passed in memory but returned in `xmm0`).
pub fn clang_only(vectors: bool) -> BoxedStrategy<Type> {
    use Type::*;
    let scalars = prop_oneof![8 => self::bitint(), 2 => Just(BFloat16)];
    if !vectors {
        return scalars.boxed();
    }
    prop_oneof![
        10 => scalars,
        1 => Just(Type::ext_vector(Float, 3)),
        1 => Just(Type::ext_vector(Int, 3)),
        1 => Just(Type::ext_vector(Char, 3)),
        1 => Just(Type::ext_vector(Float16, 3)),
        1 => Just(Type::ext_vector(Float, 1)),
        1 => Just(Type::ext_vector(Double, 1)),
        1 => Just(Type::ext_vector(Short, 6)),
    ]
    .boxed()
}

/// `types`, whose weights add up to `weight`, and when `bitint` also [`clang_only`]
/// now and then (its vectors only when `vectors`). Without them the strategy is
/// `types` itself.
fn with_bitint(
    bitint: bool,
    vectors: bool,
    weight: u32,
    types: BoxedStrategy<Type>,
) -> BoxedStrategy<Type> {
    if bitint {
        prop_oneof![weight => types, 3 => clang_only(vectors)].boxed()
    } else {
        types
    }
}

/// GNU vectors of 16 bytes or less (those whose ABI does not depend on AVX): 16 bytes
/// (SSE + SSEUP), 8 (SSE), 4 and 2 (INTEGER, or SSE for two `_Float16`), and the
/// one-lane floating vectors gcc passes in memory (rarer: clang differs on them, and
/// a case holding one says little else about clang).
pub fn vector() -> BoxedStrategy<Type> {
    use Type::*;
    prop_oneof![
        12 => Just(Type::vector(Float, 4)),
        8 => Just(Type::vector(Double, 2)),
        8 => Just(Type::vector(Int, 4)),
        4 => Just(Type::vector(Char, 16)),
        4 => Just(Type::vector(UShort, 8)),
        4 => Just(Type::vector(LongLong, 2)),
        4 => Just(Type::vector(Float16, 8)),
        8 => Just(Type::vector(Float, 2)),
        4 => Just(Type::vector(Int, 2)),
        4 => Just(Type::vector(UChar, 8)),
        4 => Just(Type::vector(Float16, 4)),
        4 => Just(Type::vector(Char, 4)),
        4 => Just(Type::vector(Short, 2)),
        1 => Just(Type::vector(Float16, 2)),
        1 => Just(Type::vector(Double, 1)),
        1 => Just(Type::vector(Float, 1)),
    ]
    .boxed()
}

/// `float _Complex`, `double _Complex` or `long double _Complex`, now and then
/// `_Complex _Float16` or `_Complex _Float128`, or now and then one
/// of GNU C's complex integers (`_Complex char` to `_Complex unsigned long long`; not
/// `_Complex __int128`, which clang rejects).
pub fn complex() -> BoxedStrategy<Type> {
    use Type::*;
    prop_oneof![
        3 => Just(Float),
        3 => Just(Double),
        3 => Just(LongDouble),
        1 => Just(Float16),
        1 => Just(Float128),
        1 => Just(Char),
        1 => Just(UChar),
        1 => Just(Short),
        1 => Just(UShort),
        1 => Just(Int),
        1 => Just(UInt),
        1 => Just(Long),
        1 => Just(ULongLong),
    ]
    .prop_map(Type::complex)
    .boxed()
}

/// Alignments for `aligned(N)` attributes: 1 to 64.
fn alignment() -> impl Strategy<Value = u64> {
    (0..=6u32).prop_map(|k| 1u64 << k)
}

/// A member: its type, an `aligned` attribute, and for a bit-field its width and
/// whether it has a name (an unnamed one is padding).
type Member = (Type, Option<u64>, Option<(u32, bool)>);

/// One member: its type (possibly an array of it, possibly two-dimensional) and an
/// optional `aligned` attribute; or now and then a bit-field (no `aligned`: clang places
/// aligned bit-fields differently, docs/DIVERGENCES.md).
fn member(inner: BoxedStrategy<Type>, bitint: bool) -> impl Strategy<Value = Member> {
    let ty = prop_oneof![
        12 => inner.clone(),
        3 => (inner.clone(), 1..5u64).prop_map(|(t, n)| Type::array(t, n)),
        1 => (inner.clone(), 1..3u64, 1..3u64)
            .prop_map(|(t, n, m)| Type::array(Type::array(t, m), n)),
        // GNU C's zero-length array.
        1 => inner.prop_map(|t| Type::array(t, 0)),
        // A 32- or 64-byte vector, or an array of them (the issue's "vectors in
        // aggregates"): an aggregate of one passes in ymm or zmm, as the vector would.
        1 => wide_member(),
    ];
    prop_oneof![
        5 => (ty, prop::option::weighted(0.06, alignment())).prop_map(|(t, a)| (t, a, None)),
        1 => bit_field(bitint),
    ]
}

/// A bit-field of any integer type (with `bitint`, now and then a `_BitInt(N)` of up to
/// 128 bits, which clang allows): mostly named, any width up to the type's; now and
/// then unnamed (padding), of width 0 (which pads to the type's alignment) or not.
fn bit_field(bitint: bool) -> impl Strategy<Value = Member> {
    use Type::*;
    let standard = prop_oneof![
        Just(Bool),
        Just(Char),
        Just(SChar),
        Just(UChar),
        Just(Short),
        Just(UShort),
        Just(Int),
        Just(UInt),
        Just(Long),
        Just(ULong),
        Just(LongLong),
        Just(ULongLong),
        Just(Int128),
        Just(UInt128),
    ];
    let ty = if bitint {
        let narrow = self::bitint().prop_filter(
            "a bit-field's _BitInt",
            |t| matches!(t, BitInt { bits, .. } if *bits <= 128),
        );
        prop_oneof![6 => standard, 1 => narrow].boxed()
    } else {
        standard.boxed()
    };
    (ty, 0..8u32, any::<prop::sample::Index>()).prop_map(|(ty, shape, pick)| {
        let bits = match ty {
            Bool => 1,
            BitInt { bits, .. } => bits,
            ref t => 8 * t.layout().map_or(1, |l| l.size) as u32,
        };
        let width = 1 + pick.index(bits as usize) as u32;
        let (width, named) = match shape {
            0 => (0, false),
            1 => (width, false),
            2 => (bits, true),
            _ => (width, true),
        };
        (ty, None, Some((width, named)))
    })
}

/// `#pragma pack` values.
fn pack() -> impl Strategy<Value = u64> {
    (0..=4u32).prop_map(|k| 1u64 << k)
}

/// Builds a struct or union with members `f0`, `f1`, ... (an unnamed bit-field has no
/// name) and the given attributes.
fn aggregate(
    union: bool,
    members: Vec<Member>,
    packed: bool,
    aligned: Option<u64>,
    pack: Option<u64>,
) -> Type {
    let mut b = if union {
        Type::build_union()
    } else {
        Type::build_struct()
    };
    for (i, (ty, align, bits)) in members.into_iter().enumerate() {
        b = b.member(Field {
            name: match bits {
                Some((_, false)) => None,
                _ => Some(format!("f{i}")),
            },
            ty,
            align,
            bits: bits.map(|(width, _)| width),
        });
    }
    if packed {
        b = b.packed();
    }
    if let Some(a) = aligned {
        b = b.aligned(a);
    }
    if let Some(p) = pack {
        b = b.pack(p);
    }
    b.finish()
}

/// Any type a parameter can have: scalars, complex numbers, and structs and unions
/// nested up to three deep (with array, packed and aligned variants).
pub fn c_type() -> BoxedStrategy<Type> {
    c_type_with(false)
}

/// [`c_type`], with `_BitInt` among the scalars when `bitint`.
pub fn c_type_with(bitint: bool) -> BoxedStrategy<Type> {
    let leaf = with_bitint(
        bitint,
        true,
        12,
        prop_oneof![10 => scalar(), 1 => complex(), 1 => vector()].boxed(),
    );
    leaf.prop_recursive(3, 24, 4, move |inner| {
        let attrs = || {
            (
                prop::bool::weighted(0.12),
                prop::option::weighted(0.1, alignment()),
                prop::option::weighted(0.05, pack()),
            )
        };
        prop_oneof![
            6 => (prop::collection::vec(member(inner.clone(), bitint), 1..5), attrs())
                .prop_map(|(m, (p, a, k))| aggregate(false, m, p, a, k)),
            2 => (prop::collection::vec(member(inner.clone(), bitint), 1..4), attrs())
                .prop_map(|(m, (p, a, k))| aggregate(true, m, p, a, k)),
            // GNU C's empty struct: size 0, passed nowhere.
            1 => Just(aggregate(false, Vec::new(), false, None, None)),
        ]
    })
    .boxed()
}

/// A member type that is a [`wide_vector`], or an array of one or two of them.
fn wide_member() -> BoxedStrategy<Type> {
    prop_oneof![
        3 => wide_vector(),
        1 => (wide_vector(), 1..3u64).prop_map(|(t, n)| Type::array(t, n)),
    ]
    .boxed()
}

/// GNU vectors of 32 and 64 bytes, whose ABI depends on how the callee was compiled
/// (the harness states it from the compiler's flags): as parameters, results and
/// variadic arguments, and as members of structs and unions. (A vector of more than 64
/// bytes is generated as a parameter only: clang returns one in registers when built
/// with AVX, and its front end forgets the hidden pointer without, docs/DIVERGENCES.md.)
pub fn wide_vector() -> BoxedStrategy<Type> {
    use Type::*;
    prop_oneof![
        Just(Type::vector(Double, 4)),
        Just(Type::vector(Float, 8)),
        Just(Type::vector(Int, 8)),
        Just(Type::vector(Char, 32)),
        Just(Type::vector(Float, 16)),
        Just(Type::vector(Double, 8)),
        Just(Type::vector(LongLong, 8)),
        Just(Type::vector(UChar, 64)),
    ]
    .boxed()
}

/// Any type a function can return: often `void` or a scalar, else any [`c_type`].
pub fn return_type() -> BoxedStrategy<Type> {
    return_type_with(false)
}

/// [`return_type`], with `_BitInt` among the scalars when `bitint`.
fn return_type_with(bitint: bool) -> BoxedStrategy<Type> {
    let base = prop_oneof![
        2 => Just(Type::Void),
        5 => scalar(),
        1 => complex(),
        1 => vector(),
        1 => wide_vector(),
        5 => c_type_with(bitint)
    ];
    with_bitint(bitint, true, 15, base.boxed())
}

/// The type a variadic argument of type `ty` has after C's default argument
/// promotions: `double` for `float`, `int` for `_Bool`, `char` and `short`.
pub fn promote(ty: Type) -> Type {
    match ty {
        Type::Float => Type::Double,
        Type::Bool | Type::Char | Type::SChar | Type::UChar | Type::Short | Type::UShort => {
            Type::Int
        }
        other => other,
    }
}

/// Signatures of 0 to `max_params` parameters; about one in six is a variadic call
/// (at least one fixed parameter, the variadic arguments promoted).
pub fn signature(max_params: usize) -> BoxedStrategy<Signature> {
    signature_with(max_params, false)
}

/// [`signature`], with `_BitInt` parameters, results and members when `bitint` (for a
/// compiler that has them: clang).
pub fn signature_with(max_params: usize, bitint: bool) -> BoxedStrategy<Signature> {
    let params = prop_oneof![
        5 => scalar(),
        1 => complex(),
        1 => vector(),
        1 => wide_vector(),
        4 => c_type_with(bitint)
    ];
    // 128 bytes: in memory whatever the instruction set.
    let params = prop_oneof![24 => params, 1 => Just(Type::vector(Type::Int, 32))];
    let params = with_bitint(bitint, true, 12, params.boxed());
    (
        return_type_with(bitint),
        prop::collection::vec(params, 0..=max_params),
        prop::option::weighted(1.0 / 6.0, any::<prop::sample::Index>()),
    )
        .prop_map(|(ret, mut params, variadic)| match variadic {
            None => Signature::new(ret, params),
            Some(split) => {
                if params.is_empty() {
                    params.push(Type::Int);
                }
                let fixed = 1 + split.index(params.len());
                let rest = params.split_off(fixed);
                Signature::variadic(ret, params, rest.into_iter().map(promote))
            }
        })
        .boxed()
}

/// Random values of `ty` (random bytes, made valid the way [`graffiti`] makes them),
/// for users who want values rather than graffiti. An invalid type gives `Void`.
pub fn value(ty: &Type) -> BoxedStrategy<Value> {
    let ty = ty.clone();
    let size = match &ty {
        Type::Void => 0,
        t => t.layout().map_or(0, |l| l.size as usize),
    };
    prop::collection::vec(any::<u8>(), size)
        .prop_map(move |mut bytes| {
            make_valid(&ty, &mut bytes);
            Value::from_bytes(&ty, &bytes).unwrap_or(Value::Void)
        })
        .boxed()
}

/// The graffiti byte for byte `offset` of the value tagged `tag` (an argument's index;
/// the fuzzer tags the result with the number of parameters). Never zero.
pub fn graffiti_byte(tag: usize, offset: usize) -> u8 {
    ((((tag % 15) + 1) << 4) | (offset % 16)) as u8
}

/// What a graffiti byte says, e.g. `argument 2 (or 17), byte 7 (or 23, 39, ...)`.
pub fn describe_graffiti_byte(byte: u8) -> Option<String> {
    let tag = (byte >> 4) as usize;
    if tag == 0 {
        return None;
    }
    let tag = tag - 1;
    let offset = (byte & 0xf) as usize;
    Some(format!(
        "argument {tag} (or {}), byte {offset} (or {}, ...)",
        tag + 15,
        offset + 16
    ))
}

/// The graffiti value of `ty` for tag `tag`: [`graffiti_byte`]s, with the few bits
/// changed that make the value valid (see the module documentation). A union holds the
/// member jitcall reads a union's bytes as: its first member that spans the whole union.
pub fn graffiti(ty: &Type, tag: usize) -> Result<Value, Error> {
    if matches!(ty, Type::Void) {
        return Ok(Value::Void);
    }
    let size = ty.layout()?.size as usize;
    let mut bytes: Vec<u8> = (0..size).map(|i| graffiti_byte(tag, i)).collect();
    make_valid(ty, &mut bytes);
    Value::from_bytes(ty, &bytes)
}

/// For each byte of a value of `ty`: whether it carries data (any of its bits, see
/// [`data_bits`]). Empty for `void`.
pub fn data_mask(ty: &Type) -> Vec<bool> {
    data_bits(ty).iter().map(|b| *b != 0).collect()
}

/// For each byte of a value of `ty`: which of its bits carry data. Padding (unnamed
/// bit-fields included), the 6 bytes after a `long double`'s 10, and union bytes outside
/// the member [`graffiti`] writes are not data; a bit-field's bits are. Empty for `void`.
pub fn data_bits(ty: &Type) -> Vec<u8> {
    let size = match ty {
        Type::Void => 0,
        t => t.layout().map_or(0, |l| l.size as usize),
    };
    let mut mask = vec![0u8; size];
    for_each_leaf(ty, 0, &mut |leaf| match leaf {
        // The bits above N of a `_BitInt(N)` are padding (C23 6.2.6.2): a callee may
        // leave anything there (clang does, in the high register of a result).
        Leaf::Scalar(Type::BitInt { bits, .. }, at) => {
            for bit in 0..u64::from(*bits) {
                if let Some(b) = mask.get_mut(at + (bit / 8) as usize) {
                    *b |= 1 << (bit % 8);
                }
            }
        }
        Leaf::Scalar(t, at) => {
            let len = match t {
                Type::LongDouble => 10,
                t => t.layout().map_or(0, |l| l.size as usize),
            };
            if let Some(span) = mask.get_mut(at..at + len) {
                span.fill(0xff);
            }
        }
        Leaf::Bits { first, width } => {
            for bit in first..first + u64::from(width) {
                if let Some(b) = mask.get_mut((bit / 8) as usize) {
                    *b |= 1 << (bit % 8);
                }
            }
        }
    });
    mask
}

/// A piece of a value's data: a scalar at a byte offset, or a named bit-field's bits.
enum Leaf<'a> {
    Scalar(&'a Type, usize),
    Bits { first: u64, width: u32 },
}

/// Calls `visit` for every scalar and named bit-field of a value of `ty` at `offset`,
/// following in a union only the member jitcall reads (the first spanning the whole
/// union, else the first), as `Value::from_bytes` does.
fn for_each_leaf<'a>(ty: &'a Type, at: usize, visit: &mut dyn FnMut(Leaf<'a>)) {
    match ty {
        Type::Void => {}
        Type::Struct(agg) => {
            if let Ok(Some(places)) = ty.field_places() {
                for (f, place) in agg.fields.iter().zip(places) {
                    match place.bits {
                        Some(bits) if f.name.is_some() => visit(Leaf::Bits {
                            first: bits.absolute(at as u64 + place.offset),
                            width: bits.width,
                        }),
                        Some(_) => {}
                        None => for_each_leaf(&f.ty, at + place.offset as usize, visit),
                    }
                }
            }
        }
        Type::Union(agg) => {
            let Ok(size) = ty.layout().map(|l| l.size) else {
                return;
            };
            let member = agg
                .fields
                .iter()
                .position(|f| f.ty.layout().is_ok_and(|l| l.size == size))
                .unwrap_or(0);
            if let Some(f) = agg.fields.get(member) {
                match f.bits {
                    Some(width) if f.name.is_some() => visit(Leaf::Bits {
                        first: at as u64 * 8,
                        width,
                    }),
                    Some(_) => {}
                    None => for_each_leaf(&f.ty, at, visit),
                }
            }
        }
        Type::Array(elem, n) | Type::Vector(elem, n) | Type::ExtVector(elem, n) => {
            let Ok(size) = elem.layout().map(|l| l.size as usize) else {
                return;
            };
            for i in 0..*n as usize {
                for_each_leaf(elem, at + i * size, visit);
            }
        }
        Type::Complex(elem) => {
            let Ok(size) = elem.layout().map(|l| l.size as usize) else {
                return;
            };
            for_each_leaf(elem, at, visit);
            for_each_leaf(elem, at + size, visit);
        }
        scalar => visit(Leaf::Scalar(scalar, at)),
    }
}

/// Changes the fewest bits that make `bytes` a valid value of `ty`.
fn make_valid(ty: &Type, bytes: &mut [u8]) {
    for_each_leaf(ty, 0, &mut |leaf| {
        // Every bit pattern of a bit-field is a value of it.
        let Leaf::Scalar(leaf, at) = leaf else {
            return;
        };
        let Some(b) = bytes.get_mut(at..) else {
            return;
        };
        match leaf {
            Type::Bool => b[0] &= 1,
            // Every bit above N a copy of the sign (or zero), as jitcall stores it.
            Type::BitInt { bits, signed } => {
                let size = leaf.layout().map_or(0, |l| l.size as usize);
                let canonical = b
                    .get(..size)
                    .and_then(|v| BitInt::from_le_bytes(*bits, *signed, v))
                    .and_then(|v| Value::BitInt(v).to_bytes(leaf).ok());
                if let Some(canonical) = canonical {
                    b[..size].copy_from_slice(&canonical);
                }
            }
            Type::Char | Type::SChar | Type::UChar => b[0] |= 0x80,
            Type::Short | Type::UShort => b[1] |= 0x80,
            // An exponent of all ones (inf, nan) loses its top bit.
            Type::Float if b[3] & 0x7f == 0x7f && b[2] & 0x80 != 0 => b[3] &= !0x40,
            Type::Double if b[7] & 0x7f == 0x7f && b[6] & 0xf0 == 0xf0 => b[7] &= !0x40,
            Type::Float16 if b[1] & 0x7c == 0x7c => b[1] &= !0x40,
            Type::BFloat16 if b[1] & 0x7f == 0x7f && b[0] & 0x80 != 0 => b[1] &= !0x40,
            Type::Float128 if b[15] & 0x7f == 0x7f && b[14] == 0xff => b[15] &= !0x40,
            Type::LongDouble => {
                // The explicit integer bit makes a normal number; the exponent must be
                // neither 0 (denormal) nor all ones (inf, nan).
                b[7] |= 0x80;
                let exp = u16::from_le_bytes([b[8], b[9]]) & 0x7fff;
                if exp == 0x7fff {
                    b[9] &= !0x40;
                } else if exp == 0 {
                    b[8] |= 1;
                }
            }
            _ => {}
        }
    });
}

/// A deterministic source of generated signatures: the same seed gives the same
/// signatures, in the same order.
///
/// ```
/// use jitcall_fuzz::generate::Sampler;
/// let mut a = Sampler::new(42, 24);
/// let mut b = Sampler::new(42, 24);
/// assert_eq!(a.next_signature(), b.next_signature());
/// ```
pub struct Sampler {
    runner: TestRunner,
    strategy: BoxedStrategy<Signature>,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sampler")
    }
}

impl Sampler {
    /// Signatures of up to `max_params` parameters from `seed`.
    pub fn new(seed: u64, max_params: usize) -> Sampler {
        Sampler::with_bitint(seed, max_params, false)
    }

    /// [`Sampler::new`], with `_BitInt` types among the generated ones when `bitint`.
    pub fn with_bitint(seed: u64, max_params: usize, bitint: bool) -> Sampler {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..16].copy_from_slice(b"jitcall!");
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
        Sampler {
            runner: TestRunner::new_with_rng(Config::default(), rng),
            strategy: signature_with(max_params, bitint),
        }
    }

    /// The next signature.
    pub fn next_signature(&mut self) -> Signature {
        loop {
            // The strategy has no filters, so a tree is always produced; loop anyway
            // rather than panic if that ever changes.
            if let Ok(tree) = self.strategy.new_tree(&mut self.runner) {
                return tree.current();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jitcall::LongDouble;

    #[test]
    fn graffiti_values_are_valid_and_tagged() {
        let mut sampler = Sampler::new(7, 24);
        for _ in 0..200 {
            let sig = sampler.next_signature();
            sig.validate().unwrap();
            for (i, ty) in sig.params().iter().enumerate() {
                let v = graffiti(ty, i).unwrap();
                let bytes = v.to_bytes(ty).unwrap();
                let mask = data_bits(ty);
                assert_eq!(bytes.len(), mask.len());
                // Round trip through Value keeps every data bit.
                let again = Value::from_bytes(ty, &bytes).unwrap().to_bytes(ty).unwrap();
                for k in 0..bytes.len() {
                    assert_eq!(bytes[k] & mask[k], again[k] & mask[k], "{ty} byte {k}");
                }
                check_leaves(&v, ty);
            }
        }
    }

    fn check_leaves(v: &Value, ty: &Type) {
        match v {
            Value::Float(x) => assert!(x.is_finite()),
            Value::Double(x) => assert!(x.is_finite()),
            Value::LongDouble(x) => {
                let b = x.to_bytes();
                let exp = u16::from_le_bytes([b[8], b[9]]) & 0x7fff;
                assert!(b[7] & 0x80 != 0 && exp != 0 && exp != 0x7fff, "{b:x?}");
                let _: LongDouble = *x;
            }
            Value::Char(x) | Value::SChar(x) => assert!(*x < 0),
            Value::UChar(x) => assert!(*x >= 0x80),
            Value::Short(x) => assert!(*x < 0),
            Value::UShort(x) => assert!(*x >= 0x8000),
            // A bit-field holds any bits: only other members have fixed ones.
            Value::Struct(vs) => match ty {
                Type::Struct(agg) => vs
                    .iter()
                    .zip(&agg.fields)
                    .filter(|(_, f)| f.bits.is_none())
                    .for_each(|(v, f)| check_leaves(v, &f.ty)),
                _ => panic!("{ty}"),
            },
            Value::Array(vs) => match ty {
                Type::Array(elem, _) => vs.iter().for_each(|v| check_leaves(v, elem)),
                _ => panic!("{ty}"),
            },
            Value::Union { member, value } => match ty {
                Type::Union(agg) if agg.fields[*member].bits.is_none() => {
                    check_leaves(value, &agg.fields[*member].ty)
                }
                _ => {}
            },
            Value::Complex(re, im) => {
                let elem = match ty {
                    Type::Complex(elem) => &**elem,
                    _ => panic!("{ty}"),
                };
                check_leaves(re, elem);
                check_leaves(im, elem);
            }
            _ => {}
        }
    }

    #[test]
    fn graffiti_bytes_decode() {
        assert_eq!(graffiti_byte(2, 7), 0x37);
        assert_eq!(graffiti_byte(17, 23), 0x37);
        assert!(
            describe_graffiti_byte(0x37)
                .unwrap()
                .starts_with("argument 2 (or 17)")
        );
        assert_eq!(describe_graffiti_byte(0x05), None);
        assert!((0..64).all(|t| (0..64).all(|o| graffiti_byte(t, o) != 0)));
    }

    #[test]
    fn masks_skip_padding_and_long_double_tails() {
        let t = Type::structure([Type::Char, Type::Double]);
        let m = data_mask(&t);
        assert_eq!(m.iter().filter(|b| **b).count(), 9);
        assert_eq!(
            data_mask(&Type::LongDouble).iter().filter(|b| **b).count(),
            10
        );
        // A union is read as its first member spanning the whole union.
        let u = Type::union([Type::Char, Type::structure([Type::Char, Type::Int])]);
        assert_eq!(
            data_mask(&u),
            [true, false, false, false, true, true, true, true]
        );
        let Value::Union { member, .. } = graffiti(&u, 0).unwrap() else {
            panic!()
        };
        assert_eq!(member, 1);
    }

    #[test]
    fn variadic_arguments_are_promoted() {
        let mut sampler = Sampler::new(3, 24);
        let mut variadic = 0;
        for _ in 0..300 {
            let sig = sampler.next_signature();
            if sig.is_variadic() {
                variadic += 1;
                assert!(sig.fixed_count() >= 1);
            }
            sig.validate().unwrap();
        }
        assert!(variadic > 20, "{variadic}");
    }
}
