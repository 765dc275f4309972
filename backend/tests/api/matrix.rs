//! The permission matrix of `docs/permissions.md`, walked against a live server: every operation
//! of the OpenAPI document, as every kind of caller, on an object of the school, of its bureau
//! and of a school under another bureau. The table is the source; this file only knows how to
//! build each object and how to call each operation.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};

use crate::common::*;
use crate::evidence::PDF;
use crate::on_both_databases;
use rectify::demo::{BUREAU, SCHOOL};

const PERMISSIONS: &str = include_str!("../../../docs/permissions.md");
const SECTION: &str = "## Every operation, caller and organisation";

/// A kind of caller: one column of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Admin,
    Coordinator,
    StaffAssigned,
    StaffNotAssigned,
    MeasuresLeader,
    OtherLeader,
    GroupLeader,
    Discipline,
    Supervisor,
    ReadToken,
    WriteToken,
}

const COLUMNS: [(&str, Who); 12] = [
    ("anonymous", Who::Anonymous),
    ("admin", Who::Admin),
    ("coordinator", Who::Coordinator),
    ("staff, assigned", Who::StaffAssigned),
    ("staff, not assigned", Who::StaffNotAssigned),
    ("responsible leader, the measure's", Who::MeasuresLeader),
    ("responsible leader, another", Who::OtherLeader),
    ("leader", Who::GroupLeader),
    ("discipline", Who::Discipline),
    ("bureau supervisor", Who::Supervisor),
    ("read token", Who::ReadToken),
    ("write token", Who::WriteToken),
];

impl Who {
    /// The demo account of a person's column.
    fn username(self) -> Option<&'static str> {
        Some(match self {
            Who::Admin => "admin",
            Who::Coordinator => "zgb",
            Who::StaffAssigned => "zengxy",
            Who::StaffNotAssigned => "jiangf",
            Who::MeasuresLeader => "qinss",
            Who::OtherLeader => "xuzg",
            Who::GroupLeader => "zhanghc",
            Who::Discipline => "daixb",
            Who::Supervisor => "majp",
            Who::Anonymous | Who::ReadToken | Who::WriteToken => return None,
        })
    }
    fn column(self) -> &'static str {
        COLUMNS.iter().find(|(_, w)| *w == self).unwrap().0
    }
}

/// Where the object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum On {
    Nothing,
    School,
    Bureau,
    OtherSchool,
}

impl On {
    const NAMES: [(&'static str, On); 4] =
        [("—", On::Nothing), ("school", On::School), ("bureau", On::Bureau), ("other school", On::OtherSchool)];

    fn parse(s: &str) -> Option<On> {
        On::NAMES.iter().find(|(name, _)| *name == s).map(|(_, on)| *on)
    }
    fn name(self) -> &'static str {
        On::NAMES.iter().find(|(_, on)| *on == self).unwrap().0
    }
}

/// The answer of one cell.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    NotListed,
    Refused(u16, String),
}

impl Outcome {
    fn parse(cell: &str) -> Option<Outcome> {
        let cell = cell.replace('`', "");
        match cell.as_str() {
            "✓" => return Some(Outcome::Allowed),
            "not listed" => return Some(Outcome::NotListed),
            "401" => return Some(Outcome::Refused(401, "unauthenticated".into())),
            "404" => return Some(Outcome::Refused(404, "not_found".into())),
            _ => {}
        }
        let (status, code) = cell.split_once(' ')?;
        let stable = !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        (matches!(status, "403" | "409") && stable).then(|| Outcome::Refused(status.parse().unwrap(), code.into()))
    }

    fn show(&self) -> String {
        match self {
            Outcome::Allowed => "✓".into(),
            Outcome::NotListed => "not listed".into(),
            Outcome::Refused(0, code) => format!("refused `{code}`"),
            Outcome::Refused(status, code) => format!("{status} `{code}`"),
        }
    }
}

/// One row of the matrix.
#[derive(Debug)]
struct Row {
    line: usize,
    method: String,
    path: String,
    object: String,
    on: On,
    cells: Vec<(Who, Outcome)>,
}

