//! Two Docker Engines: the machine's daemon and a second one this test
//! starts (own socket, data root and exec root; see the README, "Several
//! engines"), reached over tcp:// as a remote engine would be. The second
//! starts empty: the images must be carried to it, and this machine's files
//! (the harness) reach its containers as volumes.
//! Needs root, as dockerd does; fails loudly without it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::*;

/// The tests here check that no labelled container is left on the main
/// engine, so they must not run at the same time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A second dockerd in its own network namespace (`unshare --net`): told
/// `--bridge none`, dockerd deletes the interface `docker0`, which the
/// machine's daemon uses; in a namespace of its own there is none to delete.
/// Containers of this tool have no network anyway.
struct SecondDaemon {
    child: Child,
    dir: tempfile::TempDir,
}

impl SecondDaemon {
    fn start() -> SecondDaemon {
        // Short paths: containerd's sockets live under the exec root, and a
        // unix socket path must fit in 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("pbd2-")
            .tempdir_in("/tmp")
            .unwrap();
        let config = dir.path().join("daemon.json");
        // Not the machine's /etc/docker/daemon.json: its data-root is the main daemon's.
        std::fs::write(&config, "{}").unwrap();
        let log = std::fs::File::create(dir.path().join("dockerd.log")).unwrap();
        let p = |name: &str| dir.path().join(name).display().to_string();
        let child = Command::new("unshare")
            .args(["--net", "dockerd", "--config-file", &p("daemon.json")])
            .args(["--data-root", &p("data"), "--exec-root", &p("x")])
            .args(["--pidfile", &p("dockerd.pid")])
            .args(["-H", &format!("unix://{}", p("docker.sock"))])
            .args(["--bridge", "none", "--iptables=false", "--ip-masq=false"])
            .args(["--storage-driver", &main_storage_driver()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("dockerd and unshare are installed (this test starts a second Docker daemon)");
        let daemon = SecondDaemon { child, dir };
        let socket = daemon.socket();
        assert!(
            wait_for(60, || Command::new("docker")
                .args(["-H", &format!("unix://{}", socket.display()), "version"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())),
            "the second dockerd did not answer within 60 s (it needs root):\n{}",
            std::fs::read_to_string(daemon.dir.path().join("dockerd.log")).unwrap_or_default()
        );
        daemon
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    fn address(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// The daemon as another machine would show it: `tcp://127.0.0.1:PORT`,
    /// forwarded to its socket by this test. To the tool a tcp:// engine is
    /// remote, so this machine's files reach its containers as volumes.
    fn tcp_address(&self) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let socket = self.socket();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(daemon) = std::os::unix::net::UnixStream::connect(&socket) else {
                    continue;
                };
                let (mut c2, mut d2) = (client.try_clone().unwrap(), daemon.try_clone().unwrap());
                let (mut c1, mut d1) = (client, daemon);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c1, &mut d1);
                    let _ = d1.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut d2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        format!("tcp://127.0.0.1:{port}")
    }
}

impl Drop for SecondDaemon {
    fn drop(&mut self) {
        // SIGTERM: dockerd stops its containerd and unmounts its layers.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        // Never panic in drop: a daemon that will not stop is killed.
        if !wait_for(30, || matches!(self.child.try_wait(), Ok(Some(_)))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The machine daemon's storage driver (fuse-overlayfs where the kernel's
/// overlay is not available inside this VM): the second daemon uses the same.
fn main_storage_driver() -> String {
    let out = Command::new("docker")
        .args(["info", "--format", "{{.Driver}}"])
        .output()
        .expect("the docker client is installed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn main_address() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".into())
}

/// What the docker client says about the engine at `address`.
fn docker_at(address: &str, args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(["-H", address])
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn image_id(address: &str, image: &str) -> String {
    docker_at(address, &["image", "inspect", "--format", "{{.Id}}", image])
}

/// Containers of the tool's `session` left on the engine at `address` (of
/// any session with `None`: the second engine is this test's alone, while
/// on the machine's daemon other people's sessions come and go).
fn leftover_containers(address: &str, session: Option<&str>) -> String {
    let filter = match session {
        Some(id) => format!("label=pybench-docker.session={id}"),
        None => "label=pybench-docker.session".to_string(),
    };
    docker_at(address, &["ps", "-a", "-q", "--filter", &filter])
}

/// The session a run's result file records.
fn session_of(json: &Path) -> String {
    read_json(json)["session"].as_str().unwrap().to_string()
}

#[test]
fn a_matrix_runs_on_two_engines_with_the_images_carried_to_the_empty_one() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    images();
    wheels_in_cache();
    let second = SecondDaemon::start();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("gil.json");
    let main = format!("main={}", main_address());
    let other = format!("second={}", second.tcp_address());
    let out = run(&[
        "--engine",
        &main,
        "--engine",
        &other,
        "run",
        "gil",
        "--interpreters",
        "3.13,3.13t",
        "-n",
        "15",
        "--processes",
        "3",
        "--values",
        "3",
        "--warmups",
        "1",
        "--min-time",
        "0.02",
        "--json",
        json.to_str().unwrap(),
    ]);
    let (said, table) = (stderr(&out), stdout(&out));
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("engine main: images present")
            && said.contains("engine second: images missing: carrying them from main"),
        "{said}"
    );
    assert!(said.contains("engine second: carried"), "{said}");
    assert!(
        table.contains("gil on 2 engines") && table.contains("main") && table.contains("second"),
        "{table}"
    );

    for name in ["main", "second"] {
        let r = read_json(&member(&json, name));
        assert_eq!(r["host"]["engine"], name, "{}", r["host"]);
        assert!(r["host"]["cpus"].as_u64().unwrap() >= 1);
        let rows = r["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "3.13 and 3.13t at 1 and 2 threads");
        for row in rows {
            assert_eq!(row["outcome"]["status"], "ok", "{row}");
            assert_eq!(row["samples"].as_array().unwrap().len(), 3, "{row}");
        }
    }
    // Carried, not rebuilt: the same image, id for id.
    let pythons = read_json(&member(&json, "main"))["rows"][0]["image"]
        .as_str()
        .unwrap()
        .to_string();
    let id = image_id(&main_address(), &pythons);
    assert!(id.starts_with("sha256:"), "{id}");
    assert_eq!(image_id(&second.address(), &pythons), id);

    let session = session_of(&member(&json, "main"));
    assert_eq!(
        leftover_containers(&main_address(), Some(&session)),
        "",
        "main engine"
    );
    assert_eq!(
        leftover_containers(&second.address(), None),
        "",
        "second engine"
    );
    let volumes = docker_at(
        &second.address(),
        &[
            "volume",
            "ls",
            "-q",
            "--filter",
            "label=pybench-docker.session",
        ],
    );
    assert_eq!(volumes, "", "the volumes that carried the harness are gone");

    // ext on both (the second through its socket: ext writes its modules
    // back into a folder here), each engine's modules in a folder of its own.
    let out_dir = dir.path().join("mods");
    let ext_json = dir.path().join("ext.json");
    let out = run(&[
        "--engine",
        &main,
        "--engine",
        &format!("second={}", second.address()),
        "ext",
        "--out",
        out_dir.to_str().unwrap(),
        "--json",
        ext_json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    for name in ["main", "second"] {
        assert!(
            out_dir.join(name).join("3.13-greeter_stock.so").is_file(),
            "{name}: {:?}",
            std::fs::read_dir(&out_dir).map(|d| d.count())
        );
        assert!(member(&ext_json, name).is_file(), "{name}");
    }
    assert!(
        stdout(&out).contains("── engine second"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        leftover_containers(&second.address(), None),
        "",
        "second engine"
    );

    // A list of two packages over both: each engine checks its share, one
    // matrix and one file hold both.
    let packages = root().join("tests/packages");
    let list_json = dir.path().join("list.json");
    let out = run(&[
        "--engine",
        &main,
        "--engine",
        &format!("second={}", second.address()),
        "ext",
        packages.join("gil_declared").to_str().unwrap(),
        packages.join("gil_undeclared").to_str().unwrap(),
        "--offline",
        "--wheelhouse",
        root().join("target/wheelhouse").to_str().unwrap(),
        "--no-cache",
        "--out",
        dir.path().join("wheels").to_str().unwrap(),
        "--json",
        list_json.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("Extension readiness: 2 packages"), "{text}");
    let doc = read_json(&list_json);
    let rows: Vec<(String, String, usize)> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["engine"].as_str().unwrap_or_default().to_string(),
                p["results"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("gil_declared".to_string(), "main".to_string(), 6),
            ("gil_undeclared".to_string(), "second".to_string(), 6)
        ]
    );
    assert!(
        !member(&list_json, "main").exists(),
        "one file for the list"
    );
    assert_eq!(
        leftover_containers(&second.address(), None),
        "",
        "second engine"
    );
}

#[test]
fn an_unreachable_engine_fails_alone_and_the_other_finishes() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    images();
    wheels_in_cache();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("gil.json");
    let main = format!("main={}", main_address());
    let out = run(&[
        "--engine",
        &main,
        "--engine",
        "gone=unix:///tmp/pybench-no-such-daemon.sock",
        "run",
        "gil",
        "--interpreters",
        "3.13,3.13t",
        "-n",
        "10",
        "--processes",
        "3",
        "--values",
        "2",
        "--min-time",
        "0.01",
        "--json",
        json.to_str().unwrap(),
    ]);
    let (said, table) = (stderr(&out), stdout(&out));
    assert!(!out.status.success(), "a failed engine is a failed command");
    assert!(
        said.contains("engine gone: cannot reach the Docker daemon at unix:///tmp/pybench-no-such-daemon.sock"),
        "{said}"
    );
    assert!(said.contains("1 of 2 engine(s) had failures"), "{said}");
    assert!(table.contains("failed: cannot reach"), "{table}");
    let r = read_json(&member(&json, "main"));
    assert!(r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|row| row["outcome"]["status"] == "ok"));
    assert!(!member(&json, "gone").exists());
    let session = session_of(&member(&json, "main"));
    assert_eq!(leftover_containers(&main_address(), Some(&session)), "");
}

/// `r.json` → `r.NAME.json`: one result file per engine.
fn member(json: &Path, name: &str) -> PathBuf {
    json.with_extension(format!("{name}.json"))
}
