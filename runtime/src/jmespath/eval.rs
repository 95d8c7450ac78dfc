//! Evaluation of a syntax tree against a value. Results borrow from the input where they can
//! (a field, an index) and are owned where they are built (projections, multiselects).

use super::parser::{Ast, Cmp, Node};
use super::JmespathError;
use crate::document::{Document, Number};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

pub(super) type Value<'a> = Cow<'a, Document>;

const NULL: &Document = &Document::Null;

/// JMESPath truthiness: `false`, `null`, and empty strings, arrays and objects are false;
/// everything else (every number included) is true.
pub fn is_truthy(value: &Document) -> bool {
    match value {
        Document::Null => false,
        Document::Bool(b) => *b,
        Document::String(s) => !s.is_empty(),
        Document::Array(a) => !a.is_empty(),
        Document::Object(o) => !o.is_empty(),
        Document::Number(_) => true,
    }
}

/// Applies `f` to a value that may be borrowed from the input or owned, keeping borrows.
fn then<'a>(value: Value<'a>, f: impl for<'b> FnOnce(&'b Document) -> Result<Value<'b>, JmespathError>) -> Result<Value<'a>, JmespathError> {
    match value {
        Cow::Borrowed(v) => f(v),
        Cow::Owned(v) => f(&v).map(|r| Cow::Owned(r.into_owned())),
    }
}

/// Evaluates `ast` against `data`.
pub(super) fn eval<'a>(ast: &Ast, data: &'a Document) -> Result<Value<'a>, JmespathError> {
    match &ast.node {
        Node::Current => Ok(Cow::Borrowed(data)),
        Node::Field(name) => Ok(Cow::Borrowed(match data {
            Document::Object(m) => m.get(name).unwrap_or(NULL),
            _ => NULL,
        })),
        Node::Literal(v) => Ok(Cow::Owned(v.clone())),
        Node::Chain(steps) => {
            let mut current: Value<'a> = Cow::Borrowed(data);
            for step in steps {
                current = then(current, |v| eval(step, v))?;
            }
            Ok(current)
        }
        Node::Index(i) => Ok(Cow::Borrowed(match data {
            Document::Array(items) => {
                let len = items.len() as i128;
                let i = i128::from(*i);
                let at = if i < 0 { len + i } else { i };
                usize::try_from(at).ok().and_then(|at| items.get(at)).unwrap_or(NULL)
            }
            _ => NULL,
        })),
        Node::Slice { start, stop, step } => match data {
            Document::Array(items) => Ok(Cow::Owned(Document::Array(slice(items, *start, *stop, *step)))),
            _ => Ok(Cow::Borrowed(NULL)),
        },
        Node::Projection(left, right) => {
            let base = eval(left, data)?;
            let Document::Array(items) = base.as_ref() else { return Ok(Cow::Borrowed(NULL)) };
            let mut out = Vec::new();
            for item in items {
                let v = eval(right, item)?;
                if !v.is_null() {
                    out.push(v.into_owned());
                }
            }
            Ok(Cow::Owned(Document::Array(out)))
        }
        Node::ValueProjection(left, right) => {
            let base = eval(left, data)?;
            let Document::Object(members) = base.as_ref() else { return Ok(Cow::Borrowed(NULL)) };
            let mut out = Vec::new();
            for item in members.values() {
                let v = eval(right, item)?;
                if !v.is_null() {
                    out.push(v.into_owned());
                }
            }
            Ok(Cow::Owned(Document::Array(out)))
        }
        Node::FilterProjection { left, right, cond } => {
            let base = eval(left, data)?;
            let Document::Array(items) = base.as_ref() else { return Ok(Cow::Borrowed(NULL)) };
            let mut out = Vec::new();
            for item in items {
                if !is_truthy(eval(cond, item)?.as_ref()) {
                    continue;
                }
                let v = eval(right, item)?;
                if !v.is_null() {
                    out.push(v.into_owned());
                }
            }
            Ok(Cow::Owned(Document::Array(out)))
        }
        Node::Flatten(inner) => {
            let base = eval(inner, data)?;
            let Document::Array(items) = base.as_ref() else { return Ok(Cow::Borrowed(NULL)) };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Document::Array(nested) => out.extend(nested.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
            Ok(Cow::Owned(Document::Array(out)))
        }
        Node::MultiList(items) => {
            if data.is_null() {
                return Ok(Cow::Borrowed(NULL));
            }
            let values = items.iter().map(|i| eval(i, data).map(Cow::into_owned)).collect::<Result<Vec<_>, _>>()?;
            Ok(Cow::Owned(Document::Array(values)))
        }
        Node::MultiHash(pairs) => {
            if data.is_null() {
                return Ok(Cow::Borrowed(NULL));
            }
            let mut out = BTreeMap::new();
            for (key, value) in pairs {
                out.insert(key.clone(), eval(value, data)?.into_owned());
            }
            Ok(Cow::Owned(Document::Object(out)))
        }
        Node::Or(left, right) => {
            let l = eval(left, data)?;
            if is_truthy(&l) {
                Ok(l)
            } else {
                eval(right, data)
            }
        }
        Node::And(left, right) => {
            let l = eval(left, data)?;
            if is_truthy(&l) {
                eval(right, data)
            } else {
                Ok(l)
            }
        }
        Node::Not(inner) => Ok(Cow::Owned(Document::Bool(!is_truthy(eval(inner, data)?.as_ref())))),
        Node::Compare(op, left, right) => {
            let (l, r) = (eval(left, data)?, eval(right, data)?);
            Ok(Cow::Owned(compare(*op, &l, &r)))
        }
        Node::Pipe(left, right) => {
            let l = eval(left, data)?;
            then(l, |v| eval(right, v))
        }
        Node::Call(function, args) => super::functions::call(*function, args, data).map(Cow::Owned),
        // An expression reference outside a function argument has no value of its own.
        Node::Expref(_) => Err(JmespathError::invalid_type("an expression reference (`&...`) can only be a function argument")),
    }
}

