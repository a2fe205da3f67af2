//! Call overhead: jitcall's entry points against a direct call through a function
//! pointer and libffi's `ffi_call`, side by side in one run, on five shapes; plus the
//! cost of a first call (classify + emit + publish), a cache hit, and the executable
//! bytes per trampoline. Every case checks its result once before it is timed.
//! Arguments are prepared outside the timed loop for every method alike (libffi's
//! pointer arrays, jitcall's `Value`s): the loop measures the call.
//!
//! Run: `cargo bench --bench calls`; the numbers go to docs/PERFORMANCE.md.

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use jitcall::{Function, Library, Signature, Type, Value, listing};
use libffi::middle as ffi;
use std::ffi::c_void;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Vec2 {
    x: f64,
    y: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Big3 {
    a: i64,
    b: i64,
    c: i64,
}

const BATCH: usize = 1024;

fn targets() -> Library {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let so = dir.join("libjitcall_bench_targets.so");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/targets.c");
    let status = std::process::Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(src)
        .status()
        .expect("gcc is needed to build the benchmark targets");
    assert!(status.success());
    Library::open(so.to_str().unwrap()).unwrap()
}

fn vec2_t() -> Type {
    Type::structure([Type::Double, Type::Double])
}

fn big3_t() -> Type {
    Type::structure([Type::Long, Type::Long, Type::Long])
}

fn config(g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.warm_up_time(Duration::from_millis(800));
    g.measurement_time(Duration::from_secs(2));
}

fn bench_add2(c: &mut Criterion, lib: &Library) {
    let ptr = lib.symbol("add2").unwrap();
    // SAFETY: add2 is `int add2(int, int)`.
    let direct: extern "C" fn(i32, i32) -> i32 = unsafe { std::mem::transmute(ptr) };
    let f = Function::new(ptr, &Signature::new(Type::Int, [Type::Int, Type::Int])).unwrap();
    let cif = ffi::Cif::new([ffi::Type::i32(), ffi::Type::i32()], ffi::Type::i32());
    let mut frame = f.frame();
    let mut batch = f.batch(BATCH).unwrap();
    for r in 0..BATCH {
        batch.set_arg(r, 0, r as i32);
        batch.set_arg(r, 1, 1i32);
    }
    // Check every path once.
    // SAFETY (all calls below): the signatures match add2's.
    unsafe {
        frame.set_arg(0, 40i32);
        frame.set_arg(1, 2i32);
        f.call_frame(&mut frame);
        assert_eq!(frame.ret::<i32>(), 42);
        assert_eq!(
            f.call(&[Value::Int(40), Value::Int(2)]).unwrap(),
            Value::Int(42)
        );
        let (a, b, mut r) = (40i32, 2i32, 0i32);
        let args = [
            &a as *const i32 as *const c_void,
            &b as *const i32 as *const c_void,
        ];
        f.call_raw((&mut r as *mut i32).cast(), args.as_ptr())
            .unwrap();
        assert_eq!(r, 42);
        assert_eq!(
            cif.call::<i32>(ffi::CodePtr(ptr as *mut _), &[ffi::arg(&a), ffi::arg(&b)]),
            42
        );
        f.call_batch(&mut batch);
        assert_eq!(batch.ret::<i32>(BATCH - 1), BATCH as i32);
    }
    let mut g = c.benchmark_group("add2");
    config(&mut g);
    g.bench_function("direct", |b| {
        b.iter(|| black_box(direct)(black_box(40), black_box(2)))
    });
    g.bench_function("call_frame", |b| {
        b.iter(|| {
            frame.set_arg(0, black_box(40i32));
            frame.set_arg(1, black_box(2i32));
            // SAFETY: as checked above.
            unsafe { f.call_frame(&mut frame) };
            black_box(frame.ret::<i32>())
        })
    });
    g.bench_function("call_values", |b| {
        let args = [Value::Int(40), Value::Int(2)];
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call(black_box(&args)) })
    });
    g.bench_function("call_raw", |b| {
        let (a, bb, mut r) = (40i32, 2i32, 0i32);
        b.iter(|| {
            let args = [
                black_box(&a as *const i32 as *const c_void),
                &bb as *const i32 as *const c_void,
            ];
            // SAFETY: as checked above.
            unsafe { f.call_raw((&mut r as *mut i32).cast(), args.as_ptr()) }.unwrap();
            black_box(r)
        })
    });
    g.bench_function("ffi_call", |b| {
        let (a, bb) = (40i32, 2i32);
        // SAFETY: as checked above.
        b.iter(|| unsafe {
            cif.call::<i32>(
                ffi::CodePtr(ptr as *mut _),
                &[ffi::arg(black_box(&a)), ffi::arg(&bb)],
            )
        })
    });
    g.finish();
    let mut g = c.benchmark_group("add2_batch");
    config(&mut g);
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("direct_loop", |b| {
        let args: Vec<(i32, i32)> = (0..BATCH).map(|r| (r as i32, 1)).collect();
        let mut out = vec![0i32; BATCH];
        b.iter(|| {
            let f = black_box(direct);
            for (o, (x, y)) in out.iter_mut().zip(&args) {
                *o = f(*x, *y);
            }
            black_box(&out);
        })
    });
    g.bench_function("call_batch", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call_batch(black_box(&mut batch)) })
    });
    g.finish();
}

