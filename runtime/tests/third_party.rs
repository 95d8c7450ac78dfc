//! The built-in transport against a third-party HTTP/1.1 server: hyper 1.x's server on
//! 127.0.0.1 (behind tokio-rustls' server side for TLS), so that message framing, keep-alive
//! and connection closing are checked against an implementation that does not share this
//! crate's reading of RFC 9112. The byte-level edge cases stay in `transport.rs`, whose
//! scripted servers can misbehave in ways hyper never would.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, Version};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

use smithy_lite_runtime::http::{Headers, HttpClient, HttpRequest, HttpResponse, Uri};
use smithy_lite_runtime::transport::Transport;

mod common;

/// Longest a test server lives; it also stops accepting after [`MAX_CONNECTIONS`].
const SERVER_LIFETIME: Duration = Duration::from_secs(30);
const MAX_CONNECTIONS: usize = 32;
/// Longest a test waits for the server to close a connection before failing.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// A request as hyper parsed it.
#[derive(Debug)]
struct Seen {
    /// Index of the accepted connection it arrived on, from 0.
    connection: usize,
    method: Method,
    target: String,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect()
    }
}

/// A response body of scripted frames. Without a `length` hyper knows no length and sends
/// the body chunked; it then yields once before each frame so that frames leave in separate
/// writes rather than one buffer.
struct TestBody {
    frames: VecDeque<Frame<Bytes>>,
    length: Option<u64>,
    yielded: bool,
    /// Told when hyper is done with the body (it drops it), for `close_after_first_response`.
    on_drop: Option<Arc<Notify>>,
}

impl TestBody {
    /// A body of known length (sent with `content-length`).
    fn full(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        Self {
            length: Some(data.len() as u64),
            frames: VecDeque::from([Frame::data(data)]),
            yielded: false,
            on_drop: None,
        }
    }

    /// A body of unknown length (sent chunked) made of these frames.
    fn streamed(frames: impl IntoIterator<Item = Frame<Bytes>>) -> Self {
        Self {
            frames: frames.into_iter().collect(),
            length: None,
            yielded: false,
            on_drop: None,
        }
    }

    fn chunks<I: IntoIterator<Item = B>, B: Into<Bytes>>(chunks: I) -> Self {
        Self::streamed(chunks.into_iter().map(|c| Frame::data(c.into())))
    }
}

impl Body for TestBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.frames.is_empty() {
            return Poll::Ready(None);
        }
        if this.length.is_none() && !this.yielded {
            this.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        this.yielded = false;
        Poll::Ready(this.frames.pop_front().map(Ok))
    }

    fn is_end_stream(&self) -> bool {
        self.length == Some(0)
    }

    fn size_hint(&self) -> SizeHint {
        self.length.map_or_else(SizeHint::new, SizeHint::with_exact)
    }
}

impl Drop for TestBody {
    fn drop(&mut self) {
        if let Some(notify) = self.on_drop.take() {
            notify.notify_one();
        }
    }
}

/// How the server treats its connections.
#[derive(Clone, Default)]
struct Options {
    /// hyper's `header_read_timeout`: also how long a keep-alive connection may sit idle.
    header_read_timeout: Option<Duration>,
    /// Close each connection once its first response is written, without `connection: close`.
    close_after_first_response: bool,
    #[cfg(feature = "rustls")]
    tls: Option<Arc<rustls::ServerConfig>>,
}

type Handler = dyn Fn(&Seen) -> Response<TestBody> + Send + Sync;

#[derive(Default)]
struct State {
    accepted: AtomicUsize,
    closed: AtomicUsize,
    closed_changed: Notify,
    seen: Mutex<Vec<Seen>>,
}

/// hyper's HTTP/1.1 server on 127.0.0.1, answering every request with `handler` (after
/// reading its whole body). Its task, and with it every connection task, is aborted when the
/// server is dropped, after [`SERVER_LIFETIME`], or stops accepting after [`MAX_CONNECTIONS`].
struct Server {
    addr: SocketAddr,
    https: bool,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(
        options: Options,
        handler: impl Fn(&Seen) -> Response<TestBody> + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        #[cfg(feature = "rustls")]
        let https = options.tls.is_some();
        #[cfg(not(feature = "rustls"))]
        let https = false;
        let task = tokio::spawn(accept_loop(
            listener,
            options,
            Arc::new(handler),
            state.clone(),
        ));
        Server {
            addr,
            https,
            state,
            task,
        }
    }

