//! Callbacks: C calling Rust closures through jitcall's entry stubs.
//!
//! The shapes table of `common` is rendered as C drivers, compiled by gcc and clang-19:
//! `drive_cb_N(f)` calls `f` with the shape's graffiti values and checks the result
//! member by member, while the Rust closure behind `f` checks every argument it
//! received. Then: jitcall calling its own callbacks under the callee-saved-register
//! harness of `asm/probe.S`, frames larger than a page or aligned to one, `qsort` with
//! a closure comparator, many threads on one callback, re-entrant calls, 100,000
//! callbacks created and dropped in bounded code memory, the rejection of variadic
//! signatures, and the abort on a panic (in a child process).

mod common;

use common::*;
use jitcall::{Callback, Error, Function, Library, Signature, Type, Value, arena_stats};
use std::ffi::c_void;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

/// Tests that count code bytes take this exclusively; every other test shares it, so
/// no stub is created or dropped while the counts are compared.
static ARENA: RwLock<()> = RwLock::new(());

fn shared() -> std::sync::RwLockReadGuard<'static, ()> {
    ARENA.read().unwrap_or_else(|p| p.into_inner())
}

/// How often each C driver calls its callback: an x87 stack left unbalanced by the
/// stub overflows within eight calls and turns the results into NaNs.
const REPEAT: usize = 10;

/// For each shape that is not variadic, `int drive_cb_N(f)`: calls `f` `REPEAT` times
/// with the shape's values, checks every result member, returns the mismatch count and
/// leaves the first failing leaf in `cb_where_N`.
fn render_drivers(shapes: &[Shape]) -> String {
    use std::fmt::Write as _;
    let mut types = CTypes::default();
    let mut body = String::new();
    for (n, shape) in shapes.iter().enumerate() {
        if shape.variadic_fixed.is_some() {
            continue;
        }
        let vals = shape_values(shape, n);
        let ret = types.name(&shape.ret);
        let pnames: Vec<String> = shape.params.iter().map(|t| types.name(t)).collect();
        let proto = if pnames.is_empty() {
            "void".to_string()
        } else {
            pnames.join(", ")
        };
        writeln!(body, "typedef {ret} (*cb_fn_{n})({proto});").unwrap();
        writeln!(body, "int cb_where_{n};").unwrap();
        writeln!(body, "int drive_cb_{n}(cb_fn_{n} f) {{").unwrap();
        writeln!(body, "    int mism = 0, where_ = 0;").unwrap();
        writeln!(body, "    for (int k = 0; k < {REPEAT}; k++) {{").unwrap();
        let args = c_declare_args(&shape.params, &pnames, &vals.args, &mut body);
        if shape.ret == Type::Void {
            writeln!(body, "    f({});", args.join(", ")).unwrap();
        } else {
            writeln!(body, "    {ret} r = f({});", args.join(", ")).unwrap();
            let mut leaf = 0;
            c_checks(&shape.ret, &vals.ret, "r", &mut body, &mut leaf);
        }
        writeln!(body, "    }}").unwrap();
        writeln!(body, "    cb_where_{n} = where_;").unwrap();
        writeln!(body, "    return mism;").unwrap();
        writeln!(body, "}}").unwrap();
    }
    format!("{}\n{}", types.defs, body)
}

/// A callback for shape `n` that records every argument that differs from the
/// expected value in `errors`, counts its calls, and returns the expected result.
fn checking_callback<'a>(
    sig: &Signature,
    vals: ShapeValues,
    errors: &'a Mutex<Vec<String>>,
    calls: &'a AtomicUsize,
) -> Callback<impl Fn(&mut jitcall::Frame) + 'a> {
    let plan = jitcall::abi::sysv::classify(sig).unwrap();
    // Bytes of the frame that hold no argument data: the stub must leave them zero.
    let mut padding = vec![true; plan.frame_size as usize];
    for arg in &plan.args {
        let at = arg.frame_offset as usize;
        padding[at..at + arg.size as usize].fill(false);
    }
    Callback::new(sig, move |frame| {
        calls.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the frame spans at least frame_size bytes.
        let bytes = unsafe { std::slice::from_raw_parts(frame.as_mut_ptr(), padding.len()) };
        if let Some(i) = (0..padding.len()).find(|&i| padding[i] && bytes[i] != 0) {
            errors
                .lock()
                .unwrap()
                .push(format!("frame byte {i} is {:#04x}, not zero", bytes[i]));
        }
        for (i, want) in vals.args.iter().enumerate() {
            match frame.arg_value(i) {
                Ok(got) if got == *want => {}
                got => errors
                    .lock()
                    .unwrap()
                    .push(format!("argument {i}: got {got:?}, expected {want:?}")),
            }
        }
        if let Err(e) = frame.set_ret_value(&vals.ret) {
            errors.lock().unwrap().push(format!("set_ret_value: {e}"));
        }
    })
    .unwrap()
}

