//! `-l z` as the linker reads `-lz`: the short name of a library, found as `libz.so`
//! (the development link) or else the highest `libz.so.N` in the usual library
//! directories.
//!
//! A name with a '/' or a `.so` in it is already a path or a soname and is left to the
//! dynamic loader, as before. This finds a file; it does not open it.

use std::path::{Path, PathBuf};

/// The directories searched, after those of `LD_LIBRARY_PATH`, in the order the linker
/// and the loader search them on Debian-like and other x86-64 systems.
const SYSTEM_DIRS: &[&str] = &[
    "/usr/local/lib/x86_64-linux-gnu",
    "/usr/local/lib",
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];

/// What `-l NAME` opens: NAME itself when it is a path or a soname, else the file the
/// linker would take for `-lNAME`. The error says which files were looked for, where.
pub fn find(name: &str) -> Result<String, String> {
    if name.contains('/') || name.contains(".so") || name.is_empty() {
        return Ok(name.to_string());
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.retain(|d| !d.as_os_str().is_empty());
    dirs.extend(SYSTEM_DIRS.iter().map(PathBuf::from));
    let link = format!("lib{name}.so");
    for dir in &dirs {
        let path = dir.join(&link);
        // libc.so and libm.so are linker scripts, which the loader cannot open: the
        // versioned file next to them is the library.
        if is_elf(&path) {
            return Ok(path.display().to_string());
        }
        if let Some(versioned) = highest_version(dir, &link) {
            return Ok(versioned.display().to_string());
        }
    }
    Err(format!(
        "-l {name}: no {link} or {link}.N in {}",
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// The ELF file `LINK.N[.M...]` in `dir` with the highest version, compared number by
/// number (`libz.so.1.3.1` over `libz.so.1.2.13`).
fn highest_version(dir: &Path, link: &str) -> Option<PathBuf> {
    let prefix = format!("{link}.");
    let mut best: Option<(Vec<u64>, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let file = entry.file_name();
        let Some(version) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let Ok(numbers) = version
            .split('.')
            .map(str::parse::<u64>)
            .collect::<Result<Vec<u64>, _>>()
        else {
            continue;
        };
        let path = entry.path();
        if best.as_ref().is_none_or(|(b, _)| numbers > *b) && is_elf(&path) {
            best = Some((numbers, path));
        }
    }
    best.map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_sonames_are_kept() {
        assert_eq!(find("libm.so.6").unwrap(), "libm.so.6");
        assert_eq!(find("./libfoo.so").unwrap(), "./libfoo.so");
    }

    #[test]
    fn a_short_name_finds_the_library_not_its_linker_script() {
        // libm.so is a linker script on glibc systems; libm.so.6 is the library.
        let m = find("m").unwrap();
        assert!(m.ends_with("libm.so.6"), "{m}");
        assert!(is_elf(Path::new(&m)));
    }

    #[test]
    fn the_highest_version_wins_number_by_number() {
        let dir = std::env::temp_dir().join(format!("jitcall-libname-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "libfoo.so.1.2",
            "libfoo.so.1.10",
            "libfoo.so.1",
            "libfoo.so.2.x",
        ] {
            std::fs::write(dir.join(name), b"\x7fELF").unwrap();
        }
        // Not ELF: skipped whatever its version.
        std::fs::write(dir.join("libfoo.so.9"), b"GROUP ( libfoo.so.1 )").unwrap();
        let best = highest_version(&dir, "libfoo.so");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(best.unwrap().file_name().unwrap(), "libfoo.so.1.10");
    }

    #[test]
    fn an_unknown_name_says_what_was_tried() {
        let e = find("no_such_library_here").unwrap_err();
        assert!(e.contains("libno_such_library_here.so"), "{e}");
        assert!(e.contains("/usr/lib"), "{e}");
    }
}
