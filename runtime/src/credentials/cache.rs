//! Caching credentials until shortly before they expire, with one refresh at a time.
//!
//! Requests read the cached value under a short synchronous lock. When it is missing or due, the
//! first caller refreshes while holding an async mutex; callers arriving meanwhile queue on that
//! mutex and then take the fresh value (or the failure of the refresh they waited for), so N
//! concurrent requests cost one call to the wrapped provider. A refresh that fails while the
//! cached credentials have not yet expired (inside the refresh buffer) keeps serving them.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};
use crate::clock::{SystemClock, TimeSource};

/// How long before expiry credentials are refreshed by default, so a request signed just before
/// expiry is not rejected in flight.
pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(5 * 60);

/// Wraps a provider and reuses its credentials until `expiry - buffer`. Credentials without an
/// expiry are kept for the life of the cache. Failures are not cached: the next call retries.
pub struct CachedProvider<P> {
    inner: P,
    time: Arc<dyn TimeSource>,
    buffer: Duration,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    credentials: Option<Credentials>,
    /// Refreshes finished so far; lets a queued caller tell whether one ran while it waited.
    refreshes: u64,
    /// The message of the last refresh, if it failed.
    last_error: Option<Arc<str>>,
    /// The last refresh failed but the credentials in hand had not expired and were kept.
    kept: bool,
}

impl<P: ProvideCredentials> CachedProvider<P> {
    /// Caches `inner` with the system clock and [`DEFAULT_REFRESH_BUFFER`].
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            time: Arc::new(SystemClock),
            buffer: DEFAULT_REFRESH_BUFFER,
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// Refreshes this long before expiry instead of [`DEFAULT_REFRESH_BUFFER`].
    pub fn with_buffer(mut self, buffer: Duration) -> Self {
        self.buffer = buffer;
        self
    }

    /// Reads the time from `time` (tests use a fake clock).
    pub fn with_time_source(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.time = time;
        self
    }

    /// A poisoned lock only means another caller panicked mid-update of plain data; the data is
    /// still consistent, so keep serving.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn usable(&self, credentials: &Credentials) -> bool {
        match credentials.expiry() {
            None => true,
            Some(expiry) => expiry
                .checked_sub(self.buffer)
                .is_some_and(|refresh_at| self.time.now() < refresh_at),
        }
    }

    fn cached(&self, state: &State) -> Option<Credentials> {
        state
            .credentials
            .as_ref()
            .filter(|c| self.usable(c))
            .cloned()
    }

    async fn get(&self) -> Result<Credentials, CredentialsError> {
        let seen = {
            let state = self.state();
            if let Some(credentials) = self.cached(&state) {
                return Ok(credentials);
            }
            state.refreshes
        };
        let _refreshing = self.refresh.lock().await;
        {
            let state = self.state();
            if let Some(credentials) = self.cached(&state) {
                return Ok(credentials);
            }
            if state.refreshes != seen {
                if let Some(message) = &state.last_error {
                    return Err(CredentialsError::new(message.to_string()));
                }
                // The refresh this caller waited for failed and kept unexpired credentials:
                // share that outcome rather than queueing another refresh.
                if state.kept {
                    if let Some(current) = state.credentials.clone().filter(|c| c.expiry().is_some_and(|x| self.time.now() < x)) {
                        return Ok(current);
                    }
                }
            }
        }
        // Cancellation-safe: if this future is dropped here, the guard is released without
        // counting a refresh and the next queued caller refreshes instead.
        let result = self.inner.provide_credentials().await;
        let mut state = self.state();
        state.refreshes = state.refreshes.wrapping_add(1);
        match &result {
            Ok(credentials) => {
                if credentials
                    .expiry()
                    .is_some_and(|expiry| expiry <= self.time.now())
                {
                    tracing::warn!(
                        "credentials provider returned credentials that have already expired"
                    );
                }
                state.credentials = Some(credentials.clone());
                state.last_error = None;
                state.kept = false;
            }
            Err(e) => {
                // A refresh ahead of expiry that fails (IMDS or STS briefly unavailable) keeps the
                // credentials in hand while they still work, instead of failing requests that
                // they could sign; the next caller tries the refresh again.
                if let Some(current) = state.credentials.clone().filter(|c| c.expiry().is_some_and(|x| self.time.now() < x)) {
                    tracing::warn!(
                        reason = %super::describe(e),
                        "refreshing credentials failed; using the current ones until they expire"
                    );
                    state.last_error = None;
                    state.kept = true;
                    return Ok(current);
                }
                state.last_error = Some(Arc::from(super::describe(e)));
                state.kept = false;
            }
        }
        result
    }
}

