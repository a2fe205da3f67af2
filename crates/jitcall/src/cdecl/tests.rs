//! The declaration parser's unit tests: spellings, prototypes, layouts, constant
//! expressions, errors with their positions, and property tests that no input panics.

use super::scope::{BUILTIN_TYPEDEFS, Ordinary, builtin_typedef};
use super::*;

fn parse(text: &str) -> Declarations {
    match Declarations::parse(text) {
        Ok(d) => d,
        Err(e) => panic!("{}", e.render(text)),
    }
}

fn ty(text: &str) -> Type {
    let d = parse("");
    d.parse_type(text)
        .unwrap_or_else(|e| panic!("{}", e.render(text)))
}

fn error(text: &str) -> ParseError {
    match Declarations::parse(text) {
        Ok(d) => panic!("{text:?} parsed: {:?}", d.functions()),
        Err(e) => e,
    }
}

fn sig(text: &str) -> Signature {
    text.parse()
        .unwrap_or_else(|e: ParseError| panic!("{}", e.render(text)))
}

#[test]
fn scalar_spellings() {
    use Type::*;
    let table: &[(&str, Type)] = &[
        ("void", Void),
        ("char", Char),
        ("signed char", SChar),
        ("char signed", SChar),
        ("unsigned char", UChar),
        ("short", Short),
        ("short int", Short),
        ("signed short int", Short),
        ("int short", Short),
        ("unsigned short", UShort),
        ("short unsigned int", UShort),
        ("int", Int),
        ("signed", Int),
        ("signed int", Int),
        ("unsigned", UInt),
        ("unsigned int", UInt),
        ("long", Long),
        ("long int", Long),
        ("signed long", Long),
        ("unsigned long", ULong),
        ("long unsigned int", ULong),
        ("int long unsigned", ULong),
        ("long long", LongLong),
        ("long long int", LongLong),
        ("long int long", LongLong),
        ("unsigned long long", ULongLong),
        ("long long unsigned int", ULongLong),
        ("_Bool", Bool),
        ("bool", Bool),
        ("float", Float),
        ("double", Double),
        ("long double", LongDouble),
        ("double long", LongDouble),
        ("__int128", Int128),
        ("signed __int128", Int128),
        ("__int128_t", Int128),
        ("unsigned __int128", UInt128),
        ("__int128 unsigned", UInt128),
        ("__uint128_t", UInt128),
        ("float _Complex", Type::complex(Float)),
        ("double _Complex", Type::complex(Double)),
        ("_Complex double", Type::complex(Double)),
        ("long double _Complex", Type::complex(LongDouble)),
        ("_Complex long double", Type::complex(LongDouble)),
        ("_Float16", Float16),
        ("_Float128", Float128),
        ("__float128", Float128),
        ("const volatile unsigned", UInt),
        ("int8_t", SChar),
        ("uint8_t", UChar),
        ("int16_t", Short),
        ("uint16_t", UShort),
        ("int32_t", Int),
        ("uint32_t", UInt),
        ("int64_t", Long),
        ("uint64_t", ULong),
        ("size_t", ULong),
        ("ssize_t", Long),
        ("intptr_t", Long),
        ("uintptr_t", ULong),
        ("ptrdiff_t", Long),
        ("wchar_t", Int),
        ("off_t", Long),
        ("char *", Pointer),
        ("FILE *", Pointer),
        ("const char *const", Pointer),
        ("int (*)(int, double)", Pointer),
        ("int (*)[3]", Pointer),
        ("int[3]", Type::array(Int, 3)),
        ("int[2][3]", Type::array(Type::array(Int, 3), 2)),
        ("char *[4]", Type::array(Pointer, 4)),
    ];
    for (text, want) in table {
        assert_eq!(&ty(text), want, "{text}");
    }
}

#[test]
fn bad_spellings() {
    let d = parse("");
    for (text, message) in [
        ("unsigned float", "invalid combination of type specifiers"),
        ("long long long", "'long long long' is too long"),
        ("short long", "invalid combination of type specifiers"),
        (
            "signed unsigned",
            "both 'signed' and 'unsigned' in one type",
        ),
        ("int int", "duplicate 'int'"),
        ("long float", "invalid combination of type specifiers"),
        ("_Bool _Complex", "invalid combination of type specifiers"),
        ("complex", "unknown type name 'complex'"),
        (
            "double complex",
            "expected the end of the type but found 'complex'",
        ),
        ("FILE", "cannot use incomplete type 'FILE' here"),
        (
            "struct nowhere",
            "cannot use incomplete type 'struct nowhere' here",
        ),
        ("int (int)", "cannot use function type here"),
        ("_Float128x", "unsupported: type '_Float128x'"),
        ("_Decimal64", "unsupported: type '_Decimal64'"),
        (
            "_BitInt(1)",
            "signed _BitInt must have a bit size of at least 2",
        ),
        (
            "unsigned _BitInt(0)",
            "unsigned _BitInt must have a bit size of at least 1",
        ),
        (
            "_BitInt(8388609)",
            "signed _BitInt of bit sizes greater than 8388608 not supported",
        ),
        (
            "long _BitInt(7)",
            "two or more data types in declaration specifiers",
        ),
        (
            "_BitInt(7) int",
            "two or more data types in declaration specifiers",
        ),
        (
            "_Complex _BitInt(7)",
            "unsupported: type '_Complex _BitInt(7)'",
        ),
        ("_Atomic int", "unsupported: _Atomic types"),
        ("", "expected a type but found end of input"),
    ] {
        let e = d.parse_type(text).expect_err(text);
        assert_eq!(e.message, message, "{text}");
    }
}

#[test]
fn bitint_widths_and_signedness() {
    let bitint = |bits, signed| Type::BitInt { bits, signed };
    assert_eq!(ty("_BitInt(7)"), bitint(7, true));
    assert_eq!(ty("signed _BitInt(2)"), bitint(2, true));
    assert_eq!(ty("unsigned _BitInt(1)"), bitint(1, false));
    assert_eq!(ty("_BitInt(64) unsigned const"), bitint(64, false));
    assert_eq!(ty("_BitInt(8 * 16 + 1)"), bitint(129, true));
    assert_eq!(ty("unsigned _BitInt(8388608)"), bitint(8_388_608, false));
    assert_eq!(
        sig("typedef unsigned _BitInt(100) u100; u100 f(_BitInt(7), u100);"),
        Signature::new(bitint(100, false), [bitint(7, true), bitint(100, false)])
    );
}

