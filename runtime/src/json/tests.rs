//! Tests of the JSON writer and reader, separately and against each other and serde_json.

use std::borrow::Cow;

use super::*;
use crate::document::{Document, Number};
use crate::time::{DateTime, TimestampFormat};

fn written(f: impl FnOnce(JsonValueWriter<'_>)) -> String {
    let mut out = String::new();
    f(JsonValueWriter::new(&mut out));
    out
}

fn read_doc(text: &str) -> Result<Document, JsonError> {
    let mut r = JsonReader::new(text.as_bytes());
    let doc = r.document()?;
    r.finish()?;
    Ok(doc)
}

fn obj(members: &[(&str, Document)]) -> Document {
    Document::Object(
        members
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[test]
fn writes_escaped_strings() {
    let cases = [
        ("", r#""""#),
        ("plain ascii", r#""plain ascii""#),
        ("q\"b\\s/", r#""q\"b\\s/""#),
        ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
        // DEL (0x7F) is not a control character in RFC 8259 and stays raw.
        ("\u{0}\u{1}\u{1f}\u{7f}", "\"\\u0000\\u0001\\u001f\u{7f}\""),
        ("é日😀\u{2028}", "\"é日😀\u{2028}\""),
        ("a\"é\"b", r#""a\"é\"b""#),
    ];
    for (input, expected) in cases {
        let out = written(|w| w.string(input));
        assert_eq!(out, expected, "{input:?}");
        assert_eq!(serde_json::from_str::<String>(&out).unwrap(), input);
    }
}

#[test]
fn writes_scalars() {
    assert_eq!(written(|w| w.boolean(true)), "true");
    assert_eq!(written(|w| w.boolean(false)), "false");
    assert_eq!(written(|w| w.null()), "null");
    assert_eq!(written(|w| w.integer(0)), "0");
    assert_eq!(written(|w| w.integer(-42)), "-42");
    assert_eq!(written(|w| w.integer(i64::MIN)), "-9223372036854775808");
    assert_eq!(written(|w| w.unsigned(u64::MAX)), "18446744073709551615");
    assert_eq!(written(|w| w.number(Number::NegInt(-1))), "-1");
    assert_eq!(written(|w| w.number(Number::PosInt(7))), "7");
    assert_eq!(written(|w| w.number(Number::Float(0.25))), "0.25");
    assert_eq!(written(|w| w.blob(b"foobar")), r#""Zm9vYmFy""#);
    assert_eq!(written(|w| w.blob(b"")), r#""""#);
}

#[test]
fn writes_floats_as_valid_json() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (1.5, "1.5"),
        (-0.1, "-0.1"),
        (1e15, "1000000000000000"),
        (1e16, "1e16"),
        (1.2345e100, "1.2345e100"),
        (1e-7, "0.0000001"),
        (1.5e-8, "1.5e-8"),
        (f64::MAX, "1.7976931348623157e308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
        (f64::NAN, r#""NaN""#),
        (f64::INFINITY, r#""Infinity""#),
        (f64::NEG_INFINITY, r#""-Infinity""#),
    ];
    for &(value, expected) in cases {
        let out = written(|w| w.float(value));
        assert_eq!(out, expected);
        let mut r = JsonReader::new(out.as_bytes());
        let back = r.f64().unwrap();
        assert!(
            back == value || (back.is_nan() && value.is_nan()),
            "{value} -> {out} -> {back}"
        );
        assert_eq!(back.is_sign_negative(), value.is_sign_negative(), "{out}");
    }
    assert_eq!(written(|w| w.float32(0.1)), "0.1");
    assert_eq!(written(|w| w.float32(3.4028235e38)), "3.4028235e38");
    assert_eq!(written(|w| w.float32(f32::NEG_INFINITY)), r#""-Infinity""#);
    assert_eq!(
        written(|w| w.float(f64::from(0.1f32))),
        "0.10000000149011612"
    );
}

#[test]
fn raw_numbers_are_validated() {
    for valid in [
        "0",
        "-0",
        "123456789012345678901234567890",
        "-1.5e-300",
        "1E+2",
        "0.000",
    ] {
        assert_eq!(written(|w| w.raw_number(valid)), valid);
    }
    for invalid in [
        "", "01", "1.", ".5", "+1", "1e", "NaN", "1 ", "0x10", "1\"}",
    ] {
        let out = written(|w| w.raw_number(invalid));
        assert_eq!(
            serde_json::from_str::<String>(&out).unwrap(),
            invalid,
            "{out}"
        );
    }
}

#[test]
fn writes_timestamps() {
    let t = DateTime::from_secs_and_nanos(1_576_540_098, 500_000_000);
    let mut out = String::new();
    let mut object = JsonObjectWriter::new(&mut out);
    object
        .key("e")
        .timestamp(t, TimestampFormat::EpochSeconds)
        .unwrap();
    object
        .key("d")
        .timestamp(t, TimestampFormat::DateTime)
        .unwrap();
    object
        .key("h")
        .timestamp(t, TimestampFormat::HttpDate)
        .unwrap();
    let too_late = DateTime::from_secs(300_000_000_000);
    assert!(object
        .key("x")
        .timestamp(too_late, TimestampFormat::DateTime)
        .is_err());
    object.finish();
    // The failed member left its key behind, but not a half-written value.
    assert_eq!(
        out,
        r#"{"e":1576540098.5,"d":"2019-12-16T23:48:18.5Z","h":"Mon, 16 Dec 2019 23:48:18.500 GMT","x":}"#
    );
    let mut r = JsonReader::new(br#"{"e":1576540098.5,"d":"2019-12-16T23:48:18.5Z","h":"Mon, 16 Dec 2019 23:48:18.500 GMT"}"#);
    r.start_object().unwrap();
    for format in [
        TimestampFormat::EpochSeconds,
        TimestampFormat::DateTime,
        TimestampFormat::HttpDate,
    ] {
        r.next_key().unwrap().unwrap();
        assert_eq!(r.timestamp(format).unwrap(), t);
    }
    assert_eq!(r.next_key().unwrap(), None);
    r.finish().unwrap();
}

#[test]
fn writes_nested_structures() {
    let mut out = String::new();
    let mut root = JsonObjectWriter::new(&mut out);
    root.key("Name").string("n");
    let mut tags = root.key("Tags").start_array();
    for (k, v) in [("a", "1"), ("b\"", "2")] {
        let mut tag = tags.value().start_object();
        tag.key("Key").string(k);
        tag.key("Value").string(v);
        tag.finish();
    }
    tags.value().start_array().finish();
    tags.finish();
    root.key("Empty").start_object().finish();
    root.key("Doc").document(&obj(&[
        ("z", Document::Null),
        (
            "a",
            Document::from(vec![Document::from(1.5), Document::from(-2i64)]),
        ),
    ]));
    root.finish();
    assert_eq!(
        out,
        r#"{"Name":"n","Tags":[{"Key":"a","Value":"1"},{"Key":"b\"","Value":"2"},[]],"Empty":{},"Doc":{"a":[1.5,-2],"z":null}}"#
    );
    assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
}

#[test]
fn reads_the_generated_pattern() {
    #[derive(Debug, Default, PartialEq)]
    struct Body {
        name: Option<String>,
        tags: Option<Vec<(String, String)>>,
        count: Option<i32>,
    }
    fn de_tag(r: &mut JsonReader<'_>) -> Result<(String, String), JsonError> {
        let mut tag = (String::new(), String::new());
        r.start_object()?;
        while let Some(key) = r.next_key()? {
            match key.as_ref() {
                "Key" => tag.0 = r.string()?.into_owned(),
                "Value" => tag.1 = r.string()?.into_owned(),
                _ => r.skip_value()?,
            }
        }
        Ok(tag)
    }
    fn de_body(body: &[u8]) -> Result<Body, JsonError> {
        let mut b = Body::default();
        let mut r = JsonReader::new(body);
        if r.is_empty() {
            return Ok(b);
        }
        r.start_object()?;
        while let Some(key) = r.next_key()? {
            match key.as_ref() {
                "Name" => {
                    if !r.read_null()? {
                        b.name = Some(r.string()?.into_owned());
                    }
                }
                "Tags" => {
                    if !r.read_null()? {
                        let mut v = Vec::new();
                        r.start_array()?;
                        while r.next_element()? {
                            v.push(de_tag(&mut r)?);
                        }
                        b.tags = Some(v);
                    }
                }
                "Count" => {
                    if !r.read_null()? {
                        b.count = Some(r.i32()?);
                    }
                }
                _ => r.skip_value()?,
            }
        }
        r.finish()?;
        Ok(b)
    }
    let body = br#" {
        "Unknown": {"deep": [1, {"x": "\u00e9"}, [], {}], "n": null},
        "Name": "caf\u00e9 \ud83d\ude00",
        "Tags": [ {"Key": "k", "Extra": true, "Value": "v"}, {"Value": "w", "Key": "j"} ],
        "Count": 12,
        "More": [false, -1.5e3, "s"]
    } "#;
    assert_eq!(
        de_body(body).unwrap(),
        Body {
            name: Some("café 😀".into()),
            tags: Some(vec![("k".into(), "v".into()), ("j".into(), "w".into())]),
            count: Some(12),
        }
    );
    assert_eq!(
        de_body(br#"{"Name":null,"Tags":null,"Count":null}"#).unwrap(),
        Body::default()
    );
    assert_eq!(de_body(b"  \n").unwrap(), Body::default());
    assert_eq!(de_body(br#"{"Tags":[]}"#).unwrap().tags, Some(vec![]));
    for bad in [
        &br#"{"Name":1}"#[..],
        br#"{"Count":1.5}"#,
        br#"{"Tags":[{"Key":"k"},]}"#,
        br#"{"Name":"a",}"#,
        br#"{"Name":"a"} x"#,
        br#"{"Name":"a""#,
        b"[]",
    ] {
        assert!(de_body(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn borrows_strings_without_escapes() {
    let mut r = JsonReader::new(br#"["plain", "esc\n", "caf\u00e9"]"#);
    r.start_array().unwrap();
    assert!(r.next_element().unwrap());
    assert!(matches!(r.string().unwrap(), Cow::Borrowed("plain")));
    assert!(r.next_element().unwrap());
    assert!(matches!(r.string().unwrap(), Cow::Owned(s) if s == "esc\n"));
    assert!(r.next_element().unwrap());
    assert_eq!(r.string().unwrap(), "café");
    assert!(!r.next_element().unwrap());
    r.finish().unwrap();
}

#[test]
fn reads_string_escapes() {
    let cases = [
        (r#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{c}\n\r\t"),
        (r#""\u0041\u00e9\u00E9\u65e5""#, "Aéé日"),
        (r#""\ud83d\ude00x""#, "😀x"),
        (r#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
        (r#""\u0000""#, "\u{0}"),
        ("\"é日😀\u{7f}\"", "é日😀\u{7f}"),
    ];
    for (input, expected) in cases {
        assert_eq!(
            JsonReader::new(input.as_bytes()).string().unwrap(),
            expected,
            "{input}"
        );
    }
    let bad: &[(&[u8], &str, usize)] = &[
        (br#""\ud83d""#, "unpaired surrogate in string escape", 1),
        (br#""\ud83dx""#, "unpaired surrogate in string escape", 1),
        (
            br#""\ud83d\u0041""#,
            "unpaired surrogate in string escape",
            1,
        ),
        (br#""\ude00""#, "unpaired surrogate in string escape", 1),
        (
            br#""\ud83d\ud83d""#,
            "unpaired surrogate in string escape",
            1,
        ),
        (br#""\x""#, "invalid string escape", 1),
        (br#""\u12""#, "incomplete \\u escape", 3),
        (br#""\u12"  "#, "invalid hex digit in \\u escape", 3),
        (br#""\u12g4""#, "invalid hex digit in \\u escape", 3),
        (br#""\u12"#, "incomplete \\u escape", 3),
        (br#""\"#, "invalid string escape", 1),
        (
            b"\"a\nb\"",
            "control character in string must be escaped",
            2,
        ),
        (
            b"\"a\tb\"",
            "control character in string must be escaped",
            2,
        ),
        (b"\"abc", "unterminated string", 4),
        (b"\"a\xffb\"", "invalid UTF-8 in string", 2),
        (b"\"\xc3\"", "invalid UTF-8 in string", 1),
        (b"\"\\n\xed\xa0\x80\"", "invalid UTF-8 in string", 3),
        (b"\"\xf4\x90\x80\x80\"", "invalid UTF-8 in string", 1),
        (b"'a'", "expected a string", 0),
        (b"  1", "expected a string", 2),
    ];
    for &(input, message, offset) in bad {
        let err = JsonReader::new(input).string().unwrap_err();
        assert_eq!(
            (err.message(), err.offset()),
            (message, offset),
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn reads_integers_with_range_checks() {
    let mut r = JsonReader::new(b"[127, -128, 32767, -32768, 2147483647, -2147483648, 9223372036854775807, -9223372036854775808, 1.0, 1e2, 12.5e1, -0, 1E+0, 100e-2]");
    r.start_array().unwrap();
    let next = |r: &mut JsonReader<'_>| assert!(r.next_element().unwrap());
    next(&mut r);
    assert_eq!(r.i8().unwrap(), 127);
    next(&mut r);
    assert_eq!(r.i8().unwrap(), -128);
    next(&mut r);
    assert_eq!(r.i16().unwrap(), 32767);
    next(&mut r);
    assert_eq!(r.i16().unwrap(), -32768);
    next(&mut r);
    assert_eq!(r.i32().unwrap(), i32::MAX);
    next(&mut r);
    assert_eq!(r.i32().unwrap(), i32::MIN);
    next(&mut r);
    assert_eq!(r.i64().unwrap(), i64::MAX);
    next(&mut r);
    assert_eq!(r.i64().unwrap(), i64::MIN);
    for expected in [1, 100, 125, 0, 1, 1] {
        next(&mut r);
        assert_eq!(r.i64().unwrap(), expected);
    }
    assert!(!r.next_element().unwrap());
    r.finish().unwrap();

    type Read = fn(&mut JsonReader<'_>) -> Result<(), JsonError>;
    let out_of_range: &[(&str, Read)] = &[
        ("128", |r| r.i8().map(drop)),
        ("-129", |r| r.i8().map(drop)),
        ("32768", |r| r.i16().map(drop)),
        ("2147483648", |r| r.i32().map(drop)),
        ("-2147483649", |r| r.i32().map(drop)),
        ("9223372036854775808", |r| r.i64().map(drop)),
        ("-9223372036854775809", |r| r.i64().map(drop)),
        ("1e19", |r| r.i64().map(drop)),
        ("99999999999999999999999", |r| r.i64().map(drop)),
        ("1e999999999999", |r| r.i64().map(drop)),
        ("1.5", |r| r.i32().map(drop)),
        ("1e-1", |r| r.i32().map(drop)),
        ("1.0000000001", |r| r.i64().map(drop)),
        ("1.00000000000000000001", |r| r.i64().map(drop)),
        ("\"1\"", |r| r.i32().map(drop)),
        ("true", |r| r.i32().map(drop)),
        ("-", |r| r.i32().map(drop)),
        ("01", |r| {
            r.i32()?;
            r.finish()
        }),
    ];
    for (input, read) in out_of_range {
        assert!(
            read(&mut JsonReader::new(input.as_bytes())).is_err(),
            "accepted {input}"
        );
    }
}

#[test]
fn reads_floats_and_special_strings() {
    let cases: &[(&str, f64)] = &[
        ("0", 0.0),
        ("-0.0", -0.0),
        ("1.5", 1.5),
        ("-2.5E-3", -0.0025),
        ("1e308", 1e308),
        ("1e-400", 0.0),
        ("\"Infinity\"", f64::INFINITY),
        ("\"-Infinity\"", f64::NEG_INFINITY),
        ("123456789012345678901234567890", 1.2345678901234568e29),
    ];
    for &(input, expected) in cases {
        let v = JsonReader::new(input.as_bytes()).f64().unwrap();
        assert_eq!(v, expected, "{input}");
        assert_eq!(v.is_sign_negative(), expected.is_sign_negative(), "{input}");
    }
    assert!(JsonReader::new(b"\"NaN\"").f64().unwrap().is_nan());
    assert!(JsonReader::new(b"\"NaN\"").f32().unwrap().is_nan());
    assert_eq!(JsonReader::new(b"0.1").f32().unwrap(), 0.1f32);
    // Just above the midpoint between 1.0 and the next f32: rounding once gives the upper
    // neighbour, while rounding to f64 first lands on the midpoint and then ties to 1.0.
    assert_eq!(
        JsonReader::new(b"1.0000000596046447753906251")
            .f32()
            .unwrap(),
        1.0 + f32::EPSILON
    );
    assert_eq!(
        JsonReader::new(b"\"-Infinity\"").f32().unwrap(),
        f32::NEG_INFINITY
    );
    for bad in [
        "1e309", "-1e400", "\"nan\"", "\"inf\"", "\"1.5\"", "NaN", "Infinity", "null", "1.", ".1",
        "+1", "0x1",
    ] {
        let mut r = JsonReader::new(bad.as_bytes());
        assert!(r.f64().and_then(|_| r.finish()).is_err(), "accepted {bad}");
    }
    assert!(JsonReader::new(b"3.5e38").f32().is_err());
}

#[test]
fn reads_numbers_by_kind() {
    let cases: &[(&str, Number)] = &[
        ("0", Number::PosInt(0)),
        ("-0", Number::PosInt(0)),
        ("18446744073709551615", Number::PosInt(u64::MAX)),
        (
            "18446744073709551616",
            Number::Float(18446744073709551616.0),
        ),
        ("-9223372036854775808", Number::NegInt(i64::MIN)),
        (
            "-9223372036854775809",
            Number::Float(-9223372036854775809.0),
        ),
        ("1.0", Number::Float(1.0)),
        ("1e2", Number::Float(100.0)),
        ("-0.5", Number::Float(-0.5)),
    ];
    for &(input, expected) in cases {
        assert_eq!(
            JsonReader::new(input.as_bytes()).number().unwrap(),
            expected,
            "{input}"
        );
    }
    assert!(JsonReader::new(b"1e400").number().is_err());
    assert!(JsonReader::new(b"\"1\"").number().is_err());
    let mut r = JsonReader::new(b" [ 123456789012345678901234567890.5e-3 ,-0] ");
    r.start_array().unwrap();
    r.next_element().unwrap();
    assert_eq!(
        r.number_text().unwrap(),
        "123456789012345678901234567890.5e-3"
    );
    r.next_element().unwrap();
    assert_eq!(r.number_text().unwrap(), "-0");
    assert!(!r.next_element().unwrap());
    r.finish().unwrap();
    let err = JsonReader::new(b"-x").number_text().unwrap_err();
    assert_eq!((err.message(), err.offset()), ("invalid number", 1));
    let err = JsonReader::new(b" 1.e5").number_text().unwrap_err();
    assert_eq!((err.message(), err.offset()), ("invalid number", 3));
}

#[test]
fn reads_blobs_and_timestamps() {
    assert_eq!(JsonReader::new(br#""Zm9vYmFy""#).blob().unwrap(), b"foobar");
    assert_eq!(
        JsonReader::new(br#""Zm9v\/w==""#).blob().unwrap(),
        [b'f', b'o', b'o', 0xFF]
    );
    let err = JsonReader::new(br#" "Zm9""#).blob().unwrap_err();
    assert_eq!(err.offset(), 1);
    assert!(err.message().starts_with("invalid base64"), "{err}");
    assert!(JsonReader::new(b"123").blob().is_err());

    let epoch = TimestampFormat::EpochSeconds;
    let cases: &[(&str, TimestampFormat, DateTime)] = &[
        ("1576540098", epoch, DateTime::from_secs(1_576_540_098)),
        (
            "1576540098.123",
            epoch,
            DateTime::from_secs_and_nanos(1_576_540_098, 123_000_000),
        ),
        (
            "1.576540098123E9",
            epoch,
            DateTime::from_secs_and_nanos(1_576_540_098, 123_000_000),
        ),
        (
            "-1.5",
            epoch,
            DateTime::from_secs_and_nanos(-2, 500_000_000),
        ),
        (
            r#""2019-12-16T22:48:18-01:00""#,
            TimestampFormat::DateTime,
            DateTime::from_secs(1_576_540_098),
        ),
        (
            r#""Mon, 16 Dec 2019 23:48:18 GMT""#,
            TimestampFormat::HttpDate,
            DateTime::from_secs(1_576_540_098),
        ),
    ];
    for &(input, format, expected) in cases {
        assert_eq!(
            JsonReader::new(input.as_bytes()).timestamp(format).unwrap(),
            expected,
            "{input}"
        );
    }
    for (input, format) in [
        (r#""1576540098""#, epoch),
        ("1e30", epoch),
        ("1576540098", TimestampFormat::DateTime),
        (r#""2019-12-16""#, TimestampFormat::DateTime),
        (r#""2019-12-16T23:48:18Z""#, TimestampFormat::HttpDate),
    ] {
        assert!(
            JsonReader::new(input.as_bytes()).timestamp(format).is_err(),
            "accepted {input}"
        );
    }
}

#[test]
fn reads_documents_and_skips_values() {
    let text = r#"{"a": [1, -2, 2.5, "s", true, false, null, {}], "b": {"c": {"d": []}}, "a": 0}"#;
    let doc = read_doc(text).unwrap();
    // Duplicate keys keep the last value.
    assert_eq!(
        doc,
        obj(&[
            ("a", Document::from(0u64)),
            ("b", obj(&[("c", obj(&[("d", Document::Array(vec![]))]))]))
        ])
    );
    let mut r = JsonReader::new(text.as_bytes());
    r.skip_value().unwrap();
    r.finish().unwrap();
    assert_eq!(read_doc(" null ").unwrap(), Document::Null);
    assert_eq!(read_doc("\"x\"").unwrap(), Document::from("x"));
}

#[test]
fn rejects_invalid_syntax() {
    let cases: &[(&str, &str, usize)] = &[
        ("", "unexpected end of input, expected a value", 0),
        ("   ", "unexpected end of input, expected a value", 3),
        ("{", "expected a string as object member name", 1),
        ("{\"a\"", "expected ':' after object member name", 4),
        ("{\"a\":", "unexpected end of input, expected a value", 5),
        ("{\"a\":1", "expected ',' or '}' after an object member", 6),
        ("{\"a\":1,}", "expected a string as object member name", 7),
        ("{,}", "expected a string as object member name", 1),
        ("{\"a\" 1}", "expected ':' after object member name", 5),
        ("{a:1}", "expected a string as object member name", 1),
        ("{1:1}", "expected a string as object member name", 1),
        ("[1 2]", "expected ',' or ']' after an array element", 3),
        ("[1,]", "expected a value", 3),
        ("[,1]", "expected a value", 1),
        ("[1}", "expected ',' or ']' after an array element", 2),
        ("{\"a\":1]", "expected ',' or '}' after an object member", 6),
        ("[", "unexpected end of input, expected a value", 1),
        ("]", "expected a value", 0),
        ("tru", "invalid literal", 0),
        ("nul", "invalid literal", 0),
        ("True", "expected a value", 0),
        (
            "[true false]",
            "expected ',' or ']' after an array element",
            6,
        ),
        ("1 2", "unexpected data after the value", 2),
        ("{} {}", "unexpected data after the value", 3),
        ("01", "unexpected data after the value", 1),
        ("-", "invalid number", 1),
        ("1.", "invalid number", 2),
        ("1e+", "invalid number", 3),
        ("\u{feff}1", "expected a value", 0),
        ("\u{a0}1", "expected a value", 0),
        ("1\u{b}", "unexpected data after the value", 1),
        ("[1]]", "unexpected data after the value", 3),
    ];
    for &(input, message, offset) in cases {
        let err = read_doc(input).unwrap_err();
        assert_eq!(
            (err.message(), err.offset()),
            (message, offset),
            "{input:?}"
        );
        let mut r = JsonReader::new(input.as_bytes());
        assert!(
            r.skip_value().and_then(|()| r.finish()).is_err(),
            "skip accepted {input:?}"
        );
    }
}

#[test]
fn misuse_is_an_error_not_a_panic() {
    let mut r = JsonReader::new(b"[1]");
    assert_eq!(r.next_key().unwrap_err().message(), "not inside an object");
    assert_eq!(
        r.next_element().unwrap_err().message(),
        "not inside an array"
    );
    r.start_array().unwrap();
    assert_eq!(r.next_key().unwrap_err().message(), "not inside an object");
    assert!(r.next_element().unwrap());
    assert_eq!(r.string().unwrap_err().message(), "expected a string");
    assert_eq!(
        r.start_object().unwrap_err().message(),
        "expected an object"
    );
    assert_eq!(r.i32().unwrap(), 1);
    assert_eq!(
        r.finish().unwrap_err().message(),
        "unexpected end of input, object or array not closed"
    );
    assert!(!r.next_element().unwrap());
    r.finish().unwrap();
    assert!(r.read_null().is_err());
    assert!(JsonReader::new(b"nil").read_null().is_err());
    assert!(!JsonReader::new(b"1").read_null().unwrap());
    assert!(JsonReader::new(b" \t\r\n").is_empty());
    assert!(!JsonReader::new(b" {}").is_empty());
    assert_eq!(JsonError::new("custom", 3).to_string(), "custom at byte 3");
}

#[test]
fn debug_output_hides_content() {
    let body = br#"{"SecretAccessKey":"hunter2"}"#;
    let mut r = JsonReader::new(body);
    r.start_object().unwrap();
    let shown = format!("{r:?}");
    assert!(!shown.contains("hunter2") && shown.contains("pos: 1"), "{shown}");
    let mut out = String::from("hunter2");
    let object = JsonObjectWriter::new(&mut out);
    let shown = format!("{object:?}");
    assert!(!shown.contains("hunter2") && shown.contains("written: 8"), "{shown}");
    object.finish();
}

#[test]
fn nesting_is_limited() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(read_doc(&nested(MAX_DEPTH)).is_ok());
    let deepest = nested(MAX_DEPTH);
    let mut r = JsonReader::new(deepest.as_bytes());
    r.skip_value().unwrap();
    r.finish().unwrap();
    let too_deep = nested(MAX_DEPTH + 1);
    let err = read_doc(&too_deep).unwrap_err();
    assert_eq!(
        (err.message(), err.offset()),
        ("objects and arrays nested too deeply", MAX_DEPTH)
    );
    assert!(JsonReader::new(too_deep.as_bytes()).skip_value().is_err());
    // Far deeper hostile input fails the same way instead of exhausting the stack.
    let hostile = "[{\"a\":".repeat(100_000);
    assert_eq!(
        read_doc(&hostile).unwrap_err().message(),
        "objects and arrays nested too deeply"
    );
    assert!(JsonReader::new(hostile.as_bytes()).skip_value().is_err());
    // Closing releases depth: many sibling containers are fine.
    let siblings = format!("[{}[]]", "[[[]]],".repeat(1000));
    assert!(read_doc(&siblings).is_ok());
}

/// xorshift64*: deterministic pseudo-random numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const STRING_POOL: &[&str] = &[
    "", "a", "key", "\"", "\\", "/", "\n", "\u{0}", "\u{1f}", "\u{7f}", "é", "日本", "😀",
    "\u{2028}", "\u{fffd}", " ", "NaN",
];

fn random_string(rng: &mut Rng) -> String {
    (0..rng.below(4))
        .map(|_| STRING_POOL[rng.below(STRING_POOL.len())])
        .collect()
}

fn random_number(rng: &mut Rng) -> Number {
    match rng.below(6) {
        0 => Number::PosInt(rng.next() >> rng.below(64)),
        1 => Number::NegInt(-((rng.next() >> 1) as i64 >> rng.below(63)) - 1),
        2 => Number::Float(f64::from_bits(rng.next())),
        3 => Number::Float((rng.next() % 2_000_001) as f64 / 1000.0 - 1000.0),
        4 => Number::Float(f64::from(f32::from_bits(rng.next() as u32))),
        _ => Number::Float(rng.next() as f64 * if rng.below(2) == 0 { 1e-30 } else { 1e30 }),
    }
}

fn random_document(rng: &mut Rng, depth: usize) -> Document {
    match rng.below(if depth == 0 { 4 } else { 6 }) {
        0 => Document::String(random_string(rng)),
        1 => Document::Number(random_number(rng)),
        2 => Document::Bool(rng.below(2) == 0),
        3 => Document::Null,
        4 => Document::Array(
            (0..rng.below(4))
                .map(|_| random_document(rng, depth - 1))
                .collect(),
        ),
        _ => Document::Object(
            (0..rng.below(4))
                .map(|_| (random_string(rng), random_document(rng, depth - 1)))
                .collect(),
        ),
    }
}

/// The document the reader gives back for what the writer wrote: non-finite floats become the
/// restJson1 strings, and floats written without `.` or exponent come back as integers.
fn as_read_back(doc: &Document) -> Document {
    match doc {
        Document::Number(Number::Float(v)) if v.is_nan() => Document::from("NaN"),
        Document::Number(Number::Float(v)) if v.is_infinite() => {
            Document::from(if *v > 0.0 { "Infinity" } else { "-Infinity" })
        }
        Document::Number(Number::Float(v))
            if v.fract() == 0.0 && (*v == 0.0 || (1e-7..1e16).contains(&v.abs())) =>
        {
            Document::Number(Number::from(*v as i64))
        }
        Document::Array(v) => Document::Array(v.iter().map(as_read_back).collect()),
        Document::Object(m) => Document::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), as_read_back(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether `v` holds a number that no `f64` (or integer) represents.
fn has_number_beyond_f64(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) => n.as_f64().is_none() && n.as_i64().is_none() && n.as_u64().is_none(),
        Value::Array(a) => a.iter().any(has_number_beyond_f64),
        Value::Object(o) => o.values().any(has_number_beyond_f64),
        _ => false,
    }
}

fn same_as_serde(ours: &Document, theirs: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (ours, theirs) {
        (Document::Null, Value::Null) => true,
        (Document::Bool(a), Value::Bool(b)) => a == b,
        (Document::String(a), Value::String(b)) => a == b,
        (Document::Number(a), Value::Number(b)) => match *a {
            Number::PosInt(v) => b.as_u64() == Some(v),
            Number::NegInt(v) => b.as_i64() == Some(v),
            // Without its `float_roundtrip` feature serde_json may parse a float one ulp off.
            Number::Float(v) => b
                .as_f64()
                .is_some_and(|w| w == v || (w - v).abs() <= v.abs() * 4.0 * f64::EPSILON),
        },
        (Document::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_as_serde(x, y))
        }
        (Document::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| same_as_serde(v, w)))
        }
        _ => false,
    }
}

#[test]
fn written_documents_read_back_identically() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..3000 {
        let doc = random_document(&mut rng, 4);
        let text = written(|w| w.document(&doc));
        let expected = as_read_back(&doc);
        assert_eq!(read_doc(&text).as_ref(), Ok(&expected), "{text}");
        let theirs: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert!(same_as_serde(&expected, &theirs), "{text}");
        let mut r = JsonReader::new(text.as_bytes());
        r.skip_value().unwrap();
        r.finish().unwrap();
    }
}

#[test]
fn serde_json_output_reads_back() {
    let mut rng = Rng(77);
    for _ in 0..1000 {
        let doc = as_read_back(&random_document(&mut rng, 4));
        let text = written(|w| w.document(&doc));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        // serde_json escapes differently (e.g. \u007f stays raw, uppercase hex never used); its
        // pretty printer also adds whitespace the reader must skip.
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let back = read_doc(&pretty).unwrap();
        assert!(same_as_serde(&back, &value), "{pretty}");
    }
}

#[test]
fn reader_agrees_with_serde_json_on_mutated_input() {
    let mut rng = Rng(0xFEED_FACE);
    let noise: &[u8] =
        b"{}[],:\"\\/ntrufalse0123456789-+.eEu \t\n\x00\x1f\x7f\xc3\xa9\xed\xa0\x80\xff";
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..20_000 {
        let doc = random_document(&mut rng, 3);
        let mut bytes = written(|w| w.document(&doc)).into_bytes();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len() + 1);
            let b = noise[rng.below(noise.len())];
            match rng.below(3) {
                0 if at < bytes.len() => bytes[at] = b,
                1 => bytes.insert(at, b),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        let ours = {
            let mut r = JsonReader::new(&bytes);
            r.document().and_then(|d| r.finish().map(|()| d))
        };
        let theirs = serde_json::from_slice::<serde_json::Value>(&bytes);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => {
                assert!(same_as_serde(a, b), "{}", String::from_utf8_lossy(&bytes));
                accepted += 1;
            }
            (Err(_), Err(_)) => rejected += 1,
            // In the workspace, serde_json is built with `arbitrary_precision` (the generator
            // keeps Smithy's unbounded node numbers), so it accepts numbers beyond f64 that a
            // document cannot hold; ours must refuse exactly those.
            (Err(e), Ok(v)) if e.message().contains("out of range") && has_number_beyond_f64(v) => {
                rejected += 1
            }
            _ => panic!(
                "disagree on {:?}: ours {ours:?}, serde_json {theirs:?}",
                String::from_utf8_lossy(&bytes)
            ),
        }
        let mut r = JsonReader::new(&bytes);
        let skipped = r.skip_value().and_then(|()| r.finish()).is_ok();
        // Skipping checks the grammar only, so it also passes numbers too large for an f64.
        match &ours {
            Ok(_) => assert!(skipped),
            Err(e) => assert!(!skipped || e.message().contains("out of range"), "{e}"),
        }
    }
    // The mutations must exercise both outcomes for the agreement to mean anything.
    assert!(
        accepted > 2000 && rejected > 2000,
        "{accepted} accepted, {rejected} rejected"
    );
}

#[test]
fn reader_never_panics_on_arbitrary_bytes_or_truncation() {
    let mut rng = Rng(99);
    for _ in 0..20_000 {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len)
            .map(|_| b"{}[]\":,\\tfn0-1e.u"[rng.below(17)].max(rng.next() as u8 & 0x80))
            .collect();
        exercise(&bytes);
    }
    for _ in 0..300 {
        let doc = Document::Object(
            [("k".to_string(), random_document(&mut rng, 4))]
                .into_iter()
                .collect(),
        );
        let text = written(|w| w.document(&doc));
        for end in 0..text.len() {
            let prefix = &text.as_bytes()[..end];
            exercise(prefix);
            // A proper prefix of an object is never a complete document.
            assert!(
                read_doc_bytes(prefix).is_err(),
                "{}",
                String::from_utf8_lossy(prefix)
            );
        }
    }
}

fn read_doc_bytes(bytes: &[u8]) -> Result<Document, JsonError> {
    let mut r = JsonReader::new(bytes);
    let doc = r.document()?;
    r.finish()?;
    Ok(doc)
}

/// Drives every reading method over `bytes`; only panics would fail.
fn exercise(bytes: &[u8]) {
    let _ = read_doc_bytes(bytes);
    for format in [
        TimestampFormat::EpochSeconds,
        TimestampFormat::DateTime,
        TimestampFormat::HttpDate,
    ] {
        let _ = JsonReader::new(bytes).timestamp(format);
    }
    let mut r = JsonReader::new(bytes);
    let _ = (
        r.is_empty(),
        r.read_null(),
        r.boolean(),
        r.i8(),
        r.f32(),
        r.f64(),
        r.number(),
        r.blob(),
    );
    // A generated-style walk that keeps going through errors until the input runs out.
    let mut r = JsonReader::new(bytes);
    for _ in 0..bytes.len() + 1 {
        let _ = r.start_object().or_else(|_| r.start_array());
        let _ = r.next_key();
        let _ = r.next_element();
        let _ = r.string();
        let _ = r.i64();
        let _ = r.skip_value();
    }
    let _ = r.finish();
}
