//! Login throttling: failed attempts are counted per account and per client address within a
//! window; past the limit, attempts are refused before any password work is done.
//!
//! Kept in memory: per instance, and reset on restart. That bounds online guessing to
//! `limit × instances` per window, which is what this protects against.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Window {
    started: Instant,
    failures: u32,
}

pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    accounts: Mutex<HashMap<String, Window>>,
    addresses: Mutex<HashMap<String, Window>>,
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, window_secs: u64) -> Self {
        LoginThrottle {
            per_account,
            per_address,
            window: Duration::from_secs(window_secs),
            accounts: Mutex::new(HashMap::new()),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(seconds to wait)` when either the account or the address is over its limit.
    pub fn check(&self, account: &str, address: &str, now: Instant) -> Option<u64> {
        let a = Self::blocked(&self.accounts, account, self.per_account, self.window, now);
        let b = Self::blocked(&self.addresses, address, self.per_address, self.window, now);
        a.max(b)
    }

    pub fn record_failure(&self, account: &str, address: &str, now: Instant) {
        Self::bump(&self.accounts, account, self.window, now);
        Self::bump(&self.addresses, address, self.window, now);
    }

    /// A successful login clears the account's count (not the address's: one good password
    /// must not reset guessing against other accounts from the same place).
    pub fn record_success(&self, account: &str) {
        self.accounts.lock().unwrap_or_else(|e| e.into_inner()).remove(account);
    }

    fn blocked(map: &Mutex<HashMap<String, Window>>, key: &str, limit: u32, window: Duration, now: Instant) -> Option<u64> {
        let map = map.lock().unwrap_or_else(|e| e.into_inner());
        let w = map.get(key)?;
        let elapsed = now.saturating_duration_since(w.started);
        if elapsed < window && w.failures >= limit {
            Some((window - elapsed).as_secs().max(1))
        } else {
            None
        }
    }

    fn bump(map: &Mutex<HashMap<String, Window>>, key: &str, window: Duration, now: Instant) {
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        // Keep memory bounded under a spray of distinct names.
        if map.len() > 100_000 {
            map.retain(|_, w| now.saturating_duration_since(w.started) < window);
        }
        let w = map.entry(key.to_string()).or_insert(Window { started: now, failures: 0 });
        if now.saturating_duration_since(w.started) >= window {
            *w = Window { started: now, failures: 0 };
        }
        w.failures += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_is_blocked_after_the_limit_until_the_window_ends() {
        let t = LoginThrottle::new(3, 100, 60);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(t.check("alice", "10.0.0.1", t0), None);
            t.record_failure("alice", "10.0.0.1", t0);
        }
        let wait = t.check("alice", "10.0.0.2", t0 + Duration::from_secs(10)).unwrap();
        assert!((49..=50).contains(&wait), "{wait}");
        assert_eq!(t.check("bob", "10.0.0.1", t0), None, "other accounts are not affected");
        assert_eq!(t.check("alice", "10.0.0.1", t0 + Duration::from_secs(61)), None);
    }

    #[test]
    fn address_is_blocked_across_accounts_and_success_clears_only_the_account() {
        let t = LoginThrottle::new(100, 2, 60);
        let t0 = Instant::now();
        t.record_failure("a", "1.2.3.4", t0);
        t.record_failure("b", "1.2.3.4", t0);
        assert!(t.check("c", "1.2.3.4", t0).is_some());
        assert!(t.check("c", "5.6.7.8", t0).is_none());
        t.record_success("a");
        assert!(t.check("a", "1.2.3.4", t0).is_some());
    }
}
