//! Build options as data. A CPython build is a version plus a set of
//! independent options (free threading, the JIT, …); everything that differs
//! between builds derives from the set through [`OPTIONS`], the one table that
//! says what each option is: its letter in the build's name, its `./configure`
//! flags, the version it arrived in, the runtime switch that turns it off, the
//! compiler it needs, what it costs to build and how the installed interpreter
//! shows it. Adding an option is a row here (and, if it needs a compiler, a
//! line of the toolchain table, [`crate::toolchain`]). Pure, no dependencies.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::Mode;

/// One independent axis of a CPython build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuildOption {
    /// `--disable-gil`, ABI flag `t`.
    FreeThreading,
    /// The experimental JIT, `--enable-experimental-jit`.
    Jit,
    /// The tail-calling interpreter, `--with-tail-call-interp` (3.14+, clang 19+).
    TailCall,
    /// ThreadSanitizer, `--with-thread-sanitizer` (3.13+, clang): of the
    /// free-threaded interpreter only, to find data races in extensions.
    ThreadSanitizer,
}

/// What an option asks of the build's toolchain ([`crate::toolchain`] says
/// which packages and which compiler that is for a version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolchainNeed {
    /// The LLVM the version's JIT generates its stencils with, beside the
    /// usual compiler (GCC).
    JitLlvm,
    /// Clang of at least this major as the compiler.
    Clang { min: u32 },
}

/// What an option is, as data.
#[derive(Debug)]
pub struct OptionSpec {
    pub option: BuildOption,
    /// Its letters in a build's name (`3.14t`, `3.14tsan`); they follow this
    /// table's order.
    pub letters: &'static str,
    /// How tables, errors and headings call a build with it.
    pub words: &'static str,
    pub configure: &'static [&'static str],
    /// The first 3.x minor version that has it.
    pub since_minor: u32,
    /// The runtime switch that turns it off in a build that has it: a
    /// configuration of its own (`3.14t -X gil=1`).
    pub switch_off: Option<Mode>,
    pub toolchain: Option<ToolchainNeed>,
    /// Its share of a build's time, to start the longest builds first (a JIT
    /// build also generates its stencils; a free-threaded one compiles a
    /// little more than stock).
    pub cost: u32,
    /// A Python check that the installed interpreter has the option, run as
    /// a step after the build; `None` where the Dockerfile template checks it
    /// already (free threading and the JIT, from the build's name).
    pub check: Option<&'static str>,
    /// Dockerfile steps of its own, before the build step (after the
    /// build's arguments, so `${PREFIX}` and the others are set): `None`
    /// for every option the template builds as it is.
    pub before_build: Option<&'static str>,
    /// Packages its builder base needs beyond the compiler, `{llvm}` for the
    /// version's LLVM major: TSan's runtime library is not in clang-N.
    pub packages: &'static [&'static str],
    /// Builds with it have release images of their own (`builder:3.14.7-tsan`),
    /// never the benchmark images, with which it cannot share a release.
    pub own_images: Option<&'static str>,
}

/// Every build option, in the order of their letters in a name.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        option: BuildOption::FreeThreading,
        letters: "t",
        words: "free-threaded",
        configure: &["--disable-gil"],
        since_minor: 13,
        switch_off: Some(Mode::GilForced),
        toolchain: None,
        cost: 1,
        check: None,
        before_build: None,
        packages: &[],
        own_images: None,
    },
    OptionSpec {
        option: BuildOption::Jit,
        letters: "j",
        words: "JIT",
        configure: &["--enable-experimental-jit"],
        since_minor: 13,
        switch_off: Some(Mode::JitOff),
        toolchain: Some(ToolchainNeed::JitLlvm),
        cost: 2,
        check: None,
        before_build: None,
        packages: &[],
        own_images: None,
    },
    OptionSpec {
        option: BuildOption::TailCall,
        // `c` for tail-calling: `t` is free threading's.
        letters: "c",
        words: "tail-calling",
        configure: &["--with-tail-call-interp"],
        since_minor: 14,
        switch_off: None,
        toolchain: Some(ToolchainNeed::Clang { min: 19 }),
        cost: 1,
        // From pyconfig.h itself: 3.15 names the macro _Py_TAIL_CALL_INTERP,
        // which sysconfig's variables leave out (they take only names that
        // start with a capital); 3.14 names it Py_TAIL_CALL_INTERP.
        check: Some("import sysconfig; h = set(open(sysconfig.get_config_h_filename()).read().splitlines()); assert h & {\"#define Py_TAIL_CALL_INTERP 1\", \"#define _Py_TAIL_CALL_INTERP 1\"}, \"the tail-calling interpreter is not built in\""),
        before_build: None,
        packages: &[],
        own_images: None,
    },
    OptionSpec {
        option: BuildOption::ThreadSanitizer,
        // `t` + `san`: the name reads `3.14tsan`, the free-threaded build
        // it always is.
        letters: "san",
        words: "ThreadSanitizer",
        configure: &["--with-thread-sanitizer"],
        since_minor: 13,
        switch_off: None,
        // Clang, the version's: LLVM 18's TSan is the first to re-exec
        // itself without ASLR where the kernel's mmap entropy is too high.
        toolchain: Some(ToolchainNeed::Clang { min: 18 }),
        // Every memory access instrumented: the longest compile.
        cost: 3,
        check: Some("import sysconfig; assert \"-fsanitize=thread\" in sysconfig.get_config_var(\"CFLAGS\"), \"ThreadSanitizer is not built in\""),
        before_build: Some(TSAN_BEFORE_BUILD),
        packages: &["libclang-rt-{llvm}-dev"],
        own_images: Some("tsan"),
    },
];

