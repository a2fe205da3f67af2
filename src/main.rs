//! `jitcall`: call any function of any shared library from the shell, and see how the
//! call is made.
//!
//! This file only handles arguments and printing; the work is the libraries':
//! [`jitcall::cdecl`] reads the declarations, [`jitcall::literal`] the values and the
//! results, [`jitcall::explain`] the teaching view, and [`jitcall_fuzz`] (a crate of this
//! workspace) runs `jitcall fuzz`. Exit status: 0 on success, 2 on any user error (bad
//! declaration, value, argument count, library or symbol), 1 if jitcall itself fails.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use jitcall::explain::{ExplainedEntry, Explanation, Json};
use jitcall::literal::{self, ArgumentError, Arguments};
use jitcall::{Declarations, Errno, Error, FunctionDecl, Library, Value};
use std::ffi::c_void;
use std::process::ExitCode;

mod argv;
mod callee;
mod deps;
mod headers;
mod libname;
mod report;
mod run;
mod which;

const ABOUT: &str = "Call C functions from the shell through JIT-compiled x86-64 System V \
                     trampolines, and see where every argument goes";

const EXAMPLES: &str = "\
Examples:
  jitcall call 'double pow(double, double)' 2 10
  jitcall call 'size_t strlen(const char *)' '\"hello\"'
  jitcall call 'int printf(const char *, ...)' '\"%s is %d\\n\"' '\"answer\"' 42
  jitcall explain 'struct s { char c; double d; }; double f(struct s, int)'
  jitcall call --include zlib.h -l libz.so.1 crc32 0 '\"hello\"' 5
  jitcall call 'double frexp(double, int *)' 8.5 '&(int){0}'
  jitcall run -l sqlite3 script.c
  jitcall decls --include stdio.h

Values are C literals: 42, -5, 0x1f, 1.5f, 1e10, 0x1.8p3, inf, \"text\", NULL,
{1, {2.5, 3}}, {.member = 1}, (long)9, (struct s){1, 2}, &(int){0}, (char[64]){0},
and function names. See docs/CLI.md.";

const CALL_EXAMPLES: &str = "\
Examples:
  jitcall call 'double pow(double, double)' 2 10                 # 1024
  jitcall call 'int abs(int)' -5                                 # 5
  jitcall call 'size_t strlen(const char *)' '\"hello\"'           # 5
  jitcall call 'char *getenv(const char *)' '\"HOME\"'             # \"/root\"
  jitcall call 'int printf(const char *, ...)' '\"%d %.1f\\n\"' 7 2.5
  jitcall call -l libcurl.so.4 'char *curl_version(void)'
  jitcall call -l ./libpt.so 'struct pt { int x; double y; }; struct pt mid(struct pt, struct pt)' \\
      '{1, 2}' '{.x = 3, .y = 4}'
  jitcall call --json 'long labs(long)' -7                       # {\"function\": ...}
  jitcall call 'double frexp(double, int *)' 8.5 '&(int){0}'      # 0.53125, then 4
  jitcall call 'int snprintf(char *, size_t, const char *, ...)' '(char[64]){0}' 64 '\"%d\"' 7
  jitcall call -l sqlite3 'int sqlite3_open(const char *, void **)' '\":memory:\"' '&(void *){0}'
  jitcall call -l ./libcmp.so 'void qsort(void *, size_t, size_t, int (*)(const void *, const void *))' \\
      '(int[]){3, 1, 2}' 3 4 cmp_int                            # {1, 2, 3}
  jitcall call --include math.h hypot 3 4                        # 5
  jitcall call --include zlib.h -l libz.so.1 crc32 0 '\"hello\"' 5  # 907060870

