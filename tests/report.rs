//! `report` end to end, with the real binary and a real browser: result
//! files recorded on this project's machine (tests/fixtures/report/: `run
//! gil` at 1 and 2 threads, two `run jit` nine days apart, `ext`'s greeter
//! matrix, a package's readiness) and a comparison the binary writes from
//! one of them are rendered into a page; headless Chromium (Debian's
//! `chromium`, installed by .ci/setup) opens it from disk, takes a
//! screenshot and dumps the DOM: the charts are there, drawn from data, and
//! the browser logged no console error. A run with a second version shows
//! the across-versions chart; and `run`/`ext --html` at a file are refused
//! with the other arguments, before any connection to a daemon is tried.
//!
//! Needs no Docker. Without chromium this test fails, loudly: it never skips.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pybench-docker");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/report")
        .join(name)
}

/// A fresh folder under target/tmp that stays after the test, so the page
/// and its screenshot can be looked at.
fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn pybench(args: &[&Path]) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    eprintln!(
        "$ pybench-docker {}\n--- exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        args.iter()
            .map(|a| a.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs headless Chromium on `page` with `args`; its stdout and stderr.
/// Killed after two minutes. Panics, saying how to install it, when there
/// is no `chromium`.
fn chromium(work: &Path, name: &str, page: &Path, args: &[&str]) -> (String, String) {
    let (stdout, stderr) = (
        work.join(format!("{name}.out")),
        work.join(format!("{name}.err")),
    );
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join(format!("{name}-profile")).display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).unwrap())
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start chromium ({e}): this test opens the report in a real browser. \
                 Install Debian's chromium package (`apt-get install chromium`; .ci/setup does)."
            )
        });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within two minutes on {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (out, err) = (
        std::fs::read_to_string(&stdout).unwrap(),
        std::fs::read_to_string(&stderr).unwrap(),
    );
    assert!(status.success(), "chromium failed ({status}):\n{err}");
    (out, err)
}

/// The lines in which the browser reports a console message or an uncaught
/// exception. The page has no script, so any is a fault (a resource it
/// could not load, a malformed attribute).
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

/// (width, height) from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// The `<svg>` elements of a serialized DOM.
fn svgs(dom: &str) -> Vec<&str> {
    dom.match_indices("<svg")
        .map(|(i, _)| {
            let end = dom[i..].find("</svg>").expect("a closed <svg>") + i + 6;
            &dom[i..end]
        })
        .collect()
}

