//! The `jitcall` command line's error paths: every one exits with status 2 and a
//! message (with a caret under the offending text where there is one), never a panic.
//! The same inputs to the library are in `tests/errors.rs`.

mod common;

use common::cli::{fixtures, jitcall};

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// `(arguments after "call -l FIXTURE", expected pieces of stderr)`.
const ERRORS: &[(&[&str], &[&str])] = &[
    (
        &["int f(foo)", "1"],
        &[
            "in DECLARATIONS, line 1, column 7: unknown type name 'foo'",
            "  1 | int f(foo)\n    |       ^~~",
        ],
    ),
    (&["struct s { int a; };"], &["declare no function"]),
    (
        &["struct s { int a : 3; }; int i_echo(struct s)", "{.a = 9}"],
        &["9 does not fit in bit-field 'a' (`int a : 3` holds -4 to 3)"],
    ),
    (
        &["struct s { int a : 33; }; int f(struct s)", "{1}"],
        &["width of bit-field 'a' (33) exceeds its type 'int' (32 bits)"],
    ),
    (
        &["int i_echo(int)"],
        &["i_echo: expected 1 argument(s), got 0"],
    ),
    (
        &["int i_echo(int)", "1", "2"],
        &["expected 1 argument(s), got 2"],
    ),
    (
        &["double v_sum(const char *, ...)"],
        &["expected at least 1 argument(s), got 0"],
    ),
    (
        &["void v_nothing(void)", "1"],
        &["expected 0 argument(s), got 1"],
    ),
    (
        &["int i_echo(int)", "3000000000"],
        &[
            "argument 0 (int): 3000000000 does not fit in `int` (-2147483648 to 2147483647)",
            "  | 3000000000\n  | ^~~~~~~~~~",
        ],
    ),
    (
        &["unsigned u_echo(unsigned)", "-1"],
        &["-1 does not fit in `unsigned int`"],
    ),
    (
        &["char c_echo(char)", "'\\400'"],
        &["octal escape sequence out of range"],
    ),
    (
        &["char c_echo(char)", "200"],
        &["200 does not fit in `char` (-128 to 127)"],
    ),
    (
        &["_Bool b_not(_Bool)", "2"],
        &["2 does not fit in `_Bool` (0 to 1)"],
    ),
    (&["int i_echo(int)", "2.5"], &["found a floating value"]),
    (
        &["int i_echo(int)", "\"x\""],
        &["expected a number, found a string"],
    ),
    (&["int i_echo(int)", "foo"], &["unknown name 'foo'"]),
    (&["int i_echo(int)", "12abc"], &["invalid suffix 'abc'"]),
    (
        &["int i_echo(int)", "09"],
        &["invalid digit '9' in octal constant"],
    ),
    (&["int i_echo(int)", ""], &["empty value"]),
    (
        &["int i_echo(int)", "1 2"],
        &["expected the end of the value, found '2'"],
    ),
    (
        &["int i_echo(int)", "(lng)5"],
        &[
            "in the cast: unknown type name 'lng'",
            "  | (lng)5\n  |  ^~~",
        ],
    ),
    (&["int i_echo(int)", "(1"], &["expected ')'"]),
    (
        &["int f_is(float)", "3/2"],
        &["expected the end of the value, found '/'"],
    ),
    (&["int f_is(float)", "0x1.8"], &["needs an exponent"]),
    (
        &[
            "__int128 i128_echo(__int128)",
            "0x1ffffffffffffffffffffffffffffffff",
        ],
        &["needs more than 128 bits"],
    ),
    (
        &[
            "__int128 i128_echo(__int128)",
            "170141183460469231731687303715884105728",
        ],
        &["does not fit in `__int128`"],
    ),
    (
        &["size_t s_len(const char *)", "\"abc"],
        &["unterminated string"],
    ),
    (
        &["size_t s_len(const char *)", "\"\\q\""],
        &["unknown escape sequence '\\q'"],
    ),
    (
        &["size_t s_len(const char *)", "L\"x\""],
        &["unsupported: prefixed"],
    ),
    (&["void *p_echo(void *)", "-1"], &["an address must be"]),
    (&["void *p_echo(void *)", "1.5"], &["expected a pointer"]),
    (
        &[
            "struct pt { int x; double y; }; double pt_sum(struct pt)",
            "{1, 2, 3}",
        ],
        &[
            "too many values for struct pt: it has 2 member(s)",
            "  | {1, 2, 3}\n  |        ^",
        ],
    ),
    (
        &[
            "struct pt { int x; double y; }; double pt_sum(struct pt)",
            "{.z = 1}",
        ],
        &["struct pt has no member named 'z' (members: x, y)"],
    ),
    (
        &[
            "struct pt { int x; double y; }; double pt_sum(struct pt)",
            "5",
        ],
        &["expected a brace initializer {...} for `struct pt`, found an integer"],
    ),
    (
        &[
            "struct pt { int x; double y; }; double pt_sum(struct pt)",
            "{.x.y = 1}",
        ],
        &["designator chains"],
    ),
    (
        &["union u { float f; int i; }; int u_int(union u)", "{1, 2}"],
        &["a union takes one value"],
    ),
    (
        &[
            "struct arr { int v[3]; char name[4]; }; int arr_check(struct arr)",
            "{{[3] = 1}}",
        ],
        &["index 3 is past the end of int[3]"],
    ),
    (
        &[
            "struct arr { int v[3]; char name[4]; }; int arr_check(struct arr)",
            "{{0}, \"abcde\"}",
        ],
        &["string of 5 byte(s) is too long for char[4]"],
    ),
    (
        &["double v_sum(const char *, ...)", "\"p\"", "{1, 2}"],
        &["argument 1 (variadic): a variadic argument needs a type"],
    ),
    (
        &[
            "double v_sum(const char *, ...)",
            "\"l\"",
            "18446744073709551616",
        ],
        &["too large for `unsigned long`"],
    ),
    (
        &["double v_sum(const char *, ...)", "\"u\"", "-1u"],
        &["-1 does not fit in `unsigned int`"],
    ),
    (
        &["int nosuch_function(int)", "1"],
        &["symbol `nosuch_function` not found; looked in: "],
    ),
    (
        &["double d_echo(double)", "(void)1"],
        &["cannot cast to `void`"],
    ),
    (
        &[
            "struct huge { char a[1000000]; }; int i_echo(struct huge)",
            "{}",
        ],
        &["has more than 65536 scalar members"],
    ),
];

