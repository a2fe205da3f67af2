//! `jitcall which`, and the provenance side of `call --ledger`: which object provides a
//! symbol, and the SHA-256 of object files (the engine reads memory, never files; the
//! hash is computed here, only when something is printed or written).

use crate::{Failure, print_out, resolve};
use clap::Args;
use jitcall::LoadedObject;
use jitcall::explain::Json;
use std::path::Path;

pub(crate) const WHICH_EXAMPLES: &str = "\
Examples:
  jitcall which memcpy                         # memcpy@@GLIBC_2.14, libc.so.6
  jitcall which memcpy@GLIBC_2.2.5             # the old memcpy, at another address
  jitcall which -l libz.so.1 strlen            # found through libz, provided by libc
  jitcall which -l libz.so.1 --json deflate

Libraries are searched as `call` searches them. The object printed is the one whose
memory holds the symbol's address: the library searched, or one of its dependencies.";

#[derive(Args)]
pub(crate) struct WhichArgs {
    /// A shared library to search first, by path, soname or short name (-l z); repeat
    /// to search several
    #[arg(short = 'l', long = "lib", value_name = "LIB")]
    libs: Vec<String>,
    /// The symbol: NAME, or NAME@VERSION for that version (memcpy@GLIBC_2.2.5)
    #[arg(value_name = "SYMBOL")]
    symbol: String,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

/// The SHA-256 of the file at `path`, in hex.
pub(crate) fn sha256_file(path: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

fn opt(s: Option<String>) -> Json {
    s.map_or(Json::Null, Json::String)
}

fn object_json(o: &LoadedObject) -> Json {
    let path = o.path.as_ref().map(|p| p.to_string_lossy().into_owned());
    Json::object([
        ("path", opt(path)),
        ("soname", opt(o.soname.clone())),
        ("build_id", opt(o.build_id_hex())),
        ("sha256", opt(o.path.as_deref().and_then(sha256_file))),
        (
            "load_address",
            Json::String(format!("{:#x}", o.load_address)),
        ),
        ("loader_name", Json::String(o.loader_name.clone())),
    ])
}

pub(crate) fn which(args: WhichArgs) -> Result<(), Failure> {
    let (library, _) = resolve(&args.libs, &args.symbol)?;
    let p = library.provenance(&args.symbol)?;
    let searched = if library.name().is_empty() {
        "the jitcall process".to_string()
    } else {
        library.name().to_string_lossy().into_owned()
    };
    if args.json {
        let json = Json::object([
            ("symbol", Json::String(p.symbol.clone())),
            ("version", opt(p.version.clone())),
            ("default_version", Json::Bool(p.default_version)),
            ("address", Json::String(format!("{:#x}", p.address))),
            ("searched", Json::String(searched)),
            ("object", object_json(&p.object)),
        ]);
        print_out(&format!("{}\n", json.compact()));
        return Ok(());
    }
    let name = match &p.version {
        Some(v) if p.default_version => format!("{}@@{v}", p.symbol),
        Some(v) => format!("{}@{v}", p.symbol),
        None => p.symbol.clone(),
    };
    let o = &p.object;
    let unknown = || "(none)".to_string();
    let mut out = format!("{name} at {:#x}, found through {searched}\n", p.address);
    let path = o.path.as_ref().map(|p| p.display().to_string());
    out.push_str(&format!(
        "  object     {}\n",
        path.clone()
            .unwrap_or_else(|| format!("{} (not a file)", o.loader_name))
    ));
    out.push_str(&format!(
        "  soname     {}\n",
        o.soname.clone().unwrap_or_else(unknown)
    ));
    out.push_str(&format!(
        "  build-id   {}\n",
        o.build_id_hex().unwrap_or_else(unknown)
    ));
    out.push_str(&format!(
        "  sha256     {}\n",
        o.path
            .as_deref()
            .and_then(sha256_file)
            .unwrap_or_else(unknown)
    ));
    out.push_str(&format!("  loaded at  {:#x}\n", o.load_address));
    print_out(&out);
    Ok(())
}
