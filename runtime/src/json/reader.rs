//! A pull parser for JSON response bodies (RFC 8259). The caller drives it value by value, so
//! deserializing needs no intermediate tree; strings borrow from the input unless they contain
//! escapes. Input is untrusted: every byte is validated, nothing panics, and nesting is capped
//! at [`MAX_DEPTH`] so recursive callers cannot overflow the stack.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use crate::document::{Document, Number};
use crate::time::{parse_decimal, DateTime, TimestampFormat};

/// The deepest nesting of objects and arrays the reader accepts. `document`, `skip_value` and
/// generated recursive deserializers recurse once per level, so this bounds their stack use.
pub const MAX_DEPTH: usize = 128;

/// A JSON syntax error, or a value of the wrong type or range, at a byte offset of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    message: Cow<'static, str>,
    offset: usize,
}

impl JsonError {
    /// An error with a custom message, for deserializers reporting problems the reader cannot
    /// see (such as an unknown enum value) at [`JsonReader::offset`].
    pub fn new(message: impl Into<Cow<'static, str>>, offset: usize) -> Self {
        JsonError {
            message: message.into(),
            offset,
        }
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for JsonError {}

/// A pull parser over one JSON text. See the module documentation.
///
/// Objects are read with [`start_object`](Self::start_object) then
/// [`next_key`](Self::next_key) until it returns `None`, reading each member's value in between;
/// arrays with [`start_array`](Self::start_array) then [`next_element`](Self::next_element)
/// until it returns `false`, reading each element in between.
#[derive(Clone)]
pub struct JsonReader<'a> {
    input: &'a [u8],
    pos: usize,
    /// Number of objects and arrays open, at most `MAX_DEPTH`.
    depth: usize,
    /// Bit `d` is set while the container at depth `d + 1` has not produced a member yet, so
    /// that the first one needs no comma. A bit per level keeps the reader allocation-free.
    awaiting_first: u128,
    /// Bit `d` is set when the container at depth `d + 1` is an object.
    objects: u128,
}

impl fmt::Debug for JsonReader<'_> {
    /// Shows the position only: response bodies can hold secrets (credentials, tokens).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonReader")
            .field("len", &self.input.len())
            .field("pos", &self.pos)
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

fn is_whitespace(b: u8) -> bool {
    // RFC 8259 §2: only these four.
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> JsonReader<'a> {
    /// A reader positioned at the start of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        JsonReader {
            input,
            pos: 0,
            depth: 0,
            awaiting_first: 0,
            objects: 0,
        }
    }

    /// Whether only whitespace remains (an empty body, for instance).
    pub fn is_empty(&self) -> bool {
        self.rest().iter().all(|&b| is_whitespace(b))
    }

    /// The current byte offset in the input.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Consumes a `null` if that is the next value and returns whether it did; the caller
    /// reads the value otherwise.
    pub fn read_null(&mut self) -> Result<bool, JsonError> {
        match self.peek() {
            None => Err(self.error("unexpected end of input, expected a value")),
            Some(b'n') => {
                self.literal(b"null")?;
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    /// Consumes the `{` that starts an object.
    pub fn start_object(&mut self) -> Result<(), JsonError> {
        self.open(b'{', true, "expected an object")
    }

    /// The next member name of the current object, consuming the comma before it and the
    /// colon after it; the caller then reads (or skips) the value. `None` once the closing
    /// `}` has been consumed.
    pub fn next_key(&mut self) -> Result<Option<Cow<'a, str>>, JsonError> {
        if !self.continue_container(true, b'}', "expected ',' or '}' after an object member")? {
            return Ok(None);
        }
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string as object member name"));
        }
        let key = self.string_at_quote()?;
        if self.peek() != Some(b':') {
            return Err(self.error("expected ':' after object member name"));
        }
        self.pos += 1;
        Ok(Some(key))
    }

    /// Consumes the `[` that starts an array.
    pub fn start_array(&mut self) -> Result<(), JsonError> {
        self.open(b'[', false, "expected an array")
    }

    /// Whether another element follows (consuming the comma before it); the caller then reads
    /// it. `false` once the closing `]` has been consumed.
    pub fn next_element(&mut self) -> Result<bool, JsonError> {
        self.continue_container(false, b']', "expected ',' or ']' after an array element")
    }

    /// A string value.
    pub fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string"));
        }
        self.string_at_quote()
    }

    /// A boolean value.
    pub fn boolean(&mut self) -> Result<bool, JsonError> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => Err(self.error("expected a boolean")),
        }
    }

    /// A byte (`i8`).
    pub fn i8(&mut self) -> Result<i8, JsonError> {
        let (value, start) = self.integer()?;
        i8::try_from(value).map_err(|_| JsonError::new("integer out of range for a byte", start))
    }

    /// A short (`i16`).
    pub fn i16(&mut self) -> Result<i16, JsonError> {
        let (value, start) = self.integer()?;
        i16::try_from(value).map_err(|_| JsonError::new("integer out of range for a short", start))
    }

    /// An integer (`i32`).
    pub fn i32(&mut self) -> Result<i32, JsonError> {
        let (value, start) = self.integer()?;
        i32::try_from(value)
            .map_err(|_| JsonError::new("integer out of range for an integer", start))
    }

    /// A long (`i64`).
    pub fn i64(&mut self) -> Result<i64, JsonError> {
        let (value, start) = self.integer()?;
        i64::try_from(value).map_err(|_| JsonError::new("integer out of range for a long", start))
    }

    /// A float (`f32`): a number, rounded once to the nearest `f32`, or one of the strings
    /// `"NaN"`, `"Infinity"`, `"-Infinity"` (restJson1). Numbers too large for an `f32` are an
    /// error rather than infinity.
    pub fn f32(&mut self) -> Result<f32, JsonError> {
        self.float(
            |text| text.parse::<f32>().ok().filter(|v| v.is_finite()),
            f32::NAN,
            f32::INFINITY,
        )
    }

    /// A double (`f64`), with the same rules as [`f32`](Self::f32).
    pub fn f64(&mut self) -> Result<f64, JsonError> {
        self.float(
            |text| text.parse::<f64>().ok().filter(|v| v.is_finite()),
            f64::NAN,
            f64::INFINITY,
        )
    }

    /// A number as [`Number`]: integers without fraction or exponent that fit a `u64` or `i64`
    /// keep their exact value (zero, even `-0`, is `PosInt`); everything else becomes `Float`.
    pub fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.skip_whitespace();
        let text = self.number_text()?;
        if !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            if text.starts_with('-') {
                if let Ok(v) = text.parse::<i64>() {
                    return Ok(Number::from(v));
                }
            } else if let Ok(v) = text.parse::<u64>() {
                return Ok(Number::PosInt(v));
            }
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Number::Float(v)),
            _ => Err(JsonError::new("number out of range for a double", start)),
        }
    }

    /// The raw text of a number, checked against the RFC 8259 grammar, for bigInteger and
    /// bigDecimal members.
    pub fn number_text(&mut self) -> Result<&'a str, JsonError> {
        let start = self.skip_whitespace();
        match number_len(self.rest()) {
            Ok(len) => {
                let token = self.input.get(start..start + len).unwrap_or_default();
                self.pos = start + len;
                // The grammar admits only ASCII.
                std::str::from_utf8(token).map_err(|_| JsonError::new("expected a number", start))
            }
            Err(at) => Err(JsonError::new(
                if at == 0 {
                    "expected a number"
                } else {
                    "invalid number"
                },
                start + at,
            )),
        }
    }

    /// A blob: a string of base64.
    pub fn blob(&mut self) -> Result<Vec<u8>, JsonError> {
        let start = self.skip_whitespace();
        let text = self.string()?;
        crate::base64::decode(&text)
            .map_err(|e| JsonError::new(format!("invalid base64 in blob: {}", e.message()), start))
    }

    /// A timestamp: a JSON number for epoch seconds (converted exactly, without `f64`
    /// rounding), a string for the other formats.
    pub fn timestamp(&mut self, format: TimestampFormat) -> Result<DateTime, JsonError> {
        let start = self.skip_whitespace();
        let parsed = match format {
            TimestampFormat::EpochSeconds => {
                let text = self.number_text()?;
                DateTime::parse(text, format)
            }
            TimestampFormat::DateTime | TimestampFormat::HttpDate => {
                let text = self.string()?;
                DateTime::parse(&text, format)
            }
        };
        parsed.map_err(|e| JsonError::new(format!("invalid timestamp: {e}"), start))
    }

    /// Any value, as a [`Document`]. Duplicate object keys keep the last value.
    pub fn document(&mut self) -> Result<Document, JsonError> {
        match self.peek() {
            Some(b'{') => {
                self.start_object()?;
                let mut members = BTreeMap::new();
                while let Some(key) = self.next_key()? {
                    let value = self.document()?;
                    members.insert(key.into_owned(), value);
                }
                Ok(Document::Object(members))
            }
            Some(b'[') => {
                self.start_array()?;
                let mut elements = Vec::new();
                while self.next_element()? {
                    elements.push(self.document()?);
                }
                Ok(Document::Array(elements))
            }
            Some(b'"') => Ok(Document::String(self.string_at_quote()?.into_owned())),
            Some(b't' | b'f') => Ok(Document::Bool(self.boolean()?)),
            Some(b'n') => self.literal(b"null").map(|()| Document::Null),
            Some(b'-' | b'0'..=b'9') => Ok(Document::Number(self.number()?)),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input, expected a value")),
        }
    }

    /// Reads and discards one value of any kind, still validating it.
    pub fn skip_value(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            Some(b'{') => {
                self.start_object()?;
                while self.next_key()?.is_some() {
                    self.skip_value()?;
                }
                Ok(())
            }
            Some(b'[') => {
                self.start_array()?;
                while self.next_element()? {
                    self.skip_value()?;
                }
                Ok(())
            }
            Some(b'"') => self.string_at_quote().map(drop),
            Some(b't' | b'f') => self.boolean().map(drop),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number_text().map(drop),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input, expected a value")),
        }
    }

    /// Checks that every object and array was closed and only whitespace remains.
    pub fn finish(&mut self) -> Result<(), JsonError> {
        if self.depth != 0 {
            return Err(self.error("unexpected end of input, object or array not closed"));
        }
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("unexpected data after the value")),
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or_default()
    }

    fn error(&self, message: &'static str) -> JsonError {
        JsonError::new(message, self.pos)
    }

    /// Skips whitespace and returns the new position.
    fn skip_whitespace(&mut self) -> usize {
        while self.input.get(self.pos).is_some_and(|&b| is_whitespace(b)) {
            self.pos += 1;
        }
        self.pos
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.input.get(self.pos).copied()
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), JsonError> {
        if self.rest().starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn open(&mut self, opener: u8, object: bool, message: &'static str) -> Result<(), JsonError> {
        if self.peek() != Some(opener) {
            return Err(self.error(message));
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.error("objects and arrays nested too deeply"));
        }
        let bit = 1u128 << self.depth;
        self.awaiting_first |= bit;
        if object {
            self.objects |= bit;
        } else {
            self.objects &= !bit;
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Shared by `next_key` and `next_element`: `false` after consuming the closer, `true`
    /// when a member follows (after consuming its comma, unless it is the first).
    fn continue_container(
        &mut self,
        object: bool,
        closer: u8,
        message: &'static str,
    ) -> Result<bool, JsonError> {
        let bit = match self.depth.checked_sub(1) {
            Some(level) if ((self.objects >> level) & 1 == 1) == object => 1u128 << level,
            _ => {
                return Err(self.error(if object {
                    "not inside an object"
                } else {
                    "not inside an array"
                }));
            }
        };
        match self.peek() {
            Some(b) if b == closer => {
                self.pos += 1;
                self.depth -= 1;
                Ok(false)
            }
            _ if self.awaiting_first & bit != 0 => {
                self.awaiting_first &= !bit;
                Ok(true)
            }
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.error(message)),
        }
    }

    /// Whitespace is skipped; then a number (as `parse` accepts it) or a restJson1 string.
    fn float<T>(
        &mut self,
        parse: impl Fn(&str) -> Option<T>,
        nan: T,
        infinity: T,
    ) -> Result<T, JsonError>
    where
        T: std::ops::Neg<Output = T>,
    {
        let start = self.skip_whitespace();
        if self.peek() == Some(b'"') {
            return match self.string_at_quote()?.as_ref() {
                "NaN" => Ok(nan),
                "Infinity" => Ok(infinity),
                "-Infinity" => Ok(-infinity),
                _ => Err(JsonError::new(
                    "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"",
                    start,
                )),
            };
        }
        let text = self.number_text()?;
        parse(text).ok_or(JsonError::new("number out of range", start))
    }

    /// An integer, also written with a fraction of zeros or an exponent (`1.0`, `1e3`), with
    /// the offset where it starts.
    fn integer(&mut self) -> Result<(i128, usize), JsonError> {
        let start = self.skip_whitespace();
        let text = self.number_text()?;
        let d = parse_decimal(text.as_bytes())
            .map_err(|_| JsonError::new("integer out of range", start))?;
        if d.nanos != 0 || !d.exact {
            return Err(JsonError::new(
                "expected an integer, found a fraction",
                start,
            ));
        }
        let magnitude = i128::from(d.int);
        Ok((if d.negative { -magnitude } else { magnitude }, start))
    }

    /// A string starting at the `"` under the cursor.
    fn string_at_quote(&mut self) -> Result<Cow<'a, str>, JsonError> {
        let input = self.input;
        let start = self.pos + 1;
        let mut run_start = start;
        let mut i = start;
        let mut owned: Option<String> = None;
        loop {
            match input.get(i) {
                None => return Err(JsonError::new("unterminated string", i)),
                Some(b'"') => {
                    let run = utf8(input, run_start, i)?;
                    self.pos = i + 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(run),
                        Some(mut s) => {
                            s.push_str(run);
                            Cow::Owned(s)
                        }
                    });
                }
                Some(b'\\') => {
                    let run = utf8(input, run_start, i)?;
                    let s = owned.get_or_insert_with(|| String::with_capacity(i - start + 16));
                    s.push_str(run);
                    i = unescape(input, i, s)?;
                    run_start = i;
                }
                Some(&b) if b < 0x20 => {
                    return Err(JsonError::new(
                        "control character in string must be escaped",
                        i,
                    ));
                }
                Some(_) => i += 1,
            }
        }
    }
}

