//! What fields cost in the complexity limit (`FIREBREAK_GRAPHQL_MAX_COMPLEXITY`, 20,000 by
//! default). A plain field costs 1; a field that runs SQL costs [`STATEMENT`] per statement
//! it may run, so a root field repeated through aliases is as expensive to ask as it is to
//! answer; a list costs its bound (`first`, or its documented cap) times its items.

/// One SQL statement, in field units.
pub const STATEMENT: usize = 50;

/// A read served from a shared cache (the status page): at most one load per period.
pub const CACHED_READ: usize = 100;

/// `incidentMetrics`: four statements over up to five years of incidents, postmortems and
/// action items, then the computation: at most ten per request under the default limit.
pub const METRICS: usize = 2_000;

/// The page size a connection is counted with when `first` is not given.
pub const DEFAULT_PAGE: usize = crate::services::pagination::DEFAULT_PAGE_SIZE;

/// The most items a capped list (a team's members, managers and services, a user's teams,
/// a postmortem's action items) returns; more are left out, and the list is counted by it.
pub const LIST_CAP: usize = 100;

/// The most lines a postmortem's timeline returns (its Markdown keeps all of them).
pub const TIMELINE_LINES_CAP: usize = 500;

/// Roles per incident: one holder per role, four roles.
pub const ROLES: usize = 4;

/// Severity policies: one per severity.
pub const POLICIES: usize = 4;

/// The size a connection is counted with: its `first`, within 0..=100.
pub fn page(first: Option<i32>) -> usize {
    first.map_or(DEFAULT_PAGE, |f| f.clamp(0, 100) as usize)
}
