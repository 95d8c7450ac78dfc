//! The client target: IR → the files of a client crate (`Cargo.toml`, `lib.rs`, the client,
//! configuration, errors, one module per operation, endpoint resolution, the generated tests).
//! Protocol-specific pieces come from [`protocol`]; types, docs and JSON come from the shared
//! modules of `emit`.

mod crate_files;
mod endpoint;
mod operation;
pub mod protocol;
mod protocol_tests;
mod waiters;

use super::{common, types, Emitted};
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

/// Emits every file of the crate, in a fixed order.
pub fn emit(krate: &Crate) -> Vec<Emitted> {
    let mut out = vec![
        Emitted::Text { path: "Cargo.toml".into(), text: crate_files::cargo_toml(krate) },
        Emitted::Text { path: "README.md".into(), text: crate_files::readme(krate) },
        Emitted::Text { path: "LICENSE".into(), text: crate_files::LICENSE.to_string() },
        Emitted::Rust { path: "src/lib.rs".into(), tokens: crate_files::lib_rs(krate) },
        Emitted::Rust { path: "src/client.rs".into(), tokens: crate_files::client_rs(krate) },
        Emitted::Rust { path: "src/config.rs".into(), tokens: crate_files::config_rs() },
        Emitted::Rust { path: "src/error.rs".into(), tokens: crate_files::error_rs(krate) },
        Emitted::Rust { path: "src/primitives.rs".into(), tokens: crate_files::primitives_rs() },
        Emitted::Rust { path: "src/types.rs".into(), tokens: types_rs(krate) },
        Emitted::Rust { path: "src/types/error.rs".into(), tokens: errors_rs(krate) },
        Emitted::Rust { path: "src/operation.rs".into(), tokens: crate_files::operation_rs(krate) },
        Emitted::Rust { path: "src/protocol_serde.rs".into(), tokens: protocol_serde_rs(krate) },
        Emitted::Rust { path: "src/endpoint.rs".into(), tokens: endpoint::endpoint_rs(krate) },
    ];
    if let Some(tokens) = waiters::waiters_rs(krate) {
        out.push(Emitted::Rust { path: "src/waiters.rs".into(), tokens });
    }
    for op in &krate.operations {
        out.push(Emitted::Rust { path: format!("src/operation/{}.rs", op.fn_name.bare()), tokens: operation::operation_file(krate, op) });
    }
    if let Some(rules) = &krate.endpoint {
        if !rules.tests.is_empty() {
            out.push(Emitted::Rust { path: "tests/endpoint_tests.rs".into(), tokens: endpoint::tests_rs(krate, rules) });
        }
    }
    if krate.operations.iter().any(|o| !o.request_tests.is_empty() || !o.response_tests.is_empty() || !o.event_stream_tests.is_empty()) {
        out.push(Emitted::Rust { path: "tests/protocol_tests.rs".into(), tokens: protocol_tests::tests_rs(krate) });
    }
    // What the next regeneration compares against to report API changes (see `crate::api`).
    out.push(Emitted::Text { path: crate::api::SUMMARY_FILE.into(), text: crate::api::ApiSummary::of(krate).to_json() });
    out
}

fn types_rs(krate: &Crate) -> TokenStream {
    let rt = common::rt_import();
    let mut items = Vec::new();
    let mut builders = Vec::new();
    for t in &krate.types {
        match t {
            TypeDef::Struct(s) => {
                let b = &s.builder;
                let (tokens, builder) = types::structure(s, &quote!(crate::types::builders::#b));
                items.push(tokens);
                builders.push(builder);
            }
            TypeDef::Union(u) => items.push(types::union(u)),
            TypeDef::Enum(e) => items.push(types::string_enum(e)),
            TypeDef::IntEnum(e) => items.push(types::int_enum(e)),
        }
    }
    quote! {
        //! Data types of the service: structures, unions and enums shared by its operations.

        #rt


        pub mod error;

        #(#items)*

        /// Builders of the structures in this module.
        pub mod builders {
            #rt
            #(#builders)*
        }
    }
}

fn errors_rs(krate: &Crate) -> TokenStream {
    let rt = common::rt_import();
    let mut items = Vec::new();
    let mut builders = Vec::new();
    for e in &krate.errors {
        let b = &e.builder;
        let (tokens, builder) = types::structure(e, &quote!(crate::types::error::builders::#b));
        items.push(tokens);
        builders.push(builder);
    }
    for es in &krate.event_streams {
        let variants: Vec<ErrorVariant> = es.errors.iter().map(|e| e.variant.clone()).collect();
        let doc = format!(
            "Errors of the `{}` event stream: its modeled error events, and `Unhandled` for any other error message.",
            es.union.bare()
        );
        items.push(operation::error_enum_with_doc(&es.error, &variants, &doc, "event stream"));
    }
    quote! {
        //! Modeled errors of the service. Each operation's error enum wraps the ones it can return.

        #rt


        #(#items)*

        /// Builders of the errors in this module.
        pub mod builders {
            #rt
            #(#builders)*
        }
    }
}

fn protocol_serde_rs(krate: &Crate) -> TokenStream {
    let rt = common::rt_import();
    let proto = protocol::emitter(krate.service.protocol);
    let mut fns = proto.serde_fns(krate);
    for e in &krate.errors {
        let name = &e.name;
        let body = proto.deserialize_error(e);
        fns.push(quote! {
            impl rt::error::FromErrorResponse for crate::types::error::#name {
                fn from_response(
                    response: &rt::http::HttpResponse,
                    meta: rt::error::ErrorMetadata,
                ) -> Result<Self, rt::error::DeserializeError> {
                    #body
                }
            }
        });
    }
    let doc = format!(" {}", proto.serde_doc());
    quote! {
        #![doc = #doc]

        #rt


        #(#fns)*
    }
}
