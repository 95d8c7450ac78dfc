//! Testing support for generated clients and their users: HTTP clients that capture requests
//! or replay canned responses, and request assertions that follow the Smithy HTTP protocol
//! compliance rules (query parameters and headers as listed, bodies compared by media type).

#[cfg(feature = "event-stream")]
mod events;
#[cfg(feature = "test-util")]
pub mod mocks;

#[cfg(feature = "event-stream")]
pub use events::{sent_messages, stream_of, ExpectedEvent};

use crate::config::Config;
use crate::credentials::Credentials;
use crate::document::{Document, Number};
use crate::endpoint::{Endpoint, Partitions, Property, ResolveError};
use crate::http::{DispatchError, Headers, HttpClient, HttpRequest, HttpResponse, SendFuture};
use crate::json::JsonReader;
use crate::region::Region;
use crate::retry::RetryConfig;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

/// Runs a future to completion on a fresh current-thread runtime with the time and IO drivers
/// (for synchronous tests; the built-in transport works in it).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime can always be built")
        .block_on(future)
}

/// An HTTP client that records the requests it is given and answers each from a queue of
/// canned results (or `200 {}` when the queue is empty).
#[derive(Clone, Debug, Default)]
pub struct ReplayClient {
    requests: Arc<Mutex<Vec<HttpRequest>>>,
    responses: Arc<Mutex<VecDeque<Result<HttpResponse, DispatchError>>>>,
}

impl ReplayClient {
    /// A client answering with `responses` in order.
    pub fn new(responses: impl IntoIterator<Item = Result<HttpResponse, DispatchError>>) -> Self {
        ReplayClient { requests: Arc::default(), responses: Arc::new(Mutex::new(responses.into_iter().collect())) }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl HttpClient for ReplayClient {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).push(request.clone());
        let next = self.responses.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
        Box::pin(async move { next.unwrap_or_else(|| Ok(response(200, &[], "{}"))) })
    }
}

/// An HTTP client that captures the one request a test sends.
#[derive(Clone, Debug)]
pub struct CaptureClient(ReplayClient);

/// The request a [`CaptureClient`] captured.
#[derive(Clone, Debug)]
pub struct Captured(ReplayClient);

impl CaptureClient {
    /// A capturing client and the handle to read what it captured.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> (CaptureClient, Captured) {
        let c = ReplayClient::default();
        (CaptureClient(c.clone()), Captured(c))
    }
}

impl HttpClient for CaptureClient {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a> {
        self.0.send(request)
    }
}

impl Captured {
    /// The last request captured.
    pub fn take(&self) -> Option<HttpRequest> {
        self.0.requests.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }
}

/// A configuration for tests: region `us-east-1`, fixed test credentials, `endpoint`, the given
/// HTTP client, one attempt, and the idempotency token `00000000-0000-4000-8000-000000000000`.
pub fn test_config(http: impl HttpClient + 'static, endpoint: &str) -> Config {
    Config::builder()
        .region(Region::from_static("us-east-1"))
        .credentials_provider(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "Static"))
        .endpoint_url(endpoint)
        .http_client(http)
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .idempotency_token_provider(|| "00000000-0000-4000-8000-000000000000".to_string())
        .build()
}

/// A clock and a sleeper sharing one manual time, for tests of waiting code (waiters, retries):
/// sleeping returns at once, moves the clock forward by the duration and records it. Clones
/// share the time; pass one clone as `time_source` and another as `sleep_impl`.
#[derive(Clone, Debug)]
pub struct ManualTime {
    state: Arc<Mutex<(std::time::SystemTime, Vec<std::time::Duration>)>>,
}

impl ManualTime {
    /// A manual time starting at `start`.
    pub fn new(start: std::time::SystemTime) -> Self {
        ManualTime { state: Arc::new(Mutex::new((start, Vec::new()))) }
    }