#[test]
fn from_str_takes_the_last_prototype() {
    assert_eq!(
        sig("double pow(double, double)"),
        Signature::new(Type::Double, [Type::Double, Type::Double])
    );
    assert_eq!(
        sig("int abs(int); long labs(long x);"),
        Signature::new(Type::Long, [Type::Long])
    );
    assert_eq!(
        sig("int printf(const char *, ...);"),
        Signature::variadic(Type::Int, [Type::Pointer], [])
    );
    assert_eq!(sig("void f(void);"), Signature::new(Type::Void, []));
    assert_eq!(sig("void f();"), Signature::new(Type::Void, []));
    let e = "typedef int t;".parse::<Signature>().unwrap_err();
    assert_eq!((e.line, e.column), (1, 15));
    assert_eq!(e.message, "expected a function prototype");
}

#[test]
fn prototypes() {
    let d = parse(
        "#include <stdio.h>
             /* a comment */ // and another
             char *strcpy(char *restrict dst, const char *restrict src);
             int qsort_r(void *base, size_t n, size_t size,
                         int (*cmp)(const void *, const void *, void *), void *arg);
             void (*signal(int sig, void (*handler)(int)))(int);
             unsigned char *bytes(signed char *s, unsigned char u[], int a[10][20], char **argv);
             int fprintf(FILE *stream, const char *format, ...) __attribute__((nonnull(1)));
             extern inline __attribute__((always_inline)) int g(int f(double));
             __extension__ long long h(long x) __asm__(\"h_v2\");
             _Noreturn void die(void) __attribute__((noreturn));",
    );
    let names: Vec<&str> = d.functions().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "strcpy", "qsort_r", "signal", "bytes", "fprintf", "g", "h", "die"
        ]
    );
    let strcpy = d.function("strcpy").unwrap();
    assert!(strcpy.ret_is_c_string);
    assert_eq!(strcpy.params_c_string, [true, true]);
    assert_eq!(
        strcpy.param_names,
        [Some("dst".to_string()), Some("src".to_string())]
    );
    let qsort = d.function("qsort_r").unwrap();
    assert_eq!(
        qsort.signature,
        Signature::new(
            Type::Int,
            [
                Type::Pointer,
                Type::ULong,
                Type::ULong,
                Type::Pointer,
                Type::Pointer
            ]
        )
    );
    let signal = d.function("signal").unwrap();
    assert_eq!(
        signal.signature,
        Signature::new(Type::Pointer, [Type::Int, Type::Pointer])
    );
    assert!(!signal.ret_is_c_string);
    let bytes = d.function("bytes").unwrap();
    assert!(bytes.ret_is_c_string);
    assert_eq!(bytes.params_c_string, [true, true, false, false]);
    assert_eq!(bytes.signature.params(), vec![Type::Pointer; 4]);
    let fprintf = d.function("fprintf").unwrap();
    assert!(fprintf.signature.is_variadic());
    assert_eq!(fprintf.signature.fixed_count(), 2);
    assert_eq!(
        d.function("g").unwrap().signature,
        Signature::new(Type::Int, [Type::Pointer])
    );
    assert_eq!(
        d.function("h").unwrap().signature,
        Signature::new(Type::LongLong, [Type::Long])
    );
    assert_eq!(d.last_function().unwrap().name, "die");
}

#[test]
fn structs_typedefs_and_enums() {
    let d = parse(
        "struct point { int x, y; };
             typedef struct point point_t;
             typedef struct { double re, im; } cplx;
             typedef int (*cmp_fn)(const void *, const void *);
             typedef int handler_fn(int);
             typedef char name_t[16];
             enum color { RED, GREEN = 5, BLUE };
             struct shape {
                 enum color color;
                 struct point corners[4];
                 union { int i; float f; } tag;
                 char *names[2];
                 int *(*table)[3];
                 cmp_fn cmp;
                 name_t name;
                 struct { short a; } ;
             };
             handler_fn on_signal;
             point_t move(point_t p, cplx by, struct shape *s);",
    );
    let point = Type::build_struct()
        .tag("point")
        .field("x", Type::Int)
        .field("y", Type::Int)
        .finish();
    assert_eq!(d.tagged("struct point"), Some(&point));
    assert_eq!(d.typedef("point_t"), Some(&point));
    assert_eq!(d.typedef("cmp_fn"), Some(&Type::Pointer));
    assert_eq!(d.typedef("handler_fn"), None);
    assert_eq!(d.typedef("name_t"), Some(&Type::array(Type::Char, 16)));
    assert_eq!(d.typedef("size_t"), Some(&Type::ULong));
    assert_eq!(d.typedef("nothing"), None);
    assert_eq!(d.tagged("enum color"), Some(&Type::UInt));
    assert_eq!(d.tagged("union point"), None);
    assert_eq!(d.tagged("struct"), None);
    let shape = d.tagged("struct shape").unwrap();
    let Type::Struct(agg) = shape else {
        panic!("{shape:?}")
    };
    let fields: Vec<(Option<&str>, &Type)> = agg
        .fields
        .iter()
        .map(|f| (f.name.as_deref(), &f.ty))
        .collect();
    assert_eq!(fields[0], (Some("color"), &Type::UInt));
    assert_eq!(fields[1], (Some("corners"), &Type::array(point.clone(), 4)));
    assert_eq!(fields[3], (Some("names"), &Type::array(Type::Pointer, 2)));
    assert_eq!(fields[4], (Some("table"), &Type::Pointer));
    assert_eq!(fields[5], (Some("cmp"), &Type::Pointer));
    assert_eq!(fields[6], (Some("name"), &Type::array(Type::Char, 16)));
    assert_eq!(fields[7].0, None);
    let on_signal = d.function("on_signal").unwrap();
    assert_eq!(on_signal.signature, Signature::new(Type::Int, [Type::Int]));
    let cplx = d.typedef("cplx").unwrap().clone();
    assert_eq!(
        d.last_function().unwrap().signature,
        Signature::new(
            point,
            [d.typedef("point_t").unwrap().clone(), cplx, Type::Pointer]
        )
    );
    let names: Vec<String> = d.aggregates().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "struct point",
            "cplx",
            "union (anonymous at line 11, column 18)",
            "struct (anonymous at line 16, column 18)",
            "struct shape"
        ]
    );
}

