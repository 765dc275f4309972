//! One code base over SQLite and PostgreSQL: a `MultiConnection`, an r2d2 pool whose manager
//! picks the backend from the URL, embedded migrations per backend, and write transactions that
//! take SQLite's write lock up front so concurrent writers queue instead of failing.

use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{AppError, AppResult};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The file path diesel's SQLite driver expects, from `sqlite://path`, `sqlite:path` or a path.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

#[derive(Debug)]
pub struct Manager {
    url: String,
}

impl Manager {
    pub fn new(url: &str) -> Self {
        Manager { url: url.to_string() }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        match Backend::of_url(&self.url) {
            Backend::Postgres => PgConnection::establish(&self.url).map(DbConn::Pg).map_err(diesel::r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                configure_sqlite();
                let path = sqlite_path(&self.url);
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                }
                let mut c = SqliteConnection::establish(path).map_err(diesel::r2d2::Error::ConnectionError)?;
                // WAL itself is persistent and set once by `migrate`; these are per connection.
                c.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;")
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Process-wide SQLite settings, applied once before the first connection opens. A pooled
/// connection is used by one thread at a time, so SQLite's own per-call mutexes and its global
/// memory-statistics mutex only add contention between request threads.
#[allow(unsafe_code)]
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| unsafe {
        // Refused (harmlessly) when SQLite is already initialised, e.g. by a test harness.
        libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD);
        libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
    });
}

/// `wait`: how long a request waits for a connection while all are busy (then 503).
pub fn build_pool(url: &str, size: u32, wait: Duration) -> Result<Pool, String> {
    r2d2::Pool::builder()
        .max_size(size)
        // No ping before each use: it costs a round trip per request. A connection found lost
        // (the server restarted) fails its request with a 503 and is then dropped (`run`).
        .test_on_check_out(false)
        .connection_timeout(wait)
        .build(Manager::new(url))
        .map_err(|e| format!("cannot open the database {}: {e}", crate::config::redact_url(url)))
}

/// A request waits for a connection in slices this long, and gives up after one in which the
/// pool held no connection at all: the database went away, every connection to it was dropped
/// and reconnecting fails. Answering 503 then beats holding every request for the full wait.
const WAIT_SLICE: Duration = Duration::from_millis(250);

/// A connection, within the pool's timeout unless the database is unreachable (`WAIT_SLICE`).
fn checkout(pool: &Pool) -> Result<PooledConn, r2d2::PoolError> {
    let deadline = Instant::now() + pool.connection_timeout();
    loop {
        match pool.get_timeout(WAIT_SLICE.min(deadline.saturating_duration_since(Instant::now()))) {
            Err(_) if pool.state().connections > 0 && Instant::now() < deadline => continue,
            got => return got,
        }
    }
}

/// Runs database work on a blocking thread with a pooled connection. When the database cannot
/// be reached, or the connection turns out lost, the answer is 503 `database_unavailable`.
pub async fn run<T, F>(pool: &Pool, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = checkout(&pool)?;
        match f(&mut conn) {
            Err(e) if e.code == "database_unavailable" || (e.status.is_server_error() && conn.ping().is_err()) => {
                retire(&mut conn);
                Err(AppError::database_unavailable())
            }
            result => result,
        }
    })
    .await?
}

/// Marks a connection whose server went away so that the pool drops it instead of lending it
/// again: r2d2 drops connections whose transaction manager is in error (`has_broken`).
fn retire(conn: &mut DbConn) {
    match conn {
        DbConn::Pg(c) => AnsiTransactionManager::transaction_manager_status_mut(c).set_in_error(),
        DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c).set_in_error(),
    }
}

/// Applies pending migrations; returns how many ran.
pub fn migrate(conn: &mut DbConn) -> Result<usize, String> {
    let applied = match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA journal_mode = WAL;").map_err(|e| e.to_string())?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(|e| e.to_string())?.len()
        }
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map_err(|e| e.to_string())?.len(),
    };
    Ok(applied)
}

