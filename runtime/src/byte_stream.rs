//! Streaming bodies: the [`ByteStream`] of `@streaming` blob payloads, in requests and
//! responses, read incrementally.
//!
//! A request body comes from bytes in memory, a file ([`ByteStream::from_path`]) or any async
//! reader ([`ByteStream::from_reader`]); a response body is read from the connection as the
//! caller asks for it ([`ByteStream::next`], [`ByteStream::try_next`], [`ByteStream::collect`],
//! [`ByteStream::into_async_read`]), so a body of any size needs memory for one chunk only.
//!
//! Bodies in memory and files can be sent again when an attempt fails ("replayable"); a reader
//! or a response body is read once, so a request carrying one is not retried.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

/// Size of the chunks read from files and readers.
const READ_CHUNK: usize = 64 * 1024;

/// A source of body chunks that is read once: a response body on its connection.
pub trait ChunkSource: Send {
    /// The next chunk; `None` at the end of the body.
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>>;
    /// The number of bytes still to come, when known.
    fn remaining(&self) -> Option<u64> {
        None
    }
    /// The body may stay silent for as long as its sender likes (an event stream, whose
    /// events come when they happen): stalled-stream protection no longer applies to it.
    #[doc(hidden)]
    fn allow_idle(&mut self) {}
}

/// A body that is streamed rather than held whole: the type of `@streaming` blob members.
///
/// Built from bytes ([`ByteStream::new`], `From<Vec<u8>>`, `From<&'static [u8]>`), a file
/// ([`ByteStream::from_path`]) or an async reader ([`ByteStream::from_reader`]); a response's
/// is read with [`next`](Self::next) / [`try_next`](Self::try_next), [`collect`](Self::collect)
/// or [`into_async_read`](Self::into_async_read).
///
/// `Clone` copies bytes in memory and file references; a clone of a one-shot stream (a reader
/// or a response body, which cannot be read twice) is an empty stream that fails when read.
/// `PartialEq` compares bodies in memory; streams not in memory are never equal.
pub struct ByteStream {
    kind: Kind,
}

enum Kind {
    Memory(Bytes),
    File { path: PathBuf, offset: u64, length: u64 },
    Reader { reader: Mutex<Pin<Box<dyn AsyncRead + Send>>>, length: Option<u64>, read: u64 },
    Source(Mutex<Box<dyn ChunkSource>>),
    /// A clone of a one-shot stream.
    Spent,
}

/// Why reading a [`ByteStream`] failed.
#[derive(Debug)]
pub struct ByteStreamError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ByteStreamError {
    /// An error saying `message`, caused by `source`.
    pub fn new(message: impl Into<String>, source: Option<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { message: message.into(), source }
    }

    /// The transport's failure (timeout, stall, broken connection), when that is the cause.
    pub fn dispatch_error(&self) -> Option<&crate::http::DispatchError> {
        self.source.as_deref().and_then(|s| s.downcast_ref())
    }

    /// Whether a time limit (per-read timeout, stalled stream) ended the read.
    pub fn is_timeout(&self) -> bool {
        self.dispatch_error().is_some_and(|e| e.is_timeout())
    }
}

impl fmt::Display for ByteStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ByteStreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as _)
    }
}

impl From<ByteStreamError> for io::Error {
    fn from(e: ByteStreamError) -> Self {
        io::Error::other(e)
    }
}

/// A whole body, from [`ByteStream::collect`]: the chunks as they arrived, joined only when
/// asked.
#[derive(Debug, Default, Clone)]
pub struct AggregatedBytes {
    chunks: Vec<Bytes>,
    len: usize,
}

impl AggregatedBytes {
    /// The body as one `Bytes` (no copy when it arrived in one chunk).
    pub fn into_bytes(mut self) -> Bytes {
        match self.chunks.len() {
            0 => Bytes::new(),
            1 => self.chunks.pop().unwrap_or_default(),
            _ => self.to_vec().into(),
        }
    }

    /// The body copied into a `Vec`.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for c in &self.chunks {
            out.extend_from_slice(c);
        }
        out
    }

    /// The body's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, chunk: Bytes) {
        self.len += chunk.len();
        self.chunks.push(chunk);
    }
}

