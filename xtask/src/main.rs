//! `cargo xtask <command>`: the project's command line. All file-system and process work lives
//! here; the generator itself is a pure function in `codegen`.

mod bench;
mod codegen;
mod conformance;
mod emulator;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::main(&args[1..]),
        Some("conformance") => conformance::main(&args[1..]),
        Some("bench") => bench::main(&args[1..]),
        Some("emulator") => emulator::main(&args[1..]),
        Some(other) => Err(anyhow::anyhow!("unknown command `{other}`\n{USAGE}")),
        None => Err(anyhow::anyhow!("{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage:
  cargo xtask codegen [--check] [--model PATH [--service SHAPE_ID] --out DIR] [--deny-breaking]
      regenerates the checked-in crates (or one crate at DIR); over an existing crate it prints
      the API changes against the crate's api-summary.json (Rust API and wire classification,
      proposed version) and adds them to its CHANGELOG.md; --deny-breaking fails and writes
      nothing if any change is breaking; --check writes nothing and compares files
  cargo xtask conformance [--shared DIR]
  cargo xtask bench [--quick] [--requests N] [--out FILE] [--shared DIR] [--codegen-only]
  cargo xtask emulator [--port PORT] [--access-key KEY] [--secret-key SECRET] [--region REGION]
                       [--account ACCOUNT] [--state FILE] [--max-rps N] [--head-timeout SECS]
                       [--max-connections N] [--quiet]";

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Parses `--name value` flags; errors on unknown flags or a missing value.
pub fn parse_flags(args: &[String], known: &[&str], switches: &[&str]) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let name = arg
            .strip_prefix("--")
            .ok_or_else(|| anyhow::anyhow!("unexpected argument `{arg}`"))?;
        if switches.contains(&name) {
            out.insert(name.to_string(), String::new());
        } else if known.contains(&name) {
            let value = it.next().ok_or_else(|| anyhow::anyhow!("--{name} needs a value"))?;
            out.insert(name.to_string(), value.clone());
        } else {
            anyhow::bail!("unknown flag `{arg}`");
        }
    }
    Ok(out)
}