    async fn plain(
        handler: impl Fn(&Seen) -> Response<TestBody> + Send + Sync + 'static,
    ) -> Server {
        Self::start(Options::default(), handler).await
    }

    fn url(&self, path: &str) -> String {
        if self.https {
            // The test certificate is for `localhost`.
            format!("https://localhost:{}{path}", self.addr.port())
        } else {
            format!("http://{}{path}", self.addr)
        }
    }

    fn accepted(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// Waits until the server has closed `n` connections (failing after [`CLOSE_WAIT`]).
    async fn closed(&self, n: usize) {
        let wait = async {
            loop {
                let changed = self.state.closed_changed.notified();
                if self.state.closed.load(Ordering::SeqCst) >= n {
                    return;
                }
                changed.await;
            }
        };
        tokio::time::timeout(CLOSE_WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("the server did not close {n} connection(s)"));
    }

    /// Stops the server; returns how many connections it accepted and the requests it saw.
    fn finish(self) -> (usize, Vec<Seen>) {
        self.task.abort();
        let seen = std::mem::take(&mut *self.state.seen.lock().unwrap());
        (self.accepted(), seen)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    options: Options,
    handler: Arc<Handler>,
    state: Arc<State>,
) {
    let serve = async {
        // Dropped (aborting every connection) when this future is.
        let mut connections = JoinSet::new();
        for index in 0..MAX_CONNECTIONS {
            let Ok((tcp, _)) = listener.accept().await else {
                break;
            };
            state.accepted.fetch_add(1, Ordering::SeqCst);
            connections.spawn(serve_connection(
                tcp,
                index,
                options.clone(),
                handler.clone(),
                state.clone(),
            ));
        }
        while connections.join_next().await.is_some() {}
    };
    let _ = tokio::time::timeout(SERVER_LIFETIME, serve).await;
}

async fn serve_connection(
    tcp: TcpStream,
    index: usize,
    options: Options,
    handler: Arc<Handler>,
    state: Arc<State>,
) {
    #[cfg(feature = "rustls")]
    if let Some(config) = options.tls.clone() {
        if let Ok(tls) = tokio_rustls::TlsAcceptor::from(config).accept(tcp).await {
            serve_http1(tls, index, &options, handler, state.clone()).await;
        }
        state.closed.fetch_add(1, Ordering::SeqCst);
        state.closed_changed.notify_waiters();
        return;
    }
    serve_http1(tcp, index, &options, handler, state.clone()).await;
    state.closed.fetch_add(1, Ordering::SeqCst);
    state.closed_changed.notify_waiters();
}

/// Serves HTTP/1.1 on `io` until the client or hyper closes the connection.
async fn serve_http1<I>(
    io: I,
    index: usize,
    options: &Options,
    handler: Arc<Handler>,
    state: Arc<State>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let first_response_done = Arc::new(Notify::new());
    let on_drop = options
        .close_after_first_response
        .then(|| first_response_done.clone());
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let (handler, state, on_drop) = (handler.clone(), state.clone(), on_drop.clone());
        async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            let seen = Seen {
                connection: index,
                method: parts.method,
                target: parts.uri.to_string(),
                version: parts.version,
                headers: parts.headers,
                body,
            };
            let mut response = handler(&seen);
            response.body_mut().on_drop = on_drop;
            state.seen.lock().unwrap().push(seen);
            Ok::<_, hyper::Error>(response)
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    let mut connection = pin!(builder.serve_connection(TokioIo::new(io), service));
    if options.close_after_first_response {
        tokio::select! {
            biased;
            _ = connection.as_mut() => return,
            () = first_response_done.notified() => {}
        }
        // The response head went out before its body was polled, so it promised keep-alive;
        // hyper now closes the connection as soon as it is idle.
        connection.as_mut().graceful_shutdown();
    }
    let _ = connection.await;
}

fn request(method: &'static str, url: &str, body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        uri: Uri::parse(url).unwrap(),
        headers: Headers::new(),
        body: body.to_vec(),
    }
}

async fn send(transport: &Transport, request: &HttpRequest) -> HttpResponse {
    match transport.send(request).await {
        Ok(response) => response,
        Err(e) => panic!("{} {:?}: {e}", request.method, request.uri),
    }
}

async fn get(transport: &Transport, url: &str) -> HttpResponse {
    send(transport, &request("GET", url, b"")).await
}

/// Answers every request with its own target as the body.
fn echo_target(seen: &Seen) -> Response<TestBody> {
    Response::new(TestBody::full(seen.target.clone()))
}

/// Bytes that are not one repeated pattern, so a misplaced chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[tokio::test]
async fn keep_alive_sequential_requests_share_one_connection() {
    let server = Server::plain(echo_target).await;
    let transport = Transport::new();
    for i in 0..5 {
        let path = format!("/item/{i}?n={i}");
        let response = get(&transport, &server.url(&path)).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body, path.as_bytes());
    }
    let (accepted, seen) = server.finish();
    assert_eq!(accepted, 1);
    assert_eq!(seen.len(), 5);
    assert!(seen
        .iter()
        .all(|s| s.connection == 0 && s.version == Version::HTTP_11));
}

