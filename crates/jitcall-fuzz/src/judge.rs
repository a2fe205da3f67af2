//! The forked child's side: loads a batch library, calls each case the compiler's way,
//! through `Function::call`, through `Function::call_frame`, as a `Callback` the
//! compiler calls (for a fixed signature) and under the register probe, and writes a verdict per case to its report file.
//!
//! This module judges one process's worth of cases; scheduling, restarting after a
//! crash and known issues are the harness's.

use super::harness::{Prepared, encode_outcome};
use super::{Finding, Outcome, Via, generate};
use jitcall::abi::{ARG_GPRS, ArgLocation, CallPlan, Gpr, Load, Reg, RetLocation};
use jitcall::{Callback, Frame, Function, Library, Signature, Type, Value};
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::Path;

// ---------------------------------------------------------------------------------------

/// One argument's buffers, as the batch file's `struct jf_slot`.
#[repr(C)]
struct Slot {
    expect: *const u8,
    mask: *const u8,
    seen: *mut u8,
    size: u64,
}

/// The batch file's `struct jf_state`.
#[repr(C)]
struct State {
    arg: [Slot; super::MAX_PARAMS],
    ret: Slot,
    entered: i64,
    mismatches: i64,
    first_arg: i64,
    first_byte: i64,
    size_arg: i64,
    size_c: i64,
    echo: [u8; 16],
}

/// `jitcall_probe_harness(entry, frame, target)` of `asm/probe.S`.
type HarnessFn = unsafe extern "C" fn(
    unsafe extern "C" fn(*mut u8, *const c_void),
    *mut u8,
    *const c_void,
) -> u64;

/// Size of `jitcall_probe_record`, and where its parts are.
const RECORD_SIZE: usize = 704;
const RECORD_STACK: usize = 192;
const RECORD_STACK_LEN: usize = 512;
/// Offset of the sret length in `jitcall_probe_result`.
const RESULT_SRET_LEN: usize = 320;

struct ChildEnv<'a> {
    lib: &'a Library,
    state: *mut State,
    record: *const u8,
    result: *mut u8,
    harness: HarnessFn,
}

/// Runs cases `run` of the batch library `so` and writes their verdicts to `report`;
/// never returns.
pub(super) fn child_main(so: &Path, cases: &[Prepared], run: &[usize], report: &Path) -> ! {
    let hook_report = report.to_path_buf();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut f) = OpenOptions::new().append(true).open(&hook_report) {
            let _ =
                f.write_all(format!("X {}\n", super::hex(info.to_string().as_bytes())).as_bytes());
        }
    }));
    let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        child_run(so, cases, run, report)
    }))
    .unwrap_or(3);
    // SAFETY: leaving the forked child without running the parent's exit handlers or
    // flushing its copies of the parent's buffers.
    unsafe { libc::_exit(code) }
}

fn child_run(so: &Path, cases: &[Prepared], run: &[usize], report: &Path) -> i32 {
    let Ok(mut out) = OpenOptions::new().append(true).open(report) else {
        return 4;
    };
    let mut say = |line: String| {
        let _ = out.write_all(line.as_bytes());
    };
    let lib = match Library::open(so) {
        Ok(lib) => lib,
        Err(e) => {
            say(format!("E {}\n", super::hex(e.to_string().as_bytes())));
            return 4;
        }
    };
    let symbol = |name: &str| lib.symbol(name);
    let (state, record, result, harness) = match (
        symbol("jf_state_address"),
        symbol("jitcall_probe_record"),
        symbol("jitcall_probe_result"),
        symbol("jitcall_probe_harness"),
    ) {
        (Ok(s), Ok(r), Ok(res), Ok(h)) => (s, r, res, h),
        _ => {
            say(format!(
                "E {}\n",
                super::hex(b"batch library lacks its support symbols")
            ));
            return 4;
        }
    };
    // SAFETY: these symbols have exactly these C types (the batch prelude and
    // asm/probe.S define them).
    let env = unsafe {
        let state_address: unsafe extern "C" fn() -> *mut State = std::mem::transmute(state);
        ChildEnv {
            lib: &lib,
            state: state_address(),
            record: record.cast(),
            result: result.cast_mut().cast(),
            harness: std::mem::transmute::<*const c_void, HarnessFn>(harness),
        }
    };
    for &i in run {
        let outcome = run_case(&env, i, &cases[i], &mut |via| {
            say(format!("S {i} {}\n", via.token()))
        });
        say(format!("R {i} {}\n", encode_outcome(&outcome)));
    }
    0
}

