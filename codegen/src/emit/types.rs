//! Data types: structures with their builders, string enums, intEnums and unions, in the
//! conventions users of the AWS SDK for Rust know (`#[non_exhaustive]`, accessors, builders
//! with `x` / `set_x` / `get_x`, `Unknown` variants for values newer than the model).

use super::common::*;
use crate::ir::*;
use crate::naming::prefixed;
use proc_macro2::TokenStream;
use quote::quote;


/// A structure and its impl (accessors, `builder()`); the builder is returned separately so
/// callers can place it in their `builders` module.
pub fn structure(s: &StructDef, builder_path: &TokenStream) -> (TokenStream, TokenStream) {
    let StructDef { name, builder: _, shape_id: _, docs, deprecated, fields, sensitive, error, uses: _, module: _ } = s;
    let doc = doc_attrs(docs);
    let dep = deprecated_attr(deprecated);
    let field_decls = fields.iter().map(|f| {
        let fdoc = doc_attrs(&f.docs);
        let fdep = deprecated_attr(&f.deprecated);
        let n = &f.name;
        let ty = field_type(f);
        quote!(#fdoc #fdep pub #n: #ty,)
    });
    let meta_decl = error.as_ref().map(|_| quote!(pub(crate) meta: rt::error::ErrorMetadata,));
    let output = is_operation_output(s);
    let request_id_decl = output.then(|| quote!(pub(crate) _request_id: Option<String>,));
    let request_id_impl = output.then(|| {
        quote! {
            impl rt::error::RequestId for #name {
                fn request_id(&self) -> Option<&str> {
                    self._request_id.as_deref()
                }
            }
        }
    });
    let accessors = fields.iter().filter(|f| f.deprecated.is_some()).map(accessor);
    let accessor_entries = accessor_entries(fields);
    let needs_manual_debug = *sensitive || fields.iter().any(|f| f.sensitive);
    let derive_debug = if needs_manual_debug { quote!() } else { quote!(Debug,) };
    let debug_impl = if needs_manual_debug { debug_impl(name, fields, *sensitive, error.is_some()) } else { quote!() };
    let builder_doc = doc_line(&format!("Creates a new builder-style object to manufacture [`{name}`]."));
    let error_impls = error.is_some().then(|| error_impls(name, fields));
    let tokens = quote! {
        #doc
        #dep
        #[non_exhaustive]
        #[derive(Clone, PartialEq, #derive_debug)]
        pub struct #name {
            #(#field_decls)*
            #meta_decl
            #request_id_decl
        }
        impl #name {
            #accessor_entries
            #(#accessors)*
            #builder_doc
            pub fn builder() -> #builder_path {
                Default::default()
            }
        }
        #request_id_impl
        #debug_impl
        #error_impls
    };
    (tokens, builder(s))
}

