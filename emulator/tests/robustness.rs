//! The emulator under conditions a well-behaved client does not create: temporary files left
//! by a killed run, requests with a signing header twice, request heads at and beyond the
//! 64 KiB limit, and many connections that send nothing or a byte at a time (in process with
//! lowered limits, and as the `emulator` binary under a low file-descriptor limit).
//!
//! Raw requests are written by hand on a `TcpStream` (signed with the runtime's SigV4 signer)
//! because the client would never send them. Every wait is bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use chime_sdk_identity::config::{Credentials, Region, RetryConfig, TimeoutConfig};
use chime_sdk_identity::{Client, Config};
use client_runtime::http::{Headers, HttpRequest, Uri};
use client_runtime::__private::sigv4::{SigningParams, SigningSettings};
use emulator::{Emulator, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
/// The emulator's limit on a request head, in bytes.
const MAX_HEAD: usize = 65_536;
/// How long a raw exchange may take before the test gives up on it.
const GUARD: Duration = Duration::from_secs(10);

fn start_with(config: emulator::Config) -> Running {
    Emulator::new(config).expect("valid config").start(0).expect("listening on 127.0.0.1:0")
}

fn client_for(endpoint: &str) -> Client {
    let config = Config::builder()
        .region(Region::from_static(REGION))
        .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "Static"))
        .endpoint_url(endpoint)
        // One attempt: a call succeeds because the emulator answered it, not after retries.
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(TimeoutConfig { connect: Duration::from_secs(5), attempt: None, operation: Some(GUARD), ..TimeoutConfig::default() })
        .build();
    Client::from_conf(config)
}

