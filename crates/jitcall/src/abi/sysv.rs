//! The System V AMD64 classifier: [`Signature`] → [`CallPlan`], per psABI §3.2.3 as
//! gcc implements it.
//!
//! Three steps, in the psABI's own words:
//!
//! 1. **Classify** each argument: split it into eightbytes and give each a [`Class`],
//!    merging the classes of every scalar that overlaps an eightbyte ([`merge`]).
//!    Aggregates over 16 bytes, or with a misaligned member, are MEMORY.
//! 2. **Post-merger cleanup**: MEMORY anywhere makes all of it MEMORY; an X87UP not
//!    preceded by X87 makes it MEMORY; an SSEUP not preceded by SSE or SSEUP becomes
//!    SSE.
//!
//!    MEMORY is an early exit (`Exit::Memory`, as in rustc's classifier): the first
//!    rule that decides it stops the walk and names itself, a [`MemoryReason`] that the
//!    plan carries (`StackReason::Memory`, `RetPlan::memory_reason`) for `explain` to
//!    render.
//! 3. **Assign** registers left to right, all or nothing: an argument whose eightbytes
//!    need more GPRs or xmm registers than remain goes whole to the stack, and later
//!    arguments may still take registers (gcc's behaviour; clang differs after an
//!    `__int128`, see `docs/DIVERGENCES.md`).
//!
//! This module decides; it emits nothing, and it renders no reason in words (that is
//! `explain`'s).

use super::*;
use crate::{Error, Layout, Type};

/// Merges the class of a scalar into the class accumulated so far for an eightbyte
/// (psABI §3.2.3, rule 4 of the aggregate algorithm, applied in its order).
pub fn merge(acc: Class, new: Class) -> Class {
    use Class::*;
    match (acc, new) {
        (a, b) if a == b => a,
        (NoClass, x) | (x, NoClass) => x,
        (Memory, _) | (_, Memory) => Memory,
        (Integer, _) | (_, Integer) => Integer,
        (X87 | X87Up | ComplexX87, _) | (_, X87 | X87Up | ComplexX87) => Memory,
        _ => Sse,
    }
}

/// The classes of a type's eightbytes, after the post-merger cleanup. MEMORY is
/// returned as the single class `[Memory]`; an empty aggregate has no eightbytes. See
/// [`classification`] for the reason behind a MEMORY.
pub fn classify_type(ty: &Type) -> Result<Vec<Class>, Error> {
    Ok(classification(ty)?.classes().to_vec())
}

/// How a value of type `ty` is classified: its eightbytes' classes, or MEMORY and why.
pub fn classification(ty: &Type) -> Result<Classification, Error> {
    let layout = match ty {
        Type::Void => Layout { size: 0, align: 1 },
        _ => ty.layout()?,
    };
    classify_value(ty, layout, VectorAbi::Detect)
}

/// Why classifying stopped early: the value is MEMORY, or a type is invalid. MEMORY is
/// an early exit, as in rustc's classifier: once any part of a value is MEMORY, all
/// of it is (rule 5(a)), so there is nothing left to look at.
enum Exit {
    Memory(MemoryReason),
    Invalid(Error),
}

impl From<Error> for Exit {
    fn from(e: Error) -> Exit {
        Exit::Invalid(e)
    }
}

/// Where the classifier is inside the outermost value: member indices, innermost
/// last, kept on the machine stack and turned into a [`MemberPath`] only for a reason.
#[derive(Clone, Copy)]
enum Within<'a> {
    /// The value itself.
    Value,
    /// Member `index` of the part at `parent`.
    Member(&'a Within<'a>, u32),
}

impl Within<'_> {
    fn member(&self, index: usize) -> Within<'_> {
        Within::Member(self, index as u32)
    }

    /// The aggregate this part is a member of (the value itself for the value).
    fn parent(&self) -> &Within<'_> {
        match self {
            Within::Member(parent, _) => parent,
            Within::Value => self,
        }
    }

    fn path(&self) -> MemberPath {
        let mut indices = Vec::new();
        let mut at = self;
        while let Within::Member(parent, index) = at {
            indices.push(*index);
            at = parent;
        }
        indices.into_iter().rev().collect()
    }
}

/// MEMORY, for `reason`.
fn memory<T>(reason: MemoryReason) -> Result<T, Exit> {
    Err(Exit::Memory(reason))
}

/// Merges `class` into eightbyte `i` of `classes`, the eightbytes of the aggregate at
/// `aggregate`; MEMORY when an X87 class meets another (rule 4(e)).
fn merge_into(
    classes: &mut [Class],
    i: usize,
    class: Class,
    aggregate: &Within,
) -> Result<(), Exit> {
    let merged = merge(classes[i], class);
    if merged == Class::Memory {
        let (x87, other) = match classes[i] {
            Class::X87 | Class::X87Up | Class::ComplexX87 => (classes[i], class),
            _ => (class, classes[i]),
        };
        return memory(MemoryReason::X87Merged {
            aggregate: aggregate.path(),
            eightbyte: i as u8,
            x87,
            other,
        });
    }
    classes[i] = merged;
    Ok(())
}

