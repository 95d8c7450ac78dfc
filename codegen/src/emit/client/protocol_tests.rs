//! `tests/protocol_tests.rs`: each protocol compliance case as an ordinary `#[test]`.
//! Request cases drive the public client against a capturing HTTP client and compare the
//! request as the spec says (method, path, query, headers, body by media type); response cases
//! feed a canned response to the operation's deserializer and compare the result.

use super::super::common::*;
use super::super::types::build_is_fallible;
use crate::ir::tests::*;
use crate::ir::*;
use crate::naming::Name;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

fn test_name(id: &str, suffix: &str) -> Ident {
    let snake = crate::naming::fn_name(id).map(|n| n.bare().to_string()).unwrap_or_else(|_| "case".into());
    format_ident!("{}_{}", snake, suffix)
}


fn path_in(root: &Name, n: &NamedRef) -> TokenStream {
    let name = &n.name;
    match &n.module {
        Module::Types => quote!(#root::types::#name),
        Module::Errors => quote!(#root::types::error::#name),
        Module::Operation(op) => quote!(#root::operation::#op::#name),
    }
}

fn value(root: &Name, v: &TestValue) -> TokenStream {
    match v {
        TestValue::Bool(b) => quote!(#b),
        TestValue::Int(i) => {
            let l = proc_macro2::Literal::i64_unsuffixed(*i);
            quote!(#l)
        }
        TestValue::Float(f) => {
            let f = float_literal(*f, &TypeRef::Double);
            quote!((#f) as _)
        }
        TestValue::BigNumber(s) => quote!(#s.parse().expect("valid number")),
        TestValue::String(s) => quote!(String::from(#s)),
        TestValue::Blob(b) => {
            let l = proc_macro2::Literal::byte_string(b);
            quote!(::client_runtime::types::Blob::new(#l.to_vec()))
        }
        TestValue::ByteStream(b) => {
            let l = proc_macro2::Literal::byte_string(b);
            quote!(::client_runtime::types::ByteStream::new(#l.to_vec()))
        }
        TestValue::Timestamp(s, n) => quote!(::client_runtime::time::DateTime::from_secs_and_nanos(#s, #n)),
        TestValue::Document(d) => doc_value_expr(d),
        TestValue::Enum { ty, value, .. } => {
            let p = path_in(root, ty);
            quote!(#p::from(#value))
        }
        TestValue::IntEnum { ty, value, .. } => {
            let p = path_in(root, ty);
            quote!(#p::from(#value))
        }
        TestValue::List { items, sparse } => {
            let items = items.iter().map(|i| match (i, sparse) {
                (Some(i), true) => {
                    let v = value(root, i);
                    quote!(Some(#v))
                }
                (Some(i), false) => value(root, i),
                (None, _) => quote!(None),
            });
            quote!(vec![#(#items),*])
        }
        TestValue::Map { entries, sparse } => {
            let entries = entries.iter().map(|(k, v)| {
                let k = value(root, k);
                let v = match (v, sparse) {
                    (Some(v), true) => {
                        let v = value(root, v);
                        quote!(Some(#v))
                    }
                    (Some(v), false) => value(root, v),
                    (None, _) => quote!(None),
                };
                quote!((#k, #v))
            });
            quote!([#(#entries),*].into_iter().collect::<::std::collections::HashMap<_, _>>())
        }
        TestValue::Struct { ty, fields, fallible } => {
            let p = path_in(root, ty);
            let sets = setters(root, fields);
            let unwrap = fallible.then(|| quote!(.expect("the expected value is complete")));
            quote!(#p::builder() #sets .build() #unwrap)
        }
        TestValue::Union { ty, variant, value: inner } => {
            let p = path_in(root, ty);
            match inner {
                Some(i) => {
                    let v = value(root, i);
                    quote!(#p::#variant(#v.into()))
                }
                None => quote!(#p::#variant),
            }
        }
    }
}

fn setters(root: &Name, fields: &[(crate::naming::Name, TestValue)]) -> TokenStream {
    let calls = fields.iter().map(|(name, v)| {
        let set = crate::naming::prefixed("set_", name);
        let v = value(root, v);
        quote!(.#set(Some(#v)))
    });
    quote!(#(#calls)*)
}

fn strs(items: &[String]) -> TokenStream {
    quote!(&[#(#items),*])
}

fn opt_str(v: &Option<String>) -> TokenStream {
    match v {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

fn headers(h: &[(String, String)]) -> TokenStream {
    let pairs = h.iter().map(|(k, v)| quote!((#k, #v)));
    quote!(&[#(#pairs),*])
}

fn ignore(skip: &Option<String>) -> TokenStream {
    match skip {
        Some(reason) => quote!(#[ignore = #reason]),
        None => quote!(),
    }
}

fn request_test(root: &Name, op: &OperationDef, t: &RequestTest) -> TokenStream {
    let RequestTest {
        id,
        docs,
        params,
        method,
        uri,
        resolved_host,
        host,
        query_params,
        forbid_query_params,
        require_query_params,
        headers: hs,
        forbid_headers,
        require_headers,
        body,
        body_media_type,
        skip,
    } = t;
    let name = test_name(id, "request");
    let doc = doc_attrs(docs);
    let ig = ignore(skip);
    let fn_name = &op.fn_name;
    let sets = setters(root, params);
    let endpoint = format!("https://{}", host.as_deref().unwrap_or("example.com"));
    let (qp, fqp, rqp) = (strs(query_params), strs(forbid_query_params), strs(require_query_params));
    let (fh, rh) = (strs(forbid_headers), strs(require_headers));
    let hs = headers(hs);
    let (body, media, resolved) = (opt_str(body), opt_str(body_media_type), opt_str(resolved_host));
    quote! {
        #doc
        #[test]
        #ig
        fn #name() {
            let (http, captured) = ::client_runtime::test_util::CaptureClient::new();
            let client = #root::Client::from_conf(::client_runtime::test_util::test_config(http, #endpoint));
            let _ = ::client_runtime::test_util::block_on(client.#fn_name() #sets .send());
            let request = captured.take().expect("the client sent no request");
            ::client_runtime::test_util::ExpectedRequest {
                id: #id,
                method: #method,
                uri: #uri,
                resolved_host: #resolved,
                query_params: #qp,
                forbid_query_params: #fqp,
                require_query_params: #rqp,
                headers: #hs,
                forbid_headers: #fh,
                require_headers: #rh,
                body: #body,
                body_media_type: #media,
            }
            .assert_matches(&request);
        }
    }
}

fn response_test(root: &Name, krate: &Crate, op: &OperationDef, t: &ResponseTest) -> TokenStream {
    let ResponseTest { id, docs, code, headers: hs, body, body_media_type: _, expect, skip } = t;
    let protocol = super::protocol::emitter(krate.service.protocol).runtime_value();
    let name = test_name(id, "response");
    let doc = doc_attrs(docs);
    let ig = ignore(skip);
    let m = &op.fn_name;
    let ty = &op.type_name;
    let hs = headers(hs);
    let body = body.clone().unwrap_or_default();
    let response = quote! {
        let response = ::client_runtime::test_util::response(#code, #hs, #body);
    };
    let check = match expect {
        Expected::Output(fields) => {
            let out = &op.output.name;
            let sets = setters(root, fields);
            let unwrap = build_is_fallible(&op.output).then(|| quote!(.expect("the expected output is complete")));
            // An event stream is compared by its events, elsewhere: the expected output takes
            // a (spent) clone of the received one, which compares equal by its Debug form.
            let stream = op.output.fields.iter().find(|f| matches!(f.ty, TypeRef::EventStream(_))).map(|f| &f.name);
            let spend = stream.map(|n| quote!(actual.#n = actual.#n.clone();));
            let stream = stream.map(|n| quote!(.#n(actual.#n.clone())));
            let sets = quote!(#sets #stream);
            quote! {
                #[allow(unused_mut)]
                let mut actual = <#root::operation::#m::#ty as ::client_runtime::__private::operation::Operation>::deserialize(&response)
                    .expect("the response deserializes");
                #spend
                let expected = #root::operation::#m::#out::builder() #sets .build() #unwrap;
                ::client_runtime::test_util::assert_same(&actual, &expected);
            }
        }
        Expected::Error { variant, ty: err_ty, fields } => {
            let en = &op.error_name;
            let p = path_in(root, err_ty);
            let sets = setters(root, fields);
            let fallible = krate.errors.iter().find(|e| e.name == err_ty.name).is_some_and(build_is_fallible);
            let unwrap = fallible.then(|| quote!(.expect("the expected error is complete")));
            quote! {
                let meta = ::client_runtime::__private::protocol::Protocol::error_metadata(&#protocol, &response);
                let actual = <#root::operation::#m::#ty as ::client_runtime::__private::operation::Operation>::deserialize_error(&response, meta)
                    .expect("the error response deserializes");
                let #root::operation::#m::#en::#variant(actual) = actual else {
                    panic!("expected the {} error, got {:?}", ::std::stringify!(#variant), actual);
                };
                let expected = #p::builder() #sets .meta(actual.meta().clone()).build() #unwrap;
                ::client_runtime::test_util::assert_same(&actual, &expected);
            }
        }
        Expected::ErrorOf { variant } => {
            let en = &op.error_name;
            quote! {
                let meta = ::client_runtime::__private::protocol::Protocol::error_metadata(&#protocol, &response);
                let actual = <#root::operation::#m::#ty as ::client_runtime::__private::operation::Operation>::deserialize_error(&response, meta);
                assert!(
                    matches!(actual, Ok(#root::operation::#m::#en::#variant(_))),
                    "expected the {} error, got {actual:?}", ::std::stringify!(#variant)
                );
            }
        }
        Expected::Failure => {
            let en = &op.error_name;
            quote! {
                assert!(!(200..300).contains(&response.status), "a failure case has an error status");
                let meta = ::client_runtime::__private::protocol::Protocol::error_metadata(&#protocol, &response);
                let actual = <#root::operation::#m::#ty as ::client_runtime::__private::operation::Operation>::deserialize_error(&response, meta);
                assert!(
                    matches!(actual, Err(_) | Ok(#root::operation::#m::#en::Unhandled(_))),
                    "expected an unmodeled failure, got {actual:?}"
                );
            }
        }
    };
    quote! {
        #doc
        #[test]
        #ig
        fn #name() {
            #response
            #check
        }
    }
}

fn test_header(h: &TestHeader) -> TokenStream {
    let v = quote!(::client_runtime::eventstream::HeaderValue);
    match h {
        TestHeader::Bool(b) => quote!(#v::Bool(#b)),
        TestHeader::Byte(b) => quote!(#v::Byte(#b)),
        TestHeader::Short(s) => quote!(#v::Int16(#s)),
        TestHeader::Integer(i) => quote!(#v::Int32(#i)),
        TestHeader::Long(l) => quote!(#v::Int64(#l)),
        TestHeader::Blob(b) => {
            let l = proc_macro2::Literal::byte_string(b);
            quote!(#v::ByteArray(#l.to_vec()))
        }
        TestHeader::String(s) => quote!(#v::String(String::from(#s))),
        TestHeader::Timestamp(ms) => quote!(#v::Timestamp(#ms)),
    }
}

fn expected_event(e: &TestEvent) -> TokenStream {
    let hs = e.headers.iter().map(|(k, v)| {
        let v = test_header(v);
        quote!((#k, #v))
    });
    let (fh, rh) = (strs(&e.forbid_headers), strs(&e.require_headers));
    let (body, media) = (opt_str(&e.body), opt_str(&e.body_media_type));
    quote! {
        ::client_runtime::test_util::ExpectedEvent {
            headers: &[#(#hs),*],
            forbid_headers: #fh,
            require_headers: #rh,
            body: #body,
            body_media_type: #media,
        }
    }
}

/// The expression of a sent event (`Ok(event)` or `Err(error)`) of `op`'s input stream.
fn sent_item(root: &Name, error: &Name, v: &EventValue) -> TokenStream {
    match v {
        EventValue::Event(u) => {
            let u = value(root, u);
            quote!(Ok(#u))
        }
        EventValue::Error { variant, ty, fields } => {
            let p = path_in(root, ty);
            let sets = setters(root, fields);
            quote!(Err(#root::types::error::#error::#variant(#p::builder() #sets .build())))
        }
    }
}

fn stream_ref(s: &StructDef) -> Option<(&Field, &EventStreamRef)> {
    s.fields.iter().find_map(|f| match &f.ty {
        TypeRef::EventStream(es) => Some((f, es)),
        _ => None,
    })
}

/// An `eventStreamTests` case with events: the events the client sends go through the public
/// client to a capturing HTTP client, and each message of the body (unwrapped from its
/// signature envelope) is compared as the case says; the events it receives are the body of a
/// response given to the operation, read back through the output's receiver.
fn event_stream_test(root: &Name, op: &OperationDef, t: &EventStreamTest) -> TokenStream {
    let EventStreamTest { id, docs, initial_params, events, failure, skip } = t;
    let name = test_name(id, "event_stream");
    let doc = doc_attrs(docs);
    let ig = ignore(skip);
    let (m, ty) = (&op.fn_name, &op.type_name);
    let sent: Vec<&TestEvent> = events.iter().filter(|e| e.request).collect();
    let received: Vec<&TestEvent> = events.iter().filter(|e| !e.request).collect();
    let mut body = Vec::new();
    if let (false, Some((field, es))) = (sent.is_empty(), stream_ref(&op.input)) {
        let items = sent.iter().filter_map(|e| e.value.as_ref()).map(|v| sent_item(root, &es.error, v));
        let checks = sent.iter().enumerate().map(|(i, e)| {
            let expected = expected_event(e);
            quote!(#expected.assert_matches(#id, &messages[#i]);)
        });
        let n = sent.len();
        let sets = setters(root, initial_params);
        let set_stream = crate::naming::prefixed("set_", &field.name);
        let send = quote! {
            let (http, captured) = ::client_runtime::test_util::CaptureClient::new();
            let client = #root::Client::from_conf(::client_runtime::test_util::test_config(http, "https://example.com"));
            let events = ::client_runtime::test_util::stream_of(vec![#(#items),*]);
            let result = ::client_runtime::test_util::block_on(
                client.#m() #sets .#set_stream(Some(::client_runtime::eventstream::EventStreamSender::from(events))).send()
            );
            let request = captured.take().expect("the client sent no request");
            let messages = ::client_runtime::test_util::sent_messages(&request.body);
        };
        match failure {
            Some(_) => body.push(quote! {
                #send
                assert!(result.is_err() || messages.len() < #n, "sending the events should fail");
            }),
            None => body.push(quote! {
                #send
                let _ = result;
                assert_eq!(messages.len(), #n, "one message per event");
                #(#checks)*
            }),
        }
    }
    if let (false, Some((field, es))) = (received.is_empty(), stream_ref(&op.output)) {
        let n = &field.name;
        let frames = received.iter().filter_map(|e| e.bytes.as_ref()).map(|b| proc_macro2::Literal::byte_string(b));
        let union = &es.union;
        let error = &es.error;
        let last = received.len() - 1;
        let reads = received.iter().enumerate().map(|(i, e)| {
            let fails_here = failure.is_some() && i == last;
            match (&e.value, fails_here) {
                (_, true) => match failure.as_ref().and_then(|f| f.as_ref()) {
                    Some(error_id) => quote! {
                        let got = ::client_runtime::test_util::block_on(output.#n.recv());
                        assert!(matches!(got, Err(::client_runtime::error::SdkError::ServiceError(_))), "expected the modeled error {}, got {got:?}", #error_id);
                    },
                    None => quote! {
                        let got = ::client_runtime::test_util::block_on(output.#n.recv());
                        assert!(got.is_err(), "expected a failure, got {got:?}");
                    },
                },
                (Some(EventValue::Event(u)), false) => {
                    let u = value(root, u);
                    quote! {
                        let got = ::client_runtime::test_util::block_on(output.#n.recv());
                        let got = got.expect("the event is read").expect("an event is there");
                        ::client_runtime::test_util::assert_same(&got, &#u);
                    }
                }
                (Some(EventValue::Error { variant, ty, fields }), false) => {
                    let p = path_in(root, ty);
                    let sets = setters(root, fields);
                    quote! {
                        let got = ::client_runtime::test_util::block_on(output.#n.recv());
                        let Err(::client_runtime::error::SdkError::ServiceError(e)) = got else {
                            panic!("expected the error event {}, got {got:?}", ::std::stringify!(#variant));
                        };
                        let #root::types::error::#error::#variant(actual) = e.err() else {
                            panic!("expected the error event {}, got {:?}", ::std::stringify!(#variant), e.err());
                        };
                        let expected = #p::builder() #sets .meta(actual.meta().clone()).build();
                        ::client_runtime::test_util::assert_same(actual, &expected);
                    }
                }
                (None, false) => quote! {
                    let got = ::client_runtime::test_util::block_on(output.#n.recv());
                    let got = got.expect("the event is read").expect("an event is there");
                    assert!(matches!(got, #root::types::#union::Unknown), "an unmodeled event is Unknown, got {got:?}");
                },
            }
        });
        body.push(quote! {
            let frames: &[&[u8]] = &[#(#frames),*];
            let response = ::client_runtime::test_util::response_bytes(200, &[], frames.concat());
            let mut output = <#root::operation::#m::#ty as ::client_runtime::__private::operation::Operation>::deserialize(&response)
                .expect("the initial response deserializes");
            #(#reads)*
        });
    }
    if body.is_empty() {
        return quote!();
    }
    quote! {
        #doc
        #[test]
        #ig
        fn #name() {
            #(#body)*
        }
    }
}

/// `tests/protocol_tests.rs`.
pub fn tests_rs(krate: &Crate) -> TokenStream {
    let rt = rt_import();
    let root = krate.package.ident.clone();
    let mut tests = Vec::new();
    for op in &krate.operations {
        for t in &op.request_tests {
            tests.push(request_test(&root, op, t));
        }
        for t in &op.response_tests {
            tests.push(response_test(&root, krate, op, t));
        }
        for t in &op.event_stream_tests {
            tests.push(event_stream_test(&root, op, t));
        }
    }
    quote! {
        //! Protocol compliance cases from the model (`smithy.test#httpRequestTests`,
        //! `httpResponseTests` and `eventStreamTests`), one test each.
        #![allow(clippy::all, unused_imports, deprecated)]

        #rt

        #(#tests)*
    }
}
