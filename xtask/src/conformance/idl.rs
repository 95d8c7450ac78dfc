//! Smithy's own model-loader suite (`conformance/smithy-idl/loader/`), run through
//! `codegen::model::assemble`:
//!
//! - `smithy-idl-valid`: each `valid/**/X.smithy` with an `X.json` beside it is loaded, and so is
//!   the `.json`, each together with `valid/__shared.json` (as Smithy's runner does); the two
//!   models must agree shape by shape, both written back as JSON AST. Each `X.smithy` with an
//!   `X.flattened.smithy` is loaded, its mixins flattened by the generator's mixin pass, and
//!   compared with the flattened file the same way (Smithy's `ModelTransformerTest` does this
//!   with the same files), minus the mixin shapes, which Smithy's transform removes.
//!   `trait-locations.smithy` has no expected AST (Smithy checks its traits' source
//!   positions): it must load. [`JAVA_ONLY`] lists the cases skipped, and why (none today).
//! - `smithy-idl-invalid`: each `invalid/**.smithy` must be refused. Its first line holds
//!   Smithy's message; when that names a line and column, the note counts how many of our
//!   errors point at the same place.

use super::SuiteResult;
use anyhow::{Context, Result};
use codegen::model::{assemble, to_json_ast, Model, Source};
use serde_json::Value;
use std::path::{Path, PathBuf};

const ROOT: &str = "conformance/smithy-idl/loader";

/// Valid cases that depend on what only Smithy's Java implementation does: none today (numbers
/// beyond `f64`, Smithy's `BigDecimal`, are kept exactly since the model holds numbers as text).
const JAVA_ONLY: &[(&str, &str)] = &[];

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn case_name(base: &Path, path: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// Loads `paths` (JSON AST or IDL by extension) as one model.
fn load(paths: &[&Path]) -> Result<Model, String> {
    let texts: Vec<(String, String)> = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), std::fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))?)))
        .collect::<Result<_, String>>()?;
    let sources: Vec<Source> = texts.iter().map(|(name, text)| Source { name, text }).collect();
    assemble(&sources).map_err(|e| e.to_string())
}

/// Compares two models written as JSON AST, shape by shape and metadata, ignoring `skip`.
fn compare(got: &Model, want: &Model, skip: &dyn Fn(&str) -> bool) -> Result<(), String> {
    let (got, want) = (to_json_ast(got), to_json_ast(want));
    let shapes = |v: &Value| v["shapes"].as_object().cloned().unwrap_or_default();
    let (got_shapes, want_shapes) = (shapes(&got), shapes(&want));
    let mut problems = Vec::new();
    for (id, w) in &want_shapes {
        if skip(id) {
            continue;
        }
        match got_shapes.get(id) {
            None => problems.push(format!("missing {id}: expected {w}")),
            Some(g) if g != w => problems.push(format!("{id} differs:\n  got      {g}\n  expected {w}")),
            Some(_) => {}
        }
    }
    for id in got_shapes.keys().filter(|id| !want_shapes.contains_key(*id) && !skip(id)) {
        problems.push(format!("unexpected {id}: {}", got_shapes[id]));
    }
    if got.get("metadata") != want.get("metadata") {
        problems.push(format!(
            "metadata differs:\n  got      {}\n  expected {}",
            got.get("metadata").unwrap_or(&Value::Null),
            want.get("metadata").unwrap_or(&Value::Null)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// `smithy-idl-valid`.
pub fn valid(shared: &Path) -> Result<SuiteResult> {
    let base = shared.join(ROOT).join("valid");
    let shared_model = base.join("__shared.json");
    let mut paths = Vec::new();
    files(&base, &mut paths)?;
    paths.sort();
    let mut result = SuiteResult::default();
    for path in &paths {
        let name = case_name(&base, path);
        let Some(stem) = name.strip_suffix(".smithy") else { continue };
        if stem.ends_with(".flattened") {
            continue;
        }
        let json = path.with_extension("json");
        let flattened = path.with_extension("flattened.smithy");
        let mut compared = false;
        if let Some((_, why)) = JAVA_ONLY.iter().find(|(case, _)| *case == name) {
            result.skipped.push((name.clone(), why.to_string()));
            compared = true;
        } else if json.exists() {
            compared = true;
            let outcome = (|| {
                let want = load(&[&json, &shared_model]).map_err(|e| format!("the expected JSON AST does not load: {e}"))?;
                let got = load(&[path, &shared_model])?;
                compare(&got, &want, &|_| false)
            })();
            result.record(name.clone(), outcome);
        }
        if flattened.exists() {
            compared = true;
            let outcome = (|| {
                let want = load(&[&flattened]).map_err(|e| format!("the flattened model does not load: {e}"))?;
                let mut got = load(&[path])?;
                codegen::passes::flatten_mixins(&mut got).map_err(|e| format!("flattening: {e}"))?;
                let mixins: Vec<String> = got.shapes.values().filter(|s| s.traits.has("smithy.api#mixin")).map(|s| s.id.to_string()).collect();
                compare(&got, &want, &|id| mixins.iter().any(|m| m == id))
            })();
            result.record(format!("{stem} (flattened)"), outcome);
        }
        if !compared {
            result.record(format!("{name} (loads)"), load(&[path]).map(|_| ()));
        }
    }
    Ok(result)
}

/// The `line N, column M` of a Smithy error message.
fn line_column(message: &str) -> Option<(u32, u32)> {
    let rest = &message[message.find("line ")? + 5..];
    let (line, rest) = rest.split_once(", column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

/// `smithy-idl-invalid`.
pub fn invalid(shared: &Path) -> Result<SuiteResult> {
    let base = shared.join(ROOT).join("invalid");
    let mut paths = Vec::new();
    files(&base, &mut paths)?;
    paths.sort();
    let mut result = SuiteResult::default();
    let (mut positioned, mut agreeing) = (0, 0);
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "smithy")) {
        let name = case_name(&base, path);
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let expected = text.lines().next().unwrap_or("").trim_start_matches('/').trim().to_string();
        let sources = [Source { name: &name, text: &text }];
        let outcome = match assemble(&sources) {
            Ok(_) => Err(format!("loaded, but Smithy refuses it with: {expected}")),
            Err(e) => {
                if let Some(want) = line_column(&expected) {
                    positioned += 1;
                    let got = e.location.as_ref().map(|l| (l.line, l.column));
                    if got == Some(want) {
                        agreeing += 1;
                    } else {
                        result.details.push(format!(
                            "{name}: Smithy reports line {}, column {}; we report {}",
                            want.0,
                            want.1,
                            got.map_or("no position".to_string(), |(l, c)| format!("line {l}, column {c}")) + &format!(" ({e})")
                        ));
                    }
                }
                Ok(())
            }
        };
        result.record(name, outcome);
    }
    result.notes.insert(0, format!("{agreeing} of {positioned} errors whose expected message has a line and column agree on both"));
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn positions_are_read_from_smithy_messages() {
        assert_eq!(line_column("Syntax error at line 7, column 1: Expected RBRACE('}') but found EOF | Model"), Some((7, 1)));
        assert_eq!(line_column("smithy.example#Foo: Syntax error at line 8, column 5: Found conflicting"), Some((8, 5)));
        assert_eq!(line_column("Member conflicts with an inherited mixin member"), None);
    }
}
