//! Typed calls: Rust argument and result types checked once against a function's C
//! signature, by the psABI, then calls with no check at all.
//!
//! [`Frame::set_args`](crate::Frame::set_args) checks only sizes, so `(2i64, 10i64)`
//! given to `pow(double, double)` goes out in `rdi` and `rsi` and `pow` reads garbage
//! from `xmm0`/`xmm1`. Here each Rust type names its C counterpart ([`CType`]); the
//! Rust side is classified like any signature, and its [`CallPlan`] must equal the
//! function's: the same registers, the same stack slots, the same extensions, the same
//! result location. That is a check of the C *kind* (an `i64` is INTEGER, a `double`
//! SSE), made once:
//!
//! - [`Function::typed`] gives a [`TypedFunction`], whose `call` writes the tuple at
//!   constant offsets and calls the trampoline, with no per-call comparison;
//! - [`Function::as_fn`] gives the target itself as an `unsafe extern "C" fn` pointer,
//!   for hosts whose signature shapes are known at compile time but whose libraries
//!   and symbols are not: a direct call, nothing of jitcall's in between.
//!
//! This module does not classify anything itself: [`crate::abi::sysv`] does, for both
//! sides.

use crate::abi::{CallPlan, VectorAbi, sysv};
use crate::frame::FrameArgs;
use crate::{Error, Frame, Function, Padded, Plain, Signature, Type};
use std::ffi::c_void;
use std::marker::PhantomData;

/// A Rust type with a C counterpart that the x86-64 psABI passes the same way.
///
/// # Safety
///
/// `Self` must have the size and alignment of [`CType::c_type`], be passed and returned
/// by `extern "C"` functions exactly as that C type is, and every value of the C type
/// must be a valid `Self` (a C `_Bool` is 0 or 1, so `bool` qualifies). For a
/// `#[repr(C)]` struct, `c_type` is the `Type::structure` of its fields' C types, in
/// order.
pub unsafe trait CType: Copy + 'static {
    /// The C type.
    fn c_type() -> Type;
}

macro_rules! c_types {
    ($($t:ty => $c:ident),* $(,)?) => {$(
        // SAFETY: the primitive C type of the same size, alignment and signedness,
        // which the psABI passes as `extern "C"` passes the Rust type.
        unsafe impl CType for $t {
            fn c_type() -> Type {
                Type::$c
            }
        }
    )*};
}

c_types!(
    bool => Bool, i8 => SChar, u8 => UChar, i16 => Short, u16 => UShort, i32 => Int,
    u32 => UInt, i64 => Long, u64 => ULong, isize => Long, usize => ULong,
    i128 => Int128, u128 => UInt128, f32 => Float, f64 => Double,
);

macro_rules! c_vectors {
    ($($t:ident => $lane:ident * $lanes:literal),* $(,)?) => {$(
        // SAFETY: `core::arch`'s vector of the same size (and alignment, its size), the
        // GNU vector `<immintrin.h>` declares under the same name (`__m256d` is
        // `double __attribute__((vector_size(32)))`), which the psABI classifies by
        // size alone; every bit pattern is a valid value of both. How `extern "C"`
        // passes a 32- or 64-byte one depends on the caller's target features (Rust
        // refuses to compile a call without them), which `Function::as_fn` checks
        // against the callee's `VectorAbi`.
        #[cfg(target_arch = "x86_64")]
        unsafe impl CType for core::arch::x86_64::$t {
            fn c_type() -> Type {
                Type::vector(Type::$lane, $lanes)
            }
        }
    )*};
}

c_vectors!(
    __m128 => Float * 4, __m128d => Double * 2, __m128i => LongLong * 2,
    __m256 => Float * 8, __m256d => Double * 4, __m256i => LongLong * 4,
    __m512 => Float * 16, __m512d => Double * 8, __m512i => LongLong * 8,
);

// SAFETY: a thin pointer is a C pointer.
unsafe impl<T: 'static> CType for *const T {
    fn c_type() -> Type {
        Type::Pointer
    }
}

// SAFETY: as for `*const T`.
unsafe impl<T: 'static> CType for *mut T {
    fn c_type() -> Type {
        Type::Pointer
    }
}

// SAFETY: a transparent wrapper: the wrapped type's C type.
unsafe impl<T: CType> CType for Padded<T> {
    fn c_type() -> Type {
        T::c_type()
    }
}

/// A result type: `()` for `void`, or a [`CType`].
pub trait CReturn: Copy + 'static {
    /// The C type (`Type::Void` for `()`).
    fn c_type() -> Type;
}

impl CReturn for () {
    fn c_type() -> Type {
        Type::Void
    }
}

impl<T: CType> CReturn for T {
    fn c_type() -> Type {
        <T as CType>::c_type()
    }
}

