//! Struct, union and enum specifiers: tags, member lists, layout attributes, and the
//! completed [`Type`] of each definition (laid out by [`Type::layout`], as gcc lays it
//! out); enumerators and the integer type gcc gives an enum.
//!
//! Bit-fields are read with their widths (checked as gcc checks them) and laid out by
//! [`Type::layout`]; `#pragma pack` in effect at a definition's closing brace packs it,
//! as in gcc. Packed enums, alignment on enums and bit-fields of a type with an
//! alignment attribute are refused as unsupported.

use super::MAX_DEPTH;
use super::declarator::Ctx;
use super::error::{ParseError, Pos};
use super::expr::{Int, fits, wrap};
use super::lexer::{EOF, Kind};
use super::parser::Parser;
use super::scope::{CType, Record, RecordKind};
use super::specifiers::{Attrs, DeclSpecs};
use crate::{Field, Type};
use std::collections::HashSet;

pub(super) struct Member {
    pub(super) name: Option<String>,
    pub(super) ty: CType,
    pub(super) attrs: Attrs,
    pub(super) pos: Pos,
    /// A bit-field's width, and where it was written.
    pub(super) bits: Option<(u32, Pos)>,
}

impl Parser<'_, '_> {
    pub(super) fn record_specifier(&mut self) -> Result<(CType, bool, Attrs), ParseError> {
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
        let open = self.next;
        // Two levels: a struct body's recursion takes twice the stack (`MAX_NESTING`).
        let body = self.nested_by(2, |p| p.members()).and_then(|members| {
            // gcc lays a record out at its closing brace, with the packing then in effect.
            let pack = self.pack.at(self.next.saturating_sub(1));
            attrs.merge(self.attributes()?);
            self.finish_record(id, kind, members, attrs, pack)
        });
        if let Err(e) = body {
            if !self.tolerant {
                return Err(e);
            }
            // What jitcall cannot lay out (a vector member, an unsupported attribute)
            // poisons this type only.
            self.next = open;
            self.skip_balanced()?;
            self.attributes()?;
            self.mark_unsupported(id, e.message);
        }
        Ok((CType::Record(id), anonymous, Attrs::default()))
    }

    /// Keeps a struct, union or enum that jitcall cannot represent, with the reason.
    pub(super) fn mark_unsupported(&mut self, id: usize, reason: String) {
        let reason = reason
            .strip_prefix("unsupported: ")
            .map_or(reason.clone(), str::to_string);
        if let Some(record) = self.scope.to_mut().records.get_mut(id) {
            record.being_defined = false;
            record.ty = None;
            record.unsupported = Some(reason);
        }
    }

    /// The record a tag names, created incomplete if it is new.
    pub(super) fn declare_tag(
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
        scope
            .records
            .push(Record::declared(kind, Some(tag.clone()), pos));
        scope.tags.insert(tag, id);
        Ok(id)
    }

