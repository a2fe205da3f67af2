//! A callable C function: target address, signature, and its compiled trampoline.
//!
//! Three ways to call, from most convenient to fastest:
//! [`Function::call`] with [`Value`]s (checked against the signature),
//! [`Function::call_raw`] with libffi-style pointers, and [`Function::call_frame`]
//! with a prepared [`Frame`].
//!
//! A function bound with [`Function::with_errno`] has trampolines that capture `errno`
//! right after the call, into the frame's errno slot ([`crate::errno`]); every call
//! path reads it: [`Function::call_with_errno`], [`Frame::errno`] after
//! [`Function::call_frame`], [`Function::call_raw_errno`], [`FrameBatch::errno`].
//!
//! This module calls; it does not load libraries. A function taken from a
//! [`crate::Library`] holds the library's handle as an opaque [`KeepAlive`], released
//! with the function and never looked into, so `library` depends on `function` and not
//! the other way round.

use crate::abi::CallPlan;
use crate::cache::{Core, core};
use crate::emit::call::FastKind;
use crate::frame::layout::FramedPlan;
use crate::value::Path;
use crate::{Errno, Error, Frame, FrameBatch, Signature, Value};

/// Frames up to this size are built on the stack by [`Function::call`].
const SMALL_FRAME: usize = 256;
use std::ffi::c_void;
use std::mem::ManuallyDrop;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

/// A C function with a known signature, ready to call.
///
/// Cloning is cheap; functions with the same signature and target share their compiled
/// code, and functions with ABI-equivalent signatures share their unbound frame entry
/// ([`Function::raw_frame_entry`]).
#[derive(Clone)]
pub struct Function {
    /// Released in `Drop` from a copy (see there).
    core: ManuallyDrop<Arc<Core>>,
    /// Copied out of the core, so `call_frame` reaches them with one load each: the
    /// bound fast entry, its form, and the plan frames must be made for.
    fast: *const u8,
    fast_kind: FastKind,
    plan: *const FramedPlan,
    /// Keeps the object the target lives in loaded; released in `Drop` as `core` is.
    keep_alive: ManuallyDrop<Option<KeepAlive>>,
}

/// Whatever keeps a function's target loaded (a library's handle): held by the
/// function and its clones, released with the last of them, never looked into. (The
/// unwind-safety traits keep `Function` as unwind-safe as the handle it holds.)
pub(crate) type KeepAlive = Arc<dyn Send + Sync + RefUnwindSafe + UnwindSafe>;

impl Drop for Function {
    /// Releases the references from copies taken out of the fields, not in place:
    /// releasing an `Arc` in place hands the field's address to an out-of-line
    /// function, so the function's address would escape, and a caller's loop around
    /// `call_frame` would reload the entry, its form and the plan after each call (a
    /// call may write any escaped memory).
    #[inline]
    fn drop(&mut self) {
        // SAFETY: each field is taken exactly once, here, and never used again.
        let (core, keep_alive) = unsafe {
            (
                ManuallyDrop::take(&mut self.core),
                ManuallyDrop::take(&mut self.keep_alive),
            )
        };
        drop((core, keep_alive));
    }
}

/// Panics unless `function` accepts frames laid out by `frame`
/// ([`FramedPlan::accepts`]): the slow half of the check that a frame was made for the
/// function it is passed to (the fast half compares pointers).
#[cold]
#[inline(never)]
fn same_plan_or_panic(frame: &FramedPlan, function: &FramedPlan, what: &str) {
    assert!(
        frame.plan == function.plan,
        "{what} made for another signature"
    );
    assert!(
        function.accepts(frame),
        "{what} has no errno slot, and the function captures errno"
    );
}

// SAFETY: `fast` and `plan` point into the core this function holds (code and plain
// data, never written after construction); the core itself is Send and Sync.
unsafe impl Send for Function {}
// SAFETY: as above.
unsafe impl Sync for Function {}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("target", &self.core.target)
            .field("signature", &self.core.sig.to_string())
            .finish()
    }
}

impl Function {
    /// The function at `target` with signature `sig`. Classifies `sig` and compiles its
    /// trampolines, or finds them in the cache (without allocating) when a function
    /// with this signature and target is alive. Creating a function is safe; calling it
    /// is not, since nothing can check that `target` really has this signature.
    pub fn new(target: *const c_void, sig: &Signature) -> Result<Function, Error> {
        Function::new_with_errno(target, sig, Errno::Untouched)
    }

