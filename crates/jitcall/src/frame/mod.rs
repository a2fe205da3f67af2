//! Frames: packed storage for one call's arguments and result, and batches of them.
//!
//! A frame's layout comes from the [`CallPlan`]: the result area at offset 0, then one
//! slot per argument at `ArgPlan::frame_offset`, each padded to eightbytes. The
//! trampoline loads registers straight from it and the result lands back in it, so a
//! call through a frame converts nothing and allocates nothing. A [`FrameBatch`] is
//! rows of frames in one buffer, for one trampoline loop that calls once per row.
//! Callbacks use the same layout in the other direction.
//!
//! Writing raw values ([`Frame::set_arg`]) checks only the size; writing [`Value`]s
//! ([`Frame::set_value`]) checks the whole shape against the signature.
//!
//! The frame side of the layout lives here: [`layout`] builds, once per plan, the slot
//! table, the inline slots and the layout code its accessors read, and [`args`] gives
//! tuples the same layout at compile time. What it does not do: decide where a value
//! sits (the plan's `frame_offset`s are the trampoline's displacements, fixed with the
//! plan) or move a value into a register (the trampoline's job).

pub(crate) mod args;
pub(crate) mod layout;

use crate::abi::CallPlan;
use crate::plain::{AnyBits, FrameValue};
use crate::value::Path;
use crate::{Error, Signature, Type, Value};
pub use args::FrameArgs;
use layout::{FrameSlot, FramedPlan, INLINE_SLOTS};
use std::alloc::{Layout as AllocLayout, alloc_zeroed, dealloc, handle_alloc_error};
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;

/// Rows of frame-shaped slots in one zeroed, aligned allocation, or one row lent by a
/// callback stub from the machine stack.
struct Rows {
    buf: NonNull<u8>,
    layout: AllocLayout,
    rows: usize,
    stride: usize,
    /// The layout's argument slots and the result's size, copied out of the plan so
    /// that a checked store or load costs one lookup (they live as long as `plan`).
    slots: NonNull<FrameSlot>,
    nargs: u32,
    /// The layout's first slots ([`layout::FrameLayout::first_slots`]).
    first: [FrameSlot; INLINE_SLOTS],
    /// The layout's `args_base`: where `set_args` writes.
    args_base: u32,
    /// The layout code ([`layout::FrameLayout::code`]), held here so that a frame
    /// kept in registers keeps its code there too (the plan is on the heap, which a
    /// call may write).
    code: u128,
    ret_size: usize,
    /// Where each row's errno slot is ([`crate::errno`]), or [`NO_ERRNO`].
    errno_at: u32,
    /// Released in `Drop` only when `owned`: a lent row holds uncounted copies.
    plan: ManuallyDrop<Arc<FramedPlan>>,
    sig: ManuallyDrop<Arc<Signature>>,
    /// False for a row lent by a callback stub ([`Frame::lent`]): the buffer is on the
    /// stub's stack and the plan and signature belong to the callback, so dropping
    /// frees and releases nothing.
    owned: bool,
}

// SAFETY: Rows owns its buffer exclusively, or (lent by a callback stub) has it for the
// duration of one call, during which another thread may use it as well as this one;
// nothing in it is tied to a thread.
unsafe impl Send for Rows {}
// SAFETY: shared references only read the buffer.
unsafe impl Sync for Rows {}

/// `Rows::errno_at` of rows without an errno slot.
const NO_ERRNO: u32 = u32::MAX;

/// How many slots `plan` has, saturated to `u32` (a count past it is never reached:
/// [`Rows::slot`] then refuses the indices above, it never reads past the table).
#[inline]
fn nargs_of(plan: &FramedPlan) -> u32 {
    u32::try_from(plan.layout.slots.len()).unwrap_or(u32::MAX)
}

/// The start of `plan`'s slot table.
fn slots_of(plan: &FramedPlan) -> NonNull<FrameSlot> {
    NonNull::from(&*plan.layout.slots).cast()
}

impl Rows {
    /// The slot of argument `index` when it holds exactly `size` bytes.
    #[inline(always)]
    fn slot(&self, index: usize, size: usize) -> Option<usize> {
        // A value of u32::MAX bytes would match FrameSlot::NONE's size: refused first
        // (the comparison folds away, `size` is a constant where this is inlined).
        if size >= u32::MAX as usize {
            return None;
        }
        if index < INLINE_SLOTS {
            let slot = self.first[index];
            return (slot.size as usize == size).then_some(slot.offset as usize);
        }
        if index < self.nargs as usize {
            // SAFETY: `slots` points at the layout's `nargs` slots; the plan and its
            // layout are alive as long as self.
            let slot = unsafe { *self.slots.as_ptr().add(index) };
            if slot.size as usize == size {
                return Some(slot.offset as usize);
            }
        }
        None
    }

