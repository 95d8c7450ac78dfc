//! Support for the generated server module (`crate::generated`), as `client_runtime` is for
//! generated clients: splitting and decoding the request target, the checks behind every
//! constraint trait with their messages, and building responses. Generated code says *what*
//! is checked; this module says *how*.

use std::str::FromStr;

use client_runtime::http::{Headers, HttpResponse};
use client_runtime::__private::json::JsonError;
use client_runtime::__private::percent;
use client_runtime::time::{DateTime, TimestampFormat};

use crate::pattern::Pattern;

/// A request that does not conform to the model: why, worded for the caller. Messages name
/// the member's path but never its value, since the value may be `@sensitive`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    message: String,
}

impl Invalid {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The message, by value.
    pub fn into_message(self) -> String {
        self.message
    }
}

impl From<JsonError> for Invalid {
    fn from(e: JsonError) -> Self {
        Self::new(format!("The request body is not valid JSON for this operation: {} at byte {}", e.message(), e.offset()))
    }
}

/// `at.member`, the path of a member for messages (`Tags.member.Key`).
pub fn join(at: &str, member: &str) -> String {
    if at.is_empty() {
        member.to_string()
    } else {
        format!("{at}.{member}")
    }
}

fn constraint(at: &str, member: &str, what: &str) -> Invalid {
    Invalid::new(format!("1 validation error detected: Value at '{}' failed to satisfy constraint: {what}", join(at, member)))
}

/// A `@required` member: its value, or the error naming it.
pub fn required<T>(value: Option<T>, at: &str, member: &str) -> Result<T, Invalid> {
    value.ok_or_else(|| constraint(at, member, "Member must not be null"))
}

/// The length of a string as `@length` counts it: in Unicode scalar values (Smithy spec,
/// "length trait").
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// `@length`: `len` within `[min, max]`.
pub fn check_length(at: &str, member: &str, len: usize, min: Option<u64>, max: Option<u64>) -> Result<(), Invalid> {
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    if min.is_some_and(|min| len < min) {
        return Err(constraint(at, member, &format!("Member must have length greater than or equal to {}", min.unwrap_or_default())));
    }
    if max.is_some_and(|max| len > max) {
        return Err(constraint(at, member, &format!("Member must have length less than or equal to {}", max.unwrap_or_default())));
    }
    Ok(())
}

/// `@range`: `value` within `[min, max]`.
pub fn check_range(at: &str, member: &str, value: f64, min: Option<f64>, max: Option<f64>) -> Result<(), Invalid> {
    if min.is_some_and(|min| value < min) {
        return Err(constraint(at, member, &format!("Member must have value greater than or equal to {}", min.unwrap_or_default())));
    }
    if max.is_some_and(|max| value > max) {
        return Err(constraint(at, member, &format!("Member must have value less than or equal to {}", max.unwrap_or_default())));
    }
    Ok(())
}

/// `@pattern`: the pattern matches somewhere in `value` (see [`crate::pattern`]).
pub fn check_pattern(at: &str, member: &str, value: &str, pattern: &str) -> Result<(), Invalid> {
    // Every generated pattern compiles (a unit test checks `generated::PATTERNS`); were one
    // not to, refusing the value is safer than skipping the check.
    let ok = Pattern::new(pattern).is_ok_and(|p| p.is_match(value));
    if ok {
        Ok(())
    } else {
        Err(constraint(at, member, &format!("Member must satisfy regular expression pattern: {pattern}")))
    }
}

/// A string that is not one of the enum's values.
pub fn unknown_enum(at: &str, member: &str, values: &[&str]) -> Invalid {
    constraint(at, member, &format!("Member must satisfy enum value set: [{}]", values.join(", ")))
}

/// A `null` inside a list or map that is not `@sparse`.
pub fn null_element(at: &str, member: &str) -> Invalid {
    constraint(at, member, "Member must not contain null values")
}

/// A boolean label, query value or header.
pub fn parse_bool(text: &str, at: &str, member: &str) -> Result<bool, Invalid> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(constraint(at, member, "Member must be a boolean")),
    }
}

