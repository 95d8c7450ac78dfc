//! End to end: the generated client, configured the way `Client::from_env` configures it
//! (`Config::load` then `Client::from_conf`, with the `default-chain` feature), calls the
//! emulator with credentials from each source of the default chain. The emulator checks the
//! SigV4 signature against its keys, so a call that succeeds was signed with the keys the source
//! served. IMDS and the container endpoint are local servers on 127.0.0.1.

#[path = "../../credentials-chain/tests/support/mod.rs"]
mod support;

use chime_sdk_identity::{Client, Config};
use client_runtime::__private::profile::Env;
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

/// A local STS: `AssumeRole` (signed) and `AssumeRoleWithWebIdentity` (unsigned) issue the
/// emulator's key pair with a session token, as a real STS issues temporary credentials.
fn sts(r: &Request, _: usize) -> (u16, Vec<(&'static str, String)>, String) {
    let signed = r.headers.contains_key("authorization");
    let action = match (r.body.split('&').next(), signed) {
        (Some("Action=AssumeRole"), true) => "AssumeRole",
        (Some("Action=AssumeRoleWithWebIdentity"), false) => "AssumeRoleWithWebIdentity",
        _ => return (400, vec![], "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>unexpected</Message></Error></ErrorResponse>".into()),
    };
    let body = format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
         <Credentials><AccessKeyId>{ACCESS_KEY}</AccessKeyId><SecretAccessKey>{SECRET_KEY}</SecretAccessKey>\
         <SessionToken>sts-session</SessionToken><Expiration>2031-01-01T00:00:00Z</Expiration></Credentials>\
         <AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:e2e</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/e2e</Arn></AssumedRoleUser>\
         </{action}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></{action}Response>"
    );
    (200, vec![("content-type", "text/xml".into())], body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_profile_assumes_the_role_through_sts() {
    let server = Server::start(sts).await;
    let home = TempDir::new("e2e-role");
    // The source profile's keys are not the emulator's: only the role's credentials work.
    home.write(
        ".aws/config",
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\nrole_session_name = e2e\n\
         [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    );
    call_with(vars(&[("AWS_ENDPOINT_URL_STS", &server.url())]), &home).await.expect("role credentials");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one AssumeRole, cached for the call");
    let body = &requests[0].body;
    assert!(body.starts_with("Action=AssumeRole&Version=2011-06-15&"), "{body}");
    assert!(body.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr") && body.contains("RoleSessionName=e2e"), "{body}");
    let authorization = requests[0].headers.get("authorization").map(String::as_str).unwrap_or_default();
    assert!(authorization.contains("Credential=AKIDBASE/") && authorization.contains("/sts/aws4_request"), "signed with the source profile: {authorization}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_from_the_environment() {
    let server = Server::start(sts).await;
    let home = TempDir::new("e2e-web-identity");
    let token = home.write("token.jwt", "header.payload.signature");
    let token = token.display().to_string();
    let env = vars(&[
        ("AWS_WEB_IDENTITY_TOKEN_FILE", &token),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r"),
        ("AWS_ROLE_SESSION_NAME", "e2e"),
        ("AWS_ENDPOINT_URL_STS", &server.url()),
    ]);
    call_with(env, &home).await.expect("web identity credentials");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(!requests[0].headers.contains_key("authorization"), "AssumeRoleWithWebIdentity is sent unsigned");
    let body = &requests[0].body;
    assert!(body.starts_with("Action=AssumeRoleWithWebIdentity&"), "{body}");
    assert!(body.contains("WebIdentityToken=header.payload.signature"), "the token file's contents: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_identity_center_profile() {
    let expiration_ms = 1_924_992_000_000u64; // 2031-01-01
    let body = format!(
        r#"{{"roleCredentials":{{"accessKeyId":"{ACCESS_KEY}","secretAccessKey":"{SECRET_KEY}","sessionToken":"sso-session","expiration":{expiration_ms}}}}}"#
    );
    let server = Server::start(move |r: &Request, _| {
        let authorised = r.headers.get("x-amz-sso_bearer_token").map(String::as_str) == Some("cached-access-token");
        match (r.method.as_str(), r.path.split('?').next()) {
            ("GET", Some("/federation/credentials")) if authorised => (200, vec![("content-type", "application/json".into())], body.clone()),
            _ => (401, vec![], r#"{"message":"no"}"#.into()),
        }
    })
    .await;
    let home = TempDir::new("e2e-sso");
    home.write(
        ".aws/config",
        "[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\n\
         [sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
    );
    let cache = credentials_chain::sso_token_cache_file(&home.0, "corp");
    let relative = cache.strip_prefix(&home.0).expect("under home").display().to_string();
    home.write(
        &relative,
        r#"{"accessToken":"cached-access-token","expiresAt":"2031-01-01T00:00:00Z","region":"us-east-1","startUrl":"https://corp.awsapps.com/start"}"#,
    );
    call_with(vars(&[("AWS_ENDPOINT_URL_SSO", &server.url())]), &home).await.expect("SSO credentials");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let query = requests[0].path.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let mut params: Vec<&str> = query.split('&').collect();
    params.sort_unstable();
    assert_eq!(params, ["account_id=123456789012", "role_name=Developer"]);
}
