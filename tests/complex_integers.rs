//! GNU C's complex integers (`_Complex int`, `_Complex char`, `_Complex long long`,
//! `_Complex __int128`) passed and returned by value, against C functions compiled by
//! gcc and clang-19 (`_Complex __int128`, which clang rejects, against gcc only): each C
//! function reports what it received or builds a value from its arguments. jitcall lays them out and passes them as `struct { T re, im; }`.

mod common;

use common::{compilers, open_c};
use jitcall::{Declarations, Value};

const DECLS: &str = "
long long ci_parts(_Complex int z);
_Complex int ci_make(int re, int im);
_Complex char cc_make(char re, char im);
int cc_parts(_Complex signed char a, _Complex unsigned char b);
_Complex long long cll_make(long long re, long long im);
long long cll_parts(_Complex long long z, int k);
double mixed(_Complex short a, double d, unsigned short _Complex b);
struct holder { char c; _Complex short s; long long _Complex l; };
long long holder_parts(struct holder h);
";

const BODIES: &str = "
long long ci_parts(_Complex int z) { return (long long)__real__ z * 100000 + __imag__ z; }
_Complex int ci_make(int re, int im) { _Complex int z; __real__ z = re; __imag__ z = im; return z; }
_Complex char cc_make(char re, char im) { _Complex char z; __real__ z = re; __imag__ z = im; return z; }
int cc_parts(_Complex signed char a, _Complex unsigned char b) {
    return __real__ a * 1000000 + __imag__ a * 10000 + __real__ b * 100 + __imag__ b;
}
_Complex long long cll_make(long long re, long long im) {
    _Complex long long z; __real__ z = re; __imag__ z = im; return z;
}
long long cll_parts(_Complex long long z, int k) { return k ? __imag__ z : __real__ z; }
double mixed(_Complex short a, double d, unsigned short _Complex b) {
    return __real__ a + __imag__ a * 10.0 + d * 100.0 + __real__ b * 1000.0 + __imag__ b * 10000.0;
}
long long holder_parts(struct holder h) {
    return h.c + __real__ h.s * 10 + __imag__ h.s * 100 + __real__ h.l * 1000 + __imag__ h.l * 10000;
}
";

fn complex(re: Value, im: Value) -> Value {
    Value::Complex(Box::new(re), Box::new(im))
}

#[test]
fn complex_integers_cross_calls_both_ways() {
    let decls = Declarations::parse(DECLS).expect("the declarations parse");
    for cc in compilers() {
        let lib = open_c(cc, "cint", &format!("{DECLS}{BODIES}"));
        let call = |name: &str, args: &[Value]| -> Value {
            let f = decls.function(name).unwrap();
            let func = lib.function(name, &f.signature).unwrap();
            // SAFETY: the signatures are the C functions' own, read from their
            // declarations.
            unsafe { func.call(args) }.unwrap_or_else(|e| panic!("{cc}: {name}: {e}"))
        };
        let ci = complex(Value::Int(-7), Value::Int(12345));
        assert_eq!(
            call("ci_parts", std::slice::from_ref(&ci)),
            Value::LongLong(-7 * 100000 + 12345),
            "{cc}"
        );
        assert_eq!(
            call("ci_make", &[Value::Int(-7), Value::Int(12345)]),
            ci,
            "{cc}"
        );
        assert_eq!(
            call("cc_make", &[Value::Char(-3), Value::Char(90)]),
            complex(Value::Char(-3), Value::Char(90)),
            "{cc}"
        );
        let a = complex(Value::SChar(-5), Value::SChar(7));
        let b = complex(Value::UChar(200), Value::UChar(99));
        assert_eq!(
            call("cc_parts", &[a, b]),
            Value::Int(-5 * 1000000 + 7 * 10000 + 200 * 100 + 99),
            "{cc}"
        );
        let cll = complex(Value::LongLong(i64::MIN + 1), Value::LongLong(-2));
        assert_eq!(
            call(
                "cll_make",
                &[Value::LongLong(i64::MIN + 1), Value::LongLong(-2)]
            ),
            cll,
            "{cc}"
        );
        for (k, want) in [(0, i64::MIN + 1), (1, -2)] {
            assert_eq!(
                call("cll_parts", &[cll.clone(), Value::Int(k)]),
                Value::LongLong(want),
                "{cc}"
            );
        }
        let got = call(
            "mixed",
            &[
                complex(Value::Short(-3), Value::Short(4)),
                Value::Double(0.5),
                complex(Value::UShort(60000), Value::UShort(2)),
            ],
        );
        assert_eq!(
            got,
            Value::Double(-3.0 + 40.0 + 50.0 + 60_000_000.0 + 20000.0),
            "{cc}"
        );
        let holder = Value::Struct(vec![
            Value::Char(1),
            complex(Value::Short(2), Value::Short(3)),
            complex(Value::LongLong(4), Value::LongLong(5)),
        ]);
        assert_eq!(
            call("holder_parts", &[holder]),
            Value::LongLong(1 + 20 + 300 + 4000 + 50000),
            "{cc}"
        );
    }
}

/// `_Complex __int128` (gcc only: clang rejects it): 32 bytes, MEMORY, returned
/// through a hidden pointer.
#[test]
fn complex_int128_is_memory() {
    let text = "__int128 _Complex c128_make(__int128 re, __int128 im) {
            _Complex __int128 z; __real__ z = re; __imag__ z = im; return z; }
        __int128 c128_parts(_Complex __int128 z, int k) { return k ? __imag__ z : __real__ z; }";
    let decls = Declarations::parse_preprocessed(text).unwrap();
    let lib = open_c("gcc", "cint128", text);
    let call = |name: &str, args: &[Value]| {
        let f = decls.function(name).unwrap();
        let func = lib.function(name, &f.signature).unwrap();
        // SAFETY: the signatures are the C functions' own.
        unsafe { func.call(args) }.unwrap()
    };
    let big = complex(Value::Int128(-(1 << 100)), Value::Int128(1 << 90));
    assert_eq!(
        call(
            "c128_make",
            &[Value::Int128(-(1 << 100)), Value::Int128(1 << 90)]
        ),
        big
    );
    for (k, want) in [(0, -(1i128 << 100)), (1, 1 << 90)] {
        assert_eq!(
            call("c128_parts", &[big.clone(), Value::Int(k)]),
            Value::Int128(want)
        );
    }
}

/// Literals: `{re, im}`, as for floating complex values; `_Complex _Bool` is no type.
#[test]
fn complex_integer_literals_and_errors() {
    let decls = Declarations::parse("_Complex int f(_Complex int);").unwrap();
    let ty = decls.function("f").unwrap().signature.params()[0].clone();
    let mut strings = jitcall::literal::Strings::default();
    let v = jitcall::literal::parse_value("{3, -4}", &ty, &decls, &mut strings).unwrap();
    assert_eq!(v, complex(Value::Int(3), Value::Int(-4)));
    assert_eq!(jitcall::literal::format_value(&v, &ty), "{3, -4}");
    let e = Declarations::parse("void g(_Complex _Bool);").unwrap_err();
    assert!(e.message.contains("invalid combination"), "{e}");
}
