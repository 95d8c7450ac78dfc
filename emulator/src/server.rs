//! A small HTTP/1.1 server (RFC 9112) for the emulator: one task per connection, keep-alive,
//! `Content-Length` bodies, `Expect: 100-continue`. It is written here rather than taken from
//! hyper for the same reason as the client's transport: few dependencies, short builds.
//!
//! Requests under `/_emulator/` go to the control endpoints (fault injection, `crate::faults`,
//! and the clock, `crate::clock`), for loopback peers only: it is a test hook without authentication, so it must not be
//! reachable from another machine even when the caller hands `serve` a public listener.
//!
//! Every loop is bounded: heads and bodies have size limits, a request head must arrive whole
//! within [`Config::head_timeout`](crate::Config::head_timeout) (one deadline for the head,
//! not one per read, so dripping bytes does not extend it), idle connections time out, and
//! shutdown closes idle connections and waits a bounded time for busy ones.
//!
//! Connections that wait for a request (idle keep-alive ones, and clients that connect and
//! send nothing or a byte at a time) must not lock everyone else out. When a new connection
//! would exceed [`Config::max_connections`](crate::Config::max_connections), or `accept`
//! fails for want of file descriptors, the connection that has waited longest for its next
//! request head is closed to make room, as nginx reuses its idle keep-alive connections
//! when it runs out. A connection is never closed while its request is being answered.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use client_runtime::http::{Headers, HttpRequest, HttpResponse, Uri};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::Emulator;

/// The largest request head accepted, in bytes: the request line, the header lines and the
/// blank line that ends them.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body accepted (Chime SDK Identity requests are a few KB).
const MAX_BODY: usize = 1024 * 1024;
/// How long a keep-alive connection may sit idle between requests, and a body take to arrive.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long shutdown waits for requests in progress.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// After a refusal, how long and how much of what the client still sends is read and
/// discarded before closing (see `refuse`).
const LINGER_TIMEOUT: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = MAX_HEAD + MAX_BODY;

/// The open connections, and which of them wait for a request head (longest-waiting first),
/// so that room can be made for a new connection by closing one.
///
/// A connection is registered when it is accepted, before its task first runs, and counts
/// as waiting from then on; so a burst of connections is counted and can make room at once.
/// A connection told to close no longer counts: it is on its way out.
#[derive(Default)]
struct Registry {
    inner: Mutex<RegistryInner>,
}

#[derive(Default)]
struct RegistryInner {
    next_id: u64,
    /// Open connections not told to close, by id.
    live: BTreeMap<u64, Live>,
    /// (waiting since, id) of the live connections waiting for a request head.
    waiting: BTreeSet<(Instant, u64)>,
}

struct Live {
    since: Option<Instant>,
    evict: Arc<Notify>,
}

/// Whether a new connection may be served.
enum Admission {
    Admitted(Slot),
    /// Every connection is answering a request.
    Full,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, RegistryInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new connection, closing the longest-waiting one if it would be one too
    /// many.
    fn admit(self: &Arc<Self>, max: usize) -> Admission {
        let mut inner = self.lock();
        if inner.live.len() >= max && !inner.evict_oldest() {
            return Admission::Full;
        }
        inner.next_id = inner.next_id.wrapping_add(1);
        let (id, now) = (inner.next_id, Instant::now());
        let evict = Arc::new(Notify::new());
        inner.live.insert(id, Live { since: Some(now), evict: Arc::clone(&evict) });
        inner.waiting.insert((now, id));
        Admission::Admitted(Slot { registry: Arc::clone(self), id, evict })
    }

    /// Tells the connection that has waited longest to close; false when none is waiting.
    fn evict_oldest(&self) -> bool {
        self.lock().evict_oldest()
    }
}

impl RegistryInner {
    fn evict_oldest(&mut self) -> bool {
        let Some((_, id)) = self.waiting.pop_first() else { return false };
        if let Some(live) = self.live.remove(&id) {
            live.evict.notify_one();
        }
        true
    }
}

/// A connection's registration, removed when it drops.
struct Slot {
    registry: Arc<Registry>,
    id: u64,
    evict: Arc<Notify>,
}

impl Slot {
    /// The connection starts answering a request: it may not be closed now.
    fn busy(&self) {
        let mut inner = self.registry.lock();
        if let Some(since) = inner.live.get_mut(&self.id).and_then(|l| l.since.take()) {
            inner.waiting.remove(&(since, self.id));
        }
    }

    /// The connection waits for its next request head; false when it was told to close
    /// (just as it read the head of the request it has answered since).
    fn wait(&self) -> bool {
        let mut inner = self.registry.lock();
        let now = Instant::now();
        let Some(live) = inner.live.get_mut(&self.id) else { return false };
        live.since = Some(now);
        inner.waiting.insert((now, self.id));
        true
    }

    /// Completes when the connection is told to close.
    async fn evicted(&self) {
        self.evict.notified().await;
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        if let Some(since) = inner.live.remove(&self.id).and_then(|l| l.since) {
            inner.waiting.remove(&(since, self.id));
        }
    }
}

