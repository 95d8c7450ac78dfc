//! A small HTTP/1.1 server (RFC 9112) for the emulator: one task per connection, keep-alive,
//! `Content-Length` bodies, `Expect: 100-continue`. It is written here rather than taken from
//! hyper for the same reason as the client's transport: few dependencies, short builds.
//!
//! Requests under `/_emulator/` go to the fault-injection control endpoint (`crate::faults`),
//! for loopback peers only: it is a test hook without authentication, so it must not be
//! reachable from another machine even when the caller hands `serve` a public listener.
//!
//! Every loop is bounded: heads and bodies have size limits, reads have an idle timeout, and
//! shutdown closes idle connections and waits a bounded time for busy ones.

use std::future::Future;
use std::time::Duration;

use client_runtime::http::{Headers, HttpRequest, HttpResponse, Uri};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::Emulator;

/// The largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body accepted (Chime SDK Identity requests are a few KB).
const MAX_BODY: usize = 1024 * 1024;
/// How long a connection may sit idle, or a request take to arrive.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long shutdown waits for requests in progress.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) async fn serve(emulator: Emulator, listener: TcpListener, shutdown: impl Future<Output = ()>, log: bool) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let loopback = peer.ip().is_loopback();
                    connections.spawn(connection(stream, loopback, emulator.clone(), stop_rx.clone(), log));
                }
                // Out of file descriptors and the like: wait instead of spinning.
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

async fn connection(mut stream: TcpStream, loopback: bool, emulator: Emulator, mut stop: watch::Receiver<bool>, log: bool) {
    // Small responses go out at once instead of waiting for Nagle's algorithm.
    let _ = stream.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    loop {
        let head_end = tokio::select! {
            read = tokio::time::timeout(IDLE_TIMEOUT, read_head(&mut stream, &mut buf)) => match read {
                Ok(Ok(Some(end))) => end,
                Ok(Err(refusal)) => return refuse(&mut stream, refusal).await,
                // Clean close, I/O error or idle timeout.
                _ => return,
            },
            _ = stop.changed() => return,
        };
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

/// Reads until `buf` holds a whole head; its length including the blank line. `None` when
/// the peer closed before sending anything.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Option<usize>, Refusal> {
    let mut scanned: usize = 0;
    loop {
        // The blank line may straddle two reads, so rescan the last three bytes.
        let from = scanned.saturating_sub(3);
        if let Some(i) = buf.get(from..).and_then(|b| b.windows(4).position(|w| w == b"\r\n\r\n")) {
            return Ok(Some(from + i + 4));
        }
        scanned = buf.len();
        if buf.len() > MAX_HEAD {
            return Err(Refusal(431, "request head too large"));
        }
        let mut chunk = [0u8; 8 * 1024];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
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
    let _ = write_response(stream, &response, true).await;
}