/// [`classification`] for a type whose layout the caller has already computed (it is
/// not looked at for `void`), without allocating unless the value is MEMORY.
fn classify_value(ty: &Type, layout: Layout, abi: VectorAbi) -> Result<Classification, Error> {
    use Class::*;
    if let Some((_, classes)) = scalar_classes(ty) {
        return Ok(Classification::Eightbytes(classes));
    }
    let of = |classes: &[Class]| Classification::Eightbytes(classes.iter().copied().collect());
    match ty {
        Type::Void => Ok(of(&[])),
        Type::Complex(elem) if **elem == Type::LongDouble => Ok(of(&[ComplexX87])),
        // gcc and clang: no register holds a vector of more than eight eightbytes.
        Type::Vector(..) | Type::ExtVector(..) if layout.size > 64 => {
            Ok(Classification::Memory(MemoryReason::LargeVector {
                size: layout.size as u32,
            }))
        }
        Type::Vector(..) | Type::ExtVector(..) if layout.size > 16 => {
            wide_vector_classes(layout.size, abi)
        }
        Type::Vector(elem, lanes) => vector_classes(elem, *lanes, layout.size, &Within::Value),
        Type::ExtVector(elem, lanes) => Ok(ext_vector_classes(
            elem,
            *lanes,
            layout.size,
            &Within::Value,
        )),
        _ if layout.size > 16 && layout.size <= 64 && holds_wide_vector(ty) => {
            wide_aggregate_classes(ty, layout.size, abi)
        }
        _ if layout.size > 16 => Ok(Classification::Memory(MemoryReason::TooLarge {
            size: layout.size as u32,
        })),
        _ => {
            let mut buf = [NoClass; 2];
            let classes = &mut buf[..layout.size.div_ceil(8) as usize];
            let classified = if layout.size > 0 {
                classify_aggregate(ty, 0, layout.size, classes, &Within::Value)
            } else {
                Ok(())
            };
            match classified {
                Ok(()) => Ok(of(classes)),
                Err(Exit::Memory(reason)) => Ok(Classification::Memory(reason)),
                Err(Exit::Invalid(e)) => Err(e),
            }
        }
    }
}

/// The layout and classes of a scalar type, inline and without a `Result` (the fast
/// path of [`classify`], and [`classify_value`]'s answer for scalars); `None` for the
/// other types.
#[inline]
fn scalar_classes(ty: &Type) -> Option<(Layout, Classes)> {
    use Class::*;
    let layout = ty.scalar_layout()?;
    let mut classes = Eightbytes::new();
    match ty {
        Type::LongDouble => {
            classes.push(X87);
            classes.push(X87Up);
        }
        Type::Int128 | Type::UInt128 => {
            classes.push(Integer);
            classes.push(Integer);
        }
        // psABI §3.2.3: `_BitInt(N)` is INTEGER in each eightbyte up to 128 bits; wider
        // ones are MEMORY (left to `classify_value`, as an aggregate too large).
        Type::BitInt { .. } if layout.size > 16 => return None,
        Type::BitInt { .. } => {
            for _ in 0..layout.size.div_ceil(8) {
                classes.push(Integer);
            }
        }
        // psABI §3.2.3: `_Float16` and `__bf16` are SSE; `__float128` is SSE and SSEUP.
        Type::Float | Type::Double | Type::Float16 | Type::BFloat16 => classes.push(Sse),
        Type::Float128 => {
            classes.push(Sse);
            classes.push(SseUp);
        }
        _ => classes.push(Integer),
    }
    Some((layout, classes))
}

/// The classes of a vector of `lanes` elements of `elem`, `size` bytes, alone or as
/// the member at `at` (psABI §3.2.3, as gcc 12 implements it, by the vector's machine
/// mode): a 16-byte vector (`__m128`) is SSE and SSEUP, one whole xmm register; an
/// 8-byte one (`__m64`) SSE; a 4-byte vector of two `_Float16` SSE; other 2- and 4-byte
/// vectors INTEGER; and a vector of one `_Float16`, `float` or `double` MEMORY (gcc
/// has no vector mode for it). clang differs on the small floating ones.
fn vector_classes(
    elem: &Type,
    lanes: u64,
    size: u64,
    at: &Within,
) -> Result<Classification, Error> {
    use Class::*;
    let floating = matches!(elem, Type::Float16 | Type::Float | Type::Double);
    if floating && lanes == 1 && size <= 8 {
        return Ok(Classification::Memory(MemoryReason::OneLaneFloatVector {
            member: at.path(),
            size: size as u32,
        }));
    }
    let mut classes = Eightbytes::new();
    match size {
        4 if floating => classes.push(Sse),
        0..=4 => classes.push(Integer),
        8 => classes.push(Sse),
        16 => {
            classes.push(Sse);
            classes.push(SseUp);
        }
        _ => {
            return Err(Error::unsupported(format!(
                "a {size}-byte vector by value (its ABI depends on AVX; not supported yet)"
            )));
        }
    }
    Ok(Classification::Eightbytes(classes))
}

/// The classes of a clang `ext_vector_type` vector of 16 bytes or less, `size` bytes
/// (its lanes rounded up to a power of two), alone or as the member at `at`, as
/// clang-19 classifies a vector by its size: up to 4 bytes INTEGER (whatever the
/// lanes), 8 bytes SSE, 16 bytes SSE and SSEUP; but one `double` lane MEMORY (as an
/// argument and in aggregates; clang returns it in `xmm0`, see [`classify`]).
fn ext_vector_classes(elem: &Type, lanes: u64, size: u64, at: &Within) -> Classification {
    use Class::*;
    if *elem == Type::Double && lanes == 1 {
        return Classification::Memory(MemoryReason::OneDoubleExtVector { member: at.path() });
    }
    let mut classes = Eightbytes::new();
    match size {
        0..=4 => classes.push(Integer),
        8 => classes.push(Sse),
        _ => {
            debug_assert_eq!(size, 16, "wider ext vectors are classified apart");
            classes.push(Sse);
            classes.push(SseUp);
        }
    }
    Classification::Eightbytes(classes)
}

/// Whether `ty` is `double __attribute__((ext_vector_type(1)))`, which clang-19 passes
/// in memory but returns in `xmm0`.
fn is_one_double_ext_vector(ty: &Type) -> bool {
    matches!(ty, Type::ExtVector(elem, 1) if **elem == Type::Double)
}

