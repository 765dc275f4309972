//! Reads what an export holds, in batches, within the caller's scope, and feeds it to a
//! [`LedgerSink`]: the measures `GET /measures` (or an inspection's ledger) would list for the
//! same filters, with names, evidence, sign-offs, returns and extensions. All of it in one
//! snapshot, so that the rows agree with each other even while others keep working.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::table::LedgerCsv;
use super::workbook::LedgerWorkbook;
use super::{
    stage_zh, Act, EvidenceItem, ExportFormat, ExtensionRecord, Layout, LedgerSink, MeasureRef, MeasureRow, ReturnRecord, SignoffRecord,
    WriteError,
};
use crate::auth::Caller;
use crate::db::{snapshot, DbConn};
use crate::domain::ledger::inspections::visible as visible_inspection;
use crate::domain::ledger::labels::{category_label, measure_label, problem_label};
use crate::domain::ledger::query::{check_filters, matching, Matching, MeasureQuery};
use crate::domain::ledger::{scope, today_in, MeasureKind, MeasureStatus};
use crate::domain::organisations::OrgScope;
use crate::error::{AppError, AppResult};
use crate::models::{ExtensionRequest, Measure, Signoff};
use crate::schema::{
    audit_events, categories, departments, evidence, extension_requests, inspections, measure_assignees, measure_supporting_departments,
    measures, organisations, problems, signoffs, users,
};

/// Measures read and written per batch: what is in memory at once, beside one category's rows.
const BATCH: usize = 500;

/// A written export: the file (anonymous, rewound) and the name to offer for it.
pub struct Export {
    pub file: std::fs::File,
    pub file_name: String,
    /// The name for clients that read only an ASCII one: `ledger_20211015.xlsx`.
    pub ascii_name: String,
    pub format: ExportFormat,
}

impl From<WriteError> for AppError {
    fn from(e: WriteError) -> Self {
        AppError::internal(e)
    }
}

/// The 台账 of one inspection as a workbook, with the filters of its JSON ledger: 404 when the
/// caller may not see it; staff get their own measures.
pub fn inspection_workbook(conn: &mut DbConn, caller: &Caller, inspection_id: i64, q: MeasureQuery, dir: &Path) -> AppResult<Export> {
    check_filters(&q)?;
    snapshot(conn, |conn| {
        let (inspection, s) = visible_inspection(conn, caller, inspection_id)?;
        let today = today_in(conn, inspection.organisation_id)?;
        let filtered = is_filtered(&q);
        let q = MeasureQuery { inspection_id: Some(inspection_id), ..q };
        let rows = matching(conn, &s, &q, today)?;
        let org: String = organisations::table.find(inspection.organisation_id).select(organisations::name).first(conn)?;
        let suffix = if inspection.title.ends_with("整改") { "台账" } else { "整改台账" };
        let title = format!("{org}{}{suffix}", inspection.title);
        let layout = Layout { note: note(conn, caller, rows.len(), filtered)?, title, ..Default::default() };
        write(conn, &rows, layout, ExportFormat::Xlsx, dir)
    })
}

/// Every measure the caller may see that matches the filters of `GET /measures`, as a workbook
/// or CSV. The bureau's has a 单位 column; one spanning inspections a 巡察 column.
pub fn measures_export(conn: &mut DbConn, caller: &Caller, q: MeasureQuery, format: ExportFormat, dir: &Path) -> AppResult<Export> {
    check_filters(&q)?;
    snapshot(conn, |conn| {
        let s = scope(conn, caller)?;
        let today = today_in(conn, caller.organisation_id)?;
        let rows = matching(conn, &s, &q, today)?;
        let own: String = organisations::table.find(caller.organisation_id).select(organisations::name).first(conn)?;
        let many_schools = match &s.orgs {
            OrgScope::All => true,
            OrgScope::Only(ids) => ids.len() > 1,
        };
        let title = match &s.orgs {
            OrgScope::All => "整改台账（全部单位）".to_string(),
            _ if many_schools => format!("{own}及所属学校整改台账"),
            _ => format!("{own}整改台账"),
        };
        let first = rows.first().map(|m| m.inspection_id);
        let layout = Layout {
            note: note(conn, caller, rows.len(), is_filtered(&q))?,
            title,
            organisation_column: many_schools,
            inspection_column: rows.iter().any(|m| Some(m.inspection_id) != first),
        };
        write(conn, &rows, layout, format, dir)
    })
}

