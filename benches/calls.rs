//! Call overhead: jitcall's entry points against a direct call through a function
//! pointer and libffi's `ffi_call`, side by side in one run, on five shapes; plus the
//! cost of a first call (classify + emit + publish), a cache hit, and the executable
//! bytes per trampoline. Every case checks its result once before it is timed.
//! Arguments are prepared outside the timed loop for every method alike (libffi's
//! pointer arrays, jitcall's `Value`s): the loop measures the call.
//!
//! One generic body ([`bench_shape`]) serves every shape: a shape is its C signature,
//! Rust argument and result types, and the direct call through a function pointer.
//!
//! Run: `cargo bench --bench calls`; the numbers go to docs/PERFORMANCE.md.

mod shared;

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use jitcall::{Frame, FrameArgs, FrameBatch, Function, Library, Signature, Type, Value, listing};
use libffi::middle as ffi;
use std::ffi::c_void;
use std::fmt::Debug;
use std::hint::black_box;
use std::time::Duration;

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, jitcall_derive::Plain)]
struct Vec2 {
    x: f64,
    y: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, jitcall_derive::Plain)]
struct Big3 {
    a: i64,
    b: i64,
    c: i64,
}

const BATCH: usize = 1024;

fn targets() -> Library {
    Library::open(shared::build_targets("jitcall_bench_targets")).unwrap()
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

/// A Rust value standing for one C argument or result.
trait Arg: jitcall::Plain + jitcall::CType + PartialEq + Debug {
    fn value(&self) -> Value;
    fn ffi_type() -> ffi::Type;
}

impl Arg for i32 {
    fn value(&self) -> Value {
        Value::Int(*self)
    }
    fn ffi_type() -> ffi::Type {
        ffi::Type::i32()
    }
}

impl Arg for i64 {
    fn value(&self) -> Value {
        Value::Long(*self)
    }
    fn ffi_type() -> ffi::Type {
        ffi::Type::i64()
    }
}

impl Arg for f32 {
    fn value(&self) -> Value {
        Value::Float(*self)
    }
    fn ffi_type() -> ffi::Type {
        ffi::Type::f32()
    }
}

impl Arg for f64 {
    fn value(&self) -> Value {
        Value::Double(*self)
    }
    fn ffi_type() -> ffi::Type {
        ffi::Type::f64()
    }
}

// SAFETY: two doubles, as C's `vec2`.
unsafe impl jitcall::CType for Vec2 {
    fn c_type() -> Type {
        Type::structure([Type::Double, Type::Double])
    }
}

// SAFETY: three longs, as C's `big3`.
unsafe impl jitcall::CType for Big3 {
    fn c_type() -> Type {
        Type::structure([Type::Long, Type::Long, Type::Long])
    }
}

impl Arg for Vec2 {
    fn value(&self) -> Value {
        Value::Struct(vec![Value::Double(self.x), Value::Double(self.y)])
    }
    fn ffi_type() -> ffi::Type {
        ffi::Type::structure([ffi::Type::f64(), ffi::Type::f64()])
    }
}

impl Arg for Big3 {
    fn value(&self) -> Value {
        Value::Struct(vec![
            Value::Long(self.a),
            Value::Long(self.b),
            Value::Long(self.c),
        ])
    }
    fn ffi_type() -> ffi::Type {
        ffi::Type::structure([ffi::Type::i64(), ffi::Type::i64(), ffi::Type::i64()])
    }
}

/// One call's arguments, as a tuple (or array) of [`Arg`]s.
trait Args: FrameArgs {
    /// The arguments, each through its own `black_box` (one for a whole array), so
    /// the optimiser can neither fold them nor copy them in a form no caller would.
    fn opaque(self) -> Self;
    /// One `Frame::set_arg` per argument.
    fn set_each(self, frame: &mut Frame);
    fn set_row(self, batch: &mut FrameBatch, row: usize);
    fn values(&self) -> Vec<Value>;
    /// Pointers to each argument, for `call_raw` and `ffi_call`.
    fn ptrs(&self) -> Vec<*const c_void>;
    fn ffi_types() -> Vec<ffi::Type>;
}

macro_rules! tuple_args {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Arg),+> Args for ($($t,)+) {
            #[inline(always)]
            fn opaque(self) -> Self {
                ($(black_box(self.$i),)+)
            }
            #[inline(always)]
            fn set_each(self, frame: &mut Frame) {
                $(frame.set_arg($i, self.$i);)+
            }
            fn set_row(self, batch: &mut FrameBatch, row: usize) {
                $(batch.set_arg(row, $i, self.$i);)+
            }
            fn values(&self) -> Vec<Value> {
                vec![$(self.$i.value()),+]
            }
            fn ptrs(&self) -> Vec<*const c_void> {
                vec![$(&self.$i as *const $t as *const c_void),+]
            }
            fn ffi_types() -> Vec<ffi::Type> {
                vec![$($t::ffi_type()),+]
            }
        }
    };
}

