//! The rectification ledger (整改台账): inspections, categories, problems and measures.

/// Numbers the rows `ids` of `$table` 1…n in that order. Two passes, so that the unique
/// (parent, ordinal) index never sees a duplicate along the way.
macro_rules! renumber {
    ($conn:expr, $table:ident, $ids:expr) => {{
        use diesel::prelude::*;
        let ids: &[i64] = $ids;
        for (n, id) in ids.iter().enumerate() {
            diesel::update(crate::schema::$table::table.find(id)).set(crate::schema::$table::ordinal.eq(-(n as i32) - 1)).execute($conn)?;
        }
        for (n, id) in ids.iter().enumerate() {
            diesel::update(crate::schema::$table::table.find(id)).set(crate::schema::$table::ordinal.eq(n as i32 + 1)).execute($conn)?;
        }
        Ok::<(), crate::error::AppError>(())
    }};
}

pub mod closeout;
pub mod comments;
pub mod extensions;
pub mod import;
pub mod inspections;
pub mod invariants;
pub mod labels;
pub mod lookbacks;
pub mod measures;
pub mod page_cache;
pub mod query;
pub mod signoffs;
pub mod structure;
pub mod tasks;
pub mod workflow;

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::organisations::{readable, OrgScope};
use crate::auth::{Caller, Principal, Role};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::schema::{measure_assignees, measures as measure_t, organisations, problems};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            pub fn parse(s: &str) -> Option<$name> { match s { $($text => Some($name::$variant),)+ _ => None } }
        }
    };
}

text_enum!(
    /// 整改时效
    MeasureKind {
        /// 立行立改
        Immediate = "immediate",
        /// 限期整改
        TimeBound = "time_bound",
        /// 长期坚持
        LongTerm = "long_term",
    }
);

impl MeasureKind {
    /// The kind as people write it: 立行立改 / 限期整改 / 长期坚持, or its code.
    pub fn from_input(s: &str) -> Option<MeasureKind> {
        let s = s.trim();
        MeasureKind::parse(s).or_else(|| MeasureKind::ALL.iter().copied().find(|k| k.name_zh() == s))
    }

    /// The name the report and the screens use.
    pub fn name_zh(self) -> &'static str {
        match self {
            MeasureKind::Immediate => "立行立改",
            MeasureKind::TimeBound => "限期整改",
            MeasureKind::LongTerm => "长期坚持",
        }
    }
}

text_enum!(
    MeasureStatus {
        NotStarted = "not_started",
        InProgress = "in_progress",
        /// Waiting for the first sign-off.
        Submitted = "submitted",
        /// 审核: the responsible leader approved.
        Approved = "approved",
        /// 审批: the leading group's leader signed.
        Signed = "signed",
        /// 核验: the discipline committee verified; done.
        Verified = "verified",
        /// A long-term measure, verified and watched by look-back checks; done.
        Monitoring = "monitoring",
    }
);

text_enum!(
    InspectionStatus {
        Planning = "planning",
        Rectifying = "rectifying",
        Closed = "closed",
    }
);

text_enum!(
    /// Role in the leading group (整改领导小组).
    GroupRole {
        /// 组长
        Leader = "leader",
        /// 副组长
        DeputyLeader = "deputy_leader",
        /// 成员
        Member = "member",
        /// 办公室主任
        OfficeDirector = "office_director",
    }
);

/// What part of the ledger a caller reads.
#[derive(Debug, Clone)]
pub struct LedgerScope {
    pub orgs: OrgScope,
    /// Staff see only the measures assigned to them (and the problems and inspections around them).
    pub assigned_to: Option<i64>,
}

pub fn scope(conn: &mut DbConn, caller: &Caller) -> AppResult<LedgerScope> {
    Ok(scope_in(caller, readable(conn, caller)?))
}

/// The scope within organisations already read for the caller.
pub fn scope_in(caller: &Caller, orgs: OrgScope) -> LedgerScope {
    let org_wide = matches!(caller.principal, Principal::ApiToken { .. })
        || [Role::Admin, Role::Coordinator, Role::Leader, Role::Discipline, Role::ResponsibleLeader, Role::BureauSupervisor]
            .iter()
            .any(|r| caller.has(*r));
    let assigned_to = if org_wide { None } else { Some(caller.user_id().unwrap_or(-1)) };
    LedgerScope { orgs, assigned_to }
}

