//! Word documents (.docx): the body's paragraphs in order, each with the label Word's
//! automatic numbering shows in front of it, and its tables.
//!
//! What is read: the text of runs (`w:t`; `w:tab` as a tab; a line break `w:br` joins the
//! two halves of the paragraph, with a space between Latin text and none in Chinese, so a
//! numbered paragraph stays one paragraph), inserted text (`w:ins`). What is not: deleted or
//! moved-away text, field codes, hidden runs (`w:vanish`), drawings and text boxes, headers,
//! footers, footnotes and comments. A table becomes a [`Table`] named 表格1, 表格2 … and leaves
//! one empty paragraph where it stood; a table inside a cell adds its cells' lines to the
//! cell's text.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use encoding_rs::{Encoding, UTF_8};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::numbering::{is_wide, on, with_label, Counter, Definitions, NumPr};
use super::{damaged, too_large, MAX_PARAGRAPHS};
use crate::domain::imports::{Merge, Table};
use crate::error::AppResult;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W_STRICT: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";
const MC: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// Word allows 63 columns; wider grids are cut there.
const MAX_COLUMNS: usize = 64;
/// Cells over all tables, padding included.
const MAX_CELLS: usize = 1_000_000;
/// Elements inside elements: Word's own documents stay far below.
const MAX_DEPTH: usize = 256;

/// Reads a .docx already known to be a zip holding `word/document.xml`; no part may expand
/// past `limit` bytes.
pub(super) fn read_docx(bytes: &[u8], limit: u64) -> AppResult<(Vec<String>, Vec<Table>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    let document = part(&mut archive, "word/document.xml", limit)?.ok_or_else(damaged)?;
    let numbering = part(&mut archive, "word/numbering.xml", limit)?;
    let styles = part(&mut archive, "word/styles.xml", limit)?;
    let defs = Definitions::parse(numbering.as_deref(), styles.as_deref());
    Walker::new(&defs).run(&document)
}

fn part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, limit: u64) -> AppResult<Option<String>> {
    let entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => return Err(damaged()),
    };
    let mut bytes = Vec::new();
    entry.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|_| damaged())?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    // Word writes UTF-8; a UTF-16 part announces itself with a BOM.
    let text = match Encoding::for_bom(&bytes) {
        Some((encoding, bom)) if encoding != UTF_8 => {
            encoding.decode_without_bom_handling(bytes.get(bom..).unwrap_or_default()).0.into_owned()
        }
        Some((_, bom)) => String::from_utf8(bytes.get(bom..).unwrap_or_default().to_vec()).map_err(|_| damaged())?,
        None => String::from_utf8(bytes).map_err(|_| damaged())?,
    };
    Ok(Some(text))
}

/// Where the reader is, for the elements whose meaning depends on their parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    P,
    PPr,
    NumPr,
    R,
    RPr,
    T,
    Tbl,
    Tr,
    TrPr,
    Tc,
    TcPr,
    /// An element whose content is not read.
    Skip,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    Word,
    Compatibility,
    Other,
}

#[derive(Debug, Default)]
struct Para {
    style: Option<String>,
    num: NumPr,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VMerge {
    No,
    Restart,
    Continue,
}

#[derive(Debug)]
struct Cell {
    lines: Vec<String>,
    span: usize,
    vmerge: VMerge,
}

#[derive(Debug, Default)]
struct Row {
    before: usize,
    cells: Vec<Cell>,
}

/// The line break inside a paragraph, until the paragraph is finished.
const BREAK: char = '\n';

/// Content not read: deleted and moved-away text, field codes, the previous state of
/// tracked formatting changes, drawings and text boxes.
const SKIPPED: [&str; 14] = [
    "del",
    "moveFrom",
    "delText",
    "instrText",
    "delInstrText",
    "pPrChange",
    "rPrChange",
    "sectPrChange",
    "tblPrChange",
    "trPrChange",
    "tcPrChange",
    "drawing",
    "pict",
    "object",
];

struct Walker<'a> {
    counter: Counter<'a>,
    stack: Vec<Tag>,
    skipping: usize,
    paras: Vec<Para>,
    tables: Vec<Vec<Row>>,
    run_hidden: bool,
    paragraphs: Vec<String>,
    done: Vec<Table>,
    read_paragraphs: usize,
    cells: usize,
}

