//! The engine's promises outside the ABI: compile-once caching under contention, code
//! memory never writable and executable at once, space reuse, and loader errors that
//! name what was looked for. One test per process keeps the global counters exact.

mod common;

use common::wx_mappings;
use jitcall::{Error, Function, Library, Signature, Type, Value, arena_stats, cache_stats};
use std::sync::{Arc, Barrier};

#[test]
fn engine_promises() {
    let labs = Library::this().symbol("labs").unwrap();

    // Many threads ask for the same new plan at the same moment: one compilation.
    let sig = Signature::new(
        Type::Long,
        [
            Type::Long,
            Type::structure([Type::Char, Type::Float, Type::Short]),
        ],
    );
    let before = cache_stats();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (sig, barrier) = (sig.clone(), barrier.clone());
            let labs = labs as usize;
            std::thread::spawn(move || {
                barrier.wait();
                Function::new(labs as *const _, &sig).unwrap()
            })
        })
        .collect();
    let functions: Vec<Function> = handles.into_iter().map(|t| t.join().unwrap()).collect();
    let after = cache_stats();
    assert_eq!(
        after.compiled - before.compiled,
        1,
        "compiled more than once"
    );
    assert_eq!(after.hits - before.hits, 7);
    let entry = |f: &Function| f.raw_frame_entry().unwrap() as usize;
    assert!(functions.windows(2).all(|w| entry(&w[0]) == entry(&w[1])));
    drop(functions);

    // ABI-equivalent signatures share a trampoline; different ones do not.
    let a = Function::new(labs, &Signature::new(Type::Long, [Type::Long])).unwrap();
    let b = Function::new(labs, &Signature::new(Type::Pointer, [Type::ULong])).unwrap();
    let c = Function::new(labs, &Signature::new(Type::Int, [Type::Int])).unwrap();
    assert_eq!(entry(&a), entry(&b));
    assert_ne!(entry(&a), entry(&c));

    // A repeated request is answered by the thread's memo (counted as a hit); another
    // target is another core; and dropped code never comes back from the memo.
    let sig = Signature::new(Type::Long, [Type::Long, Type::Long, Type::Double]);
    let llabs = Library::this().symbol("llabs").unwrap();
    let s0 = cache_stats();
    let f1 = Function::new(labs, &sig).unwrap();
    let f2 = Function::new(labs, &sig).unwrap();
    let s1 = cache_stats();
    assert_eq!((s1.compiled - s0.compiled, s1.hits - s0.hits), (1, 1));
    let f3 = Function::new(llabs, &sig).unwrap();
    let s2 = cache_stats();
    assert_eq!((s2.compiled - s1.compiled, s2.hits - s1.hits), (1, 0));
    drop((f1, f2, f3));
    let f4 = Function::new(labs, &sig).unwrap();
    assert_eq!(
        cache_stats().compiled - s2.compiled,
        1,
        "dropped code was handed out again"
    );
    let args = [Value::Long(-5), Value::Long(0), Value::Double(0.0)];
    // SAFETY: labs takes one long; the extra arguments go to registers it ignores.
    assert_eq!(unsafe { f4.call(&args) }.unwrap(), Value::Long(5));
    drop(f4);

    // Thousands of trampolines, called and dropped: never W+X, and the space comes back.
    let baseline = arena_stats().bytes_in_use;
    for round in 0..3 {
        let fs: Vec<Function> = (0..2000)
            .map(|i| {
                let params: Vec<Type> = (0..(i % 9))
                    .map(|k| {
                        if (i >> k) & 1 == 1 {
                            Type::Double
                        } else {
                            Type::Long
                        }
                    })
                    .chain([Type::Long])
                    .collect();
                let sig = Signature::new(Type::Long, params);
                Function::new(labs, &sig).unwrap()
            })
            .collect();
        assert!(
            wx_mappings().is_empty(),
            "W+X mappings: {:?}",
            wx_mappings()
        );
        for f in fs.iter().take(50) {
            let n = f.signature().params().len();
            let args: Vec<Value> = f
                .signature()
                .params()
                .iter()
                .enumerate()
                .map(|(k, t)| match t {
                    Type::Double => Value::Double(1.5),
                    _ if k == 0 => Value::Long(-(round as i64) - 7),
                    _ => Value::Long(0),
                })
                .collect();
            // labs only reads rdi; the other arguments are harmless extras in registers
            // or on the stack. The first argument is the long in rdi.
            if matches!(f.signature().params()[0], Type::Long) {
                // SAFETY: labs(long) ignores extra arguments under the SysV convention.
                let r = unsafe { f.call(&args) }.unwrap();
                assert_eq!(r, Value::Long(round as i64 + 7), "{n} args");
            }
        }
        drop(fs);
        assert!(
            arena_stats().bytes_in_use <= baseline + 4096,
            "code space not reclaimed: {:?}",
            arena_stats()
        );
    }
    let mapped = arena_stats().bytes_mapped;
    assert!(
        mapped <= 1 << 20,
        "mapped {mapped} bytes for ~2000 live trampolines"
    );

    // Loader errors name the library and the symbol.
    let err = Library::open("libdoes-not-exist.so.9").unwrap_err();
    assert!(matches!(err, Error::LibraryOpen { .. }));
    assert!(err.to_string().contains("libdoes-not-exist.so.9"), "{err}");
    let libm = Library::open("libm.so.6").unwrap();
    let err = libm
        .function("no_such_fn", &Signature::new(Type::Void, []))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("no_such_fn") && msg.contains("libm.so.6"),
        "{msg}"
    );
    assert!(Library::open("bad\0name").is_err());
}
