//! The plan expanded from the built-in config and variations of it.

use super::*;
use crate::config::{parse, Source, DEFAULT_YAML};

fn default_plan() -> Plan {
    build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap()
}

#[test]
fn versions_parse() {
    let v = PyVersion::parse("3.15.0rc2").unwrap();
    assert_eq!((v.major, v.minor, v.patch), (3, 15, 0));
    assert_eq!(v.pre.as_deref(), Some("rc2"));
    assert_eq!(v.to_string(), "3.15.0rc2");
    assert_eq!(PyVersion::parse("3.13.15").unwrap().major_minor(), "3.13");
    for bad in ["3.13", "3.13.x", "3.13.1zz", "2.7.18", "3.13.1rc", ""] {
        assert!(PyVersion::parse(bad).is_err(), "{bad}");
    }
}

/// The default config with 3.15.0rc2 (every variant) uncommented.
fn with_315() -> Plan {
    let yaml = crate::config::yaml_with_315();
    build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap()
}

fn names(list: &[&Interpreter]) -> Vec<String> {
    list.iter().map(|i| i.name.clone()).collect()
}

#[test]
fn default_plan_has_the_tutorial_matrix_for_each_version() {
    let plan = default_plan();
    let names: Vec<_> = plan.interpreters.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "system",
            "3.13",
            "3.13t",
            "3.13t -X gil=1",
            "3.13j",
            "3.13j PYTHON_JIT=0",
            "3.14",
            "3.14t",
            "3.14t -X gil=1",
            "3.14j",
            "3.14j PYTHON_JIT=0"
        ]
    );
    let gil = plan
        .interpreters
        .iter()
        .find(|i| i.name == "3.14t -X gil=1")
        .unwrap();
    assert_eq!(gil.argv, ["python3.14t", "-X", "gil=1"]);
    assert_eq!(gil.image, "pybench-docker/pythons:3.14.7");
    let off = plan
        .interpreters
        .iter()
        .find(|i| i.name == "3.13j PYTHON_JIT=0")
        .unwrap();
    assert_eq!(off.env.get("PYTHON_JIT").map(String::as_str), Some("0"));
    assert_eq!(off.image, "pybench-docker/pythons:3.13.15");
    assert_eq!(plan.interpreters[0].argv, ["/usr/bin/python3"]);
    assert_eq!(plan.interpreters[0].image, "pybench-docker/pythons:3.13.15");
}

#[test]
fn variant_builds_have_prefixes_flags_and_images() {
    let plan = default_plan();
    let builds: Vec<_> = plan.variant_builds().collect();
    assert_eq!(builds.len(), 6);
    let t = builds
        .iter()
        .find(|b| b.variant == Variant::FREE_THREADED)
        .unwrap();
    assert_eq!(t.prefix, "/opt/python/3.13.15-t");
    assert_eq!(t.command, "python3.13t");
    assert_eq!(t.config_command, "python3.13t-config");
    assert_eq!(t.configure_flags, ["--disable-gil"]);
    assert_eq!(t.image, "pybench-docker/cpython:3.13.15-t-quick");
    let stock = builds.iter().find(|b| b.variant == Variant::STOCK).unwrap();
    assert_eq!(stock.prefix, "/opt/python/3.13.15");
    assert!(stock.configure_flags.is_empty());
}

#[test]
fn release_profile_adds_pgo_and_lto() {
    let yaml = DEFAULT_YAML.replace("profile: quick", "profile: release");
    let plan = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
    let j = plan
        .variant_builds()
        .find(|b| b.variant == Variant::JIT)
        .unwrap();
    assert_eq!(
        j.configure_flags,
        [
            "--enable-experimental-jit",
            "--enable-optimizations",
            "--with-lto"
        ]
    );
    assert_eq!(j.image, "pybench-docker/cpython:3.13.15-j-release");
}

