//! Exchanges whose request or response body is a [`ByteStream`]: the operations with a
//! `@streaming` blob payload.

use std::future::Future;
use std::pin::Pin;

use super::{DispatchError, DispatchErrorKind, Headers, HttpClient, HttpRequest, HttpResponse};
use crate::byte_stream::ByteStream;

/// A response whose body is read as the caller asks for it.
#[derive(Debug)]
pub struct StreamingResponse {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: Headers,
    /// The body, not yet read.
    pub body: ByteStream,
}

impl StreamingResponse {
    /// The status and headers as an [`HttpResponse`] with an empty body.
    pub fn head(&self) -> HttpResponse {
        HttpResponse { status: self.status, headers: self.headers.clone(), body: Vec::new() }
    }
}

/// A boxed future returned by [`HttpClient::send_streaming`].
pub type StreamingSendFuture<'a> = Pin<Box<dyn Future<Output = Result<StreamingResponse, DispatchError>> + Send + 'a>>;

/// What [`HttpClient::send_streaming`] does for clients that do not stream: the body is read
/// into memory, the request sent with [`HttpClient::send`], and the buffered response body
/// wrapped in a [`ByteStream`].
pub fn send_buffered<'a, C: HttpClient + ?Sized>(client: &'a C, request: &'a HttpRequest, body: Option<ByteStream>) -> StreamingSendFuture<'a> {
    Box::pin(async move {
        let owned;
        let request = match body {
            None => request,
            Some(body) => {
                let bytes = body
                    .collect()
                    .await
                    .map_err(|e| DispatchError::new(DispatchErrorKind::Other, e))?;
                let mut copy = request.clone();
                copy.body = bytes.to_vec();
                // A body of unknown length, now known.
                if !copy.headers.contains("content-length") {
                    copy.headers.insert("content-length", copy.body.len().to_string());
                }
                owned = copy;
                &owned
            }
        };
        let response = client.send(request).await?;
        Ok(StreamingResponse { status: response.status, headers: response.headers, body: ByteStream::new(response.body) })
    })
}
