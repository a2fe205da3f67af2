//! Known issues: shapes where a compiler places arguments differently from gcc (whose
//! psABI reading jitcall follows), and known compiler bugs.
//!
//! A case that fails in a way one of these explains is counted apart, under the
//! entry's name: a *divergence* explains a jitcall failure against that compiler; a
//! *compiler bug* explains the compiler's own call disagreeing with its own callee; a
//! *compiler crash*, the compiler rejecting or crashing on the case's C.
//! Each entry is described in `docs/DIVERGENCES.md`. A compiler that stops diverging is
//! no failure: the case simply passes. This module recognises shapes; it does not
//! decide anything else about a case.

use super::{Compiler, Family};
use jitcall::abi::{
    ArgLocation, CallPlan, Class, Gpr, MemoryReason, Reg, StackReason, VectorAbi, sysv,
};
use jitcall::{Aggregate, Field, Signature, Type};

/// What a known issue explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// The compiler places some argument differently from gcc: jitcall's call fails
    /// against it.
    Divergence,
    /// The compiler miscompiles the shape: its own call fails.
    CompilerBug,
    /// The compiler crashes (or errs) on the shape.
    CompilerCrash,
}

/// One known issue.
#[derive(Debug)]
pub struct Divergence {
    /// A short stable name, used in reports and counts.
    pub name: &'static str,
    /// What it explains.
    pub kind: Kind,
    /// One line: who, and what.
    pub summary: &'static str,
    applies: fn(&Compiler) -> bool,
    matches: fn(&Signature, &CallPlan) -> bool,
}

impl Divergence {
    /// Whether the issue concerns `compiler` at all.
    pub fn applies_to(&self, compiler: &Compiler) -> bool {
        (self.applies)(compiler)
    }

    /// Whether a call with this signature and plan has the shape.
    pub fn matches(&self, sig: &Signature, plan: &CallPlan) -> bool {
        (self.matches)(sig, plan)
    }
}

