//! The built-in transport through a forward proxy on 127.0.0.1: absolute-form requests for
//! `http://`, `CONNECT` tunnels with end-to-end TLS for `https://`, basic authentication, and
//! `NO_PROXY` bypass. The proxy is a small std server written for these tests; it forwards
//! bytes to the origin named in the request and records what it was asked.

#![cfg(feature = "rustls")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use smithy_lite_runtime::http::{DispatchErrorKind, HttpClient, HttpRequest, Uri};
use smithy_lite_runtime::transport::{ProxyConfig, Transport};

mod common;

const LIFETIME: Duration = Duration::from_secs(20);
const IDLE: Duration = Duration::from_secs(3);

/// What the proxy was asked: the request line and the `proxy-authorization` value.
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    handle: thread::JoinHandle<()>,
}

impl Listener {
    /// Accepts connections on 127.0.0.1 until stopped (or [`LIFETIME`]), each on its own thread.
    fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let serve = Arc::new(serve);
        let handle = thread::spawn(move || {
            let started = Instant::now();
            while !stopped.load(Ordering::SeqCst) && started.elapsed() < LIFETIME {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        tcp.set_nonblocking(false).unwrap();
                        tcp.set_read_timeout(Some(IDLE)).unwrap();
                        let serve = serve.clone();
                        thread::spawn(move || serve(tcp));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Listener { addr, stop, handle }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().unwrap();
    }
}

/// Reads a request head line by line; `None` at EOF.
fn read_head(reader: &mut impl BufRead) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            return Some(lines);
        }
        lines.push(line);
    }
}

fn header<'a>(head: &'a [String], name: &str) -> Option<&'a str> {
    head.iter().skip(1).find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Copies bytes both ways until either side closes.
fn pipe(client: TcpStream, origin: TcpStream) {
    let (mut c_read, mut o_write) = (client.try_clone().unwrap(), origin.try_clone().unwrap());
    let up = thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut o_write);
        let _ = o_write.shutdown(std::net::Shutdown::Write);
    });
    let (mut o_read, mut c_write) = (origin, client);
    let _ = std::io::copy(&mut o_read, &mut c_write);
    let _ = c_write.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}

/// A forward proxy that wants `Proxy-Authorization: <auth>` when `auth` is set.
fn proxy(auth: Option<&'static str>, log: Log) -> Listener {
    Listener::start(move |tcp| {
        let mut reader = BufReader::new(tcp.try_clone().unwrap());
        let Some(head) = read_head(&mut reader) else { return };
        let given = header(&head, "proxy-authorization").map(str::to_string);
        log.lock().unwrap().push((head[0].clone(), given.clone()));
        let mut client = tcp;
        if auth.is_some() && given.as_deref() != auth {
            let _ = client.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            return;
        }
        let mut parts = head[0].split(' ');
        let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
        if method == "CONNECT" {
            let Ok(origin) = TcpStream::connect(target) else { return };
            origin.set_read_timeout(Some(IDLE)).unwrap();
            let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            return pipe(client, origin);
        }
        // Absolute form: forward the request in origin form to the named origin, then pipe.
        let Some(rest) = target.strip_prefix("http://") else { return };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let Ok(mut origin) = TcpStream::connect(authority) else { return };
        origin.set_read_timeout(Some(IDLE)).unwrap();
        let mut forwarded = format!("{method} {path} HTTP/1.1\r\n");
        for line in head.iter().skip(1).filter(|l| !l.to_ascii_lowercase().starts_with("proxy-authorization:")) {
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
        forwarded.push_str("connection: close\r\n\r\n");
        let _ = origin.write_all(forwarded.as_bytes());
        let buffered = reader.buffer().to_vec();
        let _ = origin.write_all(&buffered);
        pipe(client, origin);
    })
}

/// An origin that answers each request with its request line as the body.
fn origin(tls: Option<Arc<rustls::ServerConfig>>) -> Listener {
    Listener::start(move |tcp| {
        let answer = |stream: &mut dyn ReadWrite| {
            let mut reader = BufReader::new(ReadHalf(stream));
            while let Some(head) = read_head(&mut reader) {
                let body = format!("origin saw {}", head[0]);
                let response = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
                if reader.get_mut().0.write_all(response.as_bytes()).and_then(|_| reader.get_mut().0.flush()).is_err() {
                    return;
                }
            }
        };
        match &tls {
            Some(config) => {
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                answer(&mut rustls::StreamOwned::new(conn, tcp));
            }
            None => answer(&mut { tcp }),
        }
    })
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Reads through a `&mut dyn ReadWrite` while keeping it reachable for writes.
struct ReadHalf<'a>(&'a mut dyn ReadWrite);

impl Read for ReadHalf<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

async fn get(transport: &Transport, url: &str) -> Result<String, smithy_lite_runtime::http::DispatchError> {
    let request = HttpRequest { method: "GET".into(), uri: Uri::parse(url).unwrap(), ..Default::default() };
    let response = transport.send(&request).await?;
    Ok(String::from_utf8(response.body).unwrap())
}

const ALICE: &str = "Basic YWxpY2U6czNjcmV0"; // base64("alice:s3cret")

#[tokio::test]
async fn http_requests_go_to_the_proxy_in_absolute_form_with_basic_credentials() {
    let log = Log::default();
    let (origin, proxy) = (origin(None), proxy(Some(ALICE), log.clone()));
    let config = ProxyConfig::default().http(&format!("http://alice:s3cret@{}", proxy.addr)).unwrap();
    let transport = Transport::builder().proxy(config).build().unwrap();
    let url = format!("http://{}/path?q=1", origin.addr);
    assert_eq!(get(&transport, &url).await.unwrap(), "origin saw GET /path?q=1 HTTP/1.1");
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen, [(format!("GET {url} HTTP/1.1"), Some(ALICE.to_string()))]);
    drop(transport);
    proxy.stop();
    origin.stop();
}

