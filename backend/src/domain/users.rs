//! User accounts and their roles.

use crate::domain::precondition::Precondition;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::organisations::{readable, OrgScope};
use super::{check, double_option, now, optional_text, page_bounds, required_text, utc, Page};
use crate::auth::{password, Caller, Role};
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::User;
use crate::schema::{departments, organisations, refresh_tokens, user_roles, users};

/// The signed-in user with its organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub user: UserView,
    pub organisation: super::organisations::OrganisationView,
    /// The roles this user may grant to the accounts it manages (none when it manages none;
    /// never to itself).
    pub grantable_roles: Vec<Role>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    #[schema(example = "zhanghc")]
    pub username: String,
    #[schema(example = "张红昌")]
    pub display_name: String,
    /// 职务
    #[schema(example = "校党委书记、校长")]
    pub title: String,
    pub organisation_id: i64,
    pub department_id: Option<i64>,
    pub roles: Vec<Role>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

pub fn view(u: User, mut roles: Vec<Role>) -> UserView {
    roles.sort();
    UserView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        title: u.title,
        organisation_id: u.organisation_id,
        department_id: u.department_id,
        roles,
        active: u.active,
        version: u.version,
        created_at: utc(u.created_at),
        updated_at: utc(u.updated_at),
        last_login_at: u.last_login_at.map(utc),
    }
}

pub fn roles_of(conn: &mut DbConn, ids: &[i64]) -> AppResult<HashMap<i64, Vec<Role>>> {
    let rows: Vec<(i64, String)> =
        user_roles::table.filter(user_roles::user_id.eq_any(ids)).select((user_roles::user_id, user_roles::role)).load(conn)?;
    let mut map: HashMap<i64, Vec<Role>> = HashMap::new();
    for (id, role) in rows {
        if let Some(r) = Role::parse(&role) {
            map.entry(id).or_default().push(r);
        }
    }
    Ok(map)
}