impl<'a> Walker<'a> {
    fn new(defs: &'a Definitions) -> Walker<'a> {
        Walker {
            counter: Counter::new(defs),
            stack: Vec::new(),
            skipping: 0,
            paras: Vec::new(),
            tables: Vec::new(),
            run_hidden: false,
            paragraphs: Vec::new(),
            done: Vec::new(),
            read_paragraphs: 0,
            cells: 0,
        }
    }

    fn run(mut self, xml: &str) -> AppResult<(Vec<String>, Vec<Table>)> {
        let mut reader = NsReader::from_str(xml);
        loop {
            match reader.read_resolved_event() {
                Ok((ns, Event::Start(e))) => {
                    let tag = self.open(space(&ns), &e);
                    self.push(tag)?;
                }
                Ok((ns, Event::Empty(e))) => {
                    let tag = self.open(space(&ns), &e);
                    self.push(tag)?;
                    self.close()?;
                }
                Ok((_, Event::End(_))) => self.close()?,
                Ok((_, Event::Text(t))) if self.collecting() => {
                    let text = t.xml10_content();
                    self.push_text(&text);
                }
                Ok((_, Event::CData(t))) if self.collecting() => self.push_text(&t),
                Ok((_, Event::GeneralRef(r))) if self.collecting() => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => match &*r {
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "amp" => Some('&'),
                            "apos" => Some('\''),
                            "quot" => Some('"'),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    if let Some(c) = c {
                        self.push_char(c);
                    }
                }
                Ok((_, Event::Eof)) => break,
                Ok(_) => {}
                Err(_) => return Err(damaged()),
            }
        }
        Ok((self.paragraphs, self.done))
    }

    fn parent(&self) -> Option<Tag> {
        self.stack.last().copied()
    }

    fn collecting(&self) -> bool {
        self.skipping == 0 && !self.run_hidden && self.parent() == Some(Tag::T)
    }

    /// Opens an element; a document nested deeper than Word ever writes is refused.
    fn push(&mut self, tag: Tag) -> AppResult<()> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(damaged());
        }
        if tag == Tag::Skip {
            self.skipping += 1;
        }
        self.stack.push(tag);
        Ok(())
    }

    fn push_text(&mut self, text: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.text.push_str(text);
        }
    }

    fn push_char(&mut self, c: char) {
        if let Some(p) = self.paras.last_mut() {
            p.text.push(c);
        }
    }

    /// What an opening element means here, with its effect on the paragraph or table being
    /// read.
    fn open(&mut self, space: Space, e: &BytesStart) -> Tag {
        if self.skipping > 0 {
            return Tag::Other;
        }
        let name = e.local_name();
        let name = name.as_ref();
        match space {
            Space::Compatibility if name == "Fallback" => return Tag::Skip,
            Space::Word => {}
            _ => return Tag::Other,
        }
        if SKIPPED.contains(&name) {
            return Tag::Skip;
        }
        let parent = self.parent();
        let in_run = parent == Some(Tag::R) && !self.run_hidden;
        let val = || attr(e, "val");
        match name {
            "p" => {
                self.paras.push(Para::default());
                return Tag::P;
            }
            "pPr" if parent == Some(Tag::P) => return Tag::PPr,
            "pStyle" if parent == Some(Tag::PPr) => {
                if let Some(p) = self.paras.last_mut() {
                    p.style = val();
                }
            }
            "numPr" if parent == Some(Tag::PPr) => return Tag::NumPr,
            "numId" | "ilvl" if parent == Some(Tag::NumPr) => {
                if let Some(p) = self.paras.last_mut() {
                    let n = val().and_then(|v| v.parse::<i64>().ok());
                    if name == "numId" {
                        p.num.num_id = n;
                    } else {
                        p.num.level = n.and_then(|n| usize::try_from(n).ok());
                    }
                }
            }
            "r" => {
                self.run_hidden = false;
                return Tag::R;
            }
            "rPr" if parent == Some(Tag::R) => return Tag::RPr,
            "vanish" if parent == Some(Tag::RPr) => self.run_hidden = on(val()),
            "t" if parent == Some(Tag::R) => return Tag::T,
            "tab" | "ptab" if in_run => self.push_char('\t'),
            "br" | "cr" if in_run => self.push_char(BREAK),
            "noBreakHyphen" if in_run => self.push_char('-'),
            "sym" if in_run => {
                // Symbol-font characters are private-use code points with no meaning as text.
                let c = attr(e, "char").and_then(|h| u32::from_str_radix(&h, 16).ok()).and_then(char::from_u32);
                if let Some(c) = c.filter(|c| !('\u{E000}'..='\u{F8FF}').contains(c)) {
                    self.push_char(c);
                }
            }
            "tbl" => {
                self.tables.push(Vec::new());
                return Tag::Tbl;
            }
            "tr" => {
                if let Some(rows) = self.tables.last_mut() {
                    rows.push(Row::default());
                }
                return Tag::Tr;
            }
            "trPr" if parent == Some(Tag::Tr) => return Tag::TrPr,
            "gridBefore" if parent == Some(Tag::TrPr) => {
                if let Some(row) = self.tables.last_mut().and_then(|rows| rows.last_mut()) {
                    row.before = val().and_then(|v| v.parse().ok()).unwrap_or(0);
                }
            }
            "tc" => {
                if let Some(row) = self.tables.last_mut().and_then(|rows| rows.last_mut()) {
                    row.cells.push(Cell { lines: Vec::new(), span: 1, vmerge: VMerge::No });
                }
                return Tag::Tc;
            }
            "tcPr" if parent == Some(Tag::Tc) => return Tag::TcPr,
            "gridSpan" | "vMerge" if parent == Some(Tag::TcPr) => {
                if let Some(cell) = self.tables.last_mut().and_then(|rows| rows.last_mut()).and_then(|row| row.cells.last_mut()) {
                    if name == "gridSpan" {
                        cell.span = val().and_then(|v| v.parse().ok()).unwrap_or(1);
                    } else {
                        cell.vmerge = if val().as_deref() == Some("restart") { VMerge::Restart } else { VMerge::Continue };
                    }
                }
            }
            _ => {}
        }
        Tag::Other
    }

    fn close(&mut self) -> AppResult<()> {
        match self.stack.pop() {
            Some(Tag::Skip) => self.skipping = self.skipping.saturating_sub(1),
            Some(Tag::P) => self.end_paragraph()?,
            Some(Tag::R) => self.run_hidden = false,
            Some(Tag::Tbl) => self.end_table()?,
            _ => {}
        }
        Ok(())
    }

    /// Whether the element being read sits in a table cell (rather than the body).
    fn in_cell(&self) -> bool {
        self.stack.iter().rev().find(|t| matches!(t, Tag::Tc | Tag::Tbl)) == Some(&Tag::Tc)
    }

    fn open_cell(&mut self) -> Option<&mut Cell> {
        if !self.in_cell() {
            return None;
        }
        self.tables.last_mut().and_then(|rows| rows.last_mut()).and_then(|row| row.cells.last_mut())
    }

    fn end_paragraph(&mut self) -> AppResult<()> {
        let Some(para) = self.paras.pop() else { return Ok(()) };
        self.read_paragraphs += 1;
        if self.read_paragraphs > MAX_PARAGRAPHS {
            return Err(too_large());
        }
        let text = finish(&para.text);
        let line = match self.counter.label(para.num, para.style.as_deref()) {
            Some((label, no_suffix)) => with_label(&label, no_suffix, &text),
            None => text,
        };
        match self.open_cell() {
            Some(cell) => cell.lines.push(line),
            None => self.paragraphs.push(line),
        }
        Ok(())
    }

    fn end_table(&mut self) -> AppResult<()> {
        let Some(rows) = self.tables.pop() else { return Ok(()) };
        if let Some(cell) = self.open_cell() {
            cell.lines.extend(rows.into_iter().flat_map(|r| r.cells).flat_map(|c| c.lines));
            return Ok(());
        }
        // Counted before the grid is padded to its widest row, which is what it will hold.
        let width = rows.iter().map(|r| r.before.saturating_add(r.cells.iter().map(|c| c.span.max(1)).sum::<usize>())).max().unwrap_or(0);
        self.cells = self.cells.saturating_add(rows.len().saturating_mul(width.min(MAX_COLUMNS)));
        if self.cells > MAX_CELLS {
            return Err(too_large());
        }
        let table = grid(rows, format!("表格{}", self.done.len() + 1));
        self.done.push(table);
        self.paragraphs.push(String::new());
        Ok(())
    }
}

