//! The parser fuzz targets' kept inputs, replayed in `cargo test`: every seed
//! (`fuzz/seeds/`) and every crash reproducer (`fuzz/regressions/`) through the same
//! checks the libFuzzer targets run (`fuzz/fuzz_targets/parsers.rs`, included here), so a
//! fixed parser crash stays fixed without cargo-fuzz or a nightly toolchain.

#[path = "../fuzz/fuzz_targets/parsers.rs"]
mod parsers;

use std::path::Path;

/// Every non-hidden file of `fuzz/{seeds,regressions}/<target>/`, through `check`; the
/// names of the inputs that panicked.
fn replay(target: &str, check: fn(&[u8])) -> (usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    let mut failed = Vec::new();
    for kind in ["seeds", "regressions"] {
        let dir = root.join(kind).join(target);
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            count += 1;
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(format!(
                    "{kind}/{target}/{}",
                    path.file_name().unwrap().display()
                ));
            }
        }
    }
    (count, failed)
}

#[test]
fn cdecl_seeds_and_regressions_pass() {
    let (count, failed) = replay("cdecl", parsers::cdecl);
    assert!(count >= 20, "only {count} cdecl inputs");
    assert!(
        failed.is_empty(),
        "the cdecl fuzz target fails on {failed:?}"
    );
}

#[test]
fn literal_seeds_and_regressions_pass() {
    let (count, failed) = replay("literal", parsers::literal);
    assert!(count >= 20, "only {count} literal inputs");
    assert!(
        failed.is_empty(),
        "the literal fuzz target fails on {failed:?}"
    );
}

/// The `elf_deps` target's inputs (`fuzz/fuzz_targets/elf_deps.rs`), through the same
/// call: reading what an ELF file declares answers or errs, never panics.
#[test]
fn elf_deps_seeds_and_regressions_pass() {
    let (count, failed) = replay("elf_deps", |data| {
        if let Ok(declared) = jitcall_deps::read(data) {
            let _ = declared.build_id_hex();
        }
    });
    assert!(count >= 2, "only {count} elf_deps inputs");
    assert!(
        failed.is_empty(),
        "the elf_deps fuzz target fails on {failed:?}"
    );
}
