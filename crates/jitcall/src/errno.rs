//! Call state: `errno`, captured where it is true.
//!
//! C reports many failures through the thread's `errno`, which any later code may
//! overwrite: an allocation, a drop, a log line, a `File::open`. Read from Rust after a
//! call returns, it may already be someone else's. So a function bound with
//! [`Errno::Capture`] reads it *inside its trampoline*, right after the target returns
//! and before any Rust code runs, and stores it in the frame's errno slot; with
//! [`Errno::SetAndCapture`] the trampoline also writes errno from that slot right
//! before the call (zero in a fresh frame: C's `errno = 0; f(); if (errno) ...`).
//! Java's `Linker.Option.captureCallState("errno")`, ctypes' `use_errno=True` and
//! LuaJIT's `ffi.errno()` are the same idea.
//!
//! The slot is four bytes (an `int`) at the plan's `frame_size`: a capturing function's
//! frames, batch rows and callback frames are one `frame_align` longer than the plan's
//! frame, with the slot first in the extra space.
//! Read it with [`crate::Frame::errno`], [`crate::FrameBatch::errno`] (per row),
//! [`crate::Function::call_with_errno`] or [`crate::Function::call_raw_errno`].
//!
//! Callbacks preserve their C caller's errno: the entry stub saves it into the
//! callback frame's errno slot right before calling into Rust and restores it from
//! there right after, so whatever the closure does (allocate, print, call C) the
//! caller sees the errno it had, unless the closure sets one with
//! [`crate::Frame::set_errno`].
//!
//! What this module does not do: emit the trampolines' errno sequence (that is the
//! emitter's, `crate::emit::call`) nor decide where frames live (`crate::frame`). A
//! function bound without capture ([`Errno::Untouched`], the default) has not one
//! instruction more than before.

use crate::abi::CallPlan;

/// What a function's trampolines do with `errno` around the call
/// ([`crate::Function::with_errno`]).
///
/// ```
/// use jitcall::{Errno, Library, Signature, Type, Value};
///
/// # fn main() -> Result<(), jitcall::Error> {
/// // long strtol(const char *, char **, int): sets errno only on failure.
/// let sig = Signature::new(Type::Long, [Type::Pointer, Type::Pointer, Type::Int]);
/// let strtol = Library::this()
///     .function("strtol", &sig)?
///     .with_errno(Errno::SetAndCapture)?;
/// let text = c"99999999999999999999999";
/// let args = [
///     Value::Pointer(text.as_ptr() as *mut _),
///     Value::Pointer(std::ptr::null_mut()),
///     Value::Int(10),
/// ];
/// // SAFETY: strtol has this signature; the string is NUL-terminated.
/// let (value, errno) = unsafe { strtol.call_with_errno(&args, 0)? };
/// assert_eq!(value, Value::Long(i64::MAX));
/// assert_eq!(errno, libc::ERANGE);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Errno {
    /// The trampolines neither read nor write errno (the default): the fastest forms,
    /// the tail jump among them.
    #[default]
    Untouched,
    /// Read errno right after the call, inside the trampoline, into the frame's errno
    /// slot. The trampoline then returns to its own code after the call (no tail jump).
    Capture,
    /// As [`Errno::Capture`], and first write errno from the frame's errno slot, right
    /// before the call (before the arguments are loaded: nothing runs between the two
    /// but the trampoline's own moves).
    SetAndCapture,
}

impl Errno {
    /// Whether the trampolines read errno after the call.
    pub fn captures(self) -> bool {
        self != Errno::Untouched
    }

    /// Whether the trampolines write errno before the call.
    pub fn sets(self) -> bool {
        self == Errno::SetAndCapture
    }
}

/// Where a frame's errno slot sits, from the start of its row: right after the plan's
/// frame.
pub(crate) fn slot_offset(plan: &CallPlan) -> u32 {
    plan.frame_size
}

/// The size of a frame (a batch row) that carries an errno slot: one `frame_align`
/// more than the plan's, so rows laid end to end stay aligned.
pub(crate) fn row_size(plan: &CallPlan) -> u32 {
    plan.frame_size + plan.frame_align
}

/// The address of libc's `__errno_location`, the function that returns this thread's
/// `&errno`: the trampolines and callback stubs call it (baked in as an immediate).
pub(crate) fn location_function() -> u64 {
    libc::__errno_location as *const () as u64
}
