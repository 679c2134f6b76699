//! sea-orm entities and the enums shared by the database, the domain and GraphQL.
//!
//! Entities are storage rows only: the API never returns them directly (it maps them into
//! its own GraphQL types), so a column can change without changing the contract.

pub mod enums;

pub mod action_item;
pub mod action_item_due_change;
pub mod alert;
pub mod audit_log;
pub mod calendar_feed;
pub mod contact_method;
pub mod delivery;
pub mod escalation_policy;
pub mod event;
pub mod event_subscription;
pub mod handoff_document;
pub mod incident;
pub mod incident_event;
pub mod incident_idempotency;
pub mod incident_participant;
pub mod incident_role;
pub mod incident_update;
pub mod integration;
pub mod layer_member;
pub mod message_template;
pub mod notification;
pub mod notification_rule;
pub mod organization;
pub mod page;
pub mod postmortem;
pub mod postmortem_timeline_entry;
pub mod schedule;
pub mod schedule_layer;
pub mod schedule_override;
pub mod service;
pub mod severity_policy;
pub mod team;
pub mod team_manager;
pub mod team_member;
pub mod user;

pub use enums::*;
