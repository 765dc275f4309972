//! Close-out (销号) of a problem: the coordinator asks once every measure is done; a
//! supervisor of the supervising bureau closes it, or returns it naming the measures that need
//! more, which go back to `in_progress`. The inspection closes with its last problem. A problem
//! asked for or granted close-out is read-only ([`super::ensure_problem_open`]); only the bureau
//! reopens a closed one, with a reason, or a rebound look-back does.

use crate::domain::precondition::Precondition;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::signoffs::{note, withdraw_standing};
use super::structure::{problem_view, visible_problem, ProblemView};
use super::workflow::DONE;
use super::{edits_ledger, refuse_edit, InspectionStatus, MeasureStatus};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, DbConn};
use crate::domain::{audit, check, notifications, now, required_text};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::{Inspection, Measure, Problem};
use crate::schema::{inspections, measures, organisations, problems};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloseoutDecision {
    Close,
    Return,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseoutInput {
    pub decision: CloseoutDecision,
    /// Required when returning.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
    /// When returning: the measures that need more evidence.
    #[serde(default)]
    pub measure_ids: Vec<i64>,
}

/// The supervising bureau reopens a closed-out problem.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    /// Why the problem is reopened (kept in the problem's record, the audit log and the notes of
    /// the measures sent back).
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Measures that need more work: they go back to `in_progress` and their sign-offs no longer
    /// stand. The others stay verified.
    #[serde(default)]
    pub measure_ids: Vec<i64>,
}

fn set_closeout(conn: &mut DbConn, p: &Problem, status: &str, comment: &str, closed_by: Option<i64>) -> AppResult<Problem> {
    // `p` is the row as read and checked against If-Match: its version is the expected one.
    let t = now();
    diesel::update(problems::table.find(p.id).filter(problems::version.eq(p.version)))
        .set((
            problems::closeout_status.eq(status),
            problems::closeout_comment.eq(comment),
            problems::closed_by.eq(closed_by),
            problems::closed_at.eq(closed_by.map(|_| t)),
            problems::version.eq(p.version + 1),
            problems::updated_at.eq(t),
        ))
        .returning(problems::all_columns)
        .get_result::<Problem>(conn)
        .optional()?
        .ok_or_else(AppError::version_mismatch)
}

