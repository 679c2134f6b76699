//! Keyset pagination over time-ordered UUIDv7 ids: stable under inserts, no OFFSET scans.

use super::{ServiceError, ServiceResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use scheduler::domain::reason::Reason;

pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub first: usize,
    /// The decoded cursor: what the previous page ended with.
    pub after: Option<String>,
}

impl PageRequest {
    /// Validates `first` (1..=100, default 20) and decodes `after`.
    pub fn new(first: Option<i32>, after: Option<&str>) -> ServiceResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n >= 1 && (n as usize) <= MAX_PAGE_SIZE => n as usize,
            Some(n) => {
                return Err(ServiceError::invalid(
                    Reason::PageSizeOutOfRange,
                    format!("first must be between 1 and {MAX_PAGE_SIZE} (got {n})"),
                ));
            }
        };
        let after = after.map(decode_cursor).transpose()?;
        Ok(Self { first, after })
    }

    /// Fetch one more than asked, to know whether a next page exists.
    pub fn fetch_limit(&self) -> u64 {
        self.first as u64 + 1
    }
}

/// A page of results and whether more follow.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            has_next: false,
        }
    }
}

impl<T> Page<T> {
    /// Trims the extra row fetched by [`PageRequest::fetch_limit`].
    pub fn from_overfetch(mut items: Vec<T>, request: &PageRequest) -> Self {
        let has_next = items.len() > request.first;
        items.truncate(request.first);
        Self { items, has_next }
    }
}

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

pub fn decode_cursor(cursor: &str) -> ServiceResult<String> {
    URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            ServiceError::invalid(
                Reason::InvalidCursor,
                "`after` is not a cursor from this API",
            )
        })
}

/// The keyset key of a list ordered by an instant, ties broken by id: `<rfc3339>|<uuid>`.
pub fn time_key(at: chrono::DateTime<chrono::Utc>, id: uuid::Uuid) -> String {
    format!("{}|{id}", at.to_rfc3339())
}

/// Reads a [`time_key`] back; anything else is not a cursor from this API.
pub fn parse_time_key(decoded: &str) -> ServiceResult<(chrono::DateTime<chrono::Utc>, uuid::Uuid)> {
    let bad = || {
        ServiceError::invalid(
            Reason::InvalidCursor,
            "`after` is not a cursor from this API",
        )
    };
    let (at, id) = decoded.split_once('|').ok_or_else(bad)?;
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .map_err(|_| bad())?
        .with_timezone(&chrono::Utc);
    Ok((at, uuid::Uuid::parse_str(id).map_err(|_| bad())?))
}

/// The id in a decoded cursor of a list ordered by id. Anything else is not a cursor
/// from this API: `BAD_USER_INPUT`, never `NOT_FOUND`.
pub fn cursor_id(decoded: &str) -> ServiceResult<uuid::Uuid> {
    uuid::Uuid::parse_str(decoded).map_err(|_| {
        ServiceError::invalid(
            Reason::InvalidCursor,
            "`after` is not a cursor from this API",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_bounds() {
        assert_eq!(PageRequest::new(None, None).unwrap().first, 20);
        assert_eq!(PageRequest::new(Some(100), None).unwrap().first, 100);
        assert!(PageRequest::new(Some(101), None).is_err());
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(-5), None).is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor("0190f0c2-0000-7000-8000-000000000000");
        let req = PageRequest::new(None, Some(&c)).unwrap();
        assert_eq!(
            req.after.as_deref(),
            Some("0190f0c2-0000-7000-8000-000000000000")
        );
        assert!(PageRequest::new(None, Some("!!!")).is_err());
    }

    #[test]
    fn overfetch_tells_whether_more_follow() {
        let req = PageRequest::new(Some(2), None).unwrap();
        let p = Page::from_overfetch(vec![1, 2, 3], &req);
        assert_eq!(p.items, vec![1, 2]);
        assert!(p.has_next);
        let p = Page::from_overfetch(vec![1, 2], &req);
        assert!(!p.has_next);
    }
}
