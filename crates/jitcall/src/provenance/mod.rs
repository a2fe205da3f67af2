//! Where a call goes: the loaded object that provides a symbol (which need not be the
//! library searched — `strlen` looked up through libz's handle comes from libc), its
//! real path, soname, GNU build-id and load address, and the symbol version bound; and
//! the [`ledger`] of every library opened and every symbol bound through [`Library`].
//!
//! Symbols may be named with a version, `NAME@VERSION` (`memcpy@GLIBC_2.2.5`), wherever
//! [`Library`] takes a name: that version is bound with `dlvsym`. `NAME@@VERSION` is
//! accepted too and means the same (the loader binds a version whether or not it is the
//! default).
//!
//! Everything here is read from the process's memory, as the dynamic loader mapped it
//! (see `image`); nothing reads or hashes files. A file's SHA-256 is left to the caller
//! ([`Ledger::cyclonedx`] takes the hash function): the engine keeps no hashing code or
//! dependency, and nothing pays for hashing until a bill of materials is written.
//!
//! ```
//! use jitcall::Library;
//!
//! # fn main() -> Result<(), jitcall::Error> {
//! let libc = Library::open("libc.so.6")?;
//! let p = libc.provenance("memcpy@GLIBC_2.2.5")?;
//! assert_eq!(p.version.as_deref(), Some("GLIBC_2.2.5"));
//! assert!(!p.default_version); // memcpy@@GLIBC_2.14 is today's memcpy
//! assert_eq!(p.object.soname.as_deref(), Some("libc.so.6"));
//! # Ok(())
//! # }
//! ```

mod image;
mod ledger;

pub use ledger::{Binding, Ledger, OpenedLibrary, ledger};
pub(crate) use ledger::{record_binding, record_open};

use crate::{Error, Library};
use std::ffi::{CString, c_void};
use std::path::PathBuf;

/// A loaded object (shared library, the program, the vDSO) as the process sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadedObject {
    /// The name the dynamic loader knows it by (`l_name`): the path it was loaded from,
    /// empty for the program itself, `linux-vdso.so.1` for the vDSO.
    pub loader_name: String,
    /// The file's real path (symbolic links resolved), when it is a file.
    pub path: Option<PathBuf>,
    /// Its `DT_SONAME`.
    pub soname: Option<String>,
    /// Its GNU build-id (`NT_GNU_BUILD_ID`).
    pub build_id: Option<Vec<u8>>,
    /// Its load bias (`l_addr`): what its addresses were moved by.
    pub load_address: usize,
}

impl LoadedObject {
    /// The build-id in lower-case hex, as `readelf -n` and `file` print it.
    pub fn build_id_hex(&self) -> Option<String> {
        self.build_id.as_ref().map(|id| hex(id))
    }

    fn from_facts(facts: &image::ImageFacts) -> LoadedObject {
        let path = if facts.name.is_empty() {
            std::env::current_exe().ok()
        } else {
            std::fs::canonicalize(&facts.name).ok()
        };
        LoadedObject {
            loader_name: facts.name.clone(),
            path,
            soname: facts.soname.clone(),
            build_id: facts.build_id.clone(),
            load_address: facts.load_address,
        }
    }
}

/// A symbol as it was bound: the object providing it and the version of its definition.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Provenance {
    /// The symbol's name, without a version.
    pub symbol: String,
    /// The version of the definition bound (`GLIBC_2.14`), if the object versions it.
    pub version: Option<String>,
    /// Whether that is the default version (`memcpy@@GLIBC_2.14`) rather than an older,
    /// hidden one (`memcpy@GLIBC_2.2.5`). True for unversioned symbols.
    pub default_version: bool,
    /// The address bound (for an IFUNC, the implementation its resolver chose).
    pub address: usize,
    /// The object whose mapped segments contain that address.
    pub object: LoadedObject,
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits `NAME@VERSION` (or `NAME@@VERSION`) into its name and version.
pub fn split_version(symbol: &str) -> (&str, Option<&str>) {
    match symbol.split_once('@') {
        Some((name, version)) => (name, Some(version.strip_prefix('@').unwrap_or(version))),
        None => (symbol, None),
    }
}

