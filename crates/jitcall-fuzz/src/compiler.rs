//! The compiler under test: what it is (from its predefined macros), and how the
//! fuzzer runs it.
//!
//! This module runs the compiler only to identify it; building batches is the
//! harness's job.

use super::{FuzzError, cgen};
use std::process::{Command, Stdio};

/// How batch libraries are built, before the user's own flags (which come last, so
/// `--cc 'gcc -O2'` wins). `-O0`: measured on 250-case batches, gcc 12 takes 0.7 s at
/// `-O0` and 1.4 s at `-O1`; clang 19 0.5 s at `-O0` and up to 9 s at `-O1`.
pub(super) const BUILD_FLAGS: [&str; 5] = ["-shared", "-fPIC", "-O0", "-std=gnu11", "-w"];

/// Which compiler a command runs, as far as divergences care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Family {
    /// GNU C.
    Gcc,
    /// clang.
    Clang,
    /// Something else that speaks GNU C.
    Other,
}

/// The compiler under test.
#[derive(Clone, Debug)]
pub struct Compiler {
    /// The command, split into words: program, then the user's flags.
    pub command: Vec<String>,
    /// Its family.
    pub family: Family,
    /// Its major version (`__GNUC__` or `__clang_major__`; 0 if unknown).
    pub major: u32,
    /// For messages, e.g. `gcc 12.2.0`.
    pub description: String,
    /// How the code it builds passes 32- and 64-byte vectors: by the vector ISA its
    /// flags enable (`__AVX512F__`, `__AVX__` predefined, or neither).
    pub vector_abi: jitcall::abi::VectorAbi,
}

impl Compiler {
    /// Finds out what `cc` (a command with optional flags) is, from its predefined
    /// macros.
    pub fn detect(cc: &str) -> Result<Compiler, FuzzError> {
        let command = split_command(cc).map_err(|message| FuzzError::Compiler {
            command: cc.into(),
            message,
        })?;
        let out = Command::new(&command[0])
            .args(&command[1..])
            .args(["-dM", "-E", "-x", "c", "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| FuzzError::Compiler {
                command: cc.into(),
                message: format!("cannot run it: {e}"),
            })?;
        if !out.status.success() {
            return Err(FuzzError::Compiler {
                command: cc.into(),
                message: format!(
                    "it fails to preprocess an empty file:\n{}",
                    truncate(&String::from_utf8_lossy(&out.stderr))
                ),
            });
        }
        let macros = String::from_utf8_lossy(&out.stdout);
        let get = |name: &str| -> Option<u32> {
            macros.lines().find_map(|l| {
                let rest = l.strip_prefix("#define ")?.strip_prefix(name)?;
                rest.strip_prefix(' ')?.trim().parse().ok()
            })
        };
        let (family, major, minor, patch) = if get("__clang__").is_some() {
            let v = |n| get(n).unwrap_or(0);
            (
                Family::Clang,
                v("__clang_major__"),
                v("__clang_minor__"),
                v("__clang_patchlevel__"),
            )
        } else if let Some(major) = get("__GNUC__") {
            let v = |n| get(n).unwrap_or(0);
            (
                Family::Gcc,
                major,
                v("__GNUC_MINOR__"),
                v("__GNUC_PATCHLEVEL__"),
            )
        } else {
            (Family::Other, 0, 0, 0)
        };
        let name = match family {
            Family::Gcc => "gcc",
            Family::Clang => "clang",
            Family::Other => "an unknown compiler",
        };
        let vector_abi = if get("__AVX512F__").is_some() {
            jitcall::abi::VectorAbi::Avx512
        } else if get("__AVX__").is_some() {
            jitcall::abi::VectorAbi::Avx
        } else {
            jitcall::abi::VectorAbi::Sse
        };
        Ok(Compiler {
            command,
            family,
            major,
            description: format!("{name} {major}.{minor}.{patch}"),
            vector_abi,
        })
    }

    /// The command as one line.
    pub fn command_line(&self) -> String {
        self.command
            .iter()
            .map(|w| cgen::shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A command running the compiler with `flags` first and the user's flags after
    /// them (so that they win).
    pub(super) fn command(&self, flags: &[&str]) -> Command {
        let mut c = Command::new(&self.command[0]);
        c.args(flags).args(&self.command[1..]);
        c
    }

    /// `flags`, plus what this compiler needs besides: clang writes a preprocessed copy
    /// of the input to /tmp whenever it crashes, unless told not to.
    pub(super) fn flags<'a>(&self, flags: &[&'a str]) -> Vec<&'a str> {
        let mut all = flags.to_vec();
        if self.family == Family::Clang {
            all.push("-fno-crash-diagnostics");
        }
        all
    }

    /// The command line that builds C the way the fuzzer builds batches (`-shared`)
    /// or as a program, ready for `-o OUT FILE.c`.
    pub fn build_line(&self, shared: bool) -> String {
        let flags = self.flags(&BUILD_FLAGS);
        let flags: Vec<&str> = flags
            .into_iter()
            .filter(|f| shared || !matches!(*f, "-shared" | "-fPIC"))
            .collect();
        let mut words = vec![cgen::shell_quote(&self.command[0])];
        words.extend(flags.iter().map(|f| f.to_string()));
        words.extend(self.command[1..].iter().map(|w| cgen::shell_quote(w)));
        words.join(" ")
    }
}

/// Splits a command line into words like a shell (spaces, single and double quotes,
/// backslash), without any expansion.
fn split_command(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unterminated ' quote".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => w.push(c),
                            None => return Err("unterminated \" quote".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("unterminated \" quote".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err("a trailing backslash".into()),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    if words.is_empty() {
        return Err("an empty compiler command".into());
    }
    Ok(words)
}

pub(super) fn truncate(text: &str) -> String {
    const LIMIT: usize = 2000;
    if text.len() <= LIMIT {
        return text.to_string();
    }
    let mut end = LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[... {} more bytes]", &text[..end], text.len() - end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_like_a_shell() {
        assert_eq!(split_command("gcc").unwrap(), ["gcc"]);
        assert_eq!(
            split_command("  gcc -fpcc-struct-return  -O2 ").unwrap(),
            ["gcc", "-fpcc-struct-return", "-O2"]
        );
        assert_eq!(
            split_command(r#"cc -D'A B' "-DC=\"d\"" e\ f"#).unwrap(),
            ["cc", "-DA B", "-DC=\"d\"", "e f"]
        );
        assert!(split_command("").is_err());
        assert!(split_command("gcc 'x").is_err());
    }
}
