//! libffi's data structures exactly as the system's `ffi.h` (3.4.4, x86-64) lays them
//! out, and the translation of an `ffi_type` tree into a jitcall [`Type`].
//!
//! Programs are compiled against that header, so these layouts are the interface: the
//! tests compile C programs against it and check every field through this library.
//! This module decides nothing about registers (that is jitcall's classifier) and keeps
//! no state.

use jitcall::{Field, Type};
use std::ffi::{c_uint, c_ushort, c_void};

/// `FFI_TYPE_VOID`.
pub const FFI_TYPE_VOID: c_ushort = 0;
/// `FFI_TYPE_INT`.
pub const FFI_TYPE_INT: c_ushort = 1;
/// `FFI_TYPE_FLOAT`.
pub const FFI_TYPE_FLOAT: c_ushort = 2;
/// `FFI_TYPE_DOUBLE`.
pub const FFI_TYPE_DOUBLE: c_ushort = 3;
/// `FFI_TYPE_LONGDOUBLE`.
pub const FFI_TYPE_LONGDOUBLE: c_ushort = 4;
/// `FFI_TYPE_UINT8`.
pub const FFI_TYPE_UINT8: c_ushort = 5;
/// `FFI_TYPE_SINT8`.
pub const FFI_TYPE_SINT8: c_ushort = 6;
/// `FFI_TYPE_UINT16`.
pub const FFI_TYPE_UINT16: c_ushort = 7;
/// `FFI_TYPE_SINT16`.
pub const FFI_TYPE_SINT16: c_ushort = 8;
/// `FFI_TYPE_UINT32`.
pub const FFI_TYPE_UINT32: c_ushort = 9;
/// `FFI_TYPE_SINT32`.
pub const FFI_TYPE_SINT32: c_ushort = 10;
/// `FFI_TYPE_UINT64`.
pub const FFI_TYPE_UINT64: c_ushort = 11;
/// `FFI_TYPE_SINT64`.
pub const FFI_TYPE_SINT64: c_ushort = 12;
/// `FFI_TYPE_STRUCT`.
pub const FFI_TYPE_STRUCT: c_ushort = 13;
/// `FFI_TYPE_POINTER`.
pub const FFI_TYPE_POINTER: c_ushort = 14;
/// `FFI_TYPE_COMPLEX`.
pub const FFI_TYPE_COMPLEX: c_ushort = 15;

/// `ffi_status`: `FFI_OK`, `FFI_BAD_TYPEDEF`, `FFI_BAD_ABI`, `FFI_BAD_ARGTYPE`.
pub type ffi_status = c_uint;
/// `FFI_OK`.
pub const FFI_OK: ffi_status = 0;
/// `FFI_BAD_TYPEDEF`: a type this library cannot lay out or pass.
pub const FFI_BAD_TYPEDEF: ffi_status = 1;
/// `FFI_BAD_ABI`.
pub const FFI_BAD_ABI: ffi_status = 2;
/// `FFI_BAD_ARGTYPE`: a variadic argument of a type C would have promoted.
pub const FFI_BAD_ARGTYPE: ffi_status = 3;

/// `ffi_abi` (an enum, `unsigned int` sized).
pub type ffi_abi = c_uint;
/// `FFI_FIRST_ABI` (not an ABI).
pub const FFI_FIRST_ABI: ffi_abi = 1;
/// `FFI_UNIX64`, the System V AMD64 psABI: `FFI_DEFAULT_ABI`.
pub const FFI_UNIX64: ffi_abi = 2;
/// `FFI_WIN64` (`FFI_EFI64`): not spoken by jitcall yet.
pub const FFI_WIN64: ffi_abi = 3;
/// `FFI_GNUW64`: not spoken by jitcall yet.
pub const FFI_GNUW64: ffi_abi = 4;
/// `FFI_LAST_ABI` (not an ABI).
pub const FFI_LAST_ABI: ffi_abi = 5;

/// `ffi_type`.
#[repr(C)]
#[derive(Debug)]
pub struct ffi_type {
    /// `sizeof`; 0 for a struct type not laid out yet.
    pub size: usize,
    /// `_Alignof`.
    pub alignment: c_ushort,
    /// One of the `FFI_TYPE_*` codes.
    pub type_: c_ushort,
    /// A struct's members (a complex type's element type), null-terminated.
    pub elements: *mut *mut ffi_type,
}

