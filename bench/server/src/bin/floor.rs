//! The raw-socket floor: the same DescribeAppInstance exchange as the consumers make (a request of
//! the same shape and size, signed-looking headers included, then the whole response read), with
//! the request bytes built once and nothing else done per call. What a client spends beyond this
//! is the cost of being a client: building, signing, serialising, parsing, retrying.
//!
//! `floor <host:port> <N> <WARMUP>` prints the same `REPORT` line as the consumers.

#[path = "../../../common/measure.rs"]
#[allow(dead_code)]
mod measure;

use bench_server::{first_line, read_head, skip_body};
use measure::{fail, Meter};
use std::io::{BufReader, Write};
use std::net::TcpStream;

#[global_allocator]
static ALLOC: measure::CountingAlloc = measure::CountingAlloc;

/// A request with the headers a signed SDK call carries; only `host` depends on the run.
fn request(host: &str) -> Vec<u8> {
    format!(
        "GET /app-instances/arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2Ff2b4a1c6-0d5e-4a57-9d1c-3e8b7a6f5c21 HTTP/1.1\r\n\
host: {host}\r\n\
user-agent: bench-floor/0.0.0 os/linux lang/rust\r\n\
amz-sdk-invocation-id: 0b7a4f3e-9c2d-4e1f-8a6b-5d4c3b2a1f09\r\n\
amz-sdk-request: attempt=1; max=3\r\n\
x-amz-date: 20250101T000000Z\r\n\
authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/chime/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n\
content-length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: floor <host:port> <N> <WARMUP>";
    let addr = args.first().unwrap_or_else(|| fail(usage));
    let num = |i: usize| -> u64 { args.get(i).and_then(|s| s.parse().ok()).unwrap_or_else(|| fail(usage)) };
    let (n, warmup) = (num(1), num(2));

    let stream = TcpStream::connect(addr).unwrap_or_else(|e| fail(&format!("connect {addr}: {e}")));
    if stream.set_nodelay(true).is_err() {
        fail("set_nodelay");
    }
    let mut writer = stream.try_clone().unwrap_or_else(|_| fail("clone"));
    let mut reader = BufReader::with_capacity(16 * 1024, stream);
    let request = request(addr);
    let mut head = Vec::with_capacity(1024);
    let mut exchange = || {
        if writer.write_all(&request).is_err() {
            fail("write");
        }
        match read_head(&mut reader, &mut head) {
            Ok(Some(len)) if first_line(&head).starts_with(b"HTTP/1.1 200") => {
                if skip_body(&mut reader, len).is_err() {
                    fail("read body");
                }
            }
            _ => fail("bad response"),
        }
    };
    for _ in 0..warmup {
        exchange();
    }
    let meter = Meter::start();
    for _ in 0..n {
        exchange();
    }
    meter.report_requests(n);
}
