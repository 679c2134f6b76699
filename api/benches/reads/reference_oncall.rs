//! The reference's answers to the metrics and on-call reads, written as a careful
//! handler would: the columns asked for, people's names joined in, and the pure core
//! (`scheduler`) for what is computed (figures, rotations), as the issue allows.

use super::reference::{Ref, Shared, cursor, instant, upper};
use axum::extract::{Json, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::{DetectionSource, Severity};
use scheduler::domain::metrics::{self, IncidentSample, PostmortemSample, Summary};
use scheduler::oncall::shifts::{self, Shift};
use scheduler::oncall::{Layer, Member, Override, Span, Weekdays, Window};
use sea_orm::QueryResult;
use serde_json::{Value as J, json};
use std::collections::HashMap;
use uuid::Uuid;

fn var<T: std::str::FromStr>(body: &J, name: &str) -> Result<T, StatusCode> {
    body["variables"][name]
        .as_str()
        .and_then(|v| v.parse().ok())
        .ok_or(StatusCode::BAD_REQUEST)
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> T {
    row.try_get("", column).unwrap()
}

fn severity(s: &str) -> Severity {
    match s {
        "sev1" => Severity::Sev1,
        "sev2" => Severity::Sev2,
        "sev3" => Severity::Sev3,
        _ => Severity::Sev4,
    }
}

fn detection(s: &str) -> DetectionSource {
    match s {
        "alert" => DetectionSource::Alert,
        "customer_report" => DetectionSource::CustomerReport,
        "internal_report" => DetectionSource::InternalReport,
        "other_team" => DetectionSource::OtherTeam,
        _ => DetectionSource::Unknown,
    }
}

/// A count as a GraphQL `Int`.
fn int(n: i64) -> i64 {
    n.clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

fn stats(s: Option<Summary>) -> J {
    s.map_or(J::Null, |s| {
        json!({ "meanSeconds": s.mean, "medianSeconds": int(s.median),
                "p90Seconds": int(s.p90), "sampleSize": s.n })
    })
}

/// `incidentMetrics` with the figures the measured query asks for.
pub async fn metrics(
    State(s): Shared,
    headers: HeaderMap,
    Json(body): Json<J>,
) -> Result<String, StatusCode> {
    s.authenticate(&headers).await?;
    let f = &body["variables"]["f"];
    let parse = |k: &str| -> Result<DateTime<Utc>, StatusCode> {
        f[k].as_str()
            .and_then(|v| v.parse().ok())
            .ok_or(StatusCode::BAD_REQUEST)
    };
    let (from, to) = (parse("from")?, parse("to")?);
    let period = format!(
        "started_at >= {} AND started_at < {}",
        s.placeholders(1, 1),
        s.placeholders(2, 1)
    );
    let bounds = || vec![from.into(), to.into()];
    let (rows, pages, pms, org) = tokio::join!(
        s.query(
            format!(
                "SELECT id, highest_severity, started_at, start_known, detected_at, declared_at, \
                 acknowledged_at, mitigated_at, resolved_at, false_alarm, duplicate_of, \
                 detection_source FROM incidents WHERE {period}"
            ),
            bounds()
        ),
        s.query(
            format!(
                "SELECT a.incident_id, MIN(p.created_at) AS first_paged FROM pages p \
                 JOIN alerts a ON a.id = p.alert_id \
                 WHERE a.incident_id IN (SELECT id FROM incidents WHERE {period}) \
                 GROUP BY a.incident_id"
            ),
            bounds()
        ),
        s.query(
            format!(
                "SELECT due_at, published_at FROM postmortems \
                 WHERE incident_id IN (SELECT id FROM incidents WHERE {period})"
            ),
            bounds()
        ),
        s.query("SELECT time_zone FROM organization".into(), vec![]),
    );
    let first: HashMap<Uuid, DateTime<Utc>> = pages
        .iter()
        .map(|r| (get(r, "incident_id"), get(r, "first_paged")))
        .collect();
    let incidents: Vec<IncidentSample> = rows
        .iter()
        .map(|r| IncidentSample {
            severity: severity(&get::<String>(r, "highest_severity")),
            started: get(r, "started_at"),
            detected: get(r, "detected_at"),
            declared: get(r, "declared_at"),
            acknowledged: get(r, "acknowledged_at"),
            first_paged: first.get(&get::<Uuid>(r, "id")).copied(),
            mitigated: get(r, "mitigated_at"),
            resolved: get(r, "resolved_at"),
            start_known: get(r, "start_known"),
            false_alarm: get(r, "false_alarm"),
            duplicate: get::<Option<Uuid>>(r, "duplicate_of").is_some(),
            recurrence: false,
            detection: detection(&get::<String>(r, "detection_source")),
        })
        .collect();
    let pms: Vec<PostmortemSample> = pms
        .iter()
        .map(|r| PostmortemSample {
            due: get(r, "due_at"),
            published: get(r, "published_at"),
        })
        .collect();
    let zone = org
        .first()
        .and_then(|r| get::<String>(r, "time_zone").parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let r = metrics::report(from, to, Utc::now(), zone, &incidents, &pms, &[]);
    let by_severity: Vec<J> = r
        .by_severity
        .iter()
        .map(|(sev, n)| json!({ "severity": upper(format!("{sev:?}")), "count": n }))
        .collect();
    let weekly: Vec<J> = r
        .weekly
        .iter()
        .map(|w| json!({ "week": w.label, "weekStart": w.start.to_string(), "count": w.count }))
        .collect();
    Ok(json!({ "data": { "incidentMetrics": {
        "total": r.total, "bySeverity": by_severity, "falseAlarms": r.false_alarms,
        "duplicates": r.duplicates, "mttd": stats(r.mttd), "mtta": stats(r.mtta),
        "mttm": stats(r.mttm), "mttr": stats(r.mttr), "weekly": weekly,
        "postmortems": { "due": r.postmortems_due, "doneOnTime": r.postmortems_on_time,
                         "doneLate": r.postmortems_late },
    } } })
    .to_string())
}

/// A schedule's layers (id, name, rotation), the overrides of a span and everyone's name.
struct Rota {
    layers: Vec<(Uuid, String, Layer)>,
    overrides: Vec<Override>,
    names: HashMap<Uuid, String>,
}

async fn rota(s: &super::reference::Ref, schedule: &str, key: Uuid, span: Span) -> Rota {
    let (p2, p3) = (s.placeholders(2, 1), s.placeholders(3, 1));
    let (layers, members, overrides) = tokio::join!(
        s.query(
            format!(
                "SELECT l.id, l.schedule_id, l.name, l.time_zone, l.window_start, l.window_end, \
                 l.weekdays, l.rotation_days, l.handoff_minute, l.start_date \
                 FROM schedule_layers l WHERE {schedule} ORDER BY l.position, l.id"
            ),
            vec![key.into()]
        ),
        s.query(
            format!(
                "SELECT m.layer_id, m.user_id, m.shadow, u.name FROM layer_members m \
                 JOIN users u ON u.id = m.user_id \
                 WHERE m.layer_id IN (SELECT l.id FROM schedule_layers l WHERE {schedule}) \
                 ORDER BY m.position"
            ),
            vec![key.into()]
        ),
        s.query(
            format!(
                "SELECT o.id, o.layer_id, o.user_id, o.replaces_user_id, o.starts_at, o.ends_at, \
                 u.name FROM schedule_overrides o JOIN users u ON u.id = o.user_id \
                 WHERE o.schedule_id IN (SELECT l.schedule_id FROM schedule_layers l WHERE {schedule}) \
                 AND o.ends_at > {p2} AND o.starts_at < {p3} ORDER BY o.starts_at"
            ),
            vec![key.into(), span.start.into(), span.end.into()]
        ),
    );
    let mut names = HashMap::new();
    for r in members.iter().chain(&overrides) {
        names.insert(get::<Uuid>(r, "user_id"), get::<String>(r, "name"));
    }
    let time = |m: i32| NaiveTime::from_num_seconds_from_midnight_opt(m as u32 * 60, 0).unwrap();
    let layers = layers
        .iter()
        .map(|r| {
            let id: Uuid = get(r, "id");
            let window = match (
                get::<Option<i32>>(r, "window_start"),
                get::<Option<i32>>(r, "window_end"),
            ) {
                (Some(a), Some(b)) => Window::Daily {
                    start: time(a),
                    end: time(b),
                },
                _ => Window::AllDay,
            };
            let layer = Layer {
                id,
                zone: get::<String>(r, "time_zone").parse().unwrap(),
                window,
                weekdays: Weekdays((get::<i32>(r, "weekdays") & 0x7f) as u8),
                members: members
                    .iter()
                    .filter(|m| get::<Uuid>(m, "layer_id") == id)
                    .map(|m| Member {
                        user: get(m, "user_id"),
                        shadow: get(m, "shadow"),
                    })
                    .collect(),
                rotation_days: get::<i32>(r, "rotation_days").max(1) as u32,
                handoff_time: time(get(r, "handoff_minute")),
                start_date: get::<NaiveDate>(r, "start_date"),
            };
            (id, get::<String>(r, "name"), layer)
        })
        .collect();
    let overrides = overrides
        .iter()
        .map(|o| Override {
            id: get(o, "id"),
            layer: get(o, "layer_id"),
            span: Span::new(get(o, "starts_at"), get(o, "ends_at")),
            user: get(o, "user_id"),
            replaces: get(o, "replaces_user_id"),
        })
        .collect();
    Rota {
        layers,
        overrides,
        names,
    }
}

impl Rota {
    fn user(&self, id: Uuid) -> J {
        self.names
            .get(&id)
            .map_or(J::Null, |n| json!({ "name": n }))
    }
    fn ids(shift: &Shift) -> Vec<String> {
        shift.overrides.iter().map(Uuid::to_string).collect()
    }
}

/// `whoIsOnCall` for a team's default schedule at an instant.
pub async fn who(
    State(s): Shared,
    headers: HeaderMap,
    Json(body): Json<J>,
) -> Result<String, StatusCode> {
    s.authenticate(&headers).await?;
    let (team, at): (Uuid, DateTime<Utc>) = (var(&body, "team")?, var(&body, "at")?);
    let reach = chrono::Duration::days(i64::from(scheduler::oncall::rules::MAX_ROTATION_DAYS) + 2);
    let schedule = format!(
        "l.schedule_id = (SELECT default_schedule_id FROM teams WHERE id = {})",
        s.placeholders(1, 1)
    );
    let rota = rota(&s, &schedule, team, Span::new(at - reach, at + reach)).await;
    let mut nobody = true;
    let layers: Vec<J> = rota
        .layers
        .iter()
        .map(|(id, name, layer)| {
            let on = shifts::on_call(layer, &rota.overrides, at);
            nobody &= on.primary.is_none();
            let gap = match &on.primary {
                Some(_) => J::Null,
                None if layer.members.iter().all(|m| m.shadow) => json!("EMPTY_LAYER"),
                None => json!("OUTSIDE_WINDOW"),
            };
            json!({
                "layer": { "id": id.to_string(), "name": name },
                "primary": on.primary.as_ref().map(|p| json!({
                    "user": rota.user(p.user), "startsAt": instant(p.span.start),
                    "endsAt": instant(p.span.end), "overrideIds": Rota::ids(p) })),
                "shadows": on.shadows.iter().map(|p| json!({
                    "user": rota.user(p.user), "startsAt": instant(p.span.start),
                    "endsAt": instant(p.span.end) })).collect::<Vec<_>>(),
                "inWindow": on.in_window,
                "gap": gap,
            })
        })
        .collect();
    Ok(json!({ "data": { "whoIsOnCall": {
        "at": instant(at), "layers": layers, "nobodyOnCall": nobody } } })
    .to_string())
}

/// `shifts` of a schedule over a range.
pub async fn shifts(
    State(s): Shared,
    headers: HeaderMap,
    Json(body): Json<J>,
) -> Result<String, StatusCode> {
    s.authenticate(&headers).await?;
    let schedule: Uuid = var(&body, "s")?;
    let span = Span::new(var(&body, "from")?, var(&body, "to")?);
    let condition = format!("l.schedule_id = {}", s.placeholders(1, 1));
    let rota = rota(&s, &condition, schedule, span).await;
    let layers: Vec<Layer> = rota.layers.iter().map(|(_, _, l)| l.clone()).collect();
    let names: HashMap<Uuid, &str> = rota
        .layers
        .iter()
        .map(|(id, name, _)| (*id, name.as_str()))
        .collect();
    let list: Vec<J> = shifts::schedule_shifts(&layers, &rota.overrides, span)
        .iter()
        .map(|x| {
            json!({ "user": rota.user(x.user), "layerId": x.layer.to_string(),
                    "layerName": names.get(&x.layer).copied().unwrap_or_default(),
                    "startsAt": instant(x.span.start), "endsAt": instant(x.span.end),
                    "shadow": x.shadow, "overrideIds": Rota::ids(x) })
        })
        .collect();
    Ok(json!({ "data": { "shifts": list } }).to_string())
}

/// The caller's newest 50 rows of `sql` (its rows by the caller's id, `ORDER BY id DESC
/// LIMIT 51`) and the connection's page info (cursor: the last id).
async fn newest_first(s: &Ref, sql: String, me: Uuid) -> (Vec<QueryResult>, J) {
    let mut rows = s.query(sql, vec![me.into()]).await;
    let more = rows.len() > 50;
    rows.truncate(50);
    let end = rows
        .last()
        .map(|r| cursor(&get::<Uuid>(r, "id").to_string()));
    (rows, json!({ "hasNextPage": more, "endCursor": end }))
}

/// `myPages(first: 50)` with each page's alert.
pub async fn pages(State(s): Shared, headers: HeaderMap) -> Result<String, StatusCode> {
    let me = s.authenticate(&headers).await?;
    let sql = format!(
        "SELECT p.id, p.via, p.created_at, p.acknowledged_at, a.id AS alert_id, \
         a.summary, a.status FROM pages p JOIN alerts a ON a.id = p.alert_id \
         WHERE p.user_id = {} ORDER BY p.id DESC LIMIT 51",
        s.placeholders(1, 1)
    );
    let (rows, info) = newest_first(&s, sql, me).await;
    let nodes: Vec<J> = rows
        .iter()
        .map(|r| {
            json!({ "id": get::<Uuid>(r, "id").to_string(), "via": get::<String>(r, "via"),
                    "createdAt": instant(get(r, "created_at")),
                    "acknowledgedAt": get::<Option<DateTime<Utc>>>(r, "acknowledged_at").map(instant),
                    "alert": { "id": get::<Uuid>(r, "alert_id").to_string(),
                               "summary": get::<String>(r, "summary"),
                               "status": upper(get(r, "status")) } })
        })
        .collect();
    Ok(json!({ "data": { "myPages": { "nodes": nodes, "pageInfo": info } } }).to_string())
}

/// `myNotifications(first: 50)`.
pub async fn notifications(State(s): Shared, headers: HeaderMap) -> Result<String, StatusCode> {
    const KINDS: [&str; 12] = [
        "PAGE",
        "STATUS_UPDATE_DUE",
        "CUSTOMER_UPDATE_DUE",
        "POSTMORTEM_DUE",
        "ACTION_ITEM_DUE",
        "HANDOFF_WRITE",
        "HANDOFF_INCOMING",
        "HANDOFF_UNACKNOWLEDGED",
        "LOAD_LIMIT",
        "NIGHT_PAGE",
        "WEEKLY_DIGEST",
        "TEST",
    ];
    let me = s.authenticate(&headers).await?;
    let sql = format!(
        "SELECT id, kind, subject, object_type, created_at, read_at FROM notifications \
         WHERE recipient_id = {} ORDER BY id DESC LIMIT 51",
        s.placeholders(1, 1)
    );
    let (rows, info) = newest_first(&s, sql, me).await;
    let nodes: Vec<J> = rows
        .iter()
        .map(|r| {
            let kind: String = get(r, "kind");
            json!({ "id": get::<Uuid>(r, "id").to_string(),
                    "kind": KINDS.contains(&kind.as_str()).then_some(kind),
                    "subject": get::<String>(r, "subject"),
                    "objectType": get::<String>(r, "object_type"),
                    "createdAt": instant(get(r, "created_at")),
                    "readAt": get::<Option<DateTime<Utc>>>(r, "read_at").map(instant) })
        })
        .collect();
    Ok(json!({ "data": { "myNotifications": { "nodes": nodes, "pageInfo": info } } }).to_string())
}