#[test]
fn enum_sizes_follow_gcc() {
    for (body, want) in [
        ("A, B", Type::UInt),
        ("A = -1, B", Type::Int),
        ("A = 0x7fffffff", Type::UInt),
        ("A = 0xffffffff", Type::UInt),
        ("A = 0x100000000", Type::ULong),
        ("A = -1, B = 0x80000000", Type::Long),
        ("A = -2147483648", Type::Int),
        ("A = -2147483649", Type::Long),
        ("A = 0xffffffffffffffff", Type::ULong),
        ("A = 1 << 3, B = A * 2, C = (B > 10 ? -B : B)", Type::Int),
        ("A = 'a', B = '\\n', C = sizeof(long double)", Type::UInt),
    ] {
        let d = parse(&format!("enum e {{ {body} }};"));
        assert_eq!(d.tagged("enum e"), Some(&want), "{body}");
    }
    let d = parse("enum small : unsigned char { X = 255 };");
    assert_eq!(d.tagged("enum small"), Some(&Type::UChar));
    let e = error("enum e { A = -1, B = 0xffffffffffffffff };");
    assert_eq!(e.message, "enumerator values do not fit one integer type");
    assert_eq!(error("enum e { };").message, "empty enum");
    assert_eq!(
        error("enum __attribute__((packed)) e { A };").message,
        "unsupported: packed enums"
    );
    assert_eq!(
        error("enum e { A } __attribute__((packed));").message,
        "unsupported: packed enums"
    );
    assert_eq!(
        error("enum e { A, A };").message,
        "redefinition of enumerator 'A'"
    );
}

#[test]
fn constant_expressions() {
    let cases: &[(&str, i128)] = &[
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("1 << 4 >> 2", 4),
        ("100 / 7 % 5", 4),
        ("-7 / 2", -3),
        ("-7 % 2", -1),
        ("~0", -1),
        ("~0U", 0xffff_ffff),
        ("-1U", 0xffff_ffff),
        ("-1UL", 0xffff_ffff_ffff_ffff),
        ("(unsigned char)-1", 255),
        ("(char)200", -56),
        ("(_Bool)7", 1),
        ("(long)1 << 40", 1 << 40),
        ("0x10 | 010 | 0b1", 25),
        ("-1 < 0U", 0),
        ("-1L < 0U", 1),
        ("1 ? 2 : 3", 2),
        ("0 ?: 5", 5),
        ("0 && 1 / 0", 0),
        ("1 || 1 / 0", 1),
        ("0 ? 1 / 0 : 4", 4),
        ("!5 + !0", 1),
        ("'A'", 65),
        ("'\\xff'", -1),
        ("'\\0'", 0),
        ("L'\\x263a'", 0x263a),
        ("sizeof(struct { char c; double d; })", 16),
        ("_Alignof(long double)", 16),
        ("sizeof(int[3][4])", 48),
        ("sizeof(char *) * 2", 16),
        ("0xffffffffffffffffUL * 3", 0xffff_ffff_ffff_fffd),
        ("0xffffffffffffffffUL << 63", 1 << 63),
        ("18446744073709551615", 0xffff_ffff_ffff_ffff),
    ];
    for (expr, want) in cases {
        let d = parse(&format!("enum {{ V = {expr} }};"));
        let Some(Ordinary::Constant(v)) = d.scope.ordinary.get("V") else {
            panic!("{expr}")
        };
        assert_eq!(v.value, *want, "{expr}");
    }
    for (expr, message) in [
        ("1 / 0", "division by zero"),
        ("2147483647 + 1", "integer overflow in constant expression"),
        ("1 << 32", "shift count out of range"),
        ("1 << -1", "shift count out of range"),
        ("x", "'x' is not an integer constant"),
        (
            "1.5",
            "floating constant '1.5' in an integer constant expression",
        ),
        (
            "1e3",
            "floating constant '1e3' in an integer constant expression",
        ),
        ("0x", "hexadecimal constant '0x' has no digits"),
        ("08", "invalid digit '8' in octal constant"),
        ("12abc", "invalid suffix 'abc' on integer constant"),
        (
            "99999999999999999999",
            "integer constant '99999999999999999999' is too large",
        ),
        ("'ab'", "multi-character character constant 'ab'"),
        (
            "sizeof 1",
            "unsupported: sizeof of an expression (give a type)",
        ),
        (
            "sizeof(struct nope)",
            "invalid application of 'sizeof' to incomplete type 'struct nope'",
        ),
        (
            "(float)1",
            "cast to non-integer type 'float' in an integer constant",
        ),
        ("(1", "expected ')' but found '}'"),
    ] {
        let e = error(&format!("enum {{ V = {expr} }};"));
        assert_eq!(e.message, message, "{expr}");
    }
}

#[test]
fn arrays_in_structs() {
    let d = parse(
        "enum { N = 4 };
             struct s { char a[N * 2 + 1]; int m[2][3]; long c[sizeof(int) << 1]; int tail[]; };",
    );
    let Some(Type::Struct(agg)) = d.tagged("struct s") else {
        panic!()
    };
    let types: Vec<&Type> = agg.fields.iter().map(|f| &f.ty).collect();
    assert_eq!(
        types,
        [
            &Type::array(Type::Char, 9),
            &Type::array(Type::array(Type::Int, 3), 2),
            &Type::array(Type::Long, 8),
            &Type::array(Type::Int, 0),
        ]
    );
    assert_eq!(
        error("struct s { int a[-1]; };").message,
        "size of array is negative"
    );
    assert_eq!(
        error("struct s { int a[]; int b; };").message,
        "field 'a' has incomplete array type"
    );
}

