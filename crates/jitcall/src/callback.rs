//! Callbacks: C function pointers that enter Rust closures, for every signature the
//! call side supports.
//!
//! A [`Callback`] is built from the same [`CallPlan`] as a call, read in reverse. Its
//! *entry stub*, one per callback, stores the argument registers and copies the
//! caller's stack arguments into a [`Frame`] laid out on the machine stack, calls one
//! Rust `extern "C"` dispatcher with the callback's context baked in (`mov rdi,
//! imm64`), and loads the result the closure left in the frame into the result
//! registers (or copies it through the hidden sret pointer). Nothing is allocated and
//! nothing is interpreted per call: the plan was turned into straight-line code once.
//! A thread's next callback of the same signature and closure type copies the stub
//! and patches in its context's address (`Template`).
//!
//! The stub's stack frame at the call of the dispatcher:
//!
//! ```text
//!            ┌──────────────────────────────┐  higher addresses
//!            │ caller's stack argument n    │  rbp + 16 + offset of n
//!            │ ...                          │
//!            │ caller's stack argument 0    │  rbp + 16
//!            │ return address into C        │  rbp + 8
//!   rbp ───► │ saved rbp                    │
//!            │ (alignment gap, if any)      │
//!            │ saved sret pointer (MEMORY)  │  rsp + stride
//!            ├──────────────────────────────┤
//!            │ padding up to stride (zero)  │
//!            │ argument n slot              │  rsp + frame_offset of n
//!            │ ...                          │
//!            │ argument 0 slot              │  rsp + frame_offset of 0
//!   rsp ───► │ result area (zeroed)         │  rsp + 0, aligned to max(16, frame_align)
//!            └──────────────────────────────┘
//!   at the call: rdi = context, rsi = rsp = the frame, rsp 16-aligned
//! ```
//!
//! A frame larger than a page is reserved page by page, touching each, so that a stack
//! overflow hits the guard page rather than jumping over it.
//!
//! `stride` is the frame size rounded up to its alignment, the row size of a
//! [`crate::FrameBatch`]. Every byte of it is defined before the closure runs: each
//! register eightbyte is stored whole with only the argument's own bytes kept (a
//! narrow integer may arrive unextended: its upper bits are cleared, not stored), stack
//! arguments are copied as whole eightbytes (the caller pads them), and everything
//! else — the result area, alignment gaps, padding — is zeroed. A closure that sets no
//! result therefore returns zero.
//!
//! Register discipline: only `rbp` (saved) and caller-saved registers are touched;
//! `rax` and `xmm15` are scratch (a non-variadic callee owes nothing to `%al`), `r10`
//! points at the caller's stack arguments, and `rdi`, `rsi`, `rcx` serve `rep movsb`
//! and `rep stosb` once the arguments they carried are stored. x87 results are pushed
//! with `fld`, exactly as many as the plan says (imaginary part first, so the real
//! part ends in `st(0)`).
//!
//! This module does not classify (that is [`crate::abi`]) and supports no variadic
//! callee: a C function defined with `...` would have to walk a `va_list`, which is
//! not a fixed plan.

// dynasm's register macros convert their `u8` operands with `.into()`.
#![allow(clippy::useless_conversion)]

use crate::abi::{ArgLocation, CallPlan, Load, Reg, RegLoad, RetLocation, RetReg, sysv};
use crate::arena::{ExecutableCode, arena};
use crate::emit::{Base, Emitted, Emitter, UNROLL_LIMIT, at, disp};
use crate::frame::layout::FramedPlan;
use crate::frame::row_layout;
use crate::{Error, Frame, Signature};
use dynasmrt::{DynasmApi, DynasmLabelApi, dynasm};
use std::alloc::Layout as AllocLayout;
use std::ffi::c_void;
use std::io::Write as _;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;

