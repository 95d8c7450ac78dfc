//! The bench's local Chime SDK Identity stand-in: an HTTP/1.1 keep-alive server on 127.0.0.1
//! answering DescribeAppInstance, CreateAppInstance and ListAppInstances from memory, one thread
//! per connection, so that a client's measured cost is its own and not the server's.
//!
//! `bench-server [--items N] [--max-seconds S] [--tls CA_FILE] [--close]` prints
//! `listening 127.0.0.1:PORT` and serves until its standard input closes (the parent went away) or
//! S seconds pass (default 3600). When a connection ends it prints `conn requests=R cpu_ns=C`:
//! what serving it cost the server, so the bench can show the server is not the bottleneck, and
//! count the connections a client opened.
//! ListAppInstances walks N items (default 1000) in pages of at most 100, with the next offset as
//! its token.
//!
//! `--tls CA_FILE` serves HTTPS instead: at start-up it makes a throw-away certificate authority
//! and a server certificate for `127.0.0.1` and `localhost` signed by it (rcgen), and writes the
//! authority's certificate to CA_FILE (PEM) for the clients to trust. `--close` answers every
//! request with `connection: close` and closes the connection, so each call pays for a new one.
//!
//! It also answers as a fake EC2 instance metadata service (IMDSv2: the session token, the role
//! name and the role's credentials), so a cold-start run can take its credentials from "IMDS".

use bench_server::{first_line, read_head, skip_body, ARN_PREFIX, NAME};
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

const MAX_PAGE: u64 = 100;

/// Responses that never change, rendered once.
struct Canned {
    describe: Vec<u8>,
    create: Vec<u8>,
    not_found: Vec<u8>,
    imds_token: Vec<u8>,
    imds_role: Vec<u8>,
    imds_credentials: Vec<u8>,
    items: u64,
    /// `--close`: every response says `connection: close` and the connection ends after it.
    close: bool,
}

/// The role the fake IMDS reports, and the session token it hands out.
const IMDS_ROLE: &str = "bench-role";
const IMDS_TOKEN: &str = "bench-imds-session-token";

impl Canned {
    fn new(items: u64, close: bool) -> Canned {
        let connection = if close { "connection: close\r\n" } else { "" };
        let response = |status: &str, extra_headers: &str, body: &str| -> Vec<u8> {
            typed_response(status, "application/json", &format!("{extra_headers}{connection}"), body)
        };
        let arn = format!("{ARN_PREFIX}f2b4a1c6-0d5e-4a57-9d1c-3e8b7a6f5c21");
        let describe = format!(
            r#"{{"AppInstance":{{"AppInstanceArn":"{arn}","Name":"{NAME}","Metadata":"created by the bench","CreatedTimestamp":1.700000000123E9,"LastUpdatedTimestamp":1.700000500456E9}}}}"#
        );
        Canned {
            describe: response("200 OK", "", &describe),
            create: response("201 Created", "", &format!(r#"{{"AppInstanceArn":"{arn}"}}"#)),
            not_found: response(
                "404 Not Found",
                "x-amzn-errortype: NotFoundException\r\n",
                r#"{"Code":"NotFound","Message":"no such route"}"#,
            ),
            imds_token: typed_response("200 OK", "text/plain", &format!("x-aws-ec2-metadata-token-ttl-seconds: 21600\r\n{connection}"), IMDS_TOKEN),
            imds_role: typed_response("200 OK", "text/plain", connection, IMDS_ROLE),
            // The published example keys again; an expiry far ahead so no client refreshes.
            imds_credentials: typed_response(
                "200 OK",
                "text/plain",
                connection,
                r#"{"Code":"Success","LastUpdated":"2026-01-01T00:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIAEXAMPLEIMDS","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY","Token":"bench-session-token","Expiration":"2099-01-01T00:00:00Z"}"#,
            ),
            items,
            close,
        }
    }

    /// The canned reply to the IMDS `path`, if it is one the fake serves (legacy and extended
    /// credentials paths alike).
    fn imds(&self, method: &str, path: &str) -> Option<&[u8]> {
        fn role_path(p: &str) -> Option<&str> {
            p.strip_prefix("/latest/meta-data/iam/security-credentials/")
                .or_else(|| p.strip_prefix("/latest/meta-data/iam/security-credentials-extended/"))
        }
        match (method, path) {
            ("PUT", "/latest/api/token") => Some(&self.imds_token),
            ("GET", p) => match role_path(p)? {
                "" => Some(&self.imds_role),
                IMDS_ROLE => Some(&self.imds_credentials),
                _ => None,
            },
            _ => None,
        }
    }

    /// Renders the ListAppInstances page that starts at `next-token` into `out`.
    fn list_page(&self, query: &str, out: &mut Vec<u8>) {
        let mut start = 0u64;
        let mut size = MAX_PAGE;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("next-token", v)) => start = v.parse().unwrap_or(0),
                Some(("max-results", v)) => size = v.parse().unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE),
                _ => {}
            }
        }
        let end = start.saturating_add(size).min(self.items);
        let mut body = String::with_capacity(200 * (end.saturating_sub(start) as usize) + 64);
        body.push_str(r#"{"AppInstances":["#);
        for i in start..end {
            if i > start {
                body.push(',');
            }
            body.push_str(&format!(r#"{{"AppInstanceArn":"{ARN_PREFIX}bench-{i:08}","Name":"{NAME}-{i}","Metadata":"item {i}"}}"#));
        }
        body.push(']');
        if end < self.items {
            body.push_str(&format!(r#","NextToken":"{end}""#));
        }
        body.push('}');
        let connection = if self.close { "connection: close\r\n" } else { "" };
        out.extend_from_slice(&typed_response("200 OK", "application/json", connection, &body));
    }
}

fn typed_response(status: &str, content_type: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\nx-amzn-requestid: 5c0b6a4e-2f7d-4c1e-9a8b-3d6e1f2a7b90\r\n{extra_headers}content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[repr(C)]
struct TimeSpec {
    sec: i64,
    nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, out: *mut TimeSpec) -> i32;
}

/// CPU time of the calling thread, nanoseconds (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_ns() -> u64 {
    let mut t = TimeSpec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid, writable `struct timespec`; 3 is CLOCK_THREAD_CPUTIME_ID on Linux.
    if unsafe { clock_gettime(3, &mut t) } != 0 {
        return 0;
    }
    (t.sec.max(0) as u64) * 1_000_000_000 + t.nsec.max(0) as u64
}

/// Serves one connection until the peer closes it (or, with `--close`, after one request);
/// counts the requests it answered in `requests`.
fn serve<S: Read + Write>(stream: S, canned: &Canned, requests: &mut u64) -> std::io::Result<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut head = Vec::with_capacity(4096);
    let mut page = Vec::new();
    while let Some(body_len) = read_head(&mut reader, &mut head)? {
        skip_body(&mut reader, body_len)?;
        let line = String::from_utf8_lossy(first_line(&head));
        let mut parts = line.split(' ');
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let reply: &[u8] = match (method, path) {
            (m, p) if p.starts_with("/latest/") => canned.imds(m, p).unwrap_or(&canned.not_found),
            ("GET", "/app-instances") => {
                page.clear();
                canned.list_page(query, &mut page);
                &page
            }
            ("GET", p) if p.starts_with("/app-instances/") => &canned.describe,
            ("POST", "/app-instances") => &canned.create,
            _ => &canned.not_found,
        };
        // Written through the reader's stream: what it has buffered is unaffected.
        let writer = reader.get_mut();
        writer.write_all(reply)?;
        writer.flush()?;
        *requests += 1;
        if canned.close {
            break;
        }
    }
    Ok(())
}

/// A throw-away CA and a server certificate for `127.0.0.1` / `localhost` signed by it; writes the
/// CA certificate (PEM) to `ca_file` and returns the TLS server configuration.
fn tls_config(ca_file: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let err = |e: rcgen::Error| e.to_string();
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "bench-server test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::from_params(&ca, &ca_key);

    let key = KeyPair::generate().map_err(err)?;
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).map_err(err)?;
    leaf.distinguished_name.push(DnType::CommonName, "127.0.0.1");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &issuer).map_err(err)?;
    std::fs::write(ca_file, ca_cert.pem()).map_err(|e| format!("writing {}: {e}", ca_file.display()))?;

    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone(), ca_cert.der().clone()], key_der)
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(config))
}

