//! `smithy-diff`: Smithy's own model-diff cases (`conformance/smithy-diff/<group>/<case>.a.smithy`
//! → `<case>.b.smithy`, with the events smithy-diff reports in `<case>.events`). Each case passes
//! when the API report ([`codegen::api`]) classifies the change on the wire as smithy-diff does:
//! every ERROR or DANGER event is matched by a change we call wire-breaking, every WARNING by one
//! we call risky, a NOTE by nothing or a compatible change, and each change we call breaking or
//! risky is matched by an event of that severity. A change matches an event when it concerns
//! the event's shape or a shape its message names (`` `ns#Shape` ``).
//!
//! The cases are written in the Smithy IDL. Until `codegen` reads it (issue 13) every case is
//! skipped; [`load`] is the one function to change then. The rest (the harness that makes bare
//! models generable, the events reader, the comparison) is tested below on the same cases
//! written as JSON AST.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use codegen::api::{ApiSummary, Change, Report, WireImpact};
use codegen::model::{Model, Operation, Service, Shape, ShapeId, ShapeKind, Traits};
use serde_json::json;

use super::SuiteResult;

const DIR: &str = "conformance/smithy-diff";

/// One case: the two models and the expected events.
#[derive(Debug)]
pub struct Case {
    /// `<group>/<case>`.
    pub name: String,
    pub a: PathBuf,
    pub b: PathBuf,
    pub events: PathBuf,
}

pub fn run(shared: &Path) -> Result<SuiteResult> {
    let mut result = SuiteResult::default();
    for case in cases(&shared.join(DIR))? {
        let events = std::fs::read_to_string(&case.events).with_context(|| format!("reading {}", case.events.display()))?;
        let events = parse_events(&events).with_context(|| format!("{}", case.events.display()))?;
        match (load(&case.a), load(&case.b)) {
            (Ok(a), Ok(b)) => result.record(&case.name, compare_models(a, b, &events)),
            (Err(Load::Fail(why)), _) | (_, Err(Load::Fail(why))) => result.failed.push((case.name, why)),
        }
    }
    Ok(result)
}

/// Why a model was not loaded.
pub enum Load {
    Fail(String),
}

/// Loads one side of a case. Once `codegen` reads the IDL, the last line becomes the loader's
/// call: `codegen::model::load_idl(&text).map_err(|e| Load::Fail(format!("{}: {e}", path.display())))`
/// (or whatever its name is then).
fn load(path: &Path) -> Result<Model, Load> {
    let text = std::fs::read_to_string(path).map_err(|e| Load::Fail(format!("reading {}: {e}", path.display())))?;
    let name = path.display().to_string();
    codegen::model::assemble(&[codegen::model::Source { name: &name, text: &text }]).map_err(|e| Load::Fail(e.to_string()))
}

/// Every case under `dir`: `<group>/<case>.a.smithy` with its `.b.smithy` and `.events`,
/// sorted by name.
pub fn cases(dir: &Path) -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for group in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let group = group?.path();
        if !group.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&group)? {
            let a = file?.path();
            let Some(stem) = a.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".a.smithy")) else { continue };
            let group_name = group.file_name().unwrap_or_default().to_string_lossy();
            out.push(Case {
                name: format!("{group_name}/{stem}"),
                b: group.join(format!("{stem}.b.smithy")),
                events: group.join(format!("{stem}.events")),
                a,
            });
        }
    }
    out.sort_by(|x, y| x.name.cmp(&y.name));
    Ok(out)
}

/// smithy-diff's severities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Note,
    Warning,
    Danger,
    Error,
}

/// One expected event: `[SEVERITY] shape: message | EventId`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub severity: Severity,
    pub shape: String,
    pub message: String,
    pub id: String,
}

impl Event {
    /// The wire classification an event of this severity stands for.
    pub fn wire(&self) -> WireImpact {
        match self.severity {
            Severity::Error | Severity::Danger => WireImpact::Breaking,
            Severity::Warning => WireImpact::Risky,
            Severity::Note => WireImpact::Compatible,
        }
    }

    /// Whether `change` concerns what this event is about.
    fn matches(&self, change: &Change) -> bool {
        change.shape_id == self.shape || self.message.contains(&format!("`{}`", change.shape_id))
    }
}

