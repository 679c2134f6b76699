//! End-to-end tests: one test binary (each binary links the whole app again), every test
//! run on SQLite and PostgreSQL through `e2e!`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alertmanager;
mod auth;
mod channels;
mod clients;
mod cost;
mod customers;
mod events;
mod http_spec;
mod incident_lists;
mod incidents;
mod input;
mod load_report;
mod migrations;
mod oncall_feeds;
mod oncall_handoffs;
mod oncall_load;
mod operations;
mod organization;
mod outage;
mod paging;
mod phases;
mod policies;
mod postmortem_library;
mod postmortems;
mod races;
mod reminders;
mod reminders_oncall;
mod restricted;
mod roles;
mod schedules;
mod schema;
mod statements;
mod templates;
mod tracking;
