//! Input helpers shared by the resolvers.

use async_graphql::MaybeUndefined;

/// A nullable input field as a change: absent → `None` (leave it), `null` → `Some(None)`
/// (clear it), a value → `Some(Some(f(value)))`.
pub fn change<T, U>(v: MaybeUndefined<T>, f: impl FnOnce(T) -> U) -> Option<Option<U>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(f(v))),
    }
}
