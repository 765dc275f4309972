//! The rows below a 台账's header, grouped into categories, problems and measures.

use std::collections::HashSet;

use super::super::{Confidence, Draft, DraftCategory, DraftMeasure, DraftProblem, Lines, Table, Warning};
use super::cells::{has_category_label, kind_of, labelled_parts, parse_deadline, split_label, split_names, DeadlineIssue, MAX_NAMES};
use super::{cell_name, Field, SheetLayout};

/// A column's cells below the header, with merged ranges filled in.
struct Resolved<'a> {
    texts: Vec<&'a str>,
    /// Whether the cell lies in a merged range below its top row: the range's text goes on.
    continued: Vec<bool>,
    /// Whether a merged range starts in the cell's row: a new range, even with the same text.
    starts: Vec<bool>,
}

/// The cells of column `c` from row `start` on: a merged range's text in every row it covers.
fn resolve(table: &Table, c: usize, start: usize) -> Resolved<'_> {
    let height = table.rows.len().saturating_sub(start);
    let mut texts: Vec<&str> =
        (start..table.rows.len()).map(|r| table.rows.get(r).and_then(|row| row.get(c)).map_or("", |s| s.trim())).collect();
    let mut continued = vec![false; height];
    let mut starts = vec![false; height];
    let mut merges: Vec<_> = table.merges.iter().filter(|m| (m.first_col..=m.last_col).contains(&c) && m.last_row >= start).collect();
    merges.sort_by_key(|m| m.first_row);
    // Ranges do not overlap in a sound file; in a crafted one, a range starting inside an
    // earlier one is ignored, so that every cell is filled once at most.
    let mut filled_to: Option<usize> = None;
    for m in merges {
        if filled_to.is_some_and(|end| m.first_row <= end) {
            continue;
        }
        filled_to = Some(m.last_row);
        let text = table.rows.get(m.first_row).and_then(|row| row.get(m.first_col)).map_or("", |s| s.trim());
        for r in m.first_row.max(start)..=m.last_row.min(table.rows.len().saturating_sub(1)) {
            let i = r - start;
            starts[i] = r == m.first_row;
            if r == m.first_row && c == m.first_col {
                continue;
            }
            texts[i] = text;
            continued[i] = r > m.first_row;
        }
    }
    Resolved { texts, continued, starts }
}

/// One row's values by field.
struct Row<'a> {
    /// 0-based sheet row.
    r: usize,
    values: [&'a str; Field::ALL.len()],
    continued: [bool; Field::ALL.len()],
    starts: [bool; Field::ALL.len()],
}

fn slot(f: Field) -> usize {
    Field::ALL.iter().position(|x| *x == f).unwrap_or(0)
}

impl<'a> Row<'a> {
    fn get(&self, f: Field) -> &'a str {
        self.values[slot(f)]
    }
    fn continued(&self, f: Field) -> bool {
        self.continued[slot(f)]
    }
    fn starts(&self, f: Field) -> bool {
        self.starts[slot(f)]
    }
    fn is_empty(&self) -> bool {
        self.values.iter().all(|v| v.is_empty())
    }
    fn line(&self) -> Lines {
        Lines::one(self.r as u32 + 1)
    }
    /// Whether the row says anything about a measure.
    fn has_measure_fields(&self) -> bool {
        // Every field from 整改措施 on is about the measure.
        Field::ALL[3..].iter().any(|f| !self.get(*f).is_empty())
    }
}

fn extend(lines: &mut Option<Lines>, line: Lines) {
    *lines = Some(lines.map_or(line, |l| l.to(line)));
}

/// Short for a message.
fn brief(text: &str) -> String {
    let short: String = text.chars().take(20).collect();
    if short.chars().count() < text.chars().count() {
        format!("{short}…")
    } else {
        short
    }
}

fn generic_name(name: &str) -> bool {
    let n = name.trim().to_lowercase();
    let stem = n.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_whitespace());
    matches!(stem, "" | "sheet" | "工作表" | "表格" | "表" | "csv")
}

