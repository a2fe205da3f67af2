//! C23 `_BitInt(N)` judged by clang-19 (gcc 12 has no `_BitInt`): arguments in
//! registers, split off to the stack when registers run out, passed in memory above 128
//! bits; results in rax/rdx or through a hidden pointer; struct members; callbacks.
//! Every expected value is a constant of the C source (the C side compares what it
//! received) or a limb pattern written out by hand below.

mod common;

use common::*;
use jitcall::{BitInt, Callback, Library, Signature, Type, Value};
use std::ffi::c_void;
use std::process::Command;

const SOURCE: &str = r#"
typedef unsigned _BitInt(1) u1;
typedef _BitInt(7) s7;
typedef _BitInt(17) s17;
typedef unsigned _BitInt(33) u33;
typedef _BitInt(64) s64;
typedef _BitInt(65) s65;
typedef unsigned _BitInt(100) u100;
typedef _BitInt(128) s128;
typedef _BitInt(129) s129;
typedef unsigned _BitInt(200) u200;
typedef _BitInt(256) s256;

/* One bit per argument that differs from the constant the caller should pass. */
int all(u1 a, s7 b, s17 c, u33 d, s64 e, s65 f, u100 g, s128 h, s129 i, u200 j, s256 k) {
    int bad = 0;
    bad |= (a != 1uwb) << 0;
    bad |= (b != -64wb) << 1;
    bad |= (c != -65536wb) << 2;
    bad |= (d != 0x1ffffffffuwb) << 3;
    bad |= (e != -0x7fffffffffffffffwb - 1) << 4;
    bad |= (f != -0x10000000000000000wb) << 5;
    bad |= (g != 0xfffffffffffffffffffffffffuwb) << 6;
    bad |= (h != -0x7ffffffffffffffffffffffffffffffbwb) << 7;
    bad |= (i != -0x100000000000000000000000000000000wb) << 8;
    bad |= (j != 0xffffffffffffffffffffffffffffffffffffffffffffffffffuwb) << 9;
    bad |= (k != -0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffwb - 1) << 10;
    return bad;
}

/* Five GPRs taken: a 128-bit _BitInt goes to the stack whole, the long after it to r9. */
int late128(long a, long b, long c, long d, long e, s128 x, long y) {
    return (a != 1) | (b != 2) << 1 | (c != 3) << 2 | (d != 4) << 3 | (e != 5) << 4
         | (x != -2wb) << 5 | (y != 7) << 6;
}
int late100(long a, long b, long c, long d, long e, u100 x, s7 y) {
    return (a != 1) | (e != 5) << 4 | (x != 0x123456789abcdef0123456789uwb) << 5
         | (y != 63wb) << 6;
}

s7 neg7(s7 x) { return -x; }
u1 not1(u1 x) { return !x; }
s17 twice17(s17 x) { return x * 2; }
u33 not33(u33 x) { return ~x; }
u100 not100(u100 x) { return ~x; }
s65 neg65(s65 x) { return -x; }
s128 dec128(s128 x) { return x - 1; }
s129 neg129(s129 x) { return -x; }
u200 not200(u200 x) { return ~x; }
s256 shl256(s256 x, int n) { return x << n; }

struct small { s7 a; s17 b; u33 c; };
struct wide { s7 a; u100 b; s17 c; };
int check_small(struct small v) {
    return (v.a != -1wb) | (v.b != 65535wb) << 1 | (v.c != 0x100000000uwb) << 2;
}
int check_wide(struct wide v) {
    return (v.a != 3wb) | (v.b != 0x80000000000000000uwb) << 1 | (v.c != -3wb) << 2;
}
struct small mk_small(void) { struct small v = { -2wb, -65536wb, 0x1ffffffffuwb }; return v; }
struct wide mk_wide(void) { struct wide v = { 63wb, 1uwb, 5wb }; return v; }

