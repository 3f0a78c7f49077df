//! CPython source tarballs: mirror URLs, sha256 pinning and a local cache.
//!
//! A tarball is only ever placed in the cache after its sha256 matched the
//! pin, and it gets there by an atomic rename, so a crash can at worst leave
//! a `.partial-<pid>` file that a later run cleans up.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use sha2::{Digest, Sha256};

/// Default mirror templates, tried in this order.
#[cfg(test)]
pub const DEFAULT_MIRRORS: &[&str] = &[
    "https://www.python.org/ftp/python/{version}/Python-{version}.tar.xz",
    "http://deb.debian.org/debian/pool/main/p/python{major_minor}/python{major_minor}_{debian_version}.orig.tar.xz",
];

/// What a placeholder value may not contain verbatim in a URL path segment
/// (the WHATWG path set plus `/` and `%`); `~` and `+` stay as they are.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// A CPython tarball is ~25 MB; anything far larger is not one.
const MAX_DOWNLOAD: u64 = 512 << 20;

/// Emit a progress event at most once per this many bytes.
const PROGRESS_STEP: u64 = 256 << 10;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
const BODY_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Everything that can go wrong while obtaining a source tarball.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "the CPython source pin is invalid: {problem}. Fix the version/sha256 pair in \
         config.yaml; versions look like 3.13.1 or 3.15.0rc2 and the sha256 is the 64 hex \
         digits published next to the tarball on python.org."
    )]
    InvalidSpec { problem: String },

    #[error(
        "the mirror URL template {template:?} uses the unknown placeholder {{{placeholder}}}. \
         Only {{version}}, {{major_minor}} and {{debian_version}} are supported; fix the \
         mirror list in config.yaml."
    )]
    UnknownPlaceholder {
        template: String,
        placeholder: String,
    },

    #[error(
        "the mirror URL template {template:?} has a `{{` without a matching `}}`. Close the \
         placeholder, e.g. {{version}}, in the mirror list in config.yaml."
    )]
    UnclosedPlaceholder { template: String },

    #[error(
        "no mirrors are configured for the CPython {version} source tarball. Add at least \
         one mirror URL to config.yaml, or place Python-{version}.tar.xz in the cache directory."
    )]
    NoMirrors { version: String },

    #[error(
        "could not use the source cache at {path}: {source}. Make sure the directory is \
         writable and that the disk is not full, or move the cache by setting the \
         XDG_CACHE_HOME environment variable (sources are kept in \
         $XDG_CACHE_HOME/pybench-docker/sources, by default ~/.cache/pybench-docker/sources)."
    )]
    Cache {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{}", all_failed_message(.version, .attempts, .cache_path))]
    AllMirrorsFailed {
        version: String,
        /// `(url, why it failed)` for every URL tried, in order.
        attempts: Vec<(String, String)>,
        /// Where a manually downloaded tarball would be picked up.
        cache_path: PathBuf,
    },
}

fn all_failed_message(version: &str, attempts: &[(String, String)], cache_path: &Path) -> String {
    let mut msg =
        format!("could not obtain the CPython {version} source tarball from any mirror:\n");
    for (url, why) in attempts {
        let _ = writeln!(msg, "  - {url}: {why}");
    }
    let _ = write!(
        msg,
        "Check that the sha256 pinned for {version} in config.yaml matches the one published \
         on python.org, add a reachable mirror to config.yaml, or download the tarball yourself \
         and place it at {} (it is used as soon as its sha256 matches).",
        cache_path.display()
    );
    msg
}

/// Which CPython source to fetch and the hash it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// e.g. "3.13.15" or "3.15.0rc2".
    pub version: String,
    /// Lowercase hex sha256 of `Python-{version}.tar.xz`.
    pub sha256: String,
    /// Overrides the version used in Debian's `.orig.tar.xz` name.
    pub debian_version: Option<String>,
}

impl SourceSpec {
    /// Debian's spelling of the version: pre-releases sort before the
    /// release with `~`, so "3.15.0rc2" becomes "3.15.0~rc2".
    pub fn debian_version(&self) -> String {
        if let Some(v) = &self.debian_version {
            return v.clone();
        }
        match self.version.find(|c: char| c.is_ascii_alphabetic()) {
            Some(i) => format!("{}~{}", &self.version[..i], &self.version[i..]),
            None => self.version.clone(),
        }
    }

