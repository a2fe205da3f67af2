//! `ffi_call` through `libjitcall_ffi.so` (the libffi replacement, crates/jitcall-ffi)
//! against the system's libffi, in one run, on the five shapes of docs/PERFORMANCE.md:
//! prepared once, and prepared on every call as CPython's ctypes does (a fresh `ffi_cif`
//! on the stack, `ffi_prep_cif`, then `ffi_call`).
//!
//! Both libraries live in this process: the system's is linked (the `libffi` crate's
//! `system` feature), the replacement is built (`cargo build --release -p jitcall-ffi`)
//! and `dlopen`ed by path with `RTLD_LOCAL`, its `ffi_prep_cif`, `ffi_call` and
//! `ffi_type_*` taken with `dlsym`. Each case runs the same code with one library's
//! functions and types, and checks its result once before it is timed. Each iteration
//! copies the argument pointers into a fresh array, for both libraries: Debian's
//! libffi 3.4.4 rewrites the caller's array for structs over 16 bytes (bigmk), so a
//! reused array would pass it garbage from the second call on.
//!
//! Run: `cargo bench --bench ffi`. For instruction counts (callgrind, whatever the
//! machine's load), the binary also runs one case's loop `N` times:
//!
//! ```sh
//! cargo bench --bench ffi --no-run   # prints the binary's path
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/ffi-* icount jitcall add2 prep 100000
//! ```
//!
//! (`icount <system|jitcall> <add2|mix4|vadd|sum12|bigmk> <call|prep> N`; run it for
//! `N` and `2N`, the difference over `N` is one iteration.) `JITCALL_FFI_BENCH_LIB=<path>`
//! benchmarks that build of the replacement instead of building it, to compare two
//! builds in turns.

mod shared;

use criterion::Criterion;
use libffi::raw::{ffi_cif, ffi_type};
use std::ffi::{CString, c_uint, c_void};
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::time::Duration;

type PrepCif =
    unsafe extern "C" fn(*mut ffi_cif, c_uint, c_uint, *mut ffi_type, *mut *mut ffi_type) -> c_uint;
type Call = unsafe extern "C" fn(
    *mut ffi_cif,
    Option<unsafe extern "C" fn()>,
    *mut c_void,
    *mut *mut c_void,
);

/// `FFI_DEFAULT_ABI` on x86-64 (`FFI_UNIX64`).
const FFI_DEFAULT_ABI: c_uint = 2;
/// `FFI_TYPE_STRUCT`.
const FFI_TYPE_STRUCT: u16 = 13;
/// Most arguments of any shape (sum12).
const MAX_ARGS: usize = 12;

/// One libffi: its two functions and the scalar types the shapes use.
struct Libffi {
    name: &'static str,
    prep_cif: PrepCif,
    call: Call,
    sint32: *mut ffi_type,
    sint64: *mut ffi_type,
    float: *mut ffi_type,
    double: *mut ffi_type,
}

/// The system's libffi, linked into this binary.
fn system() -> Libffi {
    use libffi::raw;
    Libffi {
        name: "system",
        prep_cif: raw::ffi_prep_cif,
        call: raw::ffi_call,
        sint32: &raw mut raw::ffi_type_sint32,
        sint64: &raw mut raw::ffi_type_sint64,
        float: &raw mut raw::ffi_type_float,
        double: &raw mut raw::ffi_type_double,
    }
}

/// `target/release` (this bench runs from `target/release/deps`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("bench executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("bench executable in target/<profile>/deps")
        .to_path_buf()
}

/// `libjitcall_ffi.so`, built now and `dlopen`ed by path with `RTLD_LOCAL`, so that its
/// symbols do not interpose on the system's libffi (it has the same soname).
/// `JITCALL_FFI_BENCH_LIB=<path>` loads that build instead (to compare two builds).
fn replacement() -> Libffi {
    let path = match std::env::var_os("JITCALL_FFI_BENCH_LIB") {
        Some(path) => PathBuf::from(path),
        None => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args(["build", "-q", "--release", "-p", "jitcall-ffi"])
                .status()
                .expect("run cargo build -p jitcall-ffi");
            assert!(status.success(), "cargo build -p jitcall-ffi failed");
            profile_dir().join("libjitcall_ffi.so")
        }
    };
    let cpath = CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: loading a shared object whose initialisers are Rust's own.
    let handle = unsafe { libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    assert!(!handle.is_null(), "dlopen {} failed", path.display());
    let sym = |name: &str| {
        let cname = CString::new(name).unwrap();
        // SAFETY: `handle` is a live handle from dlopen.
        let p = unsafe { libc::dlsym(handle, cname.as_ptr()) };
        assert!(!p.is_null(), "{name} not in {}", path.display());
        p
    };
    Libffi {
        name: "jitcall",
        // SAFETY: the replacement exports libffi's functions with libffi's signatures.
        prep_cif: unsafe { std::mem::transmute::<*mut c_void, PrepCif>(sym("ffi_prep_cif")) },
        // SAFETY: as above.
        call: unsafe { std::mem::transmute::<*mut c_void, Call>(sym("ffi_call")) },
        sint32: sym("ffi_type_sint32").cast(),
        sint64: sym("ffi_type_sint64").cast(),
        float: sym("ffi_type_float").cast(),
        double: sym("ffi_type_double").cast(),
    }
}