struct Builder<'a> {
    layout: &'a SheetLayout,
    draft: Draft,
    /// The category cell and problem cell the current nodes came from.
    category_cell: Option<&'a str>,
    problem_cell: Option<&'a str>,
    measure_cell: Option<&'a str>,
    sheet_name: &'a str,
    default_category: bool,
    /// Rows where a range merged across columns starts.
    wide_rows: HashSet<usize>,
}

impl<'a> Builder<'a> {
    fn cell(&self, f: Field, row: &Row) -> String {
        cell_name(row.r, self.layout.column_of(f).unwrap_or(0))
    }

    fn has(&self, f: Field) -> bool {
        self.layout.column_of(f).is_some()
    }

    fn new_category(&mut self, text: &str, row: &Row) {
        let (label, title) = split_label(text);
        self.draft.categories.push(DraftCategory { label, title, lines: Some(row.line()), ..Default::default() });
        self.problem_cell = None;
        self.measure_cell = None;
    }

    /// The measure fields of a row into `m`: a new measure (`fresh`), or the one above whose
    /// merged cells go on or whose row this continues.
    fn fill(&self, m: &mut DraftMeasure, row: &Row, fresh: bool) {
        let mut leader = row.get(Field::ResponsibleLeader).to_string();
        let mut lead = row.get(Field::LeadDepartment).to_string();
        let mut supporting = row.get(Field::SupportingDepartments).to_string();
        let mut assignees = row.get(Field::Assignees).to_string();
        let (mut deadline, mut deadline_from) = (row.get(Field::Deadline).to_string(), Field::Deadline);
        // A 责任清单 cell may name several of these: 责任领导：…；牵头单位：…；责任人：….
        for own in [Field::LeadDepartment, Field::ResponsibleLeader, Field::Assignees, Field::SupportingDepartments] {
            let Some(parts) = labelled_parts(row.get(own), own) else { continue };
            match own {
                Field::LeadDepartment => lead.clear(),
                Field::ResponsibleLeader => leader.clear(),
                Field::Assignees => assignees.clear(),
                _ => supporting.clear(),
            }
            for (f, text) in parts {
                let target = match f {
                    Field::ResponsibleLeader => &mut leader,
                    Field::LeadDepartment => &mut lead,
                    Field::SupportingDepartments => &mut supporting,
                    Field::Deadline => {
                        deadline.clear();
                        deadline_from = own;
                        &mut deadline
                    }
                    _ => &mut assignees,
                };
                if !target.is_empty() {
                    target.push('、');
                }
                target.push_str(&text);
            }
        }
        let set = |slot: &mut Option<String>, text: &str| {
            if slot.is_none() && !text.trim().is_empty() {
                *slot = Some(text.trim().to_string());
            }
        };
        set(&mut m.responsible_leader, &leader);
        set(&mut m.lead_department, &lead);
        for (list, cell) in [(&mut m.supporting_departments, &supporting), (&mut m.assignees, &assignees)] {
            for name in split_names(cell) {
                if list.len() < MAX_NAMES && !list.contains(&name) {
                    list.push(name);
                }
            }
        }
        let progress = row.get(Field::Progress);
        match &mut m.progress {
            None if !progress.is_empty() => m.progress = Some(progress.to_string()),
            Some(p) if !progress.is_empty() && !row.continued(Field::Progress) && p != progress => {
                p.push('\n');
                p.push_str(progress);
            }
            _ => {}
        }
        // A merged cell going on was read with the measure's first row.
        let kind_cell = row.get(Field::Kind);
        if m.kind.is_none() && !kind_cell.is_empty() && (fresh || !row.continued(Field::Kind)) {
            match kind_of(kind_cell) {
                Some(k) => m.kind = Some(k.to_string()),
                None => {
                    let cell = self.cell(Field::Kind, row);
                    let message = format!("{cell}：无法识别措施类型“{}”，应为立行立改、限期整改或长期坚持", brief(kind_cell));
                    m.warnings.push(Warning::new("unknown_kind", message).at(row.line()).in_cell(cell));
                }
            }
        }
        if m.deadline.is_none() && !deadline.is_empty() && (fresh || !row.continued(deadline_from)) {
            self.read_deadline(m, &deadline, deadline_from, row);
        }
    }

