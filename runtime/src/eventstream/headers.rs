//! What generated (un)marshallers call on messages: the kind of a received message from its
//! `:message-type` (and the headers that go with it), typed header getters that name the
//! header whose type is wrong, and the headers of an event to send.

use super::frame::{HeaderValue, Message};
use crate::error::{BuildError, DeserializeError, ErrorMetadata};
use crate::time::DateTime;

/// What a received message is, from its `:message-type` header.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind<'a> {
    /// `event`: an event of the stream, named by `:event-type`.
    Event(&'a str),
    /// `exception`: a modeled error, named by `:exception-type`.
    Exception(&'a str),
    /// `error`: an unmodeled error, with its `:error-code` and `:error-message`.
    Error {
        /// `:error-code`.
        code: &'a str,
        /// `:error-message`, when present.
        message: Option<&'a str>,
    },
}

impl MessageKind<'_> {
    /// Error metadata for an `exception` (its type as the code) or an `error` message;
    /// `None` for an event.
    pub fn error_metadata(&self) -> Option<ErrorMetadata> {
        match *self {
            MessageKind::Event(_) => None,
            MessageKind::Exception(name) => Some(ErrorMetadata::new(Some(name.to_string()), None, None)),
            MessageKind::Error { code, message } => Some(ErrorMetadata::new(Some(code.to_string()), message.map(str::to_string), None)),
        }
    }
}

/// Reads `:message-type` and the header that names the event or error. Each must be a string
/// header: another type (a byte array, say) is an error naming the header, as is a missing
/// header or an unknown message type.
#[doc(hidden)]
pub fn message_kind(message: &Message) -> Result<MessageKind<'_>, DeserializeError> {
    let required = |name: &str| -> Result<&str, DeserializeError> {
        header::<&str>(message, name)?.ok_or_else(|| DeserializeError::new(format!("event stream message has no {name} header")))
    };
    match required(":message-type")? {
        "event" => Ok(MessageKind::Event(required(":event-type")?)),
        "exception" => Ok(MessageKind::Exception(required(":exception-type")?)),
        "error" => Ok(MessageKind::Error { code: required(":error-code")?, message: header::<&str>(message, ":error-message")? }),
        other => Err(DeserializeError::new(format!("event stream message has an unknown :message-type `{other}`"))),
    }
}

/// A Rust type an event stream header is read as.
#[doc(hidden)]
pub trait FromHeader<'a>: Sized {
    /// The header type, for errors.
    const EXPECTED: &'static str;
    /// The value, when the header has this type.
    fn from_header(value: &'a HeaderValue) -> Option<Self>;
}

macro_rules! from_header {
    ($($ty:ty, $expected:literal, $pattern:pat => $value:expr;)*) => {$(
        impl<'a> FromHeader<'a> for $ty {
            const EXPECTED: &'static str = $expected;
            fn from_header(value: &'a HeaderValue) -> Option<Self> {
                match value {
                    $pattern => Some($value),
                    _ => None,
                }
            }
        }
    )*};
}

from_header! {
    bool, "boolean", HeaderValue::Bool(v) => *v;
    i8, "byte", HeaderValue::Byte(v) => *v;
    i16, "short", HeaderValue::Int16(v) => *v;
    i32, "integer", HeaderValue::Int32(v) => *v;
    i64, "long", HeaderValue::Int64(v) => *v;
    &'a [u8], "byte array", HeaderValue::ByteArray(v) => v.as_slice();
    Vec<u8>, "byte array", HeaderValue::ByteArray(v) => v.clone();
    crate::types::Blob, "byte array", HeaderValue::ByteArray(v) => crate::types::Blob::new(v.clone());
    &'a str, "string", HeaderValue::String(v) => v.as_str();
    String, "string", HeaderValue::String(v) => v.clone();
    DateTime, "timestamp", HeaderValue::Timestamp(v) => DateTime::from_millis(*v);
    [u8; 16], "uuid", HeaderValue::Uuid(v) => *v;
}

fn type_name(value: &HeaderValue) -> &'static str {
    match value {
        HeaderValue::Bool(_) => "boolean",
        HeaderValue::Byte(_) => "byte",
        HeaderValue::Int16(_) => "short",
        HeaderValue::Int32(_) => "integer",
        HeaderValue::Int64(_) => "long",
        HeaderValue::ByteArray(_) => "byte array",
        HeaderValue::String(_) => "string",
        HeaderValue::Timestamp(_) => "timestamp",
        HeaderValue::Uuid(_) => "uuid",
    }
}

