//! An in-memory [`Engine`] for unit tests: images are a set of names with
//! labels, containers answer through a handler the test supplies, and every
//! request is recorded so a test can check what was asked, in what order.
//! A build creates its tag with the labels of its request and of the
//! Dockerfile's `LABEL` instructions, as a daemon would.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::StreamExt;

use super::{
    BuildEvent, BuildRequest, ByteProgress, ContainerOutput, ContainerSpec, DockerError, Engine,
    HostFacts, ImageFacts, TtySession,
};

/// What a container handler returns for a spec.
pub type Handler = dyn Fn(&ContainerSpec) -> Result<ContainerOutput, DockerError> + Send + Sync;

/// Called with the number of containers started so far, when one starts.
pub type RunHook = dyn Fn(usize) + Send + Sync;

/// One build the fake was asked for: the request, a digest of its context and
/// the Dockerfile the context held under the request's name (empty if none).
#[derive(Debug, Clone)]
pub struct RecordedBuild {
    pub request: BuildRequest,
    pub context_sha256: String,
    pub dockerfile: String,
}

#[derive(Default)]
struct State {
    images: HashMap<String, ImageFacts>,
    builds: Vec<RecordedBuild>,
    runs: Vec<ContainerSpec>,
    /// Image names of every load, in order.
    loads: Vec<Vec<String>>,
    volumes: HashMap<String, HashMap<String, String>>,
    removed: Vec<String>,
    live: HashMap<String, HashMap<String, String>>,
}

pub struct FakeEngine {
    state: Mutex<State>,
    handler: Box<Handler>,
    /// Called when a container starts, after it is recorded: lets a test cancel.
    pub on_run: Mutex<Option<Box<RunHook>>>,
    /// A build of this tag is recorded, then fails with an error after its first step.
    pub fail_build_of: Mutex<Option<String>>,
    pub cpus: u32,
}

/// A container that printed `stdout` and exited 0 after one second.
pub fn exited(code: i64, stdout: &str, stderr: &str) -> ContainerOutput {
    ContainerOutput {
        exit_code: code,
        stdout: stdout.into(),
        stderr: stderr.into(),
        timed_out: false,
        wall: Duration::from_secs(1),
    }
}

impl FakeEngine {
    pub fn new(
        handler: impl Fn(&ContainerSpec) -> Result<ContainerOutput, DockerError> + Send + Sync + 'static,
    ) -> Arc<FakeEngine> {
        Arc::new(FakeEngine {
            state: Mutex::new(State::default()),
            handler: Box::new(handler),
            on_run: Mutex::new(None),
            fail_build_of: Mutex::new(None),
            cpus: 2,
        })
    }

    /// Makes `name` exist, with these labels.
    pub fn add_image(&self, name: &str, labels: &[(&str, &str)]) {
        let facts = ImageFacts {
            id: format!("sha256:{:064x}", name.len()),
            size: 1_000_000,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        self.state.lock().unwrap().images.insert(name.into(), facts);
    }

    pub fn builds(&self) -> Vec<RecordedBuild> {
        self.state.lock().unwrap().builds.clone()
    }

    pub fn runs(&self) -> Vec<ContainerSpec> {
        self.state.lock().unwrap().runs.clone()
    }

    pub fn loads(&self) -> Vec<Vec<String>> {
        self.state.lock().unwrap().loads.clone()
    }

    pub fn add_volume(&self, name: &str, labels: &[(&str, &str)]) {
        let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let mut state = self.state.lock().unwrap();
        state.volumes.insert(name.into(), labels.collect());
    }

    pub fn volume_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.state.lock().unwrap().volumes.keys().cloned().collect();
        names.sort();
        names
    }
}

/// An exported image in the fake's "tarball": one JSON line per image.
type ExportedImage = (String, String, u64, HashMap<String, String>);