    /// Every duration slept so far, in order.
    pub fn sleeps(&self) -> Vec<std::time::Duration> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1.clone()
    }

    /// Moves the clock forward without sleeping (time a request took, say).
    pub fn advance(&self, by: std::time::Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 += by;
    }
}

impl crate::clock::TimeSource for ManualTime {
    fn now(&self) -> std::time::SystemTime {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).0
    }
}

impl crate::clock::AsyncSleep for ManualTime {
    fn sleep(&self, duration: std::time::Duration) -> crate::clock::SleepFuture {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 += duration;
        state.1.push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// A response with a status, headers and body.
pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    let mut h = Headers::new();
    for (k, v) in headers {
        h.append(k.to_string(), v.to_string());
    }
    HttpResponse { status, headers: h, body: body.as_bytes().to_vec() }
}

/// A response with a status, headers and a body of any bytes.
pub fn response_bytes(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> HttpResponse {
    HttpResponse { body, ..response(status, headers, "") }
}

/// Asserts `actual == expected`, treating values whose `Debug` forms are identical as equal
/// (so that a NaN float matches a NaN float).
pub fn assert_same<T: PartialEq + Debug>(actual: &T, expected: &T) {
    if actual != expected {
        let (a, e) = (format!("{actual:#?}"), format!("{expected:#?}"));
        assert_eq!(a, e, "values differ");
    }
}

/// What a protocol request test expects (`smithy.test#httpRequestTests`).
#[derive(Debug)]
pub struct ExpectedRequest<'a> {
    /// The case id, for messages.
    pub id: &'a str,
    pub method: &'a str,
    /// The path (without query), as sent.
    pub uri: &'a str,
    pub resolved_host: Option<&'a str>,
    /// `key=value` pairs (encoded as on the wire) that must be present.
    pub query_params: &'a [&'a str],
    pub forbid_query_params: &'a [&'a str],
    pub require_query_params: &'a [&'a str],
    pub headers: &'a [(&'a str, &'a str)],
    pub forbid_headers: &'a [&'a str],
    pub require_headers: &'a [&'a str],
    pub body: Option<&'a str>,
    pub body_media_type: Option<&'a str>,
}

impl ExpectedRequest<'_> {
    /// Panics, naming the case and the difference, unless `request` matches.
    pub fn assert_matches(&self, request: &HttpRequest) {
        if let Err(why) = self.check(request) {
            panic!("{}: {why}\nrequest: {request:#?}\nbody: {}", self.id, String::from_utf8_lossy(&request.body));
        }
    }

    /// The first difference between `request` and the expectation.
    pub fn check(&self, request: &HttpRequest) -> Result<(), String> {
        if !request.method.eq_ignore_ascii_case(self.method) {
            return Err(format!("method {} != {}", request.method, self.method));
        }
        if request.uri.path != self.uri {
            return Err(format!("path {} != {}", request.uri.path, self.uri));
        }
        if let Some(host) = self.resolved_host {
            if request.uri.host() != host {
                return Err(format!("host {} != {host}", request.uri.host()));
            }
        }
        let pairs: Vec<&str> = request.uri.query.split('&').filter(|p| !p.is_empty()).collect();
        let key = |p: &str| p.split_once('=').map_or(p, |(k, _)| k).to_string();
        for want in self.query_params {
            if !pairs.contains(want) {
                return Err(format!("query parameter `{want}` missing from `{}`", request.uri.query));
            }
        }
        for k in self.forbid_query_params {
            if pairs.iter().any(|p| key(p) == *k) {
                return Err(format!("query parameter `{k}` must not be sent"));
            }
        }
        for k in self.require_query_params {
            if !pairs.iter().any(|p| key(p) == *k) {
                return Err(format!("query parameter `{k}` must be sent"));
            }
        }
        for (k, v) in self.headers {
            let got: Vec<&str> = request.headers.get_all(k).collect();
            if got.join(", ") != *v {
                return Err(format!("header {k}: {got:?} != {v:?}"));
            }
        }
        for k in self.forbid_headers {
            if request.headers.contains(k) {
                return Err(format!("header {k} must not be sent"));
            }
        }
        for k in self.require_headers {
            if !request.headers.contains(k) {
                return Err(format!("header {k} must be sent"));
            }
        }
        if let Some(body) = self.body {
            let same = match self.body_media_type {
                Some(m) if m.contains("json") && !(body.is_empty() && request.body.is_empty()) => {
                    json_equivalent(body.as_bytes(), &request.body)?
                }
                Some("application/x-www-form-urlencoded") => form_equivalent(body.as_bytes(), &request.body),
                _ => request.body == body.as_bytes(),
            };
            if !same {
                return Err(format!("body {:?} != {body:?}", String::from_utf8_lossy(&request.body)));
            }
        }
        Ok(())
    }
}

