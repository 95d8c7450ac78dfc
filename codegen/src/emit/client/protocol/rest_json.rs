//! `aws.protocols#restJson1`: the HTTP bindings of one operation (the request serializer: path
//! labels, query, headers, body or payload, host prefix; the response and error
//! deserializers: status, headers, prefix headers, payload or JSON body), as the Smithy HTTP
//! binding traits define them, with JSON bodies written by the shared `emit::json`.

use crate::emit::common::*;
use crate::emit::json::{self, de_arm, finish_field, local, local_of, ser_field, timestamp_format};
use super::ProtocolEmitter;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The restJson1 emitter.
pub struct RestJson1;

impl ProtocolEmitter for RestJson1 {
    fn runtime_value(&self) -> TokenStream {
        quote!(rt::protocol::RestJson1)
    }

    fn runtime_feature(&self) -> Option<&'static str> {
        None
    }

    fn serialize(&self, _service: &ServiceDef, op: &OperationDef) -> TokenStream {
        serialize(op)
    }

    fn deserialize(&self, op: &OperationDef) -> TokenStream {
        let name = &op.output.name;
        deserialize_struct(&op.output, &op.response_body, quote!(#name))
    }

    fn deserialize_error(&self, e: &StructDef) -> TokenStream {
        let name = &e.name;
        deserialize_struct(e, &Body::Members, quote!(crate::types::error::#name))
    }

    fn serde_fns(&self, krate: &Crate) -> Vec<TokenStream> {
        let mut fns = Vec::new();
        for t in &krate.types {
            match t {
                TypeDef::Struct(s) => fns.push(json::struct_fns(s)),
                TypeDef::Union(u) => fns.push(json::union_fns(u)),
                TypeDef::Enum(_) | TypeDef::IntEnum(_) => {}
            }
        }
        fns.extend(super::event_stream::serde_fns(krate));
        fns
    }

    fn serde_doc(&self) -> &'static str {
        "JSON writers and readers of the named types (restJson1 \"JSON shape serialization\"), and readers of modeled error responses."
    }
}

/// An expression formatting scalar `v` (`&T`) for a label, query value or header, as a `&str`
/// (borrowed for strings and enums, a borrowed temporary `String` otherwise). Timestamps
/// default to `default`.
fn scalar_text(v: TokenStream, ty: &Scalar, default: TimestampFormat, media_type: bool) -> TokenStream {
    let owned = |t: TokenStream| quote!(&#t);
    match ty {
        Scalar::String if media_type => owned(quote!(rt::base64::encode(#v.as_bytes()))),
        Scalar::String | Scalar::Enum(_) | Scalar::BigInteger | Scalar::BigDecimal => quote!(#v.as_str()),
        Scalar::IntEnum(_) => owned(quote!(#v.value().to_string())),
        Scalar::Bool | Scalar::Byte | Scalar::Short | Scalar::Integer | Scalar::Long => owned(quote!(#v.to_string())),
        Scalar::Float => owned(quote!(rt::operation::fmt_float32(*#v))),
        Scalar::Double => owned(quote!(rt::operation::fmt_float(*#v))),
        Scalar::Timestamp { format } => {
            let f = timestamp_format(format, default);
            owned(quote!(#v.format(#f)?))
        }
        Scalar::Blob => owned(quote!(rt::base64::encode(#v.as_ref()))),
    }
}

/// The `serialize` function body.
pub fn serialize(op: &OperationDef) -> TokenStream {
    let OperationDef { input, http, host_prefix, request_body, request_content_type, .. } = op;
    let method = &http.method;
    let mut stmts = Vec::new();
    for seg in &http.path {
        match seg {
            PathSegment::Literal(l) => stmts.push(quote!(request.push_path(#l);)),
            PathSegment::Label { field, member, scalar, greedy } => {
                let text = scalar_text(quote!(value), scalar, TimestampFormat::DateTime, false);
                stmts.push(quote! {
                    let value = input.#field.as_ref().ok_or_else(|| rt::error::BuildError::missing_field(#member, "input"))?;
                    request.push_label(#member, #text, #greedy)?;
                });
            }
        }
    }
    for (k, v) in &http.query_literals {
        let v = match v {
            Some(v) => quote!(Some(#v)),
            None => quote!(None),
        };
        stmts.push(quote!(request.push_query_literal(#k, #v);));
    }
    let named_query: Vec<&str> = input
        .fields
        .iter()
        .filter_map(|f| match &f.http {
            HttpBinding::Query(k, _) => Some(k.as_str()),
            _ => None,
        })
        .collect();
    for f in &input.fields {
        let n = &f.name;
        match &f.http {
            HttpBinding::Query(key, value) => {
                let write = match value {
                    HttpValue::List(member) => {
                        let text = scalar_text(quote!(item), member, TimestampFormat::DateTime, false);
                        quote!(for item in value { request.push_query(#key, #text); })
                    }
                    HttpValue::One(ty) => {
                        let text = scalar_text(quote!(value), ty, TimestampFormat::DateTime, false);
                        quote!(request.push_query(#key, #text);)
                    }
                };
                stmts.push(quote!(if let Some(value) = &input.#n { #write }));
            }
            HttpBinding::QueryParams(value) => {
                let write = match value {
                    HttpValue::List(member) => {
                        let text = scalar_text(quote!(item), member, TimestampFormat::DateTime, false);
                        quote!(for item in items { request.push_query(k, #text); })
                    }
                    HttpValue::One(ty) => {
                        let text = scalar_text(quote!(items), ty, TimestampFormat::DateTime, false);
                        quote!(request.push_query(k, #text);)
                    }
                };
                // Spec (httpQueryParams): a key also bound by an @httpQuery member is taken from
                // that member, never from the map.
                stmts.push(quote! {
                    if let Some(value) = &input.#n {
                        let mut entries: Vec<_> = value.iter().collect();
                        entries.sort_by(|a, b| a.0.cmp(b.0));
                        for (k, items) in entries {
                            if [#(#named_query),*].contains(&k.as_str()) {
                                continue;
                            }
                            #write
                        }
                    }
                });
            }
            HttpBinding::Header(name, value) => {
                let media = f.media_type.is_some();
                let write = match value {
                    HttpValue::List(member) => {
                        let quoted = matches!(member, Scalar::String | Scalar::Enum(_));
                        let text = scalar_text(quote!(item), member, TimestampFormat::HttpDate, false);
                        let item = if quoted { quote!(rt::operation::quote_header_value(#text).into_owned()) } else { quote!(String::from(#text)) };
                        quote! {
                            let mut items: Vec<String> = Vec::with_capacity(value.len());
                            for item in value { items.push(#item); }
                            if !items.is_empty() {
                                request.header(#name, &items.join(", "))?;
                            }
                        }
                    }
                    HttpValue::One(ty) => {
                        let text = scalar_text(quote!(value), ty, TimestampFormat::HttpDate, media);
                        quote!(request.header(#name, #text)?;)
                    }
                };
                stmts.push(quote!(if let Some(value) = &input.#n { #write }));
            }
            _ => {}
        }
    }
    // Prefix headers go last: a header bound by its own @httpHeader member takes precedence
    // over an entry of the same name in the map (spec: httpPrefixHeaders).
    for f in &input.fields {
        let n = &f.name;
        if let HttpBinding::PrefixHeaders(prefix) = &f.http {
            stmts.push(quote! {
                if let Some(value) = &input.#n {
                    let mut entries: Vec<_> = value.iter().collect();
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                    for (k, v) in entries {
                        let name = format!("{}{}", #prefix, k);
                        if !request.headers.contains(&name) {
                            request.header(&name, v)?;
                        }
                    }
                }
            });
        }
    }
    stmts.push(super::host_prefix(input, host_prefix));
    stmts.push(body_stmt(input, request_body, request_content_type));
    // An input of only an event stream is not read here (the pipeline takes the stream).
    let unused = input.fields.iter().all(|f| matches!(f.ty, TypeRef::EventStream(_))).then(|| quote!(let _ = input;));
    quote! {
        let mut request = rt::operation::RequestParts::new(#method);
        #unused
        #(#stmts)*
        Ok(request)
    }
}

fn body_stmt(input: &StructDef, body: &Body, content_type: &Option<String>) -> TokenStream {
    let ct = content_type.clone().unwrap_or_default();
    match body {
        Body::Members => {
            let fields: Vec<&Field> = input.fields.iter().filter(|f| f.http == HttpBinding::Body).collect();
            if fields.is_empty() {
                return quote!();
            }
            let obj = format_ident!("object");
            let writes = fields.iter().map(|f| ser_field(&obj, quote!(input), f));
            quote! {
                let mut body = String::new();
                let mut object = rt::json::JsonObjectWriter::new(&mut body);
                #(#writes)*
                object.finish();
                request.set_body(body.into_bytes(), #ct);
            }
        }
        // The events are sent by the pipeline (`Operation::take_event_stream`).
        Body::Payload { kind: PayloadKind::EventStream(_), .. } => quote!(request.set_body(Vec::new(), #ct);),
        Body::Payload { field, kind, media_type: _ } => {
            let write = match kind {
                PayloadKind::Shape(n) => {
                    let f = json::ser_fn(&n.name);
                    quote! {
                        let mut body = String::new();
                        let mut object = rt::json::JsonObjectWriter::new(&mut body);
                        crate::protocol_serde::#f(&mut object, value)?;
                        object.finish();
                        request.set_body(body.into_bytes(), #ct);
                    }
                }
                PayloadKind::Document => quote! {
                    let mut body = String::new();
                    rt::json::JsonValueWriter::new(&mut body).document(value);
                    request.set_body(body.into_bytes(), #ct);
                },
                PayloadKind::String => quote!(request.set_body(value.clone().into_bytes(), #ct);),
                PayloadKind::Enum(_) => quote!(request.set_body(value.as_str().as_bytes().to_vec(), #ct);),
                PayloadKind::Blob => quote!(request.set_body(value.as_ref().to_vec(), #ct);),
                // The stream itself is sent by the pipeline (`Operation::take_streaming_body`).
                PayloadKind::ByteStream => quote! {
                    let _ = value;
                    request.set_body(Vec::new(), #ct);
                },
                PayloadKind::EventStream(_) => quote!(),
            };
            // restJson1: an unset structure payload is sent as `{}`; other unset payloads
            // send no body.
            let unset = match kind {
                PayloadKind::Shape(n) if n.kind == NamedKind::Struct => quote! {
                    else {
                        request.set_body(b"{}".to_vec(), #ct);
                    }
                },
                _ => quote!(),
            };
            quote! {
                if let Some(value) = &input.#field {
                    #write
                } #unset
            }
        }
    }
}

/// An expression parsing header text `text` (`&str`) into scalar type `ty`, or `None` for
/// types headers cannot hold.
fn parse_scalar(text: TokenStream, ty: &Scalar, media_type: bool, name: &str) -> TokenStream {
    let h = quote!(rt::operation::header);
    match ty {
        Scalar::String if media_type => quote!(#h::base64_string(#name, #text)?),
        Scalar::String => quote!(String::from(#text)),
        Scalar::Enum(n) => {
            let p = named_path(n);
            quote!(#p::from(#text))
        }
        Scalar::IntEnum(n) => {
            let p = named_path(n);
            quote!(#p::from(#h::number::<i32>(#name, #text)?))
        }
        Scalar::Bool => quote!(#h::boolean(#name, #text)?),
        Scalar::Byte => quote!(#h::number::<i8>(#name, #text)?),
        Scalar::Short => quote!(#h::number::<i16>(#name, #text)?),
        Scalar::Integer => quote!(#h::number::<i32>(#name, #text)?),
        Scalar::Long => quote!(#h::number::<i64>(#name, #text)?),
        Scalar::Float => quote!(#h::float(#name, #text)? as f32),
        Scalar::Double => quote!(#h::float(#name, #text)?),
        Scalar::BigInteger => quote!(rt::types::BigInteger::new(#text)),
        Scalar::BigDecimal => quote!(rt::types::BigDecimal::new(#text)),
        Scalar::Timestamp { format } => {
            let f = timestamp_format(format, TimestampFormat::HttpDate);
            quote!(#h::timestamp(#name, #text, #f)?)
        }
        Scalar::Blob => quote!(rt::types::Blob::new(#h::base64(#name, #text)?)),
    }
}

/// The body of a function reading structure `def` out of `response` (outputs and errors).
/// `meta` is the error metadata expression for error structures.
pub fn deserialize_struct(def: &StructDef, body: &Body, path: TokenStream) -> TokenStream {
    let mut stmts = Vec::new();
    if def.fields.is_empty() {
        stmts.push(quote!(let _ = response;));
    }
    // Members read unconditionally (the status code, a streaming payload) are bound where they
    // are read; the others start as `None`.
    let unconditional = |f: &Field| {
        f.http == HttpBinding::ResponseCode
            || matches!(body, Body::Payload { field, kind: PayloadKind::ByteStream | PayloadKind::EventStream(_), .. } if *field == f.name)
    };
    let locals = def.fields.iter().filter(|f| !unconditional(f)).map(|f| {
        let l = local(f);
        quote!(let mut #l = None;)
    });
    stmts.push(quote!(#(#locals)*));
    for f in &def.fields {
        let l = local(f);
        match &f.http {
            HttpBinding::Header(name, value) => {
                let read = match value {
                    HttpValue::List(member) => {
                        let http_date = matches!(member, Scalar::Timestamp { format: None | Some(TimestampFormat::HttpDate) });
                        let item = parse_scalar(quote!(item), member, false, name);
                        quote! {
                            let items = rt::operation::header::split_list(response.headers.get_all(#name), #http_date)?;
                            if !items.is_empty() {
                                let mut list = Vec::with_capacity(items.len());
                                for item in items.iter().map(String::as_str) { list.push(#item); }
                                #l = Some(list);
                            }
                        }
                    }
                    HttpValue::One(ty) => {
                        let v = parse_scalar(quote!(text), ty, f.media_type.is_some(), name);
                        quote! {
                            if let Some(text) = response.headers.get(#name) {
                                #l = Some(#v);
                            }
                        }
                    }
                };
                stmts.push(read);
            }
            HttpBinding::PrefixHeaders(prefix) => {
                stmts.push(quote! {
                    let map = rt::operation::header::prefixed(&response.headers, #prefix);
                    if !map.is_empty() {
                        #l = Some(map);
                    }
                });
            }
            HttpBinding::ResponseCode => stmts.push(quote!(let #l = Some(i32::from(response.status));)),
            _ => {}
        }
    }
    match body {
        Body::Members => {
            let arms: Vec<TokenStream> = def.fields.iter().filter(|f| f.http == HttpBinding::Body).map(de_arm).collect();
            if !arms.is_empty() {
                stmts.push(quote! {
                    if !rt::operation::body_is_empty(&response.body) {
                        let r = &mut rt::json::JsonReader::new(&response.body);
                        r.start_object()?;
                        while let Some(key) = r.next_key()? {
                            match key.as_ref() {
                                #(#arms)*
                                _ => r.skip_value()?,
                            }
                        }
                        r.finish()?;
                    }
                });
            }
        }
        Body::Payload { field, kind, media_type: _ } => {
            let l = local_of(field);
            let read = match kind {
                PayloadKind::Shape(n) => {
                    let de = json::de_fn(&n.name);
                    quote! {
                        if !rt::operation::body_is_empty(&response.body) {
                            let r = &mut rt::json::JsonReader::new(&response.body);
                            #l = Some(crate::protocol_serde::#de(r)?);
                            r.finish()?;
                        }
                    }
                }
                PayloadKind::Document => quote! {
                    if !rt::operation::body_is_empty(&response.body) {
                        let r = &mut rt::json::JsonReader::new(&response.body);
                        #l = Some(r.document()?);
                        r.finish()?;
                    }
                },
                PayloadKind::String => quote! {
                    if !response.body.is_empty() {
                        #l = Some(rt::operation::body_text(&response.body)?.to_string());
                    }
                },
                PayloadKind::Enum(n) => {
                    let p = named_path(n);
                    quote! {
                        if !response.body.is_empty() {
                            #l = Some(#p::from(rt::operation::body_text(&response.body)?));
                        }
                    }
                }
                PayloadKind::Blob => quote! {
                    if !response.body.is_empty() {
                        #l = Some(rt::types::Blob::new(response.body.clone()));
                    }
                },
                PayloadKind::ByteStream => quote! {
                    let #l = Some(rt::types::ByteStream::new(response.body.clone()));
                },
                // A buffered response's events; a streamed one replaces the body
                // (`Operation::deserialize_streaming`).
                PayloadKind::EventStream(es) => {
                    let f = super::event_stream::unmarshal_fn(&es.union);
                    quote! {
                        let #l = rt::eventstream::EventReceiver::new(
                            rt::types::ByteStream::new(response.body.clone()),
                            crate::protocol_serde::#f,
                        );
                    }
                }
            };
            stmts.push(read);
        }
    }
    let finish = def.fields.iter().map(finish_field);
    let meta = def.error.as_ref().map(|_| quote!(meta,));
    let request_id = request_id_init(def);
    quote! {
        #(#stmts)*
        Ok(#path { #(#finish)* #meta #request_id })
    }
}
