//! 32- and 64-byte vectors (`__m256d`, `__m512`), whose ABI depends on how the callee
//! was compiled: the same shapes built without AVX, with `-mavx2` and with
//! `-mavx512f` (where this CPU runs them), called with the matching
//! [`VectorAbi`], judged by gcc and clang as in `tests/shapes.rs`: through `call`,
//! `call_frame`, a batch and `call_raw`, and back through a callback.

mod common;

use common::*;
use jitcall::abi::VectorAbi;
use jitcall::{Callback, Library, Signature, Type, Value};
use std::ffi::c_void;

/// The ISAs a callee can be compiled for, with the flag and the choice that says so,
/// where this CPU runs the code.
fn isas() -> Vec<(&'static str, VectorAbi)> {
    let mut v = vec![("-mno-avx", VectorAbi::Sse)];
    if std::arch::is_x86_feature_detected!("avx2") {
        v.push(("-mavx2", VectorAbi::Avx));
    }
    if std::arch::is_x86_feature_detected!("avx512f") {
        v.push(("-mavx512f", VectorAbi::Avx512));
    }
    v
}

fn wide_shapes() -> Vec<Shape> {
    use Type::*;
    let v4d = Type::vector(Double, 4);
    let v8f = Type::vector(Float, 8);
    let v8i = Type::vector(Int, 8);
    let v16f = Type::vector(Float, 16);
    let v64c = Type::vector(UChar, 64);
    vec![
        shape(v4d.clone(), [v4d.clone(), v4d.clone()]),
        shape(v16f.clone(), [v16f.clone(), Int, v16f.clone()]),
        shape(v8i.clone(), vec![v8i.clone(); 9]),
        shape(Long, [Int, v64c.clone(), Double, v8f.clone()]),
        // After one eightbyte of stack arguments, a vector in memory is aligned to its
        // size (gcc since 4.6, whatever the instruction set).
        shape(
            Double,
            vec![Long; 7]
                .into_iter()
                .chain([v4d.clone(), Long, v16f.clone(), v8f.clone()]),
        ),
        variadic(
            Double,
            1,
            [Int, v4d.clone(), Double, v8f.clone(), v16f.clone()],
        ),
        // Aggregates of one wide vector travel as the vector (psABI 5(c): SSE, then
        // only SSEUP); with other data in its eightbytes, in memory.
        shape(
            s([v4d.clone()]),
            [
                s([v4d.clone()]),
                Type::union([v8f.clone(), Float]),
                s([Type::array(v4d.clone(), 1)]),
            ],
        ),
        // A packed one with a byte after the vector (33 bytes): memory, whatever the
        // instruction set (jitcall passed it in zmm0 with AVX-512F, counting only the
        // eightbytes the size holds whole; found by `jitcall fuzz` with vectors in
        // aggregates).
        shape(
            Double,
            [
                Int,
                Type::build_struct()
                    .field("v", v4d.clone())
                    .field("c", Char)
                    .packed()
                    .finish(),
                Double,
            ],
        ),
        // clang 19 passes the union in a register (docs/DIVERGENCES.md): gcc only.
        Shape {
            diverges_on: &["clang-19"],
            ..shape(
                s([v16f.clone()]),
                [
                    Type::union([v4d.clone(), Type::array(Double, 4)]),
                    s([v16f.clone()]),
                    Int,
                ],
            )
        },
        // clang 19's va_arg of it crashes (docs/DIVERGENCES.md): gcc only.
        Shape {
            diverges_on: &["clang-19"],
            ..variadic(Int, 1, [Int, s([v4d.clone()]), Double])
        },
    ]
}

