//! Model → model rewrites, each named and deterministic, run in this order:
//! 1. [`select_service`]: pick the service (by `--service` or the only one);
//! 2. [`flatten_mixins`]: copy mixin members and traits into the shapes that use them;
//! 3. [`closure`]: keep only what the service reaches, reporting dangling targets;
//! 4. [`copy_service_errors`]: service-wide errors become errors of every operation;
//! 5. [`mark_recursive_members`]: members on a structure/union cycle get a synthetic trait so
//!    that `lower` boxes them;
//! 6. [`known_model_gaps`]: what the AWS SDKs add to a few official models (see there).

use crate::error::{bail_at, ModelError, Result};
use crate::model::{Model, Shape, ShapeId, ShapeKind, Traits};
use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

/// Synthetic trait added to members whose Rust field must be boxed to break a type cycle.
pub const BOXED: &str = "smithy.rust.synthetic#boxed";

/// Runs every pass; returns the service's id and the rewritten model.
pub fn run(mut model: Model, service: Option<&str>) -> Result<(ShapeId, Model)> {
    let service = select_service(&model, service)?;
    flatten_mixins(&mut model)?;
    let mut model = closure(&model, &service)?;
    copy_service_errors(&mut model, &service);
    mark_recursive_members(&mut model);
    known_model_gaps(&mut model, &service);
    Ok((service, model))
}

/// Operations that AWS documents as callable without credentials although their model does not
/// say so, by service: the AWS SDKs add `@optionalAuth` to them (smithy-rs and the other SDKs
/// carry the same list). STS's two federation calls are authorised by the token or assertion
/// they carry; the credential providers call them before any credentials exist.
const OPTIONAL_AUTH: &[(&str, &[&str])] = &[(
    "com.amazonaws.sts#AWSSecurityTokenServiceV20110615",
    &["com.amazonaws.sts#AssumeRoleWithWebIdentity", "com.amazonaws.sts#AssumeRoleWithSAML"],
)];

/// Adds the traits of [`OPTIONAL_AUTH`] to the operations of `service` it lists.
pub fn known_model_gaps(model: &mut Model, service: &ShapeId) {
    for (_, operations) in OPTIONAL_AUTH.iter().filter(|(id, _)| *id == service.as_str()) {
        for op in operations.iter().filter_map(|o| ShapeId::parse(o)) {
            if let Some(shape) = model.shapes.get_mut(&op) {
                shape.traits.0.entry(OPTIONAL_AUTH_TRAIT.to_string()).or_insert_with(|| Value::Object(Default::default()));
            }
        }
    }
}

/// `smithy.api#optionalAuth`.
const OPTIONAL_AUTH_TRAIT: &str = "smithy.api#optionalAuth";

/// The service to generate: `requested` if given, else the model's only service.
pub fn select_service(model: &Model, requested: Option<&str>) -> Result<ShapeId> {
    let services: Vec<&ShapeId> = model
        .shapes
        .values()
        .filter(|s| matches!(s.kind, ShapeKind::Service(_)))
        .map(|s| &s.id)
        .collect();
    match requested {
        Some(text) => {
            let id = ShapeId::parse(text).ok_or_else(|| ModelError::new(text, "not a valid shape id"))?;
            match model.get(&id) {
                Some(Shape { kind: ShapeKind::Service(_), .. }) => Ok(id),
                Some(s) => bail_at!(id, "is a {}, not a service", s.kind.type_name()),
                None => bail_at!(id, "no such service in the model (services: {})", list(&services)),
            }
        }
        None => match services.as_slice() {
            [one] => Ok((*one).clone()),
            [] => bail_at!("model", "defines no service"),
            many => bail_at!("model", "defines several services; choose one with --service: {}", list(many)),
        },
    }
}

fn list(ids: &[&ShapeId]) -> String {
    ids.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
}