Libraries (-l z is libz.so, as for cc) are searched in order, then the process itself
(libc), then libm.so.6 and libc.so.6. &(T){...} and (T[N]){...} pass the address of a
new object and print its contents after the result; a function's name passes the
function. Options may follow the arguments. Variadic arguments take their C type from
their spelling (5 is int, 6000000000 long, 2.5 double, \"s\" char *) or from a cast:
(long)5, (struct s){1, 2}.";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  jitcall explain 'struct s { char c; double d; }; double f(struct s, int)'
  jitcall explain 'long double fmal(long double, long double, long double)'
  jitcall explain 'int printf(const char *, ...)' '\"%d %f\"' 1 2.5
  jitcall explain --format json 'struct big { long a, b, c; }; struct big make(void)'
  jitcall explain --entry bound 'int add2(int, int)'   # the code call_frame runs
  jitcall explain --include stdio.h fprintf

For a variadic function, give example arguments (fixed ones first) to see where the
variadic ones go; without them the call passes none.";

const FUZZ_EXAMPLES: &str = "\
Examples:
  jitcall fuzz                                      # 1000 signatures against cc
  jitcall fuzz --cc clang-19 --cases 100000 --jobs 1
  jitcall fuzz --cc 'gcc -fpcc-struct-return'       # must fail: another ABI
  jitcall fuzz --seed 1234 --max-params 8           # replay a run, smaller calls
  jitcall fuzz --cc gcc --replay 'struct s { float x[3]; }; struct s f(int, ...)' --vararg double

Each signature becomes a C callee that checks every byte of its arguments, compiled by
CMD; jitcall's calls must agree with the compiler's own, byte for byte, and the compiler
must call a jitcall callback of each non-variadic signature correctly. A failure is
shrunk and printed as a C reproducer with the `jitcall call` line that replays it, and,
when it was found through another call (a callback), the `--replay` line that judges it
alone through every call. The last line is `N passed, N failed`; exit status 1 if any
case failed. See docs/FUZZING.md.";

#[derive(Parser)]
#[command(name = "jitcall", version, about = ABOUT, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Call a C function and print its result as a C literal
    #[command(after_help = CALL_EXAMPLES)]
    Call(CallArgs),
    /// Show where each argument and the result travel, and the trampoline's code
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// List what C headers declare: functions with their symbols, types with layouts
    #[command(after_help = headers::DECLS_EXAMPLES)]
    Decls(headers::DeclsArgs),
    /// Fuzz jitcall's calls against a C compiler: generated signatures, the compiler as
    /// the oracle
    #[command(after_help = FUZZ_EXAMPLES)]
    Fuzz(FuzzArgs),
    /// Run a script of C declarations, variables and calls, printing each call's result
    #[command(after_help = run::RUN_EXAMPLES)]
    Run(run::RunArgs),
    /// Tell which object provides a symbol: path, soname, build-id, version bound
    #[command(after_help = which::WHICH_EXAMPLES)]
    Which(which::WhichArgs),
    /// Tell what an ELF file declares it needs: DT_NEEDED (as a resolved tree),
    /// RPATH/RUNPATH, soname, build-id, .note.dlopen and .note.package
    #[command(after_help = deps::DEPS_EXAMPLES)]
    Deps(deps::DepsArgs),
}

/// What `call` and `explain` both read: the declarations, which declared function, and
/// the arguments of the call. The help is worded for `call`; `explain` rewords it.
#[derive(Args)]
struct FunctionCall {
    /// Call this declared function instead of the last one; NAME@VERSION binds that
    /// version of it (memcpy@GLIBC_2.2.5)
    #[arg(long = "fn", value_name = "NAME")]
    function: Option<String>,
    /// C declarations: typedefs, structs, unions, enums, then prototypes; with
    /// --include, a function's name, or declarations that may use the headers' types
    #[arg(value_name = "DECLARATIONS")]
    declarations: String,
    /// The arguments, as C literals (negative numbers need no `--`; options may follow
    /// them)
    #[arg(value_name = "ARG")]
    args: Vec<String>,
    #[command(flatten)]
    headers: headers::HeaderArgs,
    #[command(flatten)]
    vectors: VectorAbiArgs,
}

/// `--vector-abi`, for `call`, `explain` and `run`.
#[derive(Args, Clone, Copy, Default)]
pub(crate) struct VectorAbiArgs {
    /// How the callee takes 32- and 64-byte vectors (__m256, __m512) by value, which
    /// depends on how it was compiled: detect (the default: as this CPU runs, AVX-512F
    /// or AVX), sse (built without AVX: in memory), avx (-mavx, -mavx2: __m256 in ymm,
    /// __m512 in memory), avx512 (-mavx512f: ymm and zmm). For functions declared
    /// without __attribute__((target("avx2"|"avx512f"|"no-avx"))); one declared with
    /// another choice is an error
    #[arg(long = "vector-abi", value_enum, value_name = "ABI")]
    vector_abi: Option<VectorAbiArg>,
}

