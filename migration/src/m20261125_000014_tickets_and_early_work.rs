//! SEV4 incidents are filed as tickets and get no channel, so `incidents.channel`
//! becomes nullable (NULLs do not collide under its UNIQUE constraint). Action items can
//! be created on an incident before there is a postmortem: they get the incident's id,
//! filled from their postmortem for existing rows, and `postmortem_id` becomes optional.

use crate::sqlite_rebuild::{Edit, rebuild};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // A column with a REFERENCES clause: sea-query cannot add a foreign key on
        // SQLite, so each backend gets its own statement.
        db.execute_unprepared(match manager.get_database_backend() {
            DbBackend::Postgres => {
                "ALTER TABLE action_items ADD COLUMN incident_id uuid NULL REFERENCES incidents (id)"
            }
            _ => {
                "ALTER TABLE \"action_items\" ADD COLUMN \"incident_id\" uuid_text NULL \
                 REFERENCES \"incidents\" (\"id\")"
            }
        })
        .await?;
        db.execute_unprepared(
            "UPDATE action_items SET incident_id = \
             (SELECT incident_id FROM postmortems WHERE postmortems.id = action_items.postmortem_id)",
        )
        .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE incidents ALTER COLUMN channel DROP NOT NULL; \
                     ALTER TABLE action_items ALTER COLUMN postmortem_id DROP NOT NULL; \
                     ALTER TABLE action_items ALTER COLUMN incident_id SET NOT NULL",
                )
                .await?;
            }
            _ => {
                rebuild(
                    manager,
                    "incidents",
                    &[Edit {
                        find: "\"channel\" varchar NOT NULL UNIQUE",
                        replace: "\"channel\" varchar NULL UNIQUE",
                    }],
                )
                .await?;
                rebuild(
                    manager,
                    "action_items",
                    &[
                        Edit {
                            find: "\"postmortem_id\" uuid_text NOT NULL",
                            replace: "\"postmortem_id\" uuid_text NULL",
                        },
                        Edit {
                            find: "\"incident_id\" uuid_text NULL REFERENCES",
                            replace: "\"incident_id\" uuid_text NOT NULL REFERENCES",
                        },
                    ],
                )
                .await?;
            }
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_action_items_incident")
                    .table("action_items")
                    .col("incident_id")
                    .to_owned(),
            )
            .await
    }
}