    fn new(plan: Arc<FramedPlan>, sig: Arc<Signature>, rows: usize) -> Result<Rows, Error> {
        let stride = plan.row_size as usize;
        let too_big = || Error::unsupported(format!("a batch of {rows} frames is too large"));
        let size = stride.checked_mul(rows.max(1)).ok_or_else(too_big)?;
        let align = plan.plan.frame_align as usize;
        let layout = AllocLayout::from_size_align(size, align).map_err(|_| too_big())?;
        Ok(Rows::allocated(plan, sig, rows, stride, layout))
    }

    /// `rows` zeroed rows of `stride` bytes in one allocation of `layout`.
    #[inline]
    fn allocated(
        plan: Arc<FramedPlan>,
        sig: Arc<Signature>,
        rows: usize,
        stride: usize,
        layout: AllocLayout,
    ) -> Rows {
        // SAFETY: the layout has a non-zero size (a stride is at least 8 bytes).
        let ptr = unsafe { alloc_zeroed(layout) };
        let Some(buf) = NonNull::new(ptr) else {
            handle_alloc_error(layout)
        };
        Rows::over(buf, layout, rows, stride, plan, sig, true)
    }

    /// Rows over `buf`, with the layout's slots and code and the result size copied in.
    /// `owned`: whether dropping frees `buf` and releases `plan` and `sig`.
    #[inline(always)]
    fn over(
        buf: NonNull<u8>,
        layout: AllocLayout,
        rows: usize,
        stride: usize,
        plan: Arc<FramedPlan>,
        sig: Arc<Signature>,
        owned: bool,
    ) -> Rows {
        Rows {
            buf,
            layout,
            rows,
            stride,
            slots: slots_of(&plan),
            nargs: nargs_of(&plan),
            first: plan.layout.first_slots,
            args_base: plan.layout.args_base,
            code: plan.layout.code(),
            ret_size: plan.plan.ret.size as usize,
            errno_at: plan.errno_at.unwrap_or(NO_ERRNO),
            plan: ManuallyDrop::new(plan),
            sig: ManuallyDrop::new(sig),
            owned,
        }
    }

    /// The errno slot of `row`, if rows have one.
    fn errno_slot(&self, row: usize) -> Result<Option<*mut i32>, Error> {
        if row >= self.rows {
            return Err(row_error(row, self.rows));
        }
        if self.errno_at == NO_ERRNO {
            return Ok(None);
        }
        debug_assert!(self.errno_at as usize + 4 <= self.stride);
        // SAFETY: the row is in range, and its errno slot lies inside it (a row with a
        // slot is `crate::errno::row_size` long, the slot at its `slot_offset`).
        Ok(Some(unsafe {
            self.buf
                .as_ptr()
                .add(row * self.stride + self.errno_at as usize)
                .cast::<i32>()
        }))
    }

    fn errno(&self, row: usize) -> Result<Option<i32>, Error> {
        // SAFETY: the slot is four initialised bytes of the row (`errno_slot`), read
        // unaligned.
        Ok(self.errno_slot(row)?.map(|p| unsafe { p.read_unaligned() }))
    }

    fn set_errno(&mut self, row: usize, errno: i32) -> Result<(), Error> {
        match self.errno_slot(row)? {
            // SAFETY: the slot is four bytes of the row (`errno_slot`), which &mut self
            // lets us write.
            Some(p) => unsafe { p.write_unaligned(errno) },
            None => return Err(no_errno_slot(&self.sig)),
        }
        Ok(())
    }

    fn row(&self, row: usize) -> Result<&[u8], Error> {
        if row >= self.rows {
            return Err(row_error(row, self.rows));
        }
        // SAFETY: the row lies inside the buffer, which holds `rows * stride`
        // initialised (zeroed at allocation) bytes owned by self.
        Ok(unsafe {
            std::slice::from_raw_parts(self.buf.as_ptr().add(row * self.stride), self.stride)
        })
    }

    fn row_mut(&mut self, row: usize) -> Result<&mut [u8], Error> {
        if row >= self.rows {
            return Err(row_error(row, self.rows));
        }
        // SAFETY: as in `row`, and &mut self makes the borrow unique.
        Ok(unsafe {
            std::slice::from_raw_parts_mut(self.buf.as_ptr().add(row * self.stride), self.stride)
        })
    }

    /// Offset of argument `index` within a row, after checking it takes `size` bytes.
    #[inline]
    fn arg_slot(&self, index: usize, size: usize) -> Result<usize, Error> {
        match self.slot(index, size) {
            Some(off) => Ok(off),
            None => Err(slot_error(&self.plan.plan, &self.sig, index, size)),
        }
    }

