//! The recursive-descent parser's core: the token cursor, the one nesting guard every
//! recursion goes through, and external declarations (typedefs, prototypes,
//! `_Static_assert`), entered into the [`Scope`].
//!
//! Specifiers, records, declarators and constant expressions are read by the `impl
//! Parser` blocks of their own modules.

use super::MAX_NESTING;
use super::catalog::render;
use super::declarator::Ctx;
use super::declarator::Op;
use super::error::{ParseError, Pos};
use super::expr::Int;
use super::lexer::{EOF, Kind, Token, describe};
use super::pragma::PackTable;
use super::scope::{CType, FnType, Ordinary, Scope};
use super::specifiers::{Keyword, is_keyword, keyword};
use crate::clex;
use std::borrow::Cow;

pub(super) struct PendingFunction {
    pub(super) name: String,
    pub(super) pos: Pos,
    pub(super) ty: FnType,
    /// The `__asm__` label, if any: the symbol to look up.
    pub(super) symbol: Option<String>,
    /// Why it cannot be called although its type is fine (`static`, `ms_abi`).
    pub(super) unsupported: Option<String>,
    /// The prototype as C text, without names, attributes or storage classes.
    pub(super) declaration: String,
    /// How it passes 32- and 64-byte vectors: from `__attribute__((target("avx2")))`
    /// and the like, else detected.
    pub(super) vector_abi: crate::abi::VectorAbi,
}

/// A declaration a tolerant parse could not read, skipped with its reason.
pub(super) struct Skipped {
    /// The name it would have declared, as far as the tokens tell.
    pub(super) name: Option<String>,
    /// Whether it looked like a function prototype or definition.
    pub(super) function: bool,
    pub(super) reason: String,
    pub(super) pos: Pos,
    pub(super) declaration: String,
}

/// Words whose parenthesised group is not a parameter list.
fn is_attribute_keyword(word: &str) -> bool {
    matches!(
        word,
        "__attribute__"
            | "__attribute"
            | "__asm__"
            | "__asm"
            | "asm"
            | "typeof"
            | "__typeof"
            | "__typeof__"
            | "_Alignas"
            | "alignas"
    )
}

