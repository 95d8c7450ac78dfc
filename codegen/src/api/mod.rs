//! The API change report: what a regeneration changes in a generated crate's API, and whether
//! that breaks its users.
//!
//! - [`summary`]: the crate's API as a small JSON file (`api-summary.json`) that the client
//!   emitter writes beside the sources, so the previous API is known without the previous model;
//! - [`diff`]: two summaries → changes, each classified for the Rust API (Cargo's SemVer rules
//!   for the code this generator emits) and for the wire (Smithy's compatibility rules);
//! - [`report`]: the overall verdict, the proposed crate version, the terminal text and the
//!   `CHANGELOG.md` section.
//!
//! `xtask` does the file work: it reads the summary on disk before writing the new files, prints
//! the report, prepends it to the crate's `CHANGELOG.md`, and with `--deny-breaking` refuses to
//! write a breaking regeneration.

pub mod diff;
pub mod report;
pub mod summary;

#[cfg(test)]
mod tests;

pub use diff::{diff, Change, ChangeKind, RustImpact, WireImpact};
pub use report::Report;
pub use summary::{ApiSummary, SUMMARY_FILE};

use crate::error::ModelError;
use crate::lower::PackageOptions;
use crate::model::Model;

/// The API summary of `service` in a loaded model (passes and lowering run as for [`crate::generate`]).
/// For comparing two models without generating crates, as the `smithy-diff` conformance suite does.
pub fn summarize(model: Model, service: Option<&str>) -> Result<ApiSummary, ModelError> {
    let (service, model) = crate::passes::run(model, service)?;
    let package = PackageOptions { name: None, version: "0.1.0".into(), runtime_path: String::new(), workspace_member: true, credentials_chain: false };
    let krate = crate::lower::lower(&model, &service, &package)?;
    Ok(ApiSummary::of(&krate))
}

/// The API summary of the crate [`crate::generate`] makes from `model_json`.
pub fn summarize_json(model_json: &str, service: Option<&str>) -> Result<ApiSummary, ModelError> {
    summarize(crate::model::load(model_json)?, service)
}
