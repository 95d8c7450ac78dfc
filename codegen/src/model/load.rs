//! JSON AST text → [`Fragment`] (and, through `assemble`, → [`Model`]). Accepts Smithy 1.0 and
//! 2.0; `assemble` normalises 1.0 into 2.0 terms (`set` → list with `@uniqueItems`, the `@enum`
//! trait → an `enum` shape, 1.0 boxing → `@default`), applies `apply` entries, and adds the
//! prelude. Every structural problem is reported with the shape it was found in.

use super::fragment::{Body, Fragment, Loc, MemberDef, Node, OperationDef, Ref, ResourceDef, ServiceDef, ShapeDef, TraitApp, TraitValue};
use super::{Model, ShapeId};
use crate::error::{bail_at, ModelError, Result};
use serde_json::{Map, Value};

/// Parses a Smithy JSON AST document into a model (the prelude added, `apply` entries applied).
pub fn load(json: &str) -> Result<Model> {
    super::assemble(&[super::Source { name: "", text: json }])
}

/// Reads one JSON AST document; `file` is its index among the assembled sources.
pub(crate) fn read(json: &str, file: usize) -> Result<Fragment> {
    let root: Value = serde_json::from_str(json)
        .map_err(|e| ModelError::new("model", format!("not valid JSON: {e}")))?;
    let Value::Object(mut root) = root else {
        bail_at!("model", "the top level must be a JSON object");
    };
    let version = match root.get("smithy") {
        Some(Value::String(v)) => v.clone(),
        Some(_) => bail_at!("model", "`smithy` must be a string version such as \"2.0\""),
        None => bail_at!("model", "missing the `smithy` version property"),
    };
    let v1 = match version.as_str() {
        "1" | "1.0" => true,
        "2" | "2.0" => false,
        other => bail_at!("model", "unsupported Smithy version `{other}` (expected 1.0 or 2.0)"),
    };
    let loc = Loc { file, line: 0, column: 0 };
    let mut fragment = Fragment { v1, version, ..Fragment::default() };
    let shapes_json = match root.remove("shapes") {
        Some(Value::Object(m)) => m,
        Some(_) => bail_at!("model", "`shapes` must be an object"),
        None => Map::new(),
    };
    for (id_text, body) in shapes_json {
        let id = ShapeId::parse(&id_text).ok_or_else(|| ModelError::new(&id_text, "not a valid absolute shape id"))?;
        let Value::Object(mut obj) = body else {
            bail_at!(id, "a shape must be a JSON object");
        };
        let ty = str_field(&obj, "type", &id)?.ok_or_else(|| ModelError::new(&id, "missing `type`"))?.to_string();
        if id.member().is_some() && ty != "apply" {
            bail_at!(id, "only `apply` entries may use a member id");
        }
        if ty == "apply" {
            traits(&mut obj, &id, loc, &mut fragment.traits)?;
            fragment.apply_targets.push(id);
            continue;
        }
        let def = shape(&id, &ty, &mut obj, loc, &mut fragment.traits)?;
        fragment.shapes.push(def);
    }
    match root.remove("metadata") {
        None => {}
        Some(Value::Object(m)) => fragment.metadata = m.into_iter().map(|(k, v)| (k, Node::Json(v), loc)).collect(),
        Some(_) => bail_at!("model", "`metadata` must be an object"),
    }
    Ok(fragment)
}

