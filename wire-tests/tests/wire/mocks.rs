//! Typed mock rules (feature `test-util`, issue 12), written as `aws-smithy-mocks` users write
//! them: rules matched by the typed input answer with outputs, modeled errors or HTTP
//! responses; counts; rule modes; sequences through the retry loop; unmatched calls.

use chime_sdk_identity::config::RetryConfig;
use chime_sdk_identity::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use chime_sdk_identity::operation::create_app_instance::CreateAppInstanceOutput;
use chime_sdk_identity::operation::describe_app_instance::{
    DescribeAppInstanceError, DescribeAppInstanceOutput,
};
use chime_sdk_identity::operation::RequestId;
use chime_sdk_identity::test_util::mocks::{mock, mock_client, RuleMode};
use chime_sdk_identity::test_util::response;
use chime_sdk_identity::types::error::BadRequestException;
use chime_sdk_identity::types::AppInstance;
use chime_sdk_identity::Client;

const FOUND: &str = "arn:aws:chime:us-east-1:123456789012:app-instance/found";
const MISSING: &str = "arn:aws:chime:us-east-1:123456789012:app-instance/missing";

fn described(name: &str) -> DescribeAppInstanceOutput {
    DescribeAppInstanceOutput::builder()
        .app_instance(
            AppInstance::builder()
                .app_instance_arn(FOUND)
                .name(name)
                .build(),
        )
        .build()
}

async fn describe(
    client: &Client,
    arn: &str,
) -> Result<DescribeAppInstanceOutput, SdkError<DescribeAppInstanceError>> {
    client
        .describe_app_instance()
        .app_instance_arn(arn)
        .send()
        .await
}

fn name(out: &DescribeAppInstanceOutput) -> Option<&str> {
    out.app_instance().and_then(|a| a.name())
}

#[tokio::test]
async fn rules_match_by_input_and_count_their_calls() {
    let found = mock!(Client::describe_app_instance)
        .match_requests(|input| input.app_instance_arn() == Some(FOUND))
        .then_output(|| described("found"));
    let missing = mock!(Client::describe_app_instance)
        .match_requests(|input| input.app_instance_arn() == Some(MISSING))
        .then_error(|| {
            DescribeAppInstanceError::BadRequestException(
                BadRequestException::builder()
                    .message("no such instance")
                    .build(),
            )
        });
    let client = mock_client!(chime_sdk_identity, [&found, &missing]);

    for _ in 0..2 {
        let out = describe(&client, FOUND)
            .await
            .expect("the found rule answers");
        assert_eq!(name(&out), Some("found"));
    }
    let err = describe(&client, MISSING)
        .await
        .expect_err("the error rule answers");
    assert!(matches!(err, SdkError::ServiceError(_)), "{err:?}");
    match err.into_service_error() {
        DescribeAppInstanceError::BadRequestException(e) => {
            assert_eq!(e.message(), Some("no such instance"));
        }
        other => panic!("expected BadRequestException, got {other:?}"),
    }
    assert_eq!((found.num_calls(), missing.num_calls()), (2, 1));
}

#[tokio::test]
async fn an_unmatched_call_fails_naming_the_operation() {
    let found = mock!(Client::describe_app_instance)
        .match_requests(|input| input.app_instance_arn() == Some(FOUND))
        .then_output(|| described("found"));
    let client = mock_client!(chime_sdk_identity, [&found]);
    let err = describe(&client, MISSING)
        .await
        .expect_err("no rule matches");
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
    let text = DisplayErrorContext(&err).to_string();
    assert!(
        text.contains("no mock rule matches this DescribeAppInstance call"),
        "{text}"
    );
    // Another operation has no rule at all.
    let err = client
        .list_app_instances()
        .send()
        .await
        .expect_err("no rule for ListAppInstances");
    assert!(
        DisplayErrorContext(&err)
            .to_string()
            .contains("ListAppInstances"),
        "{}",
        DisplayErrorContext(&err)
    );
    assert_eq!(found.num_calls(), 0);
}

