//! The ext flow through a fake engine: compiles write modules, imports are
//! judged, a failed compile skips its checks, the JSON keeps everything.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::commands::test_support::app_on;
use crate::docker::fake::{exited, FakeEngine};
use crate::docker::{ContainerOutput, ContainerSpec, DockerError};

/// What gcc and check_import.py would do for each container of the matrix.
fn toolchain(spec: &ContainerSpec) -> Result<ContainerOutput, DockerError> {
    let cmd = spec.cmd.join(" ");
    if spec.cmd[0] == "sh" {
        // gcc ... -o /out/NAME: the fake compiler writes NAME into the /out mount,
        // except the JIT build of greeter_threaded, which fails to compile.
        let name = cmd.rsplit("/out/").next().unwrap();
        if name == "3.13-greeter_threaded_jit.so" {
            return Ok(exited(1, "", "greeter_threaded.c:3: error: expected ';'\n"));
        }
        let out = spec.mounts.iter().find(|m| m.container == "/out").unwrap();
        std::fs::write(std::path::Path::new(&out.host).join(name), b"\x7fELF").unwrap();
        return Ok(exited(0, "", ""));
    }
    // check_import.py --module M --path /ext/NAME, run by the interpreter under test.
    let path = cmd.rsplit("/ext/").next().unwrap();
    let free_threaded = spec.cmd[0].ends_with('t');
    let built_t = path.contains("_threaded") && !path.contains("jit") && !path.contains("stock")
        || path.contains("_ft");
    let line = if free_threaded != built_t {
        r#"{"imported":false,"error":{"type":"ABIMismatch","message":"built for another ABI"}}"#
            .to_string()
    } else {
        let forced_off = spec.env.iter().any(|(k, v)| k == "PYTHON_GIL" && v == "0");
        let single_phase = path.contains("threaded_v1");
        let gil_after = !free_threaded || (single_phase && !forced_off);
        format!(
            r#"{{"imported":true,"greet":"Hello, pybench!","gil_before":{},"gil_after":{gil_after},"warnings":[]}}"#,
            !free_threaded
        )
    };
    Ok(exited(
        if line.contains("\"imported\":true") {
            0
        } else {
            1
        },
        &format!("PYBENCH_RESULT {line}\n"),
        "",
    ))
}

/// `ext ARGS…` as the command line would give it.
pub(crate) fn ext_args(args: &[&str]) -> ExtArgs {
    use clap::Parser;
    let argv = ["pybench-docker", "ext"].iter().chain(args);
    match crate::cli::Cli::try_parse_from(argv).unwrap().command {
        crate::cli::Command::Ext(a) => *a,
        _ => unreachable!("an ext command line"),
    }
}

fn job(app: &App, out: &std::path::Path, json: Option<std::path::PathBuf>) -> ModuleJob {
    let mut args = ext_args(&["--out", out.to_str().unwrap()]);
    args.json = json;
    match prepare(&args, &app.plan, &app.project).unwrap() {
        ExtJob::Modules(job) => job,
        _ => unreachable!("the greeters are modules"),
    }
}

