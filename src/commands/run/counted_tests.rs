//! `run --measure instructions` through a fake engine: the layer built once
//! per runtime image, offline, on demand; every process started under
//! Callgrind in it, with the window's environment.

use super::*;
use crate::cli::{MeasureArg, RunArgs};
use crate::commands::test_support::app_on;
use crate::docker::fake::{exited, FakeEngine};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};

/// What the harness prints under Callgrind: instructions per loop and cycles.
fn counted_stdout(_: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
    let line = r#"PYBENCH_RESULT {"schema":2,"kind":"gil","benchmarks":[{"name":"gil","loops":1,"values":[1000.0,1001.0],"warmups":[1002.0],"unit":"instructions","cycles":[1500.0,1501.0],"counts":[{"Ir":1000},{"Ir":1001}],"window_overhead":{"Ir":2125},"cycle_weights":{"l1_hit":1,"ll_hit":5,"ram_hit":35}}]}"#;
    Ok(exited(0, &format!("{line}\n"), ""))
}

#[tokio::test]
async fn counted_processes_run_under_callgrind_in_a_layer_built_once_per_image() {
    let engine = FakeEngine::new(counted_stdout);
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(engine.clone(), cache.path());
    let cfg = &app.config.base;
    let tools = valgrind_layer::tools_base(&app.config.images.namespace, &cfg.suite, &cfg.mirror);
    engine.add_image(&tools.image, &[]);
    let mut images: Vec<String> = app
        .plan
        .interpreters
        .iter()
        .map(|i| i.image.clone())
        .collect();
    images.dedup();
    for image in &images {
        engine.add_image(image, &[]);
    }
    let args = RunArgs {
        benchmark: Some("gil".into()),
        threads: vec![1],
        processes: Some(2),
        measure: MeasureArg::Instructions,
        band: Some(1.0),
        ..RunArgs::default()
    };
    let job = prepare(&args, &app.config, &app.plan, &app.project.benchmarks())
        .unwrap()
        .remove(0);
    let (report, interrupted) = measure(&app, &job, &Default::default()).await.unwrap();
    assert!(!interrupted);
    // One layer per runtime image, with the network off.
    let builds = engine.builds();
    assert_eq!(builds.len(), images.len());
    for b in &builds {
        assert!(!b.request.network);
        assert!(b.request.tag.contains("-callgrind-"), "{}", b.request.tag);
        assert_eq!(b.request.build_args["TOOLS"], tools.image);
        assert!(b.dockerfile.contains("callgrind-amd64-linux"));
    }
    for spec in engine.runs() {
        assert!(spec.image.contains("-callgrind-"), "{}", spec.image);
        assert_eq!(&spec.cmd[..2], ["valgrind", "--tool=callgrind"]);
        let env: std::collections::BTreeMap<_, _> = spec.env.iter().cloned().collect();
        assert_eq!(env["PYBENCH_MEASURE"], "instructions");
        assert_eq!(env["PYTHONHASHSEED"], "0");
    }
    assert_eq!(report.measure, crate::results::Measure::Instructions);
    assert_eq!(report.unit.as_deref(), Some("instructions"));
    assert_eq!(report.band, Some(0.01));
    let row = &report.rows[0];
    assert_eq!(row.command[0], "valgrind");
    // The row keeps the build of the image the layer was made from.
    for row in report.rows.iter().filter(|r| r.interpreter != "system") {
        let built = job.interpreters.iter().find(|i| i.name == row.interpreter);
        let build = app.plan.identity_of(built.unwrap());
        assert!(build.is_some(), "{}", row.interpreter);
        assert_eq!(row.build, build, "{}", row.interpreter);
        assert!(row.configure_flags.is_some(), "{}", row.interpreter);
    }
    let sample = &row.samples[0];
    assert_eq!(sample.values, [1000.0, 1001.0]);
    assert_eq!(sample.cycles, [1500.0, 1501.0]);
    let counts = sample.counts.as_ref().unwrap();
    assert_eq!(counts.window_overhead["Ir"], 2125);
    assert_eq!(counts.windows.len(), 2);
}

#[test]
fn the_band_comes_from_the_flag_else_the_config_else_ten_percent() {
    use crate::config::{parse, Source};
    let cfg = parse("benchmarks: {band: 2.5}\n", &Source::Embedded).unwrap();
    let benchmarks = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks");
    let catalogs = settings::Catalogs::load(&benchmarks).unwrap();
    let band = |flag: Option<f64>, cfg: &crate::config::Config| {
        let args = RunArgs {
            benchmark: Some("jit".into()),
            band: flag,
            ..RunArgs::default()
        };
        settings::settings_from(&args, cfg, &catalogs).unwrap()[0].band
    };
    assert_eq!(band(None, &cfg), Some(0.025));
    assert_eq!(band(Some(1.0), &cfg), Some(0.01));
    let builtin = parse(crate::config::DEFAULT_YAML, &Source::Embedded).unwrap();
    assert_eq!(band(None, &builtin), None);
    let e = parse("benchmarks: {band: 0}\n", &Source::Embedded).unwrap_err();
    assert!(e.to_string().contains("band"), "{e}");
}