/// Reads an `.events` file: events separated by `-----` lines; messages may span lines.
pub fn parse_events(text: &str) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    for block in text.split("\n-----\n").map(str::trim).filter(|b| !b.is_empty()) {
        let rest = block.strip_prefix('[').with_context(|| format!("an event starts with `[SEVERITY]`: {block}"))?;
        let (severity, rest) = rest.split_once("] ").with_context(|| format!("no severity in: {block}"))?;
        let severity = match severity {
            "NOTE" => Severity::Note,
            "WARNING" => Severity::Warning,
            "DANGER" => Severity::Danger,
            "ERROR" => Severity::Error,
            other => anyhow::bail!("unknown severity `{other}`"),
        };
        let (shape, rest) = rest.split_once(": ").with_context(|| format!("no shape in: {block}"))?;
        let (message, id) = rest.rsplit_once(" | ").with_context(|| format!("no event id in: {block}"))?;
        out.push(Event { severity, shape: shape.to_string(), message: message.trim().to_string(), id: id.trim().to_string() });
    }
    Ok(out)
}

/// Compares two loaded models the way the suite does.
pub fn compare_models(mut a: Model, mut b: Model, events: &[Event]) -> Result<(), String> {
    harness(&mut a);
    harness(&mut b);
    let before = summary(a)?;
    let after = summary(b)?;
    compare(events, &Report::new(&before, &after).changes)
}

fn summary(model: Model) -> Result<ApiSummary, String> {
    codegen::api::summarize(model, None).map_err(|e| format!("cannot lower the model: {e}"))
}

