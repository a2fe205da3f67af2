//! Integer constant expressions: the values of array sizes, enumerators, alignments and
//! `_Static_assert` conditions, with C's integer types, conversions and overflow rules
//! (as gcc evaluates them).
//!
//! Only integers: a floating constant, a string or a variable in an expression is an
//! error. `sizeof` and `_Alignof` take type names, never expressions.

use super::error::{ParseError, Pos};
use super::lexer::Kind;
use super::parser::Parser;
use super::scope::{CType, Ordinary};
use crate::Type;

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

/// An integer constant (`42`, `0x1fUL`, `0b101`, `017`), typed as C11 6.4.4.1 says.
pub(super) fn int_literal(text: &str) -> Result<Int, String> {
    let lower = text.to_ascii_lowercase();
    let (radix, body) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower.get(1..).unwrap_or(""))
    } else {
        (10, lower.as_str())
    };
    let end = body
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(body.len());
    let (digits, suffix) = body.split_at_checked(end).unwrap_or((body, ""));
    let float = suffix.contains('.')
        || (radix == 16 && suffix.contains('p'))
        || (radix != 16 && suffix.starts_with('e'));
    if float {
        return Err(format!(
            "floating constant '{text}' in an integer constant expression"
        ));
    }
    let (unsigned, long) = match suffix {
        "" => (false, false),
        "u" => (true, false),
        "l" | "ll" => (false, true),
        "ul" | "lu" | "ull" | "llu" => (true, true),
        _ => return Err(format!("invalid integer constant '{text}'")),
    };
    if digits.is_empty() && radix != 8 {
        return Err(format!("invalid integer constant '{text}'"));
    }
    let too_large = || format!("integer constant '{text}' is too large");
    let mut value: u128 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix).ok_or_else(too_large)?;
        value = value
            .checked_mul(u128::from(radix))
            .and_then(|v| v.checked_add(u128::from(d)))
            .filter(|&v| v <= u128::from(u64::MAX))
            .ok_or_else(too_large)?;
    }
    let value = i128::try_from(value).map_err(|_| too_large())?;
    // The first type of its list that holds the value; gcc makes too-large decimal
    // constants `unsigned long` rather than refusing them.
    let candidates: &[(bool, bool)] = match (unsigned, long, radix == 10) {
        (false, false, true) => &[(false, false), (false, true), (true, true)],
        (false, false, false) => &[(false, false), (true, false), (false, true), (true, true)],
        (true, false, _) => &[(true, false), (true, true)],
        (false, true, _) => &[(false, true), (true, true)],
        (true, true, _) => &[(true, true)],
    };
    candidates
        .iter()
        .find(|&&(u, l)| fits(value, u, l))
        .map(|&(unsigned, long)| Int {
            value,
            unsigned,
            long,
        })
        .ok_or_else(too_large)
}

/// A character constant: `'a'`, `'\n'`, `'\x41'`, `L'é'`. Plain ones have type `int`
/// with the value of a (signed) `char`.
pub(super) fn char_literal(text: &str) -> Result<Int, String> {
    let invalid = || format!("invalid character constant {text}");
    let quote = text.find('\'').ok_or_else(invalid)?;
    let wide = quote > 0 && !text.starts_with("u8");
    let body = text
        .get(quote + 1..text.len().saturating_sub(1))
        .ok_or_else(invalid)?;
    let mut chars = body.chars().peekable();
    let mut values: Vec<u32> = Vec::new();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if !wide && c.len_utf8() > 1 {
                return Err(format!("multi-character character constant {text}"));
            }
            values.push(u32::from(c));
            continue;
        }
        let e = chars.next().ok_or_else(invalid)?;
        let value = match e {
            'n' => 10,
            't' => 9,
            'r' => 13,
            'a' => 7,
            'b' => 8,
            'f' => 12,
            'v' => 11,
            'e' | 'E' => 27,
            '\\' | '\'' | '"' | '?' => u32::from(e),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                v
            }
            'x' | 'u' | 'U' => {
                let mut v: u32 = 0;
                let mut any_digit = false;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(16)) {
                    v = v
                        .checked_mul(16)
                        .and_then(|v| v.checked_add(d))
                        .ok_or_else(|| format!("escape sequence out of range in {text}"))?;
                    chars.next();
                    any_digit = true;
                }
                if !any_digit {
                    return Err(invalid());
                }
                v
            }
            _ => return Err(format!("unknown escape sequence '\\{e}' in {text}")),
        };
        values.push(value);
    }
    let [value] = values[..] else {
        return Err(if values.is_empty() {
            format!("empty character constant {text}")
        } else {
            format!("multi-character character constant {text}")
        });
    };
    if wide {
        return Ok(Int::fitting(i128::from(value)));
    }
    let byte =
        u8::try_from(value).map_err(|_| format!("escape sequence out of range in {text}"))?;
    Ok(Int {
        value: i128::from(byte as i8),
        unsigned: false,
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
    pub(super) fn binary(&mut self, min_precedence: u8, live: bool) -> Result<Int, ParseError> {
        let mut lhs = self.unary(live)?;
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
            (Kind::Number, text) => {
                self.bump();
                int_literal(text).map_err(|message| ParseError::at(tok.pos, message))
            }
            (Kind::Char, text) => {
                self.bump();
                char_literal(text).map_err(|message| ParseError::at(tok.pos, message))
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