    fn read_deadline(&self, m: &mut DraftMeasure, text: &str, from: Field, row: &Row) {
        let parsed = parse_deadline(text);
        if let Some(k) = parsed.kind {
            if m.kind.is_none() {
                m.kind = Some(k.to_string());
            }
        }
        m.deadline = parsed.date;
        let cell = self.cell(from, row);
        let shown = brief(text);
        let message = match (parsed.issue, parsed.date) {
            (None, _) => return,
            (Some(DeadlineIssue::Unreadable), _) | (_, None) => {
                (format!("{cell}：无法识别完成时限“{shown}”，请填写日期"), "unreadable_deadline")
            }
            (Some(DeadlineIssue::Several), Some(d)) => {
                (format!("{cell}：完成时限“{shown}”含多个日期，已取最晚的 {d}，请核对"), "several_deadlines")
            }
            (Some(DeadlineIssue::ExtraText), Some(d)) => {
                (format!("{cell}：完成时限“{shown}”只取了日期 {d}，其余文字未导入，请核对"), "deadline_text_dropped")
            }
        };
        m.warnings.push(Warning::new(message.1, message.0).at(row.line()).in_cell(cell));
    }

    fn new_measure(&mut self, text: &'a str, row: &Row<'a>) {
        let (label, text_only) = split_label(text);
        let mut m = DraftMeasure { label, text: text_only, lines: Some(row.line()), ..Default::default() };
        self.fill(&mut m, row, true);
        if let Some(p) = self.draft.categories.last_mut().and_then(|c| c.problems.last_mut()) {
            p.measures.push(m);
        }
        self.measure_cell = Some(text);
    }

    /// Measure fields of a row that belongs to the previous measure (its merged cells go on,
    /// or it has no measure text of its own).
    fn continue_measure(&mut self, row: &Row<'a>) {
        let mut taken = match self.draft.categories.last_mut().and_then(|c| c.problems.last_mut()).and_then(|p| p.measures.pop()) {
            Some(m) => m,
            None => return,
        };
        extend(&mut taken.lines, row.line());
        self.fill(&mut taken, row, false);
        if let Some(p) = self.draft.categories.last_mut().and_then(|c| c.problems.last_mut()) {
            p.measures.push(taken);
        }
    }

