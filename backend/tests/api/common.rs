//! Test harness: a real server on a free port over an isolated database (a fresh SQLite file,
//! or a fresh PostgreSQL database when `RECTIFY_TEST_POSTGRES_URL` is set), seeded with the
//! demo organisations and accounts, driven over HTTP.

#![allow(dead_code)]

use std::net::TcpListener;
use std::ops::Deref;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value};

use rectify::config::Config;
use rectify::db::{self, Backend};
use rectify::state::AppState;

pub const PASSWORD: &str = rectify::demo::DEMO_PASSWORD;

/// Runs a test body once on SQLite and once on PostgreSQL (when configured).
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:expr) => {
        $crate::on_both_databases_from!($name, TestApp::start, $body);
    };
}

/// As `on_both_databases!`, on the demo's reference ledger with its work in every state.
#[macro_export]
macro_rules! on_the_demo_ledger {
    ($name:ident, $body:expr) => {
        $crate::on_both_databases_from!($name, TestApp::start_with_demo_ledger, $body);
    };
}

/// A test on each database, starting the app with `$start` (`None`: that database is not configured).
#[macro_export]
macro_rules! on_both_databases_from {
    ($name:ident, $start:path, $body:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn sqlite() {
                ($body)(&$start(rectify::db::Backend::Sqlite).expect("sqlite"));
            }
            #[test]
            fn postgres() {
                if let Some(app) = $start(rectify::db::Backend::Postgres) {
                    ($body)(&app);
                }
            }
        }
    };
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("RECTIFY_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("RECTIFY_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("RECTIFY_TEST_REQUIRE_POSTGRES=1 but RECTIFY_TEST_POSTGRES_URL is not set");
    }
    url
}

