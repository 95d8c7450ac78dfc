//! One wire test per operation of the model: the request as it reaches the server (method, raw
//! path with percent-encoded labels, query, headers, signature, JSON body), a realistic success
//! response read into the output, and every modeled error of the operation read into the right
//! variant with its code, message and request id.

use std::fmt::Debug;
use std::future::Future;

use chime_sdk_identity::config::Credentials;
use chime_sdk_identity::error::{ProvideErrorMetadata, SdkError};
use chime_sdk_identity::primitives::DateTime;
use chime_sdk_identity::types::{
    AllowMessages, AppInstanceRetentionSettings, AppInstanceUserEndpointType,
    ChannelRetentionSettings, Configuration, EndpointAttributes, ExpirationCriterion,
    ExpirationSettings, InvokedBy, LexConfiguration, RespondsTo, StandardMessages, Tag,
    TargetedMessages,
};
use chime_sdk_identity::{Client, Error};
use serde_json::json;

use crate::fixtures::*;
use crate::support::{Reply, Request, Server};

/// The modeled errors of each operation, as listed in the model (checked against it by
/// `error_tables_match_the_model`).
const OPERATION_ERRORS: &[(&str, &[&str])] = &[
    ("CreateAppInstanceBot", &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ]),
    ("DeleteAppInstanceBot", &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ]),
    (
        "DescribeAppInstanceBot",
        &[
            BAD,
            FORBIDDEN,
            NOT_FOUND,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "ListAppInstanceBots",
        &[
            BAD,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "PutAppInstanceUserExpirationSettings",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    ("UpdateAppInstanceBot", &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ]),
    (
        "CreateAppInstance",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "CreateAppInstanceAdmin",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "CreateAppInstanceUser",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "DeleteAppInstance",
        &[
            BAD,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "DeleteAppInstanceAdmin",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "DeleteAppInstanceUser",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "DeregisterAppInstanceUserEndpoint",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "DescribeAppInstance",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "DescribeAppInstanceAdmin",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "DescribeAppInstanceUser",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "DescribeAppInstanceUserEndpoint",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "GetAppInstanceRetentionSettings",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "ListAppInstanceAdmins",
        &[
            BAD,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "ListAppInstanceUserEndpoints",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "ListAppInstanceUsers",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "ListAppInstances",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "ListTagsForResource",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "PutAppInstanceRetentionSettings",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "RegisterAppInstanceUserEndpoint",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "TagResource",
        &[
            BAD,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "UntagResource",
        &[
            BAD,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "UpdateAppInstance",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "UpdateAppInstanceUser",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            LIMIT,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
    (
        "UpdateAppInstanceUserEndpoint",
        &[
            BAD,
            CONFLICT,
            FORBIDDEN,
            FAILURE,
            UNAVAILABLE,
            THROTTLED,
            UNAUTHORIZED,
        ],
    ),
];

const BAD: &str = "BadRequestException";
const CONFLICT: &str = "ConflictException";
const FORBIDDEN: &str = "ForbiddenException";
const NOT_FOUND: &str = "NotFoundException";
const LIMIT: &str = "ResourceLimitExceededException";
const FAILURE: &str = "ServiceFailureException";
const UNAVAILABLE: &str = "ServiceUnavailableException";
const THROTTLED: &str = "ThrottledClientException";
const UNAUTHORIZED: &str = "UnauthorizedClientException";

/// 2024-05-01T10:00:00.123Z and 2024-05-02T11:30:00Z, as the service writes timestamps
/// (epoch seconds, fractional when there are milliseconds).
const CREATED: &str = "1714557600.123";
const CREATED_MILLIS: i64 = 1_714_557_600_123;
const UPDATED: &str = "1714649400";
const UPDATED_MILLIS: i64 = 1_714_649_400_000;

fn millis(t: Option<&DateTime>) -> i64 {
    let t = t.expect("timestamp present");
    t.secs() * 1000 + i64::from(t.subsec_nanos() / 1_000_000)
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("complete tag")
}

fn expiration(days: i32) -> ExpirationSettings {
    ExpirationSettings::builder()
        .expiration_days(days)
        .expiration_criterion(ExpirationCriterion::CreatedTimestamp)
        .build()
        .expect("complete ExpirationSettings")
}

/// A bot configuration with every member set (`RespondsTo` only when `responds_to`, as the
/// service takes it or `InvokedBy`).
fn bot_configuration(responds_to: bool) -> Configuration {
    let mut lex = LexConfiguration::builder()
        .lex_bot_alias_arn(LEX_ALIAS_ARN)
        .locale_id("en_US")
        .welcome_intent("Greeting");
    lex = if responds_to {
        lex.responds_to(RespondsTo::StandardMessages)
    } else {
        lex.invoked_by(
            InvokedBy::builder()
                .standard_messages(StandardMessages::Mentions)
                .targeted_messages(TargetedMessages::All)
                .build()
                .expect("complete InvokedBy"),
        )
    };
    Configuration::builder()
        .lex(lex.build().expect("complete LexConfiguration"))
        .build()
        .expect("complete Configuration")
}

/// The variant of `e` with its parsed `Code` and `Message` members.
fn variant(e: &Error) -> (&'static str, Option<String>, Option<String>) {
    fn parts(
        code: Option<&chime_sdk_identity::types::ErrorCode>,
        message: Option<&str>,
    ) -> (Option<String>, Option<String>) {
        (
            code.map(|c| c.as_str().to_string()),
            message.map(str::to_string),
        )
    }
    let (name, (code, message)) = match e {
        Error::BadRequestException(e) => (BAD, parts(e.code(), e.message())),
        Error::ConflictException(e) => (CONFLICT, parts(e.code(), e.message())),
        Error::ForbiddenException(e) => (FORBIDDEN, parts(e.code(), e.message())),
        Error::NotFoundException(e) => (NOT_FOUND, parts(e.code(), e.message())),
        Error::ResourceLimitExceededException(e) => (LIMIT, parts(e.code(), e.message())),
        Error::ServiceFailureException(e) => (FAILURE, parts(e.code(), e.message())),
        Error::ServiceUnavailableException(e) => (UNAVAILABLE, parts(e.code(), e.message())),
        Error::ThrottledClientException(e) => (THROTTLED, parts(e.code(), e.message())),
        Error::UnauthorizedClientException(e) => (UNAUTHORIZED, parts(e.code(), e.message())),
        Error::Unhandled(_) => ("Unhandled", (None, None)),
        _ => ("unknown", (None, None)),
    };
    (name, code, message)
}

/// Answers `call` with each modeled error of `operation` in turn (one attempt per call) and
/// checks that each becomes the right variant with its code, message and request id, and that
/// every attempt went to the same place as `success` (the request of the successful call).
async fn assert_modeled_errors<T, E, F, Fut>(operation: &str, success: &Request, call: F)
where
    T: Debug,
    E: std::error::Error + ProvideErrorMetadata + Into<Error>,
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<T, SdkError<E>>>,
{
    let names = OPERATION_ERRORS
        .iter()
        .find(|(op, _)| *op == operation)
        .map(|(_, errors)| *errors)
        .unwrap_or_else(|| panic!("no error table for {operation}"));
    let server = Server::start(names.iter().map(|name| error_reply(name))).await;
    let client = client_without_retries(&server);
    for name in names {
        let (status, code) = modeled_error(name);
        match call(client.clone()).await {
            Err(SdkError::ServiceError(service)) => {
            let (raw, err) = (service.raw().clone(), service.into_err());
                assert_eq!(raw.status, status, "{operation}/{name}: status");
                assert_eq!(err.meta().code(), Some(*name), "{operation}/{name}: code");
                assert_eq!(
                    err.meta().message(),
                    Some(error_message(name).as_str()),
                    "{operation}/{name}: message"
                );
                assert_eq!(
                    err.meta().request_id(),
                    Some(error_request_id(name).as_str()),
                    "{operation}/{name}: request id"
                );
                let any: Error = err.into();
                assert_eq!(
                    variant(&any),
                    (*name, Some(code.to_string()), Some(error_message(name))),
                    "{operation}/{name}: variant and members"
                );
            }
            other => panic!("{operation}/{name}: expected a service error, got {other:?}"),
        }
    }
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        names.len(),
        "{operation}: one attempt per error, none retried"
    );
    for r in &requests {
        assert_eq!(
            (&r.method, &r.target),
            (&success.method, &success.target),
            "{operation}: error requests go where the successful one went"
        );
        assert_sdk_headers(r, 1, 1);
    }
}

/// A server answering one request with `status` and `body`.
async fn serve(status: u16, body: &str) -> Server {
    Server::start([Reply::json(status, body)]).await
}

#[test]
fn error_tables_match_the_model() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../model/chime-sdk-identity.json"
    );
    let text = std::fs::read_to_string(path).expect("read the model");
    let model: serde_json::Value = serde_json::from_str(&text).expect("model is JSON");
    let shapes = model["shapes"].as_object().expect("shapes");
    let short = |id: &str| {
        id.rsplit_once('#')
            .map_or(id.to_string(), |(_, name)| name.to_string())
    };
    let mut operations = Vec::new();
    for (id, shape) in shapes {
        if shape["type"] == "operation" {
            let mut errors: Vec<String> = shape["errors"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|e| e["target"].as_str())
                        .map(short)
                        .collect()
                })
                .unwrap_or_default();
            errors.sort();
            operations.push((short(id), errors));
        }
        if let Some(status) = shape["traits"].get("smithy.api#httpError") {
            assert_eq!(
                Some(u64::from(modeled_error(&short(id)).0)),
                status.as_u64(),
                "status of {id}"
            );
        }
    }
    operations.sort();
    let mut ours: Vec<(String, Vec<String>)> = OPERATION_ERRORS
        .iter()
        .map(|(op, errors)| {
            let mut errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            errors.sort();
            (op.to_string(), errors)
        })
        .collect();
    ours.sort();
    assert_eq!(operations.len(), 30);
    assert_eq!(ours, operations);
}

#[tokio::test]
async fn create_app_instance() {
    let server = serve(
        201,
        &json!({ "AppInstanceArn": APP_INSTANCE_ARN }).to_string(),
    )
    .await;
    let out = client(&server)
        .create_app_instance()
        .name("support-chat")
        .metadata(r#"{"tier":"gold"}"#)
        .client_request_token("7f0c2a3e-create-app-instance")
        .tags(tag("env", "prod"))
        .tags(tag("team", "identity"))
        .send()
        .await
        .expect("CreateAppInstance succeeds");
    assert_eq!(out.app_instance_arn(), Some(APP_INSTANCE_ARN));
    let request = only_request(&server);
    let body = json!({
        "Name": "support-chat",
        "Metadata": r#"{"tier":"gold"}"#,
        "ClientRequestToken": "7f0c2a3e-create-app-instance",
        "Tags": [{ "Key": "env", "Value": "prod" }, { "Key": "team", "Value": "identity" }],
    });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "POST",
            path: "/app-instances",
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("CreateAppInstance", &request, |c| async move {
        c.create_app_instance()
            .name("support-chat")
            .client_request_token("7f0c2a3e-create-app-instance")
            .send()
            .await
    })
    .await;
}

#[tokio::test]
async fn create_app_instance_admin() {
    let response = json!({
        "AppInstanceAdmin": { "Arn": ADMIN_ARN, "Name": "Ada Admin" },
        "AppInstanceArn": APP_INSTANCE_ARN,
    });
    let server = serve(201, &response.to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.create_app_instance_admin()
            .app_instance_arn(APP_INSTANCE_ARN)
            .app_instance_admin_arn(ADMIN_ARN)
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("CreateAppInstanceAdmin succeeds");
    let admin = out.app_instance_admin().expect("AppInstanceAdmin");
    assert_eq!(
        (admin.arn(), admin.name()),
        (Some(ADMIN_ARN), Some("Ada Admin"))
    );
    assert_eq!(out.app_instance_arn(), Some(APP_INSTANCE_ARN));
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}/admins");
    let body = json!({ "AppInstanceAdminArn": ADMIN_ARN });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "POST",
            path: &path,
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("CreateAppInstanceAdmin", &request, call).await;
}

#[tokio::test]
async fn create_app_instance_user() {
    let server = serve(201, &json!({ "AppInstanceUserArn": USER_ARN }).to_string()).await;
    let out = client(&server)
        .create_app_instance_user()
        .app_instance_arn(APP_INSTANCE_ARN)
        .app_instance_user_id("user-7")
        .name("Grace Hopper")
        .metadata("employee=1906")
        .client_request_token("token-create-user-0001")
        .tags(tag("department", "navy"))
        .expiration_settings(expiration(90))
        .send()
        .await
        .expect("CreateAppInstanceUser succeeds");
    assert_eq!(out.app_instance_user_arn(), Some(USER_ARN));
    let request = only_request(&server);
    let body = json!({
        "AppInstanceArn": APP_INSTANCE_ARN,
        "AppInstanceUserId": "user-7",
        "Name": "Grace Hopper",
        "Metadata": "employee=1906",
        "ClientRequestToken": "token-create-user-0001",
        "Tags": [{ "Key": "department", "Value": "navy" }],
        "ExpirationSettings": { "ExpirationDays": 90, "ExpirationCriterion": "CREATED_TIMESTAMP" },
    });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "POST",
            path: "/app-instance-users",
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("CreateAppInstanceUser", &request, |c| async move {
        c.create_app_instance_user()
            .app_instance_arn(APP_INSTANCE_ARN)
            .app_instance_user_id("user-7")
            .name("Grace Hopper")
            .client_request_token("token-create-user-0001")
            .send()
            .await
    })
    .await;
}

#[tokio::test]
async fn delete_app_instance() {
    // 204 without content-length: the client must not wait for a body.
    let server = serve(204, "").await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.delete_app_instance()
            .app_instance_arn(APP_INSTANCE_ARN)
            .send()
            .await
    };
    call(client(&server)).await.expect("DeleteAppInstance succeeds");
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "DELETE",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors("DeleteAppInstance", &request, call).await;
}

#[tokio::test]
async fn delete_app_instance_admin() {
    let server = serve(204, "").await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.delete_app_instance_admin()
            .app_instance_arn(APP_INSTANCE_ARN)
            .app_instance_admin_arn(ADMIN_ARN)
            .send()
            .await
    };
    call(client(&server)).await.expect("DeleteAppInstanceAdmin succeeds");
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}/admins/{ADMIN_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "DELETE",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors("DeleteAppInstanceAdmin", &request, call).await;
}

