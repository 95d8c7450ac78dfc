//! `cargo xtask codegen`: runs the generator and owns all of its file-system work.
//!
//! - no flags: regenerates `generated-client/` from `model/chime-sdk-identity.json`, the
//!   emulator's server module `emulator/src/generated/` from the same model, and the STS, SSO
//!   and SSO-OIDC clients in `generated-clients/` from AWS's official models in the shared
//!   folder (`$SHARED_DIR`, default `../shared`), writing only files whose contents changed and
//!   deleting files the generator no longer produces;
//! - `--check`: writes nothing; lists stale, missing and stray files of all and fails if any;
//! - `--model PATH... [--service ID] --out DIR`: writes a standalone crate for any model, assembled
//!   from every `--model` (a `.json` JSON AST or `.smithy` IDL file, or a directory of them);
//! - `--model PATH... --emit-json-ast FILE`: writes the assembled model as JSON AST (`-`: stdout),
//!   with or without `--out`; `--emit-idl DIR` writes it as IDL, one `<namespace>.smithy` per
//!   namespace.
//!
//! Regenerating over an existing crate also reports its API changes: the crate's
//! `api-summary.json` on disk (the previous API) is compared with the new one before anything is
//! written ([`codegen::api`]); the report is printed and added to the crate's `CHANGELOG.md`, and
//! with `--deny-breaking` a breaking report stops the run before it writes anything. A crate is
//! generated with the version its summary on disk records; when the API changed, with the version
//! the report proposes ([`apply_proposed_version`]), so `Cargo.toml`, the summary and the change
//! log agree and `--check` reproduces them.

use anyhow::{bail, Context, Result};
use codegen::api::{ApiSummary, Report, SUMMARY_FILE};
use codegen::{GeneratedFile, Options, PackageOptions};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The checked-in client: where it comes from and where it goes.
pub const MODEL: &str = "model/chime-sdk-identity.json";
pub const CLIENT_DIR: &str = "generated-client";
/// The emulator's generated server module (routing, request parsing, response writing).
pub const SERVER_DIR: &str = "emulator/src/generated";
/// Clients of the services the credential providers call, generated from AWS's official models
/// in the shared reference folder (read from there, never copied): model path under the shared
/// folder, the checked-in crate's directory, and its package name (the project's `smithy-lite-`
/// prefix: `sts` and `sso` are taken on crates.io; the credentials chain depends on them
/// under the short names `sts`, `sso` and `sso-oidc`).
pub const AWS_CLIENTS: &[(&str, &str, &str)] = &[
    ("models/sts.official.json", "generated-clients/sts", "smithy-lite-sts"),
    ("models/sso.official.json", "generated-clients/sso", "smithy-lite-sso"),
    ("models/sso-oidc.official.json", "generated-clients/sso-oidc", "smithy-lite-sso-oidc"),
];

/// The shared reference folder: `$SHARED_DIR`, or `../shared` beside the workspace.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("SHARED_DIR").map(PathBuf::from).unwrap_or_else(|| crate::workspace_root().join("../shared"))
}

/// The crate's change log: history, not a function of the model, so the generator never owns,
/// checks or deletes it; a regeneration that changes the API adds a section at the top.
pub const CHANGELOG: &str = "CHANGELOG.md";

