//! End to end: the generated client, configured the way `Client::from_env` configures it
//! (`Config::load` then `Client::from_conf`, with the `default-chain` feature), calls the
//! emulator with credentials from each source of the default chain. The emulator checks the
//! SigV4 signature against its keys, so a call that succeeds was signed with the keys the source
//! served. IMDS and the container endpoint are local servers on 127.0.0.1.

#[path = "../../credentials-chain/tests/support/mod.rs"]
mod support;

use chime_sdk_identity::{Client, Config};
use client_runtime::profile::Env;
use emulator::Emulator;
use support::{Request, Server, TempDir};

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn creds_json(token_member: &str) -> String {
    format!(r#"{{"Version":1,"Code":"Success","AccessKeyId":"{ACCESS_KEY}","SecretAccessKey":"{SECRET_KEY}","{token_member}":"session","Expiration":"2031-01-01T00:00:00Z"}}"#)
}

/// Lists app instances through a client built from `vars` (plus a region and an empty home),
/// against a fresh emulator.
async fn call_with(vars: Vec<(String, String)>, home: &TempDir) -> Result<(), String> {
    let running = Emulator::new(emulator::Config::default()).expect("config").start(0).expect("start");
    let mut all = vec![("AWS_REGION".to_string(), "us-east-1".to_string()), ("HOME".to_string(), home.0.display().to_string())];
    all.extend(vars);
    let config = Config::load(&Env::from_map(all), "CHIME_SDK_IDENTITY").map_err(|e| e.to_string())?;
    let client = Client::from_conf(config.to_builder().endpoint_url(running.endpoint_url()).build());
    let result = client.list_app_instances().send().await.map(|_| ()).map_err(|e| {
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        text
    });
    running.stop().expect("stop");
    result
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_and_profile_static_keys() {
    let home = TempDir::new("e2e-env");
    call_with(vars(&[("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", SECRET_KEY)]), &home).await.expect("environment keys");
    let err = call_with(vars(&[("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", "wrong")]), &home).await.expect_err("wrong secret");
    assert!(!err.contains("wrong"), "the secret is not echoed: {err}");

    home.write(".aws/credentials", &format!("[dev]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"));
    call_with(vars(&[("AWS_PROFILE", "dev")]), &home).await.expect("profile keys");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_process_from_the_profile() {
    let home = TempDir::new("e2e-process");
    home.write(".aws/config", &format!("[default]\ncredential_process = printf '%s' '{}'\n", creds_json("SessionToken")));
    call_with(vec![], &home).await.expect("credential_process");
    // Without the default-chain feature the runtime alone would refuse this profile, so the
    // success above shows `from_conf` installed the full chain.
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_endpoint() {
    let body = creds_json("Token");
    let server = Server::start(move |r: &Request, _| match r.headers.get("authorization").map(String::as_str) {
        Some("secret-auth") => (200, vec![], body.clone()),
        _ => (401, vec![], String::new()),
    })
    .await;
    let home = TempDir::new("e2e-container");
    let uri = format!("{}/v1/credentials", server.url());
    call_with(vars(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri), ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-auth")]), &home)
        .await
        .expect("container");
    assert_eq!(server.requests().len(), 1, "credentials are cached across the call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_metadata() {
    let body = creds_json("Token");
    let server = Server::start(move |r: &Request, _| match (r.method.as_str(), r.path.as_str()) {
        ("PUT", "/latest/api/token") => (200, vec![("x-aws-ec2-metadata-token-ttl-seconds", "21600".into())], "tok".into()),
        (_, _) if r.headers.get("x-aws-ec2-metadata-token").map(String::as_str) != Some("tok") => (401, vec![], String::new()),
        ("GET", "/latest/meta-data/iam/security-credentials/") => (200, vec![], "role".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/role") => (200, vec![], body.clone()),
        _ => (404, vec![], String::new()),
    })
    .await;
    let home = TempDir::new("e2e-imds");
    call_with(vars(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &server.url())]), &home).await.expect("IMDS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_profile_fails_clearly_until_sts_is_built_in() {
    let home = TempDir::new("e2e-role");
    home.write(
        ".aws/config",
        &format!("[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n[profile base]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"),
    );
    // Environment keys come before the profile in the chain.
    call_with(vars(&[("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", SECRET_KEY)]), &home).await.expect("environment first");
    // With none, the profile's role needs STS, and the error says so.
    let err = call_with(vec![], &home).await.expect_err("needs STS");
    assert!(err.contains("profile `default`"), "{err}");
    assert!(err.contains("STS AssumeRole needs a client"), "{err}");
}