/// The classes of a 32- or 64-byte vector (psABI §3.2.3: SSE, then SSEUP for every
/// other eightbyte: one `ymm` or `zmm` register) when the callee compiled as `abi`
/// takes it in a register; MEMORY when it does not; an error when this CPU has no
/// such register.
fn wide_vector_classes(size: u64, abi: VectorAbi) -> Result<Classification, Error> {
    if !abi.in_register(size)? {
        return Ok(Classification::Memory(MemoryReason::WideVector {
            size: size as u32,
            abi: abi.resolve(),
        }));
    }
    let mut classes = Classes::new();
    classes.push(Class::Sse);
    for _ in 1..size / 8 {
        classes.push(Class::SseUp);
    }
    Ok(Classification::Eightbytes(classes))
}

/// An aggregate of 32 or 64 bytes holding a wide vector (psABI §3.2.3, rule 5(c) as gcc
/// applies it): its scalars' classes merged over all its eightbytes; when that gives SSE
/// and then only SSEUP (`struct { __m256 v; }`, `union { __m256 v; float f; }`) it
/// travels as the vector would, else it is MEMORY (`union { __m256 v; double d[4]; }`).
fn wide_aggregate_classes(ty: &Type, size: u64, abi: VectorAbi) -> Result<Classification, Error> {
    use Class::*;
    let mut classes = [NoClass; 8];
    let mut leaves = Vec::new();
    flatten(ty, 0, &mut leaves)?;
    for (leaf, offset) in leaves {
        // A zero-size member at the end (a union of a zero-width bit-field) holds
        // nothing in the aggregate.
        if offset >= size {
            continue;
        }
        let l = leaf.layout()?;
        let leaf_classes = match &leaf {
            Type::Vector(..) | Type::ExtVector(..) if l.size > 16 => {
                let mut c = vec![Sse];
                c.resize((l.size / 8) as usize, SseUp);
                c
            }
            other => classification(other)?.classes().to_vec(),
        };
        if !offset.is_multiple_of(l.align) || leaf_classes.contains(&Memory) {
            return Ok(Classification::Memory(MemoryReason::TooLarge {
                size: size as u32,
            }));
        }
        // A bit-field's leaf is its storage unit, which may reach past the aggregate's
        // end (`_BitInt(128) x : 8` in its last byte: a 16-byte unit at offset 56 of
        // 64). Its INTEGER class already lands in the eightbyte where the unit starts,
        // which makes the aggregate MEMORY; the eightbytes past the end hold nothing.
        for (k, class) in leaf_classes.into_iter().enumerate() {
            if let Some(slot) = classes.get_mut((offset / 8) as usize + k) {
                *slot = merge(*slot, class);
            }
        }
    }
    // Every eightbyte the aggregate touches: a packed one's last may be partial.
    let words = &classes[..size.div_ceil(8) as usize];
    if words[0] != Sse || words[1..].iter().any(|c| *c != SseUp) {
        return Ok(Classification::Memory(MemoryReason::TooLarge {
            size: size as u32,
        }));
    }
    wide_vector_classes(size, abi)
}

/// Every scalar (and vector) of `ty` at `offset`, with its offset: all members of a
/// union, all elements of an array.
fn flatten(ty: &Type, offset: u64, out: &mut Vec<(Type, u64)>) -> Result<(), Error> {
    match ty {
        Type::Struct(agg) | Type::Union(agg) => {
            let union = matches!(ty, Type::Union(_));
            agg.place(union, |_, field, place, _| {
                // A struct's zero-width bit-field holds nothing (its storage unit may
                // even start at the struct's end); a union's is classified by its type.
                if !union && place.bits.is_some_and(|b| b.width == 0) {
                    return Ok(());
                }
                flatten(&field.ty, offset + place.offset, out)
            })?;
        }
        Type::Array(elem, n) => {
            let size = elem.layout()?.size;
            for i in 0..*n {
                flatten(elem, offset + i * size, out)?;
            }
        }
        Type::Complex(elem) => {
            let size = elem.layout()?.size;
            out.push(((**elem).clone(), offset));
            out.push(((**elem).clone(), offset + size));
        }
        other => out.push((other.clone(), offset)),
    }
    Ok(())
}

/// Whether `ty` is or holds (in a member, at any depth) a vector of more than 16 bytes.
fn holds_wide_vector(ty: &Type) -> bool {
    match ty {
        Type::Vector(..) | Type::ExtVector(..) => ty.layout().is_ok_and(|l| l.size > 16),
        Type::Struct(agg) | Type::Union(agg) => agg.fields.iter().any(|f| holds_wide_vector(&f.ty)),
        Type::Array(elem, _) => holds_wide_vector(elem),
        _ => false,
    }
}

/// Eightbytes a classification works on at most: an argument in registers spans two,
/// and an array's element may start in the second (see `classify_array`). The
/// classifiers below use fixed buffers of this size, not allocations.
const MAX_WORDS: usize = 4;

