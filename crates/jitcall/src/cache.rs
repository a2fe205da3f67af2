//! The caches: compiled code per function, and shared trampolines per call plan.
//!
//! Two levels:
//!
//! * **cores**, keyed by (signature, target, errno handling — [`crate::Errno`]: a
//!   capturing and a non-capturing function never share code): everything one
//!   [`crate::Function`] needs —
//!   the plan with its frames' layout (`FramedPlan`), and the *bound* fast entry with
//!   the target baked in (the form the emitter picks, [`crate::emit::call::bound_entry`]). A hit allocates
//!   nothing. Each thread also keeps a small memo of the cores it asked for lately
//!   (weak references by signature hash and target), so a repeated request takes no
//!   lock: one memo slot, one weak-reference upgrade, one signature comparison.
//! * **trampolines**, keyed by [`CallPlan`]: the unbound frame entry
//!   ([`crate::Function::raw_frame_entry`]), shared by every function whose signature is
//!   ABI-equivalent (`long(long)` and `void *(unsigned long)` share one; `int(int)` does
//!   not). It is compiled on first need, not with every function.
//!
//! A core's other entries (the batch loop, the libffi-style pointer entry) are bound to
//! its target and compiled on first use, outside the lock: two threads racing on the
//! first use may both compile one, and the copy that loses is freed unused.
//!
//! Both hold weak references: when the last user drops, the code space goes back to
//! the arena. Compiling happens under the cache's lock (microseconds), so one key is
//! compiled at most once while anyone holds its code, however many threads ask at the
//! same moment.
//!
//! This module decides nothing about the ABI (that is [`crate::abi`]) and encodes no
//! instruction (that is the emitter).

use crate::abi::{CallPlan, sysv};
use crate::arena::{ExecutableCode, arena};
use crate::emit::call::{Entry, FastKind, bound_entry, emit};
use crate::frame::layout::FramedPlan;
use crate::value::Codec;
use crate::{Errno, Error, Signature, Type};
use std::collections::HashMap;
use std::ffi::c_void;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A fast multiply-rotate hasher for cache keys. Keys are the program's own signatures
/// and plans, so resistance to adversarial collisions (SipHash's reason to be slow) is
/// not needed; a cache hit should cost nanoseconds.
#[derive(Default)]
struct KeyHasher(u64);

impl KeyHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, x: u8) {
        self.add(x as u64)
    }
    fn write_u16(&mut self, x: u16) {
        self.add(x as u64)
    }
    fn write_u32(&mut self, x: u32) {
        self.add(x as u64)
    }
    fn write_u64(&mut self, x: u64) {
        self.add(x)
    }
    fn write_usize(&mut self, x: usize) {
        self.add(x as u64)
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

static COMPILED: AtomicU64 = AtomicU64::new(0);
static HITS: AtomicU64 = AtomicU64::new(0);

/// How often the caches compiled code and how often they found it compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheStats {
    /// Pieces of code compiled since the process started: one per function core (a
    /// signature at a target), one per shared plan trampoline, and one per entry a
    /// core compiles on first use (batch loop, pointer entry).
    pub compiled: u64,
    /// Requests answered by live code.
    pub hits: u64,
}

/// Process-wide cache counters.
pub fn cache_stats() -> CacheStats {
    let recent: u64 = lock(&RECENT_HITS)
        .iter()
        .map(|h| h.load(Ordering::Relaxed))
        .sum();
    CacheStats {
        compiled: COMPILED.load(Ordering::Relaxed),
        hits: HITS.load(Ordering::Relaxed) + CORES.get().map_or(0, |c| lock(c).2) + recent,
    }
}

/// Slots in each thread's memo of recent cores (a power of two).
const RECENT: usize = 16;

/// Each thread's memo of the cores it asked for lately, by (signature hash, target):
/// a repeated request is answered from here without the cache's lock, which is most
/// of what a hit used to cost. Entries are weak, so a memo keeps no code alive, and
/// each answer is checked against the full signature.
struct Recent {
    slots: [Option<(u64, TargetKey, Weak<Core>)>; RECENT],
    /// This thread's hits, in [`RECENT_HITS`]; written by this thread only.
    hits: Option<Arc<AtomicU64>>,
}

