//! The call trampolines: a plan in, the code through which Rust calls a C function.
//!
//! Entries generated from one plan (see [`Entry`]):
//!
//! * **frame entry** `extern "C" fn(frame: *mut u8, target: *const c_void)`: arguments
//!   are read from the packed [`crate::Frame`], whose slots are padded to eightbytes,
//!   so every load may read whole eightbytes; the result is stored back into the frame.
//! * **bound** forms of it with the target baked in (`mov r11, imm64`): call-then-store,
//!   a **tail jump** for plans with everything in registers (load the registers, jump
//!   to the target, which returns straight to our caller), a **call-return** for plans
//!   with stack arguments whose result our caller stores (call, then return the result
//!   registers as they are), and a **batch loop**. [`bound_entry`] picks the form
//!   `Function::call_frame` runs.
//! * **pointer entry** `extern "C" fn(ret: *mut c_void, args: *const *const c_void)`,
//!   libffi's `ffi_call` shape with the target baked in: every load and store is
//!   exact-length, because user memory is not padded.
//!
//! With errno capture ([`crate::Errno`]) the bound entries are call-then-store, the
//! batch loop and the pointer entry only: each stores the result, then calls libc's
//! `__errno_location` (its address baked in) and stores `errno` into the errno slot —
//! at `frame_size` in the frame or row, or through the pointer entry's third argument,
//! kept at `[rbp - 24]` — before returning to any Rust code; with
//! [`Errno::SetAndCapture`] it first writes errno from the slot, before the arguments
//! are loaded. Entries without capture contain no errno instruction at all.
//!
//! Memory operands use a fixed base register (`rbx`, `r10`, `rsp` or `r12`; the last two
//! take a SIB byte).
//!
//! The trampoline's stack frame at the `call` (frame entry; the pointer entry also
//! saves `r12` in the slot marked *pad*):
//!
//! ```text
//!            ┌──────────────────────────┐  higher addresses
//!            │ return address to caller │
//!   rbp ───► │ saved rbp                │
//!            │ saved rbx  (frame base)  │  rbp - 8
//!            │ pad / saved r12          │  rbp - 16
//!            │ errno slot's address     │  rbp - 24 (pointer entry with errno, + pad)
//!            │ (alignment gap, if any)  │
//!            ├──────────────────────────┤  ◄── 16-byte aligned (or more)
//!            │ stack argument n         │  rsp + offset of n
//!            │ ...                      │
//!   rsp ───► │ stack argument 0         │  rsp + 0
//!            └──────────────────────────┘
//!   at the call: rsp % stack_align == 0, al = vector registers used,
//!                r11 = target, rdi = sret pointer when the result is MEMORY.
//! ```
//!
//! Register discipline: `rbx` holds the frame (or the result pointer), `r12` the
//! argument-pointer array, `r11` the target, `r10` the current argument's address and
//! `rax` is scratch until `%al` is set last. Stack arguments are copied first, since a
//! large copy uses `rep movsb` (`rdi`, `rsi`, `rcx`), then xmm registers, then GPRs.
//!
//! Which entry a caller needs is this module's to say (the bound form, the batch
//! loop's stride); compiling it once and keeping it is the cache's.

use super::{Base, Emitted, Emitter, RAX, RCX, RDX, UNROLL_LIMIT, at, disp};
use crate::abi::{ArgLocation, CallPlan, Gpr, Load, Reg, RetLocation, RetPiece, RetReg};
use crate::{Errno, Error};
use dynasmrt::{DynasmApi, DynasmLabelApi, dynasm};

/// Which entry to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Entry {
    /// `fn(frame, target)`: call, then store the result into the frame.
    Frame,
    /// `fn(ret, args)` with the target baked in: libffi's shape, exact-length loads
    /// and stores.
    Pointers {
        /// The callee's address.
        target: u64,
    },
    /// `fn(frame)` with the target baked in: call, then store.
    BoundFrame {
        /// The callee's address.
        target: u64,
    },
    /// `fn(frame) -> result registers` with the target baked in: load the argument
    /// registers and jump to the target, which returns straight to our caller. Only for
    /// plans with no stack arguments and at most one result register ([`tail_jump_ok`]).
    TailJump {
        /// The callee's address.
        target: u64,
    },
    /// `fn(frame) -> result registers` with the target baked in, for plans with stack
    /// arguments whose result goes back as the tail jump's does ([`call_return_ok`]):
    /// reserve the outgoing area, copy the stack arguments, load the registers, call,
    /// release the area and return the result registers as the target left them. No
    /// frame pointer and no saved register: nothing is needed after the call.
    CallReturn {
        /// The callee's address.
        target: u64,
    },
    /// `fn(rows, count)`: call the target once per row, each row a frame, rows
    /// `frame_size` bytes apart.
    Batch {
        /// The callee's address.
        target: u64,
    },
}

