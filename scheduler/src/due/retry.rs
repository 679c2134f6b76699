//! When a failed delivery is tried again: exponential backoff from a base, capped, until
//! the attempts run out and the delivery is marked failed (and reported, never dropped).

use chrono::Duration;

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::hours(1);

/// What to do after attempt number `attempts` (1-based) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    RetryAfter(Duration),
    GiveUp,
}

/// `base`, then twice that, four times… capped at [`MAX_BACKOFF`]; after `max_attempts`
/// attempts, give up.
pub fn after_failure(attempts: u32, max_attempts: u32, base: Duration) -> Next {
    if attempts >= max_attempts {
        return Next::GiveUp;
    }
    let factor = 1i32 << attempts.saturating_sub(1).min(20);
    Next::RetryAfter((base * factor).min(MAX_BACKOFF))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_capped_then_giving_up() {
        let base = Duration::seconds(30);
        assert_eq!(
            after_failure(1, 8, base),
            Next::RetryAfter(Duration::seconds(30))
        );
        assert_eq!(
            after_failure(3, 8, base),
            Next::RetryAfter(Duration::seconds(120))
        );
        assert_eq!(
            after_failure(7, 8, base),
            Next::RetryAfter(Duration::seconds(1920))
        );
        assert_eq!(after_failure(8, 99, base), Next::RetryAfter(MAX_BACKOFF));
        assert_eq!(after_failure(8, 8, base), Next::GiveUp);
        assert_eq!(after_failure(60, 99, base), Next::RetryAfter(MAX_BACKOFF));
    }
}
