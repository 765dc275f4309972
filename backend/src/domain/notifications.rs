//! In-app notifications: assignments, returns, approvals, close-outs, deadline reminders.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ledger::labels::{measure_label, problem_label};
use super::ledger::today_in_zone;
use super::ledger::workflow::DONE;
use super::{now, utc};
use crate::auth::Caller;
use crate::db::{write_tx, DbConn, MultiBackend};
use crate::error::{AppError, AppResult};
use crate::models::Measure;
use crate::schema::{measure_assignees, measures, notifications, organisations};

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    /// `assigned`, `returned`, `approved`, `closed_out`, `reopened`, `deadline_in_7_days`,
    /// `deadline_in_3_days`, `deadline_in_1_day`, `overdue`, `roles_changed`.
    pub kind: String,
    pub measure_id: Option<i64>,
    pub problem_id: Option<i64>,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    pub unread: i64,
    /// The latest 100 matching the query, newest first.
    pub items: Vec<NotificationView>,
}

/// Sends one notification to each user. A `dedupe` key (suffixed with the user) already used
/// is skipped, so that reminders produced by several instances at once arrive once.
pub fn send(conn: &mut DbConn, users: &[i64], kind: &str, m: &Measure, message: &str, dedupe: Option<&str>) -> AppResult<usize> {
    send_about(conn, users, kind, Some(m.id), Some(m.problem_id), message, dedupe)
}

