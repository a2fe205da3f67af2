//! What an ELF shared object or executable declares it needs, read from the file
//! without loading it: `DT_NEEDED` (and the tree of files they resolve to, as `lddtree`
//! shows it), `DT_RPATH`/`DT_RUNPATH`, its soname and GNU build-id, and the entries of
//! its `.note.dlopen` (the libraries it will `dlopen`: ELF dlopen metadata, note owner
//! `FDO`, type `0x407c0c0a`) and `.note.package` (owner `FDO`, type `0xcafe1a7e`) notes.
//!
//! ELF is read by the `object` crate; this crate only picks out what it needs. A
//! malformed or truncated file is an [`Error`], never a panic (see the fuzz target
//! `elf_deps` and the truncation tests). It does not look at what a *running*
//! process loaded: that is `jitcall::provenance`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use object::elf;
use object::read::elf::{FileHeader, NoteIterator, ProgramHeader, SectionHeader};
use object::{Endianness, FileKind};
use std::path::{Path, PathBuf};

/// The owner of the freedesktop.org notes.
const FDO: &[u8] = b"FDO";

/// The JSON library the note payloads are read with, for callers that print them.
pub use serde_json;
/// `.note.dlopen`'s note type.
pub const NT_FDO_DLOPEN_METADATA: u32 = 0x407c_0c0a;
/// `.note.package`'s note type.
pub const NT_FDO_PACKAGING_METADATA: u32 = 0xcafe_1a7e;

/// Why a file could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The bytes are not an ELF file, or not one that can be read.
    Malformed(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Malformed(why) => write!(f, "not a readable ELF file: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Malformed(_) => None,
        }
    }
}

fn malformed(e: object::read::Error) -> Error {
    Error::Malformed(e.to_string())
}

/// One entry of a `.note.dlopen` note, and the JSON it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct DlopenEntry {
    /// The sonames, any one of which provides the feature.
    pub soname: Vec<String>,
    /// The feature they provide, if named.
    pub feature: Option<String>,
    /// What the feature is for.
    pub description: Option<String>,
    /// `required`, `recommended` or `suggested`; `None` if not given (the spec's
    /// default is `recommended`).
    pub priority: Option<String>,
    /// The entry as written.
    pub json: serde_json::Value,
}

/// What an ELF file declares.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Declared {
    /// 32 or 64.
    pub class: u8,
    /// `e_machine` (62 is x86-64).
    pub machine: u16,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// The GNU build-id.
    pub build_id: Option<Vec<u8>>,
    /// `DT_NEEDED`, in order.
    pub needed: Vec<String>,
    /// `DT_RPATH`, split at `:`.
    pub rpath: Vec<String>,
    /// `DT_RUNPATH`, split at `:`.
    pub runpath: Vec<String>,
    /// `PT_INTERP`: the program interpreter.
    pub interpreter: Option<String>,
    /// The entries of every `.note.dlopen` note, in order.
    pub dlopen: Vec<DlopenEntry>,
    /// The payload of each `.note.package` note.
    pub packages: Vec<serde_json::Value>,
    /// Notes that could not be read (a payload that is not the JSON the spec asks for).
    pub warnings: Vec<String>,
}