/// Whether `accept` failed because this process (EMFILE) or the system (ENFILE) is out of
/// file descriptors; the numbers are the same on Linux, macOS and the BSDs.
fn out_of_descriptors(e: &std::io::Error) -> bool {
    cfg!(unix) && matches!(e.raw_os_error(), Some(23 | 24))
}

pub(crate) async fn serve(emulator: Emulator, listener: TcpListener, shutdown: impl Future<Output = ()>, log: bool) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let registry = Arc::new(Registry::default());
    let max_connections = emulator.config().max_connections.get();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match registry.admit(max_connections) {
                    Admission::Admitted(slot) => {
                        let loopback = peer.ip().is_loopback();
                        connections.spawn(connection(stream, loopback, emulator.clone(), stop_rx.clone(), slot, log));
                    }
                    // Every connection is busy answering a request: this one is turned away
                    // rather than left waiting unseen.
                    Admission::Full => {
                        connections.spawn(async move {
                            let mut stream = stream;
                            refuse(&mut stream, Refusal(503, "too many connections; try again")).await;
                        });
                    }
                },
                // Out of file descriptors: free one by closing the connection that has waited
                // longest for a request, and let it close before accepting again.
                Err(e) if out_of_descriptors(&e) && registry.evict_oldest() => tokio::time::sleep(Duration::from_millis(1)).await,
                // Out of file descriptors with every connection busy, and the like: wait
                // instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Nobody may be listening any more; that is fine.
    let _ = stop_tx.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN_TIMEOUT, drain).await.is_err() {
        connections.abort_all();
    }
    Ok(())
}

/// A parsed request head.
struct Head {
    method: String,
    path: String,
    query: String,
    headers: Headers,
    close: bool,
}

/// Why a request could not be read: answered with this status, then the connection closes.
struct Refusal(u16, &'static str);

async fn connection(
    mut stream: TcpStream,
    loopback: bool,
    emulator: Emulator,
    mut stop: watch::Receiver<bool>,
    slot: Slot,
    log: bool,
) {
    // Small responses go out at once instead of waiting for Nagle's algorithm.
    let _ = stream.set_nodelay(true);
    let head_timeout = emulator.config().head_timeout;
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    let mut first = true;
    loop {
        if !first && !slot.wait() {
            return;
        }
        let head_end = tokio::select! {
            read = next_head(&mut stream, &mut buf, first, head_timeout) => match read {
                Ok(Some(end)) => end,
                Err(refusal) => return refuse(&mut stream, refusal).await,
                // Clean close, I/O error or nothing sent in time.
                Ok(None) => return,
            },
            _ = stop.changed() => return,
            () = slot.evicted() => return,
        };
        slot.busy();
        first = false;
        let head = match buf.get(..head_end).map(parse_head) {
            Some(Ok(head)) => head,
            Some(Err(refusal)) => return refuse(&mut stream, refusal).await,
            None => return,
        };
        buf.drain(..head_end);
        let body = match read_body(&mut stream, &mut buf, &head.headers).await {
            Ok(body) => body,
            Err(refusal) => return refuse(&mut stream, refusal).await,
        };
        let Head { method, path, query, headers, close } = head;
        let authority = headers.get("host").unwrap_or_default().to_string();
        let request = HttpRequest { method: method.into(), uri: Uri { scheme: "http".into(), authority, path, query }, headers, body };
        let control = crate::faults::is_control(&request.uri.path);
        let response = match (control, loopback) {
            (false, _) => emulator.handle(&request),
            (true, true) => emulator.control(&request),
            (true, false) => return refuse(&mut stream, Refusal(403, "the control endpoint answers loopback clients only")).await,
        };
        if log {
            let route = crate::generated::route(&request.method, &request.uri.path, &request.uri.query);
            let operation = if control { "control" } else { route.map_or("-", |r| r.operation.name()) };
            let error = response.headers.get("x-amzn-errortype").unwrap_or("");
            // Escaped: a path may hold control characters meant for the terminal.
            eprintln!("{} {} -> {} {operation} {error}", request.method, request.uri.path.escape_debug(), response.status);
        }
        if write_response(&mut stream, &response, close).await.is_err() || close {
            return;
        }
    }
}

/// Waits for the next request head on a connection; see `read_head`. The whole head must
/// arrive within `head_timeout`, counted from the connection's start for its first request
/// (a client that connects and sends nothing gets no more), and from the first byte of the
/// request for later ones (before that the connection is idle, for up to `IDLE_TIMEOUT`).
/// Time runs out quietly when nothing was sent, with a 408 when part of a head was.
async fn next_head(stream: &mut TcpStream, buf: &mut Vec<u8>, first: bool, head_timeout: Duration) -> Result<Option<usize>, Refusal> {
    if !first && buf.is_empty() {
        match tokio::time::timeout(IDLE_TIMEOUT, read_some(stream, buf)).await {
            Ok(Some(_)) => {}
            // Closed, failed or idle too long.
            _ => return Ok(None),
        }
    }
    match tokio::time::timeout(head_timeout, read_head(stream, buf)).await {
        Ok(read) => read,
        Err(_) if buf.is_empty() => Ok(None),
        Err(_) => Err(Refusal(408, "request head timed out")),
    }
}

/// Reads what is available into `buf`; its amount, or `None` on a clean close or an error.
async fn read_some(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<usize> {
    let mut chunk = [0u8; 8 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            Some(n)
        }
    }
}

/// Reads until `buf` holds a whole head; its length including the blank line. `None` when
/// the peer closed first. A head longer than `MAX_HEAD` is refused, however the reads split
/// it: where its blank line ends, not how much has been read, is what counts.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Option<usize>, Refusal> {
    let mut scanned: usize = 0;
    loop {
        // The blank line may straddle two reads, so rescan the last three bytes.
        let from = scanned.saturating_sub(3);
        if let Some(i) = buf.get(from..).and_then(|b| b.windows(4).position(|w| w == b"\r\n\r\n")) {
            let end = from + i + 4;
            return if end > MAX_HEAD { Err(Refusal(431, "request head too large")) } else { Ok(Some(end)) };
        }
        scanned = buf.len();
        // No blank line within the first `MAX_HEAD` bytes: the head is longer.
        if buf.len() >= MAX_HEAD {
            return Err(Refusal(431, "request head too large"));
        }
        if read_some(stream, buf).await.is_none() {
            return Ok(None);
        }
    }
}