#[tokio::test]
async fn delete_app_instance_user() {
    let server = serve(204, "").await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.delete_app_instance_user()
            .app_instance_user_arn(USER_ARN)
            .send()
            .await
    };
    call(client(&server)).await.expect("DeleteAppInstanceUser succeeds");
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "DELETE",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors("DeleteAppInstanceUser", &request, call).await;
}

#[tokio::test]
async fn deregister_app_instance_user_endpoint() {
    let server = serve(204, "").await;
    client(&server)
        .deregister_app_instance_user_endpoint()
        .app_instance_user_arn(USER_ARN)
        .endpoint_id("a1b2c3d4e5f60718")
        .send()
        .await
        .expect("DeregisterAppInstanceUserEndpoint succeeds");
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}/endpoints/a1b2c3d4e5f60718");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "DELETE",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors(
        "DeregisterAppInstanceUserEndpoint",
        &request,
        |c| async move {
            c.deregister_app_instance_user_endpoint()
                .app_instance_user_arn(USER_ARN)
                .endpoint_id("a1b2c3d4e5f60718")
                .send()
                .await
        },
    )
    .await;
}

#[tokio::test]
async fn describe_app_instance() {
    let response = format!(
        r#"{{"AppInstance":{{"AppInstanceArn":"{APP_INSTANCE_ARN}","Name":"support-chat","Metadata":"tier=gold",
            "CreatedTimestamp":{CREATED},"LastUpdatedTimestamp":{UPDATED},"FutureMember":{{"nested":[1,2,3]}}}}}}"#
    );
    let server = serve(200, &response).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.describe_app_instance()
            .app_instance_arn(APP_INSTANCE_ARN)
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("DescribeAppInstance succeeds");
    let app = out.app_instance().expect("AppInstance");
    assert_eq!(app.app_instance_arn(), Some(APP_INSTANCE_ARN));
    assert_eq!(app.name(), Some("support-chat"));
    assert_eq!(app.metadata(), Some("tier=gold"));
    assert_eq!(millis(app.created_timestamp()), CREATED_MILLIS);
    assert_eq!(millis(app.last_updated_timestamp()), UPDATED_MILLIS);
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors("DescribeAppInstance", &request, call).await;
}

