//! The digest as one reader sees it ([`view`]: restricted incidents they may not see
//! are left out entirely, not even counted), and its renderings: plain text and HTML for
//! e-mail (and the inbox), and the JSON of the `team.weekly_digest` event, from which
//! Slack's blocks are made. One view feeds all three, so their figures cannot disagree.

use super::super::when;
use super::gather::TeamWeek;
use crate::services::events;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use maud::{DOCTYPE, Markup, html};
use scheduler::domain::references::incident_name;
use scheduler::due::digest::days_late;
use scheduler::paging::load::Level;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use uuid::Uuid;

/// Alert sources shown: the noisiest few are what a manager can act on.
const SOURCES: usize = 5;

/// Instants in the event's JSON as in every other event's (`events::at`).
fn instant<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&events::at(*t))
}

fn instant_opt<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => instant(t, s),
        None => s.serialize_none(),
    }
}

/// The local days the digest covers (both inclusive) and the zone they are read in.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Week {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub time_zone: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamDigest {
    pub team: TeamRef,
    pub incidents: Incidents,
    pub postmortems: Postmortems,
    pub action_items: ActionItems,
    /// Per person, busiest first.
    pub load: Vec<LoadLine>,
    pub noisiest_sources: Vec<SourceLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incidents {
    /// Declared in the week (duplicates closed into another left out).
    pub declared: u64,
    /// Resolved in the week, whenever declared.
    pub resolved: u64,
    pub by_severity: BTreeMap<String, u64>,
    pub list: Vec<IncidentLine>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentLine {
    pub id: String,
    pub name: String,
    pub severity: String,
    pub status: String,
    #[serde(serialize_with = "instant")]
    pub declared_at: DateTime<Utc>,
    #[serde(serialize_with = "instant_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Postmortems {
    pub open: u64,
    pub overdue: u64,
    pub list: Vec<PostmortemLine>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostmortemLine {
    pub id: String,
    pub incident_name: String,
    #[serde(serialize_with = "instant")]
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub days_late: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionItems {
    pub overdue: u64,
    pub list: Vec<ItemLine>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemLine {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub incident_name: String,
    #[serde(serialize_with = "instant")]
    pub due_at: DateTime<Utc>,
    pub days_late: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadLine {
    pub user_id: String,
    pub name: String,
    pub hours_on_call: f64,
    pub pages: u32,
    pub night_pages: u32,
    pub out_of_hours_pages: u32,
    pub incidents_led: u32,
    /// `OK`, `WARNING` or `BREACH` against the team's weekly limits; null for someone
    /// who was not on call.
    pub level: Option<&'static str>,
    pub rest_owed_minutes: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceLine {
    pub source: String,
    pub name: String,
    pub alerts: u32,
    pub pages: u32,
    pub acknowledgement_rate: f64,
}

/// `week` as its readers see it, at the digest's instant `now` (lateness in local days of
/// `zone`). What the week holds was chosen when it was read (its scope); nothing is
/// filtered here.
pub fn view(week: &TeamWeek, zone: Tz, now: DateTime<Utc>) -> TeamDigest {
    let name = |i: &entity::incident::Model| incident_name(i.channel.as_deref(), &i.title);
    let person = |id: &Uuid| week.names.get(id).cloned().unwrap_or_default();
    TeamDigest {
        team: TeamRef {
            id: week.team.id.to_string(),
            name: week.team.name.clone(),
        },
        incidents: Incidents {
            declared: week.declared,
            resolved: week.resolved,
            by_severity: week.by_severity.clone(),
            list: week
                .declared_list
                .iter()
                .map(|i| IncidentLine {
                    id: i.id.to_string(),
                    name: name(i),
                    severity: <&str>::from(i.severity).to_owned(),
                    status: <&str>::from(i.status).to_uppercase(),
                    declared_at: i.declared_at,
                    resolved_at: i.resolved_at,
                })
                .collect(),
        },
        postmortems: Postmortems {
            open: week.postmortems_open,
            overdue: week.postmortems_overdue,
            list: week
                .postmortems
                .iter()
                .map(|(p, i)| PostmortemLine {
                    id: p.id.to_string(),
                    incident_name: name(i),
                    due_at: p.due_at,
                    overdue: p.due_at < now,
                    days_late: days_late(p.due_at, now, zone),
                })
                .collect(),
        },
        action_items: ActionItems {
            overdue: week.items_overdue,
            list: week
                .overdue_items
                .iter()
                .map(|(a, i)| ItemLine {
                    id: a.id.to_string(),
                    title: a.title.clone(),
                    owner: person(&a.owner_id),
                    incident_name: name(i),
                    due_at: a.due_at,
                    days_late: days_late(a.due_at, now, zone),
                })
                .collect(),
        },
        load: week
            .load
            .iter()
            .map(|l| LoadLine {
                user_id: l.user.to_string(),
                name: person(&l.user),
                hours_on_call: (l.on_call.num_minutes() as f64 / 6.0).round() / 10.0,
                pages: l.pages,
                night_pages: l.night_pages,
                out_of_hours_pages: l.out_of_hours_pages,
                incidents_led: l.incidents_led,
                level: l.level.map(|level| match level {
                    Level::Ok => "OK",
                    Level::Warning => "WARNING",
                    Level::Breach => "BREACH",
                }),
                rest_owed_minutes: l.rest_owed.num_minutes(),
            })
            .collect(),
        noisiest_sources: week
            .sources
            .iter()
            .take(SOURCES)
            .map(|s| SourceLine {
                source: s.source.clone(),
                name: s.name.clone(),
                alerts: s.alerts,
                pages: s.pages,
                acknowledgement_rate: f64::from(s.acknowledged_permille) / 1000.0,
            })
            .collect(),
    }
}

/// The e-mail's subject: the week and the first three teams.
pub fn subject(week: &Week, teams: &[TeamDigest]) -> String {
    let mut names: Vec<String> = teams.iter().take(3).map(|t| t.team.name.clone()).collect();
    if let Some(m) = more(3, teams.len() as u64) {
        names.push(m);
    }
    format!(
        "Weekly digest {} to {}: {}",
        week.first_day,
        week.last_day,
        names.join(", ")
    )
}

fn more(listed: usize, all: u64) -> Option<String> {
    let listed = listed as u64;
    (all > listed).then(|| format!("and {} more", all - listed))
}

fn severities(t: &TeamDigest) -> String {
    t.incidents
        .by_severity
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `n` things, in the singular for one.
fn count(n: u32, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

fn load_words(l: &LoadLine) -> String {
    let mut s = format!(
        "{} h on call, {} ({} at night, {} out of hours)",
        l.hours_on_call,
        count(l.pages, "page"),
        l.night_pages,
        l.out_of_hours_pages
    );
    if l.incidents_led > 0 {
        let _ = write!(s, ", led {}", l.incidents_led);
    }
    if let Some(level) = l.level.filter(|l| *l != "OK") {
        let _ = write!(s, ", {}", level.to_lowercase());
    }
    if l.rest_owed_minutes > 0 {
        let _ = write!(s, ", {} min rest owed", l.rest_owed_minutes);
    }
    s
}

fn source_words(s: &SourceLine) -> String {
    format!(
        "{}, {}, {:.0}% acknowledged",
        count(s.alerts, "alert"),
        count(s.pages, "page"),
        s.acknowledgement_rate * 100.0
    )
}

/// The plain-text rendering (the inbox's body and the e-mail's text part).
pub fn text(week: &Week, teams: &[TeamDigest]) -> String {
    let mut out = format!(
        "Your teams' week, {} to {} ({}).\n",
        week.first_day, week.last_day, week.time_zone
    );
    for t in teams {
        let _ = write!(out, "\n== {} ==\n", t.team.name);
        let i = &t.incidents;
        let _ = writeln!(
            out,
            "Incidents declared: {}, resolved: {}",
            i.declared, i.resolved
        );
        if i.declared > 0 {
            let _ = writeln!(out, "  by severity: {}", severities(t));
        }
        for l in &i.list {
            let _ = writeln!(
                out,
                "  - {} {} ({})",
                l.severity,
                l.name,
                l.status.to_lowercase()
            );
        }
        if let Some(m) = more(i.list.len(), i.declared) {
            let _ = writeln!(out, "  - {m}");
        }
        let p = &t.postmortems;
        let _ = writeln!(out, "Postmortems open: {}, overdue: {}", p.open, p.overdue);
        for l in &p.list {
            let late = if l.overdue {
                format!(", {} d late", l.days_late)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  - {}: due {}{late}", l.incident_name, when(l.due_at));
        }
        if let Some(m) = more(p.list.len(), p.open) {
            let _ = writeln!(out, "  - {m}");
        }
        let a = &t.action_items;
        let _ = writeln!(out, "Action items overdue: {}", a.overdue);
        for l in &a.list {
            let _ = writeln!(
                out,
                "  - “{}” ({}, from {}): due {}, {} d late",
                l.title,
                l.owner,
                l.incident_name,
                when(l.due_at),
                l.days_late
            );
        }
        if let Some(m) = more(a.list.len(), a.overdue) {
            let _ = writeln!(out, "  - {m}");
        }
        let _ = writeln!(out, "On-call load:");
        if t.load.is_empty() {
            let _ = writeln!(out, "  - nobody was on call or paged");
        }
        for l in &t.load {
            let _ = writeln!(out, "  - {}: {}", l.name, load_words(l));
        }
        if !t.noisiest_sources.is_empty() {
            let _ = writeln!(out, "Noisiest alert sources:");
        }
        for s in &t.noisiest_sources {
            let _ = writeln!(out, "  - {} {}: {}", s.source, s.name, source_words(s));
        }
    }
    out
}

/// The HTML rendering (the e-mail's HTML part): the same figures, as tables. maud
/// escapes every value, so a title cannot inject markup.
pub fn html(week: &Week, teams: &[TeamDigest]) -> String {
    let page: Markup = html! {
        (DOCTYPE)
        html {
            head { meta charset="utf-8"; title { (subject(week, teams)) } }
            body {
                p { "Your teams' week, " (week.first_day) " to " (week.last_day) " (" (week.time_zone) ")." }
                @for t in teams { (team_html(t)) }
                p { small { "Firebreak's weekly digest, for the managers of these teams. Choose which of your contact methods get it in Firebreak." } }
            }
        }
    };
    page.into_string()
}

fn team_html(t: &TeamDigest) -> Markup {
    let i = &t.incidents;
    let p = &t.postmortems;
    let a = &t.action_items;
    html! {
        h2 { (t.team.name) }
        h3 { "Incidents declared: " (i.declared) ", resolved: " (i.resolved) }
        @if i.declared > 0 {
            p { "By severity: " (severities(t)) }
            table {
                tr { th { "Severity" } th { "Incident" } th { "Status" } }
                @for l in &i.list { tr { td { (l.severity) } td { (l.name) } td { (l.status.to_lowercase()) } } }
            }
            @if let Some(m) = more(i.list.len(), i.declared) { p { (m) } }
        }
        h3 { "Postmortems open: " (p.open) ", overdue: " (p.overdue) }
        @if !p.list.is_empty() {
            table {
                tr { th { "Incident" } th { "Due" } th { "Days late" } }
                @for l in &p.list {
                    tr { td { (l.incident_name) } td { (when(l.due_at)) } td { @if l.overdue { (l.days_late) } } }
                }
            }
            @if let Some(m) = more(p.list.len(), p.open) { p { (m) } }
        }
        h3 { "Action items overdue: " (a.overdue) }
        @if !a.list.is_empty() {
            table {
                tr { th { "Action item" } th { "Owner" } th { "Incident" } th { "Due" } th { "Days late" } }
                @for l in &a.list {
                    tr { td { (l.title) } td { (l.owner) } td { (l.incident_name) } td { (when(l.due_at)) } td { (l.days_late) } }
                }
            }
            @if let Some(m) = more(a.list.len(), a.overdue) { p { (m) } }
        }
        h3 { "On-call load" }
        @if t.load.is_empty() { p { "Nobody was on call or paged." } } @else {
            table {
                tr { th { "Person" } th { "Hours on call" } th { "Pages" } th { "At night" } th { "Out of hours" } th { "Level" } th { "Rest owed (min)" } }
                @for l in &t.load {
                    tr { td { (l.name) } td { (l.hours_on_call) } td { (l.pages) } td { (l.night_pages) }
                         td { (l.out_of_hours_pages) } td { (l.level.unwrap_or("")) } td { (l.rest_owed_minutes) } }
                }
            }
        }
        @if !t.noisiest_sources.is_empty() {
            h3 { "Noisiest alert sources" }
            table {
                tr { th { "Source" } th { "Alert" } th { "Alerts" } th { "Pages" } th { "Acknowledged" } }
                @for s in &t.noisiest_sources {
                    tr { td { (s.source) } td { (s.name) } td { (s.alerts) } td { (s.pages) }
                         td { (format!("{:.0}%", s.acknowledgement_rate * 100.0)) } }
                }
            }
        }
    }
}

/// The `team.weekly_digest` event's payload: the week and one team's digest.
pub fn event_payload(week: &Week, team: &TeamDigest) -> serde_json::Value {
    let mut v = serde_json::to_value(team).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "week".into(),
            serde_json::to_value(week).unwrap_or_default(),
        );
    }
    v
}
