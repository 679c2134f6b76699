//! Postmortem rules: on-time, overdue, public suggestion, closing the loop, the timeline
//! merge and the Markdown rendering. Blameless by construction: the document is about
//! systems; names appear only as the people involved (role holders, participants) and as
//! action-item owners, never as causes.

use chrono::{DateTime, Duration, Utc};
use entity::{ActionItemStatus, IncidentRole, PostmortemStatus, Priority};

/// Downtime from which a public postmortem is suggested.
pub const PUBLIC_SUGGESTED_FROM: Duration = Duration::minutes(30);

pub fn is_overdue(status: PostmortemStatus, due: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status != PostmortemStatus::Published && now > due
}

/// Once published: whether it was published by its deadline.
pub fn on_time(published_at: Option<DateTime<Utc>>, due: DateTime<Utc>) -> Option<bool> {
    published_at.map(|p| p <= due)
}

/// Downtime: from impact start to resolution.
pub fn downtime(started: DateTime<Utc>, resolved: Option<DateTime<Utc>>) -> Option<Duration> {
    resolved.map(|r| r - started)
}

pub fn public_suggested(downtime: Option<Duration>) -> bool {
    downtime.is_some_and(|d| d >= PUBLIC_SUGGESTED_FROM)
}

/// The loop is closed when there is at least one action item and every one is DONE or
/// WONT_DO.
pub fn loop_closed(statuses: &[ActionItemStatus]) -> bool {
    !statuses.is_empty() && statuses.iter().all(|s| s.is_closed())
}

/// The next state of a postmortem; publishing needs a review first.
pub fn advance(from: PostmortemStatus, to: PostmortemStatus) -> Result<(), &'static str> {
    match (from, to) {
        (PostmortemStatus::Draft, PostmortemStatus::InReview) => Ok(()),
        (PostmortemStatus::InReview, PostmortemStatus::Published) => Ok(()),
        (PostmortemStatus::InReview, PostmortemStatus::Draft) => Ok(()),
        (PostmortemStatus::Draft, PostmortemStatus::Published) => {
            Err("a postmortem is reviewed before it is published")
        }
        (PostmortemStatus::Published, _) => Err("the postmortem is already published"),
        _ => Err("the postmortem is already in that state"),
    }
}

/// One line of a postmortem's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The incident log entry it comes from, if any.
    pub source: Option<uuid::Uuid>,
    /// The edit that changed or added it, if any.
    pub edit: Option<uuid::Uuid>,
    pub at: DateTime<Utc>,
    pub text: String,
    pub hidden: bool,
}

/// An edit of the timeline: a correction (with `source`) or an added line (without).
#[derive(Debug, Clone)]
pub struct Edit {
    pub id: uuid::Uuid,
    pub source: Option<uuid::Uuid>,
    pub at: DateTime<Utc>,
    pub text: String,
    pub hidden: bool,
}

/// The incident log with the postmortem's edits applied, in time order.
pub fn merge_timeline(log: &[(uuid::Uuid, DateTime<Utc>, String)], edits: &[Edit]) -> Vec<Line> {
    let mut lines: Vec<Line> = log
        .iter()
        .map(
            |(id, at, text)| match edits.iter().find(|e| e.source == Some(*id)) {
                Some(e) => Line {
                    source: Some(*id),
                    edit: Some(e.id),
                    at: e.at,
                    text: e.text.clone(),
                    hidden: e.hidden,
                },
                None => Line {
                    source: Some(*id),
                    edit: None,
                    at: *at,
                    text: text.clone(),
                    hidden: false,
                },
            },
        )
        .collect();
    lines.extend(edits.iter().filter(|e| e.source.is_none()).map(|e| Line {
        source: None,
        edit: Some(e.id),
        at: e.at,
        text: e.text.clone(),
        hidden: e.hidden,
    }));
    lines.sort_by_key(|l| l.at);
    lines
}

/// What the Markdown rendering needs.
pub struct Document<'a> {
    pub title: &'a str,
    pub severity: &'a str,
    /// Who held which role (role, name), in role order.
    pub roles: &'a [(IncidentRole, &'a str)],
    /// Others who took part (added as participants), by name.
    pub participants: &'a [&'a str],
    pub started: DateTime<Utc>,
    pub resolved: Option<DateTime<Utc>>,
    pub status: PostmortemStatus,
    pub summary: &'a str,
    pub timeline: &'a [Line],
    pub users_affected: &'a str,
    pub business_impact: &'a str,
    pub root_cause: &'a str,
    pub contributing_factors: &'a str,
    pub went_well: &'a str,
    pub went_poorly: &'a str,
    pub action_items: &'a [ActionItemLine<'a>],
}

