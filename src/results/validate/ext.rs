//! The rules for `ext`'s and `build`'s files: the greeter matrix, a
//! package's readiness and a build summary. Pure.

use super::{count, maybe, name, names, non_negative, text, texts, At, Checked, Validate};
use crate::results::build::BuildSummary;
use crate::results::ext::{CheckResult, ExtMatrix};
use crate::results::limits;
use crate::results::package::{ExtPackage, PackageResult};
use crate::results::packages::ExtPackages;

impl Validate for ExtMatrix {
    fn validate(&self, at: &At) -> Checked {
        let compiles = at.field("compiles");
        count(&compiles, self.compiles.len(), limits::ENTRIES)?;
        for (i, c) in self.compiles.iter().enumerate() {
            let at = compiles.named(i, &c.compile.output);
            let compile = at.field("compile");
            for (field, value) in [
                ("source", &c.compile.source),
                ("module", &c.compile.module),
                ("build", &c.compile.build),
                ("output", &c.compile.output),
            ] {
                name(&compile.field(field), value)?;
            }
            text(&compile.field("config_command"), &c.compile.config_command)?;
            text(&at.field("log"), &c.log)?;
        }
        let checks = at.field("checks");
        count(&checks, self.checks.len(), limits::ENTRIES)?;
        (self.checks.iter().enumerate())
            .try_for_each(|(i, c)| import_check(&checks.named(i, &c.check.output), c))
    }
}

fn import_check(at: &At, c: &CheckResult) -> Checked {
    let k = &c.check;
    for (field, value) in [
        ("output", &k.output),
        ("module", &k.module),
        ("built_for", &k.built_for),
        ("interpreter", &k.interpreter),
    ] {
        name(&at.field(field), value)?;
    }
    count(&at.field("env"), k.env.len(), limits::ENTRIES)?;
    k.env.iter().try_for_each(|(key, value)| {
        name(&at.field("env"), key)?;
        name(&at.field("env"), value)
    })?;
    maybe(&at.field("greet"), c.greet.as_ref(), text)?;
    maybe(&at.field("error"), c.error.as_ref(), text)?;
    texts(&at.field("warnings"), &c.warnings)?;
    text(&at.field("verdict"), &c.verdict)
}

impl Validate for ExtPackage {
    fn validate(&self, at: &At) -> Checked {
        text(&at.field("package"), &self.package)?;
        names(&at.field("build_requires"), &self.build_requires)?;
        names(&at.field("wheelhouse"), &self.wheelhouse)?;
        let results = at.field("results");
        count(&results, self.results.len(), limits::ENTRIES)?;
        (self.results.iter().enumerate())
            .try_for_each(|(i, r)| package_result(&results.named(i, &r.interpreter), r))
    }
}

impl Validate for ExtPackages {
    fn validate(&self, at: &At) -> Checked {
        names(&at.field("builds"), &self.builds)?;
        let packages = at.field("packages");
        count(&packages, self.packages.len(), limits::ENTRIES)?;
        for (i, p) in self.packages.iter().enumerate() {
            let at = packages.named(i, &p.name);
            name(&at.field("name"), &p.name)?;
            maybe(&at.field("version"), p.version.as_ref(), name)?;
            text(&at.field("source"), &p.source)?;
            name(&at.field("identity"), &p.identity)?;
            names(&at.field("build_requires"), &p.build_requires)?;
            names(&at.field("cached"), &p.cached)?;
            maybe(&at.field("engine"), p.engine.as_ref(), name)?;
            maybe(&at.field("error"), p.error.as_ref(), text)?;
            let results = at.field("results");
            count(&results, p.results.len(), limits::ENTRIES)?;
            (p.results.iter().enumerate())
                .try_for_each(|(i, r)| package_result(&results.named(i, &r.interpreter), r))?;
        }
        Ok(())
    }
}