/// How the bound entry `Function::call_frame` runs ([`bound_entry`]) hands back the
/// result. The two forms that leave a result register come first, so `call_frame`
/// tells them from the rest with one compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum FastKind {
    /// Tail jump or call-return, one eightbyte back in `rax`.
    I,
    /// Tail jump or call-return, one eightbyte back in `xmm0`.
    F,
    /// Call-then-store: `fn(frame)` stores the result into the frame itself.
    Store,
    /// Tail jump or call-return, nothing to store (`void`, or the callee wrote through
    /// sret).
    Nothing,
}

/// The bound entry `Function::call_frame` runs for `plan` at `target`, and how it hands
/// back the result: a tail jump where the plan allows, a call that hands back the
/// result register where it has stack arguments, else call-then-store. A trampoline
/// that captures errno must run after the call, so it is always call-then-store.
pub(crate) fn bound_entry(plan: &CallPlan, target: u64, errno: Errno) -> (Entry, FastKind) {
    if errno.captures() {
        return (Entry::BoundFrame { target }, FastKind::Store);
    }
    let kind = fast_kind(plan);
    let entry = match kind {
        FastKind::Store => Entry::BoundFrame { target },
        _ if tail_jump_ok(plan) => Entry::TailJump { target },
        _ => Entry::CallReturn { target },
    };
    (entry, kind)
}

fn fast_kind(plan: &CallPlan) -> FastKind {
    if !tail_jump_ok(plan) && !call_return_ok(plan) {
        return FastKind::Store;
    }
    match &plan.ret.location {
        RetLocation::Registers(pieces) => match pieces.as_slice() {
            [a] if (a.reg, a.offset) == (RetReg::Rax, 0) => FastKind::I,
            [a] if (a.reg, a.offset) == (RetReg::Xmm0, 0) && a.width <= 8 => FastKind::F,
            _ => FastKind::Store,
        },
        RetLocation::Nothing | RetLocation::Memory => FastKind::Nothing,
        RetLocation::X87 { .. } => FastKind::Store,
    }
}

/// Whether a plan can use the tail-jump form: everything in registers, and a result
/// that the caller can store with one register store (one eightbyte in `rax` or
/// `xmm0`), or none to store (`void`, or the callee writes through sret).
///
/// Two-eightbyte results take call-then-store instead: it measured no slower than
/// a tail jump with the pair stored by the caller, and it leaves `call_frame` one
/// test of the result form instead of a dispatch over four pair forms.
pub(crate) fn tail_jump_ok(plan: &CallPlan) -> bool {
    !has_stack_args(plan) && returns_one_register(plan)
}

/// Whether a plan can use the call-return form ([`Entry::CallReturn`]): stack
/// arguments, a result as for [`tail_jump_ok`], and a stack aligned to no more than
/// 16 (more would need a frame pointer to undo `and rsp`).
pub(crate) fn call_return_ok(plan: &CallPlan) -> bool {
    has_stack_args(plan) && returns_one_register(plan) && plan.stack_align <= 16
}

fn has_stack_args(plan: &CallPlan) -> bool {
    plan.args
        .iter()
        .any(|a| matches!(a.location, ArgLocation::Stack { .. }))
}

/// One eightbyte back in `rax` or `xmm0`, or nothing for the caller to store.
fn returns_one_register(plan: &CallPlan) -> bool {
    match &plan.ret.location {
        RetLocation::Nothing | RetLocation::Memory => true,
        RetLocation::Registers(pieces) => pieces.len() == 1,
        RetLocation::X87 { .. } => false,
    }
}