/// The text of `name` in an uncompressed tar context, or "" when absent.
fn context_file(context: &[u8], name: &str) -> String {
    let mut archive = tar::Archive::new(context);
    let Ok(entries) = archive.entries() else {
        return String::new();
    };
    for mut entry in entries.flatten() {
        if entry.path().is_ok_and(|p| p.as_os_str() == name) {
            let mut text = String::new();
            let _ = entry.read_to_string(&mut text);
            return text;
        }
    }
    String::new()
}

/// The `key="value"` pairs of every `LABEL` instruction of a Dockerfile
/// (line continuations joined, `\\` and `\"` unescaped in quoted values).
fn dockerfile_labels(dockerfile: &str) -> Vec<(String, String)> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => instructions.push(std::mem::take(&mut current) + line),
        }
    }
    let mut labels = Vec::new();
    for instruction in instructions {
        let Some(mut rest) = instruction.trim_start().strip_prefix("LABEL ") else {
            continue;
        };
        while let Some((key, tail)) = rest.trim_start().split_once('=') {
            let mut value = String::new();
            let mut chars = tail.char_indices();
            let end = if tail.starts_with('"') {
                chars.next();
                let mut end = tail.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next().map(|(_, c)| c)),
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                end
            } else {
                let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
                value.push_str(&tail[..end]);
                end
            };
            labels.push((key.to_string(), value));
            rest = &tail[end..];
        }
    }
    labels
}

#[async_trait::async_trait]
impl Engine for FakeEngine {
    async fn host_facts(&self) -> HostFacts {
        HostFacts {
            name: "fake-host".into(),
            cpus: self.cpus,
            os: "Fake Linux".into(),
            arch: "x86_64".into(),
            docker_version: "0.0-fake".into(),
        }
    }

    async fn inspect_image(&self, name: &str) -> Result<Option<ImageFacts>, DockerError> {
        Ok(self.state.lock().unwrap().images.get(name).cloned())
    }

    async fn import_rootfs(
        &self,
        _tarball: &Path,
        repo: &str,
        tag: &str,
        _changes: Vec<String>,
        _on_bytes: ByteProgress,
    ) -> Result<(), DockerError> {
        self.add_image(&format!("{repo}:{tag}"), &[]);
        Ok(())
    }

