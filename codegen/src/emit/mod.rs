//! IR → one token stream (or text) per output file. Two targets sit side by side, each a
//! module: [`client`] (the client crate) and [`server`] (the server module an in-process
//! implementation such as the emulator builds on). What both need is shared here: rustdoc and
//! Rust type helpers (`common`), the data types (`types`) and JSON (`json`). None of them reads
//! the model.

pub mod client;
pub(crate) mod common;
mod json;
pub mod server;
pub(crate) mod types;

use proc_macro2::TokenStream;

/// A file before rendering.
pub enum Emitted {
    /// Rust source, formatted by `render`.
    Rust { path: String, tokens: TokenStream },
    /// Any other text, written as is.
    Text { path: String, text: String },
}

pub use client::emit;