#[tokio::test]
async fn describe_app_instance_admin() {
    let response = format!(
        r#"{{"AppInstanceAdmin":{{"Admin":{{"Arn":"{ADMIN_ARN}","Name":"Ada Admin"}},
            "AppInstanceArn":"{APP_INSTANCE_ARN}","CreatedTimestamp":{CREATED}}}}}"#
    );
    let server = serve(200, &response).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.describe_app_instance_admin()
            .app_instance_arn(APP_INSTANCE_ARN)
            .app_instance_admin_arn(ADMIN_ARN)
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("DescribeAppInstanceAdmin succeeds");
    let admin = out.app_instance_admin().expect("AppInstanceAdmin");
    let identity = admin.admin().expect("Admin");
    assert_eq!(
        (identity.arn(), identity.name()),
        (Some(ADMIN_ARN), Some("Ada Admin"))
    );
    assert_eq!(admin.app_instance_arn(), Some(APP_INSTANCE_ARN));
    assert_eq!(millis(admin.created_timestamp()), CREATED_MILLIS);
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}/admins/{ADMIN_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors("DescribeAppInstanceAdmin", &request, call).await;
}

#[tokio::test]
async fn describe_app_instance_user() {
    let response = format!(
        r#"{{"AppInstanceUser":{{"AppInstanceUserArn":"{USER_ARN}","Name":"Grace Hopper","Metadata":"employee=1906",
            "CreatedTimestamp":{CREATED},"LastUpdatedTimestamp":{UPDATED},
            "ExpirationSettings":{{"ExpirationDays":30,"ExpirationCriterion":"CREATED_TIMESTAMP"}}}}}}"#
    );
    let server = serve(200, &response).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.describe_app_instance_user()
            .app_instance_user_arn(USER_ARN)
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("DescribeAppInstanceUser succeeds");
    let user = out.app_instance_user().expect("AppInstanceUser");
    assert_eq!(user.app_instance_user_arn(), Some(USER_ARN));
    assert_eq!(user.name(), Some("Grace Hopper"));
    assert_eq!(user.metadata(), Some("employee=1906"));
    assert_eq!(millis(user.created_timestamp()), CREATED_MILLIS);
    assert_eq!(millis(user.last_updated_timestamp()), UPDATED_MILLIS);
    assert_eq!(user.expiration_settings(), Some(&expiration(30)));
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors("DescribeAppInstanceUser", &request, call).await;
}

