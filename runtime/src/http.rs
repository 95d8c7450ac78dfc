//! The HTTP request and response values that flow between generated serializers, the signer,
//! the transport and generated deserializers, and the trait a user implements to bring their
//! own HTTP client.
//!
//! These are deliberately plain: owned strings and bytes, headers kept in insertion order with
//! case-insensitive lookup. No dependency on the `http` crate keeps the build small.

#[cfg(feature = "http-1x")]
mod http_1x;
#[cfg(feature = "http-1x")]
pub use http_1x::ConversionError;
mod streaming;
pub use streaming::{send_buffered, StreamingResponse, StreamingSendFuture};

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A header name as written by generated code (`&'static str`) or received on the wire.
pub type HeaderName = Cow<'static, str>;

/// HTTP headers in insertion order. Lookups ignore ASCII case, as HTTP requires.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(HeaderName, String)>,
}

impl Headers {
    /// An empty header list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty header list with room for `capacity` headers.
    pub fn with_capacity(capacity: usize) -> Self {
        Self { entries: Vec::with_capacity(capacity) }
    }

    /// Appends a header, keeping any earlier value of the same name.
    pub fn append(&mut self, name: impl Into<HeaderName>, value: impl Into<String>) {
        self.entries.push((name.into(), value.into()));
    }

    /// Sets a header, replacing every earlier value of the same name.
    pub fn insert(&mut self, name: impl Into<HeaderName>, value: impl Into<String>) {
        let name = name.into();
        self.remove(&name);
        self.entries.push((name, value.into()));
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.entries.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether any value of `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// All headers in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// Number of header lines.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Headers {
    // Header values can carry credentials (`authorization`, `x-amz-security-token`); Debug shows
    // them redacted so that logging a request never leaks a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.entries {
            if is_secret_header(name) {
                map.entry(name, &"** redacted **");
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

fn is_secret_header(name: &str) -> bool {
    ["authorization", "x-amz-security-token", "proxy-authorization", "cookie", "set-cookie"]
        .iter()
        .any(|s| name.eq_ignore_ascii_case(s))
}

/// The parts of a request URI. `path` and `query` are already percent-encoded. `Debug` and
/// `Display` redact userinfo (`user:password@`), which may carry a password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Uri {
    /// `https` or `http`.
    pub scheme: String,
    /// `host` or `host:port`.
    pub authority: String,
    /// Encoded path, starting with `/`.
    pub path: String,
    /// Encoded query string without the leading `?`; empty when there is none.
    pub query: String,
}

impl Uri {
    /// Parses an absolute `scheme://authority/path?query` URL. Returns `None` when the input is
    /// not of that form.
    pub fn parse(url: &str) -> Option<Uri> {
        let (scheme, rest) = url.split_once("://")?;
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
            return None;
        }
        let (before_fragment, _) = rest.split_once('#').unwrap_or((rest, ""));
        let (before_query, query) = before_fragment.split_once('?').unwrap_or((before_fragment, ""));
        let (authority, path) = match before_query.find('/') {
            Some(i) => (&before_query[..i], &before_query[i..]),
            None => (before_query, ""),
        };
        if authority.is_empty() || !port_is_valid(authority) {
            return None;
        }
        Some(Uri {
            scheme: scheme.to_ascii_lowercase(),
            authority: authority.to_string(),
            path: if path.is_empty() { "/".to_string() } else { path.to_string() },
            query: query.to_string(),
        })
    }

    /// The host without any port or IPv6 brackets' port suffix.
    pub fn host(&self) -> &str {
        host_and_port(&self.authority).0
    }

    /// The explicit port, or the scheme's default (443 for https, 80 otherwise).
    pub fn port(&self) -> u16 {
        host_and_port(&self.authority)
            .1
            .unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }

    /// `path?query`, or just `path` when the query is empty.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

impl fmt::Display for Uri {
    /// The URI with any userinfo (`user:password@`) redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let authority = match self.authority.rsplit_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => self.authority.clone(),
        };
        write!(f, "{}://{}{}", self.scheme, authority, self.path)?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.query)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Uri")
            .field("scheme", &self.scheme)
            .field("authority", &redact_userinfo(&self.authority))
            .field("path", &self.path)
            .field("query", &self.query)
            .finish()
    }
}

/// `url` (or a bare authority) with its userinfo, which may hold a password
/// (`http://user:pass@host/`), replaced by `***`: for every place a URL can be printed.
pub fn redact_userinfo(url: &str) -> Cow<'_, str> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => Cow::Owned(format!("{}***{}", &url[..start], &url[start + at..])),
        None => Cow::Borrowed(url),
    }
}