/// Merges the classes of `ty`, the member at `at`, placed at `offset` in the outermost
/// aggregate, into `classes` (the eightbytes of its parent, indexed by absolute
/// eightbyte; at most [`MAX_WORDS`], since the outermost aggregate is at most 16
/// bytes). MEMORY for a misaligned scalar, or a member aggregate that is MEMORY on its
/// own. Like gcc, each member aggregate is classified and cleaned up by itself first,
/// then merged into its parent; flattening all scalars would merge
/// `union { double; long double; }` inside a larger union differently.
fn classify_into(ty: &Type, offset: u64, classes: &mut [Class], at: &Within) -> Result<(), Exit> {
    use Class::*;
    let layout = match ty.scalar_layout() {
        Some(l) => l,
        None => ty.layout()?,
    };
    if ty.is_aggregate() {
        return classify_aggregate(ty, offset, layout.size, classes, at);
    }
    // gcc: "misaligned fields are always returned in memory".
    if !offset.is_multiple_of(layout.align) {
        return memory(MemoryReason::Misaligned {
            member: at.path(),
            offset: offset as u32,
            align: layout.align as u32,
        });
    }
    let mut put =
        |offset: u64, class: Class| merge_into(classes, (offset / 8) as usize, class, at.parent());
    match ty {
        Type::LongDouble => {
            put(offset, X87)?;
            put(offset + 8, X87Up)
        }
        Type::Int128 | Type::UInt128 => {
            put(offset, Integer)?;
            put(offset + 8, Integer)
        }
        Type::BitInt { .. } => {
            for k in 0..layout.size.div_ceil(8) {
                put(offset + 8 * k, Integer)?;
            }
            Ok(())
        }
        Type::Float | Type::Double | Type::Float16 | Type::BFloat16 => put(offset, Sse),
        Type::Float128 => {
            put(offset, Sse)?;
            put(offset + 8, SseUp)
        }
        Type::Vector(..) | Type::ExtVector(..) => {
            let classification = match ty {
                Type::ExtVector(elem, lanes) => ext_vector_classes(elem, *lanes, layout.size, at),
                Type::Vector(elem, lanes) => vector_classes(elem, *lanes, layout.size, at)?,
                _ => unreachable!("matched above"),
            };
            match classification {
                Classification::Memory(reason) => memory(reason),
                Classification::Eightbytes(classes) => {
                    for (i, class) in classes.iter().enumerate() {
                        put(offset + 8 * i as u64, *class)?;
                    }
                    Ok(())
                }
            }
        }
        _ => put(offset, Integer),
    }
}

/// [`classify_into`] for an aggregate of `size` bytes: its members are classified
/// into a buffer of their own and cleaned up there, then merged into `classes`.
fn classify_aggregate(
    ty: &Type,
    offset: u64,
    size: u64,
    classes: &mut [Class],
    at: &Within,
) -> Result<(), Exit> {
    use Class::*;
    // gcc counts the eightbytes an aggregate touches from its offset within the first
    // one, so a zero-size member is nothing at an eightbyte boundary but one eightbyte
    // inside an eightbyte (`words` in `classify_argument`).
    if size == 0 && offset.is_multiple_of(8) {
        return Ok(());
    }
    let first = (offset / 8) as usize;
    let last = ((offset + size.max(1) - 1) / 8) as usize;
    let mut buf = [NoClass; MAX_WORDS];
    let local = &mut buf[..classes.len()];
    match ty {
        Type::Struct(agg) | Type::Union(agg) => {
            let mut members = Ok(());
            let union = matches!(ty, Type::Union(_));
            agg.place(union, |i, field, place, _| {
                if members.is_err() {
                    return Ok(());
                }
                members = match place.bits {
                    // gcc: a bit-field makes INTEGER every eightbyte its bits touch, and
                    // is not "misaligned" (but see above). A zero-width one touches nothing in a
                    // struct, but a union's members are classified by their types
                    // alone, so there it makes its first eightbyte INTEGER.
                    // In a union, gcc classifies a bit-field as an integer of the
                    // smallest machine mode that holds it, which must be aligned.
                    Some(bits)
                        if union
                            && !offset.is_multiple_of(
                                u64::from(bits.width).next_power_of_two().clamp(8, 128) / 8,
                            ) =>
                    {
                        memory(MemoryReason::Misaligned {
                            member: at.member(i).path(),
                            offset: offset as u32,
                            align: (u64::from(bits.width).next_power_of_two().clamp(8, 128) / 8)
                                as u32,
                        })
                    }
                    // gcc makes a struct's bit-field of 8, 16, 32, 64 or 128 bits that
                    // sits at a multiple of its width an ordinary integer of that mode
                    // (`layout_decl`; not in a packed struct, above 8 bits), and an
                    // integer must be aligned in the argument.
                    Some(bits)
                        if !union
                            && matches!(bits.width, 8 | 16 | 32 | 64 | 128)
                            && !(agg.packed && bits.width > 8)
                            && bits
                                .absolute(place.offset)
                                .is_multiple_of(u64::from(bits.width))
                            && !bits
                                .absolute(offset + place.offset)
                                .is_multiple_of(u64::from(bits.width)) =>
                    {
                        memory(MemoryReason::Misaligned {
                            member: at.member(i).path(),
                            offset: (bits.absolute(offset + place.offset) / 8) as u32,
                            align: bits.width / 8,
                        })
                    }
                    Some(bits) => {
                        let width = if union { bits.width.max(1) } else { bits.width };
                        let first = bits.absolute(offset + place.offset);
                        let words = first / 64..(first + u64::from(width)).div_ceil(64);
                        let len = local.len() as u64;
                        words
                            .filter(|&w| width > 0 && w < len)
                            .try_for_each(|w| merge_into(local, w as usize, Class::Integer, at))
                    }
                    None => classify_into(&field.ty, offset + place.offset, local, &at.member(i)),
                };
                Ok(())
            })?;
            members?;
        }
        Type::Array(elem, _) => classify_array(elem, offset, first..=last, local, at)?,
        Type::Complex(elem) => {
            let size = elem.layout()?.size;
            classify_into(elem, offset, local, &at.member(0))?;
            classify_into(elem, offset + size, local, &at.member(1))?;
            // gcc classifies a `_Complex _Float16` (HCmode) that does not start an
            // eightbyte as it does a `_Complex float` there, which straddles: SSE, then
            // a 2-byte SSE class for the next eightbyte, though the 4 bytes end in the
            // first. Its record keeps that class where the record reaches that far:
            // `struct { _Float16 h; _Float16 _Complex c; long double z[0]; }` (16
            // bytes, only padding after byte 6) takes xmm0 and xmm1, and `struct { int
            // i; _Float16 _Complex c; long double z[0]; }` rdi and xmm0.
            if **elem == Type::Float16 && !offset.is_multiple_of(8) && first + 1 < classes.len() {
                merge_into(classes, first + 1, Sse, at.parent())?;
            }
        }
        _ => unreachable!("only aggregates come here"),
    }
    post_merge(&mut local[first..=last], first, at)?;
    for (i, class) in local[first..=last].iter().enumerate() {
        merge_into(classes, first + i, *class, at.parent())?;
    }
    Ok(())
}