fn package_result(at: &At, r: &PackageResult) -> Checked {
    name(&at.field("interpreter"), &r.interpreter)?;
    text(&at.field("why"), &r.why)?;
    let build = at.field("build");
    maybe(&build.field("stage"), r.build.stage.as_ref(), name)?;
    // A wheel's name was checked as a plain file name when it was read.
    if let Some(wheel) = &r.build.wheel {
        name(&build.field("wheel"), wheel)?;
    }
    maybe(&build.field("missing"), r.build.missing.as_ref(), name)?;
    names(&build.field("tags"), &r.build.tags)?;
    names(&build.field("modules"), &r.build.modules)?;
    text(&build.field("log"), &r.build.log)?;
    let modules = at.field("modules");
    count(&modules, r.modules.len(), limits::ENTRIES)?;
    for (i, m) in r.modules.iter().enumerate() {
        let at = modules.named(i, &m.module);
        name(&at.field("module"), &m.module)?;
        texts(&at.field("warnings"), &m.warnings)?;
        maybe(&at.field("error"), m.error.as_ref(), text)?;
        maybe(&at.field("missing"), m.missing.as_ref(), name)?;
    }
    if let Some(smoke) = &r.smoke {
        texts(&at.field("smoke").field("errors"), &smoke.errors)?;
        text(&at.field("smoke").field("output"), &smoke.output)?;
    }
    if let Some(graph) = &r.graph {
        let at = at.field("graph");
        names(&at.field("top_level"), &graph.top_level)?;
        count(
            &at.field("extensions"),
            graph.extensions.len(),
            limits::ENTRIES,
        )?;
        names(&at.field("extensions"), &graph.extensions)?;
        maybe(&at.field("reenabled_by"), graph.reenabled_by.as_ref(), name)?;
        maybe(&at.field("error"), graph.error.as_ref(), text)?;
    }
    if let Some(tsan) = &r.tsan {
        tsan_outcome(&at.field("tsan"), tsan)?;
    }
    let Some(tests) = &r.tests else {
        return Ok(());
    };
    let tests_at = at.field("tests");
    for (field, run) in [("plain", &tests.plain), ("parallel", &tests.parallel)] {
        let at = tests_at.field(field);
        non_negative(&at.field("seconds"), run.seconds)?;
        text(&at.field("output"), &run.output)?;
        count(&at.field("failed"), run.failed.len(), limits::ENTRIES)?;
        for f in &run.failed {
            text(&at.field("failed").field("test"), &f.test)?;
            text(&at.field("failed").field("message"), &f.message)?;
        }
    }
    Ok(())
}

impl Validate for BuildSummary {
    fn validate(&self, at: &At) -> Checked {
        non_negative(&at.field("seconds"), self.seconds)?;
        (self.cpu_seconds).map_or(Ok(()), |s| non_negative(&at.field("cpu_seconds"), s))?;
        let stages = at.field("stages");
        count(&stages, self.stages.len(), limits::ENTRIES)?;
        for (i, st) in self.stages.iter().enumerate() {
            let at = stages.named(i, &st.stage);
            name(&at.field("stage"), &st.stage)?;
            name(&at.field("outcome"), &st.outcome)?;
            non_negative(&at.field("seconds"), st.seconds)?;
        }
        let images = at.field("images");
        count(&images, self.images.len(), limits::ENTRIES)?;
        self.images.iter().enumerate().try_for_each(|(i, im)| {
            let at = images.named(i, &im.image);
            name(&at.field("image"), &im.image)?;
            name(&at.field("id"), &im.id)
        })
    }
}

/// ThreadSanitizer's races of `ext --tsan`: names, texts and list sizes
/// within the limits, like every other field.
fn tsan_outcome(at: &At, tsan: &crate::results::TsanOutcome) -> Checked {
    text(&at.field("log"), &tsan.log)?;
    let races = at.field("races");
    count(&races, tsan.races.len(), limits::ENTRIES)?;
    for (i, race) in tsan.races.iter().enumerate() {
        let at = races.named(i, &race.kind);
        name(&at.field("kind"), &race.kind)?;
        text(&at.field("summary"), &race.summary)?;
        maybe(&at.field("location"), race.location.as_ref(), text)?;
        count(&at.field("threads"), race.threads.len(), limits::ENTRIES)?;
        texts(&at.field("threads"), &race.threads)?;
        let accesses = at.field("accesses");
        count(&accesses, race.accesses.len(), limits::ENTRIES)?;
        for (j, access) in race.accesses.iter().enumerate() {
            let at = accesses.named(j, &access.what);
            text(&at.field("what"), &access.what)?;
            name(&at.field("thread"), &access.thread)?;
            let stack = at.field("stack");
            count(&stack, access.stack.len(), limits::ENTRIES)?;
            for (k, frame) in access.stack.iter().enumerate() {
                let at = stack.named(k, &frame.function);
                text(&at.field("function"), &frame.function)?;
                maybe(&at.field("file"), frame.file.as_ref(), text)?;
                text(&at.field("module"), &frame.module)?;
            }
        }
    }
    Ok(())
}