    #[inline]
    fn set_arg<T: FrameValue>(&mut self, row: usize, index: usize, value: T) -> Result<(), Error> {
        let off = self.arg_slot(index, size_of::<T>())?;
        let bytes = self.row_mut(row)?;
        // SAFETY: arg_slot checked that [off, off + size_of T) is this argument's slot,
        // inside the row; write_to tolerates any alignment.
        unsafe { value.write_to(bytes.as_mut_ptr().add(off)) };
        Ok(())
    }

    /// Writes a whole argument list into `row`: at constant offsets when the layout
    /// codes agree, else as [`Rows::set_args_checked`] does.
    #[inline(always)]
    fn set_args<A: FrameArgs>(&mut self, row: usize, args: A) -> Result<(), Error> {
        if row >= self.rows {
            return Err(row_error(row, self.rows));
        }
        self.set_args_in_row(row, args)
    }

    /// [`Rows::set_args`] for a row known to be in range (a frame's only row).
    #[inline(always)]
    fn set_args_in_row<A: FrameArgs>(&mut self, row: usize, args: A) -> Result<(), Error> {
        debug_assert!(row < self.rows);
        if self.code == A::CODE {
            // SAFETY: equal layout codes mean the same count, sizes and alignment
            // classes, hence the same offsets from the argument area at `args_base` (a
            // frame's layout has a code only if its offsets are `args::Coder`'s, the
            // tuple's: see `FrameLayout::of`), inside the row (in range: the caller's
            // word, checked again by set_args_checked on the other path).
            unsafe {
                let base = self
                    .buf
                    .as_ptr()
                    .add(row * self.stride + self.args_base as usize);
                args.write_at(base);
            }
            return Ok(());
        }
        std::hint::cold_path();
        self.set_args_checked(row, args)
    }

    /// Writes a whole argument list into `row` one slot at a time, after checking the
    /// count and every size (so a refused list leaves the row as it was).
    ///
    /// Inline and free of calls until it fails: the values stay in registers. (A call
    /// on the way, even a cold one, makes the compiler keep the values in memory on the
    /// fast path too, since no vector register survives a call.)
    #[inline(always)]
    fn set_args_checked<A: FrameArgs>(&mut self, row: usize, args: A) -> Result<(), Error> {
        if A::SIZES.len() != self.nargs as usize || row >= self.rows {
            return Err(args_error(
                &self.plan.plan,
                &self.sig,
                self.rows,
                row,
                A::SIZES,
            ));
        }
        for (index, &size) in A::SIZES.iter().enumerate() {
            if self.slot(index, size).is_none() {
                return Err(args_error(
                    &self.plan.plan,
                    &self.sig,
                    self.rows,
                    row,
                    A::SIZES,
                ));
            }
        }
        // SAFETY: every argument's slot holds exactly its size (checked above), inside
        // row `row` (in range, checked above) of the buffer.
        unsafe {
            let at = self.buf.as_ptr().add(row * self.stride);
            args.write_each(at, |index| {
                (*self.slots.as_ptr().add(index)).offset as usize
            });
        }
        Ok(())
    }

    fn arg<T: AnyBits>(&self, row: usize, index: usize) -> Result<T, Error> {
        let off = self.arg_slot(index, size_of::<T>())?;
        let bytes = self.row(row)?;
        // SAFETY: the slot holds size_of::<T>() initialised bytes (a frame never holds
        // uninitialised ones: see `crate::plain`), and every bit pattern is a valid T.
        Ok(unsafe { bytes.as_ptr().add(off).cast::<T>().read_unaligned() })
    }

