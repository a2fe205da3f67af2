//! `jitcall run`: scripts of C declarations, variables and calls, end to end against
//! libc and sqlite3. Expected outputs are what the same calls give in C, written by
//! hand.

mod common;

use common::ScratchDir;
use common::cli::jitcall;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `jitcall run ARGS... -` with `script` on standard input.
fn run_script(script: &str, args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jitcall"))
        .arg("run")
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jitcall");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{script}\n{stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

const SQLITE: &str = r#"int sqlite3_open(const char *, void **);
int sqlite3_exec(void *, const char *, void *, void *, char **);
int sqlite3_changes(void *);
int sqlite3_close(void *);
void *db;
sqlite3_open(":memory:", &db);
sqlite3_exec(db, "create table t(x); insert into t values (1), (2), (3);", NULL, NULL, NULL);
int n = sqlite3_changes(db);
sqlite3_close(db);
"#;

#[test]
fn the_sqlite3_script_of_the_issue() {
    let dir = ScratchDir::new("run");
    let path = dir.join("sqlite.c");
    std::fs::write(&path, SQLITE).unwrap();
    let run = jitcall(&["run", "-l", "sqlite3", path.to_str().unwrap()]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "0\n0\nn = 3\n0\n"),
        "{}",
        run.stderr
    );
    // -l after the file, and the script on standard input.
    let (code, out, err) = run_script(SQLITE, &["-l", "sqlite3"]);
    assert_eq!((code, out.as_str()), (0, "0\n0\nn = 3\n0\n"), "{err}");
}

#[test]
fn variables_literals_and_out_pointers() {
    let script = r#"
        /* libc and libm, from the process */
        extern FILE *stdout;
        int fprintf(FILE *, const char *, ...);
        double frexp(double, int *);
        int snprintf(char *, size_t, const char *, ...);
        char *getenv(const char *);
        struct pt { int x; int y; };
        int e;                                  // zero until frexp writes it
        double m = frexp(8.5, &e);
        e;
        char buf[16];
        snprintf(buf, 16, "%d-%s", 42, "x");
        fprintf(stdout, "[%s]\n", buf);
        const char *name = "abc";
        struct pt p = {.y = 2};
        long big = 6000000000;
        unsigned short u = e;
        frexp(3, &(int){0});
        char *none = getenv("JITCALL_SURELY_UNSET");
    "#;
    let (code, out, err) = run_script(script, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "m = 0.53125\ne = 4\n4\n[42-x]\n7\nname = \"abc\"\np = {0, 2}\nbig = 6000000000\n\
         u = 4\n0.75\n2\nnone = NULL\n"
    );
}

#[test]
fn qsort_takes_a_comparator_by_name() {
    let dir = ScratchDir::new("run-qsort");
    let source = dir.join("cmp.c");
    std::fs::write(
        &source,
        "int cmp_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }\n",
    )
    .unwrap();
    let lib = dir.join("libcmp.so");
    common::build_shared("gcc", &[&source], &lib, &[]);
    let script = "void qsort(void *, size_t, size_t, int (*)(const void *, const void *));\n\
                  int v[5] = {5, -2, 9, 0, 1};\n\
                  qsort(v, 5, sizeof_int_is_4_here_so, cmp_int);\n";
    // `sizeof` is not read: the error names the line.
    let (code, out, err) = run_script(script, &["-l", lib.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (2, "v = {5, -2, 9, 0, 1}\n"));
    assert!(err.contains("<stdin>:3: argument 2"), "{err}");
    let script = script.replace("sizeof_int_is_4_here_so", "4") + "v;\n";
    let (code, out, err) = run_script(&script, &["-l", lib.to_str().unwrap()]);
    assert_eq!(
        (code, out.as_str()),
        (0, "v = {5, -2, 9, 0, 1}\nv = {-2, 0, 1, 5, 9}\n"),
        "{err}"
    );
}

#[test]
fn an_error_names_its_line_and_stops_the_script() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "int abs(int);\nabs(-1);\nabs(\"x\");\nabs(-2);\n",
            "1\n",
            "<stdin>:3: argument 0 (int): expected a number, found a string\n  3 | abs(\"x\");\n    |     ^~~\n",
        ),
        (
            "int abs(int);\nnope(1);\nabs(-2);\n",
            "",
            "<stdin>:2: `nope` is not declared",
        ),
        (
            "int abs(int);\nint x = 1;\nx = 2;\n",
            "x = 1\n",
            "<stdin>:3: `x` is already defined",
        ),
        (
            "int f(foo);\n",
            "",
            "<stdin>:1: unknown type name 'foo'\n  1 | int f(foo);\n    |       ^~~\n",
        ),
        (
            "#include <stdio.h>\n",
            "",
            "<stdin>:1: a script has no preprocessor",
        ),
        (
            "int abs(int);\nabs(1\n",
            "",
            "<stdin>:2: this bracket is never closed",
        ),
        (
            "unsigned char c = 300;\n",
            "",
            "<stdin>:1: `c` (unsigned char): 300 does not fit",
        ),
        (
            "extern int no_such_variable_anywhere;\n",
            "",
            "<stdin>:1: symbol `no_such_variable_anywhere` not found",
        ),
        (
            "int abs(int);\nabs(1, 2);\n",
            "",
            "<stdin>:2: abs: expected 1 argument(s), got 2",
        ),
        (
            "double frexp(double, int *);\nfrexp(1, {0});\n",
            "",
            "&(int){0}",
        ),
        (
            "/* never closed\nint x;\n",
            "",
            "<stdin>:1: this comment is never closed",
        ),
    ];
    for (script, stdout, message) in cases {
        let (code, out, err) = run_script(script, &[]);
        assert_eq!((code, out.as_str()), (2, *stdout), "{script}\n{err}");
        assert!(err.contains(message), "{script}\nwant {message}\ngot {err}");
    }
}

