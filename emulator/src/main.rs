//! `emulator`: runs the Chime SDK Identity emulator in the foreground on 127.0.0.1 until
//! Ctrl-C or SIGTERM. The first line on standard output is `listening on http://127.0.0.1:PORT`
//! (so `--port 0` can be used by scripts); one line per request goes to standard error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use emulator::{Config, Emulator};

const USAGE: &str = "usage: emulator [--port PORT] [--access-key KEY] [--secret-key SECRET] [--region REGION]
                [--account ACCOUNT] [--state FILE] [--max-rps N] [--head-timeout SECS]
                [--max-connections N] [--quiet]

  --port PORT          port on 127.0.0.1 (default 8080; 0 picks a free one)
  --access-key KEY     access key id requests must be signed with (default AKIDEXAMPLE)
  --secret-key SECRET  its secret (default wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY)
  --region REGION      signing region and ARN region (default us-east-1)
  --account ACCOUNT    12-digit account id in ARNs (default 123456789012)
  --state FILE         load the state from FILE at start and save every change to it
                       (through FILE.tmp-<pid>; such files a killed run left are removed)
  --max-rps N          throttle (ThrottledClientException) beyond N requests per second per
                       access key (default: no limit)
  --head-timeout SECS  a client must send a whole request head within SECS seconds of
                       connecting (of the request's first byte, on a kept-alive connection),
                       however it splits it; then the connection closes (default 10)
  --max-connections N  serve at most N connections; beyond N, or out of file descriptors,
                       the connection that has waited longest for a request is closed
                       (default 512). Request heads over 64 KiB are refused with 431
  --quiet              no per-request log lines";

#[derive(Debug)]
struct Args {
    port: u16,
    config: Config,
    quiet: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args { port: 8080, config: Config::default(), quiet: false };
    while let Some(flag) = args.next() {
        if flag == "--quiet" {
            out.quiet = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => out.port = value()?.parse().map_err(|_| "--port must be a number from 0 to 65535".to_string())?,
            "--access-key" => out.config.access_key = value()?,
            "--secret-key" => out.config.secret_key = value()?,
            "--region" => out.config.region = value()?,
            "--account" => out.config.account = value()?,
            "--state" => out.config.state_file = Some(PathBuf::from(value()?)),
            "--max-rps" => {
                let rate = value()?.parse().map_err(|_| "--max-rps must be a whole number from 1 up".to_string())?;
                out.config.max_rps = Some(rate);
            }
            "--head-timeout" => {
                let secs: u64 = value()?.parse().ok().filter(|&s| s > 0).ok_or_else(|| "--head-timeout must be a whole number of seconds from 1 up".to_string())?;
                out.config.head_timeout = Duration::from_secs(secs);
            }
            "--max-connections" => {
                let n = value()?.parse().map_err(|_| "--max-connections must be a whole number from 1 up".to_string())?;
                out.config.max_connections = n;
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(out)
}

/// Completes on Ctrl-C, or on SIGTERM where there is one.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => drop(tokio::signal::ctrl_c().await),
        }
    }
    #[cfg(not(unix))]
    drop(tokio::signal::ctrl_c().await);
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::new(args.config)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
        let addr = listener.local_addr()?;
        let config = emulator.config();
        println!("listening on http://{addr}");
        std::io::stdout().flush()?;
        let persistence = config.state_file.as_ref().map_or("in memory only".to_string(), |p| format!("state in {}", p.display()));
        let limit = config.max_rps.map_or(String::new(), |n| format!(", rate limit {n}/s per access key"));
        eprintln!(
            "Chime SDK Identity emulator: region {}, account {}, access key {}, {persistence}{limit}; Ctrl-C to stop",
            config.region, config.account, config.access_key
        );
        emulator.serve(listener, shutdown_signal(), !args.quiet).await?;
        eprintln!("stopped");
        Ok(())
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) };
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn max_rps_is_off_by_default_and_must_be_positive() {
        assert_eq!(parse(&[]).unwrap().config.max_rps, None);
        assert_eq!(parse(&["--max-rps", "25"]).unwrap().config.max_rps.map(|n| n.get()), Some(25));
        for bad in ["0", "-1", "ten", ""] {
            assert!(parse(&["--max-rps", bad]).unwrap_err().contains("--max-rps"), "{bad}");
        }
        assert!(parse(&["--max-rps"]).unwrap_err().contains("needs a value"));
    }

    #[test]
    fn connection_limits_have_defaults_and_must_be_positive() {
        let defaults = parse(&[]).unwrap().config;
        assert_eq!((defaults.head_timeout, defaults.max_connections), (emulator::DEFAULT_HEAD_TIMEOUT, emulator::DEFAULT_MAX_CONNECTIONS));
        let set = parse(&["--head-timeout", "3", "--max-connections", "40"]).unwrap().config;
        assert_eq!((set.head_timeout, set.max_connections.get()), (Duration::from_secs(3), 40));
        for bad in ["0", "-1", "1.5", "ten", ""] {
            assert!(parse(&["--head-timeout", bad]).unwrap_err().contains("--head-timeout"), "{bad}");
            assert!(parse(&["--max-connections", bad]).unwrap_err().contains("--max-connections"), "{bad}");
        }
    }
}