/// A C function pointer with a given signature that calls a Rust closure.
///
/// The closure receives the call's [`Frame`]: it reads the arguments with
/// [`Frame::arg`] (or [`Frame::arg_value`]) and sets the result with
/// [`Frame::set_ret`] (or [`Frame::set_ret_value`]); a result it does not set is
/// zero. [`Callback::code_ptr`] is the function pointer to hand to C.
///
/// ```
/// use jitcall::{Callback, Library, Signature, Type, Value};
/// use std::ffi::c_void;
///
/// # fn main() -> Result<(), jitcall::Error> {
/// // int (*)(const void *, const void *), comparing two ints.
/// let sig = Signature::new(Type::Int, [Type::Pointer, Type::Pointer]);
/// let compare = Callback::new(&sig, |frame| {
///     // SAFETY: qsort passes pointers to two elements of the array below.
///     let (a, b) = unsafe {
///         (*frame.arg::<*const i32>(0), *frame.arg::<*const i32>(1))
///     };
///     frame.set_ret(a.cmp(&b) as i32);
/// })?;
///
/// // void qsort(void *base, size_t n, size_t size, int (*compare)(const void *, const void *))
/// let qsort = Library::this().function(
///     "qsort",
///     &Signature::new(Type::Void, [Type::Pointer, Type::ULong, Type::ULong, Type::Pointer]),
/// )?;
/// let mut xs = [5i32, -3, 12, 0, 7];
/// // SAFETY: qsort has this signature; the array, its length and element size match,
/// // and `compare` outlives the call.
/// unsafe {
///     qsort.call(&[
///         Value::Pointer(xs.as_mut_ptr().cast()),
///         Value::ULong(xs.len() as u64),
///         Value::ULong(4),
///         Value::Pointer(compare.code_ptr() as *mut c_void),
///     ])?;
/// }
/// assert_eq!(xs, [-3, 0, 5, 7, 12]);
/// # Ok(())
/// # }
/// ```
///
/// # Lifetime
///
/// The pointer is valid while the `Callback` lives, and a call through it must end
/// before the `Callback` is dropped. Dropping it returns the stub's code to the arena,
/// where it is overwritten with `int3` and later reused: a call through a stale
/// pointer traps or runs another stub. The closure may borrow local data (`F` need not
/// be `'static`); the borrow checker then keeps the `Callback`, and so the pointer's
/// validity, inside the borrow.
///
/// # Threads
///
/// `Callback<F>` is `Send` when `F` is `Send`, and `Sync` when `F` is `Sync`. A call
/// through the pointer runs the closure by shared reference, so C may call it from
/// several threads at once only when `F` is `Sync`, and from a thread other than the
/// one holding the `Callback` only when it could have been sent there. Re-entrant
/// calls (the closure calls C, which calls the pointer again) are fine: every call has
/// a frame of its own on the machine stack.
///
/// # Panics
///
/// A panic must not unwind into C frames. If the closure panics, the panic is caught
/// at the boundary, a message goes to stderr and the process aborts (`SIGABRT`). The
/// same happens if the closure moves its frame out of the `&mut Frame` (with
/// `std::mem::swap`), since that frame lives on the stub's stack.
pub struct Callback<F> {
    /// The entry stub; dropped before the context it points to.
    code: ManuallyDrop<ExecutableCode>,
    /// The closure and the frame's shape, at a fixed heap address baked into the stub.
    context: NonNull<Context<F>>,
    _owns: PhantomData<Context<F>>,
}

// SAFETY: a Callback owns its closure (through `context`) and immutable code and
// shapes; moving it to another thread moves the closure, which F: Send allows.
unsafe impl<F: Send> Send for Callback<F> {}
// SAFETY: through a shared reference only the code address, the plan and the signature
// are read (all immutable and Sync); the closure is only reached through the code
// pointer, whose callers promise to call it only where `&F` may be used.
unsafe impl<F: Sync> Sync for Callback<F> {}

/// The examples of `docs/CALLBACKS.md`, run as doctests so the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../docs/CALLBACKS.md")]
struct CallbacksGuide;

/// What the dispatcher needs: the closure and the shape of the frame it lends.
struct Context<F> {
    closure: F,
    plan: Arc<FramedPlan>,
    sig: Arc<Signature>,
    /// `frame_size` bytes aligned to `frame_align`: the stub's frame.
    layout: AllocLayout,
}

