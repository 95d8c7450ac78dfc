//! Streaming JSON output: each writer appends straight to the caller's `String`, so serializing
//! a request body allocates nothing but that buffer.

use std::fmt::{self, Write as _};

use crate::document::{Document, Number};
use crate::time::{DateTime, DateTimeError, TimestampFormat};

/// Writes one JSON value. Every method consumes the writer, so a value is written at most once.
#[must_use = "a JSON value writer writes nothing until one of its methods is called"]
pub struct JsonValueWriter<'a> {
    out: &'a mut String,
}

/// Writes the members of a JSON object; created by [`JsonValueWriter::start_object`] or
/// [`JsonObjectWriter::new`]. Call [`finish`](Self::finish) to close it.
#[must_use = "call finish() to close the object"]
pub struct JsonObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

/// Writes the elements of a JSON array; created by [`JsonValueWriter::start_array`] or
/// [`JsonArrayWriter::new`]. Call [`finish`](Self::finish) to close it.
#[must_use = "call finish() to close the array"]
pub struct JsonArrayWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

/// The writers show only how much has been written: request bodies can hold sensitive members.
macro_rules! debug_without_content {
    ($($writer:ident),*) => {$(
        impl fmt::Debug for $writer<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($writer)).field("written", &self.out.len()).finish_non_exhaustive()
            }
        }
    )*};
}

debug_without_content!(JsonValueWriter, JsonObjectWriter, JsonArrayWriter);

impl<'a> JsonObjectWriter<'a> {
    /// Starts an object by writing `{`.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        JsonObjectWriter { out, empty: true }
    }

    /// Writes the member name (and the comma before it if needed); the returned writer writes
    /// the member's value, which must follow before the next `key` or `finish`.
    pub fn key(&mut self, key: &str) -> JsonValueWriter<'_> {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(self.out, key);
        self.out.push(':');
        JsonValueWriter { out: self.out }
    }

    /// Closes the object with `}`.
    pub fn finish(self) {
        self.out.push('}');
    }
}

impl<'a> JsonArrayWriter<'a> {
    /// Starts an array by writing `[`.
    pub fn new(out: &'a mut String) -> Self {
        out.push('[');
        JsonArrayWriter { out, empty: true }
    }

    /// Writes the comma before the next element if needed; the returned writer writes it.
    pub fn value(&mut self) -> JsonValueWriter<'_> {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        JsonValueWriter { out: self.out }
    }

    /// Closes the array with `]`.
    pub fn finish(self) {
        self.out.push(']');
    }
}

impl<'a> JsonValueWriter<'a> {
    /// A writer for one value appended to `out`, such as a whole request body.
    pub fn new(out: &'a mut String) -> Self {
        JsonValueWriter { out }
    }

    /// A JSON string, escaped per RFC 8259 §7.
    pub fn string(self, value: &str) {
        write_string(self.out, value);
    }

    /// `true` or `false`.
    pub fn boolean(self, value: bool) {
        self.out.push_str(if value { "true" } else { "false" });
    }

    /// `null`.
    pub fn null(self) {
        self.out.push_str("null");
    }

    /// A signed integer.
    pub fn integer(self, value: i64) {
        if value < 0 {
            self.out.push('-');
        }
        push_u64(self.out, value.unsigned_abs());
    }

    /// An unsigned integer.
    pub fn unsigned(self, value: u64) {
        push_u64(self.out, value);
    }

    /// A double. Finite values use the shortest decimal that reads back as the same `f64`
    /// (Rust's formatting), in exponent form outside `1e-7 <= |v| < 1e16` so that extreme
    /// values stay short; both forms are valid JSON numbers. JSON has no NaN or infinities, so
    /// restJson1 sends them as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`.
    pub fn float(self, value: f64) {
        write_float(self.out, value, value);
    }

    /// A float (`f32`), written with the shortest decimal for the `f32` (so `0.1f32` is `0.1`,
    /// not the `0.10000000149011612` that widening to `f64` would give). Same rules as
    /// [`float`](Self::float).
    pub fn float32(self, value: f32) {
        write_float(self.out, value, f64::from(value));
    }

