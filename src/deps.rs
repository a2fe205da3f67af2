//! `jitcall deps`: what an ELF file declares it needs, read from the file without
//! loading it (the `jitcall-deps` crate does the reading; this prints).

use crate::{Failure, print_out};
use clap::Args;
use jitcall_deps::serde_json::{self, Value, json};
use jitcall_deps::{Declared, Node};
use std::path::PathBuf;

pub(crate) const DEPS_EXAMPLES: &str = "\
Examples:
  jitcall deps /usr/lib/x86_64-linux-gnu/libz.so.1
  jitcall deps --json ./myplugin.so
  jitcall deps /usr/bin/python3

DT_NEEDED entries are resolved as the dynamic loader would (RPATH, LD_LIBRARY_PATH,
RUNPATH, /etc/ld.so.conf, the default directories), as lddtree does; each library's own
dependencies are shown once. .note.dlopen lists what the file will dlopen (ELF dlopen
metadata); no loader reads it, packagers do. See docs/PHANTOM_DEPENDENCIES.md.";

#[derive(Args)]
pub(crate) struct DepsArgs {
    /// The ELF file: a shared object or an executable
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print a JSON object
    #[arg(long)]
    json: bool,
}

fn node_json(n: &Node) -> Value {
    json!({
        "name": n.name,
        "path": n.path.as_ref().map(|p| p.to_string_lossy().into_owned()),
        "repeated": n.repeated,
        "needed": n.needed.iter().map(node_json).collect::<Vec<_>>(),
    })
}

fn tree_text(nodes: &[Node], depth: usize, out: &mut String) {
    for n in nodes {
        let indent = "  ".repeat(depth + 2);
        let target = match &n.path {
            Some(p) => p.display().to_string(),
            None => "not found".to_string(),
        };
        let repeated = if n.repeated { " (above)" } else { "" };
        out.push_str(&format!("{indent}{} => {target}{repeated}\n", n.name));
        tree_text(&n.needed, depth + 1, out);
    }
}

fn json_out(d: &Declared, tree: &[Node], file: &str) -> Value {
    json!({
        "file": file,
        "soname": d.soname,
        "build_id": d.build_id_hex(),
        "needed": d.needed,
        "rpath": d.rpath,
        "runpath": d.runpath,
        "interpreter": d.interpreter,
        "dlopen": d.dlopen.iter().map(|e| e.json.clone()).collect::<Vec<_>>(),
        "package": d.packages,
        "tree": tree.iter().map(node_json).collect::<Vec<_>>(),
        "warnings": d.warnings,
    })
}

pub(crate) fn deps(args: DepsArgs) -> Result<(), Failure> {
    let file = args.file.display().to_string();
    let fail = |e: jitcall_deps::Error| Failure::user(format!("deps {file}: {e}"));
    let d = jitcall_deps::read_file(&args.file).map_err(fail)?;
    let tree = jitcall_deps::tree(&args.file).map_err(fail)?;
    if args.json {
        let text = serde_json::to_string(&json_out(&d, &tree, &file))
            .map_err(|e| Failure::user(e.to_string()))?;
        print_out(&format!("{text}\n"));
        return Ok(());
    }
    let none = || "(none)".to_string();
    let mut out = format!("{file}\n");
    out.push_str(&format!(
        "  soname       {}\n",
        d.soname.clone().unwrap_or_else(none)
    ));
    out.push_str(&format!(
        "  build-id     {}\n",
        d.build_id_hex().unwrap_or_else(none)
    ));
    if let Some(i) = &d.interpreter {
        out.push_str(&format!("  interpreter  {i}\n"));
    }
    if !d.rpath.is_empty() {
        out.push_str(&format!("  rpath        {}\n", d.rpath.join(":")));
    }
    if !d.runpath.is_empty() {
        out.push_str(&format!("  runpath      {}\n", d.runpath.join(":")));
    }
    if d.needed.is_empty() {
        out.push_str("  needed       (none)\n");
    } else {
        out.push_str("  needed (DT_NEEDED, resolved)\n");
        tree_text(&tree, 0, &mut out);
    }
    if d.dlopen.is_empty() {
        out.push_str("  dlopen       (no .note.dlopen)\n");
    } else {
        out.push_str("  dlopen (.note.dlopen)\n");
        for e in &d.dlopen {
            let mut line = format!("    {}", e.soname.join(" | "));
            if let Some(f) = &e.feature {
                line.push_str(&format!("  feature {f}"));
            }
            line.push_str(&format!(
                "  {}",
                e.priority.as_deref().unwrap_or("recommended")
            ));
            if let Some(desc) = &e.description {
                line.push_str(&format!(": {desc}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    for p in &d.packages {
        out.push_str(&format!("  package      {p}\n"));
    }
    for w in &d.warnings {
        out.push_str(&format!("  warning: {w}\n"));
    }
    print_out(&out);
    Ok(())
}