fn shape(id: &ShapeId, ty: &str, obj: &mut Map<String, Value>, loc: Loc, apps: &mut Vec<TraitApp>) -> Result<ShapeDef> {
    traits(obj, id, loc, apps)?;
    let members = |obj: &mut Map<String, Value>, apps: &mut Vec<TraitApp>| members(obj, id, loc, apps);
    let body = match ty {
        "blob" => Body::Simple("blob"),
        "boolean" => Body::Simple("boolean"),
        "string" => Body::Simple("string"),
        "byte" => Body::Simple("byte"),
        "short" => Body::Simple("short"),
        "integer" => Body::Simple("integer"),
        "long" => Body::Simple("long"),
        "float" => Body::Simple("float"),
        "double" => Body::Simple("double"),
        "bigInteger" => Body::Simple("bigInteger"),
        "bigDecimal" => Body::Simple("bigDecimal"),
        "timestamp" => Body::Simple("timestamp"),
        "document" => Body::Simple("document"),
        "enum" => Body::Enum(members(obj, apps)?),
        "intEnum" => Body::IntEnum(members(obj, apps)?),
        "list" | "set" => Body::List { member: member_field(obj, "member", id, loc, apps)?, set: ty == "set" },
        "map" => Body::Map { key: member_field(obj, "key", id, loc, apps)?, value: member_field(obj, "value", id, loc, apps)? },
        "structure" => Body::Structure(members(obj, apps)?),
        "union" => Body::Union(members(obj, apps)?),
        "service" => Body::Service(ServiceDef {
            version: str_field(obj, "version", id)?.map(str::to_string),
            operations: refs(obj, "operations", id)?,
            resources: refs(obj, "resources", id)?,
            errors: refs(obj, "errors", id)?,
            rename: rename(obj, id)?,
        }),
        "operation" => Body::Operation(OperationDef {
            input: opt_ref(obj, "input", id)?,
            output: opt_ref(obj, "output", id)?,
            errors: refs(obj, "errors", id)?,
        }),
        "resource" => Body::Resource(ResourceDef {
            identifiers: ref_map(obj, "identifiers", id)?,
            properties: ref_map(obj, "properties", id)?,
            lifecycle: super::LIFECYCLE
                .iter()
                .filter_map(|k| opt_ref(obj, k, id).map(|r| r.map(|r| (*k, r))).transpose())
                .collect::<Result<_>>()?,
            operations: refs(obj, "operations", id)?,
            collection_operations: refs(obj, "collectionOperations", id)?,
            resources: refs(obj, "resources", id)?,
        }),
        other => bail_at!(id, "unknown shape type `{other}`"),
    };
    Ok(ShapeDef { id: id.clone(), loc, body, mixins: refs(obj, "mixins", id)?, for_resource: None })
}

/// Records the `traits` of `obj` as applications to `target`.
fn traits(obj: &mut Map<String, Value>, target: &ShapeId, loc: Loc, apps: &mut Vec<TraitApp>) -> Result<()> {
    match obj.remove("traits") {
        None => Ok(()),
        Some(Value::Object(t)) => {
            for (k, v) in t {
                let Some(trait_id) = ShapeId::parse(&k) else {
                    bail_at!(target, "trait key `{k}` is not an absolute shape id");
                };
                apps.push(TraitApp {
                    target: Ref::Absolute(target.clone()),
                    trait_id: Ref::Absolute(trait_id),
                    value: TraitValue::Node(Node::Json(v)),
                    loc,
                });
            }
            Ok(())
        }
        Some(_) => bail_at!(target, "`traits` must be an object"),
    }
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str, at: &ShapeId) -> Result<Option<&'a str>> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => bail_at!(at, "`{key}` must be a string"),
    }
}

fn target(value: &Value, what: &str, at: &impl std::fmt::Display) -> Result<ShapeId> {
    let t = value
        .as_object()
        .and_then(|o| o.get("target"))
        .ok_or_else(|| ModelError::new(at, format!("{what} must be an object with a `target`")))?;
    let t = t
        .as_str()
        .ok_or_else(|| ModelError::new(at, format!("{what}: `target` must be a string")))?;
    ShapeId::parse(t)
        .filter(|id| id.member().is_none())
        .ok_or_else(|| ModelError::new(at, format!("{what}: `{t}` is not a valid absolute shape id")))
}

fn opt_ref(obj: &Map<String, Value>, key: &str, at: &ShapeId) -> Result<Option<Ref>> {
    obj.get(key).map(|v| target(v, &format!("`{key}`"), at).map(Ref::Absolute)).transpose()
}

