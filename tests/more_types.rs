//! Issue 20's last types: GNU vectors of more than 64 bytes (MEMORY as argument, as
//! result, in aggregates and in variadic calls), vectors of 1, 2 and 4 bytes,
//! `_Complex _Float16` (one SSE eightbyte) and `_Complex _Float128` (MEMORY), judged by
//! gcc 12 and clang-19 as in `tests/shapes.rs`: through `call`, `call_frame`, a batch and
//! `call_raw`, and back through a callback called by C.

mod common;

use common::*;
use jitcall::{Callback, Library, Signature, Type, Value};
use std::ffi::c_void;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Reads and resets `mism_N`/`where_N`.
fn take_mismatch(lib: &Library, n: usize) -> (i32, i32) {
    let m = lib.symbol(&format!("mism_{n}")).unwrap() as *mut i32;
    let w = lib.symbol(&format!("where_{n}")).unwrap() as *mut i32;
    // SAFETY: both are `int` globals of the fixture library, which `lib` keeps loaded.
    unsafe {
        let r = (m.read(), w.read());
        m.write(-1);
        w.write(-1);
        r
    }
}

fn big_vector_shapes() -> Vec<Shape> {
    use Type::*;
    let v32i = Type::vector(Int, 32); // 128 bytes
    let v64f = Type::vector(Float, 64); // 256 bytes
    let v16d = Type::vector(Double, 16); // 128 bytes
    let v2c = Type::vector(Char, 2);
    let v1c = Type::vector(UChar, 1);
    let v2s = Type::vector(Short, 2);
    vec![
        shape(v32i.clone(), [v32i.clone(), Int]),
        shape(Double, [Int, v64f.clone(), Double, v16d.clone()]),
        // After one eightbyte of stack arguments, the vector is aligned to its size.
        shape(Long, vec![Long; 7].into_iter().chain([v32i.clone(), Long])),
        shape(s([Char, v32i.clone()]), [s([Char, v32i.clone()]), Float]),
        variadic(Int, 1, [Int, v32i.clone(), Double, v16d.clone(), Long]),
        shape(v2c.clone(), [v2c.clone(), v1c.clone(), v2s.clone()]),
        shape(s([v2c.clone(), Float]), [s([v1c.clone(), v2s.clone()])]),
    ]
}

fn complex_half_quad_shapes() -> Vec<Shape> {
    use Type::*;
    let ch = Type::complex(Float16);
    let cq = Type::complex(Float128);
    vec![
        shape(ch.clone(), [ch.clone(), ch.clone()]),
        shape(ch.clone(), vec![ch.clone(); 10]),
        shape(s([ch.clone(), Float]), [s([Float16, ch.clone()]), Double]),
        shape(cq.clone(), [cq.clone(), Double]),
        shape(Double, [Int, cq.clone(), ch.clone(), cq.clone()]),
        shape(s([cq.clone()]), [s([Char, cq.clone()])]),
        variadic(Int, 1, [Int, ch.clone(), cq.clone(), Double]),
    ]
}

/// Calls every shape through `call`, `call_frame`, a batch and `call_raw`, against
/// `callee_N` built by `cc`; returns the failures.
fn check_calls(cc: &str, tag: &str, shapes: &[Shape]) -> Vec<String> {
    let lib = open_c(cc, tag, &render_shapes(shapes));
    let mut failures = Vec::new();
    for (n, shape) in shapes.iter().enumerate() {
        let sig = signature(shape);
        let vals = shape_values(shape, n);
        let what = format!("{cc}: shape {n} `{sig}`");
        let drive = lib
            .function(&format!("drive_{n}"), &Signature::new(Type::Int, []))
            .unwrap();
        // SAFETY: drive_N is `int drive_N(void)`.
        let direct = unsafe { drive.call(&[]) }.unwrap();
        assert_eq!(direct, Value::Int(0), "{what}: the C driver disagrees");
        take_mismatch(&lib, n);
        let f = lib.function(&format!("callee_{n}"), &sig).unwrap();

        // SAFETY: callee_N has exactly this signature (we generated both).
        let r = unsafe { f.call(&vals.args) }.unwrap();
        let seen = take_mismatch(&lib, n);
        if seen != (0, 0) || r != vals.ret {
            failures.push(format!("{what}: call saw {seen:?}, returned {r:?}"));
        }

        let mut frame = f.frame();
        for (i, v) in vals.args.iter().enumerate() {
            frame.set_value(i, v).unwrap();
        }
        // SAFETY: as above.
        unsafe { f.call_frame(&mut frame) };
        let seen = take_mismatch(&lib, n);
        let r = frame.ret_value().unwrap();
        if seen != (0, 0) || r != vals.ret {
            failures.push(format!("{what}: call_frame saw {seen:?}, returned {r:?}"));
        }

        let mut batch = f.batch(2).unwrap();
        for row in 0..2 {
            for (i, v) in vals.args.iter().enumerate() {
                batch.set_value(row, i, v).unwrap();
            }
        }
        // SAFETY: as above.
        unsafe { f.call_batch(&mut batch) }.unwrap();
        let seen = take_mismatch(&lib, n);
        let r = batch.ret_value(1).unwrap();
        if seen != (0, 0) || r != vals.ret {
            failures.push(format!("{what}: call_batch saw {seen:?}, returned {r:?}"));
        }

        let arg_bytes: Vec<Vec<u8>> = vals
            .args
            .iter()
            .zip(sig.params())
            .map(|(v, t)| v.to_bytes(t).unwrap())
            .collect();
        let ptrs: Vec<*const c_void> = arg_bytes.iter().map(|b| b.as_ptr().cast()).collect();
        let size = match sig.ret() {
            Type::Void => 0,
            t => t.layout().unwrap().size as usize,
        };
        let mut ret_buf = vec![u128::from_ne_bytes([0xab; 16]); size / 16 + 2];
        // SAFETY: one pointer per parameter to a value of its type; the result buffer
        // is 16-aligned and larger than the result.
        unsafe { f.call_raw(ret_buf.as_mut_ptr().cast(), ptrs.as_ptr()) }.unwrap();
        let seen = take_mismatch(&lib, n);
        // SAFETY: plain initialised memory viewed as bytes.
        let bytes = unsafe {
            std::slice::from_raw_parts(ret_buf.as_ptr().cast::<u8>(), ret_buf.len() * 16)
        };
        if size > 0 {
            let r = Value::from_bytes(sig.ret(), bytes).unwrap();
            if seen != (0, 0) || r != vals.ret || bytes[size..].iter().any(|b| *b != 0xab) {
                failures.push(format!("{what}: call_raw saw {seen:?}, returned {r:?}"));
            }
        }
    }
    failures
}

