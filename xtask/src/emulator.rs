//! `cargo xtask emulator [--port PORT] [...]`: builds the emulator binary and runs it in the
//! foreground. On Unix the binary replaces this process (`exec`), so Ctrl-C and SIGTERM reach
//! the emulator itself and it shuts down cleanly; elsewhere it runs as a child.
//!
//! The emulator is a separate binary rather than a library call so that `xtask` never depends
//! on the generated server module: a stale or broken one must not stop `cargo xtask codegen`
//! from rebuilding it.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

pub fn main(args: &[String]) -> Result<ExitCode> {
    let binary = build()?;
    let mut command = Command::new(&binary);
    command.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = command.exec();
        bail!("cannot run {}: {err}", binary.display())
    }
    #[cfg(not(unix))]
    {
        let status = command.status().with_context(|| format!("running {}", binary.display()))?;
        Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    }
}

/// Builds the `emulator` binary and returns its path, as cargo reports it (which honours any
/// target directory setting).
fn build() -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(crate::workspace_root())
        .args(["build", "--quiet", "--package", "emulator", "--bin", "emulator", "--message-format=json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo build")?;
    if !output.status.success() {
        bail!("building the emulator failed");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let is_emulator = message["reason"] == "compiler-artifact" && message["target"]["name"] == "emulator";
        if let (true, Some(path)) = (is_emulator, message["executable"].as_str()) {
            return Ok(PathBuf::from(path));
        }
    }
    bail!("cargo build did not report the emulator binary")
}
