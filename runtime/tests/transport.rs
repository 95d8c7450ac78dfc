//! End-to-end tests of the built-in transport against small servers on 127.0.0.1: a blocking
//! std server thread per test (with rustls' blocking server side for TLS) whose responses are
//! scripted per connection and which records what it received.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use smithy_lite_runtime::config::StalledStreamProtectionConfig;
use smithy_lite_runtime::http::{DispatchErrorKind, Headers, HttpClient, HttpRequest, Uri};
use smithy_lite_runtime::transport::{Direction, Transport, TransportError};

mod common;

/// Longest a test server lives, and longest a server connection waits for a request.
const SERVER_LIFETIME: Duration = Duration::from_secs(20);
const PEER_READ_TIMEOUT: Duration = Duration::from_secs(3);

/// A request as the server saw it.
#[derive(Debug)]
struct Received {
    head: String,
    body: Vec<u8>,
    /// TLS server name (SNI) and negotiated ALPN protocol, for TLS connections.
    #[cfg_attr(not(feature = "rustls"), allow(dead_code))]
    sni: Option<String>,
    #[cfg_attr(not(feature = "rustls"), allow(dead_code))]
    alpn: Option<Vec<u8>>,
}

impl Received {
    fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

enum PeerStream {
    Plain(TcpStream),
    #[cfg(feature = "rustls")]
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Read for PeerStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            PeerStream::Plain(s) => s.read(buf),
            #[cfg(feature = "rustls")]
            PeerStream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for PeerStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            PeerStream::Plain(s) => s.write(buf),
            #[cfg(feature = "rustls")]
            PeerStream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            PeerStream::Plain(s) => s.flush(),
            #[cfg(feature = "rustls")]
            PeerStream::Tls(s) => s.flush(),
        }
    }
}

/// One accepted connection, from the server's side.
struct Peer {
    stream: PeerStream,
    buf: Vec<u8>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Peer {
    /// Reads one request (head and content-length body). `None` at EOF, error or timeout.
    fn request(&mut self) -> Option<()> {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            self.fill()?;
        };
        let head = String::from_utf8(self.buf[..head_end].to_vec()).ok()?;
        self.buf.drain(..head_end);
        let mut received = Received {
            head,
            body: Vec::new(),
            sni: None,
            alpn: None,
        };
        let len: usize = received
            .header("content-length")
            .map_or(Some(0), |v| v.parse().ok())?;
        while self.buf.len() < len {
            self.fill()?;
        }
        received.body = self.buf.drain(..len).collect();
        #[cfg(feature = "rustls")]
        if let PeerStream::Tls(s) = &self.stream {
            received.sni = s.conn.server_name().map(str::to_owned);
            received.alpn = s.conn.alpn_protocol().map(<[u8]>::to_vec);
        }
        self.received.lock().unwrap().push(received);
        Some(())
    }

    fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Some(())
            }
        }
    }

    /// Writes and flushes; errors (the client went away) are the test's to notice elsewhere.
    fn send(&mut self, bytes: &[u8]) {
        let _ = self
            .stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush());
    }

    /// Answers every request on this connection with `response` until the client leaves.
    fn serve_all(&mut self, response: &[u8]) {
        while self.request().is_some() {
            self.send(response);
        }
    }
}

type Handler = dyn Fn(usize, &mut Peer) + Send + Sync;

/// A server on 127.0.0.1 that runs `handler(connection_index, peer)` for each connection on
/// its own thread. It stops accepting at [`Server::finish`] or after [`SERVER_LIFETIME`].
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
    acceptor: JoinHandle<Vec<JoinHandle<()>>>,
}

impl Server {
    fn start(handler: impl Fn(usize, &mut Peer) + Send + Sync + 'static) -> Server {
        Self::start_with(None, Arc::new(handler))
    }