/// An array at `at`, at `offset`, covering the eightbytes `words`, as gcc classifies it
/// ("arrays are handled as small records"): its first element is classified once, and
/// that element's classes repeat over the array's eightbytes. Later elements are never
/// looked at: a zero-length array still counts as its element (so in
/// `struct { float f; int z[0]; }` the `int` makes the eightbyte INTEGER), and only the
/// first element's alignment is checked. clang differs for both (`docs/DIVERGENCES.md`).
fn classify_array(
    elem: &Type,
    offset: u64,
    words: std::ops::RangeInclusive<usize>,
    classes: &mut [Class],
    at: &Within,
) -> Result<(), Exit> {
    let elem_size = elem.layout()?.size;
    // The element alone would take more than two eightbytes: MEMORY.
    if offset % 8 + elem_size > 16 {
        return memory(MemoryReason::ArrayElementTooWide {
            array: at.path(),
            offset: offset as u32,
            size: elem_size as u32,
        });
    }
    let first = *words.start();
    // The element's own eightbytes (`first` is 0 or 1 inside a 16-byte argument).
    let mut buf = [Class::NoClass; MAX_WORDS];
    let sub = &mut buf[..classes.len().max(first + 2)];
    classify_into(elem, offset, sub, &at.member(0))?;
    let num = (offset % 8 + elem_size).div_ceil(8).max(1) as usize;
    for (i, word) in words.enumerate() {
        if word < classes.len() {
            // Fresh eightbytes, each written once: nothing to merge with.
            merge_into(classes, word, sub[first + i % num], at)?;
        }
    }
    Ok(())
}

/// The post-merger cleanup (psABI §3.2.3, rule 5) of the aggregate at `at`, whose
/// eightbytes from `first` on are `classes`, in place: MEMORY for X87UP not preceded
/// by X87; SSEUP not preceded by SSE or SSEUP becomes SSE. (A MEMORY eightbyte, rule
/// 5(a), never gets here: [`merge_into`] exits first.)
fn post_merge(classes: &mut [Class], first: usize, at: &Within) -> Result<(), Exit> {
    use Class::*;
    for i in 0..classes.len() {
        let prev = if i == 0 { NoClass } else { classes[i - 1] };
        match classes[i] {
            X87Up if prev != X87 => {
                return memory(MemoryReason::X87UpAlone {
                    aggregate: at.path(),
                    eightbyte: (first + i) as u8,
                    previous: prev,
                });
            }
            SseUp if prev != Sse && prev != SseUp => classes[i] = Sse,
            _ => {}
        }
    }
    Ok(())
}

/// How an integer eightbyte of a scalar is loaded: narrow integers are extended to 32
/// bits; aggregate pieces load their bytes as they are.
fn integer_load(ty: &Type, width: u8) -> Load {
    match ty {
        Type::Char | Type::SChar => Load::SignExtend(1),
        Type::Short => Load::SignExtend(2),
        Type::Bool | Type::UChar => Load::ZeroExtend(1),
        Type::UShort => Load::ZeroExtend(2),
        // Extended to 32 bits as clang-19's callers do (its callees re-extend from N
        // bits; the psABI leaves the bits above N unspecified).
        Type::BitInt { signed: true, .. } if width <= 2 => Load::SignExtend(width),
        Type::BitInt { signed: false, .. } if width <= 2 => Load::ZeroExtend(width),
        _ => Load::Bytes(width),
    }
}

/// Whether `ty` is what gcc calls an empty record (`is_empty_type`): a struct or union
/// whose every member is an unnamed bit-field, an empty record, or an array of no
/// elements or of empty records. gcc passes one in the registers its classes ask for
/// (an unnamed bit-field makes an eightbyte INTEGER), but gives it no stack space and
/// no hidden result pointer (`arg_size_in_bytes`, `aggregate_value_p`).
fn is_empty_record(ty: &Type) -> bool {
    fn empty(ty: &Type) -> bool {
        match ty {
            Type::Struct(agg) | Type::Union(agg) => agg
                .fields
                .iter()
                .all(|f| (f.name.is_none() && f.bits.is_some()) || empty(&f.ty)),
            Type::Array(elem, n) => *n == 0 || empty(elem),
            _ => false,
        }
    }
    matches!(ty, Type::Struct(_) | Type::Union(_)) && empty(ty)
}