pub fn main(args: &[String]) -> Result<ExitCode> {
    let flags = crate::parse_flags(args, &["model", "service", "out", "emit-json-ast", "emit-idl"], &["check", "deny-breaking"])?;
    let root = crate::workspace_root();
    let deny_breaking = flags.contains_key("deny-breaking");
    if deny_breaking && flags.contains_key("check") {
        bail!("--deny-breaking applies to a regeneration; --check writes nothing and compares files only");
    }
    let models: Vec<PathBuf> = flags.all("model").iter().map(PathBuf::from).collect();
    if !models.is_empty() {
        if flags.contains_key("check") {
            bail!("--check applies to the checked-in client only");
        }
        if !["out", "emit-json-ast", "emit-idl"].iter().any(|f| flags.contains_key(f)) {
            bail!("--model needs --out DIR (to generate a crate), --emit-json-ast FILE or --emit-idl DIR");
        }
        let texts = read_models(&models)?;
        if flags.contains_key("emit-json-ast") || flags.contains_key("emit-idl") {
            let sources = sources(&texts);
            let model = codegen::model::assemble(&sources).map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(dir) = flags.get("emit-idl") {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {dir}"))?;
                for (namespace, text) in codegen::model::to_idl(&model) {
                    let path = Path::new(dir).join(format!("{namespace}.smithy"));
                    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
            }
            if let Some(file) = flags.get("emit-json-ast") {
                let json = serde_json::to_string_pretty(&codegen::model::to_json_ast(&model))? + "\n";
                if file == "-" {
                    print!("{json}");
                } else {
                    std::fs::write(file, json).with_context(|| format!("writing {file}"))?;
                    eprintln!("wrote the JSON AST of {} shapes to {file}", model.shapes.len());
                }
            }
        }
        if let Some(out) = flags.get("out") {
            let out = PathBuf::from(out);
            let service = flags.get("service").map(String::as_str);
            let files = generate_from(&texts, service, &out, &recorded_version(&out)?)?;
            let target = Target { label: out.display().to_string(), dir: out.clone(), files };
            let target = apply_proposed_version(target, |version| generate_from(&texts, service, &out, version))?;
            let changes = regenerate(&[target], false, deny_breaking, &mut std::io::stdout())?;
            report(&changes.into_iter().flatten().collect::<Vec<_>>());
        }
        return Ok(ExitCode::SUCCESS);
    }
    for flag in ["out", "service", "emit-json-ast", "emit-idl"] {
        if flags.contains_key(flag) {
            bail!("--{flag} needs --model");
        }
    }
    let targets = generate_all(&root, true)?;
    if flags.contains_key("check") {
        let mut stale = false;
        for (name, files) in &targets {
            let problems = check(&root.join(name), files)?;
            if problems.is_empty() {
                println!("{name}/ is up to date ({} files)", files.len());
                continue;
            }
            for p in &problems {
                println!("{p}");
            }
            println!("{name}/ is out of date: run `cargo xtask codegen` and commit");
            stale = true;
        }
        return Ok(if stale { ExitCode::FAILURE } else { ExitCode::SUCCESS });
    }
    let targets = targets
        .into_iter()
        .map(|(name, files)| {
            let target = Target { dir: root.join(&name), label: name.clone(), files };
            apply_proposed_version(target, |version| generate_named(&root, &name, version, false))
        })
        .collect::<Result<Vec<Target>>>()?;
    let written = regenerate(&targets, true, deny_breaking, &mut std::io::stdout())?;
    let mut changes = Vec::new();
    for (target, written) in targets.iter().zip(written) {
        let name = &target.label;
        let prefix = |p: String| if name == CLIENT_DIR { p } else { format!("{name}/{p}") };
        changes.extend(written.into_iter().map(|c| match c {
            Change::Added(p) => Change::Added(prefix(p)),
            Change::Updated(p) => Change::Updated(prefix(p)),
            Change::Removed(p) => Change::Removed(prefix(p)),
        }));
    }
    report(&changes);
    Ok(ExitCode::SUCCESS)
}

/// The model files named by `paths`: each file as given, each directory's `.json` and `.smithy`
/// files (recursively, in name order). Returns `(name, text)` pairs.
pub fn read_models(paths: &[PathBuf]) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            model_files(path, &mut files)?;
            if files.len() == before {
                bail!("{} holds no .json or .smithy model file", path.display());
            }
        } else {
            files.push(path.clone());
        }
    }
    files
        .iter()
        .map(|f| Ok((f.display().to_string(), std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?)))
        .collect()
}

fn model_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            model_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json" || e == "smithy") {
            out.push(path);
        }
    }
    Ok(())
}

/// The generator's view of `(name, text)` pairs.
pub fn sources(texts: &[(String, String)]) -> Vec<codegen::model::Source<'_>> {
    texts.iter().map(|(name, text)| codegen::model::Source { name, text }).collect()
}

/// The version of a crate that has none recorded yet.
pub const FIRST_VERSION: &str = "0.1.0";

