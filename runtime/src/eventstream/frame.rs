//! The `application/vnd.amazon.eventstream` wire format: one message is a prelude (total
//! length, headers length, prelude CRC-32), the headers, the payload and a message CRC-32; all
//! integers big-endian. Both checksums are verified on decoding. The size limits the format
//! sets for services (24 MB payloads, 128 kB headers) are not enforced here: the spec says
//! clients must not; memory stays bounded because a frame's bytes are only ever held once they
//! have arrived.

use std::fmt;

use crate::checksum::crc32;

/// Prelude: total length, headers length, prelude CRC.
const PRELUDE_LEN: usize = 12;
/// The message CRC at the end.
const TRAILER_LEN: usize = 4;
/// The smallest message: a prelude and a message CRC, no headers, no payload.
pub const MIN_MESSAGE_LEN: usize = PRELUDE_LEN + TRAILER_LEN;

/// One message: headers in the order they were read (or are to be written), and the payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// The headers. Names are unique within a message.
    pub headers: Vec<Header>,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

impl Message {
    /// A message with `payload` and no headers.
    pub fn new(payload: impl Into<Vec<u8>>) -> Self {
        Self { headers: Vec::new(), payload: payload.into() }
    }

    /// Adds a header (builder style).
    pub fn header(mut self, name: impl Into<String>, value: HeaderValue) -> Self {
        self.headers.push(Header { name: name.into(), value });
        self
    }

    /// The value of header `name`.
    pub fn get(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|h| h.name == name).map(|h| &h.value)
    }

    /// The value of string header `name` (`:message-type`, `:event-type`, ...).
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(HeaderValue::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// A header: a name (1 to 255 bytes of UTF-8) and a typed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The name.
    pub name: String,
    /// The value.
    pub value: HeaderValue,
}

/// A header value, one variant per wire type (the type byte in brackets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderValue {
    /// `true` (0) or `false` (1).
    Bool(bool),
    /// A signed byte (2).
    Byte(i8),
    /// A 16-bit integer (3).
    Int16(i16),
    /// A 32-bit integer (4).
    Int32(i32),
    /// A 64-bit integer (5).
    Int64(i64),
    /// Bytes (6), at most 32,767.
    ByteArray(Vec<u8>),
    /// UTF-8 text (7), at most 32,767 bytes.
    String(String),
    /// Milliseconds since the Unix epoch (8).
    Timestamp(i64),
    /// A UUID in binary form (9).
    Uuid([u8; 16]),
}