#[test]
fn every_error_exits_2_with_a_message() {
    let lib = fixtures().libs[0].1.to_str().unwrap().to_string();
    let mut failures = Vec::new();
    for (args, want) in ERRORS {
        let mut all = vec!["call", "-l", lib.as_str()];
        all.extend_from_slice(args);
        let run = jitcall(&all);
        if run.code != 2 || !run.stdout.is_empty() {
            failures.push(format!(
                "{args:?}: exit {} (want 2), stdout {:?}, stderr {:?}",
                run.code, run.stdout, run.stderr
            ));
            continue;
        }
        for w in *want {
            if !run.stderr.contains(w) {
                failures.push(format!("{args:?}: stderr lacks {w:?}:\n{}", run.stderr));
            }
        }
        if !run.stderr.starts_with("jitcall: ") {
            failures.push(format!("{args:?}: stderr {:?}", run.stderr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn loader_errors_say_where_jitcall_looked() {
    let lib = fixtures().libs[0].1.to_str().unwrap().to_string();
    let run = jitcall(&["call", "-l", &lib, "int nope(void)"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!(
            "looked in: {lib}, the jitcall process, libm.so.6, libc.so.6"
        )),
        "{}",
        run.stderr
    );
    let run = jitcall(&["call", "-l", "/nonexistent/libx.so", "int abs(int)", "1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot open library `/nonexistent/libx.so`")
    );
    // Deep nesting is refused, not a stack overflow.
    let deep = "{".repeat(100_000);
    let run = jitcall(&["call", "-l", &lib, "int i_echo(int)", &deep]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nested more than"), "{}", run.stderr);
    // Usage errors are clap's, also exit 2.
    let run = jitcall(&["call"]);
    assert_eq!(run.code, 2);
    let run = jitcall(&["explain", "int f(foo)"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown type name 'foo'"));
    let run = jitcall(&["explain", "--fn", "g", "int f(int)"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--fn g: no such function declared (declared: f)")
    );
}