/// Every known issue.
pub const KNOWN: &[Divergence] = &[
    Divergence {
        name: "clang-float128-union",
        kind: Kind::Divergence,
        summary: "gcc 12 classifies a union of a __float128 and other members eightbyte by \
                  eightbyte (SSE, and SSEUP merged with SSE is SSE); clang 19 passes it in a \
                  GPR or in memory",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_value(sig, float128_union),
    },
    Divergence {
        name: "clang-va-arg-float128-union",
        kind: Kind::CompilerBug,
        summary: "clang 19 passes a variadic union of a __float128 and a member that makes \
                  its second eightbyte SSE (a double _Complex) in a GPR and an xmm \
                  register, and its va_arg reads it from two xmm registers",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| {
            sig.params()[sig.fixed_count()..]
                .iter()
                .any(|t| float128_union(t) && clang_classes(t) == [Class::Sse, Class::Sse])
        },
    },
    Divergence {
        name: "clang-wide-vector-return",
        kind: Kind::Divergence,
        summary: "a 32- or 64-byte vector result wider than the registers the callee is \
                  compiled for: gcc 12 returns it in memory (sret), clang 19 in several \
                  registers (xmm0..xmm3, or ymm0 and ymm1)",
        applies: |c| c.family == Family::Clang,
        matches: |_, plan| {
            matches!(
                plan.ret.memory_reason,
                Some(MemoryReason::WideVector { .. })
            )
        },
    },
    Divergence {
        name: "clang-padded-wide-aggregate",
        kind: Kind::Divergence,
        summary: "an aggregate of 32 or 64 bytes whose only data is a 16-byte vector at its \
                  start, the rest padding (`union { __m128 v; } __attribute__((aligned(64)))`): \
                  gcc 12 passes it in memory (its padding eightbytes are NO_CLASS, not \
                  SSEUP), clang 19 built for that width in a ymm or zmm register",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_value(sig, padded_wide_aggregate),
    },
    Divergence {
        name: "clang-wide-aggregate",
        kind: Kind::Divergence,
        summary: "a 32- or 64-byte struct or union holding a wide vector: gcc 12 passes it \
                  in a ymm or zmm register when its eightbytes are SSE then SSEUP; clang 19 \
                  only when every member of a struct is as large as the struct (no empty \
                  or zero-length member), ignoring arrays wider than their element, and \
                  then only by its first two eightbytes (SSE, SSEUP)",
        applies: |c| c.family == Family::Clang,
        matches: |sig, plan| {
            let native = match sig.vector_abi().resolve() {
                VectorAbi::Avx512 => 64,
                VectorAbi::Avx => 32,
                _ => 16,
            };
            let jitcall_in_registers = |classes: &[Class]| classes.first() == Some(&Class::Sse);
            let differs = |t: &Type, classes: &[Class], named: bool| {
                t.layout().is_ok_and(|l| l.size > 16 && l.size <= 64)
                    && matches!(t, Type::Struct(_) | Type::Union(_))
                    && clang_wide_in_registers(t, named, native) != jitcall_in_registers(classes)
            };
            sig.params()
                .iter()
                .zip(&plan.args)
                .enumerate()
                .any(|(i, (t, a))| differs(t, &a.classes, i < sig.fixed_count()))
                || differs(sig.ret(), &plan.ret.classes, true)
        },
    },
    Divergence {
        name: "clang-va-arg-after-wide-vector",
        kind: Kind::CompilerBug,
        summary: "clang 19 disagrees with itself in a variadic function with a named 32- or \
                  64-byte vector parameter the callee's ISA has a register for: its va_arg \
                  reads a variadic argument from where its caller put an earlier one",
        applies: |c| c.family == Family::Clang,
        matches: named_wide_vector_in_variadic,
    },
    Divergence {
        name: "clang-variadic-named-wide-vector",
        kind: Kind::Divergence,
        summary: "a named 32- or 64-byte vector parameter of a variadic function, with the \
                  callee compiled for its register: gcc 12 passes it in ymm/zmm, clang 19 \
                  in memory",
        applies: |c| c.family == Family::Clang,
        matches: named_wide_vector_in_variadic,
    },
    Divergence {
        name: "clang-small-float-vector",
        kind: Kind::Divergence,
        summary: "gcc 12 passes a 4-byte vector of two _Float16 in xmm (SSE) and a vector \
                  of one _Float16, float or double in memory (by its machine mode); clang 19 \
                  passes the 2- and 4-byte ones in a GPR and returns the double one in xmm0",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_value(sig, small_float_vector),
    },
    Divergence {
        name: "clang-int128-r9",
        kind: Kind::Divergence,
        summary: "clang 18+ gives no later argument r9 once an __int128 went to the stack \
                  for want of a second register (gcc does, as the psABI says)",
        applies: |c| c.family == Family::Clang && c.major >= 18,
        matches: |sig, plan| {
            int128_with_one_gpr_left(sig, plan).is_some_and(|first| {
                plan.args[first..].iter().any(|a| match &a.location {
                    ArgLocation::Registers(loads) => {
                        loads.iter().any(|l| l.reg == Reg::Gpr(Gpr::R9))
                    }
                    _ => false,
                })
            })
        },
    },
    Divergence {
        name: "clang-int128-split",
        kind: Kind::Divergence,
        summary: "clang up to 17 splits an __int128 between r9 and the stack when only r9 \
                  is left (the psABI passes it whole on the stack)",
        applies: |c| c.family == Family::Clang && c.major < 18,
        matches: |sig, plan| int128_with_one_gpr_left(sig, plan).is_some(),
    },
    Divergence {
        name: "clang-complex-half-offset",
        kind: Kind::Divergence,
        summary: "gcc 12 gives a _Complex _Float16 that does not start an eightbyte a 2-byte \
                  SSE class for the next eightbyte too (as for a _Complex float there, which \
                  straddles), so a record reaching that far passes padding in an xmm \
                  register; clang 19 passes nothing for it",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_value(sig, complex_half_padding_eightbyte),
    },
    Divergence {
        name: "clang-array-elements",
        kind: Kind::Divergence,
        summary: "clang classifies every element of an array and ignores zero-length arrays \
                  unless misaligned; gcc classifies an array by its first element, so a \
                  zero-length array inside an eightbyte counts as its element",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| {
            // (Unnamed and misaligned bit-fields, which clang also reads differently,
            // have their own entries.)
            any_value(sig, |t| {
                !has_unnamed_bit_field(t)
                    && !gcc_misaligned_bit_field(t, 0)
                    && clang_classes(t) != sysv::classify_type(t).unwrap_or_default()
            })
        },
    },
    Divergence {
        name: "clang-unnamed-bit-field",
        kind: Kind::Divergence,
        summary: "clang ignores unnamed bit-fields when classifying; gcc classifies them like \
                  any member (in a union, even a zero-width one), so their bits make an \
                  eightbyte INTEGER",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_value(sig, has_unnamed_bit_field),
    },
    Divergence {
        name: "clang-va-arg-unnamed-bit-field",
        kind: Kind::CompilerBug,
        summary: "clang disagrees with itself over a variadic struct whose first eightbyte \
                  holds only an unnamed bit-field: its caller passes only the later \
                  eightbyte, its va_arg reads the struct from elsewhere",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_variadic(sig, has_unnamed_bit_field),
    },
    Divergence {
        name: "gcc-complex-int-array-eightbyte",
        kind: Kind::CompilerBug,
        summary: "gcc classifies an array by its first element; when that element is (or \
                  holds) a complex integer straddling two eightbytes, the second gets a \
                  32-bit class that the array's later bytes overrun: gcc passes only 4 bytes \
                  of that eightbyte",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, _| any_value(sig, |t| complex_int_array_straddles(t, 0)),
    },
    Divergence {
        name: "gcc-array-lone-float-eightbyte",
        kind: Kind::CompilerBug,
        summary: "gcc (12 at least) classifies an array by its first element and widens \
                  only that element's first class: when the element's last eightbyte holds \
                  just a float or _Float16 at its start, that eightbyte keeps a 4- or 2-byte \
                  class (SSESF, SSEHF) though later elements have data after it: its caller \
                  and callee alike pass only 4 or 2 bytes of it, and the rest is lost",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, _| any_value(sig, |t| array_float_tail(t, 0)),
    },
    Divergence {
        name: "gcc-empty-record-va-start",
        kind: Kind::CompilerBug,
        summary: "gcc gives an empty record (only unnamed bit-fields) no stack space, but \
                  its va_start counts the record's size when it is a fixed parameter on the \
                  stack: every variadic argument on the stack is read from the wrong place",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, plan| empty_record_before_dots(sig, plan),
    },
    // The same bug seen from jitcall's call: gcc's own caller can pass by chance (at
    // -O0 its frame may hold a copy of the value where the callee's va_arg looks), and
    // then only jitcall's call, placed as gcc's callers place it, fails.
    Divergence {
        name: "gcc-empty-record-va-start",
        kind: Kind::Divergence,
        summary: "gcc gives an empty record (only unnamed bit-fields) no stack space, but \
                  its va_start counts the record's size when it is a fixed parameter on the \
                  stack: a variadic argument on the stack is read from the wrong place, \
                  whoever calls (gcc's own caller passes only by chance)",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, plan| {
            empty_record_before_dots(sig, plan)
                && plan.args[sig.fixed_count()..]
                    .iter()
                    .any(|a| matches!(a.location, ArgLocation::Stack { .. }))
        },
    },
    Divergence {
        name: "clang-bit-field-misaligned",
        kind: Kind::Divergence,
        summary: "gcc classifies some bit-fields as ordinary integers (a union's, or a \
                  struct's of a mode's width at a multiple of it), which a packed parent \
                  can misalign: MEMORY; clang never checks a bit-field's alignment",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_value(sig, |t| gcc_misaligned_bit_field(t, 0)),
    },
    Divergence {
        name: "clang-va-arg-int128-r9",
        kind: Kind::CompilerBug,
        summary: "clang 18+ disagrees with itself after an __int128 that went to the stack \
                  with only r9 left: its callers leave r9 unused (split a later SSE+INTEGER \
                  struct between xmm and the stack, store only the INTEGER eightbyte of one \
                  with a NO_CLASS eightbyte), its va_arg reads from r9, or the whole type from \
                  the stack",
        applies: |c| c.family == Family::Clang && c.major >= 18,
        matches: clang_va_arg_reads_r9_after_int128,
    },
    Divergence {
        name: "clang-zero-size-element-crash",
        kind: Kind::CompilerCrash,
        summary: "clang (19 at least) crashes (SIGFPE) lowering a call whose argument or \
                  result holds an array of zero-size elements: it divides by the element \
                  size (llvm/llvm-project#224203)",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_value(sig, has_zero_size_elements),
    },
    Divergence {
        name: "clang-float-unnamed-bit-field",
        kind: Kind::CompilerBug,
        summary: "clang 19 ignores an unnamed bit-field between a float starting an SSE \
                  eightbyte and a 16-bit float after it when it classifies, but lowers the \
                  eightbyte by the float alone (the bit-field's storage follows it), so its \
                  caller and callee drop the 16-bit float's bytes",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| {
            any_value(sig, |t| {
                t.layout().is_ok_and(|l| l.size <= 16) && float_unnamed_bit_field_half(t, 0)
            })
        },
    },
    Divergence {
        name: "clang-union-float-eightbyte",
        kind: Kind::CompilerBug,
        summary: "clang passes an SSE eightbyte of a union as a lone float (or _Float16, \
                  __bf16) when the member it lowers the union by has nothing after it, \
                  dropping another member's later bytes (llvm/llvm-project#83388, #76017)",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| {
            any_value(sig, |t| {
                t.layout().is_ok_and(|l| l.size <= 16) && union_float_tail(t, 0)
            })
        },
    },
    Divergence {
        name: "gcc-va-arg-wide-union",
        kind: Kind::CompilerCrash,
        summary: "gcc 12 crashes (segmentation fault in its lower_vaarg pass) on va_arg of \
                  a union of a 32- or 64-byte vector that travels in a ymm or zmm register \
                  (`union { __m256i v; }` with -mavx2)",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, plan| variadic_wide_union_in_register(sig, plan),
    },
    Divergence {
        name: "gcc-va-arg-wide-union",
        kind: Kind::CompilerBug,
        summary: "gcc 12's va_arg of a (packed) union of a 32- or 64-byte vector that travels \
                  in a ymm or zmm register, where it does not crash, reads another argument",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, plan| variadic_wide_union_in_register(sig, plan),
    },
    // The same bug seen from jitcall's call: gcc's own caller can pass by chance (the
    // misread bytes may hold a copy of the value), and then only jitcall's call fails
    // (`gcc -mavx2`, seed 37004, case 4882).
    Divergence {
        name: "gcc-va-arg-wide-union",
        kind: Kind::Divergence,
        summary: "gcc 12's va_arg of a union of a 32- or 64-byte vector that travels in a \
                  ymm or zmm register, where it does not crash, reads another argument, \
                  whoever calls (gcc's own caller passes only by chance)",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, plan| variadic_wide_union_in_register(sig, plan),
    },
    Divergence {
        name: "gcc-va-arg-x87-union",
        kind: Kind::CompilerBug,
        summary: "gcc (12 at least) reads a variadic union with a long double member that \
                  travels in two GPRs with an aligned 16-byte load from an 8-aligned slot of \
                  the register save area: the callee crashes",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, plan| {
            let fixed = sig.fixed_count();
            sig.params()
                .iter()
                .zip(&plan.args)
                .skip(fixed)
                .any(|(t, a)| {
                    a.classes == [Class::Integer, Class::Integer]
                        && matches!(a.location, ArgLocation::Registers(_))
                        && contains_long_double(t)
                })
        },
    },
    Divergence {
        name: "gcc-array-padding-eightbyte",
        kind: Kind::CompilerBug,
        summary: "gcc (12 at least) classifies an array by its first element, so an \
                  eightbyte that element only pads gets NO_CLASS even when a later \
                  element's data lies in it: its caller and callee alike pass nothing for \
                  that eightbyte, and the data is lost",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, _| any_value(sig, data_in_no_class_eightbyte),
    },
    Divergence {
        name: "gcc-array-lone-float-eightbyte",
        kind: Kind::CompilerBug,
        summary: "gcc (12 at least) classifies an array by its first element; when that \
                  element straddles two eightbytes with only a _Float16 or float at the \
                  start of the second, that eightbyte keeps the scalar's narrow class \
                  (SSEHF, SSESF) though later elements have data in it: gcc's caller and \
                  callee alike pass only the scalar's 2 or 4 bytes, and the rest is lost",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, _| any_value(sig, |t| lone_float_eightbyte(t, t, 0)),
    },
    Divergence {
        name: "gcc-complex-half-array-eightbyte",
        kind: Kind::CompilerBug,
        summary: "gcc (12 at least) gives a _Complex _Float16 at an offset not a multiple \
                  of 8 the classes SSE, SSEHF, and an array of such elements repeats them: \
                  an eightbyte of later elements keeps the 2-byte class SSEHF, and its \
                  caller and callee alike pass only 2 bytes of it",
        applies: |c| c.family == Family::Gcc,
        matches: |sig, _| any_value(sig, |t| complex_half_array_eightbyte(t, t, 0)),
    },
    Divergence {
        name: "clang-large-vector-sret-r9",
        kind: Kind::Divergence,
        summary: "a vector of more than 64 bytes returned through the hidden pointer: \
                  clang 19's front end does not count that pointer, so a later argument \
                  of two INTEGER eightbytes that finds only r9 left is split between r9 \
                  and the stack (gcc passes it whole on the stack)",
        applies: |c| c.family == Family::Clang,
        matches: |_, plan| {
            matches!(
                plan.ret.memory_reason,
                Some(MemoryReason::LargeVector { .. })
            ) && plan.args.iter().any(|a| {
                matches!(
                    a.stack_reason,
                    Some(StackReason::OutOfRegisters {
                        gprs_needed: 2,
                        gprs_left: 1,
                        ..
                    })
                )
            })
        },
    },
    Divergence {
        name: "clang-va-arg-wide-aggregate",
        kind: Kind::CompilerBug,
        summary: "clang 19 disagrees with itself over a variadic 32- or 64-byte struct or \
                  union that its classifier puts in a ymm or zmm register (`union { v4si v; \
                  long l[4]; }` with AVX: the array is ignored): its caller passes it in \
                  the register, its va_arg reads it from elsewhere",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| {
            let native = match sig.vector_abi().resolve() {
                VectorAbi::Avx512 => 64,
                VectorAbi::Avx => 32,
                _ => 16,
            };
            sig.params()[sig.fixed_count()..].iter().any(|t| {
                t.layout().is_ok_and(|l| l.size > 16 && l.size <= 64)
                    && matches!(t, Type::Struct(_) | Type::Union(_))
                    && clang_wide_in_registers(t, false, native)
            })
        },
    },
    // The same seen from clang's own call: a variadic one's va_arg reads the first
    // eightbyte from the xmm save area, where the caller put nothing.
    Divergence {
        name: "clang-short-float-eightbyte",
        kind: Kind::CompilerBug,
        summary: "clang 19 passes a variadic argument whose first eightbyte is a lone \
                  __bf16 or two 16-bit floats, before a second eightbyte of a type aligned \
                  to less than 8, in a GPR; its va_arg reads that eightbyte as SSE",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_variadic(sig, clang_short_float_eightbyte),
    },
    Divergence {
        name: "clang-large-vector-return",
        kind: Kind::Divergence,
        summary: "a vector result of more than 64 bytes that fits in four of the callee's \
                  widest vector registers (128 bytes with AVX, 256 with AVX-512F): gcc 12 \
                  returns it in memory (sret), clang 19 in ymm0..ymm3 or zmm0..zmm3",
        applies: |c| c.family == Family::Clang,
        matches: |sig, plan| {
            let native = match sig.vector_abi().resolve() {
                VectorAbi::Avx512 => 64,
                VectorAbi::Avx => 32,
                _ => 16,
            };
            matches!(
                plan.ret.memory_reason,
                Some(MemoryReason::LargeVector { size }) if u64::from(size) <= 4 * native
            )
        },
    },
    Divergence {
        name: "clang-short-float-eightbyte",
        kind: Kind::Divergence,
        summary: "clang 19 passes a first eightbyte of nothing but a lone __bf16, or two \
                  16-bit floats, in a GPR when the second eightbyte's type is aligned to \
                  less than 8 (`struct { __bf16 h; float f __attribute__((aligned(8))); \
                  }`): it widens the 2- or 4-byte type to i64; gcc (and jitcall) use SSE",
        applies: |c| c.family == Family::Clang,
        matches: |sig, _| any_value(sig, clang_short_float_eightbyte),
    },
];

/// The known issue of `kind` that explains a failure of `sig` compiled by `compiler`,
/// if any.
pub fn explain(
    compiler: &Compiler,
    kind: Kind,
    sig: &Signature,
    plan: &CallPlan,
) -> Option<&'static Divergence> {
    KNOWN
        .iter()
        .find(|d| d.kind == kind && d.applies_to(compiler) && d.matches(sig, plan))
}

