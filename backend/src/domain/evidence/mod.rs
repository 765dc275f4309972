//! Evidence (佐证材料): documents, minutes, photos and scans submitted for a measure. Every
//! version is kept (file replacements and edits of the details alike), and deletion is a
//! tombstone: the object stays, because sign-offs refer to exact versions.

pub mod filetype;

use crate::domain::precondition::Precondition;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use self::filetype::FileType;
use super::ledger::measures::{visible as visible_measure, works_on};
use super::ledger::signoffs;
use super::ledger::{ensure_problem_open, scope};
use super::organisations::OrgScope;
use super::{audit, check, double_option, now, optional_text, page_bounds, required, required_text, utc, Page};
use crate::auth::{Caller, Principal};
use crate::db::{write_tx, DbConn, MultiBackend};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::{Evidence, EvidenceFile, EvidenceVersion, Measure};
use crate::schema::{evidence, evidence_files, evidence_versions, idempotency_keys, measure_assignees, organisations};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileView {
    /// The name the file was uploaded with (metadata only; storage uses its own keys).
    #[schema(example = "长职组〔2021〕16号.pdf")]
    pub file_name: String,
    pub file_type: FileType,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the content, hex; also the download's ETag.
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: DateTime<Utc>,
}

impl From<EvidenceFile> for FileView {
    fn from(f: EvidenceFile) -> Self {
        FileView {
            file_type: FileType::parse(&f.file_type).unwrap_or(FileType::Text),
            file_name: f.file_name,
            content_type: f.content_type,
            size: f.size,
            sha256: f.sha256,
            uploaded_by: f.uploaded_by,
            uploaded_at: utc(f.uploaded_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tombstone {
    pub deleted_at: DateTime<Utc>,
    pub deleted_by: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub organisation_id: i64,
    pub inspection_id: i64,
    pub problem_id: i64,
    pub measure_id: i64,
    #[schema(example = "关于调整党委（扩大）会议制度的通知")]
    pub title: String,
    /// 文号.
    #[schema(example = "长职组〔2021〕16号")]
    pub document_number: Option<String>,
    /// The date the evidence is about (the document's date), not the upload's.
    pub document_date: Option<NaiveDate>,
    pub description: String,
    /// The current file; older ones are in the versions.
    pub file: FileView,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Present once deleted; the evidence and its files are kept.
    pub deleted: Option<Tombstone>,
}

fn view(e: Evidence, f: EvidenceFile) -> EvidenceView {
    EvidenceView {
        id: e.id,
        organisation_id: e.organisation_id,
        inspection_id: e.inspection_id,
        problem_id: e.problem_id,
        measure_id: e.measure_id,
        title: e.title,
        document_number: e.document_number,
        document_date: e.document_date,
        description: e.description,
        file: f.into(),
        version: e.version,
        created_by: e.created_by,
        created_at: utc(e.created_at),
        updated_at: utc(e.updated_at),
        deleted: e.deleted_at.map(|at| Tombstone {
            deleted_at: utc(at),
            deleted_by: e.deleted_by,
            reason: e.delete_reason.unwrap_or_default(),
        }),
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Created,
    FileReplaced,
    DetailsEdited,
    Deleted,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::FileReplaced => "file_replaced",
            Change::DetailsEdited => "details_edited",
            Change::Deleted => "deleted",
        }
    }
    fn parse(s: &str) -> Change {
        [Change::Created, Change::FileReplaced, Change::DetailsEdited, Change::Deleted]
            .into_iter()
            .find(|c| c.as_str() == s)
            .unwrap_or(Change::Created)
    }
}

/// One state of the evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i64,
    pub change: Change,
    pub title: String,
    pub document_number: Option<String>,
    pub document_date: Option<NaiveDate>,
    pub description: String,
    pub file: FileView,
    /// Why it was deleted.
    pub reason: Option<String>,
    pub changed_by: Option<i64>,
    pub changed_at: DateTime<Utc>,
}

/// The details that come with an upload.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Details {
    pub title: String,
    pub document_number: Option<String>,
    pub document_date: Option<NaiveDate>,
    pub description: String,
}

impl Details {
    /// From the text fields of an upload form.
    pub fn from_form(fields: &HashMap<String, String>) -> AppResult<Details> {
        let mut errors = Vec::new();
        let text = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
        let title = required_text(&mut errors, "/title", text("title"), 200);
        let number = optional_text(&mut errors, "/document_number", text("document_number"), 100);
        let date = match text("document_date").trim() {
            "" => None,
            d => match d.parse::<NaiveDate>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new("/document_date", "invalid_date", "a date as YYYY-MM-DD"));
                    None
                }
            },
        };
        let description = optional_text(&mut errors, "/description", text("description"), 4000);
        check(errors)?;
        Ok(Details { title, document_number: Some(number).filter(|n| !n.is_empty()), document_date: date, description })
    }
}