#[test]
fn every_shape_calls_back_from_the_compilers() {
    let _arena = shared();
    let shapes = shapes();
    let source = render_drivers(&shapes);
    let mut failures = Vec::new();
    let mut checked = 0;
    for cc in compilers() {
        let lib = open_c(cc, "callbacks", &source);
        for (n, shape) in shapes.iter().enumerate() {
            let sig = signature(shape);
            if shape.variadic_fixed.is_some() {
                continue;
            }
            let what = format!("{cc}: shape {n} `{sig}`");
            let errors = Mutex::new(Vec::new());
            let calls = AtomicUsize::new(0);
            let cb = checking_callback(&sig, shape_values(shape, n), &errors, &calls);
            let drive = lib
                .function(
                    &format!("drive_cb_{n}"),
                    &Signature::new(Type::Int, [Type::Pointer]),
                )
                .unwrap();
            // SAFETY: drive_cb_N is `int drive_cb_N(fn *)`, and calls its argument with
            // exactly the signature `cb` was made for; `cb` outlives the call.
            let mism =
                unsafe { drive.call(&[Value::Pointer(cb.code_ptr() as *mut c_void)]) }.unwrap();
            let where_ = lib.symbol(&format!("cb_where_{n}")).unwrap() as *const i32;
            // SAFETY: cb_where_N is an `int` global of the loaded fixture.
            let where_ = unsafe { where_.read() };
            drop(cb);
            let errors = errors.into_inner().unwrap();
            assert_eq!(calls.load(Ordering::Relaxed), REPEAT, "{what}");
            if shape.diverges_on.contains(&cc) {
                // jitcall follows gcc; this compiler must still place arguments
                // differently, or the divergence list is out of date.
                if errors.is_empty() {
                    failures.push(format!("{what}: known divergence no longer diverges"));
                }
                continue;
            }
            checked += 1;
            if let Some(first) = errors.first() {
                failures.push(format!(
                    "{what}: the closure saw {} mismatch(es), first {first}",
                    errors.len()
                ));
            }
            if mism != Value::Int(0) {
                failures.push(format!(
                    "{what}: the C caller saw {mism:?} result mismatch(es), first at leaf {where_}"
                ));
            }
        }
    }
    assert!(checked > 40, "only {checked} shapes checked");
    assert_no_failures(&failures);
}

/// jitcall calling its own callbacks, for every shape, under the harness of
/// `asm/probe.S` that puts canaries in every callee-saved register and checks them,
/// `rsp`, the x87 stack depth and the direction flag after the call.
#[test]
fn round_trips_keep_callee_saved_registers_and_the_x87_stack() {
    let _arena = shared();
    let dir = ScratchDir::new("cb-harness");
    let so = dir.join("libprobe.so");
    let probe = Path::new(env!("CARGO_MANIFEST_DIR")).join("asm/probe.S");
    build_shared("gcc", &[&probe], &so, &[]);
    let lib = Library::open(so.to_str().unwrap()).unwrap();
    // SAFETY: the harness has this C signature (see asm/probe.S).
    let harness: unsafe extern "C" fn(
        unsafe extern "C" fn(*mut u8, *const c_void),
        *mut u8,
        *const c_void,
    ) -> u64 = unsafe { std::mem::transmute(lib.symbol("jitcall_probe_harness").unwrap()) };
    let mut failures = Vec::new();
    for (n, shape) in shapes().iter().enumerate() {
        if shape.variadic_fixed.is_some() {
            continue;
        }
        let sig = signature(shape);
        let vals = shape_values(shape, n);
        let expected_ret = vals.ret.clone();
        let expected_args = vals.args.clone();
        let errors = Mutex::new(Vec::new());
        let calls = AtomicUsize::new(0);
        let cb = checking_callback(&sig, vals, &errors, &calls);
        let f = Function::new(cb.code_ptr(), &sig).unwrap();
        let mut frame = f.frame();
        for (i, v) in expected_args.iter().enumerate() {
            frame.set_value(i, v).unwrap();
        }
        // SAFETY: the entry is the frame trampoline of a plan for `sig`, the frame was
        // made by it, and the target is a callback with `sig` that outlives the call.
        let broken =
            unsafe { harness(f.raw_frame_entry().unwrap(), frame.as_mut_ptr(), f.target()) };
        let what = format!("shape {n} `{sig}`");
        if broken != 0 {
            failures.push(format!("{what}: harness reports {broken:#b}"));
        }
        let r = frame.ret_value().unwrap();
        if r != expected_ret {
            failures.push(format!("{what}: result {r:?}, expected {expected_ret:?}"));
        }
        // And once through values, to the bound fast entry (tail jump where possible).
        // SAFETY: as above.
        let r = unsafe { f.call(&expected_args) }.unwrap();
        if r != expected_ret {
            failures.push(format!(
                "{what}: call: result {r:?}, expected {expected_ret:?}"
            ));
        }
        drop(cb);
        if let Some(first) = errors.into_inner().unwrap().first() {
            failures.push(format!("{what}: the closure saw {first}"));
        }
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }
    assert_no_failures(&failures);
}

