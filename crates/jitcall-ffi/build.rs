//! Links libjitcall_ffi.so as libffi.so.8: its soname, and libffi 3.4's symbol versions
//! from `libffi.map` (the exports themselves are defined in `src/exports.rs`).

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=libffi.map");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={dir}/libffi.map");
    // The same soname as the library it replaces: once loaded (LD_PRELOAD, or first on
    // LD_LIBRARY_PATH as libffi.so.8), every DT_NEEDED libffi.so.8 resolves to it.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libffi.so.8");
}
