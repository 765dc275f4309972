//! Configuration from environment variables, optionally backed by a `KEY=VALUE` file.
//!
//! Environment variables win over the file, so a deployment can keep defaults in a file and
//! override single values per instance.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub data_dir: PathBuf,
    /// `None` until [`Config::load_or_create_secret`] has run.
    pub jwt_secret: Option<Vec<u8>>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: i64,
    pub refresh_token_ttl: i64,
    pub log_format: LogFormat,
    pub db_pool_size: u32,
    /// How long a request waits for a free database connection before answering 503 (seconds).
    pub db_timeout: u64,
    pub workers: Option<usize>,
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_address: u32,
    pub login_window: u64,
    /// Concurrent argon2 computations; the rest of the CPU keeps serving other requests.
    pub password_hash_concurrency: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
    pub max_json_body: usize,
    /// How long a resolved token is reused without asking the database (0 = never).
    pub auth_cache_ttl_ms: u64,
    /// Rendered pages of the measure list kept in memory (0 turns the cache off).
    pub page_cache_entries: usize,
    /// Largest evidence file accepted, in bytes.
    pub max_file_size: u64,
    /// Bytes of evidence (every version) one organisation may keep.
    pub storage_quota: u64,
    /// Limits on what a zip-based document (DOCX, XLSX, PPTX, OFD) may expand to.
    pub zip_max_entries: usize,
    pub zip_max_uncompressed: u64,
    /// S3-compatible storage instead of the data directory, when a bucket is named.
    /// Credentials come from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    pub s3: Option<S3Config>,
    /// Objects without a row, and unfinished uploads, older than this are removed (seconds).
    pub sweep_grace: u64,
    /// How often the sweeper runs while serving (seconds).
    pub sweep_interval: u64,
    /// How often deadline reminders are produced while serving (seconds).
    pub reminder_interval: u64,
    /// The built web app served at `/` (`frontend/dist` when it exists); none: API only.
    pub web_dir: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// e.g. `http://127.0.0.1:9000` for MinIO; AWS when absent.
    pub endpoint: Option<String>,
    pub region: String,
    /// Seconds to establish a connection, and for a whole request (each attempt).
    pub connect_timeout: u64,
    pub timeout: u64,
    /// Attempts after the first when the connection fails, a safe request times out or the
    /// server answers 5xx.
    pub retries: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

/// Hides a password in a database URL before it is logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

struct Source {
    file: HashMap<String, String>,
}

impl Source {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty()).or_else(|| self.file.get(key).cloned())
    }
    fn parse<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T, String> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| format!("{key}: cannot parse {v:?}")),
        }
    }
}

fn parse_file(path: &Path) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("config file {}: {e}", path.display()))?;
    let mut map = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or_else(|| format!("config file {} line {}: expected KEY=VALUE", path.display(), n + 1))?;
        let v = v.trim().trim_matches('"');
        map.insert(k.trim().to_string(), v.to_string());
    }
    Ok(map)
}

