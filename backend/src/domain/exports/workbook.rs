//! The 整改台账 as an Excel workbook, written row by row in constant memory.
//!
//! Sheets: 整改台账 (one row per measure; category, problem and close-out cells merged over their
//! rows; a two-row header, frozen, filtered and repeated on every printed page; landscape A4,
//! fit to the page width; the status cell coloured by state and deadline), 签核记录, 退回记录,
//! 延期记录 and 统计 (by category, lead department and responsible leader, and by school when the
//! export spans schools).
//!
//! Every sheet but 统计 is a constant-memory worksheet: a row is flushed to a temporary file once
//! the next one starts, so rows must come in order. The rows of one category are held until the
//! next category starts, as the merged cells over them need their count first; the statistics
//! keep one counter per group.

use std::collections::HashMap;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use super::{
    decision_zh, display_width, extension_status_zh, stage_zh, status_zh, urgency, Column, ExtensionRecord, Layout, LedgerSink, MeasureRef,
    MeasureRow, Merge, ReturnRecord, SignoffRecord, Urgency, WriteResult,
};
use crate::domain::ledger::query::{add_to_counts, Counts, GroupCounts};
use crate::domain::ledger::MeasureStatus;

const LEDGER: usize = 0;
const SIGNOFFS: usize = 1;
const RETURNS: usize = 2;
const EXTENSIONS: usize = 3;

/// The ledger sheet's first data row (below the title, the note and the two header rows).
const FIRST_DATA_ROW: u32 = 4;

/// Excel keeps at most this many characters in a cell.
const CELL_MAX: usize = 32_767;

const FONT: &str = "宋体";

/// What the status colours mean (each status cell also says it in words).
const LEGEND: &str = "注：状态底色——红：已逾期或今天到期；黄：7 天内到期；蓝：时限未到；绿：已完成（含长期坚持）。";

struct Formats {
    title: Format,
    note: Format,
    header: Format,
    text: Format,
    centered: Format,
    merged: Format,
    date: Format,
    datetime: Format,
    merged_datetime: Format,
    number: Format,
    percent: Format,
    /// Status cells: done, then by urgency.
    done: Format,
    red: Format,
    yellow: Format,
    blue: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_font_name(FONT).set_font_size(10);
        let cell = base.clone().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::Top);
        let centered = cell.clone().set_align(FormatAlign::Center);
        let status = |fill: u32, font: u32| centered.clone().set_background_color(Color::RGB(fill)).set_font_color(Color::RGB(font));
        Formats {
            title: base.clone().set_font_size(16).set_bold().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter),
            note: base.clone().set_align(FormatAlign::Left),
            header: base
                .clone()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xD9E1F2)),
            merged: cell.clone().set_align(FormatAlign::VerticalCenter),
            date: centered.clone().set_num_format("yyyy-mm-dd"),
            datetime: centered.clone().set_num_format("yyyy-mm-dd hh:mm"),
            merged_datetime: centered.clone().set_align(FormatAlign::VerticalCenter).set_num_format("yyyy-mm-dd hh:mm"),
            number: centered.clone(),
            percent: centered.clone().set_num_format("0.0%"),
            // Excel's own good / bad / neutral cell styles, which keep their text readable.
            done: status(0xC6EFCE, 0x006100),
            red: status(0xFFC7CE, 0x9C0006),
            yellow: status(0xFFEB9C, 0x9C5700),
            blue: status(0xDDEBF7, 0x1F4E78),
            text: cell,
            centered,
        }
    }

    fn status(&self, row: &MeasureRow) -> &Format {
        if crate::domain::ledger::query::DONE.contains(&row.status.as_str()) {
            return &self.done;
        }
        match urgency(row.deadline, row.status, row.today) {
            Urgency::Red => &self.red,
            Urgency::Yellow => &self.yellow,
            Urgency::Blue => &self.blue,
            Urgency::None => &self.centered,
        }
    }
}

/// Counts per group, in the order groups first appear.
#[derive(Default)]
struct Groups {
    index: HashMap<Option<i64>, usize>,
    items: Vec<GroupCounts>,
}

impl Groups {
    fn add(&mut self, id: Option<i64>, label: impl FnOnce() -> String, row: &MeasureRow) {
        let i = *self.index.entry(id).or_insert_with(|| {
            self.items.push(GroupCounts { id, label: label(), counts: Counts::default() });
            self.items.len() - 1
        });
        add_to_counts(&mut self.items[i].counts, row.status.as_str(), row.deadline, row.today);
    }
}