    /// "3.13" for "3.13.15".
    pub fn major_minor(&self) -> String {
        self.version
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The cache file name, as python.org names the tarball.
    pub fn tarball_name(&self) -> String {
        format!("Python-{}.tar.xz", self.version)
    }

    /// Rejects pins that would make bad URLs or file names.
    pub fn validate(&self) -> Result<(), SourceError> {
        let invalid = |problem: String| Err(SourceError::InvalidSpec { problem });
        if !is_valid_version(&self.version) {
            return invalid(format!("{:?} is not a CPython version", self.version));
        }
        if self.sha256.len() != 64 || !self.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return invalid(format!(
                "the sha256 {:?} for {} is not 64 hex digits",
                self.sha256, self.version
            ));
        }
        Ok(())
    }
}

/// `X.Y[.Z]` optionally followed by `a|b|rc` and a number.
fn is_valid_version(v: &str) -> bool {
    let split = v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len());
    let (release, pre) = v.split_at(split);
    let parts: Vec<&str> = release.split('.').collect();
    let release_ok = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let pre_ok = pre.is_empty()
        || ["a", "b", "rc"].iter().any(|tag| {
            pre.strip_prefix(tag)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
    release_ok && pre_ok
}

/// Fills `{version}`, `{major_minor}` and `{debian_version}` in a mirror template,
/// each percent-encoded as (part of) one path segment.
pub fn expand_mirror(template: &str, spec: &SourceSpec) -> Result<String, SourceError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| SourceError::UnclosedPlaceholder {
                template: template.to_string(),
            })?;
        let value = match &after[..close] {
            "version" => spec.version.clone(),
            "major_minor" => spec.major_minor(),
            "debian_version" => spec.debian_version(),
            other => {
                return Err(SourceError::UnknownPlaceholder {
                    template: template.to_string(),
                    placeholder: other.to_string(),
                })
            }
        };
        out.extend(utf8_percent_encode(&value, PATH_SEGMENT));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// What [`fetch`] is doing, for progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchEvent {
    /// The cached tarball matched its pin; nothing was downloaded.
    CacheHit {
        path: PathBuf,
    },
    /// The cached tarball did not match (e.g. cut short by a crash) and was deleted.
    CacheInvalid {
        path: PathBuf,
        actual_sha256: String,
    },
    Trying {
        url: String,
    },
    Progress {
        downloaded: u64,
        total: Option<u64>,
    },
    /// This mirror failed; the next one is tried.
    MirrorFailed {
        url: String,
        reason: String,
    },
    Verified {
        url: String,
    },
}

/// Returns the path of the verified tarball for `spec` in `cache_dir`,
/// downloading it from the first mirror that serves the right bytes.
pub fn fetch(
    spec: &SourceSpec,
    mirrors: &[String],
    cache_dir: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<PathBuf, SourceError> {
    spec.validate()?;
    // Bad templates are config errors: report them before touching the network.
    let urls = mirrors
        .iter()
        .map(|m| expand_mirror(m, spec))
        .collect::<Result<Vec<_>, _>>()?;
    let cache_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SourceError::Cache { path, source }
    };
    fs::create_dir_all(cache_dir).map_err(cache_err(cache_dir))?;
    let final_path = cache_dir.join(spec.tarball_name());
    if check_cached(spec, &final_path, progress).map_err(cache_err(&final_path))? {
        return Ok(final_path);
    }
    remove_stale_partials(cache_dir, spec);
    if urls.is_empty() {
        return Err(SourceError::NoMirrors {
            version: spec.version.clone(),
        });
    }

    let agent = http_agent();
    let partial = cache_dir.join(format!(
        ".{}.partial-{}",
        spec.tarball_name(),
        std::process::id()
    ));
    let mut attempts = Vec::new();
    for url in urls {
        progress(FetchEvent::Trying { url: url.clone() });
        let guard = PartialFile(partial.clone());
        match download(&agent, &url, spec, &guard.0, progress) {
            Ok(()) => {
                fs::rename(&guard.0, &final_path).map_err(cache_err(&final_path))?;
                guard.disarm();
                sync_dir(cache_dir);
                progress(FetchEvent::Verified { url });
                return Ok(final_path);
            }
            Err(reason) => {
                drop(guard);
                progress(FetchEvent::MirrorFailed {
                    url: url.clone(),
                    reason: reason.clone(),
                });
                attempts.push((url, reason));
            }
        }
    }
    Err(SourceError::AllMirrorsFailed {
        version: spec.version.clone(),
        attempts,
        cache_path: final_path,
    })
}

