//! The reference read benchmark: Firebreak's GraphQL reads against a hand-written axum
//! handler answering the same bytes, on SQLite and PostgreSQL, plus `declareIncident`
//! under 32 clients and the process's start time and memory. Outside the test run:
//!
//!     cargo bench -p firebreak --bench reads
//!
//! `incident(id)` is measured once more as async-graphql alone (`ceiling`) against the
//! reference: what the library costs that read before any code of ours runs.
//!
//! Needs `wrk` and `taskset` (Debian: `wrk`, `util-linux`) and two cores: the server under
//! test on core 0, the load on core 1. Prints a table and writes it to `BENCHMARKS.md`.
//! `FIREBREAK_BENCH_SECONDS` (default 10) sets each run's length; runs alternate between
//! Firebreak and the reference, three each. `FIREBREAK_BENCH_ONLY=sqlite` (or `postgresql`)
//! runs one database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ceiling;
mod data;
mod load;
mod oncall_data;
mod reference;
mod reference_app;
mod reference_oncall;
mod setup;

use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Backend, TEST_SECRET, free_port};
use load::Run;
use std::fmt::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER_CORE: usize = 0;
const LOAD_CORE: usize = 1;
const CONNECTIONS: u32 = 32;

const LIST: &str = "query IncidentList { incidents(first: 50) { nodes { id title severity status declaredAt roles { role user { name } } timeline(first: 5, order: NEWEST_FIRST) { nodes { id at kind message } } } pageInfo { hasNextPage endCursor } } }";
const METRICS: &str = "query Metrics($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { total bySeverity { severity count } falseAlarms duplicates mttd { meanSeconds medianSeconds p90Seconds sampleSize } mtta { meanSeconds medianSeconds p90Seconds sampleSize } mttm { meanSeconds medianSeconds p90Seconds sampleSize } mttr { meanSeconds medianSeconds p90Seconds sampleSize } weekly { week weekStart count } postmortems { due doneOnTime doneLate } } }";
const WHO: &str = "query Who($team: ID!, $at: DateTime) { whoIsOnCall(teamId: $team, at: $at) { at layers { layer { id name } primary { user { name } startsAt endsAt overrideIds } shadows { user { name } startsAt endsAt } inWindow gap } nobodyOnCall } }";
const SHIFTS: &str = "query Shifts($s: ID!, $from: DateTime!, $to: DateTime!) { shifts(scheduleId: $s, from: $from, to: $to) { user { name } layerId layerName startsAt endsAt shadow overrideIds } }";
const PAGES: &str = "query MyPages { myPages(first: 50) { nodes { id via createdAt acknowledgedAt alert { id summary status } } pageInfo { hasNextPage endCursor } } }";
const NOTIFICATIONS: &str = "query MyNotifications { myNotifications(first: 50) { nodes { id kind subject objectType createdAt readAt } pageInfo { hasNextPage endCursor } } }";
const ONE: &str = "query IncidentOne($id: ID!) { incident(id: $id) { id title severity status declaredAt roles { role user { name } } timeline(first: 5, order: NEWEST_FIRST) { nodes { id at kind message } } } }";

