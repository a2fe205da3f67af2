//! The ledger: a process-wide record of every library opened with [`Library::open`]
//! and every symbol bound through a [`Library`], exportable as a CycloneDX 1.6 bill of
//! materials and as the JSON payload of a `.note.dlopen` ELF note.
//!
//! Recording is cheap and calls pay nothing: opening a library (already a `dlopen`)
//! also notes its object, soname and build-id; binding a symbol adds or finds one entry
//! under a lock (two hash lookups) and keeps its address and signature. Which object
//! provides each bound symbol, and its version, is worked out when the ledger is read
//! ([`ledger`]); a symbol whose library was closed by then has no provenance. Files are
//! hashed only by [`Ledger::cyclonedx`], with the caller's hash function.
//!
//! [`Library::open`]: crate::Library::open
//! [`Library`]: crate::Library

use super::{LoadedObject, Provenance, hex, image, symbol_at};
use crate::Signature;
use crate::explain::Json;
use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use std::path::Path;
use std::sync::{LazyLock, Mutex, PoisonError};

/// A library opened with [`Library::open`](crate::Library::open).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenedLibrary {
    /// The name or path it was asked for.
    pub requested: String,
    /// The object the loader mapped for it (`None` if it could not be found in memory).
    pub object: Option<LoadedObject>,
    /// Its link-map namespace (`Lmid_t`; 0 is the program's own).
    pub namespace: Option<i64>,
}

/// A symbol bound through a [`Library`](crate::Library).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Binding {
    /// The library searched: the name it was opened with, or `the running process`.
    pub library: String,
    /// The symbol as asked for (`memcpy`, `memcpy@GLIBC_2.2.5`).
    pub requested: String,
    /// The address bound (the latest, if it was bound several times).
    pub address: usize,
    /// The signatures it was bound with, as C prototypes without a name; empty when it
    /// was only looked up ([`Library::symbol`](crate::Library::symbol)).
    pub signatures: Vec<String>,
    /// The object that provides it and the version bound, as read now; `None` if that
    /// object is no longer loaded.
    pub provenance: Option<Provenance>,
}

/// A snapshot of the ledger, with each binding's provenance resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ledger {
    /// Libraries opened, in order, each once per (name asked, object).
    pub libraries: Vec<OpenedLibrary>,
    /// Symbols bound, in the order first bound, each once per (library, name asked).
    pub bindings: Vec<Binding>,
}

struct BindRecord {
    library: String,
    requested: String,
    address: usize,
    /// In the order first bound.
    signatures: Vec<Signature>,
    /// The same signatures, to tell a new one in constant time: an interpreter may bind
    /// one variadic function with many argument lists (each its own signature).
    seen: HashSet<Signature>,
}

#[derive(Default)]
struct State {
    libraries: Vec<OpenedLibrary>,
    /// (name asked, the object's dynamic section) of each library recorded.
    opened: HashSet<(String, usize)>,
    bindings: Vec<BindRecord>,
    /// library → symbol asked → index in `bindings`.
    index: HashMap<String, HashMap<String, usize>>,
}

static STATE: LazyLock<Mutex<State>> = LazyLock::new(Mutex::default);

fn state() -> std::sync::MutexGuard<'static, State> {
    // The state is consistent after every statement that changes it: a panic elsewhere
    // while the lock was held leaves nothing half-done.
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The part of glibc's `struct link_map` that <link.h> makes public.
#[repr(C)]
struct LinkMap {
    l_addr: usize,
    l_name: *const std::ffi::c_char,
    l_ld: *const c_void,
}

