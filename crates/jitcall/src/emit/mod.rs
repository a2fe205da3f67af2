//! The emitter: a [`CallPlan`](crate::abi::CallPlan) in, x86-64 machine code out, in
//! both directions.
//!
//! It sees only the plan, never a C type, and uses `dynasmrt`'s assembler purely as an
//! encoder into a `Vec<u8>`: the code is position-independent and is copied into the
//! code arena afterwards. Each block records a note (what it moves and why) at its code
//! offset; `explain` prints them beside the disassembly. Two generators:
//!
//! * [`call`]: the trampolines through which Rust calls C (the frame entry, its bound
//!   forms, the batch loop, the libffi-style pointer entry);
//! * [`callback`]: the entry stubs through which C calls a Rust closure
//!   ([`crate::Callback`]), from the same plan read in reverse.
//!
//! This module holds what both share: the [`Emitter`] (an assembler that keeps notes),
//! memory operands on a fixed base register ([`Base`], `at!`) with an 8-bit
//! displacement whenever it fits, and copies sized for store forwarding
//! ([`Emitter::copy_to_stack`]).
//!
//! The emitter decides nothing about the ABI (the plan has), publishes no code (the
//! cache and callbacks copy it into the arena) and runs nothing.

// dynasm's register macros convert their `u8` operands with `.into()`.
#![allow(clippy::useless_conversion)]

pub(crate) mod call;
pub(crate) mod callback;

pub use call::listing;

use crate::Error;
use dynasmrt::x64::X64Relocation;
use dynasmrt::{DynasmApi, VecAssembler, dynasm};

/// Generated code and its teaching notes.
#[derive(Clone, Debug)]
pub struct Emitted {
    /// The machine code.
    pub code: Vec<u8>,
    /// `(code offset, note)`: each note describes the instructions from its offset to
    /// the next note's.
    pub notes: Vec<(usize, String)>,
}

/// The base register of a memory operand.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// The frame (or the result pointer).
    Rbx,
    /// The frame in the tail-jump form; the current argument in the pointer entry.
    R10,
    /// The outgoing stack-argument area.
    Rsp,
    /// The argument-pointer array in the pointer entry.
    R12,
}

/// Emits one instruction whose memory operand is `[base + disp]`, written between the
/// bracketed token lists: `at!(ops, base, disp, [mov Rq(r), QWORD], [])` is
/// `mov Rq(r), QWORD [base + disp]`. Uses an 8-bit displacement when it fits.
macro_rules! at {
    ($ops:expr, $base:expr, $disp:expr, [$($pre:tt)*], [$($post:tt)*]) => {{
        let disp: i32 = $disp;
        match ($base, i8::try_from(disp)) {
            (Base::Rbx, Ok(d)) => dynasm!($ops ; .arch x64 ; $($pre)* [BYTE rbx + d] $($post)*),
            (Base::Rbx, Err(_)) => dynasm!($ops ; .arch x64 ; $($pre)* [rbx + disp] $($post)*),
            (Base::R10, Ok(d)) => dynasm!($ops ; .arch x64 ; $($pre)* [BYTE r10 + d] $($post)*),
            (Base::R10, Err(_)) => dynasm!($ops ; .arch x64 ; $($pre)* [r10 + disp] $($post)*),
            (Base::Rsp, Ok(d)) => dynasm!($ops ; .arch x64 ; $($pre)* [BYTE rsp + d] $($post)*),
            (Base::Rsp, Err(_)) => dynasm!($ops ; .arch x64 ; $($pre)* [rsp + disp] $($post)*),
            (Base::R12, Ok(d)) => dynasm!($ops ; .arch x64 ; $($pre)* [BYTE r12 + d] $($post)*),
            (Base::R12, Err(_)) => dynasm!($ops ; .arch x64 ; $($pre)* [r12 + disp] $($post)*),
        }
    }};
}
pub(crate) use at;

/// `rax`'s register number.
const RAX: u8 = 0;
/// `rcx`'s register number.
const RCX: u8 = 1;
/// `rdx`'s register number.
const RDX: u8 = 2;

/// Copies of more than this many bytes use `rep movsb` instead of unrolled moves.
pub(crate) const UNROLL_LIMIT: u32 = 64;

pub(crate) struct Emitter {
    pub(crate) ops: VecAssembler<X64Relocation>,
    /// Teaching notes, collected only when asked for (`listing`): formatting them costs
    /// more than encoding the instructions.
    pub(crate) notes: Option<Vec<(usize, String)>>,
}

impl Emitter {
    /// An empty emitter, with room for most trampolines and stubs up front: a
    /// byte-by-byte assembler that grows its buffer reallocates several times. (Only
    /// the batch loop has labels.) Notes are collected when `with_notes`.
    pub(crate) fn new(with_notes: bool) -> Emitter {
        Emitter {
            ops: VecAssembler::new_with_capacity(0, 256, 0, 0, 0, 0, 0),
            notes: with_notes.then(Vec::new),
        }
    }

    pub(crate) fn note(&mut self, text: impl FnOnce() -> String) {
        let Some(notes) = &mut self.notes else {
            return;
        };
        let at = self.ops.offset().0;
        match notes.last_mut() {
            // An empty block: the newer note replaces it.
            Some(last) if last.0 == at => *last = (at, text()),
            _ => notes.push((at, text())),
        }
    }

