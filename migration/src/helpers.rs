//! Small builders shared by the migrations.

use sea_orm_migration::prelude::*;

/// A foreign key from `table.col` to `to.id`.
pub fn fk(table: &str, col: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table.to_owned(), col.to_owned())
        .to(to.to_owned(), "id")
        .to_owned()
}

/// Creates the index `name` on `table` over `cols`.
pub async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(table.to_owned());
    for c in cols {
        i.col((*c).to_owned());
    }
    if unique {
        i.unique();
    }
    manager.create_index(i.to_owned()).await
}