/// Whether the authority's port, if any, is a number that fits in 16 bits.
fn port_is_valid(authority: &str) -> bool {
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let after_host = match authority.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map(|(_, after)| after).unwrap_or(""),
        None => authority.rsplit_once(':').map_or("", |(_, p)| &authority[authority.len() - p.len() - 1..]),
    };
    match after_host.strip_prefix(':') {
        None => after_host.is_empty(),
        Some(port) => port.parse::<u16>().is_ok(),
    }
}

fn host_and_port(authority: &str) -> (&str, Option<u16>) {
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if let Some(rest) = authority.strip_prefix('[') {
        // IPv6 literal: `[::1]:8080`
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host, port);
        }
        return (authority, None);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, port.parse().ok())
        }
        _ => (authority, None),
    }
}

/// An HTTP request ready to be signed and sent.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: Cow<'static, str>,
    /// Where the request goes.
    pub uri: Uri,
    /// Request headers; the transport adds `host` and `content-length` when absent.
    pub headers: Headers,
    /// The request body (empty for none).
    pub body: Vec<u8>,
}

/// Accessors with the AWS SDK for Rust's names (`aws_smithy_runtime_api::http::Request`), for
/// code written against it (`customize().mutate_request(|req| ...)`).
impl HttpRequest {
    /// The method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// An HTTP response as received, body fully read.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: Headers,
    /// The response body.
    pub body: Vec<u8>,
}

/// An HTTP status code, as `HttpResponse::status()` returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusCode(u16);

impl StatusCode {
    /// The number.
    pub fn as_u16(&self) -> u16 {
        self.0
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.0)
    }

    /// 1xx.
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.0)
    }

    /// 3xx.
    pub fn is_redirection(&self) -> bool {
        (300..400).contains(&self.0)
    }

    /// 4xx.
    pub fn is_client_error(&self) -> bool {
        (400..500).contains(&self.0)
    }

    /// 5xx.
    pub fn is_server_error(&self) -> bool {
        (500..600).contains(&self.0)
    }
}

impl From<u16> for StatusCode {
    fn from(code: u16) -> Self {
        StatusCode(code)
    }
}