#[derive(Default)]
struct Tally {
    overall: Counts,
    by_organisation: Groups,
    by_category: Groups,
    by_department: Groups,
    by_leader: Groups,
}

/// A sheet of records: a header row, then one row per record.
struct RecordSheet {
    index: usize,
    next_row: u32,
    with_organisation: bool,
    columns: u16,
}

/// Writes the ledger workbook as rows arrive; [`LedgerWorkbook::finish`] gives the file.
pub struct LedgerWorkbook {
    book: Workbook,
    layout: Layout,
    columns: Vec<Column>,
    formats: Formats,
    next_row: u32,
    seq: usize,
    /// The rows of the current category, not yet written.
    run: Vec<MeasureRow>,
    widths: Vec<f64>,
    signoffs: RecordSheet,
    returns: RecordSheet,
    extensions: RecordSheet,
    tally: Tally,
    output: std::fs::File,
}

impl LedgerWorkbook {
    /// A new workbook whose temporary files (one per sheet, and the result) live in `dir`, as
    /// anonymous files that vanish when closed.
    pub fn create(dir: &Path, layout: Layout) -> WriteResult<LedgerWorkbook> {
        let output = tempfile::tempfile_in(dir)?;
        let mut book = Workbook::new();
        book.set_tempdir(dir)?;
        // Most of a workbook's time is compression: level 3 is what Excel itself uses.
        book.set_zip_compression_level(3);
        let columns = Column::all(&layout);
        let formats = Formats::new();
        let widths = columns.iter().map(|c| display_width(c.heading())).collect();
        let with_organisation = layout.organisation_column;
        let mut wb = LedgerWorkbook {
            book,
            layout,
            columns,
            formats,
            next_row: FIRST_DATA_ROW,
            seq: 0,
            run: Vec::new(),
            widths,
            signoffs: RecordSheet { index: SIGNOFFS, next_row: 1, with_organisation, columns: 0 },
            returns: RecordSheet { index: RETURNS, next_row: 1, with_organisation, columns: 0 },
            extensions: RecordSheet { index: EXTENSIONS, next_row: 1, with_organisation, columns: 0 },
            tally: Tally::default(),
            output,
        };
        wb.start_ledger()?;
        wb.start_records()?;
        Ok(wb)
    }

    fn start_ledger(&mut self) -> WriteResult<()> {
        let (columns, f) = (&self.columns, &self.formats);
        let last = columns.len() as u16 - 1;
        let ws = self.book.add_worksheet_with_constant_memory()?;
        ws.set_name("整改台账")?;
        ws.set_row_height(0, 30)?;
        ws.merge_range(0, 0, 0, last, &self.layout.title, &f.title)?;
        ws.merge_range(1, 0, 1, last, &self.layout.note, &f.note)?;
        // Columns without a group span both header rows; grouped ones share the upper cell.
        let mut c = 0;
        while c < columns.len() {
            let col = columns[c];
            match col.group() {
                None => {
                    ws.merge_range(2, c as u16, 3, c as u16, col.heading(), &f.header)?;
                    c += 1;
                }
                Some(group) => {
                    let end = (c..columns.len()).take_while(|i| columns[*i].group() == Some(group)).last().unwrap_or(c);
                    if end > c {
                        ws.merge_range(2, c as u16, 2, end as u16, group, &f.header)?;
                    } else {
                        ws.write_string_with_format(2, c as u16, group, &f.header)?;
                    }
                    c = end + 1;
                }
            }
        }
        for (c, col) in columns.iter().enumerate() {
            if col.group().is_some() {
                ws.write_string_with_format(3, c as u16, col.heading(), &f.header)?;
            }
        }
        ws.set_freeze_panes(FIRST_DATA_ROW, 0)?;
        print_setup(ws);
        ws.set_repeat_rows(2, 3)?;
        Ok(())
    }

