//! The managers' weekly digest: on the organization's weekday and hour in its zone, each
//! team's manager (the admins for a team without one) gets one notification covering
//! all their teams' last week: incidents declared, postmortems open and overdue, action
//! items overdue, on-call load per person and the noisiest alert sources (the last two
//! from the load report). Each team with a Slack subscription to `team.weekly_digest` gets
//! its own week as an event, without restricted incidents.
//!
//! Readers are managers and admins, who may see every incident: their digest counts
//! everything. The Slack channel's leaves out restricted incidents, the alerts raised for
//! them and their pages.
//!
//! Once per manager per ISO week (the key is the manager and the week of the digest's
//! day, so moving the weekday after a digest went out sends no second one), and once per
//! team per week for events. A digest more than a day late is not sent: a worker that
//! was down for days should not greet managers with last week's news midweek. One
//! reader's failure is logged and does not stop the others (the next scan retries it).

mod gather;
mod render;

use super::{OrgSettings, commit};
use crate::db::Db;
use crate::services::ServiceResult;
use crate::services::events::{self, About};
use crate::services::notifications::{self, Kind, Note};
use crate::services::paging::load_report::Scope;
use chrono::{DateTime, Duration, Utc};
use entity::{Role, event, team, team_manager, user};
use render::{TeamDigest, Week};
use scheduler::due::digest;
use scheduler::oncall::Span;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// How late a digest may still go out.
const STALE_AFTER: Duration = Duration::hours(24);
const EVENT: &str = "team.weekly_digest";

pub(super) async fn run(db: &Db, now: DateTime<Utc>, org: &OrgSettings) -> ServiceResult<usize> {
    let Some((weekday, hour)) = org.digest else {
        return Ok(0);
    };
    let (at, day) = digest::latest(now, org.zone, weekday, hour);
    if now - at > STALE_AFTER {
        return Ok(0);
    }
    let conn = db.conn();
    let (start, end) = digest::week_before(day, org.zone);
    let span = Span { start, end };
    let week = Week {
        first_day: day - Duration::days(7),
        last_day: day - Duration::days(1),
        time_zone: org.zone.name().to_owned(),
    };
    let teams = team::Entity::find()
        .order_by_asc(team::Column::Name)
        .all(conn)
        .await?;
    let readers = readers(conn, &teams).await?;
    let occasion = digest::week_key(day);
    let note_key = |reader: Uuid| skeleton(reader, &occasion).dedup_key();
    let keys: HashSet<String> = readers.keys().map(|r| note_key(*r)).collect();
    let sent = notifications::written_keys(conn, &keys).await?;
    // Each team's digest is the same for all its readers: read and rendered once.
    let mut digests: HashMap<Uuid, TeamDigest> = HashMap::new();
    let mut written = 0;
    for (reader, of) in &readers {
        if sent.contains(&note_key(*reader)) {
            continue;
        }
        let note = async {
            let mut mine = Vec::new();
            for t in of {
                if let Entry::Vacant(e) = digests.entry(t.id) {
                    let w = gather::team_week(conn, t, span, at, Scope::Everything).await?;
                    e.insert(render::view(&w, org.zone, at));
                }
                mine.push(digests[&t.id].clone());
            }
            let note = Note {
                subject: render::subject(&week, &mine),
                body: render::text(&week, &mine),
                html: Some(render::html(&week, &mine)),
                ..skeleton(*reader, &occasion)
            };
            commit(db, &[note], now).await
        };
        match note.await {
            Ok(n) => written += n,
            Err(e) => tracing::warn!(reader = %reader, error = ?e, "a weekly digest failed"),
        }
    }
    to_slack(db, &teams, (&week, &occasion, span, at), org.zone, now).await?;
    Ok(written)
}

/// A digest note for `reader` without its text: enough for its deduplication key.
fn skeleton(reader: Uuid, occasion: &str) -> Note {
    Note {
        recipient: reader,
        kind: Kind::WeeklyDigest,
        subject: String::new(),
        body: String::new(),
        html: None,
        object_type: "user",
        object_id: reader,
        occasion: occasion.to_owned(),
    }
}

/// Who gets which active teams: each team's active managers, or the active admins for a
/// team without one; only people with the Manager role or above (who may see every
/// incident). Two statements whatever the number of teams.
async fn readers<'t>(
    conn: &impl ConnectionTrait,
    teams: &'t [team::Model],
) -> ServiceResult<BTreeMap<Uuid, Vec<&'t team::Model>>> {
    let managed = team_manager::Entity::find().all(conn).await?;
    let people: HashMap<Uuid, Role> = user::Entity::find()
        .filter(
            user::Column::Id
                .is_in(managed.iter().map(|m| m.user_id))
                .or(user::COLUMN.role.eq(Role::Admin)),
        )
        .filter(user::COLUMN.active.eq(true))
        .filter(user::Column::Role.is_in([Role::Manager, Role::Admin]))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.role))
        .collect();
    let admins: Vec<Uuid> = people
        .iter()
        .filter(|(_, role)| **role == Role::Admin)
        .map(|(id, _)| *id)
        .collect();
    let mut out: BTreeMap<Uuid, Vec<&team::Model>> = BTreeMap::new();
    for t in teams.iter().filter(|t| t.active) {
        let mut of_team: Vec<Uuid> = managed
            .iter()
            .filter(|m| m.team_id == t.id && people.contains_key(&m.user_id))
            .map(|m| m.user_id)
            .collect();
        if of_team.is_empty() {
            of_team.clone_from(&admins);
        }
        for u in of_team {
            out.entry(u).or_default().push(t);
        }
    }
    Ok(out)
}

/// Each team's week as a `team.weekly_digest` event, for the Slack channels (and webhook
/// subscriptions) that name it: without restricted incidents, once per team and week.
async fn to_slack(
    db: &Db,
    teams: &[team::Model],
    (week, occasion, span, at): (&Week, &str, Span, DateTime<Utc>),
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let conn = db.conn();
    let subscriptions = events::subscribers(conn).await?;
    let wanted: Vec<&team::Model> = teams
        .iter()
        .filter(|t| t.active)
        .filter(|t| {
            subscriptions
                .iter()
                .any(|s| events::wants(s, EVENT, Some(t.id), false))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let key = |t: Uuid| format!("{EVENT}:{t}:{occasion}");
    let done: HashSet<String> = event::Entity::find()
        .filter(event::Column::DedupKey.is_in(wanted.iter().map(|t| key(t.id))))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|e| e.dedup_key)
        .collect();
    for t in wanted {
        if done.contains(&key(t.id)) {
            continue;
        }
        let w = gather::team_week(conn, t, span, at, Scope::Unrestricted).await?;
        let payload = render::event_payload(week, &render::view(&w, zone, at));
        let txn = db.begin_write().await?;
        let about = About {
            kind: EVENT,
            team_id: Some(t.id),
            restricted: false,
            object: ("team", t.id),
        };
        events::emit_once(&txn, about, key(t.id), payload, now).await?;
        txn.commit().await?;
    }
    Ok(())
}
