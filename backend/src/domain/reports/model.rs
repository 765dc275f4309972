//! The report (整改情况报告) as sections of paragraphs, built from a ledger snapshot and the
//! report's editable parts, in an internal and a public edition.
//!
//! The public edition leaves out what is withheld (不宜公开), renumbers what remains, uses each
//! measure's public wording where one is given, and masks what the redaction rules find in the
//! body text (never in the masthead, title, contact block or signature). Paragraphs carry stable
//! keys (`measure:12`, `organisation`), so both editions can be shown side by side.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::group::{date_zh, group_sentence, office_sentence};
use super::redact::{self, Mask, Redaction};
use super::snapshot::{SnapMeasure, Snapshot};
use crate::domain::ledger::labels::{category_label, chinese_number, measure_label, problem_label};

/// Where the text of `organisation_text` puts the sentence made from the leading group.
pub const GROUP_PLACEHOLDER: &str = "{领导小组}";
/// … and the sentence about its office.
pub const OFFICE_PLACEHOLDER: &str = "{办公室}";

/// The report's editable parts. Absent texts are made from the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportContent {
    /// 版头, e.g. 中共长阳土家族自治县职业教育中心委员会文件; empty: none.
    pub masthead: String,
    /// 发文字号, e.g. 长职组〔2021〕20号; empty: none.
    pub document_number: String,
    /// 发文机关, e.g. 中共长阳土家族自治县职业教育中心委员会: starts the title and signs the report.
    pub issuer: String,
    /// The title after the issuer.
    pub title: String,
    /// The opening paragraph; `null`: made from the inspection (body, dates).
    pub opening: Option<String>,
    pub headings: Headings,
    /// 一、's text; `null`: made from the leading group. `{领导小组}` and `{办公室}` stand for the
    /// sentences made from the leading group.
    pub organisation_text: Option<String>,
    /// 二、's text (free). Paragraphs are separated by line breaks.
    pub process_text: String,
    /// 四、's text (free).
    pub next_steps_text: String,
    /// After the 不宜公开 statement.
    pub closing: String,
    pub contact: Contact,
    /// 成文日期; `null` until release, which sets it to the day of release.
    pub dated: Option<NaiveDate>,
    /// Problems left out of the public edition (with all their measures).
    pub withheld_problems: Vec<i64>,
    /// Measures left out of the public edition.
    pub withheld_measures: Vec<i64>,
    /// Measures whose public edition says this instead of the ledger's progress.
    pub public_wording: Vec<PublicWording>,
    pub redaction: Redaction,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Headings {
    #[schema(min_length = 1, max_length = 60)]
    pub organisation: String,
    #[schema(min_length = 1, max_length = 60)]
    pub process: String,
    #[schema(min_length = 1, max_length = 60)]
    pub measures: String,
    #[schema(min_length = 1, max_length = 60)]
    pub next_steps: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[schema(max_length = 40)]
    pub phone: String,
    /// The office answering the phone, e.g. 党政办公室.
    #[schema(max_length = 60)]
    pub office: String,
    #[schema(max_length = 100)]
    pub address: String,
    #[schema(max_length = 10)]
    pub postcode: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublicWording {
    pub measure_id: i64,
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

impl ReportContent {
    /// A first draft for an inspection.
    pub fn initial(s: &Snapshot) -> ReportContent {
        let issuer = format!("中共{}委员会", s.organisation);
        ReportContent {
            masthead: format!("{issuer}文件"),
            document_number: String::new(),
            title: "关于巡察反馈问题整改情况的报告".into(),
            issuer,
            opening: None,
            headings: Headings {
                organisation: "提高政治站位，切实加强巡察整改组织领导".into(),
                process: "严格整改程序，确保巡察整改取得实效".into(),
                measures: "全面落实责任，确保整改任务全面完成".into(),
                next_steps: "巩固整改成果，推动高质量发展".into(),
            },
            organisation_text: None,
            process_text: "按照整改要求，学校党委严格执行程序，突出重点，确保实效：细化整改方案，明确责任；建立问题台账，逐项落实整改措施；\
                           定期研究整改工作，对照问题清单逐一抓落实。"
                .into(),
            next_steps_text: "下一步，学校党委将按照巡察整改要求，以更高更严的标准，健全机制，完善措施，巩固整改成果。\
                              对已整改到位的，巩固好整改成果；对需要长期坚持的，建立台账，明确责任人和完成时间，挂图作战，督办销号，确保按时整改到位。"
                .into(),
            closing: "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见和建议，请及时向学校反映。".into(),
            contact: Contact::default(),
            dated: None,
            withheld_problems: Vec::new(),
            withheld_measures: Vec::new(),
            public_wording: Vec::new(),
            redaction: Redaction::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Edition {
    /// Everything, with what the public edition changes marked.
    Internal,
    /// 社会公开稿.
    Public,
}

impl Edition {
    pub fn parse(s: &str) -> Option<Edition> {
        match s {
            "internal" => Some(Edition::Internal),
            "public" => Some(Edition::Public),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ParagraphKind {
    /// 版头 (red).
    Masthead,
    /// 发文字号.
    DocumentNumber,
    Title,
    /// （社会公开稿） or （内部审阅稿）.
    EditionMark,
    Body,
    /// 一、二、三、四、 (黑体).
    Heading,
    /// （一） a category (楷体).
    Category,
    /// 1. a problem (仿宋 bold).
    Problem,
    /// ① a measure.
    Measure,
    /// The 不宜公开事项 statement.
    Statement,
    Contact,
    /// 发文机关署名.
    Issuer,
    /// 成文日期.
    Date,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Paragraph {
    /// Stable across editions and versions: `opening`, `heading:measures`, `category:3`,
    /// `problem:17`, `measure:52`, …
    pub key: String,
    pub kind: ParagraphKind,
    /// （一）, 1., ① for the ledger's items (the public edition's own numbering there).
    pub label: Option<String>,
    /// The ledger item's title (category, problem, measure).
    pub title: Option<String>,
    /// The whole paragraph as printed, label included.
    pub text: String,
    /// Spans of `text` masked in the public edition (character offsets); in the public
    /// edition `text` is already masked there.
    pub masks: Vec<Mask>,
    /// Internal edition: left out of the public one (不宜公开).
    pub withheld: bool,
    /// Internal edition: the public one words this measure differently.
    pub reworded: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Section {
    /// `head`, `organisation`, `process`, `measures`, `next_steps`, `tail`.
    pub key: String,
    pub paragraphs: Vec<Paragraph>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportModel {
    pub edition: Edition,
    /// The full title (issuer + title).
    pub title: String,
    pub sections: Vec<Section>,
    /// Categories, problems and measures this edition shows.
    pub counts: ReportCounts,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ReportCounts {
    pub categories: usize,
    pub problems: usize,
    pub measures: usize,
}

impl ReportModel {
    pub fn paragraphs(&self) -> impl Iterator<Item = &Paragraph> {
        self.sections.iter().flat_map(|s| s.paragraphs.iter())
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReportChange {
    /// Left out of the public edition.
    Withheld,
    /// Spans masked in the public edition.
    Masked,
    /// The public edition carries the measure's public wording.
    Reworded,
    /// The public edition numbers it differently (items before it are withheld).
    Renumbered,
}

/// One paragraph that differs between the editions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Difference {
    pub key: String,
    pub changes: Vec<ReportChange>,
    /// The masked spans, in the internal text.
    pub masks: Vec<Mask>,
    /// The labels in the internal and public editions, when renumbered.
    pub internal_label: Option<String>,
    pub public_label: Option<String>,
}

/// `2021年3月15日至4月14日` and the like.
fn period(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Option<String> {
    match (start, end) {
        (Some(s), Some(e)) => Some(format!("{}至{}", date_zh(s, None), date_zh(e, Some(s.year())))),
        (Some(s), None) => Some(format!("{}起", date_zh(s, None))),
        _ => None,
    }
}

/// "县委" of 县委第三巡察组: who sent the inspection.
fn sender(inspector: &str) -> Option<&str> {
    let i = inspector.find('第')?;
    let s = &inspector[..i];
    (!s.is_empty()).then_some(s)
}

/// The opening paragraph made from the inspection.
pub fn default_opening(s: &Snapshot, issuer: &str) -> String {
    let year = s.onsite_start.or(s.feedback_date).map(|d| d.year());
    let deploy = sender(&s.inspector).map(|x| format!("根据{x}统一部署，")).unwrap_or_else(|| "根据统一部署，".into());
    let when = period(s.onsite_start, s.onsite_end).map(|p| format!("{p}，")).unwrap_or_default();
    let feedback = s.feedback_date.map(|d| format!("{}反馈巡察意见。", date_zh(d, year))).unwrap_or_else(|| "并反馈了巡察意见。".into());
    format!(
        "{deploy}{when}{}对{issuer}开展了巡察，{feedback}学校党委迅速行动，全面梳理巡察反馈意见，结合实际制定整改方案，扎扎实实开展整改工作。\
         按照党务公开原则和巡察工作要求，现将巡察整改情况予以公布。",
        s.inspector
    )
}

/// 一、's text made from the leading group.
pub fn default_organisation_text(s: &Snapshot) -> String {
    format!(
        "对于{}反馈的意见，学校党委高度重视，照单全收，将整改视作一项严肃的政治任务。为确保整改取得实效，{GROUP_PLACEHOLDER}，\
         负责整改的组织领导、统筹协调和督促检查；{OFFICE_PLACEHOLDER}，负责与巡察组联系，并牵头制订问题清单、任务清单和责任清单，\
         将任务分解细化，明确时间节点、责任领导、牵头处室和责任人员，力求扎实做好整改落实。",
        s.inspector
    )
}

/// A measure's text for the report: its public wording (public edition), else the latest
/// progress, else its content without the title it starts with.
fn measure_body(m: &SnapMeasure, wording: Option<&str>) -> String {
    if let Some(w) = wording {
        return w.trim().to_string();
    }
    if !m.progress.trim().is_empty() {
        return m.progress.trim().to_string();
    }
    let content = m.content.trim();
    let title = m.title.trim();
    match content.strip_prefix(title) {
        Some(rest) => rest.trim_start_matches(['。', '：', ':', '，', ' ']).trim().to_string(),
        None => content.to_string(),
    }
}

/// `①强化思想武装。…（长职组〔2021〕16号）`.
fn measure_text(label: &str, m: &SnapMeasure, wording: Option<&str>) -> String {
    let body = measure_body(m, wording);
    let title = m.title.trim();
    let mut text = String::from(label);
    // A title cut short (`转变作风，抓早抓小，…`) is the start of its text: the text says it once.
    let stem = title.strip_suffix('…').map(|t| t.trim_end_matches(['，', ',', '、', '…']));
    if stem.is_some_and(|s| !s.is_empty() && body.starts_with(s)) {
        text.push_str(&body);
    } else {
        text.push_str(title);
        if !body.is_empty() {
            if !title.ends_with(['。', '；', '！', '？', '.']) {
                text.push('。');
            }
            text.push_str(&body);
        }
    }
    let missing: Vec<&str> = m.document_numbers.iter().map(|n| n.trim()).filter(|n| !n.is_empty() && !text.contains(n)).collect();
    if !missing.is_empty() {
        if !text.ends_with(['。', '；']) {
            text.push('。');
        }
        text.push_str(&format!("（文号：{}）", missing.join("、")));
    }
    text
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

struct Builder<'a> {
    edition: Edition,
    content: &'a ReportContent,
    names: &'a [String],
}

impl Builder<'_> {
    fn para(&self, key: impl Into<String>, kind: ParagraphKind, text: String, redactable: bool) -> Paragraph {
        let masks = if redactable { redact::find(&text, &self.content.redaction, self.names) } else { Vec::new() };
        let text = if self.edition == Edition::Public && !masks.is_empty() { redact::apply(&text, &masks) } else { text };
        Paragraph { key: key.into(), kind, label: None, title: None, text, masks, withheld: false, reworded: false }
    }

    fn item(&self, key: String, kind: ParagraphKind, label: String, title: &str, text: String) -> Paragraph {
        Paragraph { label: Some(label), title: Some(title.to_string()), ..self.para(key, kind, text, true) }
    }
}

/// The report in one edition.
pub fn build(s: &Snapshot, c: &ReportContent, edition: Edition) -> ReportModel {
    let b = Builder { edition, content: c, names: &s.people };
    let public = edition == Edition::Public;
    let mut sections = Vec::new();

    let mut head = Vec::new();
    if !c.masthead.trim().is_empty() {
        head.push(b.para("masthead", ParagraphKind::Masthead, c.masthead.trim().into(), false));
    }
    if !c.document_number.trim().is_empty() {
        head.push(b.para("document_number", ParagraphKind::DocumentNumber, c.document_number.trim().into(), false));
    }
    let title = format!("{}{}", c.issuer.trim(), c.title.trim());
    head.push(b.para("title", ParagraphKind::Title, title.clone(), false));
    let mark = if public { "（社会公开稿）" } else { "（内部审阅稿）" };
    head.push(b.para("edition_mark", ParagraphKind::EditionMark, mark.into(), false));
    let opening = c.opening.clone().unwrap_or_else(|| default_opening(s, c.issuer.trim()));
    for (n, l) in lines(&opening).enumerate() {
        head.push(b.para(format!("opening:{n}"), ParagraphKind::Body, l.into(), true));
    }
    sections.push(Section { key: "head".into(), paragraphs: head });

    let heading = |n: u32, key: &str, text: &str| {
        b.para(format!("heading:{key}"), ParagraphKind::Heading, format!("{}、{}", chinese_number(n), text.trim()), true)
    };
    let year = s.onsite_start.or(s.feedback_date).map(|d| d.year());
    let org_text = c
        .organisation_text
        .clone()
        .unwrap_or_else(|| default_organisation_text(s))
        .replace(GROUP_PLACEHOLDER, &group_sentence(&s.leading_group, year))
        .replace(OFFICE_PLACEHOLDER, &office_sentence(&s.leading_group));
    let free = |key: &str, n: u32, h: &str, text: &str| {
        let mut ps = vec![heading(n, key, h)];
        ps.extend(lines(text).enumerate().map(|(i, l)| b.para(format!("{key}:{i}"), ParagraphKind::Body, l.into(), true)));
        Section { key: key.into(), paragraphs: ps }
    };
    sections.push(free("organisation", 1, &c.headings.organisation, &org_text));
    sections.push(free("process", 2, &c.headings.process, &c.process_text));

    // 三、 the ledger.
    let withheld_p: BTreeSet<i64> = c.withheld_problems.iter().copied().collect();
    let withheld_m: BTreeSet<i64> = c.withheld_measures.iter().copied().collect();
    let mut ps = vec![heading(3, "measures", &c.headings.measures)];
    let mut counts = ReportCounts::default();
    let (mut cat_no, mut prob_no) = (0, 0);
    for cat in &s.categories {
        // Withheld problems, and problems whose every measure is withheld, leave the public edition.
        let shown: Vec<_> = cat
            .problems
            .iter()
            .filter(|p| !withheld_p.contains(&p.id) && (p.measures.is_empty() || p.measures.iter().any(|m| !withheld_m.contains(&m.id))))
            .collect();
        if public && shown.is_empty() {
            continue;
        }
        cat_no += 1;
        counts.categories += 1;
        let label = category_label(if public { cat_no } else { cat.ordinal });
        let text = format!("{label}{}", cat.title.trim());
        ps.push(b.item(format!("category:{}", cat.id), ParagraphKind::Category, label, cat.title.trim(), text));
        for p in &cat.problems {
            let p_withheld = !shown.iter().any(|x| x.id == p.id);
            if public && p_withheld {
                continue;
            }
            prob_no += 1;
            counts.problems += 1;
            let label = problem_label(if public { prob_no } else { p.ordinal });
            let text = format!("{label} {}", p.title.trim());
            let mut para = b.item(format!("problem:{}", p.id), ParagraphKind::Problem, label, p.title.trim(), text);
            para.withheld = !public && p_withheld;
            ps.push(para);
            let mut m_no = 0;
            for m in &p.measures {
                let m_withheld = p_withheld || withheld_m.contains(&m.id);
                if public && m_withheld {
                    continue;
                }
                m_no += 1;
                counts.measures += 1;
                let label = measure_label(if public { m_no } else { m.ordinal });
                let wording = c.public_wording.iter().find(|w| w.measure_id == m.id).map(|w| w.text.as_str());
                let text = measure_text(&label, m, if public { wording } else { None });
                let mut para = b.item(format!("measure:{}", m.id), ParagraphKind::Measure, label, m.title.trim(), text);
                para.withheld = !public && m_withheld;
                para.reworded = !public && wording.is_some() && !m_withheld;
                if !public && wording.is_some() {
                    // What is masked is what the public wording would mask.
                    para.masks.clear();
                }
                ps.push(para);
            }
        }
    }
    sections.push(Section { key: "measures".into(), paragraphs: ps });
    sections.push(free("next_steps", 4, &c.headings.next_steps, &c.next_steps_text));

    let mut tail = vec![b.para("statement", ParagraphKind::Statement, statement(s, c), true)];
    for (n, l) in lines(&c.closing).enumerate() {
        tail.push(b.para(format!("closing:{n}"), ParagraphKind::Body, l.into(), true));
    }
    let ct = &c.contact;
    let phone = [ct.phone.trim(), ct.office.trim()].iter().filter(|x| !x.is_empty()).copied().collect::<Vec<_>>().join(" ");
    for (key, label, value) in [
        ("phone", "联系电话", phone.as_str()),
        ("address", "来访来信地址", ct.address.trim()),
        ("postcode", "邮政编码", ct.postcode.trim()),
    ] {
        if !value.is_empty() {
            tail.push(b.para(format!("contact:{key}"), ParagraphKind::Contact, format!("{label}：{value}"), false));
        }
    }
    tail.push(b.para("issuer", ParagraphKind::Issuer, c.issuer.trim().into(), false));
    if let Some(d) = c.dated {
        tail.push(b.para("date", ParagraphKind::Date, date_zh(d, None), false));
    }
    sections.push(Section { key: "tail".into(), paragraphs: tail });
    ReportModel { edition, title, sections, counts }
}

/// The 不宜公开事项 statement.
pub fn statement(s: &Snapshot, c: &ReportContent) -> String {
    let withheld_p: BTreeSet<i64> = c.withheld_problems.iter().copied().collect();
    let problems = s.problems().filter(|p| withheld_p.contains(&p.id)).count();
    let measures = s
        .problems()
        .filter(|p| !withheld_p.contains(&p.id))
        .flat_map(|p| p.measures.iter())
        .filter(|m| c.withheld_measures.contains(&m.id))
        .count();
    let what = match (problems, measures) {
        (0, 0) => return "经学校党委认真研究，认为本校巡察整改情况均可以向社会公开，无不宜公开事项。".into(),
        (p, 0) => format!("{p}个问题"),
        (0, m) => format!("{m}项整改措施"),
        (p, m) => format!("{p}个问题及{m}项整改措施"),
    };
    format!("经学校党委认真研究，本校巡察整改情况中有{what}涉及不宜公开事项，未在本稿中公开，其余整改情况均向社会公开。")
}

/// What differs between the editions, paragraph by paragraph, in the internal edition's order.
pub fn differences(internal: &ReportModel, public: &ReportModel) -> Vec<Difference> {
    let mut out = Vec::new();
    for p in internal.paragraphs() {
        let other = public.paragraphs().find(|q| q.key == p.key);
        let mut changes = Vec::new();
        if p.withheld {
            changes.push(ReportChange::Withheld);
        }
        if p.reworded {
            changes.push(ReportChange::Reworded);
        }
        let masks = match other {
            Some(q) if !q.masks.is_empty() => q.masks.clone(),
            _ if p.withheld => Vec::new(),
            _ => p.masks.clone(),
        };
        if !masks.is_empty() && !p.withheld {
            changes.push(ReportChange::Masked);
        }
        let relabelled = other.is_some_and(|q| q.label != p.label);
        if relabelled {
            changes.push(ReportChange::Renumbered);
        }
        if !changes.is_empty() {
            out.push(Difference {
                key: p.key.clone(),
                changes,
                masks: if p.withheld { Vec::new() } else { masks },
                internal_label: relabelled.then(|| p.label.clone()).flatten(),
                public_label: if relabelled { other.and_then(|q| q.label.clone()) } else { None },
            });
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::ledger::{GroupRole, MeasureKind};
    use crate::domain::reports::snapshot::{Member, SnapCategory, SnapProblem};

    pub fn measure(id: i64, ordinal: i32, title: &str, content: &str) -> SnapMeasure {
        SnapMeasure {
            id,
            ordinal,
            title: title.into(),
            content: content.into(),
            progress: String::new(),
            kind: MeasureKind::TimeBound,
            deadline: "2021-10-31".parse().ok(),
            responsible_leader: Some("覃守生".into()),
            lead_department: Some("党政办公室".into()),
            supporting_departments: vec!["教务处".into()],
            assignees: vec!["覃立明".into()],
            document_numbers: Vec::new(),
        }
    }

    pub fn snapshot() -> Snapshot {
        Snapshot {
            organisation: "长阳土家族自治县职业教育中心".into(),
            inspection_id: 1,
            inspection_title: "县委第三巡察组巡察反馈问题整改".into(),
            inspector: "县委第三巡察组".into(),
            onsite_start: "2021-03-15".parse().ok(),
            onsite_end: "2021-04-14".parse().ok(),
            feedback_date: "2021-07-23".parse().ok(),
            deadline: None,
            leading_group: vec![Member {
                name: "张红昌".into(),
                role: GroupRole::Leader,
                title: "校党委书记、校长".into(),
                from: None,
                until: None,
            }],
            people: vec!["覃立明".into()],
            categories: vec![
                SnapCategory {
                    id: 10,
                    ordinal: 1,
                    title: "履行职责使命方面".into(),
                    problems: vec![
                        SnapProblem {
                            id: 100,
                            ordinal: 1,
                            title: "理论武装不够问题".into(),
                            feedback: String::new(),
                            measures: vec![
                                measure(1000, 1, "强化思想武装", "强化思想武装。9 月份开始，坚持每次会议先学习。"),
                                measure(1001, 2, "强化理论武装", "强化理论武装。覃立明老师整理学习材料，节约资金30万元。"),
                            ],
                        },
                        SnapProblem {
                            id: 101,
                            ordinal: 2,
                            title: "落实不到位问题".into(),
                            feedback: String::new(),
                            measures: vec![measure(1002, 1, "规范学习制度", "规范学习制度。")],
                        },
                    ],
                },
                SnapCategory {
                    id: 11,
                    ordinal: 2,
                    title: "履行全面从严治党两个责任方面".into(),
                    problems: vec![SnapProblem {
                        id: 102,
                        ordinal: 3,
                        title: "压力传导层层递减问题".into(),
                        feedback: String::new(),
                        measures: vec![measure(1003, 1, "压实班子成员责任", "压实班子成员责任。书记要求提高站位。")],
                    }],
                },
            ],
        }
    }

    fn texts(m: &ReportModel) -> Vec<String> {
        m.paragraphs().map(|p| p.text.clone()).collect()
    }

    #[test]
    fn the_report_has_the_reference_structure() {
        let s = snapshot();
        let mut c = ReportContent::initial(&s);
        c.document_number = "长职组〔2021〕20号".into();
        c.dated = "2021-11-10".parse().ok();
        c.contact =
            Contact {
                phone: "0717-5315948".into(), office: "党政办公室".into(), address: "龙舟坪镇".into(), postcode: "443501".into()
            };
        let m = build(&s, &c, Edition::Public);
        let t = texts(&m);
        assert_eq!(t[0], "中共长阳土家族自治县职业教育中心委员会文件");
        assert_eq!(t[1], "长职组〔2021〕20号");
        assert_eq!(t[2], "中共长阳土家族自治县职业教育中心委员会关于巡察反馈问题整改情况的报告");
        assert_eq!(t[3], "（社会公开稿）");
        assert!(t[4].starts_with("根据县委统一部署，2021年3月15日至4月14日，县委第三巡察组对中共长阳土家族自治县职业教育中心委员会开展了巡察，7月23日反馈巡察意见。"), "{}", t[4]);
        assert!(t.iter().any(|x| x.contains("成立以校党委书记、校长张红昌为组长的巡察整改领导小组")));
        let heads: Vec<&str> = m.paragraphs().filter(|p| p.kind == ParagraphKind::Heading).map(|p| &p.text[..6]).collect();
        assert_eq!(heads, ["一、", "二、", "三、", "四、"]);
        assert!(t.contains(&"（一）履行职责使命方面".to_string()));
        assert!(t.contains(&"1. 理论武装不够问题".to_string()));
        assert!(t.contains(&"①强化思想武装。9 月份开始，坚持每次会议先学习。".to_string()));
        assert!(t.contains(&"3. 压力传导层层递减问题".to_string()));
        assert_eq!(m.counts, ReportCounts { categories: 2, problems: 3, measures: 4 });
        let tail: Vec<&String> = t.iter().rev().take(6).collect();
        assert_eq!(tail[0], "2021年11月10日");
        assert_eq!(tail[1], "中共长阳土家族自治县职业教育中心委员会");
        assert_eq!(tail[4], "联系电话：0717-5315948 党政办公室");
        assert!(t.iter().any(|x| x.ends_with("无不宜公开事项。")));
    }

    #[test]
    fn withheld_items_and_masks_change_only_the_public_edition() {
        let s = snapshot();
        let mut c = ReportContent::initial(&s);
        c.withheld_problems = vec![101];
        c.withheld_measures = vec![1000];
        c.redaction.names = true;
        c.redaction.amounts = true;
        c.public_wording = vec![PublicWording { measure_id: 1003, text: "已召开专题会议。".into() }];
        let internal = build(&s, &c, Edition::Internal);
        let public = build(&s, &c, Edition::Public);
        // Internal: everything, with the ledger's labels and texts, withheld items marked.
        let it = texts(&internal);
        assert!(it.contains(&"2. 落实不到位问题".to_string()));
        assert!(it.iter().any(|x| x.contains("覃立明老师") && x.contains("30万元")));
        let p101 = internal.paragraphs().find(|p| p.key == "problem:101").unwrap();
        assert!(p101.withheld);
        assert!(internal.paragraphs().find(|p| p.key == "measure:1000").unwrap().withheld);
        assert!(internal.paragraphs().find(|p| p.key == "measure:1003").unwrap().reworded);
        // Public: withheld items gone, the rest renumbered, names and amounts masked, wording replaced.
        let pt = texts(&public);
        assert!(!pt.iter().any(|x| x.contains("落实不到位") || x.contains("强化思想武装")));
        assert!(pt.contains(&"①强化理论武装。覃某某老师整理学习材料，节约资金××万元。".to_string()), "{pt:#?}");
        assert!(pt.contains(&"2. 压力传导层层递减问题".to_string()));
        assert!(pt.contains(&"①压实班子成员责任。已召开专题会议。".to_string()));
        assert!(pt.iter().any(|x| x.contains("有1个问题及1项整改措施涉及不宜公开事项")));
        assert_eq!(public.counts, ReportCounts { categories: 2, problems: 2, measures: 2 });
        // The differences name each change.
        let d = differences(&internal, &public);
        let of = |k: &str| d.iter().find(|x| x.key == k).map(|x| x.changes.clone()).unwrap_or_default();
        assert_eq!(of("problem:101"), [ReportChange::Withheld]);
        assert_eq!(of("measure:1000"), [ReportChange::Withheld]);
        assert_eq!(of("measure:1001"), [ReportChange::Masked, ReportChange::Renumbered]);
        assert_eq!(of("measure:1003"), [ReportChange::Reworded]);
        assert_eq!(of("problem:102"), [ReportChange::Renumbered]);
        let masked = d.iter().find(|x| x.key == "measure:1001").unwrap();
        assert_eq!(masked.masks.len(), 2);
        // The internal text under a mask is the name.
        let text: Vec<char> = internal.paragraphs().find(|p| p.key == "measure:1001").unwrap().text.chars().collect();
        assert_eq!(text[masked.masks[0].start..masked.masks[0].end].iter().collect::<String>(), "覃立明");
    }

    #[test]
    fn a_measure_reads_its_progress_and_the_numbers_of_its_evidence() {
        let mut m = measure(1, 1, "修订制度", "修订制度。修订《党委议事规则》。");
        assert_eq!(measure_text("①", &m, None), "①修订制度。修订《党委议事规则》。");
        let cut = measure(2, 1, "转变作风，抓早抓小，…", "转变作风，抓早抓小，加大提醒谈话力度。");
        assert_eq!(measure_text("①", &cut, None), "①转变作风，抓早抓小，加大提醒谈话力度。");
        m.progress = "已印发《党委议事规则》（长职组〔2021〕16号）。".into();
        m.document_numbers = vec!["长职组〔2021〕16号".into(), "长职组〔2021〕10号".into()];
        assert_eq!(measure_text("①", &m, None), "①修订制度。已印发《党委议事规则》（长职组〔2021〕16号）。（文号：长职组〔2021〕10号）");
        assert_eq!(measure_text("②", &m, Some("已完成。")), "②修订制度。已完成。（文号：长职组〔2021〕16号、长职组〔2021〕10号）");
    }
}
