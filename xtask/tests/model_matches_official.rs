//! Proves that the project's model, `model/chime-sdk-identity.json`, agrees with AWS's official
//! Smithy model of Chime SDK Identity on every wire fact: the same 30 operations (the seed's 24
//! and the 6 added later), every shape and member with the same targets and wire traits, the
//! same service traits and endpoint rules; and that it documents everything in the project's
//! own words.
//!
//! The official model is read from `$SHARED_DIR/models/chime-sdk-identity.official.json`
//! (default `<CARGO_MANIFEST_DIR>/../../shared`). When it is missing the tests fail: a skipped
//! comparison would prove nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Map, Value};

const NAMESPACE: &str = "com.amazonaws.chimesdkidentity#";
const SERVICE: &str = "com.amazonaws.chimesdkidentity#ChimeIdentityService";
const DOC: &str = "smithy.api#documentation";

/// The operations of the seed document (the boto3 reference the project implements).
const SEED_OPERATIONS: [&str; 24] = [
    "CreateAppInstance",
    "CreateAppInstanceAdmin",
    "CreateAppInstanceUser",
    "DeleteAppInstance",
    "DeleteAppInstanceAdmin",
    "DeleteAppInstanceUser",
    "DeregisterAppInstanceUserEndpoint",
    "DescribeAppInstance",
    "DescribeAppInstanceAdmin",
    "DescribeAppInstanceUser",
    "DescribeAppInstanceUserEndpoint",
    "GetAppInstanceRetentionSettings",
    "ListAppInstanceAdmins",
    "ListAppInstanceUserEndpoints",
    "ListAppInstanceUsers",
    "ListAppInstances",
    "ListTagsForResource",
    "PutAppInstanceRetentionSettings",
    "RegisterAppInstanceUserEndpoint",
    "TagResource",
    "UntagResource",
    "UpdateAppInstance",
    "UpdateAppInstanceUser",
    "UpdateAppInstanceUserEndpoint",
];

/// The operations AWS added after the seed: the AppInstance bots and user expiration.
const NEWER_OPERATIONS: [&str; 6] = [
    "CreateAppInstanceBot",
    "DeleteAppInstanceBot",
    "DescribeAppInstanceBot",
    "ListAppInstanceBots",
    "PutAppInstanceUserExpirationSettings",
    "UpdateAppInstanceBot",
];

/// Our doc strings may not share this many consecutive words with any official doc string.
const COPIED_RUN_WORDS: usize = 6;
/// "One or two sentences": anything longer than this is not short.
const MAX_DOC_CHARS: usize = 300;

struct Models {
    ours: Value,
    ours_text: String,
    official: Value,
}

fn models() -> &'static Models {
    static MODELS: OnceLock<Models> = OnceLock::new();
    MODELS.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let shared = std::env::var_os("SHARED_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| manifest.join("../../shared"));
        let official_path = shared.join("models/chime-sdk-identity.official.json");
        let official_text = std::fs::read_to_string(&official_path).unwrap_or_else(|e| {
            panic!(
                "official model not readable at {} ({e}); set SHARED_DIR to the shared folder",
                official_path.display()
            )
        });
        let ours_path = manifest.join("../model/chime-sdk-identity.json");
        let ours_text = std::fs::read_to_string(&ours_path)
            .unwrap_or_else(|e| panic!("our model not readable at {} ({e})", ours_path.display()));
        Models {
            ours: serde_json::from_str(&ours_text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", ours_path.display())),
            ours_text,
            official: serde_json::from_str(&official_text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", official_path.display())),
        }
    })
}

fn shapes(model: &Value) -> &Map<String, Value> {
    model["shapes"]
        .as_object()
        .expect("model has a `shapes` object")
}

fn shape<'a>(model: &'a Value, id: &str) -> Option<&'a Value> {
    shapes(model).get(id)
}

fn short(id: &str) -> &str {
    id.strip_prefix(NAMESPACE).unwrap_or(id)
}

fn full(name: &str) -> String {
    format!("{NAMESPACE}{name}")
}

fn empty_map() -> &'static Map<String, Value> {
    static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
    EMPTY.get_or_init(Map::new)
}