fn is_filtered(q: &MeasureQuery) -> bool {
    q.inspection_id.is_some()
        || q.category_id.is_some()
        || q.problem_id.is_some()
        || q.status.is_some()
        || q.kind.is_some()
        || q.responsible_leader_id.is_some()
        || q.lead_department_id.is_some()
        || q.assignee_id.is_some()
        || q.overdue.is_some()
        || q.due_before.is_some()
        || q.due_within_days.is_some()
        || q.q.as_deref().is_some_and(|t| !t.trim().is_empty())
}

/// 导出时间：2021-09-15 10:20　共 105 项整改措施（按筛选条件）
fn note(conn: &mut DbConn, caller: &Caller, count: usize, filtered: bool) -> AppResult<String> {
    let tz: String = organisations::table.find(caller.organisation_id).select(organisations::timezone).first(conn)?;
    let now = local(crate::domain::now(), zone(&tz));
    let filter = if filtered { "（按筛选条件）" } else { "" };
    Ok(format!("导出时间：{}　共 {count} 项整改措施{filter}", now.format("%Y-%m-%d %H:%M")))
}

fn write(conn: &mut DbConn, rows: &[Matching], layout: Layout, format: ExportFormat, dir: &Path) -> AppResult<Export> {
    std::fs::create_dir_all(dir).map_err(AppError::internal)?;
    let date = crate::domain::now().format("%Y%m%d");
    let file_name = format!("{}_{date}.{}", file_safe(&layout.title), format.extension());
    let ascii_name = format!("ledger_{date}.{}", format.extension());
    let file = match format {
        ExportFormat::Xlsx => {
            let mut sink = LedgerWorkbook::create(dir, layout)?;
            feed(conn, rows, &mut sink)?;
            sink.finish()?
        }
        ExportFormat::Csv => {
            let mut sink = LedgerCsv::create(dir, &layout)?;
            feed(conn, rows, &mut sink)?;
            sink.finish()?
        }
    };
    Ok(Export { file, file_name, ascii_name, format })
}

/// A file name without the characters file systems refuse.
fn file_safe(name: &str) -> String {
    name.chars().filter(|c| !c.is_control() && !r#"/\:*?"<>|"#.contains(*c)).collect()
}

fn zone(tz: &str) -> Tz {
    tz.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// A stored UTC time as the organisation's clock shows it.
fn local(t: NaiveDateTime, tz: Tz) -> NaiveDateTime {
    Utc.from_utc_datetime(&t).with_timezone(&tz).naive_local()
}

/// Names read once per export, as the batches need them.
#[derive(Default)]
struct Names {
    users: HashMap<i64, String>,
    departments: HashMap<i64, String>,
    /// Name, time zone and today there.
    organisations: HashMap<i64, (String, Tz, NaiveDate)>,
    inspections: HashMap<i64, String>,
}

impl Names {
    fn load_users(&mut self, conn: &mut DbConn, ids: impl IntoIterator<Item = i64>) -> AppResult<()> {
        let mut missing: Vec<i64> = ids.into_iter().filter(|id| !self.users.contains_key(id)).collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let found: Vec<(i64, String)> =
                users::table.filter(users::id.eq_any(&missing)).select((users::id, users::display_name)).load(conn)?;
            self.users.extend(found);
        }
        Ok(())
    }
    fn load_departments(&mut self, conn: &mut DbConn, ids: impl IntoIterator<Item = i64>) -> AppResult<()> {
        let mut missing: Vec<i64> = ids.into_iter().filter(|id| !self.departments.contains_key(id)).collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let found: Vec<(i64, String)> =
                departments::table.filter(departments::id.eq_any(&missing)).select((departments::id, departments::name)).load(conn)?;
            self.departments.extend(found);
        }
        Ok(())
    }
    fn load_organisations(&mut self, conn: &mut DbConn, ids: impl IntoIterator<Item = i64>) -> AppResult<()> {
        let mut missing: Vec<i64> = ids.into_iter().filter(|id| !self.organisations.contains_key(id)).collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let found: Vec<(i64, String, String)> = organisations::table
                .filter(organisations::id.eq_any(&missing))
                .select((organisations::id, organisations::name, organisations::timezone))
                .load(conn)?;
            for (id, name, tz) in found {
                let tz = zone(&tz);
                let today = Utc::now().with_timezone(&tz).date_naive();
                self.organisations.insert(id, (name, tz, today));
            }
        }
        Ok(())
    }
    fn load_inspections(&mut self, conn: &mut DbConn, ids: impl IntoIterator<Item = i64>) -> AppResult<()> {
        let mut missing: Vec<i64> = ids.into_iter().filter(|id| !self.inspections.contains_key(id)).collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let found: Vec<(i64, String)> =
                inspections::table.filter(inspections::id.eq_any(&missing)).select((inspections::id, inspections::title)).load(conn)?;
            self.inspections.extend(found);
        }
        Ok(())
    }
    fn user(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.users.get(&id).cloned()).unwrap_or_default()
    }
}

