//! Model → IR. This is where Smithy meaning becomes Rust shape: names are decided (through
//! `naming`), traits are read, HTTP bindings are checked, and every reference becomes a typed
//! [`TypeRef`]. Anything the generator cannot express is reported here, naming the shape.

mod context_path;
mod endpoint;
mod event_stream;
mod http;
mod paginate;
mod protocol;
mod protocol_tests;
mod traits;
mod waiters;

use crate::error::{bail_at, ModelError, Result};
use crate::ir::*;
use crate::model::{Member, Model, Shape, ShapeId, ShapeKind};
use crate::naming::{self, Name};
use crate::passes::BOXED;
use indexmap::{IndexMap, IndexSet};
use serde_json::Value;
use traits::*;

/// Settings of the generated package.
#[derive(Clone, Debug)]
pub struct PackageOptions {
    /// Crate name; derived from the service's sdkId when `None`.
    pub name: Option<String>,
    pub version: String,
    /// Path from the generated crate to the runtime crate.
    pub runtime_path: String,
    /// Whether the crate is a member of an enclosing workspace.
    pub workspace_member: bool,
    /// Whether the crate offers the `default-chain` feature (the `credentials-chain` crate
    /// beside the runtime). Off for the clients that chain itself calls (STS, SSO, SSO-OIDC).
    pub credentials_chain: bool,
}

/// Lowers the (passed) model of `service` into the IR.
pub fn lower(model: &Model, service: &ShapeId, package: &PackageOptions) -> Result<Crate> {
    let mut cx = Lowerer::new(model, service)?;
    let service_def = cx.service_def()?;
    let mut operations = cx.operations()?;
    waiters::check_unique(&operations)?;
    let (mut types, mut errors) = cx.named_types()?;
    let mut event_streams: Vec<EventStreamDef> = std::mem::take(&mut cx.event_streams).into_values().collect();
    event_streams.sort_by(|a, b| a.union.cmp(&b.union));
    let endpoint = endpoint::lower(&model.shapes[service])?;
    compute_uses(&mut types, &mut errors, &mut operations, &event_streams);
    let name = package.name.clone().unwrap_or_else(|| naming::crate_name(&service_def.sdk_id));
    let ident = naming::crate_ident(&name).map_err(|e| ModelError::new(&service_def.shape_id, e))?;
    Ok(Crate {
        package: Package {
            ident,
            description: format!("Rust client for {}, generated from its Smithy model.", service_def.title),
            name,
            version: package.version.clone(),
            runtime_path: package.runtime_path.clone(),
            workspace_member: package.workspace_member,
            credentials_chain: package.credentials_chain,
        },
        service: service_def,
        types,
        errors,
        operations,
        endpoint,
        event_streams,
    })
}

/// Shared state of one lowering: the model, renames, and the names already taken per module
/// (to report collisions naming both shapes).
struct Lowerer<'m> {
    model: &'m Model,
    service: &'m Shape,
    renames: IndexMap<ShapeId, String>,
    taken: IndexMap<(Module, Name), String>,
    /// Named shapes referenced from members, to emit in `crate::types` / `::error`.
    referenced: IndexSet<ShapeId>,
    /// Errors whose response tests an operation has already taken (each runs once).
    error_tests_taken: IndexSet<ShapeId>,
    protocol: Protocol,
    /// Event stream unions met so far.
    event_streams: IndexMap<ShapeId, EventStreamDef>,
}

impl<'m> Lowerer<'m> {
    fn new(model: &'m Model, service: &ShapeId) -> Result<Self> {
        let shape = &model.shapes[service];
        let renames = match &shape.kind {
            ShapeKind::Service(s) => s.rename.clone(),
            _ => IndexMap::new(),
        };
        let protocol = protocol::from_service(shape)?;
        Ok(Self { model, service: shape, renames, taken: IndexMap::new(), referenced: IndexSet::new(), error_tests_taken: IndexSet::new(), protocol, event_streams: IndexMap::new() })
    }

