//! Real C headers on the command line: the `--include`, `-I`, `-D`, `-U` and `--cc`
//! options `call`, `explain` and `decls` share, a function looked up by name in the
//! headers, and the `decls` command that lists what headers declare.
//!
//! The work is the library's ([`Declarations::from_headers`]); this file reads options
//! and prints.

use crate::{Failure, print_out};
use clap::Args;
use jitcall::cdecl::{FunctionEntry, LookupError, TypeEntry};
use jitcall::explain::Json;
use jitcall::{Declarations, FunctionDecl, HeaderOptions};

/// Where declarations can come from besides the command line's text: real headers.
#[derive(Args, Clone, Default)]
pub struct HeaderArgs {
    /// A C header to read declarations from (`zlib.h`, `openssl/ssl.h`, `./mine.h`),
    /// preprocessed by $CC (default cc); repeat for several. DECLARATIONS may then be
    /// just a function's name
    #[arg(long = "include", value_name = "HEADER")]
    pub includes: Vec<String>,
    /// With --include: a directory to search for headers first
    #[arg(short = 'I', value_name = "DIR", requires = "includes")]
    pub include_dirs: Vec<String>,
    /// With --include: define a macro for the headers (NAME or NAME=VALUE)
    #[arg(short = 'D', value_name = "NAME[=VALUE]", requires = "includes")]
    pub defines: Vec<String>,
    /// With --include: undefine a macro for the headers
    #[arg(short = 'U', value_name = "NAME", requires = "includes")]
    pub undefines: Vec<String>,
    /// With --include: the compiler that preprocesses the headers (default: $CC, else cc)
    #[arg(long = "cc", value_name = "CMD", requires = "includes")]
    pub cc: Option<String>,
}

impl HeaderArgs {
    fn options(&self) -> HeaderOptions {
        let mut options = HeaderOptions::new();
        for dir in &self.include_dirs {
            options = options.include_dir(dir);
        }
        for d in &self.defines {
            options = options.define(d);
        }
        for u in &self.undefines {
            options = options.undefine(u);
        }
        if let Some(cc) = &self.cc {
            options = options.cc(cc);
        }
        options
    }

    /// The headers' declarations; `None` without `--include`.
    pub fn read(&self) -> Result<Option<Declarations>, Failure> {
        if self.includes.is_empty() {
            return Ok(None);
        }
        Declarations::from_headers(&self.includes, &self.options())
            .map(Some)
            .map_err(|e| Failure::user(format!("--include: {e}")))
    }
}