/// An argument list for [`TypedFunction`]: a tuple (or array) of [`CType`] values that
/// can be written into a frame.
pub trait CArgs: FrameArgs {
    /// The C type of each argument.
    fn c_types() -> Vec<Type>;
    /// The Rust type name of each argument, for errors.
    #[doc(hidden)]
    fn rust_names() -> Vec<&'static str>;
}

impl CArgs for () {
    fn c_types() -> Vec<Type> {
        Vec::new()
    }

    fn rust_names() -> Vec<&'static str> {
        Vec::new()
    }
}

/// Invokes `$m!` for every tuple arity from one to twelve (the arities `FrameArgs` has).
macro_rules! for_each_arity {
    ($m:ident) => {
        $m!(A);
        $m!(A, B);
        $m!(A, B, C);
        $m!(A, B, C, D);
        $m!(A, B, C, D, E);
        $m!(A, B, C, D, E, F);
        $m!(A, B, C, D, E, F, G);
        $m!(A, B, C, D, E, F, G, H);
        $m!(A, B, C, D, E, F, G, H, I);
        $m!(A, B, C, D, E, F, G, H, I, J);
        $m!(A, B, C, D, E, F, G, H, I, J, K);
        $m!(A, B, C, D, E, F, G, H, I, J, K, L);
    };
}

macro_rules! c_args {
    ($($t:ident),+) => {
        impl<$($t: CType + crate::FrameValue),+> CArgs for ($($t,)+) {
            fn c_types() -> Vec<Type> {
                vec![$(<$t as CType>::c_type()),+]
            }

            fn rust_names() -> Vec<&'static str> {
                vec![$(std::any::type_name::<$t>()),+]
            }
        }
    };
}

for_each_arity!(c_args);

impl<T: CType + Plain, const N: usize> CArgs for [T; N] {
    fn c_types() -> Vec<Type> {
        vec![T::c_type(); N]
    }

    fn rust_names() -> Vec<&'static str> {
        vec![std::any::type_name::<T>(); N]
    }
}

/// Checks that Rust types with C types `ret` and `params` are passed exactly as `f`'s
/// signature passes its own, comparing the two call plans.
///
/// `direct` says how the Rust side passes 32- and 64-byte vectors: through the frame
/// (`false`, [`Function::typed`]), where the trampoline moves them as the callee's
/// [`VectorAbi`] says, so they pass as the function's own signature states; or in a
/// direct `extern "C"` call (`true`, [`Function::as_fn`]), where Rust puts them in
/// `ymm` and `zmm` registers (and compiles such a call only with AVX and AVX-512F).
fn check_plan(
    f: &Function,
    rust_types: &[&str],
    ret: Type,
    params: Vec<Type>,
    direct: bool,
) -> Result<(), Error> {
    let sig = f.signature();
    if params.len() != sig.params().len() {
        return Err(Error::ArgumentCount {
            expected: sig.params().len(),
            found: params.len(),
        });
    }
    let rust = if sig.is_variadic() {
        let variadic = params[sig.fixed_count()..].to_vec();
        Signature::variadic(ret, params[..sig.fixed_count()].to_vec(), variadic)
    } else {
        Signature::new(ret, params)
    };
    // The kinds first, with vectors where the callee takes them.
    let rust = rust.with_vector_abi(sig.vector_abi());
    let theirs = f.plan();
    let ours: CallPlan = sysv::classify(&rust)?;
    if ours == *theirs {
        if direct && let Some(abi) = theirs.vector_abi {
            // Then where Rust's own call puts them: 32 bytes in ymm, 64 in zmm, as a
            // callee built with AVX-512F takes them. The choice itself is not
            // compared: a callee built with AVX takes a `__m256` in ymm just so.
            let mut direct = sysv::classify(&rust.with_vector_abi(VectorAbi::Avx512))?;
            direct.vector_abi = theirs.vector_abi;
            if direct != *theirs {
                return Err(Error::unsupported(format!(
                    "`{sig}` through a Rust function pointer: Rust passes a 32-byte vector \
                     in ymm and a 64-byte one in zmm, and the callee, compiled for {} \
                     (VectorAbi::{abi:?}), takes some in memory; use Function::typed",
                    abi.name()
                )));
            }
        }
        return Ok(());
    }
    let mismatch = |path: String, c: &Type, rust: &str, r: &Type| Error::ValueMismatch {
        path,
        expected: c.to_string(),
        found: format!("Rust `{rust}`, passed as C `{r}`"),
    };
    let pairs = ours.args.iter().zip(&theirs.args).enumerate();
    for (i, (a, b)) in pairs {
        if a != b {
            return Err(mismatch(
                format!("argument {i}"),
                &sig.params()[i],
                rust_types[i + 1],
                &rust.params()[i],
            ));
        }
    }
    Err(mismatch(
        "result".into(),
        sig.ret(),
        rust_types[0],
        rust.ret(),
    ))
}

