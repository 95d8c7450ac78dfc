//! The generator's front half on untrusted models: `model::load` (the JSON AST, 1.0 and 2.0,
//! `apply`, prelude), the passes (service selection, mixins, closure, errors, recursion) and
//! lowering to the IR. A bad model must come back as a `ModelError`, never a panic.
//!
//! Input: the model's JSON text (invalid UTF-8 is replaced). Mutated as bytes and, when it
//! parses, as a JSON tree (`src/json_mutator.rs`). Emission and rendering cost ten
//! times more per model; `codegen_generate` covers them.

#![no_main]

use codegen::{lower, model, passes, PackageOptions};
use libfuzzer_sys::{fuzz_mutator, fuzz_target};

#[path = "../src/json_mutator.rs"]
mod json_mutator;

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    json_mutator::mutate(data, size, max_size, seed)
});

fuzz_target!(|data: &[u8]| {
    let json = String::from_utf8_lossy(data);
    let Ok(loaded) = model::load(&json) else { return };
    let Ok((service, passed)) = passes::run(loaded, None) else { return };
    let package = PackageOptions {
        name: None,
        version: "0.1.0".into(),
        runtime_path: "../runtime".into(),
        workspace_member: false,
        credentials_chain: true,
    };
    if let Ok(krate) = lower::lower(&passed, &service, &package) {
        std::hint::black_box(krate);
    }
});