/* The compiler calls the callback and checks what it gets back. */
int drive_small(s7 (*cb)(s7, u1, s17, long)) { return cb(-3wb, 1uwb, -60000wb, 9) != 40wb; }
int drive_wide(u100 (*cb)(u100, s256, s128)) {
    return cb(0xfffffffffffffffffffffffffuwb, -1wb, 5wb) != 0x8000000000000000000000000uwb;
}
/* Constants above 128 bits converted to floating types, rounded by clang. */
int check_floats(double a, double b, long double c) {
    return (a != (double)0x100000000000000000000000000000001wb)
         | (b != (double)-0x100000000000008000000000000000000000000000000000001wb) << 1
         | (c != (long double)0xfffffffffffffffffffffffffffffffffffffffffuwb) << 2;
}

int drive_memory(u200 (*cb)(long, long, long, long, long, s128, u200)) {
    return cb(1, 2, 3, 4, 5, -9wb, 0x1000000000000000000000000000000000000000000000000uwb)
           != 77uwb;
}
"#;

/// Whether clang-19 is installed (gcc 12 has no `_BitInt`).
fn has_clang() -> bool {
    let found = Command::new("clang-19")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("note: clang-19 not found; _BitInt is not tested");
    }
    found
}

/// The fixture built by clang-19, or `None` when clang-19 is not installed.
fn fixture(tag: &str) -> Option<Library> {
    has_clang().then(|| open_c("clang-19", tag, SOURCE))
}

fn ty(bits: u32, signed: bool) -> Type {
    Type::BitInt { bits, signed }
}

fn small(bits: u32, signed: bool, v: i128) -> Value {
    Value::BitInt(BitInt::new(bits, signed, v).unwrap())
}

/// A value from its limbs, least significant first (bits above `bits` are ignored).
fn limbs(bits: u32, signed: bool, limbs: &[u64]) -> Value {
    let bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
    Value::BitInt(BitInt::from_le_bytes(bits, signed, &bytes).unwrap())
}

fn sig(text: &str) -> Signature {
    let typedefs = SOURCE.split("/* One bit").next().unwrap();
    let structs = "struct small { s7 a; s17 b; u33 c; }; struct wide { s7 a; u100 b; s17 c; };";
    format!("{typedefs}{structs}{text};").parse().unwrap()
}

/// The arguments `all` expects.
fn all_args() -> Vec<Value> {
    vec![
        small(1, false, 1),
        small(7, true, -64),
        small(17, true, -65536),
        small(33, false, 0x1_ffff_ffff),
        small(64, true, i64::MIN.into()),
        small(65, true, -(1i128 << 64)),
        small(100, false, (1i128 << 100) - 1),
        small(128, true, i128::MIN + 5),
        limbs(129, true, &[0, 0, u64::MAX]),
        limbs(200, false, &[u64::MAX; 4]),
        limbs(256, true, &[0, 0, 0, 1 << 63]),
    ]
}

const ALL: &str = "int all(u1, s7, s17, u33, s64, s65, u100, s128, s129, u200, s256)";

#[test]
fn layouts_are_clangs() {
    // sizeof and _Alignof as clang-19 prints them for these widths (checked by hand
    // with `clang-19 -S`: 1/1, 1/1, 4/4, 8/8, 8/8, 16/8, 16/8, 24/8, 32/8).
    for (bits, size, align) in [
        (1, 1, 1),
        (8, 1, 1),
        (9, 2, 2),
        (17, 4, 4),
        (33, 8, 8),
        (64, 8, 8),
        (65, 16, 8),
        (128, 16, 8),
        (129, 24, 8),
        (200, 32, 8),
        (256, 32, 8),
    ] {
        let l = ty(bits, false).layout().unwrap();
        assert_eq!((l.size, l.align), (size, align), "_BitInt({bits})");
    }
}