/// Whether two `application/x-www-form-urlencoded` bodies hold the same `key=value` pairs
/// (the compliance tests compare form bodies regardless of pair order).
pub fn form_equivalent(expected: &[u8], actual: &[u8]) -> bool {
    let pairs = |b: &[u8]| {
        let mut p: Vec<Vec<u8>> = b.split(|&c| c == b'&').filter(|p| !p.is_empty()).map(<[u8]>::to_vec).collect();
        p.sort();
        p
    };
    pairs(expected) == pairs(actual)
}

/// Whether two JSON texts are the same value (object key order ignored, numbers compared by
/// value).
pub fn json_equivalent(expected: &[u8], actual: &[u8]) -> Result<bool, String> {
    let parse = |b: &[u8], what: &str| -> Result<Document, String> {
        let mut r = JsonReader::new(b);
        let d = r.document().map_err(|e| format!("{what} body is not JSON: {e}"))?;
        r.finish().map_err(|e| format!("{what} body is not JSON: {e}"))?;
        Ok(d)
    };
    Ok(same_document(&parse(expected, "expected")?, &parse(actual, "actual")?))
}

fn same_document(a: &Document, b: &Document) -> bool {
    match (a, b) {
        (Document::Number(x), Document::Number(y)) => same_number(*x, *y),
        (Document::Array(x), Document::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_document(a, b)),
        (Document::Object(x), Document::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_document(v, w)))
        }
        _ => a == b,
    }
}

fn same_number(a: Number, b: Number) -> bool {
    match (a.to_i64(), b.to_i64()) {
        (Some(x), Some(y)) => x == y,
        _ => a.to_f64_lossy() == b.to_f64_lossy(),
    }
}

/// The partitions data a rule set's `endpointTests` were written against: the 2025-04-10
/// version of `partitions.json`, bundled in this crate (`data/`) so a generated crate's endpoint
/// tests run anywhere, with no reference folder beside it. The current data the client resolves
/// with is [`crate::endpoint::AWS_PARTITIONS`]; the two differ in regions added since.
pub fn test_partitions() -> Partitions {
    Partitions::from_json(TEST_PARTITIONS_JSON).expect("the bundled partitions-2025-04-10.json parses")
}

const TEST_PARTITIONS_JSON: &str = include_str!("../data/partitions-2025-04-10.json");

/// What an endpoint test case expects.
#[derive(Debug)]
pub enum ExpectedEndpoint<'a> {
    /// An endpoint with this URL, headers and properties (as JSON text).
    Endpoint { url: &'a str, headers: &'a [(&'a str, &'a [&'a str])], properties: &'a str },
    /// An error with exactly this message.
    Error(&'a str),
}

impl ExpectedEndpoint<'_> {
    /// Panics unless `result` matches.
    pub fn assert_matches(&self, result: &Result<Endpoint, ResolveError>) {
        match (self, result) {
            (ExpectedEndpoint::Endpoint { url, headers, properties }, Ok(e)) => {
                assert_eq!(e.url, *url, "endpoint url");
                let got: Vec<(&str, Vec<&str>)> = e.headers.iter().map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect())).collect();
                let want: Vec<(&str, Vec<&str>)> = headers.iter().map(|(k, v)| (*k, v.to_vec())).collect();
                assert_eq!(got, want, "endpoint headers");
                let mut json = String::new();
                crate::json::JsonValueWriter::new(&mut json).document(&properties_document(&e.properties));
                assert!(
                    json_equivalent(properties.as_bytes(), json.as_bytes()).unwrap_or(false),
                    "endpoint properties: got {json}, want {properties}"
                );
            }
            (ExpectedEndpoint::Error(want), Err(e)) => assert_eq!(e.to_string(), *want, "error message"),
            (want, got) => panic!("expected {want:?}, got {got:?}"),
        }
    }
}