    /// A [`Number`] of any kind.
    pub fn number(self, value: Number) {
        match value {
            Number::PosInt(v) => self.unsigned(v),
            Number::NegInt(v) => self.integer(v),
            Number::Float(v) => self.float(v),
        }
    }

    /// The text of a bigInteger or bigDecimal, written as a bare JSON number.
    ///
    /// The text is validated against the RFC 8259 number grammar. Text that does not match is
    /// written as a JSON string instead, so the body always stays valid JSON and the service
    /// reports a validation error naming the member, rather than failing to parse the body.
    pub fn raw_number(self, text: &str) {
        if super::reader::is_json_number(text) {
            self.out.push_str(text);
        } else {
            write_string(self.out, text);
        }
    }

    /// A blob, as a base64 string.
    pub fn blob(self, bytes: &[u8]) {
        self.out.push('"');
        crate::base64::encode_into(bytes, self.out);
        self.out.push('"');
    }

    /// A timestamp: a JSON number for epoch seconds, a string for the other formats. On error
    /// (a calendar format outside years 0001 to 9999) nothing is written.
    pub fn timestamp(self, value: DateTime, format: TimestampFormat) -> Result<(), DateTimeError> {
        match format {
            TimestampFormat::EpochSeconds => value.format_into(format, self.out),
            TimestampFormat::DateTime | TimestampFormat::HttpDate => {
                let len = self.out.len();
                self.out.push('"');
                // Neither calendar format contains characters that need escaping.
                let written = value.format_into(format, self.out);
                if written.is_err() {
                    self.out.truncate(len);
                } else {
                    self.out.push('"');
                }
                written
            }
        }
    }

    /// A document, as the JSON value it represents (object members in key order).
    pub fn document(self, value: &Document) {
        match value {
            Document::Object(members) => {
                let mut object = self.start_object();
                for (key, member) in members {
                    object.key(key).document(member);
                }
                object.finish();
            }
            Document::Array(elements) => {
                let mut array = self.start_array();
                for element in elements {
                    array.value().document(element);
                }
                array.finish();
            }
            Document::Number(n) => self.number(*n),
            Document::String(s) => self.string(s),
            Document::Bool(b) => self.boolean(*b),
            Document::Null => self.null(),
        }
    }

    /// Starts an object in this position.
    pub fn start_object(self) -> JsonObjectWriter<'a> {
        JsonObjectWriter::new(self.out)
    }

    /// Starts an array in this position.
    pub fn start_array(self) -> JsonArrayWriter<'a> {
        JsonArrayWriter::new(self.out)
    }
}

fn push_u64(out: &mut String, mut value: u64) {
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &digit in &buf[start..] {
        out.push(char::from(digit));
    }
}

fn write_float<T: fmt::Display + fmt::LowerExp>(out: &mut String, value: T, as_f64: f64) {
    if as_f64.is_nan() {
        out.push_str("\"NaN\"");
    } else if as_f64 == f64::INFINITY {
        out.push_str("\"Infinity\"");
    } else if as_f64 == f64::NEG_INFINITY {
        out.push_str("\"-Infinity\"");
    } else {
        let magnitude = as_f64.abs();
        // Writing to a String cannot fail.
        let _ = if magnitude != 0.0 && !(1e-7..1e16).contains(&magnitude) {
            write!(out, "{value:e}")
        } else {
            write!(out, "{value}")
        };
    }
}

/// For each byte: 0 if it is written as is, otherwise the character after the backslash
/// (`u` meaning `\u00XX`). RFC 8259 §7 requires escaping `"`, `\` and U+0000 to U+001F; the
/// short forms are used where they exist.
const ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends `value` as a JSON string. Non-ASCII characters stay as UTF-8.
pub(crate) fn write_string(out: &mut String, value: &str) {
    out.reserve(value.len() + 2);
    out.push('"');
    let bytes = value.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = ESCAPES[usize::from(b)];
        if escape == 0 {
            continue;
        }
        // Escaped bytes are ASCII, so runs between them start and end on char boundaries.
        if let Some(run) = value.get(run_start..i) {
            out.push_str(run);
        }
        out.push('\\');
        out.push(char::from(escape));
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
        run_start = i + 1;
    }
    if let Some(run) = value.get(run_start..) {
        out.push_str(run);
    }
    out.push('"');
}
