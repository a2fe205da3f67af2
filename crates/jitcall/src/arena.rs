//! The code arena: executable memory for trampolines, never writable and executable at
//! once.
//!
//! Memory comes in chunks of a `memfd` mapped twice: a read-write view the emitter
//! writes through, and a read-execute view that code runs from. Neither mapping is
//! ever both writable and executable, no `mprotect` is needed to publish new code, and
//! many trampolines share a page. Published code never moves; the space of a dropped
//! trampoline is filled with `int3` and reused by later ones.
//!
//! Where `memfd_create` is unavailable (an old kernel, a seccomp filter), each
//! allocation falls back to a private mapping of its own: written while read-write,
//! then flipped to read-execute with `mprotect` before anything can run it. Slower and
//! page-hungry, but never W+X.
//!
//! The typestate makes the rule structural: [`WritableCode`] can be written but not
//! run; [`WritableCode::publish`] consumes it and returns [`ExecutableCode`], which can
//! be run but not written. See `docs/ARENA.md` for the picture.

use crate::Error;
use std::collections::BTreeSet;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::{Mutex, OnceLock};

/// Allocation granule: trampolines start 16-byte aligned (the decoder fetches in
/// 16-byte blocks) and sizes are rounded to it.
const GRANULE: usize = 16;

/// Size of one double-mapped chunk.
const CHUNK_SIZE: usize = 64 * 1024;

/// The `int3` opcode: freed space traps instead of running stale code.
const INT3: u8 = 0xcc;

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

/// One memfd chunk, mapped twice.
struct Chunk {
    rx: usize,
    rw: usize,
    size: usize,
    /// Bytes handed out from the start of the chunk so far.
    bump: usize,
}

struct ArenaState {
    chunks: Vec<Chunk>,
    /// Free blocks (all but `last_freed`) as (size, executable address): the best fit
    /// for `len` is the first at or after `(len, 0)`. One ordered set, not a list per
    /// size: compiling and dropping one function after another then makes and frees
    /// no list each time.
    free: BTreeSet<(usize, usize)>,
    /// The block freed last, held out of `free`: creating and dropping one function or
    /// callback after another reuses it with no update of the set. An allocation of
    /// exactly its size takes it; any other first returns it to the set.
    last_freed: Option<(usize, usize)>,
    /// Whether memfd double mapping works here (decided by the first chunk).
    double_mapped: Option<bool>,
    /// Bytes of code in use (for tests and `docs/`).
    in_use: usize,
    /// Set in a forked child whose chunks could not be made private: freed space is
    /// then leaked rather than written, since the parent still runs from it.
    shared_with_parent: bool,
}

/// A code arena: the process has one ([`arena`]); tests make private ones.
pub(crate) struct Arena {
    state: Mutex<ArenaState>,
}

impl std::fmt::Debug for Arena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Arena")
    }
}

/// Bytes handed out to live trampolines and bytes mapped for code, process-wide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArenaStats {
    /// Bytes of executable memory in use by live code (rounded to 16-byte granules).
    pub bytes_in_use: usize,
    /// Bytes of executable memory mapped in double-mapped chunks.
    pub bytes_mapped: usize,
}

/// Usage figures of the process's code arena.
pub fn arena_stats() -> ArenaStats {
    let state = arena().lock();
    ArenaStats {
        bytes_in_use: state.in_use,
        bytes_mapped: state.chunks.iter().map(|c| c.size).sum(),
    }
}

pub(crate) fn arena() -> &'static Arena {
    static ARENA: OnceLock<Arena> = OnceLock::new();
    ARENA.get_or_init(|| {
        // SAFETY: the handlers are `extern "C"` functions that never unwind; they only
        // take and release the arena's lock and, in the child, remap chunks.
        unsafe { libc::pthread_atfork(Some(fork_prepare), Some(fork_parent), Some(fork_child)) };
        Arena::new()
    })
}

