//! The register-capture probe (`asm/probe.S`) against every shape of the table.
//!
//! For each shape, the C compiler's own call of the probe and jitcall's call of it are
//! captured (every argument register at full width, `%al`, the stack-argument area,
//! `rsp`) and compared byte for byte wherever the psABI defines the bytes. jitcall's
//! call goes through both the shared frame entry and the bound entry `call_frame` runs,
//! each under a harness that puts canaries in every callee-saved register and checks
//! them, `rsp`, the x87 stack depth and the direction flag afterwards.

mod common;

use common::*;
use jitcall::abi::{ARG_GPRS, ArgLocation, CallPlan, Gpr, Load, Reg, RetLocation, sysv};
use jitcall::{Function, Library, Signature, Type, Value};
use std::ffi::c_void;
use std::path::Path;

const RECORD_SIZE: usize = 704;

struct Capture(Vec<u8>);

impl Capture {
    fn take(lib: &Library) -> Capture {
        let p = lib.symbol("jitcall_probe_record").unwrap() as *const u8;
        // SAFETY: the record is a 704-byte global of the loaded probe library.
        Capture(unsafe { std::slice::from_raw_parts(p, RECORD_SIZE) }.to_vec())
    }
    fn gpr(&self, g: Gpr) -> &[u8] {
        let i = ARG_GPRS.iter().position(|x| *x == g).unwrap();
        &self.0[8 * i..8 * i + 8]
    }
    fn al(&self) -> u8 {
        self.0[48]
    }
    fn rsp(&self) -> u64 {
        u64::from_le_bytes(self.0[56..64].try_into().unwrap())
    }
    fn xmm(&self, n: u8) -> &[u8] {
        let at = 64 + 16 * n as usize;
        &self.0[at..at + 16]
    }
    fn stack(&self, offset: u32, len: u32) -> &[u8] {
        let at = 192 + offset as usize;
        &self.0[at..at + len as usize]
    }
}

fn probe_for(plan: &CallPlan) -> &'static str {
    match plan.ret.location {
        RetLocation::X87 { count: 1 } => "jitcall_probe_x87",
        RetLocation::X87 { .. } => "jitcall_probe_x87x2",
        RetLocation::Memory => "jitcall_probe_sret",
        _ => "jitcall_probe",
    }
}

/// Compares `ours` with `theirs` on the bytes `mask` marks; describes the first
/// difference.
fn compare(what: &str, ours: &[u8], theirs: &[u8], mask: &[bool]) -> Option<String> {
    (0..mask.len()).find(|&i| mask[i] && ours[i] != theirs[i]).map(|i| {
        format!(
            "{what}: byte {i} is {:#04x}, the compiler put {:#04x} (ours {:02x?}, theirs {:02x?})",
            ours[i],
            theirs[i],
            &ours[..mask.len()],
            &theirs[..mask.len()]
        )
    })
}