/// Elements `start..stop` by `step` (Python slice semantics; `step` is never 0).
fn slice(items: &[Document], start: Option<i64>, stop: Option<i64>, step: i64) -> Vec<Document> {
    let len = items.len() as i128;
    let step = i128::from(step);
    let clamp = |v: Option<i64>, default: i128| -> i128 {
        match v {
            None => default,
            Some(v) => {
                let v = i128::from(v);
                let v = if v < 0 { v + len } else { v };
                if step > 0 {
                    v.clamp(0, len)
                } else {
                    v.clamp(-1, len - 1)
                }
            }
        }
    };
    let (start, stop) = if step > 0 { (clamp(start, 0), clamp(stop, len)) } else { (clamp(start, len - 1), clamp(stop, -1)) };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        if let Some(item) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
            out.push(item.clone());
        }
        i += step;
    }
    out
}

fn compare(op: Cmp, l: &Document, r: &Document) -> Document {
    match op {
        Cmp::Eq => Document::Bool(json_eq(l, r)),
        Cmp::Ne => Document::Bool(!json_eq(l, r)),
        _ => {
            let (Document::Number(a), Document::Number(b)) = (l, r) else { return Document::Null };
            let Some(ord) = cmp_numbers(*a, *b) else { return Document::Null };
            Document::Bool(match op {
                Cmp::Lt => ord == Ordering::Less,
                Cmp::Le => ord != Ordering::Greater,
                Cmp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            })
        }
    }
}

/// Compares two numbers by value: exactly when both are integers, as `f64` otherwise.
pub(super) fn cmp_numbers(a: Number, b: Number) -> Option<Ordering> {
    let int = |n: Number| match n {
        Number::PosInt(v) => Some(i128::from(v)),
        Number::NegInt(v) => Some(i128::from(v)),
        Number::Float(_) => None,
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.to_f64_lossy().partial_cmp(&b.to_f64_lossy()),
    }
}

/// Deep equality with numbers compared by value.
pub(super) fn json_eq(a: &Document, b: &Document) -> bool {
    match (a, b) {
        (Document::Number(x), Document::Number(y)) => cmp_numbers(*x, *y) == Some(Ordering::Equal),
        (Document::Array(x), Document::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Document::Object(x), Document::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
