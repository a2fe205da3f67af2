//! ABI differential fuzzing, with a C compiler as the oracle.
//!
//! Four stages per batch of cases, as in abi-cafe:
//!
//! 1. **generate** ([`generate`]): signatures from a seed, and their graffiti values;
//! 2. **build** ([`cgen`], then the compiler): one C file per batch, with per case a
//!    callee that checks every data byte of its arguments and a caller that makes the
//!    compiler's own call; compiled with the register-capture probe (`asm/probe.S`)
//!    into one shared library;
//! 3. **run**: in a forked child (a crash or hang costs one case, not the run), each
//!    case is called by the compiler's caller (which must agree with itself), through
//!    [`Function::call`](jitcall::Function::call) and through
//!    [`Function::call_frame`](jitcall::Function::call_frame); unless it is variadic, the
//!    compiler also calls a [`Callback`](jitcall::Callback) of it, whose closure checks
//!    every argument it receives and returns the expected result; then the probe compares,
//!    byte for byte, what jitcall and the compiler put in every argument register and
//!    stack slot, `%al` for variadic calls and the stack alignment, and a harness checks
//!    callee-saved registers, the x87 stack and the direction flag;
//! 4. **check**: failures that a [known divergence](divergence) of the compiler explains
//!    are counted apart; the first real failure is shrunk to a minimal signature and
//!    printed as a self-contained C reproducer.
//!
//! ```no_run
//! use jitcall_fuzz::{Config, run};
//! let config = Config { cases: 200, seed: 42, cc: "gcc".into(), ..Config::default() };
//! let summary = run(&config, &mut |_event| {})?;
//! assert_eq!(summary.failed, 0);
//! # Ok::<(), jitcall_fuzz::FuzzError>(())
//! ```
//!
//! The run forks: call it from a process whose other threads are not inside jitcall or
//! the dynamic loader meanwhile (the `jitcall` binary is single-threaded). This crate
//! does not decide what is correct; the compiler does.
//!
//! It uses only `jitcall`'s public API, and is not published: the `jitcall fuzz` command
//! (the workspace's root package, `jitcall-cli`) and the tests in `tests/` use it. The
//! probe, `asm/probe.S`, is the repository's, shared with those tests.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod cgen;
mod compiler;
pub mod divergence;
pub mod generate;
mod harness;
mod judge;
mod shrink;

pub use compiler::{Compiler, Family};

use jitcall::{Signature, Type};
use std::fmt;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Number of signatures to check.
    pub cases: usize,
    /// The seed: the same seed gives the same signatures.
    pub seed: u64,
    /// The C compiler command, possibly with flags (`gcc`, `clang-19 -O2`,
    /// `gcc -fpcc-struct-return`); split like a shell would, without expansions.
    pub cc: String,
    /// At most this many parameters per signature (1 to 64).
    pub max_params: usize,
    /// Batches built or run at the same time.
    pub jobs: usize,
    /// Signatures per compiled library.
    pub batch_size: usize,
    /// Shrink the first failure to a minimal signature.
    pub shrink: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            cases: 1000,
            seed: 0,
            cc: "cc".into(),
            max_params: 24,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_size: 250,
            shrink: true,
        }
    }
}

/// Which call a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Via {
    /// The compiler's own call of the callee (it must agree with itself).
    Compiler,
    /// [`Function::call`](jitcall::Function::call), with [`Value`](jitcall::Value)s.
    Value,
    /// [`Function::call_frame`](jitcall::Function::call_frame), with a
    /// [`Frame`](jitcall::Frame).
    Frame,
    /// The trampoline's frame entry calling the register-capture probe, under the
    /// callee-saved harness.
    Probe,
    /// `Function::call_frame` calling the register-capture probe.
    ProbeFrame,
    /// The compiler's call of a [`Callback`](jitcall::Callback) of the signature, whose
    /// closure checks the arguments it receives and returns the expected result.
    Callback,
}

