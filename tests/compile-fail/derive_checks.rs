// The derives check what the traits promise: a fixed representation, plain fields, and
// (for Plain) no padding.
#[derive(Clone, Copy, jitcall_derive::Plain)]
struct RustLayout {
    a: u32,
    b: u64,
}

#[repr(C)]
#[derive(Clone, Copy, jitcall_derive::Plain)]
struct HasPadding {
    a: u8,
    b: u64,
}

#[repr(C)]
#[derive(Clone, Copy, jitcall_derive::AnyBits)]
struct HasBool {
    flag: bool,
}

fn main() {}