fn bench_mix4(c: &mut Criterion, lib: &Library) {
    let ptr = lib.symbol("mix4").unwrap();
    // SAFETY: mix4 is `double mix4(int, double, float, long)`.
    let direct: extern "C" fn(i32, f64, f32, i64) -> f64 = unsafe { std::mem::transmute(ptr) };
    let sig = Signature::new(
        Type::Double,
        [Type::Int, Type::Double, Type::Float, Type::Long],
    );
    let f = Function::new(ptr, &sig).unwrap();
    let cif = ffi::Cif::new(
        [
            ffi::Type::i32(),
            ffi::Type::f64(),
            ffi::Type::f32(),
            ffi::Type::i64(),
        ],
        ffi::Type::f64(),
    );
    let (a, x, y, l) = (1i32, 2.5f64, 0.5f32, 4i64);
    let mut frame = f.frame();
    let mut batch = f.batch(BATCH).unwrap();
    for r in 0..BATCH {
        batch.set_arg(r, 0, r as i32);
        batch.set_arg(r, 1, x);
        batch.set_arg(r, 2, y);
        batch.set_arg(r, 3, l);
    }
    let vals = || {
        [
            Value::Int(a),
            Value::Double(x),
            Value::Float(y),
            Value::Long(l),
        ]
    };
    let ptrs = [
        &a as *const i32 as *const c_void,
        &x as *const f64 as *const c_void,
        &y as *const f32 as *const c_void,
        &l as *const i64 as *const c_void,
    ];
    // SAFETY (all calls below): the signatures match mix4's.
    unsafe {
        frame.set_arg(0, a);
        frame.set_arg(1, x);
        frame.set_arg(2, y);
        frame.set_arg(3, l);
        f.call_frame(&mut frame);
        assert_eq!(frame.ret::<f64>(), 8.0);
        assert_eq!(f.call(&vals()).unwrap(), Value::Double(8.0));
        let mut r = 0f64;
        f.call_raw((&mut r as *mut f64).cast(), ptrs.as_ptr())
            .unwrap();
        assert_eq!(r, 8.0);
        let args = [ffi::arg(&a), ffi::arg(&x), ffi::arg(&y), ffi::arg(&l)];
        assert_eq!(cif.call::<f64>(ffi::CodePtr(ptr as *mut _), &args), 8.0);
        f.call_batch(&mut batch);
        assert_eq!(batch.ret::<f64>(10), 17.0);
    }
    let mut g = c.benchmark_group("mix4");
    config(&mut g);
    g.bench_function("direct", |b| {
        b.iter(|| black_box(direct)(black_box(a), black_box(x), black_box(y), black_box(l)))
    });
    g.bench_function("call_frame", |b| {
        b.iter(|| {
            frame.set_arg(0, black_box(a));
            frame.set_arg(1, black_box(x));
            frame.set_arg(2, black_box(y));
            frame.set_arg(3, black_box(l));
            // SAFETY: as checked above.
            unsafe { f.call_frame(&mut frame) };
            black_box(frame.ret::<f64>())
        })
    });
    g.bench_function("call_values", |b| {
        let args = vals();
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call(black_box(&args)) })
    });
    g.bench_function("call_raw", |b| {
        let mut r = 0f64;
        // SAFETY: as checked above.
        b.iter(|| unsafe {
            f.call_raw((&mut r as *mut f64).cast(), black_box(ptrs.as_ptr()))
                .unwrap();
            black_box(r)
        })
    });
    g.bench_function("ffi_call", |b| {
        b.iter(|| {
            let args = [
                ffi::arg(black_box(&a)),
                ffi::arg(&x),
                ffi::arg(&y),
                ffi::arg(&l),
            ];
            // SAFETY: as checked above.
            unsafe { cif.call::<f64>(ffi::CodePtr(ptr as *mut _), &args) }
        })
    });
    g.finish();
    let mut g = c.benchmark_group("mix4_batch");
    config(&mut g);
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("direct_loop", |b| {
        let args: Vec<i32> = (0..BATCH as i32).collect();
        let mut out = vec![0f64; BATCH];
        b.iter(|| {
            let f = black_box(direct);
            for (o, a) in out.iter_mut().zip(&args) {
                *o = f(*a, x, y, l);
            }
            black_box(&out);
        })
    });
    g.bench_function("call_batch", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call_batch(black_box(&mut batch)) })
    });
    g.finish();
}