    fn shape(&self, id: &ShapeId) -> &'m Shape {
        &self.model.shapes[id]
    }

    /// The name a shape has in this service (its `rename`, or its own).
    fn smithy_name(&self, id: &ShapeId) -> String {
        self.renames.get(id).cloned().unwrap_or_else(|| id.name().to_string())
    }

    fn claim(&mut self, module: Module, name: Name, owner: &str) -> Result<Name> {
        if let Some(prev) = self.taken.get(&(module.clone(), name.clone())) {
            if prev != owner {
                bail_at!(owner, "its Rust name `{name}` collides with `{prev}`; add a `rename` to the service");
            }
        }
        self.taken.insert((module, name.clone()), owner.to_string());
        Ok(name)
    }

    fn type_name(&self, id: &ShapeId) -> Result<Name> {
        naming::type_name(&self.smithy_name(id)).map_err(|e| ModelError::new(id, e))
    }

    fn service_def(&self) -> Result<ServiceDef> {
        let s = self.service;
        let aws = s.traits.get("aws.api#service");
        let sdk_id = aws
            .and_then(|v| v.get("sdkId"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| s.id.name().to_string());
        let signing_name = match s.traits.get("aws.auth#sigv4") {
            None => None,
            Some(v) => Some(
                v.get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ModelError::new(&s.id, "@aws.auth#sigv4 needs a string `name`"))?
                    .to_string(),
            ),
        };
        let title = s.traits.string(TITLE).map(str::to_string).unwrap_or_else(|| sdk_id.clone());
        let version = match &s.kind {
            ShapeKind::Service(svc) => svc.version.clone(),
            _ => String::new(),
        };
        let client_context_params = match s.traits.get("smithy.rules#clientContextParams") {
            None => Vec::new(),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(name, v)| {
                    let docs = v.get("documentation").and_then(Value::as_str).map(crate::docs::to_rustdoc).unwrap_or_default();
                    (name.clone(), Docs(docs))
                })
                .collect(),
            Some(_) => bail_at!(s.id, "@clientContextParams must be an object"),
        };
        Ok(ServiceDef {
            client_context_params,
            shape_id: s.id.to_string(),
            docs: docs(&s.traits, None, || format!("Client for {title}.")),
            title,
            version,
            env_suffix: naming::env_suffix(&sdk_id),
            sdk_id,
            signing_name,
            protocol: self.protocol,
            bound_operations: self.bound_operations(),
            resources: self.resources(),
        })
    }

    /// The operations bound to the service shape itself.
    fn bound_operations(&self) -> Vec<String> {
        let ShapeKind::Service(s) = &self.service.kind else { return Vec::new() };
        let mut ids: Vec<String> = s.operations.iter().map(ShapeId::to_string).collect();
        ids.sort();
        ids
    }

    /// Every resource the service reaches, with its parent and the operations it binds.
    fn resources(&self) -> Vec<ResourceDef> {
        let mut out = Vec::new();
        let mut queue: Vec<(ShapeId, ShapeId)> = match &self.service.kind {
            ShapeKind::Service(s) => s.resources.iter().map(|r| (r.clone(), self.service.id.clone())).collect(),
            _ => Vec::new(),
        };
        while let Some((id, parent)) = queue.pop() {
            let ShapeKind::Resource(r) = &self.shape(&id).kind else { continue };
            let mut operations: Vec<String> =
                r.lifecycle.values().chain(&r.operations).chain(&r.collection_operations).map(ShapeId::to_string).collect();
            operations.sort();
            operations.dedup();
            queue.extend(r.resources.iter().map(|sub| (sub.clone(), id.clone())));
            out.push(ResourceDef { shape_id: id.to_string(), parent: parent.to_string(), operations });
        }
        out.sort_by(|a, b| a.shape_id.cmp(&b.shape_id));
        out
    }

    /// Every operation bound to the service (directly or through resources), sorted by name.
    fn operation_ids(&self) -> Vec<ShapeId> {
        let mut out = IndexSet::new();
        let mut resources = Vec::new();
        if let ShapeKind::Service(s) = &self.service.kind {
            out.extend(s.operations.iter().cloned());
            resources.extend(s.resources.iter().cloned());
        }
        while let Some(r) = resources.pop() {
            if let ShapeKind::Resource(res) = &self.shape(&r).kind {
                out.extend(res.lifecycle.values().chain(&res.operations).chain(&res.collection_operations).cloned());
                resources.extend(res.resources.iter().cloned());
            }
        }
        let mut ids: Vec<ShapeId> = out.into_iter().collect();
        ids.sort_by_key(|id| id.name().to_string());
        ids
    }

    fn operations(&mut self) -> Result<Vec<OperationDef>> {
        self.operation_ids().iter().map(|id| http::operation(self, id)).collect()
    }

    /// The Rust type of a member's value.
    fn type_ref(&mut self, member: &Member, at: &ShapeId) -> Result<TypeRef> {
        let target = self.shape(&member.target);
        let format = match timestamp_format(&member.traits, at)? {
            Some(f) => Some(f),
            None => timestamp_format(&target.traits, &target.id)?,
        };
        self.target_type(target, format, at)
    }

    fn target_type(&mut self, target: &'m Shape, ts_format: Option<TimestampFormat>, at: &ShapeId) -> Result<TypeRef> {
        Ok(match &target.kind {
            ShapeKind::Blob if target.traits.has(STREAMING) => TypeRef::ByteStream,
            ShapeKind::Blob => TypeRef::Blob,
            ShapeKind::Boolean => TypeRef::Bool,
            ShapeKind::String => TypeRef::String,
            ShapeKind::Byte => TypeRef::Byte,
            ShapeKind::Short => TypeRef::Short,
            ShapeKind::Integer => TypeRef::Integer,
            ShapeKind::Long => TypeRef::Long,
            ShapeKind::Float => TypeRef::Float,
            ShapeKind::Double => TypeRef::Double,
            ShapeKind::BigInteger => TypeRef::BigInteger,
            ShapeKind::BigDecimal => TypeRef::BigDecimal,
            ShapeKind::Timestamp => TypeRef::Timestamp { format: ts_format },
            ShapeKind::Document if !protocol::supports_documents(self.protocol) => {
                bail_at!(at, "{} does not support document types", protocol::trait_id(self.protocol))
            }
            ShapeKind::Document => TypeRef::Document,
            ShapeKind::Enum(_) => TypeRef::Named(self.named(target, NamedKind::Enum)?),
            ShapeKind::IntEnum(_) => TypeRef::Named(self.named(target, NamedKind::IntEnum)?),
            ShapeKind::Union(_) if target.traits.has(STREAMING) || target.traits.has(EVENT_STREAM) => {
                if !protocol::supports_event_streams(self.protocol) {
                    bail_at!(at, "{} does not support event streams (`{}`)", protocol::trait_id(self.protocol), target.id)
                }
                TypeRef::EventStream(self.event_stream(target)?)
            }
            ShapeKind::Structure(_) if target.id.as_str() == "smithy.api#Unit" => {
                bail_at!(at, "only union members may target smithy.api#Unit")
            }
            ShapeKind::Structure(_) => TypeRef::Named(self.named(target, NamedKind::Struct)?),
            ShapeKind::Union(_) => TypeRef::Named(self.named(target, NamedKind::Union)?),
            ShapeKind::List(m) => {
                if self.shape(&m.target).traits.has(STREAMING) {
                    bail_at!(target.id, "a list cannot hold streaming blobs");
                }
                TypeRef::List { member: Box::new(self.type_ref(m, &target.id.with_member("member"))?), sparse: target.traits.has(SPARSE) }
            }
            ShapeKind::Map { key, value } => {
                let key_ty = self.type_ref(key, &target.id.with_member("key"))?;
                if !matches!(key_ty, TypeRef::String | TypeRef::Named(NamedRef { kind: NamedKind::Enum, .. })) {
                    bail_at!(target.id, "map keys must be strings");
                }
                TypeRef::Map {
                    key: Box::new(key_ty),
                    value: Box::new(self.type_ref(value, &target.id.with_member("value"))?),
                    sparse: target.traits.has(SPARSE),
                }
            }
            ShapeKind::Service(_) | ShapeKind::Operation(_) | ShapeKind::Resource(_) => {
                bail_at!(at, "a member cannot target the {} `{}`", target.kind.type_name(), target.id)
            }
        })
    }

    fn named(&mut self, target: &Shape, kind: NamedKind) -> Result<NamedRef> {
        self.referenced.insert(target.id.clone());
        let module = if target.traits.has(ERROR) { Module::Errors } else { Module::Types };
        Ok(NamedRef { name: self.type_name(&target.id)?, kind, module })
    }

    /// A structure's fields. `input` makes every member optional (inputs are
    /// `@clientOptional` by the nullability rules); `bindings` reads HTTP binding traits
    /// (top-level input/output/error members only).
    fn fields(&mut self, shape: &'m Shape, input: bool, bindings: bool) -> Result<Vec<Field>> {
        let mut fields: Vec<Field> = Vec::new();
        for m in shape.kind.members() {
            let at = shape.id.with_member(&m.name);
            let target = self.shape(&m.target);
            let name = naming::field_name(&m.name).map_err(|e| ModelError::new(&at, e))?;
            if let Some(prev) = fields.iter().find(|f| f.name == name) {
                bail_at!(at, "its Rust field name `{name}` collides with member `{}`", prev.member);
            }
            let mut ty = self.type_ref(m, &at)?;
            let mut required = m.traits.has(REQUIRED);
            let mut optional = member_optional(m, target, input);
            if let TypeRef::EventStream(r) = &mut ty {
                if !bindings {
                    bail_at!(at, "an event stream can only be the @httpPayload of an operation's input or output");
                }
                self.event_stream_direction(r, input);
                // As in the AWS SDK for Rust: an output always has its receiver.
                if !input {
                    (required, optional) = (true, false);
                }
            }
            let default = match default_trait(m, target) {
                None => None,
                Some(v) => Some(self.default_value(v, &ty, target, &at)?),
            };
            let http = if bindings && protocol::uses_http_bindings(self.protocol) { http::binding(m, target, &ty, &at)? } else { HttpBinding::Body };
            let media_type = target.traits.string(MEDIA_TYPE).map(str::to_string);
            let constraints = self.member_constraints(m, target, &at)?;
            let mut member_docs = docs(&m.traits, Some(&target.traits), || format!("The `{}` member.", m.name));
            // Clients document constraints and leave enforcing them to the service, so a
            // relaxed constraint does not break deployed clients (Smithy, "Constraint trait
            // enforcement"); the docs are where users learn them.
            if let Some(line) = constraint_docs(&constraints, &ty) {
                member_docs.0.extend([String::new(), line]);
            }
            fields.push(Field {
                docs: member_docs,
                deprecated: deprecated(&m.traits).or_else(|| deprecated(&target.traits)),
                boxed: m.traits.has(BOXED),
                optional,
                required,
                default,
                sensitive: m.traits.has(SENSITIVE) || target.traits.has(SENSITIVE),
                json_name: m.traits.string(JSON_NAME).unwrap_or(&m.name).to_string(),
                xml: protocol::xml_member(self.model, m)?,
                http,
                media_type,
                constraints,
                idempotency_token: m.traits.has(IDEMPOTENCY_TOKEN),
                host_label: m.traits.has(HOST_LABEL),
                member: m.name.clone(),
                name,
                ty,
            });
        }
        Ok(fields)
    }

    /// A member's constraints, with its elements' when it is a list.
    fn member_constraints(&self, m: &Member, target: &Shape, at: &ShapeId) -> Result<Constraints> {
        let mut c = constraints(&m.traits, &target.traits, at)?;
        if let ShapeKind::List(element) = &target.kind {
            let element_target = self.shape(&element.target);
            let e = constraints(&element.traits, &element_target.traits, &target.id.with_member("member"))?;
            if e != Constraints::default() {
                c.element = Some(Box::new(e));
            }
        }
        Ok(c)
    }

    fn default_value(&mut self, v: &Value, ty: &TypeRef, target: &Shape, at: &ShapeId) -> Result<DefaultValue> {
        let bad = || ModelError::new(at, format!("@default value {v} does not fit the {} target", target.kind.type_name()));
        Ok(match ty {
            TypeRef::Bool => DefaultValue::Bool(v.as_bool().ok_or_else(bad)?),
            TypeRef::Byte | TypeRef::Short | TypeRef::Integer | TypeRef::Long => DefaultValue::Int(v.as_i64().ok_or_else(bad)?),
            TypeRef::Float | TypeRef::Double => DefaultValue::Float(v.as_f64().ok_or_else(bad)?),
            TypeRef::BigInteger | TypeRef::BigDecimal => match v {
                Value::Number(n) => DefaultValue::String(n.to_string()),
                _ => return Err(bad()),
            },
            TypeRef::String => DefaultValue::String(v.as_str().ok_or_else(bad)?.to_string()),
            TypeRef::Blob | TypeRef::ByteStream => {
                let s = v.as_str().ok_or_else(bad)?;
                DefaultValue::Blob(crate::base64::decode(s).ok_or_else(bad)?)
            }
            TypeRef::Timestamp { .. } => match v {
                Value::Number(n) => DefaultValue::Timestamp(n.as_i64().ok_or_else(bad)?),
                _ => return Err(ModelError::new(at, "only epoch-seconds numbers are supported as timestamp defaults")),
            },
            TypeRef::Document => DefaultValue::Document(doc_value(v).ok_or_else(bad)?),
            TypeRef::List { .. } if v.as_array().is_some_and(Vec::is_empty) => DefaultValue::EmptyList,
            TypeRef::Map { .. } if v.as_object().is_some_and(|o| o.is_empty()) => DefaultValue::EmptyMap,
            TypeRef::Named(NamedRef { kind: NamedKind::Enum, .. }) => {
                let s = v.as_str().ok_or_else(bad)?;
                let ShapeKind::Enum(members) = &target.kind else { return Err(bad()) };
                let m = members.iter().find(|m| enum_value(m) == s).ok_or_else(bad)?;
                DefaultValue::EnumVariant(naming::variant_name(&m.name).map_err(|e| ModelError::new(at, e))?)
            }
            TypeRef::Named(NamedRef { kind: NamedKind::IntEnum, .. }) => {
                DefaultValue::IntEnumValue(v.as_i64().and_then(|i| i32::try_from(i).ok()).ok_or_else(bad)?)
            }
            _ => return Err(bad()),
        })
    }

    /// A structure definition for `shape` in `module` named `name`.
    fn struct_def(&mut self, shape: &'m Shape, name: Name, module: Module, input: bool, bindings: bool) -> Result<StructDef> {
        let error = match shape.traits.get(ERROR) {
            None => None,
            Some(v) => {
                let server_fault = match v.as_str() {
                    Some("client") => false,
                    Some("server") => true,
                    _ => bail_at!(shape.id, "@error must be \"client\" or \"server\""),
                };
                let status = match shape.traits.get(HTTP_ERROR) {
                    Some(code) => code
                        .as_u64()
                        .and_then(|c| u16::try_from(c).ok())
                        .filter(|c| (100..600).contains(c))
                        .ok_or_else(|| ModelError::new(&shape.id, "@httpError must be a status code"))?,
                    None if server_fault => 500,
                    None => 400,
                };
                let retryable = shape
                    .traits
                    .get(RETRYABLE)
                    .map(|r| r.get("throttling").and_then(Value::as_bool).unwrap_or(false));
                let (code, status) = protocol::error_code(self.protocol, shape, &self.smithy_name(&shape.id), status)?;
                Some(ErrorInfo { server_fault, status, retryable, code })
            }
        };
        Ok(StructDef {
            builder: naming::builder_name(&name),
            docs: docs(&shape.traits, None, || format!("The `{}` structure.", shape.id.name())),
            deprecated: deprecated(&shape.traits),
            fields: self.fields(shape, input, bindings)?,
            sensitive: shape.traits.has(SENSITIVE),
            error,
            uses: Uses::default(),
            shape_id: shape.id.to_string(),
            module,
            name,
        })
    }

    /// Every structure, union and enum referenced by a member, transitively (the worklist grows
    /// as fields are lowered).
    fn named_types(&mut self) -> Result<(Vec<TypeDef>, Vec<StructDef>)> {
        let mut types = Vec::new();
        let mut errors = Vec::new();
        let mut i = 0;
        // Error structures are emitted even when only operations (not members) refer to them.
        for op in self.operation_ids() {
            if let ShapeKind::Operation(o) = &self.shape(&op).kind {
                for e in &o.errors {
                    self.referenced.insert(e.clone());
                }
            }
        }
        while i < self.referenced.len() {
            let id = self.referenced[i].clone();
            i += 1;
            let shape = self.shape(&id);
            let name = self.type_name(&id)?;
            if shape.traits.has(ERROR) {
                let name = self.claim(Module::Errors, name, id.as_str())?;
                errors.push(self.struct_def(shape, name, Module::Errors, false, true)?);
                continue;
            }
            let name = self.claim(Module::Types, name, id.as_str())?;
            let def = match &shape.kind {
                ShapeKind::Structure(_) => TypeDef::Struct(self.struct_def(shape, name, Module::Types, false, false)?),
                ShapeKind::Union(members) => TypeDef::Union(self.union_def(shape, members, name)?),
                ShapeKind::Enum(members) => TypeDef::Enum(self.enum_def(shape, members, name)?),
                ShapeKind::IntEnum(members) => TypeDef::IntEnum(self.int_enum_def(shape, members, name)?),
                _ => continue,
            };
            types.push(def);
        }
        types.sort_by(|a, b| type_def_name(a).cmp(type_def_name(b)));
        errors.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((types, errors))
    }

    fn union_def(&mut self, shape: &'m Shape, members: &'m [Member], name: Name) -> Result<UnionDef> {
        if members.is_empty() {
            bail_at!(shape.id, "a union needs at least one member");
        }
        let mut variants: Vec<Variant> = Vec::new();
        let event_stream = shape.traits.has(STREAMING) || shape.traits.has(EVENT_STREAM);
        for m in members {
            let at = shape.id.with_member(&m.name);
            // An event stream's errors are its error enum's variants, not events.
            if event_stream && self.shape(&m.target).traits.has(ERROR) {
                continue;
            }
            let vname = naming::variant_name(&m.name).map_err(|e| ModelError::new(&at, e))?;
            if variants.iter().any(|v| v.name == vname) {
                bail_at!(at, "its Rust variant name `{vname}` collides with another member");
            }
            let target = self.shape(&m.target);
            let ty = if m.target.as_str() == "smithy.api#Unit" { None } else { Some(self.type_ref(m, &at)?) };
            variants.push(Variant {
                is_fn: naming::is_variant_fn(&vname),
                as_fn: naming::as_variant_fn(&vname),
                name: vname,
                member: m.name.clone(),
                docs: docs(&m.traits, Some(&target.traits), || format!("The `{}` variant.", m.name)),
                deprecated: deprecated(&m.traits),
                ty,
                boxed: m.traits.has(BOXED),
                json_name: m.traits.string(JSON_NAME).unwrap_or(&m.name).to_string(),
                xml: protocol::xml_member(self.model, m)?,
            });
        }
        Ok(UnionDef {
            docs: docs(&shape.traits, None, || format!("The `{}` union.", shape.id.name())),
            deprecated: deprecated(&shape.traits),
            sensitive: shape.traits.has(SENSITIVE),
            shape_id: shape.id.to_string(),
            uses: Uses::default(),
            variants,
            name,
        })
    }

    fn enum_def(&mut self, shape: &Shape, members: &[Member], name: Name) -> Result<EnumDef> {
        let mut values: Vec<EnumValue> = Vec::new();
        for m in members {
            let at = shape.id.with_member(&m.name);
            let vname = naming::variant_name(&m.name).map_err(|e| ModelError::new(&at, e))?;
            let value = enum_value(m).to_string();
            if let Some(prev) = values.iter().find(|v| v.name == vname || v.value == value) {
                bail_at!(at, "collides with enum value `{}` (same Rust variant or wire value)", prev.value);
            }
            values.push(EnumValue {
                docs: docs(&m.traits, None, || format!("The `{value}` value.")),
                deprecated: deprecated(&m.traits),
                name: vname,
                value,
            });
        }
        Ok(EnumDef {
            docs: docs(&shape.traits, None, || format!("The `{}` enum.", shape.id.name())),
            deprecated: deprecated(&shape.traits),
            sensitive: shape.traits.has(SENSITIVE),
            shape_id: shape.id.to_string(),
            uses: Uses::default(),
            values,
            name,
        })
    }

    fn int_enum_def(&mut self, shape: &Shape, members: &[Member], name: Name) -> Result<IntEnumDef> {
        let mut values: Vec<IntEnumValue> = Vec::new();
        for m in members {
            let at = shape.id.with_member(&m.name);
            let vname = naming::variant_name(&m.name).map_err(|e| ModelError::new(&at, e))?;
            let value = m
                .traits
                .get(ENUM_VALUE)
                .and_then(Value::as_i64)
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| ModelError::new(&at, "intEnum members need an integer @enumValue"))?;
            if values.iter().any(|v| v.name == vname || v.value == value) {
                bail_at!(at, "collides with another intEnum value (same Rust variant or value)");
            }
            values.push(IntEnumValue {
                docs: docs(&m.traits, None, || format!("The `{value}` value.")),
                deprecated: deprecated(&m.traits),
                name: vname,
                value,
            });
        }
        Ok(IntEnumDef {
            docs: docs(&shape.traits, None, || format!("The `{}` intEnum.", shape.id.name())),
            deprecated: deprecated(&shape.traits),
            shape_id: shape.id.to_string(),
            uses: Uses::default(),
            values,
            name,
        })
    }
}

