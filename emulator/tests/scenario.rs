//! End-to-end: the generated client against the emulator on 127.0.0.1:0, through all 30
//! operations (bots and users' expiry by the emulator's clock included), paginated walks, every modeled error of the service (throttling and outages
//! through fault injection and `max_rps`), retries, signature checks, path-escape refusals and
//! state persistence. Raw requests (signed with the runtime's SigV4
//! signer, or not signed at all) cover what the client would refuse to send.

use std::num::NonZeroU32;
use std::time::{Duration, SystemTime};

use chime_sdk_identity::config::{Credentials, Region, RetryConfig, TimeoutConfig};
use chime_sdk_identity::types::{
    AllowMessages, AppInstanceRetentionSettings, AppInstanceUserEndpointType, ChannelRetentionSettings, Configuration, EndpointAttributes,
    ExpirationCriterion, ExpirationSettings, InvokedBy, LexConfiguration, RespondsTo, StandardMessages, Tag, TargetedMessages,
};
use chime_sdk_identity::{Client, Config};
use client_runtime::error::SdkError;
use client_runtime::http::{Headers, HttpClient, HttpRequest, HttpResponse, Uri};
use client_runtime::json::JsonReader;
use client_runtime::sigv4::{SigningParams, SigningSettings};
use emulator::generated::Operation;
use emulator::{Emulator, Running};

const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const ACCOUNT_PREFIX: &str = "arn:aws:chime:us-east-1:123456789012:app-instance/";

fn start() -> (Emulator, Running) {
    let emulator = Emulator::new(emulator::Config::default()).expect("default config");
    let running = emulator.clone().start(0).expect("listening on 127.0.0.1:0");
    (emulator, running)
}

fn client_with(running: &Running, access_key: &str, secret_key: &str) -> Client {
    let config = Config::builder()
        .region(Region::from_static(REGION))
        .credentials_provider(Credentials::new(access_key, secret_key, None, None, "Static"))
        .endpoint_url(running.endpoint_url())
        // One attempt: every error reaches the test as the emulator sent it.
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(TimeoutConfig { connect: Duration::from_secs(2), attempt: None, operation: Some(Duration::from_secs(10)), ..TimeoutConfig::default() })
        .build();
    Client::from_conf(config)
}

fn client(running: &Running) -> Client {
    client_with(running, ACCESS_KEY, SECRET_KEY)
}

/// The wire facts of an error response: status, `X-Amzn-Errortype`, the body's `Code`, and
/// whether it carried a request id.
#[derive(Debug, PartialEq)]
struct Wire {
    status: u16,
    error_type: String,
    code: String,
}

fn body_code(body: &[u8]) -> String {
    let mut r = JsonReader::new(body);
    let mut code = String::new();
    if r.start_object().is_ok() {
        while let Ok(Some(key)) = r.next_key() {
            if key == "Code" {
                code = r.string().map(|s| s.into_owned()).unwrap_or_default();
            } else if r.skip_value().is_err() {
                break;
            }
        }
    }
    code
}

fn wire_of(response: &HttpResponse) -> Wire {
    assert!(response.headers.get("x-amzn-requestid").is_some_and(|id| id.len() == 36), "every response has a request id");
    Wire {
        status: response.status,
        error_type: response.headers.get("x-amzn-errortype").unwrap_or_default().to_string(),
        code: body_code(&response.body),
    }
}

/// The wire facts of a call that must fail with a modeled error.
fn err<T: std::fmt::Debug, E: std::fmt::Debug>(result: Result<T, SdkError<E>>) -> Wire {
    let e = result.expect_err("the call should fail");
    let raw = e.raw_response().unwrap_or_else(|| panic!("not a service error: {e:?}"));
    wire_of(raw)
}

fn wire(status: u16, error_type: &str, code: &str) -> Wire {
    Wire { status, error_type: error_type.into(), code: code.into() }
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

/// A Lex V2 bot alias ARN that matches the model's pattern.
const LEX_ALIAS: &str = "arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST";

/// A bot configuration: the alias, `en_US`, and optionally `InvokedBy` and a welcome intent.
fn lex(alias: &str, invoked_by: Option<(StandardMessages, TargetedMessages)>, welcome: Option<&str>) -> Configuration {
    let mut lex = LexConfiguration::builder().lex_bot_alias_arn(alias).locale_id("en_US");
    if let Some((standard, targeted)) = invoked_by {
        lex = lex.invoked_by(InvokedBy::builder().standard_messages(standard).targeted_messages(targeted).build().expect("InvokedBy"));
    }
    if let Some(w) = welcome {
        lex = lex.welcome_intent(w);
    }
    Configuration::builder().lex(lex.build().expect("LexConfiguration")).build().expect("Configuration")
}

fn expiring_after(days: i32) -> ExpirationSettings {
    ExpirationSettings::builder().expiration_days(days).expiration_criterion(ExpirationCriterion::CreatedTimestamp).build().expect("ExpirationSettings")
}

/// Sends a raw request to the emulator, SigV4-signed unless `sign` is false.
async fn raw(running: &Running, method: &'static str, path_and_query: &str, body: &str, sign: bool) -> HttpResponse {
    let mut request = HttpRequest {
        method: method.into(),
        uri: Uri::parse(&format!("{}{path_and_query}", running.endpoint_url())).expect("url"),
        headers: Headers::new(),
        body: body.as_bytes().to_vec(),
    };
    if !body.is_empty() {
        request.headers.insert("content-type", "application/json");
    }
    if sign {
        let credentials = Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "Static");
        let settings = SigningSettings::default();
        let params = SigningParams { credentials: &credentials, region: REGION, service: "chime", time: SystemTime::now(), settings: &settings };
        client_runtime::sigv4::sign(&mut request, &params).expect("signing");
    }
    let transport = client_runtime::transport::Transport::builder().build().expect("transport");
    transport.send(&request).await.expect("the emulator answers")
}

