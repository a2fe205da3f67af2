//! Structs and unions with bit-fields passed and returned by value, against C callees
//! compiled by gcc and clang-19: each C function reports what it received (one member
//! per call, as a `long long`), builds a struct from its arguments, or echoes its
//! argument back; jitcall's values must be what C saw and made. The declarations are
//! read by `jitcall::Declarations` from the same text the C compilers compile.

mod common;

use common::{compilers, open_c};
use jitcall::{Callback, Declarations, Value};

const DECLS: &str = r#"
struct flags { unsigned a : 3; int b : 5; _Bool c : 1; long long d : 40; unsigned : 2; int e : 7; };
struct __attribute__((packed)) pk { char c; int x : 20; long long y : 33; };
struct mix { float f; int k : 4; double d; };
union ub { int i : 5; unsigned u : 12; };
struct wide { unsigned long long lo : 60; unsigned long long hi : 64; };
long long flags_member(struct flags f, int i);
struct flags make_flags(unsigned a, int b, _Bool c, long long d, int e);
struct flags echo_flags(struct flags f);
long long pk_member(struct pk p, int i);
struct pk make_pk(char c, int x, long long y);
double mix_sum(struct mix m);
struct mix make_mix(float f, int k, double d);
int ub_signed(union ub u);
union ub make_ub(unsigned u);
unsigned long long wide_member(struct wide w, int i);
struct wide make_wide(unsigned long long lo, unsigned long long hi);
"#;

const BODIES: &str = r#"
long long flags_member(struct flags f, int i) {
    switch (i) { case 0: return f.a; case 1: return f.b; case 2: return f.c;
                 case 3: return f.d; default: return f.e; }
}
struct flags make_flags(unsigned a, int b, _Bool c, long long d, int e) {
    struct flags f = {0}; f.a = a; f.b = b; f.c = c; f.d = d; f.e = e; return f;
}
struct flags echo_flags(struct flags f) { return f; }
long long pk_member(struct pk p, int i) {
    switch (i) { case 0: return p.c; case 1: return p.x; default: return p.y; }
}
struct pk make_pk(char c, int x, long long y) { struct pk p = {0}; p.c = c; p.x = x; p.y = y; return p; }
double mix_sum(struct mix m) { return m.f + m.k * 1000.0 + m.d * 1000000.0; }
struct mix make_mix(float f, int k, double d) { struct mix m = {f, k, d}; return m; }
int ub_signed(union ub u) { return u.i; }
union ub make_ub(unsigned u) { union ub x; x.u = u; return x; }
unsigned long long wide_member(struct wide w, int i) { return i ? w.hi : w.lo; }
struct wide make_wide(unsigned long long lo, unsigned long long hi) {
    struct wide w = {lo, hi}; return w;
}
"#;

fn flags(a: u32, b: i32, c: bool, d: i64, e: i32) -> Value {
    Value::Struct(vec![
        Value::UInt(a),
        Value::Int(b),
        Value::Bool(c),
        Value::LongLong(d),
        Value::UInt(0),
        Value::Int(e),
    ])
}

