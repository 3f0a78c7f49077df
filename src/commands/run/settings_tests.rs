use super::*;
use crate::config::{parse, Source, DEFAULT_YAML};

fn suite() -> Catalogs {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks");
    Catalogs::load(&dir).unwrap()
}

#[test]
fn the_suite_expands_to_one_setting_per_benchmark() {
    let mut a = args("suite");
    a.category = Some("locks".into());
    a.threads = vec![1, 2, 4];
    let all = settings_from(&a, &cfg(), &suite()).unwrap();
    assert!(all.len() >= 2);
    assert!(all.iter().all(
        |s| matches!(&s.benchmark, Benchmark::Suite { threads, .. } if threads == &[1, 2, 4])
    ));
    let one = settings_from(&args("lock-shared"), &cfg(), &suite()).unwrap();
    assert_eq!(one.len(), 1);
    a.category = Some("nope".into());
    let e = settings_from(&a, &cfg(), &suite()).unwrap_err().to_string();
    assert!(
        e.contains("unknown category \"nope\"") && e.contains("locks"),
        "{e}"
    );
    let mut g = args("gil");
    g.category = Some("locks".into());
    let e = settings_from(&g, &cfg(), &suite()).unwrap_err().to_string();
    assert!(e.contains("run suite --category"), "{e}");
}

#[test]
fn an_empty_suite_catalogue_is_an_error_naming_the_file() {
    let mut catalogs = suite();
    catalogs.suite.clear();
    for category in [None, Some("locks")] {
        let mut a = args("suite");
        a.category = category.map(String::from);
        let e = settings_from(&a, &cfg(), &catalogs)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("lists no benchmarks") && e.contains("suite/catalog.tsv"),
            "{e}"
        );
    }
}

#[test]
fn a_script_sweep_needs_the_placeholder_and_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("b.py");
    std::fs::write(&script, "pass\n").unwrap();
    let run = |threads: Vec<u32>, script_args: &[&str], per_thread: bool| {
        let mut a = args(script.to_str().unwrap());
        a.threads = threads;
        a.script_args = script_args.iter().map(|s| s.to_string()).collect();
        a.work_per_thread = per_thread;
        settings_from(&a, &cfg(), &suite()).map(|mut v| v.remove(0).benchmark)
    };
    let e = run(vec![1, 2], &["-v"], false).unwrap_err().to_string();
    assert!(e.contains("put {threads} where it takes it"), "{e}");
    let e = run(vec![], &["--workers", "{threads}"], false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no --threads was given"), "{e}");
    let e = run(vec![], &[], true).unwrap_err().to_string();
    assert!(e.contains("give --threads too"), "{e}");
    let ok = run(vec![1, 2], &["--workers", "{threads}"], true).unwrap();
    assert!(
        matches!(&ok, Benchmark::Script { threads, scaling: true, .. } if threads == &[1, 2]),
        "{ok:?}"
    );
    assert!(ok.scales_work());
    let mut gil = args("gil");
    gil.work_per_thread = true;
    let e = settings_from(&gil, &cfg(), &suite())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--work-per-thread is for your own scripts"),
        "{e}"
    );
}

#[test]
fn pyperformance_takes_pyperf_options_and_time_for_its_benchmarks() {
    let mut a = args("pyperformance");
    a.benchmarks = vec!["nbody".into(), "float".into()];
    let s = settings_from(&a, &cfg(), &suite()).unwrap().remove(0);
    assert_eq!(s.baseline, "per-version");
    assert_eq!(s.timeout, Duration::from_secs(1200));
    a.values = Some(3);
    let e = settings_from(&a, &cfg(), &suite()).unwrap_err().to_string();
    assert!(e.contains("--values sets our harness"), "{e}");
    let mut g = args("gil");
    g.benchmarks = vec!["nbody".into()];
    let e = settings_from(&g, &cfg(), &suite()).unwrap_err().to_string();
    assert!(e.contains("--benchmarks chooses pyperformance's"), "{e}");
}

#[test]
fn ftscalingbench_takes_its_own_flags_and_compares_per_version() {
    let mut a = args("ftscalingbench");
    a.patterns = vec!["create_closure".into()];
    a.threads = vec![1, 2, 4];
    let s = settings_from(&a, &cfg(), &suite()).unwrap().remove(0);
    assert_eq!(s.baseline, "per-version");
    let Benchmark::Ftscaling(f) = &s.benchmark else {
        panic!("{:?}", s.benchmark)
    };
    assert_eq!(
        (f.patterns.clone(), f.threads.clone()),
        (vec!["create_closure".to_string()], vec![1, 2, 4])
    );
    assert!(s.benchmark.scales_work());
    assert_eq!(s.benchmark.script_and_args().0, "ftscaling.py");
    for flag in ["--patterns", "--script-from"] {
        let mut g = args("gil");
        match flag {
            "--patterns" => g.patterns = vec!["x".into()],
            _ => g.script_from = Some("3.14".into()),
        }
        let e = settings_from(&g, &cfg(), &suite()).unwrap_err().to_string();
        assert!(
            e.starts_with("--patterns and --script-from choose what `run ftscalingbench` runs"),
            "{e}"
        );
    }
    let mut n = args("ftscalingbench");
    n.n = Some(3);
    let e = settings_from(&n, &cfg(), &suite()).unwrap_err().to_string();
    assert!(e.contains("-n applies to gil and jit only"), "{e}");
}