#[test]
fn the_report_of_recorded_results_opens_in_a_browser_with_its_charts() {
    let work = out_dir("report-e2e");
    let names = [
        "gil.json",
        "jit-2026-11-22.json",
        "jit-2026-12-01.json",
        "ext.json",
        "ext-package.json",
    ];
    // A comparison, as `compare --json` writes it: the gil run against itself.
    let compare = work.join("compare.json");
    let gil = fixture("gil.json");
    let out = pybench(&[
        Path::new("compare"),
        &gil,
        &gil,
        Path::new("--json"),
        &compare,
    ]);
    assert!(out.status.success(), "compare failed");

    let site = work.join("site");
    let markdown = work.join("summary.md");
    let mut args: Vec<PathBuf> = vec!["report".into()];
    args.extend(names.iter().map(|n| fixture(n)));
    args.extend([
        compare.clone(),
        "--html".into(),
        site.clone(),
        "--markdown".into(),
        markdown.clone(),
    ]);
    let refs: Vec<&Path> = args.iter().map(|p| p.as_path()).collect();
    let out = pybench(&refs);
    assert!(out.status.success(), "report failed");

    // Every raw file is linked and copied beside the page, unchanged.
    let index = site.join("index.html");
    let html = std::fs::read_to_string(&index).unwrap();
    for name in names.iter().chain(&["compare.json"]) {
        assert!(html.contains(&format!("href=\"data/{name}\"")), "{name}");
        let copy = std::fs::read(site.join("data").join(name)).unwrap();
        let original = match *name {
            "compare.json" => std::fs::read(&compare).unwrap(),
            n => std::fs::read(fixture(n)).unwrap(),
        };
        assert!(copy == original, "{name} copied unchanged");
    }
    let summary = std::fs::read_to_string(&markdown).unwrap();
    assert!(summary.starts_with("## pybench-docker: gil · jit · ext · ext tests/packages/gil\\_undeclared · compare gil"), "{summary}");
    assert!(
        summary.contains("| `3.13t ×2` | 1.06× [1.00–1.13] | 0.04 | **not-distinguishable** |"),
        "{summary}"
    );
    assert!(summary.contains("| Status | Earlier runs |"), "{summary}");
    assert!(
        summary.contains("| `3.13t` | cp313t | **works with the GIL** |"),
        "{summary}"
    );

    // The browser's console is watched: a page with an error must show up.
    let canary = work.join("canary.html");
    std::fs::write(
        &canary,
        "<!DOCTYPE html><html><body><script>console.error('canary')</script></body></html>",
    )
    .unwrap();
    let (_, err) = chromium(&work, "canary", &canary, &["--dump-dom"]);
    assert!(
        console_errors(&err).iter().any(|l| l.contains("canary")),
        "chromium did not report a console error of a page that has one; the check below \
         would prove nothing:\n{err}"
    );

    // The screenshot: a PNG of the whole window, with a page on it.
    let screenshot = work.join("screenshot.png");
    let (_, err) = chromium(
        &work,
        "screenshot",
        &index,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2000",
        ],
    );
    assert_eq!(console_errors(&err), Vec::<&str>::new(), "{err}");
    let png = std::fs::read(&screenshot).expect("chromium wrote the screenshot");
    assert_eq!(png_size(&png), (1280, 2000));
    // A blank page of that size compresses to a few kilobytes; text and
    // charts make it much larger (about 300 KB here).
    assert!(
        png.len() > 80_000,
        "{} is only {} bytes: the page looks empty",
        screenshot.display(),
        png.len()
    );

    // The DOM as the browser parsed it: every chart is there, and drawn
    // from data (`class="datum"` marks a point, whisker or segment).
    let (dom, err) = chromium(&work, "dom", &index, &["--dump-dom"]);
    assert_eq!(console_errors(&err), Vec::<&str>::new(), "{err}");
    for heading in [
        "gil -n 25",
        "jit -n 10000",
        "ext · import matrix",
        "ext · tests/packages/gil_undeclared",
        "compare · gil",
    ] {
        assert!(dom.contains(&format!("<h2>{heading}</h2>")), "{heading}");
    }
    let charts = svgs(&dom);
    let kinds: Vec<&str> = charts
        .iter()
        .map(|svg| {
            let class = svg.find("class=\"chart ").expect("a chart class") + 13;
            &svg[class..class + svg[class..].find('"').unwrap()]
        })
        .collect();
    // gil: ratio and scaling (1 and 2 threads); jit: ratio and a trend for
    // each of its three non-baseline configurations; the comparison.
    assert_eq!(
        kinds,
        ["ratio", "scaling", "ratio", "trend", "trend", "trend", "ratio"]
    );
    let points: Vec<usize> = charts
        .iter()
        .map(|svg| svg.matches("<circle class=\"datum\"").count())
        .collect();
    // A point per configuration (gil 10, jit 4, compare 10), per
    // interpreter and thread count (scaling 5 × 2), per run (trends).
    assert_eq!(points, [10, 10, 4, 2, 2, 2, 10]);
    for (svg, kind) in charts.iter().zip(&kinds) {
        let data = svg.matches("<line class=\"datum\"").count()
            + svg.matches("<rect class=\"datum\"").count();
        assert!(
            data > 0,
            "a {kind} chart without a line or rect of data:\n{svg}"
        );
    }
    // The import matrix and the package's readiness are tables.
    assert!(dom.contains("<th>3.13t PYTHON_GIL=0</th>"));
    assert!(dom.contains("on: re-enabled by pb_gil_undeclared"));
    assert!(dom.contains("4 of 6 builds ready"));
    eprintln!("screenshot: {}", screenshot.display());
}

