//! The contract between generated operations and the runtime: the [`Operation`] trait, the
//! [`RequestParts`] a serializer fills in, and the small helpers generated (de)serializers call
//! for HTTP bindings (labels, query strings, header lists, header values).

use crate::error::{BuildError, DeserializeError, ErrorMetadata};
use crate::http::{Headers, HttpResponse};
use crate::percent;
use std::borrow::Cow;

/// One operation of a service, as generated: how its input becomes a request and how a
/// response becomes its output or error.
pub trait Operation: Send + Sync + 'static {
    /// The input structure.
    type Input: Send + Sync + 'static;
    /// The output structure.
    type Output: Send + 'static;
    /// The operation's error enum.
    type Error: std::error::Error + Send + Sync + 'static;
    /// The operation name, for tracing.
    const NAME: &'static str;
    /// Modeled errors marked `@retryable`: `(code, throttling)`.
    const RETRYABLE_ERRORS: &'static [(&'static str, bool)];
    /// `@httpChecksumRequired`: send a `Content-MD5` of the body.
    const CHECKSUM_REQUIRED: bool = false;
    /// `@auth([])`: send the request unsigned (no credentials needed), even when the service
    /// signs its other operations.
    const UNSIGNED: bool = false;
    /// `@optionalAuth`: signed when the client has a credentials provider, sent unsigned when
    /// it has none.
    const OPTIONAL_AUTH: bool = false;
    /// `@requestCompression` encodings the client may apply to the body.
    const REQUEST_COMPRESSION: &'static [&'static str] = &[];

    /// Whether [`Self::endpoint_params`] binds anything; when not, the client resolves the
    /// endpoint once and reuses it.
    const BINDS_ENDPOINT_PARAMS: bool = false;

    /// Binds the endpoint rule-set parameters this operation sets (`@contextParam`,
    /// `@staticContextParams`) on top of the client's.
    fn endpoint_params(input: &Self::Input, params: &mut crate::endpoint::Params) {
        let _ = (input, params);
    }

    /// Fills members the client provides when the caller did not (idempotency tokens).
    fn prepare(input: &mut Self::Input, idempotency_token: &dyn Fn() -> String) {
        let _ = (input, idempotency_token);
    }

    /// Writes the input as a request, relative to the endpoint.
    fn serialize(input: &Self::Input) -> Result<RequestParts, BuildError>;

    /// Reads a successful response.
    fn deserialize(response: &HttpResponse) -> Result<Self::Output, DeserializeError>;

    /// Reads an error response whose code and message are in `meta`.
    fn deserialize_error(response: &HttpResponse, meta: ErrorMetadata) -> Result<Self::Error, DeserializeError>;

    /// The input has a `@streaming` blob payload: [`Self::take_streaming_body`] takes it out of
    /// the input and it is sent as the body, streamed ([`Self::serialize`] leaves the body
    /// alone). Also set for an event stream input (`take_event_stream`, feature
    /// `event-stream`).
    const STREAMING_INPUT: bool = false;
    /// The input's streaming payload is `@requiresLength`: a body of unknown length is refused
    /// rather than sent chunked.
    const REQUIRES_LENGTH: bool = false;
    /// The output has a `@streaming` blob payload: a successful response's body is handed to
    /// [`Self::deserialize_streaming`] unread.
    const STREAMING_OUTPUT: bool = false;

    /// Takes the streaming payload out of the input (operations with [`Self::STREAMING_INPUT`]).
    fn take_streaming_body(input: &mut Self::Input) -> Option<crate::byte_stream::ByteStream> {
        let _ = input;
        None
    }

    /// Takes the input's event stream out of the input, as unsigned messages (operations with
    /// an event stream input, which also set [`Self::STREAMING_INPUT`] and return `None` from
    /// [`Self::take_streaming_body`]). It is sent as the body, each message signed (when the
    /// request is) and chained to the request's signature.
    #[cfg(feature = "event-stream")]
    fn take_event_stream(input: &mut Self::Input) -> Option<crate::eventstream::EventStreamBody> {
        let _ = input;
        None
    }

    /// Reads a successful response whose body is still to be read (operations with
    /// [`Self::STREAMING_OUTPUT`]): `response` holds the status and headers.
    fn deserialize_streaming(response: &HttpResponse, body: crate::byte_stream::ByteStream) -> Result<Self::Output, DeserializeError> {
        let _ = body;
        Self::deserialize(response)
    }
}

