//! Reads what a *loaded* ELF object says about itself — soname, GNU build-id, the
//! version of a symbol's definition — from the process's own memory, through the
//! program headers the dynamic loader hands to `dl_iterate_phdr`.
//!
//! Every read is bounds-checked against the object's readable `PT_LOAD` segments, and
//! all reading happens inside the `dl_iterate_phdr` callback, while glibc holds the
//! loader lock, so the object cannot be unloaded under us. This is deliberately not an
//! ELF parser: it reads the few dynamic-section tables the loader itself uses, of
//! objects the loader has already accepted. ELF *files* are read by the `jitcall-deps`
//! crate, with the `object` crate.

use std::ffi::{CStr, c_int, c_void};

/// The `p_type` of a loadable segment; `PT_DYNAMIC` and `PT_NOTE` come from `libc`.
const PT_LOAD: u32 = 1;
/// A segment's read permission.
const PF_R: u32 = 4;

// Dynamic-section tags (ELF gABI; the version tags are GNU's, from <elf.h>).
const DT_NULL: i64 = 0;
const DT_HASH: i64 = 4;
const DT_STRTAB: i64 = 5;
const DT_SYMTAB: i64 = 6;
const DT_STRSZ: i64 = 10;
const DT_SONAME: i64 = 14;
const DT_GNU_HASH: i64 = 0x6fff_fef5;
const DT_VERSYM: i64 = 0x6fff_fff0;
const DT_VERDEF: i64 = 0x6fff_fffc;
const DT_VERDEFNUM: i64 = 0x6fff_fffd;

/// `NT_GNU_BUILD_ID`, in a note named `GNU`.
const NT_GNU_BUILD_ID: u32 = 3;
/// An `Elf64_Sym` is 24 bytes: name, info, other, shndx, value, size.
const SYM_SIZE: usize = 24;
/// `STT_GNU_IFUNC`: the symbol's value is a resolver, not the function.
const STT_GNU_IFUNC: u8 = 10;
/// The hidden bit of a `.gnu.version` entry: a non-default version (`name@V`).
const VERSYM_HIDDEN: u16 = 0x8000;
/// Upper bounds on loops over loader tables, so a corrupt table cannot hang us.
const MAX_CHAIN: usize = 1 << 20;

/// What one loaded object says about itself.
#[derive(Debug, Default)]
pub(crate) struct ImageFacts {
    /// The name the loader knows it by (`l_name`): a path, or empty for the program.
    pub name: String,
    /// The load bias (`l_addr`).
    pub load_address: usize,
    pub soname: Option<String>,
    pub build_id: Option<Vec<u8>>,
    /// The definition of the symbol asked about, if one was asked about.
    pub definition: Option<Definition>,
}

/// A symbol's definition in the object's `.dynsym`.
#[derive(Debug)]
pub(crate) struct Definition {
    /// The version of the definition (`GLIBC_2.14`), if the object versions its symbols.
    pub version: Option<String>,
    /// Whether it is the default version (`name@@V`) rather than a hidden one (`name@V`).
    pub default: bool,
}

/// One readable range of the object, in process addresses.
#[derive(Clone, Copy)]
struct Range {
    start: usize,
    end: usize,
}

/// A loaded object's readable memory, as its program headers describe it.
struct Image {
    bias: usize,
    readable: Vec<Range>,
}

impl Image {
    /// `len` bytes at `addr`, if they lie inside one readable segment.
    fn bytes(&self, addr: usize, len: usize) -> Option<&[u8]> {
        let end = addr.checked_add(len)?;
        self.readable
            .iter()
            .find(|r| r.start <= addr && end <= r.end)?;
        // SAFETY: [addr, end) lies inside a PT_LOAD segment with PF_R of an object that
        // the loader keeps mapped while its lock is held (we are called from within
        // dl_iterate_phdr's callback, and the returned slice does not outlive `self`,
        // which lives only inside that callback). Bytes of a mapped segment are always
        // initialised (file contents or zero-filled).
        Some(unsafe { std::slice::from_raw_parts(addr as *const u8, len) })
    }

    fn u16(&self, addr: usize) -> Option<u16> {
        Some(u16::from_le_bytes(self.bytes(addr, 2)?.try_into().ok()?))
    }

