//! Event streams end to end against an HTTP/1.1 server on 127.0.0.1: a hand-written operation
//! with an event stream input and output, as generated code would write it. The server decodes
//! the chunked request body, checks every message's chained signature by recomputing it (with
//! its own SigV4 arithmetic, not the runtime's), and answers with an event stream the
//! operation's receiver reads.

#![cfg(feature = "event-stream")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ring::{digest, hmac};
use smithy_lite_runtime::__private as rt;
use smithy_lite_runtime::clock::TimeSource;
use smithy_lite_runtime::config::{Config, TimeoutConfig};
use smithy_lite_runtime::credentials::Credentials;
use smithy_lite_runtime::error::{BuildError, DeserializeError, DisplayErrorContext, ErrorMetadata, SdkError, Unhandled};
use smithy_lite_runtime::eventstream::{EventReceiver, EventStreamSender, HeaderValue, Message, RawMessage};
use smithy_lite_runtime::http::HttpResponse;
use smithy_lite_runtime::region::Region;
use smithy_lite_runtime::retry::RetryConfig;
use rt::client::{Handle, ServiceInfo};
use rt::operation::{Operation, RequestParts};

// ---- The operation, as generated code would write it --------------------------------------

#[derive(Debug, PartialEq)]
struct Text(String);

/// The modeled error of the output stream.
#[derive(Debug, PartialEq)]
struct RoomClosed(String);

impl std::fmt::Display for RoomClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "room closed: {}", self.0)
    }
}

impl std::error::Error for RoomClosed {}

#[derive(Debug)]
struct ChatInput {
    room: String,
    events: EventStreamSender<Text, RoomClosed>,
}

#[derive(Debug)]
struct ChatOutput {
    events: EventReceiver<Text, RoomClosed>,
}

fn marshal(event: Result<Text, RoomClosed>) -> Result<Message, BuildError> {
    match event {
        Ok(Text(text)) => Ok(rt::eventstream::marshal::event("text", text.into_bytes(), Some("text/plain"))),
        Err(e) => Err(BuildError::invalid(format!("cannot send an error event ({e})"))),
    }
}

fn unmarshal(message: &Message) -> Result<rt::eventstream::Unmarshalled<Text, RoomClosed>, DeserializeError> {
    use rt::eventstream::marshal::MessageKind;
    use rt::eventstream::Unmarshalled;
    match rt::eventstream::marshal::kind(message)? {
        MessageKind::Event("text") => {
            let text = rt::operation::body_text(&message.payload)?;
            Ok(Unmarshalled::Event(Text(text.to_string())))
        }
        MessageKind::Exception("RoomClosed") => {
            let reason = rt::eventstream::marshal::str_header(message, "reason")?.unwrap_or_default().to_string();
            Ok(Unmarshalled::Error(RoomClosed(reason)))
        }
        other => Err(DeserializeError::new(format!("unexpected message {other:?}"))),
    }
}

/// `UNSIGNED` chooses `@auth([])`.
struct Chat<const UNSIGNED: bool>;

impl<const UNSIGNED: bool> Operation for Chat<UNSIGNED> {
    type Input = ChatInput;
    type Output = ChatOutput;
    type Error = Unhandled;
    const NAME: &'static str = "Chat";
    const RETRYABLE_ERRORS: &'static [(&'static str, bool)] = &[];
    const UNSIGNED: bool = UNSIGNED;
    const STREAMING_INPUT: bool = true;
    const STREAMING_OUTPUT: bool = true;

    fn serialize(input: &ChatInput) -> Result<RequestParts, BuildError> {
        let mut parts = RequestParts::new("POST");
        parts.push_path("/rooms/");
        parts.push_label("room", &input.room, false)?;
        parts.headers.insert("content-type", "application/vnd.amazon.eventstream");
        Ok(parts)
    }

    fn take_event_stream(input: &mut ChatInput) -> Option<rt::eventstream::EventStreamBody> {
        Some(input.events.take().into_body(marshal))
    }

    fn deserialize(_: &HttpResponse) -> Result<ChatOutput, DeserializeError> {
        Err(DeserializeError::new("a streaming output is read by deserialize_streaming"))
    }

    fn deserialize_streaming(_: &HttpResponse, body: smithy_lite_runtime::byte_stream::ByteStream) -> Result<ChatOutput, DeserializeError> {
        Ok(ChatOutput { events: EventReceiver::new(body, unmarshal) })
    }

    fn deserialize_error(_: &HttpResponse, meta: ErrorMetadata) -> Result<Unhandled, DeserializeError> {
        Ok(Unhandled::new(meta))
    }
}

