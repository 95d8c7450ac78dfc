//! The client's HTTP/1.1 exchange with servers that answer in unusual but legal ways (chunked
//! or close-delimited bodies, interim responses, closed keep-alive connections, concurrent
//! calls) and in malformed ways, which must end in an error and never in a panic.

use std::collections::HashSet;

use chime_sdk_identity::error::SdkError;
use chime_sdk_identity::Client;
use client_runtime::http::DispatchErrorKind;

use crate::fixtures::*;
use crate::support::{Reply, Response, Server};

fn instance_json() -> String {
    serde_json::json!({ "AppInstance": { "AppInstanceArn": APP_INSTANCE_ARN, "Name": "support-chat" } }).to_string()
}

async fn describe_name(client: &Client) -> Option<String> {
    let out = client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .expect("call succeeds");
    out.app_instance()
        .and_then(|a| a.name())
        .map(str::to_string)
}

/// `body` in chunked transfer coding, cut into chunks of `size` bytes, with a chunk extension
/// and a trailer field for good measure.
fn chunked(body: &str, size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in body.as_bytes().chunks(size) {
        out.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\nx-trailer: done\r\n\r\n");
    out
}

#[tokio::test]
async fn chunked_bodies_are_read_and_the_connection_reused() {
    let body = instance_json();
    let first = Response::new(200)
        .header("content-type", "application/json")
        .header("transfer-encoding", "chunked")
        .body(chunked(&body, 7));
    let server = Server::start([first.into(), Reply::json(200, &body)]).await;
    let client = client(&server);
    assert_eq!(
        describe_name(&client).await.as_deref(),
        Some("support-chat")
    );
    assert_eq!(
        describe_name(&client).await.as_deref(),
        Some("support-chat"),
        "the chunked body ended where it should"
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn close_delimited_bodies_and_interim_responses_are_read() {
    let body = instance_json();
    let close_delimited = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{body}"
    );
    let interim = format!(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let server = Server::start([
        Reply::Raw(close_delimited.into_bytes()),
        Reply::Raw(interim.into_bytes()),
    ])
    .await;
    let client = client_without_retries(&server);
    assert_eq!(
        describe_name(&client).await.as_deref(),
        Some("support-chat"),
        "body read to the end of the connection"
    );
    assert_eq!(
        describe_name(&client).await.as_deref(),
        Some("support-chat"),
        "the 100 response is skipped"
    );
}

#[tokio::test]
async fn connections_closed_by_the_server_are_not_reused() {
    let body = instance_json();
    let server = Server::start([
        Response::json(200, &body)
            .header("connection", "close")
            .into(),
        // Closed without notice, as a server does with an idle keep-alive connection.
        Response::json(200, &body).then_close().into(),
        Reply::json(200, &body),
    ])
    .await;
    let client = client_without_retries(&server);
    for _ in 0..3 {
        assert_eq!(
            describe_name(&client).await.as_deref(),
            Some("support-chat")
        );
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let connections: Vec<_> = requests.iter().map(|r| r.connection).collect();
    assert_eq!(
        connections,
        [0, 1, 2],
        "a fresh connection after each close"
    );
    for r in &requests {
        assert_sdk_headers(r, 1, 1);
    }
}

#[tokio::test]
async fn concurrent_calls_share_one_client() {
    const CALLS: usize = 8;
    let body = instance_json();
    let server = Server::start((0..CALLS).map(|_| Reply::json(200, &body))).await;
    let client = client(&server);
    let tasks: Vec<_> = (0..CALLS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { describe_name(&client).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(
            task.await.expect("task completes").as_deref(),
            Some("support-chat")
        );
    }
    let requests = server.requests();
    assert_eq!(requests.len(), CALLS);
    let ids: HashSet<_> = requests
        .iter()
        .map(|r| {
            r.header("amz-sdk-invocation-id")
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), CALLS, "one invocation id per call");
    assert!(server.connections() <= CALLS);
}

#[tokio::test]
async fn large_bodies_are_read_whole() {
    let items: Vec<_> = (0..5000)
        .map(|i| serde_json::json!({ "AppInstanceArn": format!("arn:aws:chime:us-east-1:123456789012:app-instance/{i:05}"), "Name": format!("app {i}") }))
        .collect();
    let body = serde_json::json!({ "AppInstances": items }).to_string();
    assert!(body.len() > 400_000);
    let server = Server::start([Reply::json(200, &body)]).await;
    let out = client(&server)
        .list_app_instances()
        .send()
        .await
        .expect("large page");
    assert_eq!(out.app_instances().len(), 5000);
    assert_eq!(out.app_instances()[4999].name(), Some("app 4999"));
}

#[tokio::test]
async fn malformed_responses_are_errors_not_panics() {
    let huge_head = format!(
        "HTTP/1.1 200 OK\r\nx-filler: {}\r\ncontent-length: 2\r\n\r\n{{}}",
        "a".repeat(1 << 20)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "garbage instead of a status line",
            b"hello there\r\n\r\n".to_vec(),
        ),
        (
            "status not a number",
            b"HTTP/1.1 2x0 OK\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
        (
            "status out of range",
            b"HTTP/1.1 99999 OK\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
        (
            "negative content-length",
            b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n".to_vec(),
        ),
        (
            "overflowing content-length",
            b"HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999999\r\n\r\n{}".to_vec(),
        ),
        (
            "conflicting content-lengths",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 7\r\n\r\n{}".to_vec(),
        ),
        (
            "header line without a colon",
            b"HTTP/1.1 200 OK\r\nno colon here\r\ncontent-length: 2\r\n\r\n{}".to_vec(),
        ),
        (
            "bad chunk size",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n".to_vec(),
        ),
        (
            "overflowing chunk size",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffffffffff\r\n{}"
                .to_vec(),
        ),
        (
            "chunked body cut short",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\n{}".to_vec(),
        ),
        ("status line cut short", b"HTTP/1.1 20".to_vec()),
        ("oversized head", huge_head.into_bytes()),
    ];
    let server = Server::start(cases.iter().map(|(_, bytes)| Reply::Raw(bytes.clone()))).await;
    let client = client_without_retries(&server);
    for (what, _) in &cases {
        // A response that cannot be parsed leaves the connection unusable, like a broken one.
        match client
            .describe_app_instance()
            .app_instance_arn(APP_INSTANCE_ARN)
            .send()
            .await
        {
            Err(SdkError::DispatchFailure(e)) => {
                assert_eq!(e.kind(), DispatchErrorKind::Io, "{what}: {e}")
            }
            other => panic!("{what}: expected a dispatch failure, got {other:?}"),
        }
    }
    assert_eq!(server.requests().len(), cases.len());
}

#[tokio::test]
async fn header_values_that_are_not_utf8_do_not_fail_the_call() {
    let body = instance_json();
    let mut raw = b"HTTP/1.1 200 OK\r\nx-vendor: \xff\xfe\r\n".to_vec();
    raw.extend_from_slice(format!("content-length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let server = Server::start([Reply::Raw(raw)]).await;
    assert_eq!(
        describe_name(&client(&server)).await.as_deref(),
        Some("support-chat")
    );
}

#[tokio::test]
async fn an_endpoint_path_prefixes_the_operation_path() {
    let server = Server::start([Reply::json(200, &instance_json())]).await;
    let config = config(&server)
        .endpoint_url(format!("{}/proxy/chime/", server.url()))
        .build();
    assert_eq!(
        describe_name(&Client::from_conf(config)).await.as_deref(),
        Some("support-chat")
    );
    let request = only_request(&server);
    assert_eq!(
        request.path(),
        format!("/proxy/chime/app-instances/{APP_INSTANCE_ARN_ENCODED}")
    );
    assert_signed(&request, &server, signing_time(), AMZ_DATE);
}
