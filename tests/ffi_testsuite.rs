//! libffi's own testsuite judging libjitcall_ffi.so.
//!
//! The tests are libffi's, unmodified, outside this repository
//! (`../shared/third_party/libffi-testsuite`, or `$JITCALL_LIBFFI_TESTSUITE`): each is
//! compiled once with gcc against the system's `ffi.h`, then run twice, against the
//! system's libffi and with libjitcall_ffi.so first on `LD_LIBRARY_PATH` as
//! `libffi.so.8`. Every test that passes on the system's libffi must pass on the
//! replacement with the same exit status and the same output; tests that do not build
//! against the system's libffi 3.4.4 (newer API, libffi's internal headers) or fail on
//! it are skipped and listed. Bruno Haible's `test-call` and `test-callback` print
//! every call twice, directly and through libffi, and run under `setarch x86_64 -R` so
//! that printed addresses match: their whole outputs are compared line by line. Each
//! binary is also checked to resolve `libffi.so.8` to the replacement.

#[path = "common/ffi.rs"]
mod ffi;

use ffi::{Libffi, Outcome, compile, run, scratch};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The lines `ffitest.h` needs from libffi's generated `fficonfig.h`.
const FFICONFIG: &str = "#define HAVE_STDINT_H 1\n#define HAVE_INTTYPES_H 1\n\
                         #define HAVE_MMAP_ANON 1\n#define HAVE_LONG_DOUBLE 1\n";

/// Directories of ordinary tests (each `.c` file one program).
const DIRS: [&str; 4] = [
    "libffi.call",
    "libffi.closures",
    "libffi.complex",
    "libffi.threads",
];

/// Compile jobs at a time (CI has two cores).
const JOBS: usize = 2;

fn testsuite() -> Option<PathBuf> {
    let dir = std::env::var_os("JITCALL_LIBFFI_TESTSUITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/third_party/libffi-testsuite")
        });
    dir.join("libffi.call").is_dir().then_some(dir)
}

struct Case {
    name: String,
    source: PathBuf,
    /// Bruno Haible's tests: -O2, whole outputs, no address randomisation.
    bhaible: bool,
}

enum Verdict {
    Pass,
    Skipped(String),
    Fail(String),
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| l.contains("error"))
        .or_else(|| s.lines().next())
        .unwrap_or("")
}

fn judge(case: &Case, suite: &Path, config: &Path, bin_dir: &Path) -> Verdict {
    let program = bin_dir.join(&case.name);
    let dir = case.source.parent().unwrap();
    let flags: &[&str] = if case.bhaible {
        &["-O2", "-w"]
    } else {
        &["-O0", "-w"]
    };
    if let Err(e) = compile(&[&case.source], &[dir, config, suite], flags, &program) {
        return Verdict::Skipped(format!("does not build: {}", first_line(&e)));
    }
    let system = run(&program, &[], Libffi::System, case.bhaible, 120);
    if system.status != 0 {
        return Verdict::Skipped(format!(
            "fails on the system's libffi (status {})",
            system.status
        ));
    }
    match ffi::resolved_libffi(&program) {
        Some(lib) if lib == ffi::replacement_lib() => {}
        // Compiled to nothing on x86-64 (gcc links with --as-needed).
        None => return Verdict::Skipped("does not use libffi on x86-64".into()),
        Some(other) => {
            return Verdict::Fail(format!("libffi.so.8 resolves to {}", other.display()));
        }
    }
    let ours: Outcome = run(&program, &[], Libffi::Replacement, case.bhaible, 120);
    if ours == system {
        return Verdict::Pass;
    }
    let diff = system
        .stdout
        .lines()
        .zip(ours.stdout.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("first differing line:\n  system: {a}\n  ours:   {b}"))
        .unwrap_or_else(|| "outputs differ in length".into());
    Verdict::Fail(format!(
        "status {} on the system, {} on the replacement; {}",
        system.status, ours.status, diff
    ))
}

#[test]
fn every_test_passing_on_the_system_libffi_passes_on_the_replacement() {
    if !ffi::system_libffi() {
        eprintln!("skipped: gcc or libffi-dev ({}) not installed", ffi::FFI_H);
        return;
    }
    let Some(suite) = testsuite() else {
        eprintln!("skipped: libffi's testsuite not found (set JITCALL_LIBFFI_TESTSUITE)");
        return;
    };
    let work = scratch("ffi_testsuite");
    let config = work.join("config");
    let bin_dir = work.join("bin");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::write(config.join("fficonfig.h"), FFICONFIG).unwrap();
    ffi::replacement_dir(); // built once, before the workers start

    let mut cases = Vec::new();
    for dir in DIRS {
        let mut sources: Vec<PathBuf> = std::fs::read_dir(suite.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "c"))
            .collect();
        sources.sort();
        for source in sources {
            let stem = source.file_stem().unwrap().to_string_lossy();
            cases.push(Case {
                name: format!("{dir}.{stem}"),
                source,
                bhaible: false,
            });
        }
    }
    for t in ["test-call", "test-callback"] {
        cases.push(Case {
            name: format!("libffi.bhaible.{t}"),
            source: suite.join("libffi.bhaible").join(format!("{t}.c")),
            bhaible: true,
        });
    }

    let next = AtomicUsize::new(0);
    let verdicts = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..JOBS {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let v = judge(case, &suite, &config, &bin_dir);
                    verdicts.lock().unwrap().push((i, v));
                }
            });
        }
    });
    let mut verdicts = verdicts.into_inner().unwrap();
    verdicts.sort_by_key(|(i, _)| *i);

    let (mut passed, mut skipped, mut failed) = (0, Vec::new(), Vec::new());
    for (i, v) in &verdicts {
        let name = &cases[*i].name;
        match v {
            Verdict::Pass => passed += 1,
            Verdict::Skipped(why) => skipped.push(format!("{name}: {why}")),
            Verdict::Fail(why) => failed.push(format!("{name}: {why}")),
        }
    }
    eprintln!(
        "libffi testsuite: {} tests; {} pass on the system's libffi, of which {} pass on \
         libjitcall_ffi.so with identical output; {} skipped:",
        cases.len(),
        passed + failed.len(),
        passed,
        skipped.len()
    );
    for s in &skipped {
        eprintln!("  skipped {s}");
    }
    assert!(
        failed.is_empty(),
        "{} tests passing on the system's libffi fail on libjitcall_ffi.so:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert!(
        passed > 150,
        "only {passed} tests ran: is the testsuite complete?"
    );
}
