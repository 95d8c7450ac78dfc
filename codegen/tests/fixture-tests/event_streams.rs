//! Behaviour of the client generated for Smithy's restJson1 event stream cases (service
//! `codegen/tests/fixtures/event-streams/`) against a local HTTP server on 127.0.0.1: input
//! events go out signed (each frame wrapping one message, chained by `:chunk-signature`, then
//! the empty end frame) in a chunked body, with the initial request's members as HTTP headers;
//! output events come back typed, an unknown event type as `Unknown`, a modeled error event as
//! a typed service error, with the initial response's members read from the HTTP headers. The
//! same crate's `@streaming` blob payloads and its waiter are driven against the same kind of
//! server.
//! `cargo xtask conformance` (`event-stream-tests`) copies this file into the generated crate's
//! `tests/` and runs it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use client_runtime::error::SdkError;
use client_runtime::eventstream::{decode, encode, EventStreamSender, HeaderValue, Message};
use client_runtime::test_util::{block_on, stream_of};
use rest_json_event_streams::config::{Credentials, Region};
use rest_json_event_streams::types::error::{ErrorEvent, EventStreamError};
use rest_json_event_streams::types::{EventStream, HeadersEvent, PayloadStructure, StructurePayloadEvent};
use rest_json_event_streams::{Client, Config};

/// One request as received: the head and the de-chunked body.
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

fn fill(tcp: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16384];
    match tcp.read(&mut chunk) {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

fn line(tcp: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
            let l = String::from_utf8(buf[..i].to_vec()).ok()?;
            buf.drain(..i + 2);
            return Some(l);
        }
        if buf.len() > 65536 {
            return None;
        }
        fill(tcp, buf)?;
    }
}

fn read_request(tcp: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut head = String::new();
    loop {
        let l = line(tcp, &mut buf)?;
        if l.is_empty() {
            break;
        }
        head.push_str(&l);
        head.push('\n');
    }
    let mut r = Received { head, body: Vec::new() };
    if r.header("transfer-encoding") == Some("chunked") {
        loop {
            let size = usize::from_str_radix(line(tcp, &mut buf)?.trim(), 16).ok()?;
            if size == 0 {
                while !line(tcp, &mut buf)?.is_empty() {}
                break;
            }
            while buf.len() < size {
                fill(tcp, &mut buf)?;
            }
            r.body.extend(buf.drain(..size));
            line(tcp, &mut buf)?;
        }
    } else {
        let len: usize = r.header("content-length").map_or(Some(0), |v| v.parse().ok())?;
        while buf.len() < len {
            fill(tcp, &mut buf)?;
        }
        r.body = buf.drain(..len).collect();
    }
    Some(r)
}

/// Serves `requests` requests, on as many connections as the client opens (or gives up after
/// 20 s), answering each with `answer(index, request)`; returns the requests.
fn serve(requests: usize, answer: impl Fn(usize, &Received) -> Vec<u8> + Send + 'static) -> (String, thread::JoinHandle<Vec<Received>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        let started = Instant::now();
        let mut received = Vec::new();
        while received.len() < requests && started.elapsed() < Duration::from_secs(20) {
            let Ok((mut tcp, _)) = listener.accept() else {
                thread::sleep(Duration::from_millis(2));
                continue;
            };
            tcp.set_nonblocking(false).unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            while received.len() < requests {
                let Some(request) = read_request(&mut tcp) else { break };
                let reply = answer(received.len(), &request);
                received.push(request);
                if tcp.write_all(&reply).is_err() {
                    break;
                }
            }
        }
        received
    });
    (url, handle)
}

/// Serves one request with `answer`, and returns it.
fn serve_once(answer: Vec<u8>) -> (String, thread::JoinHandle<Option<Received>>) {
    let (url, handle) = serve(1, move |_, _| answer.clone());
    (url, thread::spawn(move || handle.join().unwrap().pop()))
}

fn http_response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n{headers}content-length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn client(url: &str) -> Client {
    Client::from_conf(
        Config::builder()
            .endpoint_url(url)
            .region(Region::new("us-west-2"))
            .credentials_provider(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "test"))
            .build(),
    )
}

