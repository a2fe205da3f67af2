//! Call plans: where every argument and the result of one call travel.
//!
//! A [`CallPlan`] is the classifier's output ([`sysv::classify`]) and the single input
//! of everything downstream: the emitter, `explain`, and callbacks. It is plain data,
//! `Hash + Eq`, so the trampoline cache can key on it and ABI-equivalent signatures
//! share one trampoline. It never refers to a C [`crate::Type`]. Every decision that
//! puts a value in memory carries its reason ([`MemoryReason`], [`StackReason`]), so
//! what `explain` says is what the classifier decided.
//!
//! Besides the psABI placement, a plan fixes the *frame*: the packed buffer that holds
//! one call's arguments and result ([`crate::Frame`]). The result area sits at offset
//! 0; each argument follows at an offset aligned to `max(8, its alignment)`, in a slot
//! padded to a multiple of 8 bytes, so the trampoline may always load whole eightbytes
//! (`lay_out_frame`, after the classifier has decided). Those offsets are the
//! emitter's displacements, so they are the plan's; what the frame's own accessors
//! read (slot tables, the layout code) the frame builds from them
//! (`crate::frame::layout`), not the plan.

pub mod sysv;

use std::fmt;

/// The psABI's classes for one eightbyte (§3.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Nothing but padding: needs no register.
    NoClass,
    /// General-purpose registers.
    Integer,
    /// The low half of a vector register.
    Sse,
    /// The upper part of the vector register whose low half is the previous eightbyte.
    SseUp,
    /// The 64-bit significand of an x87 value.
    X87,
    /// The sign and exponent of an x87 value.
    X87Up,
    /// A whole `long double _Complex`.
    ComplexX87,
    /// Passed in memory (stack or hidden pointer).
    Memory,
}

impl Class {
    /// The psABI's name for the class.
    pub fn name(self) -> &'static str {
        match self {
            Class::NoClass => "NO_CLASS",
            Class::Integer => "INTEGER",
            Class::Sse => "SSE",
            Class::SseUp => "SSEUP",
            Class::X87 => "X87",
            Class::X87Up => "X87UP",
            Class::ComplexX87 => "COMPLEX_X87",
            Class::Memory => "MEMORY",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// At most `N` items (two unless said otherwise), one per eightbyte of a value that
/// travels in registers, stored inline: a value in general-purpose registers spans at
/// most two eightbytes, and a call plan holds one of these per argument, so inline
/// storage saves two allocations per argument when a signature is compiled. Classes
/// take eight ([`Classes`]): a 64-byte vector is SSE and seven SSEUP in one `zmm`
/// register. Reads like a slice (`Deref<[T]>`).
#[derive(Clone, Copy)]
pub struct Eightbytes<T: Copy, const N: usize = 2> {
    len: u8,
    items: [std::mem::MaybeUninit<T>; N],
}

/// The classes of a value's eightbytes: up to eight (a 64-byte vector).
pub type Classes = Eightbytes<Class, 8>;

impl<T: Copy, const N: usize> Eightbytes<T, N> {
    /// No items.
    pub const fn new() -> Self {
        Eightbytes {
            len: 0,
            items: [std::mem::MaybeUninit::uninit(); N],
        }
    }

    /// Appends `item`.
    ///
    /// # Panics
    ///
    /// If there are `N` items already: no value in registers spans more eightbytes.
    pub fn push(&mut self, item: T) {
        assert!(
            (self.len as usize) < N,
            "a value in registers spans at most two eightbytes (eight for a vector)"
        );
        self.items[self.len as usize].write(item);
        self.len += 1;
    }

    /// The items as a slice.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the first `len` items were written by `push` (T: Copy has no drop).
        unsafe { std::slice::from_raw_parts(self.items.as_ptr().cast::<T>(), self.len as usize) }
    }
}

impl<T: Copy, const N: usize> Default for Eightbytes<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy, const N: usize> std::ops::Deref for Eightbytes<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Copy, const N: usize> FromIterator<T> for Eightbytes<T, N> {
    /// # Panics
    ///
    /// If the iterator yields more than `N` items.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut e = Eightbytes::new();
        for item in iter {
            e.push(item);
        }
        e
    }
}

