//! Timestamps as Smithy sends them: the [`DateTime`] instant and its three wire formats
//! (`date-time`, `http-date`, `epoch-seconds`, from the Smithy `timestampFormat` trait), with the
//! proleptic Gregorian calendar arithmetic they need written out here rather than pulled from a
//! date crate.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const NANOS_PER_SEC: u32 = 1_000_000_000;
const NANOS_PER_MILLI: u32 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// An instant: seconds since 1970-01-01T00:00:00Z (negative before it) plus nanoseconds
/// *forward* from that second, always below one billion. With this layout the derived ordering
/// is chronological.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    seconds: i64,
    subsec_nanos: u32,
}

/// The AWS SDK for Rust's name for [`TimestampFormat`] (`DateTime::fmt(DateTimeFormat::..)`).
pub type DateTimeFormat = TimestampFormat;

/// The wire format of a timestamp (the Smithy `timestampFormat` trait).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampFormat {
    /// RFC 3339 `date-time`, in UTC on output: `2019-12-16T23:48:18Z`.
    DateTime,
    /// RFC 7231 IMF-fixdate: `Mon, 16 Dec 2019 23:48:18 GMT`.
    HttpDate,
    /// Seconds since the Unix epoch, with an optional fraction: `1576540098.5`.
    EpochSeconds,
}

/// Why a timestamp could not be parsed, formatted or converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeError {
    kind: DateTimeErrorKind,
    message: &'static str,
}

/// The broad class of a [`DateTimeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateTimeErrorKind {
    /// The text does not follow the format.
    Invalid,
    /// The value is well-formed but outside what the target can represent.
    OutOfRange,
}

impl DateTimeError {
    const fn invalid(message: &'static str) -> Self {
        DateTimeError {
            kind: DateTimeErrorKind::Invalid,
            message,
        }
    }

    const fn out_of_range(message: &'static str) -> Self {
        DateTimeError {
            kind: DateTimeErrorKind::OutOfRange,
            message,
        }
    }

    /// The broad class of the error.
    pub fn kind(&self) -> DateTimeErrorKind {
        self.kind
    }

    /// A short description of what was wrong.
    pub fn message(&self) -> &'static str {
        self.message
    }
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for DateTimeError {}

impl DateTime {
    /// Whole seconds since the epoch.
    pub const fn from_secs(seconds: i64) -> Self {
        DateTime {
            seconds,
            subsec_nanos: 0,
        }
    }

    /// Seconds since the epoch plus nanoseconds forward from them. Nanoseconds of a second or
    /// more carry into the seconds (saturating at the ends of the `i64` range).
    pub const fn from_secs_and_nanos(seconds: i64, nanos: u32) -> Self {
        DateTime {
            seconds: seconds.saturating_add((nanos / NANOS_PER_SEC) as i64),
            subsec_nanos: nanos % NANOS_PER_SEC,
        }
    }

    /// Milliseconds since the epoch.
    pub const fn from_millis(millis: i64) -> Self {
        DateTime {
            seconds: millis.div_euclid(1000),
            subsec_nanos: millis.rem_euclid(1000) as u32 * NANOS_PER_MILLI,
        }
    }

    /// Fractional seconds since the epoch, as the AWS SDK for Rust's `DateTime::from_secs_f64`:
    /// infallible, so a value no `DateTime` holds saturates (NaN is the epoch, infinities and
    /// values beyond `i64` seconds the first or last representable second).
    /// [`try_from_secs_f64`](Self::try_from_secs_f64) refuses them instead.
    pub fn from_secs_f64(seconds: f64) -> Self {
        match Self::try_from_secs_f64(seconds) {
            Ok(t) => t,
            Err(_) if seconds.is_nan() => DateTime::from_secs(0),
            Err(_) if seconds > 0.0 => DateTime::from_secs(i64::MAX),
            Err(_) => DateTime::from_secs(i64::MIN),
        }
    }

    /// Whole seconds and a fraction of a second (`0.0..1.0`, as the SDK's
    /// `DateTime::from_fractional_secs`); the fraction is rounded to the nearest nanosecond and
    /// a fraction outside that range (or NaN) saturates like [`from_secs_f64`](Self::from_secs_f64).
    pub fn from_fractional_secs(seconds: i64, fraction: f64) -> Self {
        let nanos = (fraction * f64::from(NANOS_PER_SEC)).round();
        let nanos = if nanos.is_nan() { 0 } else { nanos.clamp(0.0, f64::from(NANOS_PER_SEC) - 1.0) as u32 };
        DateTime::from_secs_and_nanos(seconds, nanos)
    }

    /// Nanoseconds since the epoch; an error when the seconds do not fit an `i64`.
    pub fn from_nanos(nanos: i128) -> Result<Self, DateTimeError> {
        let seconds = i64::try_from(nanos.div_euclid(i128::from(NANOS_PER_SEC)))
            .map_err(|_| DateTimeError::out_of_range("timestamp seconds out of range"))?;
        Ok(DateTime { seconds, subsec_nanos: nanos.rem_euclid(i128::from(NANOS_PER_SEC)) as u32 })
    }

    /// Parses text in one of the formats, as the SDK's `DateTime::from_str(text, Format::..)`
    /// (the same as [`parse`](Self::parse)).
    pub fn from_str(text: &str, format: DateTimeFormat) -> Result<Self, DateTimeError> {
        Self::parse(text, format)
    }