/// Whether clang 19 passes the 32- or 64-byte aggregate `ty` in a vector register, for a
/// callee whose widest vector register has `native` bytes (`named`: not a variadic
/// argument, whose wide vectors clang passes in memory). clang's classifier keeps two
/// classes, for the first eightbyte and for all the rest: a struct member smaller than
/// the struct and anything misaligned make it MEMORY; an array wider than 16 bytes and
/// than its element, or than the registers, is ignored; the classes must end SSE,
/// SSEUP.
fn clang_wide_in_registers(ty: &Type, named: bool, native: u64) -> bool {
    /// Merges the classes of `ty` at `offset` into `lo` (the first eightbyte) and `hi`
    /// (the rest); `Err` for MEMORY.
    fn classify(
        ty: &Type,
        offset: u64,
        named: bool,
        native: u64,
        lo: &mut Class,
        hi: &mut Class,
    ) -> Result<(), ()> {
        let layout = ty.layout().map_err(|_| ())?;
        let size = layout.size;
        let put = |class: Class, at: u64, lo: &mut Class, hi: &mut Class| {
            let slot = if at < 8 { lo } else { hi };
            *slot = merge(*slot, class);
        };
        match ty {
            Type::Struct(agg) | Type::Union(agg) => {
                let union = matches!(ty, Type::Union(_));
                let places = ty.field_places().ok().flatten().unwrap_or_default();
                for (f, place) in agg.fields.iter().zip(places) {
                    if f.name.is_none() && f.bits.is_some() {
                        continue;
                    }
                    let fsize = f.ty.layout().map_or(0, |l| l.size);
                    if size > 16 && ((!union && fsize != size) || size > native) {
                        return Err(());
                    }
                    let at = offset + place.offset;
                    match place.bits {
                        Some(bits) => {
                            let first = bits.absolute(at);
                            put(Class::Integer, first / 8, lo, hi);
                            let last = first + u64::from(bits.width.max(1)) - 1;
                            put(Class::Integer, last / 8, lo, hi);
                        }
                        None => {
                            let align = f.ty.layout().map_or(1, |l| l.align);
                            if !at.is_multiple_of(align) {
                                return Err(());
                            }
                            classify(&f.ty, at, named, native, lo, hi)?;
                        }
                    }
                }
                Ok(())
            }
            Type::Array(elem, n) => {
                let esize = elem.layout().map_or(0, |l| l.size);
                // clang gives up on such an array with NO_CLASS, not MEMORY: it is
                // ignored (`union { __m256d v; double d[4]; }` travels in ymm0).
                if size > 16 && (size != esize || size > native) {
                    return Ok(());
                }
                (0..*n).try_for_each(|i| classify(elem, offset + i * esize, named, native, lo, hi))
            }
            Type::Vector(..) if size > 16 => {
                if !named || size > native {
                    return Err(());
                }
                put(Class::Sse, offset, lo, hi);
                put(Class::SseUp, offset + 8, lo, hi);
                Ok(())
            }
            _ if size > 16 => Err(()),
            scalar => {
                let classes = clang_classes(scalar);
                if classes.contains(&Class::Memory) {
                    return Err(());
                }
                for (k, c) in classes.into_iter().enumerate() {
                    put(c, offset + 8 * k as u64, lo, hi);
                }
                Ok(())
            }
        }
    }
    fn merge(a: Class, b: Class) -> Class {
        use Class::*;
        match (a, b) {
            (x, y) if x == y => x,
            (NoClass, x) | (x, NoClass) => x,
            (Memory, _) | (_, Memory) => Memory,
            (Integer, _) | (_, Integer) => Integer,
            (X87 | X87Up | ComplexX87, _) | (_, X87 | X87Up | ComplexX87) => Memory,
            _ => Sse,
        }
    }
    let (mut lo, mut hi) = (Class::NoClass, Class::NoClass);
    classify(ty, 0, named, native, &mut lo, &mut hi).is_ok()
        && lo == Class::Sse
        && hi == Class::SseUp
}

/// Whether `ty` is a 32- or 64-byte aggregate whose every scalar is a 16-byte vector at
/// offset 0 (the rest padding, from an `aligned` attribute).
fn padded_wide_aggregate(ty: &Type) -> bool {
    fn leaves(ty: &Type, offset: u64, out: &mut Vec<(Type, u64)>) {
        match ty {
            Type::Struct(agg) | Type::Union(agg) => {
                for (t, off) in members(ty, agg) {
                    leaves(t, offset + off, out);
                }
            }
            Type::Array(elem, n) => {
                let size = elem.layout().map_or(0, |l| l.size);
                for i in 0..*n {
                    leaves(elem, offset + i * size, out);
                }
            }
            other => out.push((other.clone(), offset)),
        }
    }
    let size = ty.layout().map_or(0, |l| l.size);
    if !ty.is_aggregate() || !(size == 32 || size == 64) {
        return false;
    }
    let mut found = Vec::new();
    leaves(ty, 0, &mut found);
    !found.is_empty()
        && found.iter().all(|(t, off)| {
            *off == 0 && matches!(t, Type::Vector(..)) && t.layout().is_ok_and(|l| l.size == 16)
        })
}

/// Whether a variadic argument of `sig` is or holds a union of a 32- or 64-byte vector
/// and, as a named argument, would travel in a ymm or zmm register (the callee is built
/// for it; variadic, it goes to memory).
fn variadic_wide_union_in_register(sig: &Signature, _plan: &CallPlan) -> bool {
    fn wide_union(ty: &Type) -> bool {
        match ty {
            Type::Union(agg) => {
                agg.fields.iter().any(|f| wide(&f.ty))
                    || agg.fields.iter().any(|f| wide_union(&f.ty))
            }
            Type::Struct(agg) => agg.fields.iter().any(|f| wide_union(&f.ty)),
            Type::Array(elem, _) => wide_union(elem),
            _ => false,
        }
    }
    fn wide(ty: &Type) -> bool {
        match ty {
            Type::Vector(..) => ty.layout().is_ok_and(|l| l.size > 16),
            Type::Struct(agg) | Type::Union(agg) => agg.fields.iter().any(|f| wide(&f.ty)),
            Type::Array(elem, _) => wide(elem),
            _ => false,
        }
    }
    let in_register = |t: &Type| {
        let named = Signature::new(Type::Void, [t.clone()]).with_vector_abi(sig.vector_abi());
        sysv::classify(&named).is_ok_and(|p| p.args[0].classes.first() == Some(&Class::Sse))
    };
    sig.params()[sig.fixed_count()..]
        .iter()
        .any(|t| t.layout().is_ok_and(|l| l.size > 16) && wide_union(t) && in_register(t))
}

/// Whether any parameter or the result of `sig` is a type for which `f` holds.
/// Whether `ty` is or holds (at any depth) a vector gcc 12 and clang 19 classify
/// differently: two `_Float16` (4 bytes: SSE for gcc, INTEGER for clang), or one
/// floating lane of 2, 4 or 8 bytes (MEMORY for gcc; clang INTEGER for the first two,
/// and returns the `double` one in xmm0).
fn small_float_vector(ty: &Type) -> bool {
    match ty {
        Type::Vector(elem, lanes) => {
            let floating = matches!(**elem, Type::Float16 | Type::Float | Type::Double);
            floating && (*lanes == 1 || (**elem == Type::Float16 && *lanes == 2))
        }
        Type::Struct(agg) | Type::Union(agg) => {
            agg.fields.iter().any(|f| small_float_vector(&f.ty))
        }
        Type::Array(elem, _) => small_float_vector(elem),
        _ => false,
    }
}

/// Whether `ty` is or holds (at any depth) a floating vector of `size` bytes that
/// [`small_float_vector`] names.
fn small_float_vector_of(ty: &Type, size: u64) -> bool {
    match ty {
        Type::Vector(..) => small_float_vector(ty) && ty.layout().is_ok_and(|l| l.size == size),
        Type::Struct(agg) | Type::Union(agg) => agg
            .fields
            .iter()
            .any(|f| small_float_vector_of(&f.ty, size)),
        Type::Array(elem, n) => *n > 0 && small_float_vector_of(elem, size),
        _ => false,
    }
}

/// Whether `ty` holds (at any depth) a union with a `__float128` member and another
/// member: gcc merges their classes eightbyte by eightbyte (SSEUP with SSE is SSE);
/// clang 19 lowers such a union as a whole, to a GPR or memory.
fn float128_union(ty: &Type) -> bool {
    fn holds_float128(ty: &Type) -> bool {
        match ty {
            Type::Float128 => true,
            Type::Struct(agg) | Type::Union(agg) => {
                agg.fields.iter().any(|f| holds_float128(&f.ty))
            }
            Type::Array(elem, _) => holds_float128(elem),
            _ => false,
        }
    }
    match ty {
        Type::Union(agg) if agg.fields.len() > 1 && holds_float128(ty) => true,
        Type::Struct(agg) | Type::Union(agg) => agg.fields.iter().any(|f| float128_union(&f.ty)),
        Type::Array(elem, _) => float128_union(elem),
        _ => false,
    }
}

/// Whether a variadic function has a named parameter in a ymm or zmm register.
fn named_wide_vector_in_variadic(sig: &Signature, plan: &CallPlan) -> bool {
    sig.is_variadic()
        && plan.args[..sig.fixed_count()]
            .iter()
            .any(|a| match &a.location {
                ArgLocation::Registers(loads) => loads
                    .iter()
                    .any(|l| matches!(l.load, jitcall::abi::Load::Vector(n) if n > 16)),
                _ => false,
            })
}

/// Whether `f` holds for a variadic argument of `sig`.
fn any_variadic(sig: &Signature, f: impl Fn(&Type) -> bool) -> bool {
    sig.params()[sig.fixed_count()..].iter().any(f)
}

fn any_value(sig: &Signature, f: impl Fn(&Type) -> bool) -> bool {
    sig.params().iter().chain([sig.ret()]).any(f)
}

/// The index of the first `__int128` argument sent to the stack because only one
/// integer register was left.
fn int128_with_one_gpr_left(sig: &Signature, plan: &CallPlan) -> Option<usize> {
    plan.args.iter().zip(sig.params()).position(|(a, t)| {
        matches!(t, Type::Int128 | Type::UInt128)
            && matches!(
                a.stack_reason,
                Some(StackReason::OutOfRegisters { gprs_left: 1, .. })
            )
    })
}

/// Whether, in clang's own view of the call (its classes, and the psABI's assignment,
/// which its front end and `va_arg` follow), an `__int128` goes to the stack with one
/// integer register left, and a later variadic argument needs that register, `r9`.
/// clang's back end leaves `r9` unused then: it passes an INTEGER argument on the stack
/// and splits an SSE+INTEGER struct between an xmm register and the stack. `va_arg`
/// disagrees: after a variadic `__int128` it reads the argument from `r9`; after a fixed
/// one (which `va_start` counts as using `r9`), it reads a split struct whole from the
/// stack, and an argument with a NO_CLASS eightbyte (a union of a 16-aligned `int`, whose
/// caller stores only its INTEGER eightbyte, 8-aligned) from a slot aligned and sized
/// for the whole type, so it or the arguments after it are read from the wrong place.
fn clang_va_arg_reads_r9_after_int128(sig: &Signature, plan: &CallPlan) -> bool {
    // Wider than 16 bytes, clang's classes are jitcall's (MEMORY, or a wide vector's
    // registers as the callee's instruction set gives them, which only the plan knows).
    let classes_of = |i: usize, t: &Type| match plan.args.get(i) {
        Some(a) if t.layout().is_ok_and(|l| l.size > 16) => a.classes.to_vec(),
        _ => clang_classes_without_unnamed_bit_fields(t),
    };
    // Whether clang's caller passes a hidden result pointer in rdi. A vector result
    // wider than 16 bytes takes none: clang returns one of up to 64 bytes in registers
    // whatever the instruction set (`clang-wide-vector-return`), and does not count
    // the pointer of a larger one (`clang-large-vector-sret-r9`). A wider aggregate
    // comes back as the plan says (in memory, or of a wide vector in ymm/zmm per the
    // callee's instruction set).
    let wide = sig.ret().layout().is_ok_and(|l| l.size > 16);
    let sret = match sig.ret() {
        Type::Vector(..) | Type::ExtVector(..) if wide => false,
        _ if wide => plan.ret.location == jitcall::abi::RetLocation::Memory,
        ret => clang_classes_of_result(ret) == [Class::Memory],
    };
    let mut gprs: u8 = if sret { 5 } else { 6 };
    let mut xmms: u8 = 8;
    // Whether the __int128 that left r9 unused was variadic.
    let mut int128: Option<bool> = None;
    for (i, t) in sig.params().iter().enumerate() {
        let variadic = i >= sig.fixed_count();
        let classes = classes_of(i, t);
        let ints = classes.iter().filter(|c| **c == Class::Integer).count() as u8;
        let sses = classes.iter().filter(|c| **c == Class::Sse).count() as u8;
        let in_memory = classes.iter().any(|c| {
            matches!(
                c,
                Class::Memory | Class::X87 | Class::X87Up | Class::ComplexX87
            )
        });
        if in_memory {
            continue;
        }
        if ints <= gprs && sses <= xmms {
            // A NO_CLASS eightbyte (the padding of a union of a 16-aligned `int`, say)
            // is not stored by clang's caller, but `va_arg` steps over it.
            if let Some(int128_variadic) = int128
                && variadic
                && ints > 0
                && (int128_variadic || sses > 0 || classes.contains(&Class::NoClass))
            {
                return true;
            }
            gprs -= ints;
            xmms -= sses;
        } else if matches!(t, Type::Int128 | Type::UInt128) && gprs == 1 {
            int128 = Some(variadic);
        }
    }
    false
}

