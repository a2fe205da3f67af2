//! C text for the fuzzer: type declarations, the batch file of callees and callers the
//! compiler under test builds, self-contained reproducers, and the `jitcall call`
//! command line that replays a case.
//!
//! A *batch file* holds, for case `N`, `jf_callee_N` (which compares every data byte of
//! every argument with what it should be, records the first mismatch, and returns a
//! result built from the table of the expected result and the differences it saw) and
//! `jf_caller_N(target)` (the compiler's own call of `target` with the case's values, as
//! a function pointer of the case's prototype), and for a fixed signature
//! `jf_cb_drive_N(target)` (the same call of a jitcall callback, returning how many data
//! bytes of its result came back wrong). Expected bytes, masks and buffers for
//! what arrived are not compiled in: the harness passes them at run time through the
//! file's `jf_state`, so a batch of hundreds of cases stays quick to compile.
//!
//! This module writes text; it does not run the compiler (that is the harness).

use super::generate;
use jitcall::literal;
use jitcall::{Signature, Type, Value};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Renders types as C, giving every struct and union a tag (`t1`, `t2`, ...) and a
/// definition; the same type is defined once.
///
/// ```
/// use jitcall::Type;
/// use jitcall_fuzz::cgen::CTypes;
/// let mut c = CTypes::default();
/// let s = Type::build_struct().field("x", Type::Char).field("y", Type::Double).packed().finish();
/// assert_eq!(c.name(&s), "struct t1");
/// assert_eq!(c.defs(), "struct t1 { char f0; double f1; } __attribute__((packed));\n");
/// ```
#[derive(Default, Debug)]
pub struct CTypes {
    defs: String,
    names: HashMap<Type, String>,
    count: usize,
}

impl CTypes {
    /// The definitions needed so far, one per line, inner types first.
    pub fn defs(&self) -> &str {
        &self.defs
    }