/// A [`Function`] with its Rust argument and result types checked against its C
/// signature once (see [`Function::typed`]); calls then check nothing.
///
/// It owns one frame, so a call takes `&mut self`; clone it for another thread.
pub struct TypedFunction<A, R> {
    function: Function,
    frame: Frame,
    /// Whether `A`'s constant offsets are the frame's (see `crate::frame::args`); if not, the
    /// arguments are written slot by slot, still unchecked.
    coded: bool,
    types: PhantomData<fn(A) -> R>,
}

impl<A: CArgs, R: CReturn> TypedFunction<A, R> {
    /// Calls the function with `args` and returns its result.
    ///
    /// # Safety
    ///
    /// As for [`Function::call`]: the target must really have the function's C
    /// signature, and any pointer passed must be valid for what the callee does with it.
    #[inline]
    pub unsafe fn call(&mut self, args: A) -> R {
        let base = self.frame.as_mut_ptr();
        let layout = &self.frame.plan().layout;
        if self.coded {
            // SAFETY: the frame's layout code is A's (checked at creation), so every
            // argument's slot is at A's constant offset from the argument area.
            unsafe { args.write_at(base.add(layout.args_base as usize)) };
        } else {
            let slots = &layout.slots;
            // SAFETY: A's sizes are the plan's slot sizes (the plans are equal), and
            // each offset is its slot's, inside the frame.
            unsafe { args.write_each(base, |i| slots[i].offset as usize) };
        }
        // SAFETY: the frame was made for this function's plan; the caller vouches for
        // the target.
        unsafe { self.function.call_frame_unchecked(&mut self.frame) };
        // SAFETY: the result area at offset 0 holds the callee's result of R's C type
        // (the plans are equal), which is a valid R by CType's contract (or R is `()`,
        // which reads nothing); the read tolerates any alignment.
        unsafe { self.frame.as_mut_ptr().cast::<R>().read_unaligned() }
    }

    /// The function.
    pub fn function(&self) -> &Function {
        &self.function
    }

    /// The errno slot of the function's own frame (see [`Frame::errno`]): after a call
    /// of a function bound with errno capture ([`Function::with_errno`]), the errno the
    /// callee left; `None` without capture.
    #[inline]
    pub fn errno(&self) -> Option<i32> {
        self.frame.errno()
    }

    /// Writes the errno slot of the function's own frame (see [`Frame::set_errno`]):
    /// with [`crate::Errno::SetAndCapture`], the errno set right before the next call.
    pub fn set_errno(&mut self, errno: i32) -> Result<(), Error> {
        self.frame.set_errno(errno)
    }
}

impl<A, R> Clone for TypedFunction<A, R> {
    fn clone(&self) -> Self {
        TypedFunction {
            function: self.function.clone(),
            frame: self.function.frame(),
            coded: self.coded,
            types: PhantomData,
        }
    }
}

impl<A, R> std::fmt::Debug for TypedFunction<A, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedFunction")
            .field("function", &self.function)
            .field("args", &std::any::type_name::<A>())
            .field("ret", &std::any::type_name::<R>())
            .finish()
    }
}

