//! Config values that reach a Dockerfile, an apt sources line or mmdebstrap's
//! command line, checked against what they may be: Debian package and suite
//! names (Debian Policy §5.6.1), a mirror URL, an image reference (the grammar
//! of distribution/reference). A value that is more than that, such as
//! `ca-certificates; id`, is refused at load time; the Dockerfile quotes them
//! as well (src/commands/build/base.rs).

use std::sync::OnceLock;

use super::model::Base;

/// Every value of `base:` checked, the first problem as one paragraph.
pub fn check_base(base: &Base) -> Result<(), String> {
    suite_name(&base.suite).map_err(|why| refused("base.suite", &base.suite, why))?;
    mirror_url(&base.mirror).map_err(|why| refused("base.mirror", &base.mirror, why))?;
    image_reference(&base.pull_image)
        .map_err(|why| refused("base.pull-image", &base.pull_image, why))?;
    for (key, list) in [
        ("base.builder-packages", &base.builder_packages),
        ("base.runtime-packages", &base.runtime_packages),
    ] {
        for name in list {
            package_name(name).map_err(|why| refused(key, name, why))?;
        }
    }
    Ok(())
}

fn refused(key: &str, value: &str, why: &str) -> String {
    format!(
        "`{key}` holds {value:?}, which is not {why}. Write the value alone (it goes into \
         the base image's Dockerfile and mmdebstrap's command line), or start again from \
         the built-in value (`pybench-docker config` prints it)."
    )
}

/// A Debian package name: lowercase letters, digits, `+`, `-` and `.`, at
/// least two long, starting with a letter or digit.
pub fn package_name(name: &str) -> Result<(), &'static str> {
    let ok = name.len() >= 2
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b));
    ok.then_some(()).ok_or(
        "a Debian package name (lowercase letters, digits, '+', '-' and '.', starting with a \
         letter or digit, like libssl-dev)",
    )
}

/// An apt suite or codename: `trixie`, `trixie-backports`, `stable`.
pub fn suite_name(name: &str) -> Result<(), &'static str> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b));
    ok.then_some(()).ok_or(
        "a Debian suite name (lowercase letters, digits, '-' and '.', starting with a letter, \
         like trixie)",
    )
}

/// A Debian mirror: an http, https or file URL made only of characters that
/// mean nothing to a shell or to an apt sources line (no spaces, quotes,
/// `;`, `$`, `[`, `#`, …).
pub fn mirror_url(text: &str) -> Result<(), &'static str> {
    const WHY: &str = "a mirror URL (http://, https:// or file:// followed by letters, digits \
                       and -._~:/%@+=, only, like http://deb.debian.org/debian)";
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~:/%@+=,".contains(&b));
    let url = url::Url::parse(text).map_err(|_| WHY)?;
    let scheme_ok = match url.scheme() {
        "http" | "https" => url.host_str().is_some_and(|h| !h.is_empty()),
        "file" => true,
        _ => false,
    };
    (plain && scheme_ok).then_some(()).ok_or(WHY)
}

/// An image reference Docker pulls: `[host[:port]/]path[:tag][@digest]`.
pub fn image_reference(text: &str) -> Result<(), &'static str> {
    static GRAMMAR: OnceLock<regex::Regex> = OnceLock::new();
    let grammar = GRAMMAR.get_or_init(|| {
        // distribution/reference's regexp.go, IPv6 hosts left out.
        let component = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let domain = format!(r"(?:{component}(?:\.{component})*|localhost)(?::[0-9]+)?");
        let path_component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
        let tag = r"[\w][\w.-]{0,127}";
        let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
        regex::Regex::new(&format!(
            r"^(?:{domain}/)?{path_component}(?:/{path_component})*(?::{tag})?(?:@{digest})?$"
        ))
        .expect("the reference grammar compiles")
    });
    (text.len() <= 255 && grammar.is_match(text))
        .then_some(())
        .ok_or(
            "an image reference (like debian:trixie-slim or registry.example:5000/debian:trixie)",
        )
}

#[cfg(test)]
mod tests {
    use super::super::load::{parse, Source, DEFAULT_YAML};
    use super::*;

    #[test]
    fn debian_names_pass_and_shell_does_not() {
        for ok in [
            "ca-certificates",
            "g++",
            "libgdbm-compat4t64",
            "libtk8.6",
            "zlib1g-dev",
        ] {
            assert_eq!(package_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "ca-certificates; id",
            "$(id)",
            "`id`",
            "a b",
            "-oAPT::x=1",
            "x",
            "Libfoo",
            "pkg=1.0",
            "x'y",
            "x\ny",
            "",
        ] {
            assert!(package_name(bad).is_err(), "{bad:?}");
        }
        for ok in ["trixie", "trixie-backports", "stable", "sid"] {
            assert_eq!(suite_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "--customize-hook=id",
            "trixie main",
            "trixie;id",
            "",
            "Trixie",
        ] {
            assert!(suite_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn mirrors_are_urls_without_shell_or_apt_syntax() {
        for ok in [
            "http://deb.debian.org/debian",
            "https://mirror.example:8443/debian/",
            "file:///srv/mirror",
        ] {
            assert_eq!(mirror_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://deb.debian.org/debian' >> /etc/x; id; echo '",
            "http://x/debian [trusted=yes]",
            "http://x/$(id)",
            "http://x/#",
            "ftp://x/debian",
            "deb.debian.org/debian",
            "http://",
        ] {
            assert!(mirror_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn image_references_follow_the_grammar() {
        for ok in [
            "debian:trixie-slim",
            "debian",
            "library/debian:13",
            "registry.example:5000/team/debian:trixie",
            "localhost/x",
            "debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(image_reference(ok), Ok(()), "{ok}");
        }
        for bad in [
            "debian:trixie\nRUN id",
            "debian AS x",
            "Debian",
            "debian:",
            "-debian",
            "debian:trixie;id",
            "",
        ] {
            assert!(image_reference(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_config_refuses_each_with_the_key() {
        let cases = [
            (
                "    - ca-certificates\n    - dpkg-dev\n",
                "    - \"ca-certificates; id\"\n    - dpkg-dev\n",
                "`base.builder-packages` holds \"ca-certificates; id\"",
            ),
            (
                "    - tzdata\n",
                "    - \"tzdata && id\"\n",
                "`base.runtime-packages`",
            ),
            (
                "  suite: trixie\n",
                "  suite: \"trixie; id\"\n",
                "`base.suite`",
            ),
            (
                "  mirror: http://deb.debian.org/debian\n",
                "  mirror: \"http://x/'; id; '\"\n",
                "`base.mirror`",
            ),
            (
                "  pull-image: debian:trixie-slim\n",
                "  pull-image: \"debian:trixie-slim\\nRUN id\"\n",
                "`base.pull-image`",
            ),
        ];
        for (from, to, want) in cases {
            assert!(DEFAULT_YAML.contains(from), "{from}");
            let e = parse(&DEFAULT_YAML.replacen(from, to, 1), &Source::Embedded)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e}");
            assert!(e.contains("pybench-docker config"), "{e}");
            assert!(!e.contains('\n'), "one paragraph: {e}");
        }
    }
}