// fork(): the double mapping is MAP_SHARED, so without care a child and its parent
// would share code pages and both believe the same free space is theirs. Around every
// fork the arena's lock is held (so no other thread is mid-allocation), and in the
// child each chunk is replaced, at the same addresses, by a private copy in a memfd of
// its own: code published before the fork keeps working in both processes, and
// neither can overwrite the other's trampolines afterwards.

thread_local! {
    static FORK_GUARD: std::cell::RefCell<Option<std::sync::MutexGuard<'static, ArenaState>>> =
        const { std::cell::RefCell::new(None) };
}

extern "C" fn fork_prepare() {
    let guard = arena().lock();
    FORK_GUARD.with(|g| *g.borrow_mut() = Some(guard));
}

extern "C" fn fork_parent() {
    FORK_GUARD.with(|g| drop(g.borrow_mut().take()));
}

extern "C" fn fork_child() {
    FORK_GUARD.with(|g| {
        if let Some(state) = g.borrow_mut().as_mut() {
            let copied = state.chunks.iter_mut().all(|c| c.make_private().is_ok());
            if !copied {
                // Some chunk is still shared with the parent: never write to any of
                // them again; new code gets private mappings of its own.
                state.shared_with_parent = true;
                state.double_mapped = Some(false);
            }
        }
        drop(g.borrow_mut().take());
    });
}

/// Where an allocation lives.
#[derive(Debug)]
enum Backing {
    /// Inside a double-mapped chunk: write through `rw`, run at `rx`.
    Shared { rw: usize },
    /// A private mapping of its own (the fallback), `len` bytes long.
    Private { len: usize },
}

/// Code being written: writable, not executable, not yet callable.
#[derive(Debug)]
pub(crate) struct WritableCode {
    arena: &'static Arena,
    rx: usize,
    len: usize,
    backing: Backing,
}

/// Published code: executable, never written again, never moved. Frees its space
/// when dropped.
#[derive(Debug)]
pub(crate) struct ExecutableCode {
    arena: &'static Arena,
    rx: NonNull<u8>,
    len: usize,
    private_len: Option<usize>,
}

// SAFETY: ExecutableCode is an address of immutable machine code plus its length; any
// thread may call it, and the arena (behind a Mutex) handles its release.
unsafe impl Send for ExecutableCode {}
// SAFETY: as above, shared references only read the address.
unsafe impl Sync for ExecutableCode {}

