//! Shared application state: the pool, configuration, keys and limiters.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::auth::cache::CallerCache;
use crate::auth::password::Hasher;
use crate::auth::throttle::LoginThrottle;
use crate::auth::tokens::{TokenKeys, API_TOKEN_PREFIX};
use crate::auth::Caller;
use crate::config::Config;
use crate::db::{DbConn, Pool};
use crate::domain::ledger::page_cache::PageCache;
use crate::domain::organisations::{self, OrgRevision};
use crate::domain::sessions;
use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;
use crate::shared_read::SharedRead;
use crate::storage::Storage;

pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub keys: TokenKeys,
    pub throttle: LoginThrottle,
    pub hasher: Hasher,
    pub metrics: Metrics,
    pub callers: CallerCache,
    pub pages: Arc<PageCache>,
    revisions: SharedRead<Arc<Vec<OrgRevision>>>,
    pub storage: Arc<Storage>,
}

impl AppState {
    /// `config` must have its secret loaded.
    pub fn new(config: Config, pool: Pool) -> Result<Self, String> {
        let secret = config.jwt_secret.clone().expect("signing secret loaded before the state is built");
        Ok(AppState {
            storage: Arc::new(Storage::open(&config)?),
            keys: TokenKeys::new(&secret, &config.jwt_issuer, &config.jwt_audience, config.access_token_ttl),
            throttle: LoginThrottle::new(config.login_max_failures_per_account, config.login_max_failures_per_address, config.login_window),
            hasher: Hasher::new(config.password_hash_concurrency),
            metrics: Metrics::default(),
            callers: CallerCache::new(Duration::from_millis(config.auth_cache_ttl_ms)),
            pages: Arc::new(PageCache::new(config.page_cache_entries)),
            revisions: SharedRead::default(),
            config: Arc::new(config),
            pool,
        })
    }

    /// Runs database work on a blocking thread with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    {
        crate::db::run(&self.pool, f).await
    }

    /// Every organisation's ledger revision, from a read that began after this call (shared with
    /// the calls waiting at the same time), so a page cached under it is never stale.
    pub async fn org_revisions(&self) -> AppResult<Arc<Vec<OrgRevision>>> {
        self.revisions.get(|| self.db(|c| organisations::revisions(c).map(Arc::new))).await
    }

    /// Resolves a bearer token: an API token (`rct_…`) or an access JWT.
    pub async fn authenticate(&self, token: String) -> AppResult<Caller> {
        let invalid = || AppError::unauthorized("invalid_token", "the access token is invalid or has expired");
        // An API token, or the user and token epoch of a valid access JWT.
        let access = if token.starts_with(API_TOKEN_PREFIX) { None } else { Some(self.keys.verify_access(&token)?) };
        let key = match access {
            None => crate::auth::tokens::token_hash(&token),
            Some((user_id, epoch)) => format!("user:{user_id}:{epoch}"),
        };
        if let Some(caller) = self.callers.get(&key, Instant::now()) {
            return Ok(caller);
        }
        let caller = match access {
            None => self.db(move |c| sessions::resolve_api_token(c, &token)).await?,
            Some((user_id, epoch)) => self.db(move |c| sessions::resolve_user(c, user_id, epoch)).await?,
        };
        let caller = caller.ok_or_else(invalid)?;
        self.callers.put(key, caller.clone(), Instant::now());
        Ok(caller)
    }
}
