//! The load generator: wrk (Debian's `wrk`), pinned to its own core, one thread, a fixed
//! number of connections, with a Lua script that posts the request and counts every
//! answer that is not a 200 without GraphQL errors.

use std::process::Command;

#[derive(Debug, Clone, Copy, Default)]
pub struct Run {
    pub requests: u64,
    pub errors: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// The Lua script: `body` is either a fixed JSON body or, with `{n}` in it, a template
/// numbered per request (distinct titles).
fn script(body: &str, token: &str) -> String {
    let quoted = format!("{body:?}");
    format!(
        r#"
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) errors = 0; n = 0 end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
local template = {quoted}
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, (string.gsub(template, "{{n}}", tostring(n))))
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then errors = errors + 1 end
end
function done(summary, latency, requests)
  -- Socket errors and timeouts count as errors too.
  local x = summary.errors
  local e = x.connect + x.read + x.write + x.timeout
  for _, t in ipairs(threads) do e = e + t:get("errors") end
  io.write(string.format("RESULT %d %d %f %f %f\n", summary.requests, e,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"#
    )
}

/// Runs wrk against `url` for `seconds` with `connections`, pinned to `core`.
pub fn wrk(url: &str, body: &str, token: &str, connections: u32, seconds: u32, core: usize) -> Run {
    let path = std::env::temp_dir().join(format!("firebreak-bench-{}.lua", std::process::id()));
    std::fs::write(&path, script(body, token)).unwrap();
    let out = Command::new("taskset")
        .args(["-c", &core.to_string(), "wrk", "-t1"])
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        // A slow answer is measured, not dropped (wrk's default gives up after 2 s).
        .arg("--timeout=30s")
        .arg("-s")
        .arg(&path)
        .arg(url)
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "wrk printed no result: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let f: Vec<f64> = line
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    Run {
        requests: f[0] as u64,
        errors: f[1] as u64,
        per_second: f[2],
        p50_ms: f[3],
        p99_ms: f[4],
    }
}

/// The median run by throughput.
pub fn median(mut runs: Vec<Run>) -> Run {
    runs.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    runs[runs.len() / 2]
}
