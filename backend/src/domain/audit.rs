//! The audit log: every change, written in the transaction that makes it, as a hash chain per
//! organisation. Each event's hash covers the previous hash and the event's canonical content,
//! so editing, removing or reordering an event breaks the chain from there on; database
//! triggers refuse updates and deletes outright.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::organisations::{readable, OrgScope};
use super::{now, page_bounds, utc, Page};
use crate::auth::{Caller, Principal, Role};
use crate::db::{DbConn, MultiBackend};
use crate::domain::ledger::labels::{category_label, measure_label, problem_label};
use crate::error::{AppError, AppResult};
use crate::schema::{
    api_tokens, audit_events, audit_heads, categories, departments, evidence, inspections, measures, organisations, problems, users,
};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What is hashed, in this field order.
#[derive(Debug, Serialize)]
struct Canonical<'a> {
    organisation_id: i64,
    seq: i64,
    actor_user_id: Option<i64>,
    actor_token_id: Option<i64>,
    actor: &'a str,
    action: &'a str,
    entity_type: &'a str,
    entity_id: i64,
    summary: &'a str,
    request_id: Option<&'a str>,
    created_at: String,
}

fn canonical_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// `sha256(prev_hash ‖ "\n" ‖ canonical JSON)`, hex.
fn chain_hash(prev: &str, c: &Canonical<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(c).expect("plain fields serialize"));
    hex::encode(h.finalize())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub organisation_id: i64,
    pub seq: i64,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: i64,
    pub summary: String,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    fn canonical(&self) -> Canonical<'_> {
        Canonical {
            organisation_id: self.organisation_id,
            seq: self.seq,
            actor_user_id: self.actor_user_id,
            actor_token_id: self.actor_token_id,
            actor: &self.actor,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: self.entity_id,
            summary: &self.summary,
            request_id: self.request_id.as_deref(),
            created_at: canonical_time(self.created_at),
        }
    }
}

/// Appends an event to the organisation's chain. Call it inside the transaction of the change.
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    organisation_id: i64,
    action: &str,
    entity: (&str, i64),
    summary: serde_json::Value,
) -> AppResult<()> {
    // Taking the head first holds its row for the rest of the transaction (PostgreSQL), so
    // concurrent writers of one organisation chain one after another; SQLite writers are
    // serialized by their immediate transactions anyway.
    let (seq, prev): (i64, String) = diesel::update(audit_heads::table.find(organisation_id))
        .set(audit_heads::seq.eq(audit_heads::seq + 1))
        .returning((audit_heads::seq, audit_heads::hash))
        .get_result(conn)?;
    let (user, token, actor) = match &caller.principal {
        Principal::User { id, username } => (Some(*id), None, username.clone()),
        Principal::ApiToken { id, .. } => (None, Some(*id), format!("api-token:{id}")),
    };
    // Both databases keep microseconds, so what is hashed is what is stored.
    let t = now();
    let created_at = t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t);
    let summary = summary.to_string();
    let c = Canonical {
        organisation_id,
        seq,
        actor_user_id: user,
        actor_token_id: token,
        actor: &actor,
        action,
        entity_type: entity.0,
        entity_id: entity.1,
        summary: &summary,
        request_id: caller.request_id.as_deref(),
        created_at: canonical_time(created_at),
    };
    let hash = chain_hash(&prev, &c);
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::organisation_id.eq(organisation_id),
            audit_events::seq.eq(seq),
            audit_events::actor_user_id.eq(user),
            audit_events::actor_token_id.eq(token),
            audit_events::actor.eq(&actor),
            audit_events::action.eq(action),
            audit_events::entity_type.eq(entity.0),
            audit_events::entity_id.eq(entity.1),
            audit_events::summary.eq(&summary),
            audit_events::request_id.eq(&caller.request_id),
            audit_events::created_at.eq(created_at),
            audit_events::prev_hash.eq(&prev),
            audit_events::hash.eq(&hash),
        ))
        .execute(conn)?;
    diesel::update(audit_heads::table.find(organisation_id)).set(audit_heads::hash.eq(&hash)).execute(conn)?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub organisation_id: i64,
    /// Position in the organisation's chain, from 1.
    pub seq: i64,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    /// User name, or `api-token:<id>`.
    pub actor: String,
    /// The acting person's display name (the token's name for an API token, `system` for the
    /// command line).
    pub actor_name: String,
    /// The acting person's title (职务), where recorded.
    pub actor_title: Option<String>,
    /// What the event is about, as people name it: `1.① 强化思想武装`, `（一）履行职责使命方面`,
    /// a piece of evidence's title, a person's name. Absent when it no longer exists and the
    /// event names no title.
    pub entity_label: Option<String>,
    #[schema(example = "measure.signoff")]
    pub action: String,
    #[schema(example = "measure")]
    pub entity_type: String,
    pub entity_id: i64,
    /// What changed (fields after the change, decisions, reasons).
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    /// For each field of `summary` this event changed, its value before: from the entity's
    /// latest earlier event that names the field. Absent when the event changed no known value.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// Names of the people and departments `summary` and `before` refer to by id, keyed
    /// `user:<id>` and `department:<id>`.
    pub names: BTreeMap<String, String>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub hash: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub organisation_id: Option<i64>,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub action: Option<String>,
    /// From this instant on.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The discipline committee, bureau supervisors and admins read the audit log.