/// The buffers the batch file's helpers write what arrived into.
struct Seen {
    args: Vec<Vec<u8>>,
    ret: Vec<u8>,
}

impl ChildEnv<'_> {
    /// Points the batch file's state at this case's tables and buffers.
    fn install(&self, p: &Prepared, seen: &mut Seen) {
        // SAFETY: `state` is the batch library's jf_state, a plain static struct this
        // child alone uses; every pointer stored stays valid while the case runs
        // (p and seen outlive every call of it).
        unsafe {
            let s = &mut *self.state;
            for (i, slot) in s.arg.iter_mut().enumerate().take(p.expect.len()) {
                *slot = Slot {
                    expect: p.expect[i].as_ptr(),
                    mask: p.masks[i].as_ptr(),
                    seen: seen.args[i].as_mut_ptr(),
                    size: p.expect[i].len() as u64,
                };
            }
            s.ret = Slot {
                expect: p.ret_expect.as_ptr(),
                mask: p.ret_mask.as_ptr(),
                seen: seen.ret.as_mut_ptr(),
                size: p.ret_expect.len() as u64,
            };
        }
    }

    /// Clears what the last call left.
    fn reset(&self, seen: &mut Seen) {
        // SAFETY: as in `install`.
        unsafe {
            let s = &mut *self.state;
            s.entered = 0;
            s.mismatches = 0;
            s.first_arg = -1;
            s.first_byte = -1;
            s.size_arg = -2;
            s.size_c = 0;
            s.echo = [0; 16];
        }
        seen.args.iter_mut().for_each(|a| a.fill(0));
        seen.ret.fill(0);
    }

    /// What the callee saw in the call just made.
    fn judge_callee(&self, via: Via, seen: &Seen) -> Option<Finding> {
        // SAFETY: as in `install`; the call has returned.
        let s = unsafe { &*self.state };
        if s.size_arg != -2 {
            return Some(Finding::Layout {
                arg: usize::try_from(s.size_arg).ok(),
                c_size: s.size_c as u64,
            });
        }
        if s.entered != 1 {
            return Some(Finding::Entered {
                via,
                times: s.entered,
            });
        }
        if s.mismatches > 0 {
            let arg = s.first_arg as usize;
            return Some(Finding::Argument {
                via,
                arg,
                byte: s.first_byte as usize,
                seen: seen.args.get(arg).cloned().unwrap_or_default(),
            });
        }
        None
    }

    /// Captures the probe's record.
    fn capture(&self) -> Vec<u8> {
        // SAFETY: the record is a RECORD_SIZE-byte global of the loaded library.
        unsafe { std::slice::from_raw_parts(self.record, RECORD_SIZE) }.to_vec()
    }
}

/// Compares a result with its expected bytes.
fn judge_result(via: Via, p: &Prepared, got: &[u8]) -> Option<Finding> {
    (0..p.ret_expect.len())
        .find(|&k| {
            got.get(k)
                .is_none_or(|b| (b ^ p.ret_expect[k]) & p.ret_mask[k] != 0)
        })
        .map(|byte| Finding::Result {
            via,
            byte,
            seen: got.to_vec(),
        })
}