/// The version the crate in `dir` is generated with: the one its `api-summary.json` on disk
/// records (the version the last regeneration gave it), [`FIRST_VERSION`] without one.
pub fn recorded_version(dir: &Path) -> Result<String> {
    let path = dir.join(SUMMARY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(ApiSummary::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?.version),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FIRST_VERSION.to_string()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// When the API of `target` changed and its report proposes a version other than the one the
/// files were generated with, generates them again with that version (`generate` makes the
/// files for a version); otherwise returns `target` as it is.
pub fn apply_proposed_version(target: Target, generate: impl FnOnce(&str) -> Result<Vec<GeneratedFile>>) -> Result<Target> {
    let ApiOutcome::Changed(report) = api_outcome(&target.dir, &target.files)? else { return Ok(target) };
    match report.proposed_version() {
        Some(version) if version != report.current_version => Ok(Target { files: generate(&version)?, ..target }),
        _ => Ok(target),
    }
}

/// Generates one of the directories of [`generate_all`] by name, with `version`.
pub fn generate_named(root: &Path, name: &str, version: &str, verbose: bool) -> Result<Vec<GeneratedFile>> {
    if name == CLIENT_DIR {
        return generate_checked_in_as(root, version, verbose);
    }
    if name == SERVER_DIR {
        return generate_server(root);
    }
    match AWS_CLIENTS.iter().find(|(_, dir, _)| *dir == name) {
        Some((model, _, _)) => generate_aws_client_as(&shared_dir(), model, version, verbose),
        None => bail!("{name} is not a generated directory of this workspace"),
    }
}

/// Generates the checked-in client from the workspace's model, with its recorded version.
pub fn generate_checked_in(root: &Path, verbose: bool) -> Result<Vec<GeneratedFile>> {
    generate_checked_in_as(root, &recorded_version(&root.join(CLIENT_DIR))?, verbose)
}

fn generate_checked_in_as(root: &Path, version: &str, verbose: bool) -> Result<Vec<GeneratedFile>> {
    let path = root.join(MODEL);
    let json = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let options = Options {
        service: None,
        package: PackageOptions { name: None, version: version.into(), runtime_path: "../runtime".into(), workspace_member: true, credentials_chain: true },
    };
    let start = Instant::now();
    let (files, timings) = codegen::generate_timed(&json, &options).map_err(|e| anyhow::anyhow!("{e}"))?;
    if verbose {
        let stages: Vec<String> = timings.stages.iter().map(|(n, d)| format!("{n} {:.1} ms", d.as_secs_f64() * 1e3)).collect();
        println!("generated {} files in {:.1} ms ({})", files.len(), start.elapsed().as_secs_f64() * 1e3, stages.join(", "));
    }
    Ok(files)
}

/// Every checked-in generated directory (relative to the workspace) with its files: the Chime
/// client, the emulator's server module, and the AWS clients of [`AWS_CLIENTS`].
pub fn generate_all(root: &Path, verbose: bool) -> Result<Vec<(String, Vec<GeneratedFile>)>> {
    let mut out = vec![(CLIENT_DIR.to_string(), generate_checked_in(root, verbose)?), (SERVER_DIR.to_string(), generate_server(root)?)];
    let shared = shared_dir();
    for (model, dir, _) in AWS_CLIENTS {
        out.push((dir.to_string(), generate_aws_client(&shared, model, verbose)?));
    }
    Ok(out)
}

/// Generates one of [`AWS_CLIENTS`] from its official model in the shared folder, with its
/// recorded version.
pub fn generate_aws_client(shared: &Path, model: &str, verbose: bool) -> Result<Vec<GeneratedFile>> {
    let dir = AWS_CLIENTS.iter().find(|(m, _, _)| *m == model).map(|(_, d, _)| *d).with_context(|| format!("{model} is not one of AWS_CLIENTS"))?;
    generate_aws_client_as(shared, model, &recorded_version(&crate::workspace_root().join(dir))?, verbose)
}

/// Generates one of [`AWS_CLIENTS`] as its published package, with `version`.
fn generate_aws_client_as(shared: &Path, model: &str, version: &str, verbose: bool) -> Result<Vec<GeneratedFile>> {
    let package = AWS_CLIENTS.iter().find(|(m, _, _)| *m == model).map(|(_, _, p)| *p).with_context(|| format!("{model} is not one of AWS_CLIENTS"))?;
    let path = shared.join(model);
    let json = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {} (the shared reference folder; set SHARED_DIR)", path.display()))?;
    let options = Options {
        service: None,
        // The credentials chain calls these clients: a `default-chain` feature on them would be a
        // dependency cycle.
        package: PackageOptions {
            name: Some(package.to_string()),
            version: version.into(),
            runtime_path: "../../runtime".into(),
            workspace_member: true,
            credentials_chain: false,
        },
    };
    let start = Instant::now();
    let files = codegen::generate(&json, &options).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if verbose {
        println!("generated {} files from {model} in {:.1} ms", files.len(), start.elapsed().as_secs_f64() * 1e3);
    }
    Ok(files)
}

/// Generates the emulator's server module from the workspace's model.
pub fn generate_server(root: &Path) -> Result<Vec<GeneratedFile>> {
    let path = root.join(MODEL);
    let json = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    codegen::generate_server(&json, None).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Generates a standalone crate for the model in `models` whose `Cargo.toml` points at this
/// workspace's runtime by absolute path.
pub fn generate_standalone(models: &[PathBuf], service: Option<&str>, out: &Path) -> Result<Vec<GeneratedFile>> {
    generate_from(&read_models(models)?, service, out, &recorded_version(out)?)
}

fn generate_from(texts: &[(String, String)], service: Option<&str>, out: &Path, version: &str) -> Result<Vec<GeneratedFile>> {
    let runtime = crate::workspace_root().join("runtime");
    let options = Options {
        service: service.map(str::to_string),
        package: PackageOptions {
            name: None,
            version: version.into(),
            runtime_path: runtime.to_string_lossy().into_owned(),
            workspace_member: false,
            credentials_chain: true,
        },
    };
    let start = Instant::now();
    let (files, timings) = codegen::generate_sources_timed(&sources(texts), &options).map_err(|e| anyhow::anyhow!("{e}"))?;
    let stages: Vec<String> = timings.stages.iter().map(|(n, d)| format!("{n} {:.1} ms", d.as_secs_f64() * 1e3)).collect();
    eprintln!("generated {} files for {} in {:.1} ms ({})", files.len(), out.display(), start.elapsed().as_secs_f64() * 1e3, stages.join(", "));
    Ok(files)
}

/// A file-level difference between the generator's output and a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Updated(String),
    Removed(String),
}

/// One directory to regenerate: where it is, how to name it in messages, and its new files.
pub struct Target {
    pub label: String,
    pub dir: PathBuf,
    pub files: Vec<GeneratedFile>,
}

/// What a regeneration knows about a directory's API before writing it.
#[derive(Debug)]
pub enum ApiOutcome {
    /// The generated files carry no API summary (the emulator's server module is no crate).
    NoSummary,
    /// The directory has no summary yet: this run writes the first, so nothing can be compared.
    FirstSummary,
    /// The API is the same (files may still change, for example after a generator change).
    Unchanged,
    Changed(Report),
}

/// Compares the summary on disk in `dir` with the one among `files`.
pub fn api_outcome(dir: &Path, files: &[GeneratedFile]) -> Result<ApiOutcome> {
    let Some(new) = files.iter().find(|f| f.path == SUMMARY_FILE) else { return Ok(ApiOutcome::NoSummary) };
    let path = dir.join(SUMMARY_FILE);
    let previous = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ApiOutcome::FirstSummary),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let previous = ApiSummary::from_json(&previous)
        .map_err(|e| anyhow::anyhow!("{}: {e} (delete it to start the API history over)", path.display()))?;
    let new = ApiSummary::from_json(&new.contents).map_err(|e| anyhow::anyhow!("the generator's {SUMMARY_FILE}: {e}"))?;
    let report = Report::new(&previous, &new);
    Ok(if report.is_empty() { ApiOutcome::Unchanged } else { ApiOutcome::Changed(report) })
}

/// Regenerates every target: compares each one's API with its summary on disk and prints the
/// reports to `out`; then, unless `deny_breaking` and a report is breaking (an error, and
/// nothing written), writes the files (deleting strays when `prune`) and adds each changed API's
/// section to the crate's `CHANGELOG.md`. Returns the file changes of each target, in order.
pub fn regenerate(targets: &[Target], prune: bool, deny_breaking: bool, out: &mut dyn Write) -> Result<Vec<Vec<Change>>> {
    let mut outcomes = Vec::new();
    for t in targets {
        let outcome = api_outcome(&t.dir, &t.files)?;
        let label = t.label.trim_end_matches('/');
        match &outcome {
            ApiOutcome::NoSummary => {}
            ApiOutcome::FirstSummary => writeln!(
                out,
                "{label}/: no previous API known (no {SUMMARY_FILE}); writing it now, so the next regeneration can report API changes"
            )?,
            ApiOutcome::Unchanged => writeln!(out, "{label}/: API unchanged")?,
            ApiOutcome::Changed(report) => write!(out, "{label}/: API changes since the previous {SUMMARY_FILE}:\n{}", report.text())?,
        }
        outcomes.push(outcome);
    }
    let breaking: Vec<&str> = targets
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, ApiOutcome::Changed(r) if r.is_breaking()))
        .map(|(t, _)| t.label.as_str())
        .collect();
    if deny_breaking && !breaking.is_empty() {
        bail!("breaking API changes in {} (--deny-breaking): nothing written", breaking.join(", "));
    }
    let mut all = Vec::new();
    for (t, outcome) in targets.iter().zip(&outcomes) {
        let mut changes = write(&t.dir, &t.files, prune)?;
        if let ApiOutcome::Changed(report) = outcome {
            changes.push(add_changelog_section(&t.dir, &report.changelog_section())?);
        }
        all.push(changes);
    }
    Ok(all)
}

