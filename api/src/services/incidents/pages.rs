//! An incident's timeline and status updates, a page at a time: for one incident a keyset
//! page, for a list of incidents the first page of each in one statement (a window
//! function), so a page of incidents with their timelines costs a constant number of
//! statements whatever its size.

use crate::services::pagination::{Page, PageRequest};
use crate::services::{Ctx, ServiceError, ServiceResult};
use chrono::{DateTime, Utc};
use entity::{Role, incident_event, incident_update};
use scheduler::domain::reason::Reason;
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

/// What both paged relations have: the incident they belong to, an instant and an id.
pub trait Entry {
    fn incident_id(&self) -> Uuid;
    fn at(&self) -> DateTime<Utc>;
    fn id(&self) -> Uuid;
}

impl Entry for incident_event::Model {
    fn incident_id(&self) -> Uuid {
        self.incident_id
    }
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Entry for incident_update::Model {
    fn incident_id(&self) -> Uuid {
        self.incident_id
    }
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

/// The keyset key of an entry in its incident's log: (at, id).
pub fn entry_cursor(e: &impl Entry) -> String {
    format!("{}|{}", e.at().to_rfc3339(), e.id())
}

fn parse_entry_cursor(raw: &str) -> ServiceResult<(DateTime<Utc>, Uuid)> {
    let bad = || {
        ServiceError::invalid(
            Reason::InvalidCursor,
            "`after` is not a cursor from this API",
        )
    };
    let (at, id) = raw.split_once('|').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| bad())?
        .with_timezone(&Utc);
    Ok((at, Uuid::parse_str(id).map_err(|_| bad())?))
}

/// One page of one incident's timeline (the caller has already seen the incident).
pub async fn timeline_page(
    ctx: Ctx<'_>,
    incident_id: Uuid,
    page: &PageRequest,
    order: Order,
) -> ServiceResult<Page<incident_event::Model>> {
    ctx.principal.require(Role::Viewer)?;
    use incident_event::Column as C;
    let mut q = incident_event::Entity::find()
        .filter(C::IncidentId.eq(incident_id))
        .limit(page.fetch_limit());
    q = match order {
        Order::OldestFirst => q.order_by_asc(C::At).order_by_asc(C::Id),
        Order::NewestFirst => q.order_by_desc(C::At).order_by_desc(C::Id),
    };
    if let Some(after) = &page.after {
        let (at, id) = parse_entry_cursor(after)?;
        q = q.filter(after_condition(C::At, C::Id, at, id, order));
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// One page of one incident's status updates.
pub async fn updates_page(
    ctx: Ctx<'_>,
    incident_id: Uuid,
    page: &PageRequest,
    order: Order,
) -> ServiceResult<Page<incident_update::Model>> {
    ctx.principal.require(Role::Viewer)?;
    use incident_update::Column as C;
    let mut q = incident_update::Entity::find()
        .filter(C::IncidentId.eq(incident_id))
        .limit(page.fetch_limit());
    q = match order {
        Order::OldestFirst => q.order_by_asc(C::At).order_by_asc(C::Id),
        Order::NewestFirst => q.order_by_desc(C::At).order_by_desc(C::Id),
    };
    if let Some(after) = &page.after {
        let (at, id) = parse_entry_cursor(after)?;
        q = q.filter(after_condition(C::At, C::Id, at, id, order));
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

fn after_condition<C: ColumnTrait>(
    at_col: C,
    id_col: C,
    at: DateTime<Utc>,
    id: Uuid,
    order: Order,
) -> Condition {
    match order {
        Order::OldestFirst => Condition::any()
            .add(at_col.gt(at))
            .add(Condition::all().add(at_col.eq(at)).add(id_col.gt(id))),
        Order::NewestFirst => Condition::any()
            .add(at_col.lt(at))
            .add(Condition::all().add(at_col.eq(at)).add(id_col.lt(id))),
    }
}

/// The first page of the timeline of each incident, one statement.
pub async fn first_timeline_pages(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    first: usize,
    order: Order,
) -> ServiceResult<HashMap<Uuid, Page<incident_event::Model>>> {
    first_pages::<incident_event::Entity>(conn, "incident_events", ids, first, order).await
}

/// The first page of the status updates of each incident, one statement.
pub async fn first_update_pages(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    first: usize,
    order: Order,
) -> ServiceResult<HashMap<Uuid, Page<incident_update::Model>>> {
    first_pages::<incident_update::Entity>(conn, "incident_updates", ids, first, order).await
}

/// `first + 1` rows of each incident (one more tells whether a next page exists), ranked
/// per incident by `ROW_NUMBER() OVER (PARTITION BY incident_id …)`, which SQLite (3.25+)
/// and PostgreSQL both run. `table` is one of ours, never input.
async fn first_pages<E>(
    conn: &impl ConnectionTrait,
    table: &'static str,
    ids: &[Uuid],
    first: usize,
    order: Order,
) -> ServiceResult<HashMap<Uuid, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Entry,
{
    let mut pages: HashMap<Uuid, Page<E::Model>> =
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
         ORDER BY t.at {dir}, t.id {dir}) AS page_rank FROM {table} t \
         WHERE t.incident_id IN ({})) ranked WHERE page_rank <= {} \
         ORDER BY incident_id, page_rank",
        placeholders.join(", "),
        first + 1
    );
    let stmt = Statement::from_sql_and_values(backend, sql, ids.iter().map(|id| (*id).into()));
    for row in E::find().from_raw_sql(stmt).all(conn).await? {
        if let Some(page) = pages.get_mut(&row.incident_id()) {
            if page.items.len() < first {
                page.items.push(row);
            } else {
                page.has_next = true;
            }
        }
    }
    Ok(pages)
}