    /// The C support code the types named so far need before their definitions, for
    /// the C files only (a declaration needs none): a weak `__truncsfbf2` where a
    /// `__bf16` is used.
    pub fn support(&self) -> &'static str {
        if self.names.contains_key(&Type::BFloat16) {
            TRUNCSFBF2
        } else {
            ""
        }
    }

    /// The C spelling of `ty` as a type name, defining its aggregates. Members are
    /// named `f0`, `f1`, ...; arrays (which only occur as members) are spelled by
    /// [`CTypes::declare`].
    pub fn name(&mut self, ty: &Type) -> String {
        match ty {
            // gcc spells it `_Complex _Float128`, clang-19 `_Complex __float128`: the
            // machine mode is the one spelling both take.
            Type::Complex(elem) if **elem == Type::Float128 => {
                let name = "complex_float128";
                if self.names.insert(ty.clone(), name.into()).is_none() {
                    writeln!(
                        self.defs,
                        "typedef _Complex float {name} __attribute__((mode(TC)));"
                    )
                    .unwrap();
                }
                name.into()
            }
            Type::Complex(elem) => format!("{} _Complex", self.name(elem)),
            Type::Array(..) => {
                let (base, dims) = self.declarator(ty);
                format!("{base}{dims}")
            }
            Type::Struct(agg) | Type::Union(agg) => {
                if let Some(name) = self.names.get(ty) {
                    return name.clone();
                }
                let kw = if matches!(ty, Type::Struct(_)) {
                    "struct"
                } else {
                    "union"
                };
                let mut body = String::new();
                for (i, f) in agg.fields.iter().enumerate() {
                    let (base, dims) = self.declarator(&f.ty);
                    let align = f
                        .align
                        .map(|a| format!(" __attribute__((aligned({a})))"))
                        .unwrap_or_default();
                    match (f.bits, &f.name) {
                        (Some(w), Some(_)) => write!(body, " {base} f{i} : {w}{align};"),
                        (Some(w), None) => write!(body, " {base} : {w}{align};"),
                        (None, _) => write!(body, " {base} f{i}{dims}{align};"),
                    }
                    .unwrap();
                }
                self.count += 1;
                let name = format!("{kw} t{}", self.count);
                let mut attrs = String::new();
                if agg.packed {
                    attrs.push_str(" __attribute__((packed))");
                }
                if let Some(a) = agg.align {
                    write!(attrs, " __attribute__((aligned({a})))").unwrap();
                }
                // The operator form of `#pragma pack`: it fits on the command line's
                // one line.
                match agg.pack {
                    Some(pack) => writeln!(
                        self.defs,
                        "_Pragma(\"pack(push, {pack})\") {name} {{{body} }}{attrs}; \
                         _Pragma(\"pack(pop)\")"
                    ),
                    None => writeln!(self.defs, "{name} {{{body} }}{attrs};"),
                }
                .unwrap();
                self.names.insert(ty.clone(), name.clone());
                name
            }
            // A vector is named by a typedef: `vector_size` among a member's specifiers
            // would apply to an array member as a whole.
            Type::Vector(elem, lanes) => {
                if let Some(name) = self.names.get(ty) {
                    return name.clone();
                }
                let elem_name = elem.to_string();
                let name = format!("v{lanes}_{}", elem_name.replace(' ', "_"));
                let size = ty.layout().map_or(0, |l| l.size);
                writeln!(
                    self.defs,
                    "typedef {elem_name} {name} __attribute__((vector_size({size})));"
                )
                .unwrap();
                self.names.insert(ty.clone(), name.clone());
                name
            }
            // clang's vectors, likewise by a typedef.
            Type::ExtVector(elem, lanes) => {
                if let Some(name) = self.names.get(ty) {
                    return name.clone();
                }
                let elem_name = elem.to_string();
                let name = format!("e{lanes}_{}", elem_name.replace(' ', "_"));
                writeln!(
                    self.defs,
                    "typedef {elem_name} {name} __attribute__((ext_vector_type({lanes})));"
                )
                .unwrap();
                self.names.insert(ty.clone(), name.clone());
                name
            }
            // clang-19 at -O0 narrows each `__bf16` parameter through `__truncsfbf2`,
            // which gcc 12's libgcc (the one clang links) lacks: a weak one (exact for
            // the values it meets, `float`s widened from `__bf16`) goes with the type.
            // (`support` gives it to the C files, not the declarations.)
            Type::BFloat16 => {
                self.names.insert(Type::BFloat16, "__bf16".into());
                "__bf16".into()
            }
            // Scalars print as C already; `void *` for every pointer.
            other => other.to_string(),
        }
    }

    /// A declaration of `name` with type `ty`: `int x`, `char x[3][2]`.
    pub fn declare(&mut self, ty: &Type, name: &str) -> String {
        let (base, dims) = self.declarator(ty);
        format!("{base} {name}{dims}")
    }

    /// `(base type, array suffix)`.
    fn declarator(&mut self, ty: &Type) -> (String, String) {
        match ty {
            Type::Array(elem, n) => {
                let (base, dims) = self.declarator(elem);
                (base, format!("[{n}]{dims}"))
            }
            other => (self.name(other), String::new()),
        }
    }

    /// The prototype of a function `name` with signature `sig`, parameters `a0`, ...
    pub fn prototype(&mut self, sig: &Signature, name: &str) -> String {
        let ret = self.name(sig.ret());
        format!("{ret} {name}({})", self.params(sig, true))
    }

    /// The parameter list of `sig` (with names `a0`, ... if `named`).
    fn params(&mut self, sig: &Signature, named: bool) -> String {
        let mut list: Vec<String> = sig.params()[..sig.fixed_count()]
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if named {
                    self.declare(t, &format!("a{i}"))
                } else {
                    self.name(t)
                }
            })
            .collect();
        if sig.is_variadic() {
            list.push("...".into());
        }
        if list.is_empty() {
            list.push("void".into());
        }
        list.join(", ")
    }

    /// Names every type of `sig` (the prototype's, then the variadic arguments'), so
    /// that tags are numbered the same way everywhere; returns `callee`'s prototype.
    pub fn name_all(&mut self, sig: &Signature) -> String {
        let proto = self.prototype(sig, "callee");
        for t in &sig.params()[sig.fixed_count()..] {
            self.name(t);
        }
        proto
    }

    /// The type of a pointer to a function with signature `sig`: `long (*)(int, ...)`.
    pub fn pointer_type(&mut self, sig: &Signature) -> String {
        let ret = self.name(sig.ret());
        format!("{ret} (*)({})", self.params(sig, false))
    }
}

