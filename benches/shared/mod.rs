//! Code the bench crates share; each bench uses part of it.
#![allow(dead_code)]

use jitcall::{Signature, Type};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A signature no earlier iteration used: twelve parameters drawn from five types by
/// the digits of `n` in base 5 (244 million distinct plans).
pub fn unique_signature(mut n: u64) -> Signature {
    let pick = [
        Type::Int,
        Type::Double,
        Type::Float,
        Type::Long,
        Type::structure([Type::Int, Type::Float]),
    ];
    let params: Vec<Type> = (0..12)
        .map(|_| {
            let t = pick[(n % 5) as usize].clone();
            n /= 5;
            t
        })
        .collect();
    Signature::new(Type::Long, params)
}

/// Times `f` on `iters` signatures no earlier call used (`next` counts them across
/// calls); the signatures are built before the clock starts.
pub fn time_new_signatures(next: &mut u64, iters: u64, mut f: impl FnMut(&Signature)) -> Duration {
    let sigs: Vec<Signature> = (0..iters)
        .map(|_| {
            *next += 1;
            unique_signature(*next)
        })
        .collect();
    let start = Instant::now();
    for sig in &sigs {
        f(sig);
    }
    start.elapsed()
}

/// `benches/targets.c` built by `gcc -O2` into the shared library `lib{name}.so` in
/// cargo's scratch directory for benches; its path.
pub fn build_targets(name: &str) -> PathBuf {
    let so = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lib{name}.so"));
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/targets.c");
    let status = std::process::Command::new("gcc")
        .args(["-O2", "-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(src)
        .status()
        .expect("gcc is needed to build the benchmark targets");
    assert!(status.success());
    so
}