#[tokio::test]
async fn the_greeter_matrix_compiles_imports_and_judges() {
    let engine: Arc<FakeEngine> = FakeEngine::new(toolchain);
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let app = app_on(engine.clone(), cache.path());
    let json = out.path().join("ext.json");
    let mut job = job(&app, &out.path().join("modules"), Some(json.clone()));
    job.html = Some(out.path().join("site"));
    let staging = cache.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let matrix = compile_and_check(&app, &job, &staging, Duration::from_secs(9))
        .await
        .unwrap();
    let (log, results) = (&matrix.compiles, &matrix.checks);

    assert_eq!(log.len(), 6, "two sources for each of three builds");
    let failed: Vec<&str> = log
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.compile.output.as_str())
        .collect();
    assert_eq!(failed, vec!["3.13-greeter_threaded_jit.so"]);
    assert!(log.iter().any(|c| c.log.contains("expected ';'")));

    // The checks of the module that did not compile ran no container.
    let skipped: Vec<&CheckResult> = results.iter().filter(|r| !r.compiled).collect();
    assert!(!skipped.is_empty());
    assert!(skipped
        .iter()
        .all(|r| r.verdict == "not compiled" && !r.passed));
    let containers = engine.runs().len();
    assert_eq!(containers, log.len() + results.len() - skipped.len());

    // Every check whose module compiled did what the tutorial says.
    for r in results.iter().filter(|r| r.compiled) {
        assert!(
            r.passed,
            "{} in {}: {}",
            r.check.output, r.check.interpreter, r.verdict
        );
    }
    let reenabled = results
        .iter()
        .find(|r| r.check.output.ends_with("greeter_threaded_v1.so") && r.check.env.is_empty())
        .unwrap();
    assert_eq!(reenabled.verdict, "GIL re-enabled, with warning");

    // Presenting: the JSON has every compile and check, and the exit says how many failed.
    let e = present(&job, &matrix).unwrap_err().to_string();
    assert!(
        e.contains(&format!("{} extension check(s) failed", skipped.len() + 1)),
        "{e}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        (&doc["kind"], &doc["schema"]),
        (&"ext-matrix".into(), &1.into())
    );
    assert_eq!(doc["compiles"].as_array().unwrap().len(), 6);
    assert_eq!(doc["checks"].as_array().unwrap().len(), results.len());
    // What was written reads back as what was found.
    let back = crate::results::load(&json).unwrap();
    assert!(matches!(back, crate::results::ResultDoc::ExtMatrix(m) if m == matrix));
    // --html: the page of that JSON, written before the failure is reported.
    let site = out.path().join("site");
    assert_eq!(
        std::fs::read(site.join("data/ext.json")).unwrap(),
        std::fs::read(&json).unwrap()
    );
    let page = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(page.contains("<h2>ext · import matrix</h2>"), "{page}");
    assert!(page.contains("<th>3.13t PYTHON_GIL=0</th>"));
    assert!(page.contains("expected &#39;;&#39;"));
}

#[tokio::test]
async fn compiles_run_in_the_builder_image_and_imports_in_the_runtime_image() {
    let engine = FakeEngine::new(toolchain);
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let app = app_on(engine.clone(), cache.path());
    let job = job(&app, &out.path().join("m"), None);
    let staging = cache.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    compile_and_check(&app, &job, &staging, Duration::from_secs(9))
        .await
        .unwrap();
    for spec in engine.runs() {
        let gcc = spec.cmd[0] == "sh";
        assert_eq!(spec.image.contains("/builder:"), gcc, "{}", spec.image);
        let out_mount = spec.mounts.iter().find(|m| m.container == "/out");
        // Only a compile may write, and only into the staging folder.
        assert_eq!(out_mount.is_some_and(|m| !m.read_only), gcc);
        assert!(spec
            .mounts
            .iter()
            .filter(|m| m.container != "/out")
            .all(|m| m.read_only));
    }
}

#[test]
fn output_inside_the_sources_is_refused_before_anything_runs() {
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(FakeEngine::new(toolchain), cache.path());
    let out = app.project.c_extension().join("out");
    let args = ext_args(&["--out", out.to_str().unwrap()]);
    let e = prepare(&args, &app.plan, &app.project)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("inside the source folder"), "{e}");
}

#[test]
fn tsan_is_refused_for_the_greeters_and_single_files() {
    let cache = tempfile::tempdir().unwrap();
    let app = app_on(FakeEngine::new(toolchain), cache.path());
    let e = prepare(&ext_args(&["--tsan"]), &app.plan, &app.project)
        .err()
        .unwrap()
        .to_string();
    assert!(e.starts_with("--tsan is for packages"), "{e}");
}

#[test]
fn on_several_engines_each_writes_its_own_files() {
    let job = ExtJob::Modules(ModuleJob {
        source_dir: "/src".into(),
        compiles: vec![],
        checks: vec![],
        out_dir: "/out".into(),
        json: Some("/r/ext.json".into()),
        html: Some("/site".into()),
        timeout: None,
    });
    let ExtJob::Modules(m) = job.for_engine("laptop") else {
        panic!("still a module job")
    };
    assert_eq!(m.out_dir, std::path::PathBuf::from("/out/laptop"));
    assert_eq!(m.json, Some("/r/ext.laptop.json".into()));
    assert_eq!(m.html, Some("/site/laptop".into()));
    assert_eq!(m.source_dir, std::path::PathBuf::from("/src"));
}