/// CPython's own suppressions from this source tree, kept in the prefix for
/// `ext --tsan`; and, while `make` runs the fresh interpreter, applied with
/// reports kept from failing the step (TSan exits 66 after a report): the
/// races that count are the package's, in `ext`.
const TSAN_BEFORE_BUILD: &str = r#"# ThreadSanitizer: CPython's suppressions of this very source, in the prefix.
RUN set -eux; \
    mkdir -p "${PREFIX}/share/tsan"; \
    tar --extract --file /usr/src/source.tar --to-stdout --wildcards \
        '*/Tools/tsan/suppressions_free_threading.txt' \
        > "${PREFIX}/share/tsan/suppressions_free_threading.txt"; \
    test -s "${PREFIX}/share/tsan/suppressions_free_threading.txt"
ENV TSAN_OPTIONS="suppressions=${PREFIX}/share/tsan/suppressions_free_threading.txt exitcode=0"
"#;

fn spec(option: BuildOption) -> (usize, &'static OptionSpec) {
    OPTIONS
        .iter()
        .enumerate()
        .find(|(_, s)| s.option == option)
        .expect("every option has a row in OPTIONS")
}

/// A set of build options: what makes one build of a version differ from
/// another. Written as its name's letters (`t`, `j`, `tj`) or `stock` for
/// none, in the config, the plan and result files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Variant(u8);

impl Variant {
    pub const STOCK: Variant = Variant(0);
    pub const FREE_THREADED: Variant = Variant(1);
    pub const JIT: Variant = Variant(2);
    pub const FREE_THREADED_JIT: Variant = Variant(3);
    /// `tsan`: the free-threaded interpreter under ThreadSanitizer.
    pub const THREAD_SANITIZER: Variant = Variant(1 | 1 << 3);

    /// The set of `options`.
    #[cfg(test)]
    pub fn of(options: &[BuildOption]) -> Variant {
        Variant(options.iter().fold(0, |bits, o| bits | 1 << spec(*o).0))
    }

    pub fn has(self, option: BuildOption) -> bool {
        self.0 & 1 << spec(option).0 != 0
    }

