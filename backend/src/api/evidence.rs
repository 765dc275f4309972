//! Evidence endpoints: streamed uploads, versions, tombstones, safe downloads, verification.

use std::collections::HashMap;

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::header::{self, ContentType};
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{BadRequest, Conflict, Forbidden, IfMatch, Invalid, Json, NotFound, PreconditionFailed, PreconditionRequired, Unauthorized};
use crate::auth::{AnyCaller, Authorized, Caller};
use crate::domain::evidence::filetype::{self, FileType, ZipLimits};
use crate::domain::evidence::{self as ev, Deletion, Details, DetailsPatch, EvidenceQuery, EvidenceView, Replay, StoredFile, VersionView};
use crate::domain::Page;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::storage::{random_name, SpoolGuard, SpoolWriter, Spooled};
use crate::sweeper::{self, FileCheck, FileState};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(upload)
        .service(list_for_measure)
        .service(list_evidence)
        .service(get_one)
        .service(edit)
        .service(remove)
        .service(new_version)
        .service(versions)
        .service(content)
        .service(verify_evidence);
}

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
#[response(
    status = 413,
    description = "The file is larger than allowed, or the organisation's storage quota is used up",
    content_type = "application/problem+json"
)]
pub struct TooLarge(Problem);

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
#[response(
    status = 415,
    description = "Not an accepted file type, or the extension disagrees with the content",
    content_type = "application/problem+json"
)]
pub struct UnsupportedType(Problem);

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
#[response(
    status = 503,
    description = "`storage_unavailable`: the evidence storage (S3) does not answer in time; nothing was stored. Try again later",
    content_type = "application/problem+json"
)]
pub struct StorageUnavailable(Problem);

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
#[response(
    status = 507,
    description = "`storage_full`: the server's evidence storage is full; nothing was stored",
    content_type = "application/problem+json"
)]
pub struct StorageFull(Problem);

/// The upload form (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file; its name is kept as metadata only.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(example = "关于调整党委（扩大）会议制度的通知", min_length = 1, max_length = 200)]
    title: String,
    #[schema(example = "长职组〔2021〕16号", max_length = 100)]
    document_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    document_date: Option<String>,
    #[schema(max_length = 4000)]
    description: Option<String>,
}

/// A replacement file (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FileForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

const TEXT_FIELDS: [&str; 4] = ["title", "document_number", "document_date", "description"];

/// A parsed upload: the spooled file and the text fields.
struct Form {
    file: Option<(String, SpoolGuard, Spooled)>,
    fields: HashMap<String, String>,
}

pub(super) fn multipart_error(e: MultipartError) -> AppError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => {
            AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "multipart_required", "send the file as multipart/form-data")
        }
        _ => AppError::bad_request("invalid_multipart", "the upload was cut off or is not valid multipart/form-data"),
    }
}

fn too_large(max: u64) -> AppError {
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", format!("a file may be at most {} MiB", max / (1024 * 1024)))
}

/// Reads the form, streaming the file to a spool file: never the whole file in memory, and
/// refused as soon as it passes `max` bytes.
async fn read_form(mut payload: Multipart, state: &AppState, allowed: &[&str], max: u64) -> AppResult<Form> {
    let mut form = Form { file: None, fields: HashMap::new() };
    while let Some(field) = payload.next().await {
        let field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if form.file.is_some() {
                return Err(AppError::bad_request("one_file_per_upload", "send one file per upload"));
            }
            let file_name = field
                .content_disposition()
                .and_then(|cd| {
                    cd.get_filename_ext()
                        .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                        .or(cd.get_filename().map(str::to_owned))
                })
                .unwrap_or_default();
            let (guard, spooled) = spool(field, state, max).await?;
            form.file = Some((file_name, guard, spooled));
        } else if allowed.contains(&name.as_str()) {
            let text = read_text(field).await?;
            form.fields.insert(name, text);
        } else {
            return Err(AppError::validation(vec![crate::error::FieldError::new(
                &format!("/{name}"),
                "unknown_field",
                "not a field of this form",
            )]));
        }
    }
    Ok(form)
}