pub struct ActionItemLine<'a> {
    pub title: &'a str,
    pub owner: &'a str,
    pub due: DateTime<Utc>,
    pub priority: Priority,
    pub status: ActionItemStatus,
}

/// A postmortem's status in words.
pub fn status_words(s: PostmortemStatus) -> &'static str {
    match s {
        PostmortemStatus::Draft => "Draft",
        PostmortemStatus::InReview => "In review",
        PostmortemStatus::Published => "Published",
    }
}

/// An action item's status in words.
pub fn item_status_words(s: ActionItemStatus) -> &'static str {
    match s {
        ActionItemStatus::Open => "Open",
        ActionItemStatus::InProgress => "In progress",
        ActionItemStatus::Done => "Done",
        ActionItemStatus::WontDo => "Won't do",
    }
}

/// A priority as people write it.
pub fn priority_words(p: Priority) -> &'static str {
    match p {
        Priority::P1 => "P1",
        Priority::P2 => "P2",
        Priority::P3 => "P3",
    }
}

/// An incident role's name.
pub fn role_words(r: IncidentRole) -> &'static str {
    match r {
        IncidentRole::Commander => "Incident Commander",
        IncidentRole::TechLead => "Technical Lead",
        IncidentRole::CommsLead => "Communications Lead",
        IncidentRole::Scribe => "Scribe",
    }
}

/// Keeps table cells on one line and their pipes literal.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn section(out: &mut String, heading: &str, body: &str) {
    out.push_str(&format!("\n## {heading}\n\n"));
    out.push_str(if body.trim().is_empty() {
        "_Not written yet._"
    } else {
        body.trim()
    });
    out.push('\n');
}