fn run_case(env: &ChildEnv<'_>, n: usize, p: &Prepared, mark: &mut dyn FnMut(Via)) -> Outcome {
    let plan = match &p.plan {
        Ok(plan) => plan,
        Err(message) => {
            return Outcome::Fail(Finding::Error {
                via: Via::Value,
                message: message.clone(),
            });
        }
    };
    let (callee, caller) = match (
        env.lib.symbol(&format!("jf_callee_{n}")),
        env.lib.symbol(&format!("jf_caller_{n}")),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            return Outcome::Invalid(Finding::Error {
                via: Via::Compiler,
                message: format!("jf_callee_{n} or jf_caller_{n} is missing"),
            });
        }
    };
    // SAFETY: jf_caller_N is `void jf_caller_N(void *target)`.
    let caller: unsafe extern "C" fn(*const c_void) = unsafe { std::mem::transmute(caller) };
    let mut seen = Seen {
        args: p.expect.iter().map(|e| vec![0; e.len()]).collect(),
        ret: vec![0; p.ret_expect.len()],
    };
    env.install(p, &mut seen);

    // 1. The compiler's own call must agree with its own callee.
    mark(Via::Compiler);
    env.reset(&mut seen);
    // SAFETY: the caller calls `callee` (jf_callee_N) with its own prototype.
    unsafe { caller(callee) };
    if let Some(f) = env
        .judge_callee(Via::Compiler, &seen)
        .or_else(|| judge_result(Via::Compiler, p, &seen.ret))
    {
        return Outcome::Invalid(f);
    }

    // 2. Function::call with values.
    mark(Via::Value);
    let f = match Function::new(callee, &p.sig) {
        Ok(f) => f,
        Err(e) => {
            return Outcome::Fail(Finding::Error {
                via: Via::Value,
                message: e.to_string(),
            });
        }
    };
    env.reset(&mut seen);
    // SAFETY: jf_callee_N has exactly this signature: the batch file was rendered from
    // it, and the compiler's own call just agreed with it.
    let result = unsafe { f.call(&p.values) };
    let got = match result.and_then(|r| match p.sig.ret() {
        Type::Void => Ok(Vec::new()),
        t => r.to_bytes(t),
    }) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Fail(Finding::Error {
                via: Via::Value,
                message: e.to_string(),
            });
        }
    };
    if let Some(f) = env
        .judge_callee(Via::Value, &seen)
        .or_else(|| judge_result(Via::Value, p, &got))
    {
        return Outcome::Fail(f);
    }

    // 3. Function::call_frame.
    mark(Via::Frame);
    let mut frame = f.frame();
    for (i, v) in p.values.iter().enumerate() {
        if let Err(e) = frame.set_value(i, v) {
            return Outcome::Fail(Finding::Error {
                via: Via::Frame,
                message: e.to_string(),
            });
        }
    }
    env.reset(&mut seen);
    // SAFETY: as above.
    unsafe { f.call_frame(&mut frame) };
    // SAFETY: the frame's result area at offset 0 spans at least the result's size.
    let got = unsafe { std::slice::from_raw_parts(frame.as_mut_ptr(), p.ret_expect.len()) };
    if let Some(f) = env
        .judge_callee(Via::Frame, &seen)
        .or_else(|| judge_result(Via::Frame, p, got))
    {
        return Outcome::Fail(f);
    }

    // 4. The compiler's call of a callback (callbacks cannot be variadic).
    if !p.sig.is_variadic() {
        mark(Via::Callback);
        env.reset(&mut seen);
        let finding = match callback(env, n, p) {
            Ok(0) => None,
            Ok(_) => Some(
                judge_result(Via::Callback, p, &seen.ret).unwrap_or(Finding::Result {
                    via: Via::Callback,
                    byte: 0,
                    seen: seen.ret.clone(),
                }),
            ),
            Err(f) => Some(f),
        };
        if let Some(f) = finding {
            return Outcome::Fail(f);
        }
    }

    // 5. The register probe, against the compiler's own call of it.
    mark(Via::Probe);
    match probe(env, p, plan, caller) {
        Some(f) => Outcome::Fail(f),
        None => Outcome::Pass,
    }
}