#[test]
fn trampolines_place_every_byte_where_the_compilers_do() {
    let shapes = shapes();
    let plans: Vec<CallPlan> = shapes
        .iter()
        .map(|s| sysv::classify(&signature(s)).unwrap())
        .collect();
    let probes: Vec<&str> = plans.iter().map(probe_for).collect();
    let source = render_probe_callers(&shapes, &probes);
    let probe_asm = Path::new(env!("CARGO_MANIFEST_DIR")).join("asm/probe.S");
    let mut failures = Vec::new();
    for cc in compilers() {
        let dir = ScratchDir::new("probe");
        let c = dir.join("callers.c");
        std::fs::write(&c, &source).unwrap();
        let so = dir.join(format!("libprobe-{cc}.so"));
        build_shared(cc, &[&probe_asm, &c], &so, &[]);
        let lib = Library::open(so.to_str().unwrap()).unwrap();
        let harness = lib.symbol("jitcall_probe_harness").unwrap();
        // SAFETY: the harness has this C signature (see asm/probe.S).
        let harness: unsafe extern "C" fn(
            unsafe extern "C" fn(*mut u8, *const c_void),
            *mut u8,
            *const c_void,
        ) -> u64 = unsafe { std::mem::transmute(harness) };
        let sret_len = lib.symbol("jitcall_probe_result").unwrap() as *mut u8;

        for (n, shape) in shapes.iter().enumerate() {
            if shape.diverges_on.contains(&cc) {
                continue;
            }
            let sig = signature(shape);
            let plan = &plans[n];
            let vals = shape_values(shape, n);
            let what = format!("{cc}: shape {n} `{sig}`");
            // The sret probe copies this many bytes of result.
            // SAFETY: offset 320 of the 328-byte result record is the sret length.
            unsafe { sret_len.add(320).cast::<u64>().write(plan.ret.size as u64) };

            let direct = lib
                .function(&format!("probe_call_{n}"), &Signature::new(Type::Void, []))
                .unwrap();
            // SAFETY: probe_call_N is `void probe_call_N(void)`.
            unsafe { direct.call(&[]) }.unwrap();
            let theirs = Capture::take(&lib);

            let probe = Function::new(lib.symbol(probes[n]).unwrap(), &sig).unwrap();
            // The shared frame entry, and the bound entry `call_frame` runs (a tail jump,
            // a call that hands back the result registers, or call-then-store). A bound
            // entry takes the frame in rdi and ignores rsi, so the harness can call both
            // as fn(frame, target).
            // SAFETY: only the ignored second argument differs between the two types.
            let bound = unsafe {
                std::mem::transmute::<
                    unsafe extern "C" fn(*mut u8),
                    unsafe extern "C" fn(*mut u8, *const c_void),
                >(probe.bound_frame_entry())
            };
            for (via, entry) in [
                ("shared entry", probe.raw_frame_entry().unwrap()),
                ("bound entry", bound),
            ] {
                let what = format!("{what} ({via})");
                let mut frame = probe.frame();
                for (i, v) in vals.args.iter().enumerate() {
                    frame.set_value(i, v).unwrap();
                }
                // SAFETY: the probe accepts any arguments and returns per the chosen entry;
                // the frame is this function's.
                let broken = unsafe { harness(entry, frame.as_mut_ptr(), probe.target()) };
                let ours = Capture::take(&lib);
                if broken != 0 {
                    failures.push(format!("{what}: harness reports {broken:#b}"));
                }

                // rsp + 8 at the probe's entry is aligned as the plan requires.
                if !(ours.rsp() + 8).is_multiple_of(plan.stack_align as u64) {
                    failures.push(format!("{what}: rsp misaligned ({:#x})", ours.rsp()));
                }
                if shape.variadic_fixed.is_some() && ours.al() != theirs.al() {
                    failures.push(format!(
                        "{what}: al {} vs the compiler's {}",
                        ours.al(),
                        theirs.al()
                    ));
                }
                if plan.ret.location == RetLocation::Memory {
                    let rdi = u64::from_le_bytes(ours.gpr(Gpr::Rdi).try_into().unwrap());
                    if rdi != frame.as_mut_ptr() as u64 {
                        failures.push(format!(
                            "{what}: sret pointer is not the frame's result area"
                        ));
                    }
                }
                for (i, (arg, (ty, v))) in plan
                    .args
                    .iter()
                    .zip(sig.params().iter().zip(&vals.args))
                    .enumerate()
                {
                    let mask = data_mask(ty, v);
                    match &arg.location {
                        ArgLocation::Nowhere => {}
                        ArgLocation::Stack { offset } => {
                            let len = arg.size;
                            if let Some(f) = compare(
                                &format!("{what}: argument {i} on the stack at {offset}"),
                                ours.stack(*offset, len),
                                theirs.stack(*offset, len),
                                &mask,
                            ) {
                                failures.push(f);
                            }
                        }
                        ArgLocation::Registers(loads) => {
                            for l in loads {
                                let at = l.offset as usize;
                                let width = l.load.width() as usize;
                                // Extended narrow integers: both compilers extend to 32 bits.
                                let piece_mask: Vec<bool> = match l.load {
                                    Load::SignExtend(_) | Load::ZeroExtend(_) => vec![true; 4],
                                    _ => mask[at..at + width].to_vec(),
                                };
                                let (o, t, name) = match l.reg {
                                    Reg::Gpr(g) => {
                                        (ours.gpr(g), theirs.gpr(g), g.name(8).to_string())
                                    }
                                    Reg::Xmm(x) => (ours.xmm(x), theirs.xmm(x), format!("xmm{x}")),
                                };
                                if let Some(f) = compare(
                                    &format!("{what}: argument {i} in {name}"),
                                    o,
                                    t,
                                    &piece_mask,
                                ) {
                                    failures.push(f);
                                }
                            }
                        }
                    }
                }
            }
            let _ = Value::Void;
        }
    }
    assert_no_failures(&failures);
}