    fn u32(&self, addr: usize) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(addr, 4)?.try_into().ok()?))
    }

    fn u64(&self, addr: usize) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(addr, 8)?.try_into().ok()?))
    }

    /// The NUL-terminated string at `addr`, without its NUL, within one segment.
    fn c_str(&self, addr: usize) -> Option<&[u8]> {
        let range = self
            .readable
            .iter()
            .find(|r| r.start <= addr && addr < r.end)?;
        let bytes = self.bytes(addr, range.end - addr)?;
        let nul = bytes.iter().position(|&b| b == 0)?;
        Some(&bytes[..nul])
    }

    /// A dynamic-section pointer as a process address. glibc relocates some of these
    /// entries in place (by the load bias) when `.dynamic` is writable and leaves others
    /// (`DT_VERDEF`) as link-time addresses: take whichever reading lands in the object.
    fn pointer(&self, value: u64) -> Option<usize> {
        let value = usize::try_from(value).ok()?;
        let inside = |a: usize| self.readable.iter().any(|r| r.start <= a && a < r.end);
        if inside(value) {
            Some(value)
        } else {
            let biased = value.checked_add(self.bias)?;
            inside(biased).then_some(biased)
        }
    }
}

/// The dynamic-section entries this module uses.
#[derive(Default)]
struct Dynamic {
    strtab: Option<usize>,
    strsz: Option<usize>,
    symtab: Option<usize>,
    hash: Option<usize>,
    gnu_hash: Option<usize>,
    versym: Option<usize>,
    verdef: Option<usize>,
    verdefnum: usize,
    soname: Option<usize>,
}

impl Dynamic {
    fn read(image: &Image, start: usize, size: usize) -> Dynamic {
        let mut d = Dynamic::default();
        let mut at = start;
        while at.saturating_add(16) <= start.saturating_add(size) {
            let (Some(tag), Some(value)) = (image.u64(at), image.u64(at + 8)) else {
                break;
            };
            let tag = tag as i64;
            match tag {
                DT_NULL => break,
                DT_STRTAB => d.strtab = image.pointer(value),
                DT_STRSZ => d.strsz = usize::try_from(value).ok(),
                DT_SYMTAB => d.symtab = image.pointer(value),
                DT_HASH => d.hash = image.pointer(value),
                DT_GNU_HASH => d.gnu_hash = image.pointer(value),
                DT_VERSYM => d.versym = image.pointer(value),
                DT_VERDEF => d.verdef = image.pointer(value),
                DT_VERDEFNUM => d.verdefnum = usize::try_from(value).unwrap_or(0),
                DT_SONAME => d.soname = usize::try_from(value).ok(),
                _ => {}
            }
            at += 16;
        }
        d
    }

    /// The string at `offset` in `.dynstr`.
    fn string<'a>(&self, image: &'a Image, offset: usize) -> Option<&'a [u8]> {
        if self.strsz.is_some_and(|size| offset >= size) {
            return None;
        }
        image.c_str(self.strtab?.checked_add(offset)?)
    }
}

/// A `.dynsym` entry's fields this module uses.
struct Sym {
    name: u32,
    kind: u8,
    shndx: u16,
    value: u64,
}

fn symbol(image: &Image, dynamic: &Dynamic, index: usize) -> Option<Sym> {
    let at = dynamic.symtab?.checked_add(index.checked_mul(SYM_SIZE)?)?;
    let bytes = image.bytes(at, SYM_SIZE)?;
    Some(Sym {
        name: u32::from_le_bytes(bytes[0..4].try_into().ok()?),
        kind: bytes[4] & 0xf,
        shndx: u16::from_le_bytes(bytes[6..8].try_into().ok()?),
        value: u64::from_le_bytes(bytes[8..16].try_into().ok()?),
    })
}