/// The member's `@default`, or its target's; `None` for no default or `@default(null)`.
fn default_trait<'a>(m: &'a Member, target: &'a Shape) -> Option<&'a Value> {
    match m.traits.get(DEFAULT).or_else(|| target.traits.get(DEFAULT)) {
        None | Some(Value::Null) => None,
        Some(v) => Some(v),
    }
}

/// Smithy 2.0 nullability for clients ("Structure member optionality"): members of input
/// structures are always optional; otherwise a member is non-null when it has a default or is
/// required, unless it is `@clientOptional`.
fn member_optional(m: &Member, target: &Shape, input: bool) -> bool {
    input || m.traits.has(CLIENT_OPTIONAL) || (default_trait(m, target).is_none() && !m.traits.has(REQUIRED))
}

/// An enum member's wire value: `@enumValue`, or the member name.
fn enum_value(m: &Member) -> &str {
    m.traits.string(ENUM_VALUE).unwrap_or(&m.name)
}

fn type_def_name(t: &TypeDef) -> &Name {
    match t {
        TypeDef::Struct(s) => &s.name,
        TypeDef::Union(u) => &u.name,
        TypeDef::Enum(e) => &e.name,
        TypeDef::IntEnum(e) => &e.name,
    }
}

/// Marks which named types need a JSON serializer (reachable from request bodies), a
/// deserializer (reachable from responses and errors) and a zero value (targets of required
/// members filled by error correction when a response omits them).
fn compute_uses(types: &mut [TypeDef], errors: &mut [StructDef], operations: &mut [OperationDef], event_streams: &[EventStreamDef]) {
    let mut ser: IndexSet<Name> = IndexSet::new();
    // Types a waiter's paths can reach: from the inputs and outputs its acceptors read.
    let mut waiter: IndexSet<Name> = IndexSet::new();
    let mut de: IndexSet<Name> = IndexSet::new();
    let mut zero: IndexSet<Name> = IndexSet::new();
    let by_name: IndexMap<Name, &TypeDef> = types.iter().map(|t| (type_def_name(t).clone(), t)).collect();

    fn field_targets(ty: &TypeRef, out: &mut Vec<Name>) {
        match ty {
            TypeRef::Named(n) if n.module == Module::Types => out.push(n.name.clone()),
            TypeRef::List { member, .. } => field_targets(member, out),
            TypeRef::Map { key, value, .. } => {
                field_targets(key, out);
                field_targets(value, out);
            }
            _ => {}
        }
    }
    fn children(t: &TypeDef) -> Vec<Name> {
        let mut out = Vec::new();
        match t {
            TypeDef::Struct(s) => s.fields.iter().for_each(|f| field_targets(&f.ty, &mut out)),
            TypeDef::Union(u) => u.variants.iter().filter_map(|v| v.ty.as_ref()).for_each(|ty| field_targets(ty, &mut out)),
            _ => {}
        }
        out
    }
    let close = |set: &mut IndexSet<Name>| {
        let mut i = 0;
        while i < set.len() {
            if let Some(t) = by_name.get(&set[i]) {
                for c in children(t) {
                    set.insert(c);
                }
            }
            i += 1;
        }
    };
    for op in operations.iter_mut() {
        let reads_input = op.waiters.iter().any(WaiterDef::reads_input);
        let reads_output = op.waiters.iter().any(WaiterDef::reads_output);
        let mut w = Vec::new();
        if reads_input {
            op.input.uses.waiter = true;
            op.input.fields.iter().for_each(|f| field_targets(&f.ty, &mut w));
        }
        if reads_output {
            op.output.uses.waiter = true;
            op.output.fields.iter().for_each(|f| field_targets(&f.ty, &mut w));
        }
        waiter.extend(w);
    }
    for op in operations.iter() {
        let mut s = Vec::new();
        op.input.fields.iter().for_each(|f| field_targets(&f.ty, &mut s));
        ser.extend(s);
        let mut d = Vec::new();
        op.output.fields.iter().for_each(|f| field_targets(&f.ty, &mut d));
        de.extend(d);
    }
    for e in errors.iter() {
        let mut d = Vec::new();
        e.fields.iter().for_each(|f| field_targets(&f.ty, &mut d));
        de.extend(d);
    }
    // An event's members are written one by one into headers and its payload (the event
    // structure and the union themselves have no JSON form), so what they hold is reached.
    let mut sent_errors: IndexSet<Name> = IndexSet::new();
    for es in event_streams {
        for ev in &es.events {
            let Some(TypeDef::Struct(s)) = ev.ty.as_ref().and_then(|t| by_name.get(t)) else { continue };
            let mut out = Vec::new();
            s.fields.iter().for_each(|f| field_targets(&f.ty, &mut out));
            if es.sent {
                ser.extend(out.iter().cloned());
            }
            if es.received {
                de.extend(out);
            }
        }
        if es.sent {
            for e in &es.errors {
                sent_errors.insert(e.variant.ty.clone());
                if let Some(s) = errors.iter().find(|s| s.name == e.variant.ty) {
                    let mut out = Vec::new();
                    s.fields.iter().for_each(|f| field_targets(&f.ty, &mut out));
                    ser.extend(out);
                }
            }
        }
    }
    close(&mut ser);
    close(&mut de);
    close(&mut waiter);
    // Zero values: required, non-optional, default-less members of deserialized structures.
    let required_targets = |fields: &[Field], out: &mut IndexSet<Name>| {
        for f in fields.iter().filter(|f| !f.optional && f.default.is_none()) {
            if let TypeRef::Named(n) = &f.ty {
                if n.module == Module::Types {
                    out.insert(n.name.clone());
                }
            }
        }
    };
    for op in operations.iter() {
        required_targets(&op.output.fields, &mut zero);
    }
    for e in errors.iter() {
        required_targets(&e.fields, &mut zero);
    }
    for t in types.iter() {
        if let TypeDef::Struct(s) = t {
            if de.contains(&s.name) {
                required_targets(&s.fields, &mut zero);
            }
        }
    }
    let mut i = 0;
    while i < zero.len() {
        if let Some(TypeDef::Struct(s)) = by_name.get(&zero[i]) {
            let mut more = IndexSet::new();
            required_targets(&s.fields, &mut more);
            zero.extend(more);
        }
        i += 1;
    }
    for t in types.iter_mut() {
        let name = type_def_name(t).clone();
        let uses = Uses { ser: ser.contains(&name), de: de.contains(&name), zero: zero.contains(&name), waiter: waiter.contains(&name) };
        match t {
            TypeDef::Struct(s) => s.uses = uses,
            TypeDef::Union(u) => u.uses = uses,
            TypeDef::Enum(e) => e.uses = uses,
            TypeDef::IntEnum(e) => e.uses = uses,
        }
    }
    for e in errors.iter_mut() {
        e.uses = Uses { ser: sent_errors.contains(&e.name), de: true, zero: false, waiter: false };
    }
}

