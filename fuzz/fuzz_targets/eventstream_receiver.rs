//! The event stream receiver (`client_runtime::eventstream::EventReceiver`) over a response body
//! of any bytes, arriving in chunks of any size, with an unmarshaller that reads what generated
//! ones read (the message kind, typed headers, a modeled error's JSON payload through the Chime
//! client's error reader). Nothing may panic, the receiver must stop after a failure or the
//! end, and it may not yield more events than the body could hold.
//!
//! Input: a control byte giving the chunk size, then the body.

#![no_main]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use chime_sdk_identity::types::error::BadRequestException;
use client_runtime::byte_stream::{ByteStream, ByteStreamError, ChunkSource};
use client_runtime::error::DeserializeError;
use client_runtime::eventstream::marshal::{self, MessageKind};
use client_runtime::eventstream::{EventReceiver, Message, Unmarshalled};
use libfuzzer_sys::fuzz_target;

/// The body, handed over `size` bytes at a time.
struct Chunks {
    data: Vec<u8>,
    size: usize,
    at: usize,
}

impl ChunkSource for Chunks {
    fn poll_chunk(&mut self, _: &mut Context<'_>) -> Poll<Option<Result<bytes::Bytes, ByteStreamError>>> {
        if self.at >= self.data.len() {
            return Poll::Ready(None);
        }
        let end = (self.at + self.size).min(self.data.len());
        let chunk = bytes::Bytes::copy_from_slice(&self.data[self.at..end]);
        self.at = end;
        Poll::Ready(Some(Ok(chunk)))
    }
}

#[derive(Debug)]
struct Failure(String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

fn unmarshal(message: &Message) -> Result<Unmarshalled<String, Failure>, DeserializeError> {
    match marshal::kind(message)? {
        MessageKind::Event(event_type) => {
            let text = marshal::str_header(message, "text")?.unwrap_or_default();
            let n = marshal::i64_header(message, "n")?;
            let at = marshal::timestamp_header(message, "at")?;
            let blob = marshal::bytes_header(message, "blob")?;
            Ok(Unmarshalled::Event(format!("{event_type} {text} {n:?} {at:?} {blob:?}")))
        }
        MessageKind::Exception(code) => {
            let e: BadRequestException = marshal::modeled_error(message, code)?;
            Ok(Unmarshalled::Error(Failure(format!("{e} {e:?}"))))
        }
        MessageKind::Error => Ok(Unmarshalled::Error(Failure(marshal::unhandled(message).to_string()))),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, body)) = data.split_first() else { return };
    let source = Chunks { data: body.to_vec(), size: usize::from(size).max(1), at: 0 };
    let mut receiver = EventReceiver::new(ByteStream::from_source(source), unmarshal);
    let mut cx = Context::from_waker(Waker::noop());
    // The smallest message is 16 bytes.
    let most = body.len() / 16;
    let mut events = 0;
    loop {
        let Poll::Ready(got) = pin!(receiver.recv()).poll(&mut cx) else {
            panic!("a body in memory never makes the receiver wait");
        };
        match got {
            Ok(Some(event)) => {
                events += 1;
                assert!(events <= most, "more events than the body can hold");
                let _ = format!("{event}");
            }
            Ok(None) => break,
            Err(e) => {
                let _ = format!("{e} {e:?}");
                break;
            }
        }
    }
    // Ended or failed: the receiver stays ended.
    let Poll::Ready(after) = pin!(receiver.recv()).poll(&mut cx) else { panic!("an ended receiver never waits") };
    assert!(matches!(after, Ok(None) | Err(_)), "the receiver yielded an event after it ended: {after:?}");
});
