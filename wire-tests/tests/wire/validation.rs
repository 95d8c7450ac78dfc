//! Typed failures on either side of the wire: input that cannot be sent (a missing required
//! member, an empty URI label) is refused as a `ConstructionFailure` naming the member before
//! anything is sent, while `@length` / `@range` / `@pattern` are left to the service, and responses that cannot
//! be read become `ResponseError` (or an unhandled service error), never a panic.

use std::fmt::Debug;

use chime_sdk_identity::config::{Credentials, Region};
use chime_sdk_identity::error::{BuildError, ProvideErrorMetadata, SdkError};
use chime_sdk_identity::operation::RequestId;
use chime_sdk_identity::{Client, Config, Error};

use crate::fixtures::*;
use crate::support::{Reply, Response, Server};

/// The member a construction failure names, or a panic if `result` is anything else.
fn construction_failure_field<T: Debug, E: Debug>(result: Result<T, SdkError<E>>) -> String {
    match result {
        Err(SdkError::ConstructionFailure(source)) => {
            let build = source
                .downcast_ref::<BuildError>()
                .unwrap_or_else(|| panic!("not a BuildError: {source:?}"));
            let field = build
                .field()
                .unwrap_or_else(|| panic!("names no member: {build}"));
            assert!(
                build.to_string().contains(field),
                "message {build:?} names {field}"
            );
            field.to_string()
        }
        other => panic!("expected a construction failure, got {other:?}"),
    }
}

/// Asserts that `server` received exactly one request, the valid call `check_call` made after
/// the refused ones, so none of them reached it.
async fn assert_only_the_valid_call_arrived(
    server: &Server,
    check_call: impl std::future::Future<Output = bool>,
) {
    assert!(check_call.await, "the valid call succeeds");
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        1,
        "refused calls send nothing: {requests:#?}"
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn missing_required_member_is_refused_before_sending() {
    let server = Server::start([Reply::json(
        201,
        r#"{"AppInstanceArn":"arn:aws:chime:us-east-1:1:app-instance/x"}"#,
    )])
    .await;
    let client = client(&server);
    assert_eq!(
        construction_failure_field(client.create_app_instance().metadata("m").send().await),
        "Name"
    );
    assert_eq!(
        construction_failure_field(client.describe_app_instance().send().await),
        "AppInstanceArn"
    );
    assert_eq!(
        construction_failure_field(
            client
                .tag_resource()
                .resource_arn(APP_INSTANCE_ARN)
                .send()
                .await
        ),
        "Tags",
        "a required list"
    );
    assert_only_the_valid_call_arrived(&server, async {
        client.create_app_instance().name("ok").send().await.is_ok()
    })
    .await;
    assert_eq!(server.requests()[0].path(), "/app-instances");
}

#[tokio::test]
async fn max_results_outside_its_range_is_sent_for_the_service_to_judge() {
    // The model's MaxResults shape has @range(min: 1, max: 50); clients leave constraints to
    // the service (Smithy, "Constraint trait enforcement"), so every value goes on the wire.
    let bad = [0, 51, -1, i32::MIN, i32::MAX];
    let server = Server::start((0..bad.len() * 2 + 1).map(|_| Reply::json(200, "{}"))).await;
    let client = client(&server);
    for v in bad {
        client
            .list_app_instances()
            .max_results(v)
            .send()
            .await
            .unwrap_or_else(|e| panic!("max_results({v}) is sent: {e:?}"));
        client
            .list_app_instance_users()
            .app_instance_arn(APP_INSTANCE_ARN)
            .max_results(v)
            .send()
            .await
            .unwrap_or_else(|e| panic!("max_results({v}) is sent: {e:?}"));
    }
    let first = client
        .list_app_instances()
        .into_paginator()
        .page_size(0)
        .send()
        .next()
        .await
        .expect("one page");
    first.expect("page_size(0) is sent");
    let queries: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.query().to_string())
        .collect();
    let mut want: Vec<String> = bad
        .iter()
        .flat_map(|v| {
            [
                format!("max-results={v}"),
                format!("app-instance-arn={APP_INSTANCE_ARN_ENCODED}&max-results={v}"),
            ]
        })
        .collect();
    want.push("max-results=0".into());
    assert_eq!(queries, want);
}

