//! The built-in transport's streamed exchanges ([`HttpClient::send_streaming`]): a request
//! body written from a [`ByteStream`], a response whose body is read as the caller asks, on a
//! connection that returns to the pool only once that body has been read to its end.
//!
//! [`HttpClient::send_streaming`]: crate::http::HttpClient::send_streaming

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::connect::Stream;
use super::h1::{self, BodyReader, Conn, Failure, ResponseHead};
use super::pool::PoolKey;
use super::{dispatch_error, pool_key, Inner};
use crate::byte_stream::{ByteStream, ByteStreamError, ChunkSource};
use crate::http::{DispatchError, HttpRequest, StreamingResponse};

pub(super) async fn send(
    inner: &Arc<Inner>,
    request: &HttpRequest,
    mut body: Option<ByteStream>,
) -> Result<StreamingResponse, DispatchError> {
    let proxy = inner.proxy.route(&request.uri).map(|p| &**p);
    let key = pool_key(&request.uri, proxy)?;
    let length = body.as_ref().and_then(ByteStream::content_length);
    let outgoing = match &body {
        Some(_) => h1::prepare_streamed(request, proxy.filter(|_| !key.https), length),
        None => h1::prepare(request, proxy.filter(|_| !key.https)),
    }
    .map_err(dispatch_error)?;
    // A pooled connection may turn out to have been closed by the server, and the request is
    // then sent again on a new one: only possible when the body can be read again. A one-shot
    // body always gets a new connection.
    if body.as_ref().is_none_or(ByteStream::is_replayable) {
        if let Some(mut conn) = inner.take_idle(&key) {
            let mut attempt = body.as_mut().and_then(ByteStream::for_attempt);
            match conn.exchange_streamed(&outgoing, attempt.as_mut().map(|b| (b, length)), &inner.limits).await {
                Ok(head) if head.status == 408 => {
                    tracing::debug!("pooled connection answered 408; retrying on a new one");
                }
                Ok(head) => return Ok(respond(inner, key, conn, head)),
                Err(Failure::ClosedBeforeResponse(e)) => {
                    tracing::debug!(error = %e, "pooled connection was closed by the server; retrying on a new one");
                }
                Err(failure) => return Err(dispatch_error(failure)),
            }
        }
    }
    let mut conn = inner.connect(&key, proxy).await?;
    let mut attempt = body.as_mut().and_then(ByteStream::for_attempt);
    let head = conn
        .exchange_streamed(&outgoing, attempt.as_mut().map(|b| (b, length)), &inner.limits)
        .await
        .map_err(dispatch_error)?;
    Ok(respond(inner, key, conn, head))
}

fn respond(inner: &Arc<Inner>, key: PoolKey, conn: Conn<Stream>, head: ResponseHead) -> StreamingResponse {
    let reader = BodyReader::new(conn, &head, inner.limits.clone());
    let body = if reader.is_done() {
        if let Some(conn) = reader.into_reusable() {
            inner.pool.put(key, conn);
        }
        ByteStream::default()
    } else {
        ByteStream::from_source(TransportBody {
            reader: Some(reader),
            pending: None,
            home: Some((Arc::clone(inner), key)),
        })
    };
    StreamingResponse { status: head.status, headers: head.headers, body }
}

type NextChunk = Pin<Box<dyn Future<Output = (BodyReader<Stream>, Result<Option<Bytes>, Failure>)> + Send>>;

/// A response body on its connection, as a [`ChunkSource`]. At the end of the body the
/// connection goes back to the pool (when the response allows it); dropped earlier, it is
/// closed.
struct TransportBody {
    reader: Option<BodyReader<Stream>>,
    pending: Option<NextChunk>,
    home: Option<(Arc<Inner>, PoolKey)>,
}

impl ChunkSource for TransportBody {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        if self.pending.is_none() {
            let Some(mut reader) = self.reader.take() else { return Poll::Ready(None) };
            self.pending = Some(Box::pin(async move {
                let result = reader.next_chunk().await;
                (reader, result)
            }));
        }
        let Some(pending) = self.pending.as_mut() else { return Poll::Ready(None) };
        let Poll::Ready((reader, result)) = pending.as_mut().poll(cx) else { return Poll::Pending };
        self.pending = None;
        match result {
            Ok(Some(chunk)) => {
                self.reader = Some(reader);
                Poll::Ready(Some(Ok(chunk)))
            }
            Ok(None) => {
                if let (Some(conn), Some((inner, key))) = (reader.into_reusable(), self.home.take()) {
                    inner.pool.put(key, conn);
                }
                Poll::Ready(None)
            }
            Err(failure) => Poll::Ready(Some(Err(ByteStreamError::new(
                "reading the response body failed",
                Some(Box::new(dispatch_error(failure))),
            )))),
        }
    }

    fn remaining(&self) -> Option<u64> {
        self.reader.as_ref().and_then(BodyReader::remaining)
    }

    fn allow_idle(&mut self) {
        // Before the first read (the only time it is called), no read holds the reader.
        if let Some(reader) = &mut self.reader {
            reader.allow_idle();
        }
    }
}
