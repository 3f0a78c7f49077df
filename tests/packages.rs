//! End to end on the real daemon: `ext` on real packages (tests/packages/),
//! built with pip from a local wheelhouse on every interpreter build, with
//! no network in any container and none left behind.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;

/// The build requirement only the test's wheelhouse has (tests/packages/README.md).
fn write_helper_wheel(dir: &Path) {
    let files = [
        (
            "pb_buildhelper/__init__.py",
            "def define_macros():\n    return [(\"PB_HELPER_MAGIC\", \"42\")]\n",
        ),
        (
            "pb_buildhelper-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: pb-buildhelper\nVersion: 1.0\n",
        ),
        (
            "pb_buildhelper-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: pybench-docker-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        (
            "pb_buildhelper-1.0.dist-info/RECORD",
            "pb_buildhelper/__init__.py,sha256=T5CHxfVuE21h0PW1mv6a4Gd0N4sQWlq9_06zVIeQoBE,60\n\
pb_buildhelper-1.0.dist-info/METADATA,sha256=rsHLfjKHQjuRgC_fAS2gxSKsJCl6AjvbniGfnOKFuII,56\n\
pb_buildhelper-1.0.dist-info/WHEEL,sha256=1zwPIv0Ag6uXq9CyB7jvtd41s1W5_2kLZqdoDA83-9A,91\n\
pb_buildhelper-1.0.dist-info/RECORD,,\n",
        ),
    ];
    let path = dir.join("pb_buildhelper-1.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, body) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

/// A package folder as an sdist: `NAME-1.0/…` in a .tar.gz.
fn sdist_of(package: &Path, name: &str, dest: &Path) -> PathBuf {
    let archive = dest.join(format!("{name}-1.0.tar.gz"));
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&archive).unwrap(),
        flate2::Compression::default(),
    );
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all(format!("{name}-1.0"), package).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    archive
}