impl Emitter {
    /// `dst = [base + disp]` for one eightbyte, per its load kind. `exact` forbids
    /// reading past the eightbyte's width (user memory is not padded).
    fn load_gpr(&mut self, dst: u8, base: Base, disp: i32, load: Load, exact: bool) {
        match load {
            Load::SignExtend(1) => at!(self.ops, base, disp, [movsx Rd(dst), BYTE], []),
            Load::SignExtend(_) => at!(self.ops, base, disp, [movsx Rd(dst), WORD], []),
            Load::ZeroExtend(1) => at!(self.ops, base, disp, [movzx Rd(dst), BYTE], []),
            Load::ZeroExtend(_) => at!(self.ops, base, disp, [movzx Rd(dst), WORD], []),
            Load::Bytes(n) if !exact || n == 4 || n == 8 => {
                if n <= 4 {
                    at!(self.ops, base, disp, [mov Rd(dst), DWORD], []);
                } else {
                    at!(self.ops, base, disp, [mov Rq(dst), QWORD], []);
                }
            }
            Load::Bytes(1) => at!(self.ops, base, disp, [movzx Rd(dst), BYTE], []),
            Load::Bytes(2) => at!(self.ops, base, disp, [movzx Rd(dst), WORD], []),
            Load::Bytes(3) => {
                at!(self.ops, base, disp + 2, [movzx eax, BYTE], []);
                dynasm!(self.ops ; .arch x64 ; shl eax, 16);
                at!(self.ops, base, disp, [movzx Rd(dst), WORD], []);
                dynasm!(self.ops ; .arch x64 ; or Rd(dst), eax);
            }
            Load::Bytes(n) => {
                // 5..=7 bytes: the high bytes come from an overlapping dword load.
                let shift = 8 * (8 - n as i8);
                at!(self.ops, base, disp + (n as i32 - 4), [mov eax, DWORD], []);
                dynasm!(self.ops ; .arch x64 ; shr eax, shift ; shl rax, 32);
                at!(self.ops, base, disp, [mov Rd(dst), DWORD], []);
                dynasm!(self.ops ; .arch x64 ; or Rq(dst), rax);
            }
            Load::Float32 | Load::Float64 | Load::SseBytes(_) | Load::Vector(_) => {
                unreachable!("float loads go to xmm registers")
            }
        }
    }

    /// `xmm{dst} = [base + disp]` for one SSE eightbyte (with its SSEUP ones), per its
    /// load kind, reading exactly the eightbyte's bytes (user memory is not padded).
    fn load_xmm(&mut self, dst: u8, base: Base, disp: i32, load: Load) {
        match load {
            Load::Float32 => at!(self.ops, base, disp, [movss Rx(dst), DWORD], []),
            // 1..=7 bytes of SSE data (`_Float16`s, with bytes of no class beside them)
            // are read exactly even from a padded frame: the caller stored them with
            // narrow stores, and a load wider than the store it reads waits for that
            // store to retire instead of forwarding from it (about 6 ns a call,
            // measured on `_Float16 hmul(_Float16, _Float16)`).
            Load::SseBytes(n) => self.load_xmm_bytes(dst, base, disp, n),
            Load::Vector(n) => self.vector_move(true, n, dst, base, disp),
            _ => at!(self.ops, base, disp, [movsd Rx(dst), QWORD], []),
        }
    }

    /// `xmm{dst}`'s low `n` bytes (1..=7) = `[base + disp]`, read with loads no wider
    /// than the data: a dword or word (or byte) for the low part, then the word and
    /// byte above it inserted into their 16-bit lanes. SSE2 only. Clobbers `eax`.
    fn load_xmm_bytes(&mut self, dst: u8, base: Base, disp: i32, n: u8) {
        let mut done = match n {
            4.. => {
                at!(self.ops, base, disp, [movss Rx(dst), DWORD], []);
                4
            }
            2..=3 => {
                at!(self.ops, base, disp, [movzx eax, WORD], []);
                dynasm!(self.ops ; .arch x64 ; movd Rx(dst), eax);
                2
            }
            _ => {
                at!(self.ops, base, disp, [movzx eax, BYTE], []);
                dynasm!(self.ops ; .arch x64 ; movd Rx(dst), eax);
                1
            }
        };
        // The bytes above the low part: a whole word at byte 4, then a lone byte
        // (zero-extended into its lane) at byte 2, 4 or 6.
        if n - done >= 2 {
            at!(self.ops, base, disp + done as i32, [pinsrw Rx(dst), WORD], [, done as i8 / 2]);
            done += 2;
        }
        if n > done {
            at!(self.ops, base, disp + done as i32, [movzx eax, BYTE], []);
            dynasm!(self.ops ; .arch x64 ; pinsrw Rx(dst), eax, done as i8 / 2);
        }
    }

