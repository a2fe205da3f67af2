//! The recursive-descent parser's core: the token cursor, the one nesting guard every
//! recursion goes through, and external declarations (typedefs, prototypes,
//! `_Static_assert`), entered into the [`Scope`].
//!
//! Specifiers, records, declarators and constant expressions are read by the `impl
//! Parser` blocks of their own modules.

use super::MAX_NESTING;
use super::declarator::Ctx;
use super::error::{ParseError, Pos};
use super::expr::Int;
use super::lexer::{EOF, Kind, Token, describe};
use super::scope::{CType, FnType, Ordinary, Scope};
use super::specifiers::{Keyword, is_keyword, keyword};
use crate::clex;
use std::borrow::Cow;

pub(super) struct PendingFunction {
    pub(super) name: String,
    pub(super) pos: Pos,
    pub(super) ty: FnType,
}

pub(super) struct Parser<'a, 's> {
    pub(super) tokens: &'a [Token<'a>],
    pub(super) next: usize,
    pub(super) depth: usize,
    pub(super) scope: Cow<'s, Scope>,
    pub(super) functions: Vec<PendingFunction>,
    pub(super) last: Option<usize>,
}

impl<'a, 's> Parser<'a, 's> {
    pub(super) fn new(tokens: &'a [Token<'a>], scope: Cow<'s, Scope>) -> Self {
        Parser {
            tokens,
            next: 0,
            depth: 0,
            scope,
            functions: Vec::new(),
            last: None,
        }
    }

    // --- tokens ------------------------------------------------------------------------

    pub(super) fn peek_at(&self, n: usize) -> Token<'a> {
        self.tokens
            .get(self.next.saturating_add(n))
            .or_else(|| self.tokens.last())
            .copied()
            .unwrap_or(EOF)
    }

    pub(super) fn tok(&self) -> Token<'a> {
        self.peek_at(0)
    }

    pub(super) fn bump(&mut self) -> Token<'a> {
        let tok = self.tok();
        if tok.kind != Kind::Eof {
            self.next += 1;
        }
        tok
    }

    pub(super) fn is(&self, text: &str) -> bool {
        let tok = self.tok();
        tok.kind != Kind::Eof && tok.text == text
    }

    pub(super) fn eat(&mut self, text: &str) -> bool {
        let found = self.is(text);
        if found {
            self.bump();
        }
        found
    }

    pub(super) fn unexpected(&self, wanted: &str) -> ParseError {
        let tok = self.tok();
        ParseError::at(
            tok.pos,
            format!("expected {wanted} but found {}", describe(tok)),
        )
    }

    pub(super) fn expect(&mut self, text: &str) -> Result<Token<'a>, ParseError> {
        if self.is(text) {
            Ok(self.bump())
        } else {
            Err(self.unexpected(&format!("'{text}'")))
        }
    }

    /// A declaration's closing `;`, which may be left out at the very end of the text
    /// (`"double pow(double, double)"`).
    pub(super) fn end_of_declaration(&mut self) -> Result<(), ParseError> {
        if self.tok().kind == Kind::Eof || self.eat(";") {
            Ok(())
        } else {
            Err(self.unexpected("';'"))
        }
    }

    /// Runs `f` one nesting level deeper, or fails if that is too deep.
    pub(super) fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(ParseError::at(self.tok().pos, "nesting too deep"));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    pub(super) fn is_type_start(&self, tok: Token<'_>) -> bool {
        tok.kind == Kind::Ident
            && (keyword(tok.text).is_some_and(Keyword::starts_type)
                || self.scope.is_typedef_name(tok.text))
    }

    /// An identifier that can name something (not a keyword), consumed.
    pub(super) fn name(&mut self) -> Option<(String, Pos)> {
        let tok = self.tok();
        if tok.kind == Kind::Ident && !is_keyword(tok.text) {
            self.bump();
            Some((tok.text.to_string(), tok.pos))
        } else {
            None
        }
    }

    // --- declarations ------------------------------------------------------------------

    pub(super) fn translation_unit(&mut self) -> Result<(), ParseError> {
        while self.tok().kind != Kind::Eof {
            self.external_declaration()?;
        }
        Ok(())
    }

    pub(super) fn external_declaration(&mut self) -> Result<(), ParseError> {
        if self.eat(";") {
            return Ok(());
        }
        if self.is("_Static_assert") || self.is("static_assert") {
            return self.static_assert();
        }
        let specs = self.specifiers(Ctx::Named)?;
        if self.eat(";") {
            // `struct s { ... };`, `struct s;`, `enum e { ... };`
            return Ok(());
        }
        loop {
            let declarator = self.declarator(Ctx::Named)?;
            let mut attrs = specs.attrs;
            attrs.merge(self.trailing_attributes()?);
            let Some((name, pos)) = declarator.name else {
                return Err(ParseError::at(specs.pos, "declaration without a name"));
            };
            let ty = self.apply(specs.ty.clone(), declarator.ops)?;
            if specs.typedef {
                if let Some((_, at)) = attrs.aligned {
                    return Err(ParseError::at(
                        at,
                        format!("unsupported: alignment on typedef '{name}'"),
                    ));
                }
                if let Some(at) = attrs.packed {
                    return Err(ParseError::at(
                        at,
                        format!("unsupported: packed attribute on typedef '{name}'"),
                    ));
                }
                self.define_typedef(name, ty, pos)?;
            } else if let CType::Function(f) = ty {
                self.define_function(name, *f, pos)?;
            }
            // Objects (`extern int errno;`) are accepted and forgotten: only functions
            // are called.
            if self.is("=") {
                return Err(self.unexpected("';' (initializers are not supported)"));
            }
            if self.is("{") {
                return Err(ParseError::at(
                    self.tok().pos,
                    "function definitions are not supported: end the prototype with ';'",
                ));
            }
            if !self.eat(",") {
                return self.end_of_declaration();
            }
        }
    }

    pub(super) fn static_assert(&mut self) -> Result<(), ParseError> {
        let keyword = self.bump();
        self.expect("(")?;
        let value = self.constant_expression()?;
        let mut message = String::new();
        if self.eat(",") {
            // Adjacent strings concatenate; the message shows what they spell.
            while self.tok().kind == Kind::Str {
                let tok = self.bump();
                let string = clex::string_literal(tok.text).map_err(|e| tok.error(e))?;
                message.push_str(&string.to_text());
            }
        }
        self.expect(")")?;
        if value.value == 0 {
            let mut what = "static assertion failed".to_string();
            if !message.is_empty() {
                what = format!("{what}: {message}");
            }
            return Err(ParseError::at(keyword.pos, what));
        }
        self.end_of_declaration()
    }

    pub(super) fn define_typedef(
        &mut self,
        name: String,
        ty: CType,
        pos: Pos,
    ) -> Result<(), ParseError> {
        match self.scope.ordinary.get(&name) {
            Some(Ordinary::Typedef(old)) if *old == ty => return Ok(()),
            Some(Ordinary::Typedef(_)) => {
                return Err(ParseError::at(
                    pos,
                    format!("conflicting types for typedef '{name}'"),
                ));
            }
            Some(_) => {
                return Err(ParseError::at(
                    pos,
                    format!("'{name}' redeclared as a different kind of symbol"),
                ));
            }
            None => {}
        }
        let scope = self.scope.to_mut();
        if let CType::Record(id) = ty
            && let Some(record) = scope.records.get_mut(id)
        {
            record.typedef_name.get_or_insert_with(|| name.clone());
        }
        scope.ordinary.insert(name, Ordinary::Typedef(ty));
        Ok(())
    }

    pub(super) fn define_function(
        &mut self,
        name: String,
        ty: FnType,
        pos: Pos,
    ) -> Result<(), ParseError> {
        match self.scope.ordinary.get(&name) {
            Some(&Ordinary::Function(index)) => {
                let Some(old) = self.functions.get_mut(index) else {
                    return Ok(());
                };
                if old.ty != ty {
                    return Err(ParseError::at(
                        pos,
                        format!("conflicting types for '{name}'"),
                    ));
                }
                // A redeclaration may name parameters the first one left unnamed.
                for (old, new) in old.ty.params.iter_mut().zip(ty.params) {
                    if new.name.is_some() {
                        old.name = new.name;
                    }
                }
                self.last = Some(index);
                Ok(())
            }
            Some(_) => Err(ParseError::at(
                pos,
                format!("'{name}' redeclared as a different kind of symbol"),
            )),
            None => {
                let index = self.functions.len();
                self.scope
                    .to_mut()
                    .ordinary
                    .insert(name.clone(), Ordinary::Function(index));
                self.functions.push(PendingFunction { name, pos, ty });
                self.last = Some(index);
                Ok(())
            }
        }
    }

    pub(super) fn define_constant(
        &mut self,
        name: String,
        value: Int,
        pos: Pos,
    ) -> Result<(), ParseError> {
        match self.scope.ordinary.get(&name) {
            Some(Ordinary::Constant(_)) => Err(ParseError::at(
                pos,
                format!("redefinition of enumerator '{name}'"),
            )),
            Some(_) => Err(ParseError::at(
                pos,
                format!("'{name}' redeclared as a different kind of symbol"),
            )),
            None => {
                self.scope
                    .to_mut()
                    .ordinary
                    .insert(name, Ordinary::Constant(value));
                Ok(())
            }
        }
    }

    /// Skips from an opening bracket to its match.
    pub(super) fn skip_balanced(&mut self) -> Result<(), ParseError> {
        let open = self.tok();
        let mut depth = 0usize;
        loop {
            let tok = self.bump();
            if tok.kind == Kind::Eof {
                return Err(ParseError::at(
                    open.pos,
                    format!("{} is never closed", describe(open)),
                ));
            }
            if tok.kind == Kind::Punct {
                match tok.text {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Ok(());
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
