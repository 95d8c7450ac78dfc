//! The bench's local Chime SDK Identity stand-in: an HTTP/1.1 keep-alive server on 127.0.0.1
//! answering DescribeAppInstance, CreateAppInstance and ListAppInstances from memory, one thread
//! per connection, so that a client's measured cost is its own and not the server's.
//!
//! `bench-server [--items N] [--max-seconds S]` prints `listening 127.0.0.1:PORT` and serves until
//! its standard input closes (the parent went away) or S seconds pass (default 3600). When a
//! connection ends it prints `conn requests=R cpu_ns=C`: what serving it cost the server, so the
//! bench can show the server is not the bottleneck.
//! ListAppInstances walks N items (default 1000) in pages of at most 100, with the next offset as
//! its token.

use bench_server::{first_line, read_head, skip_body, ARN_PREFIX, NAME};
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

const MAX_PAGE: u64 = 100;

/// Responses that never change, rendered once.
struct Canned {
    describe: Vec<u8>,
    create: Vec<u8>,
    not_found: Vec<u8>,
    items: u64,
}

fn response(status: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nx-amzn-requestid: 5c0b6a4e-2f7d-4c1e-9a8b-3d6e1f2a7b90\r\n{extra_headers}content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl Canned {
    fn new(items: u64) -> Canned {
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
            items,
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
        out.extend_from_slice(&response("200 OK", "", &body));
    }
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

/// Serves one connection until the peer closes it; returns how many requests it answered.
fn serve(stream: TcpStream, canned: &Canned, requests: &mut u64) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream.try_clone()?);
    let mut writer = stream;
    let mut head = Vec::with_capacity(4096);
    let mut page = Vec::new();
    while let Some(body_len) = read_head(&mut reader, &mut head)? {
        skip_body(&mut reader, body_len)?;
        let line = String::from_utf8_lossy(first_line(&head));
        let mut parts = line.split(' ');
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let reply: &[u8] = match (method, path) {
            ("GET", "/app-instances") => {
                page.clear();
                canned.list_page(query, &mut page);
                &page
            }
            ("GET", p) if p.starts_with("/app-instances/") => &canned.describe,
            ("POST", "/app-instances") => &canned.create,
            _ => &canned.not_found,
        };
        writer.write_all(reply)?;
        *requests += 1;
    }
    Ok(())
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
    let canned = Arc::new(Canned::new(flag("--items", 1000)));
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
        std::thread::spawn(move || {
            let start = thread_cpu_ns();
            let mut requests = 0;
            // A client hanging up mid-message is normal at the end of a run.
            let _ = serve(stream, &canned, &mut requests);
            println!("conn requests={requests} cpu_ns={}", thread_cpu_ns().saturating_sub(start));
            let _ = std::io::stdout().flush();
        });
    }
}
