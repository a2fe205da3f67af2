//! CPython's `test_ctypes` on libjitcall_ffi.so: run once on the system's libffi and
//! once with the replacement first on `LD_LIBRARY_PATH` as `libffi.so.8`; both must
//! report `SUCCESS` with the same totals, and the replacement must be the libffi the
//! interpreter maps.
//!
//! The interpreter: `$JITCALL_PYTHON`, else the first of pyenv's CPython 3.11,
//! `python3` on `PATH` whose `test` package has `test_ctypes` and whose `_ctypes`
//! links `libffi.so.8` dynamically. Without one the test says so and passes.

#[path = "common/ffi.rs"]
mod ffi;

use std::path::PathBuf;
use std::process::Command;

fn usable(python: &str) -> bool {
    let probe = "import _ctypes, test.test_ctypes; print(_ctypes.__file__)";
    let Ok(out) = Command::new(python).args(["-c", probe]).output() else {
        return false;
    };
    if !out.status.success() {
        return false;
    }
    let module = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Command::new("ldd")
        .arg(&module)
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("libffi.so.8"))
}

fn python() -> Option<String> {
    if let Ok(p) = std::env::var("JITCALL_PYTHON") {
        return Some(p);
    }
    let mut candidates: Vec<String> = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        let versions = PathBuf::from(home).join(".pyenv/versions");
        if let Ok(dir) = std::fs::read_dir(versions) {
            let mut found: Vec<PathBuf> = dir
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("3.11"))
                })
                .collect();
            found.sort();
            candidates.extend(
                found
                    .iter()
                    .map(|p| p.join("bin/python3").display().to_string()),
            );
        }
    }
    candidates.push("python3".into());
    candidates.into_iter().find(|p| usable(p))
}

/// `(totals line, result line)` of a `python -m test test_ctypes` run.
fn run_test_ctypes(python: &str, replacement: bool) -> (String, String, String) {
    let mut cmd = Command::new(python);
    cmd.args(["-m", "test", "test_ctypes"])
        .env_remove("LD_PRELOAD");
    if replacement {
        cmd.env("LD_LIBRARY_PATH", ffi::replacement_dir());
    } else {
        cmd.env_remove("LD_LIBRARY_PATH");
    }
    let out = cmd.output().expect("run python -m test");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or("")
            .to_string()
    };
    (line("Total tests:"), line("Result:"), text)
}

#[test]
fn test_ctypes_passes_with_the_same_totals() {
    let Some(python) = python() else {
        eprintln!("skipped: no CPython with test_ctypes and a dynamically linked libffi");
        return;
    };
    // The interpreter maps the replacement, not the system's libffi.
    let maps = Command::new(&python)
        .args([
            "-c",
            "import ctypes\nfor l in open('/proc/self/maps'):\n    \
             print(l.split()[-1]) if 'ffi' in l else None",
        ])
        .env("LD_LIBRARY_PATH", ffi::replacement_dir())
        .env_remove("LD_PRELOAD")
        .output()
        .unwrap();
    let maps = String::from_utf8_lossy(&maps.stdout);
    let lib = ffi::replacement_lib();
    assert!(
        maps.lines().any(|l| l == lib.to_string_lossy()),
        "{python} did not map {}: {maps}",
        lib.display()
    );
    assert!(
        !maps.contains("/usr/lib"),
        "{python} mapped the system's libffi: {maps}"
    );

    let (sys_totals, sys_result, sys_text) = run_test_ctypes(&python, false);
    let (our_totals, our_result, our_text) = run_test_ctypes(&python, true);
    eprintln!(
        "{python} test_ctypes: system: {sys_totals} {sys_result}; replacement: {our_totals} {our_result}"
    );
    assert!(
        sys_result.contains("SUCCESS"),
        "fails on the system's libffi:\n{sys_text}"
    );
    assert!(
        our_result.contains("SUCCESS"),
        "fails on libjitcall_ffi.so:\n{our_text}"
    );
    assert_eq!(our_totals, sys_totals, "different totals:\n{our_text}");
}