static SERVICE: ServiceInfo = ServiceInfo {
    sdk_id: "Chat",
    api_version: "1",
    signing_name: Some("chat"),
    env_suffix: "CHAT",
    crate_name: "chat-test",
    crate_version: "0",
    rules: None,
    protocol: &rt::protocol::RestJson1,
};

/// 2024-01-02T03:04:05.678Z: the fraction must not reach the signatures.
const NOW_SECS: u64 = 1_704_164_645;

#[derive(Debug)]
struct FixedTime;

impl TimeSource for FixedTime {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(NOW_SECS * 1000 + 678)
    }
}

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn handle(url: &str) -> Handle {
    let config = Config::builder()
        .endpoint_url(url)
        .region(Region::new("us-west-2"))
        .credentials_provider(Credentials::from_keys("AKIDEXAMPLE", SECRET, None))
        .time_source(FixedTime)
        .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1)))
        .timeout_config(TimeoutConfig::builder().read_timeout(Duration::from_secs(5)).build())
        .build();
    Handle::new(config, &SERVICE)
}

/// The events of a channel: the caller sends them from another task while the request is
/// being written.
struct Channel(tokio::sync::mpsc::Receiver<Result<Text, RoomClosed>>);

impl futures_core::Stream for Channel {
    type Item = Result<Text, RoomClosed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().0.poll_recv(cx)
    }
}

fn channel(events: Vec<Result<Text, RoomClosed>>) -> EventStreamSender<Text, RoomClosed> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        for event in events {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if tx.send(event).await.is_err() {
                return;
            }
        }
    });
    Channel(rx).into()
}

// ---- The server ---------------------------------------------------------------------------

/// A request as the server received it: head lines and the de-chunked body.
#[derive(Debug, Default, Clone)]
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

struct Conn {
    tcp: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 16 * 1024];
        match self.tcp.read(&mut chunk) {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Some(())
            }
        }
    }

    fn line(&mut self) -> Option<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8(self.buf[..i].to_vec()).ok()?;
                self.buf.drain(..i + 2);
                return Some(line);
            }
            if self.buf.len() > 64 * 1024 {
                return None;
            }
            self.fill()?;
        }
    }

    fn exact(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            self.fill()?;
        }
        Some(self.buf.drain(..n).collect())
    }

    /// One request; `None` when the connection ends first (inside the body, too).
    fn request(&mut self) -> Option<Received> {
        let mut head = String::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            head.push_str(&line);
            head.push('\n');
        }
        let mut received = Received { head, body: Vec::new() };
        if received.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let size = usize::from_str_radix(self.line()?.trim(), 16).ok()?;
                if size == 0 {
                    while !self.line()?.is_empty() {}
                    break;
                }
                received.body.extend_from_slice(&self.exact(size)?);
                if !self.line()?.is_empty() {
                    return None;
                }
            }
        } else {
            let len: usize = received.header("content-length").map_or(Some(0), |v| v.parse().ok())?;
            received.body = self.exact(len)?;
        }
        Some(received)
    }

    fn send(&mut self, bytes: &[u8]) {
        let _ = self.tcp.write_all(bytes).and_then(|()| self.tcp.flush());
    }
}

/// A server on 127.0.0.1 that accepts up to `connections` connections (or stops after 20 s),
/// reads one request on each, logs it and answers with what `answer` makes of it.
struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
    acceptor: JoinHandle<()>,
}

