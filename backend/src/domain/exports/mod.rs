//! Documents out of the ledger: the 整改台账 as an XLSX workbook and as CSV.
//!
//! [`read`] reads the rows a caller may see from the database in batches and hands them, in
//! ledger order, to a [`LedgerSink`]; [`workbook`] and [`table`] are such sinks and know
//! nothing of SQL or HTTP: rows in, a file out. Both write as they go, to a temporary file, so
//! that a whole county's ledger never sits in memory.

pub mod read;
pub mod table;
pub mod workbook;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ledger::query::DONE;
use super::ledger::{MeasureKind, MeasureStatus};

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Excel workbook: the ledger with merged cells, and the sign-off, return, extension and
    /// statistics sheets.
    Xlsx,
    /// The ledger sheet alone, one line per measure, UTF-8 with a byte order mark.
    Csv,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => XLSX_MEDIA_TYPE,
            ExportFormat::Csv => CSV_MEDIA_TYPE,
        }
    }
}

pub const XLSX_MEDIA_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV_MEDIA_TYPE: &str = "text/csv; charset=utf-8";

/// A failure while writing a document (the disk, the writer): never the caller's fault.
#[derive(Debug)]
pub struct WriteError(pub String);

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "writing the export: {}", self.0)
    }
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError(e.to_string())
    }
}
impl From<rust_xlsxwriter::XlsxError> for WriteError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        WriteError(e.to_string())
    }
}
impl From<csv::Error> for WriteError {
    fn from(e: csv::Error) -> Self {
        WriteError(e.to_string())
    }
}

pub type WriteResult<T> = Result<T, WriteError>;

/// What the whole document says about itself, and which optional columns it has.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The first line, e.g. 长阳土家族自治县职业教育中心县委第三巡察组巡察反馈问题整改台账.
    pub title: String,
    /// The second line: when it was made, how many measures, whether filtered.
    pub note: String,
    /// A 单位 column: the export spans schools (the bureau's).
    pub organisation_column: bool,
    /// A 巡察 column: the export spans inspections.
    pub inspection_column: bool,
}

/// Someone's act at a time (in the organisation's time zone): a sign-off, a close-out.
#[derive(Debug, Clone, PartialEq)]
pub struct Act {
    pub by: String,
    pub at: NaiveDateTime,
}

/// A piece of evidence as the ledger names it.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceItem {
    pub title: String,
    pub document_number: Option<String>,
}

impl EvidenceItem {
    /// 标题（长职组〔2021〕16号）
    pub fn text(&self) -> String {
        match self.document_number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => format!("{}（{n}）", self.title),
            None => self.title.clone(),
        }
    }
}

/// One measure with everything the ledger's row shows. Times are local to its organisation.
#[derive(Debug, Clone)]
pub struct MeasureRow {
    pub organisation_id: i64,
    pub organisation: String,
    pub inspection_id: i64,
    pub inspection: String,
    pub category_id: i64,
    /// 问题类别 with its label: （一）履行职责使命方面
    pub category: String,
    pub problem_id: i64,
    /// 问题 with its label: 1.理论武装不够问题
    pub problem: String,
    pub measure_id: i64,
    /// The measure's label and title: ①强化思想武装
    pub measure_title: String,
    /// The measure's label and full text (its title when there is no text).
    pub measure_text: String,
    pub kind: MeasureKind,
    pub responsible_leader_id: Option<i64>,
    pub responsible_leader: String,
    pub lead_department_id: Option<i64>,
    pub lead_department: String,
    pub supporting_departments: Vec<String>,
    pub assignees: Vec<String>,
    pub deadline: Option<NaiveDate>,
    /// The deadline before the first approved extension.
    pub original_deadline: Option<NaiveDate>,
    pub extensions: i64,
    pub progress: String,
    pub status: MeasureStatus,
    /// Today in the measure's organisation: what its urgency is measured against.
    pub today: NaiveDate,
    pub evidence: Vec<EvidenceItem>,
    /// The standing approvals of the current round: 审核, 审批, 核验.
    pub approved: Option<Act>,
    pub signed: Option<Act>,
    pub verified: Option<Act>,
    /// 销号 of the measure's problem.
    pub closed_out: Option<Act>,
}

/// Which measure a record of the further sheets belongs to.
#[derive(Debug, Clone)]
pub struct MeasureRef {
    pub organisation: String,
    pub problem: String,
    pub measure: String,
}

/// A decision of the sign-off chain (签核记录).
#[derive(Debug, Clone)]
pub struct SignoffRecord {
    pub of: MeasureRef,
    pub round: i32,
    /// `approve`, `sign`, `verify`.
    pub stage: String,
    pub returned: bool,
    pub comment: String,
    pub signer: String,
    pub at: NaiveDateTime,
    /// 有效 / 已失效：… / 此前轮次
    pub standing: String,
}

