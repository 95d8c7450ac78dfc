//! Token helpers shared by the emitters: doc attributes, Rust spellings of IR types, and the
//! paths of runtime items. Generated code names std and runtime items by absolute path so a
//! model's type called `String` or `Result` can never shadow them.

use crate::ir::*;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// Brings the runtime crate into scope as `rt` (generated code names runtime items `rt::...`).
/// Every generated module, inline ones included, starts with it.
pub fn rt_import() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use ::client_runtime::__private as rt;
    }
}

/// `#[doc = " line"]` per line (one attribute per line renders as `///` comments).
pub fn doc_attrs(docs: &Docs) -> TokenStream {
    let lines = docs.0.iter().map(|l| {
        let text = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #text])
    });
    quote!(#(#lines)*)
}

/// Doc attributes from a single line.
pub fn doc_line(line: &str) -> TokenStream {
    doc_attrs(&Docs(vec![line.to_string()]))
}

/// `line` as a paragraph of its own after other docs (which may end in a list).
pub fn doc_paragraph(line: &str) -> TokenStream {
    doc_attrs(&Docs(vec![String::new(), line.to_string()]))
}

/// `#[deprecated(...)]` when the shape or member is deprecated.
pub fn deprecated_attr(d: &Option<Deprecated>) -> TokenStream {
    match d {
        None => quote!(),
        Some(Deprecated { message, since }) => {
            let note = message.clone().map(|m| quote!(note = #m));
            let since = since.clone().map(|s| quote!(since = #s));
            let args: Vec<TokenStream> = since.into_iter().chain(note).collect();
            if args.is_empty() {
                quote!(#[deprecated])
            } else {
                quote!(#[deprecated(#(#args),*)])
            }
        }
    }
}

/// The path of a named type (`crate::types::AppInstance`).
pub fn named_path(n: &NamedRef) -> TokenStream {
    let name = &n.name;
    match &n.module {
        Module::Types => quote!(crate::types::#name),
        Module::Errors => quote!(crate::types::error::#name),
        Module::Operation(op) => quote!(crate::operation::#op::#name),
    }
}

/// The Rust type of a value.
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(bool),
        TypeRef::Byte => quote!(i8),
        TypeRef::Short => quote!(i16),
        TypeRef::Integer => quote!(i32),
        TypeRef::Long => quote!(i64),
        TypeRef::Float => quote!(f32),
        TypeRef::Double => quote!(f64),
        TypeRef::BigInteger => quote!(rt::types::BigInteger),
        TypeRef::BigDecimal => quote!(rt::types::BigDecimal),
        TypeRef::String => quote!(String),
        TypeRef::Blob => quote!(rt::types::Blob),
        TypeRef::ByteStream => quote!(rt::types::ByteStream),
        TypeRef::EventStream(es) => {
            let (union, error) = (&es.union, &es.error);
            if es.sender {
                quote!(rt::eventstream::EventStreamSender<crate::types::#union, crate::types::error::#error>)
            } else {
                quote!(rt::eventstream::EventReceiver<crate::types::#union, crate::types::error::#error>)
            }
        }
        TypeRef::Timestamp { .. } => quote!(rt::time::DateTime),
        TypeRef::Document => quote!(rt::document::Document),
        TypeRef::Named(n) => named_path(n),
        TypeRef::List { member, sparse } => {
            let m = rust_type(member);
            if *sparse {
                quote!(Vec<Option<#m>>)
            } else {
                quote!(Vec<#m>)
            }
        }
        TypeRef::Map { key, value, sparse } => {
            let k = rust_type(key);
            let v = rust_type(value);
            if *sparse {
                quote!(::std::collections::HashMap<#k, Option<#v>>)
            } else {
                quote!(::std::collections::HashMap<#k, #v>)
            }
        }
    }
}

/// The type of a field as stored in its struct (boxing and `Option` applied).
pub fn field_type(f: &Field) -> TokenStream {
    let inner = rust_type(&f.ty);
    let inner = if f.boxed { quote!(Box<#inner>) } else { inner };
    if f.optional {
        quote!(Option<#inner>)
    } else {
        inner
    }
}

/// Whether values of this type are `Copy` (accessors return them by value).
pub fn is_copy(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Bool | TypeRef::Byte | TypeRef::Short | TypeRef::Integer | TypeRef::Long | TypeRef::Float | TypeRef::Double | TypeRef::Timestamp { .. }
    )
}

/// `value` (an `Option` of `ty`) or the `@default` value `d`: a literal for numbers and
/// booleans, built only when needed for the rest.
pub fn unwrap_or_default_value(value: TokenStream, d: &DefaultValue, ty: &TypeRef) -> TokenStream {
    let d_expr = default_expr(d, ty);
    match ty {
        TypeRef::Bool | TypeRef::Byte | TypeRef::Short | TypeRef::Integer | TypeRef::Long | TypeRef::Float | TypeRef::Double => {
            quote!(#value.unwrap_or(#d_expr))
        }
        _ => quote!(#value.unwrap_or_else(|| #d_expr)),
    }
}

/// A Rust expression for a default value of type `ty`.
pub fn default_expr(d: &DefaultValue, ty: &TypeRef) -> TokenStream {
    match d {
        DefaultValue::Bool(b) => quote!(#b),
        DefaultValue::Int(i) => int_literal(*i, ty),
        DefaultValue::Float(f) => float_literal(*f, ty),
        DefaultValue::String(s) => match ty {
            TypeRef::BigInteger => quote!(rt::types::BigInteger::new(#s)),
            TypeRef::BigDecimal => quote!(rt::types::BigDecimal::new(#s)),
            _ => quote!(String::from(#s)),
        },
        DefaultValue::EnumVariant(v) => match ty {
            TypeRef::Named(n) => {
                let p = named_path(n);
                quote!(#p::#v)
            }
            _ => quote!(Default::default()),
        },
        DefaultValue::IntEnumValue(i) => match ty {
            TypeRef::Named(n) => {
                let p = named_path(n);
                quote!(#p::from(#i))
            }
            _ => quote!(Default::default()),
        },
        DefaultValue::Blob(bytes) => {
            let lit = Literal::byte_string(bytes);
            if *ty == TypeRef::ByteStream {
                quote!(rt::types::ByteStream::from_static(#lit))
            } else {
                quote!(rt::types::Blob::new(#lit.to_vec()))
            }
        }
        DefaultValue::Timestamp(secs) => quote!(rt::time::DateTime::from_secs(#secs)),
        DefaultValue::Document(d) => doc_value_expr(d),
        DefaultValue::EmptyList => quote!(Vec::new()),
        DefaultValue::EmptyMap => quote!(::std::collections::HashMap::new()),
    }
}

/// An integer literal typed for `ty`.
pub fn int_literal(i: i64, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Byte => {
            let v = Literal::i8_suffixed(i.clamp(i8::MIN as i64, i8::MAX as i64) as i8);
            quote!(#v)
        }
        TypeRef::Short => {
            let v = Literal::i16_suffixed(i.clamp(i16::MIN as i64, i16::MAX as i64) as i16);
            quote!(#v)
        }
        TypeRef::Integer => {
            let v = Literal::i32_suffixed(i.clamp(i32::MIN as i64, i32::MAX as i64) as i32);
            quote!(#v)
        }
        TypeRef::Float | TypeRef::Double => float_literal(i as f64, ty),
        _ => {
            let v = Literal::i64_suffixed(i);
            quote!(#v)
        }
    }
}

/// A float literal, with NaN and the infinities spelled as constants.
pub fn float_literal(f: f64, ty: &TypeRef) -> TokenStream {
    let single = *ty == TypeRef::Float;
    let t = if single { quote!(f32) } else { quote!(f64) };
    if f.is_nan() {
        quote!(#t::NAN)
    } else if f == f64::INFINITY {
        quote!(#t::INFINITY)
    } else if f == f64::NEG_INFINITY {
        quote!(#t::NEG_INFINITY)
    } else if single {
        let v = Literal::f32_suffixed(f as f32);
        quote!(#v)
    } else {
        let v = Literal::f64_suffixed(f);
        quote!(#v)
    }
}

/// A `Document` expression for a literal.
pub fn doc_value_expr(d: &DocValue) -> TokenStream {
    let doc = quote!(rt::document::Document);
    let num = quote!(rt::document::Number);
    match d {
        DocValue::Null => quote!(#doc::Null),
        DocValue::Bool(b) => quote!(#doc::Bool(#b)),
        DocValue::PosInt(u) => quote!(#doc::Number(#num::PosInt(#u))),
        DocValue::NegInt(i) => quote!(#doc::Number(#num::NegInt(#i))),
        DocValue::Float(f) => {
            let f = float_literal(*f, &TypeRef::Double);
            quote!(#doc::Number(#num::Float(#f)))
        }
        DocValue::String(s) => quote!(#doc::String(String::from(#s))),
        DocValue::Array(items) => {
            let items = items.iter().map(doc_value_expr);
            quote!(#doc::Array(vec![#(#items),*]))
        }
        DocValue::Object(entries) => {
            let entries = entries.iter().map(|(k, v)| {
                let v = doc_value_expr(v);
                quote!((String::from(#k), #v))
            });
            quote!(#doc::Object([#(#entries),*].into_iter().collect()))
        }
    }
}

/// Whether `s` is an operation's output, which carries the response's request id.
pub fn is_operation_output(s: &StructDef) -> bool {
    matches!(s.module, Module::Operation(_)) && s.name.bare().ends_with("Output")
}

/// The `_request_id` initialiser of an output read from `response`, or nothing for other
/// structures.
pub fn request_id_init(s: &StructDef) -> TokenStream {
    if is_operation_output(s) {
        quote!(_request_id: rt::error::RequestId::request_id(response).map(str::to_owned),)
    } else {
        quote!()
    }
}

/// What `Debug` prints for a sensitive value (client and server alike).
pub const REDACTED: &str = "*** Sensitive Data Redacted ***";

/// The runtime's `TimestampFormat` variant for `format`, under the runtime path `rt` (`rt` in
/// client files, `::client_runtime` in the server module).
pub fn timestamp_format_tokens(rt: &TokenStream, format: TimestampFormat) -> TokenStream {
    match format {
        TimestampFormat::DateTime => quote!(#rt::time::TimestampFormat::DateTime),
        TimestampFormat::HttpDate => quote!(#rt::time::TimestampFormat::HttpDate),
        TimestampFormat::EpochSeconds => quote!(#rt::time::TimestampFormat::EpochSeconds),
    }
}
