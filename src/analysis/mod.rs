//! Numbers about numbers: descriptive statistics, the comparison of each
//! configuration with its baseline, the tests behind it, and the verdict
//! with its band. Pure: no I/O.

pub mod compare;
pub mod memory;
pub mod memory_pairs;
pub mod pairing;
pub mod scaling;
pub mod scaling_pairs;
pub mod significance;
pub mod stats;
pub mod verdict;