/// A numeric label, query value or header.
pub fn parse_number<T: FromStr>(text: &str, at: &str, member: &str) -> Result<T, Invalid> {
    text.parse().map_err(|_| constraint(at, member, "Member must be a number"))
}

/// A timestamp label, query value or header.
pub fn parse_timestamp(text: &str, format: TimestampFormat, at: &str, member: &str) -> Result<DateTime, Invalid> {
    DateTime::parse(text, format).map_err(|_| constraint(at, member, "Member must be a timestamp"))
}

/// Whether a body holds anything but whitespace (restJson1 treats an empty body as `{}`).
pub fn has_body(body: &[u8]) -> bool {
    body.iter().any(|b| !b.is_ascii_whitespace())
}

/// The encoded segments of a path (`/a/b%2Fc` → `["a", "b%2Fc"]`), split before decoding so
/// an encoded `/` stays inside its label.
pub fn path_segments(path: &str) -> Vec<&str> {
    path.strip_prefix('/').unwrap_or(path).split('/').collect()
}

/// Whether the raw path has a `.` or `..` segment, which a server that resolved it would
/// read as another resource; such requests are refused before routing.
pub fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|s| s == "." || s == "..")
}

/// A path label, percent-decoded once.
///
/// The decoded value is refused when it could act as a path escape if some component joined
/// it into a path: a `.` or `..` component between `/` or `\` separators (`..%2F`, `%2E%2E`),
/// a NUL, or a `%2E`, `%2F` or `%5C` still encoded after decoding (double encoding, which
/// exists to slip those past one decoder).
pub fn label(raw: &str, member: &str) -> Result<String, Invalid> {
    let decoded = percent::decode(raw).map_err(|e| Invalid::new(format!("The path label '{member}' is not valid percent-encoding: {}", e.message())))?;
    if decoded.is_empty() {
        return Err(constraint("", member, "Member must not be empty"));
    }
    let dot_component = decoded.split(['/', '\\']).any(|c| c == "." || c == "..");
    let lower = decoded.to_ascii_lowercase();
    let still_encoded = ["%2e", "%2f", "%5c"].iter().any(|e| lower.contains(e));
    if dot_component || still_encoded || decoded.contains('\0') {
        return Err(Invalid::new(format!("The path label '{member}' contains a path traversal sequence")));
    }
    Ok(decoded)
}

/// The decoded query parameters of a request, in order.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Splits and decodes an encoded query string; a key without `=` has an empty value.
    pub fn parse(query: &str) -> Result<Self, Invalid> {
        let mut pairs = Vec::new();
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let decode = |s: &str| {
                percent::decode_query_component(s).map_err(|e| Invalid::new(format!("The query string is not valid percent-encoding: {}", e.message())))
            };
            pairs.push((decode(k)?, decode(v)?));
        }
        Ok(Self { pairs })
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Whether the encoded query has `key` (with `value`, when given): the constant query
/// parameters of an `@http` URI (`/tags?operation=tag-resource`).
pub fn query_has(query: &str, key: &str, value: Option<&str>) -> bool {
    Query::parse(query).is_ok_and(|q| q.all(key).any(|v| value.is_none_or(|want| v == want)))
}

/// A success response with a JSON body.
pub fn json_response(status: u16, body: String) -> HttpResponse {
    let mut headers = Headers::new();
    headers.insert("content-type", "application/json");
    HttpResponse { status, headers, body: body.into_bytes() }
}

/// A success response without a body.
pub fn empty_response(status: u16) -> HttpResponse {
    HttpResponse { status, headers: Headers::new(), body: Vec::new() }
}

/// An error response: restJson1 names the error in `X-Amzn-Errortype` and sends its members
/// as the JSON body (restJson1 spec, "Operation error serialization").
pub fn error_response(status: u16, code: &str, body: String) -> HttpResponse {
    let mut response = json_response(status, body);
    response.headers.insert("x-amzn-errortype", code);
    response
}

