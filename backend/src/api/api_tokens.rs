//! API tokens for other systems.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{BadRequest, Forbidden, Invalid, Json, NotFound, Unauthorized};
use crate::auth::{Authorized, ManageMembers};
use crate::domain::api_tokens::{self, ApiTokenQuery, ApiTokenView, CreatedApiToken, NewApiToken};
use crate::domain::Page;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_api_tokens).service(create_api_token).service(revoke_api_token);
}

/// Tokens of the organisations the caller manages (never the secrets).
#[utoipa::path(
    tag = "api-tokens",
    security(("bearer" = [])),
    params(ApiTokenQuery),
    responses((status = 200, description = "A page of tokens", body = Page<ApiTokenView>), BadRequest, Unauthorized, Forbidden, Invalid)
)]
#[get("/api-tokens")]
async fn list_api_tokens(
    auth: Authorized<ManageMembers>,
    state: web::Data<AppState>,
    q: web::Query<ApiTokenQuery>,
) -> AppResult<web::Json<Page<ApiTokenView>>> {
    let caller = auth.caller;
    Ok(web::Json(state.db(move |c| api_tokens::list(c, &caller, &q)).await?))
}

/// Create a token bound to an organisation. The secret is in this response only.
#[utoipa::path(
    tag = "api-tokens",
    security(("bearer" = [])),
    request_body = NewApiToken,
    responses((status = 201, description = "Created; `token` is shown once", body = CreatedApiToken), BadRequest, Unauthorized, Forbidden, NotFound, Invalid)
)]
#[post("/api-tokens")]
async fn create_api_token(auth: Authorized<ManageMembers>, state: web::Data<AppState>, body: Json<NewApiToken>) -> AppResult<HttpResponse> {
    let caller = auth.caller;
    let created = state.db(move |c| api_tokens::create(c, &caller, body.into_inner())).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(created))
}

/// Revoke a token; it stops working at once.
#[utoipa::path(
    tag = "api-tokens",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked"), Unauthorized, Forbidden, NotFound)
)]
#[delete("/api-tokens/{id}")]
async fn revoke_api_token(auth: Authorized<ManageMembers>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (caller, id) = (auth.caller, id.into_inner());
    state.db(move |c| api_tokens::revoke(c, &caller, id)).await?;
    state.callers.forget_token(id);
    Ok(HttpResponse::NoContent().finish())
}
