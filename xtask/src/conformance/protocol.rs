//! The Smithy protocol compliance cases of restJson1 and awsQuery: generates the
//! `aws.protocoltests.restjson#RestJson` and `aws.protocoltests.query#AwsQuery` clients from the shared protocol-test model (the
//! generator turns each `httpRequestTests` / `httpResponseTests` case into a `#[test]`), builds
//! it, runs its tests, and counts the outcome of each case. The generated crate must also build
//! without warnings, and so must a crate generated from AWS's official Chime model.

use super::SuiteResult;
use crate::codegen::{generate_standalone, write};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

const MODEL: &str = "conformance/protocol-tests/smithy-aws-protocol-tests.json";
const REST_JSON: &str = "aws.protocoltests.restjson#RestJson";
const AWS_QUERY: &str = "aws.protocoltests.query#AwsQuery";
const OFFICIAL: &str = "models/chime-sdk-identity.official.json";

/// Where build output goes: `CARGO_TARGET_DIR` when set (relative to the workspace), else the
/// workspace's `target/`.
fn target_root() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => crate::workspace_root().join(dir),
        _ => crate::workspace_root().join("target"),
    }
}

/// The target directory the generated crates share.
fn target_dir() -> PathBuf {
    target_root().join("conformance-target")
}

/// `cargo <args>` in the generated crate `dir`, with the shared target directory.
fn cargo(args: &[&str], dir: &Path, shared: Option<&Path>) -> Command {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(args).current_dir(dir).env("CARGO_TARGET_DIR", target_dir());
    match shared {
        Some(shared) => cmd.env("SHARED_DIR", shared),
        None => cmd.env_remove("SHARED_DIR"),
    };
    cmd
}

/// Generates a standalone crate for `model` into `out` and builds it (tests included),
/// returning the build's warnings about the generated crate's own code. `shared` is the
/// crate's `SHARED_DIR`; `None` removes the variable, as on a user's machine.
fn generate_and_build(models: &[PathBuf], service: Option<&str>, out: &Path, shared: Option<&Path>, behaviour: Option<&Path>) -> Result<Vec<String>> {
    let files = generate_standalone(models, service, out)?;
    write(out, &files, true)?;
    // Hand-written behaviour tests of a fixture run as one more test target of its crate.
    if let Some(tests) = behaviour {
        let name = tests.file_name().context("a behaviour test file has a name")?;
        std::fs::create_dir_all(out.join("tests")).context("creating tests/")?;
        std::fs::copy(tests, out.join("tests").join(name)).with_context(|| format!("copying {}", tests.display()))?;
    }
    // The workspace's lock file pins the same dependency versions, so the shared target
    // directory reuses what the workspace already compiled.
    std::fs::copy(crate::workspace_root().join("Cargo.lock"), out.join("Cargo.lock")).context("copying Cargo.lock")?;
    let output = cargo(&["build", "--tests", "--quiet", "--message-format", "short"], out, shared)
        .output()
        .context("running cargo build")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("the generated crate in {} does not build:\n{stderr}", out.display());
    }
    Ok(stderr.lines().filter(|l| l.starts_with("src/") || l.starts_with("tests/")).map(str::to_string).collect())
}

/// `protocol-tests`: every client-side restJson1 case.
pub fn run(shared: &Path) -> Result<SuiteResult> {
    run_service(shared, REST_JSON, "restjson")
}

/// `protocol-tests-awsquery`: every client-side awsQuery case.
pub fn run_aws_query(shared: &Path) -> Result<SuiteResult> {
    run_service(shared, AWS_QUERY, "awsquery")
}