impl Via {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Via::Compiler => "the compiler's own call",
            Via::Value => "Function::call",
            Via::Frame => "Function::call_frame",
            Via::Probe => "the frame entry (register probe)",
            Via::ProbeFrame => "Function::call_frame (register probe)",
            Via::Callback => "the compiler's call of a callback",
        }
    }

    fn token(self) -> &'static str {
        match self {
            Via::Compiler => "compiler",
            Via::Value => "value",
            Via::Frame => "frame",
            Via::Probe => "probe",
            Via::ProbeFrame => "probe-frame",
            Via::Callback => "callback",
        }
    }

    fn from_token(t: &str) -> Option<Via> {
        [
            Via::Compiler,
            Via::Value,
            Via::Frame,
            Via::Probe,
            Via::ProbeFrame,
            Via::Callback,
        ]
        .into_iter()
        .find(|v| v.token() == t)
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What went wrong with one case.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// A data byte of an argument arrived wrong in the callee.
    Argument {
        /// The call.
        via: Via,
        /// The argument.
        arg: usize,
        /// The first data byte that differed.
        byte: usize,
        /// Every byte of the argument as it arrived.
        seen: Vec<u8>,
    },
    /// A data byte of the result came back wrong.
    Result {
        /// The call.
        via: Via,
        /// The first data byte that differed.
        byte: usize,
        /// Every byte of the result as it came back.
        seen: Vec<u8>,
    },
    /// The callee was entered other than once.
    Entered {
        /// The call.
        via: Via,
        /// How many times.
        times: i64,
    },
    /// The compiler's `sizeof` differs from jitcall's layout.
    Layout {
        /// The argument (`None`: the result).
        arg: Option<usize>,
        /// The compiler's size.
        c_size: u64,
    },
    /// The register probe saw a register, stack byte, `%al` or `rsp` differ from the
    /// compiler's own call.
    Register {
        /// The call.
        via: Via,
        /// What differed, in words.
        what: String,
    },
    /// The trampoline did not preserve what it must: bit 0..5 `rbx rbp r12 r13 r14 r15`,
    /// 6 `rsp`, 7 the x87 stack depth, 8 the direction flag.
    CalleeSaved {
        /// The harness's bits.
        bits: u64,
    },
    /// jitcall returned an error.
    Error {
        /// The call.
        via: Via,
        /// The error.
        message: String,
    },
    /// The process died during the call.
    Crash {
        /// The call.
        via: Via,
        /// The signal (0: it exited instead).
        signal: i32,
    },
    /// The call did not return in time.
    Hang {
        /// The call.
        via: Via,
    },
    /// The compiler rejected the case's C, or crashed on it.
    Compile {
        /// The start of its messages.
        message: String,
    },
}

impl Finding {
    /// The call it is about.
    pub fn via(&self) -> Via {
        match self {
            Finding::Argument { via, .. }
            | Finding::Result { via, .. }
            | Finding::Entered { via, .. }
            | Finding::Register { via, .. }
            | Finding::Error { via, .. }
            | Finding::Crash { via, .. }
            | Finding::Hang { via } => *via,
            Finding::Layout { .. } | Finding::Compile { .. } => Via::Compiler,
            Finding::CalleeSaved { .. } => Via::Probe,
        }
    }

