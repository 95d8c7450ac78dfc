//! Paginators over the wire: each page is one request carrying the previous page's token, the
//! items come out in order, and the walk ends on a missing, empty or repeated token or on an
//! error.

use chime_sdk_identity::error::SdkError;
use serde_json::json;

use crate::fixtures::*;
use crate::support::{Reply, Request, Server};

/// A token with characters that must be percent-encoded in a query, as base64 tokens have.
const TOKEN_1: &str = "AAQA/t1+x==";
const TOKEN_1_ENCODED: &str = "AAQA%2Ft1%2Bx%3D%3D";
const TOKEN_2: &str = "t2 ä";
const TOKEN_2_ENCODED: &str = "t2%20%C3%A4";

fn instance(n: u32) -> String {
    format!("arn:aws:chime:us-east-1:123456789012:app-instance/instance-{n}")
}

fn instances_page(numbers: &[u32], token: Option<&str>) -> Reply {
    let items: Vec<_> = numbers
        .iter()
        .map(|n| json!({ "AppInstanceArn": instance(*n), "Name": format!("app-{n}") }))
        .collect();
    let mut page = json!({ "AppInstances": items });
    if let Some(t) = token {
        page["NextToken"] = json!(t);
    }
    Reply::json(200, &page.to_string())
}

/// The sorted raw query pairs of `request`.
fn query(request: &Request) -> Vec<String> {
    let mut pairs: Vec<String> = request
        .query()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn list_app_instances_items_walk_three_pages() {
    let server = Server::start([
        instances_page(&[1, 2], Some(TOKEN_1)),
        instances_page(&[3, 4], Some(TOKEN_2)),
        instances_page(&[5], None),
    ])
    .await;
    let items: Vec<_> = client(&server)
        .list_app_instances()
        .into_paginator()
        .page_size(2)
        .items()
        .send()
        .collect()
        .await;
    let arns: Vec<String> = items
        .into_iter()
        .map(|item| {
            item.expect("every item arrives")
                .app_instance_arn()
                .expect("arn")
                .to_string()
        })
        .collect();
    assert_eq!(arns, (1..=5).map(instance).collect::<Vec<_>>());

    let requests = server.requests();
    assert_eq!(requests.len(), 3, "one request per page");
    let queries: Vec<_> = requests.iter().map(query).collect();
    assert_eq!(
        queries,
        [
            vec!["max-results=2".to_string()],
            vec![
                "max-results=2".to_string(),
                format!("next-token={TOKEN_1_ENCODED}")
            ],
            vec![
                "max-results=2".to_string(),
                format!("next-token={TOKEN_2_ENCODED}")
            ],
        ]
    );
    for r in &requests {
        assert_eq!((r.method.as_str(), r.path()), ("GET", "/app-instances"));
        assert_sdk_headers(r, 1, 3);
        assert_signed(r, &server, signing_time(), AMZ_DATE);
    }
    let ids: Vec<_> = requests
        .iter()
        .map(|r| r.header("amz-sdk-invocation-id"))
        .collect();
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2],
        "each page is its own call: {ids:?}"
    );
    assert_eq!(
        server.connections(),
        1,
        "pages reuse the kept-alive connection"
    );
}

