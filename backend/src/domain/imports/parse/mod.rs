//! The text of an official document about an inspection (the feedback, a rectification plan or
//! a progress report) becomes a draft ledger: categories → problems → measures, the
//! inspection's metadata, the parts outside the problems as text, and what it was unsure of.
//!
//! The problems part is found by what its headings say (…方面, …问题), not by its position:
//! reports open with parts about how the work was organised that are numbered the same way.

mod clean;
mod fields;
mod label;
mod meta;
mod outline;

pub(crate) use clean::is_page_number;

use std::sync::LazyLock;

use regex::Regex;

use self::clean::Para;
use self::outline::Node;
use super::{BlockKind, Confidence, CountOf, Draft, DraftCategory, DraftMeasure, DraftProblem, Lines, TextBlock, Warning};

/// Where the parts after the problems end and the closing words begin.
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:欢迎|联系电话|联系人|联系方式|来访|来信|通信地址|邮政编码|邮编|电子邮箱|举报电话|特此报告|特此通报|附件)|向社会公开|无不宜公开|监督电话")
        .expect("closing pattern")
});
/// Words after which only the closing and the attachments follow.
static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:特此(?:报告|通报|说明)|附件)").expect("sign-off pattern"));
/// A lead-in that says what follows is about the problem (what the feedback found).
static FEEDBACK_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:问题表现|具体表现|表现为|存在问题|主要问题|问题描述|问题内容|巡察指出|巡察发现|反馈问题|反馈意见|反馈指出)\s*[:：]")
        .expect("lead-in pattern")
});
/// A lead-in that says what follows is what was or will be done.
static MEASURE_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:整改措施|整改举措|整改情况|整改落实情况|落实情况|整改进展|整改进度|整改任务|主要措施|措施)\s*[:：]")
        .expect("lead-in pattern")
});
/// Any lead-in where it starts a sentence inside a paragraph.
static ANY_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:问题表现|具体表现|存在问题|主要问题|问题描述|巡察指出|巡察发现|反馈问题|整改措施|整改举措|整改情况|整改落实情况|落实情况|整改进展|整改任务)\s*[:：]").expect("lead-in pattern")
});
/// 关于“理论武装不够”问题的整改情况.
static ABOUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^关于\s*[“"「『]?(.+?)[”"」』]?\s*(?:的)?\s*(问题)?(?:的)?(?:整改(?:落实)?(?:情况)?)?\s*[:：。]?$"#)
        .expect("about pattern")
});

/// The longest heading kept whole as a title.
pub(super) const MAX_TITLE: usize = 60;

/// Parses the lines of a document (as the source view numbers them).
pub fn parse(lines: &[String]) -> Draft {
    let mut draft = Draft::empty();
    let (paras, _) = clean::paragraphs(lines);
    if paras.is_empty() {
        draft.warnings.push(Warning::new("empty_document", "文档中没有可识别的文字"));
        return draft;
    }
    // The closing words follow the last numbered paragraph, or begin with 特此报告 or the list
    // of attachments, whose items are numbered too.
    let first_labelled = paras.iter().position(|p| label::at_start(&p.text).is_some());
    let last_labelled = paras.iter().rposition(|p| label::at_start(&p.text).is_some());
    let sign_off = first_labelled.and_then(|i| paras[i..].iter().position(|p| SIGN_OFF.is_match(&p.text)).map(|k| i + k));
    let closing_at = last_labelled
        .and_then(|i| paras[i + 1..].iter().position(|p| CLOSING.is_match(&p.text)).map(|k| i + 1 + k))
        .into_iter()
        .chain(sign_off)
        .min()
        .unwrap_or(paras.len());
    let (body, closing) = paras.split_at(closing_at);
    let root = outline::build(body);

    draft.metadata = meta::extract(&root.body, &paras, &mut draft.warnings);
    // The feedback itself (反馈意见), not a report on its rectification (…反馈意见整改情况的报告).
    let feedback_doc = draft.metadata.title.as_deref().is_some_and(|t| t.contains("反馈") && !t.contains("整改"));
    if let Some(intro) = intro(&root.body, draft.metadata.title.as_deref()) {
        draft.blocks.push(intro);
    }

    let mut categories: Vec<&Node> = Vec::new();
    let shape = shape(&root);
    if matches!(shape, Shape::Flat) && !root.children.is_empty() {
        draft.categories.extend(single_category(&root, feedback_doc));
    }
    for (i, top) in root.children.iter().enumerate() {
        match &shape {
            Shape::TopsAreCategories(tops) if tops.contains(&i) => categories.push(top),
            Shape::Within(part) if *part == i => {
                if top.children.iter().filter(|c| categoryish(c)).count() * 2 >= top.children.len() {
                    categories.extend(top.children.iter());
                } else {
                    draft.categories.extend(single_category(top, feedback_doc));
                }
            }
            Shape::Flat => {}
            _ => draft.blocks.push(block(top)),
        }
    }
    for c in categories {
        let problems: Vec<DraftProblem> = c.children.iter().filter_map(|p| problem(p, feedback_doc)).collect();
        if problems.is_empty() && c.text.trim().is_empty() {
            continue;
        }
        let mut warnings = Vec::new();
        if problems.is_empty() {
            warnings.push(Warning::new("no_problems_in_category", "该类别下未识别出问题").at(c.lines));
        }
        draft.categories.push(DraftCategory {
            label: c.label_text().to_string(),
            title: heading(&c.text),
            problems,
            lines: Some(c.lines),
            warnings,
        });
    }
    if !closing.is_empty() {
        draft.blocks.push(TextBlock {
            kind: BlockKind::Closing,
            heading: None,
            text: closing.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("\n"),
            lines: closing[0].lines.to(closing[closing.len() - 1].lines),
        });
    }
    check(&mut draft, &paras, feedback_doc);
    draft
}

