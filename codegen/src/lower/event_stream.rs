//! Event streams (`@streaming` unions, spec "Event streams" of `streaming.rst`): each union
//! becomes an [`EventStreamDef`] saying how every event and error travels as a message —
//! `@eventHeader` members as message headers, the `@eventPayload` member (or the remaining
//! members, as one JSON object) as the payload, `@error` members as exception messages.

use super::traits::*;
use super::Lowerer;
use crate::error::{bail_at, ModelError, Result};
use crate::ir::*;
use crate::model::{Shape, ShapeKind};
use crate::naming;
use serde_json::Value;

const EVENT_HEADER: &str = "smithy.api#eventHeader";
const EVENT_PAYLOAD: &str = "smithy.api#eventPayload";

impl<'m> Lowerer<'m> {
    /// The member type of event stream `union`, lowering the stream the first time it is seen.
    pub(super) fn event_stream(&mut self, union: &'m Shape) -> Result<EventStreamRef> {
        if let Some(def) = self.event_streams.get(&union.id) {
            return Ok(EventStreamRef { union: def.union.clone(), error: def.error.clone(), sender: false });
        }
        let ShapeKind::Union(members) = &union.kind else { bail_at!(union.id, "an event stream must be a union") };
        let name = super::Lowerer::named(self, union, NamedKind::Union)?.name;
        let error = naming::type_name_with(&self.smithy_name(&union.id), "Error").map_err(|e| ModelError::new(&union.id, e))?;
        let error = self.claim(Module::Errors, error, &format!("{} (its error enum)", union.id))?;
        let mut events = Vec::new();
        let mut errors = Vec::new();
        for m in members {
            let at = union.id.with_member(&m.name);
            let variant = naming::variant_name(&m.name).map_err(|e| ModelError::new(&at, e))?;
            if m.target.as_str() == "smithy.api#Unit" {
                events.push(EventDef { variant, member: m.name.clone(), ty: None, headers: Vec::new(), payload: None });
                continue;
            }
            let target = self.shape(&m.target);
            let ShapeKind::Structure(fields) = &target.kind else {
                bail_at!(at, "an event stream member must target a structure, not a {}", target.kind.type_name())
            };
            if target.traits.has(ERROR) {
                let ty = self.named(target, NamedKind::Struct)?.name;
                errors.push(EventErrorDef {
                    variant: ErrorVariant {
                        is_fn: naming::is_variant_fn(&variant),
                        variant,
                        ty,
                        code: m.name.clone(),
                        docs: docs(&m.traits, Some(&target.traits), || format!("The `{}` error event.", m.name)),
                        retryable: target.traits.get(RETRYABLE).map(|r| r.get("throttling").and_then(Value::as_bool).unwrap_or(false)),
                    },
                    member: m.name.clone(),
                });
                continue;
            }
            let ty = self.named(target, NamedKind::Struct)?.name;
            let mut headers = Vec::new();
            let mut payload = None;
            for f in fields {
                let fat = target.id.with_member(&f.name);
                let field = naming::field_name(&f.name).map_err(|e| ModelError::new(&fat, e))?;
                let ftarget = self.shape(&f.target);
                if f.traits.has(EVENT_HEADER) {
                    if !matches!(
                        ftarget.kind,
                        ShapeKind::Boolean | ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long
                            | ShapeKind::Blob | ShapeKind::String | ShapeKind::Timestamp | ShapeKind::Enum(_) | ShapeKind::IntEnum(_)
                    ) {
                        bail_at!(fat, "@eventHeader members must target a boolean, byte, short, integer, long, blob, string or timestamp");
                    }
                    headers.push(field);
                } else if f.traits.has(EVENT_PAYLOAD) {
                    if payload.is_some() {
                        bail_at!(fat, "only one member of an event may be the @eventPayload");
                    }
                    if !matches!(ftarget.kind, ShapeKind::Blob | ShapeKind::String | ShapeKind::Structure(_) | ShapeKind::Union(_)) {
                        bail_at!(fat, "@eventPayload must target a blob, string, structure or union");
                    }
                    payload = Some(field);
                }
            }
            if payload.is_some() && fields.iter().any(|f| !f.traits.has(EVENT_HEADER) && !f.traits.has(EVENT_PAYLOAD)) {
                bail_at!(target.id, "with an @eventPayload member, every other member must be an @eventHeader");
            }
            events.push(EventDef { variant, member: m.name.clone(), ty: Some(ty), headers, payload });
        }
        let def = EventStreamDef {
            union: name.clone(),
            error: error.clone(),
            shape_id: union.id.to_string(),
            docs: docs(&union.traits, None, || format!("The `{}` event stream.", union.id.name())),
            events,
            errors,
            sent: false,
            received: false,
        };
        self.event_streams.insert(union.id.clone(), def);
        Ok(EventStreamRef { union: name, error, sender: false })
    }

    /// Records that an input (`sender`) or an output carries event stream `union`.
    pub(super) fn event_stream_direction(&mut self, r: &mut EventStreamRef, sender: bool) {
        r.sender = sender;
        if let Some(def) = self.event_streams.values_mut().find(|d| d.union == r.union) {
            if sender {
                def.sent = true;
            } else {
                def.received = true;
            }
        }
    }
}