#[tokio::test]
async fn sequential_rules_answer_in_order_once_each() {
    // Rules see the input as sent: the token the caller left unset is filled (test defaults).
    let create = mock!(Client::create_app_instance)
        .match_requests(|input| {
            input.client_request_token() == Some("00000000-0000-4000-8000-000000000000")
        })
        .then_compute_output(|input| {
            CreateAppInstanceOutput::builder()
                .app_instance_arn(format!("arn:x/{}", input.name().unwrap_or_default()))
                .build()
        });
    let describe_rule = mock!(Client::describe_app_instance).then_output(|| described("second"));
    let client = mock_client!(
        chime_sdk_identity,
        RuleMode::Sequential,
        [&create, &describe_rule]
    );

    let err = describe(&client, FOUND)
        .await
        .expect_err("create comes first");
    assert!(
        DisplayErrorContext(&err)
            .to_string()
            .contains("the next mock rule in sequence (for CreateAppInstance)"),
        "{}",
        DisplayErrorContext(&err)
    );
    let created = client
        .create_app_instance()
        .name("one")
        .send()
        .await
        .expect("the first rule");
    assert_eq!(created.app_instance_arn(), Some("arn:x/one"));
    let out = describe(&client, FOUND).await.expect("the second rule");
    assert_eq!(name(&out), Some("second"));
    let err = describe(&client, FOUND)
        .await
        .expect_err("every rule is used up");
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
    assert_eq!((create.num_calls(), describe_rule.num_calls()), (1, 1));
}

#[tokio::test]
async fn sequences_run_through_the_retry_loop() {
    let rule = mock!(Client::describe_app_instance)
        .sequence()
        .http_status(503, None)
        .times(2)
        .output(|| described("third time"))
        .build();
    let client = mock_client!(chime_sdk_identity, [&rule]);
    let out = describe(&client, FOUND)
        .await
        .expect("two retries, then the output");
    assert_eq!(name(&out), Some("third time"));
    assert_eq!(rule.num_calls(), 3, "one count per attempt");
    let err = describe(&client, FOUND)
        .await
        .expect_err("the sequence is used up");
    assert!(matches!(err, SdkError::ConstructionFailure(_)), "{err:?}");
    assert_eq!(rule.num_calls(), 3);

    // `repeatedly` never runs out; a configuration change limits the attempts.
    let flaky = mock!(Client::describe_app_instance)
        .sequence()
        .http_status(503, None)
        .repeatedly()
        .build();
    let client = mock_client!(chime_sdk_identity, RuleMode::MatchAny, [&flaky], |config| {
        config.retry_config(RetryConfig::standard().with_max_attempts(2))
    });
    for _ in 0..2 {
        let err = describe(&client, FOUND).await.expect_err("always 503");
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(503));
    }
    assert_eq!(flaky.num_calls(), 4, "two calls of two attempts");
}

#[tokio::test]
async fn http_responses_are_read_by_the_operation_deserializers() {
    let rule = mock!(Client::describe_app_instance).then_http_response(|| {
        response(
            400,
            &[
                ("content-type", "application/json"),
                ("x-amzn-errortype", "BadRequestException"),
                ("x-amzn-requestid", "req-mock"),
            ],
            r#"{"Code":"BadRequest","Message":"from the wire"}"#,
        )
    });
    let client = mock_client!(chime_sdk_identity, [&rule]);
    let err = describe(&client, FOUND).await.expect_err("a modeled error");
    assert_eq!(err.code(), Some("BadRequestException"));
    assert_eq!(err.request_id(), Some("req-mock"));
    match err.into_service_error() {
        DescribeAppInstanceError::BadRequestException(e) => {
            assert_eq!(e.message(), Some("from the wire"));
        }
        other => panic!("expected BadRequestException, got {other:?}"),
    }

    let ok = mock!(Client::describe_app_instance).then_http_response(|| {
        response(
            200,
            &[("content-type", "application/json")],
            r#"{"AppInstance":{"AppInstanceArn":"arn:wire","Name":"wire"}}"#,
        )
    });
    let client = mock_client!(chime_sdk_identity, [&ok]);
    let out = describe(&client, FOUND).await.expect("deserialized");
    assert_eq!(name(&out), Some("wire"));
}

#[tokio::test]
async fn mocks_see_customized_calls_and_the_raw_replay_client_is_exported() {
    let rule = mock!(Client::describe_app_instance)
        .match_requests(|input| input.app_instance_arn() == Some(FOUND))
        .then_output(|| described("customized"));
    let client = mock_client!(chime_sdk_identity, [&rule]);
    let out = client
        .describe_app_instance()
        .app_instance_arn(FOUND)
        .customize()
        .mutate_request(|req| req.headers_mut().insert("x-test", "1"))
        .send()
        .await
        .expect("customized calls are mocked too");
    assert_eq!(name(&out), Some("customized"));
    assert_eq!(rule.num_calls(), 1);

    let replay = chime_sdk_identity::test_util::ReplayClient::new([Ok(response(
        200,
        &[],
        r#"{"AppInstance":{"Name":"replayed"}}"#,
    ))]);
    let client = Client::from_conf(chime_sdk_identity::test_util::test_config(
        replay.clone(),
        "https://example.com",
    ));
    let out = describe(&client, FOUND).await.expect("replayed");
    assert_eq!(name(&out), Some("replayed"));
    assert_eq!(replay.requests().len(), 1);
}
