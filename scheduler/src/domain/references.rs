//! Texts that name another incident (a duplicate's original, a recurrence's earlier
//! incident). The link is stored as an id only; the words naming the other incident are
//! made at read time, for a reader who may see it, so a restricted incident's channel
//! (which could carry its title) never reaches anyone else through a link.

use entity::TimelineKind;

/// How a text names an incident the reader may see: its channel, or, for a SEV4 ticket
/// that has none, its title in quotes.
pub fn incident_name(channel: Option<&str>, title: &str) -> String {
    match channel {
        Some(ch) => ch.to_owned(),
        None => format!("“{title}”"),
    }
}

/// The timeline text of an entry that refers to another incident. `other` is that
/// incident's channel when the reader may see it.
pub fn timeline_text(kind: TimelineKind, stored: &str, other: Option<&str>) -> String {
    match (kind, other) {
        (TimelineKind::MarkedDuplicate, Some(ch)) => format!("Duplicate of {ch}"),
        (TimelineKind::MarkedDuplicate, None) => "Duplicate of another incident".to_owned(),
        (TimelineKind::RecurrenceLinked, Some(ch)) => format!("Recurrence of {ch}"),
        (TimelineKind::RecurrenceLinked, None) => "Recurrence of an earlier incident".to_owned(),
        _ => stored.to_owned(),
    }
}

/// The resolution summary of an incident closed as a duplicate.
pub fn duplicate_summary(other: Option<&str>) -> String {
    timeline_text(TimelineKind::MarkedDuplicate, "", other)
}

/// The key under which the referenced incident's id appears in the entry's `after`
/// values, for readers who may see it.
pub fn after_key(kind: TimelineKind) -> Option<&'static str> {
    match kind {
        TimelineKind::MarkedDuplicate => Some("duplicateOf"),
        TimelineKind::RecurrenceLinked => Some("recurrenceOf"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_is_named_by_its_title() {
        assert_eq!(incident_name(Some("#inc-a"), "A"), "#inc-a");
        assert_eq!(incident_name(None, "Slow export"), "“Slow export”");
    }

    #[test]
    fn names_the_other_incident_only_when_visible() {
        let k = TimelineKind::MarkedDuplicate;
        assert_eq!(
            timeline_text(k, "x", Some("#inc-2026-11-23-a")),
            "Duplicate of #inc-2026-11-23-a"
        );
        assert_eq!(timeline_text(k, "x", None), "Duplicate of another incident");
        assert_eq!(
            timeline_text(TimelineKind::Note, "note", Some("#c")),
            "note"
        );
        assert_eq!(
            after_key(TimelineKind::RecurrenceLinked),
            Some("recurrenceOf")
        );
    }
}
