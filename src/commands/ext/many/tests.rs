//! A list through fake engines: every package on every build in one
//! matrix; a second run served from the cache; a changed package checked
//! again alone; the file read back and compared with `--since`; a list
//! shared between two engines.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::commands::ext::{self, ExtJob, HostSide};
use crate::commands::test_support::{app_on, interpreter_of};
use crate::docker::fake::{exited, FakeEngine};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};
use crate::results::Readiness;

/// pip and check_package.py as the containers would answer: the wheel's
/// module is named after the project's folder; `gilly`'s re-enables the
/// GIL on free-threaded builds, `good`'s does not.
fn containers(spec: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
    let ft = interpreter_of(spec).ends_with('t');
    let arg_after = |flag: &str| {
        spec.cmd
            .iter()
            .skip_while(|a| *a != flag)
            .nth(1)
            .cloned()
            .unwrap()
    };
    let line = if spec.cmd.iter().any(|a| a == "requires") {
        r#"{"requires":[],"error":null}"#.to_string()
    } else if spec.cmd.iter().any(|a| a == "build") {
        let src = spec.mounts.iter().find(|m| m.container == "/src").unwrap();
        let project = Path::new(&src.host)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let out = spec.mounts.iter().find(|m| m.container == "/out").unwrap();
        let dist = Path::new(&out.host)
            .join(arg_after("--work").trim_start_matches("/out/"))
            .join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        let wheel = format!("{project}-1.0-cp313-cp313-linux_x86_64.whl");
        std::fs::write(dist.join(&wheel), b"PK").unwrap();
        format!(
            r#"{{"built":true,"stage":null,"wheel":"{wheel}","tags":["cp313-cp313-linux_x86_64"],"modules":["{project}._core"],"missing":null,"log":""}}"#
        )
    } else {
        let module = arg_after("--modules");
        let after = !ft || module.starts_with("gilly");
        format!(
            r#"{{"modules":[{{"module":"{module}","imported":true,"gil_before":{},"gil_after":{after},"warnings":[],"error":null,"missing":null,"signal":null,"exit_code":0}}],"smoke":null}}"#,
            !ft
        )
    };
    Ok(exited(0, &format!("PYBENCH_RESULT {line}\n"), ""))
}

struct Setup {
    _dirs: Vec<tempfile::TempDir>,
    cache: std::path::PathBuf,
    good: std::path::PathBuf,
    gilly: std::path::PathBuf,
    argv: Vec<String>,
}

fn setup() -> Setup {
    let (root, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (good, gilly) = (root.path().join("good"), root.path().join("gilly"));
    for dir in [&good, &gilly] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("pyproject.toml"),
            "[build-system]\nrequires = [\"setuptools>=70\"]\n",
        )
        .unwrap();
    }
    let house = root.path().join("house");
    std::fs::create_dir_all(&house).unwrap();
    crate::packages::testing::write_wheel(
        &house.join("setuptools-80.0-py3-none-any.whl"),
        "setuptools",
        "80.0",
        &[],
    );
    let argv = [
        good.to_str().unwrap(),
        gilly.to_str().unwrap(),
        "--offline",
        "--wheelhouse",
        house.to_str().unwrap(),
        "--out",
        root.path().join("out").to_str().unwrap(),
        "--json",
        root.path().join("list.json").to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    Setup {
        cache: cache.path().to_path_buf(),
        _dirs: vec![root, cache],
        good,
        gilly,
        argv,
    }
}

/// Every image of the plan on `engine`, so their ids can be read.
fn give_images(app: &App, engine: &FakeEngine) {
    for r in &app.plan.releases {
        engine.add_image(&r.builder, &[]);
    }
    for i in &app.plan.interpreters {
        engine.add_image(&i.image, &[]);
    }
}

fn list_job(app: &App, argv: &[String]) -> ManyJob {
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let args = ext::tests::ext_args(&argv);
    match ext::prepare(&args, &app.plan, &app.project).unwrap() {
        ExtJob::Packages(job) => *job,
        other => panic!("not a list: {other:?}"),
    }
}

async fn check_all(app: &App, job: &ManyJob) -> crate::results::ExtPackages {
    let HostSide::Packages(host) =
        ext::prepare_host_side(app, &ExtJob::Packages(Box::new(job.clone()))).unwrap()
    else {
        panic!("a list's host side");
    };
    let all: Vec<usize> = (0..host.listed.len()).collect();
    document(app, check_share(app, job, &host, &all).await.unwrap())
}