/// A measure sent back (退回记录): by a stage of the chain, or by the bureau's close-out decision.
#[derive(Debug, Clone)]
pub struct ReturnRecord {
    pub of: MeasureRef,
    /// 审核退回, 审批退回, 核验退回, 销号退回, 销号后重新打开
    pub kind: String,
    pub reason: String,
    pub by: String,
    pub at: NaiveDateTime,
}

/// An extension request (延期记录).
#[derive(Debug, Clone)]
pub struct ExtensionRecord {
    pub of: MeasureRef,
    pub old_deadline: Option<NaiveDate>,
    pub new_deadline: NaiveDate,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    /// `pending`, `approved`, `rejected`.
    pub status: String,
    pub decided: Option<Act>,
    pub comment: String,
}

/// Where the rows of an export go, in ledger order.
pub trait LedgerSink {
    fn measure(&mut self, row: MeasureRow) -> WriteResult<()>;
    fn signoff(&mut self, record: SignoffRecord) -> WriteResult<()>;
    fn returned(&mut self, record: ReturnRecord) -> WriteResult<()>;
    fn extension(&mut self, record: ExtensionRecord) -> WriteResult<()>;
}

/// How pressing a deadline is, as the web app colours it: red from the deadline day on, yellow
/// within a week, blue before; none for done measures and those without a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    None,
    Blue,
    Yellow,
    Red,
}

pub fn urgency(deadline: Option<NaiveDate>, status: MeasureStatus, today: NaiveDate) -> Urgency {
    let Some(d) = deadline else { return Urgency::None };
    if DONE.contains(&status.as_str()) {
        return Urgency::None;
    }
    match (d - today).num_days() {
        n if n <= 0 => Urgency::Red,
        n if n <= 7 => Urgency::Yellow,
        _ => Urgency::Blue,
    }
}

/// The status as the screens say it (zh-CN).
pub fn status_zh(s: MeasureStatus) -> &'static str {
    match s {
        MeasureStatus::NotStarted => "未开始",
        MeasureStatus::InProgress => "整改中",
        MeasureStatus::Submitted => "待审核",
        MeasureStatus::Approved => "待审批",
        MeasureStatus::Signed => "待核验",
        MeasureStatus::Verified => "已完成",
        MeasureStatus::Monitoring => "长期坚持",
    }
}

/// The status cell: the status, and for an open measure how its deadline stands
/// (整改中（已逾期 3 天）, 待审核（今天到期）, 整改中（5 天后到期）).
pub fn status_text(row: &MeasureRow) -> String {
    let status = status_zh(row.status);
    let Some(d) = row.deadline.filter(|_| urgency(row.deadline, row.status, row.today) != Urgency::None) else {
        return status.to_string();
    };
    match (d - row.today).num_days() {
        n if n < 0 => format!("{status}（已逾期 {} 天）", -n),
        0 => format!("{status}（今天到期）"),
        n if n <= 7 => format!("{status}（{n} 天后到期）"),
        _ => status.to_string(),
    }
}

/// 审核 / 审批 / 核验 for a stage code.
pub fn stage_zh(stage: &str) -> &'static str {
    match stage {
        "approve" => "审核",
        "sign" => "审批",
        "verify" => "核验",
        _ => "签核",
    }
}

/// The decision as the screens say it: 审核通过 / 审批同意 / 核验通过 / 退回.
pub fn decision_zh(stage: &str, returned: bool) -> &'static str {
    match (stage, returned) {
        (_, true) => "退回",
        ("approve", _) => "审核通过",
        ("sign", _) => "审批同意",
        ("verify", _) => "核验通过",
        _ => "通过",
    }
}

pub fn extension_status_zh(status: &str) -> &'static str {
    match status {
        "approved" => "已批准",
        "rejected" => "未批准",
        _ => "待审批",
    }
}

/// One column of the ledger sheet (and of the CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Seq,
    Organisation,
    Inspection,
    Category,
    Problem,
    Measure,
    Kind,
    Leader,
    LeadDepartment,
    SupportingDepartments,
    Assignees,
    Deadline,
    OriginalDeadline,
    Extensions,
    Progress,
    Status,
    Evidence,
    ApprovedBy,
    ApprovedAt,
    SignedBy,
    SignedAt,
    VerifiedBy,
    VerifiedAt,
    ClosedAt,
    ClosedBy,
}

