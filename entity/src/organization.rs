//! The one organization of a deployment and its settings.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization")]
pub struct Model {
    /// Always 1: a deployment serves one organization.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub name: String,
    /// IANA zone name, validated against chrono-tz before it is stored.
    pub time_zone: String,
    /// Hours after resolution within which a postmortem is due.
    pub postmortem_due_hours: i32,
    /// Small teams may publish a postmortem they submitted themselves; by default another
    /// person publishes it (a second pair of eyes).
    pub allow_self_publication: bool,
    /// Paged for SEV1 (and an escalation target).
    pub engineering_lead_id: Option<Uuid>,
    /// Paged for SEV1.
    pub vp_engineering_id: Option<Uuid>,
    pub action_item_managers_after_days: i32,
    /// Whether managers get the weekly digest.
    pub digest_enabled: bool,
    /// The digest's ISO weekday (Monday 1 to Sunday 7) and hour, in `time_zone`.
    pub digest_weekday: i16,
    pub digest_hour: i16,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
