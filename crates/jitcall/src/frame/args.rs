//! Whole argument lists written into a frame in one go: [`FrameArgs`].
//!
//! `Frame::set_arg` finds each argument's slot at run time: one lookup and one size
//! check per argument, and a store whose address depends on a load. When the argument
//! types are known at compile time (a tuple or an array), their slots are too: the
//! frame lays arguments out by a fixed rule (`crate::abi::frame_slot`: each slot at
//! the running size rounded up to `max(8, align)`, then padded to eightbytes), so a
//! tuple's offsets are constants. What is left to check is that the frame's arguments
//! have the tuple's sizes and alignment classes. Both sides reduce that to one 128-bit
//! *layout code* — the frame when its layout is built from its plan
//! (`super::layout::FrameLayout`), the tuple at compile time — and `Frame::set_args`
//! compares the two once per call, then stores every argument at a constant offset, as
//! compiled code would.
//!
//! Layouts the code cannot hold (more than [`MAX_CODED`] arguments, an argument over
//! 255 bytes or aligned to more than 64) and Rust types aligned differently from their
//! C parameter (a `[u8; 16]` for a `long double`, say) are not refused: they take the
//! checked path, every size checked against the slot table first, then each argument
//! stored at its slot.
//!
//! This module codes layouts; the rule that places slots is the plan's
//! (`crate::abi::frame_slot`), and the frame's own code is built in `super::layout`.

/// Arguments a layout code can describe.
pub(crate) const MAX_CODED: usize = 12;

/// The code of a frame whose layout no code describes: no tuple's code equals it.
pub(crate) const FRAME_UNCODED: u128 = 0;

/// The code of a tuple whose layout no code describes: no frame's code equals it (its
/// count field, 15, is more than any coded count).
const ARGS_UNCODED: u128 = u128::MAX;

/// Set in every valid code.
const VALID: u128 = 1 << 127;

/// Builds a layout code one argument at a time, computing each slot's offset from the
/// start of the argument area by the frame's rule.
#[derive(Clone, Copy)]
pub(crate) struct Coder {
    code: u128,
    count: usize,
    /// The end of the last slot.
    end: usize,
    /// False once an argument did not fit the code.
    fits: bool,
}

impl Coder {
    pub(crate) const fn new() -> Coder {
        Coder {
            code: VALID,
            count: 0,
            end: 0,
            fits: true,
        }
    }

    /// Adds an argument of `size` bytes aligned to `align`; returns its offset from the
    /// start of the argument area.
    pub(crate) const fn push(&mut self, size: usize, align: usize) -> usize {
        let (offset, end) = frame_slot(self.end, size, align);
        self.end = end;
        // Alignment class: 8, 16, 32 or 64 as 0..=3.
        let slot_align = if align > 8 { align } else { 8 };
        let class = slot_align.trailing_zeros() as usize - 3;
        if self.count < MAX_CODED && size <= 0xff && class <= 3 {
            self.code |= ((size | class << 8) as u128) << (10 * self.count);
        } else {
            self.fits = false;
        }
        self.count += 1;
        offset
    }

    /// The code, or `uncoded` when the arguments did not fit.
    pub(crate) const fn finish(self, uncoded: u128) -> u128 {
        if self.fits {
            self.code | (self.count as u128) << 120
        } else {
            uncoded
        }
    }
}

/// The layout code and offsets (from the first argument's slot) of arguments with the
/// given sizes and alignments, as a tuple or array of Rust values lays them out.
const fn code_of<const N: usize>(layouts: [(usize, usize); N]) -> (u128, [usize; N]) {
    let mut coder = Coder::new();
    let mut offsets = [0; N];
    let mut i = 0;
    while i < N {
        offsets[i] = coder.push(layouts[i].0, layouts[i].1);
        i += 1;
    }
    (coder.finish(ARGS_UNCODED), offsets)
}

use crate::abi::frame_slot;
use crate::plain::FrameValue;

mod sealed {
    pub trait Sealed {}
}

