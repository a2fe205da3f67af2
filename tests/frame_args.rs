//! `Frame::set_args` and `FrameBatch::set_args`, judged by gcc and clang.
//!
//! Each C callee folds every argument into a digest with a distinct weight, so a value
//! in the wrong slot, register or stack position changes the result; `drive_N` is the
//! compiler's own call of the callee with the same literal arguments. jitcall must
//! reproduce the driver's result for tuples whose layout code matches the frame's (the
//! constant-offset path) and for those that take the checked path: more than twelve
//! arguments, an argument over 255 bytes, a Rust type aligned unlike its C parameter.

mod common;

use common::*;
use jitcall::{Frame, FrameArgs, Function, Library, Signature, Type};

const SOURCE: &str = r#"
typedef struct { double x, y; } vec2;
typedef struct { long a, b, c; } big3;
typedef struct { unsigned char b[300]; } huge;
typedef struct __attribute__((aligned(16))) { long a; } al16;

long add2(int a, int b) { return a * 3L + b * 5L; }
long drive_add2(void) { return add2(40, -2); }

double mix4(int a, double b, float c, long d) { return a * 3 + b * 5 + c * 7 + d * 11; }
double drive_mix4(void) { return mix4(1, 2.5, 0.25f, -4); }

vec2 vadd(vec2 p, vec2 q) { vec2 r = { p.x + 2 * q.x, p.y + 3 * q.y }; return r; }
double drive_vadd(void) { vec2 p = { 1, 2 }, q = { 0.5, 0.25 }; vec2 r = vadd(p, q); return r.x * 1000 + r.y; }

long sum12(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j,
           long k, long l) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j
        + 11 * k + 12 * l;
}
long drive_sum12(void) { return sum12(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12); }

long sum13(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j,
           long k, long l, long m) {
    return sum12(a, b, c, d, e, f, g, h, i, j, k, l) + 13 * m;
}
long drive_sum13(void) { return sum13(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13); }

big3 bigmk(long k, big3 s) { big3 r = { s.a + k, s.b * k, s.c - k }; return r; }
long drive_bigmk(void) { big3 s = { 1, 2, 3 }; big3 r = bigmk(10, s); return r.a * 10000 + r.b * 100 + r.c; }

long wide(int a, __int128 b, char c) { return a * 3 + (long)(b >> 64) * 5 + (long)b * 7 + c * 11; }
long drive_wide(void) { return wide(7, ((__int128)9 << 64) | 4, 'x'); }

double ld(int a, long double b, float c) { return (double)(a * 3 + b * 5 + c * 7); }
double drive_ld(void) { return ld(2, 1.5L, 0.5f); }

long small(char a, short b, float c, unsigned char d) { return a * 3 + b * 5 + (long)(c * 7) + d * 11; }
long drive_small(void) { return small(-3, 300, 2.0f, 200); }

long big(int a, huge h) { long s = a; for (int i = 0; i < 300; i++) s += h.b[i] * (i + 1); return s; }
long drive_big(void) { huge h; for (int i = 0; i < 300; i++) h.b[i] = (unsigned char)(i * 7); return big(5, h); }

long al(int a, al16 s, long b) { return a * 3 + s.a * 5 + b * 7; }
long drive_al(void) { al16 s = { 11 }; return al(2, s, 13); }
"#;

/// A `long double` as its 16 in-memory bytes, aligned like the C type.
#[repr(C, align(16))]
#[derive(Clone, Copy, jitcall_derive::Plain)]
struct Ld([u8; 16]);

#[repr(C, align(16))]
#[derive(Clone, Copy, jitcall_derive::AnyBits)]
struct Al16 {
    a: i64,
}

fn vec2_t() -> Type {
    Type::structure([Type::Double, Type::Double])
}

fn big3_t() -> Type {
    Type::structure([Type::Long, Type::Long, Type::Long])
}

fn ld_bytes(x: f64) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..10].copy_from_slice(&jitcall::LongDouble::from_f64(x).to_bytes());
    b
}

fn huge_bytes() -> [u8; 300] {
    std::array::from_fn(|i| (i * 7) as u8)
}

/// The compiler's own result for case `name`.
fn driver<R: jitcall::AnyBits>(lib: &Library, name: &str, ret: Type) -> R {
    let f = lib
        .function(&format!("drive_{name}"), &Signature::new(ret, []))
        .unwrap();
    let mut frame = f.frame();
    // SAFETY: drive_NAME takes nothing and returns `ret`.
    unsafe { f.call_frame(&mut frame) };
    frame.ret::<R>()
}

