//! Callback overhead: C calling a jitcall [`Callback`], against C calling a plain Rust
//! `extern "C" fn` and C calling a libffi closure (`libffi::middle::Closure`), side by
//! side in one run, on `int(int, int)` and `vec2(vec2, vec2)` with `vec2` a
//! `struct { double x, y; }`. The C side loops (`drive_*(f, n)` calls `f` `n` times),
//! and criterion's iteration count is that `n`, so the times reported are per call,
//! C → callback → C. Every contender's sum is checked once before it is timed. Also: the
//! cost of creating and dropping a callback, against a libffi closure.
//!
//! Run: `cargo bench --bench callbacks`.

mod shared;

use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use jitcall::{Callback, Library, Signature, Type};
use libffi::low::ffi_cif;
use libffi::middle as ffi;
use std::ffi::c_void;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The C drivers, compiled with gcc -O2 when the bench starts.
const DRIVERS: &str = r#"
typedef struct { double x, y; } vec2;

long drive_add(int (*f)(int, int), long n) {
    long s = 0;
    for (long i = 0; i < n; i++)
        s += f((int)i, 1);
    return s;
}

double drive_vadd(vec2 (*f)(vec2, vec2), long n) {
    vec2 p = { 1.0, 2.0 }, q = { 0.5, 0.25 };
    double s = 0;
    for (long i = 0; i < n; i++) {
        vec2 r = f(p, q);
        s += r.x + r.y;
    }
    return s;
}
"#;

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, jitcall_derive::Plain)]
struct Vec2 {
    x: f64,
    y: f64,
}

type AddFn = unsafe extern "C" fn(i32, i32) -> i32;
type VaddFn = unsafe extern "C" fn(Vec2, Vec2) -> Vec2;
type DriveAdd = unsafe extern "C" fn(AddFn, i64) -> i64;
type DriveVadd = unsafe extern "C" fn(VaddFn, i64) -> f64;

fn drivers() -> Library {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let c = dir.join("jitcall_bench_callback_drivers.c");
    let so = dir.join("libjitcall_bench_callback_drivers.so");
    std::fs::write(&c, DRIVERS).unwrap();
    let status = std::process::Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(&c)
        .status()
        .expect("gcc is needed to build the benchmark drivers");
    assert!(status.success());
    Library::open(so.to_str().unwrap()).unwrap()
}

fn config(g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.warm_up_time(Duration::from_millis(800));
    g.measurement_time(Duration::from_secs(2));
}

extern "C" fn rust_add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

extern "C" fn rust_vadd(p: Vec2, q: Vec2) -> Vec2 {
    Vec2 {
        x: p.x + q.x,
        y: p.y + q.y,
    }
}

/// libffi's closure entry for `int(int, int)`.
unsafe extern "C" fn ffi_add(_cif: &ffi_cif, result: &mut i32, args: *const *const c_void, _: &()) {
    // SAFETY: libffi passes one pointer per argument, each to an int.
    unsafe {
        let a = *(*args).cast::<i32>();
        let b = *(*args.add(1)).cast::<i32>();
        *result = a.wrapping_add(b);
    }
}

/// libffi's closure entry for `vec2(vec2, vec2)`.
unsafe extern "C" fn ffi_vadd(
    _cif: &ffi_cif,
    result: &mut Vec2,
    args: *const *const c_void,
    _: &(),
) {
    // SAFETY: libffi passes one pointer per argument, each to a vec2.
    unsafe {
        let p = *(*args).cast::<Vec2>();
        let q = *(*args.add(1)).cast::<Vec2>();
        *result = rust_vadd(p, q);
    }
}

/// Times `drive(f, n)`, where criterion picks `n`: the time per iteration is per call.
fn per_call<F: Copy, R>(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    drive: unsafe extern "C" fn(F, i64) -> R,
    f: F,
) {
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            // SAFETY: every caller pairs a driver with a function of the type it calls.
            black_box(unsafe { drive(black_box(f), iters as i64) });
            start.elapsed()
        })
    });
}

