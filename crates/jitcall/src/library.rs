//! Shared libraries: `dlopen` and `dlsym`, with errors that name the library and the
//! symbol.
//!
//! A [`Library`] is a cheap, clonable handle; every [`Function`] taken from it keeps
//! it loaded (holding its handle as an opaque keep-alive: `function` knows nothing of
//! libraries). This module resolves addresses; it does not call anything.

use crate::{Errno, Error, Function, Signature};
use std::ffi::{CStr, CString, OsStr, OsString, c_void};
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;

/// An open shared library, or the running process's own symbols.
#[derive(Clone, Debug)]
pub struct Library {
    inner: Arc<Handle>,
}

#[derive(Debug)]
struct Handle {
    raw: *mut c_void,
    /// The name as given, and as text for messages.
    name: OsString,
    display: String,
}

// SAFETY: a dlopen handle may be used from any thread (dlsym and dlclose are
// thread-safe in glibc); the name is immutable.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

/// The text of the last dynamic-loader error, if any.
fn dlerror_text() -> Option<String> {
    // SAFETY: dlerror returns null or a NUL-terminated string valid until the next dl*
    // call on this thread; we copy it at once.
    let msg = unsafe { libc::dlerror() };
    if msg.is_null() {
        None
    } else {
        // SAFETY: non-null, NUL-terminated per dlerror's contract.
        Some(
            unsafe { CStr::from_ptr(msg) }
                .to_string_lossy()
                .into_owned(),
        )
    }
}

impl Library {
    /// Opens a library by path (`./libfoo.so`, a [`Path`](std::path::Path) that need
    /// not be UTF-8) or soname (`libm.so.6`), as `dlopen` finds it, resolving all its
    /// symbols now (`RTLD_NOW`) and keeping them local to it (`RTLD_LOCAL`).
    pub fn open(name: impl AsRef<OsStr>) -> Result<Library, Error> {
        let name = name.as_ref();
        let display = name.to_string_lossy().into_owned();
        let cname = CString::new(name.as_bytes()).map_err(|_| Error::LibraryOpen {
            library: display.clone(),
            reason: "the name contains a NUL byte".into(),
        })?;
        // SAFETY: cname is NUL-terminated; dlopen runs the library's initialisers, which
        // is the documented effect of opening a library.
        let raw = unsafe { libc::dlopen(cname.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if raw.is_null() {
            return Err(Error::LibraryOpen {
                library: display,
                reason: dlerror_text().unwrap_or_else(|| "unknown error".into()),
            });
        }
        // Provenance (provenance/ledger.rs): the object opened, for the ledger.
        crate::provenance::record_open(&display, raw);
        Ok(Library {
            inner: Arc::new(Handle {
                raw,
                name: name.to_owned(),
                display,
            }),
        })
    }

    /// The running process: the executable and every library loaded into it with
    /// global symbols — its `DT_NEEDED` libraries (libc for every Rust program), not
    /// those opened here with [`Library::open`]. A Rust program links libm only if it
    /// uses a libm function itself; for `pow` and friends, open `libm.so.6`.
    pub fn this() -> Library {
        // SAFETY: dlopen(NULL) returns the main program's handle and loads nothing.
        let raw = unsafe { libc::dlopen(std::ptr::null(), libc::RTLD_NOW) };
        Library {
            inner: Arc::new(Handle {
                raw,
                name: OsString::new(),
                display: "the running process".into(),
            }),
        }
    }

    /// The name this library was opened with (empty for [`Library::this`]).
    pub fn name(&self) -> &OsStr {
        &self.inner.name
    }

    /// The name used in messages and in the ledger: as opened, or `the running process`.
    pub(crate) fn display_name(&self) -> &str {
        &self.inner.display
    }

    /// The address of `symbol`: `NAME`, or `NAME@VERSION` for that version of it
    /// (`memcpy@GLIBC_2.2.5`; see [`provenance`](crate::provenance)).
    pub fn symbol(&self, symbol: &str) -> Result<*const c_void, Error> {
        let addr = self.lookup(symbol)?;
        crate::provenance::record_binding(&self.inner.display, symbol, addr, None);
        Ok(addr)
    }

    fn lookup(&self, symbol: &str) -> Result<*const c_void, Error> {
        let not_found = |reason: String| Error::SymbolNotFound {
            library: self.inner.display.clone(),
            symbol: symbol.into(),
            reason,
        };
        let (cname, version) = crate::provenance::c_names(symbol).map_err(not_found)?;
        // Clear any stale error so a null result can be told apart from a null symbol.
        let _ = dlerror_text();
        // SAFETY: the handle is open (self keeps it alive) and the names are
        // NUL-terminated.
        let addr = unsafe {
            match &version {
                None => libc::dlsym(self.inner.raw, cname.as_ptr()),
                Some(v) => libc::dlvsym(self.inner.raw, cname.as_ptr(), v.as_ptr()),
            }
        };
        if addr.is_null() {
            return Err(not_found(
                dlerror_text().unwrap_or_else(|| "the symbol's address is null".into()),
            ));
        }
        Ok(addr.cast_const())
    }

    /// The function `symbol` (`NAME` or `NAME@VERSION`), to be called with signature
    /// `sig`. Compiles (or finds in the cache) the trampoline for `sig`; the returned
    /// function keeps this library loaded.
    pub fn function(&self, symbol: &str, sig: &Signature) -> Result<Function, Error> {
        self.function_with_errno(symbol, sig, Errno::Untouched)
    }

    /// [`Library::function`], with trampolines that handle errno as `errno` says, made
    /// in one step: the same function as `function(..)?.with_errno(errno)`, without
    /// first compiling the trampolines that leave errno alone (see
    /// [`Function::with_errno`]).
    ///
    /// ```
    /// use jitcall::{Errno, Library, Value};
    ///
    /// let libc = Library::this();
    /// let sig = "double strtod(const char *, char **)".parse()?;
    /// let strtod = libc.function_with_errno("strtod", &sig, Errno::SetAndCapture)?;
    /// let text = c"1e999";
    /// let args = [Value::Pointer(text.as_ptr().cast_mut().cast()), Value::Pointer(std::ptr::null_mut())];
    /// // SAFETY: strtod has this signature; the string is NUL-terminated.
    /// let (r, errno) = unsafe { strtod.call_with_errno(&args, 0) }?;
    /// assert_eq!((r, errno), (Value::Double(f64::INFINITY), libc::ERANGE));
    /// # Ok::<(), jitcall::Error>(())
    /// ```
    pub fn function_with_errno(
        &self,
        symbol: &str,
        sig: &Signature,
        errno: Errno,
    ) -> Result<Function, Error> {
        let target = self.lookup(symbol)?;
        let f = Function::new_with_errno(target, sig, errno)?.keeping_alive(self.inner.clone());
        crate::provenance::record_binding(&self.inner.display, symbol, target, Some(sig));
        Ok(f)
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: raw came from a successful dlopen and is closed once; every Function
        // from this library holds this handle (its keep-alive), so none outlives it.
        unsafe { libc::dlclose(self.raw) };
    }
}
