//! errno, captured where it is true: a C callee sets errno to a chosen value, and the
//! Rust side allocates, formats and opens a file that does not exist (which sets errno
//! itself) between the call and reading the captured value. The captured value must
//! still be the callee's, on every call path: `call_with_errno`, `call_frame`,
//! `call_raw_errno`, `call_batch` (a different errno per row); errno set before the
//! call; results in x87 registers, through sret, in a register pair, with stack
//! arguments; many threads; and callbacks, which must hand their C caller back its own
//! errno (or the one the closure set in its frame).
//!
//! Fixtures are compiled by every C compiler installed (gcc, clang-19).

mod common;

use common::{compilers, open_c};
use jitcall::{Callback, Errno, Frame, Function, Library, LongDouble, Signature, Type, Value};
use std::ffi::c_void;

const FIXTURE: &str = r#"
#include <errno.h>
#include <string.h>

/* Sets errno to e and fails. */
int fail_with(int e) { errno = e; return -1; }

/* The errno this function was called with. */
int errno_seen(void) { return errno; }

/* x87 result: 2x, errno = e. */
long double ld_twice(long double x, int e) { errno = e; return x * 2; }

/* MEMORY result (sret). */
struct big { long a, b, c; };
struct big big_from(long a, int e) {
    struct big r = { a, a + 1, a + 2 };
    errno = e;
    return r;
}

/* Two result registers of different classes (rax and xmm0). */
struct pair { long n; double x; };
struct pair pair_from(long n, double x, int e) {
    struct pair r = { n, x };
    errno = e;
    return r;
}

/* Stack arguments: the seventh and eighth integers, and a result in rax. */
long stack_sum(long a, long b, long c, long d, long f, long g, long h, long i, int e) {
    errno = e;
    return a + b + c + d + f + g + h + i;
}

/* An argument on the stack aligned to 32: rsp is aligned to 32 at the call. */
struct al32 { long a; } __attribute__((aligned(32)));
long al_get(struct al32 s, int e) { errno = e; return s.a * 3; }

/* Calls f with errno = before, and returns what errno is after f returned; f's
   result goes to *result. */
int errno_across(int (*f)(int), int before, int *result) {
    errno = before;
    *result = f(7);
    return errno;
}
"#;

/// What Rust code between a call and a read of errno typically does: allocate, format,
/// drop, and call into libc, which sets errno (here: open a file that does not exist).
/// Checks that it really did clobber errno, so that a value read now is not the
/// callee's.
fn clobber_errno() {
    let mut v: Vec<String> = (0..100).map(|i| format!("row {i}")).collect();
    v.sort();
    drop(v);
    let opened = std::fs::File::open("/nonexistent/jitcall/errno/test");
    assert!(opened.is_err());
    assert_eq!(
        std::io::Error::last_os_error().raw_os_error(),
        Some(libc::ENOENT),
        "File::open of a missing path leaves ENOENT in errno"
    );
}

fn with_fixture(mut test: impl FnMut(&str, &Library)) {
    for cc in compilers() {
        let lib = open_c(cc, "errno", FIXTURE);
        test(cc, &lib);
    }
}

/// The last function `decls` declares, from `lib`, bound with `errno`.
fn bind(lib: &Library, decls: &str, errno: Errno) -> Function {
    let decls = jitcall::Declarations::parse(decls).unwrap();
    let f = decls.last_function().unwrap();
    lib.function(&f.name, &f.signature)
        .unwrap()
        .with_errno(errno)
        .unwrap()
}

#[test]
fn call_with_errno_returns_the_callees_errno() {
    with_fixture(|cc, lib| {
        let f = bind(lib, "int fail_with(int)", Errno::Capture);
        assert_eq!(f.errno(), Errno::Capture);
        for e in [1234, 0, libc::EINTR, -5] {
            // SAFETY: fail_with has this signature.
            let (r, errno) = unsafe { f.call_with_errno(&[Value::Int(e)], 99) }.unwrap();
            clobber_errno();
            assert_eq!((r, errno), (Value::Int(-1), e), "{cc}");
        }
    });
}

