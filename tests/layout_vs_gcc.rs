//! Struct, union and enum layouts read by `jitcall::Declarations` against the C
//! compilers of this machine: gcc (as `cc`), and clang-19 when it is installed.
//!
//! Every case of the table is parsed by jitcall; one C file then prints, for every type
//! checked, its `sizeof`, `_Alignof` and the `offsetof` of every member jitcall found
//! (nested and anonymous members included). A bit-field has no `offsetof`: the program
//! sets it to all ones in a zeroed object and prints the object's bytes, which jitcall's
//! bit positions must predict. Each case sits in its own function so tags can repeat
//! (a case with `#pragma pack` resets it after its function). The compilers are the
//! judge: nothing here hard-codes a layout.

use jitcall::{Declarations, Type};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    decls: &'static str,
    /// Type names to check, as C spells them (`struct s`, a typedef name, `enum e`).
    types: &'static [&'static str],
}

const fn case(decls: &'static str, types: &'static [&'static str]) -> Case {
    Case { decls, types }
}

const S: &[&str] = &["struct s"];
const U: &[&str] = &["union u"];
const E: &[&str] = &["enum e"];

const CASES: &[Case] = &[
    // Plain scalars and padding.
    case("struct s { char c; int i; double d; };", S),
    case("struct s { char a; char b; };", S),
    case("struct s { _Bool b; short s; _Bool b2; long l; };", S),
    case(
        "struct s { _Bool a; char b; signed char c; unsigned char d; short e; unsigned short f; };",
        S,
    ),
    case(
        "struct s { long unsigned int a; char b; unsigned long long c; short int d;
                    long long int e; signed f; unsigned g; int long h; long double i; };",
        S,
    ),
    case(
        "struct s { uint8_t a; int64_t b; uint16_t c; size_t d; int32_t e; ssize_t f;
                    ptrdiff_t g; intptr_t h; uintptr_t i; off_t j; wchar_t k; int8_t l; };",
        S,
    ),
    case("struct s { char c; va_list ap; FILE *f; bool b; };", S),
    // x87 long double, __int128, _Complex.
    case("struct s { char c; long double ld; };", S),
    case("struct s { char c; long double arr[2]; char d; };", S),
    case(
        "struct s { char c; __int128 x; unsigned __int128 u; char d; };",
        S,
    ),
    case(
        "struct s { float _Complex fc; char c; double _Complex dc; _Complex float f2; };",
        S,
    ),
    case("struct s { char c; long double _Complex z; };", S),
    // GNU C's complex integers.
    case(
        "struct s { char c; _Complex char a; short _Complex b; char d; int _Complex e;
                    long long _Complex f; unsigned _Complex g; char h; };",
        S,
    ),
    // Packed.
    case(
        "struct __attribute__((packed)) s { char c; int i; double d; };",
        S,
    ),
    case(
        "struct s { char c; int i; long double ld; } __attribute__((packed));",
        S,
    ),
    case(
        "struct s { char a; float _Complex b; double c; } __attribute__((__packed__));",
        S,
    ),
    case(
        "struct in { char c; int i; };
         struct __attribute__((packed)) s { char c; struct in x; };",
        &["struct in", "struct s"],
    ),
    case(
        "struct s { char c; struct { char x; int y; } __attribute__((packed)) p; short t; };",
        S,
    ),
    case(
        "struct s { char c; struct __attribute__((packed)) { char x; double y; } p[2]; };",
        S,
    ),
    // Aligned, on aggregates and on members; _Alignas.
    case(
        "struct s { char c; int i __attribute__((aligned(16))); };",
        S,
    ),
    case("struct s { char c; _Alignas(32) int i; };", S),
    case(
        "struct s { char c; _Alignas(double) char d; _Alignas(0) char e; };",
        S,
    ),
    case(
        "struct s { char c; double d __attribute__((aligned(4))); };",
        S,
    ),
    case(
        "struct s { char c; __attribute__((aligned(8))) char d, e; };",
        S,
    ),
    case("struct __attribute__((aligned(64))) s { char c; };", S),
    case("struct s { int a; } __attribute__((aligned));", S),
    case(
        "struct __attribute__((aligned(8))) s { char c; } __attribute__((aligned(16)));",
        S,
    ),
    case(
        "struct __attribute__((aligned(32))) a { int x; };
         struct s { char c; struct a y; char z; };",
        &["struct a", "struct s"],
    ),
    case(
        "typedef struct __attribute__((aligned(16))) { float x, y, z; } vec3;
         struct s { char c; vec3 v; };",
        &["vec3", "struct s"],
    ),
    case(
        "typedef struct { char c; } __attribute__((aligned(8))) t8;
         struct s { char c; t8 x[2]; };",
        &["t8", "struct s"],
    ),
    // Packed and aligned together.
    case(
        "struct __attribute__((packed)) s { char c; int i __attribute__((aligned(8))); short t; };",
        S,
    ),
    case(
        "struct __attribute__((packed)) s { char c; _Alignas(4) char d; int e; };",
        S,
    ),
    case(
        "struct s { char c; int i; } __attribute__((packed, aligned(4)));",
        S,
    ),
    case(
        "struct s { char c; _Alignas(64) char big[3]; } __attribute__((packed));",
        S,
    ),
    // Nesting and anonymous members.
    case(
        "struct in { short a; double b; }; struct s { char c; struct in in; int tail; };",
        &["struct in", "struct s"],
    ),
    case(
        "struct s { struct { struct { char c; long l; } b; char d; } a; char e; };",
        S,
    ),
    case(
        "struct s { int a; struct { char b; double c; }; union { int d; float e; }; char f; };",
        S,
    ),
    case(
        "struct s { char c; union { char a; long double b; } __attribute__((aligned(32))); int t; };",
        S,
    ),
    case(
        "typedef struct { char c; double d; } pair_t; struct s { pair_t p[2]; char tail; };",
        &["pair_t", "struct s"],
    ),
    case(
        "typedef union { int i; float f; } num; struct s { char c; num n[3]; };",
        &["num", "struct s"],
    ),
    // Unions.
    case("union u { char c; int i; double d; };", U),
    case("union u { char buf[13]; int i; };", U),
    case(
        "union __attribute__((packed)) u { char c; int i; double d; char b[5]; };",
        U,
    ),
    case(
        "union u { char c; int i __attribute__((aligned(16))); };",
        U,
    ),
    case(
        "union u { struct { char a; long b; } s; long double ld; };",
        U,
    ),
    case(
        "struct s { int x; char y; }; typedef struct s s_t; union u { s_t a; char b[9]; };",
        &["struct s", "s_t", "union u"],
    ),
    // Arrays: empty, zero-length, flexible, multi-dimensional, computed sizes.
    case("struct s {};", S),
    case("struct s { int n; int a[0]; };", S),
    case("struct s { char c; long double x[0]; };", S),
    case("struct s { char c; double a[]; };", S),
    case(
        "struct s { char c; short m[3][5]; int (*fp)(int); char *names[4]; int *(*x)[3]; };",
        S,
    ),
    case(
        "enum { N = 4 };
         struct s { char a[N * 2 + 1]; int b[(1 << 3) / 2]; long c[sizeof(int) * 2];
                    char d[_Alignof(long double)]; char e[-N + 5 ? 3 : 1]; };",
        S,
    ),
    // Enums, by themselves and as members.
    case("enum e { A, B, C };", E),
    case("enum e { A = -1, B = 5 };", E),
    case("enum e { A = 0x80000000 };", E),
    case("enum e { A = -1, B = 0x80000000 };", E),
    case("enum e { A = 0x100000000 };", E),
    case("enum e { A = -0x7fffffffffffffff - 1 };", E),
    case("struct s { char c; enum { X, Y } e; char d; };", S),
    // Bit-fields: storage units of every integer type, straddling, unnamed and
    // zero-width ones, `aligned` on a bit-field, unions.
    case("struct s { int a:3; int b:5; unsigned c:24; char d; };", S),
    case("struct s { char a; int :0; char b; };", S),
    case("struct s { char a; int :8; };", S),
    case("struct s { float f; int :8; short t; };", S),
    case("struct s { short a:9; short b:9; char c; };", S),
    case("struct s { char a; long long b:40; char c; };", S),
    case(
        "struct s { char a:3; char b:6; _Bool c:1; _Bool d:1; signed char e:8; };",
        S,
    ),
    case(
        "struct s { int a:31; int b:2; long long c:33; long long d:33; };",
        S,
    ),
    case("struct s { unsigned long long a:1; char b; };", S),
    case("struct s { char a; unsigned __int128 b:100; char c; };", S),
    case("struct s { char a; __int128 b:65; __int128 c:65; };", S),
    case(
        "enum e { A, B }; struct s { enum e a:1; enum e b:31; enum e c:2; };",
        S,
    ),
    case(
        "struct s { char a; int b:4 __attribute__((aligned(8))); char c; };",
        S,
    ),
    case(
        "struct s { char a; int :4 __attribute__((aligned(8))); char c; };",
        S,
    ),
    case(
        "struct s { char a; long long :0; char b; short :0; char c; };",
        S,
    ),
    case("struct s { long long a:3; char b; };", S),
    case("struct s { char a; short :1; };", S),
    case("struct s { struct { char x; int y:4; } in; int z:3; };", S),
    case(
        "struct s { int a:4; struct { int b:4; }; union { int c:5; char d; }; };",
        S,
    ),
    case("union u { char c; int :9; };", U),
    case("union u { int x:3; };", U),
    case("union u { long long x:33; char c[3]; unsigned y:1; };", U),
    // Bit-fields in packed structs: nothing moves to avoid straddling.
    case(
        "struct __attribute__((packed)) s { char a:7; char b:2; };",
        S,
    ),
    case(
        "struct __attribute__((packed)) s { int a:7; int b:30; };",
        S,
    ),
    case(
        "struct __attribute__((packed)) s { char a; int :0; char b; };",
        S,
    ),
    case(
        "struct __attribute__((packed)) s { char a; long long b:64; short c:3; };",
        S,
    ),
    case(
        "struct __attribute__((packed)) s { char a; int b:4 __attribute__((aligned(4))); };",
        S,
    ),
    case(
        "struct s { char a; int b:31; } __attribute__((packed, aligned(2)));",
        S,
    ),
    case(
        "union __attribute__((packed)) u { int a:9; short b:3; };",
        U,
    ),
    // #pragma pack: caps every member's alignment (also `aligned` ones), not the
    // aggregate's own `aligned`, not a zero-width bit-field's padding; push and pop.
    case(
        "\n#pragma pack(1)\nstruct s { char a; int b; double c; };\n",
        S,
    ),
    case(
        "\n#pragma pack(2)\nstruct s { char a; int b:30; int c:20; };\n",
        S,
    ),
    case(
        "\n#pragma pack(2)\nstruct s { char a; int :0; char b; };\n",
        S,
    ),
    case(
        "\n#pragma pack(2)\nstruct s { char a; int b __attribute__((aligned(8))); };\n",
        S,
    ),
    case(
        "\n#pragma pack(2)\nstruct __attribute__((aligned(8))) s { char a; };\n",
        S,
    ),
    case(
        "\n#pragma pack(2)\nstruct s { char c; long long x:40; };\n",
        S,
    ),
    case(
        "\n#pragma pack(4)\nstruct s { char c; long double x; __int128 y; };\n",
        S,
    ),
    case(
        "\n#pragma pack(1)\nstruct s { char c; int x:4 __attribute__((aligned(8))); };\n",
        S,
    ),
    case(
        "\n#pragma pack(1)\nunion u { char c; int i; long long d:3; };\n",
        U,
    ),
    case(
        "\n#pragma pack(push, 1)\nstruct a { char c; int i; };\n\
         #pragma pack(push, 4)\nstruct b { char c; double d; };\n\
         #pragma pack(pop)\nstruct c { char c; double d; };\n\
         #pragma pack(pop)\nstruct s { char c; double d; };\n",
        &["struct a", "struct b", "struct c", "struct s"],
    ),
    case(
        "\n#pragma pack(push, outer, 2)\nstruct a { char c; int i; };\n\
         #pragma pack(push)\n#pragma pack(1)\nstruct b { char c; int i; };\n\
         #pragma pack(pop, outer)\nstruct s { char c; int i; };\n",
        &["struct a", "struct b", "struct s"],
    ),
    case(
        "\n#pragma pack(1)\nstruct in { char c; int i; };\n#pragma pack(0)\n\
         struct s { char c; struct in x; struct { char d; int e; } y; };\n",
        &["struct in", "struct s"],
    ),
];

