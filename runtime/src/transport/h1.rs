//! HTTP/1.1 message exchange on one established connection: encoding the request head,
//! writing it with the body, parsing the response head (RFC 9112 §4, §5) and reading the body
//! with the framing RFC 9112 §6.3 selects. Knows nothing about sockets, TLS or pooling: it works
//! on any `AsyncRead + AsyncWrite` stream, which lets the unit tests below feed it scripted,
//! byte-by-byte input.

use std::borrow::Cow;
use std::io::{self, IoSlice};
use std::ops::Range;

use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Sleep;

use super::proxy::Proxy;
use super::watch::{Limits, Watch};
use super::TransportError;

use crate::http::{HeaderName, Headers, HttpRequest, HttpResponse};

/// Largest response head (status line and header fields), and largest chunked trailer section,
/// accepted. Bounds memory when a peer sends an endless head.
pub(super) const MAX_HEAD: usize = 64 * 1024;
/// Longest chunk-size line (size plus extensions) accepted.
const MAX_CHUNK_LINE: usize = 4 * 1024;
/// Bodies up to this size are copied behind the head so that the request goes out in one
/// write (and, over TLS, in as few records as possible); larger ones are written vectored.
const COPY_BODY_LIMIT: usize = 16 * 1024;
/// Room made in the read buffer before each read.
const READ_CHUNK: usize = 8 * 1024;
/// Upper bound on what a declared length may make us allocate before the bytes arrive, so that
/// a huge `content-length` or chunk size cannot exhaust memory up front.
const MAX_PREALLOC: usize = 1024 * 1024;

/// Why an exchange failed. The transport maps these onto `DispatchError` kinds.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The peer closed or reset the connection before sending a single byte of the response.
    /// On a pooled connection this is the idle-close race, which the transport retries.
    ClosedBeforeResponse(io::Error),
    /// Reading or writing failed, or the connection ended in the middle of the response.
    Io(io::Error),
    /// The response head did not arrive in time, or the transfer stalled.
    Timeout(TransportError),
    /// The response is larger than the body limit.
    TooLarge(TransportError),
    /// The response is not valid HTTP/1.x.
    Protocol(&'static str),
    /// The request cannot be written as HTTP/1.1 (invalid method, target or header).
    Request(&'static str),
    /// Reading the request's streaming body failed (or it broke its declared length).
    Body(crate::byte_stream::ByteStreamError),
}

mod streaming;
pub(super) use streaming::{prepare_streamed, BodyReader, ResponseHead};

/// A connection: the stream plus the bytes read from it but not yet consumed.
pub(super) struct Conn<S> {
    stream: S,
    /// The timer of the exchanges' limits, kept from one exchange to the next.
    timer: Option<Pin<Box<Sleep>>>,
    /// Unconsumed input is `rbuf[rpos..]`. Kept across exchanges so its allocation is reused.
    rbuf: Vec<u8>,
    rpos: usize,
}

/// A request encoded for the wire, prepared before a connection is chosen so that an invalid
/// request never costs one, and reusable when a stale pooled connection forces a retry.
pub(super) struct Outgoing<'a> {
    /// The head, followed by the body when the body is small enough to copy.
    bytes: Vec<u8>,
    /// The body when it is written separately (vectored), else empty.
    tail: &'a [u8],
    /// The request itself asks to close the connection afterwards.
    close: bool,
    /// A HEAD request, whose response never has a body.
    head_request: bool,
}

/// What the head of a response says, beyond the status and headers themselves.
struct Head {
    status: u16,
    http10: bool,
    headers: Headers,
    content_length: Option<u64>,
    chunked: bool,
    close: bool,
    keep_alive: bool,
}

