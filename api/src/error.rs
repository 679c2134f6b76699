//! The service layer's error: what went wrong in a use case, typed, so each front end (the
//! GraphQL resolvers today, job handlers later) maps it in one place. Internal errors carry
//! their cause for the logs; it never reaches a client.

use scheduler::domain::{text::TextError, zone::UnknownZone};
use sea_orm::{DbErr, SqlErr};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ServiceError {
    /// The input breaks a rule; the message says which, in words a user understands.
    #[error("{0}")]
    InvalidInput(String),
    /// No such object, or one the caller may not know exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller did not authenticate.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller is known but lacks the role or relationship for this.
    #[error("{0}")]
    Forbidden(String),
    /// The change collides with the current state (a duplicate name, a stale version).
    #[error("{0}")]
    Conflict(String),
    /// Anything else: logged with its cause, shown as "internal error".
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        ServiceError::InvalidInput(msg.into())
    }

    /// Maps a unique-constraint violation to `Conflict` with the given message, anything
    /// else to `Internal`.
    pub fn from_db_unique(err: DbErr, conflict: impl Into<String>) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => ServiceError::Conflict(conflict.into()),
            _ => ServiceError::Internal(err.into()),
        }
    }
}

impl From<DbErr> for ServiceError {
    fn from(err: DbErr) -> Self {
        ServiceError::Internal(err.into())
    }
}

impl From<TextError> for ServiceError {
    fn from(err: TextError) -> Self {
        ServiceError::InvalidInput(err.to_string())
    }
}

impl From<UnknownZone> for ServiceError {
    fn from(err: UnknownZone) -> Self {
        ServiceError::InvalidInput(err.to_string())
    }
}