/// The messages of a signed event stream body: each frame must carry a 32-byte
/// `:chunk-signature` and a `:date`, wrap exactly one message, and the stream must end with one
/// empty signed frame.
fn signed_messages(body: &[u8]) -> Vec<Message> {
    let mut rest = body;
    let mut out = Vec::new();
    let mut ended = false;
    while !rest.is_empty() {
        assert!(!ended, "nothing may follow the end frame");
        let (frame, used) = decode(rest).expect("a valid frame").expect("a whole frame");
        rest = &rest[used..];
        assert!(matches!(frame.get(":chunk-signature"), Some(HeaderValue::ByteArray(s)) if s.len() == 32), "{frame:?}");
        assert!(matches!(frame.get(":date"), Some(HeaderValue::Timestamp(_))), "{frame:?}");
        if frame.payload.is_empty() {
            ended = true;
            continue;
        }
        let (inner, used) = decode(&frame.payload).expect("a valid message").expect("a whole message");
        assert_eq!(used, frame.payload.len(), "one message per frame");
        out.push(inner);
    }
    assert!(ended, "a signed stream ends with an empty signed frame");
    out
}

fn event(event_type: &str, content_type: Option<&str>, payload: &[u8]) -> Message {
    let mut m = Message::new(payload.to_vec())
        .header(":message-type", HeaderValue::String("event".into()))
        .header(":event-type", HeaderValue::String(event_type.into()));
    if let Some(ct) = content_type {
        m = m.header(":content-type", HeaderValue::String(ct.into()));
    }
    m
}

fn event_stream_response(extra_headers: &str, messages: &[Message]) -> Vec<u8> {
    let body: Vec<u8> = messages.iter().flat_map(|m| encode(m).unwrap()).collect();
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/vnd.amazon.eventstream\r\n{extra_headers}content-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend(body);
    out
}

#[test]
fn duplex_events_go_out_signed_and_come_back_typed() {
    let answer = event_stream_response(
        "",
        &[
            event("headers", None, b"").header("intHeader", HeaderValue::Int32(7)).header("stringHeader", HeaderValue::String("seven".into())),
            event("structurePayload", Some("application/json"), br#"{"structureMember":"back"}"#),
            event("somethingNew", Some("application/json"), b"{}"),
            Message::new(br#"{"message":"stop"}"#.to_vec())
                .header(":message-type", HeaderValue::String("exception".into()))
                .header(":exception-type", HeaderValue::String("error".into()))
                .header(":content-type", HeaderValue::String("application/json".into())),
        ],
    );
    let (url, server) = serve_once(answer);
    block_on(async {
        let sent = vec![
            Ok(EventStream::Headers(HeadersEvent::builder().boolean_header(true).long_header(1_i64 << 40).build())),
            Ok(EventStream::StructurePayload(
                StructurePayloadEvent::builder().payload(PayloadStructure::builder().structure_member("out").build()).build(),
            )),
        ];
        let mut output = client(&url).duplex_stream().stream(EventStreamSender::from(stream_of(sent))).send().await.unwrap();
        let first = output.stream.recv().await.unwrap().unwrap();
        assert_eq!(first, EventStream::Headers(HeadersEvent::builder().int_header(7).string_header("seven").build()));
        let second = output.stream.recv().await.unwrap().unwrap();
        let EventStream::StructurePayload(p) = second else { panic!("{second:?}") };
        assert_eq!(p.payload().and_then(|s| s.structure_member()), Some("back"));
        let third = output.stream.recv().await.unwrap().unwrap();
        assert!(third.is_unknown(), "{third:?}");
        let Err(SdkError::ServiceError(e)) = output.stream.recv().await else { panic!("expected the error event") };
        let EventStreamError::Error(err) = e.err() else { panic!("{:?}", e.err()) };
        assert_eq!(err.message(), Some("stop"));
        assert!(matches!(output.stream.recv().await, Ok(None)), "the stream ends after a modeled error");
    });
    let request = server.join().unwrap().expect("the server got a request");
    assert!(request.head.starts_with("POST /DuplexStream "), "{}", request.head);
    assert_eq!(request.header("content-type"), Some("application/vnd.amazon.eventstream"));
    assert_eq!(request.header("x-amz-content-sha256"), Some("STREAMING-AWS4-HMAC-SHA256-EVENTS"));
    assert_eq!(request.header("transfer-encoding"), Some("chunked"));
    assert!(request.header("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256 ")));
    let messages = signed_messages(&request.body);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].get_str(":event-type"), Some("headers"));
    assert_eq!(messages[0].get("booleanHeader"), Some(&HeaderValue::Bool(true)));
    assert_eq!(messages[0].get("longHeader"), Some(&HeaderValue::Int64(1_i64 << 40)));
    assert_eq!(messages[1].get_str(":event-type"), Some("structurePayload"));
    assert_eq!(messages[1].get_str(":content-type"), Some("application/json"));
    assert_eq!(messages[1].payload, br#"{"structureMember":"out"}"#);
}

