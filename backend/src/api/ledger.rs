//! The rectification ledger: inspections, categories, problems, measures, progress, the 台账
//! view and statistics. Who may do what is decided per object in `domain::ledger`.

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    with_etag, BadRequest, Conflict, Forbidden, IfMatch, Invalid, Json, NotFound, PreconditionFailed, PreconditionRequired, Unauthorized,
};
use crate::auth::{AnyCaller, Authorized};
use crate::domain::audit::AuditView;
use crate::domain::ledger::closeout::{self, CloseoutInput, ReopenInput};
use crate::domain::ledger::comments::{self, CommentView, NewComment, Subject};
use crate::domain::ledger::extensions::{self, ExtensionDecisionInput, ExtensionView, NewExtension};
use crate::domain::ledger::import::{self, ImportReport, OnExisting};
use crate::domain::ledger::inspections::{self, InspectionPatch, InspectionQuery, InspectionView, NewInspection};
use crate::domain::ledger::lookbacks::{self, LookbackView, NewLookback};
use crate::domain::ledger::measures::{self, MeasurePatch, MeasureView, NewMeasure, ProgressEntry, ProgressInput};
use crate::domain::ledger::query::{self, InspectionStats, LedgerRow, MeasureQuery};
use crate::domain::ledger::signoffs::{self, BatchSignoffInput, BatchSignoffResult, SignoffInput, SignoffOutcome, SignoffsView};
use crate::domain::ledger::structure::{self, CategoryInput, CategoryView, NewProblem, ProblemPatch, ProblemView};
use crate::domain::Page;
use crate::error::{AppResult, Problem};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_inspections)
        .service(create_inspection)
        .service(get_inspection)
        .service(submit_measure)
        .service(sign_measure)
        .service(sign_many)
        .service(list_signoffs)
        .service(measure_timeline)
        .service(request_closeout)
        .service(measure_lookbacks)
        .service(lookback_measure)
        .service(problem_lookbacks)
        .service(lookback_problem)
        .service(list_extensions)
        .service(request_extension)
        .service(decide_extension)
        .service(measure_comments)
        .service(comment_measure)
        .service(problem_comments)
        .service(comment_problem)
        .service(decide_closeout)
        .service(reopen_problem)
        .service(update_inspection)
        .service(delete_inspection)
        .service(list_categories)
        .service(create_category)
        .service(reorder_categories)
        .service(rename_category)
        .service(delete_category)
        .service(list_problems)
        .service(create_problem)
        .service(reorder_problems)
        .service(get_problem)
        .service(update_problem)
        .service(delete_problem)
        .service(list_problem_measures)
        .service(create_measure)
        .service(reorder_measures)
        .service(list_measures)
        .service(get_measure)
        .service(update_measure)
        .service(delete_measure)
        .service(report_progress)
        .service(progress_history)
        .service(inspection_ledger)
        .service(inspection_stats)
        .service(import_ledger);
}

/// A new order: every id of the collection exactly once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub ids: Vec<i64>,
}

macro_rules! db {
    ($state:expr, $caller:expr, |$c:ident, $who:ident| $body:expr) => {{
        let $who = $caller;
        $state.db(move |$c| $body).await?
    }};
}

/// Inspections the caller may see, newest first.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(InspectionQuery),
    responses((status = 200, description = "A page of inspections", body = Page<InspectionView>), BadRequest, Unauthorized, Invalid))]
#[get("/inspections")]
async fn list_inspections(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    q: web::Query<InspectionQuery>,
) -> AppResult<web::Json<Page<InspectionView>>> {
    Ok(web::Json(db!(state, auth.caller, |c, who| inspections::list(c, &who, &q))))
}

/// Create an inspection round with its leading group (coordinator).
#[utoipa::path(tag = "inspections", security(("bearer" = [])), request_body = NewInspection,
    responses((status = 201, description = "Created", body = InspectionView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, Invalid))]
#[post("/inspections")]
async fn create_inspection(auth: Authorized<AnyCaller>, state: web::Data<AppState>, body: Json<NewInspection>) -> AppResult<HttpResponse> {
    let v = db!(state, auth.caller, |c, who| inspections::create(c, &who, body.into_inner()));
    Ok(with_etag(StatusCode::CREATED, v.version, &v))
}

/// One inspection with its leading group.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The inspection", body = InspectionView, headers(("ETag" = String))), Unauthorized, NotFound))]
#[get("/inspections/{id}")]
async fn get_inspection(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = db!(state, auth.caller, |c, who| inspections::get(c, &who, id));
    Ok(with_etag(StatusCode::OK, v.version, &v))
}

