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

/// How bad an incident is. Chosen by the declarer, never defaulted ("if every incident is
/// critical, none are").
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
pub enum Severity {
    /// Critical: total outage, data loss, security breach, payments down.
    #[sea_orm(string_value = "sev1")]
    #[graphql(name = "SEV1")]
    Sev1,
    /// Major: a major feature broken or degraded for many users.
    #[sea_orm(string_value = "sev2")]
    #[graphql(name = "SEV2")]
    Sev2,
    /// Minor: degraded for some users, a workaround exists.
    #[sea_orm(string_value = "sev3")]
    #[graphql(name = "SEV3")]
    Sev3,
    /// Low: cosmetic, internal tool, not customer-impacting; filed as a ticket.
    #[sea_orm(string_value = "sev4")]
    #[graphql(name = "SEV4")]
    Sev4,
}

impl Severity {
    /// True when `self` is worse than `other` (SEV1 is the worst).
    pub fn is_worse_than(self, other: Severity) -> bool {
        self < other
    }
}
