//! JSON bodies (restJson1 "JSON shape serialization"): writing values with the runtime's
//! `JsonValueWriter`, reading them with its pull `JsonReader`. Named structures and unions get a
//! function each in `protocol_serde`; lists, maps and scalars are written inline.

use super::common::*;
use crate::ir::*;
use crate::naming::{self, Name};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The `protocol_serde` writer of a named type (its name is decided in `naming`).
pub fn ser_fn(n: &Name) -> Name {
    naming::serde_fn_names(n).0
}
/// The reader function of a named type.
pub fn de_fn(n: &Name) -> Name {
    naming::serde_fn_names(n).1
}
/// The zero-value function of a named structure (client error correction).
pub fn zero_fn(n: &Name) -> Name {
    naming::serde_fn_names(n).2
}

fn ts_format(format: &Option<TimestampFormat>, default: TimestampFormat) -> TokenStream {
    timestamp_format_tokens(&quote!(rt), format.unwrap_or(default))
}

/// The runtime `TimestampFormat` for a location whose default is `default`.
pub fn timestamp_format(format: &Option<TimestampFormat>, default: TimestampFormat) -> TokenStream {
    ts_format(format, default)
}

/// Statements writing `value` (an expression of type `&T`) into the `JsonValueWriter` `w`.
pub fn ser_value(w: TokenStream, value: TokenStream, ty: &TypeRef, depth: usize) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(#w.boolean(*#value);),
        TypeRef::Byte | TypeRef::Short | TypeRef::Integer | TypeRef::Long => quote!(#w.integer(i64::from(*#value));),
        TypeRef::Float => quote!(#w.float32(*#value);),
        TypeRef::Double => quote!(#w.float(*#value);),
        TypeRef::BigInteger | TypeRef::BigDecimal => quote!(#w.raw_number(#value.as_str());),
        TypeRef::String => quote!(#w.string(#value);),
        TypeRef::Blob => quote!(#w.blob(#value.as_ref());),
        TypeRef::ByteStream => quote!(#w.blob(#value.bytes().unwrap_or_default());),
        // An event stream is the whole body, never a JSON value.
        TypeRef::EventStream(_) => quote!(),
        TypeRef::Timestamp { format } => {
            let f = ts_format(format, TimestampFormat::EpochSeconds);
            quote!(#w.timestamp(*#value, #f)?;)
        }
        TypeRef::Document => quote!(#w.document(#value);),
        TypeRef::Named(n) => match n.kind {
            NamedKind::Enum => quote!(#w.string(#value.as_str());),
            NamedKind::IntEnum => quote!(#w.integer(i64::from(#value.value()));),
            NamedKind::Struct | NamedKind::Union => {
                let f = ser_fn(&n.name);
                let o = format_ident!("object_{depth}");
                quote! {
                    let mut #o = #w.start_object();
                    crate::protocol_serde::#f(&mut #o, #value)?;
                    #o.finish();
                }
            }
        },
        TypeRef::List { member, sparse } => {
            let a = format_ident!("array_{depth}");
            let item = format_ident!("item_{depth}");
            let write = ser_value(quote!(#a.value()), quote!(#item), member, depth + 1);
            let body = if *sparse {
                quote! {
                    match #item {
                        Some(#item) => { #write }
                        None => #a.value().null(),
                    }
                }
            } else {
                write
            };
            quote! {
                let mut #a = #w.start_array();
                for #item in #value {
                    #body
                }
                #a.finish();
            }
        }
        TypeRef::Map { value: v, sparse, .. } => {
            let o = format_ident!("map_{depth}");
            let key = format_ident!("key_{depth}");
            let item = format_ident!("item_{depth}");
            let write = ser_value(quote!(#o.key(#key.as_str())), quote!(#item), v, depth + 1);
            let body = if *sparse {
                quote! {
                    match #item {
                        Some(#item) => { #write }
                        None => #o.key(#key.as_str()).null(),
                    }
                }
            } else {
                write
            };
            quote! {
                let mut #o = #w.start_object();
                for (#key, #item) in #value {
                    #body
                }
                #o.finish();
            }
        }
    }
}

/// Statements writing field `f` of `base` into the object writer `obj`.
pub fn ser_field(obj: &Ident, base: TokenStream, f: &Field) -> TokenStream {
    let n = &f.name;
    let key = &f.json_name;
    if f.optional {
        let write = ser_value(quote!(#obj.key(#key)), quote!(value), &f.ty, 0);
        quote! {
            if let Some(value) = &#base.#n {
                #write
            }
        }
    } else {
        let write = ser_value(quote!(#obj.key(#key)), quote!(value), &f.ty, 0);
        quote!({
            let value = &#base.#n;
            #write
        })
    }
}

/// An expression of type `T` reading one (non-null) value from the reader `r`.
pub fn de_value(ty: &TypeRef, depth: usize) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(r.boolean()?),
        TypeRef::Byte => quote!(r.i8()?),
        TypeRef::Short => quote!(r.i16()?),
        TypeRef::Integer => quote!(r.i32()?),
        TypeRef::Long => quote!(r.i64()?),
        TypeRef::Float => quote!(r.f32()?),
        TypeRef::Double => quote!(r.f64()?),
        TypeRef::BigInteger => quote!(rt::types::BigInteger::new(r.number_text()?)),
        TypeRef::BigDecimal => quote!(rt::types::BigDecimal::new(r.number_text()?)),
        TypeRef::String => quote!(r.string()?.into_owned()),
        TypeRef::Blob => quote!(rt::types::Blob::new(r.blob()?)),
        TypeRef::ByteStream => quote!(rt::types::ByteStream::new(r.blob()?)),
        // Lowering binds event streams to the whole body only.
        TypeRef::EventStream(_) => quote!(::core::compile_error!("an event stream is never a JSON value")),
        TypeRef::Timestamp { format } => {
            let f = ts_format(format, TimestampFormat::EpochSeconds);
            quote!(r.timestamp(#f)?)
        }
        TypeRef::Document => quote!(r.document()?),
        TypeRef::Named(n) => {
            let p = named_path(n);
            match n.kind {
                NamedKind::Enum => quote!(#p::from(r.string()?.as_ref())),
                NamedKind::IntEnum => quote!(#p::from(r.i32()?)),
                NamedKind::Struct | NamedKind::Union => {
                    let f = de_fn(&n.name);
                    quote!(crate::protocol_serde::#f(r)?)
                }
            }
        }
        TypeRef::List { member, sparse } => {
            let v = format_ident!("list_{depth}");
            let read = de_value(member, depth + 1);
            // A null in a dense list is dropped; a sparse list keeps it as `None`.
            let element = if *sparse {
                quote!(if r.read_null()? { #v.push(None); } else { #v.push(Some(#read)); })
            } else {
                quote!(if !r.read_null()? { #v.push(#read); })
            };
            quote!({
                let mut #v = Vec::new();
                r.start_array()?;
                while r.next_element()? {
                    #element
                }
                #v
            })
        }
        TypeRef::Map { key, value, sparse } => {
            let m = format_ident!("map_{depth}");
            let k = format_ident!("key_{depth}");
            let key_expr = match &**key {
                TypeRef::Named(n) => {
                    let p = named_path(n);
                    quote!(#p::from(#k.as_ref()))
                }
                _ => quote!(#k.into_owned()),
            };
            let read = de_value(value, depth + 1);
            let entry = if *sparse {
                quote!(if r.read_null()? { #m.insert(#key_expr, None); } else { let item = #read; #m.insert(#key_expr, Some(item)); })
            } else {
                quote!(if !r.read_null()? { let item = #read; #m.insert(#key_expr, item); })
            };
            quote!({
                let mut #m = ::std::collections::HashMap::new();
                r.start_object()?;
                while let Some(#k) = r.next_key()? {
                    #entry
                }
                #m
            })
        }
    }
}

/// The local variable holding field `f` while a structure is read.
pub fn local(f: &Field) -> Ident {
    local_of(&f.name)
}

/// The local variable holding the field named `name` while a structure is read.
pub fn local_of(name: &Name) -> Ident {
    format_ident!("field_{}", name.bare())
}

/// A match arm reading JSON member `f` into its local.
pub fn de_arm(f: &Field) -> TokenStream {
    let key = &f.json_name;
    let l = local(f);
    let read = de_value(&f.ty, 0);
    quote! {
        #key => {
            if !r.read_null()? {
                #l = Some(#read);
            }
        }
    }
}

/// The value of field `f` in a struct literal, from its local (`Option<T>`): boxed, defaulted,
/// or zero-filled when a required member is missing (client error correction).
pub fn finish_field(f: &Field) -> TokenStream {
    let n = &f.name;
    let l = local(f);
    // An output's event stream is always there: its local is the receiver itself.
    if matches!(f.ty, TypeRef::EventStream(_)) && !f.optional {
        return quote!(#n: #l,);
    }
    let value = if f.optional {
        if f.boxed {
            return quote!(#n: #l.map(Box::new),);
        }
        return quote!(#n: #l,);
    } else if let Some(d) = &f.default {
        unwrap_or_default_value(quote!(#l), d, &f.ty)
    } else {
        zero_fill(quote!(#l), &f.ty)
    };
    if f.boxed {
        quote!(#n: Box::new(#value),)
    } else {
        quote!(#n: #value,)
    }
}

/// `value` (an `Option<T>`) or the zero value of `T`.
fn zero_fill(value: TokenStream, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Named(n) if n.kind == NamedKind::Struct => {
            let z = zero_fn(&n.name);
            quote!(#value.unwrap_or_else(crate::protocol_serde::#z))
        }
        TypeRef::Named(_) | TypeRef::Timestamp { .. } => {
            let z = zero_value(ty);
            quote!(#value.unwrap_or_else(|| #z))
        }
        _ => quote!(#value.unwrap_or_default()),
    }
}

/// The zero value of a type (Smithy "client error correction").
pub fn zero_value(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Bool => quote!(false),
        TypeRef::Byte | TypeRef::Short | TypeRef::Integer | TypeRef::Long => quote!(0),
        TypeRef::Float | TypeRef::Double => quote!(0.0),
        TypeRef::Named(n) => {
            let p = named_path(n);
            match n.kind {
                NamedKind::Enum => quote!(#p::from("")),
                NamedKind::IntEnum => quote!(#p::from(0)),
                NamedKind::Union => quote!(#p::Unknown),
                NamedKind::Struct => {
                    let z = zero_fn(&n.name);
                    quote!(crate::protocol_serde::#z())
                }
            }
        }
        TypeRef::Timestamp { .. } => quote!(rt::time::DateTime::from_secs(0)),
        _ => quote!(Default::default()),
    }
}

/// `protocol_serde` functions for a named structure: writer, reader and zero value, as its
/// `uses` require.
pub fn struct_fns(s: &StructDef) -> TokenStream {
    let StructDef { name, fields, uses, .. } = s;
    let path = match &s.module {
        Module::Types => quote!(crate::types::#name),
        Module::Errors => quote!(crate::types::error::#name),
        Module::Operation(op) => quote!(crate::operation::#op::#name),
    };
    let ser = uses.ser.then(|| {
        let f = ser_fn(name);
        let obj = format_ident!("object");
        let writes = fields.iter().map(|field| ser_field(&obj, quote!(value), field));
        quote! {
            pub(crate) fn #f(object: &mut rt::json::JsonObjectWriter<'_>, value: &#path) -> Result<(), rt::error::BuildError> {
                #(#writes)*
                Ok(())
            }
        }
    });
    let de = uses.de.then(|| {
        let f = de_fn(name);
        let locals = fields.iter().map(|field| {
            let l = local(field);
            quote!(let mut #l = None;)
        });
        let arms = fields.iter().map(de_arm);
        let finish = fields.iter().map(finish_field);
        quote! {
            pub(crate) fn #f(r: &mut rt::json::JsonReader<'_>) -> Result<#path, rt::json::JsonError> {
                #(#locals)*
                r.start_object()?;
                while let Some(key) = r.next_key()? {
                    match key.as_ref() {
                        #(#arms)*
                        _ => r.skip_value()?,
                    }
                }
                Ok(#path { #(#finish)* })
            }
        }
    });
    let zero = zero_item(s);
    quote!(#ser #de #zero)
}

/// The path of a structure from inside the crate.
fn struct_path(s: &StructDef) -> TokenStream {
    let name = &s.name;
    match &s.module {
        Module::Types => quote!(crate::types::#name),
        Module::Errors => quote!(crate::types::error::#name),
        Module::Operation(op) => quote!(crate::operation::#op::#name),
    }
}

/// The zero-value function of a structure whose `uses.zero` asks for one (every protocol).
pub fn zero_item(s: &StructDef) -> Option<TokenStream> {
    s.uses.zero.then(|| {
        let f = zero_fn(&s.name);
        let path = struct_path(s);
        let inits = s.fields.iter().map(|field| {
            let n = &field.name;
            let v = if field.optional {
                quote!(None)
            } else if let Some(d) = &field.default {
                default_expr(d, &field.ty)
            } else {
                zero_value(&field.ty)
            };
            let v = if field.boxed && !field.optional { quote!(Box::new(#v)) } else { v };
            quote!(#n: #v,)
        });
        quote! {
            pub(crate) fn #f() -> #path {
                #path { #(#inits)* }
            }
        }
    })
}

/// `protocol_serde` functions for a union.
pub fn union_fns(u: &UnionDef) -> TokenStream {
    let UnionDef { name, variants, uses, .. } = u;
    let path = quote!(crate::types::#name);
    let ser = uses.ser.then(|| {
        let f = ser_fn(name);
        let arms = variants.iter().map(|v| {
            let vn = &v.name;
            let key = &v.json_name;
            match &v.ty {
                None => quote!(#path::#vn => { object.key(#key).start_object().finish(); }),
                Some(t) => {
                    let write = ser_value(quote!(object.key(#key)), quote!(inner), t, 0);
                    quote!(#path::#vn(inner) => { #write })
                }
            }
        });
        let unknown = format!("cannot serialize the unknown variant of union {}", name.bare());
        quote! {
            pub(crate) fn #f(object: &mut rt::json::JsonObjectWriter<'_>, value: &#path) -> Result<(), rt::error::BuildError> {
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
            let key = &v.json_name;
            match &v.ty {
                None => quote!(#key => { r.skip_value()?; #path::#vn }),
                Some(t) => {
                    let read = de_value(t, 0);
                    let read = if v.boxed { quote!(Box::new(#read)) } else { read };
                    quote!(#key => #path::#vn(#read),)
                }
            }
        });
        let two = format!("union {} has more than one member set", name.bare());
        let none = format!("union {} has no member set", name.bare());
        quote! {
            pub(crate) fn #f(r: &mut rt::json::JsonReader<'_>) -> Result<#path, rt::json::JsonError> {
                let mut out = None;
                r.start_object()?;
                while let Some(key) = r.next_key()? {
                    // restJson1: null members are absent, and `__type` must be ignored.
                    if r.read_null()? {
                        continue;
                    }
                    let value = match key.as_ref() {
                        #(#arms)*
                        "__type" => { r.skip_value()?; continue; }
                        _ => { r.skip_value()?; #path::Unknown }
                    };
                    if out.replace(value).is_some() {
                        return Err(rt::json::JsonError::new(#two, r.offset()));
                    }
                }
                out.ok_or_else(|| rt::json::JsonError::new(#none, r.offset()))
            }
        }
    });
    quote!(#ser #de)
}
