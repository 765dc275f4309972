//! Demo data: the bureau and school of the reference case (`fixtures/changyang-2021`), their
//! departments and one account per role. Names and titles of the leading group and the bureau
//! come from the public report; the coordinator, the second school and its account are invented
//! and say so in their titles.

pub mod workflow;

use diesel::prelude::*;

use crate::auth::{password, Caller, Principal, Role};
use crate::db::DbConn;
use crate::domain::departments::{self, DepartmentInput};
use crate::domain::organisations::{self, NewOrganisation, OrgKind};
use crate::domain::users::{self, NewUser, UserPatch};
use crate::error::AppResult;
use crate::schema::{departments as dep_t, organisations as org_t};

pub const DEMO_PASSWORD: &str = "Rectify@2021";
pub const BUREAU: &str = "长阳土家族自治县教育局";
pub const SCHOOL: &str = "长阳土家族自治县职业教育中心";
pub const OTHER_SCHOOL: &str = "长阳土家族自治县第一高级中学";

const SCHOOL_DEPARTMENTS: [&str; 12] = [
    "党政办公室",
    "教务处",
    "学生处",
    "安全办公室",
    "财务室",
    "资产管理中心",
    "工会",
    "纪检监察室",
    "心理健康教育中心",
    "机电专业部",
    "计算机专业部",
    "学前教育部",
];

/// (username, display name, title, organisation, department, roles, active)
type Account = (&'static str, &'static str, &'static str, &'static str, Option<&'static str>, &'static [Role], bool);

const ACCOUNTS: [Account; 14] = [
    ("admin", "系统管理员", "系统管理员（演示）", BUREAU, None, &[Role::Admin], true),
    ("majp", "马杰平", "县教育局副局长", BUREAU, None, &[Role::BureauSupervisor], true),
    ("zongzf", "宗志福", "县教育局机关纪委书记", BUREAU, None, &[Role::BureauSupervisor], true),
    ("zhanghc", "张红昌", "县教育局党组成员、校党委书记、校长", SCHOOL, Some("党政办公室"), &[Role::Leader], true),
    (
        "yangk",
        "杨奎",
        "县教育局党组成员、校党委副书记、校长（2021-08-24 前任整改领导小组组长）",
        SCHOOL,
        Some("党政办公室"),
        &[Role::Leader],
        false,
    ),
    ("daixb", "戴先波", "校党委副书记、纪委书记、副校长；整改领导小组办公室主任", SCHOOL, Some("纪检监察室"), &[Role::Discipline], true),
    ("qinss", "覃守生", "党委委员、副校长", SCHOOL, Some("教务处"), &[Role::ResponsibleLeader], true),
    ("xuzg", "许志刚", "党委委员、副校长", SCHOOL, Some("财务室"), &[Role::ResponsibleLeader], true),
    ("lixy", "李向阳", "党委委员、副校长", SCHOOL, Some("安全办公室"), &[Role::ResponsibleLeader], true),
    ("zengxy", "曾祥云", "工会主席", SCHOOL, Some("工会"), &[Role::Staff], true),
    ("zgb", "整改办", "党政办公室（整改办，演示账号）", SCHOOL, Some("党政办公室"), &[Role::Coordinator], true),
    ("qinlm", "覃立明", "教师（立明茶叶产学研工作室）", SCHOOL, Some("学前教育部"), &[Role::Staff], true),
    ("jiangf", "蒋芳", "教师（心理健康教育中心）", SCHOOL, Some("心理健康教育中心"), &[Role::Staff], true),
    ("yz.zgb", "一中整改办", "党政办公室（演示账号，另一所学校）", OTHER_SCHOOL, None, &[Role::Coordinator], true),
];

pub struct Seeded {
    pub created: bool,
    pub accounts: Vec<(&'static str, &'static str, String)>,
}

