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
    /// A message read by `try_recv_initial` that was not the initial response.
    peeked: Option<Message>,
    /// A message has been asked for.
    started: bool,
    ended: bool,
}

impl<T, E> EventReceiver<T, E> {
    /// Reads events from `body` with `unmarshal` (generated per event union). Events come
    /// when they happen, so the body is exempt from download stalled-stream protection (as
    /// in the AWS SDK for Rust); the client's read timeout still bounds each wait.
    #[doc(hidden)]
    pub fn new(mut body: ByteStream, unmarshal: fn(&Message) -> Result<Unmarshalled<T, E>, DeserializeError>) -> Self {
        body.allow_idle();
        Self { state: Some(Receiving { body, decoder: MessageDecoder::new(), unmarshal, peeked: None, started: false, ended: false }) }
    }

    /// The next event; `Ok(None)` once the stream has ended.
    pub async fn recv(&mut self) -> Result<Option<T>, SdkError<E, RawMessage>> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Reads the next message if it is the `initial-response` event of an RPC protocol
    /// (`:message-type: event`, `:event-type: initial-response`), whose payload holds the
    /// output's other members; any other message is kept for [`recv`](Self::recv).
    /// `Ok(None)` when the stream does not start with one (or has already been read from).
    #[doc(hidden)]
    pub async fn try_recv_initial(&mut self) -> Result<Option<Message>, SdkError<E, RawMessage>> {
        std::future::poll_fn(|cx| {
            let Some(r) = &mut self.state else { return Poll::Ready(Err(Self::spent())) };
            if r.started {
                return Poll::Ready(Ok(None));
            }
            let message = match r.poll_message(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(message)) => message,
            };
            if message.as_ref().is_some_and(is_initial_response) {
                return Poll::Ready(Ok(message));
            }
            r.peeked = message;
            Poll::Ready(Ok(None))
        })
        .await
    }

    fn spent() -> SdkError<E, RawMessage> {
        SdkError::dispatch_failure(DispatchError::new(
            DispatchErrorKind::Other,
            "this event receiver is a clone, and only the original reads the stream",
        ))
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<T>, SdkError<E, RawMessage>>> {
        let Some(r) = &mut self.state else { return Poll::Ready(Err(Self::spent())) };
        loop {
            let message = match r.peeked.take() {
                Some(message) => message,
                None => match r.poll_message(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(Some(message))) => message,
                    Poll::Ready(Ok(None)) => return Poll::Ready(Ok(None)),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                },
            };
            // An initial response nobody asked for is not an event (the spec: clients must not
            // fail on one), and no union member can have its name, which is not an identifier.
            if is_initial_response(&message) {
                continue;
            }
            return r.deliver(message);
        }
    }
}

fn is_initial_response(message: &Message) -> bool {
    message.get_str(":message-type") == Some("event") && message.get_str(":event-type") == Some("initial-response")
}

impl<T, E> Receiving<T, E> {
    /// The next whole message from the body; `Ok(None)` at its clean end.
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Message>, SdkError<E, RawMessage>>> {
        self.started = true;
        loop {
            if self.ended {
                return Poll::Ready(Ok(None));
            }
            match self.decoder.next_message() {
                Ok(Some(message)) => return Poll::Ready(Ok(Some(message))),
                Ok(None) => {}
                Err(e) => return Poll::Ready(Err(self.invalid(e))),
            }
            if let Ok(Some(total)) = message_len(self.decoder.buffered()) {
                if total > MAX_MESSAGE_LEN {
                    let source = DeserializeError::new(format!(
                        "an event stream message declares {total} bytes, more than the {MAX_MESSAGE_LEN} a message can have"
                    ));
                    return Poll::Ready(Err(self.fail(source)));
                }
            }
            match self.body.poll_next_chunk(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => self.decoder.push(&chunk),
                Poll::Ready(Some(Err(e))) => {
                    self.end();
                    let kind = e.dispatch_error().map_or(DispatchErrorKind::Io, DispatchError::kind);
                    return Poll::Ready(Err(SdkError::dispatch_failure(DispatchError::new(kind, e))));
                }
                Poll::Ready(None) => {
                    return Poll::Ready(match self.decoder.finish() {
                        Ok(()) => {
                            self.end();
                            Ok(None)
                        }
                        Err(e) => Err(self.invalid(e)),
                    });
                }
            }
        }
    }

