//! A small WordprocessingML (DOCX) writer for official documents laid out per GB/T 9704-2012:
//! A4, fixed margins, a 22 × 28 text grid, page numbers "— N —" in 4号 宋体 on the outer side
//! (odd pages right, even pages left, through even/odd footers), sections in portrait or
//! landscape, tables with vertically merged cells, East-Asian font names as Word and WPS expect
//! them. The package is deterministic: fixed entry order and timestamps, no ids drawn at random,
//! so equal documents have equal bytes (and SHA-256).

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Twips (1/20 pt) per millimetre.
const TWIPS_PER_MM: f64 = 56.692_913;

pub fn mm(v: f64) -> u32 {
    (v * TWIPS_PER_MM).round() as u32
}

/// Sizes in half-points: 初号 … 小四.
pub mod size {
    /// 2号 (22 pt): the title.
    pub const ER: u32 = 44;
    /// 3号 (16 pt): the body.
    pub const SAN: u32 = 32;
    /// 4号 (14 pt): page numbers.
    pub const SI: u32 = 28;
    /// 小四 (12 pt): table text.
    pub const XIAO_SI: u32 = 24;
}

/// A typeface as named in the document, with the family Word/WPS falls back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// 方正小标宋简体: titles.
    XiaoBiaoSong,
    /// 仿宋_GB2312: the body.
    FangSong,
    /// 黑体: 一、 headings.
    Hei,
    /// 楷体_GB2312: （一） headings.
    Kai,
    /// 宋体: page numbers.
    Song,
}

impl Face {
    pub const ALL: [Face; 5] = [Face::XiaoBiaoSong, Face::FangSong, Face::Hei, Face::Kai, Face::Song];

    /// The East-Asian font name written into runs.
    pub fn name(self) -> &'static str {
        match self {
            Face::XiaoBiaoSong => "方正小标宋简体",
            Face::FangSong => "仿宋_GB2312",
            Face::Hei => "黑体",
            Face::Kai => "楷体_GB2312",
            Face::Song => "宋体",
        }
    }

    /// What `fontTable.xml` offers instead where the font is not installed.
    fn alt_name(self) -> &'static str {
        match self {
            Face::XiaoBiaoSong => "宋体",
            Face::FangSong => "仿宋",
            Face::Hei => "SimHei",
            Face::Kai => "楷体",
            Face::Song => "SimSun",
        }
    }

    /// PANOSE family and pitch as the font table declares them.
    fn family(self) -> &'static str {
        match self {
            Face::Hei => "modern",
            _ => "roman",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Both,
    Left,
    Center,
    Right,
}

