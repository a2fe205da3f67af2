//! The teaching view: for one C prototype, where every argument and the result travel,
//! why, and the trampoline's instructions that move them.
//!
//! An [`Explanation`] gathers, from a function's [`CallPlan`] and the types behind it:
//! the layout of every struct and union involved (size, alignment, member offsets,
//! padding, and each eightbyte with its psABI class); each argument's classes and its
//! exact location (a register at its width, like `edi` or the low 4 bytes of `xmm0`, or
//! a stack offset) with the reason when it is the stack; the result's location; `%al`;
//! the outgoing stack size; and the trampoline, each block under the emitter's note for
//! it: disassembled (Intel syntax, by `iced-x86`) with the crate's `disasm` feature, its
//! bytes in hex without. It renders as text for people ([`Explanation::text`]) and JSON
//! for programs ([`Explanation::json`]).
//!
//! This module only reads plans: the decisions are the classifier's
//! ([`crate::abi::sysv`]) and the code the emitter's ([`crate::listing`]); nothing here
//! could disagree with what a call really does. It calls nothing.

use crate::abi::{
    ArgLocation, ArgPlan, CallPlan, Class, Load, MemberPath, MemoryReason, Reg, RegLoad,
    RetLocation, RetReg, StackReason, sysv,
};
use crate::emit::call::{Entry, bound_entry, listing_of};
use crate::{Declarations, Error, FunctionDecl, Signature, Type};
use std::fmt::Write as _;

/// Which of a call's entries `explain` disassembles (`jitcall explain --entry`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExplainedEntry {
    /// The frame entry, `fn(frame, target)`, shared by every signature with this plan
    /// (the default).
    #[default]
    Frame,
    /// What `Function::call_frame` runs: the bound entry, with the target baked in —
    /// a tail jump when every argument travels in registers and at most one result
    /// register comes back, a call that hands that register back when there are stack
    /// arguments, else call-then-store.
    Bound,
    /// What `Function::call_raw` runs: libffi's shape, `fn(ret, args)`, with the
    /// target baked in.
    Pointers,
    /// What `Function::call_batch` runs: one call per row of frames, in one loop.
    Batch,
}

impl ExplainedEntry {
    /// The name `--entry` takes and the JSON `entry` field reports.
    pub fn name(self) -> &'static str {
        match self {
            ExplainedEntry::Frame => "frame",
            ExplainedEntry::Bound => "bound",
            ExplainedEntry::Pointers => "pointers",
            ExplainedEntry::Batch => "batch",
        }
    }
}

/// The target address baked into the bound and batch entries that `explain` shows
/// (there is no real one: nothing is loaded). The disassembly prints it as `<target>`.
const SHOWN_TARGET: u64 = 0x1111_1111_1111_1111;

/// Everything `jitcall explain` shows about one call.
#[derive(Clone, Debug)]
pub struct Explanation {
    json: Json,
    text: String,
}

/// A struct or union as laid out in memory.
struct AggregateView {
    name: String,
    ty: Type,
}

/// One scalar inside an aggregate, for naming what each eightbyte holds.
struct Leaf {
    path: String,
    offset: u64,
    size: u64,
    ty: Type,
}

struct Namer {
    names: Vec<(String, Type)>,
}

impl Namer {
    fn label(&self, ty: &Type) -> String {
        match ty {
            Type::Struct(_) | Type::Union(_) => self
                .names
                .iter()
                .find(|(_, t)| t == ty)
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| ty.to_string()),
            Type::Array(elem, n) => format!("{}[{n}]", self.label(elem)),
            Type::Complex(elem) => format!("{} _Complex", self.label(elem)),
            t => t.to_string(),
        }
    }
}

fn leaves(ty: &Type, prefix: &str, offset: u64, out: &mut Vec<Leaf>) -> Result<(), Error> {
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    match ty {
        Type::Struct(agg) | Type::Union(agg) => {
            let offsets = ty.field_offsets()?.unwrap_or_default();
            for (i, (field, off)) in agg.fields.iter().zip(offsets).enumerate() {
                let name = field.name.clone().unwrap_or_else(|| format!("#{i}"));
                leaves(&field.ty, &join(&name), offset + off, out)?;
            }
        }
        Type::Array(elem, n) => {
            let size = elem.layout()?.size;
            // Only small aggregates are split into eightbytes: 16 elements suffice.
            for i in 0..(*n).min(16) {
                leaves(elem, &format!("{prefix}[{i}]"), offset + i * size, out)?;
            }
        }
        Type::Complex(elem) => {
            let size = elem.layout()?.size;
            leaves(elem, &join("real"), offset, out)?;
            leaves(elem, &join("imag"), offset + size, out)?;
        }
        t => {
            let l = t.layout()?;
            out.push(Leaf {
                path: prefix.to_string(),
                offset,
                size: l.size,
                ty: t.clone(),
            });
        }
    }
    Ok(())
}

