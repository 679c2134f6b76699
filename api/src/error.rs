//! The service layer's error: what went wrong in a use case, typed, so each front end (the
//! GraphQL resolvers today, job handlers later) maps it in one place. Refusals carry a
//! stable [`Reason`] beside their sentence. Internal errors carry their cause for the logs;
//! it never reaches a client.

use scheduler::domain::instant::OutOfRange;
use scheduler::domain::reason::Reason;
use scheduler::domain::{text::TextError, zone::UnknownZone};
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServiceError {
    /// The input breaks a rule; the message says which, in words a user understands.
    #[error("{message}")]
    InvalidInput { reason: Reason, message: String },
    /// No such object, or one the caller may not know exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller did not authenticate.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller is known but lacks the role or relationship for this.
    #[error("{message}")]
    Forbidden { reason: Reason, message: String },
    /// The change collides with the current state (a duplicate name, a stale version, a
    /// concurrent change that won).
    #[error("{message}")]
    Conflict { reason: Reason, message: String },
    /// The database cannot be reached (or did not answer in time): an outage, not a bug.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: logged with its cause, shown as "internal error".
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn invalid(reason: Reason, msg: impl Into<String>) -> Self {
        ServiceError::InvalidInput {
            reason,
            message: msg.into(),
        }
    }

    pub fn forbidden(reason: Reason, msg: impl Into<String>) -> Self {
        ServiceError::Forbidden {
            reason,
            message: msg.into(),
        }
    }

    pub fn conflict(reason: Reason, msg: impl Into<String>) -> Self {
        ServiceError::Conflict {
            reason,
            message: msg.into(),
        }
    }

    /// The machine-readable reason, where the error has one.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            ServiceError::InvalidInput { reason, .. }
            | ServiceError::Forbidden { reason, .. }
            | ServiceError::Conflict { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    /// Maps a unique-constraint violation to `Conflict` with the given message, anything
    /// else as [`From<DbErr>`] does.
    pub fn from_db_unique(err: DbErr, conflict: impl Into<String>) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                ServiceError::conflict(Reason::AlreadyExists, conflict)
            }
            _ => err.into(),
        }
    }
}

/// SQLSTATEs that mean "another transaction got in the way": serialization failure and
/// deadlock on PostgreSQL.
const CONCURRENCY_STATES: [&str; 2] = ["40001", "40P01"];

/// Whether the error means the database could not be reached or did not answer in time.
fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    matches!(
        sqlx.as_ref(),
        Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::WorkerCrashed
    ) || sqlx
        .as_database_error()
        .and_then(|d| d.code())
        // Class 57 (operator intervention: admin shutdown, cannot connect now) and class
        // 08 (connection exceptions).
        .is_some_and(|c| c.starts_with("57") || c.starts_with("08"))
}

/// The one mapping of database errors: a unique-constraint race or a serialization
/// failure is a lost race (`CONFLICT`), an unreachable database is `Unavailable`,
/// anything else is internal.
impl From<DbErr> for ServiceError {
    fn from(err: DbErr) -> Self {
        if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            return ServiceError::conflict(
                Reason::ConcurrentChange,
                "a concurrent change got there first: reload and try again",
            );
        }
        let state = match &err {
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e
                .as_database_error()
                .and_then(|d| d.code())
                .map(|c| c.into_owned()),
            _ => None,
        };
        if state
            .as_deref()
            .is_some_and(|s| CONCURRENCY_STATES.contains(&s))
        {
            return ServiceError::conflict(
                Reason::ConcurrentChange,
                "a concurrent change got there first: reload and try again",
            );
        }
        if is_unavailable(&err) {
            return ServiceError::Unavailable(err.into());
        }
        ServiceError::Internal(err.into())
    }
}

impl From<TextError> for ServiceError {
    fn from(err: TextError) -> Self {
        ServiceError::invalid(err.reason(), err.to_string())
    }
}

impl From<UnknownZone> for ServiceError {
    fn from(err: UnknownZone) -> Self {
        ServiceError::invalid(Reason::UnknownTimeZone, err.to_string())
    }
}

impl From<OutOfRange> for ServiceError {
    fn from(err: OutOfRange) -> Self {
        ServiceError::invalid(err.reason(), err.to_string())
    }
}

impl From<scheduler::domain::incident::RuleError> for ServiceError {
    fn from(err: scheduler::domain::incident::RuleError) -> Self {
        if err.is_state_conflict() {
            ServiceError::conflict(err.reason(), err.to_string())
        } else {
            ServiceError::invalid(err.reason(), err.to_string())
        }
    }
}
