// The documented safe reads and writes: scalars, raw pointers, arrays, derived plain
// structs (pointer members included), padded structs through `Padded`, callbacks.
#![forbid(unsafe_code)]
use jitcall::{Callback, Function, Library, Padded, Signature};
use std::ffi::c_char;

#[repr(C)]
#[derive(Clone, Copy, jitcall_derive::Plain)]
struct Named {
    name: *const c_char,
    len: u64,
}

#[repr(C)]
#[derive(Clone, Copy, jitcall_derive::AnyBits)]
struct CharDouble {
    c: i8,
    d: f64,
}

fn main() -> Result<(), jitcall::Error> {
    let this = Library::this();
    let labs = this.function("labs", &"long labs(long)".parse()?)?;
    let mut frame = labs.frame();
    frame.set_arg(0, -3i64);
    assert_eq!(frame.arg::<i64>(0), -3);
    assert_eq!(frame.try_arg::<u64>(0)?, (-3i64) as u64);
    assert_eq!(frame.arg::<[u8; 8]>(0), (-3i64).to_le_bytes());
    let _: *const u8 = frame.arg(0);
    frame.set_ret(9i64);
    assert_eq!(frame.ret::<i64>(), 9);

    let sig: Signature =
        "struct named { const char *name; unsigned long len; }; struct named f(struct named);"
            .parse()?;
    let f = Function::new(labs.target(), &sig)?;
    let mut frame = f.frame();
    let named = Named { name: c"x".as_ptr(), len: 1 };
    frame.set_arg(0, named);
    let back: Named = frame.arg(0);
    assert_eq!((back.name, back.len), (named.name, 1));

    let sig: Signature = "struct s { char c; double d; }; struct s g(struct s);".parse()?;
    let g = Function::new(labs.target(), &sig)?;
    let mut frame = g.frame();
    frame.set_arg(0, Padded(CharDouble { c: 4, d: 0.5 }));
    frame.set_args((Padded(CharDouble { c: 5, d: 1.5 }),));
    let back: CharDouble = frame.arg(0);
    assert_eq!((back.c, back.d), (5, 1.5));
    frame.set_ret(Padded(back));
    let _: CharDouble = frame.ret();

    let mut batch = labs.batch(2)?;
    batch.set_arg(1, 0, -4i64);
    let _: i64 = batch.ret(1);

    let cb = Callback::new(&"int cmp(const void *, const void *)".parse()?, |frame| {
        let a: *const i64 = frame.arg(0);
        frame.set_ret(i32::from(a.is_null()));
    })?;
    let _ = cb.code_ptr();
    Ok(())
}
