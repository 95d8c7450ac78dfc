//! The protocol seam of `emit`: everything about an operation that depends on the wire
//! protocol — the body of `Operation::serialize`, `deserialize` and the modeled errors'
//! `FromErrorResponse`, the (de)serializer functions of `protocol_serde.rs`, and the runtime
//! value that reads error codes. The other emitters (types, builders, client, endpoint,
//! paginators, docs) are protocol-neutral and ask [`emitter`] for these pieces.
//!
//! A third protocol adds one module here implementing [`ProtocolEmitter`], an arm in
//! [`emitter`], its rules in `lower/protocol.rs`, and its runtime module in
//! `runtime/src/protocol/`.

mod aws_query;
pub mod event_stream;
mod rest_json;

use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

/// What a protocol contributes to the generated client.
pub trait ProtocolEmitter {
    /// The runtime's `Protocol` value (`rt::protocol::RestJson1`).
    fn runtime_value(&self) -> TokenStream;
    /// The `client-runtime` feature the protocol needs, if any.
    fn runtime_feature(&self) -> Option<&'static str>;
    /// The body of `Operation::serialize` (`input` in scope; returns `RequestParts`).
    fn serialize(&self, service: &ServiceDef, op: &OperationDef) -> TokenStream;
    /// The body of `Operation::deserialize` (`response` in scope).
    fn deserialize(&self, op: &OperationDef) -> TokenStream;
    /// The body of a modeled error's `FromErrorResponse::from_response` (`response`, `meta`).
    fn deserialize_error(&self, e: &StructDef) -> TokenStream;
    /// The functions of `protocol_serde.rs` for the named types.
    fn serde_fns(&self, krate: &Crate) -> Vec<TokenStream>;
    /// The module doc of `protocol_serde.rs`.
    fn serde_doc(&self) -> &'static str;
}

/// The emitter of protocol `p`.
pub fn emitter(p: Protocol) -> &'static dyn ProtocolEmitter {
    match p {
        Protocol::RestJson1 => &rest_json::RestJson1,
        Protocol::AwsQuery => &aws_query::AwsQuery,
    }
}

/// Statements setting `request.host_prefix` from `@endpoint(hostPrefix)` (every protocol).
pub(super) fn host_prefix(input: &StructDef, host_prefix: &Option<Vec<HostSegment>>) -> TokenStream {
    let Some(segments) = host_prefix else { return quote!() };
    let parts = segments.iter().map(|s| match s {
        HostSegment::Literal(l) => quote!(prefix.push_str(#l);),
        HostSegment::Label(field) => {
            let member = input.fields.iter().find(|f| &f.name == field).map(|f| f.member.clone()).unwrap_or_default();
            quote! {
                let label = input.#field.as_deref().ok_or_else(|| rt::error::BuildError::missing_field(#member, "input"))?;
                rt::operation::check_host_label(#member, label)?;
                prefix.push_str(label);
            }
        }
    });
    quote! {
        let mut prefix = String::new();
        #(#parts)*
        request.host_prefix = Some(prefix);
    }
}