/// [`clang_classes`], with an INTEGER eightbyte that holds floating data and an unnamed
/// bit-field but no named integer SSE: clang ignores unnamed bit-fields entirely
/// (`struct { __bf16 h[1]; _Bool : 1; }` takes an xmm register, not a GPR; seed
/// 20261212, case 284685), where [`clang_classes`] keeps gcc's INTEGER for them.
fn clang_classes_without_unnamed_bit_fields(ty: &Type) -> Vec<Class> {
    fn named_scalars(ty: &Type, at: u64, out: &mut Vec<(u64, Type)>) {
        match ty {
            Type::Struct(agg) => {
                let offsets = ty.field_offsets().ok().flatten().unwrap_or_default();
                for (f, off) in agg.fields.iter().zip(offsets) {
                    if !(f.name.is_none() && f.bits.is_some()) {
                        named_scalars(&f.ty, at + off, out);
                    }
                }
            }
            Type::Union(agg) => agg
                .fields
                .iter()
                .filter(|f| !(f.name.is_none() && f.bits.is_some()))
                .for_each(|f| named_scalars(&f.ty, at, out)),
            Type::Array(elem, n) => {
                let size = elem.layout().map_or(0, |l| l.size);
                (0..*n).for_each(|i| named_scalars(elem, at + i * size, out));
            }
            Type::Complex(part) => {
                let size = part.layout().map_or(0, |l| l.size);
                named_scalars(part, at, out);
                named_scalars(part, at + size, out);
            }
            scalar => out.push((at, scalar.clone())),
        }
    }
    let classes = clang_classes(ty);
    if !has_unnamed_bit_field(ty) || classes.contains(&Class::Memory) {
        return classes;
    }
    let mut named = Vec::new();
    named_scalars(ty, 0, &mut named);
    let floating = |t: &Type| {
        matches!(
            t,
            Type::Float | Type::Double | Type::Float16 | Type::BFloat16
        )
    };
    classes
        .iter()
        .enumerate()
        .map(|(i, &class)| {
            let word: Vec<&Type> = named
                .iter()
                .filter(|(at, _)| *at / 8 == i as u64)
                .map(|(_, t)| t)
                .collect();
            if class == Class::Integer && !word.is_empty() && word.iter().all(|t| floating(t)) {
                Class::Sse
            } else {
                class
            }
        })
        .collect()
}

fn clang_classes_of_result(ty: &Type) -> Vec<Class> {
    match ty {
        Type::Void => Vec::new(),
        // clang returns a one-lane double vector in xmm0 (it passes one in memory),
        // GNU or `ext_vector_type`.
        Type::Vector(elem, 1) | Type::ExtVector(elem, 1) if **elem == Type::Double => {
            vec![Class::Sse]
        }
        t => clang_classes(t),
    }
}

/// Whether `ty` (at byte `offset` in its argument) holds a bit-field that gcc classifies
/// as an ordinary integer, misaligned there (`abi::sysv`'s rules: in a union, the mode
/// that holds it; in a struct, one of a mode's width at a multiple of it, unless packed).
fn gcc_misaligned_bit_field(ty: &Type, offset: u64) -> bool {
    let union = matches!(ty, Type::Union(_));
    match ty {
        Type::Struct(agg) | Type::Union(agg) => {
            let places = ty.field_places().ok().flatten().unwrap_or_default();
            agg.fields
                .iter()
                .zip(places)
                .any(|(f, place)| match place.bits {
                    Some(bits) if union => {
                        let mode = u64::from(bits.width).next_power_of_two().clamp(8, 128) / 8;
                        !offset.is_multiple_of(mode)
                    }
                    Some(bits) => {
                        let w = u64::from(bits.width);
                        let within = bits.absolute(place.offset);
                        matches!(w, 8 | 16 | 32 | 64 | 128)
                            && !(agg.packed && w > 8)
                            && within.is_multiple_of(w)
                            && !(within + offset * 8).is_multiple_of(w)
                    }
                    None => gcc_misaligned_bit_field(&f.ty, offset + place.offset),
                })
        }
        Type::Array(elem, n) => *n > 0 && gcc_misaligned_bit_field(elem, offset),
        _ => false,
    }
}

/// Whether `ty` (at `offset` in its argument) holds an array of complex integers whose
/// first element straddles two eightbytes.
fn complex_int_array_straddles(ty: &Type, offset: u64) -> bool {
    match ty {
        Type::Struct(agg) | Type::Union(agg) => {
            members(ty, agg).any(|(t, off)| complex_int_array_straddles(t, offset + off))
        }
        Type::Array(elem, n) => {
            (*n > 0 && straddling_complex_int(elem, offset))
                || complex_int_array_straddles(elem, offset)
        }
        _ => false,
    }
}

/// Whether `sig` is variadic and one of its fixed parameters is an empty record that
/// would have gone to the stack (which gcc passes nowhere, but its `va_start` counts).
fn empty_record_before_dots(sig: &Signature, plan: &CallPlan) -> bool {
    sig.is_variadic()
        && plan.args[..sig.fixed_count()]
            .iter()
            .zip(sig.params())
            .any(|(a, t)| a.size > 0 && matches!(a.location, ArgLocation::Nowhere) && is_empty(t))
}

/// Whether `ty` (at `offset` in its argument) is, or holds in its members or its arrays'
/// first elements, a complex integer straddling two eightbytes.
fn straddling_complex_int(ty: &Type, offset: u64) -> bool {
    match ty {
        Type::Complex(part) if part.is_integer() => {
            let size = ty.layout().map_or(0, |l| l.size);
            offset % 8 + size > 8
        }
        Type::Struct(agg) | Type::Union(agg) => {
            members(ty, agg).any(|(t, off)| straddling_complex_int(t, offset + off))
        }
        Type::Array(elem, n) => *n > 0 && straddling_complex_int(elem, offset),
        _ => false,
    }
}

/// Whether `ty` (at `offset` in its argument) holds an array of more than one element
/// whose first element spans eightbytes and has, in its last eightbyte, only a `float` or
/// `_Float16` at the eightbyte's start: `struct { long : 31; struct { float f; _Float16 h;
/// } __attribute__((packed)) a[2]; }` puts `a[0].h` alone at byte 8, and `a[1]` at bytes
/// 10..16.
fn array_float_tail(ty: &Type, offset: u64) -> bool {
    match ty {
        Type::Struct(agg) | Type::Union(agg) => {
            members(ty, agg).any(|(t, off)| array_float_tail(t, offset + off))
        }
        Type::Array(elem, n) => {
            let size = elem.layout().map_or(0, |l| l.size);
            let tail = (offset + size).saturating_sub(1) / 8 * 8;
            let lone_float = *n > 1 && size > 0 && tail > offset / 8 * 8 && {
                let at = tail - offset;
                let data = all_data(elem, size as usize);
                sse_scalar_width_at(elem, at, 0).is_some_and(|w| {
                    data.iter()
                        .skip(at as usize)
                        .enumerate()
                        .all(|(i, &b)| !b || (i as u64) < w)
                })
            };
            lone_float || array_float_tail(elem, offset)
        }
        _ => false,
    }
}

/// The size of the `float` or `_Float16` of `ty` (itself at `base`) at offset `at`, if
/// one starts there.
fn sse_scalar_width_at(ty: &Type, at: u64, base: u64) -> Option<u64> {
    match ty {
        Type::Float if at == base => Some(4),
        Type::Float16 if at == base => Some(2),
        Type::Struct(agg) => {
            members(ty, agg).find_map(|(t, off)| sse_scalar_width_at(t, at, base + off))
        }
        Type::Union(agg) => agg
            .fields
            .iter()
            .find_map(|f| sse_scalar_width_at(&f.ty, at, base)),
        Type::Array(elem, n) => {
            let size = elem.layout().map_or(0, |l| l.size);
            (0..*n).find_map(|i| sse_scalar_width_at(elem, at, base + i * size))
        }
        Type::Complex(part) => {
            let size = part.layout().map_or(0, |l| l.size);
            sse_scalar_width_at(part, at, base)
                .or_else(|| sse_scalar_width_at(part, at, base + size))
        }
        _ => None,
    }
}

/// Whether `ty` is a struct or union of nothing but unnamed bit-fields, empty records
/// and empty arrays (gcc's empty record).
fn is_empty(ty: &Type) -> bool {
    match ty {
        Type::Struct(agg) | Type::Union(agg) => agg
            .fields
            .iter()
            .all(|f| (f.name.is_none() && f.bits.is_some()) || is_empty(&f.ty)),
        Type::Array(elem, n) => *n == 0 || is_empty(elem),
        _ => false,
    }
}

/// Whether `ty` holds an unnamed bit-field of non-zero width, or a zero-width one in a
/// union (clang ignores both; gcc classifies them).
fn has_unnamed_bit_field(ty: &Type) -> bool {
    match ty {
        Type::Struct(agg) | Type::Union(agg) => agg.fields.iter().any(|f| {
            let union = matches!(ty, Type::Union(_));
            (f.name.is_none() && f.bits.is_some_and(|w| w > 0 || union))
                || has_unnamed_bit_field(&f.ty)
        }),
        Type::Array(elem, _) => has_unnamed_bit_field(elem),
        _ => false,
    }
}

