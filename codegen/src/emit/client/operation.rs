//! One file per operation (`src/operation/<name>.rs`): the operation type and its protocol
//! functions, the input and output structures, the error enum, the fluent builder that
//! `Client` returns, and the paginator when the operation is `@paginated`.

use super::super::common::*;
use super::protocol;
use super::super::types::structure;
use crate::ir::*;
use crate::naming::prefixed;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The tokens of `src/operation/<fn_name>.rs`.
pub fn operation_file(krate: &Crate, op: &OperationDef) -> TokenStream {
    let OperationDef {
        name: smithy_name,
        shape_id: _,
        fn_name: _,
        type_name,
        fluent_builder: _,
        docs,
        deprecated,
        input,
        output,
        error_name,
        errors,
        http: _,
        host_prefix: _,
        request_body: _,
        response_body: _,
        request_content_type: _,
        paginator,
        waiters: _,
        checksum_required,
        requires_length,
        unsigned,
        optional_auth,
        request_compression,
        endpoint_params,
        request_tests: _,
        response_tests: _,
        event_stream_tests: _,
    } = op;
    let doc = doc_attrs(docs);
    let dep = deprecated_attr(deprecated);
    let input_name = &input.name;
    let output_name = &output.name;
    let ib = &input.builder;
    let ob = &output.builder;
    let (input_struct, input_builder) = structure(input, &quote!(builders::#ib));
    let (output_struct, output_builder) = structure(output, &quote!(builders::#ob));

    let proto = protocol::emitter(krate.service.protocol);
    let serialize = proto.serialize(&krate.service, op);
    let deserialize = proto.deserialize(op);
    let prepare = input.fields.iter().find(|f| f.idempotency_token).map(|f| {
        let n = &f.name;
        quote! {
            fn prepare(input: &mut Self::Input, idempotency_token: &dyn ::std::ops::Fn() -> String) {
                if input.#n.is_none() {
                    input.#n = Some(idempotency_token());
                }
            }
        }
    });
    let retryable: Vec<TokenStream> = errors
        .iter()
        .filter_map(|e| e.retryable.map(|throttling| {
            let code = &e.code;
            quote!((#code, #throttling))
        }))
        .collect();
    let deserialize_error = if errors.is_empty() {
        quote! {
            let _ = response;
            Ok(#error_name::Unhandled(rt::error::Unhandled::new(meta)))
        }
    } else {
        quote!(#error_name::from_error_response(response, meta))
    };
    let endpoint_params = (!endpoint_params.is_empty()).then(|| {
        let sets = endpoint_params.iter().map(|b| match b {
            EndpointParamBinding::Static { name, value } => {
                let v = match value {
                    crate::ir::endpoint::ParamValue::String(s) => quote!(#s),
                    crate::ir::endpoint::ParamValue::Bool(b) => quote!(#b),
                    crate::ir::endpoint::ParamValue::StringArray(items) => quote!(vec![#(String::from(#items)),*]),
                };
                quote!(params.set(#name, #v);)
            }
            EndpointParamBinding::Path { name, path, ty } => {
                if *ty == crate::ir::endpoint::ParamType::StringArray {
                    let walk = context_walk(path, quote!(input), 0, &|v| quote!(values.push(#v);));
                    quote! {
                        let mut values: Vec<String> = Vec::new();
                        #walk
                        if !values.is_empty() {
                            params.set(#name, values);
                        }
                    }
                } else {
                    context_walk(path, quote!(input), 0, &|v| quote!(params.set(#name, #v);))
                }
            }
            EndpointParamBinding::Field { name, field, ty } => {
                let v = match ty {
                    TypeRef::Bool => quote!(*v),
                    TypeRef::Named(_) => quote!(v.as_str().to_string()),
                    _ => quote!(v.clone()),
                };
                quote!(if let Some(v) = &input.#field { params.set(#name, #v); })
            }
        });
        let unused = endpoint_params
            .iter()
            .all(|b| matches!(b, EndpointParamBinding::Static { .. }))
            .then(|| quote!(let _ = input;));
        quote! {
            const BINDS_ENDPOINT_PARAMS: bool = true;
            fn endpoint_params(input: &Self::Input, params: &mut rt::endpoint::Params) {
                #unused
                #(#sets)*
            }
        }
    });
    let streaming = streaming_body(op, *requires_length);
    let checksum = checksum_required.then(|| quote!(const CHECKSUM_REQUIRED: bool = true;));
    let optional_auth = (*optional_auth && !*unsigned).then(|| quote!(const OPTIONAL_AUTH: bool = true;));
    let unsigned = unsigned.then(|| quote!(const UNSIGNED: bool = true;));
    let compression = (!request_compression.is_empty()).then(|| quote!(const REQUEST_COMPRESSION: &'static [&'static str] = &[#(#request_compression),*];));
    let op_doc = doc_paragraph(&format!("The `{smithy_name}` operation: its protocol (how it is written to and read from HTTP)."));
    let error_enum = error_enum(error_name, errors);
    let fluent = fluent_builder(op);
    let paginator = paginator.as_ref().map(|p| paginator_module(op, p));
    let rt = rt_import();
    quote! {
        #rt

        #doc
        #op_doc
        #dep
        #[derive(Clone, Copy, Debug, Default)]
        #[non_exhaustive]
        pub struct #type_name;

        impl rt::operation::Operation for #type_name {
            type Input = #input_name;
            type Output = #output_name;
            type Error = #error_name;
            const NAME: &'static str = #smithy_name;
            const RETRYABLE_ERRORS: &'static [(&'static str, bool)] = &[#(#retryable),*];
            #checksum
            #unsigned
            #optional_auth
            #compression
            #endpoint_params
            #streaming

            #prepare

            fn serialize(input: &Self::Input) -> Result<rt::operation::RequestParts, rt::error::BuildError> {
                #serialize
            }

            fn deserialize(response: &rt::http::HttpResponse) -> Result<Self::Output, rt::error::DeserializeError> {
                #deserialize
            }

            fn deserialize_error(
                response: &rt::http::HttpResponse,
                meta: rt::error::ErrorMetadata,
            ) -> Result<Self::Error, rt::error::DeserializeError> {
                #deserialize_error
            }
        }

        #input_struct
        #output_struct
        #error_enum

        /// Builders of this operation's input and output, and its fluent builder.
        pub mod builders {
            #rt
            #input_builder
            #output_builder
            #fluent
        }

        #paginator
    }
}

fn error_enum(name: &crate::naming::Name, errors: &[ErrorVariant]) -> TokenStream {
    error_enum_with_doc(name, errors, "Errors of this operation. Match on the variant, or use the `is_*` helpers; `Unhandled` carries any error code the model does not list here.", "operation")
}

/// An error enum of `errors` and `Unhandled`, documented by `doc`; `of` is what it is the
/// error enum of ("operation").
pub(super) fn error_enum_with_doc(name: &crate::naming::Name, errors: &[ErrorVariant], doc: &str, of: &str) -> TokenStream {
    let doc = doc_line(doc);
    let unhandled_doc = doc_attrs(&Docs(vec![
        format!("An error the model does not list for this {of} (or a new one); its code,"),
        "message and request id are in [`Self::meta`].".to_string(),
    ]));
    let variants = errors.iter().map(|e| {
        let d = doc_attrs(&e.docs);
        let v = &e.variant;
        let t = &e.ty;
        quote!(#d #v(crate::types::error::#t),)
    });
    // With modeled errors, `rt::error_variants!` gives the `is_*` helpers, `meta()`, the
    // forwarding `inner()` and the choice of variant by error code, one entry per error.
    let methods = if errors.is_empty() {
        error_dispatch(name, std::iter::empty())
    } else {
        let entries = errors.iter().map(|e| {
            let (v, is, code) = (&e.variant, &e.is_fn, &e.code);
            quote!(#v #is #code;)
        });
        quote! {
            impl #name {
                rt::error_variants! { #(#entries)* }
            }
            rt::impl_error_enum!(#name);
        }
    };
    quote! {
        #doc
        #[non_exhaustive]
        #[derive(Debug)]
        pub enum #name {
            #(#variants)*
            #unhandled_doc
            Unhandled(rt::error::Unhandled),
        }
        #methods
    }
}

/// `meta()`, `Display`, `Error` and `ProvideErrorMetadata` of an error enum, forwarded to the
/// variant through one `match`.
pub fn error_dispatch<'a>(name: &crate::naming::Name, variants: impl Iterator<Item = &'a crate::naming::Name>) -> TokenStream {
    let arms = variants.map(|v| quote!(Self::#v(e) => e,));
    quote! {
        impl #name {
            fn inner(&self) -> &dyn rt::error::ModeledError {
                match self {
                    #(#arms)*
                    Self::Unhandled(e) => e,
                }
            }
            /// The error code, message and request id.
            pub fn meta(&self) -> &rt::error::ErrorMetadata {
                self.inner().meta()
            }
        }
        rt::impl_error_enum!(#name);
    }
}

/// The fluent builder `Client::<op>()` returns: the input's setters plus `send()`.
fn fluent_builder(op: &OperationDef) -> TokenStream {
    let OperationDef { type_name, fluent_builder: name, input, output, error_name, docs, paginator, .. } = op;
    let ib = &input.builder;
    let out = &output.name;
    let doc = doc_attrs(docs);
    let setters = input_setters(input);
    let into_paginator = paginator.as_ref().map(|p| {
        let p = &p.name;
        let doc = doc_line(&format!("Turns this call into a stream of pages; see [`{p}`](super::paginator::{p})."));
        quote! {
            #doc
            pub fn into_paginator(self) -> super::paginator::#p {
                super::paginator::#p::new(self.handle, self.inner)
            }
        }
    });
    quote! {
        rt::fluent_builder!(#doc #name, #ib, super::#type_name, super::#out, super::#error_name);
        impl #name {
            #into_paginator
            #(#setters)*
        }
    }}

/// The setters and getters of a fluent builder wrapping the input's builder in `inner`: one
/// per input member, forwarding to the builder. One `rt::fluent_setters!` entry per member;
/// deprecated members are written out, to carry the attribute on all three methods.
pub(super) fn input_setters(input: &StructDef) -> Vec<TokenStream> {
    let mut entries = Vec::new();
    let mut written = Vec::new();
    for f in &input.fields {
        let Field { name: n, docs, deprecated, ty, .. } = f;
        let d = doc_attrs(docs);
        let set = prefixed("set_", n);
        let get = prefixed("get_", n);
        let t = rust_type(ty);
        let (params, args) = match ty {
            TypeRef::List { member, sparse } => {
                let m = rust_type(member);
                let m = if *sparse { quote!(Option<#m>) } else { m };
                (quote!(input: impl Into<#m>), quote!(input))
            }
            TypeRef::Map { key, value, sparse } => {
                let k = rust_type(key);
                let v = rust_type(value);
                let v = if *sparse { quote!(Option<#v>) } else { v };
                (quote!(k: impl Into<#k>, v: impl Into<#v>), quote!(k, v))
            }
            _ => (quote!(input: impl Into<#t>), quote!(input)),
        };
        if deprecated.is_none() {
            let member = &f.member;
            entries.push(quote!(#d #n(#params) #set #get #member: #t;));
            continue;
        }
        let dep = deprecated_attr(deprecated);
        let (set_doc, get_doc) = super::super::types::accessor_docs(&f.member);
        written.push(quote! {
            #d #dep
            pub fn #n(mut self, #params) -> Self { self.inner = self.inner.#n(#args); self }
            #set_doc #dep
            pub fn #set(mut self, input: Option<#t>) -> Self { self.inner = self.inner.#set(input); self }
            #get_doc #dep
            pub fn #get(&self) -> &Option<#t> { self.inner.#get() }
        });
    }
    if !entries.is_empty() {
        written.insert(0, quote!(rt::fluent_setters! { #(#entries)* }));
    }
    written
}

/// Rust walking `cur` (a reference) along an `operationContextParams` path, handing each value
/// reached to `sink`.
fn context_walk(step: &ContextStep, cur: TokenStream, depth: usize, sink: &dyn Fn(TokenStream) -> TokenStream) -> TokenStream {
    let v = format_ident!("v{depth}");
    match step {
        ContextStep::Field { field, optional, boxed: _, next } => {
            let inner = context_walk(next, quote!(#v), depth + 1, sink);
            if *optional {
                quote!(if let Some(#v) = #cur.#field.as_ref() { #inner })
            } else {
                quote!({ let #v = &#cur.#field; #inner })
            }
        }
        ContextStep::Each { sparse, next } => {
            let inner = context_walk(next, quote!(#v), depth + 1, sink);
            let items = if *sparse { quote!(#cur.iter().flatten()) } else { quote!(#cur.iter()) };
            quote!(for #v in #items { #inner })
        }
        ContextStep::Select(branches) => {
            let each = branches.iter().map(|b| context_walk(b, cur.clone(), depth, sink));
            quote!(#(#each)*)
        }
        ContextStep::Keys => {
            let push = sink(quote!(::std::string::ToString::to_string(#v)));
            quote!(for #v in #cur.keys() { #push })
        }
        ContextStep::Leaf(ContextLeaf::String) => sink(quote!(#cur.clone())),
        ContextStep::Leaf(ContextLeaf::Enum) => sink(quote!(#cur.as_str().to_string())),
        ContextStep::Leaf(ContextLeaf::Bool) => sink(quote!(*#cur)),
    }
}

/// The output token as an `Option<&str>`: `output.a.b.c` through optional and required fields.
fn token_expr(steps: &[PathStep]) -> TokenStream {
    if let [only] = steps {
        let f = &only.field;
        return if only.optional { quote!(output.#f.as_deref()) } else { quote!(Some(output.#f.as_str())) };
    }
    let mut expr = quote!(Some(output));
    for s in steps {
        let f = &s.field;
        let step = if s.optional { quote!(v.#f.as_ref()) } else { quote!(Some(&v.#f)) };
        expr = quote!(#expr.and_then(|v| #step));
    }
    quote!(#expr.map(|t| t.as_str()))
}

/// The items of a page (taking the output by value) as a `Vec`.
fn items_expr(items: &PaginatorItems) -> TokenStream {
    let is_map = matches!(items.item, TypeRef::Map { .. });
    if let [only] = items.path.as_slice() {
        let f = &only.field;
        return match (only.optional, is_map) {
            (true, false) => quote!(output.#f.unwrap_or_default()),
            (false, false) => quote!(output.#f),
            (true, true) => quote!(output.#f.map(|m| m.into_iter().collect()).unwrap_or_default()),
            (false, true) => quote!(output.#f.into_iter().collect()),
        };
    }
    let mut take = quote!(Some(output));
    for s in &items.path {
        let f = &s.field;
        take = if s.optional { quote!(#take.and_then(|v| v.#f)) } else { quote!(#take.map(|v| v.#f)) };
    }
    quote!(#take.map(|v| v.into_iter().collect::<Vec<_>>()).unwrap_or_default())
}

fn paginator_module(op: &OperationDef, p: &Paginator) -> TokenStream {
    let rt = rt_import();
    let OperationDef { type_name, input, output, error_name, .. } = op;
    let pname = &p.name;
    let items_name = &p.items_name;
    let ib = &input.builder;
    let out = &output.name;
    let input_token = &p.input_token;
    let token = token_expr(&p.output_token);
    let page_size = p.page_size.as_ref().map(|ps| {
        let ty = input.fields.iter().find(|f| &f.name == ps).map(|f| rust_type(&f.ty)).unwrap_or_else(|| quote!(i32));
        quote! {
            /// Sets how many items each page may hold.
            pub fn page_size(mut self, size: #ty) -> Self {
                self.input = self.input.#ps(size);
                self
            }
        }
    });
    let (items_method, items_type) = match &p.items {
        None => (quote!(), quote!()),
        Some(items) => {
            let item_ty = match &items.item {
                TypeRef::Map { key, value, .. } => {
                    let k = rust_type(key);
                    let v = rust_type(value);
                    quote!((#k, #v))
                }
                other => rust_type(other),
            };
            let take = items_expr(items);
            let inferred = if items.inferred {
                doc_line("The model names no `items` member; this paginator infers it as the output's only list member.")
            } else {
                quote!()
            };
            let method = quote! {
                /// Items of every page, one at a time.
                #inferred
                pub fn items(self) -> #items_name {
                    #items_name(self)
                }
            };
            let ty = quote! {
                /// A stream of the items of every page. Created by the paginator's `items()`.
                #inferred
                #[derive(Debug)]
                pub struct #items_name(#pname);
                impl #items_name {
                    /// Starts the walk: a stream of items (or the error that ended it).
                    pub fn send(self) -> rt::pagination::PaginationStream<Result<#item_ty, rt::error::SdkError<super::#error_name>>> {
                        self.0.send().flat_map(|output: super::#out| #take)
                    }
                }
            };
            (method, ty)
        }
    };
    quote! {
        /// Paginators: walk every page of this operation.
        pub mod paginator {
            #rt
            /// Walks the pages of this operation. Stops when the service returns no token, an
            /// empty token, or the token it was just sent.
            #[derive(Debug)]
            pub struct #pname {
                handle: rt::client::Handle,
                input: super::builders::#ib,
            }
            impl #pname {
                pub(crate) fn new(handle: rt::client::Handle, input: super::builders::#ib) -> Self {
                    Self { handle, input }
                }
                #page_size
                #items_method
                /// Starts the walk: a stream of pages (or the error that ended it).
                pub fn send(self) -> rt::pagination::PaginationStream<Result<super::#out, rt::error::SdkError<super::#error_name>>> {
                    rt::pagination::paginate::<super::#type_name, _>(
                        self.handle,
                        self.input,
                        |builder| builder.clone().build(),
                        |builder, token| builder.clone().#input_token(token),
                        |output| #token,
                    )
                }
            }
            #items_type
        }
    }
}

/// The `Operation` items of a `@streaming` blob payload: the input's is taken out of the input
/// and streamed as the request body; the output's is the response body, handed over unread.
fn streaming_body(op: &OperationDef, requires_length: bool) -> TokenStream {
    let payload = |body: &Body, def: &StructDef| match body {
        Body::Payload { field, kind: PayloadKind::ByteStream, .. } => def.fields.iter().find(|f| f.name == *field).map(|f| (field.clone(), f.optional)),
        _ => None,
    };
    let input = payload(&op.request_body, &op.input).map(|(n, optional)| {
        let take = if optional { quote!(input.#n.take()) } else { quote!(Some(::std::mem::take(&mut input.#n))) };
        let requires_length = requires_length.then(|| quote!(const REQUIRES_LENGTH: bool = true;));
        quote! {
            const STREAMING_INPUT: bool = true;
            #requires_length
            fn take_streaming_body(input: &mut Self::Input) -> Option<rt::types::ByteStream> {
                #take
            }
        }
    });
    let output = payload(&op.response_body, &op.output).map(|(n, optional)| {
        let set = if optional { quote!(output.#n = Some(body);) } else { quote!(output.#n = body;) };
        quote! {
            const STREAMING_OUTPUT: bool = true;
            fn deserialize_streaming(
                response: &rt::http::HttpResponse,
                body: rt::types::ByteStream,
            ) -> Result<Self::Output, rt::error::DeserializeError> {
                let mut output = Self::deserialize(response)?;
                #set
                Ok(output)
            }
        }
    });
    let events_in = match &op.request_body {
        Body::Payload { field, kind: PayloadKind::EventStream(es), .. } => {
            let f = protocol::event_stream::marshal_fn(&es.union);
            Some(quote! {
                const STREAMING_INPUT: bool = true;
                fn take_event_stream(input: &mut Self::Input) -> Option<rt::eventstream::EventStreamBody> {
                    // No stream given: an empty one (the end of the stream is still signed).
                    let events = input.#field.take().unwrap_or_else(rt::eventstream::marshal::no_events);
                    Some(events.into_body(crate::protocol_serde::#f))
                }
            })
        }
        _ => None,
    };
    let events_out = match &op.response_body {
        Body::Payload { field, kind: PayloadKind::EventStream(es), .. } => {
            let f = protocol::event_stream::unmarshal_fn(&es.union);
            Some(quote! {
                const STREAMING_OUTPUT: bool = true;
                fn deserialize_streaming(
                    response: &rt::http::HttpResponse,
                    body: rt::types::ByteStream,
                ) -> Result<Self::Output, rt::error::DeserializeError> {
                    let mut output = Self::deserialize(response)?;
                    output.#field = rt::eventstream::EventReceiver::new(body, crate::protocol_serde::#f);
                    Ok(output)
                }
            })
        }
        _ => None,
    };
    quote!(#input #output #events_in #events_out)
}
