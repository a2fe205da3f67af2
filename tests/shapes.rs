//! Every class of call shape, called through jitcall and judged by gcc and clang.
//!
//! Each shape becomes a C callee that compares every argument member with its expected
//! literal and returns a literal result (see `common`). The compiler's own direct call
//! (`drive_N`) must see no mismatch — that validates the generated C — and then jitcall
//! must get the callee to see no mismatch either, through every entry point (`call`
//! with values, `call_frame`, `call_batch`, and the libffi-style `call_raw`), and must
//! read back the same result.

mod common;

use common::*;
use jitcall::{Function, Library, Signature, Type, Value};
use std::ffi::c_void;

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

#[test]
fn every_shape_matches_the_compilers() {
    let shapes = shapes();
    let source = render_shapes(&shapes);
    let mut failures = Vec::new();
    for cc in compilers() {
        let lib = open_c(cc, "shapes", &source);
        for (n, shape) in shapes.iter().enumerate() {
            let sig = signature(shape);
            let vals = shape_values(shape, n);
            let what = format!("{cc}: shape {n} `{sig}`");

            // The compiler's own call must be self-consistent.
            let drive = lib
                .function(&format!("drive_{n}"), &Signature::new(Type::Int, []))
                .unwrap();
            // SAFETY: drive_N is `int drive_N(void)`.
            let direct = unsafe { drive.call(&[]) }.unwrap();
            assert_eq!(
                direct,
                Value::Int(0),
                "{what}: the C driver disagrees with itself"
            );
            take_mismatch(&lib, n);

            let f = lib.function(&format!("callee_{n}"), &sig).unwrap();

            // 1. Values.
            // SAFETY: callee_N has exactly this signature (we generated both).
            let r = unsafe { f.call(&vals.args) }.unwrap();
            let seen = take_mismatch(&lib, n);
            if shape.diverges_on.contains(&cc) {
                // jitcall follows gcc; this compiler must still disagree, or the
                // divergence list is out of date.
                if seen.0 == 0 {
                    failures.push(format!("{what}: known divergence no longer diverges"));
                }
                continue;
            }
            if seen != (0, 0) {
                failures.push(format!("{what}: call: callee saw mismatches {seen:?}"));
            }
            if r != vals.ret {
                failures.push(format!(
                    "{what}: call: result {r:?}, expected {:?}",
                    vals.ret
                ));
            }

            // 2. Frame.
            let mut frame = f.frame();
            for (i, v) in vals.args.iter().enumerate() {
                frame.set_value(i, v).unwrap();
            }
            // SAFETY: as above.
            unsafe { f.call_frame(&mut frame) };
            let seen = take_mismatch(&lib, n);
            if seen != (0, 0) {
                failures.push(format!(
                    "{what}: call_frame: callee saw mismatches {seen:?}"
                ));
            }
            let r = frame.ret_value().unwrap();
            if r != vals.ret {
                failures.push(format!(
                    "{what}: call_frame: result {r:?}, expected {:?}",
                    vals.ret
                ));
            }

            // 3. A batch of three rows through the trampoline loop.
            let mut batch = f.batch(3).unwrap();
            for row in 0..3 {
                for (i, v) in vals.args.iter().enumerate() {
                    batch.set_value(row, i, v).unwrap();
                }
            }
            // SAFETY: as above.
            unsafe { f.call_batch(&mut batch) }.unwrap();
            let seen = take_mismatch(&lib, n);
            if seen != (0, 0) {
                failures.push(format!(
                    "{what}: call_batch: callee saw mismatches {seen:?}"
                ));
            }
            for row in 0..3 {
                let r = batch.ret_value(row).unwrap();
                if r != vals.ret {
                    failures.push(format!(
                        "{what}: call_batch row {row}: result {r:?}, expected {:?}",
                        vals.ret
                    ));
                }
            }

            // 4. libffi-style pointers, with exact-size buffers and a guard after the result.
            let arg_bytes: Vec<Vec<u8>> = vals
                .args
                .iter()
                .zip(sig.params())
                .map(|(v, t)| v.to_bytes(t).unwrap())
                .collect();
            let ptrs: Vec<*const c_void> = arg_bytes
                .iter()
                .map(|b| b.as_ptr() as *const c_void)
                .collect();
            let ret_size = match sig.ret() {
                Type::Void => 0,
                t => t.layout().unwrap().size as usize,
            };
            let mut ret_buf = vec![u128::from_ne_bytes([0xab; 16]); ret_size / 16 + 2];
            // SAFETY: one pointer per parameter to a value of its type; the result buffer
            // is 16-aligned and larger than the result.
            unsafe { f.call_raw(ret_buf.as_mut_ptr().cast(), ptrs.as_ptr()) }.unwrap();
            let seen = take_mismatch(&lib, n);
            if seen != (0, 0) {
                failures.push(format!("{what}: call_raw: callee saw mismatches {seen:?}"));
            }
            // SAFETY: ret_buf is plain initialised memory; viewing it as bytes is fine.
            let ret_bytes = unsafe {
                std::slice::from_raw_parts(ret_buf.as_ptr().cast::<u8>(), ret_buf.len() * 16)
            };
            let r = Value::from_bytes(sig.ret(), ret_bytes).unwrap();
            if r != vals.ret {
                failures.push(format!(
                    "{what}: call_raw: result {r:?}, expected {:?}",
                    vals.ret
                ));
            }
            if ret_bytes[ret_size..].iter().any(|b| *b != 0xab) {
                failures.push(format!(
                    "{what}: call_raw wrote past the {ret_size}-byte result"
                ));
            }
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn narrow_integer_extremes() {
    // Hand-picked extremes, checked by a C callee that sums them exactly.
    let source = r#"
        long narrow(char c, signed char sc, unsigned char uc, short s, unsigned short us,
                    _Bool b, int i, unsigned u) {
            return (long)c * 1 + (long)sc * 10 + (long)uc * 1000 + (long)s * 100000
                 + (long)us * 10000000 + (long)b * 100000000000 + (long)i + (long)u;
        }
        signed char ret_sc(void) { return -128; }
        unsigned short ret_us(void) { return 65535; }
        _Bool ret_b(int x) { return x != 0; }
    "#;
    use Type::*;
    for cc in compilers() {
        let lib = open_c(cc, "narrow", source);
        let f = lib
            .function(
                "narrow",
                &Signature::new(Long, [Char, SChar, UChar, Short, UShort, Bool, Int, UInt]),
            )
            .unwrap();
        for (c, sc, uc, s, us, b, i, u) in [
            (
                -128i8,
                -128i8,
                255u8,
                -32768i16,
                65535u16,
                true,
                i32::MIN,
                u32::MAX,
            ),
            (127, 127, 0, 32767, 0, false, i32::MAX, 0),
            (-1, -1, 128, -1, 32768, true, -1, 1 << 31),
        ] {
            let expected = c as i64
                + sc as i64 * 10
                + uc as i64 * 1000
                + s as i64 * 100000
                + us as i64 * 10000000
                + b as i64 * 100000000000
                + i as i64
                + u as i64;
            let args = [
                Value::Char(c),
                Value::SChar(sc),
                Value::UChar(uc),
                Value::Short(s),
                Value::UShort(us),
                Value::Bool(b),
                Value::Int(i),
                Value::UInt(u),
            ];
            // SAFETY: `narrow` has this signature.
            let r = unsafe { f.call(&args) }.unwrap();
            assert_eq!(r, Value::Long(expected), "{cc}: {args:?}");
        }
        let sc = lib.function("ret_sc", &Signature::new(SChar, [])).unwrap();
        // SAFETY: matching signatures, as above.
        unsafe {
            assert_eq!(sc.call(&[]).unwrap(), Value::SChar(-128), "{cc}");
            let us = lib.function("ret_us", &Signature::new(UShort, [])).unwrap();
            assert_eq!(us.call(&[]).unwrap(), Value::UShort(65535), "{cc}");
            let b = lib.function("ret_b", &Signature::new(Bool, [Int])).unwrap();
            assert_eq!(b.call(&[Value::Int(7)]).unwrap(), Value::Bool(true), "{cc}");
            assert_eq!(
                b.call(&[Value::Int(0)]).unwrap(),
                Value::Bool(false),
                "{cc}"
            );
        }
    }
}

#[test]
fn strings_through_libc() {
    let libc = Library::this();
    let strlen = libc
        .function("strlen", &Signature::new(Type::ULong, [Type::Pointer]))
        .unwrap();
    let text = c"hello, trampoline";
    // SAFETY: strlen takes a NUL-terminated string.
    let r = unsafe { strlen.call(&[Value::Pointer(text.as_ptr() as *mut c_void)]) }.unwrap();
    assert_eq!(r, Value::ULong(17));

    // snprintf: variadic with a string, an int and doubles.
    let snprintf = libc
        .function(
            "snprintf",
            &Signature::variadic(
                Type::Int,
                [Type::Pointer, Type::ULong, Type::Pointer],
                [Type::Pointer, Type::Int, Type::Double, Type::Double],
            ),
        )
        .unwrap();
    let mut buf = [0u8; 64];
    // SAFETY: snprintf's fixed part and the promoted variadic types match the format.
    let n = unsafe {
        snprintf.call(&[
            Value::Pointer(buf.as_mut_ptr().cast()),
            Value::ULong(64),
            Value::Pointer(c"%s %d %.2f %g".as_ptr() as *mut c_void),
            Value::Pointer(c"x".as_ptr() as *mut c_void),
            Value::Int(-42),
            Value::Double(2.5),
            Value::Double(1e10),
        ])
    }
    .unwrap();
    let expected = "x -42 2.50 1e+10";
    assert_eq!(n, Value::Int(expected.len() as i32));
    assert_eq!(&buf[..expected.len()], expected.as_bytes());
}

#[test]
fn mismatched_values_are_errors_not_calls() {
    let f = Function::new(libc_abs(), &Signature::new(Type::Int, [Type::Int])).unwrap();
    // SAFETY: each call is rejected before reaching abs, or calls abs(int) correctly.
    unsafe {
        assert!(f.call(&[]).is_err());
        assert!(f.call(&[Value::Long(1)]).is_err());
        assert!(f.call(&[Value::Int(1), Value::Int(2)]).is_err());
        assert_eq!(f.call(&[Value::Int(-5)]).unwrap(), Value::Int(5));
    }
    let pt = Type::structure([Type::Int, Type::Double]);
    let g = Function::new(libc_abs(), &Signature::new(Type::Void, [pt])).unwrap();
    // SAFETY: rejected before any call is made.
    unsafe {
        assert!(g.call(&[Value::Struct(vec![Value::Int(1)])]).is_err());
        assert!(
            g.call(&[Value::Struct(vec![Value::Int(1), Value::Float(2.0)])])
                .is_err()
        );
    }
    assert!(Function::new(std::ptr::null(), &Signature::new(Type::Void, [])).is_err());
    let bad = Signature::new(Type::Void, [Type::Void]);
    assert!(Function::new(libc_abs(), &bad).is_err());
}

fn libc_abs() -> *const c_void {
    Library::this().symbol("abs").unwrap()
}
