//! Every generated deserializer of the Chime client, for success and error responses: none may
//! panic, whatever the status, headers and body.
//!
//! Input: an optional head, `STATUS\nName: value\n...\n\n`, then the body. Without the blank
//! line the whole input is the body of a 200 response. Every operation reads the response as a
//! success and as an error with the metadata `rest_json::error_metadata` derives from it. One
//! operation, chosen by the input's length, also reads it as each modeled error code, so error
//! bodies are read without the fuzzer guessing a code (the errors' readers are shared by all
//! operations; doing this for every operation made the target five times slower).

#![no_main]

use std::fmt::Write as _;

use client_runtime::error::ErrorMetadata;
use client_runtime::http::{Headers, HttpResponse};
use client_runtime::__private::operation::Operation;
use client_runtime::__private::protocol::rest_json;
use libfuzzer_sys::fuzz_target;

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

fn response(data: &[u8]) -> HttpResponse {
    let Some(split) = data.windows(2).position(|w| w == b"\n\n") else {
        return HttpResponse { status: 200, headers: Headers::new(), body: data.to_vec() };
    };
    let head = String::from_utf8_lossy(&data[..split]);
    let mut lines = head.split('\n');
    let status = lines.next().and_then(|s| s.trim().parse::<u16>().ok()).unwrap_or(200);
    let mut headers = Headers::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        headers.append(name.trim().to_string(), value.trim().to_string());
    }
    HttpResponse { status, headers, body: data[split + 2..].to_vec() }
}

/// Display, Debug and the source chain of an error: formatting must not panic either.
fn show(error: &dyn std::error::Error, out: &mut String) {
    let _ = write!(out, "{error} {error:?}");
    let mut source = error.source();
    while let Some(e) = source {
        let _ = write!(out, " {e}");
        source = e.source();
    }
}

fn check<O: Operation>(response: &HttpResponse, meta: &ErrorMetadata, every_code: bool)
where
    O::Output: std::fmt::Debug,
{
    let mut out = String::new();
    match O::deserialize(response) {
        Ok(output) => drop(write!(out, "{output:?}")),
        Err(e) => show(&e, &mut out),
    }
    let mut read_error = |meta: ErrorMetadata| match O::deserialize_error(response, meta) {
        Ok(error) => show(&error, &mut out),
        Err(e) => show(&e, &mut out),
    };
    read_error(meta.clone());
    for code in ERROR_CODES.iter().filter(|_| every_code) {
        read_error(ErrorMetadata::new(
            Some(code.to_string()),
            meta.message().map(str::to_string),
            meta.request_id().map(str::to_string),
        ));
    }
    std::hint::black_box(out);
}

fuzz_target!(|data: &[u8]| {
    let response = response(data);
    let meta = rest_json::error_metadata(&response);
    let _ = format!("{meta} {response:?}");
    let chosen = data.len() % OPERATION_COUNT;
    let mut index = 0;
    macro_rules! run {
        ($($op:ty,)*) => { $(check::<$op>(&response, &meta, index == chosen); index += 1;)* };
    }
    for_each_operation!(run);
});
