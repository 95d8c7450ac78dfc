//! Typed mock rules for unit tests of code that uses a generated client, in the style of
//! `aws-smithy-mocks` (feature `test-util`).
//!
//! A [`Rule`] belongs to one operation: it matches calls by their typed input and answers with
//! a typed output, the operation's modeled error, or an HTTP response (read by the operation's
//! generated deserializers, so status codes, error codes and retries behave as on the wire).
//! Rules are consulted on every attempt, in place of the HTTP client, after the request was
//! serialized and signed; nothing is sent.
//!
//! ```ignore
//! use chime_sdk_identity::test_util::mocks::{mock, mock_client, RuleMode};
//! use chime_sdk_identity::Client;
//!
//! let rule = mock!(Client::describe_app_instance)
//!     .match_requests(|input| input.app_instance_arn() == Some("arn:x"))
//!     .then_output(|| DescribeAppInstanceOutput::builder().build());
//! let client = mock_client!(chime_sdk_identity, [&rule]);
//! client.describe_app_instance().app_instance_arn("arn:x").send().await?;
//! assert_eq!(rule.num_calls(), 1);
//! ```
//!
//! A call no rule answers fails with `SdkError::ConstructionFailure` naming the operation.

use crate::clock::{AsyncSleep, SleepFuture};
use crate::config::{Config, ConfigBuilder};
use crate::customize::FluentBuilder;
use crate::error::ProvideErrorMetadata;
use crate::http::{DispatchError, DispatchErrorKind, Headers, HttpClient, HttpRequest, HttpResponse, SendFuture};
use crate::operation::Operation;
use std::any::{Any, TypeId};
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use crate::{mock, mock_client};

/// How a client picks the rule for a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RuleMode {
    /// Rules are used in the order given: the first rule not yet used up must match the call
    /// (or the call fails). A simple rule (`then_output`, `then_error`, `then_http_response`)
    /// answers once; a sequence answers as many times as it has responses.
    Sequential,
    /// The first rule (in the order given) that is not used up and matches the call answers it.
    /// A simple rule answers any number of times.
    #[default]
    MatchAny,
}

/// A response a rule gives: the operation's output, its modeled error, or an HTTP response.
#[derive(Debug)]
pub enum MockResponse<O, E> {
    /// A successful output.
    Output(O),
    /// A modeled error, returned as `SdkError::ServiceError` (with an empty `400` response).
    Error(E),
    /// An HTTP response, read by the operation's deserializers like one from the network.
    Http(HttpResponse),
}

/// What the pipeline does with a call (produced under the lock of the rules).
pub(crate) enum Served<O, E> {
    Output(O),
    Error { error: E, code: Option<String>, response: HttpResponse },
    Http(HttpResponse),
    Unmatched(String),
}

type MatchFn = Arc<dyn Fn(&dyn Any) -> bool + Send + Sync>;
/// Takes the input (`&O::Input`) and gives a `Box<Served<O::Output, O::Error>>`.
type ServeFn = Arc<dyn Fn(&dyn Any) -> Box<dyn Any + Send> + Send + Sync>;

#[derive(Clone)]
struct Step {
    serve: ServeFn,
    /// How many calls this response answers; `None` for every call from here on.
    times: Option<usize>,
}

/// A response made by a [`RuleBuilder::serve`] handler, waiting for the call's input.
type Once = Box<dyn FnOnce(&dyn Any) -> Box<dyn Any + Send> + Send>;
/// A [`RuleBuilder::serve`] handler: the response for call number `n`, `None` when used up.
type HandlerFn = Arc<dyn Fn(usize) -> Option<Once> + Send + Sync>;

#[derive(Clone)]
enum Responses {
    /// Fixed responses (`then_*`, `sequence()`). `simple` (made by `then_*`): its one response
    /// answers once in [`RuleMode::Sequential`] and for ever in [`RuleMode::MatchAny`].
    Steps { steps: Arc<[Step]>, simple: bool },
    /// Responses computed from the call number.
    Handler(HandlerFn),
}

