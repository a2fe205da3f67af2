//! The literal parser's unit tests: integers, floats, strings, aggregates, variadic
//! types, printing, and values that read back to themselves.

use super::*;
use crate::Declarations;
use std::ffi::c_void;

fn decls(text: &str) -> Declarations {
    Declarations::parse(text).unwrap()
}

fn val(text: &str, ty: &Type) -> Value {
    let d = decls("");
    parse_value(text, ty, &d, &mut Strings::default())
        .unwrap_or_else(|e| panic!("{}", e.render(text)))
}

fn err(text: &str, ty: &Type) -> LiteralError {
    let d = decls("");
    match parse_value(text, ty, &d, &mut Strings::default()) {
        Ok(v) => panic!("{text} gave {v:?}"),
        Err(e) => e,
    }
}

fn var(text: &str) -> (Type, Value) {
    let d = decls("struct s { int a; double b; };");
    parse_variadic(text, &d, &mut Strings::default())
        .unwrap_or_else(|e| panic!("{}", e.render(text)))
}

#[test]
fn integers() {
    assert_eq!(val("-5", &Type::Int), Value::Int(-5));
    assert_eq!(val("0x7f", &Type::Char), Value::Char(127));
    assert_eq!(val("017", &Type::Int), Value::Int(15));
    assert_eq!(val("0b101", &Type::Int), Value::Int(5));
    assert_eq!(val("1'000'000", &Type::Int), Value::Int(1_000_000));
    assert_eq!(val("-2147483648", &Type::Int), Value::Int(i32::MIN));
    assert_eq!(val("4294967295u", &Type::UInt), Value::UInt(u32::MAX));
    assert_eq!(val("'A'", &Type::Char), Value::Char(65));
    assert_eq!(val("'\\n'", &Type::Int), Value::Int(10));
    assert_eq!(
        val("-170141183460469231731687303715884105728", &Type::Int128),
        Value::Int128(i128::MIN)
    );
    assert_eq!(
        val("0xffffffffffffffffffffffffffffffff", &Type::UInt128),
        Value::UInt128(u128::MAX)
    );
    assert_eq!(val("(long)9", &Type::Int), Value::Int(9));
    assert_eq!(val("{7}", &Type::Int), Value::Int(7));
    assert_eq!(val("- -3", &Type::Int), Value::Int(3));
    assert_eq!(val("(4)", &Type::Short), Value::Short(4));
    assert_eq!(val("true", &Type::Bool), Value::Bool(true));
}

#[test]
fn integer_errors_point_at_the_text() {
    let e = err("{1, 300}", &Type::structure([Type::Int, Type::Char]));
    assert_eq!((e.start, e.end), (4, 7));
    assert_eq!(e.message, "300 does not fit in `char` (-128 to 127)");
    assert_eq!(
        e.render("{1, 300}"),
        "300 does not fit in `char` (-128 to 127)\n  | {1, 300}\n  |     ^~~"
    );
    assert!(err("-1", &Type::UInt).message.contains("does not fit"));
    assert!(err("2.5", &Type::Int).message.contains("floating"));
    assert!(err("0x1_", &Type::Int).message.contains("suffix"));
    assert!(err("09", &Type::Int).message.contains("octal"));
    assert!(
        err("340282366920938463463374607431768211456", &Type::UInt128)
            .message
            .contains("128 bits")
    );
    assert!(err("2", &Type::Bool).message.contains("does not fit"));
    assert!(err("", &Type::Int).message.contains("empty"));
    assert!(err("1 2", &Type::Int).message.contains("end of the value"));
    assert!(err("(foo)1", &Type::Int).message.contains("foo"));
    assert!(err("\"x\"", &Type::Int).message.contains("string"));
}

