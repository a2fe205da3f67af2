//! Typed calls (`Function::typed`, `Function::as_fn`) judged by gcc and clang: each C
//! callee folds its arguments into a result with distinct weights, and `drive_N`, the
//! compiler's own call of it, gives the answer jitcall must reproduce. Kind mismatches
//! that sizes cannot see must be refused at creation.

mod common;

use common::*;
use jitcall::{CType, Library, Plain, Signature, Type};

const SOURCE: &str = r#"
typedef struct { double x, y; } vec2;
typedef struct { long a, b, c; } big3;

double mix(int a, double b, long c, float d, unsigned char e) { return a * 3 + b * 5 + c * 7 + d * 11 + e * 13; }
double drive_mix(void) { return mix(-2, 2.5, 40, 0.25f, 200); }

vec2 vadd(vec2 p, vec2 q) { vec2 r = { p.x + 2 * q.x, p.y + 3 * q.y }; return r; }
double drive_vadd(void) { vec2 p = { 1, 2 }, q = { 0.5, 0.25 }; vec2 r = vadd(p, q); return r.x * 1000 + r.y; }

big3 bigmk(long k, big3 s) { big3 r = { s.a + k, s.b * k, s.c - k }; return r; }
long drive_bigmk(void) { big3 s = { 1, 2, 3 }; big3 r = bigmk(10, s); return r.a * 10000 + r.b * 100 + r.c; }

/* With five longs before it, the __int128 has one GPR left: gcc passes it on the stack. */
long last128(long a, long b, long c, long d, long e, __int128 x) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * (long)(x >> 64) + 7 * (long)x;
}
long drive_last128(void) { return last128(1, 2, 3, 4, 5, ((__int128)9 << 64) | 8); }

long sum13(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j,
           long k, long l, long m) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j
        + 11 * k + 12 * l + 13 * m;
}

static int counter;
void bump(int by) { counter += by; }
int count(void) { return counter; }

signed char narrow(int x) { return (signed char)x; }
_Bool is_odd(long x) { return x & 1; }
"#;

fn driver<R: Plain>(lib: &Library, name: &str, ret: Type) -> R {
    let f = lib
        .function(&format!("drive_{name}"), &Signature::new(ret, []))
        .unwrap();
    let mut frame = f.frame();
    // SAFETY: drive_NAME takes nothing and returns `ret`.
    unsafe { f.call_frame(&mut frame) };
    frame.ret::<R>()
}

fn function(lib: &Library, decl: &str) -> jitcall::Function {
    let sig: Signature = decl.parse().unwrap();
    let name = decl.split('(').next().unwrap().rsplit(' ').next().unwrap();
    lib.function(name, &sig).unwrap()
}