/// `ffi_cif`: a prepared call interface. `bytes` and `flags` are the library's own:
/// here `flags` holds the index of the prepared call (`call`).
#[repr(C)]
#[derive(Debug)]
pub struct ffi_cif {
    /// The ABI.
    pub abi: ffi_abi,
    /// Arguments, fixed and variadic.
    pub nargs: c_uint,
    /// The argument types (the caller's array).
    pub arg_types: *mut *mut ffi_type,
    /// The return type.
    pub rtype: *mut ffi_type,
    /// Bytes of stack arguments, rounded up to 8 (as libffi computes them).
    pub bytes: c_uint,
    /// Private: the prepared call's index plus one (0: not prepared here).
    pub flags: c_uint,
}

/// `FFI_TRAMPOLINE_SIZE` on x86-64.
pub const FFI_TRAMPOLINE_SIZE: usize = 32;

/// A closure's user function: `fun(cif, ret, args, user_data)`.
pub type ClosureFun =
    Option<unsafe extern "C" fn(*mut ffi_cif, *mut c_void, *mut *mut c_void, *mut c_void)>;

/// `ffi_closure` (56 bytes, 8-aligned).
#[repr(C, align(8))]
#[derive(Debug)]
pub struct ffi_closure {
    /// `tramp` (or `ftramp`): code bytes in libffi; here a jump for closures that were
    /// not allocated by `ffi_closure_alloc`.
    pub tramp: [u8; FFI_TRAMPOLINE_SIZE],
    /// The call interface.
    pub cif: *mut ffi_cif,
    /// The user function.
    pub fun: ClosureFun,
    /// Its last argument.
    pub user_data: *mut c_void,
}

const _: () = assert!(std::mem::size_of::<ffi_type>() == 24);
const _: () = assert!(std::mem::size_of::<ffi_cif>() == 32);
const _: () = assert!(std::mem::size_of::<ffi_closure>() == 56);

/// Nesting deeper than this is refused (a cycle in a hand-built `ffi_type` would
/// otherwise recurse forever).
const MAX_DEPTH: u32 = 64;
/// Members of one struct past this are refused (an unterminated `elements` array).
const MAX_ELEMENTS: usize = 1 << 16;

/// What went wrong, as the `ffi_status` libffi answers.
pub type Status = ffi_status;

/// The members of a struct or complex type, up to the null terminator.
///
/// # Safety
///
/// `t` must point to a readable `ffi_type` whose `elements`, if not null, is a
/// null-terminated array of readable `ffi_type` pointers.
unsafe fn elements<'a>(t: *const ffi_type) -> Result<&'a [*mut ffi_type], Status> {
    // SAFETY: `t` is readable (the caller's contract).
    let first = unsafe { (*t).elements };
    if first.is_null() {
        return Err(FFI_BAD_TYPEDEF);
    }
    let mut n = 0;
    // SAFETY: the array is null-terminated (the caller's contract); the walk stops at
    // the terminator or at MAX_ELEMENTS.
    while unsafe { !(*first.add(n)).is_null() } {
        n += 1;
        if n > MAX_ELEMENTS {
            return Err(FFI_BAD_TYPEDEF);
        }
    }
    // SAFETY: `n` readable pointers precede the terminator.
    Ok(unsafe { std::slice::from_raw_parts(first, n) })
}