/// A weak `__truncsfbf2` (`float` to `__bf16`, to nearest even; NaNs keep their top
/// bits), on one line.
const TRUNCSFBF2: &str = "__attribute__((weak)) __bf16 __truncsfbf2(float f) { \
    union { float f; unsigned u; } in = { f }; \
    union { unsigned short u; __bf16 b; } out = \
    { (unsigned short)((in.u + 0x7fff + ((in.u >> 16) & 1)) >> 16) }; return out.b; }\n";

/// The run-time support every batch file starts with: the state the harness fills in,
/// and the helpers the callees and callers use.
pub const BATCH_PRELUDE: &str = r#"#include <stdarg.h>
#define JF_MAX 64
struct jf_slot {
    const unsigned char *expect;  /* the value's bytes */
    const unsigned char *mask;    /* the data bits of each byte (not padding's) */
    unsigned char *seen;          /* what arrived */
    unsigned long size;           /* sizeof, as jitcall lays the type out */
};
struct jf_state {
    struct jf_slot arg[JF_MAX];
    struct jf_slot ret;
    long entered;                 /* callee entries */
    long mismatches;              /* data bytes that arrived wrong */
    long first_arg, first_byte;   /* the first of them */
    long size_arg, size_c;        /* a sizeof that differs from jitcall's (-1: result) */
    unsigned char echo[16];       /* differences seen, folded into the result */
};
static struct jf_state jf_state;
struct jf_state *jf_state_address(void) { return &jf_state; }

static unsigned long jf_fit(long i, struct jf_slot *s, unsigned long size) {
    if (size != s->size && jf_state.size_arg == -2) {
        jf_state.size_arg = i;
        jf_state.size_c = (long)size;
    }
    return size < s->size ? size : s->size;
}

/* Argument i arrived at p: keep it, compare its data bytes. */
static void jf_arg(long i, const void *p, unsigned long size) {
    const unsigned char *b = (const unsigned char *)p;
    struct jf_slot *s = &jf_state.arg[i];
    unsigned long k, n = jf_fit(i, s, size);
    for (k = 0; k < n; k++) {
        s->seen[k] = b[k];
        if ((b[k] ^ s->expect[k]) & s->mask[k]) {
            if (jf_state.mismatches++ == 0) {
                jf_state.first_arg = i;
                jf_state.first_byte = (long)k;
            }
            jf_state.echo[k & 15] ^= (unsigned char)((b[k] ^ s->expect[k]) & s->mask[k]);
        }
    }
}

/* The result: the expected bytes, changed by every difference the arguments showed. */
static void jf_result(void *p, unsigned long size) {
    unsigned char *b = (unsigned char *)p;
    struct jf_slot *s = &jf_state.ret;
    unsigned long k, n = jf_fit(-1, s, size);
    for (k = 0; k < n; k++)
        b[k] = s->expect[k] ^ (jf_state.echo[k & 15] & s->mask[k]);
}

/* A caller's argument i, from the expected bytes. */
static void jf_load(long i, void *p, unsigned long size) {
    struct jf_slot *s = &jf_state.arg[i];
    __builtin_memcpy(p, s->expect, jf_fit(i, s, size));
}

/* What a caller got back. */
static void jf_returned(const void *p, unsigned long size) {
    struct jf_slot *s = &jf_state.ret;
    __builtin_memcpy(s->seen, p, jf_fit(-1, s, size));
}

/* Data bytes of what the last caller got back that differ from the expected result. */
static int jf_ret_mismatches(void) {
    struct jf_slot *s = &jf_state.ret;
    unsigned long k;
    int bad = 0;
    for (k = 0; k < s->size; k++)
        bad += ((s->seen[k] ^ s->expect[k]) & s->mask[k]) != 0;
    return bad;
}
"#;