fn refs(obj: &Map<String, Value>, key: &str, at: &ShapeId) -> Result<Vec<Ref>> {
    match obj.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|v| target(v, &format!("`{key}` entry"), at).map(Ref::Absolute)).collect(),
        Some(_) => bail_at!(at, "`{key}` must be an array of shape references"),
    }
}

fn ref_map(obj: &Map<String, Value>, key: &str, at: &ShapeId) -> Result<Vec<(String, Ref)>> {
    match obj.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| Ok((k.clone(), Ref::Absolute(target(v, &format!("`{key}.{k}`"), at)?))))
            .collect(),
        Some(_) => bail_at!(at, "`{key}` must be an object of shape references"),
    }
}

fn rename(obj: &Map<String, Value>, at: &ShapeId) -> Result<Vec<(ShapeId, String)>> {
    match obj.get("rename") {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let id = ShapeId::parse(k).ok_or_else(|| ModelError::new(at, format!("rename key `{k}` is not a shape id")))?;
                let name = v
                    .as_str()
                    .filter(|n| super::is_identifier(n))
                    .ok_or_else(|| ModelError::new(at, format!("rename of `{k}` must be an identifier string")))?;
                Ok((id, name.to_string()))
            })
            .collect(),
        Some(_) => bail_at!(at, "`rename` must be an object"),
    }
}

fn member_value(name: &str, value: Value, owner: &ShapeId, loc: Loc, apps: &mut Vec<TraitApp>) -> Result<MemberDef> {
    let at = owner.with_member(name);
    if !super::is_identifier(name) {
        bail_at!(owner, "member name `{name}` is not a valid identifier");
    }
    if !value.is_object() {
        bail_at!(at, "a member must be a JSON object");
    }
    let target = target(&value, "member", &at)?;
    let Value::Object(mut obj) = value else {
        bail_at!(at, "a member must be a JSON object");
    };
    traits(&mut obj, &at, loc, apps)?;
    Ok(MemberDef { name: name.to_string(), target: Some(Ref::Absolute(target)), loc })
}

fn member_field(obj: &mut Map<String, Value>, key: &str, at: &ShapeId, loc: Loc, apps: &mut Vec<TraitApp>) -> Result<Option<MemberDef>> {
    obj.remove(key).map(|v| member_value(key, v, at, loc, apps)).transpose()
}

