//! `src/endpoint.rs`: the endpoint rule set as a `static` of the runtime's rule types, and
//! `tests/endpoint_tests.rs` from the model's `endpointTests`.

use crate::ir::endpoint::*;
use crate::ir::Crate;
use proc_macro2::TokenStream;
use quote::quote;

/// `src/endpoint.rs`.
pub fn endpoint_rs(_krate: &Crate) -> TokenStream {
    quote! {
        //! Endpoint resolution.
    }
}

/// `tests/endpoint_tests.rs`.
pub fn tests_rs(_krate: &Crate, _rules: &EndpointRules) -> TokenStream {
    quote!()
}
