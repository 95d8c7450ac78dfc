//! Bench consumer on this project's `chime-sdk-identity` client: builds a client from static
//! credentials, region us-east-1 and an `endpoint_url`, then runs the mode `cargo xtask bench`
//! asks for (see `bench/common/`). `bench/peer` is the same program on the AWS SDK.

#[path = "../../common/harness.rs"]
mod harness;
#[path = "../../common/measure.rs"]
mod measure;

use chime_sdk_identity::config::{Credentials, Region};
use chime_sdk_identity::{Client, Config};
use client_runtime::transport::Transport;
use harness::{Args, Mode};
use measure::{fail, Meter};

#[global_allocator]
static ALLOC: measure::CountingAlloc = measure::CountingAlloc;

fn client(endpoint: &str) -> Client {
    let mut config = Config::builder()
        .region(Region::from_static("us-east-1"))
        .credentials_provider(Credentials::new(harness::ACCESS_KEY, harness::SECRET_KEY, None, None, "Static"))
        .endpoint_url(endpoint);
    // The HTTPS runs' test CA, through the runtime's own way to add PEM roots.
    if let Some(ca_file) = std::env::var_os("SSL_CERT_FILE").filter(|_| endpoint.starts_with("https://")) {
        let pem = std::fs::read(&ca_file).unwrap_or_else(|e| fail(&format!("reading SSL_CERT_FILE: {e}")));
        let transport = Transport::builder()
            .add_root_certificates_pem(pem)
            .build()
            .unwrap_or_else(|e| fail(&format!("transport: {e}")));
        config = config.http_client(transport);
    }
    Client::from_conf(config.build())
}

/// The cold-start client: everything from the environment, as an application would.
async fn client_from_env() -> Client {
    Client::load_from_env().await.unwrap_or_else(|e| fail(&format!("configuration from the environment: {e}")))
}

async fn describe(client: &Client) {
    match client.describe_app_instance().app_instance_arn(harness::ARN).send().await {
        Ok(out) if out.app_instance().and_then(|a| a.name()) == Some("bench") => {}
        Ok(_) => fail("DescribeAppInstance: unexpected output"),
        Err(e) => fail(&format!("DescribeAppInstance: {e:?}")),
    }
}

async fn walk(client: &Client) -> u64 {
    let mut items = client.list_app_instances().into_paginator().items().send();
    let mut count = 0u64;
    while let Some(item) = items.next().await {
        match item {
            Ok(summary) if summary.app_instance_arn().is_some() => count += 1,
            Ok(_) => fail("ListAppInstances: item without an ARN"),
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
        let client = client(&endpoint);
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
