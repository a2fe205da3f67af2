//! The command line as a C workbench, end to end against real libraries (libc, libm,
//! zlib, sqlite3) and a fixture compiled by gcc: options anywhere, `-l z` as the linker
//! reads it, `--json` after a callee's own output, a crashing callee reported.
//!
//! Expected values are what C gives, written by hand (`frexp(8.5)` is 0.53125 × 2⁴).

mod common;

use common::cli::jitcall;
use common::{ScratchDir, build_shared};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Functions that fault, print without a newline, compare ints, compiled by gcc.
const FIXTURE: &str = r#"
#include <stdio.h>
int deref(const int *p) { return *p; }
int crash_here(void) { volatile int *p = 0; return *p; }
int divide(int a, int b) { return a / b; }
int partial(void) { printf("partial"); return 7; }
int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
"#;

fn fixture() -> &'static str {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let dir = ScratchDir::new("workbench").until_exit();
        let source = dir.join("workbench.c");
        std::fs::write(&source, FIXTURE).unwrap();
        let lib = dir.join("libworkbench.so");
        build_shared("gcc", &[&source], &lib, &[]);
        lib
    })
    .to_str()
    .unwrap()
}

#[test]
fn options_may_follow_the_arguments() {
    let run = jitcall(&[
        "call",
        "double pow(double, double)",
        "2",
        "10",
        "-l",
        "libm.so.6",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "1024\n"),
        "{}",
        run.stderr
    );
    let run = jitcall(&["call", "long labs(long)", "-7", "--json"]);
    assert_eq!(
        run.stdout,
        "{\"function\": \"labs\", \"type\": \"long\", \"value\": \"7\"}\n"
    );
    let run = jitcall(&["call", "int abs(int); long labs(long)", "-3", "--fn", "abs"]);
    assert_eq!(run.stdout, "3\n");
    // Negative values of every spelling stay arguments.
    for (arg, want) in [
        ("-inf", "inf"),
        ("-INFINITY", "inf"),
        ("-0x1p3", "8"),
        ("-(double)2", "2"),
    ] {
        let run = jitcall(&["call", "double fabs(double)", arg]);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, format!("{want}\n").as_str()),
            "{arg}: {}",
            run.stderr
        );
    }
    // A lone `--` still ends the options.
    let run = jitcall(&["call", "size_t strlen(const char *)", "--", "--json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--json"), "{}", run.stderr);
}

#[test]
fn a_short_library_name_is_found_as_the_linker_finds_it() {
    let run = jitcall(&[
        "call",
        "-l",
        "z",
        "unsigned long crc32(unsigned long, const char *, unsigned)",
        "0",
        "\"hello\"",
        "5",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "907060870\n"),
        "{}",
        run.stderr
    );
    let run = jitcall(&[
        "call",
        "int sqlite3_libversion_number(void)",
        "-l",
        "sqlite3",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.trim().parse::<u32>().unwrap() >= 3_000_000,
        "{}",
        run.stdout
    );
    // libm.so is a linker script: -l m takes libm.so.6.
    let run = jitcall(&["call", "-l", "m", "double sqrt(double)", "2.25"]);
    assert_eq!(run.stdout, "1.5\n");
    let run = jitcall(&["call", "-l", "no_such_lib", "int f(void)"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("libno_such_lib.so") && run.stderr.contains("/usr/lib"),
        "{}",
        run.stderr
    );
}

#[test]
fn json_starts_on_its_own_line_after_the_callees_output() {
    let lib = fixture();
    let run = jitcall(&["call", "--json", "-l", lib, "int partial(void)"]);
    assert_eq!(
        run.stdout,
        "partial\n{\"function\": \"partial\", \"type\": \"int\", \"value\": \"7\"}\n"
    );
    let run = jitcall(&[
        "call",
        "int printf(const char *, ...)",
        "\"%d\\n\"",
        "42",
        "--json",
    ]);
    assert_eq!(
        run.stdout,
        "42\n{\"function\": \"printf\", \"type\": \"int\", \"value\": \"3\"}\n"
    );
    // Without --json, the output is the callee's, then the result.
    let run = jitcall(&["call", "-l", lib, "int partial(void)"]);
    assert_eq!(run.stdout, "partial7\n");
}

/// Runs a call that must fault, and checks the report and the exit status.
fn assert_faults(args: &[&str], signal: &str, number: i32, address: &str) {
    let run = jitcall(args);
    assert_eq!(
        run.code,
        128 + number,
        "{args:?}: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("crashed: {signal}"))
            && run.stderr.contains(&format!("at address {address}\n"))
            && run.stderr.contains("hint: the declaration may not match"),
        "{args:?}: {}",
        run.stderr
    );
}

#[test]
fn a_crashing_callee_is_reported() {
    let lib = fixture();
    assert_faults(
        &["call", "-l", lib, "int crash_here(void)"],
        "SIGSEGV",
        11,
        "0x0",
    );
    assert_faults(
        &["call", "-l", lib, "int deref(const int *)", "0x10"],
        "SIGSEGV",
        11,
        "0x10",
    );
    // A wrong prototype: strlen given NULL.
    assert_faults(
        &["call", "size_t strlen(const char *)", "NULL"],
        "SIGSEGV",
        11,
        "0x0",
    );
    let run = jitcall(&["call", "-l", lib, "int divide(int, int)", "1", "0"]);
    assert_eq!(run.code, 128 + 8, "{}", run.stderr);
    assert!(
        run.stderr.contains("`divide` crashed: SIGFPE"),
        "{}",
        run.stderr
    );
    // The function is named, and what it printed before is kept, also with --json.
    let run = jitcall(&[
        "call",
        "--json",
        "int printf(const char *, ...)",
        "\"x%s\"",
        "(char *)1",
    ]);
    assert_eq!(run.code, 139);
    assert!(run.stderr.contains("`printf` crashed"), "{}", run.stderr);
}
