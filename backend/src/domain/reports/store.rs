//! Reports and plans over the database: the ledger snapshot, versions, edits, release, and who
//! may do what.
//!
//! Who sees what: drafts and the internal edition are for those who read the organisation's
//! whole ledger (coordinator, leaders, responsible leaders, discipline committee, the
//! supervising bureau, admins, API tokens); staff see released reports only, in the public
//! edition. The coordinator (and admins, write tokens) create and edit drafts; only the current
//! leader of the inspection's leading group releases one.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::model::{self, differences, Contact, Difference, Edition, Headings, PublicWording, ReportContent, ReportModel};
use super::redact::Redaction;
use super::snapshot::{Member, SnapCategory, SnapMeasure, SnapProblem, Snapshot};
use super::{docx, html, plan};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, DbConn};
use crate::domain::ledger::inspections::visible as visible_inspection;
use crate::domain::ledger::{edits_ledger, refuse_edit, today_in, GroupRole, LedgerScope, MeasureKind};
use crate::domain::precondition::Precondition;
use crate::domain::{audit, check, now, optional_text, required_text, utc, Page};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::Inspection;
use crate::schema::{
    categories, departments, evidence, leading_group_members, measure_assignees, measure_supporting_departments, measures, organisations,
    problems, reports, user_roles, users,
};

