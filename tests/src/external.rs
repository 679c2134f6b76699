//! Third-party programs the tests drive (Node clients): where they live, and what happens
//! when they are missing (a loud skip, or a failure under `CI=true`).

use std::io::Write;
use std::path::PathBuf;

/// Where the independent clients live: Node.js scripts with pinned packages
/// (`tests/node/package-lock.json`), installed by `.ci/run` (`npm ci`).
pub fn node_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node")
}

/// Says loudly that a test cannot run here; under `CI=true` that is a failure.
pub fn skip_or_fail(what: &str, reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {what} cannot run: {reason}");
    }
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPING {what}: {reason}. Run .ci/run (it installs the \
         pinned outside tools) to run it. ***\n"
    );
}

/// Runs `node tests/node/<script> <args…>` and returns its standard output, or `None`
/// (after a visible notice, or a panic under CI) when Node or the packages are missing.
pub async fn node(script: &str, args: &[&str]) -> Option<String> {
    let dir = node_dir();
    if !dir.join("node_modules").exists() {
        skip_or_fail(script, "tests/node/node_modules is missing");
        return None;
    }
    let out = match tokio::process::Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(&dir)
        .output()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            skip_or_fail(script, &format!("node cannot be started ({e})"));
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(stdout)
}

/// A free local port for a process the tests start (a server, Alertmanager, a worker).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
