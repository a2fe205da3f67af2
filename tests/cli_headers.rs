//! Real C headers on the command line (`--include`): functions called by name from
//! their headers, `__asm__` labels as symbols, `jitcall decls`, and the errors for what
//! cannot be called. The headers and libraries are the machine's (zlib and sqlite3 are
//! installed by `.ci/run`); expected results are written by hand.

mod common;

use common::cli::jitcall;
use common::run_jitcall;
use std::path::Path;

fn ok(args: &[&str]) -> String {
    let run = jitcall(args);
    assert_eq!(
        run.code, 0,
        "jitcall {args:?} failed:\n{}{}",
        run.stdout, run.stderr
    );
    run.stdout
}

fn fails(args: &[&str]) -> String {
    let run = jitcall(args);
    assert_eq!(
        run.code, 2,
        "jitcall {args:?}:\n{}{}",
        run.stdout, run.stderr
    );
    run.stderr
}

fn have(header: &str) -> bool {
    let found = ["/usr/include", "/usr/include/x86_64-linux-gnu"]
        .iter()
        .any(|dir| Path::new(dir).join(header).exists());
    if !found {
        eprintln!("skipped: {header} is not installed");
    }
    found
}

#[test]
fn functions_by_name_from_their_headers() {
    for (args, expected) in [
        (&["--include", "math.h", "hypot", "3", "4"][..], "5"),
        (&["--include", "stdlib.h", "labs", "--", "-7"], "7"),
        (&["--include", "string.h", "strlen", "\"hello\""], "5"),
        // `div_t div(int, int)`: a struct result, laid out from stdlib.h.
        (&["--include", "stdlib.h", "div", "7", "2"], "{3, 1}"),
        (
            &[
                "--include",
                "stdio.h",
                "--include",
                "stdlib.h",
                "abs",
                "--",
                "-3",
            ],
            "3",
        ),
    ] {
        let mut all = vec!["call"];
        all.extend_from_slice(args);
        assert_eq!(ok(&all), format!("{expected}\n"), "{all:?}");
    }
    if have("zlib.h") {
        let out = ok(&[
            "call",
            "--include",
            "zlib.h",
            "-l",
            "libz.so.1",
            "crc32",
            "0",
            "\"hello\"",
            "5",
        ]);
        assert_eq!(out, "907060870\n");
    }
    if have("sqlite3.h") {
        let out = ok(&[
            "call",
            "--include",
            "sqlite3.h",
            "-l",
            "libsqlite3.so.0",
            "sqlite3_libversion_number",
        ]);
        assert!(out.trim().parse::<u32>().unwrap() >= 3_000_000, "{out}");
    }
}

#[test]
fn asm_labels_name_the_symbol_called() {
    // No function is called `my_abs`: only the label makes this call work.
    assert_eq!(
        ok(&["call", "int my_abs(int) __asm__(\"abs\")", "--", "-5"]),
        "5\n"
    );
    let out = ok(&["decls", "--include", "stdio.h", "--json"]);
    let sscanf = out
        .split("{\"name\": \"sscanf\", ")
        .nth(1)
        .expect("sscanf is listed");
    assert!(
        sscanf.starts_with(
            "\"symbol\": \"__isoc99_sscanf\", \
             \"declaration\": \"int sscanf(const char *restrict, const char *restrict, ...)\", \
             \"header\": \"/usr/include/stdio.h\", \"line\": "
        ),
        "{sscanf}"
    );
    // With 64-bit file offsets, glibc's fopen is fopen64.
    let out = ok(&[
        "decls",
        "--include",
        "stdio.h",
        "-D",
        "_FILE_OFFSET_BITS=64",
        "--json",
    ]);
    assert!(out.contains("{\"name\": \"fopen\", \"symbol\": \"fopen64\", "));
}

#[test]
fn decls_lists_layouts() {
    let out = ok(&["decls", "--include", "stdlib.h", "--json"]);
    assert!(out.starts_with("{\"functions\": [{"), "{out}");
    assert!(out.contains(
        "{\"name\": \"div_t\", \"size\": 8, \"align\": 4, \"fields\": \
         [{\"name\": \"quot\", \"offset\": 0, \"size\": 4}, \
         {\"name\": \"rem\", \"offset\": 4, \"size\": 4}], \
         \"header\": \"/usr/include/stdlib.h\", "
    ));
    let text = ok(&["decls", "--include", "regex.h"]);
    assert!(
        text.contains("struct re_pattern_buffer: size 64, align 8\n")
            && text
                .contains("bit-field __can_be_null: bits 0..1 of the 4-byte unit at offset 56\n"),
        "{text}"
    );
    assert!(text.contains("int regcomp(regex_t *restrict, const char *restrict, int)"));
}