/// The values of `--vector-abi`: [`jitcall::abi::VectorAbi`]'s.
#[derive(Clone, Copy, ValueEnum)]
enum VectorAbiArg {
    Detect,
    Sse,
    Avx,
    Avx512,
}

impl VectorAbiArgs {
    /// States the choice in `function`'s signature, unless its declaration states one
    /// (`__attribute__((target(..)))`): the same one is no conflict, and neither is
    /// `detect` (the default) or a function that passes no 32- or 64-byte vector by
    /// value (the choice changes nothing there); another one is an error, since the
    /// declaration and the option cannot both say how the callee was built.
    pub(crate) fn apply(&self, function: &mut FunctionDecl) -> Result<(), String> {
        use jitcall::abi::VectorAbi;
        let choice = match self.vector_abi {
            None | Some(VectorAbiArg::Detect) => return Ok(()),
            Some(VectorAbiArg::Sse) => VectorAbi::Sse,
            Some(VectorAbiArg::Avx) => VectorAbi::Avx,
            Some(VectorAbiArg::Avx512) => VectorAbi::Avx512,
        };
        let sig = &function.signature;
        let declared = sig.vector_abi();
        if declared == VectorAbi::Detect {
            function.signature = sig.clone().with_vector_abi(choice);
            return Ok(());
        }
        // Whether any 32- or 64-byte vector travels by value: asked with the one choice
        // that needs nothing of this CPU.
        let wide = jitcall::abi::sysv::classify(&sig.clone().with_vector_abi(VectorAbi::Sse))
            .is_ok_and(|plan| plan.vector_abi.is_some());
        if declared == choice || !wide {
            return Ok(());
        }
        let option = |abi: VectorAbi| match abi {
            VectorAbi::Sse => "sse",
            VectorAbi::Avx => "avx",
            _ => "avx512",
        };
        Err(format!(
            "--vector-abi {}: `{}` is declared with __attribute__((target(..))) for {} \
             (--vector-abi {}): the declaration already says how the callee was built; \
             drop the option or the attribute",
            option(choice),
            function.name,
            declared.name(),
            option(declared)
        ))
    }
}

#[derive(Args)]
struct CallArgs {
    /// A shared library to search, by path (./libfoo.so), soname (libm.so.6) or short
    /// name as for cc (-l z); repeat to search several in order
    #[arg(short = 'l', long = "lib", value_name = "LIB")]
    libs: Vec<String>,
    #[command(flatten)]
    call: FunctionCall,
    /// Print the result as a JSON object
    #[arg(long)]
    json: bool,
    /// After the call, write the ledger (libraries opened, symbols bound, the objects
    /// providing them) to FILE as a CycloneDX 1.6 bill of materials
    #[arg(long, value_name = "FILE")]
    ledger: Option<std::path::PathBuf>,
    /// After the call, write the .note.dlopen JSON declaring the libraries opened
    #[arg(long, value_name = "FILE")]
    dlopen_note: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The entry `explain --entry` disassembles.
#[derive(Clone, Copy, ValueEnum)]
enum EntryArg {
    /// The frame entry, fn(frame, target), shared by every signature with the same plan
    Frame,
    /// What Function::call_frame runs: the target baked in, a tail jump when it can be
    Bound,
    /// What Function::call_raw runs: libffi's shape, fn(ret, args), the target baked in
    Pointers,
    /// What Function::call_batch runs: one call per row of frames, in one loop
    Batch,
}

impl From<EntryArg> for ExplainedEntry {
    fn from(e: EntryArg) -> ExplainedEntry {
        match e {
            EntryArg::Frame => ExplainedEntry::Frame,
            EntryArg::Bound => ExplainedEntry::Bound,
            EntryArg::Pointers => ExplainedEntry::Pointers,
            EntryArg::Batch => ExplainedEntry::Batch,
        }
    }
}

#[derive(Args)]
#[command(
    mut_arg("function", |a| a.help("Explain this declared function instead of the last one")),
    mut_arg("args", |a| a.help(
        "Optional example arguments, as for `call` (gives variadic arguments their types)"
    ))
)]
struct ExplainArgs {
    #[command(flatten)]
    call: FunctionCall,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Which compiled entry to disassemble
    #[arg(long, value_enum, default_value = "frame")]
    entry: EntryArg,
}

