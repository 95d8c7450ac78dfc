//! A program written against the documented API of the AWS SDK for Rust's
//! `aws-sdk-chimesdkidentity` (docs.rs), with only the crate name changed: it must compile
//! against this project's client unchanged and run against the emulator. Every operation (all 30),
//! error handling through `SdkError`, pagination, config, primitives and unit-test helpers;
//! per-call `customize()`, a client from an `aws_types::SdkConfig` (feature `aws-sdk-config`),
//! and unit tests with `aws-smithy-mocks`-style rules (feature `test-util`, imported under the
//! name `aws_smithy_mocks`).

use std::time::{Duration, SystemTime};

use chime_sdk_identity as aws_sdk_chimesdkidentity;

use aws_sdk_chimesdkidentity::config::retry::{RetryConfig, RetryMode};
use aws_sdk_chimesdkidentity::config::timeout::TimeoutConfig;
use aws_sdk_chimesdkidentity::config::{
    BehaviorVersion, Credentials, Region, SharedCredentialsProvider, StalledStreamProtectionConfig,
};
use aws_sdk_chimesdkidentity::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_chimesdkidentity::operation::create_app_instance::{CreateAppInstanceError, CreateAppInstanceOutput};
use aws_sdk_chimesdkidentity::operation::describe_app_instance::DescribeAppInstanceError;
use aws_sdk_chimesdkidentity::operation::list_app_instance_users::ListAppInstanceUsersOutput;
use aws_sdk_chimesdkidentity::operation::RequestId;
use aws_sdk_chimesdkidentity::primitives::{DateTime, DateTimeFormat};
use aws_sdk_chimesdkidentity::types::{
    AllowMessages, AppInstanceBotSummary, AppInstanceRetentionSettings, AppInstanceUserEndpointType,
    ChannelRetentionSettings, Configuration, EndpointAttributes, ExpirationCriterion, ExpirationSettings,
    InvokedBy, LexConfiguration, RespondsTo, StandardMessages, Tag, TargetedMessages,
};
use aws_sdk_chimesdkidentity::{Client, Config, Error};

/// Configuration as SDK users write it.
fn sdk_config(endpoint: &str) -> Config {
    Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "example",
        )))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(30))
                .operation_attempt_timeout(Duration::from_secs(10))
                .connect_timeout(Duration::from_secs(3))
                .build(),
        )
        .stalled_stream_protection(StalledStreamProtectionConfig::enabled().grace_period(Duration::from_secs(5)).build())
        .build()
}

/// Error handling in the SDK's documented style.
async fn describe_or_explain(client: &Client, arn: &str) -> Result<Option<String>, Error> {
    match client.describe_app_instance().app_instance_arn(arn).send().await {
        Ok(out) => Ok(out.app_instance().and_then(|a| a.name()).map(str::to_string)),
        Err(err) => {
            if let Some(DescribeAppInstanceError::ForbiddenException(e)) = err.as_service_error() {
                eprintln!("forbidden: {:?}", e.message());
            }
            eprintln!("code {:?} message {:?} request id {:?}", err.code(), err.message(), err.request_id());
            eprintln!("{}", DisplayErrorContext(&err));
            if let Some(raw) = err.raw_response() {
                eprintln!("status {}", raw.status().as_u16());
            }
            match err.into_service_error() {
                DescribeAppInstanceError::BadRequestException(e) => {
                    eprintln!("bad request: {e}");
                    Ok(None)
                }
                other => Err(other.into()),
            }
        }
    }
}

fn classify(err: &SdkError<CreateAppInstanceError>) -> &'static str {
    match err {
        SdkError::ConstructionFailure(_) => "construction",
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(e) if e.is_io() || e.is_timeout() => "dispatch-io",
        SdkError::DispatchFailure(_) => "dispatch",
        SdkError::ResponseError(e) => {
            let _ = e.raw();
            "response"
        }
        SdkError::ServiceError(e) => {
            let _ = (e.err(), e.raw());
            "service"
        }
        _ => "other",
    }
}