#[tokio::test]
async fn request_headers_arrive_as_sent() {
    let server = Server::plain(|_| Response::new(TestBody::full("ok"))).await;
    let transport = Transport::new();
    let mut req = request("GET", &server.url("/a/b%20c?x=1&y=%2F&z"), b"");
    req.headers.append("x-amz-date", "20261203T093000Z");
    req.headers.append(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/chime/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0123abcd",
    );
    req.headers.append("x-multi", "first");
    req.headers.append("x-multi", "second, with comma");
    req.headers.append("accept", "application/json");
    req.headers.append("x-spaces", "a  b\tc");
    assert_eq!(send(&transport, &req).await.body, b"ok");

    let authority = server.addr.to_string();
    let (_, seen) = server.finish();
    let [got] = seen.as_slice() else {
        panic!("{seen:?}")
    };
    assert_eq!(got.method, Method::GET);
    assert_eq!(got.target, "/a/b%20c?x=1&y=%2F&z");
    assert_eq!(got.version, Version::HTTP_11);
    assert_eq!(got.header("host"), Some(authority.as_str()));
    assert_eq!(got.header("x-amz-date"), Some("20261203T093000Z"));
    assert_eq!(
        got.header("authorization"),
        Some(
            "AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/chime/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=0123abcd"
        )
    );
    assert_eq!(got.header_all("x-multi"), ["first", "second, with comma"]);
    assert_eq!(got.header("accept"), Some("application/json"));
    assert_eq!(got.header("x-spaces"), Some("a  b\tc"));
    // No body, no framing headers (RFC 9110 §8.6: a GET without content sends none).
    assert_eq!(got.header("content-length"), None);
    assert_eq!(got.header("transfer-encoding"), None);
    assert!(got.body.is_empty());
}

#[tokio::test]
async fn request_bodies_arrive_whole_and_are_echoed() {
    let server = Server::plain(|seen| {
        Response::builder()
            .header("x-method", seen.method.as_str())
            .body(TestBody::full(seen.body.clone()))
            .unwrap()
    })
    .await;
    let transport = Transport::new();

    let mut post = request("POST", &server.url("/items"), br#"{"Name":"x"}"#);
    post.headers
        .append("content-type", "application/x-amz-json-1.1");
    let response = send(&transport, &post).await;
    assert_eq!(response.body, br#"{"Name":"x"}"#);
    assert_eq!(response.headers.get("x-method"), Some("POST"));

    // Several hundred KiB, not a multiple of any buffer size.
    let large = pattern(512 * 1024 + 3);
    let response = send(&transport, &request("PUT", &server.url("/large"), &large)).await;
    assert!(
        response.body == large,
        "echoed body differs ({} bytes)",
        response.body.len()
    );

    let response = send(&transport, &request("POST", &server.url("/empty"), b"")).await;
    assert!(response.body.is_empty());

    let (accepted, seen) = server.finish();
    assert_eq!(accepted, 1, "request bodies must not break keep-alive");
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].header("content-length"), Some("12"));
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert_eq!(seen[1].method, Method::PUT);
    assert_eq!(seen[1].header("content-length"), Some("524291"));
    assert!(seen[1].body == large);
    assert_eq!(seen[2].header("content-length"), Some("0"));
    assert!(seen[2].body.is_empty());
}