fn bench_vadd(c: &mut Criterion, lib: &Library) {
    let ptr = lib.symbol("vadd").unwrap();
    // SAFETY: vadd is `vec2 vadd(vec2, vec2)`.
    let direct: extern "C" fn(Vec2, Vec2) -> Vec2 = unsafe { std::mem::transmute(ptr) };
    let f = Function::new(ptr, &Signature::new(vec2_t(), [vec2_t(), vec2_t()])).unwrap();
    let v2 = || ffi::Type::structure([ffi::Type::f64(), ffi::Type::f64()]);
    let cif = ffi::Cif::new([v2(), v2()], v2());
    let (p, q) = (Vec2 { x: 1.0, y: 2.0 }, Vec2 { x: 0.5, y: 0.25 });
    let want = Vec2 { x: 1.5, y: 2.25 };
    let mut frame = f.frame();
    let mut batch = f.batch(BATCH).unwrap();
    for r in 0..BATCH {
        batch.set_arg(r, 0, p);
        batch.set_arg(r, 1, q);
    }
    let vals = || {
        [
            Value::Struct(vec![Value::Double(p.x), Value::Double(p.y)]),
            Value::Struct(vec![Value::Double(q.x), Value::Double(q.y)]),
        ]
    };
    let ptrs = [
        &p as *const Vec2 as *const c_void,
        &q as *const Vec2 as *const c_void,
    ];
    // SAFETY (all calls below): the signatures match vadd's.
    unsafe {
        frame.set_arg(0, p);
        frame.set_arg(1, q);
        f.call_frame(&mut frame);
        assert_eq!(frame.ret::<Vec2>(), want);
        assert_eq!(
            f.call(&vals()).unwrap(),
            Value::Struct(vec![Value::Double(1.5), Value::Double(2.25)])
        );
        let mut r = Vec2 { x: 0.0, y: 0.0 };
        f.call_raw((&mut r as *mut Vec2).cast(), ptrs.as_ptr())
            .unwrap();
        assert_eq!(r, want);
        let r: Vec2 = cif.call(ffi::CodePtr(ptr as *mut _), &[ffi::arg(&p), ffi::arg(&q)]);
        assert_eq!(r, want);
        f.call_batch(&mut batch);
        assert_eq!(batch.ret::<Vec2>(BATCH - 1), want);
    }
    let mut g = c.benchmark_group("vadd");
    config(&mut g);
    g.bench_function("direct", |b| {
        b.iter(|| black_box(direct)(black_box(p), black_box(q)))
    });
    g.bench_function("call_frame", |b| {
        b.iter(|| {
            frame.set_arg(0, black_box(p));
            frame.set_arg(1, black_box(q));
            // SAFETY: as checked above.
            unsafe { f.call_frame(&mut frame) };
            black_box(frame.ret::<Vec2>())
        })
    });
    g.bench_function("call_values", |b| {
        let args = vals();
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call(black_box(&args)) })
    });
    g.bench_function("call_raw", |b| {
        let mut r = Vec2 { x: 0.0, y: 0.0 };
        // SAFETY: as checked above.
        b.iter(|| unsafe {
            f.call_raw((&mut r as *mut Vec2).cast(), black_box(ptrs.as_ptr()))
                .unwrap();
            black_box(r)
        })
    });
    g.bench_function("ffi_call", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe {
            cif.call::<Vec2>(
                ffi::CodePtr(ptr as *mut _),
                &[ffi::arg(black_box(&p)), ffi::arg(&q)],
            )
        })
    });
    g.finish();
    let mut g = c.benchmark_group("vadd_batch");
    config(&mut g);
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("direct_loop", |b| {
        let args = vec![(p, q); BATCH];
        let mut out = vec![want; BATCH];
        b.iter(|| {
            let f = black_box(direct);
            for (o, (x, y)) in out.iter_mut().zip(&args) {
                *o = f(*x, *y);
            }
            black_box(&out);
        })
    });
    g.bench_function("call_batch", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call_batch(black_box(&mut batch)) })
    });
    g.finish();
}

