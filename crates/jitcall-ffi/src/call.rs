//! `ffi_prep_cif`, `ffi_prep_cif_var` and `ffi_call`.
//!
//! Preparing translates the `ffi_type` tree into a jitcall [`Signature`] and gets its
//! shared frame trampoline (`fn(frame, target)`) from jitcall's cache. The result, a
//! [`Prepared`] call, is interned by a compact key of the types (a signature is
//! prepared once per process, however many `ffi_cif`s describe it: CPython's ctypes
//! prepares a fresh one on the stack for every call) and its index goes into the
//! `ffi_cif`'s private `flags`, where `ffi_call` finds it with two loads. Before any of
//! that, the exports ask this thread's memo (`memo`) whether it prepared from exactly
//! these `ffi_type` trees before: then the cif is written from the record, and nothing
//! else runs.
//!
//! `ffi_call` copies each argument from the caller's pointer array into a frame on the
//! machine stack, runs the trampoline on it with the target, and stores the result
//! with libffi's widening (integers narrower than 64 bits fill a whole `ffi_arg`).
//! The caller's `avalue` array is only read. The frame entry rather than jitcall's
//! bound pointer entry: the latter is compiled per target, and an `ffi_cif` serves any
//! target.

use crate::guard;
use crate::memo;
use crate::types::*;
use jitcall::abi::ArgLocation;
use jitcall::{Function, Signature, Type};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_uint, c_void};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

/// How `ffi_call` stores the result into `rvalue`: one flat operation, so that the
/// store is one jump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    /// Nothing.
    Void,
    /// A signed integer of 1, 2 or 4 bytes, sign-extended to 8 bytes.
    I8,
    /// See [`Ret::I8`].
    I16,
    /// See [`Ret::I8`].
    I32,
    /// An unsigned integer of 1, 2 or 4 bytes, zero-extended to 8 bytes.
    U8,
    /// See [`Ret::U8`].
    U16,
    /// See [`Ret::U8`].
    U32,
    /// 1, 2, 4, 8 or 16 bytes as they are.
    Copy1,
    /// See [`Ret::Copy1`].
    Copy2,
    /// See [`Ret::Copy1`].
    Copy4,
    /// See [`Ret::Copy1`].
    Copy8,
    /// See [`Ret::Copy1`].
    Copy16,
    /// This many bytes as they are.
    Copy(u32),
    /// `long double`: the 10 bytes `fstpt` stores.
    X87,
    /// `long double _Complex`: 10 bytes at 0 and 10 at 16.
    X87Pair,
}

/// How `ffi_call` copies one argument into its frame slot: one flat operation, so that
/// each argument's copy is one jump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A signed integer of 1, 2 or 4 bytes, sign-extended to the slot's 8 bytes.
    I8,
    /// See [`Arg::I8`].
    I16,
    /// See [`Arg::I8`].
    I32,
    /// An unsigned integer of 1, 2 or 4 bytes, zero-extended to the slot's 8 bytes.
    U8,
    /// See [`Arg::U8`].
    U16,
    /// See [`Arg::U8`].
    U32,
    /// 1, 2, 4, 8 or 16 bytes as they are.
    Copy1,
    /// See [`Arg::Copy1`].
    Copy2,
    /// See [`Arg::Copy1`].
    Copy4,
    /// See [`Arg::Copy1`].
    Copy8,
    /// See [`Arg::Copy1`].
    Copy16,
    /// This many bytes as they are.
    Copy(u32),
}

impl Arg {
    /// The copy of `n` bytes as they are.
    fn bytes(n: usize) -> Arg {
        match n {
            1 => Arg::Copy1,
            2 => Arg::Copy2,
            4 => Arg::Copy4,
            8 => Arg::Copy8,
            16 => Arg::Copy16,
            n => Arg::Copy(n as u32),
        }
    }
}