    /// Its options, in table order.
    pub fn options(self) -> impl Iterator<Item = &'static OptionSpec> {
        OPTIONS.iter().filter(move |s| self.has(s.option))
    }

    pub fn is_stock(self) -> bool {
        self == Variant::STOCK
    }

    /// Suffix of the command on PATH and of the name: `python3.13`, `python3.13t`.
    pub fn suffix(self) -> String {
        self.options().map(|s| s.letters).collect()
    }

    /// The suffix of its release images' tag (`tsan`), when its options
    /// keep it out of the benchmark images.
    pub fn own_images(self) -> Option<&'static str> {
        self.options().find_map(|s| s.own_images)
    }

    /// `stock`, `t`, `j`, `tj`: how the config and files spell it.
    pub fn key(self) -> String {
        match self.is_stock() {
            true => "stock".into(),
            false => self.suffix(),
        }
    }

    /// `free-threaded`, `JIT`, `free-threaded JIT`; `stock` for none.
    pub fn words(self) -> String {
        match self.is_stock() {
            true => "stock".into(),
            false => self
                .options()
                .map(|s| s.words)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// Built with `--disable-gil`.
    pub fn is_free_threaded(self) -> bool {
        self.has(BuildOption::FreeThreading)
    }

    /// Built with the JIT.
    pub fn has_jit(self) -> bool {
        self.has(BuildOption::Jit)
    }

    pub fn configure_flags(self) -> Vec<&'static str> {
        self.options().flat_map(|s| s.configure).copied().collect()
    }

    /// The runtime switches that make further configurations of this build.
    pub fn switches(self) -> impl Iterator<Item = Mode> {
        self.options().filter_map(|s| s.switch_off.clone())
    }

    /// Relative build time: the sum of its options' costs.
    pub fn cost(self) -> u32 {
        self.options().map(|s| s.cost).sum()
    }

    /// `t`, `tj`, `stock`: the letters in table order, each once. Pure.
    pub fn parse(text: &str) -> Result<Variant, String> {
        if text == "stock" {
            return Ok(Variant::STOCK);
        }
        let known: String = OPTIONS.iter().map(|s| s.letters).collect();
        let mut bits = 0u8;
        let mut rest = text;
        let mut next = 0;
        while !rest.is_empty() {
            let found = (next..OPTIONS.len()).find(|&i| rest.starts_with(OPTIONS[i].letters));
            match found {
                Some(i) => {
                    bits |= 1 << i;
                    rest = &rest[OPTIONS[i].letters.len()..];
                    next = i + 1;
                }
                None => return Err(format!(
                    "{text:?} is not a build variant: write `stock`, or the letters of its options in this order, each once: {} ({known:?}, e.g. `t`, `tj`, `tsan`).",
                    OPTIONS.iter().map(|s| format!("{} {}", s.letters, s.words)).collect::<Vec<_>>().join(", ")
                )),
            }
        }
        match bits {
            0 => Err("an empty build variant: write `stock` for a build without options.".into()),
            _ => Ok(Variant(bits)),
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl Serialize for Variant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for Variant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Variant, D::Error> {
        let text = String::deserialize(d)?;
        Variant::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// How CPython is compiled: `--profile` on every command that builds, else
/// the config's `build.profile`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    #[default]
    Quick,
    Release,
}

impl Profile {
    pub fn configure_flags(self) -> &'static [&'static str] {
        match self {
            Profile::Quick => &[],
            Profile::Release => &["--enable-optimizations", "--with-lto"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Release => "release",
        }
    }
}

/// A configuration's build as result rows keep it: charts and tables group
/// on these fields, never on names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildIdentity {
    /// `3.14`, or an own source's name: what its release's builds are called
    /// before their letters.
    pub release: String,
    /// `3.14.7`.
    pub version: String,
    /// The build's options: `stock`, `t`, `j`, `tj`, `c`, …
    pub options: Variant,
    /// The configuration's runtime switch; `default` as built.
    pub mode: Mode,
    pub profile: Profile,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_flags_and_switches_derive_from_the_options() {
        let all = [
            Variant::STOCK,
            Variant::FREE_THREADED,
            Variant::JIT,
            Variant::FREE_THREADED_JIT,
        ];
        let keys: Vec<String> = all.iter().map(|v| v.key()).collect();
        assert_eq!(keys, ["stock", "t", "j", "tj"]);
        assert_eq!(
            Variant::FREE_THREADED_JIT.configure_flags(),
            ["--disable-gil", "--enable-experimental-jit"]
        );
        assert!(Variant::STOCK.configure_flags().is_empty());
        assert_eq!(
            Variant::FREE_THREADED_JIT.switches().collect::<Vec<_>>(),
            [Mode::GilForced, Mode::JitOff]
        );
        assert_eq!(Variant::FREE_THREADED_JIT.words(), "free-threaded JIT");
        assert_eq!(
            Variant::of(&[BuildOption::Jit, BuildOption::FreeThreading]),
            Variant::FREE_THREADED_JIT
        );
        // The canonical order is the order of the old enum: stock, t, j, tj.
        let mut sorted = all;
        sorted.sort();
        assert_eq!(sorted, all);
    }

    #[test]
    fn parsing_takes_each_letter_once_in_order() {
        for v in [
            Variant::STOCK,
            Variant::FREE_THREADED,
            Variant::FREE_THREADED_JIT,
        ] {
            assert_eq!(Variant::parse(&v.key()).unwrap(), v);
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.key()));
            assert_eq!(serde_json::from_str::<Variant>(&json).unwrap(), v);
        }
        for bad in ["", "jt", "tt", "nogil", "T", "stock "] {
            let e = Variant::parse(bad).unwrap_err();
            assert!(e.contains("stock"), "{bad}: {e}");
        }
        let e = Variant::parse("x").unwrap_err();
        assert!(e.contains("t free-threaded") && e.contains("j JIT"), "{e}");
    }

    #[test]
    fn the_thread_sanitizer_build_is_named_tsan() {
        let tsan = Variant::parse("tsan").unwrap();
        assert_eq!(tsan, Variant::THREAD_SANITIZER);
        assert_eq!(
            tsan,
            Variant::of(&[BuildOption::FreeThreading, BuildOption::ThreadSanitizer])
        );
        assert_eq!((tsan.key(), tsan.suffix()), ("tsan".into(), "tsan".into()));
        assert!(tsan.is_free_threaded() && !tsan.has_jit());
        assert_eq!(
            tsan.configure_flags(),
            ["--disable-gil", "--with-thread-sanitizer"]
        );
        assert_eq!(tsan.words(), "free-threaded ThreadSanitizer");
        assert_eq!(tsan.own_images(), Some("tsan"));
        assert_eq!(Variant::FREE_THREADED.own_images(), None);
        // Its letters are one token, in table order: no `ts`, no `sant`.
        for bad in ["ts", "tsa", "sant", "tsantsan", "tsanc"] {
            assert!(Variant::parse(bad).is_err(), "{bad}");
        }
        assert!(Variant::parse("tcsan").is_ok());
    }
}
