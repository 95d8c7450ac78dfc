//! Lists the generated client's operations and modeled errors for `deserialize_responses`, so
//! that the target covers every operation the generator emits without a hand-kept list.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-client/src");
    let operations_dir = client.join("operation");
    println!("cargo:rerun-if-changed={}", operations_dir.display());
    println!("cargo:rerun-if-changed={}", client.join("types/error.rs").display());

    let mut files: Vec<_> = std::fs::read_dir(&operations_dir)
        .expect("generated-client/src/operation")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut operations = String::new();
    let mut count = 0;
    for path in &files {
        let module = path.file_stem().and_then(|s| s.to_str()).expect("file name");
        let source = std::fs::read_to_string(path).expect("operation source");
        for line in source.lines() {
            if let Some(ty) = line.strip_prefix("impl rt::operation::Operation for ") {
                let ty = ty.trim_end_matches(" {").trim();
                writeln!(operations, "    chime_sdk_identity::operation::{module}::{ty},").unwrap();
                count += 1;
            }
        }
    }
    assert!(!operations.is_empty(), "no operations found in {}", operations_dir.display());

    let errors_source = std::fs::read_to_string(client.join("types/error.rs")).expect("types/error.rs");
    let errors: Vec<String> = errors_source
        .lines()
        .filter_map(|line| line.strip_prefix("pub struct "))
        .map(|rest| format!("{:?}", rest.trim_end_matches(" {").trim()))
        .collect();
    assert!(!errors.is_empty(), "no modeled errors found");

    let generated = format!(
        "/// Every operation of the generated client.\nmacro_rules! for_each_operation {{\n    ($m:ident) => {{ $m!(\n{operations}    ); }};\n}}\n\n\
         /// How many operations there are.\nconst OPERATION_COUNT: usize = {count};\n\n\
         /// The code of every modeled error.\nconst ERROR_CODES: &[&str] = &[{}];\n",
        errors.join(", ")
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("operations.rs");
    std::fs::write(out, generated).expect("write operations.rs");
}
