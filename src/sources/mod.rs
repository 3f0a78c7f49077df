//! CPython source tarballs: mirror URLs, sha256 pinning and a local cache.
//!
//! A tarball is only ever placed in the cache after its sha256 matched the
//! pin; the fetching, hashing and placing are the download layer's
//! ([`crate::download`]). Here:
//! - `spec.rs`: the pin (version, sha256, Debian's spelling of the version) and its check;
//! - `mirror.rs`: mirror templates expanded into URLs, and the mirror that served named;
//! - `fetch.rs`: the cache checked, then each mirror tried until one serves the pinned bytes;
//! - `error.rs`: what can go wrong, each error saying how to fix it.

mod error;
mod fetch;
mod mirror;
mod spec;
#[cfg(test)]
mod test_server;
#[cfg(test)]
mod tests;

pub use error::SourceError;
pub use fetch::{fetch, FetchEvent};
pub use mirror::served_by;
pub use spec::SourceSpec;