#[test]
fn a_file_that_is_not_ours_is_named_and_nothing_is_written() {
    let work = out_dir("report-e2e-bad");
    let notes = work.join("notes.json");
    std::fs::write(&notes, br#"{"title": "my notes", "items": []}"#).unwrap();
    let site = work.join("site");
    let gil = fixture("gil.json");
    let out = pybench(&[
        Path::new("report"),
        &gil,
        &notes,
        Path::new("--html"),
        &site,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{} is not a pybench-docker result file: it holds an object with the keys \"items\", \"title\"",
            notes.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("`run --json FILE`"), "{stderr}");
    assert!(!site.exists(), "nothing is written");
    // Without --html or --markdown there is nothing to do: clap says so.
    let out = pybench(&[Path::new("report"), &gil]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--html"));
}

/// `run` and `ext` with `--html`, run where no daemon can answer
/// (`DOCKER_HOST=unix:///nope`): a bad `--html` must be refused while the
/// arguments are checked, before any connection is tried.
fn without_daemon(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .env("DOCKER_HOST", "unix:///nope")
        .env_remove("PYBENCH_DOCKER_CONFIG")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!(
        "$ DOCKER_HOST=unix:///nope pybench-docker {}\n--- exit {:?}\n--- stderr\n{stderr}",
        args.join(" "),
        out.status.code()
    );
    (out.status.code(), stderr)
}

#[test]
fn html_on_run_and_ext_is_checked_before_the_daemon_is_contacted() {
    let work = out_dir("report-html-args");
    let file = work.join("page.html");
    std::fs::write(&file, "not a folder").unwrap();
    let file = file.to_str().unwrap();
    let missing = work.join("no/such/site");
    let missing = missing.to_str().unwrap();
    // A package's check (`ext PROJECT`) takes the other road through ext.
    let project = work.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("setup.py"), "").unwrap();
    let project = project.to_str().unwrap();
    for (args, words) in [
        (vec!["ext", "--html", file], "not a folder"),
        (vec!["ext", project, "--html", file], "not a folder"),
        (vec!["run", "gil", "--html", file], "not a folder"),
        (vec!["run", "suite", "--html", file], "not a folder"),
        (vec!["run", "jit", "--html", missing], "does not exist"),
    ] {
        let (code, stderr) = without_daemon(&args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        let error = stderr.trim();
        assert!(
            error.starts_with(&format!("error: --html {}", args[args.len() - 1])),
            "{args:?}: {error}"
        );
        assert!(error.contains(words), "{args:?}: {error}");
        assert!(!error.contains('\n'), "one paragraph: {error}");
        assert!(
            !error.contains("daemon") && !error.contains("/nope"),
            "{args:?}: the daemon was contacted before --html was checked: {error}"
        );
        assert!(std::fs::read_to_string(file).unwrap() == "not a folder");
    }
    // The same command with a good --html gets as far as the connection,
    // and fails there: it was the flag that stopped the others.
    let site = work.join("site");
    let (code, stderr) = without_daemon(&["run", "gil", "--html", site.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot reach the Docker daemon at unix:///nope"),
        "{stderr}"
    );
    assert!(!site.exists(), "nothing written without results");
}

#[test]
fn the_across_versions_chart_opens_in_a_browser() {
    // The recorded gil run has one version (3.13: stock, t, j). A second one
    // is made here by copying its 3.13 rows under 3.14's names, so the chart
    // has two versions to draw; the numbers are the recorded ones.
    let work = out_dir("report-e2e-versions");
    let mut run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("gil.json")).unwrap()).unwrap();
    let rows = run["rows"].as_array_mut().unwrap();
    let copies: Vec<serde_json::Value> = rows
        .iter()
        .filter(|r| r["interpreter"].as_str().unwrap().starts_with("3.13"))
        .map(|r| {
            let mut r = r.clone();
            let name = r["interpreter"]
                .as_str()
                .unwrap()
                .replacen("3.13", "3.14", 1);
            r["interpreter"] = name.into();
            r
        })
        .collect();
    rows.extend(copies);
    let two = work.join("two-versions.json");
    std::fs::write(&two, serde_json::to_vec(&run).unwrap()).unwrap();
    let site = work.join("site");
    let out = pybench(&[Path::new("report"), &two, Path::new("--html"), &site]);
    assert!(out.status.success(), "report failed");
    let (dom, err) = chromium(&work, "dom", &site.join("index.html"), &["--dump-dom"]);
    assert_eq!(console_errors(&err), Vec::<&str>::new(), "{err}");
    let versions: Vec<&str> = svgs(&dom)
        .into_iter()
        .filter(|svg| svg.contains("class=\"chart versions\""))
        .collect();
    assert_eq!(versions.len(), 1, "one across-versions chart");
    let chart = versions[0];
    // Per version, the t and the j build against its stock build at one
    // thread, each a point and a whisker; 3.13t -X gil=1 is not a build.
    assert_eq!(chart.matches("<circle class=\"datum\"").count(), 4);
    assert_eq!(chart.matches("<line class=\"datum\"").count(), 4);
    for label in [
        "3.13t (free-threaded)",
        "3.13j (JIT)",
        "3.14t (free-threaded)",
        "3.14j (JIT)",
    ] {
        assert!(chart.contains(&format!(">{label}</text>")), "{label}");
    }
    // The recorded 3.13t ×1 against 3.13 ×1: 1.94× [1.85–2.04], degraded.
    assert!(
        chart.contains("<title>3.13t (free-threaded): 1.94× [1.85–2.04]"),
        "{chart}"
    );
    assert!(dom.contains("<h3>Across versions</h3>"));
}

/// Runs the binary with `args`; killed, and the test failed, when it has not
/// finished within `seconds` (a read that blocks on a pipe, or one that never
/// ends on a device).
fn pybench_within(seconds: u64, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "pybench-docker {} did not finish within {seconds} s",
                args.join(" ")
            );
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

#[test]
fn pipes_devices_and_damaged_files_are_refused_before_anything_is_written() {
    let work = out_dir("report-e2e-refused");
    let fifo = work.join("run.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // A run whose 3.13t processes report minus their time.
    let mut run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("gil.json")).unwrap()).unwrap();
    for s in run["rows"][2]["samples"].as_array_mut().unwrap() {
        for v in s["values"].as_array_mut().unwrap() {
            *v = (-v.as_f64().unwrap()).into();
        }
    }
    let damaged = work.join("damaged.json");
    std::fs::write(&damaged, serde_json::to_vec(&run).unwrap()).unwrap();
    let (fifo, damaged) = (fifo.to_str().unwrap(), damaged.to_str().unwrap());
    let gil = fixture("gil.json");
    let gil = gil.to_str().unwrap();
    let site = work.join("site");
    let cases = [
        (fifo, "run.json is a named pipe (FIFO), not a regular file"),
        (
            "/dev/zero",
            "/dev/zero is a character device, not a regular file",
        ),
        (
            damaged,
            "damaged.json is a run's result file (`run --json`) but cannot be used: \
             rows[2] (\"3.13t ×1\").samples[0].values[0] is -",
        ),
    ];
    for (file, said) in cases {
        for args in [
            vec!["report", gil, file, "--html", site.to_str().unwrap()],
            vec!["compare", gil, file],
            vec!["compare", file, gil],
        ] {
            let out = pybench_within(30, &args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert!(stderr.contains(said), "{args:?}: {stderr}");
            assert!(!site.exists(), "nothing is written");
        }
    }
}
