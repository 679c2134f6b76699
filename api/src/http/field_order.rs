//! Response fields in the order the query asked for them (GraphQL spec, "Field
//! Collection"). async-graphql resolves a query's fields concurrently and assembles each
//! object in the order they finish, so the response's key order varies from run to run;
//! this puts every object's keys back in selection order, fragments and aliases included.

use async_graphql::Name;
use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use indexmap::IndexMap;

/// Reorders `value` (an operation's `data`) to follow `set`.
pub fn reorder(value: &mut Value, doc: &ExecutableDocument, set: &SelectionSet) {
    reorder_with(value, doc, &[set], 0);
}

/// How deep fragments may nest before we stop following them (cycles are refused by
/// validation; this only bounds the work).
const MAX_DEPTH: usize = 64;

fn reorder_with(value: &mut Value, doc: &ExecutableDocument, sets: &[&SelectionSet], depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::List(items) => {
            for item in items {
                reorder_with(item, doc, sets, depth + 1);
            }
        }
        Value::Object(map) => {
            // Response keys in first-seen order, each with the sub-selections merged under it.
            let mut keys: IndexMap<Name, Vec<&SelectionSet>> = IndexMap::new();
            for set in sets {
                collect(doc, set, &mut keys, depth);
            }
            let mut ordered = IndexMap::with_capacity(map.len());
            for (key, subsets) in &keys {
                if let Some(mut v) = map.shift_remove(key) {
                    reorder_with(&mut v, doc, subsets, depth + 1);
                    ordered.insert(key.clone(), v);
                }
            }
            // Anything not found in the selection (should not happen) keeps its place after.
            ordered.extend(map.drain(..));
            *map = ordered;
        }
        _ => {}
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
