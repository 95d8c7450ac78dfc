//! The timestamp parsers and formatters (`client_runtime::time`): RFC 3339 date-time,
//! HTTP-date (IMF-fixdate, RFC 850, asctime; also the parser clock-skew correction uses) and
//! epoch seconds.
//!
//! Input: the text, parsed in every format. The formatter's documented round trip is checked
//! on every instant a parser returns, and on an instant made from the input's first 12 bytes:
//! whenever `format(t, f)` succeeds, `parse(format(t, f), f)` is `t` at the precision `f`
//! keeps (nanoseconds for date-time; milliseconds for HTTP-date, truncated toward the past;
//! milliseconds for epoch seconds, truncated toward zero). Epoch seconds can write any instant.

#![no_main]

use client_runtime::time::{DateTime, TimestampFormat};
use libfuzzer_sys::fuzz_target;

const FORMATS: [TimestampFormat; 3] =
    [TimestampFormat::DateTime, TimestampFormat::HttpDate, TimestampFormat::EpochSeconds];

const NANOS: i128 = 1_000_000_000;
const MILLI: i128 = 1_000_000;

fn from_nanos(total: i128) -> DateTime {
    let seconds = i64::try_from(total.div_euclid(NANOS)).expect("seconds in range");
    DateTime::from_secs_and_nanos(seconds, total.rem_euclid(NANOS) as u32)
}

/// `t` at the precision `format` writes.
fn expected(t: DateTime, format: TimestampFormat) -> DateTime {
    let total = i128::from(t.secs()) * NANOS + i128::from(t.subsec_nanos());
    match format {
        TimestampFormat::DateTime => t,
        TimestampFormat::HttpDate => from_nanos(total.div_euclid(MILLI) * MILLI),
        // `/` truncates toward zero.
        TimestampFormat::EpochSeconds => from_nanos(total / MILLI * MILLI),
    }
}

fn round_trip(t: DateTime) {
    let _ = format!("{t} {t:?} {}", t.as_secs_f64());
    let _ = std::time::SystemTime::try_from(t);
    for format in FORMATS {
        match t.format(format) {
            Ok(text) => {
                let back = DateTime::parse(&text, format);
                assert_eq!(back, Ok(expected(t, format)), "{t:?} written in {format:?} as {text:?}");
            }
            Err(e) => assert!(
                format != TimestampFormat::EpochSeconds,
                "{t:?} cannot be written as epoch seconds: {e}"
            ),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for format in FORMATS {
        match DateTime::parse(&text, format) {
            Ok(t) => round_trip(t),
            Err(e) => drop(format!("{e} {e:?} {:?}", e.kind())),
        }
    }
    if let Some((secs, rest)) = data.split_first_chunk::<8>() {
        let nanos = rest.first_chunk::<4>().map_or(0, |n| u32::from_le_bytes(*n));
        round_trip(DateTime::from_secs_and_nanos(i64::from_le_bytes(*secs), nanos));
    }
});