/// The streamed bodies served by path in the chunked tests.
fn chunked_bodies(seen: &Seen) -> Response<TestBody> {
    let body = match seen.target.as_str() {
        // An empty data frame in the middle must not end the body (hyper skips it).
        "/frames" => TestBody::chunks(["hello", ",", "", " chunked", " world"]),
        "/empty" => TestBody::chunks(Vec::<Bytes>::new()),
        "/large" => {
            let data = Bytes::from(pattern(1024 * 1024));
            // Uneven frame sizes: tiny, larger than any read buffer, and the rest.
            let mut frames = Vec::new();
            let mut at = 0;
            for size in [1, 4095, 65_536, 300_001, 17].into_iter().cycle() {
                let end = (at + size).min(data.len());
                frames.push(data.slice(at..end));
                at = end;
                if at == data.len() {
                    break;
                }
            }
            TestBody::chunks(frames)
        }
        "/trailers" => {
            let mut trailers = HeaderMap::new();
            trailers.insert("x-checksum", HeaderValue::from_static("abc123"));
            let body = TestBody::streamed([
                Frame::data(Bytes::from_static(b"body ")),
                Frame::data(Bytes::from_static(b"then trailers")),
                Frame::trailers(trailers),
            ]);
            // hyper sends only the trailer fields that the `trailer` header announces.
            return Response::builder()
                .header("trailer", "x-checksum")
                .body(body)
                .unwrap();
        }
        other => TestBody::full(format!("plain {other}")),
    };
    Response::new(body)
}

#[tokio::test]
async fn chunked_response_bodies_are_decoded_and_the_connection_reused() {
    let server = Server::plain(chunked_bodies).await;
    let transport = Transport::new();

    let response = get(&transport, &server.url("/frames")).await;
    assert_eq!(response.headers.get("transfer-encoding"), Some("chunked"));
    assert_eq!(response.headers.get("content-length"), None);
    assert_eq!(response.body, b"hello, chunked world");

    let response = get(&transport, &server.url("/empty")).await;
    assert_eq!(response.headers.get("transfer-encoding"), Some("chunked"));
    assert!(response.body.is_empty());

    let response = get(&transport, &server.url("/large")).await;
    assert_eq!(response.headers.get("transfer-encoding"), Some("chunked"));
    assert!(
        response.body == pattern(1024 * 1024),
        "1 MiB chunked body differs ({} bytes)",
        response.body.len()
    );

    // The connection is positioned exactly after each body's last chunk.
    let response = get(&transport, &server.url("/after")).await;
    assert_eq!(response.body, b"plain /after");
    let response = get(&transport, &server.url("/frames")).await;
    assert_eq!(response.body, b"hello, chunked world");

    let (accepted, seen) = server.finish();
    assert_eq!((accepted, seen.len()), (1, 5));
}

#[tokio::test]
async fn chunked_response_with_a_trailer_section_is_decoded_and_the_connection_reused() {
    let server = Server::plain(chunked_bodies).await;
    let transport = Transport::new();
    // hyper sends trailers only to a client that says it accepts them.
    let mut req = request("GET", &server.url("/trailers"), b"");
    req.headers.append("te", "trailers");
    let response = send(&transport, &req).await;
    assert_eq!(response.headers.get("transfer-encoding"), Some("chunked"));
    assert_eq!(response.body, b"body then trailers");

    let response = get(&transport, &server.url("/after")).await;
    assert_eq!(response.body, b"plain /after");
    let (accepted, _) = server.finish();
    assert_eq!(accepted, 1);
}

