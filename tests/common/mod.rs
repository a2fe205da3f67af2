//! Shared test support: C compilers, C code generation from jitcall types, and
//! "graffiti" values whose bytes say which argument and which member they belong to.
//!
//! The C compiler is the oracle. A shape is rendered as C: a callee that compares every
//! argument member with the expected literal and returns a literal result, and a
//! driver compiled by the same compiler that makes the same call directly (proving the
//! generated C is consistent with itself). jitcall then calls the callee and must see
//! the same mismatch count (zero) and the same result.
#![allow(dead_code)]

pub mod cli;

use jitcall::{Float16, Float128, Library, LongDouble, Signature, Type, Value};
use std::fmt::Write as _;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

/// The C compilers to test against: gcc (required) and clang-19 (when installed).
pub fn compilers() -> Vec<&'static str> {
    let mut found = Vec::new();
    for cc in ["gcc", "clang-19"] {
        let ok = Command::new(cc)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            found.push(cc);
        }
    }
    assert!(
        found.contains(&"gcc"),
        "gcc is required for the tests (CI installs it)"
    );
    if !found.contains(&"clang-19") {
        eprintln!("note: clang-19 not found; testing against gcc only");
    }
    found
}

/// What one run of the `jitcall` binary did.
pub struct Run {
    /// The exit code, or -1 when a signal ended it.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `jitcall` binary cargo built for these tests with `args` and extra
/// environment variables `env`. A panic fails the test whatever the exit code: every
/// error must be a message and an exit code.
pub fn run_jitcall(args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_jitcall"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run jitcall");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "jitcall {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

/// A fresh directory under the system's temporary directory for one test's build
/// products, removed with everything in it when dropped, so also when the test panics.
/// Set `JITCALL_KEEP_TMP=1` to keep it for inspection; a failing test's output then
/// names it.
pub struct ScratchDir {
    path: PathBuf,
    /// The process that made it: only that one removes it, not a forked child.
    owner: u32,
}

impl ScratchDir {
    pub fn new(tag: &str) -> ScratchDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let owner = std::process::id();
        let path = std::env::temp_dir().join(format!(
            "jitcall-test-{owner}-{tag}-{}",
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create scratch dir");
        ScratchDir { path, owner }
    }

    /// For fixtures a `static` shares among the tests of one binary: statics are never
    /// dropped, so the directory is removed when the process exits instead.
    pub fn until_exit(self) -> PathBuf {
        static AT_EXIT: Mutex<Vec<ScratchDir>> = Mutex::new(Vec::new());
        static REGISTER: Once = Once::new();
        extern "C" fn remove_at_exit() {
            // Dropping removes them; nothing in the drop unwinds.
            drop(std::mem::take(
                &mut *AT_EXIT.lock().unwrap_or_else(|e| e.into_inner()),
            ));
        }
        // SAFETY: atexit only records the function, registered once; it runs after
        // main returns or calls exit, when no test is running, and does not unwind.
        REGISTER.call_once(|| assert_eq!(unsafe { libc::atexit(remove_at_exit) }, 0));
        let path = self.path.clone();
        AT_EXIT.lock().unwrap().push(self);
        path
    }
}

impl Deref for ScratchDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for ScratchDir {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if std::process::id() != self.owner {
            return;
        }
        if std::env::var_os("JITCALL_KEEP_TMP").is_some_and(|v| v == "1") {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Compiles `sources` (C or assembly files) into a shared library with `cc`.
pub fn build_shared(cc: &str, sources: &[&Path], out: &Path, extra: &[&str]) {
    let mut flags = vec!["-shared", "-fPIC", "-O1"];
    flags.extend_from_slice(extra);
    build_executable(cc, sources, out, &flags);
}

/// Compiles and links `sources` into an executable (or, with `-shared` among `extra`,
/// a shared library) with `cc`.
pub fn build_executable(cc: &str, sources: &[&Path], out: &Path, extra: &[&str]) {
    let output = Command::new(cc)
        .args(["-std=gnu11", "-w"])
        .args(extra)
        .args(sources)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    assert!(
        output.status.success(),
        "{cc} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Fails the test with every collected failure, one a line, if there is any.
#[track_caller]
pub fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Compiles C source text into a shared library and opens it. The library's directory
/// is removed on return: the loader's mapping keeps the unlinked file alive.
pub fn open_c(cc: &str, tag: &str, source: &str) -> Library {
    let dir = ScratchDir::new(tag);
    let c = dir.join(format!("{tag}.c"));
    std::fs::write(&c, source).unwrap();
    let so = dir.join(format!("lib{tag}-{cc}.so"));
    build_shared(cc, &[&c], &so, &[]);
    Library::open(so.to_str().unwrap()).unwrap()
}

/// Renders jitcall types as C declarations with the fuzzer's renderer
/// ([`jitcall_fuzz::cgen::CTypes`]: tags `t1`, `t2`, ..., members `f0`, `f1`, ...,
/// each distinct type defined once), keeping the definitions made so far in `defs`.
/// `defs` starts with the support code the types need in C (a weak `__truncsfbf2`
/// for `__bf16`, [`jitcall_fuzz::cgen::CTypes::support`]).
#[derive(Default)]
pub struct CTypes {
    pub defs: String,
    inner: jitcall_fuzz::cgen::CTypes,
    /// How much of the inner definitions `defs` holds.
    taken: usize,
    support: bool,
}

impl CTypes {
    /// The C spelling of `ty` as a type name (aggregates get a definition in `defs`).
    pub fn name(&mut self, ty: &Type) -> String {
        let name = self.inner.name(ty);
        if !self.support && !self.inner.support().is_empty() {
            self.defs.insert_str(0, self.inner.support());
            self.support = true;
        }
        let all = self.inner.defs();
        self.defs.push_str(&all[self.taken..]);
        self.taken = all.len();
        name
    }
}

/// A deterministic value of `ty`: every scalar leaf gets a distinct value derived from
/// `seed` and its position, exactly representable in C source and in Rust.
pub fn graffiti(ty: &Type, seed: u64) -> Value {
    let mut leaf = 0;
    graffiti_leaf(ty, seed, &mut leaf)
}

fn graffiti_leaf(ty: &Type, seed: u64, leaf: &mut u64) -> Value {
    *leaf += 1;
    // A byte pattern: high nibble from the seed, low nibble from the leaf.
    let k = seed.wrapping_mul(31).wrapping_add(*leaf);
    let b = (0x11u64.wrapping_mul(k % 15 + 1)) as u8;
    let bytes = |n: usize| -> u128 {
        let mut v = 0u128;
        for i in 0..n {
            v |= ((b.wrapping_add(i as u8 * 0x10)) as u128) << (8 * i);
        }
        v
    };
    // Floats: small dyadic fractions, exact in every format.
    let f = (k % 97) as f64 + 0.25 + (seed % 7) as f64 * 1000.0;
    match ty {
        Type::Bool => Value::Bool(k % 2 == 1),
        // Narrow integers always have their top bit set, so a sign- instead of a
        // zero-extension (or none at all) shows in the register.
        Type::Char => Value::Char((bytes(1) as u8 | 0x80) as i8),
        Type::SChar => Value::SChar((bytes(1) as u8 | 0x80) as i8),
        Type::UChar => Value::UChar(bytes(1) as u8 | 0x80),
        Type::Short => Value::Short((bytes(2) as u16 | 0x8000) as i16),
        Type::UShort => Value::UShort(bytes(2) as u16 | 0x8000),
        Type::Int => Value::Int(bytes(4) as u32 as i32),
        Type::UInt => Value::UInt(bytes(4) as u32),
        Type::Long => Value::Long(bytes(8) as u64 as i64),
        Type::ULong => Value::ULong(bytes(8) as u64),
        Type::LongLong => Value::LongLong(bytes(8) as u64 as i64),
        Type::ULongLong => Value::ULongLong(bytes(8) as u64),
        Type::Int128 => Value::Int128(bytes(16) as i128),
        Type::UInt128 => Value::UInt128(bytes(16)),
        Type::Float => Value::Float(f as f32),
        Type::Double => Value::Double(-f),
        Type::LongDouble => Value::LongDouble(LongDouble::from_f64(f * 3.0)),
        // Halves up to 48.75: exact in `_Float16`'s 11 bits.
        Type::Float16 => Value::Float16(Float16::from_f32(
            ((k % 97) as f32 * 0.5 + 0.25) * if seed.is_multiple_of(2) { 1.0 } else { -1.0 },
        )),
        // Halves up to 48.75 less a quarter: exact in `__bf16`'s 8 bits.
        Type::BFloat16 => Value::BFloat16(jitcall::BFloat16::from_f32(
            ((k % 96) as f32 * 0.5 + 0.25) * if seed.is_multiple_of(2) { -1.0 } else { 1.0 },
        )),
        // Low significand bits set, so that a value cut to a `double` shows.
        Type::Float128 => Value::Float128(Float128::from_bits(
            Float128::from_f64(f * 5.0).to_bits() | ((k as u128 * 0x9e37_79b9) << 8),
        )),
        Type::Pointer => Value::Pointer(bytes(8) as u64 as usize as *mut std::ffi::c_void),
        Type::Complex(elem) => Value::Complex(
            Box::new(graffiti_leaf(elem, seed, leaf)),
            Box::new(graffiti_leaf(elem, seed, leaf)),
        ),
        Type::Array(elem, n) => {
            Value::Array((0..*n).map(|_| graffiti_leaf(elem, seed, leaf)).collect())
        }
        Type::Vector(elem, n) | Type::ExtVector(elem, n) => {
            Value::Vector((0..*n).map(|_| graffiti_leaf(elem, seed, leaf)).collect())
        }
        Type::Struct(agg) => Value::Struct(
            agg.fields
                .iter()
                .map(|f| graffiti_leaf(&f.ty, seed, leaf))
                .collect(),
        ),
        Type::Union(agg) => {
            // The member jitcall reads back: the first one spanning the whole union.
            let size = ty.layout().unwrap().size;
            let member = agg
                .fields
                .iter()
                .position(|f| f.ty.layout().unwrap().size == size)
                .unwrap_or(0);
            Value::Union {
                member,
                value: Box::new(graffiti_leaf(&agg.fields[member].ty, seed, leaf)),
            }
        }
        other => panic!("no graffiti for {other:?}"),
    }
}

/// The C literal for a scalar value.
pub fn c_scalar(v: &Value) -> String {
    match v {
        Value::Bool(b) => (*b as i32).to_string(),
        Value::Char(x) | Value::SChar(x) => format!("({x})"),
        Value::UChar(x) => format!("{x}u"),
        Value::Short(x) => format!("({x})"),
        Value::UShort(x) => format!("{x}u"),
        Value::Int(x) => format!("({x})"),
        Value::UInt(x) => format!("{x}u"),
        Value::Long(x) | Value::LongLong(x) => format!("(long long)0x{:x}ull", *x as u64),
        Value::ULong(x) | Value::ULongLong(x) => format!("0x{x:x}ull"),
        Value::Int128(x) => c_u128(*x as u128),
        Value::UInt128(x) => c_u128(*x),
        Value::Float(x) => format!("{x:?}f"),
        Value::Double(x) => format!("{x:?}"),
        Value::LongDouble(x) => format!("{:?}L", x.to_f64()),
        Value::Float16(x) => format!("((_Float16){:?})", x.to_f32()),
        Value::Float128(x) => c_float128(x.to_bits()),
        // By its bits: converting a `float` to `__bf16` at run time calls
        // `__truncsfbf2`, which gcc 12's libgcc lacks.
        Value::BFloat16(x) => format!(
            "(((union {{ unsigned short u; __bf16 b; }}){{ .u = 0x{:04x} }}).b)",
            x.to_bits()
        ),
        Value::Pointer(p) => format!("(void *)0x{:x}ull", *p as usize),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// An exact hexadecimal literal of a normal (or zero) `__float128`, with gcc's and
/// clang's `Q` suffix.
pub fn c_float128(bits: u128) -> String {
    let sign = if bits >> 127 != 0 { "-" } else { "" };
    let exp = ((bits >> 112) & 0x7fff) as i32;
    let frac = bits & ((1u128 << 112) - 1);
    if exp == 0 && frac == 0 {
        return format!("{sign}0.0Q");
    }
    assert!(exp != 0 && exp != 0x7fff, "only normal numbers: {bits:#x}");
    format!("{sign}0x1.{frac:028x}p{}Q", exp - 16383)
}

fn c_u128(x: u128) -> String {
    format!(
        "(((unsigned __int128)0x{:x}ull << 64) | 0x{:x}ull)",
        (x >> 64) as u64,
        x as u64
    )
}

/// C statements comparing the lvalue `expr` of type `ty` with `v`; each mismatch sets
/// bit `bit` of `mism` (and the failing leaf is recorded in `where_`).
pub fn c_checks(ty: &Type, v: &Value, expr: &str, out: &mut String, leaf: &mut usize) {
    match (ty, v) {
        (Type::Struct(agg), Value::Struct(vals)) => {
            for (i, (f, fv)) in agg.fields.iter().zip(vals).enumerate() {
                c_checks(&f.ty, fv, &format!("{expr}.f{i}"), out, leaf);
            }
        }
        (Type::Union(_), Value::Union { member, value }) => {
            let Type::Union(agg) = ty else { unreachable!() };
            c_checks(
                &agg.fields[*member].ty,
                value,
                &format!("{expr}.f{member}"),
                out,
                leaf,
            );
        }
        (Type::Array(elem, _), Value::Array(vals))
        | (Type::Vector(elem, _) | Type::ExtVector(elem, _), Value::Vector(vals)) => {
            for (i, ev) in vals.iter().enumerate() {
                c_checks(elem, ev, &format!("{expr}[{i}]"), out, leaf);
            }
        }
        (Type::Complex(elem), Value::Complex(re, im)) => {
            c_checks(elem, re, &format!("__real__ {expr}"), out, leaf);
            c_checks(elem, im, &format!("__imag__ {expr}"), out, leaf);
        }
        (_, scalar) => {
            *leaf += 1;
            writeln!(
                out,
                "    if (({expr}) != {}) {{ mism++; if (!where_) where_ = {leaf}; }}",
                c_scalar(scalar)
            )
            .unwrap();
        }
    }
}

/// C statements declaring locals `a0`, `a1`, ... of the types named `pnames`, zeroed
/// (so padding is deterministic) and assigned `vals`; returns the names, to pass as a
/// call's arguments.
pub fn c_declare_args(
    params: &[Type],
    pnames: &[String],
    vals: &[Value],
    body: &mut String,
) -> Vec<String> {
    let mut args = Vec::new();
    for (i, (t, v)) in params.iter().zip(vals).enumerate() {
        writeln!(body, "    {} a{i};", pnames[i]).unwrap();
        writeln!(body, "    __builtin_memset(&a{i}, 0, sizeof a{i});").unwrap();
        c_assign(t, v, &format!("a{i}"), body);
        args.push(format!("a{i}"));
    }
    args
}

/// C statements assigning `v` to the lvalue `expr` of type `ty`.
pub fn c_assign(ty: &Type, v: &Value, expr: &str, out: &mut String) {
    match (ty, v) {
        (Type::Struct(agg), Value::Struct(vals)) => {
            for (i, (f, fv)) in agg.fields.iter().zip(vals).enumerate() {
                c_assign(&f.ty, fv, &format!("{expr}.f{i}"), out);
            }
        }
        (Type::Union(agg), Value::Union { member, value }) => {
            c_assign(
                &agg.fields[*member].ty,
                value,
                &format!("{expr}.f{member}"),
                out,
            );
        }
        (Type::Array(elem, _), Value::Array(vals))
        | (Type::Vector(elem, _) | Type::ExtVector(elem, _), Value::Vector(vals)) => {
            for (i, ev) in vals.iter().enumerate() {
                c_assign(elem, ev, &format!("{expr}[{i}]"), out);
            }
        }
        (Type::Complex(elem), Value::Complex(re, im)) => {
            c_assign(elem, re, &format!("__real__ {expr}"), out);
            c_assign(elem, im, &format!("__imag__ {expr}"), out);
        }
        (_, scalar) => writeln!(out, "    {expr} = {};", c_scalar(scalar)).unwrap(),
    }
}

/// One call shape rendered as C: `callee_N` checks its arguments and returns a
/// literal result; `drive_N` calls it directly and checks the result.
pub struct Shape {
    pub ret: Type,
    pub params: Vec<Type>,
    /// Number of fixed parameters when variadic.
    pub variadic_fixed: Option<usize>,
    /// Compilers known to place this shape differently from gcc (see
    /// `docs/DIVERGENCES.md`): for them the test asserts the disagreement instead.
    pub diverges_on: &'static [&'static str],
}

/// Values for one shape: the arguments and the result.
pub struct ShapeValues {
    pub args: Vec<Value>,
    pub ret: Value,
}

pub fn shape_values(shape: &Shape, n: usize) -> ShapeValues {
    ShapeValues {
        args: shape
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| graffiti(t, (n * 40 + i + 1) as u64))
            .collect(),
        ret: match shape.ret {
            Type::Void => Value::Void,
            ref t => graffiti(t, (n * 40 + 39) as u64),
        },
    }
}

/// Renders a batch of shapes as one C file. Each callee records its mismatch count in
/// `mism_N` and the first failing leaf in `where_N`.
pub fn render_shapes(shapes: &[Shape]) -> String {
    let mut types = CTypes::default();
    let mut body = String::new();
    body.push_str("#include <stdarg.h>\n");
    for (n, shape) in shapes.iter().enumerate() {
        let vals = shape_values(shape, n);
        let ret = types.name(&shape.ret);
        let pnames: Vec<String> = shape.params.iter().map(|t| types.name(t)).collect();
        let fixed = shape.variadic_fixed.unwrap_or(shape.params.len());
        let mut proto = Vec::new();
        for (i, p) in pnames.iter().enumerate().take(fixed) {
            proto.push(format!("{p} a{i}"));
        }
        if shape.variadic_fixed.is_some() {
            proto.push("...".into());
        }
        if proto.is_empty() {
            proto.push("void".into());
        }
        writeln!(body, "int mism_{n}; int where_{n};").unwrap();
        writeln!(body, "{ret} callee_{n}({}) {{", proto.join(", ")).unwrap();
        writeln!(body, "    int mism = 0, where_ = 0;").unwrap();
        if shape.variadic_fixed.is_some() {
            writeln!(body, "    va_list ap;").unwrap();
            if fixed > 0 {
                writeln!(body, "    va_start(ap, a{});", fixed - 1).unwrap();
            }
            for (i, p) in pnames.iter().enumerate().skip(fixed) {
                writeln!(body, "    {p} a{i} = va_arg(ap, {p});").unwrap();
            }
            writeln!(body, "    va_end(ap);").unwrap();
        }
        let mut leaf = 0;
        for (i, (t, v)) in shape.params.iter().zip(&vals.args).enumerate() {
            c_checks(t, v, &format!("a{i}"), &mut body, &mut leaf);
        }
        writeln!(body, "    mism_{n} = mism; where_{n} = where_;").unwrap();
        if shape.ret != Type::Void {
            writeln!(body, "    {ret} r;").unwrap();
            writeln!(body, "    __builtin_memset(&r, 0, sizeof r);").unwrap();
            c_assign(&shape.ret, &vals.ret, "r", &mut body);
            writeln!(body, "    return r;").unwrap();
        }
        writeln!(body, "}}").unwrap();
        // The driver: the compiler's own call, with the same values.
        writeln!(body, "int drive_{n}(void) {{").unwrap();
        let args = c_declare_args(&shape.params, &pnames, &vals.args, &mut body);
        if shape.ret == Type::Void {
            writeln!(body, "    callee_{n}({});", args.join(", ")).unwrap();
            writeln!(body, "    return mism_{n};").unwrap();
        } else {
            writeln!(body, "    {ret} r = callee_{n}({});", args.join(", ")).unwrap();
            writeln!(body, "    int mism = 0, where_ = 0;").unwrap();
            let mut leaf = 0;
            c_checks(&shape.ret, &vals.ret, "r", &mut body, &mut leaf);
            writeln!(body, "    return mism_{n} + mism;").unwrap();
        }
        writeln!(body, "}}").unwrap();
    }
    format!("{}\n{}", types.defs, body)
}

pub fn s(fields: impl IntoIterator<Item = Type>) -> Type {
    Type::structure(fields)
}

pub fn shape(ret: Type, params: impl IntoIterator<Item = Type>) -> Shape {
    Shape {
        ret,
        params: params.into_iter().collect(),
        variadic_fixed: None,
        diverges_on: &[],
    }
}

pub fn variadic(ret: Type, fixed: usize, params: impl IntoIterator<Item = Type>) -> Shape {
    Shape {
        ret,
        params: params.into_iter().collect(),
        variadic_fixed: Some(fixed),
        diverges_on: &[],
    }
}

/// The hand-picked table of psABI shapes: every class combination, spills, sret,
/// x87, complex, __int128, unions, packing, alignment, variadics.
pub fn shapes() -> Vec<Shape> {
    use Type::*;
    let narrow = [
        Char, SChar, UChar, Short, UShort, Bool, Int, UInt, Long, ULong, LongLong, ULongLong,
    ];
    let mut v = vec![
        // Narrow integers of both signs, and each as a result.
        shape(Int, narrow.clone()),
        shape(Char, [Char]),
        shape(UChar, [UChar]),
        shape(Short, [Short]),
        shape(UShort, [Int]),
        shape(Bool, [Bool, Bool]),
        shape(Void, []),
        shape(Pointer, [Pointer, Pointer]),
        // 13+ floats and doubles spilling to the stack; interleaved int/float spills.
        shape(Double, vec![Double; 14]),
        shape(Float, vec![Float; 13]),
        shape(
            Double,
            (0..20).map(|i| match i % 3 {
                0 => Int,
                1 => Double,
                _ => Float,
            }),
        ),
        shape(
            Long,
            (0..16).map(|i| if i % 2 == 0 { Long } else { Double }),
        ),
        // Small structs in every class combination.
        shape(Int, [s([Char, Double])]),
        shape(s([Char, Double]), [s([Char, Double])]),
        shape(s([Float, Float, Float]), [s([Float, Float, Float])]),
        shape(s([Float, Int]), [s([Float, Int]), s([Int, Float])]),
        shape(s([Double, Long]), [Int]),
        shape(s([Long, Double]), [Int]),
        shape(
            s([Double, Double]),
            [s([Double, Double]), s([Double, Double])],
        ),
        shape(s([Float, Float]), [s([Float, Float])]),
        shape(s([Long, Long]), [s([Long, Long]), s([Int, Int])]),
        // 3- to 24-byte structs of bytes (exact-length loads and stores).
        shape(s(vec![UChar; 3]), [s(vec![UChar; 3]), s(vec![UChar; 5])]),
        shape(s(vec![UChar; 6]), [s(vec![UChar; 6]), s(vec![UChar; 7])]),
        shape(s(vec![UChar; 7]), [s(vec![UChar; 9]), s(vec![UChar; 11])]),
        shape(s(vec![UChar; 13]), [s(vec![UChar; 15]), s(vec![Short; 7])]),
        shape(s(vec![UChar; 24]), [s(vec![UChar; 17]), s(vec![UChar; 24])]),
        // MEMORY structs as arguments and results.
        shape(s([Long, Long, Long]), [s([Long, Long, Long])]),
        shape(s([Double, Double, Double]), [Double, s(vec![Double; 3])]),
        // The sret pointer pushes the 6th integer argument to the stack.
        shape(s([Long, Long, Long]), vec![Long; 6]),
        // A struct that does not fit the remaining registers goes whole to the stack,
        // and later arguments still take registers.
        shape(Long, [Long, Long, Long, Long, Long, s([Long, Long]), Long]),
        shape(
            Double,
            vec![Double; 7]
                .into_iter()
                .chain([s([Double, Double]), Double]),
        ),
        // long double, struct { long double }, complex.
        shape(LongDouble, [LongDouble, Int, LongDouble]),
        shape(s([LongDouble]), [s([LongDouble]), Double]),
        shape(Type::complex(Float), [Type::complex(Float)]),
        shape(Type::complex(Double), [Type::complex(Double), Int]),
        shape(Type::complex(LongDouble), [Type::complex(LongDouble)]),
        // __int128, including with only one GPR left.
        shape(Int128, [Int128, UInt128]),
        // With one GPR left, __int128 goes whole to the stack and the next `long` takes
        // r9 (gcc); clang 19 puts that `long` on the stack too: a known divergence.
        Shape {
            diverges_on: &["clang-19"],
            ..shape(UInt128, [Long, Long, Long, Long, Long, UInt128, Long])
        },
        // Unions mixing float and int.
        shape(
            Type::union([Float, Int]),
            [Type::union([Float, Int]), Type::union([Double, Long])],
        ),
        shape(Int, [Type::union([s([Float, Float]), Double]), Float]),
        // Nested structs at odd offsets, arrays inside structs.
        shape(
            s([Char, s([Short, Char]), Float]),
            [s([Char, s([Char, s([Char, Double])])])],
        ),
        shape(s([Type::array(Float, 3)]), [s([Type::array(Int, 3), Char])]),
        shape(Int, [s([Type::array(Type::array(Char, 2), 3), Double])]),
        // Packed structs: aligned members stay in registers, misaligned ones go to memory.
        shape(
            Type::build_struct()
                .field("a", Char)
                .field("b", Int)
                .packed()
                .finish(),
            [Type::build_struct()
                .field("a", Int)
                .field("b", Double)
                .packed()
                .finish()],
        ),
        shape(
            Int,
            [Type::build_struct()
                .field("a", Int)
                .field("b", Int)
                .packed()
                .finish()],
        ),
        // Over-aligned aggregates: a 32-aligned struct on the stack, a 16-aligned float.
        shape(
            Long,
            [
                Int,
                Type::build_struct()
                    .field("a", Long)
                    .field("b", Long)
                    .aligned(32)
                    .finish(),
            ],
        ),
        shape(
            Type::build_struct().field("f", Float).aligned(16).finish(),
            [
                Type::build_struct().field("f", Float).aligned(16).finish(),
                Double,
            ],
        ),
        // Empty structs take no register.
        shape(Int, [s([]), Int, s([])]),
        // Variadic calls: doubles past the 8th vector register, structs, long double.
        variadic(Double, 1, [Int].into_iter().chain(vec![Double; 10])),
        variadic(
            Long,
            1,
            [
                Pointer,
                s([Long, Double]),
                Long,
                s([Long, Long, Long]),
                LongDouble,
            ],
        ),
        variadic(Int, 1, [Int]),
    ];
    // _Float16 (SSE, 2 bytes) and __float128 (SSE + SSEUP: one whole xmm register).
    v.extend([
        shape(Float16, [Float16, Float16, Double, Float16]),
        shape(Float16, vec![Float16; 11]),
        shape(
            s([Float16, Float16, Float16]),
            [s([Float16, Float16, Float16])],
        ),
        shape(
            s(vec![Float16; 7]),
            [s(vec![Float16; 7]), s([Float16, Float, Float16])],
        ),
        shape(s([Float16, Int]), [s([Int, Float16]), s([Float16, Long])]),
        shape(s([Long, Float16]), [s([Long, Type::array(Float16, 3)])]),
        shape(
            Type::union([Float16, Short]),
            [Type::union([Float16, Short]), Type::union([Float16, Float])],
        ),
        shape(Float128, [Float128, Int, Float128]),
        shape(Float128, vec![Float128; 10]),
        shape(s([Float128]), [s([Float128]), Double, s([Float128])]),
        shape(
            s([Float128, Long]),
            [s([Float128, Float128]), Type::union([Float128, Long])],
        ),
        shape(
            Type::union([Float128, Double]),
            [
                Type::union([Float128, Double]),
                Type::union([Float128, Int128]),
            ],
        ),
        variadic(Float128, 1, [Int, Float128, Double, Float128]),
        variadic(Float16, 1, [Int, Float16, Double, s([Float16, Float16])]),
    ]);
    // GNU vectors of 16 bytes (SSE + SSEUP: one whole xmm), 8 (SSE), 4 and 2 (INTEGER).
    let vec_of = |elem: Type, lanes: u64| Type::vector(elem, lanes);
    v.extend([
        shape(vec_of(Float, 4), [vec_of(Float, 4), vec_of(Float, 4)]),
        shape(
            vec_of(Double, 2),
            [vec_of(Double, 2), Int, vec_of(LongLong, 2)],
        ),
        shape(vec_of(Char, 16), vec![vec_of(Char, 16); 10]),
        shape(
            vec_of(Short, 8),
            [vec_of(UShort, 8), Double, vec_of(Int128, 1)],
        ),
        shape(vec_of(Float16, 8), [vec_of(Float16, 8), vec_of(Float16, 4)]),
        // gcc 12 passes a 4-byte vector of two _Float16 in xmm (SSE), a vector of one
        // floating lane in memory; clang 19 both in a GPR: known divergences.
        Shape {
            diverges_on: &["clang-19"],
            ..shape(vec_of(Float16, 2), [vec_of(Float16, 2), Int])
        },
        Shape {
            diverges_on: &["clang-19"],
            ..shape(Int, [vec_of(Float, 1), vec_of(Float16, 1)])
        },
        shape(Int, [vec_of(Double, 1), s([vec_of(Double, 1)])]),
        shape(vec_of(Long, 1), [vec_of(Long, 1), vec_of(ULong, 1)]),
        shape(
            vec_of(Int, 2),
            [vec_of(Int, 2), vec_of(Float, 2), vec_of(Char, 8)],
        ),
        shape(
            vec_of(Char, 4),
            [vec_of(Char, 4), vec_of(Short, 2), vec_of(UChar, 2)],
        ),
        shape(
            s([vec_of(Float, 4)]),
            [s([vec_of(Double, 2)]), s([vec_of(Float, 2), Long])],
        ),
        shape(
            s([vec_of(Int, 2), vec_of(Float, 2)]),
            [
                s([vec_of(Char, 4), Float]),
                Type::union([vec_of(Float, 4), Int128]),
            ],
        ),
        shape(vec_of(Float, 4), vec![vec_of(Float, 4); 9]),
        shape(s([Float, vec_of(Float, 4)]), [s([vec_of(Int, 4), Double])]),
        variadic(
            vec_of(Float, 4),
            1,
            [
                Int,
                vec_of(Float, 4),
                Double,
                vec_of(Int, 2),
                vec_of(Char, 4),
            ],
        ),
    ]);
    // Many mixed arguments: both register files exhausted in every order.
    v.push(shape(
        s([Float, Double]),
        (0..24).map(|i| match i % 5 {
            0 => Char,
            1 => Float,
            2 => s([Int, Float]),
            3 => Double,
            _ => UShort,
        }),
    ));
    v
}

pub fn signature(shape: &Shape) -> Signature {
    match shape.variadic_fixed {
        None => Signature::new(shape.ret.clone(), shape.params.clone()),
        Some(fixed) => Signature::variadic(
            shape.ret.clone(),
            shape.params[..fixed].to_vec(),
            shape.params[fixed..].to_vec(),
        ),
    }
}

/// Renders, for each shape, `void probe_call_N(void)`: the compiler's own call of the
/// register-capture probe `probes[N]` cast to the shape's prototype, with the shape's
/// values.
pub fn render_probe_callers(shapes: &[Shape], probes: &[&str]) -> String {
    let mut types = CTypes::default();
    let mut body = String::new();
    for p in [
        "jitcall_probe",
        "jitcall_probe_x87",
        "jitcall_probe_x87x2",
        "jitcall_probe_sret",
    ] {
        writeln!(body, "extern void {p}(void);").unwrap();
    }
    for (n, shape) in shapes.iter().enumerate() {
        let vals = shape_values(shape, n);
        let ret = types.name(&shape.ret);
        let pnames: Vec<String> = shape.params.iter().map(|t| types.name(t)).collect();
        let fixed = shape.variadic_fixed.unwrap_or(shape.params.len());
        let mut proto: Vec<String> = pnames.iter().take(fixed).cloned().collect();
        if shape.variadic_fixed.is_some() {
            proto.push("...".into());
        }
        if proto.is_empty() {
            proto.push("void".into());
        }
        writeln!(body, "typedef {ret} (*probe_fn_{n})({});", proto.join(", ")).unwrap();
        writeln!(body, "void probe_call_{n}(void) {{").unwrap();
        let args = c_declare_args(&shape.params, &pnames, &vals.args, &mut body);
        writeln!(
            body,
            "    ((probe_fn_{n}){})({});",
            probes[n],
            args.join(", ")
        )
        .unwrap();
        writeln!(body, "}}").unwrap();
    }
    format!("{}\n{}", types.defs, body)
}

/// For each byte of a value of `ty` holding `v`: whether it carries data (not padding,
/// not the 6 unused bytes of a long double, not union bytes outside the member set).
pub fn data_mask(ty: &Type, v: &Value) -> Vec<bool> {
    let size = match ty {
        Type::Void => 0,
        t => t.layout().unwrap().size as usize,
    };
    let mut mask = vec![false; size];
    mark(ty, v, 0, &mut mask);
    mask
}

fn mark(ty: &Type, v: &Value, at: usize, mask: &mut [bool]) {
    match (ty, v) {
        (Type::Struct(agg), Value::Struct(vals)) => {
            let offs = ty.field_offsets().unwrap().unwrap();
            for ((f, fv), off) in agg.fields.iter().zip(vals).zip(offs) {
                mark(&f.ty, fv, at + off as usize, mask);
            }
        }
        (Type::Union(agg), Value::Union { member, value }) => {
            mark(&agg.fields[*member].ty, value, at, mask)
        }
        (Type::Array(elem, _), Value::Array(vals))
        | (Type::Vector(elem, _) | Type::ExtVector(elem, _), Value::Vector(vals)) => {
            let size = elem.layout().unwrap().size as usize;
            for (i, ev) in vals.iter().enumerate() {
                mark(elem, ev, at + i * size, mask);
            }
        }
        (Type::Complex(elem), Value::Complex(re, im)) => {
            let size = elem.layout().unwrap().size as usize;
            mark(elem, re, at, mask);
            mark(elem, im, at + size, mask);
        }
        (Type::LongDouble, _) => mask[at..at + 10].fill(true),
        (t, _) => {
            let size = t.layout().unwrap().size as usize;
            mask[at..at + size].fill(true);
        }
    }
}

/// proptest strategies for C types and signatures.
pub mod strategies {
    use jitcall::Type;
    use proptest::prelude::*;

    /// Any scalar jitcall passes.
    pub fn scalar() -> impl Strategy<Value = Type> {
        use Type::*;
        prop_oneof![
            Just(Bool),
            Just(Char),
            Just(SChar),
            Just(UChar),
            Just(Short),
            Just(UShort),
            Just(Int),
            Just(UInt),
            Just(Long),
            Just(ULong),
            Just(LongLong),
            Just(ULongLong),
            Just(Int128),
            Just(UInt128),
            Just(Float),
            Just(Double),
            Just(Float),
            Just(Double),
            Just(LongDouble),
            Just(Pointer),
        ]
    }

    /// Scalars, complex numbers, and structs/unions/arrays nested up to three deep.
    pub fn any_type() -> impl Strategy<Value = Type> {
        let leaf = prop_oneof![
            12 => scalar(),
            1 => prop_oneof![Just(Type::Float), Just(Type::Double), Just(Type::LongDouble)]
                .prop_map(Type::complex),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                4 => prop::collection::vec(inner.clone(), 0..5).prop_map(Type::structure),
                1 => prop::collection::vec(inner.clone(), 1..4).prop_map(Type::union),
                1 => (inner.clone(), 0..4u64, inner.clone())
                    .prop_map(|(t, n, u)| Type::structure([Type::array(t, n), u])),
                1 => prop::collection::vec(inner.clone(), 1..4).prop_map(|fs| {
                    let mut b = Type::build_struct().packed();
                    for (i, f) in fs.into_iter().enumerate() {
                        b = b.field(format!("m{i}"), f);
                    }
                    b.finish()
                }),
                1 => (prop::collection::vec(inner, 1..3), 0..6u32).prop_map(|(fs, a)| {
                    let mut b = Type::build_struct().aligned(1 << a);
                    for (i, f) in fs.into_iter().enumerate() {
                        b = b.field(format!("m{i}"), f);
                    }
                    b.finish()
                }),
            ]
        })
    }

    /// A return type (often `void` or a scalar) and 0 to 24 parameters.
    pub fn any_signature() -> impl Strategy<Value = (Type, Vec<Type>)> {
        (
            prop_oneof![1 => Just(Type::Void), 2 => scalar(), 3 => any_type()],
            prop::collection::vec(any_type(), 0..24),
        )
    }
}

/// The known clang divergence (docs/DIVERGENCES.md): when an `__int128` goes to the
/// stack because only r9 is left, gcc gives r9 to a later INTEGER argument and clang
/// does not. True when `plan` has that pattern, so clang's callee sees a difference.
pub fn clang_int128_divergence(sig: &Signature, plan: &jitcall::abi::CallPlan) -> bool {
    use jitcall::abi::{ArgLocation, Gpr, Reg, StackReason};
    let Some(first) = plan.args.iter().zip(sig.params()).position(|(a, t)| {
        matches!(t, Type::Int128 | Type::UInt128)
            && matches!(
                a.stack_reason,
                Some(StackReason::OutOfRegisters { gprs_left: 1, .. })
            )
    }) else {
        return false;
    };
    plan.args[first..].iter().any(|a| match &a.location {
        ArgLocation::Registers(loads) => loads.iter().any(|l| l.reg == Reg::Gpr(Gpr::R9)),
        _ => false,
    })
}

/// Every mapping of this process that is writable and executable at once.
pub fn wx_mappings() -> Vec<String> {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|l| {
            let perms = l.split_whitespace().nth(1).unwrap_or("");
            perms.contains('w') && perms.contains('x')
        })
        .map(String::from)
        .collect()
}

/// C's `struct { double x, y; }` (two SSE eightbytes), as the fixtures call it `vec2`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, jitcall_derive::Plain)]
pub struct Vec2 {
    pub x: f64,
    pub y: f64,
}

// SAFETY: two doubles, as C's `vec2`.
unsafe impl jitcall::CType for Vec2 {
    fn c_type() -> Type {
        Type::structure([Type::Double, Type::Double])
    }
}

/// C's `struct { long a, b, c; }` (MEMORY: returned through sret), as the fixtures call
/// it `big3`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, jitcall_derive::Plain)]
pub struct Big3 {
    pub a: i64,
    pub b: i64,
    pub c: i64,
}

// SAFETY: three longs, as C's `big3`.
unsafe impl jitcall::CType for Big3 {
    fn c_type() -> Type {
        Type::structure([Type::Long, Type::Long, Type::Long])
    }
}

/// Reads and resets `mism_N`/`where_N` of a library built from [`render_shapes`].
pub fn take_mismatch(lib: &Library, n: usize) -> (i32, i32) {
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

/// Calls shape `n` of a library built from [`render_shapes`] through every entry —
/// `call`, `call_frame`, a batch and `call_raw` — with `sig` (the shape's signature,
/// its vector ABI stated), after checking that the C driver `drive_N` and `callee_N`
/// agree; returns a line for each entry whose call the callee or the result faulted.
pub fn check_shape_entries(
    lib: &Library,
    n: usize,
    sig: &Signature,
    vals: &ShapeValues,
    what: &str,
) -> Vec<String> {
    let mut failures = Vec::new();
    let drive = lib
        .function(&format!("drive_{n}"), &Signature::new(Type::Int, []))
        .unwrap();
    // SAFETY: drive_N is `int drive_N(void)`.
    let direct = unsafe { drive.call(&[]) }.unwrap();
    assert_eq!(direct, Value::Int(0), "{what}: the C driver disagrees");
    take_mismatch(lib, n);
    let f = lib.function(&format!("callee_{n}"), sig).unwrap();

    // SAFETY: callee_N has exactly this signature (we generated both).
    let r = unsafe { f.call(&vals.args) }.unwrap();
    let seen = take_mismatch(lib, n);
    if seen != (0, 0) || r != vals.ret {
        failures.push(format!("{what}: call saw {seen:?}, returned {r:?}"));
    }

    let mut frame = f.frame();
    for (i, v) in vals.args.iter().enumerate() {
        frame.set_value(i, v).unwrap();
    }
    // SAFETY: as above.
    unsafe { f.call_frame(&mut frame) };
    let seen = take_mismatch(lib, n);
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
    let seen = take_mismatch(lib, n);
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
    let ptrs: Vec<*const std::ffi::c_void> = arg_bytes.iter().map(|b| b.as_ptr().cast()).collect();
    let size = match sig.ret() {
        Type::Void => 0,
        t => t.layout().unwrap().size as usize,
    };
    let mut ret_buf = vec![u128::from_ne_bytes([0xab; 16]); size / 16 + 2];
    // SAFETY: one pointer per parameter to a value of its type; the result buffer
    // is 16-aligned and larger than the result.
    unsafe { f.call_raw(ret_buf.as_mut_ptr().cast(), ptrs.as_ptr()) }.unwrap();
    let seen = take_mismatch(lib, n);
    // SAFETY: plain initialised memory viewed as bytes.
    let bytes =
        unsafe { std::slice::from_raw_parts(ret_buf.as_ptr().cast::<u8>(), ret_buf.len() * 16) };
    if size > 0 {
        let r = Value::from_bytes(sig.ret(), bytes).unwrap();
        if seen != (0, 0) || r != vals.ret || bytes[size..].iter().any(|b| *b != 0xab) {
            failures.push(format!("{what}: call_raw saw {seen:?}, returned {r:?}"));
        }
    }
    failures
}