    /// Fractional seconds since the epoch, rounded to the nearest nanosecond (an `f64` near the
    /// present only has about microsecond precision anyway); an error for NaN, infinities and
    /// values beyond `i64` seconds.
    pub fn try_from_secs_f64(seconds: f64) -> Result<Self, DateTimeError> {
        if !seconds.is_finite() {
            return Err(DateTimeError::invalid("timestamp is not a finite number"));
        }
        let whole = seconds.floor();
        // The i64 range is [-2^63, 2^63); both bounds are exact in f64.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if !(-LIMIT..LIMIT).contains(&whole) {
            return Err(DateTimeError::out_of_range(
                "timestamp seconds out of range",
            ));
        }
        let nanos = ((seconds - whole) * f64::from(NANOS_PER_SEC)).round();
        // `whole` is an integer inside the i64 range, so the casts are exact.
        let (secs, nanos) = if nanos >= f64::from(NANOS_PER_SEC) {
            let secs = (whole as i64)
                .checked_add(1)
                .ok_or(DateTimeError::out_of_range(
                    "timestamp seconds out of range",
                ))?;
            (secs, 0)
        } else {
            (whole as i64, nanos as u32)
        };
        Ok(DateTime {
            seconds: secs,
            subsec_nanos: nanos,
        })
    }

    /// Whole seconds since the epoch (rounded down, so negative instants with a fraction report
    /// the second before them).
    pub const fn secs(&self) -> i64 {
        self.seconds
    }

    /// Nanoseconds forward from [`secs`](Self::secs), below one billion.
    pub const fn subsec_nanos(&self) -> u32 {
        self.subsec_nanos
    }

    /// Milliseconds since the epoch; fails when they do not fit in an `i64`.
    pub fn to_millis(&self) -> Result<i64, DateTimeError> {
        self.seconds
            .checked_mul(1000)
            .and_then(|ms| ms.checked_add(i64::from(self.subsec_nanos / NANOS_PER_MILLI)))
            .ok_or_else(|| DateTimeError::out_of_range("milliseconds since the epoch overflow an i64"))
    }

    /// Nanoseconds since the epoch.
    pub fn as_nanos(&self) -> i128 {
        i128::from(self.seconds) * i128::from(NANOS_PER_SEC) + i128::from(self.subsec_nanos)
    }

    /// Whether there is a fraction of a second.
    pub fn has_subsec_nanos(&self) -> bool {
        self.subsec_nanos != 0
    }

    /// The instant in a wire format (the AWS SDK for Rust's spelling of
    /// [`format`](Self::format)).
    pub fn fmt(&self, format: DateTimeFormat) -> Result<String, DateTimeError> {
        self.format(format)
    }

    /// Seconds since the epoch as an `f64` (loses sub-microsecond precision for present dates).
    pub fn as_secs_f64(&self) -> f64 {
        self.seconds as f64 + f64::from(self.subsec_nanos) / f64::from(NANOS_PER_SEC)
    }

    /// Parses `text` in the given wire format.
    ///
    /// - `DateTime`: RFC 3339 `date-time` (§5.6) with `T`/`t`, `Z`/`z` or a numeric offset
    ///   (applied), and any number of fraction digits (truncated to nanoseconds). Leap seconds
    ///   (`:60`) are rejected: Unix time cannot name them and AWS services smear them away.
    /// - `HttpDate`: the three forms RFC 7231 §7.1.1.1 says recipients must accept
    ///   (IMF-fixdate, optionally with fractional seconds; RFC 850; asctime). The weekday must
    ///   be a valid name but is not checked against the date.
    /// - `EpochSeconds`: `-?digits(.digits)?([eE][+-]?digits)?`, converted exactly (no `f64`
    ///   rounding), fraction digits past nanoseconds truncated toward zero.
    pub fn parse(text: &str, format: TimestampFormat) -> Result<DateTime, DateTimeError> {
        match format {
            TimestampFormat::DateTime => parse_rfc3339(text.as_bytes()),
            TimestampFormat::HttpDate => parse_http_date(text.as_bytes(), || {
                Civil::of(&DateTime::from(SystemTime::now())).year
            }),
            TimestampFormat::EpochSeconds => parse_epoch_seconds(text.as_bytes()),
        }
    }

    /// Formats in the given wire format. See [`format_into`](Self::format_into).
    pub fn format(&self, format: TimestampFormat) -> Result<String, DateTimeError> {
        let mut out = String::with_capacity(32);
        self.format_into(format, &mut out)?;
        Ok(out)
    }

    /// Appends the timestamp in the given wire format to `out`; on error nothing is appended.
    ///
    /// - `DateTime`: `2019-12-16T23:48:18Z`, with `.` and the nanoseconds (trailing zeros
    ///   trimmed) only when they are not zero.
    /// - `HttpDate`: IMF-fixdate, `Mon, 16 Dec 2019 23:48:18 GMT`, with `.mmm` before ` GMT` only
    ///   when the milliseconds are not zero.
    /// - `EpochSeconds`: `1576540098`, or with up to three fraction digits (truncated toward
    ///   zero, trailing zeros trimmed) when the milliseconds are not zero: `1576540098.5`.
    ///
    /// Both calendar formats have four-digit years: instants outside years 0001 to 9999 are an
    /// error. Epoch seconds can express every instant.
    pub fn format_into(
        &self,
        format: TimestampFormat,
        out: &mut String,
    ) -> Result<(), DateTimeError> {
        match format {
            TimestampFormat::DateTime => {
                let c = Civil::of(self).in_four_digit_years()?;
                push_padded(out, c.year.unsigned_abs(), 4);
                out.push('-');
                push_padded(out, c.month.into(), 2);
                out.push('-');
                push_padded(out, c.day.into(), 2);
                out.push('T');
                push_time_of_day(out, &c);
                if self.subsec_nanos != 0 {
                    let (digits, width) = trimmed_fraction(self.subsec_nanos, 9);
                    out.push('.');
                    push_padded(out, digits.into(), width);
                }
                out.push('Z');
            }
            TimestampFormat::HttpDate => {
                let c = Civil::of(self).in_four_digit_years()?;
                out.push_str(DAY_NAMES[c.weekday as usize % 7]);
                out.push_str(", ");
                push_padded(out, c.day.into(), 2);
                out.push(' ');
                out.push_str(MONTH_NAMES[(c.month as usize + 11) % 12]);
                out.push(' ');
                push_padded(out, c.year.unsigned_abs(), 4);
                out.push(' ');
                push_time_of_day(out, &c);
                let millis = self.subsec_nanos / NANOS_PER_MILLI;
                if millis != 0 {
                    out.push('.');
                    push_padded(out, millis.into(), 3);
                }
                out.push_str(" GMT");
            }
            TimestampFormat::EpochSeconds => {
                // Work on the magnitude so that negative instants truncate toward zero too.
                let (negative, mag_secs, mag_nanos) = if self.seconds < 0 && self.subsec_nanos != 0
                {
                    // seconds + nanos/1e9 = -((|seconds| - 1) + (1e9 - nanos)/1e9)
                    (
                        true,
                        self.seconds.unsigned_abs() - 1,
                        NANOS_PER_SEC - self.subsec_nanos,
                    )
                } else {
                    (
                        self.seconds < 0,
                        self.seconds.unsigned_abs(),
                        self.subsec_nanos,
                    )
                };
                let millis = mag_nanos / NANOS_PER_MILLI;
                if negative && (mag_secs != 0 || millis != 0) {
                    out.push('-');
                }
                push_padded(out, mag_secs, 1);
                if millis != 0 {
                    let (digits, width) = trimmed_fraction(millis, 3);
                    out.push('.');
                    push_padded(out, digits.into(), width);
                }
            }
        }
        Ok(())
    }
}