/// A prepared call: everything `ffi_call` and a closure need for one signature.
///
/// Integer arguments narrower than 64 bits are passed as `long` / `unsigned long`,
/// extended from their own width: libffi extends them to the whole register, and
/// callers rely on it (ctypes calls `labs(-5)` with an `int` by default). The psABI
/// passes both in one register or one eightbyte stack slot, so nothing else changes.
#[derive(Debug)]
pub struct Prepared {
    /// Keeps the plan's shared trampoline alive (its target is a placeholder).
    _function: Function,
    /// The plan's frame entry, `fn(frame, target)`.
    entry: unsafe extern "C" fn(*mut u8, *const c_void),
    frame_size: usize,
    frame_align: usize,
    /// Whether the frame fits the stack buffer of `ffi_call`.
    on_stack: bool,
    /// Frame offset and copy of every argument, held here for the first
    /// [`INLINE_ARGS`] (one dependent load fewer for `ffi_call`), ...
    args_inline: [(u32, Arg); INLINE_ARGS],
    /// ... and apart past them: then all of them are here.
    args_spilled: Box<[(u32, Arg)]>,
    nargs: usize,
    /// The call's signature in C's own types (closures use it).
    natural: Signature,
    ret: Ret,
    /// Stack argument bytes, for `ffi_cif::bytes`.
    stack_bytes: u32,
}

impl Prepared {
    /// The call's signature, in C's own types.
    pub fn signature(&self) -> &Signature {
        &self.natural
    }
}

/// Arguments whose copies a [`Prepared`] holds in itself.
const INLINE_ARGS: usize = 8;

/// The target of the placeholder function whose plan trampoline `ffi_call` borrows.
extern "C" fn placeholder() {}

