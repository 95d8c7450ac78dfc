//! Waiters (`smithy.waiters#waitable`): poll an operation until its acceptors reach a terminal
//! state, with the Smithy specification's exponential backoff with jitter, within a total time
//! the caller sets.
//!
//! Generated code describes each waiter as data ([`Waiter`], [`Acceptor`], [`Matcher`]) and
//! converts the operation's input and output to [`Document`]s for the acceptors' JMESPath
//! paths ([`ToJmespath`], keyed by Smithy member names); [`wait`] does the rest. The types
//! follow the AWS SDK for Rust: a successful wait returns the [`FinalPoll`]; a failed one a
//! [`WaiterError`] saying whether a failure acceptor matched (and which), the maximum wait
//! passed, or the operation failed in a way no acceptor expected.

mod data;
mod delay;
mod error;

pub use data::{object, ToJmespath};
pub use delay::{delay, random_inclusive};
pub use error::{ExceededMaxWait, FailureState, OperationFailed, WaiterError};

use crate::client::Handle;
use crate::document::Document;
use crate::error::{ProvideErrorMetadata, SdkError};
use crate::jmespath::Expression;
use crate::operation::Operation;
use std::time::{Duration, SystemTime};

/// The state an acceptor moves the waiter to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptorState {
    /// Done: the resource reached the desired state.
    Success,
    /// Done: the resource can no longer reach it.
    Failure,
    /// Poll again after a delay.
    Retry,
}

/// How a path matcher compares the value its expression selects with the expected string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparator {
    /// The value is a string equal to the expected one.
    StringEquals,
    /// The value is a boolean equal to the expected `"true"` or `"false"`.
    BooleanEquals,
    /// The value is a non-empty array of strings, all equal to the expected one.
    AllStringEquals,
    /// The value is an array holding at least one string equal to the expected one.
    AnyStringEquals,
}

impl Comparator {
    /// Whether `value` matches `expected`.
    pub fn matches(self, value: &Document, expected: &str) -> bool {
        let is = |v: &Document| v.as_str() == Some(expected);
        match self {
            Comparator::StringEquals => is(value),
            Comparator::BooleanEquals => value.as_bool().is_some_and(|b| expected == if b { "true" } else { "false" }),
            Comparator::AllStringEquals => value.as_array().is_some_and(|items| !items.is_empty() && items.iter().all(is)),
            Comparator::AnyStringEquals => value.as_array().is_some_and(|items| items.iter().any(is)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Comparator::StringEquals => "stringEquals",
            Comparator::BooleanEquals => "booleanEquals",
            Comparator::AllStringEquals => "allStringEquals",
            Comparator::AnyStringEquals => "anyStringEquals",
        }
    }
}

/// When an acceptor matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// On success, the JMESPath `path` over the output compares to `expected`.
    Output {
        /// The JMESPath expression.
        path: &'static str,
        /// The comparison.
        comparator: Comparator,
        /// The expected value.
        expected: &'static str,
    },
    /// On success, the JMESPath `path` over `{"input": ..., "output": ...}` compares to
    /// `expected`.
    InputOutput {
        /// The JMESPath expression.
        path: &'static str,
        /// The comparison.
        comparator: Comparator,
        /// The expected value.
        expected: &'static str,
    },
    /// `true`: the operation succeeded; `false`: it failed with any error.
    Success(bool),
    /// The operation failed with a service error whose code is one of these (the `errorType`
    /// name, and the wire code of the modeled error of that name when it differs).
    ErrorType(&'static [&'static str]),
}

/// One acceptor of a waiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acceptor {
    /// The state it moves the waiter to when it matches.
    pub state: AcceptorState,
    /// When it matches.
    pub matcher: Matcher,
    /// A JMESPath expression over the output giving a message for a failure state.
    pub message: Option<&'static str>,
}

impl Acceptor {
    /// A one-line description, for errors (`output path `status` stringEquals "failed"`).
    pub fn describe(&self) -> String {
        match self.matcher {
            Matcher::Output { path, comparator, expected } => format!("output path `{path}` {} {expected:?}", comparator.name()),
            Matcher::InputOutput { path, comparator, expected } => {
                format!("inputOutput path `{path}` {} {expected:?}", comparator.name())
            }
            Matcher::Success(true) => "success".to_string(),
            Matcher::Success(false) => "any error".to_string(),
            Matcher::ErrorType(codes) => format!("errorType {}", codes.first().copied().unwrap_or("")),
        }
    }
}

/// A waiter: its name, delays and ordered acceptors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiter {
    /// The waiter's name in the model (`TableExists`).
    pub name: &'static str,
    /// The least delay between polls, in seconds (the model's `minDelay`, default 2).
    pub min_delay: u64,
    /// The greatest delay between polls, in seconds (`maxDelay`, default 120).
    pub max_delay: u64,
    /// The acceptors, checked in order after each poll.
    pub acceptors: &'static [Acceptor],
}

