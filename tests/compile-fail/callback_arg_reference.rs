// A callback's frame holds what a C caller passed: no reference can be read from it.
#![forbid(unsafe_code)]
use jitcall::{Callback, Signature};

fn main() -> Result<(), jitcall::Error> {
    let sig: Signature = "int compare(const void *, const void *)".parse()?;
    let _cb = Callback::new(&sig, |frame| {
        let a: &i64 = frame.arg(0);
        frame.set_ret(*a as i32);
    })?;
    Ok(())
}
