//! The HTTP/1.1 response parser of the transport: status line, headers and body framing
//! (content-length, chunked, read to end, no body for HEAD/204/304), on any bytes a server
//! might send.
//!
//! Input: one byte choosing the request method, one choosing the size of the pieces the
//! response arrives in (0: all at once), then the server's bytes. Besides not panicking, the
//! outcome must not depend on how the bytes were split: a response read in small pieces equals
//! the one read whole.

#![no_main]

use client_runtime::transport::fuzz::read_response;
use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 5] = ["GET", "HEAD", "POST", "PUT", "DELETE"];

fuzz_target!(|data: &[u8]| {
    let [method, piece, wire @ ..] = data else { return };
    let method = METHODS[usize::from(*method) % METHODS.len()];
    let whole = read_response(wire, wire.len().max(1), method);
    if let Ok(response) = &whole {
        let _ = format!("{response:?}");
    }
    let piece = usize::from(*piece);
    if piece != 0 && piece < wire.len() {
        let split = read_response(wire, piece, method);
        match (&whole, &split) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{method} response differs when read in pieces of {piece} bytes"),
            (Err(_), Err(_)) => {}
            _ => panic!("{method} read whole: {whole:?}; in pieces of {piece} bytes: {split:?}"),
        }
    }
});
