//! `cargo xtask conformance [--shared DIR]`: runs every external suite in `../shared` and prints
//! one line per suite, `<suite>: N passed, M failed, K skipped`. Exits non-zero if any case
//! failed. Each suite lives in its own module and returns a [`SuiteResult`].

mod credentials;
mod endpoints;
mod eventstream;
mod jmespath;
mod idl;
mod protocol;
mod retry;
mod sigv4;
mod smithy_diff;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The outcome of one suite.
#[derive(Debug, Default)]
pub struct SuiteResult {
    /// Cases that passed.
    pub passed: usize,
    /// Failed cases: `(case name, why)`.
    pub failed: Vec<(String, String)>,
    /// Skipped cases: `(case name, reason)`. A skip is never counted as a pass.
    pub skipped: Vec<(String, String)>,
    /// Observations printed (to stderr) under the suite's line.
    pub notes: Vec<String>,
    /// Further observations, printed with `--verbose`.
    pub details: Vec<String>,
}

impl SuiteResult {
    /// Records one case's outcome.
    pub fn record(&mut self, case: impl Into<String>, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.passed += 1,
            Err(why) => self.failed.push((case.into(), why)),
        }
    }
}

type Suite = fn(&Path) -> anyhow::Result<SuiteResult>;

const SUITES: &[(&str, Suite)] = &[
    ("protocol-tests", protocol::run),
    ("protocol-tests-awsquery", protocol::run_aws_query),
    ("sigv4", sigv4::run),
    ("endpoint-tests", endpoints::endpoint_tests),
    ("rules-engine", endpoints::rules_engine),
    ("retry-standard", retry::standard),
    ("retry-new-standard", retry::new_standard),
    ("retry-adaptive", retry::adaptive),
    ("credentials-chain", credentials::chain),
    ("credentials-profile", credentials::profile),
    ("credentials-token", credentials::token),
    ("assume-role", credentials::assume_role),
    ("ecs-config", credentials::ecs),
    ("imds-endpoint", credentials::imds_endpoint),
    ("profile-parser", credentials::profile_parser),
    ("file-location", credentials::file_location),
    ("eventstream-frames", eventstream::frames),
    ("event-stream-tests", protocol::event_stream_tests),
    ("jmespath", jmespath::run),
    ("generated-crates", protocol::generated_crates),
    ("smithy-diff", smithy_diff::run),
    ("smithy-idl-valid", idl::valid),
    ("smithy-idl-invalid", idl::invalid),
];

pub fn main(args: &[String]) -> anyhow::Result<ExitCode> {
    let flags = crate::parse_flags(args, &["shared", "only"], &["verbose"])?;
    let shared = flags
        .get("shared")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("../shared"));
    anyhow::ensure!(shared.is_dir(), "shared folder {} not found (pass --shared DIR)", shared.display());
    let verbose = flags.contains_key("verbose");
    let mut all_ok = true;
    for (name, suite) in SUITES {
        if flags.get("only").is_some_and(|o| o != name) {
            continue;
        }
        match suite(&shared) {
            Ok(r) => {
                println!("{name}: {} passed, {} failed, {} skipped", r.passed, r.failed.len(), r.skipped.len());
                for (case, why) in &r.failed {
                    all_ok = false;
                    eprintln!("  FAILED {case}: {}", if verbose { why.as_str() } else { why.lines().next().unwrap_or("") });
                }
                for (case, why) in &r.skipped {
                    eprintln!("  skipped {case}: {why}");
                }
                for note in r.notes.iter().chain(r.details.iter().filter(|_| verbose)) {
                    eprintln!("  note: {note}");
                }
            }
            Err(e) => {
                all_ok = false;
                println!("{name}: could not run: {e:#}");
            }
        }
    }
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
