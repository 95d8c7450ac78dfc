//! The operating system's trust store (feature `native-roots`). Its own test binary: it points
//! `SSL_CERT_FILE`, which the system store honours on Linux, at a test CA for the whole process.

#![cfg(all(feature = "native-roots", target_os = "linux"))]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use smithy_lite_runtime::http::{DispatchErrorKind, HttpClient, HttpRequest, Uri};
use smithy_lite_runtime::transport::Transport;

mod common;

fn pem(der: &[u8]) -> String {
    let b64 = smithy_lite_runtime::base64::encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|l| std::str::from_utf8(l).unwrap()).collect();
    format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
}

/// One TLS connection on 127.0.0.1 answering one request with `ok`.
fn tls_server(config: Arc<rustls::ServerConfig>) -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        for _ in 0..2 {
            let Ok((tcp, _)) = listener.accept() else { return };
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(3))).unwrap();
            let mut tls = rustls::StreamOwned::new(rustls::ServerConnection::new(config.clone()).unwrap(), tcp);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && tls.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            let _ = tls.flush();
        }
    });
    (port, handle)
}

#[tokio::test]
async fn the_system_store_is_trusted_and_the_bundled_roots_can_be_left_out() {
    let (der, server) = common::test_cert();
    let dir = std::env::temp_dir().join(format!("native-roots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("ca.pem");
    std::fs::write(&bundle, pem(&der)).unwrap();
    // This test binary has one test, so no other thread reads the environment meanwhile.
    unsafe { std::env::set_var("SSL_CERT_FILE", &bundle) };

    let (port, handle) = tls_server(server);
    let url = format!("https://localhost:{port}/");
    let request = HttpRequest { method: "GET".into(), uri: Uri::parse(&url).unwrap(), ..Default::default() };
    // The bundled roots alone do not know the test CA.
    let bundled = Transport::builder().build().unwrap();
    let err = bundled.send(&request).await.unwrap_err();
    assert_eq!(err.kind(), DispatchErrorKind::Connect, "{err}");
    // The system store (here: SSL_CERT_FILE) does.
    let native = Transport::builder().built_in_roots(false).native_roots(true).build().unwrap();
    let response = native.send(&request).await.unwrap();
    assert_eq!(response.body, b"ok");
    handle.join().unwrap();

    // An empty system store is a build error, not a transport that trusts nothing.
    let empty_dir = dir.join("empty");
    std::fs::create_dir_all(&empty_dir).unwrap();
    let empty = empty_dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    unsafe { std::env::set_var("SSL_CERT_FILE", &empty) };
    unsafe { std::env::set_var("SSL_CERT_DIR", &empty_dir) };
    let err = Transport::builder().built_in_roots(false).native_roots(true).build().unwrap_err();
    assert!(err.to_string().contains("system store"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