#[test]
fn arguments_through_call_frame_batch_and_call_raw() {
    let Some(lib) = fixture("bitint_args") else {
        return;
    };
    let f = lib.function("all", &sig(ALL)).unwrap();
    let args = all_args();
    // SAFETY: `all` has this signature.
    let got = unsafe { f.call(&args) }.unwrap();
    assert_eq!(got, Value::Int(0), "call");

    let mut frame = f.frame();
    for (i, v) in args.iter().enumerate() {
        frame.set_value(i, v).unwrap();
    }
    // SAFETY: as above; every argument is set.
    unsafe { f.call_frame(&mut frame) };
    assert_eq!(frame.ret_value().unwrap(), Value::Int(0), "call_frame");
    for (i, v) in args.iter().enumerate() {
        assert_eq!(
            &frame.arg_value(i).unwrap(),
            v,
            "frame argument {i} reads back"
        );
    }

    let mut batch = f.batch(3).unwrap();
    for row in 0..3 {
        for (i, v) in args.iter().enumerate() {
            batch.set_value(row, i, v).unwrap();
        }
    }
    // SAFETY: as above.
    unsafe { f.call_batch(&mut batch) }.unwrap();
    for row in 0..3 {
        assert_eq!(
            batch.ret_value(row).unwrap(),
            Value::Int(0),
            "batch row {row}"
        );
    }

    let sig = sig(ALL);
    let bytes: Vec<Vec<u8>> = args
        .iter()
        .zip(sig.params())
        .map(|(v, t)| v.to_bytes(t).unwrap())
        .collect();
    let ptrs: Vec<*const c_void> = bytes.iter().map(|b| b.as_ptr().cast()).collect();
    let mut ret = 0i32;
    // SAFETY: as above; each pointer holds its parameter's bytes.
    unsafe { f.call_raw((&mut ret as *mut i32).cast(), ptrs.as_ptr()) }.unwrap();
    assert_eq!(ret, 0, "call_raw");

    // One wrong value: the C side names which argument (bit 8: the 129-bit one).
    let mut wrong = args.clone();
    wrong[8] = limbs(129, true, &[1, 0, u64::MAX]);
    // SAFETY: as above.
    assert_eq!(unsafe { f.call(&wrong) }.unwrap(), Value::Int(1 << 8));
}

#[test]
fn registers_run_out() {
    let Some(lib) = fixture("bitint_late") else {
        return;
    };
    let longs = [1, 2, 3, 4, 5].map(Value::Long);
    let f = lib
        .function(
            "late128",
            &sig("int late128(long, long, long, long, long, s128, long)"),
        )
        .unwrap();
    let mut args = longs.to_vec();
    args.extend([small(128, true, -2), Value::Long(7)]);
    // SAFETY: late128 has this signature.
    assert_eq!(unsafe { f.call(&args) }.unwrap(), Value::Int(0));

    let f = lib
        .function(
            "late100",
            &sig("int late100(long, long, long, long, long, u100, s7)"),
        )
        .unwrap();
    let mut args = longs.to_vec();
    args.extend([
        small(100, false, 0x1_2345_6789_abcd_ef01_2345_6789),
        small(7, true, 63),
    ]);
    // SAFETY: late100 has this signature.
    assert_eq!(unsafe { f.call(&args) }.unwrap(), Value::Int(0));
}

