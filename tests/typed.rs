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