/// Classifies a whole signature: the plan for one call.
pub fn classify(sig: &Signature) -> Result<CallPlan, Error> {
    // The result. (Each layout is computed once, with the checks `Signature::validate`
    // makes, in the same order.)
    let ret_ty = sig.ret();
    let ret_layout = sig.ret_layout()?;
    let (ret_size, ret_align) = match ret_layout {
        None => (0, 1),
        Some(l) => (l.size as u32, l.align as u32),
    };
    let (ret_classes, ret_memory_reason) = match ret_layout {
        None => (Eightbytes::new(), None),
        // clang-19: in memory as an argument, in `xmm0` as the result.
        Some(_) if is_one_double_ext_vector(ret_ty) => {
            (std::iter::once(Class::Sse).collect(), None)
        }
        Some(l) => classify_value(ret_ty, l, sig.vector_abi())?.into_parts(),
    };
    let ret_location = match return_location(&ret_classes, ret_size) {
        // gcc: an empty record is never returned through memory (no hidden pointer).
        RetLocation::Memory if is_empty_record(ret_ty) => RetLocation::Nothing,
        location => location,
    };

    let mut gprs_used = 0u8;
    let mut xmms_used = 0u8;
    if ret_location == RetLocation::Memory {
        gprs_used = 1; // the hidden pointer takes rdi
    }

    let mut stack_size = 0u32;
    let mut stack_align = 16u32;
    let mut args = Vec::with_capacity(sig.params().len());

    for (i, ty) in sig.params().iter().enumerate() {
        // A fixed scalar parameter needs no checks and no walk: most parameters are.
        let (l, classes, memory_reason) = match scalar_classes(ty) {
            Some((l, classes)) if i < sig.fixed_count() => (l, classes, None),
            _ => {
                let l = sig.param_layout(i)?;
                let variadic = i >= sig.fixed_count();
                // psABI: a variadic `__m256` or `__m512` is passed in memory.
                let abi = if variadic {
                    VectorAbi::Sse
                } else {
                    sig.vector_abi()
                };
                let (classes, mut reason) = classify_value(ty, l, abi)?.into_parts();
                if variadic && matches!(reason, Some(MemoryReason::WideVector { .. })) {
                    reason = Some(MemoryReason::VariadicVector {
                        size: l.size as u32,
                    });
                }
                (l, classes, reason)
            }
        };
        let (size, align) = (l.size as u32, l.align as u32);
        let slot_align = align.max(8);

        let gprs_needed = classes.iter().filter(|c| **c == Class::Integer).count() as u8;
        let xmms_needed = classes.iter().filter(|c| **c == Class::Sse).count() as u8;

        let stack_reason = if let Some(reason) = memory_reason {
            Some(StackReason::Memory(reason))
        } else if classes
            .iter()
            .any(|c| matches!(c, Class::X87 | Class::X87Up | Class::ComplexX87))
        {
            Some(StackReason::X87)
        } else if gprs_used + gprs_needed > 6 || xmms_used + xmms_needed > ARG_XMMS {
            Some(StackReason::OutOfRegisters {
                gprs_needed,
                gprs_left: 6 - gprs_used,
                xmms_needed,
                xmms_left: ARG_XMMS - xmms_used,
            })
        } else {
            None
        };

        // The plan goes into `args` first and its location is filled in there: loads
        // assembled piece by piece on the stack and then moved as a whole stall on
        // store forwarding, a fifth of classifying a scalar argument.
        args.push(ArgPlan {
            size,
            align,
            frame_offset: 0, // by `lay_out_frame`, below
            classes,
            location: ArgLocation::Nowhere,
            stack_reason: if size == 0 { None } else { stack_reason },
        });
        let Some(arg) = args.last_mut() else {
            unreachable!("pushed just above")
        };
        if size == 0 {
            continue;
        }
        // gcc gives an empty record no stack space: it takes registers when it gets
        // them, and otherwise is passed nowhere.
        if arg.stack_reason.is_some() && is_empty_record(ty) {
            arg.stack_reason = None;
            continue;
        }
        if arg.stack_reason.is_some() {
            let offset = round_up(stack_size, slot_align);
            stack_size = offset + round_up(size, 8);
            stack_align = stack_align.max(align);
            arg.location = ArgLocation::Stack { offset };
            continue;
        }
        arg.location = ArgLocation::Registers(Eightbytes::new());
        let ArgLocation::Registers(loads) = &mut arg.location else {
            unreachable!("set just above")
        };
        for (i, class) in classes.iter().enumerate() {
            let offset = 8 * i as u32;
            let width = (size - offset).min(8) as u8;
            match class {
                Class::Integer => {
                    loads.push(RegLoad {
                        reg: Reg::Gpr(ARG_GPRS[gprs_used as usize]),
                        offset,
                        load: integer_load(ty, width),
                    });
                    gprs_used += 1;
                }
                Class::Sse => {
                    loads.push(RegLoad {
                        reg: Reg::Xmm(xmms_used),
                        offset,
                        load: sse_load(&classes[i..], size - offset),
                    });
                    xmms_used += 1;
                }
                // SSEUP travels in the register of the SSE eightbyte before it (see
                // `sse_load`); NO_CLASS needs nothing.
                _ => {}
            }
        }
    }

    let ret = RetPlan {
        size: ret_size,
        align: ret_align,
        classes: ret_classes,
        location: ret_location,
        memory_reason: ret_memory_reason,
    };
    // Not the psABI's: where jitcall's frame holds each value (see `lay_out_frame`).
    let (frame_size, frame_align) = lay_out_frame(&ret, &mut args);
    let plan = CallPlan {
        args,
        ret,
        stack_size: round_up(stack_size, stack_align),
        stack_align,
        gprs_used,
        vector_count: xmms_used,
        variadic: sig.is_variadic(),
        frame_size,
        frame_align,
        vector_abi: wide_vectors(sig).then(|| sig.vector_abi().resolve()),
    };
    debug_assert!(plan.gprs_used <= 6 && plan.vector_count <= ARG_XMMS);
    Ok(plan)
}

/// How the SSE eightbyte that starts `classes` is loaded, `rest` bytes before the end
/// of the value: with the SSEUP eightbytes after it, as one whole vector register;
/// alone, as a `float`, a `double` or the 2 or 6 bytes of `_Float16` data it holds.
fn sse_load(classes: &[Class], rest: u32) -> Load {
    let up = classes[1..]
        .iter()
        .take_while(|c| **c == Class::SseUp)
        .count() as u8;
    match rest.min(8) {
        _ if up > 0 => Load::Vector(8 * (up + 1)),
        4 => Load::Float32,
        n @ (1..=3 | 5..=7) => Load::SseBytes(n as u8),
        _ => Load::Float64,
    }
}

/// Whether `sig` passes or returns a 32- or 64-byte vector by value (alone or in an
/// aggregate).
fn wide_vectors(sig: &Signature) -> bool {
    holds_wide_vector(sig.ret()) || sig.params().iter().any(holds_wide_vector)
}