#[derive(Args)]
struct FuzzArgs {
    /// Number of signatures to check
    #[arg(long, value_name = "N", default_value_t = 1000)]
    cases: usize,
    /// Seed of the run (default: a fresh one, printed)
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// The C compiler, with flags if wanted: 'gcc', 'clang-19', 'gcc -fpcc-struct-return'
    #[arg(long, value_name = "CMD", default_value = "cc")]
    cc: String,
    /// At most this many parameters per signature (up to 64)
    #[arg(long, value_name = "K", default_value_t = 24)]
    max_params: usize,
    /// Batches compiled and run at the same time (default: one per CPU)
    #[arg(long, value_name = "J")]
    jobs: Option<usize>,
    /// Signatures per compiled library
    #[arg(long, value_name = "B", default_value_t = 250)]
    batch: usize,
    /// Judge only the last prototype of these C declarations, through every call the
    /// fuzzer makes (as a failure's `--replay` line prints them)
    #[arg(
        long,
        value_name = "DECLARATIONS",
        conflicts_with_all = ["cases", "seed", "max_params", "jobs", "batch"]
    )]
    replay: Option<String>,
    /// With --replay of a variadic prototype: the type of each variadic argument, in
    /// order (repeat it)
    #[arg(long = "vararg", value_name = "TYPE", requires = "replay")]
    varargs: Vec<String>,
}

/// A failure: the message for stderr, and whether it is the user's (exit 2) or ours.
struct Failure {
    message: String,
    internal: bool,
}

impl Failure {
    fn user(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            internal: false,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let internal = matches!(e, Error::CodeMemory(_) | Error::Encoding(_));
        let mut message = e.to_string();
        if let Some(source) = std::error::Error::source(&e) {
            message.push_str(&format!(": {source}"));
        }
        Failure { message, internal }
    }
}

fn main() -> ExitCode {
    let mut command = Cli::command();
    command.build();
    let args = argv::options_first(&command, std::env::args_os().collect());
    let cli = match Cli::from_arg_matches(&command.get_matches_from(args)) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Call(args) => call(args),
        Command::Explain(args) => explain(args),
        Command::Decls(args) => headers::decls(args),
        Command::Fuzz(args) => return fuzz(args),
        Command::Run(args) => run::run(args),
        Command::Which(args) => which::which(args),
        Command::Deps(args) => deps::deps(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("jitcall: {}", f.message);
            ExitCode::from(if f.internal { 1 } else { 2 })
        }
    }
}

/// Writes to stdout; a closed pipe (`jitcall ... | head -1`) is not an error.
fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// Reads the declarations (the text, or with `--include` the headers) and picks the
/// function to use.
fn call_declarations(call: &FunctionCall) -> Result<(Declarations, FunctionDecl), Failure> {
    let Some(decls) = call.headers.read()? else {
        return declarations(&call.declarations, call.function.as_deref());
    };
    if !headers::is_name(&call.declarations) {
        // C text of the user's own, which may use the headers' types.
        let text = &call.declarations;
        let decls = decls
            .extended(text)
            .map_err(|e| Failure::user(format!("in DECLARATIONS, {}", e.render(text))))?;
        return pick_function(decls, call.function.as_deref());
    }
    let name = call.function.as_deref().unwrap_or(call.declarations.trim());
    let function = headers::function_by_name(&decls, name)?;
    Ok((decls, function))
}

/// Parses the declarations and picks the function to use.
fn declarations(text: &str, name: Option<&str>) -> Result<(Declarations, FunctionDecl), Failure> {
    let decls = Declarations::parse(text)
        .map_err(|e| Failure::user(format!("in DECLARATIONS, {}", e.render(text))))?;
    pick_function(decls, name)
}