/// The name of the member at `path` in a value of type `ty`, as C would write it
/// (`v.a`, `z[0]`, `c.real`, `#1` for an unnamed member), and the name of the first
/// zero-length array on the way, if any.
fn member_name(ty: &Type, path: &MemberPath) -> (String, Option<String>) {
    let mut name = String::new();
    let mut zero_length = None;
    let mut ty = ty;
    for &i in path.indices() {
        let i = i as usize;
        match ty {
            Type::Struct(agg) | Type::Union(agg) => {
                let Some(field) = agg.fields.get(i) else {
                    break;
                };
                if !name.is_empty() {
                    name.push('.');
                }
                match &field.name {
                    Some(n) => name.push_str(n),
                    None => write!(name, "#{i}").unwrap_or(()),
                }
                ty = &field.ty;
            }
            Type::Array(elem, n) => {
                if *n == 0 && zero_length.is_none() {
                    zero_length = Some(name.clone());
                }
                write!(name, "[{i}]").ok();
                ty = elem;
            }
            Type::Complex(elem) => {
                name.push_str(if i == 0 { ".real" } else { ".imag" });
                ty = elem;
            }
            _ => break,
        }
    }
    if let Type::Array(_, 0) = ty {
        zero_length.get_or_insert_with(|| name.clone());
    }
    (name, zero_length)
}

/// What data of an X87 class is, for reasons.
fn x87_data(class: Class) -> &'static str {
    match class {
        Class::X87Up => "the upper half of a long double (X87UP)",
        Class::ComplexX87 => "a long double _Complex (COMPLEX_X87)",
        _ => "a long double (X87)",
    }
}

/// The classifier's reason for MEMORY, in words, naming members as `ty` does. It
/// renders what the plan records; it decides nothing.
fn memory_reason_text(reason: &MemoryReason, ty: &Type) -> String {
    let zero_note = |zero: Option<String>| match zero {
        Some(array) => format!(
            " (`{array}` is a zero-length array, but gcc classifies its first element all \
             the same)"
        ),
        None => String::new(),
    };
    let on_its_own = |aggregate: &MemberPath, why: String| {
        if aggregate.is_empty() {
            why
        } else {
            let (name, _) = member_name(ty, aggregate);
            format!("member `{name}` is MEMORY on its own: {why}")
        }
    };
    match reason {
        MemoryReason::TooLarge { size } => format!("larger than 16 bytes ({size} bytes)"),
        MemoryReason::Misaligned {
            member,
            offset,
            align,
        } => {
            let (name, zero) = member_name(ty, member);
            format!(
                "member `{name}` at offset {offset} is not aligned to its type's {align} bytes{}",
                zero_note(zero)
            )
        }
        MemoryReason::ArrayElementTooWide {
            array,
            offset,
            size,
        } => {
            let (name, zero) = member_name(ty, array);
            format!(
                "gcc classifies array `{name}` by its first element, and that element, \
                 {size} bytes at offset {offset}, would reach past the next eightbyte{}",
                zero_note(zero)
            )
        }
        MemoryReason::X87Merged {
            aggregate,
            eightbyte,
            x87,
            other,
        } => on_its_own(
            aggregate,
            format!(
                "{} shares eightbyte {eightbyte} with {other} data, and an X87 class merged \
                 with anything but INTEGER is MEMORY",
                x87_data(*x87)
            ),
        ),
        MemoryReason::X87UpAlone {
            aggregate,
            eightbyte,
            previous,
        } => on_its_own(
            aggregate,
            format!(
                "the upper half of a long double (X87UP, eightbyte {eightbyte}) does not \
                 follow its X87 half: eightbyte {} is {previous}",
                eightbyte.saturating_sub(1)
            ),
        ),
    }
}

fn class_names(classes: &[Class]) -> Vec<&'static str> {
    classes.iter().map(|c| c.name()).collect()
}

/// The register of one eightbyte at its width, e.g. `edi`, `dil (sign-extended to
/// edi)`, `xmm1 (low 4 bytes)`.
fn register_text(l: &RegLoad) -> String {
    match (l.reg, l.load) {
        (Reg::Gpr(g), Load::SignExtend(n)) => {
            format!("{} (sign-extended to {})", g.name(n), g.name(4))
        }
        (Reg::Gpr(g), Load::ZeroExtend(n)) => {
            format!("{} (zero-extended to {})", g.name(n), g.name(4))
        }
        (Reg::Gpr(g), Load::Bytes(n)) if matches!(n, 1 | 2 | 4 | 8) => g.name(n).to_string(),
        (Reg::Gpr(g), load) => format!("{} (low {} bytes)", g.name(load.width()), load.width()),
        (Reg::Xmm(x), load) => format!("xmm{x} (low {} bytes)", load.width()),
    }
}

fn register_json(l: &RegLoad) -> Json {
    let (register, name) = match l.reg {
        Reg::Gpr(g) => (g.name(8).to_string(), g.name(l.load.width()).to_string()),
        Reg::Xmm(x) => (format!("xmm{x}"), format!("xmm{x}")),
    };
    let extend = match l.load {
        Load::SignExtend(_) => Json::str("sign"),
        Load::ZeroExtend(_) => Json::str("zero"),
        _ => Json::Null,
    };
    Json::object([
        ("register", Json::String(register)),
        ("name", Json::String(name)),
        ("offset", Json::num(l.offset)),
        ("size", Json::num(l.load.width())),
        ("extend", extend),
    ])
}

fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

fn left(n: u8) -> String {
    if n == 0 {
        "none".into()
    } else {
        format!("only {n}")
    }
}