    fn start_records(&mut self) -> WriteResult<()> {
        let with_org = self.layout.organisation_column;
        let sheets: [(&str, &[(&str, f64)]); 3] = [
            (
                "签核记录",
                &[
                    ("问题", 24.0),
                    ("整改措施", 30.0),
                    ("轮次", 6.0),
                    ("环节", 8.0),
                    ("结论", 10.0),
                    ("意见", 40.0),
                    ("签核人", 10.0),
                    ("时间", 16.0),
                    ("是否有效", 24.0),
                ],
            ),
            ("退回记录", &[("问题", 24.0), ("整改措施", 30.0), ("退回类型", 14.0), ("退回理由", 50.0), ("退回人", 10.0), ("时间", 16.0)]),
            (
                "延期记录",
                &[
                    ("问题", 24.0),
                    ("整改措施", 30.0),
                    ("原时限", 11.0),
                    ("申请时限", 11.0),
                    ("延期理由", 40.0),
                    ("申请人", 10.0),
                    ("申请时间", 16.0),
                    ("结果", 8.0),
                    ("审批人", 10.0),
                    ("审批时间", 16.0),
                    ("审批意见", 30.0),
                ],
            ),
        ];
        for (index, (name, cols)) in [SIGNOFFS, RETURNS, EXTENSIONS].into_iter().zip(sheets) {
            let header = &self.formats.header;
            let ws = self.book.add_worksheet_with_constant_memory()?;
            ws.set_name(name)?;
            let mut headings: Vec<(&str, f64)> = vec![("序号", 6.0)];
            if with_org {
                headings.push(("单位", 24.0));
            }
            headings.extend_from_slice(cols);
            for (c, (heading, width)) in headings.iter().enumerate() {
                ws.set_column_width(c as u16, *width)?;
                ws.write_string_with_format(0, c as u16, *heading, header)?;
            }
            ws.set_freeze_panes(1, 0)?;
            print_setup(ws);
            ws.set_repeat_rows(0, 0)?;
            let sheet = match index {
                SIGNOFFS => &mut self.signoffs,
                RETURNS => &mut self.returns,
                _ => &mut self.extensions,
            };
            sheet.columns = headings.len() as u16;
        }
        Ok(())
    }

    /// Writes the held rows of one category: its cells merged over them all, each problem's
    /// over its own.
    fn flush_run(&mut self) -> WriteResult<()> {
        let run = std::mem::take(&mut self.run);
        if run.is_empty() {
            return Ok(());
        }
        let first = self.next_row;
        let last = first + run.len() as u32 - 1;
        let columns = &self.columns;
        let texts: Vec<Vec<String>> =
            run.iter().enumerate().map(|(i, row)| columns.iter().map(|c| c.text(row, self.seq + i + 1)).collect()).collect();
        // Where each row's problem ends, for the rows where a problem starts.
        let problem_ends: Vec<Option<usize>> = (0..run.len())
            .map(|i| {
                let id = run[i].problem_id;
                (i == 0 || run[i - 1].problem_id != id).then(|| i + run[i..].iter().take_while(|x| x.problem_id == id).count() - 1)
            })
            .collect();
        let heights = row_heights(columns, &texts, &problem_ends);
        let ws = self.book.worksheet_from_index(LEDGER)?;
        let f = &self.formats;
        for (i, row) in run.iter().enumerate() {
            let r = first + i as u32;
            self.seq += 1;
            for (c, col) in columns.iter().enumerate() {
                let c16 = c as u16;
                let span = match col.merged() {
                    Merge::None => Some(i),
                    Merge::Category => (i == 0).then_some(run.len() - 1),
                    Merge::Problem => problem_ends[i],
                };
                // A cell inside a range merged above it: already written.
                let Some(span_end) = span else { continue };
                let span_end = first + span_end as u32;
                let text = &texts[i][c];
                self.widths[c] = self.widths[c].max(display_width(text));
                if span_end > r {
                    let format = if *col == Column::ClosedAt { &f.merged_datetime } else { &f.merged };
                    match (*col, &row.closed_out) {
                        (Column::ClosedAt, Some(act)) => {
                            ws.merge_range(r, c16, span_end, c16, "", format)?;
                            ws.write_datetime_with_format(r, c16, act.at, format)?;
                        }
                        _ => {
                            ws.merge_range(r, c16, span_end, c16, clip(text), format)?;
                        }
                    }
                    continue;
                }
                write_cell(ws, f, r, c16, *col, row, text)?;
            }
            // Set while the row is the current one: it is written out when the next one starts.
            ws.set_row_height(r, heights[i])?;
        }
        self.next_row = last + 1;
        for row in &run {
            self.count(row);
        }
        Ok(())
    }

