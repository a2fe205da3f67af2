//! A callable C function: target address, signature, and its compiled trampoline.
//!
//! Three ways to call, from most convenient to fastest:
//! [`Function::call`] with [`Value`]s (checked against the signature),
//! [`Function::call_raw`] with libffi-style pointers, and [`Function::call_frame`]
//! with a prepared [`Frame`].

use crate::abi::{CallPlan, sysv};
use crate::cache::{Trampoline, trampoline};
use crate::{Error, Frame, Library, Signature, Value};
use std::ffi::c_void;
use std::sync::Arc;

/// A C function with a known signature, ready to call.
#[derive(Clone)]
pub struct Function {
    target: *const c_void,
    sig: Arc<Signature>,
    tramp: Arc<Trampoline>,
    /// Keeps the library the target lives in loaded.
    pub(crate) library: Option<Library>,
}

// SAFETY: the target is a code address, the trampoline immutable code, the signature
// immutable data; calling from several threads is as safe as the C function is.
unsafe impl Send for Function {}
// SAFETY: as above.
unsafe impl Sync for Function {}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("target", &self.target)
            .field("signature", &self.sig.to_string())
            .finish()
    }
}

impl Function {
    /// The function at `target` with signature `sig`. Classifies `sig` and compiles its
    /// trampoline (or reuses a cached one). Creating a function is safe; calling it is
    /// not, since nothing can check that `target` really has this signature.
    pub fn new(target: *const c_void, sig: &Signature) -> Result<Function, Error> {
        if target.is_null() {
            return Err(Error::NullTarget);
        }
        let plan = sysv::classify(sig)?;
        Ok(Function {
            target,
            sig: Arc::new(sig.clone()),
            tramp: trampoline(plan)?,
            library: None,
        })
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.sig
    }

    /// The call plan the trampoline implements.
    pub fn plan(&self) -> &CallPlan {
        &self.tramp.plan
    }

    /// The target address.
    pub fn target(&self) -> *const c_void {
        self.target
    }

    /// Bytes of executable code in this function's trampoline.
    pub fn code_size(&self) -> usize {
        self.tramp.code_len()
    }

    /// A zeroed frame for this function's arguments and result.
    pub fn frame(&self) -> Frame {
        Frame::new(self.tramp.plan.clone(), self.sig.clone())
    }

    /// Calls with the arguments in `frame` and leaves the result there.
    ///
    /// # Safety
    ///
    /// The target must be a function with this signature, and the arguments in the
    /// frame valid for it (pointers it dereferences must be valid, and so on): the same
    /// contract as calling the function from C.
    ///
    /// # Panics
    ///
    /// If `frame` was made for a signature with a different call plan.
    #[inline]
    pub unsafe fn call_frame(&self, frame: &mut Frame) {
        assert!(
            Arc::ptr_eq(&frame.plan, &self.tramp.plan) || *frame.plan == *self.tramp.plan,
            "Function::call_frame: frame made for another signature"
        );
        let entry = self.tramp.frame_entry();
        // SAFETY: the frame has this plan's layout (checked above) and the caller
        // guarantees the target matches the signature.
        unsafe { entry(frame.as_mut_ptr(), self.target) }
    }

    /// The raw frame entry of this function's trampoline:
    /// `extern "C" fn(frame, target)`, for callers that generate code of their own
    /// (and for tests that call it under a register-checking harness).
    ///
    /// Calling it has the contract of [`Function::call_frame`], with a frame from
    /// [`Function::frame`] and this function's [`Function::target`].
    pub fn raw_frame_entry(&self) -> unsafe extern "C" fn(*mut u8, *const c_void) {
        self.tramp.frame_entry()
    }

    /// Calls with [`Value`]s, checked against the signature (count, kinds, aggregate
    /// shapes): a mismatch is an error, not undefined behaviour.
    ///
    /// # Safety
    ///
    /// The target must be a function with this signature, and the values valid for it
    /// (e.g. pointers it dereferences must be valid).
    pub unsafe fn call(&self, args: &[Value]) -> Result<Value, Error> {
        if args.len() != self.sig.params().len() {
            return Err(Error::ArgumentCount {
                expected: self.sig.params().len(),
                found: args.len(),
            });
        }
        let mut frame = self.frame();
        for (i, v) in args.iter().enumerate() {
            frame.set_value(i, v)?;
        }
        // SAFETY: forwarded from the caller.
        unsafe { self.call_frame(&mut frame) };
        frame.ret_value()
    }

    /// Calls libffi-style: `args[i]` points at argument `i`, and the result is written
    /// to `ret` — exactly `sizeof` the return type, unlike libffi, which widens narrow
    /// integer results to a full register.
    ///
    /// # Safety
    ///
    /// As for [`Function::call_frame`]; in addition `args` must point to one valid
    /// pointer per parameter, each to a readable, initialised value of that parameter's
    /// type, and `ret` must be writable for the return type's size and aligned for it
    /// (it may be null for `void`).
    pub unsafe fn call_raw(
        &self,
        ret: *mut c_void,
        args: *const *const c_void,
    ) -> Result<(), Error> {
        let entry = self.tramp.pointer_entry()?;
        // SAFETY: forwarded from the caller.
        unsafe { entry(self.target, ret, args) };
        Ok(())
    }
}