/// An `unsafe extern "C" fn` pointer type whose parameters and result are [`CType`]s
/// (or a `()` result): what [`Function::as_fn`] hands back. Implemented for up to
/// twelve parameters; sealed.
pub trait ExternFn: Copy + sealed::Sealed {
    /// The C result and parameter types, and the Rust type names (result first).
    #[doc(hidden)]
    fn c_signature() -> (Type, Vec<Type>, Vec<&'static str>);
    /// The pointer as this type.
    ///
    /// # Safety
    ///
    /// `p` must be a function with this signature.
    #[doc(hidden)]
    unsafe fn from_ptr(p: *const c_void) -> Self;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! extern_fns {
    ($($t:ident),*) => {
        impl<R: CReturn, $($t: CType),*> sealed::Sealed for unsafe extern "C" fn($($t),*) -> R {}

        impl<R: CReturn, $($t: CType),*> ExternFn for unsafe extern "C" fn($($t),*) -> R {
            fn c_signature() -> (Type, Vec<Type>, Vec<&'static str>) {
                (
                    R::c_type(),
                    vec![$(<$t as CType>::c_type()),*],
                    vec![std::any::type_name::<R>() $(, std::any::type_name::<$t>())*],
                )
            }

            unsafe fn from_ptr(p: *const c_void) -> Self {
                // SAFETY: a code address as a function pointer of this signature (the
                // caller's contract).
                unsafe { std::mem::transmute::<*const c_void, Self>(p) }
            }
        }
    };
}

extern_fns!();
for_each_arity!(extern_fns);

impl Function {
    /// This function with Rust argument types `A` (a tuple) and result type `R` (`()`
    /// for `void`), after checking once that they travel exactly as the C signature's
    /// types do: the same call plan, so the same registers, stack slots and extensions
    /// (`(i64, i64)` for `pow(double, double)` is an error: INTEGER against SSE). Calls
    /// through the result then check nothing.
    ///
    /// The `core::arch::x86_64` vectors (`__m128` .. `__m512i`) are C's GNU vectors of
    /// the same names; a 32- or 64-byte one travels as the function's
    /// [`VectorAbi`] says (in memory for a callee built without AVX, in `ymm` or `zmm`
    /// where it was built with them), whatever the Rust code calling `call` was
    /// compiled for.
    ///
    /// ```
    /// use jitcall::Library;
    ///
    /// let libm = Library::open("libm.so.6")?;
    /// let pow = libm.function("pow", &"double pow(double, double)".parse()?)?;
    /// assert!(pow.typed::<(i64, i64), f64>().is_err());
    /// let mut pow = pow.typed::<(f64, f64), f64>()?;
    /// // SAFETY: pow has this signature.
    /// assert_eq!(unsafe { pow.call((2.0, 10.0)) }, 1024.0);
    /// # Ok::<(), jitcall::Error>(())
    /// ```
    pub fn typed<A: CArgs, R: CReturn>(&self) -> Result<TypedFunction<A, R>, Error> {
        let mut names = vec![std::any::type_name::<R>()];
        names.extend(A::rust_names());
        check_plan(self, &names, R::c_type(), A::c_types(), false)?;
        let frame = self.frame();
        let coded = frame.plan().layout.code() == A::CODE;
        Ok(TypedFunction {
            function: self.clone(),
            frame,
            coded,
            types: PhantomData,
        })
    }

    /// The target itself as a Rust function pointer of type `F`, after checking once
    /// that `F`'s parameters and result travel exactly as the C signature's do (the same
    /// call plan): a direct call, nothing of jitcall's in between.
    ///
    /// Refused, with an error: functions bound with errno capture
    /// ([`Function::with_errno`]: a direct call has no trampoline to capture it),
    /// variadic functions (a Rust fn pointer type cannot say
    /// which arguments are variadic), and results of `bool`, `i8`, `u8`, `i16`, `u16`,
    /// since Rust (like clang) assumes a callee extends those to 32 bits and gcc's do
    /// not; use [`Function::typed`] for them. Also refused: a 32- or 64-byte vector
    /// (`__m256d`, `__m512`) that the callee takes in memory, by the function's
    /// [`VectorAbi`]: Rust passes those in `ymm` and `zmm` (and compiles such a call
    /// only in code with AVX, or AVX-512F, enabled: a `#[target_feature]` function), so
    /// the callee must have been built for them, and this CPU must have them, which
    /// making the function checked already. [`Function::typed`] has no such limit: the
    /// trampoline moves vectors as the callee takes them.
    ///
    /// ```
    /// use jitcall::Library;
    ///
    /// let libm = Library::open("libm.so.6")?;
    /// let pow = libm.function("pow", &"double pow(double, double)".parse()?)?;
    /// let f: unsafe extern "C" fn(f64, f64) -> f64 = pow.as_fn()?;
    /// // SAFETY: pow has this signature, and `libm` stays loaded while `f` is used.
    /// assert_eq!(unsafe { f(2.0, 10.0) }, 1024.0);
    /// # Ok::<(), jitcall::Error>(())
    /// ```
    ///
    /// The pointer does not keep the library loaded: keep this `Function` (or its
    /// [`crate::Library`]) alive while you use it.
    pub fn as_fn<F: ExternFn>(&self) -> Result<F, Error> {
        let sig = self.signature();
        if self.errno().captures() {
            return Err(Error::unsupported(format!(
                "`{sig}` captures errno, which a direct call through a Rust function pointer \
                 cannot; use Function::typed"
            )));
        }
        if sig.is_variadic() {
            return Err(Error::unsupported(format!(
                "`{sig}` is variadic: a Rust function pointer cannot call it; use Function::typed"
            )));
        }
        let (ret, params, names) = F::c_signature();
        if matches!(
            sig.ret(),
            Type::Bool | Type::Char | Type::SChar | Type::UChar | Type::Short | Type::UShort
        ) {
            return Err(Error::unsupported(format!(
                "a `{}` result through a Rust function pointer: Rust assumes the callee \
                 extended it to 32 bits, which gcc-compiled callees do not; use Function::typed",
                sig.ret()
            )));
        }
        check_plan(self, &names, ret, params, true)?;
        // SAFETY: the target has the C signature (the caller's word when it calls), and
        // F travels as that signature does (the plans are equal).
        Ok(unsafe { F::from_ptr(self.target()) })
    }
}
