use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "teams")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    pub description: Option<String>,
    pub active: bool,
    /// The schedule paging asks "who is on call?".
    pub default_schedule_id: Option<Uuid>,
    /// Fewer primaries than this in a layer and the layer carries a warning.
    pub min_rotation_size: i32,
    /// More pages than this in an on-call week is a warning sign.
    pub page_warn_above: i32,
    /// This many pages or more in an on-call week is a breach.
    pub page_breach_at: i32,
    /// The night window, in the responder's own zone: minutes after midnight.
    pub night_start_minute: i32,
    pub night_end_minute: i32,
    /// Compensation: rest per night page, pay per on-call hour and week (minor units).
    pub rest_per_night_page_minutes: i32,
    pub pay_per_hour_minor: i64,
    pub pay_per_week_minor: i64,
    pub currency: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