fn plural(n: u8, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Why an argument is on the stack, in words.
fn stack_reason_text(reason: &StackReason, ty: &Type) -> String {
    match reason {
        StackReason::Memory(why) => format!("class MEMORY: {}", memory_reason_text(why, ty)),
        StackReason::X87 => "long double (X87) arguments always go on the stack".into(),
        &StackReason::OutOfRegisters {
            gprs_needed,
            gprs_left,
            xmms_needed,
            xmms_left,
        } => {
            let mut parts = Vec::new();
            if gprs_needed > gprs_left {
                parts.push(format!(
                    "needs {}, {} left",
                    plural(gprs_needed, "integer register", "integer registers"),
                    left(gprs_left)
                ));
            }
            if xmms_needed > xmms_left {
                parts.push(format!(
                    "needs {}, {} left",
                    plural(xmms_needed, "vector register", "vector registers"),
                    left(xmms_left)
                ));
            }
            format!(
                "{} → stack (an argument is never split between registers and the stack)",
                parts.join(" and ")
            )
        }
    }
}

fn stack_reason_code(reason: &StackReason) -> &'static str {
    match reason {
        StackReason::Memory(_) => "memory",
        StackReason::X87 => "x87",
        StackReason::OutOfRegisters { .. } => "out_of_registers",
    }
}

impl Explanation {
    /// Explains a call to `function`, declared in `decls`. `call` may give one call's
    /// signature (for a variadic function, with its variadic argument types, from
    /// [`Signature::with_variadic_args`]) and the text of its arguments, shown beside
    /// them; with `None`, a variadic function is called with no variadic arguments.
    pub fn new(
        decls: &Declarations,
        function: &FunctionDecl,
        call: Option<(&Signature, &[&str])>,
    ) -> Result<Explanation, Error> {
        Explanation::for_entry(decls, function, call, ExplainedEntry::Frame)
    }

    /// [`Explanation::new`], disassembling `entry` instead of the frame entry.
    pub fn for_entry(
        decls: &Declarations,
        function: &FunctionDecl,
        call: Option<(&Signature, &[&str])>,
        entry: ExplainedEntry,
    ) -> Result<Explanation, Error> {
        let sig = call.map_or(&function.signature, |(s, _)| s);
        let values = call.map(|(_, v)| v).unwrap_or_default();
        let plan = sysv::classify(sig)?;
        let code_entry = match entry {
            ExplainedEntry::Frame => Entry::Frame,
            ExplainedEntry::Bound => bound_entry(&plan, SHOWN_TARGET).0,
            ExplainedEntry::Pointers => Entry::Pointers {
                target: SHOWN_TARGET,
            },
            ExplainedEntry::Batch => Entry::Batch {
                target: SHOWN_TARGET,
            },
        };
        let emitted = listing_of(&plan, code_entry)?;
        let namer = Namer {
            names: decls.aggregates(),
        };
        Builder {
            function,
            sig,
            values,
            plan: &plan,
            entry,
            tail_jump: matches!(code_entry, Entry::TailJump { .. }),
            call_return: matches!(code_entry, Entry::CallReturn { .. }),
            code: &emitted.code,
            notes: &emitted.notes,
            namer: &namer,
        }
        .build()
    }

    /// The explanation for people.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The explanation as a JSON document (format in `docs/CLI.md`).
    pub fn json(&self) -> String {
        self.json.pretty()
    }
}

struct Builder<'a> {
    function: &'a FunctionDecl,
    sig: &'a Signature,
    values: &'a [&'a str],
    plan: &'a CallPlan,
    entry: ExplainedEntry,
    /// Whether the code shown is a tail jump (a bound entry of a plan that allows it).
    tail_jump: bool,
    /// Whether it is a bound entry that calls and hands back the result registers.
    call_return: bool,
    code: &'a [u8],
    notes: &'a [(usize, String)],
    namer: &'a Namer,
}

