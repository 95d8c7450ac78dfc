//! A local emulator of Amazon Chime SDK Identity: the service's restJson1 API on 127.0.0.1,
//! answered from memory (optionally persisted to a JSON file), with SigV4 verification of
//! every request, the model's validation rules and its modeled errors.
//!
//! The wire side (routing, reading and checking inputs, writing outputs and errors) is
//! generated from `model/chime-sdk-identity.json` into [`generated`] by `cargo xtask codegen`;
//! the behaviour of the operations is hand-written in `service`. For testing clients' retry
//! and error handling, `faults` injects modeled errors on request (a control endpoint on the
//! listener) and throttles over a configured rate ([`Config::max_rps`]).
//!
//! ```no_run
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let running = emulator::Emulator::new(emulator::Config::default())?.start(0)?;
//! println!("point clients at {}", running.endpoint_url());
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod generated;
pub mod pattern;
pub mod wire;

mod auth;
mod clock;
mod faults;
mod server;
mod service;
mod state;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use client_runtime::credentials::Credentials;
use client_runtime::http::{HttpRequest, HttpResponse};
use client_runtime::time::DateTime;

use generated::error::{BadRequestException, ForbiddenException, UnauthorizedClientException};
use generated::types::ErrorCode;
use generated::Operation;

pub use clock::MAX_ADVANCE_SECS;
pub use service::{
    DEFAULT_PAGE_SIZE, MAX_ADMINS_PER_APP_INSTANCE, MAX_APP_INSTANCES, MAX_BOTS_PER_APP_INSTANCE, MAX_ENDPOINTS_PER_USER,
    MAX_TAGS_PER_RESOURCE, MAX_USERS_PER_APP_INSTANCE,
};
pub use state::StateError;

/// The SigV4 signing name of the service.
pub const SIGNING_NAME: &str = "chime";

/// How the emulator is set up.
#[derive(Clone)]
pub struct Config {
    /// The only access key id requests may be signed with.
    pub access_key: String,
    /// Its secret key.
    pub secret_key: String,
    /// The region requests must be signed for, and that ARNs name.
    pub region: String,
    /// The account id ARNs name.
    pub account: String,
    /// Where to keep the state between runs; `None` keeps it in memory only.
    pub state_file: Option<PathBuf>,
    /// Requests per second allowed per access key (a token bucket holding one second's
    /// worth); over it, requests fail with `ThrottledClientException`. `None`: no limit.
    pub max_rps: Option<NonZeroU32>,
    /// How long a client has to send a whole request head: from the moment it connects for
    /// its first request, from the first byte of the request for later ones on the same
    /// connection. One deadline for the head, not one per read, so a client sending a byte at
    /// a time cannot hold a connection longer. Past it the connection closes (with a 408 when
    /// part of a head had arrived). Must not be zero.
    pub head_timeout: Duration,
    /// The most connections served at once. A connection beyond it, or one that cannot be
    /// accepted for want of file descriptors, makes room by closing the connection that has
    /// waited longest for a request head (an idle keep-alive connection or a slow client);
    /// connections answering a request are never closed, and when all are, the new one gets
    /// a 503. Request heads are limited to 64 KiB (65,536 bytes; beyond, 431).
    pub max_connections: NonZeroUsize,
}