/// The function `--fn` names (NAME or NAME@VERSION), else the last one declared.
fn pick_function(
    decls: Declarations,
    name: Option<&str>,
) -> Result<(Declarations, FunctionDecl), Failure> {
    let function = match name {
        // NAME@VERSION: the declaration is NAME's.
        Some(name) => decls
            .function(jitcall::provenance::split_version(name).0)
            .ok_or_else(|| {
                let known: Vec<&str> = decls.functions().iter().map(|f| f.name.as_str()).collect();
                Failure::user(format!(
                    "--fn {name}: no such function declared (declared: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })?,
        None => decls.last_function().ok_or_else(|| {
            Failure::user("DECLARATIONS declare no function: end them with a prototype")
        })?,
    };
    let function = function.clone();
    Ok((decls, function))
}

fn arguments(
    decls: &Declarations,
    function: &FunctionDecl,
    names: &dyn literal::Names,
    args: &[String],
) -> Result<Arguments, Failure> {
    literal::parse_arguments_with(function, decls, names, args).map_err(|e| match &e {
        ArgumentError::Value { index, ty, error } => {
            let text = args.get(*index).map_or("", String::as_str);
            Failure::user(format!("argument {index} ({ty}): {}", error.render(text)))
        }
        _ => Failure::user(format!("{}: {e}", function.name)),
    })
}

/// Functions by name, for function-pointer arguments (`qsort`'s comparator): found as
/// the called function is, in the libraries, then the process, libm and libc. The
/// libraries stay open as long as this lives.
pub(crate) struct Functions<'a> {
    libs: &'a [String],
    opened: std::cell::RefCell<Vec<Library>>,
}

impl<'a> Functions<'a> {
    pub(crate) fn new(libs: &'a [String]) -> Functions<'a> {
        Functions {
            libs,
            opened: std::cell::RefCell::new(Vec::new()),
        }
    }
}

impl literal::Names for Functions<'_> {
    fn value(&self, name: &str) -> Option<(jitcall::Type, Value)> {
        let address = self.address(name)?;
        Some((jitcall::Type::Pointer, Value::Pointer(address)))
    }

    fn address(&self, name: &str) -> Option<*mut c_void> {
        if !headers::is_name(name) {
            return None;
        }
        let (library, address) = resolve(self.libs, name).ok()?;
        self.opened.borrow_mut().push(library);
        Some(address.cast_mut())
    }
}

/// Finds `symbol` in the libraries, in order, then in the process, libm and libc.
fn resolve(libs: &[String], symbol: &str) -> Result<(Library, *const c_void), Failure> {
    let mut searched = Vec::new();
    for name in libs {
        let path = libname::find(name).map_err(Failure::user)?;
        let lib = Library::open(&path).map_err(|e| {
            let mut message = e.to_string();
            if !name.contains('/') && std::path::Path::new(name).exists() {
                message.push_str(&format!(
                    "\n  (a name without '/' is searched in the system's library paths; \
                     for the file here, write ./{name})"
                ));
            }
            Failure::user(message)
        })?;
        if let Ok(addr) = lib.symbol(symbol) {
            return Ok((lib, addr));
        }
        searched.push(name.clone());
    }
    let this = Library::this();
    if let Ok(addr) = this.symbol(symbol) {
        return Ok((this, addr));
    }
    searched.push("the jitcall process".into());
    // libm may not be linked into jitcall itself.
    for name in ["libm.so.6", "libc.so.6"] {
        if let Ok(lib) = Library::open(name) {
            if let Ok(addr) = lib.symbol(symbol) {
                return Ok((lib, addr));
            }
            searched.push(name.into());
        }
    }
    Err(Failure::user(format!(
        "symbol `{symbol}` not found; looked in: {}",
        searched.join(", ")
    )))
}

fn call(args: CallArgs) -> Result<(), Failure> {
    let (decls, mut function) = call_declarations(&args.call)?;
    args.call
        .vectors
        .apply(&mut function)
        .map_err(Failure::user)?;
    // `--fn NAME@VERSION` binds that version; otherwise the symbol is the `__asm__`
    // label where the prototype has one (`__isoc99_sscanf`, or `memcpy@GLIBC_2.2.5`).
    let symbol = match args.call.function.as_deref() {
        Some(name) if name.contains('@') => name,
        _ => &function.symbol,
    };
    // The function first: a library that cannot be opened is reported as such, not as
    // an unknown function name among the arguments.
    let (library, _) = resolve(&args.libs, symbol)?;
    let functions = Functions::new(&args.libs);
    let call_args = arguments(&decls, &function, &functions, &args.call.args)?;
    // errno is 0 at the call and captured by the trampoline right after it, before
    // any of jitcall's own code can change it.
    let f = library.function_with_errno(symbol, &call_args.signature, Errno::SetAndCapture)?;
    let guard = callee::Guard::new(&format!("`{}`", function.name), args.json);
    // SAFETY: the user declared the function's prototype; that is the whole contract
    // of a C call, and the same trust a C compiler gives a header. What the arguments
    // point to lives in `call_args`, and the functions they name in `functions`, alive
    // until after the call.
    let outcome = unsafe { f.call_with_errno(&call_args.values, 0) };
    // The callee may have written through C's stdio (printf): that comes first, and
    // the JSON on a line of its own.
    let open_line = guard.finish();
    let (result, errno) = outcome?;
    // SAFETY: `result` is what the function returned for `call_args`, still alive.
    let report = unsafe { report::Report::new(&function, &call_args, &result, errno) };
    if let Some(line) = report.errno_line() {
        eprint!("{line}");
    }
    if args.json {
        let newline = if open_line { "\n" } else { "" };
        let fields = report.json_fields();
        print_out(&format!("{newline}{}\n", Json::Object(fields).compact()));
    } else {
        print_out(&report.lines());
    }
    drop(call_args);
    drop(functions);
    write_ledger(args.ledger.as_deref(), args.dlopen_note.as_deref())
}

/// Writes the ledger as CycloneDX and the `.note.dlopen` JSON, where asked.
fn write_ledger(
    bom: Option<&std::path::Path>,
    note: Option<&std::path::Path>,
) -> Result<(), Failure> {
    if bom.is_none() && note.is_none() {
        return Ok(());
    }
    let ledger = jitcall::ledger();
    let write = |path: &std::path::Path, text: String| {
        std::fs::write(path, text)
            .map_err(|e| Failure::user(format!("cannot write {}: {e}", path.display())))
    };
    if let Some(path) = bom {
        write(path, ledger.cyclonedx(&mut which::sha256_file))?;
    }
    if let Some(path) = note {
        write(path, ledger.dlopen_note())?;
    }
    Ok(())
}

fn explain(args: ExplainArgs) -> Result<(), Failure> {
    let (decls, mut function) = call_declarations(&args.call)?;
    args.call
        .vectors
        .apply(&mut function)
        .map_err(Failure::user)?;
    let entry = args.entry.into();
    let explanation = if args.call.args.is_empty() {
        Explanation::for_entry(&decls, &function, None, entry)?
    } else {
        // Functions by name, from the process: explain opens no library.
        let call_args = arguments(&decls, &function, &Functions::new(&[]), &args.call.args)?;
        let texts: Vec<&str> = args.call.args.iter().map(String::as_str).collect();
        Explanation::for_entry(
            &decls,
            &function,
            Some((&call_args.signature, &texts)),
            entry,
        )?
    };
    match args.format {
        Format::Text => print_out(explanation.text()),
        Format::Json => print_out(&explanation.json()),
    }
    Ok(())
}

/// A seed nobody chose: from the standard library's per-process random hash keys.
fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish() % 10_000_000_000
}

/// Shows progress on stderr: a line rewritten in place on a terminal, else a line
/// every 30 seconds.
struct Progress {
    started: std::time::Instant,
    last: std::time::Instant,
    terminal: bool,
    shown: bool,
}

impl Progress {
    fn update(&mut self, done: usize, total: usize, failed: usize) {
        let every = if self.terminal { 0.25 } else { 30.0 };
        if self.last.elapsed().as_secs_f64() < every && done < total {
            return;
        }
        self.last = std::time::Instant::now();
        let secs = self.started.elapsed().as_secs_f64();
        if !self.terminal && (secs < every || done == total) {
            return;
        }
        let rate = done as f64 / secs.max(1e-3) * 60.0;
        let line =
            format!("{done}/{total} cases, {failed} failed, {secs:.0} s, {rate:.0} per minute");
        if self.terminal {
            eprint!("\r{line}\x1b[K");
            self.shown = true;
        } else {
            eprintln!("{line}");
        }
    }

    fn end_line(&mut self) {
        if self.shown {
            eprintln!();
            self.shown = false;
        }
    }
}

/// The exit status of a fuzz run that stopped on `e`: 2 when it is the user's
/// (configuration, compiler), 1 otherwise.
fn fuzz_error(e: &jitcall_fuzz::FuzzError) -> ExitCode {
    use jitcall_fuzz::FuzzError;
    eprintln!("jitcall: fuzz: {e}");
    let user = matches!(e, FuzzError::Config(_) | FuzzError::Compiler { .. });
    ExitCode::from(if user { 2 } else { 1 })
}

/// `jitcall fuzz --replay`: one signature, judged through every call; exit 1 if it
/// fails.
fn replay(args: &FuzzArgs, text: &str) -> ExitCode {
    use jitcall_fuzz::{Outcome, cgen};
    let parsed = declarations(text, None).and_then(|(decls, function)| {
        let sig = function.signature;
        if !sig.is_variadic() {
            if args.varargs.is_empty() {
                return Ok(sig);
            }
            return Err(Failure::user(format!(
                "--vararg: `{}` takes no variadic arguments",
                function.name
            )));
        }
        if sig.fixed_count() == 0 {
            return Err(Failure::user(format!(
                "`{}`: the fuzzer's C callee reads variadic arguments with va_start, which \
                 needs a named parameter before `...`",
                function.name
            )));
        }
        let varargs = args
            .varargs
            .iter()
            .map(|t| {
                decls
                    .parse_type(t)
                    .map_err(|e| Failure::user(format!("--vararg: {}", e.render(t))))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(sig.with_variadic_args(varargs))
    });
    let sig = match parsed {
        Ok(sig) => sig,
        Err(f) => {
            eprintln!("jitcall: fuzz --replay: {}", f.message);
            return ExitCode::from(2);
        }
    };
    let outcome = match jitcall_fuzz::check(&args.cc, std::slice::from_ref(&sig)) {
        Ok(mut outcomes) => outcomes.pop().unwrap_or(Outcome::Pass),
        Err(e) => return fuzz_error(&e),
    };
    let mut out = format!(
        "jitcall fuzz: replaying {} with `{}`\n",
        cgen::describe(&sig),
        args.cc
    );
    let (status, finding) = match &outcome {
        Outcome::Pass => {
            let calls = if sig.is_variadic() {
                "every call"
            } else {
                "every call and a callback"
            };
            out.push_str(&format!("passed: {calls} agreed with the compiler\n"));
            (ExitCode::SUCCESS, None)
        }
        Outcome::Fail(f) => {
            out.push_str("FAIL\n");
            (ExitCode::from(1), Some(f))
        }
        Outcome::Invalid(f) => {
            out.push_str("INVALID: the compiler's own call disagrees with its callee\n");
            (ExitCode::from(1), Some(f))
        }
        Outcome::Diverged(name, f) => {
            out.push_str(&format!(
                "explained by the known divergence `{name}` (see docs/DIVERGENCES.md)\n"
            ));
            (ExitCode::SUCCESS, Some(f))
        }
        _ => {
            out.push_str("FAIL\n");
            (ExitCode::from(1), None)
        }
    };
    for line in finding.map_or_else(Vec::new, |f| f.describe(&sig)) {
        out.push_str(&format!("    {line}\n"));
    }
    print_out(&out);
    status
}

fn fuzz(args: FuzzArgs) -> ExitCode {
    use jitcall_fuzz::{Config, Event, Outcome};
    use std::io::IsTerminal;
    if let Some(text) = &args.replay {
        return replay(&args, text);
    }
    let seed = args.seed.unwrap_or_else(fresh_seed);
    let config = Config {
        cases: args.cases,
        seed,
        cc: args.cc.clone(),
        max_params: args.max_params,
        jobs: args.jobs.unwrap_or(Config::default().jobs).max(1),
        batch_size: args.batch.max(1),
        shrink: true,
    };
    let mut progress = Progress {
        started: std::time::Instant::now(),
        last: std::time::Instant::now(),
        terminal: std::io::stderr().is_terminal(),
        shown: false,
    };
    let mut shown_failures = 0;
    const SHOWN_FAILURES: usize = 10;
    let result = jitcall_fuzz::run(&config, &mut |event| match event {
        Event::Start(compiler) => print_out(&format!(
            "jitcall fuzz: seed {seed}{}, {} cases, `{}` ({}), up to {} parameters, {} job(s)\n",
            if args.seed.is_none() {
                format!(" (fresh: rerun with --seed {seed})")
            } else {
                String::new()
            },
            config.cases,
            compiler.command_line(),
            compiler.description,
            config.max_params,
            config.jobs
        )),
        Event::Progress {
            done,
            total,
            failed,
        } => progress.update(done, total, failed),
        Event::Failure(f) => {
            shown_failures += 1;
            if shown_failures <= SHOWN_FAILURES {
                progress.end_line();
                let (label, finding) = match &f.outcome {
                    Outcome::Invalid(finding) => ("INVALID", Some(finding)),
                    Outcome::Fail(finding) => ("FAIL", Some(finding)),
                    _ => ("FAIL", None),
                };
                let mut text = format!(
                    "{label} case {}: {}\n",
                    f.case,
                    jitcall_fuzz::cgen::describe(&f.signature)
                );
                for line in finding.map_or_else(Vec::new, |x| x.describe(&f.signature)) {
                    text.push_str(&format!("    {line}\n"));
                }
                print_out(&text);
            } else if shown_failures == SHOWN_FAILURES + 1 {
                progress.end_line();
                print_out("(further failures are counted, not shown)\n");
            }
        }
        Event::Shrunk(sig) => {
            progress.end_line();
            eprintln!(
                "shrinking: still fails with {} parameter(s): {}",
                sig.params().len(),
                jitcall_fuzz::cgen::describe(sig)
            );
        }
        _ => {}
    });
    progress.end_line();
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => return fuzz_error(&e),
    };
    let mut out = String::new();
    if let Some(r) = &summary.reproducer {
        out.push_str(&format!(
            "\nminimal failing case ({} step(s) of shrinking): {}\n",
            r.steps,
            jitcall_fuzz::cgen::describe(&r.signature)
        ));
        for line in &r.description {
            out.push_str(&format!("    {line}\n"));
        }
        out.push_str("\nreproducer (save as repro.c):\n\n");
        out.push_str(&r.c_source);
        out.push_str(&format!(
            "\nreplay it through jitcall:\n    {}\n    {}\nexpected output:\n    {}\n",
            r.build, r.command, r.expected_output
        ));
        if let Some(caveat) = &r.caveat {
            for (i, line) in caveat.lines().enumerate() {
                let label = if i == 0 { "note: " } else { "      " };
                out.push_str(&format!("{label}{line}\n"));
            }
        }
        out.push('\n');
    }
    let secs = summary.elapsed.as_secs_f64();
    let total = summary.passed + summary.failed + summary.diverged();
    out.push_str(&format!(
        "{total} cases in {secs:.1} s ({:.0} per minute), seed {seed}\n",
        total as f64 / secs.max(1e-3) * 60.0
    ));
    let mut div = format!("{} known divergences", summary.diverged());
    if !summary.divergences.is_empty() {
        let parts: Vec<String> = summary
            .divergences
            .iter()
            .map(|(name, n)| format!("{name}: {n}"))
            .collect();
        div.push_str(&format!(" ({}; see docs/DIVERGENCES.md)", parts.join(", ")));
    }
    out.push_str(&div);
    out.push('\n');
    out.push_str(&format!("{} callbacks\n", summary.callbacks));
    out.push_str(&format!(
        "{} passed, {} failed\n",
        summary.passed, summary.failed
    ));
    print_out(&out);
    if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own checks, and `explain`'s `mut_arg`s name arguments that exist.
    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
