//! The GraphQL object types that refer to one another (an incident has a postmortem, a
//! postmortem its incident; a team its members, a user their teams, a service its team).
//! Only the types live here; each one's fields are resolved in the module named after it.
//! So those modules import this one and never each other, and the graph has no cycle.

use entity::{action_item, incident, postmortem, service, team, user};
use scheduler::domain::postmortem::Line;
use tokio::sync::OnceCell;

pub struct Incident(pub incident::Model);

pub struct User(pub user::Model);

#[derive(Clone)]
pub struct Team(pub team::Model);

pub struct Service(pub service::Model);

pub struct ActionItem(pub action_item::Model);

/// A postmortem as GraphQL shows it. The incident and the merged timeline are read at most
/// once per object, however many fields need them.
pub struct Postmortem {
    pub(crate) row: postmortem::Model,
    pub(crate) incident: OnceCell<incident::Model>,
    pub(crate) timeline: OnceCell<Vec<Line>>,
}

impl Postmortem {
    pub fn new(row: postmortem::Model) -> Self {
        Self {
            row,
            incident: OnceCell::new(),
            timeline: OnceCell::new(),
        }
    }
}