fn audits(caller: &Caller) -> AppResult<OrgScope> {
    if caller.is_admin() || caller.has(Role::Discipline) || caller.has(Role::BureauSupervisor) {
        Ok(OrgScope::All)
    } else {
        Err(AppError::forbidden("insufficient_role", "the audit log is for the discipline committee, bureau supervisors and admins"))
    }
}

fn filtered<'a>(orgs: &'a OrgScope, q: &'a AuditQuery) -> audit_events::BoxedQuery<'a, MultiBackend> {
    let mut query = audit_events::table.into_boxed::<MultiBackend>();
    if let OrgScope::Only(ids) = orgs {
        query = query.filter(audit_events::organisation_id.eq_any(ids.clone()));
    }
    if let Some(v) = q.organisation_id {
        query = query.filter(audit_events::organisation_id.eq(v));
    }
    if let Some(v) = &q.entity_type {
        query = query.filter(audit_events::entity_type.eq(v.clone()));
    }
    if let Some(v) = q.entity_id {
        query = query.filter(audit_events::entity_id.eq(v));
    }
    if let Some(v) = q.actor_user_id {
        query = query.filter(audit_events::actor_user_id.eq(v));
    }
    if let Some(v) = &q.action {
        query = query.filter(audit_events::action.eq(v.clone()));
    }
    if let Some(v) = q.from {
        query = query.filter(audit_events::created_at.ge(v.naive_utc()));
    }
    if let Some(v) = q.to {
        query = query.filter(audit_events::created_at.lt(v.naive_utc()));
    }
    query
}

pub fn list(conn: &mut DbConn, caller: &Caller, q: &AuditQuery) -> AppResult<Page<AuditView>> {
    audits(caller)?;
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let orgs = readable(conn, caller)?;
    let total: i64 = filtered(&orgs, q).count().get_result(conn)?;
    let rows: Vec<AuditEvent> =
        filtered(&orgs, q).order(audit_events::id.desc()).limit(limit).offset(offset).select(AuditEvent::as_select()).load(conn)?;
    let items = views(conn, rows)?;
    Ok(Page { items, total, limit, offset })
}

/// One merged history of a measure, oldest first: its changes, progress, submissions and
/// sign-offs (returns included), and its evidence's uploads, versions and deletions. For
/// whoever sees the measure.
pub fn timeline(conn: &mut DbConn, caller: &Caller, measure_id: i64) -> AppResult<Vec<AuditView>> {
    crate::domain::ledger::measures::visible(conn, caller, measure_id)?;
    let evidence_ids: Vec<i64> = evidence::table.filter(evidence::measure_id.eq(measure_id)).select(evidence::id).load(conn)?;
    let rows: Vec<AuditEvent> = audit_events::table
        .filter(
            (audit_events::entity_type.eq("measure").and(audit_events::entity_id.eq(measure_id)))
                .or(audit_events::entity_type.eq("evidence").and(audit_events::entity_id.eq_any(evidence_ids))),
        )
        .order((audit_events::created_at, audit_events::id))
        .select(AuditEvent::as_select())
        .load(conn)?;
    views(conn, rows)
}