#[test]
fn large_and_over_aligned_frames() {
    let _arena = shared();
    let source = r#"
        struct big { unsigned char c[5000]; };
        struct page { long a; } __attribute__((aligned(4096)));
        long drive_big(long (*f)(struct big, int)) {
            struct big b;
            for (int i = 0; i < 5000; i++) b.c[i] = (unsigned char)(i * 7);
            return f(b, 3);
        }
        long drive_page(long (*f)(int, struct page)) {
            struct page p = { -12345 };
            return f(1, p);
        }
    "#;
    let big: Signature = "struct big { unsigned char c[5000]; }; long f(struct big, int);"
        .parse()
        .unwrap();
    let page: Signature =
        "struct page { long a; } __attribute__((aligned(4096))); long f(int, struct page);"
            .parse()
            .unwrap();
    let big_cb = Callback::new(&big, |frame| {
        let bytes: [u8; 5000] = frame.arg(0);
        let ok = bytes.iter().enumerate().all(|(i, b)| *b == (i * 7) as u8);
        let sum: i64 = bytes.iter().map(|b| *b as i64).sum();
        frame.set_ret(if ok {
            sum * frame.arg::<i32>(1) as i64
        } else {
            -1
        });
    })
    .unwrap();
    let page_cb = Callback::new(&page, |frame| {
        let aligned = (frame.as_mut_ptr() as usize).is_multiple_of(4096);
        let a: i64 = frame.arg::<[i64; 512]>(1)[0];
        frame.set_ret(if aligned {
            a + frame.arg::<i32>(0) as i64
        } else {
            -1
        });
    })
    .unwrap();
    let want: i64 = (0..5000).map(|i| ((i * 7) as u8) as i64).sum::<i64>() * 3;
    for cc in compilers() {
        let lib = open_c(cc, "cb-large", source);
        let drive = |name: &str, cb: *const c_void| {
            let f = lib
                .function(name, &Signature::new(Type::Long, [Type::Pointer]))
                .unwrap();
            // SAFETY: the driver takes a function pointer of the callback's signature,
            // and the callback outlives the call.
            unsafe { f.call(&[Value::Pointer(cb as *mut c_void)]) }.unwrap()
        };
        assert_eq!(
            drive("drive_big", big_cb.code_ptr()),
            Value::Long(want),
            "{cc}"
        );
        assert_eq!(
            drive("drive_page", page_cb.code_ptr()),
            Value::Long(-12344),
            "{cc}"
        );
    }
}