#[test]
fn call_frame_captures_before_rust_runs() {
    with_fixture(|cc, lib| {
        let f = bind(lib, "int fail_with(int)", Errno::Capture);
        let mut frame = f.frame();
        assert_eq!(frame.errno(), Some(0), "a fresh frame's slot is zero");
        for e in [1234, 7, 0] {
            frame.set_arg(0, e);
            // SAFETY: fail_with has this signature.
            unsafe { f.call_frame(&mut frame) };
            clobber_errno();
            assert_eq!(frame.ret::<i32>(), -1, "{cc}");
            assert_eq!(frame.errno(), Some(e), "{cc}");
        }
    });
}

#[test]
fn set_and_capture_sets_errno_right_before_the_call() {
    with_fixture(|cc, lib| {
        let f = bind(lib, "int errno_seen(void)", Errno::SetAndCapture);
        let mut frame = f.frame();
        for e in [4321, 0, libc::EAGAIN] {
            frame.set_errno(e).unwrap();
            clobber_errno();
            // SAFETY: errno_seen has this signature.
            unsafe { f.call_frame(&mut frame) };
            clobber_errno();
            assert_eq!(
                frame.ret::<i32>(),
                e,
                "{cc}: the callee saw the slot's errno"
            );
            assert_eq!(frame.errno(), Some(e), "{cc}: and left it");
        }
        // Through call_with_errno, small frame on the stack.
        clobber_errno();
        // SAFETY: as above.
        let (r, errno) = unsafe { f.call_with_errno(&[], 555) }.unwrap();
        assert_eq!((r, errno), (Value::Int(555), 555), "{cc}");

        // Capture alone does not set errno: the callee sees whatever errno was.
        let seen = bind(lib, "int errno_seen(void)", Errno::Capture);
        let mut frame = seen.frame();
        frame.set_errno(4321).unwrap();
        // SAFETY: as above.
        unsafe { seen.call_frame(&mut frame) };
        assert_ne!(frame.ret::<i32>(), 4321, "{cc}");
    });
}

#[test]
fn call_raw_errno_writes_through_its_pointer() {
    with_fixture(|cc, lib| {
        let f = bind(lib, "int fail_with(int)", Errno::Capture);
        let e: i32 = 2468;
        let args = [(&raw const e).cast::<c_void>()];
        let (mut ret, mut errno) = (0i32, 0i32);
        // SAFETY: fail_with has this signature; args and ret match it.
        unsafe { f.call_raw_errno((&raw mut ret).cast(), args.as_ptr(), &mut errno) }.unwrap();
        clobber_errno();
        assert_eq!((ret, errno), (-1, 2468), "{cc}");

        let seen = bind(lib, "int errno_seen(void)", Errno::SetAndCapture);
        let mut errno = 1357;
        clobber_errno();
        // SAFETY: errno_seen has this signature.
        unsafe { seen.call_raw_errno((&raw mut ret).cast(), std::ptr::null(), &mut errno) }
            .unwrap();
        assert_eq!((ret, errno), (1357, 1357), "{cc}");
        // call_raw on a capturing function: errno is zero at the call.
        clobber_errno();
        // SAFETY: as above.
        unsafe { seen.call_raw((&raw mut ret).cast(), std::ptr::null()) }.unwrap();
        assert_eq!(ret, 0, "{cc}");

        // Without capture the slot is left alone.
        let plain = bind(lib, "int fail_with(int)", Errno::Untouched);
        let mut errno = -9;
        // SAFETY: as above.
        unsafe { plain.call_raw_errno((&raw mut ret).cast(), args.as_ptr(), &mut errno) }.unwrap();
        assert_eq!((ret, errno), (-1, -9), "{cc}");
    });
}

