//! The front ends agree on every lexeme, and gcc judges what it means.
//!
//! Each row of [`ROWS`] is one C lexeme, read by both front ends: by the declaration
//! parser as an enumerator's value (or, for a string, as a `_Static_assert` message), by
//! the literal parser as a variadic argument and as a value of the lexeme's own type.
//! Both must give the row's meaning: the same value and C type, or the same error
//! message at the same characters. Then gcc (`-std=c2x`, default warnings) reads every
//! row: where the row says gcc agrees, gcc must compile it without a word and give the
//! same value and type; where jitcall refuses a lexeme, gcc must diagnose it (an error or
//! a warning); the few rows where jitcall and gcc 12 part ways say why, and are checked
//! to still differ.

use crate::Type;
use crate::cdecl::{self, Declarations};
use crate::literal::{Strings, parse_value, parse_variadic};
use crate::{LongDouble, Value};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

/// What a lexeme means.
enum Meaning {
    /// An integer or character constant: its value and C type; `None` when it is too
    /// large for every type (it may still initialize an `unsigned __int128`).
    Int(i128, Option<Type>),
    /// A floating constant of this type.
    Float(Type),
    /// A string literal's bytes, without the NUL.
    Str(&'static [u8]),
    /// Not valid C: both front ends give exactly this message, at the same characters.
    Error(&'static str),
    /// Not valid C, and not one token: both front ends refuse it, each in its own words.
    Rejected,
}

/// What gcc makes of a lexeme.
enum Gcc {
    /// No diagnostic, and the same value and type.
    Agrees,
    /// An error or a warning: the lexeme is refused.
    Diagnoses,
    /// gcc 12 and jitcall part ways, for this reason.
    Differs(&'static str),
}

struct Row {
    text: &'static str,
    meaning: Meaning,
    gcc: Gcc,
}

const fn row(text: &'static str, meaning: Meaning, gcc: Gcc) -> Row {
    Row { text, meaning, gcc }
}

use Gcc::{Agrees, Diagnoses, Differs};
use Meaning::{Error, Float, Int, Rejected, Str};
use Type::{Double, Long, LongDouble as LDouble, LongLong, UChar, UInt, ULong, ULongLong, UShort};

const INT: Option<Type> = Some(Type::Int);

const UNSIGNED_SO_LARGE: &str = "gcc 12 warns that the constant is so large that it is \
    unsigned, and gives it __int128; jitcall keeps the unsigned long older gcc gave it";
const C23_UCN: &str = "C23 lets a universal character name name any character in a \
    constant or string (N3220 6.4.3p2); gcc 12 still applies C17's rule (GCC bug 117162)";

const ROWS: &[Row] = &[
    // Integer constants.
    row("42", Int(42, INT), Agrees),
    row("0x1f", Int(31, INT), Agrees),
    row("017", Int(15, INT), Agrees),
    row("0b101", Int(5, INT), Agrees),
    row("1'000", Int(1000, INT), Agrees),
    row("0x1'0000'0000", Int(1 << 32, Some(Long)), Agrees),
    row("0'17", Int(15, INT), Agrees),
    row("4294967295", Int(4294967295, Some(Long)), Agrees),
    row("0xffffffff", Int(4294967295, Some(UInt)), Agrees),
    row("2147483648u", Int(1 << 31, Some(UInt)), Agrees),
    row("5ll", Int(5, Some(LongLong)), Agrees),
    row("5ull", Int(5, Some(ULongLong)), Agrees),
    row("5LLu", Int(5, Some(ULongLong)), Agrees),
    row("5Lu", Int(5, Some(ULong)), Agrees),
    row(
        "9223372036854775807",
        Int(i64::MAX as i128, Some(Long)),
        Agrees,
    ),
    row(
        "9223372036854775808",
        Int(1 << 63, Some(ULong)),
        Differs(UNSIGNED_SO_LARGE),
    ),
    row(
        "18446744073709551615",
        Int(u64::MAX as i128, Some(ULong)),
        Differs(UNSIGNED_SO_LARGE),
    ),
    row(
        "0xffffffffffffffff",
        Int(u64::MAX as i128, Some(ULong)),
        Agrees,
    ),
    row("18446744073709551616", Int(1 << 64, None), Diagnoses),
    row("0x1ffffffffffffffff", Int((1 << 65) - 1, None), Diagnoses),
    row(
        "340282366920938463463374607431768211456",
        Error(
            "integer constant '340282366920938463463374607431768211456' is too large: \
             it needs more than 128 bits (a wider one is a _BitInt constant, with the \
             suffix wb or uwb)",
        ),
        Diagnoses,
    ),
    row("1''0", Rejected, Diagnoses),
    row(
        "0x'1",
        Error("misplaced digit separator in '0x'1': it goes between two digits"),
        Diagnoses,
    ),
    row(
        "1'u",
        Error("misplaced digit separator in '1'u': it goes between two digits"),
        Diagnoses,
    ),
    row("1'", Error("unterminated character constant"), Diagnoses),
    row(
        "08",
        Error("invalid digit '8' in octal constant"),
        Diagnoses,
    ),
    row(
        "0b102",
        Error("invalid digit '2' in binary constant"),
        Diagnoses,
    ),
    row(
        "0x",
        Error("hexadecimal constant '0x' has no digits"),
        Diagnoses,
    ),
    row(
        "12abc",
        Error("invalid suffix 'abc' on integer constant"),
        Diagnoses,
    ),
    row(
        "5lL",
        Error("invalid suffix 'lL' on integer constant"),
        Diagnoses,
    ),
    row(
        "1wbl",
        Error("invalid suffix 'wbl' on integer constant"),
        Diagnoses,
    ),
    row(
        "0x1e+1",
        Error("invalid suffix '+1' on integer constant"),
        Diagnoses,
    ),
    // Floating constants.
    row("1.5", Float(Double), Agrees),
    row("0.1", Float(Double), Agrees),
    row("1.5f", Float(Type::Float), Agrees),
    row("0.1L", Float(LDouble), Agrees),
    row("0x1.8p3", Float(Double), Agrees),
    row("0x.8p1L", Float(LDouble), Agrees),
    row("1e1'0", Float(Double), Agrees),
    row("1'2.5'0", Float(Double), Agrees),
    row(".5", Float(Double), Agrees),
    row("1.", Float(Double), Agrees),
    row("08.5", Float(Double), Agrees),
    row(
        "0x1.8",
        Error("hexadecimal floating constant '0x1.8' needs an exponent (p)"),
        Diagnoses,
    ),
    row(
        "1e",
        Error("exponent has no digits in floating constant '1e'"),
        Diagnoses,
    ),
    row(
        "1e'1",
        Error("misplaced digit separator in '1e'1': it goes between two digits"),
        Diagnoses,
    ),
    row(
        "1.5fl",
        Error("invalid suffix 'fl' on floating constant"),
        Diagnoses,
    ),
    row("1.5q", Float(Type::Float128), Agrees),
    row("0.1Q", Float(Type::Float128), Agrees),
    row("0.1f128", Float(Type::Float128), Agrees),
    row("0.1f16", Float(Type::Float16), Agrees),
    row("0x1.ffcp15F16", Float(Type::Float16), Agrees),
    row(
        "1.5w",
        Error("invalid suffix 'w' on floating constant"),
        Differs("gcc reads GNU's suffix for __float80, which jitcall reads as `long double`"),
    ),
    // Character constants.
    row("'A'", Int(65, INT), Agrees),
    row(r"'\n'", Int(10, INT), Agrees),
    row(r"'\0'", Int(0, INT), Agrees),
    row(r"'\101'", Int(65, INT), Agrees),
    row(r"'\x41'", Int(65, INT), Agrees),
    row(r"'\xff'", Int(-1, INT), Agrees),
    row(r"'\e'", Int(27, INT), Agrees),
    row(r"'\''", Int(39, INT), Agrees),
    row(r"'\?'", Int(63, INT), Agrees),
    row(r"'\u0024'", Int(36, INT), Agrees),
    row(r"'\u0041'", Int(65, INT), Differs(C23_UCN)),
    row(r"'\U00000041'", Int(65, INT), Differs(C23_UCN)),
    row(
        r"'\u41'",
        Error(r"incomplete universal character name \u41: \u takes exactly 4 hex digits"),
        Diagnoses,
    ),
    row(
        r"'\U0041'",
        Error(r"incomplete universal character name \U0041: \U takes exactly 8 hex digits"),
        Diagnoses,
    ),
    row(
        r"'\uD800'",
        Error(r"\uD800 is not a valid universal character"),
        Diagnoses,
    ),
    row(
        r"'\U00110000'",
        Error(r"\U00110000 is not a valid universal character"),
        Diagnoses,
    ),
    row(
        r"'\x100'",
        Error("hex escape sequence out of range"),
        Diagnoses,
    ),
    row(
        r"'\400'",
        Error("octal escape sequence out of range"),
        Diagnoses,
    ),
    row(
        r"'\x'",
        Error(r"\x used with no following hex digits"),
        Diagnoses,
    ),
    row(r"'\q'", Error(r"unknown escape sequence '\q'"), Diagnoses),
    row("''", Error("empty character constant"), Diagnoses),
    row(
        "'ab'",
        Error("multi-character character constant 'ab'"),
        Diagnoses,
    ),
    row(
        "'é'",
        Error("multi-character character constant 'é'"),
        Diagnoses,
    ),
    row(
        r"'\u00e9'",
        Error(r"multi-character character constant '\u00e9'"),
        Diagnoses,
    ),
    row(
        r"'\08'",
        Error(r"multi-character character constant '\08'"),
        Diagnoses,
    ),
    row("'a", Error("unterminated character constant"), Diagnoses),
    row("L'a'", Int(97, INT), Agrees),
    row("L'é'", Int(0xe9, INT), Agrees),
    row(r"L'\xffffffff'", Int(-1, INT), Agrees),
    row(r"u'\xffff'", Int(0xffff, Some(UShort)), Agrees),
    row(r"U'\xffffffff'", Int(0xffff_ffff, Some(UInt)), Agrees),
    row(r"U'\U0001F600'", Int(0x1f600, Some(UInt)), Agrees),
    row("u8'a'", Int(97, Some(UChar)), Agrees),
    row(
        r"u'\x10000'",
        Error("hex escape sequence out of range"),
        Diagnoses,
    ),
    row(
        r"u'\U0001F600'",
        Error(r"multi-character character constant u'\U0001F600'"),
        Diagnoses,
    ),
    row(
        "u8'é'",
        Error("multi-character character constant u8'é'"),
        Diagnoses,
    ),
    // String literals.
    row(r#""a\tb""#, Str(b"a\tb"), Agrees),
    row(r#""""#, Str(b""), Agrees),
    row(r#""\x41\101\u00e9\e\"""#, Str(b"AA\xc3\xa9\x1b\""), Agrees),
    row(r#"u8"é""#, Str(b"\xc3\xa9"), Agrees),
    row(r#""\u0041""#, Str(b"A"), Differs(C23_UCN)),
    row(r#""\q""#, Error(r"unknown escape sequence '\q'"), Diagnoses),
    row(
        r#""\x100""#,
        Error("hex escape sequence out of range"),
        Diagnoses,
    ),
    row(
        r#""\u41""#,
        Error(r"incomplete universal character name \u41: \u takes exactly 4 hex digits"),
        Diagnoses,
    ),
    row(r#""abc"#, Error("unterminated string"), Diagnoses),
];

fn is_string(text: &str) -> bool {
    text.trim_start_matches(|c: char| c.is_ascii_alphanumeric())
        .starts_with('"')
}

/// The type a value of `ty` has in arithmetic and as a variadic argument.
fn promoted(ty: &Type) -> Type {
    match ty {
        UChar | UShort => Type::Int,
        Type::Float => Double,
        other => other.clone(),
    }
}

/// The integer `value` as a [`Value`] of `ty`.
fn int_value(ty: &Type, value: i128) -> Value {
    match ty {
        Type::Int => Value::Int(value as i32),
        UInt => Value::UInt(value as u32),
        Long => Value::Long(value as i64),
        ULong => Value::ULong(value as u64),
        LongLong => Value::LongLong(value as i64),
        ULongLong => Value::ULongLong(value as u64),
        UShort => Value::UShort(value as u16),
        UChar => Value::UChar(value as u8),
        other => panic!("no integer constant has type {other}"),
    }
}

/// Where an error points, in characters of the lexeme: (first, count).
type Span = (usize, usize);

/// The declaration parser's answer: a constant's value and promoted type, a string's
/// text, or an error with its span.
fn declarations(text: &str, accept: bool) -> Result<String, (String, Span)> {
    if is_string(text) {
        let prefix = format!("_Static_assert({}, ", if accept { 0 } else { 1 });
        let source = format!("{prefix}{text});");
        return match Declarations::parse(&source) {
            Ok(_) => Ok(String::new()),
            Err(e) if accept => Ok(e.message),
            Err(e) => Err((e.message, (e.column - 1 - prefix.len(), e.length))),
        };
    }
    match cdecl::constant_expression(text) {
        Ok((value, ty)) => Ok(format!("{value} {ty}")),
        Err(e) => Err((e.message, (e.column - 1, e.length))),
    }
}

/// The literal parser's error, with its span.
fn literal_error(text: &str, e: crate::literal::LiteralError) -> (String, Span) {
    let first = text.get(..e.start).unwrap_or(text).chars().count();
    let count = text.get(e.start..e.end).unwrap_or("").chars().count();
    (e.message, (first, count))
}

/// Both front ends on one row: what is wrong, if anything.
fn check_front_ends(row: &Row, decls: &Declarations) -> Vec<String> {
    let mut failures = Vec::new();
    let text = row.text;
    let mut fail = |what: String| failures.push(format!("{text}: {what}"));
    let variadic = parse_variadic(text, decls, &mut Strings::default());
    match &row.meaning {
        Int(value, Some(ty)) => {
            let want = promoted(&match ty {
                LongLong => Long,
                ULongLong => ULong,
                t => t.clone(),
            });
            let got = declarations(text, true);
            if got != Ok(format!("{value} {want}")) {
                fail(format!("declarations read {got:?}, not {value} {want}"));
            }
            let want = (promoted(ty), int_value(&promoted(ty), *value));
            match variadic {
                Ok(got) if got == want => {}
                other => fail(format!("a variadic literal read {other:?}, not {want:?}")),
            }
            let typed = parse_value(text, ty, decls, &mut Strings::default());
            if typed != Ok(int_value(ty, *value)) {
                fail(format!("a {ty} literal read {typed:?}"));
            }
        }
        Int(value, None) => {
            let message = format!("integer constant '{text}' is too large");
            if declarations(text, true).map_err(|e| e.0) != Err(message.clone()) {
                fail(format!("declarations did not say {message:?}"));
            }
            match variadic {
                Err(e) if e.message.contains("too large for `unsigned long`") => {}
                other => fail(format!("a variadic literal read {other:?}")),
            }
            let wide = parse_value(text, &Type::UInt128, decls, &mut Strings::default());
            if wide != Ok(Value::UInt128(*value as u128)) {
                fail(format!("an unsigned __int128 literal read {wide:?}"));
            }
        }
        Float(ty) => {
            let message = format!("floating constant '{text}' in an integer constant expression");
            if declarations(text, true).map_err(|e| e.0) != Err(message.clone()) {
                fail(format!("declarations did not say {message:?}"));
            }
            match variadic {
                Ok((got, _)) if got == promoted(ty) => {}
                other => fail(format!("a variadic literal read {other:?}")),
            }
        }
        Str(bytes) => {
            let mut message = "static assertion failed".to_string();
            if !bytes.is_empty() {
                message = format!("{message}: {}", String::from_utf8_lossy(bytes));
            }
            let got = declarations(text, true);
            if got.as_ref() != Ok(&message) {
                fail(format!("declarations read {got:?}, not {message:?}"));
            }
            let array = Type::array(Type::Char, bytes.len() as u64 + 1);
            let want: Vec<Value> = bytes
                .iter()
                .chain([&0])
                .map(|&b| Value::Char(b as i8))
                .collect();
            let got = parse_value(text, &array, decls, &mut Strings::default());
            if got != Ok(Value::Array(want)) {
                fail(format!("a {array} literal read {got:?}"));
            }
        }
        Error(message) => {
            let declared = declarations(text, false);
            if declared.as_ref().err().map(|e| e.0.as_str()) != Some(*message) {
                fail(format!("declarations: {declared:?}, not {message:?}"));
            }
            let literal = variadic.map_err(|e| literal_error(text, e));
            if literal.as_ref().err().map(|e| e.0.as_str()) != Some(*message) {
                fail(format!("literals: {literal:?}, not {message:?}"));
            }
            if let (Err((_, a)), Err((_, b))) = (&declared, &literal)
                && a != b
            {
                fail(format!("declarations point at {a:?}, literals at {b:?}"));
            }
        }
        Rejected => {
            if declarations(text, false).is_ok() || variadic.is_ok() {
                fail("accepted".to_string());
            }
        }
    }
    failures
}

#[test]
fn both_front_ends_read_every_lexeme_alike() {
    let decls = Declarations::parse("").unwrap();
    let failures: Vec<String> = ROWS
        .iter()
        .flat_map(|row| check_front_ends(row, &decls))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// `_Generic` names for every type a lexeme can have in gcc.
const C_PRELUDE: &str = r#"int printf(const char *, ...);
#define TYPE(x) _Generic((x), int: "int", unsigned: "unsigned int", long: "long", \
    unsigned long: "unsigned long", long long: "long long", \
    unsigned long long: "unsigned long long", __int128: "__int128", \
    unsigned __int128: "unsigned __int128", unsigned char: "unsigned char", \
    unsigned short: "unsigned short", float: "float", double: "double", \
    long double: "long double", _Float16: "_Float16", __float128: "__float128", \
    default: "other")
static void bytes(int row, const char *type, const void *p, int n) {
    printf("%d %s ", row, type);
    for (int i = 0; i < n; i++) printf("%02x", ((const unsigned char *)p)[i]);
    printf("\n");
}
#define I(n, x) do { __typeof__(x) v_ = (x); int neg_ = v_ < 0; \
    unsigned long long m_ = neg_ ? -(unsigned long long)v_ : (unsigned long long)v_; \
    printf("%d %s %s%llu\n", n, TYPE(x), neg_ ? "-" : "", m_); } while (0)
#define F(n, x) do { if (sizeof(x) == 2 || _Generic((x), __float128: 1, default: 0)) { \
    __typeof__(x) q_ = (x); bytes(n, TYPE(x), &q_, sizeof q_); } \
    else if (sizeof(x) > sizeof(double)) { long double l_ = (x); \
    bytes(n, TYPE(x), &l_, 10); } else { double d_ = (x); bytes(n, TYPE(x), &d_, 8); } } while (0)
#define S(n, x) do { static const char s_[] = x; bytes(n, "string", s_, (int)sizeof s_ - 1); } while (0)
"#;

/// The C statement that shows row `n`: `I`, `F` or `S` from [`C_PRELUDE`].
fn c_statement(n: usize, row: &Row) -> String {
    let kind = match row.meaning {
        Str(_) => "S",
        Float(_) => "F",
        _ if is_string(row.text) => "S",
        _ => "I",
    };
    format!("{kind}({n}, {});", row.text)
}

/// gcc's diagnostics for the C text, and whether one is an error.
fn gcc_diagnostics(source: &str) -> (String, bool) {
    let mut child = Command::new("gcc")
        .args(["-std=c2x", "-fsyntax-only", "-x", "c", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gcc is required for the tests (CI installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(source.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let diagnostics = stderr
        .lines()
        .filter(|l| l.contains("error:") || l.contains("warning:"))
        .collect::<Vec<_>>()
        .join("\n");
    (diagnostics, !out.status.success())
}

/// How jitcall's front ends print a value for comparison with the C program's line.
fn jitcall_line(n: usize, row: &Row, decls: &Declarations) -> Option<String> {
    let hex = |bytes: &[u8]| {
        bytes.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    };
    Some(match &row.meaning {
        Int(value, Some(ty)) => {
            let sign = if *value < 0 { "-" } else { "" };
            format!("{n} {ty} {sign}{}", value.unsigned_abs())
        }
        Float(ty) => {
            let (_, value) = parse_variadic(row.text, decls, &mut Strings::default()).ok()?;
            let bytes = match value {
                Value::Double(x) => x.to_le_bytes().to_vec(),
                Value::LongDouble(x) => LongDouble::to_bytes(x).to_vec(),
                Value::Float16(x) => x.to_bits().to_le_bytes().to_vec(),
                Value::Float128(x) => x.to_bits().to_le_bytes().to_vec(),
                _ => return None,
            };
            format!("{n} {ty} {}", hex(&bytes))
        }
        Str(bytes) => format!("{n} string {}", hex(bytes)),
        _ => return None,
    })
}

#[test]
fn gcc_judges_every_lexeme() {
    let decls = Declarations::parse("").unwrap();
    let mut failures = Vec::new();
    let mut program = format!("{C_PRELUDE}int main(void) {{\n");
    let mut expected = Vec::new();
    for (n, row) in ROWS.iter().enumerate() {
        let statement = c_statement(n, row);
        let (diagnostics, error) =
            gcc_diagnostics(&format!("{C_PRELUDE}void f(void) {{\n{statement}\n}}\n"));
        let refused = matches!(row.meaning, Error(_) | Rejected | Int(_, None));
        match (&row.gcc, diagnostics.is_empty()) {
            (Agrees, true) | (Diagnoses, false) => {}
            (Agrees, false) => failures.push(format!("{}: gcc says {diagnostics}", row.text)),
            (Diagnoses, true) => failures.push(format!("{}: gcc accepts it", row.text)),
            (Differs(why), clean) => {
                if clean != refused {
                    failures.push(format!(
                        "{}: gcc no longer differs ({why}): {diagnostics}",
                        row.text
                    ));
                }
            }
        }
        if !error
            && matches!(row.gcc, Agrees)
            && let Some(line) = jitcall_line(n, row, &decls)
        {
            program.push_str(&statement);
            program.push('\n');
            expected.push((row.text, line));
        }
    }
    program.push_str("return 0;\n}\n");
    let dir = std::env::temp_dir().join(format!("jitcall-lexemes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("lexemes");
    let mut gcc = Command::new("gcc")
        .args(["-std=c2x", "-w", "-x", "c", "-", "-o"])
        .arg(&exe)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    gcc.stdin
        .take()
        .unwrap()
        .write_all(program.as_bytes())
        .unwrap();
    assert!(gcc.wait().unwrap().success(), "{program}");
    let out = Command::new(&exe).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let printed = String::from_utf8(out.stdout).unwrap();
    for ((text, want), got) in expected.iter().zip(printed.lines()) {
        if want != got {
            failures.push(format!("{text}: jitcall reads {want:?}, gcc {got:?}"));
        }
    }
    assert_eq!(printed.lines().count(), expected.len(), "{printed}");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
