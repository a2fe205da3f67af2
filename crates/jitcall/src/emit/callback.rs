//! The callback entry stubs: a plan in, the code through which C calls a Rust closure
//! ([`crate::Callback`]). The plan is read in reverse: where a call loads an argument
//! register from the frame, a stub stores it into one.
//!
//! A stub stores the argument registers and copies the caller's stack arguments into a
//! frame laid out on the machine stack, calls one Rust `extern "C"` dispatcher with the
//! callback's context baked in (`mov rdi, imm64`), and loads the result the closure
//! left in the frame into the result registers (or copies it through the hidden sret
//! pointer). Nothing is allocated and nothing is interpreted per call: the plan was
//! turned into straight-line code once.
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
//!            │ errno's address              │  rsp + frame_size + 8
//!            │ errno slot (caller's errno)  │  rsp + frame_size
//!            │ padding up to frame_size     │
//!            │ argument n slot              │  rsp + frame_offset of n
//!            │ ...                          │
//!            │ argument 0 slot              │  rsp + frame_offset of 0
//!   rsp ───► │ result area (zeroed)         │  rsp + 0, aligned to frame_align
//!            └──────────────────────────────┘
//!   at the call: rdi = context, rsi = rsp = the frame, rsp 16-aligned
//! ```
//!
//! A frame larger than a page is reserved page by page, touching each, so that a stack
//! overflow hits the guard page rather than jumping over it.
//!
//! `stride` is the plan's frame size and one `frame_align` more, where the errno slot
//! sits (`crate::errno`): the row size of a [`crate::FrameBatch`] of a function bound
//! with errno capture. Just before calling the dispatcher the stub saves the caller's
//! errno into the slot, with errno's address (`__errno_location()`) in the eightbyte
//! above it, and right after it restores errno from the slot, before loading the
//! result registers: no Rust code runs outside that window, and the closure may set
//! the errno its caller sees with `Frame::set_errno`. Every byte of it is defined before the closure runs: each
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
//! This module generates and describes stubs; publishing one, the context it points to
//! and the dispatcher it calls are `crate::callback`'s. It supports no variadic callee:
//! a C function defined with `...` would have to walk a `va_list`, which is not a fixed
//! plan.

use super::{Base, Emitted, Emitter, RAX, RDX, UNROLL_LIMIT, at, disp};
use crate::Error;
use crate::abi::{ArgLocation, CallPlan, Load, Reg, RegLoad, RetLocation, RetReg};
use dynasmrt::{DynasmApi, DynasmLabelApi, dynasm};
use std::alloc::Layout as AllocLayout;

/// The frame a stub lays out for `plan`: one row with an errno slot
/// (`crate::errno::row_size` bytes, the plan's frame and one `frame_align` more)
/// aligned to `frame_align` (at least 16), the layout of one [`crate::Frame`] of a
/// capturing function of the plan. The dispatcher keeps the caller's errno in the slot.
pub(crate) fn frame_layout(plan: &CallPlan) -> Result<AllocLayout, Error> {
    let size = crate::errno::row_size(plan) as usize;
    AllocLayout::from_size_align(size, plan.frame_align as usize)
        .map_err(|_| Error::unsupported("callback frame too large"))
}

/// The entry stub a callback with `plan` gets, with a note per block, as `explain`
/// would show it. The context and dispatcher addresses are placeholders (zero).
pub fn listing(plan: &CallPlan) -> Result<Emitted, Error> {
    if plan.variadic {
        return Err(Error::unsupported("variadic callback"));
    }
    Ok(generate(plan, 0, 0, true)?.0)
}

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
        (Reg::Xmm(x), Load::SseBytes(n)) => {
            dynasm!(e.ops ; .arch x64 ; movq rax, Rx(x));
            keep_low_bytes(e, RAX, n);
            dynasm!(e.ops ; .arch x64 ; movq Rx(dst), rax);
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
pub(crate) fn generate(
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
            let first = (arg.frame_offset + l.offset) as usize / 8;
            let words = (l.load.width() as usize).div_ceil(8).max(1);
            defined[first..first + words].fill(true);
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
                (Reg::Xmm(x), Load::SseBytes(n)) => {
                    dynasm!(e.ops ; .arch x64 ; movq rax, Rx(x));
                    keep_low_bytes(&mut e, RAX, n);
                    at!(e.ops, Base::Rsp, d, [mov QWORD], [, rax]);
                }
                (Reg::Xmm(x), Load::Vector(n)) => e.vector_move(false, n, x, Base::Rsp, d),
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

    // The errno slot and, beside it, errno's address: written below.
    let errno_slot = crate::errno::slot_offset(plan);
    defined[errno_slot as usize / 8] = true;
    defined[errno_slot as usize / 8 + 1] = true;
    let (slot, saved_location) = (disp(errno_slot)?, disp(errno_slot + 8)?);

    // Everything else is zeroed: the result area, gaps, padding.
    zero_undefined(&mut e, &defined)?;
    if plan.uses_wide_registers() {
        // The ymm/zmm arguments are stored: Rust code runs next.
        e.vzeroupper();
    }

    // The caller's errno, before any Rust code can overwrite it: into the slot, with
    // its address beside it for the restore (the address is the thread's, the same
    // after the closure).
    e.note(|| "keep the caller's errno: slot = *__errno_location(), its address above".into());
    let location = crate::errno::location_function() as i64;
    dynasm!(e.ops ; .arch x64 ; mov rax, QWORD location ; call rax ; mov ecx, DWORD [rax]);
    at!(e.ops, Base::Rsp, slot, [mov QWORD], [, rcx]);
    at!(e.ops, Base::Rsp, saved_location, [mov QWORD], [, rax]);

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

    // Before the result registers are loaded (rax is one): the caller's errno, or the
    // one the closure set in the slot.
    e.note(|| "restore errno from the slot".into());
    at!(e.ops, Base::Rsp, saved_location, [mov rcx, QWORD], []);
    at!(e.ops, Base::Rsp, slot, [mov eax, DWORD], []);
    dynasm!(e.ops ; .arch x64 ; mov DWORD [rcx], eax);

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
                        if p.width >= 16 {
                            e.vector_move(true, p.width, x, Base::Rsp, d);
                        } else if p.width <= 4 {
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
    use crate::abi::sysv;
    use crate::{Signature, Type};

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
