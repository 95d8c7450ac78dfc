//! Per-call customization (`customize()`, issue 12): a configuration override (region,
//! endpoint, credentials, retries, timeouts) and request changes apply to that one call, are
//! covered by its signature on every attempt, and leave the next call untouched.

use std::time::Duration;

use chime_sdk_identity::config::{Credentials, Region, RetryConfig, TimeoutConfig};
use chime_sdk_identity::error::SdkError;
use chime_sdk_identity::Config;

use crate::fixtures::*;
use crate::support::{Reply, Request, Server};

fn described() -> Reply {
    Reply::json(
        200,
        &serde_json::json!({ "AppInstance": { "AppInstanceArn": APP_INSTANCE_ARN } }).to_string(),
    )
}

/// The `SignedHeaders` list of a request's `authorization`.
fn signed_headers(request: &Request) -> Vec<String> {
    let authorization = request.header("authorization").unwrap_or_default();
    authorization
        .split(", ")
        .find_map(|f| f.strip_prefix("SignedHeaders="))
        .unwrap_or_default()
        .split(';')
        .map(str::to_string)
        .collect()
}

fn test_credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "Static")
}

#[tokio::test]
async fn a_region_and_endpoint_override_applies_to_one_call_only() {
    let usual = Server::start([described(), described()]).await;
    let other = Server::start([described()]).await;
    let client = client(&usual);

    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .customize()
        .config_override(
            Config::builder()
                .region(Region::new("eu-west-1"))
                .endpoint_url(other.url()),
        )
        .send()
        .await
        .expect("the overridden call succeeds");
    let overridden = other.requests();
    assert_eq!(overridden.len(), 1, "the override's endpoint got the call");
    assert!(usual.requests().is_empty(), "the client's endpoint did not");
    assert_signed_in(
        "eu-west-1",
        "chime",
        &overridden[0],
        &other,
        signing_time(),
        AMZ_DATE,
        &test_credentials(),
    );

    // The client is unchanged: the next calls go to its endpoint, signed for its region.
    for _ in 0..2 {
        client
            .describe_app_instance()
            .app_instance_arn(APP_INSTANCE_ARN)
            .send()
            .await
            .expect("plain call");
    }
    let requests = usual.requests();
    assert_eq!(requests.len(), 2);
    assert_signed(&requests[0], &usual, signing_time(), AMZ_DATE);
    assert_eq!(
        client.config().region().map(Region::as_str),
        Some("us-east-1")
    );
}

#[tokio::test]
async fn an_override_that_keeps_the_transport_reuses_the_connection() {
    let server = Server::start([described(), described()]).await;
    let client = client(&server);
    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .expect("plain call");
    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .customize()
        .config_override(Config::builder().region(Region::new("eu-west-1")))
        .send()
        .await
        .expect("overridden call");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.connections(),
        1,
        "the override shares the client's connection pool"
    );
}

#[tokio::test]
async fn mutate_request_runs_before_signing_on_every_attempt() {
    let server = Server::start([
        error_reply("ServiceUnavailableException"),
        described(),
        described(),
    ])
    .await;
    let client = client(&server);
    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .customize()
        .mutate_request(|req| {
            req.headers_mut().append("x-trace-id", "trace-1");
            let query = format!("{}&tag=mutated", req.uri().query);
            req.uri.query = query.trim_start_matches('&').to_string();
        })
        .send()
        .await
        .expect("the retry succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one retry");
    for (i, r) in requests.iter().enumerate() {
        assert_eq!(
            r.header_values("x-trace-id"),
            ["trace-1"],
            "attempt {}: added once, not once per attempt",
            i + 1
        );
        assert_eq!(r.query(), "tag=mutated", "attempt {}", i + 1);
        assert!(
            signed_headers(r).contains(&"x-trace-id".to_string()),
            "the signature covers the added header: {:?}",
            signed_headers(r)
        );
        assert_signed(r, &server, signing_time(), AMZ_DATE);
        assert_sdk_headers(r, u32::try_from(i + 1).expect("small"), 3);
    }

    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .expect("plain call");
    let plain = &server.requests()[2];
    assert!(plain.header_values("x-trace-id").is_empty(), "{plain:?}");
    assert_eq!(plain.query(), "");
}

#[tokio::test]
async fn credentials_and_retry_overrides_apply_to_one_call_only() {
    let server = Server::start([
        error_reply("ServiceUnavailableException"),
        error_reply("ServiceUnavailableException"),
        described(),
    ])
    .await;
    let client = client(&server);
    let other = Credentials::new("AKIDOTHER", "other-secret-key", None, None, "Other");
    let err = client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .customize()
        .config_override(
            Config::builder()
                .credentials_provider(other.clone())
                .retry_config(RetryConfig::standard().with_max_attempts(1)),
        )
        .send()
        .await
        .expect_err("a single attempt meets the 503");
    assert!(matches!(err, SdkError::ServiceError(_)), "{err:?}");
    let first = &server.requests()[0];
    assert_eq!(server.requests().len(), 1, "no retry with max_attempts 1");
    assert_signed_by(first, &server, signing_time(), AMZ_DATE, &other);
    assert_sdk_headers(first, 1, 1);

    // Without the override: the client's credentials and its three attempts.
    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .expect("the retry succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_signed(&requests[1], &server, signing_time(), AMZ_DATE);
    assert_sdk_headers(&requests[2], 2, 3);
}

#[tokio::test]
async fn a_timeout_override_bounds_one_call() {
    let server = Server::start([Reply::Stall, described()]).await;
    let client = client(&server);
    let started = std::time::Instant::now();
    let err = client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .customize()
        .config_override(
            Config::builder().timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(Duration::from_millis(200))
                    .build(),
            ),
        )
        .send()
        .await
        .expect_err("the stalled call times out");
    assert!(matches!(err, SdkError::TimeoutError(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .expect("the next call has the client's timeouts");
}

#[tokio::test]
async fn a_failing_map_request_ends_the_call_before_anything_is_sent() {
    let server = Server::start([]).await;
    let err = client(&server)
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .customize()
        .map_request(|_req| Err::<client_runtime::http::HttpRequest, _>(std::fmt::Error))
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
    assert!(server.requests().is_empty());

    // A missing required member is still refused by `customize().send()`.
    let err = client(&server)
        .describe_app_instance()
        .customize()
        .send()
        .await
        .expect_err("no ARN");
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
    assert!(server.requests().is_empty());
}
