//! Alerts from a real Prometheus Alertmanager (Debian's `prometheus-alertmanager`,
//! installed by `.ci/run`): its own instance on a free port, clustering off, a temporary
//! storage path, one-second group waits, a webhook receiver pointing at the test server.
//! Alerts are posted to its API; grouping, repeats and resolution must produce exactly
//! the alerts and pages they should. Alertmanager stamps real times, so the test's clock
//! is set to real now. Integration keys never appear in a response after creation.

use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e, free_port, skip_or_fail};
use std::time::Duration;

const BINARY: &str = "prometheus-alertmanager";

struct Alertmanager {
    child: tokio::process::Child,
    url: String,
    _dir: tempdir::Dir,
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn start(webhook: &str) -> Option<Alertmanager> {
    if std::process::Command::new(BINARY)
        .arg("--version")
        .output()
        .is_err()
    {
        skip_or_fail(
            "the Alertmanager test",
            &format!("`{BINARY}` is not installed (apt install prometheus-alertmanager)"),
        );
        return None;
    }
    let dir = std::env::temp_dir().join(format!("firebreak-am-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        "route:\n  receiver: firebreak\n  group_by: ['alertname']\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 2s\nreceivers:\n- name: firebreak\n  webhook_configs:\n  - url: '{webhook}'\n    send_resolved: true\n"
    );
    std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
    let port = free_port();
    let child = tokio::process::Command::new(BINARY)
        .arg(format!(
            "--config.file={}",
            dir.join("alertmanager.yml").display()
        ))
        .arg(format!("--storage.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .arg("--log.level=warn")
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/-/ready"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Some(Alertmanager {
                child,
                url,
                _dir: tempdir::Dir(dir),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Alertmanager did not become ready");
}

async fn post_alerts(am: &Alertmanager, alerts: Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v2/alerts", am.url))
        .json(&alerts)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

const ALERTS: &str = "query($t: ID!) { alerts(filter: { teamId: $t }) { nodes { id status severity name summary source pages { user { login } } resolvedBy { login } } } }";

async fn alerts(app: &TestApp, token: &str, team: &str) -> Vec<Value> {
    app.gql(Some(token), ALERTS, json!({ "t": team }))
        .await
        .ok()["alerts"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

/// Waits until `check` holds for the team's alerts (Alertmanager delivers in its own time).
async fn until(
    app: &TestApp,
    token: &str,
    team: &str,
    what: &str,
    check: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..150 {
        let a = alerts(app, token, team).await;
        if check(&a) {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "timed out waiting for {what}: {:?}",
        alerts(app, token, team).await
    );
}

e2e!(alertmanager_groups_repeats_and_resolutions, |app| {
    // Real time: Alertmanager stamps its own instants.
    app.advance_clock(chrono::Utc::now() - app.now());
    let (team, mia) = crate::schedules::team_with_manager(&app).await;
    let mia = {
        let _ = mia;
        app.sign("mia")
    };
    let (oncall, _) = app.named_user("olga", Role::Responder).await;
    let sid = crate::schedules::schedule(&app, &mia, &team).await;
    let today = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    crate::schedules::add_layer(&app, &mia, &sid, json!({ "name": "Primary", "timeZone": "UTC", "handoffTime": "00:00:00", "startDate": today.to_string(), "members": crate::schedules::members(&[&oncall], &[]) })).await.ok();
    let created = app
        .call(
            &mia,
            "createIntegration",
            "CreateIntegrationInput",
            json!({ "teamId": team, "name": "prometheus", "kind": "alertmanager" }),
            "key integration { id path }",
        )
        .await;
    let key = created.ok()["createIntegration"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = app.gql(Some(&mia), "query($t: ID!) { integrations(teamId: $t) { id name kind severityMap { value severity } } }", json!({ "t": team })).await;
    assert!(
        !listed.body.to_string().contains(&key),
        "the key is never shown again"
    );
    assert_eq!(listed.ok()["integrations"][0]["kind"], "alertmanager");

    let Some(am) = start(&app.url(&format!("/webhooks/alertmanager/{key}"))).await else {
        return;
    };
    let firing = |instance: &str| json!({ "labels": { "alertname": "DiskFull", "severity": "critical", "instance": instance }, "annotations": { "summary": "Disk almost full" }, "startsAt": chrono::Utc::now().to_rfc3339() });
    post_alerts(&am, json!([firing("db-1")])).await;
    let a = until(&app, &mia, &team, "the group to open an alert", |a| {
        a.len() == 1
    })
    .await;
    assert_eq!(a[0]["status"], "TRIGGERED");
    assert_eq!(a[0]["severity"], "SEV1");
    assert_eq!(a[0]["name"], "DiskFull");
    assert_eq!(a[0]["source"], "prometheus");
    assert_eq!(a[0]["pages"][0]["user"]["login"], "olga");
    let pages_before = a[0]["pages"].as_array().unwrap().len();
    // Alertmanager repeats the notification every 2 s while the group fires: repeats
    // change nothing.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let a = alerts(&app, &mia, &team).await;
    assert_eq!(a.len(), 1, "a repeat opens no alert: {a:?}");
    assert_eq!(
        a[0]["pages"].as_array().unwrap().len(),
        pages_before,
        "a repeat pages nobody"
    );

    // A second alert joins the group: still one alert, nobody paged again.
    post_alerts(&am, json!([firing("db-1"), firing("db-2")])).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let a = alerts(&app, &mia, &team).await;
    assert_eq!(a.len(), 1, "one alert per group: {a:?}");
    assert_eq!(a[0]["pages"].as_array().unwrap().len(), pages_before);
    let details = entity::alert::Entity::find()
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(
        details[0]
            .details
            .as_ref()
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2,
        "both alerts of the group are on it"
    );

    // Resolution: both end; Alertmanager says the group resolved.
    let ended = |instance: &str| json!({ "labels": { "alertname": "DiskFull", "severity": "critical", "instance": instance }, "annotations": { "summary": "Disk almost full" }, "endsAt": chrono::Utc::now().to_rfc3339() });
    post_alerts(&am, json!([ended("db-1"), ended("db-2")])).await;
    let a = until(&app, &mia, &team, "the group to resolve", |a| {
        a.len() == 1 && a[0]["status"] == "RESOLVED"
    })
    .await;
    assert_eq!(a[0]["resolvedBy"], Value::Null, "resolved by its source");

    // The group fires again after resolving: a new alert.
    post_alerts(&am, json!([firing("db-3")])).await;
    let a = until(&app, &mia, &team, "a new alert after resolution", |a| {
        a.len() == 2
    })
    .await;
    assert_eq!(a[0]["status"], "TRIGGERED");
});

use sea_orm::EntityTrait;

e2e!(webhook_deliveries_are_idempotent_and_checked, |app| {
    let (team, mia) = crate::schedules::team_with_manager(&app).await;
    let created = app
        .call(
            &mia,
            "createIntegration",
            "CreateIntegrationInput",
            json!({ "teamId": team, "name": "prometheus", "kind": "alertmanager" }),
            "key integration { id }",
        )
        .await;
    let created = created.ok()["createIntegration"].clone();
    let key = created["key"].as_str().unwrap().to_owned();
    let notification = |status: &str| {
        json!({
            "version": "4", "groupKey": "{}:{alertname=\"Latency\"}", "status": status, "receiver": "firebreak",
            "groupLabels": { "alertname": "Latency" }, "commonLabels": { "alertname": "Latency", "severity": "warning" },
            "commonAnnotations": { "summary": "p99 above 2 s" }, "externalURL": "http://am", "truncatedAlerts": 0,
            "alerts": [{ "status": status, "labels": { "alertname": "Latency", "severity": "warning" }, "annotations": {}, "startsAt": "2026-11-23T08:59:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom", "fingerprint": "abc123" }],
        })
    };
    let post = |path: String, body: Value, bearer: Option<String>| {
        let client = app.client.clone();
        let url = app.url(&path);
        async move {
            let mut req = client.post(url).json(&body);
            if let Some(b) = bearer {
                req = req.bearer_auth(b);
            }
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let path = format!("/webhooks/alertmanager/{key}");
    // The same notification twice (a high-availability pair): one alert.
    let (s1, b1) = post(path.clone(), notification("firing"), None).await;
    assert_eq!(s1, 200, "{b1}");
    assert!(b1.contains("opened"));
    let (s2, b2) = post(
        "/webhooks/alertmanager".into(),
        notification("firing"),
        Some(key.clone()),
    )
    .await;
    assert_eq!((s2, b2.contains("unchanged")), (200, true), "{b2}");
    let a = alerts(&app, &mia, &team).await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["severity"], "SEV3", "warning maps to SEV3");
    assert_eq!(a[0]["summary"], "p99 above 2 s");
    // A critical alert joins the group: the alert is raised to SEV1 and pages whoever SEV1
    // adds (the team's on-call is nobody here; the admins are the fallback).
    let mut worse = notification("firing");
    worse["alerts"].as_array_mut().unwrap().push(json!({ "status": "firing", "labels": { "alertname": "Latency", "severity": "critical" }, "annotations": {}, "startsAt": "2026-11-23T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom", "fingerprint": "def456" }));
    let (s3, b3) = post(path.clone(), worse.clone(), None).await;
    assert_eq!((s3, b3.contains("updated")), (200, true), "{b3}");
    assert_eq!(alerts(&app, &mia, &team).await[0]["severity"], "SEV1");
    // Unknown key, malformed body, another version: nothing written.
    assert_eq!(
        post(
            "/webhooks/alertmanager/nope".into(),
            notification("firing"),
            None
        )
        .await
        .0,
        404
    );
    let (s, b) = post(path.clone(), json!({ "hello": "world" }), None).await;
    assert_eq!(s, 400);
    assert!(b.contains("not an Alertmanager webhook payload"), "{b}");
    let mut v3 = notification("firing");
    v3["version"] = json!("3");
    assert_eq!(post(path.clone(), v3, None).await.0, 400);
    assert_eq!(alerts(&app, &mia, &team).await.len(), 1);
    // Resolved, twice: resolved once (the notification lists both alerts resolved).
    let mut resolved = notification("resolved");
    resolved["alerts"].as_array_mut().unwrap().push(json!({ "status": "resolved", "labels": { "alertname": "Latency", "severity": "critical" }, "annotations": {}, "fingerprint": "def456" }));
    assert_eq!(
        post(path.clone(), notification("resolved"), None).await.0,
        200
    );
    let (_, again) = post(path.clone(), notification("resolved"), None).await;
    assert!(again.contains("unchanged"), "{again}");
    assert_eq!(alerts(&app, &mia, &team).await[0]["status"], "RESOLVED");
    // The other peer's copy of the last firing notification, arriving late: nothing.
    let (_, late) = post(path.clone(), worse, None).await;
    assert!(late.contains("unchanged"), "{late}");
    assert_eq!(alerts(&app, &mia, &team).await.len(), 1);

    // The generic webhook.
    let generic = app
        .call(
            &mia,
            "createIntegration",
            "CreateIntegrationInput",
            json!({ "teamId": team, "name": "cron", "kind": "generic", "defaultSeverity": "SEV2" }),
            "key",
        )
        .await
        .ok()["createIntegration"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let gpath = format!("/webhooks/generic/{generic}");
    let (s, b) = post(
        gpath.clone(),
        json!({ "summary": "Backup failed", "dedupKey": "backup-nightly" }),
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, repeat) = post(
        gpath.clone(),
        json!({ "summary": "Backup failed", "dedupKey": "backup-nightly" }),
        None,
    )
    .await;
    assert!(repeat.contains("unchanged"), "{repeat}");
    assert_eq!(
        post(
            gpath.clone(),
            json!({ "summary": "x", "dedupKey": "k", "bogus": 1 }),
            None
        )
        .await
        .0,
        400
    );
    let a = alerts(&app, &mia, &team).await;
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["severity"], "SEV2");
    post(
        gpath.clone(),
        json!({ "summary": "Backup failed", "dedupKey": "backup-nightly", "status": "resolve" }),
        None,
    )
    .await;
    assert_eq!(alerts(&app, &mia, &team).await[0]["status"], "RESOLVED");

    // Revoked: 404. Non-managers cannot create integrations.
    app.call(
        &mia,
        "revokeIntegration",
        "IntegrationIdInput",
        json!({ "integrationId": created["integration"]["id"] }),
        "integration { revokedAt }",
    )
    .await
    .ok();
    assert_eq!(post(path, notification("firing"), None).await.0, 404);
    let responder = app.token(Role::Responder).await;
    app.call(
        &responder,
        "createIntegration",
        "CreateIntegrationInput",
        json!({ "teamId": team, "name": "x", "kind": "generic" }),
        "key",
    )
    .await
    .expect_code("FORBIDDEN");
});
