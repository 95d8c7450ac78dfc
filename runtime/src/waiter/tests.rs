use super::*;

const SECOND: Duration = Duration::from_secs(1);

/// The delay with `random` always taking the top (or bottom) of its range.
fn top(attempt: u32, min: u64, max: u64, remaining: u64) -> u64 {
    delay(attempt, min, max, Duration::from_secs(remaining), |_, hi| hi).as_secs()
}

fn bottom(attempt: u32, min: u64, max: u64, remaining: u64) -> u64 {
    delay(attempt, min, max, Duration::from_secs(remaining), |lo, _| lo).as_secs()
}

#[test]
fn the_upper_bound_doubles_from_min_delay_until_the_attempt_ceiling_then_is_max_delay() {
    // Defaults 2 and 120: attemptCeiling = log2(60) + 1 ≈ 6.9.
    let uppers: Vec<u64> = (1..=9).map(|a| top(a, 2, 120, 10_000)).collect();
    assert_eq!(uppers, [2, 4, 8, 16, 32, 64, 120, 120, 120]);
    // A ceiling that is a whole number: 1 and 8 give log2(8) + 1 = 4, so attempt 4 is 1 * 2^3.
    let uppers: Vec<u64> = (1..=6).map(|a| top(a, 1, 8, 10_000)).collect();
    assert_eq!(uppers, [1, 2, 4, 8, 8, 8]);
    // minDelay == maxDelay: linear.
    assert!((1..=5).all(|a| top(a, 5, 5, 10_000) == 5 && bottom(a, 5, 5, 10_000) == 5));
    // No overflow for any attempt or delay.
    assert_eq!(top(u32::MAX, 2, 120, 10_000), 120);
    assert_eq!(top(64, 1, u64::MAX, u64::MAX), 1 << 63);
    assert_eq!(top(65, 1, u64::MAX, u64::MAX), u64::MAX);
    assert_eq!(top(100, u64::MAX, u64::MAX, u64::MAX), u64::MAX);
}

#[test]
fn the_random_draw_spans_min_delay_to_the_upper_bound() {
    for attempt in 1..=12 {
        let mut seen = None;
        let d = delay(attempt, 2, 120, Duration::from_secs(10_000), |lo, hi| {
            seen = Some((lo, hi));
            hi.saturating_add(1000)
        });
        let (lo, hi) = seen.expect("random was called");
        assert_eq!(lo, 2, "the draw starts at minDelay");
        assert_eq!(hi, top(attempt, 2, 120, 10_000));
        assert_eq!(d.as_secs(), hi, "an out-of-range draw is clamped");
    }
    // The real draw: every whole second of the range occurs, and nothing outside it.
    let mut counts = [0u32; 10];
    for i in 0..4000 {
        let unit = f64::from(i) / 4000.0;
        counts[random_inclusive(3, 7, unit) as usize] += 1;
    }
    assert_eq!(&counts[..3], &[0, 0, 0]);
    assert!(counts[3..=7].iter().all(|c| *c == 800), "{counts:?}");
    assert_eq!(&counts[8..], &[0, 0]);
    assert_eq!(random_inclusive(3, 7, 1.0), 7);
    assert_eq!(random_inclusive(3, 7, f64::NAN), 7);
    assert_eq!(random_inclusive(3, 7, -5.0), 3);
    assert_eq!(random_inclusive(9, 9, 0.5), 9);
    for _ in 0..200 {
        let d = delay(5, 2, 120, Duration::from_secs(10_000), |lo, hi| random_inclusive(lo, hi, crate::rand::unit_f64()));
        assert!((2 * SECOND..=32 * SECOND).contains(&d), "{d:?}");
    }
}

#[test]
fn the_last_delay_stretches_to_the_remaining_time() {
    // remaining - delay <= minDelay: wait out the remaining time and poll once more.
    assert_eq!(top(3, 2, 120, 10), 10, "10 - 8 = 2 <= 2");
    assert_eq!(top(3, 2, 120, 11), 8, "11 - 8 = 3 > 2");
    assert_eq!(bottom(1, 2, 120, 3), 3);
    let remaining = Duration::from_millis(1500);
    assert_eq!(delay(1, 2, 120, remaining, |lo, _| lo), remaining, "less left than minDelay");
}

#[test]
fn delays_never_exceed_the_maximum_wait_and_end_exactly_at_it() {
    // The specification's example: defaults, a maximum wait of 300 s, requests taking no time.
    for draw in [0.0, 0.5, 0.999, 1.0] {
        let max_wait = Duration::from_secs(300);
        let mut elapsed = Duration::ZERO;
        let mut delays = Vec::new();
        let mut attempt = 0;
        while elapsed < max_wait {
            attempt += 1;
            let d = delay(attempt, 2, 120, max_wait - elapsed, |lo, hi| random_inclusive(lo, hi, draw));
            assert!(!d.is_zero());
            delays.push(d);
            elapsed += d;
            assert!(attempt < 1000, "the delays must add up to the maximum wait");
        }
        assert_eq!(elapsed, max_wait, "{draw}: {delays:?}");
        let (last, rest) = delays.split_last().unwrap();
        assert!(rest.iter().all(|d| (2 * SECOND..=120 * SECOND).contains(d)), "{delays:?}");
        assert!(*last <= 120 * SECOND + 2 * SECOND, "the stretch adds at most minDelay: {delays:?}");
    }
}

#[test]
fn comparators_follow_the_specification() {
    use crate::document::Document as D;
    let strings = |items: &[&str]| D::Array(items.iter().map(|s| D::from(*s)).collect());
    assert!(Comparator::StringEquals.matches(&D::from("a"), "a"));
    assert!(!Comparator::StringEquals.matches(&strings(&["a"]), "a"));
    assert!(Comparator::BooleanEquals.matches(&D::Bool(true), "true"));
    assert!(Comparator::BooleanEquals.matches(&D::Bool(false), "false"));
    assert!(!Comparator::BooleanEquals.matches(&D::from("true"), "true"));
    assert!(Comparator::AllStringEquals.matches(&strings(&["a", "a"]), "a"));
    assert!(!Comparator::AllStringEquals.matches(&strings(&[]), "a"), "an empty array does not match");
    assert!(!Comparator::AllStringEquals.matches(&strings(&["a", "b"]), "a"));
    assert!(Comparator::AnyStringEquals.matches(&strings(&["b", "a"]), "a"));
    assert!(!Comparator::AnyStringEquals.matches(&strings(&[]), "a"));
    assert!(!Comparator::AnyStringEquals.matches(&D::from("a"), "a"));
}

#[test]
fn invalid_waiters_and_paths_are_construction_failures() {
    const BAD_PATH: &[Acceptor] = &[Acceptor { state: AcceptorState::Success, matcher: Matcher::Output { path: "a.[", comparator: Comparator::StringEquals, expected: "x" }, message: None }];
    let e = compile(&Waiter { name: "W", min_delay: 2, max_delay: 120, acceptors: BAD_PATH }).err().unwrap();
    assert!(e.starts_with("waiter W: path `a.[`: syntax error"), "{e}");
    const OK: &[Acceptor] = &[Acceptor { state: AcceptorState::Success, matcher: Matcher::Success(true), message: None }];
    let e = compile(&Waiter { name: "W", min_delay: 5, max_delay: 2, acceptors: OK }).err().unwrap();
    assert_eq!(e, "waiter W: minDelay 5 must be between 1 and maxDelay 2");
    assert_eq!(message_text(&crate::document::Document::from("x")).as_deref(), Some("x"));
    assert_eq!(message_text(&crate::document::Document::Null), None);
}