fn return_location(classes: &[Class], size: u32) -> RetLocation {
    use Class::*;
    match classes {
        [] => RetLocation::Nothing,
        [Memory] => RetLocation::Memory,
        [ComplexX87] => RetLocation::X87 { count: 2 },
        [X87, X87Up] => RetLocation::X87 { count: 1 },
        _ => {
            let (mut ints, mut sses) = (0, 0);
            let mut pieces = Eightbytes::new();
            for (i, class) in classes.iter().enumerate() {
                let offset = 8 * i as u32;
                let mut width = (size - offset).min(8) as u8;
                if *class == Sse
                    && let Load::Vector(n) = sse_load(&classes[i..], size - offset)
                {
                    width = n;
                }
                let reg = match class {
                    Integer => {
                        ints += 1;
                        if ints == 1 { RetReg::Rax } else { RetReg::Rdx }
                    }
                    Sse => {
                        sses += 1;
                        if sses == 1 {
                            RetReg::Xmm0
                        } else {
                            RetReg::Xmm1
                        }
                    }
                    _ => continue,
                };
                pieces.push(RetPiece { reg, offset, width });
            }
            if pieces.is_empty() {
                RetLocation::Nothing
            } else {
                RetLocation::Registers(pieces)
            }
        }
    }
}

use crate::Signature;

#[cfg(test)]
mod tests {
    use super::*;
    use Class::*;

    fn s(fields: impl IntoIterator<Item = Type>) -> Type {
        Type::structure(fields)
    }

    #[test]
    fn classic_classifications() {
        let cases: Vec<(Type, Vec<Class>)> = vec![
            (s([Type::Char, Type::Double]), vec![Integer, Sse]),
            (s([Type::Float, Type::Float, Type::Float]), vec![Sse, Sse]),
            (s([Type::Float, Type::Int]), vec![Integer]),
            (s([Type::Double, Type::Long]), vec![Sse, Integer]),
            (s([Type::LongDouble]), vec![X87, X87Up]),
            (s([Type::Long, Type::Long, Type::Long]), vec![Memory]),
            (Type::union([Type::Float, Type::Int]), vec![Integer]),
            (Type::union([Type::LongDouble, Type::Int]), vec![Memory]),
            // A member that is MEMORY on its own makes the whole MEMORY, although
            // merging its scalars with the other member's would give INTEGER.
            (
                Type::union([
                    Type::union([Type::Int128]),
                    Type::union([Type::Double, Type::LongDouble]),
                ]),
                vec![Memory],
            ),
            (Type::complex(Type::Double), vec![Sse, Sse]),
            (Type::complex(Type::Float), vec![Sse]),
            (Type::complex(Type::LongDouble), vec![ComplexX87]),
            (
                s([Type::array(Type::Float, 2), Type::Int]),
                vec![Sse, Integer],
            ),
            (
                Type::build_struct()
                    .field("a", Type::Int)
                    .field("d", Type::Double)
                    .packed()
                    .finish(),
                vec![Memory],
            ),
            (
                Type::build_struct()
                    .field("f", Type::Float)
                    .aligned(16)
                    .finish(),
                vec![Sse, NoClass],
            ),
            (s([]), vec![]),
        ];
        for (ty, want) in cases {
            assert_eq!(classify_type(&ty).unwrap(), want, "{ty}");
        }
    }

    /// Every scalar's classes as the psABI's table gives them (§3.2.3: INTEGER for the
    /// integer types and pointers, two INTEGERs for `__int128`, SSE for `float` and
    /// `double`, X87 and X87UP for `long double`), with the layout `Type::layout`
    /// gives, from the fast path; nothing for the other types.
    #[test]
    fn scalars_take_the_psabi_classes() {
        use Type::*;
        let scalars = [
            (
                vec![Bool, Char, SChar, UChar, Short, UShort, Int, UInt],
                vec![Integer],
            ),
            (
                vec![Long, ULong, LongLong, ULongLong, Pointer],
                vec![Integer],
            ),
            (vec![Int128, UInt128], vec![Integer, Integer]),
            (vec![Float, Double], vec![Sse]),
            (vec![LongDouble], vec![X87, X87Up]),
        ];
        for (types, want) in scalars {
            for ty in types {
                let (layout, classes) = scalar_classes(&ty).expect("a scalar");
                assert_eq!(layout, ty.layout().unwrap(), "{ty}");
                assert_eq!(classes.to_vec(), want, "{ty}");
                assert_eq!(classify_type(&ty).unwrap(), want, "{ty}");
            }
        }
        for ty in [Void, s([Int]), Type::complex(Double), Type::array(Int, 2)] {
            assert!(scalar_classes(&ty).is_none(), "{ty}");
        }
    }

    #[test]
    fn arrays_are_classified_by_their_first_element() {
        // gcc 12 (found by `jitcall fuzz --seed 7`, see docs/trophies.md): an array is
        // classified by its first element, whose classes repeat; so a zero-length array
        // that starts inside an eightbyte counts as its element, and at an eightbyte
        // boundary as nothing. clang ignores it unless it is misaligned.
        let zero = |t: Type| Type::array(t, 0);
        let packed = |fields: Vec<Type>| {
            let mut b = Type::build_struct().packed();
            for (i, t) in fields.into_iter().enumerate() {
                b = b.field(format!("f{i}"), t);
            }
            b.finish()
        };
        let cases: Vec<(Type, Vec<Class>)> = vec![
            (s([Type::Float, zero(Type::Int)]), vec![Integer]),
            (s([Type::Float, zero(Type::Float)]), vec![Sse]),
            (
                s([Type::Double, Type::Float, zero(Type::Int)]),
                vec![Sse, Integer],
            ),
            (
                s([Type::Float, zero(s([Type::Int, Type::Int]))]),
                vec![Integer],
            ),
            (
                s([Type::Float, zero(s([Type::Float, Type::Int]))]),
                vec![Sse],
            ),
            (s([Type::Float, s([zero(Type::Int)])]), vec![Integer]),
            (
                s([Type::Float, zero(Type::array(Type::Int, 2))]),
                vec![Integer],
            ),
            // At an eightbyte boundary: nothing, even when misaligned.
            (s([Type::Float, zero(Type::ULongLong)]), vec![Sse]),
            (
                s([Type::Float, zero(s([Type::LongDouble]))]),
                vec![Sse, NoClass],
            ),
            (
                packed(vec![Type::Long, zero(Type::LongDouble)]),
                vec![Integer],
            ),
            // Misaligned element, or one reaching past 16 bytes: MEMORY.
            (
                packed(vec![Type::Float, zero(Type::ULongLong)]),
                vec![Memory],
            ),
            (s([Type::Float, zero(s(vec![Type::Int; 4]))]), vec![Memory]),
            (s([Type::Float, s([])]), vec![Sse]),
            // Only the first element of an array is classified: the zero-length array
            // of the second `t1` below is at offset 4, but never looked at ...
            (
                s([Type::array(
                    Type::array(s([zero(Type::UInt), Type::Float]), 2),
                    1,
                )]),
                vec![Sse],
            ),
            // ... nor is the misaligned `float` of the second packed element.
            (
                s([Type::array(packed(vec![Type::Float, Type::Char]), 2)]),
                vec![Integer, Integer],
            ),
        ];
        for (ty, want) in cases {
            assert_eq!(classify_type(&ty).unwrap(), want, "{ty}");
        }
    }

