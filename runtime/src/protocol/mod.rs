//! The protocol seam of the runtime: what a wire protocol decides for every operation alike.
//!
//! Each protocol is one module here. It implements [`Protocol`] (how an error response names
//! its code, message and request id, which the pipeline needs before it knows which error it
//! has) and holds the helpers its generated serializers and deserializers call. A generated
//! client names its protocol once, in its `ServiceInfo`; `client.rs` and `error.rs` ask that
//! value and never read a body themselves. A new protocol adds a module and a `Protocol` value;
//! nothing else in the runtime changes.

use crate::error::ErrorMetadata;
use crate::http::HttpResponse;

#[cfg(feature = "aws-query")]
pub mod aws_query;
pub mod rest_json;

#[cfg(feature = "aws-query")]
pub use aws_query::AwsQuery;
pub use rest_json::RestJson1;

/// A wire protocol, as the request pipeline sees it.
pub trait Protocol: Send + Sync + std::fmt::Debug {
    /// The protocol trait's shape id (`aws.protocols#restJson1`).
    fn name(&self) -> &'static str;

    /// The error code, message and request id of an error response. Never fails: what cannot
    /// be read is left out.
    fn error_metadata(&self, response: &HttpResponse) -> ErrorMetadata;
}