#[test]
fn a_crash_names_the_line() {
    let (code, out, err) = run_script(
        "int abs(int);\nsize_t strlen(const char *);\nabs(-3);\nstrlen(NULL);\nabs(-4);\n",
        &[],
    );
    assert_eq!((code, out.as_str()), (139, "3\n"));
    assert!(
        err.contains("<stdin>:4: `strlen` crashed: SIGSEGV"),
        "{err}"
    );
}

/// Scripts of random pieces of C: each must end in output or an error, never a panic.
#[test]
fn garbage_scripts_never_panic() {
    const PIECES: &[&str] = &[
        "int",
        "abs",
        "(",
        ")",
        ";",
        "=",
        "{",
        "}",
        "[",
        "]",
        ",",
        "&",
        "*",
        "-",
        "\"s\"",
        "'c'",
        "1",
        "0x10",
        "2.5",
        "x",
        "y",
        "struct",
        "s",
        "void",
        "char",
        "extern",
        "typedef",
        "NULL",
        "(int[]){1}",
        "&(int){0}",
        "int abs(int);",
        "int x;",
        "x",
        "/*",
        "*/",
        "//",
        "\n",
        "#",
        "...",
        "long",
        "double",
        "enum",
        "e",
        "A",
    ];
    let mut seed = 0x2545f4914f6cdd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..150 {
        let n = 1 + next() % 14;
        let script: Vec<&str> = (0..n)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let script = script.join(" ");
        let (code, _, err) = run_script(&script, &[]);
        assert!(code == 0 || code == 2, "{script:?}: exit {code}\n{err}");
    }
}

#[test]
fn json_lines_name_the_statement() {
    let script = "int printf(const char *, ...);\n\
                  double frexp(double, int *);\n\
                  printf(\"no newline\");\n\
                  double m = frexp(8.5, &(int){0});\n\
                  const char *s = \"a\\tb\";\n";
    let (code, out, err) = run_script(script, &["--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "no newline\n\
         {\"line\": 3, \"function\": \"printf\", \"type\": \"int\", \"value\": \"10\", \"errno\": 0}\n\
         {\"line\": 4, \"variable\": \"m\", \"type\": \"double\", \"value\": \"0.53125\", \
         \"out\": [{\"index\": 1, \"type\": \"int *\", \"value\": \"4\"}]}\n\
         {\"line\": 5, \"variable\": \"s\", \"type\": \"char *\", \"value\": \"\\\"a\\\\tb\\\"\"}\n"
    );
    let (code, out, _) = run_script(SQLITE, &["-l", "sqlite3", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 4);
    assert!(
        out.contains("{\"line\": 8, \"variable\": \"n\", \"type\": \"int\", \"value\": \"3\"}\n")
    );
}