impl Column {
    /// The columns of a layout, in order.
    pub fn all(layout: &Layout) -> Vec<Column> {
        use Column::*;
        let mut cols = vec![Seq];
        if layout.organisation_column {
            cols.push(Organisation);
        }
        if layout.inspection_column {
            cols.push(Inspection);
        }
        cols.extend([
            Category,
            Problem,
            Measure,
            Kind,
            Leader,
            LeadDepartment,
            SupportingDepartments,
            Assignees,
            Deadline,
            OriginalDeadline,
            Extensions,
            Progress,
            Status,
            Evidence,
            ApprovedBy,
            ApprovedAt,
            SignedBy,
            SignedAt,
            VerifiedBy,
            VerifiedAt,
            ClosedAt,
            ClosedBy,
        ]);
        cols
    }

    /// The column's own heading (the lower header row where it has a group).
    pub fn heading(self) -> &'static str {
        use Column::*;
        match self {
            Seq => "序号",
            Organisation => "单位",
            Inspection => "巡察",
            Category => "问题类别",
            Problem => "问题",
            Measure => "整改措施",
            Kind => "措施类型",
            Leader => "责任领导",
            LeadDepartment => "牵头处室",
            SupportingDepartments => "配合处室",
            Assignees => "责任人",
            Deadline => "完成时限",
            OriginalDeadline => "原定时限",
            Extensions => "延期次数",
            Progress => "整改进展",
            Status => "状态",
            Evidence => "佐证材料（文号）",
            ApprovedBy => "审核人",
            ApprovedAt => "审核时间",
            SignedBy => "审批人",
            SignedAt => "审批时间",
            VerifiedBy => "核验人",
            VerifiedAt => "核验时间",
            ClosedAt => "销号时间",
            ClosedBy => "销号人",
        }
    }

    /// The heading over a group of columns (the upper header row).
    pub fn group(self) -> Option<&'static str> {
        use Column::*;
        match self {
            OriginalDeadline | Extensions => Some("延期"),
            ApprovedBy | ApprovedAt => Some("审核"),
            SignedBy | SignedAt => Some("审批"),
            VerifiedBy | VerifiedAt => Some("核验"),
            ClosedAt | ClosedBy => Some("销号"),
            _ => None,
        }
    }

    /// Whether the column belongs to the problem (merged over its rows) or the category.
    pub fn merged(self) -> Merge {
        use Column::*;
        match self {
            Category => Merge::Category,
            Problem | ClosedAt | ClosedBy => Merge::Problem,
            _ => Merge::None,
        }
    }

    /// Smallest and largest width, in Excel's character units (a Chinese character is two).
    pub fn width_bounds(self) -> (f64, f64) {
        use Column::*;
        match self {
            Seq => (5.0, 8.0),
            Organisation | Inspection => (12.0, 30.0),
            Category => (12.0, 20.0),
            Problem => (14.0, 24.0),
            Measure => (24.0, 44.0),
            Progress => (20.0, 36.0),
            Evidence => (16.0, 30.0),
            Deadline | OriginalDeadline => (11.0, 11.0),
            ApprovedAt | SignedAt | VerifiedAt | ClosedAt => (16.0, 16.0),
            Extensions => (8.0, 8.0),
            Status => (10.0, 22.0),
            _ => (8.0, 20.0),
        }
    }

    /// The cell as text, as the CSV has it (dates `YYYY-MM-DD`, times `YYYY-MM-DD HH:MM`).
    pub fn text(self, row: &MeasureRow, seq: usize) -> String {
        use Column::*;
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let by = |a: &Option<Act>| a.as_ref().map(|a| a.by.clone()).unwrap_or_default();
        let at = |a: &Option<Act>| a.as_ref().map(|a| a.at.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
        match self {
            Seq => seq.to_string(),
            Organisation => row.organisation.clone(),
            Inspection => row.inspection.clone(),
            Category => row.category.clone(),
            Problem => row.problem.clone(),
            Measure => row.measure_text.clone(),
            Kind => row.kind.name_zh().to_string(),
            Leader => row.responsible_leader.clone(),
            LeadDepartment => row.lead_department.clone(),
            SupportingDepartments => row.supporting_departments.join("、"),
            Assignees => row.assignees.join("、"),
            Deadline => date(row.deadline),
            OriginalDeadline => date(row.original_deadline),
            Extensions => {
                if row.extensions > 0 {
                    row.extensions.to_string()
                } else {
                    String::new()
                }
            }
            Progress => row.progress.clone(),
            Status => status_text(row),
            Evidence => row.evidence.iter().map(EvidenceItem::text).collect::<Vec<_>>().join("\n"),
            ApprovedBy => by(&row.approved),
            ApprovedAt => at(&row.approved),
            SignedBy => by(&row.signed),
            SignedAt => at(&row.signed),
            VerifiedBy => by(&row.verified),
            VerifiedAt => at(&row.verified),
            ClosedAt => at(&row.closed_out),
            ClosedBy => by(&row.closed_out),
        }
    }
}

/// Which run of rows a column's cells are merged over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    None,
    Category,
    Problem,
}