impl<P: ProvideCredentials> ProvideCredentials for CachedProvider<P> {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.get())
    }
}

impl<P: fmt::Debug> fmt::Debug for CachedProvider<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedProvider")
            .field("inner", &self.inner)
            .field("buffer", &self.buffer)
            .field("time", &self.time)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use std::time::SystemTime;

    #[derive(Debug)]
    struct FakeClock(Mutex<SystemTime>);

    impl FakeClock {
        fn at(secs: u64) -> Arc<Self> {
            Arc::new(Self(Mutex::new(
                SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            )))
        }
        fn set(&self, secs: u64) {
            *self.0.lock().expect("clock") = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        }
    }

    impl TimeSource for FakeClock {
        fn now(&self) -> SystemTime {
            *self.0.lock().expect("clock")
        }
    }

    /// Returns credentials numbered by call (`AKID1`, `AKID2`, ...), expiring at a fixed time,
    /// optionally waiting for a go signal first.
    #[derive(Debug)]
    struct Counting {
        calls: AtomicUsize,
        expiry: Option<u64>,
        gate: Option<Arc<tokio::sync::Notify>>,
        fail: bool,
    }

    impl Counting {
        fn new(expiry: Option<u64>) -> Self {
            Self {
                calls: AtomicUsize::new(0),
                expiry,
                gate: None,
                fail: false,
            }
        }
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> ProvideFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                if let Some(gate) = &self.gate {
                    gate.notified().await;
                }
                if self.fail {
                    return Err(CredentialsError::new(format!("attempt {n} failed")));
                }
                let expiry = self
                    .expiry
                    .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s));
                Ok(Credentials::new(format!("AKID{n}"), "SECRET", None, expiry, "Static"))
            })
        }
    }

    async fn id<P: ProvideCredentials>(p: &CachedProvider<P>) -> String {
        p.provide_credentials()
            .await
            .expect("credentials")
            .access_key_id()
            .to_string()
    }

    #[tokio::test]
    async fn reuses_until_expiry_minus_buffer_then_refreshes() {
        let clock = FakeClock::at(1_000);
        let cache = CachedProvider::new(Counting::new(Some(2_000))).with_time_source(clock.clone());
        assert_eq!(id(&cache).await, "AKID1");
        clock.set(1_699); // 2000 - 300 - 1: still usable
        assert_eq!(id(&cache).await, "AKID1");
        assert_eq!(cache.inner.calls(), 1);
        clock.set(1_700); // inside the 5-minute buffer
        assert_eq!(id(&cache).await, "AKID2");
        assert_eq!(cache.inner.calls(), 2);
    }

    #[tokio::test]
    async fn custom_buffer() {
        let clock = FakeClock::at(1_000);
        let cache = CachedProvider::new(Counting::new(Some(2_000)))
            .with_time_source(clock.clone())
            .with_buffer(Duration::from_secs(10));
        assert_eq!(id(&cache).await, "AKID1");
        clock.set(1_989);
        assert_eq!(id(&cache).await, "AKID1");
        clock.set(1_990);
        assert_eq!(id(&cache).await, "AKID2");
    }

    #[tokio::test]
    async fn credentials_without_expiry_are_kept() {
        let clock = FakeClock::at(0);
        let cache = CachedProvider::new(Counting::new(None)).with_time_source(clock.clone());
        assert_eq!(id(&cache).await, "AKID1");
        clock.set(u64::from(u32::MAX));
        assert_eq!(id(&cache).await, "AKID1");
        assert_eq!(cache.inner.calls(), 1);
    }

    #[tokio::test]
    async fn expiry_earlier_than_buffer_never_caches() {
        // Expiry at 100 s after the epoch minus a 5-minute buffer is before the epoch.
        let cache =
            CachedProvider::new(Counting::new(Some(100))).with_time_source(FakeClock::at(0));
        assert_eq!(id(&cache).await, "AKID1");
        assert_eq!(id(&cache).await, "AKID2");
    }

    /// Succeeds on the first call, then fails.
    #[derive(Debug)]
    struct FailsAfterFirst(AtomicUsize, u64);

    impl ProvideCredentials for FailsAfterFirst {
        fn provide_credentials(&self) -> ProvideFuture<'_> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            let expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(self.1);
            Box::pin(async move {
                if n == 0 {
                    Ok(Credentials::new("AKID1", "SECRET", None, Some(expiry), "test"))
                } else {
                    Err(CredentialsError::new(format!("refresh {n} failed")))
                }
            })
        }
    }

    #[tokio::test]
    async fn failed_early_refresh_keeps_unexpired_credentials_until_expiry() {
        let clock = FakeClock::at(1_000);
        let cache = CachedProvider::new(FailsAfterFirst(AtomicUsize::new(0), 2_000)).with_time_source(clock.clone());
        assert_eq!(id(&cache).await, "AKID1");
        clock.set(1_800); // inside the buffer: a refresh is attempted and fails
        assert_eq!(id(&cache).await, "AKID1");
        assert_eq!(cache.inner.0.load(Ordering::SeqCst), 2, "the refresh was tried");
        assert_eq!(id(&cache).await, "AKID1");
        assert_eq!(cache.inner.0.load(Ordering::SeqCst), 3, "and is tried again by the next caller");
        clock.set(2_000); // expired: the failure is reported
        assert_eq!(cache.provide_credentials().await.expect_err("expired").to_string(), "refresh 3 failed");
    }

    #[tokio::test]
    async fn failures_are_not_cached() {
        let mut inner = Counting::new(None);
        inner.fail = true;
        let cache = CachedProvider::new(inner);
        assert_eq!(
            cache
                .provide_credentials()
                .await
                .expect_err("1")
                .to_string(),
            "attempt 1 failed"
        );
        assert_eq!(
            cache
                .provide_credentials()
                .await
                .expect_err("2")
                .to_string(),
            "attempt 2 failed"
        );
    }

    /// Spawns `n` callers on the current-thread runtime and lets each run until it blocks: the
    /// first inside the provider (waiting on the gate), the rest on the refresh lock.
    async fn concurrent_callers<P: ProvideCredentials + 'static>(
        cache: &Arc<CachedProvider<P>>,
        n: usize,
    ) -> Vec<tokio::task::JoinHandle<Result<Credentials, String>>> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(
                    async move { cache.provide_credentials().await.map_err(|e| e.to_string()) },
                )
            })
            .collect();
        for _ in 0..n {
            tokio::task::yield_now().await;
        }
        tasks
    }

    /// A task's result; a caller stuck on the refresh lock fails the test instead of hanging it.
    async fn joined<T>(task: tokio::task::JoinHandle<T>) -> T {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("caller finished in time")
            .expect("join")
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_refresh() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut inner = Counting::new(Some(10_000));
        inner.gate = Some(gate.clone());
        let cache = Arc::new(CachedProvider::new(inner).with_time_source(FakeClock::at(0)));
        let tasks = concurrent_callers(&cache, 16).await;
        assert_eq!(cache.inner.calls(), 1, "one refresh in flight");
        gate.notify_one();
        for task in tasks {
            assert_eq!(
                joined(task).await.expect("credentials").access_key_id(),
                "AKID1"
            );
        }
        assert_eq!(cache.inner.calls(), 1);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_failure() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut inner = Counting::new(None);
        inner.gate = Some(gate.clone());
        inner.fail = true;
        let cache = Arc::new(CachedProvider::new(inner));
        let tasks = concurrent_callers(&cache, 8).await;
        gate.notify_one();
        for task in tasks {
            assert_eq!(joined(task).await, Err("attempt 1 failed".to_string()));
        }
        assert_eq!(cache.inner.calls(), 1);
        // A later caller, which did not wait on that refresh, tries again.
        gate.notify_one();
        assert_eq!(
            cache
                .provide_credentials()
                .await
                .expect_err("retry")
                .to_string(),
            "attempt 2 failed"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn single_flight_across_threads() {
        #[derive(Debug)]
        struct Slow(AtomicUsize);
        impl ProvideCredentials for Slow {
            fn provide_credentials(&self) -> ProvideFuture<'_> {
                Box::pin(async move {
                    self.0.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(Credentials::new("AKID", "SECRET", None, None, "Static"))
                })
            }
        }
        let cache = Arc::new(CachedProvider::new(Slow(AtomicUsize::new(0))));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.provide_credentials().await.is_ok() })
            })
            .collect();
        for task in tasks {
            assert!(joined(task).await);
        }
        assert_eq!(cache.inner.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn cancelled_refresh_lets_the_next_caller_refresh() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut inner = Counting::new(None);
        inner.gate = Some(gate.clone());
        let cache = Arc::new(CachedProvider::new(inner));
        let first = concurrent_callers(&cache, 1).await;
        first.into_iter().for_each(|t| t.abort());
        tokio::task::yield_now().await;
        gate.notify_one();
        assert_eq!(id(&cache).await, "AKID2");
    }

    #[test]
    fn debug_hides_cached_secrets() {
        let cache = CachedProvider::new(Credentials::new(
            "AKIDVALUE",
            "SECRETVALUE",
            Some("TOKENVALUE".into()),
            None,
            "Static",
        ));
        let debug = format!("{cache:?}");
        for secret in ["AKIDVALUE", "SECRETVALUE", "TOKENVALUE"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
