//! Behaviour of the strategy: backoff, quota, stop reasons, 2026 rules, adaptive pacing.

use super::*;
use std::time::SystemTime;
use crate::http::DispatchErrorKind;

fn constant(j: f64) -> Jitter {
    Arc::new(move || j)
}

fn strategy(config: RetryConfig) -> RetryStrategy {
    RetryStrategy::new(config).with_jitter(constant(1.0))
}

fn retry_delay(decision: RetryDecision) -> Duration {
    match decision {
        RetryDecision::Retry { delay } => delay,
        stop => panic!("expected a retry, got {stop:?}"),
    }
}

#[test]
fn defaults() {
    let c = RetryConfig::default();
    assert_eq!((c.mode(), c.revision(), c.max_attempts()), (RetryMode::Standard, RetryRevision::Original, 3));
    assert_eq!(
        (c.initial_backoff(), c.max_backoff(), c.retry_quota()),
        (Duration::from_secs(1), Duration::from_secs(20), 500)
    );
    let updated = RetryConfig::standard().with_revision(RetryRevision::Updated2026);
    assert_eq!(updated.initial_backoff(), Duration::from_millis(50));
    assert_eq!(RetryConfig::standard().with_max_attempts(0).max_attempts(), 1);
}

#[test]
fn backoff_doubles_and_is_capped_at_20_seconds() {
    for revision in [RetryRevision::Original, RetryRevision::Updated2026] {
        let s = strategy(
            RetryConfig::standard()
                .with_revision(revision)
                .with_max_attempts(40)
                .with_initial_backoff(Duration::from_secs(1)),
        );
        let mut call = s.start_call(false);
        let delays: Vec<_> =
            (0..8).map(|_| retry_delay(call.on_failure(RetryKind::ServerError, None)).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 20, 20, 20], "{revision:?}");
        // Far past any representable exponent the cap still holds (and nothing overflows).
        for _ in 0..30 {
            call.on_failure(RetryKind::ServerError, None);
        }
        assert_eq!(s.backoff(RetryKind::ServerError, u32::MAX, None), Duration::from_secs(20));
    }
}

#[test]
fn jitter_scales_the_backoff_and_is_clamped() {
    let half = RetryStrategy::new(RetryConfig::standard()).with_jitter(constant(0.5));
    assert_eq!(half.backoff(RetryKind::ServerError, 2, None), Duration::from_secs(1));
    // Original rules cap after jitter: 0.5 · 64 s = 32 s → 20 s. 2026 rules jitter after the
    // cap: 0.5 · min(64 s, 20 s) = 10 s.
    assert_eq!(half.backoff(RetryKind::ServerError, 7, None), Duration::from_secs(20));
    let half_updated = RetryStrategy::new(
        RetryConfig::standard().with_revision(RetryRevision::Updated2026).with_initial_backoff(Duration::from_secs(1)),
    )
    .with_jitter(constant(0.5));
    assert_eq!(half_updated.backoff(RetryKind::ServerError, 7, None), Duration::from_secs(10));
    for (bad, want) in [(7.0, 1), (-3.0, 0), (f64::NAN, 1)] {
        let s = RetryStrategy::new(RetryConfig::standard()).with_jitter(constant(bad));
        assert_eq!(s.backoff(RetryKind::ServerError, 1, None), Duration::from_secs(want), "{bad}");
    }
    let random = RetryStrategy::new(RetryConfig::standard());
    for _ in 0..100 {
        assert!(random.backoff(RetryKind::ServerError, 1, None) <= Duration::from_secs(1));
    }
}

#[test]
fn exhausted_bucket_stops_retries() {
    let s = strategy(RetryConfig::standard().with_retry_quota(12).with_max_attempts(10));
    let mut call = s.start_call(false);
    retry_delay(call.on_failure(RetryKind::ServerError, None));
    retry_delay(call.on_failure(RetryKind::ServerError, None));
    assert_eq!(s.available_quota(), 2);
    assert_eq!(
        call.on_failure(RetryKind::ServerError, None),
        RetryDecision::Stop { reason: StopReason::QuotaExceeded, delay: Duration::ZERO }
    );
    assert_eq!(s.available_quota(), 2, "a refused retry takes nothing");
    // The quota is shared: another call cannot retry either.
    let mut other = s.start_call(false);
    assert!(matches!(
        other.on_failure(RetryKind::Throttling, None),
        RetryDecision::Stop { reason: StopReason::QuotaExceeded, .. }
    ));
}

#[test]
fn success_refunds_the_last_retry_or_one_token() {
    let s = strategy(RetryConfig::standard().with_max_attempts(5));
    let mut call = s.start_call(false);
    call.on_failure(RetryKind::ServerError, None);
    call.on_failure(RetryKind::Transient, None);
    assert_eq!(s.available_quota(), 500 - 5 - 10);
    call.on_success();
    assert_eq!(s.available_quota(), 500 - 5, "only the retry that succeeded is refunded");
    s.start_call(false).on_success();
    assert_eq!(s.available_quota(), 496, "a first-attempt success adds one token");
    for _ in 0..10 {
        s.start_call(false).on_success();
    }
    assert_eq!(s.available_quota(), 500, "never above capacity");
}

