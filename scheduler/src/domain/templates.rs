//! Message templates rendered from an incident's data (domain reference, Communication).
//! Internal messages name the Incident Commander and the channel; customer messages never
//! carry names of people, internal titles or channels.

use chrono::{DateTime, Duration, Utc};
use entity::{IncidentStatus, Severity};

/// What the templates need to know about an incident.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub title: &'a str,
    /// The title shown to customers, when the internal one should not be.
    pub public_title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub commander: Option<&'a str>,
    /// `None` for a SEV4 ticket, which has no channel.
    pub channel: Option<&'a str>,
    /// The affected service's public name (what customers call it); never the catalog name.
    pub public_service: Option<&'a str>,
    /// The latest public update's message: what customers were told.
    pub latest_public_update: Option<&'a str>,
    pub started_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub next_update_due: Option<DateTime<Utc>>,
    /// Actions logged since the latest status update (all, before the first), oldest first.
    pub actions_taken: Vec<&'a str>,
    /// The latest status update, if any.
    pub latest_update: Option<UpdateFacts<'a>>,
    /// The current estimated time to resolution.
    pub eta: Option<DateTime<Utc>>,
    pub resolution_summary: Option<&'a str>,
    pub postmortem_due: Option<DateTime<Utc>>,
    pub customer_impact: bool,
    pub false_alarm: bool,
}

/// The latest status update, as the templates quote it.
#[derive(Debug, Clone, Copy)]
pub struct UpdateFacts<'a> {
    pub at: DateTime<Utc>,
    pub message: &'a str,
    pub next_steps: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messages {
    pub internal_initial: String,
    pub internal_update: String,
    /// Only once resolved.
    pub internal_resolution: Option<String>,
    /// Only for customer-facing incidents.
    pub customer_initial: Option<String>,
    /// Only for customer-facing incidents, once resolved.
    pub customer_resolution: Option<String>,
}

fn sev(s: Severity) -> &'static str {
    match s {
        Severity::Sev1 => "SEV1 (critical)",
        Severity::Sev2 => "SEV2 (major)",
        Severity::Sev3 => "SEV3 (minor)",
        Severity::Sev4 => "SEV4 (low)",
    }
}

