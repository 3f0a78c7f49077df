//! How large a result file and what it holds may be. Far above anything
//! pybench-docker writes, and low enough that a damaged or hostile file
//! cannot make `report` or `compare` write a page of gigabytes, allocate
//! without end, or run for hours.

/// A result file's size: room for about eight million values (some 30
/// bytes each, written out). The recorded gil.json, 10 configurations × 20
/// processes × 5 values with their warm-ups, is 226 kB.
pub const FILE_BYTES: u64 = 256 * 1024 * 1024;

/// `256 MiB`, for messages.
pub const FILE_SIZE_TEXT: &str = "256 MiB";

/// A name: a benchmark, an interpreter, a configuration, a module, a
/// package. Names are repeated in every table and chart that shows them.
pub const NAME_CHARS: usize = 1000;

/// Any other text: an argument, an environment value, a script's output
/// (kept to its last 64 KiB when written), a compiler's log.
pub const TEXT_BYTES: usize = 1024 * 1024;

/// Configurations of a run, and of one benchmark's comparison. Pairing and
/// grouping rows is quadratic in their number.
pub const ROWS: usize = 1000;

/// Processes of one configuration (`--processes` allows 1000, and up to
/// 100 warm-up processes).
pub const PROCESSES: usize = 10_000;

/// Values, warm-up values or per-thread values of one process (`--values`
/// allows 10 000). The bootstrap interval resamples them 10 000 times.
pub const VALUES: usize = 10_000;

/// Entries of any other list: benchmarks of a comparison, named benchmarks
/// of a process, compiles, import checks, package results, build stages.
pub const ENTRIES: usize = 10_000;