/// Whether `ty` (at `offset` in its argument) holds a union with a member that has a
/// `float`, `_Float16` or `__bf16` at the start of an eightbyte and no data in the rest
/// of that eightbyte, while another member has data there; or a struct with a `float` at the start of an
/// eightbyte followed by such a union whose data-free member clang may lower it by
/// ([`float_then_empty_union_member`]).
fn union_float_tail(ty: &Type, offset: u64) -> bool {
    match ty {
        Type::Struct(agg) => {
            float_then_empty_union_member(ty, agg, offset)
                || members(ty, agg).any(|(t, off)| union_float_tail(t, offset + off))
        }
        Type::Array(elem, n) => {
            let size = elem.layout().map_or(0, |l| l.size);
            (0..*n).any(|i| union_float_tail(elem, offset + i * size))
        }
        Type::Union(agg) => {
            let size = ty.layout().map_or(0, |l| l.size) as usize;
            let masks: Vec<Vec<bool>> = agg.fields.iter().map(|f| all_data(&f.ty, size)).collect();
            let any_data = |at: usize| masks.iter().any(|m| m.get(at).copied().unwrap_or(false));
            agg.fields.iter().zip(&masks).any(|(f, mask)| {
                let mut scalars = Vec::new();
                scalars_of(&f.ty, 0, &mut scalars);
                let half = |t: &Type| matches!(t, Type::Float16 | Type::BFloat16);
                let half_at = |at: u64| scalars.iter().any(|(a, t)| *a == at && half(t));
                scalars.iter().any(|&(r, ref t)| {
                    // Two 16-bit floats side by side (a `_Complex _Float16`) lower to
                    // one 4-byte vector, as a `float` does.
                    let width = match t {
                        Type::Float => 4,
                        t if half(t) && half_at(r + 2) => 4,
                        t if half(t) => 2,
                        _ => return false,
                    };
                    let r = r as usize;
                    (offset as usize + r).is_multiple_of(8)
                        && (r + width..(r + 8).min(size))
                            .all(|k| !mask.get(k).copied().unwrap_or(false))
                        && (r + width..(r + 8).min(size)).any(any_data)
                })
            }) || agg.fields.iter().any(|f| union_float_tail(&f.ty, offset))
        }
        _ => false,
    }
}

/// Whether the struct `ty` (at `offset` in its argument), or one nested in it, has a
/// `float` starting an eightbyte, then an unnamed bit-field whose storage lies in that
/// eightbyte, then a `_Float16` or `__bf16` later in it: `struct { float f; signed char
/// : 3; _Float16 h; }` (the `clang-float-unnamed-bit-field` bug).
fn float_unnamed_bit_field_half(ty: &Type, offset: u64) -> bool {
    let Type::Struct(agg) = ty else {
        return false;
    };
    let offsets = ty.field_offsets().ok().flatten().unwrap_or_default();
    let fields: Vec<(&Field, u64)> = agg.fields.iter().zip(offsets).collect();
    let half_in = |f: &Field, at: u64, range: std::ops::Range<u64>| {
        let mut scalars = Vec::new();
        scalars_of(&f.ty, at, &mut scalars);
        scalars
            .iter()
            .any(|(a, t)| range.contains(a) && matches!(t, Type::Float16 | Type::BFloat16))
    };
    fields.iter().enumerate().any(|(i, &(f, at))| {
        let start = offset + at;
        f.ty == Type::Float
            && f.bits.is_none()
            && start.is_multiple_of(8)
            && fields.get(i + 1).is_some_and(|&(b, b_at)| {
                b.name.is_none()
                    && b.bits.is_some_and(|w| w > 0)
                    && (start + 4..start + 8).contains(&(offset + b_at))
            })
            && fields[i + 2..]
                .iter()
                .any(|&(g, g_at)| half_in(g, offset + g_at, start + 4..start + 8))
    }) || fields
        .iter()
        .any(|&(f, at)| float_unnamed_bit_field_half(&f.ty, offset + at))
}

/// Whether the struct `ty` (at `offset` in its argument) has a `float` member at the
/// start of an eightbyte and, right after it, a union with a float at its start and a
/// member of no data (a zero-length array, an empty struct). clang lowers a union by
/// its most aligned member, which can be the data-free one: then it finds no float
/// after the first and passes the eightbyte as a lone `float`, dropping the union's
/// (`struct { float f; union { struct { long l; } __attribute__((packed)) z[0]; float
/// g; } u; }`).
fn float_then_empty_union_member(ty: &Type, agg: &Aggregate, offset: u64) -> bool {
    let all: Vec<(&Type, u64)> = members(ty, agg).collect();
    all.windows(2).any(|pair| {
        let [(first, at), (next, next_at)] = pair else {
            return false;
        };
        let Type::Union(u) = next else {
            return false;
        };
        **first == Type::Float
            && (offset + at).is_multiple_of(8)
            && *next_at == at + 4
            && u.fields
                .iter()
                .any(|f| float_offsets(&f.ty, 0).contains(&0))
            && u.fields
                .iter()
                .any(|f| f.ty.layout().is_ok_and(|l| l.size == 0))
    })
}

/// Offsets of the `float` scalars of `ty` (every union member's).
fn float_offsets(ty: &Type, at: u64) -> Vec<u64> {
    match ty {
        Type::Float => vec![at],
        Type::Struct(agg) => members(ty, agg)
            .flat_map(|(t, off)| float_offsets(t, at + off))
            .collect(),
        Type::Union(agg) => agg
            .fields
            .iter()
            .flat_map(|f| float_offsets(&f.ty, at))
            .collect(),
        Type::Array(elem, n) => {
            let size = elem.layout().map_or(0, |l| l.size);
            (0..*n)
                .flat_map(|i| float_offsets(elem, at + i * size))
                .collect()
        }
        Type::Complex(elem) => {
            let size = elem.layout().map_or(0, |l| l.size);
            [float_offsets(elem, at), float_offsets(elem, at + size)].concat()
        }
        _ => Vec::new(),
    }
}

/// Whether `whole` (of which `ty` is a part at `offset`) travels in registers and holds
/// an array of two or more elements whose first element has a `_Complex _Float16` at
/// an offset (in `whole`) that is not a multiple of 8, with the array reaching past
/// the eightbyte that complex number starts in. gcc classifies such a complex number
/// SSE, SSEHF (whether it straddles or not) and the array repeats its element's
/// classes, so a later eightbyte of the array can keep the 2-byte SSEHF class:
/// `struct { int i; _Float16 _Complex z[2]; }` passes only bytes 8..9 of `z[1]`.
fn complex_half_array_eightbyte(whole: &Type, ty: &Type, offset: u64) -> bool {
    fn unaligned_complex_half(ty: &Type, at: u64) -> Option<u64> {
        match ty {
            Type::Complex(part) if **part == Type::Float16 && !at.is_multiple_of(8) => Some(at),
            Type::Struct(agg) | Type::Union(agg) => {
                members(ty, agg).find_map(|(t, off)| unaligned_complex_half(t, at + off))
            }
            Type::Array(elem, n) if *n > 0 => unaligned_complex_half(elem, at),
            _ => None,
        }
    }
    match ty {
        Type::Struct(agg) | Type::Union(agg) => {
            members(ty, agg).any(|(t, off)| complex_half_array_eightbyte(whole, t, offset + off))
        }
        Type::Array(elem, n) => {
            let size = elem.layout().map_or(0, |l| l.size);
            let in_registers = sysv::classify_type(whole)
                .is_ok_and(|c| !c.is_empty() && !c.contains(&Class::Memory));
            let reaches_past = |at: u64| offset + n * size > (at / 8 + 1) * 8;
            (*n >= 2
                && in_registers
                && unaligned_complex_half(elem, offset).is_some_and(reaches_past))
                || complex_half_array_eightbyte(whole, elem, offset)
        }
        _ => false,
    }
}

/// Whether clang passes the first eightbyte of `ty` in a GPR though it classifies it
/// SSE. clang lowers an SSE eightbyte to the floating type(s) it finds at its start: a
/// lone `__bf16` at offset 0 (no floating scalar at 2 or 4) gives `bfloat`, two 16-bit
/// floats at 0 and 2 (none at 4) a 4-byte vector of them. When the second eightbyte's
/// type is aligned to less than 8 (a `float`, an `i8`: the value is shorter than 16
/// bytes, or a scalar starts at byte 8 and nothing reaches byte 15), clang widens the
/// first so that the second starts at 8: a `half` or `float` to `double`, anything
/// else to `i64`, a GPR.
fn clang_short_float_eightbyte(ty: &Type) -> bool {
    let Ok(layout) = ty.layout() else {
        return false;
    };
    if !ty.is_aggregate() || layout.size <= 8 || layout.size > 16 {
        return false;
    }
    if !matches!(
        clang_classes(ty).as_slice(),
        [Class::Sse, Class::Sse | Class::Integer]
    ) {
        return false;
    }
    let mut scalars = Vec::new();
    scalars_of(ty, 0, &mut scalars);
    let half = |t: &Type| matches!(t, Type::Float16 | Type::BFloat16);
    let floating = |at: u64, narrow: bool| {
        scalars.iter().any(|(a, t)| {
            *a == at && (half(t) || (!narrow && matches!(t, Type::Float | Type::Double)))
        })
    };
    let bf16_at_0 = scalars.iter().any(|(a, t)| *a == 0 && *t == Type::BFloat16);
    let short_low = !floating(4, false)
        && ((bf16_at_0 && !floating(2, false)) || (floating(0, true) && floating(2, true)));
    let data = all_data(ty, layout.size as usize);
    let narrow_high = layout.size < 16
        || (scalars.iter().any(|(at, _)| *at == 8) && !data.get(15).copied().unwrap_or(false));
    short_low && narrow_high
}

/// Whether `ty` travels in registers with an eightbyte classified NO_CLASS (in gcc's
/// classification, which jitcall's is) that nonetheless holds data: nothing is passed
/// for that eightbyte. An array classified by its first element does this when the
/// element's padding covers an eightbyte that a later element has data in:
/// `struct { int i; short s; struct { _Bool b __attribute__((aligned(4))); } a[2]; }
/// __attribute__((packed))` puts `a[1].b` at byte 10, in an eightbyte that `a[0]` only
/// pads.
fn data_in_no_class_eightbyte(ty: &Type) -> bool {
    let Ok(classes) = sysv::classify_type(ty) else {
        return false;
    };
    if classes.contains(&Class::Memory) {
        return false;
    }
    let size = ty.layout().map_or(0, |l| l.size) as usize;
    let data = all_data(ty, size);
    classes
        .iter()
        .enumerate()
        .any(|(i, c)| *c == Class::NoClass && data.iter().skip(8 * i).take(8).any(|&b| b))
}

/// Whether `whole` (of which `ty` is a part at `offset`) travels in registers with an
/// SSE eightbyte to which gcc gives a 2- or 4-byte class although it holds more data:
/// an array in `ty` whose first element straddles into that eightbyte with nothing in
/// it but a `_Float16` or `float` at its start, and a later element with data after
/// that scalar. `struct { short a[3]; struct { short s; _Float16 h; } f[2]; }` puts
/// `f[0].h` at byte 8 and `f[1]` at bytes 10..13: gcc passes bytes 8..9 alone.
fn lone_float_eightbyte(whole: &Type, ty: &Type, offset: u64) -> bool {
    match ty {
        Type::Struct(agg) | Type::Union(agg) => {
            members(ty, agg).any(|(t, off)| lone_float_eightbyte(whole, t, offset + off))
        }
        Type::Array(elem, n) => {
            let size = elem.layout().map_or(0, |l| l.size);
            let first = (offset / 8 + 1) * 8;
            let narrow = *n >= 2
                && (first..offset + size)
                    .step_by(8)
                    .any(|b| narrow_class_loses_data(whole, elem, offset, b));
            narrow || lone_float_eightbyte(whole, elem, offset)
        }
        _ => false,
    }
}