/// libffi's `initialize_aggregate`: lays out a struct type from its members (each at
/// the next multiple of its `alignment`, the size rounded up to the largest), writes
/// `size` and `alignment`, and the members' offsets into `offsets` if not null. Members
/// of size 0 are laid out first. A struct that ends up empty is `FFI_BAD_TYPEDEF`.
///
/// # Safety
///
/// `t` must point to a writable `ffi_type` whose members (recursively) are valid
/// `ffi_type`s; `offsets`, if not null, must be writable for one `usize` per member.
pub unsafe fn initialize_aggregate(
    t: *mut ffi_type,
    offsets: *mut usize,
    depth: u32,
) -> Result<(), Status> {
    if t.is_null() || depth > MAX_DEPTH {
        return Err(FFI_BAD_TYPEDEF);
    }
    // SAFETY: `t` is a valid ffi_type (the caller's contract).
    let members = unsafe { elements(t)? };
    let (mut size, mut align) = (0usize, 0u16);
    for (i, &m) in members.iter().enumerate() {
        // SAFETY: members are valid, writable ffi_types (the caller's contract).
        unsafe {
            if (*m).size == 0 {
                initialize_aggregate(m, std::ptr::null_mut(), depth + 1)?;
            }
            let a = (*m).alignment.max(1) as usize;
            size = size.checked_next_multiple_of(a).ok_or(FFI_BAD_TYPEDEF)?;
            if !offsets.is_null() {
                offsets.add(i).write(size);
            }
            size = size.checked_add((*m).size).ok_or(FFI_BAD_TYPEDEF)?;
            align = align.max((*m).alignment);
        }
    }
    let size = size
        .checked_next_multiple_of(align.max(1) as usize)
        .ok_or(FFI_BAD_TYPEDEF)?;
    // SAFETY: `t` is writable (the caller's contract).
    unsafe {
        (*t).size = size;
        (*t).alignment = align;
    }
    if size == 0 {
        Err(FFI_BAD_TYPEDEF)
    } else {
        Ok(())
    }
}

/// Lays out `t` if it is an aggregate not laid out yet (`size` 0), as `ffi_prep_cif`
/// does for the return and every argument type.
///
/// # Safety
///
/// `t` must be null or point to a valid, writable `ffi_type` tree.
#[inline]
pub unsafe fn lay_out(t: *mut ffi_type) -> Result<(), Status> {
    if t.is_null() {
        return Err(FFI_BAD_TYPEDEF);
    }
    // SAFETY: `t` is valid (the caller's contract).
    if unsafe { (*t).size } == 0 {
        // SAFETY: as above.
        unsafe { initialize_aggregate(t, std::ptr::null_mut(), 0) }
    } else {
        Ok(())
    }
}

/// The jitcall scalar for a type code, and its natural size (= alignment).
fn scalar(code: c_ushort) -> Option<(Type, usize)> {
    Some(match code {
        FFI_TYPE_VOID => (Type::Void, 1),
        FFI_TYPE_INT | FFI_TYPE_SINT32 => (Type::Int, 4),
        FFI_TYPE_UINT32 => (Type::UInt, 4),
        FFI_TYPE_FLOAT => (Type::Float, 4),
        FFI_TYPE_DOUBLE => (Type::Double, 8),
        FFI_TYPE_LONGDOUBLE => (Type::LongDouble, 16),
        FFI_TYPE_UINT8 => (Type::UChar, 1),
        FFI_TYPE_SINT8 => (Type::SChar, 1),
        FFI_TYPE_UINT16 => (Type::UShort, 2),
        FFI_TYPE_SINT16 => (Type::Short, 2),
        FFI_TYPE_UINT64 => (Type::ULong, 8),
        FFI_TYPE_SINT64 => (Type::Long, 8),
        FFI_TYPE_POINTER => (Type::Pointer, 8),
        _ => return None,
    })
}

