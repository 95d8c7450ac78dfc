//! Hand-written runtime shared by every client the generator emits.
//!
//! Generated code stays thin: it describes *what* goes on the wire for each operation (paths,
//! headers, JSON members) and calls into this crate for *how* (encoding, signing, endpoints,
//! retries, transport). Each module owns one concern and is tested on its own.

pub mod base64;
pub mod byte_stream;
pub mod checksum;
pub mod client;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod customize;
pub mod document;
pub mod endpoint;
pub mod error;
#[cfg(feature = "event-stream")]
pub mod eventstream;
pub mod gzip;
pub mod http;
pub mod json;
#[cfg(feature = "jmespath")]
pub mod jmespath;
mod macros;
pub mod operation;
pub mod pagination;
pub mod percent;
pub mod protocol;
pub mod profile;
pub mod rand;
pub mod region;
pub mod retry;
pub mod sigv4;
pub mod time;
#[cfg(any(test, feature = "test-util"))]
pub mod test_util;
pub mod transport;
pub mod types;
#[cfg(feature = "waiters")]
pub mod waiter;
#[cfg(feature = "aws-query")]
pub mod xml;