impl Prepared {
    /// Builds the call of `rtype (atypes...)`, the first `nfixed` fixed when
    /// `variadic`.
    ///
    /// # Safety
    ///
    /// The types must be valid and laid out.
    unsafe fn new(
        rtype: *const ffi_type,
        atypes: &[*mut ffi_type],
        nfixed: usize,
        variadic: bool,
    ) -> Result<Prepared, Status> {
        // SAFETY: forwarded from the caller.
        let ret = unsafe { to_jitcall(rtype, 0)? };
        let params = atypes
            .iter()
            // SAFETY: as above.
            .map(|&t| unsafe { to_jitcall(t, 0) })
            .collect::<Result<Vec<Type>, Status>>()?;
        let copies: Vec<Arg> = atypes
            .iter()
            // SAFETY: as above.
            .map(|&t| match unsafe { ((*t).type_, (*t).size) } {
                (FFI_TYPE_SINT8 | FFI_TYPE_SINT16 | FFI_TYPE_SINT32 | FFI_TYPE_INT, 1) => Arg::I8,
                (FFI_TYPE_SINT8 | FFI_TYPE_SINT16 | FFI_TYPE_SINT32 | FFI_TYPE_INT, 2) => Arg::I16,
                (FFI_TYPE_SINT8 | FFI_TYPE_SINT16 | FFI_TYPE_SINT32 | FFI_TYPE_INT, 4) => Arg::I32,
                (FFI_TYPE_UINT8 | FFI_TYPE_UINT16 | FFI_TYPE_UINT32, 1) => Arg::U8,
                (FFI_TYPE_UINT8 | FFI_TYPE_UINT16 | FFI_TYPE_UINT32, 2) => Arg::U16,
                (FFI_TYPE_UINT8 | FFI_TYPE_UINT16 | FFI_TYPE_UINT32, 4) => Arg::U32,
                (_, n) => Arg::bytes(n),
            })
            .collect();
        let widened = params.iter().zip(&copies).map(|(ty, copy)| match copy {
            Arg::I8 | Arg::I16 | Arg::I32 => Type::Long,
            Arg::U8 | Arg::U16 | Arg::U32 => Type::ULong,
            _ => ty.clone(),
        });
        let build = |params: Vec<Type>, ret: Type| {
            if variadic {
                let rest = params[nfixed..].to_vec();
                Signature::variadic(ret, params[..nfixed].iter().cloned(), rest)
            } else {
                Signature::new(ret, params)
            }
        };
        let sig = build(widened.collect(), ret.clone());
        let natural = build(params, ret);
        natural.validate().map_err(|_| FFI_BAD_TYPEDEF)?;
        let function =
            Function::new(placeholder as *const c_void, &sig).map_err(|_| FFI_BAD_TYPEDEF)?;
        let entry = function.raw_frame_entry().map_err(|_| FFI_BAD_TYPEDEF)?;
        let plan = function.plan();
        let args: Vec<(u32, Arg)> = plan
            .args
            .iter()
            .zip(copies)
            .map(|(a, copy)| (a.frame_offset, copy))
            .collect();
        let mut args_inline = [(0, Arg::Copy1); INLINE_ARGS];
        let args_spilled = if args.len() <= INLINE_ARGS {
            args_inline[..args.len()].copy_from_slice(&args);
            Box::default()
        } else {
            args.clone().into_boxed_slice()
        };
        let stack_bytes = plan
            .args
            .iter()
            .filter_map(|a| match a.location {
                ArgLocation::Stack { offset } => Some(offset + a.size.next_multiple_of(8)),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        // SAFETY: `rtype` is valid (the caller's contract).
        let (code, elem) = unsafe {
            let code = (*rtype).type_;
            let elem = if code == FFI_TYPE_COMPLEX && !(*rtype).elements.is_null() {
                (**(*rtype).elements).type_
            } else {
                FFI_TYPE_VOID
            };
            (code, elem)
        };
        let ret = match code {
            FFI_TYPE_VOID => Ret::Void,
            FFI_TYPE_SINT8 => Ret::I8,
            FFI_TYPE_SINT16 => Ret::I16,
            FFI_TYPE_SINT32 | FFI_TYPE_INT => Ret::I32,
            FFI_TYPE_UINT8 => Ret::U8,
            FFI_TYPE_UINT16 => Ret::U16,
            FFI_TYPE_UINT32 => Ret::U32,
            FFI_TYPE_LONGDOUBLE => Ret::X87,
            FFI_TYPE_COMPLEX if elem == FFI_TYPE_LONGDOUBLE => Ret::X87Pair,
            _ => match plan.ret.size {
                0 => Ret::Void,
                1 => Ret::Copy1,
                2 => Ret::Copy2,
                4 => Ret::Copy4,
                8 => Ret::Copy8,
                16 => Ret::Copy16,
                n => Ret::Copy(n),
            },
        };
        Ok(Prepared {
            entry,
            frame_size: plan.frame_size as usize,
            frame_align: plan.frame_align as usize,
            on_stack: plan.frame_size as usize <= STACK_FRAME && plan.frame_align <= 16,
            args_inline,
            args_spilled,
            nargs: args.len(),
            natural,
            ret,
            stack_bytes: stack_bytes.next_multiple_of(8),
            _function: function,
        })
    }
}

/// Prepared calls by index: the first ones in a static table, one load away from
/// `ffi_call` (few programs prepare more signatures), the rest in chunks of slots
/// allocated as needed. Nothing is ever freed, so a reader needs no lock (an index is
/// published only after its slot is written).
const FIRST: usize = 4096;
static FIRST_TABLE: [AtomicPtr<Prepared>; FIRST] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; FIRST];
const CHUNK: usize = 256;
const CHUNKS: usize = 4096;
type Chunk = [AtomicPtr<Prepared>; CHUNK];
static TABLE: [AtomicPtr<Chunk>; CHUNKS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; CHUNKS];

/// Interned calls: key → index, and the number of indices handed out.
type Interned = (HashMap<Box<[u8]>, u32>, u32);
static INTERNED: Mutex<Option<Interned>> = Mutex::new(None);

/// The prepared call at `index`, if there is one.
#[inline]
fn at(index: u32) -> Option<&'static Prepared> {
    let p = match FIRST_TABLE.get(index as usize) {
        Some(slot) => slot.load(Ordering::Acquire),
        None => at_chunked(index)?,
    };
    // SAFETY: non-null slot pointers come from Arc::into_raw in `intern`, never released.
    (!p.is_null()).then(|| unsafe { &*p })
}

/// The slot past the static table at `index` (null if nothing was prepared there).
#[cold]
fn at_chunked(index: u32) -> Option<*mut Prepared> {
    let (chunk, slot) = (index as usize / CHUNK, index as usize % CHUNK);
    let chunk = TABLE.get(chunk)?.load(Ordering::Acquire);
    if chunk.is_null() {
        return None;
    }
    // SAFETY: non-null chunk pointers come from Box::leak in `intern` and live forever.
    Some(unsafe { (*chunk)[slot].load(Ordering::Acquire) })
}

/// The prepared call an `ffi_cif` prepared here refers to.
///
/// # Safety
///
/// `cif` must be null or point to a readable `ffi_cif`.
#[inline]
pub unsafe fn prepared(cif: *const ffi_cif) -> Option<&'static Prepared> {
    if cif.is_null() {
        return None;
    }
    // SAFETY: `cif` is readable (the caller's contract).
    let flags = unsafe { (*cif).flags };
    at(flags.checked_sub(1)?)
}

