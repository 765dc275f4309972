//! What waits for the caller: measures to work on, sign-offs whose turn is theirs, overdue
//! measures they answer for, extension requests, problems to close out, look-backs that are due.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::labels::{measure_label, problem_label};
use super::signoffs::{chain_of, reviews};
use super::workflow::{Stage, DONE};
use super::{today_in, MeasureStatus};
use crate::auth::{Caller, Role};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::models::{Measure, Problem};
use crate::schema::{extension_requests, inspections, measure_assignees, measures, organisations, problems};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Assigned to the caller, not yet submitted.
    WorkOn,
    /// Waiting for the caller's approval as responsible leader.
    Approve,
    /// Waiting for the caller's signature as the leading group's leader.
    Sign,
    /// Waiting for the discipline committee's verification.
    Verify,
    /// Past the deadline, not done, and assigned to or led by the caller.
    Overdue,
    /// A monitored measure whose look-back (回头看) is due.
    LookbackDue,
    /// An extension request waiting for the caller as the leading group's leader.
    Extension,
    /// A problem whose measures are all verified: the coordinator asks for close-out (销号).
    RequestCloseout,
    /// A close-out request waiting for a supervisor of the supervising bureau.
    DecideCloseout,
}

impl TaskKind {
    fn as_str(self) -> &'static str {
        match self {
            TaskKind::WorkOn => "work_on",
            TaskKind::Approve => "approve",
            TaskKind::Sign => "sign",
            TaskKind::Verify => "verify",
            TaskKind::Overdue => "overdue",
            TaskKind::LookbackDue => "lookback_due",
            TaskKind::Extension => "extension",
            TaskKind::RequestCloseout => "request_closeout",
            TaskKind::DecideCloseout => "decide_closeout",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    pub kind: TaskKind,
    /// Absent for the close-out of a problem.
    pub measure_id: Option<i64>,
    pub inspection_id: i64,
    /// Whose work it is: the school, for a bureau that supervises many.
    pub organisation_name: String,
    pub problem_id: i64,
    /// The problem's 1., and its title: what the work is about.
    #[schema(example = "1.")]
    pub problem_label: String,
    pub problem_title: String,
    /// The measure's ①, or the problem's 1. for close-out.
    #[schema(example = "①")]
    pub label: String,
    pub title: String,
    pub status: MeasureStatus,
    pub deadline: Option<NaiveDate>,
    pub next_lookback: Option<NaiveDate>,
    /// When this task is due: the look-back date for a look-back, else the measure's deadline.
    pub due: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Tasks {
    /// How many of each kind (every kind present, zero included).
    pub counts: BTreeMap<String, i64>,
    /// Sign-offs first, then overdue, work and look-backs; by due date within a kind.
    pub items: Vec<Task>,
}

fn task(kind: TaskKind, m: &Measure) -> Task {
    Task {
        kind,
        measure_id: Some(m.id),
        inspection_id: m.inspection_id,
        organisation_name: String::new(),
        problem_id: m.problem_id,
        problem_label: String::new(),
        problem_title: String::new(),
        label: measure_label(m.ordinal),
        title: m.title.clone(),
        status: MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::NotStarted),
        deadline: m.deadline,
        next_lookback: m.next_lookback,
        due: if kind == TaskKind::LookbackDue { m.next_lookback } else { m.deadline },
    }
}

fn problem_task(kind: TaskKind, p: &Problem) -> Task {
    Task {
        kind,
        measure_id: None,
        inspection_id: p.inspection_id,
        organisation_name: String::new(),
        problem_id: p.id,
        problem_label: String::new(),
        problem_title: String::new(),
        label: problem_label(p.ordinal),
        title: p.title.clone(),
        status: MeasureStatus::Verified,
        deadline: None,
        next_lookback: None,
        due: None,
    }
}

pub fn for_caller(conn: &mut DbConn, caller: &Caller) -> AppResult<Tasks> {
    let mut items = Vec::new();
    let Some(user) = caller.user_id() else { return Ok(Tasks { counts: counts(&items), items }) };
    let org = caller.organisation_id;
    let today = today_in(conn, org)?;
    let done: Vec<&str> = DONE.iter().map(|s| s.as_str()).collect();
    let assigned = measure_assignees::table.filter(measure_assignees::user_id.eq(user)).select(measure_assignees::measure_id);

    let open = [MeasureStatus::NotStarted.as_str(), MeasureStatus::InProgress.as_str()];
    let mine: Vec<Measure> = measures::table
        .filter(measures::id.eq_any(assigned))
        .filter(measures::status.eq_any(open))
        .select(Measure::as_select())
        .load(conn)?;
    items.extend(mine.iter().map(|m| task(TaskKind::WorkOn, m)));

    // Sign-offs: the pending stage of each waiting measure of the organisation, if it is the caller's.
    let waiting = [MeasureStatus::Submitted.as_str(), MeasureStatus::Approved.as_str(), MeasureStatus::Signed.as_str()];
    let candidates: Vec<Measure> = measures::table
        .filter(measures::organisation_id.eq(org))
        .filter(measures::status.eq_any(waiting))
        .select(Measure::as_select())
        .load(conn)?;
    for m in &candidates {
        let status = MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::NotStarted);
        let Some(stage) = chain_of(conn, m)?.pending(status) else { continue };
        if reviews(conn, caller, m, stage)? && m.submitted_by != Some(user) {
            items.push(task(
                match stage {
                    Stage::Approve => TaskKind::Approve,
                    Stage::Sign => TaskKind::Sign,
                    Stage::Verify => TaskKind::Verify,
                },
                m,
            ));
        }
    }