async fn spool(mut field: Field, state: &AppState, max: u64) -> AppResult<(SpoolGuard, Spooled)> {
    let (guard, file) = state.storage.spool_file()?;
    let mut writer = SpoolWriter::start(file);
    let mut size = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large(max));
        }
        writer.write(chunk).await?;
    }
    Ok((guard, writer.finish().await?))
}

async fn read_text(mut field: Field) -> AppResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        buf.extend_from_slice(&chunk.map_err(multipart_error)?);
        if buf.len() > 64 * 1024 {
            return Err(AppError::bad_request("field_too_long", "text fields are at most 64 KiB"));
        }
    }
    String::from_utf8(buf).map_err(|_| AppError::bad_request("invalid_utf8", "text fields must be UTF-8"))
}

/// The checked, typed file of a form, moved to its final key in storage.
async fn store_file(
    state: &AppState,
    organisation_id: i64,
    file: Option<(String, SpoolGuard, Spooled)>,
) -> AppResult<(StoredFile, SpoolGuard)> {
    let (raw_name, guard, spooled) =
        file.ok_or_else(|| AppError::validation(vec![crate::error::FieldError::new("/file", "required", "attach a file")]))?;
    let file_name = ev::check_file_name(&raw_name)?;
    if spooled.size == 0 {
        return Err(AppError::validation(vec![crate::error::FieldError::new("/file", "empty_file", "the file is empty")]));
    }
    let limits = ZipLimits { max_entries: state.config.zip_max_entries, max_uncompressed: state.config.zip_max_uncompressed };
    let (path, name, head, tail) = (guard.path().to_path_buf(), file_name.clone(), spooled.head.clone(), spooled.tail.clone());
    let file_type = web::block(move || {
        let f = std::fs::File::open(path).map_err(AppError::internal)?;
        filetype::classify(&name, &head, &tail, std::io::BufReader::new(f), limits)
            .map_err(|r| AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, r.code(), r.detail()))
    })
    .await??;
    let stored = StoredFile {
        object_key: format!("evidence/{organisation_id}/{}", random_name()),
        file_name,
        file_type,
        size: spooled.size,
        sha256: spooled.sha256,
    };
    state.storage.finalize(&guard, &stored.object_key).await?;
    Ok((stored, guard))
}

/// Records a finalized file; if that fails the object is removed at once (else the sweeper would).
async fn record<T: Send + 'static>(
    state: &AppState,
    stored: &StoredFile,
    f: impl FnOnce(&mut crate::db::DbConn) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let result = state.db(f).await;
    if result.is_err() {
        let _ = state.storage.delete(&stored.object_key).await;
    }
    result
}

fn idempotency_key(req: &HttpRequest) -> AppResult<Option<String>> {
    let Some(v) = req.headers().get("Idempotency-Key") else { return Ok(None) };
    // A bare key, or one quoted as a structured-field string (the IETF draft's form).
    let v = v.to_str().unwrap_or("").trim();
    let v = v.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(v);
    if v.is_empty() || v.len() > 255 || !v.bytes().all(|b| b.is_ascii_graphic() && b != b'"') {
        return Err(AppError::bad_request("invalid_idempotency_key", "Idempotency-Key: 1 to 255 visible ASCII characters"));
    }
    Ok(Some(v.to_string()))
}

fn created(v: &EvidenceView) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::ETAG, format!("\"{}\"", v.version)))
        .insert_header((header::LOCATION, format!("/api/v1/evidence/{}", v.id)))
        .json(v)
}