impl<F: Fn(&mut Frame)> Callback<F> {
    /// A callback with signature `sig` that runs `closure` on every call.
    ///
    /// Classifies `sig`, emits the entry stub and publishes it in the code arena (no
    /// system call unless the arena needs a new chunk; no page is ever writable and
    /// executable at once). A callback of a signature and closure type this thread made
    /// lately copies that stub instead, with its own context's address patched in.
    /// Errors: a variadic `sig`
    /// ([`Error::Unsupported`]), an invalid type in `sig`, no executable memory.
    pub fn new(sig: &Signature, closure: F) -> Result<Callback<F>, Error> {
        if sig.is_variadic() {
            return Err(Error::unsupported(format!(
                "variadic callback `{sig}`: a C function defined with `...` reads its \
                 variadic arguments with va_arg, which no fixed plan describes"
            )));
        }
        let dispatcher = dispatch::<F> as *const () as u64;
        let template = template_get(sig, dispatcher);
        let (plan, shared_sig) = match &template {
            Some(t) => (t.plan.clone(), t.sig.clone()),
            None => (
                Arc::new(FramedPlan::new(sysv::classify(sig)?)),
                Arc::new(sig.clone()),
            ),
        };
        let layout = frame_layout(&plan.plan)?;
        let context = NonNull::from(Box::leak(Box::new(Context {
            closure,
            plan,
            sig: shared_sig,
            layout,
        })));
        // From here on the context is owned by `guard` until the Callback exists.
        struct Guard<F>(NonNull<Context<F>>);
        impl<F> Drop for Guard<F> {
            fn drop(&mut self) {
                // SAFETY: the pointer came from Box::leak above and nothing else uses it.
                drop(unsafe { Box::from_raw(self.0.as_ptr()) });
            }
        }
        let guard = Guard(context);
        let template = match template {
            Some(t) => t,
            None => {
                // SAFETY: the context was just leaked from a Box and is not freed
                // before `guard`.
                let context_ref = unsafe { context.as_ref() };
                let (stub, context_at) = generate(&context_ref.plan.plan, 0, dispatcher, false)?;
                let t = Rc::new(Template {
                    sig: context_ref.sig.clone(),
                    dispatcher,
                    plan: context_ref.plan.clone(),
                    code: stub.code.into(),
                    context_at,
                });
                template_put(t.clone());
                t
            }
        };
        // The template's stub, with this callback's context address patched in.
        let (len, at) = (template.code.len(), template.context_at);
        let mut code = arena().alloc(len)?;
        let bytes = &mut code.bytes_mut()[..len];
        bytes.copy_from_slice(&template.code);
        bytes[at..at + 8].copy_from_slice(&(context.as_ptr() as u64).to_le_bytes());
        let code = code.publish()?;
        std::mem::forget(guard);
        Ok(Callback {
            code: ManuallyDrop::new(code),
            context,
            _owns: PhantomData,
        })
    }
}

impl<F> Callback<F> {
    /// The C function pointer: cast it to the C (or `extern "C"`) function type of the
    /// signature. Valid while `self` lives.
    pub fn code_ptr(&self) -> *const c_void {
        self.code.address().cast()
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.context().sig
    }

    /// The call plan the stub implements in reverse.
    pub fn plan(&self) -> &CallPlan {
        &self.context().plan.plan
    }

    /// Bytes of executable code of the entry stub.
    pub fn code_size(&self) -> usize {
        self.code.len()
    }

    fn context(&self) -> &Context<F> {
        // SAFETY: the context lives until `drop`, and is only ever shared.
        unsafe { self.context.as_ref() }
    }
}

impl<F> Drop for Callback<F> {
    fn drop(&mut self) {
        // SAFETY: dropped once, here; the code goes back to the arena first, so no new
        // call can enter the context freed next (calls in progress are excluded by the
        // contract of whoever called the pointer).
        unsafe {
            ManuallyDrop::drop(&mut self.code);
            drop(Box::from_raw(self.context.as_ptr()));
        }
    }
}

impl<F> std::fmt::Debug for Callback<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code_ptr", &self.code_ptr())
            .field("signature", &self.signature().to_string())
            .finish()
    }
}

/// Slots in each thread's memo of recent stubs (a power of two).
const TEMPLATES: usize = 8;

/// A stub as compiled for a signature and a dispatcher (one per closure type): the
/// next callback of the same kind copies it and patches in its own context's address,
/// instead of classifying the signature and assembling the stub again.
struct Template {
    sig: Arc<Signature>,
    dispatcher: u64,
    plan: Arc<FramedPlan>,
    code: Box<[u8]>,
    /// Where the context's address sits in `code`.
    context_at: usize,
}

thread_local! {
    /// Each thread's recent stubs, by signature hash and dispatcher. A memo keeps at
    /// most this many plans, signatures and copies of stub bytes alive, and no
    /// executable memory.
    static RECENT: std::cell::RefCell<[Option<Rc<Template>>; TEMPLATES]> =
        const { std::cell::RefCell::new([const { None }; TEMPLATES]) };
}

fn template_slot(sig: &Signature, dispatcher: u64) -> usize {
    ((sig.precomputed_hash() ^ dispatcher.rotate_left(17)) as usize) & (TEMPLATES - 1)
}

/// The stub this thread last compiled for `sig` and `dispatcher`, if it still has it.
fn template_get(sig: &Signature, dispatcher: u64) -> Option<Rc<Template>> {
    RECENT
        .try_with(|recent| {
            let recent = recent.try_borrow().ok()?;
            let t = recent[template_slot(sig, dispatcher)].as_ref()?;
            (t.dispatcher == dispatcher && (std::ptr::eq(&*t.sig, sig) || *t.sig == *sig))
                .then(|| t.clone())
        })
        .ok()
        .flatten()
}