/// The index of the call with `key`, building it with `build` the first time.
fn intern(key: &[u8], build: impl FnOnce() -> Result<Prepared, Status>) -> Result<u32, Status> {
    let mut guard = INTERNED.lock().unwrap_or_else(|p| p.into_inner());
    let (map, count) = guard.get_or_insert_with(Default::default);
    if let Some(&i) = map.get(key) {
        return Ok(i);
    }
    let index = *count;
    if index as usize >= CHUNK * CHUNKS {
        return Err(FFI_BAD_TYPEDEF);
    }
    let prepared = Arc::new(build()?);
    if let Some(slot) = FIRST_TABLE.get(index as usize) {
        slot.store(Arc::into_raw(prepared).cast_mut(), Ordering::Release);
        map.insert(key.into(), index);
        *count += 1;
        return Ok(index);
    }
    let chunk_slot = &TABLE[index as usize / CHUNK];
    let mut chunk = chunk_slot.load(Ordering::Acquire);
    if chunk.is_null() {
        let fresh: Box<Chunk> = Box::new([const { AtomicPtr::new(std::ptr::null_mut()) }; CHUNK]);
        chunk = Box::leak(fresh);
        chunk_slot.store(chunk, Ordering::Release);
    }
    let raw = Arc::into_raw(prepared).cast_mut();
    // SAFETY: the chunk was leaked above or earlier and lives forever.
    unsafe { (*chunk)[index as usize % CHUNK].store(raw, Ordering::Release) };
    map.insert(key.into(), index);
    *count += 1;
    Ok(index)
}

/// Slots in each thread's memo of the calls it prepared lately (a power of two).
const MEMO: usize = 64;

/// Each thread's key buffer, and its memo of recent keys: `(hash, key, index)` per
/// slot. A repeated preparation (ctypes prepares on every call) is answered here,
/// without the interning lock.
struct Scratch {
    key: Vec<u8>,
    memo: Vec<(u64, Box<[u8]>, u32)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { key: Vec::new(), memo: Vec::new() })
    };
}

/// A fast multiply-rotate hash of a key (the keys are the program's own types).
fn hash(key: &[u8]) -> u64 {
    let mut h = 0u64;
    for chunk in key.chunks(8) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h | 1
}

/// A preparation this thread made before from the same trees (see `memo`): the cif
/// written and `FFI_OK`, or `None` to prepare in full. Small and inline, with no
/// unwinding guard: nothing here can panic.
///
/// # Safety
///
/// As for [`prep`]; `fixed` is the fixed argument count of a variadic call, `u32::MAX`
/// for a fixed one.
#[inline(always)]
unsafe fn prep_again(
    cif: *mut ffi_cif,
    abi: ffi_abi,
    ntotal: c_uint,
    rtype: *mut ffi_type,
    atypes: *mut *mut ffi_type,
    fixed: u32,
) -> Option<ffi_status> {
    if cif.is_null() || abi != FFI_UNIX64 || (atypes.is_null() && ntotal > 0) {
        return None;
    }
    let types: &[*mut ffi_type] = if ntotal == 0 {
        &[]
    } else {
        // SAFETY: `atypes` holds `ntotal` pointers (the caller's contract).
        unsafe { std::slice::from_raw_parts(atypes, ntotal as usize) }
    };
    // SAFETY: the types are valid trees (the caller's contract).
    let (flags, bytes) = unsafe { memo::lookup(rtype, types, fixed)? };
    // SAFETY: `cif` is writable (the caller's contract).
    unsafe {
        cif.write(ffi_cif {
            abi,
            nargs: ntotal,
            arg_types: atypes,
            rtype,
            bytes,
            flags,
        })
    };
    Some(FFI_OK)
}