pub fn load_view(conn: &mut DbConn, id: i64) -> AppResult<UserView> {
    let u: User = users::table.find(id).select(User::as_select()).first(conn)?;
    let roles = roles_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(view(u, roles))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub organisation_id: Option<i64>,
    pub department_id: Option<i64>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Substring of the user name or display name.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

pub fn list(conn: &mut DbConn, caller: &Caller, q: &UserQuery) -> AppResult<Page<UserView>> {
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let scope = readable(conn, caller)?;
    let pattern = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| format!("%{}%", escape_like(s)));
    let filtered = || {
        let mut query = users::table.into_boxed();
        if let OrgScope::Only(ids) = &scope {
            query = query.filter(users::organisation_id.eq_any(ids.clone()));
        }
        if let Some(org) = q.organisation_id {
            query = query.filter(users::organisation_id.eq(org));
        }
        if let Some(dep) = q.department_id {
            query = query.filter(users::department_id.eq(dep));
        }
        if let Some(active) = q.active {
            query = query.filter(users::active.eq(active));
        }
        if let Some(role) = q.role {
            query =
                query.filter(users::id.eq_any(user_roles::table.filter(user_roles::role.eq(role.as_str())).select(user_roles::user_id)));
        }
        if let Some(p) = &pattern {
            query = query.filter(users::username.like(p.clone()).escape('\\').or(users::display_name.like(p.clone()).escape('\\')));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows: Vec<User> = filtered().order(users::id).limit(limit).offset(offset).select(User::as_select()).load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
    let mut roles = roles_of(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|u| {
            let r = roles.remove(&u.id).unwrap_or_default();
            view(u, r)
        })
        .collect();
    Ok(Page { items, total, limit, offset })
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A user the caller may read, or 404.
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<UserView> {
    let org: i64 = users::table.find(id).select(users::organisation_id).first(conn)?;
    if !readable(conn, caller)?.contains(org) {
        return Err(AppError::not_found());
    }
    load_view(conn, id)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Lower-case letters, digits, `.`, `_`, `-`; 2–64 characters; unique.
    #[schema(example = "qinss", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")]
    pub username: String,
    #[schema(example = "覃守生", min_length = 1, max_length = 64)]
    pub display_name: String,
    #[serde(default)]
    #[schema(example = "党委委员、副校长", max_length = 128)]
    pub title: String,
    /// Defaults to the caller's organisation.
    pub organisation_id: Option<i64>,
    pub department_id: Option<i64>,
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
    /// 8–128 characters, not a common password.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: Option<String>,
    #[schema(max_length = 128)]
    pub title: Option<String>,
    /// `null` removes the user from its department.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub department_id: Option<Option<i64>>,
    /// Replaces the roles.
    #[schema(min_items = 1)]
    pub roles: Option<Vec<Role>>,
    /// `false` disables the account and ends its sessions at once.
    pub active: Option<bool>,
}

pub fn normalise_username(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Checks a user name as given (it is stored in lower case).
fn check_username(errors: &mut Vec<FieldError>, username: &str) {
    let ok = (2..=64).contains(&username.len())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
        && username.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok {
        errors.push(FieldError::new(
            "/username",
            "invalid_username",
            "2–64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
        ));
    }
}

fn role_not_grantable() -> AppError {
    AppError::forbidden(
        "role_not_grantable",
        "a coordinator grants staff, responsible_leader and coordinator; only an admin grants leader, discipline, bureau_supervisor or admin",
    )
}

/// Checks that `caller` may give `roles` to a member of `org_kind`.
fn check_roles(caller: &Caller, roles: &[Role], org_kind: &str, errors: &mut Vec<FieldError>) -> AppResult<()> {
    if roles.is_empty() {
        errors.push(FieldError::new("/roles", "required", "give the user at least one role"));
    }
    if !caller.is_admin() && roles.iter().any(|r| !r.grantable_by_coordinator()) {
        return Err(role_not_grantable());
    }
    if roles.contains(&Role::BureauSupervisor) && org_kind != "bureau" {
        errors.push(FieldError::new("/roles", "role_needs_bureau", "bureau_supervisor is a role of a bureau's members"));
    }
    Ok(())
}

fn check_department(conn: &mut DbConn, org: i64, department_id: Option<i64>, errors: &mut Vec<FieldError>) -> AppResult<()> {
    if let Some(d) = department_id {
        let owner: Option<i64> = departments::table.find(d).select(departments::organisation_id).first(conn).optional()?;
        if owner != Some(org) {
            errors.push(FieldError::new("/department_id", "invalid_department", "no such department in the user's organisation"));
        }
    }
    Ok(())
}

fn set_roles(conn: &mut DbConn, user_id: i64, roles: &[Role]) -> AppResult<()> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
    let mut unique = roles.to_vec();
    unique.sort();
    unique.dedup();
    for r in unique {
        diesel::insert_into(user_roles::table).values((user_roles::user_id.eq(user_id), user_roles::role.eq(r.as_str()))).execute(conn)?;
    }
    Ok(())
}

/// Checks the parts of a new user that need no database: the policy of its password, so that
/// the (slow) hash is only computed for a plausible request.
pub fn precheck_new(input: &NewUser) -> AppResult<()> {
    let mut errors = Vec::new();
    check_username(&mut errors, &input.username);
    if let Err(e) = password::check_policy(&input.password, &normalise_username(&input.username), "/password") {
        errors.push(e);
    }
    check(errors)
}

/// Creates a user; `password_hash` was computed from `input.password` off the request thread.
pub fn create(conn: &mut DbConn, caller: &Caller, input: NewUser, password_hash: String) -> AppResult<UserView> {
    write_tx(conn, |conn| {
        let org = input.organisation_id.unwrap_or(caller.organisation_id);
        if !readable(conn, caller)?.contains(org) {
            return Err(AppError::not_found());
        }
        let org_kind: String = organisations::table.find(org).select(organisations::kind).first(conn)?;
        if !caller.manages_members_of(org) {
            return Err(AppError::forbidden("not_your_organisation", "only this organisation's coordinator or an admin may add members"));
        }
        let mut errors = Vec::new();
        check_username(&mut errors, &input.username);
        let username = normalise_username(&input.username);
        let display_name = required_text(&mut errors, "/display_name", &input.display_name, 64);
        let title = optional_text(&mut errors, "/title", &input.title, 128);
        check_roles(caller, &input.roles, &org_kind, &mut errors)?;
        check_department(conn, org, input.department_id, &mut errors)?;
        check(errors)?;
        let t = now();
        let id: i64 = diesel::insert_into(users::table)
            .values((
                users::organisation_id.eq(org),
                users::department_id.eq(input.department_id),
                users::username.eq(&username),
                users::display_name.eq(&display_name),
                users::title.eq(&title),
                users::password_hash.eq(&password_hash),
                users::active.eq(true),
                users::token_epoch.eq(0),
                users::version.eq(1),
                users::created_at.eq(t),
                users::updated_at.eq(t),
            ))
            .returning(users::id)
            .get_result(conn)
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                    AppError::field("/username", "username_taken", "this user name is taken")
                }
                other => other.into(),
            })?;
        set_roles(conn, id, &input.roles)?;
        let v = load_view(conn, id)?;
        logged(conn, caller, "user.create", v)
    })
}

