//! Per-request DataLoaders for relations reached from single objects (a team's members, a
//! member's user). They are created per request, so their cache never outlives it. Lists
//! of many parents prefer look-ahead prefetch (see `shared/stack.md`).

use super::batch::{OnDemand, Seed};
use crate::auth::Principal;
use crate::db::{Db, statements};
use crate::services::pagination::Page;
use crate::services::{catalog, incidents, teams, users, visibility};
use async_graphql::dataloader::Loader;
use entity::{
    incident, incident_event, incident_update, postmortem, service, team, team_manager,
    team_member, user,
};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

type LoadResult<V> = Result<HashMap<Uuid, V>, async_graphql::Error>;

/// The request's loaders. They cache (per request), so a list resolver can prime them with
/// what it prefetched by look-ahead (`feed_many`) and the fields then cost no statement.
pub struct Loaders {
    pub users: OnDemand<ById<user::Model>>,
    pub teams: OnDemand<ById<team::Model>>,
    pub services: OnDemand<ById<service::Model>>,
    pub members: OnDemand<MembersOfTeam>,
    pub managers: OnDemand<ManagersOfTeam>,
    pub memberships: OnDemand<MembershipsOfUser>,
    pub team_services: OnDemand<ServicesOfTeam>,
    pub incident_roles: OnDemand<RolesOfIncident>,
    pub participants: OnDemand<ParticipantsOfIncident>,
    pub incident_events: OnDemand<EventsOfIncident>,
    pub incident_updates: OnDemand<UpdatesOfIncident>,
    pub policies: OnDemand<Policies>,
    pub postmortems: OnDemand<PostmortemOfIncident>,
    pub action_items: OnDemand<ActionItemsOfPostmortem>,
    pub incident_action_items: OnDemand<ActionItemsOfIncident>,
    pub due_changes: OnDemand<DueChangesOfItem>,
    pub templates: OnDemand<TemplatesByScope>,
    pub visible_incidents: OnDemand<VisibleIncidents>,
    pub postmortems_by_id: OnDemand<ById<postmortem::Model>>,
    pub timeline_pages: OnDemand<FirstPages<incident_event::Entity>>,
    pub update_pages: OnDemand<FirstPages<incident_update::Entity>>,
    pub schedules: OnDemand<ById<entity::schedule::Model>>,
    pub layers: OnDemand<ById<entity::schedule_layer::Model>>,
    pub overrides: OnDemand<ById<entity::schedule_override::Model>>,
    pub schedule_layers: OnDemand<LayersOfSchedule>,
    pub rotation_incidents: OnDemand<RotationIncidents>,
    pub rotation_paging: OnDemand<RotationPagingOf>,
    pub alerts: OnDemand<ById<entity::alert::Model>>,
    pub alert_pages: OnDemand<PagesOfAlert>,
}

