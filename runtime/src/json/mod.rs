//! JSON for restJson1 bodies: [`JsonValueWriter`] and friends append to a `String` without
//! building a tree, and [`JsonReader`] pulls values out of the response bytes, borrowing
//! strings from the input unless they contain escapes. Generated serializers and deserializers
//! call these directly, member by member.

mod reader;
mod writer;

pub use reader::{JsonError, JsonReader, MAX_DEPTH};
pub use writer::{JsonArrayWriter, JsonObjectWriter, JsonValueWriter};

#[cfg(test)]
mod tests;