/// The whole document in the template's order, for sharing.
pub fn markdown(d: &Document<'_>) -> String {
    let mut out = format!("# Postmortem: {}\n\n", d.title);
    let duration = downtime(d.started, d.resolved)
        .map(crate::domain::templates::human_duration)
        .unwrap_or_else(|| "ongoing".into());
    out.push_str(&format!(
        "**Date:** {} | **Duration:** {} | **Severity:** {} | **Status:** {}\n",
        d.started.format("%Y-%m-%d"),
        duration,
        d.severity,
        status_words(d.status)
    ));
    let mut people: Vec<String> = d
        .roles
        .iter()
        .map(|(role, name)| format!("- {}: {}", role_words(*role), name))
        .collect();
    if !d.participants.is_empty() {
        people.push(format!("- Also involved: {}", d.participants.join(", ")));
    }
    section(&mut out, "People involved", &people.join("\n"));
    section(&mut out, "Summary", d.summary);
    out.push_str("\n## Timeline (UTC)\n\n| Time | Event |\n|---|---|\n");
    for line in d.timeline.iter().filter(|l| !l.hidden) {
        out.push_str(&format!(
            "| {} | {} |\n",
            line.at.format("%Y-%m-%d %H:%M"),
            cell(&line.text)
        ));
    }
    let impact = format!(
        "- Duration: {}\n- Users affected: {}\n- Business impact: {}",
        duration,
        if d.users_affected.trim().is_empty() {
            "not recorded"
        } else {
            d.users_affected.trim()
        },
        if d.business_impact.trim().is_empty() {
            "not recorded"
        } else {
            d.business_impact.trim()
        },
    );
    section(&mut out, "Impact", &impact);
    section(&mut out, "Root cause", d.root_cause);
    section(&mut out, "Contributing factors", d.contributing_factors);
    section(&mut out, "What went well", d.went_well);
    section(&mut out, "What went poorly", d.went_poorly);
    out.push_str("\n## Action items\n\n");
    if d.action_items.is_empty() {
        out.push_str("_None yet._\n");
    } else {
        out.push_str("| Action | Owner | Due | Priority | Status |\n|---|---|---|---|---|\n");
        for a in d.action_items {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(a.title),
                cell(a.owner),
                a.due.format("%Y-%m-%d"),
                priority_words(a.priority),
                item_status_words(a.status)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    #[test]
    fn on_time_and_overdue() {
        let due = t(12, 0);
        assert_eq!(on_time(Some(t(11, 59)), due), Some(true));
        assert_eq!(on_time(Some(due), due), Some(true));
        assert_eq!(on_time(Some(t(12, 1)), due), Some(false));
        assert_eq!(on_time(None, due), None);
        assert!(is_overdue(PostmortemStatus::InReview, due, t(12, 1)));
        assert!(!is_overdue(PostmortemStatus::Draft, due, due));
        assert!(!is_overdue(PostmortemStatus::Published, due, t(18, 0)));
    }

    #[test]
    fn public_suggested_from_thirty_minutes() {
        assert!(public_suggested(downtime(t(10, 0), Some(t(10, 30)))));
        assert!(!public_suggested(downtime(t(10, 0), Some(t(10, 29)))));
        assert!(!public_suggested(None));
    }

    #[test]
    fn loop_closes_when_every_item_is_done_or_wont_do() {
        use ActionItemStatus::*;
        assert!(!loop_closed(&[]));
        assert!(loop_closed(&[Done, WontDo]));
        assert!(!loop_closed(&[Done, InProgress]));
        assert!(!loop_closed(&[Open]));
    }

    #[test]
    fn review_before_publishing() {
        use PostmortemStatus::*;
        assert!(advance(Draft, InReview).is_ok());
        assert!(advance(InReview, Published).is_ok());
        assert!(advance(Draft, Published).is_err());
        assert!(advance(Published, Draft).is_err());
    }

    #[test]
    fn timeline_edits_never_touch_the_log() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let log = vec![
            (a, t(10, 0), "Declared".to_owned()),
            (b, t(10, 5), "Rolled back".to_owned()),
        ];
        let edits = vec![
            Edit {
                id: Uuid::now_v7(),
                source: Some(b),
                at: t(10, 4),
                text: "Rolled back deploy 4411".into(),
                hidden: false,
            },
            Edit {
                id: Uuid::now_v7(),
                source: None,
                at: t(9, 55),
                text: "Error rate rose".into(),
                hidden: false,
            },
            Edit {
                id: Uuid::now_v7(),
                source: Some(a),
                at: t(10, 0),
                text: "Declared".into(),
                hidden: true,
            },
        ];
        let lines = merge_timeline(&log, &edits);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Error rate rose", "Declared", "Rolled back deploy 4411"]
        );
        assert!(lines[1].hidden);
        assert_eq!(log[1].2, "Rolled back", "the log is untouched");
    }

    #[test]
    fn markdown_follows_the_template() {
        let lines = vec![
            Line {
                source: None,
                edit: None,
                at: t(10, 0),
                text: "Declared | SEV1".into(),
                hidden: false,
            },
            Line {
                source: None,
                edit: None,
                at: t(10, 1),
                text: "secret".into(),
                hidden: true,
            },
        ];
        let items = [ActionItemLine {
            title: "Add disk alert",
            owner: "Ada",
            due: t(12, 0),
            priority: Priority::P1,
            status: ActionItemStatus::Open,
        }];
        let md = markdown(&Document {
            title: "Checkout down",
            severity: "SEV1",
            roles: &[
                (IncidentRole::Commander, "Ada"),
                (IncidentRole::TechLead, "Bo"),
            ],
            participants: &["Cy"],
            started: t(10, 0),
            resolved: Some(t(11, 25)),
            status: PostmortemStatus::Draft,
            summary: "Checkout failed.",
            timeline: &lines,
            users_affected: "30% of buyers",
            business_impact: "",
            root_cause: "Disk full",
            contributing_factors: "",
            went_well: "",
            went_poorly: "",
            action_items: &items,
        });
        assert!(
            md.contains("**Date:** 2026-11-23 | **Duration:** 1 h 25 min | **Severity:** SEV1 | **Status:** Draft"),
            "{md}"
        );
        assert!(
            md.contains("- Incident Commander: Ada\n- Technical Lead: Bo\n- Also involved: Cy"),
            "{md}"
        );
        let order = [
            "## People involved",
            "## Summary",
            "## Timeline (UTC)",
            "## Impact",
            "## Root cause",
            "## Contributing factors",
            "## What went well",
            "## What went poorly",
            "## Action items",
        ];
        let positions: Vec<usize> = order.iter().map(|h| md.find(h).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{md}");
        assert!(
            md.contains("| 2026-11-23 10:00 | Declared \\| SEV1 |"),
            "{md}"
        );
        assert!(!md.contains("secret"));
        assert!(md.contains("- Duration: 1 h 25 min"));
        assert!(
            md.contains("| Add disk alert | Ada | 2026-11-23 | P1 | Open |"),
            "{md}"
        );
    }
}