fn template_put(t: Rc<Template>) {
    let slot = template_slot(&t.sig, t.dispatcher);
    let _ = RECENT.try_with(|recent| {
        if let Ok(mut recent) = recent.try_borrow_mut() {
            recent[slot] = Some(t);
        }
    });
}

/// The frame a stub lays out for `plan`: `frame_size` bytes, aligned to `frame_align`
/// (at least 16).
fn frame_layout(plan: &CallPlan) -> Result<AllocLayout, Error> {
    row_layout(plan).map_err(|_| Error::unsupported("callback frame too large"))
}

/// The one Rust function every stub of closure type `F` calls.
///
/// # Safety
///
/// `context` must point to a live `Context<F>`, and `frame` to that context's layout
/// of initialised bytes, laid out by its plan, alive until this returns.
unsafe extern "C" fn dispatch<F: Fn(&mut Frame)>(context: *const Context<F>, frame: *mut u8) {
    // SAFETY: the stub passes the context baked into it, which lives as long as the
    // callback, and the callback outlives the call (the pointer's contract).
    let context = unsafe { &*context };
    // SAFETY: the stub passes rsp, which is never null.
    let buf = unsafe { NonNull::new_unchecked(frame) };
    // SAFETY: the stub laid out `context.layout` defined bytes at `buf` by this plan,
    // and they, the plan and the signature outlive the frame: it is not used after we
    // return, and if the closure moved it out, we abort below before returning. A lent
    // frame owns nothing, so it need not be dropped.
    let mut frame =
        ManuallyDrop::new(unsafe { Frame::lent(buf, context.layout, &context.plan, &context.sig) });
    let outcome = catch_unwind(AssertUnwindSafe(|| (context.closure)(&mut frame)));
    if outcome.is_err() {
        // The payload is not dropped: its destructor could panic too.
        die("a callback closure panicked");
    }
    if frame.as_mut_ptr() != buf.as_ptr() {
        die("a callback closure moved its frame out of the `&mut Frame`");
    }
}

#[cold]
#[inline(never)]
fn die(what: &str) -> ! {
    let _ = writeln!(
        std::io::stderr(),
        "jitcall: {what}; aborting, since unwinding or returning into the C caller is \
         undefined behaviour"
    );
    std::process::abort()
}

/// The entry stub a callback with `plan` gets, with a note per block, as `explain`
/// would show it. The context and dispatcher addresses are placeholders (zero).
pub fn listing(plan: &CallPlan) -> Result<Emitted, Error> {
    if plan.variadic {
        return Err(Error::unsupported("variadic callback"));
    }
    Ok(generate(plan, 0, 0, true)?.0)
}

const RAX: u8 = 0;
const RDX: u8 = 2;

/// The smallest page size: frames above it are probed page by page.
const PAGE: usize = 4096;

/// `rax = ` the low `width` bytes of GPR `reg`, the rest cleared.
fn keep_low_bytes(e: &mut Emitter, reg: u8, width: u8) {
    match width {
        8 => dynasm!(e.ops ; .arch x64 ; mov rax, Rq(reg)),
        4 => dynasm!(e.ops ; .arch x64 ; mov eax, Rd(reg)),
        1 => dynasm!(e.ops ; .arch x64 ; movzx eax, Rb(reg)),
        2 => dynasm!(e.ops ; .arch x64 ; movzx eax, Rw(reg)),
        3 => {
            if reg != RAX {
                dynasm!(e.ops ; .arch x64 ; mov eax, Rd(reg));
            }
            dynasm!(e.ops ; .arch x64 ; and eax, 0xff_ffff);
        }
        _ => {
            if reg != RAX {
                dynasm!(e.ops ; .arch x64 ; mov rax, Rq(reg));
            }
            let shift = 8 * (8 - width as i8);
            dynasm!(e.ops ; .arch x64 ; shl rax, shift ; shr rax, shift);
        }
    }
}

/// The low eightbyte of `xmm{dst}` = one argument eightbyte with only its own bytes
/// (the upper half of `xmm{dst}` is left undefined). Clobbers `rax`.
fn piece_to_xmm(e: &mut Emitter, piece: &RegLoad, dst: u8) {
    match (piece.reg, piece.load) {
        (Reg::Xmm(x), Load::Float32) => {
            dynasm!(e.ops ; .arch x64 ; xorps Rx(dst), Rx(dst) ; movss Rx(dst), Rx(x));
        }
        (Reg::Xmm(x), _) => dynasm!(e.ops ; .arch x64 ; movaps Rx(dst), Rx(x)),
        (Reg::Gpr(g), Load::Bytes(8)) => {
            dynasm!(e.ops ; .arch x64 ; movq Rx(dst), Rq(g.encoding()))
        }
        (Reg::Gpr(g), load) => {
            keep_low_bytes(e, g.encoding(), load.width());
            dynasm!(e.ops ; .arch x64 ; movq Rx(dst), rax);
        }
    }
}

