//! A frame's layout as the frame's fast paths want it: [`FrameLayout`], built once per
//! call plan from the plan's own frame offsets, and kept beside the plan
//! ([`FramedPlan`]) wherever functions, frames and callbacks share it.
//!
//! The plan says where each argument sits in the frame (`ArgPlan::frame_offset`, laid
//! out by `crate::abi::frame_slot`): the emitter needs nothing else. The frame needs
//! more, in the shapes its accessors read fastest: every `(offset, size)` side by side,
//! the first few inline, and the layout code `Frame::set_args` compares with a tuple's
//! (`super::args`). Those are computed here, not by the classifier, which knows
//! nothing of frames' accessors.
//!
//! This module allocates nothing per call and reads no frame; it only describes one.

use super::args::{Coder, FRAME_UNCODED};
use crate::abi::CallPlan;

/// Where one argument lives in the frame: [`crate::abi::ArgPlan::frame_offset`] and
/// [`crate::abi::ArgPlan::size`], side by side, so that one load answers both a size
/// check and where to store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FrameSlot {
    pub(crate) offset: u32,
    pub(crate) size: u32,
}

impl FrameSlot {
    /// No argument: its size matches no Rust value a frame accepts (see
    /// `Rows::slot`).
    pub(crate) const NONE: FrameSlot = FrameSlot {
        offset: 0,
        size: u32::MAX,
    };
}

/// How many argument slots every frame holds inline ([`FrameLayout::first_slots`]).
pub(crate) const INLINE_SLOTS: usize = 12;

/// The layout of one plan's frames, for the frame's fast paths.
#[derive(Debug)]
pub(crate) struct FrameLayout {
    /// The slot of every argument, in order.
    pub(crate) slots: Box<[FrameSlot]>,
    /// The first [`INLINE_SLOTS`] entries of `slots`, padded with [`FrameSlot::NONE`].
    /// Every frame holds a copy, so `Frame::set_arg` with a constant index finds its
    /// slot in the frame, which a caller's loop keeps in registers, and not here, on
    /// the heap, which it reloads after each call (a call may write any heap memory).
    pub(crate) first_slots: [FrameSlot; INLINE_SLOTS],
    /// The arguments' layout code (`super::args`), low word first: two words, not a
    /// `u128`, so that the struct needs no 16-byte alignment.
    code: [u64; 2],
    /// The offset of the argument area (the first slot's, when there is one): where
    /// `Frame::set_args` writes a tuple at its constant offsets.
    pub(crate) args_base: u32,
}

impl FrameLayout {
    /// The layout of `plan`'s frames.
    ///
    /// The layout code says "a tuple with these sizes and alignments has this frame's
    /// offsets", and `Frame::set_args` stores at the tuple's offsets on the strength of
    /// it: so the code is given only after checking that [`Coder`]'s offsets (the
    /// tuple's) are the plan's, slot by slot. They always are, both being
    /// `crate::abi::frame_slot`'s; a plan laid out otherwise would only lose the fast
    /// path.
    pub(crate) fn of(plan: &CallPlan) -> FrameLayout {
        let args_base = plan.args.first().map_or(0, |a| a.frame_offset);
        let mut coder = Coder::new();
        let mut same_offsets = true;
        let slots: Box<[FrameSlot]> = plan
            .args
            .iter()
            .map(|a| {
                let offset = coder.push(a.size as usize, a.align as usize);
                same_offsets &= args_base as usize + offset == a.frame_offset as usize;
                FrameSlot {
                    offset: a.frame_offset,
                    size: a.size,
                }
            })
            .collect();
        let mut first_slots = [FrameSlot::NONE; INLINE_SLOTS];
        for (inline, slot) in first_slots.iter_mut().zip(slots.iter()) {
            *inline = *slot;
        }
        let code = if same_offsets {
            coder.finish(FRAME_UNCODED)
        } else {
            FRAME_UNCODED
        };
        FrameLayout {
            slots,
            first_slots,
            code: [code as u64, (code >> 64) as u64],
            args_base,
        }
    }

