//! Build and run: compiles batch files with the compiler under test, runs each batch
//! in a forked child (which judges the cases: [`super::judge`]), and collects the
//! verdicts.
//!
//! The parent process only generates, writes C, starts compilers and forks; it never
//! loads a batch library or calls anything, so a case that crashes or hangs costs that
//! case (reported as such) and the child is restarted on the cases after it. Several
//! batches are in flight at once (`jobs`): the loop polls compilers and children and
//! never blocks on one of them.
//!
//! The child talks back through a report file, one line per event:
//! `S <case> <call>` when a call starts, `R <case> pass|fail <finding>|invalid <finding>`
//! when a case is judged, `X <hex>` for a panic message, `E <hex>` if the library
//! cannot be loaded.

use super::compiler::{BUILD_FLAGS, Compiler, truncate};
use super::divergence::{self, Kind};
use super::{Finding, FuzzError, Outcome, Via, cgen, judge};
use jitcall::abi::{CallPlan, sysv};
use jitcall::{Signature, Type, Value};
use std::fs::{self, File};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The register-capture probe and callee-saved harness, linked into every batch.
const PROBE_SOURCE: &str = include_str!("../../../asm/probe.S");

/// A child that reports nothing new for this long is killed, and its current call
/// counted as a hang.
const HANG_TIMEOUT: Duration = Duration::from_secs(30);

/// A scratch directory, removed when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new() -> Result<WorkDir, FuzzError> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "jitcall-fuzz-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir)?;
        Ok(WorkDir(dir))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Everything a run needs: the compiler, a scratch directory, the assembled probe.
pub(crate) struct Env {
    pub(crate) compiler: Compiler,
    work: WorkDir,
    probe: PathBuf,
    batches: AtomicUsize,
}

impl Env {
    /// Detects the compiler and assembles the probe with it; checks that it can build
    /// a shared library with the probe linked in.
    pub(crate) fn new(cc: &str) -> Result<Env, FuzzError> {
        let compiler = Compiler::detect(cc)?;
        let work = WorkDir::new()?;
        let source = work.0.join("probe.S");
        fs::write(&source, PROBE_SOURCE)?;
        let probe = work.0.join("probe.o");
        let command_line = compiler.command_line();
        let fail = |message: String| FuzzError::Compiler {
            command: command_line.clone(),
            message,
        };
        let out = compiler
            .command(&compiler.flags(&["-c", "-fPIC"]))
            .arg(&source)
            .arg("-o")
            .arg(&probe)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| fail(format!("cannot run it: {e}")))?;
        if !out.status.success() {
            return Err(fail(format!(
                "it cannot assemble the register probe:\n{}",
                truncate(&String::from_utf8_lossy(&out.stderr))
            )));
        }
        let env = Env {
            compiler,
            work,
            probe,
            batches: AtomicUsize::new(0),
        };
        // A trivial batch, built and loaded: bad flags show here as a compiler error.
        let mut job = env.start(0, vec![Signature::new(Type::Int, [Type::Int])])?;
        job.finish()?;
        if let JobState::Rejected(stderr) = &job.state {
            return Err(fail(format!(
                "it cannot build a shared library with the probe:\n{}",
                truncate(stderr)
            )));
        }
        Ok(env)
    }

    /// Judges `sigs` as one batch (split if the compiler rejects some).
    pub(crate) fn check(&self, sigs: &[Signature]) -> Result<Vec<Outcome>, FuzzError> {
        let mut outcomes = vec![Outcome::Pass; sigs.len()];
        let mut batch = Some((0, sigs.to_vec()));
        drive(self, 1, &mut || batch.take(), &mut |i, _, o| {
            outcomes[i] = o
        })?;
        Ok(outcomes)
    }

    /// Writes the batch file for `sigs` and starts compiling it.
    fn start(&self, first: usize, sigs: Vec<Signature>) -> Result<Job, FuzzError> {
        let n = self.batches.fetch_add(1, Ordering::Relaxed);
        let dir = self.work.0.join(format!("batch-{n}"));
        fs::create_dir_all(&dir)?;
        let source = dir.join("batch.c");
        fs::write(&source, cgen::render_batch(&sigs))?;
        let so = dir.join("batch.so");
        let errors = dir.join("cc.err");
        let mut cmd = self.compiler.command(&self.compiler.flags(&BUILD_FLAGS));
        cmd.arg(&source).arg(&self.probe).arg("-o").arg(&so);
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&errors)?)
            .spawn()
            .map_err(|e| FuzzError::Compiler {
                command: self.compiler.command_line(),
                message: format!("cannot run it: {e}"),
            })?;
        // The callees pass wide vectors as the compiler's flags make them.
        let abi = self.compiler.vector_abi;
        let cases: Vec<Prepared> = sigs
            .into_iter()
            .map(|sig| Prepared::new(sig.with_vector_abi(abi)))
            .collect();
        Ok(Job {
            first,
            outcomes: vec![None; cases.len()],
            cases,
            dir,
            so,
            errors,
            state: JobState::Compiling(child),
            attempts: 0,
        })
    }
}

