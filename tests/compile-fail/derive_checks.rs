// The derives check what the traits promise: a fixed representation, plain fields, and
// (for Plain) no padding.
#[derive(Clone, Copy, jitcall::Plain)]
struct RustLayout {
    a: u32,
    b: u64,
}

#[repr(C)]
#[derive(Clone, Copy, jitcall::Plain)]
struct HasPadding {
    a: u8,
    b: u64,
}

#[repr(C)]
#[derive(Clone, Copy, jitcall::AnyBits)]
struct HasBool {
    flag: bool,
}

fn main() {}