    /// Stores the low `width` bytes of `reg` (rax or rdx) at `[rbx + disp]`, exactly.
    /// Clobbers `reg`.
    fn store_gpr_exact(&mut self, reg: u8, disp: i32, width: u8) {
        let mut disp = disp;
        let mut width = width;
        while width > 0 {
            width -= match width {
                8 => {
                    at!(self.ops, Base::Rbx, disp, [mov QWORD], [, Rq(reg)]);
                    8
                }
                4..=7 => {
                    at!(self.ops, Base::Rbx, disp, [mov DWORD], [, Rd(reg)]);
                    if width > 4 {
                        dynasm!(self.ops ; .arch x64 ; shr Rq(reg), 32);
                    }
                    disp += 4;
                    4
                }
                2..=3 => {
                    at!(self.ops, Base::Rbx, disp, [mov WORD], [, Rw(reg)]);
                    if width > 2 {
                        dynasm!(self.ops ; .arch x64 ; shr Rd(reg), 16);
                    }
                    disp += 2;
                    2
                }
                _ => {
                    at!(self.ops, Base::Rbx, disp, [mov BYTE], [, Rb(reg)]);
                    1
                }
            };
        }
    }
}

fn gpr(g: Gpr) -> u8 {
    g.encoding()
}

/// The frame entry `plan` compiles to, with a note per block, as `explain` shows it.
/// The code is position-independent: it is the same at any address.
pub fn listing(plan: &CallPlan) -> Result<Emitted, Error> {
    listing_of(plan, Entry::Frame, Errno::Untouched)
}

/// [`listing`] for any entry, with `errno` handled as it says.
pub(crate) fn listing_of(plan: &CallPlan, entry: Entry, errno: Errno) -> Result<Emitted, Error> {
    generate(plan, entry, errno, true)
}

/// Where the emitter reads arguments from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A frame whose address is in this register (slots padded to eightbytes).
    Frame(Base),
    /// The libffi-style pointer array in `r12` (exact-length reads through `r10`).
    Pointers,
}

/// Generates one entry of the trampoline for `plan` (without notes), with `errno`
/// handled as it says.
pub(crate) fn emit(plan: &CallPlan, entry: Entry, errno: Errno) -> Result<Vec<u8>, Error> {
    generate(plan, entry, errno, false).map(|e| e.code)
}

/// Where an entry finds the errno slot.
#[derive(Clone, Copy)]
enum ErrnoAt {
    /// In the frame (the row) at `rbx`, at this displacement.
    Frame(i32),
    /// Through the pointer the pointer entry keeps at `[rbp - 24]`.
    Pointer,
}

