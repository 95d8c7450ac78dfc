//! `aws.protocols#awsQuery`: requests are form bodies written with the runtime's
//! `QueryWriter` (keys built from `@xmlName`, lists as `.member.N`, maps as `.entry.N.key`,
//! `@xmlFlattened` dropping the `member`/`entry` segment); responses are XML read from the
//! runtime's element tree (`<{Op}Result>` for outputs, `<Error>` for errors), each member
//! found by its element name, unknown elements ignored.

use crate::emit::common::*;
use crate::emit::json::{de_fn, finish_field, local, ser_fn, timestamp_format, zero_item};
use super::ProtocolEmitter;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The awsQuery emitter.
pub struct AwsQuery;

impl ProtocolEmitter for AwsQuery {
    fn runtime_value(&self) -> TokenStream {
        quote!(rt::protocol::AwsQuery)
    }

    fn runtime_feature(&self) -> Option<&'static str> {
        Some("aws-query")
    }

    fn serialize(&self, service: &ServiceDef, op: &OperationDef) -> TokenStream {
        let OperationDef { name, input, host_prefix, .. } = op;
        let version = &service.version;
        let writes = input.fields.iter().map(|f| ser_field(quote!(input), f));
        let host = super::host_prefix(input, host_prefix);
        let unused = input.fields.is_empty().then(|| quote!(let _ = (input, w, prefix);));
        quote! {
            let mut writer = rt::protocol::aws_query::QueryWriter::new(#name, #version);
            let w = &mut writer;
            let prefix = "";
            #unused
            #(#writes)*
            let mut request = rt::operation::RequestParts::new("POST");
            request.push_path("/");
            #host
            request.set_body(writer.finish(), rt::protocol::aws_query::CONTENT_TYPE);
            Ok(request)
        }
    }

    fn deserialize(&self, op: &OperationDef) -> TokenStream {
        let OperationDef { name, output, .. } = op;
        let path = &output.name;
        let request_id = request_id_init(output);
        if output.fields.is_empty() {
            return quote! {
                Ok(#path { #request_id })
            };
        }
        let (locals, reads, finish) = struct_reads(&output.fields, quote!(el));
        quote! {
            let result = rt::protocol::aws_query::result_element(&response.body, #name)?;
            #locals
            if let Some(el) = &result {
                #reads
            }
            Ok(#path { #finish #request_id })
        }
    }

    fn deserialize_error(&self, e: &StructDef) -> TokenStream {
        let name = &e.name;
        if e.fields.is_empty() {
            return quote! {
                let _ = response;
                Ok(crate::types::error::#name { meta, })
            };
        }
        let (locals, reads, finish) = struct_reads(&e.fields, quote!(el));
        // Services write the message as `<Message>` whatever the member's case (STS models it as
        // `message`): a message member left empty takes the one of the error metadata.
        let message = e
            .fields
            .iter()
            .find(|f| f.member.eq_ignore_ascii_case("message") && f.optional && f.ty == TypeRef::String)
            .map(|f| {
                let l = local(f);
                quote!(if #l.is_none() { #l = meta.message().map(str::to_string); })
            });
        quote! {
            let el = &rt::protocol::aws_query::error_element(&response.body)?;
            #locals
            #reads
            #message
            Ok(crate::types::error::#name { #finish meta, })
        }
    }

    fn serde_fns(&self, krate: &Crate) -> Vec<TokenStream> {
        let mut fns = Vec::new();
        for t in &krate.types {
            match t {
                TypeDef::Struct(s) => fns.push(struct_fns(s)),
                TypeDef::Union(u) => fns.push(union_fns(u)),
                TypeDef::Enum(_) | TypeDef::IntEnum(_) => {}
            }
        }
        fns
    }

    fn serde_doc(&self) -> &'static str {
        "Form writers and XML readers of the named types (awsQuery), and readers of modeled error responses."
    }
}

fn key_of(prefix: TokenStream, name: &str) -> TokenStream {
    quote!(&rt::protocol::aws_query::key(#prefix, #name))
}

/// Statements writing field `f` of `base` under the key prefix `prefix` (a `&str` in scope).
fn ser_field(base: TokenStream, f: &Field) -> TokenStream {
    let n = &f.name;
    let key = key_of(quote!(prefix), &f.xml.name);
    let write = ser_value(key, quote!(value), &f.ty, &f.xml, 0);
    if f.optional {
        quote!(if let Some(value) = &#base.#n { #write })
    } else {
        quote!({ let value = &#base.#n; #write })
    }
}

fn default_member(name: &str) -> XmlMember {
    XmlMember { name: name.to_string(), attribute: false, flattened: false, collection: None }
}

/// The item naming of a list member (`member` unless renamed).
fn list_item(xml: &XmlMember) -> XmlMember {
    match xml.collection.as_deref() {
        Some(XmlCollection::List { member }) => member.clone(),
        _ => default_member("member"),
    }
}

/// The key and value naming of a map member.
fn map_entry(xml: &XmlMember) -> (String, XmlMember) {
    match xml.collection.as_deref() {
        Some(XmlCollection::Map { key, value }) => (key.clone(), value.clone()),
        _ => ("key".to_string(), default_member("value")),
    }
}

/// Statements writing `value` (`&T`) at `key` (a `&str` expression) into `w`.
fn ser_value(key: TokenStream, value: TokenStream, ty: &TypeRef, xml: &XmlMember, depth: usize) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(w.boolean(#key, *#value);),
        TypeRef::Byte | TypeRef::Short | TypeRef::Integer | TypeRef::Long => quote!(w.integer(#key, *#value);),
        TypeRef::Float => quote!(w.float32(#key, *#value);),
        TypeRef::Double => quote!(w.float(#key, *#value);),
        TypeRef::BigInteger | TypeRef::BigDecimal => quote!(w.pair(#key, #value.as_str());),
        TypeRef::String => quote!(w.pair(#key, #value);),
        TypeRef::Blob => quote!(w.blob(#key, #value.as_ref());),
        TypeRef::ByteStream => quote!(w.blob(#key, #value.bytes().unwrap_or_default());),
        // Lowering refuses event streams in awsQuery models.
        TypeRef::EventStream(_) => quote!(),
        TypeRef::Timestamp { format } => {
            let f = timestamp_format(format, TimestampFormat::DateTime);
            quote!(w.timestamp(#key, #value, #f)?;)
        }
        TypeRef::Document => quote!({
            let _ = #value;
            return Err(rt::error::BuildError::invalid("awsQuery cannot send document values"));
        }),
        TypeRef::Named(n) => match n.kind {
            NamedKind::Enum => quote!(w.pair(#key, #value.as_str());),
            NamedKind::IntEnum => quote!(w.integer(#key, #value.value());),
            NamedKind::Struct | NamedKind::Union => {
                let f = ser_fn(&n.name);
                quote!(crate::protocol_serde::#f(w, #key, #value)?;)
            }
        },
        TypeRef::List { member, sparse } => {
            let item_xml = list_item(xml);
            let base = format_ident!("base_{depth}");
            let i = format_ident!("i_{depth}");
            let item = format_ident!("item_{depth}");
            let k = format_ident!("key_{depth}");
            let base_init = if xml.flattened {
                quote!(String::from(#key))
            } else {
                let m = &item_xml.name;
                quote!(rt::protocol::aws_query::key(#key, #m))
            };
            let write = ser_value(quote!(&#k), quote!(#item), member, &item_xml, depth + 1);
            let write = if *sparse { quote!(if let Some(#item) = #item { #write }) } else { write };
            // An empty list is sent as the bare key with an empty value.
            quote! {
                if #value.is_empty() {
                    w.pair(#key, "");
                } else {
                    let #base = #base_init;
                    for (#i, #item) in #value.iter().enumerate() {
                        let #k = rt::protocol::aws_query::key(&#base, &(#i + 1).to_string());
                        #write
                    }
                }
            }
        }
        TypeRef::Map { value: v, sparse, .. } => {
            let (key_name, value_xml) = map_entry(xml);
            let value_name = &value_xml.name;
            let base = format_ident!("base_{depth}");
            let entries = format_ident!("entries_{depth}");
            let i = format_ident!("i_{depth}");
            let mk = format_ident!("map_key_{depth}");
            let item = format_ident!("item_{depth}");
            let entry = format_ident!("entry_{depth}");
            let base_init = if xml.flattened { quote!(String::from(#key)) } else { quote!(rt::protocol::aws_query::key(#key, "entry")) };
            let write = ser_value(key_of(quote!(&#entry), value_name), quote!(#item), v, &value_xml, depth + 1);
            let write = if *sparse { quote!(if let Some(#item) = #item { #write }) } else { write };
            let key_write = key_of(quote!(&#entry), &key_name);
            // Entries in key order, so the body (and its signature) is deterministic.
            quote! {
                let #base = #base_init;
                let mut #entries: Vec<_> = #value.iter().collect();
                #entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
                for (#i, (#mk, #item)) in #entries.into_iter().enumerate() {
                    let #entry = rt::protocol::aws_query::key(&#base, &(#i + 1).to_string());
                    w.pair(#key_write, #mk.as_str());
                    #write
                }
            }
        }
    }
}

/// An expression reading scalar `ty` from `text` (a `&str`); `None` for non-scalars.
fn de_scalar(text: TokenStream, ty: &TypeRef, what: &str) -> Option<TokenStream> {
    let v = quote!(rt::xml::value);
    Some(match ty {
        TypeRef::String => quote!(String::from(#text)),
        TypeRef::Bool => quote!(#v::boolean(#what, #text)?),
        TypeRef::Byte => quote!(#v::number::<i8>(#what, #text)?),
        TypeRef::Short => quote!(#v::number::<i16>(#what, #text)?),
        TypeRef::Integer => quote!(#v::number::<i32>(#what, #text)?),
        TypeRef::Long => quote!(#v::number::<i64>(#what, #text)?),
        TypeRef::Float => quote!(#v::float(#what, #text)? as f32),
        TypeRef::Double => quote!(#v::float(#what, #text)?),
        TypeRef::BigInteger => quote!(rt::types::BigInteger::new(#text.trim())),
        TypeRef::BigDecimal => quote!(rt::types::BigDecimal::new(#text.trim())),
        TypeRef::Blob => quote!(rt::types::Blob::new(#v::blob(#what, #text)?)),
        TypeRef::ByteStream => quote!(rt::types::ByteStream::new(#v::blob(#what, #text)?)),
        TypeRef::Timestamp { format } => {
            let f = timestamp_format(format, TimestampFormat::DateTime);
            quote!(#v::timestamp(#what, #text, #f)?)
        }
        TypeRef::Named(n) if n.kind == NamedKind::Enum => {
            let p = named_path(n);
            quote!(#p::from(#text))
        }
        TypeRef::Named(n) if n.kind == NamedKind::IntEnum => {
            let p = named_path(n);
            quote!(#p::from(#v::number::<i32>(#what, #text)?))
        }
        _ => return None,
    })
}

/// An expression of type `T` reading the element `el` (`&XmlElement`).
fn de_value(el: TokenStream, ty: &TypeRef, xml: &XmlMember, what: &str, depth: usize) -> TokenStream {
    if let Some(s) = de_scalar(quote!(#el.text()), ty, what) {
        return s;
    }
    match ty {
        TypeRef::Named(n) => {
            let f = de_fn(&n.name);
            quote!(crate::protocol_serde::#f(#el)?)
        }
        TypeRef::List { member, sparse } => {
            let item_xml = list_item(xml);
            let list = format_ident!("list_{depth}");
            let items = list_items(quote!(#el), &item_xml.name, member, &item_xml, *sparse, what, depth, &list);
            quote!({
                let mut #list = Vec::new();
                #items
                #list
            })
        }
        TypeRef::Map { key, value, sparse } => {
            let map = format_ident!("map_{depth}");
            let entries = map_entries(quote!(#el), "entry", key, value, xml, *sparse, what, depth, &map);
            quote!({
                let mut #map = ::std::collections::HashMap::new();
                #entries
                #map
            })
        }
        _ => quote!({
            let _ = #el;
            return Err(rt::error::DeserializeError::new(concat!(#what, ": awsQuery cannot read document values")));
        }),
    }
}

/// Statements pushing each child of `parent` named `name` onto `list`.
#[allow(clippy::too_many_arguments)]
fn list_items(parent: TokenStream, name: &str, member: &TypeRef, item_xml: &XmlMember, sparse: bool, what: &str, depth: usize, list: &proc_macro2::Ident) -> TokenStream {
    let item = format_ident!("item_{depth}");
    let read = de_value(quote!(#item), member, item_xml, what, depth + 1);
    let push = if sparse { quote!(#list.push(Some(#read));) } else { quote!(#list.push(#read);) };
    quote! {
        for #item in #parent.children_named(#name) {
            #push
        }
    }
}

/// Statements inserting each entry (a child of `parent` named `name`) into `map`.
#[allow(clippy::too_many_arguments)]
fn map_entries(parent: TokenStream, name: &str, key: &TypeRef, value: &TypeRef, xml: &XmlMember, sparse: bool, what: &str, depth: usize, map: &proc_macro2::Ident) -> TokenStream {
    let (key_name, value_xml) = map_entry(xml);
    let value_name = &value_xml.name;
    let entry = format_ident!("entry_{depth}");
    let k = format_ident!("key_{depth}");
    let v = format_ident!("value_{depth}");
    let key_expr = match key {
        TypeRef::Named(n) => {
            let p = named_path(n);
            quote!(#p::from(#k.text()))
        }
        _ => quote!(String::from(#k.text())),
    };
    let read = de_value(quote!(#v), value, &value_xml, what, depth + 1);
    let insert = if sparse {
        quote! {
            match #entry.child(#value_name) {
                Some(#v) => { let item = #read; #map.insert(#key_expr, Some(item)); }
                None => { #map.insert(#key_expr, None); }
            }
        }
    } else {
        quote! {
            if let Some(#v) = #entry.child(#value_name) {
                let item = #read;
                #map.insert(#key_expr, item);
            }
        }
    };
    quote! {
        for #entry in #parent.children_named(#name) {
            if let Some(#k) = #entry.child(#key_name) {
                #insert
            }
        }
    }
}

/// Locals, statements reading every field from the element `el`, and the struct literal's
/// field initialisers.
fn struct_reads(fields: &[Field], el: TokenStream) -> (TokenStream, TokenStream, TokenStream) {
    let locals = fields.iter().map(|f| {
        let l = local(f);
        quote!(let mut #l = None;)
    });
    let reads = fields.iter().map(|f| read_field(el.clone(), f));
    let finish = fields.iter().map(finish_field);
    (quote!(#(#locals)*), quote!(#(#reads)*), quote!(#(#finish)*))
}

/// A statement reading field `f` of the element `el` into its local.
fn read_field(el: TokenStream, f: &Field) -> TokenStream {
    let l = local(f);
    let name = &f.xml.name;
    let what = f.member.as_str();
    if f.xml.attribute {
        if let Some(read) = de_scalar(quote!(text), &f.ty, what) {
            return quote!(if let Some(text) = #el.attribute(#name) { #l = Some(#read); });
        }
    }
    if f.xml.flattened {
        match &f.ty {
            TypeRef::List { member, sparse } => {
                let list = format_ident!("list");
                let item_xml = XmlMember { name: name.clone(), ..list_item(&f.xml) };
                let items = list_items(el, name, member, &item_xml, *sparse, what, 0, &list);
                return quote!({
                    let mut #list = Vec::new();
                    #items
                    if !#list.is_empty() {
                        #l = Some(#list);
                    }
                });
            }
            TypeRef::Map { key, value, sparse } => {
                let map = format_ident!("map");
                let entries = map_entries(el, name, key, value, &f.xml, *sparse, what, 0, &map);
                return quote!({
                    let mut #map = ::std::collections::HashMap::new();
                    #entries
                    if !#map.is_empty() {
                        #l = Some(#map);
                    }
                });
            }
            _ => {}
        }
    }
    let read = de_value(quote!(child), &f.ty, &f.xml, what, 0);
    quote!(if let Some(child) = #el.child(#name) { #l = Some(#read); })
}

fn struct_fns(s: &StructDef) -> TokenStream {
    let StructDef { name, fields, uses, module, .. } = s;
    let path = match module {
        Module::Types => quote!(crate::types::#name),
        Module::Errors => quote!(crate::types::error::#name),
        Module::Operation(op) => quote!(crate::operation::#op::#name),
    };
    let ser = uses.ser.then(|| {
        let f = ser_fn(name);
        let writes = fields.iter().map(|field| ser_field(quote!(value), field));
        let unused = fields.is_empty().then(|| quote!(let _ = (w, prefix, value);));
        quote! {
            pub(crate) fn #f(w: &mut rt::protocol::aws_query::QueryWriter, prefix: &str, value: &#path) -> Result<(), rt::error::BuildError> {
                #unused
                #(#writes)*
                Ok(())
            }
        }
    });
    let de = uses.de.then(|| {
        let f = de_fn(name);
        let (locals, reads, finish) = struct_reads(fields, quote!(el));
        let unused = fields.is_empty().then(|| quote!(let _ = el;));
        quote! {
            pub(crate) fn #f(el: &rt::xml::XmlElement) -> Result<#path, rt::error::DeserializeError> {
                #unused
                #locals
                #reads
                Ok(#path { #finish })
            }
        }
    });
    let zero = zero_item(s);
    quote!(#ser #de #zero)
}

fn union_fns(u: &UnionDef) -> TokenStream {
    let UnionDef { name, variants, uses, .. } = u;
    let path = quote!(crate::types::#name);
    let ser = uses.ser.then(|| {
        let f = ser_fn(name);
        let arms = variants.iter().map(|v| {
            let vn = &v.name;
            let key = key_of(quote!(prefix), &v.xml.name);
            match &v.ty {
                None => quote!(#path::#vn => w.pair(#key, ""),),
                Some(t) => {
                    let write = ser_value(key, quote!(inner), t, &v.xml, 0);
                    quote!(#path::#vn(inner) => { #write })
                }
            }
        });
        let unknown = format!("cannot serialize the unknown variant of union {}", name.bare());
        quote! {
            pub(crate) fn #f(w: &mut rt::protocol::aws_query::QueryWriter, prefix: &str, value: &#path) -> Result<(), rt::error::BuildError> {
                match value {
                    #(#arms)*
                    #path::Unknown => return Err(rt::error::BuildError::invalid(#unknown)),
                }
                Ok(())
            }
        }
    });
    let de = uses.de.then(|| {
        let f = de_fn(name);
        let arms = variants.iter().map(|v| {
            let vn = &v.name;
            let key = &v.xml.name;
            match &v.ty {
                None => quote!(#key => #path::#vn,),
                Some(t) => {
                    let read = de_value(quote!(child), t, &v.xml, &v.member, 0);
                    let read = if v.boxed { quote!(Box::new(#read)) } else { read };
                    quote!(#key => #path::#vn(#read),)
                }
            }
        });
        let two = format!("union {} has more than one member set", name.bare());
        let none = format!("union {} has no member set", name.bare());
        quote! {
            pub(crate) fn #f(el: &rt::xml::XmlElement) -> Result<#path, rt::error::DeserializeError> {
                let mut out = None;
                for child in &el.children {
                    let value = match child.name.as_str() {
                        #(#arms)*
                        _ => #path::Unknown,
                    };
                    if out.replace(value).is_some() {
                        return Err(rt::error::DeserializeError::new(#two));
                    }
                }
                out.ok_or_else(|| rt::error::DeserializeError::new(#none))
            }
        }
    });
    quote!(#ser #de)
}
