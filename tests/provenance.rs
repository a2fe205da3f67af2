//! Provenance end to end, with `readelf` (binutils) as the oracle: `jitcall which`
//! (object, soname, build-id, symbol version, versioned binding), `jitcall deps` (on a
//! fixture gcc builds with `.note.dlopen` and `.note.package` notes, and on the
//! system's libraries), and `call --ledger`'s CycloneDX, validated against the
//! CycloneDX 1.6 JSON schema (tests/schema/cyclonedx, validated by Python's
//! `jsonschema`, which .ci/run installs).

mod common;

use common::cli::jitcall;
use common::{ScratchDir, build_shared};
use jitcall_deps::serde_json::{self, Value};
use std::path::Path;
use std::process::Command;

const LIBC: &str = "/lib/x86_64-linux-gnu/libc.so.6";
const LIBZ: &str = "/lib/x86_64-linux-gnu/libz.so.1";
const LIBM: &str = "/lib/x86_64-linux-gnu/libm.so.6";

fn readelf(args: &[&str], file: &Path) -> String {
    let out = Command::new("readelf")
        .args(args)
        .arg(file)
        .output()
        .expect("run readelf (binutils)");
    // binutils 2.40 exits 1 after printing a note of a type it does not know
    // (.note.dlopen's): its output is still complete.
    assert!(
        out.status.success() || args.contains(&"-n"),
        "readelf {args:?} {}",
        file.display()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `readelf -n`'s build-id.
fn build_id(file: &Path) -> Option<String> {
    readelf(&["-n", "-W"], file)
        .lines()
        .find_map(|l| Some(l.split_once("Build ID: ")?.1.trim().to_string()))
}

/// `readelf -d`'s entries of one kind (`NEEDED`, `SONAME`, `RUNPATH`), the text in [].
fn dynamic(file: &Path, kind: &str) -> Vec<String> {
    readelf(&["-d", "-W"], file)
        .lines()
        .filter(|l| l.contains(&format!("({kind})")))
        .filter_map(|l| Some(l[l.find('[')? + 1..l.rfind(']')?].to_string()))
        .collect()
}

/// `readelf --dyn-syms` entries of `name`: (value, type, name@VERSION or name@@VERSION).
fn dynsyms(file: &Path, name: &str) -> Vec<(u64, String, String)> {
    readelf(&["--dyn-syms", "-W"], file)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // Num: Value Size Type Bind Vis Ndx Name
            if f.len() < 8 || f[6] == "UND" {
                return None;
            }
            let sym = f[7];
            let base = sym.split('@').next()?;
            (base == name).then(|| {
                (
                    u64::from_str_radix(f[1], 16).unwrap_or(0),
                    f[3].to_string(),
                    sym.to_string(),
                )
            })
        })
        .collect()
}