/// Change an inspection; `leading_group`, when given, replaces the group.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = InspectionPatch,
    responses((status = 200, description = "Updated", body = InspectionView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired))]
#[patch("/inspections/{id}")]
async fn update_inspection(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<InspectionPatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let r = db!(state, auth.caller, |c, who| inspections::update(c, &who, id, &v.0, body.into_inner()));
    Ok(with_etag(StatusCode::OK, r.version, &r))
}

/// Delete an inspection that has no categories yet.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired))]
#[delete("/inspections/{id}")]
async fn delete_inspection(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    db!(state, auth.caller, |c, who| inspections::delete(c, &who, id, &v.0));
    Ok(HttpResponse::NoContent().finish())
}

/// Categories (方面) of an inspection, in order.
#[utoipa::path(tag = "categories", security(("bearer" = [])), params(("id" = i64, Path, description = "Inspection id")),
    responses((status = 200, description = "Categories", body = Vec<CategoryView>), Unauthorized, NotFound))]
#[get("/inspections/{id}/categories")]
async fn list_categories(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<CategoryView>>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| structure::list_categories(c, &who, id))))
}

/// Add a category at the end.
#[utoipa::path(tag = "categories", security(("bearer" = [])), params(("id" = i64, Path, description = "Inspection id")), request_body = CategoryInput,
    responses((status = 201, description = "Created", body = CategoryView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, Invalid))]
#[post("/inspections/{id}/categories")]
async fn create_category(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<CategoryInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = db!(state, auth.caller, |c, who| structure::create_category(c, &who, id, body.into_inner()));
    Ok(with_etag(StatusCode::CREATED, v.version, &v))
}

/// Reorder the categories; problems are renumbered to follow.
#[utoipa::path(tag = "categories", security(("bearer" = [])), params(("id" = i64, Path, description = "Inspection id"), ("If-Match" = String, Header, description = "The inspection's version")), request_body = Order,
    responses((status = 200, description = "Categories in the new order; ETag: the inspection's new version", body = Vec<CategoryView>), BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired))]
#[put("/inspections/{id}/categories/order")]
async fn reorder_categories(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<Order>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (version, items) = db!(state, auth.caller, |c, who| structure::reorder_categories(c, &who, id, &v.0, body.into_inner().ids));
    Ok(with_etag(StatusCode::OK, version, &items))
}

/// Rename a category.
#[utoipa::path(tag = "categories", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = CategoryInput,
    responses((status = 200, description = "Renamed", body = CategoryView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired))]
#[patch("/categories/{id}")]
async fn rename_category(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<CategoryInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let r = db!(state, auth.caller, |c, who| structure::rename_category(c, &who, id, &v.0, body.into_inner()));
    Ok(with_etag(StatusCode::OK, r.version, &r))
}

/// Delete an empty category.
#[utoipa::path(tag = "categories", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired))]
#[delete("/categories/{id}")]
async fn delete_category(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    db!(state, auth.caller, |c, who| structure::delete_category(c, &who, id, &v.0));
    Ok(HttpResponse::NoContent().finish())
}

/// Problems of an inspection, numbered 1…N (staff: those with a measure assigned to them).
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path, description = "Inspection id")),
    responses((status = 200, description = "Problems", body = Vec<ProblemView>), Unauthorized, NotFound))]
#[get("/inspections/{id}/problems")]
async fn list_problems(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<ProblemView>>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| structure::list_problems(c, &who, id))))
}

/// Add a problem at the end of its category.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path, description = "Inspection id")), request_body = NewProblem,
    responses((status = 201, description = "Created", body = ProblemView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, Invalid))]
#[post("/inspections/{id}/problems")]
async fn create_problem(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<NewProblem>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = db!(state, auth.caller, |c, who| structure::create_problem(c, &who, id, body.into_inner()));
    Ok(with_etag(StatusCode::CREATED, v.version, &v))
}

/// Reorder the problems of one category.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path, description = "Category id"), ("If-Match" = String, Header, description = "The category's version")), request_body = Order,
    responses((status = 200, description = "The category's problems in the new order; ETag: the category's new version", body = Vec<ProblemView>), BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired))]