/// Submits evidence for a measure. A retry with the same `Idempotency-Key` returns the first
/// answer and stores nothing again; the same key with a different file or details is refused.
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path, description = "Measure id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Stored", body = EvidenceView, headers(("ETag" = String), ("Location" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooLarge, UnsupportedType, Invalid, StorageUnavailable, StorageFull))]
#[post("/measures/{id}/evidence")]
async fn upload(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let (caller, measure_id) = (auth.caller, id.into_inner());
    let key = idempotency_key(&req)?;
    let quota = state.config.storage_quota;
    // Refuse before reading the body when the caller may not, or the quota is already used up.
    let (c, declared) = (caller.clone(), content_length(&req));
    let m = state
        .db(move |conn| {
            let m = ev::may_submit(conn, &c, measure_id)?;
            // The body's length includes the form around the file: allow for it.
            let file_at_least = declared.unwrap_or(0).saturating_sub(64 * 1024);
            if ev::storage_used(conn, m.organisation_id)? as u64 + file_at_least.max(1) > quota {
                return Err(ev::quota_exceeded(quota as i64));
            }
            Ok(m)
        })
        .await?;
    let form = read_form(payload, &state, &TEXT_FIELDS, state.config.max_file_size).await?;
    let details = Details::from_form(&form.fields)?;
    let replay = match key {
        None => None,
        Some(key) => {
            let sha = form.file.as_ref().map(|f| f.2.sha256.clone()).unwrap_or_default();
            let fingerprint = hex::encode(Sha256::digest(serde_json::to_vec(&(measure_id, sha, &details)).map_err(AppError::internal)?));
            let principal = ev::principal_of(&caller);
            let (p, k) = (principal.clone(), key.clone());
            if let Some((first, status, body)) = state.db(move |c| ev::replay(c, &p, &k)).await? {
                if first != fingerprint {
                    return Err(AppError::validation(vec![crate::error::FieldError::new(
                        "",
                        "idempotency_key_reused",
                        "this Idempotency-Key was used for a different upload",
                    )]));
                }
                let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::CREATED);
                return Ok(HttpResponse::build(status)
                    .content_type(ContentType::json())
                    .insert_header(("Idempotent-Replayed", "true"))
                    .body(body));
            }
            Some(Replay { principal, key, fingerprint })
        }
    };
    let (stored, _spool) = store_file(&state, m.organisation_id, form.file).await?;
    let s = stored.clone();
    let v = record(&state, &stored, move |c| ev::create(c, &caller, measure_id, details, &s, quota, replay)).await?;
    Ok(created(&v))
}

fn content_length(req: &HttpRequest) -> Option<u64> {
    req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// Replaces the file: a new version; the previous files stay and remain downloadable.
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)),
    request_body(content = FileForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "The new version", body = EvidenceView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, TooLarge, UnsupportedType, Invalid,
        StorageUnavailable, StorageFull))]
#[post("/evidence/{id}/versions")]
async fn new_version(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let (caller, id, quota) = (auth.caller, id.into_inner(), state.config.storage_quota);
    let c = caller.clone();
    let current = state.db(move |conn| ev::get(conn, &c, id)).await?;
    // Checked before the upload too, so a stale request does not store a file for nothing.
    v.0.check(current.version)?;
    let form = read_form(payload, &state, &[], state.config.max_file_size).await?;
    let (stored, _spool) = store_file(&state, current.organisation_id, form.file).await?;
    let s = stored.clone();
    let view = record(&state, &stored, move |c| ev::replace_file(c, &caller, id, &v.0, &s, quota)).await?;
    Ok(created(&view))
}

/// Evidence of one measure (current versions, newest first).
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path, description = "Measure id"), EvidenceQuery),
    responses((status = 200, description = "A page of evidence", body = Page<EvidenceView>), BadRequest, Unauthorized, NotFound))]
#[get("/measures/{id}/evidence")]
async fn list_for_measure(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<EvidenceQuery>,
) -> AppResult<web::Json<Page<EvidenceView>>> {
    let q = EvidenceQuery { measure_id: Some(id.into_inner()), ..q.into_inner() };
    Ok(web::Json(state.db(move |c| ev::list(c, &auth.caller, &q)).await?))
}

/// Evidence across the ledger the caller sees, filtered (inspection, problem, type, uploader,
/// document date, document number).
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(EvidenceQuery),
    responses((status = 200, description = "A page of evidence", body = Page<EvidenceView>), BadRequest, Unauthorized, NotFound))]
