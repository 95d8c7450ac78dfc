//! The Smithy `document` type: an untyped JSON-like value that a model passes through without
//! describing it, and the [`Number`] that documents (and the JSON reader) use for numbers.

use std::collections::BTreeMap;

/// A number inside a [`Document`].
///
/// Integers keep their exact value. The JSON reader produces `PosInt` for every integer that is
/// zero or more and `NegInt` only for negative integers, so two numbers read from JSON compare
/// equal exactly when they have the same value and kind. `From<i64>` follows the same rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer that is zero or positive.
    PosInt(u64),
    /// A negative integer.
    NegInt(i64),
    /// Any other number.
    Float(f64),
}

/// Integers of magnitude up to 2^53 convert to `f64` without rounding.
const F64_EXACT_INT: u64 = 1 << 53;

impl Number {
    /// The value as an `f64`, or `None` if it is an integer that an `f64` cannot hold exactly.
    pub fn to_f64(self) -> Option<f64> {
        match self {
            Number::PosInt(v) if v <= F64_EXACT_INT => Some(v as f64),
            Number::NegInt(v) if v.unsigned_abs() <= F64_EXACT_INT => Some(v as f64),
            Number::Float(v) => Some(v),
            _ => None,
        }
    }

    /// The value as an `f64`, rounding large integers to the nearest `f64`.
    pub fn to_f64_lossy(self) -> f64 {
        match self {
            Number::PosInt(v) => v as f64,
            Number::NegInt(v) => v as f64,
            Number::Float(v) => v,
        }
    }

    /// The value as an `i64`, or `None` if it is out of range or a float with a fractional part
    /// (or not finite).
    pub fn to_i64(self) -> Option<i64> {
        match self {
            Number::PosInt(v) => i64::try_from(v).ok(),
            Number::NegInt(v) => Some(v),
            // 2^63 is exactly representable; anything from it upwards does not fit.
            Number::Float(v) if v.fract() == 0.0 && v >= -(2f64.powi(63)) && v < 2f64.powi(63) => {
                Some(v as i64)
            }
            Number::Float(_) => None,
        }
    }

    /// The value as a `u64`, or `None` if it is negative, out of range or not a whole number.
    pub fn to_u64(self) -> Option<u64> {
        match self {
            Number::PosInt(v) => Some(v),
            Number::NegInt(_) => None,
            Number::Float(v) if v.fract() == 0.0 && v >= 0.0 && v < 2f64.powi(64) => Some(v as u64),
            Number::Float(_) => None,
        }
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Number::PosInt(v)
    }
}

impl From<u32> for Number {
    fn from(v: u32) -> Self {
        Number::PosInt(u64::from(v))
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        match u64::try_from(v) {
            Ok(u) => Number::PosInt(u),
            Err(_) => Number::NegInt(v),
        }
    }
}

impl From<i32> for Number {
    fn from(v: i32) -> Self {
        Number::from(i64::from(v))
    }
}

impl From<f64> for Number {
    fn from(v: f64) -> Self {
        Number::Float(v)
    }
}

impl From<f32> for Number {
    fn from(v: f32) -> Self {
        Number::Float(f64::from(v))
    }
}

/// An untyped value: the Smithy `document` shape, which restJson1 sends as any JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A JSON object. Keys are sorted, which keeps serialized output deterministic.
    Object(BTreeMap<String, Document>),
    /// A JSON array.
    Array(Vec<Document>),
    /// A JSON number.
    Number(Number),
    /// A JSON string.
    String(String),
    /// A JSON boolean.
    Bool(bool),
    /// JSON `null`.
    Null,
}