#[test]
fn bit_field_structs_cross_calls_both_ways() {
    let decls = Declarations::parse(DECLS).expect("the declarations parse");
    for cc in compilers() {
        let lib = open_c(cc, "bitfields", &format!("{DECLS}{BODIES}"));
        let call = |name: &str, args: &[Value]| -> Value {
            let f = decls.function(name).unwrap();
            let func = lib.function(name, &f.signature).unwrap();
            // SAFETY: the signatures are the C functions' own, read from their
            // declarations.
            unsafe { func.call(args) }.unwrap_or_else(|e| panic!("{cc}: {name}: {e}"))
        };
        // Negative, straddling, _Bool, 40-bit: every member as C reads it.
        for (a, b, c, d, e) in [
            (5, -16, true, -(1i64 << 39), -64),
            (7, 15, false, (1 << 39) - 1, 63),
            (0, -1, true, 123_456_789_012, 0),
        ] {
            let v = flags(a, b, c, d, e);
            let want = [a as i64, b.into(), c.into(), d, e.into()];
            for (i, want) in want.into_iter().enumerate() {
                let got = call("flags_member", &[v.clone(), Value::Int(i as i32)]);
                assert_eq!(got, Value::LongLong(want), "{cc}: member {i} of {v:?}");
            }
            let made = call(
                "make_flags",
                &[
                    Value::UInt(a),
                    Value::Int(b),
                    Value::Bool(c),
                    Value::LongLong(d),
                    Value::Int(e),
                ],
            );
            assert_eq!(made, v, "{cc}: make_flags");
            assert_eq!(
                call("echo_flags", std::slice::from_ref(&v)),
                v,
                "{cc}: echo_flags"
            );
        }
        // Packed: the bits run across storage units.
        let p = Value::Struct(vec![
            Value::Char(-3),
            Value::Int(-300_000),
            Value::LongLong(-(1i64 << 32)),
        ]);
        for (i, want) in [-3i64, -300_000, -(1 << 32)].into_iter().enumerate() {
            let got = call("pk_member", &[p.clone(), Value::Int(i as i32)]);
            assert_eq!(got, Value::LongLong(want), "{cc}: pk member {i}");
        }
        let made = call(
            "make_pk",
            &[
                Value::Char(-3),
                Value::Int(-300_000),
                Value::LongLong(-(1i64 << 32)),
            ],
        );
        assert_eq!(made, p, "{cc}: make_pk");
        // A float and a bit-field share an eightbyte: INTEGER.
        let m = Value::Struct(vec![Value::Float(1.5), Value::Int(-7), Value::Double(2.25)]);
        assert_eq!(
            call("mix_sum", std::slice::from_ref(&m)),
            Value::Double(1.5 - 7000.0 + 2_250_000.0)
        );
        let made = call(
            "make_mix",
            &[Value::Float(1.5), Value::Int(-7), Value::Double(2.25)],
        );
        assert_eq!(made, m, "{cc}: make_mix");
        // A union of bit-fields; a signed one read back sign-extended.
        let u = Value::Union {
            member: 1,
            value: Box::new(Value::UInt(0xabc)),
        };
        assert_eq!(call("ub_signed", &[u]), Value::Int(-4), "{cc}: ub_signed");
        let made = call("make_ub", &[Value::UInt(0x01f)]);
        assert_eq!(
            made,
            Value::Union {
                member: 0,
                value: Box::new(Value::Int(-1))
            },
            "{cc}: make_ub"
        );
        // A 64-bit bit-field that cannot share the first unit.
        let w = Value::Struct(vec![
            Value::ULongLong((1 << 60) - 1),
            Value::ULongLong(u64::MAX - 1),
        ]);
        for (i, want) in [(1u64 << 60) - 1, u64::MAX - 1].into_iter().enumerate() {
            let got = call("wide_member", &[w.clone(), Value::Int(i as i32)]);
            assert_eq!(got, Value::ULongLong(want), "{cc}: wide member {i}");
        }
        let made = call(
            "make_wide",
            &[
                Value::ULongLong((1 << 60) - 1),
                Value::ULongLong(u64::MAX - 1),
            ],
        );
        assert_eq!(made, w, "{cc}: make_wide");
    }
}

/// A jitcall callback called from C with a bit-field struct, returning one: C builds
/// the argument, the closure reads each member as C set it and returns a struct whose
/// members C then checks.
#[test]
fn callbacks_take_and_return_bit_field_structs() {
    let c = format!(
        "{DECLS}
         typedef struct flags (*flags_fn)(struct flags);
         long long drive_flags(flags_fn f) {{
             struct flags in = {{0}};
             in.a = 6; in.b = -9; in.c = 1; in.d = -123456789012LL; in.e = 33;
             struct flags out = f(in);
             return out.a == 1 && out.b == 9 && out.c == 0 && out.d == 123456789012LL
                 && out.e == -33;
         }}"
    );
    let decls = Declarations::parse(&format!(
        "{DECLS} long long drive_flags(struct flags (*)(struct flags));"
    ))
    .unwrap();
    let ty = decls.tagged("struct flags").unwrap().clone();
    let sig = jitcall::Signature::new(ty.clone(), [ty]);
    let cb = Callback::new(&sig, |frame| {
        let got = frame.arg_value(0).unwrap();
        let reply = if got == flags(6, -9, true, -123_456_789_012, 33) {
            flags(1, 9, false, 123_456_789_012, -33)
        } else {
            flags(0, 0, false, 0, 0)
        };
        frame.set_ret_value(&reply).unwrap();
    })
    .unwrap();
    for cc in compilers() {
        let lib = open_c(cc, "bitfields-cb", &c);
        let f = decls.function("drive_flags").unwrap();
        let drive = lib.function("drive_flags", &f.signature).unwrap();
        // SAFETY: the signature is the C function's own; the callback lives across
        // the call and has the signature the C code calls it with.
        let got = unsafe { drive.call(&[Value::Pointer(cb.code_ptr() as *mut _)]) }.unwrap();
        assert_eq!(got, Value::LongLong(1), "{cc}");
    }
}

