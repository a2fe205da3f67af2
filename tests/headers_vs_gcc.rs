//! Layouts read from real headers, proven by gcc: for groups of headers (glibc's public
//! headers, with and without `_GNU_SOURCE`; zlib, sqlite3, OpenSSL, curl), the headers
//! are preprocessed once, read by `Declarations::parse_preprocessed`, and every size,
//! alignment, member offset and member size `Declarations::types` reports becomes a
//! `_Static_assert` appended to that same preprocessed text, which gcc then compiles.
//! No macro can change what a name means between the two readings. 0 mismatches.
//! Bit-fields have no `offsetof`: their neighbours, and the sizes and alignments of
//! the types holding them, are checked (their bits are proven in tests/layout_vs_gcc.rs).
//!
//! The ignored test `every_header_in_usr_include` does the same for every header under
//! /usr/include that gcc compiles on its own (slow: run it with `--ignored`; its last
//! recorded result is in docs/TESTING.md).

mod common;

use common::ScratchDir;
use jitcall::{Declarations, HeaderOptions};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// glibc's public headers (all compile together).
const GLIBC: &[&str] = &[
    "aio.h",
    "aliases.h",
    "alloca.h",
    "argz.h",
    "ar.h",
    "arpa/inet.h",
    "assert.h",
    "byteswap.h",
    "complex.h",
    "cpio.h",
    "ctype.h",
    "dirent.h",
    "dlfcn.h",
    "elf.h",
    "endian.h",
    "envz.h",
    "err.h",
    "errno.h",
    "error.h",
    "execinfo.h",
    "fcntl.h",
    "features.h",
    "fenv.h",
    "fmtmsg.h",
    "fnmatch.h",
    "fstab.h",
    "fts.h",
    "ftw.h",
    "gconv.h",
    "getopt.h",
    "glob.h",
    "gnu-versions.h",
    "grp.h",
    "gshadow.h",
    "iconv.h",
    "ifaddrs.h",
    "inttypes.h",
    "langinfo.h",
    "lastlog.h",
    "libgen.h",
    "libintl.h",
    "limits.h",
    "link.h",
    "locale.h",
    "malloc.h",
    "math.h",
    "mcheck.h",
    "memory.h",
    "mntent.h",
    "monetary.h",
    "mqueue.h",
    "net/ethernet.h",
    "net/if.h",
    "net/route.h",
    "netdb.h",
    "netinet/in.h",
    "netinet/ip.h",
    "netinet/tcp.h",
    "netinet/udp.h",
    "nl_types.h",
    "nss.h",
    "obstack.h",
    "paths.h",
    "poll.h",
    "printf.h",
    "pthread.h",
    "pty.h",
    "pwd.h",
    "re_comp.h",
    "regex.h",
    "resolv.h",
    "sched.h",
    "search.h",
    "semaphore.h",
    "setjmp.h",
    "sgtty.h",
    "shadow.h",
    "signal.h",
    "spawn.h",
    "stdint.h",
    "stdio.h",
    "stdio_ext.h",
    "stdlib.h",
    "string.h",
    "strings.h",
    "sys/auxv.h",
    "sys/epoll.h",
    "sys/eventfd.h",
    "sys/file.h",
    "sys/inotify.h",
    "sys/ioctl.h",
    "sys/ipc.h",
    "sys/mman.h",
    "sys/mount.h",
    "sys/msg.h",
    "sys/param.h",
    "sys/poll.h",
    "sys/prctl.h",
    "sys/random.h",
    "sys/resource.h",
    "sys/select.h",
    "sys/sem.h",
    "sys/sendfile.h",
    "sys/shm.h",
    "sys/signalfd.h",
    "sys/socket.h",
    "sys/stat.h",
    "sys/statfs.h",
    "sys/statvfs.h",
    "sys/syscall.h",
    "sys/sysinfo.h",
    "sys/time.h",
    "sys/timerfd.h",
    "sys/times.h",
    "sys/types.h",
    "sys/uio.h",
    "sys/un.h",
    "sys/utsname.h",
    "sys/wait.h",
    "sys/xattr.h",
    "syslog.h",
    "tar.h",
    "termios.h",
    "tgmath.h",
    "threads.h",
    "time.h",
    "uchar.h",
    "ucontext.h",
    "ulimit.h",
    "unistd.h",
    "utime.h",
    "utmp.h",
    "utmpx.h",
    "wchar.h",
    "wctype.h",
    "wordexp.h",
];

