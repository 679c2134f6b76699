//! Small builders shared by the migrations.

use sea_orm_migration::prelude::*;

/// A foreign key from `table.col` to `to.id`.
pub fn fk(table: &str, col: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table.to_owned(), col.to_owned())
        .to(to.to_owned(), "id")
        .to_owned()
}