#[tokio::test]
async fn list_app_instance_users_pages_keep_the_input() {
    let page = |users: &[&str], token: Option<&str>| {
        let items: Vec<_> = users
            .iter()
            .map(|u| json!({ "AppInstanceUserArn": format!("{APP_INSTANCE_ARN}/user/{u}") }))
            .collect();
        let mut page = json!({ "AppInstanceArn": APP_INSTANCE_ARN, "AppInstanceUsers": items });
        if let Some(t) = token {
            page["NextToken"] = json!(t);
        }
        Reply::json(200, &page.to_string())
    };
    let server = Server::start([
        page(&["a", "b"], Some("t1")),
        page(&["c"], Some("t2")),
        page(&[], None),
    ])
    .await;
    let mut pages = client(&server)
        .list_app_instance_users()
        .app_instance_arn(APP_INSTANCE_ARN)
        .into_paginator()
        .send();
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.expect("every page arrives");
        seen.push(
            page.app_instance_users()
                .iter()
                .filter_map(|u| u.app_instance_user_arn())
                .map(str::to_string)
                .collect::<Vec<_>>(),
        );
    }
    let user = |u: &str| format!("{APP_INSTANCE_ARN}/user/{u}");
    assert_eq!(seen, [vec![user("a"), user("b")], vec![user("c")], vec![]]);

    let arn = format!("app-instance-arn={APP_INSTANCE_ARN_ENCODED}");
    let queries: Vec<_> = server.requests().iter().map(query).collect();
    assert_eq!(
        queries,
        [
            vec![arn.clone()],
            vec![arn.clone(), "next-token=t1".to_string()],
            vec![arn, "next-token=t2".to_string()]
        ]
    );
}

#[tokio::test]
async fn walk_stops_when_a_token_repeats() {
    let admins = |names: &[&str]| {
        let items: Vec<_> = names
            .iter()
            .map(|n| json!({ "Admin": { "Arn": format!("{APP_INSTANCE_ARN}/user/{n}") } }))
            .collect();
        json!({ "AppInstanceArn": APP_INSTANCE_ARN, "AppInstanceAdmins": items, "NextToken": "same" }).to_string()
    };
    // A third page is scripted but must never be asked for.
    let server = Server::start([
        Reply::json(200, &admins(&["a"])),
        Reply::json(200, &admins(&["b"])),
        Reply::json(200, &admins(&["c"])),
    ])
    .await;
    let items: Vec<_> = client(&server)
        .list_app_instance_admins()
        .app_instance_arn(APP_INSTANCE_ARN)
        .into_paginator()
        .items()
        .send()
        .collect()
        .await;
    let names: Vec<String> = items
        .into_iter()
        .map(|i| {
            i.expect("item")
                .admin()
                .and_then(|a| a.arn())
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            format!("{APP_INSTANCE_ARN}/user/a"),
            format!("{APP_INSTANCE_ARN}/user/b")
        ]
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "the repeated token ends the walk");
    assert_eq!(
        (requests[0].query(), requests[1].query()),
        ("", "next-token=same")
    );
    assert_eq!(server.unused_replies(), 1);
}

#[tokio::test]
async fn walk_stops_on_an_empty_token() {
    let page = json!({ "AppInstanceUserEndpoints": [{ "EndpointId": "e1" }], "NextToken": "" })
        .to_string();
    let server = Server::start([Reply::json(200, &page), Reply::json(200, &page)]).await;
    let items: Vec<_> = client(&server)
        .list_app_instance_user_endpoints()
        .app_instance_user_arn(USER_ARN)
        .into_paginator()
        .items()
        .send()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_error_ends_the_walk_after_the_items_before_it() {
    let server = Server::start([
        instances_page(&[1, 2], Some(TOKEN_1)),
        error_reply("ForbiddenException"),
        instances_page(&[9], None),
    ])
    .await;
    let items: Vec<_> = client(&server)
        .list_app_instances()
        .into_paginator()
        .items()
        .send()
        .collect()
        .await;
    assert_eq!(
        items.len(),
        3,
        "two items, then the error, then nothing: {items:?}"
    );
    assert_eq!(
        items[0].as_ref().ok().and_then(|i| i.app_instance_arn()),
        Some(instance(1).as_str())
    );
    assert_eq!(
        items[1].as_ref().ok().and_then(|i| i.app_instance_arn()),
        Some(instance(2).as_str())
    );
    match &items[2] {
        Err(SdkError::ServiceError(service)) => assert!(service.err().is_forbidden_exception(), "{:?}", service.err()),
        other => panic!("expected ForbiddenException, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.unused_replies(), 1);
}
