//! On-call load: when someone passes their team's weekly warning level or limit (pages in
//! the ISO week, in the organization's zone), or is paged at night in their own zone, the
//! team's managers are told; a night page's notification records the rest it earns.

use super::{OrgSettings, commit, when};
use crate::db::Db;
use crate::services::ServiceResult;
use crate::services::notifications::audience::managers;
use crate::services::notifications::{Kind, Note};
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use entity::{alert, page, team, user};
use scheduler::paging::load::{Level, NightWindow, iso_week};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// How far back night pages are looked at: a worker down longer does not report old
/// nights (the load report still counts them).
const NIGHT_LOOK_BACK: Duration = Duration::hours(24);

/// The start of `now`'s ISO week (Monday 00:00) in `zone`.
fn week_start(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&zone).date_naive();
    let monday = local - Duration::days(i64::from(local.weekday().num_days_from_monday()));
    scheduler::oncall::local::resolve(zone, monday.and_time(NaiveTime::MIN))
}

pub(super) async fn run(db: &Db, now: DateTime<Utc>, org: &OrgSettings) -> ServiceResult<usize> {
    let since = week_start(now, org.zone).min(now - NIGHT_LOOK_BACK);
    let pages = page::Entity::find()
        .filter(page::COLUMN.created_at.gte(since))
        .filter(page::COLUMN.created_at.lte(now))
        .all(db.conn())
        .await?;
    if pages.is_empty() {
        return Ok(0);
    }
    let alert_ids: std::collections::HashSet<Uuid> = pages.iter().map(|p| p.alert_id).collect();
    let user_ids: std::collections::HashSet<Uuid> = pages.iter().map(|p| p.user_id).collect();
    let alerts: HashMap<Uuid, alert::Model> = alert::Entity::find()
        .filter(alert::Column::Id.is_in(alert_ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let teams: HashMap<Uuid, team::Model> = team::Entity::find()
        .filter(
            team::Column::Id.is_in(
                alerts
                    .values()
                    .filter_map(|a| a.team_id)
                    .collect::<std::collections::HashSet<_>>(),
            ),
        )
        .all(db.conn())
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let people: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let week = iso_week(now, org.zone);
    let this_week = week_start(now, org.zone);
    let mut weekly: BTreeMap<(Uuid, Uuid), u32> = BTreeMap::new();
    let mut written = 0;
    for p in &pages {
        let Some(team) = alerts
            .get(&p.alert_id)
            .and_then(|a| a.team_id)
            .and_then(|t| teams.get(&t))
        else {
            continue;
        };
        if p.created_at >= this_week {
            *weekly.entry((team.id, p.user_id)).or_default() += 1;
        }
        let zone: Tz = people
            .get(&p.user_id)
            .and_then(|u| u.time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC);
        let night = NightWindow {
            start: scheduler::oncall::local::time_at_minute(team.night_start_minute),
            end: scheduler::oncall::local::time_at_minute(team.night_end_minute),
        };
        if p.created_at >= now - NIGHT_LOOK_BACK && night.contains(p.created_at, zone) {
            let who = people
                .get(&p.user_id)
                .map_or("someone", |u| u.name.as_str());
            let rest = team.rest_per_night_page_minutes.max(0);
            let owed = if rest > 0 {
                format!(" They are owed {rest} minutes of rest.")
            } else {
                String::new()
            };
            let notes: Vec<Note> = managers(db.conn(), Some(team.id))
                .await?
                .into_iter()
                .map(|m| Note {
                    recipient: m,
                    kind: Kind::NightPage,
                    html: None,
                    subject: format!("{who} was paged at night"),
                    body: format!(
                        "{who} ({}) was paged at {} ({} local time).{owed}",
                        team.name,
                        when(p.created_at),
                        p.created_at.with_timezone(&zone).format("%H:%M %Z"),
                    ),
                    object_type: "page",
                    object_id: p.id,
                    occasion: "night".into(),
                })
                .collect();
            written += commit(db, &notes, now).await?;
        }
    }
    for ((team_id, user_id), count) in weekly {
        let Some(team) = teams.get(&team_id) else {
            continue;
        };
        let limits = crate::services::paging::load_report::limits(team);
        let level = match limits.level(count) {
            Level::Ok => continue,
            Level::Warning => "warning",
            Level::Breach => "breach",
        };
        let who = people.get(&user_id).map_or("someone", |u| u.name.as_str());
        let notes: Vec<Note> = managers(db.conn(), Some(team_id))
            .await?
            .into_iter()
            .map(|m| Note {
                recipient: m,
                kind: Kind::LoadLimit,
                html: None,
                subject: format!("On-call load {level}: {who}"),
                body: format!(
                    "{who} has had {count} pages for {} in week {}-W{:02} (warning above {}, limit {}).",
                    team.name, week.0, week.1, limits.warn_above, limits.breach_at
                ),
                object_type: "user",
                object_id: user_id,
                occasion: format!("{}-W{:02}:{team_id}:{level}", week.0, week.1),
            })
            .collect();
        written += commit(db, &notes, now).await?;
    }
    Ok(written)
}