impl<'a, T: Copy, const N: usize> IntoIterator for &'a Eightbytes<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq for Eightbytes<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Copy + Eq, const N: usize> Eq for Eightbytes<T, N> {}

impl<T: Copy + PartialEq, const N: usize, const M: usize> PartialEq<[T; M]> for Eightbytes<T, N> {
    fn eq(&self, other: &[T; M]) -> bool {
        self.as_slice() == other
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq<Vec<T>> for Eightbytes<T, N> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Copy + std::hash::Hash, const N: usize> std::hash::Hash for Eightbytes<T, N> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl<T: Copy + fmt::Debug, const N: usize> fmt::Debug for Eightbytes<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// How the callee takes and returns 32- and 64-byte vectors (`__m256`, `__m512`) by
/// value: that depends on how it was compiled, which no symbol says, so it is a choice
/// stated in the [`crate::Signature`] ([`crate::Signature::with_vector_abi`]).
///
/// gcc passes a 32-byte vector in a `ymm` register only when the callee is compiled
/// with AVX (`-mavx`, `-mavx2`), and a 64-byte one in a `zmm` register only with
/// AVX-512F; otherwise in memory (with a `-Wpsabi` note). A variadic one is in memory
/// either way. Vectors of 16 bytes or less do not depend on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VectorAbi {
    /// What this CPU runs, detected at run time: as [`VectorAbi::Avx512`] with
    /// AVX-512F, as [`VectorAbi::Avx`] with AVX. A vector the CPU has no register for
    /// is an error (a callee compiled for it could not run here): state
    /// [`VectorAbi::Sse`] for a callee compiled without AVX.
    #[default]
    Detect,
    /// The callee was compiled without AVX (gcc's default for x86-64): 32- and 64-byte
    /// vectors in memory (aligned to their size there, as with AVX).
    Sse,
    /// The callee was compiled with AVX: 32-byte vectors in `ymm`, 64-byte ones in
    /// memory. Needs AVX on this CPU.
    Avx,
    /// The callee was compiled with AVX-512F: 32-byte vectors in `ymm`, 64-byte ones in
    /// `zmm`. Needs AVX-512F on this CPU.
    Avx512,
}

impl VectorAbi {
    /// The choice with [`VectorAbi::Detect`] resolved for this CPU.
    pub fn resolve(self) -> VectorAbi {
        self.resolve_on(Cpu::this())
    }

    /// [`VectorAbi::resolve`] on a CPU with the extensions of `cpu`.
    fn resolve_on(self, cpu: Cpu) -> VectorAbi {
        match self {
            VectorAbi::Detect if cpu.avx512f => VectorAbi::Avx512,
            VectorAbi::Detect if cpu.avx => VectorAbi::Avx,
            VectorAbi::Detect => VectorAbi::Sse,
            other => other,
        }
    }

    /// The largest vector, in bytes, that travels in one register: 16, 32 or 64.
    pub fn register_bytes(self) -> u32 {
        match self.resolve() {
            VectorAbi::Avx512 => 64,
            VectorAbi::Avx => 32,
            _ => 16,
        }
    }

    /// The name `explain` gives the choice.
    pub fn name(self) -> &'static str {
        match self {
            VectorAbi::Detect => "detected",
            VectorAbi::Sse => "SSE (no AVX)",
            VectorAbi::Avx => "AVX",
            VectorAbi::Avx512 => "AVX-512F",
        }
    }

    /// Whether a vector of `size` bytes (32 or 64) travels in a register under this
    /// choice, or why it cannot be called here: the register it needs is one this CPU
    /// does not have.
    pub(crate) fn in_register(self, size: u64) -> Result<bool, crate::Error> {
        self.in_register_on(size, Cpu::this())
    }