/// A whole argument list of Rust values for [`crate::Frame::set_args`]: a tuple of up
/// to twelve plain-data values ([`FrameValue`]: see [`crate::plain`]), or an array. Each value must have the size of its C
/// parameter (as for [`crate::Frame::set_arg`]).
///
/// Implemented for `()`, tuples of one to twelve elements and arrays `[T; N]`; sealed.
pub trait FrameArgs: Copy + sealed::Sealed {
    /// The layout code (see the module docs).
    #[doc(hidden)]
    const CODE: u128;
    /// The size of each argument.
    #[doc(hidden)]
    const SIZES: &'static [usize];

    /// Each argument's offset from the first one's slot, by the frame's rule.
    #[doc(hidden)]
    const OFFSETS: &'static [usize];

    /// Stores every argument at its constant offset from `base`.
    ///
    /// # Safety
    ///
    /// `base` must be the first argument slot of a frame whose layout code is
    /// `Self::CODE`.
    #[doc(hidden)]
    #[inline(always)]
    unsafe fn write_at(self, base: *mut u8) {
        // SAFETY: the frame has this list's layout code, so argument i's slot, of
        // SIZES[i] bytes, is at OFFSETS[i] from `base` (the caller's contract); the
        // indices are constants once inlined, and so are the offsets.
        unsafe { self.write_each(base, |i| Self::OFFSETS[i]) }
    }

    /// Stores argument `i` at `row + offset(i)`, for every `i`.
    ///
    /// # Safety
    ///
    /// `offset(i)` must be the offset of a slot of `SIZES[i]` bytes inside the buffer at
    /// `row`, for every `i` below `Self::SIZES.len()`.
    #[doc(hidden)]
    unsafe fn write_each(self, row: *mut u8, offset: impl Fn(usize) -> usize);
}

impl sealed::Sealed for () {}

impl FrameArgs for () {
    const CODE: u128 = code_of([]).0;
    const SIZES: &'static [usize] = &[];
    const OFFSETS: &'static [usize] = &[];

    #[inline(always)]
    unsafe fn write_each(self, _row: *mut u8, _offset: impl Fn(usize) -> usize) {}
}

macro_rules! tuple_args {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FrameValue),+> sealed::Sealed for ($($t,)+) {}

        impl<$($t: FrameValue),+> FrameArgs for ($($t,)+) {
            const CODE: u128 = code_of([$((size_of::<$t>(), align_of::<$t>())),+]).0;
            const SIZES: &'static [usize] = &[$(size_of::<$t>()),+];
            const OFFSETS: &'static [usize] =
                &code_of([$((size_of::<$t>(), align_of::<$t>())),+]).1;

            #[inline(always)]
            unsafe fn write_each(self, row: *mut u8, offset: impl Fn(usize) -> usize) {
                // SAFETY: the caller's contract: offset(i) starts a slot of
                // size_of::<T_i>() bytes inside the buffer; write_to tolerates any
                // alignment.
                unsafe {
                    $(self.$i.write_to(row.add(offset($i)));)+
                }
            }
        }
    };
}

tuple_args!(A 0);
tuple_args!(A 0, B 1);
tuple_args!(A 0, B 1, C 2);
tuple_args!(A 0, B 1, C 2, D 3);
tuple_args!(A 0, B 1, C 2, D 3, E 4);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_args!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

impl<T: FrameValue, const N: usize> sealed::Sealed for [T; N] {}

impl<T: FrameValue, const N: usize> FrameArgs for [T; N] {
    const CODE: u128 = code_of([(size_of::<T>(), align_of::<T>()); N]).0;
    const SIZES: &'static [usize] = &[size_of::<T>(); N];
    const OFFSETS: &'static [usize] = &code_of([(size_of::<T>(), align_of::<T>()); N]).1;

