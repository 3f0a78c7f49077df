//! Which compiles and import checks an `ext` run makes: the tutorial's greeter
//! matrix, or a user's module against every build. Pure.

use crate::plan::{Plan, ReleaseImages, Variant, VariantBuild};
use crate::results::{Compile, Expect, ImportCheck};

fn find(release: &ReleaseImages, v: Variant) -> Option<&VariantBuild> {
    release.variants.iter().find(|b| b.variant == v)
}

fn tutorial_name(source_stem: &str, v: Variant) -> String {
    match (source_stem, v) {
        ("greeter", Variant::STOCK) => "greeter_stock.so".into(),
        ("greeter", Variant::FREE_THREADED) => "greeter_threaded_v1.so".into(),
        ("greeter_threaded", Variant::FREE_THREADED) => "greeter_threaded_v2.so".into(),
        (stem, Variant::STOCK) => format!("{stem}_stock.so"),
        (stem, Variant::FREE_THREADED) => format!("{stem}_ft.so"),
        (stem, Variant::JIT) => format!("{stem}_jit.so"),
        (stem, Variant::FREE_THREADED_JIT) => format!("{stem}_ft_jit.so"),
        (stem, other) => format!("{stem}_{}.so", other.key()),
    }
}

/// The greeter matrix of the tutorial, and more, for one release. Pure.
pub fn greeter_matrix(release: &ReleaseImages) -> (Vec<Compile>, Vec<ImportCheck>) {
    let mm = &release.label;
    let mut compiles = Vec::new();
    for source in ["greeter", "greeter_threaded"] {
        for b in &release.variants {
            compiles.push(Compile {
                source: format!("{source}.c"),
                module: "greeter".into(),
                build: b.label(),
                config_command: b.config_command.clone(),
                output: format!("{}-{}", mm, tutorial_name(source, b.variant)),
            });
        }
    }
    let out = |stem: &str, v: Variant| format!("{}-{}", mm, tutorial_name(stem, v));
    let label = |v: Variant| format!("{mm}{}", v.suffix());
    let mut checks = Vec::new();
    let mut add =
        |stem: &str, built: Variant, loaded: Variant, env: &[(&str, &str)], expect: Expect| {
            checks.push(ImportCheck {
                output: out(stem, built),
                module: "greeter".into(),
                built_for: label(built),
                interpreter: label(loaded),
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                expect,
            })
        };
    for b in &release.variants {
        // Each module in the interpreter whose headers built it.
        let single_phase = if b.variant.is_free_threaded() {
            Expect::GilReenabled
        } else {
            Expect::Works
        };
        add("greeter", b.variant, b.variant, &[], single_phase);
        add("greeter_threaded", b.variant, b.variant, &[], Expect::Works);
    }
    if find(release, Variant::FREE_THREADED).is_some() {
        add(
            "greeter",
            Variant::FREE_THREADED,
            Variant::FREE_THREADED,
            &[("PYTHON_GIL", "0")],
            Expect::Works,
        );
        for other in [Variant::STOCK, Variant::JIT] {
            if find(release, other).is_some() {
                // Default-ABI modules in a free-threaded interpreter, and back.
                add(
                    "greeter",
                    other,
                    Variant::FREE_THREADED,
                    &[],
                    Expect::AbiMismatch,
                );
                add(
                    "greeter_threaded",
                    Variant::FREE_THREADED,
                    other,
                    &[],
                    Expect::AbiMismatch,
                );
            }
        }
    }
    (compiles, checks)
}

/// A user's single-file module against every build, imported by its own build. Pure.
pub fn user_matrix(plan: &Plan, stem: &str, module: &str) -> (Vec<Compile>, Vec<ImportCheck>) {
    let mut compiles = Vec::new();
    let mut checks = Vec::new();
    for release in &plan.releases {
        let mm = &release.label;
        for b in &release.variants {
            let output = format!("{mm}-{}", tutorial_name(stem, b.variant));
            compiles.push(Compile {
                source: format!("{stem}.c"),
                module: module.into(),
                build: b.label(),
                config_command: b.config_command.clone(),
                output: output.clone(),
            });
            checks.push(ImportCheck {
                output,
                module: module.into(),
                built_for: b.label(),
                interpreter: b.label(),
                env: vec![],
                expect: Expect::Imports,
            });
        }
    }
    (compiles, checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::plan::build_plan;

    fn plan() -> Plan {
        build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap()
    }

    #[test]
    fn greeter_matrix_has_the_tutorial_modules_and_checks() {
        let (compiles, checks) = greeter_matrix(&plan().releases[0]);
        let outs: Vec<_> = compiles.iter().map(|c| c.output.as_str()).collect();
        for want in [
            "3.13-greeter_stock.so",
            "3.13-greeter_threaded_v1.so",
            "3.13-greeter_threaded_v2.so",
            "3.13-greeter_jit.so",
        ] {
            assert!(outs.contains(&want), "{want} in {outs:?}");
        }
        let v1 = compiles
            .iter()
            .find(|c| c.output == "3.13-greeter_threaded_v1.so")
            .unwrap();
        assert_eq!(
            (v1.source.as_str(), v1.config_command.as_str()),
            ("greeter.c", "python3.13t-config")
        );
        let find = |out: &str, interp: &str, env: bool| {
            checks
                .iter()
                .find(|k| k.output == out && k.interpreter == interp && k.env.is_empty() != env)
                .unwrap()
                .expect
        };
        assert_eq!(
            find("3.13-greeter_threaded_v1.so", "3.13t", false),
            Expect::GilReenabled
        );
        assert_eq!(
            find("3.13-greeter_threaded_v1.so", "3.13t", true),
            Expect::Works
        );
        assert_eq!(
            find("3.13-greeter_threaded_v2.so", "3.13t", false),
            Expect::Works
        );
        assert_eq!(
            find("3.13-greeter_stock.so", "3.13t", false),
            Expect::AbiMismatch
        );
        assert_eq!(find("3.13-greeter_stock.so", "3.13", false), Expect::Works);
    }

    #[test]
    fn user_matrix_compiles_for_every_build() {
        // Every build of every version: 3.13 and 3.14, stock, t and j.
        let (c, k) = user_matrix(&plan(), "spam", "spam");
        assert_eq!(c.len(), 6);
        assert_eq!(k.len(), 6);
        assert!(c.iter().any(|c| c.config_command == "python3.14t-config"));
        assert!(k
            .iter()
            .all(|k| k.expect == Expect::Imports && k.built_for == k.interpreter));
    }
}
