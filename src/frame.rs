//! The frame: packed storage for one call's arguments and result.
//!
//! Its layout comes from the [`CallPlan`]: the result area at offset 0, then one slot
//! per argument at `ArgPlan::frame_offset`, each padded to eightbytes. The trampoline
//! loads registers straight from it and stores the result back into it, so a call
//! through a frame converts nothing and allocates nothing. Callbacks use the same
//! layout in the other direction.
//!
//! Writing raw values ([`Frame::set_arg`]) checks only the size; writing
//! [`Value`]s ([`Frame::set_value`]) checks the whole shape against the signature.

use crate::abi::CallPlan;
use crate::{Error, Signature, Value};
use std::alloc::{Layout as AllocLayout, alloc_zeroed, dealloc, handle_alloc_error};
use std::ptr::NonNull;
use std::sync::Arc;

/// Packed, aligned storage for one call's arguments and result.
///
/// Get one from [`crate::Function::frame`]; fill it with [`Frame::set_arg`]; call with
/// [`crate::Function::call_frame`]; read the result with [`Frame::ret`]. A frame can be
/// reused for any number of calls.
pub struct Frame {
    buf: NonNull<u8>,
    layout: AllocLayout,
    pub(crate) plan: Arc<CallPlan>,
    sig: Arc<Signature>,
}

// SAFETY: a Frame owns its buffer exclusively; nothing in it is tied to a thread.
unsafe impl Send for Frame {}
// SAFETY: shared references only read the buffer.
unsafe impl Sync for Frame {}

impl Frame {
    pub(crate) fn new(plan: Arc<CallPlan>, sig: Arc<Signature>) -> Frame {
        let layout = AllocLayout::from_size_align(
            plan.frame_size.max(8) as usize,
            plan.frame_align.max(16) as usize,
        )
        .expect("frame sizes are bounded by MAX_TYPE_SIZE per argument");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        let Some(buf) = NonNull::new(ptr) else {
            handle_alloc_error(layout)
        };
        Frame {
            buf,
            layout,
            plan,
            sig,
        }
    }

    /// The signature this frame is laid out for.
    pub fn signature(&self) -> &Signature {
        &self.sig
    }