/// Generates the client of protocol-test service `service` into `<target>/conformance/<dir>`,
/// runs its generated protocol tests and counts them.
fn run_service(shared: &Path, service: &str, dir: &str) -> Result<SuiteResult> {
    let out = target_root().join("conformance").join(dir);
    let warnings = generate_and_build(&[shared.join(MODEL)], Some(service), &out, Some(shared), None)?;
    let output = cargo(&["test", "--test", "protocol_tests", "--no-fail-fast", "--", "--test-threads", "2"], &out, Some(shared))
        .output()
        .context("running the generated protocol tests")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut result = parse_libtest(&stdout);
    if result.passed + result.failed.len() + result.skipped.len() == 0 {
        bail!("no protocol test ran:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    if !warnings.is_empty() {
        result.failed.push(("generated crate builds without warnings".into(), warnings.join("\n")));
    }
    Ok(result)
}

const EVENT_STREAM_TESTS: &str = "conformance/event-stream-tests";

/// `event-stream-tests`: Smithy's restJson1 `eventStreamTests` cases. Their operations are bound
/// to a service of ours (`codegen/tests/fixtures/event-streams/`) and assembled with the shared
/// `.smithy` files by the IDL loader; the generator turns each client case into a `#[test]` of
/// the generated crate, which is built (without warnings) and run. Server-only cases are
/// counted as skipped.
pub fn event_stream_tests(shared: &Path) -> Result<SuiteResult> {
    let root = crate::workspace_root();
    let dir = shared.join(EVENT_STREAM_TESTS);
    let cases = dir.join("restjson1-event-stream.smithy");
    let models = [root.join("codegen/tests/fixtures/event-streams"), cases.clone(), dir.join("smithy.test.smithy")];
    let out = target_root().join("conformance/event-streams");
    let warnings = generate_and_build(&models, None, &out, Some(shared), Some(&root.join("codegen/tests/fixture-tests/event_streams.rs")))?;
    let output = cargo(&["test", "--test", "protocol_tests", "--no-fail-fast", "--", "--test-threads", "2"], &out, Some(shared))
        .output()
        .context("running the generated event stream tests")?;
    let mut result = parse_libtest(&String::from_utf8_lossy(&output.stdout));
    if result.passed + result.failed.len() + result.skipped.len() == 0 {
        bail!("no event stream test ran:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    if !warnings.is_empty() {
        result.failed.push(("generated crate builds without warnings".into(), warnings.join("\n")));
    }
    for id in server_only_cases(&std::fs::read_to_string(&cases).with_context(|| format!("reading {}", cases.display()))?) {
        result.skipped.push((id, "a server-side case (appliesTo: server)".into()));
    }
    // The crate's behaviour against a local server: not compliance cases, so not counted
    // with them, but a failure fails the suite.
    let output = cargo(&["test", "--test", "event_streams", "--no-fail-fast"], &out, Some(shared))
        .output()
        .context("running the event stream behaviour tests")?;
    let behaviour = parse_libtest(&String::from_utf8_lossy(&output.stdout));
    if behaviour.passed == 0 && behaviour.failed.is_empty() {
        bail!("no event stream behaviour test ran:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    result.notes.push(format!("behaviour tests of the generated crate against a local server (not counted above): {} passed", behaviour.passed));
    result.failed.extend(behaviour.failed.into_iter().map(|(name, why)| (format!("behaviour: {name}"), why)));
    Ok(result)
}

/// The ids of the cases in an IDL file of `eventStreamTests` that apply to servers only: the
/// last `id` before each `appliesTo: "server"`.
fn server_only_cases(idl: &str) -> Vec<String> {
    let mut last_id = None;
    let mut out = Vec::new();
    for line in idl.lines().map(str::trim) {
        if let Some(id) = line.strip_prefix("id:").map(|v| v.trim().trim_matches('"')) {
            last_id = Some(id.to_string());
        } else if line.replace(' ', "") == "appliesTo:\"server\"" {
            out.extend(last_id.take());
        }
    }
    out
}

/// `generated-crates`: the generator's every-kind-of-shape fixture, its waiters fixture (with
/// the hand-written behaviour tests in `codegen/tests/fixture-tests/`) and AWS's official Chime
/// model (30 operations) each generate a crate that builds without warnings and passes its
/// tests. The Chime crate is generated outside the workspace, in a temporary folder
/// with no `shared` folder above it (kept between runs, like `target/`), and built and tested with `SHARED_DIR` unset: what a user
/// of `cargo xtask codegen --model PATH --out DIR` gets must pass its own tests on its own.
pub fn generated_crates(shared: &Path) -> Result<SuiteResult> {
    let mut result = SuiteResult::default();
    let root = crate::workspace_root();
    let standalone = std::env::temp_dir().join("codegen-standalone").join("official-chime");
    if let Some(found) = standalone.ancestors().map(|a| a.join("shared")).find(|d| d.exists()) {
        bail!("{} exists, so a crate in {} could find reference data; pick another temporary folder (TMPDIR)", found.display(), standalone.display());
    }
    let crates = [
        ("fixture `shapes.json`", vec![root.join("codegen/tests/fixtures/shapes.json")], target_root().join("conformance/fixture-shapes"), Some(shared), None),
        (
            "fixture `waiters.json`",
            vec![root.join("codegen/tests/fixtures/waiters.json")],
            target_root().join("conformance/fixture-waiters"),
            Some(shared),
            Some(root.join("codegen/tests/fixture-tests/waiters.rs")),
        ),
        (
            "fixture `streaming.json`",
            vec![root.join("codegen/tests/fixtures/streaming.json")],
            target_root().join("conformance/fixture-streaming"),
            Some(shared),
            Some(root.join("codegen/tests/fixture-tests/streaming.rs")),
        ),
        ("official Chime model (standalone, no SHARED_DIR)", vec![shared.join(OFFICIAL)], standalone.clone(), None, None),
    ];
    for (what, model, out, shared, behaviour) in crates {
        let warnings = generate_and_build(&model, None, &out, shared, behaviour.as_deref())?;
        result.record(format!("{what} builds without warnings"), if warnings.is_empty() { Ok(()) } else { Err(warnings.join("\n")) });
        let output = cargo(&["test", "--no-fail-fast"], &out, shared)
            .output()
            .with_context(|| format!("running the tests generated for the {what}"))?;
        let tests = parse_libtest(&String::from_utf8_lossy(&output.stdout));
        if tests.passed + tests.failed.len() == 0 {
            result.record(format!("{what} runs its tests"), Err(String::from_utf8_lossy(&output.stderr).into_owned()));
        }
        result.passed += tests.passed;
        result.failed.extend(tests.failed);
        result.skipped.extend(tests.skipped);
    }
    Ok(result)
}

/// Reads libtest's `test <name> ... ok|FAILED|ignored[, reason]` lines, and the failure
/// messages printed after them.
fn parse_libtest(stdout: &str) -> SuiteResult {
    let mut result = SuiteResult::default();
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("test ") else { continue };
        let Some((name, outcome)) = rest.split_once(" ... ") else { continue };
        match outcome {
            "ok" => result.passed += 1,
            "FAILED" => result.failed.push((name.to_string(), failure_message(stdout, name))),
            o if o.starts_with("ignored") => {
                let reason = o.strip_prefix("ignored, ").unwrap_or("no reason given");
                result.skipped.push((name.to_string(), reason.to_string()));
            }
            _ => {}
        }
    }
    result
}

fn failure_message(stdout: &str, name: &str) -> String {
    let header = format!("---- {name} stdout ----");
    stdout
        .split_once(&header)
        .map(|(_, rest)| rest.split("\n---- ").next().unwrap_or("").trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_only_cases_are_found_by_the_id_before_applies_to() {
        let idl = "{\n id: \"A\"\n appliesTo: \"client\"\n}\n{\n id: \"B\"\n events: [{ type: \"request\" }]\n appliesTo: \"server\"\n}\n{\n id: \"C\"\n}";
        assert_eq!(server_only_cases(idl), vec!["B".to_string()]);
    }

    #[test]
    fn libtest_output_is_counted() {
        let out = "running 3 tests\ntest a_request ... ok\ntest b_response ... FAILED\ntest c ... ignored, needs X\n\nfailures:\n\n---- b_response stdout ----\nthread panicked: boom\n\n\nfailures:\n    b_response\n";
        let r = parse_libtest(out);
        assert_eq!(r.passed, 1);
        assert_eq!(r.failed, vec![("b_response".to_string(), "thread panicked: boom\n\n\nfailures:\n    b_response".to_string())]);
        assert_eq!(r.skipped, vec![("c".to_string(), "needs X".to_string())]);
    }
}