/// The `?` operator into the service-wide error, as SDK examples do.
async fn every_operation(client: &Client) -> Result<(), Error> {
    let created: CreateAppInstanceOutput = client
        .create_app_instance()
        .name("drop-in")
        .metadata("m")
        .client_request_token("token-0001")
        .tags(Tag::builder().key("team").value("rust").build()?)
        .send()
        .await?;
    let _request_id: Option<&str> = created.request_id();
    let arn = created.app_instance_arn().expect("an ARN").to_string();

    client.update_app_instance().app_instance_arn(&arn).name("drop-in-2").metadata("m2").send().await?;
    assert_eq!(describe_or_explain(client, &arn).await?.as_deref(), Some("drop-in-2"));

    let user = client
        .create_app_instance_user()
        .app_instance_arn(&arn)
        .app_instance_user_id("ada")
        .name("Ada")
        .client_request_token("token-0002")
        .send()
        .await?;
    let user_arn = user.app_instance_user_arn().unwrap_or_default().to_string();
    client.describe_app_instance_user().app_instance_user_arn(&user_arn).send().await?;
    client.update_app_instance_user().app_instance_user_arn(&user_arn).name("Ada L").metadata("x").send().await?;

    let mut pages = client.list_app_instance_users().app_instance_arn(&arn).into_paginator().page_size(1).send();
    while let Some(page) = pages.try_next().await? {
        let page: ListAppInstanceUsersOutput = page;
        for u in page.app_instance_users() {
            let _ = u.name();
        }
    }
    let users = client
        .list_app_instance_users()
        .app_instance_arn(&arn)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await?;
    assert_eq!(users.len(), 1);
    let all: Vec<_> = client.list_app_instances().into_paginator().send().collect::<Result<Vec<_>, _>>().await?;
    assert!(!all.is_empty());

    client.create_app_instance_admin().app_instance_arn(&arn).app_instance_admin_arn(&user_arn).send().await?;
    client.describe_app_instance_admin().app_instance_arn(&arn).app_instance_admin_arn(&user_arn).send().await?;
    let admins = client.list_app_instance_admins().app_instance_arn(&arn).into_paginator().items().send().try_collect().await?;
    assert_eq!(admins.len(), 1);
    client.delete_app_instance_admin().app_instance_arn(&arn).app_instance_admin_arn(&user_arn).send().await?;

    client
        .put_app_instance_retention_settings()
        .app_instance_arn(&arn)
        .app_instance_retention_settings(
            AppInstanceRetentionSettings::builder()
                .channel_retention_settings(ChannelRetentionSettings::builder().retention_days(30).build())
                .build(),
        )
        .send()
        .await?;
    let retention = client.get_app_instance_retention_settings().app_instance_arn(&arn).send().await?;
    let started: Option<&DateTime> = retention.initiate_deletion_timestamp();
    if let Some(t) = started {
        let _ = (t.secs(), t.subsec_nanos(), t.to_millis(), t.fmt(DateTimeFormat::DateTime));
    }

    let endpoint = client
        .register_app_instance_user_endpoint()
        .app_instance_user_arn(&user_arn)
        .name("phone")
        .r#type(AppInstanceUserEndpointType::Apns)
        .resource_arn("arn:aws:sns:us-east-1:123456789012:app/APNS/x")
        .endpoint_attributes(EndpointAttributes::builder().device_token("device-token").build()?)
        .client_request_token("token-0003")
        .allow_messages(AllowMessages::All)
        .send()
        .await?;
    let endpoint_id = endpoint.endpoint_id().unwrap_or_default().to_string();
    client
        .describe_app_instance_user_endpoint()
        .app_instance_user_arn(&user_arn)
        .endpoint_id(&endpoint_id)
        .send()
        .await?;
    client
        .update_app_instance_user_endpoint()
        .app_instance_user_arn(&user_arn)
        .endpoint_id(&endpoint_id)
        .name("tablet")
        .allow_messages(AllowMessages::None)
        .send()
        .await?;
    let endpoints = client
        .list_app_instance_user_endpoints()
        .app_instance_user_arn(&user_arn)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await?;
    assert_eq!(endpoints.len(), 1);
    client
        .deregister_app_instance_user_endpoint()
        .app_instance_user_arn(&user_arn)
        .endpoint_id(&endpoint_id)
        .send()
        .await?;

    client.tag_resource().resource_arn(&arn).tags(Tag::builder().key("k").value("v").build()?).send().await?;
    let tags = client.list_tags_for_resource().resource_arn(&arn).send().await?;
    assert!(tags.tags().iter().any(|t| t.key() == "k"));
    client.untag_resource().resource_arn(&arn).tag_keys("k").send().await?;

    // Bots (the model's 2023 additions), with the SDK's fallible builders for required members.
    let lex = LexConfiguration::builder()
        .lex_bot_alias_arn("arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST")
        .locale_id("en_US")
        .welcome_intent("Greeting")
        .invoked_by(
            InvokedBy::builder()
                .standard_messages(StandardMessages::Mentions)
                .targeted_messages(TargetedMessages::All)
                .build()?,
        )
        .build()?;
    let bot = client
        .create_app_instance_bot()
        .app_instance_arn(&arn)
        .name("helper")
        .metadata("bot metadata")
        .client_request_token("token-0004")
        .configuration(Configuration::builder().lex(lex).build()?)
        .tags(Tag::builder().key("kind").value("bot").build()?)
        .send()
        .await?;
    let bot_arn = bot.app_instance_bot_arn().unwrap_or_default().to_string();
    let described = client.describe_app_instance_bot().app_instance_bot_arn(&bot_arn).send().await?;
    let described_bot = described.app_instance_bot().expect("a bot");
    assert_eq!(described_bot.name(), Some("helper"));
    let locale = described_bot.configuration().map(|c| c.lex().locale_id());
    assert_eq!(locale, Some("en_US"));
    let renamed = Configuration::builder()
        .lex(
            LexConfiguration::builder()
                .responds_to(RespondsTo::StandardMessages)
                .lex_bot_alias_arn("arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/KLMNOPQRST")
                .locale_id("en_GB")
                .build()?,
        )
        .build()?;
    client
        .update_app_instance_bot()
        .app_instance_bot_arn(&bot_arn)
        .name("helper-2")
        .metadata("m3")
        .configuration(renamed)
        .send()
        .await?;
    let bots: Vec<AppInstanceBotSummary> =
        client.list_app_instance_bots().app_instance_arn(&arn).max_results(10).into_paginator().items().send().try_collect().await?;
    assert_eq!(bots.iter().filter_map(|b| b.name()).collect::<Vec<_>>(), ["helper-2"]);
    client.delete_app_instance_bot().app_instance_bot_arn(&bot_arn).send().await?;

    // User expiration settings.
    let expiring = client
        .put_app_instance_user_expiration_settings()
        .app_instance_user_arn(&user_arn)
        .expiration_settings(
            ExpirationSettings::builder()
                .expiration_days(7)
                .expiration_criterion(ExpirationCriterion::CreatedTimestamp)
                .build()?,
        )
        .send()
        .await?;
    assert_eq!(expiring.expiration_settings().map(|e| e.expiration_days()), Some(7));
    let described_user = client.describe_app_instance_user().app_instance_user_arn(&user_arn).send().await?;
    let criterion = described_user.app_instance_user().and_then(|u| u.expiration_settings()).map(|e| e.expiration_criterion().as_str());
    assert_eq!(criterion, Some("CREATED_TIMESTAMP"));

    client.delete_app_instance_user().app_instance_user_arn(&user_arn).send().await?;
    client.delete_app_instance().app_instance_arn(&arn).send().await?;
    Ok(())
}