#[test]
fn typed_calls_and_direct_pointers_match_the_compilers() {
    for cc in compilers() {
        let lib = open_c(cc, "typed", SOURCE);

        let mix = function(&lib, "double mix(int, double, long, float, unsigned char)");
        let want: f64 = driver(&lib, "mix", Type::Double);
        let mut typed = mix.typed::<(i32, f64, i64, f32, u8), f64>().unwrap();
        // SAFETY: mix has this signature.
        assert_eq!(
            unsafe { typed.call((-2, 2.5, 40, 0.25, 200)) },
            want,
            "{cc}"
        );
        let direct: unsafe extern "C" fn(i32, f64, i64, f32, u8) -> f64 = mix.as_fn().unwrap();
        // SAFETY: as above; `lib` stays loaded.
        assert_eq!(unsafe { direct(-2, 2.5, 40, 0.25, 200) }, want, "{cc}");

        let vadd = Signature::new(Vec2::c_type(), [Vec2::c_type(), Vec2::c_type()]);
        let vadd = lib.function("vadd", &vadd).unwrap();
        let want: f64 = driver(&lib, "vadd", Type::Double);
        let (p, q) = (Vec2 { x: 1.0, y: 2.0 }, Vec2 { x: 0.5, y: 0.25 });
        let digest = |r: Vec2| r.x * 1000.0 + r.y;
        let mut typed = vadd.typed::<(Vec2, Vec2), Vec2>().unwrap();
        // SAFETY: vadd has this signature.
        assert_eq!(digest(unsafe { typed.call((p, q)) }), want, "{cc}");
        let direct: unsafe extern "C" fn(Vec2, Vec2) -> Vec2 = vadd.as_fn().unwrap();
        // SAFETY: as above.
        assert_eq!(digest(unsafe { direct(p, q) }), want, "{cc}");

        let big3 = Big3::c_type();
        let bigmk = lib
            .function("bigmk", &Signature::new(big3.clone(), [Type::Long, big3]))
            .unwrap();
        let want: i64 = driver(&lib, "bigmk", Type::Long);
        let digest = |r: Big3| r.a * 10000 + r.b * 100 + r.c;
        let s = Big3 { a: 1, b: 2, c: 3 };
        let mut typed = bigmk.typed::<(i64, Big3), Big3>().unwrap();
        // SAFETY: bigmk has this signature.
        assert_eq!(digest(unsafe { typed.call((10, s)) }), want, "{cc}");
        let direct: unsafe extern "C" fn(i64, Big3) -> Big3 = bigmk.as_fn().unwrap();
        // SAFETY: as above.
        assert_eq!(digest(unsafe { direct(10, s) }), want, "{cc}");

        let last = function(&lib, "long last128(long, long, long, long, long, __int128)");
        let want: i64 = driver(&lib, "last128", Type::Long);
        let x = (9i128 << 64) | 8;
        let mut typed = last
            .typed::<(i64, i64, i64, i64, i64, i128), i64>()
            .unwrap();
        // SAFETY: last128 has this signature.
        assert_eq!(unsafe { typed.call((1, 2, 3, 4, 5, x)) }, want, "{cc}");
        let direct: unsafe extern "C" fn(i64, i64, i64, i64, i64, i128) -> i64 =
            last.as_fn().unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { direct(1, 2, 3, 4, 5, x) }, want, "{cc}");

        // Thirteen arguments: past the layout code, written slot by slot.
        let sum13 = lib
            .function("sum13", &Signature::new(Type::Long, vec![Type::Long; 13]))
            .unwrap();
        let mut typed = sum13.typed::<[i64; 13], i64>().unwrap();
        let args: [i64; 13] = std::array::from_fn(|i| i as i64 + 1);
        let want: i64 = (1..=13).map(|i| i * i).sum();
        // SAFETY: sum13 has this signature.
        assert_eq!(unsafe { typed.call(args) }, want, "{cc}");

        // void results, and a function with no parameters.
        let mut bump = function(&lib, "void bump(int)")
            .typed::<(i32,), ()>()
            .unwrap();
        let count = function(&lib, "int count(void)");
        let count: unsafe extern "C" fn() -> i32 = count.as_fn().unwrap();
        // SAFETY: both have these signatures.
        unsafe {
            let before = count();
            bump.call((5,));
            bump.call((-2,));
            assert_eq!(count() - before, 3, "{cc}");
        }
    }
}

#[test]
fn kinds_that_sizes_cannot_tell_apart_are_refused() {
    let lib = open_c("gcc", "typed_refused", SOURCE);
    let pow = Library::open("libm.so.6")
        .unwrap()
        .function("pow", &"double pow(double, double)".parse().unwrap())
        .unwrap();
    // INTEGER against SSE, same sizes: what set_args((2i64, 10i64)) silently does.
    let e = pow.typed::<(i64, i64), f64>().unwrap_err().to_string();
    assert!(e.contains("argument 0") && e.contains("i64"), "{e}");
    let e = pow.typed::<(f64, f64), i64>().unwrap_err().to_string();
    assert!(e.contains("result"), "{e}");
    assert!(pow.typed::<(f64,), f64>().is_err(), "count");
    assert!(
        pow.as_fn::<unsafe extern "C" fn(f64, f64) -> u64>()
            .is_err()
    );
    assert!(
        pow.as_fn::<unsafe extern "C" fn(f32, f64) -> f64>()
            .is_err()
    );

    let mix = function(&lib, "double mix(int, double, long, float, unsigned char)");
    // unsigned char is zero-extended, i8 sign-extended: another kind.
    assert!(mix.typed::<(i32, f64, i64, f32, i8), f64>().is_err());
    // int and unsigned int travel alike: accepted.
    assert!(mix.typed::<(u32, f64, u64, f32, u8), f64>().is_ok());

    // Narrow results: Rust would assume an extension gcc's callee does not make.
    let narrow = function(&lib, "signed char narrow(int)");
    let e = narrow
        .as_fn::<unsafe extern "C" fn(i32) -> i8>()
        .unwrap_err()
        .to_string();
    assert!(e.contains("extended"), "{e}");
    let mut typed = narrow.typed::<(i32,), i8>().unwrap();
    // SAFETY: narrow has this signature.
    assert_eq!(unsafe { typed.call((0x1234_5681,)) }, -127);
    let mut odd = function(&lib, "_Bool is_odd(long)")
        .typed::<(i64,), bool>()
        .unwrap();
    // SAFETY: is_odd has this signature.
    assert!(unsafe { odd.call((7,)) } && !unsafe { odd.call((8,)) });

    let printf = Library::this()
        .function(
            "printf",
            &Signature::variadic(Type::Int, [Type::Pointer], [Type::Int]),
        )
        .unwrap();
    assert!(
        printf
            .as_fn::<unsafe extern "C" fn(*const i8, i32) -> i32>()
            .is_err()
    );
    assert!(printf.typed::<(*const i8, i32), i32>().is_ok());
}

