//! Idle keep-alive connections, keyed by origin (scheme, host, port), bounded per origin and
//! expired after an idle timeout. Connections are only ever in the pool while no request uses
//! them: a request takes one out and puts it back once its response has been read whole.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The origin a connection is bound to.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(super) struct PoolKey {
    pub(super) https: bool,
    pub(super) host: String,
    pub(super) port: u16,
    /// The proxy the connection goes through (its URL without credentials), if any.
    pub(super) proxy: Option<String>,
}

struct Idle<C> {
    conn: C,
    since: Instant,
}

/// A bounded set of idle connections per origin.
pub(super) struct Pool<C> {
    max_idle_per_host: usize,
    idle_timeout: Duration,
    // Oldest first, so the most recently used connection, the one least likely to have been
    // closed by the server's own idle timer, is taken first.
    idle: Mutex<HashMap<PoolKey, Vec<Idle<C>>>>,
}

impl<C> Pool<C> {
    pub(super) fn new(max_idle_per_host: usize, idle_timeout: Duration) -> Self {
        Self {
            max_idle_per_host,
            idle_timeout,
            idle: Mutex::new(HashMap::new()),
        }
    }

    /// Takes the most recently returned live connection to `key`, if any.
    pub(super) fn take(&self, key: &PoolKey) -> Option<C> {
        if self.max_idle_per_host == 0 {
            return None;
        }
        // A panic elsewhere while holding the lock cannot leave the map inconsistent.
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let list = idle.get_mut(key)?;
        let newest = list.pop();
        match newest {
            Some(entry) if entry.since.elapsed() < self.idle_timeout => Some(entry.conn),
            // The newest has expired, hence all older ones too.
            _ => {
                idle.remove(key);
                None
            }
        }
    }

    /// Returns a connection that can carry another request.
    pub(super) fn put(&self, key: PoolKey, conn: C) {
        if self.max_idle_per_host == 0 {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let list = idle.entry(key).or_default();
        if list.len() >= self.max_idle_per_host {
            list.remove(0);
        }
        list.push(Idle {
            conn,
            since: Instant::now(),
        });
    }

    /// Closes expired connections of every origin. Called when a new connection is opened,
    /// which is rare in steady state, so idle sockets to origins no longer used do not linger
    /// while the common path stays free of a full sweep.
    pub(super) fn prune(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.retain(|_, list| {
            list.retain(|entry| entry.since.elapsed() < self.idle_timeout);
            !list.is_empty()
        });
    }

    /// Number of idle connections to `key`.
    #[cfg(test)]
    fn idle_count(&self, key: &PoolKey) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .map_or(0, Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(host: &str) -> PoolKey {
        PoolKey {
            https: false,
            host: host.to_string(),
            port: 80,
            proxy: None,
        }
    }

    #[test]
    fn newest_connection_is_taken_first_and_origins_are_separate() {
        let pool = Pool::new(4, Duration::from_secs(60));
        pool.put(key("a"), 1);
        pool.put(key("a"), 2);
        pool.put(key("b"), 3);
        assert_eq!(pool.take(&key("a")), Some(2));
        assert_eq!(pool.take(&key("a")), Some(1));
        assert_eq!(pool.take(&key("a")), None);
        assert_eq!(
            pool.take(&PoolKey {
                https: true,
                ..key("b")
            }),
            None
        );
        assert_eq!(pool.take(&key("b")), Some(3));
    }

    #[test]
    fn oldest_is_evicted_beyond_the_per_host_limit() {
        let pool = Pool::new(2, Duration::from_secs(60));
        for conn in 1..=3 {
            pool.put(key("a"), conn);
        }
        assert_eq!(pool.idle_count(&key("a")), 2);
        assert_eq!(
            (pool.take(&key("a")), pool.take(&key("a"))),
            (Some(3), Some(2))
        );
    }

    #[test]
    fn expired_connections_are_not_handed_out_and_pruned() {
        let pool = Pool::new(4, Duration::from_millis(20));
        pool.put(key("a"), 1);
        pool.put(key("b"), 2);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(pool.take(&key("a")), None);
        pool.prune();
        assert_eq!(pool.idle_count(&key("b")), 0);
    }

    #[test]
    fn zero_limit_disables_pooling() {
        let pool = Pool::new(0, Duration::from_secs(60));
        pool.put(key("a"), 1);
        assert_eq!(pool.take(&key("a")), None);
    }
}