#[tokio::test]
async fn describe_app_instance_user_endpoint() {
    let response = json!({
        "AppInstanceUserEndpoint": {
            "AppInstanceUserArn": USER_ARN,
            "EndpointId": "ep 1/ä",
            "Name": "Grace's phone",
            "Type": "APNS",
            "ResourceArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/8e1c2f",
            "EndpointAttributes": { "DeviceToken": "device-token-0123", "VoipDeviceToken": "voip-token-4567" },
            "CreatedTimestamp": 1714557600.123,
            "LastUpdatedTimestamp": 1714649400,
            "AllowMessages": "ALL",
            "EndpointState": { "Status": "INACTIVE", "StatusReason": "A_REASON_ADDED_LATER" },
        }
    });
    let server = serve(200, &response.to_string()).await;
    let out = client(&server)
        .describe_app_instance_user_endpoint()
        .app_instance_user_arn(USER_ARN)
        .endpoint_id("ep 1/ä")
        .send()
        .await
        .expect("DescribeAppInstanceUserEndpoint succeeds");
    let endpoint = out
        .app_instance_user_endpoint()
        .expect("AppInstanceUserEndpoint");
    assert_eq!(endpoint.app_instance_user_arn(), Some(USER_ARN));
    assert_eq!(endpoint.endpoint_id(), Some("ep 1/ä"));
    assert_eq!(endpoint.name(), Some("Grace's phone"));
    assert_eq!(endpoint.r#type(), Some(&AppInstanceUserEndpointType::Apns));
    assert_eq!(
        endpoint.resource_arn(),
        Some("arn:aws:mobiletargeting:us-east-1:123456789012:apps/8e1c2f")
    );
    let attributes = endpoint.endpoint_attributes().expect("EndpointAttributes");
    assert_eq!(
        (attributes.device_token(), attributes.voip_device_token()),
        ("device-token-0123", Some("voip-token-4567"))
    );
    assert_eq!(millis(endpoint.created_timestamp()), CREATED_MILLIS);
    assert_eq!(millis(endpoint.last_updated_timestamp()), UPDATED_MILLIS);
    assert_eq!(endpoint.allow_messages(), Some(&AllowMessages::All));
    let state = endpoint.endpoint_state().expect("EndpointState");
    assert_eq!(state.status().as_str(), "INACTIVE");
    // A value newer than the model is kept, not refused.
    assert_eq!(
        state.status_reason().map(|r| r.as_str()),
        Some("A_REASON_ADDED_LATER")
    );
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}/endpoints/ep%201%2F%C3%A4");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors(
        "DescribeAppInstanceUserEndpoint",
        &request,
        |c| async move {
            c.describe_app_instance_user_endpoint()
                .app_instance_user_arn(USER_ARN)
                .endpoint_id("ep 1/ä")
                .send()
                .await
        },
    )
    .await;
}

#[tokio::test]
async fn get_app_instance_retention_settings() {
    let response = format!(
        r#"{{"AppInstanceRetentionSettings":{{"ChannelRetentionSettings":{{"RetentionDays":60}}}},
            "InitiateDeletionTimestamp":{UPDATED}}}"#
    );
    let server = serve(200, &response).await;
    let out = client(&server)
        .get_app_instance_retention_settings()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .expect("GetAppInstanceRetentionSettings succeeds");
    let days = out
        .app_instance_retention_settings()
        .and_then(|s| s.channel_retention_settings())
        .and_then(|c| c.retention_days());
    assert_eq!(days, Some(60));
    assert_eq!(millis(out.initiate_deletion_timestamp()), UPDATED_MILLIS);
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}/retention-settings");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors(
        "GetAppInstanceRetentionSettings",
        &request,
        |c| async move {
            c.get_app_instance_retention_settings()
                .app_instance_arn(APP_INSTANCE_ARN)
                .send()
                .await
        },
    )
    .await;
}

