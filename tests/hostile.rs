//! Hostile and broken input, through the real binary: output paths that are
//! not regular files, root in disguise as the container user, config values
//! that would reach a shell or break a range, partial configs, deep YAML,
//! FIFOs where a file is read, sdists that lead outside themselves or
//! inflate without end, a user's own files in an `--html` folder.
//!
//! Most run where no daemon can answer (`DOCKER_HOST=unix:///nope`): the
//! input must be refused while the arguments are checked, before anything
//! connects. The two sdist tests unpack after connecting and need the daemon
//! (they fail loudly without one), but never start a container.
//!
//! `PYBENCH_DOCKER_BIN` runs these tests against another build of the
//! binary, e.g. an older one, to see that they fail there.

use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    std::env::var_os("PYBENCH_DOCKER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_pybench-docker")))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/report")
        .join(name)
}

/// A fresh folder under target/tmp.
fn work(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary with `args`, its cache in `cache`, against `docker_host`;
/// killed after `limit` (the output then says so). Never reads stdin.
fn pybench_on(docker_host: &str, cache: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .env("DOCKER_HOST", docker_host)
        .env("XDG_CACHE_HOME", cache)
        .env_remove("PYBENCH_DOCKER_CONFIG")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            let mut out = child.wait_with_output().unwrap();
            out.stderr
                .extend_from_slice(format!("\n[killed after {limit:?}]").as_bytes());
            return out;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    eprintln!(
        "$ pybench-docker {}\n--- exit {:?}\n--- stderr\n{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Without a daemon: the input must be refused before one is needed.
fn pybench(cache: &Path, args: &[&str]) -> Output {
    pybench_on("unix:///nope", cache, args, Duration::from_secs(30))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Refused with `wanted` in the message, exit 1, and before any connection.
fn refused(out: &Output, wanted: &str) {
    let e = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(e.contains(wanted), "wanted {wanted:?} in: {e}");
    assert!(!e.contains("/nope"), "the daemon was contacted first: {e}");
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// The built-in config with `from` replaced by `to`, written into `dir`.
fn config_with(dir: &Path, from: &str, to: &str) -> PathBuf {
    let built_in = Command::new(bin()).arg("config").output().unwrap().stdout;
    let text = String::from_utf8(built_in).unwrap();
    assert!(
        text.contains(from),
        "{from:?} is not in the built-in config"
    );
    let path = dir.join("config.yaml");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

#[test]
fn an_output_path_that_is_a_link_fifo_or_folder_is_never_replaced() {
    let dir = work("outputs");
    let mine = dir.join("mine.md");
    std::fs::write(&mine, "my notes").unwrap();
    let link = dir.join("link.md");
    std::os::unix::fs::symlink(&mine, &link).unwrap();
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let gil = fixture("gil.json");
    let (gil, link_s, fifo_s) = (
        gil.to_str().unwrap(),
        link.to_str().unwrap(),
        fifo.to_str().unwrap(),
    );
    let out = pybench(&dir, &["report", gil, "--markdown", link_s]);
    refused(&out, "it is a symbolic link, not a regular file");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my notes");
    let out = pybench(&dir, &["compare", gil, gil, "--json", fifo_s]);
    refused(&out, "it is a FIFO, not a regular file");
    for args in [
        vec!["run", "gil", "--json", fifo_s],
        vec!["run", "gil", "--csv", link_s],
        vec!["build", "--json", fifo_s],
        vec!["ext", "--json", dir.to_str().unwrap()],
    ] {
        let out = pybench(&dir, &args);
        refused(
            &out,
            "not a regular file. Results are written to a new file",
        );
    }
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn every_spelling_of_root_as_the_container_user_is_refused() {
    let dir = work("user");
    for user in ["00:00", "+0", "1000:0", "0", "root", "1000"] {
        let config = config_with(&dir, "user: \"1000:1000\"", &format!("user: \"{user}\""));
        let out = pybench(&dir, &["--config", config.to_str().unwrap(), "info"]);
        refused(&out, "The containers must not run as root");
    }
}

#[test]
fn config_values_that_would_reach_a_shell_are_refused() {
    let dir = work("values");
    let cases = [
        (
            "    - ca-certificates\n    - dpkg-dev",
            "    - \"ca-certificates; id\"\n    - dpkg-dev",
            "`base.builder-packages` holds \"ca-certificates; id\"",
        ),
        (
            "  suite: trixie",
            "  suite: \"trixie --customize-hook=id\"",
            "`base.suite`",
        ),
        (
            "  mirror: http://deb.debian.org/debian",
            "  mirror: \"http://x/debian' ; id ; echo '\"",
            "`base.mirror`",
        ),
        (
            "  pull-image: debian:trixie-slim",
            "  pull-image: \"debian:trixie-slim AS x\"",
            "`base.pull-image`",
        ),
    ];
    for (from, to, wanted) in cases {
        let config = config_with(&dir, from, to);
        let out = pybench(&dir, &["--config", config.to_str().unwrap(), "build"]);
        refused(&out, wanted);
    }
}

#[test]
fn config_numbers_are_held_to_the_ranges_of_their_flags() {
    let dir = work("numbers");
    let cases = [
        ("  values: 5", "  values: 0", "`benchmarks.values` is 0"),
        (
            "  min-time: 0.1",
            "  min-time: -5",
            "`benchmarks.min-time` is -5",
        ),
        (
            "  min-time: 0.1",
            "  min-time: .nan",
            "`benchmarks.min-time` is NaN",
        ),
        (
            "  min-time: 0.1",
            "  min-time: .inf",
            "`benchmarks.min-time` is inf",
        ),
        (
            "  jobs: 0",
            "  jobs: 4294967295",
            "`build.jobs` is 4294967295",
        ),
        (
            "    n: 25",
            "    n: 25\n    threads: 0",
            "`benchmarks.gil.threads` is 0",
        ),
        (
            "    n: 25",
            "    n: 25\n    threads: 4294967295",
            "`benchmarks.gil.threads` is 4294967295",
        ),
    ];
    for (from, to, wanted) in cases {
        let config = config_with(&dir, from, to);
        let out = pybench(&dir, &["--config", config.to_str().unwrap(), "run", "gil"]);
        refused(&out, wanted);
        assert!(
            stderr(&out).contains("on the command line"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_partial_config_is_laid_over_the_built_in_one() {
    let dir = work("partial");
    let config = dir.join("partial.yaml");
    std::fs::write(&config, "containers:\n  user: \"2000:2000\"\n").unwrap();
    let out = pybench(&dir, &["--config", config.to_str().unwrap(), "info"]);
    let e = stderr(&out);
    // Accepted: it gets as far as the connection.
    assert!(
        e.contains("cannot reach the Docker daemon at unix:///nope"),
        "{e}"
    );
    // A typo in it is still named with its line.
    std::fs::write(&config, "containers:\n  usr: \"2000:2000\"\n").unwrap();
    let out = pybench(&dir, &["--config", config.to_str().unwrap(), "info"]);
    refused(&out, "unknown field `usr`");
    assert!(
        stderr(&out).contains("line 2, column 3"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deep_yaml_is_refused_at_once() {
    let dir = work("deep");
    let config = dir.join("deep.yaml");
    let depth = 100_000;
    std::fs::write(
        &config,
        format!("benchmarks: {}1{}\n", "[".repeat(depth), "]".repeat(depth)),
    )
    .unwrap();
    let start = Instant::now();
    let out = pybench(&dir, &["--config", config.to_str().unwrap(), "info"]);
    refused(&out, "levels deep at line 1");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_fifo_where_a_file_is_read_is_refused_at_once() {
    let dir = work("fifos");
    // A config file that is a FIFO.
    let fifo_config = dir.join("config.yaml");
    mkfifo(&fifo_config);
    let out = pybench(&dir, &["--config", fifo_config.to_str().unwrap(), "info"]);
    refused(&out, "it is a FIFO, not a regular file");
    // A source tree whose Include/patchlevel.h is a FIFO.
    let tree = dir.join("cpython");
    std::fs::create_dir_all(tree.join("Include")).unwrap();
    mkfifo(&tree.join("Include/patchlevel.h"));
    let config = dir.join("own.yaml");
    std::fs::write(
        &config,
        "pythons:\n  - name: mine\n    source: cpython\n    variants: [stock]\n",
    )
    .unwrap();
    let start = Instant::now();
    let out = pybench(&dir, &["--config", config.to_str().unwrap(), "info"]);
    refused(&out, "it is a FIFO, not a regular file");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn html_into_a_folder_never_overwrites_a_users_own_files() {
    let dir = work("html");
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("data")).unwrap();
    std::fs::write(site.join("index.html"), "my page").unwrap();
    let gil = fixture("gil.json");
    let args = [
        "report",
        gil.to_str().unwrap(),
        "--html",
        site.to_str().unwrap(),
    ];
    let out = pybench(&dir, &args);
    refused(
        &out,
        "holds index.html, which pybench-docker did not write there",
    );
    assert_eq!(
        std::fs::read_to_string(site.join("index.html")).unwrap(),
        "my page"
    );
    // Its own page, written into a folder with a user's other file, is
    // rewritten on the next run; the user's file is left and named.
    std::fs::rename(site.join("index.html"), site.join("notes.html")).unwrap();
    assert!(pybench(&dir, &args).status.success());
    let out = pybench(&dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("1 other entry already there left as it was"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(site.join("notes.html")).unwrap(),
        "my page"
    );
    // run and ext check the folder before anything connects.
    std::fs::write(site.join("data/mine.json"), "{}").unwrap();
    for command in [vec!["run", "gil"], vec!["ext"]] {
        let mut args = command.clone();
        args.extend(["--html", site.to_str().unwrap()]);
        refused(&pybench(&dir, &args), "holds data/mine.json");
    }
}

/// A .tar.gz with one entry, by the system's tar (the binary under test
/// must not be what makes its input).
fn tar_gz(dir: &Path, name: &str, member: &str) -> PathBuf {
    let archive = dir.join(name);
    let status = Command::new("tar")
        .args(["-C", dir.to_str().unwrap(), "-czf"])
        .arg(&archive)
        .arg(member)
        .status()
        .unwrap();
    assert!(status.success());
    archive
}

fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
}

#[test]
fn an_sdist_whose_only_entry_links_to_a_host_folder_is_refused() {
    let dir = work("sdist-link");
    let host = dir.join("host-project");
    std::fs::create_dir_all(&host).unwrap();
    // Looks like a project; its requirement exists nowhere, so that nothing
    // is built even where it is read as one.
    std::fs::write(
        host.join("pyproject.toml"),
        "[build-system]\nrequires = [\"pb-never-published\"]\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&host, dir.join("evil-1.0")).unwrap();
    let archive = tar_gz(&dir, "evil-1.0.tar.gz", "evil-1.0");
    let out = pybench_on(
        &docker_host(),
        &dir.join("cache"),
        &[
            "ext",
            archive.to_str().unwrap(),
            "--offline",
            "--out",
            dir.join("out").to_str().unwrap(),
        ],
        Duration::from_secs(120),
    );
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(
        e.contains("points outside the archive: it is refused"),
        "{e}"
    );
}

#[test]
fn an_sdist_that_inflates_past_the_cap_is_refused_while_unpacking() {
    let dir = work("sdist-bomb");
    // 600 MB of zeros: about 600 KB gzipped, over the default 512 MB cap.
    let member = dir.join("bomb-1.0");
    std::fs::create_dir_all(&member).unwrap();
    let mut zeros = std::fs::File::create(member.join("zeros")).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..600 {
        zeros.write_all(&block).unwrap();
    }
    drop(zeros);
    let archive = tar_gz(&dir, "bomb-1.0.tar.gz", "bomb-1.0");
    std::fs::remove_dir_all(&member).unwrap();
    assert!(std::fs::metadata(&archive).unwrap().len() < 2 << 20);
    let cache = dir.join("cache");
    let out = pybench_on(
        &docker_host(),
        &cache,
        &[
            "ext",
            archive.to_str().unwrap(),
            "--offline",
            "--out",
            dir.join("out").to_str().unwrap(),
        ],
        Duration::from_secs(120),
    );
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(
        e.contains("unpacks to more than 512 MB, the cap on one archive"),
        "{e}"
    );
    assert!(e.contains("archives.max-unpacked-mb"), "{e}");
}
