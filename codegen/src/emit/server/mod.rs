//! The server target, a sibling of the client target (`emit::client`): from the same IR, the
//! server side of a restJson1 service for an in-process implementation (the emulator). It
//! shares the docs, timestamp and redaction helpers of `emit::common` and the reader locals of
//! `emit::json` with the client. It emits four files of one module:
//!
//! - `types.rs`: the shared structures and enums, each with a validating JSON reader and a
//!   JSON writer;
//! - `error.rs`: the modeled errors, each able to write itself as an error response;
//! - `operation.rs`: per operation a validated input read from the request (labels, query,
//!   headers, body), an output written as the response, and an error enum holding exactly the
//!   errors the model lists for it;
//! - `mod.rs`: the `Operation` enum, the router (method, path, query literals → operation and
//!   raw labels), the `Service` trait an implementation provides, and `dispatch`.
//!
//! The generated code calls a hand-written support module at `crate::wire` (percent-decoding,
//! validation messages, the `@pattern` matcher, response building), the way generated clients
//! call `client_runtime`.
//!
//! Supported: structures, string enums, lists and string-keyed maps of them, every scalar but
//! big numbers and documents; labels (not greedy), query values and lists, scalar headers, JSON
//! bodies. Anything else is reported as a [`ModelError`] rather than emitted half-way.

use super::common::{doc_attrs, doc_line, timestamp_format_tokens, REDACTED};
use super::json::local_of as local;
use super::Emitted;
use crate::error::{ModelError, Result};
use crate::ir::*;
use crate::naming::Name;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeSet;


/// Emits the server module's files, with paths relative to the module's directory.
pub fn emit(krate: &Crate) -> Result<Vec<Emitted>> {
    let mut cx = Cx { patterns: BTreeSet::new() };
    let types = cx.types_rs(krate)?;
    let errors = cx.errors_rs(krate)?;
    let operations = cx.operations_rs(krate)?;
    let module = cx.mod_rs(krate)?;
    Ok(vec![
        Emitted::Rust { path: "mod.rs".into(), tokens: module },
        Emitted::Rust { path: "types.rs".into(), tokens: types },
        Emitted::Rust { path: "error.rs".into(), tokens: errors },
        Emitted::Rust { path: "operation.rs".into(), tokens: operations },
    ])
}

struct Cx {
    /// Every pattern the generated code checks, listed in `mod.rs` so the matcher can be tested
    /// against all of them.
    patterns: BTreeSet<String>,
}

fn unsupported(at: &str, what: impl std::fmt::Display) -> ModelError {
    ModelError::new(at, format!("the server target does not support {what}"))
}

impl Cx {
    // ---- types ----------------------------------------------------------------------------

    fn types_rs(&mut self, krate: &Crate) -> Result<TokenStream> {
        let mut items = Vec::new();
        for t in &krate.types {
            items.push(match t {
                TypeDef::Struct(s) => self.structure(s)?,
                TypeDef::Enum(e) => string_enum(e),
                TypeDef::Union(u) => return Err(unsupported(&u.shape_id, "unions")),
                TypeDef::IntEnum(e) => return Err(unsupported(&e.shape_id, "intEnums")),
            });
        }
        Ok(quote! {
            //! Data types of the service with their validating JSON readers and JSON writers.
            #(#items)*
        })
    }