/// Whether our changes classify the case as the events do (see the module docs).
pub fn compare(events: &[Event], changes: &[Change]) -> Result<(), String> {
    let show = |c: &Change| format!("{} ({}): {} [wire {}]", c.subject, c.shape_id, c.detail, c.wire.label());
    let mut problems = Vec::new();
    for e in events {
        let ours: Vec<&Change> = changes.iter().filter(|c| e.matches(c)).collect();
        let agrees = match e.wire() {
            WireImpact::Compatible => ours.iter().all(|c| c.wire == WireImpact::Compatible),
            expected => ours.iter().any(|c| c.wire == expected),
        };
        if !agrees {
            let found = if ours.is_empty() { "nothing".to_string() } else { ours.iter().map(|c| show(c)).collect::<Vec<_>>().join("; ") };
            problems.push(format!("smithy-diff: [{:?}] {}: {} ({}); ours: {found}", e.severity, e.shape, e.message, e.id));
        }
    }
    for c in changes.iter().filter(|c| c.wire != WireImpact::Compatible) {
        if !events.iter().any(|e| e.wire() == c.wire && e.matches(c)) {
            problems.push(format!("ours: {}; smithy-diff reports no event of that severity for it", show(c)));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The harness's own namespace, for what it adds.
const HARNESS: &str = "smithy.diff.harness";

/// Makes a bare diff-test model something `codegen` lowers, the same way on both sides: without
/// a service, one is added whose single operation's input has a member per structure, union and
/// enum of the model (errors become its errors); a service without a protocol speaks restJson1;
/// an operation without `@http` gets `POST /<name>`.
pub fn harness(model: &mut Model) {
    let id = |s: &str| ShapeId::parse(s).expect("valid harness id");
    let user = |s: &&Shape| s.id.namespace() != "smithy.api" && !s.traits.has("smithy.api#trait");
    if !model.shapes.values().any(|s| matches!(s.kind, ShapeKind::Service(_))) {
        let mut members = Vec::new();
        let mut errors = Vec::new();
        for s in model.shapes.values().filter(user) {
            match &s.kind {
                ShapeKind::Structure(_) if s.traits.has("smithy.api#error") => errors.push(s.id.clone()),
                ShapeKind::Structure(_) | ShapeKind::Union(_) | ShapeKind::Enum(_) | ShapeKind::IntEnum(_) => {
                    let name = format!("{}{}", s.id.name(), members.len());
                    members.push(codegen::model::Member { name, target: s.id.clone(), traits: Traits::default() });
                }
                _ => {}
            }
        }
        let input = Shape { id: id(&format!("{HARNESS}#UseInput")), kind: ShapeKind::Structure(members), traits: Traits::default(), mixins: Vec::new() };
        let operation = Shape {
            id: id(&format!("{HARNESS}#Use")),
            kind: ShapeKind::Operation(Operation { input: input.id.clone(), output: id("smithy.api#Unit"), errors }),
            traits: Traits::default(),
            mixins: Vec::new(),
        };
        let service = Shape {
            id: id(&format!("{HARNESS}#Harness")),
            kind: ShapeKind::Service(Service { version: "1".into(), operations: vec![operation.id.clone()], ..Default::default() }),
            traits: Traits::default(),
            mixins: Vec::new(),
        };
        for s in [input, operation, service] {
            model.shapes.insert(s.id.clone(), s);
        }
    }
    for s in model.shapes.values_mut() {
        match &s.kind {
            ShapeKind::Service(_) if !s.traits.0.keys().any(|k| k.starts_with("aws.protocols#")) => {
                s.traits.0.insert("aws.protocols#restJson1".into(), json!({}));
            }
            ShapeKind::Operation(_) if !s.traits.has("smithy.api#http") => {
                s.traits.0.insert("smithy.api#http".into(), json!({"method": "POST", "uri": format!("/{}", s.id.name())}));
            }
            _ => {}
        }
    }
    model.shapes.sort_keys();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of `conformance/smithy-diff`, written as JSON AST (the `.smithy` files are the
    /// reference; these are their plain translations).
    fn json_cases() -> Vec<(&'static str, serde_json::Value, serde_json::Value)> {
        let svc = |ops: &[&str], resources: &[&str]| {
            let t = |ids: &[&str]| ids.iter().map(|i| json!({"target": format!("ns.foo#{i}")})).collect::<Vec<_>>();
            json!({"type": "service", "version": "1", "operations": t(ops), "resources": t(resources)})
        };
        let resource = |ops: &[&str], resources: &[&str]| {
            let t = |ids: &[&str]| ids.iter().map(|i| json!({"target": format!("ns.foo#{i}")})).collect::<Vec<_>>();
            json!({"type": "resource", "operations": t(ops), "resources": t(resources)})
        };
        let op = json!({"type": "operation"});
        let model = |shapes: serde_json::Value| json!({"smithy": "2.0", "shapes": shapes});
        let test = |name: &str| json!({"type": "structure", "members": {"member": {"target": "smithy.api#String", "traits": {"smithy.api#jsonName": name}}}});
        let tags = |t: &[&str]| json!({"type": "structure", "members": {}, "traits": {"smithy.api#tags": t}});
        vec![
            ("jsonName/change-jsonName-value", model(json!({"ns.foo#Test": test("a")})), model(json!({"ns.foo#Test": test("b")}))),
            (
                "removedEntityBinding/move-operation-from-resource-to-service",
                model(json!({"ns.foo#Service": svc(&[], &["Resource"]), "ns.foo#Resource": resource(&["Operation"], &[]), "ns.foo#Operation": op})),
                model(json!({"ns.foo#Service": svc(&["Operation"], &["Resource"]), "ns.foo#Resource": resource(&[], &[]), "ns.foo#Operation": op})),
            ),
            (
                "removedEntityBinding/move-operation-to-nested-resource",
                model(json!({"ns.foo#Service": svc(&["Operation"], &["Parent"]), "ns.foo#Parent": resource(&[], &["Child"]),
                             "ns.foo#Child": resource(&[], &[]), "ns.foo#Operation": op})),
                model(json!({"ns.foo#Service": svc(&[], &["Parent"]), "ns.foo#Parent": resource(&[], &["Child"]),
                             "ns.foo#Child": resource(&["Operation"], &[]), "ns.foo#Operation": op})),
            ),
            (
                "removedEntityBinding/move-operation-to-resource",
                model(json!({"ns.foo#Service": svc(&["Operation"], &["Resource"]), "ns.foo#Resource": resource(&[], &[]), "ns.foo#Operation": op})),
                model(json!({"ns.foo#Service": svc(&[], &["Resource"]), "ns.foo#Resource": resource(&["Operation"], &[]), "ns.foo#Operation": op})),
            ),
            (
                "removedEntityBinding/remove-operation-from-service",
                model(json!({"ns.foo#Service": svc(&["Operation"], &[]), "ns.foo#Operation": op})),
                model(json!({"ns.foo#Service": svc(&[], &[]), "ns.foo#Operation": op})),
            ),
            (
                "removedEntityBinding/remove-resource-from-resource",
                model(json!({"ns.foo#Service": svc(&[], &["Parent"]), "ns.foo#Parent": resource(&[], &["Child"]), "ns.foo#Child": resource(&[], &[])})),
                model(json!({"ns.foo#Service": svc(&[], &["Parent"]), "ns.foo#Parent": resource(&[], &[]), "ns.foo#Child": resource(&[], &[])})),
            ),
            (
                "removedEntityBinding/remove-resource-from-service",
                model(json!({"ns.foo#Service": svc(&[], &["Resource"]), "ns.foo#Resource": resource(&[], &[])})),
                model(json!({"ns.foo#Service": svc(&[], &[]), "ns.foo#Resource": resource(&[], &[])})),
            ),
            (
                "tags/change-tags-content",
                model(json!({"ns.foo#TestA": tags(&["toAdd"]), "ns.foo#TestB": tags(&["toRemove"]), "ns.foo#TestC": tags(&["to", "switch"])})),
                model(json!({"ns.foo#TestA": tags(&["toAdd", "added"]), "ns.foo#TestB": tags(&[]), "ns.foo#TestC": tags(&["switch", "to"])})),
            ),
        ]
    }

    fn load_json(v: &serde_json::Value) -> Model {
        codegen::model::load(&v.to_string()).unwrap()
    }

    fn shared_cases() -> Vec<Case> {
        cases(&crate::codegen::shared_dir().join(DIR)).expect("the shared folder's smithy-diff cases (set SHARED_DIR)")
    }

    #[test]
    fn every_idl_case_loads_and_agrees_with_smithy_diff() {
        let r = run(&crate::codegen::shared_dir()).unwrap();
        assert_eq!((r.passed, r.failed.len(), r.skipped.len()), (8, 0, 0), "{:?}", r.failed);
    }

    /// The comparison agrees with smithy-diff on every case, run on the JSON AST translations
    /// against the real `.events` files.
    #[test]
    fn the_report_agrees_with_smithy_diff_on_the_json_ast_cases() {
        let cases = shared_cases();
        let translated = json_cases();
        assert_eq!(cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), translated.iter().map(|t| t.0).collect::<Vec<_>>());
        for (case, (name, a, b)) in cases.iter().zip(&translated) {
            let events = parse_events(&std::fs::read_to_string(&case.events).unwrap()).unwrap();
            if let Err(why) = compare_models(load_json(a), load_json(b), &events) {
                panic!("{name}:\n{why}");
            }
        }
    }

    #[test]
    fn a_disagreement_fails_the_case_and_says_why() {
        let (_, a, _) = &json_cases()[0];
        let case = &shared_cases()[0];
        let events = parse_events(&std::fs::read_to_string(&case.events).unwrap()).unwrap();
        // Comparing a model with itself finds nothing, where smithy-diff reports an ERROR.
        let why = compare_models(load_json(a), load_json(a), &events).unwrap_err();
        assert!(why.starts_with("smithy-diff: [Error] ns.foo#Test$member: Changed trait `smithy.api#jsonName`"), "{why}");
        assert!(why.ends_with("ours: nothing"), "{why}");
        // And a breaking change of ours that smithy-diff does not report fails too.
        let why = compare(&[], &[Change {
            kind: codegen::api::ChangeKind::MemberRemoved,
            subject: "x".into(),
            shape_id: "ns.foo#X$y".into(),
            detail: "removed".into(),
            rust: codegen::api::RustImpact::Breaking,
            wire: WireImpact::Breaking,
        }])
        .unwrap_err();
        assert!(why.contains("smithy-diff reports no event of that severity"), "{why}");
    }

    #[test]
    fn events_files_are_read_with_multi_line_messages() {
        let text = "[NOTE] ns.foo#TestB: Changed trait `smithy.api#tags` from \n```\n[\n    \"toRemove\"\n]\n```\n to `[]` | ModifiedTrait.Update.smithy.api#tags\n-----\n[ERROR] ns.foo#S: gone | RemovedShape\n";
        let events = parse_events(text).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].severity, events[0].shape.as_str(), events[0].id.as_str()), (Severity::Note, "ns.foo#TestB", "ModifiedTrait.Update.smithy.api#tags"));
        assert!(events[0].message.ends_with("to `[]`"));
        assert_eq!((events[1].wire(), events[1].message.as_str()), (WireImpact::Breaking, "gone"));
        assert!(parse_events("[LOUD] a: b | c").is_err());
        assert!(parse_events("").unwrap().is_empty());
    }
}