/// The name and version of `symbol` as C strings for `dlsym`/`dlvsym`, or why not.
pub(crate) fn c_names(symbol: &str) -> Result<(CString, Option<CString>), String> {
    let (name, version) = split_version(symbol);
    if name.is_empty() {
        return Err("no symbol name before '@'".into());
    }
    let c = |s: &str| CString::new(s).map_err(|_| "the name contains a NUL byte".to_string());
    match version {
        Some("") => Err("no version after '@'".into()),
        Some(v) => Ok((c(name)?, Some(c(v)?))),
        None => Ok((c(name)?, None)),
    }
}

/// The loaded object whose segments contain `address`, or `None` if none does.
pub fn object_at(address: *const c_void) -> Option<LoadedObject> {
    image::describe(address as usize, None).map(|f| LoadedObject::from_facts(&f))
}

/// The provenance of `symbol` (`NAME` or `NAME@VERSION`) bound at `address`: the
/// object containing the address, and the version of the definition of that name in
/// it (`None` if the object does not define the name, or does not version it). `None`
/// if no loaded object contains `address`.
pub fn symbol_at(address: *const c_void, symbol: &str) -> Option<Provenance> {
    let (name, version) = split_version(symbol);
    let facts = image::describe(address as usize, Some((name, version)))?;
    let (version, default_version) = match &facts.definition {
        Some(d) => (d.version.clone(), d.default),
        None => (version.map(str::to_string), true),
    };
    Some(Provenance {
        symbol: name.to_string(),
        version,
        default_version,
        address: address as usize,
        object: LoadedObject::from_facts(&facts),
    })
}

impl Library {
    /// Resolves `symbol` (`NAME` or `NAME@VERSION`) as [`Library::symbol`] does, and
    /// tells where it comes from: the object that provides it, which may be one of this
    /// library's dependencies, with the version of the definition bound.
    pub fn provenance(&self, symbol: &str) -> Result<Provenance, Error> {
        let address = self.symbol(symbol)?;
        symbol_at(address, symbol).ok_or_else(|| Error::SymbolNotFound {
            library: self.display_name().to_string(),
            symbol: symbol.into(),
            reason: format!("its address {address:p} lies in no loaded object"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_split() {
        assert_eq!(split_version("memcpy"), ("memcpy", None));
        assert_eq!(
            split_version("memcpy@GLIBC_2.2.5"),
            ("memcpy", Some("GLIBC_2.2.5"))
        );
        assert_eq!(
            split_version("memcpy@@GLIBC_2.14"),
            ("memcpy", Some("GLIBC_2.14"))
        );
        assert!(c_names("@V").is_err());
        assert!(c_names("f@").is_err());
    }

    #[test]
    fn strlen_through_libm_comes_from_libc() {
        let libm = Library::open("libm.so.6").unwrap();
        let p = libm.provenance("strlen").unwrap();
        assert_eq!(p.object.soname.as_deref(), Some("libc.so.6"));
        assert_eq!(p.version.as_deref(), Some("GLIBC_2.2.5"));
        assert!(p.object.build_id.as_ref().is_some_and(|b| b.len() >= 16));
        let cos = libm.provenance("cos").unwrap();
        assert_eq!(cos.object.soname.as_deref(), Some("libm.so.6"));
    }

    #[test]
    fn old_memcpy_is_another_function() {
        let libc = Library::open("libc.so.6").unwrap();
        let new = libc.provenance("memcpy").unwrap();
        let old = libc.provenance("memcpy@GLIBC_2.2.5").unwrap();
        assert_eq!(new.version.as_deref(), Some("GLIBC_2.14"));
        assert!(new.default_version);
        assert_eq!(old.version.as_deref(), Some("GLIBC_2.2.5"));
        assert!(!old.default_version);
        assert_ne!(new.address, old.address);
        assert!(libc.symbol("memcpy@GLIBC_9.9").is_err());
    }

    #[test]
    fn addresses_outside_objects_have_no_provenance() {
        let heap = Box::new(0u64);
        assert!(object_at((&raw const *heap).cast()).is_none());
        let exe = object_at(hex as *const c_void).unwrap();
        assert_eq!(exe.loader_name, "");
        assert!(exe.path.is_some());
    }
}