/// Which of the top-level items hold the problems.
enum Shape {
    /// These top-level items are the categories (（一）…方面 with no parts around them).
    TopsAreCategories(Vec<usize>),
    /// This part holds the problems: its items are categories, or problems of one category.
    Within(usize),
    /// A plain list of problems.
    Flat,
}

fn shape(root: &Node) -> Shape {
    let tops = &root.children;
    let cats: Vec<usize> = (0..tops.len()).filter(|&i| categoryish(&tops[i])).collect();
    if !cats.is_empty() && (cats.len() >= 2 || tops.len() == 1) {
        return Shape::TopsAreCategories(cats);
    }
    let score = |t: &Node| {
        let c = t.children.iter().filter(|c| categoryish(c)).count();
        let p = t.children.iter().filter(|c| problemish(c)).count();
        (c, p)
    };
    // A part whose items are categories.
    if let Some(i) = (0..tops.len()).filter(|&i| score(&tops[i]).0 > 0).max_by_key(|&i| (score(&tops[i]).0, tops[i].depth())) {
        return Shape::Within(i);
    }
    // Parts whose items are problems: several such parts are the categories themselves.
    let with_problems: Vec<usize> =
        (0..tops.len()).filter(|&i| score(&tops[i]).1 > 0 || (tops[i].depth() >= 3 && !nonproblem_part(&tops[i]))).collect();
    match with_problems.as_slice() {
        [] => Shape::Flat,
        [one] => Shape::Within(*one),
        many => Shape::TopsAreCategories(many.to_vec()),
    }
}

fn short_heading(text: &str) -> Option<&str> {
    let t = text.trim().trim_end_matches(['：', ':', '。']);
    (t.chars().count() <= 40 && !t.contains('。')).then_some(t)
}

/// （一）履行职责使命方面, 一、关于党的建设方面存在的问题.
fn categoryish(n: &Node) -> bool {
    short_heading(&n.text).is_some_and(|t| t.contains("方面")) && !n.children.is_empty()
}

/// 1. 理论武装不够问题, 关于“…”问题的整改情况.
fn problemish(n: &Node) -> bool {
    let first = n.text.split(['。', '：', ':']).next().unwrap_or("");
    first.chars().count() <= MAX_TITLE && (first.ends_with("问题") || first.contains("问题的整改") || ABOUT.is_match(first))
}

/// Parts about the organisation of the work or what comes next, which are numbered like the
/// problems but are not.
fn nonproblem_part(n: &Node) -> bool {
    matches!(block_kind(&n.text), BlockKind::Organisation | BlockKind::NextSteps)
}

fn block_kind(heading: &str) -> BlockKind {
    let h = heading;
    if ["下一步", "巩固", "今后", "长效", "持续", "深化"].iter().any(|w| h.contains(w)) {
        BlockKind::NextSteps
    } else if ["组织", "领导", "站位", "部署", "认识", "重视", "程序", "机制", "工作开展", "基本情况"].iter().any(|w| h.contains(w))
    {
        BlockKind::Organisation
    } else {
        BlockKind::Other
    }
}