    #[cfg(feature = "rustls")]
    fn start_tls(
        config: Arc<rustls::ServerConfig>,
        handler: impl Fn(usize, &mut Peer) + Send + Sync + 'static,
    ) -> Server {
        Self::start_with(Some(config), Arc::new(handler))
    }

    fn start_with(tls: Option<Arc<TlsServerConfig>>, handler: Arc<Handler>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (stop2, accepted2, received2) = (stop.clone(), accepted.clone(), received.clone());
        let acceptor = thread::spawn(move || {
            let started = Instant::now();
            let mut connections = Vec::new();
            while !stop2.load(Ordering::SeqCst) && started.elapsed() < SERVER_LIFETIME {
                let tcp = match listener.accept() {
                    Ok((tcp, _)) => tcp,
                    Err(_) => {
                        thread::sleep(Duration::from_millis(2));
                        continue;
                    }
                };
                tcp.set_nonblocking(false).unwrap();
                tcp.set_read_timeout(Some(PEER_READ_TIMEOUT)).unwrap();
                let index = accepted2.fetch_add(1, Ordering::SeqCst);
                let stream = match &tls {
                    #[cfg(feature = "rustls")]
                    Some(config) => PeerStream::Tls(Box::new(rustls::StreamOwned::new(
                        rustls::ServerConnection::new(config.clone()).unwrap(),
                        tcp,
                    ))),
                    _ => PeerStream::Plain(tcp),
                };
                let mut peer = Peer {
                    stream,
                    buf: Vec::new(),
                    received: received2.clone(),
                };
                let handler = handler.clone();
                connections.push(thread::spawn(move || handler(index, &mut peer)));
            }
            connections
        });
        Server {
            addr,
            stop,
            accepted,
            received,
            acceptor,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops accepting, waits for every connection handler, and returns how many connections
    /// were accepted and the requests received.
    fn finish(self) -> (usize, Vec<Received>) {
        self.stop.store(true, Ordering::SeqCst);
        for connection in self.acceptor.join().unwrap() {
            connection.join().unwrap();
        }
        let received = std::mem::take(&mut *self.received.lock().unwrap());
        (self.accepted.load(Ordering::SeqCst), received)
    }
}

#[cfg(feature = "rustls")]
type TlsServerConfig = rustls::ServerConfig;
#[cfg(not(feature = "rustls"))]
type TlsServerConfig = ();

fn request(method: &'static str, url: &str, body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        uri: Uri::parse(url).unwrap(),
        headers: Headers::new(),
        body: body.to_vec(),
    }
}

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

#[tokio::test]
async fn get_round_trip_sends_headers_and_reads_response() {
    let server = Server::start(|_, peer| {
        peer.serve_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nx-amzn-requestid: req-1\r\ncontent-length: 5\r\n\r\nhello")
    });
    let transport = Transport::new();
    let mut req = request("GET", &server.url("/a/b%20c?x=1&y=2"), b"");
    req.headers.append("x-test", "value 1");
    let resp = transport.send(&req).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.headers.get("content-type"), Some("text/plain"));
    assert_eq!(resp.headers.get("X-Amzn-RequestId"), Some("req-1"));
    assert_eq!(resp.body, b"hello");
    drop(transport);

    let authority = server.addr.to_string();
    let (_, received) = server.finish();
    let [got] = received.as_slice() else {
        panic!("{received:?}")
    };
    assert_eq!(got.request_line(), "GET /a/b%20c?x=1&y=2 HTTP/1.1");
    assert_eq!(got.header("host"), Some(authority.as_str()));
    assert_eq!(got.header("x-test"), Some("value 1"));
    assert_eq!(got.header("content-length"), None);
    assert!(got.body.is_empty());
}

