//! A person in a layer's rotation, primary or shadow, at a position.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "layer_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub layer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub position: i32,
    pub shadow: bool,
}

impl ActiveModelBehavior for ActiveModel {}
