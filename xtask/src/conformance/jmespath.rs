//! `jmespath`: the official JMESPath compliance suite (`conformance/jmespath/*.json`) against
//! the runtime's evaluator. A case with `result` must evaluate to an equal value (numbers
//! compared by value); a case with `error` must fail with that kind of error, whether at parse
//! or at evaluation time (the suite allows either). Benchmark cases (`bench`) have no expected
//! value: `parse` ones must parse, `interpret` and `full` ones must also evaluate without error.

use super::SuiteResult;
use anyhow::{Context, Result};
use client_runtime::document::{Document, Number};
use client_runtime::jmespath::{values_equal, Expression};
use serde_json::Value;
use std::path::Path;

/// Runs every file of the suite.
pub fn run(shared: &Path) -> Result<SuiteResult> {
    let dir = shared.join("conformance/jmespath");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no JMESPath compliance files in {}", dir.display());
    let mut result = SuiteResult::default();
    for file in files {
        let name = file.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let suites: Vec<Value> = serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
        for (s, suite) in suites.iter().enumerate() {
            let given = to_document(&suite["given"]);
            let cases = suite["cases"].as_array().with_context(|| format!("{name} suite {s}: no cases"))?;
            for (c, case) in cases.iter().enumerate() {
                let expression = case["expression"].as_str().unwrap_or_default();
                let id = format!("{name}[{s}][{c}] `{expression}`");
                result.record(id, check(case, expression, &given));
            }
        }
    }
    Ok(result)
}

fn check(case: &Value, expression: &str, given: &Document) -> Result<(), String> {
    if let Some(bench) = case.get("bench").and_then(Value::as_str) {
        let parsed = Expression::parse(expression).map_err(|e| format!("does not parse: {e}"))?;
        if bench != "parse" {
            parsed.search(given).map_err(|e| format!("does not evaluate: {e}"))?;
        }
        return Ok(());
    }
    let outcome = Expression::parse(expression).and_then(|e| e.search(given));
    match (case.get("error").and_then(Value::as_str), outcome) {
        (Some(kind), Err(e)) if e.kind().as_str() == kind => Ok(()),
        (Some(kind), Err(e)) => Err(format!("expected a {kind} error, got {e}")),
        (Some(kind), Ok(v)) => Err(format!("expected a {kind} error, got {}", client_runtime::jmespath::to_json(&v))),
        (None, Err(e)) => Err(format!("expected {}, got {e}", case["result"])),
        (None, Ok(v)) => {
            let want = to_document(&case["result"]);
            if values_equal(&v, &want) {
                Ok(())
            } else {
                Err(format!("expected {}, got {}", case["result"], client_runtime::jmespath::to_json(&v)))
            }
        }
    }
}

fn to_document(v: &Value) -> Document {
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Object(members) => Document::Object(members.iter().map(|(k, v)| (k.clone(), to_document(v))).collect()),
    }
}
