//! `aws.protocols#restJson1`: what every response of the protocol shares (error code, message
//! and request id).

use crate::error::ErrorMetadata;
use crate::http::HttpResponse;
use crate::json::JsonReader;
use super::Protocol;

/// The restJson1 protocol.
#[derive(Clone, Copy, Debug, Default)]
pub struct RestJson1;

impl Protocol for RestJson1 {
    fn name(&self) -> &'static str {
        "aws.protocols#restJson1"
    }

    fn error_metadata(&self, response: &HttpResponse) -> ErrorMetadata {
        error_metadata(response)
    }
}

/// The code, message and request id of an error response.
///
/// restJson1 spec, "Operation error serialization": the code comes from the
/// `X-Amzn-Errortype` header, else the body's `__type`, else its `code`; it is sanitized by
/// keeping what precedes the first `:` and then what follows the first `#`. The message is
/// the body's `message` (any capitalisation) or `errorMessage`; the request id is
/// `x-amzn-requestid`. A malformed body yields no code rather than an error, so the caller
/// still gets an unhandled error with the status and request id.
pub fn error_metadata(response: &HttpResponse) -> ErrorMetadata {
    let (body_type, body_code, message) = read_body(&response.body);
    let code = response
        .headers
        .get("x-amzn-errortype")
        .map(str::to_string)
        .or(body_type)
        .or(body_code)
        .map(|c| sanitize(&c).to_string())
        .filter(|c| !c.is_empty());
    let request_id = response
        .headers
        .get("x-amzn-requestid")
        .or_else(|| response.headers.get("x-amz-request-id"))
        .map(str::to_string);
    ErrorMetadata::new(code, message, request_id)
}

/// Strips a namespace (`ns#Code`) and a trailing URI (`Code:http://...`).
pub fn sanitize(code: &str) -> &str {
    let code = code.split_once(':').map_or(code, |(c, _)| c);
    let code = code.split_once('#').map_or(code, |(_, c)| c);
    code.trim()
}

fn read_body(body: &[u8]) -> (Option<String>, Option<String>, Option<String>) {
    let (mut ty, mut code, mut message) = (None, None, None);
    let mut r = JsonReader::new(body);
    if r.is_empty() || r.start_object().is_err() {
        return (None, None, None);
    }
    while let Ok(Some(key)) = r.next_key() {
        let slot = match key.as_ref() {
            "__type" => &mut ty,
            "code" => &mut code,
            k if k.eq_ignore_ascii_case("message") || k == "errorMessage" => &mut message,
            _ => {
                if r.skip_value().is_err() {
                    break;
                }
                continue;
            }
        };
        match r.read_null() {
            Ok(true) => {}
            Ok(false) => match r.string() {
                Ok(s) => *slot = Some(s.into_owned()),
                Err(_) => break,
            },
            Err(_) => break,
        }
    }
    (ty, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    fn response(headers: &[(&'static str, &str)], body: &str) -> HttpResponse {
        let mut h = Headers::new();
        for (k, v) in headers {
            h.append(*k, v.to_string());
        }
        HttpResponse { status: 400, headers: h, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn code_precedence_and_sanitizing() {
        let cases = [
            (vec![("X-Amzn-Errortype", "FooError")], r#"{"__type":"Bar","code":"Baz"}"#, "FooError"),
            (vec![], r#"{"__type":"aws.protocoltests.restjson#FooError:http://internal/"}"#, "FooError"),
            (vec![], r#"{"code":"FooError"}"#, "FooError"),
            (vec![("x-amzn-errortype", "FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/")], "", "FooError"),
            (vec![], r#"{"__type":"ns#FooError","code":"Other"}"#, "FooError"),
        ];
        for (headers, body, want) in cases {
            assert_eq!(error_metadata(&response(&headers, body)).code(), Some(want), "{headers:?} {body}");
        }
    }

    #[test]
    fn message_request_id_and_malformed_bodies() {
        let m = error_metadata(&response(&[("x-amzn-RequestId", "r-1")], r#"{"Code":"X","Message":"boom"}"#));
        assert_eq!((m.code(), m.message(), m.request_id()), (None, Some("boom"), Some("r-1")));
        for garbage in ["{", "[1,2]", "not json", r#"{"__type": 5}"#, "\u{0}"] {
            let m = error_metadata(&response(&[], garbage));
            assert_eq!(m.code(), None, "{garbage}");
        }
    }
}