/// The caller the command line acts as: an admin outside any request.
pub fn system_caller(organisation_id: i64) -> Caller {
    Caller {
        principal: Principal::User { id: 0, username: "system".into() },
        organisation_id,
        roles: vec![Role::Admin],
        me: None,
        request_id: None,
    }
}

fn org_id(conn: &mut DbConn, name: &str) -> AppResult<Option<i64>> {
    Ok(org_t::table.filter(org_t::name.eq(name)).select(org_t::id).first(conn).optional()?)
}

/// Seeds the demo organisations and accounts once, and with `ledger` the reference ledger;
/// a second run changes nothing.
pub fn seed(conn: &mut DbConn, ledger: bool) -> AppResult<Seeded> {
    let accounts = ACCOUNTS.iter().map(|a| (a.0, a.1, a.5.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","))).collect();
    crate::db::write_tx(conn, |conn| {
        if org_id(conn, SCHOOL)?.is_some() {
            return Ok(Seeded { created: false, accounts });
        }
        let bureau = match org_id(conn, BUREAU)? {
            Some(id) => id,
            None => {
                organisations::create(
                    conn,
                    &system_caller(0),
                    NewOrganisation { name: BUREAU.into(), kind: OrgKind::Bureau, parent_id: None, timezone: None },
                )?
                .id
            }
        };
        let system = system_caller(bureau);
        for school in [SCHOOL, OTHER_SCHOOL] {
            if org_id(conn, school)?.is_none() {
                organisations::create(
                    conn,
                    &system,
                    NewOrganisation { name: school.into(), kind: OrgKind::School, parent_id: Some(bureau), timezone: None },
                )?;
            }
        }
        let school = org_id(conn, SCHOOL)?.expect("created above");
        for name in SCHOOL_DEPARTMENTS {
            departments::create(conn, &system, school, DepartmentInput { name: name.into() })?;
        }
        let hash = password::hash(DEMO_PASSWORD);
        for (username, display_name, title, org, department, roles, active) in ACCOUNTS {
            let org = org_id(conn, org)?.expect("created above");
            let department_id = match department {
                Some(d) => {
                    Some(dep_t::table.filter(dep_t::organisation_id.eq(org)).filter(dep_t::name.eq(d)).select(dep_t::id).first(conn)?)
                }
                None => None,
            };
            let input = NewUser {
                username: username.into(),
                display_name: display_name.into(),
                title: title.into(),
                organisation_id: Some(org),
                department_id,
                roles: roles.to_vec(),
                password: DEMO_PASSWORD.into(),
            };
            let user = users::create(conn, &system, input, hash.clone())?;
            if !active {
                users::update(conn, &system, user.id, &user.version.into(), UserPatch { active: Some(false), ..Default::default() })?;
            }
        }
        if ledger {
            seed_ledger(conn, school)?;
        }
        Ok(Seeded { created: true, accounts })
    })
}