    let pending = extension_requests::table
        .filter(extension_requests::organisation_id.eq(org))
        .filter(extension_requests::status.eq("pending"))
        .select(extension_requests::measure_id);
    let asked: Vec<Measure> = measures::table.filter(measures::id.eq_any(pending)).select(Measure::as_select()).load(conn)?;
    for m in &asked {
        if reviews(conn, caller, m, Stage::Sign)? {
            items.push(task(TaskKind::Extension, m));
        }
    }

    let overdue: Vec<Measure> = measures::table
        .filter(
            measures::id
                .eq_any(measure_assignees::table.filter(measure_assignees::user_id.eq(user)).select(measure_assignees::measure_id))
                .or(measures::responsible_leader_id.eq(user)),
        )
        .filter(measures::deadline.lt(today))
        .filter(measures::status.ne_all(&done))
        .select(Measure::as_select())
        .load(conn)?;
    items.extend(overdue.iter().map(|m| task(TaskKind::Overdue, m)));

    if caller.has(Role::Coordinator) {
        let not_done = measures::table.filter(measures::status.ne_all(&done)).select(measures::problem_id);
        let ready: Vec<Problem> = problems::table
            .filter(problems::inspection_id.eq_any(inspections::table.filter(inspections::organisation_id.eq(org)).select(inspections::id)))
            .filter(problems::closeout_status.eq("open"))
            .filter(problems::id.eq_any(measures::table.select(measures::problem_id)))
            .filter(problems::id.ne_all(not_done))
            .select(Problem::as_select())
            .load(conn)?;
        items.extend(ready.iter().map(|p| problem_task(TaskKind::RequestCloseout, p)));
    }
    // The supervising bureau's supervisors look at every school it supervises.
    let supervised = organisations::table.filter(organisations::parent_id.eq(org)).select(organisations::id);
    if caller.has(Role::BureauSupervisor) {
        let requested: Vec<Problem> = problems::table
            .filter(
                problems::inspection_id
                    .eq_any(inspections::table.filter(inspections::organisation_id.eq_any(supervised)).select(inspections::id)),
            )
            .filter(problems::closeout_status.eq("requested"))
            .select(Problem::as_select())
            .load(conn)?;
        items.extend(requested.iter().map(|p| problem_task(TaskKind::DecideCloseout, p)));
    }
    // Look-backs: the discipline committee's own organisation, a bureau's supervised schools.
    let mut lookback_orgs: Vec<i64> = Vec::new();
    if caller.has(Role::Discipline) {
        lookback_orgs.push(org);
    }
    if caller.has(Role::BureauSupervisor) {
        lookback_orgs.extend(supervised.load::<i64>(conn)?);
    }
    if !lookback_orgs.is_empty() {
        let due: Vec<Measure> = measures::table
            .filter(measures::organisation_id.eq_any(&lookback_orgs))
            .filter(measures::status.eq(MeasureStatus::Monitoring.as_str()))
            .filter(measures::next_lookback.le(today))
            .select(Measure::as_select())
            .load(conn)?;
        items.extend(due.iter().map(|m| task(TaskKind::LookbackDue, m)));
    }
    let rank = |k: TaskKind| match k {
        TaskKind::Approve | TaskKind::Sign | TaskKind::Verify | TaskKind::Extension | TaskKind::DecideCloseout => 0,
        TaskKind::Overdue => 1,
        TaskKind::WorkOn => 2,
        TaskKind::RequestCloseout => 3,
        TaskKind::LookbackDue => 4,
    };
    items.sort_by_key(|t| (rank(t.kind), t.due.is_none(), t.due, t.problem_id, t.measure_id));
    // Name every task's problem, in one query.
    let ids: Vec<i64> = items.iter().map(|t| t.problem_id).collect();
    let names: std::collections::HashMap<i64, (i32, String)> = problems::table
        .filter(problems::id.eq_any(&ids))
        .select((problems::id, problems::ordinal, problems::title))
        .load::<(i64, i32, String)>(conn)?
        .into_iter()
        .map(|(id, ordinal, title)| (id, (ordinal, title)))
        .collect();
    let inspection_ids: Vec<i64> = items.iter().map(|t| t.inspection_id).collect();
    let schools: std::collections::HashMap<i64, String> = inspections::table
        .inner_join(organisations::table)
        .filter(inspections::id.eq_any(&inspection_ids))
        .select((inspections::id, organisations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    for t in &mut items {
        if let Some((ordinal, title)) = names.get(&t.problem_id) {
            t.problem_label = problem_label(*ordinal);
            t.problem_title = title.clone();
        }
        t.organisation_name = schools.get(&t.inspection_id).cloned().unwrap_or_default();
    }
    Ok(Tasks { counts: counts(&items), items })
}

fn counts(items: &[Task]) -> BTreeMap<String, i64> {
    let kinds = [
        TaskKind::WorkOn,
        TaskKind::Approve,
        TaskKind::Sign,
        TaskKind::Verify,
        TaskKind::Overdue,
        TaskKind::LookbackDue,
        TaskKind::Extension,
        TaskKind::RequestCloseout,
        TaskKind::DecideCloseout,
    ];
    kinds.iter().map(|k| (k.as_str().to_string(), items.iter().filter(|t| t.kind == *k).count() as i64)).collect()
}