/// A member as the C program checks it: `offsetof`, or for a bit-field the bytes
/// of an object with only that bit-field set to all ones.
enum Member {
    Offset(u64),
    Bits(Vec<u8>),
}

/// Every member by its path, nested ones as `a.b`, anonymous ones by their members'
/// names (C11 lets `offsetof` reach through them); unnamed bit-fields are padding.
fn members(ty: &Type, prefix: &str, base: u64, size: u64, out: &mut Vec<(String, Member)>) {
    let (Type::Struct(agg) | Type::Union(agg)) = ty else {
        return;
    };
    let places = ty
        .field_places()
        .expect("layout was checked")
        .expect("an aggregate has places");
    for (field, place) in agg.fields.iter().zip(places) {
        let at = base + place.offset;
        match (&field.name, place.bits) {
            (Some(name), Some(bits)) => {
                let mut bytes = vec![0u8; size as usize];
                let first = bits.absolute(at);
                for bit in first..first + u64::from(bits.width) {
                    bytes[(bit / 8) as usize] |= 1 << (bit % 8);
                }
                out.push((format!("{prefix}{name}"), Member::Bits(bytes)));
            }
            (Some(name), None) => {
                let path = format!("{prefix}{name}");
                out.push((path.clone(), Member::Offset(at)));
                members(&field.ty, &format!("{path}."), at, size, out);
            }
            (None, Some(_)) => {}
            (None, None) => members(&field.ty, prefix, at, size, out),
        }
    }
}

