//! The client-side rate limiter of `adaptive` retry mode: after the first throttling response it
//! paces requests through a token bucket whose fill rate follows TCP CUBIC (multiplicative
//! decrease on throttling, cubic regrowth towards the last rate that was throttled), bounded by
//! twice the rate at which the client has actually been sending.
//!
//! Times are seconds as `f64` (the limiter only needs differences), taken by the caller from its
//! injectable [`crate::clock::TimeSource`].

use std::time::Duration;

/// CUBIC's multiplicative decrease: the rate kept after a throttle.
const BETA: f64 = 0.7;
/// CUBIC's scaling constant `C`.
const SCALE_CONSTANT: f64 = 0.4;
/// Weight of the newest sample in the smoothed sending rate.
const SMOOTHING: f64 = 0.8;
/// Width of the buckets over which the sending rate is measured, in seconds.
const TIME_BUCKET: f64 = 0.5;
/// The bucket never fills slower than this many tokens per second...
const MIN_FILL_RATE: f64 = 0.5;
/// ...and always holds at least one request's token.
const MIN_CAPACITY: f64 = 1.0;

/// The CUBIC rate calculation on its own: where the allowed sending rate is at a given time,
/// given the rate at the last throttle (`W_max`) and when it happened.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CubicRate {
    last_max_rate: f64,
    last_throttle_time: f64,
}

impl CubicRate {
    /// Starts from `last_max_rate` (requests per second) throttled at `last_throttle_time`.
    pub fn new(last_max_rate: f64, last_throttle_time: f64) -> Self {
        Self { last_max_rate, last_throttle_time }
    }

    /// The rate allowed at `now` while no throttling is seen: `C·(t − K)³ + W_max`, where
    /// `K = ∛(W_max·(1 − β)/C)` is the time the curve takes to climb back to `W_max`.
    pub fn on_success(&self, now: f64) -> f64 {
        let k = (self.last_max_rate * (1.0 - BETA) / SCALE_CONSTANT).cbrt();
        SCALE_CONSTANT * (now - self.last_throttle_time - k).powi(3) + self.last_max_rate
    }

    /// Records a throttle at `now` while sending at `rate`, and returns the reduced rate `β·rate`.
    pub fn on_throttle(&mut self, rate: f64, now: f64) -> f64 {
        self.last_max_rate = rate;
        self.last_throttle_time = now;
        rate * BETA
    }
}

/// What the rate limiter of an adaptive-mode client currently believes; see
/// [`super::RetryStrategy::rate_limiter`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimiterSnapshot {
    /// Smoothed rate at which the client has been sending, in requests per second.
    pub measured_tx_rate: f64,
    /// Rate at which the token bucket refills, in requests per second.
    pub fill_rate: f64,
    /// Whether requests are being paced (true once a throttling response has been seen).
    pub enabled: bool,
}

/// The shared state of one client's rate limiter.
#[derive(Debug)]
pub(super) struct RateLimiter {
    cubic: CubicRate,
    enabled: bool,
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    last_refill: f64,
    measured_tx_rate: f64,
    last_tx_bucket: f64,
    sent_in_bucket: u64,
}

impl RateLimiter {
    /// A limiter created at `now`: not pacing, nothing measured, `W_max` of zero.
    pub(super) fn new(now: f64) -> Self {
        Self {
            cubic: CubicRate::new(0.0, now),
            enabled: false,
            fill_rate: MIN_FILL_RATE,
            max_capacity: MIN_CAPACITY,
            capacity: 0.0,
            last_refill: now,
            measured_tx_rate: 0.0,
            last_tx_bucket: time_bucket(now),
            sent_in_bucket: 0,
        }
    }

    pub(super) fn snapshot(&self) -> RateLimiterSnapshot {
        RateLimiterSnapshot {
            measured_tx_rate: self.measured_tx_rate,
            fill_rate: self.fill_rate,
            enabled: self.enabled,
        }
    }

