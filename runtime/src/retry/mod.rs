//! Retry behaviour as the AWS SDKs define it (SDKs and Tools reference guide, "Retry
//! behavior"): which failures are retried ([`classify`]), how long to wait before the next
//! attempt (capped exponential backoff with jitter), the per-client retry quota that stops retry
//! storms during an outage (a token bucket), the client-side rate limiter of `adaptive` mode,
//! and clock-skew correction ([`clock_skew_correction`]).
//!
//! One [`RetryStrategy`] is shared by every call of a client; each call drives its own
//! [`CallRetry`] through the attempts.

mod adaptive;
mod classify;
mod skew;

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use crate::clock::{SystemClock, TimeSource};

pub use adaptive::{CubicRate, RateLimiterSnapshot};
pub use classify::{classify, Failure, RetryKind};
pub use skew::{clock_skew_correction, is_clock_skew_error, ClockSkew};

use adaptive::RateLimiter;

/// The response header in which a service recommends a backoff, in milliseconds
/// (honoured under [`RetryRevision::Updated2026`]).
pub const RETRY_AFTER_HEADER: &str = "x-amz-retry-after";

const DEFAULT_MAX_ATTEMPTS: u32 = 3;
const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(20);
const DEFAULT_RETRY_QUOTA: u32 = 500;
/// Quota a retry costs under the original rules...
const RETRY_COST: u32 = 5;
/// ...or, when the attempt failed on the way (timeout, broken connection), this much.
const TRANSIENT_RETRY_COST: u32 = 10;
/// Under the 2026 rules every retry costs this much, except throttling ones...
const UPDATED_RETRY_COST: u32 = 14;
/// ...which are discounted, since the service explicitly asked to try again later.
const UPDATED_THROTTLING_RETRY_COST: u32 = 5;
/// A call that succeeds at its first attempt slowly refills the quota.
const NO_RETRY_INCREMENT: u32 = 1;
const ORIGINAL_BACKOFF_BASE: Duration = Duration::from_secs(1);
const UPDATED_BACKOFF_BASE: Duration = Duration::from_millis(50);
const UPDATED_THROTTLING_BACKOFF_BASE: Duration = Duration::from_secs(1);
/// A server-recommended backoff may lengthen the computed one by at most this much.
const MAX_RETRY_AFTER_EXTENSION: Duration = Duration::from_secs(5);

/// The retry mode (`retry_mode` in the AWS configuration).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RetryMode {
    /// Retry quota and exponential backoff.
    #[default]
    Standard,
    /// Standard, plus a client-side rate limiter that paces requests after throttling.
    Adaptive,
}

/// Which revision of the standard rules applies, to both modes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RetryRevision {
    /// The rules the AWS SDKs follow unless opted in to the 2026 ones: 1 s backoff base, retries
    /// cost 5 (10 after a timeout or broken connection).
    #[default]
    Original,
    /// The 2026 rules (`AWS_NEW_RETRIES_2026=true`): 50 ms backoff base (1 s for throttling),
    /// the cap applied before jitter, retries cost 14 (5 for throttling), the
    /// `x-amz-retry-after` header honoured, and long-polling calls that run out of quota still
    /// wait the backoff before failing.
    Updated2026,
}

impl RetryRevision {
    fn retry_cost(self, kind: RetryKind) -> u32 {
        match (self, kind) {
            (RetryRevision::Original, RetryKind::Transient) => TRANSIENT_RETRY_COST,
            (RetryRevision::Original, _) => RETRY_COST,
            (RetryRevision::Updated2026, RetryKind::Throttling) => UPDATED_THROTTLING_RETRY_COST,
            (RetryRevision::Updated2026, _) => UPDATED_RETRY_COST,
        }
    }
}

