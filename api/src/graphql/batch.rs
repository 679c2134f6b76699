//! The request's DataLoaders: how their batches are started and counted.

use crate::db::statements;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

pub type CachedLoader<L> = DataLoader<L, HashMapCache>;

/// A loader with a cache for the request, whose batch tasks count their statements for
/// it (`counter`) and start after the request has been polled again.
pub(crate) fn cached<L>(loader: L, counter: &Option<Arc<AtomicUsize>>) -> CachedLoader<L> {
    let counter = counter.clone();
    DataLoader::with_cache(
        loader,
        move |fut| {
            let fut = after_the_request_polls(fut);
            match counter.clone() {
                Some(c) => tokio::spawn(statements::counting(c, fut)),
                None => tokio::spawn(fut),
            }
        },
        HashMapCache::default(),
    )
}

/// A batch's task, started only after the request's task has been polled again.
///
/// A list of more than 30 objects is resolved by a `FuturesUnordered`, which yields
/// part-way: its objects ask their loaders for keys over two or more polls of the
/// request's task. The batch waits 1 ms for keys, but under load the request's task can
/// wait longer than that for its next poll, and the page split into several batches (a
/// page of 50 pages cost 2 to 9 statements for their alerts). Yielding first puts the
/// batch behind the request's task in the run queue, so in most cases the keys of every
/// object are in before the batch's timer starts. It narrows the race, it does not close
/// it (SQLite under 32 connections still split some): a list whose cost must be fixed
/// loads its relations in one statement itself (a prefetch) and primes the loaders.
async fn after_the_request_polls<F: std::future::Future>(fut: F) -> F::Output {
    for _ in 0..BATCH_YIELDS {
        tokio::task::yield_now().await;
    }
    fut.await
}

/// Nested lists yield at each level: a few turns cover them.
const BATCH_YIELDS: usize = 4;

/// What a request's loaders are made from.
pub struct Seed {
    pub(crate) db: crate::db::Db,
    pub(crate) principal: crate::auth::Principal,
    pub(crate) counter: Option<Arc<AtomicUsize>>,
}

/// A request's loader, made on first use: a request uses a few of its thirty-odd loaders,
/// and making them all up front cost allocations on every request. Derefs to the loader.
pub struct OnDemand<L> {
    seed: Arc<Seed>,
    make: fn(&Seed) -> L,
    cell: std::sync::OnceLock<CachedLoader<L>>,
}

impl<L: Send + Sync + 'static> OnDemand<L> {
    pub fn new(seed: &Arc<Seed>, make: fn(&Seed) -> L) -> Self {
        Self {
            seed: seed.clone(),
            make,
            cell: std::sync::OnceLock::new(),
        }
    }

    /// Forgets what the loader cached, if it was made.
    pub fn forget<K>(&self)
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        L: async_graphql::dataloader::Loader<K>,
    {
        if let Some(loader) = self.cell.get() {
            loader.clear::<K>();
        }
    }
}

impl<L: Send + Sync + 'static> std::ops::Deref for OnDemand<L> {
    type Target = CachedLoader<L>;

    fn deref(&self) -> &CachedLoader<L> {
        self.cell
            .get_or_init(|| cached((self.make)(&self.seed), &self.seed.counter))
    }
}