impl Server {
    fn start(connections: usize, answer: impl Fn(&Received) -> Vec<u8> + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (accepted2, received2) = (accepted.clone(), received.clone());
        let answer = Arc::new(answer);
        let acceptor = thread::spawn(move || {
            let started = Instant::now();
            let mut threads = Vec::new();
            while accepted2.load(Ordering::SeqCst) < connections && started.elapsed() < Duration::from_secs(20) {
                let Ok((tcp, _)) = listener.accept() else {
                    thread::sleep(Duration::from_millis(2));
                    continue;
                };
                tcp.set_nonblocking(false).unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                tcp.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
                accepted2.fetch_add(1, Ordering::SeqCst);
                let (answer, received) = (answer.clone(), received2.clone());
                threads.push(thread::spawn(move || {
                    let mut conn = Conn { tcp, buf: Vec::new() };
                    if let Some(request) = conn.request() {
                        let response = answer(&request);
                        received.lock().unwrap().push(request);
                        conn.send(&response);
                    }
                }));
            }
            for t in threads {
                t.join().unwrap();
            }
        });
        Server { addr, accepted, received, acceptor }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn finish(self) -> (usize, Vec<Received>) {
        self.acceptor.join().unwrap();
        let received = std::mem::take(&mut *self.received.lock().unwrap());
        (self.accepted.load(Ordering::SeqCst), received)
    }
}

fn frames(mut bytes: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let Ok(Some((message, used))) = smithy_lite_runtime::eventstream::decode(bytes) else { panic!("not whole messages") };
        out.push(message);
        bytes = &bytes[used..];
    }
    out
}

/// A 200 response whose chunked body carries `messages` in 5-byte chunks, so that each
/// message reaches the client in several pieces.
fn event_stream_response(messages: &[Message]) -> Vec<u8> {
    let mut body = Vec::new();
    for m in messages {
        smithy_lite_runtime::eventstream::encode_into(m, &mut body).unwrap();
    }
    let mut out = b"HTTP/1.1 200 OK\r\ncontent-type: application/vnd.amazon.eventstream\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for piece in body.chunks(5) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn text_event(text: &str) -> Message {
    rt::eventstream::marshal::event("text", text.as_bytes().to_vec(), Some("text/plain"))
}

// ---- SigV4 for event messages, written out independently of the runtime -------------------

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data).as_ref().to_vec()
}

fn signing_key(date: &str) -> Vec<u8> {
    let k = hmac_sha256(format!("AWS4{SECRET}").as_bytes(), date.as_bytes());
    let k = hmac_sha256(&k, b"us-west-2");
    let k = hmac_sha256(&k, b"chat");
    hmac_sha256(&k, b"aws4_request")
}

/// Checks the signed wrappers in `body` against the chain seeded by `seed`, each signed at
/// `secs` (`amz_date`); returns the inner messages and whether the stream ended with the
/// signed empty frame.
fn verify_chain_at(body: &[u8], seed: &str, secs: u64, amz_date: &str) -> (Vec<Message>, bool) {
    let key = signing_key(&amz_date[..8]);
    let mut previous = seed.to_string();
    let wrappers = frames(body);
    let mut inner = Vec::new();
    let mut ended = false;
    for (i, wrapper) in wrappers.iter().enumerate() {
        assert!(!ended, "nothing may follow the end frame");
        assert_eq!(wrapper.headers.len(), 2, "frame {i}: {wrapper:?}");
        let Some(HeaderValue::Timestamp(ms)) = wrapper.get(":date") else { panic!("frame {i} has no :date") };
        assert_eq!(*ms, secs as i64 * 1000, "whole seconds of the client's clock");
        let Some(HeaderValue::ByteArray(signature)) = wrapper.get(":chunk-signature") else { panic!("frame {i} has no signature") };
        let mut date_header = vec![5u8];
        date_header.extend_from_slice(b":date");
        date_header.push(8);
        date_header.extend_from_slice(&ms.to_be_bytes());
        let sts = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{}/us-west-2/chat/aws4_request\n{previous}\n{}\n{}",
            &amz_date[..8],
            sha256_hex(&date_header),
            sha256_hex(&wrapper.payload)
        );
        let expected = hmac_sha256(&key, sts.as_bytes());
        assert_eq!(hex(signature), hex(&expected), "frame {i}: signature");
        previous = hex(signature);
        if wrapper.payload.is_empty() {
            ended = true;
        } else {
            inner.extend(frames(&wrapper.payload));
        }
    }
    (inner, ended)
}

