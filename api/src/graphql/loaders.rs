//! Per-request DataLoaders for relations reached from single objects (a team's members, a
//! member's user). They are created per request, so their cache never outlives it. Lists
//! of many parents prefer look-ahead prefetch (see `shared/stack.md`).

use crate::db::Db;
use crate::services::{catalog, teams, users};
use async_graphql::dataloader::{DataLoader, Loader};
use entity::{service, team, team_manager, team_member, user};
use std::collections::HashMap;
use uuid::Uuid;

type LoadResult<V> = Result<HashMap<Uuid, V>, async_graphql::Error>;

pub struct Loaders {
    pub users: DataLoader<ById<user::Model>>,
    pub teams: DataLoader<ById<team::Model>>,
    pub services: DataLoader<ById<service::Model>>,
    pub members: DataLoader<MembersOfTeam>,
    pub managers: DataLoader<ManagersOfTeam>,
    pub memberships: DataLoader<MembershipsOfUser>,
    pub team_services: DataLoader<ServicesOfTeam>,
}

impl Loaders {
    pub fn new(db: &Db) -> Self {
        fn dl<L>(l: L) -> DataLoader<L> {
            DataLoader::new(l, tokio::spawn)
        }
        Self {
            users: dl(ById::new(db)),
            teams: dl(ById::new(db)),
            services: dl(ById::new(db)),
            members: dl(MembersOfTeam(db.clone())),
            managers: dl(ManagersOfTeam(db.clone())),
            memberships: dl(MembershipsOfUser(db.clone())),
            team_services: dl(ServicesOfTeam(db.clone())),
        }
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

/// Groups rows under a key, keeping their order.
fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut map: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
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
