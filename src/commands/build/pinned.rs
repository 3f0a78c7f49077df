//! The rendered build inputs of every existing variant, pinned byte for byte
//! (`tests/fixtures/build/rendered.txt`): the variant and configure-cache
//! Dockerfiles with their build arguments, and each release's `pythons` and
//! `builder` Dockerfiles with their labels and build hash. Images built
//! before a change to how builds are described stay valid (the layer cache
//! hits, the build hash matches) only while these stay the same. A change
//! made on purpose is written with `PYBENCH_PIN_UPDATE=1 cargo test --bin
//! pybench-docker pinned` and shows in the diff of that file.

use std::fmt::Write as _;
use std::path::Path;

use super::render::{
    build_hash, release_dockerfile, render_variant_dockerfile, variant_build_args, TEMPLATE_KINDS,
};
use crate::config::{parse, yaml_with_315, Source};
use crate::plan::{build_plan, ImageKind, Plan};

fn template(kind: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("dockerfiles/{kind}.Dockerfile"));
    std::fs::read_to_string(path).unwrap()
}

/// Everything the engine is sent to build `plan`'s images, as text.
fn rendered(plan: &Plan) -> String {
    let templates: Vec<(&str, String)> = TEMPLATE_KINDS.iter().map(|k| (*k, template(k))).collect();
    let cpython = template("cpython");
    let mut out = String::new();
    for release in &plan.releases {
        for v in &release.variants {
            let mut args: Vec<_> = variant_build_args(v, &v.sha256, 2).into_iter().collect();
            args.sort();
            writeln!(out, "==== variant {} → {}", v.name, v.image).unwrap();
            for (k, val) in args {
                writeln!(out, "arg {k}={val}").unwrap();
            }
            out.push_str(&render_variant_dockerfile(&cpython, v).unwrap());
        }
        writeln!(out, "==== configure cache {}", release.configure_cache).unwrap();
        let hash = build_hash(plan, release, "", &templates);
        for kind in ImageKind::BOTH {
            let base = match kind {
                ImageKind::Pythons => &plan.runtime_base.image,
                ImageKind::Builder => &release.builder_base,
            };
            writeln!(
                out,
                "==== {} {} (base {base})",
                kind.name(),
                kind.of(release)
            )
            .unwrap();
            let text = template(kind.name());
            out.push_str(&release_dockerfile(&text, release, (kind.name(), base), &hash).unwrap());
        }
    }
    out
}

#[test]
fn rendered_build_inputs_of_the_existing_variants_are_pinned() {
    let plan = build_plan(&parse(&yaml_with_315(), &Source::Embedded).unwrap()).unwrap();
    let got = rendered(&plan);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build/rendered.txt");
    if std::env::var_os("PYBENCH_PIN_UPDATE").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let pinned = std::fs::read_to_string(&path).unwrap();
    // Line by line first, so a failure names the first line that moved.
    for (i, (a, b)) in pinned.lines().zip(got.lines()).enumerate() {
        assert_eq!(a, b, "line {} of {} changed", i + 1, path.display());
    }
    assert_eq!(pinned, got);
}