#[tokio::test]
async fn a_program_written_for_the_aws_sdk_compiles_and_runs_unchanged() {
    let emulator = emulator::Emulator::new(emulator::Config::default()).expect("default config");
    let running = emulator.start(0).expect("listening");
    let client = Client::from_conf(sdk_config(&running.endpoint_url()));
    every_operation(&client).await.unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));

    // A modeled error, seen through every accessor.
    let err = client
        .describe_app_instance()
        .app_instance_arn("arn:aws:chime:us-east-1:123456789012:app-instance/missing")
        .send()
        .await
        .unwrap_err();
    assert!(err.code().is_some(), "{err:?}");
    assert!(err.raw_response().is_some_and(|r| !r.status().is_success()));
    let service_error: DescribeAppInstanceError = err.into_service_error();
    assert!(service_error.meta().code().is_some());

    // Not a service error: `into_service_error` still gives the operation's error (unhandled).
    let offline = Client::from_conf(sdk_config("http://127.0.0.1:9"));
    let err = offline.create_app_instance().name("x").client_request_token("token-offline").send().await.unwrap_err();
    assert_eq!(classify(&err), "dispatch-io");
    let unhandled = err.into_service_error();
    assert!(matches!(unhandled, CreateAppInstanceError::Unhandled(_)) || unhandled.meta().code().is_none());

    // Unit-test helpers from the SDK's docs.
    let t = DateTime::from_secs(1_700_000_000);
    assert_eq!(t.fmt(DateTimeFormat::DateTime).unwrap(), "2023-11-14T22:13:20Z");
    assert_eq!(t.to_millis().unwrap(), 1_700_000_000_000);
    let _ = DateTime::from(SystemTime::UNIX_EPOCH);
    let _ = RetryConfig::disabled();
    let _: RetryMode = RetryMode::Standard;
    let output = CreateAppInstanceOutput::builder().app_instance_arn("arn").build();
    assert_eq!(output.app_instance_arn(), Some("arn"));
}

