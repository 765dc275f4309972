//! A short-lived cache of resolved callers, so that a burst of requests with one token costs
//! one database lookup instead of one each.
//!
//! Changes made through this instance (disabling a user, new roles, a new password, a revoked
//! token) drop the affected entries at once; other instances see them within the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Caller, Principal};

pub struct CallerCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Caller)>>,
}

impl CallerCache {
    pub fn new(ttl: Duration) -> Self {
        CallerCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, key: &str, now: Instant) -> Option<Caller> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).filter(|(at, _)| now.saturating_duration_since(*at) < self.ttl).map(|(_, c)| c.clone())
    }

    pub fn put(&self, key: String, caller: Caller, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= 10_000 {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| now.saturating_duration_since(*at) < ttl);
        }
        map.insert(key, (now, caller));
    }

    pub fn forget_user(&self, user_id: i64) {
        self.retain(|c| !matches!(c.principal, Principal::User { id, .. } if id == user_id));
    }

    /// After a change to an organisation or its departments that members' profiles show.
    pub fn forget_organisation(&self, organisation_id: i64) {
        self.retain(|c| c.organisation_id != organisation_id);
    }

    pub fn forget_token(&self, token_id: i64) {
        self.retain(|c| !matches!(c.principal, Principal::ApiToken { id, .. } if id == token_id));
    }

    fn retain(&self, keep: impl Fn(&Caller) -> bool) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, (_, c)| keep(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn user(id: i64) -> Caller {
        Caller {
            principal: Principal::User { id, username: "u".into() },
            organisation_id: 1,
            roles: vec![Role::Staff],
            me: None,
            request_id: None,
        }
    }

    #[test]
    fn entries_expire_and_can_be_dropped_per_user_or_token() {
        let c = CallerCache::new(Duration::from_secs(2));
        let t0 = Instant::now();
        c.put("a".into(), user(1), t0);
        c.put("b".into(), user(2), t0);
        c.put(
            "t".into(),
            Caller {
                principal: Principal::ApiToken { id: 9, write: false },
                organisation_id: 1,
                roles: vec![],
                me: None,
                request_id: None,
            },
            t0,
        );
        assert!(c.get("a", t0 + Duration::from_secs(1)).is_some());
        assert!(c.get("a", t0 + Duration::from_secs(3)).is_none(), "expired");
        c.forget_user(2);
        assert!(c.get("b", t0).is_none());
        c.forget_token(9);
        assert!(c.get("t", t0).is_none());
        assert!(c.get("a", t0).is_some());
        let off = CallerCache::new(Duration::ZERO);
        off.put("a".into(), user(1), t0);
        assert!(off.get("a", t0).is_none());
    }
}