impl Align {
    fn val(self) -> &'static str {
        match self {
            Align::Both => "both",
            Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Run {
    pub text: String,
    pub face: Face,
    /// Half-points.
    pub size: u32,
    pub bold: bool,
    /// RGB hex, e.g. `FF0000`.
    pub color: Option<&'static str>,
}

impl Run {
    pub fn new(text: impl Into<String>, face: Face, size: u32) -> Run {
        Run { text: text.into(), face, size, bold: false, color: None }
    }
    pub fn bold(self) -> Run {
        Run { bold: true, ..self }
    }
    pub fn color(self, c: &'static str) -> Run {
        Run { color: Some(c), ..self }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Para {
    pub runs: Vec<Run>,
    pub align: Align,
    /// First-line indent in hundredths of a character (200 = two characters).
    pub first_line_chars: u32,
    /// Indents in twips.
    pub left: u32,
    pub right: u32,
    /// Exact line height in twips; `None`: the document's grid.
    pub line: Option<u32>,
    /// Space before, in twips.
    pub before: u32,
    /// A rule under the paragraph: (colour, width in eighths of a point).
    pub rule_below: Option<(&'static str, u32)>,
    pub keep_next: bool,
    pub page_break_before: bool,
    /// Does not run on into the last line of a page alone.
    pub keep_lines: bool,
}

impl Para {
    pub fn new(runs: Vec<Run>) -> Para {
        Para { runs, ..Para::default() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Merge {
    #[default]
    None,
    /// The first cell of a vertically merged run.
    Start,
    /// Covered by the cell above.
    Continue,
}

#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub merge: Merge,
    pub center: bool,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), ..Cell::default() }
    }
    pub fn centered(self) -> Cell {
        Cell { center: true, ..self }
    }
    pub fn merged(self, m: Merge) -> Cell {
        Cell { merge: m, ..self }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column widths in twips.
    pub widths: Vec<u32>,
    /// Repeated at the top of every page.
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Para(Para),
    Table(Table),
}

#[derive(Debug, Clone)]
pub struct Section {
    pub landscape: bool,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    pub sections: Vec<Section>,
}

/// GB/T 9704 page: A4, margins top 37, bottom 35, left 28, right 26 mm.
pub struct Page;

impl Page {
    pub const WIDTH: u32 = 11906;
    pub const HEIGHT: u32 = 16838;
    pub fn top() -> u32 {
        mm(37.0)
    }
    pub fn bottom() -> u32 {
        mm(35.0)
    }
    pub fn left() -> u32 {
        mm(28.0)
    }
    pub fn right() -> u32 {
        mm(26.0)
    }
    /// The text block's width, 156 mm.
    pub fn text_width() -> u32 {
        Self::WIDTH - Self::left() - Self::right()
    }
    /// The text block's width on a landscape page (margins turned with the page).
    pub fn landscape_text_width() -> u32 {
        Self::HEIGHT - Self::top() - Self::bottom()
    }
    /// 22 lines in the 225 mm text block.
    pub const LINE_PITCH: u32 = 579;
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

fn rpr(out: &mut String, face: Face, size: u32, bold: bool, color: Option<&str>) {
    let n = face.name();
    // Latin text and digits in Times New Roman, Chinese in the named face.
    let latin = if face == Face::Song { n } else { "Times New Roman" };
    out.push_str(&format!(r#"<w:rPr><w:rFonts w:ascii="{latin}" w:eastAsia="{n}" w:hAnsi="{latin}" w:cs="{latin}" w:hint="eastAsia"/>"#));
    if bold {
        out.push_str("<w:b/><w:bCs/>");
    }
    if let Some(c) = color {
        out.push_str(&format!(r#"<w:color w:val="{c}"/>"#));
    }
    if size == size::SAN {
        // 28 characters of 3号 in the 156 mm line: each 0.25 pt narrower.
        out.push_str(r#"<w:spacing w:val="-5"/>"#);
    }
    out.push_str(&format!(r#"<w:sz w:val="{size}"/><w:szCs w:val="{size}"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>"#));
}

fn run(out: &mut String, r: &Run) {
    out.push_str("<w:r>");
    rpr(out, r.face, r.size, r.bold, r.color);
    out.push_str(&format!(r#"<w:t xml:space="preserve">{}</w:t></w:r>"#, esc(&r.text)));
}

fn para(out: &mut String, p: &Para, sect: Option<&str>) {
    para_with(out, p, sect, false)
}

/// `off_grid`: the line height is the paragraph's own, not snapped to the page's line grid.
fn para_with(out: &mut String, p: &Para, sect: Option<&str>, off_grid: bool) {
    out.push_str("<w:p><w:pPr>");
    if p.keep_next {
        out.push_str("<w:keepNext/>");
    }
    if p.keep_lines {
        out.push_str("<w:keepLines/>");
    }
    if p.page_break_before {
        out.push_str("<w:pageBreakBefore/>");
    }
    if let Some((color, width)) = p.rule_below {
        out.push_str(&format!(r#"<w:pBdr><w:bottom w:val="single" w:sz="{width}" w:space="4" w:color="{color}"/></w:pBdr>"#));
    }
    if off_grid {
        out.push_str(r#"<w:snapToGrid w:val="0"/>"#);
    }
    match p.line {
        Some(l) => out.push_str(&format!(r#"<w:spacing w:before="{}" w:after="0" w:line="{l}" w:lineRule="exact"/>"#, p.before)),
        None => out.push_str(&format!(r#"<w:spacing w:before="{}" w:after="0"/>"#, p.before)),
    }
    let first = if p.first_line_chars > 0 {
        // 3号 characters are 320 twips wide; the chars attribute wins where the grid applies.
        format!(r#" w:firstLineChars="{}" w:firstLine="{}""#, p.first_line_chars, p.first_line_chars * 320 / 100)
    } else {
        String::new()
    };
    out.push_str(&format!(r#"<w:ind w:left="{}" w:right="{}"{first}/>"#, p.left, p.right));
    out.push_str(&format!(r#"<w:jc w:val="{}"/>"#, p.align.val()));
    if let Some(s) = sect {
        out.push_str(s);
    }
    out.push_str("</w:pPr>");
    for r in &p.runs {
        run(out, r);
    }
    out.push_str("</w:p>");
}

fn cell_para(out: &mut String, text: &str, center: bool, bold: bool, face: Face) {
    let p = Para {
        runs: vec![Run { bold, ..Run::new(text, face, size::XIAO_SI) }],
        align: if center { Align::Center } else { Align::Left },
        line: Some(340),
        ..Para::default()
    };
    para_with(out, &p, None, true);
}

fn table(out: &mut String, t: &Table) {
    let total: u32 = t.widths.iter().sum();
    out.push_str(&format!(
        r#"<w:tbl><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#
    ));
    for w in &t.widths {
        out.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
    }
    out.push_str("</w:tblGrid>");
    if !t.header.is_empty() {
        out.push_str(r#"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"#);
        for (h, w) in t.header.iter().zip(&t.widths) {
            out.push_str(&format!(r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/><w:vAlign w:val="center"/></w:tcPr>"#));
            cell_para(out, h, true, false, Face::Hei);
            out.push_str("</w:tc>");
        }
        out.push_str("</w:tr>");
    }
    for row in &t.rows {
        // Long rows run on to the next page rather than leave half a page empty.
        out.push_str("<w:tr>");
        for (c, w) in row.iter().zip(&t.widths) {
            let merge = match c.merge {
                Merge::None => "",
                Merge::Start => r#"<w:vMerge w:val="restart"/>"#,
                Merge::Continue => "<w:vMerge/>",
            };
            out.push_str(&format!(r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{merge}<w:vAlign w:val="center"/></w:tcPr>"#));
            let text = if c.merge == Merge::Continue { "" } else { c.text.as_str() };
            cell_para(out, text, c.center, false, Face::FangSong);
            out.push_str("</w:tc>");
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
}

fn sect_pr(landscape: bool) -> String {
    let (w, h, orient) = if landscape { (Page::HEIGHT, Page::WIDTH, r#" w:orient="landscape""#) } else { (Page::WIDTH, Page::HEIGHT, "") };
    // Landscape pages keep the margins on the sheet's edges: the binding edge stays left of the text.
    let (top, right, bottom, left) = if landscape {
        (Page::left(), Page::top(), Page::right(), Page::bottom())
    } else {
        (Page::top(), Page::right(), Page::bottom(), Page::left())
    };
    // 22 lines to the page; the 28 characters to the line come from the runs' spacing, which
    // Word, WPS and LibreOffice all honour (a character grid is laid out differently by each).
    let grid = if landscape {
        r#"<w:docGrid w:linePitch="312"/>"#.to_string()
    } else {
        format!(r#"<w:docGrid w:type="lines" w:linePitch="{}"/>"#, Page::LINE_PITCH)
    };
    format!(
        r#"<w:sectPr><w:footerReference w:type="default" r:id="rIdFooterOdd"/><w:footerReference w:type="even" r:id="rIdFooterEven"/><w:type w:val="nextPage"/><w:pgSz w:w="{w}" w:h="{h}"{orient}/><w:pgMar w:top="{top}" w:right="{right}" w:bottom="{bottom}" w:left="{left}" w:header="851" w:footer="{footer}" w:gutter="0"/><w:cols w:space="425"/>{grid}</w:sectPr>"#,
        // The page number's baseline sits 7 mm below the text block.
        footer = mm(28.0),
    )
}

fn document_xml(d: &Document) -> String {
    let mut out = format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>"#);
    let n = d.sections.len();
    for (i, s) in d.sections.iter().enumerate() {
        let last = i + 1 == n;
        let mut blocks = s.blocks.iter().peekable();
        while let Some(b) = blocks.next() {
            let closes = !last && blocks.peek().is_none();
            match b {
                Block::Para(p) => para(&mut out, p, closes.then(|| sect_pr(s.landscape)).as_deref()),
                Block::Table(t) => {
                    table(&mut out, t);
                    if closes {
                        para(&mut out, &Para::default(), Some(&sect_pr(s.landscape)));
                    }
                }
            }
        }
        if s.blocks.is_empty() && !last {
            para(&mut out, &Para::default(), Some(&sect_pr(s.landscape)));
        }
        if last {
            out.push_str(&sect_pr(s.landscape));
        }
    }
    out.push_str("</w:body></w:document>");
    out
}

/// The page number footer: odd pages on the right, even pages on the left, one character in.
fn footer_xml(odd: bool) -> String {
    let mut out = format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr {NS}><w:p><w:pPr>"#);
    let (indent, jc) =
        if odd { (r#"<w:ind w:left="0" w:right="280"/>"#, "right") } else { (r#"<w:ind w:left="280" w:right="0"/>"#, "left") };
    out.push_str(&format!(r#"<w:spacing w:before="0" w:after="0"/>{indent}<w:jc w:val="{jc}"/></w:pPr>"#));
    let piece = |out: &mut String, inner: &str| {
        out.push_str("<w:r>");
        rpr(out, Face::Song, size::SI, false, None);
        out.push_str(inner);
        out.push_str("</w:r>");
    };
    piece(&mut out, r#"<w:t xml:space="preserve">— </w:t>"#);
    piece(&mut out, r#"<w:fldChar w:fldCharType="begin"/>"#);
    piece(&mut out, r#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#);
    piece(&mut out, r#"<w:fldChar w:fldCharType="separate"/>"#);
    piece(&mut out, r#"<w:t>1</w:t>"#);
    piece(&mut out, r#"<w:fldChar w:fldCharType="end"/>"#);
    piece(&mut out, r#"<w:t xml:space="preserve"> —</w:t>"#);
    out.push_str("</w:p></w:ftr>");
    out
}

fn styles_xml() -> String {
    let mut rp = String::new();
    rpr(&mut rp, Face::FangSong, size::SAN, false, None);
    let rp = rp.replace("<w:rPr>", "<w:rPrDefault><w:rPr>").replace("</w:rPr>", "</w:rPr></w:rPrDefault>");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {NS}><w:docDefaults>{rp}<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="{line}" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style></w:styles>"#,
        line = Page::LINE_PITCH
    )
}

fn font_table_xml() -> String {
    let mut out = format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:fonts {NS}>"#);
    for f in Face::ALL {
        out.push_str(&format!(
            r#"<w:font w:name="{}"><w:altName w:val="{}"/><w:charset w:val="86"/><w:family w:val="{}"/><w:pitch w:val="fixed"/></w:font>"#,
            f.name(),
            f.alt_name(),
            f.family()
        ));
    }
    out.push_str(r#"<w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font></w:fonts>"#);
    out
}

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rIdFonts" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/><Relationship Id="rIdFooterOdd" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rIdFooterEven" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/></Relationships>"#;

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Rectify</Application></Properties>"#;

fn core_xml(title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:language>zh-CN</dc:language></cp:coreProperties>"#,
        esc(title)
    )
}

/// The document as DOCX bytes; the same document always gives the same bytes.
pub fn write(d: &Document) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let parts: [(&str, String); 10] = [
        ("[Content_Types].xml", CONTENT_TYPES.into()),
        ("_rels/.rels", ROOT_RELS.into()),
        ("docProps/core.xml", core_xml(&d.title)),
        ("docProps/app.xml", APP.into()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.into()),
        ("word/document.xml", document_xml(d)),
        ("word/styles.xml", styles_xml()),
        ("word/settings.xml", SETTINGS.into()),
        ("word/fontTable.xml", font_table_xml()),
        ("word/footer1.xml", footer_xml(true)),
    ];
    let even = ("word/footer2.xml", footer_xml(false));
    for (name, body) in parts.iter().chain(std::iter::once(&even)) {
        // Writing to memory cannot fail.
        zip.start_file(*name, options).expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> Document {
        let p = Para::new(vec![Run::new("正文 & <测试>", Face::FangSong, size::SAN)]);
        let t = Table {
            widths: vec![1000, 2000],
            header: vec!["问题".into(), "措施".into()],
            rows: vec![
                vec![Cell::new("1.").merged(Merge::Start), Cell::new("①")],
                vec![Cell::new("1.").merged(Merge::Continue), Cell::new("②")],
            ],
        };
        Document {
            title: "测试".into(),
            sections: vec![
                Section { landscape: false, blocks: vec![Block::Para(p)] },
                Section { landscape: true, blocks: vec![Block::Table(t)] },
            ],
        }
    }

    fn entry(bytes: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn the_same_document_gives_the_same_bytes() {
        let a = write(&sample());
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(a, write(&sample()));
    }

    #[test]
    fn the_package_has_gbt_9704_pages_footers_sections_and_merged_cells() {
        let bytes = write(&sample());
        let doc = entry(&bytes, "word/document.xml");
        assert!(doc.contains("正文 &amp; &lt;测试&gt;"));
        // A4 portrait, margins 37/26/35/28 mm, then a landscape section.
        assert!(
            doc.contains(r#"<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#),
            "{doc}"
        );
        assert!(doc.contains(r#"<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>"#));
        assert_eq!(doc.matches("<w:sectPr>").count(), 2);
        assert!(doc.contains(r#"<w:vMerge w:val="restart"/>"#) && doc.contains("<w:vMerge/>"));
        assert!(doc.contains(r#"w:eastAsia="仿宋_GB2312""#));
        assert!(entry(&bytes, "word/settings.xml").contains("<w:evenAndOddHeaders/>"));
        let odd = entry(&bytes, "word/footer1.xml");
        assert!(odd.contains(r#"<w:jc w:val="right"/>"#) && odd.contains(" PAGE ") && odd.contains(r#"w:eastAsia="宋体""#));
        assert!(entry(&bytes, "word/footer2.xml").contains(r#"<w:jc w:val="left"/>"#));
        assert_eq!(Page::text_width(), mm(156.0) + 1);
    }
}
