//! Reliability under load: many threads compiling overlapping signatures at once, and
//! churn (compile functions and callbacks, call, drop, again) with bounded code memory
//! and RSS. Figures are
//! recorded in docs/RELIABILITY.md; `cargo test --release --test reliability --
//! --ignored` runs the million-signature churn.

use jitcall::{
    Callback, Frame, Function, Library, Signature, Type, Value, arena_stats, cache_stats,
};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// Signature number `n`: `long(T0, ..., T7)` with each `Ti` one of five types by the
/// base-5 digits of `n` (390,625 distinct plans), then `n`'s higher digits as extra
/// `long`s so that larger `n` stay distinct.
fn signature(mut n: u64) -> Signature {
    let pick = [
        Type::Long,
        Type::Double,
        Type::Int,
        Type::Float,
        Type::structure([Type::Int, Type::Float]),
    ];
    let mut params: Vec<Type> = (0..8)
        .map(|_| {
            let t = pick[(n % 5) as usize].clone();
            n /= 5;
            t
        })
        .collect();
    params.extend((0..n).map(|_| Type::Long));
    // The first parameter is always a long: labs reads it from rdi.
    params.insert(0, Type::Long);
    Signature::new(Type::Long, params)
}

fn args_for(sig: &Signature, first: i64) -> Vec<Value> {
    sig.params()
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            Type::Long if i == 0 => Value::Long(first),
            Type::Long => Value::Long(i as i64),
            Type::Double => Value::Double(0.5),
            Type::Int => Value::Int(3),
            Type::Float => Value::Float(1.5),
            _ => Value::Struct(vec![Value::Int(1), Value::Float(2.0)]),
        })
        .collect()
}

/// The tests share process-wide counters and memory figures: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn eight_threads_compile_overlapping_signatures_once_each() {
    const THREADS: u64 = 8;
    const PER_THREAD: u64 = 1500;
    const STRIDE: u64 = 500; // thread t uses signatures [t*500, t*500 + 1500)
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let labs = Library::this().symbol("labs").unwrap() as usize;
    let before = cache_stats();
    let start = Instant::now();
    let barrier = Arc::new(Barrier::new(THREADS as usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut alive = Vec::new();
                for n in t * STRIDE..t * STRIDE + PER_THREAD {
                    let sig = signature(n);
                    let f = Function::new(labs as *const _, &sig).unwrap();
                    // SAFETY: labs reads its first argument (a long, in rdi); the rest
                    // are ignored extras.
                    let r = unsafe { f.call(&args_for(&sig, -(n as i64))) }.unwrap();
                    assert_eq!(r, Value::Long(n as i64), "signature {n}");
                    alive.push(f);
                }
                // Hold every function until all threads are done, so "compiled once"
                // is exact: nothing is dropped and compiled again meanwhile.
                barrier.wait();
                alive.len()
            })
        })
        .collect();
    let made: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let elapsed = start.elapsed();
    let distinct = (THREADS - 1) * STRIDE + PER_THREAD;
    let after = cache_stats();
    assert_eq!(made as u64, THREADS * PER_THREAD);
    // One core per distinct signature (plan-shared trampolines are only compiled for
    // raw frame entries, and pointer entries for call_raw; this test uses neither).
    assert_eq!(
        after.compiled - before.compiled,
        distinct,
        "compiled more than once"
    );
    assert_eq!(after.hits - before.hits, THREADS * PER_THREAD - distinct);
    assert!(elapsed < Duration::from_secs(120), "took {elapsed:?}");
    eprintln!(
        "{THREADS} threads, {} requests, {distinct} distinct signatures, {elapsed:?}",
        THREADS * PER_THREAD
    );
}

fn churn(rounds: u64) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let labs = Library::this().symbol("labs").unwrap();
    // Warm up, then measure growth: code memory and RSS must stay flat.
    for n in 0..1000 {
        Function::new(labs, &signature(n)).unwrap();
    }
    let (mapped0, rss0) = (arena_stats().bytes_mapped, rss_kib());
    let start = Instant::now();
    for n in 0..rounds {
        let sig = signature(1000 + n);
        let f = Function::new(labs, &sig).unwrap();
        // A callback of the same signature, compiled and dropped alongside.
        let cb = Callback::new(&sig, move |frame: &mut Frame| {
            let first: i64 = frame.arg(0);
            frame.set_ret(first * 2);
        })
        .unwrap();
        if n % 1000 == 0 {
            // SAFETY: as above.
            let r = unsafe { f.call(&args_for(&sig, -7)) }.unwrap();
            assert_eq!(r, Value::Long(7));
            // Call the callback through jitcall itself: C-callable, same signature.
            let back = Function::new(cb.code_ptr() as *const _, &sig).unwrap();
            // SAFETY: the callback has exactly this signature and outlives the call.
            let r = unsafe { back.call(&args_for(&sig, 21)) }.unwrap();
            assert_eq!(r, Value::Long(42));
        }
    }
    let (mapped1, rss1) = (arena_stats().bytes_mapped, rss_kib());
    eprintln!(
        "churn: {rounds} signatures and callbacks in {:?}; code mapped {mapped0} -> {mapped1} bytes; \
         RSS {rss0} -> {rss1} KiB; in use now {}",
        start.elapsed(),
        arena_stats().bytes_in_use
    );
    assert!(
        mapped1 <= mapped0 + (256 << 10),
        "code memory grew: {mapped0} -> {mapped1}"
    );
    assert!(rss1 <= rss0 + 16 * 1024, "RSS grew: {rss0} -> {rss1} KiB");
}

#[test]
fn churn_keeps_memory_bounded() {
    churn(50_000);
}

#[test]
#[ignore = "a million signatures: run with --release --ignored"]
fn churn_a_million() {
    churn(1_000_000);
}
