//! JSON AST text → [`Model`]. Accepts Smithy 1.0 and 2.0 and normalises 1.0 into 2.0 terms
//! while loading (`set` → list with `@uniqueItems`, the `@enum` trait → an `enum` shape,
//! 1.0 boxing → `@default`), applies `apply` entries, and adds the prelude.
//! Every structural problem is reported with the shape it was found in.

use super::{prelude, Member, Model, Operation, Resource, Service, Shape, ShapeId, ShapeKind, Traits};
use crate::error::{bail_at, ModelError, Result};
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// Parses a Smithy JSON AST document.
pub fn load(json: &str) -> Result<Model> {
    let root: Value = serde_json::from_str(json)
        .map_err(|e| ModelError::new("model", format!("not valid JSON: {e}")))?;
    let root = root
        .as_object()
        .ok_or_else(|| ModelError::new("model", "the top level must be a JSON object"))?;
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
    let empty = Map::new();
    let shapes_json = match root.get("shapes") {
        Some(Value::Object(m)) => m,
        Some(_) => bail_at!("model", "`shapes` must be an object"),
        None => &empty,
    };

    let mut shapes = IndexMap::new();
    let mut applies = Vec::new();
    for (id_text, body) in shapes_json {
        let id = ShapeId::parse(id_text).ok_or_else(|| ModelError::new(id_text, "not a valid absolute shape id"))?;
        let obj = body
            .as_object()
            .ok_or_else(|| ModelError::new(&id, "a shape must be a JSON object"))?;
        let ty = str_field(obj, "type", &id)?.ok_or_else(|| ModelError::new(&id, "missing `type`"))?;
        if id.member().is_some() && ty != "apply" {
            bail_at!(id, "only `apply` entries may use a member id");
        }
        if ty == "apply" {
            let t = traits(obj, &id)?;
            applies.push((id, t));
            continue;
        }
        let shape = shape(&id, ty, obj, v1)?;
        shapes.insert(id, shape);
    }

    for shape in prelude::shapes(v1) {
        shapes.entry(shape.id.clone()).or_insert(shape);
    }

    for (target, traits) in applies {
        apply(&mut shapes, &target, &traits)?;
    }
    if v1 {
        box_v1(&mut shapes);
    }
    shapes.sort_keys();
    Ok(Model { shapes, version })
}

fn shape(id: &ShapeId, ty: &str, obj: &Map<String, Value>, v1: bool) -> Result<Shape> {
    let mut traits = traits(obj, id)?;
    let members = || members(obj, id);
    let kind = match ty {
        "blob" => ShapeKind::Blob,
        "boolean" => ShapeKind::Boolean,
        "string" if v1 && traits.has("smithy.api#enum") => enum_from_trait(id, &mut traits)?,
        "string" => ShapeKind::String,
        "byte" => ShapeKind::Byte,
        "short" => ShapeKind::Short,
        "integer" => ShapeKind::Integer,
        "long" => ShapeKind::Long,
        "float" => ShapeKind::Float,
        "double" => ShapeKind::Double,
        "bigInteger" => ShapeKind::BigInteger,
        "bigDecimal" => ShapeKind::BigDecimal,
        "timestamp" => ShapeKind::Timestamp,
        "document" => ShapeKind::Document,
        "enum" => ShapeKind::Enum(members()?),
        "intEnum" => ShapeKind::IntEnum(members()?),
        "list" => ShapeKind::List(member_field(obj, "member", id)?),
        "set" => {
            // Smithy 2.0 replaced `set` with `list` + `@uniqueItems`.
            traits.0.entry("smithy.api#uniqueItems".into()).or_insert(Value::Object(Map::new()));
            ShapeKind::List(member_field(obj, "member", id)?)
        }
        "map" => ShapeKind::Map { key: member_field(obj, "key", id)?, value: member_field(obj, "value", id)? },
        "structure" => ShapeKind::Structure(members()?),
        "union" => ShapeKind::Union(members()?),
        "service" => ShapeKind::Service(Service {
            version: str_field(obj, "version", id)?.unwrap_or_default().to_string(),
            operations: refs(obj, "operations", id)?,
            resources: refs(obj, "resources", id)?,
            errors: refs(obj, "errors", id)?,
            rename: rename(obj, id)?,
        }),
        "operation" => ShapeKind::Operation(Operation {
            input: opt_ref(obj, "input", id)?.unwrap_or_else(prelude::unit),
            output: opt_ref(obj, "output", id)?.unwrap_or_else(prelude::unit),
            errors: refs(obj, "errors", id)?,
        }),
        "resource" => ShapeKind::Resource(Resource {
            identifiers: ref_map(obj, "identifiers", id)?,
            properties: ref_map(obj, "properties", id)?,
            lifecycle: ["create", "put", "read", "update", "delete", "list"]
                .iter()
                .filter_map(|k| opt_ref(obj, k, id).transpose())
                .collect::<Result<_>>()?,
            operations: refs(obj, "operations", id)?,
            collection_operations: refs(obj, "collectionOperations", id)?,
            resources: refs(obj, "resources", id)?,
        }),
        other => bail_at!(id, "unknown shape type `{other}`"),
    };
    Ok(Shape { id: id.clone(), kind, traits, mixins: refs(obj, "mixins", id)? })
}

