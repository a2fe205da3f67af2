//! Instructions per call, for `valgrind --tool=callgrind`, which counts them whatever
//! else the machine is doing (docs/PERFORMANCE.md, "in instructions"): runs one shape's
//! fast-path loop `N` times, exactly as `benches/calls.rs` times `call_frame` and
//! `typed_call`. Run it for `N` and `2N`; the difference over `N` is one iteration.
//!
//! ```sh
//! cargo bench --bench icount --no-run   # prints the binary's path
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/icount-* add2 100000
//! ```
//!
//! Shapes: add2, mix4, vadd, sum12, bigmk (through `call_frame`), typed_add2,
//! typed_vadd, typed_sum12 (through `Function::typed`). Without arguments (as
//! `cargo bench` runs it) it does nothing.

mod shared;

use jitcall::{Library, Signature, Type};
use std::hint::black_box;

fn targets() -> Library {
    Library::open(shared::build_targets("jitcall_icount_targets")).unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(shape), Some(Ok(n))) = (args.first(), args.get(1).map(|n| n.parse::<usize>())) else {
        return;
    };
    let lib = targets();
    let v2 = || Type::structure([Type::Double, Type::Double]);
    let b3 = || Type::structure([Type::Long, Type::Long, Type::Long]);
    let mut acc = 0f64;
    match shape.as_str() {
        "add2" => {
            let f = lib
                .function("add2", &Signature::new(Type::Int, [Type::Int, Type::Int]))
                .unwrap();
            let mut fr = f.frame();
            for i in 0..n {
                fr.set_args((black_box(i as i32), black_box(3i32)));
                // SAFETY: the C function has this signature.
                unsafe { f.call_frame(&mut fr) };
                acc += fr.ret::<i32>() as f64;
            }
        }
        "mix4" => {
            let f = lib
                .function(
                    "mix4",
                    &Signature::new(
                        Type::Double,
                        [Type::Int, Type::Double, Type::Float, Type::Long],
                    ),
                )
                .unwrap();
            let mut fr = f.frame();
            for i in 0..n {
                fr.set_args((
                    black_box(i as i32),
                    black_box(2.5f64),
                    black_box(1.5f32),
                    black_box(4i64),
                ));
                // SAFETY: the C function has this signature.
                unsafe { f.call_frame(&mut fr) };
                acc += fr.ret::<f64>();
            }
        }
        "vadd" => {
            let f = lib
                .function("vadd", &Signature::new(v2(), [v2(), v2()]))
                .unwrap();
            let mut fr = f.frame();
            for i in 0..n {
                fr.set_args((black_box([i as f64, 2.0f64]), black_box([3.0f64, 4.0f64])));
                // SAFETY: the C function has this signature.
                unsafe { f.call_frame(&mut fr) };
                acc += fr.ret::<[f64; 2]>()[0];
            }
        }
        "sum12" => {
            let f = lib
                .function("sum12", &Signature::new(Type::Long, vec![Type::Long; 12]))
                .unwrap();
            let mut fr = f.frame();
            for i in 0..n {
                fr.set_args(black_box([i as i64; 12]));
                // SAFETY: the C function has this signature.
                unsafe { f.call_frame(&mut fr) };
                acc += fr.ret::<i64>() as f64;
            }
        }
        "bigmk" => {
            let f = lib
                .function("bigmk", &Signature::new(b3(), [Type::Long, b3()]))
                .unwrap();
            let mut fr = f.frame();
            for i in 0..n {
                fr.set_args((black_box(i as i64), black_box([1i64, 2, 3])));
                // SAFETY: the C function has this signature.
                unsafe { f.call_frame(&mut fr) };
                acc += fr.ret::<[i64; 3]>()[0] as f64;
            }
        }
        "typed_add2" => {
            let f = lib
                .function("add2", &Signature::new(Type::Int, [Type::Int, Type::Int]))
                .unwrap();
            let mut t = f.typed::<(i32, i32), i32>().unwrap();
            for i in 0..n {
                // SAFETY: the C function has this signature.
                acc += unsafe { t.call((black_box(i as i32), black_box(3i32))) } as f64;
            }
        }
        "typed_sum12" => {
            let f = lib
                .function("sum12", &Signature::new(Type::Long, vec![Type::Long; 12]))
                .unwrap();
            let mut t = f.typed::<[i64; 12], i64>().unwrap();
            for i in 0..n {
                // SAFETY: the C function has this signature.
                acc += unsafe { t.call(black_box([i as i64; 12])) } as f64;
            }
        }
        "typed_vadd" => {
            let f = lib
                .function("vadd", &Signature::new(v2(), [v2(), v2()]))
                .unwrap();
            let mut t = f.typed::<(V2, V2), V2>().unwrap();
            for i in 0..n {
                // SAFETY: the C function has this signature.
                acc +=
                    unsafe { t.call((black_box(V2([i as f64, 2.0])), black_box(V2([3.0, 4.0])))) }
                        .0[0];
            }
        }
        other => panic!("unknown shape {other}"),
    }
    println!("{acc}");
}

#[repr(C)]
#[derive(Clone, Copy)]
struct V2([f64; 2]);
// SAFETY: two f64s, no padding, any bits valid.
unsafe impl jitcall::AnyBits for V2 {}
// SAFETY: as above.
unsafe impl jitcall::Plain for V2 {}
// SAFETY: laid out and passed as C's `struct { double x, y; }`.
unsafe impl jitcall::CType for V2 {
    fn c_type() -> Type {
        Type::structure([Type::Double, Type::Double])
    }
}