/// Serves one accepted connection, over TLS when `tls` is set.
fn serve_connection(stream: TcpStream, tls: Option<&Arc<rustls::ServerConfig>>, canned: &Canned, requests: &mut u64) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    match tls {
        None => serve(stream, canned, requests),
        Some(config) => {
            let conn = rustls::ServerConnection::new(Arc::clone(config)).map_err(std::io::Error::other)?;
            let mut tls = rustls::StreamOwned::new(conn, stream);
            serve(&mut tls, canned, requests)?;
            tls.conn.send_close_notify();
            tls.flush()
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: u64| -> u64 {
        match args.iter().position(|a| a == name) {
            Some(i) => args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                eprintln!("bench-server: {name} needs a number");
                std::process::exit(2)
            }),
            None => default,
        }
    };
    let canned = Arc::new(Canned::new(flag("--items", 1000), args.iter().any(|a| a == "--close")));
    let tls = match args.iter().position(|a| a == "--tls") {
        Some(i) => {
            let Some(ca_file) = args.get(i + 1) else {
                eprintln!("bench-server: --tls needs the file to write the CA certificate to");
                std::process::exit(2)
            };
            match tls_config(Path::new(ca_file)) {
                Ok(config) => Some(config),
                Err(e) => {
                    eprintln!("bench-server: TLS set-up: {e}");
                    std::process::exit(1)
                }
            }
        }
        None => None,
    };
    let max_seconds = flag("--max-seconds", 3600);

    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bench-server: bind: {e}");
            std::process::exit(1)
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening {addr}"),
        Err(e) => {
            eprintln!("bench-server: {e}");
            std::process::exit(1)
        }
    }
    let _ = std::io::stdout().flush();

    // Stop with the parent, or after the deadline, whichever comes first.
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0)
    });
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(max_seconds));
        std::process::exit(0)
    });

    for stream in listener.incoming().flatten() {
        let canned = Arc::clone(&canned);
        let tls = tls.clone();
        std::thread::spawn(move || {
            let start = thread_cpu_ns();
            let mut requests = 0;
            // A client hanging up mid-message is normal at the end of a run.
            let _ = serve_connection(stream, tls.as_ref(), &canned, &mut requests);
            println!("conn requests={requests} cpu_ns={}", thread_cpu_ns().saturating_sub(start));
            let _ = std::io::stdout().flush();
        });
    }
}
