//! A local SMTP server from another ecosystem (Python's aiosmtpd, pinned in
//! `tests/python`): it accepts every message and records each, parsed as MIME by Python's
//! own e-mail parser, as a JSON line.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct SmtpSink {
    pub port: u16,
    out: PathBuf,
    _child: Child,
}

impl SmtpSink {
    /// Starts the server, or says it cannot (a failure under `CI=true`).
    pub async fn start() -> Option<SmtpSink> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
        let python = dir.join(".venv/bin/python");
        if !python.exists() {
            crate::skip_or_fail(
                "the e-mail tests",
                "tests/python/.venv (aiosmtpd) is missing",
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let out =
            std::env::temp_dir().join(format!("firebreak-smtp-{}.jsonl", uuid::Uuid::now_v7()));
        let mut child = Command::new(python)
            .arg(dir.join("smtp_sink.py"))
            .arg(port.to_string())
            .arg(&out)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python starts");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let ready =
            tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line()).await;
        assert!(
            matches!(ready, Ok(Ok(Some(ref l))) if l == "ready"),
            "the SMTP server did not start: {ready:?}"
        );
        Some(SmtpSink {
            port,
            out,
            _child: child,
        })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, parsed.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        std::fs::remove_file(&self.out).ok();
    }
}