#[test]
fn batches_capture_one_errno_per_row() {
    with_fixture(|cc, lib| {
        let f = bind(lib, "int fail_with(int)", Errno::Capture);
        let mut batch = f.batch(50).unwrap();
        for row in 0..batch.len() {
            batch.set_arg(row, 0, 1000 + row as i32);
        }
        // SAFETY: fail_with has this signature.
        unsafe { f.call_batch(&mut batch) }.unwrap();
        clobber_errno();
        for row in 0..batch.len() {
            assert_eq!(batch.ret::<i32>(row), -1, "{cc} row {row}");
            assert_eq!(batch.errno(row).unwrap(), Some(1000 + row as i32), "{cc}");
        }
        assert!(batch.errno(50).is_err());

        let seen = bind(lib, "int errno_seen(void)", Errno::SetAndCapture);
        let mut batch = seen.batch(20).unwrap();
        for row in 0..batch.len() {
            batch.set_errno(row, 3 * row as i32 + 1).unwrap();
        }
        clobber_errno();
        // SAFETY: errno_seen has this signature.
        unsafe { seen.call_batch(&mut batch) }.unwrap();
        for row in 0..batch.len() {
            assert_eq!(batch.ret::<i32>(row), 3 * row as i32 + 1, "{cc} row {row}");
        }
    });
}

/// 3.0 as an x87 extended value: significand 1.1b (explicit integer bit), exponent
/// 0x3fff + 1.
const THREE: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0x40];

#[test]
fn x87_results_stay_balanced_with_capture() {
    with_fixture(|cc, lib| {
        let f = bind(
            lib,
            "long double ld_twice(long double, int)",
            Errno::Capture,
        );
        // 1.5 as an x87 extended value.
        let one_and_half = LongDouble::from_bytes([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f]);
        // More calls than the x87 stack has registers: a result left on it would turn
        // the later ones into NaNs.
        for e in 0..12 {
            let args = [Value::LongDouble(one_and_half), Value::Int(e)];
            // SAFETY: ld_twice has this signature.
            let (r, errno) = unsafe { f.call_with_errno(&args, 0) }.unwrap();
            clobber_errno();
            assert_eq!(r, Value::LongDouble(LongDouble::from_bytes(THREE)), "{cc}");
            assert_eq!(errno, e, "{cc}");
        }
        let mut frame = f.frame();
        frame
            .set_value(0, &Value::LongDouble(one_and_half))
            .unwrap();
        frame.set_arg(1, 77i32);
        for _ in 0..12 {
            // SAFETY: as above.
            unsafe { f.call_frame(&mut frame) };
            clobber_errno();
            assert_eq!(&frame.ret::<[u8; 16]>()[..10], &THREE[..], "{cc}");
            assert_eq!(frame.errno(), Some(77), "{cc}");
        }
    });
}

#[test]
fn sret_pair_and_stack_argument_results_survive_capture() {
    with_fixture(|cc, lib| {
        let big = bind(
            lib,
            "struct big { long a, b, c; }; struct big big_from(long, int)",
            Errno::SetAndCapture,
        );
        // SAFETY: big_from has this signature.
        let (r, errno) =
            unsafe { big.call_with_errno(&[Value::Long(40), Value::Int(11)], 3) }.unwrap();
        clobber_errno();
        let want = Value::Struct(vec![Value::Long(40), Value::Long(41), Value::Long(42)]);
        assert_eq!((r, errno), (want, 11), "{cc}");

        let pair = bind(
            lib,
            "struct pair { long n; double x; }; struct pair pair_from(long, double, int)",
            Errno::Capture,
        );
        let mut frame = pair.frame();
        frame.set_args((-6i64, 2.5f64, 12i32));
        // SAFETY: pair_from has this signature.
        unsafe { pair.call_frame(&mut frame) };
        clobber_errno();
        let r = frame.ret::<[u64; 2]>();
        assert_eq!((r[0] as i64, f64::from_bits(r[1])), (-6, 2.5), "{cc}");
        assert_eq!(frame.errno(), Some(12), "{cc}");

        let sum = bind(
            lib,
            "long stack_sum(long, long, long, long, long, long, long, long, int)",
            Errno::SetAndCapture,
        );
        let mut frame = sum.frame();
        frame.set_args((1i64, 2i64, 3i64, 4i64, 5i64, 6i64, 70i64, 800i64, 13i32));
        // SAFETY: stack_sum has this signature.
        unsafe { sum.call_frame(&mut frame) };
        clobber_errno();
        assert_eq!(frame.ret::<i64>(), 891, "{cc}");
        assert_eq!(frame.errno(), Some(13), "{cc}");
    });
}

