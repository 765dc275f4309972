//! What waits for the caller: measures to work on, sign-offs whose turn is theirs, overdue
//! measures they answer for, look-backs that are due.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::labels::measure_label;
use super::signoffs::{chain_of, reviews};
use super::workflow::{Stage, DONE};
use super::{today_in, MeasureStatus};
use crate::auth::{Caller, Role};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::models::Measure;
use crate::schema::{extension_requests, measure_assignees, measures};

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
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    pub kind: TaskKind,
    pub measure_id: i64,
    pub inspection_id: i64,
    pub problem_id: i64,
    #[schema(example = "①")]
    pub label: String,
    pub title: String,
    pub status: MeasureStatus,
    pub deadline: Option<NaiveDate>,
    pub next_lookback: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Tasks {
    /// How many of each kind (every kind present, zero included).
    pub counts: BTreeMap<String, i64>,
    /// Sign-offs first, then overdue, work and look-backs; by deadline within a kind.
    pub items: Vec<Task>,
}

fn task(kind: TaskKind, m: &Measure) -> Task {
    Task {
        kind,
        measure_id: m.id,
        inspection_id: m.inspection_id,
        problem_id: m.problem_id,
        label: measure_label(m.ordinal),
        title: m.title.clone(),
        status: MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::NotStarted),
        deadline: m.deadline,
        next_lookback: m.next_lookback,
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

    if caller.has(Role::Discipline) {
        let due: Vec<Measure> = measures::table
            .filter(measures::organisation_id.eq(org))
            .filter(measures::status.eq(MeasureStatus::Monitoring.as_str()))
            .filter(measures::next_lookback.le(today))
            .select(Measure::as_select())
            .load(conn)?;
        items.extend(due.iter().map(|m| task(TaskKind::LookbackDue, m)));
    }
    let rank = |k: TaskKind| match k {
        TaskKind::Approve | TaskKind::Sign | TaskKind::Verify | TaskKind::Extension => 0,
        TaskKind::Overdue => 1,
        TaskKind::WorkOn => 2,
        TaskKind::LookbackDue => 3,
    };
    items.sort_by_key(|t| (rank(t.kind), t.deadline.is_none(), t.deadline, t.measure_id));
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
    ];
    kinds.iter().map(|k| (k.as_str().to_string(), items.iter().filter(|t| t.kind == *k).count() as i64)).collect()
}
