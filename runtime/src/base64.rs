//! Base64 with the standard alphabet and padding (RFC 4648 §4), which Smithy uses for blobs in
//! JSON bodies and headers and for `Content-MD5`-style header values.

use std::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks bytes outside the alphabet in [`DECODE`].
const INVALID: u8 = 0xFF;

/// The 6-bit value of each alphabet byte.
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Why base64 text could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64Error {
    message: &'static str,
    offset: usize,
}

impl Base64Error {
    /// A short description of what was wrong.
    pub fn message(&self) -> &'static str {
        self.message
    }

    /// Byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid base64: {} at byte {}",
            self.message, self.offset
        )
    }
}

impl std::error::Error for Base64Error {}

/// The base64 encoding of `input`.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::new();
    encode_into(input, &mut out);
    out
}

/// Appends the base64 encoding of `input` to `out`.
pub fn encode_into(input: &[u8], out: &mut String) {
    out.reserve(input.len().div_ceil(3) * 4);
    let sextet = |group: u32, shift: u32| char::from(ALPHABET[((group >> shift) & 0x3F) as usize]);
    let mut chunks = input.chunks_exact(3);
    for chunk in &mut chunks {
        let group = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        out.push(sextet(group, 18));
        out.push(sextet(group, 12));
        out.push(sextet(group, 6));
        out.push(sextet(group, 0));
    }
    match *chunks.remainder() {
        [a] => {
            let group = u32::from(a) << 16;
            out.push(sextet(group, 18));
            out.push(sextet(group, 12));
            out.push_str("==");
        }
        [a, b] => {
            let group = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.push(sextet(group, 18));
            out.push(sextet(group, 12));
            out.push(sextet(group, 6));
            out.push('=');
        }
        _ => {}
    }
}

/// Decodes base64 text strictly: only the standard alphabet, padded to a multiple of four
/// characters, no whitespace, and the unused bits of the last group zero (RFC 4648 §3.5 allows
/// rejecting them, and doing so makes every byte string have exactly one accepted encoding).
/// Unpadded input is rejected: every AWS service and Smithy implementation pads, so missing
/// padding signals truncation rather than a dialect.
pub fn decode(input: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = input.as_bytes();
    if bytes.len() % 4 != 0 {
        return Err(Base64Error {
            message: "length is not a multiple of 4",
            offset: bytes.len(),
        });
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let last_group = bytes.len().saturating_sub(4);
    for (group_index, group) in bytes.chunks_exact(4).enumerate() {
        let start = group_index * 4;
        let padding = if start == last_group {
            group.iter().rev().take_while(|&&b| b == b'=').count()
        } else {
            0
        };
        if padding > 2 {
            return Err(Base64Error {
                message: "too much padding",
                offset: start + 4 - padding,
            });
        }
        let mut value = 0u32;
        for (i, &b) in group[..4 - padding].iter().enumerate() {
            let sextet = DECODE[usize::from(b)];
            if sextet == INVALID {
                let message = if b == b'=' {
                    "padding before the end"
                } else {
                    "invalid character"
                };
                return Err(Base64Error {
                    message,
                    offset: start + i,
                });
            }
            value = (value << 6) | u32::from(sextet);
        }
        value <<= 6 * padding;
        let [_, b0, b1, b2] = value.to_be_bytes();
        match padding {
            0 => out.extend_from_slice(&[b0, b1, b2]),
            1 if b2 == 0 => out.extend_from_slice(&[b0, b1]),
            2 if b1 == 0 && b2 == 0 => out.push(b0),
            _ => {
                return Err(Base64Error {
                    message: "non-zero bits before padding",
                    offset: start + 3 - padding,
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        // RFC 4648 §10.
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(encode(&[0xFB, 0xFF, 0xBF]), "+/+/");
        assert_eq!(decode("+/+/").unwrap(), [0xFB, 0xFF, 0xBF]);
        let mut out = String::from("x=");
        encode_into(b"hi", &mut out);
        assert_eq!(out, "x=aGk=");
    }

    #[test]
    fn rejects_malformed_input() {
        let cases = [
            ("Zg", "length is not a multiple of 4", 2),
            ("Zm9", "length is not a multiple of 4", 3),
            ("Zg=", "length is not a multiple of 4", 3),
            ("Z===", "too much padding", 1),
            ("====", "too much padding", 0),
            ("Zg==Zg==", "padding before the end", 2),
            ("Z=g=", "padding before the end", 1),
            ("Zm9v YmFy", "length is not a multiple of 4", 9),
            ("Zm9\nYmFy", "invalid character", 3),
            ("Zm-_", "invalid character", 2),
            ("Zm9é", "length is not a multiple of 4", 5),
            ("Zh==", "non-zero bits before padding", 1),
            ("Zm9=", "non-zero bits before padding", 2),
        ];
        for (input, message, offset) in cases {
            let err = decode(input).unwrap_err();
            assert_eq!(
                (err.message(), err.offset()),
                (message, offset),
                "{input:?}"
            );
        }
        assert!(decode("Zm9\u{e9}A").is_err());
    }

    #[test]
    fn round_trips_pseudo_random_bytes() {
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        for len in 0..600usize {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let encoded = encode(&bytes);
            assert_eq!(encoded.len(), len.div_ceil(3) * 4);
            assert_eq!(decode(&encoded).unwrap(), bytes);
            // Flipping any character to one outside the alphabet is caught.
            if !encoded.is_empty() {
                let at = (state as usize) % encoded.len();
                let mut broken = encoded.into_bytes();
                broken[at] = b'*';
                assert!(decode(std::str::from_utf8(&broken).unwrap()).is_err());
            }
        }
    }
}