/// How the end of a response body is found (RFC 9112 §6.3).
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Wraps a freshly established stream.
    pub(super) fn new(stream: S) -> Self {
        Self {
            stream,
            timer: None,
            rbuf: Vec::with_capacity(READ_CHUNK),
            rpos: 0,
        }
    }

    /// The stream, to check an idle connection before it is reused.
    pub(super) fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Sends a request and reads the complete response within `limits`. The boolean says
    /// whether the connection may carry another request afterwards.
    pub(super) async fn exchange(
        &mut self,
        request: &Outgoing<'_>,
        limits: &Limits,
    ) -> Result<(HttpResponse, bool), Failure> {
        let mut timer = self.timer.take();
        let result = self.exchange_within(request, &mut Watch::new(limits, &mut timer)).await;
        self.timer = timer;
        result
    }

    async fn exchange_within(
        &mut self,
        request: &Outgoing<'_>,
        watch: &mut Watch<'_>,
    ) -> Result<(HttpResponse, bool), Failure> {
        let limits = watch.limits();
        watch.sending();
        self.write_request(request, watch).await?;
        watch.sent();

        // Blank lines and interim responses before the final response share one budget, so
        // that an endless stream of either ends.
        let mut prelude = 0usize;
        let head = loop {
            let head = self.read_head(watch, &mut prelude).await?;
            match head.status {
                // RFC 9110 §15.2: interim responses precede the final one; 101 would switch
                // protocols, which this client never asks for.
                101 => return Err(Failure::Protocol("unexpected 101 Switching Protocols")),
                100..=199 => continue,
                _ => break head,
            }
        };
        watch.head_done();

        let max = limits.max_body;
        let framing = framing(&head, request.head_request);
        let body = match framing {
            Framing::Empty => Vec::new(),
            Framing::Length(len) => {
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&len| len <= max)
                    .ok_or(Failure::TooLarge(TransportError::ResponseTooLarge { limit: max, declared: Some(len) }))?;
                let mut body = Vec::with_capacity(len.min(MAX_PREALLOC));
                self.read_exact_into(&mut body, len, len, watch).await?;
                body
            }
            Framing::Chunked => self.read_chunked(watch).await?,
            Framing::UntilClose => self.read_to_close(watch).await?,
        };

        // RFC 9112 §9.3: HTTP/1.1 persists unless `close` is given; HTTP/1.0 only with
        // `keep-alive`. A body delimited by close ends the connection by definition, and
        // RFC 9112 §6.1 / §6.3 want the connection closed after a message whose framing is
        // suspect (transfer-encoding with content-length, or in HTTP/1.0).
        let persistent = if head.http10 {
            head.keep_alive
        } else {
            !head.close
        };
        let suspect = head.chunked && (head.http10 || head.content_length.is_some());
        let reusable = persistent
            && !request.close
            && !suspect
            && !matches!(framing, Framing::UntilClose)
            // Bytes after the response belong to no request of ours.
            && self.rpos == self.rbuf.len();
        if reusable {
            self.rbuf.clear();
            self.rpos = 0;
        }
        Ok((
            HttpResponse {
                status: head.status,
                headers: head.headers,
                body,
            },
            reusable,
        ))
    }

    /// Writes the head and body, counting progress for upload stall protection. Uses the
    /// vectored form for a body too large to copy behind the head: one system call in the
    /// common case and no copy of the body.
    async fn write_request(&mut self, request: &Outgoing<'_>, watch: &mut Watch<'_>) -> Result<(), Failure> {
        let mut head: &[u8] = &request.bytes;
        let mut body = request.tail;
        let result = async {
            while !head.is_empty() || !body.is_empty() {
                let n = if head.is_empty() {
                    watch.io(self.stream.write(body)).await?
                } else if body.is_empty() {
                    watch.io(self.stream.write(head)).await?
                } else {
                    watch.io(self.stream.write_vectored(&[IoSlice::new(head), IoSlice::new(body)])).await?
                };
                if n == 0 {
                    return Err(Failure::Io(io::ErrorKind::WriteZero.into()));
                }
                watch.progress(n);
                let from_head = n.min(head.len());
                head = &head[from_head..];
                body = &body[n - from_head..];
            }
            // Over TLS the flush pushes out encrypted records still held by the TLS layer.
            watch.io(self.stream.flush()).await
        }
        .await;
        result.map_err(|failure| match failure {
            // Nothing of the response can have been read yet: a closed connection here is the
            // same idle-close case as an EOF before the status line.
            Failure::Io(e) if is_closed(&e) => Failure::ClosedBeforeResponse(e),
            other => other,
        })
    }

    /// Reads more input into `rbuf`, returning how many bytes arrived (0 at end of stream).
    async fn fill(&mut self, watch: &mut Watch<'_>) -> Result<usize, Failure> {
        if self.rpos == self.rbuf.len() {
            self.rbuf.clear();
            self.rpos = 0;
        } else if self.rpos > 0 && self.rbuf.capacity() - self.rbuf.len() < READ_CHUNK {
            self.rbuf.drain(..self.rpos);
            self.rpos = 0;
        }
        self.rbuf.reserve(READ_CHUNK);
        let n = watch.io(self.stream.read_buf(&mut self.rbuf)).await?;
        watch.progress(n);
        Ok(n)
    }

    async fn read_head(&mut self, watch: &mut Watch<'_>, prelude: &mut usize) -> Result<Head, Failure> {
        let mut scan = HeadScan::default();
        loop {
            if scan.scanned == 0 {
                // Some servers leave a stray CRLF after a body; RFC 9112 §2.2 asks for robustness
                // about empty lines before a start line.
                while let Some(b'\r' | b'\n') = self.rbuf.get(self.rpos) {
                    self.rpos += 1;
                    *prelude += 1;
                }
            }
            let pending = &self.rbuf[self.rpos..];
            if let Some(end) = scan.find_end(pending) {
                let head = parse_head(&pending[..end], scan.lines)?;
                self.rpos += end;
                if (100..=199).contains(&head.status) {
                    *prelude += end;
                }
                if *prelude > MAX_HEAD {
                    return Err(Failure::Protocol("more than 64 KiB of blank lines and interim responses"));
                }
                return Ok(head);
            }
            if pending.len() >= MAX_HEAD || *prelude > MAX_HEAD {
                return Err(Failure::Protocol("response head larger than 64 KiB"));
            }
            let seen_bytes = self.rpos > 0 || !self.rbuf.is_empty() || *prelude > 0;
            match self.fill(watch).await {
                Ok(0) if seen_bytes => {
                    return Err(Failure::Io(eof("connection closed in the response head")))
                }
                Ok(0) => {
                    return Err(Failure::ClosedBeforeResponse(eof(
                        "connection closed before any response",
                    )))
                }
                Ok(_) => watch.receiving(),
                Err(Failure::Io(e)) if !seen_bytes && is_closed(&e) => {
                    return Err(Failure::ClosedBeforeResponse(e))
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Appends exactly `len` body bytes to `body`, taking buffered input first and reading the
    /// rest straight into `body` so large bodies are not copied twice. `body` never grows its
    /// capacity past `cap`.
    async fn read_exact_into(
        &mut self,
        body: &mut Vec<u8>,
        len: usize,
        cap: usize,
        watch: &mut Watch<'_>,
    ) -> Result<(), Failure> {
        let buffered = (self.rbuf.len() - self.rpos).min(len);
        body.extend_from_slice(&self.rbuf[self.rpos..self.rpos + buffered]);
        self.rpos += buffered;
        let mut missing = len - buffered;
        while missing > 0 {
            reserve_within(body, missing.min(MAX_PREALLOC), cap);
            let mut limited = (&mut self.stream).take(missing as u64);
            let n = watch.io(limited.read_buf(body)).await?;
            if n == 0 {
                return Err(Failure::Io(eof(
                    "connection closed before the end of the body",
                )));
            }
            watch.progress(n);
            missing -= n;
        }
        Ok(())
    }

    /// Reads one line, returning its range in `rbuf` without the line ending. The range stays
    /// valid until the next read.
    async fn read_line(&mut self, limit: usize, watch: &mut Watch<'_>) -> Result<Range<usize>, Failure> {
        let mut scanned = 0;
        loop {
            let pending = &self.rbuf[self.rpos..];
            if let Some(i) = find_newline(&pending[scanned..]) {
                let start = self.rpos;
                let mut end = start + scanned + i;
                self.rpos = end + 1;
                if end > start && self.rbuf[end - 1] == b'\r' {
                    end -= 1;
                }
                return Ok(start..end);
            }
            scanned = pending.len();
            if scanned >= limit {
                return Err(Failure::Protocol("chunked framing line too long"));
            }
            if self.fill(watch).await? == 0 {
                return Err(Failure::Io(eof("connection closed inside a chunked body")));
            }
        }
    }

    /// RFC 9112 §7.1: chunk-size [extensions] CRLF, data, CRLF ... last-chunk, trailers, CRLF.
    async fn read_chunked(&mut self, watch: &mut Watch<'_>) -> Result<Vec<u8>, Failure> {
        let max = watch.limits().max_body;
        let mut body = Vec::new();
        loop {
            let line = self.read_line(MAX_CHUNK_LINE, watch).await?;
            let size = parse_chunk_size(&self.rbuf[line])?;
            if size == 0 {
                break;
            }
            let size = usize::try_from(size)
                .ok()
                .filter(|&size| size <= max - body.len())
                .ok_or(Failure::TooLarge(TransportError::ResponseTooLarge { limit: max, declared: None }))?;
            self.read_exact_into(&mut body, size, max, watch).await?;
            let after = self.read_line(MAX_CHUNK_LINE, watch).await?;
            if !after.is_empty() {
                return Err(Failure::Protocol("missing CRLF after chunk data"));
            }
        }
        // Trailer fields carry nothing the client uses; they are read past, within a bound.
        let mut trailer_bytes = 0usize;
        loop {
            let line = self.read_line(MAX_HEAD, watch).await?;
            if line.is_empty() {
                return Ok(body);
            }
            trailer_bytes += line.len();
            if trailer_bytes > MAX_HEAD {
                return Err(Failure::Protocol("chunked trailers larger than 64 KiB"));
            }
        }
    }

    async fn read_to_close(&mut self, watch: &mut Watch<'_>) -> Result<Vec<u8>, Failure> {
        let max = watch.limits().max_body;
        let mut body = self.rbuf.split_off(self.rpos);
        self.rpos = self.rbuf.len();
        loop {
            // One byte beyond the limit tells a body of exactly the limit from a larger one.
            let room = (max + 1).saturating_sub(body.len());
            if room == 0 {
                return Err(Failure::TooLarge(TransportError::ResponseTooLarge { limit: max, declared: None }));
            }
            reserve_within(&mut body, room.min(READ_CHUNK), max + 1);
            let mut limited = (&mut self.stream).take(room as u64);
            let n = watch.io(limited.read_buf(&mut body)).await?;
            if n == 0 {
                return Ok(body);
            }
            watch.progress(n);
        }
    }
}

/// Makes room for `additional` more bytes without letting capacity grow past `cap` (plain
/// `reserve` may double it), so a body near the limit never allocates twice the limit.
fn reserve_within(buf: &mut Vec<u8>, additional: usize, cap: usize) {
    if buf.capacity() - buf.len() >= additional {
        return;
    }
    if buf.capacity().saturating_mul(2) > cap {
        // Doubling would overshoot: grow once, straight to the cap.
        buf.reserve_exact(cap.saturating_sub(buf.len()).max(additional));
    } else {
        buf.reserve(additional);
    }
}

/// Whether an I/O error means the peer closed or reset the connection.
fn is_closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

fn eof(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, what)
}

/// Encodes the request line and header section (RFC 9112 §3, §5), followed by the body when it
/// is small.
///
/// Through a forward proxy (`http://` requests only; `https://` ones are tunnelled), the target
/// is in absolute form (RFC 9112 §3.2.2) and the proxy's credentials go in
/// `proxy-authorization`.
pub(super) fn prepare<'r>(request: &'r HttpRequest, forward: Option<&Proxy>) -> Result<Outgoing<'r>, Failure> {
    prepare_with(request, forward, None)
}

