//! libffi 3.4's binary interface on top of jitcall: `libjitcall_ffi.so`, a drop-in
//! `libffi.so.8`.
//!
//! Programs compiled against the system's `ffi.h` (CPython's `_ctypes`, GLib, and
//! libffi's own testsuite) call through jitcall's compiled trampolines unchanged when
//! this library is loaded in place of libffi: first on `LD_LIBRARY_PATH` as
//! `libffi.so.8`, or with `LD_PRELOAD` (its soname is `libffi.so.8`, so the dynamic
//! linker then satisfies every `DT_NEEDED libffi.so.8` with it). See `docs/LIBFFI.md`.
//!
//! - [`types`]: `ffi_type`, `ffi_cif` and `ffi_closure` exactly as `ffi.h` lays them
//!   out, and the translation of an `ffi_type` tree into a jitcall [`jitcall::Type`]
//!   (struct types are laid out on first use, as libffi does).
//! - [`call`]: `ffi_prep_cif`, `ffi_prep_cif_var`, `ffi_call`. Preparing finds (or
//!   compiles) the trampoline through jitcall's cache and records its index in the
//!   `ffi_cif`, where `ffi_call` finds it with two loads.
//! - `memo`: each thread's memo of its preparations, by the `ffi_type` trees'
//!   addresses and contents, so that a repeated preparation (ctypes prepares for every
//!   call) walks the types and compares, and takes no lock.
//! - [`closure`]: `ffi_closure_alloc`, `ffi_prep_closure_loc`, ..., on jitcall's
//!   callback stubs, behind fixed jump thunks on pages that are never writable and
//!   executable at once.
//! - [`raw`]: libffi's "raw" API (`ffi_raw_call`, raw closures), translated to the
//!   pointer-array form as libffi itself does on x86-64.
//! - `exports`: the exported symbols, with libffi's symbol versions (`libffi.map`).
//!
//! What it does not do: the Go closures (`ffi_prep_go_closure`, `ffi_call_go`, which
//! pass a static chain in `r10`) and the deprecated Java raw API are not exported; the
//! `FFI_WIN64`/`FFI_GNUW64` ABIs answer `FFI_BAD_ABI`. Nothing here panics across the C
//! boundary: every export catches unwinding and bad input answers `FFI_BAD_*`.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
// The C names of libffi's types and functions are the interface.
#![allow(non_camel_case_types)]

pub mod call;
pub mod closure;
mod exports;
mod memo;
pub mod raw;
pub mod types;

/// Runs `f`, or returns `fallback` if it panics: no unwinding crosses into C.
fn guard<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(fallback)
}