/// What one group's check found.
struct Outcome {
    functions: usize,
    types: usize,
    unsupported_types: usize,
    checks: usize,
    /// Failed static assertions: layouts gcc disagrees with.
    mismatches: Vec<String>,
    /// gcc's other errors (a header that does not compile alone).
    errors: Vec<String>,
    skipped: Vec<String>,
}

/// Reads `headers` with `defines`, and has gcc check every layout reported.
fn check(tag: &str, headers: &[&str], defines: &[&str]) -> Outcome {
    let mut options = HeaderOptions::new().cc("gcc");
    for d in defines {
        options = options.define(*d);
    }
    let text =
        jitcall::cdecl::preprocess(headers, &options).unwrap_or_else(|e| panic!("{tag}: {e}"));
    check_text(tag, &text)
}

/// Has gcc check every layout read from `text`, the preprocessor's output.
fn check_text(tag: &str, text: &str) -> Outcome {
    let decls = Declarations::parse_preprocessed(text).unwrap_or_else(|e| panic!("{tag}: {e}"));
    let types = decls.types();
    let mut source = text.to_string();
    source.push_str("\n# 1 \"<layout checks>\"\n");
    let mut checks = 0;
    let mut unsupported_types = 0;
    for t in &types {
        let Ok(layout) = &t.layout else {
            unsupported_types += 1;
            continue;
        };
        let name = &t.name;
        writeln!(
            source,
            "_Static_assert(sizeof({name}) == {}, \"{name}: size {}\");",
            layout.size, layout.size
        )
        .unwrap();
        writeln!(
            source,
            "_Static_assert(_Alignof({name}) == {}, \"{name}: align {}\");",
            layout.align, layout.align
        )
        .unwrap();
        checks += 2;
        for f in &layout.fields {
            // A bit-field has no `offsetof` or `sizeof` (tests/layout_vs_gcc.rs reads
            // bit-fields' bits through C); its neighbours' offsets still show whether
            // it was placed right.
            if f.bits.is_some() {
                continue;
            }
            let field = &f.name;
            writeln!(
                source,
                "_Static_assert(__builtin_offsetof({name}, {field}) == {}, \
                 \"{name}.{field}: offset {}\");",
                f.offset, f.offset
            )
            .unwrap();
            checks += 1;
            // A flexible array member has no size to compare.
            if f.size > 0 {
                writeln!(
                    source,
                    "_Static_assert(sizeof((({name} *)0)->{field}) == {}, \
                     \"{name}.{field}: size {}\");",
                    f.size, f.size
                )
                .unwrap();
                checks += 1;
            }
        }
    }
    let dir = ScratchDir::new(&format!("headers-{tag}"));
    let file = dir.join("checks.i");
    std::fs::write(&file, &source).unwrap();
    let out = Command::new("gcc")
        .args(["-fsyntax-only", "-fmax-errors=0", "-w"])
        .arg(&file)
        .output()
        .expect("run gcc");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (mismatches, errors): (Vec<String>, Vec<String>) = stderr
        .lines()
        .filter(|l| l.contains("error"))
        .map(str::to_string)
        .partition(|l| l.contains("static assertion failed"));
    assert!(
        out.status.success() || !mismatches.is_empty() || !errors.is_empty(),
        "{tag}: gcc failed:\n{stderr}"
    );
    Outcome {
        functions: decls.function_entries().len(),
        types: types.len(),
        unsupported_types,
        checks,
        mismatches,
        errors,
        skipped: decls
            .skipped()
            .iter()
            .map(|s| format!("{}: {}", s.location, s.reason))
            .collect(),
    }
}

fn assert_proven(tag: &str, headers: &[&str], defines: &[&str], min_checks: usize) {
    let o = check(tag, headers, defines);
    eprintln!(
        "{tag}: {} functions, {} types ({} unsupported), {} layout checks, {} mismatches, \
         {} declarations skipped",
        o.functions,
        o.types,
        o.unsupported_types,
        o.checks,
        o.mismatches.len(),
        o.skipped.len()
    );
    assert!(
        o.mismatches.is_empty() && o.errors.is_empty(),
        "{tag}: gcc disagrees:\n{}",
        o.mismatches
            .iter()
            .chain(&o.errors)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        o.skipped.is_empty(),
        "{tag}: declarations skipped:\n{}",
        o.skipped.join("\n")
    );
    assert!(o.checks >= min_checks, "{tag}: only {} checks", o.checks);
}