    fn row(&mut self, row: &Row<'a>) {
        if let Some(heading) = self.section(row) {
            // A row across the table naming a category (一、…方面): the problems below are its.
            self.new_category(heading, row);
            self.category_cell = Some(heading);
            self.default_category = false;
            return;
        }
        let mut new_category = false;
        if self.has(Field::Category) {
            let text = row.get(Field::Category);
            if !text.is_empty() && (self.category_cell != Some(text) || row.starts(Field::Category)) {
                self.new_category(text, row);
                self.category_cell = Some(text);
                new_category = true;
            } else if text.is_empty() && self.draft.categories.is_empty() {
                let cell = self.cell(Field::Category, row);
                self.new_category("未分类", row);
                if let Some(c) = self.draft.categories.last_mut() {
                    c.warnings.push(
                        Warning::new("missing_category", format!("{cell}：问题类别为空，已归入“未分类”，请补充"))
                            .at(row.line())
                            .in_cell(cell),
                    );
                }
                self.category_cell = Some("");
                new_category = true;
            }
        } else if self.draft.categories.is_empty() {
            let title = if generic_name(self.sheet_name) { "问题清单" } else { self.sheet_name.trim() };
            self.new_category(title, row);
            self.default_category = true;
            new_category = true;
        }
        let Some(category) = self.draft.categories.last_mut() else { return };
        extend(&mut category.lines, row.line());

        let problem = row.get(Field::Problem);
        let mut new_problem = false;
        let another = self.problem_cell != Some(problem) || row.starts(Field::Problem);
        if !problem.is_empty() && (new_category || category.problems.is_empty() || another) {
            let (label, title) = split_label(problem);
            let feedback = row.get(Field::Feedback).to_string();
            category.problems.push(DraftProblem { label, title, feedback, lines: Some(row.line()), ..Default::default() });
            self.problem_cell = Some(problem);
            self.measure_cell = None;
            new_problem = true;
        } else if problem.is_empty() && (new_category || category.problems.is_empty()) {
            if !row.has_measure_fields() && row.get(Field::Feedback).is_empty() {
                return;
            }
            let mut p = DraftProblem { feedback: row.get(Field::Feedback).to_string(), lines: Some(row.line()), ..Default::default() };
            // Without a problem column, the draft-wide warning says it once.
            if let Some(col) = self.layout.column_of(Field::Problem) {
                let cell = cell_name(row.r, col);
                p.warnings.push(Warning::new("missing_problem", format!("{cell}：问题为空，请补充问题")).at(row.line()).in_cell(cell));
            }
            category.problems.push(p);
            self.problem_cell = Some("");
            self.measure_cell = None;
            new_problem = true;
        }
        let Some(p) = category.problems.last_mut() else { return };
        extend(&mut p.lines, row.line());
        let feedback = row.get(Field::Feedback);
        if !new_problem && !feedback.is_empty() && !row.continued(Field::Feedback) && !p.feedback.contains(feedback) {
            if !p.feedback.is_empty() {
                p.feedback.push('\n');
            }
            p.feedback.push_str(feedback);
        }

        let measure = row.get(Field::Measure);
        if !measure.is_empty() {
            let goes_on = !new_problem && row.continued(Field::Measure) && self.measure_cell == Some(measure);
            if goes_on {
                self.continue_measure(row);
            } else {
                self.new_measure(measure, row);
            }
        } else if !new_problem && row.has_measure_fields() && !p.measures.is_empty() {
            self.continue_measure(row);
        }
    }

    /// The text of a row that heads a category inside the table: one text merged across the
    /// row, or, in a table without a category column, a single cell opening with 一、 or （一）.
    fn section(&self, row: &Row<'a>) -> Option<&'a str> {
        let texts: Vec<&str> = row.values.iter().copied().filter(|v| !v.is_empty()).collect();
        let first = *texts.first()?;
        if texts.iter().any(|t| *t != first) {
            return None;
        }
        let across = texts.len() >= 2 && self.wide_rows.contains(&row.r);
        (across || (!self.has(Field::Category) && texts.len() == 1 && has_category_label(first))).then_some(first)
    }
}

/// Rows that number the columns (1, 2, 3 … under the header), as official forms have.
fn numbers_columns(table: &Table, r: usize) -> bool {
    let Some(row) = table.rows.get(r) else { return false };
    let numbers: Vec<Option<u32>> = row.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).map(|s| s.parse().ok()).collect();
    numbers.len() >= 3 && numbers.iter().all(Option::is_some) && numbers.windows(2).all(|w| w[1] > w[0])
}