#[test]
fn floats() {
    assert_eq!(val("1.5", &Type::Double), Value::Double(1.5));
    assert_eq!(val("2", &Type::Double), Value::Double(2.0));
    assert_eq!(val("1e10", &Type::Float), Value::Float(1e10));
    assert_eq!(val("0x1.8p3", &Type::Double), Value::Double(12.0));
    assert_eq!(val("-inf", &Type::Double), Value::Double(f64::NEG_INFINITY));
    assert!(matches!(val("nan", &Type::Float), Value::Float(x) if x.is_nan()));
    let Value::Double(z) = val("-0.0", &Type::Double) else {
        panic!()
    };
    assert!(z == 0.0 && z.is_sign_negative());
    // 0.1f widened is not 0.1.
    assert_eq!(val("0.1f", &Type::Double), Value::Double(0.1f32 as f64));
    assert_eq!(val(".5", &Type::Double), Value::Double(0.5));
    assert_eq!(val("1.", &Type::Double), Value::Double(1.0));
    assert!(err("0x1.8", &Type::Double).message.contains("exponent"));
    assert!(err("1e", &Type::Double).message.contains("exponent"));
    assert!(err("1.5w", &Type::Double).message.contains("invalid"));
    // The interchange suffixes name the C type of their format.
    assert_eq!(val("0.1f32", &Type::Double), Value::Double(0.1f32 as f64));
    assert_eq!(val("0.1F64", &Type::Float), Value::Float(0.1f64 as f32));
    assert_eq!(val("0.1f32x", &Type::Double), Value::Double(0.1));
    assert_eq!(val("0.1f64x", &Type::Double), Value::Double(0.1));
}

#[test]
fn long_double_literals_are_exact() {
    let Value::LongDouble(x) = val("0.1", &Type::LongDouble) else {
        panic!()
    };
    let b = x.to_bytes();
    assert_eq!(
        u64::from_le_bytes(b[..8].try_into().unwrap()),
        0xCCCC_CCCC_CCCC_CCCD
    );
    assert_eq!(u16::from_le_bytes([b[8], b[9]]), 16383 - 4);
    assert_eq!(format_long_double(x), "0.1");
    // 0.1L rounded to a double is the double 0.1.
    assert_eq!(val("0.1L", &Type::Double), Value::Double(0.1));
}

#[test]
fn bfloat16_literals_round_once_from_the_exact_decimal() {
    use crate::{BFloat16, literal::format_bfloat16};
    let bf = |text: &str| match val(text, &Type::BFloat16) {
        Value::BFloat16(x) => x.to_bits(),
        other => panic!("{text}: {other:?}"),
    };
    // clang-19 -S: `(__bf16)0.1` is 0x3dcd, `(__bf16)1.5` 0x3fc0.
    assert_eq!(bf("0.1"), 0x3dcd);
    assert_eq!(bf("(__bf16)1.5"), 0x3fc0);
    assert_eq!(bf("-2"), 0xc000);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even, down; 1 + 3 * 2^-8
    // ties up. A decimal just above the first tie rounds up: rounded once from its
    // exact value, not through a `double` (which would make it the tie).
    assert_eq!(bf("1.00390625"), 0x3f80);
    assert_eq!(bf("1.01171875"), 0x3f82);
    assert_eq!(bf("1.00390625000000000001"), 0x3f81);
    // The largest finite bfloat16 is 0x7f7f; past its rounding range, infinity.
    assert_eq!(bf("0x1.fep127"), 0x7f7f);
    assert_eq!(bf("1e39"), 0x7f80);
    assert_eq!(bf("0x1p-133"), 0x0001);
    assert_eq!(format_bfloat16(BFloat16::from_bits(0x3dcd)), "0.1");
    assert_eq!(format_bfloat16(BFloat16::from_bits(0x3f81)), "1.01");
    assert_eq!(format_bfloat16(BFloat16::from_bits(0x0001)), "9e-41");
    assert_eq!(format_bfloat16(BFloat16::from_bits(0xc000)), "-2");
    assert_eq!(BFloat16::from_bits(0x3fc0).to_f32(), 1.5);
    assert_eq!(BFloat16::from_f32(0.1).to_bits(), 0x3dcd);
    // Every bfloat16 prints to a literal that reads back to its bits.
    for bits in (0..=0xffffu16).filter(|b| b & 0x7f80 != 0x7f80) {
        let text = format_bfloat16(BFloat16::from_bits(bits));
        assert_eq!(bf(&text), bits, "{text}");
    }
}