fn generate(
    plan: &CallPlan,
    entry: Entry,
    errno: Errno,
    with_notes: bool,
) -> Result<Emitted, Error> {
    let mut e = Emitter::new(with_notes);
    if errno.captures()
        && matches!(
            entry,
            Entry::Frame | Entry::TailJump { .. } | Entry::CallReturn { .. }
        )
    {
        // Those entries have nothing left to run after the call (or no target of their
        // own): `bound_entry` never picks them for a capturing function.
        return Err(Error::Encoding(format!("{entry:?} cannot capture errno")));
    }
    let in_frame = ErrnoAt::Frame(disp(crate::errno::slot_offset(plan))?);
    match entry {
        Entry::TailJump { target } => {
            debug_assert!(tail_jump_ok(plan));
            e.note(|| "r10 = frame".into());
            dynasm!(e.ops ; .arch x64 ; mov r10, rdi);
            e.load_arguments(plan, Source::Frame(Base::R10))?;
            e.note(|| "jump to the target: it returns straight to our caller".into());
            let t = target as i64;
            dynasm!(e.ops ; .arch x64 ; mov r11, QWORD t ; jmp r11);
        }
        Entry::CallReturn { .. } => {
            debug_assert!(call_return_ok(plan));
            // At entry rsp is 8 off a 16-byte boundary; the area is a multiple of 16.
            debug_assert_eq!(plan.stack_size % 16, 0);
            e.note(|| "r10 = frame".into());
            dynasm!(e.ops ; .arch x64 ; mov r10, rdi);
            e.reserve_stack(plan, 8)?;
            e.call_body(plan, Source::Frame(Base::R10), entry)?;
            if plan.uses_wide_registers() {
                e.vzeroupper();
            }
            e.note(|| {
                "release the outgoing area and return the result registers as they are".into()
            });
            let reserve = disp(plan.stack_size + 8)?;
            dynasm!(e.ops ; .arch x64 ; add rsp, reserve ; ret);
        }
        Entry::Frame | Entry::BoundFrame { .. } => {
            // After `push rbp; push rbx` rsp is 8 off a 16-byte boundary.
            e.note(|| "prologue: save rbp and rbx; rbx = frame".into());
            dynasm!(e.ops ; .arch x64 ; push rbp ; mov rbp, rsp ; push rbx ; mov rbx, rdi);
            if entry == Entry::Frame {
                e.note(|| "r11 = target".into());
                dynasm!(e.ops ; .arch x64 ; mov r11, rsi);
            }
            e.reserve_stack(plan, 8)?;
            e.errno_before(errno, in_frame);
            e.call_body(plan, Source::Frame(Base::Rbx), entry)?;
            e.store_result(plan, false)?;
            // The upper halves are clean before any other code runs, libc's
            // __errno_location included.
            if plan.uses_wide_registers() {
                e.vzeroupper();
            }
            e.errno_after(errno, in_frame);
            e.note(|| "epilogue: restore rbx and rbp, return".into());
            dynasm!(e.ops ; .arch x64 ; mov rbx, QWORD [rbp - 8] ; leave ; ret);
        }
        Entry::Pointers { .. } => {
            e.note(|| "prologue: save rbp, rbx, r12".into());
            dynasm!(e.ops ; .arch x64 ; push rbp ; mov rbp, rsp ; push rbx ; push r12);
            if errno.captures() {
                // Two more eightbytes keep rsp 16-byte aligned.
                e.note(|| "keep the errno slot's address (rdx) at [rbp - 24]".into());
                dynasm!(e.ops ; .arch x64 ; push rdx ; push rdx);
            }
            e.note(|| "rbx = result pointer, r12 = argument pointers".into());
            dynasm!(e.ops ; .arch x64 ; mov rbx, rdi ; mov r12, rsi);
            e.reserve_stack(plan, 0)?;
            e.errno_before(errno, ErrnoAt::Pointer);
            e.call_body(plan, Source::Pointers, entry)?;
            e.store_result(plan, true)?;
            // The upper halves are clean before any other code runs, libc's
            // __errno_location included.
            if plan.uses_wide_registers() {
                e.vzeroupper();
            }
            e.errno_after(errno, ErrnoAt::Pointer);
            e.epilogue_r12();
        }
        Entry::Batch { .. } => {
            // A batch's rows are frames laid end to end (`frame_size` is a multiple of
            // the frame's alignment), each with an errno slot when errno is captured.
            let stride = match errno.captures() {
                true => disp(crate::errno::row_size(plan))?,
                false => disp(plan.frame_size)?,
            };
            e.note(|| "prologue: save rbp, rbx, r12; rbx = first row, r12 = rows left".into());
            dynasm!(e.ops
                ; .arch x64
                ; push rbp
                ; mov rbp, rsp
                ; push rbx
                ; push r12
                ; mov rbx, rdi
                ; mov r12, rsi
            );
            let done = e.ops.new_dynamic_label();
            let again = e.ops.new_dynamic_label();
            dynasm!(e.ops ; .arch x64 ; test r12, r12 ; jz =>done);
            e.reserve_stack(plan, 0)?;
            e.note(|| "loop: one call per row".into());
            dynasm!(e.ops ; .arch x64 ; =>again);
            e.errno_before(errno, in_frame);
            e.call_body(plan, Source::Frame(Base::Rbx), entry)?;
            e.store_result(plan, false)?;
            e.errno_after(errno, in_frame);
            e.note(|| "next row".into());
            dynasm!(e.ops
                ; .arch x64
                ; add rbx, stride
                ; dec r12
                ; jnz =>again
                ; =>done
            );
            if plan.uses_wide_registers() {
                e.vzeroupper();
            }
            e.epilogue_r12();
        }
    }
    let code = e
        .ops
        .finalize()
        .map_err(|err| Error::Encoding(format!("{err:?}")))?;
    Ok(Emitted {
        code,
        notes: e.notes.unwrap_or_default(),
    })
}

