//! Value types of generated data types: blobs, byte streams, arbitrary-precision numbers kept as
//! text, and the payload of enum values unknown to the model.

use std::fmt;
use std::str::FromStr;

/// Binary data (`blob` shapes). `Debug` shows only the length, so large or secret payloads never
/// end up in logs.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Blob(Vec<u8>);

impl Blob {
    /// Wraps bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Blob(bytes.into())
    }

    /// The bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Blob {
    fn from(v: Vec<u8>) -> Self {
        Blob(v)
    }
}

impl From<&[u8]> for Blob {
    fn from(v: &[u8]) -> Self {
        Blob(v.to_vec())
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

pub use crate::byte_stream::{AggregatedBytes, ByteStream};

macro_rules! decimal_text {
    ($name:ident, $what:literal) => {
        #[doc = concat!("A ", $what, " kept as its decimal text, so no precision is lost.")]
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps decimal text as received or to be sent.
            pub fn new(text: impl Into<String>) -> Self {
                $name(text.into())
            }

            /// The decimal text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name("0".to_string())
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name(s.to_string()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

decimal_text!(BigInteger, "bigInteger");
decimal_text!(BigDecimal, "bigDecimal");

/// The value of an enum variant this client version does not know.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnknownVariantValue(String);

impl UnknownVariantValue {
    /// Wraps the wire value.
    pub fn new(value: impl Into<String>) -> Self {
        UnknownVariantValue(value.into())
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_debug_hides_content() {
        let b = Blob::new(b"secret bytes".to_vec());
        assert_eq!(format!("{b:?}"), "Blob(12 bytes)");
        assert_eq!(b.as_ref(), b"secret bytes");
    }

    #[test]
    fn big_numbers_keep_their_text() {
        let n: BigDecimal = "123456789012345678901234567890.000001".parse().unwrap();
        assert_eq!(n.as_str(), "123456789012345678901234567890.000001");
        assert_eq!(BigInteger::default().as_str(), "0");
    }
}