    /// [`VectorAbi::in_register`] on a CPU with the extensions of `cpu`: the rule,
    /// apart from the detection, so that a test can ask it about CPUs other than this
    /// one (a call on a CPU without the register must be refused, never made).
    fn in_register_on(self, size: u64, cpu: Cpu) -> Result<bool, crate::Error> {
        let (feature, has) = if size > 32 {
            ("AVX-512F", cpu.avx512f)
        } else {
            ("AVX", cpu.avx)
        };
        let wants = match self {
            VectorAbi::Sse => false,
            VectorAbi::Avx => size <= 32,
            VectorAbi::Avx512 => true,
            VectorAbi::Detect if has => true,
            VectorAbi::Detect => {
                return Err(crate::Error::unsupported(format!(
                    "a {size}-byte vector by value: this CPU has no {feature}, so the callee \
                     cannot take it in a register; if it was compiled without {feature}, say \
                     so with a VectorAbi that passes it in memory"
                )));
            }
        };
        if wants && !has {
            return Err(crate::Error::unsupported(format!(
                "a {size}-byte vector in a register needs {feature}, which this CPU does not have"
            )));
        }
        Ok(wants)
    }
}

/// The vector extensions of a CPU that decide where wide vectors may travel.
#[derive(Clone, Copy, Debug)]
struct Cpu {
    avx: bool,
    avx512f: bool,
}

impl Cpu {
    /// This CPU's, detected at run time (`cpuid` and `xgetbv`: the OS must also save
    /// the registers).
    fn this() -> Cpu {
        Cpu {
            avx: std::arch::is_x86_feature_detected!("avx"),
            avx512f: std::arch::is_x86_feature_detected!("avx512f"),
        }
    }
}

/// The six integer argument registers, in the order the psABI assigns them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gpr {
    /// `rdi`: first integer argument (or the hidden return pointer).
    Rdi,
    /// `rsi`.
    Rsi,
    /// `rdx`.
    Rdx,
    /// `rcx`.
    Rcx,
    /// `r8`.
    R8,
    /// `r9`.
    R9,
}

/// Integer argument registers in assignment order.
pub const ARG_GPRS: [Gpr; 6] = [Gpr::Rdi, Gpr::Rsi, Gpr::Rdx, Gpr::Rcx, Gpr::R8, Gpr::R9];

/// Number of vector registers (`xmm0`–`xmm7`) used for arguments.
pub const ARG_XMMS: u8 = 8;

impl Gpr {
    /// The register's number in x86-64 encodings.
    pub fn encoding(self) -> u8 {
        match self {
            Gpr::Rdi => 7,
            Gpr::Rsi => 6,
            Gpr::Rdx => 2,
            Gpr::Rcx => 1,
            Gpr::R8 => 8,
            Gpr::R9 => 9,
        }
    }

    /// The register's name at a width of 1, 2, 4 or 8 bytes (`dil`, `si`, `edx`, `rcx`).
    pub fn name(self, width: u8) -> &'static str {
        const NAMES: [[&str; 4]; 6] = [
            ["dil", "di", "edi", "rdi"],
            ["sil", "si", "esi", "rsi"],
            ["dl", "dx", "edx", "rdx"],
            ["cl", "cx", "ecx", "rcx"],
            ["r8b", "r8w", "r8d", "r8"],
            ["r9b", "r9w", "r9d", "r9"],
        ];
        let col = match width {
            1 => 0,
            2 => 1,
            3 | 4 => 2,
            _ => 3,
        };
        NAMES[self as usize][col]
    }
}

/// An argument register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reg {
    /// A general-purpose register.
    Gpr(Gpr),
    /// `xmm0`–`xmm7`.
    Xmm(u8),
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reg::Gpr(g) => f.write_str(g.name(8)),
            Reg::Xmm(n) => write!(f, "xmm{n}"),
        }
    }
}