#[tokio::test]
async fn post_round_trip_sends_body_with_content_length() {
    let server = Server::start(|_, peer| {
        peer.serve_all(b"HTTP/1.1 201 Created\r\ncontent-length: 7\r\n\r\ncreated")
    });
    let transport = Transport::new();
    let mut req = request("POST", &server.url("/items"), br#"{"name":"x"}"#);
    req.headers.append("content-type", "application/json");
    let resp = transport.send(&req).await.unwrap();
    assert_eq!((resp.status, resp.body.as_slice()), (201, &b"created"[..]));
    let empty = transport
        .send(&request("PUT", &server.url("/empty"), b""))
        .await
        .unwrap();
    assert_eq!(empty.status, 201);
    drop(transport);

    let (_, received) = server.finish();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].request_line(), "POST /items HTTP/1.1");
    assert_eq!(received[0].header("content-length"), Some("12"));
    assert_eq!(received[0].header("content-type"), Some("application/json"));
    assert_eq!(received[0].body, br#"{"name":"x"}"#);
    assert_eq!(received[1].header("content-length"), Some("0"));
}

#[tokio::test]
async fn large_bodies_are_sent_and_received_whole() {
    // Larger than the copy-behind-the-head limit, so the vectored write path is taken.
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let server = Server::start(|_, peer| {
        while peer.request().is_some() {
            let echoed = peer
                .received
                .lock()
                .unwrap()
                .last()
                .map(|r| r.body.clone())
                .unwrap_or_default();
            peer.send(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
                    echoed.len()
                )
                .as_bytes(),
            );
            peer.send(&echoed);
        }
    });
    let transport = Transport::new();
    let resp = transport
        .send(&request("PUT", &server.url("/big"), &body))
        .await
        .unwrap();
    assert!(
        resp.body == body,
        "echoed body differs ({} bytes)",
        resp.body.len()
    );
    drop(transport);
    let (_, received) = server.finish();
    assert_eq!(received[0].header("content-length"), Some("300000"));
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = Server::start(|_, peer| peer.serve_all(OK));
    let transport = Transport::new();
    for i in 0..5 {
        let resp = transport
            .send(&request("GET", &server.url(&format!("/{i}")), b""))
            .await
            .unwrap();
        assert_eq!(resp.body, b"ok");
    }
    drop(transport);
    let (accepted, received) = server.finish();
    assert_eq!((accepted, received.len()), (1, 5));
}

#[tokio::test]
async fn connection_close_response_is_not_reused() {
    let server = Server::start(|_, peer| {
        if peer.request().is_some() {
            peer.send(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok");
        }
    });
    let transport = Transport::new();
    for _ in 0..3 {
        assert_eq!(
            transport
                .send(&request("GET", &server.url("/"), b""))
                .await
                .unwrap()
                .body,
            b"ok"
        );
    }
    drop(transport);
    assert_eq!(server.finish().0, 3);
}

#[tokio::test]
async fn pooling_can_be_disabled() {
    let server = Server::start(|_, peer| peer.serve_all(OK));
    let transport = Transport::builder().max_idle_per_host(0).build().unwrap();
    for _ in 0..3 {
        transport
            .send(&request("GET", &server.url("/"), b""))
            .await
            .unwrap();
    }
    drop(transport);
    assert_eq!(server.finish().0, 3);
}

#[tokio::test]
async fn chunked_response_arriving_in_fragments_is_decoded_and_connection_reused() {
    let server = Server::start(|_, peer| {
        while peer.request().is_some() {
            for piece in [
                &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi"[..],
                b"ki\r\n5;ext=x\r\npedia\r\n",
                b"e\r\n in\r\n\r\nchunks.\r\n0\r\n",
                b"x-checksum: abc\r\n\r\n",
            ] {
                peer.send(piece);
                thread::sleep(Duration::from_millis(5));
            }
        }
    });
    let transport = Transport::new();
    for _ in 0..2 {
        let resp = transport
            .send(&request("GET", &server.url("/"), b""))
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8(resp.body).unwrap(),
            "Wikipedia in\r\n\r\nchunks."
        );
    }
    drop(transport);
    assert_eq!(server.finish().0, 1);
}