#[tokio::test]
async fn list_app_instance_admins() {
    let response = json!({
        "AppInstanceArn": APP_INSTANCE_ARN,
        "AppInstanceAdmins": [
            { "Admin": { "Arn": ADMIN_ARN, "Name": "Ada Admin" } },
            { "Admin": { "Arn": USER_ARN, "Name": "Grace Hopper" } },
        ],
        "NextToken": "page-3/of+many==",
    });
    let server = serve(200, &response.to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.list_app_instance_admins()
            .app_instance_arn(APP_INSTANCE_ARN)
            .max_results(2)
            .next_token("page-2/of+many==")
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("ListAppInstanceAdmins succeeds");
    assert_eq!(out.app_instance_arn(), Some(APP_INSTANCE_ARN));
    let admins: Vec<_> = out
        .app_instance_admins()
        .iter()
        .map(|a| a.admin().and_then(|i| i.arn()))
        .collect();
    assert_eq!(admins, [Some(ADMIN_ARN), Some(USER_ARN)]);
    assert_eq!(out.next_token(), Some("page-3/of+many=="));
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}/admins");
    let query = ["max-results=2", "next-token=page-2%2Fof%2Bmany%3D%3D"];
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: &path,
            query: &query,
            body: None,
        },
    );
    assert_modeled_errors("ListAppInstanceAdmins", &request, call).await;
}

#[tokio::test]
async fn list_app_instance_user_endpoints() {
    let response = json!({
        "AppInstanceUserEndpoints": [{
            "AppInstanceUserArn": USER_ARN,
            "EndpointId": "a1b2c3d4e5f60718",
            "Name": "Grace's tablet",
            "Type": "GCM",
            "AllowMessages": "NONE",
            "EndpointState": { "Status": "ACTIVE" },
        }],
    });
    let server = serve(200, &response.to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.list_app_instance_user_endpoints()
            .app_instance_user_arn(USER_ARN)
            .max_results(50)
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("ListAppInstanceUserEndpoints succeeds");
    let [endpoint] = out.app_instance_user_endpoints() else {
        panic!("one endpoint: {out:?}")
    };
    assert_eq!(endpoint.app_instance_user_arn(), Some(USER_ARN));
    assert_eq!(endpoint.endpoint_id(), Some("a1b2c3d4e5f60718"));
    assert_eq!(endpoint.name(), Some("Grace's tablet"));
    assert_eq!(endpoint.r#type(), Some(&AppInstanceUserEndpointType::Gcm));
    assert_eq!(endpoint.allow_messages(), Some(&AllowMessages::None));
    let state = endpoint.endpoint_state().expect("EndpointState");
    assert_eq!(
        (state.status().as_str(), state.status_reason()),
        ("ACTIVE", None)
    );
    assert_eq!(out.next_token(), None);
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}/endpoints");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: &path,
            query: &["max-results=50"],
            body: None,
        },
    );
    assert_modeled_errors("ListAppInstanceUserEndpoints", &request, call).await;
}

#[tokio::test]
async fn list_app_instance_users() {
    let response = json!({
        "AppInstanceArn": APP_INSTANCE_ARN,
        "AppInstanceUsers": [
            { "AppInstanceUserArn": USER_ARN, "Name": "Grace Hopper", "Metadata": "employee=1906" },
            { "AppInstanceUserArn": ADMIN_ARN, "Name": "Ada Admin" },
        ],
        "NextToken": "next~token",
    });
    let server = serve(200, &response.to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.list_app_instance_users()
            .app_instance_arn(APP_INSTANCE_ARN)
            .max_results(1)
            .next_token("opaque token")
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("ListAppInstanceUsers succeeds");
    assert_eq!(out.app_instance_arn(), Some(APP_INSTANCE_ARN));
    let users: Vec<_> = out
        .app_instance_users()
        .iter()
        .map(|u| (u.app_instance_user_arn(), u.name(), u.metadata()))
        .collect();
    assert_eq!(
        users,
        [
            (Some(USER_ARN), Some("Grace Hopper"), Some("employee=1906")),
            (Some(ADMIN_ARN), Some("Ada Admin"), None)
        ]
    );
    assert_eq!(out.next_token(), Some("next~token"));
    let request = only_request(&server);
    let arn_query = format!("app-instance-arn={APP_INSTANCE_ARN_ENCODED}");
    let query = [
        arn_query.as_str(),
        "max-results=1",
        "next-token=opaque%20token",
    ];
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: "/app-instance-users",
            query: &query,
            body: None,
        },
    );
    assert_modeled_errors("ListAppInstanceUsers", &request, call).await;
}

#[tokio::test]
async fn list_app_instances() {
    let response = json!({
        "AppInstances": [
            { "AppInstanceArn": APP_INSTANCE_ARN, "Name": "support-chat", "Metadata": "tier=gold" },
            { "AppInstanceArn": "arn:aws:chime:us-east-1:123456789012:app-instance/second", "Name": "sales-chat" },
        ],
        "NextToken": "t2",
    });
    let server = serve(200, &response.to_string()).await;
    let out = client(&server)
        .list_app_instances()
        .max_results(25)
        .send()
        .await
        .expect("ListAppInstances succeeds");
    let names: Vec<_> = out
        .app_instances()
        .iter()
        .map(|a| (a.app_instance_arn(), a.name(), a.metadata()))
        .collect();
    assert_eq!(
        names,
        [
            (
                Some(APP_INSTANCE_ARN),
                Some("support-chat"),
                Some("tier=gold")
            ),
            (
                Some("arn:aws:chime:us-east-1:123456789012:app-instance/second"),
                Some("sales-chat"),
                None
            )
        ]
    );
    assert_eq!(out.next_token(), Some("t2"));
    let request = only_request(&server);
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: "/app-instances",
            query: &["max-results=25"],
            body: None,
        },
    );
    assert_modeled_errors("ListAppInstances", &request, |c| async move {
        c.list_app_instances().max_results(25).send().await
    })
    .await;
}