    /// [`Function::new`], with trampolines that handle errno as `errno` says, made in
    /// one step: the same function as `Function::new(..)?.with_errno(errno)`, without
    /// first compiling the trampolines that leave errno alone.
    pub fn new_with_errno(
        target: *const c_void,
        sig: &Signature,
        errno: Errno,
    ) -> Result<Function, Error> {
        if target.is_null() {
            return Err(Error::NullTarget);
        }
        Ok(Function::of_core(core(target, sig, errno)?, None))
    }

    fn of_core(core: Arc<Core>, keep_alive: Option<KeepAlive>) -> Function {
        Function {
            fast: core.fast.address(),
            fast_kind: core.fast_kind,
            plan: Arc::as_ptr(&core.plan),
            core: ManuallyDrop::new(core),
            keep_alive: ManuallyDrop::new(keep_alive),
        }
    }

    /// This function, with trampolines that handle `errno` as `errno` says
    /// ([`crate::errno`]): [`Errno::Capture`] reads it right after the call, inside the
    /// trampoline, into the frame's errno slot, before any Rust code can overwrite it;
    /// [`Errno::SetAndCapture`] also sets it from the slot right before the call.
    /// Read it with [`Frame::errno`], [`FrameBatch::errno`],
    /// [`Function::call_with_errno`] or [`Function::call_raw_errno`].
    ///
    /// The new function's frames carry the errno slot (a frame from a function bound
    /// without capture is refused by its `call_frame`); its code is compiled once per
    /// signature, target and errno handling, like any function's. Capturing costs two
    /// calls of libc's `__errno_location` per call (one without the set), and the
    /// tail-jump form: the trampoline must run after the call. To bind a function
    /// with errno handling from the start, [`crate::Library::function_with_errno`] and
    /// [`Function::new_with_errno`] compile only these trampolines.
    pub fn with_errno(&self, errno: Errno) -> Result<Function, Error> {
        if errno == self.core.errno {
            return Ok(self.clone());
        }
        let core = core(self.core.target, &self.core.sig, errno)?;
        Ok(Function::of_core(core, (*self.keep_alive).clone()))
    }

    /// What this function's trampolines do with errno ([`Function::with_errno`]).
    pub fn errno(&self) -> Errno {
        self.core.errno
    }

    /// This function, keeping `owner` (the handle of the library its target lives in)
    /// alive as long as it or a clone is.
    pub(crate) fn keeping_alive(mut self, owner: KeepAlive) -> Function {
        *self.keep_alive = Some(owner);
        self
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.core.sig
    }

    /// The call plan the trampolines implement.
    pub fn plan(&self) -> &CallPlan {
        &self.core.plan.plan
    }

    /// The target address.
    pub fn target(&self) -> *const c_void {
        self.core.target
    }

    /// Bytes of executable code of the entry [`Function::call_frame`] runs (the bound
    /// fast entry, with the target baked in).
    pub fn code_size(&self) -> usize {
        self.core.fast.len()
    }

    /// A zeroed frame for this function's arguments and result.
    #[inline]
    pub fn frame(&self) -> Frame {
        Frame::new(self.core.plan.clone(), self.core.sig.clone())
    }

    /// A zeroed batch of `rows` frames for [`Function::call_batch`].
    pub fn batch(&self, rows: usize) -> Result<FrameBatch, Error> {
        FrameBatch::new(self.core.plan.clone(), self.core.sig.clone(), rows)
    }

    /// Calls with the arguments in `frame` and leaves the result there.
    ///
    /// With errno capture ([`Function::with_errno`]) the frame's errno slot then holds
    /// the errno the callee left ([`Frame::errno`]).
    ///
    /// # Safety
    ///
    /// The target must be a function with this signature, and the arguments in the
    /// frame valid for it (pointers it dereferences must be valid, and so on): the same
    /// contract as calling the function from C.
    ///
    /// # Panics
    ///
    /// If `frame` was made for a signature with a different call plan, or this
    /// function captures errno and `frame` has no errno slot (it came from a function
    /// bound without capture).
    #[inline]
    pub unsafe fn call_frame(&self, frame: &mut Frame) {
        if !std::ptr::eq(Arc::as_ptr(frame.plan()), self.plan) {
            same_plan_or_panic(frame.plan(), &self.core.plan, "Function::call_frame: frame");
        }
        // SAFETY: the frame has this plan's layout (checked above); the caller vouches
        // for the target.
        unsafe { self.call_fast(frame.as_mut_ptr()) }
    }

