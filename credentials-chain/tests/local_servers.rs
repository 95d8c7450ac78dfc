//! The network providers against real HTTP servers on 127.0.0.1 (through the runtime's own
//! transport): a fake IMDS, a container credentials endpoint, and a closed port.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use client_runtime::credentials::{describe, CachedProvider, ProvideCredentials};
use client_runtime::profile::Env;
use smithy_lite_credentials::{ChainConfig, ContainerProvider, DefaultCredentialsChain, ImdsProvider, RegionChain};
use support::{Request, Server, TempDir};

const CREDS_JSON: &str = r#"{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS","SecretAccessKey":"imds-secret","Token":"imds-token","Expiration":"2031-01-01T00:00:00Z"}"#;

fn expiry_2031() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_924_992_000)
}

/// IMDS: tokens are `token-N` (N counts PUTs); GETs without the latest token get 401.
fn imds(fail_first_gets_with: Option<u16>) -> impl Fn(&Request, usize) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync {
    let puts = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    move |r: &Request, _| {
        if r.method == "PUT" && r.path == "/latest/api/token" {
            if r.headers.get("x-aws-ec2-metadata-token-ttl-seconds").map(String::as_str) != Some("21600") {
                return (400, vec![], "missing ttl".into());
            }
            let n = puts.fetch_add(1, Ordering::SeqCst) + 1;
            return (200, vec![("x-aws-ec2-metadata-token-ttl-seconds", "21600".into())], format!("token-{n}"));
        }
        let current = format!("token-{}", puts.load(Ordering::SeqCst));
        if r.headers.get("x-aws-ec2-metadata-token") != Some(&current) {
            return (401, vec![], String::new());
        }
        if let Some(status) = fail_first_gets_with {
            if failed.fetch_add(1, Ordering::SeqCst) == 0 {
                return (status, vec![], String::new());
            }
        }
        match r.path.as_str() {
            "/latest/meta-data/iam/security-credentials/" => (200, vec![], "my-role\n".into()),
            "/latest/meta-data/iam/security-credentials/my-role" => (200, vec![], CREDS_JSON.into()),
            "/latest/meta-data/placement/region" => (200, vec![], "eu-west-3".into()),
            _ => (404, vec![], String::new()),
        }
    }
}

fn config(vars: &[(&str, &str)]) -> ChainConfig {
    ChainConfig::new().env(Env::from_map(vars.iter().map(|(k, v)| (k.to_string(), v.to_string()))))
}

#[tokio::test]
async fn imds_role_then_credentials_with_one_token() {
    let server = Server::start(imds(None)).await;
    let url = server.url();
    let provider = ImdsProvider::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url)]));
    for _ in 0..2 {
        let creds = provider.provide_credentials().await.expect("credentials");
        assert_eq!((creds.access_key_id(), creds.secret_access_key(), creds.session_token()), ("ASIAIMDS", "imds-secret", Some("imds-token")));
        assert_eq!(creds.expiry(), Some(expiry_2031()));
    }
    let seen: Vec<(String, String)> = server.requests().into_iter().map(|r| (r.method, r.path)).collect();
    let expected = [
        ("PUT", "/latest/api/token"),
        ("GET", "/latest/meta-data/iam/security-credentials/"),
        ("GET", "/latest/meta-data/iam/security-credentials/my-role"),
        ("GET", "/latest/meta-data/iam/security-credentials/"),
        ("GET", "/latest/meta-data/iam/security-credentials/my-role"),
    ];
    assert_eq!(seen, expected.map(|(m, p)| (m.to_string(), p.to_string())), "the token is fetched once and reused");
}

#[tokio::test]
async fn imds_retries_server_errors_and_replaces_a_refused_token() {
    let server = Server::start(imds(Some(503))).await;
    let provider = ImdsProvider::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url())]));
    provider.provide_credentials().await.expect("503 retried");
    assert_eq!(server.requests().len(), 4, "PUT, GET 503, GET, GET");

    let server = Server::start(imds(Some(401))).await;
    let provider = ImdsProvider::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url())]));
    provider.provide_credentials().await.expect("401 refreshes the token");
    let puts = server.requests().iter().filter(|r| r.method == "PUT").count();
    assert_eq!(puts, 2, "a 401 drops the token and fetches a new one");
}

#[tokio::test]
async fn imds_unreachable_fails_fast_as_not_loaded() {
    // A port nothing listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("addr");
    let url = format!("http://{closed}");
    let started = Instant::now();
    let err = ImdsProvider::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url)]))
        .provide_credentials()
        .await
        .expect_err("nothing listens");
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert!(err.is_not_loaded(), "{}", describe(&err));
    assert!(describe(&err).contains("could not communicate with IMDS"), "{}", describe(&err));

    // The whole default chain with nothing configured: not loaded, every provider's reason listed.
    let started = Instant::now();
    let err = DefaultCredentialsChain::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url)]))
        .provide_credentials()
        .await
        .expect_err("nothing configured");
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert!(err.is_not_loaded());
    let text = describe(&err);
    for provider in ["environment:", "profile:", "web identity:", "container:", "IMDS:"] {
        assert!(text.contains(provider), "{provider} missing from {text}");
    }
}