#[test]
fn half_and_quad_literals_are_exact() {
    use crate::{Float16, Float128, literal::format_float16, literal::format_float128};
    let half = |text: &str| match val(text, &Type::Float16) {
        Value::Float16(x) => x.to_bits(),
        other => panic!("{text}: {other:?}"),
    };
    // IEEE 754 binary16: 0.1 is 0x2e66; 65504 the largest finite; 65520 ties to even
    // (65536), past the largest: infinity; 2^-24 the smallest subnormal.
    assert_eq!(half("0.1"), 0x2e66);
    assert_eq!(half("65504"), 0x7bff);
    assert_eq!(half("65520"), 0x7c00);
    assert_eq!(half("-0x1p-24"), 0x8001);
    assert_eq!(half("1.5f16"), 0x3e00);
    assert_eq!(format_float16(Float16::from_bits(0x2e66)), "0.1");
    // 65500 is the shortest decimal that reads back to 65504.
    assert_eq!(format_float16(Float16::from_bits(0x7bff)), "65500");
    assert_eq!(format_float16(Float16::from_bits(0x0001)), "6e-08");
    let quad = |text: &str| match val(text, &Type::Float128) {
        Value::Float128(x) => x.to_bits(),
        other => panic!("{text}: {other:?}"),
    };
    // binary128: 0.1 rounds up in its last place.
    assert_eq!(quad("0.1"), 0x3ffb_9999_9999_9999_9999_9999_9999_999a);
    assert_eq!(quad("0.1q"), quad("0.1f128"));
    // 0.1 read as a double first is another number.
    assert_eq!(
        quad("0.1f64"),
        Float128::from_f64(0.1).to_bits(),
        "a suffixed constant is rounded to its own type"
    );
    assert_eq!(format_float128(Float128::from_bits(quad("0.1"))), "0.1");
    let third = Float128::from_bits(0x3ffd_5555_5555_5555_5555_5555_5555_5555);
    let text = format_float128(third);
    assert_eq!(quad(&text), third.to_bits(), "{text} reads back");
    assert!(text.len() <= 2 + 36, "{text} is at most 36 digits");
}

#[test]
fn strings_and_pointers() {
    let d = decls("");
    let mut s = Strings::default();
    let v = parse_value("\"a\\tb\\x41\\101\\0z\" \"!\"", &Type::Pointer, &d, &mut s).unwrap();
    let Value::Pointer(p) = v else { panic!() };
    // SAFETY: p points into `s`, which holds 8 bytes for it.
    let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, 8) };
    assert_eq!(bytes, b"a\tbAA\0z!");
    assert_eq!(s.len(), 1);
    assert_eq!(
        val("NULL", &Type::Pointer),
        Value::Pointer(std::ptr::null_mut())
    );
    assert_eq!(
        val("0x1000", &Type::Pointer),
        Value::Pointer(0x1000 as *mut c_void)
    );
    assert!(err("-1", &Type::Pointer).message.contains("address"));
    assert!(
        err("\"abc", &Type::Pointer)
            .message
            .contains("unterminated")
    );
    assert!(err("\"\\q\"", &Type::Pointer).message.contains("escape"));
    assert!(err("\"\\x\"", &Type::Pointer).message.contains("hex"));
}

