//! The build's inputs as text: Dockerfiles with their marked lines filled in,
//! build arguments, labels and the hash of everything an image depends on. Pure.

use std::collections::HashMap;

use crate::plan::{short_hash, Plan, ReleaseImages, VariantBuild};

/// Label holding the hash of everything an image was built from.
pub const BUILD_HASH_LABEL: &str = "pybench-docker.build-hash";

/// The Dockerfile of a release image with its marked lines filled in. Pure.
pub fn render_release_dockerfile(
    template: &str,
    release: &ReleaseImages,
) -> Result<String, String> {
    let stages: Vec<String> = release
        .variants
        .iter()
        .map(|v| format!("FROM {} AS cpython-{}", v.image, v.variant.key()))
        .collect();
    let copies: Vec<String> = release
        .variants
        .iter()
        .flat_map(|v| {
            let stage = format!("cpython-{}", v.variant.key());
            [
                format!("COPY --from={stage} {0} {0}", v.prefix),
                format!("COPY --from={stage} /usr/local/bin/ /usr/local/bin/"),
            ]
        })
        .collect();
    let mut out = String::new();
    let (mut saw_stages, mut saw_copies) = (false, false);
    for line in template.lines() {
        match line.trim() {
            "# @stages" => {
                saw_stages = true;
                out.push_str(&stages.join("\n"));
            }
            "# @copies" => {
                saw_copies = true;
                out.push_str(&copies.join("\n"));
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    if !(saw_stages && saw_copies) {
        return Err(
            "a release Dockerfile template must contain the lines `# @stages` and `# @copies`"
                .into(),
        );
    }
    Ok(out)
}

/// The whole Dockerfile of a release's `pythons` or `builder` image (`kind`,
/// on `base`): its variants' stages and copies, then its labels, the build
/// `hash` among them. Pure.
pub fn release_dockerfile(
    template: &str,
    release: &ReleaseImages,
    (kind, base): (&str, &str),
    hash: &str,
) -> Result<String, String> {
    let rendered = render_release_dockerfile(template, release)?;
    let mut labels = release_labels(release, kind, hash);
    labels.insert("pybench-docker.base".into(), base.to_string());
    Ok(with_labels(&rendered, &labels))
}

/// The variant Dockerfile with its identity (`3.13.15-t-quick`) filled in as
/// the default of its first build argument: its first step, unique. Pure.
pub fn render_variant_dockerfile(template: &str, v: &VariantBuild) -> Result<String, String> {
    let id = v.image.rsplit(':').next().unwrap_or(&v.image);
    let marker = "PYBENCH_DOCKER_BUILD=@build-id";
    if template.matches(marker).count() != 1 {
        return Err(format!(
            "cpython.Dockerfile must declare `ARG {marker}` once, as the first step of the variant's stage"
        ));
    }
    let filled = template.replace(marker, &format!("PYBENCH_DOCKER_BUILD=\"{id}\""));
    let mut out = with_steps_before_build(&filled, v);
    out.push_str(&option_checks(v));
    Ok(out)
}

/// The options' own steps (`before_build`) right after the instruction that
/// declares the build's arguments, so they can read them; the template as it
/// is for the variants without any, so their Dockerfiles stay as they were. Pure.
fn with_steps_before_build(dockerfile: &str, v: &VariantBuild) -> String {
    let steps: String = v.variant.options().filter_map(|o| o.before_build).collect();
    if steps.is_empty() {
        return dockerfile.to_string();
    }
    let mut out = String::new();
    let mut in_args = false;
    for line in dockerfile.lines() {
        out.push_str(line);
        out.push('\n');
        in_args |= line.contains("PYBENCH_DOCKER_BUILD=");
        if in_args && !line.trim_end().ends_with('\\') {
            in_args = false;
            out.push('\n');
            out.push_str(&steps);
        }
    }
    out
}

/// The steps that check the installed interpreter has each option the
/// template does not check itself (it checks free threading and the JIT):
/// nothing for the variants the template knows, so their Dockerfiles stay
/// as they were. Pure.
fn option_checks(v: &VariantBuild) -> String {
    v.variant
        .options()
        .filter_map(|o| o.check.map(|check| (o.words, check)))
        .map(|(words, check)| {
            format!(
                "\n# Fail here, not in a benchmark, if configure quietly left out the {words} build.\nRUN {} -c '{check}'\n",
                v.command
            )
        })
        .collect()
}

/// Build arguments of one variant's build. Pure.
pub fn variant_build_args(v: &VariantBuild, sha256: &str, jobs: u32) -> HashMap<String, String> {
    HashMap::from([
        ("BUILDER_BASE".into(), v.builder_base.clone()),
        ("PYTHON_VERSION".into(), v.version.to_string()),
        ("PYTHON_SHA256".into(), sha256.to_string()),
        ("PREFIX".into(), v.prefix.clone()),
        ("EXE_SUFFIX".into(), v.variant.suffix().to_string()),
        ("CONFIGURE_FLAGS".into(), v.configure_flags.join(" ")),
        ("PROFILE_FLAGS".into(), v.profile_flags.join(" ")),
        ("MAKE_JOBS".into(), jobs.to_string()),
    ])
}

/// The Dockerfile templates that define the images, `dockerfiles/<kind>.Dockerfile`:
/// `cpython` for each variant, `pythons` and `builder` for each release.
pub const TEMPLATE_KINDS: [&str; 3] = ["builder", "cpython", "pythons"];

/// Hash of everything a release's final images depend on: the release, its
/// bases and the text of each template, given as `(kind, text)` pairs in
/// [`TEMPLATE_KINDS`] order. Pure.
pub fn build_hash(
    plan: &Plan,
    release: &ReleaseImages,
    source_sha256: &str,
    templates: &[(&str, String)],
) -> String {
    let builder_base = plan
        .builder_bases
        .iter()
        .find(|b| b.image == release.builder_base);
    let plan_json =
        serde_json::to_string(&(builder_base, &plan.runtime_base, release)).unwrap_or_default();
    let mut parts = vec![plan_json.as_str(), source_sha256];
    for (kind, text) in templates {
        parts.extend([*kind, text.as_str()]);
    }
    short_hash(&parts)
}

pub fn release_labels(release: &ReleaseImages, kind: &str, hash: &str) -> HashMap<String, String> {
    let mut labels = HashMap::from([
        (
            "org.opencontainers.image.title".to_string(),
            format!("pybench-docker {kind} {}", release.version),
        ),
        (
            "org.opencontainers.image.description".to_string(),
            match kind {
                "pythons" => {
                    "CPython stock, free-threaded and JIT builds for benchmarking".to_string()
                }
                _ => "Compilers and CPython builds for compiling C extensions".to_string(),
            },
        ),
        (
            "org.opencontainers.image.version".to_string(),
            release.version.to_string(),
        ),
        (
            "org.opencontainers.image.vendor".to_string(),
            "pybench-docker".to_string(),
        ),
        (BUILD_HASH_LABEL.to_string(), hash.to_string()),
        (
            "pybench-docker.source-sha256".to_string(),
            release.variants[0].sha256.clone(),
        ),
    ]);
    for v in &release.variants {
        labels.insert(
            format!("pybench-docker.variant.{}.configure-flags", v.variant.key()),
            v.configure_flags.join(" "),
        );
        labels.insert(
            format!("pybench-docker.variant.{}.prefix", v.variant.key()),
            v.prefix.clone(),
        );
    }
    labels
}

/// The Dockerfile with every label in one final `LABEL` instruction, sorted.
/// The classic builder turns each build-option label into a step of its own,
/// and each step is a layer commit (seconds apiece on fuse-overlayfs). Pure.
pub fn with_labels(dockerfile: &str, labels: &HashMap<String, String>) -> String {
    if labels.is_empty() {
        return dockerfile.to_string();
    }
    let mut out = dockerfile.trim_end().to_string();
    out.push_str("\n\n");
    out.push_str(&label_instruction(labels));
    out.push('\n');
    out
}

/// `LABEL a="1" \ b="2"`, sorted, values quoted. Pure.
fn label_instruction(labels: &HashMap<String, String>) -> String {
    let mut pairs: Vec<(&String, &String)> = labels.iter().collect();
    pairs.sort();
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let lines: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", k, quote(v)))
        .collect();
    format!("LABEL {}", lines.join(" \\\n      "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::plan::build_plan;
    use std::path::Path;

    /// The project's `dockerfiles/<kind>.Dockerfile`.
    fn dockerfile_template(kind: &str) -> String {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("dockerfiles/{kind}.Dockerfile"));
        std::fs::read_to_string(path).unwrap()
    }

    fn plan() -> Plan {
        build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap()
    }

    #[test]
    fn labels_become_one_sorted_instruction_at_the_end() {
        let labels = HashMap::from([
            ("b.two".to_string(), "say \"hi\"".to_string()),
            ("a.one".to_string(), "x y".to_string()),
        ]);
        let out = with_labels("FROM base\nRUN true\n", &labels);
        assert_eq!(
            out,
            "FROM base\nRUN true\n\nLABEL a.one=\"x y\" \\\n      b.two=\"say \\\"hi\\\"\"\n"
        );
        assert_eq!(with_labels("FROM x\n", &HashMap::new()), "FROM x\n");
    }

    #[test]
    fn release_dockerfile_copies_every_variant() {
        let template = dockerfile_template("pythons");
        let out = render_release_dockerfile(&template, &plan().releases[0]).unwrap();
        assert!(out.contains("FROM pybench-docker/cpython:3.13.15-stock-quick AS cpython-stock\n"));
        assert!(out.contains("FROM pybench-docker/cpython:3.13.15-t-quick AS cpython-t\n"));
        assert!(out.contains("COPY --from=cpython-t /opt/python/3.13.15-t /opt/python/3.13.15-t\n"));
        assert!(out.contains("COPY --from=cpython-j /usr/local/bin/ /usr/local/bin/\n"));
        assert!(!out.contains("@stages") && !out.contains("@copies"));
        // The variant stages come before the final FROM, which is the base.
        let last_from = out.lines().rfind(|l| l.starts_with("FROM ")).unwrap();
        assert_eq!(last_from, "FROM ${RUNTIME_BASE}");
    }

    #[test]
    fn variant_dockerfile_starts_with_a_unique_literal_step() {
        let template = dockerfile_template("cpython");
        let p = plan();
        let rendered: Vec<String> = p
            .variant_builds()
            .map(|v| render_variant_dockerfile(&template, v).unwrap())
            .collect();
        for (r, id) in
            rendered
                .iter()
                .zip(["3.13.15-stock-quick", "3.13.15-t-quick", "3.13.15-j-quick"])
        {
            // The first instruction after the variant's FROM declares its
            // identity, literally; no LABEL step anywhere.
            let lines: Vec<&str> = r.lines().collect();
            let variant_from = lines.iter().rposition(|l| l.starts_with("FROM ")).unwrap();
            assert_eq!(lines[variant_from], "FROM configure-cache");
            let first = lines[variant_from + 1..]
                .iter()
                .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .unwrap();
            assert_eq!(*first, format!("ARG PYBENCH_DOCKER_BUILD=\"{id}\" \\"));
            assert!(!lines.iter().any(|l| l.starts_with("LABEL ")));
            assert!(!r.contains("=@build-id"));
        }
        let v = p.variant_builds().next().unwrap();
        assert!(render_variant_dockerfile("FROM x\n", v).is_err());
    }

    #[test]
    fn an_option_the_template_does_not_check_gets_a_check_step() {
        let yaml = DEFAULT_YAML.replace(
            "variants: [stock, t, j]\n  # The release",
            "variants: [stock, c]\n  # The release",
        );
        let p = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        let template = dockerfile_template("cpython");
        let c = p.variant_builds().find(|v| v.name == "3.14c").unwrap();
        let out = render_variant_dockerfile(&template, c).unwrap();
        assert!(out.ends_with("RUN python3.14c -c 'import sysconfig; h = set(open(sysconfig.get_config_h_filename()).read().splitlines()); assert h & {\"#define Py_TAIL_CALL_INTERP 1\", \"#define _Py_TAIL_CALL_INTERP 1\"}, \"the tail-calling interpreter is not built in\"'\n"), "{out}");
        let stock = p.variant_builds().find(|v| v.name == "3.14").unwrap();
        assert!(!render_variant_dockerfile(&template, stock)
            .unwrap()
            .contains("Py_TAIL_CALL_INTERP"));
        let args = variant_build_args(c, &c.sha256, 2);
        assert_eq!(args["EXE_SUFFIX"], "c");
        assert_eq!(
            args["CONFIGURE_FLAGS"],
            "--with-tail-call-interp CC=/usr/lib/llvm-19/bin/clang LLVM_AR=/usr/lib/llvm-19/bin/llvm-ar LLVM_PROFDATA=/usr/lib/llvm-19/bin/llvm-profdata --cache-file=/dev/null"
        );
    }

    #[test]
    fn the_thread_sanitizer_build_brings_its_suppressions_and_images_of_its_own() {
        let yaml = DEFAULT_YAML.replace(
            "variants: [stock, t, j]\n  # The release",
            "variants: [tsan]\n  # The release",
        );
        let p = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        let template = dockerfile_template("cpython");
        let tsan = p.variant_builds().find(|v| v.name == "3.14tsan").unwrap();
        let out = render_variant_dockerfile(&template, tsan).unwrap();
        // After the arguments, before the build step: the suppressions of
        // this source, and TSAN_OPTIONS for the interpreter make runs.
        let args = out.find("MAKE_JOBS=2\n").unwrap();
        let steps = out
            .find("/Tools/tsan/suppressions_free_threading.txt")
            .unwrap();
        let env = out
            .find("ENV TSAN_OPTIONS=\"suppressions=${PREFIX}/share/tsan/")
            .unwrap();
        let build = out.find("./configure \\\n        --cache-file=/usr/src/config.cache \\\n        --build=\"$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)\" \\\n        --prefix").unwrap();
        assert!(args < steps && steps < env && env < build, "{out}");
        assert!(out.ends_with("RUN python3.14tsan -c 'import sysconfig; assert \"-fsanitize=thread\" in sysconfig.get_config_var(\"CFLAGS\"), \"ThreadSanitizer is not built in\"'\n"), "{out}");
        let args = variant_build_args(tsan, &tsan.sha256, 2);
        assert_eq!(args["EXE_SUFFIX"], "tsan");
        assert_eq!(
            args["CONFIGURE_FLAGS"],
            "--disable-gil --with-thread-sanitizer CC=/usr/lib/llvm-19/bin/clang LLVM_AR=/usr/lib/llvm-19/bin/llvm-ar LLVM_PROFDATA=/usr/lib/llvm-19/bin/llvm-profdata --cache-file=/dev/null"
        );
        assert_eq!(tsan.prefix, "/opt/python/3.14.7-tsan");
        assert_eq!(tsan.image, "pybench-docker/cpython:3.14.7-tsan-quick");
        let release = &p.releases[1];
        assert_eq!(release.builder, "pybench-docker/builder:3.14.7-tsan");
        assert_eq!(release.pythons, "pybench-docker/pythons:3.14.7-tsan");
        // The toolchain base of 3.14's JIT, with TSan's runtime library.
        let default = build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap();
        let base = |p: &crate::plan::Plan, image: &str| {
            p.builder_bases
                .iter()
                .find(|b| b.image == image)
                .unwrap()
                .packages
                .clone()
        };
        let (jit, tsan_base) = (
            base(&default, &default.releases[1].builder_base),
            base(&p, &release.builder_base),
        );
        let added: Vec<&String> = tsan_base.iter().filter(|x| !jit.contains(x)).collect();
        assert_eq!(added, ["libclang-rt-19-dev"]);
        assert_eq!(jit.len() + 1, tsan_base.len());
        // The other variants render as they did.
        let t = default
            .variant_builds()
            .find(|v| v.name == "3.14t")
            .unwrap();
        assert!(!render_variant_dockerfile(&template, t)
            .unwrap()
            .contains("tsan"));
    }

    /// The options of each `./configure` call in the template, one a line.
    fn configure_calls(dockerfile: &str) -> Vec<Vec<String>> {
        dockerfile
            .split("./configure \\\n")
            .skip(1)
            .map(|call| {
                call.lines()
                    .map(|l| l.split(" >").next().unwrap())
                    .map(|l| l.trim().trim_end_matches(['\\', ';', ' ']))
                    .take_while(|l| l.starts_with("--") || l.starts_with("${"))
                    .map(String::from)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_configure_cache_is_made_with_the_variants_options() {
        let dockerfile = dockerfile_template("cpython");
        let calls = configure_calls(&dockerfile);
        assert_eq!(calls.len(), 2, "{calls:?}");
        assert!(calls.iter().all(|c| c.len() >= 5), "{calls:?}");
        let (cache, variant) = (&calls[0], &calls[1]);
        // The variant's own prefix and flags aside, the same options: the
        // answers in the cache are the ones its configure would find.
        let shared: Vec<&String> = variant
            .iter()
            .filter(|o| !o.starts_with("--prefix") && *o != "${CONFIGURE_FLAGS}")
            .collect();
        let cache_shared: Vec<&String> =
            cache.iter().filter(|o| *o != "${PROFILE_FLAGS}").collect();
        assert_eq!(cache_shared, shared);
        assert!(cache.contains(&"${PROFILE_FLAGS}".to_string()));
        assert!(shared.contains(&&"--cache-file=/usr/src/config.cache".to_string()));
        assert!(dockerfile.contains(&format!("AS {}\n", super::super::CONFIGURE_CACHE_STAGE)));
    }

    #[test]
    fn source_trees_are_unpacked_into_the_volume_not_the_layers() {
        let template = dockerfile_template("cpython");
        // Declared in the first stage, so the variant stage (FROM it) has it too.
        let volume_at = template.find("\nVOLUME /usr/src/python\n").unwrap();
        let first_run = template.find("\nRUN ").unwrap();
        assert!(volume_at < first_run);
        let directories: Vec<&str> = template
            .split("--directory ")
            .skip(1)
            .map(|rest| rest.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(directories, ["/usr/src/python", "/usr/src/python"]);
        // Removing the mount point itself would fail the step.
        assert!(!template.contains("rm -rf /usr/src/python"));
    }

    #[test]
    fn template_without_markers_is_an_error() {
        assert!(render_release_dockerfile("FROM x\n", &plan().releases[0]).is_err());
    }

    #[test]
    fn variant_args_name_everything_the_dockerfile_uses() {
        let p = plan();
        let t = p.variant_builds().find(|v| v.variant.key() == "t").unwrap();
        let args = variant_build_args(t, &t.sha256, 2);
        let dockerfile = dockerfile_template("cpython");
        // ARG instructions, continuation lines joined; the identity is the
        // template's own default, not an argument.
        let joined = dockerfile.replace("\\\n", " ");
        let declared: Vec<&str> = joined
            .lines()
            .filter_map(|l| l.strip_prefix("ARG "))
            .flat_map(str::split_whitespace)
            .map(|a| a.split('=').next().unwrap())
            .filter(|a| *a != "PYBENCH_DOCKER_BUILD")
            .collect();
        assert!(declared.len() >= 7, "{declared:?}");
        for name in declared {
            assert!(args.contains_key(name), "{name} not passed");
        }
        assert_eq!(args["CONFIGURE_FLAGS"], "--disable-gil");
        assert_eq!(args["EXE_SUFFIX"], "t");
        assert_eq!(args["PREFIX"], "/opt/python/3.13.15-t");
    }

    #[test]
    fn build_hash_follows_plan_and_templates() {
        let templates = |cpython: &str| {
            TEMPLATE_KINDS.map(|k| (k, if k == "cpython" { cpython } else { k }.to_string()))
        };
        let p = plan();
        let r = &p.releases[0];
        let a = build_hash(&p, r, "", &templates("FROM a"));
        assert_eq!(a, build_hash(&p, r, "", &templates("FROM a")));
        assert_ne!(a, build_hash(&p, r, "", &templates("FROM b")));
        // Text moving from one template to another is a change too.
        let moved = [("builder", "x".into()), ("cpython", String::new())];
        let back = [("builder", String::new()), ("cpython", "x".into())];
        assert_ne!(build_hash(&p, r, "", &moved), build_hash(&p, r, "", &back));
        let yaml = DEFAULT_YAML.replace("profile: quick", "profile: release");
        let q = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        assert_ne!(a, build_hash(&q, &q.releases[0], "", &templates("FROM a")));
        // Each release has its own hash, and a change to one leaves the other's.
        assert_ne!(a, build_hash(&p, &p.releases[1], "", &templates("FROM a")));
        let yaml = DEFAULT_YAML.replace(
            "variants: [stock, t, j]\n  # The release",
            "variants: [t]\n  # The release",
        );
        let fewer = build_plan(&parse(&yaml, &Source::Embedded).unwrap()).unwrap();
        assert_eq!(fewer.releases[1].variants.len(), 1);
        assert_eq!(
            a,
            build_hash(&fewer, &fewer.releases[0], "", &templates("FROM a"))
        );
        // An own source's content is part of its hash.
        assert_ne!(a, build_hash(&p, r, "0123", &templates("FROM a")));
        assert_ne!(
            build_hash(&p, &p.releases[1], "", &templates("FROM a")),
            build_hash(&fewer, &fewer.releases[1], "", &templates("FROM a"))
        );
    }
}
