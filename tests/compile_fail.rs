//! Safe code cannot make an invalid value out of frame bytes: every generic read of a
//! frame, a batch row or a callback frame is bounded on `AnyBits`, every write on
//! `FrameValue`, so the unsound calls below do not compile (`tests/compile-fail`),
//! while the documented plain-data reads and writes do, and run (`tests/compile-pass`).
//! The expected compiler messages are in the `.stderr` files beside each case;
//! `TRYBUILD=overwrite cargo test --test compile_fail` regenerates them.

#[test]
fn unsound_frame_access_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile-fail/*.rs");
    t.pass("tests/compile-pass/*.rs");
}
