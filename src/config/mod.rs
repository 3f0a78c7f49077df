//! Configuration: the model, loading with precise errors, and semantic checks.

mod limits;
mod load;
mod locate;
mod model;

#[cfg(test)]
pub use load::parse;
#[cfg(test)]
pub use load::Source;
pub use load::{load, DEFAULT_YAML};
pub use model::*;
