//! Event stream test support (`smithy.test#eventStreamTests`): a stream of given events, the
//! messages a request body carries (unwrapped from their signature envelopes), and message
//! assertions that follow the event stream compliance rules (typed headers as listed, bodies
//! compared by media type).

use crate::eventstream::{decode, HeaderValue, Message};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A stream yielding `items` in order, then ending.
pub fn stream_of<T: Unpin>(items: Vec<T>) -> impl futures_core::Stream<Item = T> + Unpin {
    struct Items<T>(std::vec::IntoIter<T>);
    impl<T: Unpin> futures_core::Stream for Items<T> {
        type Item = T;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<T>> {
            Poll::Ready(self.0.next())
        }
    }
    Items(items.into_iter())
}

/// The event messages of an event stream request body: each frame decoded, and a signed
/// frame (`:chunk-signature`) replaced by the message it carries; the empty signed frame that
/// ends a signed stream is left out. Panics on a body that is not a sequence of frames.
pub fn sent_messages(body: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (frame, used) = match decode(rest) {
            Ok(Some(found)) => found,
            other => panic!("the request body is not a sequence of event stream frames: {other:?}"),
        };
        rest = &rest[used..];
        if frame.get(":chunk-signature").is_none() {
            out.push(frame);
            continue;
        }
        if frame.payload.is_empty() {
            assert!(rest.is_empty(), "the empty signed frame must end the stream");
            continue;
        }
        match decode(&frame.payload) {
            Ok(Some((inner, used))) if used == frame.payload.len() => out.push(inner),
            other => panic!("a signed frame does not carry exactly one message: {other:?}"),
        }
    }
    out
}

/// What an event stream test expects of a message the client sends.
#[derive(Debug)]
pub struct ExpectedEvent<'a> {
    /// Headers that must be present with these typed values.
    pub headers: &'a [(&'a str, HeaderValue)],
    pub forbid_headers: &'a [&'a str],
    pub require_headers: &'a [&'a str],
    /// The payload, compared as JSON when the media type says so.
    pub body: Option<&'a str>,
    pub body_media_type: Option<&'a str>,
}

impl ExpectedEvent<'_> {
    /// Panics, naming case `id` and the difference, unless `message` matches.
    pub fn assert_matches(&self, id: &str, message: &Message) {
        if let Err(why) = self.check(message) {
            panic!("{id}: {why}\nmessage: {message:#?}\npayload: {}", String::from_utf8_lossy(&message.payload));
        }
    }

    /// The first difference between `message` and the expectation.
    pub fn check(&self, message: &Message) -> Result<(), String> {
        for (name, want) in self.headers {
            match message.get(name) {
                Some(got) if got == want => {}
                got => return Err(format!("header {name}: {got:?} != {want:?}")),
            }
        }
        for name in self.forbid_headers {
            if message.get(name).is_some() {
                return Err(format!("header {name} must not be sent"));
            }
        }
        for name in self.require_headers {
            if message.get(name).is_none() {
                return Err(format!("header {name} must be sent"));
            }
        }
        if let Some(body) = self.body {
            let same = match self.body_media_type {
                Some(m) if m.contains("json") && !(body.is_empty() && message.payload.is_empty()) => {
                    super::json_equivalent(body.as_bytes(), &message.payload)?
                }
                _ => message.payload == body.as_bytes(),
            };
            if !same {
                return Err(format!("payload {:?} != {body:?}", String::from_utf8_lossy(&message.payload)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventstream::encode;

    #[test]
    fn signed_envelopes_are_opened_and_the_end_frame_dropped() {
        let inner = Message::new(b"{\"a\":1}".to_vec()).header(":event-type", HeaderValue::String("x".into()));
        let signed = Message::new(encode(&inner).unwrap()).header(":chunk-signature", HeaderValue::ByteArray(vec![0; 32]));
        let end = Message::new(Vec::new()).header(":chunk-signature", HeaderValue::ByteArray(vec![1; 32]));
        let mut body = encode(&signed).unwrap();
        body.extend(encode(&end).unwrap());
        assert_eq!(sent_messages(&body), vec![inner.clone()]);
        assert_eq!(sent_messages(&encode(&inner).unwrap()), vec![inner.clone()]);

        let want = ExpectedEvent { headers: &[(":event-type", HeaderValue::String("x".into()))], forbid_headers: &[], require_headers: &[], body: Some("{ \"a\": 1 }"), body_media_type: Some("application/json") };
        assert!(want.check(&inner).is_ok());
        let wrong_type = ExpectedEvent { headers: &[(":event-type", HeaderValue::ByteArray(b"x".to_vec()))], ..want };
        assert!(wrong_type.check(&inner).is_err());
        let forbidden = ExpectedEvent { headers: &[], forbid_headers: &[":event-type"], require_headers: &[], body: None, body_media_type: None };
        assert!(forbidden.check(&inner).is_err());
        let other_body = ExpectedEvent { headers: &[], forbid_headers: &[], require_headers: &["missing"], body: None, body_media_type: None };
        assert!(other_body.check(&inner).is_err());
    }
}