/// The response a rule gives to its next call.
enum Next<'a> {
    Step(&'a Step),
    Once(Once),
}

/// A mock rule for one operation. Clones share the call count.
#[derive(Clone)]
pub struct Rule {
    operation: &'static str,
    input: TypeId,
    matcher: MatchFn,
    responses: Responses,
    calls: Arc<AtomicUsize>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("operation", &self.operation)
            .field("num_calls", &self.num_calls())
            .finish_non_exhaustive()
    }
}

impl Rule {
    /// How many calls (attempts) this rule has answered.
    pub fn num_calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The operation the rule is for.
    pub fn operation_name(&self) -> &'static str {
        self.operation
    }

    /// Sets the call count back to zero, so that the rule starts again from its first
    /// response.
    pub fn reset(&self) {
        self.calls.store(0, Ordering::SeqCst);
    }

    /// The response for the next call, or `None` when the rule is used up.
    fn next(&self, mode: RuleMode) -> Option<Next<'_>> {
        let mut n = self.num_calls();
        let (steps, simple) = match &self.responses {
            Responses::Handler(handler) => return handler(n).map(Next::Once),
            Responses::Steps { steps, simple } => (steps, *simple),
        };
        if simple {
            return match mode {
                RuleMode::MatchAny => steps.first().map(Next::Step),
                RuleMode::Sequential => steps.first().filter(|_| n == 0).map(Next::Step),
            };
        }
        for step in steps.iter() {
            match step.times {
                None => return Some(Next::Step(step)),
                Some(t) if n < t => return Some(Next::Step(step)),
                Some(t) => n -= t,
            }
        }
        None
    }
}

/// Starts a [`Rule`] for operation `O`; made by [`mock!`](crate::mock).
pub struct RuleBuilder<O: Operation> {
    matcher: MatchFn,
    _operation: PhantomData<fn() -> O>,
}

impl<O: Operation> fmt::Debug for RuleBuilder<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleBuilder").field("operation", &O::NAME).finish_non_exhaustive()
    }
}

impl<O: Operation> Default for RuleBuilder<O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<O: Operation> RuleBuilder<O> {
    /// A rule matching every call of `O`.
    pub fn new() -> Self {
        RuleBuilder { matcher: Arc::new(|_| true), _operation: PhantomData }
    }

    /// The rule for the operation whose client method is `method` (such as
    /// `Client::describe_app_instance`); what [`mock!`](crate::mock) expands to. The method is
    /// never called: only its type is used.
    pub fn from_client_method<C, B>(method: impl FnOnce(&C) -> B) -> Self
    where
        B: FluentBuilder<Operation = O>,
    {
        let _ = method;
        Self::new()
    }

    /// Only calls whose input passes `matcher` (the input as sent: idempotency tokens the
    /// caller left unset are already filled).
    pub fn match_requests(mut self, matcher: impl Fn(&O::Input) -> bool + Send + Sync + 'static) -> Self {
        self.matcher = Arc::new(move |input: &dyn Any| input.downcast_ref::<O::Input>().is_some_and(&matcher));
        self
    }

    /// Answers with the output `f` makes.
    pub fn then_output(self, f: impl Fn() -> O::Output + Send + Sync + 'static) -> Rule {
        self.simple(output_step::<O>(move |_| f()))
    }

    /// Answers with the output `f` makes from the call's input.
    pub fn then_compute_output(self, f: impl Fn(&O::Input) -> O::Output + Send + Sync + 'static) -> Rule {
        self.simple(output_step::<O>(f))
    }