/// Appends case `n` to a batch file: `jf_callee_n`, `jf_caller_n` and, for a fixed
/// signature, `jf_cb_drive_n`.
fn render_case(types: &mut CTypes, body: &mut String, n: usize, sig: &Signature) {
    let fixed = sig.fixed_count();
    let params = sig.params();
    writeln!(body, "\n// case {n}: {sig}").unwrap();
    writeln!(
        body,
        "{} {{",
        types.prototype(sig, &format!("jf_callee_{n}"))
    )
    .unwrap();
    body.push_str("    jf_state.entered++;\n");
    if sig.is_variadic() {
        body.push_str("    va_list ap;\n");
        writeln!(body, "    va_start(ap, a{});", fixed - 1).unwrap();
    }
    for (i, t) in params.iter().enumerate() {
        if i >= fixed {
            let name = types.name(t);
            writeln!(body, "    {name} a{i} = va_arg(ap, {name});").unwrap();
        }
        writeln!(body, "    jf_arg({i}, &a{i}, sizeof a{i});").unwrap();
    }
    if sig.is_variadic() {
        body.push_str("    va_end(ap);\n");
    }
    if *sig.ret() != Type::Void {
        let ret = types.name(sig.ret());
        writeln!(
            body,
            "    {ret} r;\n    jf_result(&r, sizeof r);\n    return r;"
        )
        .unwrap();
    }
    body.push_str("}\n");

    writeln!(body, "void jf_caller_{n}(void *target) {{").unwrap();
    let mut args = Vec::new();
    for (i, t) in params.iter().enumerate() {
        writeln!(body, "    {};", types.declare(t, &format!("a{i}"))).unwrap();
        writeln!(body, "    jf_load({i}, &a{i}, sizeof a{i});").unwrap();
        args.push(format!("a{i}"));
    }
    let call = format!("(({})target)({})", types.pointer_type(sig), args.join(", "));
    if *sig.ret() == Type::Void {
        writeln!(body, "    {call};").unwrap();
    } else {
        let ret = types.name(sig.ret());
        writeln!(
            body,
            "    {ret} r = {call};\n    jf_returned(&r, sizeof r);"
        )
        .unwrap();
    }
    body.push_str("}\n");

    // A callback's driver: the compiler's call of a jitcall Callback, then the data
    // bytes of the result it got back that differ (callbacks cannot be variadic).
    if !sig.is_variadic() {
        writeln!(
            body,
            "int jf_cb_drive_{n}(void *target) {{\n    jf_caller_{n}(target);\n    \
             return jf_ret_mismatches();\n}}"
        )
        .unwrap();
    }
}

/// One C file for a batch of signatures: [`BATCH_PRELUDE`], the type definitions, and
/// per case `N` (its index in `sigs`) `jf_callee_N`, `jf_caller_N` and, unless the
/// signature is variadic, `jf_cb_drive_N(target)` (which calls `target`, a jitcall
/// [`Callback`](jitcall::Callback), through `jf_caller_N` and returns how many data bytes
/// of the result came back wrong).
pub fn render_batch(sigs: &[Signature]) -> String {
    let mut types = CTypes::default();
    let mut body = String::new();
    for (n, sig) in sigs.iter().enumerate() {
        render_case(&mut types, &mut body, n, sig);
    }
    format!("{BATCH_PRELUDE}\n{}{}{body}", types.support(), types.defs())
}

/// `text` made safe inside a `/* */` comment.
fn comment_safe(text: &str) -> String {
    text.replace("*/", "* /").replace("/*", "/ *")
}

/// `bytes` as a C initializer list, 16 to a line.
fn c_bytes(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "0".into();
    }
    let mut out = String::new();
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push_str(if i % 16 == 0 { ",\n    " } else { ", " });
        }
        write!(out, "0x{b:02x}").unwrap();
    }
    out
}

/// The C literal of `value` (of type `ty`) as a `jitcall call` argument: plain for a
/// fixed parameter, with a cast or compound-literal type for a variadic one (whose type
/// comes from its spelling).
pub fn call_literal(types: &mut CTypes, value: &Value, ty: &Type, variadic: bool) -> String {
    let text = literal::format_value(value, ty);
    if variadic {
        format!("({}){text}", types.name(ty))
    } else {
        text
    }
}

/// Quotes `s` for a POSIX shell, if it needs quoting.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,:/=+@%".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `sig` as C declarations on one line: the struct and union definitions of every
/// type of the call, variadic arguments' included (tags `t1`, `t2`, ... as
/// [`CTypes::name_all`] numbers them), then `callee`'s prototype. Readable by
/// `jitcall call` and `jitcall explain`.
pub fn declarations(sig: &Signature) -> String {
    let mut types = CTypes::default();
    declarations_with(&mut types, sig)
}

