//! C literal values: the command line's arguments in, its results out, in the syntax a
//! C programmer already writes.
//!
//! Reading ([`parse_value`], [`parse_variadic`], [`parse_arguments`]) turns text such as
//! `-5`, `0x1fUL`, `1.5f`, `0x1.8p3`, `"a\tb"`, `NULL`, `{1, {2.5, 3}}`, `{.i = 7}` or
//! `(struct s){1, 2}` into a [`Value`] of a given [`Type`]. For a pointer, `&(int){0}`
//! and `(char[64]){0}` create an object (a [`Temporary`]) and pass its address, and a
//! name the caller knows ([`Names`]: a function, a variable) stands for its value. Writing ([`format_value`],
//! [`format_c_string`]) prints a result back in the same syntax: integers in decimal,
//! floating values in the shortest form that reads back to the same value of their own
//! type (`long double` included, through the exact conversions of `float`), pointers in
//! hex, aggregates as brace lists.
//!
//! ```
//! use jitcall::literal::{Strings, format_value, parse_value};
//! use jitcall::{Declarations, Type, Value};
//!
//! let decls = Declarations::parse("struct pt { int x; double y; };")?;
//! let pt = decls.tagged("struct pt").unwrap().clone();
//! let mut strings = Strings::default();
//! let v = parse_value("{.y = 2.5, .x = -1}", &pt, &decls, &mut strings).unwrap();
//! assert_eq!(v, Value::Struct(vec![Value::Int(-1), Value::Double(2.5)]));
//! assert_eq!(format_value(&v, &pt), "{-1, 2.5}");
//! # Ok::<(), jitcall::ParseError>(())
//! ```
//!
//! The rules are C's, with three deliberate differences, each to refuse a silent
//! surprise: a value that does not fit its type is an error rather than truncated or
//! wrapped (`300` for a `char`, `-1` for an `unsigned`, also after a cast); a floating
//! value is never converted to an integer; and an unsuffixed floating constant is read
//! at the precision of the type it initializes (`0.1` for a `long double` is the 80-bit
//! value nearest one tenth, not the `double` 0.1 widened). Arithmetic on constants is
//! limited to unary `-` and `+`.
//!
//! This module evaluates values; it does not parse declarations (that is
//! [`crate::cdecl`], which it asks for the type names of casts) and does not call
//! anything. No input makes it panic: nesting is bounded by a depth limit, and every
//! number is range-checked.
//!
//! Numbers, character constants and strings are read by the C lexical layer the
//! declaration parser shares, so a lexeme means the same in a literal and in a
//! declaration (an array size, an enumerator's value).
//!
//! Its parts: `syntax` reads the text into a tree with byte spans, `eval` gives the
//! tree a value of the type asked for, `format` prints values back, `float` converts
//! exactly between decimal text and binary floating point, and `error` holds
//! [`LiteralError`].

mod error;
mod eval;
pub(crate) mod float;
mod format;
mod syntax;
mod temporary;
#[cfg(test)]
mod tests;

pub use error::LiteralError;
pub use eval::{Strings, zero};
pub use format::{
    format_bfloat16, format_c_string, format_f32, format_f64, format_float16, format_float128,
    format_long_double, format_value, quote_bytes,
};
pub use temporary::Temporary;

use crate::{Declarations, FunctionDecl, Signature, Type, Value};
use eval::Eval;
use std::ffi::c_void;
use std::fmt;
use syntax::{Node, Parser, lex};

/// How deeply braces, casts, parentheses and signs may nest.
const MAX_DEPTH: usize = 64;

/// What names in a literal stand for beyond enumeration constants: the caller's
/// functions and variables. A function's name is its address (for a function-pointer
/// parameter, `qsort`'s comparator); a variable's name its value, and `&name` its
/// address.
///
/// `()` knows no names.
pub trait Names {
    /// The type and value of `name` used as a value: a variable's current value, or a
    /// function's address as a [`Type::Pointer`].
    fn value(&self, name: &str) -> Option<(Type, Value)>;
    /// The address of `name`, for `&name`: a variable's storage, or a function.
    fn address(&self, name: &str) -> Option<*mut c_void>;
}

impl Names for () {
    fn value(&self, _: &str) -> Option<(Type, Value)> {
        None
    }

    fn address(&self, _: &str) -> Option<*mut c_void> {
        None
    }
}

fn parse(text: &str, decls: &Declarations, names: &dyn Names) -> Result<Node, LiteralError> {
    let tokens = lex(text)?;
    let mut parser = Parser {
        text,
        tokens,
        at: 0,
        decls,
        names,
        depth: 0,
    };
    parser.whole()
}

/// Reads `text` as a value of type `ty`. Type names in casts are looked up in `decls`;
/// strings and the objects of compound literals (`&(int){0}`) are stored in `strings`,
/// which must outlive every use of the value.
pub fn parse_value(
    text: &str,
    ty: &Type,
    decls: &Declarations,
    strings: &mut Strings,
) -> Result<Value, LiteralError> {
    parse_value_with(text, ty, decls, &(), strings)
}

/// [`parse_value`], with `names` for the names that are not enumeration constants.
pub fn parse_value_with(
    text: &str,
    ty: &Type,
    decls: &Declarations,
    names: &dyn Names,
    strings: &mut Strings,
) -> Result<Value, LiteralError> {
    let node = parse(text, decls, names)?;
    Eval {
        strings,
        names,
        depth: 0,
    }
    .argument(&node, ty)
}

