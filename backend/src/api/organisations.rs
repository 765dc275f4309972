//! Organisations.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    with_etag, BadRequest, Conflict, Forbidden, IfMatch, Invalid, Json, NotFound, PreconditionFailed, PreconditionRequired, Unauthorized,
};
use crate::auth::{AnyCaller, Authorized, ManageOrganisations};
use crate::domain::organisations::{self, NewOrganisation, OrganisationPatch, OrganisationQuery, OrganisationView};
use crate::domain::Page;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_organisations).service(create_organisation).service(get_organisation).service(update_organisation);
}

/// Organisations the caller may see: all for an admin, a bureau and its schools for a bureau
/// supervisor, otherwise one's own.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(OrganisationQuery),
    responses((status = 200, description = "A page of organisations", body = Page<OrganisationView>), BadRequest, Unauthorized, Invalid)
)]
#[get("/organisations")]
async fn list_organisations(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    q: web::Query<OrganisationQuery>,
) -> AppResult<web::Json<Page<OrganisationView>>> {
    let caller = auth.caller;
    Ok(web::Json(state.db(move |c| organisations::list(c, &caller, &q)).await?))
}

/// Create an organisation (admin).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    request_body = NewOrganisation,
    responses(
        (status = 201, description = "Created", body = OrganisationView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, Conflict, Invalid
    )
)]
#[post("/organisations")]
async fn create_organisation(
    auth: Authorized<ManageOrganisations>,
    state: web::Data<AppState>,
    body: Json<NewOrganisation>,
) -> AppResult<HttpResponse> {
    let org = state.db(move |c| organisations::create(c, &auth.caller, body.into_inner())).await?;
    Ok(with_etag(StatusCode::CREATED, org.version, &OrganisationView::from(org)))
}

/// One organisation the caller may see.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The organisation", body = OrganisationView, headers(("ETag" = String))), Unauthorized, NotFound)
)]
#[get("/organisations/{id}")]
async fn get_organisation(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (caller, id) = (auth.caller, id.into_inner());
    let org = state.db(move |c| organisations::get(c, &caller, id)).await?;
    Ok(with_etag(StatusCode::OK, org.version, &OrganisationView::from(org)))
}

/// Rename an organisation, change its time zone or supervising bureau (admin).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version read, e.g. \"3\"")),
    request_body = OrganisationPatch,
    responses(
        (status = 200, description = "Updated", body = OrganisationView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, Invalid, PreconditionRequired
    )
)]
#[patch("/organisations/{id}")]
async fn update_organisation(
    auth: Authorized<ManageOrganisations>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    version: IfMatch,
    body: Json<OrganisationPatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let org = state.db(move |c| organisations::update(c, &auth.caller, id, &version.0, body.into_inner())).await?;
    state.callers.forget_organisation(id);
    Ok(with_etag(StatusCode::OK, org.version, &OrganisationView::from(org)))
}