    /// [`Function::call_frame`] without checking that `frame` was made for this
    /// function's plan.
    ///
    /// # Safety
    ///
    /// As for `call_frame`, and `frame` must have this function's plan.
    #[inline]
    pub(crate) unsafe fn call_frame_unchecked(&self, frame: &mut Frame) {
        // SAFETY: a frame of this plan is a buffer laid out by it, 16-aligned; the
        // caller vouches for the target.
        unsafe { self.call_fast(frame.as_mut_ptr()) }
    }

    /// Runs the bound fast entry on a frame-shaped buffer.
    ///
    /// The entry is called from inline assembly rather than through a Rust function
    /// pointer type: one call site serves every [`FastKind`], and the result register
    /// of a tail-jump entry (the callee's own `rax` or `xmm0`) is taken as it comes
    /// back and stored into the frame's result area.
    ///
    /// # Safety
    ///
    /// `p` must point to a 16-aligned buffer laid out by this function's plan (at least
    /// `frame_size` bytes, and at least 8 whenever an eightbyte comes back), and the
    /// target must match the signature.
    #[inline]
    unsafe fn call_fast(&self, p: *mut u8) {
        let code = self.fast;
        let rax: u64;
        let xmm0: f64;
        // SAFETY: `code` is the bound fast entry compiled for this plan: it takes the
        // frame in rdi and follows the C calling convention (clobber_abi("C") tells the
        // compiler everything a C call may clobber, x87 and flags included). On entry
        // to an asm block without `nostack` rsp is aligned for a call. Call-then-store
        // entries return nothing; tail jumps return in the register `fast_kind` names.
        unsafe {
            std::arch::asm!(
                "call {code}",
                code = in(reg) code,
                inout("rdi") p => _,
                lateout("rax") rax,
                lateout("xmm0") xmm0,
                clobber_abi("C"),
            );
        }
        let kind = self.fast_kind;
        // One test for the two register forms, and the register picked with a `cmov`:
        // branches on this path measured dear (add2 in a local loop took 3.54 ns with
        // two tests here and two for the layout code, 3.0 ns with one of each). The
        // compiler turns a `match` or an `if` on the form into a branch each.
        if (kind as u8) <= FastKind::F as u8 {
            let mut word = rax;
            // SAFETY: a register-only compare and conditional move.
            unsafe {
                std::arch::asm!(
                    "cmp {kind:e}, {f}",
                    "cmove {word}, {bits}",
                    kind = in(reg) kind as u32,
                    f = const FastKind::F as u32,
                    word = inout(reg) word,
                    bits = in(reg) xmm0.to_bits(),
                    options(pure, nomem, nostack),
                );
            }
            // SAFETY: the result area at offset 0 is 16-aligned and spans at least 8
            // bytes when one eightbyte comes back (the caller's contract).
            unsafe { p.cast::<u64>().write(word) };
        }
    }

    /// Calls the target once per row of `batch`, in one trampoline loop, leaving each
    /// row's result in the row (and, with errno capture, the errno each row's call
    /// left in the row's errno slot: [`FrameBatch::errno`]).
    ///
    /// An error, and no call, if `batch` was made for a signature with a different
    /// call plan, or if the batch loop cannot be compiled (no executable memory: it is
    /// compiled on the first batch call of a signature).
    ///
    /// # Safety
    ///
    /// As for [`Function::call_frame`], for every row.
    pub unsafe fn call_batch(&self, batch: &mut FrameBatch) -> Result<(), Error> {
        let plan = &self.core.plan;
        // The loop's stride is this function's row size: the rows must have it.
        let fits = |rows: &FramedPlan| plan.accepts(rows) && rows.row_size == plan.row_size;
        if !Arc::ptr_eq(batch.plan(), plan) && !fits(batch.plan()) {
            let with_errno = |p: &FramedPlan| match p.errno_at {
                Some(_) => " with an errno slot",
                None => "",
            };
            return Err(Error::ValueMismatch {
                path: "batch".into(),
                expected: format!("rows for `{}`{}", self.core.sig, with_errno(plan)),
                found: format!(
                    "rows for `{}`{}",
                    batch.signature(),
                    with_errno(batch.plan())
                ),
            });
        }
        let entry = self.core.batch_entry()?;
        let rows = batch.len();
        // SAFETY: the loop was compiled for this plan and target with this batch's row
        // stride; the batch holds `rows` rows; the caller vouches for the target.
        unsafe { entry(batch.as_mut_ptr(), rows) };
        Ok(())
    }