// ---- Per-call customization, `SdkConfig` and mocks, as the SDK's documentation shows them ----

use aws_sdk_chimesdkidentity::operation::describe_app_instance::DescribeAppInstanceOutput;
use aws_sdk_chimesdkidentity::operation::list_app_instances::ListAppInstancesOutput;
use aws_sdk_chimesdkidentity::test_util::mocks as aws_smithy_mocks;
use aws_sdk_chimesdkidentity::types::error::ForbiddenException;
use aws_sdk_chimesdkidentity::types::{AppInstance, AppInstanceSummary};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

/// What `aws_config::load_defaults(BehaviorVersion::latest()).await` returns, built by hand
/// with aws-types' builder (aws-config itself is not a dependency of these tests).
fn loaded_sdk_config(endpoint: &str) -> aws_types::SdkConfig {
    aws_types::SdkConfig::builder()
        .region(aws_types::region::Region::new("us-east-1"))
        .credentials_provider(aws_types::sdk_config::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                None,
                None,
                "loaded",
            ),
        ))
        .endpoint_url(endpoint)
        .retry_config(aws_types::sdk_config::RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            aws_types::sdk_config::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .build()
}

#[tokio::test]
async fn a_client_from_an_sdk_config_runs_against_the_emulator() {
    let emulator = emulator::Emulator::new(emulator::Config::default()).expect("default config");
    let running = emulator.start(0).expect("listening");
    let sdk_config = loaded_sdk_config(&running.endpoint_url());

    // `Client::new(&sdk_config)`, as in every SDK example.
    let client = Client::new(&sdk_config);
    let created = client.create_app_instance().name("from-sdk-config").client_request_token("token-sdk-1").send().await;
    let arn = created.unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e))).app_instance_arn().unwrap_or_default().to_string();
    assert_eq!(client.config().retry_config().max_attempts(), 2);

    // A service config built from the shared one, with a service-specific change.
    let config = aws_sdk_chimesdkidentity::config::Builder::from(&sdk_config)
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    let client = Client::from_conf(config);
    let described = client.describe_app_instance().app_instance_arn(&arn).send().await.expect("described");
    assert_eq!(described.app_instance().and_then(|a| a.name()), Some("from-sdk-config"));
    let client = Client::from_conf(Config::new(&sdk_config));
    client.delete_app_instance().app_instance_arn(&arn).send().await.expect("deleted");
}