/// [`prepare`] for a request whose body is streamed after the head: `Some(Some(len))` sends
/// `content-length: len`, `Some(None)` chunked transfer coding (`request.body` is then empty).
#[inline(always)]
fn prepare_with<'r>(request: &'r HttpRequest, forward: Option<&Proxy>, streamed: Option<Option<u64>>) -> Result<Outgoing<'r>, Failure> {
    let method = request.method.as_bytes();
    if !is_token(method) {
        return Err(Failure::Request("invalid request method"));
    }
    let uri = &request.uri;
    let path = if uri.path.is_empty() {
        "/"
    } else {
        uri.path.as_str()
    };
    if !is_target(path.as_bytes()) || !is_target(uri.query.as_bytes()) {
        return Err(Failure::Request(
            "request target contains whitespace or control characters",
        ));
    }
    let host = match request.headers.get("host") {
        Some(host) => host,
        // Userinfo never goes on the wire (RFC 9110 §4.2.4).
        None => uri
            .authority
            .rsplit_once('@')
            .map_or(uri.authority.as_str(), |(_, host)| host),
    };

    let body = request.body.as_slice();
    let copy_body = body.len() <= COPY_BODY_LIMIT;
    let head_len = 96
        + forward.map_or(0, |p| host.len() + p.authorization.as_ref().map_or(0, String::len))
        + path.len()
        + uri.query.len()
        + host.len()
        + request
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>();
    let mut out = Vec::with_capacity(head_len + if copy_body { body.len() } else { 0 });
    out.extend_from_slice(method);
    out.push(b' ');
    if forward.is_some() {
        if !is_target(host.as_bytes()) {
            return Err(Failure::Request("invalid host for an absolute-form target"));
        }
        out.extend_from_slice(b"http://");
        out.extend_from_slice(host.as_bytes());
    }
    out.extend_from_slice(path.as_bytes());
    if !uri.query.is_empty() {
        out.push(b'?');
        out.extend_from_slice(uri.query.as_bytes());
    }
    // RFC 9110 §7.2: a user agent SHOULD send Host as the first field.
    out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    if !is_field_value(host.as_bytes()) {
        return Err(Failure::Request("invalid host header value"));
    }
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b"\r\n");
    if let Some(authorization) = forward.and_then(|p| p.authorization.as_deref()) {
        out.extend_from_slice(b"proxy-authorization: ");
        out.extend_from_slice(authorization.as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    let mut close = false;
    for (name, value) in request.headers.iter() {
        if !is_token(name.as_bytes()) {
            return Err(Failure::Request("invalid request header name"));
        }
        // Values are user data (object metadata, for instance); CR or LF in one would let it
        // inject header lines.
        if !is_field_value(value.as_bytes()) {
            return Err(Failure::Request(
                "request header value contains control characters",
            ));
        }
        if name.eq_ignore_ascii_case("host") {
            continue;
        }
        if name.eq_ignore_ascii_case("content-length") {
            // The body is sent whole, so its real length is authoritative; a different declared
            // length would desynchronise the connection.
            let real = match streamed {
                None => Some(request.body.len() as u64),
                Some(len) => len,
            };
            if value.trim().parse::<u64>().ok() != real {
                return Err(Failure::Request(
                    "content-length header does not match the body length",
                ));
            }
            continue;
        }
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Failure::Request(
                "transfer-encoding is not supported; the body is sent with content-length",
            ));
        }
        if name.eq_ignore_ascii_case("connection") && has_token(value, "close") {
            close = true;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    // RFC 9110 §8.6: a user agent SHOULD send content-length when there is a body, and when
    // the method defines a meaning for one even if it is empty.
    let wants_length = !request.body.is_empty()
        || ["POST", "PUT", "PATCH"]
            .iter()
            .any(|m| request.method.eq_ignore_ascii_case(m));
    if let Some(streamed) = streamed {
        if !request.body.is_empty() {
            return Err(Failure::Request("a request with a streamed body has a body in memory too"));
        }
        match streamed {
            Some(len) => {
                out.extend_from_slice(b"content-length: ");
                push_decimal(&mut out, usize::try_from(len).map_err(|_| Failure::Request("body too long"))?);
                out.extend_from_slice(b"\r\n");
            }
            None => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
        }
    } else if wants_length {
        out.extend_from_slice(b"content-length: ");
        push_decimal(&mut out, request.body.len());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if copy_body {
        out.extend_from_slice(body);
    }
    Ok(Outgoing {
        bytes: out,
        tail: if copy_body { &[] } else { body },
        close,
        head_request: request.method.eq_ignore_ascii_case("HEAD"),
    })
}

fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

// The byte checks below run over every header byte of every request and response, so they
// avoid early exits (which keep the compiler from vectorising) and per-byte set searches.

/// RFC 9110 §5.6.2 `tchar`, as a lookup table.
const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        i += 1;
    }
    table
};