    #[inline]
    fn ret<T: AnyBits>(&self, row: usize) -> Result<T, Error> {
        if size_of::<T>() != self.ret_size {
            return Err(ret_error(&self.plan.plan, &self.sig, size_of::<T>()));
        }
        let bytes = self.row(row)?;
        // SAFETY: the result area at offset 0 of the row spans at least ret.size
        // initialised bytes, and every bit pattern is a valid T.
        Ok(unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
    }

    fn set_value(&mut self, row: usize, index: usize, value: &Value) -> Result<(), Error> {
        let sig = Arc::clone(&self.sig);
        let Some(ty) = sig.params().get(index) else {
            return Err(Error::ArgumentCount {
                expected: sig.params().len(),
                found: index + 1,
            });
        };
        let arg = &self.plan.plan.args[index];
        let (off, size) = (arg.frame_offset as usize, arg.size as usize);
        let bytes = self.row_mut(row)?;
        value.store(ty, &mut bytes[off..off + size], &Path::Arg(index))
    }

    fn arg_value(&self, row: usize, index: usize) -> Result<Value, Error> {
        let Some(ty) = self.sig.params().get(index) else {
            return Err(Error::ArgumentCount {
                expected: self.sig.params().len(),
                found: index + 1,
            });
        };
        let off = self.plan.plan.args[index].frame_offset as usize;
        Value::load(ty, &self.row(row)?[off..])
    }

    fn ret_value(&self, row: usize) -> Result<Value, Error> {
        Value::load(self.sig.ret(), self.row(row)?)
    }

    #[inline]
    fn set_ret<T: FrameValue>(&mut self, row: usize, value: T) -> Result<(), Error> {
        if size_of::<T>() != self.ret_size {
            return Err(ret_error(&self.plan.plan, &self.sig, size_of::<T>()));
        }
        let bytes = self.row_mut(row)?;
        // SAFETY: the result area at offset 0 of the row spans at least ret.size bytes;
        // write_to tolerates any alignment.
        unsafe { value.write_to(bytes.as_mut_ptr()) };
        Ok(())
    }

    fn set_ret_value(&mut self, row: usize, value: &Value) -> Result<(), Error> {
        let sig = Arc::clone(&self.sig);
        if matches!(sig.ret(), Type::Void) {
            return match value {
                Value::Void => Ok(()),
                other => Err(Error::ValueMismatch {
                    path: "result".into(),
                    expected: "void".into(),
                    found: other.kind_name(),
                }),
            };
        }
        let size = self.plan.plan.ret.size as usize;
        let bytes = self.row_mut(row)?;
        value.store(sig.ret(), &mut bytes[..size], &Path::Root("result"))
    }

    fn duplicate(&self) -> Rows {
        let plan = Arc::clone(&self.plan);
        let mut copy = Rows::new(plan, Arc::clone(&self.sig), self.rows)
            .expect("the same size was allocated before");
        // SAFETY: both buffers hold layout.size() bytes and do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(self.buf.as_ptr(), copy.buf.as_ptr(), self.layout.size())
        };
        copy.rows = self.rows;
        copy
    }
}

/// A frame's size and alignment come from types of at most `MAX_TYPE_SIZE` bytes,
/// far from what an allocation layout refuses.
#[cold]
#[inline(never)]
fn one_frame_too_large() -> ! {
    panic!("one frame is never too large")
}

/// The slow half of a panicking accessor: `what` failed with `e`.
#[cold]
#[inline(never)]
fn fail(what: &str, e: Error) -> ! {
    panic!("{what}: {e}")
}

/// Why argument `index` of `plan` cannot take a value of `size` bytes. Takes the plan
/// and signature, not the frame: a frame whose address reaches no call stays in
/// registers (a callback builds one per call).
#[cold]
#[inline(never)]
fn slot_error(plan: &CallPlan, sig: &Signature, index: usize, size: usize) -> Error {
    let Some(arg) = plan.args.get(index) else {
        return Error::ArgumentCount {
            expected: plan.args.len(),
            found: index + 1,
        };
    };
    Error::ValueMismatch {
        path: format!("argument {index}"),
        expected: format!("{} ({} bytes)", sig.params()[index], arg.size),
        found: format!("a value of {size} bytes"),
    }
}

/// Why `set_args` refused a list with these sizes for `row` of `rows`. Takes the plan,
/// the signature and counts, not the frame: a cold path that took the frame's address
/// would let it escape, and the compiler would then reload every field after each call
/// in a caller's loop (a call may write any escaped memory).
#[cold]
#[inline(never)]
fn args_error(plan: &CallPlan, sig: &Signature, rows: usize, row: usize, sizes: &[usize]) -> Error {
    if sizes.len() != plan.args.len() {
        return Error::ArgumentCount {
            expected: plan.args.len(),
            found: sizes.len(),
        };
    }
    if row >= rows {
        return row_error(row, rows);
    }
    match sizes
        .iter()
        .zip(plan.args.iter())
        .position(|(&size, arg)| arg.size as usize != size)
    {
        Some(index) => slot_error(plan, sig, index, sizes[index]),
        None => unreachable!("args_error: every size matches"),
    }
}

/// Why a result of `size` bytes does not fit `plan`'s (see [`slot_error`]).
#[cold]
#[inline(never)]
fn ret_error(plan: &CallPlan, sig: &Signature, size: usize) -> Error {
    Error::ValueMismatch {
        path: "result".into(),
        expected: format!("{} ({} bytes)", sig.ret(), plan.ret.size),
        found: format!("a value of {size} bytes"),
    }
}

#[cold]
fn no_errno_slot(sig: &Signature) -> Error {
    Error::Unsupported {
        message: format!(
            "no errno slot: frames for `{sig}` come from a function bound without errno \
             capture (see Function::with_errno)"
        ),
    }
}

fn row_error(row: usize, rows: usize) -> Error {
    Error::ValueMismatch {
        path: format!("row {row}"),
        expected: format!("a row index below {rows}"),
        found: format!("row {row}"),
    }
}

