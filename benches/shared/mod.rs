//! Code the bench crates share.

use jitcall::{Signature, Type};

/// A signature no earlier iteration used: twelve parameters drawn from five types by
/// the digits of `n` in base 5 (244 million distinct plans).
pub fn unique_signature(mut n: u64) -> Signature {
    let pick = [
        Type::Int,
        Type::Double,
        Type::Float,
        Type::Long,
        Type::structure([Type::Int, Type::Float]),
    ];
    let params: Vec<Type> = (0..12)
        .map(|_| {
            let t = pick[(n % 5) as usize].clone();
            n /= 5;
            t
        })
        .collect();
    Signature::new(Type::Long, params)
}