/// Header `name` as a `V` (`header::<i32>(message, "sequenceNum")`); `Ok(None)` when the
/// message does not have it, an error naming it when its type is not `V`'s.
#[doc(hidden)]
pub fn header<'a, V: FromHeader<'a>>(message: &'a Message, name: &str) -> Result<Option<V>, DeserializeError> {
    let Some(value) = message.get(name) else { return Ok(None) };
    V::from_header(value).map(Some).ok_or_else(|| {
        DeserializeError::new(format!("event stream header {name} is of type {}, not {}", type_name(value), V::EXPECTED))
    })
}

/// A message to send for event `event_type`: `:message-type: event`, `:event-type` and, when
/// given, `:content-type`, with `payload`. Generated code adds the event's header members.
#[doc(hidden)]
pub fn event_message(event_type: &str, content_type: Option<&str>, payload: Vec<u8>) -> Message {
    let message = Message::new(payload)
        .header(":message-type", HeaderValue::String("event".into()))
        .header(":event-type", HeaderValue::String(event_type.into()));
    match content_type {
        Some(ct) => message.header(":content-type", HeaderValue::String(ct.into())),
        None => message,
    }
}

/// A timestamp header value (milliseconds since the epoch; sub-millisecond precision is
/// dropped); an error naming `member` when it does not fit.
#[doc(hidden)]
pub fn timestamp_value(member: &'static str, value: &DateTime) -> Result<HeaderValue, BuildError> {
    value.to_millis().map(HeaderValue::Timestamp).map_err(|e| BuildError::invalid_field(member, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_kinds_need_string_headers() {
        let event = event_message("chunk", Some("application/json"), b"{}".to_vec());
        assert_eq!(message_kind(&event).unwrap(), MessageKind::Event("chunk"));
        assert_eq!(header::<&str>(&event, ":content-type").unwrap(), Some("application/json"));

        let blob_type = Message::default()
            .header(":message-type", HeaderValue::ByteArray(b"event".to_vec()))
            .header(":event-type", HeaderValue::String("chunk".into()));
        let e = message_kind(&blob_type).unwrap_err().to_string();
        assert_eq!(e, "event stream header :message-type is of type byte array, not string");
        let blob_event_type = Message::default()
            .header(":message-type", HeaderValue::String("event".into()))
            .header(":event-type", HeaderValue::ByteArray(b"chunk".to_vec()));
        assert!(message_kind(&blob_event_type).unwrap_err().to_string().contains(":event-type is of type byte array, not string"));

        let exception = Message::default()
            .header(":message-type", HeaderValue::String("exception".into()))
            .header(":exception-type", HeaderValue::String("Throttled".into()));
        let kind = message_kind(&exception).unwrap();
        assert_eq!(kind, MessageKind::Exception("Throttled"));
        assert_eq!(kind.error_metadata().unwrap().code(), Some("Throttled"));

        let error = Message::default()
            .header(":message-type", HeaderValue::String("error".into()))
            .header(":error-code", HeaderValue::String("InternalError".into()))
            .header(":error-message", HeaderValue::String("boom".into()));
        assert_eq!(message_kind(&error).unwrap(), MessageKind::Error { code: "InternalError", message: Some("boom") });

        assert!(message_kind(&Message::default()).unwrap_err().to_string().contains("no :message-type"));
        let unknown = Message::default().header(":message-type", HeaderValue::String("other".into()));
        assert!(message_kind(&unknown).unwrap_err().to_string().contains("unknown :message-type `other`"));
        let no_event_type = Message::default().header(":message-type", HeaderValue::String("event".into()));
        assert!(message_kind(&no_event_type).unwrap_err().to_string().contains("no :event-type"));
    }

    #[test]
    fn typed_headers() {
        let m = Message::default()
            .header("b", HeaderValue::Bool(false))
            .header("i", HeaderValue::Int32(-7))
            .header("t", HeaderValue::Timestamp(1_500))
            .header("bytes", HeaderValue::ByteArray(vec![1, 2]));
        assert_eq!(header::<bool>(&m, "b").unwrap(), Some(false));
        assert_eq!(header::<i32>(&m, "i").unwrap(), Some(-7));
        assert_eq!(header::<DateTime>(&m, "t").unwrap(), Some(DateTime::from_millis(1_500)));
        assert_eq!(header::<&[u8]>(&m, "bytes").unwrap(), Some(&[1u8, 2][..]));
        assert_eq!(header::<i64>(&m, "missing").unwrap(), None);
        let e = header::<i64>(&m, "i").unwrap_err().to_string();
        assert_eq!(e, "event stream header i is of type integer, not long");
        assert_eq!(timestamp_value("T", &DateTime::from_millis(-2)).unwrap(), HeaderValue::Timestamp(-2));
        assert!(timestamp_value("T", &DateTime::from_secs(i64::MAX)).is_err());
    }
}