/// Puts `section` at the top of `dir/CHANGELOG.md` (newest first), creating the file.
fn add_changelog_section(dir: &Path, section: &str) -> Result<Change> {
    let path = dir.join(CHANGELOG);
    let (text, change) = match std::fs::read_to_string(&path) {
        Ok(current) => {
            let current = normalise(&current);
            let at = if current.starts_with("## ") { Some(0) } else { current.find("\n## ").map(|i| i + 1) };
            let text = match at {
                Some(i) => format!("{}{section}\n{}", &current[..i], &current[i..]),
                None => format!("{}\n\n{section}", current.trim_end()),
            };
            (text, Change::Updated(CHANGELOG.into()))
        }
        Err(_) => {
            let header = "# Changelog\n\n\
                API changes of this generated crate, newest first. `cargo xtask codegen` adds a section whenever a\n\
                regeneration changes the API (it compares `api-summary.json` before and after); the text below the\n\
                headings is yours to edit.\n\n";
            (format!("{header}{section}"), Change::Added(CHANGELOG.into()))
        }
    };
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(change)
}

/// Every file under `dir`, relative, with `/` separators (skipping `target/`, `Cargo.lock` and
/// the crate's `CHANGELOG.md`, which the generator does not own).
fn existing_files(dir: &Path) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("listing {}", d.display()))? {
            let entry = entry?;
            let path = entry.path();
            let rel = path.strip_prefix(dir).expect("under dir").to_string_lossy().replace('\\', "/");
            if entry.file_type()?.is_dir() {
                if rel != "target" {
                    stack.push(path);
                }
            } else if rel != "Cargo.lock" && rel != CHANGELOG {
                out.insert(rel);
            }
        }
    }
    Ok(out)
}

fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// What `write` would change; empty when `dir` matches `files` exactly.
pub fn check(dir: &Path, files: &[GeneratedFile]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut expected = BTreeSet::new();
    for f in files {
        expected.insert(f.path.clone());
        match std::fs::read_to_string(dir.join(&f.path)) {
            Ok(current) if normalise(&current) == normalise(&f.contents) => {}
            Ok(_) => problems.push(format!("stale:   {}", f.path)),
            Err(_) => problems.push(format!("missing: {}", f.path)),
        }
    }
    for stray in existing_files(dir)?.difference(&expected) {
        problems.push(format!("stray:   {stray}"));
    }
    Ok(problems)
}

/// Writes changed files and, when `prune`, deletes files no longer generated.
pub fn write(dir: &Path, files: &[GeneratedFile], prune: bool) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    let mut expected = BTreeSet::new();
    for f in files {
        expected.insert(f.path.clone());
        let path = dir.join(&f.path);
        let change = match std::fs::read_to_string(&path) {
            Ok(current) if normalise(&current) == normalise(&f.contents) => continue,
            Ok(_) => Change::Updated(f.path.clone()),
            Err(_) => Change::Added(f.path.clone()),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, &f.contents).with_context(|| format!("writing {}", path.display()))?;
        changes.push(change);
    }
    if prune {
        for stray in existing_files(dir)?.difference(&expected) {
            std::fs::remove_file(dir.join(stray)).with_context(|| format!("removing {stray}"))?;
            changes.push(Change::Removed(stray.clone()));
        }
    }
    Ok(changes)
}

