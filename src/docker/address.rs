//! Where a Docker Engine is, and under which name results show it: parsed
//! and checked before anything connects. Pure.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How the client reaches an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A socket on this machine: `unix:///var/run/docker.sock`.
    Unix(String),
    /// `tcp://host:port`, with TLS when certificate files are given.
    Tcp(String),
    /// `ssh://user@host[:port]`: the engine's socket through ssh.
    Ssh(String),
}

/// Client certificate, key and the CA that signed the engine's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// One engine: its name in tables and results, its address, its TLS files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSpec {
    pub name: String,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsFiles>,
}

impl EngineSpec {
    pub fn transport(&self) -> Transport {
        // Checked by `check`; the fallback keeps this total.
        transport(&self.address).unwrap_or_else(|_| Transport::Unix(self.address.clone()))
    }

    /// Whether the engine runs on this machine, so that its containers see
    /// this machine's files (bind mounts of the harness and the wheels).
    pub fn is_local(&self) -> bool {
        matches!(self.transport(), Transport::Unix(_))
    }
}

/// The transport of `address`, or what is wrong with it.
pub fn transport(address: &str) -> Result<Transport, String> {
    let bad = |why: &str| {
        Err(format!(
            "the engine address `{address}` {why}. Give unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST, as in DOCKER_HOST."
        ))
    };
    if let Some(path) = address.strip_prefix("unix://") {
        return match path.starts_with('/') {
            true => Ok(Transport::Unix(path.to_string())),
            false => bad("needs an absolute socket path after unix://"),
        };
    }
    for (scheme, make) in [
        ("tcp://", Transport::Tcp as fn(String) -> Transport),
        ("ssh://", Transport::Ssh),
    ] {
        if let Some(rest) = address.strip_prefix(scheme) {
            let host = rest.rsplit('@').next().unwrap_or(rest);
            return match host.is_empty() || rest.contains('/') {
                true => bad("has no host, or a path after it"),
                false => Ok(make(address.to_string())),
            };
        }
    }
    bad("has no known scheme")
}

/// A `--engine` value: `NAME=ADDRESS`, `ADDRESS` (named after its host), or
/// the name of an engine of the configuration.
pub fn parse_flag(value: &str, configured: &[EngineSpec]) -> Result<EngineSpec, String> {
    if let Some(known) = configured.iter().find(|e| e.name == value) {
        return Ok(known.clone());
    }
    let (name, address) = match value.split_once('=') {
        Some((name, address)) if !name.contains("://") => (name.to_string(), address),
        _ => (default_name(value), value),
    };
    if !address.contains("://") {
        let names: Vec<&str> = configured.iter().map(|e| e.name.as_str()).collect();
        let known = match names.is_empty() {
            true => "the configuration names no engines".to_string(),
            false => format!("the configuration names {}", names.join(", ")),
        };
        return Err(format!(
            "--engine {value}: neither an address nor a configured engine ({known}). Give NAME=unix:///path/docker.sock, NAME=tcp://HOST:PORT or NAME=ssh://USER@HOST, or add it under `engines:` in the config."
        ));
    }
    let spec = EngineSpec {
        name,
        address: address.to_string(),
        tls: None,
    };
    check(std::slice::from_ref(&spec))?;
    Ok(spec)
}

/// `tcp://box:2376` → `box`; `unix:///run/a/docker.sock` → `a`.
fn default_name(address: &str) -> String {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let host = rest.rsplit('@').next().unwrap_or(rest);
    let host = host.split(':').next().unwrap_or(host);
    match host.rsplit('/').nth(1) {
        Some(dir) if address.starts_with("unix://") && !dir.is_empty() => dir.to_string(),
        _ => host.to_string(),
    }
}

/// Every engine well formed, names and addresses distinct.
pub fn check(engines: &[EngineSpec]) -> Result<(), String> {
    for (i, e) in engines.iter().enumerate() {
        transport(&e.address)?;
        let usable = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        if e.name.is_empty() || !e.name.chars().all(usable) {
            return Err(format!(
                "the engine name `{}` ({}) cannot name result files: use letters, digits, `-`, `_` and `.`.",
                e.name, e.address
            ));
        }
        if e.tls.is_some() && !matches!(transport(&e.address)?, Transport::Tcp(_)) {
            return Err(format!(
                "engine {}: TLS files are for tcp:// addresses; {} is not one. Remove `tls:` or give its tcp:// address.",
                e.name, e.address
            ));
        }
        if let Some(other) = engines[..i].iter().find(|o| o.name == e.name) {
            return Err(format!(
                "two engines are named `{}` ({} and {}): give each its own name (NAME=ADDRESS).",
                e.name, other.address, e.address
            ));
        }
        if let Some(other) = engines[..i].iter().find(|o| o.address == e.address) {
            return Err(format!(
                "engines `{}` and `{}` are the same address {}: a run on both would measure one machine twice, each disturbing the other. Give each engine once.",
                other.name, e.name, e.address
            ));
        }
    }
    Ok(())
}