#[tokio::test]
async fn customize_overrides_one_call_against_the_emulator() {
    let emulator = emulator::Emulator::new(emulator::Config::default()).expect("default config");
    let running = emulator.start(0).expect("listening");
    let client = Client::from_conf(sdk_config(&running.endpoint_url()));

    // The emulator only accepts signatures for us-east-1: a region override for one call shows
    // in that call's signature, and the client keeps its own region.
    let err = client
        .list_app_instances()
        .customize()
        .config_override(Config::builder().behavior_version_latest().region(Region::new("eu-west-1")))
        .send()
        .await
        .expect_err("signed for eu-west-1");
    let text = DisplayErrorContext(&err).to_string();
    assert!(text.contains("eu-west-1"), "{text}");
    client.list_app_instances().send().await.expect("the client's region");

    // A header added before signing is covered by the signature the emulator checks.
    let out = client
        .list_app_instances()
        .max_results(5)
        .customize()
        .mutate_request(|req| req.headers_mut().insert("x-example-trace", "abc123"))
        .config_override(aws_sdk_chimesdkidentity::config::Builder::default().retry_config(RetryConfig::standard().with_max_attempts(1)))
        .send()
        .await;
    let out: ListAppInstancesOutput = out.unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));
    let _ = out.app_instances();
}

#[tokio::test]
async fn unit_tests_with_mocks_as_in_the_sdk_docs() {
    // Rules matched by the typed input, as in the aws-smithy-mocks README.
    let found = mock!(Client::describe_app_instance)
        .match_requests(|req| req.app_instance_arn() == Some("arn:found"))
        .then_output(|| {
            DescribeAppInstanceOutput::builder()
                .app_instance(AppInstance::builder().app_instance_arn("arn:found").name("Found").build())
                .build()
        });
    let forbidden = mock!(Client::describe_app_instance)
        .match_requests(|req| req.app_instance_arn() == Some("arn:secret"))
        .then_error(|| DescribeAppInstanceError::ForbiddenException(ForbiddenException::builder().message("no").build()));
    let client = mock_client!(aws_sdk_chimesdkidentity, RuleMode::MatchAny, [&found, &forbidden]);

    assert_eq!(describe_or_explain(&client, "arn:found").await.expect("found").as_deref(), Some("Found"));
    let err = client.describe_app_instance().app_instance_arn("arn:secret").send().await.expect_err("forbidden");
    assert!(matches!(err.into_service_error(), DescribeAppInstanceError::ForbiddenException(_)));
    assert_eq!(found.num_calls(), 1);
    assert_eq!(forbidden.num_calls(), 1);

    // Retries, as in the README's "Testing Retry Behavior".
    let retried = mock!(Client::list_app_instances)
        .sequence()
        .http_status(503, None)
        .times(2)
        .output(|| {
            ListAppInstancesOutput::builder()
                .app_instances(AppInstanceSummary::builder().app_instance_arn("arn:one").build())
                .build()
        })
        .build();
    let client = mock_client!(aws_sdk_chimesdkidentity, [&retried]);
    let out = client.list_app_instances().send().await.expect("success on the third attempt");
    assert_eq!(out.app_instances().len(), 1);
    assert_eq!(retried.num_calls(), 3);
}
