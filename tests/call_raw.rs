//! `Function::call_raw` runs an entry with its target baked in, compiled on first use
//! for each signature and target: functions of one signature at different targets must
//! each reach their own, whichever was called first and however their calls interleave.
//! Judged by gcc and clang: `drive_NAME` is the compiler's own call of `NAME` with the
//! same arguments, called through a plain function pointer.

mod common;

use common::*;
use jitcall::{Library, Signature, Type};
use std::ffi::c_void;

const SOURCE: &str = r#"
typedef struct { long a, b, c; } big3;

long lin(int a, int b) { return a * 3L + b * 5L; }
long mul(int a, int b) { return (long)a * b - 7; }
long drive_lin(void) { return lin(40, -2); }
long drive_mul(void) { return mul(40, -2); }

/* A hidden result pointer and a struct on the stack. */
big3 mk1(long k, big3 s) { big3 r = { s.a + k, s.b * k, s.c - k }; return r; }
big3 mk2(long k, big3 s) { big3 r = { s.a - k, s.b + 2 * k, s.c * k }; return r; }
static long digest(big3 r) { return r.a * 1000000 + r.b * 1000 + r.c; }
long drive_mk1(void) { big3 s = { 1, 2, 3 }; return digest(mk1(10, s)); }
long drive_mk2(void) { big3 s = { 1, 2, 3 }; return digest(mk2(10, s)); }
"#;

/// The compiler's own result for `drive_NAME`, called through a plain Rust function
/// pointer (nothing of jitcall's but the library loader).
fn driver(lib: &Library, name: &str) -> i64 {
    let p = lib.symbol(&format!("drive_{name}")).unwrap();
    // SAFETY: drive_NAME is `long drive_NAME(void)`.
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn() -> i64>(p) };
    f()
}

#[test]
fn call_raw_reaches_each_functions_own_target() {
    for cc in compilers() {
        let lib = open_c(cc, "call_raw", SOURCE);
        let mut failures = Vec::new();

        let sig = Signature::new(Type::Long, [Type::Int, Type::Int]);
        let (a, b) = (40i32, -2i32);
        let args = [
            &a as *const i32 as *const c_void,
            &b as *const i32 as *const c_void,
        ];
        let want = [driver(&lib, "lin"), driver(&lib, "mul")];
        // Either one compiled first; both alive at once and called alternately.
        for order in [["lin", "mul"], ["mul", "lin"]] {
            let functions: Vec<_> = order
                .iter()
                .map(|name| (*name, lib.function(name, &sig).unwrap()))
                .collect();
            for round in 0..2 {
                for (name, f) in &functions {
                    let mut got = 0i64;
                    // SAFETY: `name` is `long(int, int)`; `args` points at two ints.
                    unsafe { f.call_raw((&mut got as *mut i64).cast(), args.as_ptr()) }.unwrap();
                    let want = want[usize::from(*name == "mul")];
                    if got != want {
                        failures.push(format!(
                            "{cc}: {name} ({order:?}, round {round}): call_raw gave {got}, \
                             gcc/clang {want}"
                        ));
                    }
                }
            }
        }

        let big3 = Type::structure([Type::Long, Type::Long, Type::Long]);
        let sig = Signature::new(big3.clone(), [Type::Long, big3]);
        let (k, s) = (10i64, Big3 { a: 1, b: 2, c: 3 });
        let args = [
            &k as *const i64 as *const c_void,
            &s as *const Big3 as *const c_void,
        ];
        let mk: Vec<_> = ["mk1", "mk2"]
            .iter()
            .map(|name| (*name, lib.function(name, &sig).unwrap()))
            .collect();
        for round in 0..2 {
            for (name, f) in &mk {
                let mut r = Big3::default();
                // SAFETY: `name` is `big3(long, big3)`; `args` points at a long and a
                // big3, and `r` has big3's layout.
                unsafe { f.call_raw((&mut r as *mut Big3).cast(), args.as_ptr()) }.unwrap();
                let (got, want) = (r.a * 1_000_000 + r.b * 1000 + r.c, driver(&lib, name));
                if got != want {
                    failures.push(format!(
                        "{cc}: {name} (round {round}): call_raw gave {got}, gcc/clang {want}"
                    ));
                }
            }
        }
        assert_no_failures(&failures);
    }
}
