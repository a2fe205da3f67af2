//! `jitcall run FILE`: a script of C declarations, variables and calls, run statement by
//! statement, each call's result printed as `jitcall call` prints it.
//!
//! ```c
//! int sqlite3_open(const char *, void **);
//! int sqlite3_changes(void *);
//! void *db;                          // a variable: typed storage, zeroed
//! sqlite3_open(":memory:", &db);     // a call: prints its result, 0
//! int n = sqlite3_changes(db);       // a definition: prints n = 0
//! extern FILE *stdout;               // a variable of the libraries, read in place
//! ```
//!
//! The script is split into statements at the `;` outside parentheses, braces and
//! strings. A statement `name(...)` whose name is a declared function is a call; `T
//! name = value` defines a variable from a literal or a call; `extern T name` binds a
//! variable to the libraries' symbol; everything else goes to the C declaration parser,
//! which also tells a variable's type (as if its definition were a typedef). Arguments
//! are the literals of `call`, where a name is a variable (its value, `&name` its
//! address) or a function (its address).
//!
//! This is not a C interpreter: there are no expressions beyond the literals, no
//! control flow, no preprocessor. An error names the file and line, with a caret, and
//! stops the script: nothing after the failing statement runs.

use crate::report::{Report, outputs_json, result_text};
use crate::{Failure, Functions, callee, print_out, resolve};
use jitcall::explain::Json;
use jitcall::literal::{self, ArgumentError, Names, Strings, Temporary};
use jitcall::{Declarations, Errno, FunctionDecl, Library, Type, Value};
use std::ffi::c_void;

pub(crate) const RUN_EXAMPLES: &str = "\
Examples:
  jitcall run script.c
  jitcall run -l sqlite3 - <<'EOF'
  int sqlite3_open(const char *, void **);
  int sqlite3_exec(void *, const char *, void *, void *, char **);
  int sqlite3_changes(void *);
  int sqlite3_close(void *);
  void *db;
  sqlite3_open(\":memory:\", &db);
  sqlite3_exec(db, \"create table t(x); insert into t values (1), (2), (3);\", NULL, NULL, NULL);
  int n = sqlite3_changes(db);
  sqlite3_close(db);
  EOF

prints 0, 0, n = 3 and 0: each call's result as `jitcall call` prints it, and
`name = value` for each variable defined with a value. Statements are C declarations
(typedefs, structs, prototypes), variables (`void *db;`, `int n = 5;`, `char buf[64];`),
`extern T name;` for a variable of the libraries (`extern FILE *stdout;`), and calls
whose arguments are literals, variables, `&variable`, compound literals and function
names. An error names the line and stops the script (exit 2).";

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// A shared library to search, by path (./libfoo.so), soname (libm.so.6) or short
    /// name as for cc (-l z); repeat to search several in order
    #[arg(short = 'l', long = "lib", value_name = "LIB")]
    libs: Vec<String>,
    /// The script, or - for standard input
    #[arg(value_name = "FILE")]
    file: String,
    /// Print one JSON object per line for each statement that prints: a call's as
    /// `call --json` prints it, a variable's as {"variable", "type", "value"}, each with
    /// its "line"
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    vectors: crate::VectorAbiArgs,
}

pub(crate) fn run(args: RunArgs) -> Result<(), Failure> {
    let (name, text) = if args.file == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Failure::user(format!("cannot read standard input: {e}")))?;
        ("<stdin>".to_string(), text)
    } else {
        let text = std::fs::read_to_string(&args.file)
            .map_err(|e| Failure::user(format!("cannot read {}: {e}", args.file)))?;
        (args.file.clone(), text)
    };
    let mut script = Script::new(&name, &text, &args.libs)?;
    script.json = args.json;
    script.vectors = args.vectors;
    for statement in script.statements()? {
        script.run(statement)?;
    }
    Ok(())
}

/// A variable's storage: its own, or a library's (`extern`).
enum Storage {
    Own(Temporary),
    Extern(*mut c_void),
}

struct Variable {
    name: String,
    ty: Type,
    /// Declared `char *`: shown as the string it points to.
    c_string: bool,
    storage: Storage,
}