#[test]
fn each_thread_captures_its_own_errno() {
    let lib = open_c("gcc", "errno_threads", FIXTURE);
    let f = bind(&lib, "int fail_with(int)", Errno::Capture);
    std::thread::scope(|s| {
        for t in 0..4 {
            let f = &f;
            s.spawn(move || {
                let mut frame = f.frame();
                for i in 0..2000 {
                    let e = t * 10_000 + i;
                    frame.set_arg(0, e);
                    // SAFETY: fail_with has this signature.
                    unsafe { f.call_frame(&mut frame) };
                    assert_eq!(frame.errno(), Some(e));
                }
            });
        }
    });
}

#[test]
fn frames_without_an_errno_slot_are_refused_where_one_is_needed() {
    let lib = open_c("gcc", "errno_refused", FIXTURE);
    let plain = bind(&lib, "int fail_with(int)", Errno::Untouched);
    let capturing = plain.with_errno(Errno::Capture).unwrap();
    let mut frame = plain.frame();
    assert_eq!(frame.errno(), None);
    assert!(frame.set_errno(1).is_err());
    // SAFETY: fail_with has this signature.
    assert!(unsafe { plain.call_with_errno(&[Value::Int(1)], 0) }.is_err());

    // A capturing function's frame works with the plain function (the slot is ignored).
    let mut with_slot = capturing.frame();
    with_slot.set_arg(0, 5i32);
    // SAFETY: as above.
    unsafe { plain.call_frame(&mut with_slot) };
    assert_eq!(with_slot.ret::<i32>(), -1);

    // A plain frame is refused by the capturing function: its trampoline would write
    // past the frame.
    frame.set_arg(0, 5i32);
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: as above.
        unsafe { capturing.call_frame(&mut frame) }
    }));
    assert!(refused.is_err());

    // Batches must have the loop's row size, both ways.
    let mut plain_rows = plain.batch(3).unwrap();
    let mut slot_rows = capturing.batch(3).unwrap();
    // SAFETY: as above (nothing is called: the batches are refused).
    unsafe {
        assert!(capturing.call_batch(&mut plain_rows).is_err());
        assert!(plain.call_batch(&mut slot_rows).is_err());
    }
    assert_eq!(plain_rows.errno(0).unwrap(), None);
}