    /// Each MEMORY comes with the reason the classifier met first, naming the member
    /// by its path of indices.
    #[test]
    fn memory_comes_with_its_reason() {
        let path = |indices: &[u32]| indices.iter().copied().collect::<MemberPath>();
        let packed = |fields: Vec<Type>| {
            let mut b = Type::build_struct().packed();
            for (i, t) in fields.into_iter().enumerate() {
                b = b.field(format!("f{i}"), t);
            }
            b.finish()
        };
        let cases: Vec<(Type, MemoryReason)> = vec![
            (
                s([Type::Long, Type::Long, Type::Long]),
                MemoryReason::TooLarge { size: 24 },
            ),
            (
                packed(vec![Type::Char, Type::Int]),
                MemoryReason::Misaligned {
                    member: path(&[1]),
                    offset: 1,
                    align: 4,
                },
            ),
            // The first element of a zero-length array, misaligned (the explain case of
            // issue 19): not "a member MEMORY on its own".
            (
                packed(vec![Type::Float, Type::array(Type::ULongLong, 0)]),
                MemoryReason::Misaligned {
                    member: path(&[1, 0]),
                    offset: 4,
                    align: 8,
                },
            ),
            (
                packed(vec![Type::Char, Type::complex(Type::Float)]),
                MemoryReason::Misaligned {
                    member: path(&[1, 0]),
                    offset: 1,
                    align: 4,
                },
            ),
            (
                s([Type::Float, Type::array(s(vec![Type::Int; 4]), 0)]),
                MemoryReason::ArrayElementTooWide {
                    array: path(&[1]),
                    offset: 4,
                    size: 16,
                },
            ),
            (
                Type::union([Type::LongDouble, Type::Double]),
                MemoryReason::X87Merged {
                    aggregate: path(&[]),
                    eightbyte: 0,
                    x87: X87,
                    other: Sse,
                },
            ),
            (
                Type::union([Type::LongDouble, Type::Int]),
                MemoryReason::X87UpAlone {
                    aggregate: path(&[]),
                    eightbyte: 1,
                    previous: Integer,
                },
            ),
            // A member union MEMORY on its own, though flat merging would give INTEGER.
            (
                Type::union([
                    Type::union([Type::Int128]),
                    Type::union([Type::Double, Type::LongDouble]),
                ]),
                MemoryReason::X87Merged {
                    aggregate: path(&[1]),
                    eightbyte: 0,
                    x87: X87,
                    other: Sse,
                },
            ),
            (
                s([Type::union([Type::Int, Type::LongDouble])]),
                MemoryReason::X87UpAlone {
                    aggregate: path(&[0]),
                    eightbyte: 1,
                    previous: Integer,
                },
            ),
        ];
        for (ty, want) in cases {
            assert_eq!(
                classification(&ty).unwrap(),
                Classification::Memory(want.clone()),
                "{ty}"
            );
            let plan = classify(&Signature::new(ty.clone(), [ty.clone()])).unwrap();
            assert_eq!(plan.ret.memory_reason, Some(want.clone()), "{ty}");
            assert_eq!(
                plan.args[0].stack_reason,
                Some(StackReason::Memory(want)),
                "{ty}"
            );
        }
        let plan = classify(&Signature::new(Type::Double, [Type::LongDouble])).unwrap();
        assert_eq!(plan.ret.memory_reason, None);
        assert_eq!(plan.args[0].stack_reason, Some(StackReason::X87));
    }

    #[test]
    fn int128_goes_whole_to_the_stack_and_r9_stays_free() {
        // Five longs, then __int128 (needs 2 GPRs, 1 left), then a long that takes r9.
        let mut params = vec![Type::Long; 5];
        params.push(Type::Int128);
        params.push(Type::Long);
        let plan = classify(&Signature::new(Type::Void, params)).unwrap();
        assert_eq!(plan.args[5].location, ArgLocation::Stack { offset: 0 });
        assert_eq!(
            plan.args[6].location,
            ArgLocation::Registers(
                [RegLoad {
                    reg: Reg::Gpr(Gpr::R9),
                    offset: 0,
                    load: Load::Bytes(8)
                }]
                .into_iter()
                .collect()
            )
        );
    }

    #[test]
    fn sret_takes_rdi() {
        let big = s([Type::Long, Type::Long, Type::Long]);
        let plan = classify(&Signature::new(big, vec![Type::Long; 6])).unwrap();
        assert_eq!(plan.ret.location, RetLocation::Memory);
        assert_eq!(plan.args[5].location, ArgLocation::Stack { offset: 0 });
        assert_eq!(plan.gprs_used, 6);
    }
}
