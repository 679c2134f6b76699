//! An organization's override of the default policy of one severity.
use crate::enums::{CustomerComms, Severity};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "severity_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub severity: Severity,
    /// None: next business day (no page).
    pub respond_within_minutes: Option<i32>,
    pub business_hours_only: bool,
    /// JSON array of page targets (`on_call`, `team_lead`, …).
    pub pages: Json,
    /// None: updates on change only.
    pub update_every_minutes: Option<i32>,
    pub customer_comms: CustomerComms,
    /// JSON array of incident roles this severity expects; None: the product default.
    pub expected_roles: Option<Json>,
    /// Whether this severity owes a postmortem; None: the product default (SEV1, SEV2).
    pub postmortem_required: Option<bool>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
