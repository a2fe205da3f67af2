//! The emitter.

mod call;

pub(crate) use call::*;
pub use call::{Emitted, listing};
