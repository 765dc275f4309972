//! Documents out: the public report (整改情况报告) with its versions, edits and release, and the
//! rectification plan (整改方案). Who may do what is decided in `domain::reports::store`.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{with_etag, BadRequest, Forbidden, IfMatch, Invalid, Json, NotFound, PreconditionFailed, PreconditionRequired, Unauthorized};
use crate::auth::{AnyCaller, Authorized};
use crate::domain::reports::store::{self, Format, Rendered, ReportDetail, ReportPatch, ReportView};
use crate::domain::Page;
use crate::error::{AppResult, Problem};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_reports)
        .service(create_report)
        .service(get_report)
        .service(update_report)
        .service(release_report)
        .service(report_document)
        .service(inspection_plan);
}

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
#[response(
    status = 409,
    description = "The report is released and frozen (`report_released`): create a new version",
    content_type = "application/problem+json",
    example = json!({"type": "urn:rectify:problem:report_released", "title": "Conflict", "status": 409,
        "detail": "the report is released and frozen; create a new version to change it", "code": "report_released"})
)]
struct Released(Problem);

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
#[response(status = 406, description = "The format is not offered (`unsupported_format`)", content_type = "application/problem+json")]
struct NotAcceptable(Problem);

/// Versions of an inspection's report, newest first (staff: released ones).
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(("id" = i64, Path, description = "Inspection id")),
    responses((status = 200, description = "The versions", body = Page<ReportView>), Unauthorized, NotFound))]
#[get("/inspections/{id}/reports")]
async fn list_reports(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Page<ReportView>>> {
    let (id, who) = (id.into_inner(), auth.caller);
    Ok(web::Json(state.db(move |c| store::list(c, &who, id)).await?))
}

/// A new draft of the inspection's report (coordinator): the editable parts of the latest
/// version, or a first draft made from the ledger.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(("id" = i64, Path, description = "Inspection id")),
    responses((status = 201, description = "Created", body = ReportDetail, headers(("ETag" = String))), Unauthorized, Forbidden, NotFound,
        (status = 409, description = "A draft is open (`draft_open`): edit or release it first", body = Problem, content_type = "application/problem+json")))]
#[post("/inspections/{id}/reports")]
async fn create_report(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (id, who) = (id.into_inner(), auth.caller);
    let d = state.db(move |c| store::create(c, &who, id)).await?;
    Ok(with_etag(StatusCode::CREATED, d.report.version, &d))
}

/// A report: its editable parts, the public and (for those who read the whole ledger) the
/// internal edition as sections of paragraphs, and what differs between them.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The report", body = ReportDetail, headers(("ETag" = String))), Unauthorized, NotFound))]
#[get("/reports/{id}")]
async fn get_report(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (id, who) = (id.into_inner(), auth.caller);
    let d = state.db(move |c| store::get(c, &who, id)).await?;
    Ok(with_etag(StatusCode::OK, d.report.version, &d))
}

/// Edit a draft (coordinator): free text blocks, headings, contact, withheld problems and
/// measures, public wording per measure, redaction rules and terms.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = ReportPatch,
    responses((status = 200, description = "Updated", body = ReportDetail, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, Released, PreconditionFailed, Invalid, PreconditionRequired))]
#[patch("/reports/{id}")]
async fn update_report(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<ReportPatch>,
) -> AppResult<HttpResponse> {
    let (id, who, patch) = (id.into_inner(), auth.caller, body.into_inner());
    let d = state.db(move |c| store::update(c, &who, id, &v.0, patch)).await?;
    Ok(with_etag(StatusCode::OK, d.report.version, &d))
}

/// Release the public edition (the leader of the inspection's leading group): the report is
/// frozen, its public DOCX stored for ever and its SHA-256 written to the audit log.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses((status = 200, description = "Released", body = ReportDetail, headers(("ETag" = String))), BadRequest, Unauthorized,
        (status = 403, description = "Not the leader of the leading group (`not_group_leader`)", body = Problem, content_type = "application/problem+json"),
        NotFound, Released, PreconditionFailed, PreconditionRequired))]
#[post("/reports/{id}/release")]
async fn release_report(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
) -> AppResult<HttpResponse> {
    let (id, who) = (id.into_inner(), auth.caller);
    let d = state.db(move |c| store::release(c, &who, id, &v.0)).await?;
    Ok(with_etag(StatusCode::OK, d.report.version, &d))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `docx` (the default) or `html` (a whole printable page); another answers 406.
    #[param(value_type = Option<crate::domain::reports::store::Format>)]
    pub format: Option<String>,
    /// `public` (the default, 社会公开稿) or `internal` (those who read the whole ledger).
    #[param(value_type = Option<crate::domain::reports::model::Edition>)]
    pub edition: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// `docx` (the default) or `html`; another answers 406.
    #[param(value_type = Option<crate::domain::reports::store::Format>)]
    pub format: Option<String>,
}

/// The print view opens in the browser; the Word file downloads, under its Chinese name.
fn disposition(r: &Rendered) -> String {
    let kind = if r.format == Format::Html { "inline" } else { "attachment" };
    super::evidence::content_disposition_with(kind, &r.file_name, &format!("document.{}", r.format.extension()))
}

fn rendered(r: Rendered) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(r.format.content_type())
        .insert_header((header::CONTENT_DISPOSITION, disposition(&r)))
        .insert_header(("X-Content-SHA256", r.sha256.clone()))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(r.bytes)
}

/// The report as a document: DOCX laid out per GB/T 9704-2012, or HTML for printing. A released
/// report's public DOCX is the stored one, byte for byte (its SHA-256 in `X-Content-SHA256`).
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(("id" = i64, Path), DocumentQuery),
    responses((status = 200, description = "The document", content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (String = "text/html")),
            headers(("X-Content-SHA256" = String, description = "SHA-256 of the body"))),
        Unauthorized, Forbidden, NotFound, NotAcceptable, Invalid))]
#[get("/reports/{id}/document")]
async fn report_document(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<DocumentQuery>,
) -> AppResult<HttpResponse> {
    let (id, who) = (id.into_inner(), auth.caller);
    let format = Format::parse(q.format.as_deref())?;
    let edition = store::parse_edition(q.edition.as_deref())?;
    Ok(rendered(state.db(move |c| store::document(c, &who, id, format, edition)).await?))
}

/// The rectification plan (整改方案): title, opening and the three lists (问题清单、任务清单、
/// 责任清单) as landscape tables with merged cells per problem. Staff: their own measures.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = i64, Path), PlanQuery),
    responses((status = 200, description = "The plan", content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (String = "text/html"))),
        Unauthorized, NotFound, NotAcceptable))]
#[get("/inspections/{id}/plan")]
async fn inspection_plan(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<PlanQuery>,
) -> AppResult<HttpResponse> {
    let (id, who) = (id.into_inner(), auth.caller);
    let format = Format::parse(q.format.as_deref())?;
    Ok(rendered(state.db(move |c| store::plan_document(c, &who, id, format)).await?))
}
