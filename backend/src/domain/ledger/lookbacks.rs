//! Look-back checks (回头看): the discipline committee or the supervising bureau checks that a
//! verified measure or a closed problem still holds. A rebound reopens it.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::closeout::reopen_problem;
use super::comments::Subject;
use super::measures::visible as visible_measure;
use super::signoffs::{note, withdraw_standing};
use super::structure::visible_problem;
use super::workflow::DONE;
use super::{today_in, MeasureStatus};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, DbConn};
use crate::domain::{audit, now, required, utc};
use crate::error::{AppError, AppResult};
use crate::models::Measure;
use crate::schema::{lookbacks, measures, organisations, users};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LookbackResult {
    /// 整改成效巩固: the rectification holds.
    Holds,
    /// 反弹: the problem came back; the measure or problem reopens.
    Rebound,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLookback {
    pub result: LookbackResult,
    #[schema(min_length = 1, max_length = 4000)]
    pub findings: String,
    /// For a monitored measure that holds: the next look-back (default in 90 days).
    pub next_lookback: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LookbackView {
    pub id: i64,
    pub result: LookbackResult,
    pub findings: String,
    pub checked_by: i64,
    pub checked_by_name: String,
    pub created_at: DateTime<Utc>,
}

/// The discipline committee of the organisation, or a supervisor of its bureau.
fn checks(conn: &mut DbConn, caller: &Caller, organisation_id: i64) -> AppResult<bool> {
    if caller.has(Role::Discipline) && caller.organisation_id == organisation_id {
        return Ok(true);
    }
    let parent: Option<i64> = organisations::table.find(organisation_id).select(organisations::parent_id).first(conn)?;
    Ok(caller.has(Role::BureauSupervisor) && (parent == Some(caller.organisation_id) || caller.organisation_id == organisation_id))
}

fn reopen(conn: &mut DbConn, caller: &Caller, m: &Measure, findings: &str) -> AppResult<()> {
    withdraw_standing(conn, m, &format!("回头看反弹：{findings}"))?;
    diesel::update(measures::table.find(m.id))
        .set((
            measures::status.eq(MeasureStatus::InProgress.as_str()),
            measures::next_lookback.eq(None::<NaiveDate>),
            measures::version.eq(measures::version + 1),
            measures::updated_at.eq(now()),
        ))
        .execute(conn)?;
    note(conn, m.id, caller.user_id(), &format!("回头看反弹：{findings}"))
}

pub fn record(conn: &mut DbConn, caller: &Caller, subject: Subject, input: NewLookback) -> AppResult<LookbackView> {
    write_tx(conn, |conn| {
        let (kind, id, org, inspection_id, measures_of): (&str, i64, i64, i64, Vec<Measure>) = match subject {
            Subject::Measure(id) => {
                let m = visible_measure(conn, caller, id)?;
                let status = MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::NotStarted);
                if !DONE.contains(&status) {
                    return Err(AppError::conflict("not_verified", "look-backs check verified measures"));
                }
                ("measure", id, m.organisation_id, m.inspection_id, vec![m])
            }
            Subject::Problem(id) => {
                let (p, i) = visible_problem(conn, caller, id)?;
                if p.closeout_status != "closed" {
                    return Err(AppError::conflict("not_closed", "look-backs check closed-out problems"));
                }
                let ms: Vec<Measure> = measures::table.filter(measures::problem_id.eq(id)).select(Measure::as_select()).load(conn)?;
                ("problem", id, i.organisation_id, i.id, ms)
            }
        };
        if !checks(conn, caller, org)? {
            return Err(AppError::forbidden("not_a_checker", "the discipline committee or the supervising bureau checks"));
        }
        let Some(user) = caller.user_id() else { return Err(AppError::forbidden("users_only", "look-backs are made by people")) };
        let findings = required("/findings", &input.findings, 4000)?;
        match input.result {
            LookbackResult::Rebound => {
                for m in &measures_of {
                    reopen(conn, caller, m, &findings)?;
                }
                // A measure that rebounds reopens its problem's close-out too (and the inspection's).
                let problem_id = if kind == "problem" { id } else { measures_of[0].problem_id };
                reopen_problem(conn, problem_id, &format!("回头看反弹：{findings}"))?;
            }
            LookbackResult::Holds => {
                let next = input.next_lookback.unwrap_or(today_in(conn, org)? + chrono::Duration::days(90));
                for m in measures_of.iter().filter(|m| m.status == MeasureStatus::Monitoring.as_str()) {
                    diesel::update(measures::table.find(m.id)).set(measures::next_lookback.eq(next)).execute(conn)?;
                }
            }
        }
        let t = now();
        let result = if input.result == LookbackResult::Holds { "holds" } else { "rebound" };
        let lookback_id: i64 = diesel::insert_into(lookbacks::table)
            .values((
                lookbacks::organisation_id.eq(org),
                lookbacks::inspection_id.eq(inspection_id),
                lookbacks::entity_type.eq(kind),
                lookbacks::entity_id.eq(id),
                lookbacks::result.eq(result),
                lookbacks::findings.eq(&findings),
                lookbacks::checked_by.eq(user),
                lookbacks::created_at.eq(t),
            ))
            .returning(lookbacks::id)
            .get_result(conn)?;
        audit::record(conn, caller, org, &format!("{kind}.lookback"), (kind, id), json!({"result": result, "findings": findings}))?;
        let checked_by_name: String = users::table.find(user).select(users::display_name).first(conn)?;
        Ok(LookbackView { id: lookback_id, result: input.result, findings, checked_by: user, checked_by_name, created_at: utc(t) })
    })
}

/// Newest first.
pub fn list(conn: &mut DbConn, caller: &Caller, subject: Subject) -> AppResult<Vec<LookbackView>> {
    subject.organisation(conn, caller)?;
    let (kind, id) = subject.parts();
    let rows: Vec<(i64, String, String, i64, String, chrono::NaiveDateTime)> = lookbacks::table
        .inner_join(users::table.on(users::id.eq(lookbacks::checked_by)))
        .filter(lookbacks::entity_type.eq(kind))
        .filter(lookbacks::entity_id.eq(id))
        .order(lookbacks::id.desc())
        .select((lookbacks::id, lookbacks::result, lookbacks::findings, lookbacks::checked_by, users::display_name, lookbacks::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, result, findings, checked_by, checked_by_name, at)| LookbackView {
            id,
            result: if result == "holds" { LookbackResult::Holds } else { LookbackResult::Rebound },
            findings,
            checked_by,
            checked_by_name,
            created_at: utc(at),
        })
        .collect())
}

/// Rebounds found in an inspection, for its statistics.
pub fn rebounds(conn: &mut DbConn, inspection_id: i64) -> AppResult<i64> {
    Ok(lookbacks::table
        .filter(lookbacks::inspection_id.eq(inspection_id))
        .filter(lookbacks::result.eq("rebound"))
        .count()
        .get_result(conn)?)
}
