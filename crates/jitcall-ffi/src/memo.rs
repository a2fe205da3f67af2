//! Each thread's memo of the preparations it made, by the addresses *and* contents of
//! the `ffi_type` trees: what makes CPython's prep-per-call cheap.
//!
//! ctypes prepares a fresh `ffi_cif` on the stack for every call, from the same
//! `ffi_type` objects each time (the `ffi_type_*` data symbols, and one struct type per
//! ctypes `Structure` class). So a repeated preparation is recognised by walking the
//! caller's trees and comparing, node by node in preorder, each node's address, `size`,
//! `alignment` and `type`, and for an aggregate its `elements` pointer, its member count
//! and the terminating null, against what the thread recorded the last time it
//! prepared from those addresses. No key is built, nothing is hashed but the addresses
//! of the return and first argument type (to pick a slot), and no lock is taken.
//!
//! Why an address alone is not enough: a struct type is the caller's memory. It can be
//! laid out afresh, mutated in place, or freed and another type allocated at its
//! address (libffi's own tests build struct types on the stack). The walk reads every
//! field the interned key (`types::encode`) is made of, so a walk that matches means the
//! key would be the same, and so the prepared call is too; it reads more (the
//! addresses), which only makes it miss where a key would hit. A miss falls back to
//! the full preparation, which then replaces the slot's record.
//!
//! It records only successful preparations, of trees that were laid out and within the
//! depth and width limits, so a matching walk is bounded by the record and never
//! lays out anything. It never reads through a recorded address: it only compares them
//! with the caller's, whose trees are valid by `ffi_prep_cif`'s contract.

use crate::types::*;
use std::cell::RefCell;

/// Slots per thread (a power of two), chosen by the return and first argument types.
const SLOTS: usize = 16;

/// One node of a recorded tree.
#[derive(Clone, Copy, Debug)]
struct Node {
    ty: *const ffi_type,
    size: usize,
    /// `alignment | type << 16`.
    align_code: u32,
    /// For an aggregate, its number of members (its `elements` before the null).
    members: u32,
    /// For an aggregate, its `elements` pointer (not null); null for a scalar.
    elements: *const *mut ffi_type,
}

/// A preparation this thread made, and the trees it was made from.
#[derive(Debug)]
struct Seen {
    rtype: *const ffi_type,
    nargs: u32,
    /// The fixed argument count of a variadic call; `u32::MAX` for a fixed one.
    fixed: u32,
    /// What the `ffi_cif`'s `flags` and `bytes` got.
    flags: u32,
    bytes: u32,
    /// The return type's tree, then each argument type's, in preorder.
    nodes: Vec<Node>,
}

/// A thread's slots.
type Memo = RefCell<[Option<Seen>; SLOTS]>;

thread_local! {
    static MEMO: Memo = const { RefCell::new([const { None }; SLOTS]) };
}

/// The slot for a preparation: the types' addresses mixed, top bits taken.
#[inline(always)]
fn slot(rtype: *const ffi_type, atypes: &[*mut ffi_type]) -> usize {
    let first = atypes.first().map_or(0, |&t| t as usize);
    let h =
        (rtype as usize ^ first.rotate_left(23) ^ atypes.len()).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h >> (usize::BITS - SLOTS.trailing_zeros())
}

/// `alignment | type << 16` of `t`.
///
/// # Safety
///
/// `t` must point to a readable `ffi_type`.
#[inline(always)]
unsafe fn align_code(t: *const ffi_type) -> u32 {
    // SAFETY: `t` is readable (the caller's contract).
    unsafe { (*t).alignment as u32 | ((*t).type_ as u32) << 16 }
}

/// Where the tree at `t` ends in `nodes` if it is the one recorded there from `at`.
///
/// # Safety
///
/// `t` must be null or point to a valid `ffi_type` tree (`ffi_prep_cif`'s contract).
#[inline(always)]
unsafe fn matches(t: *const ffi_type, nodes: &[Node], at: usize) -> Option<usize> {
    let n = nodes.get(at)?;
    // A recorded address is never null, so a null `t` stops here, before any read.
    // SAFETY: `t` is the caller's valid `ffi_type` (its contract).
    if n.ty != t || unsafe { (*t).size } != n.size || unsafe { align_code(t) } != n.align_code {
        return None;
    }
    // Only aggregates have their `elements` recorded (an accepted aggregate's is not
    // null).
    if !n.elements.is_null() {
        // SAFETY: forwarded from the caller.
        unsafe { members_match(t, nodes, at) }
    } else {
        Some(at + 1)
    }
}

