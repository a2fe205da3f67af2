//! The exported symbols, under libffi's names.
//!
//! They are defined in assembly rather than with `#[no_mangle]`: rustc hands the
//! linker a version script of its own that puts every `#[no_mangle]` symbol in the
//! unversioned base, and libffi's symbol versions (`LIBFFI_BASE_8.0`, ...) come from
//! `libffi.map`, which names only these. Each function is a jump to its Rust
//! implementation; the `ffi_type_*` objects are the bytes Debian's libffi gives them
//! (24 bytes each, so that a program's copy relocations fit).

use std::arch::global_asm;

/// Defines exported function `$name` as a jump to `$to`.
macro_rules! export_fn {
    ($($name:literal => $to:path),* $(,)?) => {
        $(
            global_asm!(
                ".pushsection .text.jitcall_ffi_exports,\"ax\",@progbits",
                concat!(".globl ", $name),
                concat!(".type ", $name, ",@function"),
                ".p2align 4",
                concat!($name, ":"),
                "jmp {to}",
                concat!(".size ", $name, ", . - ", $name),
                ".popsection",
                to = sym $to,
            );
        )*
    };
}

export_fn! {
    "ffi_prep_cif" => crate::call::ffi_prep_cif,
    "ffi_prep_cif_var" => crate::call::ffi_prep_cif_var,
    "ffi_call" => crate::call::ffi_call,
    "ffi_get_struct_offsets" => crate::call::ffi_get_struct_offsets,
    "ffi_closure_alloc" => crate::closure::ffi_closure_alloc,
    "ffi_closure_free" => crate::closure::ffi_closure_free,
    "ffi_prep_closure_loc" => crate::closure::ffi_prep_closure_loc,
    "ffi_prep_closure" => crate::closure::ffi_prep_closure,
    "ffi_raw_size" => crate::raw::ffi_raw_size,
    "ffi_raw_to_ptrarray" => crate::raw::ffi_raw_to_ptrarray,
    "ffi_ptrarray_to_raw" => crate::raw::ffi_ptrarray_to_raw,
    "ffi_raw_call" => crate::raw::ffi_raw_call,
    "ffi_prep_raw_closure_loc" => crate::raw::ffi_prep_raw_closure_loc,
    "ffi_prep_raw_closure" => crate::raw::ffi_prep_raw_closure,
}

/// Defines exported `ffi_type` `$name`: `{ size, alignment, type, elements }`.
macro_rules! export_type {
    ($section:literal, $($name:literal = $size:literal, $align:literal, $code:literal, $elements:literal;)*) => {
        $(
            global_asm!(
                concat!(".pushsection ", $section),
                concat!(".globl ", $name),
                concat!(".type ", $name, ",@object"),
                concat!(".size ", $name, ", 24"),
                ".p2align 4",
                concat!($name, ":"),
                concat!(".Llocal_", $name, ":"),
                concat!(".quad ", $size),
                concat!(".short ", $align, ", ", $code),
                ".long 0",
                concat!(".quad ", $elements),
                ".popsection",
            );
        )*
    };
}

export_type! {
    ".rodata.jitcall_ffi_types,\"a\",@progbits",
    "ffi_type_void" = 1, 1, 0, 0;
    "ffi_type_uint8" = 1, 1, 5, 0;
    "ffi_type_sint8" = 1, 1, 6, 0;
    "ffi_type_uint16" = 2, 2, 7, 0;
    "ffi_type_sint16" = 2, 2, 8, 0;
    "ffi_type_uint32" = 4, 4, 9, 0;
    "ffi_type_sint32" = 4, 4, 10, 0;
    "ffi_type_uint64" = 8, 8, 11, 0;
    "ffi_type_sint64" = 8, 8, 12, 0;
    "ffi_type_float" = 4, 4, 2, 0;
    "ffi_type_double" = 8, 8, 3, 0;
    "ffi_type_pointer" = 8, 8, 14, 0;
    "ffi_type_longdouble" = 16, 16, 4, 0;
}

// The complex types' element lists point at this library's own scalar objects.
global_asm!(
    ".pushsection .data.rel.ro.jitcall_ffi_elements,\"aw\",@progbits",
    ".p2align 3",
    ".Lelements_float: .quad .Llocal_ffi_type_float, 0",
    ".Lelements_double: .quad .Llocal_ffi_type_double, 0",
    ".Lelements_longdouble: .quad .Llocal_ffi_type_longdouble, 0",
    ".popsection",
);

export_type! {
    ".data.rel.ro.jitcall_ffi_complex,\"aw\",@progbits",
    "ffi_type_complex_float" = 8, 4, 15, ".Lelements_float";
    "ffi_type_complex_double" = 16, 8, 15, ".Lelements_double";
    "ffi_type_complex_longdouble" = 32, 16, 15, ".Lelements_longdouble";
}
