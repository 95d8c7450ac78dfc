//! Amazon event streams (`application/vnd.amazon.eventstream`): the message framing.

pub mod frame;
#[doc(hidden)]
pub mod marshal;

pub use frame::{decode, encode, encode_into, FrameError, Header, HeaderValue, Message, MessageDecoder};