impl ByteStream {
    /// A stream over bytes in memory.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        Self { kind: Kind::Memory(bytes.into()) }
    }

    /// A stream over static bytes.
    pub fn from_static(bytes: &'static [u8]) -> Self {
        Self::new(Bytes::from_static(bytes))
    }

    /// A stream over the whole file at `path`, read in chunks when the request is sent (and
    /// read again if the request is retried). Its length is taken now, for `Content-Length`.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, ByteStreamError> {
        let path = path.as_ref().to_path_buf();
        let meta = tokio::fs::metadata(&path)
            .await
            .map_err(|e| ByteStreamError::new(format!("cannot read {}", path.display()), Some(e.into())))?;
        if !meta.is_file() {
            return Err(ByteStreamError::new(format!("{} is not a file", path.display()), None));
        }
        Ok(Self { kind: Kind::File { path, offset: 0, length: meta.len() } })
    }

    /// A stream of `length` bytes of the file at `path` from `offset`.
    pub fn from_file_range(path: impl AsRef<Path>, offset: u64, length: u64) -> Self {
        Self { kind: Kind::File { path: path.as_ref().to_path_buf(), offset, length } }
    }

    /// A stream read once from `reader`, of unknown length: a request carrying it is sent with
    /// chunked transfer coding and is not retried.
    pub fn from_reader(reader: impl AsyncRead + Send + 'static) -> Self {
        Self { kind: Kind::Reader { reader: Mutex::new(Box::pin(reader)), length: None, read: 0 } }
    }

    /// A stream read once from `reader`, which must yield exactly `length` bytes (sent as
    /// `Content-Length`; a reader that ends early or yields more fails the request).
    pub fn from_reader_with_length(reader: impl AsyncRead + Send + 'static, length: u64) -> Self {
        Self { kind: Kind::Reader { reader: Mutex::new(Box::pin(reader)), length: Some(length), read: 0 } }
    }

    /// A stream over a one-shot chunk source (the transport's response bodies).
    pub fn from_source(source: impl ChunkSource + 'static) -> Self {
        Self { kind: Kind::Source(Mutex::new(Box::new(source))) }
    }

    /// The bytes, when the body is in memory.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Memory(b) => Some(b),
            _ => None,
        }
    }

    /// The number of bytes still to be read, when known.
    pub fn content_length(&self) -> Option<u64> {
        match &self.kind {
            Kind::Memory(b) => Some(b.len() as u64),
            Kind::File { length, .. } => Some(*length),
            Kind::Reader { length, read, .. } => length.map(|l| l.saturating_sub(*read)),
            Kind::Source(s) => s.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remaining(),
            Kind::Spent => None,
        }
    }

    /// Whether the body can be read again from the start (bytes in memory, a file), so that a
    /// request carrying it may be retried.
    pub fn is_replayable(&self) -> bool {
        matches!(self.kind, Kind::Memory(_) | Kind::File { .. })
    }

    /// A fresh copy to send when replayable; otherwise the stream itself, leaving this one
    /// spent (`None` once spent).
    pub(crate) fn for_attempt(&mut self) -> Option<ByteStream> {
        match &self.kind {
            Kind::Memory(b) => Some(ByteStream::new(b.clone())),
            Kind::File { path, offset, length } => Some(ByteStream::from_file_range(path, *offset, *length)),
            Kind::Spent => None,
            _ => Some(std::mem::replace(self, ByteStream { kind: Kind::Spent })),
        }
    }

    /// Exempts a response body from stalled-stream protection ([`ChunkSource::allow_idle`]);
    /// other bodies are left alone.
    #[cfg(feature = "event-stream")]
    pub(crate) fn allow_idle(&mut self) {
        if let Kind::Source(source) = &mut self.kind {
            source.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).allow_idle();
        }
    }

    /// Polls for the next chunk; `None` at the end.
    pub fn poll_next_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        loop {
            match &mut self.kind {
                Kind::Memory(b) => {
                    return Poll::Ready(if b.is_empty() { None } else { Some(Ok(std::mem::take(b))) });
                }
                Kind::File { path, offset, length } => {
                    // Opened when first read, so that every attempt reads from the start.
                    let file = match open_range(path, *offset) {
                        Ok(file) => file,
                        Err(e) => {
                            let e = ByteStreamError::new(format!("cannot read {}", path.display()), Some(e.into()));
                            self.kind = Kind::Spent;
                            return Poll::Ready(Some(Err(e)));
                        }
                    };
                    let length = *length;
                    self.kind = Kind::Reader {
                        reader: Mutex::new(Box::pin(tokio::fs::File::from_std(file).take(length))),
                        length: Some(length),
                        read: 0,
                    };
                }
                Kind::Reader { reader, length, read } => {
                    let reader = reader.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
                    let want = length.map_or(READ_CHUNK as u64, |l| (l.saturating_sub(*read)).min(READ_CHUNK as u64));
                    // One byte more than a declared length tells a reader that yields too much.
                    let cap = if length.is_some() && want == 0 { 1 } else { want as usize };
                    let mut buf = vec![0u8; cap];
                    let mut rb = ReadBuf::new(&mut buf);
                    match reader.as_mut().poll_read(cx, &mut rb) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(ByteStreamError::new("reading the body failed", Some(e.into()))))),
                        Poll::Ready(Ok(())) => {}
                    }
                    let n = rb.filled().len();
                    if n == 0 {
                        if let Some(l) = *length {
                            if *read < l {
                                return Poll::Ready(Some(Err(ByteStreamError::new(
                                    format!("the body ended after {read} of its {l} bytes"),
                                    None,
                                ))));
                            }
                        }
                        return Poll::Ready(None);
                    }
                    if length.is_some_and(|l| *read + n as u64 > l) {
                        return Poll::Ready(Some(Err(ByteStreamError::new(
                            format!("the body is longer than its declared {} bytes", length.unwrap_or(0)),
                            None,
                        ))));
                    }
                    *read += n as u64;
                    buf.truncate(n);
                    return Poll::Ready(Some(Ok(Bytes::from(buf))));
                }
                Kind::Source(source) => {
                    return source.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).poll_chunk(cx);
                }
                Kind::Spent => {
                    return Poll::Ready(Some(Err(ByteStreamError::new(
                        "this body was a one-shot stream that has already been read (or is a clone of one)",
                        None,
                    ))));
                }
            }
        }
    }

    /// The next chunk, `None` at the end of the body.
    pub async fn next(&mut self) -> Option<Result<Bytes, ByteStreamError>> {
        std::future::poll_fn(|cx| self.poll_next_chunk(cx)).await
    }

    /// The next chunk, `Ok(None)` at the end of the body.
    pub async fn try_next(&mut self) -> Result<Option<Bytes>, ByteStreamError> {
        self.next().await.transpose()
    }

    /// Reads the whole body into memory.
    pub async fn collect(mut self) -> Result<AggregatedBytes, ByteStreamError> {
        let mut out = AggregatedBytes::default();
        while let Some(chunk) = self.try_next().await? {
            out.push(chunk);
        }
        Ok(out)
    }

    /// Reads the whole body into memory, failing as soon as it is longer than `limit`.
    pub(crate) async fn collect_limited(mut self, limit: usize) -> Result<Vec<u8>, CollectError> {
        if self.content_length().is_some_and(|l| l > limit as u64) {
            return Err(CollectError::TooLarge);
        }
        let mut out = Vec::new();
        while let Some(chunk) = self.try_next().await.map_err(CollectError::Read)? {
            if chunk.len() > limit - out.len() {
                return Err(CollectError::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// The body as a `tokio::io::AsyncRead`.
    pub fn into_async_read(self) -> impl AsyncRead + Send + Unpin {
        AsyncReadBody { stream: self, chunk: Bytes::new() }
    }
}

pub(crate) enum CollectError {
    TooLarge,
    Read(ByteStreamError),
}

fn open_range(path: &Path, offset: u64) -> io::Result<std::fs::File> {
    use std::io::Seek;
    let mut file = std::fs::File::open(path)?;
    if offset > 0 {
        file.seek(io::SeekFrom::Start(offset))?;
    }
    Ok(file)
}

struct AsyncReadBody {
    stream: ByteStream,
    chunk: Bytes,
}

impl AsyncRead for AsyncReadBody {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        while self.chunk.is_empty() {
            match self.stream.poll_next_chunk(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e.into())),
                Poll::Ready(Some(Ok(chunk))) => self.chunk = chunk,
            }
        }
        let n = self.chunk.len().min(buf.remaining());
        buf.put_slice(&self.chunk[..n]);
        self.chunk.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl futures_core::Stream for ByteStream {
    type Item = Result<Bytes, ByteStreamError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_chunk(cx)
    }
}

impl Default for ByteStream {
    fn default() -> Self {
        Self::new(Bytes::new())
    }
}

impl Clone for ByteStream {
    fn clone(&self) -> Self {
        let kind = match &self.kind {
            Kind::Memory(b) => Kind::Memory(b.clone()),
            Kind::File { path, offset, length } => Kind::File { path: path.clone(), offset: *offset, length: *length },
            _ => Kind::Spent,
        };
        Self { kind }
    }
}

impl PartialEq for ByteStream {
    fn eq(&self, other: &Self) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Memory(a), Kind::Memory(b)) => a == b,
            (Kind::File { path: p, offset: o, length: l }, Kind::File { path: q, offset: r, length: m }) => p == q && o == r && l == m,
            _ => false,
        }
    }
}