/// `benches/targets.c` built into a shared library, and its handle.
fn targets() -> *mut c_void {
    let so = shared::build_targets("jitcall_ffi_bench_targets");
    let cpath = CString::new(so.to_str().unwrap()).unwrap();
    // SAFETY: loading a C library without initialisers.
    let handle = unsafe { libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    assert!(!handle.is_null());
    handle
}

/// A struct `ffi_type` of `members` (not laid out: the first preparation does it).
fn structure(members: &[*mut ffi_type]) -> Box<ffi_type> {
    let mut elements: Vec<*mut ffi_type> = members.to_vec();
    elements.push(std::ptr::null_mut());
    Box::new(ffi_type {
        size: 0,
        alignment: 0,
        type_: FFI_TYPE_STRUCT,
        elements: Box::leak(elements.into_boxed_slice()).as_mut_ptr(),
    })
}

/// One shape called through one library: the cif prepared once, the argument
/// pointers, and storage for the result.
struct Case {
    lib: &'static Libffi,
    target: unsafe extern "C" fn(),
    rtype: *mut ffi_type,
    atypes: Vec<*mut ffi_type>,
    args: [*mut c_void; MAX_ARGS],
    cif: Box<ffi_cif>,
    /// Checks the result buffer after one call.
    check: fn(&[u64; 4]) -> bool,
}

/// The argument values of every shape, alive for the whole run.
struct Values {
    a: i32,
    b: i32,
    d: f64,
    f: f32,
    l: i64,
    v: [[f64; 2]; 2],
    longs: [i64; MAX_ARGS],
    big: [i64; 3],
}

static mut VALUES: Values = Values {
    a: 5,
    b: 7,
    d: 2.5,
    f: 1.5,
    l: 4,
    v: [[1.0, 2.0], [3.0, 4.0]],
    longs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    big: [1, 2, 3],
};

const SHAPES: [&str; 5] = ["add2", "mix4", "vadd", "sum12", "bigmk"];

impl Case {
    fn new(lib: &'static Libffi, targets: *mut c_void, shape: &str) -> Case {
        let name = CString::new(shape).unwrap();
        // SAFETY: `targets` is a live handle from dlopen.
        let sym = unsafe { libc::dlsym(targets, name.as_ptr()) };
        assert!(!sym.is_null());
        // SAFETY: a function's address.
        let target = unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn()>(sym) };
        let values = &raw mut VALUES;
        let mut args = [std::ptr::null_mut(); MAX_ARGS];
        let p = |field: *mut u8| field.cast::<c_void>();
        // SAFETY: only the addresses of the static's fields are taken (no reference is
        // made); the calls only read them.
        let (rtype, atypes, check): (_, Vec<_>, fn(&[u64; 4]) -> bool) = unsafe {
            match shape {
                "add2" => {
                    args[0] = p((&raw mut (*values).a).cast());
                    args[1] = p((&raw mut (*values).b).cast());
                    (lib.sint32, vec![lib.sint32, lib.sint32], |r| {
                        r[0] as i64 == 12
                    })
                }
                "mix4" => {
                    args[0] = p((&raw mut (*values).a).cast());
                    args[1] = p((&raw mut (*values).d).cast());
                    args[2] = p((&raw mut (*values).f).cast());
                    args[3] = p((&raw mut (*values).l).cast());
                    let atypes = vec![lib.sint32, lib.double, lib.float, lib.sint64];
                    (lib.double, atypes, |r| f64::from_bits(r[0]) == 13.0)
                }
                "vadd" => {
                    args[0] = p((&raw mut (*values).v[0]).cast());
                    args[1] = p((&raw mut (*values).v[1]).cast());
                    let vec2 = Box::leak(structure(&[lib.double, lib.double])) as *mut _;
                    (vec2, vec![vec2, vec2], |r| {
                        (f64::from_bits(r[0]), f64::from_bits(r[1])) == (4.0, 6.0)
                    })
                }
                "sum12" => {
                    for (i, arg) in args.iter_mut().enumerate() {
                        *arg = p((&raw mut (*values).longs[i]).cast());
                    }
                    (lib.sint64, vec![lib.sint64; MAX_ARGS], |r| r[0] == 78)
                }
                "bigmk" => {
                    args[0] = p((&raw mut (*values).l).cast());
                    args[1] = p((&raw mut (*values).big).cast());
                    let big3 = Box::leak(structure(&[lib.sint64; 3])) as *mut _;
                    (big3, vec![lib.sint64, big3], |r| r[..3] == [5, 6, 7])
                }
                _ => panic!("no shape {shape}"),
            }
        };
        let mut case = Case {
            lib,
            target,
            rtype,
            atypes,
            args,
            // SAFETY: plain C data; prepared just below.
            cif: Box::new(unsafe { std::mem::zeroed() }),
            check,
        };
        // SAFETY: the types are valid; the cif is writable.
        let status = unsafe {
            (lib.prep_cif)(
                &mut *case.cif,
                FFI_DEFAULT_ABI,
                case.atypes.len() as c_uint,
                case.rtype,
                case.atypes.as_mut_ptr(),
            )
        };
        assert_eq!(status, 0, "{} ffi_prep_cif for {shape}", lib.name);
        case
    }

    /// `ffi_call` on the cif prepared once.
    #[inline(always)]
    fn call(&mut self, ret: &mut [u64; 4]) {
        let mut args = self.args;
        // SAFETY: the cif describes the target; the arguments and result buffer fit it.
        unsafe {
            (self.lib.call)(
                &mut *self.cif,
                Some(self.target),
                ret.as_mut_ptr().cast(),
                args.as_mut_ptr(),
            )
        }
    }

    /// A fresh `ffi_cif` on the stack, `ffi_prep_cif`, `ffi_call`: what ctypes does for
    /// every call.
    #[inline(always)]
    fn prep_call(&mut self, ret: &mut [u64; 4]) {
        let mut args = self.args;
        let mut cif = MaybeUninit::<ffi_cif>::uninit();
        // SAFETY: as in `call`; `ffi_prep_cif` initialises the cif.
        unsafe {
            (self.lib.prep_cif)(
                cif.as_mut_ptr(),
                FFI_DEFAULT_ABI,
                self.atypes.len() as c_uint,
                self.rtype,
                self.atypes.as_mut_ptr(),
            );
            (self.lib.call)(
                cif.as_mut_ptr(),
                Some(self.target),
                ret.as_mut_ptr().cast(),
                args.as_mut_ptr(),
            )
        }
    }

    /// Runs each form once and checks the result.
    fn check(&mut self, shape: &str) {
        let mut ret = [0u64; 4];
        self.call(&mut ret);
        assert!((self.check)(&ret), "{} {shape}: {ret:?}", self.lib.name);
        let mut ret = [0u64; 4];
        self.prep_call(&mut ret);
        assert!(
            (self.check)(&ret),
            "{} {shape} (prep): {ret:?}",
            self.lib.name
        );
    }
}