/// A user the caller may change: 404 if it can't see it, 403 if it can't manage it.
fn managed(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<(User, Vec<Role>)> {
    let u: User = users::table.find(id).select(User::as_select()).first(conn)?;
    if !readable(conn, caller)?.contains(u.organisation_id) {
        return Err(AppError::not_found());
    }
    if !caller.manages_members_of(u.organisation_id) {
        return Err(AppError::forbidden(
            "not_your_organisation",
            "only this organisation's coordinator or an admin may change its members",
        ));
    }
    let roles = roles_of(conn, &[id])?.remove(&id).unwrap_or_default();
    // A coordinator manages the accounts that hold only roles it may grant: who signs or verifies
    // its work, or reaches beyond the school, is an admin's to change (and to reset).
    if !caller.is_admin() && roles.iter().any(|r| !r.grantable_by_coordinator()) {
        return Err(AppError::forbidden(
            "protected_user",
            "only an admin changes an account holding the leader, discipline, bureau_supervisor or admin role",
        ));
    }
    Ok((u, roles))
}

/// Records a change to an account (never a password or its hash), as the account is now.
fn logged(conn: &mut DbConn, caller: &Caller, action: &str, v: UserView) -> AppResult<UserView> {
    let summary = serde_json::to_value(&v).map_err(AppError::internal)?;
    crate::domain::audit::record(conn, caller, v.organisation_id, action, ("user", v.id), summary)?;
    Ok(v)
}

/// Ends every session of a user: refresh tokens are revoked and access tokens stop at once.
fn end_sessions(conn: &mut DbConn, user_id: i64) -> AppResult<()> {
    let t = now();
    diesel::update(refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)).filter(refresh_tokens::revoked_at.is_null()))
        .set(refresh_tokens::revoked_at.eq(t))
        .execute(conn)?;
    diesel::update(users::table.find(user_id)).set(users::token_epoch.eq(users::token_epoch + 1)).execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, patch: UserPatch) -> AppResult<UserView> {
    write_tx(conn, |conn| {
        let (u, roles) = managed(conn, caller, id)?;
        let expected_version = expected.check(u.version)?;
        let mut errors = Vec::new();
        let display_name = match &patch.display_name {
            Some(v) => required_text(&mut errors, "/display_name", v, 64),
            None => u.display_name.clone(),
        };
        let title = match &patch.title {
            Some(v) => optional_text(&mut errors, "/title", v, 128),
            None => u.title.clone(),
        };
        let department_id = patch.department_id.unwrap_or(u.department_id);
        check_department(conn, u.organisation_id, department_id, &mut errors)?;
        let new_roles = patch.roles.as_ref().map(|r| sorted(r.clone())).filter(|r| *r != roles);
        if let Some(new_roles) = &new_roles {
            if caller.user_id() == Some(id) {
                return Err(AppError::forbidden("own_roles", "nobody changes their own roles; another admin or coordinator does"));
            }
            let org_kind: String = organisations::table.find(u.organisation_id).select(organisations::kind).first(conn)?;
            check_roles(caller, new_roles, &org_kind, &mut errors)?;
        }
        if patch.active == Some(false) && caller.user_id() == Some(id) {
            return Err(AppError::conflict("cannot_disable_self", "you cannot disable your own account"));
        }
        check(errors)?;
        let active = patch.active.unwrap_or(u.active);
        let changed = diesel::update(users::table.find(id).filter(users::version.eq(expected_version)))
            .set((
                users::display_name.eq(&display_name),
                users::title.eq(&title),
                users::department_id.eq(department_id),
                users::active.eq(active),
                users::version.eq(expected_version + 1),
                users::updated_at.eq(now()),
            ))
            .execute(conn)?;
        if changed == 0 {
            return Err(AppError::version_mismatch());
        }
        if u.active && !active {
            end_sessions(conn, id)?;
        }
        if let Some(new_roles) = &new_roles {
            set_roles(conn, id, new_roles)?;
            roles_changed(conn, caller, &u, &roles, new_roles)?;
        }
        let v = load_view(conn, id)?;
        logged(conn, caller, "user.update", v)
    })
}

