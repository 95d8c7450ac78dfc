//! The generator: a Smithy model (JSON AST or IDL files) in, the files of a Rust client crate out.
//!
//! One direction, five stages, each a module:
//!
//! ```text
//! JSON/IDL ──model::assemble──▶ Model ──passes──▶ Model ──lower──▶ ir::Crate ──emit──▶ TokenStreams ──render──▶ files
//! ```
//!
//! [`generate`] is a pure function: no file system, no clock, no environment. `xtask` does the
//! I/O, which keeps `--check`, snapshot and determinism tests trivial.

pub mod api;
mod base64;
pub mod docs;
pub mod emit;
pub mod error;
pub mod ir;
pub mod lower;
pub mod model;
pub mod naming;
pub mod passes;
pub mod render;

pub use error::ModelError;
pub use lower::PackageOptions;

use std::time::{Duration, Instant};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// The service shape id; required when the model holds several services.
    pub service: Option<String>,
    pub package: PackageOptions,
}

/// A file of the generated crate, relative to its root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// How long each stage took (reported by `cargo xtask codegen`).
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub stages: Vec<(&'static str, Duration)>,
}

/// Generates the client crate for `model_json`.
pub fn generate(model_json: &str, options: &Options) -> Result<Vec<GeneratedFile>, ModelError> {
    generate_timed(model_json, options).map(|(files, _)| files)
}

/// [`generate`], also returning per-stage timings.
pub fn generate_timed(model_json: &str, options: &Options) -> Result<(Vec<GeneratedFile>, Timings), ModelError> {
    generate_sources_timed(&[model::Source { name: "", text: model_json }], options)
}

/// Generates the client crate for the model assembled from `sources` (JSON AST and IDL files,
/// see [`model::assemble`]).
pub fn generate_sources(sources: &[model::Source], options: &Options) -> Result<Vec<GeneratedFile>, ModelError> {
    generate_sources_timed(sources, options).map(|(files, _)| files)
}

/// [`generate_sources`], also returning per-stage timings.
pub fn generate_sources_timed(sources: &[model::Source], options: &Options) -> Result<(Vec<GeneratedFile>, Timings), ModelError> {
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Timings| {
        let now = Instant::now();
        timings.stages.push((name, now - clock));
        clock = now;
    };
    let model = model::assemble(sources)?;
    lap("load", &mut timings);
    let (service, model) = passes::run(model, options.service.as_deref())?;
    lap("passes", &mut timings);
    let krate = lower::lower(&model, &service, &options.package)?;
    lap("lower", &mut timings);
    let emitted = emit::emit(&krate);
    lap("emit", &mut timings);
    let files = render::render(emitted)?;
    lap("render", &mut timings);
    Ok((files, timings))
}

/// Generates the server module of the service in `model_json` (see [`emit::server`]): the
/// files of one Rust module directory, for an in-process implementation such as the emulator.
pub fn generate_server(model_json: &str, service: Option<&str>) -> Result<Vec<GeneratedFile>, ModelError> {
    let model = model::load(model_json)?;
    let (service, model) = passes::run(model, service)?;
    // The package settings only shape the client crate's Cargo.toml; the server module ignores them.
    let package = PackageOptions { name: None, version: String::new(), runtime_path: String::new(), workspace_member: true, credentials_chain: true };
    let krate = lower::lower(&model, &service, &package)?;
    render::render(emit::server::emit(&krate)?)
}