fn verify_chain(body: &[u8], seed: &str) -> (Vec<Message>, bool) {
    verify_chain_at(body, seed, NOW_SECS, "20240102T030405Z")
}

fn seed_of(request: &Received) -> String {
    request.header("authorization").and_then(|a| a.split("Signature=").nth(1)).unwrap_or_default().to_string()
}

// ---- The tests ----------------------------------------------------------------------------

#[tokio::test]
async fn signed_events_go_out_chained_to_the_request_signature_and_events_come_back() {
    let server = Server::start(1, |request| {
        let (inner, ended) = verify_chain(&request.body, &seed_of(request));
        assert!(ended, "the signed end frame");
        let mut answer: Vec<Message> = inner
            .iter()
            .map(|m| text_event(&String::from_utf8_lossy(&m.payload).to_uppercase()))
            .collect();
        answer.push(
            Message::new(b"{}".to_vec())
                .header(":message-type", HeaderValue::String("exception".into()))
                .header(":exception-type", HeaderValue::String("RoomClosed".into()))
                .header("reason", HeaderValue::String("bedtime".into())),
        );
        answer.push(text_event("never read"));
        event_stream_response(&answer)
    });
    let client = handle(&server.url());
    let events = channel(vec![Ok(Text("hello".into())), Ok(Text("event streams".into()))]);
    let mut output = client.invoke::<Chat<false>>(ChatInput { room: "lobby".into(), events }).await.unwrap();
    assert_eq!(output.events.recv().await.unwrap(), Some(Text("HELLO".into())));
    assert_eq!(output.events.recv().await.unwrap(), Some(Text("EVENT STREAMS".into())));
    let err = output.events.recv().await.unwrap_err();
    assert_eq!(err.as_service_error(), Some(&RoomClosed("bedtime".into())), "{err:?}");
    assert!(matches!(err.raw_response(), Some(RawMessage::Decoded(_))));
    assert_eq!(output.events.recv().await.unwrap(), None, "the error ends the stream");
    drop(client);

    let (accepted, received) = server.finish();
    assert_eq!(accepted, 1);
    let request = &received[0];
    assert!(request.head.starts_with("POST /rooms/lobby HTTP/1.1"), "{}", request.head);
    assert_eq!(request.header("content-type"), Some("application/vnd.amazon.eventstream"));
    assert_eq!(request.header("x-amz-content-sha256"), Some("STREAMING-AWS4-HMAC-SHA256-EVENTS"));
    assert_eq!(request.header("x-amz-date"), Some("20240102T030405Z"));
    assert_eq!(request.header("transfer-encoding"), Some("chunked"));
    assert_eq!(request.header("content-length"), None);
    let auth = request.header("authorization").unwrap();
    assert!(auth.contains("SignedHeaders=") && auth.contains("x-amz-content-sha256"), "{auth}");
    let seed = auth.split("Signature=").nth(1).unwrap();
    let (inner, _) = verify_chain(&request.body, seed);
    let texts: Vec<&[u8]> = inner.iter().map(|m| m.payload.as_slice()).collect();
    assert_eq!(texts, [&b"hello"[..], b"event streams"]);
    assert_eq!(inner[0], text_event("hello"));
}

#[tokio::test]
async fn anonymous_calls_send_the_messages_unwrapped_and_no_end_frame() {
    let server = Server::start(1, |request| {
        let inner = frames(&request.body);
        let answer: Vec<Message> = inner.iter().map(|m| text_event(&format!("echo {}", String::from_utf8_lossy(&m.payload)))).collect();
        event_stream_response(&answer)
    });
    let client = handle(&server.url());
    let events = EventStreamSender::once(Ok(Text("hi".into())));
    let mut output = client.invoke::<Chat<true>>(ChatInput { room: "open".into(), events }).await.unwrap();
    let mut got = Vec::new();
    while let Some(Text(t)) = output.events.recv().await.unwrap() {
        got.push(t);
    }
    assert_eq!(got, ["echo hi"]);
    drop(client);
    let (_, received) = server.finish();
    let request = &received[0];
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.header("x-amz-content-sha256"), None);
    assert_eq!(frames(&request.body), [text_event("hi")], "the message itself, and nothing after it");
}