/// The bytes `start..end` of `input` as UTF-8.
fn utf8(input: &[u8], start: usize, end: usize) -> Result<&str, JsonError> {
    let bytes = input.get(start..end).unwrap_or_default();
    std::str::from_utf8(bytes)
        .map_err(|e| JsonError::new("invalid UTF-8 in string", start + e.valid_up_to()))
}

/// Decodes the escape sequence at `at` (a backslash) into `out`; returns the offset after it.
fn unescape(input: &[u8], at: usize, out: &mut String) -> Result<usize, JsonError> {
    let simple = match input.get(at + 1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let unit = hex4(input, at + 2)?;
            let (code, end) = match unit {
                // RFC 8259 §7: characters outside the BMP are a UTF-16 surrogate pair of escapes.
                0xD800..=0xDBFF => {
                    let low = match input.get(at + 6..at + 8) {
                        Some(b"\\u") => hex4(input, at + 8)?,
                        _ => return Err(JsonError::new("unpaired surrogate in string escape", at)),
                    };
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return Err(JsonError::new("unpaired surrogate in string escape", at));
                    }
                    (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), at + 12)
                }
                0xDC00..=0xDFFF => {
                    return Err(JsonError::new("unpaired surrogate in string escape", at))
                }
                _ => (unit, at + 6),
            };
            // Surrogates are excluded above, so every remaining code is a char.
            let c = char::from_u32(code).ok_or(JsonError::new("invalid string escape", at))?;
            out.push(c);
            return Ok(end);
        }
        _ => return Err(JsonError::new("invalid string escape", at)),
    };
    out.push(simple);
    Ok(at + 2)
}