impl Drop for Rows {
    #[inline]
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        // SAFETY: an owned buf was allocated in `new` with exactly this layout, and the
        // plan and signature are counted references of our own, taken out once here.
        // (Taken out, not dropped in place: releasing an `Arc` in place hands the
        // field's address to an out-of-line function, so the frame's address would
        // escape, and a caller's loop would reload every field after each call.)
        let (plan, sig) = unsafe {
            dealloc(self.buf.as_ptr(), self.layout);
            (
                ManuallyDrop::take(&mut self.plan),
                ManuallyDrop::take(&mut self.sig),
            )
        };
        drop((plan, sig));
    }
}

/// Packed, aligned storage for one call's arguments and result.
///
/// Get one from [`crate::Function::frame`]; fill it with [`Frame::set_arg`]; call with
/// [`crate::Function::call_frame`]; read the result with [`Frame::ret`]. A frame can be
/// reused for any number of calls.
pub struct Frame {
    rows: Rows,
}

impl Frame {
    /// Inline, and with nothing that takes the new frame's address: a frame whose
    /// address never escapes can stay in registers in a caller's loop, where the
    /// compiler would otherwise reload every field after each call.
    #[inline]
    pub(crate) fn new(plan: Arc<FramedPlan>, sig: Arc<Signature>) -> Frame {
        let Ok(layout) = plan.row_layout() else {
            one_frame_too_large()
        };
        Frame {
            rows: Rows::allocated(plan, sig, 1, layout.size(), layout),
        }
    }

    /// A frame over `buf`, a row that a callback stub laid out on its own stack. It
    /// frees nothing when dropped, and holds uncounted copies of `plan` and `sig`.
    ///
    /// # Safety
    ///
    /// `buf` must be aligned to `layout.align()` and hold `layout.size()` initialised
    /// bytes laid out by `plan` (`layout.size()` at least its `row_size`, so that its
    /// errno slot, if any, lies inside), and `buf`,
    /// `plan` and `sig` must outlive every use of the frame — including a use after the
    /// frame was moved out of a `&mut Frame` with `std::mem::swap`: the caller must
    /// check that it was not (see `crate::callback`).
    #[inline]
    pub(crate) unsafe fn lent(
        buf: NonNull<u8>,
        layout: AllocLayout,
        plan: &Arc<FramedPlan>,
        sig: &Arc<Signature>,
    ) -> Frame {
        // SAFETY: bitwise copies of the Arcs, never released (`owned` is false), valid
        // as long as the originals are (the caller's contract).
        let (plan, sig) = unsafe { (std::ptr::read(plan), std::ptr::read(sig)) };
        Frame {
            rows: Rows::over(buf, layout, 1, layout.size(), plan, sig, false),
        }
    }

    /// The plan this frame is laid out for, with its layout.
    pub(crate) fn plan(&self) -> &Arc<FramedPlan> {
        &self.rows.plan
    }

    /// The signature this frame is laid out for.
    pub fn signature(&self) -> &Signature {
        &self.rows.sig
    }

