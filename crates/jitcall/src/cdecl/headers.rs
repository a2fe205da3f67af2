//! Real C headers as declarations: runs the C preprocessor (`$CC -E`, `cc` by default)
//! over `#include` lines and reads its output with
//! [`Declarations::parse_preprocessed`], line markers and all.
//!
//! This is the only place the library runs a program; nothing else in jitcall needs a C
//! compiler. It does not search for headers itself: the preprocessor does, with its
//! own include path and the `-I`, `-D` and `-U` options given.

use super::Declarations;
use super::catalog::LineMap;
use super::error::ParseError;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How to preprocess headers: include directories, macros, and the compiler.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeaderOptions {
    /// `-I DIR`, searched in order before the system's directories.
    pub include_dirs: Vec<PathBuf>,
    /// `-D NAME` or `-D NAME=VALUE`, in order (`_FILE_OFFSET_BITS=64`, `_GNU_SOURCE`).
    pub defines: Vec<String>,
    /// `-U NAME`, after the definitions.
    pub undefines: Vec<String>,
    /// The compiler, with flags if wanted (`gcc`, `clang-19 -std=c23`); `None` means
    /// `$CC`, or `cc` when that is not set.
    pub cc: Option<String>,
}

impl HeaderOptions {
    /// No include directories, no macros, `$CC` or `cc`.
    pub fn new() -> HeaderOptions {
        HeaderOptions::default()
    }

    /// Adds `-I dir`.
    #[must_use]
    pub fn include_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.include_dirs.push(dir.into());
        self
    }

    /// Adds `-D definition` (`NAME` or `NAME=VALUE`).
    #[must_use]
    pub fn define(mut self, definition: impl Into<String>) -> Self {
        self.defines.push(definition.into());
        self
    }

    /// Adds `-U name`.
    #[must_use]
    pub fn undefine(mut self, name: impl Into<String>) -> Self {
        self.undefines.push(name.into());
        self
    }

    /// Preprocesses with this compiler command instead of `$CC` or `cc`.
    #[must_use]
    pub fn cc(mut self, command: impl Into<String>) -> Self {
        self.cc = Some(command.into());
        self
    }

    /// The compiler command: this one, else `$CC`, else `cc`.
    pub fn compiler(&self) -> String {
        self.cc
            .clone()
            .or_else(|| std::env::var("CC").ok().filter(|cc| !cc.trim().is_empty()))
            .unwrap_or_else(|| "cc".to_string())
    }

    /// The preprocessor's arguments after the compiler command: `-E`, the options,
    /// and `-` (the source comes on standard input).
    pub fn preprocessor_args(&self) -> Vec<String> {
        let mut args = vec!["-E".to_string(), "-x".to_string(), "c".to_string()];
        for dir in &self.include_dirs {
            args.push(format!("-I{}", dir.display()));
        }
        for d in &self.defines {
            args.push(format!("-D{d}"));
        }
        for u in &self.undefines {
            args.push(format!("-U{u}"));
        }
        args.push("-".to_string());
        args
    }
}

/// Why headers could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum HeaderError {
    /// The compiler is not installed (or not runnable).
    NoCompiler {
        /// The command that was tried.
        command: String,
        /// Why it could not run.
        source: std::io::Error,
    },
    /// The preprocessor failed: a header is missing or has an error.
    Preprocessor {
        /// The command that was run.
        command: String,
        /// What it wrote on standard error.
        stderr: String,
    },
    /// The preprocessed text could not even be split into C tokens.
    Parse {
        /// Where, in the headers.
        location: super::Location,
        /// What is wrong (its line and column are in the preprocessed text).
        error: ParseError,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::NoCompiler { command, source } => write!(
                f,
                "cannot run the C preprocessor `{command}` ({source}): reading headers \
                 needs a C compiler (install gcc or clang, or set CC)"
            ),
            HeaderError::Preprocessor { command, stderr } => {
                write!(f, "the C preprocessor `{command}` failed")?;
                let stderr = stderr.trim_end();
                if !stderr.is_empty() {
                    write!(f, ":\n{stderr}")?;
                }
                Ok(())
            }
            HeaderError::Parse { location, error } => {
                write!(f, "{location}: {}", error.message)
            }
        }
    }
}

impl std::error::Error for HeaderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HeaderError::NoCompiler { source, .. } => Some(source),
            HeaderError::Parse { error, .. } => Some(error),
            HeaderError::Preprocessor { .. } => None,
        }
    }
}

/// The `#include` line for a header as the user names it: `zlib.h` and `<zlib.h>` are
/// searched in the include path, `"my.h"` and an existing `./my.h` or `/path/my.h` are
/// files.
pub fn include_line(header: &str) -> String {
    let header = header.trim();
    if header.starts_with('<') || header.starts_with('"') {
        format!("#include {header}\n")
    } else if header.contains('/') && Path::new(header).exists() {
        let path = std::fs::canonicalize(header).unwrap_or_else(|_| PathBuf::from(header));
        let quoted = path
            .display()
            .to_string()
            .replace('\\', "\\\\")
            .replace('"', "\\\"");
        format!("#include \"{quoted}\"\n")
    } else {
        format!("#include <{header}>\n")
    }
}

/// Runs the preprocessor over `#include` lines for `headers`: its output, with line
/// markers.
pub fn preprocess<H: AsRef<str>>(
    headers: &[H],
    options: &HeaderOptions,
) -> Result<String, HeaderError> {
    let source: String = headers.iter().map(|h| include_line(h.as_ref())).collect();
    let cc = options.compiler();
    let mut words = cc.split_whitespace();
    let program = words.next().unwrap_or("cc");
    let args = options.preprocessor_args();
    let command = format!("{cc} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(words)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| HeaderError::NoCompiler {
            command: cc.clone(),
            source,
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A few lines: far below a pipe's buffer, so this cannot block on the output.
        let _ = stdin.write_all(source.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|source| HeaderError::NoCompiler {
            command: cc.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(HeaderError::Preprocessor {
            command,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

impl Declarations {
    /// The declarations of real C headers: runs the C preprocessor (`$CC -E`, `cc` by
    /// default, with `options`) over `#include <header>` for each, and reads its output
    /// with [`Declarations::parse_preprocessed`]: what jitcall cannot represent is kept
    /// with its reason, and `__asm__` labels are the symbols to call.
    ///
    /// ```no_run
    /// use jitcall::{Declarations, HeaderOptions};
    /// let zlib = Declarations::from_headers(&["zlib.h"], &HeaderOptions::new())?;
    /// let crc32 = zlib.find_function("crc32")?;
    /// assert_eq!(crc32.signature.params().len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_headers<H: AsRef<str>>(
        headers: &[H],
        options: &HeaderOptions,
    ) -> Result<Declarations, HeaderError> {
        let text = preprocess(headers, options)?;
        Declarations::parse_preprocessed(&text).map_err(|error| HeaderError::Parse {
            location: LineMap::new(&text).locate(error.line),
            error,
        })
    }
}