impl Config {
    /// Reads the configuration; `file` (or `RECTIFY_CONFIG`) names an optional `KEY=VALUE` file.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let file = file.map(Path::to_path_buf).or_else(|| std::env::var_os("RECTIFY_CONFIG").map(PathBuf::from));
        let src = Source { file: file.as_deref().map(parse_file).transpose()?.unwrap_or_default() };
        let data_dir = PathBuf::from(src.get("RECTIFY_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = src.get("RECTIFY_DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}", data_dir.join("rectify.db").display()));
        let log_format = match src.get("RECTIFY_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(format!("RECTIFY_LOG_FORMAT: expected text or json, got {other:?}")),
        };
        let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let cfg = Config {
            database_url,
            bind: src.get("RECTIFY_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            jwt_secret: src.get("RECTIFY_JWT_SECRET").map(String::into_bytes),
            jwt_issuer: src.get("RECTIFY_JWT_ISSUER").unwrap_or_else(|| "rectify".into()),
            jwt_audience: src.get("RECTIFY_JWT_AUDIENCE").unwrap_or_else(|| "rectify-api".into()),
            access_token_ttl: src.parse("RECTIFY_ACCESS_TOKEN_TTL", 15 * 60)?,
            refresh_token_ttl: src.parse("RECTIFY_REFRESH_TOKEN_TTL", 14 * 24 * 3600)?,
            log_format,
            db_pool_size: src.parse("RECTIFY_DB_POOL_SIZE", 16)?,
            db_timeout: src.parse("RECTIFY_DB_TIMEOUT", 5)?,
            workers: src.get("RECTIFY_WORKERS").map(|v| v.parse().map_err(|_| "RECTIFY_WORKERS".to_string())).transpose()?,
            login_max_failures_per_account: src.parse("RECTIFY_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)?,
            login_max_failures_per_address: src.parse("RECTIFY_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)?,
            login_window: src.parse("RECTIFY_LOGIN_WINDOW", 15 * 60)?,
            password_hash_concurrency: src.parse("RECTIFY_PASSWORD_HASH_CONCURRENCY", (cpus / 2).max(1))?,
            trust_proxy: src.parse("RECTIFY_TRUST_PROXY", false)?,
            max_json_body: src.parse("RECTIFY_MAX_JSON_BODY", 1024 * 1024)?,
            auth_cache_ttl_ms: src.parse("RECTIFY_AUTH_CACHE_TTL_MS", 2000)?,
            page_cache_entries: src.parse("RECTIFY_PAGE_CACHE_ENTRIES", 512)?,
            max_file_size: src.parse("RECTIFY_MAX_FILE_SIZE", 100 * 1024 * 1024)?,
            storage_quota: src.parse("RECTIFY_STORAGE_QUOTA", 20 * 1024 * 1024 * 1024)?,
            zip_max_entries: src.parse("RECTIFY_ZIP_MAX_ENTRIES", 10_000)?,
            zip_max_uncompressed: src.parse("RECTIFY_ZIP_MAX_UNCOMPRESSED", 1024 * 1024 * 1024)?,
            s3: match src.get("RECTIFY_S3_BUCKET").filter(|b| !b.is_empty()) {
                None => None,
                Some(bucket) => Some(S3Config {
                    bucket,
                    endpoint: src.get("RECTIFY_S3_ENDPOINT").filter(|e| !e.is_empty()),
                    region: src.get("RECTIFY_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                    connect_timeout: src.parse("RECTIFY_S3_CONNECT_TIMEOUT", 5)?,
                    timeout: src.parse("RECTIFY_S3_TIMEOUT", 30)?,
                    retries: src.parse("RECTIFY_S3_RETRIES", 2)?,
                }),
            },
            sweep_grace: src.parse("RECTIFY_SWEEP_GRACE", 3600)?,
            sweep_interval: src.parse("RECTIFY_SWEEP_INTERVAL", 3600)?,
            reminder_interval: src.parse("RECTIFY_REMINDER_INTERVAL", 3600)?,
            web_dir: match src.get("RECTIFY_WEB_DIR") {
                Some(d) if d.is_empty() => None,
                Some(d) => Some(PathBuf::from(d)),
                None => Some(PathBuf::from("frontend/dist")).filter(|d| d.join("index.html").is_file()),
            },
            data_dir,
        };
        if let Some(s) = &cfg.jwt_secret {
            if s.len() < 32 {
                return Err("RECTIFY_JWT_SECRET must be at least 32 bytes".into());
            }
        }
        if cfg.db_timeout == 0 || cfg.s3.as_ref().is_some_and(|s3| s3.connect_timeout == 0 || s3.timeout == 0) {
            return Err("RECTIFY_DB_TIMEOUT, RECTIFY_S3_CONNECT_TIMEOUT and RECTIFY_S3_TIMEOUT must be at least 1 second".into());
        }
        if cfg.access_token_ttl < 60 || cfg.refresh_token_ttl < cfg.access_token_ttl {
            return Err("token lifetimes: access must be at least 60 s and refresh at least as long".into());
        }
        Ok(cfg)
    }

    /// Uses the configured secret, or the one kept in the data directory, creating it
    /// (random, owner-only permissions) on first start. There is no built-in default.
    pub fn load_or_create_secret(&mut self) -> Result<(), String> {
        if self.jwt_secret.is_some() {
            return Ok(());
        }
        let path = self.data_dir.join("jwt-secret");
        std::fs::create_dir_all(&self.data_dir).map_err(|e| format!("data dir {}: {e}", self.data_dir.display()))?;
        if !path.exists() {
            let secret = hex::encode(rand::random::<[u8; 32]>());
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            f.write_all(secret.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| format!("{}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new token signing secret");
        }
        let secret = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let secret = secret.trim();
        if secret.len() < 32 {
            return Err(format!("{} holds a secret shorter than 32 bytes", path.display()));
        }
        self.jwt_secret = Some(secret.as_bytes().to_vec());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_hidden() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/rectify"), "postgres://app:***@db:5432/rectify");
        assert_eq!(redact_url("postgres://app@db/rectify"), "postgres://app@db/rectify");
        assert_eq!(redact_url("sqlite://./data/rectify.db"), "sqlite://./data/rectify.db");
    }

    #[test]
    fn a_missing_secret_is_generated_once_with_owner_only_permissions() {
        let dir = std::env::temp_dir().join(format!("rectify-secret-{}-{}", std::process::id(), rand::random::<u32>()));
        let mut cfg = Config::load(None).unwrap();
        cfg.jwt_secret = None;
        cfg.data_dir = dir.clone();
        cfg.load_or_create_secret().unwrap();
        let first = cfg.jwt_secret.clone().unwrap();
        assert!(first.len() >= 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("jwt-secret")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        cfg.jwt_secret = None;
        cfg.load_or_create_secret().unwrap();
        assert_eq!(cfg.jwt_secret.unwrap(), first, "kept across restarts");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn config_file_lines_are_parsed() {
        let dir = std::env::temp_dir().join(format!("rectify-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rectify.env");
        std::fs::write(&path, "# comment\nRECTIFY_BIND = \"0.0.0.0:9000\"\n\nRECTIFY_LOG_FORMAT=json\n").unwrap();
        let map = parse_file(&path).unwrap();
        assert_eq!(map["RECTIFY_BIND"], "0.0.0.0:9000");
        assert_eq!(map["RECTIFY_LOG_FORMAT"], "json");
        std::fs::write(&path, "not a pair\n").unwrap();
        assert!(parse_file(&path).unwrap_err().contains("line 1"));
    }
}