impl Loaders {
    /// Loaders whose batch tasks count their statements for the current request.
    pub fn new(db: &Db, principal: &Principal) -> Self {
        let seed = Arc::new(Seed {
            db: db.clone(),
            principal: principal.clone(),
            counter: statements::current(),
        });
        Self {
            users: OnDemand::new(&seed, |s| ById::new(&s.db)),
            teams: OnDemand::new(&seed, |s| ById::new(&s.db)),
            services: OnDemand::new(&seed, |s| ById::new(&s.db)),
            members: OnDemand::new(&seed, |s| MembersOfTeam(s.db.clone())),
            managers: OnDemand::new(&seed, |s| ManagersOfTeam(s.db.clone())),
            memberships: OnDemand::new(&seed, |s| MembershipsOfUser(s.db.clone())),
            team_services: OnDemand::new(&seed, |s| ServicesOfTeam(s.db.clone())),
            incident_roles: OnDemand::new(&seed, |s| RolesOfIncident(s.db.clone())),
            participants: OnDemand::new(&seed, |s| ParticipantsOfIncident(s.db.clone())),
            incident_events: OnDemand::new(&seed, |s| EventsOfIncident(s.db.clone())),
            incident_updates: OnDemand::new(&seed, |s| UpdatesOfIncident(s.db.clone())),
            policies: OnDemand::new(&seed, |s| Policies(s.db.clone())),
            postmortems: OnDemand::new(&seed, |s| PostmortemOfIncident(s.db.clone())),
            action_items: OnDemand::new(&seed, |s| ActionItemsOfPostmortem(s.db.clone())),
            incident_action_items: OnDemand::new(&seed, |s| ActionItemsOfIncident(s.db.clone())),
            due_changes: OnDemand::new(&seed, |s| DueChangesOfItem(s.db.clone())),
            templates: OnDemand::new(&seed, |s| TemplatesByScope(s.db.clone())),
            visible_incidents: OnDemand::new(&seed, |s| VisibleIncidents {
                db: s.db.clone(),
                principal: s.principal.clone(),
            }),
            timeline_pages: OnDemand::new(&seed, |s| FirstPages::new(&s.db)),
            postmortems_by_id: OnDemand::new(&seed, |s| ById::new(&s.db)),
            update_pages: OnDemand::new(&seed, |s| FirstPages::new(&s.db)),
            schedules: OnDemand::new(&seed, |s| ById::new(&s.db)),
            layers: OnDemand::new(&seed, |s| ById::new(&s.db)),
            overrides: OnDemand::new(&seed, |s| ById::new(&s.db)),
            schedule_layers: OnDemand::new(&seed, |s| LayersOfSchedule(s.db.clone())),
            alerts: OnDemand::new(&seed, |s| ById::new(&s.db)),
            alert_pages: OnDemand::new(&seed, |s| PagesOfAlert(s.db.clone())),
            rotation_paging: OnDemand::new(&seed, |s| RotationPagingOf {
                db: s.db.clone(),
                principal: s.principal.clone(),
            }),
            rotation_incidents: OnDemand::new(&seed, |s| RotationIncidents {
                db: s.db.clone(),
                principal: s.principal.clone(),
            }),
        }
    }
}

impl Loaders {
    /// Forgets everything cached: run before each mutation field, so what a mutation
    /// returns reflects the writes of the mutations before it in the same request.
    pub fn clear_all(&self) {
        self.users.forget::<Uuid>();
        self.teams.forget::<Uuid>();
        self.services.forget::<Uuid>();
        self.members.forget::<Uuid>();
        self.managers.forget::<Uuid>();
        self.memberships.forget::<Uuid>();
        self.team_services.forget::<Uuid>();
        self.incident_roles.forget::<Uuid>();
        self.participants.forget::<Uuid>();
        self.incident_events.forget::<Uuid>();
        self.incident_updates.forget::<Uuid>();
        self.policies.forget::<entity::Severity>();
        self.postmortems.forget::<Uuid>();
        self.action_items.forget::<Uuid>();
        self.incident_action_items.forget::<Uuid>();
        self.due_changes.forget::<Uuid>();
        self.templates.forget::<String>();
        self.visible_incidents.forget::<Uuid>();
        self.postmortems_by_id.forget::<Uuid>();
        self.timeline_pages.forget::<PageKey>();
        self.update_pages.forget::<PageKey>();
        self.schedules.forget::<Uuid>();
        self.layers.forget::<Uuid>();
        self.overrides.forget::<Uuid>();
        self.schedule_layers.forget::<Uuid>();
        self.alerts.forget::<Uuid>();
        self.alert_pages.forget::<Uuid>();
        self.rotation_incidents
            .forget::<crate::services::schedules::handoffs::Rotation>();
        self.rotation_paging
            .forget::<crate::services::schedules::handoffs::Rotation>();
    }
}

/// Primes the request's visible-incident cache for `ids` with the rows `found` (those the
/// caller may see); the others are cached as not visible.
pub async fn feed_visible_incidents(
    ctx: &async_graphql::Context<'_>,
    ids: &[Uuid],
    found: Vec<incident::Model>,
) {
    ctx.data_unchecked::<Loaders>()
        .visible_incidents
        .feed_many(with_none(ids, found.into_iter().map(|i| (i.id, i))))
        .await;
}

/// Reads the incidents a page refers to that the caller may see (one statement) and primes
/// the request's cache with them, for the fields that read them.
/// Loads the given people in one statement and primes the request's user loader.
pub async fn prime_users(
    ctx: &async_graphql::Context<'_>,
    ids: &[Uuid],
) -> async_graphql::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let db = &ctx
        .data_unchecked::<crate::graphql::context::SchemaData>()
        .db;
    let found = users::by_ids(db, ids).await?;
    ctx.data_unchecked::<Loaders>()
        .users
        .feed_many(found.into_iter().map(|u| (u.id, u)))
        .await;
    Ok(())
}