#[test]
fn wide_vectors_follow_the_callees_instruction_set() {
    let shapes = wide_shapes();
    let source = render_shapes(&shapes);
    let mut failures = Vec::new();
    let mut checked = 0;
    for cc in compilers() {
        for (flag, abi) in isas() {
            let dir = ScratchDir::new("vectors");
            let c = dir.join("vectors.c");
            std::fs::write(&c, &source).unwrap();
            let so = dir.join(format!("libvectors-{cc}{flag}.so"));
            build_shared(cc, &[&c], &so, &[flag]);
            let lib = Library::open(so.to_str().unwrap()).unwrap();
            // clang 19 returns a vector wider than the registers it was compiled for in
            // several of them (xmm0..xmm3 for a __m512 without AVX), where gcc returns
            // it in memory: a known divergence (docs/DIVERGENCES.md) that must persist.
            let diverges = cc == "clang-19" && abi != VectorAbi::Avx512;
            let before = failures.len();
            for (n, shape) in shapes.iter().enumerate() {
                // clang, where it diverges, does so for aggregates of wide vectors in
                // ways that crash the call (docs/DIVERGENCES.md): vectors alone suffice
                // to show that it still diverges.
                let aggregate = |t: &Type| matches!(t, Type::Struct(_) | Type::Union(_));
                if shape.diverges_on.contains(&cc)
                    || (diverges && (aggregate(&shape.ret) || shape.params.iter().any(aggregate)))
                {
                    continue;
                }
                let sig = signature(shape).with_vector_abi(abi);
                let vals = shape_values(shape, n);
                let what = format!("{cc} {flag}: shape {n} `{sig}`");
                checked += 1;
                failures.extend(check_shape_entries(&lib, n, &sig, &vals, &what));
            }
            if diverges {
                if failures.len() == before {
                    failures.push(format!("{cc} {flag}: known divergence no longer diverges"));
                }
                failures.truncate(before);
            }
        }
    }
    assert!(checked >= 6, "only {checked} calls checked");
    assert_no_failures(&failures);
}

/// C code compiled for each instruction set calls a callback that takes and returns
/// `__m256d` and `__m512`, and checks the lanes it gets back.
#[test]
fn callbacks_take_and_return_wide_vectors() {
    let source = r#"
        typedef double v4d __attribute__((vector_size(32)));
        typedef float v16f __attribute__((vector_size(64)));
        int drive4(v4d (*f)(v4d, int, v4d)) {
            v4d a = {1, 2, 3, 4}, b = {0.5, 0.25, 0.125, 8};
            v4d r = f(a, 7, b);
            return (r[0] != 1.5) + (r[1] != 2.25) + (r[2] != 3.125) + (r[3] != 12);
        }
        int drive16(v16f (*f)(int, v16f)) {
            v16f a;
            for (int i = 0; i < 16; i++) a[i] = i + 0.5f;
            v16f r = f(3, a);
            int bad = 0;
            for (int i = 0; i < 16; i++) bad += r[i] != 3 * (i + 0.5f);
            return bad;
        }
    "#;
    let v4d = Type::vector(Type::Double, 4);
    let v16f = Type::vector(Type::Float, 16);
    for cc in compilers() {
        for (flag, abi) in isas() {
            // clang 19 returns a vector wider than its registers in several registers
            // where gcc uses sret (docs/DIVERGENCES.md): our stub would take its `int`
            // for the result's address.
            if cc == "clang-19" && abi != VectorAbi::Avx512 {
                continue;
            }
            let dir = ScratchDir::new("vector-callbacks");
            let c = dir.join("drivers.c");
            std::fs::write(&c, source).unwrap();
            let so = dir.join(format!("libdrivers-{cc}{flag}.so"));
            build_shared(cc, &[&c], &so, &[flag]);
            let lib = Library::open(so.to_str().unwrap()).unwrap();
            let what = format!("{cc} {flag}");

            let sig = Signature::new(v4d.clone(), [v4d.clone(), Type::Int, v4d.clone()])
                .with_vector_abi(abi);
            let cb = Callback::new(&sig, |frame| {
                let (Ok(Value::Vector(a)), Ok(Value::Int(7)), Ok(Value::Vector(b))) =
                    (frame.arg_value(0), frame.arg_value(1), frame.arg_value(2))
                else {
                    return;
                };
                let sum: Vec<Value> = a
                    .iter()
                    .zip(&b)
                    .map(|(x, y)| match (x, y) {
                        (Value::Double(x), Value::Double(y)) => Value::Double(x + y),
                        _ => Value::Double(f64::NAN),
                    })
                    .collect();
                frame.set_ret_value(&Value::Vector(sum)).unwrap();
            })
            .unwrap();
            let drive = lib
                .function("drive4", &Signature::new(Type::Int, [Type::Pointer]))
                .unwrap();
            // SAFETY: drive4 calls its argument with exactly `sig`; cb outlives the call.
            let bad = unsafe { drive.call(&[Value::Pointer(cb.code_ptr() as *mut c_void)]) };
            assert_eq!(bad.unwrap(), Value::Int(0), "{what}: drive4");

            let sig = Signature::new(v16f.clone(), [Type::Int, v16f.clone()]).with_vector_abi(abi);
            let cb = Callback::new(&sig, |frame| {
                let (Ok(Value::Int(k)), Ok(Value::Vector(a))) =
                    (frame.arg_value(0), frame.arg_value(1))
                else {
                    return;
                };
                let scaled: Vec<Value> = a
                    .iter()
                    .map(|x| match x {
                        Value::Float(x) => Value::Float(k as f32 * x),
                        _ => Value::Float(f32::NAN),
                    })
                    .collect();
                frame.set_ret_value(&Value::Vector(scaled)).unwrap();
            })
            .unwrap();
            let drive = lib
                .function("drive16", &Signature::new(Type::Int, [Type::Pointer]))
                .unwrap();
            // SAFETY: drive16 calls its argument with exactly `sig`; cb outlives the call.
            let bad = unsafe { drive.call(&[Value::Pointer(cb.code_ptr() as *mut c_void)]) };
            assert_eq!(bad.unwrap(), Value::Int(0), "{what}: drive16");
        }
    }
}