/// One Markdown line describing a member's constraints ("Length: 1 to 1600 characters.
/// Pattern: `...`."), or `None` when it has none.
fn constraint_docs(c: &Constraints, ty: &TypeRef) -> Option<String> {
    let Constraints { length, range, pattern, element } = c;
    let mut parts = Vec::new();
    if let Some((min, max)) = length {
        let (one, many) = match ty {
            TypeRef::String => (" character", " characters"),
            TypeRef::Blob | TypeRef::ByteStream => (" byte", " bytes"),
            TypeRef::List { .. } => (" item", " items"),
            TypeRef::Map { .. } => (" entry", " entries"),
            _ => ("", ""),
        };
        // The unit agrees with the number it follows: "at least 1 character", "1 to 5 characters".
        let unit = |n: &u64| if *n == 1 { one } else { many };
        let bounds = match (min, max) {
            (Some(a), Some(b)) if a == b => format!("exactly {a}{}", unit(a)),
            (Some(a), Some(b)) => format!("{a} to {b}{many}"),
            (Some(a), None) => format!("at least {a}{}", unit(a)),
            (None, Some(b)) => format!("at most {b}{}", unit(b)),
            (None, None) => String::new(),
        };
        if !bounds.is_empty() {
            parts.push(format!("Length: {bounds}."));
        }
    }
    if let Some((min, max)) = range {
        let n = |v: &f64| if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", *v as i64) } else { v.to_string() };
        let bounds = match (min, max) {
            (Some(a), Some(b)) => format!("{} to {}", n(a), n(b)),
            (Some(a), None) => format!("at least {}", n(a)),
            (None, Some(b)) => format!("at most {}", n(b)),
            (None, None) => String::new(),
        };
        if !bounds.is_empty() {
            parts.push(format!("Range: {bounds}."));
        }
    }
    if let Some(p) = pattern {
        // A code span needs a fence longer than any backtick run inside it.
        let fence = "`".repeat(p.split(|c| c != '`').map(str::len).max().unwrap_or(0) + 1);
        let pad = if p.starts_with('`') || p.ends_with('`') { " " } else { "" };
        parts.push(format!("Pattern: {fence}{pad}{p}{pad}{fence}."));
    }
    if let Some(e) = element {
        let member = match ty {
            TypeRef::List { member, .. } => member.as_ref(),
            _ => ty,
        };
        if let Some(line) = constraint_docs(e, member) {
            parts.push(format!("Each item: {line}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod constraint_docs_tests {
    use super::*;

    #[test]
    fn constraints_become_one_doc_line() {
        let c = Constraints { length: Some((Some(5), Some(1600))), pattern: Some("^arn:.*$".into()), ..Default::default() };
        assert_eq!(constraint_docs(&c, &TypeRef::String).as_deref(), Some("Length: 5 to 1600 characters. Pattern: `^arn:.*$`."));
        let c = Constraints { range: Some((Some(1.0), Some(50.0))), ..Default::default() };
        assert_eq!(constraint_docs(&c, &TypeRef::Integer).as_deref(), Some("Range: 1 to 50."));
        let c = Constraints { range: Some((None, Some(0.5))), ..Default::default() };
        assert_eq!(constraint_docs(&c, &TypeRef::Double).as_deref(), Some("Range: at most 0.5."));
        let list = TypeRef::List { member: Box::new(TypeRef::String), sparse: false };
        let element = Constraints { length: Some((Some(1), None)), ..Default::default() };
        let c = Constraints { length: Some((None, Some(10))), element: Some(Box::new(element)), ..Default::default() };
        assert_eq!(constraint_docs(&c, &list).as_deref(), Some("Length: at most 10 items. Each item: Length: at least 1 character."));
        let c = Constraints { pattern: Some("a`b".into()), ..Default::default() };
        assert_eq!(constraint_docs(&c, &TypeRef::String).as_deref(), Some("Pattern: ``a`b``."));
        assert_eq!(constraint_docs(&Constraints::default(), &TypeRef::String), None);
        let map = TypeRef::Map { key: Box::new(TypeRef::String), value: Box::new(TypeRef::String), sparse: false };
        let c = Constraints { length: Some((Some(1), Some(1))), ..Default::default() };
        assert_eq!(constraint_docs(&c, &map).as_deref(), Some("Length: exactly 1 entry."));
        let c = Constraints { length: Some((Some(0), Some(1))), ..Default::default() };
        assert_eq!(constraint_docs(&c, &TypeRef::Blob).as_deref(), Some("Length: 0 to 1 bytes."));
    }
}