/// Changes to the details; absent fields stay, `null` clears the optional ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailsPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub document_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub document_date: Option<Option<NaiveDate>>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deletion {
    /// Why the evidence is withdrawn; kept with the tombstone.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// A file spooled, typed and finalized under `object_key`, ready to be recorded.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub object_key: String,
    pub file_name: String,
    pub file_type: FileType,
    pub size: u64,
    pub sha256: String,
}

/// A file name as metadata: any directory part, NUL or control character is refused rather
/// than cleaned, so that what is shown is what was sent.
pub fn check_file_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    let bad = name.is_empty()
        || name.chars().count() > 255
        || name.contains(['/', '\\'])
        || name.chars().any(char::is_control)
        || name == "."
        || name == "..";
    if bad {
        return Err(AppError::validation(vec![FieldError::new(
            "/file",
            "invalid_file_name",
            "a file name without directories or control characters, at most 255 characters",
        )]));
    }
    Ok(name.to_string())
}

/// The measure, when the caller may submit evidence for it: its assignees, its responsible
/// leader and the coordinator. Others who see it get 403, the rest 404.
pub fn may_submit(conn: &mut DbConn, caller: &Caller, measure_id: i64) -> AppResult<Measure> {
    let m = visible_measure(conn, caller, measure_id)?;
    if !works_on(conn, caller, &m)? {
        return Err(refuse());
    }
    ensure_problem_open(conn, m.problem_id)?;
    Ok(m)
}

fn refuse() -> AppError {
    AppError::forbidden("evidence_forbidden", "only the measure's assignees, its responsible leader and the coordinator submit evidence")
}

/// Bytes the organisation keeps now.
pub fn storage_used(conn: &mut DbConn, organisation_id: i64) -> AppResult<i64> {
    Ok(organisations::table.find(organisation_id).select(organisations::storage_used).first(conn)?)
}

pub fn human_size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{b} bytes"),
    }
}

/// Counts a new file against the organisation's quota, atomically with recording it.
fn reserve(conn: &mut DbConn, organisation_id: i64, size: u64, quota: u64) -> AppResult<()> {
    let (size, quota) = (size as i64, quota.min(i64::MAX as u64) as i64);
    let n = diesel::update(organisations::table.find(organisation_id).filter(organisations::storage_used.le(quota - size)))
        .set(organisations::storage_used.eq(organisations::storage_used + size))
        .execute(conn)?;
    if n == 0 {
        return Err(quota_exceeded(quota));
    }
    Ok(())
}

pub fn quota_exceeded(quota: i64) -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "storage_quota_exceeded",
        format!("the organisation's evidence storage quota of {} is used up; ask the administrator", human_size(quota)),
    )
}

fn insert_file(conn: &mut DbConn, caller: &Caller, organisation_id: i64, f: &StoredFile) -> AppResult<EvidenceFile> {
    Ok(diesel::insert_into(evidence_files::table)
        .values((
            evidence_files::organisation_id.eq(organisation_id),
            evidence_files::object_key.eq(&f.object_key),
            evidence_files::file_name.eq(&f.file_name),
            evidence_files::file_type.eq(f.file_type.as_str()),
            evidence_files::content_type.eq(f.file_type.content_type()),
            evidence_files::size.eq(f.size as i64),
            evidence_files::sha256.eq(&f.sha256),
            evidence_files::uploaded_by.eq(caller.user_id()),
            evidence_files::uploaded_at.eq(now()),
        ))
        .returning(evidence_files::all_columns)
        .get_result(conn)?)
}

