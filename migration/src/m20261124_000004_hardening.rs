//! Hardening of the incident half: case-folded titles for search, counters for channel
//! names, references from timeline entries to other incidents, the self-publication
//! setting, and user subjects scoped by where they come from.

use crate::helpers::fk;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("incidents")
                    .add_column(text("title_folded").default(""))
                    .to_owned(),
            )
            .await?;
        // One row per channel base name (`#inc-<date>-<slug>`): the next suffix is taken
        // with one atomic upsert instead of scanning the incidents' channel names.
        manager
            .create_table(
                Table::create()
                    .table("channel_counters")
                    .col(string("base").primary_key())
                    .col(integer("last"))
                    .to_owned(),
            )
            .await?;
        // A timeline entry that refers to another incident (duplicate, recurrence) stores
        // its id here; the text naming it is rendered at read time through visibility.
        manager
            .alter_table(
                Table::alter()
                    .table("incident_events")
                    .add_column(uuid_null("ref_incident_id"))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager
                .create_foreign_key(
                    fk("incident_events", "ref_incident_id", "incidents")
                        .name("fk_incident_events_ref_incident")
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("organization")
                    .add_column(boolean("allow_self_publication").default(false))
                    .to_owned(),
            )
            .await?;
        // Subjects become `local:<login>` or `idp:<sub>`: an identity provider's subject can
        // never name a local login.
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE users SET subject = 'local:' || subject")
            .await?;
        // Titles folded in Rust, as the service does on every write.
        let backend = manager.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, title FROM incidents",
            ))
            .await?;
        for row in rows {
            let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "id")?;
            let title: String = row.try_get("", "title")?;
            let sql = match backend {
                sea_orm_migration::sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE incidents SET title_folded = $1 WHERE id = $2"
                }
                _ => "UPDATE incidents SET title_folded = ? WHERE id = ?",
            };
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [caseless::default_case_fold_str(&title).into(), id.into()],
            ))
            .await?;
        }
        Ok(())
    }
}
