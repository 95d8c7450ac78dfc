//! The JSON pull parser (`client_runtime::json::JsonReader`), walked through its whole API.
//!
//! Input: optional control bytes, a NUL, then the JSON text (without a NUL the whole input is
//! the text and the control stream is empty). The text is checked four ways:
//! - `document()` agrees with serde_json on whether the text is JSON and on its value;
//! - `skip_value()` accepts what `document()` accepts, and more only for numbers beyond `f64`;
//! - a document written back with `JsonValueWriter` reads back with equal values;
//! - a typed walk, steered by the control bytes, reads each value the way a generated
//!   deserializer might (any integer width, floats, timestamps, blobs, nulls, documents,
//!   skipping, and deliberately the wrong type), and must never panic.

#![no_main]

use client_runtime::document::{Document, Number};
use client_runtime::json::{JsonReader, JsonValueWriter};
use client_runtime::time::TimestampFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (control, json) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };

    let mut r = JsonReader::new(json);
    let document = r.document().and_then(|d| r.finish().map(|()| d));
    let mut r = JsonReader::new(json);
    let skipped = r.skip_value().and_then(|()| r.finish());
    // Skipping checks the grammar only; reading a document also refuses numbers beyond `f64`.
    match (&document, &skipped) {
        (Ok(_), Err(e)) => panic!("document() reads what skip_value() refuses: {e}"),
        (Err(e), Ok(())) => assert!(e.message().contains("out of range"), "skip_value() accepts, document(): {e}"),
        _ => {}
    }

    compare_with_serde_json(json, &document);

    if let Ok(d) = &document {
        let mut text = String::new();
        JsonValueWriter::new(&mut text).document(d);
        let mut again = JsonReader::new(text.as_bytes());
        let reread = again.document().and_then(|d| again.finish().map(|()| d));
        // The writer keeps a number's value, not its kind: `Float(1.0)` is written `1`.
        let reread = reread.unwrap_or_else(|e| panic!("written as {text}, which reads as {e}"));
        assert!(same_value(&reread, d), "written as {text}, which reads as {reread:?}");
    }

    let mut walk = Walk { control: control.iter().copied().cycle().take(4096), input: json };
    let mut r = JsonReader::new(json);
    if walk.value(&mut r).is_ok() {
        let _ = r.finish();
    }
    let _ = format!("{r:?}");
});

fn compare_with_serde_json(json: &[u8], ours: &Result<Document, client_runtime::json::JsonError>) {
    let theirs = serde_json::from_slice::<serde_json::Value>(json);
    match (ours, &theirs) {
        (Ok(d), Ok(v)) => assert!(same(d, v), "read {d:?}, serde_json read {v:?}"),
        // serde_json is built with `arbitrary_precision` here (the generator, also fuzzed in this
        // crate, keeps Smithy's unbounded numbers), so it reads numbers beyond f64 that a
        // document refuses.
        (Err(e), Ok(v)) if e.message().contains("out of range") && beyond_f64(v) => {}
        (Err(e), Ok(v)) if !e.message().contains("nested too deeply") => {
            panic!("refused ({e}) what serde_json reads as {v:?}")
        }
        (Ok(d), Err(e)) if !e.to_string().contains("recursion limit") => {
            panic!("read {d:?} where serde_json fails: {e}")
        }
        _ => {}
    }
}

/// Whether `v` holds a number that no `f64` (or integer) represents.
fn beyond_f64(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) => n.as_f64().is_none() && n.as_i64().is_none() && n.as_u64().is_none(),
        Value::Array(a) => a.iter().any(beyond_f64),
        Value::Object(o) => o.values().any(beyond_f64),
        _ => false,
    }
}

fn same(d: &Document, v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (d, v) {
        (Document::Null, Value::Null) => true,
        (Document::Bool(a), Value::Bool(b)) => a == b,
        (Document::String(a), Value::String(b)) => a == b,
        (Document::Number(a), Value::Number(b)) => match *a {
            // serde_json reads `-0` as the float -0.0; the reader documents it as `PosInt(0)`.
            Number::PosInt(a) => b.as_u64() == Some(a) || (a == 0 && b.as_f64() == Some(0.0)),
            Number::NegInt(a) => b.as_i64() == Some(a),
            // By text, not `as_f64`: with `arbitrary_precision` an integer beyond u64 (which
            // the reader reads as a float) is not an f64 to serde_json.
            Number::Float(a) => b.as_u64().is_none() && b.as_i64().is_none() && b.to_string().parse::<f64>() == Ok(a),
        },
        (Document::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)),
        (Document::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, a)| b.get(k).is_some_and(|b| same(a, b)))
        }
        _ => false,
    }
}