#[test]
fn layout_attributes() {
    let d = parse(
        "struct __attribute__((packed)) p { char c; int i; };
             struct q { char c; int i; } __attribute__((__packed__, aligned(8)));
             struct r { char c; _Alignas(16) int i; int j __attribute__((aligned)); };
             struct t { char c; _Alignas(double) char d; _Alignas(0) char e; };",
    );
    let p = d.tagged("struct p").unwrap();
    assert_eq!(p.layout().unwrap().size, 5);
    let q = d.tagged("struct q").unwrap();
    assert_eq!(
        (q.layout().unwrap().size, q.layout().unwrap().align),
        (8, 8)
    );
    let r = d.tagged("struct r").unwrap();
    assert_eq!(r.field_offsets().unwrap().unwrap(), [0, 16, 32]);
    let t = d.tagged("struct t").unwrap();
    assert_eq!(t.field_offsets().unwrap().unwrap(), [0, 8, 9]);
    assert_eq!(
        error("struct s { int x __attribute__((aligned(3))); };").message,
        "requested alignment 3 is not a positive power of 2"
    );
    // An aligned typedef keeps its size and places members by its alignment (gcc).
    let d = parse(
        "typedef int aligned_int __attribute__((aligned(8)));
         typedef struct { char c[3]; } three __attribute__((aligned(8)));
         struct s { char c; aligned_int i; three t; };",
    );
    let s = d.tagged("struct s").unwrap();
    assert_eq!(s.field_offsets().unwrap().unwrap(), [0, 8, 16]);
    assert_eq!(s.layout().unwrap().size, 24);
    assert_eq!(d.typedef("aligned_int"), Some(&Type::Int));
    assert_eq!(
        error("typedef long l4 __attribute__((aligned(4))); struct s { char c; l4 x; };").message,
        "unsupported: field 'x' has a typedef that lowers its alignment"
    );
    assert_eq!(
        error("struct s { char c; int x __attribute__((packed)); };").message,
        "unsupported: packed attribute on the single field 'x'"
    );
    // Packed members of a packed struct, or of alignment 1, change nothing.
    parse("struct s { char c; char x __attribute__((packed)); };");
    parse("struct __attribute__((packed)) s { char c; int x __attribute__((packed)); };");
}

#[test]
fn unsupported_shapes() {
    for (text, message) in [
        (
            "typedef int i8 __attribute__((aligned(8))); struct s { i8 x : 3; };",
            "unsupported: bit-field 'x' has a type with an alignment attribute",
        ),
        (
            "typedef int v4si __attribute__((mode(V4SI)));",
            "unsupported: the mode attribute: a mode jitcall cannot represent (a vector or decimal mode)",
        ),
        ("void f(_Atomic int *p);", "unsupported: _Atomic types"),
        ("void f(int * _Atomic p);", "unsupported: _Atomic types"),
        (
            "int f(int) __attribute__((ms_abi));",
            "unsupported: the ms_abi calling convention",
        ),
        ("__typeof__(1) x;", "unsupported: typeof of an expression"),
    ] {
        assert_eq!(error(text).message, message, "{text}");
    }
}

#[test]
fn incomplete_types() {
    // Fine through pointers, and once completed, by value too.
    parse("struct s; void f(struct s *p); struct s *g(void);");
    parse("struct s; void f(struct s x); struct s { int a; };");
    let e = error("struct s;\nvoid f(int a, struct s x);");
    assert_eq!(
        (e.line, e.column, e.message.as_str()),
        (2, 24, "parameter 'x' of 'f' has incomplete type 'struct s'")
    );
    let e = error("struct s;\nstruct s g(void);");
    assert_eq!(e.message, "function 'g' returns incomplete type 'struct s'");
    let e = error("void f(FILE f);");
    assert_eq!(e.message, "parameter 'f' of 'f' has incomplete type 'FILE'");
    let e = error("struct s { struct s inner; };");
    assert_eq!(e.message, "field 'inner' has incomplete type 'struct s'");
    let e = error("struct s { void v; };");
    assert_eq!(e.message, "field 'v' has type 'void'");
    let e = error("struct s { int f(void); };");
    assert_eq!(e.message, "field 'f' declared as a function");
    let e = error("void f(void x);");
    assert_eq!(e.message, "'void' must be the only parameter, and unnamed");
    let e = error("void f(int, void);");
    assert_eq!(e.message, "'void' must be the only parameter, and unnamed");
}

#[test]
fn redefinitions() {
    for (text, message) in [
        (
            "struct s { int a; }; struct s { int a; };",
            "redefinition of 'struct s'",
        ),
        (
            "struct s { int a; }; union s *p;",
            "'s' defined as wrong kind of tag",
        ),
        (
            "typedef int t; typedef long t;",
            "conflicting types for typedef 't'",
        ),
        ("int f(int); long f(int);", "conflicting types for 'f'"),
        (
            "typedef int t; int t(void);",
            "'t' redeclared as a different kind of symbol",
        ),
        ("struct s { int a; char a; };", "duplicate member 'a'"),
        ("int f(int x, int x);", "redefinition of parameter 'x'"),
    ] {
        assert_eq!(error(text).message, message, "{text}");
    }
    // Compatible redeclarations are fine; the later one names the parameters.
    let d = parse("typedef int t; typedef int t; int f(int); int g(void); int f(int n);");
    assert_eq!(
        d.function("f").unwrap().param_names,
        [Some("n".to_string())]
    );
    assert_eq!(d.last_function().unwrap().name, "f");
    assert_eq!(d.functions().len(), 2);
    // Users may redefine the built-in typedefs.
    let d = parse("typedef unsigned long long uint64_t; uint64_t f(void);");
    assert_eq!(d.function("f").unwrap().signature.ret(), &Type::ULongLong);
}

#[test]
fn errors_carry_positions() {
    let e = error("int f(void);\n\n  void g(foo x);");
    assert_eq!((e.line, e.column, e.length), (3, 10, 3));
    assert_eq!(e.message, "unknown type name 'foo'");
    assert_eq!(e.to_string(), "line 3, column 10: unknown type name 'foo'");

    let e = error("int f(int x y);");
    assert_eq!((e.line, e.column), (1, 13));
    assert_eq!(e.message, "expected ')' but found 'y'");

    let e = error("int f(int x");
    assert_eq!(e.message, "expected ')' but found end of input");

    let e = error("int é;");
    assert_eq!((e.line, e.column), (1, 5));
    assert_eq!(e.message, "unexpected character 'é'");

    let e = error("/* never\n closed");
    assert_eq!(
        (e.line, e.column, e.message.as_str()),
        (1, 1, "unterminated comment")
    );

    let e = error("int f(void) { return 0; }");
    assert_eq!(e.column, 13);
    assert!(
        e.message
            .starts_with("function definitions are not supported")
    );

    let e = error("int x = 3;");
    assert_eq!(
        e.message,
        "expected ';' (initializers are not supported) but found '='"
    );

    let e = error("_Static_assert(sizeof(int) == 8, \"int is \" \"8 bytes\");");
    assert_eq!(e.message, "static assertion failed: int is 8 bytes");
    parse("_Static_assert(sizeof(long) == 8, \"LP64\"); struct s { _Static_assert(1); };");
}