#[test]
fn results_drop_the_bits_above_n() {
    let Some(lib) = fixture("bitint_results") else {
        return;
    };
    let cases: Vec<(&str, Value, Value)> = vec![
        ("s7 neg7(s7)", small(7, true, 63), small(7, true, -63)),
        ("u1 not1(u1)", small(1, false, 0), small(1, false, 1)),
        (
            "s17 twice17(s17)",
            small(17, true, -30000),
            small(17, true, -60000),
        ),
        (
            "u33 not33(u33)",
            small(33, false, 5),
            small(33, false, 0x1_ffff_fffa),
        ),
        // clang leaves the 28 bits above the value in rdx undefined.
        (
            "u100 not100(u100)",
            small(100, false, 5),
            limbs(100, false, &[!5, 0xf_ffff_ffff]),
        ),
        (
            "s65 neg65(s65)",
            small(65, true, (1 << 64) - 1),
            small(65, true, 1 - (1 << 64)),
        ),
        (
            "s128 dec128(s128)",
            small(128, true, i128::MIN + 1),
            limbs(128, true, &[0, 1 << 63]),
        ),
        (
            "s129 neg129(s129)",
            small(129, true, 1),
            limbs(129, true, &[u64::MAX; 3]),
        ),
        (
            "u200 not200(u200)",
            limbs(200, false, &[0, 1, 2, 3]),
            limbs(200, false, &[u64::MAX, !1, !2, 0xfc]),
        ),
    ];
    for (decl, arg, want) in cases {
        let name = decl.split(['(', ' ']).nth(1).unwrap();
        let f = lib.function(name, &sig(decl)).unwrap();
        // SAFETY: `name` has this signature.
        let got = unsafe { f.call(std::slice::from_ref(&arg)) }.unwrap();
        assert_eq!(got, want, "{decl}");
        let mut frame = f.frame();
        frame.set_value(0, &arg).unwrap();
        // SAFETY: as above.
        unsafe { f.call_frame(&mut frame) };
        assert_eq!(frame.ret_value().unwrap(), want, "{decl} through a frame");
    }
    let f = lib
        .function("shl256", &sig("s256 shl256(s256, int)"))
        .unwrap();
    // SAFETY: shl256 has this signature.
    let got = unsafe { f.call(&[small(256, true, 3), Value::Int(254)]) }.unwrap();
    assert_eq!(got, limbs(256, true, &[0, 0, 0, 0xc000_0000_0000_0000]));
}

#[test]
fn struct_members() {
    let Some(lib) = fixture("bitint_structs") else {
        return;
    };
    let f = lib
        .function("check_small", &sig("int check_small(struct small)"))
        .unwrap();
    let v = Value::Struct(vec![
        small(7, true, -1),
        small(17, true, 65535),
        small(33, false, 1 << 32),
    ]);
    // SAFETY: check_small has this signature.
    assert_eq!(unsafe { f.call(&[v]) }.unwrap(), Value::Int(0));
    let f = lib
        .function("check_wide", &sig("int check_wide(struct wide)"))
        .unwrap();
    let v = Value::Struct(vec![
        small(7, true, 3),
        small(100, false, 1 << 67),
        small(17, true, -3),
    ]);
    // SAFETY: check_wide has this signature.
    assert_eq!(unsafe { f.call(&[v]) }.unwrap(), Value::Int(0));

    let f = lib
        .function("mk_small", &sig("struct small mk_small(void)"))
        .unwrap();
    // SAFETY: mk_small has this signature.
    let got = unsafe { f.call(&[]) }.unwrap();
    let want = Value::Struct(vec![
        small(7, true, -2),
        small(17, true, -65536),
        small(33, false, 0x1_ffff_ffff),
    ]);
    assert_eq!(got, want);
    let f = lib
        .function("mk_wide", &sig("struct wide mk_wide(void)"))
        .unwrap();
    // SAFETY: mk_wide has this signature.
    let got = unsafe { f.call(&[]) }.unwrap();
    let want = Value::Struct(vec![
        small(7, true, 63),
        small(100, false, 1),
        small(17, true, 5),
    ]);
    assert_eq!(got, want);
}