/// Refreshes the planner's statistics. SQLite has none until asked, and without them it may
/// pick the organisation index over the inspection index for one inspection's measures.
pub fn analyze(conn: &mut DbConn, all: bool) -> Result<(), String> {
    let sql = match conn {
        DbConn::Sqlite(_) => "PRAGMA optimize=0x10002;",
        // After a bulk load: every measure written also rewrote its organisation's revision row,
        // and scans of a table full of dead row versions are slow until autovacuum comes by.
        DbConn::Pg(_) if all => "VACUUM ANALYZE;",
        // PostgreSQL's autovacuum keeps statistics current.
        DbConn::Pg(_) => return Ok(()),
    };
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

pub fn backend(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Pg(_) => Backend::Postgres,
        DbConn::Sqlite(_) => Backend::Sqlite,
    }
}

fn in_transaction(c: &mut SqliteConnection) -> bool {
    AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth().ok().flatten().is_some()
}

/// Runs `f` in a write transaction (a savepoint when already inside one). On SQLite it starts with `BEGIN IMMEDIATE`, so the write lock
/// is taken before the first read and concurrent writers wait (busy_timeout) instead of failing
/// with "database is locked" when they upgrade a read lock.
pub fn write_tx<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
    transaction(conn, f)
}

/// [`write_tx`] for any error type that a database error converts into.
pub fn transaction<T, E: From<diesel::result::Error>>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
    let nested = match conn {
        DbConn::Sqlite(c) => in_transaction(c),
        DbConn::Pg(_) => false,
    };
    match conn {
        DbConn::Pg(_) => conn.transaction(f),
        // Nested: a savepoint inside the transaction that already holds the lock.
        DbConn::Sqlite(_) if nested => conn.transaction(f),
        DbConn::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(v) => {
                    <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(v)
                }
                Err(e) => {
                    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
                    Err(e)
                }
            }
        }
    }
}

/// Runs `f` in a read-only transaction that sees one consistent snapshot of the whole database
/// while others go on writing: on PostgreSQL `SERIALIZABLE READ ONLY DEFERRABLE` (a snapshot no
/// serializable ordering contradicts), on SQLite a read transaction, which in WAL mode keeps
/// seeing the database as of its first read.
pub fn snapshot<T, E: From<diesel::result::Error>>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
    match conn {
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE")?,
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
    }
    let result = f(conn);
    // Nothing was written: ending it either way is the same, and a failed read must not hide
    // behind a failed commit.
    let end = match &result {
        Ok(_) => <DbConn as Connection>::TransactionManager::commit_transaction(conn),
        Err(_) => <DbConn as Connection>::TransactionManager::rollback_transaction(conn),
    };
    let value = result?;
    end?;
    Ok(value)
}

/// The versions of the migrations this build knows for the connection's backend, in order.
pub fn known_migrations(conn: &DbConn) -> Result<Vec<String>, String> {
    use diesel::migration::MigrationSource;
    let versions = match conn {
        DbConn::Sqlite(_) => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .map(|m| m.iter().map(|m| m.name().version().to_string()).collect::<Vec<_>>()),
        DbConn::Pg(_) => MigrationSource::<diesel::pg::Pg>::migrations(&PG_MIGRATIONS)
            .map(|m| m.iter().map(|m| m.name().version().to_string()).collect::<Vec<_>>()),
    };
    let mut versions = versions.map_err(|e| e.to_string())?;
    versions.sort();
    Ok(versions)
}

/// The versions of the migrations applied to the database, in order.
pub fn applied_migrations(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.applied_migrations(),
        DbConn::Pg(c) => c.applied_migrations(),
    };
    let mut versions: Vec<String> = applied.map_err(|e| e.to_string())?.iter().map(|v| v.to_string()).collect();
    versions.sort();
    Ok(versions)
}

/// Applies pending migrations one by one until `count` are applied (fewer than [`migrate`]
/// when loading a backup made at an older schema).
pub fn migrate_until(conn: &mut DbConn, count: usize) -> Result<(), String> {
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute("PRAGMA journal_mode = WAL;").map_err(|e| e.to_string())?;
    }
    while applied_migrations(conn)?.len() < count {
        match conn {
            DbConn::Sqlite(c) => c.run_next_migration(SQLITE_MIGRATIONS).map(drop),
            DbConn::Pg(c) => c.run_next_migration(PG_MIGRATIONS).map(drop),
        }
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}