/// Whether the DECLARATIONS argument is only a name (to look up in the headers).
pub fn is_name(text: &str) -> bool {
    let text = text.trim();
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The function `name` of the headers, or an error that says why it cannot be called
/// (with the header and line of its declaration).
pub fn function_by_name(decls: &Declarations, name: &str) -> Result<FunctionDecl, Failure> {
    match decls.find_function(name) {
        Ok(f) => Ok(f.clone()),
        Err(LookupError::NotDeclared(_)) => Err(Failure::user(format!(
            "the headers declare no function `{name}`"
        ))),
        Err(e) => Err(Failure::user(e.to_string())),
    }
}

#[derive(Args)]
pub struct DeclsArgs {
    #[command(flatten)]
    pub headers: HeaderArgs,
    /// Print a JSON object: {"functions": [...], "types": [...], "skipped": [...]}
    #[arg(long)]
    pub json: bool,
}

pub const DECLS_EXAMPLES: &str = "\
Examples:
  jitcall decls --include zlib.h
  jitcall decls --include stdio.h --json
  jitcall decls --include stdio.h -D _FILE_OFFSET_BITS=64     # fopen is fopen64

Lists every function (its prototype, the symbol it is called by, where it is declared,
and why jitcall cannot call it, if it cannot) and every named type with its size,
alignment and member offsets, as gcc lays them out. See docs/CLI.md.";

fn location_json(location: &jitcall::cdecl::Location) -> [(String, Json); 2] {
    [
        (
            "header".to_string(),
            location.file.as_deref().map_or(Json::Null, Json::str),
        ),
        ("line".to_string(), Json::Number(location.line as u64)),
    ]
}

fn function_json(f: &FunctionEntry) -> Json {
    let mut fields = vec![
        ("name".to_string(), Json::str(&f.name)),
        ("symbol".to_string(), Json::str(&f.symbol)),
        ("declaration".to_string(), Json::str(&f.declaration)),
    ];
    fields.extend(location_json(&f.location));
    fields.push(("supported".to_string(), Json::Bool(f.unsupported.is_none())));
    if let Some(reason) = &f.unsupported {
        fields.push(("reason".to_string(), Json::str(reason)));
    }
    Json::Object(fields)
}

fn type_json(t: &TypeEntry) -> Json {
    let mut fields = vec![("name".to_string(), Json::str(&t.name))];
    match &t.layout {
        Ok(layout) => {
            fields.push(("size".to_string(), Json::Number(layout.size)));
            fields.push(("align".to_string(), Json::Number(layout.align)));
            let members = layout
                .fields
                .iter()
                .map(|f| {
                    let mut member = vec![
                        ("name".to_string(), Json::str(&f.name)),
                        ("offset".to_string(), Json::Number(f.offset)),
                        ("size".to_string(), Json::Number(f.size)),
                    ];
                    if let Some(bits) = f.bits {
                        member.push((
                            "bit_offset".to_string(),
                            Json::Number(u64::from(bits.bit_offset)),
                        ));
                        member.push(("bit_width".to_string(), Json::Number(u64::from(bits.width))));
                    }
                    Json::Object(member)
                })
                .collect();
            fields.push(("fields".to_string(), Json::Array(members)));
            fields.extend(location_json(&t.location));
            fields.push(("supported".to_string(), Json::Bool(true)));
        }
        Err(reason) => {
            fields.extend(location_json(&t.location));
            fields.push(("supported".to_string(), Json::Bool(false)));
            fields.push(("reason".to_string(), Json::str(reason)));
        }
    }
    Json::Object(fields)
}

/// `jitcall decls`.
pub fn decls(args: DeclsArgs) -> Result<(), Failure> {
    let Some(decls) = args.headers.read()? else {
        return Err(Failure::user("decls: give at least one --include HEADER"));
    };
    let functions = decls.function_entries();
    let types = decls.types();
    if args.json {
        let skipped = decls
            .skipped()
            .iter()
            .map(|s| {
                let mut fields = vec![(
                    "name".to_string(),
                    s.name.as_deref().map_or(Json::Null, Json::str),
                )];
                fields.push(("declaration".to_string(), Json::str(&s.declaration)));
                fields.extend(location_json(&s.location));
                fields.push(("reason".to_string(), Json::str(&s.reason)));
                Json::Object(fields)
            })
            .collect();
        let json = Json::Object(vec![
            (
                "functions".to_string(),
                Json::Array(functions.iter().map(function_json).collect()),
            ),
            (
                "types".to_string(),
                Json::Array(types.iter().map(type_json).collect()),
            ),
            ("skipped".to_string(), Json::Array(skipped)),
        ]);
        print_out(&format!("{}\n", json.compact()));
        return Ok(());
    }
    let mut out = String::new();
    let unsupported = functions.iter().filter(|f| f.unsupported.is_some()).count();
    out.push_str(&format!(
        "{} functions ({unsupported} cannot be called):\n",
        functions.len()
    ));
    let mut header = None;
    for f in functions {
        if header != Some(&f.location.file) {
            header = Some(&f.location.file);
            out.push_str(&format!(
                "  {}\n",
                f.location.file.as_deref().unwrap_or("(no header)")
            ));
        }
        out.push_str(&format!("    {:>5}  {}", f.location.line, f.declaration));
        if f.symbol != f.name {
            out.push_str(&format!("  [symbol {}]", f.symbol));
        }
        if let Some(reason) = &f.unsupported {
            out.push_str(&format!("\n           cannot be called: {reason}"));
        }
        out.push('\n');
    }
    let unsupported = types.iter().filter(|t| t.layout.is_err()).count();
    out.push_str(&format!(
        "\n{} types ({unsupported} jitcall cannot represent):\n",
        types.len()
    ));
    let mut header = None;
    for t in &types {
        if header != Some(&t.location.file) {
            header = Some(&t.location.file);
            out.push_str(&format!(
                "  {}\n",
                t.location.file.as_deref().unwrap_or("(no header)")
            ));
        }
        match &t.layout {
            Ok(l) => {
                out.push_str(&format!(
                    "    {:>5}  {}: size {}, align {}\n",
                    t.location.line, t.name, l.size, l.align
                ));
                for f in &l.fields {
                    if let Some(bits) = f.bits {
                        out.push_str(&format!(
                            "           bit-field {}: bits {}..{} of the {}-byte unit at offset {}\n",
                            f.name,
                            bits.bit_offset,
                            bits.bit_offset + bits.width,
                            f.size,
                            f.offset
                        ));
                    }
                }
            }
            Err(reason) => out.push_str(&format!(
                "    {:>5}  {}: unsupported: {reason}\n",
                t.location.line, t.name
            )),
        }
    }
    if !decls.skipped().is_empty() {
        out.push_str(&format!(
            "\n{} declarations skipped:\n",
            decls.skipped().len()
        ));
        for s in decls.skipped() {
            out.push_str(&format!(
                "  {}: {}: {}\n",
                s.location,
                s.name.as_deref().unwrap_or("(unnamed)"),
                s.reason
            ));
        }
    }
    print_out(&out);
    Ok(())
}
