//! Where evidence files live: the file system under the data directory, or an S3-compatible
//! bucket, both through `object_store`.
//!
//! An upload is first spooled to a local file while it is hashed (the spool), checked, then
//! finalized under a key the server makes, and only then recorded in the database. On the file
//! system the spool lies inside the store (`tmp/…`), so finalizing is a rename; on S3 it is a
//! multipart upload, which no reader sees before it completes. A crash at any point leaves at
//! worst a spooled file or an object without a row, which the sweeper removes.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ClientConfigKey, GetOptions, GetRange, GetResult, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::error::{AppError, AppResult};

/// Bytes kept from the start and the end of a spooled file, for deciding its type.
pub const HEAD_LEN: usize = 16 * 1024;
pub const TAIL_LEN: usize = 64 * 1024 + 22;

pub struct Storage {
    store: Arc<dyn ObjectStore>,
    spool: PathBuf,
    /// The spool is the store's `tmp/` folder (file system) rather than a separate directory (S3).
    spool_in_store: bool,
}

impl Storage {
    pub fn open(config: &Config) -> Result<Storage, String> {
        let fail = |e: &dyn std::fmt::Display| format!("evidence storage: {e}");
        match &config.s3 {
            None => {
                let root = config.data_dir.join("objects");
                let spool = root.join("tmp");
                std::fs::create_dir_all(&spool).map_err(|e| fail(&e))?;
                let store = LocalFileSystem::new_with_prefix(&root).map_err(|e| fail(&e))?.with_fsync(true);
                Ok(Storage { store: Arc::new(store), spool, spool_in_store: true })
            }
            Some(s3) => {
                // Bounded waits: a store that is down or hangs fails an upload or a download with
                // a 503 after at most (retries + 1) × timeout, instead of holding it for minutes.
                let retry = RetryConfig {
                    max_retries: s3.retries,
                    retry_timeout: Duration::from_secs(s3.timeout * (s3.retries as u64 + 1)),
                    ..Default::default()
                };
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout), format!("{}s", s3.connect_timeout))
                    .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), format!("{}s", s3.timeout))
                    .with_retry(retry);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
                }
                let spool = config.data_dir.join("spool");
                std::fs::create_dir_all(&spool).map_err(|e| fail(&e))?;
                Ok(Storage { store: Arc::new(builder.build().map_err(|e| fail(&e))?), spool, spool_in_store: false })
            }
        }
    }

    /// A new, empty spool file with a random name.
    pub fn spool_file(&self) -> AppResult<(SpoolGuard, std::fs::File)> {
        let path = self.spool.join(random_name());
        let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(io_error)?;
        Ok((SpoolGuard(Some(path)), file))
    }

    /// Moves a spooled file to its final key. On the file system this is an atomic rename.
    pub async fn finalize(&self, spooled: &SpoolGuard, key: &str) -> AppResult<()> {
        let path = spooled.path();
        if self.spool_in_store {
            let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| AppError::internal("spool name"))?;
            return self.store.rename(&Key::from(format!("tmp/{name}")), &Key::from(key)).await.map_err(|e| self.store_error(e));
        }
        let mut upload = self.upload(key).await?;
        let mut file = tokio::fs::File::open(path).await.map_err(AppError::internal)?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut file, &mut buf).await.map_err(AppError::internal)?;
            if n == 0 {
                break;
            }
            upload.wait_for_capacity(4).await.map_err(|e| self.store_error(e))?;
            upload.write(&buf[..n]);
        }
        upload.finish().await.map_err(|e| self.store_error(e))?;
        Ok(())
    }

    /// Writes an object in parts; no reader sees it before `finish`, and `abort` leaves nothing.
    pub async fn upload(&self, key: &str) -> AppResult<WriteMultipart> {
        Ok(WriteMultipart::new_with_chunk_size(self.store.put_multipart(&Key::from(key)).await.map_err(|e| self.store_error(e))?, 8 << 20))
    }

    /// The size of a stored object, or `None` when it is missing.
    pub async fn size(&self, key: &str) -> AppResult<Option<u64>> {
        match self.store.head(&Key::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.store_error(e)),
        }
    }

    /// An object, or a byte range of it (`start..end`).
    pub async fn get(&self, key: &str, range: Option<std::ops::Range<u64>>) -> AppResult<GetResult> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
        self.store.get_opts(&Key::from(key), options).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => AppError::unavailable("evidence_missing", "the stored file is missing"),
            e => self.store_error(e),
        })
    }

    /// SHA-256 and size of a stored object, or `None` when it is missing.
    pub async fn digest(&self, key: &str) -> AppResult<Option<(String, u64)>> {
        let result = match self.store.get(&Key::from(key)).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.store_error(e)),
        };
        let mut stream = result.into_stream();
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.store_error(e))?;
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        Ok(Some((hex::encode(hasher.finalize()), size)))
    }

    /// Keys under `prefix` last written before `before`.
    pub async fn keys_older_than(&self, prefix: &str, before: SystemTime) -> AppResult<Vec<String>> {
        let before: chrono::DateTime<chrono::Utc> = before.into();
        self.store
            .list(Some(&Key::from(prefix)))
            .try_filter(|meta| std::future::ready(meta.last_modified < before))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(|e| self.store_error(e))
    }

    /// Stores a small object in one request (the demo's files).
    pub async fn put(&self, key: &str, bytes: &'static [u8]) -> AppResult<()> {
        self.store.put(&Key::from(key), Bytes::from_static(bytes).into()).await.map(drop).map_err(|e| self.store_error(e))
    }

    pub async fn delete(&self, key: &str) -> AppResult<()> {
        match self.store.delete(&Key::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.store_error(e)),
        }
    }

    /// A failure of the object store. On S3, `Generic` is what a store that cannot be reached,
    /// times out or keeps answering 5xx gives after the retries: the caller may try again later.
    fn store_error(&self, e: object_store::Error) -> AppError {
        if is_full(&e) {
            return storage_full();
        }
        match e {
            object_store::Error::Generic { store, source } if !self.spool_in_store => {
                tracing::warn!(store, error = %source, "evidence storage unavailable");
                AppError::unavailable("storage_unavailable", "the evidence storage does not answer in time; try again later")
            }
            e => AppError::internal(e),
        }
    }

    /// Removes spooled files older than `grace`: uploads that a crash or a lost client left.
    pub fn sweep_spool(&self, grace: Duration) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.spool) else { return 0 };
        let cutoff = SystemTime::now() - grace;
        entries
            .flatten()
            .filter(|e| e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t <= cutoff))
            .filter(|e| std::fs::remove_file(e.path()).is_ok())
            .count()
    }
}