#[tokio::test]
async fn lengths_are_sent_but_unserializable_labels_are_refused() {
    let server = Server::start([
        Reply::json(200, "{}"),
        Reply::json(201, "{}"),
        Reply::json(201, "{}"),
    ])
    .await;
    let client = client(&server);
    // ChimeArn has @length(min: 5): the service, not the client, says "arn" is too short.
    client
        .describe_app_instance()
        .app_instance_arn("arn")
        .send()
        .await
        .expect("a too-short ARN is sent");
    // NonEmptyResourceName has @length(min: 1, max: 256).
    client
        .create_app_instance()
        .name("")
        .send()
        .await
        .expect("an empty Name is sent");
    client
        .create_app_instance()
        .name("n".repeat(257))
        .send()
        .await
        .expect("a 257-character Name is sent");
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert_eq!(requests[0].path(), "/app-instances/arn");
    assert_eq!(requests[1].json()["Name"], "");
    assert_eq!(requests[2].json()["Name"], "n".repeat(257));

    // A URI label cannot be empty, nor a dot segment, whatever the model allows (String64
    // allows ""): such a request cannot be written, so it is refused before sending.
    for id in ["", ".", ".."] {
        let result = client
            .describe_app_instance_user_endpoint()
            .app_instance_user_arn(USER_ARN)
            .endpoint_id(id)
            .send()
            .await;
        assert_eq!(
            construction_failure_field(result),
            "EndpointId",
            "endpoint id {id:?}"
        );
    }
    assert_eq!(server.requests().len(), 3, "refused calls send nothing");
}

