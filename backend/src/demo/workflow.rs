//! Demo work in every state of the sign-off chain, so that every role finds something waiting
//! when it signs in: verified and closed-out problems, measures waiting at each stage, a
//! returned measure with its reason, work in progress, an overdue measure, a pending extension
//! request and a monitored long-term measure. Everything goes through the same domain functions
//! as the API, as the demo users, so the audit log, the timelines and the notifications are real.

use chrono::Duration;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::evidence::{self, filetype::FileType, Details, StoredFile};
use crate::domain::ledger::closeout::{self, CloseoutDecision, CloseoutInput};
use crate::domain::ledger::comments::{self, NewComment, Subject};
use crate::domain::ledger::extensions::{self, NewExtension};
use crate::domain::ledger::lookbacks::{self, LookbackResult, NewLookback};
use crate::domain::ledger::measures::{self, ProgressInput};
use crate::domain::ledger::signoffs::{self, Decision, SignoffInput};
use crate::domain::ledger::today_in;
use crate::error::{AppError, AppResult};
use crate::schema::{evidence as ev_t, measures as m_t, problems as p_t, users as u_t};
use crate::storage::{random_name, Storage};

const REPORT_PDF: &[u8] = include_bytes!("../../fixtures/demo/rectification-report.pdf");
const NOTICE_PNG: &[u8] = include_bytes!("../../fixtures/demo/notice-board.png");

/// How far a measure gets in the demo.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Stage {
    InProgress,
    WithEvidence,
    Submitted,
    Approved,
    Signed,
    Verified,
}

struct Demo<'a> {
    conn: &'a mut DbConn,
    storage: &'a Storage,
    runtime: tokio::runtime::Runtime,
    school: i64,
    quota: u64,
}

