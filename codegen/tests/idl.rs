//! The IDL loader and model assembly through the public API: a fixture written in IDL generates
//! the same crate as its JSON AST twin; the project model survives IDL and back; table-driven
//! cases for the grammar and for assembly; errors name the file, line and column; mutated IDL
//! never panics.

use codegen::model::{assemble, load, to_idl, to_json_ast, Source};
use codegen::{generate, generate_sources, Options, PackageOptions};
use serde_json::{json, Value};
use std::path::Path;

mod common;
use common::XorShift;

fn options() -> Options {
    Options {
        service: None,
        package: PackageOptions { name: None, version: "0.1.0".into(), runtime_path: "../runtime".into(), workspace_member: true, credentials_chain: true },
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_idl_fixture_generates_the_json_fixtures_crate() {
    let json = generate(&read("tests/fixtures/shapes.json"), &options()).unwrap();
    let (service, types) = (read("tests/fixtures/shapes-idl/service.smithy"), read("tests/fixtures/shapes-idl/types.smithy"));
    let sources = [Source { name: "service.smithy", text: &service }, Source { name: "types.smithy", text: &types }];
    let idl = generate_sources(&sources, &options()).unwrap();
    assert_eq!(json.len(), idl.len());
    for (j, i) in json.iter().zip(&idl) {
        assert_eq!(j.path, i.path);
        assert!(j.contents == i.contents, "{} differs between the JSON and IDL fixtures", j.path);
    }
    // The files' order does not matter either.
    let reversed = [sources[1], sources[0]];
    assert_eq!(generate_sources(&reversed, &options()).unwrap(), idl);
}

#[test]
fn the_project_model_survives_idl_and_back() {
    let text = read("../model/chime-sdk-identity.json");
    let model = load(&text).unwrap();
    let files = to_idl(&model);
    let names: Vec<String> = files.iter().map(|(ns, _)| format!("{ns}.smithy")).collect();
    let sources: Vec<Source> = files.iter().zip(&names).map(|((_, text), name)| Source { name, text }).collect();
    let again = assemble(&sources).unwrap();
    assert_eq!(to_json_ast(&again), to_json_ast(&model));
    assert_eq!(generate_sources(&sources, &options()).unwrap(), generate(&text, &options()).unwrap());
}

/// The JSON AST of shape `id` after loading `idl` (a file of namespace `ns`).
fn shape(idl: &str, id: &str) -> Value {
    let model = assemble(&[Source { name: "t.smithy", text: idl }]).unwrap_or_else(|e| panic!("{e}\n{idl}"));
    to_json_ast(&model)["shapes"][id].clone()
}

#[test]
fn grammar_cases() {
    let v2 = "$version: \"2\"\nnamespace ns\n";
    let cases: Vec<(&str, &str, Value)> = vec![
        ("string S", "ns#S", json!({"type": "string"})),
        ("@length(min: 1, max: 2)\nblob B", "ns#B", json!({"type": "blob", "traits": {"smithy.api#length": {"min": 1, "max": 2}}})),
        ("list L { member: String }", "ns#L", json!({"type": "list", "member": {"target": "smithy.api#String"}})),
        ("map M { key: String, value: M }", "ns#M", json!({"type": "map", "key": {"target": "smithy.api#String"}, "value": {"target": "ns#M"}})),
        ("structure S {\n  a: String = \"x\"\n  @required b: Integer\n}", "ns#S", json!({"type": "structure", "members": {
            "a": {"target": "smithy.api#String", "traits": {"smithy.api#default": "x"}},
            "b": {"target": "smithy.api#Integer", "traits": {"smithy.api#required": {}}}}})),
        ("union U { a: Unit, b: ns#U }", "ns#U", json!({"type": "union", "members": {"a": {"target": "smithy.api#Unit"}, "b": {"target": "ns#U"}}})),
        ("enum E { A\n B = \"bee\"\n}", "ns#E", json!({"type": "enum", "members": {
            "A": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "A"}},
            "B": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "bee"}}}})),
        ("intEnum I {\n A = 1,\n B = 2\n}", "ns#I", json!({"type": "intEnum", "members": {
            "A": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": 1}},
            "B": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": 2}}}})),
        // Doc comments: only those before the traits count; lines lose one leading space.
        ("/// One\n///  two\n@sensitive\n/// ignored\nstring D", "ns#D", json!({"type": "string", "traits": {
            "smithy.api#documentation": "One\n two", "smithy.api#sensitive": {}}})),
        // Annotation traits take {} or [] by the trait's shape; () is the same.
        ("@tags @deprecated() @ns#mark string A\n@trait list mark { member: String }", "ns#A", json!({"type": "string", "traits": {
            "smithy.api#tags": [], "smithy.api#deprecated": {}, "ns#mark": []}})),
        // Unquoted strings in node values are shape ids; keys are not.
        ("@documentation(S)\nstring S", "ns#S", json!({"type": "string", "traits": {"smithy.api#documentation": "ns#S"}})),
        // Ones a `use` imports or written absolute may name shapes of models not given.
        ("use a.b#Imported\n@tags([Imported, x.y#Abs])\nstring U", "ns#U", json!({"type": "string", "traits": {"smithy.api#tags": ["a.b#Imported", "x.y#Abs"]}})),
        ("@externalDocumentation(String: Blob)\nstring X", "ns#X", json!({"type": "string", "traits": {"smithy.api#externalDocumentation": {"String": "smithy.api#Blob"}}})),
        // Text blocks and escapes.
        ("@documentation(\"\"\"\n    a\n      b\\tc\n    \"\"\")\nstring T", "ns#T", json!({"type": "string", "traits": {"smithy.api#documentation": "a\n  b\tc\n"}})),
        // Commas are whitespace; trailing ones are fine.
        ("@tags([\"a\",,, \"b\",])\nstring C", "ns#C", json!({"type": "string", "traits": {"smithy.api#tags": ["a", "b"]}})),
        // Apply, single and block, to shapes and members (also a forward reference).
        ("apply S$a @required\napply S { @sensitive\n @tags([\"t\"]) }\nstructure S { a: String }", "ns#S", json!({"type": "structure",
            "members": {"a": {"target": "smithy.api#String", "traits": {"smithy.api#required": {}}}},
            "traits": {"smithy.api#sensitive": {}, "smithy.api#tags": ["t"]}})),
        // Inline input and output, with traits and mixins.
        ("operation Op { input := @sensitive { a: String }\n output := with [M] {} }\n@mixin structure M { m: String }", "ns#OpOutput", json!({
            "type": "structure", "mixins": [{"target": "ns#M"}], "members": {}, "traits": {"smithy.api#output": {}}})),
        ("operation Op { input := { a: String } }", "ns#Op", json!({"type": "operation", "input": {"target": "ns#OpInput"}})),
        // Elided targets from a resource and from mixins.
        ("resource R { identifiers: { id: String }, properties: { p: Integer } }\nstructure S for R { $id\n $p }", "ns#S", json!({"type": "structure", "members": {
            "id": {"target": "smithy.api#String"}, "p": {"target": "smithy.api#Integer"}}})),
        ("@mixin structure M { a: Blob }\nstructure S with [M] { @required $a }", "ns#S", json!({"type": "structure", "mixins": [{"target": "ns#M"}], "members": {
            "a": {"target": "smithy.api#Blob", "traits": {"smithy.api#required": {}}}}})),
        // Services and resources.
        ("service Svc { version: \"1\", operations: [Op], errors: [E], rename: { \"x#E\": \"XE\" } }\noperation Op {}\n@error(\"client\") structure E {}", "ns#Svc", json!({
            "type": "service", "version": "1", "operations": [{"target": "ns#Op"}], "errors": [{"target": "ns#E"}], "rename": {"x#E": "XE"}})),
        ("resource R { identifiers: { id: String }, read: Get, list: List, operations: [Get] }\noperation Get {}\noperation List {}", "ns#R", json!({
            "type": "resource", "identifiers": {"id": {"target": "smithy.api#String"}},
            "read": {"target": "ns#Get"}, "list": {"target": "ns#List"}, "operations": [{"target": "ns#Get"}]})),
    ];
    for (body, id, want) in cases {
        let idl = format!("{v2}{body}\n");
        assert_eq!(shape(&idl, id), want, "for\n{idl}");
    }
}

#[test]
fn relative_ids_resolve_through_use_then_namespace_then_prelude() {
    let a = "$version: \"2\"\nnamespace a\nuse b#Thing\nstructure S {\n  t: Thing\n  s: String\n  l: Later\n  o: Other\n}\nstring String\n";
    let b = "$version: \"2\"\nnamespace b\nstring Thing\n";
    let c = "$version: \"2\"\nnamespace a\nstring Later\n";
    let model = assemble(&[Source { name: "a.smithy", text: a }, Source { name: "b.smithy", text: b }, Source { name: "c.smithy", text: c }]).unwrap();
    let json = to_json_ast(&model);
    let targets: Vec<&str> = ["t", "s", "l", "o"].iter().map(|m| json["shapes"]["a#S"]["members"][m]["target"].as_str().unwrap()).collect();
    // `String` is defined in `a` itself, `Later` in another file of `a`; `Other` nowhere.
    assert_eq!(targets, ["b#Thing", "a#String", "a#Later", "a#Other"]);
}

#[test]
fn json_and_idl_files_assemble_into_one_model() {
    let idl = "$version: \"2\"\nnamespace ns\napply Base @documentation(\"from IDL\")\nstructure User { base: Base }\n";
    let json = r#"{"smithy":"2.0","shapes":{"ns#Base":{"type":"string","traits":{"smithy.api#tags":["json"]}}}}"#;
    let model = assemble(&[Source { name: "a.smithy", text: idl }, Source { name: "b.json", text: json }]).unwrap();
    let ast = to_json_ast(&model);
    assert_eq!(ast["shapes"]["ns#Base"]["traits"], json!({"smithy.api#tags": ["json"], "smithy.api#documentation": "from IDL"}));
    assert_eq!(ast["shapes"]["ns#User"]["members"]["base"]["target"], "ns#Base");
}

#[test]
fn duplicate_definitions_and_trait_applications_merge_or_conflict() {
    let v2 = "$version: \"2\"\nnamespace ns\n";
    let run = |a: &str, b: &str| {
        let (a, b) = (format!("{v2}{a}"), format!("{v2}{b}"));
        assemble(&[Source { name: "a.smithy", text: &a }, Source { name: "b.smithy", text: &b }]).map(|m| to_json_ast(&m))
    };
    // The same definition twice is one shape; lists concatenate; equal values are kept once.
    let ok = run("@tags([\"a\"]) @sensitive string S", "@tags([\"b\"]) @sensitive string S").unwrap();
    assert_eq!(ok["shapes"]["ns#S"]["traits"], json!({"smithy.api#tags": ["a", "b"], "smithy.api#sensitive": {}}));
    let cases = [
        ("string S", "integer S", "b.smithy:3:1: ns#S: conflicting shape definitions at a.smithy:3:1 and b.smithy:3:1"),
        ("structure S { a: String }", "structure S { a: Integer }", "b.smithy:3:1: ns#S: conflicting shape definitions at a.smithy:3:1 and b.smithy:3:1"),
        (
            "@documentation(\"a\") string S",
            "apply S @documentation(\"b\")",
            "b.smithy:3:9: ns#S: conflicting values of trait `smithy.api#documentation`, applied at a.smithy:3:1 and at b.smithy:3:9",
        ),
    ];
    for (a, b, want) in cases {
        assert_eq!(run(a, b).unwrap_err().to_string(), want);
    }
    // Metadata: lists concatenate, anything else must agree.
    let meta = |a: &str, b: &str| {
        assemble(&[Source { name: "a.smithy", text: a }, Source { name: "b.smithy", text: b }]).map(|m| Value::Object(m.metadata.into_iter().collect()))
    };
    assert_eq!(meta("metadata m = [1]\nmetadata n = 1\n", "metadata m = [2]\nmetadata n = 1").unwrap(), json!({"m": [1, 2], "n": 1}));
    assert_eq!(meta("metadata m = 1\n", "metadata m = 2\n").unwrap_err().to_string(), "b.smithy:1:10: conflicting values of metadata `m` at a.smithy:1:10 and at b.smithy:1:10");
    // Trait conflicts across a JSON and an IDL file name both files.
    let json = r#"{"smithy":"2.0","shapes":{"ns#S":{"type":"string","traits":{"smithy.api#since":"1"}}}}"#;
    let idl = format!("{v2}apply S @since(\"2\")\n");
    let err = assemble(&[Source { name: "m.json", text: json }, Source { name: "x.smithy", text: &idl }]).unwrap_err();
    assert_eq!(err.to_string(), "x.smithy:3:9: ns#S: conflicting values of trait `smithy.api#since`, applied at m.json and at x.smithy:3:9");
}

#[test]
fn traits_apply_to_members_inherited_from_mixins() {
    let idl = "$version: \"2\"\nnamespace ns\n@mixin structure M { a: String }\nstructure S with [M] {}\napply S$a @required\n";
    let ast = to_json_ast(&assemble(&[Source { name: "t.smithy", text: idl }]).unwrap());
    assert_eq!(ast["shapes"]["ns#S"]["members"], json!({"a": {"target": "smithy.api#String", "traits": {"smithy.api#required": {}}}}));
}

#[test]
fn idl_1_0_files_are_normalised_like_json_1_0() {
    let idl = "namespace ns\nset S { member: String }\n@enum([{value: \"a-b\"}])\nstring E\nstructure T { n: PrimitiveInteger, b: Integer }\n";
    let json = r#"{"smithy":"1.0","shapes":{"ns#S":{"type":"set","member":{"target":"smithy.api#String"}},
        "ns#E":{"type":"string","traits":{"smithy.api#enum":[{"value":"a-b"}]}},
        "ns#T":{"type":"structure","members":{"n":{"target":"smithy.api#PrimitiveInteger"},"b":{"target":"smithy.api#Integer"}}}}}"#;
    let from_idl = to_json_ast(&assemble(&[Source { name: "t.smithy", text: idl }]).unwrap());
    assert_eq!(from_idl, to_json_ast(&load(json).unwrap()));
    assert_eq!(from_idl["shapes"]["ns#T"]["members"]["n"]["traits"], json!({"smithy.api#default": 0}));
}