    #[inline(always)]
    unsafe fn write_each(self, row: *mut u8, offset: impl Fn(usize) -> usize) {
        for (i, value) in self.into_iter().enumerate() {
            // SAFETY: as for tuples.
            unsafe { value.write_to(row.add(offset(i))) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Signature, Type};

    #[test]
    fn offsets_follow_the_frame_rule() {
        // An int, then a 16-aligned value: the second slot skips to 16.
        assert_eq!(code_of([(4, 4), (16, 16)]).1, [0, 16]);
        // A 24-byte struct takes three eightbytes; a 12-byte one two.
        assert_eq!(code_of([(24, 8), (12, 4), (1, 1)]).1, [0, 24, 40]);
    }

    #[test]
    fn codes_tell_layouts_apart() {
        let int_int = code_of([(4, 4), (4, 4)]).0;
        assert_ne!(int_int, code_of([(4, 4)]).0, "count");
        assert_ne!(int_int, code_of([(4, 4), (8, 8)]).0, "size");
        assert_ne!(
            code_of([(16, 8)]).0,
            code_of([(16, 16)]).0,
            "alignment class"
        );
        assert_eq!(int_int, <(i32, u32)>::CODE);
        assert_eq!(
            <[i64; 12]>::CODE,
            <(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, u64)>::CODE
        );
    }

    /// The code of a signature's frame, as one number.
    fn plan_code(ret: Type, params: &[Type]) -> u128 {
        let plan = crate::abi::sysv::classify(&Signature::new(ret, params.to_vec())).unwrap();
        crate::frame::layout::FrameLayout::of(&plan).code()
    }

    #[test]
    fn frames_and_tuples_agree_on_the_fast_path() {
        use Type::*;
        let vec2 = Type::structure([Double, Double]);
        let big3 = Type::structure([Long, Long, Long]);
        // Mirrored Rust types take the constant-offset path.
        assert_eq!(plan_code(Int, &[Int, Int]), <(i32, i32)>::CODE);
        assert_eq!(
            plan_code(Double, &[Int, Double, Float, Long]),
            <(i32, f64, f32, i64)>::CODE
        );
        assert_eq!(
            plan_code(vec2.clone(), &[vec2.clone(), vec2]),
            <([f64; 2], [f64; 2])>::CODE
        );
        assert_eq!(
            plan_code(big3.clone(), &[Long, big3]),
            <(i64, [i64; 3])>::CODE
        );
        assert_eq!(plan_code(Long, &vec![Long; 12]), <[i64; 12]>::CODE);
        assert_eq!(
            plan_code(Long, &[Int, Int128, Char]),
            <(i32, i128, i8)>::CODE
        );
        assert_eq!(plan_code(Void, &[]), <()>::CODE);
        // Whatever the result area: the argument area starts aligned for its slots.
        assert_eq!(plan_code(big3_ret(), &[Char, LongDouble]), <(u8, Ld)>::CODE);
        // A Rust type aligned unlike its C parameter does not.
        assert_ne!(plan_code(Long, &[Int, LongDouble]), <(i32, [u8; 16])>::CODE);
        // Past the code: thirteen arguments, or a 300-byte one.
        assert_eq!(plan_code(Long, &vec![Long; 13]), FRAME_UNCODED);
        let huge = Type::array(UChar, 300);
        assert_eq!(plan_code(Long, &[Type::structure([huge])]), FRAME_UNCODED);
    }

    fn big3_ret() -> Type {
        Type::structure([Type::Long, Type::Long, Type::Char])
    }

    #[repr(C, align(16))]
    #[derive(Clone, Copy)]
    struct Ld([u8; 16]);
    // SAFETY: sixteen bytes, no padding; every bit pattern is valid.
    unsafe impl crate::AnyBits for Ld {}
    // SAFETY: as above.
    unsafe impl crate::Plain for Ld {}

    #[test]
    fn layouts_past_the_code_are_uncoded() {
        assert_eq!(<[i64; 13]>::CODE, ARGS_UNCODED);
        assert_eq!(<([u8; 256],)>::CODE, ARGS_UNCODED);
        assert_ne!(<[i64; 12]>::CODE, ARGS_UNCODED);
        assert_ne!(ARGS_UNCODED, FRAME_UNCODED);
    }
}