impl Row {
    fn name(&self) -> String {
        format!("line {}: {} {} ({}, on {})", self.line, self.method, self.path, self.object, self.on.name())
    }
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The rows of the matrix section of `doc`, or what is wrong with them.
fn parse(doc: &str) -> Result<Vec<Row>, Vec<String>> {
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    let mut columns: Option<Vec<Who>> = None;
    let start = doc.lines().position(|l| l.trim() == SECTION).ok_or_else(|| vec![format!("no section {SECTION:?}")])?;
    for (n, line) in doc.lines().enumerate().skip(start + 1) {
        let line_no = n + 1;
        if line.starts_with("## ") {
            break;
        }
        if !line.starts_with('|') {
            continue;
        }
        let c = cells(line);
        if c[0].starts_with('-') {
            continue;
        }
        if c[0] == "operation" {
            let who: Vec<Option<Who>> = c[3..].iter().map(|h| COLUMNS.iter().find(|(name, _)| name == h).map(|(_, w)| *w)).collect();
            if c.len() != 3 + COLUMNS.len() || who.iter().any(Option::is_none) {
                errors.push(format!("line {line_no}: the header must name the {} callers: {line}", COLUMNS.len()));
                columns = None;
            } else {
                columns = Some(who.into_iter().flatten().collect());
            }
            continue;
        }
        // The legend's tables come before the first header of the matrix.
        let Some(who) = &columns else { continue };
        if c.len() != 3 + who.len() {
            errors.push(format!("line {line_no}: {} cells, expected {}", c.len(), 3 + who.len()));
            continue;
        }
        let Some((method, path)) = c[0].trim_matches('`').split_once(' ') else {
            errors.push(format!("line {line_no}: the operation must be `METHOD /path`"));
            continue;
        };
        let Some(on) = On::parse(&c[2]) else {
            errors.push(format!("line {line_no}: unknown organisation {:?}", c[2]));
            continue;
        };
        let mut row = Row { line: line_no, method: method.into(), path: path.into(), object: c[1].clone(), on, cells: Vec::new() };
        for (w, cell) in who.iter().zip(&c[3..]) {
            match Outcome::parse(cell) {
                Some(o) => row.cells.push((*w, o)),
                None => errors.push(format!("line {line_no}: {}: cannot read {cell:?}", w.column())),
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        errors.push("the matrix has no rows".into());
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Every operation of the OpenAPI document, as `METHOD /path`.
fn operations() -> BTreeSet<String> {
    let doc = serde_json::to_value(rectify::api::openapi()).unwrap();
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops
}

/// The backticked codes that the rules (the document before the matrix) mention.
fn explained_codes(doc: &str) -> BTreeSet<String> {
    let prose = &doc[..doc.find(SECTION).unwrap()];
    prose.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

#[test]
fn the_matrix_covers_every_operation_and_uses_only_explained_refusals() {
    let rows = parse(PERMISSIONS).unwrap_or_else(|e| panic!("docs/permissions.md's matrix:\n{}", e.join("\n")));
    let in_table: BTreeSet<String> = rows.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    let in_api = operations();
    let missing: Vec<&String> = in_api.difference(&in_table).collect();
    assert!(missing.is_empty(), "operations of the API missing from the matrix in docs/permissions.md: {missing:#?}");
    let unknown: Vec<&String> = in_table.difference(&in_api).collect();
    assert!(unknown.is_empty(), "rows of the matrix for operations the API does not have: {unknown:#?}");
    let mut keys = BTreeSet::new();
    for r in &rows {
        assert!(keys.insert((r.method.clone(), r.path.clone(), r.object.clone(), r.on)), "{}: a second row for the same object", r.name());
    }
    let explained = explained_codes(PERMISSIONS);
    for r in &rows {
        for (who, outcome) in &r.cells {
            if let Outcome::Refused(403 | 409, code) = outcome {
                assert!(
                    explained.contains(code),
                    "{} ({}): `{code}` is not explained by the rules of docs/permissions.md",
                    r.name(),
                    who.column()
                );
            }
        }
    }
}

on_both_databases!(the_server_answers_every_cell_of_the_matrix, |app: &TestApp| {
    let rows = parse(PERMISSIONS).unwrap_or_else(|e| panic!("docs/permissions.md's matrix:\n{}", e.join("\n")));
    let started = std::time::Instant::now();
    let walk = Walk::new(app);
    let mut wrong = Vec::new();
    let mut calls = 0;
    for row in &rows {
        let mut target: Option<Target> = None;
        for (who, expected) in &row.cells {
            if target.is_none() || per_caller(&row.object) {
                match walk.target(row, *who) {
                    Ok(t) => target = Some(t),
                    Err(e) => {
                        wrong.push(format!("{}: {e}", row.name()));
                        break;
                    }
                }
            }
            let t = target.as_mut().unwrap();
            let call = walk.call(row, t);
            let r = walk.send(&call, *who);
            calls += 1;
            let got = observed(row, &call, &r);
            let agrees = match (expected, &got) {
                // A batch answers each measure's refusal by its code alone.
                (Outcome::Refused(_, want), Outcome::Refused(0, code)) => want == code,
                _ => *expected == got,
            };
            if !agrees {
                let body: String = r.body.chars().take(300).collect();
                wrong.push(format!("{} as {}: expected {}, got {} — {body}", row.name(), who.column(), expected.show(), got.show()));
            }
            walk.after(row, *who, &r);
            // The next caller gets an object as the row describes it.
            if (200..300).contains(&r.status) && row.method != "GET" {
                if spoils(row) {
                    target = None;
                } else {
                    walk.refresh(t);
                }
            }
        }
    }
    eprintln!("permission matrix: {} rows, {calls} calls, {:.1?}", rows.len(), started.elapsed());
    assert!(wrong.is_empty(), "{} cells of the matrix in docs/permissions.md disagree with the server:\n{}", wrong.len(), wrong.join("\n"));
});

/// Rows whose object depends on the caller: built again for every cell.
fn per_caller(object: &str) -> bool {
    object.starts_with("one's own") || object == "a user name and its password" || object == "a refresh token"
}

/// Whether an allowed call leaves its object other than the row describes it (deleted, moved on
/// in the workflow, with an extension pending, or led by someone else), so that the next caller
/// needs a new one. Other changes only move its version on.
fn spoils(row: &Row) -> bool {
    const MOVES_ON: [&str; 7] = ["/submit", "/signoffs", "/batch", "/closeout", "/decision", "/reopen", "/release"];
    row.method == "DELETE"
        || MOVES_ON.iter().any(|s| row.path.ends_with(s))
        || row.path == "/api/v1/measures/{id}/extensions"
        // A new draft of the report: the next caller needs none open.
        || (row.method == "POST" && row.path == "/api/v1/inspections/{id}/reports")
        || row.object.contains("another responsible leader")
}

/// What the server's answer means, in the matrix's terms.
fn observed(row: &Row, call: &Call, r: &Resp) -> Outcome {
    if row.path == "/api/v1/signoffs/batch" && r.status == 200 {
        let item = &r.json["items"][0];
        return if item["ok"] == true { Outcome::Allowed } else { Outcome::Refused(0, item["code"].as_str().unwrap_or("?").into()) };
    }
    if (200..300).contains(&r.status) {
        let items = r.json.get("items").unwrap_or(&r.json).as_array().cloned().unwrap_or_default();
        return match call.find {
            Find::Nothing => Outcome::Allowed,
            Find::Any if !items.is_empty() => Outcome::Allowed,
            // A ledger row holds its measure.
            Find::Id(id) if items.iter().any(|i| i["id"] == id || i["measure"]["id"] == id) => Outcome::Allowed,
            Find::Text(ref text) if r.body.contains(text.as_str()) => Outcome::Allowed,
            _ => Outcome::NotListed,
        };
    }
    if !r.content_type.starts_with("application/problem+json") {
        return Outcome::Refused(r.status, format!("(not a problem document: {})", r.content_type));
    }
    Outcome::Refused(r.status, r.json["code"].as_str().unwrap_or("(no code)").into())
}

/// The object of a row, as built for a call.
#[derive(Clone, Debug, Default)]
struct Target {
    id: i64,
    version: Option<i64>,
    /// Its organisation.
    org: i64,
    /// Where it is read again (itself, or a list holding it) once a call has changed it.
    at: Option<String>,
    /// What else the call needs: the children to reorder, credentials, a refresh token, another leader.
    extra: Value,
}

impl Target {
    fn of(view: &Value, org: i64, at: String) -> Target {
        Target { id: id(view), version: view["version"].as_i64(), org, at: Some(at), extra: Value::Null }
    }
    fn org(org: i64) -> Target {
        Target { id: org, org, ..Target::default() }
    }
    fn with(self, extra: Value) -> Target {
        Target { extra, ..self }
    }
}

/// What a list must hold for the object to be listed.
#[derive(Clone, Debug)]
enum Find {
    Nothing,
    Id(i64),
    Any,
    /// A document (CSV) that holds this text.
    Text(String),
}

#[derive(Clone, Debug)]
enum Body {
    None,
    Json(Value),
    /// A PDF, with these text fields.
    File(Vec<(&'static str, &'static str)>),
}

#[derive(Clone, Debug)]
struct Call {
    method: String,
    path: String,
    body: Body,
    if_match: Option<i64>,
    find: Find,
}

/// One school's people (by user name) and the ledger that the reading rows look at.
#[derive(Default)]
struct World {
    org: i64,
    coordinator: &'static str,
    responsible: &'static str,
    staff: &'static str,
    leader: &'static str,
    discipline: &'static str,
    supervisor: &'static str,
    /// None of the callers, for the rows that read a user.
    bystander: &'static str,
    /// Responsible for other measures (the school's `xuzg`).
    other_responsible: Option<&'static str>,
    inspection: i64,
    category: i64,
    problem: i64,
    measure: i64,
    evidence: i64,
    /// Beside them, without the staff member: a measure of the same problem with its evidence,
    /// and a category whose problem is someone else's.
    unassigned_measure: i64,
    unassigned_evidence: i64,
    other_category: i64,
    other_problem: i64,
}

struct Walk<'a> {
    app: &'a TestApp,
    /// The access token and password of every account the walk signs in with.
    sessions: RefCell<HashMap<String, (String, String)>>,
    users: HashMap<String, i64>,
    tokens: HashMap<Who, String>,
    /// Refresh tokens handed out by earlier calls, for the rows that use one.
    refresh_tokens: RefCell<Vec<String>>,
    bureau: i64,
    school: World,
    other: World,
    /// A notification of someone who is none of the callers.
    anothers_notification: i64,
    serial: Cell<u32>,
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The answer of a call made to build an object, which must succeed.
#[track_caller]
fn built(r: Resp, what: &str) -> Value {
    assert!((200..300).contains(&r.status), "building {what}: {} {}", r.status, r.body);
    r.json
}

fn if_match(v: &Value) -> String {
    format!("\"{}\"", v["version"])
}

const NEW_PASSWORD: &str = "an orchard by the qingjiang river";

impl<'a> Walk<'a> {
    /// Signs in every person of the matrix, adds a school under another bureau with the people
    /// its ledger needs, and gives both schools a ledger to read.
    fn new(app: &'a TestApp) -> Walk<'a> {
        let mut walk = Walk {
            app,
            sessions: RefCell::new(HashMap::new()),
            users: HashMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: RefCell::new(Vec::new()),
            bureau: app.org_id(BUREAU),
            school: World::default(),
            other: World::default(),
            anothers_notification: 0,
            serial: Cell::new(0),
        };
        for name in COLUMNS.iter().filter_map(|(_, who)| who.username()).chain(["qinlm"]) {
            walk.sign_in(name);
        }
        let admin = walk.session("admin");
        let school = app.org_id(SCHOOL);
        let bureau2 = id(&built(app.post("/api/v1/organisations", &admin, json!({"name": "另一县教育局", "kind": "bureau"})), "a bureau"));
        let body = json!({"name": "另一县第一中学", "kind": "school", "parent_id": bureau2});
        let other = id(&built(app.post("/api/v1/organisations", &admin, body), "a school"));
        for (name, org, role) in [
            ("o.rl", other, "responsible_leader"),
            ("o.staff", other, "staff"),
            ("o.leader", other, "leader"),
            ("o.jw", other, "discipline"),
            ("o.bystander", other, "staff"),
            ("b2.sup", bureau2, "bureau_supervisor"),
        ] {
            let body = json!({"username": name, "display_name": name, "roles": [role], "password": PASSWORD, "organisation_id": org});
            built(app.post("/api/v1/users", &admin, body), name);
            walk.sign_in(name);
        }
        for org in [school, walk.bureau, other] {
            for u in app.get(&format!("/api/v1/users?organisation_id={org}&limit=200"), &admin).json["items"].as_array().unwrap() {
                walk.users.insert(u["username"].as_str().unwrap().into(), id(u));
            }
        }
        let zgb = walk.session("zgb");
        for (who, scopes) in [(Who::ReadToken, json!(["read"])), (Who::WriteToken, json!(["read", "write"]))] {
            let t = built(app.post("/api/v1/api-tokens", &zgb, json!({"name": who.column(), "scopes": scopes})), "an API token");
            walk.tokens.insert(who, t["token"].as_str().unwrap().into());
        }
        let people = ["zgb", "qinss", "zengxy", "zhanghc", "daixb", "majp", "qinlm"];
        walk.school = walk.world(school, people, Some("xuzg"));
        let people = ["admin", "o.rl", "o.staff", "o.leader", "o.jw", "b2.sup", "o.bystander"];
        walk.other = walk.world(other, people, None);
        // Everyone in a column has a notification of their own, and so has a bystander.
        let mut people: Vec<&str> = COLUMNS.iter().filter_map(|(_, who)| who.username()).collect();
        people.push("qinlm");
        walk.notify(&people);
        walk.anothers_notification = id(&app.get("/api/v1/me/notifications", &walk.session("qinlm")).json["items"][0]);
        walk
    }

    fn sign_in(&self, name: &str) {
        let pair = built(self.app.login_pair(name, PASSWORD), &format!("a session of {name}"));
        self.sessions.borrow_mut().insert(name.into(), (pair["access_token"].as_str().unwrap().into(), PASSWORD.into()));
    }

    fn session(&self, name: &str) -> String {
        self.sessions.borrow()[name].0.clone()
    }

    fn user(&self, name: &str) -> i64 {
        *self.users.get(name).unwrap_or_else(|| panic!("no user {name}"))
    }

    fn unique(&self, prefix: &str) -> String {
        self.serial.set(self.serial.get() + 1);
        format!("{prefix}{}", self.serial.get())
    }

    fn read(&self, path: &str) -> Value {
        built(self.app.get(path, &self.session("admin")), path)
    }

    /// Notifications arrive as the work goes on; these are written directly, so that everyone
    /// has one whatever their role.
    fn notify(&self, names: &[&str]) {
        use diesel::r2d2::ManageConnection;
        let mut conn = rectify::db::Manager::new(&self.app.db.url).connect().unwrap();
        let ids: Vec<i64> = names.iter().map(|n| self.user(n)).collect();
        rectify::domain::notifications::send_about(&mut conn, &ids, "assigned", None, None, "权限矩阵测试的通知", None).unwrap();
    }

    /// A school's inspection, led by `leader`, with a category, a problem and a measure of
    /// `responsible` assigned to `staff`, who gave it evidence.
    fn world(&self, org: i64, people: [&'static str; 7], other_responsible: Option<&'static str>) -> World {
        let [coordinator, responsible, staff, leader, discipline, supervisor, bystander] = people;
        let mut w = World {
            org,
            coordinator,
            responsible,
            staff,
            leader,
            discipline,
            supervisor,
            bystander,
            other_responsible,
            ..World::default()
        };
        w.inspection = id(&self.new_inspection(&w));
        w.category = id(&self.new_category(&w, w.inspection));
        w.problem = id(&self.new_problem(&w, w.inspection, w.category));
        w.measure = id(&self.new_measure(&w, w.problem, responsible, &[staff]));
        w.evidence = id(&self.upload(staff, w.measure));
        w.unassigned_measure = id(&self.new_measure(&w, w.problem, responsible, &[bystander]));
        w.unassigned_evidence = id(&self.upload(coordinator, w.unassigned_measure));
        w.other_category = id(&self.new_category(&w, w.inspection));
        w.other_problem = id(&self.new_problem(&w, w.inspection, w.other_category));
        self.new_measure(&w, w.other_problem, responsible, &[bystander]);
        w
    }

    fn new_inspection(&self, w: &World) -> Value {
        let body = json!({
            "organisation_id": w.org, "title": self.unique("巡察反馈问题整改 "), "inspector": "县委第三巡察组",
            "leading_group": [{"user_id": self.user(w.leader), "group_role": "leader", "title": "组长"}]
        });
        built(self.app.post("/api/v1/inspections", &self.session(w.coordinator), body), "an inspection")
    }

    fn new_category(&self, w: &World, inspection: i64) -> Value {
        let r = self.app.post(
            &format!("/api/v1/inspections/{inspection}/categories"),
            &self.session(w.coordinator),
            json!({"title": self.unique("方面 ")}),
        );
        built(r, "a category")
    }

    fn new_problem(&self, w: &World, inspection: i64, category: i64) -> Value {
        let body = json!({"category_id": category, "title": self.unique("问题 "), "feedback": "巡察反馈意见"});
        built(self.app.post(&format!("/api/v1/inspections/{inspection}/problems"), &self.session(w.coordinator), body), "a problem")
    }

    fn new_measure(&self, w: &World, problem: i64, responsible: &str, assignees: &[&str]) -> Value {
        let assignees: Vec<i64> = assignees.iter().map(|a| self.user(a)).collect();
        let body = json!({"title": self.unique("措施 "), "kind": "time_bound", "responsible_leader_id": self.user(responsible),
            "assignee_ids": assignees, "deadline": "2090-12-31"});
        built(self.app.post(&format!("/api/v1/problems/{problem}/measures"), &self.session(w.coordinator), body), "a measure")
    }

    /// Evidence for a measure that is not submitted (its version stays).
    fn upload(&self, by: &str, measure: i64) -> Value {
        let form = multipart(&[("title", "会议记录"), ("document_number", "长职〔2021〕1号")], Some(("会议记录.pdf", PDF)));
        built(self.app.upload("POST", &format!("/api/v1/measures/{measure}/evidence"), &self.session(by), form, &[]), "evidence")
    }

    fn submit(&self, by: &str, m: &Value) -> Value {
        let r = self.app.call(
            "POST",
            &format!("/api/v1/measures/{}/submit", id(m)),
            Some(&self.session(by)),
            None,
            &[("If-Match", &if_match(m))],
        );
        built(r, "a submission")
    }

    fn approve(&self, by: &str, m: &Value) -> Value {
        let path = format!("/api/v1/measures/{}/signoffs", id(m));
        let r = self.app.call("POST", &path, Some(&self.session(by)), Some(json!({"decision": "approve"})), &[("If-Match", &if_match(m))]);
        built(r, &format!("a sign-off by {by}"))["measure"].clone()
    }

    /// A new measure with evidence from `submitter`, who (with `signers`) submits it, after
    /// which each signer approves their stage in turn.
    fn measure_through(
        &self,
        w: &World,
        problem: i64,
        leader: &str,
        assignees: &[&str],
        submitter: &str,
        signers: Option<&[&str]>,
    ) -> Value {
        let mut m = self.new_measure(w, problem, leader, assignees);
        self.upload(submitter, id(&m));
        if let Some(signers) = signers {
            m = self.submit(submitter, &m);
            for by in signers {
                m = self.approve(by, &m);
            }
        }
        m
    }

    /// A new measure of the problem, with evidence, `stages` steps into sign-off: 0 in
    /// progress, 1 awaiting 审核, 2 awaiting 审批, 3 awaiting 核验, 4 verified.
    fn measure_at(&self, w: &World, problem: i64, stages: usize) -> Value {
        let chain = [w.responsible, w.leader, w.discipline];
        let signers = stages.checked_sub(1).map(|n| &chain[..n]);
        self.measure_through(w, problem, w.responsible, &[w.staff], w.staff, signers)
    }

    /// A new problem whose one measure is verified, then (`stages` ≥ 1) whose close-out the
    /// coordinator asked for, then (2) that the bureau closed out.
    fn problem_at(&self, w: &World, inspection: i64, category: i64, stages: usize) -> Value {
        let p = id(&self.new_problem(w, inspection, category));
        self.measure_at(w, p, 4);
        let mut problem = self.read(&format!("/api/v1/problems/{p}"));
        for (by, step, body) in [(w.coordinator, "closeout", None), (w.supervisor, "closeout/decision", Some(json!({"decision": "close"})))]
            .into_iter()
            .take(stages)
        {
            let r = self.app.call(
                "POST",
                &format!("/api/v1/problems/{p}/{step}"),
                Some(&self.session(by)),
                body,
                &[("If-Match", &if_match(&problem))],
            );
            problem = built(r, step);
        }
        problem
    }

    fn world_on(&self, on: On) -> &World {
        match on {
            On::OtherSchool => &self.other,
            _ => &self.school,
        }
    }

    fn org_on(&self, on: On) -> i64 {
        match on {
            On::Bureau => self.bureau,
            On::OtherSchool => self.other.org,
            On::School | On::Nothing => self.school.org,
        }
    }

    /// The object a row describes (for `who`, when it depends on the caller).
    fn target(&self, row: &Row, who: Who) -> Result<Target, String> {
        let admin = self.session("admin");
        let reading = row.method == "GET";
        let org = self.org_on(row.on);
        let w = self.world_on(row.on);
        let own_name = who.username().unwrap_or("zgb");
        let measure = |m: &Value| Target::of(m, org, format!("/api/v1/measures/{}", id(m)));
        let problem = |p: &Value| Target::of(p, org, format!("/api/v1/problems/{}", id(p)));
        let first_measure = |p: &Value| measure(&self.read(&format!("/api/v1/problems/{}/measures", id(p)))[0]);
        let t = match row.object.as_str() {
            "—"
            | "a new school"
            | "a new department"
            | "a new staff member"
            | "a new leader"
            | "a new read token"
            | "a new inspection"
            | "the organisation's events" => Target::org(org),
            "the organisation" => {
                let at = format!("/api/v1/organisations/{org}");
                Target::of(&self.read(&at), org, at)
            }
            "a department" => {
                let at = format!("/api/v1/organisations/{org}/departments");
                Target::of(&built(self.app.post(&at, &admin, json!({"name": self.unique("处室 ")})), "a department"), org, at)
            }
            "a user" => Target { id: self.user(if row.on == On::Bureau { "zongzf" } else { w.bystander }), ..Target::org(org) },
            "a staff member" | "a leader" => {
                let role = if row.object == "a leader" { "leader" } else { "staff" };
                let body = json!({"username": self.unique("mx."), "display_name": "测试", "roles": [role], "password": PASSWORD, "organisation_id": org});
                let u = built(self.app.post("/api/v1/users", &admin, body), "an account");
                Target::of(&u, org, format!("/api/v1/users/{}", id(&u)))
            }
            "one's own account" | "one's own account, with another role" => {
                let at = format!("/api/v1/users/{}", self.user(own_name));
                Target::of(&self.read(&at), org, at)
            }
            "a token" => {
                let body = json!({"name": self.unique("token "), "scopes": ["read"], "organisation_id": org});
                Target { id: id(&built(self.app.post("/api/v1/api-tokens", &admin, body), "a token")), ..Target::org(org) }
            }
            "an inspection" => {
                if (row.method.as_str(), row.path.as_str()) == ("POST", "/api/v1/inspections/{id}/reports") {
                    self.release_open_draft(w);
                }
                let at = format!("/api/v1/inspections/{}", w.inspection);
                let categories: Vec<i64> = self.read(&format!("{at}/categories")).as_array().unwrap().iter().map(id).collect();
                Target::of(&self.read(&at), org, at).with(json!(categories))
            }
            "an inspection without categories" => {
                let i = self.new_inspection(w);
                Target::of(&i, org, format!("/api/v1/inspections/{}", id(&i)))
            }
            "a closed inspection" => {
                let i = id(&self.new_inspection(w));
                let c = id(&self.new_category(w, i));
                self.problem_at(w, i, c, 2);
                let at = format!("/api/v1/inspections/{i}");
                Target::of(&self.read(&at), org, at)
            }
            "a category" if reading => Target { id: w.category, ..Target::org(org) },
            "a category without the staff member's measures" if reading => Target { id: w.other_category, ..Target::org(org) },
            "a category" => {
                let c = self.new_category(w, w.inspection);
                let p = self.new_problem(w, w.inspection, id(&c));
                self.new_measure(w, id(&p), w.responsible, &[w.staff]);
                Target::of(&c, org, format!("/api/v1/inspections/{}/categories", w.inspection)).with(json!([id(&p)]))
            }
            "a category without the staff member's measures" | "a category without problems" => {
                Target::of(&self.new_category(w, w.inspection), org, format!("/api/v1/inspections/{}/categories", w.inspection))
            }
            "a problem" if reading => Target { id: w.problem, ..Target::org(org) },
            "a problem without the staff member's measures" => Target { id: w.other_problem, ..Target::org(org) },
            "a problem" => {
                let p = self.new_problem(w, w.inspection, w.category);
                let m = self.new_measure(w, id(&p), w.responsible, &[w.staff]);
                problem(&p).with(json!([id(&m)]))
            }
            "a problem without measures" => problem(&self.new_problem(w, w.inspection, w.category)),
            "a problem whose measures are verified" => problem(&self.problem_at(w, w.inspection, w.category, 0)),
            "a problem awaiting close-out" => problem(&self.problem_at(w, w.inspection, w.category, 1)),
            "a closed-out problem" => problem(&self.problem_at(w, w.inspection, w.category, 2)),
            "a measure of a problem awaiting close-out" => first_measure(&self.problem_at(w, w.inspection, w.category, 1)),
            "a measure of a closed-out problem" => first_measure(&self.problem_at(w, w.inspection, w.category, 2)),
            "a measure" if reading => Target { id: w.measure, ..Target::org(org) },
            "a measure not assigned to the staff member" => Target { id: w.unassigned_measure, ..Target::org(org) },
            "a measure" | "a measure, naming another responsible leader" => {
                measure(&self.new_measure(w, w.problem, w.responsible, &[w.staff])).with(json!(w.other_responsible.map(|n| self.user(n))))
            }
            "a measure with evidence" => measure(&self.measure_at(w, w.problem, 0)),
            "a measure awaiting 审核" => measure(&self.measure_at(w, w.problem, 1)),
            "a measure awaiting 审批" => measure(&self.measure_at(w, w.problem, 2)),
            "a measure awaiting 核验" => measure(&self.measure_at(w, w.problem, 3)),
            "a verified measure" => measure(&self.measure_at(w, w.problem, 4)),
            "a measure awaiting 审核 that its responsible leader submitted" => {
                measure(&self.measure_through(w, w.problem, w.responsible, &[w.staff], w.responsible, Some(&[])))
            }
            "a measure awaiting 审批 whose 审核 the leader gave as its responsible leader" => {
                measure(&self.measure_through(w, w.problem, w.leader, &[w.staff], w.staff, Some(&[w.leader])))
            }
            "a measure awaiting 核验 that the discipline member is assigned to" => {
                let signers = [w.responsible, w.leader];
                measure(&self.measure_through(w, w.problem, w.responsible, &[w.staff, w.discipline], w.staff, Some(&signers)))
            }
            "an extension request" => {
                let m = id(&self.new_measure(w, w.problem, w.responsible, &[w.staff]));
                let body = json!({"new_deadline": "2099-06-30", "reason": "等待上级批复"});
                let e =
                    built(self.app.post(&format!("/api/v1/measures/{m}/extensions"), &self.session(w.staff), body), "an extension request");
                Target { id: id(&e), ..Target::org(org) }
            }
            "evidence" if reading => Target { id: w.evidence, ..Target::org(org) },
            "evidence of a measure not assigned to the staff member" => Target { id: w.unassigned_evidence, ..Target::org(org) },
            "evidence" => {
                let e = self.upload(w.staff, id(&self.new_measure(w, w.problem, w.responsible, &[w.staff])));
                Target::of(&e, org, format!("/api/v1/evidence/{}", id(&e)))
            }
            "a report" => self.report(w, org, false),
            "a released report" => self.report(w, org, true),
            "one's own notification" => {
                let inbox = self.app.get("/api/v1/me/notifications", &self.session(own_name));
                Target { id: id(&inbox.json["items"][0]), ..Target::org(org) }
            }
            "another person's notification" => Target { id: self.anothers_notification, ..Target::org(org) },
            "a user name and its password" => {
                let name = who.username().unwrap_or("jiangf");
                let password = self.sessions.borrow()[name].1.clone();
                Target::org(org).with(json!({"username": name, "password": password}))
            }
            "a refresh token" => {
                let spare = self.refresh_tokens.borrow_mut().pop();
                let token = spare.unwrap_or_else(|| {
                    built(self.app.login_pair("qinlm", PASSWORD), "a session")["refresh_token"].as_str().unwrap().into()
                });
                Target::org(org).with(json!({"refresh_token": token}))
            }
            other => return Err(format!("no fixture for the object {other:?}")),
        };
        Ok(t)
    }

    /// One draft at a time: a draft left by an earlier cell or fixture is released first.
    fn release_open_draft(&self, w: &World) {
        let listed = self.app.get(&format!("/api/v1/inspections/{}/reports", w.inspection), &self.session(w.coordinator));
        if let Some(open) = listed.json["items"].as_array().and_then(|l| l.first()).filter(|r| r["status"] == "draft") {
            let release = format!("/api/v1/reports/{}/release", id(open));
            let r = self.app.call("POST", &release, Some(&self.session(w.leader)), None, &[("If-Match", &if_match(open))]);
            built(r, "the release of an earlier draft");
        }
    }

    /// A draft of the report of the school's inspection (released by its group leader).
    fn report(&self, w: &World, org: i64, released: bool) -> Target {
        let path = format!("/api/v1/inspections/{}/reports", w.inspection);
        self.release_open_draft(w);
        let mut report = built(self.app.call("POST", &path, Some(&self.session(w.coordinator)), None, &[]), "a report")["report"].clone();
        if released {
            let release = format!("/api/v1/reports/{}/release", id(&report));
            let r = self.app.call("POST", &release, Some(&self.session(w.leader)), None, &[("If-Match", &if_match(&report))]);
            report = built(r, "a release")["report"].clone();
        }
        Target::of(&report, org, path)
    }

    /// Reads a changed object's version again.
    fn refresh(&self, t: &mut Target) {
        let Some(at) = &t.at else { return };
        let v = self.read(at);
        let list = v.get("items").unwrap_or(&v).as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
        t.version = list.iter().find(|o| o["id"] == t.id).and_then(|o| o["version"].as_i64());
    }

    /// The request a row makes of its object.
    fn call(&self, row: &Row, t: &Target) -> Call {
        let w = self.world_on(row.on);
        let mut path = row.path.replace("{id}", &t.id.to_string());
        let mut list = |query: String, find: Find| {
            path += &query;
            find
        };
        let name = || self.unique("矩阵 ");
        let (body, find) = match (row.method.as_str(), row.path.as_str()) {
            ("GET", "/api/v1/organisations") => (Body::None, list("?limit=200".into(), Find::Id(t.org))),
            ("GET", "/api/v1/users") => (Body::None, list(format!("?organisation_id={}&limit=200", t.org), Find::Id(t.id))),
            ("GET", "/api/v1/api-tokens") => (Body::None, list("?limit=200".into(), Find::Id(t.id))),
            ("GET", "/api/v1/audit") => (Body::None, list(format!("?entity_type=organisation&entity_id={}", t.org), Find::Any)),
            ("GET", "/api/v1/inspections") => (Body::None, list("?limit=200".into(), Find::Id(w.inspection))),
            ("GET", "/api/v1/measures" | "/api/v1/evidence") => {
                (Body::None, list(format!("?problem_id={}&limit=200", w.problem), Find::Id(t.id)))
            }
            // Lists inside the inspection or problem that the reading rows look at.
            ("GET", "/api/v1/inspections/{id}/categories" | "/api/v1/inspections/{id}/problems" | "/api/v1/inspections/{id}/ledger") => {
                path = row.path.replace("{id}", &w.inspection.to_string());
                (Body::None, Find::Id(t.id))
            }
            ("GET", "/api/v1/inspections/{id}/reports") => {
                path = row.path.replace("{id}", &w.inspection.to_string());
                (Body::None, Find::Id(t.id))
            }
            // The export holds a measure by its title (as the CSV's 整改措施 cell has it).
            ("GET", "/api/v1/measures/export") => {
                let measure = self.app.get(&format!("/api/v1/measures/{}", t.id), &self.session("admin"));
                let title = measure.json["title"].as_str().expect("the measure's title").to_string();
                (Body::None, list(format!("?format=csv&problem_id={}", w.problem), Find::Text(title)))
            }
            ("GET", "/api/v1/inspections/{id}/ledger.xlsx") => {
                path = row.path.replace("{id}", &w.inspection.to_string());
                (Body::None, Find::Nothing)
            }
            ("GET", "/api/v1/problems/{id}/measures") => {
                path = row.path.replace("{id}", &w.problem.to_string());
                (Body::None, Find::Id(t.id))
            }
            ("POST", "/api/v1/inspections/{id}/import") => {
                let doc = json!({"categories": [{"title": name(), "problems": [{"title": "导入的问题", "measures": [{"text": "导入的措施。"}]}]}]});
                (Body::Json(doc), list("?on_existing=add".into(), Find::Nothing))
            }
            (method, template) => (self.body(row, method, template, t, w), Find::Nothing),
        };
        Call { method: row.method.clone(), path, body, if_match: t.version, find }
    }

    /// A valid body for the operation.
    fn body(&self, row: &Row, method: &str, template: &str, t: &Target, w: &World) -> Body {
        let name = || self.unique("矩阵 ");
        Body::Json(match (method, template) {
            ("DELETE", "/api/v1/evidence/{id}") => json!({"reason": "上传错了"}),
            ("GET" | "DELETE", _) => return Body::None,
            (
                "POST",
                "/api/v1/problems/{id}/closeout"
                | "/api/v1/measures/{id}/submit"
                | "/api/v1/me/notifications/read"
                | "/api/v1/me/notifications/{id}/read"
                | "/api/v1/inspections/{id}/reports"
                | "/api/v1/reports/{id}/release",
            ) => return Body::None,
            ("PATCH", "/api/v1/reports/{id}") => json!({"process_text": name()}),
            ("POST", "/api/v1/measures/{id}/evidence") => return Body::File(vec![("title", "补充材料")]),
            ("POST", "/api/v1/evidence/{id}/versions") => return Body::File(vec![]),
            ("POST", "/api/v1/auth/login" | "/api/v1/auth/refresh" | "/api/v1/auth/logout") => t.extra.clone(),
            ("POST", "/api/v1/me/password") => json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
            ("POST", "/api/v1/organisations") => json!({"name": name(), "kind": "school", "parent_id": self.bureau}),
            ("PATCH", "/api/v1/organisations/{id}") => json!({"timezone": "Asia/Shanghai"}),
            ("POST", "/api/v1/organisations/{id}/departments") | ("PATCH", "/api/v1/departments/{id}") => json!({"name": name()}),
            ("POST", "/api/v1/users") => {
                let role = if row.object == "a new leader" { "leader" } else { "staff" };
                json!({"username": self.unique("mx."), "display_name": "测试", "roles": [role], "password": NEW_PASSWORD, "organisation_id": t.org})
            }
            ("PATCH", "/api/v1/users/{id}") if row.object.starts_with("one's own") => json!({"roles": ["coordinator", "discipline"]}),
            ("PATCH", "/api/v1/users/{id}") => json!({"title": name()}),
            ("POST", "/api/v1/users/{id}/password") => json!({"new_password": NEW_PASSWORD}),
            ("POST", "/api/v1/api-tokens") => json!({"name": name(), "scopes": ["read"], "organisation_id": t.org}),
            ("POST", "/api/v1/inspections") => json!({"organisation_id": t.org, "title": name(), "inspector": "县委巡察组"}),
            ("POST", "/api/v1/imports") => json!({"text": "（一）履行职责使命方面\n1. 理论武装不够问题\n①强化思想武装。"}),
            ("PATCH", "/api/v1/inspections/{id}") => json!({"inspector": "县委第三巡察组"}),
            ("POST", "/api/v1/inspections/{id}/categories") | ("PATCH", "/api/v1/categories/{id}") => json!({"title": name()}),
            ("PUT", _) => json!({"ids": t.extra.as_array().cloned().unwrap_or_default()}),
            ("POST", "/api/v1/inspections/{id}/problems") => json!({"category_id": w.category, "title": name()}),
            ("PATCH", "/api/v1/problems/{id}") => json!({"title": name()}),
            ("POST", "/api/v1/problems/{id}/closeout/decision") => json!({"decision": "close"}),
            ("POST", "/api/v1/problems/{id}/reopen") => json!({"reason": "抽查发现会议记录不全"}),
            ("POST", "/api/v1/problems/{id}/comments" | "/api/v1/measures/{id}/comments") => json!({"body": "请补充材料"}),
            ("POST", "/api/v1/problems/{id}/lookbacks" | "/api/v1/measures/{id}/lookbacks") => {
                json!({"result": "holds", "findings": "整改成果巩固"})
            }
            ("POST", "/api/v1/problems/{id}/measures") => json!({"title": name(), "kind": "immediate"}),
            ("PATCH", "/api/v1/measures/{id}") if row.object.contains("another responsible leader") => {
                json!({"responsible_leader_id": t.extra})
            }
            ("PATCH", "/api/v1/measures/{id}") => json!({"title": name()}),
            ("PATCH", "/api/v1/measures/{id}/progress") => json!({"progress": "已完成部分整改"}),
            ("POST", "/api/v1/measures/{id}/extensions") => json!({"new_deadline": "2099-06-30", "reason": "等待上级批复"}),
            ("POST", "/api/v1/extensions/{id}/decision" | "/api/v1/measures/{id}/signoffs") => json!({"decision": "approve"}),
            ("POST", "/api/v1/signoffs/batch") => json!({"decision": "approve", "items": [{"measure_id": t.id, "version": t.version}]}),
            ("PATCH", "/api/v1/evidence/{id}") => json!({"description": "补充说明"}),
            (method, template) => panic!("line {}: no request for {method} {template}", row.line),
        })
    }

    fn send(&self, call: &Call, who: Who) -> Resp {
        let token = match who {
            Who::Anonymous => None,
            Who::ReadToken | Who::WriteToken => Some(self.tokens[&who].clone()),
            person => Some(self.session(person.username().unwrap())),
        };
        let mut req = ureq::request(&call.method, &self.app.url(&call.path));
        if let Some(t) = &token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        if let Some(v) = call.if_match {
            req = req.set("If-Match", &format!("\"{v}\""));
        }
        Resp::from(match &call.body {
            Body::None => req.call(),
            Body::Json(v) => req.send_json(v.clone()),
            Body::File(fields) => {
                let (content_type, bytes) = multipart(fields, Some(("补充材料.pdf", PDF)));
                req.set("Content-Type", &content_type).send_bytes(&bytes)
            }
        })
    }

    /// Keeps the walk's sessions going: a changed password gives the caller a new session, and
    /// the refresh tokens handed out serve the rows that need one.
    fn after(&self, row: &Row, who: Who, r: &Resp) {
        if row.path == "/api/v1/me/password" && r.status == 200 {
            // The change ended the caller's other sessions, and their refresh tokens with them.
            self.refresh_tokens.borrow_mut().clear();
            let access = r.json["access_token"].as_str().unwrap().to_string();
            self.sessions.borrow_mut().insert(who.username().unwrap().into(), (access, NEW_PASSWORD.into()));
        }
        if let Some(t) = r.json.get("refresh_token").and_then(Value::as_str) {
            self.refresh_tokens.borrow_mut().push(t.into());
        }
    }
}