/// The events as shown, each with the values it changed from (its entity's earlier events).
fn views(conn: &mut DbConn, rows: Vec<AuditEvent>) -> AppResult<Vec<AuditView>> {
    let parse = |s: &str| serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::String(s.to_string()));
    // Every earlier event of the entities shown, oldest first, per entity type.
    let mut history: Vec<(String, i64, i64, serde_json::Value)> = Vec::new();
    let last = rows.iter().map(|e| e.id).max().unwrap_or(0);
    let mut types: Vec<&str> = rows.iter().map(|e| e.entity_type.as_str()).collect();
    types.sort();
    types.dedup();
    for t in types {
        let ids: Vec<i64> = rows.iter().filter(|e| e.entity_type == t).map(|e| e.entity_id).collect();
        let earlier: Vec<(i64, i64, String)> = audit_events::table
            .filter(audit_events::entity_type.eq(t))
            .filter(audit_events::entity_id.eq_any(ids))
            .filter(audit_events::id.lt(last))
            .order(audit_events::id)
            .select((audit_events::entity_id, audit_events::id, audit_events::summary))
            .load(conn)?;
        history.extend(earlier.into_iter().map(|(entity, id, summary)| (t.to_string(), entity, id, parse(&summary))));
    }
    let labels = entity_labels(conn, &rows)?;
    let actors = person_names(conn, rows.iter().filter_map(|e| e.actor_user_id).collect())?;
    let views: Vec<AuditView> = rows
        .into_iter()
        .map(|e| {
            let summary = parse(&e.summary);
            let earlier: Vec<&serde_json::Value> =
                history.iter().filter(|h| h.0 == e.entity_type && h.1 == e.entity_id && h.2 < e.id).map(|h| &h.3).collect();
            let (actor_name, actor_title) = match e.actor_user_id.and_then(|id| actors.get(&id)) {
                Some((name, title)) => (name.clone(), Some(title.clone()).filter(|t| !t.is_empty())),
                None => (e.actor.clone(), None),
            };
            let entity_label = labels
                .get(&(e.entity_type.clone(), e.entity_id))
                .cloned()
                .or_else(|| summary.get("title").or_else(|| summary.get("name")).and_then(|v| v.as_str()).map(str::to_string));
            AuditView {
                before: before(&earlier, &summary),
                summary,
                id: e.id,
                organisation_id: e.organisation_id,
                seq: e.seq,
                actor_user_id: e.actor_user_id,
                actor_token_id: e.actor_token_id,
                actor: e.actor,
                actor_name,
                actor_title,
                entity_label,
                names: BTreeMap::new(),
                action: e.action,
                entity_type: e.entity_type,
                entity_id: e.entity_id,
                request_id: e.request_id,
                created_at: utc(e.created_at),
                hash: e.hash,
            }
        })
        .collect();
    name_references(conn, views)
}

/// Summary fields holding people's ids, and those holding departments' ids.
const USER_FIELDS: &[&str] = &["responsible_leader_id", "assignee_ids", "user_id", "user_ids"];
const DEPARTMENT_FIELDS: &[&str] = &["lead_department_id", "supporting_department_ids", "department_id"];

/// The ids an event's summary and before-values hold in `fields` (single ids and lists).
fn referenced(v: &AuditView, fields: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for value in [Some(&v.summary), v.before.as_ref()].into_iter().flatten() {
        for f in fields {
            match value.get(*f) {
                Some(serde_json::Value::Number(n)) => ids.extend(n.as_i64()),
                Some(serde_json::Value::Array(a)) => ids.extend(a.iter().filter_map(|x| x.as_i64())),
                _ => {}
            }
        }
    }
    ids
}