/// Reads `text` as a variadic argument, whose type is its own: `5` is an `int`,
/// `6000000000` a `long`, `2.5` a `double`, `"s"` a `char *`, `(short)1` an `int` and
/// `1.5f` a `double` (after C's default argument promotions), `(struct s){1, 2}` a
/// `struct s`.
pub fn parse_variadic(
    text: &str,
    decls: &Declarations,
    strings: &mut Strings,
) -> Result<(Type, Value), LiteralError> {
    parse_variadic_with(text, decls, &(), strings)
}

/// [`parse_variadic`], with `names` for the names that are not enumeration constants.
pub fn parse_variadic_with(
    text: &str,
    decls: &Declarations,
    names: &dyn Names,
    strings: &mut Strings,
) -> Result<(Type, Value), LiteralError> {
    let node = parse(text, decls, names)?;
    Eval {
        strings,
        names,
        depth: 0,
    }
    .untyped(&node)
}

/// The values of one call, ready for [`crate::Function::call`].
#[derive(Debug)]
pub struct Arguments {
    /// The signature of this call (for a variadic function, with the types of this
    /// call's variadic arguments).
    pub signature: Signature,
    /// One value per parameter.
    pub values: Vec<Value>,
    /// The strings and objects the values point to: keep them until the call returns.
    /// The objects of `&(T){...}` and `(T[N]){...}` ([`Strings::temporaries`]) know
    /// their argument, and print their contents after the call.
    pub strings: Strings,
}

impl Arguments {
    /// The objects the arguments created for pointers to point to, in argument order.
    pub fn temporaries(&self) -> &[Temporary] {
        self.strings.temporaries()
    }
}

/// Why the arguments of a call could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArgumentError {
    /// Too many or too few arguments.
    Count {
        /// Parameters declared (fixed ones, for a variadic function).
        expected: usize,
        /// Arguments given.
        found: usize,
        /// Whether the function takes more after its fixed parameters.
        variadic: bool,
    },
    /// One argument is not a valid value for its parameter.
    Value {
        /// Which argument (0-based).
        index: usize,
        /// The parameter's type, in C.
        ty: String,
        /// What is wrong, and where in the argument's text.
        error: LiteralError,
    },
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgumentError::Count {
                expected,
                found,
                variadic: true,
            } => write!(f, "expected at least {expected} argument(s), got {found}"),
            ArgumentError::Count {
                expected, found, ..
            } => write!(f, "expected {expected} argument(s), got {found}"),
            ArgumentError::Value { index, ty, error } => {
                write!(f, "argument {} ({ty}): {error}", index + 1)
            }
        }
    }
}

impl std::error::Error for ArgumentError {}

/// Reads the arguments of a call to `function` (declared in `decls`): one text per
/// argument, fixed parameters first, then any variadic ones.
pub fn parse_arguments(
    function: &FunctionDecl,
    decls: &Declarations,
    args: &[impl AsRef<str>],
) -> Result<Arguments, ArgumentError> {
    parse_arguments_with(function, decls, &(), args)
}

/// [`parse_arguments`], with `names` for the names that are not enumeration constants:
/// functions whose address a function-pointer parameter takes, the caller's variables.
pub fn parse_arguments_with(
    function: &FunctionDecl,
    decls: &Declarations,
    names: &dyn Names,
    args: &[impl AsRef<str>],
) -> Result<Arguments, ArgumentError> {
    let sig = &function.signature;
    let fixed = sig.fixed_count();
    let variadic = sig.is_variadic();
    if args.len() < fixed || (!variadic && args.len() > fixed) {
        return Err(ArgumentError::Count {
            expected: fixed,
            found: args.len(),
            variadic,
        });
    }
    let mut strings = Strings::default();
    let mut values = Vec::with_capacity(args.len());
    let mut variadic_types = Vec::new();
    for (index, text) in args.iter().enumerate() {
        let text = text.as_ref();
        let made = strings.temporaries().len();
        match sig.params().get(index) {
            Some(ty) if index < fixed => {
                let v =
                    parse_value_with(text, ty, decls, names, &mut strings).map_err(|error| {
                        ArgumentError::Value {
                            index,
                            ty: param_type_name(function, index, ty),
                            error,
                        }
                    })?;
                values.push(v);
            }
            _ => {
                let (ty, v) =
                    parse_variadic_with(text, decls, names, &mut strings).map_err(|error| {
                        ArgumentError::Value {
                            index,
                            ty: "variadic".into(),
                            error,
                        }
                    })?;
                variadic_types.push(ty);
                values.push(v);
            }
        }
        for temporary in strings.temporaries_mut().iter_mut().skip(made) {
            temporary.set_argument(index);
        }
    }
    let signature = if variadic {
        sig.with_variadic_args(variadic_types)
    } else {
        sig.clone()
    };
    Ok(Arguments {
        signature,
        values,
        strings,
    })
}

fn param_type_name(function: &FunctionDecl, index: usize, ty: &Type) -> String {
    let is_string = function
        .params_c_string
        .get(index)
        .copied()
        .unwrap_or(false);
    let ty = if is_string {
        "char *".to_string()
    } else {
        ty.to_string()
    };
    match function.param_names.get(index) {
        Some(Some(name)) => format!("{ty} {name}"),
        _ => ty,
    }
}