#[test]
fn qsort_sorts_with_a_closure_comparator() {
    let _arena = shared();
    let comparisons = AtomicUsize::new(0);
    let sig: Signature = "int compare(const void *, const void *)".parse().unwrap();
    let compare = Callback::new(&sig, |frame| {
        comparisons.fetch_add(1, Ordering::Relaxed);
        // SAFETY: qsort passes pointers to two elements of the i64 array below.
        let (a, b) = unsafe { (*frame.arg::<*const i64>(0), *frame.arg::<*const i64>(1)) };
        frame.set_ret(a.cmp(&b) as i32);
    })
    .unwrap();
    let mut xs: Vec<i64> = (0..1000i64).map(|i| (i * 7919) % 1009 - 500).collect();
    let mut want = xs.clone();
    want.sort();
    // SAFETY: qsort's comparator has the signature `compare` was made for; the array,
    // its length and element size match; `compare` outlives the call.
    unsafe {
        libc::qsort(
            xs.as_mut_ptr().cast(),
            xs.len(),
            size_of::<i64>(),
            Some(std::mem::transmute::<
                *const c_void,
                unsafe extern "C" fn(*const c_void, *const c_void) -> i32,
            >(compare.code_ptr())),
        );
    }
    assert_eq!(xs, want);
    assert!(comparisons.load(Ordering::Relaxed) >= 999);
}

#[test]
fn many_threads_call_one_callback() {
    let _arena = shared();
    let calls = AtomicU64::new(0);
    let sig = Signature::new(Type::Long, [Type::Long, Type::Double]);
    let cb = Callback::new(&sig, |frame| {
        calls.fetch_add(1, Ordering::Relaxed);
        let (a, b): (i64, f64) = (frame.arg(0), frame.arg(1));
        frame.set_ret(a * 2 + b as i64);
    })
    .unwrap();
    // SAFETY: the callback has this signature and outlives every thread below.
    let f: extern "C" fn(i64, f64) -> i64 = unsafe { std::mem::transmute(cb.code_ptr()) };
    const THREADS: u64 = 8;
    const CALLS: u64 = 20_000;
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            scope.spawn(move || {
                for i in 0..CALLS as i64 {
                    let k = t as i64 * 1_000_000 + i;
                    assert_eq!(f(k, 3.0), 2 * k + 3);
                }
            });
        }
    });
    assert_eq!(calls.load(Ordering::Relaxed), THREADS * CALLS);
}

#[test]
fn callbacks_are_reentrant() {
    let _arena = shared();
    // factorial(n) calls itself through its own C pointer: every level has its own
    // frame on the machine stack.
    let me = AtomicUsize::new(0);
    let sig = Signature::new(Type::ULong, [Type::ULong]);
    let factorial = Callback::new(&sig, |frame| {
        let n: u64 = frame.arg(0);
        let r = if n <= 1 {
            1
        } else {
            // SAFETY: `me` holds this callback's own pointer, alive during the call.
            let f: extern "C" fn(u64) -> u64 =
                unsafe { std::mem::transmute(me.load(Ordering::Relaxed)) };
            n * f(n - 1)
        };
        frame.set_ret(r);
    })
    .unwrap();
    me.store(factorial.code_ptr() as usize, Ordering::Relaxed);
    // SAFETY: as above.
    let f: extern "C" fn(u64) -> u64 = unsafe { std::mem::transmute(factorial.code_ptr()) };
    assert_eq!(f(20), 2_432_902_008_176_640_000);
}

#[test]
fn typed_results_and_defaults() {
    let _arena = shared();
    // A result the closure does not set is zero, even through sret.
    let big = Type::structure([Type::Long, Type::Long, Type::Long]);
    let silent = Callback::new(&Signature::new(big, [Type::Int]), |_| {}).unwrap();
    #[repr(C)]
    #[derive(Debug, PartialEq)]
    struct Big(i64, i64, i64);
    // SAFETY: the callback returns struct { long, long, long } and takes an int.
    let f: extern "C" fn(i32) -> Big = unsafe { std::mem::transmute(silent.code_ptr()) };
    assert_eq!(f(1), Big(0, 0, 0));

    // try_set_ret reports a size mismatch; set_ret of the right type wins.
    let sizes = Mutex::new(Vec::new());
    let half = Callback::new(&Signature::new(Type::Double, [Type::Float]), |frame| {
        sizes
            .lock()
            .unwrap()
            .push(frame.try_set_ret(1.0f32).is_err());
        let x: f32 = frame.arg(0);
        frame.set_ret(x as f64 / 2.0);
    })
    .unwrap();
    // SAFETY: the callback is double(float).
    let f: extern "C" fn(f32) -> f64 = unsafe { std::mem::transmute(half.code_ptr()) };
    assert_eq!(f(3.0), 1.5);
    assert_eq!(*sizes.lock().unwrap(), [true]);
    assert_eq!(half.signature().to_string(), "double (float)");
    assert!(half.code_size() > 0);
}

