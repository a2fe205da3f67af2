//! Closures: `ffi_closure_alloc`, `ffi_closure_free`, `ffi_prep_closure_loc` and
//! `ffi_prep_closure`, on jitcall's callback stubs.
//!
//! libffi hands out the code address at allocation, before the signature is known;
//! jitcall emits a callback stub only once it is. So every allocated closure gets a
//! fixed **thunk**, `jmp [rip + PAGE - 6]`: an indirect jump through a data slot one
//! page above it. Thunk pages are filled while writable, then made read-execute, and
//! never written again (all thunks are the same six bytes); the data page beside each
//! stays read-write. Preparing the closure builds a [`Callback`] for the cif's
//! signature and stores its stub's address in the slot.
//!
//! ```text
//!   code page (r-x)                      data page (rw-), code + PAGE
//!   thunk i: jmp [rip + PAGE - 6]  ───►  slot i: address of the callback stub
//! ```
//!
//! The stub stores the arguments into a frame and runs the dispatcher, which calls the
//! user function as libffi does: `fun(cif, ret, args, user_data)`, the three read from
//! the `ffi_closure` at each call, `args[i]` pointing into the frame, `ret` to a
//! zeroed buffer at least as large as an `ffi_arg` whose bytes then become the result.
//!
//! A closure not allocated here (the deprecated style: the caller's own executable
//! memory) gets a 13-byte `movabs r11, stub; jmp r11` in its `tramp` field instead;
//! this library makes no memory writable and executable itself.

use crate::call::prepared;
use crate::guard;
use crate::types::*;
use jitcall::{Callback, Frame, Signature};
use std::any::Any;
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Bytes from one thunk to the next (and one slot to the next).
const THUNK: usize = 8;
/// `jmp qword ptr [rip + disp32]` with `disp32 = PAGE - 6`, filled in per page size;
/// then two `int3`.
const JMP_RIP: [u8; 2] = [0xff, 0x25];

/// The system's page size.
fn page() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    // SAFETY: sysconf has no preconditions.
    *PAGE.get_or_init(|| match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => 4096,
    })
}

/// Where a thunk jumps before its closure is prepared.
extern "C" fn unprepared() {
    const MSG: &[u8] = b"jitcall-ffi: call through an ffi_closure that was never prepared\n";
    // SAFETY: writing a static buffer to stderr, then aborting: no Rust state involved.
    unsafe {
        libc::write(2, MSG.as_ptr().cast(), MSG.len());
        libc::abort();
    }
}

/// The data slot of thunk `code`.
fn slot(code: usize) -> &'static AtomicUsize {
    // SAFETY: `code` is a thunk; its slot is one page above, in a read-write page that
    // is never unmapped, and 8-aligned.
    unsafe { &*((code + page()) as *const AtomicUsize) }
}

/// Free thunks.
static FREE_THUNKS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A free thunk, mapping a new page of them if none is left.
fn thunk() -> Option<usize> {
    let mut free = lock(&FREE_THUNKS);
    if let Some(code) = free.pop() {
        return Some(code);
    }
    let page = page();
    // SAFETY: a fresh private anonymous mapping of two pages, read-write.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            2 * page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return None;
    }
    let disp = (page as u32 - 6).to_le_bytes();
    let mut bytes = [0xcc; THUNK];
    bytes[..2].copy_from_slice(&JMP_RIP);
    bytes[2..6].copy_from_slice(&disp);
    let code = base as usize;
    for i in (0..page).step_by(THUNK) {
        // SAFETY: inside the first page, which is still writable.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), (code + i) as *mut u8, THUNK) };
        slot(code + i).store(unprepared as *const () as usize, Ordering::Relaxed);
    }
    // SAFETY: the first page of the mapping made above; from now on it is never
    // writable again.
    if unsafe { libc::mprotect(base, page, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
        // SAFETY: unmapping what was mapped above, unused.
        unsafe { libc::munmap(base, 2 * page) };
        return None;
    }
    free.extend((THUNK..page).step_by(THUNK).rev().map(|i| code + i));
    Some(code)
}

/// A live callback, type-erased.
type Stub = Box<dyn Any + Send>;

/// What this library knows of a closure: its thunk (none for closures allocated by
/// the caller) and the callback it currently jumps to.
struct Record {
    code: Option<usize>,
    stub: Option<Stub>,
}

