//! Parsed GraphQL documents, kept by their text. Dashboards and clients send the same few
//! documents again and again, and parsing one with async-graphql's grammar cost about a
//! tenth of the CPU of a single-incident read. The cache is bounded (least recently used
//! go first) and does not keep long documents, so unique documents only cost a parse, as
//! before.

use async_graphql::parser::{Error, parse_query, types::ExecutableDocument};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

/// How many documents are kept.
const KEPT: NonZeroUsize = NonZeroUsize::new(256).unwrap();

/// Documents longer than this are parsed each time.
const LONGEST_KEPT: usize = 16 * 1024;

pub struct Documents {
    kept: Mutex<LruCache<Box<str>, Arc<ExecutableDocument>>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            kept: Mutex::new(LruCache::new(KEPT)),
        }
    }
}

impl Documents {
    /// The document `query` parses to, from the cache or parsed now (and then kept).
    pub fn parse(&self, query: &str) -> Result<Arc<ExecutableDocument>, Error> {
        if let Some(doc) = self.lock().get(query) {
            return Ok(Arc::clone(doc));
        }
        let doc = Arc::new(parse_query(query)?);
        if query.len() <= LONGEST_KEPT {
            self.lock().put(query.into(), Arc::clone(&doc));
        }
        Ok(doc)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Box<str>, Arc<ExecutableDocument>>> {
        // The cache holds no invariant a panicking holder could break.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_errors_are_not_kept() {
        let docs = Documents::default();
        let a = docs.parse("{ me { id } }").unwrap();
        let b = docs.parse("{ me { id } }").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(docs.parse("{ me {").is_err());
        assert_eq!(docs.lock().len(), 1);
        let long = format!("{{ me {{ id }} }} #{}", "x".repeat(LONGEST_KEPT));
        let c = docs.parse(&long).unwrap();
        let d = docs.parse(&long).unwrap();
        assert!(!Arc::ptr_eq(&c, &d));
    }
}