/// How a client retries. Build with [`RetryConfig::standard`] or [`RetryConfig::adaptive`] and
/// the `with_*` methods; [`Default`] is standard mode, original rules, 3 attempts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    mode: RetryMode,
    revision: RetryRevision,
    max_attempts: u32,
    initial_backoff: Option<Duration>,
    max_backoff: Duration,
    retry_quota: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryConfig {
    /// Standard mode with the defaults: 3 attempts, 20 s maximum backoff, a quota of 500.
    pub fn standard() -> Self {
        Self {
            mode: RetryMode::Standard,
            revision: RetryRevision::Original,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial_backoff: None,
            max_backoff: DEFAULT_MAX_BACKOFF,
            retry_quota: DEFAULT_RETRY_QUOTA,
        }
    }

    /// One attempt, no retries (standard mode with `max_attempts` 1).
    pub fn disabled() -> Self {
        Self::standard().with_max_attempts(1)
    }

    /// Adaptive mode with the same defaults as [`RetryConfig::standard`].
    pub fn adaptive() -> Self {
        Self::standard().with_mode(RetryMode::Adaptive)
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: RetryMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the revision of the rules.
    pub fn with_revision(mut self, revision: RetryRevision) -> Self {
        self.revision = revision;
        self
    }

    /// Sets the total number of attempts, the first included; 1 disables retries (0 is taken
    /// as 1).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Sets the backoff base of the first retry (doubled for each further one). Under the 2026
    /// rules it applies to non-throttling errors only; throttling always starts at 1 s.
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = Some(initial_backoff);
        self
    }

    /// Sets the cap on the computed backoff.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets the retry quota: the token bucket's capacity, which it starts with.
    pub fn with_retry_quota(mut self, tokens: u32) -> Self {
        self.retry_quota = tokens;
        self
    }

    /// The mode.
    pub fn mode(&self) -> RetryMode {
        self.mode
    }

    /// The revision of the rules.
    pub fn revision(&self) -> RetryRevision {
        self.revision
    }

    /// The total number of attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff base of the first retry of a non-throttling error: as set, or the
    /// revision's default (1 s originally, 50 ms under the 2026 rules).
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff.unwrap_or(match self.revision {
            RetryRevision::Original => ORIGINAL_BACKOFF_BASE,
            RetryRevision::Updated2026 => UPDATED_BACKOFF_BASE,
        })
    }

    /// The cap on the computed backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The retry quota's capacity.
    pub fn retry_quota(&self) -> u32 {
        self.retry_quota
    }
}

/// The source of jitter: returns a number in `[0, 1]` by which each backoff is scaled. Values
/// outside that range are clamped into it (a non-finite one counts as 1).
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The retry state shared by every call of one client: configuration, retry quota and, in
/// adaptive mode, the rate limiter. `Send + Sync`; calls take a [`CallRetry`] from it.
pub struct RetryStrategy {
    config: RetryConfig,
    quota: AtomicU32,
    limiter: Option<Mutex<RateLimiter>>,
    jitter: Jitter,
    time: Arc<dyn TimeSource>,
}

impl fmt::Debug for RetryStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryStrategy")
            .field("config", &self.config)
            .field("available_quota", &self.available_quota())
            .field("rate_limiter", &self.rate_limiter())
            .finish_non_exhaustive()
    }
}

impl RetryStrategy {
    /// A strategy with a full quota, random jitter and the system clock.
    pub fn new(config: RetryConfig) -> Self {
        let time: Arc<dyn TimeSource> = Arc::new(SystemClock);
        let limiter = (config.mode == RetryMode::Adaptive).then(|| Mutex::new(RateLimiter::new(seconds(&*time))));
        Self { quota: AtomicU32::new(config.retry_quota), config, limiter, jitter: Arc::new(crate::rand::unit_f64), time }
    }

    /// Replaces the jitter source (tests use a constant to make delays exact).
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Replaces the clock the adaptive rate limiter reads, restarting the limiter at its time.
    pub fn with_time_source(mut self, time: Arc<dyn TimeSource>) -> Self {
        if self.limiter.is_some() {
            self.limiter = Some(Mutex::new(RateLimiter::new(seconds(&*time))));
        }
        self.time = time;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }

    /// Tokens left in the retry quota.
    pub fn available_quota(&self) -> u32 {
        self.quota.load(Ordering::Acquire)
    }

    /// The rate limiter's state, in adaptive mode.
    pub fn rate_limiter(&self) -> Option<RateLimiterSnapshot> {
        self.limiter.as_ref().map(|l| l.lock().unwrap_or_else(PoisonError::into_inner).snapshot())
    }