impl Emitter {
    /// Reserves the outgoing stack area; `pad` is 8 when rsp is 8 off a 16-byte
    /// boundary after the prologue's pushes.
    fn reserve_stack(&mut self, plan: &CallPlan, pad: u32) -> Result<(), Error> {
        let reserve = plan.stack_size + pad;
        if reserve == 0 && plan.stack_align <= 16 {
            return Ok(());
        }
        self.note(|| {
            let mut text = if plan.stack_size == 0 {
                "keep rsp 16-byte aligned for the call (no stack arguments)".to_string()
            } else {
                format!(
                    "reserve {} bytes of outgoing stack arguments",
                    plan.stack_size
                )
            };
            if pad > 0 && plan.stack_size > 0 {
                text.push_str(", plus 8 to keep rsp 16-byte aligned");
            }
            if plan.stack_align > 16 {
                text.push_str(&format!(", rsp aligned to {}", plan.stack_align));
            }
            text
        });
        if reserve > 0 {
            let r = disp(reserve)?;
            dynasm!(self.ops ; .arch x64 ; sub rsp, r);
        }
        if plan.stack_align > 16 {
            let mask = -(plan.stack_align as i32);
            dynasm!(self.ops ; .arch x64 ; and rsp, mask);
        }
        Ok(())
    }

    /// [`Emitter::load_arguments`], then the call itself.
    fn call_body(&mut self, plan: &CallPlan, src: Source, entry: Entry) -> Result<(), Error> {
        self.load_arguments(plan, src)?;
        self.note(|| "call the target".into());
        match entry {
            Entry::BoundFrame { target }
            | Entry::CallReturn { target }
            | Entry::Pointers { target }
            | Entry::Batch { target, .. } => {
                let t = target as i64;
                dynasm!(self.ops ; .arch x64 ; mov r11, QWORD t ; call r11);
            }
            _ => dynasm!(self.ops ; .arch x64 ; call r11),
        }
        Ok(())
    }

    /// With [`Errno::SetAndCapture`], errno = the slot's value, just before the
    /// arguments are loaded (`__errno_location` may clobber every argument register;
    /// rsp is 16-byte aligned here, as at the target's call).
    fn errno_before(&mut self, errno: Errno, at: ErrnoAt) {
        if !errno.sets() {
            return;
        }
        self.note(|| "errno = the errno slot: rax = __errno_location(); *rax = slot".into());
        let location = crate::errno::location_function() as i64;
        dynasm!(self.ops ; .arch x64 ; mov rax, QWORD location ; call rax);
        match at {
            ErrnoAt::Frame(d) => at!(self.ops, Base::Rbx, d, [mov ecx, DWORD], []),
            ErrnoAt::Pointer => {
                dynasm!(self.ops ; .arch x64 ; mov rcx, QWORD [rbp - 24] ; mov ecx, DWORD [rcx])
            }
        }
        dynasm!(self.ops ; .arch x64 ; mov DWORD [rax], ecx);
    }

    /// With errno captured, the slot = errno, right after the result was stored (the
    /// result registers are free again, the x87 stack empty) and before anything else
    /// runs.
    fn errno_after(&mut self, errno: Errno, at: ErrnoAt) {
        if !errno.captures() {
            return;
        }
        self.note(|| "capture errno before any other code runs: slot = *__errno_location()".into());
        let location = crate::errno::location_function() as i64;
        dynasm!(self.ops
            ; .arch x64
            ; mov rax, QWORD location
            ; call rax
            ; mov eax, DWORD [rax]
        );
        match at {
            ErrnoAt::Frame(d) => at!(self.ops, Base::Rbx, d, [mov DWORD], [, eax]),
            ErrnoAt::Pointer => {
                dynasm!(self.ops ; .arch x64 ; mov rcx, QWORD [rbp - 24] ; mov DWORD [rcx], eax)
            }
        }
    }

    /// The epilogue of an entry whose prologue pushed rbp (as a frame pointer), rbx and
    /// r12: restore them and return.
    fn epilogue_r12(&mut self) {
        self.note(|| "epilogue: restore r12, rbx and rbp, return".into());
        dynasm!(self.ops
            ; .arch x64
            ; mov rbx, QWORD [rbp - 8]
            ; mov r12, QWORD [rbp - 16]
            ; leave
            ; ret
        );
    }

    /// Everything before the call or jump: stack arguments, registers, the sret
    /// pointer, `%al`.
    fn load_arguments(&mut self, plan: &CallPlan, src: Source) -> Result<(), Error> {
        self.stack_copies(plan, src)?;
        self.register_loads(plan, src)?;
        if plan.ret.location == RetLocation::Memory {
            self.note(|| "hidden result pointer (sret) in rdi".into());
            // The result area is at offset 0 of the frame, or is the caller's pointer.
            match src {
                Source::Frame(Base::R10) => dynasm!(self.ops ; .arch x64 ; mov rdi, r10),
                _ => dynasm!(self.ops ; .arch x64 ; mov rdi, rbx),
            }
        }
        self.set_al(plan);
        Ok(())
    }

