//! Background work: keeps storage and database in step (removes what interrupted uploads left
//! behind, re-hashes stored files on demand) and produces deadline reminders.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{run, Pool};
use crate::domain::evidence;
use crate::error::AppResult;
use crate::models::EvidenceFile;
use crate::storage::Storage;

#[derive(Debug, Default, PartialEq)]
pub struct SweepReport {
    pub spooled_files: usize,
    pub orphan_objects: usize,
    pub idempotency_keys: usize,
}

/// Removes spooled uploads and objects without a row that are older than `grace` (an upload in
/// progress is younger), and expired idempotency records.
pub async fn sweep(pool: &Pool, storage: &Storage, grace: Duration) -> AppResult<SweepReport> {
    let spooled_files = storage.sweep_spool(grace);
    let keys = storage.keys_older_than("evidence", SystemTime::now() - grace).await?;
    let orphans = run(pool, move |c| evidence::unreferenced(c, &keys)).await?;
    for key in &orphans {
        storage.delete(key).await?;
    }
    let idempotency_keys = run(pool, evidence::expire_idempotency_keys).await?;
    Ok(SweepReport { spooled_files, orphan_objects: orphans.len(), idempotency_keys })
}

/// Sweeps at start-up and then every `interval`.
pub async fn sweep_periodically(pool: Pool, storage: std::sync::Arc<Storage>, grace: Duration, interval: Duration) {
    loop {
        match sweep(&pool, &storage, grace).await {
            Ok(r) if r != SweepReport::default() => {
                tracing::info!(spooled = r.spooled_files, orphans = r.orphan_objects, keys = r.idempotency_keys, "storage swept")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e.detail, "storage sweep failed"),
        }
        tokio::time::sleep(interval.max(Duration::from_secs(1))).await;
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    Intact,
    Missing,
    /// The stored bytes no longer hash to what was recorded.
    Altered,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileCheck {
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub state: FileState,
    /// What the stored bytes hash to now, when they differ.
    pub actual_sha256: Option<String>,
    #[serde(skip)]
    pub object_key: String,
}

pub async fn check(storage: &Storage, f: &EvidenceFile) -> AppResult<FileCheck> {
    let (state, actual) = match storage.digest(&f.object_key).await? {
        None => (FileState::Missing, None),
        Some((sha, size)) if sha == f.sha256 && size as i64 == f.size => (FileState::Intact, None),
        Some((sha, _)) => (FileState::Altered, Some(sha)),
    };
    Ok(FileCheck {
        file_name: f.file_name.clone(),
        sha256: f.sha256.clone(),
        size: f.size,
        state,
        actual_sha256: actual,
        object_key: f.object_key.clone(),
    })
}

/// Re-hashes every stored file.
pub async fn verify_all(pool: &Pool, storage: &Storage) -> AppResult<Vec<FileCheck>> {
    let files = run(pool, evidence::all_files).await?;
    let mut out = Vec::with_capacity(files.len());
    for f in &files {
        out.push(check(storage, f).await?);
    }
    Ok(out)
}

/// Produces deadline reminders at start-up and then every `interval`; several instances may run
/// it at once (each reminder is unique per user, measure, deadline and kind).
pub async fn remind_periodically(pool: Pool, interval: Duration) {
    loop {
        match run(&pool, |c| crate::domain::notifications::remind(c, None)).await {
            Ok(n) if n > 0 => tracing::info!(sent = n, "deadline reminders"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e.detail, "deadline reminders failed"),
        }
        tokio::time::sleep(interval.max(Duration::from_secs(1))).await;
    }
}
