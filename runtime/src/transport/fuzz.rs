//! Entry point for the HTTP/1.1 response fuzz target (`fuzz/`), compiled only with the
//! `fuzzing` feature. Not part of the public API.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::http::{HttpRequest, HttpResponse, Uri};

use super::h1::{self, Conn};

/// A stream that delivers scripted input in pieces and swallows what is written.
struct Pieces(VecDeque<Vec<u8>>);

impl AsyncRead for Pieces {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if let Some(mut piece) = self.0.pop_front() {
            let n = piece.len().min(buf.remaining());
            buf.put_slice(&piece[..n]);
            if n < piece.len() {
                self.0.push_front(piece.split_off(n));
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Pieces {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Sends a `method` request over an in-memory connection whose server answers with `input`,
/// delivered in pieces of `piece` bytes (at least 1), and reads the response with the
/// transport's parser and default limits. Returns the response, or the failure as text.
pub fn read_response(input: &[u8], piece: usize, method: &'static str) -> Result<HttpResponse, String> {
    let request = HttpRequest {
        method: method.into(),
        uri: Uri::parse("http://fuzz.example/").ok_or("bad uri")?,
        ..Default::default()
    };
    let pieces = input.chunks(piece.max(1)).map(<[u8]>::to_vec).collect();
    let limits = super::watch::Limits::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let outgoing = h1::prepare(&request, None).map_err(|e| format!("{e:?}"))?;
        let mut conn = Conn::new(Pieces(pieces));
        conn.exchange(&outgoing, &limits).await.map(|(response, _)| response).map_err(|e| format!("{e:?}"))
    })
}