#[test]
fn render_points_at_the_token() {
    let src = "int f(void);\n\tvoid g(int, foo *x);\nint h(void);";
    let e = error(src);
    assert_eq!(
        e.render(src),
        "line 2, column 14: unknown type name 'foo'\n  2 | \tvoid g(int, foo *x);\n    | \t            ^~~"
    );
    // At the end of input the caret sits just past the last character.
    let src = "int f(int";
    assert_eq!(
        error(src).render(src),
        "line 1, column 10: expected ')' but found end of input\n  1 | int f(int\n    |          ^"
    );
    // A source without the error's line still renders the message.
    let e = error("int f(void);\nint g(nope);");
    assert_eq!(e.render(""), "line 2, column 7: unknown type name 'nope'");
}

#[test]
fn preprocessor_and_comments() {
    let d = parse(
        "#include <stdio.h>\n#define LONG_MACRO(x) \\\n   ((x) + 1)\n  # pragma once\n\
             int /* inline */ f(int a, // trailing\n int b);\n#if 0\n#endif\n",
    );
    assert_eq!(
        d.function("f").unwrap().signature,
        Signature::new(Type::Int, [Type::Int, Type::Int])
    );
}

#[test]
fn parse_type_uses_the_declarations() {
    let d = parse("typedef struct { int a; char b; } pair; struct s { long x; }; enum e { A };");
    assert_eq!(
        d.parse_type("pair").unwrap(),
        d.typedef("pair").unwrap().clone()
    );
    assert_eq!(
        &d.parse_type("struct s").unwrap(),
        d.tagged("struct s").unwrap()
    );
    assert_eq!(d.parse_type("enum e").unwrap(), Type::UInt);
    assert_eq!(d.parse_type(" const pair * ").unwrap(), Type::Pointer);
    assert_eq!(d.parse_type("long").unwrap(), Type::Long);
    // A struct defined inside a type name does not leak into the declarations.
    d.parse_type("struct fresh { int z; }").unwrap();
    assert_eq!(d.tagged("struct fresh"), None);
    let e = d.parse_type("long x").unwrap_err();
    assert_eq!(e.message, "expected the end of the type but found 'x'");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let cases = [
        format!("int {}x{};", "(".repeat(depth), ")".repeat(depth)),
        format!("struct s {{ int a{}; }};", "[1]".repeat(depth)),
        format!("{} int x; {};", "struct {".repeat(depth), "}".repeat(depth)),
        format!(
            "enum {{ A = {}1{} }};",
            "(".repeat(depth),
            ")".repeat(depth)
        ),
        format!("enum {{ A = {}1 }};", "- ".repeat(depth)),
        format!("enum {{ A = {}1 }};", "1 ? 2 : ".repeat(depth)),
        format!(
            "void f({} int{});",
            "void (*)(".repeat(depth),
            ")".repeat(depth)
        ),
    ];
    for text in &cases {
        let e = Declarations::parse(text).expect_err(text.get(..40).unwrap_or(""));
        assert!(e.message.contains("too deep"), "{e}");
    }
    // Left-associative chains do not nest either.
    let sum = parse(&format!(
        "struct s {{ char c[{}1]; }};",
        "1 + ".repeat(depth)
    ));
    let size = sum.tagged("struct s").unwrap().layout().unwrap().size;
    assert_eq!(size, depth as u64 + 1);
    // Pointers do not nest: any number is fine.
    let stars = parse(&format!("int {}p(void);", "*".repeat(depth)));
    assert_eq!(stars.function("p").unwrap().signature.ret(), &Type::Pointer);
    // Typedef chains deepen types without nesting the text.
    let mut chain = String::from("typedef int t0[1];");
    for i in 1..400 {
        chain.push_str(&format!("typedef t{} t{i}[1];", i - 1));
    }
    assert_eq!(error(&chain).message, "type nested too deeply");
    let mut chain = String::from("struct s0 { int x; };");
    for i in 1..400 {
        chain.push_str(&format!("struct s{i} {{ struct s{} x; }};", i - 1));
    }
    assert_eq!(error(&chain).message, "type nested too deeply");
    // Just under the limit works; at it, an error.
    let text = format!("int {}x{};", "(".repeat(95), ")".repeat(95));
    parse(&text);
    // The C standard's translation limits (C11 5.2.4.1) fit, each on its own: 63
    // nested struct definitions (two levels each), 63 parenthesized declarators, 63
    // parenthesized expressions (two levels each: conditional, then unary).
    let text = format!(
        "struct s {{ {} int (x); {} }};",
        "struct {".repeat(62),
        "} m;".repeat(62)
    );
    assert_eq!(
        parse(&text)
            .tagged("struct s")
            .unwrap()
            .layout()
            .unwrap()
            .size,
        4
    );
    parse(&format!("int {}x{};", "(".repeat(63), ")".repeat(63)));
    parse(&format!("int x[{}1{}];", "(".repeat(63), ")".repeat(63)));
    let text = format!(
        "int {}x{};",
        "(".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    assert!(error(&text).message.contains("too deep"));
}

#[test]
fn every_builtin_typedef_resolves() {
    let d = parse("");
    for &name in BUILTIN_TYPEDEFS {
        assert!(builtin_typedef(name).is_some(), "{name}");
        assert_eq!(d.typedef(name).is_some(), name != "FILE", "{name}");
    }
    assert_eq!(d.typedef("va_list").unwrap().layout().unwrap().size, 24);
    let f = parse("int vprintf(const char *fmt, va_list ap);");
    assert_eq!(
        f.last_function().unwrap().signature,
        Signature::new(Type::Int, [Type::Pointer, Type::Pointer])
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const VOCABULARY: &[&str] = &[
        "int",
        "char",
        "long",
        "unsigned",
        "signed",
        "short",
        "double",
        "float",
        "void",
        "_Bool",
        "_Complex",
        "__int128",
        "struct",
        "union",
        "enum",
        "typedef",
        "const",
        "static",
        "extern",
        "__attribute__",
        "((",
        "))",
        "packed",
        "aligned",
        "_Alignas",
        "sizeof",
        "_Alignof",
        "_Static_assert",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ";",
        ",",
        "*",
        "...",
        ":",
        "=",
        "?",
        "+",
        "-",
        "<<",
        ">>",
        "~",
        "!",
        "&&",
        "||",
        "/",
        "%",
        "0",
        "1",
        "8",
        "-1",
        "0x7fffffff",
        "0xffffffffffffffff",
        "1e3",
        "'a'",
        "\"s\"",
        "x",
        "y",
        "s",
        "t",
        "size_t",
        "FILE",
        "va_list",
        "__asm__",
        "#include <x>\n",
        "/*",
        "*/",
        "//",
        "\n",
        "__extension__",
        "restrict",
        "_Atomic",
        "bool",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,200}") {
            let _ = Declarations::parse(&text);
            let _ = text.parse::<Signature>();
            let _ = Declarations::parse("").and_then(|d| d.parse_type(&text));
        }

        #[test]
        fn token_soup_never_panics(
            words in proptest::collection::vec(proptest::sample::select(VOCABULARY), 0..60)
        ) {
            let text = words.join(" ");
            if let Err(e) = Declarations::parse(&text) {
                prop_assert!(e.line >= 1 && e.column >= 1);
                let _ = e.render(&text);
            }
            let d = Declarations::parse("typedef struct { int a; } t; enum { x = 3 };");
            let _ = d.map(|d| d.parse_type(&text));
        }

        #[test]
        fn declaration_shaped_soup_never_panics(
            words in proptest::collection::vec(proptest::sample::select(VOCABULARY), 0..40)
        ) {
            // Inside a struct body and a parameter list, where most rules live.
            let soup = words.join(" ");
            let _ = Declarations::parse(&format!("struct q {{ {soup} }};"));
            let _ = Declarations::parse(&format!("int f({soup});"));
            let _ = Declarations::parse(&format!("enum {{ A = {soup} }};"));
        }
    }
}