#[test]
fn variadic_and_invalid_signatures_are_rejected() {
    let _arena = shared();
    for sig in [
        Signature::variadic(Type::Int, [Type::Pointer], [Type::Int]),
        Signature::variadic(Type::Int, [Type::Pointer], []),
    ] {
        match Callback::new(&sig, |_| {}) {
            Err(e @ Error::Unsupported { .. }) => {
                assert!(e.to_string().contains("variadic"), "{e}")
            }
            other => panic!("{sig}: expected an unsupported-signature error, got {other:?}"),
        }
    }
    let void_param = Signature::new(Type::Int, [Type::Void]);
    assert!(matches!(
        Callback::new(&void_param, |_| {}),
        Err(Error::InvalidType { .. })
    ));
}

#[test]
fn a_hundred_thousand_callbacks_in_bounded_memory() {
    let _arena = ARENA.write().unwrap_or_else(|p| p.into_inner());
    let before = arena_stats();
    let sigs: Vec<Signature> = [
        "int f(int, int)",
        "double f(double, long, float)",
        "struct { long a, b, c; } f(long, long, long, long, long, long, long)",
        "long double f(long double)",
        "struct { char c; double d; } f(struct { float x, y, z; }, short)",
    ]
    .iter()
    .map(|d| d.parse().unwrap())
    .collect();
    let mut held = Vec::new();
    for i in 0..100_000usize {
        let cb = Callback::new(&sigs[i % sigs.len()], |frame| frame.set_ret(i)).unwrap();
        if i % 10_000 == 0 {
            let seven = Callback::new(&sigs[0], |frame| frame.set_ret(7i32)).unwrap();
            // SAFETY: sigs[0] is int(int, int); `seven` outlives the call.
            let f: extern "C" fn(i32, i32) -> i32 =
                unsafe { std::mem::transmute(seven.code_ptr()) };
            assert_eq!(f(1, 2), 7);
            assert!(wx_mappings().is_empty(), "{:?}", wx_mappings());
        }
        if i % 1000 < 3 {
            // A few live at once, dropped later: freed space is reused out of order.
            held.push(Callback::new(&sigs[1], |_| {}).unwrap());
        }
        if held.len() > 200 {
            held.clear();
        }
        drop(cb);
    }
    drop(held);
    let after = arena_stats();
    assert_eq!(
        after.bytes_in_use, before.bytes_in_use,
        "live code bytes did not return to their baseline"
    );
    assert!(
        after.bytes_mapped <= before.bytes_mapped + 128 * 1024,
        "code memory grew from {} to {} bytes",
        before.bytes_mapped,
        after.bytes_mapped
    );
}

/// Set in a child process to the misbehaviour it should show.
const CHILD: &str = "JITCALL_CALLBACK_ABORT_CHILD";

#[test]
fn a_panicking_closure_aborts_the_process() {
    if let Ok(what) = std::env::var(CHILD) {
        misbehave(&what);
    }
    use std::os::unix::process::ExitStatusExt;
    for (what, message) in [
        ("panic", "jitcall: a callback closure panicked; aborting"),
        ("escape", "jitcall: a callback closure moved its frame out"),
    ] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_panicking_closure_aborts_the_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, what)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGABRT),
            "{what}: the child should die by SIGABRT: {:?}\n{stderr}",
            out.status
        );
        assert!(stderr.contains(message), "{what}: stderr was:\n{stderr}");
        if what == "panic" {
            assert!(stderr.contains("boom from the closure"), "{stderr}");
        }
    }
}

/// In the child: a callback misbehaves; the process must abort before returning here.
fn misbehave(what: &str) -> ! {
    let sig = Signature::new(Type::Int, [Type::Int]);
    let abs = Library::this().function("abs", &sig).unwrap();
    let cb = Callback::new(&sig, |frame| match what {
        "panic" => panic!("boom from the closure"),
        _ => {
            let mut other = abs.frame();
            std::mem::swap(frame, &mut other);
        }
    })
    .unwrap();
    // SAFETY: the callback is int(int) and lives through the call.
    let f: extern "C" fn(i32) -> i32 = unsafe { std::mem::transmute(cb.code_ptr()) };
    f(1);
    unreachable!("the callback should have aborted the process");
}