#[tokio::test]
async fn connection_close_from_the_server_is_honoured() {
    let server = Server::plain(|seen| {
        let body = match seen.target.as_str() {
            "/close-chunked" => TestBody::chunks(["streamed ", "then closed"]),
            other => TestBody::full(format!("plain {other}")),
        };
        let mut response = Response::new(body);
        if seen.target.starts_with("/close") {
            response
                .headers_mut()
                .insert("connection", HeaderValue::from_static("close"));
        }
        response
    })
    .await;
    let transport = Transport::new();

    let response = get(&transport, &server.url("/close")).await;
    assert_eq!(response.body, b"plain /close");
    assert_eq!(response.headers.get("connection"), Some("close"));
    server.closed(1).await;
    assert_eq!(get(&transport, &server.url("/a")).await.body, b"plain /a");
    assert_eq!(
        server.accepted(),
        2,
        "a closed connection must not be reused"
    );
    assert_eq!(get(&transport, &server.url("/b")).await.body, b"plain /b");
    assert_eq!(server.accepted(), 2, "the new connection is kept alive");

    let response = get(&transport, &server.url("/close-chunked")).await;
    assert_eq!(response.body, b"streamed then closed");
    assert_eq!(get(&transport, &server.url("/c")).await.body, b"plain /c");

    let (accepted, seen) = server.finish();
    assert_eq!(accepted, 3);
    let connections: Vec<usize> = seen.iter().map(|s| s.connection).collect();
    assert_eq!(connections, [0, 1, 1, 1, 2]);
}

#[tokio::test]
async fn connection_close_requested_by_the_client_is_honoured() {
    let server = Server::plain(echo_target).await;
    let transport = Transport::new();

    let mut closing = request("GET", &server.url("/closing"), b"");
    closing.headers.append("connection", "close");
    let response = send(&transport, &closing).await;
    assert_eq!(response.body, b"/closing");
    // hyper answers a `connection: close` request in kind and then closes.
    assert_eq!(response.headers.get("connection"), Some("close"));

    assert_eq!(get(&transport, &server.url("/1")).await.body, b"/1");
    assert_eq!(get(&transport, &server.url("/2")).await.body, b"/2");
    let (accepted, seen) = server.finish();
    assert_eq!(accepted, 2);
    assert_eq!(seen[0].header("connection"), Some("close"));
    let connections: Vec<usize> = seen.iter().map(|s| s.connection).collect();
    assert_eq!(connections, [0, 1, 1]);
}

#[tokio::test]
async fn head_204_and_304_responses_have_no_body_and_keep_the_connection() {
    let server = Server::plain(|seen| {
        let (status, body) = match seen.target.as_str() {
            // hyper announces the length of the body a GET would get, and sends no body.
            "/head" => (200, TestBody::full("hello")),
            "/no-content" => (204, TestBody::full("")),
            "/not-modified" => (304, TestBody::full("")),
            _ => (200, TestBody::full("after")),
        };
        Response::builder()
            .status(status)
            .header("etag", "\"v1\"")
            .body(body)
            .unwrap()
    })
    .await;
    let transport = Transport::new();

    let response = send(&transport, &request("HEAD", &server.url("/head"), b"")).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers.get("content-length"), Some("5"));
    assert!(response.body.is_empty());

    let response = get(&transport, &server.url("/no-content")).await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());

    let mut conditional = request("GET", &server.url("/not-modified"), b"");
    conditional.headers.append("if-none-match", "\"v1\"");
    let response = send(&transport, &conditional).await;
    assert_eq!(response.status, 304);
    assert_eq!(response.headers.get("etag"), Some("\"v1\""));
    assert!(response.body.is_empty());

    // Nothing of the bodiless responses is left on the connection for the next one to read.
    let response = get(&transport, &server.url("/after")).await;
    assert_eq!(
        (response.status, response.body.as_slice()),
        (200, &b"after"[..])
    );
    let response = send(&transport, &request("HEAD", &server.url("/head"), b"")).await;
    assert!(response.body.is_empty());
    let (accepted, seen) = server.finish();
    assert_eq!((accepted, seen.len()), (1, 5));
}

#[tokio::test]
async fn idle_connection_closed_by_the_header_read_timeout_is_replaced() {
    let options = Options {
        // Long enough that a loaded machine still gets each request's head in before it.
        header_read_timeout: Some(Duration::from_secs(1)),
        ..Options::default()
    };
    let server = Server::start(options, echo_target).await;
    let transport = Transport::new();
    for round in 1..=2 {
        let path = format!("/round/{round}");
        assert_eq!(
            get(&transport, &server.url(&path)).await.body,
            path.as_bytes()
        );
        // hyper closes the idle pooled connection silently (no response, no `connection:
        // close`); the next request must still succeed.
        server.closed(round).await;
    }
    let (accepted, seen) = server.finish();
    assert_eq!(accepted, 2);
    let connections: Vec<usize> = seen.iter().map(|s| s.connection).collect();
    assert_eq!(connections, [0, 1]);
}