/// The result of the last poll of a waiter.
#[derive(Debug)]
pub struct FinalPoll<O, E> {
    result: Result<O, E>,
}

impl<O, E> FinalPoll<O, E> {
    /// Wraps a poll's result.
    pub fn new(result: Result<O, E>) -> Self {
        FinalPoll { result }
    }

    /// The result.
    pub fn into_result(self) -> Result<O, E> {
        self.result
    }

    /// The result, borrowed.
    pub fn as_result(&self) -> Result<&O, &E> {
        self.result.as_ref()
    }

    /// Maps the output.
    pub fn map<O2>(self, f: impl FnOnce(O) -> O2) -> FinalPoll<O2, E> {
        FinalPoll { result: self.result.map(f) }
    }

    /// Maps the error.
    pub fn map_err<E2>(self, f: impl FnOnce(E) -> E2) -> FinalPoll<O, E2> {
        FinalPoll { result: self.result.map_err(f) }
    }
}

/// A waiter's acceptors with their expressions parsed.
struct Compiled {
    acceptors: Vec<(Acceptor, Option<Expression>, Option<Expression>)>,
    needs_input: bool,
}

fn compile(waiter: &Waiter) -> Result<Compiled, String> {
    let parse = |p: &str| Expression::parse(p).map_err(|e| format!("waiter {}: path `{p}`: {e}", waiter.name));
    let mut acceptors = Vec::with_capacity(waiter.acceptors.len());
    let mut needs_input = false;
    for a in waiter.acceptors {
        let path = match a.matcher {
            Matcher::Output { path, .. } => Some(parse(path)?),
            Matcher::InputOutput { path, .. } => {
                needs_input = true;
                Some(parse(path)?)
            }
            Matcher::Success(_) | Matcher::ErrorType(_) => None,
        };
        let message = a.message.map(parse).transpose()?;
        acceptors.push((*a, path, message));
    }
    if waiter.min_delay == 0 || waiter.min_delay > waiter.max_delay {
        return Err(format!("waiter {}: minDelay {} must be between 1 and maxDelay {}", waiter.name, waiter.min_delay, waiter.max_delay));
    }
    Ok(Compiled { acceptors, needs_input })
}

/// The first acceptor matching a poll's result, with its index.
fn matching<O, E: ProvideErrorMetadata>(
    compiled: &Compiled,
    input: Option<&Document>,
    output: &dyn Fn(&O) -> Document,
    result: &Result<O, SdkError<E>>,
) -> Option<(usize, Option<String>)> {
    let mut output_doc: Option<Document> = None;
    for (i, (acceptor, path, message)) in compiled.acceptors.iter().enumerate() {
        let matched = match (&acceptor.matcher, result) {
            (Matcher::Success(want), r) => *want == r.is_ok(),
            (Matcher::ErrorType(codes), Err(SdkError::ServiceError(e))) => e.err().code().is_some_and(|c| codes.contains(&c)),
            (Matcher::ErrorType(_), _) => false,
            (Matcher::Output { comparator, expected, .. }, Ok(o)) => {
                let doc = output_doc.get_or_insert_with(|| output(o));
                path.as_ref().and_then(|p| p.search(doc).ok()).is_some_and(|v| comparator.matches(&v, expected))
            }
            (Matcher::InputOutput { comparator, expected, .. }, Ok(o)) => {
                let doc = output_doc.get_or_insert_with(|| output(o));
                let both = object([("input", input.cloned().unwrap_or(Document::Null)), ("output", doc.clone())]);
                path.as_ref().and_then(|p| p.search(&both).ok()).is_some_and(|v| comparator.matches(&v, expected))
            }
            (Matcher::Output { .. } | Matcher::InputOutput { .. }, Err(_)) => false,
        };
        if matched {
            let text = match (message, result) {
                (Some(m), Ok(o)) => {
                    let doc = output_doc.get_or_insert_with(|| output(o));
                    m.search(doc).ok().and_then(|v| message_text(&v))
                }
                _ => None,
            };
            return Some((i, text));
        }
    }
    None
}