    /// The raw frame entry of this function's trampoline:
    /// `extern "C" fn(frame, target)`, for callers that generate code of their own
    /// (and for tests that call it under a register-checking harness).
    ///
    /// Calling it has the contract of [`Function::call_frame`], with a frame from
    /// [`Function::frame`] and this function's [`Function::target`]. It is the plan's
    /// shared entry: it neither sets nor captures errno, whatever
    /// [`Function::errno`] says.
    pub fn raw_frame_entry(&self) -> Result<unsafe extern "C" fn(*mut u8, *const c_void), Error> {
        Ok(self.core.shared()?.frame_entry())
    }

    /// The bound entry [`Function::call_frame`] runs, `extern "C" fn(frame)` with the
    /// target baked in, for tests that call it under a register-checking harness. A
    /// tail-jump or call-return entry leaves a one-eightbyte result in `rax` or `xmm0`
    /// for `call_frame` to store; the frame holds every other result after the call.
    ///
    /// Calling it has the contract of [`Function::call_frame`], with a frame from
    /// [`Function::frame`]; the code lives as long as this function (or a clone).
    #[doc(hidden)]
    pub fn bound_frame_entry(&self) -> unsafe extern "C" fn(*mut u8) {
        // SAFETY: `fast` is the address of the bound entry compiled for this function's
        // plan and target, which takes the frame in rdi and follows the C convention.
        unsafe { std::mem::transmute::<*const u8, unsafe extern "C" fn(*mut u8)>(self.fast) }
    }

    /// Calls with [`Value`]s, checked against the signature (count, kinds, aggregate
    /// shapes): a mismatch is an error, not undefined behaviour.
    ///
    /// For a function bound with errno capture, the captured errno is dropped (and with
    /// [`Errno::SetAndCapture`] errno is zero at the call): see
    /// [`Function::call_with_errno`].
    ///
    /// # Safety
    ///
    /// The target must be a function with this signature, and the values valid for it
    /// (e.g. pointers it dereferences must be valid).
    pub unsafe fn call(&self, args: &[Value]) -> Result<Value, Error> {
        // SAFETY: forwarded from the caller.
        unsafe { self.call_values(args, None) }
    }

    /// [`Function::call`] for a function bound with errno capture
    /// ([`Function::with_errno`]): returns the result and the errno the callee left,
    /// read by the trampoline right after the call (before any Rust code ran). With
    /// [`Errno::SetAndCapture`] the trampoline first sets errno to `errno`; with
    /// [`Errno::Capture`] `errno` is ignored.
    ///
    /// ```
    /// use jitcall::{Errno, Library, Signature, Type, Value};
    ///
    /// # fn main() -> Result<(), jitcall::Error> {
    /// let close = Library::this()
    ///     .function("close", &Signature::new(Type::Int, [Type::Int]))?
    ///     .with_errno(Errno::Capture)?;
    /// // SAFETY: close has this signature; -1 is no file descriptor.
    /// let (r, errno) = unsafe { close.call_with_errno(&[Value::Int(-1)], 0)? };
    /// assert_eq!((r, errno), (Value::Int(-1), libc::EBADF));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// An error, and no call, for a function bound without errno capture, and as for
    /// [`Function::call`].
    ///
    /// # Safety
    ///
    /// As for [`Function::call`].
    pub unsafe fn call_with_errno(
        &self,
        args: &[Value],
        errno: i32,
    ) -> Result<(Value, i32), Error> {
        if !self.core.errno.captures() {
            return Err(Error::unsupported(format!(
                "`{}` was bound without errno capture (see Function::with_errno)",
                self.core.sig
            )));
        }
        let mut errno = errno;
        // SAFETY: forwarded from the caller.
        let value = unsafe { self.call_values(args, Some(&mut errno)) }?;
        Ok((value, errno))
    }