    fn deliver(&mut self, message: Message) -> Poll<Result<Option<T>, SdkError<E, RawMessage>>> {
        Poll::Ready(match (self.unmarshal)(&message) {
            Ok(Unmarshalled::Event(event)) => Ok(Some(event)),
            Ok(Unmarshalled::Error(error)) => {
                self.end();
                Err(SdkError::service_error(error, RawMessage::Decoded(message)))
            }
            Err(e) => Err(SdkError::response_error(e, RawMessage::Decoded(message), None)),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credentials;
    use crate::eventstream::frame::{decode, encode, HeaderValue};
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    /// A stream over the items of an iterator.
    struct Iter<I>(I);

    impl<I: Iterator + Unpin> Stream for Iter<I> {
        type Item = I::Item;

        fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
            Poll::Ready(self.get_mut().0.next())
        }
    }

    #[derive(Debug, PartialEq)]
    struct Event(String);

    #[derive(Debug, PartialEq)]
    struct Failed(String);

    impl fmt::Display for Failed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for Failed {}

    fn marshal(item: Result<Event, Failed>) -> Result<Message, BuildError> {
        match item {
            Ok(Event(text)) if text == "unencodable" => Ok(Message::default().header("", HeaderValue::Bool(true))),
            Ok(Event(text)) => Ok(crate::eventstream::marshal::event("text", text.into_bytes(), Some("text/plain"))),
            Err(Failed(why)) => Err(BuildError::invalid(why)),
        }
    }

    fn unmarshal(message: &Message) -> Result<Unmarshalled<Event, Failed>, DeserializeError> {
        match crate::eventstream::marshal::kind(message)? {
            crate::eventstream::marshal::MessageKind::Event("text") => {
                let text = String::from_utf8(message.payload.clone()).map_err(|e| DeserializeError::with_source("not UTF-8", e))?;
                Ok(Unmarshalled::Event(Event(text)))
            }
            crate::eventstream::marshal::MessageKind::Exception(name) => Ok(Unmarshalled::Error(Failed(name.to_string()))),
            other => Err(DeserializeError::new(format!("unexpected {other:?}"))),
        }
    }

    fn sender(texts: &[&str]) -> EventStreamSender<Event, Failed> {
        let events: Vec<Result<Event, Failed>> = texts.iter().map(|t| Ok(Event(t.to_string()))).collect();
        Iter(events.into_iter()).into()
    }

    fn frames(mut bytes: &[u8]) -> Vec<Message> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (message, used) = decode(bytes).unwrap().expect("whole messages");
            out.push(message);
            bytes = &bytes[used..];
        }
        out
    }

    #[test]
    fn unsigned_events_are_one_frame_each_and_no_end_frame() {
        rt().block_on(async {
            let body = sender(&["a", "bc"]).into_body(marshal);
            let bytes = request_body(body, None, SystemTime::now).collect().await.unwrap().to_vec();
            let sent = frames(&bytes);
            assert_eq!(sent, [marshal(Ok(Event("a".into()))).unwrap(), marshal(Ok(Event("bc".into()))).unwrap()]);
            assert_eq!(sent[0].get(":message-type"), Some(&HeaderValue::String("event".into())));

            let once = EventStreamSender::<Event, Failed>::once(Ok(Event("only".into()))).into_body(marshal);
            let body = request_body(once.prepend(Message::new(b"first".to_vec())), None, SystemTime::now);
            let sent = frames(&body.collect().await.unwrap().to_vec());
            assert_eq!(sent.len(), 2);
            assert_eq!(sent[0].payload, b"first");
            assert_eq!(sent[1].payload, b"only");
        });
    }