#[tokio::test]
async fn read_to_close_response_is_read_whole_and_not_reused() {
    let server = Server::start(|_, peer| {
        if peer.request().is_some() {
            peer.send(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil ");
            thread::sleep(Duration::from_millis(20));
            peer.send(b"the end");
        }
    });
    let transport = Transport::new();
    for _ in 0..2 {
        let resp = transport
            .send(&request("GET", &server.url("/"), b""))
            .await
            .unwrap();
        assert_eq!(resp.body, b"until the end");
    }
    drop(transport);
    assert_eq!(server.finish().0, 2);
}

#[tokio::test]
async fn truncated_body_is_an_io_error() {
    let server = Server::start(|_, peer| {
        if peer.request().is_some() {
            peer.send(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabcd");
        }
    });
    let err = Transport::new()
        .send(&request("GET", &server.url("/"), b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Io, "{err}");
    server.finish();
}

#[tokio::test]
async fn malformed_responses_are_io_errors() {
    let responses: [&'static [u8]; 3] = [
        b"HTTP/1.1 OK\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\ncontent-length: 0\r\n\r\n",
    ];
    for response in responses {
        let server = Server::start(move |_, peer| {
            if peer.request().is_some() {
                peer.send(response);
            }
        });
        let err = Transport::new()
            .send(&request("GET", &server.url("/"), b""))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), DispatchErrorKind::Io, "{err}");
        assert!(err.to_string().contains("invalid HTTP response"), "{err}");
        server.finish();
    }
}

#[tokio::test]
async fn pooled_connection_closed_by_server_while_idle_is_retried_transparently() {
    // The server promises keep-alive but closes every connection after one response.
    let server = Server::start(|_, peer| {
        if peer.request().is_some() {
            peer.send(OK);
        }
    });
    let transport = Transport::new();
    transport
        .send(&request("POST", &server.url("/1"), b"first"))
        .await
        .unwrap();
    // Let the close reach the client while the connection sits in the pool.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let resp = transport
        .send(&request("POST", &server.url("/2"), b"second"))
        .await
        .unwrap();
    assert_eq!(resp.body, b"ok");
    drop(transport);

    let (accepted, received) = server.finish();
    assert_eq!(accepted, 2);
    let bodies: Vec<&[u8]> = received.iter().map(|r| r.body.as_slice()).collect();
    assert_eq!(bodies, [&b"first"[..], b"second"]);
}

#[tokio::test]
async fn fresh_connection_closed_before_response_is_not_retried() {
    let server = Server::start(|_, peer| {
        // Read the request, then hang up without answering.
        let _ = peer.request();
    });
    let err = Transport::new()
        .send(&request("POST", &server.url("/"), b"x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Io, "{err}");
    assert_eq!(server.finish().0, 1);
}

#[tokio::test]
async fn head_and_204_responses_have_no_body() {
    let server = Server::start(|_, peer| {
        let responses: [&[u8]; 3] = [
            b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            OK,
        ];
        for response in responses {
            if peer.request().is_none() {
                return;
            }
            peer.send(response);
        }
    });
    let transport = Transport::new();
    let head = transport
        .send(&request("HEAD", &server.url("/"), b""))
        .await
        .unwrap();
    assert_eq!(
        (
            head.status,
            head.body.len(),
            head.headers.get("content-length")
        ),
        (200, 0, Some("100"))
    );
    let no_content = transport
        .send(&request("DELETE", &server.url("/"), b""))
        .await
        .unwrap();
    assert_eq!((no_content.status, no_content.body.len()), (204, 0));
    // Had either response been given a body, this would read the wrong bytes or hang.
    let after = transport
        .send(&request("GET", &server.url("/"), b""))
        .await
        .unwrap();
    assert_eq!(after.body, b"ok");
    drop(transport);
    assert_eq!(server.finish().0, 1);
}

#[tokio::test]
async fn read_timeout_fires_when_the_server_does_not_answer() {
    let server = Server::start(|_, peer| {
        if peer.request().is_some() {
            thread::sleep(Duration::from_millis(800));
        }
    });
    let transport = Transport::builder()
        .read_timeout(Some(Duration::from_millis(150)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = transport
        .send(&request("GET", &server.url("/"), b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
    drop(transport);
    server.finish();
}

/// A listener whose accept queue is full never completes a handshake: Linux drops the SYN
/// (`sk_acceptq_is_full`), so the connect hangs until the client's deadline. With a backlog of
/// 0 one connection fills the queue; more are attempted in case a platform allows a few.
#[tokio::test]
async fn connect_timeout_fires_on_a_listener_with_a_full_backlog() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    let full = loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) if fillers.len() < 16 => fillers.push(stream),
            Ok(_) => break false,
            Err(e) => break e.kind() == io::ErrorKind::TimedOut,
        }
    };
    assert!(full, "could not fill the accept queue of {addr}");

    let transport = Transport::builder()
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = transport
        .send(&request("GET", &format!("http://{addr}/"), b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() >= Duration::from_millis(300)
            && started.elapsed() < Duration::from_secs(3)
    );
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // The listener is closed again, so nothing listens on `addr`.
    let err = Transport::new()
        .send(&request("GET", &format!("http://{addr}/"), b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Connect, "{err}");
}

#[tokio::test]
async fn unsupported_scheme_and_invalid_headers_are_refused_without_io() {
    let transport = Transport::new();
    let err = transport
        .send(&request("GET", "ftp://127.0.0.1:1/x", b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Other, "{err}");
    let mut injected = request("GET", "http://127.0.0.1:1/x", b"");
    injected.headers.append("x-meta", "a\r\nx-injected: 1");
    let err = transport.send(&injected).await.unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Other, "{err}");
}

#[cfg(not(feature = "rustls"))]
#[tokio::test]
async fn https_without_the_rustls_feature_is_a_clear_error() {
    let err = Transport::new()
        .send(&request("GET", "https://127.0.0.1:1/", b""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Other);
    assert!(err.to_string().contains("rustls"), "{err}");
}


// Hostile and broken servers: each case below once made the transport return the wrong
// response, fail a request that never reached the server, grow without bound or hang.

/// Answers the first request, then writes `unsolicited` on the idle connection after `delay`
/// (optionally closing it); every later connection is served normally.
fn server_writing_on_idle_connection(unsolicited: &'static [u8], close: bool) -> Server {
    Server::start(move |index, peer| {
        if index > 0 {
            return peer.serve_all(OK);
        }
        if peer.request().is_some() {
            peer.send(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfirst");
            thread::sleep(Duration::from_millis(300));
            peer.send(unsolicited);
            if !close {
                peer.serve_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nwrong");
            }
        }
    })
}

const INJECTED: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\ninjected";

#[tokio::test]
async fn unsolicited_response_on_an_idle_connection_is_never_read_as_the_next_answer() {
    let server = server_writing_on_idle_connection(INJECTED, false);
    let transport = Transport::new();
    let first = transport.send(&request("GET", &server.url("/1"), b"")).await.unwrap();
    assert_eq!(first.body, b"first");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let second = transport.send(&request("GET", &server.url("/2"), b"")).await.unwrap();
    assert_eq!(second.body, b"ok", "the injected bytes arrived before the request was written");
    drop(transport);
    let (accepted, received) = server.finish();
    assert_eq!(accepted, 2, "the tainted connection is dropped, a new one carries the request");
    assert_eq!(received.len(), 2);
}

#[tokio::test]
async fn request_timeout_sent_on_an_idle_connection_does_not_fail_the_next_call() {
    let server = server_writing_on_idle_connection(
        b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
        true,
    );
    let transport = Transport::new();
    transport.send(&request("GET", &server.url("/1"), b"")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let second = transport.send(&request("POST", &server.url("/2"), b"body")).await.unwrap();
    assert_eq!((second.status, second.body.as_slice()), (200, &b"ok"[..]));
    drop(transport);
    let (accepted, received) = server.finish();
    assert_eq!(accepted, 2);
    assert_eq!(received.last().map(|r| r.body.as_slice()), Some(&b"body"[..]));
}

#[tokio::test]
async fn request_timeout_racing_a_request_on_a_reused_connection_is_sent_again() {
    // The server's 408 crosses the second request on the wire (it answers it with the 408 and
    // closes): the request was not processed, so it goes again on a new connection.
    let server = Server::start(|index, peer| {
        if index > 0 {
            return peer.serve_all(OK);
        }
        if peer.request().is_some() {
            peer.send(OK);
        }
        if peer.request().is_some() {
            peer.send(b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let transport = Transport::new();
    transport.send(&request("GET", &server.url("/1"), b"")).await.unwrap();
    let second = transport.send(&request("GET", &server.url("/2"), b"")).await.unwrap();
    assert_eq!(second.status, 200);
    drop(transport);
    assert_eq!(server.finish().0, 2);
}

#[tokio::test]
async fn response_bodies_over_the_limit_fail_with_a_typed_error_and_are_not_retried() {
    let server = Server::start(|index, peer| {
        if peer.request().is_none() {
            return;
        }
        match index {
            0 => peer.send(b"HTTP/1.1 200 OK\r\ncontent-length: 1000000000000\r\n\r\n"),
            1 => {
                peer.send(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
                for _ in 0..1000 {
                    peer.send(b"400\r\n");
                    peer.send(&[b'x'; 1024]);
                    peer.send(b"\r\n");
                }
            }
            _ => {
                peer.send(b"HTTP/1.1 200 OK\r\n\r\n");
                for _ in 0..1000 {
                    peer.send(&[b'x'; 1024]);
                }
            }
        }
    });
    let transport = Transport::builder().max_response_body(64 * 1024).build().unwrap();
    for (path, declared) in [("/length", Some(1_000_000_000_000)), ("/chunked", None), ("/close", None)] {
        let err = transport.send(&request("GET", &server.url(path), b"")).await.unwrap_err();
        assert_eq!(err.kind(), DispatchErrorKind::Other, "{path}: {err}");
        assert_eq!(
            err.transport_error(),
            Some(&TransportError::ResponseTooLarge { limit: 64 * 1024, declared }),
            "{path}: {err}"
        );
    }
    drop(transport);
    assert_eq!(server.finish().0, 3);
}

fn stalled(err: &smithy_lite_runtime::http::DispatchError, direction: Direction) -> bool {
    matches!(err.transport_error(), Some(TransportError::Stalled { direction: d, .. }) if *d == direction)
}

#[tokio::test]
async fn stalled_servers_end_in_retryable_typed_timeouts() {
    // Connection index → behaviour after reading the request.
    let server = Server::start(|index, peer| {
        if peer.request().is_none() {
            return;
        }
        match index {
            // Sends nothing.
            0 => thread::sleep(Duration::from_millis(1500)),
            // A status line, then nothing.
            1 => {
                peer.send(b"HTTP/1.1 200 OK\r\n");
                thread::sleep(Duration::from_millis(1500));
            }
            // Half a body, then nothing.
            2 => {
                peer.send(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234");
                thread::sleep(Duration::from_millis(1500));
            }
            // A long head, one byte at a time, about 200 a second: above the minimum
            // throughput, but the head is not complete within the read timeout.
            3 => {
                peer.send(b"HTTP/1.1 200 OK\r\nx-padding: ");
                for _ in 0..300 {
                    peer.send(b"p");
                    thread::sleep(Duration::from_millis(5));
                }
            }
            // The body, one byte at a time, ten a second.
            _ => {
                peer.send(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n");
                for _ in 0..30 {
                    peer.send(b".");
                    thread::sleep(Duration::from_millis(100));
                }
            }
        }
    });
    let transport = Transport::builder()
        .read_timeout(Some(Duration::from_millis(700)))
        .stalled_stream_protection(StalledStreamProtectionConfig::enabled().grace_period(Duration::from_millis(400)).minimum_throughput(100).build())
        .build()
        .unwrap();
    for (path, want) in [
        ("/silent", "read timeout"),
        ("/status-line", "stall"),
        ("/half-body", "stall"),
        ("/drip-head", "read timeout"),
        ("/drip-body", "stall"),
    ] {
        let started = Instant::now();
        let err = transport.send(&request("GET", &server.url(path), b"")).await.unwrap_err();
        assert_eq!(err.kind(), DispatchErrorKind::Timeout, "{path}: {err}");
        assert!(err.is_timeout(), "{path}");
        let ok = match want {
            "read timeout" => {
                err.transport_error() == Some(&TransportError::ResponseTimeout { after: Duration::from_millis(700) })
            }
            _ => stalled(&err, Direction::Download),
        };
        assert!(ok, "{path}: {err}");
        assert!(started.elapsed() < Duration::from_millis(1400), "{path}: bounded, took {:?}", started.elapsed());
    }
    drop(transport);
    server.finish();
}

#[tokio::test]
async fn an_upload_to_a_server_that_stops_reading_stalls() {
    // The server reads the head and nothing more: once the socket buffers are full, the body
    // cannot make progress.
    let server = Server::start(|_, peer| {
        let mut byte = [0u8; 1];
        let _ = peer.stream.read(&mut byte);
        thread::sleep(Duration::from_millis(2500));
    });
    let transport = Transport::builder()
        .stalled_stream_protection(StalledStreamProtectionConfig::enabled().grace_period(Duration::from_millis(500)).download_enabled(false).build())
        .build()
        .unwrap();
    let body = vec![b'u'; 64 * 1024 * 1024];
    let err = transport.send(&request("PUT", &server.url("/upload"), &body)).await.unwrap_err();
    assert!(stalled(&err, Direction::Upload), "{err}");
    drop(transport);
    server.finish();
}

#[cfg(feature = "rustls")]
mod tls {
    use super::*;
    use rustls::pki_types::CertificateDer;

    struct TestCert {
        der: CertificateDer<'static>,
        server: Arc<rustls::ServerConfig>,
    }

    fn test_cert() -> TestCert {
        let (der, server) = super::common::test_cert();
        TestCert { der, server }
    }

    fn url(server: &Server, path: &str) -> String {
        format!("https://localhost:{}{path}", server.addr.port())
    }

    /// Minimal PEM armour (RFC 7468) so the PEM path is tested without another dependency.
    fn pem(der: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut b64 = String::new();
        for chunk in der.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    b64.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    b64.push('=');
                }
            }
        }
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }

    #[tokio::test]
    async fn tls_round_trip_with_custom_der_root_sends_sni_and_alpn_and_reuses_connection() {
        let cert = test_cert();
        let server = Server::start_tls(cert.server.clone(), |_, peer| peer.serve_all(OK));
        let transport = Transport::builder()
            .add_root_certificate_der(cert.der.to_vec())
            .build()
            .unwrap();
        for _ in 0..2 {
            let resp = transport
                .send(&request("POST", &url(&server, "/tls"), b"secret"))
                .await
                .unwrap();
            assert_eq!((resp.status, resp.body.as_slice()), (200, &b"ok"[..]));
        }
        drop(transport);
        let authority = format!("localhost:{}", server.addr.port());
        let (accepted, received) = server.finish();
        assert_eq!(accepted, 1);
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].body, b"secret");
        assert_eq!(received[0].header("host"), Some(authority.as_str()));
        assert_eq!(received[0].sni.as_deref(), Some("localhost"));
        assert_eq!(received[0].alpn.as_deref(), Some(&b"http/1.1"[..]));
    }

    #[tokio::test]
    async fn tls_round_trip_with_pem_root_and_only_custom_roots() {
        let cert = test_cert();
        let server = Server::start_tls(cert.server.clone(), |_, peer| peer.serve_all(OK));
        let transport = Transport::builder()
            .built_in_roots(false)
            .add_root_certificates_pem(pem(&cert.der))
            .build()
            .unwrap();
        let resp = transport
            .send(&request("GET", &url(&server, "/"), b""))
            .await
            .unwrap();
        assert_eq!(resp.body, b"ok");
        drop(transport);
        server.finish();
    }

    #[tokio::test]
    async fn idle_tls_connection_dropped_without_close_notify_is_retried_transparently() {
        let cert = test_cert();
        // One response per connection, then the socket is dropped with no TLS close_notify,
        // which the client sees as an unexpected EOF rather than a clean end of stream.
        let server = Server::start_tls(cert.server.clone(), |_, peer| {
            if peer.request().is_some() {
                peer.send(OK);
            }
        });
        let transport = Transport::builder()
            .add_root_certificate_der(cert.der.to_vec())
            .build()
            .unwrap();
        transport
            .send(&request("PUT", &url(&server, "/1"), b"one"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let resp = transport
            .send(&request("PUT", &url(&server, "/2"), b"two"))
            .await
            .unwrap();
        assert_eq!(resp.body, b"ok");
        drop(transport);
        let (accepted, received) = server.finish();
        assert_eq!(accepted, 2);
        assert_eq!(
            received
                .iter()
                .map(|r| r.body.as_slice())
                .collect::<Vec<_>>(),
            [&b"one"[..], b"two"]
        );
    }

    #[tokio::test]
    async fn unsolicited_tls_records_on_an_idle_connection_are_never_read_as_the_next_answer() {
        let cert = test_cert();
        let server = Server::start_tls(cert.server.clone(), |index, peer| {
            if index > 0 {
                return peer.serve_all(OK);
            }
            if peer.request().is_some() {
                peer.send(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfirst");
                thread::sleep(Duration::from_millis(300));
                peer.send(INJECTED);
                peer.serve_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nwrong");
            }
        });
        let transport = Transport::builder()
            .add_root_certificate_der(cert.der.to_vec())
            .build()
            .unwrap();
        transport.send(&request("GET", &url(&server, "/1"), b"")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
        let second = transport.send(&request("GET", &url(&server, "/2"), b"")).await.unwrap();
        assert_eq!(second.body, b"ok");
        drop(transport);
        assert_eq!(server.finish().0, 2);
    }

    #[tokio::test]
    async fn untrusted_certificate_fails_to_connect() {
        let cert = test_cert();
        let server = Server::start_tls(cert.server.clone(), |_, peer| peer.serve_all(OK));
        // Default roots only: the self-signed certificate is not trusted.
        let err = Transport::new()
            .send(&request("GET", &url(&server, "/"), b""))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), DispatchErrorKind::Connect, "{err}");
        assert!(err.to_string().contains("certificate"), "{err}");
        // A different self-signed root does not help either.
        let other = test_cert();
        let transport = Transport::builder()
            .built_in_roots(false)
            .add_root_certificate_der(other.der.to_vec())
            .build()
            .unwrap();
        let err = transport
            .send(&request("GET", &url(&server, "/"), b""))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), DispatchErrorKind::Connect, "{err}");
        let (_, received) = server.finish();
        assert!(received.is_empty(), "{received:?}");
    }

    #[test]
    fn invalid_root_configurations_are_build_errors() {
        let pem_without_cert = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let cases = [
            Transport::builder().add_root_certificate_der(b"not DER".to_vec()),
            Transport::builder().add_root_certificates_pem(pem_without_cert),
            Transport::builder().add_root_certificates_pem("no PEM at all"),
            Transport::builder().built_in_roots(false),
        ];
        for builder in cases {
            let shown = format!("{builder:?}");
            assert!(builder.build().is_err(), "{shown}");
        }
    }
}