fn which(args: &[&str]) -> Value {
    let mut all = vec!["which", "--json"];
    all.extend_from_slice(args);
    let run = jitcall(&all);
    assert_eq!(run.code, 0, "jitcall {all:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("which --json prints JSON")
}

fn hex(v: &Value) -> u64 {
    let s = v.as_str().expect("a hex string");
    u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex")
}

/// `which` against readelf: the object's soname and build-id, and the symbol's
/// version (and, for non-IFUNC symbols, its address) among its `.dynsym` entries.
#[test]
fn which_agrees_with_readelf() {
    // (libraries searched, symbol, soname expected, readelf's versioned name)
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (&[], "memcpy", "libc.so.6", "memcpy@@GLIBC_2.14"),
        (&[], "memcpy@GLIBC_2.2.5", "libc.so.6", "memcpy@GLIBC_2.2.5"),
        (&[], "memcpy@@GLIBC_2.14", "libc.so.6", "memcpy@@GLIBC_2.14"),
        // Found through libz's handle, provided by libc.
        (&["libz.so.1"], "strlen", "libc.so.6", "strlen@@GLIBC_2.2.5"),
        (
            &["libz.so.1"],
            "deflateGetDictionary",
            "libz.so.1",
            "deflateGetDictionary@@ZLIB_1.2.9",
        ),
        (&["libz.so.1"], "zlibVersion", "libz.so.1", "zlibVersion"),
        (&["libm.so.6"], "cos", "libm.so.6", "cos@@GLIBC_2.2.5"),
    ];
    for &(libs, symbol, soname, versioned) in cases {
        let mut args: Vec<&str> = libs.iter().flat_map(|l| ["-l", l]).collect();
        args.push(symbol);
        let w = which(&args);
        let object = &w["object"];
        let path = Path::new(object["path"].as_str().expect("a path"));
        assert_eq!(object["soname"], soname, "{symbol}");
        assert_eq!(dynamic(path, "SONAME"), [soname], "{symbol}");
        assert_eq!(
            object["build_id"].as_str(),
            build_id(path).as_deref(),
            "{symbol}"
        );
        let name = symbol.split('@').next().unwrap();
        let entries = dynsyms(path, name);
        let (value, kind, _) = entries
            .iter()
            .find(|(_, _, v)| v == versioned)
            .unwrap_or_else(|| panic!("readelf has no {versioned}: {entries:?}"));
        let expected_version = versioned.split('@').find(|s| !s.is_empty() && *s != name);
        assert_eq!(w["version"].as_str(), expected_version, "{symbol}");
        assert_eq!(
            w["default_version"],
            versioned.contains("@@") || !versioned.contains('@')
        );
        if kind != "IFUNC" {
            let offset = hex(&w["address"]) - hex(&object["load_address"]);
            assert_eq!(offset, *value, "{symbol}: address - load address");
        }
        if let Ok(out) = Command::new("sha256sum").arg(path).output() {
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(object["sha256"].as_str(), text.split_whitespace().next());
        }
    }
}