/// Loads the given teams in one statement and primes the request's team loader.
pub async fn prime_teams(
    ctx: &async_graphql::Context<'_>,
    ids: &[Uuid],
) -> async_graphql::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let db = &ctx
        .data_unchecked::<crate::graphql::context::SchemaData>()
        .db;
    let found = crate::services::teams::by_ids(db, ids).await?;
    ctx.data_unchecked::<Loaders>()
        .teams
        .feed_many(found.into_iter().map(|t| (t.id, t)))
        .await;
    Ok(())
}

pub async fn prime_visible_incidents(
    ctx: &async_graphql::Context<'_>,
    ids: &[Uuid],
) -> async_graphql::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let user = ctx
        .data_unchecked::<crate::graphql::context::RequestData>()
        .principal
        .user()?;
    let db = &ctx
        .data_unchecked::<crate::graphql::context::SchemaData>()
        .db;
    let found = visibility::visible_by_ids(db.conn(), user, ids).await?;
    feed_visible_incidents(ctx, ids, found).await;
    Ok(())
}

/// A user object through the request's loader.
pub async fn user_object(
    ctx: &async_graphql::Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<crate::graphql::objects::User>> {
    match id {
        Some(id) => Ok(ctx
            .data_unchecked::<Loaders>()
            .users
            .load_one(id)
            .await?
            .map(crate::graphql::objects::User)),
        None => Ok(None),
    }
}

/// Loads rows of one entity by primary key.
pub struct ById<M> {
    db: Db,
    _m: std::marker::PhantomData<fn() -> M>,
}

impl<M> ById<M> {
    fn new(db: &Db) -> Self {
        Self {
            db: db.clone(),
            _m: std::marker::PhantomData,
        }
    }
}

impl Loader<Uuid> for ById<user::Model> {
    type Value = user::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = users::by_ids(&self.db, keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for ById<team::Model> {
    type Value = team::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = teams::by_ids(&self.db, keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for ById<service::Model> {
    type Value = service::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = catalog::by_ids(&self.db, keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for ById<postmortem::Model> {
    type Value = postmortem::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::postmortems::by_ids(&self.db, keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Groups rows under a key, keeping their order.
pub fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

impl Loader<Uuid> for ById<entity::schedule::Model> {
    type Value = entity::schedule::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::schedules::by_ids(&self.db, keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for ById<entity::schedule_layer::Model> {
    type Value = entity::schedule_layer::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::schedules::layers_by_ids(&self.db, keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for ById<entity::schedule_override::Model> {
    type Value = entity::schedule_override::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::schedules::overrides_by_ids(&self.db, keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<Uuid> for ById<entity::alert::Model> {
    type Value = entity::alert::Model;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::paging::alerts::by_ids(&self.db, keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

pub struct PagesOfAlert(Db);
impl Loader<Uuid> for PagesOfAlert {
    type Value = Vec<entity::page::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::paging::alerts::pages_of(&self.0, keys).await?;
        Ok(with_empty(keys, group(rows, |p| p.alert_id)))
    }
}

/// The incidents of handoff documents' rotations the caller may see (three statements for
/// any number of documents).
pub struct RotationIncidents {
    db: Db,
    principal: Principal,
}
impl Loader<crate::services::schedules::handoffs::Rotation> for RotationIncidents {
    type Value = Vec<incident::Model>;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[crate::services::schedules::handoffs::Rotation],
    ) -> Result<HashMap<crate::services::schedules::handoffs::Rotation, Self::Value>, Self::Error>
    {
        let user = self.principal.require(entity::Role::Viewer)?;
        Ok(
            crate::services::schedules::handoffs::rotation_incidents(&self.db, user, keys)
                .await?
                .into_iter()
                .collect(),
        )
    }
}

/// The paging of handoff documents' rotations the caller may see (four statements for
/// any number).
pub struct RotationPagingOf {
    db: Db,
    principal: Principal,
}
impl Loader<crate::services::schedules::handoffs::Rotation> for RotationPagingOf {
    type Value = crate::services::schedules::handoffs::RotationPaging;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        keys: &[crate::services::schedules::handoffs::Rotation],
    ) -> Result<HashMap<crate::services::schedules::handoffs::Rotation, Self::Value>, Self::Error>
    {
        let user = self.principal.require(entity::Role::Viewer)?;
        Ok(
            crate::services::schedules::handoffs::rotation_paging(&self.db, user, keys)
                .await?
                .into_iter()
                .collect(),
        )
    }
}

/// A schedule's layers with their members (two statements for any number of schedules).
pub struct LayersOfSchedule(Db);
impl Loader<Uuid> for LayersOfSchedule {
    type Value = Vec<(
        entity::schedule_layer::Model,
        Vec<entity::layer_member::Model>,
    )>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::schedules::layers_of(self.0.conn(), keys).await?;
        Ok(with_empty(keys, group(rows, |(l, _)| l.schedule_id)))
    }
}

pub struct MembersOfTeam(Db);
impl Loader<Uuid> for MembersOfTeam {
    type Value = Vec<team_member::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        Ok(group(teams::members_of(&self.0, keys).await?, |m| {
            m.team_id
        }))
    }
}

pub struct ManagersOfTeam(Db);
impl Loader<Uuid> for ManagersOfTeam {
    type Value = Vec<team_manager::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        Ok(group(teams::managers_of(&self.0, keys).await?, |m| {
            m.team_id
        }))
    }
}

pub struct MembershipsOfUser(Db);
impl Loader<Uuid> for MembershipsOfUser {
    type Value = Vec<team_member::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        Ok(group(teams::memberships_of(&self.0, keys).await?, |m| {
            m.user_id
        }))
    }
}

pub struct ServicesOfTeam(Db);
impl Loader<Uuid> for ServicesOfTeam {
    type Value = Vec<service::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        Ok(group(catalog::of_teams(&self.0, keys).await?, |s| {
            s.team_id
        }))
    }
}

pub struct RolesOfIncident(Db);
impl Loader<Uuid> for RolesOfIncident {
    type Value = Vec<incidents::Held>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        Ok(with_empty(
            keys,
            group(incidents::roles_of(&self.0, keys).await?, |(r, _)| {
                r.incident_id
            }),
        ))
    }
}

pub struct ParticipantsOfIncident(Db);
impl Loader<Uuid> for ParticipantsOfIncident {
    type Value = Vec<entity::incident_participant::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        Ok(with_empty(
            keys,
            group(incidents::participants_of(&self.0, keys).await?, |p| {
                p.incident_id
            }),
        ))
    }
}

pub struct EventsOfIncident(Db);
impl Loader<Uuid> for EventsOfIncident {
    type Value = Vec<incident_event::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        Ok(with_empty(
            keys,
            group(incidents::events_of(&self.0, keys).await?, |e| {
                e.incident_id
            }),
        ))
    }
}

pub struct UpdatesOfIncident(Db);
impl Loader<Uuid> for UpdatesOfIncident {
    type Value = Vec<incident_update::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        Ok(with_empty(
            keys,
            group(incidents::updates_of(&self.0, keys).await?, |u| {
                u.incident_id
            }),
        ))
    }
}

/// Every key gets an entry (empty when it has no rows), so the cache answers for it.
pub fn with_empty<T>(keys: &[Uuid], mut map: HashMap<Uuid, Vec<T>>) -> HashMap<Uuid, Vec<T>> {
    for k in keys {
        map.entry(*k).or_default();
    }
    map
}

/// Severity policies: one statement loads all four.
pub struct Policies(Db);
impl Loader<entity::Severity> for Policies {
    type Value = scheduler::domain::severity::SeverityPolicy;
    type Error = async_graphql::Error;
    async fn load(
        &self,
        _keys: &[entity::Severity],
    ) -> Result<HashMap<entity::Severity, Self::Value>, Self::Error> {
        let all = crate::services::severity::all(self.0.conn()).await?;
        Ok(all.into_iter().map(|p| (p.severity, p)).collect())
    }
}

/// The postmortem of an incident; every key gets an entry (None when it has none), so a
/// list can prime the cache for all its incidents.
pub struct PostmortemOfIncident(Db);
impl Loader<Uuid> for PostmortemOfIncident {
    type Value = Option<entity::postmortem::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::postmortems::of_incidents(&self.0, keys).await?;
        Ok(with_none(
            keys,
            rows.into_iter().map(|p| (p.incident_id, p)),
        ))
    }
}

/// Every key gets an entry: the row found for it, or None.
pub fn with_none<T>(
    keys: &[Uuid],
    found: impl IntoIterator<Item = (Uuid, T)>,
) -> HashMap<Uuid, Option<T>> {
    let mut map: HashMap<Uuid, Option<T>> = keys.iter().map(|k| (*k, None)).collect();
    for (k, v) in found {
        map.insert(k, Some(v));
    }
    map
}

pub struct ActionItemsOfPostmortem(Db);
impl Loader<Uuid> for ActionItemsOfPostmortem {
    type Value = Vec<entity::action_item::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::action_items::of_postmortems(&self.0, keys).await?;
        // Every row has one of `keys` as its postmortem.
        Ok(with_empty(
            keys,
            group(rows, |a| a.postmortem_id.unwrap_or_default()),
        ))
    }
}

pub struct ActionItemsOfIncident(Db);
impl Loader<Uuid> for ActionItemsOfIncident {
    type Value = Vec<entity::action_item::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::action_items::of_incidents(&self.0, keys).await?;
        Ok(with_empty(keys, group(rows, |a| a.incident_id)))
    }
}

/// Other incidents a page refers to (a duplicate's original, a recurrence's earlier
/// incident, timeline entries about them), if the caller may see them (None otherwise).
pub struct VisibleIncidents {
    db: Db,
    principal: Principal,
}
impl Loader<Uuid> for VisibleIncidents {
    type Value = Option<incident::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let found = match self.principal.user() {
            Ok(user) => visibility::visible_by_ids(self.db.conn(), user, keys).await?,
            Err(_) => vec![],
        };
        Ok(with_none(keys, found.into_iter().map(|i| (i.id, i))))
    }
}

/// The first page of an incident's timeline or updates, as asked: `first` entries from one
/// end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub incident: Uuid,
    pub first: usize,
    pub order: incidents::Order,
}

