//! Peak memory stays bounded when a server sends an endless response body. Its own test
//! binary, so that the process's peak resident set (`VmHWM`) measures this test alone.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use smithy_lite_runtime::http::{HttpClient, HttpRequest, Uri};
use smithy_lite_runtime::transport::{Transport, TransportError, DEFAULT_MAX_RESPONSE_BODY};

/// Serves `connections` connections on 127.0.0.1; each reads a request head and then writes
/// `head` followed by `piece` again and again, up to 2 GiB or until the client goes away.
fn endless_server(heads: &'static [&'static [u8]], piece: &'static [u8]) -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        for head in heads {
            let (mut tcp, _) = listener.accept().unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && tcp.read(&mut byte).is_ok_and(|n| n == 1) {
                request.push(byte[0]);
            }
            let started = Instant::now();
            let mut sent = 0usize;
            if tcp.write_all(head).is_err() {
                continue;
            }
            while sent < 2 << 30 && started.elapsed() < Duration::from_secs(60) {
                if tcp.write_all(piece).is_err() {
                    break;
                }
                sent += piece.len();
            }
        }
    });
    (url, handle)
}

/// Peak resident set of this process, in bytes.
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[tokio::test]
async fn endless_bodies_stop_at_the_default_limit_and_memory_stays_bounded() {
    static CHUNK: [u8; 64 * 1024 + 10] = {
        let mut chunk = [b'x'; 64 * 1024 + 10];
        // "10000\r\n" + 64 KiB + "\r\n", one chunk of the chunked coding.
        let size = *b"10000\r\n";
        let mut i = 0;
        while i < size.len() {
            chunk[i] = size[i];
            i += 1;
        }
        chunk[64 * 1024 + 7] = b'\r';
        chunk[64 * 1024 + 8] = b'\n';
        chunk
    };
    let chunk: &'static [u8] = &CHUNK[..64 * 1024 + 9];
    let heads: &'static [&'static [u8]] = &[
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
    ];
    let (url, server) = endless_server(heads, chunk);
    let close_heads: &'static [&'static [u8]] = &[b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n"];
    let (close_url, close_server) = endless_server(close_heads, &[b'y'; 64 * 1024]);

    let transport = Transport::new();
    for url in [url, close_url] {
        let request = HttpRequest { method: "GET".into(), uri: Uri::parse(&url).unwrap(), ..Default::default() };
        let err = transport.send(&request).await.unwrap_err();
        assert_eq!(
            err.transport_error(),
            Some(&TransportError::ResponseTooLarge { limit: DEFAULT_MAX_RESPONSE_BODY, declared: None }),
            "{err}"
        );
    }
    drop(transport);
    server.join().unwrap();
    close_server.join().unwrap();
    if let Some(peak) = peak_rss() {
        // The limit (64 MiB) once, plus the test binary and runtime; without a limit the client
        // holds the server's 2 GiB.
        assert!(peak < DEFAULT_MAX_RESPONSE_BODY + 96 * 1024 * 1024, "peak RSS {} MiB", peak >> 20);
        eprintln!("peak RSS {} MiB", peak >> 20);
    }
}
