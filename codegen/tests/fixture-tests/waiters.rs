//! Behaviour of the waiters generated from `codegen/tests/fixtures/waiters.json`: every
//! acceptor kind (output path with each comparator, inputOutput path, errorType by name and by
//! absolute shape id, success true and false), the failure message, an unexpected error, the
//! maximum wait and the delays between polls. `cargo xtask conformance` (`generated-crates`)
//! copies this file into the generated crate's `tests/` and runs it; responses come from the
//! runtime's replay client and time from a manual clock, so nothing waits for real.

use client_runtime::test_util::{block_on, response, test_config, ManualTime, ReplayClient};
use client_runtime::waiter::WaiterError;
use std::time::{Duration, SystemTime};
use waiters_fixture::client::Waiters;
use waiters_fixture::types::Status;
use waiters_fixture::Client;

fn ok(body: &str) -> Result<client_runtime::http::HttpResponse, client_runtime::http::DispatchError> {
    Ok(response(200, &[("content-type", "application/json")], body))
}

fn not_found() -> Result<client_runtime::http::HttpResponse, client_runtime::http::DispatchError> {
    Ok(response(404, &[("x-amzn-errortype", "ThingNotFound"), ("content-type", "application/json")], r#"{"message":"no such thing"}"#))
}

fn server_error() -> Result<client_runtime::http::HttpResponse, client_runtime::http::DispatchError> {
    Ok(response(500, &[("x-amzn-errortype", "InternalFailure")], r#"{"message":"boom"}"#))
}

/// A client answering with `responses`, on a manual clock.
fn replay(responses: Vec<Result<client_runtime::http::HttpResponse, client_runtime::http::DispatchError>>) -> (Client, ReplayClient, ManualTime) {
    let http = ReplayClient::new(responses);
    let time = ManualTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let config = test_config(http.clone(), "https://things.example.com").to_builder().sleep_impl(time.clone()).time_source(time.clone()).build();
    (Client::from_conf(config), http, time)
}

#[test]
fn output_string_equals_succeeds_after_retrying_on_an_error_type() {
    let (client, http, time) = replay(vec![not_found(), ok(r#"{"status":"creating"}"#), ok(r#"{"status":"active"}"#)]);
    let poll = block_on(client.wait_until_thing_active().name("t1").wait(Duration::from_secs(60))).expect("the wait succeeds");
    assert_eq!(poll.as_result().expect("the last poll succeeded").status, Some(Status::Active));
    assert_eq!(http.requests().len(), 3);
    assert!(http.requests().iter().all(|r| r.uri.path == "/things/t1"), "{:?}", http.requests()[0].uri);
    // minDelay 1: the first retry waits exactly 1 s, the second 1 or 2 s.
    let sleeps = time.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert_eq!(sleeps[0], Duration::from_secs(1));
    assert!(sleeps[1] == Duration::from_secs(1) || sleeps[1] == Duration::from_secs(2), "{sleeps:?}");
}

#[test]
fn a_failure_acceptor_names_itself_and_gives_its_message() {
    let (client, http, _) = replay(vec![ok(r#"{"status":"creating"}"#), ok(r#"{"status":"failed","reasons":["disk full","no quota"]}"#)]);
    let err = block_on(client.wait_until_thing_active().name("t1").wait(Duration::from_secs(60))).unwrap_err();
    let WaiterError::FailureState(state) = &err else { panic!("expected a failure state, got {err:?}") };
    assert_eq!(state.acceptor_index(), 0);
    assert_eq!(state.message(), Some("disk full; no quota"));
    assert_eq!(state.final_poll().as_result().unwrap().status, Some(Status::Failed));
    assert_eq!(
        err.to_string(),
        "the waiter reached a failure state: acceptor 0 (output path `status` stringEquals \"failed\") matched: disk full; no quota"
    );
    assert_eq!(http.requests().len(), 2);
}

#[test]
fn an_error_no_acceptor_expects_ends_the_wait() {
    let (client, http, _) = replay(vec![server_error(), ok(r#"{"status":"active"}"#)]);
    let err = block_on(client.wait_until_thing_active().name("t1").wait(Duration::from_secs(60))).unwrap_err();
    let WaiterError::OperationFailed(failed) = &err else { panic!("expected an operation failure, got {err:?}") };
    let service = failed.error().as_service_error().expect("a service error");
    assert_eq!(service.meta().code(), Some("InternalFailure"));
    assert_eq!(http.requests().len(), 1, "no retry after an unexpected error");
}

#[test]
fn the_maximum_wait_bounds_the_polls_and_the_last_delay_reaches_it_exactly() {
    let responses = (0..100).map(|_| ok(r#"{"status":"creating"}"#)).collect();
    let (client, http, time) = replay(responses);
    let err = block_on(client.wait_until_thing_active().name("t1").wait(Duration::from_secs(30))).unwrap_err();
    let WaiterError::ExceededMaxWait(exceeded) = &err else { panic!("expected the maximum wait, got {err:?}") };
    let sleeps = time.sleeps();
    assert_eq!(sleeps.iter().sum::<Duration>(), Duration::from_secs(30), "{sleeps:?}");
    assert_eq!(exceeded.elapsed(), Duration::from_secs(30));
    assert_eq!(exceeded.max_wait(), Duration::from_secs(30));
    assert_eq!(exceeded.poll_count() as usize, http.requests().len());
    assert_eq!(http.requests().len(), sleeps.len() + 1, "one poll before each delay, and one at the deadline");
    // Every delay but the last stretch is within minDelay 1 and maxDelay 8; the one before the
    // last poll may be longer only to end exactly at the deadline.
    for d in &sleeps[..sleeps.len() - 1] {
        assert!((Duration::from_secs(1)..=Duration::from_secs(8)).contains(d), "{sleeps:?}");
    }
}

#[test]
fn output_boolean_equals() {
    let (client, http, _) = replay(vec![ok(r#"{"ready":false}"#), ok(r#"{}"#), ok(r#"{"ready":true}"#)]);
    block_on(client.wait_until_thing_ready().name("t").wait(Duration::from_secs(600))).expect("ready");
    assert_eq!(http.requests().len(), 3);
}

#[test]
fn output_all_string_equals_needs_a_non_empty_list_and_any_string_equals_fails_fast() {
    let (client, http, _) = replay(vec![
        ok(r#"{"groups":[]}"#),
        ok(r#"{"groups":[{"state":"active"},{"state":"creating"}]}"#),
        ok(r#"{"groups":[{"state":"active"},{"state":"active"}]}"#),
    ]);
    block_on(client.wait_until_groups_active().name("t").wait(Duration::from_secs(600))).expect("all active");
    assert_eq!(http.requests().len(), 3);

    let (client, _, _) = replay(vec![ok(r#"{"groups":[{"state":"active"},{"state":"broken"}]}"#)]);
    let err = block_on(client.wait_until_groups_active().name("t").wait(Duration::from_secs(600))).unwrap_err();
    let WaiterError::FailureState(state) = err else { panic!("expected a failure state") };
    assert_eq!(state.acceptor_index(), 1);
    assert_eq!(state.message(), None);
}

#[test]
fn input_output_paths_see_the_input_and_every_kind_of_output_member() {
    let almost = r#"{"groups":[{"GroupName":"a","state":"x"}],"createdAt":2000,"shape":{"circle":2.5},"level":2}"#;
    let done = r#"{"groups":[{"GroupName":"a"},{"GroupName":"b"}],"createdAt":2000.5,"shape":{"circle":2.5},"level":2,"tags":{"k":"v"},"digest":"AAE=","size":9007199254740993}"#;
    let wrong_shape = r#"{"groups":[{},{}],"createdAt":2000,"shape":{"label":"x"},"level":2}"#;
    let (client, http, _) = replay(vec![ok(almost), ok(wrong_shape), ok(done)]);
    block_on(client.wait_until_enough_groups().name("t").min_groups(2).wait(Duration::from_secs(600))).expect("enough groups");
    let requests = http.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!((requests[0].uri.path.as_str(), requests[0].uri.query.as_str()), ("/things/t", "minGroups=2"));
}

#[test]
fn error_type_by_absolute_shape_id_and_a_success_that_matches_nothing_retries() {
    let (client, http, _) = replay(vec![ok(r#"{"status":"active"}"#), not_found()]);
    let poll = block_on(client.wait_until_thing_deleted().name("t").wait(Duration::from_secs(600))).expect("deleted");
    let err = poll.into_result().unwrap_err();
    assert!(err.as_service_error().expect("a service error").is_thing_not_found());
    assert_eq!(http.requests().len(), 2);
}

#[test]
fn success_true_and_success_false() {
    let head_ok = || Ok(response(200, &[], ""));
    let (client, http, _) = replay(vec![not_found(), head_ok()]);
    block_on(client.wait_until_thing_exists().name("t").wait(Duration::from_secs(600))).expect("exists");
    assert_eq!(http.requests().len(), 2);
    assert!(http.requests().iter().all(|r| r.method == "HEAD"));

    let (client, http, _) = replay(vec![head_ok(), head_ok(), server_error()]);
    #[allow(deprecated)]
    let poll = block_on(client.wait_until_thing_unreachable().name("t").wait(Duration::from_secs(600))).expect("unreachable");
    assert!(poll.as_result().is_err(), "the final poll is the error that matched");
    assert_eq!(http.requests().len(), 3);
}

#[test]
fn a_missing_required_member_or_no_time_to_wait_sends_nothing() {
    let (client, http, _) = replay(vec![]);
    let err = block_on(client.wait_until_thing_active().wait(Duration::from_secs(60))).unwrap_err();
    assert!(matches!(err, WaiterError::ConstructionFailure(_)), "{err:?}");
    let err = block_on(client.wait_until_thing_active().name("t").wait(Duration::ZERO)).unwrap_err();
    assert!(matches!(err, WaiterError::ConstructionFailure(_)), "{err:?}");
    assert!(http.requests().is_empty());
}
