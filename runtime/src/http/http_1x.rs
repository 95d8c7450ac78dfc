//! Conversions between this crate's request and response values and the `http` 1.x crate's
//! (feature `http-1x`), for plugging in an HTTP client written against those types.
//!
//! ```
//! # use smithy_lite_runtime::http::{HttpRequest, HttpResponse, Uri};
//! let request = HttpRequest { method: "GET".into(), uri: Uri::parse("https://example.com/a?b=c").unwrap(), ..Default::default() };
//! let converted: http::Request<Vec<u8>> = request.try_into().unwrap();
//! assert_eq!(converted.uri(), "https://example.com/a?b=c");
//! let response = http::Response::builder().status(200).body(b"{}".to_vec()).unwrap();
//! let back = HttpResponse::try_from(response).unwrap();
//! assert_eq!(back.status, 200);
//! ```

use std::fmt;

use super::{Headers, HttpRequest, HttpResponse, Uri};

/// Why a value could not be converted: a method, URI, header or status the other side refuses.
#[derive(Debug)]
pub struct ConversionError(String);

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot convert between smithy-lite-runtime and http types: {}", self.0)
    }
}

impl std::error::Error for ConversionError {}

fn error(e: impl fmt::Display) -> ConversionError {
    ConversionError(e.to_string())
}

impl TryFrom<HttpRequest> for http::Request<Vec<u8>> {
    type Error = ConversionError;

    fn try_from(request: HttpRequest) -> Result<Self, ConversionError> {
        // The URI with its userinfo, if any: this is for sending, not printing.
        let mut uri = format!("{}://{}{}", request.uri.scheme, request.uri.authority, request.uri.path);
        if !request.uri.query.is_empty() {
            uri.push('?');
            uri.push_str(&request.uri.query);
        }
        let mut builder = http::Request::builder().method(request.method.as_ref()).uri(uri);
        for (name, value) in request.headers.iter() {
            builder = builder.header(name, value);
        }
        builder.body(request.body).map_err(error)
    }
}

impl<B: Into<Vec<u8>>> TryFrom<http::Request<B>> for HttpRequest {
    type Error = ConversionError;

    fn try_from(request: http::Request<B>) -> Result<Self, ConversionError> {
        let (parts, body) = request.into_parts();
        let uri = Uri::parse(&parts.uri.to_string()).ok_or_else(|| error(format_args!("`{}` is not an absolute URI", parts.uri)))?;
        Ok(HttpRequest {
            method: parts.method.as_str().to_string().into(),
            uri,
            headers: headers_from(&parts.headers)?,
            body: body.into(),
        })
    }
}

impl TryFrom<HttpResponse> for http::Response<Vec<u8>> {
    type Error = ConversionError;

    fn try_from(response: HttpResponse) -> Result<Self, ConversionError> {
        let mut builder = http::Response::builder().status(response.status);
        for (name, value) in response.headers.iter() {
            builder = builder.header(name, value);
        }
        builder.body(response.body).map_err(error)
    }
}

impl<B: Into<Vec<u8>>> TryFrom<http::Response<B>> for HttpResponse {
    type Error = ConversionError;

    fn try_from(response: http::Response<B>) -> Result<Self, ConversionError> {
        let (parts, body) = response.into_parts();
        Ok(HttpResponse { status: parts.status.as_u16(), headers: headers_from(&parts.headers)?, body: body.into() })
    }
}

/// Header values that are not visible ASCII (obs-text) are refused rather than guessed at.
fn headers_from(map: &http::HeaderMap) -> Result<Headers, ConversionError> {
    let mut headers = Headers::with_capacity(map.len());
    for (name, value) in map {
        let value = value.to_str().map_err(|_| error(format_args!("header `{name}` is not visible ASCII")))?;
        headers.append(name.as_str().to_string(), value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_responses_survive_a_round_trip() {
        let mut headers = Headers::new();
        headers.append("x-amz-date", "20261203T000000Z");
        headers.append("x-multi", "a");
        headers.append("x-multi", "b");
        let request = HttpRequest {
            method: "POST".into(),
            uri: Uri::parse("https://chime.us-east-1.amazonaws.com:8443/app-instances?max-results=5").unwrap(),
            headers,
            body: b"{\"Name\":\"x\"}".to_vec(),
        };
        let converted = http::Request::<Vec<u8>>::try_from(request.clone()).unwrap();
        assert_eq!(converted.method(), http::Method::POST);
        assert_eq!(converted.headers().get_all("x-multi").iter().count(), 2);
        let back = HttpRequest::try_from(converted).unwrap();
        assert_eq!(back, request);

        let response = HttpResponse { status: 404, headers: Headers::new(), body: b"nope".to_vec() };
        let converted = http::Response::<Vec<u8>>::try_from(response.clone()).unwrap();
        assert_eq!(converted.status(), http::StatusCode::NOT_FOUND);
        assert_eq!(HttpResponse::try_from(converted).unwrap(), response);
    }

    #[test]
    fn what_the_other_side_refuses_is_an_error() {
        let mut bad = HttpRequest { method: "GET".into(), uri: Uri::parse("https://h/").unwrap(), ..Default::default() };
        bad.headers.append("x", "a\nb");
        assert!(http::Request::<Vec<u8>>::try_from(bad).is_err());
        let relative = http::Request::builder().uri("/only/a/path").body(Vec::new()).unwrap();
        assert!(HttpRequest::try_from(relative).unwrap_err().to_string().contains("absolute"));
        assert!(http::Response::<Vec<u8>>::try_from(HttpResponse { status: 1000, ..Default::default() }).is_err());
    }
}