struct Script<'a> {
    file: &'a str,
    text: &'a str,
    /// `text` with comments blanked out, byte for byte.
    clean: String,
    /// `clean` with only the declarations read so far, the rest blanked: the
    /// declaration parser's errors then name the script's own lines and columns.
    declared: String,
    decls: Declarations,
    variables: Vec<Variable>,
    functions: Functions<'a>,
    libs: &'a [String],
    /// Libraries that provide the functions and variables used: open until the end.
    opened: Vec<Library>,
    /// What arguments and initializers point to: alive until the end, as C code may
    /// keep the pointers.
    kept: Vec<Strings>,
    /// Print JSON lines.
    json: bool,
    /// `--vector-abi`, for every function called.
    vectors: crate::VectorAbiArgs,
    /// Whether the last callee's output ended without a newline (with `json`).
    open_line: bool,
}

/// One statement: byte offsets in the script, without its `;`.
#[derive(Clone, Copy)]
struct Statement {
    start: usize,
    end: usize,
}

impl<'a> Script<'a> {
    fn new(file: &'a str, text: &'a str, libs: &'a [String]) -> Result<Script<'a>, Failure> {
        let mut script = Script {
            file,
            text,
            clean: String::new(),
            declared: String::new(),
            decls: Declarations::parse("").map_err(|e| Failure::user(e.to_string()))?,
            variables: Vec::new(),
            functions: Functions::new(libs),
            libs,
            opened: Vec::new(),
            kept: Vec::new(),
            json: false,
            vectors: crate::VectorAbiArgs::default(),
            open_line: false,
        };
        script.clean = script.blank_comments()?;
        script.declared = blank(&script.clean);
        Ok(script)
    }

    /// An error at bytes `start..end` of the script: `FILE:LINE: message` and the line
    /// with a caret under them.
    fn error_at(&self, start: usize, end: usize, message: &str) -> Failure {
        let start = floor(self.text, start.min(self.text.len()));
        let end = floor(self.text, end.clamp(start, self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        let number = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count();
        let width = self.text[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        let label = number.to_string();
        let pad = " ".repeat(label.len());
        let mut caret = " ".repeat(column);
        caret.push('^');
        caret.push_str(&"~".repeat(width - 1));
        Failure::user(format!(
            "{}:{number}: {message}\n  {label} | {line_text}\n  {pad} | {caret}",
            self.file
        ))
    }

    /// The text with `//` and `/* */` comments replaced by spaces (newlines kept).
    fn blank_comments(&self) -> Result<String, Failure> {
        let bytes = self.text.as_bytes();
        let mut out = bytes.to_vec();
        let mut i = 0;
        while i < bytes.len() {
            match (bytes[i], bytes.get(i + 1).copied()) {
                (b'"' | b'\'', _) => i = self.quoted_end(i)?,
                (b'/', Some(b'/')) => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        out[i] = b' ';
                        i += 1;
                    }
                }
                (b'/', Some(b'*')) => {
                    let Some(close) = self.text[i + 2..].find("*/") else {
                        return Err(self.error_at(i, i + 2, "this comment is never closed"));
                    };
                    let end = i + 2 + close + 2;
                    for b in out.iter_mut().take(end).skip(i) {
                        if *b != b'\n' {
                            *b = b' ';
                        }
                    }
                    i = end;
                }
                _ => i += 1,
            }
        }
        // Only ASCII bytes of comments (and whole multi-byte characters inside them)
        // were replaced, so the text is still UTF-8.
        String::from_utf8(out).map_err(|_| Failure::user("the script is not UTF-8"))
    }

    /// Just past the string or character constant opening at `open`.
    fn quoted_end(&self, open: usize) -> Result<usize, Failure> {
        let bytes = self.text.as_bytes();
        let quote = bytes[open];
        let mut i = open + 1;
        while i < bytes.len() && bytes[i] != b'\n' {
            match bytes[i] {
                b'\\' => i += 2,
                b if b == quote => return Ok(i + 1),
                _ => i += 1,
            }
        }
        let what = if quote == b'"' {
            "string"
        } else {
            "character constant"
        };
        Err(self.error_at(open, open + 1, &format!("this {what} is never closed")))
    }

    /// The statements, split at the `;` outside parentheses, brackets, braces, strings
    /// and character constants. A last statement may leave out its `;`.
    fn statements(&self) -> Result<Vec<Statement>, Failure> {
        let bytes = self.clean.as_bytes();
        let mut statements = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'"' | b'\'' => {
                    i = self.quoted_end(i)?;
                    continue;
                }
                b'(' | b'[' | b'{' => open.push(i),
                c @ (b')' | b']' | b'}') => {
                    let Some(o) = open.pop() else {
                        return Err(self.error_at(i, i + 1, "this bracket closes nothing"));
                    };
                    let want = match bytes[o] {
                        b'(' => b')',
                        b'[' => b']',
                        _ => b'}',
                    };
                    if c != want {
                        return Err(self.error_at(
                            i,
                            i + 1,
                            &format!("expected '{}' here", want as char),
                        ));
                    }
                }
                b';' if open.is_empty() => {
                    statements.push(Statement { start, end: i });
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        if let Some(&o) = open.first() {
            return Err(self.error_at(o, o + 1, "this bracket is never closed"));
        }
        statements.push(Statement {
            start,
            end: bytes.len(),
        });
        // Trim; drop empty statements.
        Ok(statements
            .into_iter()
            .filter_map(|s| {
                let text = &self.clean[s.start..s.end];
                let lead = text.len() - text.trim_start().len();
                let trail = text.len() - text.trim_end().len();
                (lead + trail < text.len()).then_some(Statement {
                    start: s.start + lead,
                    end: s.end - trail,
                })
            })
            .collect())
    }

    fn run(&mut self, s: Statement) -> Result<(), Failure> {
        let text = &self.clean[s.start..s.end];
        if text.starts_with('#') {
            return Err(self.error_at(
                s.start,
                s.end,
                "a script has no preprocessor: declare what it uses (typedefs, prototypes)",
            ));
        }
        if let Some((name, args)) = self.call_shape(s) {
            let (function, result, arguments, errno) = self.call(s, name, args)?;
            // SAFETY: `result` is what `function` returned for `arguments`, alive.
            let report = unsafe { Report::new(&function, &arguments, &result, errno) };
            if self.json {
                let fields = report.json_fields();
                self.print_json(s, fields);
            } else {
                print_out(&report.lines());
            }
            self.kept.push(arguments.strings);
            return Ok(());
        }
        if let Some(eq) = top_level(text, b'=').first().copied() {
            return self.definition(s, s.start + eq);
        }
        // A variable's name alone shows its value.
        if self.variable(text).is_some() {
            let name = text.to_string();
            self.print_variable(s, &name, None);
            return Ok(());
        }
        self.undeclared_call(s)?;
        self.declaration(s)
    }

    /// Prints a JSON object: `line`, then `fields`, on a line of its own.
    fn print_json(&mut self, s: Statement, fields: Vec<(String, Json)>) {
        let line = self.text[..s.start].matches('\n').count() + 1;
        let mut all = vec![("line".to_string(), Json::Number(line as u64))];
        all.extend(fields);
        let newline = if std::mem::take(&mut self.open_line) {
            "\n"
        } else {
            ""
        };
        print_out(&format!("{newline}{}\n", Json::Object(all).compact()));
    }

    /// Prints `name = value`, then the objects that the arguments of the call that
    /// gave it its value created (as JSON, `{"line", "variable", "type", "value",
    /// "out"}`).
    fn print_variable(&mut self, s: Statement, name: &str, call: Option<&literal::Arguments>) {
        let shown = self.show(name);
        if !self.json {
            let mut lines = format!("{name} = {shown}\n");
            for temporary in call.map_or(&[][..], |a| a.temporaries()) {
                lines.push_str(&temporary.contents());
                lines.push('\n');
            }
            print_out(&lines);
            return;
        }
        let ty = match self.variable(name) {
            Some(v) if v.c_string => "char *".to_string(),
            Some(v) => v.ty.to_string(),
            None => String::new(),
        };
        let mut fields = vec![
            ("variable".to_string(), Json::str(name)),
            ("type".to_string(), Json::String(ty)),
            ("value".to_string(), Json::String(shown)),
        ];
        let out = call.map_or_else(Vec::new, outputs_json);
        if !out.is_empty() {
            fields.push(("out".to_string(), Json::Array(out)));
        }
        self.print_json(s, fields);
    }

    /// An error for `name(...)` where `name` is neither declared nor a type.
    fn undeclared_call(&self, s: Statement) -> Result<(), Failure> {
        match self.call_shape_in(s) {
            Some((name, _)) if self.decls.function(name).is_none() && !self.is_type_word(name) => {
                Err(self.error_at(
                    s.start,
                    s.start + name.len(),
                    &format!(
                        "`{name}` is not declared: declare its prototype first, like \
                     `int {name}(int);`"
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    fn is_type_word(&self, name: &str) -> bool {
        self.decls.typedef(name).is_some() || self.decls.parse_type(name).is_ok()
    }

    /// A variable's value as a definition prints it.
    fn show(&self, name: &str) -> String {
        let c_string = self.variable(name).is_some_and(|v| v.c_string);
        match self.value(name) {
            // SAFETY: a `char *` variable holds NULL or a string: what a string literal,
            // a `char *` result or a library gave it (the script's declaration says so).
            Some((ty, value)) => unsafe { result_text(&value, &ty, c_string) },
            None => "?".into(),
        }
    }

    /// `name(args)` where `name` is a declared function: its name and the span of the
    /// text between the parentheses.
    fn call_shape(&self, s: Statement) -> Option<(&'a str, Statement)> {
        self.call_shape_in(s)
            .filter(|(name, _)| self.decls.function(name).is_some())
    }

    fn call_shape_in(&self, s: Statement) -> Option<(&'a str, Statement)> {
        let text = self.text.get(s.start..s.end)?;
        let clean = self.clean.get(s.start..s.end)?;
        let name_end = clean
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(clean.len());
        let name = text.get(..name_end)?;
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let rest = clean[name_end..].trim_start();
        let open = s.end - rest.len();
        if !rest.starts_with('(') || !rest.ends_with(')') {
            return None;
        }
        // The parenthesis that opens must be the one that closes at the end.
        let inner = &rest[1..rest.len() - 1];
        let mut depth = 0i32;
        for b in strip_quoted(inner).bytes() {
            match b {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth < 0 {
                        return None;
                    }
                }
                _ => {}
            }
        }
        Some((
            name,
            Statement {
                start: open + 1,
                end: s.end - 1,
            },
        ))
    }

    /// Calls `name` with the arguments written in `args`.
    fn call(
        &mut self,
        s: Statement,
        name: &str,
        args: Statement,
    ) -> Result<(FunctionDecl, Value, literal::Arguments, i32), Failure> {
        let Some(mut function) = self.decls.function(name).cloned() else {
            return Err(self.error_at(s.start, s.end, &format!("`{name}` is not declared")));
        };
        self.vectors
            .apply(&mut function)
            .map_err(|e| self.error_at(s.start, s.end, &e))?;
        let inner = &self.clean[args.start..args.end];
        let mut texts = Vec::new();
        let mut offsets = Vec::new();
        if !inner.trim().is_empty() {
            let mut from = 0;
            let commas = top_level(inner, b',');
            for cut in commas.into_iter().chain([inner.len()]) {
                let piece = &inner[from..cut];
                let lead = piece.len() - piece.trim_start().len();
                texts.push(piece.trim().to_string());
                offsets.push(args.start + from + lead);
                from = cut + 1;
            }
        }
        let arguments = literal::parse_arguments_with(&function, &self.decls, &*self, &texts)
            .map_err(|e| match &e {
                ArgumentError::Value { index, ty, error } => {
                    let at = offsets.get(*index).copied().unwrap_or(args.start);
                    self.error_at(
                        at + error.start,
                        at + error.end,
                        &format!("argument {index} ({ty}): {}", error.message),
                    )
                }
                _ => self.error_at(s.start, s.end, &format!("{name}: {e}")),
            })?;
        let symbol = function.symbol.clone();
        let (library, _) =
            resolve(self.libs, &symbol).map_err(|f| self.error_at(s.start, s.end, &f.message))?;
        let f = library
            .function_with_errno(&symbol, &arguments.signature, Errno::SetAndCapture)
            .map_err(|e| self.error_at(s.start, s.end, &Failure::from(e).message))?;
        self.opened.push(library);
        let line = self.text[..s.start].matches('\n').count() + 1;
        let guard = callee::Guard::new(&format!("{}:{line}: `{name}`", self.file), self.json);
        // SAFETY: the script declared the prototype, the same trust `call` gives a
        // declaration; what the arguments point to is alive in `arguments`, and the
        // variables and libraries they name live as long as the script.
        let outcome = unsafe { f.call_with_errno(&arguments.values, 0) };
        self.open_line = guard.finish();
        let (result, errno) =
            outcome.map_err(|e| self.error_at(s.start, s.end, &Failure::from(e).message))?;
        if errno != 0 {
            eprintln!(
                "{}:{line}: `{name}`: errno {}",
                self.file,
                crate::report::errno_text(errno)
            );
        }
        Ok((function, result, arguments, errno))
    }

    /// Reads the declarations with the statement's text `start..end` added; the
    /// parser's errors point into the script.
    /// `semicolon` is where its `;` goes, so that the next declaration starts afresh
    /// (the end of the script has none).
    fn declare(&mut self, start: usize, end: usize, semicolon: usize) -> Result<(), Failure> {
        let mut declared = self.declared.clone();
        declared.replace_range(start..end, &self.clean[start..end]);
        if semicolon < declared.len() {
            declared.replace_range(semicolon..semicolon + 1, ";");
        }
        let decls = Declarations::parse(&declared).map_err(|e| {
            let offset = line_column_offset(&declared, e.line, e.column);
            let width = e.length.max(1);
            self.error_at(offset, offset + width, &e.message)
        })?;
        self.declared = declared;
        self.decls = decls;
        Ok(())
    }

    /// What `T name` declares, when it is a variable: its name and type. Read as the
    /// typedef `typedef T name;` would be, against the declarations before it.
    fn variable_in(&self, before: &str, text: &str) -> Option<(String, Type)> {
        let trial = Declarations::parse(&format!("{before}\ntypedef {text};")).ok()?;
        identifiers(text)
            .into_iter()
            .rev()
            .find(|name| self.decls.typedef(name).is_none() && trial.typedef(name).is_some())
            .and_then(|name| Some((name.to_string(), trial.typedef(name)?.clone())))
    }

    fn declaration(&mut self, s: Statement) -> Result<(), Failure> {
        let before = self.declared.clone();
        let text = self.clean[s.start..s.end].to_string();
        let (is_extern, body) = match text.strip_prefix("extern") {
            Some(rest) if rest.starts_with(char::is_whitespace) => (true, rest),
            _ => (false, text.as_str()),
        };
        self.declare(s.start, s.end, s.end)?;
        let Some((name, ty)) = self.variable_in(&before, body) else {
            return Ok(());
        };
        let storage = if is_extern {
            let (library, address) =
                resolve(self.libs, &name).map_err(|f| self.error_at(s.start, s.end, &f.message))?;
            self.opened.push(library);
            Storage::Extern(address.cast_mut())
        } else {
            let temporary = Temporary::new(&ty, &literal::zero(&ty), ty.to_string())
                .map_err(|e| self.error_at(s.start, s.end, &e.to_string()))?;
            Storage::Own(temporary)
        };
        let c_string = is_c_string(body, &name);
        self.variables.push(Variable {
            name,
            ty,
            c_string,
            storage,
        });
        Ok(())
    }

    /// `T name = value`, where `eq` is the offset of the `=`.
    fn definition(&mut self, s: Statement, eq: usize) -> Result<(), Failure> {
        let left = self.clean[s.start..eq].trim_end().to_string();
        if self.variable(&left).is_some() {
            return Err(self.error_at(
                s.start,
                s.start + left.len(),
                &format!(
                    "`{left}` is already defined: a script defines each variable once \
                     (there is no assignment)"
                ),
            ));
        }
        if left.starts_with("extern") {
            return Err(self.error_at(
                s.start,
                eq,
                "an extern variable is the library's: it takes no value here",
            ));
        }
        let before = self.declared.clone();
        self.declare(s.start, s.start + left.len(), eq)?;
        let Some((name, ty)) = self.variable_in(&before, &left) else {
            return Err(self.error_at(
                s.start,
                s.start + left.len(),
                "expected a variable's definition before '=': a type, then a name",
            ));
        };
        let c_string = is_c_string(&left, &name);
        let right_text = &self.clean[eq + 1..s.end];
        let lead = right_text.len() - right_text.trim_start().len();
        let right = Statement {
            start: eq + 1 + lead,
            end: s.end,
        };
        let mut strings = Strings::default();
        let mut made = None;
        self.undeclared_call(right)?;
        let value = if let Some((callee, args)) = self.call_shape(right) {
            let (function, result, arguments, _) = self.call(s, callee, args)?;
            let ret = arguments.signature.ret().clone();
            made = Some(arguments);
            if ret == ty {
                result
            } else if ret == Type::Void {
                return Err(self.error_at(
                    right.start,
                    right.end,
                    &format!("`{}` returns nothing to store", function.name),
                ));
            } else {
                // Converted as a literal of the result's own value would be, so range
                // checks and all: the printed result reads back exactly.
                let shown = literal::format_value(&result, &ret);
                literal::parse_value(&shown, &ty, &self.decls, &mut strings).map_err(|e| {
                    self.error_at(
                        right.start,
                        right.end,
                        &format!(
                            "the result of `{}`, {shown} (`{ret}`), cannot be stored in \
                             `{name}` (`{ty}`): {}",
                            function.name, e.message
                        ),
                    )
                })?
            }
        } else {
            let text = &self.clean[right.start..right.end];
            literal::parse_value_with(text, &ty, &self.decls, &*self, &mut strings).map_err(
                |e| {
                    self.error_at(
                        right.start + e.start,
                        right.start + e.end,
                        &format!("`{name}` ({ty}): {}", e.message),
                    )
                },
            )?
        };
        let temporary = Temporary::new(&ty, &value, ty.to_string())
            .map_err(|e| self.error_at(s.start, s.end, &e.to_string()))?;
        self.kept.push(strings);
        self.variables.push(Variable {
            name: name.clone(),
            ty,
            c_string,
            storage: Storage::Own(temporary),
        });
        self.print_variable(s, &name, made.as_ref());
        if let Some(arguments) = made {
            self.kept.push(arguments.strings);
        }
        Ok(())
    }

    fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().rev().find(|v| v.name == name)
    }
}

impl Names for Script<'_> {
    fn value(&self, name: &str) -> Option<(Type, Value)> {
        let Some(v) = self.variable(name) else {
            return self.functions.value(name);
        };
        let value = match &v.storage {
            Storage::Own(t) => t.value().ok()?,
            Storage::Extern(address) => {
                let size = v.ty.layout().ok()?.size as usize;
                // SAFETY: the script declared the library's variable with this type,
                // the same trust as a prototype: `size` bytes live at its address.
                let bytes = unsafe { std::slice::from_raw_parts(address.cast::<u8>(), size) };
                Value::from_bytes(&v.ty, bytes).ok()?
            }
        };
        Some((v.ty.clone(), value))
    }

    fn address(&self, name: &str) -> Option<*mut c_void> {
        match self.variable(name) {
            Some(Variable {
                storage: Storage::Own(t),
                ..
            }) => Some(t.address()),
            Some(Variable {
                storage: Storage::Extern(address),
                ..
            }) => Some(*address),
            None => self.functions.address(name),
        }
    }
}

/// `text` with every character but newlines replaced by spaces, byte for byte.
fn blank(text: &str) -> String {
    text.bytes()
        .map(|b| if b == b'\n' { '\n' } else { ' ' })
        .collect()
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte offset of 1-based (line, column in characters) in `text`.
fn line_column_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (n, l) in text.split('\n').enumerate() {
        if n + 1 == line {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(l.len(), |(i, _)| i);
        }
        offset += l.len() + 1;
    }
    text.len()
}

/// `text` with the insides of strings and character constants blanked.
fn strip_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    out.push(c);
                    continue;
                }
                out.push(' ');
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// Byte offsets of `wanted` outside strings, character constants and brackets.
fn top_level(text: &str, wanted: u8) -> Vec<usize> {
    let plain = strip_quoted(text);
    let mut depth = 0i32;
    let mut found = Vec::new();
    for (i, b) in plain.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b if b == wanted && depth == 0 => found.push(i),
            _ => {}
        }
    }
    found
}

/// The identifiers of a declaration's text, in order.
fn identifiers(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(&text[start..i]);
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `T name` declares a `char *` (maybe `const`), printed as a string.
fn is_c_string(text: &str, name: &str) -> bool {
    let words: Vec<&str> = identifiers(text)
        .into_iter()
        .filter(|w| *w != "const")
        .collect();
    words == ["char", name] && text.matches('*').count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_respects_strings_brackets_and_comments() {
        let text =
            "int f(int, char *); // a; comment\n/* b; */ f(1, \"x;y\");\nstruct s { int a; } v";
        let script = Script::new("t.c", text, &[])
            .map_err(|f| f.message)
            .unwrap();
        let got: Vec<&str> = script
            .statements()
            .map_err(|f| f.message)
            .unwrap()
            .into_iter()
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(
            got,
            [
                "int f(int, char *)",
                "f(1, \"x;y\")",
                "struct s { int a; } v"
            ]
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(top_level("a(1, 2), \"b,c\", {3, 4}", b','), [7, 14]);
        assert!(is_c_string("const char *s", "s"));
        assert!(!is_c_string("char **s", "s"));
        assert!(!is_c_string("int s", "s"));
        assert_eq!(identifiers("int (*fp)(int)"), ["int", "fp", "int"]);
    }
}