/// How one eightbyte of an argument is loaded into its register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Load {
    /// Sign-extend a 1- or 2-byte integer to 32 bits (`char`, `short`): clang-compiled
    /// callees rely on the extension although the psABI leaves it unspecified.
    SignExtend(u8),
    /// Zero-extend a 1- or 2-byte integer to 32 bits (`unsigned char`, `_Bool`, ...).
    ZeroExtend(u8),
    /// Load `n` bytes (1..=8) of integer data as they are; the register's bits above
    /// them are left undefined, as the psABI allows.
    Bytes(u8),
    /// A `float` (4 bytes) into the low lane of an xmm register.
    Float32,
    /// 8 bytes into the low half of an xmm register.
    Float64,
    /// 2 or 6 bytes of SSE-class data (`_Float16` values) into the low bytes of an xmm
    /// register; the register's bits above them are left undefined.
    SseBytes(u8),
    /// A whole vector register: an SSE eightbyte and the SSEUP eightbytes after it. 16
    /// bytes (`_Float128`, `__m128`) fill an xmm register, 32 (`__m256`) a ymm
    /// register, 64 (`__m512`) a zmm register.
    Vector(u8),
}

impl Load {
    /// Bytes of the argument this load reads.
    pub fn width(self) -> u8 {
        match self {
            Load::SignExtend(n)
            | Load::ZeroExtend(n)
            | Load::Bytes(n)
            | Load::SseBytes(n)
            | Load::Vector(n) => n,
            Load::Float32 => 4,
            Load::Float64 => 8,
        }
    }
}

/// One register of an argument passed in registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegLoad {
    /// The destination register.
    pub reg: Reg,
    /// Offset of the eightbyte within the argument (0 or 8).
    pub offset: u32,
    /// How it is loaded.
    pub load: Load,
}

/// Where an argument travels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArgLocation {
    /// In one register per non-empty eightbyte.
    Registers(Eightbytes<RegLoad>),
    /// Copied whole into the outgoing stack area at `offset` bytes above `rsp` at the
    /// call.
    Stack {
        /// Offset from `rsp` at the call instruction.
        offset: u32,
    },
    /// Nothing to pass: an empty aggregate (GNU C passes it nowhere).
    Nowhere,
}

/// A member inside an argument or result, as the indices that lead to it from the
/// outside in: a member's index in its struct or union, 0 for an array's first element
/// (the only one gcc classifies), 0 or 1 for a complex number's real or imaginary part.
/// Empty for the value itself. The names are the type's to give (`explain` renders
/// them); a plan holds none, so it is the same for types that differ only in names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MemberPath(Box<[u32]>);

impl MemberPath {
    /// The indices, outermost first.
    pub fn indices(&self) -> &[u32] {
        &self.0
    }

    /// Whether this is the value itself, not one of its members.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<u32> for MemberPath {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        MemberPath(iter.into_iter().collect())
    }
}

