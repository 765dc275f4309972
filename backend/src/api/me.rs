//! The signed-in user.

use std::time::Instant;

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::token_pair;
use super::{BadRequest, Forbidden, Invalid, Json, NotFound, TooManyRequests, Unauthorized};
use crate::auth::{password, Authorized, SignedIn};
use crate::domain::ledger::tasks::{self, Tasks};
use crate::domain::notifications::{self, Inbox, InboxQuery};
use crate::domain::sessions::{self, PasswordChange, TokenPair};
use crate::domain::users::{self, Me};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_me).service(my_tasks).service(my_notifications).service(read_all).service(read_one).service(change_my_password);
}

/// The signed-in user, with its organisation.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = Me), Unauthorized, Forbidden)
)]
#[get("/me")]
async fn get_me(auth: Authorized<SignedIn>) -> AppResult<HttpResponse> {
    // Resolved with the token (and refreshed whenever this instance changes the user).
    let me = auth.caller.me.clone().ok_or_else(|| AppError::internal("a signed-in caller without a profile"))?;
    Ok(HttpResponse::Ok().json(&*me))
}

/// What waits for the signed-in user, with counts per kind: measures to work on, sign-offs
/// whose turn is theirs, overdue measures they answer for, look-backs that are due.
#[utoipa::path(tag = "me", security(("bearer" = [])), responses((status = 200, description = "The work queue", body = Tasks), Unauthorized, Forbidden))]
#[get("/me/tasks")]
async fn my_tasks(auth: Authorized<SignedIn>, state: web::Data<AppState>) -> AppResult<web::Json<Tasks>> {
    Ok(web::Json(state.db(move |c| tasks::for_caller(c, &auth.caller)).await?))
}

/// The signed-in user's notifications, newest first, with the unread count.
#[utoipa::path(tag = "me", security(("bearer" = [])), params(InboxQuery),
    responses((status = 200, description = "The inbox", body = Inbox), BadRequest, Unauthorized, Forbidden))]
#[get("/me/notifications")]
async fn my_notifications(
    auth: Authorized<SignedIn>,
    state: web::Data<AppState>,
    q: web::Query<InboxQuery>,
) -> AppResult<web::Json<Inbox>> {
    Ok(web::Json(state.db(move |c| notifications::inbox(c, &auth.caller, &q)).await?))
}

/// Marks every notification as read.
#[utoipa::path(tag = "me", security(("bearer" = [])), responses((status = 204, description = "Read"), Unauthorized, Forbidden))]
#[post("/me/notifications/read")]
async fn read_all(auth: Authorized<SignedIn>, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state.db(move |c| notifications::mark_read(c, &auth.caller, None)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks one notification as read.
#[utoipa::path(tag = "me", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Read"), Unauthorized, Forbidden, NotFound))]
#[post("/me/notifications/{id}/read")]
async fn read_one(auth: Authorized<SignedIn>, state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    state.db(move |c| notifications::mark_read(c, &auth.caller, Some(id))).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change one's own password.
///
/// Needs the current password. Ends every session of the user (all devices) and returns a
/// fresh token pair for this one.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 200, description = "Changed; a new token pair", body = TokenPair), Unauthorized, Forbidden, Invalid, TooManyRequests)
)]
#[post("/me/password")]
async fn change_my_password(
    auth: Authorized<SignedIn>,
    state: web::Data<AppState>,
    body: Json<PasswordChange>,
) -> AppResult<web::Json<TokenPair>> {
    let PasswordChange { current_password, new_password } = body.into_inner();
    let user_id = auth.user_id().unwrap_or_default();
    let caller = auth.caller.clone();
    let stored = state.db(move |c| users::stored_hash(c, user_id)).await?;
    let username = stored.0.clone();
    // Guessing the current password through this endpoint is throttled like login.
    if let Some(wait) = state.throttle.check(&username, "", Instant::now()) {
        return Err(AppError::too_many_requests("too_many_attempts", wait));
    }
    if !state.hasher.verify(current_password, Some(stored.1)).await? {
        state.throttle.record_failure(&username, "", Instant::now());
        return Err(AppError::field("/current_password", "current_password_wrong", "the current password is wrong"));
    }
    password::check_policy(&new_password, &username, "/new_password").map_err(|e| AppError::validation(vec![e]))?;
    let hash = state.hasher.hash(new_password).await?;
    let ttl = state.config.refresh_token_ttl;
    let session = state
        .db(move |c| {
            crate::db::write_tx(c, |c| {
                users::set_password(c, user_id, &hash)?;
                crate::domain::audit::record(
                    c,
                    &caller,
                    caller.organisation_id,
                    "user.change_password",
                    ("user", user_id),
                    serde_json::json!({}),
                )
            })?;
            sessions::start(c, user_id, ttl)
        })
        .await?;
    state.callers.forget_user(user_id);
    Ok(web::Json(token_pair(&state, session).await?))
}