/// An unnamed bit-field is a member to gcc: it makes its eightbyte INTEGER, so
/// `struct { float f; int : 8; }` comes back in `eax`. clang ignores unnamed bit-fields
/// and returns it in `xmm0` (docs/DIVERGENCES.md): jitcall follows gcc.
#[test]
fn unnamed_bit_fields_classify_as_gcc_does() {
    let text = "struct pad { float f; int : 8; };
                struct pad make_pad(float f) { struct pad p; p.f = f; return p; }";
    let decls = Declarations::parse_preprocessed(text).unwrap();
    let f = decls.function("make_pad").unwrap();
    let lib = open_c("gcc", "bitpad", text);
    let func = lib.function("make_pad", &f.signature).unwrap();
    // SAFETY: the signature is the C function's own.
    let got = unsafe { func.call(&[Value::Float(2.5)]) }.unwrap();
    assert_eq!(got, Value::Struct(vec![Value::Float(2.5), Value::Int(0)]));
}

/// gcc's empty records (only unnamed bit-fields): they take the registers their
/// classes ask for, but no stack space and no hidden result pointer.
#[test]
fn empty_records_take_registers_but_no_stack_as_gcc_does() {
    let text = "struct e { int : 32; }; struct big { long : 64; long : 64; long : 64; };
        int in_register(struct e e, int a) { return a; }
        int on_stack(int a0, int a1, int a2, int a3, int a4, int a5, struct e e, int a7) { return a7; }
        int big_arg(struct big b, int a) { return a; }
        struct big big_ret(int a, int *p) { struct big b; *p = a; return b; }";
    let decls = Declarations::parse_preprocessed(text).unwrap();
    let lib = open_c("gcc", "bitempty", text);
    let call = |name: &str, args: &[Value]| {
        let f = decls.function(name).unwrap();
        let func = lib.function(name, &f.signature).unwrap();
        // SAFETY: the signatures are the C functions' own.
        unsafe { func.call(args) }.unwrap()
    };
    let e = || Value::Struct(vec![Value::Int(0)]);
    assert_eq!(call("in_register", &[e(), Value::Int(5)]), Value::Int(5));
    let mut args: Vec<Value> = (0..6).map(Value::Int).collect();
    args.extend([e(), Value::Int(77)]);
    assert_eq!(call("on_stack", &args), Value::Int(77));
    let big = Value::Struct(vec![Value::Long(0); 3]);
    assert_eq!(call("big_arg", &[big, Value::Int(9)]), Value::Int(9));
    let mut seen = 0i32;
    let out = Value::Pointer((&mut seen as *mut i32).cast());
    call("big_ret", &[Value::Int(42), out]);
    assert_eq!(seen, 42);
}