/// The coordinator asks the supervising bureau to close the problem.
pub fn request(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<ProblemView> {
    write_tx(conn, |conn| {
        let (p, i) = visible_problem(conn, caller, id)?;
        if !edits_ledger(caller, i.organisation_id) {
            return Err(refuse_edit());
        }
        expected.check(p.version)?;
        if p.closeout_status != "open" {
            return Err(AppError::conflict("closeout_pending", "close-out was already requested or granted"));
        }
        let statuses: Vec<String> = measures::table.filter(measures::problem_id.eq(id)).select(measures::status).load(conn)?;
        let open = statuses.iter().filter(|s| !DONE.iter().any(|d| d.as_str() == s.as_str())).count();
        if statuses.is_empty() || open > 0 {
            return Err(AppError::conflict(
                "measures_not_done",
                format!("{open} of {} measures are not verified yet; close-out needs every measure verified", statuses.len()),
            ));
        }
        diesel::update(problems::table.find(id)).set(problems::closeout_requested_by.eq(caller.user_id())).execute(conn)?;
        let p = set_closeout(conn, &p, "requested", "", None)?;
        audit::record(conn, caller, i.organisation_id, "problem.request_closeout", ("problem", id), json!({"title": p.title}))?;
        problem_view(conn, p)
    })
}

/// A supervisor of the bureau that supervises the problem's school closes it or returns it.
pub fn decide(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, input: CloseoutInput) -> AppResult<ProblemView> {
    write_tx(conn, |conn| {
        let (p, i) = supervised_problem(conn, caller, id, expected)?;
        if p.closeout_status != "requested" {
            return Err(AppError::conflict("closeout_not_requested", "the coordinator has not asked for close-out"));
        }
        let user = caller.user_id();
        let p = match input.decision {
            CloseoutDecision::Close => {
                let p = set_closeout(conn, &p, "closed", input.comment.trim(), user)?;
                close_inspection_when_done(conn, &i)?;
                if let (Some(requester), Some(first)) = (
                    p.closeout_requested_by,
                    measures::table.filter(measures::problem_id.eq(id)).select(Measure::as_select()).first::<Measure>(conn).optional()?,
                ) {
                    notifications::send(conn, &[requester], "closed_out", &first, &format!("问题“{}”已销号", p.title), None)?;
                }
                p
            }
            CloseoutDecision::Return => {
                let mut errors = Vec::new();
                let comment = required_text(&mut errors, "/comment", &input.comment, 2000);
                check_measures(conn, id, &input.measure_ids, true, &mut errors)?;
                check(errors)?;
                send_back(conn, &input.measure_ids, user, &format!("销号退回：{comment}"))?;
                set_closeout(conn, &p, "open", &comment, None)?
            }
        };
        let summary = json!({"decision": if input.decision == CloseoutDecision::Close { "close" } else { "return" }, "comment": p.closeout_comment, "measure_ids": input.measure_ids});
        audit::record(conn, caller, i.organisation_id, "problem.closeout", ("problem", id), summary)?;
        problem_view(conn, p)
    })
}

/// The supervising bureau reopens a closed-out problem, with a reason; the measures it names go
/// back to `in_progress`. The inspection, if it was closed, is open again.
pub fn reopen(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, input: ReopenInput) -> AppResult<ProblemView> {
    write_tx(conn, |conn| {
        let (p, i) = supervised_problem(conn, caller, id, expected)?;
        if p.closeout_status != "closed" {
            return Err(AppError::conflict("not_closed", "only a closed-out problem is reopened"));
        }
        let mut errors = Vec::new();
        let reason = required_text(&mut errors, "/reason", &input.reason, 2000);
        check_measures(conn, id, &input.measure_ids, false, &mut errors)?;
        check(errors)?;
        let user = caller.user_id();
        send_back(conn, &input.measure_ids, user, &format!("销号后重新打开：{reason}"))?;
        let p = set_closeout(conn, &p, "open", &reason, None)?;
        reopen_inspection(conn, i.id)?;
        if let Some(requester) = p.closeout_requested_by {
            let message = format!("问题“{}”已被教育局重新打开：{reason}", p.title);
            notifications::send_about(conn, &[requester], "reopened", None, Some(p.id), &message, None)?;
        }
        audit::record(
            conn,
            caller,
            i.organisation_id,
            "problem.reopen",
            ("problem", id),
            json!({"reason": reason, "measure_ids": input.measure_ids, "closeout_status": "open"}),
        )?;
        problem_view(conn, p)
    })
}

/// A problem the caller decides on as a supervisor of the bureau supervising its school, at the
/// version the caller read.
fn supervised_problem(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<(Problem, Inspection)> {
    let (p, i) = visible_problem(conn, caller, id)?;
    let parent: Option<i64> = organisations::table.find(i.organisation_id).select(organisations::parent_id).first(conn)?;
    if !(caller.has(Role::BureauSupervisor) && parent == Some(caller.organisation_id)) {
        return Err(AppError::forbidden("not_supervising_bureau", "a supervisor of the supervising bureau closes problems out"));
    }
    expected.check(p.version)?;
    Ok((p, i))
}

/// The named measures must be the problem's own (and at least one when `required`).
fn check_measures(conn: &mut DbConn, problem_id: i64, ids: &[i64], required: bool, errors: &mut Vec<FieldError>) -> AppResult<()> {
    let own: Vec<i64> = measures::table.filter(measures::problem_id.eq(problem_id)).select(measures::id).load(conn)?;
    if (required && ids.is_empty()) || ids.iter().any(|m| !own.contains(m)) {
        errors.push(FieldError::new("/measure_ids", "invalid_measures", "name the problem's measures that need more evidence"));
    }
    Ok(())
}

/// Sends measures back to `in_progress`: their standing sign-offs are withdrawn, with a note.
fn send_back(conn: &mut DbConn, ids: &[i64], user: Option<i64>, text: &str) -> AppResult<()> {
    for m in ids {
        let measure: Measure = measures::table.find(m).select(Measure::as_select()).first(conn)?;
        withdraw_standing(conn, &measure, text)?;
        diesel::update(measures::table.find(m))
            .set((
                measures::status.eq(MeasureStatus::InProgress.as_str()),
                measures::next_lookback.eq(None::<chrono::NaiveDate>),
                measures::version.eq(measures::version + 1),
                measures::updated_at.eq(now()),
            ))
            .execute(conn)?;
        note(conn, *m, user, text)?;
    }
    Ok(())
}

/// A problem asked for or granted close-out is open again (a rebound look-back): its close-out
/// no longer stands, and neither does its inspection's closing.
pub(super) fn reopen_problem(conn: &mut DbConn, problem_id: i64, reason: &str) -> AppResult<()> {
    let p: Problem = problems::table.find(problem_id).select(Problem::as_select()).first(conn)?;
    if p.closeout_status == "open" {
        return Ok(());
    }
    set_closeout(conn, &p, "open", reason, None)?;
    reopen_inspection(conn, p.inspection_id)
}

fn reopen_inspection(conn: &mut DbConn, inspection_id: i64) -> AppResult<()> {
    diesel::update(inspections::table.find(inspection_id).filter(inspections::status.eq(InspectionStatus::Closed.as_str())))
        .set((
            inspections::status.eq(InspectionStatus::Rectifying.as_str()),
            inspections::version.eq(inspections::version + 1),
            inspections::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The inspection is closed once every one of its problems is.
pub(super) fn close_inspection_when_done(conn: &mut DbConn, i: &Inspection) -> AppResult<()> {
    let statuses: Vec<String> = problems::table.filter(problems::inspection_id.eq(i.id)).select(problems::closeout_status).load(conn)?;
    if !statuses.is_empty() && statuses.iter().all(|s| s == "closed") && i.status != InspectionStatus::Closed.as_str() {
        diesel::update(inspections::table.find(i.id))
            .set((
                inspections::status.eq(InspectionStatus::Closed.as_str()),
                inspections::version.eq(inspections::version + 1),
                inspections::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
