//! The declaration parser on arbitrary text: it must answer (a value or an error),
//! never panic, hang or overflow the stack; whatever it accepts must classify.
#![no_main]

#[allow(dead_code)] // the other target's check
mod parsers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| parsers::cdecl(data));
