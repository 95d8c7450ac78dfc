//! The JMESPath evaluator (`client_runtime::jmespath`): expression text, optionally followed by
//! a NUL and the JSON document to search (default: a small fixed document).
//!
//! Checked: parsing and searching never panic (nor overflow the stack: nesting is bounded);
//! a parsed expression keeps its text; searching fails only with `invalid-type` (every other
//! kind is reported by `parse`); and searching is deterministic.

#![no_main]

use client_runtime::document::Document;
use client_runtime::jmespath::{ErrorKind, Expression};
use client_runtime::__private::json::JsonReader;
use libfuzzer_sys::fuzz_target;

const DEFAULT: &[u8] = br#"{"a": [1, -2, 3.5, "x", {"b": [true, null, []]}], "b": {"c": "d", "e": {}}, "c": "e"}"#;

fuzz_target!(|data: &[u8]| {
    let (expr, json) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, DEFAULT),
    };
    let Ok(text) = std::str::from_utf8(expr) else { return };
    let mut reader = JsonReader::new(json);
    let Ok(document) = reader.document().and_then(|d| reader.finish().map(|()| d)) else { return };
    let Ok(parsed) = Expression::parse(text) else { return };
    assert_eq!(parsed.as_str(), text);
    let first: Result<Document, _> = parsed.search(&document);
    if let Err(e) = &first {
        assert_eq!(e.kind(), ErrorKind::InvalidType, "search failed with {e}");
    }
    assert_eq!(first, parsed.search(&document), "searching twice differed");
});