fn same_value(a: &Document, b: &Document) -> bool {
    match (a, b) {
        (Document::Number(x), Document::Number(y)) => match (x, y) {
            (Number::PosInt(_) | Number::NegInt(_), Number::PosInt(_) | Number::NegInt(_)) => x == y,
            _ => x.to_f64_lossy() == y.to_f64_lossy(),
        },
        (Document::Array(x), Document::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Document::Object(x), Document::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((kx, x), (ky, y))| kx == ky && same_value(x, y))
        }
        _ => a == b,
    }
}

/// A reader walk steered by control bytes.
struct Walk<'a, I> {
    control: I,
    input: &'a [u8],
}

impl<I: Iterator<Item = u8>> Walk<'_, I> {
    /// Reads one value; stops at the first error, as generated deserializers do.
    fn value(&mut self, r: &mut JsonReader<'_>) -> Result<(), ()> {
        let choice = self.control.next().unwrap_or(0);
        // Peek at the value's first byte as a deserializer knows its member's type.
        let next = self.input[r.offset().min(self.input.len())..]
            .iter()
            .copied()
            .find(|b| !b" \t\r\n".contains(b));
        let ok = |ok: bool| if ok { Ok(()) } else { Err(()) };
        match choice % 8 {
            // Occasionally read whatever the control byte says, right type or not.
            7 => return self.any(choice / 8, r),
            6 => return ok(r.skip_value().is_ok()),
            5 => return ok(r.read_null().is_ok_and(|null| null) || self.value(r).is_ok()),
            _ => {}
        }
        match next {
            Some(b'{') => {
                ok(r.start_object().is_ok())?;
                while let Some(key) = r.next_key().map_err(drop)? {
                    std::hint::black_box(key);
                    self.value(r)?;
                }
                Ok(())
            }
            Some(b'[') => {
                ok(r.start_array().is_ok())?;
                while r.next_element().map_err(drop)? {
                    self.value(r)?;
                }
                Ok(())
            }
            Some(b'"') => match choice % 5 {
                0 => ok(r.string().is_ok()),
                1 => ok(r.blob().is_ok()),
                2 => ok(r.timestamp(TimestampFormat::DateTime).is_ok()),
                3 => ok(r.timestamp(TimestampFormat::HttpDate).is_ok()),
                _ => ok(r.f64().is_ok()),
            },
            Some(b'-' | b'0'..=b'9') => self.any(choice / 8 % 10 + 4, r),
            Some(b't' | b'f') => ok(r.boolean().is_ok()),
            Some(b'n') => ok(r.read_null().is_ok()),
            _ => ok(r.document().is_ok()),
        }
    }

    /// Reads a value with the method numbered `which`.
    fn any(&mut self, which: u8, r: &mut JsonReader<'_>) -> Result<(), ()> {
        let ok = match which % 21 {
            0 => r.string().is_ok(),
            1 => r.boolean().is_ok(),
            2 => r.blob().is_ok(),
            3 => r.document().is_ok(),
            4 => r.i8().is_ok(),
            5 => r.i16().is_ok(),
            6 => r.i32().is_ok(),
            7 => r.i64().is_ok(),
            8 => r.f32().is_ok(),
            9 => r.f64().is_ok(),
            10 => r.number().is_ok(),
            11 => r.number_text().is_ok(),
            12 => r.timestamp(TimestampFormat::EpochSeconds).is_ok(),
            13 => r.timestamp(TimestampFormat::DateTime).is_ok(),
            14 => r.timestamp(TimestampFormat::HttpDate).is_ok(),
            15 => r.skip_value().is_ok(),
            16 => r.read_null().is_ok(),
            17 => r.start_object().is_ok(),
            18 => r.start_array().is_ok(),
            19 => r.next_key().is_ok(),
            _ => r.next_element().is_ok(),
        };
        if ok { Ok(()) } else { Err(()) }
    }
}