/// RFC 9110 §5.6.2 `token`: one or more `tchar`.
fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().fold(true, |ok, &b| ok & TCHAR[usize::from(b)])
}

/// Bytes allowed in a request target: visible ASCII and obs-text, no whitespace or controls.
fn is_target(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |ok, &b| ok & (b > b' ') & (b != 0x7f))
}

/// RFC 9110 §5.5 field-value: visible characters, obs-text, space and tab.
fn is_field_value(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |ok, &b| {
        ok & (((b >= b' ') & (b != 0x7f)) | (b == b'\t'))
    })
}

/// Received text as a `String`; obs-text that is not UTF-8 is replaced rather than rejected.
fn to_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Whether a comma-separated header value lists `token`, ignoring case.
fn has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Finds the end of a head (the byte after its empty line) across partial reads without
/// rescanning bytes already seen, so input trickling in byte by byte stays linear.
#[derive(Default)]
struct HeadScan {
    line_start: usize,
    scanned: usize,
    /// Complete lines seen so far, the empty one included.
    lines: usize,
}

impl HeadScan {
    fn find_end(&mut self, buf: &[u8]) -> Option<usize> {
        while let Some(i) = find_newline(buf.get(self.scanned..)?) {
            let newline = self.scanned + i;
            self.lines += 1;
            // RFC 9112 §2.2: a recipient MAY accept a bare LF as a line terminator.
            let empty = newline == self.line_start
                || (newline == self.line_start + 1 && buf[self.line_start] == b'\r');
            self.line_start = newline + 1;
            self.scanned = newline + 1;
            if empty {
                return Some(newline + 1);
            }
        }
        self.scanned = buf.len();
        None
    }
}

