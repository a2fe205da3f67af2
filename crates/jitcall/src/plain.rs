//! Plain data: which Rust values safe code may write into a frame's bytes and read out
//! of them.
//!
//! A frame is bytes that C reads and writes. Reading them as a Rust `T` is sound only
//! if *every* bit pattern is a valid `T` (an integer, a float, a raw pointer, a
//! `#[repr(C)]` struct of those), and writing a `T` is sound only if it leaves no
//! uninitialised bytes (padding) behind for a later read to trip on. Two unsafe marker
//! traits say so, and every generic frame access is bounded on them:
//!
//! - [`AnyBits`]: every initialised bit pattern of its size is a valid value (padding
//!   allowed). Reads ([`Frame::arg`](crate::Frame::arg),
//!   [`Frame::ret`](crate::Frame::ret), their `try_` twins,
//!   [`FrameBatch::ret`](crate::FrameBatch::ret)) take `T: AnyBits`. `bool`, `char`,
//!   enums, references and `NonZero*` are not `AnyBits`: C could hand back bits that
//!   are no valid value of them.
//! - [`Plain`]: `AnyBits` and no padding. Writes ([`Frame::set_arg`](crate::Frame::set_arg),
//!   `set_ret`, `set_args`, the batch's) take any [`FrameValue`]: a `Plain` type,
//!   `bool`, or a padded `AnyBits` struct wrapped in [`Padded`].
//!
//! jitcall implements both for the C scalar types (every integer, `f32`, `f64`, raw
//! pointers, [`crate::Float16`], [`crate::BFloat16`], [`crate::Float128`]), the `core::arch::x86_64` vector
//! types (`__m128` .. `__m512i`), arrays of them and `()`. A `#[repr(C)]` struct of your own opts in with
//! one line, `#[derive(jitcall_derive::Plain)]` (no padding) or `#[derive(jitcall_derive::AnyBits)]`
//! (padding allowed), from the `jitcall-derive` crate (a proc-macro crate of its own, so
//! that jitcall itself builds no proc-macro for it); the derive checks the
//! representation, every field's type and (for `Plain`) the absence of padding at
//! compile time. Without it, `unsafe impl` the traits by hand.
//!
//! Why not `bytemuck` or `zerocopy`: both deliberately leave raw pointers out of their
//! "any bit pattern" traits (a pointer read from bytes has no provenance to
//! dereference with), and C structs and results are full of pointers. jitcall never
//! dereferences them: a pointer read from a frame is an address, to be used in an
//! `unsafe` block like any other raw pointer, so for a frame they are plain data.
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! #[repr(C)]
//! #[derive(Clone, Copy, jitcall::Plain)]
//! struct Point { x: f64, y: f64 }
//! # }
//! ```

use std::mem::MaybeUninit;

/// Types for which every initialised bit pattern of their size is a valid value:
/// what a frame read may produce from bytes that C wrote.
///
/// # Safety
///
/// Implement it only for a `Copy` type that (1) is inhabited, (2) accepts every
/// initialised bit pattern of `size_of::<Self>()` bytes in its non-padding bytes as a
/// valid value, and (3) has a fixed layout (`#[repr(C)]`, `#[repr(transparent)]`, or a
/// primitive): a `#[repr(C)]` struct or union whose fields are all `AnyBits` qualifies.
/// `#[derive(jitcall_derive::AnyBits)]` checks all of this.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from a frame: C may leave bits there that are no valid `{Self}`",
    note = "read an integer, a float, a raw pointer or a #[derive(jitcall_derive::AnyBits)] struct, and convert"
)]
pub unsafe trait AnyBits: Copy + 'static {}

/// [`AnyBits`] types with no padding: writing one into a frame leaves every byte
/// initialised.
///
/// # Safety
///
/// As for [`AnyBits`], and the type has no padding bytes: a `#[repr(C)]` struct of
/// `Plain` fields whose sizes add up to its own. `#[derive(jitcall_derive::Plain)]` checks
/// this.
pub unsafe trait Plain: AnyBits {}

macro_rules! plain {
    ($($t:ty),*) => {$(
        // SAFETY: a primitive with no padding and no invalid bit pattern.
        unsafe impl AnyBits for $t {}
        // SAFETY: as above.
        unsafe impl Plain for $t {}
    )*};
}

plain!(
    i8,
    u8,
    i16,
    u16,
    i32,
    u32,
    i64,
    u64,
    i128,
    u128,
    isize,
    usize,
    f32,
    f64,
    ()
);

// The `core::arch` vector types, as C's `__m128` .. `__m512i` (GNU vectors of 16, 32
// and 64 bytes): frame slots of vector type read and write them directly.
#[cfg(target_arch = "x86_64")]
plain!(
    core::arch::x86_64::__m128,
    core::arch::x86_64::__m128d,
    core::arch::x86_64::__m128i,
    core::arch::x86_64::__m256,
    core::arch::x86_64::__m256d,
    core::arch::x86_64::__m256i,
    core::arch::x86_64::__m512,
    core::arch::x86_64::__m512d,
    core::arch::x86_64::__m512i
);

// SAFETY: any address is a valid raw pointer value (a thin one: `T: Sized`);
// dereferencing it is `unsafe` and is the user's business.
unsafe impl<T: 'static> AnyBits for *const T {}
// SAFETY: as above; eight bytes, no padding.
unsafe impl<T: 'static> Plain for *const T {}
// SAFETY: as for `*const T`.
unsafe impl<T: 'static> AnyBits for *mut T {}
// SAFETY: as for `*const T`.
unsafe impl<T: 'static> Plain for *mut T {}
// SAFETY: an array's bytes are its elements', with no padding between them.
unsafe impl<T: AnyBits, const N: usize> AnyBits for [T; N] {}
// SAFETY: as above; elements without padding make an array without padding.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}
// SAFETY: MaybeUninit<T> is valid for any bytes at all.
unsafe impl<T: AnyBits> AnyBits for MaybeUninit<T> {}