/// `Library::function_with_errno` and `Function::new_with_errno` make in one step the
/// function that `function(..)?.with_errno(..)` makes in two: the same errno handling,
/// the same code, the same calls.
#[test]
fn binding_with_errno_in_one_step_is_binding_then_choosing() {
    with_fixture(|cc, lib| {
        let sig: Signature = "int fail_with(int)".parse().unwrap();
        for errno in [Errno::Untouched, Errno::Capture, Errno::SetAndCapture] {
            let two = lib
                .function("fail_with", &sig)
                .unwrap()
                .with_errno(errno)
                .unwrap();
            let one = lib.function_with_errno("fail_with", &sig, errno).unwrap();
            let target = lib.symbol("fail_with").unwrap();
            let new = Function::new_with_errno(target, &sig, errno).unwrap();
            for f in [&one, &new] {
                assert_eq!(f.errno(), errno, "{cc}");
                assert_eq!(f.code_size(), two.code_size(), "{cc} {errno:?}");
                assert_eq!(f.target(), two.target(), "{cc}");
                // SAFETY: fail_with has this signature.
                let got = unsafe { f.call_with_errno(&[Value::Int(77)], 5) };
                match errno {
                    Errno::Untouched => assert!(got.is_err(), "{cc}"),
                    _ => assert_eq!(got.unwrap(), (Value::Int(-1), 77), "{cc}"),
                }
            }
        }
    });
    assert!(matches!(
        Function::new_with_errno(
            std::ptr::null(),
            &Signature::new(Type::Void, []),
            Errno::Capture
        ),
        Err(jitcall::Error::NullTarget)
    ));
    assert!(
        Library::this()
            .function_with_errno(
                "surely_no_such_symbol",
                &Signature::new(Type::Void, []),
                Errno::Capture
            )
            .is_err()
    );
}

#[test]
fn capture_is_part_of_the_cache_key() {
    let lib = Library::this();
    let sig = Signature::new(Type::Long, [Type::Long]);
    let plain = lib.function("labs", &sig).unwrap();
    let capturing = plain.with_errno(Errno::Capture).unwrap();
    let plain_again = capturing.with_errno(Errno::Untouched).unwrap();
    let setting = plain.with_errno(Errno::SetAndCapture).unwrap();
    // The plain one is a tail jump (a few bytes); the capturing ones call, store and
    // call __errno_location.
    assert_eq!(plain.code_size(), plain_again.code_size());
    assert!(plain.code_size() < capturing.code_size());
    assert!(capturing.code_size() < setting.code_size());
    for f in [&plain, &capturing, &plain_again, &setting] {
        let mut frame = f.frame();
        frame.set_arg(0, -41i64);
        // SAFETY: labs has this signature.
        unsafe { f.call_frame(&mut frame) };
        assert_eq!(frame.ret::<i64>(), 41);
    }
}

#[test]
fn callbacks_preserve_their_callers_errno() {
    with_fixture(|cc, lib| {
        let across = bind(
            lib,
            "int errno_across(int (*)(int), int, int *)",
            Errno::Untouched,
        );
        let sig = Signature::new(Type::Int, [Type::Int]);
        let seen = std::sync::Mutex::new(Vec::new());
        // A closure that clobbers errno (allocations, a failed open) and records what
        // the frame says the caller's errno is.
        let noisy = Callback::new(&sig, |frame: &mut Frame| {
            seen.lock().unwrap().push(frame.errno());
            clobber_errno();
            frame.set_ret(frame.arg::<i32>(0) * 6);
        })
        .unwrap();
        // One that hands an errno back.
        let setting = Callback::new(&sig, |frame: &mut Frame| {
            clobber_errno();
            frame.set_errno(libc::EDOM).unwrap();
            frame.set_ret(1);
        })
        .unwrap();
        for (cb, before, want_errno, want_ret) in [
            (noisy.code_ptr(), 321, 321, 42),
            (noisy.code_ptr(), 0, 0, 42),
            (setting.code_ptr(), 321, libc::EDOM, 1),
        ] {
            let mut result = 0i32;
            let args = [
                Value::Pointer(cb as *mut c_void),
                Value::Int(before),
                Value::Pointer((&raw mut result).cast()),
            ];
            // SAFETY: errno_across has this signature; the callback has the signature
            // it expects and outlives the call; `result` is writable.
            let after = unsafe { across.call(&args) }.unwrap();
            assert_eq!(
                after,
                Value::Int(want_errno),
                "{cc}: errno after the callback"
            );
            assert_eq!(result, want_ret, "{cc}");
        }
        assert_eq!(*seen.lock().unwrap(), [Some(321), Some(0)], "{cc}");
    });
}