/// `(file text, the error)`: every error names the file, line and column, and what was expected.
#[test]
fn errors_name_the_position_and_what_was_expected() {
    let cases = [
        ("namespace ns\nstructure S {\n  a: String\n", "t.smithy:4:1: expected `}` but found the end of the file"),
        ("namespace ns\nstring S string T\n", "t.smithy:2:10: expected a line break but found `string`"),
        ("namespace ns\nstring\nS\n", "t.smithy:2:7: expected a space but found a new line"),
        ("namespace ns\nwidget W\n", "t.smithy:2:1: unknown shape type `widget`"),
        ("string S\n", "t.smithy:1:1: expected a namespace statement but found `string`"),
        ("$version: \"3\"\n", "t.smithy:1:14: unsupported Smithy version `3` (expected 1.0 or 2.0)"),
        ("namespace ns\n@documentation(\"\\q\")\nstring S\n", "t.smithy:2:16: invalid string: invalid escape `\\q`"),
        ("namespace ns\n@documentation(\"open\nstring S\n", "t.smithy:4:1: unterminated string: expected a closing `\"` before the end of the file"),
        ("namespace ns\n@range(min: 1.)\ninteger I\n", "t.smithy:2:13: invalid number `1.`: `.` must be followed by a digit"),
        ("namespace ns\n@tags([\"a\"\nstring S\n", "t.smithy:4:1: expected a node value (a string, text block, number, identifier, `{` or `[`) but found the end of the file"),
        ("namespace ns\nstructure S { a := String }\n", "t.smithy:2:17: expected `:` but found `:=`"),
        ("namespace ns\nstructure S with [M] {}\n", "t.smithy:2:13: ns#S: mixins can only be used with Smithy version 2 or later, but this file uses version 1.0"),
        ("$version: \"2\"\nnamespace ns\nstructure S { $x }\n", "t.smithy:3:16: ns#S$x: the member's target is elided, but no bound resource or mixin has an identifier, property or member of that name"),
        ("$version: \"2\"\nnamespace ns\nstructure S { a: String\n a: String }\n", "t.smithy:4:2: ns#S: duplicate member `a`"),
        ("$version: \"2\"\nnamespace ns\noperation O { input: I, input: I }\n", "t.smithy:3:25: ns#O: the operation property `input` is defined twice"),
        ("$version: \"2\"\nnamespace ns\nintEnum I {\n  A = \"a\"\n}\n", "t.smithy:4:7: ns#I$A: intEnum members require integer values, but found: \"a\""),
        ("$version: \"2\"\nnamespace ns\nlist L {}\n", "t.smithy:3:1: ns#L: missing `member`"),
        ("$version: \"2\"\nnamespace ns\n@documentation(Nowhere)\nstring S\n", "t.smithy:3:16: the syntactic shape id `Nowhere` resolves to `ns#Nowhere`, which is not defined; quote the value if it is a string"),
        ("$version: \"2\"\nnamespace ns\napply Missing @sensitive\n", "t.smithy:3:15: ns#Missing: trait `smithy.api#sensitive` is applied to a shape that is not defined"),
        ("$version: \"2\"\nnamespace ns\napply String @sensitive\n", "t.smithy:3:14: smithy.api#String: cannot apply `smithy.api#sensitive` to an immutable prelude shape"),
        ("namespace ns\nuse a#B\nuse c#B\n", "t.smithy:3:5: cannot use `c#B` because its name conflicts with `a#B`"),
        ("namespace ns\n§\n", "t.smithy:2:1: unexpected character `§`"),
    ];
    for (text, want) in cases {
        let err = assemble(&[Source { name: "t.smithy", text }]).unwrap_err();
        assert_eq!(err.to_string(), want, "for\n{text}");
        let location = err.location.as_ref().expect("IDL errors carry their position");
        assert_eq!(format!("{}:{}:{}", location.file, location.line, location.column), err.at);
    }
}