    /// Answers with the modeled error `f` makes (`SdkError::ServiceError`, status 400).
    pub fn then_error(self, f: impl Fn() -> O::Error + Send + Sync + 'static) -> Rule
    where
        O::Error: ProvideErrorMetadata,
    {
        self.simple(error_step::<O>(f))
    }

    /// Answers with the HTTP response `f` makes, read as one from the network.
    pub fn then_http_response(self, f: impl Fn() -> HttpResponse + Send + Sync + 'static) -> Rule {
        self.simple(http_step::<O>(f))
    }

    /// Answers call number `n` (from 0) with `handler(n)`; the rule is used up at the first
    /// `None`.
    pub fn serve(self, handler: impl Fn(usize) -> Option<MockResponse<O::Output, O::Error>> + Send + Sync + 'static) -> Rule
    where
        O::Error: ProvideErrorMetadata,
    {
        let handler: HandlerFn = Arc::new(move |n| {
            let response = handler(n)?;
            Some(Box::new(move |_input: &dyn Any| {
                let served = match response {
                    MockResponse::Output(output) => Served::<O::Output, O::Error>::Output(output),
                    MockResponse::Error(error) => served_error(error),
                    MockResponse::Http(response) => Served::Http(response),
                };
                Box::new(served) as Box<dyn Any + Send>
            }) as Once)
        });
        Rule {
            operation: O::NAME,
            input: TypeId::of::<O::Input>(),
            matcher: self.matcher,
            responses: Responses::Handler(handler),
            calls: Arc::default(),
        }
    }

    /// A sequence of responses, one per call, in order.
    pub fn sequence(self) -> ResponseSequenceBuilder<O> {
        ResponseSequenceBuilder { matcher: self.matcher, steps: Vec::new(), _operation: PhantomData }
    }

    fn simple(self, serve: ServeFn) -> Rule {
        rule::<O>(self.matcher, vec![Step { serve, times: Some(1) }], true)
    }
}

/// Builds the responses of a sequence rule ([`RuleBuilder::sequence`]).
pub struct ResponseSequenceBuilder<O: Operation> {
    matcher: MatchFn,
    steps: Vec<Step>,
    _operation: PhantomData<fn() -> O>,
}

impl<O: Operation> fmt::Debug for ResponseSequenceBuilder<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseSequenceBuilder")
            .field("operation", &O::NAME)
            .field("responses", &self.steps.len())
            .finish_non_exhaustive()
    }
}

impl<O: Operation> ResponseSequenceBuilder<O> {
    fn push(mut self, serve: ServeFn) -> Self {
        self.steps.push(Step { serve, times: Some(1) });
        self
    }

    /// Next, the output `f` makes.
    pub fn output(self, f: impl Fn() -> O::Output + Send + Sync + 'static) -> Self {
        self.push(output_step::<O>(move |_| f()))
    }

    /// Next, the output `f` makes from the call's input.
    pub fn compute_output(self, f: impl Fn(&O::Input) -> O::Output + Send + Sync + 'static) -> Self {
        self.push(output_step::<O>(f))
    }

