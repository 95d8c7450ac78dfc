//! Streamed bodies against a real HTTP/1.1 server on 127.0.0.1: response bodies read piece by
//! piece on a connection that returns to the pool only at their end (and is closed when
//! abandoned), per-read timeouts, uploads from files (`content-length`) and readers (chunked),
//! and the pipeline's refusal to resend a one-shot body.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use smithy_lite_runtime::byte_stream::ByteStream;
use smithy_lite_runtime::__private::client::{Handle, ServiceInfo};
use smithy_lite_runtime::config::{Config, TimeoutConfig};
use smithy_lite_runtime::error::{BuildError, DeserializeError, ErrorMetadata, SdkError};
use smithy_lite_runtime::http::{HttpClient, HttpRequest, HttpResponse, Uri};
use smithy_lite_runtime::__private::operation::{Operation, RequestParts};
use smithy_lite_runtime::retry::RetryConfig;
use smithy_lite_runtime::transport::{Transport, TransportError};

/// A request as the server received it, body decoded (content-length or chunked).
#[derive(Debug, Default, Clone)]
struct Received {
    head: String,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

struct Conn {
    tcp: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 64 * 1024];
        match self.tcp.read(&mut chunk) {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Some(())
            }
        }
    }

    fn line(&mut self) -> Option<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8(self.buf[..i].to_vec()).ok()?;
                self.buf.drain(..i + 2);
                return Some(line);
            }
            if self.buf.len() > 64 * 1024 {
                return None;
            }
            self.fill()?;
        }
    }

    fn exact(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            self.fill()?;
        }
        Some(self.buf.drain(..n).collect())
    }

    fn request(&mut self) -> Option<Received> {
        let mut head = String::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            head.push_str(&line);
            head.push('\n');
        }
        let mut received = Received { head, body: Vec::new() };
        if received.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let size = usize::from_str_radix(self.line()?.trim(), 16).ok()?;
                if size == 0 {
                    while !self.line()?.is_empty() {}
                    break;
                }
                let data = self.exact(size)?;
                received.body.extend_from_slice(&data);
                if !self.line()?.is_empty() {
                    return None;
                }
            }
        } else {
            let len: usize = received.header("content-length").map_or(Some(0), |v| v.parse().ok())?;
            received.body = self.exact(len)?;
        }
        Some(received)
    }

    fn send(&mut self, bytes: &[u8]) -> bool {
        self.tcp.write_all(bytes).and_then(|()| self.tcp.flush()).is_ok()
    }
}

/// A server on 127.0.0.1 accepting `connections` connections (or until 20 s have passed),
/// running `handler(index, conn)` for each on its own thread.
struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
    acceptor: JoinHandle<()>,
}