impl PageKey {
    /// First pages of one shape, keyed for the loader.
    pub fn key_pages<T>(
        first: usize,
        order: incidents::Order,
        pages: HashMap<Uuid, Page<T>>,
    ) -> impl Iterator<Item = (PageKey, Page<T>)> {
        pages.into_iter().map(move |(incident, page)| {
            (
                PageKey {
                    incident,
                    first,
                    order,
                },
                page,
            )
        })
    }
}

/// Groups keys by page shape: one windowed statement per shape.
fn shapes(keys: &[PageKey]) -> HashMap<(usize, incidents::Order), Vec<Uuid>> {
    let mut by: HashMap<(usize, incidents::Order), Vec<Uuid>> = HashMap::new();
    for k in keys {
        by.entry((k.first, k.order)).or_default().push(k.incident);
    }
    by
}

/// The first pages of an incident log (timeline or updates), by page shape.
pub struct FirstPages<L>(Db, std::marker::PhantomData<fn() -> L>);

impl<L> FirstPages<L> {
    fn new(db: &Db) -> Self {
        Self(db.clone(), std::marker::PhantomData)
    }
}

impl<L: incidents::IncidentLog + 'static> Loader<PageKey> for FirstPages<L> {
    type Value = Page<L::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for ((first, order), ids) in shapes(keys) {
            let pages = incidents::first_pages::<L>(self.0.conn(), &ids, first, order).await?;
            out.extend(PageKey::key_pages(first, order, pages));
        }
        Ok(out)
    }
}

/// An action item's due-date changes, oldest first.
pub struct DueChangesOfItem(Db);
impl Loader<Uuid> for DueChangesOfItem {
    type Value = Vec<entity::action_item_due_change::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[Uuid]) -> LoadResult<Self::Value> {
        let rows = crate::services::action_items::due_changes_of(&self.0, keys).await?;
        Ok(with_empty(keys, group(rows, |c| c.action_item_id)))
    }
}

/// Message templates by scope (`org` or a team's id); every scope asked gets an entry.
pub struct TemplatesByScope(Db);
impl Loader<String> for TemplatesByScope {
    type Value = Vec<entity::message_template::Model>;
    type Error = async_graphql::Error;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let rows = crate::services::templates::of_scopes(&self.0, keys).await?;
        let mut map: HashMap<String, Self::Value> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for row in rows {
            map.entry(row.scope.clone()).or_default().push(row);
        }
        Ok(map)
    }
}