#[tokio::test]
async fn list_tags_for_resource() {
    let response = json!({ "Tags": [{ "Key": "env", "Value": "prod" }, { "Key": "cost-center", "Value": "" }] });
    let server = serve(200, &response.to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.list_tags_for_resource()
            .resource_arn(APP_INSTANCE_ARN)
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("ListTagsForResource succeeds");
    let tags: Vec<_> = out.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("env", "prod"), ("cost-center", "")]);
    let request = only_request(&server);
    let query = format!("arn={APP_INSTANCE_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: "/tags",
            query: &[&query],
            body: None,
        },
    );
    assert_modeled_errors("ListTagsForResource", &request, call).await;
}

#[tokio::test]
async fn put_app_instance_retention_settings() {
    let response = format!(
        r#"{{"AppInstanceRetentionSettings":{{"ChannelRetentionSettings":{{"RetentionDays":30}}}},
            "InitiateDeletionTimestamp":{CREATED}}}"#
    );
    let server = serve(200, &response).await;
    let settings = AppInstanceRetentionSettings::builder()
        .channel_retention_settings(
            ChannelRetentionSettings::builder()
                .retention_days(30)
                .build(),
        )
        .build();
    let out = client(&server)
        .put_app_instance_retention_settings()
        .app_instance_arn(APP_INSTANCE_ARN)
        .app_instance_retention_settings(settings.clone())
        .send()
        .await
        .expect("PutAppInstanceRetentionSettings succeeds");
    assert_eq!(out.app_instance_retention_settings(), Some(&settings));
    assert_eq!(millis(out.initiate_deletion_timestamp()), CREATED_MILLIS);
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}/retention-settings");
    let body = json!({ "AppInstanceRetentionSettings": { "ChannelRetentionSettings": { "RetentionDays": 30 } } });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "PUT",
            path: &path,
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("PutAppInstanceRetentionSettings", &request, move |c| {
        let settings = settings.clone();
        async move {
            c.put_app_instance_retention_settings()
                .app_instance_arn(APP_INSTANCE_ARN)
                .app_instance_retention_settings(settings)
                .send()
                .await
        }
    })
    .await;
}

#[tokio::test]
async fn register_app_instance_user_endpoint() {
    let response = json!({ "AppInstanceUserArn": USER_ARN, "EndpointId": "a1b2c3d4e5f60718" });
    let server = serve(201, &response.to_string()).await;
    let register = |c: Client| {
        let attributes = EndpointAttributes::builder()
            .device_token("device-token-0123")
            .voip_device_token("voip-token-4567")
            .build()
            .expect("complete attributes");
        c.register_app_instance_user_endpoint()
            .app_instance_user_arn(USER_ARN)
            .name("Grace's phone")
            .r#type(AppInstanceUserEndpointType::ApnsSandbox)
            .resource_arn("arn:aws:mobiletargeting:us-east-1:123456789012:apps/8e1c2f")
            .endpoint_attributes(attributes)
            .client_request_token("token-register-0001")
            .allow_messages(AllowMessages::All)
            .send()
    };
    let out = register(client(&server))
        .await
        .expect("RegisterAppInstanceUserEndpoint succeeds");
    assert_eq!(
        (out.app_instance_user_arn(), out.endpoint_id()),
        (Some(USER_ARN), Some("a1b2c3d4e5f60718"))
    );
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}/endpoints");
    let body = json!({
        "Name": "Grace's phone",
        "Type": "APNS_SANDBOX",
        "ResourceArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/8e1c2f",
        "EndpointAttributes": { "DeviceToken": "device-token-0123", "VoipDeviceToken": "voip-token-4567" },
        "ClientRequestToken": "token-register-0001",
        "AllowMessages": "ALL",
    });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "POST",
            path: &path,
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("RegisterAppInstanceUserEndpoint", &request, register).await;
}

#[tokio::test]
async fn tag_resource() {
    let server = serve(204, "").await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.tag_resource()
            .resource_arn(APP_INSTANCE_ARN)
            .tags(tag("env", "prod"))
            .tags(tag("owner", "team ä/1"))
            .send()
            .await
    };
    call(client(&server)).await.expect("TagResource succeeds");
    let request = only_request(&server);
    let body = json!({
        "ResourceARN": APP_INSTANCE_ARN,
        "Tags": [{ "Key": "env", "Value": "prod" }, { "Key": "owner", "Value": "team ä/1" }],
    });
    let expected = Expected {
        method: "POST",
        path: "/tags",
        query: &["operation=tag-resource"],
        body: Some(body),
    };
    assert_request(&request, &server, &expected);
    assert_modeled_errors("TagResource", &request, call).await;
}

#[tokio::test]
async fn untag_resource() {
    let server = serve(204, "").await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.untag_resource()
            .resource_arn(APP_INSTANCE_ARN)
            .tag_keys("env".to_string())
            .tag_keys("owner".to_string())
            .send()
            .await
    };
    call(client(&server)).await.expect("UntagResource succeeds");
    let request = only_request(&server);
    let body = json!({ "ResourceARN": APP_INSTANCE_ARN, "TagKeys": ["env", "owner"] });
    let expected = Expected {
        method: "POST",
        path: "/tags",
        query: &["operation=untag-resource"],
        body: Some(body),
    };
    assert_request(&request, &server, &expected);
    assert_modeled_errors("UntagResource", &request, call).await;
}

#[tokio::test]
async fn update_app_instance() {
    let server = serve(
        200,
        &json!({ "AppInstanceArn": APP_INSTANCE_ARN }).to_string(),
    )
    .await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.update_app_instance()
            .app_instance_arn(APP_INSTANCE_ARN)
            .name("support-chat-v2")
            .metadata("")
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("UpdateAppInstance succeeds");
    assert_eq!(out.app_instance_arn(), Some(APP_INSTANCE_ARN));
    let request = only_request(&server);
    let path = format!("/app-instances/{APP_INSTANCE_ARN_ENCODED}");
    let body = json!({ "Name": "support-chat-v2", "Metadata": "" });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "PUT",
            path: &path,
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("UpdateAppInstance", &request, call).await;
}