fn verdicts(doc: &crate::results::ExtPackages) -> Vec<(String, Vec<Readiness>)> {
    (doc.packages.iter())
        .map(|p| {
            (
                p.name.clone(),
                p.results.iter().map(|r| r.readiness).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_list_is_one_matrix_and_a_second_run_comes_from_the_cache() {
    use Readiness::*;
    let s = setup();
    let engine = FakeEngine::new(containers);
    let app = app_on(engine.clone(), &s.cache);
    give_images(&app, &engine);
    let job = list_job(&app, &s.argv);

    let first = check_all(&app, &job).await;
    assert_eq!(first.builds, ["3.13", "3.13t", "3.13j"]);
    assert_eq!(
        verdicts(&first),
        [
            ("good".to_string(), vec![Ready, Ready, Ready]),
            ("gilly".to_string(), vec![Ready, NeedsGil, Ready]),
        ]
    );
    assert!(first.packages.iter().all(|p| p.cached.is_empty()));
    // Two packages × (the backend asked once, three builds × (build, check)).
    assert_eq!(engine.runs().len(), 14);
    // Each package's wheels in its own folder of --out.
    let out = Path::new(&s.argv[6]);
    assert!(out
        .join("gilly/3.13t/gilly-1.0-cp313-cp313-linux_x86_64.whl")
        .is_file());

    // The same list again: nothing runs, every result from the cache.
    let second = check_all(&app, &job).await;
    assert_eq!(engine.runs().len(), 14);
    assert_eq!(verdicts(&second), verdicts(&first));
    assert!(second.packages.iter().all(|p| p.cached.len() == 3));

    // One package changed: only it is checked again.
    std::fs::write(s.gilly.join("setup.py"), "# changed\n").unwrap();
    let third = check_all(&app, &job).await;
    assert_eq!(engine.runs().len(), 21);
    assert_eq!(third.packages[0].cached.len(), 3);
    assert!(third.packages[1].cached.is_empty());

    // --no-cache: everything again.
    let mut fresh = s.argv.clone();
    fresh.push("--no-cache".into());
    check_all(&app, &list_job(&app, &fresh)).await;
    assert_eq!(engine.runs().len(), 35);

    // The file, read back, and what changed since it.
    present(&job, &second).unwrap();
    let path = Path::new(&s.argv[8]);
    let crate::results::ResultDoc::ExtPackages(back) = crate::results::load(path).unwrap() else {
        panic!("an ext-packages file");
    };
    assert_eq!(back, second);
    let mut since = s.argv.clone();
    since.extend(["--since".to_string(), s.argv[8].clone()]);
    let job = list_job(&app, &since);
    assert_eq!(job.since.as_ref().unwrap().1, second.packages);
    let mut later = second.clone();
    later.packages[0].results[1].readiness = NeedsGil;
    let lines: Vec<String> = crate::report::packages::changes(&job.since.unwrap().1, &later)
        .iter()
        .map(|c| c.line())
        .collect();
    assert_eq!(lines, ["good on 3.13t: ready → works with the GIL"]);
    let _ = &s.good;
}

#[tokio::test]
async fn a_list_over_two_engines_is_shared_and_merged_in_order() {
    use crate::commands::fleet::{Fleet, Member};
    let s = setup();
    let mut argv = s.argv.clone();
    // A third package, so that the shares differ in size.
    let third = s.good.with_file_name("third");
    std::fs::create_dir_all(&third).unwrap();
    std::fs::write(third.join("setup.py"), "").unwrap();
    argv.insert(2, third.to_str().unwrap().to_string());
    let (a, b) = (FakeEngine::new(containers), FakeEngine::new(containers));
    let member = |name: &str, engine: &Arc<FakeEngine>| {
        let mut app = app_on(engine.clone(), &s.cache.join(name));
        app.engine_name = name.into();
        give_images(&app, engine);
        Member {
            spec: crate::docker::address::EngineSpec {
                name: name.into(),
                address: format!("unix:///run/{name}/docker.sock"),
                tls: None,
            },
            app: Some(app),
            failure: None,
        }
    };
    let mut fleet = Fleet {
        members: vec![member("a", &a), member("b", &b)],
    };
    let app = fleet.members[0].app.as_ref().unwrap();
    // Current images on both, so that nothing is built or carried.
    let needs = crate::plan::Needs::everything(&app.plan);
    for (image, hash) in crate::commands::build::expected_images(app, &needs)
        .await
        .unwrap()
    {
        for engine in [&a, &b] {
            engine.add_image(
                &image,
                &[(crate::commands::build::render::BUILD_HASH_LABEL, &hash)],
            );
        }
    }
    let job = ExtJob::Packages(Box::new(list_job(app, &argv)));
    crate::commands::fleet::ext(&mut fleet, &job, &needs)
        .await
        .unwrap();

    // good and third on a, gilly on b: 2 + 1 packages × 3 builds × 2.
    assert_eq!(a.runs().len(), 14);
    assert_eq!(b.runs().len(), 7);
    let crate::results::ResultDoc::ExtPackages(doc) =
        crate::results::load(Path::new(&argv[9])).unwrap()
    else {
        panic!("one ext-packages file");
    };
    let rows: Vec<(&str, Option<&str>)> = (doc.packages.iter())
        .map(|p| (p.name.as_str(), p.engine.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("good", Some("a")),
            ("gilly", Some("b")),
            ("third", Some("a"))
        ]
    );
    assert!(doc.packages.iter().all(|p| p.results.len() == 3));
}

#[test]
fn shares_go_round_robin() {
    assert_eq!(shares(5, 2), [vec![0, 2, 4], vec![1, 3]]);
    assert_eq!(shares(1, 3), [vec![0], vec![], vec![]]);
    assert_eq!(shares(2, 0), [vec![0, 1]]);
}

#[test]
fn list_only_flags_are_refused_for_one_package_and_bad_lists_before_anything() {
    let s = setup();
    let app = app_on(FakeEngine::new(containers), &s.cache);
    let prepared = |argv: &[&str]| {
        let args = ext::tests::ext_args(argv);
        ext::prepare(&args, &app.plan, &app.project).map(|_| ())
    };
    let one = s.good.to_str().unwrap();
    let e = prepared(&[one, "--no-cache"]).unwrap_err().to_string();
    assert!(e.contains("--no-cache is for a list of packages"), "{e}");
    let e = prepared(&[one, "--pypi", "numpy", "--offline"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("--offline forbids PyPI"), "{e}");
    let e = prepared(&[one, s.gilly.to_str().unwrap(), "--tests", one])
        .unwrap_err()
        .to_string();
    assert!(e.contains("--tests PATH gives one package's tests"), "{e}");
    let e = prepared(&[one, s.gilly.to_str().unwrap(), "--since", "/no/such.json"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("--since: cannot read /no/such.json"), "{e}");
}

#[tokio::test]
async fn a_package_that_cannot_be_prepared_is_not_checked_and_the_others_go_on() {
    let s = setup();
    std::fs::write(
        s.gilly.join("pyproject.toml"),
        "[build-system]\nrequires = [\"no-such-requirement>=1\"]\n",
    )
    .unwrap();
    let engine = FakeEngine::new(containers);
    let app = app_on(engine.clone(), &s.cache);
    give_images(&app, &engine);
    let job = list_job(&app, &s.argv);
    let doc = check_all(&app, &job).await;
    assert_eq!(doc.packages[0].results.len(), 3);
    let gilly = &doc.packages[1];
    assert!(gilly.results.is_empty());
    let why = gilly.error.as_deref().unwrap();
    assert!(why.contains("no-such-requirement"), "{why}");
    // Only good's containers ran.
    assert_eq!(engine.runs().len(), 7);
    let e = present(&job, &doc).unwrap_err().to_string();
    assert!(e.contains("gilly (not checked)"), "{e}");
}

#[tokio::test]
async fn one_build_whose_check_fails_is_that_rows_failure_and_not_cached() {
    let s = setup();
    // gilly's check on 3.13t prints no machine line (as after a timeout).
    let broken = |spec: &ContainerSpec| {
        let check = !spec.cmd.iter().any(|a| a == "requires" || a == "build");
        let gilly = spec.cmd.iter().any(|a| a.starts_with("gilly"));
        if check && gilly && interpreter_of(spec) == "3.13t" {
            return Ok(exited(0, "killed\n", ""));
        }
        containers(spec)
    };
    let engine = FakeEngine::new(broken);
    let app = app_on(engine.clone(), &s.cache);
    give_images(&app, &engine);
    let job = list_job(&app, &s.argv);
    let doc = check_all(&app, &job).await;
    assert_eq!(doc.packages[0].results.len(), 3);
    assert!(doc.packages[0].error.is_none());
    let gilly = &doc.packages[1];
    let builds: Vec<&str> = gilly
        .results
        .iter()
        .map(|r| r.interpreter.as_str())
        .collect();
    assert_eq!(builds, ["3.13", "3.13j"]);
    let why = gilly.error.as_deref().unwrap();
    assert!(why.starts_with("on 3.13t: the check failed: "), "{why}");
    let e = present(&job, &doc).unwrap_err().to_string();
    assert!(e.contains("gilly (not checked on 3.13t)"), "{e}");
    let shown = present::render_matrix(&doc, false, Some(200));
    assert!(
        shown.contains("✗ gilly: partly checked: on 3.13t: the check failed: "),
        "{shown}"
    );
    assert!(
        shown.contains("│ not checked ┆ 0    ┆ 1     ┆ 0     │"),
        "{shown}"
    );
    // The failed build was not cached: a second run checks it (alone) again.
    let runs = engine.runs().len();
    let again = check_all(&app, &job).await;
    assert_eq!(again.packages[1].cached, ["3.13", "3.13j"]);
    assert!(engine.runs().len() > runs);
}

#[test]
fn since_refuses_a_one_package_file_and_says_which_to_give() {
    let s = setup();
    let app = app_on(FakeEngine::new(containers), &s.cache);
    let one = s.good.with_file_name("one.json");
    let doc = crate::results::ExtPackage {
        package: "good 1.0 from PyPI (good-1.0.tar.gz)".into(),
        build_requires: vec![],
        wheelhouse: vec![],
        results: vec![],
        test_requires: vec![],
        dependencies: vec![],
        session: String::new(),
    };
    std::fs::write(&one, crate::results::to_json(&doc).unwrap()).unwrap();
    let argv = [
        s.argv.clone(),
        vec!["--since".into(), one.display().to_string()],
    ]
    .concat();
    let args = ext::tests::ext_args(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    let e = ext::prepare(&args, &app.plan, &app.project)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("is one package's readiness (an ext-package file)"),
        "{e}"
    );
    assert!(e.contains("Give an ext-packages file"), "{e}");
}
