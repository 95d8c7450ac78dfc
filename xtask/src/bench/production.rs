//! The measurements of how the client is used in production (issue 16), run by `cargo xtask bench`
//! after the sequential ones: many calls in flight on one client, HTTPS (kept-alive and a new
//! connection per call), a fresh process's first call (cold start), and the generator on models of
//! growing size. Both consumers run against the same `bench-server`, interleaved, and every CPU
//! figure is the client process's own `getrusage`, as in the per-request runs.

use super::{describe, median, min, run_report, CommandLog, Consumer, Fields, Server, Tools};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Calls in flight in the concurrency runs.
pub(super) const IN_FLIGHT: [u64; 4] = [1, 16, 64, 256];

/// How much each measurement does; `--quick` takes the small counts.
pub(super) struct Counts {
    /// Repetitions of every configuration (medians are reported).
    pub reps: usize,
    /// Measured calls of one concurrency run, and the unmeasured ones before them.
    pub concurrent: u64,
    pub concurrent_warmup: u64,
    /// Measured calls on a kept-alive HTTPS connection, and the warm-up before them.
    pub https: u64,
    pub https_warmup: u64,
    /// Measured calls when each one opens a new connection, and the warm-up before them.
    pub new_connection: u64,
    pub new_connection_warmup: u64,
    /// Cold starts per client and credentials source.
    pub cold_runs: usize,
    /// Generator runs per model in the scaling table.
    pub codegen_runs: usize,
}

impl Counts {
    pub fn new(quick: bool, requests: u64) -> Counts {
        if quick {
            Counts {
                reps: 1,
                concurrent: 2_000,
                concurrent_warmup: 200,
                https: requests,
                https_warmup: 200,
                new_connection: 200,
                new_connection_warmup: 20,
                cold_runs: 3,
                codegen_runs: 3,
            }
        } else {
            Counts {
                reps: 3,
                concurrent: 20_000,
                concurrent_warmup: 1_000,
                https: requests,
                https_warmup: 1_000,
                new_connection: 2_000,
                new_connection_warmup: 100,
                cold_runs: 21,
                codegen_runs: 10,
            }
        }
    }
}

fn field(reps: &[Fields], name: &str) -> f64 {
    let mut values: Vec<f64> = reps.iter().filter_map(|r| r.get(name).copied()).collect();
    median(&mut values)
}

// ---------------------------------------------------------------------------------------------
// Concurrency

/// Medians of one client at one concurrency.
pub(super) struct ConcurrencyRow {
    pub client: &'static str,
    pub in_flight: u64,
    pub rps: f64,
    pub cpu_us: f64,
    pub cpu_us_min: f64,
    pub allocs: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Connections the server saw during the run (warm-up included).
    pub connections: f64,
    pub peak_rss_kb: f64,
}

