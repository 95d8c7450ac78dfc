//! `smithy.waiters#waitable`: an operation's waiters, checked against the waiters
//! specification (names, delays, one matcher per acceptor, a success acceptor, comparators)
//! and resolved to [`WaiterDef`]s. JMESPath paths are kept as text; the runtime parses them
//! (the generator does not depend on the runtime).

use super::Lowerer;
use crate::error::{bail_at, ModelError, Result};
use crate::ir::{AcceptorDef, Docs, MatcherDef, PathComparator, WaiterDef, WaiterState};
use crate::model::{Shape, ShapeKind};
use crate::naming;
use serde_json::Value;

pub(super) const WAITABLE: &str = "smithy.waiters#waitable";

/// The waiters of operation `op`, sorted by name.
pub(super) fn waiters(cx: &Lowerer, op: &Shape) -> Result<Vec<WaiterDef>> {
    let Some(trait_value) = op.traits.get(WAITABLE) else { return Ok(Vec::new()) };
    let Value::Object(map) = trait_value else { bail_at!(op.id, "@waitable must be an object of waiters") };
    let has_output = match &op.kind {
        ShapeKind::Operation(o) => o.output.as_str() != "smithy.api#Unit",
        _ => false,
    };
    let mut out = Vec::new();
    for (name, w) in map {
        let at = format!("{}: waiter `{name}`", op.id);
        let [module, method, builder, final_poll, error] = naming::waiter_names(name).map_err(|e| ModelError::new(&at, e))?;
        let Value::Object(w) = w else { bail_at!(at, "must be an object") };
        let delay = |key: &str, default: u64| -> Result<u64> {
            match w.get(key) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v.as_u64().filter(|d| *d >= 1).ok_or_else(|| ModelError::new(&at, format!("`{key}` must be an integer of at least 1"))),
            }
        };
        let (min_delay, max_delay) = (delay("minDelay", 2)?, delay("maxDelay", 120)?);
        if min_delay > max_delay {
            bail_at!(at, "`minDelay` ({min_delay}) must not exceed `maxDelay` ({max_delay})");
        }
        let Some(Value::Array(list)) = w.get("acceptors") else { bail_at!(at, "needs a list of `acceptors`") };
        let acceptors = list.iter().enumerate().map(|(i, a)| acceptor(cx, op, a, has_output, &format!("{at}, acceptor {i}"))).collect::<Result<Vec<_>>>()?;
        if !acceptors.iter().any(|a| a.state == WaiterState::Success) {
            bail_at!(at, "needs an acceptor with the `success` state");
        }
        let docs = match w.get("documentation").and_then(Value::as_str) {
            Some(d) => Docs(crate::docs::to_rustdoc(d)),
            None => Docs(vec![format!("Waits until the `{}` operation reaches the `{name}` state.", op.id.name())]),
        };
        out.push(WaiterDef {
            name: name.clone(),
            module,
            method,
            builder,
            final_poll,
            error,
            docs,
            deprecated: w.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
            min_delay,
            max_delay,
            acceptors,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn acceptor(cx: &Lowerer, op: &Shape, a: &Value, has_output: bool, at: &str) -> Result<AcceptorDef> {
    let state = match a.get("state").and_then(Value::as_str) {
        Some("success") => WaiterState::Success,
        Some("failure") => WaiterState::Failure,
        Some("retry") => WaiterState::Retry,
        other => bail_at!(at, "`state` must be success, failure or retry, not {}", other.map_or("nothing".to_string(), |s| format!("`{s}`"))),
    };
    let Some(Value::Object(m)) = a.get("matcher") else { bail_at!(at, "needs a `matcher` object") };
    if m.len() != 1 {
        bail_at!(at, "a matcher sets exactly one of output, inputOutput, success and errorType");
    }
    let (kind, v) = m.iter().next().ok_or_else(|| ModelError::new(at, "empty matcher"))?;
    let matcher = match kind.as_str() {
        "output" | "inputOutput" => {
            if !has_output {
                bail_at!(at, "an `{kind}` matcher needs an operation with output");
            }
            let path = v.get("path").and_then(Value::as_str).filter(|p| !p.trim().is_empty()).ok_or_else(|| ModelError::new(at, "a path matcher needs a `path`"))?;
            let expected = v.get("expected").and_then(Value::as_str).ok_or_else(|| ModelError::new(at, "a path matcher needs a string `expected`"))?;
            let comparator = match v.get("comparator").and_then(Value::as_str) {
                Some("stringEquals") => PathComparator::StringEquals,
                Some("booleanEquals") => PathComparator::BooleanEquals,
                Some("allStringEquals") => PathComparator::AllStringEquals,
                Some("anyStringEquals") => PathComparator::AnyStringEquals,
                other => bail_at!(at, "unknown comparator {}", other.map_or("(none)".to_string(), |c| format!("`{c}`"))),
            };
            if comparator == PathComparator::BooleanEquals && !matches!(expected, "true" | "false") {
                bail_at!(at, "booleanEquals expects \"true\" or \"false\", not {expected:?}");
            }
            let (path, expected) = (path.to_string(), expected.to_string());
            if kind == "output" {
                MatcherDef::Output { path, comparator, expected }
            } else {
                MatcherDef::InputOutput { path, comparator, expected }
            }
        }
        "success" => MatcherDef::Success(v.as_bool().ok_or_else(|| ModelError::new(at, "`success` must be a boolean"))?),
        "errorType" => {
            let given = v.as_str().filter(|s| !s.is_empty()).ok_or_else(|| ModelError::new(at, "`errorType` must be a string"))?;
            // An absolute shape id matches on its name; a relative name may be an error the
            // model does not define.
            let name = given.rsplit_once('#').map_or(given, |(_, n)| n);
            let mut codes = vec![name.to_string()];
            if let ShapeKind::Operation(o) = &op.kind {
                for e in o.errors.iter().filter(|e| e.name() == name) {
                    let (code, _) = super::protocol::error_code(cx.protocol, cx.shape(e), &cx.smithy_name(e), 0)?;
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
            }
            MatcherDef::ErrorType(codes)
        }
        other => bail_at!(at, "unknown matcher `{other}`"),
    };
    let message = match a.get("message") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) if state == WaiterState::Failure && has_output => Some(m.clone()),
        Some(Value::String(_)) => bail_at!(at, "a `message` is only allowed on failure acceptors of operations with output"),
        Some(_) => bail_at!(at, "`message` must be a string"),
    };
    Ok(AcceptorDef { state, matcher, message })
}

/// Waiter names must be unique in the service, ignoring case (Smithy waiters spec).
pub(super) fn check_unique(ops: &[crate::ir::OperationDef]) -> Result<()> {
    let mut seen: Vec<(String, &str)> = Vec::new();
    for op in ops {
        for w in &op.waiters {
            let key = w.name.to_ascii_lowercase();
            if let Some((_, other)) = seen.iter().find(|(k, _)| *k == key) {
                bail_at!(op.shape_id, "waiter `{}` has the same name (ignoring case) as a waiter of {other}", w.name);
            }
            seen.push((key, &op.shape_id));
        }
    }
    Ok(())
}