/// The jitcall type of a laid-out `ffi_type`.
///
/// A struct becomes a packed struct whose every member carries its `ffi_type`'s
/// alignment: members then sit exactly where libffi puts them, whatever alignments a
/// caller wrote into hand-made types. A struct whose declared size exceeds its members'
/// extent gets the rest as trailing bytes; one whose members overflow its declared
/// size cannot be described and is `FFI_BAD_TYPEDEF`.
///
/// # Safety
///
/// `t` must point to a valid `ffi_type` tree, laid out (see [`lay_out`]).
pub unsafe fn to_jitcall(t: *const ffi_type, depth: u32) -> Result<Type, Status> {
    if t.is_null() || depth > MAX_DEPTH {
        return Err(FFI_BAD_TYPEDEF);
    }
    // SAFETY: `t` is valid (the caller's contract).
    let (code, size, align) = unsafe { ((*t).type_, (*t).size, (*t).alignment) };
    match code {
        FFI_TYPE_STRUCT => {
            let mut b = Type::build_struct().packed();
            // SAFETY: `t` is a valid struct type (the caller's contract).
            for &m in unsafe { elements(t)? } {
                // SAFETY: members are valid and laid out (the caller's contract).
                let (ty, a) = unsafe { (to_jitcall(m, depth + 1)?, (*m).alignment) };
                b = b.member(Field {
                    name: None,
                    ty,
                    align: Some(a.max(1) as u64),
                    bits: None,
                });
            }
            let ty = b.clone().finish();
            let l = ty.layout().map_err(|_| FFI_BAD_TYPEDEF)?;
            let (want_size, want_align) = (size as u64, align.max(1) as u64);
            if (l.size, l.align) == (want_size, want_align) {
                return Ok(ty);
            }
            if l.size > want_size || !want_align.is_power_of_two() {
                return Err(FFI_BAD_TYPEDEF);
            }
            // Declared bigger (or more aligned) than the members: pad to the size.
            let padded = if l.size < want_size {
                b.member(Field {
                    name: None,
                    ty: Type::array(Type::UChar, want_size - l.size),
                    align: None,
                    bits: None,
                })
            } else {
                b
            };
            let ty = padded.aligned(want_align).finish();
            match ty.layout() {
                Ok(l) if l.size == want_size => Ok(ty),
                _ => Err(FFI_BAD_TYPEDEF),
            }
        }
        FFI_TYPE_COMPLEX => {
            // SAFETY: `t` is a valid complex type (the caller's contract).
            let elem = match unsafe { elements(t)? } {
                [e, ..] => *e,
                [] => return Err(FFI_BAD_TYPEDEF),
            };
            // SAFETY: the element is a valid ffi_type.
            match unsafe { (*elem).type_ } {
                FFI_TYPE_FLOAT => Ok(Type::complex(Type::Float)),
                FFI_TYPE_DOUBLE => Ok(Type::complex(Type::Double)),
                FFI_TYPE_LONGDOUBLE => Ok(Type::complex(Type::LongDouble)),
                // An integer `_Complex` (a GNU extension) is passed as a struct of its
                // two parts, as gcc does.
                code => match scalar(code) {
                    Some((part, _)) if part.is_integer() => {
                        Ok(Type::structure([part.clone(), part]))
                    }
                    _ => Err(FFI_BAD_TYPEDEF),
                },
            }
        }
        _ => scalar(code).map(|(ty, _)| ty).ok_or(FFI_BAD_TYPEDEF),
    }
}

/// Appends a compact description of a laid-out `ffi_type` to `key`: everything the
/// call plan depends on (type codes; sizes and alignments where they are not a
/// scalar's natural ones), so that equal keys mean ABI-identical types. A scalar of
/// natural size is one byte.
///
/// # Safety
///
/// As for [`to_jitcall`].
#[inline]
pub unsafe fn encode(t: *const ffi_type, key: &mut Vec<u8>, depth: u32) -> Result<(), Status> {
    if t.is_null() || depth > MAX_DEPTH {
        return Err(FFI_BAD_TYPEDEF);
    }
    // SAFETY: `t` is valid (the caller's contract).
    let (code, size, align) = unsafe { ((*t).type_, (*t).size, (*t).alignment) };
    // A scalar's natural size (= alignment), without building its jitcall type.
    let natural = match code {
        FFI_TYPE_VOID | FFI_TYPE_UINT8 | FFI_TYPE_SINT8 => 1,
        FFI_TYPE_UINT16 | FFI_TYPE_SINT16 => 2,
        FFI_TYPE_INT | FFI_TYPE_FLOAT | FFI_TYPE_UINT32 | FFI_TYPE_SINT32 => 4,
        FFI_TYPE_DOUBLE | FFI_TYPE_UINT64 | FFI_TYPE_SINT64 | FFI_TYPE_POINTER => 8,
        FFI_TYPE_LONGDOUBLE => 16,
        _ => 0,
    };
    if natural != 0 && size == natural && align as usize == natural {
        key.push(code as u8);
        return Ok(());
    }
    if code > 0x3f {
        return Err(FFI_BAD_TYPEDEF);
    }
    key.push(0x40 | code as u8);
    key.extend_from_slice(&size.to_le_bytes());
    key.extend_from_slice(&align.to_le_bytes());
    if matches!(code, FFI_TYPE_STRUCT | FFI_TYPE_COMPLEX) {
        // SAFETY: `t` is a valid aggregate (the caller's contract).
        for &m in unsafe { elements(t)? } {
            // SAFETY: members are valid and laid out.
            unsafe { encode(m, key, depth + 1)? };
            if code == FFI_TYPE_COMPLEX {
                break;
            }
        }
        key.push(0xff);
    }
    Ok(())
}
