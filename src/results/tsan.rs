//! What `ext --tsan` keeps of ThreadSanitizer's reports: each distinct race
//! once, with its two accesses, their stacks (the package's frames first)
//! and the threads, and the whole log beside them.

use serde::{Deserialize, Serialize};

/// One stack frame: `#2 pb_render /out/3.14tsan/src/pb_racy.c:36:5 (pb_racy.so+0x1234)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// Its number in the stack as TSan printed it (`#2`): the order of calls,
    /// kept while the package's frames are listed first.
    pub index: u32,
    /// `pb_render`; `<null>` when TSan had no symbol.
    pub function: String,
    /// The source file, when the symbolizer found one.
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default)]
    pub column: Option<u32>,
    /// The binary and offset: `pb_racy.cpython-314t-x86_64-linux-gnu.so+0x1234`.
    #[serde(default)]
    pub module: String,
    /// A frame of the package's own code (one of its extension modules, or
    /// its sources).
    #[serde(default)]
    pub own: bool,
}

impl Frame {
    /// `pb_racy.c:36` (the file's last component), else the binary and
    /// offset, else the function: where it is, in a table.
    pub fn place(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => {
                format!("{}:{line}", file.rsplit('/').next().unwrap_or(file))
            }
            (Some(file), None) => file.rsplit('/').next().unwrap_or(file).to_string(),
            _ if !self.module.is_empty() => self.module.clone(),
            _ => self.function.clone(),
        }
    }
}

/// One of a race's two memory accesses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// TSan's line: `Write of size 4 at 0x7f… by thread T1`,
    /// `Previous read of size 1 at 0x7f… by main thread (mutexes: write M0)`.
    pub what: String,
    pub write: bool,
    #[serde(default)]
    pub atomic: bool,
    #[serde(default)]
    pub size: u32,
    /// `T1`, `main thread`.
    pub thread: String,
    /// The package's frames first, each in call order; then the others.
    pub stack: Vec<Frame>,
}

impl Access {
    /// Where it happened: its first own frame, else its first frame with a
    /// source file, else its first frame. What races are deduplicated on.
    pub fn site(&self) -> Option<&Frame> {
        (self.stack.iter().find(|f| f.own))
            .or_else(|| self.stack.iter().find(|f| f.file.is_some()))
            .or_else(|| self.stack.first())
    }
}

/// A distinct race (or other TSan finding): the same two sites seen again
/// count, rather than repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Race {
    /// `data race`, `heap-use-after-free`, `thread leak`, …
    pub kind: String,
    /// TSan's `SUMMARY:` line, without its prefix:
    /// `data race /out/3.14tsan/src/pb_racy.c:36:5 in pb_render`.
    pub summary: String,
    /// The accesses as TSan gives them: the current one, then the previous.
    pub accesses: Vec<Access>,
    /// `Location is global 'shared_buffer' of size 32 at 0x… (pb_racy…so+0x4040)`.
    #[serde(default)]
    pub location: Option<String>,
    /// `Thread T1 (tid=42, running) created by main thread at:`, one line
    /// per thread, each followed by no stack here (the log has them).
    #[serde(default)]
    pub threads: Vec<String>,
    /// How many reports were this race.
    pub count: u32,
}

impl Race {
    pub fn is_data_race(&self) -> bool {
        self.kind.starts_with("data race")
    }

    /// One of its accesses ran the package's own code.
    pub fn in_package(&self) -> bool {
        (self.accesses.iter()).any(|a| a.stack.iter().any(|f| f.own))
    }

    /// `pb_racy.c:36 in pb_render ↔ pb_racy.c:42 in pb_render`: the two
    /// accesses' sites, one line.
    pub fn sites(&self) -> String {
        let site = |a: &Access| match a.site() {
            Some(f) => format!("{} in {}", f.place(), f.function),
            None => "?".to_string(),
        };
        let sites: Vec<String> = self.accesses.iter().map(site).collect();
        match sites.is_empty() {
            true => self.summary.clone(),
            false => sites.join(" ↔ "),
        }
    }
}

/// `ext --tsan` on one build: the races of every step, and the log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TsanOutcome {
    /// Distinct races, the package's first, then by how often they were seen.
    pub races: Vec<Race>,
    /// Reports in the log, repeats included.
    pub reports: u32,
    /// The steps' logs, one after the other (`== import ==`, …), cut at
    /// [`TsanOutcome::LOG_BYTES`].
    pub log: String,
    /// The log was longer and cut.
    #[serde(default)]
    pub log_truncated: bool,
}

impl TsanOutcome {
    /// The log kept in the result file: well within a text's limit.
    pub const LOG_BYTES: usize = 512 * 1024;

    /// The data races in the package's own code: what its verdict rests on.
    pub fn package_races(&self) -> impl Iterator<Item = &Race> {
        (self.races.iter()).filter(|r| r.is_data_race() && r.in_package())
    }
}