#[test]
fn initial_messages_are_http_headers_and_an_error_event_can_be_sent() {
    let (url, server) = serve_once(event_stream_response("initial-response-member: from-server\r\n", &[]));
    block_on(async {
        let events = EventStreamSender::once(Err(EventStreamError::Error(ErrorEvent::builder().message("client gives up").build())));
        let mut output = client(&url)
            .duplex_stream_with_initial_messages()
            .initial_request_member("from-client")
            .stream(events)
            .send()
            .await
            .unwrap();
        assert_eq!(output.initial_response_member(), "from-server");
        assert!(matches!(output.stream.recv().await, Ok(None)));
    });
    let request = server.join().unwrap().expect("the server got a request");
    assert_eq!(request.header("initial-request-member"), Some("from-client"));
    let messages = signed_messages(&request.body);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].get_str(":message-type"), Some("exception"));
    assert_eq!(messages[0].get_str(":exception-type"), Some("error"));
    assert_eq!(messages[0].payload, br#"{"message":"client gives up"}"#);
}

#[test]
fn a_frame_with_a_bad_checksum_is_an_error_not_a_panic() {
    let mut body = encode(&event("headers", None, b"")).unwrap();
    let last = body.len() - 1;
    body[last] ^= 1;
    let mut answer = format!("HTTP/1.1 200 OK\r\ncontent-type: application/vnd.amazon.eventstream\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
    answer.extend(body);
    let (url, server) = serve_once(answer);
    block_on(async {
        let mut output = client(&url).output_stream().send().await.unwrap();
        let got = output.stream.recv().await;
        assert!(matches!(got, Err(SdkError::ResponseError(_))), "{got:?}");
    });
    server.join().unwrap().expect("the server got a request");
}

#[test]
fn streaming_blobs_go_out_chunked_and_come_back_piece_by_piece() {
    let big: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
    let served = big.clone();
    let (url, server) = serve(3, move |i, r| match i {
        0 => http_response("200 OK", "content-type: application/json\r\n", format!("{{\"size\":{}}}", r.body.len()).as_bytes()),
        1 => http_response("200 OK", "content-type: application/octet-stream\r\n", &served),
        _ => http_response("404 Not Found", "x-amzn-errortype: BlobNotFound\r\ncontent-type: application/json\r\n", br#"{"message":"gone"}"#),
    });
    block_on(async {
        let client = client(&url);
        let body = rest_json_event_streams::primitives::ByteStream::from_reader(&b"from a reader"[..]);
        let out = client.put_blob().name("a").body(body).send().await.unwrap();
        assert_eq!(out.size(), Some(13));
        let mut out = client.get_blob().name("a").send().await.unwrap();
        let mut got = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = out.body.try_next().await.unwrap() {
            got.extend_from_slice(&chunk);
            chunks += 1;
        }
        assert!(got == big && chunks >= 2, "{} bytes in {chunks} chunks", got.len());
        let err = client.get_blob().name("b").send().await.unwrap_err();
        assert!(err.as_service_error().is_some_and(|e| e.is_blob_not_found()), "{err:?}");
    });
    let received = server.join().unwrap();
    assert_eq!(received.len(), 3);
    assert!(received[0].head.starts_with("PUT /blobs/a "), "{}", received[0].head);
    assert_eq!(received[0].header("transfer-encoding"), Some("chunked"));
    assert_eq!(received[0].header("x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"));
    assert_eq!(received[0].body, b"from a reader");
}

#[test]
fn the_waiter_polls_until_its_success_acceptor_matches() {
    let (url, server) = serve(3, |i, _| match i {
        0 => http_response("404 Not Found", "x-amzn-errortype: BlobNotFound\r\ncontent-type: application/json\r\n", b"{}"),
        1 => http_response("200 OK", "content-type: application/json\r\n", br#"{"state":"pending"}"#),
        _ => http_response("200 OK", "content-type: application/json\r\n", br#"{"state":"ready"}"#),
    });
    let started = Instant::now();
    block_on(async {
        use rest_json_event_streams::client::Waiters;
        let poll = client(&url).wait_until_blob_ready().name("a").wait(Duration::from_secs(30)).await.expect("the blob becomes ready");
        assert_eq!(poll.as_result().ok().and_then(|o| o.state()), Some("ready"));
    });
    let received = server.join().unwrap();
    assert_eq!(received.len(), 3, "two retries, then success");
    assert!(received.iter().all(|r| r.head.starts_with("GET /blobs/a/status ")));
    // minDelay 1 s, maxDelay 2 s: two waits of 1 to 2 s each.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(2) && waited < Duration::from_secs(10), "{waited:?}");
}