/// A CPU without the register a stated choice needs is an error when the function is
/// made, never a crash; and a choice is part of the signature (two choices, two plans).
#[test]
fn the_vector_choice_is_explicit_and_checked() {
    let v4d = Type::vector(Type::Double, 4);
    let sig = Signature::new(v4d.clone(), [v4d.clone()]);
    let sse = sig.clone().with_vector_abi(VectorAbi::Sse);
    assert_ne!(sig, sse);
    let plan = jitcall::abi::sysv::classify(&sse).unwrap();
    assert_eq!(plan.vector_abi, Some(VectorAbi::Sse));
    assert_eq!(plan.ret.location, jitcall::abi::RetLocation::Memory);
    let avx = sig.with_vector_abi(VectorAbi::Avx);
    match jitcall::abi::sysv::classify(&avx) {
        Ok(plan) => {
            assert!(std::arch::is_x86_feature_detected!("avx"));
            assert!(plan.uses_wide_registers());
        }
        Err(e) => {
            assert!(!std::arch::is_x86_feature_detected!("avx"));
            assert!(e.to_string().contains("AVX"), "{e}");
        }
    }
    // Vectors of 16 bytes or less do not depend on the choice.
    let small = Signature::new(Type::vector(Type::Float, 4), []);
    assert_eq!(
        jitcall::abi::sysv::classify(&small).unwrap().vector_abi,
        None
    );
}