/// [`declarations`], with for a variadic call the types of its variadic arguments in a
/// comment: `void callee(int a0, ...) /* a1: double, a2: struct t1 */`.
pub fn describe(sig: &Signature) -> String {
    let mut types = CTypes::default();
    let text = declarations_with(&mut types, sig);
    let rest: Vec<String> = sig.params()[sig.fixed_count()..]
        .iter()
        .enumerate()
        .map(|(i, t)| format!("a{}: {}", sig.fixed_count() + i, types.name(t)))
        .collect();
    if rest.is_empty() {
        text
    } else {
        format!("{text} /* {} */", rest.join(", "))
    }
}

fn declarations_with(types: &mut CTypes, sig: &Signature) -> String {
    let mut proto = types.name_all(sig);
    // How the callee passes 32- and 64-byte vectors (and aggregates of them), as gcc's
    // attribute says it.
    fn wide(t: &Type) -> bool {
        match t {
            Type::Vector(..) => t.layout().is_ok_and(|l| l.size > 16),
            Type::Struct(agg) | Type::Union(agg) => agg.fields.iter().any(|f| wide(&f.ty)),
            Type::Array(elem, _) => wide(elem),
            _ => false,
        }
    }
    if sig.params().iter().chain([sig.ret()]).any(wide) {
        let target = match sig.vector_abi() {
            jitcall::abi::VectorAbi::Sse => Some("no-avx"),
            jitcall::abi::VectorAbi::Avx => Some("avx"),
            jitcall::abi::VectorAbi::Avx512 => Some("avx512f"),
            _ => None,
        };
        if let Some(target) = target {
            proto.push_str(&format!(" __attribute__((target(\"{target}\")))"));
        }
    }
    let mut decls: Vec<&str> = types.defs().lines().collect();
    decls.push(&proto);
    decls.join(" ")
}

/// The `jitcall call` command line that calls `callee` in `library` with the graffiti
/// values of `sig`, and the result it should print.
pub fn call_command(sig: &Signature, library: &str) -> (String, String) {
    let mut types = CTypes::default();
    let decls = declarations_with(&mut types, sig);
    let mut words = vec![
        "jitcall".to_string(),
        "call".into(),
        "-l".into(),
        shell_quote(library),
        shell_quote(&decls),
    ];
    for (i, ty) in sig.params().iter().enumerate() {
        let value = generate::graffiti(ty, i).unwrap_or(Value::Void);
        let lit = call_literal(&mut types, &value, ty, i >= sig.fixed_count());
        words.push(shell_quote(&lit));
    }
    let ret = generate::graffiti(sig.ret(), sig.params().len()).unwrap_or(Value::Void);
    let shown = literal::format_value(&ret, sig.ret());
    (words.join(" "), shown)
}

/// The `jitcall fuzz` command line that judges `sig` alone with the compiler `cc` (its
/// words, as [`crate::Compiler::command_line`] prints them), through every call
/// the fuzzer makes: the declarations, and a `--vararg` per variadic argument.
pub fn replay_command(sig: &Signature, cc: &str) -> String {
    let mut types = CTypes::default();
    let decls = declarations_with(&mut types, sig);
    let mut words = vec![
        "jitcall fuzz --cc".to_string(),
        shell_quote(cc),
        "--replay".into(),
        shell_quote(&decls),
    ];
    for t in &sig.params()[sig.fixed_count()..] {
        words.push("--vararg".into());
        words.push(shell_quote(&types.name(t)));
    }
    words.join(" ")
}

/// The parts of a reproducer beyond the signature: what went wrong, for the header
/// comment.
#[derive(Clone, Debug, Default)]
pub struct ReproducerNotes {
    /// Lines describing the failure (already worded).
    pub failure: Vec<String>,
    /// The command that builds the shared library, without `-o OUT FILE.c`
    /// (`gcc -shared -fPIC -O0 -std=gnu11 -w -fpcc-struct-return`).
    pub build_shared: String,
    /// The same for a program.
    pub build_program: String,
    /// The compiler's identity (`gcc 12.2.0`).
    pub compiler: String,
    /// How the case was found (`seed 42, case 17, shrunk from 23 parameters`).
    pub origin: String,
    /// Why `jitcall call` may not show the failure, when it was found through another
    /// call (see [`crate::replay_caveat`]).
    pub caveat: Option<String>,
}