/// The hit counters of every thread that ever hit its memo (kept after the thread
/// exits, so the counts stay).
static RECENT_HITS: Mutex<Vec<Arc<AtomicU64>>> = Mutex::new(Vec::new());

thread_local! {
    static MEMO: std::cell::RefCell<Recent> = const {
        std::cell::RefCell::new(Recent { slots: [const { None }; RECENT], hits: None })
    };
}

fn memo_slot(hash: u64, target: TargetKey) -> usize {
    ((hash ^ target.word().rotate_left(17)) as usize) & (RECENT - 1)
}

/// The live core for (`sig`, `target`) if this thread's memo has it.
#[inline]
fn memo_get(target: TargetKey, sig: &Signature) -> Option<Arc<Core>> {
    let hash = sig.precomputed_hash();
    MEMO.try_with(|memo| {
        let mut memo = memo.try_borrow_mut().ok()?;
        let (h, t, weak) = memo.slots[memo_slot(hash, target)].as_ref()?;
        if (*h, *t) != (hash, target) {
            return None;
        }
        let core = weak.upgrade()?;
        if !std::ptr::eq(&*core.sig, sig) && *core.sig != *sig {
            return None;
        }
        let hits = memo.hits.get_or_insert_with(|| {
            let counter = Arc::new(AtomicU64::new(0));
            lock(&RECENT_HITS).push(counter.clone());
            counter
        });
        // Only this thread writes its counter: no read-modify-write needed.
        hits.store(hits.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        Some(core)
    })
    .ok()
    .flatten()
}

/// Remembers `core` in this thread's memo.
fn memo_put(core: &Arc<Core>) {
    let (hash, target) = (
        core.sig.precomputed_hash(),
        TargetKey::new(core.target, core.errno),
    );
    let _ = MEMO.try_with(|memo| {
        if let Ok(mut memo) = memo.try_borrow_mut() {
            memo.slots[memo_slot(hash, target)] = Some((hash, target, Arc::downgrade(core)));
        }
    });
}

fn publish(bytes: &[u8]) -> Result<ExecutableCode, Error> {
    let mut code = arena().alloc(bytes.len())?;
    code.bytes_mut()[..bytes.len()].copy_from_slice(bytes);
    COMPILED.fetch_add(1, Ordering::Relaxed);
    code.publish()
}

/// The code in `cell`, compiled from `plan` as `entry` (with `errno` handled as it
/// says) on first use.
fn lazy<'a>(
    cell: &'a OnceLock<ExecutableCode>,
    plan: &CallPlan,
    entry: Entry,
    errno: Errno,
) -> Result<&'a ExecutableCode, Error> {
    if let Some(code) = cell.get() {
        return Ok(code);
    }
    let code = publish(&emit(plan, entry, errno)?)?;
    // A racing thread may have set it first; its copy is as good as ours (ours is freed).
    let _ = cell.set(code);
    Ok(cell.get().expect("set just above"))
}

/// Sweeps dead weak entries once the map has doubled since the last sweep.
fn sweep<K, V>(
    map: &mut FastMap<K, V>,
    swept_at: &mut usize,
    live: impl FnMut(&K, &mut V) -> bool,
) {
    if map.len() > 2 * (*swept_at).max(64) {
        map.retain(live);
        *swept_at = map.len();
    }
}

/// Shared, unbound code for one plan.
#[derive(Debug)]
pub(crate) struct Trampoline {
    frame_entry: ExecutableCode,
}

/// `extern "C" fn(frame, target)`.
pub(crate) type FrameEntry = unsafe extern "C" fn(*mut u8, *const c_void);

impl Trampoline {
    pub(crate) fn frame_entry(&self) -> FrameEntry {
        // SAFETY: the code at this address was generated by `emit(.., Entry::Frame)`,
        // which implements exactly this signature, and lives as long as `self`.
        unsafe { std::mem::transmute::<*const u8, FrameEntry>(self.frame_entry.address()) }
    }
}

type PlanMap = (FastMap<CallPlan, Weak<Trampoline>>, usize);

static PLANS: OnceLock<Mutex<PlanMap>> = OnceLock::new();
static CORES: OnceLock<Mutex<CoreMap>> = OnceLock::new();