#[test]
fn aggregates() {
    let d = decls(
        "struct pt { int x; double y; };
             union u { float f; int i; };
             struct arr { int v[3]; char name[4]; };",
    );
    let pt = d.tagged("struct pt").unwrap().clone();
    let u = d.tagged("union u").unwrap().clone();
    let arr = d.tagged("struct arr").unwrap().clone();
    let mut s = Strings::default();
    let mut p = |t: &str, ty: &Type| {
        parse_value(t, ty, &d, &mut s).unwrap_or_else(|e| panic!("{}", e.render(t)))
    };
    assert_eq!(
        p("{1, 2.5}", &pt),
        Value::Struct(vec![Value::Int(1), Value::Double(2.5)])
    );
    assert_eq!(
        p("{.y = 3}", &pt),
        Value::Struct(vec![Value::Int(0), Value::Double(3.0)])
    );
    assert_eq!(
        p("(struct pt){4}", &pt),
        Value::Struct(vec![Value::Int(4), Value::Double(0.0)])
    );
    assert_eq!(
        p("{.i = 7}", &u),
        Value::Union {
            member: 1,
            value: Box::new(Value::Int(7))
        }
    );
    assert_eq!(
        p("{{1, [2] = 3}, \"ab\"}", &arr),
        Value::Struct(vec![
            Value::Array(vec![Value::Int(1), Value::Int(0), Value::Int(3)]),
            Value::Array(vec![
                Value::Char(97),
                Value::Char(98),
                Value::Char(0),
                Value::Char(0)
            ]),
        ])
    );
    let c = Type::complex(Type::Double);
    assert_eq!(
        p("{1, -2}", &c),
        Value::Complex(Box::new(Value::Double(1.0)), Box::new(Value::Double(-2.0)))
    );
    assert_eq!(
        p("3", &c),
        Value::Complex(Box::new(Value::Double(3.0)), Box::new(Value::Double(0.0)))
    );
    let e = |t: &str, ty: &Type| parse_value(t, ty, &d, &mut Strings::default()).unwrap_err();
    assert!(e("{1, 2, 3}", &pt).message.contains("too many"));
    assert!(e("{.z = 1}", &pt).message.contains("members: x, y"));
    assert!(e("{1, 2}", &u).message.contains("one value"));
    assert!(e("5", &pt).message.contains("brace"));
    assert!(e("{{1, 2, 3, 4}}", &arr).message.contains("past the end"));
    assert!(e("{{0}, \"abcde\"}", &arr).message.contains("too long"));
    assert!(e("(union u){1}", &pt).message.contains("cannot initialize"));
    let deep = "{".repeat(10_000);
    assert!(e(&deep, &pt).message.contains("nested"));
    let deep = "-".repeat(10_000) + "1";
    assert!(e(&deep, &Type::Int).message.contains("nested"));
    let deep = "(".repeat(10_000);
    assert!(e(&deep, &Type::Int).message.contains("nested"));
}

#[test]
fn variadic_types_follow_c() {
    assert_eq!(var("5"), (Type::Int, Value::Int(5)));
    assert_eq!(var("-2147483648"), (Type::Long, Value::Long(-2147483648)));
    assert_eq!(var("6000000000"), (Type::Long, Value::Long(6_000_000_000)));
    assert_eq!(var("0xffffffff"), (Type::UInt, Value::UInt(u32::MAX)));
    assert_eq!(var("5ull"), (Type::ULongLong, Value::ULongLong(5)));
    assert_eq!(var("2.5"), (Type::Double, Value::Double(2.5)));
    assert_eq!(var("1.5f"), (Type::Double, Value::Double(1.5)));
    assert_eq!(var("'a'"), (Type::Int, Value::Int(97)));
    assert_eq!(var("(char)-1"), (Type::Int, Value::Int(-1)));
    assert_eq!(
        var("(float)0.1"),
        (Type::Double, Value::Double(0.1f32 as f64))
    );
    assert_eq!(var("(long)9"), (Type::Long, Value::Long(9)));
    assert!(matches!(
        var("1.5L"),
        (Type::LongDouble, Value::LongDouble(_))
    ));
    assert_eq!(var("NULL").0, Type::Pointer);
    assert_eq!(var("\"x\"").0, Type::Pointer);
    assert_eq!(
        var("(struct s){1, 2}").1,
        Value::Struct(vec![Value::Int(1), Value::Double(2.0)])
    );
    let d = decls("");
    assert!(
        parse_variadic("{1}", &d, &mut Strings::default())
            .unwrap_err()
            .message
            .contains("compound literal")
    );
    assert!(
        parse_variadic("-1u", &d, &mut Strings::default())
            .unwrap_err()
            .message
            .contains("unsigned int")
    );
}