    fn export_images(
        &self,
        names: &[String],
    ) -> BoxStream<'static, Result<bytes::Bytes, DockerError>> {
        let state = self.state.lock().unwrap();
        let mut lines = Vec::new();
        for name in names {
            let Some(f) = state.images.get(name) else {
                let missing = DockerError::Api {
                    op: format!("export {name}"),
                    message: format!("reference does not exist: {name}"),
                };
                return futures_util::stream::iter([Err(missing)]).boxed();
            };
            let image: ExportedImage = (name.clone(), f.id.clone(), f.size, f.labels.clone());
            lines.push(Ok(bytes::Bytes::from(
                serde_json::to_string(&image).unwrap() + "\n",
            )));
        }
        futures_util::stream::iter(lines).boxed()
    }

    async fn load_images(
        &self,
        mut tarball: BoxStream<'static, Result<bytes::Bytes, DockerError>>,
    ) -> Result<(), DockerError> {
        let mut text = Vec::new();
        while let Some(chunk) = tarball.next().await {
            text.extend_from_slice(&chunk?);
        }
        let mut state = self.state.lock().unwrap();
        let mut names = Vec::new();
        for line in String::from_utf8_lossy(&text).lines() {
            let (name, id, size, labels): ExportedImage = serde_json::from_str(line)
                .map_err(|e| DockerError::Other(format!("not an exported image: {e}")))?;
            state
                .images
                .insert(name.clone(), ImageFacts { id, size, labels });
            names.push(name);
        }
        state.loads.push(names);
        Ok(())
    }

    async fn labelled_volumes(
        &self,
    ) -> Result<Vec<(String, HashMap<String, String>)>, DockerError> {
        let state = self.state.lock().unwrap();
        Ok(state
            .volumes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn remove_volume(&self, name: &str) -> Result<(), DockerError> {
        self.state.lock().unwrap().volumes.remove(name);
        Ok(())
    }

    async fn pull(&self, image: &str) -> Result<(), DockerError> {
        Err(DockerError::Api {
            op: format!("pull {image}"),
            message: "no registry in the fake".into(),
        })
    }

    fn build(
        &self,
        req: &BuildRequest,
        context: bytes::Bytes,
    ) -> BoxStream<'_, Result<BuildEvent, DockerError>> {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(&context));
        let dockerfile = context_file(&context, &req.dockerfile);
        let mut labels = dockerfile_labels(&dockerfile);
        labels.extend(req.labels.clone());
        let fails = self.fail_build_of.lock().unwrap().as_deref() == Some(req.tag.as_str());
        let mut state = self.state.lock().unwrap();
        state.builds.push(RecordedBuild {
            request: req.clone(),
            context_sha256: digest,
            dockerfile,
        });
        if fails {
            let events = vec![
                Ok(BuildEvent::Line("Step 1/2 : FROM base\n".into())),
                Err(DockerError::Api {
                    op: format!("build {}", req.tag),
                    message: "The command '/bin/sh -c make' returned a non-zero code: 2".into(),
                }),
            ];
            return futures_util::stream::iter(events).boxed();
        }
        let facts = ImageFacts {
            id: format!("sha256:{}", &state.builds.len()),
            size: 1_000_000,
            labels: labels.into_iter().collect(),
        };
        state.images.insert(req.tag.clone(), facts.clone());
        let events = vec![
            Ok(BuildEvent::Line("Step 1/2 : FROM base\n".into())),
            Ok(BuildEvent::Line(" ---> Running in 0123\n".into())),
            Ok(BuildEvent::Built(facts.id)),
        ];
        futures_util::stream::iter(events).boxed()
    }

    async fn run_container(
        &self,
        spec: &ContainerSpec,
        _timeout: Duration,
    ) -> Result<ContainerOutput, DockerError> {
        let n = {
            let mut state = self.state.lock().unwrap();
            state.runs.push(spec.clone());
            state.runs.len()
        };
        if let Some(hook) = self.on_run.lock().unwrap().as_ref() {
            hook(n);
        }
        // Let a cancellation that the hook raised win the select in the caller.
        tokio::task::yield_now().await;
        (self.handler)(spec)
    }

    async fn attach_tty(&self, spec: &ContainerSpec) -> Result<TtySession, DockerError> {
        let id = format!("tty-{}", spec.name);
        self.state
            .lock()
            .unwrap()
            .live
            .insert(id.clone(), HashMap::new());
        Ok(TtySession {
            id,
            input: Box::pin(tokio::io::sink()),
            output: futures_util::stream::empty().boxed(),
        })
    }

    async fn remove_container(&self, id: &str) -> Result<(), DockerError> {
        let mut state = self.state.lock().unwrap();
        state.live.remove(id);
        state.removed.push(id.into());
        Ok(())
    }

    async fn labelled_containers(
        &self,
        _session: Option<&str>,
    ) -> Result<Vec<(String, HashMap<String, String>)>, DockerError> {
        let state = self.state.lock().unwrap();
        Ok(state
            .live
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_written_by_the_renderer_are_read_back() {
        let labels = HashMap::from([
            ("a.plain".to_string(), "x y".to_string()),
            ("b.quoted".to_string(), r#"say "hi" \o/"#.to_string()),
        ]);
        let dockerfile = crate::commands::build::render::with_labels(
            "FROM base\nRUN make \\\n    install\nLABEL first=1\n",
            &labels,
        );
        let mut read = dockerfile_labels(&dockerfile);
        read.sort();
        assert_eq!(
            read,
            [
                ("a.plain".to_string(), "x y".to_string()),
                ("b.quoted".to_string(), r#"say "hi" \o/"#.to_string()),
                ("first".to_string(), "1".to_string()),
            ]
        );
    }
}