/// A message expression's value: a string, or an array of strings joined with `; `.
fn message_text(v: &Document) -> Option<String> {
    match v {
        Document::String(s) => Some(s.clone()),
        Document::Array(items) => {
            let parts: Vec<&str> = items.iter().filter_map(Document::as_str).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        _ => None,
    }
}

/// Polls operation `O` with `input` until an acceptor of `waiter` reaches success or failure,
/// or until `max_wait` has passed. `input_doc` and `output_doc` convert the input and output
/// for the acceptors' paths.
///
/// Between polls it sleeps (with the client's `sleep_impl`) the specification's delay:
/// exponential from `min_delay`, capped at `max_delay`, jittered (the client's
/// `retry_jitter`, when set, replaces the random draw), and stretched to the remaining time
/// when what would be left after it is at most `min_delay`, so the last poll happens at the
/// deadline. Time is read from the client's `time_source`; a clock that does not move (as in
/// tests) is covered by also counting the time slept.
pub async fn wait<O: Operation>(
    handle: &crate::client::Handle,
    waiter: &'static Waiter,
    input: O::Input,
    max_wait: Duration,
    input_doc: fn(&O::Input) -> Document,
    output_doc: fn(&O::Output) -> Document,
) -> Result<FinalPoll<O::Output, SdkError<O::Error>>, WaiterError<O::Output, O::Error>>
where
    O::Input: Clone,
    O::Error: ProvideErrorMetadata,
{
    let compiled = compile(waiter).map_err(WaiterError::construction_failure)?;
    if max_wait.is_zero() {
        return Err(WaiterError::construction_failure(format!("waiter {}: the maximum wait must be more than zero", waiter.name)));
    }
    let input_value = compiled.needs_input.then(|| input_doc(&input));
    let config = handle.config();
    let clock = &config.time;
    let start = clock.now();
    let mut slept = Duration::ZERO;
    let mut polls: u32 = 0;
    loop {
        polls = polls.saturating_add(1);
        let result = Handle::invoke::<O>(handle, input.clone()).await;
        match matching(&compiled, input_value.as_ref(), &output_doc, &result) {
            Some((i, message)) => match waiter.acceptors[i].state {
                AcceptorState::Success => return Ok(FinalPoll::new(result)),
                AcceptorState::Failure => {
                    return Err(WaiterError::FailureState(FailureState::new(FinalPoll::new(result), waiter.acceptors[i], i, message)))
                }
                AcceptorState::Retry => {}
            },
            None => {
                if let Err(e) = result {
                    return Err(WaiterError::OperationFailed(OperationFailed::new(e)));
                }
            }
        }
        let elapsed = elapsed_since(clock.now(), start).max(slept);
        let remaining = max_wait.saturating_sub(elapsed);
        if remaining.is_zero() {
            return Err(WaiterError::ExceededMaxWait(ExceededMaxWait::new(max_wait, elapsed, polls)));
        }
        let jitter = config.jitter.clone();
        let pause = delay(polls, waiter.min_delay, waiter.max_delay, remaining, |lo, hi| match &jitter {
            Some(j) => random_inclusive(lo, hi, j()),
            None => random_inclusive(lo, hi, crate::rand::unit_f64()),
        });
        tracing::debug!(waiter = waiter.name, polls, delay_secs = pause.as_secs_f64(), "waiter retrying");
        config.sleep.sleep(pause).await;
        slept = slept.saturating_add(pause);
    }
}

fn elapsed_since(now: SystemTime, start: SystemTime) -> Duration {
    now.duration_since(start).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests;

/// The fluent builder of a waiter: the struct a `wait_until_*` method returns, holding the
/// client and the operation's input builder, with `as_input()` and `wait(max_wait)`. The
/// generated code adds the input's setters.
#[macro_export]
macro_rules! waiter_fluent_builder {
    ($(#[$doc:meta])* $name:ident, $builder:ty, $op:ty, $output:ty, $error:ty, $waiter:expr, $input_doc:expr, $output_doc:expr) => {
        $(#[$doc])*
        #[derive(::std::clone::Clone, ::std::fmt::Debug)]
        pub struct $name {
            handle: $crate::__private::client::Handle,
            inner: $builder,
        }
        impl $name {
            pub(crate) fn new(handle: $crate::__private::client::Handle) -> Self {
                Self { handle, inner: ::std::default::Default::default() }
            }
            /// The input built so far.
            pub fn as_input(&self) -> &$builder {
                &self.inner
            }
            /// Polls the operation with this input until the waiter succeeds or fails, or
            /// `max_wait` passes. A missing required member is refused before anything is sent.
            pub async fn wait(
                self,
                max_wait: ::std::time::Duration,
            ) -> ::std::result::Result<
                $crate::waiter::FinalPoll<$output, $crate::error::SdkError<$error>>,
                $crate::waiter::WaiterError<$output, $error>,
            > {
                let input = self.inner.build().map_err($crate::waiter::WaiterError::construction_failure)?;
                $crate::waiter::wait::<$op>(&self.handle, $waiter, input, max_wait, $input_doc, $output_doc).await
            }
        }
    };
}
