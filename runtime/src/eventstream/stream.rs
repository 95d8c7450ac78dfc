//! Typed event streams: [`EventStreamSender`], the events a caller sends in a request, and
//! [`EventReceiver`], the events read from a response body as they arrive. Generated code
//! turns events into messages and back with plain functions (`marshal`, `unmarshal`); this
//! module owns the framing, the error mapping and the bounds on what is buffered.

use std::fmt;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use futures_core::Stream;

use super::frame::{encode_into, message_len, FrameError, Message, MessageDecoder};
use crate::byte_stream::{ByteStream, ByteStreamError, ChunkSource};
use crate::error::{BuildError, DeserializeError, RequestId, SdkError};
use crate::http::{DispatchError, DispatchErrorKind};
use crate::sigv4::EventSigner;

/// The largest message a receiver buffers: the prelude, the 128 kB of headers and the 24 MB of
/// payload the format allows services to send, and the message CRC. The spec tells clients not
/// to enforce the two limits themselves; a message longer than both together is refused, so
/// that a declared length is never trusted with more memory than a valid message needs.
pub const MAX_MESSAGE_LEN: usize = 12 + 128 * 1024 + 24 * 1024 * 1024 + 4;

type BoxedEvents<T, E> = Pin<Box<dyn Stream<Item = Result<T, E>> + Send>>;

/// The events of an input event stream, as the AWS SDK for Rust names it: built from any
/// `Stream` of `Result<T, E>` (`From`) or from one event ([`EventStreamSender::once`]), and
/// sent as the request body, each event as one message, as the stream yields them.
///
/// The stream is sent once. `Clone` gives a *spent* sender: sending it fails with an error
/// saying so (the events cannot be read twice). `PartialEq` is `false` unless both sides are
/// spent (streams cannot be compared); it exists so that inputs holding a sender can derive it.
pub struct EventStreamSender<T, E> {
    // Behind a mutex so that an input holding a sender is `Sync` while the stream itself need
    // only be `Send`. `None` once spent.
    events: Mutex<Option<BoxedEvents<T, E>>>,
}

impl<T, E, S> From<S> for EventStreamSender<T, E>
where
    S: Stream<Item = Result<T, E>> + Send + 'static,
{
    fn from(stream: S) -> Self {
        Self { events: Mutex::new(Some(Box::pin(stream))) }
    }
}

impl<T: Send + 'static, E: Send + 'static> EventStreamSender<T, E> {
    /// A stream of one event (or error).
    pub fn once(item: Result<T, E>) -> Self {
        Self::from(Once(Some(item)))
    }

    /// Turns the events into unsigned messages with `marshal` (generated per event union).
    #[doc(hidden)]
    pub fn into_body(self, marshal: fn(Result<T, E>) -> Result<Message, BuildError>) -> EventStreamBody {
        match self.events.into_inner().unwrap_or_else(PoisonError::into_inner) {
            Some(events) => EventStreamBody::new(Marshalled { events, marshal }),
            None => EventStreamBody::new(Once(Some(Err(BuildError::invalid(
                "this event stream was already sent, or is a clone of one (a clone of an EventStreamSender cannot be sent)",
            ))))),
        }
    }
}

impl<T, E> EventStreamSender<T, E> {
    /// Takes the events out, leaving a spent sender (for generated `take_event_stream`).
    #[doc(hidden)]
    pub fn take(&mut self) -> Self {
        Self { events: Mutex::new(self.events.get_mut().unwrap_or_else(PoisonError::into_inner).take()) }
    }

    fn is_spent(&self) -> bool {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).is_none()
    }

    fn spent() -> Self {
        Self { events: Mutex::new(None) }
    }
}

impl<T, E> Clone for EventStreamSender<T, E> {
    fn clone(&self) -> Self {
        Self::spent()
    }
}

impl<T, E> PartialEq for EventStreamSender<T, E> {
    fn eq(&self, other: &Self) -> bool {
        self.is_spent() && other.is_spent()
    }
}

impl<T, E> fmt::Debug for EventStreamSender<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_spent() {
            f.write_str("EventStreamSender(spent)")
        } else {
            f.write_str("EventStreamSender(..)")
        }
    }
}

/// A stream of exactly one item.
struct Once<X>(Option<X>);

// Never pinned structurally: the item is moved out whole.
impl<X> Unpin for Once<X> {}

impl<X> Stream for Once<X> {
    type Item = X;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<X>> {
        Poll::Ready(self.get_mut().0.take())
    }
}

struct Marshalled<T, E> {
    events: BoxedEvents<T, E>,
    marshal: fn(Result<T, E>) -> Result<Message, BuildError>,
}

impl<T, E> Stream for Marshalled<T, E> {
    type Item = Result<Message, BuildError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.events.as_mut().poll_next(cx).map(|item| item.map(this.marshal))
    }
}

