//! The download layer: http(s) and file:// fetches with timeouts and a size
//! limit, the sha256 computed while the bytes stream, and the cache
//! placement that keeps a file only once its digest matched: the bytes go to
//! a `.NAME.partial-PID` beside it and are renamed into place, so a crash
//! leaves at worst a partial file that a later run sweeps. Used by the
//! CPython sources, PyPI's answers and files, and the pinned wheels.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};

/// A pinned file (a wheel, an sdist) far larger than this is not one.
const PINNED_LIMIT: u64 = 512 << 20;

/// Report progress at most once per this many bytes.
const PROGRESS_STEP: u64 = 256 << 10;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
const BODY_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A response body being read.
pub type Body = Box<dyn Read>;

/// The HTTP client every download uses: bounded waits, redirects followed,
/// statuses left to [`open`] to describe, the system's trust store.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_recv_body(Some(BODY_TIMEOUT))
        .max_redirects(10)
        // Statuses are turned into readable reasons by `open`.
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

/// Opens an http(s) or file:// URL, returning the body and its length if
/// known. The error is a short reason.
pub fn open(agent: &ureq::Agent, url: &str) -> Result<(Body, Option<u64>), String> {
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

/// The most a download may be, and what it is said not to be beyond that.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bytes: u64,
    /// "a CPython tarball": the reason reads "… larger than N bytes, not a CPython tarball".
    pub what: &'static str,
}

/// Copies `reader` to `out` while hashing, reporting progress (bytes so
/// far, the total when known) at most every 256 KiB. Returns the byte count
/// and the hex sha256; the error is a short reason.
pub fn copy_hashing(
    mut reader: impl Read,
    out: &mut File,
    total: Option<u64>,
    limit: Limit,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<(u64, String), String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut downloaded = 0u64;
    let mut reported = 0u64;
    progress(0, total);
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
        if downloaded > limit.bytes {
            return Err(format!(
                "response is larger than {} bytes, not {}",
                limit.bytes, limit.what
            ));
        }
        if downloaded - reported >= PROGRESS_STEP {
            reported = downloaded;
            progress(downloaded, total);
        }
    }
    if reported != downloaded {
        progress(downloaded, total);
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

/// Where a download into `dir` for `name` is written until it is verified:
/// `.NAME.partial-PID`, removed when dropped unless kept.
pub struct Partial(PathBuf);

impl Partial {
    pub fn new(dir: &Path, name: &str) -> Partial {
        Partial(dir.join(format!(".{name}.partial-{}", std::process::id())))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Renames the verified file into place, durably; on failure the partial
    /// file is removed.
    pub fn keep_as(self, path: &Path) -> io::Result<()> {
        fs::rename(&self.0, path)?;
        std::mem::forget(self);
        if let Some(dir) = path.parent() {
            sync_dir(dir);
        }
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Deletes partial downloads of `name` in `dir` left by processes that no
/// longer exist.
pub fn sweep_partials(dir: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(items) = fs::read_dir(dir) else {
        return;
    };
    for item in items.flatten() {
        let file_name = item.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
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

/// Makes a rename durable; failure only risks losing the cache entry.
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
    let partial = Partial::new(cache_dir, &file_name);
    let (reader, total) = open(&agent(), url)?;
    let mut file = File::create(partial.path())
        .map_err(|e| format!("cannot write {}: {e}", partial.path().display()))?;
    let limit = Limit {
        bytes: PINNED_LIMIT,
        what: "the file pinned",
    };
    let (_, actual) = copy_hashing(reader, &mut file, total, limit, &mut |_, _| {})?;
    if !actual.eq_ignore_ascii_case(sha256) {
        return Err(format!("sha256 mismatch: expected {sha256}, got {actual}"));
    }
    partial
        .keep_as(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// A small text document (a JSON API answer) from an http(s) or file:// URL,
/// at most `limit` bytes. The error is a short reason.
pub fn fetch_text(url: &str, limit: u64) -> Result<String, String> {
    let (reader, _) = open(&agent(), url)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use tempfile::TempDir;

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

    #[test]
    fn a_text_answer_is_read_up_to_its_limit() {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("answer.json");
        fs::write(&path, b"{\"ok\": true}").unwrap();
        let url = format!("file://{}", path.display());
        assert_eq!(fetch_text(&url, 12).unwrap(), "{\"ok\": true}");
        let e = fetch_text(&url, 11).unwrap_err();
        assert!(e.contains("larger than 11 bytes"), "{e}");
        let e = fetch_text("file://relative/path", 10).unwrap_err();
        assert!(e.contains("absolute path"), "{e}");
        let e = fetch_text("ftp://example.invalid/x", 10).unwrap_err();
        assert!(e.contains("unsupported URL scheme"), "{e}");
    }

    #[test]
    fn a_body_beyond_the_limit_is_refused_and_progress_is_throttled() {
        let dir = TempDir::new().unwrap();
        let mut out = File::create(dir.path().join("out")).unwrap();
        let data = vec![7u8; 600 << 10];
        let mut seen = vec![];
        let limit = Limit {
            bytes: 1 << 20,
            what: "a test file",
        };
        let (n, sha) = copy_hashing(
            data.as_slice(),
            &mut out,
            Some(600 << 10),
            limit,
            &mut |d, _| seen.push(d),
        )
        .unwrap();
        assert_eq!(n, 600 << 10);
        assert_eq!(sha, hex::encode(Sha256::digest(&data)));
        assert_eq!(seen.first(), Some(&0));
        assert_eq!(seen.last(), Some(&(600 << 10)));
        assert!(seen.len() <= 5, "{seen:?}");
        let small = Limit {
            bytes: 1000,
            what: "a test file",
        };
        let e = copy_hashing(data.as_slice(), &mut out, None, small, &mut |_, _| {}).unwrap_err();
        assert_eq!(e, "response is larger than 1000 bytes, not a test file");
    }

    #[test]
    fn a_partial_file_is_removed_unless_kept_and_dead_ones_are_swept() {
        let dir = TempDir::new().unwrap();
        let partial = Partial::new(dir.path(), "f.whl");
        fs::write(partial.path(), b"half").unwrap();
        drop(partial);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let partial = Partial::new(dir.path(), "f.whl");
        fs::write(partial.path(), b"whole").unwrap();
        partial.keep_as(&dir.path().join("f.whl")).unwrap();
        assert_eq!(fs::read(dir.path().join("f.whl")).unwrap(), b"whole");
        // PIDs above the kernel's maximum can never be alive; ours is.
        let dead = dir.path().join(".f.whl.partial-4294967295");
        let alive = Partial::new(dir.path(), "f.whl");
        fs::write(&dead, b"junk").unwrap();
        fs::write(alive.path(), b"busy").unwrap();
        sweep_partials(dir.path(), "f.whl");
        if Path::new("/proc/self").exists() {
            assert!(!dead.exists());
        }
        assert!(alive.path().exists());
    }
}
