//! A scripted HTTP/1.1 server on 127.0.0.1 for the wire tests.
//!
//! It records every request exactly as it arrived (method, raw request-target, headers in
//! order, body) and answers it with the next [`Reply`] of the test's script, serving any number
//! of requests per keep-alive connection. Replies can also misbehave on purpose: close or reset
//! the connection, send a truncated body, or never answer.
//!
//! Nothing here can hang a test: every wait is bounded by [`IDLE_LIMIT`], the accept and request
//! loops have fixed caps, and the server's tasks end when the [`Server`] is dropped (or, at the
//! latest, when the test's runtime shuts down).

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::timeout;

/// Longest the server waits for anything: a connection, the next bytes of a request, a client
/// hanging up on a stalled request, or a test waiting for requests.
pub const IDLE_LIMIT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: usize = 64;
const MAX_REQUESTS_PER_CONNECTION: usize = 128;
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 1 << 20;

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The method, as sent.
    pub method: String,
    /// The request-target exactly as sent: path and query, still percent-encoded.
    pub target: String,
    /// Header lines in the order sent, names as sent, values without surrounding whitespace.
    pub headers: Vec<(String, String)>,
    /// The body (read by `content-length`).
    pub body: Vec<u8>,
    /// Which connection (0, 1, ...) it arrived on, in accept order.
    pub connection: usize,
}

impl Request {
    /// The path part of the target.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The query part of the target, without `?` (empty when there is none).
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, query)| query)
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of header `name`, which must appear at most once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let values = self.header_values(name);
        assert!(
            values.len() <= 1,
            "header {name} sent {} times: {values:?}",
            values.len()
        );
        values.first().copied()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "request body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// A response the server sends.
#[derive(Clone, Debug)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    close: bool,
}

impl Response {
    /// A response with `status`, no headers and no body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            close: false,
        }
    }

    /// A JSON response.
    pub fn json(status: u16, body: &str) -> Self {
        Response::new(status)
            .header("content-type", "application/json")
            .body(body)
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Closes the connection after sending the response, without saying so in a header (as a
    /// server does that drops an idle keep-alive connection).
    pub fn then_close(mut self) -> Self {
        self.close = true;
        self
    }

    fn closes(&self) -> bool {
        self.close
            || self.headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close")
            })
    }

    fn encode(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        // RFC 9110 §8.6: no Content-Length in a 204 (or 1xx) response, and RFC 9112 §6.2: none
        // next to Transfer-Encoding.
        let framed = self.headers.iter().any(|(n, _)| {
            n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding")
        });
        if self.status != 204 && !framed {
            head.push_str(&format!("content-length: {}\r\n", self.body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Scripted",
    }
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer, keeping the connection open for more requests.
    Respond(Response),
    /// Close the connection without answering (FIN).
    Close,
    /// Reset the connection without answering (RST, via a zero linger time).
    Reset,
    /// Write these bytes, then close the connection: for truncated or malformed responses.
    Raw(Vec<u8>),
    /// Never answer; wait until the client hangs up (or [`IDLE_LIMIT`] passes).
    Stall,
    /// Write these bytes (the start of a response), then stall like [`Reply::Stall`].
    StallAfter(Vec<u8>),
}

impl Reply {
    /// A JSON response.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Respond(Response::json(status, body))
    }
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Reply::Respond(response)
    }
}

struct Shared {
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Request>>,
    waiters: Mutex<Vec<Waker>>,
    connections: AtomicUsize,
}