/// The indices of the `.dynsym` entries that may be named `name`, from the GNU hash
/// table (preferred: every modern object has one) or the SysV one.
fn candidates(image: &Image, dynamic: &Dynamic, name: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    if let Some(table) = dynamic.gnu_hash {
        // The GNU hash table: nbuckets, symoffset, bloom_size, bloom_shift, the bloom
        // words (8 bytes each on ELF64), the buckets, then one chain word per symbol
        // from symoffset on, whose low bit ends a chain.
        let hash = name.iter().fold(5381u32, |h, &c| {
            h.wrapping_mul(33).wrapping_add(u32::from(c))
        });
        let (Some(nbuckets), Some(symoffset), Some(bloom_size)) =
            (image.u32(table), image.u32(table + 4), image.u32(table + 8))
        else {
            return found;
        };
        if nbuckets == 0 {
            return found;
        }
        let buckets = table + 16 + bloom_size as usize * 8;
        let chains = buckets + nbuckets as usize * 4;
        let Some(mut index) = image.u32(buckets + (hash % nbuckets) as usize * 4) else {
            return found;
        };
        if index < symoffset {
            return found;
        }
        for _ in 0..MAX_CHAIN {
            let Some(h) = image.u32(chains + (index - symoffset) as usize * 4) else {
                break;
            };
            if h | 1 == hash | 1 {
                found.push(index as usize);
            }
            if h & 1 == 1 {
                break;
            }
            index += 1;
        }
    } else if let Some(table) = dynamic.hash {
        // The SysV hash table: nbucket, nchain, buckets, chains; index 0 ends a chain.
        let hash = name.iter().fold(0u32, |h, &c| {
            let h = (h << 4).wrapping_add(u32::from(c));
            let g = h & 0xf000_0000;
            (h ^ (g >> 24)) & !g
        });
        let (Some(nbucket), Some(nchain)) = (image.u32(table), image.u32(table + 4)) else {
            return found;
        };
        if nbucket == 0 {
            return found;
        }
        let chains = table + 8 + nbucket as usize * 4;
        let mut index = image.u32(table + 8 + (hash % nbucket) as usize * 4);
        let mut steps = 0;
        while let Some(i) = index.filter(|&i| i != 0 && i < nchain && steps < MAX_CHAIN) {
            found.push(i as usize);
            index = image.u32(chains + i as usize * 4);
            steps += 1;
        }
    }
    found
}

/// The name of version index `index` in `.gnu.version_d`.
fn version_name(image: &Image, dynamic: &Dynamic, index: u16) -> Option<String> {
    // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32,
    // vd_aux u32, vd_next u32; its first Elf64_Verdaux (vda_name u32, vda_next u32) at
    // vd_aux names the version.
    let mut at = dynamic.verdef?;
    for _ in 0..dynamic.verdefnum.min(MAX_CHAIN) {
        let ndx = image.u16(at + 4)?;
        if ndx == index {
            let aux = at.checked_add(image.u32(at + 12)? as usize)?;
            let name = dynamic.string(image, image.u32(aux)? as usize)?;
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        let next = image.u32(at + 16)? as usize;
        if next == 0 {
            break;
        }
        at = at.checked_add(next)?;
    }
    None
}

/// The definition of `name` that the loader bound at `address`: among the defined
/// `.dynsym` entries of that name, the one whose version is `version` when one was
/// asked for, else the one at `address` (not for IFUNCs, whose value is their
/// resolver), else the default (non-hidden) one, as `dlsym` picks it.
fn definition(
    image: &Image,
    dynamic: &Dynamic,
    name: &str,
    version: Option<&str>,
    address: usize,
) -> Option<Definition> {
    let mut defs = Vec::new();
    for index in candidates(image, dynamic, name.as_bytes()) {
        let Some(sym) = symbol(image, dynamic, index) else {
            continue;
        };
        if sym.shndx == 0 || dynamic.string(image, sym.name as usize) != Some(name.as_bytes()) {
            continue;
        }
        let versym = dynamic
            .versym
            .and_then(|v| image.u16(v.checked_add(index.checked_mul(2)?)?));
        let version = versym.and_then(|v| {
            let ndx = v & !VERSYM_HIDDEN;
            // Index 0 is local, 1 the object's unversioned global scope.
            (ndx > 1)
                .then(|| version_name(image, dynamic, ndx))
                .flatten()
        });
        let at = usize::try_from(sym.value)
            .ok()
            .and_then(|v| v.checked_add(image.bias));
        defs.push((
            Definition {
                version,
                default: versym.is_none_or(|v| v & VERSYM_HIDDEN == 0),
            },
            sym.kind != STT_GNU_IFUNC && at == Some(address),
        ));
    }
    let pick = match version {
        Some(v) => defs
            .iter()
            .position(|(d, _)| d.version.as_deref() == Some(v)),
        // Aliases may share an address: the default version first.
        None => defs
            .iter()
            .position(|(d, exact)| *exact && d.default)
            .or_else(|| defs.iter().position(|(_, exact)| *exact))
            .or_else(|| defs.iter().position(|(d, _)| d.default)),
    };
    pick.map(|i| defs.swap_remove(i).0)
}

/// The GNU build-id from the object's `PT_NOTE` segments.
fn build_id(image: &Image, notes: &[(usize, usize, usize)]) -> Option<Vec<u8>> {
    for &(start, size, align) in notes {
        let align = if align == 8 { 8 } else { 4 };
        let end = start.checked_add(size)?;
        let mut at = start;
        while at.checked_add(12)? <= end {
            let namesz = image.u32(at)? as usize;
            let descsz = image.u32(at + 4)? as usize;
            let kind = image.u32(at + 8)?;
            let name_at = at + 12;
            let desc_at = name_at.checked_add(namesz.checked_next_multiple_of(align)?)?;
            let next = desc_at.checked_add(descsz.checked_next_multiple_of(align)?)?;
            if next > end {
                break;
            }
            if kind == NT_GNU_BUILD_ID && image.bytes(name_at, namesz)? == b"GNU\0" {
                return Some(image.bytes(desc_at, descsz)?.to_vec());
            }
            at = next;
        }
    }
    None
}

/// What the `dl_iterate_phdr` callback looks for, and what it found.
struct Search<'a> {
    address: usize,
    symbol: Option<(&'a str, Option<&'a str>)>,
    found: Option<ImageFacts>,
}