/// The messages of an input event stream, not yet signed: what generated `take_event_stream`
/// hands the pipeline.
#[doc(hidden)]
pub struct EventStreamBody {
    messages: Pin<Box<dyn Stream<Item = Result<Message, BuildError>> + Send>>,
}

impl EventStreamBody {
    /// A body of `messages`.
    pub fn new(messages: impl Stream<Item = Result<Message, BuildError>> + Send + 'static) -> Self {
        Self { messages: Box::pin(messages) }
    }

    /// This body with `message` sent first (the `initial-request` of RPC protocols).
    pub fn prepend(self, message: Message) -> Self {
        Self::new(Prepended { first: Some(message), rest: self })
    }
}

struct Prepended {
    first: Option<Message>,
    rest: EventStreamBody,
}

impl Stream for Prepended {
    type Item = Result<Message, BuildError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.first.take() {
            Some(first) => Poll::Ready(Some(Ok(first))),
            None => Pin::new(&mut this.rest).poll_next(cx),
        }
    }
}

impl Stream for EventStreamBody {
    type Item = Result<Message, BuildError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().messages.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for EventStreamBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventStreamBody(..)")
    }
}

/// The request body of an event stream: each message encoded (and, with a signer, wrapped in
/// its signed message) as the events arrive, then, when signed, the signed empty message that
/// ends the stream. `now` is the signing time of each message.
pub(crate) fn request_body(
    messages: EventStreamBody,
    signer: Option<EventSigner>,
    now: impl Fn() -> SystemTime + Send + 'static,
) -> ByteStream {
    ByteStream::from_source(SignedEvents { messages, signer, now: Box::new(now), sent: 0, done: false })
}

struct SignedEvents {
    messages: EventStreamBody,
    signer: Option<EventSigner>,
    now: Box<dyn Fn() -> SystemTime + Send>,
    /// Events taken from the stream so far.
    sent: usize,
    done: bool,
}

impl SignedEvents {
    fn frame(&mut self, message: Option<&Message>) -> Result<Bytes, ByteStreamError> {
        let n = self.sent;
        let mut inner = Vec::new();
        if let Some(message) = message {
            encode_into(message, &mut inner)
                .map_err(|e| ByteStreamError::new(format!("event {n} of the input event stream cannot be encoded"), Some(e.into())))?;
        }
        let Some(signer) = &mut self.signer else { return Ok(inner.into()) };
        let signed = signer
            .sign(&inner, (self.now)())
            .map_err(|e| ByteStreamError::new(format!("event {n} of the input event stream cannot be signed"), Some(e.into())))?;
        let mut out = Vec::with_capacity(inner.len() + 64);
        encode_into(&signed, &mut out)
            .map_err(|e| ByteStreamError::new(format!("event {n} of the input event stream cannot be encoded"), Some(e.into())))?;
        Ok(out.into())
    }
}

impl ChunkSource for SignedEvents {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let next = match Pin::new(&mut self.messages).poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(next) => next,
        };
        let chunk = match next {
            Some(Ok(message)) => {
                let chunk = self.frame(Some(&message));
                self.sent += 1;
                chunk
            }
            Some(Err(e)) => Err(ByteStreamError::new(
                format!("event {} of the input event stream could not be sent", self.sent),
                Some(e.into()),
            )),
            None if self.signer.is_some() => {
                self.done = true;
                self.frame(None)
            }
            None => {
                self.done = true;
                return Poll::Ready(None);
            }
        };
        if chunk.is_err() {
            self.done = true;
        }
        Poll::Ready(Some(chunk))
    }
}

/// What generated `unmarshal` functions make of a message: an event of the stream, or one of
/// its modeled errors (which ends it).
#[doc(hidden)]
#[derive(Debug)]
pub enum Unmarshalled<T, E> {
    /// An event.
    Event(T),
    /// A modeled (or unmodeled) error event.
    Error(E),
}

/// The message an [`EventReceiver`] error is about: the raw type of its [`SdkError`]s.
#[derive(Debug)]
pub enum RawMessage {
    /// A message that was framed correctly (a service error event, or an event that could
    /// not be read).
    Decoded(Message),
    /// Bytes that are not a valid message (a checksum or length error, or a body that ended
    /// inside a message), when there were any.
    Invalid(Option<Bytes>),
}

impl RequestId for RawMessage {
    fn request_id(&self) -> Option<&str> {
        None
    }
}

/// The events of an output event stream, read from the response body as they arrive:
/// [`recv`](Self::recv) or the `Stream` implementation.
///
/// A modeled error event is returned as `SdkError::ServiceError` and ends the stream; so does
/// a message that fails its checksums or lengths (`SdkError::ResponseError` with
/// [`RawMessage::Invalid`]), a body that ends inside a message, and a failure to read the
/// body (`SdkError::DispatchFailure`). An event that is framed correctly but cannot be read
/// is a `ResponseError` with [`RawMessage::Decoded`], and the next events can still be read.
///
/// `Clone` gives a *spent* receiver (the body can be read once), which fails when read;
/// `PartialEq` is `false` unless both sides are spent.
pub struct EventReceiver<T, E> {
    /// `None` for a spent clone.
    state: Option<Receiving<T, E>>,
}

