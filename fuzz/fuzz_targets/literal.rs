//! The C literal parser on arbitrary text, for a spread of parameter types: it must
//! answer (a value or an error), never panic; what it reads must print.
#![no_main]

#[allow(dead_code)] // the other target's check
mod parsers;

libfuzzer_sys::fuzz_target!(|data: &[u8]| parsers::literal(data));