/// The register-capture probe (`asm/probe.S`, `jitcall_probe_zmm`, which records the
/// whole of zmm0..zmm7) called by gcc-compiled code built with `-mavx512f` and through
/// jitcall with the same arguments: every byte of the `ymm`/`zmm` registers the
/// `__m256d` and `__m512` arguments travel in, and the stack, are the compiler's; and
/// `explain` names those registers.
#[test]
fn wide_vectors_land_in_the_registers_the_compiler_uses() {
    if !std::arch::is_x86_feature_detected!("avx512f") {
        return;
    }
    let caller = r#"
        typedef double v4d __attribute__((vector_size(32)));
        typedef float v16f __attribute__((vector_size(64)));
        void jitcall_probe_zmm(void);
        typedef void (*probe_fn)(v4d, double, v16f, v4d, int);
        void call_probe(void) {
            v4d a = {1.5, 2.5, 3.5, 4.5}, b = {-1, -2, -3, -4};
            v16f c;
            for (int i = 0; i < 16; i++) c[i] = i * 0.25f + 7;
            ((probe_fn)jitcall_probe_zmm)(a, 0.125, c, b, -9);
        }
    "#;
    let dir = ScratchDir::new("vector-probe");
    let c = dir.join("caller.c");
    std::fs::write(&c, caller).unwrap();
    let probe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("asm/probe.S");
    let so = dir.join("libvprobe.so");
    build_shared("gcc", &[&c, &probe], &so, &["-mavx512f"]);
    let lib = Library::open(so.to_str().unwrap()).unwrap();
    let record = |lib: &Library| -> Vec<u8> {
        let zmm = lib.symbol("jitcall_probe_zmm_record").unwrap() as *const u8;
        let gprs = lib.symbol("jitcall_probe_record").unwrap() as *const u8;
        // SAFETY: both are globals of the probe library (512 and 704 bytes), which
        // `lib` keeps loaded; nothing writes them during the read.
        unsafe {
            let mut v = std::slice::from_raw_parts(zmm, 512).to_vec();
            v.extend_from_slice(std::slice::from_raw_parts(gprs, 704));
            v
        }
    };
    let call = lib
        .function("call_probe", &Signature::new(Type::Void, []))
        .unwrap();
    // SAFETY: call_probe is `void call_probe(void)`.
    unsafe { call.call(&[]) }.unwrap();
    let theirs = record(&lib);

    let decls = "typedef double v4d __attribute__((vector_size(32))); \
                 typedef float v16f __attribute__((vector_size(64))); \
                 void jitcall_probe_zmm(v4d, double, v16f, v4d, int);";
    let sig: Signature = decls.parse().unwrap();
    let f = lib.function("jitcall_probe_zmm", &sig).unwrap();
    let c: Vec<Value> = (0..16)
        .map(|i| Value::Float(i as f32 * 0.25 + 7.0))
        .collect();
    let args = [
        Value::Vector([1.5, 2.5, 3.5, 4.5].map(Value::Double).to_vec()),
        Value::Double(0.125),
        Value::Vector(c),
        Value::Vector([-1.0, -2.0, -3.0, -4.0].map(Value::Double).to_vec()),
        Value::Int(-9),
    ];
    // SAFETY: the probe takes any arguments and records them.
    unsafe { f.call(&args) }.unwrap();
    let ours = record(&lib);
    // zmm0 (a: 32 bytes in ymm0), zmm1 (0.125: 8 bytes), zmm2 (c: 64 bytes), zmm3 (b:
    // 32 bytes), edi. (%al only matters to a variadic callee: gcc leaves it as it was
    // for this one; jitcall sets it to 4.)
    let spans = [
        ("ymm0", 0..32),
        ("xmm1", 64..72),
        ("zmm2", 128..192),
        ("ymm3", 192..224),
        ("edi", 512..516),
    ];
    assert_eq!(ours[560], 4, "al");
    for (name, span) in spans {
        assert_eq!(ours[span.clone()], theirs[span], "{name}");
    }
    let run = common::run_jitcall(&["explain", decls], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for want in [
        "→ ymm0 (whole)",
        "→ zmm2 (whole)",
        "→ ymm3 (whole)",
        "→ xmm1 (low 8 bytes)",
    ] {
        assert!(run.stdout.contains(want), "{want}:\n{}", run.stdout);
    }
}