// fork(): a thread holding a cache lock at the moment another thread forks would leave
// the child's copy of that lock held forever. So the cache locks are taken around
// every fork (after the arena registered its own handlers, so that the prepare
// handlers, which run in reverse order of registration, lock cores, then plans, then
// the arena: the order every other path takes them in). The list of memo hit counters
// is locked too; no path holds it together with another lock.

type ForkGuards = (
    Option<std::sync::MutexGuard<'static, CoreMap>>,
    Option<std::sync::MutexGuard<'static, PlanMap>>,
    Option<std::sync::MutexGuard<'static, Vec<Arc<AtomicU64>>>>,
);

thread_local! {
    static FORK_GUARDS: std::cell::RefCell<ForkGuards> = const { std::cell::RefCell::new((None, None, None)) };
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Poisoning cannot break the maps (entries are only inserted whole).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

extern "C" fn fork_prepare() {
    let cores = CORES.get().map(lock);
    let plans = PLANS.get().map(lock);
    let hits = Some(lock(&RECENT_HITS));
    FORK_GUARDS.with(|g| *g.borrow_mut() = (cores, plans, hits));
}

extern "C" fn fork_release() {
    FORK_GUARDS.with(|g| {
        let (cores, plans, hits) = std::mem::take(&mut *g.borrow_mut());
        drop(hits);
        drop(plans);
        drop(cores);
    });
}

fn register_fork_handlers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        arena();
        // SAFETY: the handlers never unwind and only take and release our own locks.
        unsafe { libc::pthread_atfork(Some(fork_prepare), Some(fork_release), Some(fork_release)) };
    });
}

fn plans() -> &'static Mutex<PlanMap> {
    PLANS.get_or_init(|| {
        register_fork_handlers();
        Default::default()
    })
}

fn cores() -> &'static Mutex<CoreMap> {
    CORES.get_or_init(|| {
        register_fork_handlers();
        Default::default()
    })
}

/// The shared trampoline for `plan`, compiled now if no live one exists.
fn trampoline(plan: &CallPlan) -> Result<Arc<Trampoline>, Error> {
    let plans = plans();
    let mut guard = lock(plans);
    if let Some(t) = guard.0.get(plan).and_then(Weak::upgrade) {
        HITS.fetch_add(1, Ordering::Relaxed);
        return Ok(t);
    }
    let t = Arc::new(Trampoline {
        frame_entry: publish(&emit(plan, Entry::Frame, Errno::Untouched)?)?,
    });
    let (map, swept_at) = &mut *guard;
    map.insert(plan.clone(), Arc::downgrade(&t));
    sweep(map, swept_at, |_, w| w.strong_count() > 0);
    Ok(t)
}

/// Everything one [`crate::Function`] needs, shared by every function with the same
/// signature and target.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) target: *const c_void,
    pub(crate) sig: Arc<Signature>,
    /// The plan, with its frames' layout (shared with every frame made for it).
    pub(crate) plan: Arc<FramedPlan>,
    /// The bound entry `call_frame` runs: a tail jump where the plan allows, else
    /// call-then-store; the target is baked in.
    pub(crate) fast: ExecutableCode,
    pub(crate) fast_kind: FastKind,
    /// What every entry bound to the target does with errno (part of the key: a
    /// capturing and a non-capturing core never share code).
    pub(crate) errno: Errno,
    /// The batch loop, compiled on first use.
    batch: OnceLock<ExecutableCode>,
    /// The libffi-style entry `Function::call_raw` runs, target baked in, compiled on
    /// first use.
    pointers: OnceLock<ExecutableCode>,
    /// The plan's shared trampoline, looked up on first use.
    shared: OnceLock<Arc<Trampoline>>,
    /// Value conversion for `Function::call`, compiled on first use.
    codecs: OnceLock<Codecs>,
}

/// Compiled value conversion for every parameter (at its frame offset) and the result.
#[derive(Debug)]
pub(crate) struct Codecs {
    pub(crate) params: Box<[Codec]>,
    pub(crate) ret: Option<Codec>,
}

// SAFETY: the target is a code address and everything else immutable data or code;
// calling from several threads is as safe as the C function is.
unsafe impl Send for Core {}
// SAFETY: as above.
unsafe impl Sync for Core {}

