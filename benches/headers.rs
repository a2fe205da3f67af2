//! Reading real headers: parsing the preprocessed `stdio.h`, `stdlib.h`, `string.h` and
//! `math.h` (what `jitcall call --include ...` does on every run, after `cc -E`), and
//! the whole of `Declarations::from_headers`, preprocessor included, for comparison.
//! The parse is checked once before it is timed.
//!
//! Run: `cargo bench --bench headers`; the numbers go to docs/PERFORMANCE.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jitcall::{Declarations, HeaderOptions};
use std::hint::black_box;
use std::time::Duration;

const HEADERS: &[&str] = &["stdio.h", "stdlib.h", "string.h", "math.h"];

fn all(c: &mut Criterion) {
    let options = HeaderOptions::new();
    let text = match jitcall::cdecl::preprocess(HEADERS, &options) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    let decls = Declarations::parse_preprocessed(&text).expect("the headers parse");
    assert!(decls.function("hypot").is_some() && decls.function("qsort").is_some());
    assert!(decls.skipped().is_empty());
    eprintln!(
        "{} lines, {} bytes, {} functions, {} types",
        text.lines().count(),
        text.len(),
        decls.function_entries().len(),
        decls.types().len()
    );
    let mut group = c.benchmark_group("headers");
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse stdio+stdlib+string+math", |b| {
        b.iter(|| Declarations::parse_preprocessed(black_box(&text)).unwrap())
    });
    group.bench_function("types() of the four", |b| b.iter(|| decls.types()));
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.bench_function("from_headers (cc -E + parse)", |b| {
        b.iter(|| Declarations::from_headers(black_box(HEADERS), &options).unwrap())
    });
    group.finish();
}

criterion_group!(benches, all);
criterion_main!(benches);