/// The default [`Config::head_timeout`].
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`Config::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: NonZeroUsize = match NonZeroUsize::new(512) {
    Some(n) => n,
    None => unreachable!(),
};

impl Default for Config {
    /// The documented example credentials, `us-east-1`, account `123456789012`, no state
    /// file, no rate limit, [`DEFAULT_HEAD_TIMEOUT`] and [`DEFAULT_MAX_CONNECTIONS`].
    fn default() -> Self {
        Self {
            access_key: "AKIDEXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            state_file: None,
            max_rps: None,
            head_timeout: DEFAULT_HEAD_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("access_key", &self.access_key)
            .field("secret_key", &"** redacted **")
            .field("region", &self.region)
            .field("account", &self.account)
            .field("state_file", &self.state_file)
            .field("max_rps", &self.max_rps)
            .field("head_timeout", &self.head_timeout)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// Why the emulator could not start.
#[derive(Debug)]
pub enum Error {
    /// A setting is not usable.
    Config(String),
    /// The state file could not be read.
    State(StateError),
    /// The listener could not be set up.
    Io(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) => write!(f, "invalid configuration: {m}"),
            Error::State(e) => e.fmt(f),
            Error::Io(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config(_) => None,
            Error::State(e) => Some(e),
            Error::Io(e) => Some(e),
        }
    }
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub config: Config,
    /// The ARN partition of the region (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: &'static str,
    state: Mutex<state::State>,
    verifier: auth::Verifier,
    served: Mutex<BTreeMap<Operation, u64>>,
    faults: Mutex<faults::FaultQueue>,
    limiter: Option<Mutex<faults::RateLimiter>>,
    clock: clock::Clock,
}

impl Shared {
    /// The state; a panic elsewhere while holding the lock leaves it usable, as every change
    /// is validated before it is applied.
    pub fn lock(&self) -> MutexGuard<'_, state::State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The emulator: cheap to clone, clones share the state.
#[derive(Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator").field("config", &self.shared.config).finish_non_exhaustive()
    }
}

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

impl Emulator {
    /// An emulator for `config`, with the state loaded from its state file if there is one.
    /// Temporary files that an earlier run killed while saving left beside the state file
    /// (`<state file>.tmp-<pid>`) are removed.
    pub fn new(config: Config) -> Result<Self, Error> {
        let region_ok = !config.region.is_empty() && config.region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(Error::Config(format!("region `{}` must be lowercase letters, digits and dashes", config.region)));
        }
        if config.account.len() != 12 || !config.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Config(format!("account `{}` must be 12 digits", config.account)));
        }
        let key_ok = |k: &str| !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic());
        if !key_ok(&config.access_key) || config.access_key.contains('/') || !key_ok(&config.secret_key) {
            return Err(Error::Config("access and secret keys must be non-empty printable ASCII (no `/` in the access key)".into()));
        }
        if config.head_timeout.is_zero() {
            return Err(Error::Config("the head timeout must be longer than zero".into()));
        }
        let state = match &config.state_file {
            Some(path) => {
                // A process killed while saving leaves its temporary file behind.
                state::remove_stale_temp_files(path);
                state::load(path).map_err(Error::State)?
            }
            None => state::State::default(),
        };
        let credentials = Credentials::new(config.access_key.clone(), config.secret_key.clone(), None, None, "Static");
        let verifier = auth::Verifier::new(credentials, config.region.clone(), SIGNING_NAME);
        let shared = Shared {
            partition: partition(&config.region),
            limiter: config.max_rps.map(|rate| Mutex::new(faults::RateLimiter::new(rate))),
            config,
            state: Mutex::new(state),
            verifier,
            served: Mutex::default(),
            faults: Mutex::default(),
            clock: clock::Clock::default(),
        };
        Ok(Self { shared: Arc::new(shared) })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// How many requests each operation has answered (authenticated requests only, injected
    /// and throttled failures included).
    pub fn served(&self) -> BTreeMap<Operation, u64> {
        self.shared.served.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Moves the emulator's clock forward by `by` (whole seconds, at most [`MAX_ADVANCE_SECS`]
    /// a call; it never goes back), for tests of time-based behaviour: the service's timestamps
    /// and users' expiry follow it, while signatures are still checked against the real time.
    /// Returns the total offset. The control endpoint `/_emulator/clock` does the same.
    pub fn advance_clock(&self, by: Duration) -> Duration {
        self.shared.clock.advance(by)
    }

    /// How far [`Self::advance_clock`] has moved the clock.
    pub fn clock_offset(&self) -> Duration {
        self.shared.clock.offset()
    }

    /// Deletes the users whose expiration settings make them gone at `now` (the emulator's
    /// time), saving the state when that changed it. A failed save leaves them deleted in
    /// memory: the sweep is a function of the state and the time, so it happens again after
    /// a restart.
    fn expire_users(&self, now: DateTime) {
        let mut state = self.shared.lock();
        if service::expire_users(&mut state, now) > 0 {
            if let Some(path) = &self.shared.config.state_file {
                let _ = state::save(&state, path);
            }
        }
    }

    /// Answers one request. Every response carries a fresh `x-amzn-requestid`.
    pub fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let mut response = self.respond(request, SystemTime::now());
        response.headers.insert("x-amzn-requestid", client_runtime::rand::uuid_v4());
        response
    }

    fn respond(&self, request: &HttpRequest, now: SystemTime) -> HttpResponse {
        // A `..` segment would name another resource once resolved; AWS front ends refuse it.
        if wire::has_dot_segment(&request.uri.path) {
            let message = "The request path contains a '.' or '..' segment".to_string();
            return BadRequestException { code: Some(ErrorCode::BadRequest), message: Some(message) }.to_response();
        }
        let Some(route) = generated::route(&request.method, &request.uri.path, &request.uri.query) else {
            return wire::error_response(
                404,
                "UnknownOperationException",
                format!(r#"{{"Message":"No operation matches {} {}"}}"#, request.method, json_escape(&request.uri.path)),
            );
        };
        if let Err(e) = self.shared.verifier.verify(request, now) {
            return match e {
                auth::AuthError::Unauthenticated(m) => {
                    UnauthorizedClientException { code: Some(ErrorCode::Unauthorized), message: Some(m) }.to_response()
                }
                auth::AuthError::Denied(m) => ForbiddenException { code: Some(ErrorCode::Forbidden), message: Some(m) }.to_response(),
                auth::AuthError::Malformed(m) => BadRequestException { code: Some(ErrorCode::BadRequest), message: Some(m) }.to_response(),
            };
        }
        *self.shared.served.lock().unwrap_or_else(PoisonError::into_inner).entry(route.operation).or_default() += 1;
        if let Some(limiter) = &self.shared.limiter {
            let mut limiter = limiter.lock().unwrap_or_else(PoisonError::into_inner);
            let key = &self.shared.config.access_key;
            if !limiter.admit(key, Instant::now()) {
                let message = format!("Rate exceeded: the limit is {}/s for access key {key}", limiter.rate());
                return faults::Kind::ThrottledClient.response(message);
            }
        }
        let injected = self.shared.faults.lock().unwrap_or_else(PoisonError::into_inner).take(route.operation);
        if let Some(kind) = injected {
            return kind.response(format!("Injected through {} for testing", faults::CONTROL_PATH));
        }
        let service_now = self.shared.clock.now(now);
        let millis = service_now.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let now = DateTime::from_millis(millis);
        self.expire_users(now);
        let call = service::Call { shared: &self.shared, now };
        generated::dispatch(&call, &route, request)
    }

    /// Answers a request to the fault-injection control endpoint (see `faults`).
    pub(crate) fn control(&self, request: &HttpRequest) -> HttpResponse {
        if request.uri.path == clock::CLOCK_PATH {
            return clock::control(&self.shared.clock, request);
        }
        faults::control(&self.shared.faults, request)
    }

    /// Serves HTTP/1.1 on `listener` until `shutdown` completes, then lets requests in
    /// progress finish (for a few seconds at most). `log` prints one line per request on
    /// standard error. Besides the Chime API, it serves the unsigned fault-injection control
    /// endpoint `/_emulator/faults` (`POST` queues a modeled error for the next requests,
    /// `DELETE` clears them; see the README), to loopback peers only.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()>,
        log: bool,
    ) -> std::io::Result<()> {
        server::serve(self, listener, shutdown, log).await
    }

    /// Starts serving on `127.0.0.1:port` (0 picks a free port) on a thread of its own, until
    /// the returned handle is stopped or dropped.
    pub fn start(self, port: u16) -> Result<Running, Error> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(Error::Io)?;
        listener.set_nonblocking(true).map_err(Error::Io)?;
        let addr = listener.local_addr().map_err(Error::Io)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(Error::Io)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("chime-emulator".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    self.serve(listener, async move { drop(stopped.await) }, false).await
                })
            })
            .map_err(Error::Io)?;
        Ok(Running { addr, stop: Some(stop), thread: Some(thread) })
    }
}

fn json_escape(s: &str) -> String {
    let mut out = String::new();
    client_runtime::json::JsonValueWriter::new(&mut out).string(s);
    // The writer quotes; the caller embeds the text inside its own quotes.
    out.get(1..out.len().saturating_sub(1)).unwrap_or_default().to_string()
}

/// An emulator serving on a background thread; stopping or dropping it shuts it down.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the endpoint URL for clients.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts the server down and waits for its thread.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            // The server may already have stopped on an error; then there is no one to tell.
            let _ = stop.send(());
        }
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the emulator thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Errors have nowhere to go from a drop; `stop` reports them.
        let _ = self.shutdown();
    }
}
