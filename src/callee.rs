//! What surrounds the call of a C function from the command line: a crash of the callee
//! is reported rather than fatal and silent, and with `--json` what the callee writes
//! to standard output is kept apart so that the JSON still starts on a line of its own.
//!
//! A [`Guard`] covers exactly one call. While it lives, SIGSEGV, SIGBUS, SIGFPE and
//! SIGILL go to a handler, on a signal stack of its own, that writes which function
//! faulted, the signal and the faulting address, with a hint, and exits with 128 + the
//! signal number: the process's state after such a fault is unknown, so nothing is
//! attempted after it. The handler uses only async-signal-safe calls (write, read,
//! lseek, _exit) and text prepared before the call. When the guard ends, the handlers
//! and signal stack in place before it are restored.
//!
//! It does not catch faults outside the call, nor make a faulting call safe: by then
//! the callee may already have written through a bad pointer.

use std::ffi::c_int;
use std::io::Write;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicUsize, Ordering};

/// The signals a faulting callee raises.
const FAULTS: [(c_int, &str); 4] = [
    (libc::SIGSEGV, "SIGSEGV (invalid memory reference)"),
    (libc::SIGBUS, "SIGBUS (bus error)"),
    (libc::SIGFPE, "SIGFPE (arithmetic exception)"),
    (libc::SIGILL, "SIGILL (illegal instruction)"),
];

const HINT: &str = "\n  hint: the declaration may not match the function, or a pointer argument \
                    may not point to what the function expects\n";

/// Room for the handler's own frames: it formats one number and copies a file.
const SIGNAL_STACK_SIZE: usize = 64 * 1024;

/// `jitcall: NAME crashed: `, prepared before the call (the handler may not allocate).
static PREFIX: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static PREFIX_LEN: AtomicUsize = AtomicUsize::new(0);
/// With `--json`: the file standing in for standard output during the call, and the
/// real standard output, which the handler copies the callee's output to.
static CAPTURE_FD: AtomicI32 = AtomicI32::new(-1);
static SAVED_STDOUT_FD: AtomicI32 = AtomicI32::new(-1);

/// Writes all of `bytes` to `fd`, as far as it can; async-signal-safe.
fn write_all_raw(fd: c_int, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a valid slice for its length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n <= 0 {
            return;
        }
        bytes = bytes.get(n as usize..).unwrap_or(&[]);
    }
}

/// `0x` and the hexadecimal digits of `x`, into `buf`; async-signal-safe.
fn hex(x: usize, buf: &mut [u8; 18]) -> &[u8] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut i = buf.len();
    let mut x = x;
    loop {
        i -= 1;
        buf[i] = DIGITS[x & 15];
        x >>= 4;
        if x == 0 {
            break;
        }
    }
    i -= 1;
    buf[i] = b'x';
    i -= 1;
    buf[i] = b'0';
    &buf[i..]
}

extern "C" fn on_fault(signal: c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    // What the callee wrote to standard output before it faulted comes first.
    let capture = CAPTURE_FD.load(Ordering::Relaxed);
    let stdout = SAVED_STDOUT_FD.load(Ordering::Relaxed);
    if capture >= 0 && stdout >= 0 {
        let mut buf = [0u8; 4096];
        // SAFETY: lseek and read on a descriptor this module opened; `buf` is valid.
        unsafe {
            libc::lseek(capture, 0, libc::SEEK_SET);
            loop {
                let n = libc::read(capture, buf.as_mut_ptr().cast(), buf.len());
                if n <= 0 {
                    break;
                }
                write_all_raw(stdout, buf.get(..n as usize).unwrap_or(&[]));
            }
        }
    }
    let prefix = PREFIX.load(Ordering::Relaxed);
    if !prefix.is_null() {
        // SAFETY: PREFIX is null or points to the PREFIX_LEN bytes of a live guard's
        // `prefix`.
        let text = unsafe {
            std::slice::from_raw_parts(prefix.cast_const(), PREFIX_LEN.load(Ordering::Relaxed))
        };
        write_all_raw(libc::STDERR_FILENO, text);
    }
    let name = FAULTS
        .iter()
        .find(|(s, _)| *s == signal)
        .map_or("a signal", |(_, name)| name);
    write_all_raw(libc::STDERR_FILENO, name.as_bytes());
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler; si_addr is
    // the faulting address for these four signals.
    let address = unsafe { (*info).si_addr() } as usize;
    let mut buf = [0u8; 18];
    write_all_raw(libc::STDERR_FILENO, b" at address ");
    write_all_raw(libc::STDERR_FILENO, hex(address, &mut buf));
    write_all_raw(libc::STDERR_FILENO, HINT.as_bytes());
    // SAFETY: _exit is async-signal-safe and ends the process at once.
    unsafe { libc::_exit(128 + signal) };
}

/// Covers one call: see the module documentation.
pub struct Guard {
    old_actions: Vec<(c_int, libc::sigaction)>,
    old_stack: libc::stack_t,
    stack: Vec<u8>,
    /// The text PREFIX points to while the guard lives.
    prefix: Box<[u8]>,
    capture: Option<Capture>,
}

