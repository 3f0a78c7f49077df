//! A pinned tarball into the cache: a cached copy checked first, then each
//! mirror tried in turn until one serves the pinned bytes.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::mirror::expand_mirror;
use super::{SourceError, SourceSpec};
use crate::download::{self, Limit, Partial};

/// A CPython tarball is ~25 MB; anything far larger is not one.
const TARBALL_LIMIT: Limit = Limit {
    bytes: 512 << 20,
    what: "a CPython tarball",
};

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
    download::sweep_partials(cache_dir, &spec.tarball_name());
    if urls.is_empty() {
        return Err(SourceError::NoMirrors {
            version: spec.version.clone(),
        });
    }

    let agent = download::agent();
    let mut attempts = Vec::new();
    for url in urls {
        progress(FetchEvent::Trying { url: url.clone() });
        let partial = Partial::new(cache_dir, &spec.tarball_name());
        match fetch_one(&agent, &url, spec, partial.path(), progress) {
            Ok(()) => {
                partial
                    .keep_as(&final_path)
                    .map_err(cache_err(&final_path))?;
                progress(FetchEvent::Verified { url });
                return Ok(final_path);
            }
            Err(reason) => {
                drop(partial);
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

/// True when a correct tarball is already cached; deletes a wrong one.
fn check_cached(
    spec: &SourceSpec,
    path: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> io::Result<bool> {
    let actual = match download::sha256_file(path) {
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

/// Downloads `url` into `dest`, verifying the sha256. The error is a short
/// human-readable reason for the failure summary.
fn fetch_one(
    agent: &ureq::Agent,
    url: &str,
    spec: &SourceSpec,
    dest: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(), String> {
    let (reader, total) = download::open(agent, url)?;
    let mut file =
        File::create(dest).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    let (downloaded, actual) =
        download::copy_hashing(reader, &mut file, total, TARBALL_LIMIT, &mut |d, t| {
            progress(FetchEvent::Progress {
                downloaded: d,
                total: t,
            })
        })?;
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