/// A self-contained C file that reproduces a case: the declarations, the values as
/// byte tables, a callee `callee` that prints every data byte that arrives wrong, a
/// `main` (under `-DMAIN`) that makes the compiler's own call, and in its header
/// comment the failure and the commands that replay it.
pub fn render_reproducer(sig: &Signature, notes: &ReproducerNotes) -> String {
    let mut types = CTypes::default();
    let proto = types.prototype(sig, "callee");
    let (command, shown) = call_command(sig, "./repro.so");
    let or = |text: &str, default: &'static str| {
        if text.is_empty() {
            default.to_string()
        } else {
            text.to_string()
        }
    };
    let shared = or(&notes.build_shared, "cc -shared -fPIC -O0 -std=gnu11 -w");
    let program = or(&notes.build_program, "cc -O0 -std=gnu11 -w");
    let mut head = String::new();
    writeln!(head, "/* jitcall fuzz reproducer ({})", notes.origin).unwrap();
    writeln!(head, " *").unwrap();
    writeln!(head, " * compiler: {}", or(&notes.compiler, "unknown")).unwrap();
    writeln!(head, " * call:     {}", comment_safe(&describe(sig))).unwrap();
    for (i, line) in notes.failure.iter().enumerate() {
        let label = if i == 0 { "failure:  " } else { "          " };
        writeln!(head, " * {label}{}", comment_safe(line)).unwrap();
    }
    writeln!(head, " *").unwrap();
    writeln!(
        head,
        " * Replay through jitcall (the callee prints each byte that arrives wrong):"
    )
    .unwrap();
    writeln!(head, " *   {shared} -o repro.so repro.c").unwrap();
    writeln!(head, " *   {}", comment_safe(&command)).unwrap();
    writeln!(head, " * which should print nothing but the result:").unwrap();
    writeln!(head, " *   {}", comment_safe(&shown)).unwrap();
    if let Some(caveat) = &notes.caveat {
        for line in caveat.lines() {
            writeln!(head, " * {}", comment_safe(line)).unwrap();
        }
    }
    writeln!(head, " *").unwrap();
    writeln!(head, " * The compiler's own call (prints \"ok\"):").unwrap();
    writeln!(head, " *   {program} -DMAIN -o repro repro.c && ./repro").unwrap();
    writeln!(head, " */").unwrap();

    let mut body = String::new();
    let mut tables = String::new();
    let n = sig.params().len();
    for (i, ty) in sig.params().iter().chain([sig.ret()]).enumerate() {
        let name = if i == n {
            "ret".to_string()
        } else {
            format!("a{i}")
        };
        let value = generate::graffiti(ty, i).unwrap_or(Value::Void);
        let bytes = value.to_bytes(ty).unwrap_or_default();
        let mask: Vec<u8> = generate::data_bits(ty);
        let shown = literal::format_value(&value, ty);
        writeln!(tables, "/* {name} = {} */", comment_safe(&shown)).unwrap();
        writeln!(
            tables,
            "static const unsigned char expect_{name}[] = {{\n    {}\n}};",
            c_bytes(&bytes)
        )
        .unwrap();
        writeln!(
            tables,
            "static const unsigned char mask_{name}[] = {{\n    {}\n}};",
            c_bytes(&mask)
        )
        .unwrap();
    }

    writeln!(body, "{proto} {{").unwrap();
    body.push_str("    int bad = 0;\n");
    let fixed = sig.fixed_count();
    if sig.is_variadic() {
        writeln!(body, "    va_list ap;\n    va_start(ap, a{});", fixed - 1).unwrap();
    }
    for (i, t) in sig.params().iter().enumerate() {
        if i >= fixed {
            let name = types.name(t);
            writeln!(body, "    {name} a{i} = va_arg(ap, {name});").unwrap();
        }
        writeln!(
            body,
            "    bad += check(\"argument {i}\", &a{i}, sizeof a{i}, expect_a{i}, mask_a{i});"
        )
        .unwrap();
    }
    if sig.is_variadic() {
        body.push_str("    va_end(ap);\n");
    }
    body.push_str("    callee_bad += bad;\n");
    if *sig.ret() != Type::Void {
        let ret = types.name(sig.ret());
        writeln!(
            body,
            "    {ret} r;\n    memcpy(&r, expect_ret, sizeof r);\n    return r;"
        )
        .unwrap();
    }
    body.push_str("}\n\n#ifdef MAIN\nint main(void) {\n    int bad = 0;\n");
    let mut args = Vec::new();
    for (i, t) in sig.params().iter().enumerate() {
        writeln!(body, "    {};", types.declare(t, &format!("a{i}"))).unwrap();
        writeln!(body, "    memcpy(&a{i}, expect_a{i}, sizeof a{i});").unwrap();
        args.push(format!("a{i}"));
    }
    if *sig.ret() == Type::Void {
        writeln!(body, "    callee({});", args.join(", ")).unwrap();
    } else {
        let ret = types.name(sig.ret());
        writeln!(body, "    {ret} r = callee({});", args.join(", ")).unwrap();
        body.push_str("    bad += check(\"result\", &r, sizeof r, expect_ret, mask_ret);\n");
    }
    body.push_str("    bad += callee_bad;\n    puts(bad ? \"mismatch\" : \"ok\");\n    return bad != 0;\n}\n#endif\n");

    const HELPERS: &str = r#"#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Data bytes the callee saw wrong, for main. */
