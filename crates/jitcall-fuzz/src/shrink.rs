//! Shrinking: from a failing signature to a minimal one that fails the same way.
//!
//! Proptest-style greedy shrinking — try simpler candidates, simplest first, keep the
//! first that still fails, repeat until none does — except that candidates are judged
//! in small batches (one compiled library each) rather than one by one, since every
//! check costs a compile. Candidates: half the parameters, one parameter fewer, a `void`
//! result, no variadic part, then each type made simpler (an aggregate replaced by a
//! member, a member dropped, an attribute dropped, an array shortened, a scalar replaced
//! by `int`, `long` or `double`). Every candidate weighs strictly less than the current
//! signature, so shrinking ends.

use super::harness::Env;
use super::{CaseFailure, Event, FuzzError, Outcome};
use jitcall::{Field, Signature, Type};

/// Candidates judged per compiled library.
const CHUNK: usize = 12;

/// At most this many successful steps.
const MAX_STEPS: usize = 300;

/// Shrinks `failure`; returns the smallest failing signature found, its outcome and
/// the number of steps that made progress.
pub(crate) fn shrink(
    env: &Env,
    failure: &CaseFailure,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<(Signature, Outcome, usize), FuzzError> {
    let mut current = failure.signature.clone();
    let mut outcome = failure.outcome.clone();
    let same_kind = |o: &Outcome| {
        matches!(
            (o, &failure.outcome),
            (Outcome::Fail(_), Outcome::Fail(_)) | (Outcome::Invalid(_), Outcome::Invalid(_))
        )
    };
    let mut steps = 0;
    'steps: while steps < MAX_STEPS {
        let candidates = candidates(&current);
        for chunk in candidates.chunks(CHUNK) {
            let outcomes = env.check(chunk)?;
            if let Some((sig, o)) = chunk.iter().zip(outcomes).find(|(_, o)| same_kind(o)) {
                current = sig.clone();
                outcome = o;
                steps += 1;
                on_event(Event::Shrunk(&current));
                continue 'steps;
            }
        }
        break;
    }
    Ok((current, outcome, steps))
}

/// A measure of complexity that every candidate decreases.
fn weight(ty: &Type) -> u64 {
    match ty {
        Type::Void => 0,
        Type::Int => 1,
        Type::Long | Type::Double => 2,
        Type::Int128 | Type::UInt128 | Type::LongDouble => 4,
        Type::Complex(e) => 2 + weight(e),
        Type::Array(e, n) => 1 + n * weight(e),
        Type::Struct(agg) | Type::Union(agg) => {
            2 + agg.packed as u64
                + agg.align.is_some() as u64
                + agg
                    .fields
                    .iter()
                    .map(|f| weight(&f.ty) + f.align.is_some() as u64)
                    .sum::<u64>()
        }
        _ => 3,
    }
}

fn signature_weight(sig: &Signature) -> u64 {
    5 * sig.params().len() as u64
        + sig.params().iter().map(weight).sum::<u64>()
        + weight(sig.ret())
        + 2 * sig.is_variadic() as u64
}

/// A signature from parts: `fixed` is `Some(n)` for a variadic one.
fn make(ret: Type, params: Vec<Type>, fixed: Option<usize>) -> Signature {
    match fixed {
        None => Signature::new(ret, params),
        Some(n) => {
            let mut params = params;
            let rest = params.split_off(n.min(params.len()));
            Signature::variadic(ret, params, rest)
        }
    }
}

/// Simpler signatures than `sig`, simplest first.
pub(crate) fn candidates(sig: &Signature) -> Vec<Signature> {
    let ret = sig.ret().clone();
    let params = sig.params().to_vec();
    let fixed = sig.is_variadic().then_some(sig.fixed_count());
    let limit = signature_weight(sig);
    let mut out: Vec<Signature> = Vec::new();
    let mut push = |s: Signature| {
        let ok = s.validate().is_ok()
            && (!s.is_variadic() || s.fixed_count() > 0)
            && signature_weight(&s) < limit
            && !out.contains(&s);
        if ok {
            out.push(s);
        }
    };
    // Without one parameter (and its half, for long lists).
    let without = |range: std::ops::Range<usize>| {
        let mut p = params.clone();
        p.drain(range.clone());
        let fixed = fixed.map(|n| n - range.filter(|i| *i < n).count());
        make(ret.clone(), p, fixed)
    };
    let n = params.len();
    if n >= 4 {
        push(without(0..n / 2));
        push(without(n / 2..n));
    }
    for i in (0..n).rev() {
        push(without(i..i + 1));
    }
    if ret != Type::Void {
        push(make(Type::Void, params.clone(), fixed));
    }
    if fixed.is_some() {
        push(make(ret.clone(), params.clone(), None));
    }
    for s in simpler(&ret) {
        push(make(s, params.clone(), fixed));
    }
    for (i, t) in params.iter().enumerate() {
        for s in simpler(t) {
            let mut p = params.clone();
            p[i] = s;
            push(make(ret.clone(), p, fixed));
        }
    }
    out
}

