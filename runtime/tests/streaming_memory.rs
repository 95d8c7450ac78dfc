//! Peak memory stays flat while a 1 GiB `@streaming` response is downloaded through the whole
//! pipeline and read piece by piece. Its own test binary, so that the process's peak resident
//! set (`VmHWM`) measures this test alone; the server sends from one static buffer.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use smithy_lite_runtime::byte_stream::ByteStream;
use smithy_lite_runtime::__private::client::{Handle, ServiceInfo};
use smithy_lite_runtime::config::Config;
use smithy_lite_runtime::error::{BuildError, DeserializeError, ErrorMetadata};
use smithy_lite_runtime::http::HttpResponse;
use smithy_lite_runtime::__private::operation::{Operation, RequestParts};

const TOTAL: u64 = 1 << 30;

struct Download;

impl Operation for Download {
    type Input = ();
    type Output = ByteStream;
    type Error = smithy_lite_runtime::error::Unhandled;
    const NAME: &'static str = "Download";
    const RETRYABLE_ERRORS: &'static [(&'static str, bool)] = &[];
    const STREAMING_OUTPUT: bool = true;

    fn serialize(_: &()) -> Result<RequestParts, BuildError> {
        Ok(RequestParts::new("GET"))
    }

    fn deserialize(response: &HttpResponse) -> Result<ByteStream, DeserializeError> {
        Ok(ByteStream::new(response.body.clone()))
    }

    fn deserialize_streaming(_: &HttpResponse, body: ByteStream) -> Result<ByteStream, DeserializeError> {
        Ok(body)
    }

    fn deserialize_error(_: &HttpResponse, meta: ErrorMetadata) -> Result<Self::Error, DeserializeError> {
        Ok(smithy_lite_runtime::error::Unhandled::new(meta))
    }
}

static SERVICE: ServiceInfo = ServiceInfo {
    sdk_id: "Streaming",
    api_version: "1",
    signing_name: None,
    env_suffix: "STREAMING",
    crate_name: "streaming-test",
    crate_version: "0",
    rules: None,
    protocol: &smithy_lite_runtime::__private::protocol::RestJson1,
};

/// Peak resident set of this process, in bytes.
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[tokio::test]
async fn downloading_1_gib_streamed_keeps_peak_memory_flat() {
    static PIECE: [u8; 1 << 20] = [b'z'; 1 << 20];
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        tcp.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && request.len() < 65536 && tcp.read(&mut byte).is_ok_and(|n| n == 1) {
            request.push(byte[0]);
        }
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {TOTAL}\r\n\r\n");
        if tcp.write_all(head.as_bytes()).is_err() {
            return;
        }
        for _ in 0..TOTAL / PIECE.len() as u64 {
            if tcp.write_all(&PIECE).is_err() {
                return;
            }
        }
    });
    let before = peak_rss();
    let started = Instant::now();
    let client = Handle::new(Config::builder().endpoint_url(url).build(), &SERVICE);
    let mut body = client.invoke::<Download>(()).await.unwrap();
    assert_eq!(body.content_length(), Some(TOTAL));
    let mut read = 0u64;
    let mut last = 0u8;
    while let Some(chunk) = body.try_next().await.unwrap() {
        read += chunk.len() as u64;
        last = chunk[chunk.len() - 1];
    }
    assert_eq!((read, last), (TOTAL, b'z'));
    server.join().unwrap();
    let elapsed = started.elapsed();
    if let (Some(before), Some(peak)) = (before, peak_rss()) {
        eprintln!("1 GiB streamed in {elapsed:?}; peak RSS {} MiB (before the download {} MiB)", peak >> 20, before >> 20);
        // The test binary, the runtime and a few chunks in flight; buffering would need 1 GiB.
        assert!(peak < before + (32 << 20), "peak RSS {} MiB, {} MiB before", peak >> 20, before >> 20);
    }
}