/// Calls `name` with `args` written by `Frame::set_args`, and again through a batch
/// of three rows written by `FrameBatch::set_args`.
fn call_both<A: FrameArgs, R: jitcall::AnyBits + PartialEq + std::fmt::Debug>(
    lib: &Library,
    name: &str,
    sig: &Signature,
    args: A,
) -> R {
    let f = lib.function(name, sig).unwrap();
    let mut frame = f.frame();
    frame.set_args(args);
    // SAFETY: `sig` is the C callee's signature and A's types are laid out like its
    // parameters (the fixture above).
    unsafe { f.call_frame(&mut frame) };
    let r = frame.ret::<R>();
    let mut batch = f.batch(3).unwrap();
    for row in 0..3 {
        batch.set_args(row, args);
    }
    // SAFETY: as above, for every row.
    unsafe { f.call_batch(&mut batch) }.unwrap();
    for row in 0..3 {
        assert_eq!(batch.ret::<R>(row), r, "{name}: batch row {row}");
    }
    r
}

#[test]
fn set_args_matches_the_compilers() {
    for cc in compilers() {
        let lib = open_c(cc, "frame_args", SOURCE);
        let (int, long, dbl) = (Type::Int, Type::Long, Type::Double);
        let sig = |ret: &Type, params: &[Type]| Signature::new(ret.clone(), params.to_vec());

        let r: i64 = call_both(
            &lib,
            "add2",
            &sig(&long, &[int.clone(), int.clone()]),
            (40i32, -2i32),
        );
        assert_eq!(r, driver::<i64>(&lib, "add2", long.clone()), "{cc}: add2");

        let mix4 = sig(&dbl, &[int.clone(), dbl.clone(), Type::Float, long.clone()]);
        let r: f64 = call_both(&lib, "mix4", &mix4, (1i32, 2.5f64, 0.25f32, -4i64));
        assert_eq!(r, driver::<f64>(&lib, "mix4", dbl.clone()), "{cc}: mix4");

        let vadd = sig(&vec2_t(), &[vec2_t(), vec2_t()]);
        let (p, q) = (Vec2 { x: 1.0, y: 2.0 }, Vec2 { x: 0.5, y: 0.25 });
        let r: Vec2 = call_both(&lib, "vadd", &vadd, (p, q));
        assert_eq!(
            r.x * 1000.0 + r.y,
            driver::<f64>(&lib, "vadd", dbl.clone()),
            "{cc}: vadd"
        );

        let twelve: [i64; 12] = std::array::from_fn(|i| i as i64 + 1);
        let r: i64 = call_both(&lib, "sum12", &sig(&long, &vec![long.clone(); 12]), twelve);
        assert_eq!(
            r,
            driver::<i64>(&lib, "sum12", long.clone()),
            "{cc}: sum12 (array)"
        );
        let t = twelve;
        let tuple = (
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11],
        );
        let r: i64 = call_both(&lib, "sum12", &sig(&long, &vec![long.clone(); 12]), tuple);
        assert_eq!(
            r,
            driver::<i64>(&lib, "sum12", long.clone()),
            "{cc}: sum12 (tuple)"
        );

        // Thirteen arguments: past the layout code, the checked path.
        let thirteen: [i64; 13] = std::array::from_fn(|i| i as i64 + 1);
        let r: i64 = call_both(
            &lib,
            "sum13",
            &sig(&long, &vec![long.clone(); 13]),
            thirteen,
        );
        assert_eq!(r, driver::<i64>(&lib, "sum13", long.clone()), "{cc}: sum13");

        let bigmk = sig(&big3_t(), &[long.clone(), big3_t()]);
        let r: Big3 = call_both(&lib, "bigmk", &bigmk, (10i64, Big3 { a: 1, b: 2, c: 3 }));
        assert_eq!(
            r.a * 10000 + r.b * 100 + r.c,
            driver::<i64>(&lib, "bigmk", long.clone()),
            "{cc}: bigmk"
        );

        // A 16-aligned argument after an 8-aligned one: the argument area is aligned
        // for it, so the tuple's constant offsets still match.
        let wide = sig(&long, &[int.clone(), Type::Int128, Type::Char]);
        let b = (9i128 << 64) | 4;
        let r: i64 = call_both(&lib, "wide", &wide, (7i32, b, b'x' as i8));
        assert_eq!(r, driver::<i64>(&lib, "wide", long.clone()), "{cc}: wide");

        // long double as 16-aligned bytes (coded), then as plain bytes (aligned 1,
        // unlike the C type: the checked path).
        let ld = sig(&dbl, &[int.clone(), Type::LongDouble, Type::Float]);
        let want = driver::<f64>(&lib, "ld", dbl.clone());
        let r: f64 = call_both(&lib, "ld", &ld, (2i32, Ld(ld_bytes(1.5)), 0.5f32));
        assert_eq!(r, want, "{cc}: ld (aligned)");
        let r: f64 = call_both(&lib, "ld", &ld, (2i32, ld_bytes(1.5), 0.5f32));
        assert_eq!(r, want, "{cc}: ld (bytes)");

        let small = sig(&long, &[Type::Char, Type::Short, Type::Float, Type::UChar]);
        let r: i64 = call_both(&lib, "small", &small, (-3i8, 300i16, 2.0f32, 200u8));
        assert_eq!(r, driver::<i64>(&lib, "small", long.clone()), "{cc}: small");

        // A 300-byte struct: past the layout code, the checked path.
        let huge = Type::structure([Type::array(Type::UChar, 300)]);
        let r: i64 = call_both(
            &lib,
            "big",
            &sig(&long, &[int.clone(), huge]),
            (5i32, huge_bytes()),
        );
        assert_eq!(r, driver::<i64>(&lib, "big", long.clone()), "{cc}: big");

        let al16 = Type::build_struct()
            .field("a", long.clone())
            .aligned(16)
            .finish();
        let al = sig(&long, &[int.clone(), al16, long.clone()]);
        let r: i64 = call_both(
            &lib,
            "al",
            &al,
            (2i32, jitcall::Padded(Al16 { a: 11 }), 13i64),
        );
        assert_eq!(r, driver::<i64>(&lib, "al", long.clone()), "{cc}: al");
    }
}

