//! Behaviour of the client generated from `codegen/tests/fixtures/streaming.json` against a
//! local HTTP server on 127.0.0.1: `PutFile` streams its `@streaming` payload from a file (with
//! `content-length`) or from a reader (chunked), `GetFile` hands its payload over as a
//! `ByteStream` read piece by piece, and its modeled error is typed. `cargo xtask conformance`
//! (`generated-crates`) copies this file into the generated crate's `tests/` and runs it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use client_runtime::test_util::block_on;
use streaming_fixture::operation::get_file::GetFileError;
use streaming_fixture::primitives::ByteStream;
use streaming_fixture::{Client, Config};

const BIG: usize = 8 << 20;

/// One request as received: the head and the decoded body.
struct Received {
    head: String,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn read_line(tcp: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8(buf[..i].to_vec()).ok()?;
            buf.drain(..i + 2);
            return Some(line);
        }
        if buf.len() > 65536 {
            return None;
        }
        fill(tcp, buf)?;
    }
}

fn fill(tcp: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 65536];
    match tcp.read(&mut chunk) {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

fn exact(tcp: &mut TcpStream, buf: &mut Vec<u8>, n: usize) -> Option<Vec<u8>> {
    while buf.len() < n {
        fill(tcp, buf)?;
    }
    Some(buf.drain(..n).collect())
}

fn read_request(tcp: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Received> {
    let mut head = String::new();
    loop {
        let line = read_line(tcp, buf)?;
        if line.is_empty() {
            break;
        }
        head.push_str(&line);
        head.push('\n');
    }
    let mut r = Received { head, body: Vec::new() };
    if r.header("transfer-encoding") == Some("chunked") {
        loop {
            let size = usize::from_str_radix(read_line(tcp, buf)?.trim(), 16).ok()?;
            if size == 0 {
                while !read_line(tcp, buf)?.is_empty() {}
                break;
            }
            let data = exact(tcp, buf, size)?;
            r.body.extend_from_slice(&data);
            read_line(tcp, buf)?;
        }
    } else {
        let len = r.header("content-length").map_or(Some(0), |v| v.parse().ok())?;
        r.body = exact(tcp, buf, len)?;
    }
    Some(r)
}

/// Serves `connections` connections (or stops after 20 s), answering each request by path.
fn server(connections: usize) -> (String, Arc<Mutex<Vec<Received>>>, thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    let handle = thread::spawn(move || {
        let started = Instant::now();
        let mut threads = Vec::new();
        while threads.len() < connections && started.elapsed() < Duration::from_secs(20) {
            let Ok((mut tcp, _)) = listener.accept() else {
                thread::sleep(Duration::from_millis(2));
                continue;
            };
            tcp.set_nonblocking(false).unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let log = log2.clone();
            threads.push(thread::spawn(move || {
                let mut buf = Vec::new();
                while let Some(r) = read_request(&mut tcp, &mut buf) {
                    let first = r.head.lines().next().unwrap_or("").to_string();
                    let answer: Vec<u8> = if first.starts_with("PUT ") {
                        let json = format!("{{\"size\":{}}}", r.body.len());
                        format!("HTTP/1.1 200 OK\r\netag: \"e1\"\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}", json.len()).into_bytes()
                    } else if first.starts_with("GET /files/big ") {
                        let mut out = format!("HTTP/1.1 200 OK\r\ncontent-type: application/x-big\r\ncontent-length: {BIG}\r\n\r\n").into_bytes();
                        out.extend((0..BIG).map(|i| (i % 241) as u8));
                        out
                    } else {
                        let json = r#"{"message":"no such file"}"#;
                        format!("HTTP/1.1 404 Not Found\r\nx-amzn-errortype: FileNotFound\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}", json.len()).into_bytes()
                    };
                    log.lock().unwrap().push(r);
                    if tcp.write_all(&answer).is_err() {
                        return;
                    }
                }
            }));
        }
        let n = threads.len();
        for t in threads {
            t.join().unwrap();
        }
        n
    });
    (url, log, handle)
}

fn client(url: &str) -> Client {
    Client::from_conf(Config::builder().endpoint_url(url).build())
}

#[test]
fn put_file_streams_a_file_with_its_length_and_a_reader_chunked() {
    let (url, log, server) = server(2);
    let dir = std::env::temp_dir().join(format!("streaming-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("upload.bin");
    let data: Vec<u8> = (0..300_001u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    block_on(async {
        let client = client(&url);
        let body = ByteStream::from_path(&path).await.unwrap();
        let out = client.put_file().name("a.bin").body(body).send().await.unwrap();
        assert_eq!((out.size(), out.etag()), (Some(300_001), Some("\"e1\"")));
        let reader = ByteStream::from_reader(&b"from a reader"[..]);
        let out = client.put_file().name("b.txt").body(reader).send().await.unwrap();
        assert_eq!(out.size(), Some(13));
    });
    let accepted = server.join().unwrap();
    let received = std::mem::take(&mut *log.lock().unwrap());
    assert_eq!((accepted, received.len()), (2, 2), "a one-shot body gets a connection of its own");
    assert!(received[0].head.starts_with("PUT /files/a.bin "), "{}", received[0].head);
    assert_eq!(received[0].header("content-length"), Some("300001"));
    assert_eq!(received[0].header("content-type"), Some("application/octet-stream"));
    assert!(received[0].body == data);
    assert_eq!(received[1].header("transfer-encoding"), Some("chunked"));
    assert_eq!(received[1].body, b"from a reader");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_requires_length_payload_refuses_a_body_of_unknown_length() {
    let (url, log, server) = server(1);
    block_on(async {
        let client = client(&url);
        let err = client.put_sized_file().name("s").body(ByteStream::from_reader(&b"unknown"[..])).send().await.unwrap_err();
        let text = format!("{}", streaming_fixture::error::DisplayErrorContext(&err));
        assert!(text.contains("@requiresLength"), "{text}");
        let sized = ByteStream::from_reader_with_length(&b"known"[..], 5);
        let out = client.put_sized_file().name("s").body(sized).send().await.unwrap();
        assert_eq!(out.size(), Some(5));
    });
    assert_eq!(server.join().unwrap(), 1, "the refused request never left the client");
    let received = std::mem::take(&mut *log.lock().unwrap());
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].header("content-length"), Some("5"));
}

#[test]
fn get_file_hands_over_the_body_to_read_piece_by_piece_then_reuses_the_connection() {
    let (url, log, server) = server(1);
    block_on(async {
        let client = client(&url);
        for round in 0..2 {
            let out = client.get_file().name("big").send().await.unwrap();
            assert_eq!(out.content_type(), Some("application/x-big"));
            let mut body = out.body;
            if round == 0 {
                assert_eq!(body.content_length(), Some(BIG as u64));
                let (mut read, mut pieces) = (0usize, 0);
                while let Some(chunk) = body.try_next().await.unwrap() {
                    assert!(chunk.iter().enumerate().all(|(i, &b)| b == ((read + i) % 241) as u8));
                    read += chunk.len();
                    pieces += 1;
                }
                assert_eq!(read, BIG);
                assert!(pieces > 8, "{pieces} pieces");
            } else {
                let all = body.collect().await.unwrap();
                assert_eq!(all.len(), BIG);
                assert_eq!(all.into_bytes()[BIG - 1], ((BIG - 1) % 241) as u8);
            }
        }
        let err = client.get_file().name("missing").send().await.unwrap_err();
        match err.into_service_error() {
            GetFileError::FileNotFound(e) => assert_eq!(e.message(), Some("no such file")),
            other => panic!("expected FileNotFound, got {other:?}"),
        }
    });
    assert_eq!(server.join().unwrap(), 1, "every body was read to its end, so one connection served all");
    assert_eq!(log.lock().unwrap().len(), 3);
}