impl From<SystemTime> for DateTime {
    /// Saturates at the ends of the `i64` seconds range (beyond any real clock).
    fn from(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => DateTime {
                seconds: i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
                subsec_nanos: after.subsec_nanos(),
            },
            Err(before) => {
                let before = before.duration();
                let seconds = 0i64.saturating_sub_unsigned(before.as_secs());
                if before.subsec_nanos() == 0 {
                    DateTime {
                        seconds,
                        subsec_nanos: 0,
                    }
                } else {
                    DateTime {
                        seconds: seconds.saturating_sub(1),
                        subsec_nanos: NANOS_PER_SEC - before.subsec_nanos(),
                    }
                }
            }
        }
    }
}

impl TryFrom<DateTime> for SystemTime {
    type Error = DateTimeError;

    /// Fails when the platform's `SystemTime` cannot represent the instant.
    fn try_from(time: DateTime) -> Result<Self, Self::Error> {
        let whole = if time.seconds >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(time.seconds.unsigned_abs()))
        } else {
            UNIX_EPOCH.checked_sub(Duration::from_secs(time.seconds.unsigned_abs()))
        };
        whole
            .and_then(|t| t.checked_add(Duration::from_nanos(time.subsec_nanos.into())))
            .ok_or(DateTimeError::out_of_range(
                "timestamp out of range for SystemTime",
            ))
    }
}

impl fmt::Display for DateTime {
    /// RFC 3339 in UTC; years outside 0001 to 9999 are written with a sign (ISO 8601 expanded
    /// form) since `Display` cannot fail.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = Civil::of(self);
        if (1..=9999).contains(&c.year) {
            write!(f, "{:04}", c.year)?;
        } else {
            write!(f, "{:+05}", c.year)?;
        }
        write!(
            f,
            "-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.month, c.day, c.hour, c.minute, c.second
        )?;
        if self.subsec_nanos != 0 {
            let (digits, width) = trimmed_fraction(self.subsec_nanos, 9);
            write!(f, ".{digits:0width$}")?;
        }
        f.write_str("Z")
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An instant broken down into UTC calendar fields.
struct Civil {
    year: i64,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// 0 is Sunday.
    weekday: u8,
}

impl Civil {
    fn of(time: &DateTime) -> Civil {
        let days = time.seconds.div_euclid(SECS_PER_DAY);
        let secs_of_day = time.seconds.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (secs_of_day / 3600) as u8,
            minute: (secs_of_day / 60 % 60) as u8,
            second: (secs_of_day % 60) as u8,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as u8,
        }
    }

    fn in_four_digit_years(self) -> Result<Civil, DateTimeError> {
        if (1..=9999).contains(&self.year) {
            Ok(self)
        } else {
            Err(DateTimeError::out_of_range(
                "year outside 0001 to 9999 cannot be formatted",
            ))
        }
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
///
/// Counting years from March makes the leap day the last day of the year, so the day of the
/// year follows from the month with one linear formula (153 days per five months from March),
/// and 400-year eras of 146097 days make the rest periodic.
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719468 days separate 0000-03-01 (start of era 0) from 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]. Exact for every `days` an `i64` of seconds can produce.
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    // Remove the leap days (one per 4 years, except per 100, except per 400) before dividing.
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u8;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u8;
    let year = era * 400 + year_of_era + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Appends `value` in decimal, zero-padded to at least `width` digits.
fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut start = buf.len();
    let mut rest = value;
    while rest != 0 {
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    start = start.min(buf.len().saturating_sub(width.max(1)));
    for &digit in &buf[start..] {
        out.push(char::from(digit));
    }
}

fn push_time_of_day(out: &mut String, c: &Civil) {
    push_padded(out, c.hour.into(), 2);
    out.push(':');
    push_padded(out, c.minute.into(), 2);
    out.push(':');
    push_padded(out, c.second.into(), 2);
}

/// A fraction of `width` digits with its trailing zeros removed: `(500_000_000, 9)` is `(5, 1)`.
/// `fraction` must not be zero.
fn trimmed_fraction(mut fraction: u32, mut width: usize) -> (u32, usize) {
    while fraction % 10 == 0 && width > 1 {
        fraction /= 10;
        width -= 1;
    }
    (fraction, width)
}

/// A cursor over the bytes of a timestamp.
struct Cursor<'s> {
    bytes: &'s [u8],
    pos: usize,
}

impl<'s> Cursor<'s> {
    fn new(bytes: &'s [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, literal: &[u8]) -> bool {
        let matches = self
            .bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(literal));
        if matches {
            self.pos += literal.len();
        }
        matches
    }

    fn expect(&mut self, literal: &[u8], message: &'static str) -> Result<(), DateTimeError> {
        if self.eat(literal) {
            Ok(())
        } else {
            Err(DateTimeError::invalid(message))
        }
    }

    /// Exactly `count` ASCII digits.
    fn digits(&mut self, count: usize, message: &'static str) -> Result<u32, DateTimeError> {
        let mut value = 0u32;
        for _ in 0..count {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.pos += 1;
                }
                _ => return Err(DateTimeError::invalid(message)),
            }
        }
        Ok(value)
    }

    /// `.` and one or more digits, if present, as nanoseconds (extra digits truncated).
    fn fraction(&mut self, message: &'static str) -> Result<u32, DateTimeError> {
        if !self.eat(b".") {
            return Ok(0);
        }
        let start = self.pos;
        let mut nanos = 0u32;
        let mut scale = NANOS_PER_SEC;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            scale /= 10;
            nanos += u32::from(b - b'0') * scale;
            self.pos += 1;
        }
        if self.pos == start {
            return Err(DateTimeError::invalid(message));
        }
        Ok(nanos)
    }

    /// One of `names`, returning its index.
    fn name(&mut self, names: &[&str], message: &'static str) -> Result<usize, DateTimeError> {
        names
            .iter()
            .position(|name| self.eat(name.as_bytes()))
            .ok_or(DateTimeError::invalid(message))
    }

    fn end(&self, message: &'static str) -> Result<(), DateTimeError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(DateTimeError::invalid(message))
        }
    }

    /// `HH:MM:SS` with each field in range (no leap second, see [`DateTime::parse`]).
    fn time_of_day(&mut self, message: &'static str) -> Result<(u32, u32, u32), DateTimeError> {
        let hour = self.digits(2, message)?;
        self.expect(b":", message)?;
        let minute = self.digits(2, message)?;
        self.expect(b":", message)?;
        let second = self.digits(2, message)?;
        if hour > 23 || minute > 59 || second > 59 {
            return Err(DateTimeError::invalid("time of day out of range"));
        }
        Ok((hour, minute, second))
    }
}