/// jitcall's answer for one type, in the format the C program prints:
/// `case|type|size|align|path=offset|...`, and the C statements that print the same.
fn check_line(index: usize, decls: &Declarations, name: &str) -> Result<(String, String), String> {
    let ty = decls
        .parse_type(name)
        .map_err(|e| format!("parse_type({name:?}): {e}"))?;
    let by_name =
        if name.starts_with("struct ") || name.starts_with("union ") || name.starts_with("enum ") {
            decls.tagged(name)
        } else {
            decls.typedef(name)
        };
    if by_name != Some(&ty) {
        return Err(format!(
            "`{name}`: tagged/typedef gives {by_name:?}, parse_type {ty:?}"
        ));
    }
    let layout = ty
        .layout()
        .map_err(|e| format!("layout of `{name}`: {e}"))?;
    let mut list = Vec::new();
    members(&ty, "", 0, layout.size, &mut list);
    let mut expected = format!("{index}|{name}|{}|{}", layout.size, layout.align);
    let mut c =
        format!("    printf(\"{index}|{name}|%zu|%zu\", sizeof({name}), _Alignof({name}));\n");
    for (path, member) in &list {
        match member {
            Member::Offset(offset) => {
                write!(expected, "|{path}={offset}").unwrap();
                writeln!(c, "    printf(\"|{path}=%zu\", offsetof({name}, {path}));").unwrap();
            }
            Member::Bits(bytes) => {
                write!(expected, "|{path}=").unwrap();
                for b in bytes {
                    write!(expected, "{b:02x}").unwrap();
                }
                writeln!(
                    c,
                    "    {{ {name} v; memset(&v, 0, sizeof v); v.{path} = -1; \
                     printf(\"|{path}=\"); dump(&v, sizeof v); }}"
                )
                .unwrap();
            }
        }
    }
    c.push_str("    printf(\"\\n\");\n");
    Ok((expected, c))
}

