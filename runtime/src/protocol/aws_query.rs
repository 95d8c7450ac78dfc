//! `aws.protocols#awsQuery` (feature `aws-query`): requests are `POST /` with an
//! `application/x-www-form-urlencoded` body of `Action`, `Version` and the input's members;
//! responses are XML, the output inside `<{Operation}Response><{Operation}Result>`, errors as
//! `<ErrorResponse><Error><Code>`.

use super::Protocol;
use crate::error::{DeserializeError, ErrorMetadata};
use crate::http::HttpResponse;
use crate::time::{DateTime, TimestampFormat};
use crate::xml::{self, XmlElement};

/// The awsQuery protocol.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsQuery;

impl Protocol for AwsQuery {
    fn name(&self) -> &'static str {
        "aws.protocols#awsQuery"
    }

    fn error_metadata(&self, response: &HttpResponse) -> ErrorMetadata {
        error_metadata(response)
    }
}

/// The content type of every request body.
pub const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The body of a request: `Action=..&Version=..` followed by `key=value` pairs, keys and
/// values percent-encoded as RFC 3986 asks (everything but the unreserved characters).
#[derive(Debug)]
pub struct QueryWriter {
    out: String,
}

impl QueryWriter {
    /// A body for operation `action` of service API version `version`.
    pub fn new(action: &str, version: &str) -> Self {
        let mut w = QueryWriter { out: String::with_capacity(128) };
        w.pair("Action", action);
        w.pair("Version", version);
        w
    }

    /// Appends `key=value`.
    pub fn pair(&mut self, key: &str, value: &str) {
        if !self.out.is_empty() {
            self.out.push('&');
        }
        crate::percent::encode_query_into(&mut self.out, key);
        self.out.push('=');
        crate::percent::encode_query_into(&mut self.out, value);
    }

    /// A boolean: `true` or `false`.
    pub fn boolean(&mut self, key: &str, value: bool) {
        self.pair(key, if value { "true" } else { "false" });
    }

    /// An integer.
    pub fn integer(&mut self, key: &str, value: impl Into<i64>) {
        self.pair(key, &value.into().to_string());
    }

    /// A float: its shortest round-tripping decimal text, or `NaN`, `Infinity`, `-Infinity`.
    pub fn float(&mut self, key: &str, value: f64) {
        let text = if value.is_nan() {
            "NaN".to_string()
        } else if value.is_infinite() {
            if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
        } else {
            value.to_string()
        };
        self.pair(key, &text);
    }

    /// A 32-bit float, written with its own shortest text (`10.8`, not `10.800000190734863`).
    pub fn float32(&mut self, key: &str, value: f32) {
        if value.is_finite() {
            self.pair(key, &value.to_string());
        } else {
            self.float(key, f64::from(value));
        }
    }

    /// A timestamp in `format` (awsQuery's default is `date-time`).
    pub fn timestamp(&mut self, key: &str, value: &DateTime, format: TimestampFormat) -> Result<(), crate::error::BuildError> {
        let text = value.format(format).map_err(|e| crate::error::BuildError::invalid(format!("{key}: {e}")))?;
        self.pair(key, &text);
        Ok(())
    }

    /// A blob, base64-encoded.
    pub fn blob(&mut self, key: &str, value: &[u8]) {
        self.pair(key, &crate::base64::encode(value));
    }