/// Generates the entry stub for `plan`, calling `dispatcher(context, frame)`, and says
/// where in it the context's address sits (the 8-byte immediate of `mov rdi, imm64`).
fn generate(
    plan: &CallPlan,
    context: u64,
    dispatcher: u64,
    with_notes: bool,
) -> Result<(Emitted, usize), Error> {
    let mut e = Emitter::new(with_notes);
    let layout = frame_layout(plan)?;
    let stride = layout.size();
    let sret = plan.ret.location == RetLocation::Memory;
    let sret_slot = disp(stride as u32)?;
    let reserve = disp((stride + if sret { 16 } else { 0 }) as u32)?;
    // Which eightbytes of the frame the stores below define; the rest are zeroed.
    let mut defined = vec![false; stride / 8];

    // After `push rbp` rsp is 16-aligned again (the caller's call pushed 8 bytes).
    e.note(|| format!("prologue: save rbp; reserve the {stride}-byte frame at rsp"));
    dynasm!(e.ops ; .arch x64 ; push rbp ; mov rbp, rsp);
    let mask = -(layout.align() as i32);
    if reserve as usize + layout.align() <= PAGE {
        dynasm!(e.ops ; .arch x64 ; sub rsp, reserve);
        if layout.align() > 16 {
            dynasm!(e.ops ; .arch x64 ; and rsp, mask);
        }
    } else {
        // A frame larger than a page: touch every page on the way down, so that a
        // stack overflow hits the guard page instead of jumping over it.
        e.note(|| "probe the frame's pages from the top down".into());
        let probe = e.ops.new_dynamic_label();
        dynasm!(e.ops
            ; .arch x64
            ; lea rax, [rsp - reserve]
            ; and rax, mask
            ; =>probe
            ; sub rsp, PAGE as i32
            ; or QWORD [rsp], 0
            ; cmp rsp, rax
            ; ja =>probe
            ; mov rsp, rax
        );
    }
    if sret {
        e.note(|| "keep the hidden result pointer (sret, in rdi) above the frame".into());
        at!(e.ops, Base::Rsp, sret_slot, [mov QWORD], [, rdi]);
    }

    // Register arguments first: rdi, rsi and rcx are needed for long copies below.
    for (i, arg) in plan.args.iter().enumerate() {
        let ArgLocation::Registers(loads) = &arg.location else {
            continue;
        };
        if loads.is_empty() {
            continue;
        }
        e.note(|| {
            let regs: Vec<String> = loads
                .iter()
                .map(|l| describe_store(l.reg, l.load))
                .collect();
            format!("argument {i}: store {}", regs.join(", "))
        });
        for l in loads {
            defined[(arg.frame_offset + l.offset) as usize / 8] = true;
        }
        if let [lo, hi] = loads.as_slice() {
            // Two eightbytes: one 16-byte store, so that a closure reading the whole
            // argument at once gets it forwarded from the store (from two 8-byte
            // stores it could not, and would wait for both to retire).
            debug_assert_eq!((lo.offset, hi.offset), (0, 8));
            piece_to_xmm(&mut e, lo, 15);
            piece_to_xmm(&mut e, hi, 14);
            let d = disp(arg.frame_offset)?;
            dynasm!(e.ops ; .arch x64 ; punpcklqdq xmm15, xmm14);
            at!(e.ops, Base::Rsp, d, [movups OWORD], [, xmm15]);
            continue;
        }
        for l in loads {
            let d = disp(arg.frame_offset + l.offset)?;
            match (l.reg, l.load) {
                (Reg::Gpr(g), Load::Bytes(8)) => {
                    at!(e.ops, Base::Rsp, d, [mov QWORD], [, Rq(g.encoding())]);
                }
                (Reg::Gpr(g), load) => {
                    keep_low_bytes(&mut e, g.encoding(), load.width());
                    at!(e.ops, Base::Rsp, d, [mov QWORD], [, rax]);
                }
                (Reg::Xmm(x), Load::Float32) => {
                    dynasm!(e.ops ; .arch x64 ; movd eax, Rx(x));
                    at!(e.ops, Base::Rsp, d, [mov QWORD], [, rax]);
                }
                (Reg::Xmm(x), _) => at!(e.ops, Base::Rsp, d, [movsd QWORD], [, Rx(x)]),
            }
        }
    }

    // Then the caller's stack arguments: whole eightbytes, except that the padding of
    // a last partial eightbyte (whatever the caller left there) is cleared.
    let mut r10_set = false;
    for (i, arg) in plan.args.iter().enumerate() {
        let ArgLocation::Stack { offset } = arg.location else {
            continue;
        };
        e.note(|| {
            format!(
                "argument {i}: copy {} bytes from the caller's stack at [rbp + 16 + {offset}]",
                arg.size
            )
        });
        if !r10_set {
            dynasm!(e.ops ; .arch x64 ; lea r10, [rbp + 16]);
            r10_set = true;
        }
        let start = arg.frame_offset as usize / 8;
        defined[start..start + arg.size.div_ceil(8) as usize].fill(true);
        let whole = arg.size / 8 * 8;
        let (src, dst) = (disp(offset)?, disp(arg.frame_offset)?);
        if whole > UNROLL_LIMIT {
            let n = disp(whole)?;
            at!(e.ops, Base::R10, src, [lea rsi,], []);
            at!(e.ops, Base::Rsp, dst, [lea rdi,], []);
            dynasm!(e.ops ; .arch x64 ; mov ecx, n ; rep movsb);
        } else {
            e.copy_to_stack(dst, Base::R10, src, whole);
        }
        let tail = (arg.size - whole) as u8;
        if tail > 0 {
            let (src, dst) = (src + disp(whole)?, dst + disp(whole)?);
            match tail {
                1 => at!(e.ops, Base::R10, src, [movzx eax, BYTE], []),
                2 => at!(e.ops, Base::R10, src, [movzx eax, WORD], []),
                4 => at!(e.ops, Base::R10, src, [mov eax, DWORD], []),
                _ => {
                    at!(e.ops, Base::R10, src, [mov rax, QWORD], []);
                    keep_low_bytes(&mut e, RAX, tail);
                }
            }
            at!(e.ops, Base::Rsp, dst, [mov QWORD], [, rax]);
        }
    }

    // Everything else is zeroed: the result area, gaps, padding.
    zero_undefined(&mut e, &defined)?;

    e.note(|| "call the dispatcher: rdi = context, rsi = frame".into());
    let (context, dispatcher) = (context as i64, dispatcher as i64);
    // `mov rdi, imm64` is REX.W, the opcode, then the immediate.
    let context_at = e.ops.offset().0 + 2;
    dynasm!(e.ops
        ; .arch x64
        ; mov rdi, QWORD context
        ; mov rsi, rsp
        ; mov rax, QWORD dispatcher
        ; call rax
    );

    load_result(&mut e, plan, sret_slot)?;
    e.note(|| "epilogue: restore rsp and rbp, return".into());
    dynasm!(e.ops ; .arch x64 ; leave ; ret);

    let code = e
        .ops
        .finalize()
        .map_err(|err| Error::Encoding(format!("{err:?}")))?;
    if code.get(context_at..context_at + 8) != Some(&context.to_le_bytes()[..]) {
        return Err(Error::Encoding(
            "the callback stub's context is not where it was emitted".into(),
        ));
    }
    let emitted = Emitted {
        code,
        notes: e.notes.unwrap_or_default(),
    };
    Ok((emitted, context_at))
}