/// libffi's `ffi_prep_cif_core`, on jitcall.
///
/// # Safety
///
/// As `ffi_prep_cif_var`'s C contract: `cif` writable, `rtype` and the `ntotal`
/// entries of `atypes` valid `ffi_type` trees.
unsafe fn prep(
    cif: *mut ffi_cif,
    abi: ffi_abi,
    nfixed: c_uint,
    ntotal: c_uint,
    rtype: *mut ffi_type,
    atypes: *mut *mut ffi_type,
    variadic: bool,
) -> ffi_status {
    if cif.is_null() {
        return FFI_BAD_TYPEDEF;
    }
    if !(abi > FFI_FIRST_ABI && abi < FFI_LAST_ABI) {
        return FFI_BAD_ABI;
    }
    // SAFETY: `cif` is writable (the caller's contract).
    unsafe {
        cif.write(ffi_cif {
            abi,
            nargs: ntotal,
            arg_types: atypes,
            rtype,
            bytes: 0,
            flags: 0,
        })
    };
    if atypes.is_null() && ntotal > 0 {
        return FFI_BAD_TYPEDEF;
    }
    let atypes: &[*mut ffi_type] = if ntotal == 0 {
        &[]
    } else {
        // SAFETY: `atypes` holds `ntotal` pointers (the caller's contract).
        unsafe { std::slice::from_raw_parts(atypes, ntotal as usize) }
    };
    // SAFETY: the types are valid (the caller's contract).
    let laid_out =
        unsafe { lay_out(rtype).and_then(|()| atypes.iter().try_for_each(|&t| lay_out(t))) };
    if let Err(status) = laid_out {
        return status;
    }
    if abi != FFI_UNIX64 {
        return FFI_BAD_ABI;
    }
    if variadic {
        if nfixed > ntotal {
            return FFI_BAD_ARGTYPE;
        }
        // libffi's rule: a variadic float, or an integer narrower than int, is one C
        // would have promoted.
        for &t in &atypes[nfixed as usize..] {
            // SAFETY: laid out above.
            let (code, size) = unsafe { ((*t).type_, (*t).size) };
            if code == FFI_TYPE_FLOAT
                || (code != FFI_TYPE_STRUCT && code != FFI_TYPE_COMPLEX && size < 4)
            {
                return FFI_BAD_ARGTYPE;
            }
        }
    }
    let index = SCRATCH.with(|scratch| {
        let Scratch { key, memo } = &mut *scratch.borrow_mut();
        key.clear();
        key.push(variadic as u8);
        if variadic {
            key.extend_from_slice(&nfixed.to_le_bytes());
        }
        // SAFETY: the types are valid and laid out.
        unsafe {
            encode(rtype, key, 0)?;
            for &t in atypes {
                encode(t, key, 0)?;
            }
        }
        let h = hash(key);
        if memo.is_empty() {
            memo.resize(MEMO, (0, Box::default(), 0));
        }
        let slot = &mut memo[h as usize % MEMO];
        if slot.0 == h && *slot.1 == **key {
            return Ok(slot.2);
        }
        // SAFETY: as above.
        let index = intern(key, || unsafe {
            Prepared::new(rtype, atypes, nfixed as usize, variadic)
        })?;
        *slot = (h, key.as_slice().into(), index);
        Ok(index)
    });
    match index {
        Ok(index) => {
            let p = at(index).expect("interned just above");
            // SAFETY: `cif` is writable.
            unsafe {
                (*cif).bytes = p.stack_bytes;
                (*cif).flags = index + 1;
                let fixed = if variadic { nfixed } else { u32::MAX };
                memo::remember(rtype, atypes, fixed, index + 1, p.stack_bytes);
            }
            FFI_OK
        }
        Err(status) => status,
    }
}

/// [`prep`], with no unwinding into C; out of line, so that the exports' repeat path
/// stays small.
///
/// # Safety
///
/// As for [`prep`].
#[inline(never)]
unsafe fn prep_guarded(
    cif: *mut ffi_cif,
    abi: ffi_abi,
    nfixed: c_uint,
    ntotal: c_uint,
    rtype: *mut ffi_type,
    atypes: *mut *mut ffi_type,
    variadic: bool,
) -> ffi_status {
    // SAFETY: forwarded from the caller.
    guard(FFI_BAD_TYPEDEF, || unsafe {
        prep(cif, abi, nfixed, ntotal, rtype, atypes, variadic)
    })
}

/// `ffi_prep_cif`.
///
/// # Safety
///
/// libffi's contract: `cif` writable; `rtype` and `nargs` entries of `atypes` valid
/// `ffi_type`s (struct types not laid out yet are laid out here).
pub unsafe extern "C" fn ffi_prep_cif(
    cif: *mut ffi_cif,
    abi: ffi_abi,
    nargs: c_uint,
    rtype: *mut ffi_type,
    atypes: *mut *mut ffi_type,
) -> ffi_status {
    // SAFETY: forwarded from the caller.
    if let Some(status) = unsafe { prep_again(cif, abi, nargs, rtype, atypes, u32::MAX) } {
        return status;
    }
    // SAFETY: forwarded from the caller.
    unsafe { prep_guarded(cif, abi, nargs, nargs, rtype, atypes, false) }
}