impl Builder<'_> {
    /// `int n`, `char *s`, or just the type for an unnamed parameter.
    fn param_label(&self, i: usize) -> String {
        let ty = self.param_type(i);
        match self.param_name(i) {
            Some(name) if ty.ends_with('*') => format!("{ty}{name}"),
            Some(name) => format!("{ty} {name}"),
            None => ty,
        }
    }

    fn param_name(&self, i: usize) -> Option<&str> {
        match self.function.param_names.get(i) {
            Some(Some(name)) if i < self.sig.fixed_count() => Some(name),
            _ => None,
        }
    }

    fn param_type(&self, i: usize) -> String {
        let ty = &self.sig.params()[i];
        let is_string = self
            .function
            .params_c_string
            .get(i)
            .copied()
            .unwrap_or(false);
        // A variadic string literal is a `char *` in C, though any pointer passes alike.
        let variadic_string = i >= self.sig.fixed_count()
            && self
                .values
                .get(i)
                .is_some_and(|v| v.trim_start().starts_with('"'));
        if is_string || variadic_string {
            "char *".to_string()
        } else {
            self.namer.label(ty)
        }
    }

    /// `int v[3]`, `struct pt p`: a member declared in C syntax.
    fn declaration(&self, ty: &Type, name: &str) -> String {
        let mut dims = String::new();
        let mut base = ty;
        while let Type::Array(elem, n) = base {
            dims.push_str(&format!("[{n}]"));
            base = elem;
        }
        format!("{} {name}{dims}", self.namer.label(base))
    }

    fn ret_label(&self) -> String {
        if self.function.ret_is_c_string {
            "char *".into()
        } else {
            self.namer.label(self.sig.ret())
        }
    }

    fn prototype(&self) -> String {
        let fixed = self.sig.fixed_count();
        let mut params: Vec<String> = (0..fixed).map(|i| self.param_label(i)).collect();
        if self.sig.is_variadic() {
            params.push("...".into());
        }
        if params.is_empty() {
            params.push("void".into());
        }
        let ret = self.ret_label();
        let sep = if ret.ends_with('*') { "" } else { " " };
        format!("{ret}{sep}{}({})", self.function.name, params.join(", "))
    }

    /// Every struct and union in the signature, outer ones first, each once.
    fn aggregates(&self) -> Vec<AggregateView> {
        fn walk(ty: &Type, out: &mut Vec<Type>) {
            match ty {
                Type::Struct(agg) | Type::Union(agg) if !out.contains(ty) => {
                    out.push(ty.clone());
                    for f in &agg.fields {
                        walk(&f.ty, out);
                    }
                }
                Type::Array(elem, _) | Type::Complex(elem) => walk(elem, out),
                _ => {}
            }
        }
        let mut types = Vec::new();
        for ty in std::iter::once(self.sig.ret()).chain(self.sig.params()) {
            walk(ty, &mut types);
        }
        types
            .into_iter()
            .map(|ty| AggregateView {
                name: self.namer.label(&ty),
                ty,
            })
            .collect()
    }

    fn build(&self) -> Result<Explanation, Error> {
        let mut text = String::new();
        let mut json = Vec::new();
        let prototype = self.prototype();
        json.push(("function", Json::str(&self.function.name)));
        json.push(("prototype", Json::str(&prototype)));
        json.push(("variadic", Json::Bool(self.sig.is_variadic())));
        writeln!(text, "{prototype}").ok();
        if self.sig.is_variadic() {
            let extra: Vec<String> = (self.sig.fixed_count()..self.sig.params().len())
                .map(|i| self.param_label(i))
                .collect();
            if extra.is_empty() {
                writeln!(
                    text,
                    "  called with no variadic arguments (give example arguments to see some)"
                )
                .ok();
            } else {
                writeln!(
                    text,
                    "  called with variadic arguments: {}",
                    extra.join(", ")
                )
                .ok();
            }
        }

        let aggregates = self.aggregates();
        let mut agg_json = Vec::new();
        for agg in &aggregates {
            writeln!(text).ok();
            agg_json.push(self.aggregate(agg, &mut text)?);
        }
        json.push(("aggregates", Json::Array(agg_json)));

        writeln!(text).ok();
        let mut args_json = Vec::new();
        if self.plan.args.is_empty() {
            writeln!(text, "Arguments: none").ok();
        } else {
            writeln!(
                text,
                "Arguments, left to right. Each eightbyte (8-byte piece) of an argument has a \
                 class:\nINTEGER takes the next of rdi, rsi, rdx, rcx, r8, r9; SSE the next of \
                 xmm0 to xmm7;\nMEMORY and X87 go on the stack, and so does an argument that \
                 does not fit in the registers left."
            )
            .ok();
            if self.plan.ret.location == RetLocation::Memory {
                writeln!(
                    text,
                    "The result is returned in memory, so rdi carries its address and the \
                     arguments start at rsi."
                )
                .ok();
            }
        }
        for (i, arg) in self.plan.args.iter().enumerate() {
            args_json.push(self.argument(i, arg, &mut text)?);
        }
        json.push(("arguments", Json::Array(args_json)));

        writeln!(text).ok();
        json.push(("return", self.result(&mut text)));

        let al = self.plan.vector_count;
        let al_why = if self.sig.is_variadic() {
            "a variadic callee reads it to know which vector registers to save"
        } else {
            "only variadic callees read it; set anyway, it costs one instruction"
        };
        writeln!(
            text,
            "%al = {al}: the number of vector registers used ({al_why})"
        )
        .ok();
        writeln!(
            text,
            "Outgoing stack arguments: {} bytes; rsp is {}-byte aligned at the call",
            self.plan.stack_size, self.plan.stack_align
        )
        .ok();
        json.push(("al", Json::num(al)));
        json.push(("stack_size", Json::num(self.plan.stack_size)));
        json.push(("stack_align", Json::num(self.plan.stack_align)));
        json.push(("gprs_used", Json::num(self.plan.gprs_used)));

        writeln!(text).ok();
        json.push(("frame_size", Json::num(self.plan.frame_size)));
        json.push(("entry", Json::str(self.entry.name())));
        json.push(("tail_jump", Json::Bool(self.tail_jump)));
        json.push(("code", self.disassembly(&mut text)?));
        Ok(Explanation {
            json: Json::Object(json.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
            text,
        })
    }

    fn aggregate(&self, agg: &AggregateView, text: &mut String) -> Result<Json, Error> {
        let ty = &agg.ty;
        let layout = ty.layout()?;
        let (kind, fields) = match ty {
            Type::Struct(a) => ("struct", &a.fields),
            Type::Union(a) => ("union", &a.fields),
            _ => return Ok(Json::Null),
        };
        let mut attrs = Vec::new();
        if let Type::Struct(a) | Type::Union(a) = ty {
            if a.packed {
                attrs.push("packed".to_string());
            }
            if let Some(n) = a.align {
                attrs.push(format!("aligned({n})"));
            }
        }
        let attrs_text = if attrs.is_empty() {
            String::new()
        } else {
            format!(", {}", attrs.join(", "))
        };
        writeln!(
            text,
            "{}: {} bytes, aligned to {}{attrs_text}",
            agg.name, layout.size, layout.align
        )
        .ok();
        writeln!(text, "  offset  size  member").ok();
        let offsets = ty.field_offsets()?.unwrap_or_default();
        let mut members = Vec::new();
        let mut padding = Vec::new();
        let mut end = 0u64;
        let mut rows: Vec<(u64, u64, String)> = Vec::new();
        for (i, (field, off)) in fields.iter().zip(&offsets).enumerate() {
            let size = field.ty.layout()?.size;
            let name = field.name.clone().unwrap_or_else(|| format!("#{i}"));
            if kind == "struct" && *off > end {
                rows.push((end, off - end, "(padding)".into()));
                padding.push(Json::object([
                    ("offset", Json::num(end)),
                    ("size", Json::num(off - end)),
                ]));
            }
            let label = self.namer.label(&field.ty);
            rows.push((*off, size, self.declaration(&field.ty, &name)));
            members.push(Json::object([
                ("name", Json::String(name)),
                ("type", Json::String(label)),
                ("offset", Json::num(*off)),
                ("size", Json::num(size)),
            ]));
            end = end.max(off + size);
        }
        if layout.size > end {
            rows.push((end, layout.size - end, "(padding)".into()));
            padding.push(Json::object([
                ("offset", Json::num(end)),
                ("size", Json::num(layout.size - end)),
            ]));
        }
        if fields.is_empty() {
            writeln!(text, "  (no members: GNU C's empty {kind}, passed nowhere)").ok();
        }
        for (off, size, what) in rows {
            writeln!(text, "  {off:>6}  {size:>4}  {what}").ok();
        }

        let classification = sysv::classification(ty)?;
        let classes = classification.classes();
        let mut eightbytes = Vec::new();
        let mut reason = Json::Null;
        if let Some(memory) = classification.memory_reason() {
            let why = memory_reason_text(memory, ty);
            writeln!(text, "  class MEMORY: {why}").ok();
            reason = Json::String(why);
        } else if !classes.is_empty() {
            let mut ls = Vec::new();
            leaves(ty, "", 0, &mut ls)?;
            for (i, class) in classes.iter().enumerate() {
                let lo = 8 * i as u64;
                let hi = (lo + 8).min(layout.size);
                let inside: Vec<&Leaf> = ls
                    .iter()
                    .filter(|l| l.offset < hi && l.offset + l.size > lo)
                    .collect();
                let held: Vec<String> = inside.iter().map(|l| l.path.clone()).collect();
                let held_text = if inside.is_empty() {
                    "padding only".to_string()
                } else {
                    let named: Vec<String> = inside
                        .iter()
                        .map(|l| format!("{} ({})", l.path, self.namer.label(&l.ty)))
                        .collect();
                    named.join(", ")
                };
                writeln!(
                    text,
                    "  eightbyte {i}, bytes {lo}-{}: {held_text} → {class}",
                    hi - 1
                )
                .ok();
                if *class == Class::NoClass && !inside.is_empty() {
                    // gcc's array rule (the first element's classes repeat over the
                    // array) leaves a later element's data in an eightbyte the first
                    // element only pads.
                    writeln!(
                        text,
                        "    nothing is passed for a NO_CLASS eightbyte, so {} never reach{} \
                         the callee\n    (gcc gives an array its first element's classes, and \
                         that element only pads this eightbyte);\n    jitcall does as gcc \
                         does: docs/DIVERGENCES.md, gcc-array-padding-eightbyte",
                        held.join(", "),
                        if held.len() == 1 { "es" } else { "" }
                    )
                    .ok();
                }
                eightbytes.push(Json::object([
                    ("offset", Json::num(lo)),
                    ("size", Json::num(hi - lo)),
                    (
                        "members",
                        Json::Array(held.into_iter().map(Json::String).collect()),
                    ),
                    ("class", Json::str(class.name())),
                ]));
            }
        }
        Ok(Json::object([
            ("name", Json::str(&agg.name)),
            ("kind", Json::str(kind)),
            ("size", Json::num(layout.size)),
            ("align", Json::num(layout.align)),
            ("packed", Json::Bool(attrs.iter().any(|a| a == "packed"))),
            ("members", Json::Array(members)),
            ("padding", Json::Array(padding)),
            ("classes", Json::strings(&class_names(&classes))),
            ("eightbytes", Json::Array(eightbytes)),
            ("memory_reason", reason),
        ]))
    }

    fn argument(&self, i: usize, arg: &ArgPlan, text: &mut String) -> Result<Json, Error> {
        let ty = &self.sig.params()[i];
        let variadic = i >= self.sig.fixed_count();
        let label = self.param_label(i);
        let value = self.values.get(i).map(|v| v.to_string());
        let mut head = format!("  #{i} {label}");
        if variadic {
            head.push_str(" (variadic)");
        }
        if let Some(v) = &value {
            head.push_str(&format!(" = {v}"));
        }
        let classes = class_names(&arg.classes);
        writeln!(
            text,
            "{head}\n      {}, class {}",
            bytes(arg.size as u64),
            if classes.is_empty() {
                "none (empty)".to_string()
            } else {
                classes.join(" ")
            }
        )
        .ok();
        let location = match &arg.location {
            ArgLocation::Registers(loads) => {
                let split = loads.len() > 1 || ty.is_aggregate();
                let places: Vec<String> = loads
                    .iter()
                    .map(|l| {
                        if split {
                            let last = (l.offset + 8).min(arg.size) - 1;
                            format!("bytes {}-{last} in {}", l.offset, register_text(l))
                        } else {
                            register_text(l)
                        }
                    })
                    .collect();
                writeln!(text, "      → {}", places.join(", ")).ok();
                Json::object([
                    ("kind", Json::str("registers")),
                    (
                        "registers",
                        Json::Array(loads.iter().map(register_json).collect()),
                    ),
                ])
            }
            ArgLocation::Stack { offset } => {
                writeln!(
                    text,
                    "      → stack at [rsp + {offset}], {} bytes",
                    arg.size.div_ceil(8) * 8
                )
                .ok();
                Json::object([
                    ("kind", Json::str("stack")),
                    ("offset", Json::num(*offset)),
                    ("size", Json::num(arg.size)),
                ])
            }
            ArgLocation::Nowhere => {
                writeln!(
                    text,
                    "      → nowhere: an empty aggregate takes no register"
                )
                .ok();
                Json::object([("kind", Json::str("nowhere"))])
            }
        };
        let mut reason_json = Json::Null;
        if let Some(reason) = &arg.stack_reason {
            let why = stack_reason_text(reason, ty);
            writeln!(text, "      why: {why}").ok();
            reason_json = Json::object([
                ("kind", Json::str(stack_reason_code(reason))),
                ("text", Json::String(why)),
            ]);
        }
        Ok(Json::object([
            ("index", Json::num(i as u64)),
            ("name", self.param_name(i).map_or(Json::Null, Json::str)),
            ("type", Json::String(self.param_type(i))),
            ("variadic", Json::Bool(variadic)),
            ("value", value.map_or(Json::Null, Json::String)),
            ("size", Json::num(arg.size)),
            ("align", Json::num(arg.align)),
            ("classes", Json::strings(&classes)),
            ("location", location),
            ("reason", reason_json),
            ("frame_offset", Json::num(arg.frame_offset)),
        ]))
    }

    fn result(&self, text: &mut String) -> Json {
        let ret = &self.plan.ret;
        let label = self.ret_label();
        let classes = class_names(&ret.classes);
        let (where_text, location) = match &ret.location {
            RetLocation::Nothing => (
                "nothing comes back".to_string(),
                Json::object([("kind", Json::str("nothing"))]),
            ),
            RetLocation::Registers(pieces) => {
                let split = pieces.len() > 1 || self.sig.ret().is_aggregate();
                let places: Vec<String> = pieces
                    .iter()
                    .map(|p| {
                        let name = p.register_name();
                        let reg = match (p.reg, p.width) {
                            (RetReg::Xmm0 | RetReg::Xmm1, w) => format!("{name} (low {w} bytes)"),
                            (_, 8) => name.to_string(),
                            (RetReg::Rax, 4) => "eax".into(),
                            (RetReg::Rax, 2) => "ax".into(),
                            (RetReg::Rax, 1) => "al".into(),
                            (RetReg::Rdx, 4) => "edx".into(),
                            (RetReg::Rdx, 2) => "dx".into(),
                            (RetReg::Rdx, 1) => "dl".into(),
                            (_, w) => format!("{name} (low {w} bytes)"),
                        };
                        if split {
                            let last = p.offset + p.width as u32 - 1;
                            format!("bytes {}-{last} in {reg}", p.offset)
                        } else {
                            reg
                        }
                    })
                    .collect();
                let regs: Vec<Json> = pieces
                    .iter()
                    .map(|p| {
                        Json::object([
                            ("register", Json::str(p.register_name())),
                            ("offset", Json::num(p.offset)),
                            ("size", Json::num(p.width)),
                        ])
                    })
                    .collect();
                (
                    places.join(", "),
                    Json::object([
                        ("kind", Json::str("registers")),
                        ("registers", Json::Array(regs)),
                    ]),
                )
            }
            RetLocation::X87 { count: 1 } => (
                "st(0), the top of the x87 register stack".to_string(),
                Json::object([("kind", Json::str("x87")), ("count", Json::num(1u8))]),
            ),
            RetLocation::X87 { count } => (
                "st(0) (real part) and st(1) (imaginary part), on the x87 register stack"
                    .to_string(),
                Json::object([("kind", Json::str("x87")), ("count", Json::num(*count))]),
            ),
            RetLocation::Memory => (
                "memory: the caller passes a hidden pointer (sret) in rdi, the callee writes \
                 the result there and returns the pointer in rax"
                    .to_string(),
                Json::object([("kind", Json::str("memory")), ("pointer", Json::str("rdi"))]),
            ),
        };
        let class_text = if classes.is_empty() {
            String::new()
        } else {
            format!(", class {}", classes.join(" "))
        };
        let size_text = if ret.size > 0 {
            format!(", {}", bytes(ret.size as u64))
        } else {
            String::new()
        };
        writeln!(
            text,
            "Result: {label}{size_text}{class_text}\n      → {where_text}"
        )
        .ok();
        let mut reason = Json::Null;
        if let Some(memory) = &ret.memory_reason {
            let why = format!(
                "class MEMORY: {}",
                memory_reason_text(memory, self.sig.ret())
            );
            writeln!(text, "      why: {why}").ok();
            reason = Json::object([("kind", Json::str("memory")), ("text", Json::String(why))]);
        }
        Json::object([
            ("type", Json::String(label)),
            ("size", Json::num(ret.size)),
            ("classes", Json::strings(&classes)),
            ("location", location),
            ("reason", reason),
        ])
    }

    /// What the code below is, how it is called, and where it finds each argument.
    fn entry_header(&self, text: &mut String) {
        let size = self.code.len();
        let base = match self.entry {
            ExplainedEntry::Frame => {
                writeln!(
                    text,
                    "The trampoline, {size} bytes, called as fn(frame in rdi, target in rsi). The \
                     frame is jitcall's\nbuffer for this call; rbx points to it. The result goes \
                     to [rbx + 0]"
                )
                .ok();
                "rbx"
            }
            ExplainedEntry::Bound if self.tail_jump => {
                writeln!(
                    text,
                    "The bound entry Function::call_frame runs, {size} bytes, called as fn(frame in \
                     rdi), with\nthe target baked in (shown as <target>). It loads the registers \
                     and jumps to the target,\nwhich returns straight to call_frame with the \
                     result in its own registers; r10 points to\nthe frame"
                )
                .ok();
                "r10"
            }
            ExplainedEntry::Bound if self.call_return => {
                writeln!(
                    text,
                    "The bound entry Function::call_frame runs, {size} bytes, called as fn(frame in \
                     rdi), with\nthe target baked in (shown as <target>). It copies the stack \
                     arguments, loads the registers\nand calls the target, then returns to \
                     call_frame with the result in the target's own\nregisters; r10 points to \
                     the frame"
                )
                .ok();
                "r10"
            }
            ExplainedEntry::Bound => {
                writeln!(
                    text,
                    "The bound entry Function::call_frame runs, {size} bytes, called as fn(frame in \
                     rdi), with\nthe target baked in (shown as <target>): call, then store. rbx \
                     points to the frame; the\nresult goes to [rbx + 0]"
                )
                .ok();
                "rbx"
            }
            ExplainedEntry::Batch => {
                writeln!(
                    text,
                    "The batch loop Function::call_batch runs, {size} bytes, called as fn(rows in \
                     rdi, count in\nrsi), with the target baked in (shown as <target>). rbx walks \
                     the rows, {} bytes apart, each a\nframe; r12 counts down. A row's result \
                     goes to [rbx + 0]",
                    self.plan.frame_size
                )
                .ok();
                "rbx"
            }
            ExplainedEntry::Pointers => {
                writeln!(
                    text,
                    "The pointer entry Function::call_raw runs, {size} bytes, called as fn(result \
                     pointer in rdi,\nargument pointers in rsi), libffi's ffi_call shape, with \
                     the target baked in (shown as\n<target>). r12 holds the argument pointers \
                     and rbx the result pointer. Loads and stores are\nexactly sizeof each \
                     value, as user memory is not padded."
                )
                .ok();
                return;
            }
        };
        let slots: Vec<String> = self
            .plan
            .args
            .iter()
            .enumerate()
            .map(|(i, a)| format!("#{i} from [{base} + {}]", a.frame_offset))
            .collect();
        if slots.is_empty() {
            writeln!(text, "and there are no arguments to read.").ok();
        } else {
            let mut line = "and the arguments are read:".to_string();
            for (i, slot) in slots.iter().enumerate() {
                let sep = if i + 1 == slots.len() { "." } else { "," };
                if line.len() + slot.len() + 2 > 90 {
                    writeln!(text, "{line}").ok();
                    line = " ".repeat(2);
                }
                line.push(' ');
                line.push_str(slot);
                line.push_str(sep);
            }
            writeln!(text, "{line}").ok();
        }
    }

    /// The code, one instruction a line under the emitter's notes.
    #[cfg(feature = "disasm")]
    fn disassembly(&self, text: &mut String) -> Result<Json, Error> {
        use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter};
        self.entry_header(text);
        let mut decoder = Decoder::with_ip(64, self.code, 0, DecoderOptions::NONE);
        let mut formatter = IntelFormatter::new();
        let options = formatter.options_mut();
        options.set_space_after_operand_separator(true);
        options.set_space_between_memory_add_operators(true);
        // Decimal, like the offsets in the notes and above.
        options.set_number_base(iced_x86::NumberBase::Decimal);
        let mut instruction = Instruction::default();
        let mut out = Vec::new();
        let mut notes = self.notes.iter().peekable();
        let mut note = String::new();
        while decoder.can_decode() {
            decoder.decode_out(&mut instruction);
            let at = instruction.ip() as usize;
            while let Some((offset, n)) = notes.peek() {
                if *offset > at {
                    break;
                }
                note = n.clone();
                writeln!(text, "                                  ; {n}").ok();
                notes.next();
            }
            let len = instruction.len();
            let bytes = self.code.get(at..at + len).unwrap_or_default();
            let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let mut asm = String::new();
            formatter.format(&instruction, &mut asm);
            let asm = asm.replace(&SHOWN_TARGET.to_string(), "<target>");
            writeln!(text, "  {at:04x}  {:<26}  {asm}", hex.join(" ")).ok();
            out.push(Json::object([
                ("offset", Json::num(at as u64)),
                ("bytes", Json::String(hex.join(""))),
                ("instruction", Json::String(asm)),
                ("note", Json::String(note.clone())),
            ]));
        }
        Ok(Json::Array(out))
    }

    /// Without the `disasm` feature: each block's bytes in hex under its note (a block
    /// runs from one note to the next), at most 16 bytes a line.
    #[cfg(not(feature = "disasm"))]
    fn disassembly(&self, text: &mut String) -> Result<Json, Error> {
        self.entry_header(text);
        writeln!(
            text,
            "(jitcall was built without its `disasm` feature: each block's bytes in hex, \
             the target as 11 11 ...)"
        )
        .ok();
        let mut starts: Vec<(usize, &str)> = Vec::new();
        if self.notes.first().is_none_or(|(offset, _)| *offset > 0) {
            starts.push((0, ""));
        }
        starts.extend(self.notes.iter().map(|(offset, n)| (*offset, n.as_str())));
        let mut out = Vec::new();
        for (i, &(start, note)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(self.code.len(), |&(next, _)| next);
            let bytes = self.code.get(start..end.max(start)).unwrap_or_default();
            if !note.is_empty() {
                writeln!(text, "                                  ; {note}").ok();
            }
            for (row, chunk) in bytes.chunks(16).enumerate() {
                let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
                writeln!(text, "  {:04x}  {}", start + 16 * row, hex.join(" ")).ok();
            }
            if bytes.is_empty() {
                continue;
            }
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            out.push(Json::object([
                ("offset", Json::num(start as u64)),
                ("bytes", Json::String(hex)),
                ("instruction", Json::Null),
                ("note", Json::str(note)),
            ]));
        }
        Ok(Json::Array(out))
    }
}

