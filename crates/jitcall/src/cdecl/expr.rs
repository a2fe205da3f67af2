//! Integer constant expressions: the values of array sizes, enumerators, alignments and
//! `_Static_assert` conditions, with C's integer types, conversions and overflow rules
//! (as gcc evaluates them).
//!
//! Only integers: a floating constant, a string or a variable in an expression is an
//! error. `sizeof` and `_Alignof` take type names, never expressions.

use super::error::{ParseError, Pos};
use super::lexer::{Kind, Token};
use super::parser::Parser;
use super::scope::{CType, Ordinary};
use crate::Type;
use crate::clex;

/// An integer constant with its C type after promotion: `int`, `unsigned int`, `long`
/// or `unsigned long` (`long long` is `long`: same width).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Int {
    pub(super) value: i128,
    pub(super) unsigned: bool,
    pub(super) long: bool,
}

/// Whether `value` is representable in the given integer type.
pub(super) fn fits(value: i128, unsigned: bool, long: bool) -> bool {
    let bits = if long { 64 } else { 32 };
    if unsigned {
        (0..1i128 << bits).contains(&value)
    } else {
        (-(1i128 << (bits - 1))..1i128 << (bits - 1)).contains(&value)
    }
}

/// `value` reduced modulo `2^bits` into the signed or unsigned range, as gcc converts.
pub(super) fn wrap(value: i128, bits: u32, unsigned: bool) -> i128 {
    let modulus = 1i128 << bits;
    let v = value.rem_euclid(modulus);
    if !unsigned && v >= modulus / 2 {
        v - modulus
    } else {
        v
    }
}

impl Int {
    /// The `int` 0 or 1 that comparisons and logical operators yield.
    pub(super) fn truth(value: bool) -> Int {
        Int {
            value: i128::from(value),
            unsigned: false,
            long: false,
        }
    }

    pub(super) fn bits(self) -> u32 {
        if self.long { 64 } else { 32 }
    }

    /// `value` converted to the type: unsigned types wrap, and so do signed ones (gcc).
    pub(super) fn converted(value: i128, unsigned: bool, long: bool) -> Int {
        Int {
            value: wrap(value, if long { 64 } else { 32 }, unsigned),
            unsigned,
            long,
        }
    }

    /// The result of arithmetic in the type: unsigned arithmetic wraps, signed overflow
    /// is an error.
    pub(super) fn arithmetic(value: i128, unsigned: bool, long: bool) -> Result<Int, &'static str> {
        if unsigned {
            Ok(Int::converted(value, true, long))
        } else if fits(value, false, long) {
            Ok(Int {
                value,
                unsigned,
                long,
            })
        } else {
            Err("integer overflow in constant expression")
        }
    }

    /// The first of `int`, `unsigned int`, `long`, `unsigned long` holding `value`.
    pub(super) fn fitting(value: i128) -> Int {
        let (unsigned, long) = [(false, false), (true, false), (false, true)]
            .into_iter()
            .find(|&(u, l)| fits(value, u, l))
            .unwrap_or((true, true));
        Int::converted(value, unsigned, long)
    }
}

/// The usual arithmetic conversions, for operands already promoted to at least `int`.
pub(super) fn common_type(a: Int, b: Int) -> (bool, bool) {
    let long = a.long || b.long;
    let unsigned = if a.long == b.long {
        a.unsigned || b.unsigned
    } else if a.long {
        a.unsigned
    } else {
        b.unsigned
    };
    (unsigned, long)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BinOp {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitOr,
    LogAnd,
    LogOr,
}

/// The binary operator spelled `text`, with its precedence (higher binds tighter).
pub(super) fn binary_operator(text: &str) -> Option<(BinOp, u8)> {
    use BinOp::*;
    Some(match text {
        "*" => (Mul, 10),
        "/" => (Div, 10),
        "%" => (Rem, 10),
        "+" => (Add, 9),
        "-" => (Sub, 9),
        "<<" => (Shl, 8),
        ">>" => (Shr, 8),
        "<" => (Lt, 7),
        ">" => (Gt, 7),
        "<=" => (Le, 7),
        ">=" => (Ge, 7),
        "==" => (Eq, 6),
        "!=" => (Ne, 6),
        "&" => (BitAnd, 5),
        "^" => (BitXor, 4),
        "|" => (BitOr, 3),
        "&&" => (LogAnd, 2),
        "||" => (LogOr, 1),
        _ => return None,
    })
}

pub(super) fn binary(op: BinOp, a: Int, b: Int) -> Result<Int, &'static str> {
    use BinOp::*;
    match op {
        LogAnd => return Ok(Int::truth(a.value != 0 && b.value != 0)),
        LogOr => return Ok(Int::truth(a.value != 0 || b.value != 0)),
        // The type of a shift is that of its (promoted) left operand.
        Shl | Shr => {
            let count = u32::try_from(b.value)
                .ok()
                .filter(|&n| n < a.bits())
                .ok_or("shift count out of range")?;
            let value = match (op, a.unsigned) {
                // Below 2^64 shifted by less than 64: exact in a u128, then wrapped.
                (Shl, true) => ((a.value.unsigned_abs() << count) % (1u128 << 64)) as i128,
                (Shl, false) => a
                    .value
                    .checked_mul(1i128 << count)
                    .ok_or("shift overflow")?,
                _ => a.value >> count,
            };
            return Int::arithmetic(value, a.unsigned, a.long);
        }
        _ => {}
    }
    let (unsigned, long) = common_type(a, b);
    let x = Int::converted(a.value, unsigned, long).value;
    let y = Int::converted(b.value, unsigned, long).value;
    let value = match op {
        Add => x.checked_add(y),
        Sub => x.checked_sub(y),
        // Unsigned operands are below 2^64, but their product may not fit an i128.
        Mul if unsigned => {
            Some((x.unsigned_abs().wrapping_mul(y.unsigned_abs()) % (1u128 << 64)) as i128)
        }
        Mul => x.checked_mul(y),
        Div | Rem if y == 0 => return Err("division by zero"),
        Div => x.checked_div(y),
        Rem => x.checked_rem(y),
        Lt => return Ok(Int::truth(x < y)),
        Gt => return Ok(Int::truth(x > y)),
        Le => return Ok(Int::truth(x <= y)),
        Ge => return Ok(Int::truth(x >= y)),
        Eq => return Ok(Int::truth(x == y)),
        Ne => return Ok(Int::truth(x != y)),
        BitAnd => Some(x & y),
        BitXor => Some(x ^ y),
        BitOr => Some(x | y),
        LogAnd | LogOr | Shl | Shr => None,
    };
    Int::arithmetic(
        value.ok_or("integer overflow in constant expression")?,
        unsigned,
        long,
    )
}

