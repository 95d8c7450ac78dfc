//! Amazon event streams (`application/vnd.amazon.eventstream`): the message framing
//! ([`frame`]), and the typed streams of operations with an event stream input
//! ([`EventStreamSender`]) or output ([`EventReceiver`]).

pub mod frame;
#[doc(hidden)]
pub mod marshal;
mod stream;

pub use frame::{decode, encode, encode_into, FrameError, Header, HeaderValue, Message, MessageDecoder};
pub(crate) use stream::request_body;
#[doc(hidden)]
pub use stream::{EventStreamBody, Unmarshalled};
pub use stream::{EventReceiver, EventStreamSender, RawMessage, MAX_MESSAGE_LEN};
