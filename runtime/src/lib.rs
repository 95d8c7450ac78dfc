//! Hand-written runtime shared by every client the generator emits.
//!
//! Generated code stays thin: it describes *what* goes on the wire for each operation (paths,
//! headers, JSON members) and calls into this crate for *how* (encoding, signing, endpoints,
//! retries, transport). Each module owns one concern and is tested on its own.
//!
//! The public modules are what users of a generated client touch: its configuration
//! ([`config`], [`credentials`], [`region`], [`retry`], [`transport`]), errors ([`error`]),
//! primitives ([`time`], [`types`], [`document`], [`byte_stream`]), requests and responses ([`http`]),
//! per-call overrides ([`customize`]), endpoints ([`endpoint`]), pagination ([`pagination`])
//! and, behind features, testing helpers, event streams, JMESPath and waiters. What only
//! generated code and this project's sibling crates call (serializers, protocols, signing,
//! the operation pipeline, profile files) is in the hidden `__private` module: it is not
//! public API and may change in any release.

pub(crate) mod base64;
pub mod byte_stream;
pub(crate) mod checksum;
pub(crate) mod client;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod customize;
pub mod document;
pub mod endpoint;
pub mod error;
#[cfg(feature = "event-stream")]
pub mod eventstream;
pub(crate) mod gzip;
pub mod http;
pub(crate) mod json;
#[cfg(feature = "jmespath")]
pub mod jmespath;
mod macros;
pub(crate) mod operation;
pub mod pagination;
pub(crate) mod percent;
pub(crate) mod protocol;
pub(crate) mod profile;
pub(crate) mod rand;
pub mod region;
pub mod retry;
pub(crate) mod sigv4;
pub mod time;
#[cfg(any(test, feature = "test-util"))]
pub mod test_util;
pub mod transport;
pub mod types;
#[cfg(feature = "waiters")]
pub mod waiter;
#[cfg(feature = "aws-query")]
pub(crate) mod xml;

/// What generated code and this project's own crates (the credentials chain, the emulator,
/// the conformance runner, the fuzz targets) call: every public module, the internal ones and
/// the macros, under one path that generated code imports as `rt`. Not public API.
///
/// ```
/// use smithy_lite_runtime::__private as rt;
/// #[allow(unused_imports)]
/// use rt::{
///     base64::encode, checksum::crc32, client::Handle, gzip::compress, operation::Operation,
///     percent::encode_label_into, profile::Env, protocol::Protocol, rand::fill, sigv4::SigningSettings,
/// };
/// let mut reader = rt::json::JsonReader::new(b"{}");
/// assert!(reader.skip_value().is_ok());
/// ```
///
/// The internal modules are reachable only here (changing them is then not a breaking change
/// for users); with the `aws-query` feature `xml` too:
///
/// ```compile_fail
/// use smithy_lite_runtime::base64::encode;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::checksum::crc32;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::client::Handle;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::gzip::compress;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::json::JsonReader;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::operation::Operation;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::percent::encode_label_into;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::profile::Env;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::protocol::Protocol;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::rand::fill;
/// ```
///
/// ```compile_fail
/// use smithy_lite_runtime::sigv4::SigningSettings;
/// ```
#[doc(hidden)]
pub mod __private {
    pub use crate::{byte_stream, clock, config, credentials, customize, document, endpoint, error, http, pagination, region, retry, time, transport, types};
    #[cfg(feature = "event-stream")]
    pub use crate::eventstream;
    #[cfg(feature = "jmespath")]
    pub use crate::jmespath;
    #[cfg(any(test, feature = "test-util"))]
    pub use crate::test_util;
    #[cfg(feature = "waiters")]
    pub use crate::{waiter, waiter_fluent_builder};
    pub use crate::{accessors, builder_set_get, builder_setters, error_variants, fluent_builder, fluent_setters, impl_error_enum, impl_modeled_error, impl_string_enum, require_members};

    macro_rules! internal {
        ($($(#[$attr:meta])* $name:ident),* $(,)?) => {$(
            $(#[$attr])*
            pub mod $name {
                pub use crate::$name::*;
            }
        )*};
    }
    internal!(
        base64,
        checksum,
        client,
        gzip,
        json,
        operation,
        percent,
        profile,
        protocol,
        rand,
        sigv4,
        #[cfg(feature = "aws-query")]
        xml,
    );
}