#[test]
fn mode_attributes() {
    let d = parse(
        "typedef int qi __attribute__((__mode__(__QI__)));
         typedef unsigned int __attribute__((mode(HI))) uhi;
         typedef int word __attribute__((__mode__(__word__)));
         typedef unsigned ti __attribute__((mode(TI)));
         typedef float df __attribute__((mode(DF)));
         typedef float xf __attribute__((mode(XF)));
         typedef float hf __attribute__((mode(HF)));
         typedef double tf __attribute__((mode(TF)));
         typedef _Complex float dc __attribute__((mode(DC)));",
    );
    for (name, ty) in [
        ("qi", Type::SChar),
        ("uhi", Type::UShort),
        ("word", Type::Long),
        ("ti", Type::UInt128),
        ("df", Type::Double),
        ("xf", Type::LongDouble),
        ("hf", Type::Float16),
        ("tf", Type::Float128),
        ("dc", Type::complex(Type::Double)),
    ] {
        assert_eq!(d.typedef(name), Some(&ty), "{name}");
    }
}

#[test]
fn typeof_and_standard_attributes() {
    let d = parse(
        "int f(long); typeof(f) g; __typeof__(unsigned long) h(void);
         [[nodiscard]] int k [[gnu::unused]] (int);",
    );
    assert_eq!(d.function("g").unwrap().signature, sig("int g(long)"));
    assert_eq!(d.function("h").unwrap().signature.ret(), &Type::ULong);
    assert!(d.function("k").is_some());
}

fn headers(text: &str) -> Declarations {
    Declarations::parse_preprocessed(text).unwrap_or_else(|e| panic!("{}", e.render(text)))
}

