//! The two value converters are one converter: for every type the fuzzer generates, the
//! codec `Function::call` compiles per signature accepts exactly the values
//! `Value::store` accepts, writes the same bytes (union padding zeroed, struct padding
//! untouched), and reads back what `Value::load` reads.
//!
//! Types come from `jitcall_fuzz::generate::c_type_with` (`_BitInt` included; plus
//! arrays of them, as `Value::to_bytes` takes), values from
//! `jitcall_fuzz::generate::value` at the leaves.
//! Around them this file builds the values the fuzzer never makes: any member of a
//! union, the other spelling of a scalar (`char`/`signed char`, `long`/`long long`,
//! `unsigned long`/`unsigned long long`), and mismatches at any depth — another
//! variant, a member too few or too many, a union member index out of range or holding
//! another member's value, a struct for an array. The engine's `CodecCheck` (hidden)
//! puts both converters of one type side by side.

use jitcall::{CodecCheck, Type, Value};
use jitcall_fuzz::generate;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::cell::Cell;

/// Any type the fuzzer generates, and now and then an array of one.
fn any_type() -> BoxedStrategy<Type> {
    prop_oneof![
        6 => generate::c_type_with(true),
        1 => (generate::c_type_with(true), 0..4u64).prop_map(|(t, n)| Type::array(t, n)),
    ]
    .boxed()
}

/// What happens to a value at one node: nothing, or a mismatch there.
#[derive(Clone, Debug)]
enum Twist {
    None,
    /// A value of another type in its place: usually a scalar of another type,
    /// sometimes `void` or an aggregate.
    Stranger(Value),
    /// The node's own shape, wrong: a member too few or too many, or the other
    /// aggregate variant; a union member index out of range or holding another
    /// member's value; one part of a complex number a stranger.
    Reshape(Value, Index, u8),
}

/// Values of any type the fuzzer generates: mostly scalars.
fn strangers() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => generate::scalar().prop_flat_map(|t| generate::value(&t)),
        1 => Just(Value::Void),
        2 => generate::c_type().prop_flat_map(|t| generate::value(&t)),
    ]
    .boxed()
}

/// Odds `wrong` in 100 of a twist at a node.
fn twist(wrong: u32, strangers: &BoxedStrategy<Value>) -> BoxedStrategy<Twist> {
    if wrong == 0 {
        return Just(Twist::None).boxed();
    }
    prop_oneof![
        100 => Just(Twist::None),
        wrong => strangers.clone().prop_map(Twist::Stranger),
        wrong * 2 => (strangers.clone(), any::<Index>(), 0..4u8)
            .prop_map(|(s, at, how)| Twist::Reshape(s, at, how)),
    ]
    .boxed()
}

/// A value of `ty`: any member of a union, either spelling of a scalar with two; and
/// at each node, with odds `wrong` in 100, a [`Twist`].
fn value_of(ty: &Type, wrong: u32, strangers: &BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let twist = twist(wrong, strangers);
    let values_of = |types: Vec<&Type>| -> BoxedStrategy<Vec<Value>> {
        (types.into_iter())
            .map(|t| value_of(t, wrong, strangers))
            .collect::<Vec<_>>()
            .boxed()
    };
    match ty {
        Type::Struct(agg) => (values_of(agg.fields.iter().map(|f| &f.ty).collect()), twist)
            .prop_map(|(vs, t)| aggregate(vs, t, Value::Struct, Value::Array))
            .boxed(),
        Type::Array(elem, n) => (values_of(vec![&**elem; *n as usize]), twist)
            .prop_map(|(vs, t)| aggregate(vs, t, Value::Array, Value::Struct))
            .boxed(),
        // Never generated; a union with no member takes no value.
        Type::Union(agg) if agg.fields.is_empty() => Just(Value::Union {
            member: 0,
            value: Box::new(Value::Void),
        })
        .boxed(),
        Type::Union(agg) => {
            let members: Vec<_> = (agg.fields.iter().enumerate())
                .map(|(i, f)| value_of(&f.ty, wrong, strangers).prop_map(move |v| (i, v)))
                .collect();
            let n = members.len();
            (proptest::strategy::Union::new(members), twist)
                .prop_map(move |((member, v), t)| match t {
                    Twist::None => Value::Union {
                        member,
                        value: Box::new(v),
                    },
                    Twist::Stranger(s) => s,
                    // Past the last member, or another member's index (a fit when
                    // the two members have one type).
                    Twist::Reshape(_, at, how) => Value::Union {
                        member: match how {
                            0 => n + at.index(3),
                            _ => at.index(n),
                        },
                        value: Box::new(v),
                    },
                })
                .boxed()
        }
        Type::Complex(elem) => (
            value_of(elem, wrong, strangers),
            value_of(elem, wrong, strangers),
            twist,
        )
            .prop_map(|(re, im, t)| match t {
                Twist::None => Value::Complex(Box::new(re), Box::new(im)),
                Twist::Stranger(s) => s,
                Twist::Reshape(s, _, 0) => Value::Complex(Box::new(re), Box::new(s)),
                Twist::Reshape(s, _, 1) => Value::Complex(Box::new(s), Box::new(im)),
                Twist::Reshape(_, _, 2) => Value::Struct(vec![re, im]),
                Twist::Reshape(..) => Value::Array(vec![re, im]),
            })
            .boxed(),
        scalar => (generate::value(scalar), any::<bool>(), twist)
            .prop_map(|(v, respell, t)| match t {
                Twist::Stranger(s) | Twist::Reshape(s, ..) => s,
                Twist::None if respell => other_spelling(&v).unwrap_or(v),
                Twist::None => v,
            })
            .boxed(),
    }
}