/// `ext SOURCE` offline with both wheelhouses; the JSON's verdict per interpreter.
fn check(
    source: &Path,
    house: &Path,
    extra: &[&str],
) -> (bool, Vec<(String, String, String)>, serde_json::Value) {
    let out_dir = tempfile::tempdir().unwrap();
    let json = out_dir.path().join("r.json");
    let setup_house = root().join("target/wheelhouse");
    let mut args = vec![
        "ext",
        source.to_str().unwrap(),
        "--offline",
        "--wheelhouse",
        setup_house.to_str().unwrap(),
        "--wheelhouse",
        house.to_str().unwrap(),
        "--out",
        out_dir.path().to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    let text = stdout(&out);
    assert!(
        text.contains("Extension readiness:"),
        "{text}\n{}",
        stderr(&out)
    );
    let r = read_json(&json);
    let verdicts = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["interpreter"].as_str().unwrap().to_string(),
                x["readiness"].as_str().unwrap().to_string(),
                x["why"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.status.success(), verdicts, r)
}

/// Other tests and sessions run at the same time: this run's containers only.
fn assert_no_container_left(doc: &serde_json::Value) {
    let session = doc["session"].as_str().unwrap_or_default();
    assert!(!session.is_empty(), "the file names its session");
    assert!(
        labelled_containers(Some(session)).is_empty(),
        "a container of session {session} was left behind"
    );
}

fn is_free_threaded(interpreter: &str) -> bool {
    interpreter.ends_with('t')
}

#[test]
fn each_package_gets_its_verdict_on_every_build() {
    images();
    wheels_in_cache();
    assert!(
        root()
            .join("target/wheelhouse/setuptools-84.2.1-py3-none-any.whl")
            .is_file(),
        "no setuptools wheel in target/wheelhouse: run .ci/setup first"
    );
    let house = tempfile::tempdir().unwrap();
    write_helper_wheel(house.path());
    let packages = root().join("tests/packages");
    let sdist = sdist_of(
        &packages.join("gil_undeclared"),
        "pb_gil_undeclared",
        house.path(),
    );

    // (source, extra arguments, expected on GIL builds, on free-threaded builds, exit ok)
    let smoke = [
        "--smoke",
        "import pb_gil_declared\nassert pb_gil_declared.add(2, 3) == 5",
        "--smoke-threads",
        "4",
    ];
    let cases: [(PathBuf, &[&str], &str, &str, bool); 5] = [
        (
            packages.join("gil_declared"),
            &smoke,
            "ready",
            "ready",
            true,
        ),
        (sdist, &[], "ready", "needs-gil", true),
        (
            packages.join("broken"),
            &[],
            "build-fails",
            "build-fails",
            false,
        ),
        (packages.join("multi"), &[], "ready", "ready", true),
        (packages.join("needs_helper"), &[], "ready", "ready", true),
    ];
    for (source, extra, gil_build, ft_build, exit_ok) in cases {
        let (ok, verdicts, doc) = check(&source, house.path(), extra);
        assert_no_container_left(&doc);
        assert_eq!(
            verdicts.len(),
            6,
            "every build of 3.13 and 3.14: {verdicts:?}"
        );
        for (interpreter, verdict, why) in &verdicts {
            let expected = if is_free_threaded(interpreter) {
                ft_build
            } else {
                gil_build
            };
            assert_eq!(
                verdict,
                expected,
                "{} on {interpreter}: {why}",
                source.display()
            );
            if verdict == "build-fails" {
                assert!(why.contains("error"), "gcc's error is the reason: {why}");
            }
        }
        assert_eq!(ok, exit_ok, "{}: exit status", source.display());
    }
    // (A smoke run that crashes is told from one that raises by
    // check_package.py's own tests, c_extension/test_check_package.py.)
}

#[test]
fn a_missing_build_requirement_is_named_before_any_container_starts() {
    let empty = tempfile::tempdir().unwrap();
    let out = run(&[
        "ext",
        root().join("tests/packages/needs_helper").to_str().unwrap(),
        "--offline",
        "--wheelhouse",
        empty.path().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("no wheel of") && err.contains("--wheelhouse"),
        "{err}"
    );
}

/// An optional C speed-up that does not compile: the wheel is built without
/// it, tagged for the interpreter's ABI. That is "fell back to pure Python"
/// with gcc's error, never "ready"; a package with no C at all is still
/// "ready · no extension modules".
#[test]
fn a_silent_fallback_to_pure_python_is_named_with_the_compilers_error() {
    images();
    wheels_in_cache();
    let house = tempfile::tempdir().unwrap();
    let packages = root().join("tests/packages");
    let (ok, verdicts, doc) = check(&packages.join("fallback"), house.path(), &[]);
    assert_eq!(verdicts.len(), 6, "{verdicts:?}");
    for (interpreter, verdict, why) in &verdicts {
        assert_eq!(verdict, "fell-back", "{interpreter}: {why}");
        assert!(
            why.contains("is tagged for a CPython ABI but holds no extension module")
                && why.contains("speedups.c:")
                && why.contains("error: expected"),
            "{interpreter}: {why}"
        );
    }
    assert!(!ok, "fell-back fails by default");
    let (ok, verdicts, _) = check(&packages.join("pure"), house.path(), &[]);
    for (interpreter, verdict, why) in &verdicts {
        assert_eq!(verdict, "ready", "{interpreter}: {why}");
        assert!(why.contains("no extension modules"), "{interpreter}: {why}");
    }
    assert!(ok);
    assert_no_container_left(&doc);
}

/// `--tests`: a package whose C code shares one buffer between threads, yet
/// declares Py_mod_gil, imports "ready" everywhere; its own tests pass
/// plainly everywhere, and in 8 threads fail only where the GIL is off. Its
/// race-free twin passes both ways on every build.
#[test]
fn a_race_that_only_matters_without_the_gil_fails_under_threads() {
    images();
    wheels_in_cache();
    assert!(
        root()
            .join("target/wheelhouse/pytest_run_parallel-0.10.0-py3-none-any.whl")
            .is_file(),
        "no pytest-run-parallel wheel in target/wheelhouse: run .ci/setup first"
    );
    let house = tempfile::tempdir().unwrap();
    let packages = root().join("tests/packages");
    let tests = ["--tests", "--parallel-threads", "8"];
    let (ok, verdicts, doc) = check(&packages.join("racy"), house.path(), &tests);
    assert_no_container_left(&doc);
    assert_eq!(verdicts.len(), 6, "{verdicts:?}");
    for ((interpreter, verdict, why), r) in verdicts.iter().zip(doc["results"].as_array().unwrap())
    {
        let t = &r["tests"];
        assert_eq!(t["plain"]["passed"], 2, "{interpreter}: {t}");
        assert_eq!(r["modules"][0]["imported"], true, "{interpreter}: imports");
        if is_free_threaded(interpreter) {
            assert_eq!(verdict, "thread-unsafe", "{interpreter}: {why}");
            assert!(
                why.starts_with("passes plainly, fails in 8 threads, GIL off: tests/test_render.py::test_render_round_trips (AssertionError"),
                "{interpreter}: {why}"
            );
            assert_eq!(t["gil_forced_off"], true);
            assert_eq!(r["modules"][0]["gil_after"], false, "Py_mod_gil declared");
        } else {
            assert_eq!(verdict, "ready", "{interpreter}: {why}");
            assert_eq!(t["parallel"]["passed"], 2, "{interpreter}: {t}");
        }
        assert_eq!(t["parallel"]["threads"], 8);
    }
    assert!(!ok, "thread-unsafe fails by default");
    let (ok, verdicts, doc) = check(&packages.join("race_free"), house.path(), &tests);
    assert_no_container_left(&doc);
    for ((interpreter, verdict, why), r) in verdicts.iter().zip(doc["results"].as_array().unwrap())
    {
        assert_eq!(verdict, "ready", "{interpreter}: {why}");
        assert_eq!(r["tests"]["parallel"]["passed"], 2, "{interpreter}");
    }
    assert!(ok);
}

/// A package whose own extension declares Py_mod_gil but whose dependency's
/// does not: imported whole on a free-threaded build, the dependency's
/// module is named as the one that turned the GIL back on.
#[test]
fn the_dependency_that_turns_the_gil_back_on_is_named() {
    images();
    wheels_in_cache();
    let house = tempfile::tempdir().unwrap();
    let packages = root().join("tests/packages");
    // The dependency's wheels, one per build, as `ext` leaves them in --out.
    let dep_out = tempfile::tempdir().unwrap();
    let out = run(&[
        "ext",
        packages.join("gil_undeclared").to_str().unwrap(),
        "--offline",
        "--wheelhouse",
        root().join("target/wheelhouse").to_str().unwrap(),
        "--out",
        dep_out.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut extra: Vec<String> = Vec::new();
    for build in std::fs::read_dir(dep_out.path()).unwrap() {
        extra.extend([
            "--wheelhouse".to_string(),
            build.unwrap().path().display().to_string(),
        ]);
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let (_, verdicts, doc) = check(&packages.join("uses_dep"), house.path(), &extra);
    assert_no_container_left(&doc);
    assert_eq!(
        doc["dependencies"],
        serde_json::json!(["pb-gil-undeclared==1.0"])
    );
    assert_eq!(verdicts.len(), 6, "{verdicts:?}");
    for ((interpreter, verdict, why), r) in verdicts.iter().zip(doc["results"].as_array().unwrap())
    {
        assert_eq!(r["build"]["dependencies_installed"], true, "{interpreter}");
        if is_free_threaded(interpreter) {
            assert_eq!(verdict, "needs-gil", "{interpreter}: {why}");
            assert_eq!(
                why,
                "importing pb_uses_dep re-enabled the GIL: pb_gil_undeclared (a dependency's module, no Py_mod_gil slot)"
            );
            assert_eq!(r["graph"]["reenabled_by"], "pb_gil_undeclared");
        } else {
            assert_eq!(verdict, "ready", "{interpreter}: {why}");
        }
    }
}

/// `ext -r FILE` over two local packages: one matrix (package × build) in
/// the terminal and the JSON; then the same list again, every result
/// served from the cache without a container, and nothing changed since
/// the first file.
#[test]
fn a_list_is_one_matrix_and_the_second_run_comes_from_the_cache() {
    images();
    wheels_in_cache();
    let dir = tempfile::tempdir().unwrap();
    let packages = root().join("tests/packages");
    let list = dir.path().join("requirements.txt");
    std::fs::write(
        &list,
        format!(
            "# two local packages\n{}\n{}\n",
            packages.join("gil_declared").display(),
            packages.join("gil_undeclared").display()
        ),
    )
    .unwrap();
    let setup_house = root().join("target/wheelhouse");
    let (first_json, second_json) = (
        dir.path().join("first.json"),
        dir.path().join("second.json"),
    );
    let args = |json: &Path, extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "ext",
            "-r",
            list.to_str().unwrap(),
            "--offline",
            "--wheelhouse",
            setup_house.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let run_list = |args: Vec<String>| {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = std::time::Instant::now();
        let out = run(&argv);
        (out, started.elapsed())
    };

    // First: checked afresh (--no-cache), whatever an earlier test run left.
    let (out, first_took) = run_list(args(&first_json, &["--no-cache"]));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("Extension readiness: 2 packages"), "{text}");
    assert!(
        text.contains("12 results checked now, none from the cache."),
        "{text}"
    );
    let doc = read_json(&first_json);
    assert_eq!(doc["kind"], "ext-packages");
    assert_no_container_left(&doc);
    let builds: Vec<&str> = doc["builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(builds.len(), 6, "every build of 3.13 and 3.14: {builds:?}");
    for (package, on_ft) in [("gil_declared", "ready"), ("gil_undeclared", "needs-gil")] {
        let row = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == package)
            .unwrap();
        for r in row["results"].as_array().unwrap() {
            let interpreter = r["interpreter"].as_str().unwrap();
            let expected = if is_free_threaded(interpreter) {
                on_ft
            } else {
                "ready"
            };
            assert_eq!(
                r["readiness"], expected,
                "{package} on {interpreter}: {}",
                r["why"]
            );
        }
        // Its row in the terminal's matrix.
        assert!(
            text.lines()
                .any(|l| l.contains(package) && l.contains("ready")),
            "{text}"
        );
    }

    // Second: the same list, nothing checked again, no container started.
    let (out, second_took) = run_list(args(
        &second_json,
        &[
            "--since",
            first_json.to_str().unwrap(),
            "--markdown",
            dir.path().join("list.md").to_str().unwrap(),
            "--html",
            dir.path().join("site").to_str().unwrap(),
        ],
    ));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("all 12 results from the cache (marked *)"),
        "{text}"
    );
    assert!(
        text.contains("changes since") && text.contains("  none"),
        "{text}"
    );
    assert!(
        !stderr(&out).contains("gil_declared on"),
        "no container ran: {}",
        stderr(&out)
    );
    let doc = read_json(&second_json);
    for row in doc["packages"].as_array().unwrap() {
        assert_eq!(row["cached"].as_array().unwrap().len(), 6, "{row}");
    }
    let md = std::fs::read_to_string(dir.path().join("list.md")).unwrap();
    assert!(md.contains("| gil\\_undeclared |"), "{md}");
    let page = std::fs::read_to_string(dir.path().join("site/index.html")).unwrap();
    assert!(
        page.contains("<details>"),
        "one line per package, details on demand"
    );
    eprintln!("first run {first_took:?}, second run {second_took:?}");
    assert!(
        second_took * 5 < first_took,
        "the cached run took {second_took:?}, the first {first_took:?}"
    );
}

/// dynamic_helper's backend asks for pb-buildhelper only at build time
/// (get_requires_for_build_wheel): `ext` asks it in the builder image, finds
/// the wheel in the local wheelhouse on this machine, and every build is ready.
#[test]
fn a_build_requirement_asked_at_build_time_is_fetched_before_the_build() {
    images();
    wheels_in_cache();
    let house = tempfile::tempdir().unwrap();
    write_helper_wheel(house.path());
    let (ok, verdicts, doc) = check(
        &root().join("tests/packages/dynamic_helper"),
        house.path(),
        &[],
    );
    assert_no_container_left(&doc);
    assert_eq!(verdicts.len(), 6, "{verdicts:?}");
    for (interpreter, verdict, why) in &verdicts {
        assert_eq!(verdict, "ready", "{interpreter}: {why}");
    }
    assert!(ok);
    let requires: Vec<&str> = doc["build_requires"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(requires, ["setuptools>=70", "pb-buildhelper==1.0"]);
    assert!(doc["wheelhouse"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w == "pb_buildhelper-1.0-py3-none-any.whl"));
}