#[tokio::test]
async fn imds_disabled_sends_nothing() {
    let server = Server::start(imds(None)).await;
    for value in ["true", "TRUE"] {
        let err = ImdsProvider::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url()), ("AWS_EC2_METADATA_DISABLED", value)]))
            .provide_credentials()
            .await
            .expect_err("disabled");
        assert!(err.is_not_loaded());
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn region_from_environment_then_profile_then_imds() {
    let server = Server::start(imds(None)).await;
    let url = server.url();
    let home = TempDir::new("region");
    home.write(".aws/config", "[default]\nregion = ap-south-1\n");
    let home_path = home.0.display().to_string();
    let r = RegionChain::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url), ("AWS_REGION", "us-west-2"), ("HOME", &home_path)]));
    assert_eq!(r.region().await.map(|r| r.as_str().to_string()), Some("us-west-2".into()));
    let r = RegionChain::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url), ("HOME", &home_path)]));
    assert_eq!(r.region().await.map(|r| r.as_str().to_string()), Some("ap-south-1".into()));
    assert!(server.requests().is_empty(), "IMDS is not asked while a local setting exists");
    let r = RegionChain::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url)]));
    assert_eq!(r.region().await.map(|r| r.as_str().to_string()), Some("eu-west-3".into()));
}

#[tokio::test]
async fn cache_over_imds_is_single_flight() {
    let server = Server::start(imds(None)).await;
    let provider = Arc::new(CachedProvider::new(ImdsProvider::new(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url())]))));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let p = provider.clone();
            tokio::spawn(async move { p.provide_credentials().await.map(|c| c.access_key_id().to_string()).map_err(|e| e.to_string()) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("join"), Ok("ASIAIMDS".to_string()));
    }
    assert_eq!(server.requests().len(), 3, "one token, one role listing, one credentials request");
}

#[tokio::test]
async fn container_full_uri_sends_the_token_file_read_on_each_call() {
    let server = Server::start(|r: &Request, _| match r.headers.get("authorization").map(String::as_str) {
        Some("Bearer one") | Some("Bearer two") if r.path == "/creds" && r.headers.get("accept").map(String::as_str) == Some("application/json") => (
            200,
            vec![("content-type", "application/json".into())],
            r#"{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"c-secret","Token":"c-token","AccountId":"123456789012","Expiration":"2031-01-01T00:00:00Z"}"#.into(),
        ),
        _ => (401, vec![], String::new()),
    })
    .await;
    let dir = TempDir::new("container");
    let token = dir.write("token", "Bearer one\n");
    let uri = format!("{}/creds", server.url());
    let token_path = token.display().to_string();
    let provider = ContainerProvider::new(config(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri), ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_path)]));
    let creds = provider.provide_credentials().await.expect("credentials");
    assert_eq!((creds.access_key_id(), creds.account_id(), creds.expiry()), ("ASIACONTAINER", Some("123456789012"), Some(expiry_2031())));
    dir.write("token", "Bearer two");
    provider.provide_credentials().await.expect("rotated token");
    let auth: Vec<String> = server.requests().iter().filter_map(|r| r.headers.get("authorization").cloned()).collect();
    assert_eq!(auth, ["Bearer one", "Bearer two"]);

    // The token from the variable when there is no file; a refusal is an error naming the status.
    let provider = ContainerProvider::new(config(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer nope")]));
    let err = provider.provide_credentials().await.expect_err("refused");
    assert!(!err.is_not_loaded());
    assert_eq!(describe(&err), "container credentials endpoint answered with status 401");
    assert!(!describe(&err).contains("nope"), "the token is not echoed");
}

#[tokio::test]
async fn container_refuses_plain_http_to_other_hosts_without_sending() {
    let err = ContainerProvider::new(config(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.1.2.3/creds")]))
        .provide_credentials()
        .await
        .expect_err("refused");
    assert!(describe(&err).contains("plain http is only allowed to loopback addresses"), "{}", describe(&err));
}

static SERVICE: client_runtime::client::ServiceInfo = client_runtime::client::ServiceInfo {
    sdk_id: "Test",
    api_version: "2020-01-01",
    signing_name: Some("test"),
    env_suffix: "TEST",
    crate_name: "test",
    crate_version: "0.0.0",
    rules: None,
    protocol: &client_runtime::protocol::RestJson1,
};

#[tokio::test]
async fn load_config_takes_the_region_from_imds_only_when_nothing_else_sets_it() {
    let server = Server::start(imds(None)).await;
    let url = server.url();
    let dir = TempDir::new("load-config");
    let home = dir.0.display().to_string();
    let config = smithy_lite_credentials::load_config_with(config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url), ("HOME", &home)]), &SERVICE)
        .await
        .expect("config");
    assert_eq!(config.region().map(|r| r.as_str()), Some("eu-west-3"));
    assert!(config.default_credentials_env().is_none(), "the full chain is installed, not the runtime's default");
    let asked = server.requests().len();
    let config = smithy_lite_credentials::load_config_with(config_with_region(&url, &home), &SERVICE).await.expect("config");
    assert_eq!(config.region().map(|r| r.as_str()), Some("us-west-1"));
    assert_eq!(server.requests().len(), asked, "IMDS is not asked when the environment sets the region");
}

fn config_with_region(url: &str, home: &str) -> ChainConfig {
    config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", url), ("HOME", home), ("AWS_REGION", "us-west-1")])
}
