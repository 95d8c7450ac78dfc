//! The event stream message decoder (`client_runtime::eventstream`).
//!
//! Input: a control byte giving the chunk size, then the stream. The stream is fed to a
//! `MessageDecoder` in chunks of that size; every message it yields must encode back to the
//! exact bytes it came from and decode again to the same message. Decoding must never panic,
//! and after an error the test stops, as a client terminates the stream.

#![no_main]

use client_runtime::eventstream::{decode, encode, MessageDecoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else { return };
    let chunk = usize::from(chunk).max(1);
    let mut decoder = MessageDecoder::new();
    let mut offset = 0;
    for piece in stream.chunks(chunk) {
        decoder.push(piece);
        loop {
            match decoder.next_message() {
                Ok(Some(message)) => {
                    let bytes = encode(&message).expect("a decoded message encodes");
                    assert_eq!(&stream[offset..offset + bytes.len()], &bytes[..], "re-encoding changes the bytes");
                    offset += bytes.len();
                    assert_eq!(decode(&bytes), Ok(Some((message, bytes.len()))));
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    let _ = decoder.finish();
});
