//! User accounts.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    with_etag, BadRequest, Conflict, Forbidden, IfMatch, Invalid, Json, NotFound, PreconditionFailed, PreconditionRequired, Unauthorized,
};
use crate::auth::{password, AnyCaller, Authorized, ManageMembers};
use crate::domain::users::{self, NewUser, UserPatch, UserQuery, UserView};
use crate::domain::Page;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_users).service(create_user).service(get_user).service(update_user).service(reset_user_password);
}

/// Users of the organisations the caller may see (the directory of colleagues).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserQuery),
    responses((status = 200, description = "A page of users", body = Page<UserView>), BadRequest, Unauthorized, Invalid)
)]
#[get("/users")]
async fn list_users(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    q: web::Query<UserQuery>,
) -> AppResult<web::Json<Page<UserView>>> {
    let caller = auth.caller;
    Ok(web::Json(state.db(move |c| users::list(c, &caller, &q)).await?))
}

/// Create a user (admin anywhere; a coordinator in its own organisation, without the admin and
/// bureau_supervisor roles).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Invalid
    )
)]
#[post("/users")]
async fn create_user(auth: Authorized<ManageMembers>, state: web::Data<AppState>, body: Json<NewUser>) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    users::precheck_new(&input)?;
    let hash = state.hasher.hash(input.password.clone()).await?;
    let caller = auth.caller;
    let user = state.db(move |c| users::create(c, &caller, input, hash)).await?;
    Ok(with_etag(StatusCode::CREATED, user.version, &user))
}

/// One user of an organisation the caller may see.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "The user", body = UserView, headers(("ETag" = String))), Unauthorized, NotFound)
)]
#[get("/users/{id}")]
async fn get_user(auth: Authorized<AnyCaller>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (caller, id) = (auth.caller, id.into_inner());
    let user = state.db(move |c| users::get(c, &caller, id)).await?;
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

/// Change a user's name, title, department, roles or active flag. Disabling ends the user's
/// sessions at once.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version read, e.g. \"3\"")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "Updated", body = UserView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, Invalid, PreconditionRequired
    )
)]
#[patch("/users/{id}")]
async fn update_user(
    auth: Authorized<ManageMembers>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    version: IfMatch,
    body: Json<UserPatch>,
) -> AppResult<HttpResponse> {
    let (caller, id) = (auth.caller, id.into_inner());
    let user = state.db(move |c| users::update(c, &caller, id, &version.0, body.into_inner())).await?;
    state.callers.forget_user(id);
    Ok(with_etag(StatusCode::OK, user.version, &user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Set a new password for another user (admin, or the organisation's coordinator for the
/// accounts it manages). Ends the user's sessions. One's own password changes at
/// `/me/password`, with the current one (403 `own_password` here).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version read, e.g. \"3\"")),
    request_body = PasswordReset,
    responses(
        (status = 200, description = "Password set", body = UserView, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Invalid, PreconditionRequired
    )
)]
#[post("/users/{id}/password")]
async fn reset_user_password(
    auth: Authorized<ManageMembers>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    version: IfMatch,
    body: Json<PasswordReset>,
) -> AppResult<HttpResponse> {
    let (caller, id) = (auth.caller, id.into_inner());
    // Visibility and permission first, so the hash is not computed for a refused request.
    let check_caller = caller.clone();
    let username = state.db(move |c| users::resettable(c, &check_caller, id)).await?;
    let new_password = body.into_inner().new_password;
    password::check_policy(&new_password, &username, "/new_password").map_err(|e| AppError::validation(vec![e]))?;
    let hash = state.hasher.hash(new_password).await?;
    let user = state.db(move |c| users::reset_password(c, &caller, id, &version.0, hash)).await?;
    state.callers.forget_user(id);
    Ok(with_etag(StatusCode::OK, user.version, &user))
}
