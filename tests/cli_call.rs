//! The `jitcall` command line, end to end: calls through the built binary against C
//! fixtures compiled by gcc and clang-19 (`common/cli.rs`).
//!
//! Expected outputs never come from jitcall's own code. Integer and aggregate results
//! are written here by hand (each fixture computes something easy to predict); floating
//! results are judged by an oracle program compiled by gcc, which reads jitcall's output
//! back with glibc's `strtod` / `strtof` / `strtold` and finds the shortest `%.*g`
//! precision that round-trips; values jitcall reads are judged by the fixture itself,
//! comparing them with the same C literal compiled by the C compiler.

mod common;

use common::cli::{
    D_LITERALS, F_LITERALS, LD_LITERALS, c_literal, call_ok, each_lib, fixtures, jitcall,
};
use common::run_jitcall;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

// ---------------------------------------------------------------------------------------
// Calls with expected results written by hand
// ---------------------------------------------------------------------------------------

/// `(declaration, arguments, expected output)`.
const CALLS: &[(&str, &[&str], &str)] = &[
    // Integers in every spelling, range-checked.
    ("int i_echo(int)", &["-5"], "-5"),
    ("int i_echo(int)", &["0x7fffffff"], "2147483647"),
    ("int i_echo(int)", &["-2147483648"], "-2147483648"),
    ("int i_echo(int)", &["017"], "15"),
    ("int i_echo(int)", &["0b101"], "5"),
    ("int i_echo(int)", &["10u"], "10"),
    ("int i_echo(int)", &["10ull"], "10"),
    ("int i_echo(int)", &["'A'"], "65"),
    ("int i_echo(int)", &["'\\n'"], "10"),
    ("int i_echo(int)", &["(long)9"], "9"),
    ("int i_echo(int)", &["+(3)"], "3"),
    ("int i_echo(int)", &["{42}"], "42"),
    (
        "long l_echo(long)",
        &["-9223372036854775808"],
        "-9223372036854775808",
    ),
    ("long l_echo(long)", &["(char)-1"], "-1"),
    ("unsigned u_echo(unsigned)", &["4294967295U"], "4294967295"),
    ("char c_echo(char)", &["-128"], "-128"),
    ("char c_echo(char)", &["'z'"], "122"),
    ("unsigned char uc_echo(unsigned char)", &["255"], "255"),
    ("short s_echo(short)", &["-32768"], "-32768"),
    ("_Bool b_not(_Bool)", &["0"], "true"),
    ("_Bool b_not(_Bool)", &["true"], "false"),
    ("signed char sc_min(void)", &[], "-128"),
    ("unsigned long ul_max(void)", &[], "18446744073709551615"),
    ("long l_min(void)", &[], "-9223372036854775808"),
    ("void v_nothing(void)", &[], ""),
    (
        "enum color { RED, GREEN = 5, BLUE }; int enum_val(enum color)",
        &["GREEN"],
        "50",
    ),
    (
        "enum color { RED, GREEN = 5, BLUE }; int enum_val(enum color)",
        &["BLUE"],
        "60",
    ),
    // __int128: 2^100 + 5 in decimal and in hex.
    (
        "int i128_is(__int128)",
        &["1267650600228229401496703205381"],
        "1",
    ),
    (
        "int i128_is(__int128)",
        &["0x10000000000000000000000005"],
        "1",
    ),
    (
        "__int128 i128_echo(__int128)",
        &["-170141183460469231731687303715884105728"],
        "-170141183460469231731687303715884105728",
    ),
    (
        "unsigned __int128 u128_max(void)",
        &[],
        "340282366920938463463374607431768211455",
    ),
    // Floating values: spellings the fixture checks with its own compiled literal.
    ("int d_is_hex(double)", &["0x1.8p3"], "1"),
    ("int d_is_hex(double)", &["12"], "1"),
    ("int f_is(float)", &["1.5f"], "1"),
    ("int f_is(float)", &["1.5"], "1"),
    ("int is_neg_zero(double)", &["-0.0"], "1"),
    ("int is_neg_zero(double)", &["0.0"], "0"),
    ("int is_nan(double)", &["nan"], "1"),
    ("int is_nan(double)", &["NAN"], "1"),
    ("int is_inf(double)", &["inf"], "1"),
    ("int is_inf(double)", &["-INFINITY"], "-1"),
    ("int is_inf(double)", &["1e999"], "1"),
    ("double d_echo(double)", &["-0.0"], "-0.0"),
    ("double d_echo(double)", &["1e10"], "10000000000"),
    ("double d_echo(double)", &["1e300"], "1e+300"),
    ("double d_echo(double)", &["0x1p-1074"], "5e-324"),
    ("double d_echo(double)", &["2"], "2"),
    ("float f_echo(float)", &["0.1"], "0.1"),
    (
        "long double ld_mul(long double, long double)",
        &["1.5", "4"],
        "6",
    ),
    (
        "long double ld_mul(long double, long double)",
        &["-0.5L", "0x1p-3"],
        "-0.0625",
    ),
    // Strings, escapes, NULL and pointers.
    ("size_t s_len(const char *)", &["\"hello\""], "5"),
    ("size_t s_len(const char *)", &["\"a\\tb\\x41\\101\""], "5"),
    ("size_t s_len(const char *)", &["\"\""], "0"),
    ("size_t s_len(const char *)", &["\"é\""], "2"),
    ("size_t s_len(const char *)", &["\"ab\" \"c\""], "3"),
    ("size_t s_len(const char *)", &["\"a\\0b\""], "1"),
    (
        "int s_is_escaped(const char *)",
        &["\"tab\\there\\n\\\\\\\"q\\\"\""],
        "1",
    ),
    (
        "const char *s_greet(void)",
        &[],
        "\"hi \\\"there\\\"\\n\\tA\\001\"",
    ),
    ("char *s_null(void)", &[], "NULL"),
    ("void *p_echo(void *)", &["0x1234"], "0x1234"),
    ("void *p_echo(void *)", &["NULL"], "NULL"),
    (
        "void *p_echo(void *)",
        &["(void *)0xdeadbeef"],
        "0xdeadbeef",
    ),
    ("int p_is_null(void *)", &["0"], "1"),
    // Structs, arrays, unions, packed, nested; designators and compound literals.
    (
        "struct pt { int x; double y; }; struct pt pt_make(int, double)",
        &["3", "4.5"],
        "{3, 4.5}",
    ),
    (
        "struct pt { int x; double y; }; double pt_sum(struct pt)",
        &["{1, 2.5}"],
        "3.5",
    ),
    (
        "struct pt { int x; double y; }; double pt_sum(struct pt)",
        &["{.y = 2.5, .x = 1}"],
        "3.5",
    ),
    (
        "struct pt { int x; double y; }; double pt_sum(struct pt)",
        &["{.y = 2}"],
        "2",
    ),
    (
        "struct pt { int x; double y; }; double pt_sum(struct pt)",
        &["(struct pt){4, 0.25}"],
        "4.25",
    ),
    (
        "typedef struct pt { int x; double y; } pt; double pt_sum(pt)",
        &["(pt){-1}"],
        "-1",
    ),
    (
        "struct big { long a, b, c; }; struct big big_make(long, long, long)",
        &["1", "-2", "3"],
        "{1, -2, 3}",
    ),
    (
        "struct big { long a, b, c; }; long big_sum(struct big)",
        &["{1, 2, 3}"],
        "321",
    ),
    (
        "struct arr { int v[3]; char name[4]; }; int arr_check(struct arr)",
        &["{{1, 2, 3}, \"ab\"}"],
        "1123",
    ),
    (
        "struct arr { int v[3]; char name[4]; }; int arr_check(struct arr)",
        &["{{[2] = 9}, {'a', 'b'}}"],
        "1009",
    ),
    (
        "struct arr { int v[3]; char name[4]; }; int arr_check(struct arr)",
        &["{.name = \"zz\", .v = {1}}"],
        "100",
    ),
    (
        "union u { float f; int i; }; int u_int(union u)",
        &["{.i = 7}"],
        "7",
    ),
    (
        "union u { float f; int i; }; float u_float(union u)",
        &["{1.5}"],
        "1.5",
    ),
    (
        "union u { float f; int i; }; union u u_make_float(float)",
        &["2.5"],
        "{.f = 2.5}",
    ),
    (
        "struct __attribute__((packed)) pk { char c; int i; }; int pk_sum(struct pk)",
        &["{1, 1000}"],
        "1001",
    ),
    (
        "struct pt { int x; double y; }; struct nest { struct pt p; char tag; }; \
         double nest_sum(struct nest)",
        &["{{1, 0.5}, 'a'}"],
        "98.5",
    ),
    // Complex values.
    (
        "double _Complex c_mul(double _Complex, double _Complex)",
        &["{1, 2}", "{3, 4}"],
        "{-5, 10}",
    ),
    (
        "double _Complex c_mul(double _Complex, double _Complex)",
        &["2", "{0, 1}"],
        "{0, 2}",
    ),
    (
        "float _Complex cf_conj(float _Complex)",
        &["{1.5, 2}"],
        "{1.5, -2}",
    ),
    (
        "long double _Complex ldc_make(long double, long double)",
        &["1.5", "-2"],
        "{1.5, -2}",
    ),
    // Variadic arguments take their C type from their spelling or a cast.
    (
        "double v_sum(const char *, ...)",
        &["\"il\"", "5", "6000000000"],
        "6000000005",
    ),
    (
        "double v_sum(const char *, ...)",
        &["\"u\"", "0xffffffff"],
        "4294967295",
    ),
    ("double v_sum(const char *, ...)", &["\"l\"", "-1L"], "-1"),
    (
        "double v_sum(const char *, ...)",
        &["\"ddd\"", "2.5", "1.5f", "(float)0.5"],
        "4.5",
    ),
    (
        "double v_sum(const char *, ...)",
        &["\"ii\"", "'a'", "(short)-3"],
        "94",
    ),
    (
        "double v_sum(const char *, ...)",
        &["\"s\"", "\"hello\""],
        "5",
    ),
    (
        "struct pt { int x; double y; }; double v_sum(const char *, ...)",
        &["\"p\"", "(struct pt){1, 2.5}"],
        "3.5",
    ),
    ("double v_sum(const char *, ...)", &["\"L\"", "1.5L"], "1.5"),
    (
        "double v_sum(const char *, ...)",
        &["\"L\"", "(long double)2"],
        "2",
    ),
    (
        "double v_sum(const char *, ...)",
        &["\"q\"", "(__int128)-5"],
        "-5",
    ),
    (
        "double v_sum(const char *, ...)",
        &["\"c\"", "(double _Complex){1, 2}"],
        "3",
    ),
    (
        "struct big { long a, b, c; }; double v_sum(const char *, ...)",
        &["\"B\"", "(struct big){1, 2, 3}"],
        "6",
    ),
    (
        "double v_sum(const char *, ...)",
        &[
            "\"ddddddddd\"",
            "1.0",
            "2.0",
            "3.0",
            "4.0",
            "5.0",
            "6.0",
            "7.0",
            "8.0",
            "9.0",
        ],
        "45",
    ),
    (
        "double v_sum(const char *, ...)",
        &["\"iiiiiii\"", "1", "2", "3", "4", "5", "6", "7"],
        "28",
    ),
    (
        "struct pt { int x; double y; }; double v_sum(const char *, ...)",
        &["\"idlp\"", "1", "2.5", "3L", "(struct pt){1, 1}"],
        "8.5",
    ),
    ("double v_sum(const char *, ...)", &["\"\""], "0"),
    // Several prototypes: the last is called, or the one named by --fn (below).
    ("int i_echo(int); long l_echo(long)", &["-7"], "-7"),
];

