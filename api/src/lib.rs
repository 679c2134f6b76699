//! Firebreak: incident management and on-call. This crate is the binary's library: the
//! HTTP and GraphQL layers, the services behind them, configuration and start-up.
//! Storage rows live in `entity`, the schema in `migration`, the pure rules in `scheduler`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod outbound;
pub mod services;
pub mod telemetry;
pub mod worker;
