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
//! It renders plans, and never decides: the classes, locations and reasons (why MEMORY,
//! why the stack) are the classifier's ([`crate::abi::sysv`]), read from the plan; the
//! code and which entry a call runs are the emitter's ([`crate::listing`]). Nothing
//! here could disagree with what a call really does. It calls nothing, and uses
//! neither the cache nor frames.
//!
//! Its parts, one section of the output each: `layout` (structs and unions),
//! `locations` (arguments and result), `code` (the entry and its instructions), with
//! `reasons` (reasons in words) and [`Json`] (the JSON value) beside them. This file
//! holds the entry point and the prototype line, and puts the sections in order.

mod code;
mod json;
mod layout;
mod locations;
mod reasons;

pub use json::Json;

use crate::abi::{CallPlan, Class, RetLocation, sysv};
use crate::emit::call::{Entry, bound_entry, listing_of};
use crate::{Declarations, Errno, Error, FunctionDecl, Signature, Type};
use layout::{AggregateView, Namer};
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

fn class_names(classes: &[Class]) -> Vec<&'static str> {
    classes.iter().map(|c| c.name()).collect()
}

fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
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
        Explanation::for_entry_with_errno(decls, function, call, entry, Errno::Untouched)
    }

    /// [`Explanation::for_entry`] for a function bound with `errno` handling
    /// ([`crate::Function::with_errno`]): the bound, batch and pointer entries then show
    /// the errno sequence around the call (`__errno_location` shown as
    /// `<__errno_location>`). The frame entry is the plan's shared code, which never
    /// touches errno: it is shown as it is.
    pub fn for_entry_with_errno(
        decls: &Declarations,
        function: &FunctionDecl,
        call: Option<(&Signature, &[&str])>,
        entry: ExplainedEntry,
        errno: Errno,
    ) -> Result<Explanation, Error> {
        let errno = match entry {
            ExplainedEntry::Frame => Errno::Untouched,
            _ => errno,
        };
        let sig = call.map_or(&function.signature, |(s, _)| s);
        let values = call.map(|(_, v)| v).unwrap_or_default();
        let plan = sysv::classify(sig)?;
        let code_entry = match entry {
            ExplainedEntry::Frame => Entry::Frame,
            ExplainedEntry::Bound => bound_entry(&plan, SHOWN_TARGET, errno).0,
            ExplainedEntry::Pointers => Entry::Pointers {
                target: SHOWN_TARGET,
            },
            ExplainedEntry::Batch => Entry::Batch {
                target: SHOWN_TARGET,
            },
        };
        let emitted = listing_of(&plan, code_entry, errno)?;
        let namer = Namer {
            names: decls.aggregates(),
        };
        Builder {
            function,
            sig,
            values,
            plan: &plan,
            entry,
            errno,
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
    /// What the code shown does with errno.
    errno: Errno,
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
                 does not fit in the registers left.{}",
                if self
                    .plan
                    .args
                    .iter()
                    .any(|a| a.classes.contains(&Class::SseUp))
                {
                    "\nSSEUP eightbytes travel in the register of the SSE eightbyte before them: \
                     16 bytes fill an xmm register, 32 a ymm, 64 a zmm."
                } else {
                    ""
                }
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
        if let Some(abi) = self.plan.vector_abi {
            let requested = self.sig.vector_abi();
            let how = if requested == crate::abi::VectorAbi::Detect {
                ", detected on this CPU"
            } else {
                ", as stated"
            };
            writeln!(
                text,
                "Vectors of 32 and 64 bytes: the callee is taken to be compiled for {} \
                 (VectorAbi::{abi:?}{how}),\nso a 32-byte vector travels in {} and a 64-byte \
                 one in {}",
                abi.name(),
                if abi.register_bytes() >= 32 {
                    "a ymm register"
                } else {
                    "memory"
                },
                if abi.register_bytes() >= 64 {
                    "a zmm register"
                } else {
                    "memory"
                },
            )
            .ok();
            json.push(("vector_abi", Json::str(abi.name())));
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
