//! Measurement harness shared by the two bench consumers (`bench/ours`, `bench/peer`).
//!
//! Included with `#[path]` rather than being a crate, so that it adds nothing to either consumer's
//! dependency tree. It owns what the two programs share besides measuring (`measure.rs`): the
//! fixed inputs, the command line and the tokio runtime flavours, so both are driven identically.

use crate::measure::fail;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The ARN every DescribeAppInstance call asks for (the bench server answers any ARN).
pub const ARN: &str = "arn:aws:chime:us-east-1:123456789012:app-instance/f2b4a1c6-0d5e-4a57-9d1c-3e8b7a6f5c21";
/// The access key of the static credentials both consumers use.
pub const ACCESS_KEY: &str = "AKIDEXAMPLE";
/// The secret key of the static credentials both consumers use (a published example value).
pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// Which tokio runtime drives the calls.
#[derive(Clone, Copy)]
pub enum Flavor {
    /// `new_current_thread`: the calls run on the main thread.
    Current,
    /// `new_multi_thread` with the default worker count: the loop is spawned onto a worker.
    Multi,
}

/// What the consumer is asked to do.
pub enum Mode {
    /// ListAppInstances through the item paginator, CreateAppInstance, DescribeAppInstance;
    /// prints what came back.
    Smoke,
    /// `warmup` unmeasured then `n` measured sequential DescribeAppInstance calls.
    Describe { n: u64, warmup: u64 },
    /// `warmup` unmeasured then `total` measured DescribeAppInstance calls on one client, with
    /// `inflight` of them in flight at any time (that many tasks, each taking the next call as
    /// soon as its previous one ends).
    Concurrent { total: u64, inflight: u64, warmup: u64 },
    /// A fresh process's first call: the client is configured from the environment alone
    /// (region, credentials, `AWS_ENDPOINT_URL`), then one DescribeAppInstance.
    Cold,
    /// Walks every item of ListAppInstances (the server's default pages of 100: the model caps
    /// `MaxResults` at 50, so the walk leaves it unset); fails unless exactly
    /// `expected` items arrive.
    Paginate { expected: u64 },
}

/// The parsed command line:
/// `<endpoint> <current|multi> smoke | describe N WARMUP | concurrent N INFLIGHT WARMUP | cold | paginate N`.
/// An `https://` endpoint is trusted through the CA certificate file named by `SSL_CERT_FILE`.
pub struct Args {
    /// The `endpoint_url` given to the client, e.g. `http://127.0.0.1:40123` (unused by `cold`).
    pub endpoint: String,
    /// The runtime flavour.
    pub flavor: Flavor,
    /// What to do.
    pub mode: Mode,
}

const USAGE: &str = "usage: <endpoint> <current|multi> (smoke | describe N WARMUP | concurrent N INFLIGHT WARMUP | cold | paginate N)";

impl Args {
    /// Parses `std::env::args`, exiting with a usage message on anything unexpected.
    pub fn parse() -> Args {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let num = |i: usize| -> u64 { args.get(i).and_then(|s| s.parse().ok()).unwrap_or_else(|| fail(USAGE)) };
        let flavor = match args.get(1).map(String::as_str) {
            Some("current") => Flavor::Current,
            Some("multi") => Flavor::Multi,
            _ => fail(USAGE),
        };
        let mode = match args.get(2).map(String::as_str) {
            Some("smoke") => Mode::Smoke,
            Some("describe") => Mode::Describe { n: num(3), warmup: num(4) },
            Some("concurrent") => Mode::Concurrent { total: num(3), inflight: num(4).max(1), warmup: num(5) },
            Some("cold") => Mode::Cold,
            Some("paginate") => Mode::Paginate { expected: num(3) },
            _ => fail(USAGE),
        };
        let endpoint = args.first().cloned().unwrap_or_else(|| fail(USAGE));
        Args { endpoint, flavor, mode }
    }
}

/// Runs `fut` to completion on a fresh runtime of the given flavour.
pub fn execute<F: Future<Output = ()> + Send + 'static>(flavor: Flavor, fut: F) {
    match flavor {
        Flavor::Current => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|_| fail("runtime"));
            rt.block_on(fut)
        }
        Flavor::Multi => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap_or_else(|_| fail("runtime"));
            // Spawned, so the calls run on a worker thread as in a typical server application.
            if rt.block_on(rt.spawn(fut)).is_err() {
                fail("the benchmark task panicked");
            }
        }
    }
}


/// Makes `total` calls of `call` on clones of `client`, `inflight` tasks at a time on the current
/// runtime; returns each call's latency in nanoseconds. Each task takes the next call number from
/// a shared counter, so exactly `total` calls run whatever the timing.
pub async fn concurrent<C, F, Fut>(client: &C, total: u64, inflight: u64, call: F) -> Vec<u64>
where
    C: Clone + Send + 'static,
    F: Fn(C) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(inflight as usize);
    for _ in 0..inflight {
        let (client, next) = (client.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let start = Instant::now();
                call(client.clone()).await;
                latencies.push(start.elapsed().as_nanos() as u64);
            }
            latencies
        }));
    }
    let mut all = Vec::with_capacity(total as usize);
    for task in tasks {
        match task.await {
            Ok(latencies) => all.extend(latencies),
            Err(_) => fail("a concurrent call task panicked"),
        }
    }
    all
}