/// `ffi_prep_cif_var`.
///
/// # Safety
///
/// As for [`ffi_prep_cif`], with `ntotalargs` entries in `atypes`.
pub unsafe extern "C" fn ffi_prep_cif_var(
    cif: *mut ffi_cif,
    abi: ffi_abi,
    nfixedargs: c_uint,
    ntotalargs: c_uint,
    rtype: *mut ffi_type,
    atypes: *mut *mut ffi_type,
) -> ffi_status {
    // SAFETY: forwarded from the caller.
    if let Some(status) = unsafe { prep_again(cif, abi, ntotalargs, rtype, atypes, nfixedargs) } {
        return status;
    }
    // SAFETY: forwarded from the caller.
    unsafe { prep_guarded(cif, abi, nfixedargs, ntotalargs, rtype, atypes, true) }
}

/// Frames up to this size are built on the machine stack.
const STACK_FRAME: usize = 1024;

/// Copies `N` bytes with one load and one store.
///
/// # Safety
///
/// `src` readable and `dst` writable for `N` bytes.
#[inline(always)]
unsafe fn copy<const N: usize>(src: *const u8, dst: *mut u8) {
    // SAFETY: forwarded from the caller; unaligned accesses of a byte array.
    unsafe {
        dst.cast::<[u8; N]>()
            .write_unaligned(src.cast::<[u8; N]>().read_unaligned())
    }
}

/// Runs the call on `frame` (laid out for `p`, 16-aligned) and stores the result.
///
/// # Safety
///
/// `ffi_call`'s contract, and `frame` writable for `p.frame_size` bytes.
#[inline(always)]
unsafe fn call_on(
    p: &Prepared,
    frame: *mut u8,
    target: *const c_void,
    rvalue: *mut c_void,
    avalue: *const *mut c_void,
) {
    // SAFETY: the caller passes one readable value per argument; the slots are inside
    // the frame.
    unsafe {
        let n = p.nargs;
        let slots = if n <= INLINE_ARGS {
            p.args_inline.as_ptr()
        } else {
            p.args_spilled.as_ptr()
        };
        for i in 0..n {
            let (offset, arg) = *slots.add(i);
            let (src, dst) = ((*avalue.add(i)).cast::<u8>(), frame.add(offset as usize));
            match arg {
                Arg::I8 => dst.cast::<i64>().write(src.cast::<i8>().read() as i64),
                Arg::I16 => dst
                    .cast::<i64>()
                    .write(src.cast::<i16>().read_unaligned() as i64),
                Arg::I32 => dst
                    .cast::<i64>()
                    .write(src.cast::<i32>().read_unaligned() as i64),
                Arg::U8 => dst.cast::<u64>().write(src.read() as u64),
                Arg::U16 => dst
                    .cast::<u64>()
                    .write(src.cast::<u16>().read_unaligned() as u64),
                Arg::U32 => dst
                    .cast::<u64>()
                    .write(src.cast::<u32>().read_unaligned() as u64),
                Arg::Copy1 => copy::<1>(src, dst),
                Arg::Copy2 => copy::<2>(src, dst),
                Arg::Copy4 => copy::<4>(src, dst),
                Arg::Copy8 => copy::<8>(src, dst),
                Arg::Copy16 => copy::<16>(src, dst),
                Arg::Copy(n) => std::ptr::copy_nonoverlapping(src, dst, n as usize),
            }
        }
        (p.entry)(frame, target);
    }
    if rvalue.is_null() {
        return;
    }
    let (r, out) = (frame.cast_const(), rvalue.cast::<u8>());
    // SAFETY: the result is at the start of the frame; `rvalue` is writable for the
    // return type, and for a full `ffi_arg` where libffi widens (its contract).
    unsafe {
        let out64 = out.cast::<u64>();
        match p.ret {
            Ret::Void => {}
            Ret::I8 => out64.write_unaligned(r.cast::<i8>().read() as u64),
            Ret::I16 => out64.write_unaligned(r.cast::<i16>().read_unaligned() as u64),
            Ret::I32 => out64.write_unaligned(r.cast::<i32>().read_unaligned() as u64),
            Ret::U8 => out64.write_unaligned(r.read() as u64),
            Ret::U16 => out64.write_unaligned(r.cast::<u16>().read_unaligned() as u64),
            Ret::U32 => out64.write_unaligned(r.cast::<u32>().read_unaligned() as u64),
            Ret::Copy1 => copy::<1>(r, out),
            Ret::Copy2 => copy::<2>(r, out),
            Ret::Copy4 => copy::<4>(r, out),
            Ret::Copy8 => copy::<8>(r, out),
            Ret::Copy16 => copy::<16>(r, out),
            Ret::Copy(n) => std::ptr::copy_nonoverlapping(r, out, n as usize),
            Ret::X87 => std::ptr::copy_nonoverlapping(r, out, 10),
            Ret::X87Pair => {
                std::ptr::copy_nonoverlapping(r, out, 10);
                std::ptr::copy_nonoverlapping(r.add(16), out.add(16), 10);
            }
        }
    }
}

