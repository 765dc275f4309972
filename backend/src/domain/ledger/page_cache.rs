//! Rendered pages of the measure list, kept while the ledger revision of the organisations they
//! cover holds. The bureau's views read the same pages over and over between rare changes;
//! a hit costs a share of one read of the revisions instead of counting, sorting and rendering.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use actix_web::web::Bytes;

use crate::error::AppResult;

pub struct PageCache {
    capacity: usize,
    entries: Mutex<HashMap<String, (i64, Bytes)>>,
}

impl PageCache {
    /// `capacity` 0 turns the cache off.
    pub fn new(capacity: usize) -> Self {
        PageCache { capacity, entries: Mutex::new(HashMap::new()) }
    }

    /// The page kept under `key` at `revision`, or the one `build` makes, then kept. The
    /// revision must have been read before the page is built, so no page is older than its key.
    pub async fn get_or_build(&self, key: String, revision: i64, build: impl Future<Output = AppResult<Bytes>>) -> AppResult<Bytes> {
        if let Some(page) = self.get(&key, revision) {
            return Ok(page);
        }
        let page = build.await?;
        self.put(key, revision, page.clone());
        Ok(page)
    }

    pub fn get(&self, key: &str, revision: i64) -> Option<Bytes> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).filter(|(r, _)| *r == revision).map(|(_, page)| page.clone())
    }

    pub fn put(&self, key: String, revision: i64, page: Bytes) {
        if self.capacity == 0 {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity && !map.contains_key(&key) {
            // Any entry will do: pages are cheap to rebuild and most go stale with the next change.
            if let Some(old) = map.keys().next().cloned() {
                map.remove(&old);
            }
        }
        map.insert(key, (revision, page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_served_only_at_its_revision_and_the_cache_stays_bounded() {
        let cache = PageCache::new(2);
        cache.put("a".into(), 7, Bytes::from_static(b"A"));
        assert_eq!(cache.get("a", 7).as_deref(), Some(&b"A"[..]));
        assert_eq!(cache.get("a", 8), None, "a change to the ledger makes the page stale");
        cache.put("b".into(), 1, Bytes::from_static(b"B"));
        cache.put("c".into(), 1, Bytes::from_static(b"C"));
        let kept = ["a", "b", "c"].iter().filter(|k| cache.get(k, if **k == "a" { 7 } else { 1 }).is_some()).count();
        assert_eq!(kept, 2);
        let off = PageCache::new(0);
        off.put("a".into(), 1, Bytes::from_static(b"A"));
        assert_eq!(off.get("a", 1), None);
    }
}