    /// [`Function::call`], and with `errno`, set the errno slot from it before the call
    /// and read it back after (a capturing function's frames have a slot).
    ///
    /// # Safety
    ///
    /// As for [`Function::call`].
    #[inline(always)]
    unsafe fn call_values(&self, args: &[Value], errno: Option<&mut i32>) -> Result<Value, Error> {
        if args.len() != self.core.sig.params().len() {
            return Err(Error::ArgumentCount {
                expected: self.core.sig.params().len(),
                found: args.len(),
            });
        }
        let framed = &self.core.plan;
        let plan = &framed.plan;
        if framed.row_size as usize > SMALL_FRAME || plan.frame_align > 16 {
            let mut frame = self.frame();
            for (i, v) in args.iter().enumerate() {
                frame.set_value(i, v)?;
            }
            if let Some(errno) = &errno {
                frame.set_errno(**errno)?;
            }
            // SAFETY: forwarded from the caller.
            unsafe { self.call_frame(&mut frame) };
            if let Some(errno) = errno {
                *errno = frame.errno().unwrap_or(*errno);
            }
            return frame.ret_value();
        }
        // Small frames live on the stack: no allocation besides the result's own. Only
        // the frame's own bytes are zeroed.
        let mut buf = [std::mem::MaybeUninit::<u128>::uninit(); SMALL_FRAME / 16];
        let words = (framed.row_size as usize).div_ceil(16);
        for word in &mut buf[..words] {
            word.write(0);
        }
        // SAFETY: the first `words` u128s were just initialised; viewed as bytes.
        let bytes =
            unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), words * 16) };
        let codecs = self.core.codecs()?;
        // One codec per parameter (args.len() was checked against the signature). With
        // both lists the same length, the loop indexes them without bounds checks.
        let params = &codecs.params[..args.len()];
        for i in 0..args.len() {
            if !params[i].store_top(&args[i], bytes) {
                store_checked(&self.core, i, &args[i], bytes)?;
            }
        }
        // The errno slot, inside the row when the function captures (`row_size`).
        let slot = match (&errno, framed.errno_at) {
            (Some(errno), Some(at)) => {
                let at = at as usize;
                bytes[at..at + 4].copy_from_slice(&errno.to_ne_bytes());
                Some(at)
            }
            _ => None,
        };
        // SAFETY: `bytes` is 16-aligned, laid out by this plan and at least row_size
        // long (checked above); the caller vouches for the target.
        unsafe { self.call_fast(bytes.as_mut_ptr()) };
        if let (Some(errno), Some(at)) = (errno, slot) {
            let mut word = [0u8; 4];
            word.copy_from_slice(&bytes[at..at + 4]);
            *errno = i32::from_ne_bytes(word);
        }
        Ok(match &codecs.ret {
            Some(c) => c.load(bytes),
            None => Value::Void,
        })
    }

    /// Calls libffi-style: `args[i]` points at argument `i`, and the result is written
    /// to `ret` — exactly `sizeof` the return type, unlike libffi, which widens narrow
    /// integer results to a full register.
    ///
    /// For a function bound with errno capture, the errno the callee left is lost (and
    /// with [`Errno::SetAndCapture`] errno is zero at the call): see
    /// [`Function::call_raw_errno`].
    ///
    /// # Safety
    ///
    /// As for [`Function::call_frame`]; in addition `args` must point to one valid
    /// pointer per parameter, each to a readable, initialised value of that parameter's
    /// type, and `ret` must be writable for the return type's size and aligned for it
    /// (it may be null for `void`).
    #[inline]
    pub unsafe fn call_raw(
        &self,
        ret: *mut c_void,
        args: *const *const c_void,
    ) -> Result<(), Error> {
        let mut errno = 0;
        // SAFETY: forwarded from the caller.
        unsafe { self.call_raw_errno(ret, args, &mut errno) }
    }

    /// [`Function::call_raw`], with the errno slot in `errno`: for a function bound
    /// with [`Errno::SetAndCapture`] the trampoline sets errno from it right before the
    /// call, and with errno capture it writes there the errno the callee left, right
    /// after the call (before any Rust code runs). A function bound without errno
    /// capture leaves `errno` as it is.
    ///
    /// # Safety
    ///
    /// As for [`Function::call_raw`].
    #[inline]
    pub unsafe fn call_raw_errno(
        &self,
        ret: *mut c_void,
        args: *const *const c_void,
        errno: &mut i32,
    ) -> Result<(), Error> {
        let entry = self.core.pointer_entry()?;
        // SAFETY: forwarded from the caller; `errno` is a valid, writable slot.
        unsafe { entry(ret, args, errno) };
        Ok(())
    }
}

/// Stores argument `i` with the full check of [`Value::store`], after its codec gave up:
/// it stores what the codec does not take, or says precisely what does not fit. Out of
/// line, so the fast loop of [`Function::call`] stays small.
#[cold]
#[inline(never)]
fn store_checked(core: &Core, i: usize, v: &Value, bytes: &mut [u8]) -> Result<(), Error> {
    let (ty, arg) = (&core.sig.params()[i], &core.plan.plan.args[i]);
    let (off, size) = (arg.frame_offset as usize, arg.size as usize);
    v.store(ty, &mut bytes[off..off + size], &Path::Arg(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{RefUnwindSafe, UnwindSafe};

    /// What holding a library's handle must not take away from a function.
    #[test]
    fn functions_are_thread_and_unwind_safe() {
        fn auto<T: Send + Sync + Unpin + UnwindSafe + RefUnwindSafe>() {}
        auto::<Function>();
        auto::<crate::Library>();
    }
}
