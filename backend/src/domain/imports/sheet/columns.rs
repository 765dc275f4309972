//! Which sheet holds the ledger, which rows are its header and what each column holds.

use super::super::{Merge, Table};
use super::cells::split_label;
use super::{column_letter, Column, Field, Saved, SheetLayout, MAX_COLUMNS};

/// Rows from the top where the header is looked for: a title, a note or two come first.
const HEADER_SEARCH: usize = 10;
/// A header is a few words; longer cells are a title or data.
const HEADER_MAX_CHARS: usize = 20;

/// Header words, compared once spaces and punctuation are gone. `None`: a column known to
/// hold nothing the draft takes (序号, 备注, the export's sign-off and extension columns).
const WORDS: &[(&str, Option<Field>)] = &[
    ("问题类别", Some(Field::Category)),
    ("类别", Some(Field::Category)),
    ("方面", Some(Field::Category)),
    ("问题分类", Some(Field::Category)),
    ("问题类型", Some(Field::Category)),
    ("问题方面", Some(Field::Category)),
    ("问题", Some(Field::Problem)),
    ("存在问题", Some(Field::Problem)),
    ("存在的问题", Some(Field::Problem)),
    ("问题清单", Some(Field::Problem)),
    ("反馈问题", Some(Field::Problem)),
    ("巡察反馈问题", Some(Field::Problem)),
    ("问题描述", Some(Field::Problem)),
    ("主要问题", Some(Field::Problem)),
    ("具体问题", Some(Field::Problem)),
    ("问题内容", Some(Field::Problem)),
    ("问题表现", Some(Field::Feedback)),
    ("具体表现", Some(Field::Feedback)),
    ("问题具体表现", Some(Field::Feedback)),
    ("主要表现", Some(Field::Feedback)),
    ("表现形式", Some(Field::Feedback)),
    ("反馈意见", Some(Field::Feedback)),
    ("整改措施", Some(Field::Measure)),
    ("措施", Some(Field::Measure)),
    ("任务清单", Some(Field::Measure)),
    ("整改任务", Some(Field::Measure)),
    ("整改举措", Some(Field::Measure)),
    ("具体措施", Some(Field::Measure)),
    ("措施类型", Some(Field::Kind)),
    ("整改类型", Some(Field::Kind)),
    ("整改时限类型", Some(Field::Kind)),
    ("整改时效", Some(Field::Kind)),
    ("时效", Some(Field::Kind)),
    ("整改方式", Some(Field::Kind)),
    ("责任领导", Some(Field::ResponsibleLeader)),
    ("分管领导", Some(Field::ResponsibleLeader)),
    ("牵头领导", Some(Field::ResponsibleLeader)),
    ("责任校领导", Some(Field::ResponsibleLeader)),
    ("分管校领导", Some(Field::ResponsibleLeader)),
    ("牵头单位", Some(Field::LeadDepartment)),
    ("牵头处室", Some(Field::LeadDepartment)),
    ("牵头部门", Some(Field::LeadDepartment)),
    ("牵头科室", Some(Field::LeadDepartment)),
    ("责任单位", Some(Field::LeadDepartment)),
    ("责任部门", Some(Field::LeadDepartment)),
    ("责任处室", Some(Field::LeadDepartment)),
    ("责任科室", Some(Field::LeadDepartment)),
    // 三个清单: 问题清单、任务清单、责任清单; the last names who answers for the task.
    ("责任清单", Some(Field::LeadDepartment)),
    ("配合单位", Some(Field::SupportingDepartments)),
    ("配合部门", Some(Field::SupportingDepartments)),
    ("配合处室", Some(Field::SupportingDepartments)),
    ("配合科室", Some(Field::SupportingDepartments)),
    ("协办", Some(Field::SupportingDepartments)),
    ("协办单位", Some(Field::SupportingDepartments)),
    ("责任人", Some(Field::Assignees)),
    ("具体责任人", Some(Field::Assignees)),
    ("直接责任人", Some(Field::Assignees)),
    ("经办人", Some(Field::Assignees)),
    ("承办人", Some(Field::Assignees)),
    ("完成时限", Some(Field::Deadline)),
    ("整改时限", Some(Field::Deadline)),
    ("完成时间", Some(Field::Deadline)),
    ("时限", Some(Field::Deadline)),
    ("整改期限", Some(Field::Deadline)),
    ("完成期限", Some(Field::Deadline)),
    ("截止时间", Some(Field::Deadline)),
    ("截止日期", Some(Field::Deadline)),
    ("完成日期", Some(Field::Deadline)),
    ("整改进展", Some(Field::Progress)),
    ("进展情况", Some(Field::Progress)),
    ("完成情况", Some(Field::Progress)),
    ("整改情况", Some(Field::Progress)),
    ("进展", Some(Field::Progress)),
    ("整改进度", Some(Field::Progress)),
    ("推进情况", Some(Field::Progress)),
    ("落实情况", Some(Field::Progress)),
    ("整改完成情况", Some(Field::Progress)),
    ("序号", None),
    ("编号", None),
    ("备注", None),
    ("原定时限", None),
    ("原时限", None),
    ("延期", None),
    ("延期次数", None),
    ("状态", None),
    ("整改状态", None),
    ("佐证材料", None),
    ("审核人", None),
    ("审核时间", None),
    ("审批人", None),
    ("审批时间", None),
    ("核验人", None),
    ("核验时间", None),
    ("销号人", None),
    ("销号时间", None),
    ("是否销号", None),
];