fn properties_document(props: &[(String, Property)]) -> Document {
    Document::Object(props.iter().map(|(k, v)| (k.clone(), property_document(v))).collect())
}

fn property_document(p: &Property) -> Document {
    match p {
        Property::String(s) => Document::String(s.clone()),
        Property::Bool(b) => Document::Bool(*b),
        Property::Int(i) => Document::from(*i),
        Property::Array(items) => Document::Array(items.iter().map(property_document).collect()),
        Property::Object(entries) => properties_document(entries),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled copy is the reference data byte for byte (from `$SHARED_DIR`, default the
    /// `shared` folder beside the workspace).
    #[test]
    fn bundled_test_partitions_are_the_reference_file() {
        let shared = std::env::var_os("SHARED_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
        let path = shared.join("conformance/endpoints/partitions-2025-04-10.json");
        let reference = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("needs {} (set SHARED_DIR): {e}", path.display()));
        assert_eq!(TEST_PARTITIONS_JSON, reference);
        assert!(test_partitions().find("us-east-1").is_some());
    }

    #[test]
    fn json_comparison_ignores_order_and_number_form() {
        assert!(json_equivalent(br#"{"a":1,"b":[1.0,2]}"#, br#"{"b":[1,2.0],"a":1.0}"#).unwrap());
        assert!(!json_equivalent(br#"{"a":1}"#, br#"{"a":2}"#).unwrap());
        assert!(!json_equivalent(br#"{"a":1}"#, br#"{"a":1,"b":null}"#).unwrap());
        assert!(json_equivalent(b"{", b"{}").is_err());
    }

    #[test]
    fn form_comparison_ignores_pair_order_only() {
        assert!(form_equivalent(b"Action=A&Version=1&x=1&y=2", b"Action=A&y=2&Version=1&x=1"));
        assert!(!form_equivalent(b"Action=A&x=1", b"Action=A&x=2"));
        assert!(!form_equivalent(b"Action=A&x=1", b"Action=A&x=1&x=1"));
        assert!(!form_equivalent(b"x=%20", b"x=+"));
    }

    #[test]
    fn request_expectations() {
        let mut req = HttpRequest {
            method: "POST".into(),
            uri: crate::http::Uri::parse("https://example.com/path?a=1&b=x%20y").unwrap(),
            body: br#"{"k":"v"}"#.to_vec(),
            ..HttpRequest::default()
        };
        req.headers.append("X-A", "1");
        let mut e = ExpectedRequest {
            id: "case",
            method: "POST",
            uri: "/path",
            resolved_host: Some("example.com"),
            query_params: &["b=x%20y"],
            forbid_query_params: &["c"],
            require_query_params: &["a"],
            headers: &[("x-a", "1")],
            forbid_headers: &["x-b"],
            require_headers: &["X-A"],
            body: Some("{\"k\": \"v\"}"),
            body_media_type: Some("application/json"),
        };
        assert_eq!(e.check(&req), Ok(()));
        e.query_params = &["b=x y"];
        assert!(e.check(&req).is_err());
        e.query_params = &[];
        e.forbid_query_params = &["a"];
        assert!(e.check(&req).unwrap_err().contains("must not be sent"));
        e.forbid_query_params = &[];
        e.body = Some("{\"k\": \"w\"}");
        assert!(e.check(&req).unwrap_err().starts_with("body"));
    }
}