/// Four hex digits at `at`.
fn hex4(input: &[u8], at: usize) -> Result<u32, JsonError> {
    let digits = input
        .get(at..at + 4)
        .ok_or(JsonError::new("incomplete \\u escape", at))?;
    digits.iter().try_fold(0u32, |acc, &b| {
        char::from(b)
            .to_digit(16)
            .map(|d| (acc << 4) | d)
            .ok_or(JsonError::new("invalid hex digit in \\u escape", at))
    })
}

/// The length of the RFC 8259 §6 number at the start of `bytes`
/// (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`), or the offset where it breaks.
fn number_len(bytes: &[u8]) -> Result<usize, usize> {
    let at = |i: usize| bytes.get(i).copied();
    let digits_from = |mut i: usize| {
        while at(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        i
    };
    let mut i = usize::from(at(0) == Some(b'-'));
    i = match at(i) {
        Some(b'0') => i + 1,
        Some(b'1'..=b'9') => digits_from(i + 1),
        _ => return Err(i),
    };
    if at(i) == Some(b'.') {
        let end = digits_from(i + 1);
        if end == i + 1 {
            return Err(end);
        }
        i = end;
    }
    if matches!(at(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(at(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits_from(i);
        if end == i {
            return Err(end);
        }
        i = end;
    }
    Ok(i)
}

/// Whether `text` is exactly one JSON number.
pub(crate) fn is_json_number(text: &str) -> bool {
    number_len(text.as_bytes()) == Ok(text.len())
}
