//! Real packages for `ext`: where a project comes from (folder, sdist, PyPI),
//! what it needs to build (pyproject.toml), and the wheelhouse of build
//! requirements resolved on the host, since containers have no network.

pub mod index;
pub mod install;
pub mod pyproject;
pub mod requirements;
pub mod resolve;
pub mod source;
pub mod unpack;
pub mod wheel_tags;
pub mod wheelhouse;

#[cfg(test)]
pub mod testing;