fn libraries() -> [&'static Libffi; 2] {
    [
        Box::leak(Box::new(system())),
        Box::leak(Box::new(replacement())),
    ]
}

/// `icount <system|jitcall> <shape> <call|prep> N`: one case's loop, for callgrind.
fn icount(args: &[String]) {
    let [lib, shape, form, n] = args else {
        panic!("icount <system|jitcall> <shape> <call|prep> N");
    };
    let n: usize = n.parse().expect("N");
    let libs = libraries();
    let lib = libs
        .into_iter()
        .find(|l| l.name == lib)
        .expect("system or jitcall");
    let mut case = Case::new(lib, targets(), shape);
    case.check(shape);
    let mut ret = [0u64; 4];
    for _ in 0..n {
        match form.as_str() {
            "call" => case.call(black_box(&mut ret)),
            _ => case.prep_call(black_box(&mut ret)),
        }
    }
    assert!((case.check)(&ret));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "icount") {
        icount(&args[1..]);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let libs = libraries();
    let targets = targets();
    for shape in SHAPES {
        let mut g = c.benchmark_group(format!("ffi/{shape}"));
        g.warm_up_time(Duration::from_millis(800));
        g.measurement_time(Duration::from_secs(2));
        for lib in libs {
            let mut case = Case::new(lib, targets, shape);
            case.check(shape);
            let mut ret = [0u64; 4];
            g.bench_function(format!("{}_call", lib.name), |b| {
                b.iter(|| case.call(black_box(&mut ret)))
            });
            g.bench_function(format!("{}_prep_call", lib.name), |b| {
                b.iter(|| case.prep_call(black_box(&mut ret)))
            });
        }
        g.finish();
    }
    c.final_summary();
}