/// The reference ledger (3 categories, 30 problems, 105 measures) with plausible
/// responsibility: leaders, departments, assignees, kinds and deadlines are demo data, chosen
/// from the problem's subject, not taken from the report.
fn seed_ledger(conn: &mut DbConn, school: i64) -> AppResult<()> {
    use crate::domain::ledger::inspections::{self as insp, GroupMemberInput, NewInspection};
    use crate::domain::ledger::{import, GroupRole, InspectionStatus};
    use crate::schema::users as u_t;

    let system = system_caller(school);
    // Deadlines are set from the day of seeding so that the demo always has work due soon.
    let today = crate::domain::ledger::today_in(conn, school)?;
    let user =
        |conn: &mut DbConn, name: &str| -> AppResult<i64> { Ok(u_t::table.filter(u_t::username.eq(name)).select(u_t::id).first(conn)?) };
    let date = |s: &str| s.parse::<chrono::NaiveDate>().ok();
    let member = |id, role, title: &str, from: Option<&str>, until: Option<&str>| GroupMemberInput {
        user_id: id,
        group_role: role,
        title: title.into(),
        from_date: from.and_then(date),
        until_date: until.and_then(date),
    };
    let leading_group = vec![
        member(user(conn, "yangk")?, GroupRole::Leader, "县教育局党组成员、校党委副书记、校长", None, Some("2021-08-24")),
        member(user(conn, "zhanghc")?, GroupRole::Leader, "县教育局党组成员、校党委书记、校长", Some("2021-08-24"), None),
        member(user(conn, "daixb")?, GroupRole::DeputyLeader, "校党委副书记、纪委书记、副校长", None, None),
        member(user(conn, "daixb")?, GroupRole::OfficeDirector, "整改领导小组办公室主任", None, None),
        member(user(conn, "qinss")?, GroupRole::Member, "党委委员、副校长", None, None),
        member(user(conn, "xuzg")?, GroupRole::Member, "党委委员、副校长", None, None),
        member(user(conn, "lixy")?, GroupRole::Member, "党委委员、副校长", None, None),
        member(user(conn, "zengxy")?, GroupRole::Member, "工会主席", None, None),
    ];
    let inspection = insp::create(
        conn,
        &system,
        NewInspection {
            organisation_id: Some(school),
            title: "县委第三巡察组巡察反馈问题整改".into(),
            inspector: "县委第三巡察组".into(),
            onsite_start: date("2021-03-15"),
            onsite_end: date("2021-04-14"),
            feedback_date: date("2021-07-23"),
            deadline: Some(today + chrono::Duration::days(60)),
            status: Some(InspectionStatus::Rectifying),
            leading_group,
            ledger: None,
        },
    )?;
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/changyang-2021/ledger.json")).expect("reference ledger");
    let leaders = ["qinss", "xuzg", "lixy"];
    let staff = ["qinlm", "jiangf", "zengxy"];
    let mut k = 0;
    for cat in doc["categories"].as_array_mut().expect("categories") {
        for prob in cat["problems"].as_array_mut().expect("problems") {
            let title = prob["title"].as_str().unwrap_or_default().to_string();
            let department = department_for(&title);
            let ordinal = prob["ordinal"].as_u64().unwrap_or(0);
            let leader = leaders[ordinal as usize % 3];
            prob["responsible_leader"] = leader.into();
            prob["lead_department"] = department.into();
            for m in prob["measures"].as_array_mut().expect("measures") {
                let text = m["text"].as_str().unwrap_or_default().to_string();
                let (kind, days) = if ["长效", "常态化", "长期", "持续"].iter().any(|w| text.contains(w)) {
                    ("long_term", 180)
                } else if m["ordinal"] == 1 {
                    // Problem 5's is overdue, problem 7's due the day after tomorrow.
                    ("immediate", [(5, -5), (7, 2)].iter().find(|(p, _)| *p == ordinal).map_or(7, |(_, d)| *d))
                } else {
                    ("time_bound", if k % 2 == 0 { 20 } else { 45 })
                };
                m["kind"] = kind.into();
                m["deadline"] = (today + chrono::Duration::days(days)).to_string().into();
                m["responsible_leader"] = leader.into();
                m["lead_department"] = department.into();
                m["assignees"] = serde_json::json!([staff[k % 3]]);
                if department != "党政办公室" && k % 4 == 0 {
                    m["supporting_departments"] = serde_json::json!(["党政办公室"]);
                }
                k += 1;
            }
        }
    }
    let report = import::import(conn, &system, inspection.id, &doc, false, None, &mut |_, _| {})?;
    debug_assert_eq!(report.measures, 105);
    Ok(())
}

