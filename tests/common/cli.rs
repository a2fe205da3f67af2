//! The `jitcall` binary and the C fixtures of the command-line tests (`cli_call.rs`,
//! `cli_errors.rs`, `cli_explain.rs`): a fixture library compiled by gcc and by
//! clang-19, whose functions compute something easy to predict, and an oracle program
//! compiled by gcc that prints the fixture's floating values exactly and reads
//! jitcall's output back with glibc's `strtod` / `strtof` / `strtold`.

use super::{Run, ScratchDir, build_executable, build_shared, compilers, run_jitcall};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

pub fn jitcall(args: &[&str]) -> Run {
    run_jitcall(args, &[])
}

/// Runs `jitcall call -l LIB DECL ARGS...` and returns its one line of output.
pub fn call_ok(lib: &Path, decl: &str, args: &[&str]) -> String {
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

pub const LD_LITERALS: &[&str] = &[
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
pub const D_LITERALS: &[&str] = &[
    "0.1",
    "2.2250738585072011e-308",
    "0x1.fffffffffffffp1023",
    "4.9406564584124654e-324",
    "1e23",
    "9007199254740993",
    "8.98846567431158e307",
];
pub const F_LITERALS: &[&str] = &["0.1", "16777217", "1e-45", "3.4028235e38", "0x1.fffffep127"];

/// The C spelling of a literal of a table: reals get the type's suffix.
pub fn c_literal(text: &str, suffix: &str) -> String {
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

pub struct Fixtures {
    /// `(compiler, fixture library)`.
    pub libs: Vec<(&'static str, PathBuf)>,
    pub oracle: PathBuf,
}

pub fn fixtures() -> &'static Fixtures {
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
pub fn each_lib(mut f: impl FnMut(&str, &Path)) {
    for (cc, lib) in &fixtures().libs {
        f(cc, lib);
    }
}
