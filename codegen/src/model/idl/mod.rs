//! The Smithy IDL (2.0, and 1.0 files as the spec reads them): [`lexer`] turns text into
//! tokens, [`parser`] turns tokens into the [`Fragment`](super::fragment::Fragment) the model
//! assembler merges with the other files. Errors name the file, line and column, and say what
//! was expected.

mod lexer;
mod parser;

pub(crate) use parser::parse;
