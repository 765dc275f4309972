//! One read shared by every request waiting for it, without ever handing a request something
//! older than the request itself.
//!
//! A request that arrives while a read is running cannot use that read (it may have begun before
//! a change the request must see), so it waits for the next one; that next read then answers
//! every request that arrived during the previous one. Under load the database sees one read
//! per round trip instead of one per request, and read-after-write holds as with a read each.

use std::future::Future;
use std::sync::Mutex;

use tokio::sync::watch;

use crate::error::AppResult;

pub struct SharedRead<T> {
    flight: Mutex<Flight>,
    /// The last successful read: its number and value.
    done: watch::Sender<Option<(u64, T)>>,
}

struct Flight {
    /// How many reads have started; the running one, if any, is number `started`.
    started: u64,
    running: bool,
}

impl<T: Clone> Default for SharedRead<T> {
    fn default() -> Self {
        SharedRead { flight: Mutex::new(Flight { started: 0, running: false }), done: watch::Sender::new(None) }
    }
}

impl<T: Clone> SharedRead<T> {
    /// The value of a read that started after this call, made by `read` unless another caller's
    /// read serves. A failed read answers only its own caller: the others try again.
    pub async fn get<F, Fut>(&self, read: F) -> AppResult<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let mut changed = self.done.subscribe();
        let ticket = self.lock().started + 1;
        loop {
            if let Some((n, value)) = &*changed.borrow_and_update() {
                if *n >= ticket {
                    return Ok(value.clone());
                }
            }
            let mine = {
                let mut f = self.lock();
                if f.running {
                    None
                } else {
                    f.running = true;
                    f.started += 1;
                    Some(f.started)
                }
            };
            let Some(n) = mine else {
                // Woken when the running read ends, whether it succeeded or not.
                let _ = changed.changed().await;
                continue;
            };
            // Dropped when the read ends, fails or is cancelled with its request: the next
            // waiter then starts a read of its own.
            let _running = Running(self);
            let value = read().await?;
            self.done.send_replace(Some((n, value.clone())));
            return Ok(value);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Flight> {
        self.flight.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Running<'a, T>(&'a SharedRead<T>);

impl<T> Drop for Running<'_, T> {
    fn drop(&mut self) {
        self.0.flight.lock().unwrap_or_else(|e| e.into_inner()).running = false;
        // Wakes the waiters even when nothing was published.
        self.0.done.send_modify(|_| {});
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A "database" whose value is bumped by writers; each read returns the value when it began.
    struct Db {
        value: AtomicU64,
        reads: AtomicU64,
    }

    async fn read(db: &Db) -> AppResult<u64> {
        db.reads.fetch_add(1, Ordering::SeqCst);
        let v = db.value.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(v)
    }

    #[tokio::test]
    async fn concurrent_callers_share_reads_and_each_sees_what_was_written_before_it_asked() {
        let shared = Arc::new(SharedRead::<u64>::default());
        let db = Arc::new(Db { value: AtomicU64::new(0), reads: AtomicU64::new(0) });
        let mut tasks = Vec::new();
        for i in 0..200u64 {
            let (shared, db) = (shared.clone(), db.clone());
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(i % 50)).await;
                // A write, then a read that must see it.
                let written = db.value.fetch_add(1, Ordering::SeqCst) + 1;
                let seen = shared.get(|| read(&db)).await.unwrap();
                assert!(seen >= written, "a read older than the caller's own write: {seen} < {written}");
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let reads = db.reads.load(Ordering::SeqCst);
        assert!(reads < 100, "200 callers over ~70 ms should share reads of 20 ms, made {reads}");
    }

    #[tokio::test]
    async fn a_failed_or_abandoned_read_does_not_leave_the_others_waiting() {
        let shared = SharedRead::<u64>::default();
        let failed = shared.get(|| async { Err::<u64, _>(AppError::internal("down")) }).await;
        assert!(failed.is_err());
        // A read whose request went away half-way.
        let abandoned = tokio::time::timeout(
            Duration::from_millis(10),
            shared.get(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(1)
            }),
        )
        .await;
        assert!(abandoned.is_err());
        let value = tokio::time::timeout(Duration::from_secs(5), shared.get(|| async { Ok(7) })).await;
        assert_eq!(value.expect("not stuck").unwrap(), 7);
    }
}
