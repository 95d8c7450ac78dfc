//! `eventstream-frames`: the `application/vnd.amazon.eventstream` frame vectors
//! (`conformance/eventstream/`, from smithy-rs). Each `valid_*` file must decode to the content
//! its README documents (written out below as facts of the vectors), use every byte, and encode
//! back to exactly the same bytes. Each `invalid_*` file must be refused with the kind of error
//! its name says (a checksum, or the headers section), never decoded and never taken for an
//! incomplete frame.

use std::path::Path;

use anyhow::{Context, Result};
use client_runtime::eventstream::{decode, encode, FrameError, HeaderValue, Message};

use super::SuiteResult;

const DIR: &str = "conformance/eventstream";

/// The documented content of the valid vectors.
fn expected(name: &str) -> Option<Message> {
    let uuid = [0xb7, 0x9b, 0xc9, 0x14, 0xde, 0x21, 0x4e, 0x13, 0xb8, 0xb2, 0xbc, 0x47, 0xe8, 0x5b, 0x7f, 0x0b];
    Some(match name {
        "valid_with_all_headers_and_payload" => Message::new(b"some payload".to_vec())
            .header("true", HeaderValue::Bool(true))
            .header("false", HeaderValue::Bool(false))
            .header("byte", HeaderValue::Byte(50))
            .header("short", HeaderValue::Int16(20_000))
            .header("int", HeaderValue::Int32(500_000))
            .header("long", HeaderValue::Int64(50_000_000_000))
            .header("bytes", HeaderValue::ByteArray(b"some bytes".to_vec()))
            .header("str", HeaderValue::String("some str".into()))
            .header("time", HeaderValue::Timestamp(5_000_000 * 1000))
            .header("uuid", HeaderValue::Uuid(uuid)),
        "valid_no_headers" => Message::new(b"another test payload".to_vec()),
        "valid_empty_payload" => Message::new(Vec::new()).header("some-header", HeaderValue::Int16(500)),
        _ => return None,
    })
}

fn check_valid(name: &str, bytes: &[u8]) -> Result<(), String> {
    let want = expected(name).ok_or_else(|| format!("no documented content for {name}"))?;
    let (got, used) = match decode(bytes) {
        Ok(Some(decoded)) => decoded,
        Ok(None) => return Err("taken for an incomplete frame".into()),
        Err(e) => return Err(format!("refused: {e}")),
    };
    if used != bytes.len() {
        return Err(format!("used {used} of {} bytes", bytes.len()));
    }
    if got != want {
        return Err(format!("decoded {got:?}, documented {want:?}"));
    }
    match encode(&got) {
        Ok(again) if again == bytes => Ok(()),
        Ok(_) => Err("encoding the message gives other bytes".into()),
        Err(e) => Err(format!("cannot encode it again: {e}")),
    }
}

fn check_invalid(name: &str, bytes: &[u8]) -> Result<(), String> {
    let checksum = name.contains("checksum");
    match decode(bytes) {
        Err(FrameError::PreludeChecksum { .. }) if name == "invalid_prelude_checksum" => Ok(()),
        Err(FrameError::MessageChecksum { .. }) if name == "invalid_message_checksum" => Ok(()),
        Err(FrameError::InvalidHeader { .. } | FrameError::UnknownHeaderType { .. } | FrameError::InvalidLengths { .. }) if !checksum => Ok(()),
        Err(e) => Err(format!("refused, but for another reason: {e}")),
        Ok(None) => Err("taken for an incomplete frame".into()),
        Ok(Some((m, _))) => Err(format!("decoded {m:?}")),
    }
}

/// `eventstream-frames`.
pub fn frames(shared: &Path) -> Result<SuiteResult> {
    let dir = shared.join(DIR);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("valid_") || n.starts_with("invalid_"))
        .collect();
    names.sort();
    let mut result = SuiteResult::default();
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).with_context(|| format!("reading {name}"))?;
        let outcome = if name.starts_with("valid_") { check_valid(&name, &bytes) } else { check_invalid(&name, &bytes) };
        result.record(name, outcome);
    }
    Ok(result)
}