/// The `core::arch` vectors against gcc callees built for each vector ABI in one file,
/// by `__attribute__((target(..)))`: each ABI's functions, and their drivers (the
/// compiler's own calls), carry the same attribute.
const VECTORS: &str = r#"
#include <immintrin.h>
#include <string.h>
#define DEFINE(isa, attr) \
attr __attribute__((noipa)) __m256d fma_##isa(__m256d a, __m256d b) { \
    return a * 2 + b * (__m256d){3, 5, 7, 11}; } \
attr void drive_fma_##isa(double *out) { \
    __m256d r = fma_##isa((__m256d){1.5, -2, 3.25, 1e10}, (__m256d){0.5, 0.25, -8, 3}); \
    memcpy(out, &r, sizeof r); } \
attr __attribute__((noipa)) __m512d wide_##isa(__m512d a, int k, __m512d b) { return a * k - b; } \
attr void drive_wide_##isa(double *out) { \
    __m512d a = {1, 2, 3, 4, 5, 6, 7, 8}, b = {0.5, -1, 1e3, 0, -7, 2, 3, 0.25}; \
    __m512d r = wide_##isa(a, -3, b); memcpy(out, &r, sizeof r); } \
attr __attribute__((noipa)) double lanes_##isa(__m128 a, __m128d b, __m128i c, __m256 d, \
        __m256i e, __m512 f, __m512i g, __m512d h) { \
    double s = 0; \
    for (int i = 0; i < 4; i++) s += a[i] * (i + 1); \
    for (int i = 0; i < 2; i++) s += b[i] * (i + 5) + c[i] * (i + 7); \
    for (int i = 0; i < 8; i++) s += d[i] * (i + 9); \
    for (int i = 0; i < 4; i++) s += e[i] * (i + 17); \
    for (int i = 0; i < 16; i++) s += f[i] * (i + 21); \
    for (int i = 0; i < 8; i++) s += g[i] * (i + 37) + h[i] * (i + 45); \
    return s; } \
attr double drive_lanes_##isa(void) { \
    __m128 a; __m128d b; __m128i c; __m256 d; __m256i e; __m512 f; __m512i g; __m512d h; \
    for (int i = 0; i < 4; i++) a[i] = i + 0.5f; \
    for (int i = 0; i < 2; i++) { b[i] = -i - 0.25; c[i] = 1000 * i - 3; } \
    for (int i = 0; i < 8; i++) d[i] = i * 1.5f; \
    for (int i = 0; i < 4; i++) e[i] = -7 * i; \
    for (int i = 0; i < 16; i++) f[i] = 16 - i; \
    for (int i = 0; i < 8; i++) { g[i] = i * i; h[i] = 0.125 * i; } \
    return lanes_##isa(a, b, c, d, e, f, g, h); }
DEFINE(sse, )
DEFINE(avx2, __attribute__((target("avx2"))))
DEFINE(avx512, __attribute__((target("avx512f"))))
"#;

