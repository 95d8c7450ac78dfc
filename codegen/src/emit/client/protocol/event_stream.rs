//! Event stream messages of restJson1 (`aws-restjson1-protocol.rst`, "Event streams", and
//! `streaming.rst`): for each `@streaming` union a marshaller (events and error events the
//! client sends → messages) and an unmarshaller (messages → events, modeled errors, or
//! unhandled errors). `@eventHeader` members are typed message headers; the `@eventPayload`
//! member is the payload (blob as is, string as UTF-8, structure or union as JSON); without one,
//! the remaining members are a JSON object. The framing and signing are the runtime's.

use super::super::super::common::*;
use super::super::super::json::{de_arm, de_fn, finish_field, local, ser_field, ser_fn};
use crate::ir::*;
use crate::naming::Name;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// `protocol_serde::marshal_<union>`.
pub fn marshal_fn(union: &Name) -> Ident {
    format_ident!("marshal_{}", crate::naming::serde_fn_names(union).0.bare().trim_start_matches("ser_"))
}

/// `protocol_serde::unmarshal_<union>`.
pub fn unmarshal_fn(union: &Name) -> Ident {
    format_ident!("unmarshal_{}", crate::naming::serde_fn_names(union).0.bare().trim_start_matches("ser_"))
}

fn event_struct<'k>(krate: &'k Crate, name: &Name) -> Option<&'k StructDef> {
    krate.types.iter().find_map(|t| match t {
        TypeDef::Struct(s) if s.name == *name => Some(s),
        _ => None,
    })
}

/// The marshaller and unmarshaller of every event stream, as its direction requires.
pub fn serde_fns(krate: &Crate) -> Vec<TokenStream> {
    let mut fns = Vec::new();
    for es in &krate.event_streams {
        if es.sent {
            fns.push(marshaller(krate, es));
        }
        if es.received {
            fns.push(unmarshaller(krate, es));
        }
    }
    fns
}

