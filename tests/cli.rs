//! The `jitcall` command line, end to end: the built binary against C fixtures compiled
//! by gcc and clang-19.
//!
//! Expected outputs never come from jitcall's own code. Integer and aggregate results
//! are written here by hand (each fixture computes something easy to predict); floating
//! results are judged by an oracle program compiled by gcc, which reads jitcall's output
//! back with glibc's `strtod` / `strtof` / `strtold` and finds the shortest `%.*g`
//! precision that round-trips; values jitcall reads are judged by the fixture itself,
//! comparing them with the same C literal compiled by the C compiler.
//!
//! Also here: every error path (exit code 2, a message, never a panic), the golden
//! files of `explain` (text and JSON, under `tests/golden/`; regenerate with
//! `JITCALL_BLESS=1`), and a check of `explain`'s stated locations against the
//! register-capture probe (`asm/probe.S`) called through `jitcall call`.

mod common;

use common::{Run, ScratchDir, build_executable, build_shared, compilers, run_jitcall};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

fn jitcall(args: &[&str]) -> Run {
    run_jitcall(args, &[])
}

/// Runs `jitcall call -l LIB DECL ARGS...` and returns its one line of output.
fn call_ok(lib: &Path, decl: &str, args: &[&str]) -> String {
    let mut all = vec!["call", "-l", lib.to_str().unwrap(), decl];
    all.extend_from_slice(args);
    let run = jitcall(&all);
    assert_eq!(
        run.code, 0,
        "jitcall {all:?} failed:\n{}{}",
        run.stdout, run.stderr
    );
    run.stdout.trim_end_matches('\n').to_string()
}

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

/// Floating values the fixture returns (`ld_val(i)`, `d_val(i)`, `f_val(i)`) and the
/// oracle prints, and C literals the fixture compares its argument with (`ld_eq`...).
const TABLES: &str = r#"
#include <float.h>
static const long double ld_table[] = {
    1.0L / 3, 0.1L, 2.0L / 3 * 1e300L, 1e-4940L, LDBL_MAX, -LDBL_MIN, 1.0L, 1e20L,
    123.456L, 0x1p-16445L, 3.0L, 1e-5L, 0.1, -2.0L / 7,
};
static const double d_table[] = {
    0.1 + 0.2, 1e300 * 3, 5e-324, 1.0 / 3, DBL_MAX, 1e16, 1e17, 0.0001, 0.00001, 1024,
    1.5e-7, -0.5,
};
static const float f_table[] = { 1.0f / 3, 16777217.0f, FLT_MIN, 0.1f, 3.4e38f, 1e-45f };
"#;

const LD_LITERALS: &[&str] = &[
    "0.1",
    "1.1",
    "1e-4940",
    "0x1.8p3",
    "1.18973149535723176502e4932",
    "3.6451995318824746025e-4951",
    "123456789012345678901234567890.0",
    "-2.5e-300",
    "0.333333333333333333333333333333333333",
    "0x1.123456789abcdef0123p-16000",
];
const D_LITERALS: &[&str] = &[
    "0.1",
    "2.2250738585072011e-308",
    "0x1.fffffffffffffp1023",
    "4.9406564584124654e-324",
    "1e23",
    "9007199254740993",
    "8.98846567431158e307",
];
const F_LITERALS: &[&str] = &["0.1", "16777217", "1e-45", "3.4028235e38", "0x1.fffffep127"];

/// The C spelling of a literal of a table: reals get the type's suffix.
fn c_literal(text: &str, suffix: &str) -> String {
    let is_real = text.contains('.') || text.contains('p') || text.contains('e');
    if is_real && !text.starts_with("0x") || text.contains('p') {
        format!("{text}{suffix}")
    } else {
        text.to_string()
    }
}

fn literal_tables() -> String {
    let table = |name: &str, ty: &str, items: &[&str], suffix: &str| {
        let items: Vec<String> = items.iter().map(|t| c_literal(t, suffix)).collect();
        format!("static const {ty} {name}[] = {{ {} }};\n", items.join(", "))
    };
    table("ld_lits", "long double", LD_LITERALS, "L")
        + &table("d_lits", "double", D_LITERALS, "")
        + &table("f_lits", "float", F_LITERALS, "f")
}

const FIXTURE: &str = r#"
#include <stdarg.h>
#include <string.h>
#include <stddef.h>

struct pt { int x; double y; };
struct pt pt_make(int x, double y) { struct pt p = { x, y }; return p; }
double pt_sum(struct pt p) { return p.x + p.y; }