impl Document {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Document::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Document::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_number(&self) -> Option<Number> {
        match self {
            Document::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&BTreeMap<String, Document>> {
        match self {
            Document::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The members, mutably, if this is an object.
    pub fn as_object_mut(&mut self) -> Option<&mut BTreeMap<String, Document>> {
        match self {
            Document::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Document]> {
        match self {
            Document::Array(v) => Some(v),
            _ => None,
        }
    }

    /// The elements, mutably, if this is an array.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Document>> {
        match self {
            Document::Array(v) => Some(v),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Document::Null)
    }
}

impl From<bool> for Document {
    fn from(v: bool) -> Self {
        Document::Bool(v)
    }
}

impl From<String> for Document {
    fn from(v: String) -> Self {
        Document::String(v)
    }
}

impl From<&str> for Document {
    fn from(v: &str) -> Self {
        Document::String(v.to_owned())
    }
}

impl From<Number> for Document {
    fn from(v: Number) -> Self {
        Document::Number(v)
    }
}

impl From<u64> for Document {
    fn from(v: u64) -> Self {
        Document::Number(v.into())
    }
}

impl From<u32> for Document {
    fn from(v: u32) -> Self {
        Document::Number(v.into())
    }
}

impl From<i64> for Document {
    fn from(v: i64) -> Self {
        Document::Number(v.into())
    }
}

impl From<i32> for Document {
    fn from(v: i32) -> Self {
        Document::Number(v.into())
    }
}

impl From<f64> for Document {
    fn from(v: f64) -> Self {
        Document::Number(v.into())
    }
}

impl From<f32> for Document {
    fn from(v: f32) -> Self {
        Document::Number(v.into())
    }
}

impl From<Vec<Document>> for Document {
    fn from(v: Vec<Document>) -> Self {
        Document::Array(v)
    }
}

impl From<BTreeMap<String, Document>> for Document {
    fn from(v: BTreeMap<String, Document>) -> Self {
        Document::Object(v)
    }
}

impl<T: Into<Document>> From<Option<T>> for Document {
    fn from(v: Option<T>) -> Self {
        v.map_or(Document::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_conversions_are_checked() {
        type Case = (Number, Option<i64>, Option<u64>, Option<f64>);
        let cases: &[Case] = &[
            (Number::PosInt(0), Some(0), Some(0), Some(0.0)),
            (Number::PosInt(u64::MAX), None, Some(u64::MAX), None),
            (
                Number::PosInt(1 << 53),
                Some(1 << 53),
                Some(1 << 53),
                Some(9007199254740992.0),
            ),
            (
                Number::PosInt((1 << 53) + 1),
                Some((1 << 53) + 1),
                Some((1 << 53) + 1),
                None,
            ),
            (Number::NegInt(-5), Some(-5), None, Some(-5.0)),
            (Number::NegInt(i64::MIN), Some(i64::MIN), None, None),
            (Number::Float(2.0), Some(2), Some(2), Some(2.0)),
            (Number::Float(-2.5), None, None, Some(-2.5)),
            (
                Number::Float(-9223372036854775808.0),
                Some(i64::MIN),
                None,
                Some(-9223372036854775808.0),
            ),
            (
                Number::Float(9223372036854775808.0),
                None,
                Some(1 << 63),
                Some(9223372036854775808.0),
            ),
            (
                Number::Float(18446744073709551616.0),
                None,
                None,
                Some(18446744073709551616.0),
            ),
            (
                Number::Float(f64::INFINITY),
                None,
                None,
                Some(f64::INFINITY),
            ),
        ];
        for &(n, i, u, f) in cases {
            assert_eq!(n.to_i64(), i, "{n:?} to_i64");
            assert_eq!(n.to_u64(), u, "{n:?} to_u64");
            assert_eq!(n.to_f64(), f, "{n:?} to_f64");
        }
        assert!(Number::Float(f64::NAN).to_i64().is_none());
        assert_eq!(
            Number::PosInt(u64::MAX).to_f64_lossy(),
            18446744073709551615.0
        );
    }

    #[test]
    fn from_signed_uses_canonical_kind() {
        assert_eq!(Number::from(0i64), Number::PosInt(0));
        assert_eq!(Number::from(7i32), Number::PosInt(7));
        assert_eq!(Number::from(-7i32), Number::NegInt(-7));
        assert_eq!(Number::from(1.5f32), Number::Float(1.5));
    }

    #[test]
    fn document_from_and_accessors() {
        let mut obj = BTreeMap::new();
        obj.insert("a".to_owned(), Document::from("x"));
        obj.insert(
            "b".to_owned(),
            Document::from(vec![Document::from(true), Document::from(None::<i32>)]),
        );
        let mut doc = Document::from(obj);
        assert_eq!(doc.as_object().and_then(|m| m["a"].as_str()), Some("x"));
        let b = &doc.as_object().unwrap()["b"];
        assert_eq!(b.as_array().map(<[_]>::len), Some(2));
        assert_eq!(b.as_array().unwrap()[0].as_bool(), Some(true));
        assert!(b.as_array().unwrap()[1].is_null());
        assert_eq!(Document::from(-3i64).as_number(), Some(Number::NegInt(-3)));
        assert_eq!(
            Document::from(Some(2u32)),
            Document::Number(Number::PosInt(2))
        );
        assert!(doc.as_str().is_none() && doc.as_array().is_none() && doc.as_bool().is_none());
        doc.as_object_mut()
            .unwrap()
            .insert("c".into(), Document::Null);
        assert_eq!(doc.as_object().unwrap().len(), 3);
        let mut arr = Document::Array(vec![]);
        arr.as_array_mut().unwrap().push(1u64.into());
        assert_eq!(
            arr,
            Document::Array(vec![Document::Number(Number::PosInt(1))])
        );
    }
}