    /// Takes the token for one request at `now` and returns how long to wait before sending it.
    /// The token is taken even when the bucket is empty (the capacity goes negative), so that
    /// requests queued behind this one wait for their own share rather than racing for it.
    pub(super) fn acquire(&mut self, now: f64) -> Duration {
        if !self.enabled {
            return Duration::ZERO;
        }
        self.refill(now);
        self.capacity -= 1.0;
        if self.capacity >= 0.0 {
            return Duration::ZERO;
        }
        // fill_rate ≥ MIN_FILL_RATE, so the quotient is finite and positive.
        Duration::try_from_secs_f64(-self.capacity / self.fill_rate).unwrap_or(Duration::MAX)
    }

    /// Updates the measured sending rate and the allowed rate after a response at `now`.
    pub(super) fn on_response(&mut self, now: f64, throttled: bool) {
        self.refill(now);
        self.measure_tx_rate(now);
        let rate = if throttled {
            // Once pacing, the client cannot have sent faster than the bucket allowed.
            let rate_at_throttle =
                if self.enabled { self.measured_tx_rate.min(self.fill_rate) } else { self.measured_tx_rate };
            self.enabled = true;
            self.cubic.on_throttle(rate_at_throttle, now)
        } else {
            self.cubic.on_success(now)
        };
        // Never allow more than twice what the client has shown it needs.
        let rate = rate.min(2.0 * self.measured_tx_rate);
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = rate.max(MIN_CAPACITY);
        self.capacity = self.capacity.min(self.max_capacity);
    }

    fn refill(&mut self, now: f64) {
        // A clock that steps backwards refills nothing rather than draining the bucket.
        if now > self.last_refill {
            let refill = (now - self.last_refill) * self.fill_rate;
            self.capacity = (self.capacity + refill).min(self.max_capacity);
            self.last_refill = now;
        }
    }

    fn measure_tx_rate(&mut self, now: f64) {
        self.sent_in_bucket = self.sent_in_bucket.saturating_add(1);
        let bucket = time_bucket(now);
        if bucket > self.last_tx_bucket {
            let current = self.sent_in_bucket as f64 / (bucket - self.last_tx_bucket);
            self.measured_tx_rate = current * SMOOTHING + self.measured_tx_rate * (1.0 - SMOOTHING);
            self.sent_in_bucket = 0;
            self.last_tx_bucket = bucket;
        }
    }
}

fn time_bucket(t: f64) -> f64 {
    (t / TIME_BUCKET).floor() * TIME_BUCKET
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_starts_at_beta_times_max_and_regains_max_after_k() {
        let cubic = CubicRate::new(10.0, 5.0);
        assert!((cubic.on_success(5.0) - 7.0).abs() < 1e-9);
        let k = (10.0f64 * 0.3 / 0.4).cbrt();
        assert!((cubic.on_success(5.0 + k) - 10.0).abs() < 1e-9);
        assert!(cubic.on_success(12.0) > 10.0);
    }

    #[test]
    fn pacing_starts_with_the_first_throttle_and_delays_when_empty() {
        let mut limiter = RateLimiter::new(0.0);
        for i in 0..20 {
            assert_eq!(limiter.acquire(f64::from(i) * 0.1), Duration::ZERO, "not pacing before a throttle");
            limiter.on_response(f64::from(i) * 0.1, false);
        }
        limiter.on_response(2.0, true);
        let s = limiter.snapshot();
        assert!(s.enabled);
        // Ten requests a second were measured; the throttle cuts the rate to 70 % of that.
        assert!((s.fill_rate - 0.7 * s.measured_tx_rate).abs() < 1e-9, "{s:?}");
        let mut waited = Duration::ZERO;
        for _ in 0..10 {
            waited = limiter.acquire(2.0);
        }
        assert!(waited > Duration::from_secs(1), "a burst at the same instant must be spread out: {waited:?}");
    }
}
