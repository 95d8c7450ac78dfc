//! Amazon event streams (`application/vnd.amazon.eventstream`): the message framing
//! ([`frame`]), and the typed streams of operations with an event stream input
//! ([`EventStreamSender`]) or output ([`EventReceiver`]).

pub mod frame;
mod headers;
mod stream;

pub use frame::{decode, encode, encode_into, FrameError, Header, HeaderValue, Message, MessageDecoder};
#[doc(hidden)]
pub use headers::{event_message, header, message_kind, timestamp_value, FromHeader, MessageKind};
pub(crate) use stream::request_body;
#[doc(hidden)]
pub use stream::{EventStreamBody, Unmarshalled};
pub use stream::{EventReceiver, EventStreamSender, RawMessage, MAX_MESSAGE_LEN};
