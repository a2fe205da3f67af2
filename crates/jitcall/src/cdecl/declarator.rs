//! Declarators: the pointers, names, array sizes and parameter lists around a base
//! type (`*const *name[3](int)`, `(*)(int)`), applied to it in C's inside-out order.
//!
//! Array sizes of parameters are never evaluated (parameters decay to pointers), and
//! qualifiers after a `*` are skipped.

use super::MAX_DEPTH;
use super::error::{ParseError, Pos};
use super::lexer::Kind;
use super::parser::Parser;
use super::scope::{CType, FnType, Param};
use super::specifiers::{Keyword, keyword};
use std::collections::HashSet;

/// What a declarator must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ctx {
    /// Declares a name: a variable, function, typedef or member.
    Named,
    /// A parameter, named or not; array sizes are not looked at (parameters decay).
    Param,
    /// A type name, as in casts and `sizeof`: no name allowed.
    Abstract,
}

/// One step from a declaration's base type to the declared type.
#[derive(Clone, Debug)]
pub(super) enum Op {
    Pointer,
    Array(Option<u64>, Pos),
    Function {
        params: Vec<Param>,
        variadic: bool,
        pos: Pos,
    },
}

pub(super) struct Declarator {
    pub(super) name: Option<(String, Pos)>,
    /// Applied to the base type in order.
    pub(super) ops: Vec<Op>,
}

impl Parser<'_, '_> {
    pub(super) fn declarator(&mut self, ctx: Ctx) -> Result<Declarator, ParseError> {
        self.nested(|p| p.declarator_inner(ctx))
    }

    /// `* const * name [3] (int)`, `(*name)(int)`, or an abstract `(*)[4]`: pointers,
    /// then a name or a parenthesised declarator, then array and function suffixes.
    pub(super) fn declarator_inner(&mut self, ctx: Ctx) -> Result<Declarator, ParseError> {
        let mut pointers = 0usize;
        while self.eat("*") {
            pointers += 1;
            self.pointer_qualifiers()?;
        }
        let mut name = None;
        let mut inner = None;
        let tok = self.tok();
        if tok.text == "("
            && tok.kind == Kind::Punct
            && (ctx == Ctx::Named || !self.starts_params())
        {
            self.bump();
            self.attributes()?;
            inner = Some(self.declarator(ctx)?);
            self.expect(")")?;
        } else if ctx != Ctx::Abstract {
            name = self.name();
            if name.is_none() && ctx == Ctx::Named {
                return Err(self.unexpected("a name"));
            }
        }
        let mut suffixes = Vec::new();
        loop {
            if self.skip_standard_attributes()? {
                continue;
            }
            if self.is("[") {
                suffixes.push(self.array_suffix(ctx)?);
            } else if self.is("(") {
                suffixes.push(self.params()?);
            } else {
                break;
            }
        }
        // `*a[3]` is an array of pointers: pointers apply first, then suffixes from the
        // innermost (last) out, then whatever the parentheses held.
        let mut ops = vec![Op::Pointer; pointers];
        ops.extend(suffixes.into_iter().rev());
        if let Some(inner) = inner {
            ops.extend(inner.ops);
            name = inner.name;
        }
        Ok(Declarator { name, ops })
    }

    /// Whether the `(` at the current token opens a parameter list rather than a
    /// parenthesised declarator (in `int (int)` versus `int (*)(int)`).
    pub(super) fn starts_params(&self) -> bool {
        let next = self.peek_at(1);
        (next.kind == Kind::Punct && matches!(next.text, ")" | "..."))
            || self.is_type_start(next)
            || matches!(next.text, "_Alignas" | "alignas")
    }