mod vectors {
    #![allow(improper_ctypes_definitions)] // the vectors are C's GNU vectors
    use std::arch::x86_64::*;

    pub type Fma = unsafe extern "C" fn(__m256d, __m256d) -> __m256d;
    pub type Wide = unsafe extern "C" fn(__m512d, i32, __m512d) -> __m512d;
    pub type WrongWide = unsafe extern "C" fn(__m512d, f64, __m512d) -> __m512d;

    /// Rust passes `__m256d` in `ymm` only where AVX is enabled.
    ///
    /// # Safety
    ///
    /// The CPU has AVX; `f` has this signature and was compiled with AVX.
    #[target_feature(enable = "avx")]
    pub unsafe fn call_fma(f: Fma, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the caller's contract.
        unsafe { f(a, b) }
    }

    /// # Safety
    ///
    /// The CPU has AVX-512F; `f` has this signature and was compiled with it.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn call_wide(f: Wide, a: __m512d, k: i32, b: __m512d) -> __m512d {
        // SAFETY: the caller's contract.
        unsafe { f(a, k, b) }
    }
}

/// `Function::typed` with the `core::arch` vectors, through the trampoline, for a
/// callee built without AVX (vectors in memory), with AVX2 (`ymm`) and with AVX-512F
/// (`zmm`); `Function::as_fn` where the callee takes them in the registers Rust uses,
/// refused where it takes them in memory; a register this CPU lacks refused when the
/// function is made.
#[test]
fn core_arch_vectors_travel_as_the_callee_was_built() {
    use std::arch::x86_64::*;
    // SAFETY (the transmutes below): arrays of the vector's size; every bit pattern is
    // a valid vector.
    let v4d = |x: [f64; 4]| unsafe { std::mem::transmute::<[f64; 4], __m256d>(x) };
    let v8d = |x: [f64; 8]| unsafe { std::mem::transmute::<[f64; 8], __m512d>(x) };
    let lanes4 = |v: __m256d| unsafe { std::mem::transmute::<__m256d, [f64; 4]>(v) };
    let lanes8 = |v: __m512d| unsafe { std::mem::transmute::<__m512d, [f64; 8]>(v) };
    let (fa, fb) = (v4d([1.5, -2.0, 3.25, 1e10]), v4d([0.5, 0.25, -8.0, 3.0]));
    let wa = v8d([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
    let wb = v8d([0.5, -1.0, 1e3, 0.0, -7.0, 2.0, 3.0, 0.25]);

    let lib = open_c("gcc", "typed_vectors", VECTORS);
    let out = |name: &str, n: usize| -> Vec<f64> {
        let drive = lib
            .function(name, &Signature::new(Type::Void, [Type::Pointer]))
            .unwrap();
        let mut buf = vec![0f64; n];
        // SAFETY: the driver writes n doubles to its argument.
        unsafe { drive.call(&[jitcall::Value::Pointer(buf.as_mut_ptr().cast())]) }.unwrap();
        buf
    };
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    let avx512 = std::arch::is_x86_feature_detected!("avx512f");
    for (isa, attr, runs) in [
        ("sse", "no-avx", true),
        ("avx2", "avx2", avx2),
        ("avx512", "avx512f", avx512),
    ] {
        let decl = |ret: &str, name: &str, params: &str| -> Signature {
            format!("{ret} {name}_{isa}({params}) __attribute__((target(\"{attr}\")));")
                .parse()
                .unwrap()
        };
        let fma = decl("__m256d", "fma", "__m256d, __m256d");
        let wide = decl("__m512d", "wide", "__m512d, int, __m512d");
        let lanes = decl(
            "double",
            "lanes",
            "__m128, __m128d, __m128i, __m256, __m256i, __m512, __m512i, __m512d",
        );
        if !runs {
            // This CPU could not run the callee: making the function is refused.
            let e = lib.function(&format!("fma_{isa}"), &fma).unwrap_err();
            assert!(e.to_string().contains("AVX"), "{isa}: {e}");
            continue;
        }
        let fma = lib.function(&format!("fma_{isa}"), &fma).unwrap();
        let wide = lib.function(&format!("wide_{isa}"), &wide).unwrap();
        let lanes = lib.function(&format!("lanes_{isa}"), &lanes).unwrap();

        let want = out(&format!("drive_fma_{isa}"), 4);
        let mut typed = fma.typed::<(__m256d, __m256d), __m256d>().unwrap();
        // SAFETY: fma_ISA has this signature.
        assert_eq!(lanes4(unsafe { typed.call((fa, fb)) }), want[..], "{isa}");
        let want_wide = out(&format!("drive_wide_{isa}"), 8);
        let mut typed = wide.typed::<(__m512d, i32, __m512d), __m512d>().unwrap();
        // SAFETY: wide_ISA has this signature.
        assert_eq!(
            lanes8(unsafe { typed.call((wa, -3, wb)) }),
            want_wide[..],
            "{isa}"
        );

        let want_lanes: f64 = {
            let d = lib
                .function(
                    &format!("drive_lanes_{isa}"),
                    &Signature::new(Type::Double, []),
                )
                .unwrap();
            // SAFETY: drive_lanes_ISA is `double (void)`.
            match unsafe { d.call(&[]) }.unwrap() {
                jitcall::Value::Double(x) => x,
                other => panic!("{other:?}"),
            }
        };
        // SAFETY (transmutes): arrays of each vector's size, any bits valid.
        let args = unsafe {
            use std::mem::transmute as t;
            (
                t::<[f32; 4], __m128>(std::array::from_fn(|i| i as f32 + 0.5)),
                t::<[f64; 2], __m128d>([-0.25, -1.25]),
                t::<[i64; 2], __m128i>([-3, 997]),
                t::<[f32; 8], __m256>(std::array::from_fn(|i| i as f32 * 1.5)),
                t::<[i64; 4], __m256i>(std::array::from_fn(|i| -7 * i as i64)),
                t::<[f32; 16], __m512>(std::array::from_fn(|i| 16.0 - i as f32)),
                t::<[i64; 8], __m512i>(std::array::from_fn(|i| (i * i) as i64)),
                t::<[f64; 8], __m512d>(std::array::from_fn(|i| 0.125 * i as f64)),
            )
        };
        let mut typed = lanes
            .typed::<(
                __m128,
                __m128d,
                __m128i,
                __m256,
                __m256i,
                __m512,
                __m512i,
                __m512d,
            ), f64>()
            .unwrap();
        // SAFETY: lanes_ISA has this signature.
        assert_eq!(unsafe { typed.call(args) }, want_lanes, "{isa}");

        // Direct calls: Rust passes __m256d in ymm and __m512d in zmm.
        match fma.as_fn::<vectors::Fma>() {
            Ok(f) => {
                assert_ne!(isa, "sse");
                // SAFETY: the CPU has AVX (the function was made with ymm registers),
                // fma_ISA was compiled with it and has this signature.
                let r = unsafe { vectors::call_fma(f, fa, fb) };
                assert_eq!(lanes4(r), want[..], "{isa}");
            }
            Err(e) => {
                assert_eq!(isa, "sse", "{e}");
                assert!(e.to_string().contains("memory"), "{e}");
            }
        }
        // A wrong kind is named as such, whatever the vectors do.
        let e = wide.as_fn::<vectors::WrongWide>().unwrap_err().to_string();
        assert!(e.contains("argument 1"), "{isa}: {e}");
        let e = wide
            .typed::<(__m512d, f64, __m512d), __m512d>()
            .unwrap_err();
        assert!(e.to_string().contains("argument 1"), "{isa}: {e}");
        match wide.as_fn::<vectors::Wide>() {
            Ok(f) => {
                assert_eq!(isa, "avx512");
                // SAFETY: the CPU has AVX-512F, wide_avx512 was compiled with it and
                // has this signature.
                let r = unsafe { vectors::call_wide(f, wa, -3, wb) };
                assert_eq!(lanes8(r), want_wide[..], "{isa}");
            }
            Err(e) => {
                assert_ne!(isa, "avx512", "{e}");
                assert!(e.to_string().contains("zmm"), "{e}");
            }
        }
    }
    // The 16-byte vectors do not depend on the ABI: a direct call needs nothing.
    assert_eq!(__m128::c_type(), Type::vector(Type::Float, 4));
}