    /// A description in a few lines, for a case of signature `sig`: what differed,
    /// and for a byte, what its graffiti says it is and where what arrived came from.
    pub fn describe(&self, sig: &Signature) -> Vec<String> {
        let params = sig.params();
        // Types by the names `cgen::declarations` gives them.
        let mut types = cgen::CTypes::default();
        types.name_all(sig);
        let mut ty_of = |i: usize| params.get(i).map_or("?".to_string(), |t| types.name(t));
        match self {
            Finding::Argument {
                via,
                arg,
                byte,
                seen,
            } => {
                let ty = params.get(*arg).cloned().unwrap_or(Type::Void);
                let expected = expected_bytes(&ty, *arg);
                let mut lines = vec![format!(
                    "via {via}: argument {arg} ({}) byte {byte} arrived as {}, expected {:#04x}",
                    ty_of(*arg),
                    byte_text(seen.get(*byte)),
                    expected.get(*byte).copied().unwrap_or(0)
                )];
                lines.extend(provenance(sig, &format!("argument {arg}"), seen, *byte));
                lines
            }
            Finding::Result { via, byte, seen } => {
                let expected = expected_bytes(sig.ret(), params.len());
                let mut lines = vec![format!(
                    "via {via}: result ({}) byte {byte} came back as {}, expected {:#04x}",
                    types.name(sig.ret()),
                    byte_text(seen.get(*byte)),
                    expected.get(*byte).copied().unwrap_or(0)
                )];
                lines.extend(provenance(sig, "the result", seen, *byte));
                lines
            }
            Finding::Entered { via, times } => {
                vec![format!(
                    "via {via}: the callee was entered {times} times, not once"
                )]
            }
            Finding::Layout { arg, c_size } => {
                let (what, ty) = match arg {
                    Some(i) => (format!("argument {i}"), params.get(*i).cloned()),
                    None => ("the result".to_string(), Some(sig.ret().clone())),
                };
                let ours = ty
                    .as_ref()
                    .and_then(|t| t.layout().ok())
                    .map_or(0, |l| l.size);
                vec![format!(
                    "layout: the compiler's sizeof {what} is {c_size}, jitcall's {ours}"
                )]
            }
            Finding::Register { via, what } => vec![format!("via {via}: {what}")],
            Finding::CalleeSaved { bits } => {
                let names = [
                    "rbx",
                    "rbp",
                    "r12",
                    "r13",
                    "r14",
                    "r15",
                    "rsp",
                    "x87 stack",
                    "direction flag",
                ];
                let broken: Vec<&str> = names
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits >> i & 1 == 1)
                    .map(|(_, n)| *n)
                    .collect();
                vec![format!(
                    "via {}: the trampoline did not preserve {}",
                    Via::Probe,
                    broken.join(", ")
                )]
            }
            Finding::Error { via, message } => vec![format!("via {via}: error: {message}")],
            Finding::Crash { via, signal } => vec![match signal {
                0 => format!("via {via}: the process exited during the call"),
                s => format!("via {via}: the call crashed ({})", signal_name(*s)),
            }],
            Finding::Hang { via } => vec![format!("via {via}: the call did not return")],
            Finding::Compile { message } => {
                vec![format!(
                    "the compiler rejects this case or crashes on it: {message}"
                )]
            }
        }
    }

    /// One line for the report file of a forked run.
    fn encode(&self) -> String {
        match self {
            Finding::Argument {
                via,
                arg,
                byte,
                seen,
            } => format!("argument {} {arg} {byte} {}", via.token(), hex(seen)),
            Finding::Result { via, byte, seen } => {
                format!("result {} {byte} {}", via.token(), hex(seen))
            }
            Finding::Entered { via, times } => format!("entered {} {times}", via.token()),
            Finding::Layout { arg, c_size } => {
                format!("layout {} {c_size}", arg.map_or(-1, |a| a as i64))
            }
            Finding::Register { via, what } => {
                format!("register {} {}", via.token(), hex(what.as_bytes()))
            }
            Finding::CalleeSaved { bits } => format!("callee-saved {bits}"),
            Finding::Error { via, message } => {
                format!("error {} {}", via.token(), hex(message.as_bytes()))
            }
            Finding::Crash { via, signal } => format!("crash {} {signal}", via.token()),
            Finding::Hang { via } => format!("hang {}", via.token()),
            Finding::Compile { message } => format!("compile {}", hex(message.as_bytes())),
        }
    }

    fn decode(line: &str) -> Option<Finding> {
        let w: Vec<&str> = line.split(' ').collect();
        let via = || w.get(1).and_then(|t| Via::from_token(t));
        let num = |i: usize| w.get(i).and_then(|t| t.parse::<i64>().ok());
        let bytes = |i: usize| w.get(i).and_then(|t| unhex(t));
        let text = |i: usize| bytes(i).map(|b| String::from_utf8_lossy(&b).into_owned());
        Some(match *w.first()? {
            "argument" => Finding::Argument {
                via: via()?,
                arg: num(2)? as usize,
                byte: num(3)? as usize,
                seen: bytes(4)?,
            },
            "result" => Finding::Result {
                via: via()?,
                byte: num(2)? as usize,
                seen: bytes(3)?,
            },
            "entered" => Finding::Entered {
                via: via()?,
                times: num(2)?,
            },
            "layout" => Finding::Layout {
                arg: usize::try_from(num(1)?).ok(),
                c_size: num(2)? as u64,
            },
            "register" => Finding::Register {
                via: via()?,
                what: text(2)?,
            },
            "callee-saved" => Finding::CalleeSaved {
                bits: num(1)? as u64,
            },
            "error" => Finding::Error {
                via: via()?,
                message: text(2)?,
            },
            "crash" => Finding::Crash {
                via: via()?,
                signal: num(2)? as i32,
            },
            "hang" => Finding::Hang { via: via()? },
            "compile" => Finding::Compile {
                message: bytes(1).map(|b| String::from_utf8_lossy(&b).into_owned())?,
            },
            _ => return None,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "-".into();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s == "-" {
        return Some(Vec::new());
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn byte_text(b: Option<&u8>) -> String {
    b.map_or("nothing".into(), |b| format!("{b:#04x}"))
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGABRT => "SIGABRT",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGKILL => "SIGKILL",
        _ => return format!("signal {signal}"),
    };
    name.into()
}

/// The graffiti bytes of a value of `ty` tagged `tag` (empty for `void`).
fn expected_bytes(ty: &Type, tag: usize) -> Vec<u8> {
    generate::graffiti(ty, tag)
        .and_then(|v| match ty {
            Type::Void => Ok(Vec::new()),
            t => v.to_bytes(t),
        })
        .unwrap_or_default()
}

/// Where the eightbyte of `seen` around `byte` came from: the graffiti of which value,
/// at which bytes.
fn provenance(sig: &Signature, what: &str, seen: &[u8], byte: usize) -> Vec<String> {
    let start = byte / 8 * 8;
    let end = (start + 8).min(seen.len());
    let Some(run) = seen.get(start..end) else {
        return Vec::new();
    };
    let shown: Vec<String> = run.iter().map(|b| format!("{b:02x}")).collect();
    let mut line = format!(
        "  {what} bytes {start}..{end} arrived as {}",
        shown.join(" ")
    );
    if run.iter().all(|b| *b == 0) {
        line.push_str(": zeros");
        return vec![line];
    }
    let n = sig.params().len();
    let mut found = None;
    'search: for tag in 0..=n {
        let ty = if tag == n {
            sig.ret()
        } else {
            &sig.params()[tag]
        };
        let image = expected_bytes(ty, tag);
        for at in 0..image.len().saturating_sub(run.len() - 1) {
            if image[at..at + run.len()] == *run
                && !(tag < n && format!("argument {tag}") == what && at == start)
            {
                let name = if tag == n {
                    "the result".to_string()
                } else {
                    format!("argument {tag}")
                };
                found = Some(format!("{name}'s bytes {at}..{}", at + run.len()));
                break 'search;
            }
        }
    }
    match found {
        Some(f) => line.push_str(&format!(": {f}")),
        None => match graffiti_run(run, byte - start) {
            Some((from, to)) => {
                let d = generate::describe_graffiti_byte(run[from]).unwrap_or_default();
                line.push_str(&format!(
                    ": bytes {}..{} are graffiti from {d}",
                    start + from,
                    start + to
                ));
            }
            None => line.push_str(": not graffiti of this call"),
        },
    }
    vec![line]
}

/// The run of at least three consecutive graffiti bytes (one tag, offsets counting up)
/// around `at` in `bytes`, as a range.
fn graffiti_run(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let next = |a: u8, b: u8| a >> 4 != 0 && b >> 4 == a >> 4 && b & 0xf == (a & 0xf) + 1;
    let (mut from, mut to) = (at, at + 1);
    while from > 0 && next(bytes[from - 1], bytes[from]) {
        from -= 1;
    }
    while to < bytes.len() && next(bytes[to - 1], bytes[to]) {
        to += 1;
    }
    (to - from >= 3).then_some((from, to))
}

/// The verdict on one case.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Every check passed.
    Pass,
    /// jitcall disagrees with the compiler.
    Fail(Finding),
    /// The compiler's own call disagrees with its own callee: the generated C is wrong,
    /// or the compiler is (counted as a failure).
    Invalid(Finding),
    /// A failure that a [known divergence or compiler bug](divergence) explains, by
    /// its name.
    Diverged(&'static str, Finding),
}

/// A case that failed.
#[derive(Clone, Debug)]
pub struct CaseFailure {
    /// Its number in the run (from 0).
    pub case: usize,
    /// Its signature.
    pub signature: Signature,
    /// The verdict ([`Outcome::Fail`] or [`Outcome::Invalid`]).
    pub outcome: Outcome,
}

/// A minimal failing case, ready to show.
#[derive(Clone, Debug)]
pub struct Reproducer {
    /// The shrunk signature.
    pub signature: Signature,
    /// Its failure.
    pub outcome: Outcome,
    /// The failure in words.
    pub description: Vec<String>,
    /// A self-contained C file (see [`cgen::render_reproducer`]).
    pub c_source: String,
    /// The command that builds `c_source` (saved as `repro.c`) into `./repro.so`.
    pub build: String,
    /// The `jitcall call` command line that replays it, for a library built from
    /// `c_source` as `./repro.so`.
    pub command: String,
    /// What that command should print.
    pub expected_output: String,
    /// Why that command may not show the failure ([`replay_caveat`]).
    pub caveat: Option<String>,
    /// Shrinking rounds that made progress.
    pub steps: usize,
}

/// Why `jitcall call`, which goes through [`Function::call`](jitcall::Function::call),
/// may not show a failure found through `via`, and the command that shows it again
/// (`replay`, see [`cgen::replay_command`]), in two lines; `None` when `jitcall call`
/// replays that very call.
pub fn replay_caveat(via: Via, replay: &str) -> Option<String> {
    let first = match via {
        Via::Value | Via::Compiler => return None,
        Via::Callback => "found through a callback (the compiler calling a jitcall \
                          Callback): `jitcall call` calls the other way round, and may pass"
            .to_string(),
        other => format!(
            "found through {}: `jitcall call` goes through Function::call, and may pass",
            other.name()
        ),
    };
    Some(format!(
        "{first}; this judges the case through every call:\n{replay}"
    ))
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The seed.
    pub seed: u64,
    /// The compiler.
    pub compiler: Compiler,
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases that passed with a callback check too: the non-variadic ones (a
    /// [`Callback`](jitcall::Callback) cannot be variadic).
    pub callbacks: usize,
    /// Cases a known divergence explains, by divergence name.
    pub divergences: Vec<(&'static str, usize)>,
    /// Every failure, in case order.
    pub failures: Vec<CaseFailure>,
    /// The first failure, shrunk (when shrinking is on).
    pub reproducer: Option<Reproducer>,
    /// Wall-clock time.
    pub elapsed: Duration,
}

impl Summary {
    /// Cases a known divergence explains.
    pub fn diverged(&self) -> usize {
        self.divergences.iter().map(|(_, n)| n).sum()
    }
}

/// Something the run reports as it goes.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The compiler was found and the run starts.
    Start(&'a Compiler),
    /// Cases judged so far.
    Progress {
        /// Cases judged.
        done: usize,
        /// Cases in the run.
        total: usize,
        /// Failures so far.
        failed: usize,
    },
    /// A case failed.
    Failure(&'a CaseFailure),
    /// Shrinking: a smaller signature still fails.
    Shrunk(&'a Signature),
}

/// Why a run could not be made (as opposed to cases failing).
#[derive(Debug)]
#[non_exhaustive]
pub enum FuzzError {
    /// A setting is out of range.
    Config(String),
    /// The compiler could not be run, or rejects the probe or a trivial file.
    Compiler {
        /// The command.
        command: String,
        /// What went wrong.
        message: String,
    },
    /// A forked runner could not load the library it was given.
    Load(String),
    /// Files, fork or wait failed.
    Io(std::io::Error),
}

impl fmt::Display for FuzzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuzzError::Config(m) => write!(f, "{m}"),
            FuzzError::Compiler { command, message } => write!(f, "`{command}`: {message}"),
            FuzzError::Load(m) => write!(f, "cannot load a batch library: {m}"),
            FuzzError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FuzzError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FuzzError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for FuzzError {
    fn from(e: std::io::Error) -> FuzzError {
        FuzzError::Io(e)
    }
}

/// The largest `max_params` accepted: the batch file's argument table size.
pub const MAX_PARAMS: usize = 64;

/// Runs the fuzzer: `config.cases` signatures from `config.seed`, judged by
/// `config.cc`. Cases failing are reported in the summary, not as an error.
pub fn run(config: &Config, on_event: &mut dyn FnMut(Event<'_>)) -> Result<Summary, FuzzError> {
    if config.max_params > MAX_PARAMS {
        return Err(FuzzError::Config(format!(
            "--max-params {} is above {MAX_PARAMS}",
            config.max_params
        )));
    }
    let started = Instant::now();
    let env = harness::Env::new(&config.cc)?;
    on_event(Event::Start(&env.compiler));
    // gcc 12 has no `_BitInt`: only clang's runs generate it.
    let bitint = env.compiler.family == compiler::Family::Clang;
    let mut sampler = generate::Sampler::with_bitint(config.seed, config.max_params, bitint);
    let mut failures = Vec::new();
    let mut divergences: Vec<(&'static str, usize)> = Vec::new();
    let (mut passed, mut callbacks, mut done) = (0, 0, 0);
    let mut next = || sampler.next_signature();
    harness::run_all(
        &env,
        config.cases,
        config.batch_size.max(1),
        config.jobs.max(1),
        &mut next,
        &mut |case, sig, outcome| {
            done += 1;
            match outcome {
                Outcome::Pass => {
                    passed += 1;
                    callbacks += usize::from(!sig.is_variadic());
                }
                Outcome::Diverged(name, _) => {
                    match divergences.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, count)) => *count += 1,
                        None => divergences.push((name, 1)),
                    }
                }
                outcome => {
                    let failure = CaseFailure {
                        case,
                        signature: sig.clone(),
                        outcome,
                    };
                    on_event(Event::Failure(&failure));
                    failures.push(failure);
                }
            }
            on_event(Event::Progress {
                done,
                total: config.cases,
                failed: failures.len(),
            });
        },
    )?;
    failures.sort_by_key(|f| f.case);
    divergences.sort();
    let reproducer = match failures.first() {
        Some(first) if config.shrink => {
            let (signature, outcome, steps) = shrink::shrink(&env, first, on_event)?;
            Some(reproducer(
                &env,
                config.seed,
                first,
                signature,
                outcome,
                steps,
            ))
        }
        _ => None,
    };
    Ok(Summary {
        seed: config.seed,
        compiler: env.compiler.clone(),
        passed,
        failed: failures.len(),
        callbacks,
        divergences,
        failures,
        reproducer,
        elapsed: started.elapsed(),
    })
}

/// The reproducer of `first`, shrunk to `signature` in `steps` steps.
fn reproducer(
    env: &harness::Env,
    seed: u64,
    first: &CaseFailure,
    signature: Signature,
    outcome: Outcome,
    steps: usize,
) -> Reproducer {
    let finding = match &outcome {
        Outcome::Fail(f) | Outcome::Invalid(f) | Outcome::Diverged(_, f) => Some(f),
        Outcome::Pass => None,
    };
    let mut description = finding.map_or_else(Vec::new, |f| f.describe(&signature));
    if let Outcome::Invalid(f) = &outcome
        && !matches!(f, Finding::Compile { .. })
    {
        description.push(
            "the compiler's own call disagrees with its callee: the generated C, or the \
             compiler, is wrong"
                .into(),
        );
    }
    let caveat = finding.and_then(|f| {
        let replay = cgen::replay_command(&signature, &env.compiler.command_line());
        replay_caveat(f.via(), &replay)
    });
    let notes = cgen::ReproducerNotes {
        caveat: caveat.clone(),
        failure: description.clone(),
        build_shared: env.compiler.build_line(true),
        build_program: env.compiler.build_line(false),
        compiler: format!(
            "{} (`{}`)",
            env.compiler.description,
            env.compiler.command_line()
        ),
        origin: format!(
            "seed {seed}, case {}, {} parameter(s) shrunk to {} in {steps} step(s)",
            first.case,
            first.signature.params().len(),
            signature.params().len()
        ),
    };
    let (command, expected_output) = cgen::call_command(&signature, "./repro.so");
    Reproducer {
        c_source: cgen::render_reproducer(&signature, &notes),
        build: format!("{} -o repro.so repro.c", notes.build_shared),
        signature,
        outcome,
        description,
        command,
        expected_output,
        caveat,
        steps,
    }
}

/// Judges the given signatures with the compiler `cc` (one batch, no shrinking): one
/// outcome per signature, in order.
pub fn check(cc: &str, sigs: &[Signature]) -> Result<Vec<Outcome>, FuzzError> {
    let env = harness::Env::new(cc)?;
    let clang_only = sigs
        .iter()
        .flat_map(|s| std::iter::once(s.ret()).chain(s.params()))
        .find_map(clang_only);
    if let Some(what) = clang_only
        && env.compiler.family != compiler::Family::Clang
    {
        return Err(FuzzError::Config(format!(
            "{what} needs a compiler that has it (clang; {} does not): pass --cc clang-19",
            env.compiler.description
        )));
    }
    env.check(sigs)
}

/// The first type `ty` is or holds (at any depth) that gcc 12 lacks: `_BitInt`,
/// `__bf16` or clang's `ext_vector_type`.
fn clang_only(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::BitInt { .. } => Some("_BitInt"),
        Type::BFloat16 => Some("__bf16"),
        Type::ExtVector(..) => Some("ext_vector_type"),
        Type::Struct(agg) | Type::Union(agg) => agg.fields.iter().find_map(|f| clang_only(&f.ty)),
        Type::Array(elem, _) | Type::Vector(elem, _) | Type::Complex(elem) => clang_only(elem),
        _ => None,
    }
}