/// Zeroes every eightbyte of the frame that `defined` does not mark: 16-byte stores
/// where aligned, `rep stosb` for long runs.
fn zero_undefined(e: &mut Emitter, defined: &[bool]) -> Result<(), Error> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < defined.len() {
        if defined[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < defined.len() && !defined[i] {
            i += 1;
        }
        runs.push((8 * start as u32, 8 * i as u32));
    }
    if runs.is_empty() {
        return Ok(());
    }
    e.note(|| {
        let spans: Vec<String> = runs.iter().map(|(a, b)| format!("[{a}, {b})")).collect();
        format!("zero the rest of the frame: {}", spans.join(", "))
    });
    // rax and xmm15 are zeroed when first needed (rep stosb leaves rax zero too).
    let (mut rax_zero, mut xmm15_zero) = (false, false);
    for (start, end) in runs {
        if end - start > 4 * UNROLL_LIMIT {
            let (at, n) = (disp(start)?, disp(end - start)?);
            at!(e.ops, Base::Rsp, at, [lea rdi,], []);
            dynasm!(e.ops ; .arch x64 ; mov ecx, n ; xor eax, eax ; rep stosb);
            rax_zero = true;
            continue;
        }
        let mut at = start;
        while at < end {
            let d = disp(at)?;
            if at % 16 == 0 && end - at >= 16 {
                if !xmm15_zero {
                    dynasm!(e.ops ; .arch x64 ; xorps xmm15, xmm15);
                    xmm15_zero = true;
                }
                at!(e.ops, Base::Rsp, d, [movaps OWORD], [, xmm15]);
                at += 16;
            } else {
                if !rax_zero {
                    dynasm!(e.ops ; .arch x64 ; xor eax, eax);
                    rax_zero = true;
                }
                at!(e.ops, Base::Rsp, d, [mov QWORD], [, rax]);
                at += 8;
            }
        }
    }
    Ok(())
}

