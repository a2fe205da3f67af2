//! `jitcall deps`'s ELF reading on arbitrary bytes: it must answer (what the file
//! declares, or an error), never panic or hang. Seeds: a small shared object gcc built
//! with a DT_NEEDED, a build-id and a `.note.dlopen` note, and its ELF header alone.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(declared) = jitcall_deps::read(data) {
        let _ = declared.build_id_hex();
    }
});