    #[test]
    fn signed_events_are_wrapped_chained_and_end_with_an_empty_signed_frame() {
        rt().block_on(async {
            let seed = "ab".repeat(32);
            let credentials = Credentials::from_keys("AKID", "secret", None);
            let signer = EventSigner::new(credentials.clone(), "us-east-1", "svc", &seed).unwrap();
            let ticks = Arc::new(AtomicUsize::new(0));
            let clock = Arc::clone(&ticks);
            // Each message is signed at its own time.
            let now = move || UNIX_EPOCH + Duration::from_secs(1_700_000_000 + clock.fetch_add(1, Ordering::SeqCst) as u64);
            let body = request_body(sender(&["a", "b"]).into_body(marshal), Some(signer), now);
            let sent = frames(&body.collect().await.unwrap().to_vec());
            assert_eq!(sent.len(), 3, "two events and the end frame");
            // The same signer, fed the same inputs, must arrive at the same chain.
            let mut check = EventSigner::new(credentials, "us-east-1", "svc", &seed).unwrap();
            for (i, wrapper) in sent.iter().enumerate() {
                let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000 + i as u64);
                assert_eq!(wrapper.get(":date"), Some(&HeaderValue::Timestamp((1_700_000_000 + i as i64) * 1000)));
                assert_eq!(*wrapper, check.sign(&wrapper.payload, time).unwrap(), "frame {i}");
            }
            assert_eq!(frames(&sent[0].payload), [marshal(Ok(Event("a".into()))).unwrap()]);
            assert_eq!(frames(&sent[1].payload), [marshal(Ok(Event("b".into()))).unwrap()]);
            assert!(sent[2].payload.is_empty());
        });
    }

    #[test]
    fn a_marshal_error_ends_the_body_naming_the_event() {
        rt().block_on(async {
            let events = vec![Ok(Event("a".into())), Err(Failed("no good".into())), Ok(Event("never".into()))];
            let sender: EventStreamSender<Event, Failed> = Iter(events.into_iter()).into();
            let mut body = request_body(sender.into_body(marshal), None, SystemTime::now);
            assert!(body.try_next().await.unwrap().is_some());
            let e = body.try_next().await.unwrap_err().to_string();
            assert_eq!(e, "event 1 of the input event stream could not be sent: no good");
            assert!(body.try_next().await.unwrap().is_none(), "nothing after the failure");

            let mut body = request_body(sender_of("unencodable"), None, SystemTime::now);
            let e = body.try_next().await.unwrap_err().to_string();
            assert!(e.starts_with("event 0 of the input event stream cannot be encoded"), "{e}");
        });
    }

    fn sender_of(text: &str) -> EventStreamBody {
        sender(&[text]).into_body(marshal)
    }

    #[test]
    fn a_cloned_sender_is_spent_and_says_so() {
        rt().block_on(async {
            let mut original = sender(&["a"]);
            let clone = original.clone();
            assert_eq!(format!("{clone:?}"), "EventStreamSender(spent)");
            assert_eq!(format!("{original:?}"), "EventStreamSender(..)");
            assert!(original != clone && original != sender(&["a"]));
            assert!(clone == original.clone());
            let taken = original.take();
            assert!(original == clone, "taking leaves a spent sender");
            let e = request_body(clone.into_body(marshal), None, SystemTime::now).collect().await.unwrap_err().to_string();
            assert!(e.contains("already sent, or is a clone"), "{e}");
            assert!(request_body(taken.into_body(marshal), None, SystemTime::now).collect().await.is_ok());
        });
    }

    /// A response body arriving in the given chunks, then failing if `fail` says so; counts
    /// the chunks taken.
    struct Chunks {
        chunks: VecDeque<Result<Vec<u8>, &'static str>>,
        taken: Arc<AtomicUsize>,
    }

    impl ChunkSource for Chunks {
        fn poll_chunk(&mut self, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
            self.taken.fetch_add(1, Ordering::SeqCst);
            Poll::Ready(self.chunks.pop_front().map(|c| c.map(Bytes::from).map_err(|e| ByteStreamError::new(e, None))))
        }
    }

    fn receiver(chunks: Vec<Result<Vec<u8>, &'static str>>) -> (EventReceiver<Event, Failed>, Arc<AtomicUsize>) {
        let taken = Arc::new(AtomicUsize::new(0));
        let source = Chunks { chunks: chunks.into(), taken: Arc::clone(&taken) };
        (EventReceiver::new(ByteStream::from_source(source), unmarshal), taken)
    }

    fn event_bytes(text: &str) -> Vec<u8> {
        encode(&marshal(Ok(Event(text.into()))).unwrap()).unwrap()
    }

    fn exception_bytes(name: &str) -> Vec<u8> {
        let message = Message::new(b"{}".to_vec())
            .header(":message-type", HeaderValue::String("exception".into()))
            .header(":exception-type", HeaderValue::String(name.into()));
        encode(&message).unwrap()
    }

    #[test]
    fn events_split_anywhere_across_chunks_are_received_in_order() {
        rt().block_on(async {
            let wire = [event_bytes("first"), event_bytes(""), event_bytes("third, longer")].concat();
            // Every way of cutting the wire in three.
            for a in 0..wire.len() {
                for b in (a..wire.len()).step_by(7) {
                    let chunks = vec![Ok(wire[..a].to_vec()), Ok(wire[a..b].to_vec()), Ok(wire[b..].to_vec())];
                    let (mut rx, _) = receiver(chunks);
                    let mut got = Vec::new();
                    while let Some(event) = rx.recv().await.unwrap() {
                        got.push(event.0);
                    }
                    assert_eq!(got, ["first", "", "third, longer"], "cut at {a} and {b}");
                }
            }
            // And as a Stream.
            let (mut rx, _) = receiver(vec![Ok(wire.clone())]);
            let mut n = 0;
            while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
                item.unwrap();
                n += 1;
            }
            assert_eq!(n, 3);
        });
    }

    #[test]
    fn a_modeled_error_event_is_a_service_error_and_ends_the_stream() {
        rt().block_on(async {
            let wire = [event_bytes("a"), exception_bytes("Throttled"), event_bytes("after")].concat();
            let (mut rx, _) = receiver(vec![Ok(wire)]);
            assert_eq!(rx.recv().await.unwrap(), Some(Event("a".into())));
            let err = rx.recv().await.unwrap_err();
            assert_eq!(err.as_service_error(), Some(&Failed("Throttled".into())));
            let Some(RawMessage::Decoded(raw)) = err.raw_response() else { panic!("{err:?}") };
            assert_eq!(raw.get(":exception-type"), Some(&HeaderValue::String("Throttled".into())));
            assert!(rx.recv().await.unwrap().is_none(), "nothing after the error");
            assert_eq!(format!("{rx:?}"), "EventReceiver(ended)");
        });
    }

    #[test]
    fn an_unreadable_event_is_a_response_error_and_the_next_one_is_still_read() {
        rt().block_on(async {
            let bad = Message::new(vec![0xff]).header(":message-type", HeaderValue::String("event".into())).header(":event-type", HeaderValue::String("text".into()));
            let wire = [encode(&bad).unwrap(), event_bytes("b")].concat();
            let (mut rx, _) = receiver(vec![Ok(wire)]);
            let err = rx.recv().await.unwrap_err();
            assert!(matches!(&err, SdkError::ResponseError(e) if matches!(e.raw(), RawMessage::Decoded(m) if *m == bad)), "{err:?}");
            assert_eq!(rx.recv().await.unwrap(), Some(Event("b".into())));
            assert_eq!(rx.recv().await.unwrap(), None);
        });
    }

    #[test]
    fn a_bad_checksum_is_a_response_error_with_the_bytes_and_ends_the_stream() {
        rt().block_on(async {
            let good = event_bytes("ok");
            let mut corrupt = event_bytes("corrupt");
            let last = corrupt.len() - 1;
            corrupt[last] ^= 1;
            let (mut rx, _) = receiver(vec![Ok([good, corrupt.clone(), event_bytes("after")].concat())]);
            assert_eq!(rx.recv().await.unwrap(), Some(Event("ok".into())));
            let err = rx.recv().await.unwrap_err();
            let SdkError::ResponseError(e) = &err else { panic!("{err:?}") };
            assert!(matches!(e.raw(), RawMessage::Invalid(Some(b)) if *b == corrupt), "{err:?}");
            let chain = crate::error::DisplayErrorContext(&err).to_string();
            assert!(chain.contains("message checksum mismatch"), "{chain}");
            assert_eq!(rx.recv().await.unwrap(), None);

            // A corrupt prelude: its 12 bytes are what is reported.
            let mut prelude = event_bytes("x");
            prelude[2] ^= 0x40;
            let (mut rx, _) = receiver(vec![Ok(prelude.clone())]);
            let err = rx.recv().await.unwrap_err();
            assert!(matches!(err.raw_response(), Some(RawMessage::Invalid(Some(b))) if b[..] == prelude[..12]), "{err:?}");
        });
    }

    #[test]
    fn every_corruption_and_truncation_is_an_error_never_a_panic() {
        rt().block_on(async {
            let wire = [event_bytes("one"), exception_bytes("E")].concat();
            for i in 0..wire.len() {
                for bit in [0x01, 0x80] {
                    let mut bad = wire.clone();
                    bad[i] ^= bit;
                    let (mut rx, _) = receiver(vec![Ok(bad)]);
                    let mut results = 0;
                    while let Ok(Some(_)) | Err(_) = rx.recv().await {
                        results += 1;
                        assert!(results < 4, "the stream ends");
                    }
                }
            }
            let boundary = event_bytes("one").len();
            for len in (1..wire.len()).filter(|l| *l != boundary) {
                let (mut rx, _) = receiver(vec![Ok(wire[..len].to_vec())]);
                let mut last = rx.recv().await;
                while let Ok(Some(_)) = last {
                    last = rx.recv().await;
                }
                let err = last.expect_err("a body that ends inside a message");
                let SdkError::ResponseError(e) = &err else { panic!("{err:?}") };
                let RawMessage::Invalid(Some(rest)) = e.raw() else { panic!("{err:?}") };
                assert!(!rest.is_empty() && wire[..len].ends_with(rest), "{len}");
                assert!(crate::error::DisplayErrorContext(&err).to_string().contains("ended inside a message"));
                assert_eq!(rx.recv().await.unwrap(), None);
            }
        });
    }

    #[test]
    fn a_message_longer_than_the_format_allows_is_refused_before_it_is_buffered() {
        rt().block_on(async {
            let declared = (MAX_MESSAGE_LEN + 1) as u32;
            let mut prelude = Vec::new();
            prelude.extend_from_slice(&declared.to_be_bytes());
            prelude.extend_from_slice(&0u32.to_be_bytes());
            prelude.extend_from_slice(&crate::checksum::crc32(&prelude).to_be_bytes());
            // Far more data would follow than the test lets through.
            let mut chunks = vec![Ok(prelude)];
            chunks.extend((0..1000).map(|_| Ok(vec![0u8; 64 * 1024])));
            let (mut rx, taken) = receiver(chunks);
            let err = rx.recv().await.unwrap_err();
            assert!(err.to_string().contains("response error"), "{err:?}");
            assert!(crate::error::DisplayErrorContext(&err).to_string().contains(&format!("declares {declared} bytes")));
            assert_eq!(taken.load(Ordering::SeqCst), 1, "refused on its prelude");
            assert_eq!(rx.recv().await.unwrap(), None);

            // The largest valid length is not refused on its prelude.
            let mut prelude = Vec::new();
            prelude.extend_from_slice(&(MAX_MESSAGE_LEN as u32).to_be_bytes());
            prelude.extend_from_slice(&0u32.to_be_bytes());
            prelude.extend_from_slice(&crate::checksum::crc32(&prelude).to_be_bytes());
            let (mut rx, taken) = receiver(vec![Ok(prelude), Ok(vec![0u8; 100])]);
            let err = rx.recv().await.unwrap_err();
            assert!(crate::error::DisplayErrorContext(&err).to_string().contains("ended inside a message"), "{err:?}");
            assert_eq!(taken.load(Ordering::SeqCst), 3);
        });
    }

    #[test]
    fn a_body_read_failure_is_a_dispatch_failure() {
        rt().block_on(async {
            let (mut rx, _) = receiver(vec![Ok(event_bytes("a")), Err("connection reset")]);
            assert_eq!(rx.recv().await.unwrap(), Some(Event("a".into())));
            let err = rx.recv().await.unwrap_err();
            let SdkError::DispatchFailure(d) = &err else { panic!("{err:?}") };
            assert!(d.is_io());
            assert!(crate::error::DisplayErrorContext(&err).to_string().contains("connection reset"));
            assert_eq!(rx.recv().await.unwrap(), None);
        });
    }

    #[test]
    fn an_initial_response_is_read_first_and_anything_else_is_kept_for_recv() {
        rt().block_on(async {
            let initial = crate::eventstream::marshal::event("initial-response", b"{\"a\":1}".to_vec(), Some("application/json"));
            let wire = [encode(&initial).unwrap(), event_bytes("x")].concat();
            let (mut rx, _) = receiver(vec![Ok(wire)]);
            assert_eq!(rx.try_recv_initial().await.unwrap(), Some(initial.clone()));
            assert_eq!(rx.try_recv_initial().await.unwrap(), None, "only before the first event");
            assert_eq!(rx.recv().await.unwrap(), Some(Event("x".into())));
            assert_eq!(rx.recv().await.unwrap(), None);

            let (mut rx, _) = receiver(vec![Ok(event_bytes("first")), Ok(event_bytes("second"))]);
            assert_eq!(rx.try_recv_initial().await.unwrap(), None);
            assert_eq!(rx.recv().await.unwrap(), Some(Event("first".into())), "kept, not lost");
            assert_eq!(rx.recv().await.unwrap(), Some(Event("second".into())));

            let (mut rx, _) = receiver(vec![Ok(exception_bytes("Nope"))]);
            assert_eq!(rx.try_recv_initial().await.unwrap(), None);
            assert!(rx.recv().await.unwrap_err().as_service_error().is_some());
            let (mut rx, _) = receiver(vec![]);
            assert_eq!(rx.try_recv_initial().await.unwrap(), None);
            assert_eq!(rx.recv().await.unwrap(), None);

            // Not asked for: skipped, not an error.
            let (mut rx, _) = receiver(vec![Ok(encode(&initial).unwrap()), Ok(event_bytes("y"))]);
            assert_eq!(rx.recv().await.unwrap(), Some(Event("y".into())));
        });
    }

    #[test]
    fn a_cloned_receiver_is_spent() {
        rt().block_on(async {
            let (rx, _) = receiver(vec![Ok(event_bytes("a"))]);
            let mut clone = rx.clone();
            assert_eq!(format!("{clone:?}"), "EventReceiver(spent)");
            assert_eq!(format!("{rx:?}"), "EventReceiver(..)");
            assert!(rx != clone && clone == rx.clone());
            let err = clone.recv().await.unwrap_err();
            assert!(crate::error::DisplayErrorContext(&err).to_string().contains("is a clone"), "{err:?}");
        });
    }
}