/// `set_arg` finds the first slots in the frame itself and the rest in the plan's
/// table: thirteen arguments, one at a time, cross both, and the compiler's own call is
/// the reference.
#[test]
fn set_arg_one_at_a_time_matches_the_compilers() {
    for cc in compilers() {
        let lib = open_c(cc, "frame_args", SOURCE);
        let sig = Signature::new(Type::Long, vec![Type::Long; 13]);
        let f = lib.function("sum13", &sig).unwrap();
        let mut frame = f.frame();
        for i in 0..13 {
            frame.set_arg(i, i as i64 + 1);
        }
        // SAFETY: sum13 takes thirteen longs.
        unsafe { f.call_frame(&mut frame) };
        let expected = driver::<i64>(&lib, "sum13", Type::Long);
        assert_eq!(frame.ret::<i64>(), expected, "{cc}: sum13 by set_arg");
        for i in 0..13 {
            assert_eq!(frame.arg::<i64>(i), i as i64 + 1, "{cc}: argument {i}");
        }
    }
}

#[test]
fn set_arg_refuses_a_wrong_index_or_size_inline_or_not() {
    let sig = Signature::new(Type::Long, [Type::Int, Type::Double]);
    // SAFETY: never called.
    let f = Function::new(std::ptr::dangling(), &sig).unwrap();
    let mut frame: Frame = f.frame();
    // Index 2 has no parameter but lies among the frame's inline slots; 40 lies past them.
    for index in [2, 40] {
        let e = frame.try_set_arg(index, 1i32).unwrap_err().to_string();
        let count = format!("expected 2 argument(s), got {}", index + 1);
        assert!(e.contains(&count), "{e}");
    }
    let e = frame.try_set_arg(1, 1i32).unwrap_err().to_string();
    assert!(e.contains("argument 1") && e.contains("4 bytes"), "{e}");
    let thirteen = Signature::new(Type::Long, vec![Type::Long; 13]);
    // SAFETY: never called.
    let f = Function::new(std::ptr::dangling(), &thirteen).unwrap();
    let mut frame: Frame = f.frame();
    let e = frame.try_set_arg(12, 1i32).unwrap_err().to_string();
    assert!(e.contains("argument 12") && e.contains("4 bytes"), "{e}");
    let e = frame.try_set_arg(13, 1i64).unwrap_err().to_string();
    assert!(e.contains("expected 13 argument(s), got 14"), "{e}");
    frame.try_set_arg(12, 7i64).unwrap();
    assert_eq!(frame.arg::<i64>(12), 7);
}

#[test]
fn set_args_refuses_a_wrong_count_or_size() {
    let sig = Signature::new(Type::Long, [Type::Int, Type::Double]);
    // SAFETY: never called.
    let f = Function::new(std::ptr::dangling(), &sig).unwrap();
    let mut frame: Frame = f.frame();
    let e = frame.try_set_args((1i32,)).unwrap_err().to_string();
    assert!(e.contains('2') && e.contains('1'), "{e}");
    let e = frame
        .try_set_args((1i32, 2.0f64, 3i32))
        .unwrap_err()
        .to_string();
    assert!(e.contains('2') && e.contains('3'), "{e}");
    let e = frame.try_set_args((1i32, 2.0f32)).unwrap_err().to_string();
    assert!(e.contains("argument 1") && e.contains("4 bytes"), "{e}");
    let e = frame.try_set_args((1i64, 2.0f64)).unwrap_err().to_string();
    assert!(e.contains("argument 0") && e.contains("8 bytes"), "{e}");
    // Nothing was written by the refused calls, and a good one still works.
    assert_eq!(frame.arg::<i32>(0), 0);
    frame.try_set_args((1i32, 2.0f64)).unwrap();
    assert_eq!((frame.arg::<i32>(0), frame.arg::<f64>(1)), (1, 2.0));
    let mut batch = f.batch(2).unwrap();
    let e = batch
        .try_set_args(2, (1i32, 2.0f64))
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 2") && e.contains("below 2"), "{e}");
    batch.try_set_args(1, (1i32, 2.0f64)).unwrap();
    let panic = std::panic::catch_unwind(move || frame.set_args((1u8, 2u8))).unwrap_err();
    let msg = panic.downcast_ref::<String>().unwrap();
    assert!(msg.starts_with("Frame::set_args:"), "{msg}");
}