#[get("/evidence")]
async fn list_evidence(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    q: web::Query<EvidenceQuery>,
) -> AppResult<web::Json<Page<EvidenceView>>> {
    Ok(web::Json(state.db(move |c| ev::list(c, &auth.caller, &q)).await?))
}

fn with_version(v: &EvidenceView) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::ETAG, format!("\"{}\"", v.version))).json(v)
}

/// One piece of evidence with its current file (also when deleted: then with its tombstone).
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The evidence", body = EvidenceView, headers(("ETag" = String))), Unauthorized, NotFound))]
#[get("/evidence/{id}")]
async fn get_one(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    Ok(with_version(&state.db(move |c| ev::get(c, &auth.caller, id)).await?))
}

/// Edits the details (title, document number and date, description): a new version.
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = DetailsPatch,
    responses((status = 200, description = "The new version", body = EvidenceView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, Invalid))]
#[patch("/evidence/{id}")]
async fn edit(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<DetailsPatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    Ok(with_version(&state.db(move |c| ev::edit(c, &auth.caller, id, &v.0, body.into_inner())).await?))
}

/// Withdraws evidence with a reason: a tombstone; the files and history are kept.
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = Deletion,
    responses((status = 200, description = "The evidence with its tombstone", body = EvidenceView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, Invalid))]
#[delete("/evidence/{id}")]
async fn remove(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<Deletion>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    Ok(with_version(&state.db(move |c| ev::delete(c, &auth.caller, id, &v.0, body.into_inner())).await?))
}

/// Every version, newest first.
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The history", body = Vec<VersionView>), Unauthorized, NotFound))]
#[get("/evidence/{id}/versions")]
async fn versions(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<web::Json<Vec<VersionView>>> {
    let id = id.into_inner();
    Ok(web::Json(state.db(move |c| ev::versions(c, &auth.caller, id)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContentQuery {
    /// A version of the evidence (the current one when absent).
    pub version: Option<i64>,
    /// Show in the browser instead of downloading: images and PDF only, in a sandbox.
    pub inline: Option<bool>,
}

/// The file, as an attachment, with `Range` support. `ETag` is the SHA-256 of the content.
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path), ContentQuery, ("Range" = Option<String>, Header)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("ETag" = String), ("Content-Disposition" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "Part of the file", content_type = "application/octet-stream", body = Vec<u8>, headers(("Content-Range" = String))),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 416, description = "The range lies outside the file", content_type = "application/problem+json"),
        (status = 503, description = "`evidence_missing`: the stored file is gone (see verify); `storage_unavailable`: the evidence storage (S3) does not answer in time",
            content_type = "application/problem+json"),
        BadRequest, Unauthorized, NotFound))]
#[get("/evidence/{id}/content")]
async fn content(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<ContentQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let (id, version) = (id.into_inner(), q.version);
    let file = state.db(move |c| ev::file_at(c, &auth.caller, id, version)).await?;
    let file_type = FileType::parse(&file.file_type).unwrap_or(FileType::Text);
    let inline = q.inline.unwrap_or(false);
    if inline && !file_type.inline_allowed() {
        return Err(AppError::bad_request("inline_not_allowed", "only images and PDF are shown inline"));
    }
    let etag = format!("\"{}\"", file.sha256);
    if req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag)) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let size = file.size as u64;
    // A range applies only while the file is the one the client started with (If-Range).
    let if_range_ok = req.headers().get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.trim() == etag);
    let range = match req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|_| if_range_ok) {
        None => None,
        Some(h) => match parse_range(h, size) {
            Ok(r) => r,
            Err(()) => {
                let mut resp = AppError::new(StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable", "the range lies outside the file")
                    .to_response(None, None);
                resp.headers_mut()
                    .insert(header::CONTENT_RANGE, header::HeaderValue::from_str(&format!("bytes */{size}")).map_err(AppError::internal)?);
                return Ok(resp);
            }
        },
    };
    let result = state.storage.get(&file.object_key, range.clone()).await?;
    let body = result.into_stream().map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    let mut resp = match &range {
        Some(r) => {
            let mut b = HttpResponse::PartialContent();
            b.insert_header((header::CONTENT_RANGE, format!("bytes {}-{}/{size}", r.start, r.end - 1)));
            b
        }
        None => HttpResponse::Ok(),
    };
    let len = range.as_ref().map(|r| r.end - r.start).unwrap_or(size);
    Ok(resp
        .insert_header((header::CONTENT_TYPE, file.content_type.as_str()))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(if inline { "inline" } else { "attachment" }, &file.file_name)))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        // Served as stored: never re-encoded on the way (ranges count stored bytes).
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .no_chunking(len)
        .streaming(body))
}