fn traits(obj: &Map<String, Value>, at: &ShapeId) -> Result<Traits> {
    match obj.get("traits") {
        None => Ok(Traits::default()),
        Some(Value::Object(t)) => {
            let mut out = IndexMap::new();
            for (k, v) in t {
                if ShapeId::parse(k).is_none() {
                    bail_at!(at, "trait key `{k}` is not an absolute shape id");
                }
                out.insert(k.clone(), v.clone());
            }
            Ok(Traits(out))
        }
        Some(_) => bail_at!(at, "`traits` must be an object"),
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

fn opt_ref(obj: &Map<String, Value>, key: &str, at: &ShapeId) -> Result<Option<ShapeId>> {
    obj.get(key).map(|v| target(v, &format!("`{key}`"), at)).transpose()
}

fn refs(obj: &Map<String, Value>, key: &str, at: &ShapeId) -> Result<Vec<ShapeId>> {
    match obj.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|v| target(v, &format!("`{key}` entry"), at)).collect(),
        Some(_) => bail_at!(at, "`{key}` must be an array of shape references"),
    }
}

fn ref_map(obj: &Map<String, Value>, key: &str, at: &ShapeId) -> Result<IndexMap<String, ShapeId>> {
    match obj.get(key) {
        None => Ok(IndexMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| Ok((k.clone(), target(v, &format!("`{key}.{k}`"), at)?)))
            .collect(),
        Some(_) => bail_at!(at, "`{key}` must be an object of shape references"),
    }
}

fn rename(obj: &Map<String, Value>, at: &ShapeId) -> Result<IndexMap<ShapeId, String>> {
    match obj.get("rename") {
        None => Ok(IndexMap::new()),
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

fn member_value(name: &str, value: &Value, owner: &ShapeId) -> Result<Member> {
    let at = owner.with_member(name);
    if !super::is_identifier(name) {
        bail_at!(owner, "member name `{name}` is not a valid identifier");
    }
    let obj = value.as_object().ok_or_else(|| ModelError::new(&at, "a member must be a JSON object"))?;
    Ok(Member { name: name.to_string(), target: target(value, "member", &at)?, traits: traits(obj, &at)? })
}

fn member_field(obj: &Map<String, Value>, key: &str, at: &ShapeId) -> Result<Member> {
    match obj.get(key) {
        Some(v) => member_value(key, v, at),
        None => bail_at!(at, "missing `{key}`"),
    }
}

fn members(obj: &Map<String, Value>, at: &ShapeId) -> Result<Vec<Member>> {
    match obj.get("members") {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => m.iter().map(|(k, v)| member_value(k, v, at)).collect(),
        Some(_) => bail_at!(at, "`members` must be an object"),
    }
}

fn apply(shapes: &mut IndexMap<ShapeId, Shape>, target: &ShapeId, traits: &Traits) -> Result<()> {
    let root = target.root();
    let shape = shapes
        .get_mut(&root)
        .ok_or_else(|| ModelError::new(target, "`apply` targets a shape that is not defined"))?;
    match target.member() {
        None => shape.traits.merge(traits),
        Some(name) => {
            let member = shape
                .kind
                .members_mut()
                .into_iter()
                .find(|m| m.name == name)
                .ok_or_else(|| ModelError::new(target, "`apply` targets a member that does not exist"))?;
            member.traits.merge(traits);
        }
    }
    Ok(())
}

/// Smithy 1.0's `@enum` trait on a string → an enum shape (IDL 2.0 "enum shapes" migration).
fn enum_from_trait(id: &ShapeId, traits: &mut Traits) -> Result<ShapeKind> {
    let Some(Value::Array(defs)) = traits.0.shift_remove("smithy.api#enum") else {
        bail_at!(id, "the `@enum` trait must be a list of enum definitions");
    };
    let mut members = Vec::with_capacity(defs.len());
    for def in defs {
        let value = def
            .get("value")
            .and_then(Value::as_str)
            .ok_or_else(|| ModelError::new(id, "every `@enum` entry needs a string `value`"))?;
        let name = match def.get("name").and_then(Value::as_str) {
            Some(n) => n.to_string(),
            None => identifier_from_value(value),
        };
        let mut t = IndexMap::new();
        t.insert("smithy.api#enumValue".to_string(), Value::String(value.to_string()));
        if let Some(doc) = def.get("documentation") {
            t.insert("smithy.api#documentation".into(), doc.clone());
        }
        if def.get("deprecated").and_then(Value::as_bool) == Some(true) {
            t.insert("smithy.api#deprecated".into(), Value::Object(Map::new()));
        }
        if let Some(tags) = def.get("tags") {
            t.insert("smithy.api#tags".into(), tags.clone());
        }
        members.push(Member { name, target: prelude::unit(), traits: Traits(t) });
    }
    Ok(ShapeKind::Enum(members))
}

/// An identifier for an unnamed 1.0 enum value: invalid characters become `_`.
fn identifier_from_value(value: &str) -> String {
    let mut s: String = value.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert(0, '_');
    }
    s
}

/// Smithy 1.0 boxing: a member is non-null (with a zero default) when it targets a boolean or
/// number shape that is not `@box`ed and the member itself is not `@box`ed (IDL 2.0 migration
/// guide, "Replace @box with @default").
fn box_v1(shapes: &mut IndexMap<ShapeId, Shape>) {
    let zero_targets: IndexMap<ShapeId, Value> = shapes
        .values()
        .filter(|s| !s.traits.has("smithy.api#box"))
        .filter_map(|s| {
            let zero = match s.kind {
                ShapeKind::Boolean => Value::Bool(false),
                ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long => Value::from(0),
                ShapeKind::Float | ShapeKind::Double => Value::from(0),
                _ => return None,
            };
            Some((s.id.clone(), zero))
        })
        .collect();
    for shape in shapes.values_mut() {
        if !matches!(shape.kind, ShapeKind::Structure(_)) {
            continue;
        }
        for m in shape.kind.members_mut() {
            if let Some(zero) = zero_targets.get(&m.target) {
                if !m.traits.has("smithy.api#box") && !m.traits.has("smithy.api#default") {
                    m.traits.0.insert("smithy.api#default".into(), zero.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