#[tokio::test]
async fn update_app_instance_user() {
    let server = serve(200, &json!({ "AppInstanceUserArn": USER_ARN }).to_string()).await;
    let out = client(&server)
        .update_app_instance_user()
        .app_instance_user_arn(USER_ARN)
        .name("Rear Admiral Hopper")
        .metadata("rank=\"RADM\"\nunit=navy")
        .send()
        .await
        .expect("UpdateAppInstanceUser succeeds");
    assert_eq!(out.app_instance_user_arn(), Some(USER_ARN));
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}");
    let body = json!({ "Name": "Rear Admiral Hopper", "Metadata": "rank=\"RADM\"\nunit=navy" });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "PUT",
            path: &path,
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("UpdateAppInstanceUser", &request, |c| async move {
        c.update_app_instance_user()
            .app_instance_user_arn(USER_ARN)
            .name("Rear Admiral Hopper")
            .metadata("m")
            .send()
            .await
    })
    .await;
}

#[tokio::test]
async fn update_app_instance_user_endpoint() {
    let response = json!({ "AppInstanceUserArn": USER_ARN, "EndpointId": "a1b2c3d4e5f60718" });
    let server = serve(200, &response.to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.update_app_instance_user_endpoint()
            .app_instance_user_arn(USER_ARN)
            .endpoint_id("a1b2c3d4e5f60718")
            .name("Grace's old phone")
            .allow_messages(AllowMessages::None)
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("UpdateAppInstanceUserEndpoint succeeds");
    assert_eq!(
        (out.app_instance_user_arn(), out.endpoint_id()),
        (Some(USER_ARN), Some("a1b2c3d4e5f60718"))
    );
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}/endpoints/a1b2c3d4e5f60718");
    let body = json!({ "Name": "Grace's old phone", "AllowMessages": "NONE" });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "PUT",
            path: &path,
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("UpdateAppInstanceUserEndpoint", &request, call).await;
}

#[tokio::test]
async fn session_credentials_are_sent_and_signed() {
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLE//session+token=";
    let credentials = Credentials::new(
        "ASIAEXAMPLESESSION",
        SECRET_ACCESS_KEY,
        Some(TOKEN.to_string()),
        None,
        "Static",
    );
    let server = serve(200, r#"{"AppInstance":{}}"#).await;
    let client = Client::from_conf(
        config(&server)
            .credentials_provider(credentials.clone())
            .build(),
    );
    client
        .describe_app_instance()
        .app_instance_arn(APP_INSTANCE_ARN)
        .send()
        .await
        .expect("DescribeAppInstance succeeds");
    let request = only_request(&server);
    assert_eq!(request.header("x-amz-security-token"), Some(TOKEN));
    let authorization = request.header("authorization").unwrap_or_default();
    assert!(
        authorization.contains("x-amz-security-token"),
        "the token is signed: {authorization}"
    );
    assert_signed_by(&request, &server, signing_time(), AMZ_DATE, &credentials);
}

#[tokio::test]
async fn create_app_instance_bot() {
    let server = serve(201, &json!({ "AppInstanceBotArn": BOT_ARN }).to_string()).await;
    let out = client(&server)
        .create_app_instance_bot()
        .app_instance_arn(APP_INSTANCE_ARN)
        .name("Helper")
        .metadata("purpose=faq")
        .client_request_token("token-create-bot-0001")
        .tags(tag("kind", "bot"))
        .configuration(bot_configuration(false))
        .send()
        .await
        .expect("CreateAppInstanceBot succeeds");
    assert_eq!(out.app_instance_bot_arn(), Some(BOT_ARN));
    let request = only_request(&server);
    let body = json!({
        "AppInstanceArn": APP_INSTANCE_ARN,
        "Name": "Helper",
        "Metadata": "purpose=faq",
        "ClientRequestToken": "token-create-bot-0001",
        "Tags": [{ "Key": "kind", "Value": "bot" }],
        "Configuration": { "Lex": {
            "InvokedBy": { "StandardMessages": "MENTIONS", "TargetedMessages": "ALL" },
            "LexBotAliasArn": LEX_ALIAS_ARN,
            "LocaleId": "en_US",
            "WelcomeIntent": "Greeting",
        } },
    });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "POST",
            path: "/app-instance-bots",
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("CreateAppInstanceBot", &request, |c| async move {
        c.create_app_instance_bot()
            .app_instance_arn(APP_INSTANCE_ARN)
            .client_request_token("token-create-bot-0001")
            .configuration(bot_configuration(false))
            .send()
            .await
    })
    .await;
}

#[tokio::test]
async fn delete_app_instance_bot() {
    let server = serve(204, "").await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.delete_app_instance_bot()
            .app_instance_bot_arn(BOT_ARN)
            .send()
            .await
    };
    call(client(&server)).await.expect("DeleteAppInstanceBot succeeds");
    let request = only_request(&server);
    let path = format!("/app-instance-bots/{BOT_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "DELETE",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors("DeleteAppInstanceBot", &request, call).await;
}

#[tokio::test]
async fn describe_app_instance_bot() {
    let response = format!(
        r#"{{"AppInstanceBot":{{"AppInstanceBotArn":"{BOT_ARN}","Name":"Helper","Metadata":"purpose=faq",
            "Configuration":{{"Lex":{{"RespondsTo":"STANDARD_MESSAGES","LexBotAliasArn":"{LEX_ALIAS_ARN}",
            "LocaleId":"en_US","WelcomeIntent":"Greeting"}}}},
            "CreatedTimestamp":{CREATED},"LastUpdatedTimestamp":{UPDATED}}}}}"#
    );
    let server = serve(200, &response).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.describe_app_instance_bot()
            .app_instance_bot_arn(BOT_ARN)
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("DescribeAppInstanceBot succeeds");
    let bot = out.app_instance_bot().expect("AppInstanceBot");
    assert_eq!(
        (bot.app_instance_bot_arn(), bot.name(), bot.metadata()),
        (Some(BOT_ARN), Some("Helper"), Some("purpose=faq"))
    );
    assert_eq!(bot.configuration(), Some(&bot_configuration(true)));
    let lex = bot.configuration().unwrap().lex();
    assert_eq!(
        (lex.responds_to(), lex.invoked_by(), lex.locale_id()),
        (Some(&RespondsTo::StandardMessages), None, "en_US")
    );
    assert_eq!(millis(bot.created_timestamp()), CREATED_MILLIS);
    assert_eq!(millis(bot.last_updated_timestamp()), UPDATED_MILLIS);
    let request = only_request(&server);
    let path = format!("/app-instance-bots/{BOT_ARN_ENCODED}");
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: &path,
            query: &[],
            body: None,
        },
    );
    assert_modeled_errors("DescribeAppInstanceBot", &request, call).await;
}