#[test]
fn each_version_builds_in_the_base_of_its_own_llvm() {
    let plan = with_315();
    let labels: Vec<_> = plan.bases().map(|b| b.label()).collect();
    assert_eq!(
        labels,
        [
            "builder-llvm18",
            "builder-llvm19",
            "builder-llvm21",
            "runtime"
        ]
    );
    for (release, llvm) in plan.releases.iter().zip([18, 19, 21]) {
        let base = plan
            .builder_bases
            .iter()
            .find(|b| b.image == release.builder_base)
            .unwrap();
        assert_eq!(base.llvm, Some(llvm));
        assert!(base.packages.contains(&format!("clang-{llvm}")));
        assert!(base.packages.contains(&format!("llvm-{llvm}")));
        assert!(base
            .image
            .starts_with(&format!("pybench-docker/base:builder-llvm{llvm}-trixie-")));
        assert!(release
            .variants
            .iter()
            .all(|v| v.builder_base == base.image));
        // LLVM 21 is in trixie-backports only.
        let backports = (llvm == 21).then(|| "trixie-backports".to_string());
        assert_eq!(base.extra_suites, backports.into_iter().collect::<Vec<_>>());
    }
    assert!(!plan
        .runtime_base
        .packages
        .iter()
        .any(|p| p.starts_with("clang")));
}

#[test]
fn adding_a_version_leaves_the_others_untouched() {
    let before = default_plan();
    let after = with_315();
    assert_eq!(before.releases[..], after.releases[..2]);
    assert_eq!(before.builder_bases[..], after.builder_bases[..2]);
    assert_eq!(before.runtime_base, after.runtime_base);
    // A version without a JIT variant needs no LLVM: the plain builder.
    let yaml = DEFAULT_YAML.replace(
        "  # The release candidate",
        "  - version: 3.15.0rc2\n    sha256: 8d93af5eaaaea5adfd41bd786a7ba3f03f2ad1ab57c6a65e0b963deab91d5ad7\n    variants: [t]\n  # The release candidate",
    );
    let plain = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
    assert_eq!(plain.builder_bases[2].label(), "builder");
    assert!(!plain.builder_bases[2]
        .packages
        .iter()
        .any(|p| p.contains("llvm")));
    assert_eq!(plain.releases[..2], before.releases[..]);
}

#[test]
fn base_tag_changes_with_packages_only() {
    let a = default_plan();
    let b = default_plan();
    assert_eq!(a.builder_bases, b.builder_bases);
    let yaml = DEFAULT_YAML.replace("    - tzdata\n", "");
    let c = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
    assert_ne!(a.runtime_base.image, c.runtime_base.image);
    assert_eq!(a.builder_bases, c.builder_bases);
}

#[test]
fn variants_the_version_cannot_build_are_refused_before_building() {
    let v = PyVersion::parse("3.15.0rc2").unwrap();
    assert!(validate_variant(&v, Variant::JIT, "trixie").is_ok());
    assert!(validate_variant(&v, Variant::FREE_THREADED_JIT, "trixie").is_ok());
    let e = validate_variant(&v, Variant::JIT, "bookworm").unwrap_err();
    assert!(e.contains("LLVM 21") && e.contains("bookworm"), "{e}");
    let v314 = PyVersion::parse("3.14.7").unwrap();
    assert!(validate_variant(&v314, Variant::JIT, "trixie").is_ok());
    let e = validate_variant(&v314, Variant::FREE_THREADED_JIT, "trixie").unwrap_err();
    assert!(e.contains("configure refuses"), "{e}");
    let v313 = PyVersion::parse("3.13.15").unwrap();
    let e = validate_variant(&v313, Variant::FREE_THREADED_JIT, "trixie").unwrap_err();
    assert!(e.contains("never runs"), "{e}");
    let old = PyVersion::parse("3.12.7").unwrap();
    assert!(validate_variant(&old, Variant::FREE_THREADED, "trixie").is_err());
    // The error reaches the user from the config, before anything starts.
    let yaml = DEFAULT_YAML.replace(
        "  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [stock, t, j]",
        "  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [stock, tj]",
    );
    let e = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap_err();
    assert!(e.contains("3.14.7 cannot have the tj variant"), "{e}");
}

