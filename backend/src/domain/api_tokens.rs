//! API tokens for other systems: bound to one organisation, scoped `read` or `read`+`write`,
//! shown once, stored hashed, revocable.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::organisations::{readable, OrgScope};
use super::{check, now, page_bounds, required_text, utc, Page};
use crate::auth::tokens::{random_secret, token_hash, API_TOKEN_PREFIX};
use crate::auth::{Caller, Scope};
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::ApiToken;
use crate::schema::{api_tokens, organisations};

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenView {
    pub id: i64,
    pub organisation_id: i64,
    #[schema(example = "县教育局督查平台")]
    pub name: String,
    /// The first characters of the token, to recognise it.
    #[schema(example = "rct_Q2x9")]
    pub token_prefix: String,
    pub scopes: Vec<Scope>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token: `token` is shown here once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiToken {
    pub token: String,
    #[serde(flatten)]
    pub api_token: ApiTokenView,
}

fn scopes_of(s: &str) -> Vec<Scope> {
    s.split(',')
        .filter_map(|p| match p {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        })
        .collect()
}

impl From<ApiToken> for ApiTokenView {
    fn from(t: ApiToken) -> Self {
        ApiTokenView {
            id: t.id,
            organisation_id: t.organisation_id,
            name: t.name,
            token_prefix: t.token_prefix,
            scopes: scopes_of(&t.scopes),
            created_by: t.created_by,
            created_at: utc(t.created_at),
            expires_at: t.expires_at.map(utc),
            last_used_at: t.last_used_at.map(utc),
            revoked_at: t.revoked_at.map(utc),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// `read` is always included; add `write` to let the token change data.
    pub scopes: Vec<Scope>,
    /// Defaults to the caller's organisation; only an admin may name another.
    pub organisation_id: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiTokenQuery {
    pub organisation_id: Option<i64>,
    /// Include revoked tokens.
    pub include_revoked: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Organisations whose tokens the caller manages: all for an admin, its own for a coordinator.
fn managed_scope(caller: &Caller) -> OrgScope {
    if caller.is_admin() {
        OrgScope::All
    } else {
        OrgScope::Only(vec![caller.organisation_id])
    }
}

pub fn list(conn: &mut DbConn, caller: &Caller, q: &ApiTokenQuery) -> AppResult<Page<ApiTokenView>> {
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let scope = managed_scope(caller);
    let filtered = || {
        let mut query = api_tokens::table.into_boxed();
        if let OrgScope::Only(ids) = &scope {
            query = query.filter(api_tokens::organisation_id.eq_any(ids.clone()));
        }
        if let Some(org) = q.organisation_id {
            query = query.filter(api_tokens::organisation_id.eq(org));
        }
        if !q.include_revoked.unwrap_or(false) {
            query = query.filter(api_tokens::revoked_at.is_null());
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered().order(api_tokens::id).limit(limit).offset(offset).select(ApiToken::as_select()).load(conn)?;
    Ok(Page { items: rows.into_iter().map(Into::into).collect(), total, limit, offset })
}

pub fn create(conn: &mut DbConn, caller: &Caller, input: NewApiToken) -> AppResult<CreatedApiToken> {
    write_tx(conn, |conn| {
        let org = input.organisation_id.unwrap_or(caller.organisation_id);
        if !readable(conn, caller)?.contains(org) {
            return Err(AppError::not_found());
        }
        organisations::table.find(org).select(organisations::id).first::<i64>(conn)?;
        if !caller.manages_members_of(org) {
            return Err(AppError::forbidden(
                "not_your_organisation",
                "only this organisation's coordinator or an admin may create its tokens",
            ));
        }
        let mut errors = Vec::new();
        let name = required_text(&mut errors, "/name", &input.name, 100);
        if input.expires_at.is_some_and(|e| e <= Utc::now()) {
            errors.push(FieldError::new("/expires_at", "in_the_past", "the expiry must be in the future"));
        }
        check(errors)?;
        let scopes = if input.scopes.contains(&Scope::Write) { "read,write" } else { "read" };
        let token = format!("{API_TOKEN_PREFIX}{}", random_secret(32));
        let row = diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::organisation_id.eq(org),
                api_tokens::name.eq(&name),
                api_tokens::token_prefix.eq(&token[..8]),
                api_tokens::token_hash.eq(token_hash(&token)),
                api_tokens::scopes.eq(scopes),
                api_tokens::created_by.eq(caller.user_id()),
                api_tokens::created_at.eq(now()),
                api_tokens::expires_at.eq(input.expires_at.map(|e| e.naive_utc())),
            ))
            .returning(api_tokens::all_columns)
            .get_result::<ApiToken>(conn)?;
        // The secret is never recorded, only which token it is.
        let summary = serde_json::json!({"name": name, "scopes": scopes, "prefix": &token[..8], "expires_at": input.expires_at});
        crate::domain::audit::record(conn, caller, org, "api_token.create", ("api_token", row.id), summary)?;
        Ok(CreatedApiToken { token, api_token: row.into() })
    })
}

/// Revokes a token; revoking a revoked token changes nothing.
pub fn revoke(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<()> {
    write_tx(conn, |conn| {
        let org: i64 = api_tokens::table.find(id).select(api_tokens::organisation_id).first(conn)?;
        if !managed_scope(caller).contains(org) {
            return Err(AppError::not_found());
        }
        let revoked = diesel::update(api_tokens::table.find(id).filter(api_tokens::revoked_at.is_null()))
            .set(api_tokens::revoked_at.eq(now()))
            .execute(conn)?;
        if revoked > 0 {
            crate::domain::audit::record(conn, caller, org, "api_token.revoke", ("api_token", id), serde_json::json!({}))?;
        }
        Ok(())
    })
}
