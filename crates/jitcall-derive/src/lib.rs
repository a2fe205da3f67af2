//! Derives for jitcall's plain-data traits: `#[derive(AnyBits)]` and
//! `#[derive(Plain)]` on `#[repr(C)]` (or `#[repr(transparent)]`) structs. The generated
//! impls name `::jitcall`, so a crate using them depends on `jitcall` too. See
//! `jitcall::plain` for what the traits promise.
//!
//! Each derive checks at compile time what the trait's safety contract asks: a fixed
//! representation (checked here, on the attributes), every field's type implementing
//! the trait (checked by the compiler, through generated bounds) and, for `Plain`, no
//! padding (a constant assertion that the fields' sizes add up to the struct's). It
//! does not support generic structs, enums or unions: implement the traits by hand
//! there, with `unsafe impl`.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{Data, DeriveInput, Error, Fields, parse_macro_input};

/// Implements `jitcall::AnyBits` for a `#[repr(C)]` struct whose fields are all
/// `AnyBits`: every bit pattern is a valid value; padding is allowed.
#[proc_macro_derive(AnyBits)]
pub fn derive_any_bits(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, false)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Implements `jitcall::AnyBits` and `jitcall::Plain` for a `#[repr(C)]` struct whose
/// fields are all `Plain` and which has no padding.
#[proc_macro_derive(Plain)]
pub fn derive_plain(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, true)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// The impls (and their compile-time checks) for `input`; `plain`: also `Plain`.
fn expand(input: &DeriveInput, plain: bool) -> Result<Tokens, Error> {
    let name = &input.ident;
    let derive = if plain { "Plain" } else { "AnyBits" };
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &input.generics,
            format!("#[derive({derive})] does not support generic types: implement it by hand"),
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(Error::new_spanned(
            name,
            format!("#[derive({derive})] supports structs only"),
        ));
    };
    if !has_fixed_repr(input)? {
        return Err(Error::new_spanned(
            name,
            format!(
                "#[derive({derive})] needs #[repr(C)] or #[repr(transparent)]: Rust's own \
                 layout may reorder fields"
            ),
        ));
    }
    let types: Vec<&syn::Type> = match &data.fields {
        Fields::Named(f) => f.named.iter().map(|f| &f.ty).collect(),
        Fields::Unnamed(f) => f.unnamed.iter().map(|f| &f.ty).collect(),
        Fields::Unit => Vec::new(),
    };
    let bound = if plain {
        quote!(::jitcall::Plain)
    } else {
        quote!(::jitcall::AnyBits)
    };
    let mut out = quote! {
        #[allow(dead_code)]
        const _: () = {
            fn every_field_is<T: #bound>() {}
            fn check() { #(every_field_is::<#types>();)* }
        };
        // SAFETY: #[repr(C)] (or transparent), and every field's type is AnyBits
        // (checked just above), so every bit pattern is a valid value.
        unsafe impl ::jitcall::AnyBits for #name {}
    };
    if plain {
        out.extend(quote! {
            const _: () = assert!(
                ::core::mem::size_of::<#name>() == 0 #(+ ::core::mem::size_of::<#types>())*,
                concat!(
                    "#[derive(Plain)]: `", stringify!(#name), "` has padding; ",
                    "derive AnyBits and write it as jitcall::Padded(value)"
                )
            );
            // SAFETY: AnyBits (above), and no padding: the fields' sizes add up to the
            // struct's (asserted above).
            unsafe impl ::jitcall::Plain for #name {}
        });
    }
    Ok(out)
}

/// Whether `input` has `#[repr(C)]` or `#[repr(transparent)]` (possibly with `align`).
/// `packed` is accepted too: it removes padding and keeps the order.
fn has_fixed_repr(input: &DeriveInput) -> Result<bool, Error> {
    let mut fixed = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("C") || meta.path.is_ident("transparent") {
                fixed = true;
            }
            if meta.input.peek(syn::token::Paren) {
                // `align(N)`, `packed(N)`: skip the argument.
                let content;
                syn::parenthesized!(content in meta.input);
                content.parse::<Tokens>()?;
            }
            Ok(())
        })?;
    }
    Ok(fixed)
}
