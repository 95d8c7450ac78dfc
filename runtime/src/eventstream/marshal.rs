//! What generated marshallers and unmarshallers share (AWS event stream message conventions,
//! `amazon-eventstream.rst`): the `:message-type` / `:event-type` / `:exception-type` /
//! `:error-code` headers, typed header reads that name the header when its type is wrong, and
//! error events as modeled errors or [`Unhandled`] ones. Not public API.

use super::{HeaderValue, Message};
use crate::error::{DeserializeError, ErrorMetadata, FromErrorResponse, Unhandled};
use crate::http::{Headers, HttpResponse};
use crate::time::DateTime;

/// The message of event `event_type` with `payload` (and its `:content-type`, when it has one).
pub fn event(event_type: &str, payload: Vec<u8>, content_type: Option<&str>) -> Message {
    let mut message = Message::new(payload)
        .header(":message-type", HeaderValue::String("event".into()))
        .header(":event-type", HeaderValue::String(event_type.into()));
    if let Some(ct) = content_type {
        message = message.header(":content-type", HeaderValue::String(ct.into()));
    }
    message
}

/// The message of modeled error event `exception_type`, its members as a JSON `payload`.
pub fn exception(exception_type: &str, payload: Vec<u8>) -> Message {
    Message::new(payload)
        .header(":message-type", HeaderValue::String("exception".into()))
        .header(":exception-type", HeaderValue::String(exception_type.into()))
        .header(":content-type", HeaderValue::String("application/json".into()))
}

/// The message of an unmodeled error: its code and message as headers.
pub fn error(meta: &ErrorMetadata) -> Message {
    let mut message = Message::new(Vec::new()).header(":message-type", HeaderValue::String("error".into()));
    message = message.header(":error-code", HeaderValue::String(meta.code().unwrap_or("Unhandled").into()));
    if let Some(text) = meta.message() {
        message = message.header(":error-message", HeaderValue::String(text.into()));
    }
    message
}

/// The events of an input whose stream was not set: none (a signed stream still ends with its
/// empty signed frame).
pub fn no_events<T: Send + 'static, E: Send + 'static>() -> super::EventStreamSender<T, E> {
    super::EventStreamSender::from(NoEvents(std::marker::PhantomData))
}

struct NoEvents<T>(std::marker::PhantomData<fn() -> T>);

impl<T> futures_core::Stream for NoEvents<T> {
    type Item = T;
    fn poll_next(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Option<T>> {
        std::task::Poll::Ready(None)
    }
}

/// What a message is, by its `:message-type` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind<'a> {
    /// An event of this `:event-type`.
    Event(&'a str),
    /// A modeled error of this `:exception-type`.
    Exception(&'a str),
    /// An unmodeled error (`:error-code`, `:error-message`).
    Error,
}

/// The kind of `message`; a missing or non-string `:message-type` (or `:event-type` of an event,
/// `:exception-type` of an exception) is an error, as is an unknown message type.
pub fn kind(message: &Message) -> Result<MessageKind<'_>, DeserializeError> {
    let required = |name: &'static str| -> Result<&str, DeserializeError> {
        str_header(message, name)?.ok_or_else(|| DeserializeError::new(format!("the event stream message has no {name} header")))
    };
    match required(":message-type")? {
        "event" => Ok(MessageKind::Event(required(":event-type")?)),
        "exception" => Ok(MessageKind::Exception(required(":exception-type")?)),
        "error" => Ok(MessageKind::Error),
        other => Err(DeserializeError::new(format!("unknown event stream :message-type `{other}`"))),
    }
}

fn wrong_type(name: &str, want: &str, got: &HeaderValue) -> DeserializeError {
    DeserializeError::new(format!("event stream header `{name}` should be {want}, not {got:?}"))
}

macro_rules! typed_header {
    ($(#[$doc:meta])* $fn:ident, $ty:ty, $want:literal, $variant:ident) => {
        $(#[$doc])*
        pub fn $fn(message: &Message, name: &str) -> Result<Option<$ty>, DeserializeError> {
            match message.get(name) {
                None => Ok(None),
                Some(HeaderValue::$variant(v)) => Ok(Some(v.clone())),
                Some(other) => Err(wrong_type(name, $want, other)),
            }
        }
    };
}

typed_header!(
    /// A boolean header.
    bool_header, bool, "a boolean", Bool
);
typed_header!(
    /// A byte header.
    byte_header, i8, "a byte", Byte
);
typed_header!(
    /// A 16-bit integer header.
    i16_header, i16, "a short", Int16
);
typed_header!(
    /// A 32-bit integer header.
    i32_header, i32, "an integer", Int32
);
typed_header!(
    /// A 64-bit integer header.
    i64_header, i64, "a long", Int64
);
typed_header!(
    /// A bytes header.
    bytes_header, Vec<u8>, "bytes", ByteArray
);

/// A string header.
pub fn str_header<'m>(message: &'m Message, name: &str) -> Result<Option<&'m str>, DeserializeError> {
    match message.get(name) {
        None => Ok(None),
        Some(HeaderValue::String(v)) => Ok(Some(v)),
        Some(other) => Err(wrong_type(name, "a string", other)),
    }
}