fn traits(node: &Value) -> &Map<String, Value> {
    node.get("traits")
        .and_then(Value::as_object)
        .unwrap_or_else(|| empty_map())
}

fn members(node: &Value) -> &Map<String, Value> {
    node.get("members")
        .and_then(Value::as_object)
        .unwrap_or_else(|| empty_map())
}

fn targets_of(list: Option<&Value>) -> BTreeSet<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r["target"].as_str().map(str::to_owned))
        .collect()
}

/// Shapes of our namespace that `shape` refers to.
fn references(shape: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["input", "output", "member", "key", "value"] {
        if let Some(t) = shape.get(key).and_then(|r| r["target"].as_str()) {
            out.push(t.to_owned());
        }
    }
    for key in ["errors", "operations", "resources"] {
        out.extend(targets_of(shape.get(key)));
    }
    for member in members(shape).values() {
        out.extend(member["target"].as_str().map(str::to_owned));
    }
    out.retain(|t| t.starts_with(NAMESPACE));
    out
}

/// Every shape reachable from `roots` (roots included).
fn closure(model: &Value, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(id) = stack.pop() {
        if let Some(s) = shape(model, &id) {
            if seen.insert(id.clone()) {
                stack.extend(references(s));
            }
        } else {
            seen.insert(id);
        }
    }
    seen
}

/// Collects every differing fact, so one run shows them all.
#[derive(Default)]
struct Report(Vec<String>);

impl Report {
    fn differ(&mut self, fact: impl Into<String>) {
        self.0.push(fact.into());
    }

    fn finish(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{what}: {} fact(s) differ:\n  {}",
            self.0.len(),
            self.0.join("\n  ")
        );
    }

    /// Compares two JSON values, naming each differing leaf by its JSON pointer below `at`.
    fn values(&mut self, at: &str, ours: Option<&Value>, official: Option<&Value>) {
        match (ours, official) {
            (Some(Value::Object(a)), Some(Value::Object(b))) => {
                let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                for k in keys {
                    self.values(&format!("{at}/{k}"), a.get(k), b.get(k));
                }
            }
            (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    self.values(&format!("{at}/{i}"), Some(x), Some(y));
                }
            }
            (a, b) if a == b => {}
            (a, b) => self.differ(format!("{at}: ours {}, official {}", show(a), show(b))),
        }
    }

    /// Compares all traits except documentation, which is ours to write.
    fn traits(&mut self, at: &str, ours: &Value, official: &Value) {
        let (a, b) = (traits(ours), traits(official));
        let names: BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| *k != DOC).collect();
        for name in names {
            self.values(&format!("{at} trait {name}"), a.get(name), b.get(name));
        }
    }

    fn member(&mut self, at: &str, ours: &Value, official: &Value) {
        self.values(
            &format!("{at} target"),
            ours.get("target"),
            official.get("target"),
        );
        self.traits(at, ours, official);
    }
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".to_owned(), Value::to_string)
}

fn strip_documentation(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != "documentation")
                .map(|(k, x)| (k.clone(), strip_documentation(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_documentation).collect()),
        other => other.clone(),
    }
}

fn operation_ids(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| full(n)).collect()
}

#[test]
fn service_offers_exactly_the_official_operations() {
    let m = models();
    let mut report = Report::default();
    let ours = targets_of(m.ours["shapes"][SERVICE].get("operations"));
    let official = targets_of(m.official["shapes"][SERVICE].get("operations"));
    for op in ours.symmetric_difference(&official) {
        let side = if ours.contains(op) {
            "ours only"
        } else {
            "official only"
        };
        report.differ(format!("service operation {} ({side})", short(op)));
    }
    if ours.len() != 30 {
        report.differ(format!("expected 30 operations, ours has {}", ours.len()));
    }
    // The seed's 24 and the 6 later ones partition the official list exactly.
    let seed = operation_ids(&SEED_OPERATIONS);
    let newer = operation_ids(&NEWER_OPERATIONS);
    if !seed.is_disjoint(&newer) {
        report.differ("the seed and the newer operations overlap".to_owned());
    }
    let both: BTreeSet<String> = seed.union(&newer).cloned().collect();
    for op in both.symmetric_difference(&official) {
        let side = if official.contains(op) {
            "official, neither seed nor newer"
        } else {
            "named here, not official"
        };
        report.differ(format!("operation {} ({side})", short(op)));
    }
    report.finish("service operations");
}