    /// Next, the modeled error `f` makes.
    pub fn error(self, f: impl Fn() -> O::Error + Send + Sync + 'static) -> Self
    where
        O::Error: ProvideErrorMetadata,
    {
        self.push(error_step::<O>(f))
    }

    /// Next, the HTTP response `f` makes.
    pub fn http_response(self, f: impl Fn() -> HttpResponse + Send + Sync + 'static) -> Self {
        self.push(http_step::<O>(f))
    }

    /// Next, an HTTP response with `status` and an optional body.
    pub fn http_status(self, status: u16, body: Option<String>) -> Self {
        self.http_response(move || HttpResponse {
            status,
            headers: Headers::new(),
            body: body.clone().unwrap_or_default().into_bytes(),
        })
    }

    /// The last response answers `n` calls in a row (`times(0)` drops it). Without a response
    /// yet, nothing happens.
    pub fn times(mut self, n: usize) -> Self {
        if let Some(last) = self.steps.last_mut() {
            last.times = Some(n);
        }
        self
    }

    /// The last response answers every call from then on: the rule is never used up, and
    /// responses added later are never reached.
    pub fn repeatedly(mut self) -> Self {
        if let Some(last) = self.steps.last_mut() {
            last.times = None;
        }
        self
    }

    /// The rule.
    pub fn build(self) -> Rule {
        rule::<O>(self.matcher, self.steps, false)
    }
}

fn rule<O: Operation>(matcher: MatchFn, steps: Vec<Step>, simple: bool) -> Rule {
    Rule {
        operation: O::NAME,
        input: TypeId::of::<O::Input>(),
        matcher,
        responses: Responses::Steps { steps: steps.into(), simple },
        calls: Arc::default(),
    }
}

/// A modeled error with the code the retry classifier reads and an empty `400` response.
fn served_error<O, E: ProvideErrorMetadata>(error: E) -> Served<O, E> {
    let code = error.code().map(str::to_string);
    Served::Error { error, code, response: HttpResponse { status: 400, headers: Headers::new(), body: Vec::new() } }
}

fn serve_fn<O: Operation>(f: impl Fn(&O::Input) -> Served<O::Output, O::Error> + Send + Sync + 'static) -> ServeFn {
    Arc::new(move |input: &dyn Any| {
        let served = match input.downcast_ref::<O::Input>() {
            Some(input) => f(input),
            None => Served::Unmatched(format!("mock rule for {} was given another operation's input", O::NAME)),
        };
        Box::new(served) as Box<dyn Any + Send>
    })
}

fn output_step<O: Operation>(f: impl Fn(&O::Input) -> O::Output + Send + Sync + 'static) -> ServeFn {
    serve_fn::<O>(move |input| Served::Output(f(input)))
}

fn error_step<O: Operation>(f: impl Fn() -> O::Error + Send + Sync + 'static) -> ServeFn
where
    O::Error: ProvideErrorMetadata,
{
    serve_fn::<O>(move |_| served_error(f()))
}

fn http_step<O: Operation>(f: impl Fn() -> HttpResponse + Send + Sync + 'static) -> ServeFn {
    serve_fn::<O>(move |_| Served::Http(f()))
}

/// The rules of a client and how it picks among them; give it to
/// [`ConfigBuilder::interceptor`]. (The AWS SDK's name: this is no general interceptor.)
#[derive(Debug, Default)]
pub struct MockResponseInterceptor {
    mode: RuleMode,
    rules: Vec<Rule>,
    /// Picking a rule and counting the call happen together.
    lock: Mutex<()>,
}

impl MockResponseInterceptor {
    /// No rules, [`RuleMode::MatchAny`].
    pub fn new() -> Self {
        Self::default()
    }

    /// How rules are picked.
    pub fn rule_mode(mut self, mode: RuleMode) -> Self {
        self.mode = mode;
        self
    }

    /// Adds a rule (sharing its call count).
    pub fn with_rule(mut self, rule: &Rule) -> Self {
        self.rules.push(rule.clone());
        self
    }

    /// The response for one attempt of operation `O` with `input`.
    pub(crate) fn serve<O: Operation>(&self, input: &O::Input) -> Served<O::Output, O::Error> {
        let _picking = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let fits = |r: &Rule| r.input == TypeId::of::<O::Input>() && (r.matcher)(input);
        let picked = match self.mode {
            RuleMode::MatchAny => self.rules.iter().filter(|r| fits(r)).find_map(|r| r.next(self.mode).map(|s| (r, s))),
            RuleMode::Sequential => {
                let next = self.rules.iter().find_map(|r| r.next(self.mode).map(|s| (r, s)));
                match next {
                    Some((r, _)) if !fits(r) => {
                        return Served::Unmatched(format!(
                            "the next mock rule in sequence (for {}) does not match this {} call",
                            r.operation,
                            O::NAME
                        ))
                    }
                    next => next,
                }
            }
        };
        let Some((rule, step)) = picked else {
            return Served::Unmatched(format!(
                "no mock rule matches this {} call ({} rules, {:?} mode, those used up not counted)",
                O::NAME,
                self.rules.len(),
                self.mode
            ));
        };
        rule.calls.fetch_add(1, Ordering::SeqCst);
        let served = match step {
            Next::Step(step) => (step.serve)(input),
            Next::Once(once) => once(input),
        };
        match served.downcast::<Served<O::Output, O::Error>>() {
            Ok(served) => *served,
            Err(_) => Served::Unmatched(format!("mock rule for {} answered with another operation's types", rule.operation)),
        }
    }
}

/// An HTTP client for mocked clients: with mock rules in the configuration nothing reaches it,
/// so it refuses every request, naming it.
pub fn create_mock_http_client() -> MockHttpClient {
    MockHttpClient
}

/// See [`create_mock_http_client`].
#[derive(Clone, Debug, Default)]
pub struct MockHttpClient;

impl HttpClient for MockHttpClient {
    fn send<'a>(&'a self, request: &'a HttpRequest) -> SendFuture<'a> {
        let message = format!("mock HTTP client: no network; {} {} was not sent", request.method, request.uri);
        Box::pin(async move { Err(DispatchError::new(DispatchErrorKind::Other, message)) })
    }
}

/// A sleep that returns at once, so retries in tests take no time.
#[derive(Clone, Copy, Debug, Default)]
pub struct InstantSleep;

impl AsyncSleep for InstantSleep {
    fn sleep(&self, _duration: Duration) -> SleepFuture {
        Box::pin(std::future::ready(()))
    }
}

/// The configuration [`mock_client!`](crate::mock_client) builds: test defaults
/// ([`ConfigBuilder::with_test_defaults`]), the rules in `mode`, the refusing HTTP client, then
/// `additional` changes.
pub fn mock_config<'a>(
    mode: RuleMode,
    rules: impl IntoIterator<Item = &'a Rule>,
    additional: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
) -> Config {
    let interceptor = rules.into_iter().fold(MockResponseInterceptor::new().rule_mode(mode), MockResponseInterceptor::with_rule);
    additional(Config::builder().with_test_defaults().http_client(create_mock_http_client()).interceptor(interceptor)).build()
}

/// A rule builder for a client method: `mock!(Client::describe_app_instance)`, then
/// `.match_requests(..)` and `.then_output(..)`, `.then_error(..)`, `.then_http_response(..)`
/// or `.sequence()`. See [`test_util::mocks`](crate::test_util::mocks).
#[macro_export]
macro_rules! mock {
    ($method:expr) => {
        $crate::test_util::mocks::RuleBuilder::from_client_method($method)
    };
}

/// A client of crate `$krate` answered by mock rules: `mock_client!(krate, [&rule])`,
/// `mock_client!(krate, RuleMode::Sequential, [&a, &b])`, or with a last argument
/// `|config: ConfigBuilder| config...` to change the configuration. See
/// [`test_util::mocks`](crate::test_util::mocks).
#[macro_export]
macro_rules! mock_client {
    ($krate:ident, $rules:expr $(,)?) => {
        $crate::mock_client!($krate, $crate::test_util::mocks::RuleMode::MatchAny, $rules, |config| config)
    };
    ($krate:ident, $mode:expr, $rules:expr $(,)?) => {
        $crate::mock_client!($krate, $mode, $rules, |config| config)
    };
    ($krate:ident, $mode:expr, $rules:expr, $additional:expr $(,)?) => {
        $krate::Client::from_conf($crate::test_util::mocks::mock_config($mode, $rules, $additional))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{BuildError, DeserializeError, ErrorMetadata, Unhandled};
    use crate::operation::RequestParts;

    /// An operation whose input is a number and whose output is a string.
    struct Echo;
    impl Operation for Echo {
        type Input = u32;
        type Output = String;
        type Error = Unhandled;
        const NAME: &'static str = "Echo";
        const RETRYABLE_ERRORS: &'static [(&'static str, bool)] = &[];
        fn serialize(_: &u32) -> Result<RequestParts, BuildError> {
            Ok(RequestParts::new("GET"))
        }
        fn deserialize(_: &HttpResponse) -> Result<String, DeserializeError> {
            Ok("from http".into())
        }
        fn deserialize_error(_: &HttpResponse, meta: ErrorMetadata) -> Result<Unhandled, DeserializeError> {
            Ok(Unhandled::new(meta))
        }
    }