fn sorted(mut roles: Vec<Role>) -> Vec<Role> {
    roles.sort();
    roles.dedup();
    roles
}

/// A change of roles is an act of its own in the audit log, and the organisation's discipline
/// committee hears of it: roles decide who signs off and who verifies.
fn roles_changed(conn: &mut DbConn, caller: &Caller, u: &User, before: &[Role], after: &[Role]) -> AppResult<()> {
    crate::domain::audit::record(
        conn,
        caller,
        u.organisation_id,
        "user.change_roles",
        ("user", u.id),
        serde_json::json!({"roles": after, "previous_roles": before}),
    )?;
    let discipline: Vec<i64> = users::table
        .filter(users::organisation_id.eq(u.organisation_id))
        .filter(users::active.eq(true))
        .filter(users::id.eq_any(user_roles::table.filter(user_roles::role.eq(Role::Discipline.as_str())).select(user_roles::user_id)))
        .select(users::id)
        .load(conn)?;
    let by = match caller.user_id() {
        Some(id) => users::table.find(id).select(users::display_name).first::<String>(conn)?,
        None => "系统".to_string(),
    };
    let names = |roles: &[Role]| {
        if roles.is_empty() {
            "无".to_string()
        } else {
            roles.iter().map(|r| r.name_zh()).collect::<Vec<_>>().join("、")
        }
    };
    let message = format!("{by} 将 {} 的角色由“{}”改为“{}”", u.display_name, names(before), names(after));
    crate::domain::notifications::send_about(conn, &discipline, "roles_changed", None, None, &message, None)?;
    Ok(())
}

/// Sets a new password chosen by an admin or coordinator and ends the user's sessions.
pub fn reset_password(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, password_hash: String) -> AppResult<UserView> {
    write_tx(conn, |conn| {
        resettable(conn, caller, id)?;
        let u: User = users::table.find(id).select(User::as_select()).first(conn)?;
        expected.check(u.version)?;
        set_password(conn, id, &password_hash)?;
        let v = load_view(conn, id)?;
        logged(conn, caller, "user.reset_password", v)
    })
}

/// The user name of an account whose password the caller may reset: one it manages, never its
/// own (that changes only with the current password, at `/me/password`).
pub fn resettable(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<String> {
    let (u, _) = managed(conn, caller, id)?;
    if caller.user_id() == Some(id) {
        return Err(AppError::forbidden("own_password", "change your own password at /api/v1/me/password, with your current one"));
    }
    Ok(u.username)
}

/// Stores a new hash, bumps the version and ends every session.
pub fn set_password(conn: &mut DbConn, id: i64, password_hash: &str) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(password_hash), users::version.eq(users::version + 1), users::updated_at.eq(now())))
        .execute(conn)?;
    end_sessions(conn, id)
}

/// User name and password hash, to check a password change.
pub fn stored_hash(conn: &mut DbConn, id: i64) -> AppResult<(String, String)> {
    Ok(users::table.find(id).select((users::username, users::password_hash)).first(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked() {
        for ok in ["zhanghc", "dai.xb", "qin_ss-2", "a1", "Zhang"] {
            let mut e = Vec::new();
            check_username(&mut e, ok);
            assert!(e.is_empty(), "{ok}");
        }
        for bad in ["", "a", "张红昌", " zhang", "-x", "a b", "../etc", &"a".repeat(65)] {
            let mut e = Vec::new();
            check_username(&mut e, bad);
            assert_eq!(e.len(), 1, "{bad}");
        }
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(escape_like("50%_a\\"), "50\\%\\_a\\\\");
    }
}
