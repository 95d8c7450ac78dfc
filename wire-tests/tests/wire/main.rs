//! Integration tests of the generated Chime SDK Identity client over real HTTP: every call goes
//! through the client's own transport to a scripted server on 127.0.0.1 (see [`support`]),
//! which records the requests exactly as they arrived.

mod customize;
mod fixtures;
mod mocks;
mod operations;
mod pagination;
mod retries;
mod secrets;
mod sts;
mod support;
mod transport;
mod validation;
