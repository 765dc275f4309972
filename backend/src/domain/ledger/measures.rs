//! Measures (整改措施): responsibility, deadlines and progress with its history.

use crate::domain::precondition::Precondition;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::labels::measure_label;
use super::structure::{at, bump, check_refs, same_members, visible_problem, ParentKind};
use super::{edits_ledger, ensure_problem_open, refuse_edit, scope, MeasureKind, MeasureStatus};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, DbConn};
use crate::domain::{audit, check, notifications, now, optional_text, required_text, utc};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::Measure;
use crate::schema::{measure_assignees, measure_progress, measure_supporting_departments, measures, users};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureView {
    pub id: i64,
    pub organisation_id: i64,
    pub inspection_id: i64,
    pub problem_id: i64,
    /// ①②③… within the problem.
    pub ordinal: i32,
    #[schema(example = "①")]
    pub label: String,
    #[schema(example = "强化思想武装")]
    pub title: String,
    pub content: String,
    pub kind: MeasureKind,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub supporting_department_ids: Vec<i64>,
    pub assignee_ids: Vec<i64>,
    /// Ends at 24:00 in the organisation's time zone.
    pub deadline: Option<NaiveDate>,
    /// 整改进展 (latest); the history is at `/measures/{id}/progress`.
    pub progress: String,
    pub status: MeasureStatus,
    /// A monitored long-term measure's next look-back (回头看).
    pub next_lookback: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Views of measures, with their assignees and supporting departments, in the given order.
pub fn views(conn: &mut DbConn, rows: Vec<Measure>) -> AppResult<Vec<MeasureView>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let assignees: Vec<(i64, i64)> = measure_assignees::table
        .filter(measure_assignees::measure_id.eq_any(&ids))
        .order(measure_assignees::user_id)
        .select((measure_assignees::measure_id, measure_assignees::user_id))
        .load(conn)?;
    let supporting: Vec<(i64, i64)> = measure_supporting_departments::table
        .filter(measure_supporting_departments::measure_id.eq_any(&ids))
        .order(measure_supporting_departments::department_id)
        .select((measure_supporting_departments::measure_id, measure_supporting_departments::department_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|m| MeasureView {
            supporting_department_ids: supporting.iter().filter(|(mid, _)| *mid == m.id).map(|x| x.1).collect(),
            assignee_ids: assignees.iter().filter(|(mid, _)| *mid == m.id).map(|x| x.1).collect(),
            id: m.id,
            organisation_id: m.organisation_id,
            inspection_id: m.inspection_id,
            problem_id: m.problem_id,
            ordinal: m.ordinal,
            label: measure_label(m.ordinal),
            title: m.title,
            content: m.content,
            kind: MeasureKind::parse(&m.kind).unwrap_or(MeasureKind::TimeBound),
            responsible_leader_id: m.responsible_leader_id,
            lead_department_id: m.lead_department_id,
            deadline: m.deadline,
            progress: m.progress,
            status: MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::NotStarted),
            next_lookback: m.next_lookback,
            version: m.version,
            created_at: utc(m.created_at),
            updated_at: utc(m.updated_at),
        })
        .collect())
}