/// `Range: bytes=…` of a file of `size` bytes: `Ok(None)` to send it whole (no or several
/// ranges, or a malformed header, which RFC 9110 lets a server ignore), `Err` when unsatisfiable.
pub fn parse_range(header: &str, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return Ok(None) };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => start..(end + 1).min(size),
        (Ok(start), Err(_)) if b.is_empty() => start..size,
        (Err(_), Ok(suffix)) if a.is_empty() => size.saturating_sub(suffix)..size,
        _ => return Ok(None),
    };
    if range.start >= size || range.is_empty() {
        return Err(());
    }
    Ok(Some(range))
}

/// RFC 6266: an ASCII fallback name and the exact UTF-8 name (RFC 8187 encoding).
pub fn content_disposition(kind: &str, file_name: &str) -> String {
    content_disposition_with(kind, file_name, file_name)
}

/// [`content_disposition`] with another name for clients that read only the ASCII `filename`
/// (every character outside printable ASCII becomes `_` there).
pub fn content_disposition_with(kind: &str, file_name: &str, ascii_name: &str) -> String {
    let fallback: String =
        ascii_name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyReport {
    pub evidence_id: i64,
    /// Every file of every version is present and hashes to what was recorded.
    pub intact: bool,
    pub files: Vec<FileCheck>,
}

/// Re-hashes every file the evidence has had and compares with what was recorded at upload.
#[utoipa::path(tag = "evidence", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "What was found", body = VerifyReport), Unauthorized, NotFound, StorageUnavailable))]
#[get("/evidence/{id}/verify")]
async fn verify_evidence(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<VerifyReport>> {
    let evidence_id = id.into_inner();
    let caller: Caller = auth.caller;
    let files = state.db(move |c| ev::files_of(c, &caller, evidence_id)).await?;
    let mut checks = Vec::with_capacity(files.len());
    for f in &files {
        checks.push(sweeper::check(&state.storage, f).await?);
    }
    Ok(web::Json(VerifyReport { evidence_id, intact: checks.iter().all(|c| c.state == FileState::Intact), files: checks }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range("bytes=0-99", 1000), Ok(Some(0..100)));
        assert_eq!(parse_range("bytes=900-", 1000), Ok(Some(900..1000)));
        assert_eq!(parse_range("bytes=-100", 1000), Ok(Some(900..1000)));
        assert_eq!(parse_range("bytes=990-2000", 1000), Ok(Some(990..1000)), "clipped to the end");
        assert_eq!(parse_range("bytes=1000-", 1000), Err(()), "starts past the end");
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Ok(None), "several ranges: the whole file");
        assert_eq!(parse_range("items=0-1", 1000), Ok(None));
        assert_eq!(parse_range("bytes=5-1", 1000), Ok(None));
    }

    #[test]
    fn chinese_file_names_survive_the_content_disposition() {
        assert_eq!(
            content_disposition("attachment", "长职组〔2021〕16号.pdf"),
            "attachment; filename=\"____2021_16_.pdf\"; filename*=UTF-8''%E9%95%BF%E8%81%8C%E7%BB%84%E3%80%942021%E3%80%9516%E5%8F%B7.pdf"
        );
        assert!(content_disposition("inline", "a \"b\".png").starts_with("inline; filename=\"a _b_.png\""));
    }
}
