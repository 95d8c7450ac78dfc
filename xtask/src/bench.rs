//! `cargo xtask bench`: measures this project's client and the official AWS SDK for Rust side by
//! side, in one run on one machine, and writes `BENCHMARKS.md`.
//!
//! It owns the whole procedure: codegen timings (in-process `codegen::generate`), the clean
//! builds of the two bench consumers (`bench/ours`, `bench/peer`) in fresh target directories
//! under `target/bench/`, their dependency counts, binary sizes and generated-code sizes, and the
//! per-request and pagination runs against the local server in `bench/server`, plus the
//! raw-socket floor. Nothing here asserts on timings: it reports them against the targets.
//!
//! Flags: `--shared DIR` (default `$SHARED_DIR` or `../shared`), `--requests N` (default 20000),
//! `--out FILE` (default `BENCHMARKS.md`), `--quick` (2000 requests, one repetition, incremental
//! instead of clean builds, reduced counts for the production-shaped sections (see
//! `production::Counts`), written to `target/bench/BENCHMARKS.quick.md` unless `--out` is given),
//! `--codegen-only` (print the codegen timings and stop; the run uses it on a release build),
//! `--codegen-model PATH [--codegen-service ID] [--codegen-runs N]` (generate from one model N
//! times and print the timing; the codegen scaling table runs it under `/usr/bin/time -v`).
//!
//! The production-shaped measurements (concurrency, HTTPS, cold start, codegen scaling) live in
//! `production.rs`.

mod production;

use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The profile this xtask was built with.
const PROFILE: &str = if cfg!(debug_assertions) { "dev" } else { "release" };
/// Codegen runs per model; the median is reported.
const CODEGEN_RUNS: usize = 15;
/// Unmeasured DescribeAppInstance calls before each measured loop (connection set-up, caches).
const WARMUP: u64 = 1000;
/// Item counts of the two pagination walks.
const WALKS: [u64; 2] = [1_000, 100_000];

/// Entry point of `cargo xtask bench`.
pub fn main(args: &[String]) -> Result<ExitCode> {
    let flags = crate::parse_flags(
        args,
        &["shared", "requests", "out", "codegen-model", "codegen-service", "codegen-runs"],
        &["quick", "codegen-only"],
    )?;
    if let Some(model) = flags.get("codegen-model") {
        let runs = match flags.get("codegen-runs") {
            Some(n) => n.parse().map_err(|_| anyhow!("--codegen-runs needs a number"))?,
            None => CODEGEN_RUNS,
        };
        production::codegen_model_report(Path::new(model), flags.get("codegen-service").map(String::as_str), runs)?;
        return Ok(ExitCode::SUCCESS);
    }
    let root = crate::workspace_root();
    let quick = flags.contains_key("quick");
    let shared = match flags.get("shared") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("SHARED_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("../shared")),
    };
    let requests: u64 = match flags.get("requests") {
        Some(n) => n.parse().map_err(|_| anyhow!("--requests needs a positive number"))?,
        None if quick => 2_000,
        None => 20_000,
    };
    if requests == 0 {
        bail!("--requests needs a positive number");
    }
    let out = match flags.get("out") {
        Some(path) => PathBuf::from(path),
        None if quick => root.join("target/bench/BENCHMARKS.quick.md"),
        None => root.join("BENCHMARKS.md"),
    };
    let settings = Settings { quick, requests, repetitions: if quick { 1 } else { 5 } };
    if flags.contains_key("codegen-only") {
        for c in codegen_timings(&root, &shared)? {
            println!("REPORT median_ms={} min_ms={}", c.median_ms, c.min_ms);
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut log = CommandLog::default();
    let machine = Machine::capture(&root)?;
    step("codegen");
    let mut codegen = codegen_timings(&root, &shared)?;
    for (timing, release) in codegen.iter_mut().zip(codegen_release(&root, &shared, &mut log)?) {
        timing.release = Some(release);
    }
    step("bench server and raw-socket floor");
    let tools = build_server(&root, &mut log)?;
    let consumers = [Consumer::ours(&root), Consumer::peer(&root)];
    let mut builds = Vec::new();
    for consumer in &consumers {
        step(&format!("build cost: {}", consumer.name));
        builds.push(build_cost(consumer, &settings, &mut log)?);
    }
    step("per-request cost");
    let per_request = per_request(&tools, &consumers, &settings, &mut log)?;
    step("pagination");
    let pagination = pagination(&tools, &consumers, &mut log)?;
    let counts = production::Counts::new(quick, requests);
    step("concurrency");
    let concurrency = production::concurrency(&tools, &consumers, &counts, &mut log)?;
    step("HTTPS");
    let https = production::https(&tools, &consumers, &counts, &root, &mut log)?;
    step("cold start");
    let cold = production::cold_start(&tools, &consumers, &counts, &root, &mut log)?;
    step("codegen scaling");
    let scaling = production::codegen_scaling(&root, &shared, &counts, &mut log)?;
    let load_after = read_trimmed("/proc/loadavg")?;

    let production = Production { counts, concurrency, https, cold, scaling };
    let report = Report { machine, load_after, settings, codegen, builds, per_request, pagination, production, log };
    let notes = std::fs::read_to_string(root.join("bench/NOTES.md")).ok();
    let markdown = report.markdown(notes.as_deref());
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, &markdown).with_context(|| format!("writing {}", out.display()))?;
    println!("{}", report.summary_table());
    println!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn step(name: &str) {
    eprintln!("== bench: {name}");
}

struct Settings {
    quick: bool,
    requests: u64,
    repetitions: usize,
}

/// Every external command the run executed, in order, for the report.
#[derive(Default)]
struct CommandLog(Vec<String>);

impl CommandLog {
    fn push(&mut self, line: String) {
        if !self.0.contains(&line) {
            self.0.push(line);
        }
    }
}

/// The machine and toolchain the numbers come from.
struct Machine {
    date: String,
    cpu: String,
    cores: usize,
    memory: String,
    kernel: String,
    rustc: String,
    cargo: String,
    commit: String,
    load_before: String,
}

impl Machine {
    fn capture(root: &Path) -> Result<Machine> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|_| anyhow!("clock before 1970"))?;
        let date = client_runtime::time::DateTime::from_secs(now.as_secs() as i64)
            .format(client_runtime::time::TimestampFormat::DateTime)
            .map_err(|e| anyhow!("formatting the date: {e}"))?;
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_string()))
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".into());
        Ok(Machine {
            date,
            cpu,
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            memory,
            kernel: read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_else(|_| "unknown".into()),
            rustc: capture(Command::new("rustc").arg("-V"))?.trim().to_string(),
            cargo: capture(Command::new("cargo").arg("-V"))?.trim().to_string(),
            commit: capture(Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(root))
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".into()),
            load_before: read_trimmed("/proc/loadavg")?,
        })
    }
}

fn read_trimmed(path: &str) -> Result<String> {
    Ok(std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?.trim().to_string())
}