/// Why the classifier gave a value the class MEMORY (psABI §3.2.3, as gcc reads it):
/// recorded where it decides, so that nothing downstream has to guess.
///
/// The first reason met wins: the size, then the members in order of their offsets
/// (a member aggregate is classified whole before the next member).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MemoryReason {
    /// Larger than two eightbytes (rule 5(c); a 32- or 64-byte *vector* is classified
    /// apart, see [`VectorAbi`], and an aggregate holding one is refused).
    TooLarge {
        /// `sizeof` the value.
        size: u32,
    },
    /// A scalar member at an offset that is not a multiple of its alignment (rule 1:
    /// "if it contains unaligned fields, it has class MEMORY"; a packed struct).
    Misaligned {
        /// The scalar: a member, or an array's first element.
        member: MemberPath,
        /// Its offset in the value.
        offset: u32,
        /// Its type's alignment.
        align: u32,
    },
    /// gcc's array rule: an array is classified by its first element, and this one,
    /// starting inside an eightbyte, would reach past the next one (a zero-length
    /// array of 16-byte elements at offset 4, say).
    ArrayElementTooWide {
        /// The array.
        array: MemberPath,
        /// The offset of its first element in the value.
        offset: u32,
        /// The element's size.
        size: u32,
    },
    /// X87-class data and data of another class share an eightbyte of `aggregate`,
    /// and merging them gives MEMORY (rule 4(e); with INTEGER data, INTEGER would have
    /// won instead, rule 4(d)).
    X87Merged {
        /// The struct, union or array whose members meet: the value itself, or a
        /// member aggregate that is then MEMORY on its own.
        aggregate: MemberPath,
        /// The eightbyte, counted in the value.
        eightbyte: u8,
        /// The X87-class class (X87, X87UP or COMPLEX_X87).
        x87: Class,
        /// The class it met.
        other: Class,
    },
    /// A vector of one floating lane, 2, 4 or 8 bytes (`_Float16`, `float` or `double`
    /// `__attribute__((vector_size(sizeof lane)))`), alone or as `member`: gcc 12 has
    /// no vector mode for it and passes it in memory (clang differs for the 2- and
    /// 4-byte ones, see `docs/DIVERGENCES.md`).
    OneLaneFloatVector {
        /// The vector: the value itself or a member.
        member: MemberPath,
        /// Its size.
        size: u32,
    },
    /// A 32- or 64-byte vector whose register the callee does not use: it was
    /// compiled for `abi` (psABI: `__m256` needs AVX, `__m512` AVX-512F).
    WideVector {
        /// The vector's size.
        size: u32,
        /// The choice that puts it in memory (resolved).
        abi: VectorAbi,
    },
    /// `double __attribute__((ext_vector_type(1)))`, alone or as `member`: clang-19
    /// passes it in memory (and returns it alone in `xmm0`, which is no MEMORY).
    OneDoubleExtVector {
        /// The vector: the value itself or a member.
        member: MemberPath,
    },
    /// A vector of more than 64 bytes (`vector_size(128)` and up): larger than any
    /// register, in memory whatever the instruction set, fixed or variadic.
    LargeVector {
        /// The vector's size.
        size: u32,
    },
    /// A 32- or 64-byte vector as a variadic argument: always in memory.
    VariadicVector {
        /// The vector's size.
        size: u32,
    },
    /// An X87UP eightbyte of `aggregate` (the upper half of a `long double`) that does
    /// not follow an X87 one (rule 5(b)): the `long double`'s lower eightbyte merged
    /// into another class.
    X87UpAlone {
        /// As for [`MemoryReason::X87Merged`].
        aggregate: MemberPath,
        /// The X87UP eightbyte, counted in the value.
        eightbyte: u8,
        /// The class of the eightbyte before it.
        previous: Class,
    },
}

/// How the classifier classifies one value (psABI §3.2.3): by eightbyte, or whole in
/// memory, and then why.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Classification {
    /// The classes of its eightbytes after the post-merger cleanup (none for `void` or
    /// an empty aggregate).
    Eightbytes(Classes),
    /// Class MEMORY, for this reason.
    Memory(MemoryReason),
}

impl Classification {
    /// The classes as a plan records them: `[MEMORY]` for a value in memory.
    pub fn classes(&self) -> Classes {
        match self {
            Classification::Eightbytes(classes) => *classes,
            Classification::Memory(_) => [Class::Memory].into_iter().collect(),
        }
    }

    /// Why the value is MEMORY, if it is.
    pub fn memory_reason(&self) -> Option<&MemoryReason> {
        match self {
            Classification::Eightbytes(_) => None,
            Classification::Memory(reason) => Some(reason),
        }
    }

    /// [`Classification::classes`] and the reason, taken apart.
    pub(crate) fn into_parts(self) -> (Classes, Option<MemoryReason>) {
        let classes = self.classes();
        match self {
            Classification::Eightbytes(_) => (classes, None),
            Classification::Memory(reason) => (classes, Some(reason)),
        }
    }
}

