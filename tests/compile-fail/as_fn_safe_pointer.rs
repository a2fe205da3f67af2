// A Function hands out only `unsafe extern "C" fn` pointers: a safe fn pointer type
// would let safe code call C.
#![forbid(unsafe_code)]
use jitcall::{Library, Signature};

fn main() -> Result<(), jitcall::Error> {
    let sig: Signature = "long labs(long)".parse()?;
    let labs = Library::this().function("labs", &sig)?;
    let f: extern "C" fn(i64) -> i64 = labs.as_fn()?;
    println!("{}", f(-3));
    Ok(())
}
