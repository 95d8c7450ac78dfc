//! The whole generator, `codegen::generate` and `codegen::generate_server`: load, passes,
//! lower, emit and render. Besides never panicking, a model the generator accepts must not make
//! it emit invalid Rust: `render` reports that as an error, but it is a generator bug.
//!
//! Input: the model's JSON text (invalid UTF-8 is replaced). Mutated as bytes and, when it
//! parses, as a JSON tree (`src/json_mutator.rs`). About ten times slower per model
//! than `codegen_model`, which fuzzes the stages before emission.

#![no_main]

use codegen::{Options, PackageOptions};
use libfuzzer_sys::{fuzz_mutator, fuzz_target};

#[path = "../src/json_mutator.rs"]
mod json_mutator;

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    json_mutator::mutate(data, size, max_size, seed)
});

fn check<T>(result: Result<T, codegen::ModelError>) {
    if let Err(e) = result {
        let message = e.to_string();
        assert!(!message.contains("generator produced invalid Rust"), "{message}");
    }
}

fuzz_target!(|data: &[u8]| {
    let json = String::from_utf8_lossy(data);
    let options = Options {
        service: None,
        package: PackageOptions {
            name: None,
            version: "0.1.0".into(),
            runtime_path: "../runtime".into(),
            workspace_member: false,
            credentials_chain: true,
        },
    };
    check(codegen::generate(&json, &options));
    check(codegen::generate_server(&json, None));
});