/// A JSON value, for jitcall's machine-readable output. Numbers are unsigned integers
/// (everything jitcall reports is a size, offset or count); values that JSON numbers
/// cannot carry exactly (`long double`, `__int128`) are reported as C literal strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A non-negative integer.
    Number(u64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A string value.
    pub fn str(s: &str) -> Json {
        Json::String(s.to_string())
    }

    fn num(n: impl Into<u64>) -> Json {
        Json::Number(n.into())
    }

    fn strings(items: &[&str]) -> Json {
        Json::Array(items.iter().map(|s| Json::str(s)).collect())
    }

    /// An object from `(key, value)` pairs.
    pub fn object<const N: usize>(pairs: [(&str, Json); N]) -> Json {
        Json::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// On one line.
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    /// Indented by two spaces per level; arrays and objects that fit in a line of 90
    /// characters stay on one line.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out.push('\n');
        out
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::String(s) => quote_json(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_compact(out);
                }
                out.push(']');
            }
            Json::Object(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    quote_json(out, k);
                    out.push_str(": ");
                    v.write_compact(out);
                }
                out.push('}');
            }
        }
    }

    fn write_pretty(&self, out: &mut String, indent: usize) {
        const WIDTH: usize = 90;
        let one_line = self.compact();
        let items: Vec<(Option<&str>, &Json)> = match self {
            Json::Array(items) => items.iter().map(|v| (None, v)).collect(),
            Json::Object(items) => items.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
            _ => Vec::new(),
        };
        if items.is_empty() || indent + one_line.chars().count() <= WIDTH {
            out.push_str(&one_line);
            return;
        }
        let (open, close) = if matches!(self, Json::Array(_)) {
            ('[', ']')
        } else {
            ('{', '}')
        };
        out.push(open);
        for (i, (key, v)) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(indent + 2));
            if let Some(k) = key {
                quote_json(out, k);
                out.push_str(": ");
            }
            v.write_pretty(out, indent + 2);
        }
        out.push('\n');
        out.push_str(&" ".repeat(indent));
        out.push(close);
    }
}