/// The value of a number token: an integer constant, with its C type (`long long` is
/// `long`: same width). A floating constant, or one too large for every integer type,
/// is an error.
fn number(tok: Token<'_>) -> Result<Int, ParseError> {
    let constant = match clex::read_number(tok.text).map_err(|e| tok.error(e))? {
        clex::Number::Int(c) => c,
        clex::Number::Float(_) => {
            return Err(ParseError::at(
                tok.pos,
                format!(
                    "floating constant '{}' in an integer constant expression",
                    tok.text
                ),
            ));
        }
    };
    let (unsigned, long) = match constant.c_type() {
        Some(Type::Int) => (false, false),
        Some(Type::UInt) => (true, false),
        Some(Type::Long | Type::LongLong) => (false, true),
        // A `wb` constant of 64 bits or fewer counts as a `long` (clang gives `_BitInt(N)`
        // its own arithmetic; in a width or a size the value is what matters).
        Some(Type::BitInt { signed, .. }) if constant.value <= u64::MAX as u128 => (!signed, true),
        Some(Type::BitInt { .. }) | None => {
            return Err(ParseError::at(
                tok.pos,
                format!("integer constant '{}' is too large", tok.text),
            ));
        }
        Some(_) => (true, true),
    };
    Ok(Int {
        // Below 2^64: every C type's values fit an i128.
        value: constant.value as i128,
        unsigned,
        long,
    })
}

/// The value of a character constant token, promoted: `char16_t` and `u8` constants
/// are `int`s in arithmetic, `char32_t` ones `unsigned int`s.
fn character(tok: Token<'_>) -> Result<Int, ParseError> {
    let c = clex::char_constant(tok.text).map_err(|e| tok.error(e))?;
    Ok(Int {
        value: c.value,
        unsigned: c.ty == Type::UInt,
        long: false,
    })
}

impl Parser<'_, '_> {
    pub(super) fn constant_expression(&mut self) -> Result<Int, ParseError> {
        self.conditional(true)
    }

    /// `live` is false in operands C does not evaluate (`0 && 1/0`): their arithmetic
    /// errors are ignored, their syntax still checked.
    pub(super) fn conditional(&mut self, live: bool) -> Result<Int, ParseError> {
        self.nested(|p| {
            let condition = p.binary(1, live)?;
            if !p.eat("?") {
                return Ok(condition);
            }
            let yes = condition.value != 0;
            // GNU `a ?: b` is `a ? a : b`.
            let then = if p.is(":") {
                condition
            } else {
                p.conditional(live && yes)?
            };
            p.expect(":")?;
            let otherwise = p.conditional(live && !yes)?;
            let (unsigned, long) = common_type(then, otherwise);
            let value = if yes { then.value } else { otherwise.value };
            Ok(Int::converted(value, unsigned, long))
        })
    }