#[test]
fn free_threaded_jit_gets_both_switches() {
    let plan = with_315();
    let tj: Vec<_> = plan
        .interpreters
        .iter()
        .filter(|i| i.variant == Some(Variant::FREE_THREADED_JIT))
        .collect();
    assert_eq!(
        names(&tj),
        ["3.15tj", "3.15tj -X gil=1", "3.15tj PYTHON_JIT=0"]
    );
    assert_eq!(tj[0].argv, ["python3.15tj"]);
    let build = plan
        .variant_builds()
        .find(|b| b.variant == Variant::FREE_THREADED_JIT)
        .unwrap();
    assert_eq!(
        build.configure_flags,
        ["--disable-gil", "--enable-experimental-jit"]
    );
    assert_eq!(build.prefix, "/opt/python/3.15.0rc2-tj");
}

#[test]
fn default_matrices_span_the_versions() {
    let plan = default_plan();
    assert_eq!(
        names(&plan.default_interpreters(Selection::Gil)),
        ["system", "3.13", "3.13t", "3.14", "3.14t", "3.14t -X gil=1"]
    );
    assert_eq!(
        names(&plan.default_interpreters(Selection::Jit)),
        [
            "system",
            "3.13",
            "3.13j",
            "3.14",
            "3.14j",
            "3.14j PYTHON_JIT=0"
        ]
    );
    let plan = with_315();
    let gil = names(&plan.default_interpreters(Selection::Gil));
    assert!(gil.contains(&"3.15tj".to_string()), "{gil:?}");
    assert!(gil.contains(&"3.15t -X gil=1".to_string()), "{gil:?}");
    assert!(!gil.contains(&"3.14t -X gil=1".to_string()), "{gil:?}");
    let jit = names(&plan.default_interpreters(Selection::Jit));
    assert!(jit.contains(&"3.15tj".to_string()), "{jit:?}");
    assert!(jit.contains(&"3.15j PYTHON_JIT=0".to_string()), "{jit:?}");
    assert!(!jit.contains(&"3.15t".to_string()), "{jit:?}");
}

#[test]
fn per_version_each_build_meets_its_own_stock() {
    let plan = default_plan();
    let gil = plan.default_interpreters(Selection::Gil);
    assert_eq!(
        per_version_baselines(&gil).unwrap(),
        ["3.13", "3.13", "3.13", "3.14", "3.14", "3.14"]
    );
    let without = plan.select(&["system".into(), "3.14t".into()]).unwrap();
    let e = per_version_baselines(&without).unwrap_err();
    assert!(e.contains("no stock build"), "{e}");
    let without = plan.select(&["3.13".into(), "3.14t".into()]).unwrap();
    let e = per_version_baselines(&without).unwrap_err();
    assert!(
        e.contains("compares 3.14t with its version's stock build"),
        "{e}"
    );
}

#[test]
fn each_configuration_knows_its_build_and_configure_flags() {
    let plan = default_plan();
    let flags = |name: &str| {
        let i = plan.interpreters.iter().find(|i| i.name == name).unwrap();
        plan.variant_build_of(i)
            .map(|v| v.configure_flags.join(" "))
    };
    assert_eq!(flags("system"), None);
    assert_eq!(flags("3.13").as_deref(), Some(""));
    assert_eq!(flags("3.13t").as_deref(), Some("--disable-gil"));
    assert_eq!(flags("3.13t -X gil=1").as_deref(), Some("--disable-gil"));
    assert_eq!(
        flags("3.14j PYTHON_JIT=0").as_deref(),
        Some("--enable-experimental-jit")
    );
    // Each version's own build, not the first with that variant.
    let t14 = plan
        .interpreters
        .iter()
        .find(|i| i.name == "3.14t")
        .unwrap();
    assert_eq!(plan.variant_build_of(t14).unwrap().name, "3.14t");
}

#[test]
fn select_by_name_normalises_and_rejects_unknown() {
    let plan = default_plan();
    let got = plan
        .select(&[
            "3.13".into(),
            "3.13T  -x GIL=1".into(),
            "3.13t-X-gil-1".into(),
        ])
        .unwrap();
    assert_eq!(got.len(), 2);
    let e = plan.select(&["3.12".into()]).unwrap_err();
    assert!(e.contains("unknown interpreter \"3.12\""), "{e}");
    assert!(e.contains("\"3.13t -X gil=1\""), "{e}");
}