/// Runs `cases` signatures from `next`, `batch` per library, `jobs` batches at once;
/// reports each verdict (in no particular order) to `on_outcome`.
pub(crate) fn run_all(
    env: &Env,
    cases: usize,
    batch: usize,
    jobs: usize,
    next: &mut dyn FnMut() -> Signature,
    on_outcome: &mut dyn FnMut(usize, &Signature, Outcome),
) -> Result<(), FuzzError> {
    let mut started = 0;
    let mut feed = || {
        (started < cases).then(|| {
            let n = batch.min(cases - started);
            let first = started;
            started += n;
            (first, (0..n).map(|_| next()).collect())
        })
    };
    drive(env, jobs, &mut feed, on_outcome)
}

/// Runs the batches `feed` gives (first case number, signatures), `jobs` at once. A
/// batch the compiler rejects is split in halves until the case it rejects is alone;
/// that case is then invalid.
fn drive(
    env: &Env,
    jobs: usize,
    feed: &mut dyn FnMut() -> Option<(usize, Vec<Signature>)>,
    on_outcome: &mut dyn FnMut(usize, &Signature, Outcome),
) -> Result<(), FuzzError> {
    let mut flight: Vec<Job> = Vec::new();
    let mut fed_all = false;
    loop {
        while flight.len() < jobs && !fed_all {
            match feed() {
                Some((first, sigs)) => flight.push(env.start(first, sigs)?),
                None => fed_all = true,
            }
        }
        if flight.is_empty() {
            return Ok(());
        }
        let mut progressed = false;
        for job in &mut flight {
            progressed |= job.poll()?;
        }
        let mut i = 0;
        while i < flight.len() {
            match &flight[i].state {
                JobState::Done => {
                    let job = flight.swap_remove(i);
                    for (k, (case, outcome)) in job.cases.iter().zip(&job.outcomes).enumerate() {
                        let outcome = known(env, case, outcome.clone().unwrap_or(Outcome::Pass));
                        on_outcome(job.first + k, &case.sig, outcome);
                    }
                }
                JobState::Rejected(stderr) => {
                    let stderr = stderr.clone();
                    let job = flight.swap_remove(i);
                    let _ = fs::remove_dir_all(&job.dir);
                    let mut sigs: Vec<Signature> =
                        job.cases.iter().map(|c| c.sig.clone()).collect();
                    if sigs.len() == 1 {
                        let message = stderr
                            .lines()
                            .filter(|l| !l.trim().is_empty())
                            .take(4)
                            .map(|l| l.chars().take(200).collect::<String>())
                            .collect::<Vec<_>>()
                            .join(" | ");
                        let outcome = Outcome::Invalid(Finding::Compile { message });
                        on_outcome(job.first, &sigs[0], known(env, &job.cases[0], outcome));
                    } else {
                        let rest = sigs.split_off(sigs.len() / 2);
                        let middle = job.first + sigs.len();
                        flight.push(env.start(job.first, sigs)?);
                        flight.push(env.start(middle, rest)?);
                    }
                }
                _ => i += 1,
            }
        }
        if !progressed {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// `outcome`, or the known divergence (for a jitcall failure), compiler bug (for the
/// compiler disagreeing with itself) or compiler crash that explains it.
fn known(env: &Env, case: &Prepared, outcome: Outcome) -> Outcome {
    let (kind, finding) = match &outcome {
        Outcome::Fail(f) => (Kind::Divergence, f),
        Outcome::Invalid(f @ Finding::Compile { .. }) => (Kind::CompilerCrash, f),
        Outcome::Invalid(f) => (Kind::CompilerBug, f),
        _ => return outcome,
    };
    match &case.plan {
        Ok(plan) => match divergence::explain(&env.compiler, kind, &case.sig, plan) {
            Some(d) => Outcome::Diverged(d.name, finding.clone()),
            None => outcome,
        },
        Err(_) => outcome,
    }
}

/// One case, ready to run: its values as bytes and masks, computed before the fork.
pub(super) struct Prepared {
    /// The signature.
    pub(super) sig: Signature,
    /// The plan, or why jitcall cannot classify the signature.
    pub(super) plan: Result<CallPlan, String>,
    /// The arguments' graffiti values.
    pub(super) values: Vec<Value>,
    /// Their bytes.
    pub(super) expect: Vec<Vec<u8>>,
    /// Their data bytes (1) and padding (0).
    pub(super) masks: Vec<Vec<u8>>,
    /// The result's bytes.
    pub(super) ret_expect: Vec<u8>,
    /// The result's data bytes.
    pub(super) ret_mask: Vec<u8>,
}

impl Prepared {
    fn new(sig: Signature) -> Prepared {
        let image = |ty: &Type, tag: usize| -> Result<(Value, Vec<u8>, Vec<u8>), jitcall::Error> {
            let v = super::generate::graffiti(ty, tag)?;
            let bytes = match ty {
                Type::Void => Vec::new(),
                t => v.to_bytes(t)?,
            };
            let mask = super::generate::data_bits(ty);
            Ok((v, bytes, mask))
        };
        let mut p = Prepared {
            plan: sysv::classify(&sig).map_err(|e| e.to_string()),
            values: Vec::new(),
            expect: Vec::new(),
            masks: Vec::new(),
            ret_expect: Vec::new(),
            ret_mask: Vec::new(),
            sig,
        };
        let n = p.sig.params().len();
        for (i, ty) in p.sig.params().iter().enumerate() {
            match image(ty, i) {
                Ok((v, b, m)) => {
                    p.values.push(v);
                    p.expect.push(b);
                    p.masks.push(m);
                }
                Err(e) if p.plan.is_ok() => p.plan = Err(e.to_string()),
                Err(_) => {}
            }
        }
        match image(p.sig.ret(), n) {
            Ok((_, b, m)) => {
                p.ret_expect = b;
                p.ret_mask = m;
            }
            Err(e) if p.plan.is_ok() => p.plan = Err(e.to_string()),
            Err(_) => {}
        }
        p
    }
}

enum JobState {
    Compiling(Child),
    Running(Runner),
    /// The compiler rejected the batch (or crashed): its messages.
    Rejected(String),
    Done,
}

/// A forked child running some cases of a batch.
struct Runner {
    pid: libc::pid_t,
    report: PathBuf,
    cases: Vec<usize>,
    report_len: u64,
    last_change: Instant,
}

/// One batch: its cases, its files, where it is.
struct Job {
    first: usize,
    cases: Vec<Prepared>,
    outcomes: Vec<Option<Outcome>>,
    dir: PathBuf,
    so: PathBuf,
    errors: PathBuf,
    state: JobState,
    attempts: usize,
}

impl Job {
    /// Polls until done.
    fn finish(&mut self) -> Result<(), FuzzError> {
        while !matches!(self.state, JobState::Done | JobState::Rejected(_)) {
            if !self.poll()? {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        Ok(())
    }

    /// Moves the job on if it can; whether anything happened.
    fn poll(&mut self) -> Result<bool, FuzzError> {
        match &mut self.state {
            JobState::Done | JobState::Rejected(_) => Ok(false),
            JobState::Compiling(child) => {
                let Some(status) = child.try_wait()? else {
                    return Ok(false);
                };
                if !status.success() {
                    let stderr = fs::read_to_string(&self.errors).unwrap_or_default();
                    self.state = JobState::Rejected(stderr);
                    return Ok(true);
                }
                let all: Vec<usize> = (0..self.cases.len()).collect();
                self.state = JobState::Running(self.fork(all)?);
                Ok(true)
            }
            JobState::Running(runner) => {
                let mut status = 0;
                // SAFETY: waiting, without blocking, for a child we forked.
                let r = unsafe { libc::waitpid(runner.pid, &mut status, libc::WNOHANG) };
                let mut hung = false;
                if r == 0 {
                    let len = fs::metadata(&runner.report).map_or(0, |m| m.len());
                    if len != runner.report_len {
                        runner.report_len = len;
                        runner.last_change = Instant::now();
                        return Ok(false);
                    }
                    if runner.last_change.elapsed() < HANG_TIMEOUT {
                        return Ok(false);
                    }
                    // SAFETY: killing and reaping our own child.
                    unsafe {
                        libc::kill(runner.pid, libc::SIGKILL);
                        libc::waitpid(runner.pid, &mut status, 0);
                    }
                    hung = true;
                } else if r < 0 {
                    return Err(std::io::Error::last_os_error().into());
                }
                let report = fs::read_to_string(&runner.report).unwrap_or_default();
                let cases = std::mem::take(&mut runner.cases);
                self.collect(&report, status, hung, cases)
            }
        }
    }

    /// Reads a finished child's report; restarts a child on the cases it did not
    /// reach.
    fn collect(
        &mut self,
        report: &str,
        status: i32,
        hung: bool,
        cases: Vec<usize>,
    ) -> Result<bool, FuzzError> {
        let mut current: Option<(usize, Via)> = None;
        let mut panic_message = None;
        for line in report.lines() {
            let mut words = line.splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("S"), Some(i), Some(via)) => {
                    current = i
                        .parse()
                        .ok()
                        .zip(Via::from_token(via))
                        .filter(|(i, _)| *i < self.cases.len());
                }
                (Some("R"), Some(i), Some(rest)) => {
                    if let Ok(i) = i.parse::<usize>()
                        && i < self.cases.len()
                    {
                        self.outcomes[i] = Some(decode_outcome(rest));
                        current = None;
                    }
                }
                (Some("X"), Some(text), _) => {
                    panic_message =
                        super::unhex(text).map(|b| String::from_utf8_lossy(&b).into_owned());
                }
                (Some("E"), Some(text), _) => {
                    let message = super::unhex(text)
                        .map_or_else(String::new, |b| String::from_utf8_lossy(&b).into_owned());
                    self.state = JobState::Done;
                    return Err(FuzzError::Load(message));
                }
                _ => {}
            }
        }
        let remaining: Vec<usize> = cases
            .into_iter()
            .filter(|i| self.outcomes[*i].is_none())
            .collect();
        if let Some(&first) = remaining.first() {
            // The case the child died in: the one it started last, or (if it died
            // between cases) the next one.
            let (case, via) = current.unwrap_or((first, Via::Compiler));
            let finding = if hung {
                Finding::Hang { via }
            } else if let Some(message) = panic_message {
                Finding::Error {
                    via,
                    message: format!("panicked: {message}"),
                }
            } else {
                let signal = if libc::WIFSIGNALED(status) {
                    libc::WTERMSIG(status)
                } else {
                    0
                };
                Finding::Crash { via, signal }
            };
            self.outcomes[case] = Some(if via == Via::Compiler {
                Outcome::Invalid(finding)
            } else {
                Outcome::Fail(finding)
            });
            let rest: Vec<usize> = remaining.into_iter().filter(|i| *i != case).collect();
            if !rest.is_empty() {
                self.attempts += 1;
                self.state = JobState::Running(self.fork(rest)?);
                return Ok(true);
            }
        }
        self.state = JobState::Done;
        let _ = fs::remove_dir_all(&self.dir);
        Ok(true)
    }

    /// Forks a child that runs `cases` of this batch.
    fn fork(&self, cases: Vec<usize>) -> Result<Runner, FuzzError> {
        let report = self.dir.join(format!("report-{}", self.attempts));
        File::create(&report)?;
        // Nothing buffered may be written twice.
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        // SAFETY: the child only loads the batch library, calls into it and jitcall,
        // writes its report and leaves with _exit; the parent's other threads (if any)
        // are documented not to be inside jitcall or the loader (see the module docs).
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        if pid == 0 {
            judge::child_main(&self.so, &self.cases, &cases, &report);
        }
        Ok(Runner {
            pid,
            report,
            cases,
            report_len: 0,
            last_change: Instant::now(),
        })
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        match &mut self.state {
            JobState::Compiling(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            JobState::Running(runner) => {
                let mut status = 0;
                // SAFETY: killing and reaping our own child.
                unsafe {
                    libc::kill(runner.pid, libc::SIGKILL);
                    libc::waitpid(runner.pid, &mut status, 0);
                }
            }
            JobState::Done | JobState::Rejected(_) => {}
        }
    }
}

/// An outcome as the rest of an `R` report line.
pub(super) fn encode_outcome(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Pass | Outcome::Diverged(..) => "pass".into(),
        Outcome::Fail(f) => format!("fail {}", f.encode()),
        Outcome::Invalid(f) => format!("invalid {}", f.encode()),
    }
}

fn decode_outcome(text: &str) -> Outcome {
    let broken = || {
        Outcome::Fail(Finding::Error {
            via: Via::Compiler,
            message: format!("unreadable report line: {text}"),
        })
    };
    if text == "pass" {
        return Outcome::Pass;
    }
    let (kind, rest) = text.split_once(' ').unwrap_or((text, ""));
    match (kind, Finding::decode(rest)) {
        ("fail", Some(f)) => Outcome::Fail(f),
        ("invalid", Some(f)) => Outcome::Invalid(f),
        _ => broken(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_through_report_lines() {
        let findings = [
            Finding::Argument {
                via: Via::Frame,
                arg: 3,
                byte: 5,
                seen: vec![1, 2, 0xff],
            },
            Finding::Result {
                via: Via::Value,
                byte: 0,
                seen: vec![],
            },
            Finding::Register {
                via: Via::ProbeFrame,
                what: "argument 1 in rdi".into(),
            },
            Finding::Layout {
                arg: None,
                c_size: 24,
            },
            Finding::CalleeSaved { bits: 0x41 },
            Finding::Crash {
                via: Via::Value,
                signal: 11,
            },
            Finding::Hang { via: Via::Probe },
            Finding::Entered {
                via: Via::Callback,
                times: 0,
            },
        ];
        for f in findings {
            for o in [Outcome::Fail(f.clone()), Outcome::Invalid(f.clone())] {
                assert_eq!(decode_outcome(&encode_outcome(&o)), o);
            }
        }
        assert_eq!(decode_outcome("pass"), Outcome::Pass);
        assert!(matches!(
            decode_outcome("fail nonsense"),
            Outcome::Fail(Finding::Error { .. })
        ));
    }
}