/// Why an argument ended up where it did (for `explain`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StackReason {
    /// Classified MEMORY, for this reason.
    Memory(MemoryReason),
    /// x87 classes always travel in memory as arguments.
    X87,
    /// It needed more integer or vector registers than were left.
    OutOfRegisters {
        /// Integer registers needed.
        gprs_needed: u8,
        /// Integer registers still free.
        gprs_left: u8,
        /// Vector registers needed.
        xmms_needed: u8,
        /// Vector registers still free.
        xmms_left: u8,
    },
}

/// The plan for one argument.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArgPlan {
    /// `sizeof` the argument.
    pub size: u32,
    /// `_Alignof` the argument.
    pub align: u32,
    /// Offset of the argument's slot in the frame.
    pub frame_offset: u32,
    /// The eightbyte classes after the post-merger cleanup (`[Memory]` for MEMORY).
    pub classes: Classes,
    /// Where it travels.
    pub location: ArgLocation,
    /// Set when `location` is the stack: why.
    pub stack_reason: Option<StackReason>,
}

/// Where the result comes back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RetLocation {
    /// `void`, or an empty aggregate.
    Nothing,
    /// In `rax`/`rdx` and/or `xmm0`/`xmm1`: one register per non-empty eightbyte.
    Registers(Eightbytes<RetPiece>),
    /// In `st(0)` (`long double`, `struct { long double }`), or `st(0)` and `st(1)`
    /// (`long double _Complex`, real part in `st(0)`).
    X87 {
        /// 1 or 2 values on the x87 stack.
        count: u8,
    },
    /// The caller passes a hidden pointer in `rdi` (sret) where the callee writes the
    /// result, and gets it back in `rax`.
    Memory,
}

/// One register of a result returned in registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetPiece {
    /// The register.
    pub reg: RetReg,
    /// Offset of the eightbyte within the result.
    pub offset: u32,
    /// Bytes of the result in this register: 1..=8 for one eightbyte, 16, 32 or 64 for
    /// an SSE eightbyte with its SSEUP eightbytes (a `_Float128` in `xmm0`, a `__m256`
    /// in `ymm0`, a `__m512` in `zmm0`).
    pub width: u8,
}

/// Registers that carry results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetReg {
    /// `rax`.
    Rax,
    /// `rdx`.
    Rdx,
    /// `xmm0`.
    Xmm0,
    /// `xmm1`.
    Xmm1,
}

impl RetPiece {
    /// The register's name.
    pub fn register_name(&self) -> &'static str {
        match self.reg {
            RetReg::Rax => "rax",
            RetReg::Rdx => "rdx",
            RetReg::Xmm0 if self.width > 32 => "zmm0",
            RetReg::Xmm0 if self.width > 16 => "ymm0",
            RetReg::Xmm0 => "xmm0",
            RetReg::Xmm1 => "xmm1",
        }
    }
}

/// The plan for the result.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RetPlan {
    /// `sizeof` the result (0 for `void`).
    pub size: u32,
    /// `_Alignof` the result (1 for `void`).
    pub align: u32,
    /// Eightbyte classes (empty for `void`).
    pub classes: Classes,
    /// Where it comes back.
    pub location: RetLocation,
    /// Set when `location` is [`RetLocation::Memory`]: why.
    pub memory_reason: Option<MemoryReason>,
}