impl From<Vec<u8>> for ByteStream {
    fn from(v: Vec<u8>) -> Self {
        Self::new(v)
    }
}

impl From<Bytes> for ByteStream {
    fn from(v: Bytes) -> Self {
        Self::new(v)
    }
}

impl From<&'static [u8]> for ByteStream {
    fn from(v: &'static [u8]) -> Self {
        Self::from_static(v)
    }
}

impl From<&'static str> for ByteStream {
    fn from(v: &'static str) -> Self {
        Self::from_static(v.as_bytes())
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Memory(b) => write!(f, "ByteStream({} bytes)", b.len()),
            Kind::File { path, length, .. } => write!(f, "ByteStream(file {}, {length} bytes)", path.display()),
            Kind::Reader { length: Some(l), .. } => write!(f, "ByteStream(reader, {l} bytes)"),
            Kind::Reader { length: None, .. } => f.write_str("ByteStream(reader)"),
            Kind::Source(_) => f.write_str("ByteStream(streaming body)"),
            Kind::Spent => f.write_str("ByteStream(spent)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn memory_bodies_are_one_chunk_replayable_and_comparable() {
        rt().block_on(async {
            let mut s = ByteStream::from_static(b"hello");
            assert!(s.is_replayable());
            assert_eq!(s.content_length(), Some(5));
            let copy = s.for_attempt().unwrap();
            assert_eq!(copy, ByteStream::from(b"hello".to_vec()));
            assert_eq!(s.try_next().await.unwrap().as_deref(), Some(&b"hello"[..]));
            assert_eq!(s.try_next().await.unwrap(), None);
            assert_eq!(copy.collect().await.unwrap().into_bytes(), Bytes::from_static(b"hello"));
        });
    }

    #[test]
    fn readers_are_one_shot_and_checked_against_their_length() {
        rt().block_on(async {
            let mut s = ByteStream::from_reader(&b"abcdef"[..]);
            assert!(!s.is_replayable());
            let first = s.for_attempt().expect("the first attempt takes the reader");
            assert!(s.for_attempt().is_none(), "a one-shot body cannot be sent twice");
            assert_eq!(first.collect().await.unwrap().to_vec(), b"abcdef");
            let short = ByteStream::from_reader_with_length(&b"abc"[..], 5).collect().await.unwrap_err();
            assert!(short.to_string().contains("3 of its 5"), "{short}");
            let long = ByteStream::from_reader_with_length(&b"abcdef"[..], 5).collect().await.unwrap_err();
            assert!(long.to_string().contains("longer than its declared 5"), "{long}");
            let spent = ByteStream::from_reader(&b"x"[..]).clone();
            assert!(spent.collect().await.is_err(), "a clone of a one-shot stream is never silently empty");
        });
    }

    #[test]
    fn files_are_read_in_chunks_from_the_start_on_every_attempt() {
        rt().block_on(async {
            let dir = std::env::temp_dir().join(format!("bytestream-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("body.bin");
            let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &data).unwrap();
            let mut s = ByteStream::from_path(&path).await.unwrap();
            assert_eq!(s.content_length(), Some(200_000));
            for _ in 0..2 {
                let mut attempt = s.for_attempt().unwrap();
                let mut got = Vec::new();
                let mut chunks = 0;
                while let Some(c) = attempt.try_next().await.unwrap() {
                    assert!(c.len() <= READ_CHUNK);
                    got.extend_from_slice(&c);
                    chunks += 1;
                }
                assert_eq!(got, data);
                assert!(chunks >= 4, "{chunks}");
            }
            let mut read = Vec::new();
            ByteStream::from_file_range(&path, 10, 5).into_async_read().read_to_end(&mut read).await.unwrap();
            assert_eq!(read, &data[10..15]);
            assert!(ByteStream::from_path(dir.join("missing")).await.is_err());
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }

    #[test]
    fn collect_limited_stops_at_the_limit() {
        rt().block_on(async {
            assert!(matches!(ByteStream::from_static(b"12345").collect_limited(4).await, Err(CollectError::TooLarge)));
            assert!(matches!(ByteStream::from_reader(&b"12345"[..]).collect_limited(4).await, Err(CollectError::TooLarge)));
            assert!(matches!(ByteStream::from_reader(&b"1234"[..]).collect_limited(4).await, Ok(v) if v == b"1234"));
        });
    }
}