impl Shared {
    /// Records `request`, wakes tests waiting for it, and takes the reply for it. A request
    /// beyond the script gets a non-retryable error the test will notice.
    fn record(&self, request: Request) -> Reply {
        lock(&self.requests).push(request);
        for waker in lock(&self.waiters).drain(..) {
            waker.wake();
        }
        lock(&self.script).pop_front().unwrap_or_else(|| {
            Response::json(
                400,
                r#"{"Message":"the test server has no reply scripted for this request"}"#,
            )
            .header("x-amzn-errortype", "UnscriptedRequest")
            .into()
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running test server. Dropping it stops it and closes its connections.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts a server on 127.0.0.1 that answers requests with `script`, in order.
    pub async fn start(script: impl IntoIterator<Item = Reply>) -> Server {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into_iter().collect()),
            requests: Mutex::default(),
            waiters: Mutex::default(),
            connections: AtomicUsize::new(0),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Server { addr, shared, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:<port>`, the expected `host` header.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many scripted replies were not used.
    pub fn unused_replies(&self) -> usize {
        lock(&self.shared.script).len()
    }

    /// Waits until at least `n` requests have arrived and returns them all; panics after
    /// [`IDLE_LIMIT`].
    pub async fn wait_for_requests(&self, n: usize) -> Vec<Request> {
        let arrived = poll_fn(|cx| {
            // The waker is registered while the request list is locked, so a request recorded
            // after the check always finds it.
            let requests = lock(&self.shared.requests);
            if requests.len() >= n {
                return Poll::Ready(requests.clone());
            }
            lock(&self.shared.waiters).push(cx.waker().clone());
            Poll::Pending
        });
        match timeout(IDLE_LIMIT, arrived).await {
            Ok(requests) => requests,
            Err(_) => panic!(
                "waited for {n} requests, the server received {}",
                self.requests().len()
            ),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    for id in 0..MAX_CONNECTIONS {
        let Ok(Ok((stream, _))) = timeout(IDLE_LIMIT, listener.accept()).await else {
            break;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        connections.spawn(serve(stream, id, Arc::clone(&shared)));
    }
    while connections.join_next().await.is_some() {}
}

async fn serve(stream: TcpStream, id: usize, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        let request = match read_request(&stream, &mut buffer, id).await {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(why) => {
                let _ = write_all(
                    &stream,
                    &Response::json(400, &format!("{{\"Message\":{why:?}}}")).encode(),
                )
                .await;
                return;
            }
        };
        let close = request
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"));
        match shared.record(request) {
            Reply::Respond(response) => {
                if write_all(&stream, &response.encode()).await.is_err()
                    || close
                    || response.closes()
                {
                    return;
                }
            }
            Reply::Close => return,
            Reply::Reset => {
                let _ = stream.set_zero_linger();
                return;
            }
            Reply::Raw(bytes) => {
                let _ = write_all(&stream, &bytes).await;
                return;
            }
            Reply::Stall => {
                wait_for_hangup(&stream).await;
                return;
            }
            Reply::StallAfter(bytes) => {
                if write_all(&stream, &bytes).await.is_ok() {
                    wait_for_hangup(&stream).await;
                }
                return;
            }
        }
    }
}

/// Reads one request from `stream`, keeping bytes past its end in `buffer` for the next one.
/// `Ok(None)` when the client closed (or went idle) between requests.
async fn read_request(
    stream: &TcpStream,
    buffer: &mut Vec<u8>,
    connection: usize,
) -> Result<Option<Request>, String> {
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err("request head too large".into());
        }
        match read_more(stream, buffer).await {
            Ok(0) | Err(_) if buffer.is_empty() => return Ok(None),
            Ok(0) => return Err("connection closed inside a request head".into()),
            Ok(_) => {}
            Err(e) => return Err(e),
        }
    };
    let head = String::from_utf8(buffer[..head_end].to_vec())
        .map_err(|_| "request head is not UTF-8".to_string())?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some("HTTP/1.1"), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("malformed request line {request_line:?}"));
    };
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("malformed header line {line:?}"))?;
        headers.push((name.to_string(), value.trim().to_string()));
    }
    if headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
    {
        return Err("the test server reads content-length bodies only".into());
    }
    let lengths: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str())
        .collect();
    let length = match lengths.as_slice() {
        [] => 0,
        [one] => one
            .parse::<usize>()
            .map_err(|_| format!("bad content-length {one:?}"))?,
        _ => return Err("more than one content-length".into()),
    };
    if length > MAX_BODY_BYTES {
        return Err("request body too large".into());
    }
    let body_start = head_end + 4;
    let end = body_start + length;
    while buffer.len() < end {
        if read_more(stream, buffer).await? == 0 {
            return Err("connection closed inside a request body".into());
        }
    }
    let request = Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: buffer[body_start..end].to_vec(),
        connection,
    };
    buffer.drain(..end);
    Ok(Some(request))
}

/// Appends what the client sends next; `Ok(0)` at end of stream.
async fn read_more(stream: &TcpStream, buffer: &mut Vec<u8>) -> Result<usize, String> {
    let mut chunk = [0u8; 16 * 1024];
    let n = timeout(IDLE_LIMIT, read_some(stream, &mut chunk))
        .await
        .map_err(|_| "timed out waiting for the client".to_string())?
        .map_err(|e| e.to_string())?;
    buffer.extend_from_slice(&chunk[..n]);
    Ok(n)
}

async fn read_some(stream: &TcpStream, chunk: &mut [u8]) -> io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(chunk) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            result => return result,
        }
    }
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let sent = timeout(IDLE_LIMIT, async {
            loop {
                stream.writable().await?;
                match stream.try_write(bytes) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    result => return result,
                }
            }
        })
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
        if sent == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[sent..];
    }
    Ok(())
}

/// Waits until the client closes the connection (or [`IDLE_LIMIT`] passes), discarding anything
/// it sends.
async fn wait_for_hangup(stream: &TcpStream) {
    let mut sink = [0u8; 4096];
    let _ = timeout(IDLE_LIMIT, async {
        while matches!(read_some(stream, &mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}