/// `ffi_call`: calls `fn_` with the arguments `avalue[i]` points to, as `cif`
/// describes, and stores the result at `rvalue` (ignored if null).
///
/// # Safety
///
/// libffi's contract: `cif` prepared by [`ffi_prep_cif`] or [`ffi_prep_cif_var`]; `fn_`
/// a function of that signature; `avalue` one readable value per argument; `rvalue`
/// writable for the result (at least `sizeof(ffi_arg)` for integer results).
pub unsafe extern "C" fn ffi_call(
    cif: *mut ffi_cif,
    fn_: Option<unsafe extern "C" fn()>,
    rvalue: *mut c_void,
    avalue: *mut *mut c_void,
) {
    // Nothing here can panic: no guard, so the hot path stays a straight line.
    // SAFETY: `cif` is readable (the caller's contract).
    let Some(p) = (unsafe { prepared(cif) }) else {
        return;
    };
    let Some(target) = fn_ else {
        return;
    };
    let target = target as *const c_void;
    if p.on_stack {
        let mut buf = MaybeUninit::<[u128; STACK_FRAME / 16]>::uninit();
        // SAFETY: the buffer is 16-aligned and large enough; the rest is the caller's
        // contract. Frame bytes the copies leave unwritten are only padding.
        unsafe { call_on(p, buf.as_mut_ptr().cast(), target, rvalue, avalue) };
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { call_on_heap(p, target, rvalue, avalue) };
    }
}

/// [`ffi_call`] with a frame too large or too aligned for the stack buffer.
///
/// # Safety
///
/// `ffi_call`'s contract.
#[cold]
unsafe fn call_on_heap(
    p: &Prepared,
    target: *const c_void,
    rvalue: *mut c_void,
    avalue: *const *mut c_void,
) {
    let Ok(layout) =
        std::alloc::Layout::from_size_align(p.frame_size.max(16), p.frame_align.max(16))
    else {
        return;
    };
    // SAFETY: the layout has a non-zero size.
    let frame = unsafe { std::alloc::alloc(layout) };
    if frame.is_null() {
        return;
    }
    // SAFETY: the frame is laid out for `p`; the rest is `ffi_call`'s contract.
    unsafe {
        call_on(p, frame, target, rvalue, avalue);
        std::alloc::dealloc(frame, layout);
    }
}

/// `ffi_get_struct_offsets`: lays out `struct_type` (again, as libffi does) and writes
/// its members' offsets into `offsets` if not null.
///
/// # Safety
///
/// `struct_type` a valid, writable `ffi_type` tree; `offsets` null or writable for one
/// `size_t` per member.
pub unsafe extern "C" fn ffi_get_struct_offsets(
    abi: ffi_abi,
    struct_type: *mut ffi_type,
    offsets: *mut usize,
) -> ffi_status {
    guard(FFI_BAD_TYPEDEF, || {
        if !(abi > FFI_FIRST_ABI && abi < FFI_LAST_ABI) {
            return FFI_BAD_ABI;
        }
        // SAFETY: `struct_type` is null or valid (the caller's contract).
        if struct_type.is_null() || unsafe { (*struct_type).type_ } != FFI_TYPE_STRUCT {
            return FFI_BAD_TYPEDEF;
        }
        // SAFETY: as above; `offsets` per the caller's contract.
        match unsafe { initialize_aggregate(struct_type, offsets, 0) } {
            Ok(()) => FFI_OK,
            Err(status) => status,
        }
    })
}