/// The element type under any number of array levels.
fn unarray(ty: &Type) -> Type {
    match ty {
        Type::Array(e, _) => unarray(e),
        t => t.clone(),
    }
}

/// Simpler types in place of `ty`.
fn simpler(ty: &Type) -> Vec<Type> {
    let mut out = Vec::new();
    match ty {
        Type::Void => {}
        Type::Struct(agg) | Type::Union(agg) => {
            let union = matches!(ty, Type::Union(_));
            let rebuild = |fields: Vec<Field>, packed: bool, align: Option<u64>| {
                let mut b = if union {
                    Type::build_union()
                } else {
                    Type::build_struct()
                };
                for f in fields {
                    b = b.member(f);
                }
                if packed {
                    b = b.packed();
                }
                if let Some(a) = align {
                    b = b.aligned(a);
                }
                if let Some(p) = agg.pack {
                    b = b.pack(p);
                }
                b.finish()
            };
            for f in &agg.fields {
                out.push(unarray(&f.ty));
            }
            if agg.packed {
                out.push(rebuild(agg.fields.clone(), false, agg.align));
            }
            if agg.align.is_some() {
                out.push(rebuild(agg.fields.clone(), agg.packed, None));
            }
            let min = if union { 2 } else { 1 };
            if agg.fields.len() >= min {
                for j in 0..agg.fields.len() {
                    let mut fields = agg.fields.clone();
                    fields.remove(j);
                    out.push(rebuild(fields, agg.packed, agg.align));
                }
            }
            for j in 0..agg.fields.len() {
                let f = &agg.fields[j];
                if f.align.is_some() {
                    let mut fields = agg.fields.clone();
                    fields[j].align = None;
                    out.push(rebuild(fields, agg.packed, agg.align));
                }
                // A bit-field keeps its integer type (a simpler type could be too narrow).
                for s in simpler(&f.ty).into_iter().filter(|_| f.bits.is_none()) {
                    let mut fields = agg.fields.clone();
                    fields[j].ty = s;
                    out.push(rebuild(fields, agg.packed, agg.align));
                }
            }
        }
        Type::Array(elem, n) => {
            if *n > 1 {
                out.push(Type::array((**elem).clone(), n - 1));
            }
            for s in simpler(elem) {
                out.push(Type::array(s, *n));
            }
        }
        Type::Complex(elem) => {
            out.push((**elem).clone());
            if **elem == Type::LongDouble {
                out.push(Type::complex(Type::Double));
            }
        }
        Type::LongDouble => out.push(Type::Double),
        Type::Int128 | Type::UInt128 => out.push(Type::Long),
        Type::Float => out.push(Type::Double),
        Type::Int | Type::Double => {}
        _ => {
            out.push(Type::Int);
            out.push(Type::Long);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Sampler;

    #[test]
    fn candidates_are_valid_and_lighter() {
        let mut sampler = Sampler::new(5, 24);
        for _ in 0..100 {
            let sig = sampler.next_signature();
            let w = signature_weight(&sig);
            for c in candidates(&sig) {
                assert!(signature_weight(&c) < w, "{c} from {sig}");
                c.validate().unwrap();
                jitcall::abi::sysv::classify(&c).unwrap();
            }
        }
    }

    #[test]
    fn shrinking_a_long_signature_can_reach_one_parameter() {
        // Following the first candidate each time ends at a signature with no
        // candidates left: `void (void)`.
        let mut sig = Sampler::new(9, 24).next_signature();
        let mut steps = 0;
        while let Some(next) = candidates(&sig).into_iter().next() {
            sig = next;
            steps += 1;
            assert!(steps < 10_000);
        }
        assert!(sig.params().len() <= 1, "{sig}");
    }
}