struct big { long a, b, c; };
struct big big_make(long a, long b, long c) { struct big r = { a, b, c }; return r; }
long big_sum(struct big b) { return b.a + b.b * 10 + b.c * 100; }

struct arr { int v[3]; char name[4]; };
int arr_check(struct arr a) {
    return a.v[0] * 100 + a.v[1] * 10 + a.v[2] + (strcmp(a.name, "ab") == 0 ? 1000 : 0);
}

union u { float f; int i; };
int u_int(union u x) { return x.i; }
float u_float(union u x) { return x.f; }
union u u_make_float(float f) { union u x; x.f = f; return x; }

struct __attribute__((packed)) pk { char c; int i; };
int pk_sum(struct pk p) { return p.c + p.i; }

struct nest { struct pt p; char tag; };
double nest_sum(struct nest n) { return n.p.x + n.p.y + n.tag; }

long double ld_mul(long double a, long double b) { return a * b; }
long double _Complex ldc_make(long double re, long double im) {
    return __builtin_complex(re, im);
}
double _Complex c_mul(double _Complex a, double _Complex b) { return a * b; }
float _Complex cf_conj(float _Complex a) { return __builtin_complex(__real__ a, -__imag__ a); }

__int128 i128_echo(__int128 x) { return x; }
int i128_is(__int128 x) { return x == (((__int128)1 << 100) + 5); }
unsigned __int128 u128_max(void) { return ~(unsigned __int128)0; }

int i_echo(int x) { return x; }
long l_echo(long x) { return x; }
unsigned u_echo(unsigned x) { return x; }
double d_echo(double x) { return x; }
float f_echo(float x) { return x; }
int d_is_hex(double x) { return x == 0x1.8p3; }
int f_is(float x) { return x == 1.5f; }
int is_neg_zero(double x) { return x == 0 && __builtin_signbit(x); }
int is_nan(double x) { return x != x; }
int is_inf(double x) { return x == __builtin_inf() ? 1 : x == -__builtin_inf() ? -1 : 0; }
char c_echo(char c) { return c; }
unsigned char uc_echo(unsigned char c) { return c; }
short s_echo(short s) { return s; }
_Bool b_not(_Bool b) { return !b; }
signed char sc_min(void) { return -128; }
unsigned long ul_max(void) { return ~0ul; }
long l_min(void) { return -9223372036854775807l - 1; }
void v_nothing(void) {}

enum color { RED, GREEN = 5, BLUE };
int enum_val(enum color c) { return c * 10; }

size_t s_len(const char *s) { return strlen(s); }
int s_is_escaped(const char *s) { return strcmp(s, "tab\there\n\\\"q\"") == 0; }
const char *s_greet(void) { return "hi \"there\"\n\tA\001"; }
const char *s_null(void) { return 0; }
void *p_echo(void *p) { return p; }
int p_is_null(void *p) { return p == 0; }

int whoami(void) {
#ifdef __clang__
    return 2;
#else
    return 1;
#endif
}

/* Sums variadic arguments described by fmt: i int, u unsigned, l long, d double,
   L long double, q __int128, s strlen(char *), p struct pt, B struct big,
   c double _Complex (re + im). */
double v_sum(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    double total = 0;
    for (const char *f = fmt; *f; f++) {
        switch (*f) {
        case 'i': total += va_arg(ap, int); break;
        case 'u': total += va_arg(ap, unsigned); break;
        case 'l': total += va_arg(ap, long); break;
        case 'd': total += va_arg(ap, double); break;
        case 'L': total += (double)va_arg(ap, long double); break;
        case 'q': total += (double)va_arg(ap, __int128); break;
        case 's': total += strlen(va_arg(ap, const char *)); break;
        case 'p': { struct pt p = va_arg(ap, struct pt); total += p.x + p.y; break; }
        case 'B': { struct big b = va_arg(ap, struct big); total += b.a + b.b + b.c; break; }
        case 'c': { double _Complex z = va_arg(ap, double _Complex);
                    total += __real__ z + __imag__ z; break; }
        }
    }
    va_end(ap);
    return total;
}

long double ld_val(int i) { return ld_table[i]; }
double d_val(int i) { return d_table[i]; }
float f_val(int i) { return f_table[i]; }
int ld_eq(long double x, int i) { return x == ld_lits[i]; }
int d_eq(double x, int i) { return x == d_lits[i]; }
int f_eq(float x, int i) { return x == f_lits[i]; }
"#;