    /// The frame's bytes, for a trampoline.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.rows.buf.as_ptr()
    }

    /// Writes argument `index` from a plain-data value of the parameter's exact size: a
    /// scalar, a raw pointer, or a `#[repr(C)]` struct laid out like the C one — any
    /// [`Plain`](crate::Plain) type, or a padded struct wrapped in
    /// [`Padded`](crate::Padded) (see [`crate::plain`]). The size is checked, not the
    /// kind: for a check of the C kinds, once, see [`crate::Function::typed`].
    ///
    /// # Panics
    ///
    /// If `index` is out of range or the size differs; [`Frame::try_set_arg`] returns
    /// an error instead.
    #[inline]
    pub fn set_arg<T: FrameValue>(&mut self, index: usize, value: T) {
        match self.rows.slot(index, size_of::<T>()) {
            // SAFETY: the slot at `off` holds size_of::<T>() bytes inside the buffer
            // (checked by `slot` against the plan the buffer was sized by).
            Some(off) => unsafe { value.write_to(self.rows.buf.as_ptr().add(off)) },
            None => fail(
                "Frame::set_arg",
                slot_error(&self.rows.plan.plan, &self.rows.sig, index, size_of::<T>()),
            ),
        }
    }

    /// Writes every argument at once from a tuple (or array) of plain-data values (as
    /// for [`Frame::set_arg`]), each of its parameter's exact size: the fastest way to fill a frame when the argument
    /// types are known at compile time.
    ///
    /// The tuple's slot offsets are compile-time constants, and one comparison per
    /// call checks them against the frame's layout; the stores then cost what a
    /// compiler's own argument setup costs. A tuple whose Rust alignment differs from
    /// its C parameter's (a `[u8; 16]` for a `long double`), or a layout past what the
    /// comparison covers (over twelve arguments, an argument over 255 bytes), is still
    /// written correctly, one checked argument at a time.
    ///
    /// ```
    /// use jitcall::{Library, Signature, Type};
    ///
    /// let pow = Library::this().function(
    ///     "ldexp",
    ///     &Signature::new(Type::Double, [Type::Double, Type::Int]),
    /// )?;
    /// let mut frame = pow.frame();
    /// frame.set_args((3.0f64, 4i32));
    /// // SAFETY: ldexp has this signature.
    /// unsafe { pow.call_frame(&mut frame) };
    /// assert_eq!(frame.ret::<f64>(), 48.0);
    /// # Ok::<(), jitcall::Error>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If the number of values differs from the number of parameters, or a value's
    /// size from its parameter's; [`Frame::try_set_args`] returns an error instead.
    #[inline(always)]
    pub fn set_args<A: FrameArgs>(&mut self, args: A) {
        if let Err(e) = self.rows.set_args_in_row(0, args) {
            fail("Frame::set_args", e)
        }
    }

    /// Writes every argument at once; an error if the count or a size differs.
    #[inline]
    pub fn try_set_args<A: FrameArgs>(&mut self, args: A) -> Result<(), Error> {
        self.rows.set_args_in_row(0, args)
    }

    /// Writes argument `index`; an error if `index` is out of range or the size of `T`
    /// differs from the parameter's.
    #[inline]
    pub fn try_set_arg<T: FrameValue>(&mut self, index: usize, value: T) -> Result<(), Error> {
        self.rows.set_arg(0, index, value)
    }

    /// Reads argument `index` as a `T` of the parameter's exact size. `T` is any type
    /// for which every bit pattern is valid ([`AnyBits`](crate::AnyBits)): C may have put any
    /// bits there, so `bool`, `char`, enums and references cannot be read this way.
    ///
    /// # Panics
    ///
    /// If `index` is out of range or the size differs; [`Frame::try_arg`] returns an
    /// error instead.
    #[inline]
    pub fn arg<T: AnyBits>(&self, index: usize) -> T {
        match self.rows.slot(index, size_of::<T>()) {
            // SAFETY: the slot at `off` holds size_of::<T>() initialised bytes inside
            // the buffer (checked by `slot` against the plan the buffer was laid out
            // by; a frame never holds uninitialised bytes, see `crate::plain`); every
            // bit pattern is a valid T; the read tolerates any alignment.
            Some(off) => unsafe {
                let p = self.rows.buf.as_ptr().add(off);
                p.cast::<T>().read_unaligned()
            },
            None => fail(
                "Frame::arg",
                slot_error(&self.rows.plan.plan, &self.rows.sig, index, size_of::<T>()),
            ),
        }
    }

    /// Reads argument `index`; an error if `index` is out of range or the size of `T`
    /// differs from the parameter's.
    #[inline]
    pub fn try_arg<T: AnyBits>(&self, index: usize) -> Result<T, Error> {
        self.rows.arg(0, index)
    }

    /// Reads the result as a `T` of the return type's exact size (`()` for `void`), for
    /// any `T` for which every bit pattern is valid ([`AnyBits`](crate::AnyBits)). A `_Bool`
    /// result reads as a `u8`.
    ///
    /// Narrow integer results (`char`, `short`, `_Bool`) are read from their own bytes
    /// only: gcc-compiled callees do not extend them.
    ///
    /// # Panics
    ///
    /// If the size of `T` differs from the return type's; see [`Frame::try_ret`].
    #[inline]
    pub fn ret<T: AnyBits>(&self) -> T {
        if self.rows.ret_size == size_of::<T>() {
            // SAFETY: the result area at offset 0 spans at least ret.size initialised
            // bytes, and every bit pattern is a valid T.
            unsafe { self.rows.buf.as_ptr().cast::<T>().read_unaligned() }
        } else {
            fail(
                "Frame::ret",
                ret_error(&self.rows.plan.plan, &self.rows.sig, size_of::<T>()),
            )
        }
    }

    /// Reads the result; an error if the size of `T` differs from the return type's.
    #[inline]
    pub fn try_ret<T: AnyBits>(&self) -> Result<T, Error> {
        self.rows.ret(0)
    }

    /// Writes argument `index` from a [`Value`], checking it against the parameter's
    /// type.
    pub fn set_value(&mut self, index: usize, value: &Value) -> Result<(), Error> {
        self.rows.set_value(0, index, value)
    }

    /// Reads argument `index` as a [`Value`].
    pub fn arg_value(&self, index: usize) -> Result<Value, Error> {
        self.rows.arg_value(0, index)
    }

    /// Reads the result as a [`Value`].
    pub fn ret_value(&self) -> Result<Value, Error> {
        self.rows.ret_value(0)
    }

    /// Writes the result from a plain-data value (as for [`Frame::set_arg`]) of the
    /// return type's exact size (`()` for `void`): what a [`crate::Callback`] hands back
    /// to its C caller.
    ///
    /// # Panics
    ///
    /// If the size differs; [`Frame::try_set_ret`] returns an error instead.
    #[inline]
    pub fn set_ret<T: FrameValue>(&mut self, value: T) {
        if self.rows.ret_size == size_of::<T>() {
            // SAFETY: the result area at offset 0 spans at least ret.size bytes (checked
            // just above); write_to tolerates any alignment.
            unsafe { value.write_to(self.rows.buf.as_ptr()) }
        } else {
            fail(
                "Frame::set_ret",
                ret_error(&self.rows.plan.plan, &self.rows.sig, size_of::<T>()),
            )
        }
    }

    /// Writes the result; an error if the size of `T` differs from the return type's.
    #[inline]
    pub fn try_set_ret<T: FrameValue>(&mut self, value: T) -> Result<(), Error> {
        self.rows.set_ret(0, value)
    }

    /// Writes the result from a [`Value`], checking it against the return type (used by
    /// callbacks).
    pub fn set_ret_value(&mut self, value: &Value) -> Result<(), Error> {
        self.rows.set_ret_value(0, value)
    }

    /// The frame's errno slot ([`crate::errno`]): after a call through a function bound
    /// with [`Errno::Capture`](crate::Errno::Capture) or
    /// [`Errno::SetAndCapture`](crate::Errno::SetAndCapture), the errno the callee left,
    /// read by the trampoline right after the call; in a [`crate::Callback`]'s frame,
    /// the errno its C caller will see when the callback returns (the caller's own,
    /// unless the closure sets another). `None` for a frame from a function bound
    /// without errno capture.
    #[inline]
    pub fn errno(&self) -> Option<i32> {
        // A frame has one row: row 0 is never out of range.
        self.rows.errno(0).ok().flatten()
    }

    /// Writes the frame's errno slot: for a function bound with
    /// [`Errno::SetAndCapture`](crate::Errno::SetAndCapture), the errno its trampoline
    /// sets right before the next call; in a [`crate::Callback`]'s frame, the errno the
    /// C caller sees when the callback returns. (With
    /// [`Errno::Capture`](crate::Errno::Capture) the next call overwrites it.)
    ///
    /// An error for a frame without an errno slot (see [`Frame::errno`]).
    #[inline]
    pub fn set_errno(&mut self, errno: i32) -> Result<(), Error> {
        self.rows.set_errno(0, errno)
    }
}