/// Seconds since the epoch of a validated UTC calendar date and time.
fn instant(
    year: i64,
    month: u32,
    day: u32,
    (h, m, s): (u32, u32, u32),
    nanos: u32,
) -> Result<DateTime, DateTimeError> {
    let (Ok(month), Ok(day)) = (u8::try_from(month), u8::try_from(day)) else {
        return Err(DateTimeError::invalid("date out of range"));
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(DateTimeError::invalid("date out of range"));
    }
    // Years here have at most four digits, so nothing below can overflow.
    let seconds =
        days_from_civil(year, month, day) * SECS_PER_DAY + i64::from(h * 3600 + m * 60 + s);
    Ok(DateTime {
        seconds,
        subsec_nanos: nanos,
    })
}

/// RFC 3339 §5.6 `date-time`.
fn parse_rfc3339(text: &[u8]) -> Result<DateTime, DateTimeError> {
    const SYNTAX: &str = "invalid RFC 3339 date-time";
    let mut c = Cursor::new(text);
    let year = c.digits(4, SYNTAX)?;
    c.expect(b"-", SYNTAX)?;
    let month = c.digits(2, SYNTAX)?;
    c.expect(b"-", SYNTAX)?;
    let day = c.digits(2, SYNTAX)?;
    // §5.6 NOTE: "T" and "Z" may alternatively be lower case.
    if !(c.eat(b"T") || c.eat(b"t")) {
        return Err(DateTimeError::invalid(SYNTAX));
    }
    let time = c.time_of_day(SYNTAX)?;
    let nanos = c.fraction(SYNTAX)?;
    let offset_secs = if c.eat(b"Z") || c.eat(b"z") {
        0
    } else {
        let sign = match c.peek() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Err(DateTimeError::invalid(SYNTAX)),
        };
        c.pos += 1;
        let hours = c.digits(2, SYNTAX)?;
        c.expect(b":", SYNTAX)?;
        let minutes = c.digits(2, SYNTAX)?;
        if hours > 23 || minutes > 59 {
            return Err(DateTimeError::invalid("time offset out of range"));
        }
        sign * i64::from(hours * 3600 + minutes * 60)
    };
    c.end(SYNTAX)?;
    let local = instant(year.into(), month, day, time, nanos)?;
    // Local time = UTC + offset (§4.2), so UTC = local - offset.
    Ok(DateTime {
        seconds: local.seconds - offset_secs,
        ..local
    })
}

/// RFC 7231 §7.1.1.1 `HTTP-date`. `current_year` resolves the two-digit years of RFC 850; it
/// is only called for that rare form, keeping the clock off the common path.
fn parse_http_date(
    text: &[u8],
    current_year: impl FnOnce() -> i64,
) -> Result<DateTime, DateTimeError> {
    match text.get(3) {
        Some(b',') => parse_imf_fixdate(text),
        Some(b' ') => parse_asctime(text),
        _ => parse_rfc850(text, current_year()),
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`, also with fractional seconds (`08:49:37.123 GMT`), which
/// AWS services are known to send.
fn parse_imf_fixdate(text: &[u8]) -> Result<DateTime, DateTimeError> {
    const SYNTAX: &str = "invalid IMF-fixdate";
    let mut c = Cursor::new(text);
    c.name(&DAY_NAMES, SYNTAX)?;
    c.expect(b", ", SYNTAX)?;
    let day = c.digits(2, SYNTAX)?;
    c.expect(b" ", SYNTAX)?;
    let month = c.name(&MONTH_NAMES, SYNTAX)? + 1;
    c.expect(b" ", SYNTAX)?;
    let year = c.digits(4, SYNTAX)?;
    c.expect(b" ", SYNTAX)?;
    let time = c.time_of_day(SYNTAX)?;
    let nanos = c.fraction(SYNTAX)?;
    c.expect(b" GMT", SYNTAX)?;
    c.end(SYNTAX)?;
    instant(year.into(), month as u32, day, time, nanos)
}

/// Obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`.
fn parse_rfc850(text: &[u8], current_year: i64) -> Result<DateTime, DateTimeError> {
    const SYNTAX: &str = "invalid HTTP date";
    let mut c = Cursor::new(text);
    c.name(&LONG_DAY_NAMES, SYNTAX)?;
    c.expect(b", ", SYNTAX)?;
    let day = c.digits(2, SYNTAX)?;
    c.expect(b"-", SYNTAX)?;
    let month = c.name(&MONTH_NAMES, SYNTAX)? + 1;
    c.expect(b"-", SYNTAX)?;
    let two_digit_year = i64::from(c.digits(2, SYNTAX)?);
    c.expect(b" ", SYNTAX)?;
    let time = c.time_of_day(SYNTAX)?;
    c.expect(b" GMT", SYNTAX)?;
    c.end(SYNTAX)?;
    // RFC 7231 §7.1.1.1: a two-digit year that "appears to be more than 50 years in the future"
    // means the most recent past year with the same last two digits. Read as a window, the
    // year is the one with those digits in (current - 50, current + 50].
    let mut year = current_year - current_year.rem_euclid(100) + two_digit_year;
    if year > current_year + 50 {
        year -= 100;
    } else if year <= current_year - 50 {
        year += 100;
    }
    instant(year, month as u32, day, time, 0)
}

/// Obsolete asctime form: `Sun Nov  6 08:49:37 1994` (day padded with a space).
fn parse_asctime(text: &[u8]) -> Result<DateTime, DateTimeError> {
    const SYNTAX: &str = "invalid HTTP date";
    let mut c = Cursor::new(text);
    c.name(&DAY_NAMES, SYNTAX)?;
    c.expect(b" ", SYNTAX)?;
    let month = c.name(&MONTH_NAMES, SYNTAX)? + 1;
    c.expect(b" ", SYNTAX)?;
    let day = if c.eat(b" ") {
        c.digits(1, SYNTAX)?
    } else {
        c.digits(2, SYNTAX)?
    };
    c.expect(b" ", SYNTAX)?;
    let time = c.time_of_day(SYNTAX)?;
    c.expect(b" ", SYNTAX)?;
    let year = c.digits(4, SYNTAX)?;
    c.end(SYNTAX)?;
    instant(year.into(), month as u32, day, time, 0)
}

/// Epoch seconds from a decimal string, exactly.
fn parse_epoch_seconds(text: &[u8]) -> Result<DateTime, DateTimeError> {
    let d = parse_decimal(text).map_err(|e| match e {
        DecimalError::Syntax => DateTimeError::invalid("invalid epoch-seconds timestamp"),
        DecimalError::Overflow => {
            DateTimeError::out_of_range("epoch-seconds timestamp out of range")
        }
    })?;
    let out_of_range = DateTimeError::out_of_range("epoch-seconds timestamp out of range");
    let magnitude = i128::from(d.int);
    let (seconds, nanos) = if !d.negative {
        (magnitude, d.nanos)
    } else if d.nanos == 0 {
        (-magnitude, 0)
    } else {
        (-magnitude - 1, NANOS_PER_SEC - d.nanos)
    };
    let seconds = i64::try_from(seconds).map_err(|_| out_of_range)?;
    Ok(DateTime {
        seconds,
        subsec_nanos: nanos,
    })
}

/// A decimal number split exactly into its integer part and nanoseconds, for conversions that
/// must not go through `f64` (epoch seconds, integers written with a fraction or exponent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    /// Whether a `-` sign was present (also for zero).
    pub(crate) negative: bool,
    /// The integer part of the magnitude.
    pub(crate) int: u64,
    /// The first nine fraction digits of the magnitude.
    pub(crate) nanos: u32,
    /// False when a non-zero digit lies beyond the first nine fraction digits.
    pub(crate) exact: bool,
}

/// Why [`parse_decimal`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalError {
    /// Not `-?digits(.digits)?([eE][+-]?digits)?`.
    Syntax,
    /// The integer part does not fit in a `u64`.
    Overflow,
}