static int callee_bad;

/* Prints every data byte of what (at p) that differs from expect; counts them. */
static int check(const char *what, const void *p, size_t size,
                 const unsigned char *expect, const unsigned char *mask) {
    const unsigned char *b = p;
    int bad = 0;
    for (size_t k = 0; k < size; k++)
        if ((b[k] ^ expect[k]) & mask[k]) {
            fprintf(stderr, "%s byte %zu: got 0x%02x, expected 0x%02x\n",
                    what, k, b[k], expect[k]);
            bad++;
        }
    return bad;
}
"#;
    format!(
        "{head}{HELPERS}\n{}{}\n{tables}\n{body}",
        types.support(),
        types.defs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jitcall::Declarations;

    #[test]
    fn a_reproducer_says_when_jitcall_call_may_not_show_its_failure() {
        let sig = Signature::new(Type::Int, [Type::Double]);
        let plain = render_reproducer(&sig, &ReproducerNotes::default());
        assert!(!plain.contains("may pass"), "{plain}");
        let replay = replay_command(&sig, "gcc -O1");
        assert_eq!(
            replay,
            "jitcall fuzz --cc 'gcc -O1' --replay 'int callee(double a0)'"
        );
        let caveat = crate::replay_caveat(crate::Via::Callback, &replay).unwrap();
        assert!(
            caveat.contains("callback") && caveat.ends_with(&replay),
            "{caveat}"
        );
        let notes = ReproducerNotes {
            caveat: Some(caveat.clone()),
            ..ReproducerNotes::default()
        };
        let text = render_reproducer(&sig, &notes);
        let header = &text[..text.find("*/").unwrap()];
        for line in caveat.lines() {
            assert!(header.contains(&format!(" * {line}\n")), "{header}");
        }
        for via in [crate::Via::Value, crate::Via::Compiler] {
            assert_eq!(crate::replay_caveat(via, &replay), None, "{}", via.name());
        }
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("-5"), "-5");
        assert_eq!(shell_quote("{1, 2}"), "'{1, 2}'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn declarations_read_back_as_the_same_signature() {
        let mut sampler = generate::Sampler::new(11, 24);
        for _ in 0..200 {
            let sig = sampler.next_signature();
            let mut types = CTypes::default();
            let proto = types.prototype(&sig, "callee");
            let text = format!("{}{proto};", types.defs());
            let decls =
                Declarations::parse(&text).unwrap_or_else(|e| panic!("{}", e.render(&text)));
            let parsed = &decls.last_function().unwrap().signature;
            let parsed = if sig.is_variadic() {
                parsed.with_variadic_args(sig.params()[sig.fixed_count()..].iter().cloned())
            } else {
                parsed.clone()
            };
            let ours = jitcall::abi::sysv::classify(&sig).unwrap();
            let theirs = jitcall::abi::sysv::classify(&parsed).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
    }
}
