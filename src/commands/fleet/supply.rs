//! How each engine gets the release images: it has them, they are carried
//! from an engine that has them (`docker save` streamed into `docker load`
//! through the API, much faster than compiling CPython again), or they are
//! built there. The choice is pure; carrying is one streamed transfer.

use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;

use crate::docker::{DockerError, Engine};

/// What one engine has of the images a command needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holdings {
    /// The needed images it lacks, or holds from another plan.
    pub missing: Vec<String>,
    /// Whether it holds the variant stages those images are built from, so
    /// that a build there is all layer-cache hits (an engine the images were
    /// carried to holds none).
    pub stages: bool,
    /// The engine's architecture (`x86_64`, `aarch64`): images carry only
    /// to an engine of the same one.
    pub arch: String,
}

impl Holdings {
    /// Every needed image present, built from this plan.
    pub fn fresh(&self) -> bool {
        self.missing.is_empty()
    }
}

/// How an engine gets its images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supply {
    Ready,
    /// Built on this engine, with its own layer cache.
    Build,
    /// Carried from engine `from`, once that one has them.
    Carry {
        from: usize,
    },
}

/// Per engine (`None`: unreachable, takes no part): ready when fresh; else
/// carried from a fresh engine of its architecture; else the first engine of
/// that architecture builds and the others are carried from it. With
/// `rebuild` (the `build` command), a fresh engine that holds its stages
/// builds too, through its layer cache, as a check that says what it did;
/// one the images were carried to stays ready (a build there would compile
/// everything again). Pure.
pub fn plan(engines: &[Option<Holdings>], rebuild: bool) -> Vec<Option<Supply>> {
    let mut out: Vec<Option<Supply>> = Vec::with_capacity(engines.len());
    for e in engines {
        let Some(e) = e else {
            out.push(None);
            continue;
        };
        let same_arch = |j: &usize| engines[*j].as_ref().is_some_and(|o| o.arch == e.arch);
        let fresh = |j: &usize| engines[*j].as_ref().is_some_and(Holdings::fresh);
        let supply = if e.fresh() {
            match rebuild && e.stages {
                true => Supply::Build,
                false => Supply::Ready,
            }
        } else if let Some(from) = (0..engines.len()).filter(same_arch).find(fresh) {
            Supply::Carry { from }
        } else {
            match (0..out.len())
                .filter(same_arch)
                .find(|j| out[*j] == Some(Supply::Build))
            {
                Some(from) => Supply::Carry { from },
                None => Supply::Build,
            }
        };
        out.push(Some(supply));
    }
    out
}

/// What a carry moved and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Carried {
    pub bytes: u64,
    pub seconds: f64,
}

/// Streams `images` from `from` into `to` and checks that `to` now holds
/// each under the same image id.
pub async fn carry(
    from: &dyn Engine,
    to: &dyn Engine,
    images: &[String],
) -> Result<Carried, DockerError> {
    let started = Instant::now();
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    let tarball = from
        .export_images(images)
        .inspect(move |chunk| {
            if let Ok(c) = chunk {
                counter.fetch_add(c.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
        })
        .boxed();
    to.load_images(tarball).await?;
    for image in images {
        let want = from.inspect_image(image).await?.map(|f| f.id);
        let got = to.inspect_image(image).await?.map(|f| f.id);
        if want.is_none() || want != got {
            return Err(DockerError::Other(format!(
                "{image} did not arrive intact: image id {} here, {} on the engine it came from. Run the command again; if it persists, build on that engine (`pybench-docker --engine NAME build`).",
                got.as_deref().unwrap_or("missing"),
                want.as_deref().unwrap_or("missing")
            )));
        }
    }
    Ok(Carried {
        bytes: sent.load(std::sync::atomic::Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::fake::{exited, FakeEngine};

    fn holdings(fresh: bool, arch: &str) -> Option<Holdings> {
        Some(Holdings {
            missing: match fresh {
                true => vec![],
                false => vec!["ns/pythons:3.13.15".into()],
            },
            stages: fresh,
            arch: arch.into(),
        })
    }

    #[test]
    fn fresh_engines_are_ready_and_others_carry_from_one_of_their_architecture() {
        let engines = [
            holdings(false, "x86_64"),
            holdings(true, "x86_64"),
            None,
            holdings(false, "aarch64"),
            holdings(false, "aarch64"),
            holdings(false, "x86_64"),
        ];
        assert_eq!(
            plan(&engines, false),
            [
                Some(Supply::Carry { from: 1 }),
                Some(Supply::Ready),
                None,
                Some(Supply::Build),
                Some(Supply::Carry { from: 3 }),
                Some(Supply::Carry { from: 1 }),
            ]
        );
        assert_eq!(
            plan(&[holdings(true, "x86_64")], false),
            [Some(Supply::Ready)]
        );
        assert_eq!(
            plan(&[None, holdings(false, "x86_64")], false),
            [None, Some(Supply::Build)]
        );
    }

    #[test]
    fn the_build_command_checks_fresh_engines_that_built_their_images_themselves() {
        let carried_here = Some(Holdings {
            stages: false,
            ..holdings(true, "x86_64").unwrap()
        });
        let engines = [
            holdings(true, "x86_64"),
            carried_here,
            holdings(false, "x86_64"),
        ];
        assert_eq!(
            plan(&engines, true),
            [
                Some(Supply::Build),
                Some(Supply::Ready),
                Some(Supply::Carry { from: 0 }),
            ]
        );
        assert_eq!(
            plan(&engines, false),
            [
                Some(Supply::Ready),
                Some(Supply::Ready),
                Some(Supply::Carry { from: 0 }),
            ]
        );
    }

    fn fake() -> Arc<FakeEngine> {
        FakeEngine::new(|_| Ok(exited(0, "", "")))
    }

    #[tokio::test]
    async fn carrying_loads_every_image_under_the_same_id() {
        let (from, to) = (fake(), fake());
        from.add_image(
            "ns/pythons:3.13.15",
            &[("pybench-docker.build-hash", "abc")],
        );
        from.add_image("ns/builder:3.13.15", &[]);
        let images = [
            "ns/pythons:3.13.15".to_string(),
            "ns/builder:3.13.15".into(),
        ];
        let carried = carry(from.as_ref(), to.as_ref(), &images).await.unwrap();
        assert!(carried.bytes > 0);
        assert_eq!(to.loads(), vec![images.to_vec()]);
        let arrived = to
            .inspect_image("ns/pythons:3.13.15")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            arrived,
            from.inspect_image("ns/pythons:3.13.15")
                .await
                .unwrap()
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_image_the_source_lacks_fails_the_carry_with_its_name() {
        let (from, to) = (fake(), fake());
        let e = carry(from.as_ref(), to.as_ref(), &["ns/pythons:9.9".to_string()])
            .await
            .unwrap_err();
        assert!(e.to_string().contains("ns/pythons:9.9"), "{e}");
        assert!(to.loads().is_empty());
    }
}