/// A heading as the ledger names it: 关于“理论武装不够”问题的整改情况 → 理论武装不够问题,
/// 关于党的领导弱化方面的问题 → 党的领导弱化方面.
fn heading(text: &str) -> String {
    let t = text.trim().trim_end_matches(['：', ':', '。', '；', ';']);
    let Some(c) = ABOUT.captures(t) else { return t.to_string() };
    // Quotes inside the quotes that were taken off become the outer kind.
    let inner = c[1].replace('‘', "“").replace('’', "”");
    let inner = inner.trim_end_matches('的');
    if c.get(2).is_none() || inner.ends_with("方面") {
        inner.to_string()
    } else {
        format!("{}问题", inner.trim_end_matches("问题"))
    }
}

/// The text before the first part, after the title.
fn intro(front: &[Para], title: Option<&str>) -> Option<TextBlock> {
    let start = match title {
        Some(t) => front.iter().position(|p| meta::close_up(&p.text) == t).map_or(0, |i| i + 1),
        None => 0,
    };
    let paras: Vec<&Para> = front[start..].iter().filter(|p| p.text.chars().count() > 20 || p.text.ends_with('。')).collect();
    let (first, last) = (paras.first()?, paras.last()?);
    Some(TextBlock {
        kind: BlockKind::Intro,
        heading: None,
        text: paras.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("\n"),
        lines: first.lines.to(last.lines),
    })
}

/// A part outside the problems, as text: its heading, its paragraphs, its items with their labels.
fn block(n: &Node) -> TextBlock {
    fn lines_of(n: &Node, out: &mut Vec<String>) {
        for b in &n.body {
            out.push(b.text.clone());
        }
        for c in &n.children {
            out.push(format!("{}{}", c.label_text(), c.text));
            lines_of(c, out);
        }
    }
    let mut out = Vec::new();
    lines_of(n, &mut out);
    TextBlock { kind: block_kind(&n.text), heading: Some(heading(&n.text)), text: out.join("\n"), lines: n.span() }
}

/// The problems of a part that has no categories, as one category.
fn single_category(part: &Node, feedback_doc: bool) -> Option<DraftCategory> {
    let problems: Vec<DraftProblem> = part.children.iter().filter_map(|p| problem(p, feedback_doc)).collect();
    if problems.is_empty() {
        return None;
    }
    let title = short_heading(&part.text).filter(|t| t.contains("问题")).map(heading).unwrap_or_else(|| "巡察反馈问题".to_string());
    Some(DraftCategory {
        label: part.label_text().to_string(),
        title,
        problems,
        lines: Some(part.lines),
        warnings: vec![Warning::new("no_categories", "文中没有问题类别，问题已归入一个类别，可修改类别名称").at(part.lines)],
    })
}

/// A problem's title and what its paragraph says after it.
fn split_title(text: &str) -> (String, String, bool) {
    let t = text.trim();
    if let Some(i) = t.find(['。', '：', ':']) {
        let head = &t[..i];
        if !head.is_empty() && head.chars().count() <= MAX_TITLE {
            let sep = t[i..].chars().next().map_or(0, char::len_utf8);
            return (heading(head), t[i + sep..].trim().to_string(), false);
        }
    }
    if t.chars().count() <= MAX_TITLE {
        return (heading(t), String::new(), false);
    }
    let short: String = t.chars().take(40).collect();
    (format!("{short}…"), t.to_string(), true)
}

/// Sorts the text under a problem into what the feedback found and what was done.
fn sort_content(pieces: &[(String, Lines)], feedback_doc: bool) -> (Vec<String>, Vec<(String, Lines)>) {
    let mut feedback = Vec::new();
    let mut measures = Vec::new();
    for (text, lines) in pieces {
        // A paragraph may hold several lead-ins: 问题表现：… 整改措施：…
        let mut cuts: Vec<usize> = ANY_LEAD
            .find_iter(text)
            .filter(|m| m.start() == 0 || text[..m.start()].ends_with(['。', '；', ';', ' ']))
            .map(|m| m.start())
            .collect();
        if cuts.first() != Some(&0) {
            cuts.insert(0, 0);
        }
        cuts.push(text.len());
        for w in cuts.windows(2) {
            let piece = text[w[0]..w[1]].trim();
            if piece.is_empty() {
                continue;
            }
            if let Some(m) = FEEDBACK_LEAD.find(piece) {
                feedback.push(piece[m.end()..].trim().to_string());
            } else if let Some(m) = MEASURE_LEAD.find(piece) {
                measures.push((piece[m.end()..].trim().to_string(), *lines));
            } else if feedback_doc {
                feedback.push(piece.to_string());
            } else {
                measures.push((piece.to_string(), *lines));
            }
        }
    }
    (feedback.into_iter().filter(|f| !f.is_empty()).collect(), measures.into_iter().filter(|(m, _)| !m.is_empty()).collect())
}