#[tokio::test]
async fn malformed_success_bodies_are_response_errors() {
    let arn = APP_INSTANCE_ARN;
    let deep = format!(
        r#"{{"Unknown":{}{},"AppInstance":{{}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        (
            "truncated JSON",
            format!(r#"{{"AppInstance":{{"AppInstanceArn":"{arn}","Na"#).into_bytes(),
        ),
        (
            "string where a structure belongs",
            br#"{"AppInstance":"yes"}"#.to_vec(),
        ),
        (
            "number where a string belongs",
            br#"{"AppInstance":{"Name":42}}"#.to_vec(),
        ),
        (
            "string where a timestamp belongs",
            br#"{"AppInstance":{"CreatedTimestamp":"yesterday"}}"#.to_vec(),
        ),
        (
            "timestamp out of range",
            br#"{"AppInstance":{"CreatedTimestamp":1e300}}"#.to_vec(),
        ),
        ("an array at the top", b"[]".to_vec()),
        ("not JSON", b"<html>gateway</html>".to_vec()),
        ("trailing garbage", br#"{"AppInstance":{}} x"#.to_vec()),
        (
            "invalid UTF-8 in a string",
            b"{\"AppInstance\":{\"Name\":\"\xff\xfe\"}}".to_vec(),
        ),
        ("nesting beyond any sane depth", deep.into_bytes()),
    ];
    let replies = bodies.iter().map(|(_, body)| {
        Reply::from(
            Response::new(200)
                .header("content-type", "application/json")
                .body(body.clone()),
        )
    });
    let server = Server::start(replies).await;
    let client = client(&server);
    for (what, body) in &bodies {
        match client
            .describe_app_instance()
            .app_instance_arn(APP_INSTANCE_ARN)
            .send()
            .await
        {
            Err(err @ SdkError::ResponseError(_)) => {
                let raw = err.raw_response().expect("kept");
                assert_eq!(raw.status, 200, "{what}");
                assert_eq!(&raw.body, body, "{what}: the raw response is kept");
                let source = std::error::Error::source(&err).expect("the reason");
                assert!(!source.to_string().is_empty(), "{what}");
            }
            other => panic!("{what}: expected a response error, got {other:?}"),
        }
    }
    assert_eq!(
        server.requests().len(),
        bodies.len(),
        "a response error is not retried"
    );
}

#[tokio::test]
async fn malformed_list_pages_are_response_errors() {
    let bodies = [
        r#"{"AppInstances":{}}"#,
        r#"{"AppInstances":[1]}"#,
        r#"{"AppInstances":[],"NextToken":7}"#,
    ];
    let server = Server::start(bodies.iter().map(|b| Reply::json(200, b))).await;
    let client = client(&server);
    for body in bodies {
        let first = client
            .list_app_instances()
            .into_paginator()
            .items()
            .send()
            .next()
            .await
            .expect("one item");
        assert!(
            matches!(first, Err(SdkError::ResponseError { .. })),
            "{body}: {first:?}"
        );
    }
}

#[tokio::test]
async fn unreadable_or_unknown_errors_keep_their_metadata() {
    let server = Server::start([
        // An error this operation does not model.
        Response::json(404, r#"{"Code":"NotFound","Message":"no such instance"}"#)
            .header("x-amzn-errortype", "NotFoundException:http://internal.amazon.com/coral/")
            .header("x-amzn-requestid", "req-404")
            .into(),
        // A modeled error whose body cannot be read.
        Response::json(400, r#"{"Code":"BadRequest","Message":"cut o"#)
            .header("x-amzn-errortype", "BadRequestException")
            .header("x-amzn-requestid", "req-400")
            .into(),
        // No error code at all.
        Response::new(409).body("conflict, no JSON").header("x-amzn-requestid", "req-409").into(),
        // The code in the body's `__type` only, with a namespace.
        Response::json(400, r#"{"__type":"com.amazonaws.chimesdkidentity#BadRequestException","Code":"BadRequest","Message":"bad"}"#)
            .header("x-amz-request-id", "req-type")
            .into(),
    ])
    .await;
    let client = client_without_retries(&server);
    let call = || {
        client
            .describe_app_instance()
            .app_instance_arn(APP_INSTANCE_ARN)
            .send()
    };

    let unknown = call().await.expect_err("404");
    assert_eq!(
        (unknown.code(), unknown.message(), unknown.request_id()),
        (
            Some("NotFoundException"),
            Some("no such instance"),
            Some("req-404")
        )
    );
    let unknown: Error = unknown.into_service_error().into();
    assert!(matches!(unknown, Error::Unhandled(_)), "{unknown:?}");

    match call().await {
        Err(SdkError::ResponseError(e)) => assert_eq!(e.raw().status, 400),
        other => panic!("expected a response error for the unreadable error body, got {other:?}"),
    }

    let bare = call().await.expect_err("409");
    assert_eq!((bare.code(), bare.request_id()), (None, Some("req-409")));
    assert_eq!(bare.raw_response().map(|r| r.status), Some(409));

    let typed = call().await.expect_err("400 with __type");
    assert_eq!(
        (typed.code(), typed.message(), typed.request_id()),
        (Some("BadRequestException"), Some("bad"), Some("req-type"))
    );
    let typed: Error = typed.into();
    assert!(
        matches!(&typed, Error::BadRequestException(e) if e.code().map(|c| c.as_str()) == Some("BadRequest")),
        "{typed:?}"
    );
}

#[tokio::test]
async fn missing_region_or_credentials_are_construction_failures() {
    let server = Server::start([Reply::json(200, "{}")]).await;
    let no_credentials = Config::builder()
        .region(Region::from_static("us-east-1"))
        .endpoint_url(server.url())
        .build();
    let result = Client::from_conf(no_credentials)
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await;
    match result {
        Err(SdkError::ConstructionFailure(e)) => {
            assert!(e.to_string().contains("credentials"), "{e}")
        }
        other => panic!("expected a construction failure, got {other:?}"),
    }
    let no_region = Config::builder()
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "Static",
        ))
        .endpoint_url(server.url())
        .build();
    let result = Client::from_conf(no_region)
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await;
    match result {
        Err(SdkError::ConstructionFailure(e)) => assert!(e.to_string().contains("region"), "{e}"),
        other => panic!("expected a construction failure, got {other:?}"),
    }
    assert_only_the_valid_call_arrived(&server, async {
        client(&server)
            .describe_app_instance()
            .app_instance_arn(APP_INSTANCE_ARN)
            .send()
            .await
            .is_ok()
    })
    .await;
}
