//! The one place where service errors become GraphQL errors with `extensions.code` (and,
//! for refusals, `extensions.reason`).

use crate::error::ServiceError;
use async_graphql::{Error, ErrorExtensions};
use scheduler::domain::reason::Reason;

pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
pub const FORBIDDEN: &str = "FORBIDDEN";
pub const NOT_FOUND: &str = "NOT_FOUND";
pub const CONFLICT: &str = "CONFLICT";
pub const UNAVAILABLE: &str = "UNAVAILABLE";
pub const INTERNAL: &str = "INTERNAL";

/// A GraphQL error with a message and a code.
pub fn coded(message: impl Into<String>, code: &'static str) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// A GraphQL error with a message, a code and a reason.
fn refusal(message: String, code: &'static str, reason: Reason) -> Error {
    Error::new(message).extend_with(|_, e| {
        e.set("code", code);
        e.set("reason", reason.as_str());
    })
}

impl From<ServiceError> for Error {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::InvalidInput { reason, message } => {
                refusal(message, BAD_USER_INPUT, reason)
            }
            ServiceError::NotFound(what) => coded(format!("{what} not found"), NOT_FOUND),
            ServiceError::Unauthenticated => coded("authentication required", UNAUTHENTICATED),
            ServiceError::Forbidden { reason, message } => refusal(message, FORBIDDEN, reason),
            ServiceError::Conflict { reason, message } => refusal(message, CONFLICT, reason),
            ServiceError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                coded(
                    "the service is temporarily unavailable: try again shortly",
                    UNAVAILABLE,
                )
            }
            ServiceError::Internal(cause) => {
                // The cause goes to the log only: no SQL or internals reach the client.
                tracing::error!(error = ?cause, "internal error in a resolver");
                coded("internal error", INTERNAL)
            }
        }
    }
}
