//! Sign in, refresh, sign out.

use std::time::Instant;

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{BadRequest, Invalid, Json, TooManyRequests, Unauthorized};
use crate::domain::sessions::{self, invalid_refresh, LoginRequest, RefreshRequest, Rotation, Session, TokenPair};
use crate::domain::users::{load_view, normalise_username};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(login).service(refresh).service(logout);
}

fn client_address(req: &HttpRequest, state: &AppState) -> String {
    if state.config.trust_proxy {
        req.connection_info().realip_remote_addr().unwrap_or("unknown").to_string()
    } else {
        req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
    }
}

/// Issues the token pair of a session.
pub async fn token_pair(state: &AppState, session: Session) -> AppResult<TokenPair> {
    let (access_token, expires_at) = state.keys.issue_access(session.user_id, session.epoch, Utc::now());
    let user_id = session.user_id;
    let user = state.db(move |c| load_view(c, user_id)).await?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.keys.access_ttl,
        expires_at,
        refresh_expires_at: sessions::refresh_expiry(&session),
        refresh_token: session.refresh_token,
        user,
    })
}

/// Sign in with user name and password.
///
/// An unknown user, a disabled account and a wrong password get the same answer. Repeated
/// failures for an account or from an address are refused with 429 for a while.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        BadRequest, Unauthorized, Invalid, TooManyRequests
    )
)]
#[post("/auth/login")]
async fn login(req: HttpRequest, state: web::Data<AppState>, body: Json<LoginRequest>) -> AppResult<web::Json<TokenPair>> {
    let LoginRequest { username, password } = body.into_inner();
    let username = normalise_username(&username);
    let address = client_address(&req, &state);
    if let Some(wait) = state.throttle.check(&username, &address, Instant::now()) {
        return Err(AppError::too_many_requests("too_many_attempts", wait));
    }
    let lookup = username.clone();
    let candidate = state.db(move |c| sessions::login_candidate(c, &lookup)).await?;
    let (user_id, stored) = match candidate {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    let ok = state.hasher.verify(password, stored).await?;
    let Some(user_id) = user_id.filter(|_| ok) else {
        state.throttle.record_failure(&username, &address, Instant::now());
        return Err(AppError::unauthorized("invalid_credentials", "the user name or password is wrong"));
    };
    state.throttle.record_success(&username);
    state.callers.forget_user(user_id);
    let ttl = state.config.refresh_token_ttl;
    let session = state.db(move |c| sessions::start(c, user_id, ttl)).await?;
    Ok(web::Json(token_pair(&state, session).await?))
}

/// Exchange a refresh token for a new pair.
///
/// Each refresh token works once. Presenting one that was already used revokes its whole
/// family (every token descended from the same sign-in): it has been copied.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, description = "A new token pair", body = TokenPair), BadRequest, Unauthorized, Invalid)
)]
#[post("/auth/refresh")]
async fn refresh(state: web::Data<AppState>, body: Json<RefreshRequest>) -> AppResult<web::Json<TokenPair>> {
    let token = body.into_inner().refresh_token;
    let ttl = state.config.refresh_token_ttl;
    match state.db(move |c| sessions::rotate(c, &token, ttl)).await? {
        Rotation::Rotated(session) => Ok(web::Json(token_pair(&state, session).await?)),
        Rotation::Invalid => Err(invalid_refresh()),
        Rotation::Reused => Err(AppError::unauthorized(
            "refresh_token_reused",
            "this refresh token was already used; the session has been ended for safety — sign in again",
        )),
    }
}

/// Sign out: ends the session of the given refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out (also for an unknown token)"), BadRequest, Invalid)
)]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, body: Json<RefreshRequest>) -> AppResult<HttpResponse> {
    let token = body.into_inner().refresh_token;
    state.db(move |c| sessions::end(c, &token)).await?;
    Ok(HttpResponse::NoContent().finish())
}