    /// The finished body.
    pub fn finish(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}

/// Joins a key prefix and a segment with `.` (no dot when the prefix is empty).
pub fn key(prefix: &str, segment: &str) -> String {
    if prefix.is_empty() {
        segment.to_string()
    } else {
        let mut k = String::with_capacity(prefix.len() + 1 + segment.len());
        k.push_str(prefix);
        k.push('.');
        k.push_str(segment);
        k
    }
}

/// The `<{Operation}Result>` element of a successful response, or `None` for an empty body
/// (an operation without output members may answer with nothing at all).
pub fn result_element(body: &[u8], operation: &str) -> Result<Option<XmlElement>, DeserializeError> {
    if crate::operation::body_is_empty(body) {
        return Ok(None);
    }
    let mut root = xml::parse(body)?;
    let want = format!("{operation}Response");
    if root.name != want {
        return Err(DeserializeError::new(format!("expected <{want}>, found <{}>", root.name)));
    }
    let result = format!("{operation}Result");
    Ok(match root.children.iter().position(|c| c.name == result) {
        Some(i) => Some(root.children.swap_remove(i)),
        None => None,
    })
}

/// The `<Error>` element of an error response (its members sit beside `Code` and `Message`).
pub fn error_element(body: &[u8]) -> Result<XmlElement, DeserializeError> {
    let root = xml::parse(body)?;
    let error = match root.name.as_str() {
        "ErrorResponse" => root.children.into_iter().find(|c| c.name == "Error"),
        // Some services answer with a bare <Error> root.
        "Error" => Some(root),
        other => return Err(DeserializeError::new(format!("expected <ErrorResponse>, found <{other}>"))),
    };
    error.ok_or_else(|| DeserializeError::new("<ErrorResponse> has no <Error>"))
}

/// The code, message and request id of an error response: `Error/Code`, `Error/Message` and
/// `RequestId` (spec: "Operation error serialization"). A body that is not such a document
/// yields no code rather than an error, so the caller still gets an unhandled error with the
/// status and request id.
pub fn error_metadata(response: &HttpResponse) -> ErrorMetadata {
    let header_id = response.headers.get("x-amzn-requestid").map(str::to_string);
    let Ok(root) = xml::parse(&response.body) else {
        return ErrorMetadata::new(None, None, header_id);
    };
    let error = if root.name == "Error" { Some(&root) } else { root.child("Error") };
    let text = |el: Option<&XmlElement>, name: &str| el.and_then(|e| e.child(name)).map(|c| c.text().trim().to_string());
    let code = text(error, "Code").filter(|c| !c.is_empty());
    let message = text(error, "Message");
    let request_id = text(Some(&root), "RequestId").or(header_id);
    ErrorMetadata::new(code, message, request_id)
}

/// The request id of a successful response: `ResponseMetadata/RequestId`, else the
/// `x-amzn-requestid` header.
pub fn request_id(response: &HttpResponse) -> Option<String> {
    xml::parse(&response.body)
        .ok()
        .and_then(|root| root.child("ResponseMetadata").and_then(|m| m.child("RequestId")).map(|r| r.text().trim().to_string()))
        .or_else(|| response.headers.get("x-amzn-requestid").map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: Headers::new(), body: body.as_bytes().to_vec() }
    }

    #[test]
    fn form_body() {
        let mut w = QueryWriter::new("DoIt", "2020-01-08");
        w.pair("a b", "x=y&z/+~");
        w.boolean("t", true);
        w.integer("n", -3i32);
        w.float("f", f64::NAN);
        w.float("g", f64::NEG_INFINITY);
        w.float32("h", 10.8);
        w.blob("blob", b"value");
        w.timestamp("ts", &DateTime::from_secs(1422172800), TimestampFormat::DateTime).unwrap();
        w.pair(&key(&key("L", "member"), "1"), "");
        assert_eq!(
            String::from_utf8(w.finish()).unwrap(),
            "Action=DoIt&Version=2020-01-08&a%20b=x%3Dy%26z%2F%2B~&t=true&n=-3&f=NaN&g=-Infinity&h=10.8\
             &blob=dmFsdWU%3D&ts=2015-01-25T08%3A00%3A00Z&L.member.1="
        );
        assert_eq!(key("", "x"), "x");
    }

    #[test]
    fn error_metadata_from_error_response() {
        let m = error_metadata(&response(
            400,
            "<ErrorResponse><Error><Type>Sender</Type><Code> InvalidGreeting </Code><Message>Hi</Message></Error><RequestId>foo-id</RequestId></ErrorResponse>",
        ));
        assert_eq!((m.code(), m.message(), m.request_id()), (Some("InvalidGreeting"), Some("Hi"), Some("foo-id")));
        for garbage in ["", "{\"__type\":\"X\"}", "<ErrorResponse><Error></ErrorResponse>", "<Other/>"] {
            assert_eq!(error_metadata(&response(500, garbage)).code(), None, "{garbage}");
        }
        let mut r = response(503, "not xml");
        r.headers.append("x-amzn-RequestId", "hdr".to_string());
        assert_eq!(error_metadata(&r).request_id(), Some("hdr"));
    }

    #[test]
    fn result_and_error_elements() {
        let body = b"<OpResponse xmlns=\"https://example.com/\"><OpResult><a>1</a></OpResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></OpResponse>";
        let result = result_element(body, "Op").unwrap().unwrap();
        assert_eq!(result.child("a").unwrap().text(), "1");
        assert!(result_element(b"", "Op").unwrap().is_none());
        assert!(result_element(b"<OtherResponse/>", "Op").is_err());
        assert_eq!(request_id(&HttpResponse { status: 200, headers: Headers::new(), body: body.to_vec() }).as_deref(), Some("r"));
        let e = error_element(b"<ErrorResponse><Error><Code>C</Code><Extra>x</Extra></Error></ErrorResponse>").unwrap();
        assert_eq!(e.child("Extra").unwrap().text(), "x");
        assert!(error_element(b"<Nope/>").is_err());
    }
}