/// Prints, per table value, `P HEX`: the shortest `%.*g` precision that reads back, and
/// the exact value (`%La` / `%a`). With `parse KIND TEXT...`, prints `strto*(TEXT)`.
const ORACLE: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char buf[128];
    if (argc > 2 && strcmp(argv[1], "parse") == 0) {
        for (int i = 3; i < argc; i++) {
            char *end;
            if (argv[2][0] == 'L') { long double v = strtold(argv[i], &end); printf("%La\n", v); }
            else if (argv[2][0] == 'd') { double v = strtod(argv[i], &end); printf("%a\n", v); }
            else { float v = strtof(argv[i], &end); printf("%a\n", (double)v); }
            if (*end) printf("trailing garbage in %s\n", argv[i]);
        }
        return 0;
    }
    for (unsigned i = 0; i < sizeof ld_table / sizeof *ld_table; i++) {
        long double v = ld_table[i];
        int p = 1;
        for (; p < 40; p++) { snprintf(buf, sizeof buf, "%.*Lg", p, v); if (strtold(buf, 0) == v) break; }
        printf("L %d %La\n", p, v);
    }
    for (unsigned i = 0; i < sizeof d_table / sizeof *d_table; i++) {
        double v = d_table[i];
        int p = 1;
        for (; p < 40; p++) { snprintf(buf, sizeof buf, "%.*g", p, v); if (strtod(buf, 0) == v) break; }
        printf("d %d %a\n", p, v);
    }
    for (unsigned i = 0; i < sizeof f_table / sizeof *f_table; i++) {
        float v = f_table[i];
        int p = 1;
        for (; p < 40; p++) { snprintf(buf, sizeof buf, "%.*g", p, v); if (strtof(buf, 0) == v) break; }
        printf("f %d %a\n", p, (double)v);
    }
    return 0;
}
"#;

struct Fixtures {
    /// `(compiler, fixture library)`.
    libs: Vec<(&'static str, PathBuf)>,
    oracle: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = ScratchDir::new("cli").until_exit();
        let source = format!("{TABLES}\n{}\n{FIXTURE}", literal_tables());
        let c = dir.join("fixture.c");
        std::fs::write(&c, &source).unwrap();
        let mut libs = Vec::new();
        for cc in compilers() {
            let so = dir.join(format!("libfixture-{cc}.so"));
            build_shared(cc, &[&c], &so, &[]);
            libs.push((cc, so));
        }
        let oracle_c = dir.join("oracle.c");
        std::fs::write(&oracle_c, format!("{TABLES}\n{ORACLE}")).unwrap();
        let oracle = dir.join("oracle");
        build_executable("gcc", &[&oracle_c], &oracle, &["-O1"]);
        Fixtures { libs, oracle }
    })
}