#[put("/categories/{id}/problems/order")]
async fn reorder_problems(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<Order>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (version, items) = db!(state, auth.caller, |c, who| structure::reorder_problems(c, &who, id, &v.0, body.into_inner().ids));
    Ok(with_etag(StatusCode::OK, version, &items))
}

/// One problem.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The problem", body = ProblemView, headers(("ETag" = String))), Unauthorized, NotFound))]
#[get("/problems/{id}")]
async fn get_problem(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = db!(state, auth.caller, |c, who| structure::get_problem(c, &who, id));
    Ok(with_etag(StatusCode::OK, v.version, &v))
}

/// Change a problem; a new `category_id` moves it to the end of that category.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = ProblemPatch,
    responses((status = 200, description = "Updated", body = ProblemView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired))]
#[patch("/problems/{id}")]
async fn update_problem(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<ProblemPatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let r = db!(state, auth.caller, |c, who| structure::update_problem(c, &who, id, &v.0, body.into_inner()));
    Ok(with_etag(StatusCode::OK, r.version, &r))
}

/// Delete a problem without measures; the rest are renumbered.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired))]
#[delete("/problems/{id}")]
async fn delete_problem(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    db!(state, auth.caller, |c, who| structure::delete_problem(c, &who, id, &v.0));
    Ok(HttpResponse::NoContent().finish())
}

/// Measures of a problem, ①②③… (staff: those assigned to them).
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path, description = "Problem id")),
    responses((status = 200, description = "Measures", body = Vec<MeasureView>), Unauthorized, NotFound))]
#[get("/problems/{id}/measures")]
async fn list_problem_measures(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<MeasureView>>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| measures::list_for_problem(c, &who, id))))
}

/// Add a measure with its responsibility (责任领导, 牵头/配合处室, 责任人, 时间节点).
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path, description = "Problem id")), request_body = NewMeasure,
    responses((status = 201, description = "Created", body = MeasureView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, Invalid))]
#[post("/problems/{id}/measures")]
async fn create_measure(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<NewMeasure>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = db!(state, auth.caller, |c, who| measures::create(c, &who, id, body.into_inner()));
    Ok(with_etag(StatusCode::CREATED, v.version, &v))
}

/// Reorder the measures of a problem.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path, description = "Problem id"), ("If-Match" = String, Header, description = "The problem's version")), request_body = Order,
    responses((status = 200, description = "Measures in the new order; ETag: the problem's new version", body = Vec<MeasureView>), BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired))]
#[put("/problems/{id}/measures/order")]
async fn reorder_measures(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<Order>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let (version, items) = db!(state, auth.caller, |c, who| measures::reorder(c, &who, id, &v.0, body.into_inner().ids));
    Ok(with_etag(StatusCode::OK, version, &items))
}

/// Every measure the caller may see, filtered, sorted and paged.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(MeasureQuery),
    responses((status = 200, description = "A page of measures", body = Page<MeasureView>), BadRequest, Unauthorized, Invalid))]
#[get("/measures")]
async fn list_measures(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    q: web::Query<MeasureQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let plan = query::list_plan(&auth.caller, &state.org_revisions().await?, req.query_string());
    let (key, revision) = (plan.key.clone(), plan.revision);
    let json = state.pages.get_or_build(key, revision, state.db(move |c| query::list_json(c, &plan, &q))).await?;
    Ok(HttpResponse::Ok().content_type(ContentType::json()).body(json))
}

/// Hands the measure in for sign-off (needs evidence): `submitted`.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses((status = 200, description = "Submitted", body = MeasureView, headers(("ETag" = String))),
        Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired))]
#[post("/measures/{id}/submit")]
async fn submit_measure(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let m = db!(state, auth.caller, |c, who| signoffs::submit(c, &who, id, &v.0));
    Ok(with_etag(StatusCode::OK, m.version, &m))
}

/// A decision on the stage that is waiting: `approve`, or `return` with a reason. The stage
/// follows from the measure's status; the caller must be its reviewer.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = SignoffInput,
    responses((status = 201, description = "Recorded; the measure moved on (or back)", body = SignoffOutcome, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, Invalid))]
#[post("/measures/{id}/signoffs")]
async fn sign_measure(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<SignoffInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let outcome = db!(state, auth.caller, |c, who| signoffs::decide(c, &who, id, &v.0, body.into_inner()));
    Ok(with_etag(StatusCode::CREATED, outcome.measure.version, &outcome))
}

