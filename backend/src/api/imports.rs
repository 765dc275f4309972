//! Documents in: a feedback document, a report or a 台账 read into a draft ledger to review.
//! Committing goes through the ledger import (`POST /inspections/{id}/import`, or
//! `POST /inspections` with a `ledger` for a new inspection).

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::evidence::multipart_error;
use super::{BadRequest, Forbidden, Invalid, Unauthorized};
use crate::auth::{AnyCaller, Authorized};
use crate::domain::imports::preview::{self, Choices, ImportPreview, Input};
use crate::domain::ledger::{edits_ledger, refuse_edit};
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(preview_import);
}

/// The largest document read: a feedback document or 台账 is far smaller.
pub const MAX_IMPORT: usize = 20 * 1024 * 1024;

/// Documents read at once, each on a blocking thread: a large PDF or workbook takes seconds of
/// a core, and the others wait their turn rather than take every core.
static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Pasted text to read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextImport {
    /// The document's text, as copied from Word, a PDF or a web page.
    #[schema(min_length = 1, max_length = 2_000_000)]
    pub text: String,
}

/// An uploaded document (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// .docx, .pdf (with a text layer), .txt (UTF-8 or GBK), .xlsx, .xls or .csv; at most 20 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `Choices` as JSON text: which sheet and what some columns hold, e.g.
    /// `{"sheet": 0, "columns": [{"column": 2, "field": "measure"}]}`. The column choices are
    /// kept for the organisation's next 台账.
    #[schema(value_type = Option<String>, content_media_type = "application/json")]
    choices: Option<String>,
}

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
#[response(status = 413, description = "The document is larger than 20 MiB", content_type = "application/problem+json")]
struct TooLarge(Problem);

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
#[response(status = 415, description = "Neither `multipart/form-data` nor `application/json`", content_type = "application/problem+json")]
struct Unsupported(Problem);

fn too_large() -> AppError {
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", format!("a document may be at most {} MiB", MAX_IMPORT / (1024 * 1024)))
}

async fn read_limited<S, E>(mut stream: S, max: usize, err: impl Fn(E) -> AppError) -> AppResult<Vec<u8>>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
{
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(&err)?;
        if buf.len() + chunk.len() > max {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn choices_from(text: &[u8]) -> AppResult<Choices> {
    // A form sends an empty field for a choice left as it was.
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(Choices::default());
    }
    serde_json::from_slice(text).map_err(|e| AppError::field("/choices", "invalid_choices", format!("not valid choices: {e}")))
}

async fn read_form(headers: &HeaderMap, payload: web::Payload) -> AppResult<(Input, Choices)> {
    let mut form = Multipart::new(headers, payload);
    let mut file = None;
    let mut choices = Choices::default();
    while let Some(field) = form.next().await {
        let field = field.map_err(multipart_error)?;
        match field.name().unwrap_or_default() {
            "file" if file.is_some() => return Err(AppError::bad_request("one_file_per_upload", "send one document at a time")),
            "file" => {
                let name = field.content_disposition().and_then(|cd| cd.get_filename().map(str::to_owned));
                let bytes = read_limited(field, MAX_IMPORT, multipart_error).await?;
                file = Some(Input::File { bytes, name });
            }
            "choices" => choices = choices_from(&read_limited(field, 64 * 1024, multipart_error).await?)?,
            other => return Err(AppError::field(&format!("/{other}"), "unknown_field", "not a field of this form")),
        }
    }
    let file = file.ok_or_else(|| AppError::field("/file", "required", "attach a document"))?;
    Ok((file, choices))
}

/// Read a document into a draft ledger to review
///
/// The feedback document (反馈意见), a rectification plan or report, as pasted text or a file
/// (.docx with Word's automatic numbering, .pdf with a text layer, .txt in UTF-8 or GBK), or a
/// 台账 (.xlsx, .xls, .csv, or a table in a .docx) with its columns guessed from their headers.
/// Answers the draft (categories → problems → measures with their source lines and warnings),
/// the inspection's metadata, the declared figures compared with what was read, the source
/// lines, and the names matched to the organisation's accounts and departments. Nothing is
/// written, except the column choices of a 台账, kept for the organisation's next one. For the
/// organisation's coordinator (整改办), administrators and write tokens.
#[utoipa::path(tag = "imports", security(("bearer" = [])),
    request_body(content(
        (ImportForm = "multipart/form-data"),
        (TextImport = "application/json"))),
    responses((status = 200, description = "The draft to review", body = ImportPreview),
        BadRequest, Unauthorized, Forbidden, TooLarge, Unsupported,
        (status = 422, description = "The document cannot be read: empty, a .doc/.wps file (`save_as_docx`), a scanned PDF (`scanned_pdf`), an unknown format (`unsupported_format`), or invalid choices",
            body = Problem, content_type = "application/problem+json"),
        Invalid))]
#[post("/imports")]
async fn preview_import(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> AppResult<web::Json<ImportPreview>> {
    // Refused before the body is read.
    if !edits_ledger(&auth.caller, auth.caller.organisation_id) {
        return Err(refuse_edit());
    }
    let media = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let (input, choices) = if media.starts_with("multipart/form-data") {
        read_form(req.headers(), payload).await?
    } else if media.starts_with("application/json") {
        let body = read_limited(payload, MAX_IMPORT, |_| AppError::bad_request("invalid_body", "the request body was cut off")).await?;
        let t: TextImport =
            serde_json::from_slice(&body).map_err(|e| crate::error::json_error(actix_web::error::JsonPayloadError::Deserialize(e)))?;
        if t.text.trim().is_empty() {
            return Err(AppError::field("/text", "required", "paste the document's text"));
        }
        if t.text.chars().count() > crate::domain::imports::read::MAX_CHARS {
            return Err(AppError::field("/text", "too_long", "at most 2,000,000 characters"));
        }
        (Input::Text(t.text), Choices::default())
    } else {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send multipart/form-data with a file, or JSON with text",
        ));
    };
    let file_name = match &input {
        Input::File { name, .. } => name.clone().filter(|n| !n.is_empty()),
        Input::Text(_) => None,
    };
    let who = auth.caller;
    let w = who.clone();
    let saved = state.db(move |c| preview::saved_choices(c, &w)).await?;
    // Reading a large PDF or workbook takes a while: off the request threads, without holding
    // a database connection.
    let c = choices.clone();
    let _turn = READING.acquire().await.map_err(AppError::internal)?;
    let parsed = web::block(move || preview::parse_input(input, &saved, &c)).await.map_err(AppError::internal)??;
    Ok(web::Json(state.db(move |conn| preview::preview(conn, &who, parsed, file_name, &choices)).await?))
}
