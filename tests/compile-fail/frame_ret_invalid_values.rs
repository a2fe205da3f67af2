// Types with invalid bit patterns cannot be read from a result or an argument.
#![forbid(unsafe_code)]
use jitcall::{Library, Signature};
use std::num::NonZeroU32;

#[derive(Clone, Copy)]
enum Colour {
    Red,
}

fn main() -> Result<(), jitcall::Error> {
    let sig: Signature = "int abs(int)".parse()?;
    let abs = Library::this().function("abs", &sig)?;
    let frame = abs.frame();
    let _: char = frame.ret();
    let _: NonZeroU32 = frame.try_ret()?;
    let _: Colour = frame.arg(0);
    let _: &str = frame.try_arg(0)?;
    let _ = Colour::Red;
    Ok(())
}