/// The same decision on several measures at once (批量审核). Each measure is decided on its own
/// (its own transaction, every rule of a single decision, at the version given); the answer
/// says per measure whether it was recorded or why not.
#[utoipa::path(tag = "measures", security(("bearer" = [])), request_body = BatchSignoffInput,
    responses((status = 200, description = "Per measure: recorded, or the refusal's code", body = BatchSignoffResult),
        BadRequest, Unauthorized, Invalid))]
#[post("/signoffs/batch")]
async fn sign_many(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    body: Json<BatchSignoffInput>,
) -> AppResult<web::Json<BatchSignoffResult>> {
    Ok(web::Json(db!(state, auth.caller, |c, who| signoffs::decide_many(c, &who, body.into_inner()))))
}

/// The measure's sign-offs, newest first, each with whether the evidence still matches.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The sign-offs", body = SignoffsView), Unauthorized, NotFound))]
#[get("/measures/{id}/signoffs")]
async fn list_signoffs(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<web::Json<SignoffsView>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| signoffs::list(c, &who, id))))
}

/// One merged history of the measure: changes, progress, submissions, sign-offs and returns,
/// and its evidence's uploads, versions and deletions, oldest first.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The history", body = Vec<AuditView>), Unauthorized, NotFound))]
#[get("/measures/{id}/timeline")]
async fn measure_timeline(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<AuditView>>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| crate::domain::audit::timeline(c, &who, id))))
}

/// Asks the supervising bureau to close the problem out (销号); every measure must be done.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses((status = 200, description = "Close-out requested", body = ProblemView, headers(("ETag" = String))),
        Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired))]
#[post("/problems/{id}/closeout")]
async fn request_closeout(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let p = db!(state, auth.caller, |c, who| closeout::request(c, &who, id, &v.0));
    Ok(with_etag(StatusCode::OK, p.version, &p))
}

/// The supervising bureau closes the problem, or returns it naming the measures that need more.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = CloseoutInput,
    responses((status = 200, description = "Closed or returned", body = ProblemView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, Invalid))]
#[post("/problems/{id}/closeout/decision")]
async fn decide_closeout(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<CloseoutInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let p = db!(state, auth.caller, |c, who| closeout::decide(c, &who, id, &v.0, body.into_inner()));
    Ok(with_etag(StatusCode::OK, p.version, &p))
}

/// The supervising bureau reopens a closed-out problem, with a reason; the measures it names go
/// back to `in_progress`. Until then a closed-out problem, its measures and their evidence are
/// read-only (409 `problem_closed_out`).
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = ReopenInput,
    responses((status = 200, description = "Reopened", body = ProblemView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired, Invalid))]
#[post("/problems/{id}/reopen")]
async fn reopen_problem(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<ReopenInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let p = db!(state, auth.caller, |c, who| closeout::reopen(c, &who, id, &v.0, body.into_inner()));
    Ok(with_etag(StatusCode::OK, p.version, &p))
}

/// Comments on a measure, oldest first.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The comments", body = Vec<CommentView>), Unauthorized, NotFound))]
#[get("/measures/{id}/comments")]
async fn measure_comments(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<CommentView>>> {
    let subject = Subject::Measure(id.into_inner());
    Ok(web::Json(db!(state, auth.caller, |c, who| comments::list(c, &who, subject))))
}

/// Comments on a measure: anyone who sees it.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)), request_body = NewComment,
    responses((status = 201, description = "Posted", body = CommentView), BadRequest, Unauthorized, Forbidden, NotFound, Invalid))]
#[post("/measures/{id}/comments")]
async fn comment_measure(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<NewComment>,
) -> AppResult<HttpResponse> {
    let subject = Subject::Measure(id.into_inner());
    let c = db!(state, auth.caller, |c, who| comments::create(c, &who, subject, body.into_inner()));
    Ok(HttpResponse::Created().json(c))
}

/// Comments on a problem, oldest first.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The comments", body = Vec<CommentView>), Unauthorized, NotFound))]
#[get("/problems/{id}/comments")]
async fn problem_comments(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<CommentView>>> {
    let subject = Subject::Problem(id.into_inner());
    Ok(web::Json(db!(state, auth.caller, |c, who| comments::list(c, &who, subject))))
}

/// Comments on a problem: anyone who sees it.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)), request_body = NewComment,
    responses((status = 201, description = "Posted", body = CommentView), BadRequest, Unauthorized, Forbidden, NotFound, Invalid))]
