//! Configuration: the model, loading with precise errors, and semantic checks.

mod load;
mod model;

pub use load::{load, parse, ConfigError, Source, DEFAULT_YAML};
pub use model::*;