/// Loads the result the closure left at the frame's offset 0 where the caller expects
/// it.
fn load_result(e: &mut Emitter, plan: &CallPlan, sret_slot: i32) -> Result<(), Error> {
    match &plan.ret.location {
        RetLocation::Nothing => {}
        RetLocation::Registers(pieces) => {
            e.note(|| {
                let names: Vec<&str> = pieces.iter().map(|p| p.register_name()).collect();
                format!("load the result into {}", names.join(", "))
            });
            if let [lo, hi] = pieces.as_slice()
                && (lo.offset, lo.width, hi.offset, hi.width) == (0, 8, 8, 8)
            {
                // A 16-byte result, most likely written by one 16-byte store: one
                // 16-byte load (two 8-byte loads from it would not be forwarded).
                let src = match lo.reg {
                    RetReg::Xmm0 => 0,
                    RetReg::Xmm1 => 1,
                    _ => 15,
                };
                dynasm!(e.ops ; .arch x64 ; movups Rx(src), OWORD [rsp]);
                match lo.reg {
                    RetReg::Rax => dynasm!(e.ops ; .arch x64 ; movq rax, Rx(src)),
                    RetReg::Rdx => dynasm!(e.ops ; .arch x64 ; movq rdx, Rx(src)),
                    _ => {}
                }
                match hi.reg {
                    RetReg::Xmm0 => dynasm!(e.ops ; .arch x64 ; movhlps xmm0, Rx(src)),
                    RetReg::Xmm1 => dynasm!(e.ops ; .arch x64 ; movhlps xmm1, Rx(src)),
                    RetReg::Rax => {
                        dynasm!(e.ops ; .arch x64 ; movhlps xmm14, Rx(src) ; movq rax, xmm14)
                    }
                    RetReg::Rdx => {
                        dynasm!(e.ops ; .arch x64 ; movhlps xmm14, Rx(src) ; movq rdx, xmm14)
                    }
                }
                return Ok(());
            }
            // Loads of the piece's own width: a closure's 4-byte store of an `int`
            // forwards to a 4-byte load, while a wider load would wait for it to retire.
            for p in pieces {
                let d = disp(p.offset)?;
                match p.reg {
                    RetReg::Rax | RetReg::Rdx => {
                        let r = if p.reg == RetReg::Rax { RAX } else { RDX };
                        match p.width {
                            1 => at!(e.ops, Base::Rsp, d, [movzx Rd(r), BYTE], []),
                            2 => at!(e.ops, Base::Rsp, d, [movzx Rd(r), WORD], []),
                            4 => at!(e.ops, Base::Rsp, d, [mov Rd(r), DWORD], []),
                            _ => at!(e.ops, Base::Rsp, d, [mov Rq(r), QWORD], []),
                        }
                    }
                    RetReg::Xmm0 | RetReg::Xmm1 => {
                        let x = if p.reg == RetReg::Xmm0 { 0 } else { 1 };
                        if p.width <= 4 {
                            at!(e.ops, Base::Rsp, d, [movss Rx(x), DWORD], []);
                        } else {
                            at!(e.ops, Base::Rsp, d, [movsd Rx(x), QWORD], []);
                        }
                    }
                }
            }
        }
        RetLocation::X87 { count } => {
            e.note(|| {
                if *count == 2 {
                    "push the result: imaginary part, then real part into st(0)".into()
                } else {
                    "push the result into st(0)".into()
                }
            });
            if *count == 2 {
                dynasm!(e.ops ; .arch x64 ; fld TWORD [rsp + 16]);
            }
            dynasm!(e.ops ; .arch x64 ; fld TWORD [rsp]);
        }
        RetLocation::Memory => {
            let size = plan.ret.size;
            e.note(|| format!("copy the {size}-byte result through sret; return it in rax"));
            at!(e.ops, Base::Rsp, sret_slot, [mov r10, QWORD], []);
            if size > UNROLL_LIMIT {
                let n = disp(size)?;
                dynasm!(e.ops ; .arch x64 ; mov rdi, r10 ; mov rsi, rsp ; mov ecx, n ; rep movsb);
            } else {
                copy_exact_to_r10(e, size)?;
            }
            dynasm!(e.ops ; .arch x64 ; mov rax, r10);
        }
    }
    Ok(())
}