/// Standard output redirected to an anonymous file during the call.
struct Capture {
    file: c_int,
    saved: c_int,
}

impl Guard {
    /// Starts covering a call of the function that `label` names (`` `strlen` ``);
    /// with `capture_stdout`, what the callee writes to standard output is held until
    /// [`Guard::finish`].
    pub fn new(label: &str, capture_stdout: bool) -> Guard {
        let mut prefix = format!("jitcall: {label} crashed: ")
            .into_bytes()
            .into_boxed_slice();
        PREFIX_LEN.store(prefix.len(), Ordering::Relaxed);
        PREFIX.store(prefix.as_mut_ptr(), Ordering::Relaxed);
        let capture = if capture_stdout {
            Capture::start()
        } else {
            None
        };
        let mut stack = vec![0u8; SIGNAL_STACK_SIZE];
        let new_stack = libc::stack_t {
            ss_sp: stack.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: stack.len(),
        };
        // SAFETY: an all-zero stack_t is a valid out-value for sigaltstack.
        let mut old_stack: libc::stack_t = unsafe { std::mem::zeroed() };
        // SAFETY: `stack` outlives the guard, which restores the old stack before
        // dropping it.
        unsafe { libc::sigaltstack(&new_stack, &mut old_stack) };
        let mut old_actions = Vec::new();
        for (signal, _) in FAULTS {
            // SAFETY: zeroed sigaction structures are valid to fill in; the handler
            // has the SA_SIGINFO signature.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fault as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, &action, &mut old) == 0 {
                    old_actions.push((signal, old));
                }
            }
        }
        Guard {
            old_actions,
            old_stack,
            stack,
            prefix,
            capture,
        }
    }

    /// Ends the call's cover: restores the signal handlers, flushes C's stdio, and
    /// writes out what the callee wrote to standard output. Returns whether that output
    /// ended other than with a newline (so that what follows needs one first).
    pub fn finish(self) -> bool {
        // SAFETY: fflush(NULL) flushes every open output stream; always valid.
        unsafe { libc::fflush(std::ptr::null_mut()) };
        let mut guard = self;
        let capture = guard.capture.take();
        drop(guard);
        capture.is_some_and(Capture::finish)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        for (signal, old) in &self.old_actions {
            // SAFETY: restores the action that sigaction returned for this signal.
            unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
        }
        let mut current: libc::stack_t = self.old_stack;
        if self.old_stack.ss_sp.is_null() {
            current.ss_flags = libc::SS_DISABLE;
        }
        // SAFETY: puts back the signal stack in place before the guard (or none), so
        // that `self.stack` is no longer used once it is dropped.
        unsafe { libc::sigaltstack(&current, std::ptr::null_mut()) };
        debug_assert!(!self.stack.is_empty());
        PREFIX.store(std::ptr::null_mut(), Ordering::Relaxed);
        debug_assert!(!self.prefix.is_empty());
        if let Some(capture) = self.capture.take() {
            capture.finish();
        }
    }
}

impl Capture {
    fn start() -> Option<Capture> {
        let _ = std::io::stdout().flush();
        // SAFETY: plain system calls on descriptors this function owns; the name is a
        // NUL-terminated literal.
        unsafe {
            libc::fflush(std::ptr::null_mut());
            let file = libc::memfd_create(c"jitcall-stdout".as_ptr(), libc::MFD_CLOEXEC);
            if file < 0 {
                return None;
            }
            let saved = libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3);
            if saved < 0 || libc::dup2(file, libc::STDOUT_FILENO) < 0 {
                libc::close(file);
                if saved >= 0 {
                    libc::close(saved);
                }
                return None;
            }
            CAPTURE_FD.store(file, Ordering::Relaxed);
            SAVED_STDOUT_FD.store(saved, Ordering::Relaxed);
            Some(Capture { file, saved })
        }
    }

    /// Puts standard output back and writes the captured output to it; whether that
    /// output ended other than with a newline.
    fn finish(self) -> bool {
        CAPTURE_FD.store(-1, Ordering::Relaxed);
        SAVED_STDOUT_FD.store(-1, Ordering::Relaxed);
        let mut last = b'\n';
        let mut buf = [0u8; 4096];
        // SAFETY: system calls on the two descriptors `start` opened, closed here once.
        unsafe {
            libc::fflush(std::ptr::null_mut());
            libc::dup2(self.saved, libc::STDOUT_FILENO);
            libc::close(self.saved);
            libc::lseek(self.file, 0, libc::SEEK_SET);
            loop {
                let n = libc::read(self.file, buf.as_mut_ptr().cast(), buf.len());
                if n <= 0 {
                    break;
                }
                let chunk = buf.get(..n as usize).unwrap_or(&[]);
                last = chunk.last().copied().unwrap_or(last);
                write_all_raw(libc::STDOUT_FILENO, chunk);
            }
            libc::close(self.file);
        }
        last != b'\n'
    }
}
