//! Random bytes for idempotency tokens and invocation ids (UUID v4) and retry jitter, from the
//! operating system through ring, so that no extra random-number crate is needed.
//!
//! UUIDs are made on every call, so they come from a per-thread xoshiro256** generator seeded
//! from the OS rather than from a system call each: they must be unique, not secret. A forked
//! child would inherit the generator's state and repeat its parent's ids, so the generator
//! reseeds whenever the process id changes (one cheap `getpid` per UUID instead of a `getrandom`).

use ring::rand::{SecureRandom, SystemRandom};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Fills `buf` with random bytes from the operating system.
///
/// If the OS generator fails (ring reports an error only when the `getrandom` syscall or its
/// equivalent is unavailable), the bytes come instead from SipHash keyed by the standard
/// library's `RandomState`, which is itself seeded from the OS once per thread, over a global
/// counter and the current time. That is unpredictable enough for idempotency tokens and
/// jitter (the only uses here) but not for key material, and it keeps callers from panicking.
pub fn fill(buf: &mut [u8]) {
    if SystemRandom::new().fill(buf).is_err() {
        fill_fallback(buf);
    }
}

fn fill_fallback(buf: &mut [u8]) {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let keys = RandomState::new();
    for chunk in buf.chunks_mut(8) {
        let mut hasher = keys.build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u128(now);
        let word = hasher.finish().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
}

/// A random (version 4) UUID, lowercase and hyphenated: `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`
/// with `y` one of `8 9 a b` (RFC 9562 §5.4).
pub fn uuid_v4() -> String {
    let (a, b) = FAST.with(|g| {
        let mut g = g.borrow_mut();
        g.reseed_after_fork();
        (g.next(), g.next())
    });
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    format_uuid_v4(bytes)
}

thread_local! {
    static FAST: std::cell::RefCell<Xoshiro> = std::cell::RefCell::new(Xoshiro::seeded());
}

/// xoshiro256** (Blackman and Vigna): fast, 256 bits of state, seeded from the OS.
struct Xoshiro {
    state: [u64; 4],
    pid: u32,
}

impl Xoshiro {
    fn seeded() -> Self {
        let mut seed = [0u8; 32];
        fill(&mut seed);
        let mut state = [0u64; 4];
        for (word, chunk) in state.iter_mut().zip(seed.chunks_exact(8)) {
            *word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        }
        if state == [0; 4] {
            // The all-zero state is the one state xoshiro never leaves.
            state[0] = 0x9E37_79B9_7F4A_7C15;
        }
        Xoshiro { state, pid: std::process::id() }
    }

    /// A forked child inherits the state; a new process id means a new seed.
    fn reseed_after_fork(&mut self) {
        if self.pid != std::process::id() {
            *self = Xoshiro::seeded();
        }
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
}

fn format_uuid_v4(mut bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Version 4 in the high nibble of byte 6; variant 0b10 in the top bits of byte 8.
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xF)]));
    }
    out
}

/// A uniformly distributed `f64` in `[0, 1)`, for retry jitter.
pub fn unit_f64() -> f64 {
    let mut bytes = [0u8; 8];
    fill(&mut bytes);
    unit_f64_from(u64::from_le_bytes(bytes))
}

/// The top 53 bits (an `f64` mantissa's worth) scaled by 2^-53: every result is exact and below 1.
fn unit_f64_from(random: u64) -> f64 {
    (random >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_produces_varied_bytes() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        fill(&mut a);
        fill(&mut b);
        // Two equal 64-byte draws (or an all-zero one) would mean the source is broken.
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 64]);
        let (mut c, mut d) = ([0u8; 21], [0u8; 21]);
        fill_fallback(&mut c);
        fill_fallback(&mut d);
        assert_ne!(c, d);
    }

    #[test]
    fn fast_uuids_are_distinct_across_threads() {
        let mut all: Vec<String> = (0..2000).map(|_| uuid_v4()).collect();
        let other = std::thread::spawn(|| (0..2000).map(|_| uuid_v4()).collect::<Vec<_>>()).join().unwrap();
        all.extend(other);
        let unique: std::collections::HashSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
    }

    #[test]
    fn uuid_has_version_and_variant() {
        assert_eq!(
            format_uuid_v4([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
        assert_eq!(
            format_uuid_v4([0xFF; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let id = uuid_v4();
            assert_eq!(id.len(), 36);
            let b = id.as_bytes();
            assert_eq!(
                (b[8], b[13], b[14], b[18], b[23]),
                (b'-', b'-', b'4', b'-', b'-'),
                "{id}"
            );
            assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "{id}");
            assert!(id
                .bytes()
                .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
            assert!(seen.insert(id));
        }
    }

    #[test]
    fn unit_f64_stays_in_range() {
        assert_eq!(unit_f64_from(0), 0.0);
        assert!(unit_f64_from(u64::MAX) < 1.0);
        assert_eq!(unit_f64_from(1 << 63), 0.5);
        let draws: Vec<f64> = (0..1000).map(|_| unit_f64()).collect();
        assert!(draws.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        // The mean of 1000 uniform draws has a standard deviation of about 0.009.
        assert!((0.4..0.6).contains(&mean), "{mean}");
    }
}