fn bench_add(c: &mut Criterion, lib: &Library) {
    // SAFETY: drive_add has this C signature.
    let drive: DriveAdd = unsafe { std::mem::transmute(lib.symbol("drive_add").unwrap()) };
    let sig = Signature::new(Type::Int, [Type::Int, Type::Int]);
    let jit = Callback::new(&sig, |frame| {
        let (a, b): (i32, i32) = (frame.arg(0), frame.arg(1));
        frame.set_ret(a.wrapping_add(b));
    })
    .unwrap();
    let cif = ffi::Cif::new([ffi::Type::i32(), ffi::Type::i32()], ffi::Type::i32());
    let closure = ffi::Closure::new(cif, ffi_add, &());
    // SAFETY: the three are int(int, int) functions, alive through the benchmark.
    let (jit_fn, ffi_fn): (AddFn, AddFn) = unsafe {
        (
            std::mem::transmute::<*const c_void, AddFn>(jit.code_ptr()),
            *closure.instantiate_code_ptr::<AddFn>(),
        )
    };
    let n = 1000i64;
    for f in [jit_fn, rust_add as AddFn, ffi_fn] {
        // SAFETY: as above.
        assert_eq!(unsafe { drive(f, n) }, n * (n + 1) / 2);
    }
    let mut g = c.benchmark_group("callback_add");
    config(&mut g);
    per_call(&mut g, "jitcall", drive, jit_fn);
    per_call(&mut g, "rust_extern_c", drive, rust_add as AddFn);
    per_call(&mut g, "libffi_closure", drive, ffi_fn);
    g.finish();
}

fn bench_vadd(c: &mut Criterion, lib: &Library) {
    // SAFETY: drive_vadd has this C signature.
    let drive: DriveVadd = unsafe { std::mem::transmute(lib.symbol("drive_vadd").unwrap()) };
    let vec2 = Type::structure([Type::Double, Type::Double]);
    let sig = Signature::new(vec2.clone(), [vec2.clone(), vec2]);
    let jit = Callback::new(&sig, |frame| {
        let (p, q): (Vec2, Vec2) = (frame.arg(0), frame.arg(1));
        frame.set_ret(rust_vadd(p, q));
    })
    .unwrap();
    let v2 = || ffi::Type::structure([ffi::Type::f64(), ffi::Type::f64()]);
    let cif = ffi::Cif::new([v2(), v2()], v2());
    let closure = ffi::Closure::new(cif, ffi_vadd, &());
    // SAFETY: the three are vec2(vec2, vec2) functions, alive through the benchmark.
    let (jit_fn, ffi_fn): (VaddFn, VaddFn) = unsafe {
        (
            std::mem::transmute::<*const c_void, VaddFn>(jit.code_ptr()),
            *closure.instantiate_code_ptr::<VaddFn>(),
        )
    };
    let n = 1000i64;
    for f in [jit_fn, rust_vadd as VaddFn, ffi_fn] {
        // SAFETY: as above.
        assert_eq!(unsafe { drive(f, n) }, 3.75 * n as f64);
    }
    let mut g = c.benchmark_group("callback_vadd");
    config(&mut g);
    per_call(&mut g, "jitcall", drive, jit_fn);
    per_call(&mut g, "rust_extern_c", drive, rust_vadd as VaddFn);
    per_call(&mut g, "libffi_closure", drive, ffi_fn);
    g.finish();
}

fn bench_create(c: &mut Criterion) {
    let sig = Signature::new(Type::Int, [Type::Int, Type::Int]);
    let mut g = c.benchmark_group("callback_create");
    config(&mut g);
    g.bench_function("jitcall", |b| {
        b.iter(|| {
            let cb = Callback::new(black_box(&sig), |frame| frame.set_ret(1i32)).unwrap();
            black_box(cb.code_ptr());
        })
    });
    // The first callback of its signature: classified and assembled, not copied from
    // the last stub of its kind.
    let mut next = 0u64;
    g.bench_function("jitcall_new_signature", |b| {
        b.iter_custom(|iters| {
            shared::time_new_signatures(&mut next, iters, |sig| {
                let cb = Callback::new(sig, |frame| frame.set_ret(1i64)).unwrap();
                black_box(cb.code_ptr());
            })
        })
    });
    g.bench_function("libffi_closure", |b| {
        b.iter(|| {
            let cif = ffi::Cif::new([ffi::Type::i32(), ffi::Type::i32()], ffi::Type::i32());
            let closure = ffi::Closure::new(cif, ffi_add, &());
            black_box(closure.code_ptr());
        })
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    let lib = drivers();
    bench_add(c, &lib);
    bench_vadd(c, &lib);
    bench_create(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