    fn outcome(mocks: &MockResponseInterceptor, input: u32) -> String {
        match mocks.serve::<Echo>(&input) {
            Served::Output(o) => o,
            Served::Error { code, response, .. } => format!("error {code:?} {}", response.status),
            Served::Http(r) => format!("http {}", r.status),
            Served::Unmatched(why) => format!("unmatched: {why}"),
        }
    }

    #[test]
    fn sequences_count_times_and_repeat() {
        let rule = RuleBuilder::<Echo>::new()
            .sequence()
            .output(|| "a".into())
            .times(2)
            .http_status(500, None)
            .output(|| "never".into())
            .times(0)
            .output(|| "last".into())
            .repeatedly()
            .build();
        let mocks = MockResponseInterceptor::new().with_rule(&rule);
        let got: Vec<String> = (0..5).map(|i| outcome(&mocks, i)).collect();
        assert_eq!(got, ["a", "a", "http 500", "last", "last"]);
        assert_eq!(rule.num_calls(), 5);
    }

    #[test]
    fn simple_rules_answer_once_in_sequential_mode_and_always_in_match_any() {
        let even = RuleBuilder::<Echo>::new().match_requests(|n| n % 2 == 0).then_compute_output(|n| format!("even {n}"));
        let any = MockResponseInterceptor::new().with_rule(&even);
        assert_eq!([outcome(&any, 2), outcome(&any, 4)], ["even 2", "even 4"]);
        assert!(outcome(&any, 3).starts_with("unmatched: no mock rule matches this Echo call"), "{}", outcome(&any, 3));

        let fresh = RuleBuilder::<Echo>::new().then_error(|| Unhandled::new(ErrorMetadata::new(Some("Throttling".into()), None, None)));
        let seq = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential).with_rule(&fresh);
        assert_eq!(outcome(&seq, 1), "error Some(\"Throttling\") 400");
        assert!(outcome(&seq, 1).starts_with("unmatched"), "used up");
        assert_eq!(fresh.num_calls(), 1);
        assert!(format!("{fresh:?}").contains("Echo"));
    }

    #[test]
    fn serve_handlers_answer_by_call_number_until_none() {
        let rule = RuleBuilder::<Echo>::new().serve(|n| match n {
            0 => Some(MockResponse::Http(HttpResponse { status: 503, ..HttpResponse::default() })),
            1 => Some(MockResponse::Output(format!("call {n}"))),
            _ => None,
        });
        let other = RuleBuilder::<Echo>::new().then_output(|| "fallback".into());
        let mocks = MockResponseInterceptor::new().with_rule(&rule).with_rule(&other);
        let got: Vec<String> = (0..3).map(|i| outcome(&mocks, i)).collect();
        assert_eq!(got, ["http 503", "call 1", "fallback"], "a used-up rule gives way to the next");
        assert_eq!((rule.num_calls(), other.num_calls()), (2, 1));
        rule.reset();
        assert_eq!(outcome(&mocks, 0), "http 503", "reset starts again");
    }

    #[test]
    fn the_mock_http_client_refuses_to_send() {
        let request = HttpRequest::default();
        let err = crate::test_util::block_on(create_mock_http_client().send(&request)).unwrap_err();
        assert!(err.to_string().contains("mock HTTP client") || format!("{err:?}").contains("mock HTTP client"), "{err:?}");
    }
}