/// The engines of a command: the `--engine` flags when given, else the
/// configuration's `engines:`, else the one from `DOCKER_HOST` (`None`).
pub fn select(
    flags: &[String],
    configured: &[EngineSpec],
) -> Result<Option<Vec<EngineSpec>>, String> {
    let chosen: Vec<EngineSpec> = match flags.is_empty() {
        false => flags
            .iter()
            .map(|f| parse_flag(f, configured))
            .collect::<Result<_, _>>()?,
        true => configured.to_vec(),
    };
    check(&chosen)?;
    Ok((!chosen.is_empty()).then_some(chosen))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, address: &str) -> EngineSpec {
        EngineSpec {
            name: name.into(),
            address: address.into(),
            tls: None,
        }
    }

    #[test]
    fn addresses_are_told_apart_by_scheme() {
        assert_eq!(
            transport("unix:///var/run/docker.sock"),
            Ok(Transport::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            transport("tcp://box:2376"),
            Ok(Transport::Tcp("tcp://box:2376".into()))
        );
        assert_eq!(
            transport("ssh://me@arm-box"),
            Ok(Transport::Ssh("ssh://me@arm-box".into()))
        );
        for bad in [
            "box:2376",
            "unix://run/docker.sock",
            "tcp://",
            "ssh://me@",
            "http://x",
        ] {
            let e = transport(bad).unwrap_err();
            assert!(e.contains(bad) && e.contains("unix:///"), "{e}");
        }
    }

    #[test]
    fn a_flag_is_name_and_address_an_address_or_a_configured_name() {
        let configured = [spec("laptop", "tcp://laptop:2375")];
        assert_eq!(
            parse_flag("second=unix:///tmp/e2/docker.sock", &configured),
            Ok(spec("second", "unix:///tmp/e2/docker.sock"))
        );
        assert_eq!(
            parse_flag("tcp://big-server:2376", &configured),
            Ok(spec("big-server", "tcp://big-server:2376"))
        );
        assert_eq!(
            parse_flag("unix:///run/engine-2/docker.sock", &configured),
            Ok(spec("engine-2", "unix:///run/engine-2/docker.sock"))
        );
        assert_eq!(parse_flag("laptop", &configured), Ok(configured[0].clone()));
        let e = parse_flag("desktop", &configured).unwrap_err();
        assert!(
            e.contains("names laptop") && e.contains("NAME=tcp://"),
            "{e}"
        );
    }

    #[test]
    fn flags_replace_the_configured_engines_and_none_means_docker_host() {
        let configured = [spec("a", "unix:///a.sock"), spec("b", "tcp://b:2375")];
        assert_eq!(select(&[], &[]), Ok(None));
        assert_eq!(select(&[], &configured), Ok(Some(configured.to_vec())));
        assert_eq!(
            select(&["b".into()], &configured),
            Ok(Some(vec![configured[1].clone()]))
        );
    }

    #[test]
    fn names_and_addresses_must_be_distinct_and_tls_only_on_tcp() {
        let twice = check(&[spec("a", "unix:///a.sock"), spec("a", "unix:///b.sock")]);
        assert!(twice.unwrap_err().contains("two engines are named `a`"));
        let same = check(&[spec("a", "unix:///a.sock"), spec("b", "unix:///a.sock")]);
        assert!(same.unwrap_err().contains("same address"));
        let bad_name = check(&[spec("my box", "tcp://box:1")]).unwrap_err();
        assert!(bad_name.contains("letters, digits"), "{bad_name}");
        let tls = TlsFiles {
            ca: "ca.pem".into(),
            cert: "cert.pem".into(),
            key: "key.pem".into(),
        };
        let mut unix = spec("a", "unix:///a.sock");
        unix.tls = Some(tls.clone());
        assert!(check(&[unix])
            .unwrap_err()
            .contains("TLS files are for tcp://"));
        let mut tcp = spec("a", "tcp://a:2376");
        tcp.tls = Some(tls);
        assert_eq!(check(&[tcp]), Ok(()));
    }
}