    /// Binary operators by precedence climbing: recursion only for tighter operators.
    /// The operands' own nesting is counted where they nest: a parenthesized operand
    /// by `conditional`, a prefix operator's by `unary`; precedence climbing itself
    /// recurses at most once per precedence level.
    pub(super) fn binary(&mut self, min_precedence: u8, live: bool) -> Result<Int, ParseError> {
        let mut lhs = self.unary_inner(live)?;
        loop {
            let tok = self.tok();
            let Some((op, precedence)) = binary_operator(tok.text)
                .filter(|&(_, p)| p >= min_precedence && tok.kind == Kind::Punct)
            else {
                return Ok(lhs);
            };
            self.bump();
            let rhs_live = match op {
                BinOp::LogAnd => live && lhs.value != 0,
                BinOp::LogOr => live && lhs.value == 0,
                _ => live,
            };
            let rhs = self.binary(precedence + 1, rhs_live)?;
            lhs = match binary(op, lhs, rhs) {
                Ok(value) => value,
                Err(message) if live => return Err(ParseError::at(tok.pos, message)),
                Err(_) => Int::truth(false),
            };
        }
    }

    pub(super) fn unary(&mut self, live: bool) -> Result<Int, ParseError> {
        self.nested(|p| p.unary_inner(live))
    }

    pub(super) fn unary_inner(&mut self, live: bool) -> Result<Int, ParseError> {
        let tok = self.tok();
        match (tok.kind, tok.text) {
            (Kind::Punct, "-" | "+" | "~" | "!") => {
                self.bump();
                let v = self.unary(live)?;
                let result = match tok.text {
                    "-" => Int::arithmetic(-v.value, v.unsigned, v.long),
                    "+" => Ok(v),
                    "~" => Ok(Int::converted(!v.value, v.unsigned, v.long)),
                    _ => Ok(Int::truth(v.value == 0)),
                };
                match result {
                    Ok(value) => Ok(value),
                    Err(message) if live => Err(ParseError::at(tok.pos, message)),
                    Err(_) => Ok(Int::truth(false)),
                }
            }
            (Kind::Punct, "(") if self.is_type_start(self.peek_at(1)) => {
                self.bump();
                let at = self.tok().pos;
                let ty = self.type_name()?;
                self.expect(")")?;
                if self.is("{") {
                    return Err(ParseError::at(
                        tok.pos,
                        "a compound literal is not an integer constant",
                    ));
                }
                let value = self.unary(live)?;
                self.cast(&ty, value, at)
            }
            (Kind::Punct, "(") => {
                self.bump();
                let value = self.conditional(live)?;
                self.expect(")")?;
                Ok(value)
            }
            (Kind::Ident, "sizeof" | "_Alignof" | "__alignof__" | "__alignof" | "alignof") => {
                self.bump();
                if !(self.is("(") && self.is_type_start(self.peek_at(1))) {
                    return Err(ParseError::at(
                        tok.pos,
                        format!("unsupported: {} of an expression (give a type)", tok.text),
                    ));
                }
                self.bump();
                let at = self.tok().pos;
                let ty = self.type_name()?;
                self.expect(")")?;
                let layout = self
                    .scope
                    .resolve(&ty)
                    .map_err(|why| {
                        ParseError::at(
                            at,
                            format!("invalid application of '{}' to {why}", tok.text),
                        )
                    })?
                    .layout()
                    .map_err(|e| ParseError::at(at, e.to_string()))?;
                let value = if tok.text == "sizeof" {
                    layout.size
                } else {
                    layout.align
                };
                Ok(Int {
                    value: i128::from(value),
                    unsigned: true,
                    long: true,
                })
            }
            (Kind::Number, _) => {
                self.bump();
                number(tok)
            }
            (Kind::Char, _) => {
                self.bump();
                character(tok)
            }
            (Kind::Ident, name) => match self.scope.ordinary.get(name) {
                Some(Ordinary::Constant(value)) => {
                    let value = *value;
                    self.bump();
                    Ok(value)
                }
                _ => Err(ParseError::at(
                    tok.pos,
                    format!("'{name}' is not an integer constant"),
                )),
            },
            _ => Err(self.unexpected("an expression")),
        }
    }

    pub(super) fn cast(&self, ty: &CType, value: Int, at: Pos) -> Result<Int, ParseError> {
        let target = self
            .scope
            .resolve(ty)
            .map_err(|why| ParseError::at(at, format!("cast to {why}")))?;
        let narrow = |bits: u32, unsigned: bool| Int {
            value: wrap(value.value, bits, unsigned),
            unsigned: false,
            long: false,
        };
        Ok(match target {
            Type::Bool => Int::truth(value.value != 0),
            Type::Char | Type::SChar => narrow(8, false),
            Type::UChar => narrow(8, true),
            Type::Short => narrow(16, false),
            Type::UShort => narrow(16, true),
            Type::Int => Int::converted(value.value, false, false),
            Type::UInt => Int::converted(value.value, true, false),
            Type::Long | Type::LongLong => Int::converted(value.value, false, true),
            Type::ULong | Type::ULongLong => Int::converted(value.value, true, true),
            Type::Int128 | Type::UInt128 => {
                return Err(ParseError::at(
                    at,
                    "unsupported: __int128 in constant expressions",
                ));
            }
            other => {
                return Err(ParseError::at(
                    at,
                    format!("cast to non-integer type '{other}' in an integer constant"),
                ));
            }
        })
    }
}