/// Everything the emitter needs to make one call.
///
/// Invariants (checked by `debug_assert!` in the classifier and by property tests):
/// at most 6 GPRs and 8 xmm registers are assigned, each at most once; stack slots are
/// aligned to `max(8, align)` and disjoint; `stack_size` is a multiple of
/// `stack_align`, itself a power of two of at least 16; frame slots are disjoint,
/// 8-byte padded, and inside `frame_size`, a multiple of `frame_align`, itself a power
/// of two of at least 16 (so frames laid end to end stay aligned: a batch's rows).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallPlan {
    /// One plan per argument, fixed then variadic.
    pub args: Vec<ArgPlan>,
    /// The result.
    pub ret: RetPlan,
    /// Bytes of outgoing stack arguments, rounded up to `stack_align`.
    pub stack_size: u32,
    /// Alignment `rsp` needs at the call: 16, or more for over-aligned stack arguments.
    pub stack_align: u32,
    /// Integer registers used (the sret pointer included).
    pub gprs_used: u8,
    /// Value of `%al` at the call: vector registers used.
    pub vector_count: u8,
    /// Whether the callee is variadic (`%al` is only required then, but always set).
    pub variadic: bool,
    /// Size of the frame: result area plus argument slots, rounded up to
    /// `frame_align`. Also the distance between two rows of a batch.
    pub frame_size: u32,
    /// Alignment the frame needs: 16, or more for an over-aligned argument or result.
    pub frame_align: u32,
    /// When a 32- or 64-byte vector is passed or returned by value: how the callee
    /// takes them ([`VectorAbi`], resolved for this CPU).
    pub vector_abi: Option<VectorAbi>,
}

impl CallPlan {
    /// Whether any value travels in a `ymm` or `zmm` register (then a trampoline that
    /// returns to Rust clears their upper halves first, `vzeroupper`).
    pub fn uses_wide_registers(&self) -> bool {
        let wide = |l: &RegLoad| matches!(l.load, Load::Vector(n) if n > 16);
        self.args.iter().any(|a| match &a.location {
            ArgLocation::Registers(loads) => loads.iter().any(wide),
            _ => false,
        }) || matches!(&self.ret.location, RetLocation::Registers(p) if p.iter().any(|p| p.width > 16))
    }
}

/// The frame's rule for argument slots: the slot of an argument of `size` bytes
/// aligned to `align`, after slots that end at `end` (both from the start of the
/// argument area), starts at `end` rounded up to `max(8, align)` and takes `size`
/// rounded up to eightbytes. Returns the slot's offset and its end.
///
/// `const`, because `crate::frame` lays tuples of Rust values out by the same rule at
/// compile time: a tuple whose sizes and alignments are the parameters' then has the
/// frame's offsets. Alignments are powers of two: a mask rounds up, where a division
/// would cost a first call tens of cycles per argument.
#[inline]
pub(crate) const fn frame_slot(end: usize, size: usize, align: usize) -> (usize, usize) {
    debug_assert!(align.is_power_of_two());
    let slot_align = if align > 8 { align } else { 8 };
    let offset = (end + slot_align - 1) & !(slot_align - 1);
    (offset, offset + ((size + 7) & !7))
}

/// Places the result and every argument in the frame (fills in
/// [`ArgPlan::frame_offset`]) and returns the frame's size and alignment: the result
/// area at offset 0, at least one eightbyte (two x87 values of 16 bytes each for a
/// `long double _Complex`); then the argument area, aligned for its most aligned slot,
/// with the slots by [`frame_slot`].
pub(crate) fn lay_out_frame(ret: &RetPlan, args: &mut [ArgPlan]) -> (u32, u32) {
    let mut ret_area = round_up(ret.size.max(8), 8);
    if let RetLocation::X87 { count } = ret.location {
        ret_area = ret_area.max(16 * count as u32);
    }
    let mut end = 0;
    let mut args_align = 8;
    for arg in args.iter_mut() {
        let (offset, slot_end) = frame_slot(end, arg.size as usize, arg.align as usize);
        // Relative to the argument area until its start is known.
        arg.frame_offset = offset as u32;
        end = slot_end;
        args_align = args_align.max(arg.align);
    }
    let args_base = round_up(ret_area, args_align);
    for arg in args.iter_mut() {
        arg.frame_offset += args_base;
    }
    let frame_align = ret.align.max(args_align).max(16);
    let frame_size = round_up(args_base + end as u32, frame_align);
    debug_assert!(frame_align.is_power_of_two() && frame_size.is_multiple_of(frame_align));
    (frame_size, frame_align)
}