    fn count(&mut self, row: &MeasureRow) {
        let t = &mut self.tally;
        add_to_counts(&mut t.overall, row.status.as_str(), row.deadline, row.today);
        let with_org = self.layout.organisation_column;
        let prefix = |s: &str| if with_org { format!("{} · {s}", row.organisation) } else { s.to_string() };
        let unnamed = |s: &str| if s.is_empty() { "（未指定）".to_string() } else { s.to_string() };
        if with_org {
            t.by_organisation.add(Some(row.organisation_id), || row.organisation.clone(), row);
        }
        t.by_category.add(Some(row.category_id), || prefix(&row.category), row);
        // Departments and leaders without a name are counted together per school.
        let dep_key = row.lead_department_id.or(with_org.then_some(-row.organisation_id));
        t.by_department.add(dep_key, || prefix(&unnamed(&row.lead_department)), row);
        let leader_key = row.responsible_leader_id.or(with_org.then_some(-row.organisation_id));
        t.by_leader.add(leader_key, || prefix(&unnamed(&row.responsible_leader)), row);
    }

    fn record(&mut self, which: usize, org: &MeasureRef, cells: Vec<Cell>) -> WriteResult<()> {
        let sheet = match which {
            SIGNOFFS => &mut self.signoffs,
            RETURNS => &mut self.returns,
            _ => &mut self.extensions,
        };
        let r = sheet.next_row;
        sheet.next_row += 1;
        let mut all = vec![Cell::Number((r) as f64)];
        if sheet.with_organisation {
            all.push(Cell::Text(org.organisation.clone()));
        }
        all.push(Cell::Text(org.problem.clone()));
        all.push(Cell::Text(org.measure.clone()));
        all.extend(cells);
        let f = &self.formats;
        let ws = self.book.worksheet_from_index(which)?;
        for (c, cell) in all.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) if t.is_empty() => ws.write_blank(r, c, &f.text)?,
                Cell::Text(t) => ws.write_string_with_format(r, c, clip(t), &f.text)?,
                Cell::Centered(t) => ws.write_string_with_format(r, c, clip(t), &f.centered)?,
                Cell::Number(n) => ws.write_number_with_format(r, c, *n, &f.number)?,
                Cell::Date(Some(d)) => ws.write_datetime_with_format(r, c, d, &f.date)?,
                Cell::DateTime(Some(t)) => ws.write_datetime_with_format(r, c, t, &f.datetime)?,
                Cell::Date(None) | Cell::DateTime(None) => ws.write_blank(r, c, &f.text)?,
            };
        }
        Ok(())
    }

    /// Writes what is still held, the statistics, column widths and filters; returns the
    /// workbook's file, rewound.
    pub fn finish(mut self) -> WriteResult<std::fs::File> {
        self.flush_run()?;
        let last_col = self.columns.len() as u16 - 1;
        let last_row = self.next_row.max(FIRST_DATA_ROW) - 1;
        let ws = self.book.worksheet_from_index(LEDGER)?;
        for (c, col) in self.columns.iter().enumerate() {
            let (min, max) = col.width_bounds();
            ws.set_column_width(c as u16, (self.widths[c] + 2.0).clamp(min, max))?;
        }
        ws.autofilter(3, 0, last_row, last_col)?;
        // A closing line below the rows, which also keeps the last row's height from being
        // written twice (the writer repeats the row options of a sheet's final row).
        ws.merge_range(last_row + 2, 0, last_row + 2, last_col, LEGEND, &self.formats.note)?;
        for sheet in [&self.signoffs, &self.returns, &self.extensions] {
            let ws = self.book.worksheet_from_index(sheet.index)?;
            ws.autofilter(0, 0, sheet.next_row.max(2) - 1, sheet.columns - 1)?;
        }
        self.write_statistics()?;
        let mut out = BufWriter::new(self.output);
        self.book.save_to_writer(&mut out)?;
        out.flush()?;
        let mut file = out.into_inner().map_err(|e| super::WriteError(e.to_string()))?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }

    fn write_statistics(&mut self) -> WriteResult<()> {
        let f = &self.formats;
        let t = &self.tally;
        let ws = self.book.add_worksheet();
        ws.set_name("统计")?;
        let statuses = MeasureStatus::ALL;
        let mut headings = vec!["分组", "名称", "措施数", "已完成", "完成率", "已逾期", "7 天内到期"];
        headings.extend(statuses.iter().map(|s| status_zh(*s)));
        ws.set_column_width(0, 12)?;
        ws.set_column_width(1, 40)?;
        for c in 2..headings.len() as u16 {
            ws.set_column_width(c, 10)?;
        }
        for (c, h) in headings.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &f.header)?;
        }
        let mut r = 1;
        let overall = GroupCounts { id: None, label: "全部措施".into(), counts: t.overall.clone() };
        let mut sections: Vec<(&str, &[GroupCounts])> = vec![("合计", std::slice::from_ref(&overall))];
        if self.layout.organisation_column {
            sections.push(("按单位", &t.by_organisation.items));
        }
        sections.push(("按问题类别", &t.by_category.items));
        sections.push(("按牵头处室", &t.by_department.items));
        sections.push(("按责任领导", &t.by_leader.items));
        for (section, groups) in sections {
            for g in groups {
                let c = &g.counts;
                ws.write_string_with_format(r, 0, section, &f.text)?;
                ws.write_string_with_format(r, 1, &g.label, &f.text)?;
                for (i, n) in [c.total, c.done].iter().enumerate() {
                    ws.write_number_with_format(r, 2 + i as u16, *n as f64, &f.number)?;
                }
                ws.write_number_with_format(r, 4, c.completion_rate, &f.percent)?;
                ws.write_number_with_format(r, 5, c.overdue as f64, &f.number)?;
                ws.write_number_with_format(r, 6, c.due_within_7_days as f64, &f.number)?;
                for (i, s) in statuses.iter().enumerate() {
                    let n = c.by_status.get(s.as_str()).copied().unwrap_or(0);
                    ws.write_number_with_format(r, 7 + i as u16, n as f64, &f.number)?;
                }
                r += 1;
            }
        }
        ws.set_freeze_panes(1, 2)?;
        ws.autofilter(0, 0, r.max(2) - 1, headings.len() as u16 - 1)?;
        print_setup(ws);
        ws.set_repeat_rows(0, 0)?;
        Ok(())
    }
}

