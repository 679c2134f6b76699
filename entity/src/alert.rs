//! Something that needs a human: from an integration, from `triggerPage`, or from an
//! incident's declaration. It pages people (see `page`) and escalates as one.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub team_id: Option<Uuid>,
    pub integration_id: Option<Uuid>,
    pub incident_id: Option<Uuid>,
    /// An integration's name, `manual` or `incident`.
    pub source: String,
    /// Its name at the source (Alertmanager's alertname).
    pub name: String,
    /// Alertmanager's groupKey, or a generic dedup key.
    pub dedup_key: Option<String>,
    pub summary: String,
    pub severity: crate::Severity,
    /// `triggered`, `acknowledged`, `resolved`.
    pub status: String,
    /// Its escalation position (steps, repeats included).
    pub position: i32,
    pub entered_step_at: DateTimeUtc,
    /// Nobody could be paged, not even a fallback.
    pub unrouted: bool,
    pub triggered_by: Option<Uuid>,
    pub notification_hash: Option<String>,
    pub details: Option<Json>,
    pub snoozed_until: Option<DateTimeUtc>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
