//! Categories (方面) and problems (反馈问题) of an inspection.
//!
//! Problems are numbered 1…N across the whole inspection, category by category, as in the
//! report; every change that moves a problem renumbers them.

use crate::domain::precondition::Precondition;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::inspections::{editable, visible};
use super::labels::{category_label, problem_label};
use super::{edits_ledger, ensure_problem_open, refuse_edit, scope, MeasureStatus, Part};
use crate::auth::Caller;
use crate::db::{write_tx, DbConn};
use crate::domain::{audit, check, now, optional_text, required_text, utc};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::{Category, Inspection, Problem};
use crate::schema::{categories, departments, inspections, measure_assignees, measures, problems, users};

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: i64,
    pub inspection_id: i64,
    pub ordinal: i32,
    /// （一）, （二）…
    #[schema(example = "（一）")]
    pub label: String,
    #[schema(example = "履行职责使命方面")]
    pub title: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Category> for CategoryView {
    fn from(c: Category) -> Self {
        CategoryView {
            id: c.id,
            inspection_id: c.inspection_id,
            ordinal: c.ordinal,
            label: category_label(c.ordinal),
            title: c.title,
            version: c.version,
            created_at: utc(c.created_at),
            updated_at: utc(c.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
}

/// Categories of an inspection (for staff: those holding a measure assigned to them).
pub fn list_categories(conn: &mut DbConn, caller: &Caller, inspection_id: i64) -> AppResult<Vec<CategoryView>> {
    let (_, s) = visible(conn, caller, inspection_id)?;
    let mut q = categories::table.filter(categories::inspection_id.eq(inspection_id)).into_boxed();
    if let Some(user) = s.assigned_to {
        let theirs =
            measures::table.inner_join(measure_assignees::table).filter(measure_assignees::user_id.eq(user)).select(measures::problem_id);
        q = q.filter(categories::id.eq_any(problems::table.filter(problems::id.eq_any(theirs)).select(problems::category_id)));
    }
    let rows = q.order(categories::ordinal).select(Category::as_select()).load(conn)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A category the caller may see (staff: one holding a measure assigned to them), or 404.
fn visible_category(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<Category> {
    let c: Category = categories::table.find(id).select(Category::as_select()).first(conn)?;
    let org: i64 = inspections::table.find(c.inspection_id).select(inspections::organisation_id).first(conn)?;
    if !scope(conn, caller)?.sees_inspection(conn, org, c.inspection_id, Part::Category(c.id))? {
        return Err(AppError::not_found());
    }
    Ok(c)
}

pub fn create_category(conn: &mut DbConn, caller: &Caller, inspection_id: i64, input: CategoryInput) -> AppResult<CategoryView> {
    write_tx(conn, |conn| {
        let i = editable(conn, caller, inspection_id)?;
        let mut errors = Vec::new();
        let title = required_text(&mut errors, "/title", &input.title, 100);
        check(errors)?;
        let c = insert_category(conn, inspection_id, &title)?;
        audit::record(
            conn,
            caller,
            i.organisation_id,
            "category.create",
            ("category", c.id),
            json!({"inspection_id": inspection_id, "title": title}),
        )?;
        Ok(c.into())
    })
}

/// Adds a category after the inspection's last one.
pub(super) fn insert_category(conn: &mut DbConn, inspection_id: i64, title: &str) -> AppResult<Category> {
    let last: Option<i32> =
        categories::table.filter(categories::inspection_id.eq(inspection_id)).select(diesel::dsl::max(categories::ordinal)).first(conn)?;
    let t = now();
    Ok(diesel::insert_into(categories::table)
        .values((
            categories::inspection_id.eq(inspection_id),
            categories::ordinal.eq(last.unwrap_or(0) + 1),
            categories::title.eq(title),
            categories::version.eq(1),
            categories::created_at.eq(t),
            categories::updated_at.eq(t),
        ))
        .returning(categories::all_columns)
        .get_result(conn)?)
}

/// Adds a problem after the inspection's last one; callers renumber when it belongs earlier.
pub(super) fn insert_problem(conn: &mut DbConn, inspection_id: i64, p: &NewProblem) -> AppResult<i64> {
    let last: Option<i32> =
        problems::table.filter(problems::inspection_id.eq(inspection_id)).select(diesel::dsl::max(problems::ordinal)).first(conn)?;
    let t = now();
    Ok(diesel::insert_into(problems::table)
        .values((
            problems::inspection_id.eq(inspection_id),
            problems::category_id.eq(p.category_id),
            problems::ordinal.eq(last.unwrap_or(0) + 1),
            problems::title.eq(&p.title),
            problems::feedback.eq(&p.feedback),
            problems::responsible_leader_id.eq(p.responsible_leader_id),
            problems::lead_department_id.eq(p.lead_department_id),
            problems::version.eq(1),
            problems::created_at.eq(t),
            problems::updated_at.eq(t),
        ))
        .returning(problems::id)
        .get_result(conn)?)
}

/// The category, when the caller may change it at this version, with its organisation.
fn editable_category(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<(Category, i64)> {
    let c = visible_category(conn, caller, id)?;
    let i = editable(conn, caller, c.inspection_id)?;
    expected.check(c.version)?;
    Ok((c, i.organisation_id))
}

pub fn rename_category(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    expected: &Precondition,
    input: CategoryInput,
) -> AppResult<CategoryView> {
    write_tx(conn, |conn| {
        let (c, org) = editable_category(conn, caller, id, expected)?;
        let expected_version = c.version;
        let mut errors = Vec::new();
        let title = required_text(&mut errors, "/title", &input.title, 100);
        check(errors)?;
        let c: Category = diesel::update(categories::table.find(id).filter(categories::version.eq(expected_version)))
            .set((categories::title.eq(&title), categories::version.eq(expected_version + 1), categories::updated_at.eq(now())))
            .returning(categories::all_columns)
            .get_result::<Category>(conn)
            .optional()?
            .ok_or_else(AppError::version_mismatch)?;
        audit::record(conn, caller, org, "category.rename", ("category", id), json!({"title": title}))?;
        Ok(c.into())
    })
}

pub fn delete_category(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<()> {
    write_tx(conn, |conn| {
        let (c, org) = editable_category(conn, caller, id, expected)?;
        let used: i64 = problems::table.filter(problems::category_id.eq(id)).count().get_result(conn)?;
        if used > 0 {
            return Err(AppError::conflict("category_not_empty", "the category still has problems"));
        }
        audit::record(conn, caller, org, "category.delete", ("category", id), json!({"title": c.title}))?;
        diesel::delete(categories::table.find(id)).execute(conn)?;
        let rest: Vec<i64> = categories::table
            .filter(categories::inspection_id.eq(c.inspection_id))
            .order(categories::ordinal)
            .select(categories::id)
            .load(conn)?;
        renumber!(conn, categories, &rest)?;
        renumber_problems(conn, c.inspection_id)
    })
}

/// Puts the categories of an inspection in the given order; the list must hold each exactly once.
/// The order is part of the inspection: `expected_version` is the inspection's, and it moves on.
pub fn reorder_categories(
    conn: &mut DbConn,
    caller: &Caller,
    inspection_id: i64,
    expected: &Precondition,
    ids: Vec<i64>,
) -> AppResult<(i64, Vec<CategoryView>)> {
    let version = write_tx(conn, |conn| {
        let i = editable(conn, caller, inspection_id)?;
        let version = bump(conn, ParentKind::Inspection, i.id, i.version, expected)?;
        let current: Vec<i64> = categories::table.filter(categories::inspection_id.eq(inspection_id)).select(categories::id).load(conn)?;
        same_members(&current, &ids, "/ids")?;
        renumber!(conn, categories, &ids)?;
        renumber_problems(conn, inspection_id)?;
        audit::record(
            conn,
            caller,
            i.organisation_id,
            "inspection.reorder_categories",
            ("inspection", i.id),
            json!({"category_ids": ids}),
        )?;
        Ok(version)
    })?;
    Ok((version, list_categories(conn, caller, inspection_id)?))
}

pub(super) enum ParentKind {
    Inspection,
    Category,
    Problem,
}

/// Checks and moves on the version of the parent whose children are reordered.
pub(super) fn bump(conn: &mut DbConn, kind: ParentKind, id: i64, current: i64, expected: &Precondition) -> AppResult<i64> {
    let expected = expected.check(current)?;
    let t = now();
    let n = match kind {
        ParentKind::Inspection => diesel::update(inspections::table.find(id).filter(inspections::version.eq(expected)))
            .set((inspections::version.eq(expected + 1), inspections::updated_at.eq(t)))
            .execute(conn)?,
        ParentKind::Category => diesel::update(categories::table.find(id).filter(categories::version.eq(expected)))
            .set((categories::version.eq(expected + 1), categories::updated_at.eq(t)))
            .execute(conn)?,
        ParentKind::Problem => diesel::update(problems::table.find(id).filter(problems::version.eq(expected)))
            .set((problems::version.eq(expected + 1), problems::updated_at.eq(t)))
            .execute(conn)?,
    };
    if n == 0 {
        return Err(AppError::version_mismatch());
    }
    Ok(expected + 1)
}

pub(super) fn same_members(current: &[i64], given: &[i64], pointer: &str) -> AppResult<()> {
    let (mut a, mut b) = (current.to_vec(), given.to_vec());
    a.sort();
    b.sort();
    if a != b {
        return Err(AppError::field(pointer, "not_a_permutation", "list every item exactly once"));
    }
    Ok(())
}

/// Numbers the problems 1…N in category order, keeping their order inside each category.
pub(super) fn renumber_problems(conn: &mut DbConn, inspection_id: i64) -> AppResult<()> {
    let ordered: Vec<i64> = problems::table
        .inner_join(categories::table)
        .filter(problems::inspection_id.eq(inspection_id))
        .order((categories::ordinal, problems::ordinal, problems::id))
        .select(problems::id)
        .load(conn)?;
    renumber!(conn, problems, &ordered)?;
    sync_problem_ordinals(conn, inspection_id)
}

/// Copies each problem's ordinal onto its measures (they sort by it without a join).
fn sync_problem_ordinals(conn: &mut DbConn, inspection_id: i64) -> AppResult<()> {
    let rows: Vec<(i64, i32)> =
        problems::table.filter(problems::inspection_id.eq(inspection_id)).select((problems::id, problems::ordinal)).load(conn)?;
    for (id, ordinal) in rows {
        diesel::update(measures::table.filter(measures::problem_id.eq(id)).filter(measures::problem_ordinal.ne(ordinal)))
            .set(measures::problem_ordinal.eq(ordinal))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemView {
    pub id: i64,
    pub inspection_id: i64,
    pub category_id: i64,
    /// 1…N across the inspection.
    pub ordinal: i32,
    #[schema(example = "1.")]
    pub label: String,
    #[schema(example = "理论武装不够问题")]
    pub title: String,
    /// The feedback text (反馈意见).
    pub feedback: String,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    /// Derived from the measures: `not_started` until one of them has started.
    pub status: MeasureStatus,
    pub measure_count: i64,
    /// Close-out (销号): `open`, `requested` (waiting for the supervising bureau), `closed`.
    #[schema(example = "open")]
    pub closeout_status: String,
    pub closed_at: Option<DateTime<Utc>>,
    /// The bureau's comment when closing or returning.
    pub closeout_comment: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(super) fn problem_view(conn: &mut DbConn, p: Problem) -> AppResult<ProblemView> {
    Ok(problem_views(conn, vec![p])?.remove(0))
}

/// Views of problems, with the status derived from their measures in one query.
fn problem_views(conn: &mut DbConn, rows: Vec<Problem>) -> AppResult<Vec<ProblemView>> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let statuses: Vec<(i64, String)> =
        measures::table.filter(measures::problem_id.eq_any(&ids)).select((measures::problem_id, measures::status)).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let id = p.id;
            derive_view(p, statuses.iter().filter(|(m, _)| *m == id).map(|(_, s)| s.as_str()))
        })
        .collect())
}

fn derive_view<'a>(p: Problem, statuses: impl Iterator<Item = &'a str>) -> ProblemView {
    let statuses: Vec<&str> = statuses.collect();
    let done = |s: &&str| super::workflow::DONE.iter().any(|d| d.as_str() == *s);
    let status = if statuses.iter().all(|s| *s == MeasureStatus::NotStarted.as_str()) {
        MeasureStatus::NotStarted
    } else if statuses.iter().all(done) {
        MeasureStatus::Verified
    } else {
        MeasureStatus::InProgress
    };
    ProblemView {
        id: p.id,
        inspection_id: p.inspection_id,
        category_id: p.category_id,
        ordinal: p.ordinal,
        label: problem_label(p.ordinal),
        title: p.title,
        feedback: p.feedback,
        responsible_leader_id: p.responsible_leader_id,
        lead_department_id: p.lead_department_id,
        status,
        measure_count: statuses.len() as i64,
        closeout_status: p.closeout_status,
        closed_at: p.closed_at.map(utc),
        closeout_comment: p.closeout_comment,
        version: p.version,
        created_at: utc(p.created_at),
        updated_at: utc(p.updated_at),
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProblem {
    pub category_id: i64,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub feedback: String,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemPatch {
    /// Moves the problem to the end of another category of the same inspection.
    pub category_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 10000)]
    pub feedback: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<i64>)]
    pub responsible_leader_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<i64>)]
    pub lead_department_id: Option<Option<i64>>,
}

/// `(pointer, id)` of an optional reference, for [`check_refs`].
pub(super) fn at(pointer: &str, id: Option<i64>) -> Vec<(String, i64)> {
    id.map(|i| (pointer.to_string(), i)).into_iter().collect()
}

/// Checks that users and departments, each given with the JSON pointer of its field, belong to
/// the organisation.
pub(super) fn check_refs(
    conn: &mut DbConn,
    org: i64,
    errors: &mut Vec<FieldError>,
    people: &[(String, i64)],
    departments_: &[(String, i64)],
) -> AppResult<()> {
    for (pointer, id) in people {
        let o: Option<i64> = users::table.find(id).select(users::organisation_id).first(conn).optional()?;
        if o != Some(org) {
            errors.push(FieldError::new(pointer, "invalid_user", "no such user in this organisation"));
        }
    }
    for (pointer, id) in departments_ {
        let o: Option<i64> = departments::table.find(id).select(departments::organisation_id).first(conn).optional()?;
        if o != Some(org) {
            errors.push(FieldError::new(pointer, "invalid_department", "no such department in this organisation"));
        }
    }
    Ok(())
}

fn category_of(conn: &mut DbConn, inspection_id: i64, category_id: i64, errors: &mut Vec<FieldError>) -> AppResult<()> {
    let owner: Option<i64> = categories::table.find(category_id).select(categories::inspection_id).first(conn).optional()?;
    if owner != Some(inspection_id) {
        errors.push(FieldError::new("/category_id", "invalid_category", "no such category in this inspection"));
    }
    Ok(())
}

/// Problems of an inspection (for staff: those holding a measure assigned to them).
pub fn list_problems(conn: &mut DbConn, caller: &Caller, inspection_id: i64) -> AppResult<Vec<ProblemView>> {
    let (_, s) = visible(conn, caller, inspection_id)?;
    let mut q = problems::table.filter(problems::inspection_id.eq(inspection_id)).into_boxed();
    if let Some(user) = s.assigned_to {
        q = q.filter(problems::id.eq_any(
            measures::table.inner_join(measure_assignees::table).filter(measure_assignees::user_id.eq(user)).select(measures::problem_id),
        ));
    }
    let rows: Vec<Problem> = q.order(problems::ordinal).select(Problem::as_select()).load(conn)?;
    problem_views(conn, rows)
}

/// A problem the caller may see (staff: one holding a measure assigned to them), or 404.
pub fn visible_problem(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<(Problem, Inspection)> {
    let p: Problem = problems::table.find(id).select(Problem::as_select()).first(conn)?;
    let i: Inspection = inspections::table.find(p.inspection_id).select(Inspection::as_select()).first(conn)?;
    if !scope(conn, caller)?.sees_inspection(conn, i.organisation_id, i.id, Part::Problem(p.id))? {
        return Err(AppError::not_found());
    }
    Ok((p, i))
}

/// Records a change to a problem, with the problem as it is now.
fn logged(conn: &mut DbConn, caller: &Caller, org: i64, action: &str, v: ProblemView) -> AppResult<ProblemView> {
    let summary = json!({
        "title": v.title, "label": v.label, "category_id": v.category_id, "feedback": v.feedback,
        "responsible_leader_id": v.responsible_leader_id, "lead_department_id": v.lead_department_id, "version": v.version,
    });
    audit::record(conn, caller, org, action, ("problem", v.id), summary)?;
    Ok(v)
}

pub fn get_problem(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<ProblemView> {
    let (p, _) = visible_problem(conn, caller, id)?;
    problem_view(conn, p)
}

pub fn create_problem(conn: &mut DbConn, caller: &Caller, inspection_id: i64, input: NewProblem) -> AppResult<ProblemView> {
    write_tx(conn, |conn| {
        let i = editable(conn, caller, inspection_id)?;
        let mut errors = Vec::new();
        let title = required_text(&mut errors, "/title", &input.title, 200);
        let feedback = optional_text(&mut errors, "/feedback", &input.feedback, 10_000);
        category_of(conn, inspection_id, input.category_id, &mut errors)?;
        check_refs(
            conn,
            i.organisation_id,
            &mut errors,
            &at("/responsible_leader_id", input.responsible_leader_id),
            &at("/lead_department_id", input.lead_department_id),
        )?;
        check(errors)?;
        // At the end of its category; renumbering then shifts the later categories' problems.
        let id = insert_problem(conn, inspection_id, &NewProblem { title, feedback, ..input })?;
        renumber_problems(conn, inspection_id)?;
        let p = problems::table.find(id).select(Problem::as_select()).first(conn)?;
        let v = problem_view(conn, p)?;
        logged(conn, caller, i.organisation_id, "problem.create", v)
    })
}

fn editable_problem(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<(Problem, Inspection)> {
    let (p, i) = visible_problem(conn, caller, id)?;
    if !edits_ledger(caller, i.organisation_id) {
        return Err(refuse_edit());
    }
    ensure_problem_open(conn, p.id)?;
    expected.check(p.version)?;
    Ok((p, i))
}

pub fn update_problem(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, patch: ProblemPatch) -> AppResult<ProblemView> {
    write_tx(conn, |conn| {
        let (p, i) = editable_problem(conn, caller, id, expected)?;
        write_problem_patch(conn, caller, i.organisation_id, p, patch)
    })
}

/// Checks and writes a change to a problem as read (its version moves on), and records it in
/// the audit log: for an edit and for an import alike. The caller has checked that it may.
pub(super) fn write_problem_patch(conn: &mut DbConn, caller: &Caller, org: i64, p: Problem, patch: ProblemPatch) -> AppResult<ProblemView> {
    let (id, expected_version) = (p.id, p.version);
    let mut errors = Vec::new();
    let title = patch.title.as_deref().map(|t| required_text(&mut errors, "/title", t, 200)).unwrap_or(p.title.clone());
    let feedback = patch.feedback.as_deref().map(|t| optional_text(&mut errors, "/feedback", t, 10_000)).unwrap_or(p.feedback.clone());
    let category_id = patch.category_id.unwrap_or(p.category_id);
    if category_id != p.category_id {
        category_of(conn, p.inspection_id, category_id, &mut errors)?;
    }
    let leader = patch.responsible_leader_id.unwrap_or(p.responsible_leader_id);
    let dep = patch.lead_department_id.unwrap_or(p.lead_department_id);
    check_refs(conn, org, &mut errors, &at("/responsible_leader_id", leader), &at("/lead_department_id", dep))?;
    check(errors)?;
    // Moved: to the end of the new category.
    let ordinal = if category_id != p.category_id { i32::MAX / 2 } else { p.ordinal };
    let changed = diesel::update(problems::table.find(id).filter(problems::version.eq(expected_version)))
        .set((
            problems::title.eq(&title),
            problems::feedback.eq(&feedback),
            problems::category_id.eq(category_id),
            problems::ordinal.eq(ordinal),
            problems::responsible_leader_id.eq(leader),
            problems::lead_department_id.eq(dep),
            problems::version.eq(expected_version + 1),
            problems::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::version_mismatch());
    }
    if category_id != p.category_id {
        renumber_problems(conn, p.inspection_id)?;
    }
    let p = problems::table.find(id).select(Problem::as_select()).first(conn)?;
    let v = problem_view(conn, p)?;
    logged(conn, caller, org, "problem.update", v)
}

pub fn delete_problem(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<()> {
    write_tx(conn, |conn| {
        let (p, i) = editable_problem(conn, caller, id, expected)?;
        let used: i64 = measures::table.filter(measures::problem_id.eq(id)).count().get_result(conn)?;
        if used > 0 {
            return Err(AppError::conflict("problem_not_empty", "the problem still has measures"));
        }
        audit::record(conn, caller, i.organisation_id, "problem.delete", ("problem", id), json!({"title": p.title}))?;
        diesel::delete(problems::table.find(id)).execute(conn)?;
        renumber_problems(conn, p.inspection_id)?;
        // The last open problem gone: the inspection is done when the rest are closed out.
        super::closeout::close_inspection_when_done(conn, &i)
    })
}

/// Puts the problems of one category in the given order; `expected_version` is the category's.
pub fn reorder_problems(
    conn: &mut DbConn,
    caller: &Caller,
    category_id: i64,
    expected: &Precondition,
    ids: Vec<i64>,
) -> AppResult<(i64, Vec<ProblemView>)> {
    let (inspection_id, version) = write_tx(conn, |conn| {
        let c = visible_category(conn, caller, category_id)?;
        let i = editable(conn, caller, c.inspection_id)?;
        let version = bump(conn, ParentKind::Category, c.id, c.version, expected)?;
        audit::record(conn, caller, i.organisation_id, "category.reorder_problems", ("category", c.id), json!({"problem_ids": ids}))?;
        let current: Vec<i64> = problems::table.filter(problems::category_id.eq(category_id)).select(problems::id).load(conn)?;
        same_members(&current, &ids, "/ids")?;
        // Keep the category's slot: take its current ordinals in order and hand them out anew.
        let mut slots: Vec<i32> = problems::table.filter(problems::category_id.eq(category_id)).select(problems::ordinal).load(conn)?;
        slots.sort();
        for (n, id) in ids.iter().enumerate() {
            diesel::update(problems::table.find(id)).set(problems::ordinal.eq(-(n as i32) - 1)).execute(conn)?;
        }
        for (id, slot) in ids.iter().zip(slots) {
            diesel::update(problems::table.find(id)).set(problems::ordinal.eq(slot)).execute(conn)?;
        }
        sync_problem_ordinals(conn, c.inspection_id)?;
        Ok((c.inspection_id, version))
    })?;
    Ok((version, list_problems(conn, caller, inspection_id)?.into_iter().filter(|p| p.category_id == category_id).collect()))
}