impl Declared {
    /// The build-id in lower-case hex, as `readelf -n` prints it.
    pub fn build_id_hex(&self) -> Option<String> {
        self.build_id
            .as_ref()
            .map(|id| id.iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Reads what the ELF file in `data` declares.
pub fn read(data: &[u8]) -> Result<Declared, Error> {
    match FileKind::parse(data).map_err(malformed)? {
        FileKind::Elf32 => read_elf::<elf::FileHeader32<Endianness>>(data, 32),
        FileKind::Elf64 => read_elf::<elf::FileHeader64<Endianness>>(data, 64),
        _ => Err(Error::Malformed("not an ELF file".into())),
    }
}

/// Reads what the ELF file at `path` declares.
pub fn read_file(path: &Path) -> Result<Declared, Error> {
    let data = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    read(&data)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read_elf<Elf: FileHeader<Endian = Endianness>>(
    data: &[u8],
    class: u8,
) -> Result<Declared, Error> {
    let header = Elf::parse(data).map_err(malformed)?;
    let endian = header.endian().map_err(malformed)?;
    let mut out = Declared {
        class,
        machine: header.e_machine(endian).0,
        ..Declared::default()
    };
    let sections = header.sections(endian, data).map_err(malformed)?;
    let segments = header.program_headers(endian, data).map_err(malformed)?;
    for segment in segments {
        if segment.p_type(endian) == elf::PT_INTERP {
            let bytes = segment.data(endian, data).map_err(|()| {
                Error::Malformed("the PT_INTERP segment lies outside the file".into())
            })?;
            out.interpreter = Some(text(bytes.split(|&b| b == 0).next().unwrap_or(bytes)));
        }
    }

    // The dynamic section, from the section table (where its string table is linked). A
    // file without section headers (sstrip'd) shows no dynamic entries: finding the
    // string table by address through the segments is not done (yet).
    let dynamic = sections.dynamic_table(endian, data).map_err(malformed)?;
    for d in dynamic.iter() {
        let string = || dynamic.string(d).map(text).map_err(malformed);
        match d.tag {
            elf::DT_NEEDED => out.needed.push(string()?),
            elf::DT_SONAME => out.soname = Some(string()?),
            elf::DT_RPATH => out.rpath.extend(string()?.split(':').map(str::to_string)),
            elf::DT_RUNPATH => out.runpath.extend(string()?.split(':').map(str::to_string)),
            _ => {}
        }
    }
    // Notes: from note sections, or from PT_NOTE segments when there are none.
    let mut any_section_notes = false;
    for section in sections.iter() {
        if let Some(notes) = section.notes(endian, data).map_err(malformed)? {
            any_section_notes = true;
            read_notes(notes, endian, &mut out)?;
        }
    }
    if !any_section_notes {
        for segment in segments {
            if let Some(notes) = segment.notes(endian, data).map_err(malformed)? {
                read_notes(notes, endian, &mut out)?;
            }
        }
    }
    Ok(out)
}

fn read_notes<Elf: FileHeader<Endian = Endianness>>(
    mut notes: NoteIterator<'_, Elf>,
    endian: Endianness,
    out: &mut Declared,
) -> Result<(), Error> {
    while let Some(note) = notes.next().map_err(malformed)? {
        let kind = note.n_type(endian).0;
        let name = note.name();
        if name == elf::ELF_NOTE_GNU && kind == elf::NT_GNU_BUILD_ID.0 {
            out.build_id = Some(note.desc().to_vec());
        } else if name == FDO && kind == NT_FDO_DLOPEN_METADATA {
            match json_payload(note.desc()) {
                Ok(serde_json::Value::Array(entries)) => {
                    for json in entries {
                        match dlopen_entry(json) {
                            Ok(entry) => out.dlopen.push(entry),
                            Err(why) => out.warnings.push(format!(".note.dlopen: {why}")),
                        }
                    }
                }
                Ok(_) => out
                    .warnings
                    .push(".note.dlopen: the payload is not a JSON array".into()),
                Err(why) => out.warnings.push(format!(".note.dlopen: {why}")),
            }
        } else if name == FDO && kind == NT_FDO_PACKAGING_METADATA {
            match json_payload(note.desc()) {
                Ok(json) => out.packages.push(json),
                Err(why) => out.warnings.push(format!(".note.package: {why}")),
            }
        }
    }
    Ok(())
}

/// A note's JSON payload: text, NUL-terminated and NUL-padded.
fn json_payload(desc: &[u8]) -> Result<serde_json::Value, String> {
    let end = desc.iter().position(|&b| b == 0).unwrap_or(desc.len());
    serde_json::from_slice(&desc[..end]).map_err(|e| format!("the payload is not JSON: {e}"))
}

fn dlopen_entry(json: serde_json::Value) -> Result<DlopenEntry, String> {
    let field = |key: &str| -> Result<Option<String>, String> {
        match json.get(key) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("`{key}` is not a string")),
        }
    };
    let soname = match json.get("soname") {
        Some(serde_json::Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or("`soname` holds something other than strings")?,
        _ => return Err("an entry without a `soname` list".into()),
    };
    Ok(DlopenEntry {
        soname,
        feature: field("feature")?,
        description: field("description")?,
        priority: field("priority")?,
        json,
    })
}

/// One node of the dependency tree.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Node {
    /// The `DT_NEEDED` name.
    pub name: String,
    /// The file it resolves to, if found.
    pub path: Option<PathBuf>,
    /// Its own dependencies; empty when `repeated`.
    pub needed: Vec<Node>,
    /// Already shown higher up the tree (its dependencies are not repeated).
    pub repeated: bool,
}

/// Where the dynamic loader would look, as far as a file alone tells: the requester's
/// `DT_RPATH` (and its ancestors', when it has no `DT_RUNPATH`), `LD_LIBRARY_PATH`,
/// `DT_RUNPATH`, the directories of /etc/ld.so.conf, then the default directories.
struct Search {
    library_path: Vec<PathBuf>,
    system: Vec<PathBuf>,
}

impl Search {
    fn new() -> Search {
        let library_path = std::env::var_os("LD_LIBRARY_PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        let mut system = Vec::new();
        ld_so_conf(Path::new("/etc/ld.so.conf"), &mut system, 0);
        for dir in [
            "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
        ] {
            let dir = PathBuf::from(dir);
            if !system.contains(&dir) {
                system.push(dir);
            }
        }
        Search {
            library_path,
            system,
        }
    }
}

/// The directories of an ld.so.conf file, following `include` lines (globs of the form
/// `dir/*.conf` only).
fn ld_so_conf(path: &Path, dirs: &mut Vec<PathBuf>, depth: usize) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    if depth > 8 {
        return;
    }
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(pattern) = line.strip_prefix("include") {
            let pattern = pattern.trim();
            let (dir, suffix) = match pattern.rsplit_once("/*") {
                Some((dir, suffix)) => (dir, suffix),
                None => {
                    ld_so_conf(Path::new(pattern), dirs, depth + 1);
                    continue;
                }
            };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.to_string_lossy().ends_with(suffix))
                .collect();
            files.sort();
            for f in files {
                ld_so_conf(&f, dirs, depth + 1);
            }
        } else if !line.is_empty() {
            let dir = PathBuf::from(line);
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
}

/// `$ORIGIN` (and `${ORIGIN}`) in a path list entry: the requester's directory.
fn expand_origin(entry: &str, requester: &Path) -> PathBuf {
    let origin = requester
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".".into());
    PathBuf::from(
        entry
            .replace("${ORIGIN}", &origin)
            .replace("$ORIGIN", &origin),
    )
}

/// The dependency tree of the file at `path`: each `DT_NEEDED` name, the file it
/// resolves to (a readable ELF file of the same class and machine), and its own
/// dependencies; each file's dependencies are listed once, at its first appearance.
pub fn tree(path: &Path) -> Result<Vec<Node>, Error> {
    let root = read_file(path)?;
    let search = Search::new();
    let mut seen = Vec::new();
    let mut rpaths = Vec::new();
    Ok(needed_of(
        path,
        &root,
        (root.class, root.machine),
        &search,
        &mut rpaths,
        &mut seen,
    ))
}

fn needed_of(
    path: &Path,
    declared: &Declared,
    kind: (u8, u16),
    search: &Search,
    rpaths: &mut Vec<PathBuf>,
    seen: &mut Vec<PathBuf>,
) -> Vec<Node> {
    // DT_RPATH accumulates down the tree unless an object has DT_RUNPATH.
    let pushed = if declared.runpath.is_empty() {
        let dirs: Vec<PathBuf> = declared
            .rpath
            .iter()
            .map(|e| expand_origin(e, path))
            .collect();
        let n = dirs.len();
        rpaths.extend(dirs);
        n
    } else {
        0
    };
    let mut dirs: Vec<PathBuf> = if declared.runpath.is_empty() {
        rpaths.iter().rev().cloned().collect()
    } else {
        Vec::new()
    };
    dirs.extend(search.library_path.iter().cloned());
    dirs.extend(declared.runpath.iter().map(|e| expand_origin(e, path)));
    dirs.extend(search.system.iter().cloned());

    let mut nodes = Vec::new();
    for name in &declared.needed {
        let found = if name.contains('/') {
            Some(PathBuf::from(name)).filter(|p| matches(p, kind).is_some())
        } else {
            dirs.iter()
                .map(|d| d.join(name))
                .find(|p| matches(p, kind).is_some())
        };
        let mut node = Node {
            name: name.clone(),
            path: found.clone(),
            needed: Vec::new(),
            repeated: false,
        };
        if let Some(p) = found {
            let real = std::fs::canonicalize(&p).unwrap_or(p.clone());
            if seen.contains(&real) {
                node.repeated = true;
            } else {
                seen.push(real);
                if let Some(child) = matches(&p, kind) {
                    node.needed = needed_of(&p, &child, kind, search, rpaths, seen);
                }
            }
        }
        nodes.push(node);
    }
    rpaths.truncate(rpaths.len() - pushed);
    nodes
}

/// What `path` declares, if it is an ELF file of the given class and machine.
fn matches(path: &Path, kind: (u8, u16)) -> Option<Declared> {
    if !path.is_file() {
        return None;
    }
    read_file(path)
        .ok()
        .filter(|d| (d.class, d.machine) == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_elf_is_an_error() {
        assert!(matches!(read(b""), Err(Error::Malformed(_))));
        assert!(matches!(read(b"#!/bin/sh\n"), Err(Error::Malformed(_))));
        assert!(read(b"\x7fELF").is_err());
    }

    #[test]
    fn libz_needs_libc() {
        let d = read_file(Path::new("/lib/x86_64-linux-gnu/libz.so.1")).unwrap();
        assert_eq!(d.soname.as_deref(), Some("libz.so.1"));
        assert!(d.needed.iter().any(|n| n == "libc.so.6"));
        assert!(d.build_id.is_some());
        let t = tree(Path::new("/lib/x86_64-linux-gnu/libz.so.1")).unwrap();
        let libc = t.iter().find(|n| n.name == "libc.so.6").unwrap();
        assert!(libc.path.is_some());
    }

    /// Every prefix of a real library, and a few corruptions of it, reads or fails
    /// cleanly.
    #[test]
    fn truncated_and_corrupted_files_never_panic() {
        let data = std::fs::read("/lib/x86_64-linux-gnu/libz.so.1").unwrap();
        let mut cuts: Vec<usize> = (0..256).collect();
        cuts.extend((256..data.len()).step_by(509));
        for cut in cuts {
            let _ = read(&data[..cut]);
        }
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut copy = data.clone();
            for _ in 0..8 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                // Aim at the headers and tables, where the structure is.
                let at =
                    (rng as usize) % copy.len().min(if rng & 1 == 0 { 4096 } else { usize::MAX });
                copy[at] = (rng >> 32) as u8;
            }
            let _ = read(&copy);
        }
    }
}
