//! What the parser fuzz targets check, one function per target, shared with the test
//! that replays the seeds and regressions in `cargo test` (`tests/parser_fuzz_inputs.rs`
//! includes this file): a failure here is a panic.

use jitcall::Declarations;
use jitcall::abi::sysv;
use jitcall::literal::{Strings, format_value, parse_value, parse_variadic};
use std::sync::OnceLock;

/// The declaration parser on arbitrary text, strict and as headers are read: it must
/// answer (a value or an error), never panic, hang or overflow the stack; whatever it
/// accepts must classify and list.
pub fn cdecl(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(decls) = Declarations::parse_preprocessed(text) {
        for f in decls.functions() {
            let _ = sysv::classify(&f.signature);
        }
        for entry in decls.function_entries() {
            let _ = decls.find_function(&entry.name).map_err(|e| e.to_string());
        }
        let _ = decls.types();
    }
    match Declarations::parse(text) {
        Ok(decls) => {
            for f in decls.functions() {
                let _ = sysv::classify(&f.signature);
            }
            for (_, ty) in decls.aggregates() {
                let _ = ty.layout();
                let _ = ty.field_offsets();
            }
        }
        Err(e) => {
            let _ = e.render(text);
        }
    }
}

const DECLS: &str = "struct in { char c; short s; };
    struct s { int i; double d; long double x; struct in n; float f[3]; };
    union u { float f; int i; unsigned __int128 w; };
    enum e { A = -1, B = 7 };
    typedef double _Complex cd;
    void f(char, unsigned char, short, int, unsigned, long, unsigned long,
           __int128, unsigned __int128, float, double, long double, _Bool,
           const char *, void *, struct s, union u, enum e, cd, _BitInt(300),
           unsigned _BitInt(129));";

/// The C literal parser on arbitrary text, for a spread of parameter types: it must
/// answer (a value or an error), never panic; what it reads must print.
pub fn literal(data: &[u8]) {
    static PARSED: OnceLock<Declarations> = OnceLock::new();
    let decls = PARSED.get_or_init(|| Declarations::parse(DECLS).expect("fixed declarations"));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = decls.function("f").expect("declared above");
    for ty in f.signature.params() {
        let mut strings = Strings::default();
        match parse_value(text, ty, decls, &mut strings) {
            Ok(v) => {
                let _ = format_value(&v, ty);
            }
            Err(e) => {
                let _ = e.render(text);
            }
        }
    }
    let mut strings = Strings::default();
    if let Ok((ty, v)) = parse_variadic(text, decls, &mut strings) {
        let _ = format_value(&v, &ty);
    }
}
