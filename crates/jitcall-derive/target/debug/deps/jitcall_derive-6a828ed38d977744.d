/work/main/crates/jitcall-derive/target/debug/deps/jitcall_derive-6a828ed38d977744.d: src/lib.rs Cargo.toml

/work/main/crates/jitcall-derive/target/debug/deps/libjitcall_derive-6a828ed38d977744.rmeta: src/lib.rs Cargo.toml

src/lib.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
# env-dep:CLIPPY_CONF_DIR