/// Records the library `requested`, just opened as `handle`.
pub(crate) fn record_open(requested: &str, handle: *mut c_void) {
    let mut map: *const LinkMap = std::ptr::null();
    // SAFETY: `handle` is a live dlopen handle; RTLD_DI_LINKMAP stores a
    // `struct link_map *` through the pointer, which points to one.
    let ok = unsafe { libc::dlinfo(handle, libc::RTLD_DI_LINKMAP, (&raw mut map).cast()) };
    let dynamic = if ok == 0 && !map.is_null() {
        // SAFETY: glibc returned a valid link_map of a loaded object; l_ld is among its
        // public fields.
        unsafe { (*map).l_ld as usize }
    } else {
        0
    };
    if state().opened.contains(&(requested.to_string(), dynamic)) {
        return;
    }
    let mut lmid: libc::Lmid_t = 0;
    // SAFETY: as above; RTLD_DI_LMID stores an Lmid_t.
    let namespace = (unsafe { libc::dlinfo(handle, libc::RTLD_DI_LMID, (&raw mut lmid).cast()) }
        == 0)
        .then_some(lmid);
    let object = (dynamic != 0)
        .then(|| image::describe(dynamic, None))
        .flatten()
        .map(|f| LoadedObject::from_facts(&f));
    let mut st = state();
    if st.opened.insert((requested.to_string(), dynamic)) {
        st.libraries.push(OpenedLibrary {
            requested: requested.to_string(),
            object,
            namespace,
        });
    }
}

/// Records that `symbol` was bound at `address` through `library`, with `signature`.
pub(crate) fn record_binding(
    library: &str,
    symbol: &str,
    address: *const c_void,
    signature: Option<&Signature>,
) {
    let mut st = state();
    let found = st.index.get(library).and_then(|m| m.get(symbol)).copied();
    let i = match found {
        Some(i) => i,
        None => {
            let i = st.bindings.len();
            st.bindings.push(BindRecord {
                library: library.to_string(),
                requested: symbol.to_string(),
                address: address as usize,
                signatures: Vec::new(),
                seen: HashSet::new(),
            });
            st.index
                .entry(library.to_string())
                .or_default()
                .insert(symbol.to_string(), i);
            i
        }
    };
    let record = &mut st.bindings[i];
    record.address = address as usize;
    if let Some(sig) = signature
        && record.seen.insert(sig.clone())
    {
        record.signatures.push(sig.clone());
    }
}

/// The ledger as it stands: every library opened and every symbol bound so far, with
/// the provenance of each symbol read now.
pub fn ledger() -> Ledger {
    let (libraries, records) = {
        let st = state();
        let records: Vec<(String, String, usize, Vec<String>)> = st
            .bindings
            .iter()
            .map(|b| {
                (
                    b.library.clone(),
                    b.requested.clone(),
                    b.address,
                    b.signatures.iter().map(Signature::to_string).collect(),
                )
            })
            .collect();
        (st.libraries.clone(), records)
    };
    let bindings = records
        .into_iter()
        .map(|(library, requested, address, signatures)| Binding {
            provenance: symbol_at(address as *const c_void, &requested),
            library,
            requested,
            address,
            signatures,
        })
        .collect();
    Ledger {
        libraries,
        bindings,
    }
}

/// One component of the bill of materials: an object, and what the ledger says of it.
struct Component<'a> {
    object: &'a LoadedObject,
    requested: Vec<&'a str>,
    namespaces: Vec<i64>,
    bindings: Vec<&'a Binding>,
}

impl Component<'_> {
    fn reference(&self) -> String {
        match &self.object.path {
            Some(p) => p.to_string_lossy().into_owned(),
            None => self.object.loader_name.clone(),
        }
    }
}

fn property(name: &str, value: impl Into<String>) -> Json {
    Json::object([
        ("name", Json::str(name)),
        ("value", Json::String(value.into())),
    ])
}

/// `symbol@VERSION` or `symbol@@VERSION` (the default), as `readelf` writes them.
fn versioned(p: &Provenance) -> String {
    match &p.version {
        Some(v) if p.default_version => format!("{}@@{v}", p.symbol),
        Some(v) => format!("{}@{v}", p.symbol),
        None => p.symbol.clone(),
    }
}