    /// Copies `len` bytes from `[src + src_disp]` to `[rsp + dst_disp]`: 16-byte chunks
    /// through `xmm15` (caller-saved and never an argument register), then an
    /// eightbyte, 4-, 2- and 1-byte tail through `rax`.
    ///
    /// The widths follow store forwarding, which fails (a stall of a dozen cycles) when
    /// one load needs bytes from two earlier stores. The stores are 16 bytes wide: a
    /// callee that loads a 16-byte pair of stack eightbytes at once (gcc does, with
    /// `movdqu`) would stall on two 8-byte halves. The loads are 8 bytes wide (`movq`,
    /// then `movhps` into the upper half): the source was just written by Rust or C
    /// code with stores of any width, and an 8-byte load forwards from an 8-byte store
    /// and from either half of a 16-byte one.
    pub(crate) fn copy_to_stack(&mut self, dst_disp: i32, src: Base, src_disp: i32, len: u32) {
        let mut done = 0i32;
        let len = len as i32;
        while done < len {
            let (s, d) = (src_disp + done, dst_disp + done);
            done += match len - done {
                16.. => {
                    at!(self.ops, src, s, [movq xmm15, QWORD], []);
                    at!(self.ops, src, s + 8, [movhps xmm15, QWORD], []);
                    at!(self.ops, Base::Rsp, d, [movups OWORD], [, xmm15]);
                    16
                }
                8..=15 => {
                    at!(self.ops, src, s, [mov rax, QWORD], []);
                    at!(self.ops, Base::Rsp, d, [mov QWORD], [, rax]);
                    8
                }
                4..=7 => {
                    at!(self.ops, src, s, [mov eax, DWORD], []);
                    at!(self.ops, Base::Rsp, d, [mov DWORD], [, eax]);
                    4
                }
                2..=3 => {
                    at!(self.ops, src, s, [movzx eax, WORD], []);
                    at!(self.ops, Base::Rsp, d, [mov WORD], [, ax]);
                    2
                }
                _ => {
                    at!(self.ops, src, s, [movzx eax, BYTE], []);
                    at!(self.ops, Base::Rsp, d, [mov BYTE], [, al]);
                    1
                }
            };
        }
    }
}

impl Emitter {
    /// `vmovups` between vector register `reg` (0..=15) at `width` bytes (16: xmm, 32:
    /// ymm, 64: zmm) and `[base + disp]`: a load when `load`, else a store.
    pub(crate) fn vector_move(&mut self, load: bool, width: u8, reg: u8, base: Base, disp: i32) {
        match (width, load) {
            (64, _) => self.zmm_move(load, reg, base, disp),
            (32, true) => at!(self.ops, base, disp, [vmovups Ry(reg), YWORD], []),
            (32, false) => at!(self.ops, base, disp, [vmovups YWORD], [, Ry(reg)]),
            (_, true) => at!(self.ops, base, disp, [movups Rx(reg), OWORD], []),
            (_, false) => at!(self.ops, base, disp, [movups OWORD], [, Rx(reg)]),
        }
    }

    /// `vmovups zmm{reg}, [base + disp32]` (load) or `vmovups [base + disp32], zmm{reg}`
    /// (store), encoded by hand: dynasm-rs has no EVEX (AVX-512) encodings. The bytes:
    ///
    /// ```text
    /// 62                 EVEX
    /// P0  R X B R' 0 0 m m   R, X, B, R' inverted; mm = 01 (the 0F map)
    /// 7C  W vvvv 1 pp        W0, no vvvv (1111), no prefix (00)
    /// 48  z L'L b V' aaa     L'L = 10 (512 bits), V' inverted, no mask
    /// 10 / 11            VMOVUPS load / store
    /// ModRM  10 reg base     32-bit displacement (EVEX scales an 8-bit one by 64)
    /// [SIB 24]           for rsp or r12 as the base
    /// disp32
    /// ```
    ///
    /// (`as` encodes `{disp32} vmovups 16(%rbx), %zmm3` as `62 f1 7c 48 10 9b 10 00 00 00`.)
    fn zmm_move(&mut self, load: bool, reg: u8, base: Base, disp: i32) {
        debug_assert!(reg < 16);
        let (base_ext, rm) = match base {
            Base::Rbx => (0, 3),
            Base::R10 => (1, 2),
            Base::Rsp => (0, 4),
            Base::R12 => (1, 4),
        };
        let p0 = 0b1111_0001 & !(((reg >> 3) & 1) << 7) & !(base_ext << 5);
        let opcode = if load { 0x10 } else { 0x11 };
        let modrm = 0b1000_0000 | ((reg & 7) << 3) | rm;
        self.ops.extend([0x62, p0, 0x7c, 0x48, opcode, modrm]);
        if rm == 4 {
            self.ops.push(0x24);
        }
        self.ops.extend(disp.to_le_bytes());
    }

    /// `vzeroupper`, after code that used ymm or zmm registers and before Rust code
    /// that may use SSE (which would otherwise pay for the dirty upper halves).
    pub(crate) fn vzeroupper(&mut self) {
        self.note(|| "vzeroupper: clear the upper halves of the vector registers".into());
        dynasm!(self.ops ; .arch x64 ; vzeroupper);
    }
}

pub(crate) fn disp(n: u32) -> Result<i32, Error> {
    i32::try_from(n).map_err(|_| Error::unsupported("argument frame larger than 2 GiB"))
}
