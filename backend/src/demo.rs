//! Demo data: the bureau and school of the reference case (`fixtures/changyang-2021`), their
//! departments and one account per role. Names and titles of the leading group and the bureau
//! come from the public report; the coordinator, the second school and its account are invented
//! and say so in their titles.

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
    "党政办公室", "教务处", "学生处", "安全办公室", "财务室", "资产管理中心",
    "工会", "纪检监察室", "心理健康教育中心", "机电专业部", "计算机专业部", "学前教育部",
];

/// (username, display name, title, organisation, department, roles, active)
type Account = (&'static str, &'static str, &'static str, &'static str, Option<&'static str>, &'static [Role], bool);

const ACCOUNTS: [Account; 14] = [
    ("admin", "系统管理员", "系统管理员（演示）", BUREAU, None, &[Role::Admin], true),
    ("majp", "马杰平", "县教育局副局长", BUREAU, None, &[Role::BureauSupervisor], true),
    ("zongzf", "宗志福", "县教育局机关纪委书记", BUREAU, None, &[Role::BureauSupervisor], true),
    ("zhanghc", "张红昌", "县教育局党组成员、校党委书记、校长", SCHOOL, Some("党政办公室"), &[Role::Leader], true),
    ("yangk", "杨奎", "县教育局党组成员、校党委副书记、校长（2021-08-24 前任整改领导小组组长）", SCHOOL, Some("党政办公室"), &[Role::Leader], false),
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
    Caller { principal: Principal::User { id: 0, username: "system".into() }, organisation_id, roles: vec![Role::Admin], me: None }
}

fn org_id(conn: &mut DbConn, name: &str) -> AppResult<Option<i64>> {
    Ok(org_t::table.filter(org_t::name.eq(name)).select(org_t::id).first(conn).optional()?)
}

/// Seeds the demo organisations and accounts once; a second run changes nothing.
pub fn seed(conn: &mut DbConn) -> AppResult<Seeded> {
    let accounts = ACCOUNTS.iter().map(|a| (a.0, a.1, a.5.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","))).collect();
    crate::db::write_tx(conn, |conn| {
    if org_id(conn, SCHOOL)?.is_some() {
        return Ok(Seeded { created: false, accounts });
    }
    let bureau = match org_id(conn, BUREAU)? {
        Some(id) => id,
        None => organisations::create(conn, NewOrganisation { name: BUREAU.into(), kind: OrgKind::Bureau, parent_id: None, timezone: None })?.id,
    };
    let system = system_caller(bureau);
    for school in [SCHOOL, OTHER_SCHOOL] {
        if org_id(conn, school)?.is_none() {
            organisations::create(conn, NewOrganisation { name: school.into(), kind: OrgKind::School, parent_id: Some(bureau), timezone: None })?;
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
            Some(d) => Some(dep_t::table.filter(dep_t::organisation_id.eq(org)).filter(dep_t::name.eq(d)).select(dep_t::id).first(conn)?),
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
            users::update(conn, &system, user.id, user.version, UserPatch { active: Some(false), ..Default::default() })?;
        }
    }
    Ok(Seeded { created: true, accounts })
    })
}