/// A value that can be written into a frame slot: a [`Plain`] value, a `bool`, or a
/// padded [`AnyBits`] struct wrapped in [`Padded`]. Implemented by jitcall only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written into a frame as plain bytes",
    note = "write an integer, a float, a bool, a raw pointer, a #[derive(jitcall_derive::Plain)] struct, or a padded #[derive(jitcall_derive::AnyBits)] struct as jitcall::Padded(value)"
)]
pub trait FrameValue: Copy + sealed::Sealed {
    /// Writes `self` at `at`, leaving every byte of its `size_of::<Self>()`
    /// initialised.
    ///
    /// # Safety
    ///
    /// `at` must be valid for writes of `size_of::<Self>()` bytes (any alignment).
    #[doc(hidden)]
    unsafe fn write_to(self, at: *mut u8);
}

mod sealed {
    pub trait Sealed {}
}

impl<T: Plain> sealed::Sealed for T {}

impl<T: Plain> FrameValue for T {
    #[inline(always)]
    unsafe fn write_to(self, at: *mut u8) {
        // SAFETY: the caller's contract; T: Plain has no padding, so every byte
        // written is initialised.
        unsafe { at.cast::<T>().write_unaligned(self) }
    }
}

impl sealed::Sealed for bool {}

impl FrameValue for bool {
    #[inline(always)]
    unsafe fn write_to(self, at: *mut u8) {
        // SAFETY: the caller's contract; a bool is one initialised byte, 0 or 1, as C's
        // `_Bool`.
        unsafe { at.write(self as u8) }
    }
}

/// A plain-data value with padding (a `#[repr(C)]` struct such as
/// `struct { char c; double d; }`), to write into a frame as C would pass it.
///
/// A Rust write of a padded struct leaves its padding bytes *uninitialised*; a frame's
/// bytes may later be read back as any plain data, so a frame must never hold such
/// bytes. Writing through `Padded` first stores the value, then passes the slot through
/// an empty `asm!` block that may (as far as the compiler knows) write it, which
/// *freezes* those bytes: as in C, they hold an unspecified but initialised value. It
/// costs a compiler barrier, so it is an explicit wrapper rather than the default.
///
/// ```
/// use jitcall::{AnyBits, Function, Padded, Signature};
///
/// #[repr(C)]
/// #[derive(Clone, Copy)]
/// struct CharDouble { c: i8, d: f64 } // 7 bytes of padding after `c`
/// // SAFETY: repr(C), every field AnyBits (or: #[derive(jitcall_derive::AnyBits)]).
/// unsafe impl AnyBits for CharDouble {}
///
/// let sig: Signature = "struct s { char c; double d; }; double f(struct s);".parse()?;
/// let target = std::ptr::NonNull::<u8>::dangling().as_ptr().cast(); // never called
/// let f = Function::new(target, &sig)?;
/// let mut frame = f.frame();
/// frame.set_arg(0, Padded(CharDouble { c: 1, d: 2.5 }));
/// let back: CharDouble = frame.arg(0);
/// assert_eq!((back.c, back.d), (1, 2.5));
/// # Ok::<(), jitcall::Error>(())
/// ```
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Padded<T>(pub T);

// SAFETY: a transparent wrapper of an AnyBits type.
unsafe impl<T: AnyBits> AnyBits for Padded<T> {}

impl<T: AnyBits> sealed::Sealed for Padded<T> {}

impl<T: AnyBits> FrameValue for Padded<T> {
    #[inline]
    unsafe fn write_to(self, at: *mut u8) {
        // SAFETY: the caller's contract: `at` is valid for size_of::<T>() bytes, the
        // size of the transparent wrapper.
        unsafe { at.cast::<T>().write_unaligned(self.0) };
        // SAFETY: the template is empty: it touches no register, memory or flag. Since
        // the block takes the pointer and is neither `nomem` nor `readonly`, the
        // compiler must assume it wrote the bytes it can reach, and an asm block writes
        // only initialised bytes: the padding is frozen. It emits no instruction.
        unsafe {
            std::arch::asm!("/* freeze {0} */", in(reg) at, options(nostack, preserves_flags))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes<T: FrameValue>(value: T) -> Vec<u8> {
        let mut buf = vec![0xaau8; size_of::<T>()];
        // SAFETY: buf holds size_of::<T>() bytes.
        unsafe { value.write_to(buf.as_mut_ptr()) };
        buf
    }

    #[test]
    fn values_write_their_c_bytes() {
        assert_eq!(writes(0x0102_0304i32), [4, 3, 2, 1]);
        assert_eq!(writes(true), [1]);
        assert_eq!(writes([1u16, 2]), [1, 0, 2, 0]);
        assert_eq!(writes(1.0f32), 1.0f32.to_le_bytes());
        #[derive(Clone, Copy)]
        #[repr(C)]
        struct CharInt {
            c: u8,
            i: i32,
        }
        // SAFETY: repr(C), both fields AnyBits.
        unsafe impl AnyBits for CharInt {}
        let bytes = writes(Padded(CharInt { c: 7, i: -1 }));
        assert_eq!((bytes[0], &bytes[4..]), (7, &[0xff; 4][..]));
    }
}