impl LedgerScope {
    /// Whether a measure is in the scope.
    pub fn sees_measure(&self, conn: &mut DbConn, organisation_id: i64, measure_id: i64) -> AppResult<bool> {
        if !self.orgs.contains(organisation_id) {
            return Ok(false);
        }
        match self.assigned_to {
            None => Ok(true),
            Some(user) => Ok(diesel::select(diesel::dsl::exists(
                measure_assignees::table.filter(measure_assignees::measure_id.eq(measure_id)).filter(measure_assignees::user_id.eq(user)),
            ))
            .get_result(conn)?),
        }
    }

    /// Whether an inspection, or a category or problem of it, is in the scope: staff see those
    /// holding a measure assigned to them.
    pub fn sees_inspection(&self, conn: &mut DbConn, organisation_id: i64, inspection_id: i64, part: Part) -> AppResult<bool> {
        if !self.orgs.contains(organisation_id) {
            return Ok(false);
        }
        let Some(user) = self.assigned_to else { return Ok(true) };
        let mut q = measure_t::table
            .inner_join(measure_assignees::table)
            .filter(measure_assignees::user_id.eq(user))
            .filter(measure_t::inspection_id.eq(inspection_id))
            .into_boxed::<crate::db::MultiBackend>();
        match part {
            Part::Whole => {}
            Part::Category(c) => {
                q = q.filter(measure_t::problem_id.eq_any(problems::table.filter(problems::category_id.eq(c)).select(problems::id)))
            }
            Part::Problem(p) => q = q.filter(measure_t::problem_id.eq(p)),
        }
        Ok(q.select(measure_t::id).first::<i64>(conn).optional()?.is_some())
    }
}

/// What of an inspection [`LedgerScope::sees_inspection`] is asked about.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    Whole,
    Category(i64),
    Problem(i64),
}

/// Coordinators of the organisation, admins, and API tokens with `write` edit the ledger.
pub fn edits_ledger(caller: &Caller, organisation_id: i64) -> bool {
    match caller.principal {
        Principal::ApiToken { write, .. } => write && caller.organisation_id == organisation_id,
        Principal::User { .. } => caller.is_admin() || (caller.has(Role::Coordinator) && caller.organisation_id == organisation_id),
    }
}

pub fn refuse_edit() -> AppError {
    AppError::forbidden("ledger_read_only", "only the organisation's coordinator may change the ledger")
}

/// A problem whose close-out (销号) was asked for or granted is read-only, with its measures and
/// their evidence: what the bureau decides on, or decided, stays what it saw. Only the bureau's
/// reopening or a rebound look-back opens it again.
pub fn ensure_problem_open(conn: &mut DbConn, problem_id: i64) -> AppResult<()> {
    let status: String = problems::table.find(problem_id).select(problems::closeout_status).first(conn)?;
    match status.as_str() {
        "closed" => Err(AppError::conflict(
            "problem_closed_out",
            "the problem is closed out (销号) and read-only; the supervising bureau reopens it, with a reason, before anything changes",
        )),
        "requested" => Err(AppError::conflict(
            "closeout_pending",
            "close-out of the problem was asked for; it is read-only until the supervising bureau decides",
        )),
        _ => Ok(()),
    }
}

/// Today in the organisation's time zone: deadlines end at 24:00 local time.
pub fn today_in(conn: &mut DbConn, organisation_id: i64) -> AppResult<NaiveDate> {
    let tz: String = organisations::table.find(organisation_id).select(organisations::timezone).first(conn)?;
    Ok(today_in_zone(&tz))
}

pub fn today_in_zone(tz: &str) -> NaiveDate {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    Utc::now().with_timezone(&zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::MeasureKind;

    #[test]
    fn measure_kinds_are_read_as_people_write_them_and_as_codes() {
        for (text, kind) in [
            ("立行立改", MeasureKind::Immediate),
            ("限期整改", MeasureKind::TimeBound),
            ("长期坚持", MeasureKind::LongTerm),
            (" 长期坚持 ", MeasureKind::LongTerm),
            ("immediate", MeasureKind::Immediate),
            ("time_bound", MeasureKind::TimeBound),
            ("long_term", MeasureKind::LongTerm),
        ] {
            assert_eq!(MeasureKind::from_input(text), Some(kind), "{text:?}");
        }
        for bad in ["", "立即整改", "长期", "Immediate", "soon"] {
            assert_eq!(MeasureKind::from_input(bad), None, "{bad:?}");
        }
        // The codes alone stay the wire format.
        assert_eq!(MeasureKind::parse("长期坚持"), None);
    }
}