/// Position of the first LF. Tests 16 bytes at a time without an early exit inside a block,
/// which the compiler turns into vector compares; a byte-at-a-time search dominated parsing.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    let mut blocks = bytes.chunks_exact(16);
    let mut offset = 0;
    for block in &mut blocks {
        if block.iter().fold(false, |found, &b| found | (b == b'\n')) {
            return block.iter().position(|&b| b == b'\n').map(|i| offset + i);
        }
        offset += 16;
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| offset + i)
}

/// Splits a head into lines without their CRLF or LF endings.
fn lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(head);
    std::iter::from_fn(move || {
        let text = rest?;
        let line = match find_newline(text) {
            Some(i) => {
                rest = text.get(i + 1..);
                &text[..i]
            }
            None => {
                rest = None;
                text
            }
        };
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

/// Parses a complete head of `line_count` lines (the final empty one included).
fn parse_head(head: &[u8], line_count: usize) -> Result<Head, Failure> {
    let mut lines = lines(head).peekable();
    let (status, http10) = parse_status_line(lines.next().unwrap_or_default())?;
    // One header per line, less the status line and the empty line: sized once, never grown.
    let mut parsed = Head {
        status,
        http10,
        headers: Headers::with_capacity(line_count.saturating_sub(2)),
        content_length: None,
        chunked: false,
        close: false,
        keep_alive: false,
    };
    while let Some(line) = lines.next() {
        if line.is_empty() {
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            // A continuation line with no field before it.
            return Err(Failure::Protocol("response head starts with a folded line"));
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(Failure::Protocol("header line without a colon"))?;
        let (name, rest) = line.split_at(colon);
        // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
        if !is_token(name) {
            return Err(Failure::Protocol("invalid header name"));
        }
        let first = trim_ows(&rest[1..]);
        check_value(first)?;
        let mut value = to_text(first);
        // RFC 9112 §5.2: a user agent replaces each obs-fold with a space.
        while let Some(folded) = lines.next_if(|l| matches!(l.first(), Some(b' ' | b'\t'))) {
            let folded = trim_ows(folded);
            check_value(folded)?;
            value.push(' ');
            value.push_str(&to_text(folded));
        }
        parsed.note_framing(name, &value)?;
        parsed.headers.append(header_name(name)?, value);
    }
    Ok(parsed)
}

impl Head {
    /// Records the header fields that decide framing and persistence while parsing, so they are
    /// not looked up again afterwards.
    fn note_framing(&mut self, name: &[u8], value: &str) -> Result<(), Failure> {
        if name.eq_ignore_ascii_case(b"content-length") {
            // RFC 9112 §6.3 (5): a list of identical values may be accepted; anything else
            // invalid is an unrecoverable error.
            for item in value.split(',') {
                let item = item.trim();
                if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Failure::Protocol("invalid content-length"));
                }
                let len = item
                    .parse::<u64>()
                    .map_err(|_| Failure::Protocol("invalid content-length"))?;
                if self.content_length.is_some_and(|prev| prev != len) {
                    return Err(Failure::Protocol("conflicting content-length values"));
                }
                self.content_length = Some(len);
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            // RFC 9112 §7.4: without a `TE` request header (never sent) a server may apply no
            // transfer coding but chunked, and only once; other codings could not be decoded.
            for coding in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                if self.chunked || !coding.eq_ignore_ascii_case("chunked") {
                    return Err(Failure::Protocol("unsupported transfer-coding"));
                }
                self.chunked = true;
            }
        } else if name.eq_ignore_ascii_case(b"connection") {
            self.close |= has_token(value, "close");
            self.keep_alive |= has_token(value, "keep-alive");
        }
        Ok(())
    }
}

fn framing(head: &Head, head_request: bool) -> Framing {
    // RFC 9112 §6.3 (1): no body after HEAD, 1xx, 204 and 304, whatever the headers say.
    if head_request || matches!(head.status, 100..=199 | 204 | 304) {
        Framing::Empty
    } else if head.chunked {
        // RFC 9112 §6.3 (3): transfer-encoding overrides content-length.
        Framing::Chunked
    } else if let Some(len) = head.content_length {
        if len == 0 {
            Framing::Empty
        } else {
            Framing::Length(len)
        }
    } else {
        Framing::UntilClose
    }
}

/// RFC 9112 §4: `HTTP/1.x SP 3DIGIT SP [reason]`. Returns the status and whether it is 1.0.
fn parse_status_line(line: &[u8]) -> Result<(u16, bool), Failure> {
    const BAD: Failure = Failure::Protocol("malformed status line");
    let rest = line.strip_prefix(b"HTTP/1.").ok_or(BAD)?;
    let (http10, rest) = match rest {
        [b'0', rest @ ..] => (true, rest),
        [b'1', rest @ ..] => (false, rest),
        _ => return Err(BAD),
    };
    match rest {
        // Some servers omit the space before an empty reason phrase; accept that.
        [b' ', a, b, c, tail @ ..] if matches!(tail.first(), None | Some(b' ')) => {
            let digits = [*a, *b, *c];
            if !digits.iter().all(u8::is_ascii_digit) || *a == b'0' {
                return Err(BAD);
            }
            let status = digits
                .iter()
                .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
            Ok((status, http10))
        }
        _ => Err(BAD),
    }
}

fn trim_ows(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

fn check_value(value: &[u8]) -> Result<(), Failure> {
    if is_field_value(value) {
        Ok(())
    } else {
        Err(Failure::Protocol(
            "header value contains control characters",
        ))
    }
}

/// Owned name for a received header, borrowing a static string for the names every AWS
/// response carries so that the common case allocates only for values. Names are
/// case-insensitive, so the lowercase spelling is as good as the one received.
fn header_name(name: &[u8]) -> Result<HeaderName, Failure> {
    const COMMON: [&str; 13] = [
        "content-type",
        "content-length",
        "date",
        "connection",
        "server",
        "x-amzn-requestid",
        "x-amz-request-id",
        "x-amz-id-2",
        "x-amz-apigw-id",
        "x-amzn-trace-id",
        "x-amzn-errortype",
        "x-amzn-errormessage",
        "transfer-encoding",
    ];
    if let Some(known) = COMMON
        .iter()
        .find(|c| c.as_bytes().eq_ignore_ascii_case(name))
    {
        return Ok(Cow::Borrowed(known));
    }
    // Token characters are ASCII, so this cannot fail after parse_head's check.
    std::str::from_utf8(name)
        .map(|n| Cow::Owned(n.to_owned()))
        .map_err(|_| Failure::Protocol("invalid header name"))
}

/// RFC 9112 §7.1: `1*HEXDIG [ BWS ";" extensions ]`.
fn parse_chunk_size(line: &[u8]) -> Result<u64, Failure> {
    const BAD: Failure = Failure::Protocol("invalid chunk size");
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(BAD);
    }
    let (hex, rest) = line.split_at(digits);
    let rest = trim_ows(rest);
    if !(rest.is_empty() || rest.first() == Some(&b';')) {
        return Err(BAD);
    }
    hex.iter().try_fold(0u64, |acc, &d| {
        let digit = (d as char).to_digit(16).ok_or(BAD)?;
        acc.checked_mul(16)
            .and_then(|v| v.checked_add(u64::from(digit)))
            .ok_or(Failure::Protocol("chunk size overflows"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Uri;
    use crate::transport::{Direction, DEFAULT_READ_TIMEOUT as DEFAULT_READ_TIMEOUT_FOR_TESTS};
    use std::collections::VecDeque;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    /// A stream that replays scripted input in the given pieces and records what is written.
    /// Once the input is used up it reports the end of the stream, or with `stall` never
    /// answers again; with `pace` each piece arrives that long after the previous one.
    struct Scripted {
        input: VecDeque<Vec<u8>>,
        written: Vec<u8>,
        stall: bool,
        pace: Option<(Duration, Pin<Box<tokio::time::Sleep>>)>,
    }

    impl Scripted {
        fn whole(input: &[u8]) -> Self {
            Self::pieces(vec![input.to_vec()])
        }

        fn byte_by_byte(input: &[u8]) -> Self {
            Self::pieces(input.iter().map(|&b| vec![b]).collect())
        }

        fn pieces(input: Vec<Vec<u8>>) -> Self {
            Self { input: input.into(), written: Vec::new(), stall: false, pace: None }
        }

        /// `input` at once, then nothing, ever.
        fn then_stall(input: &[u8]) -> Self {
            let input = if input.is_empty() { vec![] } else { vec![input.to_vec()] };
            Self { stall: true, ..Self::pieces(input) }
        }

        /// `head` at once, then `drip` one byte every `every`, then nothing, ever.
        fn dripping(head: &[u8], drip: &[u8], every: Duration) -> Self {
            let mut input = vec![head.to_vec()];
            input.extend(drip.iter().map(|&b| vec![b]));
            let pace = Some((every, Box::pin(tokio::time::sleep(Duration::ZERO))));
            Self { stall: true, pace, ..Self::pieces(input) }
        }
    }

    impl AsyncRead for Scripted {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if self.input.is_empty() && self.stall {
                return Poll::Pending;
            }
            if let Some((every, sleep)) = &mut self.pace {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let next = sleep.deadline() + *every;
                sleep.as_mut().reset(next);
            }
            if let Some(mut piece) = self.input.pop_front() {
                let n = piece.len().min(buf.remaining());
                buf.put_slice(&piece[..n]);
                if n < piece.len() {
                    self.input.push_front(piece.split_off(n));
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Scripted {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.written.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn request(method: &'static str, body: &[u8]) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            uri: Uri::parse("http://user:pw@example.com:8080/a%20b?x=1&y").unwrap(),
            headers: Headers::new(),
            body: body.to_vec(),
        }
    }

    async fn run(stream: Scripted, method: &'static str) -> Result<(HttpResponse, bool), Failure> {
        let req = request(method, b"");
        Conn::new(stream).exchange(&prepare(&req, None)?, &Limits::default()).await
    }

    fn encoded(req: &HttpRequest) -> Result<String, Failure> {
        prepare(req, None).map(|out| String::from_utf8(out.bytes).unwrap())
    }

    #[tokio::test]
    async fn request_head_is_encoded_with_host_first_and_computed_length() {
        let mut req = request("POST", b"hello");
        req.headers.append("X-Custom", "v 1");
        req.headers.append("Content-Length", "5");
        let mut conn = Conn::new(Scripted::whole(b"HTTP/1.1 204 No Content\r\n\r\n"));
        conn.exchange(&prepare(&req, None).unwrap(), &Limits::default()).await.unwrap();
        assert_eq!(
            String::from_utf8(conn.stream.written).unwrap(),
            "POST /a%20b?x=1&y HTTP/1.1\r\nhost: example.com:8080\r\nX-Custom: v 1\r\ncontent-length: 5\r\n\r\nhello"
        );
    }

    #[test]
    fn content_length_zero_only_for_methods_with_body_semantics() {
        for (method, want) in [
            ("GET", false),
            ("DELETE", false),
            ("POST", true),
            ("PUT", true),
            ("patch", true),
        ] {
            let text = encoded(&request(method, b"")).unwrap();
            assert_eq!(
                text.contains("content-length: 0\r\n"),
                want,
                "{method}: {text}"
            );
        }
    }

    #[test]
    fn invalid_requests_are_refused_before_writing() {
        let mut injected = request("GET", b"");
        injected.headers.append("x-meta", "a\r\nx-evil: 1");
        let mut bad_name = request("GET", b"");
        bad_name.headers.append("bad name", "v");
        let mut wrong_length = request("PUT", b"abc");
        wrong_length.headers.append("content-length", "2");
        let mut chunked = request("PUT", b"abc");
        chunked.headers.append("transfer-encoding", "chunked");
        let mut bad_target = request("GET", b"");
        bad_target.uri.path = "/a b".into();
        for req in [
            injected,
            bad_name,
            wrong_length,
            chunked,
            bad_target,
            request("GE T", b""),
        ] {
            assert!(matches!(encoded(&req), Err(Failure::Request(_))), "{req:?}");
        }
    }

    #[tokio::test]
    async fn chunked_body_with_extensions_and_trailers_read_byte_by_byte() {
        let wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A:  spaced \t\r\n\r\n\
                     5;ext=1\r\nhello\r\n7 \r\n, world\r\n0\r\nx-trailer: t\r\n\r\n";
        let (resp, reusable) = run(Scripted::byte_by_byte(wire), "GET").await.unwrap();
        assert_eq!(resp.body, b"hello, world");
        assert_eq!(resp.headers.get("x-a"), Some("spaced"));
        assert!(reusable);
    }

    #[tokio::test]
    async fn interim_responses_and_leading_empty_lines_are_skipped() {
        let wire = b"\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: x\r\n\r\n\
                     HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok";
        let (resp, _) = run(Scripted::whole(wire), "PUT").await.unwrap();
        assert_eq!((resp.status, resp.body.as_slice()), (201, &b"ok"[..]));
        assert_eq!(resp.headers.get("link"), None);
    }

    #[tokio::test]
    async fn obs_fold_is_replaced_by_a_space_and_bare_lf_accepted() {
        let wire = b"HTTP/1.1 200 OK\nx-folded: a\n  b\n\tc\ncontent-length: 0\n\n";
        let (resp, _) = run(Scripted::whole(wire), "GET").await.unwrap();
        assert_eq!(resp.headers.get("x-folded"), Some("a b c"));
    }

    #[tokio::test]
    async fn persistence_follows_version_and_connection_header() {
        let cases: [(&[u8], bool); 6] = [
            (b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", true),
            (b"HTTP/1.1 200 OK\r\nConnection: Close\r\ncontent-length: 0\r\n\r\n", false),
            (b"HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n", false),
            (b"HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n", true),
            (b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nab", false),
            (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n0\r\n\r\n", false),
        ];
        for (wire, want) in cases {
            let (_, reusable) = run(Scripted::whole(wire), "GET").await.unwrap();
            assert_eq!(reusable, want, "{}", String::from_utf8_lossy(wire));
        }
    }

    #[tokio::test]
    async fn no_body_for_head_204_and_304_despite_length() {
        for (wire, method) in [
            (
                &b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"[..],
                "HEAD",
            ),
            (
                b"HTTP/1.1 204 No Content\r\ncontent-length: 10\r\n\r\n",
                "GET",
            ),
            (
                b"HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n",
                "GET",
            ),
        ] {
            let (resp, reusable) = run(Scripted::whole(wire), method).await.unwrap();
            assert!(resp.body.is_empty() && reusable, "{method}");
            assert_eq!(resp.headers.get("content-length"), Some("10"));
        }
    }

    #[tokio::test]
    async fn malformed_heads_are_protocol_errors() {
        let cases: [&[u8]; 14] = [
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n",
            b"HTTP/2 200 OK\r\n\r\n",
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 099 Low\r\n\r\n",
            b"garbage\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nname : v\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n folded-first: v\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nx: a\x00b\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999999\r\n\r\n",
        ];
        for wire in cases {
            let got = run(Scripted::whole(wire), "GET").await;
            assert!(
                matches!(got, Err(Failure::Protocol(_))),
                "{}: {got:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    #[tokio::test]
    async fn equal_repeated_content_lengths_are_accepted() {
        let wire = b"HTTP/1.1 200 OK\r\ncontent-length: 2, 2\r\nContent-Length: 2\r\n\r\nok";
        let (resp, _) = run(Scripted::whole(wire), "GET").await.unwrap();
        assert_eq!(resp.body, b"ok");
    }

    #[tokio::test]
    async fn malformed_chunked_bodies_are_errors() {
        let cases: [&[u8]; 4] = [
            b"zz\r\n",
            b"3\r\nabcX\r\n0\r\n\r\n",
            b"fffffffffffffffff\r\n",
            b"5\r\nab",
        ];
        for body in cases {
            let mut wire = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
            wire.extend_from_slice(body);
            let got = run(Scripted::whole(&wire), "GET").await;
            assert!(
                matches!(got, Err(Failure::Protocol(_) | Failure::Io(_))),
                "{}: {got:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[tokio::test]
    async fn oversized_head_is_refused() {
        let mut wire = b"HTTP/1.1 200 OK\r\n".to_vec();
        while wire.len() <= MAX_HEAD {
            wire.extend_from_slice(b"x-filler: 0123456789012345678901234567890123456789\r\n");
        }
        let got = run(Scripted::whole(&wire), "GET").await;
        assert!(
            matches!(got, Err(Failure::Protocol(m)) if m.contains("64 KiB")),
            "{got:?}"
        );
    }

    #[tokio::test]
    async fn eof_before_any_byte_is_distinguished_from_eof_mid_head() {
        let got = run(Scripted::whole(b""), "GET").await;
        assert!(
            matches!(got, Err(Failure::ClosedBeforeResponse(_))),
            "{got:?}"
        );
        let got = run(Scripted::whole(b"HTTP/1.1 200 OK\r\n"), "GET").await;
        assert!(matches!(got, Err(Failure::Io(_))), "{got:?}");
    }

    #[test]
    fn newline_search_matches_a_plain_scan_at_every_offset_and_length() {
        for len in 0..50 {
            for at in 0..=len {
                let mut bytes = vec![b'a'; len];
                if at < len {
                    bytes[at] = b'\n';
                    // A second newline later must not be reported instead.
                    if at + 17 < len {
                        bytes[at + 17] = b'\n';
                    }
                }
                assert_eq!(
                    find_newline(&bytes),
                    bytes.iter().position(|&b| b == b'\n'),
                    "len {len} at {at}"
                );
            }
        }
    }

    #[test]
    fn common_header_names_are_not_allocated() {
        assert!(matches!(
            header_name(b"Content-Type"),
            Ok(Cow::Borrowed("content-type"))
        ));
        assert!(matches!(header_name(b"X-Other"), Ok(Cow::Owned(n)) if n == "X-Other"));
    }

    async fn run_limited(stream: Scripted, limits: &Limits) -> Result<(HttpResponse, bool), Failure> {
        let req = request("GET", b"");
        Conn::new(stream).exchange(&prepare(&req, None)?, limits).await
    }

    fn too_large(got: &Result<(HttpResponse, bool), Failure>) -> bool {
        matches!(got, Err(Failure::TooLarge(TransportError::ResponseTooLarge { .. })))
    }

    #[tokio::test]
    async fn bodies_beyond_the_limit_fail_whatever_their_framing_and_the_limit_itself_passes() {
        let limits = Limits { max_body: 10, ..Limits::default() };
        let huge = b"HTTP/1.1 200 OK\r\ncontent-length: 99999999999999\r\n\r\nabc";
        let got = run_limited(Scripted::whole(huge), &Limits::default()).await;
        assert!(
            matches!(&got, Err(Failure::TooLarge(TransportError::ResponseTooLarge { declared: Some(99999999999999), .. }))),
            "a declared length over the default limit fails before any body byte is read: {got:?}"
        );
        let cases: [(&[u8], bool); 6] = [
            (b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n01234567890", false),
            (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789", true),
            (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n67890\r\n0\r\n\r\n", false),
            (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n", true),
            (b"HTTP/1.1 200 OK\r\n\r\n01234567890", false),
            (b"HTTP/1.1 200 OK\r\n\r\n0123456789", true),
        ];
        for (wire, fits) in cases {
            let got = run_limited(Scripted::byte_by_byte(wire), &limits).await;
            if fits {
                assert_eq!(got.map(|(r, _)| r.body).ok().as_deref(), Some(&b"0123456789"[..]));
            } else {
                assert!(too_large(&got), "{}: {got:?}", String::from_utf8_lossy(wire));
            }
        }
    }

    #[tokio::test]
    async fn endless_blank_lines_and_interim_responses_are_bounded() {
        let mut blank = vec![b'\n'; MAX_HEAD + 10];
        blank.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        let mut interim = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(MAX_HEAD / 20);
        interim.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        for wire in [blank, interim] {
            let got = run(Scripted::whole(&wire), "GET").await;
            assert!(matches!(got, Err(Failure::Protocol(_))), "{got:?}");
        }
        // A few of either are fine.
        let wire = b"\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(run(Scripted::whole(wire), "GET").await.unwrap().0.status, 200);
    }

    /// With the default limits and a paused clock: every way a server can stall ends in a
    /// typed timeout, at the time the limits say.
    #[tokio::test(start_paused = true)]
    async fn default_limits_end_every_stall_in_a_typed_timeout() {
        let limits = Limits::default();
        let stalled = |d| move |got: &Result<(HttpResponse, bool), Failure>| {
            matches!(got, Err(Failure::Timeout(TransportError::Stalled { direction, .. })) if *direction == d)
        };
        let head_timeout = |got: &Result<(HttpResponse, bool), Failure>| {
            matches!(got, Err(Failure::Timeout(TransportError::ResponseTimeout { after })) if *after == DEFAULT_READ_TIMEOUT_FOR_TESTS)
        };
        type Check = Box<dyn Fn(&Result<(HttpResponse, bool), Failure>) -> bool>;
        let cases: Vec<(&str, Scripted, Check, u64)> = vec![
            ("sends nothing", Scripted::then_stall(b""), Box::new(head_timeout), 60),
            ("status line, then nothing", Scripted::then_stall(b"HTTP/1.1 200 OK\r\n"), Box::new(stalled(Direction::Download)), 5),
            ("stalls mid-body", Scripted::then_stall(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234"), Box::new(stalled(Direction::Download)), 5),
            (
                "drips the head one byte a second",
                Scripted::dripping(b"HTTP/1.1 200 OK\r\n", &b"x-pad: y\r\n".repeat(20), Duration::from_secs(1)),
                Box::new(head_timeout),
                60,
            ),
            (
                "drips the body one byte every two seconds",
                Scripted::dripping(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n", &[b'.'; 1000], Duration::from_secs(2)),
                Box::new(stalled(Direction::Download)),
                6,
            ),
        ];
        for (what, stream, check, expected_secs) in cases {
            let started = tokio::time::Instant::now();
            let got = run_limited(stream, &limits).await;
            let took = started.elapsed().as_secs();
            assert!(check(&got), "{what}: {got:?}");
            assert!((expected_secs..=expected_secs + 2).contains(&took), "{what}: ended after {took} s");
        }
    }
}
