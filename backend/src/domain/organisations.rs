//! Organisations: bureaus (教育局) supervise schools. Every other query is scoped through
//! [`readable`].

use crate::domain::precondition::Precondition;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{check, now, page_bounds, required_text, utc, Page};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::Organisation;
use crate::schema::organisations;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 教育局: supervises schools.
    Bureau,
    /// A school or other institution under a bureau.
    School,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Bureau => "bureau",
            OrgKind::School => "school",
        }
    }
    fn parse(s: &str) -> OrgKind {
        if s == "bureau" {
            OrgKind::Bureau
        } else {
            OrgKind::School
        }
    }
}

/// The organisations a caller may read.
#[derive(Debug, Clone, PartialEq)]
pub enum OrgScope {
    All,
    Only(Vec<i64>),
}

impl OrgScope {
    pub fn contains(&self, id: i64) -> bool {
        match self {
            OrgScope::All => true,
            OrgScope::Only(ids) => ids.contains(&id),
        }
    }
}

/// How far a caller reads: admins everything; a bureau supervisor its bureau and the schools
/// under it; everyone else (API tokens included) their own organisation.
enum Reach {
    All,
    WithSchools(i64),
    Own(i64),
}

fn reach(caller: &Caller) -> Reach {
    if caller.is_admin() {
        Reach::All
    } else if caller.has(Role::BureauSupervisor) {
        Reach::WithSchools(caller.organisation_id)
    } else {
        Reach::Own(caller.organisation_id)
    }
}

pub fn readable(conn: &mut DbConn, caller: &Caller) -> AppResult<OrgScope> {
    Ok(match reach(caller) {
        Reach::All => OrgScope::All,
        Reach::Own(id) => OrgScope::Only(vec![id]),
        Reach::WithSchools(id) => {
            let mut ids = vec![id];
            ids.extend(organisations::table.filter(organisations::parent_id.eq(id)).select(organisations::id).load::<i64>(conn)?);
            OrgScope::Only(ids)
        }
    })
}

/// An organisation's ledger revision (moved on by every change to its measures) and what
/// scoping and dates need of it: the measure list's page cache is keyed by these.
#[derive(Debug, Clone, Queryable)]
pub struct OrgRevision {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub ledger_revision: i64,
    pub timezone: String,
}

/// Every organisation's revision, in one read that concurrent requests share.
pub fn revisions(conn: &mut DbConn) -> AppResult<Vec<OrgRevision>> {
    Ok(organisations::table
        .select((organisations::id, organisations::parent_id, organisations::ledger_revision, organisations::timezone))
        .load(conn)?)
}

