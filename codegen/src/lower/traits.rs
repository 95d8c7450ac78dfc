//! Reading individual traits into typed IR values. Every trait the generator understands is
//! interpreted here or in a sibling module of `lower`, never in `emit`.

use crate::docs::to_rustdoc;
use crate::error::{bail_at, ModelError, Result};
use crate::ir::{Constraints, Deprecated, DocValue, Docs, TimestampFormat};
use crate::model::Traits;
use serde_json::Value;
use std::fmt::Display;

pub const DOCUMENTATION: &str = "smithy.api#documentation";
pub const REQUIRED: &str = "smithy.api#required";
pub const DEFAULT: &str = "smithy.api#default";
pub const CLIENT_OPTIONAL: &str = "smithy.api#clientOptional";
pub const SENSITIVE: &str = "smithy.api#sensitive";
pub const DEPRECATED: &str = "smithy.api#deprecated";
pub const JSON_NAME: &str = "smithy.api#jsonName";
pub const TIMESTAMP_FORMAT: &str = "smithy.api#timestampFormat";
pub const ENUM_VALUE: &str = "smithy.api#enumValue";
pub const ERROR: &str = "smithy.api#error";
pub const HTTP_ERROR: &str = "smithy.api#httpError";
pub const RETRYABLE: &str = "smithy.api#retryable";
pub const HTTP: &str = "smithy.api#http";
pub const HTTP_LABEL: &str = "smithy.api#httpLabel";
pub const HTTP_QUERY: &str = "smithy.api#httpQuery";
pub const HTTP_QUERY_PARAMS: &str = "smithy.api#httpQueryParams";
pub const HTTP_HEADER: &str = "smithy.api#httpHeader";
pub const HTTP_PREFIX_HEADERS: &str = "smithy.api#httpPrefixHeaders";
pub const HTTP_PAYLOAD: &str = "smithy.api#httpPayload";
pub const HTTP_RESPONSE_CODE: &str = "smithy.api#httpResponseCode";
pub const HTTP_CHECKSUM_REQUIRED: &str = "smithy.api#httpChecksumRequired";
pub const IDEMPOTENCY_TOKEN: &str = "smithy.api#idempotencyToken";
pub const HOST_LABEL: &str = "smithy.api#hostLabel";
pub const ENDPOINT: &str = "smithy.api#endpoint";
pub const PAGINATED: &str = "smithy.api#paginated";
pub const STREAMING: &str = "smithy.api#streaming";
pub const SPARSE: &str = "smithy.api#sparse";
pub const MEDIA_TYPE: &str = "smithy.api#mediaType";
pub const LENGTH: &str = "smithy.api#length";
pub const RANGE: &str = "smithy.api#range";
pub const PATTERN: &str = "smithy.api#pattern";
pub const TITLE: &str = "smithy.api#title";
pub const EVENT_STREAM: &str = "smithy.api#eventStream";
pub const REQUEST_COMPRESSION: &str = "smithy.api#requestCompression";

/// Rustdoc lines from `@documentation`, falling back to `fallback` docs, then to `default`.
pub fn docs(own: &Traits, fallback: Option<&Traits>, default: impl FnOnce() -> String) -> Docs {
    let text = own.string(DOCUMENTATION).or_else(|| fallback.and_then(|t| t.string(DOCUMENTATION)));
    let lines = text.map(to_rustdoc).filter(|l| !l.is_empty());
    Docs(lines.unwrap_or_else(|| vec![default()]))
}

/// `@deprecated`.
pub fn deprecated(traits: &Traits) -> Option<Deprecated> {
    let v = traits.get(DEPRECATED)?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Deprecated { message: field("message"), since: field("since") })
}

/// `@timestampFormat`.
pub fn timestamp_format(traits: &Traits, at: &impl Display) -> Result<Option<TimestampFormat>> {
    Ok(match traits.get(TIMESTAMP_FORMAT) {
        None => None,
        Some(Value::String(s)) => Some(match s.as_str() {
            "date-time" => TimestampFormat::DateTime,
            "http-date" => TimestampFormat::HttpDate,
            "epoch-seconds" => TimestampFormat::EpochSeconds,
            other => bail_at!(at, "unknown @timestampFormat `{other}`"),
        }),
        Some(_) => bail_at!(at, "@timestampFormat must be a string"),
    })
}

/// `@length` and `@range`, from the member and its target (the member's win).
pub fn constraints(member: &Traits, target: &Traits, at: &impl Display) -> Result<Constraints> {
    let bounds = |id: &str| -> Result<Option<(Option<f64>, Option<f64>)>> {
        let Some(v) = member.get(id).or_else(|| target.get(id)) else { return Ok(None) };
        let obj = v.as_object().ok_or_else(|| ModelError::new(at, format!("@{} must be an object", short(id))))?;
        let num = |k: &str| -> Result<Option<f64>> {
            match obj.get(k) {
                None => Ok(None),
                Some(Value::Number(n)) => Ok(n.as_f64()),
                Some(_) => bail_at!(at, "@{}.{k} must be a number", short(id)),
            }
        };
        Ok(Some((num("min")?, num("max")?)))
    };
    let length = bounds(LENGTH)?.map(|(min, max)| (min.map(|v| v.max(0.0) as u64), max.map(|v| v.max(0.0) as u64)));
    let pattern = match member.get(PATTERN).or_else(|| target.get(PATTERN)) {
        None => None,
        Some(Value::String(p)) => Some(p.clone()),
        Some(_) => bail_at!(at, "@pattern must be a string"),
    };
    Ok(Constraints { length, range: bounds(RANGE)?, pattern, element: None })
}

fn short(id: &str) -> &str {
    id.rsplit('#').next().unwrap_or(id)
}

/// A JSON node value → document literal; `None` when it holds a number beyond the range of
/// `f64`, which a document (as the protocols serialize it) cannot carry.
pub fn doc_value(v: &Value) -> Option<DocValue> {
    Some(match v {
        Value::Null => DocValue::Null,
        Value::Bool(b) => DocValue::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => DocValue::PosInt(u),
            (None, Some(i)) => DocValue::NegInt(i),
            _ => DocValue::Float(n.as_f64()?),
        },
        Value::String(s) => DocValue::String(s.clone()),
        Value::Array(a) => DocValue::Array(a.iter().map(doc_value).collect::<Option<_>>()?),
        Value::Object(o) => DocValue::Object(o.iter().map(|(k, v)| Some((k.clone(), doc_value(v)?))).collect::<Option<_>>()?),
    })
}
