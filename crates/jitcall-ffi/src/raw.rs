//! libffi's "raw" API, which x86-64 libffi itself implements by translation to the
//! pointer-array form (`FFI_NATIVE_RAW_API` is 0 there): arguments packed in `ffi_raw`
//! slots of 8 bytes, structs by pointer.

use crate::call::ffi_call;
use crate::closure::ffi_prep_closure_loc;
use crate::types::*;
use std::ffi::c_void;

/// `ffi_raw`: one 8-byte slot.
pub type ffi_raw = u64;

/// A raw closure's user function.
pub type RawFun =
    Option<unsafe extern "C" fn(*mut ffi_cif, *mut c_void, *mut ffi_raw, *mut c_void)>;

/// `ffi_raw_closure` on x86-64 (72 bytes): an `ffi_closure` whose `fun` and
/// `user_data` are the translator and the closure itself, then the user's.
#[repr(C, align(8))]
#[derive(Debug)]
pub struct ffi_raw_closure {
    /// As in `ffi_closure`.
    pub tramp: [u8; FFI_TRAMPOLINE_SIZE],
    /// The call interface.
    pub cif: *mut ffi_cif,
    /// The translator from pointer array to raw slots.
    pub translate_args: ClosureFun,
    /// The closure, for the translator.
    pub this_closure: *mut c_void,
    /// The user function.
    pub fun: RawFun,
    /// Its last argument.
    pub user_data: *mut c_void,
}

const _: () = assert!(std::mem::size_of::<ffi_raw_closure>() == 72);

/// The argument types of a cif.
///
/// # Safety
///
/// `cif` must be a prepared cif.
unsafe fn arg_types<'a>(cif: *const ffi_cif) -> &'a [*mut ffi_type] {
    // SAFETY: a prepared cif holds `nargs` argument types.
    unsafe {
        if (*cif).nargs == 0 || (*cif).arg_types.is_null() {
            &[]
        } else {
            std::slice::from_raw_parts((*cif).arg_types, (*cif).nargs as usize)
        }
    }
}

/// Slots an argument of type `t` takes.
///
/// # Safety
///
/// `t` must be a valid `ffi_type`.
unsafe fn slots(t: *const ffi_type) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe {
        match (*t).type_ {
            FFI_TYPE_STRUCT | FFI_TYPE_COMPLEX => 1,
            _ => (*t).size.div_ceil(8),
        }
    }
}

/// `ffi_raw_size`: bytes of the raw argument block of `cif`.
///
/// # Safety
///
/// `cif` must be prepared.
pub unsafe extern "C" fn ffi_raw_size(cif: *mut ffi_cif) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { arg_types(cif).iter().map(|&t| 8 * slots(t)).sum() }
}

/// `ffi_raw_to_ptrarray`: points `args[i]` at argument `i` in `raw`.
///
/// # Safety
///
/// `cif` prepared; `raw` a raw block for it; `args` writable for `nargs` pointers.
pub unsafe extern "C" fn ffi_raw_to_ptrarray(
    cif: *mut ffi_cif,
    mut raw: *mut ffi_raw,
    args: *mut *mut c_void,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        for (i, &t) in arg_types(cif).iter().enumerate() {
            *args.add(i) = match (*t).type_ {
                FFI_TYPE_STRUCT | FFI_TYPE_COMPLEX => *raw as *mut c_void,
                _ => raw.cast(),
            };
            raw = raw.add(slots(t));
        }
    }
}

