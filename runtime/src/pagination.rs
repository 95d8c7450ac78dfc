//! Paginators: a [`PaginationStream`] of pages (one call per page, lazily), and of the items in
//! them. Only one page is held at a time, so walking any number of items keeps memory flat.

use crate::client::Handle;
use crate::error::{BuildError, SdkError};
use crate::operation::Operation;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Something that yields items one at a time. It moves into the future producing the next item
/// and comes back with it, so no future ever borrows the stream.
trait Source<T>: Send {
    fn next(self: Box<Self>) -> Next<T>;
}

/// The next item and the source to ask for the one after; `None` at the end.
type Next<T> = BoxFuture<Option<(T, Box<dyn Source<T>>)>>;

enum State<T> {
    Ready(Box<dyn Source<T>>),
    Waiting(Next<T>),
    Done,
}

/// A stream of pages or items. Use [`next`](Self::next) in a loop, [`collect`](Self::collect),
/// or any `futures` combinator (it implements `futures_core::Stream`).
pub struct PaginationStream<T> {
    state: State<T>,
}

impl<T> std::fmt::Debug for PaginationStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Ready(_) => "ready",
            State::Waiting(_) => "waiting",
            State::Done => "done",
        };
        f.debug_struct("PaginationStream").field("state", &state).finish()
    }
}

impl<T: Send + 'static> PaginationStream<T> {
    fn new(source: Box<dyn Source<T>>) -> Self {
        PaginationStream { state: State::Ready(source) }
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Ready(source) => self.state = State::Waiting(source.next()),
                State::Waiting(mut fut) => {
                    return match fut.as_mut().poll(cx) {
                        Poll::Ready(Some((item, source))) => {
                            self.state = State::Ready(source);
                            Poll::Ready(Some(item))
                        }
                        Poll::Ready(None) => Poll::Ready(None),
                        Poll::Pending => {
                            self.state = State::Waiting(fut);
                            Poll::Pending
                        }
                    };
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }

    /// The next page or item; `None` when the walk is over.
    pub async fn next(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    /// Every remaining element.
    pub async fn collect<C: FromIterator<T>>(mut self) -> C {
        let mut all = Vec::new();
        while let Some(x) = self.next().await {
            all.push(x);
        }
        all.into_iter().collect()
    }
}

impl<T: Send + 'static> futures_core::Stream for PaginationStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_item(cx)
    }
}

impl<P: Send + 'static, E: Send + 'static> PaginationStream<Result<P, E>> {
    /// The next page or item, `Ok(None)` at the end, or the error that ended the walk (as the
    /// AWS SDK for Rust's paginators offer it, for `while let Some(page) = s.try_next().await?`).
    pub async fn try_next(&mut self) -> Result<Option<P>, E> {
        self.next().await.transpose()
    }

    /// Every remaining page or item, or the first error.
    pub async fn try_collect(mut self) -> Result<Vec<P>, E> {
        let mut all = Vec::new();
        while let Some(x) = self.try_next().await? {
            all.push(x);
        }
        Ok(all)
    }

    /// The items of each page, in order: `f` turns a page into its items. An error ends the
    /// stream after being yielded.
    pub fn flat_map<T: Send + 'static>(self, f: fn(P) -> Vec<T>) -> PaginationStream<Result<T, E>> {
        PaginationStream::new(Box::new(Items { pages: self, f, buffer: VecDeque::new(), failed: false }))
    }
}

struct Items<P, T, E> {
    pages: PaginationStream<Result<P, E>>,
    f: fn(P) -> Vec<T>,
    buffer: VecDeque<T>,
    failed: bool,
}