type Sum12 = extern "C" fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64;

fn bench_sum12(c: &mut Criterion, lib: &Library) {
    let ptr = lib.symbol("sum12").unwrap();
    // SAFETY: sum12 takes twelve longs and returns a long.
    let direct: Sum12 = unsafe { std::mem::transmute(ptr) };
    let f = Function::new(ptr, &Signature::new(Type::Long, vec![Type::Long; 12])).unwrap();
    let cif = ffi::Cif::new(vec![ffi::Type::i64(); 12], ffi::Type::i64());
    let xs: [i64; 12] = std::array::from_fn(|i| i as i64 + 1);
    let mut frame = f.frame();
    let mut batch = f.batch(BATCH).unwrap();
    for r in 0..BATCH {
        for (i, x) in xs.iter().enumerate() {
            batch.set_arg(r, i, *x);
        }
    }
    let ptrs: Vec<*const c_void> = xs
        .iter()
        .map(|x| x as *const i64 as *const c_void)
        .collect();
    // SAFETY (all calls below): the signatures match sum12's.
    unsafe {
        for (i, x) in xs.iter().enumerate() {
            frame.set_arg(i, *x);
        }
        f.call_frame(&mut frame);
        assert_eq!(frame.ret::<i64>(), 78);
        let vals: Vec<Value> = xs.iter().map(|x| Value::Long(*x)).collect();
        assert_eq!(f.call(&vals).unwrap(), Value::Long(78));
        let mut r = 0i64;
        f.call_raw((&mut r as *mut i64).cast(), ptrs.as_ptr())
            .unwrap();
        assert_eq!(r, 78);
        let args: Vec<ffi::Arg> = xs.iter().map(ffi::arg).collect();
        assert_eq!(cif.call::<i64>(ffi::CodePtr(ptr as *mut _), &args), 78);
        f.call_batch(&mut batch);
        assert_eq!(batch.ret::<i64>(5), 78);
    }
    let mut g = c.benchmark_group("sum12");
    config(&mut g);
    g.bench_function("direct", |b| {
        b.iter(|| {
            let x = black_box(xs);
            black_box(direct)(
                x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11],
            )
        })
    });
    g.bench_function("call_frame", |b| {
        b.iter(|| {
            let x = black_box(xs);
            for (i, v) in x.iter().enumerate() {
                frame.set_arg(i, *v);
            }
            // SAFETY: as checked above.
            unsafe { f.call_frame(&mut frame) };
            black_box(frame.ret::<i64>())
        })
    });
    g.bench_function("call_values", |b| {
        let vals: Vec<Value> = xs.iter().map(|x| Value::Long(*x)).collect();
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call(black_box(&vals)) })
    });
    g.bench_function("call_raw", |b| {
        let mut r = 0i64;
        // SAFETY: as checked above.
        b.iter(|| unsafe {
            f.call_raw((&mut r as *mut i64).cast(), black_box(ptrs.as_ptr()))
                .unwrap();
            black_box(r)
        })
    });
    g.bench_function("ffi_call", |b| {
        b.iter(|| {
            let x = black_box(&xs);
            let args: [ffi::Arg; 12] = std::array::from_fn(|i| ffi::arg(&x[i]));
            // SAFETY: as checked above.
            unsafe { cif.call::<i64>(ffi::CodePtr(ptr as *mut _), &args) }
        })
    });
    g.finish();
    let mut g = c.benchmark_group("sum12_batch");
    config(&mut g);
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("direct_loop", |b| {
        let args = vec![xs; BATCH];
        let mut out = vec![0i64; BATCH];
        b.iter(|| {
            let f = black_box(direct);
            for (o, x) in out.iter_mut().zip(&args) {
                *o = f(
                    x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11],
                );
            }
            black_box(&out);
        })
    });
    g.bench_function("call_batch", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call_batch(black_box(&mut batch)) })
    });
    g.finish();
}

