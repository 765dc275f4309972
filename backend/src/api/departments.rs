//! Departments of an organisation.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    with_etag, BadRequest, Conflict, Forbidden, IfMatch, Invalid, Json, NotFound, PreconditionFailed, PreconditionRequired, Unauthorized,
};
use crate::auth::{AnyCaller, Authorized, ManageMembers};
use crate::domain::departments::{self, DepartmentInput, DepartmentView};
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_departments).service(create_department).service(rename_department).service(delete_department);
}

/// The departments of an organisation the caller may see.
#[utoipa::path(
    tag = "departments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organisation id")),
    responses((status = 200, description = "Departments, by name", body = Vec<DepartmentView>), Unauthorized, NotFound)
)]
#[get("/organisations/{id}/departments")]
async fn list_departments(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<web::Json<Vec<DepartmentView>>> {
    let (caller, id) = (auth.caller, id.into_inner());
    Ok(web::Json(state.db(move |c| departments::list(c, &caller, id)).await?))
}

/// Add a department (admin, or the organisation's coordinator).
#[utoipa::path(
    tag = "departments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organisation id")),
    request_body = DepartmentInput,
    responses(
        (status = 201, description = "Created", body = DepartmentView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Invalid
    )
)]
#[post("/organisations/{id}/departments")]
async fn create_department(
    auth: Authorized<ManageMembers>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: Json<DepartmentInput>,
) -> AppResult<HttpResponse> {
    let (caller, id) = (auth.caller, id.into_inner());
    let d = state.db(move |c| departments::create(c, &caller, id, body.into_inner())).await?;
    Ok(with_etag(StatusCode::CREATED, d.version, &DepartmentView::from(d)))
}

/// Rename a department.
#[utoipa::path(
    tag = "departments",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version read, e.g. \"3\"")),
    request_body = DepartmentInput,
    responses(
        (status = 200, description = "Renamed", body = DepartmentView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, Invalid, PreconditionRequired
    )
)]
#[patch("/departments/{id}")]
async fn rename_department(
    auth: Authorized<ManageMembers>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    version: IfMatch,
    body: Json<DepartmentInput>,
) -> AppResult<HttpResponse> {
    let (caller, id) = (auth.caller, id.into_inner());
    let d = state.db(move |c| departments::rename(c, &caller, id, &version.0, body.into_inner())).await?;
    Ok(with_etag(StatusCode::OK, d.version, &DepartmentView::from(d)))
}

/// Delete a department; its members stay, without a department.
#[utoipa::path(
    tag = "departments",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version read, e.g. \"3\"")),
    responses(
        (status = 204, description = "Deleted"),
        Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired
    )
)]
#[delete("/departments/{id}")]
async fn delete_department(
    auth: Authorized<ManageMembers>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    version: IfMatch,
) -> AppResult<HttpResponse> {
    let (caller, id) = (auth.caller, id.into_inner());
    let org = state.db(move |c| departments::delete(c, &caller, id, &version.0)).await?;
    // Members of the department now have none.
    state.callers.forget_organisation(org);
    Ok(HttpResponse::NoContent().finish())
}
