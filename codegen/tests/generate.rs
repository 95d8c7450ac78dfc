//! End-to-end tests of the generator's pure entry point: fixture models → files, compared with
//! checked-in snapshots; determinism (same bytes twice and with the model's shapes shuffled);
//! and errors for malformed models.
//!
//! Snapshots live in `tests/snapshots/<fixture>/`; rerun with `UPDATE_SNAPSHOTS=1` to rewrite
//! them after an intended change, and review the diff.

use codegen::{generate, GeneratedFile, Options, PackageOptions};
use std::path::{Path, PathBuf};

mod common;
use common::XorShift;

fn options(service: Option<&str>) -> Options {
    Options {
        service: service.map(str::to_string),
        package: PackageOptions { name: None, version: "0.1.0".into(), runtime_path: "../runtime".into(), workspace_member: true, credentials_chain: true },
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

fn snapshot_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name)
}

fn check_snapshots(name: &str, files: &[GeneratedFile]) {
    let dir = snapshot_dir(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        for f in files {
            let path = dir.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &f.contents).unwrap();
        }
        return;
    }
    for f in files {
        let path = dir.join(&f.path);
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing snapshot {}; run with UPDATE_SNAPSHOTS=1", path.display()));
        assert!(want == f.contents, "{} differs from its snapshot; run with UPDATE_SNAPSHOTS=1 and review the diff", f.path);
    }
}

#[test]
fn every_kind_of_shape_matches_its_snapshot() {
    let files = generate(&fixture("shapes.json"), &options(None)).unwrap();
    check_snapshots("shapes", &files);
    let types = &files.iter().find(|f| f.path == "src/types.rs").unwrap().contents;
    // Spot checks that document what the snapshot must contain.
    for needle in [
        "pub enum Color",
        "Unknown(rt::types::UnknownVariantValue)",
        "pub enum Level",
        "Unknown(i32)",
        "pub enum Shape",
        "Circle(f64)",
        "None,",
        "pub parent: Option<Box<crate::types::Thing>>",
        "pub maybe: Option<Vec<Option<String>>>,",
        "pub r#type: Option<String>",
        "pub meta_value: Option<rt::document::Document>",
        "#[deprecated(since = \"2023\", note = \"use Name\")]",
        "pub color: crate::types::Color,",
        "pub enabled: bool,",
    ] {
        assert!(types.contains(needle), "types.rs lacks `{needle}`");
    }
    let op = &files.iter().find(|f| f.path == "src/operation/put_thing.rs").unwrap().contents;
    assert!(op.contains("*** Sensitive Data Redacted ***"), "the sensitive member is redacted in Debug");
    // Constraints are documented and left to the service, never checked by the client.
    assert!(!op.contains("check_range(") && !op.contains("check_length("), "the client enforces no constraint");
    assert!(op.contains("/// Range: 1 to 100.\n    pub limit"), "the @range of Limit is documented on its field");
}

fn shuffled(json: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    let shapes = v["shapes"].as_object().unwrap().clone();
    let mut entries: Vec<_> = shapes.into_iter().collect();
    entries.reverse();
    let n = entries.len();
    entries.rotate_left(n / 3);
    v["shapes"] = serde_json::Value::Object(entries.into_iter().collect());
    serde_json::to_string(&v).unwrap()
}

#[test]
fn output_is_deterministic_and_independent_of_shape_order() {
    let model = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/chime-sdk-identity.json")).unwrap();
    let a = generate(&model, &options(None)).unwrap();
    let b = generate(&model, &options(None)).unwrap();
    assert_eq!(a, b);
    let c = generate(&shuffled(&model), &options(None)).unwrap();
    assert_eq!(a, c, "shuffling the shapes changed the output");
    let f = generate(&shuffled(&fixture("shapes.json")), &options(None)).unwrap();
    assert_eq!(generate(&fixture("shapes.json"), &options(None)).unwrap(), f);
}

fn error_for(shapes: &str) -> String {
    let model = format!(r#"{{"smithy":"2.0","shapes":{{
        "a#S":{{"type":"service","version":"1","operations":[{{"target":"a#Op"}}],"traits":{{"aws.protocols#restJson1":{{}}}}}},
        "a#Op":{{"type":"operation","input":{{"target":"a#In"}},"traits":{{"smithy.api#http":{{"method":"POST","uri":"/op"}}}}}},
        {shapes}}}}}"#);
    generate(&model, &options(None)).unwrap_err().to_string()
}

