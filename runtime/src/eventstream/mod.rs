//! Amazon event streams (`application/vnd.amazon.eventstream`): the message framing.

pub mod frame;

pub use frame::{decode, encode, encode_into, FrameError, Header, HeaderValue, Message, MessageDecoder};