/// Deletes, duplicates or replaces a short span of `text`, or inserts IDL punctuation.
fn mutate(text: &mut Vec<char>, rng: &mut XorShift) {
    const PIECES: &[&str] = &["{", "}", "[", "]", "(", ")", "@", "$", "#", ".", ":", ":=", "=", "\"", "\"\"\"", "\n", " ", ",", "//", "///", "\\", "with", "for", "apply", "-1e", "with [", "@mixin\n", "$x", "null"];
    let at = rng.below(text.len() + 1);
    let len = (1 + rng.below(8)).min(text.len().saturating_sub(at));
    match rng.below(4) {
        0 => {
            text.drain(at..at + len);
        }
        1 => {
            let span: Vec<char> = text[at..at + len].to_vec();
            text.splice(at..at, span);
        }
        2 => {
            let piece = PIECES[rng.below(PIECES.len())];
            text.splice(at..at + len, piece.chars());
        }
        _ => {
            let piece = PIECES[rng.below(PIECES.len())];
            text.splice(at..at, piece.chars());
        }
    }
}

#[test]
fn mutated_idl_gives_errors_or_crates_but_never_panics() {
    let service: Vec<char> = read("tests/fixtures/shapes-idl/service.smithy").chars().collect();
    let types: Vec<char> = read("tests/fixtures/shapes-idl/types.smithy").chars().collect();
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let (mut ok, mut err) = (0, 0);
    for round in 0..400 {
        let (mut a, mut b) = (service.clone(), types.clone());
        for _ in 0..=rng.below(3) {
            mutate(if round % 2 == 0 { &mut a } else { &mut b }, &mut rng);
        }
        let (a, b): (String, String) = (a.into_iter().collect(), b.into_iter().collect());
        let sources = [Source { name: "service.smithy", text: &a }, Source { name: "types.smithy", text: &b }];
        let loaded = std::panic::catch_unwind(|| assemble(&sources));
        match loaded {
            Ok(Ok(model)) => {
                // What loads must also survive the rest of the generator, and IDL and back.
                let files = to_idl(&model);
                let again: Vec<Source> = files.iter().map(|(ns, text)| Source { name: ns, text }).collect();
                let reloaded = std::panic::catch_unwind(|| assemble(&again).map(|m| to_json_ast(&m)));
                assert_eq!(reloaded.ok().and_then(Result::ok), Some(to_json_ast(&model)), "IDL round trip of:\n{a}\n---\n{b}");
                let generated = std::panic::catch_unwind(|| generate_sources(&sources, &options()));
                assert!(generated.is_ok(), "the generator panicked on:\n{a}\n---\n{b}");
                ok += 1;
            }
            Ok(Err(e)) => {
                assert!(e.location.is_some() || !e.to_string().is_empty());
                err += 1;
            }
            Err(_) => panic!("the loader panicked on:\n{a}\n---\n{b}"),
        }
    }
    assert!(ok > 20 && err > 20, "ok {ok}, errors {err}");
}