#[test]
fn printing() {
    assert_eq!(format_f64(1024.0), "1024");
    assert_eq!(format_f64(0.1), "0.1");
    assert_eq!(format_f64(-0.0), "-0.0");
    assert_eq!(format_f64(1e17), "1e+17");
    assert_eq!(format_f64(1e16), "10000000000000000");
    assert_eq!(format_f64(1.5e-7), "1.5e-07");
    assert_eq!(format_f64(0.00001), "1e-05");
    assert_eq!(format_f64(0.0001), "0.0001");
    assert_eq!(format_f64(f64::NEG_INFINITY), "-inf");
    assert_eq!(format_f32(0.1), "0.1");
    assert_eq!(format_f32(16777216.0), "16777216");
    assert_eq!(
        quote_bytes(b"a\"b\\\n\x01\xff9"),
        "\"a\\\"b\\\\\\n\\001\\3779\""
    );
    assert_eq!(quote_bytes("é".as_bytes()), "\"é\"");
    let u = Type::build_union()
        .field("f", Type::Float)
        .field("i", Type::Int)
        .finish();
    let v = Value::Union {
        member: 1,
        value: Box::new(Value::Int(3)),
    };
    assert_eq!(format_value(&v, &u), "{.i = 3}");
    assert_eq!(
        format_value(&Value::Pointer(0x10 as *mut c_void), &Type::Pointer),
        "0x10"
    );
    assert_eq!(format_value(&Value::Char(-3), &Type::Char), "-3");
    assert_eq!(format_value(&Value::Void, &Type::Void), "");
    assert_eq!(
        format_value(&Value::UInt128(u128::MAX), &Type::UInt128),
        "340282366920938463463374607431768211455"
    );
}

#[test]
fn printed_values_read_back() {
    for x in [0.1, 1.0 / 3.0, 1e300, 5e-324, -2.5e-10, 123456789.125] {
        let text = format_f64(x);
        assert_eq!(val(&text, &Type::Double), Value::Double(x), "{text}");
    }
    for text in [
        "0.1",
        "1e4000",
        "3.6451995318824746025e-4951",
        "-1.5",
        "1e-4940",
    ] {
        let Value::LongDouble(x) = val(text, &Type::LongDouble) else {
            panic!()
        };
        let back = format_long_double(x);
        assert_eq!(
            val(&back, &Type::LongDouble),
            Value::LongDouble(x),
            "{text} -> {back}"
        );
    }
}

/// Two names: a function at a made-up address, and an `int` variable.
struct TwoNames {
    n: std::cell::Cell<i32>,
}

impl Names for TwoNames {
    fn value(&self, name: &str) -> Option<(Type, Value)> {
        match name {
            "cmp" => Some((Type::Pointer, Value::Pointer(0x1000 as *mut c_void))),
            "n" => Some((Type::Int, Value::Int(self.n.get()))),
            _ => None,
        }
    }

    fn address(&self, name: &str) -> Option<*mut c_void> {
        match name {
            "cmp" => Some(0x1000 as *mut c_void),
            "n" => Some(self.n.as_ptr().cast()),
            _ => None,
        }
    }
}

#[test]
fn compound_literals_make_objects_whose_address_is_passed() {
    let d = decls("struct pt { int x; double y; };");
    let mut strings = Strings::default();
    let p = parse_value("&(int){41}", &Type::Pointer, &d, &mut strings).unwrap();
    let [t] = strings.temporaries() else {
        panic!("one object: {:?}", strings.temporaries())
    };
    assert_eq!(p, Value::Pointer(t.address()));
    assert_eq!((t.type_name(), t.contents()), ("int *", "41".to_string()));
    // SAFETY: the object is an int, alive while `strings` is.
    unsafe { *t.address().cast::<i32>() = 42 };
    assert_eq!(t.value().unwrap(), Value::Int(42));

    let mut strings = Strings::default();
    parse_value("&(struct pt){.y = 2.5}", &Type::Pointer, &d, &mut strings).unwrap();
    parse_value("(int[]){[3] = 7, 1}", &Type::Pointer, &d, &mut strings).unwrap();
    parse_value("(char[8]){0}", &Type::Pointer, &d, &mut strings).unwrap();
    parse_value("(char[]){\"hey\"}", &Type::Pointer, &d, &mut strings).unwrap();
    parse_value("&(void *){0}", &Type::Pointer, &d, &mut strings).unwrap();
    parse_value("&(long double){1}", &Type::Pointer, &d, &mut strings).unwrap();
    let shown: Vec<(&str, String)> = strings
        .temporaries()
        .iter()
        .map(|t| (t.type_name(), t.contents()))
        .collect();
    assert_eq!(
        shown,
        [
            ("struct pt *", "{0, 2.5}".to_string()),
            ("int[5]", "{0, 0, 0, 7, 1}".to_string()),
            ("char[8]", "\"\"".to_string()),
            ("char[4]", "\"hey\"".to_string()),
            ("void **", "NULL".to_string()),
            ("long double *", "1".to_string()),
        ]
    );
    for t in strings.temporaries() {
        let align = t.ty().layout().unwrap().align as usize;
        assert_eq!(t.address() as usize % align, 0, "{}", t.type_name());
    }
    // A variadic array or address is a pointer.
    let (ty, _) = parse_variadic("&(int){0}", &d, &mut strings).unwrap();
    assert_eq!(ty, Type::Pointer);
    let (ty, _) = parse_variadic("(char[16]){0}", &d, &mut strings).unwrap();
    assert_eq!(ty, Type::Pointer);
}