    fn set_al(&mut self, plan: &CallPlan) {
        let count = plan.vector_count as i32;
        self.note(|| format!("al = {count}: vector registers used (read by variadic callees)"));
        if count == 0 {
            dynasm!(self.ops ; .arch x64 ; xor eax, eax);
        } else {
            dynasm!(self.ops ; .arch x64 ; mov eax, count);
        }
    }

    /// Copies every stack argument into the outgoing area. Runs before the register
    /// loads: a large copy clobbers rdi, rsi and rcx.
    fn stack_copies(&mut self, plan: &CallPlan, src: Source) -> Result<(), Error> {
        for (i, arg) in plan.args.iter().enumerate() {
            let ArgLocation::Stack { offset } = arg.location else {
                continue;
            };
            let dst = disp(offset)?;
            self.note(|| {
                format!(
                    "argument {i}: copy {} bytes to the stack at [rsp + {offset}]",
                    arg.size
                )
            });
            let slot = disp(8 * i as u32)?;
            let (base, base_disp, len) = match src {
                Source::Frame(base) => (base, disp(arg.frame_offset)?, arg.size.div_ceil(8) * 8),
                Source::Pointers => (Base::R10, 0, arg.size),
            };
            if len > UNROLL_LIMIT {
                match src {
                    Source::Frame(base) => at!(self.ops, base, base_disp, [lea rsi,], []),
                    Source::Pointers => at!(self.ops, Base::R12, slot, [mov rsi, QWORD], []),
                }
                let len = disp(len)?;
                at!(self.ops, Base::Rsp, dst, [lea rdi,], []);
                dynasm!(self.ops ; .arch x64 ; mov ecx, len ; rep movsb);
            } else {
                if src == Source::Pointers {
                    at!(self.ops, Base::R12, slot, [mov r10, QWORD], []);
                }
                self.copy_to_stack(dst, base, base_disp, len);
            }
        }
        Ok(())
    }

    /// Loads every register argument: xmm registers first, GPRs last.
    fn register_loads(&mut self, plan: &CallPlan, src: Source) -> Result<(), Error> {
        let exact = src == Source::Pointers;
        for want_xmm in [true, false] {
            for (i, arg) in plan.args.iter().enumerate() {
                let ArgLocation::Registers(loads) = &arg.location else {
                    continue;
                };
                let mut mine = loads
                    .iter()
                    .filter(|l| matches!(l.reg, Reg::Xmm(_)) == want_xmm)
                    .peekable();
                if mine.peek().is_none() {
                    continue;
                }
                self.note(|| {
                    let regs: Vec<String> = loads
                        .iter()
                        .filter(|l| matches!(l.reg, Reg::Xmm(_)) == want_xmm)
                        .map(|l| describe_load(l.reg, l.load))
                        .collect();
                    format!("argument {i}: load {}", regs.join(", "))
                });
                let (base, base_disp) = match src {
                    Source::Frame(base) => (base, disp(arg.frame_offset)?),
                    Source::Pointers => {
                        let slot = disp(8 * i as u32)?;
                        at!(self.ops, Base::R12, slot, [mov r10, QWORD], []);
                        (Base::R10, 0)
                    }
                };
                for l in mine {
                    let d = base_disp + disp(l.offset)?;
                    match l.reg {
                        Reg::Xmm(x) => self.load_xmm(x, base, d, l.load),
                        Reg::Gpr(g) => self.load_gpr(gpr(g), base, d, l.load, exact),
                    }
                }
            }
        }
        Ok(())
    }