/// Runs `cmd` and returns its standard output; fails with its standard error otherwise.
fn capture(cmd: &mut Command) -> Result<String> {
    let output = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !output.status.success() {
        bail!("{cmd:?} failed: {}", tail(&String::from_utf8_lossy(&output.stderr), 30));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Codegen

struct CodegenTiming {
    label: &'static str,
    path: String,
    files: usize,
    /// Lines of the generated crate's `src/**/*.rs`, counted like the build-cost line counts.
    rust_lines: u64,
    /// In-process, in the profile this xtask was built with.
    median_ms: f64,
    min_ms: f64,
    /// `(median, min)` from a release build of the xtask.
    release: Option<(f64, f64)>,
}

/// Times `codegen::generate` in-process (the model file is read once, outside the timing, and
/// nothing is written), [`CODEGEN_RUNS`] times per model.
fn codegen_timings(root: &Path, shared: &Path) -> Result<Vec<CodegenTiming>> {
    let models = [
        ("model/ (the project's model)", root.join(crate::codegen::MODEL), "model/chime-sdk-identity.json".to_string()),
        (
            "official model (shared/)",
            shared.join("models/chime-sdk-identity.official.json"),
            "../shared/models/chime-sdk-identity.official.json".to_string(),
        ),
    ];
    let options = codegen::Options {
        service: None,
        package: codegen::PackageOptions {
            name: None,
            version: "0.1.0".into(),
            runtime_path: "../runtime".into(),
            workspace_member: true,
            credentials_chain: true,
        },
    };
    let mut out = Vec::new();
    for (label, path, shown) in models {
        let json = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut times = Vec::with_capacity(CODEGEN_RUNS);
        let mut generated = Vec::new();
        for _ in 0..CODEGEN_RUNS {
            let start = Instant::now();
            generated = codegen::generate(&json, &options).map_err(|e| anyhow!("generating from {}: {e}", path.display()))?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        let rust_lines = generated
            .iter()
            .filter(|f| f.path.starts_with("src/") && f.path.ends_with(".rs"))
            .map(|f| f.contents.lines().count() as u64)
            .sum();
        out.push(CodegenTiming {
            label,
            path: shown,
            files: generated.len(),
            rust_lines,
            median_ms: median(&mut times),
            min_ms: min(&times),
            release: None,
        });
    }
    Ok(out)
}

/// The same timings from a release build of this xtask (`target/bench/xtask`), run as
/// `xtask bench --codegen-only`: the generator's own speed, apart from the dev profile that
/// `cargo xtask` uses.
fn codegen_release(root: &Path, shared: &Path, log: &mut CommandLog) -> Result<Vec<(f64, f64)>> {
    let target = root.join("target/bench/xtask");
    run_logged(
        Command::new("cargo").args(["build", "--release", "-p", "xtask"]).env("CARGO_TARGET_DIR", &target).current_dir(root),
        log,
        root,
    )?;
    let mut cmd = Command::new(target.join("release/xtask"));
    cmd.args(["bench", "--codegen-only", "--shared"]).arg(shared).current_dir(root);
    log.push(describe(&cmd, root));
    let stdout = capture(&mut cmd)?;
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("REPORT "))
        .map(|l| {
            let field = |name: &str| {
                l.split_whitespace()
                    .find_map(|kv| kv.strip_prefix(name))
                    .and_then(|v| v.parse::<f64>().ok())
                    .ok_or_else(|| anyhow!("bad codegen report {l:?}"))
            };
            Ok((field("median_ms=")?, field("min_ms=")?))
        })
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

// ---------------------------------------------------------------------------------------------
// Builds

/// One of the two bench consumers.
struct Consumer {
    name: &'static str,
    dir: PathBuf,
    bin: &'static str,
    target: PathBuf,
    /// Where the generated service code lives, for the line count: our checked-in client, or the
    /// package whose sources `cargo metadata` locates in the cargo registry.
    generated: Generated,
}

enum Generated {
    Dir(PathBuf),
    Package(&'static str),
}

impl Consumer {
    fn ours(root: &Path) -> Consumer {
        Consumer {
            name: "ours",
            dir: root.join("bench/ours"),
            bin: "bench-ours",
            target: root.join("target/bench/ours"),
            generated: Generated::Dir(root.join(crate::codegen::CLIENT_DIR).join("src")),
        }
    }

    fn peer(root: &Path) -> Consumer {
        Consumer {
            name: "peer",
            dir: root.join("bench/peer"),
            bin: "bench-peer",
            target: root.join("target/bench/peer"),
            generated: Generated::Package("aws-sdk-chimesdkidentity"),
        }
    }

    /// The release binary, as built into the release target directory.
    fn release_binary(&self) -> PathBuf {
        self.target.join("release/release").join(self.bin)
    }
}

struct BuildCost {
    /// Distinct `name version` pairs of `cargo tree -e normal`.
    crates_normal: usize,
    /// The same with build dependencies (and the proc-macros they pull in) counted too.
    crates_with_build: usize,
    /// Key packages and their versions, for the report.
    versions: Vec<String>,
    release: Option<Timed>,
    debug: Option<Timed>,
    binary_bytes: u64,
    stripped_bytes: u64,
    generated_lines: u64,
    generated_files: u64,
    generated_path: String,
}

struct Timed {
    wall_s: f64,
    peak_rss_kb: u64,
}

fn build_cost(consumer: &Consumer, settings: &Settings, log: &mut CommandLog) -> Result<BuildCost> {
    let dir = &consumer.dir;
    // Downloads are not part of a build's cost: fetch first, untimed.
    run_logged(Command::new("cargo").arg("fetch").current_dir(dir), log, dir)?;

    let crates_normal = distinct_crates(dir, "normal", log)?;
    let crates_with_build = distinct_crates(dir, "normal,build", log)?;
    let metadata = cargo_metadata(dir, log)?;
    let versions = key_versions(&metadata, consumer);

    let release_dir = consumer.target.join("release");
    let debug_dir = consumer.target.join("debug");
    let (release, debug) = if settings.quick {
        build(dir, &release_dir, true, false, log)?;
        (None, None)
    } else {
        eprintln!("   clean release build of {} ...", consumer.name);
        let release = build(dir, &release_dir, true, true, log)?;
        eprintln!("   {:.1} s; clean debug build of {} ...", release.wall_s, consumer.name);
        let debug = build(dir, &debug_dir, false, true, log)?;
        eprintln!("   {:.1} s", debug.wall_s);
        (Some(release), Some(debug))
    };

    let binary = consumer.release_binary();
    let binary_bytes = std::fs::metadata(&binary).with_context(|| format!("{}", binary.display()))?.len();
    let stripped = consumer.target.join(format!("{}.stripped", consumer.bin));
    run_logged(Command::new("strip").arg("-o").arg(&stripped).arg(&binary), log, dir)
        .context("stripping the binary (install binutils)")?;
    let stripped_bytes = std::fs::metadata(&stripped)?.len();

    let (generated_dir, generated_path) = match &consumer.generated {
        Generated::Dir(path) => (path.clone(), "generated-client/src".to_string()),
        Generated::Package(name) => {
            let dir = package_src(&metadata, name)?;
            let shown = dir
                .to_string_lossy()
                .split("/registry/src/")
                .nth(1)
                .map(|rest| format!("$CARGO_HOME/registry/src/{rest}"))
                .unwrap_or_else(|| dir.display().to_string());
            (dir, shown)
        }
    };
    let (generated_files, generated_lines) = count_rust_lines(&generated_dir)?;
    Ok(BuildCost {
        crates_normal,
        crates_with_build,
        versions,
        release,
        debug,
        binary_bytes,
        stripped_bytes,
        generated_lines,
        generated_files,
        generated_path,
    })
}

/// Runs `cmd`, recording it in `log` as `(cd DIR && ...)` relative to the workspace.
fn run_logged(cmd: &mut Command, log: &mut CommandLog, dir: &Path) -> Result<String> {
    log.push(describe(cmd, dir));
    capture(cmd)
}

fn describe(cmd: &Command, dir: &Path) -> String {
    let root = crate::workspace_root();
    let rel = |p: &Path| -> String {
        p.strip_prefix(&root).map(|r| r.display().to_string()).unwrap_or_else(|_| p.display().to_string())
    };
    let envs: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| v.map(|v| format!("{}={}", k.to_string_lossy(), rel(Path::new(v)))))
        .collect();
    let args: Vec<String> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| {
            let a = a.to_string_lossy();
            if a.starts_with('/') && !a.starts_with("/usr/") {
                rel(Path::new(a.as_ref()))
            } else {
                a.into_owned()
            }
        })
        .collect();
    let prefix = if envs.is_empty() { String::new() } else { format!("{} ", envs.join(" ")) };
    if dir == root {
        format!("{prefix}{}", args.join(" "))
    } else {
        format!("(cd {} && {prefix}{})", rel(dir), args.join(" "))
    }
}

fn distinct_crates(dir: &Path, edges: &str, log: &mut CommandLog) -> Result<usize> {
    let tree = run_logged(Command::new("cargo").args(["tree", "-e", edges, "--prefix", "none"]).current_dir(dir), log, dir)?;
    let set: BTreeSet<(String, String)> = tree
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .collect();
    Ok(set.len())
}

fn cargo_metadata(dir: &Path, log: &mut CommandLog) -> Result<serde_json::Value> {
    let text = run_logged(Command::new("cargo").args(["metadata", "--format-version", "1"]).current_dir(dir), log, dir)?;
    serde_json::from_str(&text).context("parsing cargo metadata")
}

/// Versions of the packages a reader would want to know, as resolved for this consumer.
fn key_versions(metadata: &serde_json::Value, consumer: &Consumer) -> Vec<String> {
    let wanted: &[&str] = match consumer.generated {
        Generated::Dir(_) => &["chime-sdk-identity", "smithy-lite-runtime", "tokio", "rustls", "ring"],
        Generated::Package(_) => &["aws-sdk-chimesdkidentity", "aws-config", "tokio", "hyper", "rustls", "aws-lc-rs"],
    };
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    wanted
        .iter()
        .filter_map(|name| {
            packages
                .iter()
                .find(|p| p["name"] == *name)
                .and_then(|p| p["version"].as_str())
                .map(|v| format!("{name} {v}"))
        })
        .collect()
}

fn package_src(metadata: &serde_json::Value, name: &str) -> Result<PathBuf> {
    let manifest = metadata["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or_else(|| anyhow!("package {name} not found in cargo metadata"))?;
    Ok(Path::new(manifest).parent().map(|d| d.join("src")).unwrap_or_default())
}

/// `(files, lines)` of every `.rs` file under `dir`; lines count every line (code, docs, blank).
fn count_rust_lines(dir: &Path) -> Result<(u64, u64)> {
    let mut files = 0;
    let mut lines = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("listing {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let bytes = std::fs::read(&path)?;
                files += 1;
                lines += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            }
        }
    }
    Ok((files, lines))
}

/// `cargo build [--release]` of the crate in `dir` into `target`, under `/usr/bin/time -v` for the
/// peak memory. With `clean`, `target` is deleted first so nothing is reused.
fn build(dir: &Path, target: &Path, release: bool, clean: bool, log: &mut CommandLog) -> Result<Timed> {
    if clean && target.exists() {
        std::fs::remove_dir_all(target).with_context(|| format!("removing {}", target.display()))?;
        log.push(format!("rm -rf {}", target.strip_prefix(crate::workspace_root()).unwrap_or(target).display()));
    }
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        bail!("/usr/bin/time is missing: install it (`apt-get install time`)");
    }
    let mut cmd = Command::new(time);
    cmd.arg("-v").arg("cargo").arg("build");
    if release {
        cmd.arg("--release");
    }
    cmd.env("CARGO_TARGET_DIR", target).current_dir(dir);
    log.push(describe(&cmd, dir));
    let start = Instant::now();
    let output = cmd.output().context("running cargo build")?;
    let wall_s = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("cargo build in {} failed:\n{}", dir.display(), tail(&stderr, 40));
    }
    let peak_rss_kb = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow!("no peak memory in the output of /usr/bin/time -v"))?;
    Ok(Timed { wall_s, peak_rss_kb })
}