/// A full disk (or a user's disk quota) somewhere in an error's causes.
fn is_full(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| matches!(io.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded))
        {
            return true;
        }
        cause = c.source();
    }
    false
}

fn storage_full() -> AppError {
    AppError::new(
        StatusCode::INSUFFICIENT_STORAGE,
        "storage_full",
        "the evidence storage is full; nothing was stored. Ask the administrator to free space",
    )
}

/// A failure of the local disk (spool or file store).
fn io_error(e: std::io::Error) -> AppError {
    if is_full(&e) {
        return storage_full();
    }
    AppError::internal(e)
}

/// A spooled file, removed when dropped unless it has been moved away by `finalize`.
pub struct SpoolGuard(Option<PathBuf>);

impl SpoolGuard {
    pub fn path(&self) -> &Path {
        self.0.as_deref().expect("spool path")
    }
}

impl Drop for SpoolGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// What spooling learnt about a file.
#[derive(Debug, Clone)]
pub struct Spooled {
    pub sha256: String,
    pub size: u64,
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
}

/// Writes chunks to a spool file on a blocking thread while hashing them; the bounded channel
/// keeps at most a few chunks in memory whatever the file's size.
pub struct SpoolWriter {
    tx: mpsc::Sender<Bytes>,
    task: tokio::task::JoinHandle<std::io::Result<Spooled>>,
}

impl SpoolWriter {
    pub fn start(file: std::fs::File) -> Self {
        let (tx, mut rx) = mpsc::channel::<Bytes>(16);
        let task = tokio::task::spawn_blocking(move || {
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let mut hasher = Sha256::new();
            let (mut size, mut head, mut tail) = (0u64, Vec::with_capacity(HEAD_LEN), Vec::with_capacity(2 * TAIL_LEN));
            while let Some(chunk) = rx.blocking_recv() {
                hasher.update(&chunk);
                out.write_all(&chunk)?;
                size += chunk.len() as u64;
                if head.len() < HEAD_LEN {
                    head.extend_from_slice(&chunk[..chunk.len().min(HEAD_LEN - head.len())]);
                }
                tail.extend_from_slice(&chunk[chunk.len().saturating_sub(TAIL_LEN)..]);
                if tail.len() > 2 * TAIL_LEN {
                    tail.drain(..tail.len() - TAIL_LEN);
                }
            }
            let file = out.into_inner().map_err(|e| e.into_error())?;
            // Durable before any row can point at it.
            file.sync_all()?;
            tail.drain(..tail.len().saturating_sub(TAIL_LEN));
            Ok(Spooled { sha256: hex::encode(hasher.finalize()), size, head, tail })
        });
        SpoolWriter { tx, task }
    }

    /// After an error the writer is done: drop it.
    pub async fn write(&mut self, chunk: Bytes) -> AppResult<()> {
        match self.tx.send(chunk).await {
            Ok(()) => Ok(()),
            // The writer stopped early: on an error, which says why (e.g. the disk is full).
            Err(_) => Err(Self::outcome(&mut self.task).await.err().unwrap_or_else(|| AppError::internal("spool writer stopped"))),
        }
    }

    pub async fn finish(mut self) -> AppResult<Spooled> {
        drop(self.tx);
        Self::outcome(&mut self.task).await
    }

    async fn outcome(task: &mut tokio::task::JoinHandle<std::io::Result<Spooled>>) -> AppResult<Spooled> {
        task.await.map_err(AppError::internal)?.map_err(io_error)
    }
}

/// 128 random bits, hex: spool names and object keys never come from the client.
pub fn random_name() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}