    /// Stores a two-eightbyte result at `[rbx]` with one 16-byte store, if `pieces` is
    /// one (and, for an `exact` store, fills all 16 bytes): the caller may read it back
    /// with one 16-byte load, which would stall on two 8-byte stores (a load forwards
    /// only from a store that contains it).
    fn store_pair(&mut self, pieces: &[RetPiece], exact: bool) -> bool {
        let [a, b] = pieces else { return false };
        // Through a caller's pointer only when the 16 bytes are all the result's.
        if (a.offset, b.offset) != (0, 8) || (exact && (a.width, b.width) != (8, 8)) {
            return false;
        }
        // Gather the halves in xmm15 (low) and xmm14 (high), both free after the call.
        for (piece, x) in [(a, 15u8), (b, 14u8)] {
            match piece.reg {
                RetReg::Rax => dynasm!(self.ops ; .arch x64 ; movq Rx(x), rax),
                RetReg::Rdx => dynasm!(self.ops ; .arch x64 ; movq Rx(x), rdx),
                RetReg::Xmm0 => dynasm!(self.ops ; .arch x64 ; movaps Rx(x), xmm0),
                RetReg::Xmm1 => dynasm!(self.ops ; .arch x64 ; movaps Rx(x), xmm1),
            }
        }
        dynasm!(self.ops ; .arch x64 ; punpcklqdq xmm15, xmm14 ; movups [rbx], xmm15);
        true
    }

    /// Stores the result registers at `[rbx]`: whole eightbytes into a frame, or
    /// exactly `sizeof` the result through a caller's pointer.
    fn store_result(&mut self, plan: &CallPlan, exact: bool) -> Result<(), Error> {
        match &plan.ret.location {
            RetLocation::Nothing | RetLocation::Memory => {}
            RetLocation::Registers(pieces) => {
                self.note(|| {
                    let names: Vec<&str> = pieces.iter().map(|p| p.register_name()).collect();
                    format!("store the result from {}", names.join(", "))
                });
                if self.store_pair(pieces, exact) {
                    return Ok(());
                }
                for p in pieces {
                    let d = disp(p.offset)?;
                    match p.reg {
                        RetReg::Rax | RetReg::Rdx => {
                            let r = if p.reg == RetReg::Rax { RAX } else { RDX };
                            if exact {
                                self.store_gpr_exact(r, d, p.width);
                            } else {
                                at!(self.ops, Base::Rbx, d, [mov QWORD], [, Rq(r)]);
                            }
                        }
                        RetReg::Xmm0 | RetReg::Xmm1 => {
                            let x = if p.reg == RetReg::Xmm0 { 0 } else { 1 };
                            match p.width {
                                16.. => self.vector_move(false, p.width, x, Base::Rbx, d),
                                4 if exact => {
                                    at!(self.ops, Base::Rbx, d, [movss DWORD], [, Rx(x)]);
                                }
                                // `_Float16` data, 2 or 6 bytes: through rcx (free after
                                // the call, never a result register).
                                w if exact && w != 8 => {
                                    dynasm!(self.ops ; .arch x64 ; movq rcx, Rx(x));
                                    self.store_gpr_exact(RCX, d, w);
                                }
                                _ => at!(self.ops, Base::Rbx, d, [movsd QWORD], [, Rx(x)]),
                            }
                        }
                    }
                }
            }
            RetLocation::X87 { count } => {
                self.note(|| {
                    "store the result from st(0) (and st(1)), popping the x87 stack".into()
                });
                dynasm!(self.ops ; .arch x64 ; fstp TWORD [rbx]);
                if *count == 2 {
                    dynasm!(self.ops ; .arch x64 ; fstp TWORD [rbx + 16]);
                }
            }
        }
        Ok(())
    }
}

/// `edi ← char (sign-extended)`, `xmm0 ← low 4 bytes`, ... for notes.
fn describe_load(reg: Reg, load: Load) -> String {
    match (reg, load) {
        (Reg::Gpr(g), Load::SignExtend(n)) => format!("{} (sign-extended {n} byte(s))", g.name(4)),
        (Reg::Gpr(g), Load::ZeroExtend(n)) => format!("{} (zero-extended {n} byte(s))", g.name(4)),
        (Reg::Gpr(g), Load::Bytes(n)) => g.name(n).to_string(),
        (Reg::Xmm(x), Load::Float32) => format!("xmm{x} (low 4 bytes)"),
        (Reg::Xmm(x), Load::SseBytes(n)) => format!("xmm{x} (low {n} bytes)"),
        (Reg::Xmm(x), Load::Vector(16)) => format!("xmm{x} (all 16 bytes)"),
        (Reg::Xmm(x), Load::Vector(32)) => format!("ymm{x} (all 32 bytes)"),
        (Reg::Xmm(x), Load::Vector(n)) => format!("zmm{x} (all {n} bytes)"),
        (Reg::Xmm(x), _) => format!("xmm{x} (low 8 bytes)"),
        (Reg::Gpr(g), _) => g.name(8).to_string(),
    }
}
