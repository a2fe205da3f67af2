//! C declarations in, jitcall [`Type`]s and [`Signature`]s out.
//!
//! This is how users (and the command line) describe functions: the way C headers do.
//! Typedefs, struct / union / enum definitions and prototypes are read into a
//! [`Declarations`]; each prototype becomes a [`FunctionDecl`] whose [`Signature`] is
//! ready to call, and each struct is laid out by [`Type::layout`], exactly as gcc would.
//!
//! ```
//! use jitcall::{Declarations, Signature, Type};
//!
//! let pow: Signature = "double pow(double, double)".parse()?;
//! assert_eq!(pow, Signature::new(Type::Double, [Type::Double, Type::Double]));
//!
//! let decls = Declarations::parse(
//!     "typedef struct { int x, y; } point;
//!      long label(point p, const char *text, ...);",
//! )?;
//! let label = decls.last_function().unwrap();
//! assert_eq!(label.name, "label");
//! assert!(label.signature.is_variadic());
//! assert_eq!(label.params_c_string, [false, true]);
//! # Ok::<(), jitcall::ParseError>(())
//! ```
//!
//! It is deliberately **not a validating C parser**. It reads declarations, never
//! statements, and the only expressions it evaluates are integer constant expressions
//! (array sizes, enumerator values, alignments, `_Static_assert`). It does not run the
//! preprocessor: `#` lines are skipped, so macros must already be expanded. It accepts
//! some text a C compiler rejects (qualifiers are ignored, the sizes of array parameters
//! are never looked at, redeclarations are compared only as far as the call is
//! concerned), and it rejects, with a message starting with "unsupported", the shapes
//! jitcall cannot pass yet: bit-fields, vector types, `_Float16`, `_Float128`, decimal
//! floats, `_BitInt`, `_Atomic`, packed enums, alignment on typedefs.
//!
//! The parser is a tokenizer that records positions, then recursive descent; every
//! recursion goes through one depth guard, so hostile input gets an error, never a stack
//! overflow, and no input makes it panic.

use crate::{Field, Signature, Type};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

/// How deeply declarators, struct bodies, parameter lists, expressions and types may
/// nest. Deeper input is an error rather than a stack overflow.
const MAX_DEPTH: usize = 256;

/// How deeply the parser itself may recurse (nested declarators, struct bodies,
/// parameter lists, expressions). Debug builds spend up to about 12 KiB of stack per
/// level, so 100 levels fit in a 2 MiB thread, Rust's default for spawned threads, and
/// still exceed every nesting limit the C standard asks compilers to support (63).
/// A count, not a measure of stack addresses: those mislead under sanitizers, whose
/// "fake stacks" put locals far from the real stack (found by `cargo fuzz`).
const MAX_NESTING: usize = 100;

/// gcc's `__BIGGEST_ALIGNMENT__` on x86-64 without AVX: what a bare
/// `__attribute__((aligned))` means.
const BIGGEST_ALIGNMENT: u64 = 16;

/// The largest alignment gcc accepts on ELF targets.
const MAX_ALIGNMENT: u64 = 1 << 28;

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// Why some C text could not be read, and where.
///
/// Messages are short and lower-case, in the style of gcc's (`unknown type name 'foo'`,
/// `expected ')' but found 'x'`); those for valid C that jitcall cannot handle yet start
/// with "unsupported".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseError {
    /// 1-based line of the offending text.
    pub line: usize,
    /// 1-based column of the offending text, counted in characters.
    pub column: usize,
    /// How many characters the offending token spans (at least 1), for underlining.
    pub length: usize,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    fn at(pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError {
            line: pos.line,
            column: pos.column,
            length: pos.length.max(1),
            message: message.into(),
        }
    }

    /// The error for a human: the message, then the offending line of `source` (the
    /// text that was parsed) with a caret under the offending token.
    ///
    /// ```
    /// let src = "int f(void);\nvoid g(foo x);";
    /// let err = jitcall::Declarations::parse(src).unwrap_err();
    /// assert_eq!(
    ///     err.render(src),
    ///     "line 2, column 8: unknown type name 'foo'\n  \
    ///        2 | void g(foo x);\n    \
    ///          |        ^~~"
    /// );
    /// ```
    pub fn render(&self, source: &str) -> String {
        let mut out = self.to_string();
        let Some(text) = source.split('\n').nth(self.line.saturating_sub(1)) else {
            return out;
        };
        let text = text.strip_suffix('\r').unwrap_or(text);
        let gutter = format!("  {} | ", self.line);
        let blank = format!("{:width$}| ", "", width = gutter.len().saturating_sub(2));
        // Keep tabs so the caret lines up however the terminal expands them.
        let pad: String = text
            .chars()
            .take(self.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let left = text
            .chars()
            .count()
            .saturating_sub(self.column.saturating_sub(1));
        let tildes = self.length.min(left).saturating_sub(1);
        out.push('\n');
        out.push_str(&gutter);
        out.push_str(text);
        out.push('\n');
        out.push_str(&blank);
        out.push_str(&pad);
        out.push('^');
        out.extend(std::iter::repeat_n('~', tildes));
        out
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

/// Where a token starts, and how many characters it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
    length: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Identifiers and keywords alike: keywords are recognised by the parser.
    Ident,
    /// A preprocessing number (`42`, `0x1fUL`, `1.5e3`), interpreted only when needed.
    Number,
    /// A character constant, quotes and prefix included.
    Char,
    /// A string literal, quotes and prefix included.
    Str,
    Punct,
    Eof,
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    pos: Pos,
}

const EOF: Token<'static> = Token {
    kind: Kind::Eof,
    text: "",
    pos: Pos {
        line: 1,
        column: 1,
        length: 1,
    },
};

/// Two-character punctuators; anything else is one character (or `...`).
const PUNCT2: [&str; 20] = [
    "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "++", "--", "##", "+=", "-=", "*=", "/=",
    "%=", "&=", "|=", "^=",
];
const PUNCT1: &str = "()[]{},;*=:?+-/%<>!~&|^.#";

fn describe(tok: Token<'_>) -> String {
    if tok.kind == Kind::Eof {
        return "end of input".to_string();
    }
    let mut text: String = tok.text.chars().take(32).collect();
    if text.len() < tok.text.len() {
        text.push_str("...");
    }
    format!("'{text}'")
}

struct Lexer<'a> {
    src: &'a str,
    at: usize,
    line: usize,
    column: usize,
    /// Only whitespace (or comments) since the last newline: a `#` here starts a
    /// preprocessor line.
    line_start: bool,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.at..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
            self.line_start = true;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn here(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
            length: 1,
        }
    }

    /// A backslash-newline splice (`\` then `\n` or `\r\n`), consumed if present.
    fn splice(&mut self) -> bool {
        let len = match (self.peek(), self.peek_nth(1), self.peek_nth(2)) {
            (Some('\\'), Some('\n'), _) => 2,
            (Some('\\'), Some('\r'), Some('\n')) => 3,
            _ => return false,
        };
        let line_start = self.line_start;
        for _ in 0..len {
            self.bump();
        }
        self.line_start = line_start;
        true
    }

    fn block_comment(&mut self) -> Result<(), ParseError> {
        let start = self.here();
        self.bump();
        self.bump();
        loop {
            match self.bump() {
                None => return Err(ParseError::at(start, "unterminated comment")),
                Some('*') if self.peek() == Some('/') => {
                    self.bump();
                    return Ok(());
                }
                Some(_) => {}
            }
        }
    }

    /// Skips whitespace, comments and preprocessor lines.
    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match (self.peek(), self.peek_nth(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('\\'), _) if self.splice() => {}
                (Some('/'), Some('*')) => self.block_comment()?,
                (Some('/'), Some('/')) => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('#'), _) if self.line_start => loop {
                    match (self.peek(), self.peek_nth(1)) {
                        (None | Some('\n'), _) => break,
                        (Some('\\'), _) if self.splice() => {}
                        (Some('/'), Some('*')) => self.block_comment()?,
                        _ => {
                            self.bump();
                        }
                    }
                },
                _ => return Ok(()),
            }
        }
    }

    /// The rest of a character constant or string literal whose opening quote was just
    /// consumed.
    fn quoted(&mut self, quote: char, start: Pos) -> Result<(), ParseError> {
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(ParseError::at(
                        start,
                        format!("missing terminating {quote} character"),
                    ));
                }
                Some('\\') => {
                    self.bump();
                }
                Some(c) if c == quote => return Ok(()),
                Some(_) => {}
            }
        }
    }

    fn token(&mut self) -> Result<Token<'a>, ParseError> {
        self.skip_trivia()?;
        let start = self.at;
        let mut pos = self.here();
        let Some(c) = self.peek() else {
            return Ok(Token { pos, ..EOF });
        };
        let ident_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
        let kind = if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            while self.peek().is_some_and(ident_char) {
                self.bump();
            }
            let prefix = self.src.get(start..self.at).unwrap_or("");
            match self.peek() {
                Some(q @ ('\'' | '"')) if matches!(prefix, "L" | "u" | "U" | "u8") => {
                    self.bump();
                    self.quoted(q, pos)?;
                    if q == '\'' { Kind::Char } else { Kind::Str }
                }
                _ => Kind::Ident,
            }
        } else if c.is_ascii_digit()
            || (c == '.' && self.peek_nth(1).is_some_and(|d| d.is_ascii_digit()))
        {
            // A preprocessing number: digits, letters, dots, and signs after exponents.
            self.bump();
            while let Some(d) = self.peek() {
                if !(ident_char(d) || d == '.') {
                    break;
                }
                self.bump();
                if matches!(d, 'e' | 'E' | 'p' | 'P') && matches!(self.peek(), Some('+' | '-')) {
                    self.bump();
                }
            }
            Kind::Number
        } else if c == '\'' || c == '"' {
            self.bump();
            self.quoted(c, pos)?;
            if c == '\'' { Kind::Char } else { Kind::Str }
        } else {
            let rest = self.rest();
            let len = if rest.starts_with("...") {
                3
            } else if PUNCT2.iter().any(|p| rest.starts_with(p)) {
                2
            } else if PUNCT1.contains(c) {
                1
            } else {
                return Err(ParseError::at(
                    pos,
                    format!("unexpected character '{}'", c.escape_debug()),
                ));
            };
            for _ in 0..len {
                self.bump();
            }
            Kind::Punct
        };
        let text = self.src.get(start..self.at).unwrap_or("");
        pos.length = text.chars().count().max(1);
        self.line_start = false;
        Ok(Token { kind, text, pos })
    }
}

