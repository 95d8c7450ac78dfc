//! Retries, timeouts and injected faults (issue "AWS runtime"): which failures are retried and
//! how the retried request looks (same invocation id and idempotency token, the attempt counted
//! in `amz-sdk-request`), how broken connections surface, that the deadlines hold, and that a
//! clock-skew refusal is answered by signing with the server's time.

use std::time::{Duration, Instant};

use chime_sdk_identity::config::{RetryConfig, TimeoutConfig};
use chime_sdk_identity::error::{ProvideErrorMetadata, SdkError};
use chime_sdk_identity::Client;
use client_runtime::error::TimeoutKind;
use client_runtime::http::DispatchErrorKind;

use crate::fixtures::*;
use crate::support::{Reply, Request, Response, Server};

fn created() -> Reply {
    Reply::json(
        201,
        &serde_json::json!({ "AppInstanceArn": APP_INSTANCE_ARN }).to_string(),
    )
}

fn described() -> Reply {
    Reply::json(
        200,
        &serde_json::json!({ "AppInstance": { "AppInstanceArn": APP_INSTANCE_ARN } }).to_string(),
    )
}

async fn describe(
    client: &Client,
) -> Result<
    (),
    SdkError<chime_sdk_identity::operation::describe_app_instance::DescribeAppInstanceError>,
> {
    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .map(drop)
}

/// The attempts of one call: `amz-sdk-request` counts them, the invocation id stays the same.
fn assert_attempts_of_one_call(requests: &[Request], max: u32) {
    for (i, r) in requests.iter().enumerate() {
        let attempt = u32::try_from(i + 1).expect("few attempts");
        assert_sdk_headers(r, attempt, max);
        assert_eq!(
            r.header("amz-sdk-invocation-id"),
            requests[0].header("amz-sdk-invocation-id"),
            "attempt {attempt}"
        );
        assert_eq!(r.target, requests[0].target);
    }
}

#[tokio::test]
async fn a_503_then_success_is_retried_with_the_same_ids() {
    let server = Server::start([error_reply("ServiceUnavailableException"), created()]).await;
    // No token given: the client generates one, and must reuse it for the retry.
    let out = client(&server)
        .create_app_instance()
        .name("retry-me")
        .send()
        .await
        .expect("second attempt succeeds");
    assert_eq!(out.app_instance_arn(), Some(APP_INSTANCE_ARN));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_attempts_of_one_call(&requests, 3);
    let tokens: Vec<_> = requests
        .iter()
        .map(|r| r.json()["ClientRequestToken"].as_str().map(str::to_string))
        .collect();
    let token = tokens[0]
        .clone()
        .expect("a ClientRequestToken is generated");
    assert!(is_uuid_v4(&token), "{token}");
    assert_eq!(
        tokens[1].as_deref(),
        Some(token.as_str()),
        "the retry carries the same idempotency token"
    );
    assert_eq!(requests[0].body, requests[1].body);
    // The second attempt is signed again and the signature still covers what was sent.
    for r in &requests {
        assert_signed(r, &server, signing_time(), AMZ_DATE);
    }
    assert_ne!(
        requests[0].header("authorization"),
        requests[1].header("authorization"),
        "amz-sdk-request is signed"
    );

    // A new call gets a new invocation id and a new token.
    let server2 = Server::start([created()]).await;
    client(&server2)
        .create_app_instance()
        .name("retry-me")
        .send()
        .await
        .expect("succeeds");
    let again = only_request(&server2);
    assert_ne!(
        again.header("amz-sdk-invocation-id"),
        requests[0].header("amz-sdk-invocation-id")
    );
    assert_ne!(
        again.json()["ClientRequestToken"].as_str(),
        Some(token.as_str())
    );
}

