//! Pure rules, functions of data and `now`: text and time-zone validation, incident
//! channel names and the severity policy (groundwork for the incident core), with deadlines
//! and rotations to follow.

pub mod channel;
pub mod deadlines;
pub mod incident;
pub mod instant;
pub mod message_templates;
pub mod metrics;
pub mod postmortem;
pub mod reason;
pub mod references;
pub mod severity;
pub mod status_page;
pub mod templates;
pub mod text;
pub mod zone;
