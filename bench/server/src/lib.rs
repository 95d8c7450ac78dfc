//! HTTP/1.1 framing shared by the bench server and the raw-socket floor: reading a message head
//! (request or status line plus headers) and its `content-length`, and the fixed values the
//! canned Chime responses are made of.

use std::io::{self, BufRead};

/// The name every canned app instance carries (the consumers check it on each response).
pub const NAME: &str = "bench";
/// The ARN prefix of canned app instances.
pub const ARN_PREFIX: &str = "arn:aws:chime:us-east-1:123456789012:app-instance/";

/// Reads one message head into `head` (cleared first), up to and including the blank line, and
/// returns its `content-length` (0 when absent). `None` on a clean end of stream before the head
/// starts. Heads over 64 KiB are refused so a bad peer cannot grow the buffer without bound.
pub fn read_head<R: BufRead>(r: &mut R, head: &mut Vec<u8>) -> io::Result<Option<usize>> {
    head.clear();
    let mut content_length = 0usize;
    loop {
        let start = head.len();
        let n = r.read_until(b'\n', head)?;
        if n == 0 {
            return if start == 0 { Ok(None) } else { Err(io::ErrorKind::UnexpectedEof.into()) };
        }
        if head.len() > 64 * 1024 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "head too long"));
        }
        let line = trim_crlf(&head[start..]);
        if line.is_empty() {
            return Ok(Some(content_length));
        }
        if let Some(value) = header_value(line, b"content-length") {
            content_length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?;
        }
    }
}

/// The first line of a head read by [`read_head`], without its line break.
pub fn first_line(head: &[u8]) -> &[u8] {
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    trim_crlf(&head[..end])
}

fn trim_crlf(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The value of `line` when it is the header `name` (ASCII case-insensitive).
fn header_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let colon = line.iter().position(|&b| b == b':')?;
    line[..colon].eq_ignore_ascii_case(name).then(|| &line[colon + 1..])
}

/// Discards exactly `n` bytes of body.
pub fn skip_body<R: BufRead>(r: &mut R, mut n: usize) -> io::Result<()> {
    while n > 0 {
        let available = r.fill_buf()?;
        if available.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let take = available.len().min(n);
        r.consume(take);
        n -= take;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_heads_back_to_back_and_finds_content_length() {
        let wire = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n";
        let mut r = io::BufReader::new(&wire[..]);
        let mut head = Vec::new();
        assert_eq!(read_head(&mut r, &mut head).unwrap(), Some(3));
        assert_eq!(first_line(&head), b"POST /a HTTP/1.1");
        skip_body(&mut r, 3).unwrap();
        assert_eq!(read_head(&mut r, &mut head).unwrap(), Some(0));
        assert_eq!(first_line(&head), b"GET /b HTTP/1.1");
        assert_eq!(read_head(&mut r, &mut head).unwrap(), None);
    }

    #[test]
    fn refuses_truncated_heads_and_bad_lengths() {
        let mut head = Vec::new();
        let mut r = io::BufReader::new(&b"GET / HTTP/1.1\r\nhost: x\r\n"[..]);
        assert!(read_head(&mut r, &mut head).is_err());
        let mut r = io::BufReader::new(&b"GET / HTTP/1.1\r\ncontent-length: -1\r\n\r\n"[..]);
        assert!(read_head(&mut r, &mut head).is_err());
    }
}