#[tokio::test]
async fn https_requests_tunnel_through_connect_with_tls_to_the_origin() {
    let (der, server) = common::test_cert();
    let log = Log::default();
    let (origin, proxy) = (origin(Some(server)), proxy(Some(ALICE), log.clone()));
    let transport = Transport::builder()
        .built_in_roots(false)
        .add_root_certificate_der(der.to_vec())
        .proxy(ProxyConfig::default().https(&format!("http://alice:s3cret@{}", proxy.addr)).unwrap())
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/secure", origin.addr.port());
    for _ in 0..2 {
        assert_eq!(get(&transport, &url).await.unwrap(), "origin saw GET /secure HTTP/1.1");
    }
    let seen = log.lock().unwrap().clone();
    let connect = format!("CONNECT localhost:{} HTTP/1.1", origin.addr.port());
    assert_eq!(seen, [(connect, Some(ALICE.to_string()))], "one tunnel, kept alive for both requests");

    // Wrong credentials: the proxy's 407 fails the connection attempt, saying why.
    let wrong = Transport::builder()
        .built_in_roots(false)
        .add_root_certificate_der(der.to_vec())
        .proxy(ProxyConfig::default().https(&format!("http://alice:wrong@{}", proxy.addr)).unwrap())
        .build()
        .unwrap();
    let err = get(&wrong, &url).await.unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Connect, "{err}");
    assert!(err.to_string().contains("407"), "{err}");
    assert!(!format!("{wrong:?}").contains("wrong"), "credentials are not printed");
    drop((transport, wrong));
    proxy.stop();
    origin.stop();
}

#[tokio::test]
async fn no_proxy_hosts_are_reached_directly() {
    let log = Log::default();
    let (origin, proxy) = (origin(None), proxy(None, log.clone()));
    let config = ProxyConfig::default().all(&proxy.addr.to_string()).unwrap().no_proxy("localhost,127.0.0.0/8").unwrap();
    let transport = Transport::builder().proxy(config).build().unwrap();
    let body = get(&transport, &format!("http://{}/direct", origin.addr)).await.unwrap();
    assert_eq!(body, "origin saw GET /direct HTTP/1.1");
    assert!(log.lock().unwrap().is_empty(), "the proxy was not used");
    drop(transport);
    proxy.stop();
    origin.stop();
}
