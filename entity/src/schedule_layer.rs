//! One layer of a schedule: a local daily window on some weekdays, a rotation.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_layers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub schedule_id: Uuid,
    pub name: String,
    pub position: i32,
    /// IANA name.
    pub time_zone: String,
    /// Minutes after local midnight; both `None` for all day.
    pub window_start: Option<i32>,
    pub window_end: Option<i32>,
    /// Monday is bit 0.
    pub weekdays: i32,
    pub rotation_days: i32,
    pub handoff_minute: i32,
    pub start_date: Date,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