/// A `HeaderValue` from `v` (`&T`) for a header field of type `ty`.
fn header_value(v: TokenStream, ty: &TypeRef) -> TokenStream {
    let h = quote!(rt::eventstream::HeaderValue);
    match ty {
        TypeRef::Bool => quote!(#h::Bool(*#v)),
        TypeRef::Byte => quote!(#h::Byte(*#v)),
        TypeRef::Short => quote!(#h::Int16(*#v)),
        TypeRef::Integer => quote!(#h::Int32(*#v)),
        TypeRef::Long => quote!(#h::Int64(*#v)),
        TypeRef::Blob => quote!(#h::ByteArray(#v.as_ref().to_vec())),
        TypeRef::Named(n) if n.kind == NamedKind::Enum => quote!(#h::String(#v.as_str().to_string())),
        TypeRef::Named(n) if n.kind == NamedKind::IntEnum => quote!(#h::Int32(#v.value())),
        TypeRef::Timestamp { .. } => {
            quote!(#h::Timestamp(#v.to_millis().map_err(|e| rt::error::BuildError::invalid(e.to_string()))?))
        }
        _ => quote!(#h::String(#v.clone())),
    }
}

/// An expression reading header `name` of `message` as field type `ty` (`Option<T>`).
fn header_read(name: &str, ty: &TypeRef) -> TokenStream {
    let m = quote!(rt::eventstream::marshal);
    match ty {
        TypeRef::Bool => quote!(#m::bool_header(message, #name)?),
        TypeRef::Byte => quote!(#m::byte_header(message, #name)?),
        TypeRef::Short => quote!(#m::i16_header(message, #name)?),
        TypeRef::Integer => quote!(#m::i32_header(message, #name)?),
        TypeRef::Long => quote!(#m::i64_header(message, #name)?),
        TypeRef::Blob => quote!(#m::bytes_header(message, #name)?.map(rt::types::Blob::new)),
        TypeRef::Timestamp { .. } => quote!(#m::timestamp_header(message, #name)?),
        TypeRef::Named(n) if n.kind == NamedKind::Enum => {
            let p = named_path(n);
            quote!(#m::str_header(message, #name)?.map(#p::from))
        }
        TypeRef::Named(n) if n.kind == NamedKind::IntEnum => {
            let p = named_path(n);
            quote!(#m::i32_header(message, #name)?.map(#p::from))
        }
        _ => quote!(#m::str_header(message, #name)?.map(str::to_string)),
    }
}

/// Statements writing a JSON object of `fields` of `base` into `payload` (a `Vec<u8>`).
fn json_object(base: TokenStream, fields: &[&Field]) -> TokenStream {
    let obj = format_ident!("object");
    let writes = fields.iter().map(|f| ser_field(&obj, base.clone(), f));
    quote! {
        let mut body = String::new();
        let mut object = rt::json::JsonObjectWriter::new(&mut body);
        #(#writes)*
        object.finish();
        let payload = body.into_bytes();
    }
}

fn marshaller(krate: &Crate, es: &EventStreamDef) -> TokenStream {
    let (union, error) = (&es.union, &es.error);
    let f = marshal_fn(union);
    let m = quote!(rt::eventstream::marshal);
    let mut arms = Vec::new();
    for ev in &es.events {
        let v = &ev.variant;
        let event_type = &ev.member;
        let Some(s) = ev.ty.as_ref().and_then(|t| event_struct(krate, t)) else {
            arms.push(quote!(Ok(crate::types::#union::#v) => Ok(#m::event(#event_type, Vec::new(), None)),));
            continue;
        };
        let headers = s.fields.iter().filter(|f| ev.headers.contains(&f.name)).map(|f| {
            let n = &f.name;
            let name = &f.member;
            let value = header_value(quote!(v), &f.ty);
            if f.optional {
                quote!(if let Some(v) = &value.#n { message = message.header(#name, #value); })
            } else {
                quote!({ let v = &value.#n; message = message.header(#name, #value); })
            }
        });
        let payload = match ev.payload.as_ref().and_then(|p| s.fields.iter().find(|f| f.name == *p)) {
            Some(p) => {
                let n = &p.name;
                let (bytes, ct) = match &p.ty {
                    TypeRef::Blob => (quote!(v.as_ref().to_vec()), "application/octet-stream"),
                    TypeRef::String => (quote!(v.clone().into_bytes()), "text/plain"),
                    TypeRef::Named(t) => {
                        let ser = ser_fn(&t.name);
                        // Structures and unions alike are written as one JSON object.
                        let bytes = quote!({
                            let mut body = String::new();
                            let mut object = rt::json::JsonObjectWriter::new(&mut body);
                            crate::protocol_serde::#ser(&mut object, v)?;
                            object.finish();
                            body.into_bytes()
                        });
                        (bytes, "application/json")
                    }
                    _ => (quote!(Vec::new()), "application/octet-stream"),
                };
                let ct = p.media_type.clone().unwrap_or_else(|| ct.to_string());
                if p.optional {
                    quote!(let (payload, content_type) = match &value.#n { Some(v) => (#bytes, Some(#ct)), None => (Vec::new(), None) };)
                } else {
                    quote!(let v = &value.#n; let (payload, content_type) = (#bytes, Some(#ct));)
                }
            }
            None => {
                let body: Vec<&Field> = s.fields.iter().filter(|f| !ev.headers.contains(&f.name)).collect();
                if body.is_empty() {
                    quote!(let (payload, content_type) = (Vec::new(), None);)
                } else {
                    let write = json_object(quote!(value), &body);
                    quote! {
                        #write
                        let content_type = Some("application/json");
                    }
                }
            }
        };
        let boxed = s.fields.is_empty().then(|| quote!(let _ = &value;));
        let mutable = (!ev.headers.is_empty()).then(|| quote!(mut));
        arms.push(quote! {
            Ok(crate::types::#union::#v(value)) => {
                #boxed
                #payload
                let #mutable message = #m::event(#event_type, payload, content_type);
                #(#headers)*
                Ok(message)
            }
        });
    }
    for e in &es.errors {
        let v = &e.variant.variant;
        let member = &e.member;
        let body = krate.errors.iter().find(|s| s.name == e.variant.ty).map(|s| s.fields.iter().filter(|f| f.http == HttpBinding::Body).collect::<Vec<_>>()).unwrap_or_default();
        let write = json_object(quote!(value), &body);
        let unused = body.is_empty().then(|| quote!(let _ = &value;));
        arms.push(quote! {
            Err(crate::types::error::#error::#v(value)) => {
                #unused
                #write
                Ok(#m::exception(#member, payload))
            }
        });
    }
    quote! {
        /// The message of an event (or error event) of the `#union` stream the client sends.
        pub(crate) fn #f(
            item: Result<crate::types::#union, crate::types::error::#error>,
        ) -> Result<rt::eventstream::Message, rt::error::BuildError> {
            match item {
                #(#arms)*
                Ok(crate::types::#union::Unknown) => Err(rt::error::BuildError::invalid("an unknown event cannot be sent")),
                Err(crate::types::error::#error::Unhandled(e)) => Ok(#m::error(e.meta())),
            }
        }
    }
}

fn unmarshaller(krate: &Crate, es: &EventStreamDef) -> TokenStream {
    let (union, error) = (&es.union, &es.error);
    let f = unmarshal_fn(union);
    let m = quote!(rt::eventstream::marshal);
    let mut arms = Vec::new();
    for ev in &es.events {
        let v = &ev.variant;
        let event_type = &ev.member;
        let Some(s) = ev.ty.as_ref().and_then(|t| event_struct(krate, t)) else {
            arms.push(quote!(#event_type => crate::types::#union::#v,));
            continue;
        };
        let name = &s.name;
        // A blob or string payload is read unconditionally, where it is read.
        let read_whole = |f: &Field| ev.payload.as_ref() == Some(&f.name) && matches!(f.ty, TypeRef::Blob | TypeRef::String);
        let locals = s.fields.iter().filter(|f| !read_whole(f)).map(|f| {
            let l = local(f);
            if ev.headers.contains(&f.name) {
                let read = header_read(&f.member, &f.ty);
                quote!(let #l = #read;)
            } else {
                quote!(let mut #l = None;)
            }
        });
        let payload = match ev.payload.as_ref().and_then(|p| s.fields.iter().find(|f| f.name == *p)) {
            Some(p) => {
                let l = local(p);
                match &p.ty {
                    TypeRef::Blob => quote!(let #l = Some(rt::types::Blob::new(message.payload.clone()));),
                    TypeRef::String => quote! {
                        let #l = Some(rt::operation::body_text(&message.payload)?.to_string());
                    },
                    TypeRef::Named(t) => {
                        let de = de_fn(&t.name);
                        quote! {
                            if !rt::operation::body_is_empty(&message.payload) {
                                let r = &mut rt::json::JsonReader::new(&message.payload);
                                #l = Some(crate::protocol_serde::#de(r)?);
                                r.finish()?;
                            }
                        }
                    }
                    _ => quote!(),
                }
            }
            None => {
                let arms: Vec<TokenStream> = s.fields.iter().filter(|f| !ev.headers.contains(&f.name)).map(de_arm).collect();
                if arms.is_empty() {
                    quote!()
                } else {
                    quote! {
                        if !rt::operation::body_is_empty(&message.payload) {
                            let r = &mut rt::json::JsonReader::new(&message.payload);
                            r.start_object()?;
                            while let Some(key) = r.next_key()? {
                                match key.as_ref() {
                                    #(#arms)*
                                    _ => r.skip_value()?,
                                }
                            }
                            r.finish()?;
                        }
                    }
                }
            }
        };
        let finish = s.fields.iter().map(finish_field);
        arms.push(quote! {
            #event_type => {
                #(#locals)*
                #payload
                crate::types::#union::#v(crate::types::#name { #(#finish)* })
            }
        });
    }
    let error_arms = es.errors.iter().map(|e| {
        let v = &e.variant.variant;
        let ty = &e.variant.ty;
        let member = &e.member;
        quote! {
            #member => crate::types::error::#error::#v(#m::modeled_error::<crate::types::error::#ty>(message, #member)?),
        }
    });
    let unused = es.events.is_empty().then(|| quote!(let _ = event_type;));
    quote! {
        /// The event (or error) a message of the `#union` stream the client receives carries.
        pub(crate) fn #f(
            message: &rt::eventstream::Message,
        ) -> Result<rt::eventstream::Unmarshalled<crate::types::#union, crate::types::error::#error>, rt::error::DeserializeError> {
            match #m::kind(message)? {
                #m::MessageKind::Event(event_type) => {
                    #unused
                    Ok(rt::eventstream::Unmarshalled::Event(match event_type {
                        #(#arms)*
                        _ => crate::types::#union::Unknown,
                    }))
                }
                #m::MessageKind::Exception(exception_type) => Ok(rt::eventstream::Unmarshalled::Error(match exception_type {
                    #(#error_arms)*
                    _ => crate::types::error::#error::Unhandled(#m::unhandled(message)),
                })),
                #m::MessageKind::Error => Ok(rt::eventstream::Unmarshalled::Error(crate::types::error::#error::Unhandled(#m::unhandled(message)))),
            }
        }
    }
}
