//! A source of alerts for a team (Prometheus Alertmanager, or the generic webhook), with
//! a secret key stored as its SHA-256.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub team_id: Uuid,
    pub name: String,
    /// `alertmanager` or `generic`.
    pub kind: String,
    #[sea_orm(unique)]
    pub key_hash: String,
    /// The label whose value picks the severity (Alertmanager), e.g. `severity`.
    pub severity_label: String,
    /// Label value → severity (`sev1`…), e.g. `{"critical": "sev1"}`.
    pub severity_map: Json,
    pub default_severity: crate::Severity,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