#[tokio::test]
async fn a_marshal_error_fails_the_call_naming_the_event_and_is_not_retried() {
    let server = Server::start(2, |_| b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".to_vec());
    let client = handle(&server.url());
    let events = channel(vec![Ok(Text("fine".into())), Err(RoomClosed("oops".into())), Ok(Text("never".into()))]);
    let err = client.invoke::<Chat<false>>(ChatInput { room: "lobby".into(), events }).await.unwrap_err();
    assert!(matches!(err, SdkError::DispatchFailure(_)), "{err:?}");
    let text = DisplayErrorContext(&err).to_string();
    assert!(text.contains("event 1 of the input event stream could not be sent: cannot send an error event (room closed: oops)"), "{text}");
    let spent = ChatInput { room: "lobby".into(), events: channel(vec![]).clone() };
    let err = client.invoke::<Chat<false>>(spent).await.unwrap_err();
    assert!(DisplayErrorContext(&err).to_string().contains("is a clone of one"), "{err:?}");
    drop(client);
    let (accepted, received) = server.finish();
    assert_eq!(accepted, 2, "one connection per call: no retry");
    assert!(received.is_empty(), "neither body was completed");
}

#[tokio::test]
async fn messages_are_signed_with_the_clock_skew_correction_of_the_client() {
    let calls = AtomicUsize::new(0);
    let server = Server::start(2, move |request| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            // The server's clock is an hour ahead.
            return b"HTTP/1.1 400 Bad Request\r\nx-amzn-errortype: RequestTimeTooSkewed\r\n\
                     date: Tue, 02 Jan 2024 04:04:05 GMT\r\ncontent-length: 2\r\n\r\n{}"
                .to_vec();
        }
        let (inner, ended) = verify_chain_at(&request.body, &seed_of(request), NOW_SECS + 3600, "20240102T040405Z");
        assert!(ended && inner.len() == 1);
        event_stream_response(&[])
    });
    let client = handle(&server.url());
    let input = || ChatInput { room: "lobby".into(), events: EventStreamSender::once(Ok(Text("hi".into()))) };
    let err = client.invoke::<Chat<false>>(input()).await.unwrap_err();
    assert_eq!(err.as_service_error().and_then(|e| e.meta().code()), Some("RequestTimeTooSkewed"));
    let mut output = client.invoke::<Chat<false>>(input()).await.unwrap();
    assert_eq!(output.events.recv().await.unwrap(), None);
    drop(client);
    let (accepted, received) = server.finish();
    assert_eq!(accepted, 2);
    assert_eq!(received[1].header("x-amz-date"), Some("20240102T040405Z"));
}

#[tokio::test]
async fn an_event_stream_may_be_silent_longer_than_the_stall_grace_period() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut conn = Conn { tcp, buf: Vec::new() };
        conn.request().expect("a request");
        let first = event_stream_response(&[text_event("one")]);
        // The head and the first event, without the last chunk; then silence.
        conn.send(&first[..first.len() - b"0\r\n\r\n".len()]);
        thread::sleep(Duration::from_millis(800));
        let second = event_stream_response(&[text_event("two")]);
        let head_len = second.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        conn.send(&second[head_len..]);
    });
    let stall = smithy_lite_runtime::config::StalledStreamProtectionConfig::enabled().grace_period(Duration::from_millis(200)).build();
    let config = Config::builder().endpoint_url(format!("http://{addr}")).stalled_stream_protection(stall).build();
    let client = Handle::new(config, &SERVICE);
    let input = ChatInput { room: "quiet".into(), events: EventStreamSender::once(Ok(Text("a".into()))) };
    let mut output = client.invoke::<Chat<true>>(input).await.unwrap();
    assert_eq!(output.events.recv().await.unwrap(), Some(Text("one".into())));
    let second = output.events.recv().await.map_err(|e| DisplayErrorContext(e).to_string());
    assert_eq!(second, Ok(Some(Text("two".into()))));
    assert_eq!(output.events.recv().await.unwrap(), None);
    server.join().unwrap();
}
