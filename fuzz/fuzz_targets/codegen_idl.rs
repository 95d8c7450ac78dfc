//! The IDL loader on untrusted text: `model::assemble` of one `.smithy` file (lexer, parser,
//! relative shape ids, elision, trait merging, 1.0 normalisation), then the passes and
//! lowering. A bad file must come back as a `ModelError` with its line and column, never a
//! panic; a model that loads must come back unchanged from `model::to_idl` and loading again.
//!
//! Input: the IDL text (invalid UTF-8 is replaced), mutated as bytes; `dicts/idl.dict` gives
//! the grammar's keywords and punctuation.

#![no_main]

use codegen::model::{assemble, to_idl, to_json_ast, Source};
use codegen::{lower, passes, PackageOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = match assemble(&[Source { name: "fuzz.smithy", text: &text }]) {
        Ok(model) => model,
        Err(e) => {
            assert!(e.location.is_some() || !e.at.is_empty(), "an error without a place: {e}");
            return;
        }
    };
    let files = to_idl(&loaded);
    let names: Vec<String> = files.iter().map(|(ns, _)| format!("{ns}.smithy")).collect();
    let again: Vec<Source> = files.iter().zip(&names).map(|((_, text), name)| Source { name, text }).collect();
    match assemble(&again) {
        Ok(reloaded) => assert_eq!(to_json_ast(&reloaded), to_json_ast(&loaded), "the model changed through to_idl"),
        Err(e) => panic!("to_idl wrote IDL that does not load: {e}"),
    }
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
