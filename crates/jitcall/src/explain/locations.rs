//! The arguments and result section of an explanation: each value's size, classes and
//! exact location (a register at its width, a stack offset, nowhere) with the reason
//! for a stack slot or a MEMORY result, from the plan.
//!
//! It reads locations as the classifier placed them and decides none; the reasons'
//! words are `super::reasons`'.

use super::reasons::{memory_reason_text, stack_reason_code, stack_reason_text};
use super::{Builder, Json, bytes, class_names};
use crate::Error;
use crate::abi::{ArgLocation, ArgPlan, Load, Reg, RegLoad, RetLocation, RetReg};
use std::fmt::Write as _;

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
        (Reg::Xmm(x), Load::Vector(n)) => format!("{} (whole)", vector_register(x, n)),
        (Reg::Xmm(x), load) => format!("xmm{x} (low {} bytes)", load.width()),
    }
}

/// Vector register `n` at a width of 16, 32 or 64 bytes: `xmm1`, `ymm1`, `zmm1`.
fn vector_register(n: u8, width: u8) -> String {
    match width {
        64 => format!("zmm{n}"),
        32 => format!("ymm{n}"),
        _ => format!("xmm{n}"),
    }
}

fn register_json(l: &RegLoad) -> Json {
    let (register, name) = match l.reg {
        Reg::Gpr(g) => (g.name(8).to_string(), g.name(l.load.width()).to_string()),
        Reg::Xmm(x) => (format!("xmm{x}"), vector_register(x, l.load.width())),
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

impl Builder<'_> {
    pub(super) fn argument(
        &self,
        i: usize,
        arg: &ArgPlan,
        text: &mut String,
    ) -> Result<Json, Error> {
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
                            let width = match l.load {
                                Load::Vector(n) => n as u32,
                                _ => 8,
                            };
                            let last = (l.offset + width).min(arg.size) - 1;
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
                let why = if arg.size == 0 {
                    "an empty aggregate takes no register"
                } else {
                    // gcc's empty record: padding only, out of registers or MEMORY.
                    "it is nothing but unnamed bit-fields, which gcc gives no stack space"
                };
                writeln!(text, "      → nowhere: {why}").ok();
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

    pub(super) fn result(&self, text: &mut String) -> Json {
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
                            (RetReg::Xmm0, w) if w >= 16 => {
                                format!("{} (whole)", vector_register(0, w))
                            }
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
}