/// `ffi_ptrarray_to_raw`: packs the arguments `args` points at into `raw`.
///
/// # Safety
///
/// `cif` prepared; `args` one readable value per argument; `raw` writable for
/// [`ffi_raw_size`] bytes.
pub unsafe extern "C" fn ffi_ptrarray_to_raw(
    cif: *mut ffi_cif,
    args: *mut *mut c_void,
    mut raw: *mut ffi_raw,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        for (i, &t) in arg_types(cif).iter().enumerate() {
            let a = *args.add(i);
            match (*t).type_ {
                FFI_TYPE_UINT8 => *raw = *(a as *const u8) as u64,
                FFI_TYPE_SINT8 => *raw = *(a as *const i8) as i64 as u64,
                FFI_TYPE_UINT16 => *raw = (a as *const u16).read_unaligned() as u64,
                FFI_TYPE_SINT16 => *raw = (a as *const i16).read_unaligned() as i64 as u64,
                FFI_TYPE_UINT32 => *raw = (a as *const u32).read_unaligned() as u64,
                FFI_TYPE_SINT32 | FFI_TYPE_INT => {
                    *raw = (a as *const i32).read_unaligned() as i64 as u64
                }
                FFI_TYPE_STRUCT | FFI_TYPE_COMPLEX => *raw = a as u64,
                _ => std::ptr::copy_nonoverlapping(a.cast::<u8>(), raw.cast(), (*t).size),
            }
            raw = raw.add(slots(t));
        }
    }
}

/// `ffi_raw_call`: [`ffi_call`] with the arguments in a raw block.
///
/// # Safety
///
/// As for [`ffi_call`], with `raw` a raw block for `cif`.
pub unsafe extern "C" fn ffi_raw_call(
    cif: *mut ffi_cif,
    fn_: Option<unsafe extern "C" fn()>,
    rvalue: *mut c_void,
    raw: *mut ffi_raw,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let mut args = vec![std::ptr::null_mut(); arg_types(cif).len()];
        ffi_raw_to_ptrarray(cif, raw, args.as_mut_ptr());
        ffi_call(cif, fn_, rvalue, args.as_mut_ptr());
    }
}

/// The closure function of every raw closure: packs the arguments and calls the user's.
unsafe extern "C" fn translate_args(
    cif: *mut ffi_cif,
    rvalue: *mut c_void,
    avalue: *mut *mut c_void,
    user_data: *mut c_void,
) {
    let cl = user_data.cast::<ffi_raw_closure>();
    // SAFETY: `user_data` is the raw closure (ffi_prep_raw_closure_loc), whose cif
    // this call was made for.
    unsafe {
        let mut raw = vec![0u64; ffi_raw_size(cif) / 8 + 1];
        ffi_ptrarray_to_raw(cif, avalue, raw.as_mut_ptr());
        if let Some(fun) = (*cl).fun {
            fun(cif, rvalue, raw.as_mut_ptr(), (*cl).user_data);
        }
    }
}

/// `ffi_prep_raw_closure_loc`.
///
/// # Safety
///
/// As for [`ffi_prep_closure_loc`], with a raw closure (72 bytes).
pub unsafe extern "C" fn ffi_prep_raw_closure_loc(
    cl: *mut ffi_raw_closure,
    cif: *mut ffi_cif,
    fun: RawFun,
    user_data: *mut c_void,
    codeloc: *mut c_void,
) -> ffi_status {
    if cl.is_null() {
        return FFI_BAD_TYPEDEF;
    }
    // libffi passes `codeloc` as the translator's user data, which is the closure only
    // where code and data share an address; the closure itself works everywhere.
    // SAFETY: forwarded from the caller; the layouts agree up to `this_closure`.
    let status =
        unsafe { ffi_prep_closure_loc(cl.cast(), cif, Some(translate_args), cl.cast(), codeloc) };
    if status == FFI_OK {
        // SAFETY: `cl` is writable.
        unsafe {
            (*cl).fun = fun;
            (*cl).user_data = user_data;
        }
    }
    status
}

/// `ffi_prep_raw_closure`.
///
/// # Safety
///
/// As for [`ffi_prep_raw_closure_loc`].
pub unsafe extern "C" fn ffi_prep_raw_closure(
    cl: *mut ffi_raw_closure,
    cif: *mut ffi_cif,
    fun: RawFun,
    user_data: *mut c_void,
) -> ffi_status {
    // SAFETY: forwarded from the caller.
    unsafe { ffi_prep_raw_closure_loc(cl, cif, fun, user_data, cl.cast()) }
}