    /// The frame's bytes, for the trampoline.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.buf.as_ptr()
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: buf addresses layout.size() initialised (zeroed at allocation) bytes
        // owned by self.
        unsafe { std::slice::from_raw_parts(self.buf.as_ptr(), self.layout.size()) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and &mut self makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.buf.as_ptr(), self.layout.size()) }
    }

    fn arg_slot(&self, index: usize, size: usize) -> Result<usize, Error> {
        let Some(arg) = self.plan.args.get(index) else {
            return Err(Error::ArgumentCount {
                expected: self.plan.args.len(),
                found: index + 1,
            });
        };
        if arg.size as usize != size {
            return Err(Error::ValueMismatch {
                path: format!("argument {index}"),
                expected: format!("{} ({} bytes)", self.sig.params()[index], arg.size),
                found: format!("a value of {size} bytes"),
            });
        }
        Ok(arg.frame_offset as usize)
    }

    /// Writes argument `index` from any `Copy` value of the parameter's exact size (a
    /// scalar, or a `#[repr(C)]` struct laid out like the C one).
    ///
    /// # Panics
    ///
    /// If `index` is out of range or the size differs; [`Frame::try_set_arg`] returns
    /// an error instead.
    #[inline]
    pub fn set_arg<T: Copy>(&mut self, index: usize, value: T) {
        if let Err(e) = self.try_set_arg(index, value) {
            panic!("Frame::set_arg: {e}");
        }
    }

    /// Writes argument `index`; an error if `index` is out of range or the size of `T`
    /// differs from the parameter's.
    #[inline]
    pub fn try_set_arg<T: Copy>(&mut self, index: usize, value: T) -> Result<(), Error> {
        let off = self.arg_slot(index, size_of::<T>())?;
        // SAFETY: arg_slot checked that [off, off + size_of T) is this argument's slot,
        // inside the buffer; the write is unaligned-tolerant.
        unsafe {
            self.buf
                .as_ptr()
                .add(off)
                .cast::<T>()
                .write_unaligned(value)
        };
        Ok(())
    }

    /// Reads argument `index` as a `T` of the parameter's exact size.
    ///
    /// # Panics
    ///
    /// If `index` is out of range or the size differs.
    pub fn arg<T: Copy>(&self, index: usize) -> T {
        match self.arg_slot(index, size_of::<T>()) {
            // SAFETY: the slot holds size_of::<T>() initialised bytes; T: Copy and the
            // caller chose T to match the C type (any bit pattern of plain data).
            Ok(off) => unsafe { self.buf.as_ptr().add(off).cast::<T>().read_unaligned() },
            Err(e) => panic!("Frame::arg: {e}"),
        }
    }

    /// Reads the result as a `T` of the return type's exact size (`()` for `void`).
    ///
    /// Narrow integer results (`char`, `short`, `_Bool`) are read from their own bytes
    /// only: gcc-compiled callees do not extend them.
    ///
    /// # Panics
    ///
    /// If the size of `T` differs from the return type's; see [`Frame::try_ret`].
    #[inline]
    pub fn ret<T: Copy>(&self) -> T {
        match self.try_ret() {
            Ok(v) => v,
            Err(e) => panic!("Frame::ret: {e}"),
        }
    }

    /// Reads the result; an error if the size of `T` differs from the return type's.
    #[inline]
    pub fn try_ret<T: Copy>(&self) -> Result<T, Error> {
        if size_of::<T>() != self.plan.ret.size as usize {
            return Err(Error::ValueMismatch {
                path: "result".into(),
                expected: format!("{} ({} bytes)", self.sig.ret(), self.plan.ret.size),
                found: format!("a value of {} bytes", size_of::<T>()),
            });
        }
        // SAFETY: the result area at offset 0 spans at least ret.size bytes.
        Ok(unsafe { self.buf.as_ptr().cast::<T>().read_unaligned() })
    }

    /// Writes argument `index` from a [`Value`], checking it against the parameter's
    /// type.
    pub fn set_value(&mut self, index: usize, value: &Value) -> Result<(), Error> {
        let Some(ty) = self.sig.params().get(index) else {
            return Err(Error::ArgumentCount {
                expected: self.sig.params().len(),
                found: index + 1,
            });
        };
        let ty = ty.clone();
        let arg = &self.plan.args[index];
        let (off, size) = (arg.frame_offset as usize, arg.size as usize);
        value.store(
            &ty,
            &mut self.bytes_mut()[off..off + size],
            &format!("argument {index}"),
        )
    }

    /// Reads argument `index` as a [`Value`].
    pub fn arg_value(&self, index: usize) -> Result<Value, Error> {
        let Some(ty) = self.sig.params().get(index) else {
            return Err(Error::ArgumentCount {
                expected: self.sig.params().len(),
                found: index + 1,
            });
        };
        let off = self.plan.args[index].frame_offset as usize;
        Value::load(ty, &self.bytes()[off..])
    }

    /// Reads the result as a [`Value`].
    pub fn ret_value(&self) -> Result<Value, Error> {
        Value::load(self.sig.ret(), self.bytes())
    }

    /// Writes the result from a [`Value`] (used by callbacks).
    pub fn set_ret_value(&mut self, value: &Value) -> Result<(), Error> {
        let sig = self.sig.clone();
        if matches!(sig.ret(), crate::Type::Void) {
            return match value {
                Value::Void => Ok(()),
                other => Err(Error::ValueMismatch {
                    path: "result".into(),
                    expected: "void".into(),
                    found: other.kind_name(),
                }),
            };
        }
        let size = self.plan.ret.size as usize;
        value.store(sig.ret(), &mut self.bytes_mut()[..size], "result")
    }
}

impl Clone for Frame {
    fn clone(&self) -> Frame {
        let mut copy = Frame::new(self.plan.clone(), self.sig.clone());
        copy.bytes_mut().copy_from_slice(self.bytes());
        copy
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("signature", &self.sig.to_string())
            .field("size", &self.layout.size())
            .finish()
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        // SAFETY: buf was allocated in `new` with exactly this layout.
        unsafe { dealloc(self.buf.as_ptr(), self.layout) };
    }
}