#[tokio::test]
async fn all_operations_and_paginated_walks() {
    let (emulator, running) = start();
    let c = client(&running);

    // CreateAppInstance, with idempotency by ClientRequestToken.
    let created = c.create_app_instance().name("chat").metadata("m1").tags(tag("env", "test")).client_request_token("token-app-1").send().await.unwrap();
    let app = created.app_instance_arn().unwrap().to_string();
    let id = app.strip_prefix(ACCOUNT_PREFIX).expect("realistic ARN");
    assert_eq!((id.len(), id.matches('-').count()), (36, 4), "a UUID: {id}");
    let again = c.create_app_instance().name("chat").metadata("m1").tags(tag("env", "test")).client_request_token("token-app-1").send().await.unwrap();
    assert_eq!(again.app_instance_arn(), Some(app.as_str()), "a retry with the same token is the same call");

    // DescribeAppInstance / UpdateAppInstance.
    let described = c.describe_app_instance().app_instance_arn(&app).send().await.unwrap();
    let d = described.app_instance().unwrap();
    assert_eq!((d.name(), d.metadata(), d.app_instance_arn()), (Some("chat"), Some("m1"), Some(app.as_str())));
    let created_at = d.created_timestamp().unwrap();
    assert_eq!(d.last_updated_timestamp(), Some(created_at));
    tokio::time::sleep(Duration::from_millis(5)).await;
    let updated = c.update_app_instance().app_instance_arn(&app).name("chat-2").metadata("m2").send().await.unwrap();
    assert_eq!(updated.app_instance_arn(), Some(app.as_str()));
    let d = c.describe_app_instance().app_instance_arn(&app).send().await.unwrap();
    let d = d.app_instance().unwrap();
    assert_eq!((d.name(), d.metadata(), d.created_timestamp()), (Some("chat-2"), Some("m2"), Some(created_at)));
    assert!(d.last_updated_timestamp().unwrap() > created_at, "LastUpdatedTimestamp moves on update");

    // ListAppInstances: 13 instances in pages of 5, in creation order.
    let mut arns = vec![app.clone()];
    for i in 0..12 {
        let out = c.create_app_instance().name(format!("app-{i}")).send().await.unwrap();
        arns.push(out.app_instance_arn().unwrap().to_string());
    }
    let mut pages = c.list_app_instances().into_paginator().page_size(5).send();
    let mut sizes = Vec::new();
    let mut walked = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        sizes.push(page.app_instances().len());
        if let Some(token) = page.next_token() {
            assert!(!token.contains("app-instance") && !token.contains(id), "NextToken is opaque: {token}");
        }
        walked.extend(page.app_instances().iter().map(|s| s.app_instance_arn().unwrap().to_string()));
    }
    assert_eq!(sizes, [5, 5, 3]);
    assert_eq!(walked, arns);
    let first = c.list_app_instances().send().await.unwrap();
    assert_eq!(first.app_instances().len(), emulator::DEFAULT_PAGE_SIZE, "MaxResults defaults to {}", emulator::DEFAULT_PAGE_SIZE);
    assert!(first.next_token().is_some());

    // CreateAppInstanceUser ×12, ListAppInstanceUsers walked with items().
    let mut users = Vec::new();
    for i in 0..12 {
        let out = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id(format!("user-{i}")).name(format!("User {i}")).send().await.unwrap();
        users.push(out.app_instance_user_arn().unwrap().to_string());
    }
    assert_eq!(users[0], format!("{app}/user/user-0"));
    let items: Vec<_> = c.list_app_instance_users().app_instance_arn(&app).into_paginator().page_size(5).items().send().collect().await;
    let listed: Vec<String> = items.into_iter().map(|u| u.unwrap().app_instance_user_arn().unwrap().to_string()).collect();
    assert_eq!(listed, users);
    let page = c.list_app_instance_users().app_instance_arn(&app).max_results(50).send().await.unwrap();
    assert_eq!((page.app_instance_users().len(), page.next_token(), page.app_instance_arn()), (12, None, Some(app.as_str())));

    // DescribeAppInstanceUser / UpdateAppInstanceUser.
    let u0 = &users[0];
    c.update_app_instance_user().app_instance_user_arn(u0).name("Ada").metadata("md").send().await.unwrap();
    let du = c.describe_app_instance_user().app_instance_user_arn(u0).send().await.unwrap();
    let du = du.app_instance_user().unwrap();
    assert_eq!((du.name(), du.metadata(), du.app_instance_user_arn()), (Some("Ada"), Some("md"), Some(u0.as_str())));
    assert!(du.last_updated_timestamp().unwrap() >= du.created_timestamp().unwrap());

    // Admins: create, describe, list (paginated), delete.
    let admin = c.create_app_instance_admin().app_instance_arn(&app).app_instance_admin_arn(u0).send().await.unwrap();
    assert_eq!((admin.app_instance_admin().unwrap().arn(), admin.app_instance_admin().unwrap().name()), (Some(u0.as_str()), Some("Ada")));
    assert_eq!(admin.app_instance_arn(), Some(app.as_str()));
    c.create_app_instance_admin().app_instance_arn(&app).app_instance_admin_arn(&users[1]).send().await.unwrap();
    c.create_app_instance_admin().app_instance_arn(&app).app_instance_admin_arn(&users[2]).send().await.unwrap();
    let da = c.describe_app_instance_admin().app_instance_arn(&app).app_instance_admin_arn(u0).send().await.unwrap();
    let da = da.app_instance_admin().unwrap();
    assert_eq!((da.admin().unwrap().arn(), da.app_instance_arn()), (Some(u0.as_str()), Some(app.as_str())));
    assert!(da.created_timestamp().is_some());
    let mut admin_pages = c.list_app_instance_admins().app_instance_arn(&app).into_paginator().page_size(2).send();
    let mut admins = Vec::new();
    let mut admin_page_count = 0;
    while let Some(page) = admin_pages.next().await {
        let page = page.unwrap();
        admin_page_count += 1;
        assert_eq!(page.app_instance_arn(), Some(app.as_str()));
        admins.extend(page.app_instance_admins().iter().map(|a| a.admin().unwrap().arn().unwrap().to_string()));
    }
    assert_eq!((admin_page_count, admins), (2, vec![users[0].clone(), users[1].clone(), users[2].clone()]));
    c.delete_app_instance_admin().app_instance_arn(&app).app_instance_admin_arn(&users[2]).send().await.unwrap();
    let remaining = c.list_app_instance_admins().app_instance_arn(&app).send().await.unwrap();
    assert_eq!(remaining.app_instance_admins().len(), 2);

    // Retention settings.
    let none = c.get_app_instance_retention_settings().app_instance_arn(&app).send().await.unwrap();
    assert!(none.app_instance_retention_settings().is_none());
    let settings = AppInstanceRetentionSettings::builder()
        .channel_retention_settings(ChannelRetentionSettings::builder().retention_days(30).build())
        .build();
    let put = c.put_app_instance_retention_settings().app_instance_arn(&app).app_instance_retention_settings(settings).send().await.unwrap();
    assert!(put.initiate_deletion_timestamp().is_some());
    let got = c.get_app_instance_retention_settings().app_instance_arn(&app).send().await.unwrap();
    assert_eq!(got.app_instance_retention_settings().unwrap().channel_retention_settings().unwrap().retention_days(), Some(30));
    assert_eq!(got.initiate_deletion_timestamp(), put.initiate_deletion_timestamp());

    // Endpoints: register three (one idempotent retry), list in pages of 2, describe, update, deregister.
    let u1 = &users[1];
    let mut endpoint_ids = Vec::new();
    for i in 0..3 {
        let attrs = EndpointAttributes::builder().device_token(format!("device-{i}")).build().unwrap();
        let out = c
            .register_app_instance_user_endpoint()
            .app_instance_user_arn(u1)
            .name(format!("phone-{i}"))
            .r#type(AppInstanceUserEndpointType::Gcm)
            .resource_arn("arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc")
            .endpoint_attributes(attrs)
            .client_request_token(format!("endpoint-token-{i}"))
            .send()
            .await
            .unwrap();
        assert_eq!(out.app_instance_user_arn(), Some(u1.as_str()));
        endpoint_ids.push(out.endpoint_id().unwrap().to_string());
    }
    let retry = c
        .register_app_instance_user_endpoint()
        .app_instance_user_arn(u1)
        .name("phone-0")
        .r#type(AppInstanceUserEndpointType::Gcm)
        .resource_arn("arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc")
        .endpoint_attributes(EndpointAttributes::builder().device_token("device-0").build().unwrap())
        .client_request_token("endpoint-token-0")
        .send()
        .await
        .unwrap();
    assert_eq!(retry.endpoint_id(), Some(endpoint_ids[0].as_str()));
    let listed: Vec<String> = c
        .list_app_instance_user_endpoints()
        .app_instance_user_arn(u1)
        .into_paginator()
        .page_size(2)
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|e| e.unwrap().endpoint_id().unwrap().to_string())
        .collect();
    assert_eq!(listed, endpoint_ids);
    let e0 = &endpoint_ids[0];
    let de = c.describe_app_instance_user_endpoint().app_instance_user_arn(u1).endpoint_id(e0).send().await.unwrap();
    let de = de.app_instance_user_endpoint().unwrap();
    assert_eq!((de.name(), de.r#type(), de.allow_messages()), (Some("phone-0"), Some(&AppInstanceUserEndpointType::Gcm), Some(&AllowMessages::All)));
    assert_eq!(de.endpoint_attributes().unwrap().device_token(), "device-0");
    assert_eq!(de.endpoint_state().unwrap().status().as_str(), "ACTIVE");
    let upd = c.update_app_instance_user_endpoint().app_instance_user_arn(u1).endpoint_id(e0).allow_messages(AllowMessages::None).name("tablet").send().await.unwrap();
    assert_eq!(upd.endpoint_id(), Some(e0.as_str()));
    let de = c.describe_app_instance_user_endpoint().app_instance_user_arn(u1).endpoint_id(e0).send().await.unwrap();
    assert_eq!((de.app_instance_user_endpoint().unwrap().name(), de.app_instance_user_endpoint().unwrap().allow_messages()), (Some("tablet"), Some(&AllowMessages::None)));
    c.deregister_app_instance_user_endpoint().app_instance_user_arn(u1).endpoint_id(e0).send().await.unwrap();
    let gone = c.describe_app_instance_user_endpoint().app_instance_user_arn(u1).endpoint_id(e0).send().await;
    assert_eq!(err(gone), wire(400, "BadRequestException", "NotFound"));

    // Tags on an instance and on a user.
    let tags = c.list_tags_for_resource().resource_arn(&app).send().await.unwrap();
    assert_eq!(tags.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(), [("env", "test")]);
    c.tag_resource().resource_arn(&app).tags(tag("team", "a")).tags(tag("env", "prod")).send().await.unwrap();
    c.untag_resource().resource_arn(&app).tag_keys("team".to_string()).send().await.unwrap();
    let tags = c.list_tags_for_resource().resource_arn(&app).send().await.unwrap();
    assert_eq!(tags.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(), [("env", "prod")]);
    c.tag_resource().resource_arn(u0).tags(tag("role", "owner")).send().await.unwrap();
    let user_tags = c.list_tags_for_resource().resource_arn(u0).send().await.unwrap();
    assert_eq!(user_tags.tags().len(), 1);

    // Bots: members of the instance with their Lex configuration; created (idempotently),
    // described, listed in pages, updated, tagged and deleted.
    let config = lex(LEX_ALIAS, Some((StandardMessages::Mentions, TargetedMessages::All)), Some("Greeting"));
    let create_bot = || {
        c.create_app_instance_bot()
            .app_instance_arn(&app)
            .name("helper")
            .metadata("bm")
            .configuration(config.clone())
            .tags(tag("kind", "bot"))
            .client_request_token("token-bot-1")
    };
    let bot = create_bot().send().await.unwrap().app_instance_bot_arn().unwrap().to_string();
    let bot_id = bot.strip_prefix(&format!("{app}/bot/")).expect("a bot ARN lives under its instance");
    assert_eq!(bot_id.len(), 36, "a UUID: {bot_id}");
    assert_eq!(create_bot().send().await.unwrap().app_instance_bot_arn(), Some(bot.as_str()), "the same token is the same call");
    let mut bots = vec![bot.clone()];
    for i in 0..6 {
        let out = c.create_app_instance_bot().app_instance_arn(&app).name(format!("bot-{i}")).configuration(lex(LEX_ALIAS, None, None)).send().await.unwrap();
        bots.push(out.app_instance_bot_arn().unwrap().to_string());
    }
    let mut bot_pages = c.list_app_instance_bots().app_instance_arn(&app).into_paginator().page_size(3).send();
    let (mut bot_sizes, mut listed_bots) = (Vec::new(), Vec::new());
    while let Some(page) = bot_pages.next().await {
        let page = page.unwrap();
        assert_eq!(page.app_instance_arn(), Some(app.as_str()));
        bot_sizes.push(page.app_instance_bots().len());
        listed_bots.extend(page.app_instance_bots().iter().map(|b| b.app_instance_bot_arn().unwrap().to_string()));
    }
    assert_eq!((bot_sizes, &listed_bots), (vec![3, 3, 1], &bots));
    let first_bots = c.list_app_instance_bots().app_instance_arn(&app).max_results(2).send().await.unwrap();
    let summary = &first_bots.app_instance_bots()[0];
    assert_eq!((summary.name(), summary.metadata()), (Some("helper"), Some("bm")));
    let described = c.describe_app_instance_bot().app_instance_bot_arn(&bot).send().await.unwrap();
    let b = described.app_instance_bot().unwrap();
    assert_eq!((b.app_instance_bot_arn(), b.name(), b.metadata()), (Some(bot.as_str()), Some("helper"), Some("bm")));
    assert_eq!(b.configuration(), Some(&config), "the configuration comes back as it was given");
    let bot_created = b.created_timestamp().unwrap();
    assert_eq!(b.last_updated_timestamp(), Some(bot_created));
    tokio::time::sleep(Duration::from_millis(5)).await;
    let new_config = lex(LEX_ALIAS, Some((StandardMessages::Auto, TargetedMessages::None)), None);
    let up = c.update_app_instance_bot().app_instance_bot_arn(&bot).name("helper-2").metadata("bm2").configuration(new_config.clone()).send().await.unwrap();
    assert_eq!(up.app_instance_bot_arn(), Some(bot.as_str()));
    c.update_app_instance_bot().app_instance_bot_arn(&bot).name("helper-3").metadata("bm3").send().await.unwrap();
    let described = c.describe_app_instance_bot().app_instance_bot_arn(&bot).send().await.unwrap();
    let b = described.app_instance_bot().unwrap();
    assert_eq!((b.name(), b.metadata(), b.configuration()), (Some("helper-3"), Some("bm3"), Some(&new_config)), "no configuration: kept");
    assert!(b.last_updated_timestamp().unwrap() > bot_created && b.created_timestamp() == Some(bot_created));
    let bot_tags = c.list_tags_for_resource().resource_arn(&bot).send().await.unwrap();
    assert_eq!(bot_tags.tags().iter().map(|t| (t.key(), t.value())).collect::<Vec<_>>(), [("kind", "bot")]);
    c.delete_app_instance_bot().app_instance_bot_arn(&bots[6]).send().await.unwrap();
    assert_eq!(err(c.describe_app_instance_bot().app_instance_bot_arn(&bots[6]).send().await), wire(404, "NotFoundException", "NotFound"));
    let page = c.list_app_instance_bots().app_instance_arn(&app).max_results(50).send().await.unwrap();
    assert_eq!((page.app_instance_bots().len(), page.next_token()), (6, None));

    // Expiration: set, described and cleared; expiry applied by the emulator's clock.
    let put = c.put_app_instance_user_expiration_settings().app_instance_user_arn(&users[5]).expiration_settings(expiring_after(7)).send().await.unwrap();
    assert_eq!((put.app_instance_user_arn(), put.expiration_settings()), (Some(users[5].as_str()), Some(&expiring_after(7))));
    let du = c.describe_app_instance_user().app_instance_user_arn(&users[5]).send().await.unwrap();
    assert_eq!(du.app_instance_user().unwrap().expiration_settings(), Some(&expiring_after(7)));
    let short = c
        .create_app_instance_user()
        .app_instance_arn(&app)
        .app_instance_user_id("short-lived")
        .name("Brief")
        .expiration_settings(expiring_after(1))
        .send()
        .await
        .unwrap();
    let short = short.app_instance_user_arn().unwrap().to_string();
    let du = c.describe_app_instance_user().app_instance_user_arn(&short).send().await.unwrap();
    assert_eq!(du.app_instance_user().unwrap().expiration_settings(), Some(&expiring_after(1)));
    emulator.advance_clock(Duration::from_secs(86_400 - 120));
    c.describe_app_instance_user().app_instance_user_arn(&short).send().await.expect("not a day old yet");
    emulator.advance_clock(Duration::from_secs(240));
    assert_eq!(err(c.describe_app_instance_user().app_instance_user_arn(&short).send().await), wire(400, "BadRequestException", "NotFound"));
    let du = c.describe_app_instance_user().app_instance_user_arn(&users[5]).send().await.unwrap();
    assert_eq!(du.app_instance_user().unwrap().expiration_settings(), Some(&expiring_after(7)), "seven days are not over");
    let cleared = c.put_app_instance_user_expiration_settings().app_instance_user_arn(&users[5]).send().await.unwrap();
    assert_eq!(cleared.expiration_settings(), None);
    emulator.advance_clock(Duration::from_secs(30 * 86_400));
    let du = c.describe_app_instance_user().app_instance_user_arn(&users[5]).send().await.unwrap();
    assert_eq!(du.app_instance_user().unwrap().expiration_settings(), None, "cleared settings: the user stays");
    let page = c.list_app_instance_users().app_instance_arn(&app).max_results(50).send().await.unwrap();
    assert_eq!(page.app_instance_users().len(), 12, "the expired user is gone from the list too");

    // Deletes: admin, then user, then the instance, which takes everything inside with it.
    c.delete_app_instance_admin().app_instance_arn(&app).app_instance_admin_arn(&users[1]).send().await.unwrap();
    c.delete_app_instance_user().app_instance_user_arn(&users[1]).send().await.unwrap();
    assert_eq!(err(c.describe_app_instance_user().app_instance_user_arn(&users[1]).send().await), wire(400, "BadRequestException", "NotFound"));
    c.delete_app_instance().app_instance_arn(&app).send().await.unwrap();
    assert_eq!(err(c.describe_app_instance().app_instance_arn(&app).send().await), wire(400, "BadRequestException", "NotFound"));
    assert_eq!(err(c.describe_app_instance_user().app_instance_user_arn(&users[3]).send().await), wire(400, "BadRequestException", "NotFound"));
    assert_eq!(err(c.list_app_instance_users().app_instance_arn(&app).send().await), wire(400, "BadRequestException", "NotFound"));
    assert_eq!(err(c.list_tags_for_resource().resource_arn(u0).send().await), wire(400, "BadRequestException", "NotFound"));
    assert_eq!(err(c.describe_app_instance_bot().app_instance_bot_arn(&bot).send().await), wire(404, "NotFoundException", "NotFound"));
    let remaining: Vec<_> = c.list_app_instances().into_paginator().items().send().collect().await;
    assert_eq!(remaining.len(), 12);

    let served = emulator.served();
    let missing: Vec<&str> = Operation::ALL.iter().filter(|op| !served.contains_key(op)).map(|op| op.name()).collect();
    assert!(missing.is_empty(), "operations never called: {missing:?}");
    assert_eq!(Operation::ALL.len(), 30);
    running.stop().unwrap();
}

#[tokio::test]
async fn modeled_errors() {
    let (_emulator, running) = start();
    let c = client(&running);
    let app = c.create_app_instance().name("errors").send().await.unwrap().app_instance_arn().unwrap().to_string();
    let user = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("u").name("U").send().await.unwrap();
    let user = user.app_instance_user_arn().unwrap().to_string();
    let bad = |code: &str| wire(400, "BadRequestException", code);

    // BadRequestException: constraints the client leaves to the service (@length, @range,
    // @pattern), unknown and foreign-shaped ARNs.
    assert_eq!(err(c.describe_app_instance().app_instance_arn("arn").send().await), bad("BadRequest"), "ChimeArn @length(min: 5)");
    assert_eq!(err(c.create_app_instance().name("").send().await), bad("BadRequest"), "Name @length(min: 1)");
    assert_eq!(err(c.list_app_instances().max_results(51).send().await), bad("BadRequest"), "MaxResults @range(max: 50)");
    let r = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("not valid!").name("x").send().await;
    assert_eq!(err(r), bad("BadRequest"), "UserId pattern");
    let r = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("ok").name("   ").send().await;
    assert_eq!(err(r), bad("BadRequest"), "UserName pattern \\S");
    assert_eq!(err(c.describe_app_instance().app_instance_arn("not-an-arn").send().await), bad("BadRequest"), "ChimeArn pattern");
    assert_eq!(err(c.describe_app_instance().app_instance_arn(format!("{ACCOUNT_PREFIX}nope")).send().await), bad("NotFound"));
    assert_eq!(err(c.describe_app_instance().app_instance_arn(&user).send().await), bad("BadRequest"), "a user ARN where an instance ARN belongs");
    assert_eq!(err(c.list_app_instances().next_token("forged").send().await), bad("BadRequest"), "a NextToken the emulator did not issue");
    let r = c.create_app_instance().name("t").tags(tag("aws:reserved", "x")).send().await;
    assert_eq!(err(r), bad("BadRequest"), "reserved tag prefix");

    // ForbiddenException: another account's resource; a wrong secret.
    let foreign = "arn:aws:chime:us-east-1:999999999999:app-instance/abc";
    assert_eq!(err(c.describe_app_instance().app_instance_arn(foreign).send().await), wire(403, "ForbiddenException", "Forbidden"));
    let wrong_secret = client_with(&running, ACCESS_KEY, "not-the-secret");
    assert_eq!(err(wrong_secret.list_app_instances().send().await), wire(403, "ForbiddenException", "Forbidden"));
    let wrong_key = client_with(&running, "AKIDOTHER", SECRET_KEY);
    assert_eq!(err(wrong_key.list_app_instances().send().await), wire(403, "ForbiddenException", "Forbidden"));

    // UnauthorizedClientException: no signature at all.
    let unsigned = raw(&running, "GET", "/app-instances", "", false).await;
    assert_eq!(wire_of(&unsigned), wire(401, "UnauthorizedClientException", "Unauthorized"));

    // ConflictException: a taken user id, a token reused for another request, an admin twice,
    // deleting a user who is an admin, the same device twice.
    let r = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("u").name("Again").send().await;
    assert_eq!(err(r), wire(409, "ConflictException", "Conflict"));
    c.create_app_instance().name("a").client_request_token("reused-token").send().await.unwrap();
    let r = c.create_app_instance().name("b").client_request_token("reused-token").send().await;
    assert_eq!(err(r), wire(409, "ConflictException", "Conflict"));
    c.create_app_instance_admin().app_instance_arn(&app).app_instance_admin_arn(&user).send().await.unwrap();
    let r = c.create_app_instance_admin().app_instance_arn(&app).app_instance_admin_arn(&user).send().await;
    assert_eq!(err(r), wire(409, "ConflictException", "Conflict"));
    assert_eq!(err(c.delete_app_instance_user().app_instance_user_arn(&user).send().await), wire(409, "ConflictException", "Conflict"));
    let register = |token: String, device: String| {
        c.register_app_instance_user_endpoint()
            .app_instance_user_arn(&user)
            .r#type(AppInstanceUserEndpointType::Apns)
            .resource_arn("arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc")
            .endpoint_attributes(EndpointAttributes::builder().device_token(device).build().unwrap())
            .client_request_token(token)
            .send()
    };
    register("device-a-1".into(), "a".into()).await.unwrap();
    assert_eq!(err(register("device-a-2".into(), "a".into()).await), wire(409, "ConflictException", "Conflict"));

    // ResourceLimitExceededException: more than 10 endpoints, more than 50 tags.
    for i in 1..emulator::MAX_ENDPOINTS_PER_USER {
        register(format!("device-{i}"), format!("d{i}")).await.unwrap();
    }
    let r = register("device-over".into(), "over".into()).await;
    assert_eq!(err(r), wire(400, "ResourceLimitExceededException", "ResourceLimitExceeded"));
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    c.tag_resource().resource_arn(&app).set_tags(Some(fifty)).send().await.unwrap();
    c.tag_resource().resource_arn(&app).tags(tag("k0", "overwrite")).send().await.unwrap();
    let r = c.tag_resource().resource_arn(&app).tags(tag("one-more", "v")).send().await;
    assert_eq!(err(r), wire(400, "ResourceLimitExceededException", "ResourceLimitExceeded"));

    // Unmodeled: no operation at this path.
    let unknown = raw(&running, "GET", "/no-such-thing", "", true).await;
    assert_eq!(wire_of(&unknown), wire(404, "UnknownOperationException", ""));
    running.stop().unwrap();
}

/// A request to the emulator's fault-injection control endpoint (unsigned: it is a local test
/// hook, not part of the Chime API); the status and the body as text.
async fn faults(running: &Running, method: &'static str, body: &str) -> (u16, String) {
    let response = raw(running, method, "/_emulator/faults", body, false).await;
    (response.status, String::from_utf8_lossy(&response.body).into_owned())
}

#[tokio::test]
async fn injected_faults_and_throttling() {
    let (emulator, running) = start();
    let c = client(&running);
    let app = c.create_app_instance().name("faults").send().await.unwrap().app_instance_arn().unwrap().to_string();

    // ThrottledClientException, twice, for DescribeAppInstance only.
    let queued = faults(&running, "POST", r#"{"error":"ThrottledClientException","count":2,"operation":"DescribeAppInstance"}"#).await;
    assert_eq!(queued, (200, r#"{"error":"ThrottledClientException","count":2,"operation":"DescribeAppInstance"}"#.to_string()));
    for _ in 0..2 {
        let e = c.describe_app_instance().app_instance_arn(&app).send().await.expect_err("throttled");
        assert!(e.as_service_error().is_some_and(|e| e.is_throttled_client_exception()), "{e:?}");
        assert_eq!(wire_of(e.raw_response().unwrap()), wire(429, "ThrottledClientException", "Throttled"));
        c.list_app_instances().send().await.expect("other operations are not affected");
    }
    c.describe_app_instance().app_instance_arn(&app).send().await.expect("both throttles are used up");

    // ServiceUnavailableException for whatever operation comes next.
    assert_eq!(faults(&running, "POST", r#"{"error":"ServiceUnavailableException"}"#).await.0, 200);
    let e = c.list_app_instances().send().await.expect_err("unavailable");
    assert!(e.as_service_error().is_some_and(|e| e.is_service_unavailable_exception()), "{e:?}");
    assert_eq!(wire_of(e.raw_response().unwrap()), wire(503, "ServiceUnavailableException", "ServiceUnavailable"));
    let e = c.describe_app_instance().app_instance_arn(&app).send().await;
    assert_eq!(e.unwrap().app_instance().unwrap().name(), Some("faults"));

    // A client with the default retry configuration retries one 503 and succeeds; the
    // emulator answered the operation twice.
    let retrying = Client::from_conf(
        Config::builder()
            .region(Region::from_static(REGION))
            .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "Static"))
            .endpoint_url(running.endpoint_url())
            .build(),
    );
    let before = emulator.served().get(&Operation::DescribeAppInstance).copied().unwrap_or_default();
    faults(&running, "POST", r#"{"error":"ServiceUnavailableException","operation":"DescribeAppInstance"}"#).await;
    let out = retrying.describe_app_instance().app_instance_arn(&app).send().await.expect("retried transparently");
    assert_eq!(out.app_instance().unwrap().app_instance_arn(), Some(app.as_str()));
    assert_eq!(emulator.served().get(&Operation::DescribeAppInstance).copied().unwrap_or_default() - before, 2);

    // Refusals: an error the operation does not list, or not every operation lists; a
    // malformed body; another method.
    let (status, body) = faults(&running, "POST", r#"{"error":"ConflictException","operation":"DescribeAppInstance"}"#).await;
    assert_eq!(status, 400);
    assert!(body.contains("DescribeAppInstance cannot return ConflictException"), "{body}");
    let (status, body) = faults(&running, "POST", r#"{"error":"ConflictException"}"#).await;
    assert!(status == 400 && body.contains("not listed by every operation"), "{body}");
    assert_eq!(faults(&running, "POST", r#"{"error":"ThrottledClientException","count":0}"#).await.0, 400);
    assert_eq!(faults(&running, "GET", "").await.0, 405);
    // Errors other operations list can be injected where the model allows them.
    let (status, _) = faults(&running, "POST", r#"{"error":"ConflictException","operation":"CreateAppInstanceUser"}"#).await;
    assert_eq!(status, 200);
    let r = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("x").name("X").send().await;
    assert_eq!(err(r), wire(409, "ConflictException", "Conflict"));

    // DELETE drops what is pending.
    faults(&running, "POST", r#"{"error":"ThrottledClientException","count":5}"#).await;
    assert_eq!(faults(&running, "DELETE", "").await, (200, r#"{"cleared":5}"#.to_string()));
    c.list_app_instances().send().await.expect("no fault left");
    running.stop().unwrap();
}

#[tokio::test]
async fn max_rps_throttles_per_access_key() {
    let config = emulator::Config { max_rps: NonZeroU32::new(1), ..emulator::Config::default() };
    let running = Emulator::new(config).unwrap().start(0).unwrap();
    let c = client(&running);
    // One request a second: the bucket holds one token, and the next one is a second away.
    c.list_app_instances().send().await.expect("within the rate");
    let e = c.list_app_instances().send().await.expect_err("over the rate");
    assert!(e.as_service_error().is_some_and(|e| e.is_throttled_client_exception()), "{e:?}");
    assert_eq!(wire_of(e.raw_response().unwrap()), wire(429, "ThrottledClientException", "Throttled"));
    running.stop().unwrap();
}

#[tokio::test]
async fn path_escapes_in_arn_labels_are_refused() {
    let (emulator, running) = start();
    let c = client(&running);
    let app = c.create_app_instance().name("escape").send().await.unwrap().app_instance_arn().unwrap().to_string();

    // The client encodes `/` as %2F, so this label arrives as `...app-instance%2F..%2F..%2Ftags`.
    let escape = format!("{app}/../../tags");
    let r = c.describe_app_instance().app_instance_arn(&escape).send().await;
    let e = r.expect_err("refused");
    let raw_response = e.raw_response().expect("service error");
    assert_eq!(wire_of(raw_response), wire(400, "BadRequestException", "BadRequest"));
    assert!(String::from_utf8_lossy(&raw_response.body).contains("path traversal"));
    assert!(e.as_service_error().unwrap().is_bad_request_exception());
    let r = c.delete_app_instance_user().app_instance_user_arn(format!("{app}/user/..")).send().await;
    assert_eq!(err(r), wire(400, "BadRequestException", "BadRequest"));

    // Raw variants: encoded dots, double encoding, backslashes, and a bare `..` segment.
    let encoded_app = app.replace(':', "%3A").replace('/', "%2F");
    for path in [
        format!("/app-instances/{encoded_app}%2F%2E%2E%2F%2E%2E"),
        format!("/app-instances/{encoded_app}%2F%2e%2e"),
        format!("/app-instances/{encoded_app}%252F%252E%252E"),
        format!("/app-instances/{encoded_app}%2F..%5C..%5Cx"),
        "/app-instances/../tags".to_string(),
        "/app-instances/./x".to_string(),
    ] {
        let response = raw(&running, "GET", &path, "", true).await;
        assert_eq!(wire_of(&response), wire(400, "BadRequestException", "BadRequest"), "{path}");
    }
    // None of them reached the instance: it is intact and was never deleted.
    let ok = raw(&running, "GET", &format!("/app-instances/{encoded_app}"), "", true).await;
    assert_eq!(ok.status, 200);
    assert!(!emulator.served().contains_key(&Operation::DeleteAppInstance));
    running.stop().unwrap();
}

#[tokio::test]
async fn raw_requests_the_client_would_not_send() {
    let (_emulator, running) = start();
    let bad = wire(400, "BadRequestException", "BadRequest");
    // Missing required members, malformed JSON, wrong JSON types, unknown enum values,
    // out-of-range and non-numeric query values, lengths.
    for (method, path, body) in [
        ("POST", "/app-instances", "{}"),
        ("POST", "/app-instances", ""),
        ("POST", "/app-instances", r#"{"Name":"x","ClientRequestToken":"tok"#),
        ("POST", "/app-instances", r#"{"Name":5,"ClientRequestToken":"token-1"}"#),
        ("POST", "/app-instances", r#"{"Name":"","ClientRequestToken":"token-1"}"#),
        ("POST", "/app-instances", r#"{"Name":"x","ClientRequestToken":"t"}"#),
        ("POST", "/app-instances", r#"{"Name":"x","ClientRequestToken":"token-1","Tags":[]}"#),
        ("POST", "/app-instances", r#"{"Name":"x","ClientRequestToken":"token-1","Tags":[null]}"#),
        ("POST", "/app-instances", r#"{"Name":"x","ClientRequestToken":"token-1","Tags":[{"Key":"k"}]}"#),
        ("GET", "/app-instances?max-results=0", ""),
        ("GET", "/app-instances?max-results=51", ""),
        ("GET", "/app-instances?max-results=ten", ""),
        ("GET", "/app-instance-users", ""),
        ("POST", "/app-instance-users/arn%3Aaws%3Achime%3Aus-east-1%3A123456789012%3Aapp-instance%2Fa%2Fuser%2Fb/endpoints", r#"{"Type":"SMS","ResourceArn":"arn:aws:x:::y","EndpointAttributes":{"DeviceToken":"d"},"ClientRequestToken":"token-1"}"#),
    ] {
        let response = raw(&running, method, path, body, true).await;
        assert_eq!(wire_of(&response), bad, "{method} {path} {body}");
        let text = String::from_utf8_lossy(&response.body).to_string();
        assert!(text.contains("\"Message\""), "{text}");
    }
    // A well-formed raw request passes the same checks.
    let ok = raw(&running, "POST", "/app-instances", r#"{"Name":"x","ClientRequestToken":"token-1","Tags":[{"Key":"k","Value":"v"}]}"#, true).await;
    assert_eq!(ok.status, 201, "{}", String::from_utf8_lossy(&ok.body));
    // A signature from 20 minutes ago has expired.
    let mut stale = HttpRequest {
        method: "GET".into(),
        uri: Uri::parse(&format!("{}/app-instances", running.endpoint_url())).unwrap(),
        headers: Headers::new(),
        body: Vec::new(),
    };
    let credentials = Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "Static");
    let settings = SigningSettings::default();
    let time = SystemTime::now() - Duration::from_secs(20 * 60);
    client_runtime::sigv4::sign(&mut stale, &SigningParams { credentials: &credentials, region: REGION, service: "chime", time, settings: &settings }).unwrap();
    let transport = client_runtime::transport::Transport::builder().build().unwrap();
    let response = transport.send(&stale).await.unwrap();
    assert_eq!(wire_of(&response), wire(403, "ForbiddenException", "Forbidden"));
    running.stop().unwrap();
}

#[tokio::test]
async fn state_persists_and_failed_writes_roll_back() {
    let dir = std::env::temp_dir().join(format!("chime-emulator-scenario-{}", client_runtime::rand::uuid_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let config = emulator::Config { state_file: Some(path.clone()), ..emulator::Config::default() };

    let running = Emulator::new(config.clone()).unwrap().start(0).unwrap();
    let c = client(&running);
    let app = c.create_app_instance().name("kept").client_request_token("persisted-token").send().await.unwrap();
    let app = app.app_instance_arn().unwrap().to_string();
    let user = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("kept-user").name("K").send().await.unwrap();
    let user = user.app_instance_user_arn().unwrap().to_string();
    c.tag_resource().resource_arn(&user).tags(tag("k", "v")).send().await.unwrap();
    running.stop().unwrap();
    assert!(path.exists());

    let running = Emulator::new(config.clone()).unwrap().start(0).unwrap();
    let c = client(&running);
    let described = c.describe_app_instance_user().app_instance_user_arn(&user).send().await.unwrap();
    assert_eq!(described.app_instance_user().unwrap().name(), Some("K"));
    assert_eq!(c.list_tags_for_resource().resource_arn(&user).send().await.unwrap().tags().len(), 1);
    let replay = c.create_app_instance().name("kept").client_request_token("persisted-token").send().await.unwrap();
    assert_eq!(replay.app_instance_arn(), Some(app.as_str()), "idempotency records survive a restart");

    // ServiceFailureException: the state can no longer be written; the change is undone.
    std::fs::remove_dir_all(&dir).unwrap();
    let r = c.create_app_instance().name("lost").send().await;
    assert_eq!(err(r), wire(500, "ServiceFailureException", "ServiceFailure"));
    let names: Vec<String> = c
        .list_app_instances()
        .send()
        .await
        .unwrap()
        .app_instances()
        .iter()
        .map(|a| a.name().unwrap().to_string())
        .collect();
    assert_eq!(names, ["kept"]);
    running.stop().unwrap();
}

#[tokio::test]
async fn bot_and_expiration_errors() {
    let (_emulator, running) = start();
    let c = client(&running);
    let app = c.create_app_instance().name("bots").send().await.unwrap().app_instance_arn().unwrap().to_string();
    let user = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("u").name("U").send().await.unwrap();
    let user = user.app_instance_user_arn().unwrap().to_string();
    let bad = |code: &str| wire(400, "BadRequestException", code);
    let create = |config: Configuration| c.create_app_instance_bot().app_instance_arn(&app).configuration(config);

    // Constraints the service checks: the alias ARN's @pattern and @length, the intent's @pattern,
    // ExpirationDays' @range.
    let wrong_alias = "arn:aws:lex:us-east-1:123456789012:bot-alias/short/KLMNOPQRST";
    assert_eq!(err(create(lex(wrong_alias, None, None)).send().await), bad("BadRequest"), "LexBotAliasArn @pattern");
    assert_eq!(err(create(lex("arn:aws:lex", None, None)).send().await), bad("BadRequest"), "LexBotAliasArn @length(min: 15)");
    assert_eq!(err(create(lex(LEX_ALIAS, None, Some("9lives"))).send().await), bad("BadRequest"), "LexIntentName @pattern");
    let put = |days: i32| c.put_app_instance_user_expiration_settings().app_instance_user_arn(&user).expiration_settings(expiring_after(days));
    assert_eq!(err(put(0).send().await), bad("BadRequest"), "ExpirationDays @range(min: 1)");
    assert_eq!(err(put(5476).send().await), bad("BadRequest"), "ExpirationDays @range(max: 5475)");
    put(5475).send().await.expect("the largest ExpirationDays");
    let r = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("v").name("V").expiration_settings(expiring_after(0)).send().await;
    assert_eq!(err(r), bad("BadRequest"), "ExpirationDays @range on create");
    // RespondsTo is deprecated in favour of InvokedBy: one or the other.
    let mut both = lex(LEX_ALIAS, Some((StandardMessages::All, TargetedMessages::All)), None);
    both.lex.responds_to = Some(RespondsTo::StandardMessages);
    assert_eq!(err(create(both).send().await), bad("BadRequest"), "RespondsTo and InvokedBy");
    let mut old_style = lex(LEX_ALIAS, None, None);
    old_style.lex.responds_to = Some(RespondsTo::StandardMessages);
    let bot = create(old_style.clone()).send().await.unwrap().app_instance_bot_arn().unwrap().to_string();
    let described = c.describe_app_instance_bot().app_instance_bot_arn(&bot).send().await.unwrap();
    assert_eq!(described.app_instance_bot().unwrap().configuration(), Some(&old_style));
    assert_eq!(described.app_instance_bot().unwrap().name(), None, "Name is optional on create");

    // Unknown bots: NotFoundException where the operation lists it, BadRequest/NotFound elsewhere.
    let missing = format!("{app}/bot/00000000-0000-0000-0000-000000000000");
    assert_eq!(err(c.describe_app_instance_bot().app_instance_bot_arn(&missing).send().await), wire(404, "NotFoundException", "NotFound"));
    assert_eq!(err(c.update_app_instance_bot().app_instance_bot_arn(&missing).name("n").metadata("m").send().await), bad("NotFound"));
    assert_eq!(err(c.delete_app_instance_bot().app_instance_bot_arn(&missing).send().await), bad("NotFound"));
    assert_eq!(err(c.describe_app_instance_bot().app_instance_bot_arn(&user).send().await), bad("BadRequest"), "a user ARN is no bot ARN");
    let other_account = "arn:aws:chime:us-east-1:999999999999:app-instance/x/bot/y";
    assert_eq!(err(c.describe_app_instance_bot().app_instance_bot_arn(other_account).send().await), wire(403, "ForbiddenException", "Forbidden"));
    assert_eq!(err(c.list_app_instance_bots().app_instance_arn(format!("{app}-gone")).send().await), bad("NotFound"));
    assert_eq!(err(c.list_app_instance_bots().app_instance_arn(&app).next_token("bogus").send().await), bad("BadRequest"));
    let gone = format!("{app}/user/nobody");
    assert_eq!(err(c.put_app_instance_user_expiration_settings().app_instance_user_arn(&gone).send().await), bad("NotFound"));

    // A token reused for another request conflicts.
    let token = |name: &str| c.create_app_instance_bot().app_instance_arn(&app).name(name).configuration(lex(LEX_ALIAS, None, None)).client_request_token("tok-1");
    token("first").send().await.unwrap();
    assert_eq!(err(token("second").send().await), wire(409, "ConflictException", "Conflict"));
    running.stop().unwrap();
}

#[tokio::test]
async fn bots_and_expiring_users_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("chime-emulator-bots-{}", client_runtime::rand::uuid_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = emulator::Config { state_file: Some(dir.join("state.json")), ..emulator::Config::default() };
    let running = Emulator::new(config.clone()).unwrap().start(0).unwrap();
    let c = client(&running);
    let app = c.create_app_instance().name("persist").send().await.unwrap().app_instance_arn().unwrap().to_string();
    let configuration = lex(LEX_ALIAS, Some((StandardMessages::None, TargetedMessages::All)), Some("Hi"));
    let bot = c.create_app_instance_bot().app_instance_arn(&app).name("b").metadata("m").configuration(configuration.clone()).send().await.unwrap();
    let bot = bot.app_instance_bot_arn().unwrap().to_string();
    let user = c.create_app_instance_user().app_instance_arn(&app).app_instance_user_id("u").name("U").expiration_settings(expiring_after(2)).send().await.unwrap();
    let user = user.app_instance_user_arn().unwrap().to_string();
    running.stop().unwrap();

    let emulator = Emulator::new(config).unwrap();
    let running = emulator.clone().start(0).unwrap();
    let c = client(&running);
    let b = c.describe_app_instance_bot().app_instance_bot_arn(&bot).send().await.unwrap();
    assert_eq!(b.app_instance_bot().unwrap().configuration(), Some(&configuration));
    let u = c.describe_app_instance_user().app_instance_user_arn(&user).send().await.unwrap();
    assert_eq!(u.app_instance_user().unwrap().expiration_settings(), Some(&expiring_after(2)));
    // The clock is the emulator's own: a new process starts at the wall clock again.
    assert_eq!(emulator.clock_offset(), Duration::ZERO);
    emulator.advance_clock(Duration::from_secs(2 * 86_400 + 1));
    assert_eq!(err(c.describe_app_instance_user().app_instance_user_arn(&user).send().await), wire(400, "BadRequestException", "NotFound"));
    running.stop().unwrap();
    let saved = std::fs::read_to_string(dir.join("state.json")).unwrap();
    assert!(!saved.contains("\"id\":\"u\""), "the expired user is gone from the state file: {saved}");
    std::fs::remove_dir_all(&dir).unwrap();
}