fn unique_name() -> String {
    format!("rectify_t_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst), rand::random::<u32>())
}

/// A fresh, empty database; dropped with the guard.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pub dir: PathBuf,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn create(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let name = unique_name();
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).unwrap();
                Some(TestDb { url: format!("sqlite://{}", dir.join("rectify.db").display()), backend, dir, pg: None })
            }
            Backend::Postgres => {
                let Some(admin) = postgres_admin_url() else {
                    eprintln!("skipped on PostgreSQL: RECTIFY_TEST_POSTGRES_URL is not set");
                    return None;
                };
                Some(Self::create_on_postgres(&admin))
            }
        }
    }

    /// A new database on the PostgreSQL server of `admin` (a URL whose user may create databases).
    pub fn create_on_postgres(admin: &str) -> TestDb {
        let name = unique_name();
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).unwrap();
        let mut c = diesel::PgConnection::establish(admin).expect("connect to the PostgreSQL server");
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
        TestDb { url: format!("{base}/{name}"), backend: Backend::Postgres, dir, pg: Some((admin.to_string(), name)) }
    }

    /// Migrated and seeded with the demo's reference ledger and its work in every state, as
    /// `rectify serve --demo` seeds them (evidence files on the local disk).
    pub fn with_demo_ledger(backend: Backend) -> Option<TestDb> {
        use diesel::r2d2::ManageConnection;
        let db = TestDb::create(backend)?;
        db.migrate_and_seed_with(true);
        let config = test_config(&db);
        let storage = rectify::storage::Storage::open(&config).unwrap();
        let mut conn = db::Manager::new(&db.url).connect().unwrap();
        assert!(rectify::demo::workflow::seed(&mut conn, &storage, config.storage_quota).unwrap());
        Some(db)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs the `rectify` command line on this database and data directory.
    pub fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_rectify"))
            .args(args)
            .env("RECTIFY_DATABASE_URL", &self.url)
            .env("RECTIFY_DATA_DIR", self.data_dir())
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    /// `rectify check`, `rectify audit verify` and `rectify evidence verify` all find nothing
    /// wrong: no state contradicts another, the audit chains hold, every recorded file is
    /// stored intact. Returns what `evidence verify` printed.
    #[track_caller]
    pub fn assert_clean(&self, env: &[(&str, &str)]) -> String {
        let mut evidence = String::new();
        for args in [&["check"][..], &["audit", "verify"], &["evidence", "verify"]] {
            let out = self.cli(args, env);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(out.status.success(), "rectify {}: {text}{}", args.join(" "), String::from_utf8_lossy(&out.stderr));
            evidence = text;
        }
        evidence
    }

    /// Migrates and seeds the demo organisations and accounts (and, with `ledger`, the
    /// reference ledger).
    pub fn migrate_and_seed_with(&self, ledger: bool) {
        use diesel::r2d2::ManageConnection;
        let mut conn = db::Manager::new(&self.url).connect().unwrap();
        db::migrate(&mut conn).unwrap();
        rectify::demo::seed(&mut conn, ledger).unwrap();
    }

    pub fn migrate_and_seed(&self) {
        self.migrate_and_seed_with(false)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut c) = diesel::PgConnection::establish(admin) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub struct TestApp {
    pub client: Client,
    /// Shared with any other instance started on the same database.
    pub db: Arc<TestDb>,
    handle: actix_web::dev::ServerHandle,
}

impl Deref for TestApp {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

pub fn test_config(db: &TestDb) -> Config {
    let mut c = Config::load(None).expect("config");
    c.database_url = db.url.clone();
    c.data_dir = db.dir.join("data");
    c.jwt_secret = Some(b"test-secret-test-secret-test-secret-0123".to_vec());
    c.workers = Some(2);
    c.db_pool_size = 8;
    c.login_max_failures_per_account = 5;
    c.login_max_failures_per_address = 50;
    c.login_window = 900;
    c.password_hash_concurrency = 1;
    c.trust_proxy = false;
    c.max_json_body = 64 * 1024;
    c.auth_cache_ttl_ms = 2000;
    c.max_file_size = 2 * 1024 * 1024;
    c.zip_max_uncompressed = 8 * 1024 * 1024;
    c
}

/// An S3-compatible server for the tests (e.g. moto, started by `.ci/run`), when configured.
pub fn s3_endpoint() -> Option<String> {
    let url = std::env::var("RECTIFY_TEST_S3_ENDPOINT").ok().filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("RECTIFY_TEST_REQUIRE_S3").is_ok_and(|v| v == "1") {
        panic!("RECTIFY_TEST_REQUIRE_S3=1 but RECTIFY_TEST_S3_ENDPOINT is not set");
    }
    url
}

/// Points a configuration at a new, empty bucket on the test S3 server.
pub fn use_new_bucket(c: &mut Config, endpoint: &str) {
    let bucket = format!("rectify-test-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let r = ureq::put(&format!("{endpoint}/{bucket}")).call();
    assert!(r.is_ok(), "create bucket {bucket}: {:?}", r.err());
    c.s3 = Some(rectify::config::S3Config {
        bucket,
        endpoint: Some(endpoint.to_string()),
        region: "us-east-1".into(),
        connect_timeout: 5,
        timeout: 30,
        retries: 2,
    });
}

/// A `multipart/form-data` body: text fields, then an optional file `(name, bytes)`.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----rectify-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    if let Some((name, bytes)) = file {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    pub fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, |_| {})
    }

    /// With changes to the test configuration.
    pub fn start_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let db = TestDb::create(backend)?;
        db.migrate_and_seed();
        let mut config = test_config(&db);
        configure(&mut config);
        Some(Self::serve_config(Arc::new(db), config))
    }

    /// With the reference ledger of the demo school and its work in every state, as
    /// `rectify serve --demo` seeds them.
    pub fn start_with_demo_ledger(backend: Backend) -> Option<TestApp> {
        Some(Self::serve(TestDb::with_demo_ledger(backend)?))
    }

    pub fn serve(db: TestDb) -> TestApp {
        Self::serve_shared(Arc::new(db))
    }

    /// Another server instance on the same database, as behind a load balancer.
    pub fn another_instance(&self) -> TestApp {
        Self::serve_shared(self.db.clone())
    }

    fn serve_shared(db: Arc<TestDb>) -> TestApp {
        let config = test_config(&db);
        Self::serve_config(db, config)
    }

    /// On a database prepared by the caller, with its own configuration.
    pub fn serve_config(db: Arc<TestDb>, config: Config) -> TestApp {
        let pool = db::build_pool(&config.database_url, config.db_pool_size, Duration::from_secs(config.db_timeout)).unwrap();
        let state = web::Data::new(AppState::new(config, pool).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = rectify::server(state, listener).unwrap();
                tx.send(server.handle()).unwrap();
                server.await
            })
        });
        let handle = rx.recv().unwrap();
        TestApp { client: Client::new(base), db, handle }
    }

    /// Runs the `rectify` command line on this app's database and data directory.
    pub fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        self.db.cli(args, env)
    }
}