#[test]
fn model_holds_exactly_the_official_shapes() {
    let m = models();
    let mut report = Report::default();
    let ours: BTreeSet<String> = shapes(&m.ours).keys().cloned().collect();
    let official: BTreeSet<String> = shapes(&m.official).keys().cloned().collect();
    for id in ours.difference(&official) {
        report.differ(format!("{} is ours only", short(id)));
    }
    for id in official.difference(&ours) {
        report.differ(format!("{} is official only", short(id)));
    }
    let reached_in_ours = closure(&m.ours, [SERVICE.to_owned()]);
    for id in ours.difference(&reached_in_ours) {
        report.differ(format!("{} is unreachable from our service", short(id)));
    }
    for id in &reached_in_ours {
        if shape(&m.ours, id).is_none() {
            report.differ(format!("{} is referenced but not defined", short(id)));
        }
    }
    if ours.len() != 151 {
        report.differ(format!("expected the official model's 151 shapes, ours has {}", ours.len()));
    }
    for key in ["smithy", "metadata"] {
        report.values(key, m.ours.get(key), m.official.get(key));
    }
    report.finish("shape set");
}

#[test]
fn shapes_agree_on_wire_facts() {
    let m = models();
    let mut report = Report::default();
    // Every shape of either model: one missing on our side is a difference too.
    let ids: BTreeSet<&String> = shapes(&m.ours)
        .keys()
        .chain(shapes(&m.official).keys())
        .filter(|k| *k != SERVICE)
        .collect();
    let mut compared = 0;
    for id in ids {
        let at = short(id);
        let (Some(ours), Some(official)) = (shape(&m.ours, id), shape(&m.official, id)) else {
            let side = if shape(&m.ours, id).is_some() { "ours only" } else { "official only" };
            report.differ(format!("{at}: {side}"));
            continue;
        };
        compared += 1;
        let keys: BTreeSet<&String> = ours
            .as_object()
            .into_iter()
            .chain(official.as_object())
            .flat_map(Map::keys)
            .collect();
        for key in keys {
            match key.as_str() {
                "traits" => report.traits(at, ours, official),
                "errors" => {
                    let (a, b) = (
                        targets_of(ours.get("errors")),
                        targets_of(official.get("errors")),
                    );
                    for e in a.symmetric_difference(&b) {
                        let side = if a.contains(e) {
                            "ours only"
                        } else {
                            "official only"
                        };
                        report.differ(format!("{at} error {} ({side})", short(e)));
                    }
                }
                "members" => {
                    let (a, b) = (members(ours), members(official));
                    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                    for name in names {
                        let at = format!("{at}${name}");
                        match (a.get(name), b.get(name)) {
                            (Some(x), Some(y)) => report.member(&at, x, y),
                            (Some(_), None) => report.differ(format!("{at}: ours only")),
                            (None, _) => report.differ(format!("{at}: official only")),
                        }
                    }
                }
                "member" | "key" | "value" => match (ours.get(key), official.get(key)) {
                    (Some(x), Some(y)) => report.member(&format!("{at}${key}"), x, y),
                    (x, y) => report.values(&format!("{at} {key}"), x, y),
                },
                _ => report.values(&format!("{at} {key}"), ours.get(key), official.get(key)),
            }
        }
    }
    if compared != 150 {
        report.differ(format!("compared {compared} shapes, expected all 150 besides the service"));
    }
    report.finish("shapes");
}