/// Runs the same calls against the gcc- and clang-compiled fixture.
fn each_lib(mut f: impl FnMut(&str, &Path)) {
    for (cc, lib) in &fixtures().libs {
        f(cc, lib);
    }
}

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
        "{\"function\": \"pow\", \"type\": \"double\", \"value\": \"1.4142135623730951\"}\n"
    );
    let run = jitcall(&[
        "call",
        "--json",
        "char *getenv(const char *)",
        "\"JITCALL_T\"",
    ]);
    assert_eq!(
        run.stdout,
        "{\"function\": \"getenv\", \"type\": \"char *\", \"value\": \"NULL\", \"string\": null}\n"
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
         \"string\": \"a\\\"b\"}\n"
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
        &["struct s { int a : 3; }; int f(struct s)", "{1}"],
        &["unsupported"],
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

/// An eightbyte gcc passes nothing for though it holds data (a later array element in
/// an eightbyte the first element only pads): explain says which member is lost, and
/// only there. That gcc really drops it is tested in `tests/fuzz.rs` (gcc's own call).
#[test]
fn explain_names_data_in_a_no_class_eightbyte() {
    let lost = "struct t1 { _Bool f0 __attribute__((aligned(4))); }; \
                struct t2 { int f0; unsigned short f1; struct t1 f2[2]; } __attribute__((packed)); \
                void callee(struct t2 a0)";
    let run = jitcall(&["explain", lost]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "eightbyte 1, bytes 8-13: f2[1].f0 (_Bool) → NO_CLASS\n    nothing is passed"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("so f2[1].f0 never reaches the callee"),
        "{}",
        run.stdout
    );
    // One element: the NO_CLASS eightbyte is padding only, and nothing is said.
    let padding = lost.replace("f2[2]", "f2[1]");
    let run = jitcall(&["explain", &padding]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("padding only → NO_CLASS"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("nothing is passed"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------
// Golden files for `explain`
// ---------------------------------------------------------------------------------------

/// Classic psABI examples: `(file name, declarations, example arguments)`.
const GOLDEN: &[(&str, &str, &[&str])] = &[
    (
        "char_double",
        "struct s { char c; double d; }; double f(struct s x)",
        &[],
    ),
    (
        "three_floats",
        "struct f3 { float a, b, c; }; struct f3 f(struct f3 v)",
        &[],
    ),
    (
        "sret_six_longs",
        "struct big { long a, b, c; }; struct big f(long, long, long, long, long, long)",
        &[],
    ),
    (
        "int128_one_gpr_left",
        "void f(long, long, long, long, long, __int128 big, long last)",
        &[],
    ),
    ("long_double", "long double f(long double x, int n)", &[]),
    (
        "complex_long_double_return",
        "long double _Complex f(double _Complex z)",
        &[],
    ),
    (
        "variadic_printf",
        "int printf(const char *fmt, ...)",
        &["\"%d %g %s\\n\"", "1", "2.5", "\"x\""],
    ),
    (
        "packed_struct",
        "struct __attribute__((packed)) p { char c; int i; }; int f(struct p v)",
        &[],
    ),
    (
        "union_float_int",
        "union u { float f; int i; }; union u f(union u v)",
        &[],
    ),
    (
        "vector_registers_exhausted",
        "struct two { double a, b; }; void f(struct two, struct two, struct two, struct two, \
         struct two)",
        &[],
    ),
    (
        "narrow_integers",
        "int f(char c, unsigned char uc, short s, _Bool b, unsigned short us)",
        &[],
    ),
    // MEMORY because of the misaligned zero-length array, as the classifier decided it
    // (explain used to guess "a member is MEMORY on its own").
    (
        "zero_length_array_misaligned",
        "struct __attribute__((packed)) s { float f; unsigned long long z[0]; }; void f(struct s);",
        &[],
    ),
    (
        "long_double_union",
        "union ld { long double x; int i; }; union ld f(union ld u, struct w { union ld u; } w)",
        &[],
    ),
];

#[test]
fn explain_matches_the_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("JITCALL_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, decl, args) in GOLDEN {
        for (format, ext) in [("text", "txt"), ("json", "json")] {
            let mut all = vec!["explain", "--format", format, decl];
            all.extend_from_slice(args);
            let run = jitcall(&all);
            assert_eq!(run.code, 0, "{decl}: {}", run.stderr);
            let path = dir.join(format!("{name}.{ext}"));
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &run.stdout).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(want) if want == run.stdout => {}
                Ok(want) => failures.push(format!(
                    "{}: differs (JITCALL_BLESS=1 cargo test --test cli to accept)\n{}",
                    path.display(),
                    first_difference(&want, &run.stdout)
                )),
                Err(_) => failures.push(format!(
                    "{} is missing: run JITCALL_BLESS=1 cargo test --test cli",
                    path.display()
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn first_difference(want: &str, got: &str) -> String {
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}:\n  want: {w}\n  got:  {g}", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        want.lines().count(),
        got.lines().count()
    )
}

// ---------------------------------------------------------------------------------------
// explain's locations against the register-capture probe
// ---------------------------------------------------------------------------------------

/// A destructor that writes the probe's record where `JITCALL_PROBE_DUMP` says, so the
/// record survives the `jitcall` process.
const DUMP_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
extern unsigned char jitcall_probe_record[704];
__attribute__((destructor)) static void dump(void) {
    const char *path = getenv("JITCALL_PROBE_DUMP");
    if (!path) return;
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(jitcall_probe_record, 1, sizeof jitcall_probe_record, f);
    fclose(f);
}
"#;

/// `(C types and declarations, return type, fixed parameter count or all, arguments as
/// (C type, jitcall literal, C initializer when it differs))`.
struct ProbeCase {
    defs: &'static str,
    ret: &'static str,
    variadic_after: Option<usize>,
    args: &'static [(&'static str, &'static str, Option<&'static str>)],
}

const PROBE_CASES: &[ProbeCase] = &[
    ProbeCase {
        defs: "struct s { char c; double d; };",
        ret: "void",
        variadic_after: None,
        args: &[
            ("struct s", "{'A', 2.5}", None),
            ("int", "-7", None),
            ("float", "1.5f", None),
            ("char", "-3", None),
            ("unsigned short", "65535", None),
        ],
    },
    ProbeCase {
        defs: "",
        ret: "void",
        variadic_after: None,
        args: &[
            ("long", "1", None),
            ("long", "2", None),
            ("long", "3", None),
            ("long", "4", None),
            ("long", "5", None),
            (
                "__int128",
                "0x0102030405060708090a0b0c0d0e0f10",
                Some("((__int128)0x0102030405060708 << 64) | 0x090a0b0c0d0e0f10"),
            ),
            ("long", "0x1122334455667788", None),
            ("long double", "0.1", Some("0.1L")),
        ],
    },
    ProbeCase {
        defs: "struct big { long a, b, c; };",
        ret: "struct big",
        variadic_after: None,
        args: &[
            ("struct big", "{1, 2, 3}", None),
            ("double", "-0.0", None),
            (
                "long double _Complex",
                "{1.5, -2}",
                Some("__builtin_complex(1.5L, -2.0L)"),
            ),
            ("void *", "(void *)0x1234", None),
        ],
    },
    ProbeCase {
        defs: "struct __attribute__((packed)) pk { char c; int i; }; \
               union u { float f; int i; }; struct f3 { float a, b, c; };",
        ret: "long double",
        variadic_after: None,
        args: &[
            ("struct pk", "{1, 0x01020304}", None),
            ("union u", "{.i = 0x55667788}", None),
            ("struct f3", "{1.5f, 2.5f, 3.5f}", None),
            (
                "double _Complex",
                "{1, 2}",
                Some("__builtin_complex(1.0, 2.0)"),
            ),
        ],
    },
    ProbeCase {
        defs: "struct pt { int x; double y; };",
        ret: "int",
        variadic_after: Some(1),
        args: &[
            ("int", "3", None),
            ("double", "1.5f", None),
            ("long", "6000000000", None),
            ("int", "(short)-2", None),
            ("struct pt", "(struct pt){7, 0.25}", Some("{7, 0.25}")),
            ("long double", "1.5L", None),
            ("double", "2.5", None),
            ("double", "3.5", None),
            ("double", "4.5", None),
            ("double", "5.5", None),
            ("double", "6.5", None),
            ("double", "7.5", None),
            ("double", "8.5", None),
        ],
    },
];

fn probe_name(ret: &str) -> &'static str {
    match ret {
        "long double" => "jitcall_probe_x87",
        "long double _Complex" => "jitcall_probe_x87x2",
        r if r.starts_with("struct big") => "jitcall_probe_sret",
        _ => "jitcall_probe",
    }
}

fn probe_declaration(case: &ProbeCase) -> String {
    let n = case.variadic_after.unwrap_or(case.args.len());
    let mut params: Vec<&str> = case.args[..n].iter().map(|a| a.0).collect();
    if case.variadic_after.is_some() {
        params.push("...");
    }
    if params.is_empty() {
        params.push("void");
    }
    format!(
        "{} {} {}({})",
        case.defs,
        case.ret,
        probe_name(case.ret),
        params.join(", ")
    )
}

/// The bytes of every argument, as the C compiler lays out the same initializers (in
/// static storage, so padding is zero, as in jitcall's frames).
fn c_argument_bytes(dir: &Path) -> Vec<Vec<Vec<u8>>> {
    let mut src = String::from("#include <stdio.h>\n");
    let mut main = String::from("int main(void) {\n");
    for (k, case) in PROBE_CASES.iter().enumerate() {
        // The cases use distinct tags, so their definitions share one file.
        src.push_str(&format!("/* case {k} */\n{}\n", case.defs));
        for (i, (ty, lit, c_init)) in case.args.iter().enumerate() {
            let init = c_init.unwrap_or(lit);
            src.push_str(&format!("static {ty} a{k}_{i} = {init};\n"));
            main.push_str(&format!(
                "  {{ const unsigned char *p = (const void *)&a{k}_{i}; \
                 for (unsigned n = 0; n < sizeof a{k}_{i}; n++) printf(\"%02x\", p[n]); \
                 printf(\"\\n\"); }}\n"
            ));
        }
    }
    main.push_str("  return 0;\n}\n");
    let c = dir.join("bytes.c");
    std::fs::write(&c, src + &main).unwrap();
    let exe = dir.join("bytes");
    build_executable("gcc", &[&c], &exe, &[]);
    let out = Command::new(&exe).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    PROBE_CASES
        .iter()
        .map(|case| {
            case.args
                .iter()
                .map(|_| {
                    let hex = lines.next().unwrap();
                    (0..hex.len() / 2)
                        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                        .collect()
                })
                .collect()
        })
        .collect()
}

#[test]
fn explain_locations_match_the_register_capture_probe() {
    let dir = ScratchDir::new("cli-probe");
    let dump_c = dir.join("dump.c");
    std::fs::write(&dump_c, DUMP_C).unwrap();
    let probe_asm = Path::new(env!("CARGO_MANIFEST_DIR")).join("asm/probe.S");
    let so = dir.join("libprobe.so");
    build_shared("gcc", &[&probe_asm, &dump_c], &so, &[]);
    let expected = c_argument_bytes(&dir);
    let mut failures = Vec::new();
    for (k, case) in PROBE_CASES.iter().enumerate() {
        let decl = probe_declaration(case);
        let literals: Vec<&str> = case.args.iter().map(|a| a.1).collect();

        let mut args = vec!["explain", "--format", "json", decl.as_str()];
        args.extend_from_slice(&literals);
        let run = jitcall(&args);
        assert_eq!(run.code, 0, "{decl}: {}", run.stderr);
        let plan = Json::parse(&run.stdout);

        let dump = dir.join(format!("record-{k}.bin"));
        let mut args = vec!["call", "-l", so.to_str().unwrap(), decl.as_str()];
        args.extend_from_slice(&literals);
        let run = run_jitcall(&args, &[("JITCALL_PROBE_DUMP", dump.to_str().unwrap())]);
        assert_eq!(run.code, 0, "{decl}: {}", run.stderr);
        let record = std::fs::read(&dump).expect("the probe's record");
        assert_eq!(record.len(), 704);

        let gpr = |name: &str| -> &[u8] {
            let i = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"]
                .iter()
                .position(|r| *r == name)
                .unwrap_or_else(|| panic!("register {name}"));
            &record[8 * i..8 * i + 8]
        };
        let al = record[48];
        if Some(al as u64) != plan.get("al").as_u64() {
            failures.push(format!(
                "{decl}: al is {al}, explain says {:?}",
                plan.get("al")
            ));
        }
        for (i, arg) in plan.get("arguments").items().iter().enumerate() {
            let bytes = &expected[k][i];
            let location = arg.get("location");
            let what = format!("case {k} `{decl}` argument {i}");
            match location.get("kind").as_str() {
                Some("registers") => {
                    for reg in location.get("registers").items() {
                        let name = reg.get("register").as_str().unwrap();
                        let offset = reg.get("offset").as_u64().unwrap() as usize;
                        let size = reg.get("size").as_u64().unwrap() as usize;
                        let got = if let Some(x) = name.strip_prefix("xmm") {
                            let x: usize = x.parse().unwrap();
                            &record[64 + 16 * x..64 + 16 * x + 16]
                        } else {
                            gpr(name)
                        };
                        if got[..size] != bytes[offset..offset + size] {
                            failures.push(format!(
                                "{what}: {name} holds {:02x?}, the C compiler's bytes are {:02x?}",
                                &got[..size],
                                &bytes[offset..offset + size]
                            ));
                        }
                        // "sign-extended to edi": the upper bytes of the 32-bit register.
                        if let Some(ext) = reg.get("extend").as_str() {
                            let top = bytes[offset + size - 1] & 0x80 != 0;
                            let fill = if ext == "sign" && top { 0xff } else { 0 };
                            if got[size..4].iter().any(|b| *b != fill) {
                                failures.push(format!(
                                    "{what}: {name} is not {ext}-extended: {:02x?}",
                                    &got[..4]
                                ));
                            }
                        }
                    }
                }
                Some("stack") => {
                    let offset = location.get("offset").as_u64().unwrap() as usize;
                    let size = location.get("size").as_u64().unwrap() as usize;
                    let got = &record[192 + offset..192 + offset + size];
                    // A long double's 6 bytes past its 80 bits are padding.
                    let data = if arg
                        .get("type")
                        .as_str()
                        .is_some_and(|t| t.starts_with("long double"))
                        && size == 16
                    {
                        10
                    } else {
                        size
                    };
                    if got[..data] != bytes[..data] {
                        failures.push(format!(
                            "{what}: [rsp + {offset}] holds {:02x?}, the C compiler's bytes are {:02x?}",
                            got, bytes
                        ));
                    }
                }
                other => failures.push(format!("{what}: unexpected location {other:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Just enough JSON to read `explain --format json`.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn parse(text: &str) -> Json {
        let mut chars = text.chars().peekable();
        let v = Json::value(&mut chars);
        assert!(chars.all(char::is_whitespace), "trailing text after JSON");
        v
    }

    fn value(c: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Json {
        while c.peek().is_some_and(|ch| ch.is_whitespace()) {
            c.next();
        }
        match c.peek().copied() {
            Some('{') => {
                c.next();
                let mut items = Vec::new();
                // A `}` where a key should be reads as null: the end of `{}`.
                while let Json::Str(key) = Json::value(c) {
                    Json::skip(c, ':');
                    items.push((key, Json::value(c)));
                    if !Json::comma(c, '}') {
                        break;
                    }
                }
                Json::Object(items)
            }
            Some('[') => {
                c.next();
                let mut items = Vec::new();
                while c.peek().is_some_and(|ch| ch.is_whitespace()) {
                    c.next();
                }
                if c.peek() == Some(&']') {
                    c.next();
                    return Json::Array(items);
                }
                loop {
                    items.push(Json::value(c));
                    if !Json::comma(c, ']') {
                        break;
                    }
                }
                Json::Array(items)
            }
            Some('"') => {
                c.next();
                let mut s = String::new();
                while let Some(ch) = c.next() {
                    match ch {
                        '"' => break,
                        '\\' => match c.next().unwrap() {
                            'n' => s.push('\n'),
                            't' => s.push('\t'),
                            'r' => s.push('\r'),
                            'u' => {
                                let hex: String = (0..4).map(|_| c.next().unwrap()).collect();
                                s.push(
                                    char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap(),
                                );
                            }
                            other => s.push(other),
                        },
                        ch => s.push(ch),
                    }
                }
                Json::Str(s)
            }
            Some('}') => {
                c.next();
                Json::Null
            }
            _ => {
                let mut word = String::new();
                while let Some(&ch) = c.peek() {
                    if ch.is_alphanumeric() || ch == '-' || ch == '.' || ch == '+' {
                        word.push(ch);
                        c.next();
                    } else {
                        break;
                    }
                }
                match word.as_str() {
                    "null" => Json::Null,
                    "true" => Json::Bool(true),
                    "false" => Json::Bool(false),
                    n => Json::Number(n.parse().unwrap_or_else(|_| panic!("bad JSON {n:?}"))),
                }
            }
        }
    }

    fn skip(c: &mut std::iter::Peekable<std::str::Chars<'_>>, want: char) {
        while c.peek().is_some_and(|ch| ch.is_whitespace()) {
            c.next();
        }
        assert_eq!(c.next(), Some(want));
    }

    /// After an item: `true` on ',', `false` on the closing bracket.
    fn comma(c: &mut std::iter::Peekable<std::str::Chars<'_>>, close: char) -> bool {
        while c.peek().is_some_and(|ch| ch.is_whitespace()) {
            c.next();
        }
        match c.next() {
            Some(',') => true,
            Some(ch) if ch == close => false,
            other => panic!("bad JSON at {other:?}"),
        }
    }

    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Object(items) => items
                .iter()
                .find(|(k, _)| k == key)
                .map_or(&Json::Null, |(_, v)| v),
            _ => &Json::Null,
        }
    }

    fn items(&self) -> &[Json] {
        match self {
            Json::Array(items) => items,
            _ => &[],
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => Some(*n as u64),
            _ => None,
        }
    }
}

#[test]
fn explain_json_is_well_formed_and_agrees_with_the_text() {
    let decl = "struct s { char c; double d; }; double f(struct s x, int n)";
    let run = jitcall(&["explain", "--format", "json", decl]);
    let plan = Json::parse(&run.stdout);
    assert_eq!(plan.get("function").as_str(), Some("f"));
    let agg = &plan.get("aggregates").items()[0];
    assert_eq!(agg.get("size").as_u64(), Some(16));
    assert_eq!(agg.get("padding").items()[0].get("size").as_u64(), Some(7));
    let classes: Vec<&str> = agg
        .get("classes")
        .items()
        .iter()
        .filter_map(Json::as_str)
        .collect();
    assert_eq!(classes, ["INTEGER", "SSE"]);
    let n = &plan.get("arguments").items()[1];
    assert_eq!(n.get("name").as_str(), Some("n"));
    let reg = &n.get("location").get("registers").items()[0];
    assert_eq!(reg.get("name").as_str(), Some("esi"));
    let code = plan.get("code").items();
    assert!(
        code.iter()
            .any(|i| i.get("instruction").as_str() == Some("call r11"))
    );
    let text = jitcall(&["explain", decl]).stdout;
    assert!(
        text.contains("→ bytes 0-7 in rdi, bytes 8-15 in xmm0 (low 8 bytes)"),
        "{text}"
    );
    assert!(text.contains("→ esi"));
    assert!(text.contains("eightbyte 0, bytes 0-7: c (char) → INTEGER"));
}

/// `--entry` disassembles each compiled entry: the bound one `call_frame` runs (a tail
/// jump when everything travels in registers), `call_raw`'s and `call_batch`'s.
#[test]
fn explain_disassembles_every_entry() {
    let code_of = |decl: &str, entry: &str| -> (Json, Vec<String>) {
        let run = jitcall(&["explain", "--format", "json", "--entry", entry, decl]);
        assert_eq!(run.code, 0, "{decl} --entry {entry}: {}", run.stderr);
        let json = Json::parse(&run.stdout);
        let code = json
            .get("code")
            .items()
            .iter()
            .filter_map(|i| i.get("instruction").as_str())
            .map(str::to_string)
            .collect();
        (json, code)
    };
    let has = |code: &[String], prefix: &str| code.iter().any(|i| i.starts_with(prefix));
    let add2 = "int add2(int a, int b)";

    // Everything in registers: load them, jump to the baked-in target; no call, no store.
    let (json, code) = code_of(add2, "bound");
    assert_eq!(json.get("entry").as_str(), Some("bound"));
    assert!(matches!(json.get("tail_jump"), Json::Bool(true)));
    assert_eq!(code.last().map(String::as_str), Some("jmp r11"), "{code:?}");
    assert!(has(&code, "mov r11, <target>"), "{code:?}");
    assert!(!has(&code, "call"), "{code:?}");

    // Stack arguments, a two-eightbyte result, or an x87 result: call, then store.
    for decl in [
        "long sum7(long, long, long, long, long, long, long)",
        "struct v { double x; double y; } twice(double)",
        "long double half(long double)",
    ] {
        let (json, code) = code_of(decl, "bound");
        assert!(matches!(json.get("tail_jump"), Json::Bool(false)), "{decl}");
        assert!(
            has(&code, "mov r11, <target>") && has(&code, "call r11"),
            "{code:?}"
        );
        assert_eq!(code.last().map(String::as_str), Some("ret"), "{decl}");
    }

    // call_raw's entry reads each argument through its pointer, calls the baked-in
    // target and writes exactly sizeof the result.
    let (json, code) = code_of(add2, "pointers");
    assert_eq!(json.get("entry").as_str(), Some("pointers"));
    assert!(has(&code, "mov r10, [r12 + 8]"), "{code:?}");
    assert!(
        has(&code, "mov r11, <target>") && has(&code, "call r11"),
        "{code:?}"
    );
    assert!(has(&code, "mov [rbx], eax"), "{code:?}");

    // call_batch's loop: one call per row, rbx stepping from row to row.
    let (json, code) = code_of(add2, "batch");
    assert_eq!(json.get("entry").as_str(), Some("batch"));
    assert!(has(&code, "add rbx, ") && has(&code, "dec r12"), "{code:?}");
    assert!(has(&code, "call r11"), "{code:?}");

    // The default is still the shared frame entry.
    let (json, _) = code_of(add2, "frame");
    assert_eq!(json.get("entry").as_str(), Some("frame"));
    let default = Json::parse(&jitcall(&["explain", "--format", "json", add2]).stdout);
    assert_eq!(default.get("entry").as_str(), Some("frame"));

    // The text says what it shows and where the arguments come from.
    let text = jitcall(&["explain", "--entry", "bound", add2]).stdout;
    assert!(
        text.contains("The bound entry Function::call_frame runs"),
        "{text}"
    );
    assert!(
        text.contains("#0 from [r10 + 8], #1 from [r10 + 16]"),
        "{text}"
    );

    // An entry that does not exist is a usage error that lists the ones that do.
    let run = jitcall(&["explain", "--entry", "nope", add2]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("bound"), "{}", run.stderr);
}

/// The README's `explain` example is the real output (bless rewrites it too).
#[test]
fn readme_explain_example_is_real_output() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let decl = "struct s { char c; double d; }; double f(struct s x, int n)";
    let command = format!("$ jitcall explain '{decl}'\n");
    let start = readme.find(&command).expect("the README's explain example") + command.len();
    let end = start + readme[start..].find("```").expect("the end of the example");
    let run = jitcall(&["explain", decl]);
    if std::env::var_os("JITCALL_BLESS").is_some_and(|v| v == "1") {
        let updated = format!("{}{}{}", &readme[..start], run.stdout, &readme[end..]);
        std::fs::write(&readme_path, updated).unwrap();
        return;
    }
    assert!(
        readme[start..end] == run.stdout,
        "README.md's explain example is stale (JITCALL_BLESS=1 cargo test --test cli):\n{}",
        first_difference(&readme[start..end], &run.stdout)
    );
}
