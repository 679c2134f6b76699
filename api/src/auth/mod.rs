//! Authentication: bearer JWTs verified strictly (RFC 8725), then the user looked up in
//! Firebreak's own database on every request, so a role change or a deactivation applies to
//! the very next request.

pub mod keys;
pub mod principal;
pub mod secret;
pub mod token;

pub use keys::{KeyRing, KeySource};
pub use principal::{CurrentUser, Principal};
pub use token::{AuthError, Claims, VerifiedToken};