/// HTTP calls to one server, as its users make them. A call that gets no answer (the server is
/// gone, or nothing came within a minute) panics; `try_call` and `try_upload` return it instead.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(base: String) -> Client {
        Client { base, agent: ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>, headers: &[(&str, &str)]) -> Resp {
        self.try_call(method, path, token, body, headers).unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"))
    }

    /// As `call`; `Err` when no answer came (the connection failed or broke, or a minute passed).
    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Result<Resp, String> {
        let mut req = self.agent.request(method, &self.url(path));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        Resp::answer(result)
    }

    /// Sends a multipart form.
    pub fn upload(&self, method: &str, path: &str, token: &str, form: (String, Vec<u8>), headers: &[(&str, &str)]) -> Resp {
        self.try_upload(method, path, token, form, headers).unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"))
    }

    pub fn try_upload(
        &self,
        method: &str,
        path: &str,
        token: &str,
        form: (String, Vec<u8>),
        headers: &[(&str, &str)],
    ) -> Result<Resp, String> {
        let mut req =
            self.agent.request(method, &self.url(path)).set("Authorization", &format!("Bearer {token}")).set("Content-Type", &form.0);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        Resp::answer(req.send_bytes(&form.1))
    }

    /// A raw GET, for binary bodies.
    pub fn get_bytes(&self, path: &str, token: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut req = self.agent.get(&self.url(path)).set("Authorization", &format!("Bearer {token}"));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let resp = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("GET {path}: {e}"),
        };
        let status = resp.status();
        let headers = resp.headers_names().into_iter().map(|n| (n.clone(), resp.header(&n).unwrap_or("").to_string())).collect();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut resp.into_reader(), &mut body).unwrap();
        (status, headers, body)
    }

    pub fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None, &[])
    }
    pub fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("POST", path, Some(token), Some(body), &[])
    }
    pub fn patch(&self, path: &str, token: &str, version: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(token), Some(body), &[("If-Match", version)])
    }

    pub fn login_pair(&self, username: &str, password: &str) -> Resp {
        self.call("POST", "/api/v1/auth/login", None, Some(json!({"username": username, "password": password})), &[])
    }

    /// An access token of a demo account.
    pub fn login(&self, username: &str) -> String {
        let r = self.login_pair(username, PASSWORD);
        assert_eq!(r.status, 200, "login {username}: {}", r.body);
        r.json["access_token"].as_str().unwrap().to_string()
    }

    /// The id of a demo organisation by name.
    pub fn org_id(&self, name: &str) -> i64 {
        let admin = self.login("admin");
        let page = self.get("/api/v1/organisations?limit=200", &admin);
        page.json["items"].as_array().unwrap().iter().find(|o| o["name"] == name).unwrap()["id"].as_i64().unwrap()
    }

    pub fn user_id(&self, token: &str, username: &str) -> i64 {
        let page = self.get(&format!("/api/v1/users?q={username}&limit=200"), token);
        page.json["items"].as_array().unwrap().iter().find(|u| u["username"] == username).unwrap()["id"].as_i64().unwrap()
    }
}