/// Measures written inline: 一是…二是…, or separated by ；.
fn split_inline(text: &str, lines: Lines) -> Vec<DraftMeasure> {
    let marks = label::inline_shi(text);
    let measure =
        |label: String, text: &str| DraftMeasure { label, text: text.trim().to_string(), lines: Some(lines), ..Default::default() };
    if !marks.is_empty() {
        let mut out = Vec::new();
        // What comes before 一是 is kept: a measure without a label, to keep or delete.
        let preface = text[..marks[0].0].trim().trim_end_matches(['：', ':']);
        if !preface.is_empty() {
            out.push(measure(String::new(), preface));
        }
        for (k, &(at, n)) in marks.iter().enumerate() {
            let end = marks.get(k + 1).map_or(text.len(), |m| m.0);
            let piece = &text[at..end];
            let l = label::at_start(piece).map_or(0, |l| l.len);
            let label = format!("{}是", label::chinese_numeral(n));
            out.push(measure(
                label,
                piece[l..].trim_start_matches(['，', ',', '：', ':']).trim_end().trim_end_matches(['；', ';', '，', ',']),
            ));
        }
        return out;
    }
    let parts: Vec<&str> = text.split(['；', ';']).map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.len() >= 2 && parts.iter().all(|p| p.chars().count() >= 4) {
        return parts.iter().map(|p| measure(String::new(), p)).collect();
    }
    vec![measure(String::new(), text)]
}

/// The measures of an item: one, or those it lists inline when it starts with 一是.
fn measures_of(n: &Node) -> Vec<DraftMeasure> {
    if n.label.as_ref().is_some_and(|l| l.style == label::Style::Shi) {
        let text = format!("{}{}", n.label_text(), n.full_text());
        if label::inline_shi(&text).len() >= 2 {
            return split_inline(&text, n.span());
        }
    }
    measure(n).into_iter().collect()
}

fn measure(n: &Node) -> Option<DraftMeasure> {
    let text = n.full_text();
    let text = MEASURE_LEAD.find(&text).map_or(text.as_str(), |m| &text[m.end()..]).trim();
    // A label with nothing after it is not a measure.
    (!text.is_empty())
        .then(|| with_fields(DraftMeasure { label: n.label_text().to_string(), lines: Some(n.span()), ..Default::default() }, text))
}

/// A measure with its text, and who is responsible by when where the text says it.
fn with_fields(mut m: DraftMeasure, text: &str) -> DraftMeasure {
    let (rest, f) = fields::take(text);
    m.text = if rest.is_empty() { text.to_string() } else { rest };
    apply(&mut m, f);
    m
}

fn apply(m: &mut DraftMeasure, f: fields::Fields) {
    if let Some(d) = &f.unread_deadline {
        let mut w = Warning::new("unread_deadline", format!("无法识别完成时限“{d}”，请填写日期"));
        w.lines = m.lines;
        m.warnings.push(w);
    }
    m.responsible_leader = m.responsible_leader.take().or(f.responsible_leader);
    m.lead_department = m.lead_department.take().or(f.lead_department);
    if m.supporting_departments.is_empty() {
        m.supporting_departments = f.supporting_departments;
    }
    if m.assignees.is_empty() {
        m.assignees = f.assignees;
    }
    m.deadline = m.deadline.or(f.deadline);
    m.kind = m.kind.take().or(f.kind);
}

