//! Support for the libffi drop-in tests: builds `libjitcall_ffi.so` (the cargo profile
//! these tests were built with), a directory where it is `libffi.so.8`, and compiles and
//! runs C programs written against the system's `ffi.h` with either library.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The system's libffi header, which the programs are compiled against.
pub const FFI_H: &str = "/usr/include/x86_64-linux-gnu/ffi.h";

/// Whether gcc and the system's libffi (headers and library) are installed.
pub fn system_libffi() -> bool {
    Path::new(FFI_H).exists()
        && Command::new("gcc")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The cargo profile directory these tests run from (`target/debug` or
/// `target/release`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test>-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("test executable in target/<profile>/deps")
        .to_path_buf()
}

/// A directory holding `libffi.so.8` → `libjitcall_ffi.so`, freshly built: put it first
/// on `LD_LIBRARY_PATH`.
pub fn replacement_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let profile = profile_dir();
        let release = profile.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        // With the root package selected too, features unify as in `cargo test --workspace`:
        // the engine built for the tests is reused, only the cdylib is compiled.
        build.args(["build", "-q", "-p", "jitcall-ffi", "-p", "jitcall-cli"]);
        if release {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build -p jitcall-ffi");
        assert!(status.success(), "cargo build -p jitcall-ffi failed");
        let lib = profile.join("libjitcall_ffi.so");
        assert!(lib.exists(), "{} was not built", lib.display());
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "ffi-lib-{}",
            profile.file_name().unwrap().to_string_lossy()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("libffi.so.8");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&lib, &link).unwrap();
        dir
    })
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compiles `sources` with gcc against the system's `ffi.h` and links `-lffi`; the
/// compiler's messages on failure.
pub fn compile(
    sources: &[&Path],
    includes: &[&Path],
    flags: &[&str],
    out: &Path,
) -> Result<(), String> {
    let output = Command::new("gcc")
        .args(flags)
        .args(includes.iter().map(|i| format!("-I{}", i.display())))
        .args(sources)
        .arg("-o")
        .arg(out)
        .args(["-lffi", "-lm", "-lpthread"])
        .output()
        .map_err(|e| format!("gcc: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// What one run of a program did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The exit code, or 128 + the signal that ended it.
    pub status: i32,
    pub stdout: String,
}

/// Which libffi a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Libffi {
    System,
    Replacement,
}

/// Runs `program` with `args` against `which` libffi, under `setarch x86_64 -R` (no
/// address randomisation) when `fixed_addresses`, killed after `timeout_secs`.
pub fn run(
    program: &Path,
    args: &[&str],
    which: Libffi,
    fixed_addresses: bool,
    timeout_secs: u32,
) -> Outcome {
    let mut cmd = Command::new("timeout");
    cmd.arg(timeout_secs.to_string());
    if fixed_addresses {
        cmd.args(["setarch", "x86_64", "-R"]);
    }
    cmd.arg(program).args(args);
    cmd.env_remove("LD_PRELOAD");
    match which {
        Libffi::System => cmd.env_remove("LD_LIBRARY_PATH"),
        Libffi::Replacement => cmd.env("LD_LIBRARY_PATH", replacement_dir()),
    };
    let out = cmd.output().expect("run a test program");
    use std::os::unix::process::ExitStatusExt;
    let status = out
        .status
        .code()
        .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
    Outcome {
        status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// The file `program`'s `libffi.so.8` resolves to with the replacement first on
/// `LD_LIBRARY_PATH`, as the dynamic linker reports it (`LD_TRACE_LOADED_OBJECTS`).
pub fn resolved_libffi(program: &Path) -> Option<PathBuf> {
    let out = Command::new(program)
        .env("LD_TRACE_LOADED_OBJECTS", "1")
        .env("LD_LIBRARY_PATH", replacement_dir())
        .env_remove("LD_PRELOAD")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("libffi.so.8"))?;
    let path = line.split("=>").nth(1)?.split_whitespace().next()?;
    std::fs::canonicalize(path).ok()
}

/// The replacement library itself.
pub fn replacement_lib() -> PathBuf {
    std::fs::canonicalize(replacement_dir().join("libffi.so.8")).unwrap()
}
