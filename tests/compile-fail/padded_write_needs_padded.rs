// A struct with padding is AnyBits but not Plain: a plain write would leave its
// padding uninitialised in the frame, so it must go through `Padded`. References and
// other non-plain values cannot be written at all.
#![forbid(unsafe_code)]
use jitcall::{Library, Signature};

#[repr(C)]
#[derive(Clone, Copy, jitcall_derive::AnyBits)]
struct CharDouble {
    c: i8,
    d: f64,
}

fn main() -> Result<(), jitcall::Error> {
    let sig: Signature = "struct s { char c; double d; }; double f(struct s);".parse()?;
    let f = Library::this().function("abs", &sig)?;
    let mut frame = f.frame();
    frame.set_arg(0, CharDouble { c: 1, d: 2.0 });
    frame.set_arg(0, &5u64);
    frame.set_args((CharDouble { c: 1, d: 2.0 },));
    Ok(())
}