/// A problem, unless its item has nothing in it but a label.
fn problem(p: &Node, feedback_doc: bool) -> Option<DraftProblem> {
    let (title, rest, long) = split_title(&p.text);
    let mut warnings = Vec::new();
    if long {
        warnings.push(Warning::new("long_title", "问题标题过长，已截取开头作为标题，全文保留在问题描述中").at(p.lines));
    }
    let mut pieces = Vec::new();
    if !rest.is_empty() {
        pieces.push((rest, p.lines));
    }
    pieces.extend(p.body.iter().map(|b| (b.text.clone(), b.lines)));
    // Who is responsible for the whole problem, written under its title.
    let mut shared = fields::Fields::default();
    pieces.retain_mut(|(text, _)| {
        let (rest, f) = fields::take(text);
        if f.is_empty() {
            return true;
        }
        shared = f;
        *text = rest;
        !text.is_empty()
    });
    let (mut feedback, loose) = sort_content(&pieces, feedback_doc);
    let mut measures = Vec::new();
    // Four levels: items under the problem that have items of their own quote the feedback.
    let nested = p.children.iter().filter(|c| !c.children.is_empty()).count();
    let four_levels = nested > 0 && nested * 2 >= p.children.len();
    for c in &p.children {
        if four_levels && !c.children.is_empty() {
            let quoted = format!("{}{}", c.text, c.body_text());
            let quoted = if quoted.trim().is_empty() { Vec::new() } else { vec![(format!("{}{quoted}", c.label_text()), c.lines)] };
            let (fb, more) = sort_content(&quoted, true);
            feedback.extend(fb);
            measures.extend(more.into_iter().flat_map(|(t, l)| split_inline(&t, l)));
            measures.extend(c.children.iter().flat_map(measures_of));
        } else {
            measures.extend(measures_of(c));
        }
    }
    if p.children.is_empty() {
        measures.extend(loose.into_iter().flat_map(|(t, l)| split_inline(&t, l)));
    } else if !loose.is_empty() {
        // Text between the title and the numbered measures says what the problem is.
        feedback.extend(loose.into_iter().map(|(t, _)| t));
    }
    if title.is_empty() && measures.is_empty() && feedback.is_empty() {
        return None;
    }
    let (responsible_leader, lead_department) = (shared.responsible_leader.clone(), shared.lead_department.clone());
    for m in &mut measures {
        apply(m, shared.clone());
    }
    if title.is_empty() {
        warnings.push(Warning::new("no_title", "该问题只有编号，没有标题，请补写").at(p.lines));
    }
    if measures.is_empty() && !feedback_doc {
        warnings.push(Warning::new("no_measures", "未识别出该问题的整改措施").at(p.lines));
    }
    Some(DraftProblem {
        label: p.label_text().to_string(),
        title,
        feedback: feedback.join("\n"),
        responsible_leader,
        lead_department,
        measures,
        lines: Some(p.span()),
        warnings,
        ..Default::default()
    })
}

/// Compares the declared figures with the ledger, flags gaps in the numbering, says how sure.
fn check(draft: &mut Draft, paras: &[Para], feedback_doc: bool) {
    let (c, p, m) = draft.counts();
    draft.declared = meta::declared(paras);
    let mut mismatches = 0;
    for d in &mut draft.declared {
        let (parsed, noun) = match d.of {
            CountOf::Categories => (c, "个方面"),
            CountOf::Problems => (p, "个问题"),
            CountOf::Measures => (m, "条整改措施"),
            _ => continue,
        };
        d.parsed = Some(parsed as u32);
        if parsed as u32 != d.declared {
            mismatches += 1;
            draft.warnings.push(
                Warning::new("count_mismatch", format!("文中写明共 {}{noun}，识别出 {parsed}{noun}，请核对", d.declared, noun = noun))
                    .at(d.lines),
            );
        }
    }
    let mut gaps = 0;
    let mut gap = |labels: Vec<(Option<label::Label>, Option<Lines>)>, warnings: &mut Vec<Warning>| {
        let mut prev: Option<u32> = None;
        for (l, lines) in labels {
            let Some(l) = l else { continue };
            if let Some(n) = prev.filter(|&n| l.number != n + 1 && l.number != 1) {
                gaps += 1;
                let mut w = Warning::new("numbering_gap", format!("编号从 {n} 跳到 {}，可能漏识别或多识别了一项", l.number));
                w.lines = lines;
                warnings.push(w);
            }
            prev = Some(l.number);
        }
    };
    let problem_labels: Vec<_> = draft.categories.iter().flat_map(|c| &c.problems).map(|p| (label::at_start(&p.label), p.lines)).collect();
    gap(problem_labels, &mut draft.warnings);
    for cat in &mut draft.categories {
        for pr in &mut cat.problems {
            let labels = pr.measures.iter().map(|m| (label::at_start(&m.label), m.lines)).collect();
            gap(labels, &mut pr.warnings);
        }
    }
    if p == 0 {
        draft.warnings.push(Warning::new(
            "no_problems",
            "未识别出问题清单：请检查文档是否按“（一）…方面”“1. …问题”“①…”等方式编号，或改用台账表格导入",
        ));
    }
    let node_warnings: usize = draft.categories.iter().flat_map(|c| &c.problems).map(|p| p.warnings.len()).sum();
    draft.confidence = if p == 0 || (m == 0 && !feedback_doc) {
        Confidence::Low
    } else if mismatches > 0 || gaps > 0 || node_warnings * 10 > p {
        Confidence::Medium
    } else {
        Confidence::High
    };
}

#[cfg(test)]
mod tests;
