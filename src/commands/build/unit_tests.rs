//! The pure parts of the build: stage contexts, hashes, the order and number of builds.

use super::*;
use crate::config::{parse, Source, DEFAULT_YAML};
use crate::plan::build_plan;
use std::io::Read;

fn plan() -> Plan {
    build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap()
}

/// (name, content) of every entry of a context tar.
fn entries(c: &ContextBuilder) -> Vec<(String, Vec<u8>)> {
    let bytes = c.to_bytes(false).unwrap();
    let mut archive = tar::Archive::new(bytes.as_slice());
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        out.push((entry.path().unwrap().display().to_string(), content));
    }
    out
}

#[test]
fn stage_contexts_hold_exactly_the_dockerfile_and_the_tarball() {
    let dir = tempfile::TempDir::new().unwrap();
    let tarball = dir.path().join("Python-3.13.15.tar.xz");
    std::fs::write(&tarball, b"xz bytes").unwrap();
    let variant = stage_context(
        "cpython.rendered.Dockerfile",
        "FROM a\n".into(),
        Some(&tarball),
    )
    .unwrap();
    assert_eq!(
        entries(&variant),
        vec![
            (
                "cpython.rendered.Dockerfile".to_string(),
                b"FROM a\n".to_vec()
            ),
            ("source.tar".to_string(), b"xz bytes".to_vec()),
        ]
    );
    let release = stage_context("pythons.rendered.Dockerfile", "FROM b\n".into(), None).unwrap();
    assert_eq!(
        entries(&release),
        vec![(
            "pythons.rendered.Dockerfile".to_string(),
            b"FROM b\n".to_vec()
        )]
    );
    // Built twice, a context is byte for byte the same: the layer cache holds.
    let again = stage_context(
        "cpython.rendered.Dockerfile",
        "FROM a\n".into(),
        Some(&tarball),
    )
    .unwrap();
    assert_eq!(
        variant.to_bytes(false).unwrap(),
        again.to_bytes(false).unwrap()
    );
}

#[test]
fn hash_follows_the_templates_and_nothing_else_in_the_folder() {
    let dir = tempfile::TempDir::new().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    for kind in TEMPLATE_KINDS {
        write(&format!("{kind}.Dockerfile"), &format!("FROM {kind}\n"));
    }
    write("README.md", "notes");
    let p = plan();
    let first = expected_hashes(&p, dir.path(), &Sources::new()).unwrap();

    write("README.md", "other notes");
    write("scratch.Dockerfile", "FROM unused\n");
    assert_eq!(
        expected_hashes(&p, dir.path(), &Sources::new()).unwrap(),
        first
    );

    for kind in TEMPLATE_KINDS {
        write(&format!("{kind}.Dockerfile"), "FROM changed\n");
        assert_ne!(
            expected_hashes(&p, dir.path(), &Sources::new()).unwrap(),
            first,
            "{kind}"
        );
        write(&format!("{kind}.Dockerfile"), &format!("FROM {kind}\n"));
    }
    assert_eq!(
        expected_hashes(&p, dir.path(), &Sources::new()).unwrap(),
        first
    );

    std::fs::remove_file(dir.path().join("builder.Dockerfile")).unwrap();
    let msg = expected_hashes(&p, dir.path(), &Sources::new())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("builder.Dockerfile"), "{msg}");
}

#[test]
fn the_project_has_every_template() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dockerfiles");
    expected_hashes(&plan(), &dir, &Sources::new()).unwrap();
}

#[test]
fn jit_builds_start_first_then_free_threaded_ones() {
    use crate::config::{parse, yaml_with_315, Source};
    let plan =
        crate::plan::build_plan(&parse(&yaml_with_315(), &Source::Embedded).unwrap()).unwrap();
    let order: Vec<String> = longest_first(plan.variant_builds().collect())
        .iter()
        .map(|v| v.label())
        .collect();
    assert_eq!(
        order,
        ["3.15tj", "3.13j", "3.14j", "3.15j", "3.13t", "3.14t", "3.15t", "3.13", "3.14", "3.15"]
    );
}

#[test]
fn one_build_per_cpu_at_most() {
    assert_eq!(builds_in_flight(2, 3), 2);
    assert_eq!(builds_in_flight(8, 3), 3);
    assert_eq!(builds_in_flight(1, 3), 1);
    assert_eq!(builds_in_flight(0, 0), 1);
}
