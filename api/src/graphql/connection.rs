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

/// What the nodes of a connection are asked for, in either shape a client uses
/// (`edges { node { … } }` or `nodes { … }`): what list prefetches look ahead at.
pub struct NodeSelection<'a>([async_graphql::Lookahead<'a>; 2]);

impl<'a> NodeSelection<'a> {
    pub fn of(ctx: &'a async_graphql::Context<'a>) -> Self {
        let look = ctx.look_ahead();
        NodeSelection([look.field("edges").field("node"), look.field("nodes")])
    }

    /// Whether the nodes select `path` (a field, or a field within fields).
    pub fn wants(&self, path: &[&str]) -> bool {
        let Some((first, rest)) = path.split_first() else {
            return false;
        };
        self.0.iter().any(|n| {
            rest.iter()
                .fold(n.field(first), |sel, name| sel.field(name))
                .exists()
        })
    }

    /// The two node selections, for look-aheads deeper than `wants`.
    pub fn nodes(&self) -> &[async_graphql::Lookahead<'a>; 2] {
        &self.0
    }
}