pub fn view(conn: &mut DbConn, m: Measure) -> AppResult<MeasureView> {
    Ok(views(conn, vec![m])?.remove(0))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeasure {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub content: String,
    pub kind: MeasureKind,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    #[serde(default)]
    pub supporting_department_ids: Vec<i64>,
    #[serde(default)]
    pub assignee_ids: Vec<i64>,
    pub deadline: Option<NaiveDate>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurePatch {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 10000)]
    pub content: Option<String>,
    pub kind: Option<MeasureKind>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<i64>)]
    pub responsible_leader_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<i64>)]
    pub lead_department_id: Option<Option<i64>>,
    pub supporting_department_ids: Option<Vec<i64>>,
    pub assignee_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub deadline: Option<Option<NaiveDate>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressInput {
    /// 整改进展: what has been done so far.
    #[schema(min_length = 1, max_length = 10000)]
    pub progress: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressEntry {
    pub id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub progress: String,
    pub created_at: DateTime<Utc>,
}

fn validate_refs(
    conn: &mut DbConn,
    org: i64,
    leader: Option<i64>,
    lead: Option<i64>,
    supporting: &[i64],
    assignees: &[i64],
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    let mut people = at("/responsible_leader_id", leader);
    people.extend(assignees.iter().enumerate().map(|(n, u)| (format!("/assignee_ids/{n}"), *u)));
    let mut deps = at("/lead_department_id", lead);
    deps.extend(supporting.iter().enumerate().map(|(n, d)| (format!("/supporting_department_ids/{n}"), *d)));
    check_refs(conn, org, errors, &people, &deps)
}

fn set_links(conn: &mut DbConn, id: i64, supporting: Option<&[i64]>, assignees: Option<&[i64]>) -> AppResult<()> {
    if let Some(deps) = supporting {
        diesel::delete(measure_supporting_departments::table.filter(measure_supporting_departments::measure_id.eq(id))).execute(conn)?;
        let mut d = deps.to_vec();
        d.sort();
        d.dedup();
        for dep in d {
            diesel::insert_into(measure_supporting_departments::table)
                .values((measure_supporting_departments::measure_id.eq(id), measure_supporting_departments::department_id.eq(dep)))
                .execute(conn)?;
        }
    }
    if let Some(users_) = assignees {
        let before = notifications::assignees(conn, id)?;
        diesel::delete(measure_assignees::table.filter(measure_assignees::measure_id.eq(id))).execute(conn)?;
        let mut u = users_.to_vec();
        u.sort();
        u.dedup();
        for user in &u {
            diesel::insert_into(measure_assignees::table)
                .values((measure_assignees::measure_id.eq(id), measure_assignees::user_id.eq(user)))
                .execute(conn)?;
        }
        let added: Vec<i64> = u.into_iter().filter(|x| !before.contains(x)).collect();
        if !added.is_empty() {
            let m: Measure = measures::table.find(id).select(Measure::as_select()).first(conn)?;
            let message = format!("你被指派负责整改措施 {}", notifications::describe(&m));
            notifications::send(conn, &added, "assigned", &m, &message, None)?;
        }
    }
    Ok(())
}

pub fn list_for_problem(conn: &mut DbConn, caller: &Caller, problem_id: i64) -> AppResult<Vec<MeasureView>> {
    let (p, _) = visible_problem(conn, caller, problem_id)?;
    let s = scope(conn, caller)?;
    let mut q = measures::table.filter(measures::problem_id.eq(p.id)).into_boxed();
    if let Some(user) = s.assigned_to {
        q = q.filter(
            measures::id.eq_any(measure_assignees::table.filter(measure_assignees::user_id.eq(user)).select(measure_assignees::measure_id)),
        );
    }
    let rows = q.order(measures::ordinal).select(Measure::as_select()).load(conn)?;
    views(conn, rows)
}

pub fn create(conn: &mut DbConn, caller: &Caller, problem_id: i64, input: NewMeasure) -> AppResult<MeasureView> {
    write_tx(conn, |conn| {
        let (p, i) = visible_problem(conn, caller, problem_id)?;
        if !edits_ledger(caller, i.organisation_id) {
            return Err(refuse_edit());
        }
        ensure_problem_open(conn, p.id)?;
        let mut errors = Vec::new();
        let title = required_text(&mut errors, "/title", &input.title, 200);
        let content = optional_text(&mut errors, "/content", &input.content, 10_000);
        validate_refs(
            conn,
            i.organisation_id,
            input.responsible_leader_id,
            input.lead_department_id,
            &input.supporting_department_ids,
            &input.assignee_ids,
            &mut errors,
        )?;
        check(errors)?;
        let last: Option<i32> =
            measures::table.filter(measures::problem_id.eq(p.id)).select(diesel::dsl::max(measures::ordinal)).first(conn)?;
        let m = insert(conn, (i.organisation_id, i.id, p.id, p.ordinal), last.unwrap_or(0) + 1, &NewMeasure { title, content, ..input })?;
        let v = view(conn, m)?;
        logged(conn, caller, "measure.create", v)
    })
}

/// Writes a checked measure with its departments and assignees; `at` is (organisation,
/// inspection, problem, problem ordinal).
pub(super) fn insert(conn: &mut DbConn, at: (i64, i64, i64, i32), ordinal: i32, m: &NewMeasure) -> AppResult<Measure> {
    let t = now();
    let row: Measure = diesel::insert_into(measures::table)
        .values((
            measures::organisation_id.eq(at.0),
            measures::inspection_id.eq(at.1),
            measures::problem_id.eq(at.2),
            measures::ordinal.eq(ordinal),
            measures::problem_ordinal.eq(at.3),
            measures::title.eq(&m.title),
            measures::content.eq(&m.content),
            measures::kind.eq(m.kind.as_str()),
            measures::responsible_leader_id.eq(m.responsible_leader_id),
            measures::lead_department_id.eq(m.lead_department_id),
            measures::deadline.eq(m.deadline),
            measures::progress.eq(""),
            measures::status.eq(MeasureStatus::NotStarted.as_str()),
            measures::version.eq(1),
            measures::created_at.eq(t),
            measures::updated_at.eq(t),
        ))
        .returning(measures::all_columns)
        .get_result(conn)?;
    set_links(conn, row.id, Some(&m.supporting_department_ids), Some(&m.assignee_ids))?;
    Ok(row)
}

/// A measure the caller may see (staff: assigned to it), or 404.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<Measure> {
    let m: Measure = measures::table.find(id).select(Measure::as_select()).first(conn)?;
    if !scope(conn, caller)?.sees_measure(conn, m.organisation_id, m.id)? {
        return Err(AppError::not_found());
    }
    Ok(m)
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<MeasureView> {
    let m = visible(conn, caller, id)?;
    view(conn, m)
}

/// Whether the caller carries out the measure: one of its assignees, its responsible leader, or
/// whoever edits the ledger. They report progress and submit evidence.
pub fn works_on(conn: &mut DbConn, caller: &Caller, m: &Measure) -> AppResult<bool> {
    if leads(caller, m) || edits_ledger(caller, m.organisation_id) {
        return Ok(true);
    }
    let Some(user) = caller.user_id() else { return Ok(false) };
    Ok(diesel::select(diesel::dsl::exists(
        measure_assignees::table.filter(measure_assignees::measure_id.eq(m.id)).filter(measure_assignees::user_id.eq(user)),
    ))
    .get_result(conn)?)
}

/// The coordinator edits every measure; a responsible leader the measures it leads.
fn leads(caller: &Caller, m: &Measure) -> bool {
    caller.has(Role::ResponsibleLeader) && caller.user_id().is_some() && m.responsible_leader_id == caller.user_id()
}

pub fn update(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, patch: MeasurePatch) -> AppResult<MeasureView> {
    write_tx(conn, |conn| {
        let m = visible(conn, caller, id)?;
        let coordinator = edits_ledger(caller, m.organisation_id);
        if !coordinator && !leads(caller, &m) {
            return Err(refuse_edit());
        }
        if !coordinator && patch.responsible_leader_id.is_some() {
            return Err(AppError::forbidden("ledger_read_only", "only the coordinator reassigns the responsible leader"));
        }
        ensure_problem_open(conn, m.problem_id)?;
        expected.check(m.version)?;
        write_patch(conn, caller, m, patch)
    })
}

/// Checks and writes a change to a measure as read (its version moves on), and records it in
/// the audit log: the one way a measure's fields change, for an edit and for an import alike.
/// The caller has checked that it may make the change. Its status is never touched.
pub(super) fn write_patch(conn: &mut DbConn, caller: &Caller, m: Measure, patch: MeasurePatch) -> AppResult<MeasureView> {
    let (id, expected_version) = (m.id, m.version);
    let mut errors = Vec::new();
    let title = patch.title.as_deref().map(|t| required_text(&mut errors, "/title", t, 200)).unwrap_or(m.title.clone());
    let content = patch.content.as_deref().map(|t| optional_text(&mut errors, "/content", t, 10_000)).unwrap_or(m.content.clone());
    let leader = patch.responsible_leader_id.unwrap_or(m.responsible_leader_id);
    let lead = patch.lead_department_id.unwrap_or(m.lead_department_id);
    let deadline = patch.deadline.unwrap_or(m.deadline);
    let kind = patch.kind.map(|k| k.as_str()).unwrap_or(&m.kind).to_string();
    validate_refs(
        conn,
        m.organisation_id,
        leader,
        lead,
        patch.supporting_department_ids.as_deref().unwrap_or(&[]),
        patch.assignee_ids.as_deref().unwrap_or(&[]),
        &mut errors,
    )?;
    check(errors)?;
    let changed = diesel::update(measures::table.find(id).filter(measures::version.eq(expected_version)))
        .set((
            measures::title.eq(&title),
            measures::content.eq(&content),
            measures::kind.eq(&kind),
            measures::responsible_leader_id.eq(leader),
            measures::lead_department_id.eq(lead),
            measures::deadline.eq(deadline),
            measures::version.eq(expected_version + 1),
            measures::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::version_mismatch());
    }
    set_links(conn, id, patch.supporting_department_ids.as_deref(), patch.assignee_ids.as_deref())?;
    let m = measures::table.find(id).select(Measure::as_select()).first(conn)?;
    let v = view(conn, m)?;
    logged(conn, caller, "measure.update", v)
}

pub fn delete(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<()> {
    write_tx(conn, |conn| {
        let m = visible(conn, caller, id)?;
        if !edits_ledger(caller, m.organisation_id) {
            return Err(refuse_edit());
        }
        ensure_problem_open(conn, m.problem_id)?;
        expected.check(m.version)?;
        if crate::domain::evidence::measure_has_evidence(conn, id)? {
            return Err(AppError::conflict(
                "measure_has_evidence",
                "evidence was submitted for this measure; it is kept, so the measure stays",
            ));
        }
        audit::record(
            conn,
            caller,
            m.organisation_id,
            "measure.delete",
            ("measure", id),
            serde_json::json!({"title": m.title, "problem_id": m.problem_id}),
        )?;
        diesel::delete(measure_progress::table.filter(measure_progress::measure_id.eq(id))).execute(conn)?;
        diesel::delete(measures::table.find(id)).execute(conn)?;
        let rest: Vec<i64> =
            measures::table.filter(measures::problem_id.eq(m.problem_id)).order(measures::ordinal).select(measures::id).load(conn)?;
        renumber!(conn, measures, &rest)
    })
}

/// Puts the measures of a problem in the given order; `expected_version` is the problem's.
pub fn reorder(
    conn: &mut DbConn,
    caller: &Caller,
    problem_id: i64,
    expected: &Precondition,
    ids: Vec<i64>,
) -> AppResult<(i64, Vec<MeasureView>)> {
    let version = write_tx(conn, |conn| {
        let (p, i) = visible_problem(conn, caller, problem_id)?;
        if !edits_ledger(caller, i.organisation_id) {
            return Err(refuse_edit());
        }
        ensure_problem_open(conn, p.id)?;
        let version = bump(conn, ParentKind::Problem, p.id, p.version, expected)?;
        let current: Vec<i64> = measures::table.filter(measures::problem_id.eq(p.id)).select(measures::id).load(conn)?;
        same_members(&current, &ids, "/ids")?;
        audit::record(
            conn,
            caller,
            i.organisation_id,
            "problem.reorder_measures",
            ("problem", p.id),
            serde_json::json!({"measure_ids": ids}),
        )?;
        renumber!(conn, measures, &ids)?;
        Ok(version)
    })?;
    Ok((version, list_for_problem(conn, caller, problem_id)?))
}

/// Records progress: assignees, the responsible leader and the coordinator may. The first
/// report moves the measure from `not_started` to `in_progress`.
pub fn report_progress(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    expected: &Precondition,
    input: ProgressInput,
) -> AppResult<MeasureView> {
    write_tx(conn, |conn| {
        let m = visible(conn, caller, id)?;
        if !works_on(conn, caller, &m)? {
            return Err(AppError::forbidden(
                "not_assigned",
                "only the measure's assignees, its responsible leader and the coordinator report progress",
            ));
        }
        ensure_problem_open(conn, m.problem_id)?;
        let expected_version = expected.check(m.version)?;
        let mut errors = Vec::new();
        let progress = required_text(&mut errors, "/progress", &input.progress, 10_000);
        check(errors)?;
        let status = if m.status == MeasureStatus::NotStarted.as_str() { MeasureStatus::InProgress.as_str() } else { m.status.as_str() };
        let t = now();
        let changed = diesel::update(measures::table.find(id).filter(measures::version.eq(expected_version)))
            .set((
                measures::progress.eq(&progress),
                measures::status.eq(status),
                measures::version.eq(expected_version + 1),
                measures::updated_at.eq(t),
            ))
            .execute(conn)?;
        if changed == 0 {
            return Err(AppError::version_mismatch());
        }
        diesel::insert_into(measure_progress::table)
            .values((
                measure_progress::measure_id.eq(id),
                measure_progress::author_id.eq(caller.user_id()),
                measure_progress::progress.eq(&progress),
                measure_progress::created_at.eq(t),
            ))
            .execute(conn)?;
        let m = measures::table.find(id).select(Measure::as_select()).first(conn)?;
        let v = view(conn, m)?;
        logged(conn, caller, "measure.progress", v)
    })
}

/// Records a change to a measure in the audit log, with the measure as it is now (the state
/// before is the previous event of the same measure).
pub(super) fn logged(conn: &mut DbConn, caller: &Caller, action: &str, v: MeasureView) -> AppResult<MeasureView> {
    let summary = serde_json::json!({
        "title": v.title, "kind": v.kind, "status": v.status, "progress": v.progress, "deadline": v.deadline,
        "responsible_leader_id": v.responsible_leader_id, "lead_department_id": v.lead_department_id,
        "supporting_department_ids": v.supporting_department_ids, "assignee_ids": v.assignee_ids, "version": v.version,
    });
    audit::record(conn, caller, v.organisation_id, action, ("measure", v.id), summary)?;
    Ok(v)
}

pub fn progress_history(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<Vec<ProgressEntry>> {
    visible(conn, caller, id)?;
    let rows: Vec<(i64, Option<i64>, Option<String>, String, chrono::NaiveDateTime)> = measure_progress::table
        .left_join(users::table.on(measure_progress::author_id.eq(users::id.nullable())))
        .filter(measure_progress::measure_id.eq(id))
        .order(measure_progress::id.desc())
        .select((
            measure_progress::id,
            measure_progress::author_id,
            users::display_name.nullable(),
            measure_progress::progress,
            measure_progress::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, author_id, author_name, progress, at)| ProgressEntry { id, author_id, author_name, progress, created_at: utc(at) })
        .collect())
}