fn space(ns: &ResolveResult) -> Space {
    match ns {
        ResolveResult::Bound(ns) if ns.as_ref() == W || ns.as_ref() == W_STRICT => Space::Word,
        ResolveResult::Bound(ns) if ns.as_ref() == MC => Space::Compatibility,
        _ => Space::Other,
    }
}

/// An attribute's value by its local name (`w:val` → `val`).
pub(super) fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// A paragraph's text once its runs are read: line breaks joined (nothing between Chinese,
/// a space between Latin words), control characters other than tab removed.
fn finish(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let is_break = |c: char| c == BREAK || c == '\r';
    let tight = |c: Option<&char>| c.is_none_or(|c| is_wide(*c) || c.is_whitespace());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if is_break(c) {
            // A run of breaks is one gap: found once, not again for each break in it.
            let end = chars[i..].iter().position(|c| !is_break(*c)).map_or(chars.len(), |k| i + k);
            if !tight(out.chars().last().as_ref()) && !tight(chars.get(end)) {
                out.push(' ');
            }
            i = end;
            continue;
        }
        if !c.is_control() || c == '\t' {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// A Word table as a grid: a cell spanning columns (`w:gridSpan`) or continuing the cell
/// above (`w:vMerge`) leaves empty cells behind its top-left one, and the range is a
/// [`Merge`]. Rows are padded to the widest.
fn grid(rows: Vec<Row>, name: String) -> Table {
    let mut grid: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    let mut merges: Vec<Merge> = Vec::new();
    // Vertical ranges still open, by their first column.
    let mut open: HashMap<usize, usize> = HashMap::new();
    for (r, row) in rows.into_iter().enumerate() {
        let mut cells: Vec<String> = vec![String::new(); row.before.min(MAX_COLUMNS)];
        for cell in row.cells {
            let c = cells.len();
            if c >= MAX_COLUMNS {
                break;
            }
            let span = cell.span.clamp(1, MAX_COLUMNS - c);
            let last_col = c + span - 1;
            let text = cell.lines.join("\n").trim_matches('\n').to_string();
            let continued = match cell.vmerge {
                VMerge::Continue => open.get(&c).copied().filter(|&m| merges.get(m).is_some_and(|m| m.last_row + 1 == r)),
                _ => None,
            };
            if let Some(m) = continued.and_then(|m| merges.get_mut(m)) {
                m.last_row = r;
                m.last_col = m.last_col.max(last_col);
                // Text typed in a continuing cell shows in the merged cell: keep it there.
                if !text.is_empty() {
                    if let Some(top) = grid.get_mut(m.first_row).and_then(|row| row.get_mut(m.first_col)) {
                        if !top.is_empty() {
                            top.push('\n');
                        }
                        top.push_str(&text);
                    }
                }
                cells.extend(std::iter::repeat_n(String::new(), span));
                continue;
            }
            open.remove(&c);
            if cell.vmerge == VMerge::Restart || span > 1 {
                if cell.vmerge == VMerge::Restart {
                    open.insert(c, merges.len());
                }
                merges.push(Merge { first_row: r, last_row: r, first_col: c, last_col });
            }
            cells.push(text);
            cells.extend(std::iter::repeat_n(String::new(), span - 1));
        }
        grid.push(cells);
    }
    merges.retain(|m| m.first_row != m.last_row || m.first_col != m.last_col);
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut grid {
        row.resize(width, String::new());
    }
    Table { name, rows: grid, merges }
}