/// A status as customers read it.
fn status_words(s: IncidentStatus) -> &'static str {
    match s {
        IncidentStatus::Investigating => "Investigating",
        IncidentStatus::Identified => "Identified",
        IncidentStatus::Monitoring => "Monitoring",
        IncidentStatus::Resolved => "Resolved",
    }
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "2 h 5 min", "45 min", "3 d 4 h", "under a minute".
pub fn human_duration(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (days, hours, mins) {
        (0, 0, 0) => "under a minute".into(),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

pub fn render(f: &Facts<'_>) -> Messages {
    let ic = f.commander.unwrap_or("not assigned yet");
    let impact = f.description.unwrap_or("being assessed");
    let internal_initial = format!(
        "{} incident declared: {}\nImpact: {}\nStatus: {}\nIncident Commander: {}\nChannel: {}\nStarted: {}",
        sev(f.severity),
        f.title,
        impact,
        f.status.as_str(),
        ic,
        f.channel.unwrap_or("none (filed as a ticket)"),
        utc(f.started_at),
    );
    let actions = match (f.actions_taken.is_empty(), f.latest_update.is_some()) {
        (true, true) => "none logged since the last update".to_owned(),
        (true, false) => "none logged yet".to_owned(),
        (false, _) => f.actions_taken.join("; "),
    };
    let next = match f.next_update_due {
        Some(t) => format!("Next update by {}", utc(t)),
        None => "Next update on any change".to_owned(),
    };
    let (as_of, current) = match f.latest_update {
        Some(u) => (utc(u.at), u.message),
        None => ("declaration".to_owned(), "Still investigating."),
    };
    let internal_update = format!(
        "Update on {} ({}), as of {}\nCurrent status: {} ({})\nActions taken: {}\nNext steps: {}\nETA: {}\n{}",
        f.title,
        sev(f.severity),
        as_of,
        f.status.as_str(),
        current,
        actions,
        f.latest_update
            .and_then(|u| u.next_steps)
            .unwrap_or("not stated yet"),
        f.eta.map_or_else(|| "not known yet".to_owned(), utc),
        next,
    );
    let duration = f.resolved_at.map(|r| human_duration(r - f.started_at));
    let internal_resolution = f.resolved_at.map(|_| {
        let pm = match f.postmortem_due {
            Some(d) => format!("Postmortem due {}", utc(d)),
            None => "No postmortem required".to_owned(),
        };
        if f.false_alarm {
            format!(
                "Closed as a false alarm: {}\nOpen for: {}\nWhy: {}\n{}",
                f.title,
                duration.as_deref().unwrap_or_default(),
                f.resolution_summary.unwrap_or("not recorded"),
                pm,
            )
        } else {
            format!(
                "Resolved: {}\nDuration: {}\nWhat fixed it: {}\n{}",
                f.title,
                duration.as_deref().unwrap_or_default(),
                f.resolution_summary.unwrap_or("not recorded"),
                pm,
            )
        }
    });
    let feature = f.public_service.unwrap_or("some of our services");
    let impact_level = match f.severity {
        Severity::Sev1 => "High",
        Severity::Sev2 => "Medium",
        Severity::Sev3 | Severity::Sev4 => "Low",
    };
    let next_customer_update = match f.next_update_due {
        Some(t) => format!("by {}", utc(t)),
        None => "as soon as we know more".to_owned(),
    };
    let customer_initial = f.customer_impact.then(|| {
        format!(
            "We're investigating an issue affecting {feature}.\nSome users may experience errors or slowness.\nOur team is actively working on a resolution. We'll provide an update {next_customer_update}.\nStatus: {}\nImpact: {impact_level}\nStarted: {}",
            status_words(f.status),
            utc(f.started_at),
        )
    });
    let customer_resolution = match (f.customer_impact, f.resolved_at) {
        (true, Some(_)) if f.false_alarm => Some(format!(
            "Resolved: {}. What we were investigating turned out not to affect {}; no action is needed on your side. Thank you for your patience.",
            f.public_title.unwrap_or("service disruption"),
            feature,
        )),
        (true, Some(resolved)) => Some(format!(
            "The issue affecting {feature} has been resolved at {}.\nWhat happened: {}\nDuration: {}\nImpact: {} was unavailable or degraded for some users from {}.\nWe're conducting a thorough review to prevent recurrence.\nWe apologize for the disruption.",
            utc(resolved),
            f.latest_public_update
                .or(f.public_title)
                .unwrap_or("a service disruption"),
            duration.as_deref().unwrap_or_default(),
            feature,
            utc(f.started_at),
        )),
        _ => None,
    };
    Messages {
        internal_initial,
        internal_update,
        internal_resolution,
        customer_initial,
        customer_resolution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts() -> Facts<'static> {
        let started = Utc.with_ymd_and_hms(2025, 10, 13, 14, 0, 0).unwrap();
        Facts {
            title: "Payment failure on db-7",
            public_title: None,
            description: Some("Card payments fail for 30% of users"),
            severity: Severity::Sev1,
            status: IncidentStatus::Investigating,
            commander: Some("Ada Lovelace"),
            channel: Some("#inc-2025-10-13-payment-failure"),
            public_service: Some("checkout"),
            latest_public_update: None,
            started_at: started,
            resolved_at: None,
            next_update_due: Some(started + Duration::minutes(15)),
            actions_taken: vec![],
            latest_update: None,
            eta: None,
            resolution_summary: None,
            postmortem_due: None,
            customer_impact: true,
            false_alarm: false,
        }
    }

    #[test]
    fn initial_and_update() {
        let m = render(&facts());
        assert!(
            m.internal_initial
                .contains("SEV1 (critical) incident declared: Payment failure")
        );
        assert!(
            m.internal_initial
                .contains("Incident Commander: Ada Lovelace")
        );
        assert!(
            m.internal_initial
                .contains("Channel: #inc-2025-10-13-payment-failure")
        );
        assert!(m.internal_initial.contains("Started: 2025-10-13 14:00 UTC"));
        assert!(m.internal_update.contains("Actions taken: none logged yet"));
        assert!(
            m.internal_update
                .contains("Next update by 2025-10-13 14:15 UTC")
        );
        assert_eq!(m.internal_resolution, None);
        assert_eq!(
            m.customer_initial.as_deref(),
            Some(
                "We're investigating an issue affecting checkout.\nSome users may experience errors or slowness.\nOur team is actively working on a resolution. We'll provide an update by 2025-10-13 14:15 UTC.\nStatus: Investigating\nImpact: High\nStarted: 2025-10-13 14:00 UTC"
            )
        );
        assert_eq!(m.customer_resolution, None);
    }

    #[test]
    fn resolution_and_customer_messages_carry_no_internals() {
        let mut f = facts();
        f.resolved_at = Some(f.started_at + Duration::minutes(85));
        f.resolution_summary = Some("rolled back deploy 4411");
        f.postmortem_due = Some(f.started_at + Duration::minutes(85) + Duration::hours(48));
        f.status = IncidentStatus::Resolved;
        let m = render(&f);
        let r = m.internal_resolution.unwrap();
        assert!(r.contains("Duration: 1 h 25 min"), "{r}");
        assert!(r.contains("What fixed it: rolled back deploy 4411"));
        assert!(r.contains("Postmortem due 2025-10-15 15:25 UTC"), "{r}");
        let c = m.customer_resolution.unwrap();
        assert!(c.contains("1 h 25 min") && c.contains("checkout") && c.contains("apologize"));
        assert!(
            c.starts_with(
                "The issue affecting checkout has been resolved at 2025-10-13 15:25 UTC."
            ),
            "{c}"
        );
        for internal in ["Ada", "db-7", "#inc-", "4411"] {
            assert!(!c.contains(internal), "{internal} in {c}");
            assert!(!m.customer_initial.as_deref().unwrap().contains(internal));
        }
    }

    #[test]
    fn internal_only_incidents_have_no_customer_messages() {
        let mut f = facts();
        f.customer_impact = false;
        let m = render(&f);
        assert_eq!(m.customer_initial, None);
    }

    #[test]
    fn durations() {
        assert_eq!(human_duration(Duration::seconds(30)), "under a minute");
        assert_eq!(human_duration(Duration::minutes(45)), "45 min");
        assert_eq!(human_duration(Duration::minutes(120)), "2 h");
        assert_eq!(human_duration(Duration::minutes(60 * 27 + 5)), "1 d 3 h");
    }
}