/// Appends the evidence's current state to its history.
fn record_version(conn: &mut DbConn, caller: &Caller, e: &Evidence, change: Change, reason: Option<&str>) -> AppResult<()> {
    diesel::insert_into(evidence_versions::table)
        .values((
            evidence_versions::evidence_id.eq(e.id),
            evidence_versions::version.eq(e.version),
            evidence_versions::change.eq(change.as_str()),
            evidence_versions::file_id.eq(e.file_id),
            evidence_versions::title.eq(&e.title),
            evidence_versions::document_number.eq(&e.document_number),
            evidence_versions::document_date.eq(e.document_date),
            evidence_versions::description.eq(&e.description),
            evidence_versions::reason.eq(reason),
            evidence_versions::changed_by.eq(caller.user_id()),
            evidence_versions::changed_at.eq(e.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A create request's first answer, kept under its Idempotency-Key.
pub struct Replay {
    pub principal: String,
    pub key: String,
    pub fingerprint: String,
}

pub fn principal_of(caller: &Caller) -> String {
    match &caller.principal {
        Principal::User { id, .. } => format!("user:{id}"),
        Principal::ApiToken { id, .. } => format!("token:{id}"),
    }
}

/// The stored answer for a key: `(fingerprint, status, body)`.
pub fn replay(conn: &mut DbConn, principal: &str, key: &str) -> AppResult<Option<(String, i32, String)>> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::principal.eq(principal))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((idempotency_keys::fingerprint, idempotency_keys::status, idempotency_keys::body))
        .first(conn)
        .optional()?)
}

/// Records new evidence for a measure, with its first version, in one transaction.
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    measure_id: i64,
    details: Details,
    file: &StoredFile,
    quota: u64,
    idempotency: Option<Replay>,
) -> AppResult<EvidenceView> {
    write_tx(conn, |conn| {
        let m = may_submit(conn, caller, measure_id)?;
        reserve(conn, m.organisation_id, file.size, quota)?;
        let f = insert_file(conn, caller, m.organisation_id, file)?;
        let t = f.uploaded_at;
        let e: Evidence = diesel::insert_into(evidence::table)
            .values((
                evidence::organisation_id.eq(m.organisation_id),
                evidence::inspection_id.eq(m.inspection_id),
                evidence::problem_id.eq(m.problem_id),
                evidence::measure_id.eq(m.id),
                evidence::file_id.eq(f.id),
                evidence::title.eq(&details.title),
                evidence::document_number.eq(&details.document_number),
                evidence::document_date.eq(details.document_date),
                evidence::description.eq(&details.description),
                evidence::version.eq(1),
                evidence::created_by.eq(caller.user_id()),
                evidence::created_at.eq(t),
                evidence::updated_at.eq(t),
            ))
            .returning(evidence::all_columns)
            .get_result(conn)?;
        record_version(conn, caller, &e, Change::Created, None)?;
        signoffs::evidence_changed(conn, e.measure_id, &format!("新增佐证材料《{}》", e.title))?;
        let v = logged(conn, caller, "evidence.create", view(e, f))?;
        if let Some(r) = idempotency {
            let body = serde_json::to_string(&v).map_err(AppError::internal)?;
            diesel::insert_into(idempotency_keys::table)
                .values((
                    idempotency_keys::principal.eq(&r.principal),
                    idempotency_keys::idempotency_key.eq(&r.key),
                    idempotency_keys::fingerprint.eq(&r.fingerprint),
                    idempotency_keys::status.eq(201),
                    idempotency_keys::body.eq(body),
                    idempotency_keys::created_at.eq(t),
                ))
                .execute(conn)
                .map_err(|e| match e {
                    diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                        AppError::conflict("idempotency_key_in_use", "a request with this Idempotency-Key is in progress; retry shortly")
                    }
                    e => e.into(),
                })?;
        }
        Ok(v)
    })
}

