//! An incident's timeline and status updates, a page at a time: for one incident a keyset
//! page, for a list of incidents the first page of each in one statement (a window
//! function), so a page of incidents with their timelines costs a constant number of
//! statements whatever its size. Both logs have the same shape (incident, instant, id), so
//! one generic implementation serves them.

use crate::services::pagination::{Page, PageRequest, parse_time_key, time_key};
use crate::services::{Ctx, ServiceResult};
use chrono::{DateTime, Utc};
use entity::{Role, incident_event, incident_update};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Which end of an incident's log a page starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

/// A per-incident log: its table and columns, and what a row tells.
pub trait IncidentLog: EntityTrait<Model: FromQueryResult + Send + Sync + Clone> {
    /// The table's name (ours, never input: it is written into SQL).
    const TABLE: &'static str;
    fn incident_col() -> Self::Column;
    fn at_col() -> Self::Column;
    fn id_col() -> Self::Column;
    fn incident_of(row: &Self::Model) -> Uuid;
    fn key_of(row: &Self::Model) -> (DateTime<Utc>, Uuid);
}

impl IncidentLog for incident_event::Entity {
    const TABLE: &'static str = "incident_events";
    fn incident_col() -> Self::Column {
        incident_event::Column::IncidentId
    }
    fn at_col() -> Self::Column {
        incident_event::Column::At
    }
    fn id_col() -> Self::Column {
        incident_event::Column::Id
    }
    fn incident_of(row: &Self::Model) -> Uuid {
        row.incident_id
    }
    fn key_of(row: &Self::Model) -> (DateTime<Utc>, Uuid) {
        (row.at, row.id)
    }
}

impl IncidentLog for incident_update::Entity {
    const TABLE: &'static str = "incident_updates";
    fn incident_col() -> Self::Column {
        incident_update::Column::IncidentId
    }
    fn at_col() -> Self::Column {
        incident_update::Column::At
    }
    fn id_col() -> Self::Column {
        incident_update::Column::Id
    }
    fn incident_of(row: &Self::Model) -> Uuid {
        row.incident_id
    }
    fn key_of(row: &Self::Model) -> (DateTime<Utc>, Uuid) {
        (row.at, row.id)
    }
}

/// The keyset key of a log entry: (at, id).
pub fn entry_cursor<L: IncidentLog>(row: &L::Model) -> String {
    let (at, id) = L::key_of(row);
    time_key(at, id)
}

/// One page of one incident's log (the caller has already seen the incident).
pub async fn log_page<L: IncidentLog>(
    ctx: Ctx<'_>,
    incident_id: Uuid,
    page: &PageRequest,
    order: Order,
) -> ServiceResult<Page<L::Model>> {
    ctx.principal.require(Role::Viewer)?;
    let mut q = L::find()
        .filter(L::incident_col().eq(incident_id))
        .limit(page.fetch_limit());
    q = match order {
        Order::OldestFirst => q.order_by_asc(L::at_col()).order_by_asc(L::id_col()),
        Order::NewestFirst => q.order_by_desc(L::at_col()).order_by_desc(L::id_col()),
    };
    if let Some(after) = &page.after {
        let (at, id) = parse_time_key(after)?;
        let (at_col, id_col) = (L::at_col(), L::id_col());
        q = q.filter(match order {
            Order::OldestFirst => Condition::any()
                .add(at_col.gt(at))
                .add(Condition::all().add(at_col.eq(at)).add(id_col.gt(id))),
            Order::NewestFirst => Condition::any()
                .add(at_col.lt(at))
                .add(Condition::all().add(at_col.eq(at)).add(id_col.lt(id))),
        });
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// The first page of the log of each incident: `first + 1` rows of each (one more tells
/// whether a next page exists), ranked per incident by `ROW_NUMBER() OVER (PARTITION BY
/// incident_id …)`, which SQLite (3.25+) and PostgreSQL both run. One statement.
pub async fn first_pages<L: IncidentLog>(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    first: usize,
    order: Order,
) -> ServiceResult<HashMap<Uuid, Page<L::Model>>> {
    let mut pages: HashMap<Uuid, Page<L::Model>> =
        ids.iter().map(|id| (*id, Page::default())).collect();
    if ids.is_empty() {
        return Ok(pages);
    }
    let backend = conn.get_database_backend();
    let placeholders: Vec<String> = (1..=ids.len())
        .map(|i| match backend {
            DatabaseBackend::Postgres => format!("${i}"),
            _ => "?".to_owned(),
        })
        .collect();
    let dir = match order {
        Order::OldestFirst => "ASC",
        Order::NewestFirst => "DESC",
    };
    let sql = format!(
        "SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.incident_id \
         ORDER BY t.at {dir}, t.id {dir}) AS page_rank FROM {} t \
         WHERE t.incident_id IN ({})) ranked WHERE page_rank <= {} \
         ORDER BY incident_id, page_rank",
        L::TABLE,
        placeholders.join(", "),
        first + 1
    );
    let stmt = Statement::from_sql_and_values(backend, sql, ids.iter().map(|id| (*id).into()));
    for row in L::find().from_raw_sql(stmt).all(conn).await? {
        if let Some(page) = pages.get_mut(&L::incident_of(&row)) {
            if page.items.len() < first {
                page.items.push(row);
            } else {
                page.has_next = true;
            }
        }
    }
    Ok(pages)
}