/// The same value spelled as the other type of its representation.
fn other_spelling(v: &Value) -> Option<Value> {
    Some(match *v {
        Value::Char(x) => Value::SChar(x),
        Value::SChar(x) => Value::Char(x),
        Value::Long(x) => Value::LongLong(x),
        Value::LongLong(x) => Value::Long(x),
        Value::ULong(x) => Value::ULongLong(x),
        Value::ULongLong(x) => Value::ULong(x),
        _ => return None,
    })
}

/// A struct's or an array's member values under `own` variant, twisted: one too few,
/// one too many, or under the `other` variant.
fn aggregate(
    mut vs: Vec<Value>,
    twist: Twist,
    own: fn(Vec<Value>) -> Value,
    other: fn(Vec<Value>) -> Value,
) -> Value {
    match twist {
        Twist::None => own(vs),
        Twist::Stranger(s) => s,
        Twist::Reshape(_, at, 0) if !vs.is_empty() => {
            vs.remove(at.index(vs.len()));
            own(vs)
        }
        Twist::Reshape(extra, at, 0 | 1) => {
            vs.insert(at.index(vs.len() + 1), extra);
            own(vs)
        }
        Twist::Reshape(..) => other(vs),
    }
}

/// The same value, floating values compared by their bits (a NaN equals itself).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        (Value::Struct(xs), Value::Struct(ys))
        | (Value::Array(xs), Value::Array(ys))
        | (Value::Vector(xs), Value::Vector(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (
            Value::Union {
                member: i,
                value: x,
            },
            Value::Union {
                member: j,
                value: y,
            },
        ) => i == j && same(x, y),
        (Value::Complex(a, b), Value::Complex(c, d)) => same(a, c) && same(b, d),
        _ => a == b,
    }
}

/// A type, a value for it (fitting or not), the codec's offset in the buffer, and the
/// byte the buffer holds before the store.
fn store_case() -> impl Strategy<Value = (Type, Value, usize, u8)> {
    (any_type(), prop_oneof![1 => Just(0u32), 2 => 2..24u32]).prop_flat_map(|(ty, wrong)| {
        let value = value_of(&ty, wrong, &strangers());
        (Just(ty), value, 0..64usize, 1..=255u8)
    })
}

/// `cases` cases; a failure is shrunk and reported, not saved to a file.
fn config(cases: u32) -> Config {
    Config {
        failure_persistence: None,
        // Shrinking a value of a deep type can take minutes; a half-shrunk case is
        // still a case.
        max_shrink_time: 30_000,
        ..Config::with_cases(cases)
    }
}

#[test]
fn codecs_store_exactly_what_value_store_stores() {
    let mut runner = TestRunner::new(config(3000));
    let (accepted, rejected) = (Cell::new(0u32), Cell::new(0u32));
    let result = runner.run(&store_case(), |(ty, value, offset, fill)| {
        let check = match CodecCheck::new(&ty, offset) {
            Ok(check) => check,
            Err(_) => {
                prop_assert!(ty.layout().is_err(), "{ty}: no codec");
                return Ok(());
            }
        };
        let size = ty.layout().unwrap().size as usize;
        // Bytes on both sides of the value's own, all `fill`: any write out of place,
        // or any padding byte zeroed by one converter and not the other, shows.
        let mut full = vec![fill; offset + size + 32];
        let mut fast = full.clone();
        let reference = check.store_checked(&value, &mut full);
        let compiled = check.store_compiled(&value, &mut fast);
        prop_assert_eq!(
            compiled,
            reference.is_ok(),
            "{} given {:?}: Value::store says {:?}",
            ty,
            value,
            reference
        );
        if !compiled {
            rejected.set(rejected.get() + 1);
            return Ok(());
        }
        accepted.set(accepted.get() + 1);
        prop_assert!(fast == full, "{ty} given {value:?}: the bytes differ");
        let (full_back, fast_back) = (check.load_checked(&full), check.load_compiled(&fast));
        let full_back = full_back.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(
            same(&full_back, &fast_back),
            "{ty} stored from {value:?}: Value::load reads {full_back:?}, the codec {fast_back:?}"
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Both outcomes are common, so each side of the equivalence is exercised.
    let (accepted, rejected) = (accepted.get(), rejected.get());
    let cases = accepted + rejected;
    assert!(
        accepted > cases / 4 && rejected > cases / 4,
        "{accepted} accepted, {rejected} rejected"
    );
}

#[test]
fn codecs_load_what_value_load_loads() {
    let case = (any_type(), 0..64usize).prop_flat_map(|(ty, offset)| {
        let size = ty.layout().map_or(0, |l| l.size as usize);
        // Any bytes at all: _Bool bytes other than 0 and 1, NaNs, unnormal long doubles.
        let bytes = prop::collection::vec(any::<u8>(), offset + size);
        (Just(ty), Just(offset), bytes)
    });
    let mut runner = TestRunner::new(config(2000));
    let result = runner.run(&case, |(ty, offset, bytes)| {
        let Ok(check) = CodecCheck::new(&ty, offset) else {
            prop_assert!(ty.layout().is_err(), "{ty}: no codec");
            return Ok(());
        };
        let full = check
            .load_checked(&bytes)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let fast = check.load_compiled(&bytes);
        prop_assert!(
            same(&full, &fast),
            "{ty} at {offset}: Value::load reads {full:?}, the codec {fast:?}"
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