impl Clone for Frame {
    fn clone(&self) -> Frame {
        Frame {
            rows: self.rows.duplicate(),
        }
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("signature", &self.rows.sig.to_string())
            .field("size", &self.rows.stride)
            .finish()
    }
}

/// Rows of frames in one contiguous buffer, for [`crate::Function::call_batch`]: one
/// trampoline loop calls the target once per row, reading that row's arguments and
/// storing its result in place.
///
/// ```
/// use jitcall::{Library, Signature, Type};
///
/// let abs = Library::this().function("abs", &Signature::new(Type::Int, [Type::Int]))?;
/// let mut batch = abs.batch(1000)?;
/// for row in 0..batch.len() {
///     batch.set_arg(row, 0, -(row as i32));
/// }
/// // SAFETY: abs has this signature.
/// unsafe { abs.call_batch(&mut batch)? };
/// assert_eq!(batch.ret::<i32>(999), 999);
/// # Ok::<(), jitcall::Error>(())
/// ```
pub struct FrameBatch {
    rows: Rows,
}

impl FrameBatch {
    pub(crate) fn new(
        plan: Arc<FramedPlan>,
        sig: Arc<Signature>,
        rows: usize,
    ) -> Result<FrameBatch, Error> {
        Ok(FrameBatch {
            rows: Rows::new(plan, sig, rows)?,
        })
    }

