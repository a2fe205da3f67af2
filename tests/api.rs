//! The library's Rust conventions: paths that are not UTF-8, `?` on parse errors,
//! `Value` conversions and the aliases of one representation, errors instead of
//! panics, and `long double` shown exactly. Results come from C (libc, libm, and
//! fixtures built by gcc), never from jitcall's own arithmetic.

mod common;

use common::*;
use jitcall::{Error, Library, LongDouble, Signature, Type, Value};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

#[test]
fn libraries_open_from_paths_that_are_not_utf8() {
    let scratch = ScratchDir::new("api_path");
    let dir = scratch.join(OsStr::from_bytes(b"lib\xff\xfedir"));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("twice.c");
    std::fs::write(&src, "int twice(int x) { return 2 * x; }\n").unwrap();
    let so = dir.join("libtwice.so");
    build_shared("gcc", &[src.as_path()], &so, &[]);
    assert!(so.to_str().is_none(), "the path really is not UTF-8");

    let lib = Library::open(&so).unwrap();
    assert_eq!(lib.name(), so.as_os_str());
    let twice = lib
        .function("twice", &"int twice(int)".parse().unwrap())
        .unwrap();
    // SAFETY: twice has this signature.
    let r = unsafe { twice.call(&[Value::from(21)]) }.unwrap();
    assert_eq!(r, Value::Int(42));

    let missing = Library::open(Path::new("/nonexistent/\u{e9}/libnope.so")).unwrap_err();
    assert!(missing.to_string().contains("libnope.so"), "{missing}");
    let nul = Library::open("lib\0nul.so").unwrap_err();
    assert!(nul.to_string().contains("NUL"), "{nul}");
}

/// The README's library example, as written, in a function returning jitcall's error.
fn readme_example() -> Result<f64, Error> {
    let libm = Library::open("libm.so.6")?;
    let sig: Signature = "double pow(double, double)".parse()?;
    let pow = libm.function("pow", &sig)?;
    let mut frame = pow.frame();
    frame.set_args((2.0f64, 10.0f64));
    // SAFETY: pow has this signature.
    unsafe { pow.call_frame(&mut frame) };
    Ok(frame.ret())
}

fn parse_in_jitcall_result(text: &str) -> Result<Signature, Error> {
    Ok(text.parse::<Signature>()?)
}

#[test]
fn parse_errors_convert_into_the_library_error() {
    assert_eq!(readme_example().unwrap(), 1024.0);
    let e = parse_in_jitcall_result("double pow(double,").unwrap_err();
    assert!(matches!(e, Error::Parse(_)), "{e:?}");
    assert!(e.to_string().contains("line 1"), "{e}");
    assert!(std::error::Error::source(&e).is_some());
}

#[test]
fn values_convert_from_rust_values() {
    assert_eq!(Value::from(2.0f64), Value::Double(2.0));
    assert_eq!(Value::from(2.5f32), Value::Float(2.5));
    assert_eq!(Value::from(-7i32), Value::Int(-7));
    assert_eq!(Value::from(7u32), Value::UInt(7));
    assert_eq!(Value::from(-7i64), Value::Long(-7));
    assert_eq!(Value::from(-7isize), Value::Long(-7));
    assert_eq!(Value::from(7u64), Value::ULong(7));
    assert_eq!(Value::from(7usize), Value::ULong(7));
    assert_eq!(Value::from(-7i8), Value::Char(-7));
    assert_eq!(Value::from(7u8), Value::UChar(7));
    assert_eq!(Value::from(-7i16), Value::Short(-7));
    assert_eq!(Value::from(7u16), Value::UShort(7));
    assert_eq!(Value::from(-7i128), Value::Int128(-7));
    assert_eq!(Value::from(7u128), Value::UInt128(7));
    assert_eq!(Value::from(true), Value::Bool(true));
    assert_eq!(Value::from(()), Value::Void);
    let x = 5i32;
    assert_eq!(
        Value::from(&x as *const i32),
        Value::Pointer((&x as *const i32).cast_mut().cast())
    );
    let ld = LongDouble::from_f64(0.5);
    assert_eq!(Value::from(ld), Value::LongDouble(ld));

    // A &CStr passes its address: strlen reads the string.
    let text = c"hello, world";
    let strlen = Library::this()
        .function(
            "strlen",
            &"unsigned long strlen(const char *)".parse().unwrap(),
        )
        .unwrap();
    // SAFETY: strlen has this signature and `text` outlives the call.
    let n = unsafe { strlen.call(&[Value::from(text)]) }.unwrap();
    assert_eq!(n, Value::ULong(12));
}