fn cfg() -> crate::config::Config {
    parse(DEFAULT_YAML, &Source::Embedded).unwrap()
}

fn args(b: &str) -> RunArgs {
    RunArgs {
        benchmark: Some(b.into()),
        ..RunArgs::default()
    }
}

#[test]
fn defaults_come_from_config() {
    let s = settings_from(&args("gil"), &cfg(), &suite())
        .map(|mut v| v.remove(0))
        .unwrap();
    assert_eq!(
        s.benchmark,
        Benchmark::Gil {
            threads: vec![],
            n: 25
        }
    );
    let c = &cfg().benchmarks;
    assert_eq!(
        (
            s.sampling.processes,
            s.sampling.warmup_processes,
            s.sampling.values
        ),
        (c.repeat, c.warmup, c.values)
    );
    assert_eq!(s.baseline, "3.13");
    let j = settings_from(&args("jit"), &cfg(), &suite())
        .map(|mut v| v.remove(0))
        .unwrap();
    assert_eq!(j.benchmark, Benchmark::Jit { n: 10000 });
}

#[test]
fn flags_override_the_sampling_defaults() {
    let mut a = args("jit");
    (a.processes, a.values, a.warmups, a.min_time, a.loops) =
        (Some(7), Some(3), Some(0), Some(0.5), Some(4));
    let s = settings_from(&a, &cfg(), &suite())
        .map(|mut v| v.remove(0))
        .unwrap()
        .sampling;
    assert_eq!(
        (s.processes, s.values, s.warmups, s.loops),
        (7, 3, 0, Some(4))
    );
    assert_eq!(s.min_time, 0.5);
    let env = s.harness_env();
    assert!(
        env.contains(&("PYBENCH_LOOPS".into(), "4".into())),
        "{env:?}"
    );
    assert!(
        env.contains(&("PYBENCH_MIN_TIME".into(), "0.5".into())),
        "{env:?}"
    );
}

#[test]
fn unknown_benchmark_and_missing_script() {
    let e = settings_from(&args("gli"), &cfg(), &suite())
        .map(|mut v| v.remove(0))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown benchmark \"gli\"") && e.contains("gil, jit, uops"),
        "{e}"
    );
    let e = settings_from(&args("/nope/bench.py"), &cfg(), &suite())
        .map(|mut v| v.remove(0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not exist"), "{e}");
}

#[test]
fn output_folder_must_exist_before_running() {
    let mut a = args("gil");
    a.json = Some("/nonexistent-dir/r.json".into());
    let e = settings_from(&a, &cfg(), &suite())
        .map(|mut v| v.remove(0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent-dir"), "{e}");
    // --html: a folder, or one that can be made; never a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.html");
    std::fs::write(&file, "").unwrap();
    for (html, refused) in [
        (file.clone(), Some("not a folder")),
        (dir.path().join("no/site"), Some("does not exist")),
        (dir.path().join("site"), None),
    ] {
        let mut a = args("gil");
        a.html = Some(html);
        let e = settings_from(&a, &cfg(), &suite())
            .err()
            .map(|e| e.to_string());
        match refused {
            Some(words) => assert!(
                e.as_ref()
                    .is_some_and(|e| e.starts_with("--html ") && e.contains(words)),
                "{e:?}"
            ),
            None => assert_eq!(e, None),
        }
    }
    // uops measures nothing to put on a page.
    let mut a = args("uops");
    a.html = Some(dir.path().join("site"));
    let plan = crate::plan::build_plan(&cfg()).unwrap();
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks");
    let e = prepare(&a, &cfg(), &plan, &bench)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("--html is for benchmarks that measure"), "{e}");
}

#[test]
fn scripts_and_arguments() {
    let g = Benchmark::Gil {
        threads: vec![4],
        n: 25,
    };
    assert_eq!(
        g.script_and_args(),
        ("gil.py".into(), vec!["-n".into(), "25".into()])
    );
    let s = Benchmark::Script {
        dir: "/x".into(),
        file: "b.py".into(),
        args: vec!["--k".into()],
        threads: vec![],
        scaling: false,
        pyperf: false,
    };
    assert_eq!(
        s.script_and_args(),
        (
            "run_script.py".into(),
            vec!["/script/b.py".into(), "--k".into()]
        )
    );
}

#[test]
fn a_thread_sanitizer_build_is_never_measured() {
    let yaml = DEFAULT_YAML.replace(
        "variants: [stock, t, j]\n  # The release",
        "variants: [tsan]\n  # The release",
    );
    let plan = crate::plan::build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
    let gil = settings_from(&args("gil"), &cfg(), &suite())
        .unwrap()
        .remove(0)
        .benchmark;
    let default = select_interpreters(&plan, &gil, &[], "3.13", false).unwrap();
    assert!(
        default.interpreters.iter().all(|i| i.name != "3.14tsan"),
        "not in a default matrix"
    );
    let e = select_interpreters(
        &plan,
        &gil,
        &["3.13".into(), "3.14tsan".into()],
        "3.13",
        true,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("3.14tsan is a ThreadSanitizer build")
            && e.contains("ext --tsan")
            && e.contains("(3.14t)"),
        "{e}"
    );
    let e = select_interpreters(&plan, &gil, &["3.14tsan -X gil=1".into()], "3.13", true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("(3.14t)"), "{e}");
}