/// Appends `s` as a JSON string literal.
fn quote_json(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                write!(out, "\\u{:04x}", c as u32).ok();
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_and_wraps() {
        let v = Json::object([
            ("s", Json::str("a\"b\\c\n\u{1}é")),
            ("n", Json::Number(3)),
            ("list", Json::Array(vec![Json::Null, Json::Bool(true)])),
        ]);
        assert_eq!(
            v.compact(),
            r#"{"s": "a\"b\\c\n\u0001é", "n": 3, "list": [null, true]}"#
        );
        let long = Json::Array((0..40).map(Json::Number).collect());
        let pretty = long.pretty();
        assert!(pretty.starts_with("[\n  0,\n  1,"), "{pretty}");
        assert!(pretty.ends_with("\n]\n"));
    }

    #[test]
    fn every_location_kind_is_explained() {
        let decls = Declarations::parse(
            "struct e {}; struct big { long a, b, c; };
             long double _Complex f(struct e, struct big, long double, double, char);",
        )
        .unwrap();
        let f = decls.last_function().unwrap();
        let e = Explanation::new(&decls, f, None).unwrap();
        let text = e.text();
        assert!(text.contains("→ nowhere"), "{text}");
        assert!(text.contains("class MEMORY: larger than 16 bytes (24 bytes)"));
        assert!(text.contains("long double (X87) arguments always go on the stack"));
        assert!(text.contains("→ dil (sign-extended to edi)"));
        assert!(text.contains("st(0) (real part) and st(1) (imaginary part)"));
        #[cfg(feature = "disasm")]
        assert!(text.contains("  call r11") || text.contains("call r11"));
        // Without the decoder, the same code as bytes: `call r11` is 41 ff d3.
        #[cfg(not(feature = "disasm"))]
        assert!(text.contains("41 ff d3") && text.contains("; call the target"));
    }
}