    /// The record a definition is about to complete.
    pub(super) fn define_tag(
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
                scope.records.push(Record::declared(kind, None, keyword));
                (scope.records.len() - 1, keyword)
            }
        };
        if let Some(record) = self.scope.to_mut().records.get_mut(id) {
            record.being_defined = true;
            record.pos = pos;
        }
        Ok(id)
    }

    pub(super) fn members(&mut self) -> Result<Vec<Member>, ParseError> {
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
                        bits: None,
                    });
                }
                continue;
            }
            loop {
                members.push(self.member_declarator(&specs)?);
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

    /// One member declarator (a bit-field's width included) after the specifiers
    /// `specs`. Out of line: struct bodies nest through `members`, whose frame stays
    /// small this way (see `MAX_NESTING`).
    #[inline(never)]
    fn member_declarator(&mut self, specs: &DeclSpecs) -> Result<Member, ParseError> {
        if self.is(":") {
            // An unnamed bit-field: padding.
            let bits = self.bit_field_width(None)?;
            let mut attrs = specs.attrs;
            attrs.merge(self.trailing_attributes()?.0);
            let ty = self.apply_attributes(specs.ty.clone(), &attrs)?;
            return Ok(Member {
                name: None,
                ty,
                attrs,
                pos: bits.1,
                bits: Some(bits),
            });
        }
        let declarator = self.declarator(Ctx::Named)?;
        let mut attrs = specs.attrs;
        attrs.merge(self.trailing_attributes()?.0);
        let Some((name, pos)) = declarator.name else {
            return Err(ParseError::at(specs.pos, "member without a name"));
        };
        let bits = if self.is(":") {
            let bits = self.bit_field_width(Some(&name))?;
            attrs.merge(self.trailing_attributes()?.0);
            Some(bits)
        } else {
            None
        };
        let ty = self.apply(specs.ty.clone(), declarator.ops)?;
        let ty = self.apply_attributes(ty, &attrs)?;
        Ok(Member {
            name: Some(name),
            ty,
            attrs,
            pos,
            bits,
        })
    }

    /// A bit-field's `: width`, the ':' next: the width and its position. gcc's checks
    /// that need no type: a constant, not negative, and not zero for a named member.
    fn bit_field_width(&mut self, name: Option<&str>) -> Result<(u32, Pos), ParseError> {
        self.expect(":")?;
        let start = self.tok().pos;
        let width = self.constant_expression()?.value;
        let what = name.map_or_else(
            || "unnamed bit-field".to_string(),
            |n| format!("bit-field '{n}'"),
        );
        if width < 0 {
            return Err(ParseError::at(start, format!("negative width in {what}")));
        }
        if width == 0 && name.is_some() {
            return Err(ParseError::at(start, format!("zero width for {what}")));
        }
        let width = u32::try_from(width)
            .map_err(|_| ParseError::at(start, format!("width of {what} exceeds its type")))?;
        Ok((width, start))
    }

    pub(super) fn finish_record(
        &mut self,
        id: usize,
        kind: RecordKind,
        members: Vec<Member>,
        attrs: Attrs,
        pack: Option<u64>,
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
        if let Some((what, at)) = attrs.unsupported {
            return Err(ParseError::at(at, format!("unsupported: {what}")));
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
            // A member whose typedef carries an alignment is placed by it.
            let mut member_align = member.attrs.aligned.map(|(a, _)| a);
            if let CType::Aligned(inner, align) = &ty {
                let natural = self.scope.layout_of(inner).map_or(1, |l| l.align);
                if *align < natural && !packed {
                    return Err(ParseError::at(
                        member.pos,
                        format!("unsupported: {what} has a typedef that lowers its alignment"),
                    ));
                }
                member_align = Some(member_align.map_or(*align, |a| a.max(*align)));
            }
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
            if let Some((width, at)) = member.bits {
                let what = match &member.name {
                    Some(name) => format!("bit-field '{name}'"),
                    None => "unnamed bit-field".to_string(),
                };
                bit_field_checks(&ty, width, &what, at)?;
                if member_align.is_some() && member.attrs.aligned.is_none() {
                    return Err(ParseError::at(
                        member.pos,
                        format!("unsupported: {what} has a type with an alignment attribute"),
                    ));
                }
            }
            builder = builder.member(Field {
                name: member.name,
                ty,
                align: member_align,
                bits: member.bits.map(|(width, _)| width),
            });
        }
        if packed {
            builder = builder.packed();
        }
        if let Some(pack) = pack {
            builder = builder.pack(pack);
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

    pub(super) fn enum_specifier(&mut self) -> Result<(CType, bool, Attrs), ParseError> {
        let keyword = self.bump();
        let attrs = self.attributes()?;
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
        let open_at = self.next;
        match self.enumerators(id, keyword.pos, attrs, fixed) {
            Ok(()) => {}
            Err(e) if self.tolerant => {
                self.next = open_at;
                self.skip_balanced()?;
                self.attributes()?;
                self.mark_unsupported(id, e.message);
            }
            Err(e) => return Err(e),
        }
        Ok((CType::Record(id), false, Attrs::default()))
    }

    /// An enum's `{ ... }` and the attributes after it; completes the enum.
    fn enumerators(
        &mut self,
        id: usize,
        keyword: Pos,
        mut attrs: Attrs,
        fixed: Option<Type>,
    ) -> Result<(), ParseError> {
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
                ParseError::at(keyword, "enumerator values do not fit one integer type")
            })?,
        };
        if let Some(record) = self.scope.to_mut().records.get_mut(id) {
            record.ty = Some(ty);
            record.being_defined = false;
        }
        Ok(())
    }
}

/// gcc's checks of a bit-field's type and width: an integer type (an enum is one), no
/// wider than that type (`_Bool`: 1 bit); clang's for `_BitInt(N)` (no wider than
/// `N`), which jitcall takes up to 128 bits.
fn bit_field_checks(ty: &Type, width: u32, what: &str, at: Pos) -> Result<(), ParseError> {
    if let Type::BitInt { bits, .. } = *ty {
        if bits > 128 {
            return Err(ParseError::at(
                at,
                format!(
                    "unsupported: {what} of type '{ty}' (jitcall: `_BitInt` bit-fields of up to 128 bits)"
                ),
            ));
        }
        if width > bits {
            return Err(ParseError::at(
                at,
                format!("width of {what} ({width}) exceeds its type '{ty}' ({bits} bits)"),
            ));
        }
        return Ok(());
    }
    if !ty.is_integer() {
        return Err(ParseError::at(
            at,
            format!("{what} has invalid type '{ty}'"),
        ));
    }
    let bits = match ty {
        Type::Bool => 1,
        _ => ty.layout().map_or(0, |l| 8 * l.size),
    };
    if u64::from(width) > bits {
        return Err(ParseError::at(
            at,
            format!("width of {what} ({width}) exceeds its type '{ty}' ({bits} bits)"),
        ));
    }
    Ok(())
}

/// Whether `value` is representable in the integer type `ty`.
pub(super) fn fits_type(value: i128, ty: &Type) -> bool {
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
pub(super) fn enum_type(min: i128, max: i128) -> Option<Type> {
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
