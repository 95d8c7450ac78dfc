//! `credential_process`: runs the profile's command through the shell and reads the JSON it
//! prints (`Version: 1`, `AccessKeyId`, `SecretAccessKey`, optional `SessionToken`,
//! `Expiration`, `AccountId`). A failing command's exit status and stderr are reported; its
//! stdout, which holds secrets, never is.

use client_runtime::credentials::{Credentials, CredentialsError, ProvideCredentials, ProvideFuture};

use crate::util::{credentials_from_json, json_object, Members};

/// Stderr is quoted in errors up to this many bytes.
const STDERR_LIMIT: usize = 2048;

/// Runs one command for credentials. `Debug` does not print the command (it may carry secrets).
#[derive(Clone)]
pub struct CredentialProcessProvider {
    command: String,
    account_id: Option<String>,
}

impl std::fmt::Debug for CredentialProcessProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialProcessProvider").finish_non_exhaustive()
    }
}

impl CredentialProcessProvider {
    /// A provider running `command` with `sh -c` (`cmd /C` on Windows).
    pub fn new(command: impl Into<String>) -> Self {
        Self { command: command.into(), account_id: None }
    }

    /// The account id to report when the process output has none (the profile's `aws_account_id`).
    pub fn account_id(mut self, account_id: Option<String>) -> Self {
        self.account_id = account_id;
        self
    }

    pub(crate) async fn load(&self) -> Result<Credentials, CredentialsError> {
        let command = self.command.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        // A plain thread: no dependency on tokio's process driver, and a slow command does not
        // block the runtime.
        std::thread::spawn(move || {
            let mut cmd = if cfg!(windows) { std::process::Command::new("cmd") } else { std::process::Command::new("sh") };
            cmd.arg(if cfg!(windows) { "/C" } else { "-c" }).arg(&command);
            cmd.stdin(std::process::Stdio::null());
            let _ = tx.send(cmd.output());
        });
        let output = rx
            .await
            .map_err(|_| CredentialsError::new("credential_process: the command runner stopped"))?
            .map_err(|e| CredentialsError::with_source("credential_process: could not start the command", e))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let mut stderr = stderr.trim().to_string();
            if stderr.len() > STDERR_LIMIT {
                let mut cut = STDERR_LIMIT;
                while !stderr.is_char_boundary(cut) {
                    cut -= 1;
                }
                stderr.truncate(cut);
                stderr.push_str("...");
            }
            return Err(CredentialsError::new(format!(
                "credential_process: external process exited with code {}{}",
                output.status,
                if stderr.is_empty() { String::new() } else { format!("; stderr: {stderr}") }
            )));
        }
        let what = "credential_process: could not parse response";
        let map = json_object(&output.stdout, what)?;
        match map.get("Version").and_then(|v| v.as_number()).and_then(|n| n.to_i64()) {
            Some(1) => {}
            Some(v) => return Err(CredentialsError::new(format!("{what}: unsupported Version {v} (only 1 is known)"))),
            None => return Err(CredentialsError::new(format!("{what}: no `Version` number"))),
        }
        let creds = credentials_from_json(&map, Members { token: "SessionToken", expiration_required: false, provider: "CredentialProcess" }, what)?;
        Ok(match (creds.account_id(), &self.account_id) {
            (None, Some(account)) => creds.with_account_id(account.clone()),
            _ => creds,
        })
    }
}

impl ProvideCredentials for CredentialProcessProvider {
    fn provide_credentials(&self) -> ProvideFuture<'_> {
        Box::pin(self.load())
    }
}


#[cfg(all(test, unix))]
mod tests {
    use super::*;

    async fn run(command: &str) -> Result<Credentials, String> {
        CredentialProcessProvider::new(command).account_id(Some("999".into())).load().await.map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn reads_version_1_output() {
        let creds = run(r#"printf '{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2030-01-02T03:04:05Z"}'"#)
            .await
            .expect("creds");
        assert_eq!((creds.access_key_id(), creds.secret_access_key(), creds.session_token()), ("AKID", "S", Some("T")));
        assert_eq!(creds.expiry(), crate::util::parse_rfc3339("2030-01-02T03:04:05Z"));
        assert_eq!(creds.account_id(), Some("999"), "falls back to the profile's account");
        let creds = run(r#"echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "AccountId": "123"}'"#).await.expect("creds");
        assert_eq!((creds.account_id(), creds.expiry()), (Some("123"), None));
    }

    #[tokio::test]
    async fn failures_show_status_and_stderr_never_stdout() {
        let err = run("echo SECRETOUT; echo 'token expired' >&2; exit 3").await.expect_err("fails");
        assert_eq!(err, "credential_process: external process exited with code exit status: 3; stderr: token expired");
        let err = run(r#"echo '{"Version": 2, "AccessKeyId": "SECRETOUT"}'"#).await.expect_err("version");
        assert_eq!(err, "credential_process: could not parse response: unsupported Version 2 (only 1 is known)");
        let err = run("echo 'SECRETOUT not json'").await.expect_err("json");
        assert!(err.starts_with("credential_process: could not parse response: invalid JSON in response"), "{err}");
        assert!(!err.contains("SECRETOUT"), "{err}");
    }
}
