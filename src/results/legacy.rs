//! Files written before result files named their kind (schema 0).
//!
//! The rule is one line, and nothing looks at which keys a file has: **a
//! file without `"kind"` is a run's results of schema 0.** Runs are the
//! files worth keeping across versions (measurements that cannot be
//! repeated, a history folder); comparisons, extension checks and build
//! summaries of that age are made again in seconds to minutes, so an old one
//! is refused with the command that writes it anew. A package's readiness
//! has carried `"kind": "ext-package"` from the start.

use super::kind::Kind;

/// The kind a file without `"kind"` is read as.
pub const KIND: Kind = Kind::Run;

/// The refusal of a file without `"kind"` that is not a run's results;
/// `holds` says what it holds, `expected` what result files are.
pub fn not_a_run(path: &str, holds: &str, expected: &str) -> String {
    format!(
        "{path} is not a pybench-docker result file: it holds {holds}, and has no \"kind\". A \
         file without one is read only as a run's results from before result files named their \
         kind, which it is not. A comparison, an extension check or a build summary written \
         then is refused: write it again with this version (`compare A B --json FILE`, `ext … \
         --json FILE`, `build --json FILE`). {expected}."
    )
}