/// Fills each view's `names` with the people and departments it refers to by id.
fn name_references(conn: &mut DbConn, mut views: Vec<AuditView>) -> AppResult<Vec<AuditView>> {
    let people = person_names(conn, views.iter().flat_map(|v| referenced(v, USER_FIELDS)).collect())?;
    let department_ids: Vec<i64> = views.iter().flat_map(|v| referenced(v, DEPARTMENT_FIELDS)).collect();
    let departments: HashMap<i64, String> = departments::table
        .filter(departments::id.eq_any(&department_ids))
        .select((departments::id, departments::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    for v in &mut views {
        for id in referenced(v, USER_FIELDS) {
            if let Some((name, _)) = people.get(&id) {
                v.names.insert(format!("user:{id}"), name.clone());
            }
        }
        for id in referenced(v, DEPARTMENT_FIELDS) {
            if let Some(name) = departments.get(&id) {
                v.names.insert(format!("department:{id}"), name.clone());
            }
        }
    }
    Ok(views)
}

/// Display name and title of each user.
fn person_names(conn: &mut DbConn, mut ids: Vec<i64>) -> AppResult<HashMap<i64, (String, String)>> {
    ids.sort();
    ids.dedup();
    Ok(users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name, users::title))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, title)| (id, (name, title)))
        .collect())
}

/// How people name each entity the events are about, by (type, id), for those that still exist.
fn entity_labels(conn: &mut DbConn, rows: &[AuditEvent]) -> AppResult<HashMap<(String, i64), String>> {
    let ids = |t: &str| -> Vec<i64> { rows.iter().filter(|e| e.entity_type == t).map(|e| e.entity_id).collect() };
    let mut out: Vec<(&str, i64, String)> = Vec::new();
    let ms: Vec<(i64, i32, i32, String)> = measures::table
        .filter(measures::id.eq_any(ids("measure")))
        .select((measures::id, measures::problem_ordinal, measures::ordinal, measures::title))
        .load(conn)?;
    out.extend(ms.into_iter().map(|(id, p, o, t)| ("measure", id, format!("{}{} {t}", problem_label(p), measure_label(o)))));
    let ps: Vec<(i64, i32, String)> = problems::table
        .filter(problems::id.eq_any(ids("problem")))
        .select((problems::id, problems::ordinal, problems::title))
        .load(conn)?;
    out.extend(ps.into_iter().map(|(id, o, t)| ("problem", id, format!("{} {t}", problem_label(o)))));
    let cs: Vec<(i64, i32, String)> = categories::table
        .filter(categories::id.eq_any(ids("category")))
        .select((categories::id, categories::ordinal, categories::title))
        .load(conn)?;
    out.extend(cs.into_iter().map(|(id, o, t)| ("category", id, format!("{}{t}", category_label(o)))));
    let simple: [(&str, Vec<(i64, String)>); 5] = [
        (
            "inspection",
            inspections::table
                .filter(inspections::id.eq_any(ids("inspection")))
                .select((inspections::id, inspections::title))
                .load(conn)?,
        ),
        ("user", users::table.filter(users::id.eq_any(ids("user"))).select((users::id, users::display_name)).load(conn)?),
        (
            "department",
            departments::table.filter(departments::id.eq_any(ids("department"))).select((departments::id, departments::name)).load(conn)?,
        ),
        (
            "organisation",
            organisations::table
                .filter(organisations::id.eq_any(ids("organisation")))
                .select((organisations::id, organisations::name))
                .load(conn)?,
        ),
        (
            "api_token",
            api_tokens::table.filter(api_tokens::id.eq_any(ids("api_token"))).select((api_tokens::id, api_tokens::name)).load(conn)?,
        ),
    ];
    // A piece of evidence with the measure it proves: 3.① 强化问题意识：党委会会议纪要.
    let es: Vec<(i64, String, i64)> = evidence::table
        .filter(evidence::id.eq_any(ids("evidence")))
        .select((evidence::id, evidence::title, evidence::measure_id))
        .load(conn)?;
    let proven: HashMap<i64, (i32, i32, String)> = measures::table
        .filter(measures::id.eq_any(es.iter().map(|e| e.2).collect::<Vec<_>>()))
        .select((measures::id, measures::problem_ordinal, measures::ordinal, measures::title))
        .load::<(i64, i32, i32, String)>(conn)?
        .into_iter()
        .map(|(id, p, o, t)| (id, (p, o, t)))
        .collect();
    out.extend(es.into_iter().map(|(id, title, measure)| {
        let label = match proven.get(&measure) {
            Some((p, o, m)) => format!("{}{} {m}：{title}", problem_label(*p), measure_label(*o)),
            None => title,
        };
        ("evidence", id, label)
    }));
    for (t, list) in simple {
        out.extend(list.into_iter().map(|(id, name)| (t, id, name)));
    }
    Ok(out.into_iter().map(|(t, id, label)| ((t.to_string(), id), label)).collect())
}