/// The answer when a response could not be written (a timestamp outside what the wire format
/// can express): an unmodeled internal error.
pub fn serialization_failure() -> HttpResponse {
    error_response(500, "InternalFailure", r#"{"Message":"The response could not be serialized."}"#.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_decoded_once_and_escapes_refused() {
        assert_eq!(label("arn%3Aaws%3Achime%3Aus-east-1%3A1%3Aapp-instance%2Fabc%2Fuser%2Fu1", "A").unwrap(), "arn:aws:chime:us-east-1:1:app-instance/abc/user/u1");
        for raw in ["..%2Fx", "a%2F..%2Fb", "%2E%2E", "%2e%2E%2Fetc", "x%2F.", "..%5Cx", "a%252E%252E%252Fb", "a%252fb", "%00", "..", "."] {
            let e = label(raw, "AppInstanceArn").unwrap_err();
            assert!(e.message().contains("AppInstanceArn"), "{raw}: {e:?}");
        }
        assert!(label("", "A").is_err());
        assert!(label("%zz", "A").is_err());
        assert!(label("%FF", "A").is_err(), "not UTF-8");
        assert_eq!(label("a..b", "A").unwrap(), "a..b", "dots inside a component are fine");
    }

    #[test]
    fn queries_decode_and_literals_match() {
        let q = Query::parse("a=1&b=x%20y&a=2&flag&c=%2B+").unwrap();
        assert_eq!(q.get("a"), Some("1"));
        assert_eq!(q.all("a").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(q.get("b"), Some("x y"));
        assert_eq!(q.get("flag"), Some(""));
        assert_eq!(q.get("c"), Some("+ "));
        assert_eq!(q.get("zz"), None);
        assert!(Query::parse("a=%G1").is_err());
        assert!(query_has("operation=tag-resource", "operation", Some("tag-resource")));
        assert!(!query_has("operation=untag-resource", "operation", Some("tag-resource")));
        assert!(query_has("x=1&operation", "operation", None));
        assert!(!query_has("", "operation", None));
    }

    #[test]
    fn constraint_checks_and_messages() {
        assert!(check_length("", "Name", 0, Some(1), Some(3)).unwrap_err().message().contains("'Name' failed to satisfy constraint: Member must have length greater than or equal to 1"));
        assert!(check_length("A", "B", 4, Some(1), Some(3)).unwrap_err().message().contains("'A.B'"));
        assert!(check_length("", "x", 3, Some(1), Some(3)).is_ok());
        assert_eq!(char_len("héllo"), 5, "scalar values, not bytes");
        assert!(check_range("", "MaxResults", 0.0, Some(1.0), Some(50.0)).is_err());
        assert!(check_range("", "MaxResults", 51.0, Some(1.0), Some(50.0)).is_err());
        assert!(check_range("", "MaxResults", 50.0, Some(1.0), Some(50.0)).is_ok());
        assert!(check_pattern("", "Id", "ab", "^[a-z]+$").is_ok());
        assert!(check_pattern("", "Id", "a b", "^[a-z]+$").is_err());
        assert!(check_pattern("", "Id", "a", "(?=a)").is_err(), "an unsupported pattern refuses rather than passes");
        assert_eq!(required(None::<u8>, "", "Name").unwrap_err().message(), "1 validation error detected: Value at 'Name' failed to satisfy constraint: Member must not be null");
        assert_eq!(parse_number::<i32>("12", "", "M").unwrap(), 12);
        assert!(parse_number::<i32>("1.5", "", "M").is_err());
        assert!(parse_bool("yes", "", "M").is_err());
    }

    #[test]
    fn paths_split_before_decoding() {
        assert_eq!(path_segments("/app-instances/a%2Fb/admins"), ["app-instances", "a%2Fb", "admins"]);
        assert!(has_dot_segment("/app-instances/../tags"));
        assert!(has_dot_segment("/./tags"));
        assert!(!has_dot_segment("/app-instances/..%2F"));
        assert!(has_body(b" {}"));
        assert!(!has_body(b" \n"));
    }
}