impl From<StatusCode> for u16 {
    fn from(code: StatusCode) -> Self {
        code.0
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl HttpResponse {
    /// The status, as the AWS SDK for Rust's response type offers it (the `status` field holds
    /// the same number).
    pub fn status(&self) -> StatusCode {
        StatusCode(self.status)
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

// Bodies carry members the model marks `@sensitive` (device tokens, user names), which the
// generated types redact in their own Debug; the raw bodies show their size only, so that
// logging a request, a response or an error that keeps one (`SdkError::ResponseError`) cannot
// leak them. The bytes stay available in `body` for deliberate inspection.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// Why a request could not be exchanged with the server.
#[derive(Debug)]
pub struct DispatchError {
    kind: DispatchErrorKind,
    source: Box<dyn std::error::Error + Send + Sync>,
}

/// The class of a [`DispatchError`], which decides whether it may be retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DispatchErrorKind {
    /// Connecting failed (DNS, refused, TLS handshake).
    Connect,
    /// The connection broke while sending or receiving (reset, truncated body).
    Io,
    /// A connect or read deadline passed.
    Timeout,
    /// The user's HTTP client or the request itself is at fault; not retried.
    Other,
}

impl DispatchError {
    /// A dispatch failure of `kind` caused by `source`.
    pub fn new(kind: DispatchErrorKind, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { kind, source: source.into() }
    }

    /// The class of failure.
    pub fn kind(&self) -> DispatchErrorKind {
        self.kind
    }

    /// Whether a deadline passed (connect, read timeout, stalled stream).
    pub fn is_timeout(&self) -> bool {
        self.kind == DispatchErrorKind::Timeout
    }

    /// Whether the connection broke or could not be established.
    pub fn is_io(&self) -> bool {
        matches!(self.kind, DispatchErrorKind::Io | DispatchErrorKind::Connect)
    }

    /// Whether the request itself, the user's HTTP client or a limit is at fault.
    pub fn is_other(&self) -> bool {
        self.kind == DispatchErrorKind::Other
    }

    /// The built-in transport's typed cause (a timeout, a stall, a body over the limit), when
    /// that is what failed.
    pub fn transport_error(&self) -> Option<&crate::transport::TransportError> {
        self.source.downcast_ref()
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DispatchErrorKind::Connect => "connect failed",
            DispatchErrorKind::Io => "connection error",
            DispatchErrorKind::Timeout => "timed out",
            DispatchErrorKind::Other => "request failed",
        };
        write!(f, "{what}: {}", self.source)
    }
}

impl std::error::Error for DispatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// A boxed future returned by [`HttpClient::send`].
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpResponse, DispatchError>> + Send + 'a>>;

/// Sends one HTTP request and reads the whole response. Implement it to bring your own HTTP
/// stack; the built-in one is [`crate::transport::Transport`].
///
/// The request is borrowed: the client signs one request in place and resends it on a retry,
/// so no attempt has to copy it. An implementation that needs to keep it clones it.
pub trait HttpClient: Send + Sync + fmt::Debug {
    /// Sends `request` and returns the response with its body read.
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a>;

    /// Sends `request` with `body` (when given; then `request.body` is empty) and returns the
    /// response as soon as its head has arrived, its body to be read as a stream: the
    /// exchanges of operations with a `@streaming` payload. The default reads both bodies into
    /// memory ([`send_buffered`]); the built-in transport streams them.
    fn send_streaming<'a>(&'a self, request: &'a HttpRequest, body: Option<crate::byte_stream::ByteStream>) -> StreamingSendFuture<'a> {
        send_buffered(self, request, body)
    }
}

/// A shared client is a client, so one transport (and its connection pool) can serve several
/// service clients: `Config::builder().http_client(shared.clone())`.
impl<T: HttpClient + ?Sized> HttpClient for std::sync::Arc<T> {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a> {
        (**self).send(request)
    }

    fn send_streaming<'a>(&'a self, request: &'a HttpRequest, body: Option<crate::byte_stream::ByteStream>) -> StreamingSendFuture<'a> {
        (**self).send_streaming(request, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_ignores_case_and_insert_replaces() {
        let mut h = Headers::new();
        h.append("X-A", "1");
        h.append("x-a", "2");
        assert_eq!(h.get("x-A"), Some("1"));
        assert_eq!(h.get_all("X-A").collect::<Vec<_>>(), ["1", "2"]);
        h.insert("X-a", "3");
        assert_eq!(h.get_all("x-a").collect::<Vec<_>>(), ["3"]);
        h.remove("X-A");
        assert!(h.is_empty());
    }

    #[test]
    fn debug_redacts_secret_headers() {
        let mut h = Headers::new();
        h.append("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/secret");
        h.append("X-Amz-Security-Token", "token-value");
        h.append("x-other", "visible");
        let s = format!("{h:?}");
        assert!(!s.contains("AKID") && !s.contains("token-value"), "{s}");
        assert!(s.contains("visible"));
    }

    #[test]
    fn debug_shows_body_sizes_not_bodies() {
        let body = br#"{"DeviceToken":"secret-token"}"#.to_vec();
        let request = HttpRequest { method: "POST".into(), body: body.clone(), ..Default::default() };
        let response = HttpResponse { status: 200, body, ..Default::default() };
        for s in [format!("{request:?}"), format!("{response:#?}")] {
            assert!(s.contains("<30 bytes>"), "{s}");
            assert!(!s.contains("secret-token") && !s.contains("115, 101, 99"), "{s}");
        }
    }

    #[test]
    fn userinfo_is_redacted_wherever_a_uri_is_printed() {
        for (url, shown) in [
            ("http://user:pa55@host:8080/p?q=1", "http://***@host:8080/p?q=1"),
            ("https://a@b@host/", "https://***@host/"),
            ("https://host/path@not-userinfo", "https://host/path@not-userinfo"),
            ("user:pa55@host", "***@host"),
        ] {
            assert_eq!(redact_userinfo(url), shown);
        }
        let uri = Uri::parse("http://user:pa55@host:8080/p").unwrap();
        for printed in [format!("{uri}"), format!("{uri:?}"), format!("{uri:#?}")] {
            assert!(!printed.contains("pa55") && !printed.contains("user"), "{printed}");
            assert!(printed.contains("host"), "{printed}");
        }
        assert_eq!(uri.host(), "host", "the host is still reachable");
    }

    #[test]
    fn uri_parse_table() {
        let cases = [
            ("https://example.com", Some(("https", "example.com", "/", "", "example.com", 443))),
            ("http://127.0.0.1:8080/a/b?x=1", Some(("http", "127.0.0.1:8080", "/a/b", "x=1", "127.0.0.1", 8080))),
            ("https://[::1]:9000/p", Some(("https", "[::1]:9000", "/p", "", "::1", 9000))),
            ("HTTPS://Host/#frag", Some(("https", "Host", "/", "", "Host", 443))),
            ("no-scheme.com/x", None),
            ("http://host:99999/", None),
            ("http://host:80x/", None),
            ("http://[::1]:70000/", None),
            ("https:///path", None),
        ];
        for (input, want) in cases {
            let got = Uri::parse(input);
            match (got, want) {
                (None, None) => {}
                (Some(u), Some((s, a, p, q, h, port))) => {
                    assert_eq!((u.scheme.as_str(), u.authority.as_str(), u.path.as_str(), u.query.as_str()), (s, a, p, q), "{input}");
                    assert_eq!((u.host(), u.port()), (h, port), "{input}");
                }
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
    }
}