#[test]
fn malformed_models_produce_errors_naming_the_shape() {
    let cases = [
        (r#""a#In":{"type":"structure","members":{"x":{"target":"a#Nope"}}}"#, "a#In$x: targets `a#Nope`, which is not defined in the model"),
        (r#""a#In":{"type":"structure","members":{"x":{"target":"smithy.api#String","traits":{"smithy.api#httpLabel":{}}}}}"#, "a#In$x: has @httpLabel but the URI `/op` has no `{x}` label"),
        (r#""a#In":{"type":"structure","members":{"x":{"target":"a#Odd"}}}, "a#Odd":{"type":"widget"}"#, "a#Odd: unknown shape type `widget`"),
        (r#""a#In":{"type":"structure","members":"nope"}"#, "a#In: `members` must be an object"),
        (r#""a#In":{"type":"structure","members":{"fooBar":{"target":"smithy.api#String"},"FooBar":{"target":"smithy.api#String"}}}"#, "a#In$FooBar: its Rust field name `foo_bar` collides with member `fooBar`"),
        (r#""a#In":{"type":"structure","members":{"a":{"target":"a#Thing"},"b":{"target":"b#Thing"}}}, "a#Thing":{"type":"structure"}, "b#Thing":{"type":"structure"}"#, "b#Thing: its Rust name `Thing` collides with `a#Thing`; add a `rename` to the service"),
        (r#""a#In":{"type":"structure","members":{"x":{"target":"smithy.api#Integer","traits":{"smithy.api#httpPayload":{}}}}}"#, "a#In$x: restJson1 only allows @httpPayload on structures, unions, documents, strings and blobs, not a integer"),
    ];
    for (shapes, want) in cases {
        assert_eq!(error_for(shapes), want);
    }
}

/// Event streams are generated; what the spec forbids of them is refused naming the shape.
#[test]
fn malformed_event_streams_produce_errors_naming_the_shape() {
    let ev = r#""a#Ev":{"type":"union","traits":{"smithy.api#streaming":{}},"members":{"e":{"target":"a#E"}}}"#;
    let cases = [
        (
            format!(r#""a#In":{{"type":"structure","members":{{"s":{{"target":"a#Ev"}}}}}}, {ev}, "a#E":{{"type":"structure","members":{{}}}}"#),
            "a#In$s: a streaming union must be bound with @httpPayload",
        ),
        (
            format!(r#""a#In":{{"type":"structure","members":{{"n":{{"target":"a#N"}}}}}}, "a#N":{{"type":"structure","members":{{"s":{{"target":"a#Ev"}}}}}}, {ev}, "a#E":{{"type":"structure","members":{{}}}}"#),
            "a#N$s: an event stream can only be the @httpPayload of an operation's input or output",
        ),
        (
            format!(r#""a#In":{{"type":"structure","members":{{"s":{{"target":"a#Ev","traits":{{"smithy.api#httpPayload":{{}}}}}}}}}}, {ev}, "a#E":{{"type":"string"}}"#),
            "a#Ev$e: an event stream member must target a structure, not a string",
        ),
        (
            format!(r#""a#In":{{"type":"structure","members":{{"s":{{"target":"a#Ev","traits":{{"smithy.api#httpPayload":{{}}}}}}}}}}, {ev}, "a#E":{{"type":"structure","members":{{"p":{{"target":"smithy.api#Integer","traits":{{"smithy.api#eventPayload":{{}}}}}}}}}}"#),
            "a#E$p: @eventPayload must target a blob, string, structure or union",
        ),
        (
            format!(r#""a#In":{{"type":"structure","members":{{"s":{{"target":"a#Ev","traits":{{"smithy.api#httpPayload":{{}}}}}}}}}}, {ev}, "a#E":{{"type":"structure","members":{{"p":{{"target":"smithy.api#Blob","traits":{{"smithy.api#eventPayload":{{}}}}}},"q":{{"target":"smithy.api#String"}}}}}}"#),
            "a#E: with an @eventPayload member, every other member must be an @eventHeader",
        ),
        (
            format!(r#""a#In":{{"type":"structure","members":{{"s":{{"target":"a#Ev","traits":{{"smithy.api#httpPayload":{{}}}}}}}}}}, {ev}, "a#E":{{"type":"structure","members":{{"h":{{"target":"a#L","traits":{{"smithy.api#eventHeader":{{}}}}}}}}}}, "a#L":{{"type":"list","member":{{"target":"smithy.api#String"}}}}"#),
            "a#E$h: @eventHeader members must target a boolean, byte, short, integer, long, blob, string or timestamp",
        ),
    ];
    for (shapes, want) in cases {
        assert_eq!(error_for(&shapes), want);
    }
    let query = r#"{"smithy":"2.0","shapes":{
        "a#S":{"type":"service","version":"1","operations":[{"target":"a#Op"}],"traits":{"aws.protocols#awsQuery":{},"smithy.api#xmlNamespace":{"uri":"https://a/"}}},
        "a#Op":{"type":"operation","input":{"target":"a#In"},"output":{"target":"smithy.api#Unit"}},
        "a#In":{"type":"structure","members":{"s":{"target":"a#Ev"}}},
        "a#Ev":{"type":"union","traits":{"smithy.api#streaming":{}},"members":{"e":{"target":"a#E"}}},
        "a#E":{"type":"structure","members":{}}}}"#;
    assert_eq!(generate(query, &options(None)).unwrap_err().to_string(), "a#In$s: aws.protocols#awsQuery does not support event streams (`a#Ev`)");
}

#[test]
fn a_label_member_must_be_required() {
    let model = r#"{"smithy":"2.0","shapes":{
        "a#S":{"type":"service","version":"1","operations":[{"target":"a#Op"}],"traits":{"aws.protocols#restJson1":{}}},
        "a#Op":{"type":"operation","input":{"target":"a#In"},"traits":{"smithy.api#http":{"method":"GET","uri":"/x/{Id}"}}},
        "a#In":{"type":"structure","members":{"Id":{"target":"smithy.api#String","traits":{"smithy.api#httpLabel":{}}}}}}}"#;
    assert_eq!(generate(model, &options(None)).unwrap_err().to_string(), "a#In$Id: httpLabel member must be required");
}

#[test]
fn unsupported_protocols_are_reported() {
    let model = r#"{"smithy":"2.0","shapes":{"a#S":{"type":"service","version":"1","traits":{"aws.protocols#awsJson1_0":{}}}}}"#;
    assert_eq!(
        generate(model, &options(None)).unwrap_err().to_string(),
        "a#S: unsupported protocol aws.protocols#awsJson1_0: this generator implements aws.protocols#restJson1 and aws.protocols#awsQuery"
    );
}


/// Replaces, removes or retypes one random node of a JSON document, at most `depth` levels
/// down a random path.
fn mutate(node: &mut serde_json::Value, rng: &mut XorShift, depth: usize) {
    use serde_json::Value;
    if depth > 0 {
        match node {
            Value::Object(o) if !o.is_empty() => {
                let k = o.keys().nth(rng.below(o.len())).cloned().unwrap();
                return mutate(o.get_mut(&k).unwrap(), rng, depth - 1);
            }
            Value::Array(a) if !a.is_empty() => {
                let i = rng.below(a.len());
                return mutate(&mut a[i], rng, depth - 1);
            }
            _ => {}
        }
    }
    match rng.below(5) {
        0 => {
            if let Value::Object(o) = node {
                if let Some(k) = o.keys().nth(rng.below(o.len())).cloned() {
                    o.remove(&k);
                }
            }
        }
        1 => *node = Value::Null,
        2 => *node = serde_json::json!(42),
        3 => *node = serde_json::json!("example.fixture#Nowhere"),
        _ => *node = serde_json::json!([{ "target": "smithy.api#String" }]),
    }
}

#[test]
fn mutated_models_give_errors_or_crates_but_never_panic() {
    let base: serde_json::Value = serde_json::from_str(&fixture("shapes.json")).unwrap();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut err) = (0, 0);
    for _ in 0..300 {
        let mut model = base.clone();
        for _ in 0..=rng.below(3) {
            let depth = 2 + rng.below(6);
            mutate(&mut model, &mut rng, depth);
        }
        let text = serde_json::to_string(&model).unwrap();
        match std::panic::catch_unwind(|| generate(&text, &options(None))) {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                assert!(!e.to_string().is_empty());
                err += 1;
            }
            Err(_) => panic!("the generator panicked on a mutated model:\n{text}"),
        }
    }
    // Both outcomes must occur, or the mutations are not exercising anything.
    assert!(ok > 10 && err > 10, "ok {ok}, errors {err}");
}

/// A header bound to a list of lists has no text form: `lower` reports it naming the member,
/// where an emitter would otherwise have had nothing to write.
#[test]
fn header_lists_of_lists_are_model_errors() {
    let model = r#"{"smithy":"2.0","shapes":{
        "a#S":{"type":"service","version":"1","operations":[{"target":"a#Op"}],"traits":{"aws.protocols#restJson1":{}}},
        "a#Op":{"type":"operation","input":{"target":"a#In"},"output":{"target":"smithy.api#Unit"},"traits":{"smithy.api#http":{"method":"POST","uri":"/"}}},
        "a#In":{"type":"structure","members":{"h":{"target":"a#Outer","traits":{"smithy.api#httpHeader":"x-h"}}}},
        "a#Outer":{"type":"list","member":{"target":"a#Inner"}},
        "a#Inner":{"type":"list","member":{"target":"smithy.api#String"}}}}"#;
    assert_eq!(
        generate(model, &options(None)).unwrap_err().to_string(),
        "a#In$h: an @httpHeader member must hold a scalar or a list of scalars"
    );
}

/// awsQuery has no document type; a model using one is refused naming the member.
#[test]
fn aws_query_refuses_documents() {
    let model = r#"{"smithy":"2.0","shapes":{
        "a#S":{"type":"service","version":"1","operations":[{"target":"a#Op"}],"traits":{"aws.protocols#awsQuery":{},"smithy.api#xmlNamespace":{"uri":"https://a/"}}},
        "a#Op":{"type":"operation","input":{"target":"a#In"},"output":{"target":"smithy.api#Unit"}},
        "a#In":{"type":"structure","members":{"d":{"target":"smithy.api#Document"}}}}}"#;
    assert_eq!(generate(model, &options(None)).unwrap_err().to_string(), "a#In$d: aws.protocols#awsQuery does not support document types");
}

#[test]
fn waiters_match_their_snapshot() {
    let files = generate(&fixture("waiters.json"), &options(None)).unwrap();
    check_snapshots("waiters", &files);
    let file = |path: &str| &files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no {path}")).contents;
    assert!(file("Cargo.toml").contains(r#"default-features = false, features = ["waiters"] }"#), "the crate enables the runtime's waiters");
    assert!(file("src/lib.rs").contains("pub mod waiters;"));
    let client = file("src/client.rs");
    for needle in ["pub trait Waiters", "-> crate::waiters::thing_active::ThingActiveFluentBuilder", "#[deprecated]\n    fn wait_until_thing_unreachable"] {
        assert!(client.contains(needle), "client.rs lacks `{needle}`");
    }
    let waiters = file("src/waiters.rs");
    for needle in [
        "pub type ThingActiveFinalPoll",
        "pub type WaitUntilThingActiveError",
        "min_delay: 1u64",
        "max_delay: 8u64",
        "message: Some(\"reasons\")",
        // errorType by absolute shape id matches on the name.
        "rt::waiter::Matcher::ErrorType(&[\"ThingNotFound\"])",
        "rt::waiter::Matcher::Success(false)",
        // Members keep their Smithy names (not @jsonName) in the JMESPath data model.
        "(\"groupName\", self.group_name.to_jmespath())",
        "impl rt::waiter::ToJmespath for crate::types::Level",
        "impl rt::waiter::ToJmespath for crate::operation::get_thing::GetThingInput",
    ] {
        assert!(waiters.contains(needle), "waiters.rs lacks `{needle}`");
    }
    // Only what a waiter reads converts: HeadThing's waiters read neither input nor output.
    assert!(!waiters.contains("for crate::operation::head_thing::HeadThingInput"));
}

#[test]
fn streaming_payloads_are_streamed_in_and_out() {
    let files = generate(&fixture("streaming.json"), &options(None)).unwrap();
    let file = |path: &str| &files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no {path}")).contents;
    let put = file("src/operation/put_file.rs");
    for needle in [
        "const STREAMING_INPUT: bool = true;",
        "input.body.take()",
        // The serializer only sets the content type; the pipeline streams the body.
        "request.set_body(Vec::new(), \"application/octet-stream\");",
        "pub body: Option<rt::types::ByteStream>,",
    ] {
        assert!(put.contains(needle), "put_file.rs lacks `{needle}`");
    }
    assert!(!put.contains("STREAMING_OUTPUT"), "PutFile's output has no streaming payload");
    assert!(!put.contains("REQUIRES_LENGTH"));
    assert!(file("src/operation/put_sized_file.rs").contains("const REQUIRES_LENGTH: bool = true;"), "@requiresLength");
    let get = file("src/operation/get_file.rs");
    for needle in ["const STREAMING_OUTPUT: bool = true;", "let mut output = Self::deserialize(response)?;", "output.body = body;", "pub body: rt::types::ByteStream,"] {
        assert!(get.contains(needle), "get_file.rs lacks `{needle}`");
    }
    assert!(!get.contains("STREAMING_INPUT"));
    assert!(file("src/primitives.rs").contains("AggregatedBytes"));
    // Operations without a streaming payload keep the buffered path.
    let shapes = generate(&fixture("waiters.json"), &options(None)).unwrap();
    assert!(shapes.iter().all(|f| !f.contents.contains("STREAMING_")));
}

#[test]
fn models_without_waiters_get_no_waiter_code() {
    let files = generate(&fixture("shapes.json"), &options(None)).unwrap();
    assert!(files.iter().all(|f| f.path != "src/waiters.rs" && !f.contents.contains("rt::waiter")));
    let cargo = &files.iter().find(|f| f.path == "Cargo.toml").unwrap().contents;
    assert!(!cargo.contains("waiters"));
}

/// The `GetThing` operation of a tiny model with `waitable` as its trait value.
fn waiter_error(waitable: &str, output: &str) -> String {
    let model = format!(r#"{{"smithy":"2.0","shapes":{{
        "a#S":{{"type":"service","version":"1","operations":[{{"target":"a#Op"}},{{"target":"a#Other"}}],"traits":{{"aws.protocols#restJson1":{{}}}}}},
        "a#Op":{{"type":"operation","input":{{"target":"a#In"}},"output":{{"target":"{output}"}},"traits":{{"smithy.api#http":{{"method":"POST","uri":"/op"}},"smithy.waiters#waitable":{waitable}}}}},
        "a#Other":{{"type":"operation","input":{{"target":"a#In"}},"output":{{"target":"a#Out"}},"traits":{{"smithy.api#http":{{"method":"POST","uri":"/other"}},"smithy.waiters#waitable":{{"ThingDone":{{"acceptors":[{{"state":"success","matcher":{{"success":true}}}}]}}}}}}}},
        "a#In":{{"type":"structure","members":{{}}}},
        "a#Out":{{"type":"structure","members":{{"s":{{"target":"smithy.api#String"}}}}}}}}}}"#);
    generate(&model, &options(None)).unwrap_err().to_string()
}

#[test]
fn malformed_waiters_are_model_errors() {
    let success = r#"{"state":"success","matcher":{"success":true}}"#;
    let cases = [
        (format!(r#"{{"thingDone":{{"acceptors":[{success}]}}}}"#), "a#Out", "a#Op: waiter `thingDone`: waiter name `thingDone` must start with an upper-case letter and hold only letters and digits"),
        (r#"{"Done":{"acceptors":[{"state":"retry","matcher":{"success":false}}]}}"#.to_string(), "a#Out", "a#Op: waiter `Done`: needs an acceptor with the `success` state"),
        (format!(r#"{{"Done":{{"minDelay":10,"maxDelay":5,"acceptors":[{success}]}}}}"#), "a#Out", "a#Op: waiter `Done`: `minDelay` (10) must not exceed `maxDelay` (5)"),
        (format!(r#"{{"Done":{{"minDelay":0,"acceptors":[{success}]}}}}"#), "a#Out", "a#Op: waiter `Done`: `minDelay` must be an integer of at least 1"),
        (
            r#"{"Done":{"acceptors":[{"state":"success","matcher":{"output":{"path":"s","comparator":"stringEquals","expected":"x"}}}]}}"#.to_string(),
            "smithy.api#Unit",
            "a#Op: waiter `Done`, acceptor 0: an `output` matcher needs an operation with output",
        ),
        (
            r#"{"Done":{"acceptors":[{"state":"success","matcher":{"output":{"path":"s","comparator":"booleanEquals","expected":"yes"}}}]}}"#.to_string(),
            "a#Out",
            "a#Op: waiter `Done`, acceptor 0: booleanEquals expects \"true\" or \"false\", not \"yes\"",
        ),
        (
            r#"{"Done":{"acceptors":[{"state":"success","matcher":{"success":true,"errorType":"X"}}]}}"#.to_string(),
            "a#Out",
            "a#Op: waiter `Done`, acceptor 0: a matcher sets exactly one of output, inputOutput, success and errorType",
        ),
        (
            r#"{"Done":{"acceptors":[{"state":"success","matcher":{"success":true},"message":"s"}]}}"#.to_string(),
            "a#Out",
            "a#Op: waiter `Done`, acceptor 0: a `message` is only allowed on failure acceptors of operations with output",
        ),
        (format!(r#"{{"THINGDONE":{{"acceptors":[{success}]}}}}"#), "a#Out", "a#Other: waiter `ThingDone` has the same name (ignoring case) as a waiter of a#Op"),
    ];
    for (waitable, output, want) in cases {
        assert_eq!(waiter_error(&waitable, output), want, "{waitable}");
    }
}