/// Drives the demo school's reference ledger into every state. Runs once: a school that already
/// has evidence is left alone. Returns whether it ran.
pub fn seed(conn: &mut DbConn, storage: &Storage, quota: u64) -> AppResult<bool> {
    let Some(school) = super::org_id(conn, super::SCHOOL)? else { return Ok(false) };
    let started: Option<i64> = ev_t::table.filter(ev_t::organisation_id.eq(school)).select(ev_t::id).first(conn).optional()?;
    if started.is_some() {
        return Ok(false);
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(AppError::internal)?;
    // All or nothing; files stored before a failure are left to the sweeper.
    crate::db::write_tx(conn, |conn| Demo { conn, storage, runtime, school, quota }.run())?;
    Ok(true)
}

impl Demo<'_> {
    fn run(&mut self) -> AppResult<()> {
        let today = today_in(self.conn, self.school)?;
        // Problems 1, 2 and 15: every measure verified; 1 closed out by the bureau, 2 waiting for
        // it, 15 waiting for the coordinator to ask.
        for ordinal in [1, 2, 15] {
            for m in self.measures_of(ordinal)? {
                self.advance(m, Stage::Verified)?;
            }
        }
        let zgb = self.caller("zgb")?;
        let majp = self.caller("majp")?;
        let p1 = self.problem(1)?;
        let p1 = closeout::request(self.conn, &zgb, p1.0, &p1.1.into())?;
        closeout::decide(
            self.conn,
            &majp,
            p1.id,
            &p1.version.into(),
            CloseoutInput {
                decision: CloseoutDecision::Close,
                comment: "整改措施落实到位，佐证材料齐全，同意销号。".into(),
                measure_ids: vec![],
            },
        )?;
        let zongzf = self.caller("zongzf")?;
        lookbacks::record(
            self.conn,
            &zongzf,
            Subject::Problem(p1.id),
            NewLookback {
                result: LookbackResult::Holds,
                findings: "抽查理论学习记录和专题研讨材料，整改成效巩固。".into(),
                next_lookback: None,
            },
        )?;
        let p2 = self.problem(2)?;
        closeout::request(self.conn, &zgb, p2.0, &p2.1.into())?;

        // Problem 6: one measure at every stage; the long-term one is monitored.
        let p6 = self.measures_of(6)?;
        for (m, stage) in p6.iter().zip([Stage::Verified, Stage::Signed, Stage::Approved, Stage::Submitted, Stage::Verified]) {
            self.advance(*m, stage)?;
        }
        // Problem 9's long-term measure is monitored too.
        let p9 = self.measures_of(9)?;
        self.advance(p9[2], Stage::Verified)?;

        // Problem 3: ① returned by its responsible leader with the reason; ② ready to submit.
        let p3 = self.measures_of(3)?;
        self.advance(p3[0], Stage::Submitted)?;
        let qinss = self.caller("qinss")?;
        let version = self.version(p3[0])?;
        signoffs::decide(
            self.conn,
            &qinss,
            p3[0],
            &version.into(),
            SignoffInput {
                decision: Decision::Return,
                comment: "佐证材料缺少党委会会议纪要，请补充会议记录和签到表后重新提交。".into(),
                next_lookback: None,
            },
        )?;
        self.advance(p3[1], Stage::WithEvidence)?;
        let (zhanghc, p3) = (self.caller("zhanghc")?, self.problem(3)?.0);
        comments::create(
            self.conn,
            &zhanghc,
            Subject::Problem(p3),
            NewComment { body: "请各责任部门本月底前把会议纪要补齐，整改办跟踪。".into() },
        )?;

        // Problem 4 ②: the assignee asks for more time; the group's leader has not decided yet.
        let p4 = self.measures_of(4)?;
        self.advance(p4[0], Stage::Approved)?;
        self.advance(p4[1], Stage::InProgress)?;
        let assignee = self.assignee_of(p4[1])?;
        extensions::request(
            self.conn,
            &assignee,
            p4[1],
            NewExtension {
                new_deadline: today + Duration::days(75),
                reason: "需待下学期开学后召开全体学生大会完成主题教育，申请延期。".into(),
            },
        )?;
        // Problem 18: ① verified, ② not started — one measure away from close-out.
        let p18 = self.measures_of(18)?;
        self.advance(p18[0], Stage::Verified)?;
        // Work under way elsewhere, including the overdue measure of problem 5.
        for ordinal in [5, 7, 8, 10, 11, 12] {
            let first = self.measures_of(ordinal)?[0];
            self.advance(first, Stage::InProgress)?;
        }
        Ok(())
    }

    /// Takes a measure from where it is to `target`, each step by the person whose step it is.
    fn advance(&mut self, id: i64, target: Stage) -> AppResult<()> {
        let assignee = self.assignee_of(id)?;
        let version = self.version(id)?;
        measures::report_progress(
            self.conn,
            &assignee,
            id,
            &version.into(),
            ProgressInput { progress: "已制定整改方案并召开专题会议部署，相关制度正在修订完善。".into() },
        )?;
        if target >= Stage::WithEvidence {
            self.upload(&assignee, id)?;
        }
        if target >= Stage::Submitted {
            let version = self.version(id)?;
            signoffs::submit(self.conn, &assignee, id, &version.into())?;
        }
        let (leader_id, kind): (Option<i64>, String) =
            m_t::table.find(id).select((m_t::responsible_leader_id, m_t::kind)).first(self.conn)?;
        // Monitored long-term measures come up for their first look-back at once.
        let next_lookback = if kind == "long_term" { Some(today_in(self.conn, self.school)?) } else { None };
        let leader_name: String = u_t::table.find(leader_id.unwrap_or_default()).select(u_t::username).first(self.conn)?;
        let steps = [(Stage::Approved, leader_name.as_str()), (Stage::Signed, "zhanghc"), (Stage::Verified, "daixb")];
        for (stage, who) in steps {
            if target < stage {
                break;
            }
            let reviewer = self.caller(who)?;
            let version = self.version(id)?;
            let comment = if stage == Stage::Verified { "核验属实。" } else { "同意。" };
            signoffs::decide(
                self.conn,
                &reviewer,
                id,
                &version.into(),
                SignoffInput { decision: Decision::Approve, comment: comment.into(), next_lookback },
            )?;
        }
        Ok(())
    }

    /// Two pieces of evidence: the school's report (PDF) and a photo of the notice board.
    fn upload(&mut self, caller: &Caller, measure_id: i64) -> AppResult<()> {
        let files = [
            ("整改落实情况报告.pdf", REPORT_PDF, FileType::Pdf, "整改落实情况报告", Some("职教党发〔2021〕15号")),
            ("整改公示栏.png", NOTICE_PNG, FileType::Png, "整改公示栏照片", None),
        ];
        for (name, bytes, file_type, title, number) in files {
            let key = format!("evidence/{}/{}", self.school, random_name());
            self.runtime.block_on(self.storage.put(&key, bytes))?;
            let file = StoredFile {
                object_key: key,
                file_name: name.into(),
                file_type,
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(bytes)),
            };
            let details = Details {
                title: title.into(),
                document_number: number.map(Into::into),
                document_date: number.and_then(|_| "2021-10-20".parse().ok()),
                description: String::new(),
            };
            evidence::create(self.conn, caller, measure_id, details, &file, self.quota, None)?;
        }
        Ok(())
    }

    fn caller(&mut self, username: &str) -> AppResult<Caller> {
        let (id, epoch): (i64, i64) = u_t::table.filter(u_t::username.eq(username)).select((u_t::id, u_t::token_epoch)).first(self.conn)?;
        crate::domain::sessions::resolve_user(self.conn, id, epoch)?.ok_or_else(|| AppError::internal(format!("demo user {username}")))
    }

    fn assignee_of(&mut self, measure_id: i64) -> AppResult<Caller> {
        use crate::schema::measure_assignees as a_t;
        let user: i64 = a_t::table.filter(a_t::measure_id.eq(measure_id)).select(a_t::user_id).order(a_t::user_id).first(self.conn)?;
        let username: String = u_t::table.find(user).select(u_t::username).first(self.conn)?;
        self.caller(&username)
    }

    fn version(&mut self, measure_id: i64) -> AppResult<i64> {
        Ok(m_t::table.find(measure_id).select(m_t::version).first(self.conn)?)
    }

    /// (id, version) of the school's problem with this ordinal.
    fn problem(&mut self, ordinal: i32) -> AppResult<(i64, i64)> {
        use crate::schema::inspections as i_t;
        Ok(p_t::table
            .filter(p_t::inspection_id.eq_any(i_t::table.filter(i_t::organisation_id.eq(self.school)).select(i_t::id)))
            .filter(p_t::ordinal.eq(ordinal))
            .select((p_t::id, p_t::version))
            .first(self.conn)?)
    }

    /// The problem's measures in order.
    fn measures_of(&mut self, ordinal: i32) -> AppResult<Vec<i64>> {
        let (problem, _) = self.problem(ordinal)?;
        Ok(m_t::table.filter(m_t::problem_id.eq(problem)).order(m_t::ordinal).select(m_t::id).load(self.conn)?)
    }
}