#[test]
fn asm_labels_are_symbols() {
    let d = parse("int sscanf(const char *, const char *, ...) __asm__(\"\" \"__isoc99_sscanf\");");
    let f = d.function("sscanf").unwrap();
    assert_eq!(
        (f.name.as_str(), f.symbol.as_str()),
        ("sscanf", "__isoc99_sscanf")
    );
    assert_eq!(parse("int f(void);").function("f").unwrap().symbol, "f");
    let d = headers(
        "extern int sscanf (const char *__restrict __s, const char *__restrict __format, ...)
             __asm__ (\"\" \"__isoc99_sscanf\") __attribute__ ((__nothrow__ , __leaf__));",
    );
    let entry = &d.function_entries()[0];
    assert_eq!(entry.symbol, "__isoc99_sscanf");
    assert_eq!(
        entry.declaration,
        "int sscanf(const char *restrict, const char *restrict, ...)"
    );
}

#[test]
fn unsupported_declarations_poison_only_their_users() {
    let text = "# 1 \"/usr/include/demo.h\"
typedef float v4sf __attribute__((mode(V4SF)));
struct flags { char a; int b __attribute__((packed)); };
typedef struct flags flags_t;
_Decimal64 q(_Decimal64);
v4sf vadd(v4sf, v4sf);
int takes_flags(flags_t);
int takes_flags_pointer(flags_t *);
static inline int twice(int x) { return 2 * x; }
static int hidden(void);
extern inline int gnu_inline(int x) { return x; }
int __attribute__((ms_abi)) win(int);
typedef struct { long x; } __attribute__((__transparent_union__)) tu;
int bad(int x = 3;
struct after { int x; };
int fine(struct after, double);
static const int table[] = { 1, 2, 3 }, also = 4;
";
    let d = headers(text);
    let callable: Vec<&str> = d.functions().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(callable, ["takes_flags_pointer", "gnu_inline", "fine"]);
    let reason = |name: &str| match d.find_function(name) {
        Err(LookupError::Unsupported {
            reason, location, ..
        }) => format!("{location}: {reason}"),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(
        reason("q"),
        "/usr/include/demo.h:4: function 'q' returns unsupported type '_Decimal64'"
    );
    assert_eq!(
        reason("vadd"),
        "/usr/include/demo.h:5: function 'vadd' returns unsupported the mode attribute: a mode \
         jitcall cannot represent (a vector or decimal mode)"
    );
    assert_eq!(
        reason("takes_flags"),
        "/usr/include/demo.h:6: parameter 1 of 'takes_flags' has unsupported type \
         'struct flags' (packed attribute on the single field 'b')"
    );
    assert_eq!(
        reason("twice"),
        "/usr/include/demo.h:8: static inline function: it has no symbol to call"
    );
    assert_eq!(
        reason("hidden"),
        "/usr/include/demo.h:9: static function: it has no symbol to call"
    );
    assert_eq!(
        reason("win"),
        "/usr/include/demo.h:11: unsupported: the ms_abi calling convention"
    );
    assert!(reason("bad").starts_with("/usr/include/demo.h:13: expected"));
    assert_eq!(
        d.find_function("nothing"),
        Err(LookupError::NotDeclared("nothing".to_string()))
    );
    let types: Vec<(String, String, Result<u64, String>)> = d
        .types()
        .into_iter()
        .map(|t| (t.name, t.location.to_string(), t.layout.map(|l| l.size)))
        .collect();
    let loc = |line: usize| format!("/usr/include/demo.h:{line}");
    assert_eq!(
        types,
        [
            (
                "v4sf".to_string(),
                loc(1),
                Err(
                    "unsupported the mode attribute: a mode jitcall cannot represent (a vector \
                     or decimal mode)"
                        .to_string()
                )
            ),
            (
                "struct flags".to_string(),
                loc(2),
                Err("packed attribute on the single field 'b'".to_string())
            ),
            (
                "flags_t".to_string(),
                loc(3),
                Err(
                    "unsupported type 'struct flags' (packed attribute on the single field 'b')"
                        .to_string()
                )
            ),
            (
                "tu".to_string(),
                loc(12),
                Err("unsupported type 'tu' (transparent unions)".to_string())
            ),
            ("struct after".to_string(), loc(14), Ok(4)),
        ]
    );
    // Strict parsing still refuses what tolerant parsing keeps.
    assert!(Declarations::parse(text).is_err());
}

#[test]
fn type_entries_flatten_anonymous_members() {
    let d = headers(
        "typedef struct { char c; union { int i; double d; }; struct { short s; } named; } t;",
    );
    let t = &d.types()[0];
    assert_eq!(t.name, "t");
    let layout = t.layout.as_ref().unwrap();
    assert_eq!((layout.size, layout.align), (24, 8));
    let fields: Vec<(&str, u64, u64)> = layout
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.offset, f.size))
        .collect();
    assert_eq!(
        fields,
        [("c", 0, 1), ("i", 8, 4), ("d", 8, 8), ("named", 16, 2)]
    );
}

#[test]
fn line_markers_locate_declarations() {
    let d = headers(
        "# 1 \"<stdin>\"\n# 1 \"/usr/include/a.h\" 1 3 4\n\nint a(void);\n# 7 \"/usr/include/b.h\" 1\nint b(void);\n\n\nint c(void);\n# 5 \"/usr/include/a.h\" 2\nint d(void);\n",
    );
    let places: Vec<String> = d
        .function_entries()
        .iter()
        .map(|f| format!("{} {}", f.name, f.location))
        .collect();
    assert_eq!(
        places,
        [
            "a /usr/include/a.h:2",
            "b /usr/include/b.h:7",
            "c /usr/include/b.h:10",
            "d /usr/include/a.h:5"
        ]
    );
}

#[test]
fn interchange_float_types_can_be_complex() {
    assert_eq!(ty("_Float32 _Complex"), Type::complex(Type::Float));
    assert_eq!(ty("_Complex _Float64"), Type::complex(Type::Double));
    assert_eq!(ty("__complex__ _Float64x"), Type::complex(Type::LongDouble));
    let d = headers("_Complex _Float128 cf(_Complex _Float128 z);");
    let cq = Type::complex(Type::Float128);
    assert_eq!(d.find_function("cf").unwrap().signature.ret(), &cq);
    assert_eq!(ty("_Complex __float128"), cq);
    assert_eq!(ty("_Float16 _Complex"), Type::complex(Type::Float16));
}

/// clang's `ext_vector_type(N)`: `N` lanes, stored as the next power of two of them.
#[test]
fn ext_vector_types() {
    let d = parse(
        "typedef float float3 __attribute__((ext_vector_type(3)));\n\
         typedef _Float16 half2 __attribute__((__ext_vector_type__(2)));\n\
         float3 cross(float3, float3);",
    );
    let f3 = Type::ext_vector(Type::Float, 3);
    assert_eq!(d.parse_type("float3").unwrap(), f3);
    assert_eq!(
        f3.layout().unwrap(),
        crate::Layout {
            size: 16,
            align: 16
        }
    );
    assert_eq!(
        d.parse_type("half2").unwrap(),
        Type::ext_vector(Type::Float16, 2)
    );
    assert_eq!(d.function("cross").unwrap().signature.ret(), &f3);
    for (text, message) in [
        (
            "typedef int v0 __attribute__((ext_vector_type(0)));",
            "zero vector size",
        ),
        (
            "typedef long double v2 __attribute__((ext_vector_type(2)));",
            "invalid vector element type for attribute 'ext_vector_type' (jitcall: \
             integers, float, double, _Float16)",
        ),
    ] {
        assert_eq!(error(text).message, message, "{text}");
    }
}

/// gcc's complex modes: `HC` and `TC` are `_Complex _Float16` and `_Complex _Float128`,
/// `CQI`..`CTI` complex integers of the declared signedness.
#[test]
fn complex_modes() {
    let d = parse(
        "typedef _Complex float hc __attribute__((mode(HC)));\n\
         typedef _Complex float tc __attribute__((__mode__(__TC__)));\n\
         typedef _Complex int cqi __attribute__((mode(CQI)));\n\
         typedef _Complex unsigned cdi __attribute__((mode(CDI)));\n\
         typedef _Complex int cti __attribute__((mode(CTI)));",
    );
    assert_eq!(d.parse_type("hc").unwrap(), Type::complex(Type::Float16));
    assert_eq!(d.parse_type("tc").unwrap(), Type::complex(Type::Float128));
    assert_eq!(d.parse_type("cqi").unwrap(), Type::complex(Type::SChar));
    assert_eq!(d.parse_type("cdi").unwrap(), Type::complex(Type::ULong));
    assert_eq!(d.parse_type("cti").unwrap(), Type::complex(Type::Int128));
}

/// `extended` reads new text in the old scope: the base's types, typedefs and constants
/// are usable, a redeclared function is replaced, and the last prototype is the new text's.
#[test]
fn extended_declarations_see_the_base_scope() {
    let base = Declarations::parse(
        "typedef unsigned char Bytef; enum { N = 4 }; struct pt { int x, y; };\n\
         long f(long); int g(void);",
    )
    .unwrap();
    let decls = base
        .extended("int f(int); struct pt mid(struct pt, const Bytef *, int (*)[N])")
        .unwrap();
    let f = decls.function("f").unwrap();
    assert_eq!(f.signature.ret(), &Type::Int);
    assert!(decls.function("g").is_some());
    let mid = decls.last_function().unwrap();
    assert_eq!(mid.name, "mid");
    assert_eq!(mid.signature.ret(), base.tagged("struct pt").unwrap());
    // The base is unchanged, and unknown names are still errors.
    assert_eq!(base.function("f").unwrap().signature.ret(), &Type::Long);
    assert!(base.extended("no_such_t h(void)").is_err());
}

#[test]
fn target_attributes_state_the_vector_abi() {
    use crate::abi::VectorAbi;
    for (text, want) in [
        ("__m256d f(__m256d);", VectorAbi::Detect),
        (
            "__m256d f(__m256d) __attribute__((target(\"no-avx\")));",
            VectorAbi::Sse,
        ),
        (
            "__attribute__((target(\"avx2,fma\"))) __m256d f(__m256d);",
            VectorAbi::Avx,
        ),
        (
            "__m512 f(__m512) __attribute__((__target__(\"avx2\", \"avx512f\")));",
            VectorAbi::Avx512,
        ),
        (
            "__m256d f(__m256d) __attribute__((target(\"arch=haswell\")));",
            VectorAbi::Detect,
        ),
    ] {
        assert_eq!(sig(text).vector_abi(), want, "{text}");
    }
    assert_eq!(
        ty("float __attribute__((vector_size(16)))"),
        Type::vector(Type::Float, 4)
    );
    assert_eq!(
        sig("typedef short v8hi __attribute__((vector_size(16))); v8hi f(v8hi, __m64);"),
        Signature::new(
            Type::vector(Type::Short, 8),
            [Type::vector(Type::Short, 8), Type::vector(Type::Int, 2)]
        )
    );
}

#[test]
fn bit_fields_are_members_with_widths() {
    let d = parse(
        "enum e { A, B }; typedef unsigned u;
         struct s { int a : 3, : 0; u b : 5; enum e c : 1; _Bool d : 1; long long : 7; };",
    );
    let Some(Type::Struct(agg)) = d.tagged("struct s") else {
        panic!("struct s");
    };
    let fields: Vec<(Option<&str>, &Type, Option<u32>)> = agg
        .fields
        .iter()
        .map(|f| (f.name.as_deref(), &f.ty, f.bits))
        .collect();
    assert_eq!(
        fields,
        [
            (Some("a"), &Type::Int, Some(3)),
            (None, &Type::Int, Some(0)),
            (Some("b"), &Type::UInt, Some(5)),
            (Some("c"), &Type::UInt, Some(1)),
            (Some("d"), &Type::Bool, Some(1)),
            (None, &Type::LongLong, Some(7)),
        ]
    );
}

#[test]
fn bad_bit_fields_are_errors() {
    for (text, message) in [
        (
            "struct s { int x : 33; };",
            "width of bit-field 'x' (33) exceeds its type 'int' (32 bits)",
        ),
        (
            "struct s { _Bool x : 2; };",
            "width of bit-field 'x' (2) exceeds its type '_Bool' (1 bits)",
        ),
        (
            "struct s { int x : -1; };",
            "negative width in bit-field 'x'",
        ),
        (
            "struct s { int : -1; };",
            "negative width in unnamed bit-field",
        ),
        ("struct s { int x : 0; };", "zero width for bit-field 'x'"),
        (
            "struct s { double x : 3; };",
            "bit-field 'x' has invalid type 'double'",
        ),
        (
            "struct s { char *p : 3; };",
            "bit-field 'p' has invalid type 'void *'",
        ),
        ("struct s { int x : y; };", "'y' is not an integer constant"),
    ] {
        let e = error(text);
        assert!(e.message.contains(message), "{text}: {}", e.message);
    }
}

#[test]
fn pragma_pack_applies_at_the_closing_brace() {
    let size = |text: &str| {
        let d = parse(text);
        d.tagged("struct s").unwrap().layout().unwrap().size
    };
    assert_eq!(size("struct s { char c; int i; };"), 8);
    assert_eq!(size("#pragma pack(1)\nstruct s { char c; int i; };"), 5);
    assert_eq!(
        size("  #  pragma  pack ( 2 )\nstruct s { char c; int i; };"),
        6
    );
    assert_eq!(
        size("#pragma pack(push, 1)\n#pragma pack(pop)\nstruct s { char c; int i; };"),
        8
    );
    assert_eq!(
        size(
            "#pragma pack(push, a, 1)\n#pragma pack(push, 2)\n#pragma pack(pop, a)\nstruct s { char c; int i; };"
        ),
        8
    );
    assert_eq!(
        size("#pragma pack(2)\nstruct s { char c; int i;\n#pragma pack()\n};"),
        8
    );
    // The operator form, as in text not preprocessed.
    assert_eq!(
        size("_Pragma(\"pack(push, 1)\") struct s { char c; int i; }; _Pragma(\"pack(pop)\")"),
        5
    );
    assert_eq!(size("_Pragma(\"once\") struct s { char c; int i; };"), 8);
    // Other pragmas are skipped like every preprocessor line.
    assert_eq!(
        size("#pragma GCC visibility push(default)\nstruct s { char c; int i; };"),
        8
    );
    for (text, message) in [
        (
            "#pragma pack(3)\nint f(void);",
            "#pragma pack: alignment must be 1, 2, 4, 8 or 16, not '3'",
        ),
        (
            "#pragma pack(pop)\nint f(void);",
            "'#pragma pack(pop)' without a matching",
        ),
        (
            "#pragma pack(push, a)\n#pragma pack(pop, b)\n",
            "'#pragma pack(pop, b)' without a matching push",
        ),
        (
            "#pragma pack 4\nint f(void);",
            "malformed '#pragma pack': expected '(' after '#pragma pack'",
        ),
        ("#pragma pack(sideways)\n", "malformed '#pragma pack'"),
    ] {
        let e = error(text);
        assert!(e.message.contains(message), "{text}: {}", e.message);
    }
    // Headers: gcc warns about a malformed pack pragma and ignores it; so does jitcall.
    let d = headers("#pragma pack(3)\nstruct s { char c; int i; };\n");
    assert_eq!(d.tagged("struct s").unwrap().layout().unwrap().size, 8);
}
