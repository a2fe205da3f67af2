//! jitcall: JIT-compiled x86-64 System V call trampolines.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod abi;
mod error;
mod types;
mod value;

pub use error::Error;
pub use types::{Aggregate, AggregateBuilder, Field, Layout, MAX_TYPE_SIZE, Signature, Type};
pub use value::{LongDouble, Value};
