//! Time limits of one exchange: the response-head deadline (`read_timeout`) and stalled-stream
//! protection, the AWS SDKs' minimum throughput over a grace period, for the request body
//! (upload) and the response (download).
//!
//! One timer per connection serves all of it. I/O futures are polled first and the timer only
//! when they are pending; the timer moves only when it must fire earlier, and the clock is read
//! only when an I/O call has to wait. A fast exchange pays for a byte counter and one waker
//! registration, not a timeout per read (measured: about 1% more instructions per request
//! than with no limits at all).

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::h1::Failure;

/// Stalled-stream protection settings (see `StalledStreamProtectionConfig` in the config
/// module for the public face of these), with the check's arithmetic done once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stall {
    pub(super) upload: bool,
    pub(super) download: bool,
    pub(super) grace_period: Duration,
    /// Bytes per second below which, for longer than the grace period, a transfer has stalled.
    pub(super) minimum_throughput: u64,
    /// How often throughput is checked.
    tick: Duration,
    /// Ticks in the grace period.
    window: usize,
    /// Fewest bytes a grace period must carry.
    floor: u64,
}

impl Stall {
    pub(super) fn new(upload: bool, download: bool, grace_period: Duration, minimum_throughput: u64) -> Self {
        // Checked once a second (as the AWS SDKs do), more often for grace periods under one.
        let grace = grace_period.max(Duration::from_millis(1));
        let tick = grace.min(Duration::from_secs(1));
        let window = usize::try_from(grace.as_nanos().div_ceil(tick.as_nanos())).unwrap_or(usize::MAX).max(1);
        let floor = (u128::from(minimum_throughput) * grace.as_nanos()).div_ceil(1_000_000_000);
        Self {
            upload,
            download,
            grace_period,
            minimum_throughput,
            tick,
            window,
            floor: u64::try_from(floor).unwrap_or(u64::MAX),
        }
    }
}

/// Everything that bounds one exchange in time and memory.
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    /// Longest wait, once the request is written, for the complete response head.
    pub(super) read_timeout: Option<Duration>,
    pub(super) stall: Stall,
    /// Largest response body read into memory.
    pub(super) max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            read_timeout: Some(super::DEFAULT_READ_TIMEOUT),
            stall: Stall::new(true, true, super::DEFAULT_GRACE_PERIOD, super::DEFAULT_MINIMUM_THROUGHPUT),
            max_body: super::DEFAULT_MAX_RESPONSE_BODY,
        }
    }
}

/// Which way a stalled transfer was going.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Sending the request.
    Upload,
    /// Receiving the response.
    Download,
}

/// Throughput over a sliding window as a ring of per-tick byte counts: one addition per I/O
/// call, and the arithmetic once per tick. The clock starts when an I/O call first has to
/// wait, so a transfer that never waits never reads the time.
#[derive(Debug)]
pub(super) struct Monitor {
    direction: Direction,
    tick: Duration,
    window: usize,
    floor: u64,
    bins: VecDeque<u64>,
    current: u64,
    next_tick: Option<Instant>,
}

impl Monitor {
    fn new(direction: Direction, stall: &Stall) -> Self {
        Self {
            direction,
            tick: stall.tick,
            window: stall.window,
            floor: stall.floor,
            bins: VecDeque::new(),
            current: 0,
            next_tick: None,
        }
    }

    /// Closes the current tick; says whether the transfer has now been below the minimum for
    /// a whole grace period.
    fn on_tick(&mut self, now: Instant) -> bool {
        self.bins.push_back(std::mem::take(&mut self.current));
        if self.bins.len() > self.window {
            self.bins.pop_front();
        }
        // A late timer (a busy runtime) must not count as a tick without progress for every
        // tick it missed; the next window starts now.
        self.next_tick = Some(self.next_tick.map_or(now, |t| t + self.tick).max(now + self.tick / 2));
        self.bins.len() == self.window && self.bins.iter().sum::<u64>() < self.floor
    }
}