#[test]
fn callbacks() {
    let Some(lib) = fixture("bitint_callbacks") else {
        return;
    };
    let cases: Vec<(&str, &str, Vec<Value>, Value)> = vec![
        (
            "drive_small",
            "s7 cb(s7, u1, s17, long)",
            vec![
                small(7, true, -3),
                small(1, false, 1),
                small(17, true, -60000),
                Value::Long(9),
            ],
            small(7, true, 40),
        ),
        (
            "drive_wide",
            "u100 cb(u100, s256, s128)",
            vec![
                small(100, false, (1 << 100) - 1),
                limbs(256, true, &[u64::MAX; 4]),
                small(128, true, 5),
            ],
            small(100, false, 1 << 99),
        ),
        (
            "drive_memory",
            "u200 cb(long, long, long, long, long, s128, u200)",
            vec![
                Value::Long(1),
                Value::Long(2),
                Value::Long(3),
                Value::Long(4),
                Value::Long(5),
                small(128, true, -9),
                limbs(200, false, &[0, 0, 0, 1]),
            ],
            small(200, false, 77),
        ),
    ];
    for (driver, decl, want_args, ret) in cases {
        let cb_sig = sig(decl);
        let seen = std::sync::Mutex::new(Vec::new());
        let cb = Callback::new(&cb_sig, |frame| {
            let args: Vec<Value> = (0..frame.signature().params().len())
                .map(|i| frame.arg_value(i).unwrap())
                .collect();
            *seen.lock().unwrap() = args;
            frame.set_ret_value(&ret).unwrap();
        })
        .unwrap();
        let f = lib
            .function(driver, &Signature::new(Type::Int, [Type::Pointer]))
            .unwrap();
        // SAFETY: the driver takes a function pointer of the callback's signature.
        let got = unsafe { f.call(&[Value::Pointer(cb.code_ptr() as *mut c_void)]) }.unwrap();
        assert_eq!(got, Value::Int(0), "{driver}: the C side got our result");
        assert_eq!(*seen.lock().unwrap(), want_args, "{driver}: arguments");
    }
}

#[test]
fn cli_reads_declarations_and_literals() {
    if !has_clang() {
        return;
    }
    let dir = ScratchDir::new("bitint_cli");
    let c = dir.join("bitint.c");
    std::fs::write(&c, SOURCE).unwrap();
    let so = dir.join("libbitint.so");
    build_shared("clang-19", &[&c], &so, &[]);
    let lib = so.to_str().unwrap();
    let typedefs = SOURCE.split("/* One bit").next().unwrap();
    let call = |decl: &str, args: &[&str]| {
        let text = format!("{typedefs}{decl}");
        let mut argv = vec!["call", "-l", lib, text.as_str(), "--"];
        argv.extend_from_slice(args);
        run_jitcall(&argv, &[])
    };
    let run = call("s7 neg7(s7)", &["5wb"]);
    assert_eq!((run.code, run.stdout.trim()), (0, "-5"), "{}", run.stderr);
    let run = call("u33 not33(u33)", &["0x1uwb"]);
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, "8589934590"),
        "{}",
        run.stderr
    );
    // 2^200 - 1 - 5, printed in full.
    let run = call("u200 not200(u200)", &["5"]);
    assert_eq!(
        run.stdout.trim(),
        "1606938044258990275541962092341162602522202993782792835301370",
        "{}",
        run.stderr
    );
    let run = call("s7 neg7(s7)", &["64"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("64 does not fit in `_BitInt(7)` (-64 to 63)"),
        "{}",
        run.stderr
    );
    let run = call(
        "int late128(long, long, long, long, long, s128, long)",
        &["1", "2", "3", "4", "5", "-2", "7"],
    );
    assert_eq!((run.code, run.stdout.trim()), (0, "0"), "{}", run.stderr);

    // Constants above 128 bits: `all` compares each argument with the same constant,
    // compiled by clang (0: every one as clang reads it).
    let run = call(
        ALL,
        &[
            "1uwb",
            "-64wb",
            "-65536wb",
            "0x1ffffffffuwb",
            "-9223372036854775808",
            "-0x10000000000000000wb",
            "0xfffffffffffffffffffffffffuwb",
            "-0x7ffffffffffffffffffffffffffffffbwb",
            "-0x100000000000000000000000000000000wb",
            "0xffffffffffffffffffffffffffffffffffffffffffffffffffuwb",
            "-0x8000000000000000000000000000000000000000000000000000000000000000wb",
        ],
    );
    assert_eq!((run.code, run.stdout.trim()), (0, "0"), "{}", run.stderr);
    // Decimal and hexadecimal ones, negated and cast; the results are clang's
    // arithmetic (2^200 - 1 - 2^199; (2^200 + 12345) << 10; -2^200 << 20, wrapped).
    let run = call(
        "u200 not200(u200)",
        &["803469022129495137770981046170581301261101496891396417650688uwb"],
    );
    assert_eq!(
        (run.code, run.stdout.trim()),
        (
            0,
            "803469022129495137770981046170581301261101496891396417650687"
        ),
        "{}",
        run.stderr
    );
    let run = call(
        "s256 shl256(s256, int)",
        &[
            "0x100000000000000000000000000000000000000000000003039wb",
            "10",
        ],
    );
    assert_eq!(
        (run.code, run.stdout.trim()),
        (
            0,
            "1645504557321206042154969182557350504982735865633579863361250304"
        ),
        "{}",
        run.stderr
    );
    let run = call(
        "s256 shl256(s256, int)",
        &[
            "-(s256)0x100000000000000000000000000000000000000000000000000uwb",
            "20",
        ],
    );
    assert_eq!(
        (run.code, run.stdout.trim()),
        (
            0,
            "-1684996666696914987166688442938726917102321526408785780068975640576"
        ),
        "{}",
        run.stderr
    );
    // To floating parameters, rounded to nearest as clang rounds them.
    let run = call(
        "int check_floats(double, double, long double)",
        &[
            "0x100000000000000000000000000000001wb",
            "-0x100000000000008000000000000000000000000000000000001wb",
            "0xfffffffffffffffffffffffffffffffffffffffffuwb",
        ],
    );
    assert_eq!((run.code, run.stdout.trim()), (0, "0"), "{}", run.stderr);
    // Too wide for the parameter: the caret under the constant.
    let run = call(
        "s129 neg129(s129)",
        &["0x100000000000000000000000000000000wb"],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("a value of 129 bits does not fit in `_BitInt(129)`")
            && run.stderr.contains("^~~"),
        "{}",
        run.stderr
    );
}