#[post("/problems/{id}/comments")]
async fn comment_problem(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<NewComment>,
) -> AppResult<HttpResponse> {
    let subject = Subject::Problem(id.into_inner());
    let c = db!(state, auth.caller, |c, who| comments::create(c, &who, subject, body.into_inner()));
    Ok(HttpResponse::Created().json(c))
}

/// Extension requests of a measure, newest first; the approved ones are its deadline history.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The requests", body = Vec<ExtensionView>), Unauthorized, NotFound))]
#[get("/measures/{id}/extensions")]
async fn list_extensions(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<ExtensionView>>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| extensions::list(c, &who, id))))
}

/// Asks for a later deadline (延期申请), with a reason: the measure's assignees or its responsible leader.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)), request_body = NewExtension,
    responses((status = 201, description = "Requested", body = ExtensionView), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
#[post("/measures/{id}/extensions")]
async fn request_extension(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<NewExtension>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let e = db!(state, auth.caller, |c, who| extensions::request(c, &who, id, body.into_inner()));
    Ok(HttpResponse::Created().json(e))
}

/// The leader of the inspection's leading group approves (the deadline moves) or rejects (with a comment).
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ExtensionDecisionInput,
    responses((status = 200, description = "Decided", body = ExtensionView), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
#[post("/extensions/{id}/decision")]
async fn decide_extension(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<ExtensionDecisionInput>,
) -> AppResult<web::Json<ExtensionView>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| extensions::decide(c, &who, id, body.into_inner()))))
}

/// Look-backs (回头看) of a measure, newest first.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The look-backs", body = Vec<LookbackView>), Unauthorized, NotFound))]
#[get("/measures/{id}/lookbacks")]
async fn measure_lookbacks(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<LookbackView>>> {
    let subject = Subject::Measure(id.into_inner());
    Ok(web::Json(db!(state, auth.caller, |c, who| lookbacks::list(c, &who, subject))))
}

/// Records a look-back on a verified measure (discipline committee or supervising bureau); a rebound reopens it.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)), request_body = NewLookback,
    responses((status = 201, description = "Recorded", body = LookbackView), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
#[post("/measures/{id}/lookbacks")]
async fn lookback_measure(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<NewLookback>,
) -> AppResult<HttpResponse> {
    let subject = Subject::Measure(id.into_inner());
    Ok(HttpResponse::Created().json(db!(state, auth.caller, |c, who| lookbacks::record(c, &who, subject, body.into_inner()))))
}

/// Look-backs (回头看) of a problem, newest first.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The look-backs", body = Vec<LookbackView>), Unauthorized, NotFound))]
#[get("/problems/{id}/lookbacks")]
async fn problem_lookbacks(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<LookbackView>>> {
    let subject = Subject::Problem(id.into_inner());
    Ok(web::Json(db!(state, auth.caller, |c, who| lookbacks::list(c, &who, subject))))
}

/// Records a look-back on a closed-out problem; a rebound reopens it and its measures.
#[utoipa::path(tag = "problems", security(("bearer" = [])), params(("id" = i64, Path)), request_body = NewLookback,
    responses((status = 201, description = "Recorded", body = LookbackView), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Invalid))]
#[post("/problems/{id}/lookbacks")]
async fn lookback_problem(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<NewLookback>,
) -> AppResult<HttpResponse> {
    let subject = Subject::Problem(id.into_inner());
    Ok(HttpResponse::Created().json(db!(state, auth.caller, |c, who| lookbacks::record(c, &who, subject, body.into_inner()))))
}

/// One measure.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "The measure", body = MeasureView, headers(("ETag" = String))), Unauthorized, NotFound))]
#[get("/measures/{id}")]
async fn get_measure(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = db!(state, auth.caller, |c, who| measures::get(c, &who, id));
    Ok(with_etag(StatusCode::OK, v.version, &v))
}

/// Change a measure (coordinator; the responsible leader for the measures it leads).
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = MeasurePatch,
    responses((status = 200, description = "Updated", body = MeasureView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired))]
#[patch("/measures/{id}")]
async fn update_measure(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<MeasurePatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let r = db!(state, auth.caller, |c, who| measures::update(c, &who, id, &v.0, body.into_inner()));
    Ok(with_etag(StatusCode::OK, r.version, &r))
}

/// Delete a measure; the rest of its problem are renumbered.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, PreconditionFailed, PreconditionRequired))]
#[delete("/measures/{id}")]
async fn delete_measure(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    db!(state, auth.caller, |c, who| measures::delete(c, &who, id, &v.0));
    Ok(HttpResponse::NoContent().finish())
}