/// Whether the element `elem` of an array at `offset` in `whole` has nothing in the
/// eightbyte starting at `boundary` but a `_Float16` or `float` at its start, while
/// that eightbyte is SSE and `whole` has data after the scalar in it.
fn narrow_class_loses_data(whole: &Type, elem: &Type, offset: u64, boundary: u64) -> bool {
    let Ok(classes) = sysv::classify_type(whole) else {
        return false;
    };
    let index = (boundary / 8) as usize;
    if classes.contains(&Class::Memory) || classes.get(index) != Some(&Class::Sse) {
        return false;
    }
    let mut scalars = Vec::new();
    scalars_of(elem, offset, &mut scalars);
    let inside: Vec<_> = scalars
        .iter()
        .filter(|(at, _)| (boundary..boundary + 8).contains(at))
        .collect();
    let width = match inside.as_slice() {
        [(at, Type::Float16)] if *at == boundary => 2,
        [(at, Type::Float)] if *at == boundary => 4,
        _ => return false,
    };
    let size = whole.layout().map_or(0, |l| l.size) as usize;
    let data = all_data(whole, size);
    let from = (boundary + width) as usize;
    data.iter()
        .take(boundary as usize + 8)
        .skip(from)
        .any(|&b| b)
}

/// The scalars of `ty` at `at`, with their offsets (every union member's; a complex
/// number's two parts; a bit-field's declared type at its field's offset).
fn scalars_of(ty: &Type, at: u64, out: &mut Vec<(u64, Type)>) {
    match ty {
        Type::Struct(agg) => {
            for (t, off) in data_members(ty, agg) {
                scalars_of(t, at + off, out);
            }
        }
        Type::Union(agg) => agg.fields.iter().for_each(|f| scalars_of(&f.ty, at, out)),
        Type::Array(elem, n) => {
            let size = elem.layout().map_or(0, |l| l.size);
            (0..*n).for_each(|i| scalars_of(elem, at + i * size, out));
        }
        Type::Complex(part) => {
            let size = part.layout().map_or(0, |l| l.size);
            scalars_of(part, at, out);
            scalars_of(part, at + size, out);
        }
        scalar => out.push((at, scalar.clone())),
    }
}

/// Which of `len` bytes any scalar of `ty` (every union member's) occupies.
fn all_data(ty: &Type, len: usize) -> Vec<bool> {
    fn mark(ty: &Type, at: usize, mask: &mut [bool]) {
        match ty {
            Type::Struct(agg) => {
                for (t, off) in data_members(ty, agg) {
                    mark(t, at + off as usize, mask);
                }
            }
            Type::Union(agg) => agg.fields.iter().for_each(|f| mark(&f.ty, at, mask)),
            Type::Array(elem, n) => {
                let size = elem.layout().map_or(0, |l| l.size) as usize;
                (0..*n as usize).for_each(|i| mark(elem, at + i * size, mask));
            }
            Type::Complex(elem) => {
                let size = elem.layout().map_or(0, |l| l.size) as usize;
                mark(elem, at, mask);
                mark(elem, at + size, mask);
            }
            scalar => {
                let size = match scalar {
                    Type::LongDouble => 10,
                    t => t.layout().map_or(0, |l| l.size) as usize,
                };
                for b in mask.iter_mut().skip(at).take(size) {
                    *b = true;
                }
            }
        }
    }
    let mut mask = vec![false; len];
    mark(ty, 0, &mut mask);
    mask
}

/// Whether `ty` holds an array whose elements have size 0.
fn has_zero_size_elements(ty: &Type) -> bool {
    match ty {
        Type::Array(e, _) => e.layout().is_ok_and(|l| l.size == 0) || has_zero_size_elements(e),
        Type::Struct(agg) | Type::Union(agg) => {
            agg.fields.iter().any(|f| has_zero_size_elements(&f.ty))
        }
        _ => false,
    }
}

/// Whether `ty`, a value of at most 16 bytes, has an eightbyte that gcc classifies SSE
/// though it holds no data: the next eightbyte of a `_Complex _Float16` that does not
/// start one (the `clang-complex-half-offset` divergence).
fn complex_half_padding_eightbyte(ty: &Type) -> bool {
    fn holds_complex_half(ty: &Type) -> bool {
        match ty {
            Type::Complex(e) => **e == Type::Float16,
            Type::Struct(agg) | Type::Union(agg) => {
                agg.fields.iter().any(|f| holds_complex_half(&f.ty))
            }
            Type::Array(e, _) => holds_complex_half(e),
            _ => false,
        }
    }
    let Ok(layout) = ty.layout() else {
        return false;
    };
    if !ty.is_aggregate() || layout.size > 16 || !holds_complex_half(ty) {
        return false;
    }
    let data = all_data(ty, layout.size as usize);
    sysv::classify_type(ty).is_ok_and(|classes| {
        classes
            .iter()
            .enumerate()
            .any(|(i, class)| *class == Class::Sse && !data.iter().skip(8 * i).take(8).any(|&b| b))
    })
}

fn contains_long_double(ty: &Type) -> bool {
    match ty {
        Type::LongDouble => true,
        Type::Struct(agg) | Type::Union(agg) => {
            agg.fields.iter().any(|f| contains_long_double(&f.ty))
        }
        Type::Array(e, _) | Type::Complex(e) => contains_long_double(e),
        _ => false,
    }
}

/// The classes clang gives `ty`, as far as arrays and small floating vectors are
/// concerned: like gcc's, except that every field and array element is classified at
/// its offset and checked for alignment (misaligned: MEMORY), zero-length arrays are
/// otherwise ignored, and a small floating vector argument has clang's class.
fn clang_classes(ty: &Type) -> Vec<Class> {
    let Ok(layout) = ty.layout() else {
        return Vec::new();
    };
    // clang ignores unnamed bit-fields: a record of nothing else is passed nowhere.
    if is_empty(ty) {
        return Vec::new();
    }
    if small_float_vector(ty) && !ty.is_aggregate() {
        // clang classifies a vector of up to 4 bytes INTEGER, a one-lane double one
        // MEMORY (the `clang-small-float-vector` divergence).
        return vec![if layout.size <= 4 {
            Class::Integer
        } else {
            Class::Memory
        }];
    }
    if !ty.is_aggregate() || layout.size > 16 {
        return sysv::classify_type(ty).unwrap_or_default();
    }
    // A one-lane double vector is MEMORY to clang, and so is what holds it.
    if clang_misaligned(ty, 0) || small_float_vector_of(ty, 8) {
        return vec![Class::Memory];
    }
    let mut classes = sysv::classify_type(&clang_view(ty)).unwrap_or_default();
    // clang ignores unnamed bit-fields: an eightbyte of nothing else is NO_CLASS. (One
    // that shares its eightbyte with a float still makes it INTEGER here, as it does
    // for gcc; the `clang-unnamed-bit-field` divergence covers that.)
    if !classes.contains(&Class::Memory) {
        let data = named_data(ty, layout.size as usize);
        for (i, class) in classes.iter_mut().enumerate() {
            if !data.iter().skip(8 * i).take(8).any(|&b| b) {
                *class = Class::NoClass;
            }
        }
    }
    classes
}

/// Which of `len` bytes the scalars and named bit-fields of `ty` (every union
/// member's) occupy: [`all_data`] without the unnamed bit-fields.
fn named_data(ty: &Type, len: usize) -> Vec<bool> {
    fn mark(ty: &Type, at: usize, mask: &mut [bool]) {
        match ty {
            Type::Struct(agg) | Type::Union(agg) => {
                let places = ty.field_places().ok().flatten().unwrap_or_default();
                for (f, place) in agg.fields.iter().zip(places) {
                    match place.bits {
                        Some(bits) if f.name.is_some() && bits.width > 0 => {
                            let first = bits.absolute(place.offset) as usize;
                            let end = first + bits.width as usize;
                            for b in mask
                                .iter_mut()
                                .take(at + end.div_ceil(8))
                                .skip(at + first / 8)
                            {
                                *b = true;
                            }
                        }
                        Some(_) => {}
                        None => mark(&f.ty, at + place.offset as usize, mask),
                    }
                }
            }
            Type::Array(elem, n) => {
                let size = elem.layout().map_or(0, |l| l.size) as usize;
                (0..*n as usize).for_each(|i| mark(elem, at + i * size, mask));
            }
            scalar => {
                let size = scalar.layout().map_or(0, |l| l.size) as usize;
                for b in mask.iter_mut().skip(at).take(size) {
                    *b = true;
                }
            }
        }
    }
    let mut mask = vec![false; len];
    mark(ty, 0, &mut mask);
    mask
}

/// Whether some member, array element or scalar of `ty` (at `offset`) sits at an
/// offset that is not a multiple of its type's alignment.
fn clang_misaligned(ty: &Type, offset: u64) -> bool {
    let align = ty.layout().map_or(1, |l| l.align);
    if !offset.is_multiple_of(align) {
        return true;
    }
    match ty {
        // clang never checks a bit-field's alignment.
        Type::Struct(agg) | Type::Union(agg) => members(ty, agg)
            .zip(&agg.fields)
            .any(|((t, off), f)| f.bits.is_none() && clang_misaligned(t, offset + off)),
        Type::Array(elem, n) => {
            let size = elem.layout().map_or(0, |l| l.size);
            !offset.is_multiple_of(elem.layout().map_or(1, |l| l.align))
                || (0..*n).any(|i| clang_misaligned(elem, offset + i * size))
        }
        _ => false,
    }
}

/// `ty` as clang classifies it, with gcc's classifier: every zero-size array replaced
/// by an empty struct of the same alignment (the same layout, and nothing to classify),
/// and every other array by a struct of its elements (the same layout, each element
/// classified).
fn clang_view(ty: &Type) -> Type {
    let rebuild = |agg: &jitcall::Aggregate, union: bool| {
        let mut b = if union {
            Type::build_union()
        } else {
            Type::build_struct()
        };
        for f in &agg.fields {
            b = b.member(Field {
                name: f.name.clone(),
                ty: clang_view(&f.ty),
                align: f.align,
                bits: f.bits,
            });
        }
        // clang ignores unnamed bit-fields: in a union, one goes when the union keeps
        // its layout without it (a zero-width one always does).
        if union {
            let same = agg.clone();
            let mut kept = Vec::new();
            for f in &same.fields {
                if f.name.is_none() && f.bits.is_some() {
                    continue;
                }
                kept.push(f.clone());
            }
            if !kept.is_empty() && kept.len() < same.fields.len() {
                let mut lean = Type::build_union();
                for f in kept {
                    lean = lean.member(Field {
                        ty: clang_view(&f.ty),
                        ..f
                    });
                }
                if agg.packed {
                    lean = lean.packed();
                }
                if let Some(p) = agg.pack {
                    lean = lean.pack(p);
                }
                if let Some(a) = agg.align {
                    lean = lean.aligned(a);
                }
                let lean = lean.finish();
                let full = Type::Union(std::sync::Arc::new(agg.clone()));
                if lean.layout().ok() == full.layout().ok() {
                    return lean;
                }
            }
        }
        if agg.packed {
            b = b.packed();
        }
        if let Some(p) = agg.pack {
            b = b.pack(p);
        }
        if let Some(a) = agg.align {
            b = b.aligned(a);
        }
        b.finish()
    };
    match ty {
        Type::Struct(agg) => rebuild(agg, false),
        Type::Union(agg) => rebuild(agg, true),
        Type::Array(elem, n) => {
            let l = ty.layout().unwrap_or(jitcall::Layout { size: 0, align: 1 });
            if l.size == 0 {
                Type::build_struct().aligned(l.align).finish()
            } else {
                // clang classifies each element at its own offset (gcc the first one
                // only): a struct of the elements is laid out as the array is, and
                // classified member by member.
                let elem = clang_view(elem);
                (0..*n)
                    .fold(Type::build_struct(), |b, i| {
                        b.field(format!("e{i}"), elem.clone())
                    })
                    .finish()
            }
        }
        // clang classifies a floating vector of up to 4 bytes INTEGER, like an
        // integer of its size (and alignment).
        Type::Vector(..) if small_float_vector(ty) && ty.layout().is_ok_and(|l| l.size <= 4) => {
            match ty.layout().map_or(0, |l| l.size) {
                2 => Type::Short,
                _ => Type::Int,
            }
        }
        other => other.clone(),
    }
}