fn bench_bigmk(c: &mut Criterion, lib: &Library) {
    let ptr = lib.symbol("bigmk").unwrap();
    // SAFETY: bigmk is `big3 bigmk(long, big3)`.
    let direct: extern "C" fn(i64, Big3) -> Big3 = unsafe { std::mem::transmute(ptr) };
    let f = Function::new(ptr, &Signature::new(big3_t(), [Type::Long, big3_t()])).unwrap();
    let b3 = || ffi::Type::structure([ffi::Type::i64(), ffi::Type::i64(), ffi::Type::i64()]);
    let cif = ffi::Cif::new([ffi::Type::i64(), b3()], b3());
    let (k, s) = (10i64, Big3 { a: 1, b: 2, c: 3 });
    let want = Big3 {
        a: 11,
        b: 12,
        c: 13,
    };
    let mut frame = f.frame();
    let mut batch = f.batch(BATCH).unwrap();
    for r in 0..BATCH {
        batch.set_arg(r, 0, k);
        batch.set_arg(r, 1, s);
    }
    let vals = || {
        [
            Value::Long(k),
            Value::Struct(vec![Value::Long(s.a), Value::Long(s.b), Value::Long(s.c)]),
        ]
    };
    let ptrs = [
        &k as *const i64 as *const c_void,
        &s as *const Big3 as *const c_void,
    ];
    // SAFETY (all calls below): the signatures match bigmk's.
    unsafe {
        frame.set_arg(0, k);
        frame.set_arg(1, s);
        f.call_frame(&mut frame);
        assert_eq!(frame.ret::<Big3>(), want);
        assert_eq!(
            f.call(&vals()).unwrap(),
            Value::Struct(vec![Value::Long(11), Value::Long(12), Value::Long(13)])
        );
        let mut r = Big3 { a: 0, b: 0, c: 0 };
        f.call_raw((&mut r as *mut Big3).cast(), ptrs.as_ptr())
            .unwrap();
        assert_eq!(r, want);
        let r: Big3 = cif.call(ffi::CodePtr(ptr as *mut _), &[ffi::arg(&k), ffi::arg(&s)]);
        assert_eq!(r, want);
        f.call_batch(&mut batch);
        assert_eq!(batch.ret::<Big3>(7), want);
    }
    let mut g = c.benchmark_group("bigmk");
    config(&mut g);
    g.bench_function("direct", |b| {
        b.iter(|| black_box(direct)(black_box(k), black_box(s)))
    });
    g.bench_function("call_frame", |b| {
        b.iter(|| {
            frame.set_arg(0, black_box(k));
            frame.set_arg(1, black_box(s));
            // SAFETY: as checked above.
            unsafe { f.call_frame(&mut frame) };
            black_box(frame.ret::<Big3>())
        })
    });
    g.bench_function("call_values", |b| {
        let args = vals();
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call(black_box(&args)) })
    });
    g.bench_function("call_raw", |b| {
        let mut r = Big3 { a: 0, b: 0, c: 0 };
        // SAFETY: as checked above.
        b.iter(|| unsafe {
            f.call_raw((&mut r as *mut Big3).cast(), black_box(ptrs.as_ptr()))
                .unwrap();
            black_box(r)
        })
    });
    g.bench_function("ffi_call", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe {
            cif.call::<Big3>(
                ffi::CodePtr(ptr as *mut _),
                &[ffi::arg(black_box(&k)), ffi::arg(&s)],
            )
        })
    });
    g.finish();
    let mut g = c.benchmark_group("bigmk_batch");
    config(&mut g);
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("direct_loop", |b| {
        let args = vec![(k, s); BATCH];
        let mut out = vec![want; BATCH];
        b.iter(|| {
            let f = black_box(direct);
            for (o, (k, s)) in out.iter_mut().zip(&args) {
                *o = f(*k, *s);
            }
            black_box(&out);
        })
    });
    g.bench_function("call_batch", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call_batch(black_box(&mut batch)) })
    });
    g.finish();
}

