//! `@paginated`: the operation's trait merged over the service's, resolved to input and output
//! fields. When the trait names no `items` and the output has exactly one list member, that
//! member is taken as the items (documented on the generated paginator as an inference).

use super::traits::PAGINATED;
use super::Lowerer;
use crate::error::{bail_at, ModelError, Result};
use crate::ir::{Field, PathStep, Paginator, PaginatorItems, StructDef, TypeRef};
use crate::model::ShapeId;
use crate::naming;
use crate::model::Shape;
use serde_json::Value;

pub(super) fn paginator(cx: &mut Lowerer, op: &Shape, input: &StructDef, output: &StructDef) -> Result<Option<Paginator>> {
    let Some(own) = op.traits.get(PAGINATED) else { return Ok(None) };
    let service = cx.service.traits.get(PAGINATED);
    let setting = |key: &str| -> Result<Option<String>> {
        match own.get(key).or_else(|| service.and_then(|s| s.get(key))) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => bail_at!(op.id, "@paginated `{key}` must be a string"),
        }
    };
    let (Some(input_token), Some(output_token)) = (setting("inputToken")?, setting("outputToken")?) else {
        bail_at!(op.id, "@paginated needs `inputToken` and `outputToken` (on the operation or the service)");
    };
    let input_field = top_field(input, &input_token, op, "inputToken")?;
    if input_field.ty != TypeRef::String {
        bail_at!(op.id, "@paginated inputToken `{input_token}` must target a string");
    }
    let output_id = ShapeId::parse(&output.shape_id).expect("lowered from a valid id");
    let (output_path, token_ty) = path(cx, &output_id, &output_token, op, "outputToken")?;
    if token_ty != TypeRef::String {
        bail_at!(op.id, "@paginated outputToken `{output_token}` must target a string");
    }
    let page_size = match setting("pageSize")? {
        Some(p) => {
            let f = top_field(input, &p, op, "pageSize")?;
            if !matches!(f.ty, TypeRef::Integer | TypeRef::Long | TypeRef::Short | TypeRef::Byte) {
                bail_at!(op.id, "@paginated pageSize `{p}` must target an integer");
            }
            Some(f.name.clone())
        }
        None => None,
    };
    let items = match setting("items")? {
        Some(i) => {
            let (path, ty) = path(cx, &output_id, &i, op, "items")?;
            Some(PaginatorItems { path, item: item_type(ty, op)?, inferred: false })
        }
        None => {
            let lists: Vec<&Field> = output.fields.iter().filter(|f| matches!(f.ty, TypeRef::List { .. })).collect();
            match lists.as_slice() {
                [only] => Some(PaginatorItems {
                    path: vec![PathStep { field: only.name.clone(), optional: only.optional }], item: item_type(only.ty.clone(), op)?, inferred: true }),
                _ => None,
            }
        }
    };
    let type_name = naming::type_name(&cx.smithy_name(&op.id)).map_err(|e| ModelError::new(&op.id, e))?;
    let (name, items_name) = naming::paginator_names(&type_name);
    Ok(Some(Paginator { name, items_name, input_token: input_field.name.clone(), output_token: output_path, page_size, items }))
}

fn top_field<'a>(def: &'a StructDef, member: &str, op: &Shape, what: &str) -> Result<&'a Field> {
    def.fields
        .iter()
        .find(|f| f.member == member)
        .ok_or_else(|| ModelError::new(&op.id, format!("@paginated {what} `{member}` is not a member of the input")))
}

/// Resolves a dotted member path (`Result.NextToken`) through nested structures.
fn path(cx: &mut Lowerer, output: &ShapeId, dotted: &str, op: &Shape, what: &str) -> Result<(Vec<PathStep>, TypeRef)> {
    let mut shape = cx.shape(output);
    let mut steps = Vec::new();
    let mut ty = None;
    for part in dotted.split('.') {
        let m = shape
            .member(part)
            .ok_or_else(|| ModelError::new(&op.id, format!("@paginated {what} `{dotted}`: no member `{part}`")))?;
        let at = shape.id.with_member(part);
        let field = naming::field_name(part).map_err(|e| ModelError::new(&at, e))?;
        let target = cx.shape(&m.target);
        steps.push(PathStep { field, optional: super::member_optional(m, target, false) });
        ty = Some(cx.type_ref(m, &at)?);
        shape = target;
    }
    Ok((steps, ty.expect("a split always yields one part")))
}

fn item_type(ty: TypeRef, op: &Shape) -> Result<TypeRef> {
    match ty {
        TypeRef::List { member, .. } => Ok(*member),
        TypeRef::Map { .. } => Ok(ty),
        _ => bail_at!(op.id, "@paginated items must target a list or map"),
    }
}