/// The members of the struct or union `ty` (`agg` is its aggregate), each with its offset
/// in `ty`; none when the layout cannot be computed.
fn members<'a>(ty: &Type, agg: &'a Aggregate) -> impl Iterator<Item = (&'a Type, u64)> {
    let offsets = ty.field_offsets().ok().flatten().unwrap_or_default();
    agg.fields.iter().map(|f| &f.ty).zip(offsets)
}

/// [`members`] without the zero-width bit-fields, which hold no data: a `long : 0`
/// is not a `long` at its offset.
fn data_members<'a>(ty: &Type, agg: &'a Aggregate) -> impl Iterator<Item = (&'a Type, u64)> {
    let offsets = ty.field_offsets().ok().flatten().unwrap_or_default();
    agg.fields
        .iter()
        .zip(offsets)
        .filter(|(f, _)| f.bits != Some(0))
        .map(|(f, offset)| (&f.ty, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_r9(sig: &Signature) -> bool {
        clang_va_arg_reads_r9_after_int128(sig, &sysv::classify(sig).unwrap())
    }

    #[test]
    fn clang_va_arg_after_int128_in_clangs_own_view() {
        use Type::*;
        let zero = |t: Type| Type::array(t, 0);
        // rdi..r8 taken, the variadic __int128 goes to the stack, the next int is read
        // from r9 by va_arg.
        let sig = Signature::variadic(Void, [Long], [Long, Long, Long, Long, Int128, Int]);
        assert!(reads_r9(&sig));
        // A fixed __int128: clang is consistent with itself for an int ...
        let sig = Signature::variadic(Void, [Long, Long, Long, Long, Long, Int128], [Int]);
        assert!(!reads_r9(&sig));
        // ... but not for a struct of a float pair and an int, which its caller splits
        // between xmm0 and the stack (seed 100000, case 39029, shrunk).
        let t3 = Type::structure([Type::array(Float, 2), Type::array(Int, 1)]);
        let t2 = Type::structure([Type::structure([Int, Long]), Int]);
        let sig = Signature::variadic(t2, [UInt128, Int, Int, Int128], [t3]);
        assert!(reads_r9(&sig));
        // ... nor for a union of a 16-aligned int (INTEGER, NO_CLASS): its caller stores
        // the INTEGER eightbyte alone, 8-aligned, where va_arg reads 16 bytes 16-aligned
        // (seed 8333319126, case 114783, shrunk by hand).
        let u = Type::build_union().aligned_field("f0", Int, 16).finish();
        assert_eq!(clang_classes(&u), [Class::Integer, Class::NoClass]);
        let fixed = [Long, Long, Long, Long, Long, Int128];
        let sig = Signature::variadic(Void, fixed.clone(), [u, Long]);
        assert!(reads_r9(&sig));
        // An 8-byte union of an int is read where it was stored.
        let narrow = Type::union([Int]);
        let sig = Signature::variadic(Void, fixed, [narrow, Long]);
        assert!(!reads_r9(&sig));
        // gcc classifies t3 INTEGER INTEGER (the zero-length arrays count), clang
        // INTEGER SSE: only in clang's view is one GPR left for the second __int128
        // (seed 100000, case 5509).
        let t3 = Type::build_struct()
            .field("f0", ULongLong)
            .field("f1", Type::structure([Float, zero(Float)]))
            .field(
                "f2",
                zero(Type::build_union().field("f0", SChar).packed().finish()),
            )
            .finish();
        assert_eq!(
            sysv::classify_type(&t3).unwrap(),
            [Class::Integer, Class::Integer]
        );
        assert_eq!(clang_classes(&t3), [Class::Integer, Class::Sse]);
        let sig = Signature::variadic(Long, [t3], [ULong, Int128, Int, Int128, Int]);
        assert!(reads_r9(&sig));
    }

    #[test]
    fn clangs_own_view_of_small_float_vectors_and_unnamed_bit_fields() {
        use Type::*;
        // A float vector of one lane (or two _Float16) takes a GPR in clang's view,
        // none in gcc's (MEMORY, SSE), leaving r9 alone for the variadic __int128
        // (seed 20261208, cases 68674 and 38801, shrunk).
        for small in [Type::vector(Float, 1), Type::vector(Float16, 2)] {
            assert_eq!(clang_classes(&small), [Class::Integer]);
            let sig = Signature::variadic(Void, [small, UChar], [Int, UInt, ULong, Int128, Int]);
            assert!(reads_r9(&sig), "{sig}");
        }
        // The extra case of the brief: struct t1 { v1_float f0; long f1; } is two GPRs.
        let t1 = Type::structure([Type::vector(Float, 1), Long]);
        assert_eq!(clang_classes(&t1), [Class::Integer, Class::Integer]);
        let sig = Signature::variadic(Void, [t1, Int128, Int], [Int128, Int]);
        assert!(reads_r9(&sig));
        // A one-lane double vector is MEMORY to clang: nothing counted.
        let sig = Signature::variadic(
            Void,
            [Type::vector(Double, 1), UChar, Int, UInt, ULong],
            [Int128, Int],
        );
        assert!(!reads_r9(&sig));
        // struct t5 { _BitInt(33) f0; signed char : 3; }: clang ignores the unnamed
        // bit-field, so the second eightbyte is NO_CLASS and the struct takes one GPR
        // (seed 20261208, case 35356, shrunk).
        let t5 = Type::build_struct()
            .field(
                "f0",
                BitInt {
                    bits: 33,
                    signed: true,
                },
            )
            .unnamed_bit_field(SChar, 3)
            .finish();
        assert_eq!(clang_classes(&t5), [Class::Integer, Class::NoClass]);
        assert_eq!(
            sysv::classify_type(&t5).unwrap(),
            [Class::Integer, Class::Integer]
        );
        let v4_char = Type::vector(Char, 4);
        let bits9 = BitInt {
            bits: 9,
            signed: false,
        };
        let fixed = [UShort, t5, ULong, bits9, v4_char];
        let sig = Signature::variadic(Void, fixed, [UInt128, Pointer]);
        assert!(reads_r9(&sig));
    }

    #[test]
    fn clangs_own_view_of_wide_vectors_follows_the_callees_isa() {
        use Type::*;
        use jitcall::abi::VectorAbi;
        // Built without AVX, the 64- and 32-byte vectors go to memory and take no xmm
        // register; the union t2 { v2_long_long; unsigned int; } (INTEGER SSE) then
        // finds xmm7 and rdx, leaving r9 alone for the variadic __int128 (seed
        // 777001, case 4798, shrunk).
        let t2 = Type::union([Type::vector(LongLong, 2), UInt]);
        let fc = Type::complex(Float);
        let fixed = [
            Int,
            fc.clone(),
            Type::vector(LongLong, 8),
            Float,
            Double,
            fc,
            Double,
            UInt,
            Type::vector(Int, 8),
            Float,
            t2,
            UInt128,
        ];
        let sig = Signature::variadic(
            Void,
            fixed,
            [
                Int128,
                BitInt {
                    bits: 8,
                    signed: false,
                },
            ],
        );
        assert!(reads_r9(&sig.clone().with_vector_abi(VectorAbi::Sse)));
        // With AVX-512F both vectors take a register, and the union does not fit.
        assert!(!reads_r9(&sig.with_vector_abi(VectorAbi::Avx512)));
    }

    #[test]
    fn clang_va_arg_float128_union() {
        use Type::*;
        let bug = KNOWN
            .iter()
            .find(|d| d.name == "clang-va-arg-float128-union")
            .unwrap();
        let plan = |sig: &Signature| sysv::classify(sig).unwrap();
        // union { double _Complex f0; __float128 f1; } through `...` (seed 20261208,
        // cases 4846 and 6879, shrunk).
        let u = Type::union([Type::complex(Double), Float128]);
        let sig = Signature::variadic(Void, [Int], [u.clone()]);
        assert!(bug.matches(&sig, &plan(&sig)));
        // A fixed parameter is the clang-float128-union divergence, not this bug.
        let sig = Signature::new(Void, [Int, u]);
        assert!(!bug.matches(&sig, &plan(&sig)));
        // union { double; __float128 } is SSE SSEUP: clang agrees with itself.
        let sig = Signature::variadic(Void, [Int], [Type::union([Double, Float128])]);
        assert!(!bug.matches(&sig, &plan(&sig)));
    }

    #[test]
    fn clang_view_of_wide_aggregates() {
        use Type::*;
        let v4d = Type::vector(Double, 4);
        let empty = Type::structure([]);
        // One vector: a register when the callee has one and the argument is named.
        let one = Type::structure([v4d.clone()]);
        assert!(clang_wide_in_registers(&one, true, 32));
        assert!(!clang_wide_in_registers(&one, false, 32));
        assert!(!clang_wide_in_registers(&one, true, 16));
        // An empty member, a zero-length array: smaller than the struct, MEMORY
        // (seed 777003, cases 1635 and 622), though gcc passes them in ymm0.
        let with_empty = Type::structure([v4d.clone(), empty]);
        assert!(!clang_wide_in_registers(&with_empty, true, 64));
        let with_zero = Type::structure([v4d.clone(), Type::array(Char, 0)]);
        assert!(!clang_wide_in_registers(&with_zero, true, 64));
        for t in [&one, &with_empty, &with_zero] {
            let sig = Signature::new(Void, [t.clone()]).with_vector_abi(VectorAbi::Avx512);
            assert_eq!(sysv::classify(&sig).unwrap().args[0].classes[0], Class::Sse);
        }
        // A union with a double at its start: SSE, SSEUP, a register for both.
        let u = Type::union([Type::vector(Int, 8), Double]);
        assert!(clang_wide_in_registers(&u, true, 32));
        // A union with an array of four doubles: clang ignores an array wider than 16
        // bytes and than its element, and passes the union in a register (gcc: MEMORY,
        // eightbytes 1..3 SSE).
        let d4 = Type::union([v4d.clone(), Type::array(Double, 4)]);
        assert!(clang_wide_in_registers(&d4, true, 64));
        // A struct of two vectors: the array is ignored, nothing is left: MEMORY.
        let two = Type::structure([Type::array(v4d, 2)]);
        assert!(!clang_wide_in_registers(&two, true, 64));
    }

    #[test]
    fn gcc_va_arg_wide_union() {
        use Type::*;
        use jitcall::abi::VectorAbi;
        let v8i = Type::vector(Int, 8);
        let check = |arg: Type, abi: VectorAbi| {
            let sig = Signature::variadic(Void, [Int], [arg]).with_vector_abi(abi);
            variadic_wide_union_in_register(&sig, &sysv::classify(&sig).unwrap())
        };
        let u = Type::union([v8i.clone()]);
        assert!(check(u.clone(), VectorAbi::Avx));
        // struct { union { v8i v; } u; } crashes gcc too.
        assert!(check(Type::structure([u.clone()]), VectorAbi::Avx));
        // Without AVX it is MEMORY: no crash.
        assert!(!check(u, VectorAbi::Sse));
        // A struct of the vector does not crash gcc.
        assert!(!check(Type::structure([v8i.clone()]), VectorAbi::Avx));
        // Nor does a fixed one.
        let sig = Signature::new(Void, [Type::union([v8i])]).with_vector_abi(VectorAbi::Avx);
        assert!(!variadic_wide_union_in_register(
            &sig,
            &sysv::classify(&sig).unwrap()
        ));
    }

    #[test]
    fn clang_union_float_eightbyte() {
        use Type::*;
        // union { float f0[2]; struct { float f0; double f1[0]; } f1; }: clang passes a
        // float (seed 100000, case 43856).
        let t1 = Type::structure([Float, Type::array(Double, 0)]);
        let u = Type::union([Type::array(Float, 2), t1]);
        assert!(union_float_tail(&u, 0));
        // Every member covers bytes 4..8: no.
        let u = Type::union([Type::array(Float, 2), Double]);
        assert!(!union_float_tail(&u, 0));
        // struct t8 { long f0; } __attribute__((packed));
        // union t9 { struct t8 f0[0]; float f1; }; struct t10 { float f0; union t9 f1; }:
        // clang lowers t9 by the zero-length array (8-aligned in its IR) and passes
        // t10 as a lone float (seed 20261208, case 79538, shrunk).
        let t8 = Type::build_struct().field("f0", Long).packed().finish();
        let t9 = Type::union([Type::array(t8, 0), Float]);
        assert!(union_float_tail(&Type::structure([Float, t9.clone()]), 0));
        // Without the data-free member, the union is a float: nothing lost.
        let plain = Type::union([Float]);
        assert!(!union_float_tail(&Type::structure([Float, plain]), 0));
        // A double first: a whole eightbyte, no lone float.
        assert!(!union_float_tail(&Type::structure([Double, t9]), 0));
    }

    /// Every known issue is described where reports send the reader.
    #[test]
    fn every_known_issue_is_documented() {
        let doc = include_str!("../../../docs/DIVERGENCES.md");
        for d in KNOWN {
            assert!(doc.contains(&format!("`{}`", d.name)), "{}", d.name);
        }
    }

    #[test]
    fn gcc_array_first_element_partial_classes() {
        use Type::*;
        // struct t7 { float f0; _Float16 f1; } __attribute__((packed));
        // struct t8 { long : 31; struct t7 f1[elems]; }: f1[0].f1 alone at byte 8
        // (seed 20261207, case 236413, shrunk).
        let t7 = Type::build_struct()
            .field("f0", Float)
            .field("f1", Float16)
            .packed()
            .finish();
        let t8 = |elems: u64| {
            Type::build_struct()
                .unnamed_bit_field(Long, 31)
                .field("f1", Type::array(t7.clone(), elems))
                .finish()
        };
        assert!(array_float_tail(&t8(2), 0));
        // One element: nothing follows the _Float16, nothing is lost.
        assert!(!array_float_tail(&t8(1), 0));
        // At offset 0 the element fits one eightbyte, whose class gcc widens.
        assert!(!array_float_tail(&Type::array(t7.clone(), 2), 0));
        // A double at byte 8 is a full SSE eightbyte.
        let wide = Type::build_struct()
            .field("f0", Int)
            .field("f1", Double)
            .packed()
            .finish();
        let holder = Type::build_struct()
            .field("f0", Int)
            .field("f1", Type::array(wide, 2));
        assert!(!array_float_tail(&holder.packed().finish(), 0));

        // struct t1 { unsigned char f0; short _Complex f1; };
        // struct t2 { ... : 4; ... : 16; struct t1 f2[2][1]; }: f2[0][0].f1 is bytes 6..9
        // (case 284098, shrunk).
        let t1 = Type::structure([UChar, Type::complex(Short)]);
        let t2 = Type::build_struct()
            .bit_field("f0", ULongLong, 4)
            .bit_field("f1", Int, 16)
            .field("f2", Type::array(Type::array(t1.clone(), 1), 2))
            .finish();
        assert!(complex_int_array_straddles(&t2, 0));
        // At offset 0 the complex integer is bytes 2..5, within one eightbyte.
        assert!(!complex_int_array_straddles(&Type::array(t1, 2), 0));
    }

    #[test]
    fn gcc_array_padding_eightbyte() {
        use Type::*;
        // struct t1 { _Bool f0 __attribute__((aligned(4))); };
        // struct t2 { int f0; unsigned short f1; struct t1 f2[2]; } __attribute__((packed));
        // f2[1].f0 is byte 10, in the eightbyte f2[0] only pads: INTEGER NO_CLASS, and
        // gcc passes rdi alone (seed 1084638545, case 83729, shrunk).
        let t1 = Type::build_struct().aligned_field("f0", Bool, 4).finish();
        let packed = |elems: u64| {
            Type::build_struct()
                .field("f0", Int)
                .field("f1", UShort)
                .field("f2", Type::array(t1.clone(), elems))
                .packed()
                .finish()
        };
        let t2 = packed(2);
        assert_eq!(
            sysv::classify_type(&t2).unwrap(),
            [Class::Integer, Class::NoClass]
        );
        assert!(data_in_no_class_eightbyte(&t2));
        // One element: the eightbyte is padding only, nothing is lost.
        assert!(!data_in_no_class_eightbyte(&packed(1)));
        // Every eightbyte of an ordinary struct has a class.
        assert!(!data_in_no_class_eightbyte(&Type::structure([Long, Char])));
    }

    #[test]
    fn gcc_array_lone_float_eightbyte() {
        use Type::*;
        // struct p { short s; _Float16 h; };
        // struct t { short a[3]; struct p f[2]; };
        // f[0].h alone at byte 8: gcc's class SSEHF, 2 bytes; f[1] is bytes 10..13.
        let p = |h: Type| Type::structure([Short, h]);
        let t = |h: Type, n: u64| Type::structure([Type::array(Short, 3), Type::array(p(h), n)]);
        let lost = |t: &Type| lone_float_eightbyte(t, t, 0);
        assert_eq!(
            sysv::classify_type(&t(Float16, 2)).unwrap(),
            [Class::Integer, Class::Sse]
        );
        assert!(lost(&t(Float16, 2)));
        // One element: nothing after the _Float16, nothing lost.
        assert!(!lost(&t(Float16, 1)));
        // Not a float at the eightbyte's start: INTEGER, all 8 bytes.
        assert!(!lost(&t(Short, 2)));
        // A float would lose bytes 4..8 the same way (SSESF), but a second element
        // after a straddling `{ ...; float }` ends past byte 16: MEMORY.
        // No array: an ordinary struct's lone float is all the eightbyte holds.
        assert!(!lost(&Type::structure([Long, Float])));
    }

    #[test]
    fn clang_view_of_arrays() {
        let zero = |t: Type| Type::array(t, 0);
        // gcc: INTEGER (the int of the zero-length array); clang: SSE.
        let t = Type::structure([Type::Float, zero(Type::Int)]);
        assert_eq!(clang_classes(&t), [Class::Sse]);
        assert_eq!(sysv::classify_type(&t).unwrap(), [Class::Integer]);
        // Agreement: a zero-length float array.
        let t = Type::structure([Type::Float, zero(Type::Float)]);
        assert_eq!(clang_classes(&t), sysv::classify_type(&t).unwrap());
        // Packed elements: clang sees the second element's misaligned float.
        let pk = Type::build_struct()
            .field("f", Type::Float)
            .field("c", Type::Char)
            .packed()
            .finish();
        let t = Type::structure([Type::array(pk, 2)]);
        assert_eq!(clang_classes(&t), [Class::Memory]);
        assert_eq!(
            sysv::classify_type(&t).unwrap(),
            [Class::Integer, Class::Integer]
        );
        // A misaligned zero-length array at an eightbyte boundary: gcc ignores it,
        // clang does not.
        let t = Type::build_struct()
            .field("a", Type::Long)
            .field("z", zero(Type::LongDouble))
            .packed()
            .finish();
        assert_eq!(clang_classes(&t), [Class::Memory]);
        assert_eq!(sysv::classify_type(&t).unwrap(), [Class::Integer]);
    }

    #[test]
    fn clang_never_checks_a_bit_fields_alignment() {
        use Type::*;
        // struct t6 { unsigned f0 : 32; } __attribute__((packed)) at offset 2, then a
        // zero-length array whose element would reach past the eightbyte: gcc MEMORY
        // (the array counts as its element), clang INTEGER (it ignores the array, and
        // never checks the bit-field's alignment) (seed 777007, case 8857, shrunk).
        let t6 = Type::build_struct()
            .bit_field("f0", UInt, 32)
            .packed()
            .finish();
        let t7 = Type::build_struct()
            .field("f0", Type::array(Long, 3))
            .packed()
            .aligned(2)
            .finish();
        let t8 = Type::build_struct()
            .field("f0", Short)
            .field("f1", t6)
            .field("f2", Type::array(t7, 0))
            .aligned(8)
            .finish();
        assert_eq!(sysv::classify_type(&t8).unwrap(), [Class::Memory]);
        assert_eq!(clang_classes(&t8), [Class::Integer]);
    }

    #[test]
    fn clang_classifies_every_array_element() {
        use Type::*;
        // struct e { short s; _Float16 h, g; }; struct t { struct e a[2]; }: a[1] is
        // bytes 6..12, its _Float16s alone in the second eightbyte. gcc classifies a[0]
        // and repeats it (INTEGER INTEGER); clang classifies a[1]'s _Float16s at bytes
        // 8 and 10: SSE (seed 20261208, case 135657, shrunk).
        let e = Type::structure([Short, Float16, Float16]);
        let t = Type::structure([Type::array(e.clone(), 2)]);
        assert_eq!(
            sysv::classify_type(&t).unwrap(),
            [Class::Integer, Class::Integer]
        );
        assert_eq!(clang_classes(&t), [Class::Integer, Class::Sse]);
        // Nested arrays, as the fuzzer writes them (struct t1 f0[2][1]).
        let t = Type::structure([Type::array(Type::array(e, 1), 2)]);
        assert_eq!(clang_classes(&t), [Class::Integer, Class::Sse]);
        // struct { short a[3]; struct { short s; _Float16 h; } f[2]; }: gcc INTEGER
        // SSE (f[0].h alone at byte 8), clang INTEGER INTEGER (f[1].s at byte 10).
        let p = Type::structure([Short, Float16]);
        let t = Type::structure([Type::array(Short, 3), Type::array(p, 2)]);
        assert_eq!(
            sysv::classify_type(&t).unwrap(),
            [Class::Integer, Class::Sse]
        );
        assert_eq!(clang_classes(&t), [Class::Integer, Class::Integer]);
        // Arrays whose elements all classify alike: the same classes.
        let t = Type::structure([Type::array(Float, 3), Type::array(Double, 0)]);
        assert_eq!(clang_classes(&t), sysv::classify_type(&t).unwrap());
    }
}
