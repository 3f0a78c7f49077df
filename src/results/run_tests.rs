use super::*;

#[test]
fn feature_state_serializes_lowercase_and_displays() {
    for (state, word) in [
        (FeatureState::Enabled, "enabled"),
        (FeatureState::Disabled, "disabled"),
        (FeatureState::Unsupported, "unsupported"),
    ] {
        assert_eq!(
            serde_json::to_string(&state).unwrap(),
            format!("\"{word}\"")
        );
        assert_eq!(state.to_string(), word);
    }
}

#[test]
fn interpreter_info_tolerates_missing_extra_and_null_fields() {
    let json = r#"{
        "implementation": "cpython",
        "version": "3.13.1",
        "cores": null,
        "free_threading": "enabled",
        "gil_enabled": false,
        "something_new": {"nested": [1, 2]}
    }"#;
    let info: InterpreterInfo = serde_json::from_str(json).unwrap();
    assert_eq!(info.implementation, "cpython");
    assert_eq!(info.cores, 0);
    assert_eq!(info.bits, 0);
    assert_eq!(info.free_threading, FeatureState::Enabled);
    assert_eq!(info.jit, FeatureState::Unsupported);
    assert_eq!(info.gil_enabled, Some(false));
}

#[test]
fn outcome_is_tagged_by_status() {
    let failed = Outcome::Failed {
        reason: "exit code 1".into(),
        stderr_tail: "Traceback".into(),
    };
    let json = serde_json::to_value(&failed).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"status": "failed", "reason": "exit code 1", "stderr_tail": "Traceback"})
    );
    let timed_out: Outcome =
        serde_json::from_str(r#"{"status":"timedout","after_seconds":600.0}"#).unwrap();
    assert_eq!(
        timed_out,
        Outcome::TimedOut {
            after_seconds: 600.0
        }
    );
    assert_eq!(timed_out.status(), "timedout");
    let ok: Outcome = serde_json::from_str(r#"{"status":"ok"}"#).unwrap();
    assert!(ok.is_ok());
    assert_eq!(ok.status(), "ok");
}

#[test]
fn script_output_drops_the_machine_line_and_keeps_the_tail() {
    let o = ScriptOutput::capture("a\nPYBENCH_RESULT {}\nb\n", "err\n", "PYBENCH_RESULT");
    assert_eq!(
        (o.stdout.as_str(), o.stderr.as_str(), o.truncated),
        ("a\nb", "err", false)
    );
    let long = "é".repeat(ScriptOutput::LIMIT); // two bytes each
    let o = ScriptOutput::capture(&long, "", "PYBENCH_RESULT");
    assert!(o.truncated && o.stdout.len() <= ScriptOutput::LIMIT);
    assert!(o.stdout.chars().all(|c| c == 'é'));
}

#[test]
fn configure_flags_are_optional_so_older_files_still_read() {
    for recorded in [
        include_str!("../../tests/fixtures/report/gil.json"),
        include_str!("../../tests/fixtures/report/jit-2026-11-22.json"),
        include_str!("../../tests/fixtures/report/jit-2026-12-01.json"),
    ] {
        let report: Report = serde_json::from_str(recorded).unwrap();
        assert!(report.rows.iter().all(|r| r.configure_flags.is_none()));
        // Not recorded: not written either, so the file stays as it was.
        assert!(!serde_json::to_string(&report)
            .unwrap()
            .contains("configure_flags"));
    }
    let mut report: Report =
        serde_json::from_str(include_str!("../../tests/fixtures/report/gil.json")).unwrap();
    report.rows[1].configure_flags = Some(vec![]);
    report.rows[2].configure_flags = Some(vec!["--disable-gil".into()]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["rows"][2]["configure_flags"],
        serde_json::json!(["--disable-gil"])
    );
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn measured_skips_warmup_samples() {
    let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    let sample = |seconds, warmup| Sample::single(seconds, t, t, warmup);
    let row = Row {
        interpreter: "3.13".into(),
        command: vec![],
        env: BTreeMap::new(),
        image: String::new(),
        image_id: String::new(),
        info: None,
        banner: None,
        threads: None,
        samples: vec![sample(9.0, true), sample(1.0, false), sample(2.0, false)],
        outcome: Outcome::Ok,
        baseline: None,
        configure_flags: None,
        build: None,
        source_script: None,
    };
    assert_eq!(row.measured(), vec![1.0, 2.0]);
}