/// Reads the ledger of an inspection as a report or plan needs it; staff (`scope.assigned_to`)
/// get their own measures and the problems and categories around them.
pub fn snapshot(conn: &mut DbConn, i: &Inspection, scope: &LedgerScope) -> AppResult<Snapshot> {
    let organisation: String = organisations::table.find(i.organisation_id).select(organisations::name).first(conn)?;
    type GroupRow = (String, String, String, Option<NaiveDate>, Option<NaiveDate>);
    let group: Vec<GroupRow> = leading_group_members::table
        .inner_join(users::table)
        .filter(leading_group_members::inspection_id.eq(i.id))
        .order(leading_group_members::position)
        .select((
            users::display_name,
            leading_group_members::group_role,
            leading_group_members::title,
            leading_group_members::from_date,
            leading_group_members::until_date,
        ))
        .load(conn)?;
    let leading_group: Vec<Member> = group
        .into_iter()
        .map(|(name, role, title, from, until)| Member {
            name,
            role: GroupRole::parse(&role).unwrap_or(GroupRole::Member),
            title,
            from,
            until,
        })
        .collect();

    let mut q = measures::table.filter(measures::inspection_id.eq(i.id)).into_boxed::<crate::db::MultiBackend>();
    if let Some(user) = scope.assigned_to {
        q = q.filter(
            measures::id.eq_any(measure_assignees::table.filter(measure_assignees::user_id.eq(user)).select(measure_assignees::measure_id)),
        );
    }
    #[allow(clippy::type_complexity)]
    let rows: Vec<(i64, i64, i32, String, String, String, String, Option<i64>, Option<i64>, Option<NaiveDate>)> = q
        .order((measures::problem_ordinal, measures::ordinal))
        .select((
            measures::id,
            measures::problem_id,
            measures::ordinal,
            measures::title,
            measures::content,
            measures::progress,
            measures::kind,
            measures::responsible_leader_id,
            measures::lead_department_id,
            measures::deadline,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let assignees: Vec<(i64, i64)> = measure_assignees::table
        .filter(measure_assignees::measure_id.eq_any(&ids))
        .order((measure_assignees::measure_id, measure_assignees::user_id))
        .select((measure_assignees::measure_id, measure_assignees::user_id))
        .load(conn)?;
    let supporting: Vec<(i64, i64)> = measure_supporting_departments::table
        .filter(measure_supporting_departments::measure_id.eq_any(&ids))
        .order((measure_supporting_departments::measure_id, measure_supporting_departments::department_id))
        .select((measure_supporting_departments::measure_id, measure_supporting_departments::department_id))
        .load(conn)?;
    let numbers: Vec<(i64, Option<String>)> = evidence::table
        .filter(evidence::inspection_id.eq(i.id))
        .filter(evidence::deleted_at.is_null())
        .filter(evidence::document_number.is_not_null())
        .order(evidence::id)
        .select((evidence::measure_id, evidence::document_number))
        .load(conn)?;
    let user_names: BTreeMap<i64, String> = users::table
        .filter(users::organisation_id.eq(i.organisation_id))
        .select((users::id, users::display_name))
        .load(conn)?
        .into_iter()
        .collect();
    let dep_names: BTreeMap<i64, String> = departments::table
        .filter(departments::organisation_id.eq(i.organisation_id))
        .select((departments::id, departments::name))
        .load(conn)?
        .into_iter()
        .collect();
    let group_by = |pairs: Vec<(i64, String)>| {
        let mut m: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            m.entry(k).or_default().push(v);
        }
        m
    };
    let named = |pairs: Vec<(i64, i64)>, names: &BTreeMap<i64, String>| {
        pairs.into_iter().filter_map(|(m, x)| names.get(&x).map(|n| (m, n.clone()))).collect::<Vec<_>>()
    };
    let (assignees, supporting) = (group_by(named(assignees, &user_names)), group_by(named(supporting, &dep_names)));
    let mut doc_numbers: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (m, n) in numbers {
        let n = n.unwrap_or_default();
        let list = doc_numbers.entry(m).or_default();
        if !n.trim().is_empty() && !list.contains(&n) {
            list.push(n);
        }
    }
    let mut by_problem: BTreeMap<i64, Vec<SnapMeasure>> = BTreeMap::new();
    for (id, problem, ordinal, title, content, progress, kind, leader, dep, deadline) in rows {
        by_problem.entry(problem).or_default().push(SnapMeasure {
            id,
            ordinal,
            title,
            content,
            progress,
            kind: MeasureKind::parse(&kind).unwrap_or(MeasureKind::TimeBound),
            deadline,
            responsible_leader: leader.and_then(|u| user_names.get(&u).cloned()),
            lead_department: dep.and_then(|d| dep_names.get(&d).cloned()),
            supporting_departments: supporting.get(&id).cloned().unwrap_or_default(),
            assignees: assignees.get(&id).cloned().unwrap_or_default(),
            document_numbers: doc_numbers.remove(&id).unwrap_or_default(),
        });
    }
    let probs: Vec<(i64, i64, i32, String, String)> = problems::table
        .filter(problems::inspection_id.eq(i.id))
        .order(problems::ordinal)
        .select((problems::id, problems::category_id, problems::ordinal, problems::title, problems::feedback))
        .load(conn)?;
    let cats: Vec<(i64, i32, String)> = categories::table
        .filter(categories::inspection_id.eq(i.id))
        .order(categories::ordinal)
        .select((categories::id, categories::ordinal, categories::title))
        .load(conn)?;
    let staff_view = scope.assigned_to.is_some();
    let categories = cats
        .into_iter()
        .map(|(cid, ordinal, title)| SnapCategory {
            id: cid,
            ordinal,
            title,
            problems: probs
                .iter()
                .filter(|p| p.1 == cid)
                .map(|(pid, _, ordinal, title, feedback)| SnapProblem {
                    id: *pid,
                    ordinal: *ordinal,
                    title: title.clone(),
                    feedback: feedback.clone(),
                    measures: by_problem.remove(pid).unwrap_or_default(),
                })
                // Staff see the problems that hold a measure of theirs.
                .filter(|p| !staff_view || !p.measures.is_empty())
                .collect(),
        })
        .filter(|c: &SnapCategory| !staff_view || !c.problems.is_empty())
        .collect();
    let people = maskable_people(conn, i.organisation_id, &leading_group)?;
    Ok(Snapshot {
        organisation,
        inspection_id: i.id,
        inspection_title: i.title.clone(),
        inspector: i.inspector.clone(),
        onsite_start: i.onsite_start,
        onsite_end: i.onsite_end,
        feedback_date: i.feedback_date,
        deadline: i.deadline,
        leading_group,
        people,
        categories,
    })
}

/// Names the names rule masks: the organisation's people outside the leading group, written as
/// a person's name (2–4 Chinese characters), not office accounts (coordinators, admins).
fn maskable_people(conn: &mut DbConn, organisation_id: i64, group: &[Member]) -> AppResult<Vec<String>> {
    let rows: Vec<(i64, String)> =
        users::table.filter(users::organisation_id.eq(organisation_id)).select((users::id, users::display_name)).load(conn)?;
    let offices: BTreeSet<i64> = user_roles::table
        .filter(user_roles::user_id.eq_any(rows.iter().map(|r| r.0).collect::<Vec<_>>()))
        .filter(user_roles::role.eq_any([Role::Coordinator.as_str(), Role::Admin.as_str()]))
        .select(user_roles::user_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let mut names: Vec<String> = rows
        .into_iter()
        .filter(|(id, name)| {
            let n = name.trim();
            !offices.contains(id)
                && (2..=4).contains(&n.chars().count())
                && n.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                && !group.iter().any(|m| m.name == n)
        })
        .map(|(_, n)| n.trim().to_string())
        .collect();
    // Longer names first, so that 杨军 does not hide 杨军华.
    names.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    names.dedup();
    Ok(names)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
struct ReportRow {
    id: i64,
    organisation_id: i64,
    inspection_id: i64,
    number: i32,
    status: String,
    content: String,
    version: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    released_by: Option<i64>,
    released_at: Option<NaiveDateTime>,
    model: Option<String>,
    docx: Option<String>,
    sha256: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Draft,
    Released,
}

/// A version of an inspection's report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub organisation_id: i64,
    pub inspection_id: i64,
    /// 1, 2, 3… within the inspection.
    pub number: i32,
    pub status: ReportStatus,
    pub content: ReportContent,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub released_by: Option<i64>,
    pub released_by_name: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
    /// SHA-256 (hex) of the released public DOCX, as downloaded and as in the audit log.
    pub sha256: Option<String>,
}

/// A report with both editions and what differs between them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDetail {
    pub report: ReportView,
    /// 社会公开稿.
    pub public: ReportModel,
    /// Everything, with what the public edition changes marked; absent for staff.
    pub internal: Option<ReportModel>,
    /// Paragraph by paragraph, what the public edition withholds, masks, rewords or renumbers
    /// (empty for staff).
    pub differences: Vec<Difference>,
}

/// What release freezes.
#[derive(Debug, Serialize, Deserialize)]
struct Frozen {
    public: ReportModel,
    internal: ReportModel,
}

fn parse_content(row: &ReportRow) -> AppResult<ReportContent> {
    serde_json::from_str(&row.content).map_err(AppError::internal)
}

fn view(conn: &mut DbConn, row: &ReportRow) -> AppResult<ReportView> {
    let released_by_name = match row.released_by {
        Some(u) => users::table.find(u).select(users::display_name).first::<String>(conn).optional()?,
        None => None,
    };
    Ok(ReportView {
        id: row.id,
        organisation_id: row.organisation_id,
        inspection_id: row.inspection_id,
        number: row.number,
        status: if row.status == "released" { ReportStatus::Released } else { ReportStatus::Draft },
        content: parse_content(row)?,
        version: row.version,
        created_by: row.created_by,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
        released_by: row.released_by,
        released_by_name,
        released_at: row.released_at.map(utc),
        sha256: row.sha256.clone(),
    })
}

/// Whether the caller reads drafts and the internal edition: whoever reads the whole ledger.
fn reads_internal(scope: &LedgerScope) -> bool {
    scope.assigned_to.is_none()
}

/// A report the caller may see (staff: released ones), with its inspection.
fn visible(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<(ReportRow, Inspection, LedgerScope)> {
    let row: ReportRow = reports::table.find(id).select(ReportRow::as_select()).first(conn)?;
    let (i, scope) = visible_inspection(conn, caller, row.inspection_id)?;
    if !reads_internal(&scope) && row.status != "released" {
        return Err(AppError::not_found());
    }
    Ok((row, i, scope))
}

fn editable(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<(ReportRow, Inspection)> {
    let (row, i, _) = visible(conn, caller, id)?;
    if !edits_ledger(caller, row.organisation_id) {
        return Err(refuse_edit());
    }
    if row.status == "released" {
        return Err(released());
    }
    expected.check(row.version)?;
    Ok((row, i))
}

fn released() -> AppError {
    AppError::conflict("report_released", "the report is released and frozen; create a new version to change it")
}

fn editions(s: &Snapshot, c: &ReportContent) -> (ReportModel, ReportModel) {
    (model::build(s, c, Edition::Public), model::build(s, c, Edition::Internal))
}

fn detail(conn: &mut DbConn, row: &ReportRow, i: &Inspection, scope: &LedgerScope) -> AppResult<ReportDetail> {
    let report = view(conn, row)?;
    let (public, internal) = match &row.model {
        Some(frozen) => {
            let f: Frozen = serde_json::from_str(frozen).map_err(AppError::internal)?;
            (f.public, f.internal)
        }
        None => editions(&snapshot(conn, i, &LedgerScope { assigned_to: None, ..scope.clone() })?, &report.content),
    };
    if !reads_internal(scope) {
        return Ok(ReportDetail { report, public, internal: None, differences: Vec::new() });
    }
    let differences = differences(&internal, &public);
    Ok(ReportDetail { report, public, internal: Some(internal), differences })
}

pub fn list(conn: &mut DbConn, caller: &Caller, inspection_id: i64) -> AppResult<Page<ReportView>> {
    let (_, scope) = visible_inspection(conn, caller, inspection_id)?;
    let mut q = reports::table.filter(reports::inspection_id.eq(inspection_id)).into_boxed::<crate::db::MultiBackend>();
    if !reads_internal(&scope) {
        q = q.filter(reports::status.eq("released"));
    }
    let rows: Vec<ReportRow> = q.order(reports::number.desc()).select(ReportRow::as_select()).load(conn)?;
    let items: Vec<ReportView> = rows.iter().map(|r| view(conn, r)).collect::<AppResult<_>>()?;
    let total = items.len() as i64;
    Ok(Page { items, total, limit: total.max(1), offset: 0 })
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<ReportDetail> {
    let (row, i, scope) = visible(conn, caller, id)?;
    detail(conn, &row, &i, &scope)
}

/// A new draft: the editable parts of the latest version, or a first draft made from the ledger.
pub fn create(conn: &mut DbConn, caller: &Caller, inspection_id: i64) -> AppResult<ReportDetail> {
    write_tx(conn, |conn| {
        let (i, scope) = visible_inspection(conn, caller, inspection_id)?;
        if !edits_ledger(caller, i.organisation_id) {
            return Err(refuse_edit());
        }
        let latest: Option<ReportRow> = reports::table
            .filter(reports::inspection_id.eq(i.id))
            .order(reports::number.desc())
            .select(ReportRow::as_select())
            .first(conn)
            .optional()?;
        // One draft at a time, and always the newest version: the one the leader releases.
        if latest.as_ref().is_some_and(|r| r.status == "draft") {
            return Err(AppError::conflict("draft_open", "the report already has a draft; edit or release it first"));
        }
        let content = match &latest {
            Some(r) => ReportContent { dated: None, ..parse_content(r)? },
            None => ReportContent::initial(&snapshot(conn, &i, &scope)?),
        };
        let number = latest.as_ref().map_or(1, |r| r.number + 1);
        let t = now();
        let row: ReportRow = diesel::insert_into(reports::table)
            .values((
                reports::organisation_id.eq(i.organisation_id),
                reports::inspection_id.eq(i.id),
                reports::number.eq(number),
                reports::status.eq("draft"),
                reports::content.eq(serde_json::to_string(&content).map_err(AppError::internal)?),
                reports::version.eq(1),
                reports::created_by.eq(caller.user_id()),
                reports::created_at.eq(t),
                reports::updated_at.eq(t),
            ))
            .returning(reports::all_columns)
            .get_result(conn)?;
        audit::record(conn, caller, i.organisation_id, "report.create", ("report", row.id), audit_summary(number, &content))?;
        detail(conn, &row, &i, &scope)
    })
}

/// A change to a draft: every field optional; `opening` and `organisation_text` take `null`
/// to go back to the text made from the ledger.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportPatch {
    #[schema(max_length = 60)]
    pub masthead: Option<String>,
    #[schema(max_length = 40)]
    pub document_number: Option<String>,
    #[schema(min_length = 1, max_length = 60)]
    pub issuer: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 10000)]
    pub opening: Option<Option<String>>,
    pub headings: Option<Headings>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 10000)]
    pub organisation_text: Option<Option<String>>,
    #[schema(max_length = 10000)]
    pub process_text: Option<String>,
    #[schema(max_length = 10000)]
    pub next_steps_text: Option<String>,
    #[schema(max_length = 2000)]
    pub closing: Option<String>,
    pub contact: Option<Contact>,
    #[serde(default, deserialize_with = "crate::domain::double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub dated: Option<Option<NaiveDate>>,
    pub withheld_problems: Option<Vec<i64>>,
    pub withheld_measures: Option<Vec<i64>>,
    pub public_wording: Option<Vec<PublicWording>>,
    pub redaction: Option<Redaction>,
}

