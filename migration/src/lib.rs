//! Schema migrations, run on start (and by `firebreak migrate`) on SQLite and PostgreSQL alike.
//!
//! Application tables avoid the names apalis uses for its own (`Jobs`, `Workers`) and the
//! migration history stays in sea-orm's `seaql_migrations`, apart from apalis' `_sqlx_migrations`.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261123_000001_organization;
mod m20261123_000002_incidents;
mod m20261123_000003_postmortems;
mod m20261124_000004_hardening;
mod m20261124_000005_phases;
mod m20261124_000006_expected_roles;
mod m20261124_000007_policies_act;
mod m20261124_000008_update_eta;
mod m20261124_000009_service_public_name;
mod m20261124_000010_start_known;
mod m20261124_000011_public_postmortem;
mod m20261124_000012_due_changes;
mod m20261124_000013_message_templates;
mod m20261125_000014_tickets_and_early_work;
mod m20261125_000015_schedules;
mod m20261125_000016_paging;
mod m20261126_000017_notifications;
mod m20261127_000018_weekly_digest;
mod m20261128_000019_list_indexes;
mod sqlite_rebuild;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_organization::Migration),
            Box::new(m20261123_000002_incidents::Migration),
            Box::new(m20261123_000003_postmortems::Migration),
            Box::new(m20261124_000004_hardening::Migration),
            Box::new(m20261124_000005_phases::Migration),
            Box::new(m20261124_000006_expected_roles::Migration),
            Box::new(m20261124_000007_policies_act::Migration),
            Box::new(m20261124_000008_update_eta::Migration),
            Box::new(m20261124_000009_service_public_name::Migration),
            Box::new(m20261124_000010_start_known::Migration),
            Box::new(m20261124_000011_public_postmortem::Migration),
            Box::new(m20261124_000012_due_changes::Migration),
            Box::new(m20261124_000013_message_templates::Migration),
            Box::new(m20261125_000014_tickets_and_early_work::Migration),
            Box::new(m20261125_000015_schedules::Migration),
            Box::new(m20261125_000016_paging::Migration),
            Box::new(m20261126_000017_notifications::Migration),
            Box::new(m20261127_000018_weekly_digest::Migration),
            Box::new(m20261128_000019_list_indexes::Migration),
        ]
    }
}
