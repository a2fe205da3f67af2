//! Generated signatures: plan invariants as properties, and a batch of random shapes
//! and types judged by gcc and clang (calls and layouts).

mod common;

use common::strategies::*;
use common::*;
use jitcall::abi::{ArgLocation, Reg, sysv};
use jitcall::{Signature, Type, Value};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use std::collections::HashSet;
use std::fmt::Write as _;

proptest! {
    #![proptest_config(Config::with_cases(2000))]

    /// Registers are assigned at most once each, within 6 GPRs and 8 xmm registers;
    /// stack slots and frame slots are aligned and disjoint.
    #[test]
    fn plan_invariants((ret, params) in any_signature()) {
        let sig = Signature::new(ret, params);
        let plan = sysv::classify(&sig).unwrap();
        prop_assert!(plan.gprs_used <= 6 && plan.vector_count <= 8);
        prop_assert!(plan.stack_align.is_power_of_two() && plan.stack_align >= 16);
        prop_assert_eq!(plan.stack_size % plan.stack_align, 0);
        let mut regs = HashSet::new();
        let mut stack: Vec<(u32, u32)> = Vec::new();
        let mut frame: Vec<(u32, u32)> = vec![(0, plan.ret.size.max(8))];
        let (mut gprs, mut xmms) = (0u8, 0u8);
        for (arg, ty) in plan.args.iter().zip(sig.params()) {
            let l = ty.layout().unwrap();
            prop_assert_eq!(arg.size as u64, l.size);
            prop_assert_eq!(arg.frame_offset % arg.align.max(8), 0);
            frame.push((arg.frame_offset, arg.size.div_ceil(8) * 8));
            match &arg.location {
                ArgLocation::Registers(loads) => {
                    prop_assert!(!loads.is_empty() && loads.len() <= 2);
                    for l in loads {
                        prop_assert!(regs.insert(l.reg), "register {} used twice", l.reg);
                        match l.reg { Reg::Gpr(_) => gprs += 1, Reg::Xmm(_) => xmms += 1 }
                        prop_assert!(l.offset + l.load.width() as u32 <= arg.size.div_ceil(8) * 8);
                    }
                }
                ArgLocation::Stack { offset } => {
                    prop_assert_eq!(offset % arg.align.max(8), 0);
                    prop_assert!(offset + arg.size <= plan.stack_size);
                    stack.push((*offset, arg.size));
                }
                ArgLocation::Nowhere => prop_assert_eq!(arg.size, 0),
            }
        }
        prop_assert_eq!(xmms, plan.vector_count);
        prop_assert!(gprs <= plan.gprs_used);
        for spans in [&mut stack, &mut frame] {
            spans.sort();
            for w in spans.windows(2) {
                prop_assert!(w[0].0 + w[0].1 <= w[1].0, "overlap {:?}", w);
            }
        }
        prop_assert!(frame.last().map_or(0, |(o, s)| o + s) <= plan.frame_size);
    }
}

/// Deterministic samples of a strategy.
fn sample<S: Strategy>(strategy: S, n: usize, seed: u8) -> Vec<S::Value> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &[seed; 32],
        ),
    );
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

#[test]
fn generated_layouts_match_the_compilers() {
    let types = sample(any_type(), 300, 7);
    let mut ctypes = CTypes::default();
    let mut body = String::from("#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
    for (i, ty) in types.iter().enumerate() {
        let name = ctypes.name(ty);
        writeln!(
            body,
            "  printf(\"{i} %zu %zu\", sizeof({name}), _Alignof({name}));"
        )
        .unwrap();
        if let Type::Struct(agg) | Type::Union(agg) = ty {
            for f in 0..agg.fields.len() {
                writeln!(body, "  printf(\" %zu\", offsetof({name}, f{f}));").unwrap();
            }
        }
        writeln!(body, "  printf(\"\\n\");").unwrap();
    }
    body.push_str("  return 0;\n}\n");
    let source = format!("{}\n{}", ctypes.defs, body);
    for cc in compilers() {
        let dir = ScratchDir::new("layout");
        let c = dir.join("layout.c");
        std::fs::write(&c, &source).unwrap();
        let exe = dir.join("layout");
        build_executable(cc, &[&c], &exe, &[]);
        let run = std::process::Command::new(&exe).output().unwrap();
        let text = String::from_utf8(run.stdout).unwrap();
        for (line, ty) in text.lines().zip(&types) {
            let nums: Vec<u64> = line
                .split(' ')
                .skip(1)
                .map(|n| n.parse().unwrap())
                .collect();
            let l = ty.layout().unwrap();
            let mut ours = vec![l.size, l.align];
            ours.extend(ty.field_offsets().unwrap().unwrap_or_default());
            assert_eq!(ours, nums, "{cc}: layout of {ty}");
        }
        assert_eq!(text.lines().count(), types.len());
    }
}

#[test]
fn generated_shapes_match_the_compilers() {
    let shapes: Vec<Shape> = sample(any_signature(), 400, 11)
        .into_iter()
        .map(|(ret, params)| shape(ret, params))
        .collect();
    let source = render_shapes(&shapes);
    let mut failures = Vec::new();
    let mut divergences = 0;
    for cc in compilers() {
        let lib = open_c(cc, "generated", &source);
        for (n, shape) in shapes.iter().enumerate() {
            let sig = signature(shape);
            let plan = sysv::classify(&sig).unwrap();
            if cc.starts_with("clang") && clang_int128_divergence(&sig, &plan) {
                divergences += 1;
                continue;
            }
            let vals = shape_values(shape, n);
            let drive = lib
                .function(&format!("drive_{n}"), &Signature::new(Type::Int, []))
                .unwrap();
            // SAFETY: drive_N is `int drive_N(void)`.
            let direct = unsafe { drive.call(&[]) }.unwrap();
            assert_eq!(
                direct,
                Value::Int(0),
                "{cc}: shape {n}: C disagrees with itself"
            );
            let f = lib.function(&format!("callee_{n}"), &sig).unwrap();
            // SAFETY: callee_N has this signature (both generated from the same shape).
            let r = unsafe { f.call(&vals.args) }.unwrap();
            let m = lib.symbol(&format!("mism_{n}")).unwrap() as *const i32;
            let w = lib.symbol(&format!("where_{n}")).unwrap() as *const i32;
            // SAFETY: int globals of the loaded library.
            let (m, w) = unsafe { (m.read(), w.read()) };
            if m != 0 {
                failures.push(format!(
                    "{cc}: shape {n} `{sig}`: {m} mismatch(es), first at leaf {w}"
                ));
            }
            if r != vals.ret {
                failures.push(format!(
                    "{cc}: shape {n} `{sig}`: result {r:?}, expected {:?}",
                    vals.ret
                ));
            }
        }
    }
    eprintln!("skipped {divergences} known clang divergence(s)");
    assert_no_failures(&failures);
}
