//! Base64 decoding for model values (blob `@default`s and test parameters), which the emitter
//! writes as byte-string literals.

/// Decodes standard padded base64; `None` if the text is not valid base64.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i + 1 == bytes.len() / 4;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * pad as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_padded_base64_and_rejects_garbage() {
        assert_eq!(super::decode("YWJj").as_deref(), Some(&b"abc"[..]));
        assert_eq!(super::decode("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(super::decode("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(super::decode("").as_deref(), Some(&b""[..]));
        for bad in ["YQ=", "Y===", "YQ==YQ==", "a$bc", "abc"] {
            assert_eq!(super::decode(bad), None, "{bad}");
        }
    }
}