const MAX_BLOCK: usize = 10_000;

/// `{…}` other than the two placeholders.
fn unknown_placeholder(text: &str) -> bool {
    let rest = text.replace(model::GROUP_PLACEHOLDER, "").replace(model::OFFICE_PLACEHOLDER, "");
    rest.contains(['{', '}'])
}

fn apply_patch(conn: &mut DbConn, i: &Inspection, mut c: ReportContent, p: ReportPatch) -> AppResult<ReportContent> {
    let mut errors = Vec::new();
    let e = &mut errors;
    if let Some(v) = p.masthead {
        c.masthead = optional_text(e, "/masthead", &v, 60);
    }
    if let Some(v) = p.document_number {
        c.document_number = optional_text(e, "/document_number", &v, 40);
    }
    if let Some(v) = p.issuer {
        c.issuer = required_text(e, "/issuer", &v, 60);
    }
    if let Some(v) = p.title {
        c.title = required_text(e, "/title", &v, 100);
    }
    if let Some(v) = p.opening {
        c.opening = v.map(|t| required_text(e, "/opening", &t, MAX_BLOCK));
    }
    if let Some(h) = p.headings {
        c.headings = Headings {
            organisation: required_text(e, "/headings/organisation", &h.organisation, 60),
            process: required_text(e, "/headings/process", &h.process, 60),
            measures: required_text(e, "/headings/measures", &h.measures, 60),
            next_steps: required_text(e, "/headings/next_steps", &h.next_steps, 60),
        };
    }
    if let Some(v) = p.organisation_text {
        c.organisation_text = v.map(|t| {
            if unknown_placeholder(&t) {
                e.push(FieldError::new(
                    "/organisation_text",
                    "unknown_placeholder",
                    format!("only {} and {} stand for text made from the ledger", model::GROUP_PLACEHOLDER, model::OFFICE_PLACEHOLDER),
                ));
            }
            required_text(e, "/organisation_text", &t, MAX_BLOCK)
        });
    }
    if let Some(v) = p.process_text {
        c.process_text = optional_text(e, "/process_text", &v, MAX_BLOCK);
    }
    if let Some(v) = p.next_steps_text {
        c.next_steps_text = optional_text(e, "/next_steps_text", &v, MAX_BLOCK);
    }
    if let Some(v) = p.closing {
        c.closing = optional_text(e, "/closing", &v, 2000);
    }
    if let Some(ct) = p.contact {
        c.contact = Contact {
            phone: optional_text(e, "/contact/phone", &ct.phone, 40),
            office: optional_text(e, "/contact/office", &ct.office, 60),
            address: optional_text(e, "/contact/address", &ct.address, 100),
            postcode: optional_text(e, "/contact/postcode", &ct.postcode, 10),
        };
    }
    if let Some(v) = p.dated {
        c.dated = v;
    }
    let problem_ids: BTreeSet<i64> =
        problems::table.filter(problems::inspection_id.eq(i.id)).select(problems::id).load::<i64>(conn)?.into_iter().collect();
    let measure_ids: BTreeSet<i64> =
        measures::table.filter(measures::inspection_id.eq(i.id)).select(measures::id).load::<i64>(conn)?.into_iter().collect();
    if let Some(ids) = p.withheld_problems {
        for (n, id) in ids.iter().enumerate() {
            if !problem_ids.contains(id) {
                e.push(FieldError::new(&format!("/withheld_problems/{n}"), "unknown_problem", "no such problem in this inspection"));
            }
        }
        c.withheld_problems = ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    }
    if let Some(ids) = p.withheld_measures {
        for (n, id) in ids.iter().enumerate() {
            if !measure_ids.contains(id) {
                e.push(FieldError::new(&format!("/withheld_measures/{n}"), "unknown_measure", "no such measure in this inspection"));
            }
        }
        c.withheld_measures = ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    }
    if let Some(ws) = p.public_wording {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (n, w) in ws.into_iter().enumerate() {
            if !measure_ids.contains(&w.measure_id) {
                e.push(FieldError::new(
                    &format!("/public_wording/{n}/measure_id"),
                    "unknown_measure",
                    "no such measure in this inspection",
                ));
            } else if !seen.insert(w.measure_id) {
                e.push(FieldError::new(&format!("/public_wording/{n}/measure_id"), "duplicate", "one wording per measure"));
            }
            let text = required_text(e, &format!("/public_wording/{n}/text"), &w.text, 2000);
            out.push(PublicWording { measure_id: w.measure_id, text });
        }
        c.public_wording = out;
    }
    if let Some(r) = p.redaction {
        if r.terms.len() > 200 {
            e.push(FieldError::new("/redaction/terms", "too_many", "at most 200 terms"));
        }
        let mut seen = BTreeSet::new();
        let mut terms = Vec::new();
        for (n, t) in r.terms.iter().enumerate() {
            let pointer = format!("/redaction/terms/{n}");
            let v = required_text(e, &pointer, t, 40);
            if v.chars().any(char::is_control) {
                e.push(FieldError::new(&pointer, "invalid_term", "a term is one line of text"));
            } else if !v.is_empty() && !seen.insert(v.clone()) {
                e.push(FieldError::new(&pointer, "duplicate", "the term is already in the list"));
            }
            terms.push(v);
        }
        c.redaction = Redaction { terms, ..r };
    }
    check(errors)?;
    Ok(c)
}

