//! sea-orm entities and the enums shared by the database, the domain and GraphQL.
//!
//! Entities are storage rows only: the API never returns them directly (it maps them into
//! its own GraphQL types), so a column can change without changing the contract.

pub mod enums;

pub mod audit_log;
pub mod organization;
pub mod service;
pub mod team;
pub mod team_manager;
pub mod team_member;
pub mod user;

pub use enums::*;
