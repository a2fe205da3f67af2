//! The struct and union section of an explanation: each aggregate's layout (members,
//! offsets, padding) and its eightbytes, each with the members it holds and its class,
//! or the classifier's reason for MEMORY.
//!
//! It names and lays out what the types say, and asks the classifier
//! ([`sysv::classification`]) for classes and reasons; it decides none itself.

use super::reasons::memory_reason_text;
use super::{Builder, Json, class_names};
use crate::abi::{Class, sysv};
use crate::{Error, Type};
use std::fmt::Write as _;

/// A struct or union as laid out in memory.
pub(super) struct AggregateView {
    pub(super) name: String,
    pub(super) ty: Type,
}

/// One scalar inside an aggregate, for naming what each eightbyte holds.
struct Leaf {
    path: String,
    offset: u64,
    size: u64,
    ty: Type,
}

pub(super) struct Namer {
    pub(super) names: Vec<(String, Type)>,
}

impl Namer {
    pub(super) fn label(&self, ty: &Type) -> String {
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
            let places = ty.field_places()?.unwrap_or_default();
            for (i, (field, place)) in agg.fields.iter().zip(places).enumerate() {
                let name = field.name.clone().unwrap_or_else(|| format!("#{i}"));
                match place.bits {
                    // A bit-field holds the bytes its bits touch.
                    Some(bits) if bits.width > 0 => {
                        let (first, size) = bit_bytes(place.offset, bits);
                        out.push(Leaf {
                            path: join(&name),
                            offset: offset + first,
                            size,
                            ty: field.ty.clone(),
                        });
                    }
                    Some(_) => {}
                    None => leaves(&field.ty, &join(&name), offset + place.offset, out)?,
                }
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

/// The first byte a bit-field's bits touch, and how many bytes they touch.
fn bit_bytes(unit: u64, bits: crate::BitPlace) -> (u64, u64) {
    let first = bits.absolute(unit);
    let end = first + u64::from(bits.width);
    (first / 8, end.div_ceil(8).max(first / 8 + 1) - first / 8)
}

impl Builder<'_> {
    pub(super) fn aggregate(&self, agg: &AggregateView, text: &mut String) -> Result<Json, Error> {
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
            if let Some(n) = a.pack {
                attrs.push(format!("#pragma pack({n})"));
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
        let places = ty.field_places()?.unwrap_or_default();
        let mut members = Vec::new();
        let mut padding = Vec::new();
        let mut end = 0u64;
        let mut rows: Vec<(u64, u64, String)> = Vec::new();
        for (i, (field, place)) in fields.iter().zip(&places).enumerate() {
            let name = field.name.clone().unwrap_or_else(|| format!("#{i}"));
            if let Some(bits) = place.bits {
                // A bit-field row: the bytes its bits touch, and which bits they are
                // (bit b is bit b % 8 of byte b / 8).
                let first = bits.absolute(place.offset);
                let (off, size) = bit_bytes(place.offset, bits);
                let what = match (&field.name, bits.width) {
                    (_, 0) => format!(
                        "{} : 0 (pads to the next {}-byte unit)",
                        field.ty,
                        field.ty.layout()?.size
                    ),
                    (Some(_), w) => format!(
                        "{} : {w}, bits {first}-{} (byte {} bit {} to byte {} bit {})",
                        self.declaration(&field.ty, &name),
                        first + u64::from(w) - 1,
                        first / 8,
                        first % 8,
                        (first + u64::from(w) - 1) / 8,
                        (first + u64::from(w) - 1) % 8
                    ),
                    (None, w) => format!(
                        "{} : {w}, bits {first}-{} (unnamed: padding)",
                        field.ty,
                        first + u64::from(w) - 1
                    ),
                };
                if bits.width > 0 {
                    rows.push((off, size, what));
                    end = end.max(off + size);
                } else {
                    rows.push((first / 8, 0, what));
                }
                members.push(Json::object([
                    ("name", Json::String(name)),
                    ("type", Json::String(self.namer.label(&field.ty))),
                    ("offset", Json::num(place.offset)),
                    ("size", Json::num(field.ty.layout()?.size)),
                    ("bit_offset", Json::num(u64::from(bits.bit_offset))),
                    ("bit_width", Json::num(u64::from(bits.width))),
                ]));
                continue;
            }
            let off = &place.offset;
            let size = field.ty.layout()?.size;
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
}