/// One client per process on a multi-thread runtime, [`IN_FLIGHT`] tasks sharing it.
pub(super) fn concurrency(tools: &Tools, consumers: &[Consumer], counts: &Counts, log: &mut CommandLog) -> Result<Vec<ConcurrencyRow>> {
    let server = Server::start(tools, 1000, log)?;
    let endpoint = server.endpoint();
    let (total, warmup) = (counts.concurrent.to_string(), counts.concurrent_warmup.to_string());
    let mut runs: BTreeMap<(u64, usize), Vec<(Fields, u64)>> = BTreeMap::new();
    for rep in 0..counts.reps {
        eprintln!("   repetition {}/{}", rep + 1, counts.reps);
        for in_flight in IN_FLIGHT {
            for (i, consumer) in consumers.iter().enumerate() {
                server.drain();
                let mut cmd = tools.command(&consumer.release_binary());
                cmd.args([endpoint.as_str(), "multi", "concurrent", &total, &in_flight.to_string(), &warmup]);
                let report = run_report(&mut cmd, log)?;
                let finished = server.finished()?;
                runs.entry((in_flight, i)).or_default().push((report, finished.connections));
            }
        }
    }
    Ok(runs
        .into_iter()
        .map(|((in_flight, i), reps)| {
            let mut connections: Vec<f64> = reps.iter().map(|(_, c)| *c as f64).collect();
            let reports: Vec<Fields> = reps.into_iter().map(|(r, _)| r).collect();
            let cpu: Vec<f64> = reports.iter().filter_map(|r| r.get("cpu_us_per_req").copied()).collect();
            ConcurrencyRow {
                client: consumers[i].name,
                in_flight,
                rps: field(&reports, "rps"),
                cpu_us: field(&reports, "cpu_us_per_req"),
                cpu_us_min: min(&cpu),
                allocs: field(&reports, "allocs_per_req"),
                p50_us: field(&reports, "p50_us"),
                p99_us: field(&reports, "p99_us"),
                connections: median(&mut connections),
                peak_rss_kb: field(&reports, "maxrss_kb"),
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// HTTPS

/// The server configurations of the HTTPS runs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Link {
    /// TLS, one connection kept alive for every call.
    TlsKeptAlive,
    /// TLS, the server closes the connection after each response.
    TlsNewConnection,
    /// Plain HTTP, the server closes the connection after each response (the TCP part alone).
    PlainNewConnection,
}

impl Link {
    pub fn label(self) -> &'static str {
        match self {
            Link::TlsKeptAlive => "HTTPS, kept alive",
            Link::TlsNewConnection => "HTTPS, new connection per call",
            Link::PlainNewConnection => "plain HTTP, new connection per call",
        }
    }
}

pub(super) struct HttpsRow {
    pub client: &'static str,
    pub link: Link,
    pub calls: u64,
    pub rps: f64,
    pub cpu_us: f64,
    pub cpu_us_min: f64,
    pub allocs: f64,
    pub peak_rss_kb: f64,
    pub connections: f64,
    pub server_cpu_us: f64,
}

/// DescribeAppInstance in sequence on a current-thread runtime over each [`Link`]. The server
/// makes a throw-away CA at start-up (`--tls`) and writes it where `SSL_CERT_FILE` points.
pub(super) fn https(tools: &Tools, consumers: &[Consumer], counts: &Counts, root: &Path, log: &mut CommandLog) -> Result<Vec<HttpsRow>> {
    let dir = root.join("target/bench/tls");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let ca = dir.join("bench-ca.pem");
    let ca_arg = ca.to_string_lossy().into_owned();
    let mut rows = Vec::new();
    for link in [Link::TlsKeptAlive, Link::TlsNewConnection, Link::PlainNewConnection] {
        let (flags, n, warmup): (Vec<&str>, u64, u64) = match link {
            Link::TlsKeptAlive => (vec!["--tls", &ca_arg], counts.https, counts.https_warmup),
            Link::TlsNewConnection => (vec!["--tls", &ca_arg, "--close"], counts.new_connection, counts.new_connection_warmup),
            Link::PlainNewConnection => (vec!["--close"], counts.new_connection, counts.new_connection_warmup),
        };
        let server = Server::start_with(tools, 1000, &flags, log)?;
        let scheme = if link == Link::PlainNewConnection { "http" } else { "https" };
        let endpoint = format!("{scheme}://{}", server.addr);
        let mut runs: Vec<Vec<(Fields, super::Finished)>> = consumers.iter().map(|_| Vec::new()).collect();
        for _ in 0..counts.reps {
            for (i, consumer) in consumers.iter().enumerate() {
                server.drain();
                let mut cmd = tools.command(&consumer.release_binary());
                cmd.env("SSL_CERT_FILE", &ca).args([endpoint.as_str(), "current", "describe", &n.to_string(), &warmup.to_string()]);
                let report = run_report(&mut cmd, log).with_context(|| format!("{} over {}", consumer.name, link.label()))?;
                runs[i].push((report, server.finished()?));
            }
        }
        for (consumer, reps) in consumers.iter().zip(runs) {
            let mut connections: Vec<f64> = reps.iter().map(|(_, f)| f.connections as f64).collect();
            let mut server_cpu: Vec<f64> = reps.iter().map(|(_, f)| f.cpu_ns as f64 / 1e3 / f.requests.max(1) as f64).collect();
            let reports: Vec<Fields> = reps.into_iter().map(|(r, _)| r).collect();
            let cpu: Vec<f64> = reports.iter().filter_map(|r| r.get("cpu_us_per_req").copied()).collect();
            rows.push(HttpsRow {
                client: consumer.name,
                link,
                calls: n,
                rps: field(&reports, "rps"),
                cpu_us: field(&reports, "cpu_us_per_req"),
                cpu_us_min: min(&cpu),
                allocs: field(&reports, "allocs_per_req"),
                peak_rss_kb: field(&reports, "maxrss_kb"),
                connections: median(&mut connections),
                server_cpu_us: median(&mut server_cpu),
            });
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Cold start

/// Where a cold-start run's credentials come from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    Env,
    /// The default chain down to IMDS (`AWS_EC2_METADATA_SERVICE_ENDPOINT` at the bench server).
    Imds,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Env => "static keys in environment variables",
            Source::Imds => "IMDSv2 (fake, on 127.0.0.1)",
        }
    }
}

pub(super) struct ColdRow {
    pub client: &'static str,
    pub source: Source,
    pub runs: usize,
    /// Spawn to the report line the process prints at its first response, timed by the xtask.
    pub first_response_ms: f64,
    pub first_response_ms_min: f64,
    /// Spawn to exit (runtime shut down), timed by the xtask.
    pub exit_ms: f64,
    /// `main` to the first response, timed in the process.
    pub in_main_ms: f64,
    /// CPU of the whole process, up to the first response.
    pub cpu_ms: f64,
    pub peak_rss_kb: f64,
}

struct ColdRun {
    report: Fields,
    first_response_ms: f64,
    exit_ms: f64,
}

/// Spawns `cmd` and times it from the spawn to its `REPORT` line (printed, and flushed, right
/// after the first response) and to its exit.
fn cold_run(cmd: &mut Command) -> Result<ColdRun> {
    use std::io::{BufRead, BufReader, Read};
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().context("spawning the consumer")?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    let mut report = None;
    while lines.read_line(&mut line)? > 0 {
        if let Some(fields) = line.trim().strip_prefix("REPORT ") {
            report = Some((parse_fields(fields)?, start.elapsed().as_secs_f64() * 1e3));
            break;
        }
        line.clear();
    }
    let status = child.wait()?;
    let exit_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    match report {
        Some((report, first_response_ms)) if status.success() => Ok(ColdRun { report, first_response_ms, exit_ms }),
        _ => bail!("{cmd:?} failed ({status}) without a REPORT line:\n{stderr}"),
    }
}

fn parse_fields(line: &str) -> Result<Fields> {
    line.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').ok_or_else(|| anyhow!("bad report field {kv}"))?;
            Ok((k.to_string(), v.parse::<f64>().map_err(|_| anyhow!("bad report field {kv}"))?))
        })
        .collect()
}

/// Each run is a fresh process with a cleared environment holding only the region, the endpoint
/// and the credentials source, and a `HOME` without AWS files. One untimed run per client first,
/// so the binaries come from the page cache in every timed run.
pub(super) fn cold_start(tools: &Tools, consumers: &[Consumer], counts: &Counts, root: &Path, log: &mut CommandLog) -> Result<Vec<ColdRow>> {
    let server = Server::start(tools, 1000, log)?;
    let endpoint = server.endpoint();
    let home = root.join("target/bench/cold-home");
    std::fs::create_dir_all(&home).with_context(|| format!("creating {}", home.display()))?;
    let missing = home.join("none");
    let mut rows = Vec::new();
    for source in [Source::Env, Source::Imds] {
        let command = |consumer: &Consumer| {
            let mut cmd = tools.command(&consumer.release_binary());
            cmd.env_clear()
                .env("HOME", &home)
                .env("AWS_CONFIG_FILE", &missing)
                .env("AWS_SHARED_CREDENTIALS_FILE", &missing)
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ENDPOINT_URL", &endpoint);
            match source {
                Source::Env => {
                    cmd.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE").env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
                }
                Source::Imds => {
                    cmd.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint);
                }
            }
            cmd.args(["-", "multi", "cold"]);
            cmd
        };
        for consumer in consumers {
            let mut cmd = command(consumer);
            // `env -i`: the logged line reproduces the cleared environment.
            log.push(format!("env -i {}", describe(&cmd, root)));
            cold_run(&mut cmd).with_context(|| format!("cold start of {} ({})", consumer.name, source.label()))?;
        }
        // Every timed run is the command logged just above.
        let mut runs: Vec<Vec<ColdRun>> = consumers.iter().map(|_| Vec::new()).collect();
        for _ in 0..counts.cold_runs {
            for (i, consumer) in consumers.iter().enumerate() {
                runs[i].push(cold_run(&mut command(consumer)).with_context(|| format!("cold start of {}", consumer.name))?);
            }
        }
        for (consumer, reps) in consumers.iter().zip(runs) {
            let mut first: Vec<f64> = reps.iter().map(|r| r.first_response_ms).collect();
            let mut exit: Vec<f64> = reps.iter().map(|r| r.exit_ms).collect();
            let reports: Vec<Fields> = reps.into_iter().map(|r| r.report).collect();
            rows.push(ColdRow {
                client: consumer.name,
                source,
                runs: counts.cold_runs,
                first_response_ms_min: min(&first),
                first_response_ms: median(&mut first),
                exit_ms: median(&mut exit),
                in_main_ms: field(&reports, "wall_ms"),
                cpu_ms: field(&reports, "cpu_ms"),
                peak_rss_kb: field(&reports, "maxrss_kb"),
            });
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Codegen scaling

pub(super) struct ScalingRow {
    pub label: &'static str,
    pub shown: String,
    pub service: Option<&'static str>,
    pub bytes: u64,
    pub shapes: usize,
    pub files: f64,
    pub rust_lines: f64,
    pub median_ms: f64,
    pub min_ms: f64,
    pub peak_rss_kb: u64,
}

/// The largest input available: the Smithy AWS protocol-test model, every protocol's test services.
const PROTOCOL_TESTS: &str = "conformance/protocol-tests/smithy-aws-protocol-tests.json";

/// Each model in its own process (`target/bench/xtask/release/xtask bench --codegen-model ...`,
/// built for the codegen timings) under `/usr/bin/time -v`, for the process's peak RSS.
pub(super) fn codegen_scaling(root: &Path, shared: &Path, counts: &Counts, log: &mut CommandLog) -> Result<Vec<ScalingRow>> {
    let models: [(&'static str, PathBuf, String, Option<&'static str>); 5] = [
        ("the project's model", root.join(crate::codegen::MODEL), crate::codegen::MODEL.to_string(), None),
        (
            "official Chime SDK Identity",
            shared.join("models/chime-sdk-identity.official.json"),
            "../shared/models/chime-sdk-identity.official.json".into(),
            None,
        ),
        ("official STS (awsQuery)", shared.join("models/sts.official.json"), "../shared/models/sts.official.json".into(), None),
        (
            "restJson1 protocol tests",
            shared.join(PROTOCOL_TESTS),
            format!("../shared/{PROTOCOL_TESTS}"),
            Some("aws.protocoltests.restjson#RestJson"),
        ),
        (
            "awsQuery protocol tests",
            shared.join(PROTOCOL_TESTS),
            format!("../shared/{PROTOCOL_TESTS}"),
            Some("aws.protocoltests.query#AwsQuery"),
        ),
    ];
    let xtask = root.join("target/bench/xtask/release/xtask");
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        bail!("/usr/bin/time is missing: install it (`apt-get install time`)");
    }
    let mut rows = Vec::new();
    for (label, path, shown, service) in models {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let json: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let shapes = json["shapes"].as_object().map_or(0, |s| s.len());
        let mut cmd = Command::new(time);
        cmd.arg("-v").arg(&xtask).args(["bench", "--codegen-model"]).arg(&path);
        if let Some(service) = service {
            cmd.args(["--codegen-service", service]);
        }
        cmd.args(["--codegen-runs", &counts.codegen_runs.to_string()]).current_dir(root);
        log.push(describe(&cmd, root));
        let output = cmd.output().context("running the codegen scaling run")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            bail!("codegen of {shown} failed:\n{}", super::tail(&stderr, 30));
        }
        let report: Fields = stdout
            .lines()
            .find_map(|l| l.strip_prefix("REPORT "))
            .ok_or_else(|| anyhow!("no REPORT from the codegen run of {shown}"))?
            .split_whitespace()
            .filter_map(|kv| kv.split_once('=').and_then(|(k, v)| Some((k.to_string(), v.parse().ok()?))))
            .collect();
        let get = |k: &str| report.get(k).copied().ok_or_else(|| anyhow!("no {k} in the codegen report of {shown}"));
        let peak_rss_kb = stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| anyhow!("no peak memory in the output of /usr/bin/time -v"))?;
        let (files, rust_lines, median_ms, min_ms) = (get("files")?, get("rust_lines")?, get("median_ms")?, get("min_ms")?);
        rows.push(ScalingRow { label, shown, service, bytes: text.len() as u64, shapes, files, rust_lines, median_ms, min_ms, peak_rss_kb });
    }
    Ok(rows)
}

/// `xtask bench --codegen-model PATH [--codegen-service ID] [--codegen-runs N]`: generates from
/// one JSON AST model N times in this process and prints
/// `REPORT median_ms= min_ms= files= rust_lines=`.
pub(super) fn codegen_model_report(path: &Path, service: Option<&str>, runs: usize) -> Result<()> {
    let json = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let options = codegen::Options {
        service: service.map(str::to_string),
        package: codegen::PackageOptions {
            name: None,
            version: "0.1.0".into(),
            runtime_path: "../runtime".into(),
            workspace_member: true,
            credentials_chain: true,
        },
    };
    let mut times = Vec::with_capacity(runs);
    let mut generated = Vec::new();
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        generated = codegen::generate(&json, &options).map_err(|e| anyhow!("generating from {}: {e}", path.display()))?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let rust_lines: usize = generated
        .iter()
        .filter(|f| f.path.starts_with("src/") && f.path.ends_with(".rs"))
        .map(|f| f.contents.lines().count())
        .sum();
    println!(
        "REPORT median_ms={:.3} min_ms={:.3} files={} rust_lines={rust_lines}",
        median(&mut times),
        min(&times),
        generated.len()
    );
    Ok(())
}