fn report(changes: &[Change]) {
    if changes.is_empty() {
        println!("no files changed");
    }
    for c in changes {
        match c {
            Change::Added(p) => println!("added    {p}"),
            Change::Updated(p) => println!("updated  {p}"),
            Change::Removed(p) => println!("removed  {p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` catches a stale checked-in client, like `cargo xtask codegen --check`.
    #[test]
    fn checked_in_client_is_up_to_date() {
        let root = crate::workspace_root();
        let files = generate_checked_in(&root, false).unwrap();
        let problems = check(&root.join(CLIENT_DIR), &files).unwrap();
        assert!(problems.is_empty(), "generated-client/ is out of date; run `cargo xtask codegen`:\n{}", problems.join("\n"));
    }

    /// The same for the STS, SSO and SSO-OIDC clients (their models are in the shared folder).
    #[test]
    fn checked_in_aws_clients_are_up_to_date() {
        let root = crate::workspace_root();
        for (model, dir, _) in AWS_CLIENTS {
            let files = generate_aws_client(&shared_dir(), model, false).unwrap();
            let problems = check(&root.join(dir), &files).unwrap();
            assert!(problems.is_empty(), "{dir}/ is out of date; run `cargo xtask codegen`:\n{}", problems.join("\n"));
        }
    }

    #[test]
    fn models_are_read_from_files_and_directories_and_assemble_across_formats() {
        let dir = std::env::temp_dir().join(format!("codegen-models-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("nested")).unwrap();
        std::fs::write(dir.join("b.smithy"), "$version: \"2\"\nnamespace ns\nstructure User { name: Name }\n").unwrap();
        std::fs::write(dir.join("nested/a.json"), r#"{"smithy":"2.0","shapes":{"ns#Name":{"type":"string"}}}"#).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a model").unwrap();
        let texts = read_models(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<&str> = texts.iter().map(|(n, _)| n.rsplit(['/', '\\']).next().unwrap()).collect();
        assert_eq!(names, ["b.smithy", "a.json"], "directories in name order, model files only");
        let model = codegen::model::assemble(&sources(&texts)).unwrap();
        let user = codegen::model::ShapeId::parse("ns#User").unwrap();
        assert_eq!(model.shapes[&user].member("name").unwrap().target.as_str(), "ns#Name");
        let empty = dir.join("nested/empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(read_models(&[empty]).unwrap_err().to_string().ends_with("holds no .json or .smithy model file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn check_reports_edited_deleted_and_stray_files_and_write_repairs_them() {
        let root = crate::workspace_root();
        let files = generate_checked_in(&root, false).unwrap();
        let dir = std::env::temp_dir().join(format!("codegen-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write(&dir, &files, true).unwrap();
        assert_eq!(check(&dir, &files).unwrap(), Vec::<String>::new());

        std::fs::write(dir.join("src/lib.rs"), "// edited\n").unwrap();
        std::fs::remove_file(dir.join("src/client.rs")).unwrap();
        std::fs::write(dir.join("src/stray.rs"), "").unwrap();
        // The change log is the crate's history, not generated: never stray, never pruned.
        std::fs::write(dir.join(CHANGELOG), "# Changelog\n").unwrap();
        let problems = check(&dir, &files).unwrap();
        assert_eq!(problems, ["stale:   src/lib.rs", "missing: src/client.rs", "stray:   src/stray.rs"]);

        let changes = write(&dir, &files, true).unwrap();
        assert_eq!(
            changes,
            [Change::Updated("src/lib.rs".into()), Change::Added("src/client.rs".into()), Change::Removed("src/stray.rs".into())]
        );
        assert!(check(&dir, &files).unwrap().is_empty());
        assert!(write(&dir, &files, true).unwrap().is_empty(), "a second run writes nothing");
        assert_eq!(std::fs::read_to_string(dir.join(CHANGELOG)).unwrap(), "# Changelog\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A small restJson1 service; `v2` removes an enum value and adds an optional member.
    fn model(v2: bool) -> String {
        let extra_value = if v2 { "" } else { r#", "SLOW": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "slow"}}"# };
        let extra_member = if v2 { r#", "Color": {"target": "smithy.api#String"}"# } else { "" };
        format!(
            r#"{{"smithy": "2.0", "shapes": {{
                "ex#Svc": {{"type": "service", "version": "2024-01-01", "operations": [{{"target": "ex#GetThing"}}],
                           "traits": {{"aws.protocols#restJson1": {{}}, "aws.auth#sigv4": {{"name": "svc"}}}}}},
                "ex#GetThing": {{"type": "operation", "input": {{"target": "ex#GetThingInput"}}, "output": {{"target": "ex#GetThingOutput"}},
                                "traits": {{"smithy.api#http": {{"method": "GET", "uri": "/thing"}}}}}},
                "ex#GetThingInput": {{"type": "structure", "members": {{"Mode": {{"target": "ex#Mode", "traits": {{"smithy.api#httpQuery": "mode"}}}}}}}},
                "ex#GetThingOutput": {{"type": "structure", "members": {{"Thing": {{"target": "ex#Thing"}}}}}},
                "ex#Thing": {{"type": "structure", "members": {{"Name": {{"target": "smithy.api#String"}}{extra_member}}}}},
                "ex#Mode": {{"type": "enum", "members": {{"FAST": {{"target": "smithy.api#Unit", "traits": {{"smithy.api#enumValue": "fast"}}}}{extra_value}}}}}
            }}}}"#
        )
    }

    fn target(dir: &Path, v2: bool) -> Target {
        target_as(dir, v2, "0.3.1")
    }

    fn target_as(dir: &Path, v2: bool, version: &str) -> Target {
        Target { label: "svc".into(), dir: dir.to_path_buf(), files: files_as(v2, version) }
    }

    fn files_as(v2: bool, version: &str) -> Vec<GeneratedFile> {
        let options = Options {
            service: None,
            package: PackageOptions { name: None, version: version.into(), runtime_path: "../runtime".into(), workspace_member: false, credentials_chain: false },
        };
        codegen::generate(&model(v2), &options).unwrap()
    }

    fn cargo_version(files: &[GeneratedFile]) -> String {
        let toml = &files.iter().find(|f| f.path == "Cargo.toml").unwrap().contents;
        let line = toml.lines().find(|l| l.starts_with("version = ")).unwrap();
        line.trim_start_matches("version = ").trim_matches('"').to_string()
    }

    /// A regeneration that changes the API gives the crate the proposed version, in its
    /// `Cargo.toml` and summary; `--check` (the recorded version) then reproduces the files.
    #[test]
    fn a_changed_api_gets_the_proposed_version_and_check_reproduces_it() {
        let dir = std::env::temp_dir().join(format!("codegen-version-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(recorded_version(&dir).unwrap(), FIRST_VERSION, "no summary yet");
        regenerate(&[target(&dir, false)], true, false, &mut Vec::new()).unwrap();
        assert_eq!(recorded_version(&dir).unwrap(), "0.3.1");

        // Unchanged API: the files stay as generated, and the closure is not called.
        let same = apply_proposed_version(target(&dir, false), |_| panic!("nothing to re-generate")).unwrap();
        assert_eq!(cargo_version(&same.files), "0.3.1");

        // Breaking change on a 0.x crate: re-generated as 0.4.0.
        let mut asked = Vec::new();
        let bumped = apply_proposed_version(target(&dir, true), |v| {
            asked.push(v.to_string());
            Ok(files_as(true, v))
        })
        .unwrap();
        assert_eq!(asked, ["0.4.0"]);
        assert_eq!(cargo_version(&bumped.files), "0.4.0");
        let mut out = Vec::new();
        regenerate(&[bumped], true, false, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("version 0.3.1 → 0.4.0"), "{out}");
        assert_eq!(recorded_version(&dir).unwrap(), "0.4.0");
        assert!(std::fs::read_to_string(dir.join(CHANGELOG)).unwrap().contains("\n## 0.4.0\n"));
        // What `--check` generates (the recorded version) is what was written.
        assert!(check(&dir, &files_as(true, &recorded_version(&dir).unwrap())).unwrap().is_empty());
        assert!(matches!(api_outcome(&dir, &files_as(true, "0.4.0")).unwrap(), ApiOutcome::Unchanged));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Every file under `dir` with its contents.
    fn snapshot(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<String> = existing_files(dir).unwrap().into_iter().collect();
        if dir.join(CHANGELOG).exists() {
            files.push(CHANGELOG.into());
        }
        files.into_iter().map(|f| (std::fs::read_to_string(dir.join(&f)).unwrap(), f)).map(|(c, f)| (f, c)).collect()
    }

    #[test]
    fn regeneration_reports_api_changes_writes_the_changelog_and_deny_breaking_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("codegen-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let run = |v2: bool, deny: bool| {
            let mut out = Vec::new();
            let result = regenerate(&[target(&dir, v2)], true, deny, &mut out);
            (result, String::from_utf8(out).unwrap())
        };

        // First generation: no previous API; the summary is written, no change log.
        let (result, out) = run(false, true);
        assert!(result.is_ok());
        assert_eq!(out, format!("svc/: no previous API known (no {SUMMARY_FILE}); writing it now, so the next regeneration can report API changes\n"));
        assert!(dir.join(SUMMARY_FILE).exists());
        assert!(!dir.join(CHANGELOG).exists());
        assert!(check(&dir, &target(&dir, false).files).unwrap().is_empty());

        // The same model again: nothing to report.
        let (result, out) = run(false, true);
        assert!(result.unwrap().concat().is_empty());
        assert_eq!(out, "svc/: API unchanged\n");

        // A breaking model with --deny-breaking: the report is printed, the run fails and the
        // directory is byte for byte what it was.
        let before = snapshot(&dir);
        let (result, out) = run(true, true);
        let err = result.unwrap_err().to_string();
        assert_eq!(err, "breaking API changes in svc (--deny-breaking): nothing written");
        assert!(out.contains("enum `Mode` value `slow`: removed"), "{out}");
        assert!(out.contains("structure `Thing` member `Color`: added"), "{out}");
        assert!(out.contains("proposed version 0.4.0 (from 0.3.1"), "{out}");
        assert_eq!(snapshot(&dir), before);

        // Without the flag: written, with the section at the top of a new change log.
        let (result, _) = run(true, false);
        let changes = result.unwrap().concat();
        assert!(changes.contains(&Change::Added(CHANGELOG.into())), "{changes:?}");
        assert!(changes.contains(&Change::Updated(SUMMARY_FILE.into())), "{changes:?}");
        let log = std::fs::read_to_string(dir.join(CHANGELOG)).unwrap();
        assert!(log.starts_with("# Changelog\n"), "{log}");
        assert!(log.contains("\n## 0.4.0\n"), "{log}");
        assert!(log.contains("- enum `Mode` value `slow`: removed"), "{log}");
        assert!(check(&dir, &target(&dir, true).files).unwrap().is_empty(), "the change log is not a stray file");

        // Back to the first model (the value returns, the member goes: breaking again): the new
        // section goes above the previous one, and the history is kept.
        let (result, _) = run(false, false);
        assert!(result.is_ok());
        let log = std::fs::read_to_string(dir.join(CHANGELOG)).unwrap();
        let sections: Vec<&str> = log.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(sections, ["## 0.4.0", "## 0.4.0"]);
        let newest = &log[log.find("## ").unwrap()..log.rfind("## ").unwrap()];
        assert!(newest.contains("structure `Thing` member `Color`: removed"), "{newest}");
        assert!(newest.contains("enum `Mode` value `slow`: added"), "{newest}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