/// What [`readable`] gives, from every organisation's revision, with the revisions of those it
/// covers summed (they only grow, so the sum moves whenever one does) and the time zone of the
/// caller's own organisation.
pub fn readable_at(caller: &Caller, all: &[OrgRevision]) -> (OrgScope, i64, String) {
    let covered: Vec<&OrgRevision> = match reach(caller) {
        Reach::All => all.iter().collect(),
        Reach::Own(id) => all.iter().filter(|o| o.id == id).collect(),
        Reach::WithSchools(id) => all.iter().filter(|o| o.id == id || o.parent_id == Some(id)).collect(),
    };
    let zone = covered.iter().find(|o| o.id == caller.organisation_id).map(|o| o.timezone.clone()).unwrap_or_default();
    let revision = covered.iter().map(|o| o.ledger_revision).sum();
    let scope = match reach(caller) {
        Reach::All => OrgScope::All,
        // The caller's own organisation first, as `readable` has it.
        _ => OrgScope::Only(
            std::iter::once(caller.organisation_id)
                .chain(covered.iter().map(|o| o.id).filter(|id| *id != caller.organisation_id))
                .collect(),
        ),
    };
    (scope, revision, zone)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    /// The supervising bureau.
    pub parent_id: Option<i64>,
    /// IANA time zone in which deadlines end (24:00 local time).
    pub timezone: String,
    /// The sign-off stages new inspections use, in order (`approve`, `sign`, `verify`).
    pub signoff_chain: Vec<String>,
    /// One person may sign two stages of a measure (small schools); each such sign-off says so.
    pub allow_repeat_signer: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        OrganisationView {
            id: o.id,
            kind: OrgKind::parse(&o.kind),
            name: o.name,
            parent_id: o.parent_id,
            timezone: o.timezone,
            signoff_chain: o.signoff_chain.split(',').map(str::to_string).collect(),
            allow_repeat_signer: o.allow_repeat_signer,
            version: o.version,
            created_at: utc(o.created_at),
            updated_at: utc(o.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    pub kind: Option<OrgKind>,
    /// Only the schools supervised by this bureau.
    pub parent_id: Option<i64>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

pub fn list(conn: &mut DbConn, caller: &Caller, q: &OrganisationQuery) -> AppResult<Page<OrganisationView>> {
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let scope = readable(conn, caller)?;
    let filtered = || {
        let mut query = organisations::table.into_boxed();
        if let OrgScope::Only(ids) = &scope {
            query = query.filter(organisations::id.eq_any(ids.clone()));
        }
        if let Some(kind) = q.kind {
            query = query.filter(organisations::kind.eq(kind.as_str()));
        }
        if let Some(parent) = q.parent_id {
            query = query.filter(organisations::parent_id.eq(parent));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered().order(organisations::id).limit(limit).offset(offset).select(Organisation::as_select()).load(conn)?;
    Ok(Page { items: items.into_iter().map(Into::into).collect(), total, limit, offset })
}

/// An organisation the caller may read, or 404.
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<Organisation> {
    if !readable(conn, caller)?.contains(id) {
        return Err(AppError::not_found());
    }
    Ok(organisations::table.find(id).select(Organisation::as_select()).first(conn)?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    #[schema(example = "长阳土家族自治县职业教育中心", min_length = 1, max_length = 128)]
    pub name: String,
    pub kind: OrgKind,
    /// Required for a school: the bureau that supervises it.
    pub parent_id: Option<i64>,
    #[schema(example = "Asia/Shanghai")]
    pub timezone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[schema(min_length = 1, max_length = 128)]
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub parent_id: Option<i64>,
    /// For inspections created from now on; existing ones keep theirs.
    pub signoff_chain: Option<Vec<String>>,
    pub allow_repeat_signer: Option<bool>,
}

fn valid_timezone(tz: &str) -> bool {
    // IANA names: Area/Location, letters, digits, '_', '-', '+'.
    let mut parts = tz.split('/');
    tz.len() <= 64
        && parts.next().is_some_and(|a| !a.is_empty())
        && tz.chars().all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c))
        && !tz.contains("//")
        && !tz.ends_with('/')
}

fn check_parent(conn: &mut DbConn, kind: OrgKind, parent_id: Option<i64>, errors: &mut Vec<FieldError>) -> AppResult<()> {
    match (kind, parent_id) {
        (OrgKind::School, None) => errors.push(FieldError::new("/parent_id", "required", "a school needs its supervising bureau")),
        (_, Some(p)) => {
            let parent_kind: Option<String> = organisations::table.find(p).select(organisations::kind).first(conn).optional()?;
            if parent_kind.as_deref() != Some("bureau") {
                errors.push(FieldError::new("/parent_id", "invalid_parent", "the parent must be an existing bureau"));
            }
        }
        (OrgKind::Bureau, None) => {}
    }
    Ok(())
}

/// `actor` is recorded in the new organisation's audit log (the command line and the demo act as `system`).
pub fn create(conn: &mut DbConn, actor: &Caller, input: NewOrganisation) -> AppResult<Organisation> {
    write_tx(conn, |conn| {
        let mut errors = Vec::new();
        let name = required_text(&mut errors, "/name", &input.name, 128);
        let timezone = input.timezone.unwrap_or_else(|| "Asia/Shanghai".into());
        if !valid_timezone(&timezone) {
            errors.push(FieldError::new("/timezone", "invalid_timezone", "an IANA time zone such as Asia/Shanghai"));
        }
        check_parent(conn, input.kind, input.parent_id, &mut errors)?;
        check(errors)?;
        let t = now();
        let o = diesel::insert_into(organisations::table)
            .values((
                organisations::name.eq(&name),
                organisations::kind.eq(input.kind.as_str()),
                organisations::parent_id.eq(input.parent_id),
                organisations::timezone.eq(&timezone),
                organisations::version.eq(1),
                organisations::created_at.eq(t),
                organisations::updated_at.eq(t),
            ))
            .returning(Organisation::COLUMNS)
            .get_result::<Organisation>(conn)
            .map_err(|e| unique_name(e, "an organisation with this name already exists"))?;
        logged(conn, actor, "organisation.create", o)
    })
}

pub fn update(conn: &mut DbConn, actor: &Caller, id: i64, expected: &Precondition, patch: OrganisationPatch) -> AppResult<Organisation> {
    write_tx(conn, |conn| {
        let current: Organisation = organisations::table.find(id).select(Organisation::as_select()).first(conn)?;
        let expected_version = expected.check(current.version)?;
        let mut errors = Vec::new();
        let name = match &patch.name {
            Some(n) => required_text(&mut errors, "/name", n, 128),
            None => current.name.clone(),
        };
        let timezone = patch.timezone.clone().unwrap_or(current.timezone.clone());
        if !valid_timezone(&timezone) {
            errors.push(FieldError::new("/timezone", "invalid_timezone", "an IANA time zone such as Asia/Shanghai"));
        }
        let parent_id = patch.parent_id.or(current.parent_id);
        if patch.parent_id.is_some() {
            check_parent(conn, OrgKind::parse(&current.kind), parent_id, &mut errors)?;
            if parent_id == Some(id) {
                errors.push(FieldError::new("/parent_id", "invalid_parent", "an organisation cannot supervise itself"));
            }
        }
        let chain = match &patch.signoff_chain {
            None => current.signoff_chain.clone(),
            Some(stages) => match crate::domain::ledger::workflow::Chain::parse(&stages.join(",")) {
                Some(_) => stages.join(","),
                None => {
                    errors.push(FieldError::new(
                        "/signoff_chain",
                        "invalid_chain",
                        "an ordered, non-empty choice of approve, sign, verify",
                    ));
                    current.signoff_chain.clone()
                }
            },
        };
        check(errors)?;
        let o = diesel::update(organisations::table.find(id).filter(organisations::version.eq(expected_version)))
            .set((
                organisations::name.eq(&name),
                organisations::timezone.eq(&timezone),
                organisations::parent_id.eq(parent_id),
                organisations::signoff_chain.eq(chain),
                organisations::allow_repeat_signer.eq(patch.allow_repeat_signer.unwrap_or(current.allow_repeat_signer)),
                organisations::version.eq(expected_version + 1),
                organisations::updated_at.eq(now()),
            ))
            .returning(Organisation::COLUMNS)
            .get_result::<Organisation>(conn)
            .optional()
            .map_err(|e| unique_name(e, "an organisation with this name already exists"))?
            .ok_or_else(AppError::version_mismatch)?;
        logged(conn, actor, "organisation.update", o)
    })
}

fn logged(conn: &mut DbConn, actor: &Caller, action: &str, o: Organisation) -> AppResult<Organisation> {
    let summary = serde_json::to_value(OrganisationView::from(o.clone())).map_err(AppError::internal)?;
    crate::domain::audit::record(conn, actor, o.id, action, ("organisation", o.id), summary)?;
    Ok(o)
}

/// Turns a unique violation into a readable 409.
pub fn unique_name(e: diesel::result::Error, detail: &str) -> AppError {
    match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            AppError::conflict("already_exists", detail)
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_look_like_iana_names() {
        for ok in ["Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+8"] {
            assert!(valid_timezone(ok), "{ok}");
        }
        for bad in ["", "Asia/", "../etc/passwd", "Asia//Shanghai", "亚洲/上海", "a b"] {
            assert!(!valid_timezone(bad), "{bad}");
        }
    }

    #[test]
    fn scope_contains() {
        assert!(OrgScope::All.contains(9));
        assert!(OrgScope::Only(vec![1, 2]).contains(2));
        assert!(!OrgScope::Only(vec![1, 2]).contains(3));
    }
}
