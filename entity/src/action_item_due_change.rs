//! One change of an action item's due date: from, to, who, when.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_item_due_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub action_item_id: Uuid,
    pub from_due: DateTimeUtc,
    pub to_due: DateTimeUtc,
    pub changed_by: Uuid,
    pub changed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
