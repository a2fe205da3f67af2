//! Every kind of bad input the library takes gives its own clear error — never a panic,
//! never a call. (The command line's table is `every_error_exits_2_with_a_message` in
//! tests/cli_errors.rs: the same inputs through the CLI, with exit status 2 and a caret.)

use jitcall::literal::{Strings, parse_value};
use jitcall::{Callback, Declarations, Frame, Function, Library, Signature, Type, Value};

/// `(what, the error's text)` for one bad input.
fn errors() -> Vec<(&'static str, String)> {
    let libc = Library::this();
    let abs = libc.symbol("abs").unwrap();
    let int_int = Signature::new(Type::Int, [Type::Int]);
    let f = Function::new(abs, &int_int).unwrap();
    let decl_error = |text: &str| Declarations::parse(text).unwrap_err().to_string();
    let decls = Declarations::parse("struct s { int a; double b; };").unwrap();
    let literal_error = |text: &str, ty: &Type| {
        parse_value(text, ty, &decls, &mut Strings::default())
            .unwrap_err()
            .message
    };
    // SAFETY (calls below): every one is rejected before reaching abs.
    let call_error = |args: &[Value]| unsafe { f.call(args) }.unwrap_err().to_string();
    vec![
        ("unknown type", decl_error("foo f(int);")),
        ("syntax error", decl_error("int f(int;")),
        (
            "incomplete struct by value",
            decl_error("struct opaque; int f(struct opaque);"),
        ),
        (
            "bit-field too wide",
            decl_error("struct b { int x : 33; };"),
        ),
        (
            "vector of three lanes",
            decl_error("typedef float v3 __attribute__((vector_size(12)));"),
        ),
        ("too few arguments", call_error(&[])),
        (
            "too many arguments",
            call_error(&[Value::Int(1), Value::Int(2)]),
        ),
        ("value of the wrong kind", call_error(&[Value::Double(1.0)])),
        (
            "aggregate of the wrong shape",
            unsafe {
                Function::new(
                    abs,
                    &Signature::new(Type::Void, [Type::structure([Type::Int])]),
                )
                .unwrap()
                .call(&[Value::Struct(vec![])])
            }
            .unwrap_err()
            .to_string(),
        ),
        ("out-of-range literal", literal_error("300", &Type::UChar)),
        (
            "float literal for an integer",
            literal_error("1.5", &Type::Int),
        ),
        (
            "missing library",
            Library::open("libjitcall-nowhere.so.1")
                .unwrap_err()
                .to_string(),
        ),
        (
            "missing symbol",
            libc.function("jitcall_no_such_symbol", &int_int)
                .unwrap_err()
                .to_string(),
        ),
        (
            "null target",
            Function::new(std::ptr::null(), &int_int)
                .unwrap_err()
                .to_string(),
        ),
        (
            "variadic callback",
            match Callback::new(
                &Signature::variadic(Type::Int, [Type::Int], []),
                |_: &mut Frame| {},
            ) {
                Ok(_) => panic!("a variadic callback must be refused"),
                Err(e) => e.to_string(),
            },
        ),
        (
            "void parameter",
            Function::new(abs, &Signature::new(Type::Int, [Type::Void]))
                .unwrap_err()
                .to_string(),
        ),
        (
            "complex _Bool",
            Function::new(abs, &Signature::new(Type::Int, [Type::complex(Type::Bool)]))
                .unwrap_err()
                .to_string(),
        ),
        (
            "unpromoted variadic float",
            Function::new(
                abs,
                &Signature::variadic(Type::Int, [Type::Int], [Type::Float]),
            )
            .unwrap_err()
            .to_string(),
        ),
        (
            "bad alignment",
            Function::new(
                abs,
                &Signature::new(Type::Int, [Type::build_struct().aligned(3).finish()]),
            )
            .unwrap_err()
            .to_string(),
        ),
    ]
}

#[test]
fn every_bad_input_has_its_own_clear_error() {
    let errors = errors();
    // Each message names what is wrong...
    let expect = [
        ("unknown type", "unknown type name"),
        ("syntax error", "expected"),
        ("incomplete struct by value", "opaque"),
        ("bit-field too wide", "exceeds its type"),
        ("vector of three lanes", "not a power of two"),
        ("too few arguments", "expected 1 argument(s), got 0"),
        ("too many arguments", "expected 1 argument(s), got 2"),
        ("value of the wrong kind", "argument 0"),
        ("aggregate of the wrong shape", "1 members"),
        ("out-of-range literal", "300"),
        ("float literal for an integer", "does not truncate"),
        ("missing library", "libjitcall-nowhere.so.1"),
        ("missing symbol", "jitcall_no_such_symbol"),
        ("null target", "null"),
        ("variadic callback", "variadic"),
        ("void parameter", "void"),
        ("complex _Bool", "_Complex"),
        ("unpromoted variadic float", "promotes"),
        ("bad alignment", "power of two"),
    ];
    assert_eq!(errors.len(), expect.len());
    for ((what, message), (what2, needle)) in errors.iter().zip(expect) {
        assert_eq!(*what, what2);
        assert!(
            message.contains(needle),
            "{what}: `{message}` does not mention `{needle}`"
        );
        assert!(
            !message.is_empty() && message.len() < 400,
            "{what}: `{message}`"
        );
    }
    // ...and no two different mistakes read the same.
    for (i, (a, ma)) in errors.iter().enumerate() {
        for (b, mb) in &errors[i + 1..] {
            assert_ne!(ma, mb, "`{a}` and `{b}` give the same message");
        }
    }
}