fn parse_head(bytes: &[u8]) -> Result<Head, Refusal> {
    let bad = Refusal(400, "malformed request");
    let text = std::str::from_utf8(bytes).map_err(|_| Refusal(400, "request head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().ok_or(Refusal(400, "empty request"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad);
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) || !target.starts_with('/') {
        return Err(bad);
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(Refusal(505, "HTTP version not supported")),
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Headers::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        // RFC 9112 §5.2: obsolete line folding must be refused (or replaced); refused here.
        let (name, value) = line.split_once(':').ok_or(Refusal(400, "malformed header"))?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
            return Err(Refusal(400, "malformed header name"));
        }
        headers.append(name.to_ascii_lowercase(), value.trim_matches([' ', '\t']).to_string());
    }
    // RFC 9112 §3.2: a request with more than one Host line must be refused with a 400.
    if headers.get_all("host").nth(1).is_some() {
        return Err(Refusal(400, "more than one Host header"));
    }
    let connection = headers.get("connection").unwrap_or_default().to_ascii_lowercase();
    let close = connection.split(',').any(|t| t.trim() == "close") || (http10 && !connection.contains("keep-alive"));
    Ok(Head { method: method.to_string(), path: path.to_string(), query: query.to_string(), headers, close })
}

async fn read_body(stream: &mut TcpStream, buf: &mut Vec<u8>, headers: &Headers) -> Result<Vec<u8>, Refusal> {
    if headers.contains("transfer-encoding") {
        return Err(Refusal(501, "chunked request bodies are not supported; send Content-Length"));
    }
    let mut lengths = headers.get_all("content-length");
    let length = match (lengths.next(), lengths.next()) {
        (None, _) => 0,
        (Some(v), None) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
            v.parse::<usize>().map_err(|_| Refusal(413, "request body too large"))?
        }
        _ => return Err(Refusal(400, "invalid Content-Length")),
    };
    if length > MAX_BODY {
        return Err(Refusal(413, "request body too large"));
    }
    if buf.len() < length && headers.get("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.map_err(|_| Refusal(400, "connection lost"))?;
    }
    let read = async {
        while buf.len() < length {
            let mut chunk = [0u8; 16 * 1024];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return Err(Refusal(400, "request body ended early")),
                Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
        Ok(())
    };
    tokio::time::timeout(IDLE_TIMEOUT, read).await.map_err(|_| Refusal(408, "request body timed out"))??;
    // What follows the body belongs to the next (pipelined) request.
    Ok(buf.drain(..length).collect())
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
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

async fn write_response(stream: &mut TcpStream, response: &HttpResponse, close: bool) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status)).into_bytes();
    for (name, value) in response.headers.iter() {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    // RFC 9110 §8.6: no Content-Length on a 204.
    if response.status != 204 {
        out.extend_from_slice(format!("content-length: {}\r\n", response.body.len()).as_bytes());
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&response.body);
    stream.write_all(&out).await?;
    stream.flush().await
}

async fn refuse(stream: &mut TcpStream, Refusal(status, message): Refusal) {
    let body = format!(r#"{{"Message":"{message}"}}"#);
    let mut response = HttpResponse { status, headers: Headers::new(), body: body.into_bytes() };
    response.headers.insert("content-type", "application/json");
    // The connection is closed either way.
    if write_response(stream, &response, true).await.is_err() {
        return;
    }
    // Closing a socket with unread request bytes in it makes the kernel send a reset, which
    // can destroy the response before the client reads it (RFC 9112 §9.6). So stop writing,
    // then read and discard what the client still sends until it closes, within bounds.
    let _ = stream.shutdown().await;
    let discard = async {
        let mut discarded = 0usize;
        let mut chunk = [0u8; 16 * 1024];
        while discarded < LINGER_BYTES {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => discarded = discarded.saturating_add(n),
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIMEOUT, discard).await;
}