/// The old memcpy is another function than today's (the offsets within libc differ:
/// the addresses themselves move with ASLR from run to run).
#[test]
fn versioned_binding_binds_the_old_memcpy() {
    let offset = |w: &Value| hex(&w["address"]) - hex(&w["object"]["load_address"]);
    let new = which(&["memcpy"]);
    let old = which(&["memcpy@GLIBC_2.2.5"]);
    assert_ne!(offset(&new), offset(&old));
    let run = jitcall(&["which", "memcpy@GLIBC_1.0"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("memcpy@GLIBC_1.0"), "{}", run.stderr);
    // `call --fn NAME@VERSION` binds that version (the ledger names it).
    let dir = ScratchDir::new("fnversion");
    let bom = dir.join("bom.json");
    let run = jitcall(&[
        "call",
        "--ledger",
        bom.to_str().unwrap(),
        "--fn",
        "strlen@GLIBC_2.2.5",
        "unsigned long strlen(const char *)",
        "\"hello\"",
    ]);
    assert_eq!((run.code, run.stdout.trim()), (0, "5"), "{}", run.stderr);
    let text = std::fs::read_to_string(&bom).unwrap();
    assert!(text.contains("strlen@@GLIBC_2.2.5"), "{text}");
    let run = jitcall(&[
        "call",
        "--fn",
        "strlen@NOPE_1",
        "unsigned long strlen(const char *)",
        "\"x\"",
    ]);
    assert_eq!(run.code, 2);
    // A declaration's `__asm__` label may name a version too: the old memcpy is bound.
    let bom = dir.join("asm.json");
    let run = jitcall(&[
        "call",
        "--ledger",
        bom.to_str().unwrap(),
        "void *old_memcpy(void *, const void *, unsigned long) __asm__(\"memcpy@GLIBC_2.2.5\")",
        "NULL",
        "NULL",
        "0",
    ]);
    assert_eq!((run.code, run.stdout.trim()), (0, "NULL"), "{}", run.stderr);
    let text = std::fs::read_to_string(&bom).unwrap();
    assert!(text.contains("memcpy@GLIBC_2.2.5"), "{text}");
    assert!(!text.contains("GLIBC_2.14"), "{text}");
}

/// A fixture with DT_NEEDED, a RUNPATH, a build-id, a `.note.dlopen` note and a
/// `.note.package` note, built by gcc.
fn note_fixture(dir: &Path) -> std::path::PathBuf {
    let dlopen = r#"[{"soname":["libz.so.1"],"feature":"compression","description":"gzip support","priority":"recommended"},{"soname":["libfoo.so.2","libfoo.so.1"],"priority":"suggested"}]"#;
    let package = r#"{"type":"deb","name":"fixture","version":"1.0"}"#;
    // An ELF note: namesz, descsz, type, "FDO\0", then the payload NUL-padded to 4.
    let note = |name: &str, kind: &str, payload: &str| {
        let mut desc = payload.as_bytes().to_vec();
        desc.push(0);
        while !desc.len().is_multiple_of(4) {
            desc.push(0);
        }
        let bytes: Vec<String> = desc.iter().map(|b| b.to_string()).collect();
        format!(
            "__attribute__((used, aligned(4), section(\"{name}\")))\n\
             static const struct {{ unsigned namesz, descsz, type; char owner[4]; \
             unsigned char desc[{n}]; }} note_{id} = {{ 4, {n}, {kind}, \"FDO\", {{ {b} }} }};\n",
            n = desc.len(),
            id = name.trim_start_matches(".note."),
            b = bytes.join(", ")
        )
    };
    let source = format!(
        "#include <math.h>\n{}{}double use_libm(double x) {{ return cos(x); }}\n",
        note(".note.dlopen", "0x407c0c0a", dlopen),
        note(".note.package", "0xcafe1a7e", package)
    );
    let c = dir.join("notes.c");
    std::fs::write(&c, source).unwrap();
    let so = dir.join("libnotes.so");
    build_shared(
        "gcc",
        &[&c],
        &so,
        &[
            "-Wl,--no-as-needed",
            "-lm",
            "-Wl,--build-id",
            "-Wl,-soname,libnotes.so.1",
            "-Wl,-rpath,$ORIGIN/lib",
        ],
    );
    so
}

fn deps_json(file: &Path) -> Value {
    let run = jitcall(&["deps", "--json", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "deps {}: {}", file.display(), run.stderr);
    serde_json::from_str(&run.stdout).expect("deps --json prints JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn deps_reads_the_notes_gcc_wrote() {
    let dir = ScratchDir::new("deps");
    let so = note_fixture(&dir);
    let d = deps_json(&so);
    assert_eq!(d["soname"], "libnotes.so.1");
    assert_eq!(dynamic(&so, "SONAME"), ["libnotes.so.1"]);
    assert_eq!(strings(&d["needed"]), dynamic(&so, "NEEDED"));
    assert!(strings(&d["needed"]).contains(&"libm.so.6".to_string()));
    assert_eq!(strings(&d["runpath"]), ["$ORIGIN/lib"]);
    assert_eq!(d["build_id"].as_str(), build_id(&so).as_deref());
    let dlopen = d["dlopen"].as_array().unwrap();
    assert_eq!(dlopen.len(), 2);
    assert_eq!(dlopen[0]["soname"][0], "libz.so.1");
    assert_eq!(dlopen[0]["feature"], "compression");
    assert_eq!(dlopen[1]["soname"][1], "libfoo.so.1");
    assert_eq!(dlopen[1]["priority"], "suggested");
    assert_eq!(d["package"][0]["name"], "fixture");
    // readelf sees the same notes, by owner and type.
    let notes = readelf(&["-n", "-W"], &so);
    assert!(notes.contains(".note.dlopen"), "{notes}");
    assert!(notes.contains("0x407c0c0a"), "{notes}");
    assert!(
        notes.contains(r#"Packaging Metadata: {"type":"deb","name":"fixture","version":"1.0"}"#),
        "{notes}"
    );
    // The text form names them too.
    let run = jitcall(&["deps", so.to_str().unwrap()]);
    assert!(
        run.stdout.contains("libfoo.so.2 | libfoo.so.1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("libm.so.6 => "), "{}", run.stdout);
}

#[test]
fn deps_agrees_with_readelf_on_system_libraries() {
    let mut files = vec![LIBC, LIBZ, LIBM, "/bin/sh"];
    if Path::new("/usr/bin/python3").exists() {
        files.push("/usr/bin/python3");
    }
    for file in files {
        let path = Path::new(file);
        let d = deps_json(path);
        assert_eq!(strings(&d["needed"]), dynamic(path, "NEEDED"), "{file}");
        assert_eq!(
            d["soname"].as_str().map(str::to_string),
            dynamic(path, "SONAME").pop(),
            "{file}"
        );
        assert_eq!(d["build_id"].as_str(), build_id(path).as_deref(), "{file}");
        // Every DT_NEEDED of a system library resolves.
        for node in d["tree"].as_array().unwrap() {
            assert!(node["path"].is_string(), "{file}: {node}");
        }
    }
}

#[test]
fn deps_refuses_what_is_not_elf() {
    let dir = ScratchDir::new("notelf");
    let so = note_fixture(&dir);
    let data = std::fs::read(&so).unwrap();
    for cut in [0, 3, 16, 63, 64, 200, data.len() / 2] {
        let part = dir.join(format!("cut{cut}"));
        std::fs::write(&part, &data[..cut]).unwrap();
        let run = jitcall(&["deps", part.to_str().unwrap()]);
        assert!(run.code == 0 || run.code == 2, "{cut}: {}", run.stderr);
        if run.code == 2 {
            assert!(run.stderr.starts_with("jitcall: deps "), "{}", run.stderr);
        }
    }
    let run = jitcall(&["deps", "/nonexistent/libx.so"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
}

/// `call --ledger` writes CycloneDX 1.6 naming libz, its build-id and the symbol
/// bound; the schema (shipped in tests/schema/cyclonedx) accepts it.
#[test]
fn ledger_is_valid_cyclonedx() {
    let dir = ScratchDir::new("ledger");
    let bom = dir.join("bom.json");
    let note = dir.join("dlopen.json");
    let run = jitcall(&[
        "call",
        "-l",
        "libz.so.1",
        "--ledger",
        bom.to_str().unwrap(),
        "--dlopen-note",
        note.to_str().unwrap(),
        "char *zlibVersion(void)",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&bom).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["bomFormat"], "CycloneDX");
    assert_eq!(json["specVersion"], "1.6");
    let libz = json["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "libz.so.1")
        .unwrap_or_else(|| panic!("no libz component: {text}"));
    let props = libz["properties"].as_array().unwrap();
    let prop = |name: &str| -> Vec<&str> {
        props
            .iter()
            .filter(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap())
            .collect()
    };
    let libz_file = std::fs::canonicalize(LIBZ).unwrap();
    assert_eq!(prop("jitcall:build-id"), [build_id(&libz_file).unwrap()]);
    assert_eq!(prop("jitcall:symbol"), ["zlibVersion"]);
    assert_eq!(prop("jitcall:requested-as"), ["libz.so.1"]);
    assert_eq!(libz["hashes"][0]["alg"], "SHA-256");
    assert_eq!(libz["hashes"][0]["content"].as_str().unwrap().len(), 64);
    let note: Value = serde_json::from_str(&std::fs::read_to_string(&note).unwrap()).unwrap();
    assert_eq!(note[0]["soname"][0], "libz.so.1");

    let schema_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema/cyclonedx");
    let out = Command::new("python3")
        .arg(schema_dir.join("validate.py"))
        .arg(&bom)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "CycloneDX schema validation failed (python3 -m pip install jsonschema, if it is \
         missing):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The validator does reject: a BOM without its bomFormat fails.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, text.replacen("\"bomFormat\"", "\"bomFormatX\"", 1)).unwrap();
    let out = Command::new("python3")
        .arg(schema_dir.join("validate.py"))
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
}
