//! Inspections (巡察轮次) and their leading groups.

use crate::domain::precondition::Precondition;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{edits_ledger, refuse_edit, scope, GroupRole, InspectionStatus, LedgerScope, Part};
use crate::auth::Caller;
use crate::db::{write_tx, DbConn};
use crate::domain::organisations::OrgScope;
use crate::domain::{audit, check, now, optional_text, page_bounds, required_text, utc, Page};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::{Inspection, LeadingGroupMember};
use crate::schema::{categories, inspections, leading_group_members, measure_assignees, measures, organisations, users};

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupMemberView {
    pub user_id: i64,
    pub display_name: String,
    pub group_role: GroupRole,
    /// Title at the time, e.g. 校党委书记、校长.
    pub title: String,
    pub from_date: Option<NaiveDate>,
    pub until_date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionView {
    pub id: i64,
    pub organisation_id: i64,
    #[schema(example = "县委第三巡察组巡察反馈问题整改")]
    pub title: String,
    /// The inspecting body (巡察组).
    #[schema(example = "县委第三巡察组")]
    pub inspector: String,
    pub onsite_start: Option<NaiveDate>,
    pub onsite_end: Option<NaiveDate>,
    pub feedback_date: Option<NaiveDate>,
    /// Rectification deadline.
    pub deadline: Option<NaiveDate>,
    pub status: InspectionStatus,
    pub leading_group: Vec<GroupMemberView>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupMemberInput {
    pub user_id: i64,
    pub group_role: GroupRole,
    #[serde(default)]
    pub title: String,
    pub from_date: Option<NaiveDate>,
    pub until_date: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInspection {
    /// Defaults to the caller's organisation.
    pub organisation_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 100)]
    pub inspector: String,
    pub onsite_start: Option<NaiveDate>,
    pub onsite_end: Option<NaiveDate>,
    pub feedback_date: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub status: Option<InspectionStatus>,
    #[serde(default)]
    pub leading_group: Vec<GroupMemberInput>,
    /// A ledger document to import into the new inspection, as `POST /inspections/{id}/import`
    /// takes it; the inspection and its ledger are created together or not at all (errors point
    /// into `/ledger`).
    #[schema(value_type = Option<Object>)]
    pub ledger: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub inspector: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub onsite_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub onsite_end: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub feedback_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub deadline: Option<Option<NaiveDate>>,
    pub status: Option<InspectionStatus>,
    /// Replaces the leading group.
    pub leading_group: Option<Vec<GroupMemberInput>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionQuery {
    pub organisation_id: Option<i64>,
    pub status: Option<InspectionStatus>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

fn view(conn: &mut DbConn, i: Inspection) -> AppResult<InspectionView> {
    let members: Vec<(LeadingGroupMember, String)> = leading_group_members::table
        .inner_join(users::table)
        .filter(leading_group_members::inspection_id.eq(i.id))
        .order(leading_group_members::position)
        .select((LeadingGroupMember::as_select(), users::display_name))
        .load(conn)?;
    Ok(InspectionView {
        id: i.id,
        organisation_id: i.organisation_id,
        title: i.title,
        inspector: i.inspector,
        onsite_start: i.onsite_start,
        onsite_end: i.onsite_end,
        feedback_date: i.feedback_date,
        deadline: i.deadline,
        status: InspectionStatus::parse(&i.status).unwrap_or(InspectionStatus::Planning),
        leading_group: members
            .into_iter()
            .map(|(m, name)| GroupMemberView {
                user_id: m.user_id,
                display_name: name,
                group_role: GroupRole::parse(&m.group_role).unwrap_or(GroupRole::Member),
                title: m.title,
                from_date: m.from_date,
                until_date: m.until_date,
            })
            .collect(),
        version: i.version,
        created_at: utc(i.created_at),
        updated_at: utc(i.updated_at),
    })
}

/// An inspection the caller may see, or 404.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<(Inspection, LedgerScope)> {
    let i: Inspection = inspections::table.find(id).select(Inspection::as_select()).first(conn)?;
    let s = scope(conn, caller)?;
    if !s.sees_inspection(conn, i.organisation_id, i.id, Part::Whole)? {
        return Err(AppError::not_found());
    }
    Ok((i, s))
}

/// An inspection the caller may change: 404 if invisible, 403 if read-only.
pub fn editable(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<Inspection> {
    let (i, _) = visible(conn, caller, id)?;
    if !edits_ledger(caller, i.organisation_id) {
        return Err(refuse_edit());
    }
    // Closed with the close-out of its last problem, it is the record; reopening a problem opens it.
    if i.status == InspectionStatus::Closed.as_str() {
        return Err(AppError::conflict("inspection_closed", "every problem of the inspection is closed out; it is read-only"));
    }
    Ok(i)
}

pub fn list(conn: &mut DbConn, caller: &Caller, q: &InspectionQuery) -> AppResult<Page<InspectionView>> {
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let s = scope(conn, caller)?;
    let filtered = || {
        let mut query = inspections::table.into_boxed();
        if let OrgScope::Only(ids) = &s.orgs {
            query = query.filter(inspections::organisation_id.eq_any(ids.clone()));
        }
        if let Some(user) = s.assigned_to {
            query = query.filter(
                inspections::id.eq_any(
                    measures::table
                        .inner_join(measure_assignees::table)
                        .filter(measure_assignees::user_id.eq(user))
                        .select(measures::inspection_id),
                ),
            );
        }
        if let Some(org) = q.organisation_id {
            query = query.filter(inspections::organisation_id.eq(org));
        }
        if let Some(st) = q.status {
            query = query.filter(inspections::status.eq(st.as_str()));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let rows: Vec<Inspection> =
        filtered().order(inspections::id.desc()).limit(limit).offset(offset).select(Inspection::as_select()).load(conn)?;
    let items = rows.into_iter().map(|i| view(conn, i)).collect::<AppResult<_>>()?;
    Ok(Page { items, total, limit, offset })
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<InspectionView> {
    let (i, _) = visible(conn, caller, id)?;
    view(conn, i)
}

fn check_dates(
    errors: &mut Vec<FieldError>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    feedback: Option<NaiveDate>,
    deadline: Option<NaiveDate>,
) {
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errors.push(FieldError::new("/onsite_end", "before_start", "the on-site period ends before it starts"));
        }
    }
    if let (Some(f), Some(d)) = (feedback, deadline) {
        if d < f {
            errors.push(FieldError::new("/deadline", "before_feedback", "the rectification deadline is before the feedback date"));
        }
    }
}

fn set_group(conn: &mut DbConn, inspection: &Inspection, group: &[GroupMemberInput]) -> AppResult<()> {
    let mut errors = Vec::new();
    for (n, m) in group.iter().enumerate() {
        let org: Option<i64> = users::table.find(m.user_id).select(users::organisation_id).first(conn).optional()?;
        if org != Some(inspection.organisation_id) {
            errors.push(FieldError::new(&format!("/leading_group/{n}/user_id"), "invalid_user", "no such user in this organisation"));
        }
        if let (Some(f), Some(u)) = (m.from_date, m.until_date) {
            if u < f {
                errors.push(FieldError::new(&format!("/leading_group/{n}/until_date"), "before_start", "until is before from"));
            }
        }
        optional_text(&mut errors, &format!("/leading_group/{n}/title"), &m.title, 128);
    }
    check(errors)?;
    diesel::delete(leading_group_members::table.filter(leading_group_members::inspection_id.eq(inspection.id))).execute(conn)?;
    for (n, m) in group.iter().enumerate() {
        diesel::insert_into(leading_group_members::table)
            .values((
                leading_group_members::inspection_id.eq(inspection.id),
                leading_group_members::user_id.eq(m.user_id),
                leading_group_members::group_role.eq(m.group_role.as_str()),
                leading_group_members::title.eq(m.title.trim()),
                leading_group_members::from_date.eq(m.from_date),
                leading_group_members::until_date.eq(m.until_date),
                leading_group_members::position.eq(n as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// `closed` is not set by hand: an inspection closes with the close-out of its last problem.
fn refuse_closing(errors: &mut Vec<FieldError>, status: Option<InspectionStatus>) {
    if status == Some(InspectionStatus::Closed) {
        errors.push(FieldError::new("/status", "closed_by_closeout", "an inspection closes with the close-out of its last problem"));
    }
}

pub fn create(conn: &mut DbConn, caller: &Caller, input: NewInspection) -> AppResult<InspectionView> {
    write_tx(conn, |conn| {
        let org = input.organisation_id.unwrap_or(caller.organisation_id);
        if !scope(conn, caller)?.orgs.contains(org) {
            return Err(AppError::not_found());
        }
        if !edits_ledger(caller, org) {
            return Err(refuse_edit());
        }
        let mut errors = Vec::new();
        let title = required_text(&mut errors, "/title", &input.title, 200);
        let inspector = required_text(&mut errors, "/inspector", &input.inspector, 100);
        check_dates(&mut errors, input.onsite_start, input.onsite_end, input.feedback_date, input.deadline);
        refuse_closing(&mut errors, input.status);
        check(errors)?;
        let t = now();
        // The inspection keeps the sign-off chain its organisation uses today.
        let chain: String = organisations::table.find(org).select(organisations::signoff_chain).first(conn)?;
        let row: Inspection = diesel::insert_into(inspections::table)
            .values((
                inspections::signoff_chain.eq(chain),
                inspections::organisation_id.eq(org),
                inspections::title.eq(&title),
                inspections::inspector.eq(&inspector),
                inspections::onsite_start.eq(input.onsite_start),
                inspections::onsite_end.eq(input.onsite_end),
                inspections::feedback_date.eq(input.feedback_date),
                inspections::deadline.eq(input.deadline),
                inspections::status.eq(input.status.unwrap_or(InspectionStatus::Planning).as_str()),
                inspections::version.eq(1),
                inspections::created_at.eq(t),
                inspections::updated_at.eq(t),
            ))
            .returning(inspections::all_columns)
            .get_result(conn)?;
        set_group(conn, &row, &input.leading_group)?;
        let id = row.id;
        let v = view(conn, row)?;
        let v = logged(conn, caller, "inspection.create", v)?;
        let Some(ledger) = input.ledger else { return Ok(v) };
        let doc = serde_json::Value::Object(ledger);
        super::import::import(conn, caller, id, &doc, false, None, &mut |_, _| {}).map_err(|e| e.nested("/ledger"))?;
        get(conn, caller, id)
    })
}

pub fn update(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, patch: InspectionPatch) -> AppResult<InspectionView> {
    write_tx(conn, |conn| {
        let cur = editable(conn, caller, id)?;
        let expected_version = expected.check(cur.version)?;
        let mut errors = Vec::new();
        let title = patch.title.as_deref().map(|t| required_text(&mut errors, "/title", t, 200)).unwrap_or(cur.title.clone());
        let inspector =
            patch.inspector.as_deref().map(|t| required_text(&mut errors, "/inspector", t, 100)).unwrap_or(cur.inspector.clone());
        let onsite_start = patch.onsite_start.unwrap_or(cur.onsite_start);
        let onsite_end = patch.onsite_end.unwrap_or(cur.onsite_end);
        let feedback_date = patch.feedback_date.unwrap_or(cur.feedback_date);
        let deadline = patch.deadline.unwrap_or(cur.deadline);
        check_dates(&mut errors, onsite_start, onsite_end, feedback_date, deadline);
        refuse_closing(&mut errors, patch.status);
        check(errors)?;
        let status = patch.status.map(|s| s.as_str()).unwrap_or(cur.status.as_str()).to_string();
        let row: Inspection = diesel::update(inspections::table.find(id).filter(inspections::version.eq(expected_version)))
            .set((
                inspections::title.eq(&title),
                inspections::inspector.eq(&inspector),
                inspections::onsite_start.eq(onsite_start),
                inspections::onsite_end.eq(onsite_end),
                inspections::feedback_date.eq(feedback_date),
                inspections::deadline.eq(deadline),
                inspections::status.eq(&status),
                inspections::version.eq(expected_version + 1),
                inspections::updated_at.eq(now()),
            ))
            .returning(inspections::all_columns)
            .get_result::<Inspection>(conn)
            .optional()?
            .ok_or_else(AppError::version_mismatch)?;
        if let Some(group) = &patch.leading_group {
            set_group(conn, &row, group)?;
        }
        let v = view(conn, row)?;
        logged(conn, caller, "inspection.update", v)
    })
}

/// Records a change to an inspection, with the inspection (and its leading group) as it is now.
fn logged(conn: &mut DbConn, caller: &Caller, action: &str, v: InspectionView) -> AppResult<InspectionView> {
    let summary = serde_json::to_value(&v).map_err(AppError::internal)?;
    audit::record(conn, caller, v.organisation_id, action, ("inspection", v.id), summary)?;
    Ok(v)
}

/// Deletes an inspection that has no categories yet (a mistaken entry, not a ledger).
pub fn delete(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<()> {
    write_tx(conn, |conn| {
        let cur = editable(conn, caller, id)?;
        expected.check(cur.version)?;
        let used: i64 = categories::table.filter(categories::inspection_id.eq(id)).count().get_result(conn)?;
        if used > 0 {
            return Err(AppError::conflict("inspection_not_empty", "the inspection has categories; delete them first"));
        }
        audit::record(conn, caller, cur.organisation_id, "inspection.delete", ("inspection", id), serde_json::json!({"title": cur.title}))?;
        diesel::delete(inspections::table.find(id)).execute(conn)?;
        Ok(())
    })
}