/// Splits C text into tokens, skipping comments and preprocessor lines. The last token
/// is always [`Kind::Eof`].
fn lex(src: &str) -> Result<Vec<Token<'_>>, ParseError> {
    let mut lexer = Lexer {
        src,
        at: 0,
        line: 1,
        column: 1,
        line_start: true,
    };
    let mut tokens = Vec::new();
    loop {
        let tok = lexer.token()?;
        tokens.push(tok);
        if tok.kind == Kind::Eof {
            return Ok(tokens);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The parser's type model
// ---------------------------------------------------------------------------------------

/// A C type as the parser sees it: richer than [`Type`] (functions, `void`, incomplete
/// structs and arrays of unknown size exist here), poorer where calls do not care (every
/// pointer is just a pointer, remembering only whether it points to a character type).
#[derive(Clone, Debug, PartialEq, Eq)]
enum CType {
    Void,
    /// An arithmetic type.
    Scalar(Type),
    Pointer {
        to_char: bool,
    },
    /// A struct, union, enum or opaque type, by index in [`Scope::records`]: it may be
    /// completed after it is first named.
    Record(usize),
    Array(Box<CType>, Option<u64>),
    Function(Box<FnType>),
}

impl CType {
    fn is_char(&self) -> bool {
        matches!(self, CType::Scalar(Type::Char | Type::SChar | Type::UChar))
    }

    /// How a parameter of this type is passed: arrays and functions as pointers.
    fn decay(self) -> CType {
        match self {
            CType::Array(elem, _) => CType::Pointer {
                to_char: elem.is_char(),
            },
            CType::Function(_) => CType::Pointer { to_char: false },
            other => other,
        }
    }
}

#[derive(Clone, Debug)]
struct FnType {
    ret: CType,
    params: Vec<Param>,
    variadic: bool,
}

/// Two function types are the same when calls see them the same: names do not count.
impl PartialEq for FnType {
    fn eq(&self, other: &FnType) -> bool {
        self.ret == other.ret
            && self.variadic == other.variadic
            && self.params.len() == other.params.len()
            && self
                .params
                .iter()
                .zip(&other.params)
                .all(|(a, b)| a.ty == b.ty)
    }
}

impl Eq for FnType {}

#[derive(Clone, Debug)]
struct Param {
    name: Option<String>,
    ty: CType,
    pos: Pos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RecordKind {
    Struct,
    Union,
    Enum,
    /// A type known only by name, like `FILE`: usable only through pointers.
    Opaque,
}

#[derive(Clone, Debug)]
struct Record {
    kind: RecordKind,
    tag: Option<String>,
    /// The first typedef naming this record, to name anonymous structs in messages.
    typedef_name: Option<String>,
    pos: Pos,
    /// `None` while incomplete.
    ty: Option<Type>,
    /// How many aggregate and array levels the type nests.
    depth: usize,
    being_defined: bool,
}

impl Record {
    fn display_name(&self) -> String {
        let keyword = match self.kind {
            RecordKind::Struct => "struct",
            RecordKind::Union => "union",
            RecordKind::Enum => "enum",
            RecordKind::Opaque => return self.tag.clone().unwrap_or_default(),
        };
        match (&self.tag, &self.typedef_name) {
            (Some(tag), _) => format!("{keyword} {tag}"),
            (None, Some(name)) => name.clone(),
            (None, None) => format!(
                "{keyword} (anonymous at line {}, column {})",
                self.pos.line, self.pos.column
            ),
        }
    }
}

/// What an ordinary identifier (not a tag, not a member) stands for.
#[derive(Clone, Debug)]
enum Ordinary {
    Typedef(CType),
    Constant(Int),
    /// Index of the function's declaration.
    Function(usize),
}

const FILE_RECORD: usize = 0;
const VA_LIST_RECORD: usize = 1;

/// Everything declared so far: the symbol tables [`Declarations::parse_type`] reuses.
#[derive(Clone, Debug)]
struct Scope {
    records: Vec<Record>,
    tags: HashMap<String, usize>,
    ordinary: HashMap<String, Ordinary>,
    /// Completed structs and unions in the order their definitions end.
    aggregates: Vec<usize>,
}

/// The typedefs every declaration can use without including a header, with their
/// glibc x86-64 meanings.
const BUILTIN_TYPEDEFS: &[&str] = &[
    "int8_t",
    "uint8_t",
    "int16_t",
    "uint16_t",
    "int32_t",
    "uint32_t",
    "int64_t",
    "uint64_t",
    "intmax_t",
    "uintmax_t",
    "intptr_t",
    "uintptr_t",
    "size_t",
    "ssize_t",
    "ptrdiff_t",
    "off_t",
    "time_t",
    "wchar_t",
    "wint_t",
    "char16_t",
    "char32_t",
    "__int128_t",
    "__uint128_t",
    "FILE",
    "va_list",
    "__gnuc_va_list",
    "__builtin_va_list",
];

fn builtin_typedef(name: &str) -> Option<CType> {
    let scalar = match name {
        "int8_t" => Type::SChar,
        "uint8_t" => Type::UChar,
        "int16_t" => Type::Short,
        "uint16_t" | "char16_t" => Type::UShort,
        "int32_t" | "wchar_t" => Type::Int,
        "uint32_t" | "wint_t" | "char32_t" => Type::UInt,
        "int64_t" | "intmax_t" | "intptr_t" | "ssize_t" | "ptrdiff_t" | "off_t" | "time_t" => {
            Type::Long
        }
        "uint64_t" | "uintmax_t" | "uintptr_t" | "size_t" => Type::ULong,
        "__int128_t" => Type::Int128,
        "__uint128_t" => Type::UInt128,
        "FILE" => return Some(CType::Record(FILE_RECORD)),
        // x86-64's `va_list` is `struct __va_list_tag[1]`: a pointer as a parameter.
        "va_list" | "__gnuc_va_list" | "__builtin_va_list" => {
            return Some(CType::Array(
                Box::new(CType::Record(VA_LIST_RECORD)),
                Some(1),
            ));
        }
        _ => return None,
    };
    Some(CType::Scalar(scalar))
}

impl Scope {
    fn new() -> Scope {
        let pos = Pos {
            line: 1,
            column: 1,
            length: 1,
        };
        let va_list_tag = Type::build_struct()
            .tag("__va_list_tag")
            .field("gp_offset", Type::UInt)
            .field("fp_offset", Type::UInt)
            .field("overflow_arg_area", Type::Pointer)
            .field("reg_save_area", Type::Pointer)
            .finish();
        Scope {
            records: vec![
                Record {
                    kind: RecordKind::Opaque,
                    tag: Some("FILE".to_string()),
                    typedef_name: None,
                    pos,
                    ty: None,
                    depth: 0,
                    being_defined: false,
                },
                Record {
                    kind: RecordKind::Struct,
                    tag: Some("__va_list_tag".to_string()),
                    typedef_name: None,
                    pos,
                    ty: Some(va_list_tag),
                    depth: 1,
                    being_defined: false,
                },
            ],
            tags: HashMap::new(),
            ordinary: HashMap::new(),
            aggregates: Vec::new(),
        }
    }

    fn is_typedef_name(&self, name: &str) -> bool {
        match self.ordinary.get(name) {
            Some(Ordinary::Typedef(_)) => true,
            Some(_) => false,
            None => builtin_typedef(name).is_some(),
        }
    }

    fn lookup_typedef(&self, name: &str) -> Option<CType> {
        match self.ordinary.get(name) {
            Some(Ordinary::Typedef(ty)) => Some(ty.clone()),
            Some(_) => None,
            None => builtin_typedef(name),
        }
    }

    fn record_name(&self, id: usize) -> String {
        self.records
            .get(id)
            .map_or_else(String::new, Record::display_name)
    }

    fn depth_of(&self, ty: &CType) -> usize {
        match ty {
            CType::Array(elem, _) => self.depth_of(elem).saturating_add(1),
            CType::Record(id) => self.records.get(*id).map_or(0, |r| r.depth),
            _ => 0,
        }
    }

    /// The complete object type, or why there is none ("incomplete type 'struct s'").
    fn resolve(&self, ty: &CType) -> Result<Type, String> {
        match ty {
            CType::Void => Err("type 'void'".to_string()),
            CType::Scalar(t) => Ok(t.clone()),
            CType::Pointer { .. } => Ok(Type::Pointer),
            CType::Record(id) => match self.records.get(*id) {
                Some(Record { ty: Some(t), .. }) => Ok(t.clone()),
                _ => Err(format!("incomplete type '{}'", self.record_name(*id))),
            },
            CType::Array(elem, Some(n)) => Ok(Type::array(self.resolve(elem)?, *n)),
            CType::Array(_, None) => Err("incomplete array type".to_string()),
            CType::Function(_) => Err("function type".to_string()),
        }
    }

    fn function_decl(&self, f: PendingFunction) -> Result<FunctionDecl, ParseError> {
        let ret = match &f.ty.ret {
            CType::Void => Type::Void,
            ty => self.resolve(ty).map_err(|why| {
                ParseError::at(f.pos, format!("function '{}' returns {why}", f.name))
            })?,
        };
        let mut params = Vec::with_capacity(f.ty.params.len());
        for (i, p) in f.ty.params.iter().enumerate() {
            let ty = self.resolve(&p.ty).map_err(|why| {
                let which = match &p.name {
                    Some(name) => format!("'{name}'"),
                    None => (i + 1).to_string(),
                };
                ParseError::at(
                    p.pos,
                    format!("parameter {which} of '{}' has {why}", f.name),
                )
            })?;
            params.push(ty);
        }
        let signature = if f.ty.variadic {
            Signature::variadic(ret, params, [])
        } else {
            Signature::new(ret, params)
        };
        signature
            .validate()
            .map_err(|e| ParseError::at(f.pos, format!("'{}': {e}", f.name)))?;
        let c_string = |ty: &CType| matches!(ty, CType::Pointer { to_char: true });
        Ok(FunctionDecl {
            name: f.name,
            signature,
            param_names: f.ty.params.iter().map(|p| p.name.clone()).collect(),
            ret_is_c_string: c_string(&f.ty.ret),
            params_c_string: f.ty.params.iter().map(|p| c_string(&p.ty)).collect(),
        })
    }
}

// ---------------------------------------------------------------------------------------
// Integer constants
// ---------------------------------------------------------------------------------------

/// An integer constant with its C type after promotion: `int`, `unsigned int`, `long`
/// or `unsigned long` (`long long` is `long`: same width).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Int {
    value: i128,
    unsigned: bool,
    long: bool,
}

/// Whether `value` is representable in the given integer type.
fn fits(value: i128, unsigned: bool, long: bool) -> bool {
    let bits = if long { 64 } else { 32 };
    if unsigned {
        (0..1i128 << bits).contains(&value)
    } else {
        (-(1i128 << (bits - 1))..1i128 << (bits - 1)).contains(&value)
    }
}

/// `value` reduced modulo `2^bits` into the signed or unsigned range, as gcc converts.
fn wrap(value: i128, bits: u32, unsigned: bool) -> i128 {
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
    fn truth(value: bool) -> Int {
        Int {
            value: i128::from(value),
            unsigned: false,
            long: false,
        }
    }

    fn bits(self) -> u32 {
        if self.long { 64 } else { 32 }
    }

    /// `value` converted to the type: unsigned types wrap, and so do signed ones (gcc).
    fn converted(value: i128, unsigned: bool, long: bool) -> Int {
        Int {
            value: wrap(value, if long { 64 } else { 32 }, unsigned),
            unsigned,
            long,
        }
    }

    /// The result of arithmetic in the type: unsigned arithmetic wraps, signed overflow
    /// is an error.
    fn arithmetic(value: i128, unsigned: bool, long: bool) -> Result<Int, &'static str> {
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
    fn fitting(value: i128) -> Int {
        let (unsigned, long) = [(false, false), (true, false), (false, true)]
            .into_iter()
            .find(|&(u, l)| fits(value, u, l))
            .unwrap_or((true, true));
        Int::converted(value, unsigned, long)
    }
}

/// The usual arithmetic conversions, for operands already promoted to at least `int`.
fn common_type(a: Int, b: Int) -> (bool, bool) {
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
enum BinOp {
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
fn binary_operator(text: &str) -> Option<(BinOp, u8)> {
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

fn binary(op: BinOp, a: Int, b: Int) -> Result<Int, &'static str> {
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
fn int_literal(text: &str) -> Result<Int, String> {
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
fn char_literal(text: &str) -> Result<Int, String> {
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

// ---------------------------------------------------------------------------------------
// Declaration specifiers
// ---------------------------------------------------------------------------------------

/// What the parser does with a reserved word. Every keyword has exactly one role, given
/// by [`keyword`]; none of them is ever a declarator's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    /// A type specifier, read by its own rule in `specifiers` (`int`, `struct`,
    /// `_Float32`), or refused there (`_Atomic`, `typeof`).
    Type,
    /// A type qualifier: starts a type, changes nothing a call sees, skipped among the
    /// specifiers and after a `*`.
    Qualifier,
    /// `__extension__`, gcc's marker for a declaration that uses an extension: starts a
    /// type and is skipped among the specifiers, but is no qualifier (never after a `*`).
    Extension,
    /// A storage class or function specifier: changes nothing a call sees, skipped among
    /// the specifiers, but does not start a type (`static`, `inline`).
    Storage,
    /// Anything else that can never name a declared thing: handled where it may appear
    /// (`typedef`, `sizeof`, `__attribute__`), an error elsewhere.
    Other,
}

impl Keyword {
    /// Whether a declaration can begin with this keyword.
    fn starts_type(self) -> bool {
        matches!(self, Self::Type | Self::Qualifier | Self::Extension)
    }

    /// Whether `specifiers` skips this keyword as changing nothing a call sees.
    fn is_ignored_specifier(self) -> bool {
        matches!(self, Self::Qualifier | Self::Extension | Self::Storage)
    }
}

/// The one list of reserved words (a word listed twice is an unreachable pattern, which
/// the build refuses).
fn keyword(word: &str) -> Option<Keyword> {
    Some(match word {
        "void" | "_Bool" | "bool" | "char" | "short" | "int" | "long" | "signed" | "__signed"
        | "__signed__" | "unsigned" | "float" | "double" | "_Complex" | "__complex"
        | "__complex__" | "__int128" | "struct" | "union" | "enum" | "_Atomic" | "_Float16"
        | "_Float32" | "_Float64" | "_Float128" | "_Float32x" | "_Float64x" | "_Float128x"
        | "__float128" | "__float80" | "__ibm128" | "__bf16" | "_Decimal32" | "_Decimal64"
        | "_Decimal128" | "_BitInt" | "typeof" | "__typeof" | "__typeof__" | "typeof_unqual" => {
            Keyword::Type
        }
        "const" | "__const" | "__const__" | "volatile" | "__volatile" | "__volatile__"
        | "restrict" | "__restrict" | "__restrict__" | "_Nonnull" | "_Nullable"
        | "_Null_unspecified" => Keyword::Qualifier,
        "__extension__" => Keyword::Extension,
        "extern" | "static" | "auto" | "register" | "inline" | "__inline" | "__inline__"
        | "_Noreturn" | "_Thread_local" | "thread_local" | "__thread" | "constexpr" => {
            Keyword::Storage
        }
        "typedef" | "sizeof" | "_Alignof" | "__alignof__" | "__alignof" | "alignof"
        | "_Alignas" | "alignas" | "_Static_assert" | "static_assert" | "__attribute__"
        | "__attribute" | "__asm__" | "__asm" | "asm" | "return" | "if" | "while" | "for" => {
            Keyword::Other
        }
        _ => return None,
    })
}

fn is_keyword(word: &str) -> bool {
    keyword(word).is_some()
}

/// The type keywords of one declaration, counted (`long long` is two `long`s).
#[derive(Clone, Copy, Debug, Default)]
struct TypeWords {
    void: u8,
    bool_: u8,
    char_: u8,
    short: u8,
    int: u8,
    long: u8,
    signed: u8,
    unsigned: u8,
    float: u8,
    double: u8,
    complex: u8,
    int128: u8,
}

impl TypeWords {
    /// Counts `word` if it is a type keyword (`None` if it is not one).
    fn add(&mut self, word: &str) -> Option<Result<(), String>> {
        let (count, limit) = match word {
            "void" => (&mut self.void, 1),
            "_Bool" | "bool" => (&mut self.bool_, 1),
            "char" => (&mut self.char_, 1),
            "short" => (&mut self.short, 1),
            "int" => (&mut self.int, 1),
            "long" => (&mut self.long, 2),
            "signed" | "__signed" | "__signed__" => (&mut self.signed, 1),
            "unsigned" => (&mut self.unsigned, 1),
            "float" => (&mut self.float, 1),
            "double" => (&mut self.double, 1),
            "_Complex" | "__complex" | "__complex__" => (&mut self.complex, 1),
            "__int128" => (&mut self.int128, 1),
            _ => return None,
        };
        if *count >= limit {
            return Some(Err(if word == "long" {
                "'long long long' is too long".to_string()
            } else {
                format!("duplicate '{word}'")
            }));
        }
        *count += 1;
        Some(Ok(()))
    }

    fn is_empty(&self) -> bool {
        self.void
            + self.bool_
            + self.char_
            + self.short
            + self.int
            + self.long
            + self.signed
            + self.unsigned
            + self.float
            + self.double
            + self.complex
            + self.int128
            == 0
    }

    /// The type these keywords spell together, in any order (`long unsigned int`).
    fn resolve(&self) -> Result<CType, String> {
        let w = self;
        let invalid = || Err("invalid combination of type specifiers".to_string());
        if w.signed > 0 && w.unsigned > 0 {
            return Err("both 'signed' and 'unsigned' in one type".to_string());
        }
        let unsigned = w.unsigned > 0;
        let sign = w.signed + w.unsigned;
        let integer_words = w.char_ + w.short + w.int + w.int128 + w.bool_ + w.void;
        if w.float + w.double + w.complex > 0 {
            if w.complex > 0 && w.float + w.double == 0 && integer_words + sign + w.long > 0 {
                return Err("unsupported: complex integer types".to_string());
            }
            if integer_words + sign > 0
                || w.float + w.double > 1
                || w.long > 1
                || (w.long > 0 && w.double == 0)
            {
                return invalid();
            }
            // `_Complex` alone means `double _Complex`, as in gcc.
            let base = if w.float > 0 {
                Type::Float
            } else if w.long > 0 {
                Type::LongDouble
            } else {
                Type::Double
            };
            return Ok(CType::Scalar(if w.complex > 0 {
                Type::complex(base)
            } else {
                base
            }));
        }
        let rest = |n: u8| integer_words + sign + w.long - n;
        if w.void > 0 {
            return if rest(w.void) == 0 {
                Ok(CType::Void)
            } else {
                invalid()
            };
        }
        if w.bool_ > 0 {
            return if rest(w.bool_) == 0 {
                Ok(CType::Scalar(Type::Bool))
            } else {
                invalid()
            };
        }
        let ty = if w.char_ > 0 {
            if rest(w.char_ + sign) > 0 {
                return invalid();
            }
            match (w.signed > 0, unsigned) {
                (true, _) => Type::SChar,
                (_, true) => Type::UChar,
                _ => Type::Char,
            }
        } else if w.int128 > 0 {
            if rest(w.int128 + sign) > 0 {
                return invalid();
            }
            if unsigned {
                Type::UInt128
            } else {
                Type::Int128
            }
        } else if w.short > 0 {
            if w.long > 0 {
                return invalid();
            }
            if unsigned { Type::UShort } else { Type::Short }
        } else {
            match (w.long, unsigned) {
                (0, false) => Type::Int,
                (0, true) => Type::UInt,
                (1, false) => Type::Long,
                (1, true) => Type::ULong,
                (_, false) => Type::LongLong,
                (_, true) => Type::ULongLong,
            }
        };
        Ok(CType::Scalar(ty))
    }
}

/// `__attribute__`s and alignment specifiers that matter for layout.
#[derive(Clone, Copy, Debug, Default)]
struct Attrs {
    packed: Option<Pos>,
    aligned: Option<(u64, Pos)>,
}

impl Attrs {
    /// Alignment attributes only ever raise alignment.
    fn raise(&mut self, align: u64, pos: Pos) {
        if self.aligned.is_none_or(|(a, _)| align > a) {
            self.aligned = Some((align, pos));
        }
    }

    fn merge(&mut self, other: Attrs) {
        if other.packed.is_some() {
            self.packed = other.packed;
        }
        if let Some((align, pos)) = other.aligned {
            self.raise(align, pos);
        }
    }
}

struct DeclSpecs {
    ty: CType,
    typedef: bool,
    /// Attributes among the specifiers: they apply to each declarator.
    attrs: Attrs,
    /// A struct or union without tag, defined right here: without a declarator it is a
    /// C11 anonymous member.
    anonymous_record: bool,
    pos: Pos,
}

/// What a declarator must look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    /// Declares a name: a variable, function, typedef or member.
    Named,
    /// A parameter, named or not; array sizes are not looked at (parameters decay).
    Param,
    /// A type name, as in casts and `sizeof`: no name allowed.
    Abstract,
}

/// One step from a declaration's base type to the declared type.
#[derive(Clone, Debug)]
enum Op {
    Pointer,
    Array(Option<u64>, Pos),
    Function {
        params: Vec<Param>,
        variadic: bool,
        pos: Pos,
    },
}

struct Declarator {
    name: Option<(String, Pos)>,
    /// Applied to the base type in order.
    ops: Vec<Op>,
}

struct Member {
    name: Option<String>,
    ty: CType,
    attrs: Attrs,
    pos: Pos,
}

struct PendingFunction {
    name: String,
    pos: Pos,
    ty: FnType,
}

// ---------------------------------------------------------------------------------------
// The parser
// ---------------------------------------------------------------------------------------

struct Parser<'a, 's> {
    tokens: &'a [Token<'a>],
    next: usize,
    depth: usize,
    scope: Cow<'s, Scope>,
    functions: Vec<PendingFunction>,
    last: Option<usize>,
}

impl<'a, 's> Parser<'a, 's> {
    fn new(tokens: &'a [Token<'a>], scope: Cow<'s, Scope>) -> Self {
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

    fn peek_at(&self, n: usize) -> Token<'a> {
        self.tokens
            .get(self.next.saturating_add(n))
            .or_else(|| self.tokens.last())
            .copied()
            .unwrap_or(EOF)
    }

    fn tok(&self) -> Token<'a> {
        self.peek_at(0)
    }

    fn bump(&mut self) -> Token<'a> {
        let tok = self.tok();
        if tok.kind != Kind::Eof {
            self.next += 1;
        }
        tok
    }

    fn is(&self, text: &str) -> bool {
        let tok = self.tok();
        tok.kind != Kind::Eof && tok.text == text
    }

    fn eat(&mut self, text: &str) -> bool {
        let found = self.is(text);
        if found {
            self.bump();
        }
        found
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        let tok = self.tok();
        ParseError::at(
            tok.pos,
            format!("expected {wanted} but found {}", describe(tok)),
        )
    }

    fn expect(&mut self, text: &str) -> Result<Token<'a>, ParseError> {
        if self.is(text) {
            Ok(self.bump())
        } else {
            Err(self.unexpected(&format!("'{text}'")))
        }
    }

    /// A declaration's closing `;`, which may be left out at the very end of the text
    /// (`"double pow(double, double)"`).
    fn end_of_declaration(&mut self) -> Result<(), ParseError> {
        if self.tok().kind == Kind::Eof || self.eat(";") {
            Ok(())
        } else {
            Err(self.unexpected("';'"))
        }
    }

    /// Runs `f` one nesting level deeper, or fails if that is too deep.
    fn nested<T>(
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

    fn is_type_start(&self, tok: Token<'_>) -> bool {
        tok.kind == Kind::Ident
            && (keyword(tok.text).is_some_and(Keyword::starts_type)
                || self.scope.is_typedef_name(tok.text))
    }

    /// An identifier that can name something (not a keyword), consumed.
    fn name(&mut self) -> Option<(String, Pos)> {
        let tok = self.tok();
        if tok.kind == Kind::Ident && !is_keyword(tok.text) {
            self.bump();
            Some((tok.text.to_string(), tok.pos))
        } else {
            None
        }
    }

    // --- declarations ------------------------------------------------------------------

    fn translation_unit(&mut self) -> Result<(), ParseError> {
        while self.tok().kind != Kind::Eof {
            self.external_declaration()?;
        }
        Ok(())
    }

    fn external_declaration(&mut self) -> Result<(), ParseError> {
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

    fn static_assert(&mut self) -> Result<(), ParseError> {
        let keyword = self.bump();
        self.expect("(")?;
        let value = self.constant_expression()?;
        let mut message = String::new();
        if self.eat(",") {
            while self.tok().kind == Kind::Str {
                let text = self.bump().text;
                let inner = text
                    .find('"')
                    .and_then(|q| text.get(q + 1..text.len().saturating_sub(1)));
                message.push_str(inner.unwrap_or(""));
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

    fn define_typedef(&mut self, name: String, ty: CType, pos: Pos) -> Result<(), ParseError> {
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

    fn define_function(&mut self, name: String, ty: FnType, pos: Pos) -> Result<(), ParseError> {
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

    fn define_constant(&mut self, name: String, value: Int, pos: Pos) -> Result<(), ParseError> {
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

    // --- specifiers --------------------------------------------------------------------

    fn specifiers(&mut self, ctx: Ctx) -> Result<DeclSpecs, ParseError> {
        let first = self.tok();
        let mut words = TypeWords::default();
        let mut named: Option<CType> = None;
        let mut typedef = false;
        let mut attrs = Attrs::default();
        let mut anonymous_record = false;
        loop {
            let tok = self.tok();
            if tok.kind != Kind::Ident {
                break;
            }
            let have_type = named.is_some() || !words.is_empty();
            let two_types =
                || ParseError::at(tok.pos, "two or more data types in declaration specifiers");
            match tok.text {
                "typedef" => {
                    if ctx != Ctx::Named {
                        return Err(ParseError::at(tok.pos, "'typedef' is not allowed here"));
                    }
                    typedef = true;
                    self.bump();
                }
                "_Atomic" => {
                    return Err(ParseError::at(tok.pos, "unsupported: _Atomic types"));
                }
                word if keyword(word).is_some_and(Keyword::is_ignored_specifier) => {
                    self.bump();
                }
                "__attribute__" | "__attribute" => attrs.merge(self.attributes()?),
                "_Alignas" | "alignas" => {
                    if let Some(align) = self.alignas()? {
                        attrs.raise(align, tok.pos);
                    }
                }
                "struct" | "union" | "enum" => {
                    if have_type {
                        return Err(two_types());
                    }
                    let (ty, anonymous, extra) = if tok.text == "enum" {
                        self.enum_specifier()?
                    } else {
                        self.record_specifier()?
                    };
                    named = Some(ty);
                    anonymous_record = anonymous;
                    attrs.merge(extra);
                }
                "_Float32" | "_Float64" | "_Float32x" | "_Float64x" => {
                    if have_type {
                        return Err(two_types());
                    }
                    // Interchange types with the same format as these C types.
                    named = Some(CType::Scalar(match tok.text {
                        "_Float32" => Type::Float,
                        "_Float64x" => Type::LongDouble,
                        _ => Type::Double,
                    }));
                    self.bump();
                }
                "_Float16" | "_Float128" | "_Float128x" | "__float128" | "__float80"
                | "__ibm128" | "__bf16" | "_Decimal32" | "_Decimal64" | "_Decimal128"
                | "_BitInt" => {
                    return Err(ParseError::at(
                        tok.pos,
                        format!("unsupported: type '{}'", tok.text),
                    ));
                }
                "typeof" | "__typeof" | "__typeof__" | "typeof_unqual" => {
                    return Err(ParseError::at(tok.pos, "unsupported: typeof"));
                }
                word => match words.add(word) {
                    Some(Ok(())) => {
                        if named.is_some() {
                            return Err(two_types());
                        }
                        self.bump();
                    }
                    Some(Err(message)) => return Err(ParseError::at(tok.pos, message)),
                    None if have_type || is_keyword(word) => break,
                    None => match self.scope.lookup_typedef(word) {
                        Some(ty) => {
                            named = Some(ty);
                            self.bump();
                        }
                        None => {
                            return Err(ParseError::at(
                                tok.pos,
                                format!("unknown type name '{word}'"),
                            ));
                        }
                    },
                },
            }
        }
        let ty = match named {
            Some(ty) => ty,
            None if words.is_empty() => return Err(self.unexpected("a type")),
            None => words
                .resolve()
                .map_err(|message| ParseError::at(first.pos, message))?,
        };
        Ok(DeclSpecs {
            ty,
            typedef,
            attrs,
            anonymous_record,
            pos: first.pos,
        })
    }

    /// `__attribute__((...))` lists, any number of them. Layout attributes are kept,
    /// attributes that change the ABI are refused, all others skipped.
    fn attributes(&mut self) -> Result<Attrs, ParseError> {
        let mut attrs = Attrs::default();
        while self.is("__attribute__") || self.is("__attribute") {
            self.bump();
            self.expect("(")?;
            self.expect("(")?;
            loop {
                if self.eat(",") {
                    continue;
                }
                if self.is(")") {
                    break;
                }
                let tok = self.tok();
                if tok.kind != Kind::Ident {
                    return Err(self.unexpected("an attribute name"));
                }
                self.bump();
                let name = tok
                    .text
                    .strip_prefix("__")
                    .and_then(|n| n.strip_suffix("__"))
                    .unwrap_or(tok.text);
                let unsupported =
                    |what: &str| Err(ParseError::at(tok.pos, format!("unsupported: {what}")));
                match name {
                    "packed" => attrs.packed = Some(tok.pos),
                    "aligned" => {
                        let align = if self.eat("(") {
                            let at = self.tok().pos;
                            let value = self.constant_expression()?;
                            self.expect(")")?;
                            alignment(value, at)?
                        } else {
                            BIGGEST_ALIGNMENT
                        };
                        attrs.raise(align, tok.pos);
                    }
                    "vector_size" | "ext_vector_type" => {
                        return unsupported("vector types (vector_size attribute)");
                    }
                    "mode" => return unsupported("the mode attribute"),
                    "ms_abi" => return unsupported("the ms_abi calling convention"),
                    "transparent_union" => return unsupported("transparent unions"),
                    "scalar_storage_order" => return unsupported("scalar_storage_order"),
                    _ => {}
                }
                if self.is("(") {
                    self.skip_balanced()?;
                }
            }
            self.expect(")")?;
            self.expect(")")?;
        }
        Ok(attrs)
    }

    /// Attributes and `__asm__("symbol")` labels after a declarator.
    fn trailing_attributes(&mut self) -> Result<Attrs, ParseError> {
        let mut attrs = Attrs::default();
        loop {
            if self.is("__attribute__") || self.is("__attribute") {
                attrs.merge(self.attributes()?);
            } else if self.is("__asm__") || self.is("__asm") || self.is("asm") {
                self.bump();
                if !self.is("(") {
                    return Err(self.unexpected("'('"));
                }
                self.skip_balanced()?;
            } else {
                return Ok(attrs);
            }
        }
    }

    /// Skips from an opening bracket to its match.
    fn skip_balanced(&mut self) -> Result<(), ParseError> {
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

    /// `_Alignas(N)` or `_Alignas(type)`; `_Alignas(0)` has no effect.
    fn alignas(&mut self) -> Result<Option<u64>, ParseError> {
        self.bump();
        self.expect("(")?;
        let at = self.tok();
        let align = if self.is_type_start(at) {
            let ty = self.type_name()?;
            let ty = self.scope.resolve(&ty).map_err(|why| {
                ParseError::at(
                    at.pos,
                    format!("invalid application of '_Alignas' to {why}"),
                )
            })?;
            let layout = ty
                .layout()
                .map_err(|e| ParseError::at(at.pos, e.to_string()))?;
            Some(layout.align)
        } else {
            let value = self.constant_expression()?;
            if value.value == 0 {
                None
            } else {
                Some(alignment(value, at.pos)?)
            }
        };
        self.expect(")")?;
        Ok(align)
    }

    fn record_specifier(&mut self) -> Result<(CType, bool, Attrs), ParseError> {
        let keyword = self.bump();
        let kind = if keyword.text == "struct" {
            RecordKind::Struct
        } else {
            RecordKind::Union
        };
        let mut attrs = self.attributes()?;
        let tag = self.name();
        if !self.is("{") {
            let Some((tag, pos)) = tag else {
                return Err(self.unexpected(&format!("'{{' or a tag after '{}'", keyword.text)));
            };
            let id = self.declare_tag(kind, tag, pos)?;
            // Attributes on a mere reference belong to what is being declared.
            return Ok((CType::Record(id), false, attrs));
        }
        let anonymous = tag.is_none();
        let id = self.define_tag(kind, tag, keyword.pos)?;
        let members = self.nested(|p| p.members())?;
        attrs.merge(self.attributes()?);
        self.finish_record(id, kind, members, attrs)?;
        Ok((CType::Record(id), anonymous, Attrs::default()))
    }

    /// The record a tag names, created incomplete if it is new.
    fn declare_tag(
        &mut self,
        kind: RecordKind,
        tag: String,
        pos: Pos,
    ) -> Result<usize, ParseError> {
        if let Some(&id) = self.scope.tags.get(&tag) {
            return match self.scope.records.get(id) {
                Some(record) if record.kind != kind => Err(ParseError::at(
                    pos,
                    format!("'{tag}' defined as wrong kind of tag"),
                )),
                _ => Ok(id),
            };
        }
        let scope = self.scope.to_mut();
        let id = scope.records.len();
        scope.records.push(Record {
            kind,
            tag: Some(tag.clone()),
            typedef_name: None,
            pos,
            ty: None,
            depth: 0,
            being_defined: false,
        });
        scope.tags.insert(tag, id);
        Ok(id)
    }

    /// The record a definition is about to complete.
    fn define_tag(
        &mut self,
        kind: RecordKind,
        tag: Option<(String, Pos)>,
        keyword: Pos,
    ) -> Result<usize, ParseError> {
        let (id, pos) = match tag {
            Some((tag, pos)) => {
                let id = self.declare_tag(kind, tag, pos)?;
                if let Some(record) = self.scope.records.get(id)
                    && (record.ty.is_some() || record.being_defined)
                {
                    return Err(ParseError::at(
                        pos,
                        format!("redefinition of '{}'", record.display_name()),
                    ));
                }
                (id, pos)
            }
            None => {
                let scope = self.scope.to_mut();
                scope.records.push(Record {
                    kind,
                    tag: None,
                    typedef_name: None,
                    pos: keyword,
                    ty: None,
                    depth: 0,
                    being_defined: false,
                });
                (scope.records.len() - 1, keyword)
            }
        };
        if let Some(record) = self.scope.to_mut().records.get_mut(id) {
            record.being_defined = true;
            record.pos = pos;
        }
        Ok(id)
    }

    fn members(&mut self) -> Result<Vec<Member>, ParseError> {
        self.expect("{")?;
        let mut members = Vec::new();
        while !self.eat("}") {
            if self.tok().kind == Kind::Eof {
                return Err(self.unexpected("'}'"));
            }
            if self.eat(";") {
                continue;
            }
            if self.is("_Static_assert") || self.is("static_assert") {
                self.static_assert()?;
                continue;
            }
            let specs = self.specifiers(Ctx::Named)?;
            if specs.typedef {
                return Err(ParseError::at(
                    specs.pos,
                    "typedef inside a struct or union",
                ));
            }
            if self.eat(";") {
                // Only a tagless struct or union without a declarator is a member (C11
                // anonymous member); `struct t { ... };` inside merely declares `t`.
                if specs.anonymous_record {
                    members.push(Member {
                        name: None,
                        ty: specs.ty,
                        attrs: specs.attrs,
                        pos: specs.pos,
                    });
                }
                continue;
            }
            loop {
                if self.is(":") {
                    return Err(ParseError::at(self.tok().pos, "unsupported: bit-fields"));
                }
                let declarator = self.declarator(Ctx::Named)?;
                let mut attrs = specs.attrs;
                attrs.merge(self.trailing_attributes()?);
                let Some((name, pos)) = declarator.name else {
                    return Err(ParseError::at(specs.pos, "member without a name"));
                };
                if self.is(":") {
                    return Err(ParseError::at(
                        self.tok().pos,
                        format!("unsupported: bit-field '{name}'"),
                    ));
                }
                let ty = self.apply(specs.ty.clone(), declarator.ops)?;
                members.push(Member {
                    name: Some(name),
                    ty,
                    attrs,
                    pos,
                });
                if self.eat(",") {
                    continue;
                }
                // gcc accepts a missing ';' before the closing brace.
                if !self.is("}") {
                    self.expect(";")?;
                }
                break;
            }
        }
        Ok(members)
    }

    fn finish_record(
        &mut self,
        id: usize,
        kind: RecordKind,
        members: Vec<Member>,
        attrs: Attrs,
    ) -> Result<(), ParseError> {
        let (tag, pos) = match self.scope.records.get(id) {
            Some(record) => (record.tag.clone(), record.pos),
            None => (None, EOF.pos),
        };
        let mut builder = if kind == RecordKind::Union {
            Type::build_union()
        } else {
            Type::build_struct()
        };
        if let Some(tag) = tag {
            builder = builder.tag(tag);
        }
        let packed = attrs.packed.is_some();
        let mut depth = 1usize;
        let count = members.len();
        let mut names = HashSet::new();
        for (i, member) in members.into_iter().enumerate() {
            let what = match &member.name {
                Some(name) => format!("field '{name}'"),
                None => "anonymous member".to_string(),
            };
            if let Some(name) = &member.name
                && !names.insert(name.clone())
            {
                return Err(ParseError::at(
                    member.pos,
                    format!("duplicate member '{name}'"),
                ));
            }
            let ty = match member.ty {
                // A flexible array member is laid out as gcc lays out `[0]`.
                CType::Array(elem, None) if i + 1 == count && kind == RecordKind::Struct => {
                    CType::Array(elem, Some(0))
                }
                other => other,
            };
            depth = depth.max(self.scope.depth_of(&ty).saturating_add(1));
            let resolved = match &ty {
                CType::Function(_) => Err(format!("{what} declared as a function")),
                _ => self
                    .scope
                    .resolve(&ty)
                    .map_err(|why| format!("{what} has {why}")),
            };
            let ty = resolved.map_err(|message| ParseError::at(member.pos, message))?;
            if let Some(at) = member.attrs.packed {
                // `Field` can raise a member's alignment but not lower it.
                let natural = ty.layout().map_or(0, |l| l.align);
                if !packed && natural != 1 {
                    return Err(ParseError::at(
                        at,
                        format!("unsupported: packed attribute on the single {what}"),
                    ));
                }
            }
            builder = builder.member(Field {
                name: member.name,
                ty,
                align: member.attrs.aligned.map(|(a, _)| a),
            });
        }
        if packed {
            builder = builder.packed();
        }
        if let Some((align, _)) = attrs.aligned {
            builder = builder.aligned(align);
        }
        let ty = builder.finish();
        if depth > MAX_DEPTH {
            return Err(ParseError::at(pos, "type nested too deeply"));
        }
        ty.layout()
            .map_err(|e| ParseError::at(pos, e.to_string()))?;
        let scope = self.scope.to_mut();
        if let Some(record) = scope.records.get_mut(id) {
            record.ty = Some(ty);
            record.depth = depth;
            record.being_defined = false;
        }
        scope.aggregates.push(id);
        Ok(())
    }

    fn enum_specifier(&mut self) -> Result<(CType, bool, Attrs), ParseError> {
        let keyword = self.bump();
        let mut attrs = self.attributes()?;
        let tag = self.name();
        // C23 `enum e : unsigned char { ... }`; a ':' followed by anything else is a
        // bit-field width, refused by the caller.
        let mut fixed = None;
        if self.is(":") && self.is_type_start(self.peek_at(1)) {
            self.bump();
            let at = self.tok().pos;
            let specs = self.specifiers(Ctx::Abstract)?;
            match specs.ty {
                CType::Scalar(ty)
                    if ty.is_integer() && !matches!(ty, Type::Int128 | Type::UInt128) =>
                {
                    fixed = Some(ty);
                }
                _ => {
                    return Err(ParseError::at(
                        at,
                        "the underlying type of an enum must be an integer type",
                    ));
                }
            }
        }
        if !self.is("{") {
            let Some((tag, pos)) = tag else {
                return Err(self.unexpected("'{' or a tag after 'enum'"));
            };
            let id = self.declare_tag(RecordKind::Enum, tag, pos)?;
            return Ok((CType::Record(id), false, attrs));
        }
        let id = self.define_tag(RecordKind::Enum, tag, keyword.pos)?;
        let open = self.bump();
        let (mut min, mut max) = (0i128, 0i128);
        let mut previous: Option<i128> = None;
        while !self.eat("}") {
            let Some((name, pos)) = self.name() else {
                return Err(self.unexpected("an enumerator name"));
            };
            self.attributes()?;
            let value = if self.eat("=") {
                self.constant_expression()?.value
            } else {
                previous.map_or(0, |v| v.saturating_add(1))
            };
            if !(i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&value) {
                return Err(ParseError::at(
                    pos,
                    format!("enumerator value for '{name}' is too large"),
                ));
            }
            if let Some(ty) = &fixed
                && !fits_type(value, ty)
            {
                return Err(ParseError::at(
                    pos,
                    format!("enumerator value {value} is outside the range of '{ty}'"),
                ));
            }
            if previous.is_none() {
                (min, max) = (value, value);
            }
            min = min.min(value);
            max = max.max(value);
            previous = Some(value);
            self.define_constant(name, Int::fitting(value), pos)?;
            if !self.eat(",") {
                self.expect("}")?;
                break;
            }
        }
        if previous.is_none() {
            return Err(ParseError::at(open.pos, "empty enum"));
        }
        attrs.merge(self.attributes()?);
        if let Some(at) = attrs.packed {
            return Err(ParseError::at(at, "unsupported: packed enums"));
        }
        if let Some((_, at)) = attrs.aligned {
            return Err(ParseError::at(at, "unsupported: aligned enums"));
        }
        let ty = match fixed {
            Some(ty) => ty,
            None => enum_type(min, max).ok_or_else(|| {
                ParseError::at(keyword.pos, "enumerator values do not fit one integer type")
            })?,
        };
        if let Some(record) = self.scope.to_mut().records.get_mut(id) {
            record.ty = Some(ty);
            record.being_defined = false;
        }
        Ok((CType::Record(id), false, Attrs::default()))
    }

    // --- declarators -------------------------------------------------------------------

    fn declarator(&mut self, ctx: Ctx) -> Result<Declarator, ParseError> {
        self.nested(|p| p.declarator_inner(ctx))
    }

    /// `* const * name [3] (int)`, `(*name)(int)`, or an abstract `(*)[4]`: pointers,
    /// then a name or a parenthesised declarator, then array and function suffixes.
    fn declarator_inner(&mut self, ctx: Ctx) -> Result<Declarator, ParseError> {
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
    fn starts_params(&self) -> bool {
        let next = self.peek_at(1);
        (next.kind == Kind::Punct && matches!(next.text, ")" | "..."))
            || self.is_type_start(next)
            || matches!(next.text, "_Alignas" | "alignas")
    }

    fn pointer_qualifiers(&mut self) -> Result<(), ParseError> {
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

    fn array_suffix(&mut self, ctx: Ctx) -> Result<Op, ParseError> {
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

    fn params(&mut self) -> Result<Op, ParseError> {
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
                    let ty = p.apply(specs.ty, declarator.ops)?;
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
    fn apply(&self, mut ty: CType, ops: Vec<Op>) -> Result<CType, ParseError> {
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
    fn type_name(&mut self) -> Result<CType, ParseError> {
        let specs = self.specifiers(Ctx::Abstract)?;
        let declarator = self.declarator(Ctx::Abstract)?;
        self.apply(specs.ty, declarator.ops)
    }

    // --- constant expressions ----------------------------------------------------------

    fn constant_expression(&mut self) -> Result<Int, ParseError> {
        self.conditional(true)
    }

    /// `live` is false in operands C does not evaluate (`0 && 1/0`): their arithmetic
    /// errors are ignored, their syntax still checked.
    fn conditional(&mut self, live: bool) -> Result<Int, ParseError> {
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
    fn binary(&mut self, min_precedence: u8, live: bool) -> Result<Int, ParseError> {
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

    fn unary(&mut self, live: bool) -> Result<Int, ParseError> {
        self.nested(|p| p.unary_inner(live))
    }

    fn unary_inner(&mut self, live: bool) -> Result<Int, ParseError> {
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

    fn cast(&self, ty: &CType, value: Int, at: Pos) -> Result<Int, ParseError> {
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

/// An alignment given by the user: a power of two up to 2^28.
fn alignment(value: Int, at: Pos) -> Result<u64, ParseError> {
    match u64::try_from(value.value) {
        Ok(a) if a.is_power_of_two() && a <= MAX_ALIGNMENT => Ok(a),
        Ok(a) if a > MAX_ALIGNMENT => Err(ParseError::at(
            at,
            format!("requested alignment {a} is too large"),
        )),
        _ => Err(ParseError::at(
            at,
            format!(
                "requested alignment {} is not a positive power of 2",
                value.value
            ),
        )),
    }
}

/// Whether `value` is representable in the integer type `ty`.
fn fits_type(value: i128, ty: &Type) -> bool {
    let (bits, unsigned) = match ty {
        Type::Bool => return (0..=1).contains(&value),
        Type::Char | Type::SChar => (8, false),
        Type::UChar => (8, true),
        Type::Short => (16, false),
        Type::UShort => (16, true),
        Type::Int => (32, false),
        Type::UInt => (32, true),
        Type::Long | Type::LongLong => (64, false),
        Type::ULong | Type::ULongLong => (64, true),
        _ => return false,
    };
    wrap(value, bits, unsigned) == value
}

/// The type gcc gives an enum: `unsigned int` if no value is negative and all fit,
/// `int` if some are negative and all fit, else `unsigned long` or `long`.
fn enum_type(min: i128, max: i128) -> Option<Type> {
    if min >= 0 {
        if fits(max, true, false) {
            Some(Type::UInt)
        } else if fits(max, true, true) {
            Some(Type::ULong)
        } else {
            None
        }
    } else if fits(min, false, false) && fits(max, false, false) {
        Some(Type::Int)
    } else if fits(min, false, true) && fits(max, false, true) {
        Some(Type::Long)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------
// The public face
// ---------------------------------------------------------------------------------------

/// One function prototype, ready to call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionDecl {
    /// The function's name: the symbol to look up.
    pub name: String,
    /// Its signature; for a variadic function, with no variadic arguments yet (see
    /// [`Signature::with_variadic_args`]).
    pub signature: Signature,
    /// The parameter names, where the prototype gives them.
    pub param_names: Vec<Option<String>>,
    /// Whether the result is a `char *` (plain, `signed`, `unsigned`, qualified or not),
    /// which the command line prints as a string.
    pub ret_is_c_string: bool,
    /// For each fixed parameter, whether it is a `char *` that accepts a string.
    pub params_c_string: Vec<bool>,
}

/// Parsed C declarations: prototypes, typedefs and struct / union / enum types.
///
/// Besides what the text declares, every declaration can use these typedefs, with
/// their glibc x86-64 meanings: `int8_t` to `uint64_t`, `intmax_t`, `uintmax_t`,
/// `intptr_t`, `uintptr_t`, `size_t`, `ssize_t`, `ptrdiff_t`, `off_t`, `time_t`,
/// `wchar_t`, `wint_t`, `char16_t`, `char32_t`, `__int128_t`, `__uint128_t`, `va_list`
/// and `FILE` (opaque: usable only through pointers). The text may redefine them.
#[derive(Clone, Debug)]
pub struct Declarations {
    scope: Scope,
    functions: Vec<FunctionDecl>,
    by_name: HashMap<String, usize>,
    last: Option<usize>,
    typedefs: HashMap<String, Type>,
}

impl Declarations {
    /// Parses C declarations: typedefs, struct / union / enum definitions, prototypes,
    /// `_Static_assert`s; declarations of objects are accepted and ignored. The `;`
    /// after the last declaration may be left out.
    pub fn parse(text: &str) -> Result<Declarations, ParseError> {
        let tokens = lex(text)?;
        let mut parser = Parser::new(&tokens, Cow::Owned(Scope::new()));
        parser.translation_unit()?;
        let Parser {
            scope,
            functions: pending,
            last,
            ..
        } = parser;
        let scope = scope.into_owned();
        let mut functions = Vec::with_capacity(pending.len());
        let mut by_name = HashMap::new();
        for (index, f) in pending.into_iter().enumerate() {
            let decl = scope.function_decl(f)?;
            by_name.insert(decl.name.clone(), index);
            functions.push(decl);
        }
        let mut typedefs = HashMap::new();
        for (name, ordinary) in &scope.ordinary {
            if let Ordinary::Typedef(ty) = ordinary {
                let resolved = match ty {
                    CType::Void => Ok(Type::Void),
                    ty => scope.resolve(ty),
                };
                if let Ok(ty) = resolved {
                    typedefs.insert(name.clone(), ty);
                }
            }
        }
        for &name in BUILTIN_TYPEDEFS {
            if scope.ordinary.contains_key(name) {
                continue;
            }
            if let Some(Ok(ty)) = builtin_typedef(name).map(|ty| scope.resolve(&ty)) {
                typedefs.insert(name.to_string(), ty);
            }
        }
        Ok(Declarations {
            scope,
            functions,
            by_name,
            last,
            typedefs,
        })
    }

    /// The declared functions, in the order of their first declaration.
    pub fn functions(&self) -> &[FunctionDecl] {
        &self.functions
    }

    /// The function called `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionDecl> {
        self.by_name.get(name).and_then(|&i| self.functions.get(i))
    }

    /// The function of the last prototype in the text (what the command line calls).
    pub fn last_function(&self) -> Option<&FunctionDecl> {
        self.last.and_then(|i| self.functions.get(i))
    }

    /// The value of an enumeration constant the text declares (`RED` in
    /// `enum color { RED, GREEN };`).
    pub fn constant(&self, name: &str) -> Option<i128> {
        match self.scope.ordinary.get(name)? {
            Ordinary::Constant(c) => Some(c.value),
            _ => None,
        }
    }

    /// The type a typedef (or a built-in typedef like `size_t`) stands for; `None` for
    /// unknown names and for typedefs of function types or incomplete types.
    pub fn typedef(&self, name: &str) -> Option<&Type> {
        self.typedefs.get(name)
    }

    /// A completed struct, union or enum by its tag: `tagged("struct point")`. An enum
    /// is its integer type.
    pub fn tagged(&self, name: &str) -> Option<&Type> {
        let mut words = name.split_whitespace();
        let kind = match words.next()? {
            "struct" => RecordKind::Struct,
            "union" => RecordKind::Union,
            "enum" => RecordKind::Enum,
            _ => return None,
        };
        let tag = words.next()?;
        if words.next().is_some() {
            return None;
        }
        let record = self.scope.records.get(*self.scope.tags.get(tag)?)?;
        if record.kind != kind {
            return None;
        }
        record.ty.as_ref()
    }

    /// Every struct and union defined, nested ones included, in the order their
    /// definitions end, with the name to show: `struct tag`, else the first typedef
    /// naming it, else `struct (anonymous at line L, column C)`.
    pub fn aggregates(&self) -> Vec<(String, Type)> {
        self.scope
            .aggregates
            .iter()
            .filter_map(|&id| {
                let record = self.scope.records.get(id)?;
                Some((record.display_name(), record.ty.clone()?))
            })
            .collect()
    }

    /// Parses a type name in the context of these declarations: `long`, `struct s`,
    /// `char *`, `point`, `int[4]`, as in the casts `(long)9` and `(struct s){1, 2}`.
    /// `void` is [`Type::Void`]; function and incomplete types are errors.
    pub fn parse_type(&self, text: &str) -> Result<Type, ParseError> {
        let tokens = lex(text)?;
        let mut parser = Parser::new(&tokens, Cow::Borrowed(&self.scope));
        let start = parser.tok().pos;
        let ty = parser.type_name()?;
        if parser.tok().kind != Kind::Eof {
            return Err(parser.unexpected("the end of the type"));
        }
        match ty {
            CType::Void => Ok(Type::Void),
            ty => parser
                .scope
                .resolve(&ty)
                .map_err(|why| ParseError::at(start, format!("cannot use {why} here"))),
        }
    }
}

impl FromStr for Signature {
    type Err = ParseError;

    /// The signature of the last prototype in C declarations:
    /// `"double pow(double, double)".parse::<Signature>()`.
    fn from_str(text: &str) -> Result<Signature, ParseError> {
        let decls = Declarations::parse(text)?;
        match decls.last_function() {
            Some(f) => Ok(f.signature.clone()),
            None => {
                let line = text.split('\n').count();
                let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                Err(ParseError::at(
                    Pos {
                        line,
                        column,
                        length: 1,
                    },
                    "expected a function prototype",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Declarations {
        match Declarations::parse(text) {
            Ok(d) => d,
            Err(e) => panic!("{}", e.render(text)),
        }
    }

    fn ty(text: &str) -> Type {
        let d = parse("");
        d.parse_type(text)
            .unwrap_or_else(|e| panic!("{}", e.render(text)))
    }

    fn error(text: &str) -> ParseError {
        match Declarations::parse(text) {
            Ok(d) => panic!("{text:?} parsed: {:?}", d.functions()),
            Err(e) => e,
        }
    }

    fn sig(text: &str) -> Signature {
        text.parse()
            .unwrap_or_else(|e: ParseError| panic!("{}", e.render(text)))
    }

    #[test]
    fn scalar_spellings() {
        use Type::*;
        let table: &[(&str, Type)] = &[
            ("void", Void),
            ("char", Char),
            ("signed char", SChar),
            ("char signed", SChar),
            ("unsigned char", UChar),
            ("short", Short),
            ("short int", Short),
            ("signed short int", Short),
            ("int short", Short),
            ("unsigned short", UShort),
            ("short unsigned int", UShort),
            ("int", Int),
            ("signed", Int),
            ("signed int", Int),
            ("unsigned", UInt),
            ("unsigned int", UInt),
            ("long", Long),
            ("long int", Long),
            ("signed long", Long),
            ("unsigned long", ULong),
            ("long unsigned int", ULong),
            ("int long unsigned", ULong),
            ("long long", LongLong),
            ("long long int", LongLong),
            ("long int long", LongLong),
            ("unsigned long long", ULongLong),
            ("long long unsigned int", ULongLong),
            ("_Bool", Bool),
            ("bool", Bool),
            ("float", Float),
            ("double", Double),
            ("long double", LongDouble),
            ("double long", LongDouble),
            ("__int128", Int128),
            ("signed __int128", Int128),
            ("__int128_t", Int128),
            ("unsigned __int128", UInt128),
            ("__int128 unsigned", UInt128),
            ("__uint128_t", UInt128),
            ("float _Complex", Type::complex(Float)),
            ("double _Complex", Type::complex(Double)),
            ("_Complex double", Type::complex(Double)),
            ("long double _Complex", Type::complex(LongDouble)),
            ("_Complex long double", Type::complex(LongDouble)),
            ("const volatile unsigned", UInt),
            ("int8_t", SChar),
            ("uint8_t", UChar),
            ("int16_t", Short),
            ("uint16_t", UShort),
            ("int32_t", Int),
            ("uint32_t", UInt),
            ("int64_t", Long),
            ("uint64_t", ULong),
            ("size_t", ULong),
            ("ssize_t", Long),
            ("intptr_t", Long),
            ("uintptr_t", ULong),
            ("ptrdiff_t", Long),
            ("wchar_t", Int),
            ("off_t", Long),
            ("char *", Pointer),
            ("FILE *", Pointer),
            ("const char *const", Pointer),
            ("int (*)(int, double)", Pointer),
            ("int (*)[3]", Pointer),
            ("int[3]", Type::array(Int, 3)),
            ("int[2][3]", Type::array(Type::array(Int, 3), 2)),
            ("char *[4]", Type::array(Pointer, 4)),
        ];
        for (text, want) in table {
            assert_eq!(&ty(text), want, "{text}");
        }
    }

    #[test]
    fn bad_spellings() {
        let d = parse("");
        for (text, message) in [
            ("unsigned float", "invalid combination of type specifiers"),
            ("long long long", "'long long long' is too long"),
            ("short long", "invalid combination of type specifiers"),
            (
                "signed unsigned",
                "both 'signed' and 'unsigned' in one type",
            ),
            ("int int", "duplicate 'int'"),
            ("long float", "invalid combination of type specifiers"),
            ("int _Complex", "unsupported: complex integer types"),
            ("complex", "unknown type name 'complex'"),
            (
                "double complex",
                "expected the end of the type but found 'complex'",
            ),
            ("FILE", "cannot use incomplete type 'FILE' here"),
            (
                "struct nowhere",
                "cannot use incomplete type 'struct nowhere' here",
            ),
            ("int (int)", "cannot use function type here"),
            ("_Float128", "unsupported: type '_Float128'"),
            ("_Float16", "unsupported: type '_Float16'"),
            ("__float128", "unsupported: type '__float128'"),
            ("_Decimal64", "unsupported: type '_Decimal64'"),
            ("_BitInt(7)", "unsupported: type '_BitInt'"),
            ("_Atomic int", "unsupported: _Atomic types"),
            ("", "expected a type but found end of input"),
        ] {
            let e = d.parse_type(text).expect_err(text);
            assert_eq!(e.message, message, "{text}");
        }
    }

    #[test]
    fn from_str_takes_the_last_prototype() {
        assert_eq!(
            sig("double pow(double, double)"),
            Signature::new(Type::Double, [Type::Double, Type::Double])
        );
        assert_eq!(
            sig("int abs(int); long labs(long x);"),
            Signature::new(Type::Long, [Type::Long])
        );
        assert_eq!(
            sig("int printf(const char *, ...);"),
            Signature::variadic(Type::Int, [Type::Pointer], [])
        );
        assert_eq!(sig("void f(void);"), Signature::new(Type::Void, []));
        assert_eq!(sig("void f();"), Signature::new(Type::Void, []));
        let e = "typedef int t;".parse::<Signature>().unwrap_err();
        assert_eq!((e.line, e.column), (1, 15));
        assert_eq!(e.message, "expected a function prototype");
    }

    #[test]
    fn prototypes() {
        let d = parse(
            "#include <stdio.h>
             /* a comment */ // and another
             char *strcpy(char *restrict dst, const char *restrict src);
             int qsort_r(void *base, size_t n, size_t size,
                         int (*cmp)(const void *, const void *, void *), void *arg);
             void (*signal(int sig, void (*handler)(int)))(int);
             unsigned char *bytes(signed char *s, unsigned char u[], int a[10][20], char **argv);
             int fprintf(FILE *stream, const char *format, ...) __attribute__((nonnull(1)));
             extern inline __attribute__((always_inline)) int g(int f(double));
             __extension__ long long h(long x) __asm__(\"h_v2\");
             _Noreturn void die(void) __attribute__((noreturn));",
        );
        let names: Vec<&str> = d.functions().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "strcpy", "qsort_r", "signal", "bytes", "fprintf", "g", "h", "die"
            ]
        );
        let strcpy = d.function("strcpy").unwrap();
        assert!(strcpy.ret_is_c_string);
        assert_eq!(strcpy.params_c_string, [true, true]);
        assert_eq!(
            strcpy.param_names,
            [Some("dst".to_string()), Some("src".to_string())]
        );
        let qsort = d.function("qsort_r").unwrap();
        assert_eq!(
            qsort.signature,
            Signature::new(
                Type::Int,
                [
                    Type::Pointer,
                    Type::ULong,
                    Type::ULong,
                    Type::Pointer,
                    Type::Pointer
                ]
            )
        );
        let signal = d.function("signal").unwrap();
        assert_eq!(
            signal.signature,
            Signature::new(Type::Pointer, [Type::Int, Type::Pointer])
        );
        assert!(!signal.ret_is_c_string);
        let bytes = d.function("bytes").unwrap();
        assert!(bytes.ret_is_c_string);
        assert_eq!(bytes.params_c_string, [true, true, false, false]);
        assert_eq!(bytes.signature.params(), vec![Type::Pointer; 4]);
        let fprintf = d.function("fprintf").unwrap();
        assert!(fprintf.signature.is_variadic());
        assert_eq!(fprintf.signature.fixed_count(), 2);
        assert_eq!(
            d.function("g").unwrap().signature,
            Signature::new(Type::Int, [Type::Pointer])
        );
        assert_eq!(
            d.function("h").unwrap().signature,
            Signature::new(Type::LongLong, [Type::Long])
        );
        assert_eq!(d.last_function().unwrap().name, "die");
    }

    #[test]
    fn structs_typedefs_and_enums() {
        let d = parse(
            "struct point { int x, y; };
             typedef struct point point_t;
             typedef struct { double re, im; } cplx;
             typedef int (*cmp_fn)(const void *, const void *);
             typedef int handler_fn(int);
             typedef char name_t[16];
             enum color { RED, GREEN = 5, BLUE };
             struct shape {
                 enum color color;
                 struct point corners[4];
                 union { int i; float f; } tag;
                 char *names[2];
                 int *(*table)[3];
                 cmp_fn cmp;
                 name_t name;
                 struct { short a; } ;
             };
             handler_fn on_signal;
             point_t move(point_t p, cplx by, struct shape *s);",
        );
        let point = Type::build_struct()
            .tag("point")
            .field("x", Type::Int)
            .field("y", Type::Int)
            .finish();
        assert_eq!(d.tagged("struct point"), Some(&point));
        assert_eq!(d.typedef("point_t"), Some(&point));
        assert_eq!(d.typedef("cmp_fn"), Some(&Type::Pointer));
        assert_eq!(d.typedef("handler_fn"), None);
        assert_eq!(d.typedef("name_t"), Some(&Type::array(Type::Char, 16)));
        assert_eq!(d.typedef("size_t"), Some(&Type::ULong));
        assert_eq!(d.typedef("nothing"), None);
        assert_eq!(d.tagged("enum color"), Some(&Type::UInt));
        assert_eq!(d.tagged("union point"), None);
        assert_eq!(d.tagged("struct"), None);
        let shape = d.tagged("struct shape").unwrap();
        let Type::Struct(agg) = shape else {
            panic!("{shape:?}")
        };
        let fields: Vec<(Option<&str>, &Type)> = agg
            .fields
            .iter()
            .map(|f| (f.name.as_deref(), &f.ty))
            .collect();
        assert_eq!(fields[0], (Some("color"), &Type::UInt));
        assert_eq!(fields[1], (Some("corners"), &Type::array(point.clone(), 4)));
        assert_eq!(fields[3], (Some("names"), &Type::array(Type::Pointer, 2)));
        assert_eq!(fields[4], (Some("table"), &Type::Pointer));
        assert_eq!(fields[5], (Some("cmp"), &Type::Pointer));
        assert_eq!(fields[6], (Some("name"), &Type::array(Type::Char, 16)));
        assert_eq!(fields[7].0, None);
        let on_signal = d.function("on_signal").unwrap();
        assert_eq!(on_signal.signature, Signature::new(Type::Int, [Type::Int]));
        let cplx = d.typedef("cplx").unwrap().clone();
        assert_eq!(
            d.last_function().unwrap().signature,
            Signature::new(
                point,
                [d.typedef("point_t").unwrap().clone(), cplx, Type::Pointer]
            )
        );
        let names: Vec<String> = d.aggregates().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "struct point",
                "cplx",
                "union (anonymous at line 11, column 18)",
                "struct (anonymous at line 16, column 18)",
                "struct shape"
            ]
        );
    }

    #[test]
    fn enum_sizes_follow_gcc() {
        for (body, want) in [
            ("A, B", Type::UInt),
            ("A = -1, B", Type::Int),
            ("A = 0x7fffffff", Type::UInt),
            ("A = 0xffffffff", Type::UInt),
            ("A = 0x100000000", Type::ULong),
            ("A = -1, B = 0x80000000", Type::Long),
            ("A = -2147483648", Type::Int),
            ("A = -2147483649", Type::Long),
            ("A = 0xffffffffffffffff", Type::ULong),
            ("A = 1 << 3, B = A * 2, C = (B > 10 ? -B : B)", Type::Int),
            ("A = 'a', B = '\\n', C = sizeof(long double)", Type::UInt),
        ] {
            let d = parse(&format!("enum e {{ {body} }};"));
            assert_eq!(d.tagged("enum e"), Some(&want), "{body}");
        }
        let d = parse("enum small : unsigned char { X = 255 };");
        assert_eq!(d.tagged("enum small"), Some(&Type::UChar));
        let e = error("enum e { A = -1, B = 0xffffffffffffffff };");
        assert_eq!(e.message, "enumerator values do not fit one integer type");
        assert_eq!(error("enum e { };").message, "empty enum");
        assert_eq!(
            error("enum __attribute__((packed)) e { A };").message,
            "unsupported: packed enums"
        );
        assert_eq!(
            error("enum e { A } __attribute__((packed));").message,
            "unsupported: packed enums"
        );
        assert_eq!(
            error("enum e { A, A };").message,
            "redefinition of enumerator 'A'"
        );
    }

    #[test]
    fn constant_expressions() {
        let cases: &[(&str, i128)] = &[
            ("1 + 2 * 3", 7),
            ("(1 + 2) * 3", 9),
            ("1 << 4 >> 2", 4),
            ("100 / 7 % 5", 4),
            ("-7 / 2", -3),
            ("-7 % 2", -1),
            ("~0", -1),
            ("~0U", 0xffff_ffff),
            ("-1U", 0xffff_ffff),
            ("-1UL", 0xffff_ffff_ffff_ffff),
            ("(unsigned char)-1", 255),
            ("(char)200", -56),
            ("(_Bool)7", 1),
            ("(long)1 << 40", 1 << 40),
            ("0x10 | 010 | 0b1", 25),
            ("-1 < 0U", 0),
            ("-1L < 0U", 1),
            ("1 ? 2 : 3", 2),
            ("0 ?: 5", 5),
            ("0 && 1 / 0", 0),
            ("1 || 1 / 0", 1),
            ("0 ? 1 / 0 : 4", 4),
            ("!5 + !0", 1),
            ("'A'", 65),
            ("'\\xff'", -1),
            ("'\\0'", 0),
            ("L'\\x263a'", 0x263a),
            ("sizeof(struct { char c; double d; })", 16),
            ("_Alignof(long double)", 16),
            ("sizeof(int[3][4])", 48),
            ("sizeof(char *) * 2", 16),
            ("0xffffffffffffffffUL * 3", 0xffff_ffff_ffff_fffd),
            ("0xffffffffffffffffUL << 63", 1 << 63),
            ("18446744073709551615", 0xffff_ffff_ffff_ffff),
        ];
        for (expr, want) in cases {
            let d = parse(&format!("enum {{ V = {expr} }};"));
            let Some(Ordinary::Constant(v)) = d.scope.ordinary.get("V") else {
                panic!("{expr}")
            };
            assert_eq!(v.value, *want, "{expr}");
        }
        for (expr, message) in [
            ("1 / 0", "division by zero"),
            ("2147483647 + 1", "integer overflow in constant expression"),
            ("1 << 32", "shift count out of range"),
            ("1 << -1", "shift count out of range"),
            ("x", "'x' is not an integer constant"),
            (
                "1.5",
                "floating constant '1.5' in an integer constant expression",
            ),
            (
                "1e3",
                "floating constant '1e3' in an integer constant expression",
            ),
            ("0x", "invalid integer constant '0x'"),
            ("08", "invalid integer constant '08'"),
            ("12abc", "invalid integer constant '12abc'"),
            (
                "99999999999999999999",
                "integer constant '99999999999999999999' is too large",
            ),
            ("'ab'", "multi-character character constant 'ab'"),
            (
                "sizeof 1",
                "unsupported: sizeof of an expression (give a type)",
            ),
            (
                "sizeof(struct nope)",
                "invalid application of 'sizeof' to incomplete type 'struct nope'",
            ),
            (
                "(float)1",
                "cast to non-integer type 'float' in an integer constant",
            ),
            ("(1", "expected ')' but found '}'"),
        ] {
            let e = error(&format!("enum {{ V = {expr} }};"));
            assert_eq!(e.message, message, "{expr}");
        }
    }

    #[test]
    fn arrays_in_structs() {
        let d = parse(
            "enum { N = 4 };
             struct s { char a[N * 2 + 1]; int m[2][3]; long c[sizeof(int) << 1]; int tail[]; };",
        );
        let Some(Type::Struct(agg)) = d.tagged("struct s") else {
            panic!()
        };
        let types: Vec<&Type> = agg.fields.iter().map(|f| &f.ty).collect();
        assert_eq!(
            types,
            [
                &Type::array(Type::Char, 9),
                &Type::array(Type::array(Type::Int, 3), 2),
                &Type::array(Type::Long, 8),
                &Type::array(Type::Int, 0),
            ]
        );
        assert_eq!(
            error("struct s { int a[-1]; };").message,
            "size of array is negative"
        );
        assert_eq!(
            error("struct s { int a[]; int b; };").message,
            "field 'a' has incomplete array type"
        );
    }

    #[test]
    fn layout_attributes() {
        let d = parse(
            "struct __attribute__((packed)) p { char c; int i; };
             struct q { char c; int i; } __attribute__((__packed__, aligned(8)));
             struct r { char c; _Alignas(16) int i; int j __attribute__((aligned)); };
             struct t { char c; _Alignas(double) char d; _Alignas(0) char e; };",
        );
        let p = d.tagged("struct p").unwrap();
        assert_eq!(p.layout().unwrap().size, 5);
        let q = d.tagged("struct q").unwrap();
        assert_eq!(
            (q.layout().unwrap().size, q.layout().unwrap().align),
            (8, 8)
        );
        let r = d.tagged("struct r").unwrap();
        assert_eq!(r.field_offsets().unwrap().unwrap(), [0, 16, 32]);
        let t = d.tagged("struct t").unwrap();
        assert_eq!(t.field_offsets().unwrap().unwrap(), [0, 8, 9]);
        assert_eq!(
            error("struct s { int x __attribute__((aligned(3))); };").message,
            "requested alignment 3 is not a positive power of 2"
        );
        assert_eq!(
            error("typedef int aligned_int __attribute__((aligned(8)));").message,
            "unsupported: alignment on typedef 'aligned_int'"
        );
        assert_eq!(
            error("struct s { char c; int x __attribute__((packed)); };").message,
            "unsupported: packed attribute on the single field 'x'"
        );
        // Packed members of a packed struct, or of alignment 1, change nothing.
        parse("struct s { char c; char x __attribute__((packed)); };");
        parse("struct __attribute__((packed)) s { char c; int x __attribute__((packed)); };");
    }

    #[test]
    fn unsupported_shapes() {
        for (text, message) in [
            ("struct s { int x : 3; };", "unsupported: bit-field 'x'"),
            ("struct s { int : 3; };", "unsupported: bit-fields"),
            (
                "typedef int v4si __attribute__((vector_size(16)));",
                "unsupported: vector types (vector_size attribute)",
            ),
            (
                "typedef int di __attribute__((mode(DI)));",
                "unsupported: the mode attribute",
            ),
            ("_Float16 half(void);", "unsupported: type '_Float16'"),
            ("void f(_Atomic int *p);", "unsupported: _Atomic types"),
            ("void f(int * _Atomic p);", "unsupported: _Atomic types"),
            (
                "int f(int) __attribute__((ms_abi));",
                "unsupported: the ms_abi calling convention",
            ),
            ("__typeof__(1) x;", "unsupported: typeof"),
        ] {
            assert_eq!(error(text).message, message, "{text}");
        }
    }

    #[test]
    fn incomplete_types() {
        // Fine through pointers, and once completed, by value too.
        parse("struct s; void f(struct s *p); struct s *g(void);");
        parse("struct s; void f(struct s x); struct s { int a; };");
        let e = error("struct s;\nvoid f(int a, struct s x);");
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (2, 24, "parameter 'x' of 'f' has incomplete type 'struct s'")
        );
        let e = error("struct s;\nstruct s g(void);");
        assert_eq!(e.message, "function 'g' returns incomplete type 'struct s'");
        let e = error("void f(FILE f);");
        assert_eq!(e.message, "parameter 'f' of 'f' has incomplete type 'FILE'");
        let e = error("struct s { struct s inner; };");
        assert_eq!(e.message, "field 'inner' has incomplete type 'struct s'");
        let e = error("struct s { void v; };");
        assert_eq!(e.message, "field 'v' has type 'void'");
        let e = error("struct s { int f(void); };");
        assert_eq!(e.message, "field 'f' declared as a function");
        let e = error("void f(void x);");
        assert_eq!(e.message, "'void' must be the only parameter, and unnamed");
        let e = error("void f(int, void);");
        assert_eq!(e.message, "'void' must be the only parameter, and unnamed");
    }

    #[test]
    fn redefinitions() {
        for (text, message) in [
            (
                "struct s { int a; }; struct s { int a; };",
                "redefinition of 'struct s'",
            ),
            (
                "struct s { int a; }; union s *p;",
                "'s' defined as wrong kind of tag",
            ),
            (
                "typedef int t; typedef long t;",
                "conflicting types for typedef 't'",
            ),
            ("int f(int); long f(int);", "conflicting types for 'f'"),
            (
                "typedef int t; int t(void);",
                "'t' redeclared as a different kind of symbol",
            ),
            ("struct s { int a; char a; };", "duplicate member 'a'"),
            ("int f(int x, int x);", "redefinition of parameter 'x'"),
        ] {
            assert_eq!(error(text).message, message, "{text}");
        }
        // Compatible redeclarations are fine; the later one names the parameters.
        let d = parse("typedef int t; typedef int t; int f(int); int g(void); int f(int n);");
        assert_eq!(
            d.function("f").unwrap().param_names,
            [Some("n".to_string())]
        );
        assert_eq!(d.last_function().unwrap().name, "f");
        assert_eq!(d.functions().len(), 2);
        // Users may redefine the built-in typedefs.
        let d = parse("typedef unsigned long long uint64_t; uint64_t f(void);");
        assert_eq!(d.function("f").unwrap().signature.ret(), &Type::ULongLong);
    }

    #[test]
    fn errors_carry_positions() {
        let e = error("int f(void);\n\n  void g(foo x);");
        assert_eq!((e.line, e.column, e.length), (3, 10, 3));
        assert_eq!(e.message, "unknown type name 'foo'");
        assert_eq!(e.to_string(), "line 3, column 10: unknown type name 'foo'");

        let e = error("int f(int x y);");
        assert_eq!((e.line, e.column), (1, 13));
        assert_eq!(e.message, "expected ')' but found 'y'");

        let e = error("int f(int x");
        assert_eq!(e.message, "expected ')' but found end of input");

        let e = error("int é;");
        assert_eq!((e.line, e.column), (1, 5));
        assert_eq!(e.message, "unexpected character 'é'");

        let e = error("/* never\n closed");
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (1, 1, "unterminated comment")
        );

        let e = error("int f(void) { return 0; }");
        assert_eq!(e.column, 13);
        assert!(
            e.message
                .starts_with("function definitions are not supported")
        );

        let e = error("int x = 3;");
        assert_eq!(
            e.message,
            "expected ';' (initializers are not supported) but found '='"
        );

        let e = error("_Static_assert(sizeof(int) == 8, \"int is \" \"8 bytes\");");
        assert_eq!(e.message, "static assertion failed: int is 8 bytes");
        parse("_Static_assert(sizeof(long) == 8, \"LP64\"); struct s { _Static_assert(1); };");
    }

    #[test]
    fn render_points_at_the_token() {
        let src = "int f(void);\n\tvoid g(int, foo *x);\nint h(void);";
        let e = error(src);
        assert_eq!(
            e.render(src),
            "line 2, column 14: unknown type name 'foo'\n  2 | \tvoid g(int, foo *x);\n    | \t            ^~~"
        );
        // At the end of input the caret sits just past the last character.
        let src = "int f(int";
        assert_eq!(
            error(src).render(src),
            "line 1, column 10: expected ')' but found end of input\n  1 | int f(int\n    |          ^"
        );
        // A source without the error's line still renders the message.
        let e = error("int f(void);\nint g(nope);");
        assert_eq!(e.render(""), "line 2, column 7: unknown type name 'nope'");
    }

    #[test]
    fn preprocessor_and_comments() {
        let d = parse(
            "#include <stdio.h>\n#define LONG_MACRO(x) \\\n   ((x) + 1)\n  # pragma once\n\
             int /* inline */ f(int a, // trailing\n int b);\n#if 0\n#endif\n",
        );
        assert_eq!(
            d.function("f").unwrap().signature,
            Signature::new(Type::Int, [Type::Int, Type::Int])
        );
    }

    #[test]
    fn parse_type_uses_the_declarations() {
        let d =
            parse("typedef struct { int a; char b; } pair; struct s { long x; }; enum e { A };");
        assert_eq!(
            d.parse_type("pair").unwrap(),
            d.typedef("pair").unwrap().clone()
        );
        assert_eq!(
            &d.parse_type("struct s").unwrap(),
            d.tagged("struct s").unwrap()
        );
        assert_eq!(d.parse_type("enum e").unwrap(), Type::UInt);
        assert_eq!(d.parse_type(" const pair * ").unwrap(), Type::Pointer);
        assert_eq!(d.parse_type("long").unwrap(), Type::Long);
        // A struct defined inside a type name does not leak into the declarations.
        d.parse_type("struct fresh { int z; }").unwrap();
        assert_eq!(d.tagged("struct fresh"), None);
        let e = d.parse_type("long x").unwrap_err();
        assert_eq!(e.message, "expected the end of the type but found 'x'");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 100_000;
        let cases = [
            format!("int {}x{};", "(".repeat(depth), ")".repeat(depth)),
            format!("struct s {{ int a{}; }};", "[1]".repeat(depth)),
            format!("{} int x; {};", "struct {".repeat(depth), "}".repeat(depth)),
            format!(
                "enum {{ A = {}1{} }};",
                "(".repeat(depth),
                ")".repeat(depth)
            ),
            format!("enum {{ A = {}1 }};", "- ".repeat(depth)),
            format!("enum {{ A = {}1 }};", "1 ? 2 : ".repeat(depth)),
            format!(
                "void f({} int{});",
                "void (*)(".repeat(depth),
                ")".repeat(depth)
            ),
        ];
        for text in &cases {
            let e = Declarations::parse(text).expect_err(text.get(..40).unwrap_or(""));
            assert!(e.message.contains("too deep"), "{e}");
        }
        // Left-associative chains do not nest either.
        let sum = parse(&format!(
            "struct s {{ char c[{}1]; }};",
            "1 + ".repeat(depth)
        ));
        let size = sum.tagged("struct s").unwrap().layout().unwrap().size;
        assert_eq!(size, depth as u64 + 1);
        // Pointers do not nest: any number is fine.
        let stars = parse(&format!("int {}p(void);", "*".repeat(depth)));
        assert_eq!(stars.function("p").unwrap().signature.ret(), &Type::Pointer);
        // Typedef chains deepen types without nesting the text.
        let mut chain = String::from("typedef int t0[1];");
        for i in 1..400 {
            chain.push_str(&format!("typedef t{} t{i}[1];", i - 1));
        }
        assert_eq!(error(&chain).message, "type nested too deeply");
        let mut chain = String::from("struct s0 { int x; };");
        for i in 1..400 {
            chain.push_str(&format!("struct s{i} {{ struct s{} x; }};", i - 1));
        }
        assert_eq!(error(&chain).message, "type nested too deeply");
        // Just under the limit works; at it, an error.
        let text = format!("int {}x{};", "(".repeat(95), ")".repeat(95));
        parse(&text);
        let text = format!(
            "int {}x{};",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(error(&text).message.contains("too deep"));
    }

    #[test]
    fn every_builtin_typedef_resolves() {
        let d = parse("");
        for &name in BUILTIN_TYPEDEFS {
            assert!(builtin_typedef(name).is_some(), "{name}");
            assert_eq!(d.typedef(name).is_some(), name != "FILE", "{name}");
        }
        assert_eq!(d.typedef("va_list").unwrap().layout().unwrap().size, 24);
        let f = parse("int vprintf(const char *fmt, va_list ap);");
        assert_eq!(
            f.last_function().unwrap().signature,
            Signature::new(Type::Int, [Type::Pointer, Type::Pointer])
        );
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        const VOCABULARY: &[&str] = &[
            "int",
            "char",
            "long",
            "unsigned",
            "signed",
            "short",
            "double",
            "float",
            "void",
            "_Bool",
            "_Complex",
            "__int128",
            "struct",
            "union",
            "enum",
            "typedef",
            "const",
            "static",
            "extern",
            "__attribute__",
            "((",
            "))",
            "packed",
            "aligned",
            "_Alignas",
            "sizeof",
            "_Alignof",
            "_Static_assert",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ";",
            ",",
            "*",
            "...",
            ":",
            "=",
            "?",
            "+",
            "-",
            "<<",
            ">>",
            "~",
            "!",
            "&&",
            "||",
            "/",
            "%",
            "0",
            "1",
            "8",
            "-1",
            "0x7fffffff",
            "0xffffffffffffffff",
            "1e3",
            "'a'",
            "\"s\"",
            "x",
            "y",
            "s",
            "t",
            "size_t",
            "FILE",
            "va_list",
            "__asm__",
            "#include <x>\n",
            "/*",
            "*/",
            "//",
            "\n",
            "__extension__",
            "restrict",
            "_Atomic",
            "bool",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn arbitrary_text_never_panics(text in ".{0,200}") {
                let _ = Declarations::parse(&text);
                let _ = text.parse::<Signature>();
                let _ = Declarations::parse("").and_then(|d| d.parse_type(&text));
            }

            #[test]
            fn token_soup_never_panics(
                words in proptest::collection::vec(proptest::sample::select(VOCABULARY), 0..60)
            ) {
                let text = words.join(" ");
                if let Err(e) = Declarations::parse(&text) {
                    prop_assert!(e.line >= 1 && e.column >= 1);
                    let _ = e.render(&text);
                }
                let d = Declarations::parse("typedef struct { int a; } t; enum { x = 3 };");
                let _ = d.map(|d| d.parse_type(&text));
            }

            #[test]
            fn declaration_shaped_soup_never_panics(
                words in proptest::collection::vec(proptest::sample::select(VOCABULARY), 0..40)
            ) {
                // Inside a struct body and a parameter list, where most rules live.
                let soup = words.join(" ");
                let _ = Declarations::parse(&format!("struct q {{ {soup} }};"));
                let _ = Declarations::parse(&format!("int f({soup});"));
                let _ = Declarations::parse(&format!("enum {{ A = {soup} }};"));
            }
        }
    }
}