#[test]
fn calls_print_the_results_c_would() {
    let mut failures = Vec::new();
    each_lib(|cc, lib| {
        for (decl, args, want) in CALLS {
            let got = call_ok(lib, decl, args);
            if got != *want {
                failures.push(format!("{cc}: {decl} {args:?}: got {got:?}, want {want:?}"));
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn long_double_and_other_floating_literals_are_read_exactly() {
    // The fixture compares each argument with the same literal compiled by the C
    // compiler: unsuffixed, the text is read at the parameter's own precision.
    let mut failures = Vec::new();
    each_lib(|cc, lib| {
        let cases = [
            ("int ld_eq(long double, int)", LD_LITERALS, "L"),
            ("int d_eq(double, int)", D_LITERALS, ""),
            ("int f_eq(float, int)", F_LITERALS, "f"),
        ];
        for (decl, literals, suffix) in cases {
            for (i, text) in literals.iter().enumerate() {
                let index = i.to_string();
                let mut texts = vec![text.to_string()];
                let suffixed = c_literal(text, suffix);
                if suffixed != *text && !suffix.is_empty() {
                    texts.push(suffixed);
                }
                for t in texts {
                    let got = call_ok(lib, decl, &[&t, &index]);
                    if got != "1" {
                        failures.push(format!("{cc}: {decl}: {t} is not the C literal"));
                    }
                }
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Significant digits of a printed number (`-1.25e+300` has 3).
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1)
}

#[test]
fn floating_results_are_shortest_and_read_back_exactly() {
    let fx = fixtures();
    let out = Command::new(&fx.oracle).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let mut failures = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut outputs: Vec<(&str, String, usize, String)> = Vec::new();
    let (_, lib) = &fx.libs[0];
    for line in table.lines() {
        let mut parts = line.split(' ');
        let (kind, p, hex) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let i = index.entry(kind).or_insert(0);
        let decl = match kind {
            "L" => "long double ld_val(int)",
            "d" => "double d_val(int)",
            _ => "float f_val(int)",
        };
        let printed = call_ok(lib, decl, &[&i.to_string()]);
        outputs.push((kind, printed, p.parse().unwrap(), hex.to_string()));
        *i += 1;
    }
    for kind in ["L", "d", "f"] {
        let mine: Vec<&(&str, String, usize, String)> =
            outputs.iter().filter(|o| o.0 == kind).collect();
        let mut args = vec!["parse".to_string(), kind.to_string()];
        args.extend(mine.iter().map(|o| o.1.clone()));
        let parsed = Command::new(&fx.oracle).args(&args).output().unwrap();
        let parsed = String::from_utf8(parsed.stdout).unwrap();
        for (o, back) in mine.iter().zip(parsed.lines()) {
            let (_, printed, p, hex) = o;
            if back != hex {
                failures.push(format!(
                    "{kind}: printed {printed}, which reads back as {back}, not {hex}"
                ));
            }
            if significant_digits(printed) != *p {
                failures.push(format!(
                    "{kind}: printed {printed} with {} digits; the shortest has {p}",
                    significant_digits(printed)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn libraries_are_searched_in_order_then_the_process() {
    let libs = &fixtures().libs;
    for (cc, lib) in libs {
        let want = if *cc == "gcc" { "1" } else { "2" };
        assert_eq!(call_ok(lib, "int whoami(void)", &[]), want);
    }
    if let [(_, a), (_, b)] = libs.as_slice() {
        let run = jitcall(&[
            "call",
            "-l",
            b.to_str().unwrap(),
            "-l",
            a.to_str().unwrap(),
            "int whoami(void)",
        ]);
        assert_eq!(run.stdout, "2\n");
    }
    // A symbol from libc and one from libm, with a fixture library searched first.
    let lib = &libs[0].1;
    assert_eq!(call_ok(lib, "int abs(int)", &["-5"]), "5");
    assert_eq!(call_ok(lib, "double sqrt(double)", &["2.25"]), "1.5");
    let run = jitcall(&[
        "call",
        "--fn",
        "i_echo",
        "-l",
        lib.to_str().unwrap(),
        "int i_echo(int); long l_echo(long)",
        "7",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "7\n"));
}

#[test]
fn readme_commands() {
    let run = jitcall(&["call", "double pow(double, double)", "2", "10"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "1024\n"));
    let run = jitcall(&["call", "int abs(int)", "-5"]);
    assert_eq!(run.stdout, "5\n");
    let run = jitcall(&["call", "size_t strlen(const char *)", "\"hello\""]);
    assert_eq!(run.stdout, "5\n");
    let run = jitcall(&["call", "long labs(long)", "--", "-7"]);
    assert_eq!(run.stdout, "7\n");
    // printf's own output comes first (jitcall flushes C's stdio), then its result.
    let run = jitcall(&[
        "call",
        "int printf(const char *, ...)",
        "\"%s=%d %.2f\\n\"",
        "\"x\"",
        "42",
        "2.5",
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "x=42 2.50\n10\n"));
    let run = jitcall(&["call", "--json", "double pow(double, double)", "2", "0.5"]);
    assert_eq!(
        run.stdout,
        "{\"function\": \"pow\", \"type\": \"double\", \"value\": \"1.4142135623730951\", \"errno\": 0}\n"
    );
    let run = jitcall(&[
        "call",
        "--json",
        "char *getenv(const char *)",
        "\"JITCALL_T\"",
    ]);
    assert_eq!(
        run.stdout,
        "{\"function\": \"getenv\", \"type\": \"char *\", \"value\": \"NULL\", \"errno\": 0, \"string\": null}\n"
    );
    let run = run_jitcall(
        &[
            "call",
            "--json",
            "char *getenv(const char *)",
            "\"JITCALL_T\"",
        ],
        &[("JITCALL_T", "a\"b")],
    );
    assert_eq!(
        run.stdout,
        "{\"function\": \"getenv\", \"type\": \"char *\", \"value\": \"\\\"a\\\\\\\"b\\\"\", \
         \"errno\": 0, \"string\": \"a\\\"b\"}\n"
    );
    if Path::new("/usr/lib/x86_64-linux-gnu/libcurl.so.4").exists() {
        let run = jitcall(&["call", "-l", "libcurl.so.4", "char *curl_version(void)"]);
        assert!(run.stdout.starts_with("\"libcurl/"), "{}", run.stdout);
    }
}

#[test]
fn help_shows_examples() {
    for args in [
        &["--help"][..],
        &["call", "--help"],
        &["explain", "--help"],
        &["run", "--help"],
        &["fuzz", "--help"],
    ] {
        let run = jitcall(args);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout.contains("Examples:"),
            "{args:?}:\n{}",
            run.stdout
        );
    }
    let run = jitcall(&["--help"]);
    assert!(run.stdout.contains("call") && run.stdout.contains("explain"));
    assert!(run.stdout.contains("fuzz"));
}

// ---------------------------------------------------------------------------------------
// --vector-abi
// ---------------------------------------------------------------------------------------

/// `--vector-abi` states how the callee takes 32- and 64-byte vectors, for `call`,
/// `explain` and `run`: the same source built by gcc without AVX, with `-mavx2` and
/// with `-mavx512f` (where this CPU runs them), each called with its choice; a
/// declaration's own `target` attribute that says otherwise is an error.
#[test]
fn vector_abi_option_states_how_the_callee_was_built() {
    let source = r#"
        typedef double v4d __attribute__((vector_size(32)));
        typedef double v8d __attribute__((vector_size(64)));
        v4d twice(v4d a, v4d b) { return a * 2 + b; }
        double sum8(v8d a) { double s = 0; for (int i = 0; i < 8; i++) s += a[i] * (i + 1); return s; }
    "#;
    let types = "typedef double v4d __attribute__((vector_size(32))); \
                 typedef double v8d __attribute__((vector_size(64)));";
    let twice = format!("{types} v4d twice(v4d, v4d);");
    let sum8 = format!("{types} double sum8(v8d);");
    let dir = common::ScratchDir::new("cli-vector-abi");
    let c = dir.join("v.c");
    std::fs::write(&c, source).unwrap();
    let mut builds = vec![("", "sse")];
    if std::arch::is_x86_feature_detected!("avx2") {
        builds.push(("-mavx2", "avx"));
    }
    if std::arch::is_x86_feature_detected!("avx512f") {
        builds.push(("-mavx512f", "avx512"));
    }
    for (flag, abi) in builds {
        let so = dir.join(format!("libv{flag}.so"));
        common::build_shared("gcc", &[&c], &so, &[flag][..usize::from(!flag.is_empty())]);
        let lib = so.to_str().unwrap();
        // The option may follow the arguments.
        let run = jitcall(&[
            "call",
            "-l",
            lib,
            &twice,
            "{1, 2, 3, 4}",
            "{10, 20, 30, 40}",
            "--vector-abi",
            abi,
        ]);
        assert_eq!(run.code, 0, "{flag}: {}", run.stderr);
        assert_eq!(run.stdout, "{12, 24, 36, 48}\n", "{flag}");
        let run = jitcall(&[
            "call",
            "--vector-abi",
            abi,
            "-l",
            lib,
            &sum8,
            "{1, 2, 3, 4, 5, 6, 7, 8}",
        ]);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, "204\n"),
            "{flag}: {}",
            run.stderr
        );

        let script = dir.join(format!("s{abi}.c"));
        std::fs::write(
            &script,
            format!("{twice}\ntwice({{1, 2, 3, 4}}, {{0.5, 0, 0, -8}});\n"),
        )
        .unwrap();
        let run = jitcall(&[
            "run",
            "-l",
            lib,
            "--vector-abi",
            abi,
            script.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{flag}: {}", run.stderr);
        assert_eq!(run.stdout, "{2.5, 4, 6, 0}\n", "{flag}");
    }

    // explain shows the choice.
    for (abi, name, where_) in [
        (
            "sse",
            "VectorAbi::Sse, as stated",
            "a 32-byte vector travels in memory",
        ),
        (
            "avx",
            "VectorAbi::Avx, as stated",
            "a 32-byte vector travels in a ymm register",
        ),
        (
            "detect",
            ", detected on this CPU",
            "a 32-byte vector travels in",
        ),
    ] {
        let run = jitcall(&["explain", "--vector-abi", abi, &twice]);
        if run.code != 0 {
            // Only a CPU without AVX refuses a __m256 in ymm.
            assert!(
                !std::arch::is_x86_feature_detected!("avx"),
                "{abi}: {}",
                run.stderr
            );
            assert!(run.stderr.contains("AVX"), "{abi}: {}", run.stderr);
            continue;
        }
        assert!(run.stdout.contains(name), "{abi}:\n{}", run.stdout);
        assert!(run.stdout.contains(where_), "{abi}:\n{}", run.stdout);
    }

    // A declaration that states the choice: the same choice, or `detect`, is no
    // conflict; another is an error, in call, explain and run alike.
    let stated = format!("{types} v4d twice(v4d, v4d) __attribute__((target(\"no-avx\")));");
    for abi in ["sse", "detect"] {
        let run = jitcall(&["explain", "--vector-abi", abi, &stated]);
        assert_eq!(run.code, 0, "{abi}: {}", run.stderr);
        assert!(
            run.stdout.contains("VectorAbi::Sse"),
            "{abi}:\n{}",
            run.stdout
        );
    }
    let run = jitcall(&[
        "call",
        "--vector-abi",
        "avx",
        &stated,
        "{1, 2, 3, 4}",
        "{1, 2, 3, 4}",
    ]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "--vector-abi avx: `twice` is declared with __attribute__((target(..))) for SSE"
        ) && run.stderr.contains("drop the option or the attribute"),
        "{}",
        run.stderr
    );
    let run = jitcall(&["explain", "--vector-abi", "avx512", &stated]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let script = dir.join("conflict.c");
    std::fs::write(
        &script,
        format!("{stated}\ntwice({{1, 2, 3, 4}}, {{1, 2, 3, 4}});\n"),
    )
    .unwrap();
    let run = jitcall(&["run", "--vector-abi", "avx", script.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(":2: --vector-abi avx"),
        "{}",
        run.stderr
    );
    // Without a 32- or 64-byte vector the choice changes nothing: no conflict.
    let run = jitcall(&[
        "call",
        "--vector-abi",
        "sse",
        "int abs(int) __attribute__((target(\"avx2\")));",
        "-5",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "5\n"),
        "{}",
        run.stderr
    );
    let run = jitcall(&["call", "--vector-abi", "avx3", "int abs(int);", "-5"]);
    assert_eq!(run.code, 2, "{}", run.stdout);

    for command in ["call", "explain", "run"] {
        let run = jitcall(&[command, "--help"]);
        assert!(
            run.stdout.contains("--vector-abi <ABI>"),
            "{command}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("target(\"avx2\""),
            "{command}:\n{}",
            run.stdout
        );
    }
}
