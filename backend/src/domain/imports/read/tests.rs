use std::io::{Cursor, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::*;
use crate::domain::imports::{Merge, Table};

const REPORT: &str = include_str!("../../../../fixtures/changyang-2021/report.txt");

/// The 422's field code, or a note of what came back instead.
fn code(result: AppResult<(InputFormat, Source)>) -> String {
    match result {
        Ok((format, _)) => format!("read as {format:?}"),
        Err(e) => {
            assert_eq!(e.status.as_u16(), 422, "{e:?}");
            assert_eq!(e.errors.len(), 1, "{e:?}");
            assert_eq!(e.errors[0].pointer, "/file");
            assert!(!e.errors[0].message.is_empty());
            e.errors[0].code.clone()
        }
    }
}

fn paragraphs(result: AppResult<(InputFormat, Source)>) -> (InputFormat, Vec<String>, Vec<Table>) {
    match result {
        Ok((format, Source::Text { paragraphs, tables })) => (format, paragraphs, tables),
        Ok((format, Source::Sheets(_))) => panic!("read as sheets ({format:?})"),
        Err(e) => panic!("refused: {e:?}"),
    }
}

fn report_lines() -> Vec<String> {
    REPORT.lines().map(str::to_string).collect()
}

#[test]
fn the_report_reads_alike_in_every_encoding_it_is_saved_in() {
    let (format, utf8, _) = paragraphs(read(REPORT.as_bytes(), Some("report.txt")));
    assert_eq!(format, InputFormat::Text);
    assert_eq!(utf8, report_lines(), "one paragraph per line, blank lines kept");
    assert_eq!(utf8.len(), 354);
    assert_eq!(utf8[28], "（一）履行职责使命方面", "line 29 as the source view numbers it");

    let (gbk, _, unmappable) = encoding_rs::GBK.encode(REPORT);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "GBK bytes are not UTF-8");
    assert_eq!(paragraphs(read(&gbk, Some("report.txt"))).1, utf8, "GBK");

    let windows = format!("\u{FEFF}{}", REPORT.replace('\n', "\r\n"));
    assert_eq!(paragraphs(read(windows.as_bytes(), None)).1, utf8, "UTF-8 with BOM and CRLF");

    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(REPORT.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(paragraphs(read(&utf16, None)).1, utf8, "UTF-16LE with BOM");
    let mut utf16be = vec![0xFE, 0xFF];
    utf16be.extend(REPORT.encode_utf16().flat_map(u16::to_be_bytes));
    assert_eq!(paragraphs(read(&utf16be, None)).1, utf8, "UTF-16BE with BOM");
}

#[test]
fn decoding_picks_the_encoding_that_fits() {
    assert_eq!(decode_text("整改报告".as_bytes()).ok().as_deref(), Some("整改报告"));
    let (gbk, _, _) = encoding_rs::GBK.encode("巡察反馈问题整改情况");
    assert_eq!(decode_text(&gbk).ok().as_deref(), Some("巡察反馈问题整改情况"));
    // A UTF-8 file cut off in the middle of a character is still UTF-8.
    let cut = "巡察反馈问题整改情况的报告".as_bytes();
    let decoded = decode_text(&cut[..cut.len() - 1]).unwrap_or_default();
    assert!(decoded.starts_with("巡察反馈问题整改情况的"), "{decoded}");
    let utf16: Vec<u8> = "1. 问题\r\n2. 问题\r\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(decode_text(&utf16).ok().as_deref(), Some("1. 问题\r\n2. 问题\r\n"), "UTF-16 without a BOM");
    assert_eq!(decode_text(b"a\0b\x07c\td\r\n").ok().as_deref(), Some("abc\td\r\n"), "stray controls go");
}

#[test]
fn lines_are_numbered_as_an_editor_shows_them() {
    assert_eq!(lines("一\r\n二\r三\n\n四\n"), ["一", "二", "三", "", "四"]);
    assert_eq!(lines("\u{FEFF}a\tb\0c\x0C"), ["a\tbc"]);
    assert_eq!(lines(""), Vec::<String>::new());
    assert_eq!(lines("\n"), [""]);
}

#[test]
fn nothing_to_read_is_refused() {
    assert_eq!(code(read(b"", Some("a.txt"))), "empty_document");
    assert_eq!(code(read(b" \r\n\t\n", None)), "empty_document");
    assert_eq!(code(read("\u{3000}\n\u{3000}".as_bytes(), None)), "empty_document");
    let blank_docx = docx(r#"<w:p/><w:p><w:r><w:t xml:space="preserve">   </w:t></w:r></w:p>"#, None, None);
    assert_eq!(code(read(&blank_docx, Some("a.docx"))), "empty_document");
}

#[test]
fn files_that_are_not_documents_are_refused_by_content() {
    let mut state: u32 = 0x2545_F491;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    assert_eq!(code(read(&noise, Some("report.txt"))), "unsupported_format");
    assert_eq!(code(read(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'], Some("scan.jpg"))), "unsupported_format");
    assert_eq!(code(read(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some("scan.txt"))), "unsupported_format", "the name does not matter");
    let ofd = zip_of(&[("OFD.xml", b"<ofd:OFD/>".to_vec())]);
    assert_eq!(code(read(&ofd, Some("公文.ofd"))), "unsupported_format");
    assert_eq!(code(read(&zip_of(&[("a.txt", b"x".to_vec())]), Some("a.zip"))), "unsupported_format");
    assert_eq!(code(read("{\\rtf1\\ansi 整改}".as_bytes(), Some("a.doc"))), "save_as_docx");
    assert_eq!(
        code(read(b"<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><body>x</body></html>", Some("a.doc"))),
        "save_as_docx"
    );
}

#[test]
fn damaged_and_oversized_archives_are_refused() {
    let whole = docx("<w:p><w:r><w:t>整改</w:t></w:r></w:p>", None, None);
    assert_eq!(code(read(&whole[..whole.len() / 2], Some("a.docx"))), "damaged_document");
    assert_eq!(code(read(&whole[..whole.len() - 10], Some("a.docx"))), "damaged_document");

    let many: Vec<(String, Vec<u8>)> = (0..=ZIP_LIMITS.max_entries).map(|i| (format!("word/media/{i}.xml"), Vec::new())).collect();
    let mut entries: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    entries.push(("word/document.xml", b"<w:document/>".to_vec()));
    assert_eq!(code(read(&zip_of(&entries), Some("a.docx"))), "document_too_large", "too many entries");

    let bomb = zip_of(&[("word/document.xml", vec![b'a'; 2 << 20])]);
    assert!(bomb.len() < 64 * 1024);
    let small = ZipLimits { max_entries: 100, max_uncompressed: 1 << 20 };
    assert_eq!(code(read_zip(&bomb, small)), "document_too_large", "expands past the limit");

    let broken_xml = docx("<w:p><w:r><w:t>整改</w:r></w:p>", None, None);
    assert_eq!(code(read(&broken_xml, Some("a.docx"))), "damaged_document");
}

#[test]
fn ole_files_are_told_apart_by_their_streams() {
    assert_eq!(code(read(&ole(&["WordDocument", "1Table"]), Some("通知.doc"))), "save_as_docx");
    assert_eq!(code(read(&ole(&["WordDocument"]), Some("通知.wps"))), "save_as_docx");
    assert_eq!(code(read(&ole(&["Contents"]), Some("通知.wps"))), "save_as_docx", "a WPS file by its name");
    assert_eq!(code(read(&ole(&["EncryptedPackage", "EncryptionInfo"]), Some("a.docx"))), "encrypted_document");
    assert_eq!(code(read(&ole(&["PowerPoint Document"]), Some("a.ppt"))), "unsupported_format");
    // Workbooks go to the sheet reader, which finds these streams empty.
    assert_eq!(code(read(&ole(&["Workbook"]), Some("台账.xls"))), "unreadable_workbook");
    assert_eq!(code(read(&ole(&["Book"]), None)), "unreadable_workbook");
    let mut header_only = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    header_only.extend([0u8; 504]);
    assert_eq!(code(read(&header_only, Some("a.doc"))), "damaged_document");
}

#[test]
fn workbooks_and_csv_go_to_the_sheet_reader() {
    let xlsx = zip_of(&[("[Content_Types].xml", b"<Types/>".to_vec()), ("xl/workbook.xml", b"<workbook/>".to_vec())]);
    // The sheet reader's answer: the workbook part is empty.
    assert_eq!(code(read(&xlsx, Some("台账.xlsx"))), "unreadable_workbook");
    assert_eq!(code(read("序号,问题,措施\n1,理论武装不够,强化学习\n".as_bytes(), Some("台账.txt"))), "read as Csv");
    assert_eq!(code(read("序号\t问题\t措施\n1\t理论武装不够\t强化学习\n".as_bytes(), None)), "read as Csv", "tab-separated");
    assert_eq!(code(read("问题清单\n理论武装不够\n".as_bytes(), Some("台账.CSV"))), "read as Csv", "by its name");
    let (gbk, _, _) = encoding_rs::GBK.encode("序号,问题,措施\n1,理论武装不够,强化学习\n");
    assert_eq!(code(read(&gbk, None)), "read as Csv");
    assert_eq!(code(read("一、问题，措施，成效\n二、问题，措施，成效\n".as_bytes(), None)), "read as Text", "Chinese commas are prose");
    assert_eq!(code(read("Dear all, hello, world\nThanks\n".as_bytes(), None)), "read as Text");
}

// ---- Word documents ---------------------------------------------------------------------

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A .docx Word and LibreOffice open: the body XML, and optionally numbering and styles.
fn docx(body: &str, numbering: Option<&str>, styles: Option<&str>) -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let doc_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W_NS}><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#
    );
    let mut entries = vec![
        ("[Content_Types].xml", types.as_bytes().to_vec()),
        ("_rels/.rels", rels.as_bytes().to_vec()),
        ("word/_rels/document.xml.rels", doc_rels.as_bytes().to_vec()),
        ("word/document.xml", document.into_bytes()),
    ];
    let wrap = |root: &str, inner: &str| {
        format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{root} {W_NS}>{inner}</w:{root}>"#).into_bytes()
    };
    entries.push(("word/numbering.xml", wrap("numbering", numbering.unwrap_or_default())));
    entries.push(("word/styles.xml", wrap("styles", styles.unwrap_or_default())));
    zip_of(&entries)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn run(text: &str) -> String {
    format!(r#"<w:r><w:t xml:space="preserve">{}</w:t></w:r>"#, escape(text))
}

/// Categories （%1） (chineseCounting, no tab after), problems %1. (decimal, a space after,
/// never restarted, so they run 1…30 across categories), measures %1 (decimalEnclosedCircle,
/// restarting under each problem). Num 2 restarts the first level for the closing part.
const NUMBERING: &str = r#"<w:abstractNum w:abstractNumId="3">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:suff w:val="nothing"/><w:lvlText w:val="（%1）"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:lvlRestart w:val="0"/><w:numFmt w:val="decimal"/><w:suff w:val="space"/><w:lvlText w:val="%2."/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:suff w:val="nothing"/><w:lvlText w:val="%3"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="3"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="3"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>"#;

/// Categories take their numbering from their paragraph style, as Word's heading styles do.
const STYLES: &str = r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Category"><w:name w:val="Category"/><w:basedOn w:val="Normal"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>"#;

/// The report as Word would hold it with automatic numbering: the labels of categories,
/// problems and measures taken out of the text; with `edits`, measures carry the kind of
/// edits real documents do (text split over runs, a tracked deletion and insertion, a hidden
/// run).
fn numbered_report(edits: bool) -> Vec<u8> {
    let mut body = String::new();
    for (i, line) in REPORT.lines().enumerate() {
        let closing = i > 300;
        let category = ["（一）", "（二）", "（三）"].iter().find_map(|l| line.strip_prefix(l));
        let problem = line.split_once(". ").filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).map(|(_, rest)| rest);
        let measure = line.chars().next().filter(|c| ('①'..='⑳').contains(c)).map(|c| &line[c.len_utf8()..]);
        let (ppr, text) = match (category, problem, measure) {
            (Some(text), _, _) if closing => (r#"<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr></w:pPr>"#, text),
            (Some(text), _, _) => (r#"<w:pPr><w:pStyle w:val="Category"/></w:pPr>"#, text),
            (_, Some(text), _) => (r#"<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr>"#, text),
            (_, _, Some(text)) => (r#"<w:pPr><w:numPr><w:ilvl w:val="2"/><w:numId w:val="1"/></w:numPr></w:pPr>"#, text),
            _ => ("", line),
        };
        let runs = match text.char_indices().nth(4) {
            Some((cut, _)) if measure.is_some() && edits => format!(
                r#"{}<w:del w:id="{i}" w:author="a"><w:r><w:delText>删去的字</w:delText></w:r></w:del><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏的字</w:t></w:r><w:ins w:id="{i}" w:author="a">{}</w:ins>"#,
                run(&text[..cut]),
                run(&text[cut..])
            ),
            _ => run(text),
        };
        body.push_str(&format!("<w:p>{ppr}{runs}</w:p>"));
    }
    docx(&body, Some(NUMBERING), Some(STYLES))
}

#[test]
fn word_numbering_is_put_back_in_front_of_the_paragraphs() {
    let (format, paragraphs, tables) = paragraphs(read(&numbered_report(true), Some("整改报告.docx")));
    assert_eq!(format, InputFormat::Docx);
    assert!(tables.is_empty());
    assert_eq!(paragraphs[28], "（一）履行职责使命方面");
    assert_eq!(paragraphs[30], "1. 理论武装不够问题");
    assert!(paragraphs[32].starts_with("①强化思想武装。9 月份开始"), "{}", paragraphs[32]);
    assert_eq!(paragraphs[154], "（二）履行全面从严治党两个责任方面");
    assert_eq!(paragraphs[320], "30. 组织生活不规范问题", "problems run on across categories");
    assert!(paragraphs[334].starts_with("（一）问题导向"), "a restarted list: {}", paragraphs[334]);
    for (n, (got, want)) in paragraphs.iter().zip(report_lines()).enumerate() {
        assert_eq!(got, &want, "paragraph {}", n + 1);
    }
    assert_eq!(paragraphs.len(), 354);
    // And so the same ledger.
    assert_eq!(crate::domain::imports::parse::parse(&paragraphs), crate::domain::imports::parse::parse(&report_lines()));
}

#[test]
fn runs_tabs_breaks_and_entities_make_the_paragraph_text() {
    let body = r#"<w:p><w:r><w:t>a&amp;b &lt;c&gt; &#x4E00;</w:t><w:tab/><w:t>d</w:t></w:r></w:p>
<w:p><w:r><w:t>责任领导：</w:t><w:br/><w:t>张三</w:t></w:r></w:p>
<w:p><w:r><w:t>first</w:t><w:br/><w:t>second</w:t></w:r></w:p>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="840"/></w:tabs><w:rPr><w:vanish/></w:rPr></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:t>in a drawing</w:t></w:drawing></mc:Choice><mc:Fallback><w:pict><w:t>fallback</w:t></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>after</w:t></w:r></w:p>
<w:p><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>shown</w:t></w:r><w:moveFrom><w:r><w:t>moved away</w:t></w:r></w:moveFrom><w:moveTo><w:r><w:t> here</w:t></w:r></w:moveTo></w:p>
<w:p><w:hyperlink><w:r><w:t>link</w:t></w:r></w:hyperlink><w:sdt><w:sdtContent><w:r><w:t> control</w:t></w:r></w:sdtContent></w:sdt></w:p>"#;
    let (_, paragraphs, _) = paragraphs(read(&docx(body, None, None), None));
    assert_eq!(paragraphs, ["a&b <c> 一\td", "责任领导：张三", "first second", "7", "after", "shown here", "link control"]);
}

#[test]
fn tables_become_grids_with_their_merges() {
    let cell = |text: &str, props: &str| format!("<w:tc><w:tcPr>{props}</w:tcPr><w:p>{}</w:p></w:tc>", run(text));
    let row = |cells: &[String]| format!("<w:tr>{}</w:tr>", cells.concat());
    let table = [
        row(&[cell("序号", ""), cell("问题", ""), cell("整改措施", r#"<w:gridSpan w:val="2"/>"#)]),
        row(&[
            cell("1", r#"<w:vMerge w:val="restart"/>"#),
            cell("理论武装不够", r#"<w:vMerge w:val="restart"/>"#),
            cell("①强化思想武装", ""),
            cell("张三", ""),
        ]),
        row(&[cell("", "<w:vMerge/>"), cell("", r#"<w:vMerge w:val="continue"/>"#), cell("②强化理论武装", ""), cell("李四", "")]),
        row(&[cell("2", ""), cell("落实不到位", ""), cell("", ""), cell("", "")]),
    ]
    .concat();
    let nested = format!("<w:tbl><w:tr>{}{}</w:tr></w:tbl>", cell("内", ""), cell("表", ""));
    let two_paragraphs = format!(r#"<w:tc><w:p>{}</w:p><w:p/><w:p>{}</w:p>{nested}<w:p/></w:tc>"#, run("第一段"), run("第二段"));
    let body = format!(
        r#"<w:p>{}</w:p><w:tbl><w:tblPr/><w:tblGrid/>{table}</w:tbl><w:p>{}</w:p><w:tbl><w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>{two_paragraphs}</w:tr><w:tr>{}{}</w:tr></w:tbl>"#,
        run("表格前"),
        run("表格后"),
        cell("a", ""),
        cell("b", "")
    );
    let (_, paragraphs, tables) = paragraphs(read(&docx(&body, None, None), None));
    assert_eq!(paragraphs, ["表格前", "", "表格后", ""], "each table leaves one empty paragraph");
    assert_eq!(tables.len(), 2);
    let first = &tables[0];
    assert_eq!(first.name, "表格1");
    assert_eq!(
        first.rows,
        [
            ["序号", "问题", "整改措施", ""],
            ["1", "理论武装不够", "①强化思想武装", "张三"],
            ["", "", "②强化理论武装", "李四"],
            ["2", "落实不到位", "", ""],
        ]
    );
    assert_eq!(
        first.merges,
        [
            Merge { first_row: 0, last_row: 0, first_col: 2, last_col: 3 },
            Merge { first_row: 1, last_row: 2, first_col: 0, last_col: 0 },
            Merge { first_row: 1, last_row: 2, first_col: 1, last_col: 1 },
        ]
    );
    let second = &tables[1];
    assert_eq!(second.name, "表格2");
    assert_eq!(second.rows, [["", "第一段\n\n第二段\n内\n表"], ["a", "b"]], "paragraphs of a cell and of a table inside it, one per line");
    assert!(second.merges.is_empty());
}

#[test]
fn numbered_paragraphs_in_tables_count_with_the_body() {
    let numbered =
        |text: &str| format!(r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr>{}</w:p>"#, run(text));
    let body = format!("{}<w:tbl><w:tr><w:tc>{}</w:tc></w:tr></w:tbl>{}", numbered("甲"), numbered("乙"), numbered("丙"));
    let (_, paragraphs, tables) = paragraphs(read(&docx(&body, Some(NUMBERING), Some(STYLES)), None));
    assert_eq!(paragraphs, ["1. 甲", "", "3. 丙"]);
    assert_eq!(tables[0].rows, [["2. 乙"]]);
}

// ---- PDF --------------------------------------------------------------------------------

use pdf_extract::{Dictionary, Document as Pdf, Object, ObjectId, Stream};

fn dict(entries: Vec<(&str, Object)>) -> Dictionary {
    let mut d = Dictionary::new();
    for (k, v) in entries {
        d.set(k, v);
    }
    d
}

/// A one-page PDF drawing `content`, with the XObjects `forms` adds as the page's XObject
/// resources; the document is returned with the ids of its page and page tree to be changed.
fn pdf_doc(content: &[u8], forms: impl FnOnce(&mut Pdf) -> Dictionary) -> (Pdf, ObjectId, ObjectId) {
    let mut doc = Pdf::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(Stream::new(Dictionary::new(), content.to_vec()));
    let xobjects = forms(&mut doc);
    let page_id = doc.add_object(dict(vec![
        ("Type", Object::Name(b"Page".to_vec())),
        ("Parent", Object::Reference(pages_id)),
        ("Contents", Object::Reference(content_id)),
        ("MediaBox", Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()])),
        ("Resources", Object::Dictionary(dict(vec![("XObject", Object::Dictionary(xobjects))]))),
    ]));
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dict(vec![
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", Object::Array(vec![Object::Reference(page_id)])),
            ("Count", 1.into()),
        ])),
    );
    let catalog = doc.add_object(dict(vec![("Type", Object::Name(b"Catalog".to_vec())), ("Pages", Object::Reference(pages_id))]));
    doc.trailer.set("Root", Object::Reference(catalog));
    (doc, page_id, pages_id)
}

fn save(mut doc: Pdf) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn form(content: &[u8], resources: Option<Dictionary>) -> Object {
    let mut d = dict(vec![("Type", Object::Name(b"XObject".to_vec())), ("Subtype", Object::Name(b"Form".to_vec()))]);
    if let Some(r) = resources {
        d.set("Resources", Object::Dictionary(r));
    }
    Object::Stream(Stream::new(d, content.to_vec()))
}

#[test]
fn a_pdf_without_text_is_a_scan() {
    let (doc, _, _) = pdf_doc(b"0 0 100 100 re f", |_| Dictionary::new());
    assert_eq!(code(read(&save(doc), Some("scan.pdf"))), "scanned_pdf");
}

#[test]
fn malformed_pdfs_are_refused_not_crashed_on() {
    assert_eq!(code(read(b"%PDF-1.7\n1 0 obj << /Type /Catalog", Some("a.pdf"))), "damaged_document");
    let drawing = save(pdf_doc(b"0 0 100 100 re f", |_| Dictionary::new()).0);
    assert_eq!(code(read(&drawing[..drawing.len() / 2], Some("a.pdf"))), "damaged_document");

    // A form drawing itself: pdf-extract would recurse until the stack overflows, which no
    // catch survives.
    let (looping, _, _) = pdf_doc(b"/X1 Do", |doc| {
        let id = doc.add_object(form(b"/X1 Do", None));
        dict(vec![("X1", Object::Reference(id))])
    });
    assert_eq!(code(read(&save(looping), Some("a.pdf"))), "damaged_document");

    // Page tree ancestors that loop, so looking up the page's inherited resources never ends.
    let (mut parent_loop, page_id, pages_id) = pdf_doc(b"BT ET", |_| Dictionary::new());
    if let Ok(Object::Dictionary(page)) = parent_loop.get_object_mut(page_id) {
        page.remove(b"Resources");
    }
    if let Ok(Object::Dictionary(pages)) = parent_loop.get_object_mut(pages_id) {
        pages.set("Parent", Object::Reference(pages_id));
    }
    assert_eq!(code(read(&save(parent_loop), Some("a.pdf"))), "damaged_document");

    // Forms each drawing the next twice: a few bytes that would be drawn a million times.
    let (doubling, _, _) = pdf_doc(b"/F Do", |doc| {
        let mut next = doc.add_object(form(b"", None));
        for _ in 0..20 {
            next = doc.add_object(form(
                b"/F Do /F Do",
                Some(dict(vec![("XObject", Object::Dictionary(dict(vec![("F", Object::Reference(next))])))])),
            ));
        }
        dict(vec![("F", Object::Reference(next))])
    });
    assert_eq!(code(read(&save(doubling), Some("a.pdf"))), "document_too_large");
}

#[test]
fn pdf_streams_that_inflate_too_far_are_refused_before_parsing() {
    let stream = |data: &[u8]| {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(data).unwrap();
        let mut file = b"1 0 obj\n<< /Length 0 /Filter /FlateDecode >>\nstream\n".to_vec();
        file.extend(z.finish().unwrap());
        file.extend(b"\nendstream\nendobj\n");
        file
    };
    let bomb = [b"%PDF-1.5\n".to_vec(), stream(&vec![0u8; 3 << 20])].concat();
    assert!(bomb.len() < 16 * 1024);
    let limits = |one: u64, all: u64| pdf::check_streams(&bomb, one, all).map_err(|e| e.errors[0].code.clone());
    assert_eq!(limits(2 << 20, 1 << 30), Err("document_too_large".into()), "one stream too large");
    assert_eq!(limits(4 << 20, 1 << 30), Ok(()));
    let two = [bomb.clone(), stream(&vec![0u8; 3 << 20])].concat();
    assert_eq!(
        pdf::check_streams(&two, 4 << 20, 5 << 20).map_err(|e| e.errors[0].code.clone()),
        Err("document_too_large".into()),
        "all together too large"
    );
    assert_eq!(pdf::check_streams(&two, 4 << 20, 7 << 20).map_err(|e| e.errors[0].code.clone()), Ok(()));
}

// ---- OLE --------------------------------------------------------------------------------

fn ole(streams: &[&str]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for name in streams {
        let mut s = file.create_stream(format!("/{name}")).unwrap();
        s.write_all(&[1u8; 4096]).unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

// ---- LibreOffice ------------------------------------------------------------------------

/// Converts `input` with LibreOffice (`soffice --convert-to <filter>`), or says why not.
/// Without LibreOffice the test is skipped with a note, unless RECTIFY_TEST_REQUIRE_OFFICE=1.
fn convert(dir: &Path, input: &str, filter: &str) -> Option<Vec<u8>> {
    if Command::new("soffice").arg("--version").output().is_err() {
        assert!(std::env::var("RECTIFY_TEST_REQUIRE_OFFICE").as_deref() != Ok("1"), "soffice is required (RECTIFY_TEST_REQUIRE_OFFICE=1)");
        eprintln!("note: soffice not found; the LibreOffice conversion is not tested");
        return None;
    }
    let out = dir.join("out");
    let mut child = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", dir.join("profile").display()))
        .args(["--headless", "--convert-to", filter, "--outdir"])
        .arg(&out)
        .arg(dir.join(input))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("soffice starts");
    let started = Instant::now();
    while child.try_wait().expect("soffice runs").is_none() {
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("soffice took longer than 3 minutes");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let stem = Path::new(input).file_stem().unwrap();
    let converted = std::fs::read_dir(&out)
        .expect("soffice wrote its output")
        .flatten()
        .find(|e| e.path().file_stem() == Some(stem))
        .expect("the converted file");
    Some(std::fs::read(converted.path()).unwrap())
}

#[test]
fn a_pdf_printed_by_libreoffice_from_the_numbered_report_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.docx"), numbered_report(false)).unwrap();
    let Some(pdf) = convert(dir.path(), "report.docx", "pdf") else { return };
    let (format, lines, tables) = paragraphs(read(&pdf, Some("report.pdf")));
    assert_eq!(format, InputFormat::Pdf);
    assert!(tables.is_empty());
    // Lines are the printed lines; the PDF puts spaces between Chinese and Latin text.
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let printed: Vec<String> = lines.iter().map(|l| compact(l)).collect();
    assert_eq!(lines[0], "中共长阳土家族自治县职业教育中心委员会文件");
    assert!(lines.contains(&"（一）履行职责使命方面".to_string()), "{lines:#?}");
    assert!(lines.contains(&"1. 理论武装不够问题".to_string()), "{lines:#?}");
    // Every category, problem and measure starts a line with its label. (LibreOffice
    // restarts the problems under each category and prints ① as [①]; Word does neither.)
    for line in REPORT.lines().map(compact) {
        let numbered = |p: &String| {
            let p = p.trim_start_matches('[').replacen(']', "", 1);
            let unlabelled = |s: &str| s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.').to_string();
            let digits = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
            p.starts_with(&line.chars().take(12).collect::<String>())
                || (digits(&line) && digits(&p) && unlabelled(&p).starts_with(&unlabelled(&line)))
        };
        let labelled = line.starts_with('（') || line.starts_with(|c: char| c.is_ascii_digit() || ('①'..='⑳').contains(&c));
        if labelled && !line.is_empty() {
            assert!(printed.iter().any(numbered), "no printed line starts like {line}");
        }
    }
    // The ledger read from the printed lines is the report's: the same titles, and the same
    // measure texts but for the spaces the PDF puts between Chinese and Latin text.
    let from_pdf = crate::domain::imports::parse::parse(&lines);
    let from_text = crate::domain::imports::parse::parse(&report_lines());
    assert_eq!(from_pdf.counts(), (3, 30, 105), "{:?}", from_pdf.warnings);
    let problems = |d: &crate::domain::imports::Draft| -> Vec<(String, Vec<String>)> {
        d.categories
            .iter()
            .flat_map(|c| &c.problems)
            .map(|p| (compact(&p.title), p.measures.iter().map(|m| compact(&m.text)).collect()))
            .collect()
    };
    assert_eq!(problems(&from_pdf), problems(&from_text));
    assert_eq!(from_pdf.metadata.inspector.as_deref(), Some("县委第三巡察组"));
    assert_eq!(from_pdf.metadata.doc_number.as_deref(), Some("长职组〔2021〕20号"));
}

#[test]
fn a_password_protected_pdf_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("locked.docx"), docx(&format!("<w:p>{}</w:p>", run("整改报告")), None, None)).unwrap();
    let filter = r#"pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"secret"}}"#;
    let Some(pdf) = convert(dir.path(), "locked.docx", filter) else { return };
    assert_eq!(code(read(&pdf, Some("locked.pdf"))), "encrypted_pdf");
}

#[test]
fn a_table_saved_by_libreoffice_keeps_its_merges() {
    let dir = tempfile::tempdir().unwrap();
    let html = r#"<html><body><p>附件</p><table border="1"><tr><td colspan="2">整改措施</td><td rowspan="2">责任人</td></tr><tr><td>①</td><td>强化</td></tr></table></body></html>"#;
    std::fs::write(dir.path().join("table.html"), html).unwrap();
    let Some(bytes) = convert(dir.path(), "table.html", "docx:MS Word 2007 XML") else { return };
    let (_, paragraphs, tables) = paragraphs(read(&bytes, Some("table.docx")));
    assert!(paragraphs.contains(&"附件".to_string()), "{paragraphs:?}");
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].rows, [["整改措施", "", "责任人"], ["①", "强化", ""]]);
    assert_eq!(
        tables[0].merges,
        [Merge { first_row: 0, last_row: 0, first_col: 0, last_col: 1 }, Merge { first_row: 0, last_row: 1, first_col: 2, last_col: 2 }]
    );
}