/// Summary fields that describe one act (a sign-off's decision, a comment's text), not the
/// entity's state: two acts differ, but neither replaced the other. `version` moves every time.
const ACT_FIELDS: &[&str] = &[
    "body",
    "comment",
    "comment_id",
    "decision",
    "evidence_digest",
    "extension_id",
    "findings",
    "measure_ids",
    "new_deadline",
    "old_deadline",
    "problem_ids",
    "reason",
    "repeat_signer",
    "result",
    "round",
    "stage",
    "version",
];

/// The earlier value of each state field of `summary` that differs from it, taken from the
/// latest of `earlier` (oldest first) that names the field.
pub fn before(earlier: &[&serde_json::Value], summary: &serde_json::Value) -> Option<serde_json::Value> {
    let changed: serde_json::Map<String, serde_json::Value> = summary
        .as_object()?
        .iter()
        .filter(|(k, _)| !ACT_FIELDS.contains(&k.as_str()))
        .filter_map(|(k, now)| {
            let old = earlier.iter().rev().find_map(|s| s.get(k))?;
            (old != now).then(|| (k.clone(), old.clone()))
        })
        .collect();
    (!changed.is_empty()).then_some(serde_json::Value::Object(changed))
}

/// Where a chain first breaks.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ChainBreak {
    pub organisation_id: i64,
    /// The first event that does not fit (absent when events are missing at the end).
    pub event_id: Option<i64>,
    pub seq: i64,
    /// `altered` (content no longer hashes to its hash), `broken_link` (does not follow the
    /// previous event), `missing` (a gap in the sequence, or events missing at the end).
    pub problem: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainReport {
    pub intact: bool,
    pub organisations: usize,
    pub events: usize,
    /// The first break per broken organisation.
    pub breaks: Vec<ChainBreak>,
}

/// Checks one organisation's events (in `seq` order) against its head `(seq, hash)`.
pub fn check_chain(organisation_id: i64, events: &[AuditEvent], head: (i64, &str)) -> Option<ChainBreak> {
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let at = |problem: &str| Some(ChainBreak { organisation_id, event_id: Some(e.id), seq: e.seq, problem: problem.into() });
        if e.seq != i as i64 + 1 {
            return at("missing");
        }
        if e.prev_hash != prev {
            return at("broken_link");
        }
        if chain_hash(&prev, &e.canonical()) != e.hash {
            return at("altered");
        }
        prev = e.hash.clone();
    }
    if head.0 != events.len() as i64 || head.1 != prev {
        return Some(ChainBreak { organisation_id, event_id: None, seq: events.len() as i64 + 1, problem: "missing".into() });
    }
    None
}