/// The display width of text in Excel's character units: CJK and full-width characters count
/// two, the rest one; the widest line counts.
pub fn display_width(text: &str) -> f64 {
    text.lines().map(|line| line.chars().map(|c| if is_wide(c) { 2.0 } else { 1.0 }).sum::<f64>()).fold(0.0, f64::max)
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2460..=0x24FF | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn row(problem: i64, measure: i64, status: MeasureStatus, deadline: Option<&str>) -> MeasureRow {
        MeasureRow {
            organisation_id: 1,
            organisation: "长阳土家族自治县职业教育中心".into(),
            inspection_id: 1,
            inspection: "县委第三巡察组巡察反馈问题整改".into(),
            category_id: if problem <= 2 { 1 } else { 2 },
            category: if problem <= 2 {
                "（一）履行职责使命方面".into()
            } else {
                "（二）履行全面从严治党两个责任方面".into()
            },
            problem_id: problem,
            problem: format!("{problem}.问题{problem}"),
            measure_id: measure,
            measure_title: format!("①措施{measure}"),
            measure_text: format!("①措施{measure}。具体做法"),
            kind: MeasureKind::TimeBound,
            responsible_leader_id: Some(7),
            responsible_leader: "覃守生".into(),
            lead_department_id: Some(3),
            lead_department: "教务处".into(),
            supporting_departments: vec!["学生处".into(), "工会".into()],
            assignees: vec!["蒋芳".into()],
            deadline: deadline.map(|d| d.parse().unwrap()),
            original_deadline: None,
            extensions: 0,
            progress: "已完成第一阶段".into(),
            status,
            today: "2021-09-15".parse().unwrap(),
            evidence: vec![EvidenceItem { title: "党委会议纪要".into(), document_number: Some("长职组〔2021〕16号".into()) }],
            approved: None,
            signed: None,
            verified: None,
            closed_out: None,
        }
    }

    #[test]
    fn urgency_and_status_words_follow_the_screens() {
        let today: NaiveDate = "2021-09-15".parse().unwrap();
        let d = |s: &str| Some(s.parse::<NaiveDate>().unwrap());
        assert_eq!(urgency(d("2021-09-14"), MeasureStatus::InProgress, today), Urgency::Red);
        assert_eq!(urgency(d("2021-09-15"), MeasureStatus::InProgress, today), Urgency::Red);
        assert_eq!(urgency(d("2021-09-22"), MeasureStatus::Submitted, today), Urgency::Yellow);
        assert_eq!(urgency(d("2021-09-23"), MeasureStatus::InProgress, today), Urgency::Blue);
        assert_eq!(urgency(d("2021-09-01"), MeasureStatus::Verified, today), Urgency::None);
        assert_eq!(urgency(None, MeasureStatus::InProgress, today), Urgency::None);
        assert_eq!(status_text(&row(1, 1, MeasureStatus::InProgress, Some("2021-09-12"))), "整改中（已逾期 3 天）");
        assert_eq!(status_text(&row(1, 1, MeasureStatus::Submitted, Some("2021-09-15"))), "待审核（今天到期）");
        assert_eq!(status_text(&row(1, 1, MeasureStatus::InProgress, Some("2021-09-20"))), "整改中（5 天后到期）");
        assert_eq!(status_text(&row(1, 1, MeasureStatus::InProgress, Some("2021-12-31"))), "整改中");
        assert_eq!(status_text(&row(1, 1, MeasureStatus::Verified, Some("2021-09-01"))), "已完成");
    }

    #[test]
    fn chinese_text_is_twice_as_wide_as_latin() {
        assert_eq!(display_width("abc"), 3.0);
        assert_eq!(display_width("整改台账"), 8.0);
        assert_eq!(display_width("长职组〔2021〕16号"), 18.0);
        assert_eq!(display_width("短\n很长的一行"), 10.0);
        assert_eq!(display_width("①"), 2.0);
    }

    #[test]
    fn columns_and_texts() {
        let cols = Column::all(&Layout { organisation_column: true, ..Default::default() });
        assert_eq!(cols[..3], [Column::Seq, Column::Organisation, Column::Category]);
        assert_eq!(Column::all(&Layout::default()).len(), 23);
        let r = row(1, 1, MeasureStatus::InProgress, Some("2021-10-01"));
        assert_eq!(Column::Evidence.text(&r, 1), "党委会议纪要（长职组〔2021〕16号）");
        assert_eq!(Column::SupportingDepartments.text(&r, 1), "学生处、工会");
        assert_eq!(Column::Deadline.text(&r, 1), "2021-10-01");
        assert_eq!(Column::Kind.text(&r, 1), "限期整改");
        assert_eq!(Column::Extensions.text(&r, 1), "");
    }
}