/// Report progress (整改进展): assignees, the responsible leader or the coordinator. Kept in the history.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path), ("If-Match" = String, Header)), request_body = ProgressInput,
    responses((status = 200, description = "Recorded", body = MeasureView, headers(("ETag" = String))), BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired))]
#[patch("/measures/{id}/progress")]
async fn report_progress(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    v: IfMatch,
    body: Json<ProgressInput>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let r = db!(state, auth.caller, |c, who| measures::report_progress(c, &who, id, &v.0, body.into_inner()));
    Ok(with_etag(StatusCode::OK, r.version, &r))
}

/// The progress history of a measure, newest first: who, when, what.
#[utoipa::path(tag = "measures", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "History", body = Vec<ProgressEntry>), Unauthorized, NotFound))]
#[get("/measures/{id}/progress")]
async fn progress_history(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<ProgressEntry>>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| measures::progress_history(c, &who, id))))
}

/// The 整改台账: one row per measure with its problem and category, in ledger order, with the
/// filters of `GET /measures`.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = i64, Path), MeasureQuery),
    responses((status = 200, description = "Ledger rows", body = Page<LedgerRow>), BadRequest, Unauthorized, NotFound, Invalid))]
#[get("/inspections/{id}/ledger")]
async fn inspection_ledger(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<MeasureQuery>,
) -> AppResult<web::Json<Page<LedgerRow>>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| query::ledger(c, &who, id, q.into_inner()))))
}

/// Counts and completion overall, by category, lead department and responsible leader;
/// overdue and due within 7 days.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Statistics", body = InspectionStats), Unauthorized, Forbidden, NotFound))]
#[get("/inspections/{id}/stats")]
async fn inspection_stats(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<InspectionStats>> {
    let id = id.into_inner();
    Ok(web::Json(db!(state, auth.caller, |c, who| query::stats(c, &who, id))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check and preview only; nothing is written.
    pub dry_run: Option<bool>,
    /// What to do with the document's categories, problems and measures that the inspection
    /// already holds: `skip`, `update` or `add`. Needed for a real import when there are any.
    pub on_existing: Option<OnExisting>,
}

/// Import categories, problems and measures from a ledger document (the format of
/// `fixtures/changyang-2021/ledger.json`, with optional `feedback`, `responsible_leader`,
/// `lead_department`, `supporting_departments`, `assignees` (names), `kind` (立行立改 / 限期整改 /
/// 长期坚持 or the codes), `deadline`, `title`). A category with the title of one the inspection
/// holds, a problem with the title of one in that category and a measure with the title of one
/// in that problem (trimmed) already exist: `on_existing` says whether to skip them, update
/// them (as an edit would; measures handed in for sign-off or done, and closed-out problems,
/// stay as they are) or add them anyway. `dry_run=true` answers what each choice would create,
/// update and skip, the preview with each item new or existing, and every error with its JSON
/// pointer; a real import is all or nothing (422 with the same errors; 409
/// `import_has_existing` when something exists and no choice is given).
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = i64, Path), ImportQuery),
    request_body(content = Object, description = "The ledger document"),
    responses((status = 200, description = "Dry run: the preview, the choices and the errors", body = ImportReport),
              (status = 201, description = "Imported", body = ImportReport),
              BadRequest, Unauthorized, Forbidden, NotFound,
              (status = 409, description = "The document repeats what the inspection holds and `on_existing` is not given (`import_has_existing`)", body = Problem, content_type = "application/problem+json",
                  example = json!({"type": "urn:rectify:problem:import_has_existing", "title": "Conflict", "status": 409,
                      "detail": "3 categories, 30 problems and 105 measures of the document are already in the inspection; choose on_existing=skip, update or add",
                      "code": "import_has_existing"})),
              Invalid))]
#[post("/inspections/{id}/import")]
async fn import_ledger(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    q: web::Query<ImportQuery>,
    body: Json<serde_json::Map<String, serde_json::Value>>,
) -> AppResult<HttpResponse> {
    let (id, dry_run, on_existing) = (id.into_inner(), q.dry_run.unwrap_or(false), q.on_existing);
    let body = serde_json::Value::Object(body.into_inner());
    let report = db!(state, auth.caller, |c, who| import::import(c, &who, id, &body, dry_run, on_existing, &mut |_, _| {}));
    Ok(HttpResponse::build(if dry_run { StatusCode::OK } else { StatusCode::CREATED }).json(report))
}