struct Receiving<T, E> {
    body: ByteStream,
    decoder: MessageDecoder,
    unmarshal: fn(&Message) -> Result<Unmarshalled<T, E>, DeserializeError>,
    ended: bool,
}

impl<T, E> EventReceiver<T, E> {
    /// Reads events from `body` with `unmarshal` (generated per event union).
    #[doc(hidden)]
    pub fn new(body: ByteStream, unmarshal: fn(&Message) -> Result<Unmarshalled<T, E>, DeserializeError>) -> Self {
        Self { state: Some(Receiving { body, decoder: MessageDecoder::new(), unmarshal, ended: false }) }
    }

    /// The next event; `Ok(None)` once the stream has ended.
    pub async fn recv(&mut self) -> Result<Option<T>, SdkError<E, RawMessage>> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<T>, SdkError<E, RawMessage>>> {
        let Some(r) = &mut self.state else {
            return Poll::Ready(Err(SdkError::dispatch_failure(DispatchError::new(
                DispatchErrorKind::Other,
                "this event receiver is a clone, and only the original reads the stream",
            ))));
        };
        loop {
            if r.ended {
                return Poll::Ready(Ok(None));
            }
            match r.decoder.next_message() {
                Ok(Some(message)) => return Poll::Ready(r.deliver(message)),
                Ok(None) => {}
                Err(e) => return Poll::Ready(Err(r.invalid(e))),
            }
            if let Ok(Some(total)) = message_len(r.decoder.buffered()) {
                if total > MAX_MESSAGE_LEN {
                    let source = DeserializeError::new(format!(
                        "an event stream message declares {total} bytes, more than the {MAX_MESSAGE_LEN} a message can have"
                    ));
                    return Poll::Ready(Err(r.fail(source)));
                }
            }
            match r.body.poll_next_chunk(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => r.decoder.push(&chunk),
                Poll::Ready(Some(Err(e))) => {
                    r.end();
                    let kind = e.dispatch_error().map_or(DispatchErrorKind::Io, DispatchError::kind);
                    return Poll::Ready(Err(SdkError::dispatch_failure(DispatchError::new(kind, e))));
                }
                Poll::Ready(None) => {
                    return Poll::Ready(match r.decoder.finish() {
                        Ok(()) => {
                            r.end();
                            Ok(None)
                        }
                        Err(e) => Err(r.invalid(e)),
                    });
                }
            }
        }
    }
}

impl<T, E> Receiving<T, E> {
    fn deliver(&mut self, message: Message) -> Result<Option<T>, SdkError<E, RawMessage>> {
        match (self.unmarshal)(&message) {
            Ok(Unmarshalled::Event(event)) => Ok(Some(event)),
            Ok(Unmarshalled::Error(error)) => {
                self.end();
                Err(SdkError::service_error(error, RawMessage::Decoded(message)))
            }
            Err(e) => Err(SdkError::response_error(e, RawMessage::Decoded(message), None)),
        }
    }

    /// A framing error: the stream ends (the spec: it must be terminated).
    fn invalid(&mut self, e: FrameError) -> SdkError<E, RawMessage> {
        self.fail(DeserializeError::with_source("invalid event stream message", e))
    }

    fn fail(&mut self, source: DeserializeError) -> SdkError<E, RawMessage> {
        let buffered = self.decoder.buffered();
        // The message at fault: its declared length when the prelude checks out, else the
        // prelude, and never more than arrived.
        let len = match message_len(buffered) {
            Ok(Some(total)) => total,
            _ => 12,
        }
        .min(buffered.len());
        let raw = (len > 0).then(|| Bytes::copy_from_slice(&buffered[..len]));
        self.end();
        SdkError::response_error(source, RawMessage::Invalid(raw), None)
    }

    /// Ends the stream and lets go of the body (and its connection).
    fn end(&mut self) {
        self.ended = true;
        self.body = ByteStream::default();
        self.decoder = MessageDecoder::new();
    }
}

impl<T, E> Stream for EventReceiver<T, E> {
    type Item = Result<T, SdkError<E, RawMessage>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx).map(Result::transpose)
    }
}

impl<T, E> Clone for EventReceiver<T, E> {
    fn clone(&self) -> Self {
        Self { state: None }
    }
}

impl<T, E> PartialEq for EventReceiver<T, E> {
    fn eq(&self, other: &Self) -> bool {
        self.state.is_none() && other.state.is_none()
    }
}

impl<T, E> fmt::Debug for EventReceiver<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            None => f.write_str("EventReceiver(spent)"),
            Some(r) if r.ended => f.write_str("EventReceiver(ended)"),
            Some(_) => f.write_str("EventReceiver(..)"),
        }
    }
}
