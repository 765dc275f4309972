//! Departments (处室、专业部) of an organisation.

use crate::domain::precondition::Precondition;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::organisations::{readable, unique_name};
use super::{check, now, required_text, utc};
use crate::auth::Caller;
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, AppResult};
use crate::models::Department;
use crate::schema::{departments, organisations};

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentView {
    pub id: i64,
    pub organisation_id: i64,
    #[schema(example = "党政办公室")]
    pub name: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Department> for DepartmentView {
    fn from(d: Department) -> Self {
        DepartmentView {
            id: d.id,
            organisation_id: d.organisation_id,
            name: d.name,
            version: d.version,
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    #[schema(example = "教务处", min_length = 1, max_length = 64)]
    pub name: String,
}

pub fn list(conn: &mut DbConn, caller: &Caller, organisation_id: i64) -> AppResult<Vec<DepartmentView>> {
    if !readable(conn, caller)?.contains(organisation_id) {
        return Err(AppError::not_found());
    }
    organisations::table.find(organisation_id).select(organisations::id).first::<i64>(conn)?;
    let rows = departments::table
        .filter(departments::organisation_id.eq(organisation_id))
        .order((departments::name, departments::id))
        .select(Department::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A department the caller may change: 404 if it can't see it, 403 if it only can't manage it.
fn managed(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<Department> {
    let d: Department = departments::table.find(id).select(Department::as_select()).first(conn)?;
    if !readable(conn, caller)?.contains(d.organisation_id) {
        return Err(AppError::not_found());
    }
    if !caller.manages_members_of(d.organisation_id) {
        return Err(AppError::forbidden("not_your_organisation", "only this organisation's coordinator or an admin may change it"));
    }
    Ok(d)
}

pub fn create(conn: &mut DbConn, caller: &Caller, organisation_id: i64, input: DepartmentInput) -> AppResult<Department> {
    write_tx(conn, |conn| {
        if !readable(conn, caller)?.contains(organisation_id) {
            return Err(AppError::not_found());
        }
        organisations::table.find(organisation_id).select(organisations::id).first::<i64>(conn)?;
        if !caller.manages_members_of(organisation_id) {
            return Err(AppError::forbidden("not_your_organisation", "only this organisation's coordinator or an admin may change it"));
        }
        let mut errors = Vec::new();
        let name = required_text(&mut errors, "/name", &input.name, 64);
        check(errors)?;
        let t = now();
        let d = diesel::insert_into(departments::table)
            .values((
                departments::organisation_id.eq(organisation_id),
                departments::name.eq(&name),
                departments::version.eq(1),
                departments::created_at.eq(t),
                departments::updated_at.eq(t),
            ))
            .returning(departments::all_columns)
            .get_result::<Department>(conn)
            .map_err(|e| unique_name(e, "this organisation already has a department with this name"))?;
        logged(conn, caller, "department.create", d)
    })
}

fn logged(conn: &mut DbConn, caller: &Caller, action: &str, d: Department) -> AppResult<Department> {
    crate::domain::audit::record(
        conn,
        caller,
        d.organisation_id,
        action,
        ("department", d.id),
        serde_json::json!({"name": d.name, "version": d.version}),
    )?;
    Ok(d)
}

pub fn rename(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, input: DepartmentInput) -> AppResult<Department> {
    write_tx(conn, |conn| {
        let d = managed(conn, caller, id)?;
        let expected_version = expected.check(d.version)?;
        let mut errors = Vec::new();
        let name = required_text(&mut errors, "/name", &input.name, 64);
        check(errors)?;
        let d = diesel::update(departments::table.find(id).filter(departments::version.eq(expected_version)))
            .set((departments::name.eq(&name), departments::version.eq(expected_version + 1), departments::updated_at.eq(now())))
            .returning(departments::all_columns)
            .get_result::<Department>(conn)
            .optional()
            .map_err(|e| unique_name(e, "this organisation already has a department with this name"))?
            .ok_or_else(AppError::version_mismatch)?;
        logged(conn, caller, "department.rename", d)
    })
}

/// Members of a deleted department keep their accounts, without a department. Returns the
/// department's organisation.
pub fn delete(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<i64> {
    write_tx(conn, |conn| {
        let d = managed(conn, caller, id)?;
        expected.check(d.version)?;
        diesel::update(crate::schema::users::table.filter(crate::schema::users::department_id.eq(id)))
            .set(crate::schema::users::department_id.eq(None::<i64>))
            .execute(conn)?;
        diesel::delete(departments::table.find(id)).execute(conn)?;
        crate::domain::audit::record(
            conn,
            caller,
            d.organisation_id,
            "department.delete",
            ("department", id),
            serde_json::json!({"name": d.name}),
        )?;
        Ok(d.organisation_id)
    })
}