/// Closures by the address of their `ffi_closure`.
static CLOSURES: Mutex<Option<HashMap<usize, Record>>> = Mutex::new(None);

/// `ffi_closure_alloc`: `size` writable bytes for an `ffi_closure` (zeroed), and in
/// `*code` the address to call it at.
///
/// # Safety
///
/// `code` must be null or writable.
pub unsafe extern "C" fn ffi_closure_alloc(size: usize, code: *mut *mut c_void) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        if code.is_null() {
            return std::ptr::null_mut();
        }
        let Some(thunk) = thunk() else {
            return std::ptr::null_mut();
        };
        // SAFETY: calloc has no preconditions.
        let closure = unsafe { libc::calloc(1, size.max(std::mem::size_of::<ffi_closure>())) };
        if closure.is_null() {
            lock(&FREE_THUNKS).push(thunk);
            return std::ptr::null_mut();
        }
        let mut closures = lock(&CLOSURES);
        closures.get_or_insert_with(HashMap::new).insert(
            closure as usize,
            Record {
                code: Some(thunk),
                stub: None,
            },
        );
        // SAFETY: `code` is writable (the caller's contract).
        unsafe { *code = thunk as *mut c_void };
        closure
    })
}

/// `ffi_closure_free`: frees a closure from [`ffi_closure_alloc`] (given either
/// address); its code address is invalid afterwards.
///
/// # Safety
///
/// No call through the closure may be in progress or follow.
pub unsafe extern "C" fn ffi_closure_free(ptr: *mut c_void) {
    guard((), || {
        let mut closures = lock(&CLOSURES);
        let Some(map) = closures.as_mut() else {
            return;
        };
        let key = if map.contains_key(&(ptr as usize)) {
            ptr as usize
        } else {
            match map.iter().find(|(_, r)| r.code == Some(ptr as usize)) {
                Some((&k, _)) => k,
                None => return,
            }
        };
        let record = map.remove(&key).expect("found just above");
        drop(closures);
        if let Some(code) = record.code {
            slot(code).store(unprepared as *const () as usize, Ordering::Release);
            lock(&FREE_THUNKS).push(code);
            // SAFETY: allocated with calloc by ffi_closure_alloc, freed once (the
            // record is gone).
            unsafe { libc::free(key as *mut c_void) };
        }
        drop(record.stub);
    })
}

/// Calls the closure's user function for one call of its stub.
///
/// # Safety
///
/// `closure` must be a live, prepared `ffi_closure`, `frame` the stub's frame for its
/// cif's signature, `slots` the frame offsets of its arguments and `ret_size` the
/// size of its result.
unsafe fn dispatch(closure: *const ffi_closure, slots: &[u32], ret_size: usize, frame: &mut Frame) {
    // SAFETY: the closure is live (the caller's contract); libffi reads these at every
    // call, so a caller may change them after preparing.
    let (cif, fun, user_data) = unsafe { ((*closure).cif, (*closure).fun, (*closure).user_data) };
    let Some(fun) = fun else {
        return;
    };
    let base = frame.as_mut_ptr();
    let mut inline = [std::ptr::null_mut::<c_void>(); 16];
    let mut heap = Vec::new();
    let args: &mut [*mut c_void] = if slots.len() <= inline.len() {
        &mut inline[..slots.len()]
    } else {
        heap.resize(slots.len(), std::ptr::null_mut());
        &mut heap
    };
    for (a, &offset) in args.iter_mut().zip(slots) {
        // SAFETY: every slot is inside the frame.
        *a = unsafe { base.add(offset as usize) }.cast();
    }
    let size = ret_size;
    let mut small = [0u128; 4];
    let mut big = Vec::new();
    let ret: *mut u8 = if size <= std::mem::size_of_val(&small) {
        small.as_mut_ptr().cast()
    } else {
        big.resize(size.div_ceil(16), 0u128);
        big.as_mut_ptr().cast()
    };
    // SAFETY: the user function has libffi's closure contract; the pointers are valid
    // for the call. errno is read at once (nothing ran since the function returned),
    // through the thread's own errno location. Then the result's bytes go to the
    // frame's result area (offset 0, `size` bytes).
    let errno = unsafe {
        fun(cif, ret.cast(), args.as_mut_ptr(), user_data);
        let errno = *libc::__errno_location();
        std::ptr::copy_nonoverlapping(ret, base, size);
        errno
    };
    // The errno the user function left reaches the closure's caller, as with libffi
    // (and as if the function had been called from C): a callback otherwise hands its
    // caller back the caller's own errno. A callback's frame always has the slot.
    let _ = frame.set_errno(errno);
}