/// In a union gcc classifies a bit-field by its type alone: even a zero-width one
/// makes the first eightbyte INTEGER, so `union { char : 0; double d; }` travels in
/// `rdi`, and `union { char : 0; float f[4]; }` in `rdi` and `xmm0`.
#[test]
fn zero_width_bit_fields_in_unions_are_integer_as_gcc_does() {
    let text = "union u1 { signed char : 0; double d; }; union u2 { char : 0; float f[4]; };
        double first(union u1 u) { return u.d; }
        float last(union u2 u) { return u.f[3]; }
        union u1 make(double d) { union u1 u; u.d = d; return u; }";
    let decls = Declarations::parse_preprocessed(text).unwrap();
    let lib = open_c("gcc", "bitunion", text);
    let call = |name: &str, args: &[Value]| {
        let f = decls.function(name).unwrap();
        let func = lib.function(name, &f.signature).unwrap();
        // SAFETY: the signatures are the C functions' own.
        unsafe { func.call(args) }.unwrap()
    };
    let u1 = |d: f64| Value::Union {
        member: 1,
        value: Box::new(Value::Double(d)),
    };
    assert_eq!(call("first", &[u1(2.5)]), Value::Double(2.5));
    let f = (1..=4).map(|i| Value::Float(i as f32)).collect();
    let u2 = Value::Union {
        member: 1,
        value: Box::new(Value::Array(f)),
    };
    assert_eq!(call("last", &[u2]), Value::Float(4.0));
    assert_eq!(call("make", &[Value::Double(-1.5)]), u1(-1.5));
}

/// gcc turns a bit-field of a mode's width at a multiple of that width into an
/// ordinary integer, which a packed parent can misalign: the argument is then MEMORY.
/// Each struct below sits at offset 1 of a packed struct passed before a `short`; the
/// `short` arrives where gcc's callee reads it only if jitcall classified alike.
#[test]
fn whole_mode_bit_fields_misaligned_by_a_packed_parent_as_gcc_does() {
    let inner = [
        "unsigned short : 16;",
        "unsigned short x : 16;",
        "unsigned int x : 16;",
        "unsigned char a : 4; unsigned int : 32;",
        "unsigned char a; unsigned short b : 16;",
        "unsigned char a : 4; unsigned int : 16;",
        "unsigned char c; unsigned int x : 16;",
        "unsigned char a : 4; unsigned short : 12;",
    ];
    let mut text = String::new();
    for (i, body) in inner.iter().enumerate() {
        text.push_str(&format!(
            "struct in{i} {{ {body} }};\n#pragma pack(push, 1)\n\
             struct out{i} {{ char c; struct in{i} s; }};\n#pragma pack(pop)\n\
             short pass{i}(struct out{i} o, short after) {{ return after; }}\n"
        ));
    }
    let decls = Declarations::parse_preprocessed(&text).unwrap();
    let lib = open_c("gcc", "bitmode", &text);
    for (i, body) in inner.iter().enumerate() {
        let name = format!("pass{i}");
        let f = decls.function(&name).unwrap();
        let func = lib.function(&name, &f.signature).unwrap();
        let Some(jitcall::Type::Struct(agg)) = f.signature.params().first() else {
            panic!("{name}");
        };
        let zero = jitcall::Value::from_bytes(
            &f.signature.params()[0],
            &vec![0u8; f.signature.params()[0].layout().unwrap().size as usize],
        )
        .unwrap();
        assert_eq!(agg.fields.len(), 2);
        // SAFETY: the signature is the C function's own.
        let got = unsafe { func.call(&[zero, Value::Short(-1234)]) }.unwrap();
        assert_eq!(got, Value::Short(-1234), "struct in{{ {body} }}");
    }
}

/// A value that does not fit its bit-field is an error, not a truncation.
#[test]
fn values_out_of_a_bit_fields_range_are_errors() {
    let decls = Declarations::parse(DECLS).unwrap();
    let ty = decls.tagged("struct flags").unwrap();
    for (v, message) in [
        (
            flags(8, 0, false, 0, 0),
            "8 does not fit in a bit-field `unsigned int : 3` (0 to 7)",
        ),
        (
            flags(0, 16, false, 0, 0),
            "16 does not fit in a bit-field `int : 5` (-16 to 15)",
        ),
        (
            flags(0, 0, false, 1 << 39, 0),
            "does not fit in a bit-field `long long : 40`",
        ),
    ] {
        let e = v.to_bytes(ty).expect_err("out of range");
        assert!(e.to_string().contains(message), "{e}");
    }
    let bytes = flags(5, -16, true, -1, -64).to_bytes(ty).unwrap();
    assert_eq!(
        Value::from_bytes(ty, &bytes).unwrap(),
        flags(5, -16, true, -1, -64)
    );
}