impl Server {
    fn start(connections: usize, handler: impl Fn(usize, &mut Conn, &Mutex<Vec<Received>>) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (accepted2, received2) = (accepted.clone(), received.clone());
        let handler = Arc::new(handler);
        let acceptor = thread::spawn(move || {
            let started = Instant::now();
            let mut threads = Vec::new();
            while accepted2.load(Ordering::SeqCst) < connections && started.elapsed() < Duration::from_secs(20) {
                let Ok((tcp, _)) = listener.accept() else {
                    thread::sleep(Duration::from_millis(2));
                    continue;
                };
                tcp.set_nonblocking(false).unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                tcp.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
                let index = accepted2.fetch_add(1, Ordering::SeqCst);
                let (handler, received) = (handler.clone(), received2.clone());
                threads.push(thread::spawn(move || handler(index, &mut Conn { tcp, buf: Vec::new() }, &received)));
            }
            for t in threads {
                t.join().unwrap();
            }
        });
        Server { addr, accepted, received, acceptor }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn finish(self) -> (usize, Vec<Received>) {
        self.acceptor.join().unwrap();
        let received = std::mem::take(&mut *self.received.lock().unwrap());
        (self.accepted.load(Ordering::SeqCst), received)
    }
}

fn get(url: &str) -> HttpRequest {
    HttpRequest { method: "GET".into(), uri: Uri::parse(url).unwrap(), ..Default::default() }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn a_streamed_body_arrives_in_pieces_and_frees_its_connection_only_at_its_end() {
    const LEN: usize = 3 << 20;
    let server = Server::start(1, |_, conn, log| {
        while let Some(r) = conn.request() {
            let body = if r.head.starts_with("GET /chunked") {
                let mut out = Vec::new();
                for piece in pattern(LEN).chunks(100_000) {
                    out.extend_from_slice(format!("{:x};ext=1\r\n", piece.len()).as_bytes());
                    out.extend_from_slice(piece);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\nx-trailer: 1\r\n\r\n");
                [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec(), out].concat()
            } else {
                [format!("HTTP/1.1 200 OK\r\ncontent-length: {LEN}\r\n\r\n").into_bytes(), pattern(LEN)].concat()
            };
            log.lock().unwrap().push(r);
            if !conn.send(&body) {
                return;
            }
        }
    });
    let transport = Transport::new();
    for path in ["/length", "/chunked", "/length"] {
        let response = transport.send_streaming(&get(&server.url(path)), None).await.unwrap();
        assert_eq!(response.status, 200);
        let mut body = response.body;
        if path == "/length" {
            assert_eq!(body.content_length(), Some(LEN as u64));
        }
        let (mut got, mut pieces) = (Vec::new(), 0);
        while let Some(chunk) = body.try_next().await.unwrap() {
            assert!(chunk.len() <= 256 * 1024, "{}", chunk.len());
            got.extend_from_slice(&chunk);
            pieces += 1;
        }
        assert_eq!(got.len(), LEN, "{path}");
        assert!(got == pattern(LEN), "{path}: the body arrives intact");
        assert!(pieces >= LEN / (256 * 1024), "{path}: {pieces} pieces");
        assert_eq!(body.try_next().await.unwrap(), None, "the end is sticky");
    }
    drop(transport);
    let (accepted, received) = server.finish();
    assert_eq!((accepted, received.len()), (1, 3), "read to the end, the connection carries the next request");
}

#[tokio::test]
async fn an_abandoned_body_closes_its_connection_and_cannot_confuse_the_next_response() {
    let server = Server::start(2, |index, conn, log| {
        let Some(r) = conn.request() else { return };
        log.lock().unwrap().push(r);
        if index == 0 {
            // Far more than the client reads, and something that looks like a second response.
            let mut body = vec![b'a'; 4 << 20];
            body.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfalse");
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
            conn.send(&[head.into_bytes(), body].concat());
        } else {
            conn.send(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ntrue");
            while conn.request().is_some() {}
        }
    });
    let transport = Transport::new();
    let mut first = transport.send_streaming(&get(&server.url("/big")), None).await.unwrap().body;
    let piece = first.try_next().await.unwrap().unwrap();
    assert!(piece.iter().all(|&b| b == b'a'));
    drop(first);
    let second = transport.send_streaming(&get(&server.url("/next")), None).await.unwrap();
    assert_eq!(second.body.collect().await.unwrap().to_vec(), b"true");
    drop(transport);
    let (accepted, _) = server.finish();
    assert_eq!(accepted, 2, "the abandoned body's connection was not reused");
}

#[tokio::test]
async fn every_read_of_a_body_is_bounded_by_the_read_timeout() {
    let server = Server::start(1, |_, conn, _| {
        if conn.request().is_some() {
            conn.send(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nfirst part");
            // Then nothing, for longer than the client waits.
            let mut rest = [0u8; 1];
            let _ = conn.tcp.read(&mut rest);
        }
    });
    let transport = Transport::builder().read_timeout(Some(Duration::from_millis(300))).build().unwrap();
    let mut body = transport.send_streaming(&get(&server.url("/")), None).await.unwrap().body;
    assert_eq!(&body.try_next().await.unwrap().unwrap()[..], b"first part");
    let started = Instant::now();
    let err = body.try_next().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(
        err.dispatch_error().and_then(|d| d.transport_error()),
        Some(&TransportError::BodyReadTimeout { after: Duration::from_millis(300) }),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    drop(body);
    drop(transport);
    server.finish();
}

#[tokio::test]
async fn uploads_stream_files_with_their_length_and_readers_chunked() {
    let dir = std::env::temp_dir().join(format!("streaming-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("upload.bin");
    let data = pattern(1_000_003);
    std::fs::write(&path, &data).unwrap();

    // The reader, a one-shot body, always gets a new connection.
    let server = Server::start(3, |_, conn, log| {
        while let Some(r) = conn.request() {
            let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{}", r.body.len().to_string().len(), r.body.len());
            log.lock().unwrap().push(r);
            conn.send(answer.as_bytes());
        }
    });
    let transport = Transport::new();
    let put = |len: Option<u64>| {
        let mut r = HttpRequest { method: "PUT".into(), uri: Uri::parse(&server.url("/up")).unwrap(), ..Default::default() };
        if let Some(len) = len {
            r.headers.insert("content-length", len.to_string());
        }
        r
    };
    let file = ByteStream::from_path(&path).await.unwrap();
    let response = transport.send_streaming(&put(Some(1_000_003)), Some(file)).await.unwrap();
    assert_eq!(response.body.collect().await.unwrap().to_vec(), b"1000003");
    let reader = ByteStream::from_reader(tokio::fs::File::open(&path).await.unwrap());
    let response = transport.send_streaming(&put(None), Some(reader)).await.unwrap();
    assert_eq!(response.body.collect().await.unwrap().to_vec(), b"1000003");
    // A reader shorter than it says fails the request instead of desynchronising the server.
    let short = ByteStream::from_reader_with_length(&b"12345"[..], 10);
    let err = transport.send_streaming(&put(Some(10)), Some(short)).await.unwrap_err();
    assert!(err.to_string().contains("5 of its 10"), "{err}");
    drop(transport);
    let (accepted, received) = server.finish();
    assert_eq!((accepted, received.len()), (3, 2), "the short reader's request never completed");
    assert_eq!(received[0].header("content-length"), Some("1000003"));
    assert_eq!(received[0].header("transfer-encoding"), None);
    assert_eq!(received[1].header("transfer-encoding"), Some("chunked"));
    assert_eq!(received[1].header("content-length"), None);
    for r in &received {
        assert!(r.body == data, "the whole file arrives");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A hand-written operation with a streaming payload in and out, as the generator writes them.
struct Upload;

#[derive(Debug, Default)]
struct UploadInput {
    body: Option<ByteStream>,
}

#[derive(Debug)]
struct UploadOutput {
    body: ByteStream,
}

static SERVICE: ServiceInfo = ServiceInfo {
    sdk_id: "Streaming",
    api_version: "1",
    signing_name: None,
    env_suffix: "STREAMING",
    crate_name: "streaming-test",
    crate_version: "0",
    rules: None,
    protocol: &smithy_lite_runtime::__private::protocol::RestJson1,
};

impl Operation for Upload {
    type Input = UploadInput;
    type Output = UploadOutput;
    type Error = smithy_lite_runtime::error::Unhandled;
    const NAME: &'static str = "Upload";
    const RETRYABLE_ERRORS: &'static [(&'static str, bool)] = &[];
    const STREAMING_INPUT: bool = true;
    const STREAMING_OUTPUT: bool = true;

    fn serialize(_: &UploadInput) -> Result<RequestParts, BuildError> {
        let mut parts = RequestParts::new("PUT");
        parts.push_path("/upload");
        parts.headers.insert("content-type", "application/octet-stream");
        Ok(parts)
    }

    fn take_streaming_body(input: &mut UploadInput) -> Option<ByteStream> {
        input.body.take()
    }

    fn deserialize(response: &HttpResponse) -> Result<UploadOutput, DeserializeError> {
        Ok(UploadOutput { body: ByteStream::new(response.body.clone()) })
    }

    fn deserialize_streaming(_: &HttpResponse, body: ByteStream) -> Result<UploadOutput, DeserializeError> {
        Ok(UploadOutput { body })
    }

    fn deserialize_error(_: &HttpResponse, meta: ErrorMetadata) -> Result<Self::Error, DeserializeError> {
        Ok(smithy_lite_runtime::error::Unhandled::new(meta))
    }
}

fn handle(url: &str) -> Handle {
    let config = Config::builder()
        .endpoint_url(url)
        .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1)))
        .timeout_config(TimeoutConfig::builder().read_timeout(Duration::from_secs(5)).build())
        .build();
    Handle::new(config, &SERVICE)
}

#[tokio::test]
async fn a_replayable_body_is_sent_again_and_a_one_shot_body_is_not() {
    // Every connection reads the request and closes without answering: a retryable failure.
    let server = Server::start(4, |_, conn, log| {
        if let Some(r) = conn.request() {
            log.lock().unwrap().push(r);
        }
    });
    let dir = std::env::temp_dir().join(format!("streaming-retry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("body.bin");
    std::fs::write(&path, b"file body").unwrap();
    let client = handle(&server.url(""));

    let input = UploadInput { body: Some(ByteStream::from_path(&path).await.unwrap()) };
    let err = client.invoke::<Upload>(input).await.unwrap_err();
    assert!(matches!(err, SdkError::DispatchFailure(_)), "{err:?}");

    let input = UploadInput { body: Some(ByteStream::from_reader(&b"reader body"[..])) };
    let err = client.invoke::<Upload>(input).await.unwrap_err();
    let SdkError::DispatchFailure(failure) = &err else { panic!("{err:?}") };
    let text = std::error::Error::source(failure).map(|s| s.to_string()).unwrap_or_default();
    assert!(text.contains("not retried") && text.contains("one-shot"), "{text}");
    drop(client);
    let (_, received) = server.finish();
    let bodies: Vec<&[u8]> = received.iter().map(|r| r.body.as_slice()).collect();
    assert_eq!(bodies, [&b"file body"[..], b"file body", b"file body", b"reader body"], "three attempts, then one");
    assert_eq!(received[0].header("x-amz-content-sha256"), None, "unsigned client: no payload header");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_streaming_output_is_handed_over_unread_and_errors_are_read_whole() {
    let server = Server::start(1, |_, conn, log| {
        let mut n = 0;
        while let Some(r) = conn.request() {
            log.lock().unwrap().push(r);
            n += 1;
            let answer: &[u8] = if n == 1 {
                b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world"
            } else {
                b"HTTP/1.1 400 Bad Request\r\nx-amzn-errortype: Nope\r\ncontent-length: 17\r\n\r\n{\"message\":\"no\"}\n"
            };
            conn.send(answer);
        }
    });
    let client = handle(&server.url(""));
    let out = client.invoke::<Upload>(UploadInput { body: Some(ByteStream::from_static(b"in memory")) }).await.unwrap();
    assert_eq!(out.body.content_length(), Some(11));
    assert_eq!(out.body.collect().await.unwrap().into_bytes(), &b"hello world"[..]);
    let err = client.invoke::<Upload>(UploadInput::default()).await.unwrap_err();
    let service = err.as_service_error().expect("a service error");
    assert_eq!(service.meta().code(), Some("Nope"));
    drop(client);
    let (accepted, received) = server.finish();
    assert_eq!(accepted, 1);
    assert_eq!(received[0].body, b"in memory");
    assert_eq!(received[0].header("content-length"), Some("9"));
}

/// An HTTP client that does not stream: it keeps the requests it is given and answers `ok`.
#[derive(Debug, Default)]
struct Buffered {
    requests: Mutex<Vec<HttpRequest>>,
}

impl HttpClient for Buffered {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> smithy_lite_runtime::http::SendFuture<'a> {
        self.requests.lock().unwrap().push(request.clone());
        Box::pin(async { Ok(HttpResponse { status: 200, headers: Default::default(), body: b"ok".to_vec() }) })
    }
}

#[tokio::test]
async fn clients_that_do_not_stream_get_the_body_read_into_memory() {
    let http = Arc::new(Buffered::default());
    let config = Config::builder().endpoint_url("http://127.0.0.1:9").http_client(http.clone()).build();
    let client = Handle::new(config, &SERVICE);
    let out = client.invoke::<Upload>(UploadInput { body: Some(ByteStream::from_reader(&b"read whole"[..])) }).await.unwrap();
    assert_eq!(out.body.collect().await.unwrap().to_vec(), b"ok");
    let requests = http.requests.lock().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body, b"read whole");
    assert_eq!(requests[0].headers.get("content-length"), Some("10"), "the length, once known, is declared");
    assert_eq!(requests[0].headers.get("transfer-encoding"), None);
}
