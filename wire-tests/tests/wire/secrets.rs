//! Secrets stay out of `Debug` output: the configuration, the client, and a signed request
//! never show the secret access key, the session token or the signature, and members the model
//! marks `@sensitive` do not show through the raw request or response bodies either.

use chime_sdk_identity::config::{Credentials, Region};
use chime_sdk_identity::types::{AppInstanceUserEndpointType, EndpointAttributes};
use chime_sdk_identity::{Client, Config};
use client_runtime::test_util::CaptureClient;

use crate::fixtures::{
    client, signing_time, FixedClock, ACCESS_KEY_ID, APP_INSTANCE_ARN, SECRET_ACCESS_KEY, USER_ARN,
};
use crate::support::{Reply, Server};

const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLE-session-token-that-must-stay-secret";

fn session_config() -> chime_sdk_identity::config::ConfigBuilder {
    Config::builder()
        .region(Region::from_static("us-east-1"))
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            Some(SESSION_TOKEN.to_string()),
            None,
            "Static",
        ))
        .time_source(FixedClock(signing_time()))
}

fn assert_no_secret(what: &str, debug: &str) {
    assert!(
        !debug.contains(SECRET_ACCESS_KEY),
        "{what} shows the secret access key: {debug}"
    );
    assert!(
        !debug.contains(SESSION_TOKEN),
        "{what} shows the session token: {debug}"
    );
}

#[test]
fn config_and_client_debug_hide_credentials() {
    let config = session_config().endpoint_url("http://127.0.0.1:9").build();
    let config_debug = format!("{config:?}");
    assert_no_secret("Config", &config_debug);
    assert!(
        config_debug.contains("us-east-1"),
        "Debug still describes the configuration: {config_debug}"
    );
    assert_no_secret("Config (pretty)", &format!("{config:#?}"));
    let client = Client::from_conf(config);
    let client_debug = format!("{client:?}");
    assert_no_secret("Client", &client_debug);
    assert!(client_debug.contains("127.0.0.1:9"), "{client_debug}");
    assert_no_secret(
        "Credentials",
        &format!(
            "{:?}",
            Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                Some(SESSION_TOKEN.to_string()),
                None
            , "Static")
        ),
    );
}

#[tokio::test]
async fn captured_request_debug_hides_the_signature() {
    let (http, captured) = CaptureClient::new();
    let client = Client::from_conf(session_config().http_client(http).build());
    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .expect("captured call succeeds");
    let request = captured.take().expect("a request was captured");
    let authorization = request
        .headers
        .get("authorization")
        .expect("signed")
        .to_string();
    let signature = authorization
        .rsplit_once("Signature=")
        .map(|(_, s)| s.to_string())
        .expect("a signature");
    assert_eq!(signature.len(), 64);
    assert_eq!(
        request.headers.get("x-amz-security-token"),
        Some(SESSION_TOKEN),
        "the token is sent"
    );

    for debug in [
        format!("{request:?}"),
        format!("{request:#?}"),
        format!("{:?}", request.headers),
    ] {
        assert!(
            !debug.contains(&signature),
            "Debug shows the signature: {debug}"
        );
        assert!(
            !debug.contains(&authorization),
            "Debug shows the authorization value: {debug}"
        );
        assert_no_secret("captured request", &debug);
        assert!(
            debug.contains("authorization"),
            "the header is listed, redacted: {debug}"
        );
        assert!(
            debug.contains("x-amz-date"),
            "other headers stay visible: {debug}"
        );
    }
}

/// Asserts that `debug` shows `secret` neither as text nor as the list of its bytes (the way a
/// derived `Debug` prints a `Vec<u8>` body).
fn assert_hidden(what: &str, debug: &str, secret: &str) {
    assert!(!debug.contains(secret), "{what} shows {secret:?}: {debug}");
    let bytes = format!("{:?}", secret.as_bytes());
    let bytes = bytes.trim_start_matches('[').trim_end_matches(']');
    assert!(
        !debug.contains(bytes),
        "{what} shows {secret:?} as bytes: {debug}"
    );
}

#[tokio::test]
async fn sensitive_members_do_not_show_through_raw_bodies() {
    const DEVICE_TOKEN: &str = "apns-device-token-7f3a9c";
    let attributes = EndpointAttributes::builder()
        .device_token(DEVICE_TOKEN)
        .build()
        .expect("attributes");

    let (http, captured) = CaptureClient::new();
    let capturing = Client::from_conf(session_config().http_client(http).build());
    capturing
        .register_app_instance_user_endpoint()
        .app_instance_user_arn(USER_ARN)
        .r#type(AppInstanceUserEndpointType::Apns)
        .resource_arn("arn:aws:mobiletargeting:us-east-1:123456789012:apps/8e1c2f")
        .endpoint_attributes(attributes)
        .send()
        .await
        .expect("captured call succeeds");
    let request = captured.take().expect("a request was captured");
    assert!(
        String::from_utf8_lossy(&request.body).contains(DEVICE_TOKEN),
        "the token is sent"
    );
    assert_hidden("captured request", &format!("{request:?}"), DEVICE_TOKEN);

    // An unreadable response keeps its raw body, which holds the token too.
    let truncated = format!(
        r#"{{"AppInstanceUserEndpoint":{{"EndpointAttributes":{{"DeviceToken":"{DEVICE_TOKEN}"}}"#
    );
    let server = Server::start([Reply::json(200, &truncated)]).await;
    let err = client(&server)
        .describe_app_instance_user_endpoint()
        .app_instance_user_arn(USER_ARN)
        .endpoint_id("e1")
        .send()
        .await
        .expect_err("truncated body");
    assert_eq!(
        err.raw_response().map(|r| r.body.len()),
        Some(truncated.len()),
        "the raw body is kept"
    );
    assert_hidden("response error", &format!("{err:?}"), DEVICE_TOKEN);
}
