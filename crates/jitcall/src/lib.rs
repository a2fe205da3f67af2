//! jitcall: call C functions whose signatures are known only at run time, through
//! x86-64 System V trampolines compiled for each signature.
//!
//! A classifier ([`abi::sysv`]) assigns every argument to its register or stack slot
//! per the psABI, an emitter encodes one small trampoline per call plan with `dynasmrt`,
//! a code arena holds it (never writable and executable at once), and a cache reuses it
//! for every function with an ABI-equivalent signature.
//!
//! ```
//! use jitcall::{Library, Signature, Type, Value};
//!
//! # fn main() -> Result<(), jitcall::Error> {
//! let libm = Library::open("libm.so.6")?;
//! let sig = Signature::new(Type::Double, [Type::Double, Type::Double]);
//! let pow = libm.function("pow", &sig)?;
//! // SAFETY: pow has exactly this signature.
//! let r = unsafe { pow.call(&[Value::Double(2.0), Value::Double(10.0)]) }?;
//! assert_eq!(r, Value::Double(1024.0));
//!
//! let mut frame = pow.frame(); // the fast path: no conversion, no allocation
//! frame.set_arg(0, 2.0f64);
//! frame.set_arg(1, 10.0f64);
//! // SAFETY: as above.
//! unsafe { pow.call_frame(&mut frame) };
//! let r: f64 = frame.ret();
//! assert_eq!(r, 1024.0);
//! # Ok(())
//! # }
//! ```
//!
//! # Safety model
//!
//! Describing types, classifying, compiling and checking values are safe: bad input is
//! an [`Error`], never a panic. *Calling* is `unsafe`, because nothing can verify that
//! a symbol really has the signature you give it, nor that pointers you pass are valid:
//! that is the same contract as a C prototype. Given a correct signature,
//! [`Function::call`] checks every [`Value`] against it, so a mismatched value is an
//! error rather than undefined behaviour.
//!
//! Frames ([`Frame`], [`FrameBatch`], a [`Callback`]'s frame) are bytes that C reads
//! and writes. Safe code reads them only as [`AnyBits`] types, for which every bit
//! pattern is a valid value, and writes only [`FrameValue`]s, which leave no
//! uninitialised byte behind; so no safe code can make an invalid `bool`, `char`, enum
//! or reference out of frame bytes (the compile-fail tests show it). See
//! [`plain`] for the traits, the `jitcall-derive` crate for user structs, and how
//! padding is handled. [`Function::typed`] and [`Function::as_fn`] check Rust types against the
//! C signature's *kinds* (its call plan), once.
//!
//! Generated code lives in a code arena whose pages are never writable and executable
//! at the same time (a memfd mapped twice, read-write and read-execute); code never
//! moves once published, and the space of dropped trampolines is reused.
//!
//! # Features
//!
//! - **`disasm`** (off by default): [`explain`] shows each trampoline as Intel-syntax
//!   instructions, decoded with `iced-x86`. Without it, `explain` lists the same code as
//!   bytes in hex, block by block under the emitter's notes (its JSON `instruction`
//!   fields are then `null`); nothing else changes. The `jitcall` command line turns it
//!   on.
//!
//! The engine's only dependencies are `dynasm`/`dynasmrt` (the encoder) and `libc`. The
//! command line and the differential ABI fuzzer are separate crates of the same
//! [repository](https://github.com/jitcall/jitcall) built on this crate's public API.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod abi;
mod arena;
mod cache;
pub mod callback;
pub mod cdecl;
mod clex;
mod emit;
pub mod errno;
mod error;
pub mod explain;
mod frame;
mod function;
mod library;
pub mod literal;
pub mod plain;
pub mod provenance;
mod typed;
mod types;
mod value;

pub use arena::{ArenaStats, arena_stats};
pub use cache::{CacheStats, cache_stats};
pub use callback::Callback;
pub use cdecl::{Declarations, FunctionDecl, HeaderError, HeaderOptions, LookupError, ParseError};
pub use emit::{Emitted, listing};
pub use errno::Errno;
pub use error::Error;
pub use frame::{Frame, FrameArgs, FrameBatch};
pub use function::Function;
pub use library::Library;
pub use plain::{AnyBits, FrameValue, Padded, Plain};
pub use provenance::{Ledger, LoadedObject, Provenance, ledger};
pub use typed::{CArgs, CReturn, CType, ExternFn, TypedFunction};
pub use types::{
    Aggregate, AggregateBuilder, BitPlace, Field, FieldPlace, Layout, MAX_BITINT_WIDTH,
    MAX_TYPE_SIZE, Signature, Type,
};
#[doc(hidden)]
pub use value::CodecCheck;
pub use value::{BFloat16, BitInt, Float16, Float128, LongDouble, Value};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
