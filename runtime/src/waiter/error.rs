//! Why a wait ended without success.

use super::{Acceptor, FinalPoll};
use crate::error::{ConstructionFailure, SdkError};
use std::fmt;
use std::time::Duration;

/// A wait that did not succeed.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaiterError<O, E> {
    /// The wait could not start (the input could not be built, or the waiter or the maximum
    /// wait is invalid). Nothing was sent.
    ConstructionFailure(ConstructionFailure),
    /// The maximum wait passed before an acceptor reached success or failure.
    ExceededMaxWait(ExceededMaxWait),
    /// An acceptor moved the waiter to the failure state: the resource will not reach the
    /// desired state. Says which acceptor, and holds the poll that matched it.
    FailureState(FailureState<O, SdkError<E>>),
    /// A poll failed with an error no acceptor expected.
    OperationFailed(OperationFailed<E>),
}

impl<O, E> WaiterError<O, E> {
    /// A construction failure from any error.
    pub fn construction_failure(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        WaiterError::ConstructionFailure(ConstructionFailure::new(source))
    }
}

impl<O, E: fmt::Display> fmt::Display for WaiterError<O, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaiterError::ConstructionFailure(c) => write!(f, "the waiter could not start: {c}"),
            WaiterError::ExceededMaxWait(e) => fmt::Display::fmt(e, f),
            WaiterError::FailureState(s) => fmt::Display::fmt(s, f),
            WaiterError::OperationFailed(e) => write!(f, "a poll failed with an error no acceptor expected: {}", e.error),
        }
    }
}

impl<O: fmt::Debug, E: std::error::Error + 'static> std::error::Error for WaiterError<O, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaiterError::ConstructionFailure(c) => Some(c),
            WaiterError::OperationFailed(e) => Some(&e.error),
            WaiterError::FailureState(s) => s.final_poll.as_result().err().map(|e| e as &(dyn std::error::Error + 'static)),
            WaiterError::ExceededMaxWait(_) => None,
        }
    }
}

/// The maximum wait passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceededMaxWait {
    max_wait: Duration,
    elapsed: Duration,
    poll_count: u32,
}

impl ExceededMaxWait {
    /// The context of an exceeded wait.
    pub fn new(max_wait: Duration, elapsed: Duration, poll_count: u32) -> Self {
        ExceededMaxWait { max_wait, elapsed, poll_count }
    }

    /// The maximum wait the caller set.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// How long the waiter waited.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// How many times it polled.
    pub fn poll_count(&self) -> u32 {
        self.poll_count
    }
}

impl fmt::Display for ExceededMaxWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the maximum wait of {:?} passed ({:?} elapsed, {} poll{}) without reaching the desired state",
            self.max_wait,
            self.elapsed,
            self.poll_count,
            if self.poll_count == 1 { "" } else { "s" }
        )
    }
}

/// A failure acceptor matched.
#[derive(Debug)]
pub struct FailureState<O, E> {
    final_poll: FinalPoll<O, E>,
    acceptor: Acceptor,
    index: usize,
    message: Option<String>,
}

impl<O, E> FailureState<O, E> {
    /// The failure state reached by acceptor number `index` (from 0) on `final_poll`, with the
    /// message its `message` expression gave.
    pub fn new(final_poll: FinalPoll<O, E>, acceptor: Acceptor, index: usize, message: Option<String>) -> Self {
        FailureState { final_poll, acceptor, index, message }
    }

    /// The poll that matched.
    pub fn final_poll(&self) -> &FinalPoll<O, E> {
        &self.final_poll
    }

    /// The poll that matched, by value.
    pub fn into_final_poll(self) -> FinalPoll<O, E> {
        self.final_poll
    }

    /// The acceptor that matched.
    pub fn acceptor(&self) -> &Acceptor {
        &self.acceptor
    }

    /// Its position in the waiter's list of acceptors (from 0).
    pub fn acceptor_index(&self) -> usize {
        self.index
    }

    /// The acceptor's message about the output, when it has one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl<O, E> fmt::Display for FailureState<O, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the waiter reached a failure state: acceptor {} ({}) matched", self.index, self.acceptor.describe())?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

/// A poll failed with an error no acceptor expected.
#[derive(Debug)]
pub struct OperationFailed<E> {
    error: SdkError<E>,
}

impl<E> OperationFailed<E> {
    /// Wraps the poll's error.
    pub fn new(error: SdkError<E>) -> Self {
        OperationFailed { error }
    }

    /// The error.
    pub fn error(&self) -> &SdkError<E> {
        &self.error
    }

    /// The error, by value.
    pub fn into_error(self) -> SdkError<E> {
        self.error
    }
}
