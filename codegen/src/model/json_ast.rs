//! [`Model`] → Smithy JSON AST (2.0): what `cargo xtask codegen --emit-json-ast` writes. The
//! model is already in 2.0 terms (1.0 files were normalised while loading); prelude shapes are
//! left out, as Smithy's serializer does.

use super::{prelude, Member, Model, ShapeId, ShapeKind, Traits};
use serde_json::{json, Map, Value};

/// The model as a JSON AST document.
pub fn to_json_ast(model: &Model) -> Value {
    let mut shapes = Map::new();
    for shape in model.shapes.values() {
        if shape.id.namespace() == "smithy.api" && prelude::shape_type(shape.id.name()).is_some() {
            continue;
        }
        let mut obj = Map::new();
        obj.insert("type".into(), json!(shape.kind.type_name()));
        if !shape.mixins.is_empty() {
            obj.insert("mixins".into(), refs(&shape.mixins));
        }
        match &shape.kind {
            ShapeKind::Enum(ms) | ShapeKind::IntEnum(ms) | ShapeKind::Structure(ms) | ShapeKind::Union(ms) => {
                obj.insert("members".into(), Value::Object(ms.iter().map(|m| (m.name.clone(), member(m))).collect()));
            }
            ShapeKind::List(m) => {
                obj.insert("member".into(), member(m));
            }
            ShapeKind::Map { key, value } => {
                obj.insert("key".into(), member(key));
                obj.insert("value".into(), member(value));
            }
            ShapeKind::Service(s) => {
                if !s.version.is_empty() {
                    obj.insert("version".into(), json!(s.version));
                }
                put_refs(&mut obj, "operations", &s.operations);
                put_refs(&mut obj, "resources", &s.resources);
                put_refs(&mut obj, "errors", &s.errors);
                if !s.rename.is_empty() {
                    obj.insert("rename".into(), Value::Object(s.rename.iter().map(|(k, v)| (k.to_string(), json!(v))).collect()));
                }
            }
            ShapeKind::Operation(o) => {
                let unit = prelude::unit();
                if o.input != unit {
                    obj.insert("input".into(), target(&o.input));
                }
                if o.output != unit {
                    obj.insert("output".into(), target(&o.output));
                }
                put_refs(&mut obj, "errors", &o.errors);
            }
            ShapeKind::Resource(r) => {
                for (key, map) in [("identifiers", &r.identifiers), ("properties", &r.properties)] {
                    if !map.is_empty() {
                        obj.insert(key.into(), Value::Object(map.iter().map(|(k, v)| (k.clone(), target(v))).collect()));
                    }
                }
                for (key, id) in &r.lifecycle {
                    obj.insert(key.clone(), target(id));
                }
                put_refs(&mut obj, "operations", &r.operations);
                put_refs(&mut obj, "collectionOperations", &r.collection_operations);
                put_refs(&mut obj, "resources", &r.resources);
            }
            _ => {}
        }
        put_traits(&mut obj, &shape.traits);
        shapes.insert(shape.id.to_string(), Value::Object(obj));
    }
    let mut root = Map::new();
    root.insert("smithy".into(), json!("2.0"));
    if !model.metadata.is_empty() {
        root.insert("metadata".into(), Value::Object(model.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect()));
    }
    root.insert("shapes".into(), Value::Object(shapes));
    Value::Object(root)
}

fn target(id: &ShapeId) -> Value {
    json!({ "target": id.as_str() })
}

fn refs(ids: &[ShapeId]) -> Value {
    Value::Array(ids.iter().map(target).collect())
}

fn put_refs(obj: &mut Map<String, Value>, key: &str, ids: &[ShapeId]) {
    if !ids.is_empty() {
        obj.insert(key.into(), refs(ids));
    }
}

fn put_traits(obj: &mut Map<String, Value>, traits: &Traits) {
    if !traits.0.is_empty() {
        obj.insert("traits".into(), Value::Object(traits.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()));
    }
}

fn member(m: &Member) -> Value {
    let mut obj = Map::new();
    obj.insert("target".into(), json!(m.target.as_str()));
    put_traits(&mut obj, &m.traits);
    Value::Object(obj)
}