/// `n` rounded up to a multiple of `align`, a power of two (a mask, not a division:
/// this runs for every argument of every signature classified).
#[inline]
pub(crate) fn round_up(n: u32, align: u32) -> u32 {
    debug_assert!(align.is_power_of_two());
    (n + align - 1) & !(align - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, RandomState};

    #[test]
    fn eightbytes_read_like_the_slice_they_hold() {
        let mut e: Eightbytes<Class> = Eightbytes::new();
        assert!(e.is_empty());
        e.push(Class::Sse);
        e.push(Class::Integer);
        assert_eq!(e.as_slice(), [Class::Sse, Class::Integer]);
        assert_eq!(e, [Class::Sse, Class::Integer]);
        assert_eq!(e, vec![Class::Sse, Class::Integer]);
        assert_ne!(e, [Class::Sse]);
        assert_eq!(format!("{e:?}"), "[Sse, Integer]");
        let same: Eightbytes<Class> = [Class::Sse, Class::Integer].into_iter().collect();
        assert_eq!(e, same);
        let state = RandomState::new();
        assert_eq!(state.hash_one(e), state.hash_one(same));
        assert_eq!(
            state.hash_one(e),
            state.hash_one(&[Class::Sse, Class::Integer][..])
        );
        assert_eq!((&e).into_iter().count(), 2);
    }

    /// Every choice on CPUs without AVX, with AVX only, and with AVX-512F: a register
    /// the CPU lacks is refused (the call is never made), memory always works, and
    /// `Detect` takes what the CPU has. This machine is only one of the three, so the
    /// rule is asked about the other two directly.
    #[test]
    fn a_register_the_cpu_lacks_is_refused() {
        use VectorAbi::*;
        let none = Cpu {
            avx: false,
            avx512f: false,
        };
        let avx = Cpu {
            avx: true,
            avx512f: false,
        };
        let avx512 = Cpu {
            avx: true,
            avx512f: true,
        };
        let ok = |abi: VectorAbi, size, cpu| abi.in_register_on(size, cpu).ok();
        // (choice, size, [no AVX, AVX, AVX-512F]): Some(in a register) or None (refused)
        let table = [
            (Sse, 32, [Some(false); 3]),
            (Sse, 64, [Some(false); 3]),
            (Avx, 32, [None, Some(true), Some(true)]),
            (Avx, 64, [Some(false); 3]),
            (Avx512, 32, [None, Some(true), Some(true)]),
            (Avx512, 64, [None, None, Some(true)]),
            (Detect, 32, [None, Some(true), Some(true)]),
            (Detect, 64, [None, None, Some(true)]),
        ];
        for (abi, size, want) in table {
            for (cpu, want) in [none, avx, avx512].into_iter().zip(want) {
                assert_eq!(ok(abi, size, cpu), want, "{abi:?} {size} on {cpu:?}");
            }
        }
        let e = Detect.in_register_on(32, none).unwrap_err().to_string();
        assert!(e.contains("this CPU has no AVX"), "{e}");
        let e = Avx512.in_register_on(64, avx).unwrap_err().to_string();
        assert!(e.contains("needs AVX-512F"), "{e}");
        assert_eq!(Detect.resolve_on(none), Sse);
        assert_eq!(Detect.resolve_on(avx), Avx);
        assert_eq!(Detect.resolve_on(avx512), Avx512);
        assert_eq!(Avx.resolve_on(none), Avx);
    }

    #[test]
    #[should_panic(expected = "at most two eightbytes")]
    fn a_third_eightbyte_is_a_bug() {
        let mut e: Eightbytes<Class> = Eightbytes::new();
        for _ in 0..3 {
            e.push(Class::Integer);
        }
    }
}
