// A batch row's result is read under the same bound as a frame's.
#![forbid(unsafe_code)]
use jitcall::{Library, Signature};

fn main() -> Result<(), jitcall::Error> {
    let sig: Signature = "_Bool isatty_bool(int)".parse()?;
    let f = Library::this().function("isatty", &sig)?;
    let batch = f.batch(2)?;
    let _: bool = batch.ret(0);
    let _: bool = batch.try_ret(1)?;
    Ok(())
}