/// For each shape that is not variadic, C calls a jitcall callback with the shape's
/// values and checks its result; the callback checks its arguments.
fn check_callbacks(cc: &str, tag: &str, shapes: &[Shape]) -> Vec<String> {
    let mut types = CTypes::default();
    let mut body = String::new();
    for (n, shape) in shapes.iter().enumerate() {
        if shape.variadic_fixed.is_some() {
            continue;
        }
        let vals = shape_values(shape, n);
        let ret = types.name(&shape.ret);
        let pnames: Vec<String> = shape.params.iter().map(|t| types.name(t)).collect();
        writeln!(body, "typedef {ret} (*cb_fn_{n})({});", pnames.join(", ")).unwrap();
        writeln!(body, "int drive_cb_{n}(cb_fn_{n} f) {{").unwrap();
        writeln!(body, "    int mism = 0, where_ = 0;").unwrap();
        let args = c_declare_args(&shape.params, &pnames, &vals.args, &mut body);
        writeln!(body, "    {ret} r = f({});", args.join(", ")).unwrap();
        let mut leaf = 0;
        c_checks(&shape.ret, &vals.ret, "r", &mut body, &mut leaf);
        writeln!(body, "    return mism;\n}}").unwrap();
    }
    let lib = open_c(cc, tag, &format!("{}\n{body}", types.defs));
    let mut failures = Vec::new();
    for (n, shape) in shapes.iter().enumerate() {
        if shape.variadic_fixed.is_some() {
            continue;
        }
        let sig = signature(shape);
        let vals = shape_values(shape, n);
        let errors = Mutex::new(Vec::new());
        let cb = Callback::new(&sig, |frame| {
            for (i, want) in vals.args.iter().enumerate() {
                match frame.arg_value(i) {
                    Ok(got) if got == *want => {}
                    got => errors
                        .lock()
                        .unwrap()
                        .push(format!("argument {i}: {got:?}")),
                }
            }
            frame.set_ret_value(&vals.ret).unwrap();
        })
        .unwrap();
        let drive = lib
            .function(
                &format!("drive_cb_{n}"),
                &Signature::new(Type::Int, [Type::Pointer]),
            )
            .unwrap();
        // SAFETY: drive_cb_N calls its argument with exactly `sig`; `cb` outlives it.
        let mism = unsafe { drive.call(&[Value::Pointer(cb.code_ptr() as *mut c_void)]) };
        drop(cb);
        let errors = errors.into_inner().unwrap();
        if mism.unwrap() != Value::Int(0) || !errors.is_empty() {
            failures.push(format!("{cc}: callback {n} `{sig}`: {errors:?}"));
        }
    }
    failures
}

#[test]
fn vectors_above_64_bytes_and_below_8_match_the_compilers() {
    let shapes = big_vector_shapes();
    let mut failures = Vec::new();
    for cc in compilers() {
        failures.extend(check_calls(cc, "bigvec", &shapes));
        failures.extend(check_callbacks(cc, "bigvec-cb", &shapes));
    }
    assert_no_failures(&failures);
}

#[test]
fn complex_float16_and_float128_match_the_compilers() {
    let shapes = complex_half_quad_shapes();
    let mut failures = Vec::new();
    for cc in compilers() {
        failures.extend(check_calls(cc, "cplx", &shapes));
        failures.extend(check_callbacks(cc, "cplx-cb", &shapes));
    }
    assert_no_failures(&failures);
}

/// The classes jitcall gives the new types, as gcc's `-S` output shows them.
#[test]
fn classes_and_memory_reasons() {
    use jitcall::abi::Class::*;
    use jitcall::abi::sysv::classify_type;
    let cq = Type::complex(Type::Float128);
    assert_eq!(classify_type(&Type::complex(Type::Float16)).unwrap(), [Sse]);
    assert_eq!(classify_type(&cq).unwrap(), [Memory]);
    assert_eq!(
        cq.layout().unwrap(),
        jitcall::Layout {
            size: 32,
            align: 16
        }
    );
    let v = Type::vector(Type::Int, 32);
    assert_eq!(
        v.layout().unwrap(),
        jitcall::Layout {
            size: 128,
            align: 128
        }
    );
    assert_eq!(classify_type(&v).unwrap(), [Memory]);
    let run = run_jitcall(
        &[
            "explain",
            "typedef int v32i __attribute__((vector_size(128))); v32i f(v32i);",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("a 128-byte vector: larger than any vector register"),
        "{}",
        run.stdout
    );
}