/// Verifies the chains of the organisations in scope (all of them for `None`).
pub fn verify(conn: &mut DbConn, caller: Option<&Caller>) -> AppResult<ChainReport> {
    let orgs = match caller {
        Some(c) => {
            audits(c)?;
            readable(conn, c)?
        }
        None => OrgScope::All,
    };
    let mut heads =
        audit_heads::table.select((audit_heads::organisation_id, audit_heads::seq, audit_heads::hash)).into_boxed::<MultiBackend>();
    if let OrgScope::Only(ids) = &orgs {
        heads = heads.filter(audit_heads::organisation_id.eq_any(ids.clone()));
    }
    let heads: Vec<(i64, i64, String)> = heads.order(audit_heads::organisation_id).load(conn)?;
    let mut report = ChainReport { intact: true, organisations: heads.len(), events: 0, breaks: Vec::new() };
    for (org, seq, hash) in heads {
        let events: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::organisation_id.eq(org))
            .order(audit_events::seq)
            .select(AuditEvent::as_select())
            .load(conn)?;
        report.events += events.len();
        if let Some(b) = check_chain(org, &events, (seq, &hash)) {
            report.intact = false;
            report.breaks.push(b);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn before_holds_the_last_known_value_of_each_changed_field() {
        let created = json!({"title": "强化思想武装", "deadline": "2021-09-30", "status": "not_started", "version": 1});
        let signed = json!({"decision": "approve", "stage": "approve", "comment": "同意"});
        let updated = json!({"title": "强化思想武装", "deadline": "2021-10-31", "status": "in_progress", "version": 3});
        assert_eq!(
            before(&[&created, &signed], &updated),
            Some(json!({"deadline": "2021-09-30", "status": "not_started"})),
            "unchanged fields and the version are left out; a sign-off in between names neither"
        );
        assert_eq!(before(&[], &created), None, "the first event has nothing before it");
        assert_eq!(before(&[&created], &json!({"decision": "return"})), None, "a field never named before");
        let returned = json!({"decision": "return", "stage": "sign", "comment": "缺少签到表", "status": "in_progress"});
        assert_eq!(
            before(&[&created, &signed], &returned),
            Some(json!({"status": "not_started"})),
            "one act's decision, stage or comment does not replace another's"
        );
        let again = json!({"deadline": "2021-11-30"});
        assert_eq!(before(&[&created, &updated], &again), Some(json!({"deadline": "2021-10-31"})), "the latest earlier value");
    }

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEvent {
                    id: seq * 10,
                    organisation_id: 2,
                    seq,
                    actor_user_id: Some(7),
                    actor_token_id: None,
                    actor: "zgb".into(),
                    action: "measure.update".into(),
                    entity_type: "measure".into(),
                    entity_id: 1,
                    summary: format!("{{\"n\":{seq}}}"),
                    request_id: Some("r".into()),
                    created_at: "2021-09-15T08:30:00.123456".parse().unwrap(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = chain_hash(&prev, &e.canonical());
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(3);
        assert_eq!(check_chain(2, &c, (3, &c[2].hash)), None);
        assert_eq!(check_chain(2, &[], (0, GENESIS)), None);
    }

    #[test]
    fn edits_removals_and_truncation_are_found_where_they_happen() {
        let c = chain(4);
        let head = (4, c[3].hash.as_str());
        let mut edited = c.clone();
        edited[1].summary = "{\"n\":99}".into();
        assert_eq!(
            check_chain(2, &edited, head).unwrap(),
            ChainBreak { organisation_id: 2, event_id: Some(20), seq: 2, problem: "altered".into() }
        );
        let mut rehashed = edited.clone();
        rehashed[1].hash = chain_hash(&rehashed[1].prev_hash.clone(), &rehashed[1].canonical());
        assert_eq!(check_chain(2, &rehashed, head).unwrap().seq, 3, "recomputing one hash breaks the next link");
        assert_eq!(check_chain(2, &rehashed, head).unwrap().problem, "broken_link");
        let removed: Vec<AuditEvent> = c.iter().filter(|e| e.seq != 2).cloned().collect();
        assert_eq!(check_chain(2, &removed, head).unwrap().problem, "missing");
        assert_eq!(
            check_chain(2, &c[..3], head).unwrap(),
            ChainBreak { organisation_id: 2, event_id: None, seq: 4, problem: "missing".into() }
        );
    }
}