/// Parses `-?digits(.digits)?([eE][+-]?digits)?` (leading zeros allowed) without rounding.
pub(crate) fn parse_decimal(text: &[u8]) -> Result<Decimal, DecimalError> {
    const POW10: [u32; 9] = [
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1000,
        100,
        10,
        1,
    ];
    // Exponents beyond this cannot matter: the loops below stop long before.
    const EXP_CAP: i64 = 1 << 40;

    let (negative, rest) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let digit_run = |bytes: &[u8]| bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let int_len = digit_run(rest);
    let (int_digits, rest) = rest.split_at(int_len);
    if int_digits.is_empty() {
        return Err(DecimalError::Syntax);
    }
    let (frac_digits, rest) = match rest.split_first() {
        Some((b'.', after)) => {
            let len = digit_run(after);
            if len == 0 {
                return Err(DecimalError::Syntax);
            }
            after.split_at(len)
        }
        _ => (&[][..], rest),
    };
    let exponent = match rest.split_first() {
        Some((b'e' | b'E', after)) => {
            let (exp_negative, after) = match after.split_first() {
                Some((b'-', more)) => (true, more),
                Some((b'+', more)) => (false, more),
                _ => (false, after),
            };
            let len = digit_run(after);
            if len == 0 || len != after.len() {
                return Err(DecimalError::Syntax);
            }
            let magnitude = after
                .iter()
                .fold(0i64, |acc, b| (acc * 10 + i64::from(b - b'0')).min(EXP_CAP));
            if exp_negative {
                -magnitude
            } else {
                magnitude
            }
        }
        Some(_) => return Err(DecimalError::Syntax),
        None => 0,
    };

    // The digits int_digits ++ frac_digits, with the decimal point `point` digits from the start.
    let point = i64::try_from(int_digits.len())
        .unwrap_or(EXP_CAP)
        .min(EXP_CAP)
        + exponent;
    let mut int = 0u64;
    let mut nanos = 0u32;
    let mut exact = true;
    let mut index = 0i64;
    for &b in int_digits.iter().chain(frac_digits) {
        let digit = b - b'0';
        if index < point {
            int = int
                .checked_mul(10)
                .and_then(|v| v.checked_add(digit.into()))
                .ok_or(DecimalError::Overflow)?;
        } else {
            match POW10.get(usize::try_from(index - point).unwrap_or(usize::MAX)) {
                Some(scale) => nanos += u32::from(digit) * scale,
                None => exact &= digit == 0,
            }
        }
        index += 1;
    }
    // Zeros implied by a positive exponent beyond the written digits.
    while index < point && int != 0 {
        int = int.checked_mul(10).ok_or(DecimalError::Overflow)?;
        index += 1;
    }
    Ok(Decimal {
        negative,
        int,
        nanos,
        exact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use TimestampFormat::{DateTime as Rfc3339, EpochSeconds, HttpDate};

    fn dt(seconds: i64, nanos: u32) -> DateTime {
        DateTime::from_secs_and_nanos(seconds, nanos)
    }

    #[test]
    fn civil_arithmetic_matches_known_dates() {
        let cases: &[(i64, u8, u8, i64)] = &[
            (1970, 1, 1, 0),
            (1969, 12, 31, -1),
            (2000, 2, 29, 11_016),
            (2000, 3, 1, 11_017),
            (1900, 3, 1, -25_508),
            (2019, 12, 16, 18_246),
            (1, 1, 1, -719_162),
            (9999, 12, 31, 2_932_896),
            (0, 3, 1, -719_468),
        ];
        for &(y, m, d, days) in cases {
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert_eq!(civil_from_days(days), (y, m, d), "{days}");
        }
        // Every day over several 400-year eras, both sides of the epoch, is consecutive.
        let mut expected = civil_from_days(-1_000_000);
        for days in -1_000_000..1_000_000 {
            let got = civil_from_days(days);
            assert_eq!(got, expected, "day {days}");
            assert_eq!(days_from_civil(got.0, got.1, got.2), days);
            let (y, m, d) = got;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
        // The extremes of the i64 seconds range do not overflow.
        for secs in [i64::MIN, i64::MAX] {
            let c = Civil::of(&DateTime::from_secs(secs));
            assert!(c.year.abs() > 200_000_000_000, "{}", c.year);
        }
    }

    #[test]
    fn constructors() {
        assert_eq!(DateTime::from_millis(-1), dt(-1, 999_000_000));
        assert_eq!(
            DateTime::from_millis(1_576_540_098_123),
            dt(1_576_540_098, 123_000_000)
        );
        assert_eq!(dt(5, 2_500_000_000), dt(7, 500_000_000));
        assert_eq!(dt(i64::MAX, 1_000_000_000).secs(), i64::MAX);
        assert_eq!(DateTime::try_from_secs_f64(-1.5).unwrap(), dt(-2, 500_000_000));
        assert_eq!(
            DateTime::try_from_secs_f64(1_576_540_098.5).unwrap(),
            dt(1_576_540_098, 500_000_000)
        );
        assert_eq!(DateTime::try_from_secs_f64(0.9999999999).unwrap(), dt(1, 0));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e19, -1e19] {
            assert!(DateTime::try_from_secs_f64(bad).is_err(), "{bad}");
        }
        assert_eq!(
            DateTime::try_from_secs_f64(i64::MIN as f64).unwrap().secs(),
            i64::MIN
        );
        // The SDK's infallible spellings: the same values, saturating where the above refuse.
        assert_eq!(DateTime::from_secs_f64(-1.5), dt(-2, 500_000_000));
        assert_eq!(DateTime::from_secs_f64(f64::NAN), dt(0, 0));
        assert_eq!(DateTime::from_secs_f64(1e19).secs(), i64::MAX);
        assert_eq!(DateTime::from_secs_f64(f64::NEG_INFINITY).secs(), i64::MIN);
        assert_eq!(DateTime::from_fractional_secs(1, 0.5), dt(1, 500_000_000));
        assert_eq!(DateTime::from_fractional_secs(-2, 0.25), dt(-2, 250_000_000));
        assert_eq!(DateTime::from_fractional_secs(1, f64::NAN), dt(1, 0));
        assert_eq!(DateTime::from_fractional_secs(1, 7.0), dt(1, 999_999_999));
        assert_eq!(DateTime::from_nanos(-1).unwrap(), dt(-1, 999_999_999));
        assert_eq!(DateTime::from_nanos(1_500_000_000).unwrap(), dt(1, 500_000_000));
        assert_eq!(DateTime::from_nanos(dt(1_576_540_098, 7).as_nanos()).unwrap(), dt(1_576_540_098, 7));
        assert!(DateTime::from_nanos(i128::MAX).is_err());
        assert_eq!(
            DateTime::from_str("2019-12-16T23:48:18Z", DateTimeFormat::DateTime).unwrap(),
            dt(1_576_540_098, 0)
        );
        assert_eq!(dt(-2, 500_000_000).as_secs_f64(), -1.5);
        assert!(dt(-1, 999_999_999) < dt(0, 0) && dt(0, 0) < dt(0, 1));
    }

    #[test]
    fn system_time_conversions() {
        let cases = [
            dt(0, 0),
            dt(1_576_540_098, 123),
            dt(-1, 1),
            dt(-86_400, 0),
            dt(-2, 999_999_999),
        ];
        for case in cases {
            let system = SystemTime::try_from(case).unwrap();
            assert_eq!(DateTime::from(system), case);
        }
        assert_eq!(
            SystemTime::try_from(dt(-2, 500_000_000)).unwrap(),
            UNIX_EPOCH - Duration::from_millis(1500)
        );
        assert_eq!(DateTime::from(UNIX_EPOCH + Duration::new(10, 7)), dt(10, 7));
        // Linux keeps i64 seconds, so the extremes convert both ways.
        for extreme in [dt(i64::MIN, 0), dt(i64::MIN, 1), dt(i64::MAX, 999_999_999)] {
            if let Ok(system) = SystemTime::try_from(extreme) {
                assert_eq!(DateTime::from(system), extreme);
            }
        }
    }

    #[test]
    fn formats_each_format() {
        let cases: &[(DateTime, &str, &str, &str)] = &[
            (
                dt(1_576_540_098, 0),
                "2019-12-16T23:48:18Z",
                "Mon, 16 Dec 2019 23:48:18 GMT",
                "1576540098",
            ),
            (
                dt(1_576_540_098, 500_000_000),
                "2019-12-16T23:48:18.5Z",
                "Mon, 16 Dec 2019 23:48:18.500 GMT",
                "1576540098.5",
            ),
            (
                dt(1_576_540_098, 123_456_000),
                "2019-12-16T23:48:18.123456Z",
                "Mon, 16 Dec 2019 23:48:18.123 GMT",
                "1576540098.123",
            ),
            (
                dt(1_576_540_098, 1),
                "2019-12-16T23:48:18.000000001Z",
                "Mon, 16 Dec 2019 23:48:18 GMT",
                "1576540098",
            ),
            (
                dt(1_576_540_098, 10_000_000),
                "2019-12-16T23:48:18.01Z",
                "Mon, 16 Dec 2019 23:48:18.010 GMT",
                "1576540098.01",
            ),
            (
                dt(0, 0),
                "1970-01-01T00:00:00Z",
                "Thu, 01 Jan 1970 00:00:00 GMT",
                "0",
            ),
            (
                dt(-1, 500_000_000),
                "1969-12-31T23:59:59.5Z",
                "Wed, 31 Dec 1969 23:59:59.500 GMT",
                "-0.5",
            ),
            (
                dt(-2, 250_000_000),
                "1969-12-31T23:59:58.25Z",
                "Wed, 31 Dec 1969 23:59:58.250 GMT",
                "-1.75",
            ),
            (
                dt(-2, 999_999_999),
                "1969-12-31T23:59:58.999999999Z",
                "Wed, 31 Dec 1969 23:59:58.999 GMT",
                "-1",
            ),
            (
                dt(-1, 999_999_999),
                "1969-12-31T23:59:59.999999999Z",
                "Wed, 31 Dec 1969 23:59:59.999 GMT",
                "0",
            ),
            (
                dt(-86_400, 0),
                "1969-12-31T00:00:00Z",
                "Wed, 31 Dec 1969 00:00:00 GMT",
                "-86400",
            ),
            (
                dt(951_782_400, 0),
                "2000-02-29T00:00:00Z",
                "Tue, 29 Feb 2000 00:00:00 GMT",
                "951782400",
            ),
            (
                dt(-62_135_596_800, 0),
                "0001-01-01T00:00:00Z",
                "Mon, 01 Jan 0001 00:00:00 GMT",
                "-62135596800",
            ),
            (
                dt(253_402_300_799, 0),
                "9999-12-31T23:59:59Z",
                "Fri, 31 Dec 9999 23:59:59 GMT",
                "253402300799",
            ),
        ];
        for (time, rfc3339, http, epoch) in cases {
            assert_eq!(time.format(Rfc3339).unwrap(), *rfc3339, "{time:?}");
            assert_eq!(time.format(HttpDate).unwrap(), *http, "{time:?}");
            assert_eq!(time.format(EpochSeconds).unwrap(), *epoch, "{time:?}");
            assert_eq!(time.to_string(), *rfc3339);
        }
        assert_eq!(
            dt(i64::MIN, 0).format(EpochSeconds).unwrap(),
            "-9223372036854775808"
        );
        assert_eq!(
            dt(i64::MAX, 0).format(EpochSeconds).unwrap(),
            "9223372036854775807"
        );
    }

    #[test]
    fn calendar_formats_reject_years_beyond_four_digits() {
        let mut out = String::from("keep");
        for time in [
            dt(-62_135_596_801, 0),
            dt(253_402_300_800, 0),
            dt(i64::MAX, 0),
            dt(i64::MIN, 0),
        ] {
            for format in [Rfc3339, HttpDate] {
                let err = time.format_into(format, &mut out).unwrap_err();
                assert_eq!(err.kind(), DateTimeErrorKind::OutOfRange);
            }
        }
        assert_eq!(out, "keep");
        assert_eq!(dt(253_402_300_800, 0).to_string(), "+10000-01-01T00:00:00Z");
        assert_eq!(
            dt(-62_135_596_801, 5).to_string(),
            "+0000-12-31T23:59:59.000000005Z"
        );
        assert_eq!(dt(-62_167_219_201, 0).to_string(), "-0001-12-31T23:59:59Z");
    }

    #[test]
    fn parses_rfc3339() {
        let ok: &[(&str, DateTime)] = &[
            ("2019-12-16T23:48:18Z", dt(1_576_540_098, 0)),
            ("2019-12-16t23:48:18z", dt(1_576_540_098, 0)),
            ("2019-12-16T23:48:18.5Z", dt(1_576_540_098, 500_000_000)),
            (
                "2019-12-16T23:48:18.123456789Z",
                dt(1_576_540_098, 123_456_789),
            ),
            (
                "2019-12-16T23:48:18.1234567899999Z",
                dt(1_576_540_098, 123_456_789),
            ),
            ("2019-12-16T22:48:18-01:00", dt(1_576_540_098, 0)),
            ("2019-12-17T00:48:18+01:00", dt(1_576_540_098, 0)),
            (
                "2019-12-17T05:18:18.25+05:30",
                dt(1_576_540_098, 250_000_000),
            ),
            ("2019-12-16T23:48:18+00:00", dt(1_576_540_098, 0)),
            ("2019-12-16T23:48:18-00:00", dt(1_576_540_098, 0)),
            ("2000-02-29T00:00:00Z", dt(951_782_400, 0)),
            ("1969-12-31T23:59:59.999Z", dt(-1, 999_000_000)),
            ("0000-01-01T00:00:00Z", dt(-62_167_219_200, 0)),
            ("9999-12-31T23:59:59-23:59", dt(253_402_300_799 + 86_340, 0)),
        ];
        for (text, expected) in ok {
            assert_eq!(DateTime::parse(text, Rfc3339), Ok(*expected), "{text}");
        }
        let bad = [
            "",
            "2019-12-16",
            "2019-12-16T23:48:18",
            "2019-12-16T23:48Z",
            "2019-12-16 23:48:18Z",
            "2019-12-16T23:48:18.Z",
            "2019-12-16T23:48:18ZZ",
            "2019-12-16T23:48:18+0100",
            "2019-12-16T23:48:18+01",
            "2019-02-30T00:00:00Z",
            "2019-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2019-13-01T00:00:00Z",
            "2019-00-01T00:00:00Z",
            "2019-12-00T00:00:00Z",
            "2019-12-32T00:00:00Z",
            "2019-04-31T00:00:00Z",
            "2019-12-16T24:00:00Z",
            "2019-12-16T23:60:00Z",
            "2019-12-31T23:59:60Z",
            "2019-12-16T23:48:18+24:00",
            "2019-12-16T23:48:18+01:60",
            "19-12-16T23:48:18Z",
            "+2019-12-16T23:48:18Z",
            "2019-1-16T23:48:18Z",
            "2019-12-16T23:48:18.1.2Z",
            " 2019-12-16T23:48:18Z",
            "2019-12-16T23:48:18Z ",
            "2019-12-16T2a:48:18Z",
            "2019-12-16T23:48:18\u{661}Z",
        ];
        for text in bad {
            assert!(DateTime::parse(text, Rfc3339).is_err(), "accepted {text:?}");
        }
    }

    #[test]
    fn parses_http_dates() {
        let ok: &[(&str, DateTime)] = &[
            ("Mon, 16 Dec 2019 23:48:18 GMT", dt(1_576_540_098, 0)),
            (
                "Mon, 16 Dec 2019 23:48:18.5 GMT",
                dt(1_576_540_098, 500_000_000),
            ),
            (
                "Mon, 16 Dec 2019 23:48:18.123 GMT",
                dt(1_576_540_098, 123_000_000),
            ),
            ("Sun, 02 Jan 2000 20:34:56.000 GMT", dt(946_845_296, 0)),
            ("Sun, 06 Nov 1994 08:49:37 GMT", dt(784_111_777, 0)),
            // The weekday is not checked against the date.
            ("Fri, 06 Nov 1994 08:49:37 GMT", dt(784_111_777, 0)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", dt(784_111_777, 0)),
            ("Sun Nov  6 08:49:37 1994", dt(784_111_777, 0)),
            ("Sun Nov 16 08:49:37 1994", dt(784_111_777 + 10 * 86_400, 0)),
            ("Thu, 01 Jan 1970 00:00:00 GMT", dt(0, 0)),
        ];
        for (text, expected) in ok {
            assert_eq!(DateTime::parse(text, HttpDate), Ok(*expected), "{text}");
        }
        let bad = [
            "",
            "Mon, 16 Dec 2019 23:48:18",
            "Mon, 16 Dec 2019 23:48:18 UTC",
            "Mon, 16 Dec 2019 23:48:18 gmt",
            "mon, 16 Dec 2019 23:48:18 GMT",
            "Mon, 16 dec 2019 23:48:18 GMT",
            "Mo, 16 Dec 2019 23:48:18 GMT",
            "Xyz, 16 Dec 2019 23:48:18 GMT",
            "Mon, 6 Dec 2019 23:48:18 GMT",
            "Mon, 16 Dec 19 23:48:18 GMT",
            "Mon, 30 Feb 2019 23:48:18 GMT",
            "Mon, 16 Dec 2019 24:48:18 GMT",
            "Mon, 16 Dec 2019 23:48:60 GMT",
            "Mon, 16 Dec 2019 23:48:18. GMT",
            "Mon, 16 Dec 2019 23:48:18 GMT ",
            "Mon,16 Dec 2019 23:48:18 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Funday, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06 Nov 94 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov  6 08:49:37 1994 GMT",
            "Sun, Nov  6 08:49:37 1994",
            "2019-12-16T23:48:18Z",
            "1576540098",
        ];
        for text in bad {
            assert!(
                DateTime::parse(text, HttpDate).is_err(),
                "accepted {text:?}"
            );
        }
    }

    #[test]
    fn rfc850_two_digit_years_follow_the_fifty_year_rule() {
        let year_of = |text: &str, current: i64| {
            let t = parse_http_date(text.as_bytes(), || current).unwrap();
            Civil::of(&t).year
        };
        assert_eq!(year_of("Sunday, 06-Nov-94 08:49:37 GMT", 2025), 1994);
        assert_eq!(year_of("Sunday, 06-Nov-75 08:49:37 GMT", 2025), 2075);
        assert_eq!(year_of("Sunday, 06-Nov-76 08:49:37 GMT", 2025), 1976);
        assert_eq!(year_of("Sunday, 06-Nov-25 08:49:37 GMT", 2025), 2025);
        assert_eq!(year_of("Sunday, 06-Nov-00 08:49:37 GMT", 2099), 2100);
        assert_eq!(year_of("Sunday, 06-Nov-49 08:49:37 GMT", 2099), 2149);
        assert_eq!(year_of("Sunday, 06-Nov-50 08:49:37 GMT", 2099), 2050);
    }

    #[test]
    fn parses_epoch_seconds() {
        let ok: &[(&str, DateTime)] = &[
            ("1576540098", dt(1_576_540_098, 0)),
            ("1576540098.5", dt(1_576_540_098, 500_000_000)),
            ("1576540098.123", dt(1_576_540_098, 123_000_000)),
            ("1576540098.1234567899", dt(1_576_540_098, 123_456_789)),
            ("-1.5", dt(-2, 500_000_000)),
            ("-0.000000001", dt(-1, 999_999_999)),
            ("-0.0000000001", dt(0, 0)),
            ("-0", dt(0, 0)),
            ("0", dt(0, 0)),
            ("01", dt(1, 0)),
            ("1.576540098e9", dt(1_576_540_098, 0)),
            ("1.5765400985E+9", dt(1_576_540_098, 500_000_000)),
            ("15765400985e-1", dt(1_576_540_098, 500_000_000)),
            ("5e-10", dt(0, 0)),
            ("5e-9", dt(0, 5)),
            ("0e999999999999999999999", dt(0, 0)),
            ("9223372036854775807", dt(i64::MAX, 0)),
            ("-9223372036854775808", dt(i64::MIN, 0)),
            ("-9223372036854775807.5", dt(i64::MIN, 500_000_000)),
        ];
        for (text, expected) in ok {
            assert_eq!(DateTime::parse(text, EpochSeconds), Ok(*expected), "{text}");
        }
        let bad = [
            "",
            "-",
            "+1",
            "1.",
            ".5",
            "1e",
            "1e+",
            "1.5.5",
            "abc",
            "1 ",
            " 1",
            "1,5",
            "0x10",
            "NaN",
            "Infinity",
            "9223372036854775808",
            "-9223372036854775808.5",
            "1e19",
            "1e99999999999999999",
            "-9223372036854775809",
            "1_000",
        ];
        for text in bad {
            assert!(
                DateTime::parse(text, EpochSeconds).is_err(),
                "accepted {text:?}"
            );
        }
    }

    #[test]
    fn decimal_parts_are_exact() {
        let d = parse_decimal(b"12.3456789012e1").unwrap();
        assert_eq!(
            d,
            Decimal {
                negative: false,
                int: 123,
                nanos: 456_789_012,
                exact: true
            }
        );
        let d = parse_decimal(b"-0.00000000010").unwrap();
        assert_eq!(
            d,
            Decimal {
                negative: true,
                int: 0,
                nanos: 0,
                exact: false
            }
        );
        let d = parse_decimal(b"18446744073709551615").unwrap();
        assert_eq!(d.int, u64::MAX);
        assert_eq!(
            parse_decimal(b"18446744073709551616"),
            Err(DecimalError::Overflow)
        );
        assert_eq!(
            parse_decimal(b"1.8446744073709551616e19"),
            Err(DecimalError::Overflow)
        );
        assert_eq!(parse_decimal(b"100e-2").unwrap().int, 1);
        assert_eq!(
            parse_decimal(b"1e-99999999999999999999").unwrap(),
            Decimal {
                negative: false,
                int: 0,
                nanos: 0,
                exact: false
            }
        );
    }

    /// xorshift64*: deterministic pseudo-random numbers without a dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    #[test]
    fn format_then_parse_round_trips() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        // 0001-01-01 to 9999-12-31, inclusive.
        let (min, max) = (-62_135_596_800i64, 253_402_300_799i64);
        let span = (max - min + 1) as u64;
        for i in 0..20_000u64 {
            let seconds = match i {
                0 => min,
                1 => max,
                _ => min + (rng.next() % span) as i64,
            };
            let nanos = match rng.next() % 4 {
                0 => 0,
                1 => (rng.next() % 1000) as u32 * NANOS_PER_MILLI,
                _ => (rng.next() % u64::from(NANOS_PER_SEC)) as u32,
            };
            let time = dt(seconds, nanos);
            let millis_only = dt(seconds, nanos / NANOS_PER_MILLI * NANOS_PER_MILLI);

            let text = time.format(Rfc3339).unwrap();
            assert_eq!(DateTime::parse(&text, Rfc3339), Ok(time), "{text}");
            let text = time.format(HttpDate).unwrap();
            assert_eq!(DateTime::parse(&text, HttpDate), Ok(millis_only), "{text}");
            let text = time.format(EpochSeconds).unwrap();
            let parsed = DateTime::parse(&text, EpochSeconds).unwrap();
            // Epoch seconds keep milliseconds, truncated toward zero.
            let expected = if seconds < 0 && nanos % NANOS_PER_MILLI != 0 {
                dt(
                    seconds,
                    nanos / NANOS_PER_MILLI * NANOS_PER_MILLI + NANOS_PER_MILLI,
                )
            } else {
                millis_only
            };
            assert_eq!(parsed, expected, "{text} from {time:?}");
        }
        // Epoch seconds cover the whole i64 range.
        for _ in 0..20_000 {
            let time = dt(
                rng.next() as i64,
                (rng.next() % 1000) as u32 * NANOS_PER_MILLI,
            );
            let text = time.format(EpochSeconds).unwrap();
            assert_eq!(DateTime::parse(&text, EpochSeconds), Ok(time), "{text}");
        }
    }

    #[test]
    fn parsers_never_panic_on_noise() {
        let mut rng = XorShift(42);
        let alphabet = b"0123456789-+:.TtZzGMTSunMonDec, eE\xff";
        let seeds = [
            "2019-12-16T23:48:18.5+01:00",
            "Mon, 16 Dec 2019 23:48:18.123 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "-1.5e3",
        ];
        for _ in 0..50_000 {
            let mut bytes = seeds[(rng.next() % seeds.len() as u64) as usize]
                .as_bytes()
                .to_vec();
            for _ in 0..rng.next() % 4 {
                let at = (rng.next() % (bytes.len() as u64 + 1)) as usize;
                let b = alphabet[(rng.next() % alphabet.len() as u64) as usize];
                match rng.next() % 3 {
                    0 if at < bytes.len() => bytes[at] = b,
                    1 => bytes.insert(at, b),
                    _ => bytes.truncate(at),
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            for format in [Rfc3339, HttpDate, EpochSeconds] {
                if let Ok(time) = DateTime::parse(&text, format) {
                    // Anything accepted formats without panicking as well.
                    let _ = time.format(format);
                    assert!(time.subsec_nanos() < NANOS_PER_SEC);
                }
            }
        }
    }
}