/// Makes a [`Callback`] of this case's signature whose closure compares every data byte
/// of the arguments it receives (as [`Value`]s) with the case's values and returns the
/// case's result, and has the compiler call it through `jf_cb_drive_N`: what the
/// closure found wrong, or the number of data bytes of the result that came back wrong
/// (what came back is in the result's `seen` buffer).
fn callback(env: &ChildEnv<'_>, n: usize, p: &Prepared) -> Result<i32, Finding> {
    let via = Via::Callback;
    let error = |message: String| Finding::Error { via, message };
    let Ok(driver) = env.lib.symbol(&format!("jf_cb_drive_{n}")) else {
        return Err(error(format!("jf_cb_drive_{n} is missing")));
    };
    let params = p.sig.params();
    let ret = generate::graffiti(p.sig.ret(), params.len()).map_err(|e| error(e.to_string()))?;
    let entered = Cell::new(0i64);
    // The first thing the closure found wrong.
    let wrong: RefCell<Option<Finding>> = RefCell::new(None);
    let closure = |frame: &mut Frame| {
        entered.set(entered.get() + 1);
        let found = params.iter().enumerate().find_map(|(i, ty)| {
            let bytes = match frame.arg_value(i).and_then(|v| v.to_bytes(ty)) {
                Ok(b) => b,
                Err(e) => return Some(error(format!("argument {i}: {e}"))),
            };
            (0..p.expect[i].len())
                .find(|&k| {
                    bytes
                        .get(k)
                        .is_none_or(|b| (b ^ p.expect[i][k]) & p.masks[i][k] != 0)
                })
                .map(|byte| Finding::Argument {
                    via,
                    arg: i,
                    byte,
                    seen: bytes,
                })
        });
        let found = found.or_else(|| match p.sig.ret() {
            Type::Void => None,
            _ => frame
                .set_ret_value(&ret)
                .err()
                .map(|e| error(format!("the result: {e}"))),
        });
        if let Some(f) = found {
            wrong.borrow_mut().get_or_insert(f);
        }
    };
    let cb = Callback::new(&p.sig, closure).map_err(|e| error(e.to_string()))?;
    let drive = Function::new(driver, &Signature::new(Type::Int, [Type::Pointer]))
        .map_err(|e| error(e.to_string()))?;
    // SAFETY: jf_cb_drive_N is `int jf_cb_drive_N(void *)` and calls its argument with
    // this case's prototype, the signature `cb` was made for; `cb` outlives the call.
    let mismatches = match unsafe { drive.call(&[Value::Pointer(cb.code_ptr().cast_mut())]) } {
        Ok(Value::Int(m)) => m,
        Ok(other) => return Err(error(format!("jf_cb_drive_{n} returned {other:?}"))),
        Err(e) => return Err(error(e.to_string())),
    };
    drop(cb);
    if let Some(f) = wrong.into_inner() {
        return Err(f);
    }
    if entered.get() != 1 {
        return Err(Finding::Entered {
            via,
            times: entered.get(),
        });
    }
    Ok(mismatches)
}

/// Calls the register-capture probe as this case's function: by the compiler, then by
/// jitcall's frame entry under the callee-saved harness, then by `call_frame`; compares
/// every byte the psABI defines.
fn probe(
    env: &ChildEnv<'_>,
    p: &Prepared,
    plan: &CallPlan,
    caller: unsafe extern "C" fn(*const c_void),
) -> Option<Finding> {
    let name = match plan.ret.location {
        RetLocation::X87 { count: 1 } => "jitcall_probe_x87",
        RetLocation::X87 { .. } => "jitcall_probe_x87x2",
        RetLocation::Memory => "jitcall_probe_sret",
        _ => "jitcall_probe",
    };
    let target = env.lib.symbol(name).ok()?;
    // SAFETY: the result record is 328 bytes; the sret length is a u64 at offset 320
    // (asm/probe.S), at most the 256 bytes of its sret area.
    unsafe {
        env.result
            .add(RESULT_SRET_LEN)
            .cast::<u64>()
            .write_unaligned((plan.ret.size as u64).min(256))
    };
    // SAFETY: the caller calls the probe with this case's prototype; the probe accepts
    // anything and returns as the prototype's result location requires.
    unsafe { caller(target) };
    let theirs = env.capture();

    let error = |via, e: jitcall::Error| Finding::Error {
        via,
        message: e.to_string(),
    };
    let pf = match Function::new(target, &p.sig) {
        Ok(f) => f,
        Err(e) => return Some(error(Via::Probe, e)),
    };
    let mut frame = pf.frame();
    for (i, v) in p.values.iter().enumerate() {
        if let Err(e) = frame.set_value(i, v) {
            return Some(error(Via::Probe, e));
        }
    }
    let entry = match pf.raw_frame_entry() {
        Ok(e) => e,
        Err(e) => return Some(error(Via::Probe, e)),
    };
    // SAFETY: the harness calls the frame entry with a frame of this function's plan
    // and the probe as target, which accepts any arguments.
    let broken = unsafe { (env.harness)(entry, frame.as_mut_ptr(), target) };
    let ours = env.capture();
    if broken != 0 {
        return Some(Finding::CalleeSaved { bits: broken });
    }
    if plan.ret.location == RetLocation::Memory {
        let rdi = u64::from_le_bytes(ours[0..8].try_into().unwrap_or([0; 8]));
        if rdi != frame.as_mut_ptr() as u64 {
            return Some(Finding::Register {
                via: Via::Probe,
                what: "the sret pointer in rdi is not the frame's result area".into(),
            });
        }
    }
    if let Some(what) = compare_capture(p, plan, &ours, &theirs) {
        return Some(Finding::Register {
            via: Via::Probe,
            what,
        });
    }

    let mut frame = pf.frame();
    for (i, v) in p.values.iter().enumerate() {
        if let Err(e) = frame.set_value(i, v) {
            return Some(error(Via::ProbeFrame, e));
        }
    }
    // SAFETY: as above, through the bound entry.
    unsafe { pf.call_frame(&mut frame) };
    let ours = env.capture();
    compare_capture(p, plan, &ours, &theirs).map(|what| Finding::Register {
        via: Via::ProbeFrame,
        what,
    })
}

