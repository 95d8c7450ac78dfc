//! Runs the retry behaviour vectors of `conformance/retry/` against `client_runtime::retry`:
//! `retry-standard` (original standard rules), `retry-new-standard` (the 2026 rules) and
//! `retry-adaptive` (CUBIC and the client-side rate limiter).
//!
//! Vocabulary of the vectors, as inferred from their numbers: `exponential_base` is the jitter
//! factor `b` of `b·r^i` (1 makes the delays exact), `exponential_power` the `r`,
//! `initial_retry_tokens` the quota's capacity, `max_backoff_time` the cap in seconds. Each run
//! of responses is one call until it ends (success or a stop), after which the next response
//! starts a new call on the same client.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use client_runtime::clock::TimeSource;
use client_runtime::retry::{
    classify, CallRetry, CubicRate, Failure, RetryConfig, RetryDecision, RetryKind, RetryRevision, RetryStrategy,
    StopReason, RETRY_AFTER_HEADER,
};
use serde_json::{Map, Value};

use super::SuiteResult;

/// Delays are compared to the nanosecond resolution of `Duration`.
const DELAY_TOLERANCE: f64 = 1e-9;
/// The adaptive vectors print rates rounded to six decimals.
const RATE_TOLERANCE: f64 = 1e-5;

/// `retry-standard`: StandardRetryIntegrationTestResources.json.
pub fn standard(shared: &Path) -> anyhow::Result<SuiteResult> {
    run_quota_suite(shared, "StandardRetryIntegrationTestResources.json", RetryRevision::Original)
}

/// `retry-new-standard`: NewStandardRetryIntegrationTestResources.json.
pub fn new_standard(shared: &Path) -> anyhow::Result<SuiteResult> {
    run_quota_suite(shared, "NewStandardRetryIntegrationTestResources.json", RetryRevision::Updated2026)
}

/// `retry-adaptive`: AdaptiveRetryIntegrationTestResources.json.
pub fn adaptive(shared: &Path) -> anyhow::Result<SuiteResult> {
    let cases = load(shared, "AdaptiveRetryIntegrationTestResources.json")?;
    let mut result = SuiteResult::default();
    for (name, case) in &cases {
        let steps = case.get("cases").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let has = |key| steps.first().is_some_and(|s| s.get(key).is_some());
        let outcome = if has("calculated_rate") {
            run_cubic(case, steps)
        } else if has("measured_tx_rate") {
            run_rate_limiter(case, steps)
        } else {
            result.skipped.push((name.clone(), "no `calculated_rate` or `measured_tx_rate` to check".into()));
            continue;
        };
        result.record(name.as_str(), outcome);
    }
    Ok(result)
}

fn load(shared: &Path, file: &str) -> anyhow::Result<Map<String, Value>> {
    let path = shared.join("conformance/retry").join(file);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    match serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))? {
        Value::Object(cases) => Ok(cases),
        _ => anyhow::bail!("{}: expected an object of cases", path.display()),
    }
}

fn run_quota_suite(shared: &Path, file: &str, revision: RetryRevision) -> anyhow::Result<SuiteResult> {
    let cases = load(shared, file)?;
    let mut result = SuiteResult::default();
    for (name, case) in &cases {
        let setup = match Setup::from_given(case.get("given"), revision) {
            Ok(setup) => setup,
            Err(Unsupported(reason)) => {
                result.skipped.push((name.clone(), reason));
                continue;
            }
        };
        let outcome = if let Some(threads) = case.get("threads") {
            run_threads(&setup, threads, case.get("expected_final_quota"))
        } else {
            let steps = case.get("responses").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            run_sequence(&setup, steps)
        };
        result.record(name.as_str(), outcome);
    }
    Ok(result)
}

/// A `given` block the runtime cannot reproduce.
struct Unsupported(String);

struct Setup {
    config: RetryConfig,
    jitter: f64,
    long_polling: bool,
}

