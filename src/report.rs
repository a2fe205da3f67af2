//! What a call shows: its result and the objects its arguments created
//! (`&(int){0}`, `(char[64]){0}`), as lines of C literals or as JSON fields. `call` and
//! `run` both print through it, so that a call reads the same in both.
//!
//! It formats; it neither calls nor prints.

use jitcall::explain::Json;
use jitcall::literal::{self, Arguments};
use jitcall::{FunctionDecl, Value};

/// One call's outcome.
pub(crate) struct Report<'a> {
    function: &'a FunctionDecl,
    arguments: &'a Arguments,
    result: &'a Value,
    /// The errno the call left, captured by the trampoline (0 before the call).
    errno: i32,
}

impl<'a> Report<'a> {
    /// # Safety
    ///
    /// `result` must be what `function` returned when called with `arguments`, whose
    /// objects are still alive: a `char *` result (as the prototype spells it) is then
    /// NULL or a string, and is read.
    pub(crate) unsafe fn new(
        function: &'a FunctionDecl,
        arguments: &'a Arguments,
        result: &'a Value,
        errno: i32,
    ) -> Report<'a> {
        Report {
            function,
            arguments,
            result,
            errno,
        }
    }

    /// For stderr, when the call set errno: `errno 2 (ENOENT: No such file or
    /// directory)`, with a newline.
    pub(crate) fn errno_line(&self) -> Option<String> {
        (self.errno != 0).then(|| format!("errno {}\n", errno_text(self.errno)))
    }

    /// The result as a C literal: a `char *` as the string it points to.
    fn result_text(&self) -> String {
        // SAFETY: `new`'s contract: the function's own result.
        unsafe {
            result_text(
                self.result,
                self.arguments.signature.ret(),
                self.function.ret_is_c_string,
            )
        }
    }

    /// The result's line (none for `void`), then a line per object the arguments
    /// created, each ending in a newline.
    pub(crate) fn lines(&self) -> String {
        let mut lines = String::new();
        if !matches!(self.result, Value::Void) {
            lines.push_str(&self.result_text());
            lines.push('\n');
        }
        for temporary in self.arguments.temporaries() {
            lines.push_str(&temporary.contents());
            lines.push('\n');
        }
        lines
    }

    /// `function`, `type`, `value`, `errno` (always, 0 when the call left it alone),
    /// then `string` for a `char *` result and `out` for the objects the arguments
    /// created.
    pub(crate) fn json_fields(&self) -> Vec<(String, Json)> {
        let ret = self.arguments.signature.ret();
        let ty = if self.function.ret_is_c_string {
            "char *".to_string()
        } else {
            ret.to_string()
        };
        let mut fields = vec![
            ("function".to_string(), Json::str(&self.function.name)),
            ("type".to_string(), Json::String(ty)),
            ("value".to_string(), Json::String(self.result_text())),
            ("errno".to_string(), Json::Integer(i64::from(self.errno))),
        ];
        if let (Value::Pointer(p), true) = (self.result, self.function.ret_is_c_string) {
            let string = if p.is_null() {
                Json::Null
            } else {
                // SAFETY: `new`'s contract: a non-null `char *` result is a string.
                let s = unsafe { std::ffi::CStr::from_ptr(p.cast()) };
                Json::String(s.to_string_lossy().into_owned())
            };
            fields.push(("string".to_string(), string));
        }
        let out = outputs_json(self.arguments);
        if !out.is_empty() {
            fields.push(("out".to_string(), Json::Array(out)));
        }
        fields
    }
}

/// A value as `call` prints it: a C literal; with `c_string` (a `char *`, as the
/// prototype or the definition spells it), the string it points to.
///
/// # Safety
///
/// With `c_string`, `value` must be NULL or point to a NUL-terminated string.
pub(crate) unsafe fn result_text(value: &Value, ty: &jitcall::Type, c_string: bool) -> String {
    match (value, c_string) {
        // SAFETY: the caller's contract: a C string or NULL.
        (Value::Pointer(p), true) => unsafe { literal::format_c_string(p.cast()) },
        (v, _) => literal::format_value(v, ty),
    }
}

/// The objects the arguments created as they are now:
/// `{"index": 1, "type": "int *", "value": "4"}` each.
pub(crate) fn outputs_json(args: &Arguments) -> Vec<Json> {
    args.temporaries()
        .iter()
        .map(|t| {
            Json::Object(vec![
                (
                    "index".to_string(),
                    t.argument().map_or(Json::Null, |i| Json::Number(i as u64)),
                ),
                ("type".to_string(), Json::str(t.type_name())),
                ("value".to_string(), Json::String(t.contents())),
            ])
        })
        .collect()
}

/// `2 (ENOENT: No such file or directory)`: the number, glibc's name for it where it has
/// one (`strerrorname_np`, glibc 2.32 and later, looked up at run time) and its message.
pub(crate) fn errno_text(errno: i32) -> String {
    let message = std::io::Error::from_raw_os_error(errno).to_string();
    // std appends " (os error N)".
    let message = message
        .strip_suffix(&format!(" (os error {errno})"))
        .unwrap_or(&message);
    match errno_name(errno) {
        Some(name) => format!("{errno} ({name}: {message})"),
        None => format!("{errno} ({message})"),
    }
}

/// `ENOENT` for 2, by glibc's `strerrorname_np`; `None` where glibc is too old to have
/// it or knows no name.
fn errno_name(errno: i32) -> Option<String> {
    type NameFn = unsafe extern "C" fn(libc::c_int) -> *const libc::c_char;
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only looks a symbol up.
    let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"strerrorname_np".as_ptr()) };
    if address.is_null() {
        return None;
    }
    // SAFETY: glibc's strerrorname_np has exactly this type.
    let name_of = unsafe { std::mem::transmute::<*mut libc::c_void, NameFn>(address) };
    // SAFETY: it takes any int and returns NULL or a static NUL-terminated string.
    let name = unsafe { name_of(errno) };
    if name.is_null() {
        return None;
    }
    // SAFETY: non-null: a static NUL-terminated string.
    Some(
        unsafe { std::ffi::CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned(),
    )
}