/// Flattens mixins: a shape gets its mixins' members first (in mixin order), then its own; it
/// inherits the mixins' traits except `@mixin` itself and the mixin's `localTraits`. A later
/// mixin's trait replaces an earlier one's, and the shape's own traits (on the shape or on a
/// member it redefines) replace inherited ones (spec: "Mixins", trait and member precedence;
/// Smithy's flattening tests). Operations inherit their mixins' errors; services their
/// version, operations, resources, errors and renames.
pub fn flatten_mixins(model: &mut Model) -> Result<()> {
    let ids: Vec<ShapeId> = model.shapes.keys().cloned().collect();
    let mut done = IndexSet::new();
    for id in ids {
        flatten_one(model, &id, &mut done, &mut Vec::new())?;
    }
    Ok(())
}

fn flatten_one(model: &mut Model, id: &ShapeId, done: &mut IndexSet<ShapeId>, stack: &mut Vec<ShapeId>) -> Result<()> {
    if done.contains(id) {
        return Ok(());
    }
    if stack.contains(id) {
        bail_at!(id, "mixins form a cycle");
    }
    let mixins = model.shapes.get(id).map(|s| s.mixins.clone()).unwrap_or_default();
    stack.push(id.clone());
    for m in &mixins {
        let mixin = model.expect(m, id)?;
        if !mixin.traits.has("smithy.api#mixin") {
            bail_at!(id, "uses `{m}` as a mixin, but it lacks the @mixin trait");
        }
        flatten_one(model, m, done, stack)?;
    }
    stack.pop();
    if !mixins.is_empty() {
        let mut inherited_traits = Traits::default();
        let mut inherited_members: Vec<crate::model::Member> = Vec::new();
        // Operation errors and service properties are inherited too (mixins first).
        let mut errors: Vec<ShapeId> = Vec::new();
        let mut service = crate::model::Service::default();
        for m in &mixins {
            let mixin = &model.shapes[m];
            if mixin.kind.type_name() != model.shapes[id].kind.type_name() {
                bail_at!(id, "a {} cannot use the {} `{m}` as a mixin", model.shapes[id].kind.type_name(), mixin.kind.type_name());
            }
            let local: Vec<&str> = mixin
                .traits
                .get("smithy.api#mixin")
                .and_then(|v| v.get("localTraits"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            // A later mixin's trait replaces an earlier one's.
            for (k, v) in &mixin.traits.0 {
                if k != "smithy.api#mixin" && !local.contains(&k.as_str()) {
                    inherited_traits.0.insert(k.clone(), v.clone());
                }
            }
            for member in mixin.kind.members() {
                match inherited_members.iter_mut().find(|x| x.name == member.name) {
                    Some(existing) => overlay(&mut existing.traits, &member.traits),
                    None => inherited_members.push(member.clone()),
                }
            }
            match &mixin.kind {
                ShapeKind::Operation(o) => extend_unique(&mut errors, &o.errors),
                ShapeKind::Service(s) => {
                    if !s.version.is_empty() {
                        service.version = s.version.clone();
                    }
                    extend_unique(&mut service.operations, &s.operations);
                    extend_unique(&mut service.resources, &s.resources);
                    extend_unique(&mut service.errors, &s.errors);
                    service.rename.extend(s.rename.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                _ => {}
            }
        }
        let shape = model.shapes.get_mut(id).expect("shape exists: ids come from the map");
        // The shape's own traits take precedence over inherited ones.
        let mut traits = inherited_traits;
        overlay(&mut traits, &shape.traits);
        shape.traits = traits;
        let own = shape.kind.members().into_iter().cloned().collect::<Vec<_>>();
        let mut merged = inherited_members;
        for m in own {
            match merged.iter_mut().find(|x| x.name == m.name) {
                Some(existing) if existing.target != m.target => {
                    bail_at!(id.with_member(&m.name), "redefines mixin member with a different target `{}`", m.target)
                }
                Some(existing) => overlay(&mut existing.traits, &m.traits),
                None => merged.push(m),
            }
        }
        match &mut shape.kind {
            ShapeKind::Structure(ms) | ShapeKind::Union(ms) | ShapeKind::Enum(ms) | ShapeKind::IntEnum(ms) => *ms = merged,
            ShapeKind::List(member) => {
                if let Some(m) = merged.into_iter().find(|m| m.name == "member") {
                    *member = m;
                }
            }
            ShapeKind::Map { key, value } => {
                for m in merged {
                    match m.name.as_str() {
                        "key" => *key = m,
                        "value" => *value = m,
                        _ => {}
                    }
                }
            }
            ShapeKind::Operation(o) => {
                extend_unique(&mut errors, &o.errors);
                o.errors = errors;
            }
            ShapeKind::Service(s) => {
                if s.version.is_empty() {
                    s.version = service.version;
                }
                extend_unique(&mut service.operations, &s.operations);
                extend_unique(&mut service.resources, &s.resources);
                extend_unique(&mut service.errors, &s.errors);
                s.operations = service.operations;
                s.resources = service.resources;
                s.errors = service.errors;
                service.rename.extend(s.rename.drain(..));
                s.rename = service.rename;
            }
            _ => {}
        }
        shape.mixins.clear();
    }
    done.insert(id.clone());
    Ok(())
}

/// Sets every trait of `over` on `traits`, replacing values already there.
fn overlay(traits: &mut Traits, over: &Traits) {
    for (k, v) in &over.0 {
        traits.0.insert(k.clone(), v.clone());
    }
}

fn extend_unique(ids: &mut Vec<ShapeId>, more: &[ShapeId]) {
    for id in more {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
}

/// The shapes reachable from `service`, in the model's (sorted) order. Fails on a reference to a
/// shape that does not exist, or of the wrong kind.
pub fn closure(model: &Model, service: &ShapeId) -> Result<Model> {
    let mut seen = IndexSet::new();
    let mut queue = vec![service.clone()];
    while let Some(id) = queue.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let shape = model.get(&id).ok_or_else(|| ModelError::new(&id, "is referenced but not defined"))?;
        let mut push = |target: &ShapeId, from: &dyn std::fmt::Display, want: Option<&str>| -> Result<()> {
            let t = model.expect(target, &from)?;
            if let Some(want) = want {
                if t.kind.type_name() != want {
                    bail_at!(from, "must target a {want}, but `{target}` is a {}", t.kind.type_name());
                }
            }
            queue.push(target.clone());
            Ok(())
        };
        match &shape.kind {
            ShapeKind::Service(s) => {
                for o in &s.operations {
                    push(o, &id, Some("operation"))?;
                }
                for r in &s.resources {
                    push(r, &id, Some("resource"))?;
                }
                for e in &s.errors {
                    push(e, &id, Some("structure"))?;
                }
            }
            ShapeKind::Resource(r) => {
                for t in r.identifiers.values().chain(r.properties.values()) {
                    push(t, &id, None)?;
                }
                for o in r.lifecycle.values().chain(&r.operations).chain(&r.collection_operations) {
                    push(o, &id, Some("operation"))?;
                }
                for sub in &r.resources {
                    push(sub, &id, Some("resource"))?;
                }
            }
            ShapeKind::Operation(o) => {
                push(&o.input, &id, Some("structure"))?;
                push(&o.output, &id, Some("structure"))?;
                for e in &o.errors {
                    push(e, &id, Some("structure"))?;
                    if !model.shapes[e].traits.has("smithy.api#error") {
                        bail_at!(id, "lists `{e}` as an error, but it lacks the @error trait");
                    }
                }
            }
            kind => {
                for m in kind.members() {
                    push(&m.target, &id.with_member(&m.name), None)?;
                }
            }
        }
    }
    let shapes: IndexMap<ShapeId, Shape> = model
        .shapes
        .iter()
        .filter(|(id, _)| seen.contains(*id))
        .map(|(id, s)| (id.clone(), s.clone()))
        .collect();
    Ok(Model { shapes, version: model.version.clone(), metadata: model.metadata.clone() })
}

/// Copies the service's common `errors` into every operation's error list (spec: service
/// `errors` "every operation bound within the closure of the service can return").
pub fn copy_service_errors(model: &mut Model, service: &ShapeId) {
    let errors = match &model.shapes[service].kind {
        ShapeKind::Service(s) => s.errors.clone(),
        _ => return,
    };
    if errors.is_empty() {
        return;
    }
    for shape in model.shapes.values_mut() {
        if let ShapeKind::Operation(op) = &mut shape.kind {
            for e in &errors {
                if !op.errors.contains(e) {
                    op.errors.push(e.clone());
                }
            }
        }
    }
}

/// Marks with [`BOXED`] every structure/union member whose target can reach the member's own
/// shape through direct structure/union members. Lists and maps already allocate, so they
/// break cycles without a box.
pub fn mark_recursive_members(model: &mut Model) {
    let is_aggregate = |m: &Model, id: &ShapeId| {
        matches!(m.get(id).map(|s| &s.kind), Some(ShapeKind::Structure(_) | ShapeKind::Union(_)))
    };
    let edges: IndexMap<ShapeId, Vec<ShapeId>> = model
        .shapes
        .values()
        .filter(|s| is_aggregate(model, &s.id))
        .map(|s| {
            let targets = s.kind.members().into_iter().map(|m| m.target.clone()).filter(|t| is_aggregate(model, t)).collect();
            (s.id.clone(), targets)
        })
        .collect();
    let reaches = |from: &ShapeId, to: &ShapeId| -> bool {
        let mut seen = IndexSet::new();
        let mut stack = vec![from.clone()];
        while let Some(cur) = stack.pop() {
            if &cur == to {
                return true;
            }
            if seen.insert(cur.clone()) {
                stack.extend(edges.get(&cur).into_iter().flatten().cloned());
            }
        }
        false
    };
    let mut to_box = Vec::new();
    for (owner, targets) in &edges {
        for m in model.shapes[owner].kind.members() {
            if targets.contains(&m.target) && reaches(&m.target, owner) {
                to_box.push(owner.with_member(&m.name));
            }
        }
    }
    for member_id in to_box {
        let shape = model.shapes.get_mut(&member_id.root()).expect("owner exists");
        let name = member_id.member().expect("member id");
        if let Some(m) = shape.kind.members_mut().into_iter().find(|m| m.name == name) {
            m.traits.0.insert(BOXED.to_string(), Value::Object(Default::default()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load;

    fn model(shapes: &str) -> Model {
        load(&format!(r#"{{"smithy":"2.0","shapes":{{{shapes}}}}}"#)).unwrap()
    }

    const SVC: &str = r#""a#S":{"type":"service","version":"1","operations":[{"target":"a#Op"}]},
        "a#Op":{"type":"operation","input":{"target":"a#In"}}"#;

    #[test]
    fn sts_federation_calls_may_be_unsigned_and_other_services_are_untouched() {
        let shapes = |ns: &str, service: &str| {
            format!(
                r#""{ns}#{service}":{{"type":"service","version":"1","operations":[{{"target":"{ns}#AssumeRoleWithWebIdentity"}},{{"target":"{ns}#AssumeRole"}}]}},
                "{ns}#AssumeRoleWithWebIdentity":{{"type":"operation"}}, "{ns}#AssumeRole":{{"type":"operation"}}"#
            )
        };
        let optional = |m: &Model, id: &str| m.get(&ShapeId::parse(id).unwrap()).unwrap().traits.has(OPTIONAL_AUTH_TRAIT);
        let (_, sts) = run(model(&shapes("com.amazonaws.sts", "AWSSecurityTokenServiceV20110615")), None).unwrap();
        assert!(optional(&sts, "com.amazonaws.sts#AssumeRoleWithWebIdentity"));
        assert!(!optional(&sts, "com.amazonaws.sts#AssumeRole"), "AssumeRole is signed with the source credentials");
        let (_, other) = run(model(&shapes("a", "Other")), None).unwrap();
        assert!(!optional(&other, "a#AssumeRoleWithWebIdentity"), "only the listed service");
    }

    #[test]
    fn service_selection() {
        let m = model(&format!(r#"{SVC}, "a#In":{{"type":"structure"}}, "a#S2":{{"type":"service"}}"#));
        assert_eq!(select_service(&m, None).unwrap_err().to_string(), "model: defines several services; choose one with --service: a#S, a#S2");
        assert_eq!(select_service(&m, Some("a#S2")).unwrap().as_str(), "a#S2");
        assert_eq!(select_service(&m, Some("a#In")).unwrap_err().to_string(), "a#In: is a structure, not a service");
        assert!(select_service(&m, Some("a#Nope")).unwrap_err().to_string().starts_with("a#Nope: no such service"));
    }

    #[test]
    fn closure_keeps_reachable_shapes_and_reports_dangling_targets() {
        let m = model(&format!(
            r#"{SVC}, "a#In":{{"type":"structure","members":{{"x":{{"target":"a#X"}}}}}},
            "a#X":{{"type":"string"}}, "a#Unused":{{"type":"string"}}"#
        ));
        let c = closure(&m, &ShapeId::parse("a#S").unwrap()).unwrap();
        assert!(c.shapes.contains_key(&ShapeId::parse("a#X").unwrap()));
        assert!(!c.shapes.contains_key(&ShapeId::parse("a#Unused").unwrap()));

        let m = model(&format!(r#"{SVC}, "a#In":{{"type":"structure","members":{{"x":{{"target":"a#Missing"}}}}}}"#));
        assert_eq!(
            closure(&m, &ShapeId::parse("a#S").unwrap()).unwrap_err().to_string(),
            "a#In$x: targets `a#Missing`, which is not defined in the model"
        );
        let m = model(&format!(r#"{SVC}, "a#In":{{"type":"string"}}"#));
        assert_eq!(
            closure(&m, &ShapeId::parse("a#S").unwrap()).unwrap_err().to_string(),
            "a#Op: must target a structure, but `a#In` is a string"
        );
    }

    #[test]
    fn mixins_are_flattened_in_order_with_trait_precedence() {
        let mut m = model(
            r#""a#Base":{"type":"structure","members":{"id":{"target":"smithy.api#String"}},
                  "traits":{"smithy.api#mixin":{"localTraits":["smithy.api#internal"]},"smithy.api#internal":{},"smithy.api#documentation":"base"}},
               "a#Mid":{"type":"structure","mixins":[{"target":"a#Base"}],"members":{"mid":{"target":"smithy.api#String"}},"traits":{"smithy.api#mixin":{}}},
               "a#T":{"type":"structure","mixins":[{"target":"a#Mid"}],
                  "members":{"own":{"target":"smithy.api#String"},"id":{"target":"smithy.api#String","traits":{"smithy.api#required":{}}}},
                  "traits":{"smithy.api#documentation":"own"}}"#,
        );
        flatten_mixins(&mut m).unwrap();
        let t = &m.shapes[&ShapeId::parse("a#T").unwrap()];
        let names: Vec<_> = t.kind.members().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["id", "mid", "own"]);
        assert!(t.member("id").unwrap().traits.has("smithy.api#required"));
        assert_eq!(t.traits.string("smithy.api#documentation"), Some("own"));
        assert!(!t.traits.has("smithy.api#mixin") && !t.traits.has("smithy.api#internal"));
    }

    #[test]
    fn recursive_members_are_marked() {
        let mut m = model(
            r#""a#Node":{"type":"structure","members":{"next":{"target":"a#Node"},"kids":{"target":"a#Nodes"},"leaf":{"target":"a#Leaf"}}},
               "a#Nodes":{"type":"list","member":{"target":"a#Node"}},
               "a#Leaf":{"type":"structure","members":{"v":{"target":"smithy.api#String"}}},
               "a#A":{"type":"union","members":{"b":{"target":"a#B"}}},
               "a#B":{"type":"structure","members":{"a":{"target":"a#A"}}}"#,
        );
        mark_recursive_members(&mut m);
        let boxed = |s: &str, mem: &str| m.shapes[&ShapeId::parse(s).unwrap()].member(mem).unwrap().traits.has(BOXED);
        assert!(boxed("a#Node", "next"));
        assert!(!boxed("a#Node", "kids"));
        assert!(!boxed("a#Node", "leaf"));
        assert!(boxed("a#A", "b") && boxed("a#B", "a"));
    }
}