    pub(super) fn pointer_qualifiers(&mut self) -> Result<(), ParseError> {
        loop {
            let tok = self.tok();
            match tok.text {
                word if tok.kind == Kind::Ident && keyword(word) == Some(Keyword::Qualifier) => {
                    self.bump();
                }
                "_Atomic" if tok.kind == Kind::Ident => {
                    return Err(ParseError::at(tok.pos, "unsupported: _Atomic types"));
                }
                "__attribute__" | "__attribute" if tok.kind == Kind::Ident => {
                    let attrs = self.attributes()?;
                    if attrs.packed.is_some() || attrs.aligned.is_some() {
                        return Err(ParseError::at(
                            tok.pos,
                            "unsupported: layout attributes on a pointer type",
                        ));
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    pub(super) fn array_suffix(&mut self, ctx: Ctx) -> Result<Op, ParseError> {
        let open = self.tok();
        if ctx == Ctx::Param {
            // `int a[static 10]`, `int m[][n]`: a parameter array decays to a pointer,
            // so its size never matters.
            self.skip_balanced()?;
            return Ok(Op::Array(None, open.pos));
        }
        self.bump();
        if self.eat("]") {
            return Ok(Op::Array(None, open.pos));
        }
        let at = self.tok().pos;
        let size = self.constant_expression()?;
        self.expect("]")?;
        let size = u64::try_from(size.value)
            .map_err(|_| ParseError::at(at, "size of array is negative"))?;
        Ok(Op::Array(Some(size), open.pos))
    }

    pub(super) fn params(&mut self) -> Result<Op, ParseError> {
        self.nested(|p| {
            let open = p.bump();
            let mut params = Vec::new();
            let mut variadic = false;
            // `f()` is taken as `f(void)`, as C23 does.
            if !p.eat(")") {
                loop {
                    if p.eat("...") {
                        variadic = true;
                        p.expect(")")?;
                        break;
                    }
                    let specs = p.specifiers(Ctx::Param)?;
                    let declarator = p.declarator(Ctx::Param)?;
                    p.attributes()?;
                    let (name, pos) = match declarator.name {
                        Some((name, pos)) => (Some(name), pos),
                        None => (None, specs.pos),
                    };
                    let mut ty = p.apply(specs.ty, declarator.ops)?;
                    if specs.attrs.vector.is_some() {
                        ty = p.apply_attributes(ty, &specs.attrs)?;
                    }
                    params.push(Param {
                        name,
                        ty: ty.decay(),
                        pos,
                    });
                    if !p.eat(",") {
                        p.expect(")")?;
                        break;
                    }
                }
            }
            if let [only] = &params[..]
                && only.ty == CType::Void
                && only.name.is_none()
                && !variadic
            {
                params.clear();
            }
            let mut names = HashSet::new();
            if let Some(param) = params
                .iter()
                .find(|p| p.name.as_ref().is_some_and(|n| !names.insert(n)))
            {
                return Err(ParseError::at(
                    param.pos,
                    format!(
                        "redefinition of parameter '{}'",
                        param.name.as_deref().unwrap_or_default()
                    ),
                ));
            }
            if let Some(param) = params.iter().find(|p| p.ty == CType::Void) {
                return Err(ParseError::at(
                    param.pos,
                    "'void' must be the only parameter, and unnamed",
                ));
            }
            Ok(Op::Function {
                params,
                variadic,
                pos: open.pos,
            })
        })
    }

    /// Applies a declarator's steps to its base type.
    pub(super) fn apply(&self, mut ty: CType, ops: Vec<Op>) -> Result<CType, ParseError> {
        for op in ops {
            ty = match op {
                Op::Pointer => CType::Pointer {
                    to_char: ty.is_char(),
                },
                Op::Array(size, pos) => match ty {
                    CType::Function(_) => {
                        return Err(ParseError::at(pos, "array of functions"));
                    }
                    CType::Void => return Err(ParseError::at(pos, "array of 'void'")),
                    elem if self.scope.depth_of(&elem) >= MAX_DEPTH => {
                        return Err(ParseError::at(pos, "type nested too deeply"));
                    }
                    elem => CType::Array(Box::new(elem), size),
                },
                Op::Function {
                    params,
                    variadic,
                    pos,
                } => match ty {
                    CType::Array(..) => {
                        return Err(ParseError::at(pos, "function returning an array"));
                    }
                    CType::Function(_) => {
                        return Err(ParseError::at(pos, "function returning a function"));
                    }
                    ret => CType::Function(Box::new(FnType {
                        ret,
                        params,
                        variadic,
                    })),
                },
            };
        }
        Ok(ty)
    }

    /// A type name, as in a cast or `sizeof`: `unsigned long`, `struct s *`,
    /// `int (*)(int)`.
    pub(super) fn type_name(&mut self) -> Result<CType, ParseError> {
        let specs = self.specifiers(Ctx::Abstract)?;
        let declarator = self.declarator(Ctx::Abstract)?;
        let ty = self.apply(specs.ty, declarator.ops)?;
        if specs.attrs.vector.is_none() {
            return Ok(ty);
        }
        self.apply_attributes(ty, &specs.attrs)
    }
}
