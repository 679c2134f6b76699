//! The request's DataLoaders: how their batches are started and counted.

use crate::db::statements;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

pub type CachedLoader<L> = DataLoader<L, HashMapCache>;

/// A loader with a cache for the request, whose batch tasks count their statements for
/// it (`counter`) and start after the request has been polled again, without a timer.
///
/// async-graphql's loader waits `delay` (1 ms by default) for more keys before it loads.
/// On tokio a sleep ends on the timer's next millisecond tick, at the earliest when the
/// worker next parks: 1 to 2 ms per batch, so a single incident with its roles and
/// timeline waited 2 to 3 ms for nothing. Under 32 connections the server's core sat idle
/// a fifth of the time, and with 8 connections half of it. With async-graphql's
/// `tokio-timer` feature off its delay is `async_io::Timer`, and a zero `Timer` is ready
/// at its first poll without starting async-io's timer thread: the batch waits for the
/// yields below and no longer.
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
    .delay(std::time::Duration::ZERO)
}

/// A batch's task, started only after the request's task has been polled again.
///
/// A list of more than 30 objects is resolved by a `FuturesUnordered`, which yields
/// part-way: its objects ask their loaders for keys over two or more polls of the
/// request's task. Under load the request's task can wait long for its next poll (with
/// the old 1 ms timer, a page of 50 pages cost 2 to 9 statements for their alerts).
/// Yielding first puts the batch behind the request's task in the run queue, so in most
/// cases the keys of every object are in before the batch takes them. It narrows the
/// race, it does not close it: a list whose cost must be fixed loads its relations in one
/// statement itself (a prefetch) and primes the loaders.
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

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::dataloader::Loader;
    use std::collections::HashMap;
    use std::sync::atomic::Ordering;

    /// Doubles its keys and counts its batches.
    struct Doubling(Arc<AtomicUsize>);

    impl Loader<u32> for Doubling {
        type Value = u32;
        type Error = String;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, String> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(keys.iter().map(|k| (*k, k * 2)).collect())
        }
    }

    /// On a runtime without tokio's timer, a sleep anywhere in the batch panics in the
    /// batch's task, and the loads then wait forever: the batch must start after its yields,
    /// never on a timer tick. (The runtime runs on its own thread so that a wait that never
    /// ends fails the test instead of hanging it.)
    #[test]
    fn a_batch_waits_for_no_timer_and_takes_every_key_asked_together() {
        let batches = Arc::new(AtomicUsize::new(0));
        let counted = batches.clone();
        let (done, loaded) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let loader = cached(Doubling(counted), &None);
                let (a, b, c) = tokio::join!(
                    loader.load_one(1),
                    loader.load_one(2),
                    loader.load_many([3, 1])
                );
                let _ = done.send((a, b, c.map(|m| m[&3])));
            });
        });
        let (a, b, c) = loaded
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the batch never started: it waits on a timer");
        assert_eq!((a, b, c), (Ok(Some(2)), Ok(Some(4)), Ok(6)));
        assert_eq!(batches.load(Ordering::SeqCst), 1);
    }
}
