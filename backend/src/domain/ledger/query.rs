//! Reading the ledger: the measure list with filters, the flattened 台账 rows, statistics.

use std::collections::BTreeMap;

use actix_web::web::Bytes;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::inspections::visible as visible_inspection;
use super::labels::{category_label, problem_label};
use super::measures::{views, MeasureView};
use super::{scope_in, today_in, today_in_zone, LedgerScope, MeasureKind, MeasureStatus};
use crate::auth::Caller;
use crate::db::{DbConn, MultiBackend};
use crate::domain::organisations::{readable_at, OrgRevision, OrgScope};
use crate::domain::{page_bounds, Page};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::Measure;
use crate::schema::{categories, departments, extension_requests, measure_assignees, measures, problems, users};

/// Statuses in which a measure counts as done.
pub const DONE: &[&str] = &["verified", "monitoring"];

/// The order of a measure list; `-` sorts descending.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq)]
pub enum MeasureSort {
    #[serde(rename = "ordinal")]
    Ordinal,
    #[serde(rename = "deadline")]
    Deadline,
    #[serde(rename = "-deadline")]
    DeadlineDesc,
    #[serde(rename = "updated_at")]
    UpdatedAt,
    #[serde(rename = "-updated_at")]
    UpdatedAtDesc,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasureQuery {
    pub inspection_id: Option<i64>,
    pub category_id: Option<i64>,
    pub problem_id: Option<i64>,
    pub status: Option<MeasureStatus>,
    pub kind: Option<MeasureKind>,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// `true`: past the deadline and not done; `false`: the others.
    pub overdue: Option<bool>,
    /// Deadline on or before this date.
    pub due_before: Option<NaiveDate>,
    /// Not done, with a deadline from today to N days ahead (both included) — the statistics'
    /// `due_within_7_days` is this filter with N = 7.
    #[param(minimum = 1, maximum = 366)]
    pub due_within_days: Option<i64>,
    /// Substring of the title, content or progress.
    pub q: Option<String>,
    /// `ordinal` (ledger order, the default), `deadline`, `-deadline`, `updated_at`, `-updated_at`.
    pub sort: Option<MeasureSort>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The measures matching a query, on the `measures` table alone (its indexes cover scope,
/// filters and both sort orders), so that counting and paging never join.
fn filtered<'a>(s: &'a LedgerScope, q: &'a MeasureQuery, today: NaiveDate) -> measures::BoxedQuery<'a, MultiBackend> {
    let mut query = measures::table.into_boxed::<MultiBackend>();
    if let OrgScope::Only(ids) = &s.orgs {
        query = query.filter(measures::organisation_id.eq_any(ids.clone()));
    }
    if let Some(user) = s.assigned_to {
        query = query.filter(
            measures::id.eq_any(measure_assignees::table.filter(measure_assignees::user_id.eq(user)).select(measure_assignees::measure_id)),
        );
    }
    if let Some(v) = q.inspection_id {
        query = query.filter(measures::inspection_id.eq(v));
    }
    if let Some(v) = q.category_id {
        query = query.filter(measures::problem_id.eq_any(problems::table.filter(problems::category_id.eq(v)).select(problems::id)));
    }
    if let Some(v) = q.problem_id {
        query = query.filter(measures::problem_id.eq(v));
    }
    if let Some(v) = q.status {
        query = query.filter(measures::status.eq(v.as_str()));
    }
    if let Some(v) = q.kind {
        query = query.filter(measures::kind.eq(v.as_str()));
    }
    if let Some(v) = q.responsible_leader_id {
        query = query.filter(measures::responsible_leader_id.eq(v));
    }
    if let Some(v) = q.lead_department_id {
        query = query.filter(measures::lead_department_id.eq(v));
    }
    if let Some(v) = q.assignee_id {
        query = query.filter(
            measures::id.eq_any(measure_assignees::table.filter(measure_assignees::user_id.eq(v)).select(measure_assignees::measure_id)),
        );
    }
    match q.overdue {
        Some(true) => query = query.filter(measures::deadline.lt(today)).filter(measures::status.ne_all(DONE)),
        Some(false) => {
            query = query.filter(measures::deadline.is_null().or(measures::deadline.ge(today)).or(measures::status.eq_any(DONE)))
        }
        None => {}
    }
    if let Some(d) = q.due_before {
        query = query.filter(measures::deadline.le(d));
    }
    if let Some(n) = q.due_within_days {
        let (first, last) = due_soon_window(today, n);
        query = query.filter(measures::deadline.between(first, last)).filter(measures::status.ne_all(DONE));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        query = query.filter(
            measures::title
                .like(p.clone())
                .escape('\\')
                .or(measures::content.like(p.clone()).escape('\\'))
                .or(measures::progress.like(p).escape('\\')),
        );
    }
    query
}

/// The page asked for, once the query's numbers are checked.
fn bounds(q: &MeasureQuery) -> AppResult<(i64, i64)> {
    check_filters(q)?;
    page_bounds(q.limit, q.offset)
}

/// The filters' numbers are in range (paging aside).
pub fn check_filters(q: &MeasureQuery) -> AppResult<()> {
    if q.due_within_days.is_some_and(|n| !(1..=366).contains(&n)) {
        return Err(AppError::validation(vec![FieldError::new("/due_within_days", "out_of_range", "between 1 and 366 days")]));
    }
    Ok(())
}

/// A measure an export holds, with what its layout needs to know before the rows come.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct Matching {
    pub id: i64,
    pub organisation_id: i64,
    pub inspection_id: i64,
}

/// Every measure in the scope matching the query's filters, in its order, without paging:
/// what an export holds, as `GET /measures` would list it page after page.
pub fn matching(conn: &mut DbConn, s: &LedgerScope, q: &MeasureQuery, today: NaiveDate) -> AppResult<Vec<Matching>> {
    Ok(sorted(filtered(s, q, today), q.sort).select((measures::id, measures::organisation_id, measures::inspection_id)).load(conn)?)
}

/// Orders a filtered query (kept apart because `count()` must not carry an ORDER BY).
fn sorted(query: measures::BoxedQuery<'_, MultiBackend>, sort: Option<MeasureSort>) -> measures::BoxedQuery<'_, MultiBackend> {
    match sort.unwrap_or(MeasureSort::Ordinal) {
        // Problems are numbered across categories, so this is ledger order.
        MeasureSort::Ordinal => query.order((measures::inspection_id, measures::problem_ordinal, measures::ordinal)),
        // Measures without a deadline last, on both databases (they sort NULL differently).
        MeasureSort::Deadline => query.order((measures::deadline.is_null(), measures::deadline.asc(), measures::id)),
        MeasureSort::DeadlineDesc => query.order((measures::deadline.is_null(), measures::deadline.desc(), measures::id)),
        MeasureSort::UpdatedAt => query.order((measures::updated_at.asc(), measures::id)),
        MeasureSort::UpdatedAtDesc => query.order((measures::updated_at.desc(), measures::id)),
    }
}

/// One page of measures. The ids are sorted first, from the indexes alone, and only the page's
/// rows are read: sorting whole rows (with their long texts) cost more than the rest of a request.
fn page(conn: &mut DbConn, s: &LedgerScope, q: &MeasureQuery, today: NaiveDate, limit: i64, offset: i64) -> AppResult<Vec<Measure>> {
    let ids: Vec<i64> = sorted(filtered(s, q, today), q.sort).limit(limit).offset(offset).select(measures::id).load(conn)?;
    let mut rows: Vec<Measure> = measures::table.filter(measures::id.eq_any(&ids)).select(Measure::as_select()).load(conn)?;
    rows.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
    Ok(rows)
}

/// What a page of the measure list is built from, and the key and revision it is cached under.
pub struct ListPlan {
    scope: LedgerScope,
    today: NaiveDate,
    pub key: String,
    pub revision: i64,
}

/// Plans the caller's page from every organisation's revision (read after the request arrived)
/// and `raw_query`, the request's query string.
pub fn list_plan(caller: &Caller, orgs: &[OrgRevision], raw_query: &str) -> ListPlan {
    let (orgs, revision, timezone) = readable_at(caller, orgs);
    let scope = scope_in(caller, orgs);
    let today = today_in_zone(&timezone);
    let key = format!("{:?}|{:?}|{today}|{raw_query}", scope.orgs, scope.assigned_to);
    ListPlan { scope, today, key, revision }
}

/// Every measure the caller may see, filtered and paged, as JSON.
pub fn list_json(conn: &mut DbConn, plan: &ListPlan, q: &MeasureQuery) -> AppResult<Bytes> {
    let (limit, offset) = bounds(q)?;
    let (s, today) = (&plan.scope, plan.today);
    let total: i64 = filtered(s, q, today).count().get_result(conn)?;
    let rows = page(conn, s, q, today, limit, offset)?;
    let page = Page { items: views(conn, rows)?, total, limit, offset };
    Ok(Bytes::from(serde_json::to_vec(&page).map_err(AppError::internal)?))
}

/// One row of the 台账: a measure with its problem and category, and names for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerRow {
    pub category_id: i64,
    #[schema(example = "（一）")]
    pub category_label: String,
    pub category_title: String,
    pub problem_id: i64,
    #[schema(example = "1.")]
    pub problem_label: String,
    pub problem_title: String,
    pub measure: MeasureView,
    pub responsible_leader_name: Option<String>,
    pub lead_department_name: Option<String>,
    pub supporting_department_names: Vec<String>,
    pub assignee_names: Vec<String>,
    /// Past the deadline (organisation time zone) and not done.
    pub overdue: bool,
    /// The deadline before the first approved extension; absent when never extended.
    pub original_deadline: Option<NaiveDate>,
    /// How many times the deadline was extended.
    pub extensions: i64,
}

pub fn ledger(conn: &mut DbConn, caller: &Caller, inspection_id: i64, q: MeasureQuery) -> AppResult<Page<LedgerRow>> {
    let (limit, offset) = bounds(&q)?;
    let (inspection, s) = visible_inspection(conn, caller, inspection_id)?;
    let today = today_in(conn, inspection.organisation_id)?;
    let q = MeasureQuery { inspection_id: Some(inspection_id), ..q };
    let total: i64 = filtered(&s, &q, today).count().get_result(conn)?;
    let page = page(conn, &s, &q, today, limit, offset)?;
    // Titles of the page's problems and categories.
    let problem_ids: Vec<i64> = page.iter().map(|m| m.problem_id).collect();
    let probs: BTreeMap<i64, (i32, String, i64)> = problems::table
        .filter(problems::id.eq_any(&problem_ids))
        .select((problems::id, problems::ordinal, problems::title, problems::category_id))
        .load::<(i64, i32, String, i64)>(conn)?
        .into_iter()
        .map(|(id, o, t, c)| (id, (o, t, c)))
        .collect();
    let cats: BTreeMap<i64, (i32, String)> = categories::table
        .filter(categories::inspection_id.eq(inspection_id))
        .select((categories::id, categories::ordinal, categories::title))
        .load::<(i64, i32, String)>(conn)?
        .into_iter()
        .map(|(id, o, t)| (id, (o, t)))
        .collect();
    let measure_views = views(conn, page)?;
    let mut people: Vec<i64> = measure_views.iter().flat_map(|m| m.assignee_ids.iter().copied().chain(m.responsible_leader_id)).collect();
    people.sort();
    people.dedup();
    let user_names = user_names(conn, people)?;
    let dep_names = department_names(conn, inspection.organisation_id)?;
    let page_ids: Vec<i64> = measure_views.iter().map(|m| m.id).collect();
    let extended: Vec<(i64, Option<NaiveDate>)> = extension_requests::table
        .filter(extension_requests::measure_id.eq_any(&page_ids))
        .filter(extension_requests::status.eq("approved"))
        .order(extension_requests::id)
        .select((extension_requests::measure_id, extension_requests::old_deadline))
        .load(conn)?;
    let items = measure_views
        .into_iter()
        .map(|v| {
            let (p_ord, p_title, c_id) = probs.get(&v.problem_id).cloned().unwrap_or_default();
            let (c_ord, c_title) = cats.get(&c_id).cloned().unwrap_or_default();
            LedgerRow {
                category_id: c_id,
                category_label: category_label(c_ord),
                category_title: c_title,
                problem_id: v.problem_id,
                problem_label: problem_label(p_ord),
                problem_title: p_title,
                responsible_leader_name: v.responsible_leader_id.and_then(|u| user_names.get(&u).cloned()),
                lead_department_name: v.lead_department_id.and_then(|d| dep_names.get(&d).cloned()),
                supporting_department_names: v.supporting_department_ids.iter().filter_map(|d| dep_names.get(d).cloned()).collect(),
                assignee_names: v.assignee_ids.iter().filter_map(|u| user_names.get(u).cloned()).collect(),
                overdue: is_overdue(v.deadline, v.status.as_str(), today),
                original_deadline: extended.iter().find(|(m, _)| *m == v.id).and_then(|(_, d)| *d),
                extensions: extended.iter().filter(|(m, _)| *m == v.id).count() as i64,
                measure: v,
            }
        })
        .collect();
    Ok(Page { items, total, limit, offset })
}

/// Display names of users, by id.
pub(super) fn user_names(conn: &mut DbConn, ids: Vec<i64>) -> AppResult<BTreeMap<i64, String>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

fn department_names(conn: &mut DbConn, organisation_id: i64) -> AppResult<BTreeMap<i64, String>> {
    Ok(departments::table
        .filter(departments::organisation_id.eq(organisation_id))
        .select((departments::id, departments::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// How many days ahead "due soon" looks, in the statistics and the dashboard.
pub const DUE_SOON_DAYS: i64 = 7;

/// The deadlines due within `days` days: from today to `days` days after it, both included
/// (a deadline in 7 days is "due within 7 days", as the screens colour it).
pub fn due_soon_window(today: NaiveDate, days: i64) -> (NaiveDate, NaiveDate) {
    (today, today + chrono::Duration::days(days))
}

pub fn is_overdue(deadline: Option<NaiveDate>, status: &str, today: NaiveDate) -> bool {
    deadline.is_some_and(|d| d < today) && !DONE.contains(&status)
}

#[derive(Debug, Default, Clone, Serialize, ToSchema, PartialEq)]
pub struct Counts {
    pub total: i64,
    pub done: i64,
    /// done ÷ total, 0 when there is nothing.
    pub completion_rate: f64,
    pub overdue: i64,
    /// Deadline from today to 7 days ahead (both included), not done.
    pub due_within_7_days: i64,
    /// Counts per status.
    pub by_status: BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct GroupCounts {
    /// Category, department or user id; `null` for measures without one.
    pub id: Option<i64>,
    pub label: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionStats {
    pub inspection_id: i64,
    /// The date "overdue" is measured against, in the organisation's time zone.
    pub today: NaiveDate,
    pub overall: Counts,
    pub by_category: Vec<GroupCounts>,
    pub by_lead_department: Vec<GroupCounts>,
    pub by_responsible_leader: Vec<GroupCounts>,
    /// Look-backs (回头看) that found the problem back.
    pub rebounds: i64,
}

/// What the statistics need of one measure.
pub struct StatRow {
    pub category: (i64, String),
    pub department: (Option<i64>, String),
    pub leader: (Option<i64>, String),
    pub status: String,
    pub deadline: Option<NaiveDate>,
}

fn add(c: &mut Counts, r: &StatRow, today: NaiveDate) {
    add_to_counts(c, &r.status, r.deadline, today)
}

/// Counts one measure: what every figure of the statistics (and of the exports) is made of.
pub fn add_to_counts(c: &mut Counts, status: &str, deadline: Option<NaiveDate>, today: NaiveDate) {
    c.total += 1;
    let done = DONE.contains(&status);
    if done {
        c.done += 1;
    }
    if is_overdue(deadline, status, today) {
        c.overdue += 1;
    }
    let (first, last) = due_soon_window(today, DUE_SOON_DAYS);
    if !done && deadline.is_some_and(|d| d >= first && d <= last) {
        c.due_within_7_days += 1;
    }
    *c.by_status.entry(status.to_string()).or_default() += 1;
    c.completion_rate = c.done as f64 / c.total as f64;
}

/// Pure aggregation, in the order groups first appear (ledger order for categories).
pub fn aggregate(rows: &[StatRow], today: NaiveDate) -> (Counts, Vec<GroupCounts>, Vec<GroupCounts>, Vec<GroupCounts>) {
    let mut overall = Counts::default();
    let group = |key: fn(&StatRow) -> (Option<i64>, String)| {
        let mut out: Vec<GroupCounts> = Vec::new();
        for r in rows {
            let (id, label) = key(r);
            let i = match out.iter().position(|g| g.id == id) {
                Some(i) => i,
                None => {
                    out.push(GroupCounts { id, label, counts: Counts::default() });
                    out.len() - 1
                }
            };
            add(&mut out[i].counts, r, today);
        }
        out
    };
    for r in rows {
        add(&mut overall, r, today);
    }
    (overall, group(|r| (Some(r.category.0), r.category.1.clone())), group(|r| r.department.clone()), group(|r| r.leader.clone()))
}

pub fn stats(conn: &mut DbConn, caller: &Caller, inspection_id: i64) -> AppResult<InspectionStats> {
    let (inspection, s) = visible_inspection(conn, caller, inspection_id)?;
    if s.assigned_to.is_some() {
        return Err(AppError::forbidden("insufficient_role", "statistics are for leaders, coordinators and supervisors"));
    }
    let today = today_in(conn, inspection.organisation_id)?;
    // Small index lookups instead of one five-way join: planning that join cost PostgreSQL
    // more than running it.
    let measures_: Vec<(i64, Option<i64>, Option<i64>, String, Option<NaiveDate>)> = measures::table
        .filter(measures::inspection_id.eq(inspection_id))
        .order((measures::problem_ordinal, measures::ordinal))
        .select((measures::problem_id, measures::lead_department_id, measures::responsible_leader_id, measures::status, measures::deadline))
        .load(conn)?;
    let category_of: BTreeMap<i64, i64> = problems::table
        .filter(problems::inspection_id.eq(inspection_id))
        .select((problems::id, problems::category_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let categories_: BTreeMap<i64, String> = categories::table
        .filter(categories::inspection_id.eq(inspection_id))
        .select((categories::id, categories::ordinal, categories::title))
        .load::<(i64, i32, String)>(conn)?
        .into_iter()
        .map(|(id, ord, title)| (id, format!("{}{}", category_label(ord), title)))
        .collect();
    let dep_names = department_names(conn, inspection.organisation_id)?;
    let mut leader_ids: Vec<i64> = measures_.iter().filter_map(|m| m.2).collect();
    leader_ids.sort();
    leader_ids.dedup();
    let leader_names = user_names(conn, leader_ids)?;
    let unnamed = || "（未指定）".to_string();
    let rows: Vec<StatRow> = measures_
        .into_iter()
        .map(|(problem_id, dep, leader, status, deadline)| {
            let cat = category_of.get(&problem_id).copied().unwrap_or_default();
            StatRow {
                category: (cat, categories_.get(&cat).cloned().unwrap_or_default()),
                department: (dep, dep.and_then(|d| dep_names.get(&d).cloned()).unwrap_or_else(unnamed)),
                leader: (leader, leader.and_then(|u| leader_names.get(&u).cloned()).unwrap_or_else(unnamed)),
                status,
                deadline,
            }
        })
        .collect();
    let (overall, by_category, by_lead_department, by_responsible_leader) = aggregate(&rows, today);
    let rebounds = super::lookbacks::rebounds(conn, inspection_id)?;
    Ok(InspectionStats { inspection_id, today, overall, by_category, by_lead_department, by_responsible_leader, rebounds })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cat: i64, dep: Option<i64>, status: &str, deadline: Option<&str>) -> StatRow {
        StatRow {
            category: (cat, format!("c{cat}")),
            department: (dep, format!("d{dep:?}")),
            leader: (None, "（未指定）".into()),
            status: status.into(),
            deadline: deadline.map(|d| d.parse().unwrap()),
        }
    }

    #[test]
    fn counts_overdue_due_soon_and_groups_in_ledger_order() {
        let today: NaiveDate = "2021-09-15".parse().unwrap();
        let rows = [
            row(2, Some(1), "in_progress", Some("2021-09-14")), // overdue
            row(1, Some(1), "not_started", Some("2021-09-15")), // due today: not overdue, due soon
            row(1, None, "in_progress", Some("2021-09-21")),    // day 6: due soon
            row(1, Some(2), "in_progress", Some("2021-09-22")), // day 7: still within 7 days
            row(2, Some(2), "not_started", Some("2021-09-23")), // day 8: not
        ];
        let (all, cats, deps, leaders) = aggregate(&rows, today);
        assert_eq!((all.total, all.overdue, all.due_within_7_days, all.done), (5, 1, 3, 0));
        assert_eq!(all.completion_rate, 0.0);
        assert_eq!(all.by_status["in_progress"], 3);
        assert_eq!(cats.iter().map(|g| (g.id, g.counts.total)).collect::<Vec<_>>(), [(Some(2), 2), (Some(1), 3)]);
        assert_eq!(deps.len(), 3);
        assert_eq!(deps.iter().find(|g| g.id.is_none()).unwrap().counts.total, 1);
        assert_eq!(leaders.len(), 1);
    }

    #[test]
    fn overdue_starts_the_day_after_the_deadline() {
        let today: NaiveDate = "2021-10-01".parse().unwrap();
        assert!(!is_overdue(Some(today), "in_progress", today));
        assert!(is_overdue(Some(today.pred_opt().unwrap()), "in_progress", today));
        assert!(!is_overdue(None, "in_progress", today));
    }
}
