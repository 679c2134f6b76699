//! Paging as pure functions: who a page reaches (targets, fallbacks when nobody is
//! reachable), when an unacknowledged alert escalates, and what on-call load means (night
//! pages, weekly limits, compensation). Services persist what these decide.

pub mod escalation;
pub mod load;
pub mod report;
pub mod routing;
