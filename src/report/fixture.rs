//! A realistic report shared by the renderer tests: five configurations with
//! a baseline, a similar and an improved row, a timeout and a failure.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::results::{
    ContainerSource, FeatureState, Host, InterpreterInfo, Outcome, ProcessMemory, ProcessSource,
    Report, Row, Sample,
};

fn at(second: i64) -> DateTime<Utc> {
    // 2025-06-01T14:03:00Z
    DateTime::<Utc>::from_timestamp(1_748_786_580 + second, 0).unwrap_or_default()
}

fn samples(start: i64, warmup: &[f64], measured: &[f64]) -> Vec<Sample> {
    let mut clock = at(start);
    let runs = warmup.iter().map(|s| (*s, true));
    let runs = runs.chain(measured.iter().map(|s| (*s, false)));
    runs.map(|(seconds, warmup)| {
        let started_at = clock;
        clock += Duration::milliseconds((seconds * 1000.0) as i64);
        Sample::single(seconds, started_at, clock, warmup)
    })
    .collect()
}

fn info(version: &str, abiflags: &str, ft: FeatureState, jit: FeatureState) -> InterpreterInfo {
    InterpreterInfo {
        implementation: "cpython".into(),
        version: version.into(),
        executable: format!("/usr/local/bin/python{}{abiflags}", &version[..4]),
        system: "Linux".into(),
        bits: 64,
        cores: 8,
        machine: "x86_64".into(),
        byteorder: "little".into(),
        abiflags: abiflags.into(),
        free_threading: ft,
        jit,
        gil_enabled: match ft {
            FeatureState::Unsupported => None,
            _ => Some(true),
        },
        ..Default::default()
    }
}

fn row(name: &str, python: &str, flags: &[&str], env: &[(&str, &str)]) -> Row {
    let mut command = vec![python.to_string()];
    command.extend(flags.iter().map(|f| f.to_string()));
    command.extend(["/bench/gil.py", "--threads", "4"].map(String::from));
    Row {
        interpreter: name.into(),
        threads: None,
        command,
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        image: format!(
            "pybench-docker/cpython:{}",
            name.split(' ').next().unwrap_or(name)
        ),
        image_id: format!("sha256:{:0>12}", name.len()),
        info: None,
        banner: None,
        samples: Vec::new(),
        outcome: Outcome::Ok,
        baseline: None,
        configure_flags: None,
        build: None,
        source_script: None,
    }
}

pub(crate) fn report() -> Report {
    use FeatureState::{Disabled, Enabled, Unsupported};

    let mut system = row("system", "python3", &[], &[]);
    system.image = "debian:bookworm-slim".into();
    system.info = Some(info("3.11.2", "", Unsupported, Unsupported));
    system.banner = Some("Python 3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0]".into());
    system.samples = samples(0, &[2.512], &[2.481, 2.455, 2.502, 2.470, 2.466]);

    let mut base = row("3.13", "python3.13", &[], &[]);
    base.info = Some(info("3.13.1", "", Disabled, Unsupported));
    base.samples = samples(20, &[2.398], &[2.371, 2.365, 2.382, 2.359, 2.377]);

    let mut ft = row("3.13t", "python3.13t", &[], &[]);
    let mut ft_info = info("3.13.1", "t", Enabled, Unsupported);
    ft_info.gil_enabled = Some(false);
    ft.info = Some(ft_info);
    ft.samples = samples(40, &[0.731], &[0.712, 0.698, 0.741, 0.705, 0.719]);

    let mut gil = row("3.13t -X gil=1", "python3.13t", &["-X", "gil=1"], &[]);
    gil.info = Some(info("3.13.1", "t", Enabled, Unsupported));
    gil.samples = samples(50, &[], &[2.811]);
    gil.outcome = Outcome::TimedOut {
        after_seconds: 600.0,
    };

    let mut jit = row("3.13j", "python3.13", &[], &[("PYTHON_JIT", "1")]);
    jit.info = Some(info("3.13.1", "", Disabled, Enabled));
    jit.outcome = Outcome::Failed {
        reason: "exit code 139 (SIGSEGV)".into(),
        stderr_tail: "Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f...".into(),
    };

    Report {
        tool_version: "0.1.0".into(),
        session: "20250601-140300-gil".into(),
        benchmark: "gil".into(),
        part_of: None,
        arguments: vec!["--threads".into(), "4".into()],
        baseline: "3.13".into(),
        repeat: 5,
        warmup: 1,
        values: 1,
        warmup_values: 0,
        min_time: 0.1,
        scaling: true,
        host: Host {
            engine: String::new(),
            hostname: String::new(),
            cpus: 8,
            os: "linux".into(),
            arch: "x86_64".into(),
            docker_version: "27.3.1".into(),
        },
        started_at: at(0),
        finished_at: Some(at(700)),
        rows: vec![system, base, ft, gil, jit],
        measure: Default::default(),
        unit: None,
        band: None,
    }
}

pub(crate) const MIB: u64 = 1 << 20;

/// A harness's memory record of one value: `peak` held while it ran, the
/// container `extra` bytes above it (cgroup v1, 4096 MiB limit).
pub(crate) fn memory(peak: u64, extra: u64) -> ProcessMemory {
    ProcessMemory {
        process_source: Some(ProcessSource::ProcStatus),
        process_reset: true,
        container_source: Some(ContainerSource::Cgroup1),
        container_limit: Some(4096 * MIB),
        peak_warmups: vec![],
        peak_values: vec![Some(peak)],
        container_values: vec![Some(peak + extra)],
        rss_start: Some(peak - MIB),
        rss_after_warmups: Some(peak - 4096),
        rss_after_values: Some(peak),
        process_peak: Some(peak),
        container_peak_start: Some(peak - MIB + extra),
        container_peak: Some(peak + extra),
    }
}

/// [`report`] with memory as measured on 3.14 / 3.14t (docs/memory.md): the
/// distro python 10.4 MiB, the stock build 15.5, the free-threaded 19.3, a
/// few pages apart from process to process.
pub(crate) fn report_with_memory() -> Report {
    let mut r = report();
    for row in &mut r.rows {
        let base = match row.interpreter.as_str() {
            "system" => 10.4,
            "3.13" => 15.5,
            _ => 19.3,
        };
        for (i, s) in row.samples.iter_mut().enumerate() {
            let peak = (base * MIB as f64) as u64 + 4096 * (i as u64 % 3);
            s.memory = Some(memory(peak, 6 * MIB));
        }
    }
    r
}