impl Setup {
    fn from_given(given: Option<&Value>, revision: RetryRevision) -> Result<Setup, Unsupported> {
        let mut setup =
            Setup { config: RetryConfig::standard().with_revision(revision), jitter: 1.0, long_polling: false };
        let Some(given) = given.and_then(Value::as_object) else { return Ok(setup) };
        for (key, value) in given {
            let bad = || Unsupported(format!("`{key}`: unexpected value {value}"));
            let int = || value.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(bad);
            match key.as_str() {
                "max_attempts" => setup.config = setup.config.clone().with_max_attempts(int()?),
                "initial_retry_tokens" => setup.config = setup.config.clone().with_retry_quota(int()?),
                "exponential_base" => setup.jitter = value.as_f64().ok_or_else(bad)?,
                "exponential_power" if value.as_f64() == Some(2.0) => {}
                "exponential_power" => {
                    return Err(Unsupported(format!("backoff growth factor {value}: only 2 is defined")))
                }
                "max_backoff_time" => {
                    let secs = value.as_f64().and_then(|s| Duration::try_from_secs_f64(s).ok()).ok_or_else(bad)?;
                    setup.config = setup.config.clone().with_max_backoff(secs);
                }
                "long_polling" => setup.long_polling = value.as_bool().ok_or_else(bad)?,
                // The service only matters for its defaults; the runtime has no service-specific
                // overrides (DynamoDB's 25 ms base and 4 attempts), so only others can be run.
                "service" if value.as_str().is_some_and(|s| !s.to_ascii_lowercase().contains("dynamodb")) => {}
                "service" => return Err(Unsupported(format!("service-specific retry defaults for {value}"))),
                _ => return Err(Unsupported(format!("unknown `given` key `{key}`"))),
            }
        }
        Ok(setup)
    }

    fn strategy(&self) -> RetryStrategy {
        let jitter = self.jitter;
        RetryStrategy::new(self.config.clone()).with_jitter(Arc::new(move || jitter))
    }
}

/// Feeds one response to the thread's current call (starting one if needed) and checks the
/// expectation.
fn step<'s>(
    strategy: &'s RetryStrategy,
    call: &mut Option<CallRetry<'s>>,
    long_polling: bool,
    entry: &Value,
    label: &str,
) -> Result<(), String> {
    let response = entry.get("response").ok_or_else(|| format!("{label}: no `response`"))?;
    let expected = entry.get("expected").ok_or_else(|| format!("{label}: no `expected`"))?;
    let status = response
        .get("status_code")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| format!("{label}: bad `status_code`"))?;
    let current = call.get_or_insert_with(|| strategy.start_call(long_polling));
    let (outcome, delay, ended) = if (200..300).contains(&status) {
        current.on_success();
        ("success", Duration::ZERO, true)
    } else {
        let code = response.get("error_code").and_then(Value::as_str);
        let kind: RetryKind = classify(Failure::Response { status, code }, None);
        let retry_after = response.get("headers").and_then(Value::as_object).and_then(|headers| {
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(RETRY_AFTER_HEADER)).and_then(|(_, v)| v.as_str())
        });
        match current.on_failure(kind, retry_after) {
            RetryDecision::Retry { delay } => ("retry_request", delay, false),
            RetryDecision::Stop { reason, delay } => (
                match reason {
                    StopReason::NotRetryable => "fail_request",
                    StopReason::MaxAttemptsExceeded => "max_attempts_exceeded",
                    StopReason::QuotaExceeded => "retry_quota_exceeded",
                },
                delay,
                true,
            ),
        }
    };
    if ended {
        *call = None;
    }
    let want_outcome = expected.get("outcome").and_then(Value::as_str).unwrap_or("");
    if outcome != want_outcome {
        return Err(format!("{label}: outcome {outcome}, expected {want_outcome}"));
    }
    if let Some(want) = expected.get("retry_quota") {
        let got = strategy.available_quota();
        if want.as_u64() != Some(u64::from(got)) {
            return Err(format!("{label}: retry quota {got}, expected {want}"));
        }
    }
    // A retry's delay is checked when given. A call that ends must not wait unless the vector
    // says how long ("must NOT delay" cases leave the delay out).
    let want_delay = match expected.get("delay") {
        Some(d) => Some(d.as_f64().ok_or_else(|| format!("{label}: bad `delay`"))?),
        None if ended => Some(0.0),
        None => None,
    };
    if let Some(want) = want_delay {
        if (delay.as_secs_f64() - want).abs() > DELAY_TOLERANCE {
            return Err(format!("{label}: delay {delay:?}, expected {want} s"));
        }
    }
    Ok(())
}