/// `extern "C" fn(rows, count)`.
pub(crate) type BatchEntry = unsafe extern "C" fn(*mut u8, usize);

/// `extern "C" fn(ret, args, errno)`: libffi's `ffi_call` shape, the target baked in,
/// and the errno slot's address (read only by an entry that handles errno).
pub(crate) type PointerEntry = unsafe extern "C" fn(*mut c_void, *const *const c_void, *mut i32);

impl Core {
    /// The pointer entry, compiled on first use. Inline up to the first-use check, so
    /// a call that finds it compiled costs one load and one compare here.
    #[inline]
    pub(crate) fn pointer_entry(&self) -> Result<PointerEntry, Error> {
        let code = match self.pointers.get() {
            Some(code) => code,
            None => self.compile_pointer_entry()?,
        };
        // SAFETY: generated by `emit(.., Entry::Pointers)` for this plan and target,
        // which implements this signature; alive as long as `self`.
        Ok(unsafe { std::mem::transmute::<*const u8, PointerEntry>(code.address()) })
    }

    #[cold]
    #[inline(never)]
    fn compile_pointer_entry(&self) -> Result<&ExecutableCode, Error> {
        let entry = Entry::Pointers {
            target: self.target as u64,
        };
        lazy(&self.pointers, &self.plan.plan, entry, self.errno)
    }

    pub(crate) fn batch_entry(&self) -> Result<BatchEntry, Error> {
        let entry = Entry::Batch {
            target: self.target as u64,
        };
        let code = lazy(&self.batch, &self.plan.plan, entry, self.errno)?;
        // SAFETY: generated by `emit(.., Entry::Batch)`, which implements this
        // signature; alive as long as `self`.
        Ok(unsafe { std::mem::transmute::<*const u8, BatchEntry>(code.address()) })
    }

    #[inline]
    pub(crate) fn codecs(&self) -> Result<&Codecs, Error> {
        match self.codecs.get() {
            Some(c) => Ok(c),
            None => self.compile_codecs(),
        }
    }

    #[cold]
    fn compile_codecs(&self) -> Result<&Codecs, Error> {
        let params = self
            .sig
            .params()
            .iter()
            .zip(&self.plan.plan.args)
            .map(|(ty, arg)| Codec::new(ty, arg.frame_offset as usize))
            .collect::<Result<Vec<_>, Error>>()?;
        let ret = match self.sig.ret() {
            Type::Void => None,
            ty => Some(Codec::new(ty, 0)?),
        };
        let _ = self.codecs.set(Codecs {
            params: params.into(),
            ret,
        });
        Ok(self.codecs.get().expect("set just above"))
    }

    pub(crate) fn shared(&self) -> Result<&Arc<Trampoline>, Error> {
        if let Some(t) = self.shared.get() {
            return Ok(t);
        }
        let _ = self.shared.set(trampoline(&self.plan.plan)?);
        Ok(self.shared.get().expect("set just above"))
    }
}

/// Cores by signature then target, the map's size at the last sweep, and the number of
/// hits (counted under the lock: an atomic counter would cost a hit a few nanoseconds).
type CoreMap = (FastMap<Arc<Signature>, Targets>, usize, u64);

/// A core's key beside its signature: the target, and what the core does with errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct TargetKey {
    target: usize,
    errno: Errno,
}

impl TargetKey {
    fn new(target: *const c_void, errno: Errno) -> TargetKey {
        TargetKey {
            target: target as usize,
            errno,
        }
    }

    fn target(self) -> *const c_void {
        self.target as *const c_void
    }

    /// One word for the memo's slot hash.
    fn word(self) -> u64 {
        self.target as u64 ^ self.errno as u64
    }
}

/// The cores of one signature by target. Most signatures are called at one target, so
/// that case is stored inline (a map per new signature would be one more allocation
/// on every first call).
enum Targets {
    One(TargetKey, Weak<Core>),
    Many(FastMap<TargetKey, Weak<Core>>),
}

impl Targets {
    fn get(&self, target: TargetKey) -> Option<&Weak<Core>> {
        match self {
            Targets::One(t, core) => (*t == target).then_some(core),
            Targets::Many(map) => map.get(&target),
        }
    }