/// [`matches`] for the members of the aggregate recorded at `at`, whose own fields
/// matched; out of line, so that the scalars' walk stays small.
///
/// # Safety
///
/// As for [`matches`].
#[inline(never)]
unsafe fn members_match(t: *const ffi_type, nodes: &[Node], at: usize) -> Option<usize> {
    let n = &nodes[at];
    // SAFETY: `t` is a valid aggregate; its `elements` array is null-terminated, and the
    // walk stops at the first member that differs from the record, so at a null at the
    // latest: it never reads past the terminator.
    unsafe {
        let elements = (*t).elements;
        if elements.cast_const() != n.elements {
            return None;
        }
        let mut next = at + 1;
        for i in 0..n.members as usize {
            next = matches(*elements.add(i), nodes, next)?;
        }
        (*elements.add(n.members as usize))
            .is_null()
            .then_some(next)
    }
}

/// The `(flags, bytes)` this thread's last preparation from exactly these trees gave,
/// if it recorded one.
///
/// # Safety
///
/// `rtype` and every entry of `atypes` must be null or point to valid `ffi_type` trees.
#[inline(always)]
pub unsafe fn lookup(
    rtype: *const ffi_type,
    atypes: &[*mut ffi_type],
    fixed: u32,
) -> Option<(u32, u32)> {
    // Only the thread-local's address comes out of the closure, so that the walk is
    // compiled inline into `ffi_prep_cif` rather than behind `try_with`.
    let memo = MEMO.try_with(|memo| memo as *const Memo).ok()?;
    // SAFETY: `try_with` succeeded, so this thread's memo is alive, and it stays alive
    // until this thread runs its thread-local destructors, which it cannot start
    // during this call.
    let memo = unsafe { &*memo }.try_borrow().ok()?;
    let seen = memo[slot(rtype, atypes)].as_ref()?;
    if seen.rtype != rtype || seen.nargs as usize != atypes.len() || seen.fixed != fixed {
        return None;
    }
    let nodes = &seen.nodes[..];
    // SAFETY: the trees are valid (the caller's contract).
    let mut at = unsafe { matches(rtype, nodes, 0)? };
    for &t in atypes {
        // SAFETY: as above.
        at = unsafe { matches(t, nodes, at)? };
    }
    (at == nodes.len()).then_some((seen.flags, seen.bytes))
}

/// Appends the tree at `t` to `nodes`, in preorder.
///
/// # Safety
///
/// `t` must point to a valid, laid-out `ffi_type` tree that a preparation accepted
/// (non-null, within the depth and member limits, null-terminated aggregates).
unsafe fn record(t: *const ffi_type, nodes: &mut Vec<Node>) {
    // SAFETY: `t` is valid (the caller's contract).
    let (size, align_code, elements) = unsafe { ((*t).size, align_code(t), (*t).elements) };
    let aggregate = matches!(
        (align_code >> 16) as u16,
        FFI_TYPE_STRUCT | FFI_TYPE_COMPLEX
    );
    debug_assert!(
        !aggregate || !elements.is_null(),
        "an accepted aggregate has members"
    );
    let at = nodes.len();
    nodes.push(Node {
        ty: t,
        size,
        align_code,
        members: 0,
        elements: if aggregate {
            elements
        } else {
            std::ptr::null()
        },
    });
    if aggregate {
        let mut members = 0;
        // SAFETY: an accepted aggregate's `elements` is non-null and null-terminated.
        unsafe {
            while !(*elements.add(members)).is_null() {
                record(*elements.add(members), nodes);
                members += 1;
            }
        }
        nodes[at].members = members as u32;
    }
}

/// Records that preparing from these trees gave `(flags, bytes)`, in place of whatever
/// the slot held.
///
/// # Safety
///
/// The trees must be ones a preparation just accepted (see [`record`]).
pub unsafe fn remember(
    rtype: *const ffi_type,
    atypes: &[*mut ffi_type],
    fixed: u32,
    flags: u32,
    bytes: u32,
) {
    // A thread tearing down its thread-locals just prepares in full every time.
    let _ = MEMO.try_with(|memo| {
        let Ok(mut memo) = memo.try_borrow_mut() else {
            return;
        };
        let entry = &mut memo[slot(rtype, atypes)];
        let mut nodes = entry.take().map(|s| s.nodes).unwrap_or_default();
        nodes.clear();
        // SAFETY: forwarded from the caller.
        unsafe {
            record(rtype, &mut nodes);
            for &t in atypes {
                record(t, &mut nodes);
            }
        }
        *entry = Some(Seen {
            rtype,
            nargs: atypes.len() as u32,
            fixed,
            flags,
            bytes,
            nodes,
        });
    });
}
