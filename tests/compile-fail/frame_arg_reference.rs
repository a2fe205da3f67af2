// The reproduction: a reference made from the integer 2, then dereferenced.
#![forbid(unsafe_code)]
use jitcall::{Library, Signature};

fn main() -> Result<(), jitcall::Error> {
    let sig: Signature = "long labs(long)".parse()?;
    let labs = Library::this().function("labs", &sig)?;
    let mut frame = labs.frame();
    frame.set_arg(0, 2i64);
    let r: &u64 = frame.arg(0);
    println!("{}", *r);
    Ok(())
}