/// A serialized request before the endpoint is known: method, encoded path and query, headers,
/// body, and the host prefix of `@endpoint` operations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestParts {
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// The encoded path, starting with `/`.
    pub path: String,
    /// The encoded query string, without `?`.
    pub query: String,
    /// Headers.
    pub headers: Headers,
    /// The body.
    pub body: Vec<u8>,
    /// Prepended to the endpoint's host (`@endpoint(hostPrefix)`).
    pub host_prefix: Option<String>,
}

impl RequestParts {
    /// An empty request with `method`.
    pub fn new(method: &'static str) -> Self {
        RequestParts { method, ..Default::default() }
    }

    /// Appends literal path text from the URI template (already valid in a path).
    pub fn push_path(&mut self, literal: &str) {
        self.path.push_str(literal);
    }

    /// Appends a label value, percent-encoded (smithy `httpLabel`: every character outside the
    /// unreserved set is encoded; greedy labels keep `/`). Empty labels and the dot segments
    /// `.` and `..` are refused: they cannot address a resource and would be rewritten by URL
    /// normalisation on the way.
    pub fn push_label(&mut self, member: &'static str, value: &str, greedy: bool) -> Result<(), BuildError> {
        if value.is_empty() {
            return Err(BuildError::invalid_field(member, "a URI label must not be empty"));
        }
        let dot_segment = |s: &str| s == "." || s == "..";
        if dot_segment(value) || (greedy && value.split('/').any(dot_segment)) {
            return Err(BuildError::invalid_field(member, "a URI label must not be a `.` or `..` path segment"));
        }
        if greedy {
            percent::encode_greedy_label_into(&mut self.path, value);
        } else {
            percent::encode_label_into(&mut self.path, value);
        }
        Ok(())
    }

    /// Appends a constant query parameter from the URI template (already encoded).
    pub fn push_query_literal(&mut self, key: &str, value: Option<&str>) {
        self.query_separator();
        self.query.push_str(key);
        if let Some(v) = value {
            self.query.push('=');
            self.query.push_str(v);
        }
    }

    /// Appends `key=value`, both percent-encoded.
    pub fn push_query(&mut self, key: &str, value: &str) {
        self.query_separator();
        percent::encode_query_into(&mut self.query, key);
        self.query.push('=');
        percent::encode_query_into(&mut self.query, value);
    }

    fn query_separator(&mut self) {
        if !self.query.is_empty() {
            self.query.push('&');
        }
    }

    /// Adds a header. Values with line breaks or NUL are refused: they would let input inject
    /// headers.
    pub fn header(&mut self, name: &str, value: &str) -> Result<(), BuildError> {
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(BuildError::invalid(format!("header {name} contains a line break or NUL")));
        }
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(BuildError::invalid(format!("`{name}` is not a valid header name")));
        }
        self.headers.append(name.to_string(), value.to_string());
        Ok(())
    }

    /// Sets the body and, unless a member already bound `Content-Type`, its content type.
    pub fn set_body(&mut self, body: Vec<u8>, content_type: &'static str) {
        if !content_type.is_empty() && !self.headers.contains("content-type") {
            self.headers.insert("content-type", content_type);
        }
        self.body = body;
    }
}

/// A float as text for labels, query strings and headers: `NaN`, `Infinity` and `-Infinity`
/// spelled as the restJson1 spec requires, other values in shortest round-trip form.
pub fn fmt_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "Infinity".into()
    } else if v == f64::NEG_INFINITY {
        "-Infinity".into()
    } else {
        v.to_string()
    }
}

/// [`fmt_float`] for `f32`, printed in its own shortest form (`1.1`, not `1.100000023841858`).
pub fn fmt_float32(v: f32) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        fmt_float(f64::from(v))
    }
}

/// Quotes a header list item that contains a comma or a double quote (escaping `"` and `\`),
/// so that the list splits back into the same items.
pub fn quote_header_value(s: &str) -> Cow<'_, str> {
    if !s.contains([',', '"']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Cow::Owned(out)
}