#[tokio::test]
async fn connection_dropped_after_one_response_is_replaced() {
    let options = Options {
        close_after_first_response: true,
        ..Options::default()
    };
    let server = Server::start(options, chunked_bodies).await;
    let transport = Transport::new();

    let response = get(&transport, &server.url("/a")).await;
    assert_eq!(response.body, b"plain /a");
    assert_eq!(
        response.headers.get("connection"),
        None,
        "keep-alive was promised"
    );
    server.closed(1).await;

    let post = request("POST", &server.url("/b"), b"not idempotent");
    assert_eq!(send(&transport, &post).await.body, b"plain /b");
    server.closed(2).await;

    let response = get(&transport, &server.url("/frames")).await;
    assert_eq!(response.body, b"hello, chunked world");

    let (accepted, seen) = server.finish();
    assert_eq!(accepted, 3);
    assert_eq!(seen[1].body, &b"not idempotent"[..]);
    let connections: Vec<usize> = seen.iter().map(|s| s.connection).collect();
    assert_eq!(connections, [0, 1, 2]);
}

#[cfg(feature = "rustls")]
mod tls {
    use super::*;

    use super::common::test_cert;

    async fn tls_server(
        options: Options,
        handler: impl Fn(&Seen) -> Response<TestBody> + Send + Sync + 'static,
    ) -> (Server, Transport) {
        let (der, config) = test_cert();
        let options = Options {
            tls: Some(config),
            ..options
        };
        let server = Server::start(options, handler).await;
        let transport = Transport::builder()
            .built_in_roots(false)
            .add_root_certificate_der(der.to_vec())
            .build()
            .unwrap();
        (server, transport)
    }

    #[tokio::test]
    async fn tls_keep_alive_reuses_one_connection_for_requests_with_bodies() {
        let (server, transport) = tls_server(Options::default(), |seen| {
            Response::new(TestBody::full(seen.body.clone()))
        })
        .await;
        let large = pattern(300 * 1024);
        for body in [&b"secret"[..], b"", &large, b"again"] {
            let response = send(&transport, &request("POST", &server.url("/tls"), body)).await;
            assert!(
                response.body == body,
                "echo of {} bytes differs",
                body.len()
            );
        }
        let authority = format!("localhost:{}", server.addr.port());
        let (accepted, seen) = server.finish();
        assert_eq!((accepted, seen.len()), (1, 4));
        assert_eq!(seen[0].header("host"), Some(authority.as_str()));
        assert_eq!(seen[2].header("content-length"), Some("307200"));
    }

    #[tokio::test]
    async fn tls_chunked_bodies_are_decoded_and_the_connection_reused() {
        let (server, transport) = tls_server(Options::default(), chunked_bodies).await;
        let response = get(&transport, &server.url("/large")).await;
        assert_eq!(response.headers.get("transfer-encoding"), Some("chunked"));
        assert!(
            response.body == pattern(1024 * 1024),
            "1 MiB chunked body over TLS differs ({} bytes)",
            response.body.len()
        );
        assert!(get(&transport, &server.url("/empty")).await.body.is_empty());
        let response = get(&transport, &server.url("/frames")).await;
        assert_eq!(response.body, b"hello, chunked world");
        let (accepted, seen) = server.finish();
        assert_eq!((accepted, seen.len()), (1, 3));
    }

    #[tokio::test]
    async fn tls_connection_dropped_after_one_response_is_replaced() {
        let options = Options {
            close_after_first_response: true,
            ..Options::default()
        };
        let (server, transport) = tls_server(options, chunked_bodies).await;
        for round in 1..=2 {
            let response = get(&transport, &server.url("/frames")).await;
            assert_eq!(response.body, b"hello, chunked world");
            server.closed(round).await;
        }
        let (accepted, _) = server.finish();
        assert_eq!(accepted, 2);
    }
}