#[test]
fn a_brace_list_for_a_pointer_argument_is_an_error_not_null() {
    for text in ["{0}", "{}", "{NULL}"] {
        let e = err(text, &Type::Pointer);
        assert!(e.message.contains("&(int){0}"), "{text}: {}", e.message);
        assert_eq!((e.start, e.end), (0, text.len()));
    }
    // Inside an aggregate, as in C, {0} for a pointer member is NULL.
    let s = Type::structure([Type::Pointer, Type::Int]);
    assert_eq!(
        val("{{0}, 1}", &s),
        Value::Struct(vec![Value::Pointer(std::ptr::null_mut()), Value::Int(1)])
    );
    for (text, span) in [
        ("&(int)5", (0, 7)),
        ("&5", (0, 2)),
        ("(int[]){}", (0, 9)),
        ("&nobody", (1, 7)),
    ] {
        let e = err(text, &Type::Pointer);
        assert_eq!((e.start, e.end), span, "{text}: {}", e.message);
    }
}

#[test]
fn names_are_functions_and_variables() {
    let d = decls("");
    let names = TwoNames {
        n: std::cell::Cell::new(5),
    };
    let mut strings = Strings::default();
    let mut value = |text: &str, ty: &Type| {
        parse_value_with(text, ty, &d, &names, &mut strings).map_err(|e| e.render(text))
    };
    assert_eq!(
        value("cmp", &Type::Pointer),
        Ok(Value::Pointer(0x1000 as *mut c_void))
    );
    assert_eq!(value("n", &Type::Long), Ok(Value::Long(5)));
    assert_eq!(value("-n", &Type::Int), Ok(Value::Int(-5)));
    assert_eq!(value("(n)", &Type::Int), Ok(Value::Int(5)));
    assert_eq!(
        value("&n", &Type::Pointer),
        Ok(Value::Pointer(names.n.as_ptr().cast()))
    );
    assert!(value("n", &Type::Char).is_ok());
    let e = value("n", &Type::Pointer).unwrap_err();
    assert!(e.contains("write &n"), "{e}");
    let e = value("cmp", &Type::Int).unwrap_err();
    assert!(e.contains("cannot initialize"), "{e}");
    let e = value("other", &Type::Pointer).unwrap_err();
    assert!(e.contains("unknown name 'other'"), "{e}");
    let (ty, v) = parse_variadic_with("n", &d, &names, &mut strings).unwrap();
    assert_eq!((ty, v), (Type::Int, Value::Int(5)));
}