/// Checks a `@hostLabel` value: it becomes part of the host name, so it must be a valid host
/// label (letters, digits, hyphens; dots separating labels).
pub fn check_host_label(member: &'static str, value: &str) -> Result<(), BuildError> {
    if crate::endpoint::stdlib::is_valid_host_label(value, true) {
        Ok(())
    } else {
        Err(BuildError::invalid_field(member, format!("`{value}` is not a valid host label")))
    }
}

/// Whether a body holds nothing but whitespace (an empty JSON body stands for `{}`).
pub fn body_is_empty(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// A text payload as UTF-8.
pub fn body_text(body: &[u8]) -> Result<&str, DeserializeError> {
    std::str::from_utf8(body).map_err(|e| DeserializeError::with_source("response body is not UTF-8", e))
}

/// Readers of header-bound response members.
pub mod header {
    use super::*;
    use crate::time::{DateTime, TimestampFormat};
    use std::collections::HashMap;
    use std::str::FromStr;

    fn bad(name: &str, what: &str) -> DeserializeError {
        DeserializeError::new(format!("header {name}: not {what}"))
    }

    /// An integer.
    pub fn number<T: FromStr>(name: &str, text: &str) -> Result<T, DeserializeError> {
        text.trim().parse().map_err(|_| bad(name, "a valid integer"))
    }

    /// `true` or `false`.
    pub fn boolean(name: &str, text: &str) -> Result<bool, DeserializeError> {
        match text.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad(name, "a boolean")),
        }
    }

    /// A float, including `NaN`, `Infinity` and `-Infinity`.
    pub fn float(name: &str, text: &str) -> Result<f64, DeserializeError> {
        match text.trim() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            t if t.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) => t.parse().map_err(|_| bad(name, "a number")),
            _ => Err(bad(name, "a number")),
        }
    }

    /// A timestamp in `format`.
    pub fn timestamp(name: &str, text: &str, format: TimestampFormat) -> Result<DateTime, DeserializeError> {
        DateTime::parse(text.trim(), format).map_err(|e| DeserializeError::with_source(format!("header {name}: bad timestamp"), e))
    }

    /// Base64 bytes.
    pub fn base64(name: &str, text: &str) -> Result<Vec<u8>, DeserializeError> {
        crate::base64::decode(text.trim()).map_err(|e| DeserializeError::with_source(format!("header {name}: bad base64"), e))
    }

    /// A base64-encoded string (`@mediaType` strings in headers).
    pub fn base64_string(name: &str, text: &str) -> Result<String, DeserializeError> {
        String::from_utf8(base64(name, text)?).map_err(|_| bad(name, "base64 of UTF-8 text"))
    }

    /// Splits the values of a list-valued header into items: comma-separated, items in double
    /// quotes unquoted. HTTP dates contain a comma themselves (`Mon, 16 Dec 2019 ...`), so for
    /// them every two comma-separated pieces form one item.
    pub fn split_list<'a>(values: impl Iterator<Item = &'a str>, http_date: bool) -> Result<Vec<String>, DeserializeError> {
        let mut out = Vec::new();
        for value in values {
            if http_date {
                let pieces: Vec<&str> = value.split(',').map(str::trim).collect();
                if pieces.len() % 2 != 0 {
                    return Err(DeserializeError::new("header list of HTTP dates is malformed"));
                }
                for pair in pieces.chunks(2) {
                    out.push(format!("{}, {}", pair[0], pair[1]));
                }
                continue;
            }
            let mut rest = value;
            loop {
                rest = rest.trim_start();
                let Some(quoted) = rest.strip_prefix('"') else {
                    match rest.split_once(',') {
                        Some((item, next)) => {
                            out.push(item.trim().to_string());
                            rest = next;
                            continue;
                        }
                        None => {
                            out.push(rest.trim().to_string());
                            break;
                        }
                    }
                };
                let mut item = String::new();
                let mut end = None;
                let mut chars = quoted.char_indices();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => item.extend(chars.next().map(|(_, n)| n)),
                        '"' => {
                            end = Some(i);
                            break;
                        }
                        c => item.push(c),
                    }
                }
                let end = end.ok_or_else(|| DeserializeError::new("header list has an unterminated quoted item"))?;
                out.push(item);
                rest = quoted[end + 1..].trim_start();
                if rest.is_empty() {
                    break;
                }
                rest = rest
                    .strip_prefix(',')
                    .ok_or_else(|| DeserializeError::new("header list has text after a quoted item"))?;
            }
        }
        Ok(out)
    }

    /// The headers starting with `prefix` (ignoring case), keyed by the rest of their name.
    pub fn prefixed(headers: &Headers, prefix: &str) -> HashMap<String, String> {
        headers
            .iter()
            .filter(|(n, _)| n.len() >= prefix.len() && n.is_char_boundary(prefix.len()) && n[..prefix.len()].eq_ignore_ascii_case(prefix))
            .map(|(n, v)| (n[prefix.len()..].to_string(), v.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_encoded_and_dot_segments_refused() {
        let mut r = RequestParts::new("GET");
        r.push_path("/app-instances/");
        r.push_label("Arn", "arn:aws:chime:us-east-1:123:app-instance/abc", false).unwrap();
        assert_eq!(r.path, "/app-instances/arn%3Aaws%3Achime%3Aus-east-1%3A123%3Aapp-instance%2Fabc");
        let mut g = RequestParts::new("GET");
        g.push_label("Key", "a/b c", true).unwrap();
        assert_eq!(g.path, "a/b%20c");
        for bad in ["", ".", ".."] {
            assert!(r.push_label("Arn", bad, false).is_err(), "{bad:?}");
        }
        assert!(g.push_label("Key", "a/../b", true).is_err());
        assert!(g.push_label("Key", "a/..b", true).is_ok());
    }

    #[test]
    fn query_and_headers() {
        let mut r = RequestParts::new("POST");
        r.push_query_literal("operation", Some("tag-resource"));
        r.push_query("next-token", "a b&c=d+");
        assert_eq!(r.query, "operation=tag-resource&next-token=a%20b%26c%3Dd%2B");
        assert!(r.header("x-a", "ok").is_ok());
        assert!(r.header("x-a", "bad\r\nx-injected: 1").is_err());
        assert!(r.header("bad name", "v").is_err());
        r.header("Content-Type", "text/custom").unwrap();
        r.set_body(b"x".to_vec(), "application/json");
        assert_eq!(r.headers.get("content-type"), Some("text/custom"));
    }

    #[test]
    fn header_lists_round_trip() {
        let items = ["a", "b,c", "say \"hi\"", " spaced "];
        let joined: Vec<String> = items.iter().map(|i| quote_header_value(i).into_owned()).collect();
        let joined = joined.join(", ");
        let back = header::split_list(std::iter::once(joined.as_str()), false).unwrap();
        assert_eq!(back, ["a", "b,c", "say \"hi\"", "spaced"]);
        let dates = header::split_list(std::iter::once("Mon, 16 Dec 2019 23:48:18 GMT, Tue, 17 Dec 2019 23:48:18 GMT"), true).unwrap();
        assert_eq!(dates, ["Mon, 16 Dec 2019 23:48:18 GMT", "Tue, 17 Dec 2019 23:48:18 GMT"]);
        assert!(header::split_list(std::iter::once("\"open"), false).is_err());
        assert_eq!(header::split_list(["a", "b, c"].into_iter(), false).unwrap(), ["a", "b", "c"]);
    }

    #[test]
    fn header_scalars() {
        assert_eq!(header::number::<i32>("x", " 42 ").unwrap(), 42);
        assert!(header::number::<i8>("x", "300").is_err());
        assert!(header::boolean("x", "yes").is_err());
        assert!(header::float("x", "NaN").unwrap().is_nan());
        assert_eq!(header::float("x", "-Infinity").unwrap(), f64::NEG_INFINITY);
        assert!(header::float("x", "inf").is_err());
        assert_eq!(fmt_float(f64::INFINITY), "Infinity");
        assert_eq!(fmt_float(1.5), "1.5");
        assert_eq!(fmt_float32(1.1), "1.1");
        assert_eq!(fmt_float32(f32::NAN), "NaN");
        let mut h = Headers::new();
        h.append("X-Foo-Abc", "1");
        h.append("x-foo-def", "2");
        h.append("x-bar", "3");
        let m = header::prefixed(&h, "x-foo-");
        assert_eq!(m.len(), 2);
        assert_eq!(m["Abc"], "1");
    }
}
