//! `jitcall explain`, end to end: the golden files of its text and JSON output (under
//! `tests/golden/`; regenerate with `JITCALL_BLESS=1`, which also rewrites the README's
//! example), the member it names in a NO_CLASS eightbyte, its entries' disassembly, and
//! its stated locations against the register-capture probe (`asm/probe.S`) called
//! through `jitcall call`.

mod common;

use common::cli::jitcall;
use common::{ScratchDir, build_executable, build_shared, run_jitcall};
use std::path::Path;
use std::process::Command;

/// A record of nothing but unnamed bit-fields that finds no register left: explain
/// says why it goes nowhere (gcc gives it no stack space: `tests/bit_fields.rs`).
#[test]
fn explain_says_why_an_empty_record_goes_nowhere() {
    let run = jitcall(&[
        "explain",
        "struct e { int : 32; }; int f(int, int, int, int, int, int, struct e e, int last);",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "#6 struct e e\n      4 bytes, class INTEGER\n      → nowhere: it is nothing but \
             unnamed bit-fields, which gcc gives no stack space\n  #7 int last\n      \
             4 bytes, class INTEGER\n      → stack at [rsp + 0]"
        ),
        "{}",
        run.stdout
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
    // _Float16 members: SSE eightbytes of 6 and 2 bytes.
    (
        "float16_struct",
        "struct h { _Float16 a, b, c, d, e; }; struct h f(struct h v, _Float16 x)",
        &["{1, 2.5, -0.5, 65504, 0.1}", "1.5f16"],
    ),
    // A 32-byte vector in ymm registers, as the CPU running the test decides (golden
    // for a CPU with AVX-512F, see `explain_matches_the_golden_files`).
    (
        "m256d_avx512",
        "__m256d f(__m256d a, __m256d b, double k)",
        &["{1, 2, 3, 4}", "{0.5, 0.25, 0.125, 8}", "2"],
    ),
    (
        "long_double_union",
        "union ld { long double x; int i; }; union ld f(union ld u, struct w { union ld u; } w)",
        &[],
    ),
    // Bit-fields: which bits of which bytes each holds; a float sharing an eightbyte
    // with a bit-field makes it INTEGER.
    (
        "bit_fields",
        "struct flags { float f; unsigned ready : 1; int level : 5; unsigned : 2; \
         long long big : 40; _Bool on : 1; }; struct flags f(struct flags v)",
        &[],
    ),
];

#[test]
fn explain_matches_the_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("JITCALL_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, decl, args) in GOLDEN {
        // Detected at run time: the golden file is this CPU kind's.
        if name.ends_with("avx512") && !std::arch::is_x86_feature_detected!("avx512f") {
            continue;
        }
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
                    "{}: differs (JITCALL_BLESS=1 cargo test --test cli_explain to accept)\n{}",
                    path.display(),
                    first_difference(&want, &run.stdout)
                )),
                Err(_) => failures.push(format!(
                    "{} is missing: run JITCALL_BLESS=1 cargo test --test cli_explain",
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
        defs: "struct h { _Float16 a, b, c, d, e; }; \
               typedef float v4sf __attribute__((vector_size(16)));",
        ret: "void",
        variadic_after: None,
        args: &[
            (
                "struct h",
                "{1, 2.5, -0.5, 65504, 0.1}",
                Some("{1, 2.5, -0.5, 65504, 0.1f16}"),
            ),
            ("_Float16", "1.5f16", None),
            ("__float128", "0.1q", None),
            ("v4sf", "{1, 2, 3, 4}", None),
        ],
    },
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
        "README.md's explain example is stale (JITCALL_BLESS=1 cargo test --test cli_explain):\n{}",
        first_difference(&readme[start..end], &run.stdout)
    );
}