/// `explain` shows the capturing entries as they run: the errno sequence after the
/// call, and the set before it, in the listing and in the header; the frame entry (the
/// plan's shared code) never has it.
#[test]
fn explain_shows_the_errno_sequence() {
    use jitcall::Declarations;
    use jitcall::explain::{ExplainedEntry, Explanation};
    let decls = Declarations::parse("long double f(long double, long);").unwrap();
    let f = decls.last_function().unwrap();
    let text = |entry, errno| {
        Explanation::for_entry_with_errno(&decls, f, None, entry, errno)
            .unwrap()
            .text()
            .to_string()
    };
    for entry in [
        ExplainedEntry::Bound,
        ExplainedEntry::Batch,
        ExplainedEntry::Pointers,
    ] {
        let plain = text(entry, Errno::Untouched);
        let capture = text(entry, Errno::Capture);
        let set = text(entry, Errno::SetAndCapture);
        assert!(!plain.contains("errno"), "{plain}");
        assert!(
            capture.contains("it stores errno into the errno slot"),
            "{capture}"
        );
        assert!(set.contains("it sets errno from the errno slot"), "{set}");
        // The disassembly names the function, once per call of it.
        let calls = |t: &str| t.matches("<__errno_location>").count();
        assert!(
            calls(&capture) >= 1 && calls(&set) > calls(&capture),
            "{set}"
        );
    }
    assert!(!text(ExplainedEntry::Frame, Errno::Capture).contains("errno"));
}

/// A typed function keeps its function's capture in its own frame; a direct function
/// pointer cannot capture, so `as_fn` refuses a capturing function.
#[test]
fn typed_functions_capture_and_direct_pointers_are_refused() {
    with_fixture(|cc, lib| {
        let f = bind(lib, "int fail_with(int)", Errno::Capture);
        let mut typed = f.typed::<(i32,), i32>().unwrap();
        for e in [31, 0, 4000] {
            // SAFETY: fail_with has this signature.
            assert_eq!(unsafe { typed.call((e,)) }, -1, "{cc}");
            clobber_errno();
            assert_eq!(typed.errno(), Some(e), "{cc}");
        }
        assert!(f.as_fn::<unsafe extern "C" fn(i32) -> i32>().is_err());
        let plain = f.with_errno(Errno::Untouched).unwrap();
        assert!(plain.as_fn::<unsafe extern "C" fn(i32) -> i32>().is_ok());
        assert_eq!(plain.typed::<(i32,), i32>().unwrap().errno(), None);

        let seen = bind(lib, "int errno_seen(void)", Errno::SetAndCapture);
        let mut typed = seen.typed::<(), i32>().unwrap();
        typed.set_errno(88).unwrap();
        clobber_errno();
        // SAFETY: errno_seen has this signature.
        assert_eq!(unsafe { typed.call(()) }, 88, "{cc}");
    });
}

