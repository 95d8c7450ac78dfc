//! Exchanges with streamed bodies: the request body written from a [`ByteStream`] after the
//! head (with its declared length, or chunked), and the response body read chunk by chunk by
//! a [`BodyReader`] that owns the connection until the body ends.

use bytes::{Bytes, BytesMut};

use super::*;
use crate::byte_stream::ByteStream;
use crate::transport::watch::Monitor;

/// Largest chunk read from the socket for a streamed response body.
const STREAM_CHUNK: usize = 256 * 1024;

/// The final response head of a streamed exchange, and how its body is framed.
pub(in crate::transport) struct ResponseHead {
    pub(in crate::transport) status: u16,
    pub(in crate::transport) headers: Headers,
    state: BodyState,
    /// The connection may carry another request once the body has been read.
    persistent: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyState {
    Length(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkEnd,
    Trailers(usize),
    UntilClose,
    Done,
}

/// Encodes the head of a request whose body is streamed: `Some(len)` declares its length,
/// `None` sends it chunked.
pub(in crate::transport) fn prepare_streamed<'r>(
    request: &'r HttpRequest,
    forward: Option<&Proxy>,
    length: Option<u64>,
) -> Result<Outgoing<'r>, Failure> {
    prepare_with(request, forward, Some(length))
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Sends the request head, then `body` (which must match what the head declared), and
    /// reads the final response head. The body of the response is left on the connection.
    pub(in crate::transport) async fn exchange_streamed(
        &mut self,
        request: &Outgoing<'_>,
        body: Option<(&mut ByteStream, Option<u64>)>,
        limits: &Limits,
    ) -> Result<ResponseHead, Failure> {
        let mut timer = self.timer.take();
        let mut watch = Watch::new(limits, &mut timer);
        let result = async {
            watch.sending();
            self.write_request(request, &mut watch).await?;
            if let Some((body, length)) = body {
                self.write_body(body, length, &mut watch).await?;
            }
            watch.sent();
            let mut prelude = 0usize;
            let head = loop {
                let head = self.read_head(&mut watch, &mut prelude).await?;
                match head.status {
                    101 => return Err(Failure::Protocol("unexpected 101 Switching Protocols")),
                    100..=199 => continue,
                    _ => break head,
                }
            };
            watch.head_done();
            let state = match framing(&head, request.head_request) {
                Framing::Empty => BodyState::Done,
                Framing::Length(len) => BodyState::Length(len),
                Framing::Chunked => BodyState::ChunkSize,
                Framing::UntilClose => BodyState::UntilClose,
            };
            let persistent = if head.http10 { head.keep_alive } else { !head.close };
            let suspect = head.chunked && (head.http10 || head.content_length.is_some());
            Ok(ResponseHead {
                status: head.status,
                headers: head.headers,
                state,
                persistent: persistent && !request.close && !suspect && state != BodyState::UntilClose,
            })
        }
        .await;
        self.timer = timer;
        result
    }

    async fn write_body(&mut self, body: &mut ByteStream, length: Option<u64>, watch: &mut Watch<'_>) -> Result<(), Failure> {
        let mut sent = 0u64;
        let mut frame = BytesMut::new();
        loop {
            let chunk = match body.next().await {
                None => break,
                Some(Ok(chunk)) => chunk,
                Some(Err(e)) => return Err(Failure::Body(e)),
            };
            if chunk.is_empty() {
                continue;
            }
            sent += chunk.len() as u64;
            match length {
                Some(len) => {
                    if sent > len {
                        return Err(Failure::Request("the request body is longer than its declared length"));
                    }
                    watch.io(self.stream.write_all(&chunk)).await?;
                }
                None => {
                    frame.clear();
                    frame.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    frame.extend_from_slice(&chunk);
                    frame.extend_from_slice(b"\r\n");
                    watch.io(self.stream.write_all(&frame)).await?;
                }
            }
            watch.progress(chunk.len());
        }
        match length {
            Some(len) if sent != len => return Err(Failure::Request("the request body is shorter than its declared length")),
            Some(_) => {}
            None => watch.io(self.stream.write_all(b"0\r\n\r\n")).await?,
        }
        watch.io(self.stream.flush()).await
    }

    /// Up to `max` body bytes: what is buffered, else one read from the stream. Empty at the
    /// end of the stream.
    async fn read_some(&mut self, max: u64, watch: &mut Watch<'_>) -> Result<Bytes, Failure> {
        let buffered = self.rbuf.len() - self.rpos;
        if buffered > 0 {
            let n = usize::try_from(max).unwrap_or(usize::MAX).min(buffered);
            let chunk = Bytes::copy_from_slice(&self.rbuf[self.rpos..self.rpos + n]);
            self.rpos += n;
            return Ok(chunk);
        }
        let want = usize::try_from(max).unwrap_or(usize::MAX).min(STREAM_CHUNK);
        let mut buf = BytesMut::with_capacity(want);
        let n = watch.io((&mut self.stream).take(want as u64).read_buf(&mut buf)).await?;
        watch.progress(n);
        Ok(buf.freeze())
    }
}

