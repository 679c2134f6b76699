//! Relay connections from service pages.

use crate::services::pagination::{Page, encode_cursor};
use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};

pub type ListConnection<N> = Connection<String, N>;

/// Builds a connection; `key` gives the keyset key each cursor encodes.
pub fn from_page<T, N>(
    page: Page<T>,
    has_previous: bool,
    key: impl Fn(&T) -> String,
    node: impl Fn(T) -> N,
) -> ListConnection<N>
where
    N: OutputType,
{
    let mut conn = Connection::new(has_previous, page.has_next);
    conn.edges.extend(page.items.into_iter().map(|item| {
        let cursor = encode_cursor(&key(&item));
        Edge::new(cursor, node(item))
    }));
    conn
}
