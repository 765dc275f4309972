//! Exports of the ledger (整改台账): an inspection's workbook, and the measure list as XLSX or
//! CSV with the filters of `GET /measures`. The documents are written in `domain::exports` to
//! an anonymous temporary file and streamed from it.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::evidence::content_disposition_with;
use super::{BadRequest, Invalid, NotFound, Unauthorized};
use crate::auth::{AnyCaller, Authorized};
use crate::domain::exports::read::{self, Export};
use crate::domain::exports::ExportFormat;
use crate::domain::ledger::query::MeasureQuery;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_measures).service(inspection_workbook);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` (the default) or `csv`.
    #[param(value_type = Option<ExportFormat>)]
    pub format: Option<String>,
}

impl ExportQuery {
    fn format(&self) -> AppResult<ExportFormat> {
        match self.format.as_deref() {
            None => Ok(ExportFormat::Xlsx),
            Some(f) => ExportFormat::parse(f)
                .ok_or_else(|| AppError::field("/format", "unsupported_file_type", "the export is written as xlsx or csv")),
        }
    }
}

/// Where exports are written while they are made (anonymous files, gone once sent).
fn scratch(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("exports")
}

/// The measure list as a document: every measure the caller may see that matches the filters
/// of `GET /measures` (`limit` and `offset` are ignored: all of them, in the list's order).
/// Staff get their own measures; a supervisor of the education bureau every school it
/// supervises, with a 单位 column. The workbook has the sheets 整改台账 (one row per measure,
/// category and problem merged over their rows), 签核记录, 退回记录, 延期记录 and 统计; the CSV
/// is the ledger sheet alone, UTF-8 with a byte order mark. An unknown `format` is refused with
/// 422 `validation_failed` (`/format`: `unsupported_file_type`). `limit` and `offset` do not apply.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(ExportQuery, MeasureQuery),
    responses((status = 200, description = "The document, as an attachment with a Chinese file name (RFC 6266 `filename*`)",
            content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv; charset=utf-8")),
            headers(("Content-Disposition" = String))),
        BadRequest, Unauthorized, Invalid))]
#[get("/measures/export")]
async fn export_measures(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    f: web::Query<ExportQuery>,
    q: web::Query<MeasureQuery>,
) -> AppResult<HttpResponse> {
    let format = f.format()?;
    // A whole export: `limit` and `offset` do not apply, but they are still checked.
    crate::domain::page_bounds(q.limit, q.offset)?;
    let dir = scratch(&state);
    let caller = auth.caller;
    let export = state.db(move |c| read::measures_export(c, &caller, q.into_inner(), format, &dir)).await?;
    respond(export)
}

/// The inspection's 整改台账 as an Excel workbook, with the filters of its JSON ledger
/// (`limit` and `offset` are ignored): the sheets 整改台账, 签核记录, 退回记录, 延期记录 and 统计.
/// Staff get the rows of their own measures.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = i64, Path), MeasureQuery),
    responses((status = 200, description = "The workbook, as an attachment with a Chinese file name (RFC 6266 `filename*`)",
            content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String))),
        BadRequest, Unauthorized, NotFound, Invalid))]
#[get("/inspections/{id}/ledger.xlsx")]
async fn inspection_workbook(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<MeasureQuery>,
) -> AppResult<HttpResponse> {
    crate::domain::page_bounds(q.limit, q.offset)?;
    let (id, dir, caller) = (id.into_inner(), scratch(&state), auth.caller);
    let export = state.db(move |c| read::inspection_workbook(c, &caller, id, q.into_inner(), &dir)).await?;
    respond(export)
}

/// Streams the export's file as an attachment.
fn respond(export: Export) -> AppResult<HttpResponse> {
    let len = export.file.metadata().map_err(AppError::internal)?.len();
    let mut resp = HttpResponse::Ok();
    resp.insert_header((header::CONTENT_TYPE, export.format.media_type()))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition_with("attachment", &export.file_name, &export.ascii_name)));
    if export.format == ExportFormat::Xlsx {
        // Already a zip: compressing it again costs time and saves nothing.
        resp.insert_header((header::CONTENT_ENCODING, "identity"));
    }
    Ok(resp.no_chunking(len).streaming(file_stream(export.file)))
}

/// A file's content in chunks, read off the runtime's threads; ends after the first error.
fn file_stream(file: std::fs::File) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let file = Some(tokio::fs::File::from_std(file));
    futures_util::stream::unfold(file, |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 256 * 1024];
        match tokio::io::AsyncReadExt::read(&mut file, &mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}
