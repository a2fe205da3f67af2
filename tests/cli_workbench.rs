//! The command line as a C workbench, end to end against real libraries (libc, libm,
//! zlib, sqlite3) and a fixture compiled by gcc: options anywhere, `-l z` as the linker
//! reads it, `--json` after a callee's own output, a crashing callee reported, errno
//! as the callee left it.
//!
//! Expected values are what C gives, written by hand (`frexp(8.5)` is 0.53125 × 2⁴).

mod common;

use common::cli::jitcall;
use common::{ScratchDir, build_shared};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Functions that fault, print without a newline, compare ints, compiled by gcc.
const FIXTURE: &str = r#"
#include <errno.h>
#include <stdio.h>
int fail_with(int e) { errno = e; return -1; }
int errno_now(void) { return errno; }
int deref(const int *p) { return *p; }
int crash_here(void) { volatile int *p = 0; return *p; }
int divide(int a, int b) { return a / b; }
int partial(void) { printf("partial"); return 7; }
int apply(int (*f)(int), int x) { return f(x); }
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
        "{\"function\": \"labs\", \"type\": \"long\", \"value\": \"7\", \"errno\": 0}\n"
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
        "partial\n{\"function\": \"partial\", \"type\": \"int\", \"value\": \"7\", \"errno\": 0}\n"
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
        "42\n{\"function\": \"printf\", \"type\": \"int\", \"value\": \"3\", \"errno\": 0}\n"
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

#[test]
fn out_pointers_print_their_objects_after_the_result() {
    let run = jitcall(&["call", "double frexp(double, int *)", "8.5", "&(int){0}"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "0.53125\n4\n"),
        "{}",
        run.stderr
    );
    let run = jitcall(&[
        "call",
        "--json",
        "double frexp(double, int *)",
        "8.5",
        "&(int){0}",
    ]);
    assert_eq!(
        run.stdout,
        "{\"function\": \"frexp\", \"type\": \"double\", \"value\": \"0.53125\", \"errno\": 0, \
         \"out\": [{\"index\": 1, \"type\": \"int *\", \"value\": \"4\"}]}\n"
    );
    let run = jitcall(&[
        "call",
        "double modf(double, double *)",
        "-2.25",
        "&(double){}",
    ]);
    assert_eq!(run.stdout, "-0.25\n-2\n");
    // A char buffer that holds a string prints as one.
    let run = jitcall(&[
        "call",
        "int snprintf(char *, size_t, const char *, ...)",
        "(char[64]){0}",
        "64",
        "\"%d-%s\"",
        "42",
        "\"x\"",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "4\n\"42-x\"\n"),
        "{}",
        run.stderr
    );
    // Variadic out pointers: sscanf's.
    let run = jitcall(&[
        "call",
        "int sscanf(const char *, const char *, ...)",
        "\"12 ab 2.5\"",
        "\"%d %s %lf\"",
        "&(int){0}",
        "(char[8]){0}",
        "&(double){0}",
    ]);
    assert_eq!(run.stdout, "3\n12\n\"ab\"\n2.5\n");
    // strtol's end pointer: the address of the 'a' in the string jitcall passed.
    let run = jitcall(&[
        "call",
        "long strtol(const char *, char **, int)",
        "\"123abc\"",
        "&(char *){0}",
        "10",
    ]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.first(), Some(&"123"), "{}", run.stderr);
    assert!(
        lines.get(1).is_some_and(|l| l.starts_with("0x")),
        "{}",
        run.stdout
    );
    // A struct, filled in by the callee.
    let run = jitcall(&[
        "call",
        "struct div { int quot, rem; }; void *memcpy(void *, const void *, size_t)",
        "&(struct div){0}",
        "&(struct div){7, -1}",
        "8",
    ]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.get(1..),
        Some(&["{7, -1}", "{7, -1}"][..]),
        "{}",
        run.stdout
    );
}