/// A report's editable parts as the audit log keeps them: flat text, one field per part, so that
/// the log shows each change from → to (nested parts joined, lists counted).
fn audit_summary(number: i32, c: &ReportContent) -> serde_json::Value {
    let joined = |parts: &[&str]| parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("；");
    let h = &c.headings;
    let ct = &c.contact;
    let r = &c.redaction;
    let rules: Vec<&str> = [(r.names, "人名"), (r.phone_numbers, "电话号码"), (r.id_numbers, "身份证号"), (r.amounts, "金额")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
    let redaction = joined(&[&rules.join("、"), &r.terms.join("、")]);
    serde_json::json!({
        "report_number": number,
        "masthead": c.masthead,
        "document_number": c.document_number,
        "title": c.title,
        "issuer": c.issuer,
        "opening": c.opening,
        "headings": joined(&[&h.organisation, &h.process, &h.measures, &h.next_steps]),
        "organisation_text": c.organisation_text,
        "process_text": c.process_text,
        "next_steps_text": c.next_steps_text,
        "closing": c.closing,
        "contact": joined(&[&ct.office, &ct.phone, &ct.address, &ct.postcode]),
        "dated": c.dated,
        "withheld": c.withheld_problems.len() + c.withheld_measures.len(),
        "public_wording": c.public_wording.len(),
        "redaction": redaction,
    })
}

pub fn update(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, patch: ReportPatch) -> AppResult<ReportDetail> {
    write_tx(conn, |conn| {
        let (row, i) = editable(conn, caller, id, expected)?;
        let expected_version = row.version;
        let content = apply_patch(conn, &i, parse_content(&row)?, patch)?;
        let json = serde_json::to_string(&content).map_err(AppError::internal)?;
        let row: ReportRow = diesel::update(reports::table.find(id).filter(reports::version.eq(expected_version)))
            .set((reports::content.eq(&json), reports::version.eq(expected_version + 1), reports::updated_at.eq(now())))
            .returning(reports::all_columns)
            .get_result::<ReportRow>(conn)
            .optional()?
            .ok_or_else(AppError::version_mismatch)?;
        audit::record(conn, caller, i.organisation_id, "report.update", ("report", id), audit_summary(row.number, &content))?;
        let (_, scope) = visible_inspection(conn, caller, i.id)?;
        detail(conn, &row, &i, &scope)
    })
}

/// Whether the caller leads the inspection's leading group today.
fn leads_group(conn: &mut DbConn, caller: &Caller, i: &Inspection) -> AppResult<bool> {
    let Some(user) = caller.user_id() else { return Ok(false) };
    let today = today_in(conn, i.organisation_id)?;
    let terms: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = leading_group_members::table
        .filter(leading_group_members::inspection_id.eq(i.id))
        .filter(leading_group_members::user_id.eq(user))
        .filter(leading_group_members::group_role.eq(GroupRole::Leader.as_str()))
        .select((leading_group_members::from_date, leading_group_members::until_date))
        .load(conn)?;
    Ok(terms.iter().any(|(from, until)| from.is_none_or(|f| f <= today) && until.is_none_or(|u| u > today)))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Approves the public edition: freezes both editions and the public DOCX, records its SHA-256.
pub fn release(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<ReportDetail> {
    write_tx(conn, |conn| {
        let (row, i, scope) = visible(conn, caller, id)?;
        if !reads_internal(&scope) {
            return Err(AppError::not_found());
        }
        if row.status == "released" {
            return Err(released());
        }
        if !leads_group(conn, caller, &i)? {
            return Err(AppError::forbidden("not_group_leader", "only the leader of the inspection's leading group releases its report"));
        }
        let expected_version = expected.check(row.version)?;
        let mut content = parse_content(&row)?;
        if content.dated.is_none() {
            content.dated = Some(today_in(conn, i.organisation_id)?);
        }
        let s = snapshot(conn, &i, &scope)?;
        let (public, internal) = editions(&s, &content);
        let bytes = docx::report(&public);
        let sha = sha256_hex(&bytes);
        let frozen = serde_json::to_string(&Frozen { public, internal }).map_err(AppError::internal)?;
        let t = now();
        let row: ReportRow = diesel::update(reports::table.find(id).filter(reports::version.eq(expected_version)))
            .set((
                reports::status.eq("released"),
                reports::content.eq(serde_json::to_string(&content).map_err(AppError::internal)?),
                reports::version.eq(expected_version + 1),
                reports::updated_at.eq(t),
                reports::released_by.eq(caller.user_id()),
                reports::released_at.eq(t),
                reports::model.eq(frozen),
                reports::docx.eq(base64::engine::general_purpose::STANDARD.encode(&bytes)),
                reports::sha256.eq(&sha),
            ))
            .returning(reports::all_columns)
            .get_result::<ReportRow>(conn)
            .optional()?
            .ok_or_else(AppError::version_mismatch)?;
        let summary = serde_json::json!({"report_number": row.number, "sha256": sha, "size": bytes.len(), "dated": content.dated});
        audit::record(conn, caller, i.organisation_id, "report.release", ("report", id), summary)?;
        detail(conn, &row, &i, &scope)
    })
}

/// The formats a report or plan is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = DocumentFormat)]
#[allow(dead_code)]
pub enum Format {
    #[schema(rename = "docx")]
    Docx,
    #[schema(rename = "html")]
    Html,
}

impl Format {
    /// `docx` or `html`; anything else answers 406 `unsupported_format`.
    pub fn parse(s: Option<&str>) -> AppResult<Format> {
        match s.unwrap_or("docx") {
            "docx" => Ok(Format::Docx),
            "html" => Ok(Format::Html),
            other => Err(AppError::new(
                actix_web::http::StatusCode::NOT_ACCEPTABLE,
                "unsupported_format",
                format!("format {other:?} is not offered; use docx or html"),
            )),
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Html => "text/html; charset=utf-8",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Html => "html",
        }
    }
}

/// A rendered document.
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub format: Format,
    pub file_name: String,
    pub sha256: String,
}

pub fn parse_edition(s: Option<&str>) -> AppResult<Edition> {
    match s {
        None => Ok(Edition::Public),
        Some(v) => Edition::parse(v).ok_or_else(|| AppError::field("/edition", "invalid_edition", "public or internal")),
    }
}

pub fn document(conn: &mut DbConn, caller: &Caller, id: i64, format: Format, edition: Edition) -> AppResult<Rendered> {
    let (row, i, scope) = visible(conn, caller, id)?;
    if edition == Edition::Internal && !reads_internal(&scope) {
        return Err(AppError::forbidden("insufficient_role", "the internal edition is for those who read the whole ledger"));
    }
    let mark = if edition == Edition::Public { "社会公开稿" } else { "内部审阅稿" };
    let file_name = format!("整改情况报告（{mark}）第{}版.{}", row.number, format.extension());
    // The released public DOCX is served as stored, byte for byte.
    if let (Format::Docx, Edition::Public, Some(stored)) = (format, edition, &row.docx) {
        let bytes = base64::engine::general_purpose::STANDARD.decode(stored).map_err(AppError::internal)?;
        let sha256 = sha256_hex(&bytes);
        return Ok(Rendered { bytes, format, file_name, sha256 });
    }
    let d = detail(conn, &row, &i, &scope)?;
    let m = match edition {
        Edition::Public => d.public,
        Edition::Internal => d.internal.ok_or_else(AppError::not_found)?,
    };
    let bytes = match format {
        Format::Docx => docx::report(&m),
        Format::Html => html::report(&m).into_bytes(),
    };
    let sha256 = sha256_hex(&bytes);
    Ok(Rendered { bytes, format, file_name, sha256 })
}

/// The rectification plan of an inspection (staff: their own measures).
pub fn plan_document(conn: &mut DbConn, caller: &Caller, inspection_id: i64, format: Format) -> AppResult<Rendered> {
    let (i, scope) = visible_inspection(conn, caller, inspection_id)?;
    let s = snapshot(conn, &i, &scope)?;
    let p = plan::build(&s);
    let bytes = match format {
        Format::Docx => docx::plan(&p),
        Format::Html => html::plan(&p).into_bytes(),
    };
    let sha256 = sha256_hex(&bytes);
    Ok(Rendered { bytes, format, file_name: format!("整改方案.{}", format.extension()), sha256 })
}