#[tokio::test]
async fn list_app_instance_bots() {
    let response = json!({
        "AppInstanceArn": APP_INSTANCE_ARN,
        "AppInstanceBots": [
            { "AppInstanceBotArn": BOT_ARN, "Name": "Helper", "Metadata": "purpose=faq" },
            { "AppInstanceBotArn": format!("{APP_INSTANCE_ARN}/bot/second") },
        ],
        "NextToken": "next~token",
    });
    let server = serve(200, &response.to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.list_app_instance_bots()
            .app_instance_arn(APP_INSTANCE_ARN)
            .max_results(2)
            .next_token("opaque token")
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("ListAppInstanceBots succeeds");
    assert_eq!(out.app_instance_arn(), Some(APP_INSTANCE_ARN));
    let second = format!("{APP_INSTANCE_ARN}/bot/second");
    let bots: Vec<_> = out
        .app_instance_bots()
        .iter()
        .map(|b| (b.app_instance_bot_arn(), b.name(), b.metadata()))
        .collect();
    assert_eq!(
        bots,
        [
            (Some(BOT_ARN), Some("Helper"), Some("purpose=faq")),
            (Some(second.as_str()), None, None)
        ]
    );
    assert_eq!(out.next_token(), Some("next~token"));
    let request = only_request(&server);
    let arn_query = format!("app-instance-arn={APP_INSTANCE_ARN_ENCODED}");
    let query = [
        arn_query.as_str(),
        "max-results=2",
        "next-token=opaque%20token",
    ];
    assert_request(
        &request,
        &server,
        &Expected {
            method: "GET",
            path: "/app-instance-bots",
            query: &query,
            body: None,
        },
    );
    assert_modeled_errors("ListAppInstanceBots", &request, call).await;
}

#[tokio::test]
async fn put_app_instance_user_expiration_settings() {
    let response = json!({
        "AppInstanceUserArn": USER_ARN,
        "ExpirationSettings": { "ExpirationDays": 365, "ExpirationCriterion": "CREATED_TIMESTAMP" },
    });
    let server = serve(200, &response.to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.put_app_instance_user_expiration_settings()
            .app_instance_user_arn(USER_ARN)
            .expiration_settings(expiration(365))
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("PutAppInstanceUserExpirationSettings succeeds");
    assert_eq!(out.app_instance_user_arn(), Some(USER_ARN));
    assert_eq!(out.expiration_settings(), Some(&expiration(365)));
    let request = only_request(&server);
    let path = format!("/app-instance-users/{USER_ARN_ENCODED}/expiration-settings");
    let body = json!({
        "ExpirationSettings": { "ExpirationDays": 365, "ExpirationCriterion": "CREATED_TIMESTAMP" },
    });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "PUT",
            path: &path,
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("PutAppInstanceUserExpirationSettings", &request, call).await;

    // Without settings (clearing them): an empty JSON object, the label still in the path.
    let server = serve(200, &json!({ "AppInstanceUserArn": USER_ARN }).to_string()).await;
    let out = client(&server)
        .put_app_instance_user_expiration_settings()
        .app_instance_user_arn(USER_ARN)
        .send()
        .await
        .expect("clearing succeeds");
    assert_eq!(out.expiration_settings(), None);
    assert_request(
        &only_request(&server),
        &server,
        &Expected {
            method: "PUT",
            path: &path,
            query: &[],
            body: Some(json!({})),
        },
    );
}

#[tokio::test]
async fn update_app_instance_bot() {
    let server = serve(200, &json!({ "AppInstanceBotArn": BOT_ARN }).to_string()).await;
    // The same call succeeds here and meets each modeled error below.
    let call = |c: Client| async move {
        c.update_app_instance_bot()
            .app_instance_bot_arn(BOT_ARN)
            .name("Helper 2")
            .metadata("purpose=support")
            .configuration(bot_configuration(true))
            .send()
            .await
    };
    let out = call(client(&server)).await.expect("UpdateAppInstanceBot succeeds");
    assert_eq!(out.app_instance_bot_arn(), Some(BOT_ARN));
    let request = only_request(&server);
    let path = format!("/app-instance-bots/{BOT_ARN_ENCODED}");
    let body = json!({
        "Name": "Helper 2",
        "Metadata": "purpose=support",
        "Configuration": { "Lex": {
            "RespondsTo": "STANDARD_MESSAGES",
            "LexBotAliasArn": LEX_ALIAS_ARN,
            "LocaleId": "en_US",
            "WelcomeIntent": "Greeting",
        } },
    });
    assert_request(
        &request,
        &server,
        &Expected {
            method: "PUT",
            path: &path,
            query: &[],
            body: Some(body),
        },
    );
    assert_modeled_errors("UpdateAppInstanceBot", &request, call).await;
}