#[tokio::test]
async fn throttling_is_retried() {
    let server = Server::start([
        error_reply("ThrottledClientException"),
        error_reply("ThrottledClientException"),
        described(),
    ])
    .await;
    describe(&client(&server))
        .await
        .expect("third attempt succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_attempts_of_one_call(&requests, 3);

    // A bare 429 without a modeled code is throttling too.
    let server = Server::start([Response::new(429).into(), described()]).await;
    describe(&client(&server))
        .await
        .expect("second attempt succeeds");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for name in [
        "BadRequestException",
        "ForbiddenException",
        "UnauthorizedClientException",
    ] {
        let server = Server::start([error_reply(name), described()]).await;
        let err = describe(&client(&server)).await.expect_err("fails");
        assert_eq!(err.code(), Some(name));
        assert_eq!(server.requests().len(), 1, "{name} is not retried");
        assert_eq!(server.unused_replies(), 1);
    }
}

#[tokio::test]
async fn max_attempts_holds() {
    let server = Server::start([
        error_reply("ServiceFailureException"),
        error_reply("ServiceFailureException"),
        error_reply("ServiceFailureException"),
        described(),
    ])
    .await;
    let err = describe(&client(&server)).await.expect_err("gives up");
    match &err {
        SdkError::ServiceError(service) => {
            let (err, raw) = (service.err(), service.raw());
            assert!(err.is_service_failure_exception(), "{err:?}");
            assert_eq!(raw.status, 500);
        }
        other => panic!("expected the last service error, got {other:?}"),
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_attempts_of_one_call(&requests, 3);

    let server = Server::start([
        error_reply("ServiceFailureException"),
        error_reply("ServiceFailureException"),
        described(),
    ])
    .await;
    let five = Client::from_conf(
        config(&server)
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build(),
    );
    describe(&five)
        .await
        .expect("third of five attempts succeeds");
    assert_attempts_of_one_call(&server.requests(), 5);
}

#[tokio::test]
async fn operation_timeout_holds() {
    let server = Server::start([Reply::Stall]).await;
    let limit = Duration::from_millis(300);
    let timeouts = TimeoutConfig {
        connect: Duration::from_secs(1),
        attempt: None,
        operation: Some(limit),
        ..TimeoutConfig::default()
    };
    let client = Client::from_conf(config(&server).timeout_config(timeouts).build());
    let started = Instant::now();
    let result = describe(&client).await;
    let elapsed = started.elapsed();
    assert!(
        matches!(&result, Err(SdkError::TimeoutError(t)) if t.kind() == TimeoutKind::Operation),
        "{result:?}"
    );
    assert!(
        elapsed >= limit && elapsed < Duration::from_secs(3),
        "timed out after {elapsed:?}"
    );
    // The request did reach the server, which held it.
    assert_eq!(server.wait_for_requests(1).await.len(), 1);
}

/// Without any attempt or operation timeout, stalled-stream protection alone ends an attempt
/// whose body stops, and the retry succeeds.
#[tokio::test]
async fn a_stalled_response_is_a_retryable_timeout() {
    let partial = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"AppInstance\":".to_vec();
    let server = Server::start([Reply::StallAfter(partial), described()]).await;
    let stall = chime_sdk_identity::config::StalledStreamProtectionConfig::enabled()
        .grace_period(Duration::from_millis(300))
        .build();
    let client = Client::from_conf(config(&server).stalled_stream_protection(stall).build());
    describe(&client).await.expect("the second attempt succeeds");
    let attempts: Vec<_> = server.requests().iter().map(|r| r.header("amz-sdk-request").map(str::to_string)).collect();
    assert_eq!(attempts, [Some("attempt=1; max=3".to_string()), Some("attempt=2; max=3".to_string())]);

    // With one attempt the stall is reported as a typed timeout.
    let server = Server::start([Reply::StallAfter(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{".to_vec())]).await;
    let once = Client::from_conf(
        config(&server)
            .stalled_stream_protection(stall)
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build(),
    );
    match describe(&once).await {
        Err(SdkError::DispatchFailure(e)) => {
            assert!(e.is_timeout(), "{e}");
            assert!(
                matches!(e.transport_error(), Some(client_runtime::transport::TransportError::Stalled { .. })),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn operation_timeout_covers_slow_bodies_and_backoff() {
    let limit = Duration::from_millis(300);
    let timeouts = TimeoutConfig {
        connect: Duration::from_secs(1),
        attempt: None,
        operation: Some(limit),
        ..TimeoutConfig::default()
    };
    // The head and the start of the body arrive, the rest never does.
    let partial = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"AppInstance\":".to_vec();
    // A retryable error followed by a 10 s backoff, longer than the whole call may take.
    let slow_backoff = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_secs(10));
    let cases = [
        (
            "slow body",
            Reply::StallAfter(partial),
            RetryConfig::standard(),
        ),
        (
            "backoff",
            error_reply("ServiceUnavailableException"),
            slow_backoff,
        ),
    ];
    for (what, reply, retry) in cases {
        let server = Server::start([reply, described()]).await;
        let client = Client::from_conf(
            config(&server)
                .timeout_config(timeouts)
                .retry_config(retry)
                .retry_jitter(std::sync::Arc::new(|| 1.0))
                .build(),
        );
        let started = Instant::now();
        let result = describe(&client).await;
        let elapsed = started.elapsed();
        assert!(
            matches!(&result, Err(SdkError::TimeoutError(t)) if t.kind() == TimeoutKind::Operation),
            "{what}: {result:?}"
        );
        assert!(
            elapsed >= limit && elapsed < Duration::from_secs(3),
            "{what}: timed out after {elapsed:?}"
        );
        assert_eq!(server.requests().len(), 1, "{what}");
    }
}

#[tokio::test]
async fn an_attempt_timeout_is_retried_on_a_new_connection() {
    let server = Server::start([Reply::Stall, described()]).await;
    let timeouts = TimeoutConfig {
        connect: Duration::from_secs(1),
        attempt: Some(Duration::from_millis(200)),
        operation: Some(Duration::from_secs(5)),
        ..TimeoutConfig::default()
    };
    let client = Client::from_conf(config(&server).timeout_config(timeouts).build());
    describe(&client)
        .await
        .expect("the second attempt succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_attempts_of_one_call(&requests, 3);
    assert_ne!(
        requests[0].connection, requests[1].connection,
        "the timed-out connection is not reused"
    );

    let server = Server::start([Reply::Stall]).await;
    let timeouts = TimeoutConfig {
        attempt: Some(Duration::from_millis(100)),
        ..timeouts
    };
    let once = Client::from_conf(
        config(&server)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build(),
    );
    let result = describe(&once).await;
    assert!(
        matches!(&result, Err(SdkError::TimeoutError(t)) if t.kind() == TimeoutKind::Attempt),
        "{result:?}"
    );
}

/// A response head promising more body than is sent before the connection closes.
fn truncated() -> Reply {
    Reply::Raw(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"AppInstance\":".to_vec())
}

#[tokio::test]
async fn broken_connections_are_retried() {
    for (what, fault) in [
        ("closed", Reply::Close),
        ("reset", Reply::Reset),
        ("truncated", truncated()),
    ] {
        let server = Server::start([fault, described()]).await;
        describe(&client(&server))
            .await
            .unwrap_or_else(|e| panic!("{what}: the retry succeeds: {e:?}"));
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{what}");
        assert_attempts_of_one_call(&requests, 3);
        assert_ne!(
            requests[0].connection, requests[1].connection,
            "{what}: a broken connection is not reused"
        );
    }
}

#[tokio::test]
async fn broken_connections_without_retries_are_dispatch_failures() {
    for (what, fault) in [
        ("closed", Reply::Close),
        ("reset", Reply::Reset),
        ("truncated", truncated()),
    ] {
        let server = Server::start([fault]).await;
        match describe(&client_without_retries(&server)).await {
            Err(SdkError::DispatchFailure(e)) => {
                assert_eq!(e.kind(), DispatchErrorKind::Io, "{what}: {e}")
            }
            other => panic!("{what}: expected a dispatch failure, got {other:?}"),
        }
        assert_eq!(server.requests().len(), 1, "{what}");
    }
    // Every attempt broken: the last failure is reported once attempts run out.
    let server = Server::start([Reply::Close, Reply::Reset, Reply::Close]).await;
    let result = describe(&client(&server)).await;
    assert!(
        matches!(&result, Err(SdkError::DispatchFailure(e)) if e.kind() == DispatchErrorKind::Io),
        "{result:?}"
    );
    assert_eq!(server.requests().len(), 3);
}

/// `server`'s clock is 10 minutes ahead of the client's fixed clock.
fn skewed_refusal(code: &str) -> Reply {
    Response::json(
        403,
        r#"{"message":"Signature expired: 20240506T070809Z is now earlier than 20240506T071309Z"}"#,
    )
    .header("x-amzn-errortype", code)
    .header("date", "Mon, 06 May 2024 07:18:09 GMT")
    .into()
}

#[tokio::test]
async fn clock_skew_is_corrected_from_the_server_date() {
    let ahead = signing_time() + Duration::from_secs(600);
    for code in ["InvalidSignatureException", "RequestTimeTooSkewed"] {
        let server = Server::start([skewed_refusal(code), described(), described()]).await;
        let client = client(&server);
        describe(&client)
            .await
            .unwrap_or_else(|e| panic!("{code}: the corrected attempt succeeds: {e:?}"));
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{code}");
        assert_attempts_of_one_call(&requests, 3);
        assert_signed(&requests[0], &server, signing_time(), AMZ_DATE);
        assert_signed(&requests[1], &server, ahead, "20240506T071809Z");
        // Later calls keep the correction.
        describe(&client).await.expect("next call");
        assert_signed(&server.requests()[2], &server, ahead, "20240506T071809Z");
    }
}

#[tokio::test]
async fn a_signature_refusal_without_skew_is_not_retried() {
    let agreeing = Response::json(
        403,
        r#"{"message":"The request signature we calculated does not match"}"#,
    )
    .header("x-amzn-errortype", "InvalidSignatureException")
    .header("date", "Mon, 06 May 2024 07:08:39 GMT");
    let server = Server::start([agreeing.into(), described()]).await;
    let err = describe(&client(&server))
        .await
        .expect_err("a bad signature stays an error");
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn unmodeled_gateway_errors_are_retried_then_reported() {
    let gateway = || {
        Response::new(502)
            .header("content-type", "text/html")
            .body("<html>Bad Gateway</html>")
            .into()
    };
    let server = Server::start([gateway(), gateway(), gateway()]).await;
    match describe(&client(&server)).await {
        Err(SdkError::ServiceError(service)) => {
            let (raw, err) = (service.raw().clone(), service.into_err());
            assert_eq!(raw.status, 502);
            assert_eq!(err.code(), None);
            assert!(matches!(
                chime_sdk_identity::Error::from(err),
                chime_sdk_identity::Error::Unhandled(_)
            ));
        }
        other => panic!("expected an unhandled service error, got {other:?}"),
    }
    assert_attempts_of_one_call(&server.requests(), 3);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_request_lost_on_a_kept_alive_connection_is_resent_by_the_transport() {
    // The second call goes out on the connection the first one kept alive; the server drops it
    // without answering, which looks exactly like a connection closed while idle. The transport
    // sends the request once more on a fresh connection, inside the same attempt.
    let server = Server::start([described(), Reply::Close, described()]).await;
    let client = client(&server);
    describe(&client).await.expect("first call");
    describe(&client)
        .await
        .expect("second call, resent by the transport");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests.iter().map(|r| r.connection).collect::<Vec<_>>(),
        [0, 0, 1]
    );
    for r in &requests[1..] {
        assert_sdk_headers(r, 1, 3);
        assert_eq!(
            r.header("amz-sdk-invocation-id"),
            requests[1].header("amz-sdk-invocation-id"),
            "the same call"
        );
    }
    assert_ne!(
        requests[0].header("amz-sdk-invocation-id"),
        requests[1].header("amz-sdk-invocation-id")
    );

    // On a fresh connection the same failure is the orchestrator's to retry, as attempt 2.
    let server = Server::start([Reply::Close, described()]).await;
    describe(&client_without_retries(&server))
        .await
        .expect_err("no transport resend on a fresh connection");
    assert_eq!(server.requests().len(), 1);
}
