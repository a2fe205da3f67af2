//! fork(): parent and child each keep working code, and neither can overwrite the
//! other's trampolines, although code memory is a shared (memfd) mapping.

use jitcall::{Function, Library, Signature, Type, Value};

fn sync_read(fd: i32) {
    let mut b = [0u8; 1];
    // SAFETY: reading one byte into a local buffer from a pipe we own.
    assert_eq!(unsafe { libc::read(fd, b.as_mut_ptr().cast(), 1) }, 1);
}

fn sync_write(fd: i32) {
    // SAFETY: writing one byte from a static buffer to a pipe we own.
    assert_eq!(unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) }, 1);
}

fn call_long(f: &Function, x: i64) -> i64 {
    // SAFETY: every function used here takes one long and returns an integer in rax.
    match unsafe { f.call(&[Value::Long(x)]) }.unwrap() {
        Value::Long(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn parent_and_child_keep_their_own_code() {
    let this = Library::this();
    let sig = Signature::new(Type::Long, [Type::Long]);
    let before = Function::new(this.symbol("labs").unwrap(), &sig).unwrap();
    assert_eq!(call_long(&before, -3), 3);

    let (mut to_child, mut to_parent) = ([0i32; 2], [0i32; 2]);
    // SAFETY: pipe() fills the two-element arrays.
    unsafe {
        assert_eq!(libc::pipe(to_child.as_mut_ptr()), 0);
        assert_eq!(libc::pipe(to_parent.as_mut_ptr()), 0);
    }
    // SAFETY: the child only runs code that is async-signal-tolerant in practice for
    // this single-threaded test process copy and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // Child: compile new code (it lands where the parent's next code will), let the
        // parent compile over "the same" space, then check ours is intact.
        let ok = std::panic::catch_unwind(|| {
            let mine = Function::new(this.symbol("llabs").unwrap(), &sig).unwrap();
            sync_write(to_parent[1]);
            sync_read(to_child[0]);
            call_long(&before, -5) == 5 && call_long(&mine, -8) == 8
        });
        // SAFETY: leaving the child without running the parent's exit handlers.
        unsafe { libc::_exit(if matches!(ok, Ok(true)) { 0 } else { 1 }) };
    }
    sync_read(to_parent[0]);
    // ffsl(-8) is 4: if this code landed in the child's trampoline, the child's llabs
    // call would return 4 instead of 8.
    let ours = Function::new(this.symbol("ffsl").unwrap(), &sig).unwrap();
    assert_eq!(call_long(&ours, -8) & 0xffff_ffff, 4);
    sync_write(to_child[1]);
    let mut status = 0;
    // SAFETY: waiting for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child failed: {status:#x}"
    );
    // The parent still runs its old and new code.
    assert_eq!(call_long(&before, -9), 9);
    assert_eq!(call_long(&ours, 16) & 0xffff_ffff, 5);
}