impl Arena {
    fn new() -> Arena {
        Arena {
            state: Mutex::new(ArenaState {
                chunks: Vec::new(),
                free: BTreeSet::new(),
                last_freed: None,
                double_mapped: None,
                in_use: 0,
                shared_with_parent: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ArenaState> {
        // A panic while holding the lock cannot leave the free set inconsistent in a
        // way that matters for safety (worst case: leaked space), so poison is ignored.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves `len` bytes of code space.
    pub(crate) fn alloc(&'static self, len: usize) -> Result<WritableCode, Error> {
        let len = len.max(1).div_ceil(GRANULE) * GRANULE;
        let mut state = self.lock();
        if state.double_mapped.is_none() {
            let ok = Chunk::map(CHUNK_SIZE).map(|c| state.chunks.push(c)).is_ok();
            state.double_mapped = Some(ok);
        }
        if state.double_mapped == Some(false) {
            drop(state);
            return alloc_private(self, len);
        }
        // Best fit among freed blocks: the last one freed when it fits exactly.
        let fit = match state.last_freed.take() {
            Some(block) if block.0 == len => Some(block),
            last => {
                if let Some(block) = last {
                    state.free.insert(block);
                }
                let best = state.free.range((len, 0)..).next().copied();
                if let Some(block) = best {
                    state.free.remove(&block);
                }
                best
            }
        };
        if let Some((size, rx)) = fit {
            if size > len {
                state.free.insert((size - len, rx + len));
            }
            state.in_use += len;
            let rw = state.rw_of(rx);
            return Ok(WritableCode {
                arena: self,
                rx,
                len,
                backing: Backing::Shared { rw },
            });
        }
        // Bump in the newest chunk, or map a new one.
        let fits = state.chunks.last().is_some_and(|c| c.size - c.bump >= len);
        if !fits {
            if let Some(last) = state.chunks.last_mut() {
                // Keep the unused tail of the full chunk for later small blocks.
                let (tail_rx, tail_len) = (last.rx + last.bump, last.size - last.bump);
                last.bump = last.size;
                if tail_len > 0 {
                    state.free.insert((tail_len, tail_rx));
                }
            }
            let size = CHUNK_SIZE.max(len.div_ceil(page_size()) * page_size());
            let chunk = Chunk::map(size).map_err(Error::CodeMemory)?;
            state.chunks.push(chunk);
        }
        let chunk = state.chunks.last_mut().expect("a chunk was just ensured");
        let rx = chunk.rx + chunk.bump;
        let rw = chunk.rw + chunk.bump;
        chunk.bump += len;
        state.in_use += len;
        Ok(WritableCode {
            arena: self,
            rx,
            len,
            backing: Backing::Shared { rw },
        })
    }

    fn free(&self, rx: usize, len: usize) {
        let mut state = self.lock();
        state.in_use -= len;
        if state.shared_with_parent {
            return;
        }
        let rw = state.rw_of(rx);
        // SAFETY: [rw, rw+len) is the writable view of a block this arena handed out and
        // that is no longer referenced by any ExecutableCode (we are in its drop).
        unsafe { std::ptr::write_bytes(rw as *mut u8, INT3, len) };
        if let Some(block) = state.last_freed.replace((len, rx)) {
            state.free.insert(block);
        }
    }
}

impl ArenaState {
    fn rw_of(&self, rx: usize) -> usize {
        let chunk = self
            .chunks
            .iter()
            .find(|c| (c.rx..c.rx + c.size).contains(&rx))
            .expect("every arena address lies in one of its chunks");
        chunk.rw + (rx - chunk.rx)
    }
}

/// A fresh memfd of `size` bytes.
fn memfd(size: usize) -> io::Result<OwnedFd> {
    // SAFETY: memfd_create with a static NUL-terminated name and valid flags.
    let fd = unsafe { libc::memfd_create(c"jitcall-code".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a new descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: fd is a memfd we own.
    if unsafe { libc::ftruncate(fd.as_raw_fd(), size as libc::off_t) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// Maps `fd` shared with protection `prot`, at an address of the kernel's choosing or,
/// with `at`, replacing whatever is mapped there.
fn map_shared(
    fd: &OwnedFd,
    size: usize,
    prot: libc::c_int,
    at: Option<usize>,
) -> io::Result<usize> {
    let (addr, flags) = match at {
        Some(a) => (a as *mut libc::c_void, libc::MAP_SHARED | libc::MAP_FIXED),
        None => (std::ptr::null_mut(), libc::MAP_SHARED),
    };
    // SAFETY: a shared mapping of our own memfd. Without `at` no existing memory is
    // affected; with `at` the caller replaces a range it owns (see make_private).
    let p = unsafe { libc::mmap(addr, size, prot, flags, fd.as_raw_fd(), 0) };
    if p == libc::MAP_FAILED {
        Err(io::Error::last_os_error())
    } else {
        Ok(p as usize)
    }
}

fn unmap(addr: usize, size: usize) {
    // SAFETY: callers pass a mapping of theirs that nothing uses any more.
    unsafe { libc::munmap(addr as *mut libc::c_void, size) };
}

impl Chunk {
    fn map(size: usize) -> io::Result<Chunk> {
        let fd = memfd(size)?;
        let rw = map_shared(&fd, size, libc::PROT_READ | libc::PROT_WRITE, None)?;
        let rx = match map_shared(&fd, size, libc::PROT_READ | libc::PROT_EXEC, None) {
            Ok(rx) => rx,
            Err(e) => {
                unmap(rw, size);
                return Err(e);
            }
        };
        // SAFETY: rw maps `size` writable bytes that nothing else uses yet.
        unsafe { std::ptr::write_bytes(rw as *mut u8, INT3, size) };
        // The mappings keep the memory alive; the descriptor closes here.
        Ok(Chunk {
            rx,
            rw,
            size,
            bump: 0,
        })
    }

    /// In a forked child: moves this chunk to a memfd of its own at the same addresses
    /// with the same contents, so the parent's later writes are not seen here, nor ours
    /// there.
    fn make_private(&mut self) -> io::Result<()> {
        let fd = memfd(self.size)?;
        let rw = map_shared(&fd, self.size, libc::PROT_READ | libc::PROT_WRITE, None)?;
        // SAFETY: `rw` is a fresh writable mapping of `size` bytes, `self.rx` a readable
        // one of the same size; they do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(self.rx as *const u8, rw as *mut u8, self.size) };
        // MAP_FIXED replaces the shared executable mapping atomically with the private
        // copy: the range is never unmapped, not even for an instant, and its contents
        // are identical, so code running from it (this thread may be returning into a
        // trampoline that called fork) is unaffected.
        let prot = libc::PROT_READ | libc::PROT_EXEC;
        if let Err(e) = map_shared(&fd, self.size, prot, Some(self.rx)) {
            unmap(rw, self.size);
            return Err(e);
        }
        unmap(self.rw, self.size);
        self.rw = rw;
        Ok(())
    }
}

fn alloc_private(arena: &'static Arena, len: usize) -> Result<WritableCode, Error> {
    let len = len.div_ceil(page_size()) * page_size();
    // SAFETY: a fresh anonymous private mapping; no existing memory is affected.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(Error::CodeMemory(io::Error::last_os_error()));
    }
    Ok(WritableCode {
        arena,
        rx: p as usize,
        len,
        backing: Backing::Private { len },
    })
}

impl WritableCode {
    /// The bytes to write the code into (initially `int3`s, or zeros in the fallback).
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        let ptr = match self.backing {
            Backing::Shared { rw } => rw,
            Backing::Private { .. } => self.rx,
        };
        // SAFETY: ptr addresses `len` writable bytes reserved for this WritableCode alone
        // (the arena hands each block out once), and &mut self makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(ptr as *mut u8, self.len) }
    }

    /// Makes the code executable. After this, it is never written again.
    pub(crate) fn publish(self) -> Result<ExecutableCode, Error> {
        let private_len = match self.backing {
            Backing::Shared { .. } => {
                // The writes went through another mapping of the same pages; x86 keeps
                // instruction fetch coherent with them, and the release ordering of the
                // Arc/Mutex that hands this code to other threads orders the stores.
                std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
                None
            }
            Backing::Private { len } => {
                // SAFETY: rx..rx+len is our private mapping; after this it is read-execute.
                let rc = unsafe {
                    libc::mprotect(
                        self.rx as *mut libc::c_void,
                        len,
                        libc::PROT_READ | libc::PROT_EXEC,
                    )
                };
                if rc != 0 {
                    let err = io::Error::last_os_error();
                    // SAFETY: as above; the mapping is ours and unused.
                    unsafe { libc::munmap(self.rx as *mut libc::c_void, len) };
                    return Err(Error::CodeMemory(err));
                }
                Some(len)
            }
        };
        let code = ExecutableCode {
            arena: self.arena,
            rx: NonNull::new(self.rx as *mut u8).expect("mmap never returns null"),
            len: self.len,
            private_len,
        };
        std::mem::forget(self);
        Ok(code)
    }
}

impl Drop for WritableCode {
    /// Code that was never published goes straight back.
    fn drop(&mut self) {
        match self.backing {
            Backing::Shared { .. } => self.arena.free(self.rx, self.len),
            // SAFETY: the private mapping is ours alone and nothing can have run from it.
            Backing::Private { len } => unsafe {
                libc::munmap(self.rx as *mut libc::c_void, len);
            },
        }
    }
}

impl ExecutableCode {
    /// The entry address.
    pub(crate) fn address(&self) -> *const u8 {
        self.rx.as_ptr()
    }

    /// Bytes of executable memory this code occupies.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl Drop for ExecutableCode {
    fn drop(&mut self) {
        match self.private_len {
            None => self.arena.free(self.rx.as_ptr() as usize, self.len),
            // SAFETY: this private mapping belongs to this code alone, which is being
            // dropped: no one holds its address any more.
            Some(len) => unsafe {
                libc::munmap(self.rx.as_ptr() as *mut libc::c_void, len);
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private_arena() -> &'static Arena {
        Box::leak(Box::new(Arena::new()))
    }

    fn publish(arena: &'static Arena, code: &[u8]) -> ExecutableCode {
        let mut w = arena.alloc(code.len()).unwrap();
        w.bytes_mut()[..code.len()].copy_from_slice(code);
        w.publish().unwrap()
    }

    #[test]
    fn published_code_runs_and_shares_pages() {
        let arena = private_arena();
        // mov eax, 42; ret
        let a = publish(arena, &[0xb8, 42, 0, 0, 0, 0xc3]);
        let b = publish(arena, &[0xb8, 7, 0, 0, 0, 0xc3]);
        // SAFETY: the bytes above are complete functions returning an int.
        let (fa, fb): (extern "C" fn() -> i32, extern "C" fn() -> i32) = unsafe {
            (
                std::mem::transmute::<*const u8, extern "C" fn() -> i32>(a.address()),
                std::mem::transmute::<*const u8, extern "C" fn() -> i32>(b.address()),
            )
        };
        assert_eq!((fa(), fb()), (42, 7));
        assert_eq!(b.address() as usize - a.address() as usize, GRANULE);
    }

    #[test]
    fn dropped_space_is_reused_and_trapped() {
        let arena = private_arena();
        let a = publish(arena, &[0xc3; 40]);
        let addr = a.address() as usize;
        drop(a);
        assert_eq!(arena.lock().in_use, 0);
        // SAFETY: the block stays mapped (read-execute) for the arena's life.
        assert_eq!(unsafe { *(addr as *const u8) }, INT3);
        let b = publish(arena, &[0xc3; 20]);
        assert_eq!(b.address() as usize, addr);
        let c = publish(arena, &[0xc3; 16]);
        assert_eq!(
            c.address() as usize,
            addr + 32,
            "the split remainder is reused"
        );
    }

    #[test]
    fn the_block_freed_last_is_reused_first_when_it_fits_exactly() {
        let arena = private_arena();
        let a = publish(arena, &[0xc3; 32]);
        let b = publish(arena, &[0xc3; 32]);
        let c = publish(arena, &[0xc3; 64]);
        let (a_at, b_at, c_at) = (a.address(), b.address(), c.address());
        drop(a);
        drop(b);
        // b went last: taken before a, though a's address is lower.
        assert_eq!(publish(arena, &[0xc3; 32]).address(), b_at);
        drop(c);
        // c went last but is too big: back to the set, and the best fit (a) is taken.
        assert_eq!(publish(arena, &[0xc3; 32]).address(), a_at);
        assert_eq!(publish(arena, &[0xc3; 64]).address(), c_at);
    }

    #[test]
    fn freed_blocks_are_reused_best_fit_first() {
        let arena = private_arena();
        let big = publish(arena, &[0xc3; 64]);
        let _gap = publish(arena, &[0xc3; 16]);
        let small = publish(arena, &[0xc3; 32]);
        let _end = publish(arena, &[0xc3; 16]);
        let (big_at, small_at) = (big.address() as usize, small.address() as usize);
        drop(big);
        drop(small);
        // 32 bytes fit both freed blocks: the smaller one is taken whole.
        let a = publish(arena, &[0xc3; 32]);
        assert_eq!(a.address() as usize, small_at);
        let b = publish(arena, &[0xc3; 48]);
        assert_eq!(b.address() as usize, big_at);
        let c = publish(arena, &[0xc3; 16]);
        assert_eq!(
            c.address() as usize,
            big_at + 48,
            "the rest of the bigger block"
        );
    }
}
