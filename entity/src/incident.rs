//! An incident: what happened, how bad, who leads, and every timestamp the metrics need.
use crate::enums::{DetectionSource, IncidentStatus, Severity};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incidents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    /// `title` case-folded in Rust, for case-insensitive search alike on both databases.
    pub title_folded: String,
    /// Shown on the status page instead of `title` when set.
    pub public_title: Option<String>,
    pub description: Option<String>,
    pub severity: Severity,
    /// The worst severity ever reached (postmortems are required from SEV2 up).
    pub highest_severity: Severity,
    pub status: IncidentStatus,
    #[sea_orm(unique)]
    pub channel: Option<String>,
    pub service_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub customer_impact: bool,
    /// How the incident came to light.
    pub detection_source: DetectionSource,
    pub restricted: bool,
    pub false_alarm: bool,
    pub duplicate_of: Option<Uuid>,
    pub recurrence_of: Option<Uuid>,
    pub resolution_summary: Option<String>,
    pub declared_by: Uuid,
    pub started_at: DateTimeUtc,
    /// Whether someone said when impact began; otherwise `started_at` is the detection and
    /// time to detect is unknown (left out of the metrics, not counted as zero).
    pub start_known: bool,
    pub detected_at: DateTimeUtc,
    pub declared_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub mitigated_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub last_update_at: Option<DateTimeUtc>,
    /// When customers were last told (a public update); customer communication is owed
    /// while the policy asks for it and this is unset.
    pub last_public_update_at: Option<DateTimeUtc>,
    /// The latest estimated time to resolution given in a status update.
    pub eta: Option<DateTimeUtc>,
    pub next_update_due_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