tuple_args!(A 0, B 1);
tuple_args!(A 0, B 1, C 2, D 3);

impl Args for [i64; 12] {
    #[inline(always)]
    fn opaque(self) -> Self {
        black_box(self)
    }
    #[inline(always)]
    fn set_each(self, frame: &mut Frame) {
        for (i, v) in self.into_iter().enumerate() {
            frame.set_arg(i, v);
        }
    }
    fn set_row(self, batch: &mut FrameBatch, row: usize) {
        for (i, v) in self.into_iter().enumerate() {
            batch.set_arg(row, i, v);
        }
    }
    fn values(&self) -> Vec<Value> {
        self.iter().map(Arg::value).collect()
    }
    fn ptrs(&self) -> Vec<*const c_void> {
        self.iter()
            .map(|x| x as *const i64 as *const c_void)
            .collect()
    }
    fn ffi_types() -> Vec<ffi::Type> {
        vec![ffi::Type::i64(); 12]
    }
}

/// One benchmarked shape.
struct Shape<A, R, D> {
    name: &'static str,
    sig: Signature,
    args: A,
    want: R,
    /// Arguments of batch row `r` and the result it must give.
    row: fn(usize) -> (A, R),
    /// The direct call: a Rust call of the C function through the pointer.
    direct: D,
}