// ---------------------------------------------------------------------------------------------
// The local server and the runs against it

struct Tools {
    server: PathBuf,
    floor: PathBuf,
    /// Whether `taskset` works here: the server and every client then run on CPU [`PIN_CPU`].
    pin: bool,
}

/// The CPU that the server and the clients share. On a virtual machine a request/response
/// ping-pong between two CPUs pays an inter-processor wake-up per message, which inflates every
/// client's CPU time several-fold and varies from run to run; on one CPU the exchange is a plain
/// context switch, the same for every client.
const PIN_CPU: &str = "0";

impl Tools {
    /// A command running `program`, pinned when pinning is available.
    fn command(&self, program: &Path) -> Command {
        if self.pin {
            let mut cmd = Command::new("taskset");
            cmd.args(["-c", PIN_CPU]).arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }
}

fn build_server(root: &Path, log: &mut CommandLog) -> Result<Tools> {
    let dir = root.join("bench/server");
    let target = root.join("target/bench/server");
    run_logged(Command::new("cargo").args(["build", "--release"]).env("CARGO_TARGET_DIR", &target).current_dir(&dir), log, &dir)?;
    let pin = Command::new("taskset")
        .args(["-c", PIN_CPU, "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !pin {
        eprintln!("   taskset is unavailable: client and server run unpinned (expect noisier CPU numbers)");
    }
    Ok(Tools { server: target.join("release/bench-server"), floor: target.join("release/floor"), pin })
}

/// A running `bench-server`; stopped (by its own process id) when dropped.
struct Server {
    child: Child,
    addr: String,
    /// `(requests, cpu_ns)` of each connection the server has finished serving.
    connections: Receiver<(u64, u64)>,
}

impl Server {
    fn start(tools: &Tools, items: u64, log: &mut CommandLog) -> Result<Server> {
        Server::start_with(tools, items, &[], log)
    }

    /// [`Server::start`] with more `bench-server` flags (`--tls CA_FILE`, `--close`).
    fn start_with(tools: &Tools, items: u64, extra: &[&str], log: &mut CommandLog) -> Result<Server> {
        let mut cmd = tools.command(&tools.server);
        cmd.args(["--items", &items.to_string(), "--max-seconds", "3600"]).args(extra);
        log.push(describe(&cmd, &crate::workspace_root()));
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().context("starting bench-server")?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout from bench-server"))?;
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .ok_or_else(|| anyhow!("bench-server said {line:?}"))?
            .to_string();
        let (send, connections) = channel();
        // Ends by itself when the server exits and its stdout closes.
        std::thread::spawn(move || {
            for line in reader.lines() {
                let Ok(line) = line else { return };
                let field = |name: &str| {
                    line.split_whitespace().find_map(|kv| kv.strip_prefix(name)).and_then(|v| v.parse::<u64>().ok())
                };
                if let (Some(requests), Some(cpu_ns)) = (field("requests="), field("cpu_ns=")) {
                    if send.send((requests, cpu_ns)).is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Server { child, addr, connections })
    }

    /// Forgets connections reported so far.
    fn drain(&self) {
        while self.connections.try_recv().is_ok() {}
    }

    /// Server CPU nanoseconds per request over the connections of the client run that just
    /// ended (its connections close when the client process exits).
    fn cpu_ns_per_request(&self) -> Result<f64> {
        let finished = self.finished()?;
        Ok(finished.cpu_ns as f64 / finished.requests.max(1) as f64)
    }

    /// The connections of the client run that just ended, added up (they close when the client
    /// process exits): the first report is awaited, then any others until the server is quiet.
    fn finished(&self) -> Result<Finished> {
        let (requests, cpu_ns) = self
            .connections
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| anyhow!("bench-server reported no finished connection"))?;
        let mut total = Finished { connections: 1, requests, cpu_ns };
        while let Ok((r, c)) = self.connections.recv_timeout(Duration::from_millis(100)) {
            total.connections += 1;
            total.requests += r;
            total.cpu_ns += c;
        }
        Ok(total)
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin stops it; the kill covers a server that is stuck.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the server reported about the connections of one client run.
struct Finished {
    connections: u64,
    requests: u64,
    cpu_ns: u64,
}

/// The `key=value` pairs of a `REPORT` line.
type Fields = BTreeMap<String, f64>;

/// The `key=value` pairs of the `REPORT` line a bench program printed.
fn run_report(cmd: &mut Command, log: &mut CommandLog) -> Result<Fields> {
    let root = crate::workspace_root();
    log.push(describe(cmd, &root));
    let stdout = capture(cmd)?;
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("REPORT "))
        .ok_or_else(|| anyhow!("{cmd:?} printed no REPORT line:\n{stdout}"))?;
    line.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').ok_or_else(|| anyhow!("bad report field {kv}"))?;
            Ok((k.to_string(), v.parse::<f64>().map_err(|_| anyhow!("bad report field {kv}"))?))
        })
        .collect()
}

/// Medians over repetitions of one client on one runtime flavour.
struct RequestStats {
    rps: f64,
    cpu_us: f64,
    /// The lowest CPU per request of the repetitions: noise from other work only adds.
    cpu_us_min: f64,
    user_us: f64,
    sys_us: f64,
    allocs: f64,
    alloc_bytes: f64,
    peak_rss_kb: f64,
    server_cpu_us: f64,
}

struct PerRequest {
    /// `(client, flavour) -> stats`; the floor has the flavour "-".
    stats: BTreeMap<(String, String), RequestStats>,
    requests: u64,
    repetitions: usize,
    pinned: bool,
}

fn per_request(tools: &Tools, consumers: &[Consumer], settings: &Settings, log: &mut CommandLog) -> Result<PerRequest> {
    let server = Server::start(tools, 1000, log)?;
    let endpoint = server.endpoint();
    // Each consumer does the whole smoke sequence once, so a broken client cannot post numbers.
    for consumer in consumers {
        for flavor in ["current", "multi"] {
            let mut cmd = tools.command(&consumer.release_binary());
            cmd.args([endpoint.as_str(), flavor, "smoke"]);
            log.push(describe(&cmd, &crate::workspace_root()));
            let out = capture(&mut cmd).with_context(|| format!("smoke run of {}", consumer.name))?;
            eprintln!("   {} ({flavor}): {}", consumer.name, out.trim());
        }
    }
    let n = settings.requests.to_string();
    let warmup = WARMUP.to_string();
    let mut runs: BTreeMap<(String, String), Vec<(Fields, f64)>> = BTreeMap::new();
    for rep in 0..settings.repetitions {
        eprintln!("   repetition {}/{}", rep + 1, settings.repetitions);
        let mut jobs: Vec<(String, String, Command)> = Vec::new();
        let mut floor = tools.command(&tools.floor);
        floor.args([server.addr.as_str(), &n, &warmup]);
        jobs.push(("floor".into(), "-".into(), floor));
        for flavor in ["current", "multi"] {
            for consumer in consumers {
                let mut cmd = tools.command(&consumer.release_binary());
                cmd.args([endpoint.as_str(), flavor, "describe", &n, &warmup]);
                jobs.push((consumer.name.into(), flavor.into(), cmd));
            }
        }
        for (client, flavor, mut cmd) in jobs {
            server.drain();
            let report = run_report(&mut cmd, log)?;
            let server_cpu = server.cpu_ns_per_request()?;
            runs.entry((client, flavor)).or_default().push((report, server_cpu));
        }
    }
    let mut stats = BTreeMap::new();
    for (key, reps) in runs {
        let per_request = |name: &str| -> Vec<f64> {
            reps.iter().filter_map(|(r, _)| Some(r.get(name)? / r.get("requests")?.max(1.0))).collect()
        };
        let field = |name: &str| -> f64 {
            let mut values: Vec<f64> = reps.iter().filter_map(|(r, _)| r.get(name).copied()).collect();
            median(&mut values)
        };
        let mut server: Vec<f64> = reps.iter().map(|(_, ns)| ns / 1e3).collect();
        stats.insert(
            key,
            RequestStats {
                rps: field("rps"),
                cpu_us: field("cpu_us_per_req"),
                cpu_us_min: min(&reps.iter().filter_map(|(r, _)| r.get("cpu_us_per_req").copied()).collect::<Vec<_>>()),
                user_us: median(&mut per_request("user_us")),
                sys_us: median(&mut per_request("sys_us")),
                allocs: field("allocs_per_req"),
                alloc_bytes: field("alloc_bytes_per_req"),
                peak_rss_kb: field("maxrss_kb"),
                server_cpu_us: median(&mut server),
            },
        );
    }
    Ok(PerRequest { stats, requests: settings.requests, repetitions: settings.repetitions, pinned: tools.pin })
}

struct Walk {
    items: u64,
    peak_rss_kb: f64,
    wall_s: f64,
}

fn pagination(tools: &Tools, consumers: &[Consumer], log: &mut CommandLog) -> Result<BTreeMap<String, Vec<Walk>>> {
    let mut out: BTreeMap<String, Vec<Walk>> = BTreeMap::new();
    for items in WALKS {
        let server = Server::start(tools, items, log)?;
        for consumer in consumers {
            let mut cmd = tools.command(&consumer.release_binary());
            cmd.args([server.endpoint().as_str(), "current", "paginate", &items.to_string()]);
            let report = run_report(&mut cmd, log)?;
            let get = |k: &str| report.get(k).copied().ok_or_else(|| anyhow!("no {k} in the pagination report"));
            out.entry(consumer.name.to_string()).or_default().push(Walk {
                items,
                peak_rss_kb: get("maxrss_kb")?,
                wall_s: get("wall_s")?,
            });
        }
        // Give the server's connection threads a moment to see the hang-ups before it stops.
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The report

struct Report {
    machine: Machine,
    load_after: String,
    settings: Settings,
    codegen: Vec<CodegenTiming>,
    builds: Vec<BuildCost>,
    per_request: PerRequest,
    pagination: BTreeMap<String, Vec<Walk>>,
    production: Production,
    log: CommandLog,
}

/// The results of `production.rs`.
struct Production {
    counts: production::Counts,
    concurrency: Vec<production::ConcurrencyRow>,
    https: Vec<production::HttpsRow>,
    cold: Vec<production::ColdRow>,
    scaling: Vec<production::ScalingRow>,
}

/// One row of the targets table.
struct Target {
    what: String,
    ours: String,
    peer: String,
    ratio: String,
    goal: String,
    met: Option<bool>,
}

fn ratio_target(what: &str, ours: f64, peer: f64, show: impl Fn(f64) -> String, max_ratio: f64, goal: &str) -> Target {
    let ratio = ours / peer;
    Target {
        what: what.into(),
        ours: show(ours),
        peer: show(peer),
        ratio: format!("{ratio:.3}"),
        goal: goal.into(),
        met: ratio.is_finite().then_some(ratio <= max_ratio),
    }
}

fn mib(kb: f64) -> String {
    format!("{:.1} MiB", kb / 1024.0)
}

fn bytes_mib(b: f64) -> String {
    format!("{:.2} MiB", b / 1024.0 / 1024.0)
}

impl Report {
    /// The concurrency, HTTPS, cold-start and codegen-scaling sections.
    fn production_markdown(&self, s: &mut String) {
        let p = &self.production;
        let c = &p.counts;
        let pinned = if self.per_request.pinned {
            "Server and clients are pinned to one CPU as in the per-request runs, so the multi-thread runtime runs one worker \
             thread and the server's threads share that CPU: throughput here is what one core gives client and server together."
        } else {
            "Server and clients ran unpinned (`taskset` was unavailable)."
        };
        let _ = writeln!(s, "## Concurrency (DescribeAppInstance, one client, many calls in flight)\n");
        let _ = writeln!(
            s,
            "Each run: one process, one client shared by N tasks on a tokio multi-thread runtime, each task making its next \
             call as soon as the previous one returns; {} warm-up calls at the same concurrency, then {} measured calls; \
             medians of {} runs, interleaved. CPU per call is `getrusage(RUSAGE_SELF)` of the client process around the \
             measured calls divided by their number; latency is each call's own wall time (send to output); connections \
             are counted by `bench-server` (each connection it served, warm-up included); peak RSS is `VmHWM` at the end. \
             {pinned}\n",
            c.concurrent_warmup, c.concurrent, c.reps
        );
        let _ = writeln!(
            s,
            "| client | in flight | calls/s | CPU µs/call | min CPU µs | allocations/call | p50 latency | p99 latency | connections | peak RSS |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for r in &p.concurrency {
            let _ = writeln!(
                s,
                "| {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.0} µs | {:.0} µs | {:.0} | {} |",
                r.client, r.in_flight, r.rps, r.cpu_us, r.cpu_us_min, r.allocs, r.p50_us, r.p99_us, r.connections, mib(r.peak_rss_kb)
            );
        }
        let _ = writeln!(s, "\nOurs ÷ peer:\n\n| in flight | calls/s | CPU/call | p50 | p99 | connections | peak RSS |\n|---:|---:|---:|---:|---:|---:|---:|");
        for n in production::IN_FLIGHT {
            if let (Some(o), Some(q)) = (self.concurrency_row("ours", n), self.concurrency_row("peer", n)) {
                let _ = writeln!(
                    s,
                    "| {n} | {:.3} | {:.3} | {:.3} | {:.3} | {:.0} / {:.0} | {:.3} |",
                    o.rps / q.rps,
                    o.cpu_us / q.cpu_us,
                    o.p50_us / q.p50_us,
                    o.p99_us / q.p99_us,
                    o.connections,
                    q.connections,
                    o.peak_rss_kb / q.peak_rss_kb
                );
            }
        }
        s.push('\n');

        let _ = writeln!(s, "## HTTPS\n");
        let _ = writeln!(
            s,
            "`bench-server --tls` makes a throw-away certificate authority and a server certificate for 127.0.0.1 at start-up \
             (rcgen, ECDSA P-256; rustls with ring on the server side) and writes the authority's certificate to \
             `target/bench/tls/bench-ca.pem`, which each client trusts the way its library supports: ours adds it with \
             `TransportBuilder::add_root_certificates_pem` (the bench consumer reads the file `SSL_CERT_FILE` names), the \
             peer's default connector loads its roots with `rustls-native-certs`, which reads `SSL_CERT_FILE` itself. \
             Sequential DescribeAppInstance on a current-thread runtime: {} calls after {} warm-up over one kept-alive \
             connection; and {} calls after {} warm-up with `bench-server --close`, which answers `connection: close` and \
             closes, so every call opens a new connection (TCP, and TLS with a full handshake: neither client resumes \
             sessions across connections to this server). Plain HTTP with a new connection per call separates the TCP part. \
             Medians of {} runs; CPU is the client process's `getrusage`, as above; server CPU is the serving threads' own.\n",
            c.https, c.https_warmup, c.new_connection, c.new_connection_warmup, c.reps
        );
        let _ = writeln!(
            s,
            "| client | connection | calls | calls/s | CPU µs/call | min CPU µs | allocations/call | peak RSS | connections | server CPU µs/call |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for r in &p.https {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {} | {:.0} | {:.1} |",
                r.client,
                r.link.label(),
                r.calls,
                r.rps,
                r.cpu_us,
                r.cpu_us_min,
                r.allocs,
                mib(r.peak_rss_kb),
                r.connections,
                r.server_cpu_us
            );
        }
        let cpu = |client: &str, link: production::Link| p.https.iter().find(|r| r.client == client && r.link == link).map(|r| r.cpu_us);
        let plain = |client: &str| self.stat(client, "current").map(|r| r.cpu_us);
        let _ = writeln!(
            s,
            "\nWhat each part costs the client, in CPU µs per call (differences of the medians above; plain HTTP kept alive is \
             the current-thread row of the per-request table):\n\n| | ours | peer | ours ÷ peer |\n|---|---:|---:|---:|"
        );
        use production::Link::*;
        let diff = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        let parts = |c: &str| {
            [
                ("HTTPS kept alive, whole call", cpu(c, TlsKeptAlive)),
                ("TLS on a kept-alive connection (HTTPS − plain HTTP)", diff(cpu(c, TlsKeptAlive), plain(c))),
                ("new connection: TCP (plain, new − kept alive)", diff(cpu(c, PlainNewConnection), plain(c))),
                ("new connection: TCP + TLS handshake (HTTPS, new − kept alive)", diff(cpu(c, TlsNewConnection), cpu(c, TlsKeptAlive))),
            ]
        };
        for ((what, o), (_, q)) in parts("ours").into_iter().zip(parts("peer")) {
            if let (Some(o), Some(q)) = (o, q) {
                let _ = writeln!(s, "| {what} | {o:.1} | {q:.1} | {:.3} |", o / q);
            }
        }
        s.push('\n');

        let _ = writeln!(s, "## Cold start (a fresh process's first call)\n");
        let _ = writeln!(
            s,
            "Each run is a new process with a cleared environment holding only `AWS_REGION`, `AWS_ENDPOINT_URL` (the bench \
             server), `HOME` (an empty directory), `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` (missing files), and \
             the credentials source: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, or `AWS_EC2_METADATA_SERVICE_ENDPOINT` \
             pointing at the bench server, which also answers as IMDSv2 (session token, role name, role credentials), so the \
             default credentials chain walks down to it. The program builds a multi-thread runtime, configures the client \
             from the environment as an application would (ours `Client::load_from_env()`, the peer \
             `aws_config::load_defaults(BehaviorVersion::latest())` and `Client::new`), makes one DescribeAppInstance and \
             exits. \"To first response\" (the target's figure) is timed by the xtask from the spawn (through `taskset`, \
             `exec`, loading) to the report line the program prints and flushes right after the response; \"in main\" is the \
             same end timed from the first line of `main`; \"to exit\" adds the runtime's shutdown. CPU is the scheduler's \
             run time of the process's threads at the first response (`/proc/self/task/*/schedstat`: `getrusage` is \
             tick-based here, too coarse for a few milliseconds); peak RSS is `VmHWM` then. One untimed run per client \
             first, so every timed run finds the binary in the page cache; then {} runs each, interleaved; medians (and the \
             fastest first response).\n",
            c.cold_runs
        );
        let _ = writeln!(
            s,
            "| client | credentials | runs | to first response | fastest | in main | to exit | CPU | peak RSS |\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
        );
        for r in &p.cold {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
                r.client,
                r.source.label(),
                r.runs,
                r.first_response_ms,
                r.first_response_ms_min,
                r.in_main_ms,
                r.exit_ms,
                r.cpu_ms,
                mib(r.peak_rss_kb)
            );
        }
        let _ = writeln!(s, "\nOurs ÷ peer:\n\n| credentials | to first response | in main | to exit | CPU | peak RSS |\n|---|---:|---:|---:|---:|---:|");
        for source in [production::Source::Env, production::Source::Imds] {
            let find = |client: &str| p.cold.iter().find(|r| r.client == client && r.source == source);
            if let (Some(o), Some(q)) = (find("ours"), find("peer")) {
                let _ = writeln!(
                    s,
                    "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
                    source.label(),
                    o.first_response_ms / q.first_response_ms,
                    o.in_main_ms / q.in_main_ms,
                    o.exit_ms / q.exit_ms,
                    o.cpu_ms / q.cpu_ms,
                    o.peak_rss_kb / q.peak_rss_kb
                );
            }
        }
        s.push('\n');

        let _ = writeln!(s, "## Codegen scaling\n");
        let _ = writeln!(
            s,
            "Each model in its own process: the release xtask (`target/bench/xtask/release/xtask bench --codegen-model PATH \
             [--codegen-service ID] --codegen-runs {}`) reads the file once, then runs `codegen::generate` (parse, passes, \
             lowering, emission, formatting; nothing written) {} times; median and fastest. Peak memory is the process's \
             \"Maximum resident set size\" from `/usr/bin/time -v`, so it includes the model text and the xtask itself. The \
             protocol-test file is the largest model available ({} shapes across every protocol's test services); the \
             generator builds one service's closure from it, so it is measured twice, once per protocol the generator \
             supports. The peer has no counterpart here: its generator (smithy-rs) is a Gradle build.\n",
            c.codegen_runs,
            c.codegen_runs,
            p.scaling.iter().map(|r| r.shapes).max().unwrap_or(0)
        );
        let _ = writeln!(
            s,
            "| model | service | file size | shapes in file | files | Rust lines | median | fastest | peak RSS |\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
        );
        for r in &p.scaling {
            let _ = writeln!(
                s,
                "| {} `{}` | {} | {:.0} KiB | {} | {:.0} | {:.0} | {:.1} ms | {:.1} ms | {} |",
                r.label,
                r.shown,
                r.service.map(|id| format!("`{id}`")).unwrap_or_else(|| "the only one".into()),
                r.bytes as f64 / 1024.0,
                r.shapes,
                r.files,
                r.rust_lines,
                r.median_ms,
                r.min_ms,
                mib(r.peak_rss_kb as f64)
            );
        }
        s.push('\n');
    }

    fn ours(&self) -> &BuildCost {
        &self.builds[0]
    }

    fn peer(&self) -> &BuildCost {
        &self.builds[1]
    }

    fn stat(&self, client: &str, flavor: &str) -> Option<&RequestStats> {
        self.per_request.stats.get(&(client.to_string(), flavor.to_string()))
    }

    fn targets(&self) -> Vec<Target> {
        let (ours, peer) = (self.ours(), self.peer());
        let mut rows = Vec::new();
        if let Some(c) = self.codegen.first() {
            let mut timings = vec![(format!("codegen, model/, median ({} build, as `cargo xtask codegen` runs)", PROFILE), c.median_ms)];
            if let Some((release, _)) = c.release {
                timings.insert(0, ("codegen, model/, median (release build)".to_string(), release));
            }
            for (what, ms) in timings {
                rows.push(Target {
                    what,
                    ours: format!("{ms:.1} ms"),
                    peer: "n/a".into(),
                    ratio: "—".into(),
                    goal: "< 100 ms".into(),
                    met: Some(ms < 100.0),
                });
            }
        }
        rows.push(ratio_target(
            "distinct crates (`cargo tree -e normal`)",
            ours.crates_normal as f64,
            peer.crates_normal as f64,
            |v| format!("{v:.0}"),
            1.0 / 4.0,
            "≤ 1/4 of peer",
        ));
        if let (Some(o), Some(p)) = (&ours.release, &peer.release) {
            rows.push(ratio_target("clean release build", o.wall_s, p.wall_s, |v| format!("{v:.1} s"), 1.0 / 4.0, "≤ 1/4 of peer"));
        }
        rows.push(ratio_target(
            "stripped release binary",
            ours.stripped_bytes as f64,
            peer.stripped_bytes as f64,
            bytes_mib,
            1.0 / 4.0,
            "≤ 1/4 of peer",
        ));
        rows.push(ratio_target(
            "generated Rust lines (ours: checked-in client from model/)",
            ours.generated_lines as f64,
            peer.generated_lines as f64,
            |v| format!("{v:.0}"),
            1.0 / 3.0,
            "≤ 1/3 of peer",
        ));
        if let Some(official) = self.codegen.get(1) {
            rows.push(ratio_target(
                "generated Rust lines (ours generated from the official model, like the peer)",
                official.rust_lines as f64,
                peer.generated_lines as f64,
                |v| format!("{v:.0}"),
                1.0 / 3.0,
                "≤ 1/3 of peer",
            ));
        }
        for (flavor, label) in [("current", "current-thread"), ("multi", "multi-thread")] {
            if let (Some(o), Some(p)) = (self.stat("ours", flavor), self.stat("peer", flavor)) {
                rows.push(ratio_target(
                    &format!("client CPU per request, {label}"),
                    o.cpu_us,
                    p.cpu_us,
                    |v| format!("{v:.1} µs"),
                    1.0 / 3.0,
                    "≤ 1/3 of peer",
                ));
                if let Some(floor) = self.stat("floor", "-") {
                    let ratio = o.cpu_us / floor.cpu_us;
                    rows.push(Target {
                        what: format!("client CPU per request vs raw-socket floor, {label}"),
                        ours: format!("{:.1} µs", o.cpu_us),
                        peer: format!("floor {:.1} µs", floor.cpu_us),
                        ratio: format!("{ratio:.2}× floor"),
                        goal: "≤ 2× floor".into(),
                        met: ratio.is_finite().then_some(ratio <= 2.0),
                    });
                }
                rows.push(ratio_target(
                    &format!("heap allocations per request, {label}"),
                    o.allocs,
                    p.allocs,
                    |v| format!("{v:.1}"),
                    1.0 / 5.0,
                    "≤ 1/5 of peer",
                ));
            }
        }
        if let Some(walks) = self.pagination.get("ours") {
            if let (Some(small), Some(large)) = (walks.first(), walks.last()) {
                let ratio = large.peak_rss_kb / small.peak_rss_kb;
                rows.push(Target {
                    what: format!("pagination memory flat ({}k vs {}k items)", small.items / 1000, large.items / 1000),
                    ours: format!("{} → {}", mib(small.peak_rss_kb), mib(large.peak_rss_kb)),
                    peer: self
                        .pagination
                        .get("peer")
                        .and_then(|w| Some(format!("{} → {}", mib(w.first()?.peak_rss_kb), mib(w.last()?.peak_rss_kb))))
                        .unwrap_or_default(),
                    ratio: format!("{ratio:.2}× (ours, 100k/1k)"),
                    goal: "peak RSS grows ≤ 10%".into(),
                    met: ratio.is_finite().then_some(ratio <= 1.10),
                });
            }
        }
        self.production_targets(&mut rows);
        rows
    }

    fn concurrency_row(&self, client: &str, in_flight: u64) -> Option<&production::ConcurrencyRow> {
        self.production.concurrency.iter().find(|r| r.client == client && r.in_flight == in_flight)
    }

    fn production_targets(&self, rows: &mut Vec<Target>) {
        if let (Some(o), Some(p)) = (self.concurrency_row("ours", 64), self.concurrency_row("peer", 64)) {
            rows.push(ratio_target("64 in flight: client CPU per call", o.cpu_us, p.cpu_us, |v| format!("{v:.1} µs"), 0.25, "≤ 1/4 of peer"));
            let ratio = o.rps / p.rps;
            rows.push(Target {
                what: "64 in flight: throughput".into(),
                ours: format!("{:.0} calls/s", o.rps),
                peer: format!("{:.0} calls/s", p.rps),
                ratio: format!("{ratio:.3}"),
                goal: "≥ peer".into(),
                met: ratio.is_finite().then_some(ratio >= 1.0),
            });
        }
        for source in [production::Source::Env, production::Source::Imds] {
            let find = |client: &str| self.production.cold.iter().find(|r| r.client == client && r.source == source);
            if let (Some(o), Some(p)) = (find("ours"), find("peer")) {
                rows.push(ratio_target(
                    &format!("cold start to first response, wall ({})", source.label()),
                    o.first_response_ms,
                    p.first_response_ms,
                    |v| format!("{v:.1} ms"),
                    1.0 / 3.0,
                    "≤ 1/3 of peer",
                ));
            }
        }
    }

    /// The targets table alone, as printed at the end of a run.
    fn summary_table(&self) -> String {
        let mut s = String::from("| measure | ours | peer | ratio | target | |\n|---|---:|---:|---:|---|---|\n");
        for t in self.targets() {
            let verdict = match t.met {
                Some(true) => "met",
                Some(false) => "**missed**",
                None => "—",
            };
            let _ = writeln!(s, "| {} | {} | {} | {} | {} | {verdict} |", t.what, t.ours, t.peer, t.ratio, t.goal);
        }
        s
    }

    fn markdown(&self, notes: Option<&str>) -> String {
        let m = &self.machine;
        let (ours, peer) = (self.ours(), self.peer());
        let mut s = String::new();
        let _ = writeln!(s, "# Benchmarks\n");
        let _ = writeln!(
            s,
            "Written by `cargo xtask bench`{} — do not edit by hand (analysis notes come from `bench/NOTES.md`). \
             This project's client (`bench/ours`, on `chime-sdk-identity` by path) and the official AWS SDK for Rust \
             (`bench/peer`, on `aws-sdk-chimesdkidentity` + `aws-config` + `tokio`) are measured in the same run, on the same machine, \
             against the same local server (`bench/server`).\n",
            if self.settings.quick { " --quick (incremental builds, fewer requests: not a reference run)" } else { "" }
        );
        let _ = writeln!(s, "## Machine\n");
        let _ = writeln!(s, "| | |\n|---|---|");
        let _ = writeln!(s, "| date (UTC) | {} |", m.date);
        let _ = writeln!(s, "| CPU | {} |", m.cpu);
        let _ = writeln!(s, "| cores | {} |", m.cores);
        let _ = writeln!(s, "| memory | {} |", m.memory);
        let _ = writeln!(s, "| kernel | {} |", m.kernel);
        let _ = writeln!(s, "| rustc | {} |", m.rustc);
        let _ = writeln!(s, "| cargo | {} |", m.cargo);
        let _ = writeln!(s, "| commit | {} |", m.commit);
        let _ = writeln!(s, "| load average before / after | {} / {} |", m.load_before, self.load_after);
        let _ = writeln!(s, "| ours | {} |", ours.versions.join(", "));
        let _ = writeln!(s, "| peer | {} |\n", peer.versions.join(", "));
        let _ = writeln!(
            s,
            "The machine may be shared with other work (see the load average): wall-clock numbers, build times above all, carry that noise. \
             CPU time and allocation counts are per process and much steadier.\n"
        );

        let _ = writeln!(s, "## Targets\n");
        let _ = writeln!(s, "Ratios are ours ÷ peer from this run.\n");
        s.push_str(&self.summary_table());
        s.push('\n');

        let _ = writeln!(s, "## Codegen\n");
        let _ = writeln!(
            s,
            "`codegen::generate` called in-process ({CODEGEN_RUNS} runs per model; the model file is read once beforehand and \
             nothing is written, so this is parse + passes + lowering + emission + formatting): once by this xtask, in its \
             {PROFILE} build as `cargo xtask codegen` runs it{}, and once by a release build of the xtask \
             (`target/bench/xtask/release/xtask bench --codegen-only`).\n",
            if cfg!(debug_assertions) { " (workspace crates at opt-level 0, dependencies at opt-level 1)" } else { "" }
        );
        let _ = writeln!(
            s,
            "| model | files | Rust lines in src/ | median, {PROFILE} | min, {PROFILE} | median, release | min, release |\n|---|---:|---:|---:|---:|---:|---:|"
        );
        for c in &self.codegen {
            let (rel_median, rel_min) = match c.release {
                Some((median, min)) => (format!("{median:.1} ms"), format!("{min:.1} ms")),
                None => ("—".into(), "—".into()),
            };
            let _ = writeln!(
                s,
                "| {} `{}` | {} | {} | {:.1} ms | {:.1} ms | {rel_median} | {rel_min} |",
                c.label, c.path, c.files, c.rust_lines, c.median_ms, c.min_ms
            );
        }
        s.push('\n');

        let _ = writeln!(s, "## Build cost\n");
        let clean = if self.settings.quick { "incremental (--quick)" } else { "clean" };
        let _ = writeln!(
            s,
            "Each build runs in its own fresh target directory (`target/bench/<ours|peer>/<release|debug>`, deleted first), \
             after an untimed `cargo fetch`, under `/usr/bin/time -v`. Peak memory is its \"Maximum resident set size\": the \
             largest single process of the build (a rustc or a build script). Profiles are cargo's defaults. Generated lines count \
             every line (code, docs, blank) of the `.rs` files of the service crate.\n"
        );
        let _ = writeln!(s, "| | ours | peer | ours/peer |\n|---|---:|---:|---:|");
        let row = |s: &mut String, what: &str, o: f64, p: f64, show: &dyn Fn(f64) -> String| {
            let _ = writeln!(s, "| {what} | {} | {} | {:.3} |", show(o), show(p), o / p);
        };
        row(&mut s, "distinct crates, `cargo tree -e normal`", ours.crates_normal as f64, peer.crates_normal as f64, &|v| format!("{v:.0}"));
        row(&mut s, "distinct crates, `-e normal,build`", ours.crates_with_build as f64, peer.crates_with_build as f64, &|v| format!("{v:.0}"));
        for (label, o, p) in [
            ("release", &ours.release, &peer.release),
            ("debug", &ours.debug, &peer.debug),
        ] {
            if let (Some(o), Some(p)) = (o, p) {
                row(&mut s, &format!("{clean} {label} build, wall"), o.wall_s, p.wall_s, &|v| format!("{v:.1} s"));
                row(&mut s, &format!("{clean} {label} build, peak RSS"), o.peak_rss_kb as f64, p.peak_rss_kb as f64, &|v| mib(v));
            }
        }
        row(&mut s, "release binary, unstripped", ours.binary_bytes as f64, peer.binary_bytes as f64, &bytes_mib);
        row(&mut s, "release binary, stripped", ours.stripped_bytes as f64, peer.stripped_bytes as f64, &bytes_mib);
        row(&mut s, "generated Rust lines", ours.generated_lines as f64, peer.generated_lines as f64, &|v| format!("{v:.0}"));
        row(&mut s, "generated Rust files", ours.generated_files as f64, peer.generated_files as f64, &|v| format!("{v:.0}"));
        let _ = writeln!(s, "\nGenerated code: ours `{}`; peer `{}`.\n", ours.generated_path, peer.generated_path);

        let pr = &self.per_request;
        let _ = writeln!(s, "## Per-request cost (DescribeAppInstance)\n");
        let _ = writeln!(
            s,
            "Each run: one process, one client, {WARMUP} warm-up calls, then {} sequential calls over one keep-alive connection to \
             `bench-server` on 127.0.0.1; medians of {} runs, interleaved (\"min CPU\" is the lowest of them: other work on the machine only adds to it). CPU is user+sys of the whole client process \
             (`getrusage(RUSAGE_SELF)` around the measured loop, all threads); allocations are counted by a `#[global_allocator]` \
             wrapper in each binary (every `alloc`, `alloc_zeroed` and `realloc`, all threads). Peak RSS is the process's \
             high-water mark (`VmHWM`) at the end. The floor (`bench/server/src/bin/floor.rs`) writes pre-built request bytes of the same \
             shape and reads each response through the same framing, nothing else. Server CPU per call (the thread serving the \
             connection, `CLOCK_THREAD_CPUTIME_ID`, warm-up included) shows the server is not the bottleneck.\n",
            pr.requests, pr.repetitions
        );
        let _ = writeln!(
            s,
            "{}\n",
            if pr.pinned {
                "The server and every client run pinned to one CPU (`taskset -c 0`). On this virtual machine a request/response \
                 ping-pong between two CPUs pays an inter-processor wake-up per message: unpinned, the floor's CPU per request \
                 was measured at 12–24 µs instead of 2.4 µs, varying from run to run, and every client inflated with it. On one \
                 CPU the exchange is a plain context switch, the same for every client. A pinned process sees one CPU, so the \
                 multi-thread runtime runs one worker thread (its scheduler and cross-thread wake-ups are still the ones exercised)."
            } else {
                "`taskset` was not available: the server and the clients ran unpinned, so CPU numbers include cross-CPU wake-ups and are noisier."
            }
        );
        let _ = writeln!(
            s,
            "| client | runtime | requests/s | CPU µs/request | user µs | sys µs | min CPU µs | allocations/request | bytes allocated/request | peak RSS | server CPU µs/request |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for ((client, flavor), st) in &pr.stats {
            let runtime = match flavor.as_str() {
                "current" => "tokio current-thread",
                "multi" => "tokio multi-thread",
                _ => "none (blocking std socket)",
            };
            let name = match client.as_str() {
                "floor" => "raw-socket floor",
                other => other,
            };
            let _ = writeln!(
                s,
                "| {name} | {runtime} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.0} | {} | {:.1} |",
                st.rps,
                st.cpu_us,
                st.user_us,
                st.sys_us,
                st.cpu_us_min,
                st.allocs,
                st.alloc_bytes,
                mib(st.peak_rss_kb),
                st.server_cpu_us
            );
        }
        s.push('\n');

        let _ = writeln!(s, "## Pagination at scale\n");
        let _ = writeln!(
            s,
            "ListAppInstances walked to the end, one item at a time, on a current-thread runtime: ours through \
             `into_paginator().items()`; the peer through `into_paginator().send()` and each page's items, since the SDK \
             generates `.items()` only where the model's paginated trait names an items member, and this one does not. \
             Both hold one page at a time. The server returns pages of 100 items with a next token (the model caps `MaxResults` at 50, so the page size is \
             left to the server). Peak RSS is the process's high-water mark (`VmHWM`).\n"
        );
        let _ = writeln!(s, "| client | items | peak RSS | wall | items/s |\n|---|---:|---:|---:|---:|");
        for (client, walks) in &self.pagination {
            for w in walks {
                let _ = writeln!(s, "| {client} | {} | {} | {:.3} s | {:.0} |", w.items, mib(w.peak_rss_kb), w.wall_s, w.items as f64 / w.wall_s);
            }
        }
        s.push('\n');

        self.production_markdown(&mut s);

        let _ = writeln!(s, "## Commands\n");
        let _ = writeln!(
            s,
            "The whole run is `cargo xtask bench` from the workspace root (with `../shared` beside it); it executed, in order:\n"
        );
        s.push_str("```sh\n");
        for line in &self.log.0 {
            let _ = writeln!(s, "{line}");
        }
        s.push_str("```\n");
        if let Some(notes) = notes {
            let _ = writeln!(s, "\n{}", notes.trim_end());
        }
        s
    }
}
