//! Who is calling: nobody (public data only) or a Firebreak user with a role.

use crate::error::ServiceError;
use entity::Role;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: Uuid,
    pub subject: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User(CurrentUser),
}

impl Principal {
    /// The caller, who must be signed in.
    pub fn user(&self) -> Result<&CurrentUser, ServiceError> {
        match self {
            Principal::User(u) => Ok(u),
            Principal::Anonymous => Err(ServiceError::Unauthenticated),
        }
    }

    /// The caller, who must hold at least `role`.
    pub fn require(&self, role: Role) -> Result<&CurrentUser, ServiceError> {
        let user = self.user()?;
        if user.role >= role {
            Ok(user)
        } else {
            Err(ServiceError::forbidden(
                scheduler::domain::reason::Reason::RoleRequired,
                format!("this needs the {} role", role.as_str()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_role(role: Role) -> Principal {
        Principal::User(CurrentUser {
            id: Uuid::now_v7(),
            subject: "x".into(),
            role,
        })
    }

    #[test]
    fn roles_include_the_lower_ones() {
        assert!(as_role(Role::Admin).require(Role::Manager).is_ok());
        assert!(as_role(Role::Manager).require(Role::Responder).is_ok());
        assert!(matches!(
            as_role(Role::Responder).require(Role::Manager),
            Err(ServiceError::Forbidden { .. })
        ));
        assert!(matches!(
            Principal::Anonymous.require(Role::Viewer),
            Err(ServiceError::Unauthenticated)
        ));
    }
}