#[test]
fn timeout_costs_10_and_server_error_5() {
    let s = strategy(RetryConfig::standard());
    let timeout = classify(Failure::Dispatch(DispatchErrorKind::Timeout), None);
    retry_delay(s.start_call(false).on_failure(timeout, None));
    assert_eq!(s.available_quota(), 490);
    retry_delay(s.start_call(false).on_failure(RetryKind::ServerError, None));
    assert_eq!(s.available_quota(), 485);
    retry_delay(s.start_call(false).on_failure(RetryKind::Throttling, None));
    assert_eq!(s.available_quota(), 480);
}

#[test]
fn updated_rules_cost_14_and_5_for_throttling() {
    let s = strategy(RetryConfig::standard().with_revision(RetryRevision::Updated2026));
    for (kind, quota, delay) in [
        (RetryKind::Transient, 486, Duration::from_millis(50)),
        (RetryKind::ServerError, 472, Duration::from_millis(50)),
        (RetryKind::Throttling, 467, Duration::from_secs(1)),
    ] {
        assert_eq!(retry_delay(s.start_call(false).on_failure(kind, None)), delay, "{kind:?}");
        assert_eq!(s.available_quota(), quota, "{kind:?}");
    }
}

#[test]
fn never_retries_a_modeled_400() {
    let s = strategy(RetryConfig::standard());
    let kind = classify(Failure::Response { status: 400, code: Some("ValidationException") }, None);
    let mut call = s.start_call(false);
    assert_eq!(
        call.on_failure(kind, None),
        RetryDecision::Stop { reason: StopReason::NotRetryable, delay: Duration::ZERO }
    );
    assert_eq!((s.available_quota(), call.attempt()), (500, 1));
}

#[test]
fn max_attempts_stop_without_taking_quota() {
    let s = strategy(RetryConfig::standard().with_max_attempts(2));
    let mut call = s.start_call(true);
    retry_delay(call.on_failure(RetryKind::ServerError, None));
    assert_eq!(call.attempt(), 2);
    assert_eq!(
        call.on_failure(RetryKind::ServerError, None),
        RetryDecision::Stop { reason: StopReason::MaxAttemptsExceeded, delay: Duration::ZERO }
    );
    assert_eq!(s.available_quota(), 495);
}

#[test]
fn retry_after_header_is_clamped_under_updated_rules_only() {
    let updated = strategy(RetryConfig::standard().with_revision(RetryRevision::Updated2026));
    let backoff = |s: &RetryStrategy, v| s.backoff(RetryKind::ServerError, 1, Some(v));
    assert_eq!(backoff(&updated, "1500"), Duration::from_millis(1500));
    assert_eq!(backoff(&updated, "0"), Duration::from_millis(50));
    assert_eq!(backoff(&updated, "10000"), Duration::from_millis(5050));
    assert_eq!(backoff(&updated, "-1"), Duration::from_millis(50));
    assert_eq!(backoff(&updated, "99999999999999999999999"), Duration::from_millis(5050));
    let original = strategy(RetryConfig::standard());
    assert_eq!(backoff(&original, "3500"), Duration::from_secs(1));
}

#[test]
fn long_polling_waits_before_failing_for_quota_under_updated_rules_only() {
    for (revision, want) in
        [(RetryRevision::Original, Duration::ZERO), (RetryRevision::Updated2026, Duration::from_millis(50))]
    {
        let s = strategy(RetryConfig::standard().with_revision(revision).with_retry_quota(0));
        assert_eq!(
            s.start_call(true).on_failure(RetryKind::ServerError, None),
            RetryDecision::Stop { reason: StopReason::QuotaExceeded, delay: want },
            "{revision:?}"
        );
        assert_eq!(
            s.start_call(false).on_failure(RetryKind::ServerError, None),
            RetryDecision::Stop { reason: StopReason::QuotaExceeded, delay: Duration::ZERO }
        );
    }
}

#[test]
fn quota_is_consistent_across_threads() {
    let s = Arc::new(strategy(RetryConfig::standard().with_max_attempts(3)));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let mut call = s.start_call(false);
                    call.on_failure(RetryKind::ServerError, None);
                    call.on_failure(RetryKind::ServerError, None);
                    call.on_success();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread panicked");
    }
    // Each call takes 5 + 5 and gives 5 back: 80 calls leave 500 − 400.
    assert_eq!(s.available_quota(), 100);
}

#[derive(Debug)]
struct FixedTime(Mutex<f64>);

impl TimeSource for FixedTime {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs_f64(*self.0.lock().expect("lock"))
    }
}

#[test]
fn adaptive_mode_paces_after_throttling() {
    let time = Arc::new(FixedTime(Mutex::new(0.0)));
    let s = strategy(RetryConfig::adaptive()).with_time_source(time.clone());
    assert_eq!(s.rate_limiter().map(|r| r.enabled), Some(false));
    for i in 1..=10 {
        *time.0.lock().expect("lock") = f64::from(i) * 0.1;
        let mut call = s.start_call(false);
        assert_eq!(call.before_attempt(), Duration::ZERO);
        call.on_success();
    }
    let mut call = s.start_call(false);
    retry_delay(call.on_failure(RetryKind::Throttling, None));
    assert_eq!(s.rate_limiter().map(|r| r.enabled), Some(true));
    let waits: Vec<_> = (0..5).map(|_| call.before_attempt()).collect();
    assert!(waits.windows(2).all(|w| w[0] < w[1]), "{waits:?}");
    assert!(strategy(RetryConfig::standard()).rate_limiter().is_none());
}