pub(super) struct Parser<'a, 's> {
    pub(super) tokens: &'a [Token<'a>],
    pub(super) next: usize,
    pub(super) depth: usize,
    pub(super) scope: Cow<'s, Scope>,
    pub(super) functions: Vec<PendingFunction>,
    pub(super) last: Option<usize>,
    /// Reading real headers: what jitcall cannot represent is kept with its reason
    /// instead of failing the whole text, and definitions and initializers are skipped.
    pub(super) tolerant: bool,
    pub(super) skipped: Vec<Skipped>,
    /// `#pragma pack` in effect at each token.
    pub(super) pack: PackTable,
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
            tolerant: false,
            skipped: Vec::new(),
            pack: PackTable::default(),
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
        self.nested_by(1, f)
    }

    /// Runs `f` `levels` nesting levels deeper (see `MAX_NESTING`), or fails if that is
    /// too deep.
    pub(super) fn nested_by<T>(
        &mut self,
        levels: usize,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth + levels > MAX_NESTING {
            return Err(ParseError::at(self.tok().pos, "nesting too deep"));
        }
        self.depth += levels;
        let result = f(self);
        self.depth -= levels;
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
            let start = self.next;
            if let Err(e) = self.external_declaration() {
                if !self.tolerant {
                    return Err(e);
                }
                self.skip_declaration(start, e);
            }
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
        if self.is("__asm__") || self.is("__asm") || self.is("asm") {
            // A top-level `__asm__(".symver ...");` declares nothing.
            self.bump();
            if !self.is("(") {
                return Err(self.unexpected("'('"));
            }
            self.skip_balanced()?;
            return self.end_of_declaration();
        }
        let spec_start = self.next;
        let specs = self.specifiers(Ctx::Named)?;
        let spec_end = self.next;
        if self.eat(";") {
            // `struct s { ... };`, `struct s;`, `enum e { ... };`
            return Ok(());
        }
        loop {
            let declarator_start = self.next;
            let declarator = self.declarator(Ctx::Named)?;
            let declarator_end = self.next;
            let mut attrs = specs.attrs;
            let (trailing, label) = self.trailing_attributes()?;
            attrs.merge(trailing);
            let Some((name, pos)) = declarator.name else {
                return Err(ParseError::at(specs.pos, "declaration without a name"));
            };
            let param_names: Vec<Pos> = match declarator.ops.last() {
                Some(Op::Function { params, .. }) => params
                    .iter()
                    .filter(|p| p.name.is_some())
                    .map(|p| p.pos)
                    .collect(),
                _ => Vec::new(),
            };
            let ty = self.apply(specs.ty.clone(), declarator.ops)?;
            let ty = self.apply_attributes(ty, &attrs)?;
            let definition = self.is("{");
            if specs.typedef {
                let mut ty = ty;
                if let Some((align, at)) = attrs.aligned {
                    ty = if self.tolerant || !matches!(ty, CType::Function(_)) {
                        CType::Aligned(Box::new(ty), align)
                    } else {
                        return Err(ParseError::at(at, "alignment on a function typedef"));
                    };
                }
                if let Some(at) = attrs.packed {
                    ty =
                        self.unsupported_type(at, format!("packed attribute on typedef '{name}'"))?;
                }
                self.define_typedef(name, ty, pos)?;
            } else if let CType::Function(f) = ty {
                let mut unsupported = None;
                if attrs.ms_abi.is_some() {
                    unsupported = Some("unsupported: the ms_abi calling convention".to_string());
                }
                if self.tolerant && specs.is_static {
                    let what = if definition {
                        "static inline"
                    } else {
                        "static"
                    };
                    unsupported = Some(format!("{what} function: it has no symbol to call"));
                }
                let declaration = render(
                    self.tokens,
                    &[(spec_start, spec_end), (declarator_start, declarator_end)],
                    &param_names,
                );
                self.define_function(PendingFunction {
                    name,
                    pos,
                    ty: *f,
                    symbol: label,
                    unsupported,
                    declaration,
                    vector_abi: attrs.target.unwrap_or_default(),
                })?;
            }
            // Objects (`extern int errno;`) are accepted and forgotten: only functions
            // are called.
            if self.is("=") {
                if !self.tolerant {
                    return Err(self.unexpected("';' (initializers are not supported)"));
                }
                self.skip_initializer()?;
            }
            if definition {
                if !self.tolerant {
                    return Err(ParseError::at(
                        self.tok().pos,
                        "function definitions are not supported: end the prototype with ';'",
                    ));
                }
                // An inline definition in a header: the prototype is what counts.
                return self.skip_balanced();
            }
            if !self.eat(",") {
                return self.end_of_declaration();
            }
        }
    }

    /// Skips an initializer, up to the `,` or `;` that ends it.
    fn skip_initializer(&mut self) -> Result<(), ParseError> {
        loop {
            let tok = self.tok();
            match (tok.kind, tok.text) {
                (Kind::Eof, _) | (Kind::Punct, "," | ";") => return Ok(()),
                (Kind::Punct, "(" | "[" | "{") => self.skip_balanced()?,
                _ => {
                    self.bump();
                }
            }
        }
    }

    /// After an error in the declaration that starts at token `start`, when reading
    /// tolerantly: records it with the name it seems to declare, and moves past its end
    /// (its `;`, or the `}` of a function body).
    fn skip_declaration(&mut self, start: usize, error: ParseError) {
        let mut depth = 0usize;
        let mut at = start;
        let mut name = None;
        let mut function = false;
        // Whether the tokens since the last parameter list closed at depth 0 are only
        // attributes: a `{` then opens a function body, which ends the declaration.
        let mut after_params = false;
        let mut group_is_params = false;
        let mut in_body = false;
        // A `;` outside every brace ends the declaration, even inside unbalanced
        // parentheses.
        let mut braces = 0usize;
        let mut previous: Option<Token<'_>> = None;
        while let Some(&tok) = self.tokens.get(at) {
            if tok.kind == Kind::Eof {
                break;
            }
            at += 1;
            let punct = tok.kind == Kind::Punct;
            if punct && tok.text == ";" && braces == 0 {
                break;
            }
            if depth == 0 {
                match (punct, tok.text) {
                    (true, "{") => in_body = after_params,
                    (true, "(") => {
                        let attribute = previous.is_some_and(|p| is_attribute_keyword(p.text));
                        group_is_params = !attribute;
                        if !attribute
                            && previous
                                .is_some_and(|p| p.kind == Kind::Ident && !is_keyword(p.text))
                        {
                            function = true;
                        }
                    }
                    (false, text) if is_attribute_keyword(text) => {}
                    _ => {
                        after_params = false;
                        if tok.kind == Kind::Ident && !is_keyword(tok.text) && !function {
                            name = Some(tok.text.to_string());
                        }
                    }
                }
            }
            if punct {
                match tok.text {
                    "{" => braces += 1,
                    "}" => braces = braces.saturating_sub(1),
                    _ => {}
                }
                match tok.text {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 && tok.text == "}" && in_body {
                            break;
                        }
                        if depth == 0 && tok.text == ")" && group_is_params {
                            after_params = true;
                        }
                    }
                    _ => {}
                }
            }
            previous = Some(tok);
        }
        let end = at.max(start + 1).min(self.tokens.len());
        let declaration = render(self.tokens, &[(start, end)], &[]);
        self.next = end;
        // A struct or enum whose definition the error interrupted stays unusable.
        for record in &mut self.scope.to_mut().records {
            if record.being_defined {
                record.being_defined = false;
                record.unsupported = Some(error.message.clone());
            }
        }
        self.skipped.push(Skipped {
            name,
            function,
            pos: Pos {
                line: error.line,
                column: error.column,
                length: error.length,
            },
            reason: error.message,
            declaration,
        });
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
        scope.typedef_order.push((name.clone(), pos));
        if let CType::Record(id) = ty
            && let Some(record) = scope.records.get_mut(id)
        {
            record.typedef_name.get_or_insert_with(|| name.clone());
        }
        scope.ordinary.insert(name, Ordinary::Typedef(ty));
        Ok(())
    }

    /// Enters a prototype, or checks a redeclaration against the first one.
    pub(super) fn define_function(&mut self, f: PendingFunction) -> Result<(), ParseError> {
        match self.scope.ordinary.get(&f.name) {
            Some(&Ordinary::Function(index)) => {
                let Some(old) = self.functions.get_mut(index) else {
                    return Ok(());
                };
                if old.ty != f.ty {
                    return Err(ParseError::at(
                        f.pos,
                        format!("conflicting types for '{}'", f.name),
                    ));
                }
                // A redeclaration may name parameters the first one left unnamed.
                for (old, new) in old.ty.params.iter_mut().zip(f.ty.params) {
                    if new.name.is_some() {
                        old.name = new.name;
                    }
                }
                if f.symbol.is_some() {
                    old.symbol = f.symbol;
                }
                if old.unsupported.is_none() {
                    old.unsupported = f.unsupported;
                }
                self.last = Some(index);
                Ok(())
            }
            Some(_) => Err(ParseError::at(
                f.pos,
                format!("'{}' redeclared as a different kind of symbol", f.name),
            )),
            None => {
                let index = self.functions.len();
                self.scope
                    .to_mut()
                    .ordinary
                    .insert(f.name.clone(), Ordinary::Function(index));
                self.functions.push(f);
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