/// The accessors of a structure's members as one `rt::accessors!` invocation, one entry per
/// member under its docs (deprecated members are written out by [`accessor`]).
fn accessor_entries(fields: &[Field]) -> TokenStream {
    let entries: Vec<TokenStream> = fields
        .iter()
        .filter(|f| f.deprecated.is_none())
        .map(|f| {
            let doc = doc_attrs(&f.docs);
            let n = &f.name;
            let (ret, how) = accessor_shape(f);
            quote!(#doc #n #how: #ret;)
        })
        .collect();
    if entries.is_empty() {
        return quote!();
    }
    quote!(rt::accessors! { #(#entries)* })
}

fn accessor(f: &Field) -> TokenStream {
    let Field { name, docs, deprecated, .. } = f;
    let doc = doc_attrs(docs);
    let dep = deprecated_attr(deprecated);
    let (ret, how) = accessor_shape(f);
    let body = match how.to_string().as_str() {
        "copy" => quote!(self.#name),
        "borrow" => quote!(&self.#name),
        "slice" => quote!(self.#name.as_deref().unwrap_or_default()),
        _ => quote!(self.#name.#how()),
    };
    quote! {
        #doc
        #dep
        pub fn #name(&self) -> #ret {
            #body
        }
    }
}

/// What a member's accessor returns, and how (the `rt::accessors!` keyword).
fn accessor_shape(f: &Field) -> (TokenStream, proc_macro2::Ident) {
    let Field { ty, boxed, optional, .. } = f;
    let inner = rust_type(ty);
    // Timestamps are returned by reference, as the AWS SDK for Rust does.
    let is_copy = |t: &TypeRef| is_copy(t) && !matches!(t, TypeRef::Timestamp { .. });
    let how = |s: &str| proc_macro2::Ident::new(s, proc_macro2::Span::call_site());
    match (optional, ty) {
        (true, TypeRef::String) => (quote!(Option<&str>), how("as_deref")),
        (true, TypeRef::List { member, sparse }) => {
            let m = rust_type(member);
            let m = if *sparse { quote!(Option<#m>) } else { m };
            (quote!(&[#m]), how("slice"))
        }
        (true, t) if is_copy(t) && !boxed => (quote!(Option<#inner>), how("copy")),
        (true, _) if *boxed => (quote!(Option<&#inner>), how("as_deref")),
        (true, _) => (quote!(Option<&#inner>), how("as_ref")),
        (false, TypeRef::String) => (quote!(&str), how("as_str")),
        (false, TypeRef::List { member, sparse }) => {
            let m = rust_type(member);
            let m = if *sparse { quote!(Option<#m>) } else { m };
            (quote!(&[#m]), how("borrow"))
        }
        (false, t) if is_copy(t) && !boxed => (inner, how("copy")),
        (false, _) => (quote!(&#inner), how("borrow")),
    }
}

fn debug_impl(name: &crate::naming::Name, fields: &[Field], all_sensitive: bool, error: bool) -> TokenStream {
    let label = name.bare();
    let entries = fields.iter().map(|f| {
        let n = &f.name;
        let key = f.name.bare();
        if all_sensitive || f.sensitive {
            quote!(.field(#key, &#REDACTED))
        } else {
            quote!(.field(#key, &self.#n))
        }
    });
    let meta = error.then(|| quote!(.field("meta", &self.meta)));
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#entries)* #meta .finish()
            }
        }
    }
}

/// `Display`, `Error` and `ProvideErrorMetadata` for a modeled error structure. `Display`
/// names the error by its shape (as the AWS SDKs do), which differs from the wire code where
/// the protocol renames it (`@awsQueryError`); `code()` gives the wire code.
fn error_impls(name: &crate::naming::Name, fields: &[Field]) -> TokenStream {
    let label = name.bare().to_string();
    let message = fields.iter().find(|f| f.member.eq_ignore_ascii_case("message") && f.ty == TypeRef::String);
    let source = match message {
        // A sensitive message is never printed; Display falls back to the response metadata.
        Some(f) if f.sensitive => quote!(metadata),
        Some(Field { name, optional: true, .. }) => quote!(optional #name),
        Some(Field { name, .. }) => quote!(required #name),
        None => quote!(metadata),
    };
    quote!(rt::impl_modeled_error!(#name, #label, #source);)
}

/// Whether `build()` can fail: a non-optional field without default must be set, or the
/// structure is an operation input (required members and constraints are checked).
pub fn build_is_fallible(s: &StructDef) -> bool {
    is_input(s) || s.fields.iter().any(|f| !f.optional && f.default.is_none())
}

fn is_input(s: &StructDef) -> bool {
    matches!(s.module, Module::Operation(_)) && s.name.bare().ends_with("Input")
}

fn builder(s: &StructDef) -> TokenStream {
    let StructDef { name, builder: bname, fields, sensitive, error, .. } = s;
    // The builder lives in a `builders` module, so links name the structure by its full path.
    let link = match &s.module {
        Module::Types => format!("crate::types::{}", name.bare()),
        Module::Errors => format!("crate::types::error::{}", name.bare()),
        Module::Operation(op) => format!("crate::operation::{}::{}", op.bare(), name.bare()),
    };
    let doc = doc_line(&format!("A builder for [`{}`]({link}).", name.bare()));
    let decls = fields.iter().map(|f| {
        let n = &f.name;
        let t = rust_type(&f.ty);
        quote!(pub(crate) #n: Option<#t>,)
    });
    let meta_decl = error.as_ref().map(|_| quote!(pub(crate) meta: Option<rt::error::ErrorMetadata>,));
    let setters = fields.iter().filter(|f| f.deprecated.is_some()).map(setters);
    let setter_entries = setter_entries(fields);
    let set_get = set_get_entries(fields);
    let meta_setter = error.as_ref().map(|_| {
        quote! {
            /// Sets the error metadata (code, message, request id).
            pub fn meta(mut self, meta: rt::error::ErrorMetadata) -> Self {
                self.meta = Some(meta);
                self
            }
        }
    });
    let struct_path = match &s.module {
        Module::Types => quote!(crate::types::#name),
        Module::Errors => quote!(crate::types::error::#name),
        Module::Operation(op) => quote!(crate::operation::#op::#name),
    };
    let fallible = build_is_fallible(s);
    let checks = if is_input(s) { input_checks(s) } else { quote!() };
    let inits = fields.iter().map(|f| {
        let n = &f.name;
        let member = &f.member;
        let struct_name = name.bare();
        let boxed = |v: TokenStream| if f.boxed { quote!(Box::new(#v)) } else { v };
        if f.optional {
            if f.boxed {
                quote!(#n: self.#n.map(Box::new),)
            } else {
                quote!(#n: self.#n,)
            }
        } else if let Some(d) = &f.default {
            let v = boxed(unwrap_or_default_value(quote!(self.#n), d, &f.ty));
            quote!(#n: #v,)
        } else {
            let v = boxed(quote!(self.#n.ok_or_else(|| rt::error::BuildError::missing_field(#member, #struct_name))?));
            quote!(#n: #v,)
        }
    });
    let meta_init = error.as_ref().map(|_| quote!(meta: self.meta.unwrap_or_default(),));
    let output = is_operation_output(s);
    let request_id_decl = output.then(|| quote!(pub(crate) _request_id: Option<String>,));
    let request_id_setter = output.then(|| {
        quote! {
            #[doc(hidden)]
            pub fn _request_id(mut self, request_id: impl Into<String>) -> Self {
                self._request_id = Some(request_id.into());
                self
            }
        }
    });
    let request_id_init = output.then(|| quote!(_request_id: self._request_id,));
    let build_doc = doc_line(&format!("Consumes the builder and constructs a [`{}`]({link}).", name.bare()));
    let build = if fallible {
        quote! {
            #build_doc
            pub fn build(self) -> Result<#struct_path, rt::error::BuildError> {
                #checks
                Ok(#struct_path { #(#inits)* #meta_init #request_id_init })
            }
        }
    } else {
        quote! {
            #build_doc
            pub fn build(self) -> #struct_path {
                #struct_path { #(#inits)* #meta_init #request_id_init }
            }
        }
    };
    let needs_manual_debug = *sensitive || fields.iter().any(|f| f.sensitive);
    let derive_debug = if needs_manual_debug { quote!() } else { quote!(Debug,) };
    let debug = if needs_manual_debug {
        debug_impl(bname, fields, *sensitive, false)
    } else {
        quote!()
    };
    quote! {
        #doc
        #[non_exhaustive]
        #[derive(Clone, PartialEq, Default, #derive_debug)]
        pub struct #bname {
            #(#decls)*
            #meta_decl
            #request_id_decl
        }
        impl #bname {
            #setter_entries
            #set_get
            #(#setters)*
            #meta_setter
            #request_id_setter
            #build
        }
        #debug
    }
}

/// The setters of a builder's members as one `rt::builder_setters!` invocation, one entry per
/// member under its docs (deprecated members are written out by [`setters`]).
fn setter_entries(fields: &[Field]) -> TokenStream {
    let entries: Vec<TokenStream> = fields
        .iter()
        .filter(|f| f.deprecated.is_none())
        .map(|f| {
            let Field { name, docs, ty, .. } = f;
            let doc = doc_attrs(docs);
            match ty {
                TypeRef::List { member, sparse } => {
                    let m = rust_type(member);
                    let m = if *sparse { quote!(Option<#m>) } else { m };
                    let append_doc = doc_paragraph("Appends an item; use the `set_` method to replace the whole list.");
                    quote!(#doc #append_doc #name(input: impl Into<#m>) push;)
                }
                TypeRef::Map { key, value, sparse } => {
                    let k = rust_type(key);
                    let v = rust_type(value);
                    let v = if *sparse { quote!(Option<#v>) } else { v };
                    let insert_doc = doc_paragraph("Inserts an entry; use the `set_` method to replace the whole map.");
                    quote!(#doc #insert_doc #name(k: impl Into<#k>, v: impl Into<#v>) insert;)
                }
                _ => {
                    let t = rust_type(ty);
                    quote!(#doc #name(input: impl Into<#t>) set;)
                }
            }
        })
        .collect();
    if entries.is_empty() {
        return quote!();
    }
    quote!(rt::builder_setters! { #(#entries)* })
}

fn setters(f: &Field) -> TokenStream {
    let Field { name, docs, deprecated, ty, .. } = f;
    let doc = doc_attrs(docs);
    let dep = deprecated_attr(deprecated);
    let set = prefixed("set_", name);
    let get = prefixed("get_", name);
    let t = rust_type(ty);
    let one = match ty {
        TypeRef::List { member, sparse } => {
            let m = rust_type(member);
            let m = if *sparse { quote!(Option<#m>) } else { m };
            let append_doc = doc_paragraph("Appends an item; use the `set_` method to replace the whole list.");
            quote! {
                #doc
                #append_doc
                #dep
                pub fn #name(mut self, input: impl Into<#m>) -> Self {
                    self.#name.get_or_insert_with(Vec::new).push(input.into());
                    self
                }
            }
        }
        TypeRef::Map { key, value, sparse } => {
            let k = rust_type(key);
            let v = rust_type(value);
            let v = if *sparse { quote!(Option<#v>) } else { v };
            let insert_doc = doc_paragraph("Inserts an entry; use the `set_` method to replace the whole map.");
            quote! {
                #doc
                #insert_doc
                #dep
                pub fn #name(mut self, k: impl Into<#k>, v: impl Into<#v>) -> Self {
                    self.#name.get_or_insert_with(::std::collections::HashMap::new).insert(k.into(), v.into());
                    self
                }
            }
        }
        _ => quote! {
            #doc
            #dep
            pub fn #name(mut self, input: impl Into<#t>) -> Self {
                self.#name = Some(input.into());
                self
            }
        },
    };
    if deprecated.is_none() {
        // The `set_`/`get_` pair comes from `rt::builder_set_get!` (see `set_get_entries`).
        return one;
    }
    let (set_doc, get_doc) = accessor_docs(&f.member);
    quote! {
        #one
        #set_doc
        #dep
        pub fn #set(mut self, input: Option<#t>) -> Self {
            self.#name = input;
            self
        }
        #get_doc
        #dep
        pub fn #get(&self) -> &Option<#t> {
            &self.#name
        }
    }
}

/// The `set_`/`get_` pairs of a builder's members as one `rt::builder_set_get!` invocation, one
/// entry per member (deprecated members are written out, to carry the attribute).
fn set_get_entries(fields: &[Field]) -> TokenStream {
    let entries: Vec<TokenStream> = fields
        .iter()
        .filter(|f| f.deprecated.is_none())
        .map(|f| {
            let n = &f.name;
            let (set, get) = (prefixed("set_", n), prefixed("get_", n));
            let member = &f.member;
            let t = rust_type(&f.ty);
            quote!(#n #set #get #member: #t;)
        })
        .collect();
    if entries.is_empty() {
        return quote!();
    }
    quote!(rt::builder_set_get! { #(#entries)* })
}

/// One-line docs of the `set_` and `get_` methods (the plain setter carries the member's docs).
pub fn accessor_docs(member: &str) -> (TokenStream, TokenStream) {
    (doc_line(&format!("Sets or unsets `{member}`.")), doc_line(&format!("`{member}` as set so far.")))
}

/// Checks an input before anything is sent: required members present (idempotency tokens are
/// filled later, so they are exempt). `@length`, `@range` and `@pattern` are documented on the
/// members and left to the service: Smithy clients must not enforce them, or relaxing a
/// constraint would break deployed clients ("Constraint trait enforcement").
fn input_checks(s: &StructDef) -> TokenStream {
    let struct_name = s.name.bare();
    let checks: Vec<TokenStream> = s
        .fields
        .iter()
        .filter(|f| f.required && !f.idempotency_token)
        .map(|f| {
            let n = &f.name;
            let member = &f.member;
            quote!(#n #member;)
        })
        .collect();
    if checks.is_empty() {
        return quote!();
    }
    quote!(rt::require_members! { self, #struct_name; #(#checks)* })
}

/// A string enum with an `Unknown` variant for values this model version does not know.
pub fn string_enum(e: &EnumDef) -> TokenStream {
    let EnumDef { name, shape_id: _, docs, deprecated, sensitive, values, uses: _ } = e;
    let doc = doc_attrs(docs);
    let dep = deprecated_attr(deprecated);
    let variants = values.iter().map(|v| {
        let vdoc = doc_attrs(&v.docs);
        let vdep = deprecated_attr(&v.deprecated);
        let n = &v.name;
        quote!(#vdoc #vdep #n,)
    });
    let as_str = values.iter().map(|v| {
        let n = &v.name;
        let s = &v.value;
        quote!(#name::#n => #s,)
    });
    let from = values.iter().map(|v| {
        let n = &v.name;
        let s = &v.value;
        quote!(#s => #name::#n,)
    });
    let all: Vec<&String> = values.iter().map(|v| &v.value).collect();
    let (derive_debug, debug) = sensitive_debug(name, *sensitive);
    quote! {
        #doc
        #dep
        #[non_exhaustive]
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, #derive_debug)]
        pub enum #name {
            #(#variants)*
            /// A value this version of the client does not know; match on [`Self::as_str`] to
            /// handle it.
            Unknown(rt::types::UnknownVariantValue),
        }
        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    #name::Unknown(v) => v.as_str(),
                }
            }
            /// Every value this version of the client knows.
            pub const fn values() -> &'static [&'static str] {
                &[#(#all),*]
            }
        }
        impl From<&str> for #name {
            fn from(s: &str) -> Self {
                match s {
                    #(#from)*
                    other => #name::Unknown(rt::types::UnknownVariantValue::new(other)),
                }
            }
        }
        rt::impl_string_enum!(#name);
        #debug
    }
}

/// For a type that is `@sensitive` as a whole: no derived `Debug`, and a `Debug` that prints only
/// the redaction marker. Otherwise the `Debug` derive.
fn sensitive_debug(name: &crate::naming::Name, sensitive: bool) -> (TokenStream, TokenStream) {
    if !sensitive {
        return (quote!(Debug,), quote!());
    }
    let debug = quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(#REDACTED)
            }
        }
    };
    (quote!(), debug)
}

/// An intEnum with an `Unknown` variant carrying the raw value.
pub fn int_enum(e: &IntEnumDef) -> TokenStream {
    let IntEnumDef { name, shape_id: _, docs, deprecated, values, uses: _ } = e;
    let doc = doc_attrs(docs);
    let dep = deprecated_attr(deprecated);
    let variants = values.iter().map(|v| {
        let vdoc = doc_attrs(&v.docs);
        let vdep = deprecated_attr(&v.deprecated);
        let n = &v.name;
        quote!(#vdoc #vdep #n,)
    });
    let to = values.iter().map(|v| {
        let n = &v.name;
        let i = v.value;
        quote!(#name::#n => #i,)
    });
    let from = values.iter().map(|v| {
        let n = &v.name;
        let i = v.value;
        quote!(#i => #name::#n,)
    });
    quote! {
        #doc
        #dep
        #[non_exhaustive]
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum #name {
            #(#variants)*
            /// A value this version of the client does not know.
            Unknown(i32),
        }
        impl #name {
            /// The value as sent on the wire.
            pub fn value(&self) -> i32 {
                match self {
                    #(#to)*
                    #name::Unknown(v) => *v,
                }
            }
        }
        impl From<i32> for #name {
            fn from(v: i32) -> Self {
                match v {
                    #(#from)*
                    other => #name::Unknown(other),
                }
            }
        }
    }
}

/// A union, with an `Unknown` variant for members newer than the model.
pub fn union(u: &UnionDef) -> TokenStream {
    let UnionDef { name, shape_id: _, docs, deprecated, sensitive, variants, uses: _ } = u;
    let doc = doc_attrs(docs);
    let dep = deprecated_attr(deprecated);
    let decls = variants.iter().map(|v| {
        let vdoc = doc_attrs(&v.docs);
        let vdep = deprecated_attr(&v.deprecated);
        let n = &v.name;
        match &v.ty {
            None => quote!(#vdoc #vdep #n,),
            Some(t) => {
                let t = rust_type(t);
                let t = if v.boxed { quote!(Box<#t>) } else { t };
                quote!(#vdoc #vdep #n(#t),)
            }
        }
    });
    let methods = variants.iter().map(|v| {
        let n = &v.name;
        let (is, as_) = (&v.is_fn, &v.as_fn);
        let is_doc = doc_line(&format!("Whether this is the [`{}::{}`] variant.", name.bare(), n.bare()));
        let as_doc = doc_line(&format!("The inner value if this is [`{}::{}`], else `Err(self)`.", name.bare(), n.bare()));
        let dep = deprecated_attr(&v.deprecated);
        let is_fn = quote! {
            #is_doc
            #dep
            pub fn #is(&self) -> bool {
                matches!(self, #name::#n { .. })
            }
        };
        match &v.ty {
            None => is_fn,
            Some(t) => {
                let t = rust_type(t);
                let t = if v.boxed { quote!(Box<#t>) } else { t };
                quote! {
                    #is_fn
                    #as_doc
                    #dep
                    pub fn #as_(&self) -> Result<&#t, &Self> {
                        if let #name::#n(v) = self { Ok(v) } else { Err(self) }
                    }
                }
            }
        }
    });
    let (derive_debug, debug) = sensitive_debug(name, *sensitive);
    quote! {
        #doc
        #dep
        #[non_exhaustive]
        #[derive(Clone, PartialEq, #derive_debug)]
        pub enum #name {
            #(#decls)*
            /// A member this version of the client does not know (received from a newer
            /// service). It cannot be sent.
            #[non_exhaustive]
            Unknown,
        }
        impl #name {
            #(#methods)*
            /// Whether this is a member this version of the client does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, #name::Unknown)
            }
        }
        #debug
    }
}