/// Integer constant expressions with `wb`/`uwb` constants and `_BitInt` casts above 64
/// bits (up to 128), as enumerator values and array sizes: clang-19 computes each (its
/// `printf` of the enumerator, its `sizeof` of the array) and jitcall's declaration
/// parser must agree, C23's conversions between bit-precise and standard types
/// included.
#[test]
fn constant_expressions_are_clangs() {
    if !has_clang() {
        return;
    }
    let exprs = [
        "0x1ffffffffffffffffwb >> 60",
        "(unsigned _BitInt(3))9",
        "-1wb < 1uwb",
        "-1wb < 0x1ffffffffffffffffuwb",
        "(unsigned _BitInt(100))1 << 64 >> 60",
        "1wb + 1",
        "~0uwb",
        "(_BitInt(70))-1 >> 69",
        "-0x7fffffffffffffffffffffffffffffffwb / 0x10000000000000000wb",
        "(unsigned _BitInt(2))3 + 1uwb",
        "0x7fffffffffffffffffffffffffffffffwb >> 100",
        "(0x10000000000000000uwb - 1) * 3 % 1000",
        "((_BitInt(100))0xffffffffffffffffwb * -16) >> 10",
        "(unsigned _BitInt(127))-1 >> 70",
        "1 ? 1uwb : -1wb",
        "0 ? 1uwb : -1wb",
        "0 ? 1u : -1wb",
        "-1wb == 0xffffffffuwb",
        "-1 < 1uwb",
        "-1wb < 1u",
        "(_BitInt(128))-0x7fffffffffffffffffffffffffffffffwb - 1 >> 120",
        "0x7fffffffffffffffffffffffffffffffuwb % 1000000007",
        "(unsigned _BitInt(65))-5 / 0x10000000000wb",
        "0x1'0000'0000'0000'0000wb > 0xffff'ffff'ffff'ffffu",
        "(unsigned _BitInt(127))-1 + 1uwb",
        "((unsigned _BitInt(127))-1 + (unsigned _BitInt(127))-1) >> 100",
        "(unsigned _BitInt(127))-1 * 3 >> 120",
        "(unsigned _BitInt(127))1 << 126 >> 125",
        "(_BitInt(128))1 << 126 >> 120",
        "~(unsigned _BitInt(100))0 >> 40",
        "-(_BitInt(99))0x1000000000000000000wb >> 70",
    ];
    let sizes = [
        "0x10000000000000000uwb >> 62",
        "(unsigned _BitInt(100))1 << 70 >> 66",
        "(_BitInt(90))0x3ffffffffffffffffffwb / 0x100000000000000000wb",
    ];
    let mut c = String::from("#include <stdio.h>\n");
    let mut decls = String::new();
    for (i, e) in exprs.iter().enumerate() {
        decls.push_str(&format!("enum {{ V{i} = {e} }};\n"));
    }
    for (i, e) in sizes.iter().enumerate() {
        decls.push_str(&format!("struct s{i} {{ char a[{e}]; }};\n"));
    }
    c.push_str(&decls);
    c.push_str("int main(void) {\n");
    for i in 0..exprs.len() {
        c.push_str(&format!("    printf(\"%lld\\n\", (long long)V{i});\n"));
    }
    for i in 0..sizes.len() {
        c.push_str(&format!("    printf(\"%zu\\n\", sizeof(struct s{i}));\n"));
    }
    c.push_str("}\n");
    let dir = ScratchDir::new("bitint_expr");
    let src = dir.join("expr.c");
    std::fs::write(&src, &c).unwrap();
    let exe = dir.join("expr");
    // -Werror: every expression is one clang takes without a word.
    build_executable("clang-19", &[&src], &exe, &["-std=c2x", "-Werror", "-Wall"]);
    let out = Command::new(&exe).output().unwrap();
    let clang: Vec<i128> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(clang.len(), exprs.len() + sizes.len());

    let parsed =
        jitcall::Declarations::parse(&decls).unwrap_or_else(|e| panic!("{}", e.render(&decls)));
    let mut failures = Vec::new();
    for (i, e) in exprs.iter().enumerate() {
        let ours = parsed.constant(&format!("V{i}"));
        if ours != Some(clang[i]) {
            failures.push(format!("{e}: jitcall {ours:?}, clang {}", clang[i]));
        }
    }
    for (i, e) in sizes.iter().enumerate() {
        let ty = parsed.tagged(&format!("struct s{i}")).unwrap();
        let ours = ty.layout().unwrap().size as i128;
        if ours != clang[exprs.len() + i] {
            failures.push(format!(
                "char[{e}]: jitcall {ours}, clang {}",
                clang[exprs.len() + i]
            ));
        }
    }
    assert_no_failures(&failures);

    // Beyond what an i128 holds: refused with a message, where clang goes on.
    for (text, message) in [
        (
            "enum { A = 0xffffffffffffffffffffffffffffffffuwb >> 127 };",
            "up to 128 bits (unsigned: 127)",
        ),
        (
            "enum { A = 0x1ffffffffffffffffffffffffffffffffffwb >> 130 };",
            "up to 128 bits (unsigned: 127)",
        ),
        (
            "enum { A = (_BitInt(200))1 };",
            "unsupported: '_BitInt(200)' in constant expressions",
        ),
        ("enum { A = 0x7fwb + 1wb };", "integer overflow"),
    ] {
        let e = jitcall::Declarations::parse(text).unwrap_err().to_string();
        assert!(e.contains(message), "{text}: {e}");
    }
}