impl<P: Send + 'static, T: Send + 'static, E: Send + 'static> Source<Result<T, E>> for Items<P, T, E> {
    fn next(mut self: Box<Self>) -> Next<Result<T, E>> {
        Box::pin(async move {
            loop {
                if self.failed {
                    return None;
                }
                if let Some(item) = self.buffer.pop_front() {
                    return Some((Ok(item), self as Box<dyn Source<_>>));
                }
                match self.pages.next().await {
                    Some(Ok(page)) => self.buffer = (self.f)(page).into(),
                    Some(Err(e)) => {
                        self.failed = true;
                        return Some((Err(e), self as Box<dyn Source<_>>));
                    }
                    None => return None,
                }
            }
        })
    }
}

/// How a paginator reads and writes tokens of operation `O` whose input builder is `B`.
struct Pages<O: Operation, B> {
    handle: Handle,
    builder: B,
    build: fn(&B) -> Result<O::Input, BuildError>,
    with_token: fn(&B, String) -> B,
    token_of: fn(&O::Output) -> Option<&str>,
    /// The token sent with the last request; `None` before the first page.
    sent: Option<String>,
    done: bool,
}

impl<O: Operation, B: Send + Sync + 'static> Source<Result<O::Output, SdkError<O::Error>>> for Pages<O, B> {
    fn next(mut self: Box<Self>) -> Next<Result<O::Output, SdkError<O::Error>>> {
        Box::pin(async move {
            if self.done {
                return None;
            }
            // The first request keeps whatever starting token the caller set.
            let built = match &self.sent {
                None => (self.build)(&self.builder),
                Some(token) => (self.build)(&(self.with_token)(&self.builder, token.clone())),
            };
            let input = match built {
                Ok(i) => i,
                Err(e) => {
                    self.done = true;
                    return Some((Err(SdkError::construction_failure(e)), self as Box<dyn Source<_>>));
                }
            };
            let result = self.handle.invoke::<O>(input).await;
            match &result {
                Ok(output) => match (self.token_of)(output) {
                    // Stop on a missing or empty token, and on a token the service already
                    // sent (it would loop forever).
                    Some(t) if !t.is_empty() && self.sent.as_deref() != Some(t) => self.sent = Some(t.to_string()),
                    _ => self.done = true,
                },
                Err(_) => self.done = true,
            }
            Some((result, self as Box<dyn Source<_>>))
        })
    }
}

/// A stream of the pages of operation `O`, starting from the input in `builder`.
pub fn paginate<O: Operation, B: Send + Sync + 'static>(
    handle: Handle,
    builder: B,
    build: fn(&B) -> Result<O::Input, BuildError>,
    with_token: fn(&B, String) -> B,
    token_of: fn(&O::Output) -> Option<&str>,
) -> PaginationStream<Result<O::Output, SdkError<O::Error>>> {
    PaginationStream::new(Box::new(Pages::<O, B> { handle, builder, build, with_token, token_of, sent: None, done: false }))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(u32, u32);

    impl Source<Result<Vec<u32>, String>> for Counter {
        fn next(self: Box<Self>) -> Next<Result<Vec<u32>, String>> {
            Box::pin(async move {
                let Counter(page, pages) = *self;
                if page == pages {
                    return None;
                }
                let item = if page == 2 { Err("boom".to_string()) } else { Ok(vec![page * 10, page * 10 + 1]) };
                Some((item, Box::new(Counter(page + 1, pages)) as Box<dyn Source<_>>))
            })
        }
    }

    fn run<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn items_flatten_pages_and_stop_after_an_error() {
        let pages = PaginationStream::new(Box::new(Counter(0, 2)));
        let items: Vec<_> = run(pages.flat_map(|p| p).collect());
        assert_eq!(items, vec![Ok(0), Ok(1), Ok(10), Ok(11)]);
        let pages = PaginationStream::new(Box::new(Counter(0, 4)));
        let items: Vec<_> = run(pages.flat_map(|p| p).collect());
        assert_eq!(items, vec![Ok(0), Ok(1), Ok(10), Ok(11), Err("boom".to_string())], "nothing after the error");
    }
}