/// The loaded object whose segments contain `address` (as `dladdr` finds it), its
/// soname and build-id, and — when `symbol` is given as (name, version) — the
/// definition of that symbol bound at `address`.
pub(crate) fn describe(address: usize, symbol: Option<(&str, Option<&str>)>) -> Option<ImageFacts> {
    let mut search = Search {
        address,
        symbol,
        found: None,
    };
    // SAFETY: the callback matches dl_iterate_phdr's contract (it reads `info` only
    // during the call) and `data` points to `search`, alive and exclusively ours for the
    // whole call.
    unsafe { libc::dl_iterate_phdr(Some(visit), (&raw mut search).cast()) };
    search.found
}

/// `dl_iterate_phdr`'s callback: returns 1 (stop) once the object is found.
///
/// # Safety
///
/// `info` must point to a valid `dl_phdr_info` for the duration of the call, with
/// `dlpi_phdr` pointing to `dlpi_phnum` program headers, and `data` to a `Search` —
/// as `describe` arranges, and as glibc guarantees inside `dl_iterate_phdr`.
unsafe extern "C" fn visit(
    info: *mut libc::dl_phdr_info,
    _size: usize,
    data: *mut c_void,
) -> c_int {
    // SAFETY: per this function's contract.
    let (info, search) = unsafe { (&*info, &mut *data.cast::<Search>()) };
    let bias = info.dlpi_addr as usize;
    let phdrs: &[libc::Elf64_Phdr] = if info.dlpi_phdr.is_null() || info.dlpi_phnum == 0 {
        &[]
    } else {
        // SAFETY: glibc passes dlpi_phnum program headers at dlpi_phdr, mapped as long
        // as the object is, which it is while the callback runs.
        unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) }
    };
    let segment = |p: &libc::Elf64_Phdr| {
        let start = bias.checked_add(usize::try_from(p.p_vaddr).ok()?)?;
        Some(Range {
            start,
            end: start.checked_add(usize::try_from(p.p_memsz).ok()?)?,
        })
    };
    let loads = phdrs.iter().filter(|p| p.p_type == PT_LOAD);
    if !loads
        .clone()
        .filter_map(segment)
        .any(|r| r.start <= search.address && search.address < r.end)
    {
        return 0;
    }
    let image = Image {
        bias,
        readable: loads
            .filter(|p| p.p_flags & PF_R != 0)
            .filter_map(segment)
            .collect(),
    };
    let name = if info.dlpi_name.is_null() {
        String::new()
    } else {
        // SAFETY: a non-null dlpi_name is the loader's NUL-terminated l_name.
        unsafe { CStr::from_ptr(info.dlpi_name) }
            .to_string_lossy()
            .into_owned()
    };
    let mut facts = ImageFacts {
        name,
        load_address: bias,
        ..ImageFacts::default()
    };
    let notes: Vec<(usize, usize, usize)> = phdrs
        .iter()
        .filter(|p| p.p_type == libc::PT_NOTE)
        .filter_map(|p| {
            let r = segment(p)?;
            Some((r.start, r.end - r.start, p.p_align as usize))
        })
        .collect();
    facts.build_id = build_id(&image, &notes);
    if let Some(r) = phdrs
        .iter()
        .find(|p| p.p_type == libc::PT_DYNAMIC)
        .and_then(segment)
    {
        let dynamic = Dynamic::read(&image, r.start, r.end - r.start);
        facts.soname = dynamic
            .soname
            .and_then(|o| dynamic.string(&image, o))
            .map(|s| String::from_utf8_lossy(s).into_owned());
        if let Some((name, version)) = search.symbol {
            facts.definition = definition(&image, &dynamic, name, version, search.address);
        }
    }
    search.found = Some(facts);
    1
}