#[test]
fn bitints() {
    let bitint = |bits, signed| Type::BitInt { bits, signed };
    let v = |bits, signed, x| Value::BitInt(crate::BitInt::new(bits, signed, x).unwrap());
    assert_eq!(val("5wb", &bitint(7, true)), v(7, true, 5));
    assert_eq!(val("-64", &bitint(7, true)), v(7, true, -64));
    assert_eq!(val("0x7fffuwb", &bitint(17, false)), v(17, false, 0x7fff));
    assert_eq!(val("1", &bitint(1, false)), v(1, false, 1));
    assert_eq!(val("(unsigned _BitInt(3))7", &Type::Int), Value::Int(7));
    assert_eq!(
        val("-0x80000000000000000000000000000000", &bitint(200, true)),
        v(200, true, i128::MIN)
    );
    assert_eq!(
        err("64", &bitint(7, true)).message,
        "64 does not fit in `_BitInt(7)` (-64 to 63)"
    );
    assert_eq!(
        err("2", &bitint(1, false)).message,
        "2 does not fit in `unsigned _BitInt(1)` (0 to 1)"
    );
    assert!(
        err("-1", &bitint(300, false))
            .message
            .contains("does not fit")
    );
    // The type of a `wb` constant: the fewest bits holding its value and a sign.
    let (ty, value) = var("5wb");
    assert_eq!((ty, value), (bitint(4, true), v(4, true, 5)));
    let (ty, _) = var("0uwb");
    assert_eq!(ty, bitint(1, false));
    let (ty, _) = var("0xffUWB");
    assert_eq!(ty, bitint(8, false));
    assert_eq!(
        format_value(&v(100, true, -(1 << 99)), &bitint(100, true)),
        "-633825300114114700748351602688"
    );
}

/// `_BitInt` values above 128 bits, from `wb`/`uwb` constants of any size up to 65535
/// bits, negated, cast and range-checked like narrow ones (`tests/bitint.rs` has clang
/// judge them).
#[test]
fn wide_bitints() {
    let bitint = |bits, signed| Type::BitInt { bits, signed };
    let limbs = |bits, signed, limbs: &[u64]| {
        let bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
        Value::BitInt(crate::BitInt::from_le_bytes(bits, signed, &bytes).unwrap())
    };
    let two128 = "0x100000000000000000000000000000000";
    assert_eq!(
        val(&format!("{two128}uwb"), &bitint(200, false)),
        limbs(200, false, &[0, 0, 1, 0])
    );
    // -2^128 is the least _BitInt(129); 2^128 does not fit.
    assert_eq!(
        val(&format!("-{two128}wb"), &bitint(129, true)),
        limbs(129, true, &[0, 0, u64::MAX])
    );
    assert_eq!(
        err(&format!("{two128}wb"), &bitint(129, true)).message,
        "a value of 129 bits does not fit in `_BitInt(129)`"
    );
    assert_eq!(
        err(&format!("-{two128}wb"), &bitint(200, false)).message,
        "a negative value of 129 bits does not fit in `unsigned _BitInt(200)`"
    );
    assert!(
        err(&format!("{two128}wb"), &Type::UInt128)
            .message
            .contains("does not fit")
    );
    // To a floating type, rounded to nearest (2^128 + 1 is 2^128 in a double; as a
    // float, it overflows).
    assert_eq!(
        val("0x100000000000000000000000000000001wb", &Type::Double),
        Value::Double(2f64.powi(128))
    );
    assert_eq!(
        val(&format!("-{two128}wb"), &Type::Float),
        Value::Float(f32::NEG_INFINITY)
    );
    // Decimal digits, a cast, and its negation.
    assert_eq!(
        val(
            "-(_BitInt(256))340282366920938463463374607431768211456wb",
            &bitint(256, true)
        ),
        limbs(256, true, &[0, 0, u64::MAX, u64::MAX])
    );
    assert_eq!(
        val(
            "(_BitInt(200))-340282366920938463463374607431768211456wb",
            &bitint(300, true)
        ),
        limbs(300, true, &[0, 0, u64::MAX, u64::MAX, u64::MAX])
    );
    // A variadic one keeps its type, the fewest bits holding it and a sign.
    let (ty, value) = var(&format!("{two128}wb"));
    assert_eq!(
        (ty, value),
        (bitint(130, true), limbs(130, true, &[0, 0, 1]))
    );
    let (ty, _) = var(&format!("0x{}uwb", "f".repeat(16383)));
    assert_eq!(ty, bitint(65532, false));
    assert!(
        err(&format!("0x1{}wb", "0".repeat(16384)), &bitint(70000, true))
            .message
            .contains("up to 65535 bits")
    );
}
