//! Configuration: the model, loading with precise errors, and semantic checks.

mod builtin;
mod depth;
mod load;
mod locate;
mod model;
mod numbers;
mod user;
mod values;

#[cfg(test)]
pub use load::parse;
#[cfg(test)]
pub use load::Source;
pub use load::{load, DEFAULT_YAML};
pub use model::*;

/// The built-in config with 3.15.0rc2 (every variant, `tj` included) uncommented.
#[cfg(test)]
pub fn yaml_with_315() -> String {
    DEFAULT_YAML
        .replace("  # - version: 3.15.0rc2", "  - version: 3.15.0rc2")
        .replace("  #   sha256: 8d93", "    sha256: 8d93")
        .replace(
            "  #   variants: [stock, t, j, tj]",
            "    variants: [stock, t, j, tj]",
        )
}

/// The built-in config with 3.13 alone: the tutorial's matrix, for tests whose
/// point is not the number of versions.
#[cfg(test)]
pub fn tutorial_yaml() -> String {
    let start = DEFAULT_YAML.find("  - version: 3.14.7\n").unwrap();
    let end = start
        + DEFAULT_YAML[start..]
            .find("  # The release candidate")
            .unwrap();
    let mut yaml = DEFAULT_YAML.to_string();
    yaml.replace_range(start..end, "");
    yaml
}
