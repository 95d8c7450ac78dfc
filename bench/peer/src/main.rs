//! Bench consumer on the official AWS SDK for Rust (`aws-sdk-chimesdkidentity` + `aws-config`):
//! the same program as `bench/ours`, built the way the SDK's documentation suggests. It builds a
//! client from static credentials, region us-east-1 and an `endpoint_url`, then runs the mode
//! `cargo xtask bench` asks for (see `bench/common/`).

#[path = "../../common/harness.rs"]
mod harness;
#[path = "../../common/measure.rs"]
mod measure;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_chimesdkidentity::config::Credentials;
use aws_sdk_chimesdkidentity::Client;
use harness::{Args, Mode};
use measure::{fail, Meter};

#[global_allocator]
static ALLOC: measure::CountingAlloc = measure::CountingAlloc;

async fn client(endpoint: &str) -> Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::from_static("us-east-1"))
        .credentials_provider(Credentials::new(harness::ACCESS_KEY, harness::SECRET_KEY, None, None, "bench"))
        .endpoint_url(endpoint)
        .load()
        .await;
    Client::new(&config)
}

/// The cold-start client: everything from the environment, as an application would. HTTPS runs
/// need nothing here: the SDK's default connector loads its roots with `rustls-native-certs`,
/// which reads the `SSL_CERT_FILE` the bench sets.
async fn client_from_env() -> Client {
    Client::new(&aws_config::load_defaults(BehaviorVersion::latest()).await)
}

async fn describe(client: &Client) {
    match client.describe_app_instance().app_instance_arn(harness::ARN).send().await {
        Ok(out) if out.app_instance().and_then(|a| a.name()) == Some("bench") => {}
        Ok(_) => fail("DescribeAppInstance: unexpected output"),
        Err(e) => fail(&format!("DescribeAppInstance: {e:?}")),
    }
}

/// The SDK generates `.items()` only for paginators whose model names an `items` member, and the
/// official model's ListAppInstances does not; so this walks the pages and the items inside each,
/// which holds one page at a time just as `.items()` does.
async fn walk(client: &Client) -> u64 {
    let mut pages = client.list_app_instances().into_paginator().send();
    let mut count = 0u64;
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for summary in page.app_instances() {
                    if summary.app_instance_arn().is_none() {
                        fail("ListAppInstances: item without an ARN");
                    }
                    count += 1;
                }
            }
            Err(e) => fail(&format!("ListAppInstances: {e:?}")),
        }
    }
    count
}

async fn smoke(client: Client) {
    let listed = walk(&client).await;
    let created = match client.create_app_instance().name("bench").send().await {
        Ok(out) => out.app_instance_arn().unwrap_or_default().to_string(),
        Err(e) => fail(&format!("CreateAppInstance: {e:?}")),
    };
    describe(&client).await;
    println!("listed {listed} app instances; created {created}; described {}", harness::ARN);
}

async fn describe_owned(client: Client) {
    describe(&client).await
}

fn main() {
    let process_start = std::time::Instant::now();
    let Args { endpoint, flavor, mode } = Args::parse();
    harness::execute(flavor, async move {
        if let Mode::Cold = mode {
            let client = client_from_env().await;
            describe(&client).await;
            measure::report_cold(process_start);
            return;
        }
        let client = client(&endpoint).await;
        match mode {
            Mode::Smoke => smoke(client).await,
            Mode::Describe { n, warmup } => {
                for _ in 0..warmup {
                    describe(&client).await;
                }
                let meter = Meter::start();
                for _ in 0..n {
                    describe(&client).await;
                }
                meter.report_requests(n);
            }
            Mode::Concurrent { total, inflight, warmup } => {
                harness::concurrent(&client, warmup, inflight, describe_owned).await;
                let meter = Meter::start();
                let mut latencies = harness::concurrent(&client, total, inflight, describe_owned).await;
                meter.report_concurrent(&mut latencies);
            }
            Mode::Cold => unreachable!("handled above"),
            Mode::Paginate { expected } => {
                let meter = Meter::start();
                let count = walk(&client).await;
                if count != expected {
                    fail(&format!("walked {count} items, expected {expected}"));
                }
                meter.report_items(count);
            }
        }
    });
}