    fn errors_rs(&mut self, krate: &Crate) -> Result<TokenStream> {
        let mut items = Vec::new();
        for e in &krate.errors {
            let Some(info) = &e.error else { continue };
            let name = &e.name;
            let code = &info.code;
            let status = info.status;
            let structure = self.structure(e)?;
            let status_doc = doc_line(&format!("The HTTP status of this error ({status})."));
            let code_doc = doc_line(&format!("The error code on the wire (`{code}`), sent as `X-Amzn-Errortype`."));
            let response_doc = doc_line("The error response: status, `X-Amzn-Errortype` and the JSON body.");
            items.push(quote! {
                #structure
                impl #name {
                    #status_doc
                    pub const STATUS: u16 = #status;
                    #code_doc
                    pub const CODE: &'static str = #code;
                    #response_doc
                    pub fn to_response(&self) -> ::client_runtime::http::HttpResponse {
                        let mut body = ::std::string::String::new();
                        let mut object = ::client_runtime::__private::json::JsonObjectWriter::new(&mut body);
                        if self.write_json(&mut object).is_err() {
                            return crate::wire::serialization_failure();
                        }
                        object.finish();
                        crate::wire::error_response(Self::STATUS, Self::CODE, body)
                    }
                }
            });
        }
        Ok(quote! {
            //! Modeled errors of the service. Each operation's error enum wraps the ones it lists.
            #(#items)*
        })
    }

    /// A structure of `types` or `error`, with `read_json` and `write_json`.
    fn structure(&mut self, s: &StructDef) -> Result<TokenStream> {
        let name = &s.name;
        let doc = doc_attrs(&s.docs);
        let decls = self.field_decls(s)?;
        let derives = derives(s);
        let debug = debug_impl(s);
        let read = self.read_json_fn(s)?;
        let write = write_json_fn(s)?;
        Ok(quote! {
            #doc
            #derives
            pub struct #name { #(#decls)* }
            impl #name {
                #read
                #write
            }
            #debug
        })
    }

    fn field_decls(&mut self, s: &StructDef) -> Result<Vec<TokenStream>> {
        s.fields
            .iter()
            .map(|f| {
                let doc = doc_attrs(&f.docs);
                let n = &f.name;
                let ty = field_type(&s.shape_id, f)?;
                Ok(quote!(#doc pub #n: #ty,))
            })
            .collect()
    }

    /// `read_json`: reads the object the reader is at, then checks every member.
    fn read_json_fn(&mut self, s: &StructDef) -> Result<TokenStream> {
        let locals = s.fields.iter().map(|f| local(&f.name));
        let arms = s.fields.iter().map(|f| self.body_arm(&s.shape_id, f)).collect::<Result<Vec<_>>>()?;
        let finish = s.fields.iter().map(|f| self.finish_field(f)).collect::<Vec<_>>();
        let names = s.fields.iter().map(|f| &f.name);
        let doc = doc_line("Reads this structure from the JSON object `r` is at and checks its members; `at` is its path in the request, for messages.");
        Ok(quote! {
            #doc
            pub fn read_json(r: &mut ::client_runtime::__private::json::JsonReader<'_>, at: &str) -> ::std::result::Result<Self, crate::wire::Invalid> {
                #(let mut #locals = ::std::option::Option::None;)*
                r.start_object()?;
                while let ::std::option::Option::Some(key) = r.next_key()? {
                    match key.as_ref() {
                        #(#arms)*
                        _ => r.skip_value()?,
                    }
                }
                #(#finish)*
                ::std::result::Result::Ok(Self { #(#names),* })
            }
        })
    }

    /// The match arm reading body member `f` into its local.
    fn body_arm(&mut self, shape_id: &str, f: &Field) -> Result<TokenStream> {
        let key = &f.json_name;
        let l = local(&f.name);
        let read = read_value(shape_id, &f.ty, &f.member, &timestamp_format(f, TimestampFormat::EpochSeconds), 0)?;
        Ok(quote! {
            #key => {
                if !r.read_null()? {
                    #l = ::std::option::Option::Some(#read);
                }
            }
        })
    }

    /// Statements turning local `field_x` into the checked binding `x`.
    fn finish_field(&mut self, f: &Field) -> TokenStream {
        let n = &f.name;
        let l = local(n);
        let member = &f.member;
        let check = self.check_stmts(quote!(value), &f.ty, &f.constraints, member);
        if check.is_empty() {
            return if f.required { quote!(let #n = crate::wire::required(#l, at, #member)?;) } else { quote!(let #n = #l;) };
        }
        if f.required {
            quote! {
                let #n = crate::wire::required(#l, at, #member)?;
                { let value = &#n; #check }
            }
        } else {
            quote! {
                let #n = #l;
                if let ::std::option::Option::Some(value) = &#n { #check }
            }
        }
    }

    /// Statements checking `value` (`&T`) against `checks`; errors name `member` under `at`.
    fn check_stmts(&mut self, value: TokenStream, ty: &TypeRef, checks: &Constraints, member: &str) -> TokenStream {
        let mut out = Vec::new();
        if let Some((min, max)) = checks.length {
            let len = match ty {
                TypeRef::String => quote!(crate::wire::char_len(#value)),
                _ => quote!(#value.len()),
            };
            let (min, max) = (opt_u64(min), opt_u64(max));
            out.push(quote!(crate::wire::check_length(at, #member, #len, #min, #max)?;));
        }
        if let Some((min, max)) = checks.range {
            let as_f64 = match ty {
                TypeRef::Float => quote!(f64::from(*#value)),
                TypeRef::Double => quote!(*#value),
                // Integers up to 2^53 convert exactly, far beyond any modeled bound.
                _ => quote!(*#value as f64),
            };
            let (min, max) = (opt_f64(min), opt_f64(max));
            out.push(quote!(crate::wire::check_range(at, #member, #as_f64, #min, #max)?;));
        }
        if let (Some(pattern), TypeRef::String) = (&checks.pattern, ty) {
            self.patterns.insert(pattern.clone());
            out.push(quote!(crate::wire::check_pattern(at, #member, #value, #pattern)?;));
        }
        if let (Some(element), TypeRef::List { member: item_ty, .. }) = (&checks.element, ty) {
            let item_member = format!("{member}.member");
            let inner = self.check_stmts(quote!(item), item_ty, element, &item_member);
            if !inner.is_empty() {
                out.push(quote!(for item in #value.iter() { #inner }));
            }
        }
        quote!(#(#out)*)
    }

    // ---- operations -----------------------------------------------------------------------

    fn operations_rs(&mut self, krate: &Crate) -> Result<TokenStream> {
        let mut items = Vec::new();
        for op in &krate.operations {
            items.push(self.input(op)?);
            items.push(output(op)?);
            items.push(error_enum(op));
        }
        Ok(quote! {
            //! Per operation: the validated input read from a request, the output written as the
            //! response, and the errors the model lets it return.
            #(#items)*
        })
    }

    fn input(&mut self, op: &OperationDef) -> Result<TokenStream> {
        let s = &op.input;
        let name = &s.name;
        let doc = doc_line(&format!("The validated input of `{}`.", op.name));
        let decls = self.field_decls(s)?;
        let derives = derives(s);
        let debug = debug_impl(s);
        let labels: Vec<&Name> = op
            .http
            .path
            .iter()
            .filter_map(|seg| match seg {
                PathSegment::Label { field, .. } => Some(field),
                PathSegment::Literal(_) => None,
            })
            .collect();
        let has_query = s.fields.iter().any(|f| matches!(f.http, HttpBinding::Query(..)));
        let has_body = s.fields.iter().any(|f| f.http == HttpBinding::Body);
        let has_header = s.fields.iter().any(|f| matches!(f.http, HttpBinding::Header(..)));

        let mut stmts = Vec::new();
        let locals = s.fields.iter().map(|f| local(&f.name));
        stmts.push(quote!(#(let mut #locals = ::std::option::Option::None;)*));
        if has_query {
            stmts.push(quote!(let query = crate::wire::Query::parse(&request.uri.query)?;));
        }
        let mut arms = Vec::new();
        for f in &s.fields {
            let l = local(&f.name);
            let member = &f.member;
            match &f.http {
                HttpBinding::Body => arms.push(self.body_arm(&s.shape_id, f)?),
                HttpBinding::Label { greedy: true } => return Err(unsupported(&s.shape_id, "greedy labels")),
                HttpBinding::Label { greedy: false } => {
                    let index = labels.iter().position(|n| *n == &f.name).ok_or_else(|| unsupported(&s.shape_id, "a label missing from the URI"))?;
                    let parse = parse_text(&s.shape_id, &f.ty, quote!(text), true, member, timestamp_format(f, TimestampFormat::DateTime))?;
                    let get = if index == 0 { quote!(labels.first()) } else { quote!(labels.get(#index)) };
                    stmts.push(quote! {
                        if let ::std::option::Option::Some(raw) = #get {
                            let text = crate::wire::label(raw, #member)?;
                            #l = ::std::option::Option::Some(#parse);
                        }
                    });
                }
                HttpBinding::Query(key, _) => {
                    let read = match &f.ty {
                        TypeRef::List { member: item, .. } => {
                            let parse = parse_text(&s.shape_id, item, quote!(text), false, member, timestamp_format(f, TimestampFormat::DateTime))?;
                            quote! {
                                let mut items = ::std::vec::Vec::new();
                                for text in query.all(#key) { items.push(#parse); }
                                if !items.is_empty() { #l = ::std::option::Option::Some(items); }
                            }
                        }
                        ty => {
                            let parse = parse_text(&s.shape_id, ty, quote!(text), false, member, timestamp_format(f, TimestampFormat::DateTime))?;
                            quote!(if let ::std::option::Option::Some(text) = query.get(#key) { #l = ::std::option::Option::Some(#parse); })
                        }
                    };
                    stmts.push(read);
                }
                HttpBinding::Header(header, _) => {
                    let parse = parse_text(&s.shape_id, &f.ty, quote!(text), false, member, timestamp_format(f, TimestampFormat::HttpDate))?;
                    stmts.push(quote! {
                        if let ::std::option::Option::Some(text) = request.headers.get(#header) {
                            #l = ::std::option::Option::Some(#parse);
                        }
                    });
                }
                other => return Err(unsupported(&s.shape_id, format!("the input binding {other:?}"))),
            }
        }
        if has_body {
            stmts.push(quote! {
                if crate::wire::has_body(&request.body) {
                    let r = &mut ::client_runtime::__private::json::JsonReader::new(&request.body);
                    r.start_object()?;
                    while let ::std::option::Option::Some(key) = r.next_key()? {
                        match key.as_ref() {
                            #(#arms)*
                            _ => r.skip_value()?,
                        }
                    }
                    r.finish()?;
                }
            });
        }
        let finish = s.fields.iter().map(|f| self.finish_field(f)).collect::<Vec<_>>();
        let names = s.fields.iter().map(|f| &f.name);
        let uses_request = has_query || has_body || has_header;
        let request_param = if uses_request { quote!(request) } else { quote!(_request) };
        let labels_param = if labels.is_empty() { quote!(_labels) } else { quote!(labels) };
        let read_doc = doc_line("Reads the input from `request` and the raw path labels the router captured, and checks every member.");
        Ok(quote! {
            #doc
            #derives
            pub struct #name { #(#decls)* }
            impl #name {
                #read_doc
                pub fn from_request(
                    #request_param: &::client_runtime::http::HttpRequest,
                    #labels_param: &[&str],
                ) -> ::std::result::Result<Self, crate::wire::Invalid> {
                    // Top-level members have no parent path; unused when no member is checked.
                    #[allow(unused_variables)]
                    let at = "";
                    #(#stmts)*
                    #(#finish)*
                    ::std::result::Result::Ok(Self { #(#names),* })
                }
            }
            #debug
        })
    }

    // ---- mod.rs ---------------------------------------------------------------------------

    fn mod_rs(&mut self, krate: &Crate) -> Result<TokenStream> {
        let title = &krate.service.title;
        let ops = &krate.operations;
        let variants: Vec<&Name> = ops.iter().map(|o| &o.type_name).collect();
        let variant_docs = ops.iter().map(|o| doc_line(&format!("`{}`.", o.name)));
        let op_names = ops.iter().map(|o| o.name.as_str());
        let op_errors = ops.iter().map(|o| {
            let codes = o.errors.iter().map(|e| e.code.as_str());
            quote!(&[#(#codes),*])
        });
        let validation = validation_error(krate)?;
        let validation_ty = &validation.name;

        let mut arms: Vec<(usize, usize, TokenStream)> = Vec::new();
        for op in ops {
            arms.push(route_arm(op)?);
        }
        // Specific routes first: more query literals, then more literal segments.
        arms.sort_by_key(|&(queries, literals, _)| std::cmp::Reverse((queries, literals)));
        let arms = arms.into_iter().map(|(_, _, t)| t);

        let methods = ops.iter().map(|op| {
            let f = &op.fn_name;
            let input = &op.input.name;
            let output = &op.output.name;
            let error = &op.error_name;
            let doc = doc_attrs(&op.docs);
            quote! {
                #doc
                fn #f(&self, input: operation::#input) -> ::std::result::Result<operation::#output, operation::#error>;
            }
        });
        let dispatch_arms = ops.iter().map(|op| {
            let v = &op.type_name;
            let f = &op.fn_name;
            let input = &op.input.name;
            quote! {
                Operation::#v => match operation::#input::from_request(request, &route.labels) {
                    ::std::result::Result::Ok(input) => match service.#f(input) {
                        ::std::result::Result::Ok(output) => output.to_response(),
                        ::std::result::Result::Err(error) => error.to_response(),
                    },
                    ::std::result::Result::Err(invalid) => service.validation_error(Operation::#v, invalid).to_response(),
                },
            }
        });
        let patterns = self.patterns.iter();
        let module_doc = format!(" The server side of {title}, generated from its Smithy model by the server target of `codegen`.");
        let validation_doc = doc_line(&format!(
            "The error for a request that failed validation (a missing or malformed member, a broken constraint, a path escape in a label); `{validation_ty}` is listed by every operation."
        ));
        Ok(quote! {
            #![doc = #module_doc]
            #![doc = ""]
            #![doc = " [`route`] matches a request to an [`Operation`], [`dispatch`] reads and checks its input, calls the [`Service`] and writes the response."]

            pub mod error;
            pub mod operation;
            pub mod types;

            /// The operations of the service.
            #[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::PartialOrd, ::std::cmp::Ord)]
            pub enum Operation {
                #(#variant_docs #variants,)*
            }

            impl Operation {
                /// Every operation, in model order.
                pub const ALL: &'static [Operation] = &[#(Operation::#variants),*];

                /// The operation's name in the model.
                pub fn name(self) -> &'static str {
                    match self {
                        #(Operation::#variants => #op_names,)*
                    }
                }

                /// The errors the model lists for the operation, by their code on the wire
                /// (`X-Amzn-Errortype`), in model order.
                pub fn errors(self) -> &'static [&'static str] {
                    match self {
                        #(Operation::#variants => #op_errors,)*
                    }
                }
            }

            /// A request matched to an operation.
            #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq, ::std::cmp::Eq)]
            pub struct Route<'a> {
                /// The operation.
                pub operation: Operation,
                /// The path labels in URI order, still percent-encoded.
                pub labels: ::std::vec::Vec<&'a str>,
            }

            /// Matches a request's method, encoded path and encoded query to an operation (its
            /// `@http` method and URI, constant query parameters included).
            pub fn route<'a>(method: &str, path: &'a str, query: &str) -> ::std::option::Option<Route<'a>> {
                let segments = crate::wire::path_segments(path);
                match (method, segments.as_slice()) {
                    #(#arms)*
                    _ => ::std::option::Option::None,
                }
            }

            /// What an implementation of the service provides: one method per operation, each
            /// returning only the errors the model lists for it.
            pub trait Service {
                #validation_doc
                fn validation_error(&self, operation: Operation, invalid: crate::wire::Invalid) -> error::#validation_ty;
                #(#methods)*
            }

            /// Reads the input of `route` from `request`, calls `service` and writes its answer.
            pub fn dispatch<S: Service + ?::std::marker::Sized>(
                service: &S,
                route: &Route<'_>,
                request: &::client_runtime::http::HttpRequest,
            ) -> ::client_runtime::http::HttpResponse {
                match route.operation {
                    #(#dispatch_arms)*
                }
            }

            /// Every `@pattern` the readers check, so the matcher can be tested on all of them.
            pub const PATTERNS: &[&str] = &[#(#patterns),*];
        })
    }
}

/// The 400 error every operation lists, preferring the conventional names.
fn validation_error(krate: &Crate) -> Result<&StructDef> {
    let shared: Vec<&StructDef> = krate
        .errors
        .iter()
        .filter(|e| e.error.as_ref().is_some_and(|i| i.status == 400 && !i.server_fault))
        .filter(|e| krate.operations.iter().all(|op| op.errors.iter().any(|v| v.ty == e.name)))
        .collect();
    shared
        .iter()
        .find(|e| matches!(e.name.as_str(), "BadRequestException" | "ValidationException"))
        .or_else(|| shared.first())
        .copied()
        .ok_or_else(|| unsupported(&krate.service.shape_id, "a service without a 400 error that every operation lists"))
}

/// One arm of `route`, with its sort keys (query literal count, literal segment count).
fn route_arm(op: &OperationDef) -> Result<(usize, usize, TokenStream)> {
    let at = &op.shape_id;
    let mut patterns = Vec::new();
    let mut labels = Vec::new();
    let mut literals = 0;
    // Literal text (`/app-instances/`) is split on `/`; a label must fill a whole segment.
    let mut open = String::new();
    let mut after_label = false;
    for seg in &op.http.path {
        match seg {
            PathSegment::Literal(text) => {
                if after_label && !text.starts_with('/') {
                    return Err(unsupported(at, "a label sharing a path segment with literal text"));
                }
                after_label = false;
                open.push_str(text);
                let mut parts: Vec<&str> = open.split('/').collect();
                let tail = parts.pop().unwrap_or_default().to_string();
                for p in parts.into_iter().filter(|p| !p.is_empty()) {
                    patterns.push(quote!(#p));
                    literals += 1;
                }
                open = tail;
            }
            PathSegment::Label { greedy: true, .. } => return Err(unsupported(at, "greedy labels")),
            PathSegment::Label { greedy: false, .. } => {
                if !open.is_empty() {
                    return Err(unsupported(at, "a label sharing a path segment with literal text"));
                }
                let l = format_ident!("l{}", labels.len());
                patterns.push(quote!(#l));
                labels.push(l);
                after_label = true;
            }
        }
    }
    if !open.is_empty() {
        patterns.push(quote!(#open));
        literals += 1;
    }
    let method = &op.http.method;
    let conditions: Vec<TokenStream> = op
        .http
        .query_literals
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Some(v) => quote!(::std::option::Option::Some(#v)),
                None => quote!(::std::option::Option::None),
            };
            quote!(crate::wire::query_has(query, #k, #v))
        })
        .collect();
    let guard = if conditions.is_empty() { quote!() } else { quote!(if #(#conditions)&&*) };
    let v = &op.type_name;
    let labels = if labels.is_empty() { quote!(::std::vec::Vec::new()) } else { quote!(::std::vec::Vec::from([#(*#labels),*])) };
    let arm = quote! {
        (#method, [#(#patterns),*]) #guard => ::std::option::Option::Some(Route {
            operation: Operation::#v,
            labels: #labels,
        }),
    };
    Ok((op.http.query_literals.len(), literals, arm))
}

fn output(op: &OperationDef) -> Result<TokenStream> {
    let s = &op.output;
    let name = &s.name;
    for f in &s.fields {
        if f.http != HttpBinding::Body {
            return Err(unsupported(&s.shape_id, format!("the output binding {:?}", f.http)));
        }
    }
    if op.response_body != Body::Members {
        return Err(unsupported(&s.shape_id, "output payloads"));
    }
    let doc = doc_line(&format!("The output of `{}`.", op.name));
    let decls = s
        .fields
        .iter()
        .map(|f| {
            let doc = doc_attrs(&f.docs);
            let n = &f.name;
            let ty = field_type(&s.shape_id, f)?;
            Ok(quote!(#doc pub #n: #ty,))
        })
        .collect::<Result<Vec<_>>>()?;
    let derives = derives(s);
    let debug = debug_impl(s);
    let status = op.http.code;
    let response_doc = if s.fields.is_empty() {
        doc_line(&format!("The response: status {status}, no body."))
    } else {
        doc_line(&format!("The response: status {status} and the JSON body of the members."))
    };
    let (write, to_response) = if s.fields.is_empty() {
        (quote!(), quote!(crate::wire::empty_response(#status)))
    } else {
        (
            write_json_fn(s)?,
            quote! {
                let mut body = ::std::string::String::new();
                let mut object = ::client_runtime::__private::json::JsonObjectWriter::new(&mut body);
                if self.write_json(&mut object).is_err() {
                    return crate::wire::serialization_failure();
                }
                object.finish();
                crate::wire::json_response(#status, body)
            },
        )
    };
    Ok(quote! {
        #doc
        #derives
        pub struct #name { #(#decls)* }
        impl #name {
            #write
            #response_doc
            pub fn to_response(&self) -> ::client_runtime::http::HttpResponse {
                #to_response
            }
        }
        #debug
    })
}

fn error_enum(op: &OperationDef) -> TokenStream {
    let name = &op.error_name;
    let doc = doc_line(&format!("The errors `{}` may return.", op.name));
    let variants = op.errors.iter().map(|e| {
        let v = &e.variant;
        let ty = &e.ty;
        let d = doc_attrs(&e.docs);
        quote!(#d #v(super::error::#ty),)
    });
    let froms = op.errors.iter().map(|e| {
        let v = &e.variant;
        let ty = &e.ty;
        quote! {
            impl ::std::convert::From<super::error::#ty> for #name {
                fn from(e: super::error::#ty) -> Self { Self::#v(e) }
            }
        }
    });
    let arms = op.errors.iter().map(|e| {
        let v = &e.variant;
        quote!(Self::#v(e) => e.to_response(),)
    });
    let response_doc = doc_line("The error response.");
    quote! {
        #doc
        #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq)]
        pub enum #name { #(#variants)* }
        impl #name {
            #response_doc
            pub fn to_response(&self) -> ::client_runtime::http::HttpResponse {
                match self { #(#arms)* }
            }
        }
        #(#froms)*
    }
}

fn string_enum(e: &EnumDef) -> TokenStream {
    let name = &e.name;
    let doc = doc_attrs(&e.docs);
    let variants: Vec<&Name> = e.values.iter().map(|v| &v.name).collect();
    let docs = e.values.iter().map(|v| doc_attrs(&v.docs));
    let values: Vec<&str> = e.values.iter().map(|v| v.value.as_str()).collect();
    quote! {
        #doc
        #[derive(::std::clone::Clone, ::std::marker::Copy, ::std::fmt::Debug, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]
        pub enum #name {
            #(#docs #variants,)*
        }
        impl #name {
            /// Every value on the wire, in model order.
            pub const VALUES: &'static [&'static str] = &[#(#values),*];

            /// The value on the wire.
            pub fn as_str(&self) -> &'static str {
                match self { #(Self::#variants => #values,)* }
            }

            /// The variant of a wire value; `None` for values the model does not list.
            pub fn from_wire(value: &str) -> ::std::option::Option<Self> {
                match value {
                    #(#values => ::std::option::Option::Some(Self::#variants),)*
                    _ => ::std::option::Option::None,
                }
            }
        }
    }
}

/// `Clone, PartialEq`, `Debug` unless a member is sensitive, `Default` when every field is an
/// `Option`.
fn derives(s: &StructDef) -> TokenStream {
    let debug = if needs_redaction(s) { quote!() } else { quote!(::std::fmt::Debug,) };
    let default = if s.fields.iter().all(|f| !f.required) { quote!(::std::default::Default,) } else { quote!() };
    quote!(#[derive(::std::clone::Clone, ::std::cmp::PartialEq, #debug #default)])
}

fn needs_redaction(s: &StructDef) -> bool {
    s.sensitive || s.fields.iter().any(|f| f.sensitive)
}

/// A `Debug` impl that prints sensitive members as a placeholder (none when `derives` has one).
fn debug_impl(s: &StructDef) -> TokenStream {
    if !needs_redaction(s) {
        return quote!();
    }
    let name = &s.name;
    let label = name.bare();
    let fields = s.fields.iter().map(|f| {
        let n = &f.name;
        let key = f.name.bare();
        if f.sensitive || s.sensitive {
            quote!(.field(#key, &#REDACTED))
        } else {
            quote!(.field(#key, &self.#n))
        }
    });
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#fields)* .finish()
            }
        }
    }
}


fn opt_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

fn opt_f64(v: Option<f64>) -> TokenStream {
    match v {
        Some(v) => {
            let lit = Literal::f64_suffixed(v);
            quote!(::std::option::Option::Some(#lit))
        }
        None => quote!(::std::option::Option::None),
    }
}

fn timestamp_format(f: &Field, default: TimestampFormat) -> TimestampFormat {
    match &f.ty {
        TypeRef::Timestamp { format: Some(format) } => *format,
        _ => default,
    }
}

fn format_tokens(format: TimestampFormat) -> TokenStream {
    timestamp_format_tokens(&quote!(::client_runtime), format)
}

/// The Rust type of a value in the server module.
fn server_type(at: &str, ty: &TypeRef) -> Result<TokenStream> {
    Ok(match ty {
        TypeRef::Bool => quote!(bool),
        TypeRef::Byte => quote!(i8),
        TypeRef::Short => quote!(i16),
        TypeRef::Integer => quote!(i32),
        TypeRef::Long => quote!(i64),
        TypeRef::Float => quote!(f32),
        TypeRef::Double => quote!(f64),
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Blob => quote!(::std::vec::Vec<u8>),
        TypeRef::Timestamp { .. } => quote!(::client_runtime::time::DateTime),
        TypeRef::Named(n) => match (n.kind, &n.module) {
            (NamedKind::Struct | NamedKind::Enum, Module::Types) => {
                let name = &n.name;
                quote!(super::types::#name)
            }
            (NamedKind::Struct, Module::Errors) => {
                let name = &n.name;
                quote!(super::error::#name)
            }
            _ => return Err(unsupported(at, format!("members targeting {}", n.name))),
        },
        TypeRef::List { member, sparse: false } => {
            let m = server_type(at, member)?;
            quote!(::std::vec::Vec<#m>)
        }
        TypeRef::Map { key, value, sparse: false } if **key == TypeRef::String => {
            let v = server_type(at, value)?;
            quote!(::std::collections::BTreeMap<::std::string::String, #v>)
        }
        other => return Err(unsupported(at, format!("members of type {other:?}"))),
    })
}

/// A field's declared type: `T` when `@required` (the reader has checked it), else `Option<T>`.
fn field_type(at: &str, f: &Field) -> Result<TokenStream> {
    if f.boxed {
        return Err(unsupported(at, "recursive structures"));
    }
    let ty = server_type(at, &f.ty)?;
    Ok(if f.required { ty } else { quote!(::std::option::Option<#ty>) })
}

/// An expression reading one non-null value of `ty` from the JSON reader `r` (errors with `?`).
fn read_value(at: &str, ty: &TypeRef, member: &str, format: &TimestampFormat, depth: usize) -> Result<TokenStream> {
    Ok(match ty {
        TypeRef::Bool => quote!(r.boolean()?),
        TypeRef::Byte => quote!(r.i8()?),
        TypeRef::Short => quote!(r.i16()?),
        TypeRef::Integer => quote!(r.i32()?),
        TypeRef::Long => quote!(r.i64()?),
        TypeRef::Float => quote!(r.f32()?),
        TypeRef::Double => quote!(r.f64()?),
        TypeRef::String => quote!(r.string()?.into_owned()),
        TypeRef::Blob => quote!(r.blob()?),
        TypeRef::Timestamp { .. } => {
            let f = format_tokens(*format);
            quote!(r.timestamp(#f)?)
        }
        TypeRef::Named(n) => {
            let path = server_type(at, ty)?;
            match n.kind {
                NamedKind::Enum => quote! {{
                    let text = r.string()?;
                    #path::from_wire(&text).ok_or_else(|| crate::wire::unknown_enum(at, #member, #path::VALUES))?
                }},
                _ => quote!(#path::read_json(r, &crate::wire::join(at, #member))?),
            }
        }
        TypeRef::List { member: item, .. } => {
            let items = format_ident!("items_{depth}");
            let item_member = format!("{member}.member");
            let read = read_value(at, item, &item_member, format, depth + 1)?;
            quote! {{
                let mut #items = ::std::vec::Vec::new();
                r.start_array()?;
                while r.next_element()? {
                    if r.read_null()? {
                        return ::std::result::Result::Err(crate::wire::null_element(at, #member));
                    }
                    #items.push(#read);
                }
                #items
            }}
        }
        TypeRef::Map { value, .. } => {
            let entries = format_ident!("entries_{depth}");
            let value_member = format!("{member}.value");
            let read = read_value(at, value, &value_member, format, depth + 1)?;
            quote! {{
                let mut #entries = ::std::collections::BTreeMap::new();
                r.start_object()?;
                while let ::std::option::Option::Some(key) = r.next_key()? {
                    let key = key.into_owned();
                    if r.read_null()? {
                        return ::std::result::Result::Err(crate::wire::null_element(at, #member));
                    }
                    #entries.insert(key, #read);
                }
                #entries
            }}
        }
        other => return Err(unsupported(at, format!("members of type {other:?}"))),
    })
}

/// An expression turning `text` (a decoded label `String` when `owned`, else a `&str` query
/// value or header) into a value of scalar type `ty`.
fn parse_text(at: &str, ty: &TypeRef, text: TokenStream, owned: bool, member: &str, format: TimestampFormat) -> Result<TokenStream> {
    // A `&str` for the parsers: borrowed from the label's `String`, or the query/header text.
    let borrowed = if owned { quote!(&#text) } else { text.clone() };
    Ok(match ty {
        TypeRef::String if owned => text,
        TypeRef::String => quote!(::std::string::String::from(#text)),
        TypeRef::Bool => quote!(crate::wire::parse_bool(#borrowed, at, #member)?),
        TypeRef::Byte | TypeRef::Short | TypeRef::Integer | TypeRef::Long | TypeRef::Float | TypeRef::Double => {
            let t = server_type(at, ty)?;
            quote!(crate::wire::parse_number::<#t>(#borrowed, at, #member)?)
        }
        TypeRef::Timestamp { .. } => {
            let f = format_tokens(format);
            quote!(crate::wire::parse_timestamp(#borrowed, #f, at, #member)?)
        }
        TypeRef::Named(n) if n.kind == NamedKind::Enum => {
            let path = server_type(at, ty)?;
            quote!(#path::from_wire(#borrowed).ok_or_else(|| crate::wire::unknown_enum(at, #member, #path::VALUES))?)
        }
        other => return Err(unsupported(at, format!("labels, query values or headers of type {other:?}"))),
    })
}

/// `write_json`: writes the members into an object writer.
fn write_json_fn(s: &StructDef) -> Result<TokenStream> {
    let mut stmts = Vec::new();
    for f in &s.fields {
        let n = &f.name;
        let key = &f.json_name;
        let format = timestamp_format(f, TimestampFormat::EpochSeconds);
        let write = write_value(&s.shape_id, quote!(object.key(#key)), quote!(value), &f.ty, format, 0)?;
        stmts.push(if f.required {
            quote!({ let value = &self.#n; #write })
        } else {
            quote!(if let ::std::option::Option::Some(value) = &self.#n { #write })
        });
    }
    let doc = doc_line("Writes the members into the JSON object `object` (absent members are left out).");
    let object = if stmts.is_empty() { quote!(_object) } else { quote!(object) };
    Ok(quote! {
        #doc
        pub fn write_json(&self, #object: &mut ::client_runtime::__private::json::JsonObjectWriter<'_>) -> ::std::result::Result<(), ::client_runtime::time::DateTimeError> {
            #(#stmts)*
            ::std::result::Result::Ok(())
        }
    })
}

/// Statements writing `value` (`&T`) with the `JsonValueWriter` expression `w`.
fn write_value(at: &str, w: TokenStream, value: TokenStream, ty: &TypeRef, format: TimestampFormat, depth: usize) -> Result<TokenStream> {
    Ok(match ty {
        TypeRef::Bool => quote!(#w.boolean(*#value);),
        TypeRef::Byte | TypeRef::Short | TypeRef::Integer | TypeRef::Long => quote!(#w.integer(i64::from(*#value));),
        TypeRef::Float => quote!(#w.float32(*#value);),
        TypeRef::Double => quote!(#w.float(*#value);),
        TypeRef::String => quote!(#w.string(#value);),
        TypeRef::Blob => quote!(#w.blob(#value);),
        TypeRef::Timestamp { .. } => {
            let f = format_tokens(format);
            quote!(#w.timestamp(*#value, #f)?;)
        }
        TypeRef::Named(n) if n.kind == NamedKind::Enum => quote!(#w.string(#value.as_str());),
        TypeRef::Named(_) => {
            let o = format_ident!("object_{depth}");
            quote! {
                let mut #o = #w.start_object();
                #value.write_json(&mut #o)?;
                #o.finish();
            }
        }
        TypeRef::List { member, .. } => {
            let a = format_ident!("array_{depth}");
            let item = format_ident!("item_{depth}");
            let write = write_value(at, quote!(#a.value()), quote!(#item), member, format, depth + 1)?;
            quote! {
                let mut #a = #w.start_array();
                for #item in #value.iter() { #write }
                #a.finish();
            }
        }
        TypeRef::Map { value: v, .. } => {
            let o = format_ident!("map_{depth}");
            let key = format_ident!("key_{depth}");
            let item = format_ident!("item_{depth}");
            let write = write_value(at, quote!(#o.key(#key)), quote!(#item), v, format, depth + 1)?;
            quote! {
                let mut #o = #w.start_object();
                for (#key, #item) in #value.iter() { #write }
                #o.finish();
            }
        }
        other => return Err(unsupported(at, format!("members of type {other:?}"))),
    })
}

#[cfg(test)]
mod tests {
    use crate::GeneratedFile;

    /// A small restJson1 model: two operations sharing `POST /things`, told apart by a query
    /// literal, one with a patterned query member and a list of patterned strings; `extra` adds
    /// shapes and `ops` replaces the operation list.
    fn model(extra: &str, ops: &str) -> String {
        format!(
            r#"{{"smithy":"2.0","shapes":{{
            "a#S":{{"type":"service","version":"1","operations":[{ops}],"traits":{{"aws.protocols#restJson1":{{}}}}}},
            "a#Bad":{{"type":"structure","members":{{"Message":{{"target":"smithy.api#String"}}}},"traits":{{"smithy.api#error":"client","smithy.api#httpError":400}}}},
            "a#Plain":{{"type":"operation","input":{{"target":"a#PlainIn"}},"errors":[{{"target":"a#Bad"}}],"traits":{{"smithy.api#http":{{"method":"POST","uri":"/things","code":201}}}}}},
            "a#PlainIn":{{"type":"structure","members":{{}},"traits":{{"smithy.api#input":{{}}}}}},
            "a#Tagged":{{"type":"operation","input":{{"target":"a#TaggedIn"}},"errors":[{{"target":"a#Bad"}}],"traits":{{"smithy.api#http":{{"method":"POST","uri":"/things?op=tag"}}}}}},
            "a#TaggedIn":{{"type":"structure","members":{{
                "Id":{{"target":"a#Id","traits":{{"smithy.api#httpQuery":"id","smithy.api#required":{{}}}}}},
                "Keys":{{"target":"a#Keys"}}}},"traits":{{"smithy.api#input":{{}}}}}},
            "a#Id":{{"type":"string","traits":{{"smithy.api#pattern":"^[a-z]+$"}}}},
            "a#Keys":{{"type":"list","member":{{"target":"a#Key"}}}},
            "a#Key":{{"type":"string","traits":{{"smithy.api#pattern":"^k","smithy.api#length":{{"min":1,"max":8}}}}}}
            {extra}}}}}"#
        )
    }

    const OPS: &str = r#"{"target":"a#Plain"},{"target":"a#Tagged"}"#;

    fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
        &files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no {path}")).contents
    }

    #[test]
    fn routes_checks_and_patterns() {
        let files = crate::generate_server(&model("", OPS), None).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["mod.rs", "types.rs", "error.rs", "operation.rs"]);
        let module = file(&files, "mod.rs");
        // The arm with a query literal must come before the plain one, which would shadow it.
        let guard = module.find(r#"if crate::wire::query_has(query, "op", ::std::option::Option::Some("tag"))"#).expect("query guard");
        let tagged = module.find("operation: Operation::Tagged").expect("tagged route");
        let plain = module.find("operation: Operation::Plain").expect("plain route");
        assert!(guard < tagged && tagged < plain, "{module}");
        assert_eq!(module.matches(r#"("POST", ["things"])"#).count(), 1, "the plain arm has no guard");
        assert!(module.contains(r#"pub const PATTERNS: &[&str] = &["^[a-z]+$", "^k"];"#), "{module}");
        assert!(module.contains(r#"Operation::Tagged => &["Bad"],"#), "each operation's errors by wire code: {module}");
        let ops = file(&files, "operation.rs");
        assert!(ops.contains(r#"crate::wire::check_pattern(at, "Id", value, "^[a-z]+$")?;"#));
        assert!(ops.contains(r#"query.get("id")"#), "the query member is read");
        assert!(ops.contains(r#"crate::wire::check_pattern(at, "Keys.member", item, "^k")?;"#), "list elements are checked");
        assert!(ops.contains(r#""Keys.member","#) && ops.contains("::std::option::Option::Some(8u64)"), "element @length");
        assert!(ops.contains("crate::wire::empty_response(201u16)"), "a bodiless output with its @http code");
    }

    #[test]
    fn unsupported_models_are_errors() {
        let union = r#","a#U":{"type":"union","members":{"a":{"target":"smithy.api#String"}}},
            "a#WithUnion":{"type":"operation","input":{"target":"a#UIn"},"errors":[{"target":"a#Bad"}],"traits":{"smithy.api#http":{"method":"GET","uri":"/u"}}},
            "a#UIn":{"type":"structure","members":{"u":{"target":"a#U"}},"traits":{"smithy.api#input":{}}}"#;
        let e = crate::generate_server(&model(union, &format!(r#"{OPS},{{"target":"a#WithUnion"}}"#)), None).unwrap_err();
        assert!(e.to_string().contains("does not support unions"), "{e}");

        let greedy = r#","a#Greedy":{"type":"operation","input":{"target":"a#GIn"},"errors":[{"target":"a#Bad"}],"traits":{"smithy.api#http":{"method":"GET","uri":"/g/{K+}"}}},
            "a#GIn":{"type":"structure","members":{"K":{"target":"smithy.api#String","traits":{"smithy.api#httpLabel":{},"smithy.api#required":{}}}},"traits":{"smithy.api#input":{}}}"#;
        let e = crate::generate_server(&model(greedy, &format!(r#"{OPS},{{"target":"a#Greedy"}}"#)), None).unwrap_err();
        assert!(e.to_string().contains("greedy labels"), "{e}");

        let no_errors = r#","a#Lonely":{"type":"operation","input":{"target":"a#PlainIn"},"traits":{"smithy.api#http":{"method":"GET","uri":"/lonely"}}}"#;
        let e = crate::generate_server(&model(no_errors, &format!(r#"{OPS},{{"target":"a#Lonely"}}"#)), None).unwrap_err();
        assert!(e.to_string().contains("400 error that every operation lists"), "{e}");
    }
}