/// As [`send`], about a problem, a measure or neither (a change to an account).
pub fn send_about(
    conn: &mut DbConn,
    users: &[i64],
    kind: &str,
    measure_id: Option<i64>,
    problem_id: Option<i64>,
    message: &str,
    dedupe: Option<&str>,
) -> AppResult<usize> {
    let mut sent = 0;
    for user in users {
        let key = dedupe.map(|d| format!("{d}:{user}"));
        let inserted = write_tx(conn, |conn| {
            Ok(diesel::insert_into(notifications::table)
                .values((
                    notifications::user_id.eq(user),
                    notifications::kind.eq(kind),
                    notifications::measure_id.eq(measure_id),
                    notifications::problem_id.eq(problem_id),
                    notifications::message.eq(message),
                    notifications::dedupe_key.eq(&key),
                    notifications::created_at.eq(now()),
                ))
                .execute(conn)?)
        });
        match inserted {
            Ok(n) => sent += n,
            Err(e) if e.code == "already_exists" => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

/// The measure's assignees.
pub fn assignees(conn: &mut DbConn, measure_id: i64) -> AppResult<Vec<i64>> {
    Ok(measure_assignees::table.filter(measure_assignees::measure_id.eq(measure_id)).select(measure_assignees::user_id).load(conn)?)
}

/// A measure as its people name it: its problem's 1., its own ① and its title.
pub fn describe(m: &Measure) -> String {
    format!("{}{} {}", problem_label(m.problem_ordinal), measure_label(m.ordinal), m.title)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only unread (`true`) or only read (`false`) notifications.
    pub unread: Option<bool>,
    /// Only notifications of these kinds (comma-separated, e.g.
    /// `deadline_in_7_days,deadline_in_3_days,deadline_in_1_day`).
    pub kind: Option<String>,
}

pub fn inbox(conn: &mut DbConn, caller: &Caller, q: &InboxQuery) -> AppResult<Inbox> {
    let Some(user) = caller.user_id() else { return Err(AppError::forbidden("users_only", "notifications are for people")) };
    let unread: i64 =
        notifications::table.filter(notifications::user_id.eq(user)).filter(notifications::read_at.is_null()).count().get_result(conn)?;
    let mut query = notifications::table.filter(notifications::user_id.eq(user)).into_boxed::<MultiBackend>();
    match q.unread {
        Some(true) => query = query.filter(notifications::read_at.is_null()),
        Some(false) => query = query.filter(notifications::read_at.is_not_null()),
        None => {}
    }
    if let Some(kinds) = &q.kind {
        let kinds: Vec<String> = kinds.split(',').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect();
        query = query.filter(notifications::kind.eq_any(kinds));
    }
    let rows: Vec<(i64, String, Option<i64>, Option<i64>, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> = query
        .order(notifications::id.desc())
        .limit(100)
        .select((
            notifications::id,
            notifications::kind,
            notifications::measure_id,
            notifications::problem_id,
            notifications::message,
            notifications::created_at,
            notifications::read_at,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|(id, kind, measure_id, problem_id, message, at, read)| NotificationView {
            id,
            kind,
            measure_id,
            problem_id,
            message,
            created_at: utc(at),
            read: read.is_some(),
        })
        .collect();
    Ok(Inbox { unread, items })
}

/// Marks one notification (`Some(id)`) or all of the caller's as read.
pub fn mark_read(conn: &mut DbConn, caller: &Caller, id: Option<i64>) -> AppResult<usize> {
    let Some(user) = caller.user_id() else { return Err(AppError::forbidden("users_only", "notifications are for people")) };
    let mine = notifications::table.filter(notifications::user_id.eq(user)).filter(notifications::read_at.is_null());
    let n = match id {
        Some(id) => {
            let exists = notifications::table
                .filter(notifications::user_id.eq(user))
                .filter(notifications::id.eq(id))
                .select(notifications::id)
                .first::<i64>(conn)
                .optional()?;
            if exists.is_none() {
                return Err(AppError::not_found());
            }
            diesel::update(mine.filter(notifications::id.eq(id))).set(notifications::read_at.eq(now())).execute(conn)?
        }
        None => diesel::update(mine).set(notifications::read_at.eq(now())).execute(conn)?,
    };
    Ok(n)
}

/// Deadline reminders (7, 3 and 1 days ahead, and overdue once per deadline) to the assignees
/// and the responsible leader of every open measure, counting days from `date`, or when absent
/// from today in each organisation's time zone (deadlines end at 24:00 local time). Safe to run
/// on several instances at once and more than once a day.
pub fn remind(conn: &mut DbConn, date: Option<NaiveDate>) -> AppResult<usize> {
    let zones: Vec<(i64, String)> = organisations::table.select((organisations::id, organisations::timezone)).load(conn)?;
    let mut sent = 0;
    for (organisation, zone) in zones {
        sent += remind_in(conn, organisation, date.unwrap_or_else(|| today_in_zone(&zone)))?;
    }
    Ok(sent)
}

fn remind_in(conn: &mut DbConn, organisation: i64, today: NaiveDate) -> AppResult<usize> {
    let done: Vec<&str> = DONE.iter().map(|s| s.as_str()).collect();
    let soon = [7, 3, 1].map(|d| today + chrono::Duration::days(d));
    let due: Vec<Measure> = measures::table
        .filter(measures::organisation_id.eq(organisation))
        .filter(measures::deadline.eq_any(soon).or(measures::deadline.lt(today)))
        .filter(measures::status.ne_all(&done))
        .select(Measure::as_select())
        .load(conn)?;
    let mut sent = 0;
    for m in &due {
        let Some(deadline) = m.deadline else { continue };
        let mut users = assignees(conn, m.id)?;
        users.extend(m.responsible_leader_id);
        users.sort();
        users.dedup();
        let (kind, message) = match (deadline - today).num_days() {
            d if d < 0 => ("overdue".to_string(), format!("{} 已逾期 {} 天（完成时限 {deadline}）", describe(m), -d)),
            1 => ("deadline_in_1_day".to_string(), format!("{} 明天到期（{deadline}）", describe(m))),
            d => (format!("deadline_in_{d}_days"), format!("{} {d} 天后到期（{deadline}）", describe(m))),
        };
        sent += send(conn, &users, &kind, m, &message, Some(&format!("{kind}:{}:{deadline}", m.id)))?;
    }
    Ok(sent)
}