#[test]
fn numbers_keep_their_value_whatever_the_notation_and_range() {
    let v2 = "$version: \"2\"\nnamespace ns\n";
    // The same value in two notations (and two files, one JSON) is one trait application.
    let a = format!("{v2}@range(min: 10e0, max: 1E+3) integer I\n");
    let b = r#"{"smithy":"2.0","shapes":{"ns#I":{"type":"apply","traits":{"smithy.api#range":{"min":10.0,"max":1000.0}}}}}"#;
    let model = assemble(&[Source { name: "a.smithy", text: &a }, Source { name: "b.json", text: b }]).unwrap();
    assert_eq!(to_json_ast(&model)["shapes"]["ns#I"]["traits"]["smithy.api#range"], json!({"min": 10.0, "max": 1000.0}));
    // Different values still conflict.
    let c = r#"{"smithy":"2.0","shapes":{"ns#I":{"type":"apply","traits":{"smithy.api#range":{"min":10.5,"max":1000.0}}}}}"#;
    assert!(assemble(&[Source { name: "a.smithy", text: &a }, Source { name: "c.json", text: c }]).is_err());

    // Beyond f64 (Smithy's BigDecimal) the value is kept, not rounded or refused, and written
    // back as it was read, in both forms.
    let big = format!("{v2}@default(1.7976931348623157E+309) bigDecimal D\n@default(123456789012345678901234567890) bigInteger B\n");
    let model = assemble(&[Source { name: "big.smithy", text: &big }]).unwrap();
    let ast = to_json_ast(&model);
    assert_eq!(ast["shapes"]["ns#D"]["traits"]["smithy.api#default"].to_string().to_lowercase(), "1.7976931348623157e+309");
    assert_eq!(ast["shapes"]["ns#B"]["traits"]["smithy.api#default"].to_string(), "123456789012345678901234567890");
    let idl_files = to_idl(&model);
    let again = assemble(&[Source { name: "ns.smithy", text: &idl_files[0].1 }]).unwrap();
    assert_eq!(to_json_ast(&again), ast);

    // A document cannot carry such a number: its default is refused, naming the member.
    let service = r#"{"smithy":"2.0","shapes":{
        "ns#S":{"type":"service","version":"1","operations":[{"target":"ns#Op"}],"traits":{"aws.protocols#restJson1":{}}},
        "ns#Op":{"type":"operation","input":{"target":"ns#In"},"traits":{"smithy.api#http":{"method":"POST","uri":"/"}}},
        "ns#In":{"type":"structure","members":{"doc":{"target":"ns#Doc","traits":{"smithy.api#default":{"n":1e400}}}},"traits":{"smithy.api#input":{}}},
        "ns#Doc":{"type":"document"}}}"#;
    let err = generate(service, &options()).unwrap_err().to_string();
    assert!(err.contains("ns#In$doc") && err.contains("@default"), "{err}");
}