/// Groups `(key, value)` pairs by key, keeping their order.
fn by_key<K: std::hash::Hash + Eq, V>(pairs: impl IntoIterator<Item = (K, V)>) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_default().push(v);
    }
    map
}

/// A measure the bureau sent back with a close-out decision or a reopening.
struct SentBack {
    kind: String,
    reason: String,
    actor_id: Option<i64>,
    actor: String,
    at: NaiveDateTime,
}

/// A problem's row as the export needs it.
type ProblemRow = (i64, i32, String, i64, String, Option<i64>, Option<NaiveDateTime>);

/// Reads the measures `rows` names in batches and hands them to `sink`, with their records.
fn feed(conn: &mut DbConn, rows: &[Matching], sink: &mut dyn LedgerSink) -> AppResult<()> {
    let mut names = Names::default();
    for batch in rows.chunks(BATCH) {
        feed_batch(conn, batch, sink, &mut names)?;
    }
    Ok(())
}

#[allow(clippy::too_many_lines)]
fn feed_batch(conn: &mut DbConn, batch: &[Matching], sink: &mut dyn LedgerSink, names: &mut Names) -> AppResult<()> {
    let ids: Vec<i64> = batch.iter().map(|m| m.id).collect();
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut ms: Vec<Measure> = measures::table.filter(measures::id.eq_any(&ids)).select(Measure::as_select()).load(conn)?;
    ms.sort_by_key(|m| position.get(&m.id).copied().unwrap_or(usize::MAX));

    let assignees = by_key(
        measure_assignees::table
            .filter(measure_assignees::measure_id.eq_any(&ids))
            .order((measure_assignees::measure_id, measure_assignees::user_id))
            .select((measure_assignees::measure_id, measure_assignees::user_id))
            .load::<(i64, i64)>(conn)?,
    );
    let supporting = by_key(
        measure_supporting_departments::table
            .filter(measure_supporting_departments::measure_id.eq_any(&ids))
            .order((measure_supporting_departments::measure_id, measure_supporting_departments::department_id))
            .select((measure_supporting_departments::measure_id, measure_supporting_departments::department_id))
            .load::<(i64, i64)>(conn)?,
    );
    let mut problem_ids: Vec<i64> = ms.iter().map(|m| m.problem_id).collect();
    problem_ids.sort_unstable();
    problem_ids.dedup();
    let probs: HashMap<i64, ProblemRow> = problems::table
        .filter(problems::id.eq_any(&problem_ids))
        .select((
            problems::id,
            problems::ordinal,
            problems::title,
            problems::category_id,
            problems::closeout_status,
            problems::closed_by,
            problems::closed_at,
        ))
        .load::<ProblemRow>(conn)?
        .into_iter()
        .map(|p| (p.0, p))
        .collect();
    let mut category_ids: Vec<i64> = probs.values().map(|p| p.3).collect();
    category_ids.sort_unstable();
    category_ids.dedup();
    let cats: HashMap<i64, (i32, String)> = categories::table
        .filter(categories::id.eq_any(&category_ids))
        .select((categories::id, categories::ordinal, categories::title))
        .load::<(i64, i32, String)>(conn)?
        .into_iter()
        .map(|(id, o, t)| (id, (o, t)))
        .collect();
    let evidence_of = by_key(
        evidence::table
            .filter(evidence::measure_id.eq_any(&ids))
            .filter(evidence::deleted_at.is_null())
            .order(evidence::id)
            .select((evidence::measure_id, evidence::title, evidence::document_number))
            .load::<(i64, String, Option<String>)>(conn)?
            .into_iter()
            .map(|(m, title, document_number)| (m, EvidenceItem { title, document_number })),
    );
    let signoffs_of = by_key(
        signoffs::table
            .filter(signoffs::measure_id.eq_any(&ids))
            .order(signoffs::id)
            .select(Signoff::as_select())
            .load::<Signoff>(conn)?
            .into_iter()
            .map(|s| (s.measure_id, s)),
    );
    let extensions_of = by_key(
        extension_requests::table
            .filter(extension_requests::measure_id.eq_any(&ids))
            .order(extension_requests::id)
            .select(ExtensionRequest::as_select())
            .load::<ExtensionRequest>(conn)?
            .into_iter()
            .map(|e| (e.measure_id, e)),
    );
    // The bureau's close-out returns and reopenings name the measures they send back.
    let closeouts: Vec<(i64, String, Option<i64>, String, String, NaiveDateTime)> = audit_events::table
        .filter(audit_events::entity_type.eq("problem"))
        .filter(audit_events::entity_id.eq_any(&problem_ids))
        .filter(audit_events::action.eq_any(["problem.closeout", "problem.reopen"]))
        .order(audit_events::id)
        .select((
            audit_events::entity_id,
            audit_events::action,
            audit_events::actor_user_id,
            audit_events::actor,
            audit_events::summary,
            audit_events::created_at,
        ))
        .load(conn)?;
    let in_batch: HashSet<i64> = ids.iter().copied().collect();
    let mut sent_back: HashMap<i64, Vec<SentBack>> = HashMap::new();
    for (_, action, actor_id, actor, summary, at) in &closeouts {
        let v: serde_json::Value = serde_json::from_str(summary).unwrap_or_default();
        let (kind, reason) = match action.as_str() {
            "problem.closeout" if v["decision"] == "return" => ("销号退回", v["comment"].as_str().unwrap_or_default()),
            "problem.reopen" => ("销号后重新打开", v["reason"].as_str().unwrap_or_default()),
            _ => continue,
        };
        for m in v["measure_ids"].as_array().into_iter().flatten().filter_map(|m| m.as_i64()).filter(|m| in_batch.contains(m)) {
            let sent = SentBack { kind: kind.to_string(), reason: reason.to_string(), actor_id: *actor_id, actor: actor.clone(), at: *at };
            sent_back.entry(m).or_default().push(sent);
        }
    }

    // Names of everyone and everything the batch mentions.
    let mut people: Vec<i64> = ms.iter().filter_map(|m| m.responsible_leader_id).collect();
    people.extend(assignees.values().flatten());
    people.extend(probs.values().filter_map(|p| p.5));
    people.extend(signoffs_of.values().flatten().map(|s| s.signer_id));
    people.extend(extensions_of.values().flatten().flat_map(|e| [Some(e.requested_by), e.decided_by]).flatten());
    people.extend(sent_back.values().flatten().filter_map(|r| r.actor_id));
    names.load_users(conn, people)?;
    let mut deps: Vec<i64> = ms.iter().filter_map(|m| m.lead_department_id).collect();
    deps.extend(supporting.values().flatten());
    names.load_departments(conn, deps)?;
    names.load_organisations(conn, ms.iter().map(|m| m.organisation_id))?;
    names.load_inspections(conn, ms.iter().map(|m| m.inspection_id))?;

    let problem_of = |m: &Measure| probs.get(&m.problem_id).map(|p| format!("{}{}", problem_label(p.1), p.2)).unwrap_or_default();
    for m in ms {
        let (org_name, tz, today) = names.organisations.get(&m.organisation_id).cloned().unwrap_or_else(|| {
            let tz = chrono_tz::Asia::Shanghai;
            (String::new(), tz, Utc::now().with_timezone(&tz).date_naive())
        });
        let p = probs.get(&m.problem_id);
        let (category_id, category) =
            p.and_then(|p| cats.get(&p.3).map(|(o, t)| (p.3, format!("{}{t}", category_label(*o))))).unwrap_or_default();
        let of = MeasureRef {
            organisation: org_name.clone(),
            problem: problem_of(&m),
            measure: format!("{}{}", measure_label(m.ordinal), m.title),
        };
        let signed_off = signoffs_of.get(&m.id).map(Vec::as_slice).unwrap_or_default();
        let standing = |stage: &str| {
            signed_off
                .iter()
                .rev()
                .find(|s| s.stage == stage && s.decision == "approve" && s.round == m.submission_round && s.invalidated_at.is_none())
                .map(|s| Act { by: names.user(Some(s.signer_id)), at: local(s.created_at, tz) })
        };
        let extensions = extensions_of.get(&m.id).map(Vec::as_slice).unwrap_or_default();
        let approved_extensions: Vec<&ExtensionRequest> = extensions.iter().filter(|e| e.status == "approved").collect();
        let closed_out = p.filter(|p| p.4 == "closed").and_then(|p| p.6.map(|at| Act { by: names.user(p.5), at: local(at, tz) }));
        let label = measure_label(m.ordinal);
        let text = if m.content.trim().is_empty() { &m.title } else { &m.content };
        let row = MeasureRow {
            organisation_id: m.organisation_id,
            organisation: org_name.clone(),
            inspection_id: m.inspection_id,
            inspection: names.inspections.get(&m.inspection_id).cloned().unwrap_or_default(),
            category_id,
            category,
            problem_id: m.problem_id,
            problem: of.problem.clone(),
            measure_id: m.id,
            measure_title: of.measure.clone(),
            measure_text: format!("{label}{text}"),
            kind: MeasureKind::parse(&m.kind).unwrap_or(MeasureKind::TimeBound),
            responsible_leader_id: m.responsible_leader_id,
            responsible_leader: names.user(m.responsible_leader_id),
            lead_department_id: m.lead_department_id,
            lead_department: m.lead_department_id.and_then(|d| names.departments.get(&d).cloned()).unwrap_or_default(),
            supporting_departments: supporting.get(&m.id).into_iter().flatten().filter_map(|d| names.departments.get(d).cloned()).collect(),
            assignees: assignees.get(&m.id).into_iter().flatten().filter_map(|u| names.users.get(u).cloned()).collect(),
            deadline: m.deadline,
            original_deadline: approved_extensions.first().and_then(|e| e.old_deadline),
            extensions: approved_extensions.len() as i64,
            progress: m.progress.clone(),
            status: MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::NotStarted),
            today,
            evidence: evidence_of.get(&m.id).cloned().unwrap_or_default(),
            approved: standing("approve"),
            signed: standing("sign"),
            verified: standing("verify"),
            closed_out,
        };
        sink.measure(row)?;
        for s in signed_off {
            let returned = s.decision == "return";
            let standing = match (&s.invalidated_at, &s.invalidated_reason) {
                _ if returned => String::new(),
                (Some(_), reason) => format!("已失效：{}", reason.as_deref().unwrap_or_default()),
                _ if s.round < m.submission_round => "此前轮次".to_string(),
                _ => "有效".to_string(),
            };
            sink.signoff(SignoffRecord {
                of: of.clone(),
                round: s.round,
                stage: s.stage.clone(),
                returned,
                comment: s.comment.clone(),
                signer: names.user(Some(s.signer_id)),
                at: local(s.created_at, tz),
                standing,
            })?;
            if returned {
                sink.returned(ReturnRecord {
                    of: of.clone(),
                    kind: format!("{}退回", stage_zh(&s.stage)),
                    reason: s.comment.clone(),
                    by: names.user(Some(s.signer_id)),
                    at: local(s.created_at, tz),
                })?;
            }
        }
        for s in sent_back.remove(&m.id).unwrap_or_default() {
            let by = s.actor_id.and_then(|id| names.users.get(&id).cloned()).unwrap_or(s.actor);
            sink.returned(ReturnRecord { of: of.clone(), kind: s.kind, reason: s.reason, by, at: local(s.at, tz) })?;
        }
        for e in extensions {
            sink.extension(ExtensionRecord {
                of: of.clone(),
                old_deadline: e.old_deadline,
                new_deadline: e.new_deadline,
                reason: e.reason.clone(),
                requested_by: names.user(Some(e.requested_by)),
                requested_at: local(e.created_at, tz),
                status: e.status.clone(),
                decided: e.decided_at.map(|at| Act { by: names.user(e.decided_by), at: local(at, tz) }),
                comment: e.decision_comment.clone(),
            })?;
        }
    }
    Ok(())
}
