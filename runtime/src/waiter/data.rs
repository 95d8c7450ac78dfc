//! Typed values → [`Document`]s for waiters' JMESPath paths, as the waiters specification's
//! data model says: structures and unions as objects keyed by Smithy member names, numbers as
//! numbers, timestamps as epoch seconds, blobs as base64 strings, enums as their values.

use crate::document::{Document, Number};
use std::collections::{BTreeMap, HashMap};

/// Converts a value to the JMESPath data model. Generated code implements it for the
/// structures, unions and enums that waiters can reach.
pub trait ToJmespath {
    /// The value as a document.
    fn to_jmespath(&self) -> Document;
}

/// An object from `(member name, value)` pairs.
pub fn object<K: Into<String>, const N: usize>(members: [(K, Document); N]) -> Document {
    Document::Object(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

macro_rules! numbers {
    ($($t:ty),*) => {
        $(impl ToJmespath for $t {
            fn to_jmespath(&self) -> Document {
                Document::Number(Number::from(*self))
            }
        })*
    };
}

numbers!(i32, i64, f32, f64);

impl ToJmespath for i8 {
    fn to_jmespath(&self) -> Document {
        Document::Number(Number::from(i64::from(*self)))
    }
}

impl ToJmespath for i16 {
    fn to_jmespath(&self) -> Document {
        Document::Number(Number::from(i64::from(*self)))
    }
}

impl ToJmespath for bool {
    fn to_jmespath(&self) -> Document {
        Document::Bool(*self)
    }
}

impl ToJmespath for String {
    fn to_jmespath(&self) -> Document {
        Document::String(self.clone())
    }
}

impl ToJmespath for Document {
    fn to_jmespath(&self) -> Document {
        self.clone()
    }
}

impl ToJmespath for crate::types::Blob {
    fn to_jmespath(&self) -> Document {
        Document::String(crate::base64::encode(self.as_ref()))
    }
}

impl ToJmespath for crate::time::DateTime {
    fn to_jmespath(&self) -> Document {
        if self.has_subsec_nanos() {
            Document::Number(Number::Float(self.as_secs_f64()))
        } else {
            Document::Number(Number::from(self.secs()))
        }
    }
}

/// The decimal text as a number (the nearest `f64` when it is not an exact integer); text
/// that is not a number stays a string.
fn decimal(text: &str) -> Document {
    let mut reader = crate::json::JsonReader::new(text.as_bytes());
    match reader.number() {
        Ok(n) if reader.finish().is_ok() => Document::Number(n),
        _ => Document::String(text.to_string()),
    }
}

impl ToJmespath for crate::types::BigInteger {
    fn to_jmespath(&self) -> Document {
        decimal(self.as_str())
    }
}

impl ToJmespath for crate::types::BigDecimal {
    fn to_jmespath(&self) -> Document {
        decimal(self.as_str())
    }
}

impl<T: ToJmespath> ToJmespath for Option<T> {
    fn to_jmespath(&self) -> Document {
        self.as_ref().map_or(Document::Null, T::to_jmespath)
    }
}

impl<T: ToJmespath + ?Sized> ToJmespath for Box<T> {
    fn to_jmespath(&self) -> Document {
        (**self).to_jmespath()
    }
}

impl<T: ToJmespath> ToJmespath for Vec<T> {
    fn to_jmespath(&self) -> Document {
        Document::Array(self.iter().map(T::to_jmespath).collect())
    }
}

impl<K: AsRef<str>, V: ToJmespath, S> ToJmespath for HashMap<K, V, S> {
    fn to_jmespath(&self) -> Document {
        Document::Object(self.iter().map(|(k, v)| (k.as_ref().to_string(), v.to_jmespath())).collect::<BTreeMap<_, _>>())
    }
}
