//! Which release images a command needs, derived from what it runs: `run`,
//! `info` and `run uops` the runtime image (`pythons`) of each selected
//! interpreter's release; `ext` the runtime and builder images of every
//! release (it compiles in one and imports in the other); `build` all. Only
//! these are built, checked or carried to an engine. Pure.

use super::{Interpreter, Plan, ReleaseImages};

/// One of a release's two images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ImageKind {
    /// `pybench-docker/pythons:<tag>`: the runtime base and every variant.
    Pythons,
    /// `pybench-docker/builder:<tag>`: the builder base and every variant.
    Builder,
}

impl ImageKind {
    pub const BOTH: [ImageKind; 2] = [ImageKind::Pythons, ImageKind::Builder];

    /// `pythons` or `builder`: the template and the stage's name.
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Pythons => "pythons",
            ImageKind::Builder => "builder",
        }
    }

    /// This kind's image of `release`.
    pub fn of(self, release: &ReleaseImages) -> &str {
        match self {
            ImageKind::Pythons => &release.pythons,
            ImageKind::Builder => &release.builder,
        }
    }
}

/// The release images a command needs: (release tag, kind), in plan order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Needs {
    wanted: Vec<(String, ImageKind)>,
}

impl Needs {
    /// Every image of every release: what `build` makes.
    pub fn everything(plan: &Plan) -> Needs {
        Needs::of(plan, |_| ImageKind::BOTH.to_vec())
    }

    /// The runtime image of each interpreter's release (the distro python
    /// runs in the first release's).
    pub fn runtime_of(plan: &Plan, interpreters: &[Interpreter]) -> Needs {
        Needs::of(plan, |r| {
            match interpreters.iter().any(|i| i.image == r.pythons) {
                true => vec![ImageKind::Pythons],
                false => vec![],
            }
        })
    }

    /// Both images of each interpreter's release.
    pub fn runtime_and_builder_of(plan: &Plan, interpreters: &[Interpreter]) -> Needs {
        Needs::of(plan, |r| {
            match interpreters.iter().any(|i| i.image == r.pythons) {
                true => ImageKind::BOTH.to_vec(),
                false => vec![],
            }
        })
    }

    fn of(plan: &Plan, kinds: impl Fn(&ReleaseImages) -> Vec<ImageKind>) -> Needs {
        let wanted = plan
            .releases
            .iter()
            .flat_map(|r| kinds(r).into_iter().map(|k| (r.tag.clone(), k)))
            .collect();
        Needs { wanted }
    }

    /// Both sets, in plan order.
    pub fn and(&self, other: &Needs, plan: &Plan) -> Needs {
        Needs::of(plan, |r| {
            ImageKind::BOTH
                .into_iter()
                .filter(|k| self.wants(r, *k) || other.wants(r, *k))
                .collect()
        })
    }

    pub fn wants(&self, release: &ReleaseImages, kind: ImageKind) -> bool {
        self.wanted.contains(&(release.tag.clone(), kind))
    }

    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// The image names, in plan order.
    #[cfg(test)]
    pub fn images(&self, plan: &Plan) -> Vec<String> {
        plan.releases
            .iter()
            .flat_map(|r| {
                ImageKind::BOTH
                    .into_iter()
                    .filter(|k| self.wants(r, *k))
                    .map(|k| k.of(r).to_string())
            })
            .collect()
    }

    /// The plan cut down to the releases needed and the builder bases they
    /// use: what a build of these images has to make.
    pub fn narrow(&self, plan: &Plan) -> Plan {
        let releases: Vec<ReleaseImages> = plan
            .releases
            .iter()
            .filter(|r| ImageKind::BOTH.iter().any(|k| self.wants(r, *k)))
            .cloned()
            .collect();
        Plan {
            builder_bases: plan
                .builder_bases
                .iter()
                .filter(|b| releases.iter().any(|r| r.builder_base == b.image))
                .cloned()
                .collect(),
            runtime_base: plan.runtime_base.clone(),
            releases,
            interpreters: plan.interpreters.clone(),
        }
    }

    /// The variant stages the needed releases are built from: an engine
    /// that holds them rebuilds through its layer cache in seconds.
    pub fn stages(&self, plan: &Plan) -> Vec<String> {
        self.narrow(plan)
            .variant_builds()
            .map(|v| v.image.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Source, DEFAULT_YAML};
    use crate::plan::build_plan;

    fn plan() -> Plan {
        build_plan(&parse(DEFAULT_YAML, &Source::Embedded).unwrap()).unwrap()
    }

    fn chosen(plan: &Plan, names: &[&str]) -> Vec<Interpreter> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        plan.select(&names).unwrap().into_iter().cloned().collect()
    }

    #[test]
    fn a_run_needs_the_runtime_image_of_its_interpreters_releases_only() {
        let plan = plan();
        let needs = Needs::runtime_of(&plan, &chosen(&plan, &["3.14", "3.14t"]));
        assert_eq!(needs.images(&plan), ["pybench-docker/pythons:3.14.7"]);
        // The distro python runs in the first release's runtime image.
        let needs = Needs::runtime_of(&plan, &chosen(&plan, &["system", "3.14t -X gil=1"]));
        assert_eq!(
            needs.images(&plan),
            [
                "pybench-docker/pythons:3.13.15",
                "pybench-docker/pythons:3.14.7"
            ]
        );
        assert!(Needs::runtime_of(&plan, &[]).is_empty());
    }

    #[test]
    fn ext_needs_both_images_and_build_everything() {
        let plan = plan();
        let all: Vec<Interpreter> = plan.interpreters.clone();
        let ext = Needs::runtime_and_builder_of(&plan, &all);
        assert_eq!(ext, Needs::everything(&plan));
        assert_eq!(
            ext.images(&plan),
            [
                "pybench-docker/pythons:3.13.15",
                "pybench-docker/builder:3.13.15",
                "pybench-docker/pythons:3.14.7",
                "pybench-docker/builder:3.14.7"
            ]
        );
        let one = Needs::runtime_and_builder_of(&plan, &chosen(&plan, &["3.13t"]));
        assert_eq!(
            one.images(&plan),
            [
                "pybench-docker/pythons:3.13.15",
                "pybench-docker/builder:3.13.15"
            ]
        );
        let both = one.and(&Needs::runtime_of(&plan, &chosen(&plan, &["3.14"])), &plan);
        assert_eq!(both.images(&plan).len(), 3);
    }

    #[test]
    fn the_narrowed_plan_builds_only_the_needed_releases_on_their_own_toolchain() {
        let plan = plan();
        let needs = Needs::runtime_of(&plan, &chosen(&plan, &["3.14t"]));
        let narrow = needs.narrow(&plan);
        let tags: Vec<&str> = narrow.releases.iter().map(|r| r.tag.as_str()).collect();
        assert_eq!(tags, ["3.14.7"]);
        let bases: Vec<String> = narrow.bases().map(|b| b.label()).collect();
        assert_eq!(bases, ["builder-llvm19", "runtime"]);
        assert_eq!(
            needs.stages(&plan),
            [
                "pybench-docker/cpython:3.14.7-stock-quick",
                "pybench-docker/cpython:3.14.7-t-quick",
                "pybench-docker/cpython:3.14.7-j-quick"
            ]
        );
        assert_eq!(Needs::everything(&plan).narrow(&plan), plan);
    }
}
