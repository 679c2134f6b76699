use crate::enums::Role;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The JWT `sub` that names this user (for local tokens: the login name).
    #[sea_orm(unique)]
    pub subject: String,
    pub name: String,
    pub email: Option<String>,
    /// IANA zone name: night pages and on-call windows are judged in it.
    pub time_zone: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