#[test]
fn select_by_pattern() {
    let plan = default_plan();
    let got = plan.select(&["3.14*".into()]).unwrap();
    assert_eq!(
        names(&got),
        [
            "3.14",
            "3.14t",
            "3.14t -X gil=1",
            "3.14j",
            "3.14j PYTHON_JIT=0"
        ]
    );
    let got = plan
        .select(&["*T".into(), "3.13t".into(), "system".into()])
        .unwrap();
    assert_eq!(names(&got), ["3.13t", "3.14t", "system"]);
    let got = plan.select(&["3.1?j".into()]).unwrap();
    assert_eq!(names(&got), ["3.13j", "3.14j"]);
    let e = plan.select(&["3.15*".into()]).unwrap_err();
    assert!(e.contains("no interpreter matches \"3.15*\""), "{e}");
    let e = plan.select(&["3.1[".into()]).unwrap_err();
    assert!(e.contains("not a valid pattern"), "{e}");
}

/// The default config with 3.14's variants `variants`.
fn with_314_variants(variants: &str) -> Result<Plan, String> {
    let yaml = DEFAULT_YAML.replace(
        "variants: [stock, t, j]\n  # The release",
        &format!("variants: [{variants}]\n  # The release"),
    );
    build_plan(&parse(&yaml, &Source::Embedded).unwrap())
}

#[test]
fn the_tail_calling_build_is_a_variant_like_the_others() {
    let plan = with_314_variants("stock, t, j, c").unwrap();
    let c = plan.variant_builds().find(|b| b.name == "3.14c").unwrap();
    assert_eq!(
        c.configure_flags,
        [
            "--with-tail-call-interp",
            "CC=/usr/lib/llvm-19/bin/clang",
            "LLVM_AR=/usr/lib/llvm-19/bin/llvm-ar",
            "LLVM_PROFDATA=/usr/lib/llvm-19/bin/llvm-profdata",
            "--cache-file=/dev/null"
        ]
    );
    assert_eq!(c.prefix, "/opt/python/3.14.7-c");
    assert_eq!(c.command, "python3.14c");
    assert_eq!(c.image, "pybench-docker/cpython:3.14.7-c-quick");
    // It compiles in the base of 3.14's JIT (clang-19 is there), and has
    // no runtime switch: one configuration.
    assert_eq!(c.builder_base, plan.releases[1].builder_base);
    assert_eq!(plan.builder_bases.len(), 2);
    let names: Vec<_> = plan.interpreters.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("3.14c")).count(), 1);
    // Alone in a release, it still brings its clang.
    let alone = with_314_variants("stock, c").unwrap();
    assert_eq!(alone.builder_bases[1].llvm, Some(19));
    assert_eq!(alone.builder_bases[1].image, plan.builder_bases[1].image);
    // The other variants are as they were.
    let before = default_plan();
    assert_eq!(
        plan.releases[1].variants[..3],
        before.releases[1].variants[..]
    );
    let e = build_plan(
        &parse(
            &DEFAULT_YAML.replacen("variants: [stock, t, j]", "variants: [stock, c]", 1),
            &Source::Embedded,
        )
        .unwrap(),
    )
    .unwrap_err();
    assert!(e.contains("3.13.15 cannot have the c variant"), "{e}");
}

#[test]
fn two_releases_expand_independently() {
    let yaml = DEFAULT_YAML.replace(
        "    variants: [stock, t, j]\n  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [stock, t, j]",
        "    variants: [stock, t, j]\n  - version: 3.14.7\n    sha256: 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81\n    variants: [t]",
    );
    let plan = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
    assert_eq!(plan.releases.len(), 2);
    assert!(plan
        .interpreters
        .iter()
        .any(|i| i.name == "3.14t -X gil=1" && i.image == "pybench-docker/pythons:3.14.7"));
    assert!(!plan.interpreters.iter().any(|i| i.name == "3.14j"));
    assert_eq!(plan.builder_bases.len(), 2);
    assert_eq!(plan.builder_bases[1].llvm, None);
}

#[test]
fn slugs_are_file_safe() {
    let plan = default_plan();
    let slugs: Vec<_> = plan.interpreters.iter().map(|i| i.slug()).collect();
    assert!(slugs.contains(&"3.13t-X-gil-1".to_string()));
    assert!(slugs.contains(&"3.13j-PYTHON-JIT-0".to_string()));
}
