//! Numbers about numbers: descriptive statistics, outliers, and the comparison
//! of each configuration with the baseline. Pure: no I/O.

pub mod compare;
pub mod memory;
pub mod significance;
pub mod stats;
