//! Mirror templates turned into URLs, and the mirror that served named.

use std::path::Path;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use super::{SourceError, SourceSpec};

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

/// How a downloaded tarball got here, for the line that closes its step:
/// the mirror named, and, when it was not the first tried, what the earlier
/// ones did. `failed` holds (url, reason) of every mirror that failed. Pure.
pub fn served_by(version: &str, failed: &[(String, String)], served: &str) -> String {
    if failed.is_empty() {
        return format!(
            "Python-{version}.tar.xz from {}, sha256 verified",
            mirror_name(served)
        );
    }
    let before: Vec<String> = failed
        .iter()
        .map(|(url, reason)| {
            let unreachable = [
                "connection refused",
                "host not found",
                "could not connect",
                "timed out",
                "network error",
            ]
            .iter()
            .any(|p| reason.starts_with(p));
            let what = if unreachable { "unreachable" } else { "failed" };
            format!("{} {what} ({reason})", mirror_name(url))
        })
        .collect();
    format!(
        "{version}: {}, served by {}, sha256 verified",
        before.join(", "),
        mirror_name(served)
    )
}

/// A mirror as people name it: its host, or a file:// URL's folder.
fn mirror_name(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => {
            u.host_str().unwrap_or_default().to_string()
        }
        Ok(u) if u.scheme() == "file" => {
            let path = Path::new(u.path());
            let dir = path.parent().unwrap_or(path);
            format!("file://{}", dir.display())
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(version: &str, sha256: impl Into<String>) -> SourceSpec {
        SourceSpec {
            version: version.into(),
            sha256: sha256.into(),
            debian_version: None,
        }
    }

    #[test]
    fn the_mirror_that_served_is_named_with_what_the_earlier_ones_did() {
        let python_org = "https://www.python.org/ftp/python/3.13.15/Python-3.13.15.tar.xz";
        let debian =
            "http://deb.debian.org/debian/pool/main/p/python3.13/python3.13_3.13.15.orig.tar.xz";
        assert_eq!(
            served_by("3.13.15", &[], python_org),
            "Python-3.13.15.tar.xz from www.python.org, sha256 verified"
        );
        let failed = [(
            python_org.to_string(),
            "host not found (DNS lookup failed)".to_string(),
        )];
        assert_eq!(
            served_by("3.13.15", &failed, debian),
            "3.13.15: www.python.org unreachable (host not found (DNS lookup failed)), served by deb.debian.org, sha256 verified"
        );
        let failed = [
            (python_org.to_string(), "HTTP 404 Not Found".to_string()),
            (
                "file:///srv/empty/Python-3.13.15.tar.xz".to_string(),
                "cannot open /srv/empty/Python-3.13.15.tar.xz: No such file".to_string(),
            ),
        ];
        let said = served_by("3.13.15", &failed, "file:///srv/full/Python-3.13.15.tar.xz");
        assert!(
            said.starts_with("3.13.15: www.python.org failed (HTTP 404 Not Found), file:///srv/empty failed (cannot open")
                && said.ends_with("served by file:///srv/full, sha256 verified"),
            "{said}"
        );
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
}