impl Ledger {
    /// Groups the ledger by providing object (by path), in order of first mention.
    fn components(&self) -> Vec<Component<'_>> {
        let mut out: Vec<Component<'_>> = Vec::new();
        fn slot<'a>(out: &mut Vec<Component<'a>>, object: &'a LoadedObject) -> usize {
            let same = |c: &Component<'_>| {
                c.object.path == object.path && c.object.loader_name == object.loader_name
            };
            out.iter().position(same).unwrap_or_else(|| {
                out.push(Component {
                    object,
                    requested: Vec::new(),
                    namespaces: Vec::new(),
                    bindings: Vec::new(),
                });
                out.len() - 1
            })
        }
        for lib in &self.libraries {
            if let Some(object) = &lib.object {
                let i = slot(&mut out, object);
                let c = &mut out[i];
                if !c.requested.contains(&lib.requested.as_str()) {
                    c.requested.push(&lib.requested);
                }
                if let Some(n) = lib.namespace.filter(|n| !c.namespaces.contains(n)) {
                    c.namespaces.push(n);
                }
            }
        }
        for b in &self.bindings {
            if let Some(p) = &b.provenance {
                let i = slot(&mut out, &p.object);
                out[i].bindings.push(b);
            }
        }
        out
    }

    /// The ledger as a CycloneDX 1.6 bill of materials (JSON): the running program as
    /// the subject (`metadata.component`), one `library` component per object that a
    /// library was opened from or a symbol was bound in, and the program depending on
    /// each. What CycloneDX has no field for is in namespaced properties:
    /// `jitcall:build-id`, `jitcall:soname`, `jitcall:path`, `jitcall:requested-as`,
    /// `jitcall:link-map-namespace`, and one `jitcall:symbol` (`name@@VERSION`) and
    /// `jitcall:binding` (the symbol as asked, the library searched, its signatures) per
    /// bound symbol.
    ///
    /// `sha256` is called once per object file with its path and returns its SHA-256 in
    /// hex, or `None` to leave the hash out: the engine does not hash (nor read) files.
    pub fn cyclonedx(&self, sha256: &mut dyn FnMut(&Path) -> Option<String>) -> String {
        let components = self.components();
        let mut refs = Vec::new();
        let mut items = Vec::new();
        for c in &components {
            let o = c.object;
            let reference = c.reference();
            let name = o
                .soname
                .clone()
                .or_else(|| {
                    let p = o.path.as_ref()?;
                    Some(p.file_name()?.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| o.loader_name.clone());
            let mut fields = vec![
                ("type".to_string(), Json::str("library")),
                ("bom-ref".to_string(), Json::String(reference.clone())),
                ("name".to_string(), Json::String(name)),
            ];
            if let Some(hash) = o.path.as_deref().and_then(&mut *sha256) {
                fields.push((
                    "hashes".to_string(),
                    Json::Array(vec![Json::object([
                        ("alg", Json::str("SHA-256")),
                        ("content", Json::String(hash)),
                    ])]),
                ));
            }
            let mut props = Vec::new();
            if let Some(p) = &o.path {
                props.push(property("jitcall:path", p.to_string_lossy()));
            }
            if let Some(s) = &o.soname {
                props.push(property("jitcall:soname", s.as_str()));
            }
            if let Some(id) = o.build_id_hex() {
                props.push(property("jitcall:build-id", id));
            }
            for r in &c.requested {
                props.push(property("jitcall:requested-as", *r));
            }
            for n in &c.namespaces {
                props.push(property("jitcall:link-map-namespace", n.to_string()));
            }
            for b in &c.bindings {
                if let Some(p) = &b.provenance {
                    props.push(property("jitcall:symbol", versioned(p)));
                }
                let mut how = format!("{} through {}", b.requested, b.library);
                for s in &b.signatures {
                    how.push_str(&format!("; {s}"));
                }
                props.push(property("jitcall:binding", how));
            }
            fields.push(("properties".to_string(), Json::Array(props)));
            refs.push(Json::String(reference));
            items.push(Json::Object(fields));
        }
        let program = std::env::current_exe()
            .ok()
            .and_then(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "program".into());
        let bom = Json::object([
            ("bomFormat", Json::str("CycloneDX")),
            ("specVersion", Json::str("1.6")),
            ("serialNumber", Json::String(serial_number())),
            ("version", Json::Number(1)),
            (
                "metadata",
                Json::object([
                    ("timestamp", Json::String(timestamp())),
                    (
                        "tools",
                        Json::object([(
                            "components",
                            Json::Array(vec![Json::object([
                                ("type", Json::str("library")),
                                ("name", Json::str("jitcall")),
                                ("version", Json::str(env!("CARGO_PKG_VERSION"))),
                            ])]),
                        )]),
                    ),
                    (
                        "component",
                        Json::object([
                            ("type", Json::str("application")),
                            ("bom-ref", Json::str(PROGRAM_REF)),
                            ("name", Json::String(program)),
                        ]),
                    ),
                ]),
            ),
            ("components", Json::Array(items)),
            (
                "dependencies",
                Json::Array(vec![Json::object([
                    ("ref", Json::str(PROGRAM_REF)),
                    ("dependsOn", Json::Array(refs)),
                ])]),
            ),
        ]);
        bom.pretty()
    }

    /// The JSON payload of a `.note.dlopen` ELF note (owner `FDO`, type `0x407c0c0a`)
    /// declaring the libraries opened, so that packagers see the program's dlopen
    /// dependencies: one entry per library, by soname (or by the name it was asked
    /// for), with the symbols bound in it as its description and priority
    /// `recommended` (the spec's default; make it `required` where the program cannot
    /// run without it).
    pub fn dlopen_note(&self) -> String {
        let mut entries: Vec<(String, Vec<String>)> = Vec::new();
        for lib in &self.libraries {
            let soname = lib
                .object
                .as_ref()
                .and_then(|o| o.soname.clone())
                .unwrap_or_else(|| lib.requested.clone());
            if entries.iter().any(|(s, _)| *s == soname) {
                continue;
            }
            let symbols = self
                .bindings
                .iter()
                .filter(|b| b.library == lib.requested)
                .map(|b| b.requested.clone())
                .collect();
            entries.push((soname, symbols));
        }
        Json::Array(
            entries
                .into_iter()
                .map(|(soname, symbols)| {
                    let description = if symbols.is_empty() {
                        "opened through jitcall".to_string()
                    } else {
                        format!("opened through jitcall for {}", symbols.join(", "))
                    };
                    Json::object([
                        ("soname", Json::Array(vec![Json::String(soname)])),
                        ("description", Json::String(description)),
                        ("priority", Json::str("recommended")),
                    ])
                })
                .collect(),
        )
        .pretty()
    }
}

/// The `bom-ref` of the running program.
const PROGRAM_REF: &str = "program";

/// A random version-4 UUID as a URN: from the standard library's per-process random
/// hash keys, the time and a counter (unique, not cryptographic; CycloneDX asks for
/// uniqueness only).
fn serial_number() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut bytes = [0u8; 16];
    for (i, half) in bytes.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_usize(i);
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex(&bytes);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Now, in UTC, as RFC 3339 (`2026-11-27T10:00:00Z`).
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Library;

    #[test]
    fn bindings_are_recorded_once_with_their_signatures() {
        let libm = Library::open("libm.so.6").unwrap();
        let sig: Signature = "double cos(double)".parse().unwrap();
        libm.function("cos", &sig).unwrap();
        libm.function("cos", &sig).unwrap();
        let l = ledger();
        let cos: Vec<_> = l
            .bindings
            .iter()
            .filter(|b| b.library == "libm.so.6" && b.requested == "cos")
            .collect();
        assert_eq!(cos.len(), 1);
        assert_eq!(cos[0].signatures, ["double (double)"]);
        let p = cos[0].provenance.as_ref().unwrap();
        assert_eq!(p.object.soname.as_deref(), Some("libm.so.6"));
        assert!(l.libraries.iter().any(|o| o.requested == "libm.so.6"
            && o.namespace == Some(0)
            && o.object.as_ref().is_some_and(|o| o.build_id.is_some())));
        let bom = l.cyclonedx(&mut |_| Some("00".repeat(32)));
        assert!(bom.contains("\"specVersion\": \"1.6\""));
        assert!(bom.contains("cos@@GLIBC_2.2.5"));
        assert!(l.dlopen_note().contains("\"libm.so.6\""));
    }

    #[test]
    fn timestamps_are_rfc3339() {
        let t = timestamp();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20") && t.ends_with('Z'));
        let s = serial_number();
        assert_eq!(s.len(), 45);
        assert_eq!(&s[23..24], "4");
    }
}
