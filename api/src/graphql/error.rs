//! The one place where service errors become GraphQL errors with `extensions.code`.

use crate::error::ServiceError;
use async_graphql::{Error, ErrorExtensions};

pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
pub const FORBIDDEN: &str = "FORBIDDEN";
pub const NOT_FOUND: &str = "NOT_FOUND";
pub const CONFLICT: &str = "CONFLICT";
pub const INTERNAL: &str = "INTERNAL";

/// A GraphQL error with a message and a code.
pub fn coded(message: impl Into<String>, code: &'static str) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code))
}

impl From<ServiceError> for Error {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::InvalidInput(msg) => coded(msg, BAD_USER_INPUT),
            ServiceError::NotFound(what) => coded(format!("{what} not found"), NOT_FOUND),
            ServiceError::Unauthenticated => coded("authentication required", UNAUTHENTICATED),
            ServiceError::Forbidden(msg) => coded(msg, FORBIDDEN),
            ServiceError::Conflict(msg) => coded(msg, CONFLICT),
            ServiceError::Internal(cause) => {
                // The cause goes to the log only: no SQL or internals reach the client.
                tracing::error!(error = ?cause, "internal error in a resolver");
                coded("internal error", INTERNAL)
            }
        }
    }
}