#[test]
fn variants_of_one_representation_are_interchangeable() {
    let this = Library::this();
    let labs = this
        .function("labs", &"long labs(long)".parse().unwrap())
        .unwrap();
    let llabs = this
        .function("llabs", &"long long llabs(long long)".parse().unwrap())
        .unwrap();
    // SAFETY: both have these signatures.
    unsafe {
        assert_eq!(labs.call(&[Value::LongLong(-7)]).unwrap(), Value::Long(7));
        assert_eq!(llabs.call(&[Value::Long(-9)]).unwrap(), Value::LongLong(9));
        // Another width is not an alias.
        assert!(labs.call(&[Value::Int(-7)]).is_err());
    }
    let mut frame = labs.frame();
    frame.set_value(0, &Value::LongLong(-3)).unwrap();
    assert!(frame.set_value(0, &Value::ULong(3)).is_err());
    // `char` and `signed char` take each other's values; loads give the type's own.
    let sig = Signature::new(Type::Int, [Type::Int, Type::Char]);
    let f = jitcall::Function::new(labs.target(), &sig).unwrap();
    let mut frame = f.frame();
    frame.set_value(1, &Value::SChar(-1)).unwrap();
    assert_eq!(frame.arg_value(1).unwrap(), Value::Char(-1));
}

#[test]
fn a_batch_of_another_signature_is_an_error_not_a_panic() {
    let this = Library::this();
    let abs = this
        .function("abs", &"int abs(int)".parse().unwrap())
        .unwrap();
    let labs = this
        .function("labs", &"long labs(long)".parse().unwrap())
        .unwrap();
    let mut batch = labs.batch(4).unwrap();
    // SAFETY: nothing is called: the batch is refused first.
    let e = unsafe { abs.call_batch(&mut batch) }.unwrap_err();
    assert!(e.to_string().contains("batch"), "{e}");
}

#[test]
fn long_double_shows_the_value_c_reads_back() {
    let libm = Library::open("libm.so.6").unwrap();
    let sqrtl = libm
        .function("sqrtl", &"long double sqrtl(long double)".parse().unwrap())
        .unwrap();
    let strtold = Library::this()
        .function(
            "strtold",
            &"long double strtold(const char *, char **)"
                .parse()
                .unwrap(),
        )
        .unwrap();
    for x in [2.0, 3.0, 1e-300, 0.1] {
        // SAFETY: sqrtl has this signature.
        let Value::LongDouble(root) =
            (unsafe { sqrtl.call(&[Value::LongDouble(LongDouble::from_f64(x))]) }).unwrap()
        else {
            panic!("sqrtl returned no long double")
        };
        let shown = format!("{root}");
        assert_eq!(format!("{root:?}"), format!("LongDouble({shown})"));
        // C's strtold reads the shown text back to the very same 80 bits.
        let text = std::ffi::CString::new(shown.clone()).unwrap();
        // SAFETY: strtold has this signature; the string outlives the call and the end
        // pointer may be NULL.
        let back = unsafe {
            strtold.call(&[
                Value::from(text.as_c_str()),
                Value::Pointer(std::ptr::null_mut()),
            ])
        }
        .unwrap();
        assert_eq!(back, Value::LongDouble(root), "{shown}");
        if x == 2.0 {
            assert_eq!(shown, "1.4142135623730950488");
        }
        // More digits than an f64 holds: the f64 approximation is not what is shown.
        assert_ne!(shown, format!("{}", root.to_f64()), "{x}");
    }
}
