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
  cargo xtask codegen [--check] [--deny-breaking]
  cargo xtask codegen --model PATH... [--service SHAPE_ID] [--out DIR] [--emit-json-ast FILE]
                      [--emit-idl DIR] [--deny-breaking]
      regenerates the checked-in crates (or one crate at DIR); over an existing crate it prints
      the API changes against the crate's api-summary.json (Rust API and wire classification,
      proposed version) and adds them to its CHANGELOG.md; --deny-breaking fails and writes
      nothing if any change is breaking; --check writes nothing and compares files.
      --model repeats; PATH is a .json or .smithy file or a directory of them;
      --emit-json-ast writes the assembled model as JSON AST, `-` for stdout;
      --emit-idl writes it as IDL, one <namespace>.smithy file per namespace
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

/// Parsed `--name value` flags and `--switch`es.
#[derive(Debug, Default)]
pub struct Flags(std::collections::BTreeMap<String, Vec<String>>);

impl Flags {
    /// The value of `--name` (the last one, when given several times).
    pub fn get(&self, name: &str) -> Option<&String> {
        self.0.get(name).and_then(|v| v.last())
    }

    /// Every value of `--name`, in order (for flags that may repeat, like `--model`).
    pub fn all(&self, name: &str) -> &[String] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether `--name` was given.
    pub fn contains_key(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

/// Parses `--name value` flags (a flag may be given several times) and switches; errors on
/// unknown flags or a missing value.
pub fn parse_flags(args: &[String], known: &[&str], switches: &[&str]) -> anyhow::Result<Flags> {
    let mut out = Flags::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let name = arg
            .strip_prefix("--")
            .ok_or_else(|| anyhow::anyhow!("unexpected argument `{arg}`"))?;
        if switches.contains(&name) {
            out.0.entry(name.to_string()).or_default();
        } else if known.contains(&name) {
            let value = it.next().ok_or_else(|| anyhow::anyhow!("--{name} needs a value"))?;
            out.0.entry(name.to_string()).or_default().push(value.clone());
        } else {
            anyhow::bail!("unknown flag `{arg}`");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_flags;

    #[test]
    fn flags_repeat_switches_do_not_take_values() {
        let args: Vec<String> = ["--model", "a.smithy", "--check", "--model", "dir", "--out", "o"].iter().map(|s| s.to_string()).collect();
        let flags = parse_flags(&args, &["model", "out"], &["check"]).unwrap();
        assert_eq!(flags.all("model"), ["a.smithy", "dir"]);
        assert_eq!(flags.get("model").map(String::as_str), Some("dir"));
        assert!(flags.contains_key("check") && !flags.contains_key("service"));
        assert!(flags.all("service").is_empty());
        let err = |a: &[&str]| parse_flags(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &["model"], &[]).unwrap_err().to_string();
        assert_eq!(err(&["--model"]), "--model needs a value");
        assert_eq!(err(&["--nope"]), "unknown flag `--nope`");
        assert_eq!(err(&["x"]), "unexpected argument `x`");
    }
}