/// The first difference between jitcall's call of the probe (`ours`) and the
/// compiler's (`theirs`) on the bytes the psABI defines for this plan.
fn compare_capture(p: &Prepared, plan: &CallPlan, ours: &[u8], theirs: &[u8]) -> Option<String> {
    let rsp = u64::from_le_bytes(ours[56..64].try_into().unwrap_or([0; 8]));
    let align = u64::from(plan.stack_align.max(16));
    if !(rsp + 8).is_multiple_of(align) {
        return Some(format!(
            "rsp + 8 is {:#x} at the callee's entry, not a multiple of {align}",
            rsp + 8
        ));
    }
    if p.sig.is_variadic() && ours[48] != theirs[48] {
        return Some(format!(
            "%al is {}, the compiler's call sets {}",
            ours[48], theirs[48]
        ));
    }
    let gpr = |g: Gpr| {
        let i = ARG_GPRS.iter().position(|x| *x == g).unwrap_or(0);
        8 * i..8 * i + 8
    };
    for (i, arg) in plan.args.iter().enumerate() {
        let mask = &p.masks[i];
        match &arg.location {
            ArgLocation::Nowhere => {}
            ArgLocation::Stack { offset } => {
                for (k, data) in mask.iter().enumerate().take(arg.size as usize) {
                    let at = *offset as usize + k;
                    if at >= RECORD_STACK_LEN {
                        break;
                    }
                    let (o, t) = (ours[RECORD_STACK + at], theirs[RECORD_STACK + at]);
                    if *data != 0 && o != t {
                        return Some(format!(
                            "argument {i} byte {k}, on the stack at [rsp + {at}], is {o:#04x}; \
                             the compiler's call put {t:#04x}"
                        ));
                    }
                }
            }
            ArgLocation::Registers(loads) => {
                for l in loads {
                    let (range, name) = match l.reg {
                        Reg::Gpr(g) => (gpr(g), g.name(8).to_string()),
                        Reg::Xmm(x) => {
                            let at = 64 + 16 * x as usize;
                            (at..at + 16, format!("xmm{x}"))
                        }
                    };
                    let (o, t) = (&ours[range.clone()], &theirs[range]);
                    let at = l.offset as usize;
                    // Narrow integers are compared with their extension to 32 bits; of a
                    // ymm or zmm register, the probe records the low 16 bytes (its xmm).
                    let compared: Vec<bool> = match l.load {
                        Load::SignExtend(_) | Load::ZeroExtend(_) => vec![true; 4],
                        other => (0..(other.width() as usize).min(16))
                            .map(|k| mask.get(at + k).is_some_and(|m| *m != 0))
                            .collect(),
                    };
                    if let Some(k) = (0..compared.len()).find(|&k| compared[k] && o[k] != t[k]) {
                        let hex = |b: &[u8]| {
                            b[..compared.len()]
                                .iter()
                                .map(|x| format!("{x:02x}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        };
                        return Some(format!(
                            "argument {i} in {name} (its bytes {at}..{}): register byte {k} is \
                             {:#04x}, the compiler's call put {:#04x} (ours {}, theirs {})",
                            at + l.load.width() as usize,
                            o[k],
                            t[k],
                            hex(o),
                            hex(t)
                        ));
                    }
                }
            }
        }
    }
    None
}