/// The body of a streamed response on its connection. The connection can be reused only once
/// [`BodyReader::next_chunk`] has returned `Ok(None)` and [`BodyReader::reusable`] says so;
/// dropped before that, it is closed, so nothing of this response can reach another request.
pub(in crate::transport) struct BodyReader<S> {
    conn: Conn<S>,
    state: BodyState,
    persistent: bool,
    limits: Limits,
    monitor: Option<Monitor>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> BodyReader<S> {
    pub(in crate::transport) fn new(conn: Conn<S>, head: &ResponseHead, limits: Limits) -> Self {
        Self { conn, state: head.state, persistent: head.persistent, limits, monitor: None }
    }

    /// Exempts the rest of the body from download stalled-stream protection (event streams
    /// are silent between events); the read timeout still bounds each read.
    pub(in crate::transport) fn allow_idle(&mut self) {
        self.limits.stall.download = false;
        self.monitor = None;
    }

    /// Whether the body has been read to its end.
    pub(in crate::transport) fn is_done(&self) -> bool {
        self.state == BodyState::Done
    }

    /// Bytes still to come, when the response declared its length.
    pub(in crate::transport) fn remaining(&self) -> Option<u64> {
        match self.state {
            BodyState::Length(n) => Some(n),
            BodyState::Done => Some(0),
            _ => None,
        }
    }

    /// The connection, when the body is done and the connection may carry another request.
    pub(in crate::transport) fn into_reusable(mut self) -> Option<Conn<S>> {
        // Bytes after the response belong to no request of ours.
        if self.state == BodyState::Done && self.persistent && self.conn.rpos == self.conn.rbuf.len() {
            self.conn.rbuf.clear();
            self.conn.rpos = 0;
            Some(self.conn)
        } else {
            None
        }
    }

    /// The next piece of the body; `None` at its end. Each call must bring data within the
    /// read timeout, and the throughput across calls is held to stalled-stream protection.
    pub(in crate::transport) async fn next_chunk(&mut self) -> Result<Option<Bytes>, Failure> {
        let Self { conn, state, limits, monitor, .. } = self;
        let mut timer = conn.timer.take();
        let mut watch = Watch::new(limits, &mut timer);
        watch.body_read(monitor.take());
        let result = Self::advance(conn, state, &mut watch).await;
        *monitor = watch.take_monitor();
        conn.timer = timer;
        if result.is_err() {
            // The connection is in an unknown place of the response: never reused.
            self.persistent = false;
            self.state = BodyState::Done;
        }
        result
    }

    async fn advance(conn: &mut Conn<S>, state: &mut BodyState, watch: &mut Watch<'_>) -> Result<Option<Bytes>, Failure> {
        loop {
            match *state {
                BodyState::Done | BodyState::Length(0) => {
                    *state = BodyState::Done;
                    return Ok(None);
                }
                BodyState::Length(rest) => {
                    let chunk = conn.read_some(rest, watch).await?;
                    if chunk.is_empty() {
                        return Err(Failure::Io(eof("connection closed before the end of the body")));
                    }
                    *state = BodyState::Length(rest - chunk.len() as u64);
                    return Ok(Some(chunk));
                }
                BodyState::UntilClose => {
                    let chunk = conn.read_some(u64::MAX, watch).await?;
                    if chunk.is_empty() {
                        *state = BodyState::Done;
                        return Ok(None);
                    }
                    return Ok(Some(chunk));
                }
                BodyState::ChunkSize => {
                    let line = conn.read_line(MAX_CHUNK_LINE, watch).await?;
                    let size = parse_chunk_size(&conn.rbuf[line])?;
                    *state = if size == 0 { BodyState::Trailers(0) } else { BodyState::ChunkData(size) };
                }
                BodyState::ChunkData(rest) => {
                    let chunk = conn.read_some(rest, watch).await?;
                    if chunk.is_empty() {
                        return Err(Failure::Io(eof("connection closed inside a chunked body")));
                    }
                    let rest = rest - chunk.len() as u64;
                    *state = if rest == 0 { BodyState::ChunkEnd } else { BodyState::ChunkData(rest) };
                    return Ok(Some(chunk));
                }
                BodyState::ChunkEnd => {
                    let line = conn.read_line(MAX_CHUNK_LINE, watch).await?;
                    if !line.is_empty() {
                        return Err(Failure::Protocol("missing CRLF after chunk data"));
                    }
                    *state = BodyState::ChunkSize;
                }
                BodyState::Trailers(seen) => {
                    let line = conn.read_line(MAX_HEAD, watch).await?;
                    if line.is_empty() {
                        *state = BodyState::Done;
                        return Ok(None);
                    }
                    let seen = seen + line.len();
                    if seen > MAX_HEAD {
                        return Err(Failure::Protocol("chunked trailers larger than 64 KiB"));
                    }
                    *state = BodyState::Trailers(seen);
                }
            }
        }
    }
}