fn run_sequence(setup: &Setup, steps: &[Value]) -> Result<(), String> {
    if steps.is_empty() {
        return Err("no responses".into());
    }
    let strategy = setup.strategy();
    let mut call = None;
    for (i, entry) in steps.iter().enumerate() {
        step(&strategy, &mut call, setup.long_polling, entry, &format!("response {}", i + 1))?;
    }
    Ok(())
}

/// Several threads share one client. The per-step quotas hold for some interleaving of the
/// threads, which is searched for among all of them; then the threads run truly concurrently
/// on one shared strategy, where only the outcomes and the final quota are schedule-independent.
fn run_threads(setup: &Setup, threads: &Value, final_quota: Option<&Value>) -> Result<(), String> {
    let threads: Vec<&[Value]> = threads
        .as_array()
        .ok_or("`threads` is not a list")?
        .iter()
        .map(|t| t.as_array().map(Vec::as_slice).ok_or("a thread is not a list"))
        .collect::<Result<_, _>>()?;
    let final_quota = final_quota.and_then(Value::as_u64).ok_or("no `expected_final_quota`")?;
    let check_final = |strategy: &RetryStrategy, how: &str| {
        let got = strategy.available_quota();
        (u64::from(got) == final_quota)
            .then_some(())
            .ok_or_else(|| format!("{how}: final quota {got}, expected {final_quota}"))
    };

    let mut schedules = Vec::new();
    interleavings(&threads.iter().map(|t| t.len()).collect::<Vec<_>>(), &mut Vec::new(), &mut schedules);
    let mut last_error = String::from("no interleaving");
    let found = schedules.iter().any(|schedule| {
        let strategy = setup.strategy();
        let mut calls: Vec<Option<CallRetry<'_>>> = threads.iter().map(|_| None).collect();
        let mut next = vec![0usize; threads.len()];
        let replay = schedule.iter().try_for_each(|&t| {
            let (call, index) = (calls.get_mut(t).ok_or("bad thread")?, next.get_mut(t).ok_or("bad thread")?);
            let entry = threads.get(t).and_then(|steps| steps.get(*index)).ok_or("bad step")?;
            *index += 1;
            step(&strategy, call, setup.long_polling, entry, &format!("thread {} response {index}", t + 1))
        });
        match replay.and_then(|()| check_final(&strategy, "interleaved")) {
            Ok(()) => true,
            Err(e) => {
                last_error = e;
                false
            }
        }
    });
    if !found {
        return Err(format!("no interleaving of the threads matches every step; last mismatch: {last_error}"));
    }

    let strategy = Arc::new(setup.strategy());
    let outcomes: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = threads
            .iter()
            .enumerate()
            .map(|(t, steps)| {
                let strategy = Arc::clone(&strategy);
                scope.spawn(move || {
                    let mut call = None;
                    steps.iter().enumerate().try_for_each(|(i, entry)| {
                        // The quota each step sees depends on the schedule: check outcomes only.
                        let mut entry = entry.clone();
                        if let Some(expected) = entry.get_mut("expected").and_then(Value::as_object_mut) {
                            expected.remove("retry_quota");
                        }
                        step(
                            &strategy,
                            &mut call,
                            setup.long_polling,
                            &entry,
                            &format!("thread {} response {}", t + 1, i + 1),
                        )
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into()))).collect()
    });
    outcomes.into_iter().collect::<Result<(), String>>()?;
    check_final(&strategy, "concurrent")
}

/// Every merge of the threads' steps that keeps each thread's own order, as thread indices.
fn interleavings(remaining: &[usize], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if remaining.iter().all(|&n| n == 0) {
        out.push(prefix.clone());
        return;
    }
    for (t, &n) in remaining.iter().enumerate() {
        if n > 0 {
            let mut rest = remaining.to_vec();
            if let Some(slot) = rest.get_mut(t) {
                *slot -= 1;
            }
            prefix.push(t);
            interleavings(&rest, prefix, out);
            prefix.pop();
        }
    }
}

fn number(v: Option<&Value>, what: &str, i: usize) -> Result<f64, String> {
    v.and_then(Value::as_f64).ok_or_else(|| format!("step {}: no numeric `{what}`", i + 1))
}

fn throttled(step: &Value, i: usize) -> Result<bool, String> {
    match step.get("response").and_then(Value::as_str) {
        Some("success") => Ok(false),
        Some("throttle") => Ok(true),
        other => Err(format!("step {}: unknown response {other:?}", i + 1)),
    }
}

fn close(got: f64, want: f64, what: &str, i: usize) -> Result<(), String> {
    if (got - want).abs() <= RATE_TOLERANCE {
        Ok(())
    } else {
        Err(format!("step {}: {what} {got}, expected {want}", i + 1))
    }
}

/// The CUBIC calculation alone. A throttle reduces the rate last calculated (the rate the
/// client was sending at), which is how the vectors' numbers come out (9.6489… × 0.7).
fn run_cubic(case: &Value, steps: &[Value]) -> Result<(), String> {
    let given = case.get("given");
    let mut cubic = CubicRate::new(
        number(given.and_then(|g| g.get("last_max_rate")), "last_max_rate", 0)?,
        number(given.and_then(|g| g.get("last_throttle_time")), "last_throttle_time", 0)?,
    );
    let mut last_rate = None;
    for (i, step) in steps.iter().enumerate() {
        let t = number(step.get("timestamp"), "timestamp", i)?;
        let rate = if throttled(step, i)? {
            cubic.on_throttle(last_rate.ok_or_else(|| format!("step {}: throttle before any rate", i + 1))?, t)
        } else {
            cubic.on_success(t)
        };
        close(rate, number(step.get("calculated_rate"), "calculated_rate", i)?, "calculated rate", i)?;
        last_rate = Some(rate);
    }
    Ok(())
}

/// A clock the runner sets to each step's timestamp.
#[derive(Debug)]
struct SteppedClock(Mutex<SystemTime>);

impl TimeSource for SteppedClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The whole adaptive client: each step is one call whose single attempt gets the response at
/// the step's timestamp. The client is created at time 0 (the vector's numbers follow from a
/// CUBIC curve starting then, from a maximum rate of 0).
fn run_rate_limiter(case: &Value, steps: &[Value]) -> Result<(), String> {
    if case.get("given").is_some() {
        return Err("`given` is not defined for rate-limiter cases".into());
    }
    let clock = Arc::new(SteppedClock(Mutex::new(UNIX_EPOCH)));
    let strategy =
        RetryStrategy::new(RetryConfig::adaptive()).with_jitter(Arc::new(|| 1.0)).with_time_source(clock.clone());
    for (i, step) in steps.iter().enumerate() {
        let t = number(step.get("timestamp"), "timestamp", i)?;
        let at = Duration::try_from_secs_f64(t).map_err(|e| format!("step {}: timestamp {t}: {e}", i + 1))?;
        *clock.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = UNIX_EPOCH + at;
        let mut call = strategy.start_call(false);
        call.before_attempt();
        if throttled(step, i)? {
            call.on_failure(RetryKind::Throttling, None);
        } else {
            call.on_success();
        }
        let limiter = strategy.rate_limiter().ok_or("adaptive strategy without a rate limiter")?;
        close(
            limiter.measured_tx_rate,
            number(step.get("measured_tx_rate"), "measured_tx_rate", i)?,
            "measured rate",
            i,
        )?;
        close(
            limiter.fill_rate,
            number(step.get("new_token_bucket_rate"), "new_token_bucket_rate", i)?,
            "fill rate",
            i,
        )?;
    }
    Ok(())
}