fn installed(header: &str) -> bool {
    let found = Path::new("/usr/include").join(header).exists()
        || Path::new("/usr/include/x86_64-linux-gnu")
            .join(header)
            .exists();
    if !found {
        eprintln!("skipped: {header} is not installed (.ci/run installs it)");
    }
    found
}

#[test]
fn glibc_public_headers() {
    assert_proven("glibc", GLIBC, &[], 3000);
}

#[test]
fn glibc_public_headers_gnu_source() {
    assert_proven(
        "glibc-gnu",
        GLIBC,
        &["_GNU_SOURCE", "_FILE_OFFSET_BITS=64", "_TIME_BITS=64"],
        3000,
    );
}

#[test]
fn zlib_and_sqlite3() {
    let headers: Vec<&str> = ["zlib.h", "sqlite3.h"]
        .into_iter()
        .filter(|h| installed(h))
        .collect();
    if !headers.is_empty() {
        assert_proven("zlib-sqlite3", &headers, &[], 100);
    }
}

#[test]
fn openssl() {
    let headers = [
        "openssl/ssl.h",
        "openssl/evp.h",
        "openssl/x509v3.h",
        "openssl/bio.h",
        "openssl/rand.h",
        "openssl/sha.h",
        "openssl/hmac.h",
        "openssl/err.h",
    ];
    if installed(headers[0]) {
        assert_proven("openssl", &headers, &[], 100);
    }
}

#[test]
fn curl() {
    if installed("curl/curl.h") {
        assert_proven("curl", &["curl/curl.h"], &[], 100);
    }
}

/// Every header under /usr/include that gcc compiles on its own, one at a time, on
/// two threads; failures are printed as they are found.
#[test]
#[ignore = "slow: every header under /usr/include (run with --ignored)"]
fn every_header_in_usr_include() {
    let mut headers = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from("/usr/include")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "h") {
                headers.push(path);
            }
        }
    }
    headers.sort();
    let total = headers.len();
    let scratch = ScratchDir::new("usr-include");
    let sweep = |part: usize| {
        let probe = scratch.join(format!("probe{part}.c"));
        let (mut alone, mut types, mut checks, mut failures) = (0, 0, 0, Vec::new());
        for path in headers.iter().skip(part).step_by(2) {
            // Headers are named as users include them: relative to /usr/include, or to
            // the multiarch directory.
            let rel = path.strip_prefix("/usr/include").unwrap();
            let rel = rel
                .strip_prefix("x86_64-linux-gnu")
                .unwrap_or(rel)
                .to_string_lossy()
                .into_owned();
            let options = HeaderOptions::new().cc("gcc");
            let Ok(text) = jitcall::cdecl::preprocess(&[&rel], &options) else {
                continue;
            };
            let o = check_text(&rel, &text);
            if !o.errors.is_empty() {
                // Does the header compile alone at all?
                std::fs::write(&probe, format!("#include <{rel}>\n")).unwrap();
                let compiles = Command::new("gcc")
                    .args(["-fsyntax-only", "-w"])
                    .arg(&probe)
                    .output()
                    .is_ok_and(|o| o.status.success());
                if !compiles {
                    continue;
                }
            }
            alone += 1;
            types += o.types;
            checks += o.checks;
            if !o.mismatches.is_empty() || !o.errors.is_empty() || !o.skipped.is_empty() {
                let failure = format!(
                    "{rel}: {} mismatches, {} errors, {} skipped: {}",
                    o.mismatches.len(),
                    o.errors.len(),
                    o.skipped.len(),
                    o.mismatches
                        .iter()
                        .chain(&o.errors)
                        .chain(&o.skipped)
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                eprintln!("FAIL {failure}");
                failures.push(failure);
            }
        }
        (alone, types, checks, failures)
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| sweep(0));
        let b = s.spawn(|| sweep(1));
        (a.join().unwrap(), b.join().unwrap())
    });
    let alone = a.0 + b.0;
    let failures: Vec<String> = a.3.into_iter().chain(b.3).collect();
    eprintln!(
        "/usr/include: {total} headers, {alone} compile alone; {} types, {} layout checks; \
         {} headers with a mismatch, an error or a skipped declaration",
        a.1 + b.1,
        a.2 + b.2,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