/// A signed `ListAppInstances` request (`GET /app-instances`) as its header lines, with
/// `extra` lines added after signing and `connection: close`.
fn signed_lines(addr: SocketAddr, secret: &str) -> Vec<(String, String)> {
    let mut request = HttpRequest {
        method: "GET".into(),
        uri: Uri::parse(&format!("http://{addr}/app-instances")).expect("url"),
        headers: Headers::new(),
        body: Vec::new(),
    };
    let credentials = Credentials::new(ACCESS_KEY, secret, None, None, "Static");
    let settings = SigningSettings::default();
    let params = SigningParams { credentials: &credentials, region: REGION, service: "chime", time: SystemTime::now(), settings: &settings };
    client_runtime::__private::sigv4::sign(&mut request, &params).expect("signing");
    request.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

fn head_bytes(lines: &[(String, String)]) -> Vec<u8> {
    let mut head = String::from("GET /app-instances HTTP/1.1\r\n");
    for (name, value) in lines {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    head.into_bytes()
}

/// A signed request whose head is exactly `size` bytes, padded with an unsigned header.
fn head_of_size(addr: SocketAddr, size: usize) -> Vec<u8> {
    let mut lines = signed_lines(addr, SECRET_KEY);
    let bare = head_bytes(&lines).len() + "x-pad: \r\n".len();
    assert!(size > bare, "{size} bytes cannot hold the signed head");
    lines.push(("x-pad".into(), "a".repeat(size - bare)));
    let head = head_bytes(&lines);
    assert_eq!(head.len(), size);
    head
}

/// Sends `bytes` in pieces of `piece` bytes, then reads the response to its end; its status
/// and the whole text.
fn exchange(addr: SocketAddr, bytes: &[u8], piece: usize) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(GUARD)).unwrap();
    stream.set_write_timeout(Some(GUARD)).unwrap();
    for chunk in bytes.chunks(piece) {
        stream.write_all(chunk).expect("the emulator reads the whole request");
    }
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("the emulator answers and closes");
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

fn error_type(response: &str) -> &str {
    response
        .lines()
        .find_map(|l| l.strip_prefix("x-amzn-errortype: "))
        .unwrap_or_default()
}

#[tokio::test]
async fn stale_state_temp_files_are_removed_at_start() {
    let dir = std::env::temp_dir().join(format!("chime-emulator-robustness-{}", client_runtime::__private::rand::uuid_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    // What `kill -9` during a save leaves behind, in earlier runs with other process ids.
    let stale: Vec<PathBuf> = ["state.json.tmp-1234", "state.json.tmp-98765"].iter().map(|n| dir.join(n)).collect();
    for file in &stale {
        std::fs::write(file, r#"{"version":1,"next_seq":"#).unwrap();
    }
    let unrelated: Vec<PathBuf> = ["state.json.tmp-old", "other.json.tmp-1234", "state.json.bak"].iter().map(|n| dir.join(n)).collect();
    for file in &unrelated {
        std::fs::write(file, "not the emulator's").unwrap();
    }

    let running = start_with(emulator::Config { state_file: Some(path.clone()), ..emulator::Config::default() });
    for file in &stale {
        assert!(!file.exists(), "{} is removed at start", file.display());
    }
    for file in &unrelated {
        assert!(file.exists(), "{} does not match the temporary-file pattern and stays", file.display());
    }
    // And saving still works.
    client_for(&running.endpoint_url()).create_app_instance().name("after-crash").send().await.expect("created");
    running.stop().unwrap();
    assert!(path.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn repeated_signing_headers_are_refused_with_400() {
    let running = start_with(emulator::Config::default());
    let addr = running.local_addr();
    let (status, text) = exchange(addr, &head_bytes(&signed_lines(addr, SECRET_KEY)), usize::MAX);
    assert_eq!(status, 200, "the request without repeats is fine: {text}");

    // A correct line first and a second one after it: the first must not simply win.
    let wrong = signed_lines(addr, "not-the-secret");
    for name in ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"] {
        let mut lines = signed_lines(addr, SECRET_KEY);
        let second = wrong.iter().find(|(n, _)| n == name).map_or("second".to_string(), |(_, v)| v.clone());
        if !lines.iter().any(|(n, _)| n == name) {
            lines.push((name.into(), second.clone()));
        }
        // Mixed case: header names are case-insensitive.
        lines.push((name.to_ascii_uppercase(), second));
        let (status, text) = exchange(addr, &head_bytes(&lines), usize::MAX);
        assert_eq!((status, error_type(&text)), (400, "BadRequestException"), "{name}: {text}");
        assert!(text.contains("more than one") && text.contains(name), "{name}: {text}");
    }

    // Two signatures folded into one Authorization line.
    let mut lines = signed_lines(addr, SECRET_KEY);
    let (_, authorization) = lines.iter().find(|(n, _)| n == "authorization").cloned().unwrap();
    let (_, other) = wrong.iter().find(|(n, _)| n == "authorization").cloned().unwrap();
    lines.retain(|(n, _)| n != "authorization");
    lines.push(("authorization".into(), format!("{authorization}, {other}")));
    let (status, text) = exchange(addr, &head_bytes(&lines), usize::MAX);
    assert_eq!((status, error_type(&text)), (400, "BadRequestException"), "{text}");

    // Two Host lines are refused by HTTP itself (RFC 9112 §3.2).
    let mut lines = signed_lines(addr, SECRET_KEY);
    lines.push(("Host".into(), "example.com".into()));
    let (status, text) = exchange(addr, &head_bytes(&lines), usize::MAX);
    assert_eq!(status, 400, "{text}");
    running.stop().unwrap();
}

#[test]
fn request_heads_up_to_64_kib_are_accepted_and_larger_ones_get_431() {
    let running = start_with(emulator::Config::default());
    let addr = running.local_addr();
    // Whole, and in pieces that put the limit inside a read.
    for piece in [usize::MAX, 1000, 4093] {
        for (size, want) in [(MAX_HEAD - 1, 200), (MAX_HEAD, 200), (MAX_HEAD + 1, 431), (MAX_HEAD + 2, 431), (70_000, 431), (200_000, 431)] {
            let (status, text) = exchange(addr, &head_of_size(addr, size), piece);
            let how = if piece == usize::MAX { "at once".to_string() } else { format!("{piece} bytes at a time") };
            assert_eq!(status, want, "a {size}-byte head sent {how}: {}", text.get(..200).unwrap_or(&text));
            if want == 431 {
                assert!(text.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{text}");
            }
        }
    }
    // The server is still fine.
    assert_eq!(exchange(addr, &head_of_size(addr, 2000), usize::MAX).0, 200);
    running.stop().unwrap();
}

#[tokio::test]
async fn a_request_head_has_one_deadline_however_it_is_dripped() {
    let config = emulator::Config { head_timeout: Duration::from_millis(400), ..emulator::Config::default() };
    let running = start_with(config);
    let addr = running.local_addr();

    // A byte every 20 ms: each read is quick, the head never completes. Without one deadline
    // for the whole head this would go on for as long as the client likes.
    let mut drip = tokio::net::TcpStream::connect(addr).await.unwrap();
    drip.write_all(b"GET /app-instances HTTP/1.1\r\nx-slow: ").await.unwrap();
    let mut answer = Vec::new();
    for _ in 0..(GUARD.as_millis() / 20) {
        if drip.write_all(b"a").await.is_err() {
            break;
        }
        let mut buf = [0u8; 1024];
        match tokio::time::timeout(Duration::from_millis(20), drip.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer:?}");

    // A client that connects and sends nothing is closed without an answer.
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(GUARD, silent.read(&mut buf)).await.expect("the emulator closes a silent connection");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    running.stop().unwrap();
}

#[tokio::test]
async fn kept_alive_connections_may_idle_longer_than_the_head_timeout() {
    let head_timeout = Duration::from_millis(300);
    let running = start_with(emulator::Config { head_timeout, ..emulator::Config::default() });
    let client = client_for(&running.endpoint_url());
    client.list_app_instances().send().await.expect("first call");
    // The deadline of the next head runs from its first byte, not from the last answer.
    tokio::time::sleep(head_timeout * 3).await;
    let mut stream = tokio::net::TcpStream::connect(running.local_addr()).await.unwrap();
    let lines = signed_lines(running.local_addr(), SECRET_KEY);
    let mut keep_alive = head_bytes(&lines);
    keep_alive.truncate(keep_alive.len() - "connection: close\r\n\r\n".len());
    keep_alive.extend_from_slice(b"\r\n");
    stream.write_all(&keep_alive).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = tokio::time::timeout(GUARD, stream.read(&mut buf)).await.expect("an answer").unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 "), "{:?}", String::from_utf8_lossy(&buf[..n]));
    tokio::time::sleep(head_timeout * 3).await;
    stream.write_all(&keep_alive).await.expect("the idle connection is still open");
    let n = tokio::time::timeout(GUARD, stream.read(&mut buf)).await.expect("an answer").unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 "), "{:?}", String::from_utf8_lossy(&buf[..n]));
    client.list_app_instances().send().await.expect("the client's pooled connection idled too");
    running.stop().unwrap();
}

/// Opens `count` connections to `addr`: every other one sends nothing, the others start a
/// head and then send a byte every 100 ms until `stop` (or for `GUARD` at most). Connections
/// that cannot be made within a few seconds are left out.
async fn slow_connections(addr: SocketAddr, count: usize, stop: tokio::sync::watch::Receiver<bool>) -> Vec<tokio::net::TcpStream> {
    let mut connecting = tokio::task::JoinSet::new();
    for _ in 0..count {
        connecting.spawn(tokio::time::timeout(Duration::from_secs(3), tokio::net::TcpStream::connect(addr)));
    }
    let mut idle = Vec::new();
    let mut dripping = 0;
    while let Some(connected) = connecting.join_next().await {
        let Ok(Ok(Ok(mut stream))) = connected else { continue };
        if dripping < count / 2 {
            dripping += 1;
            let mut stop = stop.clone();
            tokio::spawn(async move {
                let _ = stream.write_all(b"POST /app-instances HTTP/1.1\r\nx-slow: ").await;
                for _ in 0..(GUARD.as_millis() / 100) {
                    tokio::select! {
                        _ = stop.changed() => break,
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                    if stream.write_all(b"a").await.is_err() {
                        break;
                    }
                }
            });
        } else {
            idle.push(stream);
        }
    }
    idle
}

/// A normal client's calls, each of which must succeed.
async fn normal_calls(endpoint: &str) {
    let client = client_for(endpoint);
    for round in 0..3 {
        let name = format!("served-{round}");
        let created = client.create_app_instance().name(&name).send().await.expect("CreateAppInstance while slow connections are open");
        let arn = created.app_instance_arn().unwrap().to_string();
        let described = client.describe_app_instance().app_instance_arn(&arn).send().await.expect("DescribeAppInstance");
        assert_eq!(described.app_instance().unwrap().name(), Some(name.as_str()));
        client.list_app_instances().send().await.expect("ListAppInstances");
        client.delete_app_instance().app_instance_arn(&arn).send().await.expect("DeleteAppInstance");
    }
}

#[tokio::test]
async fn idle_and_slow_connections_beyond_the_limit_make_room_for_clients() {
    // A long head timeout: only the connection limit can make room here.
    let max_connections = 20;
    let config = emulator::Config {
        head_timeout: Duration::from_secs(60),
        max_connections: NonZeroUsize::new(max_connections).unwrap(),
        ..emulator::Config::default()
    };
    let running = start_with(config);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let idle = slow_connections(running.local_addr(), 200, stopped).await;
    assert_eq!(idle.len(), 100, "every idle connection was accepted or queued");

    normal_calls(&running.endpoint_url()).await;

    // The server closed all but a limit's worth of the waiting connections; count the idle
    // ones it closed until enough are seen (or the guard runs out).
    let mut reads = tokio::task::JoinSet::new();
    for mut stream in idle {
        reads.spawn(async move {
            let mut buf = [0u8; 64];
            matches!(tokio::time::timeout(GUARD, stream.read(&mut buf)).await, Ok(Ok(0) | Err(_)))
        });
    }
    let needed = 100 - max_connections;
    let mut closed = 0;
    while let Some(result) = reads.join_next().await {
        closed += usize::from(result.unwrap());
        if closed >= needed {
            break;
        }
    }
    reads.abort_all();
    assert!(closed >= needed, "only {closed} of 100 idle connections were closed with a limit of {max_connections}");
    let _ = stop.send(true);
    running.stop().unwrap();
}

/// The `emulator` binary, killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[tokio::test]
async fn out_of_file_descriptors_slow_connections_make_room_for_clients() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    // 64 descriptors: a few for the process itself, the rest for about 55 connections.
    // The head timeout is long, so only making room can serve the client in time.
    let child = Command::new("sh")
        .args(["-c", r#"ulimit -n 64 && exec "$0" "$@""#, env!("CARGO_BIN_EXE_emulator"), "--port", "0", "--quiet", "--head-timeout", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh runs the emulator");
    let mut child = Child(child);
    let stdout = child.0.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line).expect("the first line");
    let endpoint = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_string();
    let addr: SocketAddr = endpoint.trim_start_matches("http://").parse().unwrap();

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let _idle = slow_connections(addr, 200, stopped).await;
    normal_calls(&endpoint).await;
    let _ = stop.send(true);
    assert!(child.0.try_wait().unwrap().is_none(), "the emulator is still running");
}