fn members(obj: &mut Map<String, Value>, at: &ShapeId, loc: Loc, apps: &mut Vec<TraitApp>) -> Result<Vec<MemberDef>> {
    match obj.remove("members") {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => m.into_iter().map(|(k, v)| member_value(&k, v, at, loc, apps)).collect(),
        Some(_) => bail_at!(at, "`members` must be an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ShapeKind;

    fn err(json: &str) -> String {
        load(json).unwrap_err().to_string()
    }

    #[test]
    fn malformed_models_name_the_shape() {
        let cases = [
            ("[]", "model: the top level must be a JSON object"),
            (r#"{"shapes":{}}"#, "model: missing the `smithy` version property"),
            (r#"{"smithy":"3.0"}"#, "model: unsupported Smithy version `3.0`"),
            (r#"{"smithy":"2.0","shapes":{"a#B":{"type":"widget"}}}"#, "a#B: unknown shape type `widget`"),
            (r#"{"smithy":"2.0","shapes":{"a#B":{}}}"#, "a#B: missing `type`"),
            (r#"{"smithy":"2.0","shapes":{"a#B":{"type":7}}}"#, "a#B: `type` must be a string"),
            (r#"{"smithy":"2.0","shapes":{"B":{"type":"string"}}}"#, "B: not a valid absolute shape id"),
            (r#"{"smithy":"2.0","shapes":{"a#B":{"type":"structure","members":[]}}}"#, "a#B: `members` must be an object"),
            (r#"{"smithy":"2.0","shapes":{"a#B":{"type":"structure","members":{"x":{"target":5}}}}}"#, "a#B$x: member: `target` must be a string"),
            (r#"{"smithy":"2.0","shapes":{"a#B":{"type":"list"}}}"#, "a#B: missing `member`"),
            (r#"{"smithy":"2.0","shapes":{"a#B":{"type":"string","traits":{"required":{}}}}}"#, "a#B: trait key `required` is not an absolute shape id"),
            (r#"{"smithy":"2.0","shapes":{"a#B$c":{"type":"apply","traits":{}}}}"#, "a#B$c: `apply` targets a shape that is not defined"),
        ];
        for (json, want) in cases {
            let got = err(json);
            assert!(got.starts_with(want), "for {json}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn v1_set_enum_and_boxing_are_normalised() {
        let m = load(
            r#"{"smithy":"1.0","shapes":{
              "a#S":{"type":"set","member":{"target":"smithy.api#String"}},
              "a#E":{"type":"string","traits":{"smithy.api#enum":[{"value":"x-y"},{"value":"b","name":"BEE"}]}},
              "a#P":{"type":"integer"},
              "a#T":{"type":"structure","members":{
                 "p":{"target":"a#P"},
                 "boxed":{"target":"smithy.api#Integer"},
                 "prim":{"target":"smithy.api#PrimitiveBoolean"}}}}}"#,
        )
        .unwrap();
        let s = &m.shapes[&ShapeId::parse("a#S").unwrap()];
        assert!(matches!(s.kind, ShapeKind::List(_)) && s.traits.has("smithy.api#uniqueItems"));
        let ShapeKind::Enum(members) = &m.shapes[&ShapeId::parse("a#E").unwrap()].kind else { panic!("not an enum") };
        let names: Vec<_> = members.iter().map(|m| (m.name.as_str(), m.traits.string("smithy.api#enumValue").unwrap())).collect();
        assert_eq!(names, [("x_y", "x-y"), ("BEE", "b")]);
        let t = &m.shapes[&ShapeId::parse("a#T").unwrap()];
        let default = |n: &str| t.member(n).unwrap().traits.get("smithy.api#default").cloned();
        assert_eq!(default("p"), Some(Value::from(0)));
        assert_eq!(default("boxed"), None);
        assert_eq!(default("prim"), Some(Value::Bool(false)));
    }

    #[test]
    fn apply_merges_traits_into_shapes_and_members() {
        let m = load(
            r#"{"smithy":"2.0","shapes":{
              "a#T":{"type":"structure","members":{"x":{"target":"smithy.api#String"}}},
              "a#T$x":{"type":"apply","traits":{"smithy.api#required":{}}},
              "a#T2":{"type":"apply","traits":{}}
            }}"#,
        );
        assert_eq!(m.unwrap_err().to_string(), "a#T2: `apply` targets a shape that is not defined");
        let m = load(
            r#"{"smithy":"2.0","shapes":{
              "a#T":{"type":"structure","members":{"x":{"target":"smithy.api#String"}}},
              "a#T$x":{"type":"apply","traits":{"smithy.api#required":{}}}
            }}"#,
        )
        .unwrap();
        let t = &m.shapes[&ShapeId::parse("a#T").unwrap()];
        assert!(t.member("x").unwrap().traits.has("smithy.api#required"));
    }

    #[test]
    fn shapes_are_sorted_and_prelude_added() {
        let m = load(r#"{"smithy":"2.0","shapes":{"b#Z":{"type":"string"},"a#A":{"type":"string"}}}"#).unwrap();
        let ids: Vec<_> = m.shapes.keys().map(ShapeId::as_str).filter(|s| !s.starts_with("smithy.api")).collect();
        assert_eq!(ids, ["a#A", "b#Z"]);
        assert!(m.shapes.contains_key(&ShapeId::parse("smithy.api#Unit").unwrap()));
    }
}
