//! Sessions: refresh-token families with rotation and reuse detection, and resolving a bearer
//! token to a [`Caller`].
//!
//! A refresh token is used once: refreshing marks it used and issues the next one in the same
//! family. Presenting a used token again means it was copied, so the whole family is revoked
//! (OAuth 2.0 Security BCP, refresh token rotation).

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::{roles_of, view, Me, UserView};
use super::{now, utc};
use crate::auth::tokens::{random_secret, token_hash, REFRESH_TOKEN_PREFIX};
use crate::auth::{Caller, Principal, Role};
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, AppResult};
use crate::models::{ApiToken, Organisation, RefreshToken, User};
use crate::schema::{api_tokens, organisations, refresh_tokens, users};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "zhanghc")]
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub expires_at: DateTime<Utc>,
    /// Opaque, single use: `POST /api/v1/auth/refresh` returns the next one.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub user: UserView,
}

/// What login needs to check a password: `None` for an unknown or disabled account.
pub fn login_candidate(conn: &mut DbConn, username: &str) -> AppResult<Option<(i64, String)>> {
    Ok(users::table
        .filter(users::username.eq(username))
        .filter(users::active.eq(true))
        .select((users::id, users::password_hash))
        .first(conn)
        .optional()?)
}

/// A fresh refresh token (new family unless `family` is given).
fn insert_refresh(conn: &mut DbConn, user_id: i64, family: Option<&str>, ttl: i64) -> AppResult<(String, NaiveDateTime)> {
    let token = format!("{REFRESH_TOKEN_PREFIX}{}", random_secret(32));
    let t = now();
    let expires = t + Duration::seconds(ttl);
    let family = family.map(str::to_string).unwrap_or_else(|| random_secret(16));
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family.eq(&family),
            refresh_tokens::token_hash.eq(token_hash(&token)),
            refresh_tokens::created_at.eq(t),
            refresh_tokens::expires_at.eq(expires),
        ))
        .execute(conn)?;
    Ok((token, expires))
}

/// A started session: the user's current token epoch and a refresh token.
pub struct Session {
    pub user_id: i64,
    pub epoch: i64,
    pub refresh_token: String,
    pub refresh_expires: NaiveDateTime,
}

pub fn start(conn: &mut DbConn, user_id: i64, ttl: i64) -> AppResult<Session> {
    write_tx(conn, |conn| {
        diesel::update(users::table.find(user_id)).set(users::last_login_at.eq(now())).execute(conn)?;
        let epoch = users::table.find(user_id).select(users::token_epoch).first(conn)?;
        let (refresh_token, refresh_expires) = insert_refresh(conn, user_id, None, ttl)?;
        Ok(Session { user_id, epoch, refresh_token, refresh_expires })
    })
}

pub enum Rotation {
    Rotated(Session),
    /// Unknown, revoked, expired, or the account is disabled.
    Invalid,
    /// A used token came back: its family has been revoked.
    Reused,
}

pub fn rotate(conn: &mut DbConn, token: &str, ttl: i64) -> AppResult<Rotation> {
    write_tx(conn, |conn| {
        let Some(rt) = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash(token)))
            .select(RefreshToken::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(Rotation::Invalid);
        };
        let t = now();
        if rt.revoked_at.is_some() || rt.expires_at <= t {
            return Ok(Rotation::Invalid);
        }
        // Conditional, so that of two concurrent refreshes with one token only one wins.
        let claimed = diesel::update(refresh_tokens::table.find(rt.id).filter(refresh_tokens::used_at.is_null()))
            .set(refresh_tokens::used_at.eq(t))
            .execute(conn)?;
        if claimed == 0 {
            revoke_family_of(conn, &rt.family)?;
            return Ok(Rotation::Reused);
        }
        let user: Option<(bool, i64)> = users::table.find(rt.user_id).select((users::active, users::token_epoch)).first(conn).optional()?;
        let Some((true, epoch)) = user else {
            revoke_family_of(conn, &rt.family)?;
            return Ok(Rotation::Invalid);
        };
        let (refresh_token, refresh_expires) = insert_refresh(conn, rt.user_id, Some(&rt.family), ttl)?;
        Ok(Rotation::Rotated(Session { user_id: rt.user_id, epoch, refresh_token, refresh_expires }))
    })
}

fn revoke_family_of(conn: &mut DbConn, family: &str) -> AppResult<()> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::family.eq(family)).filter(refresh_tokens::revoked_at.is_null()))
        .set(refresh_tokens::revoked_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// Logout: ends the session the refresh token belongs to. Unknown tokens are ignored.
pub fn end(conn: &mut DbConn, token: &str) -> AppResult<()> {
    write_tx(conn, |conn| {
        let family: Option<String> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash(token)))
            .select(refresh_tokens::family)
            .first(conn)
            .optional()?;
        if let Some(f) = family {
            revoke_family_of(conn, &f)?;
        }
        Ok(())
    })
}

/// The caller behind a verified access token, if the account is active and the token's
/// epoch is current.
pub fn resolve_user(conn: &mut DbConn, user_id: i64, epoch: i64) -> AppResult<Option<Caller>> {
    let Some(u) = users::table.find(user_id).select(User::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    if !u.active || u.token_epoch != epoch {
        return Ok(None);
    }
    let roles = roles_of(conn, &[u.id])?.remove(&u.id).unwrap_or_default();
    let org: Organisation = organisations::table.find(u.organisation_id).select(Organisation::as_select()).first(conn)?;
    let principal = Principal::User { id: u.id, username: u.username.clone() };
    let organisation_id = u.organisation_id;
    let me = Me { user: view(u, roles.clone()), organisation: org.into(), grantable_roles: Role::grantable_by(&roles) };
    Ok(Some(Caller { principal, organisation_id, roles, me: Some(std::sync::Arc::new(me)), request_id: None }))
}

/// The caller behind an API token, if it is live. Records its use (at most once a minute,
/// so that busy integrations don't turn every read into a write).
pub fn resolve_api_token(conn: &mut DbConn, token: &str) -> AppResult<Option<Caller>> {
    let Some(t) =
        api_tokens::table.filter(api_tokens::token_hash.eq(token_hash(token))).select(ApiToken::as_select()).first(conn).optional()?
    else {
        return Ok(None);
    };
    let n = now();
    if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= n) {
        return Ok(None);
    }
    if t.last_used_at.is_none_or(|u| n - u > Duration::seconds(60)) {
        diesel::update(api_tokens::table.find(t.id)).set(api_tokens::last_used_at.eq(n)).execute(conn)?;
    }
    let write = t.scopes.split(',').any(|s| s == "write");
    Ok(Some(Caller {
        principal: Principal::ApiToken { id: t.id, write },
        organisation_id: t.organisation_id,
        roles: Vec::new(),
        me: None,
        request_id: None,
    }))
}

pub fn refresh_expiry(s: &Session) -> DateTime<Utc> {
    utc(s.refresh_expires)
}

pub fn invalid_refresh() -> AppError {
    AppError::unauthorized("invalid_refresh_token", "the refresh token is invalid, expired or revoked; sign in again")
}