/// The limits of one exchange, applied as it moves from sending to receiving.
pub(super) struct Watch<'l> {
    limits: &'l Limits,
    /// The connection's timer: made the first time an I/O call on it has to wait, then kept
    /// (a connection carries many exchanges) and moved only when it must fire earlier.
    timer: &'l mut Option<Pin<Box<Sleep>>>,
    head: HeadDeadline,
    monitor: Option<Monitor>,
    /// The deadline is a streamed body read's, not the response head's.
    body_read: bool,
}

/// The read timeout's deadline, set when the wait for the response head starts.
#[derive(Clone, Copy)]
enum HeadDeadline {
    None,
    Pending(Duration),
    At(Instant),
}

impl<'l> Watch<'l> {
    pub(super) fn new(limits: &'l Limits, timer: &'l mut Option<Pin<Box<Sleep>>>) -> Self {
        Self { limits, timer, head: HeadDeadline::None, monitor: None, body_read: false }
    }

    /// One read of a streamed response body: it must bring data within the read timeout, and
    /// the download's throughput is checked across reads with `monitor`, kept by the body
    /// between reads. Time between reads (the caller not asking for more) is not counted.
    pub(super) fn body_read(&mut self, monitor: Option<Monitor>) {
        self.head = self.limits.read_timeout.map_or(HeadDeadline::None, HeadDeadline::Pending);
        self.body_read = true;
        self.monitor = monitor.map(|mut m| {
            m.next_tick = None;
            m
        });
        self.receiving();
    }

    /// The throughput monitor, to carry to the next read of a streamed body.
    pub(super) fn take_monitor(&mut self) -> Option<Monitor> {
        self.monitor.take()
    }