#[test]
fn service_agrees_on_wire_facts() {
    let m = models();
    let mut report = Report::default();
    let (ours, official) = (&m.ours["shapes"][SERVICE], &m.official["shapes"][SERVICE]);
    let keys: BTreeSet<&String> = ours
        .as_object()
        .into_iter()
        .chain(official.as_object())
        .flat_map(Map::keys)
        .collect();
    for key in keys.into_iter().filter(|k| k.as_str() != "traits") {
        report.values(&format!("service {key}"), ours.get(key), official.get(key));
    }
    let (a, b) = (traits(ours), traits(official));
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| *k != DOC).collect();
    for name in names {
        // The rule set is machine data; only its prose may be ours.
        let (x, y) = (
            a.get(name).map(strip_documentation),
            b.get(name).map(strip_documentation),
        );
        report.values(&format!("service trait {name}"), x.as_ref(), y.as_ref());
    }
    report.finish("service");
}

/// Lower-case words of a doc string, HTML tags removed.
fn words(doc: &str) -> Vec<String> {
    let mut text = String::with_capacity(doc.len());
    let mut in_tag = false;
    for c in doc.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every documentation string in a model, keyed by where it sits.
fn doc_strings(model: &Value) -> Vec<(String, String)> {
    fn walk(at: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        (DOC | "documentation", Value::String(s)) => {
                            out.push((at.to_owned(), s.clone()));
                        }
                        _ => walk(&format!("{at}/{k}"), x, out),
                    }
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{at}/{i}"), x, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", &model["shapes"], &mut out);
    out
}

#[test]
fn documentation_is_present_short_and_our_own() {
    let m = models();
    let mut report = Report::default();

    // Presence: everything a user reads in rustdoc, plus what the rules spec makes required.
    let service = &m.ours["shapes"][SERVICE];
    for t in [DOC, "smithy.api#title"] {
        if !traits(service).contains_key(t) {
            report.differ(format!("service has no {t}"));
        }
    }
    for (id, s) in shapes(&m.ours) {
        let kind = s["type"].as_str().unwrap_or_default();
        if !matches!(
            kind,
            "operation" | "structure" | "union" | "enum" | "intEnum"
        ) {
            continue;
        }
        if !traits(s).contains_key(DOC) {
            report.differ(format!("{} ({kind}) has no documentation", short(id)));
        }
        for (name, member) in members(s) {
            if !traits(member).contains_key(DOC) {
                report.differ(format!("{}${name} has no documentation", short(id)));
            }
        }
    }
    let params = &traits(service)["smithy.rules#endpointRuleSet"]["parameters"];
    for (name, p) in params.as_object().into_iter().flatten() {
        if p.get("documentation").and_then(Value::as_str).is_none() {
            report.differ(format!("endpoint parameter {name} has no documentation"));
        }
    }

    // Ours, not a copy: no doc equal to the official one in the same place, and no run of
    // COPIED_RUN_WORDS words taken from any official doc string.
    let official_docs = doc_strings(&m.official);
    let official_runs: BTreeSet<Vec<String>> = official_docs
        .iter()
        .flat_map(|(_, d)| {
            let w = words(d);
            w.windows(COPIED_RUN_WORDS)
                .map(<[String]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect();
    for (at, doc) in doc_strings(&m.ours) {
        let w = words(&doc);
        if official_docs
            .iter()
            .any(|(o_at, o)| *o_at == at && words(o) == w)
        {
            report.differ(format!("{at}: documentation equals the official one"));
        }
        if let Some(run) = w
            .windows(COPIED_RUN_WORDS)
            .find(|run| official_runs.contains(*run))
        {
            report.differ(format!(
                "{at}: shares \"{}\" with official docs",
                run.join(" ")
            ));
        }
        if doc.len() > MAX_DOC_CHARS {
            report.differ(format!("{at}: {} characters, not short", doc.len()));
        }
    }
    report.finish("documentation");
}

#[test]
fn model_file_is_sorted_and_pretty_printed() {
    let m = models();
    let mut report = Report::default();
    let ids: Vec<&String> = shapes(&m.ours).keys().collect();
    for pair in ids.windows(2) {
        if pair[0] >= pair[1] {
            report.differ(format!("shape {} comes before {}", pair[0], pair[1]));
        }
    }
    let pretty = serde_json::to_string_pretty(&m.ours).expect("a JSON value serializes");
    if m.ours_text.trim_end() != pretty {
        report.differ("file is not 2-space pretty-printed JSON (as serde_json writes it)");
    }
    report.finish("formatting");
}
