//! Response fields in the order the query asked for them (GraphQL spec, "Field
//! Collection"). async-graphql resolves a query's fields concurrently and assembles each
//! object in the order they finish, so the response's key order varies from run to run;
//! this puts every object's keys back in selection order, fragments and aliases included.
//!
//! The order is worked out once per selection (a [`Plan`]), not once per object: a page of
//! fifty incidents shares one plan, and an object already in order is left as it is.

use async_graphql::Name;
use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use indexmap::IndexMap;
use std::cell::OnceCell;

/// Reorders `value` (an operation's `data`) to follow `set`.
pub fn reorder(value: &mut Value, doc: &ExecutableDocument, set: &SelectionSet) {
    Plan::new(doc, vec![set], 0).apply(value);
}

/// How deep fragments may nest before we stop following them (cycles are refused by
/// validation; this only bounds the work).
const MAX_DEPTH: usize = 64;

/// The response keys of a selection in order, each with its sub-selections merged and, once
/// needed, their own plan.
struct Plan<'a> {
    doc: &'a ExecutableDocument,
    depth: usize,
    keys: IndexMap<Name, (Vec<&'a SelectionSet>, OnceCell<Box<Plan<'a>>>)>,
}

impl<'a> Plan<'a> {
    fn new(doc: &'a ExecutableDocument, sets: Vec<&'a SelectionSet>, depth: usize) -> Self {
        let mut keys = IndexMap::new();
        if depth <= MAX_DEPTH {
            for set in sets {
                collect(doc, set, &mut keys, depth);
            }
        }
        Plan {
            doc,
            depth,
            keys: keys
                .into_iter()
                .map(|(k, v)| (k, (v, OnceCell::new())))
                .collect(),
        }
    }

    fn apply(&self, value: &mut Value) {
        if self.depth > MAX_DEPTH {
            return;
        }
        match value {
            Value::List(items) => {
                for item in items {
                    self.apply(item);
                }
            }
            Value::Object(map) => {
                let in_order = map.len() == self.keys.len()
                    && map.keys().zip(self.keys.keys()).all(|(a, b)| a == b);
                if !in_order {
                    // A stable sort in place: the entries move, nothing is rehashed or
                    // reallocated (rebuilding the map key by key cost a removal and an
                    // insertion per field, most of this pass on long lists). Anything not
                    // found in the selection (should not happen) keeps its place after.
                    map.sort_by_cached_key(|key, _| {
                        self.keys.get_index_of(key).unwrap_or(usize::MAX)
                    });
                }
                for (key, v) in map.iter_mut() {
                    if !matches!(v, Value::Object(_) | Value::List(_)) {
                        continue;
                    }
                    if let Some((subsets, child)) = self.keys.get(key) {
                        child
                            .get_or_init(|| {
                                Box::new(Plan::new(self.doc, subsets.clone(), self.depth + 1))
                            })
                            .apply(v);
                    }
                }
            }
            _ => {}
        }
    }
}

fn collect<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    keys: &mut IndexMap<Name, Vec<&'a SelectionSet>>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for sel in &set.items {
        match &sel.node {
            Selection::Field(f) => {
                let f = &f.node;
                let key = f.alias.as_ref().map_or(&f.name.node, |a| &a.node).clone();
                keys.entry(key).or_default().push(&f.selection_set.node);
            }
            Selection::InlineFragment(frag) => {
                collect(doc, &frag.node.selection_set.node, keys, depth + 1);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(frag) = doc.fragments.get(&spread.node.fragment_name.node) {
                    collect(doc, &frag.node.selection_set.node, keys, depth + 1);
                }
            }
        }
    }
}