/// One result and errno per call path, for `f` called with `args`.
fn every_path(f: &Function, args: &[Value]) -> Vec<(&'static str, Value, Option<i32>)> {
    let mut out = Vec::new();
    // SAFETY (every call below): the fixture's functions have the signatures bound,
    // and every pointer passed points into a live frame or buffer of the right size.
    let (v, e) = unsafe { f.call_with_errno(args, 0) }.unwrap();
    clobber_errno();
    out.push(("call_with_errno", v, Some(e)));

    let mut frame = f.frame();
    for (i, v) in args.iter().enumerate() {
        frame.set_value(i, v).unwrap();
    }
    unsafe { f.call_frame(&mut frame) };
    clobber_errno();
    out.push(("call_frame", frame.ret_value().unwrap(), frame.errno()));

    // call_raw_errno, with the arguments read from the frame's slots and the result
    // written to a buffer of its own, then decoded through another frame.
    let base = frame.as_mut_ptr();
    let pointers: Vec<*const c_void> = f
        .plan()
        .args
        .iter()
        // SAFETY: each slot lies inside the frame.
        .map(|a| {
            unsafe { base.add(a.frame_offset as usize) }
                .cast_const()
                .cast()
        })
        .collect();
    let mut ret = [0u8; 32];
    let mut errno = 0;
    unsafe { f.call_raw_errno(ret.as_mut_ptr().cast(), pointers.as_ptr(), &mut errno) }.unwrap();
    clobber_errno();
    let mut decoded = f.frame();
    match f.plan().ret.size {
        4 => decoded.set_ret(<[u8; 4]>::try_from(&ret[..4]).unwrap()),
        8 => decoded.set_ret(<[u8; 8]>::try_from(&ret[..8]).unwrap()),
        16 => decoded.set_ret(<[u8; 16]>::try_from(&ret[..16]).unwrap()),
        24 => decoded.set_ret(<[u8; 24]>::try_from(&ret[..24]).unwrap()),
        n => panic!("no fixture returns {n} bytes"),
    }
    out.push(("call_raw_errno", decoded.ret_value().unwrap(), Some(errno)));

    let mut batch = f.batch(3).unwrap();
    for row in 0..3 {
        for (i, v) in args.iter().enumerate() {
            batch.set_value(row, i, v).unwrap();
        }
    }
    unsafe { f.call_batch(&mut batch) }.unwrap();
    clobber_errno();
    for row in 0..3 {
        out.push((
            "call_batch",
            batch.ret_value(row).unwrap(),
            batch.errno(row).unwrap(),
        ));
    }
    out
}

/// x87, sret, register-pair and stack-argument results (over-aligned ones included),
/// and errno, come back alike on every call path, set-before included.
#[test]
fn every_path_agrees_on_result_and_errno() {
    with_fixture(|cc, lib| {
        let one_and_half = LongDouble::from_bytes([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f]);
        let cases = [
            (
                "long double ld_twice(long double, int)",
                vec![Value::LongDouble(one_and_half), Value::Int(21)],
                Value::LongDouble(LongDouble::from_bytes(THREE)),
                21,
            ),
            (
                "struct big { long a, b, c; }; struct big big_from(long, int)",
                vec![Value::Long(-8), Value::Int(22)],
                Value::Struct(vec![Value::Long(-8), Value::Long(-7), Value::Long(-6)]),
                22,
            ),
            (
                "struct pair { long n; double x; }; struct pair pair_from(long, double, int)",
                vec![Value::Long(5), Value::Double(0.25), Value::Int(23)],
                Value::Struct(vec![Value::Long(5), Value::Double(0.25)]),
                23,
            ),
            (
                "long stack_sum(long, long, long, long, long, long, long, long, int)",
                (1..=8).map(Value::Long).chain([Value::Int(24)]).collect(),
                Value::Long(36),
                24,
            ),
            (
                "struct al32 { long a; } __attribute__((aligned(32))); long al_get(struct al32, int)",
                vec![Value::Struct(vec![Value::Long(14)]), Value::Int(25)],
                Value::Long(42),
                25,
            ),
        ];
        for (decl, args, want, errno) in cases {
            for mode in [Errno::Capture, Errno::SetAndCapture] {
                let f = bind(lib, decl, mode);
                for (path, value, got) in every_path(&f, &args) {
                    assert_eq!(value, want, "{cc} {decl} {mode:?} {path}");
                    assert_eq!(got, Some(errno), "{cc} {decl} {mode:?} {path}");
                }
            }
        }
        // errno_seen on every path sees the slot's errno (zero: the paths above set no
        // other) with SetAndCapture.
        let seen = bind(lib, "int errno_seen(void)", Errno::SetAndCapture);
        for (path, value, got) in every_path(&seen, &[]) {
            assert_eq!((value, got), (Value::Int(0), Some(0)), "{cc} {path}");
        }
    });
}