    pub(crate) fn plan(&self) -> &Arc<FramedPlan> {
        &self.rows.plan
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut u8 {
        self.rows.buf.as_ptr()
    }

    /// The signature this batch is laid out for.
    pub fn signature(&self) -> &Signature {
        &self.rows.sig
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.rows
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.rows == 0
    }

    /// Writes argument `index` of row `row` (see [`Frame::set_arg`]).
    ///
    /// # Panics
    ///
    /// If `row` or `index` is out of range or the size differs; see
    /// [`FrameBatch::try_set_arg`].
    #[inline]
    pub fn set_arg<T: FrameValue>(&mut self, row: usize, index: usize, value: T) {
        if let Err(e) = self.rows.set_arg(row, index, value) {
            panic!("FrameBatch::set_arg: {e}");
        }
    }

    /// Writes every argument of row `row` from a tuple or array (see
    /// [`Frame::set_args`]).
    ///
    /// # Panics
    ///
    /// If `row` is out of range, or the count or a size differs; see
    /// [`FrameBatch::try_set_args`].
    #[inline]
    pub fn set_args<A: FrameArgs>(&mut self, row: usize, args: A) {
        if let Err(e) = self.rows.set_args(row, args) {
            fail("FrameBatch::set_args", e)
        }
    }

    /// Writes every argument of row `row`, or says why it cannot.
    #[inline]
    pub fn try_set_args<A: FrameArgs>(&mut self, row: usize, args: A) -> Result<(), Error> {
        self.rows.set_args(row, args)
    }

    /// Writes argument `index` of row `row`, or says why it cannot.
    #[inline]
    pub fn try_set_arg<T: FrameValue>(
        &mut self,
        row: usize,
        index: usize,
        value: T,
    ) -> Result<(), Error> {
        self.rows.set_arg(row, index, value)
    }

    /// Reads the result of row `row` (see [`Frame::ret`]).
    ///
    /// # Panics
    ///
    /// If `row` is out of range or the size differs; see [`FrameBatch::try_ret`].
    #[inline]
    pub fn ret<T: AnyBits>(&self, row: usize) -> T {
        match self.rows.ret(row) {
            Ok(v) => v,
            Err(e) => panic!("FrameBatch::ret: {e}"),
        }
    }

    /// Reads the result of row `row`, or says why it cannot.
    #[inline]
    pub fn try_ret<T: AnyBits>(&self, row: usize) -> Result<T, Error> {
        self.rows.ret(row)
    }

    /// Writes argument `index` of row `row` from a [`Value`].
    pub fn set_value(&mut self, row: usize, index: usize, value: &Value) -> Result<(), Error> {
        self.rows.set_value(row, index, value)
    }

    /// Reads the result of row `row` as a [`Value`].
    pub fn ret_value(&self, row: usize) -> Result<Value, Error> {
        self.rows.ret_value(row)
    }

    /// The errno slot of row `row` (see [`Frame::errno`]): the errno its call left,
    /// for a batch from a function bound with errno capture; `Ok(None)` for one bound
    /// without. An error if `row` is out of range.
    pub fn errno(&self, row: usize) -> Result<Option<i32>, Error> {
        self.rows.errno(row)
    }

    /// Writes the errno slot of row `row` (see [`Frame::set_errno`]): the errno set
    /// right before that row's call by a function bound with
    /// [`Errno::SetAndCapture`](crate::Errno::SetAndCapture). An error if `row` is out
    /// of range or the batch has no errno slot.
    pub fn set_errno(&mut self, row: usize, errno: i32) -> Result<(), Error> {
        self.rows.set_errno(row, errno)
    }
}

impl std::fmt::Debug for FrameBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameBatch")
            .field("signature", &self.rows.sig.to_string())
            .field("rows", &self.rows.rows)
            .field("stride", &self.rows.stride)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::sysv;

    #[test]
    fn frames_count_their_references_and_lent_ones_hold_none() {
        let sig = Arc::new(Signature::new(Type::Int, [Type::Int, Type::Double]));
        let plan = Arc::new(FramedPlan::with_errno_slot(
            sysv::classify(&sig).unwrap(),
            false,
        ));
        let mut frame = Frame::new(plan.clone(), sig.clone());
        frame.set_value(0, &Value::Int(-4)).unwrap();
        frame.set_ret_value(&Value::Int(9)).unwrap();
        let copy = frame.clone();
        assert_eq!((Arc::strong_count(&plan), Arc::strong_count(&sig)), (3, 3));
        drop((frame, copy));
        assert_eq!((Arc::strong_count(&plan), Arc::strong_count(&sig)), (1, 1));

        let layout = plan.row_layout().unwrap();
        let mut buf = [0u128; 4];
        assert!(size_of_val(&buf) >= layout.size());
        let ptr = NonNull::new(buf.as_mut_ptr().cast::<u8>()).unwrap();
        // SAFETY: buf is 16-aligned, zeroed, large enough, and outlives the frame;
        // plan and sig outlive it too.
        let mut lent = unsafe { Frame::lent(ptr, layout, &plan, &sig) };
        lent.set_value(1, &Value::Double(2.5)).unwrap();
        lent.set_ret(7i32);
        assert_eq!(lent.arg::<f64>(1), 2.5);
        let owned = lent.clone();
        drop(lent);
        assert_eq!(owned.ret::<i32>(), 7);
        assert_eq!((Arc::strong_count(&plan), Arc::strong_count(&sig)), (2, 2));
        drop(owned);
        assert_eq!((Arc::strong_count(&plan), Arc::strong_count(&sig)), (1, 1));
        assert_eq!(
            buf[0] as u32, 7,
            "the lent frame wrote into the caller's buffer"
        );
    }
}
