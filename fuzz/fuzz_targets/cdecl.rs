//! The declaration parser on arbitrary text: it must answer (a value or an error),
//! never panic, hang or overflow the stack; whatever it accepts must classify.
#![no_main]

use jitcall::Declarations;
use jitcall::abi::sysv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Declarations::parse(text) {
        Ok(decls) => {
            for f in decls.functions() {
                let _ = sysv::classify(&f.signature);
            }
            for (_, ty) in decls.aggregates() {
                let _ = ty.layout();
                let _ = ty.field_offsets();
            }
        }
        Err(e) => {
            let _ = e.render(text);
        }
    }
});