fn seconds() -> u32 {
    std::env::var("FIREBREAK_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// A server process pinned to the server core; killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Starts `firebreak serve` on `database_url`; returns it and the time until `/readyz`.
fn firebreak(database_url: &str) -> (Server, Duration) {
    let port = free_port();
    let start = Instant::now();
    let child = Command::new("taskset")
        .args([
            "-c",
            &SERVER_CORE.to_string(),
            env!("CARGO_BIN_EXE_firebreak"),
            "serve",
        ])
        .env("FIREBREAK_DATABASE_URL", database_url)
        .env("FIREBREAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("FIREBREAK_JWT_SECRET", TEST_SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port };
    let ready = wait_ready(&server.url("/readyz"));
    (server, ready.duration_since(start))
}

fn reference(database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new("taskset")
        .args(["-c", &SERVER_CORE.to_string()])
        .arg(std::env::current_exe().unwrap())
        .args(["reference", database_url, &port.to_string(), TEST_SECRET])
        .spawn()
        .unwrap();
    let server = Server { child, port };
    wait_listening(port);
    server
}

fn wait_ready(url: &str) -> Instant {
    let client = reqwest::blocking::Client::new();
    loop {
        if client
            .get(url)
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            return Instant::now();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn wait_listening(port: u16) {
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn post(url: &str, token: &str, body: &Value) -> String {
    let response = reqwest::blocking::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .unwrap();
    let status = response.status();
    let text = response.text().unwrap();
    assert!(status.is_success(), "{url}: {status} {text}");
    text
}

/// Where two answers first differ, with some context.
fn first_difference(a: &str, b: &str) -> String {
    let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let from = at.saturating_sub(80);
    format!(
        "at byte {at}: …{}… vs …{}…",
        &a[from..(at + 80).min(a.len())],
        &b[from..(at + 80).min(b.len())]
    )
}

/// Statements per request of `operation` so far, from Firebreak's `/metrics`.
fn statements(server: &Server, operation: &str) -> (f64, f64) {
    let text = reqwest::blocking::get(server.url("/metrics"))
        .unwrap()
        .text()
        .unwrap();
    let value = |suffix: &str| {
        text.lines()
            .filter(|l| {
                l.contains(&format!("graphql_sql_statements_{suffix}"))
                    && l.contains(&format!("operation=\"{operation}\""))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    (value("sum"), value("count"))
}

/// Drives `url` with the benchmark's load: its connections, for its seconds, from its core.
fn drive(url: &str, body: &str, token: &str) -> Run {
    load::wrk(url, body, token, CONNECTIONS, seconds(), LOAD_CORE)
}

struct Row {
    database: &'static str,
    read: &'static str,
    firebreak: Run,
    reference: Option<Run>,
    statements: f64,
    reference_statements: Option<f64>,
}

/// One measured read: checks the bytes match, then alternates runs.
fn measure(
    fb: &Server,
    rf: &Server,
    token: &str,
    (read, operation, body, path): (&'static str, &str, Value, &str),
    database: &'static str,
) -> Row {
    let ours = post(&fb.url("/graphql"), token, &body);
    let theirs = post(&rf.url(path), token, &body);
    assert!(
        ours == theirs,
        "{read}: the reference must answer the same bytes, {}",
        first_difference(&ours, &theirs)
    );
    let body = body.to_string();
    if let Ok(path) = std::env::var("FIREBREAK_BENCH_PERF") {
        profile(
            fb,
            &body,
            token,
            &format!("{path}-{database}-{operation}.data"),
        );
    }
    let before = statements(fb, operation);
    let ref_before: u64 = post(&rf.url("/statements"), token, &json!({}))
        .parse()
        .unwrap();
    let (mut ours, mut theirs) = (vec![], vec![]);
    for _ in 0..3 {
        ours.push(drive(&fb.url("/graphql"), &body, token));
        theirs.push(drive(&rf.url(path), &body, token));
    }
    let after = statements(fb, operation);
    let ref_after: u64 = post(&rf.url("/statements"), token, &json!({}))
        .parse()
        .unwrap();
    let (ours, theirs) = (load::median(ours), load::median(theirs));
    let ref_requests: u64 = 3 * theirs.requests;
    Row {
        database,
        read,
        firebreak: ours,
        reference: Some(theirs),
        statements: (after.0 - before.0) / (after.1 - before.1).max(1.0),
        reference_statements: Some((ref_after - ref_before) as f64 / ref_requests.max(1) as f64),
    }
}

/// The stack's ceiling for `incident(id)` (see `ceiling`): async-graphql alone on the
/// reference's SQL, against the reference, both in the reference's process, alternating.
fn measure_ceiling(rf: &Server, token: &str, body: &Value, database: &'static str) -> Row {
    let ceiling = post(&rf.url("/one-graphql"), token, body);
    let theirs = post(&rf.url("/one"), token, body);
    assert!(
        ceiling == theirs,
        "the ceiling must answer the same bytes, {}",
        first_difference(&ceiling, &theirs)
    );
    let body = body.to_string();
    let count = || -> u64 {
        post(&rf.url("/statements"), token, &json!({}))
            .parse()
            .unwrap()
    };
    let before = count();
    let (mut ours, mut theirs) = (vec![], vec![]);
    for _ in 0..3 {
        ours.push(drive(&rf.url("/one-graphql"), &body, token));
        theirs.push(drive(&rf.url("/one"), &body, token));
    }
    let requests: u64 = ours.iter().chain(&theirs).map(|r| r.requests).sum();
    let per_request = (count() - before) as f64 / requests.max(1) as f64;
    Row {
        database,
        read: "incident(id): async-graphql alone, the ceiling",
        firebreak: load::median(ours),
        reference: Some(load::median(theirs)),
        statements: per_request,
        reference_statements: Some(per_request),
    }
}

/// Records a CPU profile of Firebreak under the read's load (`perf record -g`), for
/// `perf report -i <file>`: set `FIREBREAK_BENCH_PERF=/tmp/perf` to get one per read.
fn profile(fb: &Server, body: &str, token: &str, file: &str) {
    let mut perf = Command::new("perf")
        .args([
            "record",
            "-F",
            "2000",
            "-g",
            "-o",
            file,
            "-p",
            &fb.child.id().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("perf runs (apt-get install linux-perf)");
    drive(&fb.url("/graphql"), body, token);
    let _ = Command::new("kill")
        .args(["-INT", &perf.id().to_string()])
        .status();
    let _ = perf.wait();
    eprintln!("profile written to {file}");
}

fn declare(fb: &Server, token: &str, team: &str, distinct: bool, database: &'static str) -> Row {
    let title = if distinct {
        "Bench {n}"
    } else {
        "Bench outage"
    };
    let body = json!({
        "query": "mutation Declare($i: DeclareIncidentInput!) { declareIncident(input: $i) { incident { id } } }",
        "variables": { "i": { "title": title, "severity": "SEV2", "teamId": team } },
    })
    .to_string();
    let before = statements(fb, "Declare");
    let run = drive(&fb.url("/graphql"), &body, token);
    let after = statements(fb, "Declare");
    Row {
        database,
        read: if distinct {
            "declareIncident, distinct titles"
        } else {
            "declareIncident, one title"
        },
        firebreak: run,
        reference: None,
        statements: (after.0 - before.0) / (after.1 - before.1).max(1.0),
        reference_statements: None,
    }
}

/// The measured reads: label, operation, request and the reference's path.
fn reads(
    bench: &setup::Bench,
    fb: &Server,
    token: &str,
) -> Vec<(&'static str, &'static str, Value, &'static str)> {
    let one_id = {
        let page = post(&fb.url("/graphql"), token, &json!({ "query": LIST }));
        let page: Value = firebreak_tests::serde_json::from_str(&page).unwrap();
        page["data"]["incidents"]["nodes"][7]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let at = bench.at;
    let year = json!({ "from": at - chrono::Duration::days(365), "to": at });
    let fortnight = (
        at - chrono::Duration::days(14),
        at + chrono::Duration::days(14),
    );
    vec![
        (
            "incidents(first: 50)",
            "IncidentList",
            json!({ "query": LIST }),
            "/list",
        ),
        (
            "incident(id)",
            "IncidentOne",
            json!({ "query": ONE, "variables": { "id": one_id } }),
            "/one",
        ),
        (
            "incidentMetrics, a year",
            "Metrics",
            json!({ "query": METRICS, "variables": { "f": year } }),
            "/metrics",
        ),
        (
            "whoIsOnCall",
            "Who",
            json!({ "query": WHO, "variables": { "team": bench.watched_team, "at": at } }),
            "/who",
        ),
        (
            "shifts, four weeks",
            "Shifts",
            json!({ "query": SHIFTS, "variables": { "s": bench.schedule, "from": fortnight.0, "to": fortnight.1 } }),
            "/shifts",
        ),
        (
            "myPages(first: 50)",
            "MyPages",
            json!({ "query": PAGES }),
            "/pages",
        ),
        (
            "myNotifications(first: 50)",
            "MyNotifications",
            json!({ "query": NOTIFICATIONS }),
            "/notifications",
        ),
    ]
}

/// Whether `FIREBREAK_BENCH_READS` (operation names, comma-separated; default all)
/// includes `operation` (`Declare` for the two declare runs).
fn wanted(operation: &str) -> bool {
    std::env::var("FIREBREAK_BENCH_READS")
        .map_or(true, |r| r.split(',').any(|o| o.trim() == operation))
}

fn table(rows: &[Row], processes: &[(String, Duration, f64, f64)]) -> String {
    let mut out = String::from(
        "| database | request | Firebreak req/s | p50 ms | p99 ms | errors | SQL/req | reference req/s | p50 ms | p99 ms | SQL/req | ratio |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let f = r.firebreak;
        let _ = write!(
            out,
            "| {} | {} | {:.0} | {:.1} | {:.1} | {} | {:.1} |",
            r.database, r.read, f.per_second, f.p50_ms, f.p99_ms, f.errors, r.statements
        );
        match (r.reference, r.reference_statements) {
            (Some(x), Some(s)) => {
                let _ = writeln!(
                    out,
                    " {:.0} | {:.1} | {:.1} | {:.1} | {:.2} |",
                    x.per_second,
                    x.p50_ms,
                    x.p99_ms,
                    s,
                    f.per_second / x.per_second
                );
            }
            _ => {
                let _ = writeln!(out, " | | | | |");
            }
        }
    }
    out.push_str(
        "\n| database | start to ready | memory idle | memory after load |\n|---|---|---|---|\n",
    );
    for (db, start, idle, after) in processes {
        let _ = writeln!(
            out,
            "| {db} | {:.0} ms | {idle:.1} MB | {after:.1} MB |",
            start.as_secs_f64() * 1000.0
        );
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("reference") {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(reference_app::serve(
            &args[2],
            args[3].parse().unwrap(),
            &args[4],
        ));
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut rows = vec![];
    let mut processes = vec![];
    let only = std::env::var("FIREBREAK_BENCH_ONLY").unwrap_or_default();
    for (backend, name) in [
        (Backend::Sqlite, "SQLite"),
        (Backend::Postgres, "PostgreSQL"),
    ] {
        if !only.is_empty() && !name.eq_ignore_ascii_case(&only) {
            continue;
        }
        let Some(bench) = runtime.block_on(setup::setup(backend)) else {
            eprintln!("{name}: not available, skipped");
            continue;
        };
        let app = &bench.app;
        let url = app.state.config.database_url.clone();
        if let Some(pause) = std::env::var("FIREBREAK_BENCH_PAUSE")
            .ok()
            .and_then(|p| p.parse().ok())
        {
            eprintln!("{name}: the data set is at {url} for {pause} s");
            std::thread::sleep(Duration::from_secs(pause));
        }
        let token = app.sign("reader");
        let (fb, ready) = firebreak(&url);
        std::thread::sleep(Duration::from_secs(2));
        let idle = fb.rss_mb();
        let rf = reference(&url);
        for read in reads(&bench, &fb, &token) {
            if wanted(read.1) {
                if read.1 == "IncidentOne" {
                    rows.push(measure_ceiling(&rf, &token, &read.2, name));
                }
                rows.push(measure(&fb, &rf, &token, read, name));
            }
        }
        let team = &bench.declare_team;
        if wanted("Declare") {
            rows.push(declare(&fb, &token, team, true, name));
            rows.push(declare(&fb, &token, team, false, name));
        }
        processes.push((name.to_owned(), ready, idle, fb.rss_mb()));
        drop(fb);
        drop(rf);
        runtime.block_on(async move { drop(bench) });
    }
    let report = table(&rows, &processes);
    println!("{report}");
    let doc = format!(
        "# Benchmarks\n\nWritten by `cargo bench -p firebreak --bench reads` ({} s runs, {CONNECTIONS} connections, the server on core {SERVER_CORE}, wrk on core {LOAD_CORE}; medians of three interleaved runs). Data: {} incidents, {} users.\n\n{report}",
        seconds(),
        data::INCIDENTS,
        data::USERS
    );
    std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../BENCHMARKS.md"),
        doc,
    )
    .unwrap();
}
