//! Fetching through the cache and the mirrors, against a local server and files.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::mirror::expand_mirror;
use super::test_server::{Route, TestServer};
use super::*;

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
    let cache = TempDir::new().unwrap();
    let (res, _) = run(
        &spec_for(&data),
        &["file://relative/path".into()],
        cache.path(),
    );
    assert!(res.unwrap_err().to_string().contains("absolute path"));
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
