//! The delay between a waiter's polls, exactly as the Smithy waiters specification computes it
//! ("Waiter retries").

use std::time::Duration;

/// The delay before retry `attempt` (1 for the first retry), with `remaining` time left before
/// the maximum wait. `random(lo, hi)` returns a whole number of seconds in `lo..=hi`.
///
/// ```text
/// attemptCeiling = log(maxDelay / minDelay) / log(2) + 1
/// delay = attempt > attemptCeiling ? maxDelay : minDelay * 2 ** (attempt - 1)
/// delay = random(minDelay, delay)
/// if remainingTime - delay <= minDelay: delay = remainingTime
/// ```
///
/// The exponential part is computed without overflow for any `attempt`, and never exceeds
/// `max_delay` (nor the delay `remaining`, but for the last stretch).
pub fn delay(attempt: u32, min_delay: u64, max_delay: u64, remaining: Duration, random: impl FnOnce(u64, u64) -> u64) -> Duration {
    let min_delay = min_delay.max(1);
    let max_delay = max_delay.max(min_delay);
    let ceiling = (max_delay as f64 / min_delay as f64).ln() / std::f64::consts::LN_2 + 1.0;
    let upper = if f64::from(attempt) > ceiling {
        max_delay
    } else {
        let factor = 1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX);
        min_delay.saturating_mul(factor).min(max_delay)
    };
    let chosen = Duration::from_secs(random(min_delay, upper).clamp(min_delay, upper));
    if remaining.saturating_sub(chosen) <= Duration::from_secs(min_delay) {
        remaining
    } else {
        chosen
    }
}

/// A whole number in `lo..=hi` from `unit`, a number in `[0, 1]` (each value equally likely
/// when `unit` is uniform in `[0, 1)`; `1` gives `hi`; out-of-range or non-finite values are
/// clamped, NaN counting as 1).
pub fn random_inclusive(lo: u64, hi: u64, unit: f64) -> u64 {
    if hi <= lo {
        return lo;
    }
    let unit = if unit.is_nan() { 1.0 } else { unit.clamp(0.0, 1.0) };
    let span = (hi - lo) as f64 + 1.0;
    lo.saturating_add(((unit * span).floor() as u64).min(hi - lo))
}