/// With `--include`, DECLARATIONS may be C text of the user's own that uses the headers'
/// types: `div_t` from stdlib.h, and zlib's `uLong`/`Bytef`/`uInt`.
#[test]
fn own_declarations_use_the_headers_types() {
    let out = ok(&[
        "call",
        "--include",
        "stdlib.h",
        "div_t my_div(int, int) __asm__(\"div\")",
        "7",
        "2",
    ]);
    assert_eq!(out, "{3, 1}\n");
    if have("zlib.h") {
        let out = ok(&[
            "call",
            "--include",
            "zlib.h",
            "-l",
            "libz.so.1",
            "uLong crc32(uLong crc, const Bytef *buf, uInt len)",
            "0",
            "\"hello\"",
            "5",
        ]);
        assert_eq!(out, "907060870\n");
    }
}

/// Bit-fields under `#pragma pack`: the offsets and bits are gcc's (its bytes for each
/// bit-field set to all ones: `flags` 00 07 00 00, `len` 00 f8 ff 7f; `tail` at 4).
#[test]
fn decls_gives_bit_fields_their_bits() {
    let dir = common::ScratchDir::new("decls-bits");
    let header = dir.join("hdr.h");
    std::fs::write(
        &header,
        "#pragma pack(push, 1)\n\
         struct hdr { unsigned char kind; unsigned flags : 3; unsigned len : 20; int tail; };\n\
         #pragma pack(pop)\n\
         struct after { char c; int i; };\n",
    )
    .unwrap();
    let header = header.to_str().unwrap();
    let out = ok(&["decls", "--include", header, "--json"]);
    assert!(
        out.contains(
            "{\"name\": \"struct hdr\", \"size\": 8, \"align\": 1, \"fields\": \
             [{\"name\": \"kind\", \"offset\": 0, \"size\": 1}, \
             {\"name\": \"flags\", \"offset\": 0, \"size\": 4, \"bit_offset\": 8, \"bit_width\": 3}, \
             {\"name\": \"len\", \"offset\": 0, \"size\": 4, \"bit_offset\": 11, \"bit_width\": 20}, \
             {\"name\": \"tail\", \"offset\": 4, \"size\": 4}]"
        ),
        "{out}"
    );
    assert!(
        out.contains("{\"name\": \"struct after\", \"size\": 8, \"align\": 4"),
        "{out}"
    );
    let text = ok(&["decls", "--include", header]);
    assert!(
        text.contains(
            "struct hdr: size 8, align 1\n\
             \x20          bit-field flags: bits 8..11 of the 4-byte unit at offset 0\n\
             \x20          bit-field len: bits 11..31 of the 4-byte unit at offset 0\n"
        ),
        "{text}"
    );
}

#[test]
fn what_cannot_be_called_says_why_and_where() {
    let err = fails(&["call", "--include", "stdlib.h", "__bswap_32", "1"]);
    assert!(
        err.contains("'__bswap_32' (/usr/include/x86_64-linux-gnu/bits/byteswap.h:")
            && err.contains("cannot be called: static inline function: it has no symbol to call"),
        "{err}"
    );
    let err = fails(&["call", "--include", "stdio.h", "no_such_function"]);
    assert!(
        err.contains("the headers declare no function `no_such_function`"),
        "{err}"
    );
    let err = fails(&["call", "--include", "no/such/header.h", "f"]);
    assert!(
        err.contains("no/such/header.h: No such file or directory"),
        "{err}"
    );
    // Declarations of the user's own are read in the headers' scope: an unknown type
    // is still an error, with a caret.
    let err = fails(&["call", "--include", "stdio.h", "no_such_t f(void)"]);
    assert!(
        err.contains("in DECLARATIONS") && err.contains('^'),
        "{err}"
    );
    let run = run_jitcall(
        &["call", "--include", "stdio.h", "puts", "\"x\""],
        &[("CC", "/nonexistent/cc")],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("reading headers needs a C compiler (install gcc or clang, or set CC)"),
        "{}",
        run.stderr
    );
}

#[test]
fn explain_by_name() {
    let out = ok(&["explain", "--include", "stdio.h", "fprintf"]);
    assert!(out.starts_with("int fprintf("), "{out}");
}