    /// The arguments' layout code as one number. Compared with a tuple's as one 128-bit
    /// integer it compiles to two scalar xors and one branch (two word compares become
    /// two branches, each as dear as the stores; a 16-byte vector load and
    /// compare-and-mask take longer to resolve).
    #[inline(always)]
    pub(crate) fn code(&self) -> u128 {
        self.code[0] as u128 | (self.code[1] as u128) << 64
    }
}

/// A call plan and the layout of its frames, in one allocation: what a function, its
/// frames and a callback share. Frames are matched to functions by its address.
#[derive(Debug)]
pub(crate) struct FramedPlan {
    /// The plan the trampolines implement.
    pub(crate) plan: CallPlan,
    /// Its frames' layout, as [`FrameLayout::of`] builds it.
    pub(crate) layout: FrameLayout,
    /// Where a row's errno slot is (`crate::errno::slot_offset`), if its rows have one:
    /// a capturing function's frames and every callback's.
    pub(crate) errno_at: Option<u32>,
    /// The size of one frame, a batch row: the plan's `frame_size`, or
    /// `crate::errno::row_size` with an errno slot.
    pub(crate) row_size: u32,
}

impl FramedPlan {
    /// `plan` with its frame layout, and an errno slot in every row if `errno_slot`.
    pub(crate) fn with_errno_slot(plan: CallPlan, errno_slot: bool) -> FramedPlan {
        let layout = FrameLayout::of(&plan);
        let (errno_at, row_size) = match errno_slot {
            true => (
                Some(crate::errno::slot_offset(&plan)),
                crate::errno::row_size(&plan),
            ),
            false => (None, plan.frame_size),
        };
        FramedPlan {
            plan,
            layout,
            errno_at,
            row_size,
        }
    }

    /// The allocation layout of one row: `row_size` bytes aligned to `frame_align`
    /// (rows laid end to end stay aligned: both sizes are multiples of it).
    pub(crate) fn row_layout(&self) -> Result<std::alloc::Layout, std::alloc::LayoutError> {
        std::alloc::Layout::from_size_align(self.row_size as usize, self.plan.frame_align as usize)
    }

    /// Whether a frame laid out by `frame` may be passed to a function whose frames
    /// are laid out by `self`: the same plan, and an errno slot where `self` captures
    /// into one.
    pub(crate) fn accepts(&self, frame: &FramedPlan) -> bool {
        frame.plan == self.plan && (self.errno_at.is_none() || frame.errno_at == self.errno_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::sysv;
    use crate::{Signature, Type};

    #[test]
    fn slots_are_the_plans_offsets() {
        let sig = Signature::new(
            Type::structure([Type::Long, Type::Long, Type::Char]),
            [Type::Char, Type::LongDouble, Type::Int],
        );
        let plan = sysv::classify(&sig).unwrap();
        let layout = FrameLayout::of(&plan);
        assert_eq!(layout.args_base, plan.args[0].frame_offset);
        for (slot, arg) in layout.slots.iter().zip(&plan.args) {
            assert_eq!((slot.offset, slot.size), (arg.frame_offset, arg.size));
        }
        assert_eq!(&layout.first_slots[..3], &layout.slots[..]);
        assert_eq!(layout.first_slots[3], FrameSlot::NONE);
        assert_ne!(layout.code(), FRAME_UNCODED);
    }

    /// A plan whose offsets are not the tuple rule's gets no layout code: `set_args`
    /// then takes its checked path instead of storing at the wrong offsets.
    #[test]
    fn offsets_off_the_rule_lose_the_code() {
        let sig = Signature::new(Type::Int, [Type::Int, Type::Int]);
        let mut plan = sysv::classify(&sig).unwrap();
        assert_ne!(FrameLayout::of(&plan).code(), FRAME_UNCODED);
        plan.args[1].frame_offset += 8;
        assert_eq!(FrameLayout::of(&plan).code(), FRAME_UNCODED);
    }
}