fn compiler_available(cc: &str) -> bool {
    Command::new(cc)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Compiles `source` with `cc`, runs it, and returns its lines keyed by `case|type`.
fn run_with(cc: &str, source: &Path, dir: &Path) -> BTreeMap<String, String> {
    let exe = dir.join(format!("layout-{cc}"));
    let out = Command::new(cc)
        .args(["-std=gnu11", "-w", "-o"])
        .arg(&exe)
        .arg(source)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    assert!(
        out.status.success(),
        "{cc} failed to compile {}:\n{}",
        source.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    assert!(run.status.success(), "{} failed", exe.display());
    String::from_utf8(run.stdout)
        .expect("the C program prints ASCII")
        .lines()
        .map(|line| {
            let key: Vec<&str> = line.splitn(3, '|').take(2).collect();
            (key.join("|"), line.to_string())
        })
        .collect()
}

fn temp_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "jitcall-layout-vs-gcc-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

#[test]
fn layouts_match_the_c_compilers() {
    check_cases(CASES, true);
}

/// 1,000 bit-field structs and unions drawn at random (a fixed seed): every integer type,
/// widths from 0 to the type's, unnamed ones, `aligned` on some, ordinary members
/// between them, packed or under `#pragma pack` now and then.
#[test]
fn random_bit_field_layouts_match_the_c_compilers() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    const INTS: &[(&str, u64)] = &[
        ("_Bool", 1),
        ("char", 8),
        ("signed char", 8),
        ("unsigned char", 8),
        ("short", 16),
        ("unsigned short", 16),
        ("int", 32),
        ("unsigned", 32),
        ("long", 64),
        ("unsigned long long", 64),
        ("__int128", 128),
    ];
    const OTHERS: &[&str] = &["char", "short", "int", "long long", "double", "float"];
    let (mut cases, mut gcc_only) = (Vec::new(), Vec::new());
    for _ in 0..1000 {
        let union = next(6) == 0;
        let mut has_aligned = false;
        let mut body = String::new();
        let mut named = 0;
        for i in 0..1 + next(8) {
            if next(5) == 0 {
                body.push_str(&format!(
                    "{} m{i}; ",
                    OTHERS[next(OTHERS.len() as u64) as usize]
                ));
                named += 1;
                continue;
            }
            let (ty, bits) = INTS[next(INTS.len() as u64) as usize];
            let unnamed = next(6) == 0;
            let width = match (unnamed, next(4)) {
                (true, 0) => 0,
                (_, 1) => bits,
                _ => 1 + next(bits),
            };
            let aligned = if next(12) == 0 {
                has_aligned = true;
                format!(" __attribute__((aligned({})))", 1 << next(4))
            } else {
                String::new()
            };
            if unnamed {
                body.push_str(&format!("{ty} : {width}{aligned}; "));
            } else {
                body.push_str(&format!("{ty} m{i} : {width}{aligned}; "));
                named += 1;
            }
        }
        if named == 0 {
            body.push_str("int last; ");
        }
        let kw = if union { "union u" } else { "struct s" };
        let packed = if next(6) == 0 {
            " __attribute__((packed))"
        } else {
            ""
        };
        let text = match next(6) {
            0 => format!(
                "\n#pragma pack({})\n{kw} {{ {body}}}{packed};\n",
                1 << next(5)
            ),
            _ => format!("{kw} {{ {body}}}{packed};"),
        };
        let case = Case {
            decls: Box::leak(text.into_boxed_str()),
            types: if union { U } else { S },
        };
        if has_aligned {
            gcc_only.push(case);
        } else {
            cases.push(case);
        }
    }
    check_cases(&cases, true);
    // clang places an `aligned` bit-field differently (docs/DIVERGENCES.md).
    check_cases(&gcc_only, false);
}

/// Parses every case, and has each C compiler of the machine (clang-19 only if
/// `clang`) print the layouts jitcall computed.
fn check_cases(cases: &[Case], clang: bool) {
    let mut failures = Vec::new();
    let mut expected = BTreeMap::new();
    let mut program = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdarg.h>\n\
         #include <stdbool.h>\n#include <string.h>\n#include <sys/types.h>\n\n\
         static void dump(const void *p, size_t n) {\n\
             for (size_t i = 0; i < n; i++) printf(\"%02x\", ((const unsigned char *)p)[i]);\n\
         }\n\n",
    );
    let mut main = String::from("int main(void) {\n");
    for (index, case) in cases.iter().enumerate() {
        let decls = match Declarations::parse(case.decls) {
            Ok(decls) => decls,
            Err(e) => {
                failures.push(format!("case {index}: {}", e.render(case.decls)));
                continue;
            }
        };
        writeln!(
            program,
            "static void case_{index}(void) {{\n    {}",
            case.decls
        )
        .unwrap();
        for name in case.types {
            match check_line(index, &decls, name) {
                Ok((line, c)) => {
                    expected.insert(format!("{index}|{name}"), line);
                    program.push_str(&c);
                }
                Err(e) => failures.push(format!("case {index}: {e}")),
            }
        }
        program.push_str("}\n");
        if case.decls.contains("#pragma") {
            program.push_str("#pragma pack()\n");
        }
        program.push('\n');
        writeln!(main, "    case_{index}();").unwrap();
    }
    main.push_str("    return 0;\n}\n");
    program.push_str(&main);

    let mut compilers = Vec::new();
    if compiler_available("cc") {
        compilers.push("cc");
    } else if compiler_available("gcc") {
        compilers.push("gcc");
    } else {
        panic!("no C compiler found: install gcc (the `cc` command) to run this test");
    }
    if clang && compiler_available("clang-19") {
        compilers.push("clang-19");
    }

    let dir = temp_dir();
    let source = dir.join("layouts.c");
    std::fs::write(&source, &program).expect("write the C program");
    for cc in &compilers {
        let actual = run_with(cc, &source, &dir);
        assert_eq!(
            actual.len(),
            expected.len(),
            "{cc}'s program printed {} lines for {} types",
            actual.len(),
            expected.len()
        );
        for (key, want) in &expected {
            let index: usize = key
                .split('|')
                .next()
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            match actual.get(key) {
                Some(got) if got == want => {}
                got => failures.push(format!(
                    "case {index} ({}):\n    jitcall: {want}\n    {cc}: {}",
                    cases[index]
                        .decls
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                    got.map_or("<missing>", String::as_str)
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} layout disagreement(s) (C program kept in {}):\n{}",
        failures.len(),
        dir.display(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{} types in {} cases agree with {}",
        expected.len(),
        cases.len(),
        compilers.join(" and ")
    );
}