    fn insert(&mut self, target: TargetKey, core: Weak<Core>) {
        match self {
            Targets::One(t, old) if *t == target => *old = core,
            Targets::One(t, old) => {
                let mut map = FastMap::default();
                map.insert(*t, std::mem::take(old));
                map.insert(target, core);
                *self = Targets::Many(map);
            }
            Targets::Many(map) => {
                map.insert(target, core);
            }
        }
    }

    /// Drops dead entries; whether any is left.
    fn retain_live(&mut self) -> bool {
        match self {
            Targets::One(_, core) => core.strong_count() > 0,
            Targets::Many(map) => {
                map.retain(|_, w| w.strong_count() > 0);
                !map.is_empty()
            }
        }
    }
}

/// The compiled core for calling `target` with `sig`, handling errno as `errno` says:
/// found without allocating when one is alive, else classified and compiled now.
pub(crate) fn core(
    target: *const c_void,
    sig: &Signature,
    errno: Errno,
) -> Result<Arc<Core>, Error> {
    let key = TargetKey::new(target, errno);
    if let Some(core) = memo_get(key, sig) {
        return Ok(core);
    }
    let core = core_locked(key, sig)?;
    memo_put(&core);
    Ok(core)
}

/// [`core`] through the shared map, under its lock.
fn core_locked(key: TargetKey, sig: &Signature) -> Result<Arc<Core>, Error> {
    let (target, errno) = (key.target(), key.errno);
    // Lock order: cores, then plans, then the arena (never the other way round).
    let mut guard = lock(cores());
    let known = guard.0.get_key_value(sig);
    if let Some(core) = known
        .and_then(|(_, by_target)| by_target.get(key))
        .and_then(Weak::upgrade)
    {
        guard.2 += 1;
        return Ok(core);
    }
    let sig = match known {
        Some((sig, _)) => sig.clone(),
        None => Arc::new(sig.clone()),
    };
    let plan = sysv::classify(&sig)?;
    let (fast_entry, fast_kind) = bound_entry(&plan, target as u64, errno);
    let fast = publish(&emit(&plan, fast_entry, errno)?)?;
    let core = Arc::new(Core {
        target,
        sig: sig.clone(),
        fast,
        plan: Arc::new(FramedPlan::with_errno_slot(plan, errno.captures())),
        fast_kind,
        errno,
        batch: OnceLock::new(),
        pointers: OnceLock::new(),
        shared: OnceLock::new(),
        codecs: OnceLock::new(),
    });
    let (map, swept_at, _) = &mut *guard;
    let weak = Arc::downgrade(&core);
    match map.get_mut(&sig) {
        Some(by_target) => by_target.insert(key, weak),
        None => {
            map.insert(sig, Targets::One(key, weak));
        }
    }
    sweep(map, swept_at, |_, by_target| by_target.retain_live());
    Ok(core)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::call::listing_of;

    /// What `explain --entry bound` lists is byte for byte the code `call_frame` runs,
    /// with and without errno capture (each its own core).
    #[test]
    fn the_listed_bound_entry_is_the_code_that_runs() {
        let target = labs_address();
        for sig in [
            "long f(long)",
            "double f(int, double, float, long)",
            "struct v { double x, y; }; struct v f(struct v, struct v)",
            "long f(long, long, long, long, long, long, long, long)",
            "struct b { long a, b, c; }; struct b f(long, struct b)",
            "long double f(long double)",
        ] {
            let sig: Signature = sig.parse().unwrap();
            for errno in [Errno::Untouched, Errno::Capture, Errno::SetAndCapture] {
                let core = core(target, &sig, errno).unwrap();
                let plan = &core.plan.plan;
                let (entry, _) = bound_entry(plan, target as u64, errno);
                let listed = listing_of(plan, entry, errno).unwrap();
                // SAFETY: the fast entry's bytes are readable for its length while
                // `core` lives; the listing is at most that long.
                let running =
                    unsafe { std::slice::from_raw_parts(core.fast.address(), core.fast.len()) };
                assert_eq!(&running[..listed.code.len()], &listed.code[..], "{sig}");
                assert_eq!(core.errno, errno);
            }
        }
    }

    fn labs_address() -> *const c_void {
        // SAFETY: dlsym on the default handle with a NUL-terminated name.
        unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"labs".as_ptr()) }
    }
}