/// A timestamp header.
pub fn timestamp_header(message: &Message, name: &str) -> Result<Option<DateTime>, DeserializeError> {
    match message.get(name) {
        None => Ok(None),
        Some(HeaderValue::Timestamp(ms)) => Ok(Some(DateTime::from_millis(*ms))),
        Some(other) => Err(wrong_type(name, "a timestamp", other)),
    }
}

/// Modeled error `E` from an exception message: its JSON payload read as an error response
/// body of that error.
pub fn modeled_error<E: FromErrorResponse>(message: &Message, code: &str) -> Result<E, DeserializeError> {
    let mut headers = Headers::new();
    headers.insert("content-type", "application/json");
    let response = HttpResponse { status: 400, headers, body: message.payload.clone() };
    E::from_response(&response, ErrorMetadata::new(Some(code.to_string()), None, None))
}

/// An unmodeled error from an `error` message (`:error-code`, `:error-message`), or from an
/// exception of a type the model does not list (its `:exception-type`).
pub fn unhandled(message: &Message) -> Unhandled {
    let text = |name| match message.get(name) {
        Some(HeaderValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let code = text(":error-code").or_else(|| text(":exception-type"));
    let mut error_message = text(":error-message");
    if error_message.is_none() && !message.payload.is_empty() {
        error_message = std::str::from_utf8(&message.payload).ok().map(str::to_string);
    }
    Unhandled::new(ErrorMetadata::new(code, error_message, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_kinds_need_string_headers() {
        let ev = event("headers", Vec::new(), None);
        assert_eq!(kind(&ev).unwrap(), MessageKind::Event("headers"));
        let ex = exception("error", b"{}".to_vec());
        assert_eq!(kind(&ex).unwrap(), MessageKind::Exception("error"));
        assert_eq!(ex.get_str(":content-type"), Some("application/json"));
        let meta = ErrorMetadata::new(Some("internal-error".into()), Some("boom".into()), None);
        assert_eq!(kind(&error(&meta)).unwrap(), MessageKind::Error);
        let u = unhandled(&error(&meta));
        assert_eq!((u.meta().code(), u.meta().message()), (Some("internal-error"), Some("boom")));

        let blob_type = Message::new(Vec::new()).header(":message-type", HeaderValue::ByteArray(b"event".to_vec()));
        assert!(kind(&blob_type).unwrap_err().to_string().contains(":message-type"));
        let no_event_type = Message::new(Vec::new()).header(":message-type", HeaderValue::String("event".into()));
        assert!(kind(&no_event_type).unwrap_err().to_string().contains(":event-type"));
        let missing = Message::new(Vec::new());
        assert!(kind(&missing).is_err());
        let odd = Message::new(Vec::new()).header(":message-type", HeaderValue::String("gossip".into()));
        assert!(kind(&odd).unwrap_err().to_string().contains("gossip"));
    }

    #[test]
    fn typed_headers_name_the_header_on_a_type_mismatch() {
        let m = Message::new(Vec::new())
            .header("n", HeaderValue::Int32(7))
            .header("t", HeaderValue::Timestamp(8_675_309_000))
            .header("b", HeaderValue::ByteArray(b"foo".to_vec()));
        assert_eq!(i32_header(&m, "n").unwrap(), Some(7));
        assert_eq!(i64_header(&m, "missing").unwrap(), None);
        assert_eq!(timestamp_header(&m, "t").unwrap(), Some(DateTime::from_secs(8_675_309)));
        assert_eq!(bytes_header(&m, "b").unwrap(), Some(b"foo".to_vec()));
        let e = i64_header(&m, "n").unwrap_err().to_string();
        assert!(e.contains("`n`") && e.contains("a long"), "{e}");
        assert!(str_header(&m, "b").is_err());
    }
}
