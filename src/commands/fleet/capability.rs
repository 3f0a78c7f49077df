//! What a command can do with engines, as a type: how many it takes and
//! whether they may be on another machine. Checked before anything
//! connects, against every engine of the command (DOCKER_HOST's included).
//! Pure.

use crate::docker::address::EngineSpec;

/// The engines a command can work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Any number, on any machine: this machine's files reach a remote
    /// engine's containers as volumes (`build`, `run`).
    Anywhere,
    /// Any number, each on this machine: the containers write their results
    /// back into a folder here, which a remote engine cannot reach (`ext`).
    ThisMachine,
    /// One at a time: `info`, and `run uops`, whose transcript (or terminal)
    /// is one engine's.
    One,
    /// Two or more: `run --shard` splits the configurations across them.
    TwoOrMore,
}

impl Capability {
    /// Whether `command` (as the user typed it, for the message) may use
    /// `engines`; the reason and the fix when not.
    pub fn check(self, command: &str, engines: &[EngineSpec]) -> Result<(), String> {
        match self {
            Capability::Anywhere => Ok(()),
            Capability::TwoOrMore if engines.len() < 2 => Err(format!(
                "{command} splits the configurations across engines, and one engine was given. Give two or more you know to be identical machines: --engine a=ADDRESS --engine b=ADDRESS (or `engines:` in the config)."
            )),
            Capability::TwoOrMore => Ok(()),
            Capability::One if engines.len() > 1 => {
                let names: Vec<&str> = engines.iter().map(|s| s.name.as_str()).collect();
                Err(format!(
                    "`{command}` works on one engine at a time, and {} were given ({}). Pick one with `--engine NAME`; `build`, `run` and `ext` take several.",
                    engines.len(),
                    names.join(", ")
                ))
            }
            Capability::One => Ok(()),
            Capability::ThisMachine => match engines.iter().find(|s| !s.is_local()) {
                Some(remote) => Err(remote_refused(command, remote)),
                None => Ok(()),
            },
        }
    }
}

/// Why `command` cannot use an engine on another machine, and what to do.
fn remote_refused(command: &str, remote: &EngineSpec) -> String {
    let (which, flag) = match remote.name.is_empty() {
        true => ("DOCKER_HOST's engine".to_string(), String::new()),
        false => (
            format!("engine {}", remote.name),
            format!("--engine {}={} ", remote.name, remote.address),
        ),
    };
    format!(
        "{which} is at {address}, another machine: `{command}` writes the wheels and modules it builds into a folder of this machine, which a remote engine cannot reach. Give an engine whose socket is on this machine (unix://), or run pybench-docker on that machine; `pybench-docker {flag}build` brings the images there.",
        address = remote.address,
    )
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
    fn each_capability_takes_its_engines_and_refuses_the_others_with_the_fix() {
        let two = [
            spec("a", "unix:///run/a/docker.sock"),
            spec("b", "unix:///run/b/docker.sock"),
        ];
        let remote = spec("server", "tcp://server:2376");
        let docker_host = spec("", "unix:///var/run/docker.sock");
        assert_eq!(Capability::Anywhere.check("run", &two), Ok(()));
        assert_eq!(
            Capability::Anywhere.check("build", &[two[0].clone(), remote.clone()]),
            Ok(())
        );
        assert_eq!(Capability::ThisMachine.check("ext", &two), Ok(()));
        for one_only in ["info", "run uops"] {
            let e = Capability::One.check(one_only, &two).unwrap_err();
            assert!(
                e.contains(&format!("`{one_only}` works on one engine at a time"))
                    && e.contains("(a, b)"),
                "{e}"
            );
            assert_eq!(Capability::One.check(one_only, &two[..1]), Ok(()));
            assert_eq!(
                Capability::One.check(one_only, std::slice::from_ref(&docker_host)),
                Ok(())
            );
        }
        let e = Capability::ThisMachine
            .check("ext", std::slice::from_ref(&remote))
            .unwrap_err();
        assert!(
            e.contains("engine server is at tcp://server:2376, another machine")
                && e.contains("--engine server=tcp://server:2376 build"),
            "{e}"
        );
        let e = Capability::ThisMachine
            .check("ext", &[spec("", "tcp://box:2375")])
            .unwrap_err();
        assert!(
            e.starts_with("DOCKER_HOST's engine is at tcp://box:2375")
                && e.contains("`pybench-docker build`"),
            "{e}"
        );
        let e = Capability::TwoOrMore
            .check("run --shard", std::slice::from_ref(&docker_host))
            .unwrap_err();
        assert!(
            e.contains("run --shard splits") && e.contains("two or more"),
            "{e}"
        );
        assert_eq!(Capability::TwoOrMore.check("run --shard", &two), Ok(()));
    }
}