/// Landscape A4, fit to the page width, page numbers in the footer.
fn print_setup(ws: &mut Worksheet) {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C第 &P 页，共 &N 页");
}

enum Cell {
    Text(String),
    Centered(String),
    Number(f64),
    Date(Option<chrono::NaiveDate>),
    DateTime(Option<chrono::NaiveDateTime>),
}

fn clip(text: &str) -> &str {
    match text.char_indices().nth(CELL_MAX - 1) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Points per line of 10-point text, and Excel's tallest row.
const LINE_HEIGHT: f64 = 13.5;
const MAX_ROW_HEIGHT: f64 = 409.0;

/// How many lines a cell's text takes in its column, wrapped at the column's widest width (the
/// width it gets whenever some text is wider; narrower columns hold all of theirs on one line).
fn lines(col: Column, text: &str) -> f64 {
    let usable = (col.width_bounds().1 - 1.0).max(1.0);
    text.lines().map(|line| (display_width(line) / usable).ceil().max(1.0)).sum::<f64>().max(1.0)
}

/// Row heights that show the wrapped text of every cell: neither Excel nor LibreOffice fits
/// them when opening a file. A merged cell's text is fitted into its rows together, the last
/// one growing when they are too short.
fn row_heights(columns: &[Column], texts: &[Vec<String>], problem_ends: &[Option<usize>]) -> Vec<f64> {
    let mut need: Vec<f64> = texts
        .iter()
        .map(|t| columns.iter().zip(t).filter(|(c, _)| c.merged() == Merge::None).map(|(c, t)| lines(*c, t)).fold(1.0, f64::max))
        .collect();
    let mut fit = |from: usize, to: usize, lines: f64| {
        let have: f64 = need[from..=to].iter().sum();
        if have < lines {
            need[to] += lines - have;
        }
    };
    for (c, col) in columns.iter().enumerate() {
        match col.merged() {
            Merge::Category => fit(0, texts.len() - 1, lines(*col, &texts[0][c])),
            Merge::Problem => {
                for (i, end) in problem_ends.iter().enumerate() {
                    if let Some(end) = end {
                        fit(i, *end, lines(*col, &texts[i][c]));
                    }
                }
            }
            Merge::None => {}
        }
    }
    need.into_iter().map(|n| (n * LINE_HEIGHT + 4.0).min(MAX_ROW_HEIGHT)).collect()
}

fn write_cell(ws: &mut Worksheet, f: &Formats, r: u32, c: u16, col: Column, row: &MeasureRow, text: &str) -> WriteResult<()> {
    let act_time = |a: &Option<super::Act>| a.as_ref().map(|a| a.at);
    match col {
        Column::Seq => ws.write_number_with_format(r, c, text.parse::<f64>().unwrap_or_default(), &f.number)?,
        Column::Extensions if row.extensions > 0 => ws.write_number_with_format(r, c, row.extensions as f64, &f.number)?,
        Column::Deadline | Column::OriginalDeadline => match if col == Column::Deadline { row.deadline } else { row.original_deadline } {
            Some(d) => ws.write_datetime_with_format(r, c, d, &f.date)?,
            None => ws.write_blank(r, c, &f.centered)?,
        },
        Column::ApprovedAt | Column::SignedAt | Column::VerifiedAt | Column::ClosedAt => {
            let at = match col {
                Column::ApprovedAt => act_time(&row.approved),
                Column::SignedAt => act_time(&row.signed),
                Column::VerifiedAt => act_time(&row.verified),
                _ => act_time(&row.closed_out),
            };
            match at {
                Some(t) => ws.write_datetime_with_format(r, c, t, &f.datetime)?,
                None => ws.write_blank(r, c, &f.centered)?,
            }
        }
        Column::Status => ws.write_string_with_format(r, c, text, f.status(row))?,
        Column::Kind | Column::Leader | Column::ApprovedBy | Column::SignedBy | Column::VerifiedBy | Column::ClosedBy
            if !text.is_empty() =>
        {
            ws.write_string_with_format(r, c, text, &f.centered)?
        }
        _ if text.is_empty() => ws.write_blank(r, c, &f.text)?,
        _ => ws.write_string_with_format(r, c, clip(text), &f.text)?,
    };
    Ok(())
}

impl LedgerSink for LedgerWorkbook {
    fn measure(&mut self, row: MeasureRow) -> WriteResult<()> {
        let same_category = self.run.last().is_some_and(|last| last.category_id == row.category_id);
        if !same_category {
            self.flush_run()?;
        }
        self.run.push(row);
        Ok(())
    }

    fn signoff(&mut self, s: SignoffRecord) -> WriteResult<()> {
        let cells = vec![
            Cell::Number(s.round as f64),
            Cell::Centered(stage_zh(&s.stage).into()),
            Cell::Centered(decision_zh(&s.stage, s.returned).into()),
            Cell::Text(s.comment),
            Cell::Centered(s.signer),
            Cell::DateTime(Some(s.at)),
            Cell::Text(s.standing),
        ];
        self.record(SIGNOFFS, &s.of, cells)
    }

    fn returned(&mut self, r: ReturnRecord) -> WriteResult<()> {
        let cells = vec![Cell::Centered(r.kind), Cell::Text(r.reason), Cell::Centered(r.by), Cell::DateTime(Some(r.at))];
        self.record(RETURNS, &r.of, cells)
    }

    fn extension(&mut self, e: ExtensionRecord) -> WriteResult<()> {
        let cells = vec![
            Cell::Date(e.old_deadline),
            Cell::Date(Some(e.new_deadline)),
            Cell::Text(e.reason),
            Cell::Centered(e.requested_by),
            Cell::DateTime(Some(e.requested_at)),
            Cell::Centered(extension_status_zh(&e.status).into()),
            Cell::Centered(e.decided.as_ref().map(|a| a.by.clone()).unwrap_or_default()),
            Cell::DateTime(e.decided.as_ref().map(|a| a.at)),
            Cell::Text(e.comment),
        ];
        self.record(EXTENSIONS, &e.of, cells)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use calamine::{Data, Reader, Xlsx};

    use super::super::tests::row;
    use super::super::{Act, ExtensionRecord, MeasureRef, SignoffRecord};
    use super::*;

    fn layout() -> Layout {
        Layout { title: "某校整改台账".into(), note: "导出时间：2021-09-15 10:00".into(), ..Default::default() }
    }

    fn sample(layout: Layout) -> std::fs::File {
        let dir = tempfile::tempdir().unwrap();
        let mut wb = LedgerWorkbook::create(dir.path(), layout).unwrap();
        let mut verified = row(1, 1, MeasureStatus::Verified, Some("2021-09-01"));
        let at = "2021-09-10T08:30:00".parse().unwrap();
        verified.approved = Some(Act { by: "覃守生".into(), at });
        verified.signed = Some(Act { by: "张红昌".into(), at });
        verified.verified = Some(Act { by: "戴先波".into(), at });
        verified.closed_out = Some(Act { by: "马杰平".into(), at });
        let mut second = row(1, 2, MeasureStatus::Verified, Some("2021-09-01"));
        second.closed_out = verified.closed_out.clone();
        second.progress = "召开专题会议研究部署".repeat(8);
        for r in [
            verified,
            second,
            row(2, 3, MeasureStatus::InProgress, Some("2021-09-12")),
            row(3, 4, MeasureStatus::Submitted, Some("2021-09-20")),
            row(3, 5, MeasureStatus::NotStarted, None),
        ] {
            wb.measure(r).unwrap();
        }
        let of = MeasureRef { organisation: "某校".into(), problem: "1.问题1".into(), measure: "①措施1".into() };
        wb.signoff(SignoffRecord {
            of: of.clone(),
            round: 1,
            stage: "approve".into(),
            returned: true,
            comment: "缺少会议纪要".into(),
            signer: "覃守生".into(),
            at,
            standing: String::new(),
        })
        .unwrap();
        wb.extension(ExtensionRecord {
            of,
            old_deadline: Some("2021-08-31".parse().unwrap()),
            new_deadline: "2021-09-30".parse().unwrap(),
            reason: "需跨学期完成".into(),
            requested_by: "蒋芳".into(),
            requested_at: at,
            status: "approved".into(),
            decided: Some(Act { by: "张红昌".into(), at }),
            comment: String::new(),
        })
        .unwrap();
        let file = wb.finish().unwrap();
        drop(dir);
        file
    }

    fn sheet_xml(file: &std::fs::File, n: usize) -> String {
        let mut zip = zip::ZipArchive::new(file.try_clone().unwrap()).unwrap();
        let mut xml = String::new();
        zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap().read_to_string(&mut xml).unwrap();
        xml
    }

    #[test]
    fn the_ledger_sheet_reads_back_with_merged_categories_and_problems() {
        let file = sample(layout());
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(file.try_clone().unwrap()).unwrap();
        assert_eq!(book.sheet_names(), ["整改台账", "签核记录", "退回记录", "延期记录", "统计"]);
        let range = book.worksheet_range("整改台账").unwrap();
        let text = |r: u32, c: u32| range.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
        assert_eq!(text(0, 0), "某校整改台账");
        assert_eq!((text(2, 0), text(2, 1), text(2, 2), text(2, 3)), ("序号".into(), "问题类别".into(), "问题".into(), "整改措施".into()));
        assert_eq!((text(2, 15), text(3, 15), text(3, 16)), ("审核".into(), "审核人".into(), "审核时间".into()));
        assert_eq!(text(4, 0), "1");
        assert_eq!(text(8, 0), "5");
        assert_eq!(text(4, 1), "（一）履行职责使命方面");
        assert_eq!(text(7, 1), "（二）履行全面从严治党两个责任方面");
        assert_eq!(text(4, 3), "①措施1。具体做法");
        assert_eq!((text(4, 15), text(4, 17), text(4, 19)), ("覃守生".into(), "张红昌".into(), "戴先波".into()));
        assert!(matches!(range.get_value((4, 16)), Some(Data::DateTime(_))), "{:?}", range.get_value((4, 16)));
        assert_eq!(text(6, 13), "整改中（已逾期 3 天）");
        assert_eq!(text(7, 13), "待审核（5 天后到期）");
        let mut merged: Vec<String> = book
            .merge_cells_by_sheet_name("整改台账")
            .unwrap()
            .iter()
            .map(|d| format!("{:?}-{:?}", d.start, d.end))
            .filter(|m| !m.starts_with("(0,") && !m.starts_with("(1,") && !m.starts_with("(2,") && !m.starts_with("(10,"))
            .collect();
        merged.sort();
        // Category （一） over rows 4–6, problem 1 over 4–5 (with its close-out), category （二）
        // and problem 3 over 7–8.
        assert_eq!(
            merged,
            [
                "(4, 1)-(6, 1)",
                "(4, 2)-(5, 2)",
                "(4, 21)-(5, 21)",
                "(4, 22)-(5, 22)",
                "(7, 1)-(8, 1)",
                "(7, 2)-(8, 2)",
                "(7, 21)-(8, 21)",
                "(7, 22)-(8, 22)"
            ]
        );
    }

    #[test]
    fn the_sheets_are_set_up_for_screen_and_print() {
        let file = sample(layout());
        let xml = sheet_xml(&file, 1);
        assert!(xml.contains(r#"<pane ySplit="4" topLeftCell="A5" activePane="bottomLeft" state="frozen"/>"#), "{xml}");
        assert!(xml.contains(r#"<autoFilter ref="A4:W9"/>"#), "{xml}");
        assert!(xml.contains(r#"<pageSetup paperSize="9" fitToHeight="0" orientation="landscape""#), "{xml}");
        assert!(xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#), "{xml}");
        // Widths follow the text: the measure column is wider than the sequence number's.
        let width = |col: u32| {
            let tag = format!(r#"<col min="{col}" max="{col}" width=""#);
            let at = xml.find(&tag).unwrap_or_else(|| panic!("no width for column {col}: {xml}")) + tag.len();
            xml[at..].split('"').next().unwrap().parse::<f64>().unwrap()
        };
        assert!(width(4) > width(1) * 2.0, "{} {}", width(4), width(1));
        // Rows are as tall as their wrapped text: the second measure's long progress needs more.
        let height = |row: u32| {
            let tag = format!(r#"<row r="{row}" ht=""#);
            let at = xml.find(&tag).unwrap_or_else(|| panic!("no height for row {row}")) + tag.len();
            xml[at..].split('"').next().unwrap().parse::<f64>().unwrap()
        };
        assert!(height(6) > 2.0 * height(5), "{} {}", height(6), height(5));
        // Every row once, in order (Excel refuses a sheet that repeats one).
        let rows: Vec<u32> = xml.split("<row r=\"").skip(1).map(|t| t.split('"').next().unwrap().parse().unwrap()).collect();
        assert!(rows.windows(2).all(|w| w[0] < w[1]), "{rows:?}");
        assert!(xml.contains("注：状态底色"), "the colours are explained");
        let mut zip = zip::ZipArchive::new(file.try_clone().unwrap()).unwrap();
        let mut workbook = String::new();
        zip.by_name("xl/workbook.xml").unwrap().read_to_string(&mut workbook).unwrap();
        assert!(workbook.contains("整改台账!$3:$4"), "header rows repeat on every page: {workbook}");
        // Status cells are coloured: the overdue one red, the done ones green.
        let mut styles = String::new();
        zip.by_name("xl/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
        assert!(styles.contains("FFFFC7CE") && styles.contains("FFC6EFCE") && styles.contains("FFFFEB9C"), "{styles}");
    }

    #[test]
    fn records_and_statistics_have_their_sheets() {
        let file = sample(Layout { organisation_column: true, ..layout() });
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(file).unwrap();
        let signoffs = book.worksheet_range("签核记录").unwrap();
        let row: Vec<String> = signoffs.rows().nth(1).unwrap().iter().map(|v| v.to_string()).collect();
        assert_eq!(row[..8], ["1", "某校", "1.问题1", "①措施1", "1", "审核", "退回", "缺少会议纪要"]);
        let ext = book.worksheet_range("延期记录").unwrap();
        let row: Vec<String> = ext.rows().nth(1).unwrap().iter().map(|v| v.to_string()).collect();
        assert_eq!((row[6].as_str(), row[7].as_str(), row[9].as_str()), ("需跨学期完成", "蒋芳", "已批准"));
        let stats = book.worksheet_range("统计").unwrap();
        let rows: Vec<Vec<String>> = stats.rows().map(|r| r.iter().map(|v| v.to_string()).collect()).collect();
        assert_eq!(rows[1][..6], ["合计", "全部措施", "5", "2", "0.4", "1"]);
        assert_eq!(rows[2][..3], ["按单位", "长阳土家族自治县职业教育中心", "5"]);
        let categories: Vec<&str> = rows.iter().filter(|r| r[0] == "按问题类别").map(|r| r[2].as_str()).collect();
        assert_eq!(categories, ["3", "2"]);
        // With the 单位 column, the ledger's third column is the category.
        let ledger = book.worksheet_range("整改台账").unwrap();
        assert_eq!(ledger.get_value((4, 1)).unwrap().to_string(), "长阳土家族自治县职业教育中心");
    }
}