    pub(super) fn limits(&self) -> &'l Limits {
        self.limits
    }

    /// The request starts going out.
    pub(super) fn sending(&mut self) {
        self.monitor = self
            .limits
            .stall
            .upload
            .then(|| Monitor::new(Direction::Upload, &self.limits.stall));
    }

    /// The request is written: the response head is now awaited. Time to first byte is not a
    /// stall (the service may be working); it is bounded by the read timeout instead.
    pub(super) fn sent(&mut self) {
        self.monitor = None;
        self.head = self.limits.read_timeout.map_or(HeadDeadline::None, HeadDeadline::Pending);
    }

    /// The first response byte arrived: from now on the response must keep flowing.
    pub(super) fn receiving(&mut self) {
        if self.monitor.is_none() && self.limits.stall.download {
            self.monitor = Some(Monitor::new(Direction::Download, &self.limits.stall));
        }
    }

    /// The response head is complete.
    pub(super) fn head_done(&mut self) {
        self.head = HeadDeadline::None;
    }

    /// Counts bytes moved.
    pub(super) fn progress(&mut self, bytes: usize) {
        if let Some(m) = &mut self.monitor {
            m.current = m.current.saturating_add(bytes as u64);
        }
    }

    /// Awaits an I/O future within the limits in force.
    pub(super) async fn io<T>(&mut self, io: impl Future<Output = io::Result<T>>) -> Result<T, Failure> {
        let mut io = std::pin::pin!(io);
        std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = io.as_mut().poll(cx) {
                return Poll::Ready(result.map_err(Failure::Io));
            }
            loop {
                let head = match self.head {
                    HeadDeadline::None => None,
                    HeadDeadline::At(at) => Some(at),
                    HeadDeadline::Pending(after) => {
                        let at = Instant::now() + after;
                        self.head = HeadDeadline::At(at);
                        Some(at)
                    }
                };
                let tick = self.monitor.as_mut().map(|m| *m.next_tick.get_or_insert_with(|| Instant::now() + m.tick));
                let next = match (head, tick) {
                    (None, None) => return Poll::Pending,
                    (Some(a), Some(b)) => a.min(b),
                    (a, b) => a.or(b).unwrap_or_else(Instant::now),
                };
                let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(next)));
                // A timer set for later must move; one set earlier may stay, and when it fires
                // the loop finds nothing due and moves it then. So steady traffic on a
                // connection does not touch the timer wheel on every exchange.
                if timer.deadline() > next || timer.is_elapsed() {
                    timer.as_mut().reset(next);
                }
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                if let Some(failure) = self.on_timer(Instant::now()) {
                    return Poll::Ready(Err(failure));
                }
            }
        })
        .await
    }

    fn on_timer(&mut self, now: Instant) -> Option<Failure> {
        if let (HeadDeadline::At(deadline), Some(limit)) = (self.head, self.limits.read_timeout) {
            if deadline <= now {
                if self.body_read {
                    return Some(Failure::Timeout(super::TransportError::BodyReadTimeout { after: limit }));
                }
                return Some(Failure::Timeout(super::TransportError::ResponseTimeout { after: limit }));
            }
        }
        let m = self.monitor.as_mut()?;
        if m.next_tick.is_some_and(|t| t <= now) && m.on_tick(now) {
            let stall = self.limits.stall;
            return Some(Failure::Timeout(super::TransportError::Stalled {
                direction: m.direction,
                grace_period: stall.grace_period,
                minimum_throughput: stall.minimum_throughput,
            }));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stall(grace_ms: u64, bps: u64) -> Stall {
        Stall::new(true, true, Duration::from_millis(grace_ms), bps)
    }

    /// Feeds `per_tick` bytes each tick; returns the tick at which the monitor reports a stall.
    fn stalls_at(s: Stall, per_tick: impl Fn(usize) -> u64, ticks: usize) -> Option<usize> {
        let start = Instant::now();
        let mut m = Monitor::new(Direction::Download, &s);
        m.next_tick = Some(start + m.tick);
        (1..=ticks).find(|&i| {
            m.current = per_tick(i);
            m.on_tick(start + m.tick * i as u32)
        })
    }

    #[test]
    fn a_silent_transfer_stalls_after_one_grace_period() {
        assert_eq!(stalls_at(stall(5000, 1), |_| 0, 20), Some(5));
        assert_eq!(stalls_at(stall(300, 1), |_| 0, 20), Some(1), "sub-second grace: one tick");
    }

    #[test]
    fn throughput_at_the_minimum_is_not_a_stall_and_below_it_is() {
        // 1 byte a second against a 1 B/s minimum: never below.
        assert_eq!(stalls_at(stall(5000, 1), |_| 1, 60), None);
        // One byte every third second: 1 or 2 bytes per 5 s window, below the 5 required.
        assert_eq!(stalls_at(stall(5000, 1), |i| u64::from(i % 3 == 0), 60), Some(5));
        // A burst resets nothing by itself: the window slides past it.
        assert_eq!(stalls_at(stall(5000, 1), |i| if i == 3 { 1000 } else { 0 }, 60), Some(8));
    }

    #[test]
    fn high_minimum_catches_a_slow_drip() {
        assert_eq!(stalls_at(stall(2000, 100), |_| 10, 10), Some(2));
        assert_eq!(stalls_at(stall(2000, 100), |_| 100, 10), None);
    }

    #[tokio::test(start_paused = true)]
    async fn read_timeout_bounds_the_head_and_stalls_are_reported_by_direction() {
        let limits = Limits { read_timeout: Some(Duration::from_secs(60)), ..Limits::default() };
        let mut timer = None;
        let mut watch = Watch::new(&limits, &mut timer);
        watch.sent();
        let got = watch.io(std::future::pending::<io::Result<()>>()).await;
        assert!(
            matches!(got, Err(Failure::Timeout(super::super::TransportError::ResponseTimeout { after })) if after == Duration::from_secs(60)),
            "{got:?}"
        );
        let mut timer = None;
        let mut watch = Watch::new(&limits, &mut timer);
        watch.sending();
        let got = watch.io(std::future::pending::<io::Result<()>>()).await;
        assert!(
            matches!(got, Err(Failure::Timeout(super::super::TransportError::Stalled { direction: Direction::Upload, .. }))),
            "{got:?}"
        );
        let done = watch.io(async { Ok(7) }).await;
        assert_eq!(done.ok(), Some(7), "ready I/O is never held back by the timer");
    }
}