    /// Starts the retry bookkeeping of one call. `long_polling` marks an operation that waits
    /// server-side for data (SQS `ReceiveMessage`, Step Functions `GetActivityTask`...): under
    /// the 2026 rules it still backs off when the quota is exhausted, so that a polling loop does
    /// not spin.
    pub fn start_call(&self, long_polling: bool) -> CallRetry<'_> {
        CallRetry { strategy: self, attempt: 1, long_polling, held: None }
    }

    fn jitter(&self) -> f64 {
        let j = (self.jitter)();
        if j.is_finite() {
            j.clamp(0.0, 1.0)
        } else {
            1.0
        }
    }

    fn try_acquire(&self, cost: u32) -> bool {
        self.quota.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| q.checked_sub(cost)).is_ok()
    }

    fn release(&self, amount: u32) {
        let cap = self.config.retry_quota;
        // The closure always returns Some, so the update cannot fail.
        let _ =
            self.quota.fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| Some(q.saturating_add(amount).min(cap)));
    }

    fn on_response(&self, throttled: bool) {
        if let Some(limiter) = &self.limiter {
            let now = seconds(&*self.time);
            limiter.lock().unwrap_or_else(PoisonError::into_inner).on_response(now, throttled);
        }
    }

    /// The backoff before retry number `retry` (1 for the first retry).
    fn backoff(&self, kind: RetryKind, retry: u32, retry_after: Option<&str>) -> Duration {
        let config = &self.config;
        let revision = config.revision;
        let base = match (revision, kind) {
            (RetryRevision::Updated2026, RetryKind::Throttling) => UPDATED_THROTTLING_BACKOFF_BASE,
            _ => config.initial_backoff(),
        };
        // 2^63 already exceeds any cap expressible as a Duration; stop the exponent there.
        let exponential = base.as_secs_f64() * 2f64.powi(retry.saturating_sub(1).min(63) as i32);
        let cap = config.max_backoff.as_secs_f64();
        let jitter = self.jitter();
        let secs = match revision {
            // Original rules: `min(b·r^i, MAX_BACKOFF)` with the random `b` inside the cap.
            RetryRevision::Original => (jitter * exponential).min(cap),
            // 2026 rules: the cap is applied before jitter.
            RetryRevision::Updated2026 => jitter * exponential.min(cap),
        };
        let delay = Duration::try_from_secs_f64(secs).unwrap_or(config.max_backoff);
        match (revision, retry_after.and_then(parse_retry_after)) {
            // The server's recommendation is honoured between the computed backoff and 5 s more.
            (RetryRevision::Updated2026, Some(recommended)) => {
                recommended.clamp(delay, delay.saturating_add(MAX_RETRY_AFTER_EXTENSION))
            }
            _ => delay,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    /// Sleep `delay`, then send the next attempt.
    Retry {
        /// The backoff.
        delay: Duration,
    },
    /// Give up: return the error to the caller, after sleeping `delay` (zero except for a
    /// long-polling call out of quota under the 2026 rules).
    Stop {
        /// Why no further attempt is made.
        reason: StopReason,
        /// How long to wait before returning the error.
        delay: Duration,
    },
}

/// Why a call stopped retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// The failure is not retryable.
    NotRetryable,
    /// The call has made its maximum number of attempts.
    MaxAttemptsExceeded,
    /// The client's retry quota cannot pay for another retry.
    QuotaExceeded,
}

/// The retry bookkeeping of one call, from [`RetryStrategy::start_call`]. Per attempt: call
/// [`CallRetry::before_attempt`] and sleep what it returns, send, then report the outcome with
/// [`CallRetry::on_success`] or [`CallRetry::on_failure`].
#[derive(Debug)]
pub struct CallRetry<'a> {
    strategy: &'a RetryStrategy,
    attempt: u32,
    long_polling: bool,
    /// Quota taken by the latest retry, given back if that retry succeeds.
    held: Option<u32>,
}

impl CallRetry<'_> {
    /// The number of the current attempt, starting at 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// How long to wait before sending the current attempt: zero, except in adaptive mode once
    /// the service has throttled the client.
    pub fn before_attempt(&mut self) -> Duration {
        match &self.strategy.limiter {
            Some(limiter) => {
                let now = seconds(&*self.strategy.time);
                limiter.lock().unwrap_or_else(PoisonError::into_inner).acquire(now)
            }
            None => Duration::ZERO,
        }
    }

    /// Reports that the current attempt succeeded (call once, at the end of the call). Gives
    /// back the quota the last retry took, or a little quota if no retry was needed.
    pub fn on_success(&mut self) {
        self.strategy.on_response(false);
        self.strategy.release(self.held.take().unwrap_or(NO_RETRY_INCREMENT));
    }

    /// Reports that the current attempt failed with an error of `kind` (see [`classify`]) and
    /// decides whether to retry. `retry_after` is the response's [`RETRY_AFTER_HEADER`], if any.
    /// After [`RetryDecision::Stop`] the call is over.
    pub fn on_failure(&mut self, kind: RetryKind, retry_after: Option<&str>) -> RetryDecision {
        let strategy = self.strategy;
        strategy.on_response(kind == RetryKind::Throttling);
        if !kind.is_retryable() {
            return RetryDecision::Stop { reason: StopReason::NotRetryable, delay: Duration::ZERO };
        }
        if self.attempt >= strategy.config.max_attempts {
            return RetryDecision::Stop { reason: StopReason::MaxAttemptsExceeded, delay: Duration::ZERO };
        }
        let delay = strategy.backoff(kind, self.attempt, retry_after);
        let cost = strategy.config.revision.retry_cost(kind);
        if !strategy.try_acquire(cost) {
            let long_poll_wait = self.long_polling && strategy.config.revision == RetryRevision::Updated2026;
            let delay = if long_poll_wait { delay } else { Duration::ZERO };
            return RetryDecision::Stop { reason: StopReason::QuotaExceeded, delay };
        }
        self.held = Some(cost);
        self.attempt += 1;
        RetryDecision::Retry { delay }
    }
}

/// A server-recommended backoff: a whole number of milliseconds; anything else is ignored. A
/// number too large for `u64` still means "as long as allowed", which the clamp then enforces.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Duration::from_millis(value.parse().unwrap_or(u64::MAX)))
}

fn seconds(time: &dyn TimeSource) -> f64 {
    match time.now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests;