/// Records a change in the audit log, with the evidence as it is now.
fn logged(conn: &mut DbConn, caller: &Caller, action: &str, v: EvidenceView) -> AppResult<EvidenceView> {
    let summary = serde_json::json!({
        "measure_id": v.measure_id, "title": v.title, "document_number": v.document_number, "document_date": v.document_date,
        "file_name": v.file.file_name, "sha256": v.file.sha256, "size": v.file.size, "version": v.version,
        "deleted": v.deleted.as_ref().map(|d| &d.reason),
    });
    audit::record(conn, caller, v.organisation_id, action, ("evidence", v.id), summary)?;
    Ok(v)
}

/// Evidence the caller sees, with its current file.
fn visible(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<(Evidence, EvidenceFile)> {
    let (e, f): (Evidence, EvidenceFile) = evidence::table
        .inner_join(evidence_files::table)
        .filter(evidence::id.eq(id))
        .select((Evidence::as_select(), EvidenceFile::as_select()))
        .first(conn)?;
    if !scope(conn, caller)?.sees_measure(conn, e.organisation_id, e.measure_id)? {
        return Err(AppError::not_found());
    }
    Ok((e, f))
}

/// Evidence the caller may change, at the expected version and not deleted.
fn editable(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<(Evidence, EvidenceFile)> {
    let (e, f) = visible(conn, caller, id)?;
    let m = visible_measure(conn, caller, e.measure_id)?;
    if !works_on(conn, caller, &m)? {
        return Err(refuse());
    }
    ensure_problem_open(conn, m.problem_id)?;
    expected.check(e.version)?;
    if e.deleted_at.is_some() {
        return Err(AppError::conflict("evidence_deleted", "deleted evidence is kept as it was"));
    }
    Ok((e, f))
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<EvidenceView> {
    let (e, f) = visible(conn, caller, id)?;
    Ok(view(e, f))
}

/// A new file for existing evidence: a new version; the old file stays.
pub fn replace_file(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    expected: &Precondition,
    file: &StoredFile,
    quota: u64,
) -> AppResult<EvidenceView> {
    write_tx(conn, |conn| {
        let (e, _) = editable(conn, caller, id, expected)?;
        reserve(conn, e.organisation_id, file.size, quota)?;
        let f = insert_file(conn, caller, e.organisation_id, file)?;
        let e: Evidence = diesel::update(evidence::table.find(id))
            .set((evidence::file_id.eq(f.id), evidence::version.eq(e.version + 1), evidence::updated_at.eq(f.uploaded_at)))
            .returning(evidence::all_columns)
            .get_result(conn)?;
        record_version(conn, caller, &e, Change::FileReplaced, None)?;
        signoffs::evidence_changed(conn, e.measure_id, &format!("替换了佐证材料《{}》的文件", e.title))?;
        logged(conn, caller, "evidence.replace_file", view(e, f))
    })
}

pub fn edit(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, patch: DetailsPatch) -> AppResult<EvidenceView> {
    write_tx(conn, |conn| {
        let (e, f) = editable(conn, caller, id, expected)?;
        let mut errors = Vec::new();
        let title = match &patch.title {
            Some(t) => required_text(&mut errors, "/title", t, 200),
            None => e.title.clone(),
        };
        let document_number = match &patch.document_number {
            Some(n) => Some(optional_text(&mut errors, "/document_number", n.as_deref().unwrap_or(""), 100)).filter(|n| !n.is_empty()),
            None => e.document_number.clone(),
        };
        let description = match &patch.description {
            Some(d) => optional_text(&mut errors, "/description", d, 4000),
            None => e.description.clone(),
        };
        check(errors)?;
        let e: Evidence = diesel::update(evidence::table.find(id))
            .set((
                evidence::title.eq(title),
                evidence::document_number.eq(document_number),
                evidence::document_date.eq(patch.document_date.unwrap_or(e.document_date)),
                evidence::description.eq(description),
                evidence::version.eq(e.version + 1),
                evidence::updated_at.eq(now()),
            ))
            .returning(evidence::all_columns)
            .get_result(conn)?;
        record_version(conn, caller, &e, Change::DetailsEdited, None)?;
        signoffs::evidence_changed(conn, e.measure_id, &format!("修改了佐证材料《{}》的信息", e.title))?;
        logged(conn, caller, "evidence.edit", view(e, f))
    })
}

/// Withdraws evidence: a tombstone with who, when and why; files and history stay.
pub fn delete(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, deletion: Deletion) -> AppResult<EvidenceView> {
    write_tx(conn, |conn| {
        let (e, f) = editable(conn, caller, id, expected)?;
        let reason = required("/reason", &deletion.reason, 1000)?;
        let t = now();
        let e: Evidence = diesel::update(evidence::table.find(id))
            .set((
                evidence::deleted_at.eq(t),
                evidence::deleted_by.eq(caller.user_id()),
                evidence::delete_reason.eq(&reason),
                evidence::version.eq(e.version + 1),
                evidence::updated_at.eq(t),
            ))
            .returning(evidence::all_columns)
            .get_result(conn)?;
        record_version(conn, caller, &e, Change::Deleted, Some(&reason))?;
        signoffs::evidence_changed(conn, e.measure_id, &format!("删除了佐证材料《{}》", e.title))?;
        logged(conn, caller, "evidence.delete", view(e, f))
    })
}

pub fn versions(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<Vec<VersionView>> {
    visible(conn, caller, id)?;
    let rows: Vec<(EvidenceVersion, EvidenceFile)> = evidence_versions::table
        .inner_join(evidence_files::table)
        .filter(evidence_versions::evidence_id.eq(id))
        .order(evidence_versions::version.desc())
        .select((EvidenceVersion::as_select(), EvidenceFile::as_select()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(v, f)| VersionView {
            version: v.version,
            change: Change::parse(&v.change),
            title: v.title,
            document_number: v.document_number,
            document_date: v.document_date,
            description: v.description,
            file: f.into(),
            reason: v.reason,
            changed_by: v.changed_by,
            changed_at: utc(v.changed_at),
        })
        .collect())
}

/// The file of the evidence as it was at `version` (the current one when absent).
pub fn file_at(conn: &mut DbConn, caller: &Caller, id: i64, version: Option<i64>) -> AppResult<EvidenceFile> {
    let (e, f) = visible(conn, caller, id)?;
    match version {
        None => Ok(f),
        Some(v) if v == e.version => Ok(f),
        Some(v) => Ok(evidence_versions::table
            .inner_join(evidence_files::table)
            .filter(evidence_versions::evidence_id.eq(id))
            .filter(evidence_versions::version.eq(v))
            .select(EvidenceFile::as_select())
            .first(conn)?),
    }
}

/// Every file the evidence has had, oldest first.
pub fn files_of(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<Vec<EvidenceFile>> {
    visible(conn, caller, id)?;
    let mut files: Vec<EvidenceFile> = evidence_versions::table
        .inner_join(evidence_files::table)
        .filter(evidence_versions::evidence_id.eq(id))
        .order(evidence_files::id)
        .select(EvidenceFile::as_select())
        .load(conn)?;
    files.dedup_by_key(|f| f.id);
    Ok(files)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    pub inspection_id: Option<i64>,
    pub problem_id: Option<i64>,
    pub measure_id: Option<i64>,
    pub file_type: Option<FileType>,
    /// Who submitted it.
    pub uploaded_by: Option<i64>,
    /// Document date on or after.
    pub document_date_from: Option<NaiveDate>,
    /// Document date on or before.
    pub document_date_to: Option<NaiveDate>,
    /// Substring of the document number (文号).
    pub document_number: Option<String>,
    /// Also list deleted evidence (shown with its tombstone).
    pub include_deleted: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

fn filtered<'a>(caller_scope: &'a super::ledger::LedgerScope, q: &'a EvidenceQuery) -> evidence::BoxedQuery<'a, MultiBackend> {
    let mut query = evidence::table.into_boxed::<MultiBackend>();
    if let OrgScope::Only(ids) = &caller_scope.orgs {
        query = query.filter(evidence::organisation_id.eq_any(ids.clone()));
    }
    if let Some(user) = caller_scope.assigned_to {
        query = query.filter(
            evidence::measure_id
                .eq_any(measure_assignees::table.filter(measure_assignees::user_id.eq(user)).select(measure_assignees::measure_id)),
        );
    }
    if let Some(v) = q.inspection_id {
        query = query.filter(evidence::inspection_id.eq(v));
    }
    if let Some(v) = q.problem_id {
        query = query.filter(evidence::problem_id.eq(v));
    }
    if let Some(v) = q.measure_id {
        query = query.filter(evidence::measure_id.eq(v));
    }
    if let Some(v) = q.file_type {
        query = query.filter(
            evidence::file_id.eq_any(evidence_files::table.filter(evidence_files::file_type.eq(v.as_str())).select(evidence_files::id)),
        );
    }
    if let Some(v) = q.uploaded_by {
        query = query.filter(evidence::created_by.eq(v));
    }
    if let Some(v) = q.document_date_from {
        query = query.filter(evidence::document_date.ge(v));
    }
    if let Some(v) = q.document_date_to {
        query = query.filter(evidence::document_date.le(v));
    }
    if let Some(text) = q.document_number.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        query = query.filter(evidence::document_number.like(p).escape('\\'));
    }
    if !q.include_deleted.unwrap_or(false) {
        query = query.filter(evidence::deleted_at.is_null());
    }
    query
}

/// Evidence the caller sees, newest first.
pub fn list(conn: &mut DbConn, caller: &Caller, q: &EvidenceQuery) -> AppResult<Page<EvidenceView>> {
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    if let Some(m) = q.measure_id {
        visible_measure(conn, caller, m)?;
    }
    let s = scope(conn, caller)?;
    let total: i64 = filtered(&s, q).count().get_result(conn)?;
    let ids: Vec<i64> = filtered(&s, q)
        .order((evidence::created_at.desc(), evidence::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(evidence::id)
        .load(conn)?;
    let rows: Vec<(Evidence, EvidenceFile)> = evidence::table
        .inner_join(evidence_files::table)
        .filter(evidence::id.eq_any(&ids))
        .order((evidence::created_at.desc(), evidence::id.desc()))
        .select((Evidence::as_select(), EvidenceFile::as_select()))
        .load(conn)?;
    Ok(Page { items: rows.into_iter().map(|(e, f)| view(e, f)).collect(), total, limit, offset })
}

/// Every stored file, for `rectify evidence verify`.
pub fn all_files(conn: &mut DbConn) -> AppResult<Vec<EvidenceFile>> {
    Ok(evidence_files::table.order(evidence_files::id).select(EvidenceFile::as_select()).load(conn)?)
}

/// Of these object keys, those no row refers to.
pub fn unreferenced(conn: &mut DbConn, keys: &[String]) -> AppResult<Vec<String>> {
    let mut known = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        let found: Vec<String> =
            evidence_files::table.filter(evidence_files::object_key.eq_any(chunk)).select(evidence_files::object_key).load(conn)?;
        known.extend(found);
    }
    Ok(keys.iter().filter(|k| !known.contains(*k)).cloned().collect())
}

/// Forgets replayable answers older than a day.
pub fn expire_idempotency_keys(conn: &mut DbConn) -> AppResult<usize> {
    let cutoff = now() - chrono::Duration::hours(24);
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff))).execute(conn)?)
}

/// Measures with evidence cannot be removed from the ledger.
pub fn measure_has_evidence(conn: &mut DbConn, measure_id: i64) -> AppResult<bool> {
    Ok(evidence::table.filter(evidence::measure_id.eq(measure_id)).select(evidence::id).first::<i64>(conn).optional()?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_metadata_and_path_tricks_are_refused() {
        assert_eq!(check_file_name(" 长职组〔2021〕16号.pdf ").unwrap(), "长职组〔2021〕16号.pdf");
        for bad in ["../../etc/passwd.pdf", "a/b.pdf", "C:\\Users\\a.pdf", "a\0.pdf", "..", "", "a\n.pdf"] {
            assert!(check_file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn upload_details_are_validated() {
        let form = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>();
        let d = Details::from_form(&form(&[
            ("title", " 会议纪要 "),
            ("document_number", "长职组〔2021〕16号"),
            ("document_date", "2021-09-01"),
        ]))
        .unwrap();
        assert_eq!(d.title, "会议纪要");
        assert_eq!(d.document_date, "2021-09-01".parse().ok());
        assert!(Details::from_form(&form(&[("title", "x"), ("document_date", "2021-13-01")])).is_err());
        assert!(Details::from_form(&form(&[("document_number", "x")])).is_err(), "a title is required");
    }
}