/// A plausible lead department for a problem, from its subject.
fn department_for(problem: &str) -> &'static str {
    const BY_WORD: [(&str, &str); 12] = [
        ("安全", "安全办公室"),
        ("债务", "财务室"),
        ("采购", "财务室"),
        ("借支", "财务室"),
        ("租赁", "资产管理中心"),
        ("资产", "资产管理中心"),
        ("节约", "资产管理中心"),
        ("纪委", "纪检监察室"),
        ("警示", "纪检监察室"),
        ("立德树人", "学生处"),
        ("教师", "教务处"),
        ("建设项目", "资产管理中心"),
    ];
    BY_WORD.iter().find(|(w, _)| problem.contains(w)).map(|(_, d)| *d).unwrap_or("党政办公室")
}

const TOWNS: [&str; 11] = ["龙舟坪", "磨市", "都镇湾", "资丘", "渔峡口", "榔坪", "贺家坪", "高家堰", "鸭子口", "火烧坪", "大堰"];
const LEVELS: [&str; 4] = ["初级中学", "中心小学", "幼儿园", "完全小学"];
pub const COUNTY_SCHOOLS: usize = 40;

/// A county for load tests and the bureau's views: 40 schools under the demo bureau, each with
/// departments, 14 accounts and 3 inspections of 30 problems × 4 measures (14,400 measures in
/// all), with assignees, deadlines around today and some progress. Once; needs the demo seed.
pub fn seed_county(conn: &mut DbConn) -> AppResult<usize> {
    use crate::domain::ledger::import::{apply, CategoryPlan, MeasurePlan, ProblemGiven, ProblemPlan};
    use crate::domain::ledger::inspections::{self as insp, NewInspection};
    use crate::domain::ledger::measures::NewMeasure;
    use crate::domain::ledger::{InspectionStatus, MeasureKind};
    use crate::schema::{measure_progress, measures as m_t};

    let bureau = org_id(conn, BUREAU)?.ok_or_else(|| crate::error::AppError::conflict("demo_missing", "run `rectify demo seed` first"))?;
    let reference: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/changyang-2021/ledger.json")).expect("reference ledger");
    let problems_ref: Vec<&serde_json::Value> =
        reference["categories"].as_array().expect("categories").iter().flat_map(|c| c["problems"].as_array().expect("problems")).collect();
    let texts: Vec<&str> =
        problems_ref.iter().flat_map(|p| p["measures"].as_array().expect("measures")).filter_map(|m| m["text"].as_str()).collect();
    let hash = password::hash(DEMO_PASSWORD);
    let today = crate::domain::ledger::today_in_zone("Asia/Shanghai");
    let mut created = 0;
    for n in 0..COUNTY_SCHOOLS {
        let name = format!("长阳土家族自治县{}{}", TOWNS[n % TOWNS.len()], LEVELS[n / TOWNS.len() % LEVELS.len()]);
        if org_id(conn, &name)?.is_some() {
            continue;
        }
        crate::db::write_tx(conn, |conn| {
            let school = organisations::create(
                conn,
                &system_caller(bureau),
                NewOrganisation { name: name.clone(), kind: OrgKind::School, parent_id: Some(bureau), timezone: None },
            )?
            .id;
            let system = system_caller(school);
            let mut deps = Vec::new();
            for d in ["党政办公室", "教务处", "学生处", "安全办公室", "财务室", "工会"] {
                deps.push(departments::create(conn, &system, school, DepartmentInput { name: d.into() })?.id);
            }
            let account = |conn: &mut DbConn, suffix: &str, display: String, role: Role| -> AppResult<i64> {
                let input = NewUser {
                    username: format!("s{:02}.{suffix}", n + 1),
                    display_name: display,
                    title: String::new(),
                    organisation_id: Some(school),
                    department_id: None,
                    roles: vec![role],
                    password: DEMO_PASSWORD.into(),
                };
                Ok(users::create(conn, &system, input, hash.clone())?.id)
            };
            account(conn, "zgb", "整改办".into(), Role::Coordinator)?;
            account(conn, "leader", "校长".into(), Role::Leader)?;
            account(conn, "jw", "纪委书记".into(), Role::Discipline)?;
            let leaders = (1..=3)
                .map(|i| account(conn, &format!("fx{i}"), format!("副校长{i}"), Role::ResponsibleLeader))
                .collect::<AppResult<Vec<_>>>()?;
            let staff = (1..=8).map(|i| account(conn, &format!("t{i}"), format!("教师{i}"), Role::Staff)).collect::<AppResult<Vec<_>>>()?;
            for round in 1..=3 {
                let inspection = insp::create(
                    conn,
                    &system,
                    NewInspection {
                        organisation_id: Some(school),
                        title: format!("县委第{}巡察组巡察反馈问题整改", ["一", "二", "三"][round - 1]),
                        inspector: format!("县委第{}巡察组", ["一", "二", "三"][round - 1]),
                        onsite_start: None,
                        onsite_end: None,
                        feedback_date: Some(today - chrono::Duration::days(120 * (4 - round as i64))),
                        deadline: None,
                        // Under way: an inspection is closed by the close-out of its last problem, not
                        // created closed (and these have open measures).
                        status: Some(InspectionStatus::Rectifying),
                        leading_group: Vec::new(),
                        ledger: None,
                    },
                )?;
                let mut k = 0usize;
                let plan: Vec<CategoryPlan> = reference["categories"]
                    .as_array()
                    .expect("categories")
                    .iter()
                    .map(|c| CategoryPlan {
                        title: c["title"].as_str().unwrap_or_default().into(),
                        problems: c["problems"]
                            .as_array()
                            .expect("problems")
                            .iter()
                            .map(|p| ProblemPlan {
                                title: p["title"].as_str().unwrap_or_default().into(),
                                feedback: String::new(),
                                responsible_leader_id: Some(leaders[k % 3]),
                                lead_department_id: Some(deps[k % deps.len()]),
                                given: ProblemGiven { feedback: true, responsible_leader: true, lead_department: true },
                                measures: (0..4)
                                    .map(|_| {
                                        k += 1;
                                        let text = texts[(k + n * 7 + round) % texts.len()];
                                        MeasurePlan::from(NewMeasure {
                                            title: crate::domain::ledger::import::derive_title(text),
                                            content: text.into(),
                                            kind: [
                                                MeasureKind::Immediate,
                                                MeasureKind::TimeBound,
                                                MeasureKind::TimeBound,
                                                MeasureKind::LongTerm,
                                            ][k % 4],
                                            responsible_leader_id: Some(leaders[k % 3]),
                                            lead_department_id: Some(deps[k % deps.len()]),
                                            supporting_department_ids: if k % 5 == 0 { vec![deps[0]] } else { Vec::new() },
                                            assignee_ids: vec![staff[k % staff.len()]],
                                            deadline: Some(today + chrono::Duration::days(((k * 37 + n * 11) % 150) as i64 - 60)),
                                        })
                                    })
                                    .collect(),
                            })
                            .collect(),
                    })
                    .collect();
                apply(conn, school, inspection.id, &plan, &mut |_, _| {})?;
            }
            // Some progress: every third measure has started.
            let started: Vec<(i64, i64)> = m_t::table
                .inner_join(crate::schema::measure_assignees::table)
                .filter(m_t::organisation_id.eq(school))
                .select((m_t::id, crate::schema::measure_assignees::user_id))
                .load::<(i64, i64)>(conn)?
                .into_iter()
                .filter(|(id, _)| id % 3 == 0)
                .collect();
            let t = crate::domain::now();
            for (id, author) in started {
                diesel::update(m_t::table.find(id))
                    .set((m_t::status.eq("in_progress"), m_t::progress.eq("已制定方案，正在推进。")))
                    .execute(conn)?;
                diesel::insert_into(measure_progress::table)
                    .values((
                        measure_progress::measure_id.eq(id),
                        measure_progress::author_id.eq(author),
                        measure_progress::progress.eq("已制定方案，正在推进。"),
                        measure_progress::created_at.eq(t),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })?;
        created += 1;
    }
    Ok(created)
}
