//! The code section of an explanation: what the entry shown is and how it is called,
//! then its instructions under the emitter's notes — disassembled with the `disasm`
//! feature (iced-x86), as hex bytes per block without it.
//!
//! The code and notes are the emitter's ([`crate::emit`]); this module only lays them
//! out.

#[cfg(feature = "disasm")]
use super::SHOWN_TARGET;
use super::{Builder, ExplainedEntry, Json};
use crate::Error;
use std::fmt::Write as _;

impl Builder<'_> {
    /// What the code below is, how it is called, where it finds each argument, and
    /// what it does with errno.
    fn entry_header(&self, text: &mut String) {
        self.entry_base(text);
        if self.errno.captures() {
            let slot = match self.entry {
                ExplainedEntry::Pointers => {
                    "the int that rdx points to (kept at [rbp - 24])".into()
                }
                _ => format!("[rbx + {}]", crate::errno::slot_offset(self.plan)),
            };
            if self.errno.sets() {
                writeln!(
                    text,
                    "Before loading the arguments it sets errno from the errno slot, {slot}."
                )
                .ok();
            }
            writeln!(
                text,
                "After the call it stores errno into the errno slot, {slot}, through\n\
                 __errno_location (shown as <__errno_location>), before any other code runs."
            )
            .ok();
        }
    }

    /// [`Builder::entry_header`] but for errno.
    fn entry_base(&self, text: &mut String) {
        let size = self.code.len();
        let base = match self.entry {
            ExplainedEntry::Frame => {
                writeln!(
                    text,
                    "The trampoline, {size} bytes, called as fn(frame in rdi, target in rsi). The \
                     frame is jitcall's\nbuffer for this call; rbx points to it. The result goes \
                     to [rbx + 0]"
                )
                .ok();
                "rbx"
            }
            ExplainedEntry::Bound if self.tail_jump => {
                writeln!(
                    text,
                    "The bound entry Function::call_frame runs, {size} bytes, called as fn(frame in \
                     rdi), with\nthe target baked in (shown as <target>). It loads the registers \
                     and jumps to the target,\nwhich returns straight to call_frame with the \
                     result in its own registers; r10 points to\nthe frame"
                )
                .ok();
                "r10"
            }
            ExplainedEntry::Bound if self.call_return => {
                writeln!(
                    text,
                    "The bound entry Function::call_frame runs, {size} bytes, called as fn(frame in \
                     rdi), with\nthe target baked in (shown as <target>). It copies the stack \
                     arguments, loads the registers\nand calls the target, then returns to \
                     call_frame with the result in the target's own\nregisters; r10 points to \
                     the frame"
                )
                .ok();
                "r10"
            }
            ExplainedEntry::Bound => {
                writeln!(
                    text,
                    "The bound entry Function::call_frame runs, {size} bytes, called as fn(frame in \
                     rdi), with\nthe target baked in (shown as <target>): call, then store. rbx \
                     points to the frame; the\nresult goes to [rbx + 0]"
                )
                .ok();
                "rbx"
            }
            ExplainedEntry::Batch => {
                writeln!(
                    text,
                    "The batch loop Function::call_batch runs, {size} bytes, called as fn(rows in \
                     rdi, count in\nrsi), with the target baked in (shown as <target>). rbx walks \
                     the rows, {} bytes apart, each a\nframe; r12 counts down. A row's result \
                     goes to [rbx + 0]",
                    match self.errno.captures() {
                        true => crate::errno::row_size(self.plan),
                        false => self.plan.frame_size,
                    }
                )
                .ok();
                "rbx"
            }
            ExplainedEntry::Pointers => {
                writeln!(
                    text,
                    "The pointer entry Function::call_raw runs, {size} bytes, called as fn(result \
                     pointer in rdi,\nargument pointers in rsi), libffi's ffi_call shape, with \
                     the target baked in (shown as\n<target>). r12 holds the argument pointers \
                     and rbx the result pointer. Loads and stores are\nexactly sizeof each \
                     value, as user memory is not padded."
                )
                .ok();
                return;
            }
        };
        let slots: Vec<String> = self
            .plan
            .args
            .iter()
            .enumerate()
            .map(|(i, a)| format!("#{i} from [{base} + {}]", a.frame_offset))
            .collect();
        if slots.is_empty() {
            writeln!(text, "and there are no arguments to read.").ok();
        } else {
            let mut line = "and the arguments are read:".to_string();
            for (i, slot) in slots.iter().enumerate() {
                let sep = if i + 1 == slots.len() { "." } else { "," };
                if line.len() + slot.len() + 2 > 90 {
                    writeln!(text, "{line}").ok();
                    line = " ".repeat(2);
                }
                line.push(' ');
                line.push_str(slot);
                line.push_str(sep);
            }
            writeln!(text, "{line}").ok();
        }
    }

    /// The code, one instruction a line under the emitter's notes.
    #[cfg(feature = "disasm")]
    pub(super) fn disassembly(&self, text: &mut String) -> Result<Json, Error> {
        use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter};
        self.entry_header(text);
        let mut decoder = Decoder::with_ip(64, self.code, 0, DecoderOptions::NONE);
        let mut formatter = IntelFormatter::new();
        let options = formatter.options_mut();
        options.set_space_after_operand_separator(true);
        options.set_space_between_memory_add_operators(true);
        // Decimal, like the offsets in the notes and above.
        options.set_number_base(iced_x86::NumberBase::Decimal);
        let mut instruction = Instruction::default();
        let mut out = Vec::new();
        let mut notes = self.notes.iter().peekable();
        let mut note = String::new();
        while decoder.can_decode() {
            decoder.decode_out(&mut instruction);
            let at = instruction.ip() as usize;
            while let Some((offset, n)) = notes.peek() {
                if *offset > at {
                    break;
                }
                note = n.clone();
                writeln!(text, "                                  ; {n}").ok();
                notes.next();
            }
            let len = instruction.len();
            let bytes = self.code.get(at..at + len).unwrap_or_default();
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let mut asm = String::new();
            formatter.format(&instruction, &mut asm);
            let asm = asm.replace(&SHOWN_TARGET.to_string(), "<target>").replace(
                &crate::errno::location_function().to_string(),
                "<__errno_location>",
            );
            writeln!(text, "  {at:04x}  {:<26}  {asm}", hex.join(" ")).ok();
            out.push(Json::object([
                ("offset", Json::num(at as u64)),
                ("bytes", Json::String(hex.join(""))),
                ("instruction", Json::String(asm)),
                ("note", Json::String(note.clone())),
            ]));
        }
        Ok(Json::Array(out))
    }

    /// Without the `disasm` feature: each block's bytes in hex under its note (a block
    /// runs from one note to the next), at most 16 bytes a line.
    #[cfg(not(feature = "disasm"))]
    pub(super) fn disassembly(&self, text: &mut String) -> Result<Json, Error> {
        self.entry_header(text);
        writeln!(
            text,
            "(jitcall was built without its `disasm` feature: each block's bytes in hex, \
             the target as 11 11 ...)"
        )
        .ok();
        let mut starts: Vec<(usize, &str)> = Vec::new();
        if self.notes.first().is_none_or(|(offset, _)| *offset > 0) {
            starts.push((0, ""));
        }
        starts.extend(self.notes.iter().map(|(offset, n)| (*offset, n.as_str())));
        let mut out = Vec::new();
        for (i, &(start, note)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(self.code.len(), |&(next, _)| next);
            let bytes = self.code.get(start..end.max(start)).unwrap_or_default();
            if !note.is_empty() {
                writeln!(text, "                                  ; {note}").ok();
            }
            for (row, chunk) in bytes.chunks(16).enumerate() {
                let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
                writeln!(text, "  {:04x}  {}", start + 16 * row, hex.join(" ")).ok();
            }
            if bytes.is_empty() {
                continue;
            }
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            out.push(Json::object([
                ("offset", Json::num(start as u64)),
                ("bytes", Json::String(hex)),
                ("instruction", Json::Null),
                ("note", Json::str(note)),
            ]));
        }
        Ok(Json::Array(out))
    }
}
