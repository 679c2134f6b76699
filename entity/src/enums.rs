//! One Rust enum per concept, used by the database column (`DeriveActiveEnum`, stored as a
//! lower-case string), the pure core and GraphQL (`async_graphql::Enum`, SCREAMING_CASE).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a user may do in Firebreak. Ordered: each role includes the ones before it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
#[graphql(name = "Role")]
pub enum Role {
    /// Reads everything that is not restricted.
    #[sea_orm(string_value = "viewer")]
    Viewer,
    /// Declares and works incidents.
    #[sea_orm(string_value = "responder")]
    Responder,
    /// A responder who also sees reports and manages the membership of their teams.
    #[sea_orm(string_value = "manager")]
    Manager,
    /// Everything, including users, teams, services and organization settings.
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "viewer" => Ok(Role::Viewer),
            "responder" => Ok(Role::Responder),
            "manager" => Ok(Role::Manager),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role `{other}` (expected viewer, responder, manager or admin)"
            )),
        }
    }
}

/// A member's place within one team.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "lead")]
    Lead,
}