/// A signature no earlier iteration used: twelve parameters drawn from five types by
/// the digits of `n` in base 5 (244 million distinct plans).
fn unique_signature(mut n: u64) -> Signature {
    let pick = [
        Type::Int,
        Type::Double,
        Type::Float,
        Type::Long,
        Type::structure([Type::Int, Type::Float]),
    ];
    let params: Vec<Type> = (0..12)
        .map(|_| {
            let t = pick[(n % 5) as usize].clone();
            n /= 5;
            t
        })
        .collect();
    Signature::new(Type::Long, params)
}

fn bench_compile(c: &mut Criterion, lib: &Library) {
    let ptr = lib.symbol("sum12").unwrap();
    let mut g = c.benchmark_group("compile");
    config(&mut g);
    let mut next = 0u64;
    g.bench_function("first_call", |b| {
        b.iter_custom(|iters| {
            let sigs: Vec<Signature> = (0..iters)
                .map(|_| {
                    next += 1;
                    unique_signature(next)
                })
                .collect();
            let start = Instant::now();
            for sig in &sigs {
                black_box(Function::new(ptr, sig).unwrap());
            }
            start.elapsed()
        })
    });
    let sig = Signature::new(Type::Long, vec![Type::Long; 12]);
    let keep = Function::new(ptr, &sig).unwrap();
    g.bench_function("cache_hit", |b| {
        b.iter(|| black_box(Function::new(black_box(ptr), black_box(&sig)).unwrap()))
    });
    drop(keep);
    g.finish();
}

/// Prints executable bytes per trampoline: the bound entry `call_frame` runs and the
/// shared unbound frame entry, averaged over the five shapes and 1,000 signatures.
fn report_code_size(lib: &Library) {
    let shapes = [
        ("add2", Signature::new(Type::Int, [Type::Int, Type::Int])),
        (
            "mix4",
            Signature::new(
                Type::Double,
                [Type::Int, Type::Double, Type::Float, Type::Long],
            ),
        ),
        ("vadd", Signature::new(vec2_t(), [vec2_t(), vec2_t()])),
        ("sum12", Signature::new(Type::Long, vec![Type::Long; 12])),
        ("bigmk", Signature::new(big3_t(), [Type::Long, big3_t()])),
    ];
    let mut bound = Vec::new();
    let mut shared = Vec::new();
    for (name, sig) in &shapes {
        let f = lib.function(name, sig).unwrap();
        let unbound = listing(f.plan()).unwrap().code.len();
        eprintln!(
            "code size {name}: bound {} bytes, shared {unbound} bytes",
            f.code_size()
        );
        bound.push(f.code_size());
        shared.push(unbound);
    }
    let ptr = lib.symbol("sum12").unwrap();
    for n in 0..1000u64 {
        let f = Function::new(ptr, &unique_signature(n * 7919 + 3)).unwrap();
        bound.push(f.code_size());
        shared.push(listing(f.plan()).unwrap().code.len());
    }
    let avg = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len() as f64;
    eprintln!(
        "code size average over {} trampolines: bound {:.1} bytes, shared {:.1} bytes",
        bound.len(),
        avg(&bound),
        avg(&shared)
    );
}

fn all(c: &mut Criterion) {
    let lib = targets();
    report_code_size(&lib);
    bench_add2(c, &lib);
    bench_mix4(c, &lib);
    bench_vadd(c, &lib);
    bench_sum12(c, &lib);
    bench_bigmk(c, &lib);
    bench_compile(c, &lib);
}

criterion_group!(benches, all);
criterion_main!(benches);