#[test]
fn sqlite3_open_fills_in_a_handle() {
    let run = jitcall(&[
        "call",
        "-l",
        "sqlite3",
        "int sqlite3_open(const char *, void **)",
        "\":memory:\"",
        "&(void *){0}",
    ]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.first(), Some(&"0"), "{}", run.stderr);
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.starts_with("0x") && *l != "0x0"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_brace_list_for_a_pointer_is_an_error_that_suggests_a_compound_literal() {
    let run = jitcall(&["call", "double frexp(double, int *)", "8.5", "{0}"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("argument 1 (int *)") || run.stderr.contains("argument 1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("&(int){0}") && run.stderr.contains("  | {0}\n  | ^~~"),
        "{}",
        run.stderr
    );
    for (arg, caret) in [
        ("&(int)5", "^~~~~~~"),
        ("(int[]){}", "^~~~~~~~~"),
        ("&nobody", " ^~~~~~"),
    ] {
        let run = jitcall(&["call", "double frexp(double, int *)", "8.5", arg]);
        assert_eq!(run.code, 2, "{arg}");
        assert!(
            run.stderr.contains(&format!("  | {caret}\n")),
            "{arg}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_function_name_passes_the_function() {
    let lib = fixture();
    let run = jitcall(&[
        "call",
        "-l",
        lib,
        "void qsort(void *, size_t, size_t, int (*)(const void *, const void *))",
        "(int[]){3, -1, 20, 2}",
        "4",
        "4",
        "cmp_int",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "{-1, 2, 3, 20}\n"),
        "{}",
        run.stderr
    );
    // The same name as its address, and a libc function by name.
    let run = jitcall(&[
        "call",
        "-l",
        lib,
        "void qsort(void *, size_t, size_t, int (*)(const void *, const void *))",
        "(int[]){3, 1, 2}",
        "3",
        "4",
        "&cmp_int",
    ]);
    assert_eq!(run.stdout, "{1, 2, 3}\n");
    // A function of libc, given to a fixture's function.
    let run = jitcall(&[
        "call",
        "-l",
        lib,
        "int apply(int (*)(int), int)",
        "abs",
        "-5",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "5\n"),
        "{}",
        run.stderr
    );
    let run = jitcall(&[
        "call",
        "int apply(int (*)(int), int)",
        "no_such_function_here",
        "1",
        "-l",
        lib,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown name 'no_such_function_here'")
            && run.stderr.contains("  | ^~~~~~~~~~~~~~~~~~~~~"),
        "{}",
        run.stderr
    );
}

/// The README's "Real APIs from the shell" commands, with their printed outputs.
#[test]
fn readme_real_apis() {
    let run = jitcall(&[
        "call",
        "int snprintf(char *, size_t, const char *, ...)",
        "(char[32]){0}",
        "32",
        "\"%s is %d\"",
        "\"answer\"",
        "42",
    ]);
    assert_eq!(run.stdout, "12\n\"answer is 42\"\n");
    let dir = ScratchDir::new("readme-cmp");
    let source = dir.join("cmp.c");
    std::fs::write(
        &source,
        "int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }",
    )
    .unwrap();
    let lib = dir.join("libcmp.so");
    build_shared("cc", &[&source], &lib, &[]);
    let run = jitcall(&[
        "call",
        "void qsort(void *, size_t, size_t, int (*)(const void *, const void *))",
        "(int[]){3, 1, 2}",
        "3",
        "4",
        "cmp",
        "-l",
        lib.to_str().unwrap(),
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "{1, 2, 3}\n"),
        "{}",
        run.stderr
    );
}

/// Every call captures errno in its trampoline, having set it to 0 first: stderr names
/// it when the call set it, `--json` always has it. Names and messages are glibc's.
#[test]
fn errno_is_shown_when_the_call_sets_it() {
    let run = jitcall(&[
        "call",
        "int open(const char *, int)",
        "\"/nonexistent/file\"",
        "0",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "-1\n"));
    assert_eq!(run.stderr, "errno 2 (ENOENT: No such file or directory)\n");
    let run = jitcall(&[
        "call",
        "--json",
        "int open(const char *, int)",
        "\"/nonexistent/file\"",
        "0",
    ]);
    assert_eq!(
        run.stdout,
        "{\"function\": \"open\", \"type\": \"int\", \"value\": \"-1\", \"errno\": 2}\n"
    );
    // strtol's ERANGE, from libc itself.
    let run = jitcall(&[
        "call",
        "long strtol(const char *, char **, int)",
        "\"99999999999999999999\"",
        "NULL",
        "10",
    ]);
    assert_eq!(run.stdout, "9223372036854775807\n");
    assert_eq!(
        run.stderr,
        "errno 34 (ERANGE: Numerical result out of range)\n"
    );
    // A fixture's own value, negative included; no line when the call leaves errno 0,
    // which it is at the call whatever jitcall did before (opening libraries).
    let lib = fixture();
    let run = jitcall(&["call", "-l", lib, "int fail_with(int)", "84"]);
    assert_eq!(
        run.stderr,
        "errno 84 (EILSEQ: Invalid or incomplete multibyte or wide character)\n"
    );
    let run = jitcall(&[
        "call",
        "-l",
        lib,
        "--json",
        "int fail_with(int)",
        "--",
        "-3",
    ]);
    assert!(run.stdout.ends_with(", \"errno\": -3}\n"), "{}", run.stdout);
    let run = jitcall(&["call", "-l", lib, "int errno_now(void)"]);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("0\n", ""));
}

/// In a script, each call's errno is its own: set to 0 before it, named after it.
#[test]
fn errno_in_scripts_is_per_call() {
    let lib = fixture();
    let script = "int fail_with(int);\nint errno_now(void);\n\
                  int r = fail_with(2);\nerrno_now();\n";
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jitcall"))
        .args(["run", "-l", lib, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "r = -1\n0\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "<stdin>:3: `fail_with`: errno 2 (ENOENT: No such file or directory)\n"
    );
}