/// A file pinned by its sha256 (a wheel from PyPI): the cached copy in
/// `cache_dir`, or downloaded from `url` when missing or wrong. The error is
/// a short reason.
pub fn fetch_pinned(
    url: &str,
    file_name: &str,
    sha256: &str,
    cache_dir: &Path,
) -> Result<PathBuf, String> {
    // The name may come from a package index: never a path.
    let file_name = crate::file_name::FileName::parse(file_name)?;
    let path = cache_dir.join(&file_name);
    match sha256_file(&path) {
        Ok(found) if found.eq_ignore_ascii_case(sha256) => return Ok(path),
        Ok(_) => {
            fs::remove_file(&path).map_err(|e| format!("cannot replace {}: {e}", path.display()))?
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    fs::create_dir_all(cache_dir)
        .map_err(|e| format!("cannot create {}: {e}", cache_dir.display()))?;
    let guard = PartialFile(cache_dir.join(format!(".{file_name}.partial-{}", std::process::id())));
    let (reader, total) = open_url(&http_agent(), url)?;
    let mut file =
        File::create(&guard.0).map_err(|e| format!("cannot write {}: {e}", guard.0.display()))?;
    let (_, actual) = copy_hashing(reader, &mut file, total, &mut |_| {})?;
    if !actual.eq_ignore_ascii_case(sha256) {
        return Err(format!("sha256 mismatch: expected {sha256}, got {actual}"));
    }
    fs::rename(&guard.0, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    guard.disarm();
    Ok(path)
}

/// A small text document (a JSON API answer) from an http(s) or file:// URL,
/// at most `limit` bytes. The error is a short reason.
pub fn fetch_text(url: &str, limit: u64) -> Result<String, String> {
    let (reader, _) = open_url(&http_agent(), url)?;
    let mut text = String::new();
    reader
        .take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read the answer of {url}: {e}"))?;
    if text.len() as u64 > limit {
        return Err(format!("the answer of {url} is larger than {limit} bytes"));
    }
    Ok(text)
}

/// True when a correct tarball is already cached; deletes a wrong one.
fn check_cached(
    spec: &SourceSpec,
    path: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> io::Result<bool> {
    let actual = match sha256_file(path) {
        Ok(hash) => hash,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if actual.eq_ignore_ascii_case(&spec.sha256) {
        progress(FetchEvent::CacheHit {
            path: path.to_path_buf(),
        });
        return Ok(true);
    }
    progress(FetchEvent::CacheInvalid {
        path: path.to_path_buf(),
        actual_sha256: actual,
    });
    fs::remove_file(path)?;
    Ok(false)
}

/// Deletes partial downloads left by processes that no longer exist.
fn remove_stale_partials(cache_dir: &Path, spec: &SourceSpec) {
    let prefix = format!(".{}.partial-", spec.tarball_name());
    let Ok(items) = fs::read_dir(cache_dir) else {
        return;
    };
    for item in items.flatten() {
        let name = item.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        if !process_alive(pid) {
            let _ = fs::remove_file(item.path());
        }
    }
}

/// Without /proc we cannot tell, so assume alive and leave the file alone.
fn process_alive(pid: &str) -> bool {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    pid.parse::<u32>().is_err() || proc.join(pid).exists()
}

/// Removes the partial file when dropped, unless it was renamed into place.
struct PartialFile(PathBuf);

impl PartialFile {
    fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_recv_body(Some(BODY_TIMEOUT))
        .max_redirects(10)
        // Statuses are turned into readable reasons below.
        .http_status_as_error(false)
        .user_agent(concat!("pybench-docker/", env!("CARGO_PKG_VERSION")))
        // The system's trust store, so that a proxy's own CA (as on many
        // corporate networks) is trusted like curl and pip trust it.
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into()
}

/// Downloads `url` into `dest`, verifying the sha256. The error is a short
/// human-readable reason for the failure summary.
fn download(
    agent: &ureq::Agent,
    url: &str,
    spec: &SourceSpec,
    dest: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(), String> {
    let (reader, total) = open_url(agent, url)?;
    let mut file =
        File::create(dest).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    let (downloaded, actual) = copy_hashing(reader, &mut file, total, progress)?;
    if let Some(total) = total {
        if downloaded != total {
            return Err(format!("truncated: got {downloaded} of {total} bytes"));
        }
    }
    if !actual.eq_ignore_ascii_case(&spec.sha256) {
        return Err(format!(
            "sha256 mismatch: expected {} got {actual} ({downloaded} bytes)",
            spec.sha256.to_ascii_lowercase()
        ));
    }
    file.sync_all()
        .map_err(|e| format!("cannot flush {} to disk: {e}", dest.display()))
}

type Body = Box<dyn Read>;

/// Opens an http(s) or file:// URL, returning the body and its length if known.
fn open_url(agent: &ureq::Agent, url: &str) -> Result<(Body, Option<u64>), String> {
    if let Some(rest) = url.strip_prefix("file://") {
        return open_file_url(rest);
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err("unsupported URL scheme; use http://, https:// or file://".into());
    }
    let response = agent.get(url).call().map_err(describe_ureq_error)?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!(
            "HTTP {} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string());
    }
    let body = response.into_body();
    let total = body.content_length();
    Ok((Box::new(body.into_reader()), total))
}

/// `file:///abs/path` or `file://localhost/abs/path`, percent-decoded.
fn open_file_url(rest: &str) -> Result<(Body, Option<u64>), String> {
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return Err(
            "a file:// URL needs an absolute path, like file:///srv/mirror/Python-3.13.1.tar.xz"
                .into(),
        );
    }
    let path = percent_decode_str(path).decode_utf8_lossy();
    let file = File::open(&*path).map_err(|e| format!("cannot open {path}: {e}"))?;
    let len = file
        .metadata()
        .map_err(|e| format!("cannot stat {path}: {e}"))?
        .len();
    Ok((Box::new(file), Some(len)))
}

fn describe_ureq_error(e: ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => {
            "connection refused".into()
        }
        ureq::Error::Io(io) => format!("network error: {io}"),
        ureq::Error::HostNotFound => "host not found (DNS lookup failed)".into(),
        ureq::Error::ConnectionFailed => "could not connect".into(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::TooManyRedirects => "too many redirects".into(),
        other => other.to_string(),
    }
}

/// Copies `reader` to `out` while hashing, reporting throttled progress.
/// Returns the byte count and hex sha256.
fn copy_hashing(
    mut reader: impl Read,
    out: &mut File,
    total: Option<u64>,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(u64, String), String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut downloaded = 0u64;
    let mut reported = 0u64;
    progress(FetchEvent::Progress {
        downloaded: 0,
        total,
    });
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(interrupted(downloaded, total, &e)),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| format!("cannot write to the cache: {e}"))?;
        downloaded += n as u64;
        if downloaded > MAX_DOWNLOAD {
            return Err(format!(
                "response is larger than {MAX_DOWNLOAD} bytes, not a CPython tarball"
            ));
        }
        if downloaded - reported >= PROGRESS_STEP {
            reported = downloaded;
            progress(FetchEvent::Progress { downloaded, total });
        }
    }
    if reported != downloaded {
        progress(FetchEvent::Progress { downloaded, total });
    }
    Ok((downloaded, hex::encode(hasher.finalize())))
}

/// Reason for a body that stopped early, naming the shortfall when known.
fn interrupted(downloaded: u64, total: Option<u64>, e: &io::Error) -> String {
    match total {
        Some(total) => format!("truncated: got {downloaded} of {total} bytes ({e})"),
        None => format!("download interrupted after {downloaded} bytes: {e}"),
    }
}

/// Makes the rename durable; failure only risks losing the cache entry.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Hex sha256 of a file, streamed.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use tempfile::TempDir;

    /// How the test server answers one path.
    #[derive(Clone)]
    enum Route {
        Ok(Vec<u8>),
        /// Advertises the full length but sends only this many bytes.
        Truncated(Vec<u8>, usize),
        Redirect(String),
    }

    /// A minimal HTTP/1.1 server on 127.0.0.1 that counts requests.
    struct TestServer {
        addr: String,
        requests: Arc<AtomicUsize>,
        routes: Arc<Mutex<HashMap<String, Route>>>,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    impl TestServer {
        fn start() -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            let requests = Arc::new(AtomicUsize::new(0));
            let routes = Arc::new(Mutex::new(HashMap::new()));
            let stop = Arc::new(AtomicBool::new(false));
            let (r, rt, s) = (requests.clone(), routes.clone(), stop.clone());
            let thread = std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if s.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        r.fetch_add(1, Ordering::SeqCst);
                        let routes = rt.lock().unwrap().clone();
                        let _ = serve(stream, &routes);
                    }
                }
            });
            Self {
                addr,
                requests,
                routes,
                stop,
                thread: Some(thread),
            }
        }

        fn route(&self, path: &str, route: Route) -> String {
            self.routes.lock().unwrap().insert(path.to_string(), route);
            self.url(path)
        }

        fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.addr)
        }

        fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }

    impl Drop for TestServer {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the accept loop so it sees the flag.
            let _ = TcpStream::connect(&self.addr);
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    fn serve(stream: TcpStream, routes: &HashMap<String, Route>) -> io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        let (head, body): (String, &[u8]) = match routes.get(path) {
            Some(Route::Ok(data)) => (ok_head(data.len()), data),
            Some(Route::Truncated(data, n)) => (ok_head(data.len()), &data[..*n]),
            Some(Route::Redirect(to)) => (
                format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                b"",
            ),
            None => (
                "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\n".into(),
                b"not found",
            ),
        };
        let mut stream = stream;
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        stream.flush()
    }

    fn ok_head(len: usize) -> String {
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/x-xz\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    }

    const VERSION: &str = "3.13.1";

    fn spec(version: &str, sha256: impl Into<String>) -> SourceSpec {
        SourceSpec {
            version: version.into(),
            sha256: sha256.into(),
            debian_version: None,
        }
    }

    fn tarball() -> Vec<u8> {
        (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    fn spec_for(data: &[u8]) -> SourceSpec {
        spec(VERSION, hex::encode(Sha256::digest(data)))
    }

    fn run(
        spec: &SourceSpec,
        mirrors: &[String],
        cache: &Path,
    ) -> (Result<PathBuf, SourceError>, Vec<FetchEvent>) {
        let mut events = Vec::new();
        let result = fetch(spec, mirrors, cache, &mut |e| events.push(e));
        (result, events)
    }

    fn cache_listing(cache: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn unused_port_url() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{addr}/Python-{VERSION}.tar.xz")
    }

    #[test]
    fn debian_version_mapping() {
        let deb = |v: &str| spec(v, "").debian_version();
        assert_eq!(deb("3.15.0rc2"), "3.15.0~rc2");
        assert_eq!(deb("3.14.0a7"), "3.14.0~a7");
        assert_eq!(deb("3.14.0b1"), "3.14.0~b1");
        assert_eq!(deb("3.13.15"), "3.13.15");
        let mut spec = spec("3.13.1", "");
        spec.debian_version = Some("3.13.1+dfsg".into());
        assert_eq!(spec.debian_version(), "3.13.1+dfsg");
    }

    #[test]
    fn major_minor_and_validation() {
        assert_eq!(spec("3.13.15", "").major_minor(), "3.13");
        assert_eq!(spec("3.15.0rc2", "").major_minor(), "3.15");
        let good = "a".repeat(64);
        for v in ["3.13.1", "3.15.0rc2", "3.14.0a7", "3.14.0b1", "3.13"] {
            spec(v, good.clone()).validate().unwrap();
        }
        for v in [
            "",
            "3",
            "../3.13.1",
            "3.13.1/x",
            "3.13.x",
            "3.13.1rc",
            "3.13.1dev1",
        ] {
            let err = spec(v, good.clone()).validate().unwrap_err();
            assert!(err.to_string().contains("config.yaml"), "{v}: {err}");
        }
        let err = spec("3.13.1", "abc").validate().unwrap_err();
        assert!(err.to_string().contains("64 hex digits"), "{err}");
    }

    #[test]
    fn placeholders_expand() {
        let spec = spec("3.15.0rc2", "");
        let urls: Vec<String> = DEFAULT_MIRRORS
            .iter()
            .map(|m| expand_mirror(m, &spec).unwrap())
            .collect();
        assert_eq!(
            urls,
            vec![
                "https://www.python.org/ftp/python/3.15.0rc2/Python-3.15.0rc2.tar.xz",
                "http://deb.debian.org/debian/pool/main/p/python3.15/python3.15_3.15.0~rc2.orig.tar.xz",
            ]
        );
        assert_eq!(expand_mirror("plain", &spec).unwrap(), "plain");
    }

    #[test]
    fn placeholder_values_are_percent_encoded_as_path_segments() {
        let mut pin = spec("3.13.1", "");
        pin.debian_version = Some("3.13.1+dfsg 1/x#y?z%ü".into());
        let url = expand_mirror("https://m/{version}/p_{debian_version}.orig.tar.xz", &pin);
        assert_eq!(
            url.unwrap(),
            "https://m/3.13.1/p_3.13.1+dfsg%201%2Fx%23y%3Fz%25%C3%BC.orig.tar.xz"
        );
        // `~` is unreserved: Debian's pre-release names stay readable.
        let rc = spec("3.15.0rc2", "");
        assert_eq!(
            expand_mirror("{debian_version}", &rc).unwrap(),
            "3.15.0~rc2"
        );
    }

    #[test]
    fn encoded_file_url_is_decoded_back_to_the_file_name() {
        let data = tarball();
        let mirror = TempDir::new().unwrap();
        fs::write(
            mirror.path().join("python3.13_3.13.1 local%.orig.tar.xz"),
            &data,
        )
        .unwrap();
        let mut spec = spec_for(&data);
        spec.debian_version = Some("3.13.1 local%".into());
        let url = format!(
            "file://{}/python{{major_minor}}_{{debian_version}}.orig.tar.xz",
            mirror.path().display()
        );
        let cache = TempDir::new().unwrap();
        let (res, events) = run(&spec, &[url], cache.path());
        assert_eq!(fs::read(res.unwrap()).unwrap(), data);
        let tried = events.iter().find_map(|e| match e {
            FetchEvent::Trying { url } => Some(url.clone()),
            _ => None,
        });
        assert!(tried.unwrap().ends_with("_3.13.1%20local%25.orig.tar.xz"));
    }

    #[test]
    fn unknown_or_unclosed_placeholder_is_an_error() {
        let spec = spec("3.13.1", "");
        let err = expand_mirror("https://x/{verison}/y", &spec).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("{verison}") && msg.contains("{version}"),
            "{msg}"
        );
        let err = expand_mirror("https://x/{version", &spec).unwrap_err();
        assert!(
            matches!(err, SourceError::UnclosedPlaceholder { .. }),
            "{err}"
        );
        // Bad templates fail before anything else happens.
        let cache = TempDir::new().unwrap();
        let spec = spec_for(b"x");
        let (res, events) = run(&spec, &["http://127.0.0.1:9/{nope}".into()], cache.path());
        assert!(matches!(res, Err(SourceError::UnknownPlaceholder { .. })));
        assert!(events.is_empty());
    }

    #[test]
    fn falls_back_from_404_to_next_mirror() {
        let data = tarball();
        let server = TestServer::start();
        let good = server.route("/good/Python-3.13.1.tar.xz", Route::Ok(data.clone()));
        let mirrors = vec![server.url("/missing/{version}"), good.clone()];
        let cache = TempDir::new().unwrap();
        let (res, events) = run(&spec_for(&data), &mirrors, cache.path());
        let path = res.unwrap();
        assert_eq!(path, cache.path().join("Python-3.13.1.tar.xz"));
        assert_eq!(fs::read(&path).unwrap(), data);
        assert_eq!(cache_listing(cache.path()), vec!["Python-3.13.1.tar.xz"]);
        assert!(events.contains(&FetchEvent::MirrorFailed {
            url: server.url("/missing/3.13.1"),
            reason: "HTTP 404 Not Found".into()
        }));
        assert_eq!(events.last(), Some(&FetchEvent::Verified { url: good }));
        assert!(events.contains(&FetchEvent::Progress {
            downloaded: data.len() as u64,
            total: Some(data.len() as u64)
        }));
        assert_eq!(server.requests(), 2);
    }

    #[test]
    fn sha256_mismatch_then_good_mirror() {
        let data = tarball();
        let server = TestServer::start();
        let bad = server.route("/bad", Route::Ok(b"evil bytes".to_vec()));
        let good = server.route("/good", Route::Ok(data.clone()));
        let cache = TempDir::new().unwrap();
        let spec = spec_for(&data);
        let (res, events) = run(&spec, &[bad.clone(), good], cache.path());
        assert_eq!(fs::read(res.unwrap()).unwrap(), data);
        let reason = events
            .iter()
            .find_map(|e| match e {
                FetchEvent::MirrorFailed { url, reason } if *url == bad => Some(reason.clone()),
                _ => None,
            })
            .unwrap();
        let evil = hex::encode(Sha256::digest(b"evil bytes"));
        assert_eq!(
            reason,
            format!(
                "sha256 mismatch: expected {} got {evil} (10 bytes)",
                spec.sha256
            )
        );
        assert_eq!(cache_listing(cache.path()), vec!["Python-3.13.1.tar.xz"]);
    }

    #[test]
    fn follows_redirects() {
        let data = tarball();
        let server = TestServer::start();
        server.route("/real", Route::Ok(data.clone()));
        let moved = server.route("/moved", Route::Redirect(server.url("/real")));
        let cache = TempDir::new().unwrap();
        let (res, _) = run(&spec_for(&data), &[moved], cache.path());
        assert_eq!(fs::read(res.unwrap()).unwrap(), data);
    }

    #[test]
    fn all_mirrors_failing_lists_every_url_and_reason() {
        let data = tarball();
        let server = TestServer::start();
        let missing = server.url("/missing");
        let bad = server.route("/bad", Route::Ok(b"nope".to_vec()));
        let cut = server.route("/cut", Route::Truncated(data.clone(), 1000));
        let refused = unused_port_url();
        let ftp = "ftp://example.invalid/x".to_string();
        let absent = format!(
            "file://{}/no-such-file.tar.xz",
            TempDir::new().unwrap().path().display()
        );
        let mirrors = vec![
            missing.clone(),
            bad.clone(),
            cut.clone(),
            refused.clone(),
            ftp.clone(),
            absent.clone(),
        ];
        let cache = TempDir::new().unwrap();
        let spec = spec_for(&data);
        let (res, _) = run(&spec, &mirrors, cache.path());
        let err = res.unwrap_err();
        let SourceError::AllMirrorsFailed { attempts, .. } = &err else {
            panic!("unexpected error: {err}");
        };
        let urls: Vec<&str> = attempts.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(urls, mirrors.iter().map(String::as_str).collect::<Vec<_>>());
        let msg = err.to_string();
        for url in &mirrors {
            assert!(msg.contains(url.as_str()), "{url} missing from: {msg}");
        }
        assert!(
            msg.contains(&format!("{missing}: HTTP 404 Not Found")),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("{bad}: sha256 mismatch: expected {}", spec.sha256)),
            "{msg}"
        );
        assert!(msg.contains("(4 bytes)"), "{msg}");
        assert!(
            msg.contains(&format!("{refused}: connection refused")),
            "{msg}"
        );
        assert!(msg.contains("unsupported URL scheme"), "{msg}");
        assert!(msg.contains("No such file"), "{msg}");
        assert!(
            msg.contains("sha256 pinned for 3.13.1 in config.yaml"),
            "{msg}"
        );
        assert!(msg.contains("add a reachable mirror"), "{msg}");
        let cached = cache.path().join("Python-3.13.1.tar.xz");
        assert!(msg.contains(&cached.display().to_string()), "{msg}");
        let truncated = format!("{cut}: truncated: got 1000 of {} bytes", data.len());
        assert!(msg.contains(&truncated), "{msg}");
        assert!(
            cache_listing(cache.path()).is_empty(),
            "{:?}",
            cache_listing(cache.path())
        );
    }

    #[test]
    fn file_url_is_read_from_disk() {
        let data = tarball();
        let mirror = TempDir::new().unwrap();
        let dir = mirror.path().join("with space");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("Python-3.13.1.tar.xz"), &data).unwrap();
        let url = format!(
            "file://{}/with%20space/Python-{{version}}.tar.xz",
            mirror.path().display()
        );
        let cache = TempDir::new().unwrap();
        let (res, events) = run(&spec_for(&data), &[url], cache.path());
        assert_eq!(fs::read(res.unwrap()).unwrap(), data);
        assert!(matches!(events.last(), Some(FetchEvent::Verified { .. })));
        let err = open_file_url("relative/path").err().unwrap();
        assert!(err.contains("absolute path"), "{err}");
    }

    #[test]
    fn truncated_cached_file_is_refetched() {
        let data = tarball();
        let server = TestServer::start();
        let url = server.route("/t", Route::Ok(data.clone()));
        let cache = TempDir::new().unwrap();
        let cached = cache.path().join("Python-3.13.1.tar.xz");
        fs::write(&cached, &data[..1234]).unwrap();
        let (res, events) = run(&spec_for(&data), &[url], cache.path());
        assert_eq!(fs::read(res.unwrap()).unwrap(), data);
        assert_eq!(
            events[0],
            FetchEvent::CacheInvalid {
                path: cached,
                actual_sha256: hex::encode(Sha256::digest(&data[..1234]))
            }
        );
        assert_eq!(server.requests(), 1);
    }

    #[test]
    fn cache_hit_does_not_touch_the_network() {
        let data = tarball();
        let server = TestServer::start();
        let url = server.route("/t", Route::Ok(data.clone()));
        let cache = TempDir::new().unwrap();
        let cached = cache.path().join("Python-3.13.1.tar.xz");
        fs::write(&cached, &data).unwrap();
        let (res, events) = run(&spec_for(&data), &[url], cache.path());
        assert_eq!(res.unwrap(), cached);
        assert_eq!(events, vec![FetchEvent::CacheHit { path: cached }]);
        assert_eq!(server.requests(), 0);
    }

    #[test]
    fn truncated_download_falls_through_and_leaves_nothing() {
        let data = tarball();
        let server = TestServer::start();
        let cut = server.route("/cut", Route::Truncated(data.clone(), data.len() / 2));
        let good = server.route("/good", Route::Ok(data.clone()));
        let cache = TempDir::new().unwrap();
        let (res, _) = run(&spec_for(&data), &[cut], cache.path());
        assert!(res.is_err());
        assert!(cache_listing(cache.path()).is_empty());
        let (res, _) = run(&spec_for(&data), &[server.url("/cut"), good], cache.path());
        assert_eq!(fs::read(res.unwrap()).unwrap(), data);
        assert_eq!(cache_listing(cache.path()), vec!["Python-3.13.1.tar.xz"]);
    }

    #[test]
    fn stale_partials_from_dead_processes_are_removed() {
        let data = tarball();
        let cache = TempDir::new().unwrap();
        // PIDs above the kernel's maximum can never be alive.
        let stale = cache
            .path()
            .join(".Python-3.13.1.tar.xz.partial-4294967295");
        fs::write(&stale, b"junk").unwrap();
        let src = TempDir::new().unwrap();
        fs::write(src.path().join("t.tar.xz"), &data).unwrap();
        let url = format!("file://{}/t.tar.xz", src.path().display());
        run(&spec_for(&data), &[url], cache.path()).0.unwrap();
        if Path::new("/proc/self").exists() {
            assert_eq!(cache_listing(cache.path()), vec!["Python-3.13.1.tar.xz"]);
        }
    }

    #[test]
    fn no_mirrors_is_an_error() {
        let cache = TempDir::new().unwrap();
        let (res, _) = run(&spec_for(b"x"), &[], cache.path());
        let err = res.unwrap_err();
        assert!(matches!(err, SourceError::NoMirrors { .. }), "{err}");
        assert!(err.to_string().contains("Python-3.13.1.tar.xz"), "{err}");
    }

    #[test]
    fn a_pinned_file_is_downloaded_once_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let served = dir.path().join("served.whl");
        std::fs::write(&served, b"wheel bytes").unwrap();
        let sha = sha256_file(&served).unwrap();
        let url = format!("file://{}", served.display());
        let cache = dir.path().join("cache");
        let got = fetch_pinned(&url, "w.whl", &sha, &cache).unwrap();
        assert_eq!(std::fs::read(&got).unwrap(), b"wheel bytes");
        // Cached: the URL is not needed any more.
        assert_eq!(
            fetch_pinned("file:///nowhere", "w.whl", &sha, &cache).unwrap(),
            got
        );
        // A wrong pin is refused and leaves nothing behind.
        let e = fetch_pinned(&url, "x.whl", &"0".repeat(64), &cache).unwrap_err();
        assert!(e.contains("sha256 mismatch"), "{e}");
        let left: Vec<_> = std::fs::read_dir(&cache)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["w.whl"]);
    }

    #[test]
    fn sha256_file_streams_a_known_digest() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("abc");
        fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(sha256_file(&dir.path().join("missing")).is_err());
    }
}
