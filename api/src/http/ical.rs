//! Calendar feeds, `GET /ical/users/{id}.ics` and `GET /ical/schedules/{id}.ics`: RFC 5545
//! calendars of the coming shifts (8 weeks) for Google Calendar, Outlook and Apple
//! Calendar, written with the `icalendar` crate. The secret comes in `?token=`, since
//! calendar applications cannot send headers; see `services::schedules::feeds`.
//!
//! Events: a UID stable across refreshes (a hash of layer, person, role and start),
//! DTSTART and DTEND in UTC, a SUMMARY naming the schedule and the layer.

use super::state::AppState;
use crate::services::schedules::feeds::{self, Calendar, FeedError, Refusal, Scope};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use icalendar::{Component, EventLike};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `{id}.ics` → the id.
fn id_of(file: &str) -> Option<Uuid> {
    file.strip_suffix(".ics")
        .and_then(|id| Uuid::parse_str(id).ok())
}

pub async fn user_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let Some(id) = id_of(&file) else {
        return not_found();
    };
    serve(&state, Scope::User, Some(id), q.token.as_deref()).await
}

pub async fn schedule_feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let Some(id) = id_of(&file) else {
        return not_found();
    };
    serve(&state, Scope::Schedule(id), None, q.token.as_deref()).await
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such calendar feed").into_response()
}

async fn serve(
    state: &AppState,
    scope: Scope,
    user: Option<Uuid>,
    token: Option<&str>,
) -> Response {
    let now = state.clock.now();
    match feeds::fetch(&state.db, now, scope, user, token).await {
        Ok(calendar) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
                (header::REFERRER_POLICY, "no-referrer"),
            ],
            render(&calendar, now),
        )
            .into_response(),
        Err(FeedError::Refused(Refusal::Missing)) => (
            StatusCode::UNAUTHORIZED,
            "a calendar feed needs its token: ?token=…",
        )
            .into_response(),
        Err(FeedError::Refused(Refusal::Unknown)) => not_found(),
        Err(FeedError::Refused(Refusal::Forbidden)) => (
            StatusCode::FORBIDDEN,
            "the holder of this feed may no longer read it",
        )
            .into_response(),
        Err(FeedError::Service(e)) => {
            tracing::warn!(error = %e, "calendar feed failed");
            (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
        }
    }
}

/// A UID that stays the same while the shift does: keyed on its start, or, for a shift
/// that began before the feed looks back (its start is clipped and moves with every
/// refresh), on its end.
fn uid(e: &feeds::Event, clipped_before: chrono::DateTime<chrono::Utc>) -> String {
    let s = &e.shift;
    let edge = if s.span.start <= clipped_before {
        format!("until {}", s.span.end.timestamp())
    } else {
        s.span.start.timestamp().to_string()
    };
    let key = format!("{}|{}|{}|{edge}", s.layer, s.user, s.shadow);
    format!(
        "{}@firebreak",
        &hex::encode(Sha256::digest(key.as_bytes()))[..32]
    )
}

pub fn render(calendar: &Calendar, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut cal = icalendar::Calendar::empty();
    cal.append_property(icalendar::Property::new("VERSION", "2.0"));
    cal.append_property(icalendar::Property::new(
        "PRODID",
        "-//Firebreak//On-call//EN",
    ));
    cal.append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"));
    cal.append_property(icalendar::Property::new("METHOD", "PUBLISH"));
    cal.name(&calendar.name);
    // Calendar applications poll; ask for an hourly refresh.
    cal.ttl(&chrono::Duration::hours(1));
    for e in &calendar.events {
        let role = if e.shift.shadow { "Shadow" } else { "On call" };
        let summary = format!("{role}: {} / {} ({})", e.schedule, e.layer, e.person);
        cal.push(
            icalendar::Event::new()
                .uid(&uid(e, calendar.looks_back_to))
                .summary(&summary)
                .starts(e.shift.span.start)
                .ends(e.shift.span.end)
                .timestamp(now)
                .done(),
        );
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use scheduler::oncall::{Shift, Span};

    #[test]
    fn events_are_utc_with_one_prodid() {
        let at = |h| Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap();
        let shift = Shift {
            layer: Uuid::nil(),
            user: Uuid::nil(),
            span: Span::new(at(9), at(17)),
            shadow: false,
            overrides: vec![],
        };
        let cal = Calendar {
            looks_back_to: at(0),
            name: "On call: Primary".into(),
            events: vec![feeds::Event {
                shift,
                schedule: "Primary".into(),
                layer: "Days".into(),
                person: "Asha".into(),
            }],
        };
        let text = render(&cal, at(8));
        assert_eq!(text.matches("PRODID").count(), 1, "{text}");
        assert!(text.contains("DTSTART:20261123T090000Z"), "{text}");
        assert!(text.contains("DTEND:20261123T170000Z"), "{text}");
        assert!(
            text.contains("SUMMARY:On call: Primary / Days (Asha)"),
            "{text}"
        );
        assert!(text.contains("\r\n"), "CRLF line endings");
    }
}
