//! The library's error type: one enum for every fallible operation of the call engine.
//!
//! Messages are short and lower-case, in the style of `std::io::Error`; where an error
//! wraps another (a failed `mmap`, a `dlerror` string), the cause is reachable through
//! [`std::error::Error::source`]. Nothing in the library panics on user input: every
//! malformed type, signature, value, library or symbol ends up here.

use std::fmt;

/// Everything that can go wrong while describing, compiling or making a call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A type that C does not allow where it was used (a `void` field, an array
    /// parameter, a complex `_Bool`, a non-power-of-two alignment, ...).
    InvalidType {
        /// What is wrong, naming the offending type.
        message: String,
    },
    /// A shape C allows but jitcall cannot pass yet.
    Unsupported {
        /// What is not supported.
        message: String,
    },
    /// A call was given the wrong number of arguments.
    ArgumentCount {
        /// Parameters the signature declares (fixed plus variadic).
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A value does not have the shape of its parameter's type.
    ValueMismatch {
        /// Where the value sits, e.g. `argument 2` or `argument 0 .field 1`.
        path: String,
        /// The type the signature expects there.
        expected: String,
        /// What was given instead.
        found: String,
    },
    /// `dlopen` failed.
    LibraryOpen {
        /// The path or soname asked for.
        library: String,
        /// The dynamic loader's explanation.
        reason: String,
    },
    /// `dlsym` found no such symbol.
    SymbolNotFound {
        /// The library searched.
        library: String,
        /// The symbol asked for.
        symbol: String,
        /// The dynamic loader's explanation.
        reason: String,
    },
    /// A null target address was given where a function is needed.
    NullTarget,
    /// Executable memory could not be mapped or protected.
    CodeMemory(std::io::Error),
    /// The encoder rejected the generated code (a bug in jitcall: please report it).
    Encoding(String),
    /// C declarations could not be parsed (from `"...".parse::<Signature>()?` or
    /// [`crate::Declarations::parse`] in a function returning this error).
    Parse(crate::ParseError),
}

impl From<crate::ParseError> for Error {
    fn from(e: crate::ParseError) -> Self {
        Error::Parse(e)
    }
}

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidType {
            message: message.into(),
        }
    }

    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        Error::Unsupported {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidType { message } => write!(f, "invalid type: {message}"),
            Error::Unsupported { message } => write!(f, "unsupported: {message}"),
            Error::ArgumentCount { expected, found } => {
                write!(f, "expected {expected} argument(s), got {found}")
            }
            Error::ValueMismatch {
                path,
                expected,
                found,
            } => write!(
                f,
                "{path}: expected a value of type {expected}, got {found}"
            ),
            Error::LibraryOpen { library, reason } => {
                write!(f, "cannot open library `{library}`: {reason}")
            }
            Error::SymbolNotFound {
                library,
                symbol,
                reason,
            } => write!(f, "symbol `{symbol}` not found in {library}: {reason}"),
            Error::NullTarget => write!(f, "null function pointer"),
            Error::CodeMemory(_) => write!(f, "cannot allocate executable memory"),
            Error::Encoding(msg) => write!(f, "internal encoder error: {msg}"),
            Error::Parse(e) => write!(f, "cannot parse the declarations: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::CodeMemory(e) => Some(e),
            Error::Parse(e) => Some(e),
            _ => None,
        }
    }
}
