//! The objects that `&(T){...}` and `(T[N]){...}` create: typed, aligned storage whose
//! address a pointer argument passes, and whose contents print after the call, when
//! the function has written its outputs there (`frexp`'s exponent, `snprintf`'s
//! buffer, `sqlite3_open`'s handle).
//!
//! It stores and reads bytes; it does not evaluate literals (that is `eval`).

use super::format::{format_value, quote_bytes};
use crate::{Error, Type, Value};
use std::alloc::Layout;
use std::ffi::c_void;
use std::ptr::NonNull;

/// An object created for a pointer to point to, alive as long as this value: a C
/// compound literal's storage.
///
/// Its memory is its own allocation, aligned for its type and zeroed where its value
/// has padding. A function given its [`address`](Temporary::address) may write to it;
/// [`value`](Temporary::value) and [`contents`](Temporary::contents) read it back.
#[derive(Debug)]
pub struct Temporary {
    ty: Type,
    /// The C type of the expression that made it: `int *` for `&(int){0}`, `char[64]`
    /// for `(char[64]){0}`.
    type_name: String,
    /// The argument it was made for, when it was made for one.
    argument: Option<usize>,
    memory: NonNull<u8>,
    layout: Layout,
}

// SAFETY: a Temporary owns its allocation outright, like a `Box<[u8]>`; the address it
// hands out is a raw pointer whose use is `unsafe` for whoever uses it.
unsafe impl Send for Temporary {}
// SAFETY: as above; `&Temporary` only reads.
unsafe impl Sync for Temporary {}

impl Temporary {
    /// An object of type `ty` holding `value`; `type_name` is the C type of the
    /// expression that names it (see [`Temporary::type_name`]).
    pub fn new(ty: &Type, value: &Value, type_name: impl Into<String>) -> Result<Temporary, Error> {
        let bytes = value.to_bytes(ty)?;
        let align = ty.layout()?.align.max(1);
        let layout = usize::try_from(align)
            .ok()
            .and_then(|align| Layout::from_size_align(bytes.len().max(1), align).ok())
            .ok_or_else(|| Error::ValueMismatch {
                path: "value".into(),
                expected: format!("{ty} of a size that can be allocated"),
                found: format!("{} bytes aligned to {align}", bytes.len()),
            })?;
        // SAFETY: the layout's size is at least 1.
        let memory = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(memory) = NonNull::new(memory) else {
            std::alloc::handle_alloc_error(layout);
        };
        // SAFETY: `memory` has room for `layout.size() >= bytes.len()` bytes and does
        // not overlap `bytes`.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), memory.as_ptr(), bytes.len());
        }
        Ok(Temporary {
            ty: ty.clone(),
            type_name: type_name.into(),
            argument: None,
            memory,
            layout,
        })
    }

    /// The object's type.
    pub fn ty(&self) -> &Type {
        &self.ty
    }

    /// The C type of the expression that made it: `int *` for `&(int){0}` (its
    /// address), `char[64]` for `(char[64]){0}` (an array, passed as the address of its
    /// first element).
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The argument (0-based) it was made for, when [`super::parse_arguments`] made it.
    pub fn argument(&self) -> Option<usize> {
        self.argument
    }

    pub(super) fn set_argument(&mut self, index: usize) {
        self.argument = Some(index);
    }

    /// Its address, to pass to C.
    pub fn address(&self) -> *mut c_void {
        self.memory.as_ptr().cast()
    }

    /// Its bytes as they are now. A function that kept the address must not write to
    /// it meanwhile: that is the contract of the `unsafe` call that gave it away.
    pub fn bytes(&self) -> &[u8] {
        let size = self.ty.layout().map_or(0, |l| l.size as usize);
        // SAFETY: the allocation holds `layout.size() >= size` initialized bytes (it
        // was zeroed, then written by `new` or by C through `address`).
        unsafe { std::slice::from_raw_parts(self.memory.as_ptr(), size.min(self.layout.size())) }
    }

    /// Its value as it is now.
    pub fn value(&self) -> Result<Value, Error> {
        Value::from_bytes(&self.ty, self.bytes())
    }

    /// Its contents as a C literal: a `char` array that holds a NUL-terminated string
    /// as that string (`"hello"`), anything else as [`format_value`] prints it.
    pub fn contents(&self) -> String {
        if let Type::Array(elem, _) = &self.ty
            && matches!(**elem, Type::Char | Type::SChar | Type::UChar)
            && let Some(end) = self.bytes().iter().position(|&b| b == 0)
        {
            return quote_bytes(self.bytes().get(..end).unwrap_or(&[]));
        }
        match self.value() {
            Ok(v) => format_value(&v, &self.ty),
            Err(e) => format!("<{e}>"),
        }
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { std::alloc::dealloc(self.memory.as_ptr(), self.layout) };
    }
}

/// The C type of a pointer to `name`'s type: `int *`, `void **`.
pub(super) fn pointer_to(name: &str) -> String {
    if name.ends_with('*') {
        format!("{name}*")
    } else {
        format!("{name} *")
    }
}