impl TestApp {
    /// Asserts that no state of the ledger contradicts another (after every test, see `Drop`).
    #[track_caller]
    pub fn assert_consistent(&self) {
        use diesel::r2d2::ManageConnection;
        let mut conn = db::Manager::new(&self.db.url).connect().unwrap();
        let report = rectify::domain::ledger::invariants::contradictions(&mut conn).unwrap();
        assert!(report.contradictions.is_empty(), "the ledger contradicts itself:\n{}", report.contradictions.join("\n"));
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ = std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false))).join();
        // Every test, whatever it did through the API, leaves a ledger whose states agree.
        if !std::thread::panicking() {
            self.assert_consistent();
        }
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn etag(&self) -> String {
        self.header("etag").expect("ETag").to_string()
    }
    /// Asserts an RFC 9457 problem with the given status and code.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status, status, "expected {status} {code}, got: {}", self.body);
        assert!(self.content_type.starts_with("application/problem+json"), "content type {}", self.content_type);
        assert_eq!(self.json["code"], code, "{}", self.body);
        assert_eq!(self.json["status"], status);
        assert!(self.json["type"].as_str().unwrap().ends_with(code));
        self
    }
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{}", self.body);
        &self.json
    }
}

impl From<Result<ureq::Response, ureq::Error>> for Resp {
    fn from(r: Result<ureq::Response, ureq::Error>) -> Self {
        Resp::answer(r).unwrap_or_else(|e| panic!("transport error: {e}"))
    }
}

impl Resp {
    /// Any answer, whatever its status; `Err` when none came.
    pub fn answer(r: Result<ureq::Response, ureq::Error>) -> Result<Resp, String> {
        let resp = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(e.to_string()),
        };
        let status = resp.status();
        let content_type = resp.header("content-type").unwrap_or("").to_string();
        let headers = resp
            .headers_names()
            .into_iter()
            .map(|n| {
                let v = resp.header(&n).unwrap_or("").to_string();
                (n, v)
            })
            .collect();
        let body = resp.into_string().unwrap_or_default();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        Ok(Resp { status, content_type, headers, body, json })
    }
}

/// The `rectify` binary serving a test database as a child process: for faults the test's own
/// process must not share (SIGKILL, the process's thread count) and settings made through its
/// environment. The same JWT secret as the in-process servers, so their tokens stay valid.
pub struct ServerProcess {
    pub client: Client,
    pub db: Arc<TestDb>,
    port: u16,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Deref for ServerProcess {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl ServerProcess {
    /// Starts `rectify serve` on the database and its data directory, with `env` added, and
    /// waits until it answers.
    pub fn start(db: Arc<TestDb>, env: &[(&str, &str)]) -> ServerProcess {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut server = ServerProcess { client: Client::new(format!("http://127.0.0.1:{port}")), db, port, env, child: None };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.db.dir.join("server.log")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rectify"))
            .arg("serve")
            .env("RECTIFY_DATABASE_URL", &self.db.url)
            .env("RECTIFY_DATA_DIR", self.db.data_dir())
            .env("RECTIFY_BIND", format!("127.0.0.1:{}", self.port))
            .env("RECTIFY_JWT_SECRET", "test-secret-test-secret-test-secret-0123")
            .env("RECTIFY_WORKERS", "2")
            .env("RECTIFY_DB_POOL_SIZE", "8")
            .env("RECTIFY_PASSWORD_HASH_CONCURRENCY", "1")
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let started = Instant::now();
        while self.try_call("GET", "/healthz", None, None, &[]).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("rectify serve exited ({status}): see {}", self.db.dir.join("server.log").display());
            }
            assert!(started.elapsed() < Duration::from_secs(60), "rectify serve did not answer within a minute");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Kills the server at once (SIGKILL): no graceful shutdown, whatever was in flight.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same database, data directory and port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// The server's threads now (`/proc/<pid>/status`).
    pub fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status.lines().find_map(|l| l.strip_prefix("Threads:")).unwrap().trim().parse().unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Files below `dir`, recursively.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().flat_map(|e| if e.path().is_dir() { files_under(&e.path()) } else { vec![e.path()] }).collect())
        .unwrap_or_default()
}
