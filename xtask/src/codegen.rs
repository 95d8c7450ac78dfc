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

use anyhow::{bail, Context, Result};
use codegen::{GeneratedFile, Options, PackageOptions};
use std::collections::BTreeSet;
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
/// folder, and the checked-in crate's directory.
pub const AWS_CLIENTS: &[(&str, &str)] = &[
    ("models/sts.official.json", "generated-clients/sts"),
    ("models/sso.official.json", "generated-clients/sso"),
    ("models/sso-oidc.official.json", "generated-clients/sso-oidc"),
];

/// The shared reference folder: `$SHARED_DIR`, or `../shared` beside the workspace.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("SHARED_DIR").map(PathBuf::from).unwrap_or_else(|| crate::workspace_root().join("../shared"))
}

pub fn main(args: &[String]) -> Result<ExitCode> {
    let flags = crate::parse_flags(args, &["model", "service", "out", "emit-json-ast", "emit-idl"], &["check"])?;
    let root = crate::workspace_root();
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
        }
        if let Some(file) = flags.get("emit-json-ast") {
            let sources = sources(&texts);
            let model = codegen::model::assemble(&sources).map_err(|e| anyhow::anyhow!("{e}"))?;
            let json = serde_json::to_string_pretty(&codegen::model::to_json_ast(&model))? + "\n";
            if file == "-" {
                print!("{json}");
            } else {
                std::fs::write(file, json).with_context(|| format!("writing {file}"))?;
                eprintln!("wrote the JSON AST of {} shapes to {file}", model.shapes.len());
            }
        }
        if let Some(out) = flags.get("out") {
            let out = PathBuf::from(out);
            let files = generate_from(&texts, flags.get("service").map(String::as_str), &out)?;
            let changes = write(&out, &files, false)?;
            report(&changes);
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
    let mut changes = Vec::new();
    for (name, files) in &targets {
        let prefix = |p: String| if name == CLIENT_DIR { p } else { format!("{name}/{p}") };
        changes.extend(write(&root.join(name), files, true)?.into_iter().map(|c| match c {
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

/// Generates the checked-in client from the workspace's model.
pub fn generate_checked_in(root: &Path, verbose: bool) -> Result<Vec<GeneratedFile>> {
    let path = root.join(MODEL);
    let json = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let options = Options {
        service: None,
        package: PackageOptions { name: None, version: "0.1.0".into(), runtime_path: "../runtime".into(), workspace_member: true, credentials_chain: true },
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
    for (model, dir) in AWS_CLIENTS {
        out.push((dir.to_string(), generate_aws_client(&shared, model, verbose)?));
    }
    Ok(out)
}

/// Generates one of [`AWS_CLIENTS`] from its official model in the shared folder.
pub fn generate_aws_client(shared: &Path, model: &str, verbose: bool) -> Result<Vec<GeneratedFile>> {
    let path = shared.join(model);
    let json = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {} (the shared reference folder; set SHARED_DIR)", path.display()))?;
    let options = Options {
        service: None,
        // The credentials chain calls these clients: a `default-chain` feature on them would be a
        // dependency cycle.
        package: PackageOptions { name: None, version: "0.1.0".into(), runtime_path: "../../runtime".into(), workspace_member: true, credentials_chain: false },
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
    generate_from(&read_models(models)?, service, out)
}

fn generate_from(texts: &[(String, String)], service: Option<&str>, out: &Path) -> Result<Vec<GeneratedFile>> {
    let runtime = crate::workspace_root().join("runtime");
    let options = Options {
        service: service.map(str::to_string),
        package: PackageOptions {
            name: None,
            version: "0.1.0".into(),
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
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Updated(String),
    Removed(String),
}

/// Every file under `dir`, relative, with `/` separators (skipping `target/`).
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
            } else if rel != "Cargo.lock" {
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
        for (model, dir) in AWS_CLIENTS {
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
        let problems = check(&dir, &files).unwrap();
        assert_eq!(problems, ["stale:   src/lib.rs", "missing: src/client.rs", "stray:   src/stray.rs"]);

        let changes = write(&dir, &files, true).unwrap();
        assert_eq!(
            changes,
            [Change::Updated("src/lib.rs".into()), Change::Added("src/client.rs".into()), Change::Removed("src/stray.rs".into())]
        );
        assert!(check(&dir, &files).unwrap().is_empty());
        assert!(write(&dir, &files, true).unwrap().is_empty(), "a second run writes nothing");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