/// `movabs r11, imm64; jmp r11`, for closures not allocated here.
fn far_jump(to: usize) -> [u8; 13] {
    let mut b = [0u8; 13];
    b[..2].copy_from_slice(&[0x49, 0xbb]);
    b[2..10].copy_from_slice(&(to as u64).to_le_bytes());
    b[10..].copy_from_slice(&[0x41, 0xff, 0xe3]);
    b
}

/// `ffi_prep_closure_loc`: makes `closure` call `fun(cif, ret, args, user_data)`.
/// `codeloc` is ignored for closures from [`ffi_closure_alloc`] (their code address
/// is fixed at allocation); others get a jump written into their `tramp` field.
///
/// # Safety
///
/// libffi's contract: `closure` writable and either from [`ffi_closure_alloc`] or
/// executable memory of the caller's; `cif` prepared here and alive as long as the
/// closure is used.
pub unsafe extern "C" fn ffi_prep_closure_loc(
    closure: *mut ffi_closure,
    cif: *mut ffi_cif,
    fun: ClosureFun,
    user_data: *mut c_void,
    _codeloc: *mut c_void,
) -> ffi_status {
    guard(FFI_BAD_TYPEDEF, || {
        if closure.is_null() || cif.is_null() {
            return FFI_BAD_TYPEDEF;
        }
        // SAFETY: `cif` is readable (the caller's contract).
        if unsafe { (*cif).abi } != FFI_UNIX64 {
            return FFI_BAD_ABI;
        }
        // SAFETY: as above.
        let Some(p) = (unsafe { prepared(cif) }) else {
            return FFI_BAD_TYPEDEF;
        };
        // A variadic cif's closure is a C function defined with `...`; on x86-64 its
        // arguments arrive where fixed ones of the same types would.
        let sig = p.signature();
        let sig = Signature::new(sig.ret().clone(), sig.params().iter().cloned());
        let Ok(plan) = jitcall::abi::sysv::classify(&sig) else {
            return FFI_BAD_TYPEDEF;
        };
        let slots: Vec<u32> = plan.args.iter().map(|a| a.frame_offset).collect();
        let ret_size = plan.ret.size as usize;
        let at = closure as usize;
        let stub = match Callback::new(&sig, move |frame: &mut Frame| {
            // SAFETY: the stub is only reachable while the closure is prepared with
            // this cif (ffi_closure_free and re-preparing replace it); the plan is the
            // stub's own.
            unsafe { dispatch(at as *const ffi_closure, &slots, ret_size, frame) }
        }) {
            Ok(stub) => stub,
            Err(_) => return FFI_BAD_TYPEDEF,
        };
        let entry = stub.code_ptr() as usize;
        // SAFETY: `closure` is writable (the caller's contract).
        unsafe {
            (*closure).cif = cif;
            (*closure).fun = fun;
            (*closure).user_data = user_data;
        }
        let mut closures = lock(&CLOSURES);
        let map = closures.get_or_insert_with(HashMap::new);
        let record = map.entry(at).or_insert(Record {
            code: None,
            stub: None,
        });
        match record.code {
            Some(code) => slot(code).store(entry, Ordering::Release),
            // SAFETY: the caller's own closure memory, writable (its contract).
            None => unsafe {
                (&raw mut (*closure).tramp)
                    .cast::<[u8; 13]>()
                    .write(far_jump(entry))
            },
        }
        // The previous stub, if any, is dropped: calls through it must have ended.
        record.stub = Some(Box::new(stub));
        FFI_OK
    })
}

/// `ffi_prep_closure`: [`ffi_prep_closure_loc`] with the closure as its own code
/// location (deprecated in libffi, still exported).
///
/// # Safety
///
/// As for [`ffi_prep_closure_loc`].
pub unsafe extern "C" fn ffi_prep_closure(
    closure: *mut ffi_closure,
    cif: *mut ffi_cif,
    fun: ClosureFun,
    user_data: *mut c_void,
) -> ffi_status {
    // SAFETY: forwarded from the caller.
    unsafe { ffi_prep_closure_loc(closure, cif, fun, user_data, closure.cast()) }
}
