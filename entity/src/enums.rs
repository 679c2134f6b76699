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
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
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
        self.into()
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
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "UPPERCASE")]
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
    /// The name people use: `SEV1` … `SEV4` (the same as in GraphQL).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// True when `self` is worse than `other` (SEV1 is the worst).
    pub fn is_worse_than(self, other: Severity) -> bool {
        self < other
    }
}

/// Where an incident stands, in the words a status page understands.
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
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "lowercase")]
pub enum IncidentStatus {
    /// Impact known, cause not yet.
    #[sea_orm(string_value = "investigating")]
    Investigating,
    /// Cause identified, fix under way.
    #[sea_orm(string_value = "identified")]
    Identified,
    /// Mitigated; watching for recurrence.
    #[sea_orm(string_value = "monitoring")]
    Monitoring,
    /// Service restored. Only `resolveIncident` sets it.
    #[sea_orm(string_value = "resolved")]
    Resolved,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The explicit roles of an incident response.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "snake_case")]
pub enum IncidentRole {
    /// Coordinates and decides; not the one fixing, unless called out.
    #[sea_orm(string_value = "commander")]
    Commander,
    /// Investigates and fixes.
    #[sea_orm(string_value = "tech_lead")]
    TechLead,
    /// Status page, customers, stakeholders.
    #[sea_orm(string_value = "comms_lead")]
    CommsLead,
    /// Writes down what was tried, what worked, when.
    #[sea_orm(string_value = "scribe")]
    Scribe,
}

impl IncidentRole {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What a timeline entry records.
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimelineKind {
    #[sea_orm(string_value = "declared")]
    Declared,
    #[sea_orm(string_value = "field_changed")]
    FieldChanged,
    #[sea_orm(string_value = "acknowledged")]
    Acknowledged,
    #[sea_orm(string_value = "status_change")]
    StatusChange,
    #[sea_orm(string_value = "severity_change")]
    SeverityChange,
    #[sea_orm(string_value = "role_change")]
    RoleChange,
    /// The team called out that the commander also leads the fix.
    #[sea_orm(string_value = "role_conflict_acknowledged")]
    RoleConflictAcknowledged,
    #[sea_orm(string_value = "update_posted")]
    UpdatePosted,
    #[sea_orm(string_value = "decision")]
    Decision,
    #[sea_orm(string_value = "action_taken")]
    ActionTaken,
    #[sea_orm(string_value = "note")]
    Note,
    #[sea_orm(string_value = "mitigated")]
    Mitigated,
    #[sea_orm(string_value = "resolved")]
    Resolved,
    #[sea_orm(string_value = "reopened")]
    Reopened,
    #[sea_orm(string_value = "marked_duplicate")]
    MarkedDuplicate,
    #[sea_orm(string_value = "recurrence_linked")]
    RecurrenceLinked,
    #[sea_orm(string_value = "participant_added")]
    ParticipantAdded,
}

/// Who is paged for a severity, beyond nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageTarget {
    OnCall,
    TeamLead,
    EngineeringLead,
    VpEngineering,
}

/// What customers are told for a severity.
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerComms {
    /// Status page and a customer notification are required.
    #[sea_orm(string_value = "status_page_and_notification")]
    StatusPageAndNotification,
    /// Customers are notified.
    #[sea_orm(string_value = "notified")]
    Notified,
    /// Nothing is sent to customers.
    #[sea_orm(string_value = "none")]
    None,
}

/// Where a postmortem stands.
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PostmortemStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "in_review")]
    InReview,
    #[sea_orm(string_value = "published")]
    Published,
}

/// Who may read a postmortem.
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Visibility {
    /// Signed-in users only.
    #[sea_orm(string_value = "internal")]
    Internal,
    /// Also on the public status page once published (public fields only).
    #[sea_orm(string_value = "public")]
    Public,
}

/// How urgent an action item is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Priority {
    #[sea_orm(string_value = "p1")]
    #[graphql(name = "P1")]
    P1,
    #[sea_orm(string_value = "p2")]
    #[graphql(name = "P2")]
    P2,
    #[sea_orm(string_value = "p3")]
    #[graphql(name = "P3")]
    P3,
}

/// Where an action item stands. DONE and WONT_DO close it.
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionItemStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "done")]
    Done,
    /// Needs a reason.
    #[sea_orm(string_value = "wont_do")]
    WontDo,
}

impl ActionItemStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, ActionItemStatus::Done | ActionItemStatus::WontDo)
    }
}

/// How an incident came to light. The seeds call the customer report the worst way to find
/// out: metrics show how often it happens.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "snake_case")]
pub enum DetectionSource {
    /// An alert fired (monitoring; alert integrations set this).
    #[sea_orm(string_value = "alert")]
    Alert,
    /// A customer told us.
    #[sea_orm(string_value = "customer_report")]
    CustomerReport,
    /// Someone inside the company noticed.
    #[sea_orm(string_value = "internal_report")]
    InternalReport,
    /// Another team told us.
    #[sea_orm(string_value = "other_team")]
    OtherTeam,
    /// Not recorded.
    #[default]
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

impl DetectionSource {
    /// Every source, in the order reports list them.
    pub const ALL: [DetectionSource; 5] = [
        DetectionSource::Alert,
        DetectionSource::CustomerReport,
        DetectionSource::InternalReport,
        DetectionSource::OtherTeam,
        DetectionSource::Unknown,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_derived_and_round_trip() {
        assert_eq!(Role::Manager.as_str(), "manager");
        assert_eq!("ADMIN".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
        assert_eq!(Severity::Sev2.as_str(), "SEV2");
        assert_eq!(IncidentStatus::Monitoring.as_str(), "monitoring");
        assert_eq!(IncidentRole::TechLead.as_str(), "tech_lead");
    }
}