/// Benchmarks one shape. `floor` is the *frame floor*: hand-written code doing the
/// least any frame call can — `floor(target, frame, argument area, args)` stores the
/// arguments unchecked at constant offsets in the argument area, loads the argument
/// registers from it in inline assembly, calls the target directly (no trampoline), and
/// stores and reads back the result. What stays between it and `direct` is the cost of
/// passing arguments and result through memory at all. (Floors keep the area and the
/// target in registers that are not argument registers, so loading an argument cannot
/// clobber them.)
fn bench_shape<A, R, D, Fl>(c: &mut Criterion, lib: &Library, s: Shape<A, R, D>, floor: Fl)
where
    A: Args + jitcall::CArgs,
    R: Arg,
    D: Fn(*const c_void, &A) -> R,
    Fl: Fn(*const c_void, *mut u8, *mut u8, A) -> R,
{
    let ptr = lib.symbol(s.name).unwrap();
    let f = Function::new(ptr, &s.sig).unwrap();
    let cif = ffi::Cif::new(A::ffi_types(), R::ffi_type());
    let mut frame = f.frame();
    let mut batch = f.batch(BATCH).unwrap();
    let rows: Vec<(A, R)> = (0..BATCH).map(s.row).collect();
    for (r, (args, _)) in rows.iter().enumerate() {
        args.set_row(&mut batch, r);
    }
    let (vals, ptrs) = (s.args.values(), s.args.ptrs());
    let ffi_args: Vec<ffi::Arg> = ptrs
        .iter()
        // SAFETY: each pointer points at an argument alive for the whole function.
        .map(|p| ffi::arg(unsafe { &*p.cast::<u8>() }))
        .collect();
    // Check every path once.
    // SAFETY (all calls below): `sig` is the C function's signature, and the Rust
    // types of A and R are laid out like its C types.
    unsafe {
        assert_eq!((s.direct)(ptr, &s.args), s.want);
        s.args.set_each(&mut frame);
        f.call_frame(&mut frame);
        assert_eq!(frame.ret::<R>(), s.want);
        let mut fresh = f.frame();
        fresh.set_args(s.args);
        f.call_frame(&mut fresh);
        assert_eq!(fresh.ret::<R>(), s.want);
        assert_eq!(f.call(&vals).unwrap(), s.want.value());
        let mut r = s.want;
        f.call_raw((&mut r as *mut R).cast(), ptrs.as_ptr())
            .unwrap();
        assert_eq!(r, s.want);
        assert_eq!(
            cif.call::<R>(ffi::CodePtr(ptr as *mut _), &ffi_args),
            s.want
        );
        assert_eq!(f.typed::<A, R>().unwrap().call(s.args), s.want);
        let mut floor_frame = f.frame();
        let p = floor_frame.as_mut_ptr();
        assert_eq!(floor(ptr, p, p.add(args_base(&f)), s.args), s.want);
        f.call_batch(&mut batch).unwrap();
        for (r, (_, want)) in rows.iter().enumerate() {
            assert_eq!(batch.ret::<R>(r), *want, "row {r}");
        }
    }
    let args = s.args;
    let mut g = c.benchmark_group(s.name);
    config(&mut g);
    g.bench_function("direct", |b| {
        b.iter(|| (s.direct)(black_box(ptr), &args.opaque()))
    });
    g.bench_function("call_frame", |b| {
        // The function and frame are owned by the loop, as a caller's hot loop owns
        // them (a `Function` clone is one reference count).
        let (f, mut frame) = (f.clone(), f.frame());
        b.iter(move || {
            frame.set_args(args.opaque());
            // SAFETY: as checked above.
            unsafe { f.call_frame(&mut frame) };
            frame.ret::<R>()
        })
    });
    g.bench_function("call_frame_set_arg", |b| {
        // As call_frame, one `set_arg` per argument.
        let (f, mut frame) = (f.clone(), f.frame());
        b.iter(move || {
            args.opaque().set_each(&mut frame);
            // SAFETY: as checked above.
            unsafe { f.call_frame(&mut frame) };
            frame.ret::<R>()
        })
    });
    g.bench_function("typed_call", |b| {
        // Function::typed: the kinds checked once, then no check per call.
        let mut typed = f.typed::<A, R>().unwrap();
        // SAFETY: as checked above.
        b.iter(move || unsafe { typed.call(args.opaque()) })
    });
    g.bench_function("frame_floor", |b| {
        let mut frame = f.frame();
        let p = frame.as_mut_ptr();
        // SAFETY: the argument area lies inside the frame.
        let area = unsafe { p.add(args_base(&f)) };
        b.iter(|| floor(ptr, p, area, args.opaque()))
    });
    g.bench_function("call_values", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe { f.call(black_box(&vals)) })
    });
    g.bench_function("call_raw", |b| {
        let mut r = s.want;
        // SAFETY: as checked above.
        b.iter(|| unsafe {
            f.call_raw((&mut r as *mut R).cast(), black_box(ptrs.as_ptr()))
                .unwrap();
            r
        })
    });
    g.bench_function("ffi_call", |b| {
        // SAFETY: as checked above.
        b.iter(|| unsafe { cif.call::<R>(ffi::CodePtr(ptr as *mut _), black_box(&ffi_args)) })
    });
    g.finish();
    let mut g = c.benchmark_group(format!("{}_batch", s.name));
    config(&mut g);
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("direct_loop", |b| {
        let args: Vec<A> = rows.iter().map(|(a, _)| *a).collect();
        let mut out = vec![s.want; BATCH];
        b.iter(|| {
            let p = black_box(ptr);
            for (o, a) in out.iter_mut().zip(&args) {
                *o = (s.direct)(p, a);
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

/// Offset of the argument area (the first slot) in `f`'s frames, after checking that
/// the slots lie where the tuple rule puts them — what the floors' constant offsets
/// assume: each at the running size rounded up to `max(8, align)`, padded to eightbytes.
fn args_base(f: &Function) -> usize {
    let args = &f.plan().args;
    let base = args[0].frame_offset;
    let mut end = 0u32;
    for a in args {
        let offset = end.div_ceil(a.align.max(8)) * a.align.max(8);
        assert_eq!(a.frame_offset, base + offset, "the floors' offsets");
        end = offset + a.size.div_ceil(8) * 8;
    }
    base as usize
}

fn add2_floor(ptr: *const c_void, p: *mut u8, q: *mut u8, (a, b): (i32, i32)) -> i32 {
    let r: i32;
    // SAFETY: p is a frame for `int add2(int, int)` with its argument slots at q and
    // q + 8; the assembly loads edi and esi from them and calls add2, clobbering what a
    // C call may.
    unsafe {
        q.cast::<i32>().write(a);
        q.add(8).cast::<i32>().write(b);
        std::arch::asm!(
            "mov edi, [r10]",
            "mov esi, [r10 + 8]",
            "call r11",
            in("r11") ptr,
            in("r10") q,
            lateout("eax") r,
            clobber_abi("C"),
        );
        p.cast::<i32>().write(r);
        p.cast::<i32>().read()
    }
}

fn mix4_floor(ptr: *const c_void, p: *mut u8, q: *mut u8, args: (i32, f64, f32, i64)) -> f64 {
    let r: f64;
    // SAFETY: p is a frame for `double mix4(int, double, float, long)` with its
    // argument slots at q, q + 8, q + 16 and q + 24; the assembly loads edi, xmm0, xmm1
    // and rsi from them and calls mix4, clobbering what a C call may.
    unsafe {
        q.cast::<i32>().write(args.0);
        q.add(8).cast::<f64>().write(args.1);
        q.add(16).cast::<f32>().write(args.2);
        q.add(24).cast::<i64>().write(args.3);
        std::arch::asm!(
            "mov edi, [r10]",
            "movsd xmm0, [r10 + 8]",
            "movss xmm1, [r10 + 16]",
            "mov rsi, [r10 + 24]",
            "call r11",
            in("r11") ptr,
            in("r10") q,
            lateout("xmm0") r,
            clobber_abi("C"),
        );
        p.cast::<f64>().write(r);
        p.cast::<f64>().read()
    }
}

fn vadd_floor(ptr: *const c_void, p: *mut u8, q: *mut u8, (a, b): (Vec2, Vec2)) -> Vec2 {
    let (x, y): (f64, f64);
    // SAFETY: p is a frame for `vec2 vadd(vec2, vec2)` with its argument slots at q and
    // q + 16; the assembly loads xmm0..xmm3 from them and calls vadd, clobbering what a
    // C call may.
    unsafe {
        q.cast::<Vec2>().write(a);
        q.add(16).cast::<Vec2>().write(b);
        std::arch::asm!(
            "movsd xmm0, [r10]",
            "movsd xmm1, [r10 + 8]",
            "movsd xmm2, [r10 + 16]",
            "movsd xmm3, [r10 + 24]",
            "call r11",
            in("r11") ptr,
            in("r10") q,
            lateout("xmm0") x,
            lateout("xmm1") y,
            clobber_abi("C"),
        );
        p.cast::<Vec2>().write(Vec2 { x, y });
        p.cast::<Vec2>().read()
    }
}

fn sum12_floor(ptr: *const c_void, p: *mut u8, q: *mut u8, x: [i64; 12]) -> i64 {
    let r: i64;
    // SAFETY: p is a frame for `long sum12(long x 12)` with its argument slots eight
    // bytes apart from q; the assembly loads the first six into the argument registers,
    // copies the other six to a 48-byte outgoing area (rsp stays 16-aligned and is
    // restored) and calls sum12, clobbering what a C call may.
    unsafe {
        for (i, v) in x.into_iter().enumerate() {
            q.add(8 * i).cast::<i64>().write(v);
        }
        std::arch::asm!(
            "sub rsp, 48",
            "mov rax, [r10 + 48]",
            "mov [rsp], rax",
            "mov rax, [r10 + 56]",
            "mov [rsp + 8], rax",
            "mov rax, [r10 + 64]",
            "mov [rsp + 16], rax",
            "mov rax, [r10 + 72]",
            "mov [rsp + 24], rax",
            "mov rax, [r10 + 80]",
            "mov [rsp + 32], rax",
            "mov rax, [r10 + 88]",
            "mov [rsp + 40], rax",
            "mov rdi, [r10]",
            "mov rsi, [r10 + 8]",
            "mov rdx, [r10 + 16]",
            "mov rcx, [r10 + 24]",
            "mov r8, [r10 + 32]",
            "mov r9, [r10 + 40]",
            "call r11",
            "add rsp, 48",
            in("r10") q,
            in("r11") ptr,
            lateout("rax") r,
            clobber_abi("C"),
        );
        p.cast::<i64>().write(r);
        p.cast::<i64>().read()
    }
}

fn bigmk_floor(ptr: *const c_void, p: *mut u8, q: *mut u8, (k, s): (i64, Big3)) -> Big3 {
    // SAFETY: p is a frame for `big3 bigmk(long, big3)` with its argument slots at q
    // and q + 8 and the result area at p; the assembly passes p as the hidden result
    // pointer, k in rsi, and copies the struct to a 32-byte outgoing area (rsp stays
    // 16-aligned and is restored) with one 16-byte and one 8-byte move, then calls
    // bigmk.
    unsafe {
        q.cast::<i64>().write(k);
        q.add(8).cast::<Big3>().write(s);
        std::arch::asm!(
            "sub rsp, 32",
            "movups xmm0, [rax]",
            "movups [rsp], xmm0",
            "mov rcx, [rax + 16]",
            "mov [rsp + 16], rcx",
            "mov rsi, [rdx]",
            "call r11",
            "add rsp, 32",
            in("rax") q.add(8),
            in("rdx") q,
            in("rdi") p,
            in("r11") ptr,
            clobber_abi("C"),
        );
        p.cast::<Big3>().read()
    }
}

type Sum12 = extern "C" fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64;

fn bench_shapes(c: &mut Criterion, lib: &Library) {
    // SAFETY (every `direct`): the pointer is the named C function, whose C type is
    // the transmuted Rust one.
    bench_shape(
        c,
        lib,
        Shape {
            name: "add2",
            sig: Signature::new(Type::Int, [Type::Int, Type::Int]),
            args: (40i32, 2i32),
            want: 42,
            row: |r| ((r as i32, 1), r as i32 + 1),
            direct: |p, &(a, b): &(i32, i32)| unsafe {
                std::mem::transmute::<*const c_void, extern "C" fn(i32, i32) -> i32>(p)(a, b)
            },
        },
        add2_floor,
    );
    bench_shape(
        c,
        lib,
        Shape {
            name: "mix4",
            sig: Signature::new(
                Type::Double,
                [Type::Int, Type::Double, Type::Float, Type::Long],
            ),
            args: (1i32, 2.5f64, 0.5f32, 4i64),
            want: 8.0,
            row: |r| ((r as i32, 2.5, 0.5, 4), r as f64 + 7.0),
            direct: |p, &(a, x, y, l): &(i32, f64, f32, i64)| unsafe {
                std::mem::transmute::<*const c_void, extern "C" fn(i32, f64, f32, i64) -> f64>(p)(
                    a, x, y, l,
                )
            },
        },
        mix4_floor,
    );
    let (p, q) = (Vec2 { x: 1.0, y: 2.0 }, Vec2 { x: 0.5, y: 0.25 });
    bench_shape(
        c,
        lib,
        Shape {
            name: "vadd",
            sig: Signature::new(vec2_t(), [vec2_t(), vec2_t()]),
            args: (p, q),
            want: Vec2 { x: 1.5, y: 2.25 },
            row: |r| {
                let p = Vec2 {
                    x: r as f64,
                    y: 2.0,
                };
                (
                    (p, Vec2 { x: 0.5, y: 0.25 }),
                    Vec2 {
                        x: r as f64 + 0.5,
                        y: 2.25,
                    },
                )
            },
            direct: |p, &(a, b): &(Vec2, Vec2)| unsafe {
                std::mem::transmute::<*const c_void, extern "C" fn(Vec2, Vec2) -> Vec2>(p)(a, b)
            },
        },
        vadd_floor,
    );
    bench_shape(
        c,
        lib,
        Shape {
            name: "sum12",
            sig: Signature::new(Type::Long, vec![Type::Long; 12]),
            args: std::array::from_fn(|i| i as i64 + 1),
            want: 78,
            row: |r| (std::array::from_fn(|i| (i + r) as i64), 66 + 12 * r as i64),
            direct: |p, x: &[i64; 12]| unsafe {
                std::mem::transmute::<*const c_void, Sum12>(p)(
                    x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11],
                )
            },
        },
        sum12_floor,
    );
    bench_shape(
        c,
        lib,
        Shape {
            name: "bigmk",
            sig: Signature::new(big3_t(), [Type::Long, big3_t()]),
            args: (10i64, Big3 { a: 1, b: 2, c: 3 }),
            want: Big3 {
                a: 11,
                b: 12,
                c: 13,
            },
            row: |r| {
                let k = r as i64;
                (
                    (k, Big3 { a: 1, b: 2, c: 3 }),
                    Big3 {
                        a: k + 1,
                        b: k + 2,
                        c: k + 3,
                    },
                )
            },
            direct: |p, &(k, s): &(i64, Big3)| unsafe {
                std::mem::transmute::<*const c_void, extern "C" fn(i64, Big3) -> Big3>(p)(k, s)
            },
        },
        bigmk_floor,
    );
}

fn bench_compile(c: &mut Criterion, lib: &Library) {
    let ptr = lib.symbol("sum12").unwrap();
    let mut g = c.benchmark_group("compile");
    config(&mut g);
    let mut next = 0u64;
    g.bench_function("first_call", |b| {
        b.iter_custom(|iters| {
            shared::time_new_signatures(&mut next, iters, |sig| {
                black_box(Function::new(ptr, sig).unwrap());
            })
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
        let f = Function::new(ptr, &shared::unique_signature(n * 7919 + 3)).unwrap();
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

/// `__m256d avx_add(__m256d, __m256d)` (ymm registers, the callee built for AVX2) and
/// `_Float16 hmul(_Float16, _Float16)`: jitcall's entry points and a direct call (for the
/// vector, from Rust code compiled for AVX2). libffi has neither type.
fn bench_new_types(c: &mut Criterion, lib: &Library) {
    use jitcall::Float16;
    use std::arch::x86_64::{__m256d, _mm256_set_pd, _mm256_storeu_pd};
    if std::arch::is_x86_feature_detected!("avx2") {
        let ptr = lib.symbol("avx_add").unwrap();
        let v4d = Type::vector(Type::Double, 4);
        let f = Function::new(ptr, &Signature::new(v4d.clone(), [v4d.clone(), v4d])).unwrap();
        // rustc calls vector types not FFI-safe in general; with AVX2 enabled in the
        // caller, `extern "C"` passes `__m256d` in ymm, exactly as C's `__m256d`.
        #[allow(improper_ctypes_definitions)]
        type AvxAdd = extern "C" fn(__m256d, __m256d) -> __m256d;
        /// # Safety
        ///
        /// The CPU has AVX2 and `ptr` is `avx_add`.
        #[target_feature(enable = "avx2")]
        unsafe fn direct(ptr: *const c_void, a: __m256d, b: __m256d) -> [f64; 4] {
            // SAFETY: the caller's contract: ptr is avx_add, whose C type this is; the
            // AVX2 this function is compiled for passes __m256d in ymm as the callee does.
            let add: AvxAdd = unsafe { std::mem::transmute(ptr) };
            let mut out = [0.0; 4];
            // SAFETY: `out` holds four doubles.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr(), add(a, b)) };
            out
        }
        // SAFETY: AVX2 was detected just above.
        let (a, b) = unsafe {
            (
                _mm256_set_pd(4.0, 3.0, 2.0, 1.0),
                _mm256_set_pd(0.5, 0.5, 0.5, 0.5),
            )
        };
        let want = [1.5, 2.5, 3.5, 4.5];
        let lanes = |v: __m256d| {
            let mut out = [0.0; 4];
            // SAFETY: AVX2 was detected; `out` holds four doubles.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr(), v) };
            out
        };
        let mut frame = f.frame();
        frame.set_arg(0, a);
        frame.set_arg(1, b);
        // SAFETY (every call below): `avx_add` has this signature and was built for
        // AVX2, which this CPU has (detected), so Detect passes __m256d in ymm as it does.
        unsafe {
            assert_eq!(direct(ptr, a, b), want);
            f.call_frame(&mut frame);
        }
        assert_eq!(lanes(frame.ret::<__m256d>()), want);
        let vals = [
            Value::Vector([1.0, 2.0, 3.0, 4.0].map(Value::Double).to_vec()),
            Value::Vector([0.5; 4].map(Value::Double).to_vec()),
        ];
        // SAFETY: as above.
        let r = unsafe { f.call(&vals) }.unwrap();
        assert_eq!(r, Value::Vector(want.map(Value::Double).to_vec()));
        let mut g = c.benchmark_group("avx_add");
        config(&mut g);
        g.bench_function("direct", |bch| {
            // SAFETY: as above.
            bch.iter(|| unsafe { direct(black_box(ptr), black_box(a), black_box(b)) })
        });
        g.bench_function("call_frame", |bch| {
            let (f, mut frame) = (f.clone(), f.frame());
            bch.iter(move || {
                frame.set_arg(0, black_box(a));
                frame.set_arg(1, black_box(b));
                // SAFETY: as above.
                unsafe { f.call_frame(&mut frame) };
                frame.ret::<__m256d>()
            })
        });
        g.bench_function("call_values", |bch| {
            // SAFETY: as above.
            bch.iter(|| unsafe { f.call(black_box(&vals)) })
        });
        g.finish();
    }

    let ptr = lib.symbol("hmul").unwrap();
    let f = Function::new(
        ptr,
        &Signature::new(Type::Float16, [Type::Float16, Type::Float16]),
    )
    .unwrap();
    let (a, b) = (Float16::from_f32(1.5), Float16::from_f32(-2.25));
    let mut frame = f.frame();
    frame.set_arg(0, a);
    frame.set_arg(1, b);
    // SAFETY (every call below): `hmul` is `_Float16 hmul(_Float16, _Float16)`.
    unsafe { f.call_frame(&mut frame) };
    assert_eq!(frame.ret::<Float16>().to_f32(), -3.375);
    let vals = [Value::Float16(a), Value::Float16(b)];
    assert_eq!(
        // SAFETY: as above.
        unsafe { f.call(&vals) }.unwrap(),
        Value::Float16(Float16::from_f32(-3.375))
    );
    // A direct call: `_Float16` travels in the low 16 bits of an xmm register, and so
    // does an `f32`'s low half, so an `extern "C" fn(f32, f32) -> f32` whose arguments
    // carry the half's bits in their low 16 is exactly hmul's call (Rust has no stable
    // f16). The callee reads only those bits; the result's are the low 16 of xmm0.
    type HalfBits = unsafe extern "C" fn(f32, f32) -> f32;
    // SAFETY: `hmul` takes and returns its halves in xmm registers, as HalfBits does.
    let direct: HalfBits = unsafe { std::mem::transmute(ptr) };
    let half = |h: Float16| f32::from_bits(u32::from(h.to_bits()));
    let (ha, hb) = (half(a), half(b));
    // SAFETY: as above.
    let bits = unsafe { direct(ha, hb) }.to_bits() as u16;
    assert_eq!(Float16::from_bits(bits).to_f32(), -3.375);
    let mut g = c.benchmark_group("hmul");
    config(&mut g);
    g.bench_function("direct", |bch| {
        // SAFETY: as above.
        bch.iter(|| unsafe { direct(black_box(ha), black_box(hb)) }.to_bits() as u16)
    });
    g.bench_function("call_frame", |bch| {
        let (f, mut frame) = (f.clone(), f.frame());
        bch.iter(move || {
            frame.set_arg(0, black_box(a));
            frame.set_arg(1, black_box(b));
            // SAFETY: as above.
            unsafe { f.call_frame(&mut frame) };
            frame.ret::<Float16>()
        })
    });
    g.bench_function("call_values", |bch| {
        // SAFETY: as above.
        bch.iter(|| unsafe { f.call(black_box(&vals)) })
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    let lib = targets();
    report_code_size(&lib);
    bench_shapes(c, &lib);
    bench_new_types(c, &lib);
    bench_compile(c, &lib);
}

criterion_group!(benches, all);
criterion_main!(benches);