/// A header as compared: letters and digits only, so that 完成\n时限 and “完成时限：” are the
/// same header. Saved mappings are keyed by it.
pub fn normalise_header(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// How sure a column's field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    /// The header contains a known word.
    Contains = 2,
    /// The header is a known word.
    Exact = 3,
    /// The organisation chose it before.
    Saved = 4,
}

fn guess(norm: &str) -> Option<(Option<Field>, Strength)> {
    if norm.is_empty() || norm.chars().count() > HEADER_MAX_CHARS {
        return None;
    }
    if let Some((_, f)) = WORDS.iter().find(|(w, _)| *w == norm) {
        return Some((*f, Strength::Exact));
    }
    // A Chinese heading ends with what it is about (整改措施完成情况 is progress, 问题整改措施 a
    // measure): the word that ends last wins, then the longest.
    WORDS
        .iter()
        .filter_map(|(w, f)| norm.rfind(w).map(|at| ((at + w.len(), w.len()), *f)))
        .max_by_key(|(key, _)| *key)
        .map(|(_, f)| (f, Strength::Contains))
}

/// A header cell's text on one line: header cells wrap with line breaks and pad with spaces.
fn display(s: &str) -> String {
    let mut out = String::new();
    for part in s.split_whitespace() {
        let ascii_join =
            out.chars().last().is_some_and(|c| c.is_ascii_alphanumeric()) && part.starts_with(|c: char| c.is_ascii_alphanumeric());
        if ascii_join {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

fn cell(t: &Table, r: usize, c: usize) -> &str {
    t.rows.get(r).and_then(|row| row.get(c)).map_or("", |s| s.trim())
}

fn covers(m: &Merge, r: usize, c: usize) -> bool {
    (m.first_row..=m.last_row).contains(&r) && (m.first_col..=m.last_col).contains(&c)
}

/// A cell of the header band: its own text, or that of a merged range over it starting in the
/// band (责任主体 over 责任领导 and 牵头单位; 序号 over both header rows).
fn band_text<'a>(t: &'a Table, merges: &[Merge], first: usize, r: usize, c: usize) -> &'a str {
    match merges.iter().find(|m| covers(m, r, c)) {
        Some(m) if m.first_row >= first => cell(t, m.first_row, m.first_col),
        Some(_) => "",
        None => cell(t, r, c),
    }
}

struct Candidate {
    first: usize,
    last: usize,
    /// Fields named by the band's top row alone (where nothing below names the column).
    from_top: usize,
    columns: Vec<(Column, Option<Strength>)>,
    /// None when the band names neither problems nor measures.
    score: Option<i32>,
}

fn map_band(t: &Table, merges: &[Merge], first: usize, last: usize, width: usize, saved: &Saved) -> Candidate {
    let mut tops = Vec::with_capacity(width);
    let mut columns: Vec<(Column, Option<Strength>)> = (0..width)
        .map(|c| {
            // The lowest label over the column: a group's own columns are named below it.
            let (label_row, label) =
                (first..=last).rev().map(|r| (r, band_text(t, merges, first, r, c))).find(|(_, s)| !s.is_empty()).unwrap_or((first, ""));
            tops.push(label_row == first);
            let header = display(label);
            let norm = normalise_header(&header);
            let (field, strength) = match saved.get(&norm) {
                Some(f) => (*f, Some(Strength::Saved)),
                // A numbered text (1.问题一, ①措施一) is data, whatever words it holds.
                None if !split_label(&header).0.is_empty() => (None, None),
                None => guess(&norm).map_or((None, None), |(f, s)| (f, Some(s))),
            };
            (Column { index: c, letter: column_letter(c), header, field }, strength)
        })
        .collect();
    let has = |cols: &[(Column, Option<Strength>)], f: Field| cols.iter().any(|(c, _)| c.field == Some(f));
    // 反馈意见 next to 问题 says more about the problem; alone, it is the problem.
    if !has(&columns, Field::Problem) {
        if let Some((c, _)) = columns.iter_mut().find(|(c, s)| c.field == Some(Field::Feedback) && *s != Some(Strength::Saved)) {
            c.field = Some(Field::Problem);
        }
    }
    // One column per field: the surest, then the leftmost.
    for f in Field::ALL {
        let best =
            columns.iter().filter(|(c, _)| c.field == Some(f)).max_by_key(|(c, s)| (*s, std::cmp::Reverse(c.index))).map(|(c, _)| c.index);
        for (c, s) in columns.iter_mut() {
            if c.field == Some(f) && Some(c.index) != best {
                c.field = None;
                *s = None;
            }
        }
    }
    let named = has(&columns, Field::Problem) || has(&columns, Field::Measure);
    let score = named.then(|| {
        let fields: i32 = columns.iter().filter(|(c, _)| c.field.is_some()).map(|(_, s)| s.map_or(0, |s| s as i32)).sum();
        // Problem and measure columns make a ledger, when their headers say so plainly.
        let key = |f: Field| if columns.iter().any(|(c, s)| c.field == Some(f) && *s >= Some(Strength::Exact)) { 3 } else { 0 };
        fields + key(Field::Problem) + key(Field::Measure)
    });
    let from_top = columns.iter().zip(&tops).filter(|((c, _), top)| **top && c.field.is_some()).count();
    Candidate { first, last, from_top, columns, score }
}

/// Whether a row reads as the lower labels of a two-row header: short cells, one of them a
/// known header word.
fn sub_labels(t: &Table, r: usize, saved: &Saved) -> bool {
    let Some(row) = t.rows.get(r) else { return false };
    let norms: Vec<String> = row.iter().map(|s| normalise_header(s)).filter(|s| !s.is_empty()).collect();
    norms.iter().all(|s| s.chars().count() <= HEADER_MAX_CHARS)
        && norms.iter().any(|s| saved.contains_key(s) || WORDS.iter().any(|(w, f)| f.is_some() && w == s))
}

/// The last row of a header band from `first` to at least `last`: ranges merged down from a
/// band row take their rows in, up to three rows below the first.
fn band_end(merges: &[Merge], first: usize, last: usize, height: usize) -> usize {
    let cap = (first + 3).min(height.saturating_sub(1));
    let mut end = last.min(cap);
    loop {
        let further = merges.iter().filter(|m| (first..=end).contains(&m.first_row)).map(|m| m.last_row).max().unwrap_or(end).min(cap);
        if further <= end {
            return end;
        }
        end = further;
    }
}

fn band_end_of_two(merges: &[Merge], first: usize, height: usize) -> usize {
    band_end(merges, first, first + 1, height)
}

fn row_is_empty(t: &Table, r: usize) -> bool {
    t.rows.get(r).is_none_or(|row| row.iter().all(|s| s.trim().is_empty()))
}

/// The sheet and header that best look like a ledger's, with what each column holds: the
/// organisation's `saved` choices (header → field) first, then the header words. None when no
/// sheet has a problem or measure column within its first rows.
pub fn detect(tables: &[Table], saved: &Saved) -> Option<SheetLayout> {
    let saved: Saved = saved.iter().map(|(h, f)| (normalise_header(h), *f)).filter(|(h, _)| !h.is_empty()).collect();
    let mut best: Option<((i32, bool), usize, Candidate)> = None;
    for (i, t) in tables.iter().enumerate() {
        let width = t.rows.iter().map(Vec::len).max().unwrap_or(0).min(MAX_COLUMNS);
        // Only ranges near the top can be part of a header.
        let merges: Vec<Merge> = t.merges.iter().filter(|m| m.first_row < HEADER_SEARCH + 4).copied().collect();
        for r in 0..t.rows.len().min(HEADER_SEARCH) {
            if row_is_empty(t, r) {
                continue;
            }
            // Header cells merged down over further rows make those rows part of the header.
            let band_end = band_end(&merges, r, r, t.rows.len());
            let mut candidate = map_band(t, &merges, r, band_end, width, &saved);
            // Or a header of two rows without such merges, when the upper row names columns
            // the lower one leaves blank (a note row above the header names none).
            if band_end == r && r + 1 < t.rows.len() && sub_labels(t, r + 1, &saved) {
                let two = map_band(t, &merges, r, band_end_of_two(&merges, r, t.rows.len()), width, &saved);
                if two.score > candidate.score && two.from_top > 0 {
                    candidate = two;
                }
            }
            let Some(score) = candidate.score else { continue };
            let has_data = (candidate.last + 1..t.rows.len()).any(|r| !row_is_empty(t, r));
            let key = (score, has_data);
            if best.as_ref().is_none_or(|(k, _, _)| key > *k) {
                best = Some((key, i, candidate));
            }
        }
    }
    let (_, sheet, candidate) = best?;
    let t = &tables[sheet];
    // Columns without a header are listed when they hold data, so that they can be mapped.
    let mut used = vec![false; candidate.columns.len()];
    for row in t.rows.iter().skip(candidate.last + 1) {
        for (c, text) in row.iter().enumerate().take(used.len()) {
            if !text.trim().is_empty() {
                used[c] = true;
            }
        }
    }
    let columns = candidate.columns.into_iter().map(|(c, _)| c).filter(|c| !c.header.is_empty() || used[c.index]).collect();
    Some(SheetLayout { sheet, header_rows: (candidate.first, candidate.last), columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(header: &str) -> Option<Field> {
        guess(&normalise_header(header)).and_then(|(f, _)| f)
    }

    #[test]
    fn header_words_map_to_fields() {
        assert_eq!(field("问题类别"), Some(Field::Category));
        assert_eq!(field(" 问题\n类别 "), Some(Field::Category));
        assert_eq!(field("存在问题"), Some(Field::Problem));
        assert_eq!(field("反馈问题"), Some(Field::Problem));
        assert_eq!(field("整改措施"), Some(Field::Measure));
        assert_eq!(field("问题整改措施"), Some(Field::Measure));
        assert_eq!(field("整改措施完成情况"), Some(Field::Progress));
        assert_eq!(field("整改时效（立行立改/限期/长期）"), Some(Field::Kind));
        assert_eq!(field("牵头单位"), Some(Field::LeadDepartment));
        assert_eq!(field("责任单位（牵头）"), Some(Field::LeadDepartment));
        assert_eq!(field("配合部门"), Some(Field::SupportingDepartments));
        assert_eq!(field("具体责任人"), Some(Field::Assignees));
        assert_eq!(field("完成时限"), Some(Field::Deadline));
        assert_eq!(field("整改时限"), Some(Field::Deadline));
        assert_eq!(field("整改时限类型"), Some(Field::Kind));
        assert_eq!(field("进展情况"), Some(Field::Progress));
        for none in ["序号", "备注", "原定时限", "佐证材料（文号）", "销号时间", "审核人", "单位"] {
            assert_eq!(field(none), None, "{none}");
        }
        // A title is not a header.
        assert_eq!(guess(&normalise_header("长阳土家族自治县职业教育中心巡察反馈问题整改台账")), None);
    }
}