/// Copies exactly `len` bytes from `[rsp]` to `[r10]` (the caller's result object is
/// not padded): 16-byte chunks through `xmm15`, then an 8-, 4-, 2- and 1-byte tail
/// through `rax`.
fn copy_exact_to_r10(e: &mut Emitter, len: u32) -> Result<(), Error> {
    let mut done = 0u32;
    while done < len {
        let d = disp(done)?;
        done += match len - done {
            16.. => {
                at!(e.ops, Base::Rsp, d, [movups xmm15, OWORD], []);
                at!(e.ops, Base::R10, d, [movups OWORD], [, xmm15]);
                16
            }
            8..=15 => {
                at!(e.ops, Base::Rsp, d, [mov rax, QWORD], []);
                at!(e.ops, Base::R10, d, [mov QWORD], [, rax]);
                8
            }
            4..=7 => {
                at!(e.ops, Base::Rsp, d, [mov eax, DWORD], []);
                at!(e.ops, Base::R10, d, [mov DWORD], [, eax]);
                4
            }
            2..=3 => {
                at!(e.ops, Base::Rsp, d, [movzx eax, WORD], []);
                at!(e.ops, Base::R10, d, [mov WORD], [, ax]);
                2
            }
            _ => {
                at!(e.ops, Base::Rsp, d, [movzx eax, BYTE], []);
                at!(e.ops, Base::R10, d, [mov BYTE], [, al]);
                1
            }
        };
    }
    Ok(())
}

/// `edi (low 4 bytes)`, `xmm0 (low 8 bytes)`, ... for notes.
fn describe_store(reg: Reg, load: Load) -> String {
    match reg {
        Reg::Gpr(g) => format!("{} ({} byte(s))", g.name(8), load.width()),
        Reg::Xmm(x) => format!("xmm{x} ({} bytes)", load.width()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Type;

    /// A callback made from this thread's template of its kind runs its own closure,
    /// and its code is byte for byte the stub compiled afresh for its context.
    #[test]
    fn templated_stubs_are_the_stubs_compiled_for_their_context() {
        let sig = Signature::new(Type::Int, [Type::Int]);
        let make = |k: i32| {
            Callback::new(&sig, move |frame: &mut Frame| {
                let x: i32 = frame.arg(0);
                frame.set_ret(x * 10 + k);
            })
            .unwrap()
        };
        let callbacks: Vec<_> = (1..=3).map(make).collect();
        for (k, cb) in (1..=3).zip(&callbacks) {
            // SAFETY: the callback has this signature and lives across the call.
            let f: extern "C" fn(i32) -> i32 = unsafe { std::mem::transmute(cb.code_ptr()) };
            assert_eq!(f(4), 40 + k, "callback {k} ran another closure");
            let ctx = cb.context.as_ptr();
            let (fresh, _) =
                generate(cb.plan(), ctx as u64, dispatcher_of(&callbacks[0]), false).unwrap();
            // SAFETY: the stub is published, readable code of at least fresh's length
            // (the same plan gives the same length), alive while `cb` is.
            let code =
                unsafe { std::slice::from_raw_parts(cb.code_ptr().cast::<u8>(), fresh.code.len()) };
            assert_eq!(code, &fresh.code[..], "callback {k}");
        }
        // The later ones share the first one's plan and signature.
        assert!(std::ptr::eq(callbacks[0].plan(), callbacks[2].plan()));
    }

    fn dispatcher_of<F: Fn(&mut Frame)>(_: &Callback<F>) -> u64 {
        dispatch::<F> as *const () as u64
    }

    #[test]
    fn stubs_encode_for_every_return_location() {
        let s = |fields: Vec<Type>| Type::structure(fields);
        let sigs = [
            Signature::new(Type::Int, [Type::Int, Type::Int]),
            Signature::new(Type::Void, []),
            Signature::new(Type::LongDouble, [Type::LongDouble]),
            Signature::new(Type::complex(Type::LongDouble), [Type::Char]),
            Signature::new(s(vec![Type::Long; 3]), vec![Type::Long; 7]),
            Signature::new(s(vec![Type::UChar; 200]), [s(vec![Type::UChar; 100])]),
        ];
        for sig in sigs {
            let plan = sysv::classify(&sig).unwrap();
            let listing = listing(&plan).unwrap();
            assert!(!listing.code.is_empty(), "{sig}");
            assert!(!listing.notes.is_empty(), "{sig}");
        }
    }
}