/// The draft ledger of a table's rows below its header: categories, problems and measures in
/// order, one measure per row; a merged cell's text applies to every row it covers and an
/// empty category or problem cell continues the one above. Warnings name the cell (C12) and
/// the sheet's row numbers.
pub fn to_draft(table: &Table, layout: &SheetLayout) -> Draft {
    let start = layout.header_rows.1.saturating_add(1);
    let resolved: Vec<Option<Resolved>> = Field::ALL.iter().map(|f| layout.column_of(*f).map(|c| resolve(table, c, start))).collect();
    let mut b = Builder {
        layout,
        draft: Draft::empty(),
        category_cell: None,
        problem_cell: None,
        measure_cell: None,
        sheet_name: &table.name,
        default_category: false,
        wide_rows: table.merges.iter().filter(|m| m.last_col > m.first_col).map(|m| m.first_row).collect(),
    };
    b.draft.metadata.title = title(table, layout.header_rows.0);
    let mut rows_read = 0usize;
    for r in start..table.rows.len() {
        let i = r - start;
        let mut row = Row { r, values: [""; Field::ALL.len()], continued: [false; Field::ALL.len()], starts: [false; Field::ALL.len()] };
        for (slot, res) in resolved.iter().enumerate() {
            if let Some(res) = res {
                row.values[slot] = res.texts.get(i).copied().unwrap_or("");
                row.continued[slot] = res.continued.get(i).copied().unwrap_or(false);
                row.starts[slot] = res.starts.get(i).copied().unwrap_or(false);
            }
        }
        if row.is_empty() || (i < 2 && numbers_columns(table, r)) {
            continue;
        }
        rows_read += 1;
        b.row(&row);
    }
    let mut draft = b.draft;
    if draft.categories.iter().all(|c| c.problems.is_empty()) {
        draft.categories.clear();
        draft.warnings.push(Warning::new("empty_sheet", format!("“{}”表头以下没有可导入的问题或整改措施", table.name)));
        draft.confidence = Confidence::Low;
        return draft;
    }
    // Categories that only head the table (a section row with nothing under it) are dropped.
    draft.categories.retain(|c| !c.problems.is_empty());
    if let Some(col) = layout.column_of(Field::Measure) {
        for p in draft.categories.iter_mut().flat_map(|c| c.problems.iter_mut()).filter(|p| p.measures.is_empty()) {
            let Some(lines) = p.lines else { continue };
            let cell = cell_name(lines.first as usize - 1, col);
            let message = format!("{cell}：问题“{}”没有整改措施", brief(&p.title));
            p.warnings.push(Warning::new("problem_without_measure", message).at(Lines::one(lines.first)).in_cell(cell));
        }
    }
    if b.default_category {
        let title = draft.categories.first().map(|c| c.title.clone()).unwrap_or_default();
        draft.warnings.push(Warning::new("no_category_column", format!("没有找到“问题类别”列，问题都归入了“{title}”，请核对")));
    }
    if layout.column_of(Field::Problem).is_none() {
        draft.warnings.push(Warning::new("no_problem_column", "没有找到“问题”列，整改措施暂归入未命名的问题，请补充问题"));
    }
    if layout.column_of(Field::Measure).is_none() {
        draft.warnings.push(Warning::new("no_measure_column", "没有找到“整改措施”列，问题暂无整改措施"));
    }
    draft.confidence = confidence(&draft, layout, rows_read);
    draft
}

/// The title above the header: the first row there with a single text (a merged title row).
fn title(table: &Table, header: usize) -> Option<String> {
    table.rows.iter().take(header).find_map(|row| {
        let texts: Vec<&str> = row.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
        (texts.len() == 1).then(|| texts[0].split_whitespace().collect::<Vec<_>>().join(" "))
    })
}

/// High when problems and measures had their columns, the categories were found and hardly a
/// cell needed a warning; low when a key column is missing or most rows have warnings.
fn confidence(draft: &Draft, layout: &SheetLayout, rows: usize) -> Confidence {
    let mut cell_warnings = 0;
    for c in &draft.categories {
        cell_warnings += c.warnings.len();
        for p in &c.problems {
            cell_warnings += p.warnings.len() + p.measures.iter().map(|m| m.warnings.len()).sum::<usize>();
        }
    }
    let (_, _, measures) = draft.counts();
    let columns = layout.column_of(Field::Problem).is_some() && layout.column_of(Field::Measure).is_some();
    if !columns || cell_warnings * 2 > rows {
        Confidence::Low
    } else if draft.warnings.is_empty() && cell_warnings * 20 <= measures {
        Confidence::High
    } else {
        Confidence::Medium
    }
}