/// Why bytes are not a valid message, or a message cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The prelude's CRC-32 does not match its first eight bytes.
    PreludeChecksum {
        /// The CRC the prelude carries.
        expected: u32,
        /// The CRC of what arrived.
        computed: u32,
    },
    /// The message CRC-32 does not match the message.
    MessageChecksum {
        /// The CRC the message carries.
        expected: u32,
        /// The CRC of what arrived.
        computed: u32,
    },
    /// The total length is smaller than a prelude and trailer, or the headers length does not
    /// fit inside it.
    InvalidLengths {
        /// The prelude's total length.
        total: u32,
        /// The prelude's headers length.
        headers: u32,
    },
    /// A header is malformed: what is wrong, and its byte offset in the headers section.
    InvalidHeader {
        /// What is wrong.
        reason: &'static str,
        /// Offset within the headers section.
        offset: usize,
    },
    /// A header has an unknown value type.
    UnknownHeaderType {
        /// The type byte.
        type_byte: u8,
        /// Offset within the headers section.
        offset: usize,
    },
    /// A message to encode breaks a limit of the format (name or value too long, message over
    /// 4 GiB).
    TooLong(&'static str),
    /// The stream ended inside a message.
    Truncated {
        /// Bytes of the unfinished message that had arrived.
        have: usize,
        /// Bytes the message needed (its total length, or the prelude's 12 when unknown).
        need: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PreludeChecksum { expected, computed } => {
                write!(f, "event stream prelude checksum mismatch: carries {expected:#010x}, computed {computed:#010x}")
            }
            Self::MessageChecksum { expected, computed } => {
                write!(f, "event stream message checksum mismatch: carries {expected:#010x}, computed {computed:#010x}")
            }
            Self::InvalidLengths { total, headers } => {
                write!(f, "event stream message lengths are inconsistent: total {total} bytes, headers {headers} bytes")
            }
            Self::InvalidHeader { reason, offset } => write!(f, "invalid event stream header at offset {offset}: {reason}"),
            Self::UnknownHeaderType { type_byte, offset } => {
                write!(f, "invalid event stream header at offset {offset}: unknown value type {type_byte}")
            }
            Self::TooLong(what) => write!(f, "cannot encode event stream message: {what}"),
            Self::Truncated { have, need } => write!(f, "event stream ended inside a message ({have} of {need} bytes)"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Appends the encoding of `message` to `out`.
pub fn encode_into(message: &Message, out: &mut Vec<u8>) -> Result<(), FrameError> {
    let start = out.len();
    out.extend_from_slice(&[0; PRELUDE_LEN]);
    for header in &message.headers {
        write_header(header, out)?;
    }
    let headers_len = out.len() - start - PRELUDE_LEN;
    out.extend_from_slice(&message.payload);
    let total = out.len() - start + TRAILER_LEN;
    let too_long = |_| FrameError::TooLong("the message is longer than 4 GiB");
    let total32 = u32::try_from(total).map_err(too_long)?;
    let headers32 = u32::try_from(headers_len).map_err(too_long)?;
    out[start..start + 4].copy_from_slice(&total32.to_be_bytes());
    out[start + 4..start + 8].copy_from_slice(&headers32.to_be_bytes());
    let prelude_crc = crc32(&out[start..start + 8]);
    out[start + 8..start + 12].copy_from_slice(&prelude_crc.to_be_bytes());
    let message_crc = crc32(&out[start..]);
    out.extend_from_slice(&message_crc.to_be_bytes());
    Ok(())
}

/// The encoding of `message`.
pub fn encode(message: &Message) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::with_capacity(MIN_MESSAGE_LEN + message.payload.len() + 64);
    encode_into(message, &mut out)?;
    Ok(out)
}

pub(crate) fn write_header(header: &Header, out: &mut Vec<u8>) -> Result<(), FrameError> {
    let name = header.name.as_bytes();
    if name.is_empty() {
        return Err(FrameError::TooLong("a header name must not be empty"));
    }
    out.push(u8::try_from(name.len()).map_err(|_| FrameError::TooLong("a header name is longer than 255 bytes"))?);
    out.extend_from_slice(name);
    let counted = |bytes: &[u8], out: &mut Vec<u8>| -> Result<(), FrameError> {
        let len = u16::try_from(bytes.len()).ok().filter(|l| *l <= i16::MAX as u16);
        let len = len.ok_or(FrameError::TooLong("a header value is longer than 32,767 bytes"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(bytes);
        Ok(())
    };
    match &header.value {
        HeaderValue::Bool(true) => out.push(0),
        HeaderValue::Bool(false) => out.push(1),
        HeaderValue::Byte(v) => {
            out.push(2);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Int16(v) => {
            out.push(3);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Int32(v) => {
            out.push(4);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Int64(v) => {
            out.push(5);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::ByteArray(v) => {
            out.push(6);
            counted(v, out)?;
        }
        HeaderValue::String(v) => {
            out.push(7);
            counted(v.as_bytes(), out)?;
        }
        HeaderValue::Timestamp(v) => {
            out.push(8);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Uuid(v) => {
            out.push(9);
            out.extend_from_slice(v);
        }
    }
    Ok(())
}

fn be_u32(bytes: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[..4]);
    u32::from_be_bytes(b)
}

/// How many bytes the message starting at `buf` occupies, once its prelude has arrived and
/// checks out; `None` while fewer than 12 bytes are there.
pub fn message_len(buf: &[u8]) -> Result<Option<usize>, FrameError> {
    if buf.len() < PRELUDE_LEN {
        return Ok(None);
    }
    let total = be_u32(&buf[0..4]);
    let headers = be_u32(&buf[4..8]);
    let expected = be_u32(&buf[8..12]);
    let computed = crc32(&buf[0..8]);
    if expected != computed {
        return Err(FrameError::PreludeChecksum { expected, computed });
    }
    let fits = (total as usize) >= MIN_MESSAGE_LEN && (headers as usize) <= total as usize - MIN_MESSAGE_LEN;
    if !fits {
        return Err(FrameError::InvalidLengths { total, headers });
    }
    Ok(Some(total as usize))
}

/// Decodes the message at the start of `buf`, returning it and the bytes it used; `Ok(None)`
/// when `buf` holds only part of it.
pub fn decode(buf: &[u8]) -> Result<Option<(Message, usize)>, FrameError> {
    let Some(total) = message_len(buf)? else { return Ok(None) };
    if buf.len() < total {
        return Ok(None);
    }
    let frame = &buf[..total];
    // The headers are parsed before the message checksum is compared so that a malformed
    // headers section is reported as such (parsing is bounded by the section and allocates
    // only what it holds); nothing is returned unless the checksum matches too.
    let headers_len = be_u32(&frame[4..8]) as usize;
    let headers = read_headers(&frame[PRELUDE_LEN..PRELUDE_LEN + headers_len])?;
    let expected = be_u32(&frame[total - TRAILER_LEN..]);
    let computed = crc32(&frame[..total - TRAILER_LEN]);
    if expected != computed {
        return Err(FrameError::MessageChecksum { expected, computed });
    }
    let payload = frame[PRELUDE_LEN + headers_len..total - TRAILER_LEN].to_vec();
    Ok(Some((Message { headers, payload }, total)))
}

fn read_headers(mut rest: &[u8]) -> Result<Vec<Header>, FrameError> {
    let section_len = rest.len();
    let mut headers = Vec::new();
    while !rest.is_empty() {
        let offset = section_len - rest.len();
        let bad = |reason| FrameError::InvalidHeader { reason, offset };
        let name_len = usize::from(rest[0]);
        if name_len == 0 {
            return Err(bad("empty header name"));
        }
        let name = rest.get(1..1 + name_len).ok_or(bad("the header name runs past the headers section"))?;
        let name = std::str::from_utf8(name).map_err(|_| bad("the header name is not UTF-8"))?.to_string();
        rest = &rest[1 + name_len..];
        let (&type_byte, after) = rest.split_first().ok_or(bad("the header has no value type"))?;
        rest = after;
        let mut take = |n: usize| -> Result<&[u8], FrameError> {
            let (value, after) = (rest.get(..n).ok_or(bad("the header value runs past the headers section"))?, &rest[n..]);
            rest = after;
            Ok(value)
        };
        let fixed = |bytes: &[u8]| -> [u8; 8] {
            let mut b = [0u8; 8];
            b[8 - bytes.len()..].copy_from_slice(bytes);
            b
        };
        let value = match type_byte {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(i8::from_be_bytes([take(1)?[0]])),
            3 => {
                let b = take(2)?;
                HeaderValue::Int16(i16::from_be_bytes([b[0], b[1]]))
            }
            4 => {
                let b = take(4)?;
                HeaderValue::Int32(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            }
            5 => HeaderValue::Int64(i64::from_be_bytes(fixed(take(8)?))),
            6 | 7 => {
                let len = take(2)?;
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                let bytes = take(len)?.to_vec();
                if type_byte == 6 {
                    HeaderValue::ByteArray(bytes)
                } else {
                    HeaderValue::String(String::from_utf8(bytes).map_err(|_| bad("a string header value is not UTF-8"))?)
                }
            }
            8 => HeaderValue::Timestamp(i64::from_be_bytes(fixed(take(8)?))),
            9 => {
                let mut uuid = [0u8; 16];
                uuid.copy_from_slice(take(16)?);
                HeaderValue::Uuid(uuid)
            }
            other => return Err(FrameError::UnknownHeaderType { type_byte: other, offset }),
        };
        headers.push(Header { name, value });
    }
    Ok(headers)
}

/// Splits a byte stream into messages as its chunks arrive.
#[derive(Debug, Default)]
pub struct MessageDecoder {
    buf: Vec<u8>,
    /// Bytes of `buf` already decoded (dropped lazily, so small chunks do not shift it each time).
    used: usize,
}

impl MessageDecoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes that arrived.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.used > 0 && self.used * 2 >= self.buf.len() {
            self.buf.drain(..self.used);
            self.used = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete message, `Ok(None)` when more bytes are needed. After an error the
    /// stream is unusable (the spec: the stream must be terminated).
    pub fn next_message(&mut self) -> Result<Option<Message>, FrameError> {
        match decode(&self.buf[self.used..])? {
            Some((message, used)) => {
                self.used += used;
                Ok(Some(message))
            }
            None => Ok(None),
        }
    }

    /// The bytes received and not yet decoded into a message (an incomplete message, or the
    /// message that failed to decode).
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.used..]
    }

    /// Checks that the stream ended between messages.
    pub fn finish(&self) -> Result<(), FrameError> {
        let have = self.buf.len() - self.used;
        if have == 0 {
            return Ok(());
        }
        let need = message_len(&self.buf[self.used..]).ok().flatten().unwrap_or(PRELUDE_LEN);
        Err(FrameError::Truncated { have, need })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_type() -> Message {
        Message::new(b"payload".to_vec())
            .header("t", HeaderValue::Bool(true))
            .header("f", HeaderValue::Bool(false))
            .header("b", HeaderValue::Byte(-5))
            .header("s", HeaderValue::Int16(-20000))
            .header("i", HeaderValue::Int32(500_000))
            .header("l", HeaderValue::Int64(-50_000_000_000))
            .header("bytes", HeaderValue::ByteArray(vec![0, 1, 255]))
            .header("str", HeaderValue::String("ünï".into()))
            .header("time", HeaderValue::Timestamp(5_000_000_000))
            .header("uuid", HeaderValue::Uuid([7; 16]))
    }

    #[test]
    fn every_header_type_round_trips() {
        let message = every_type();
        let bytes = encode(&message).unwrap();
        assert_eq!(decode(&bytes).unwrap(), Some((message, bytes.len())));
    }

    #[test]
    fn the_empty_message_is_sixteen_bytes() {
        let bytes = encode(&Message::default()).unwrap();
        assert_eq!(bytes.len(), MIN_MESSAGE_LEN);
        assert_eq!(&bytes[..8], &[0, 0, 0, 16, 0, 0, 0, 0]);
    }

    #[test]
    fn every_truncation_asks_for_more_and_every_flipped_bit_is_caught() {
        let bytes = encode(&every_type()).unwrap();
        for len in 0..bytes.len() {
            assert_eq!(decode(&bytes[..len]), Ok(None), "{len} bytes");
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut bad = bytes.clone();
                bad[i] ^= 1 << bit;
                // A changed length may make the frame look incomplete; otherwise a CRC or a
                // header check refuses it. It never decodes to a message.
                assert!(!matches!(decode(&bad), Ok(Some(_))), "byte {i} bit {bit}");
            }
        }
    }

    #[test]
    fn the_decoder_splits_a_stream_fed_a_byte_at_a_time() {
        let messages = [every_type(), Message::new(b"two".to_vec()), Message::default()];
        let mut stream = Vec::new();
        for m in &messages {
            encode_into(m, &mut stream).unwrap();
        }
        let mut decoder = MessageDecoder::new();
        let mut out = Vec::new();
        for byte in &stream {
            decoder.push(std::slice::from_ref(byte));
            while let Some(m) = decoder.next_message().unwrap() {
                out.push(m);
            }
        }
        assert_eq!(out, messages);
        decoder.finish().unwrap();
        decoder.push(&stream[..5]);
        assert_eq!(decoder.finish(), Err(FrameError::Truncated { have: 5, need: 12 }));
    }

    #[test]
    fn limits_of_the_format_are_refused_when_encoding() {
        let long_name = Message::default().header("n".repeat(256), HeaderValue::Bool(true));
        assert!(matches!(encode(&long_name), Err(FrameError::TooLong(_))));
        let long_value = Message::default().header("v", HeaderValue::ByteArray(vec![0; 32_768]));
        assert!(matches!(encode(&long_value), Err(FrameError::TooLong(_))));
        let empty_name = Message::default().header("", HeaderValue::Bool(true));
        assert!(matches!(encode(&empty_name), Err(FrameError::TooLong(_))));
    }
}
