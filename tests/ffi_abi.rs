//! libjitcall_ffi.so against the system's libffi: a C program compiled against the
//! system's `ffi.h` (`tests/ffi/abi.c`) drives preparation, calls, widening, layouts,
//! variadic calls, error statuses and closures through whichever `libffi.so.8` the
//! dynamic linker picks. With the replacement first on `LD_LIBRARY_PATH` it must print
//! what it prints on the system's libffi, except where the system is wrong (it rewrites
//! the caller's `avalue` array for structs over 16 bytes), and its own memory map must
//! show libjitcall_ffi.so, not the system's libffi.

#[path = "common/ffi.rs"]
mod ffi;

use ffi::{Libffi, compile, run, scratch};
use std::path::Path;

#[test]
fn the_replacement_answers_as_libffi_does() {
    if !ffi::system_libffi() {
        eprintln!("skipped: gcc or libffi-dev ({}) not installed", ffi::FFI_H);
        return;
    }
    let dir = scratch("ffi_abi");
    let program = dir.join("abi");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ffi/abi.c");
    compile(&[&source], &[], &["-O0", "-Wall", "-Werror"], &program).unwrap();

    let system = run(&program, &[], Libffi::System, false, 60);
    let ours = run(&program, &["--maps"], Libffi::Replacement, false, 60);
    assert_eq!(
        system.status, 0,
        "on the system's libffi:\n{}",
        system.stdout
    );
    assert_eq!(ours.status, 0, "on libjitcall_ffi.so:\n{}", ours.stdout);

    // The replacement was mapped, and the system's libffi was not.
    let lib = ffi::replacement_lib();
    let maps: Vec<&str> = ours
        .stdout
        .lines()
        .filter(|l| l.starts_with("map "))
        .collect();
    assert!(
        maps.iter().any(|l| l.ends_with(&*lib.to_string_lossy())),
        "libjitcall_ffi.so not mapped: {maps:?}"
    );
    assert!(
        !maps.iter().any(|l| l.contains("/usr/lib")),
        "the system's libffi was mapped: {maps:?}"
    );

    // Same output, line by line, but for the system's known avalue bug.
    let ours_lines: Vec<&str> = ours
        .stdout
        .lines()
        .filter(|l| !l.starts_with("map "))
        .collect();
    let mut want: Vec<&str> = system.stdout.lines().collect();
    if let Some(i) = want.iter().position(|l| *l == "avalue rewritten") {
        want[i] = "avalue unchanged";
        want.insert(i + 1, "twice again={20,4,6}");
    }
    assert_eq!(
        ours_lines, want,
        "libjitcall_ffi.so differs from the system's libffi"
    );
    for line in [
        "sizes cif=32 type=24 closure=56 arg=8",
        "neg=0xfffffffffffffffb",
        "uc=0xff",
        "labs(int -5)=5",
        "pt prep=0 size=8 align=4",
        "avalue unchanged",
        "changed in place, round 0: prep=0 7.00 7.50 2.50 size=8",
        "changed in place, round 1: prep=0 7.00 7.50 2.50 size=8",
        "twice again={20,4,6}",
        "bad abi: 2 2",
        "bad typedef: 1",
        "bad argtype: 3 3",
        "closure user_data read per call=1023",
        "qsort={-3,0,1,5,7,12}",
    ] {
        assert!(
            ours_lines.contains(&line),
            "missing `{line}` in:\n{}",
            ours.stdout
        );
    }
}
