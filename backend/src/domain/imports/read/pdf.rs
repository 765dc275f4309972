//! PDF with a text layer, read with `pdf-extract` (which maps CJK fonts through their
//! ToUnicode tables) into lines as a text file has them.
//!
//! `pdf-extract` was not written for hostile input: it panics on much it does not expect
//! (caught here, per page), recurses into form XObjects without a cycle check and follows
//! `/Parent` links without a bound (both would overflow the stack, which no catch survives, so
//! both are checked first), and inflates streams without a limit (so every stream's inflated
//! size is checked on the raw bytes before the document is even parsed).

use std::collections::BTreeMap;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Object, ObjectId, PlainTextOutput};
use unicode_normalization::UnicodeNormalization;

use super::{damaged, refuse, too_large};
use crate::domain::imports::parse::is_page_number;
use crate::error::{AppError, AppResult};

const MAX_PAGES: usize = 500;
/// What one stream may inflate to, and all of them together.
const MAX_STREAM: u64 = 64 << 20;
const MAX_STREAMS: u64 = 1 << 30;
/// Nesting and number of form XObjects drawn (each is read again wherever it is drawn), and
/// the drawing commands read in all, pages and forms: what the extraction will work through,
/// which cannot be stopped once a page has begun.
const MAX_FORM_DEPTH: usize = 24;
const MAX_FORM_DRAWS: usize = 20_000;
const MAX_CONTENT: usize = 256 << 20;
/// Parent links from a page to the root of the page tree.
const MAX_TREE_DEPTH: usize = 64;
const TIME_BUDGET: Duration = Duration::from_secs(60);

/// The document's lines, pages one after another. Each page's leading and trailing blank
/// lines and a page number standing alone at its top or bottom (5, - 5 -, 第5页, 5/12) are
/// left out.
pub(super) fn read_pdf(bytes: &[u8]) -> AppResult<Vec<String>> {
    check_streams(bytes, MAX_STREAM, MAX_STREAMS)?;
    let encrypted = bytes.windows(8).any(|w| w == b"/Encrypt");
    let mut doc = match guard(|| Document::load_mem(bytes)) {
        Some(Ok(doc)) => doc,
        _ if encrypted => return Err(encrypted_pdf()),
        _ => return Err(damaged()),
    };
    // Encrypted with an empty user password (only permissions restricted) opens as any
    // viewer opens it.
    if doc.is_encrypted() && !matches!(guard(|| doc.decrypt("")), Some(Ok(()))) {
        return Err(encrypted_pdf());
    }
    let pages = doc.get_pages();
    if pages.len() > MAX_PAGES {
        return Err(refuse("too_many_pages", &format!("PDF 超过 {MAX_PAGES} 页，请拆分后再导入 (too many pages)")));
    }
    drop_images(&mut doc);
    check_structure(&doc, &pages)?;

    let started = Instant::now();
    let mut lines = Vec::new();
    for &number in pages.keys() {
        if started.elapsed() > TIME_BUDGET {
            return Err(too_large());
        }
        let text = guard(|| {
            let mut text = String::new();
            let mut output = PlainTextOutput::new(&mut text);
            pdf_extract::output_doc_page(&doc, &mut output, number).map(|()| text)
        });
        let Some(Ok(text)) = text else {
            return Err(refuse(
                "damaged_document",
                &format!("PDF 第 {number} 页无法读取，请上传 Word 文件或重新导出 PDF (page {number} cannot be read)"),
            ));
        };
        lines.extend(page_lines(&text));
    }
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Err(refuse("scanned_pdf", "暂不支持扫描件（图片）识别，请上传带文字层的 PDF 或 Word 文件 (the PDF has no text layer)"));
    }
    Ok(lines)
}

fn encrypted_pdf() -> AppError {
    refuse("encrypted_pdf", "PDF 设有打开密码，请取消密码后再导入 (the PDF is password-protected)")
}

/// Runs what may panic on a malformed document; a panic is None.
fn guard<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

/// One page's lines, trimmed of layout: trailing spaces, blank lines at its ends, a lone page
/// number at its top or bottom.
fn page_lines(text: &str) -> Vec<String> {
    let text: String = text.chars().map(unify).collect();
    let mut lines: Vec<String> = super::lines(&text).into_iter().map(|l| l.trim_end().to_string()).collect();
    let is_blank = |l: &String| l.trim().is_empty();
    while lines.last().is_some_and(is_blank) {
        lines.pop();
    }
    if lines.last().is_some_and(|l| is_page_number(l)) {
        lines.pop();
    }
    let start = lines.iter().position(|l| !is_blank(l)).unwrap_or(lines.len());
    lines.drain(..start);
    if lines.first().is_some_and(|l| is_page_number(l)) {
        lines.remove(0);
    }
    while lines.last().is_some_and(is_blank) {
        lines.pop();
    }
    lines
}

/// Some PDF producers map ideographs to their look-alike Kangxi radicals or compatibility
/// ideographs (⼀ for 一); those become the ordinary ideographs. Other characters stay as
/// they are (full-width punctuation is not folded).
fn unify(c: char) -> char {
    if matches!(c as u32, 0x2E80..=0x2FDF | 0xF900..=0xFAFF) {
        let mut folded = std::iter::once(c).nfkc();
        if let (Some(one), None) = (folded.next(), folded.next()) {
            return one;
        }
    }
    c
}

/// Images carry no text; `pdf-extract` would still inflate each and read it as drawing
/// commands wherever it is drawn.
fn drop_images(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            let image = stream.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Image");
            if image {
                stream.dict.remove(b"Filter");
                stream.dict.remove(b"DecodeParms");
                stream.content.clear();
            }
        }
    }
}

/// Every stream in the file, inflated into nothing: none may pass `max_one`, all together
/// `max_all`. Streams are found in the raw bytes, as the parser inflates object streams while
/// loading.
pub(super) fn check_streams(bytes: &[u8], max_one: u64, max_all: u64) -> AppResult<()> {
    // Streams the parser would decode through LZW or ASCII85 (also before a Flate layer) cannot
    // be measured on their raw bytes; today's writers do not use them.
    if [&b"/LZW"[..], b"/ASCII85Decode", b"/A85", b"/ASCIIHexDecode", b"/AHx", b"/RunLengthDecode", b"/RL "]
        .iter()
        .any(|f| find(bytes, f).is_some())
    {
        return Err(refuse(
            "old_pdf_compression",
            "PDF 使用了旧式压缩方式，请用 WPS 或 Word 重新另存为 PDF 后再导入 (LZW, ASCII85 or RunLength streams)",
        ));
    }
    let mut total: u64 = 0;
    let mut at = 0;
    while let Some(found) = find(bytes.get(at..).unwrap_or_default(), b"stream") {
        let keyword = at + found;
        at = keyword + b"stream".len();
        if bytes.get(..keyword).is_some_and(|b| b.ends_with(b"end")) {
            continue;
        }
        let rest = bytes.get(at..).unwrap_or_default();
        let start = if rest.starts_with(b"\r\n") {
            at + 2
        } else if rest.starts_with(b"\n") || rest.starts_with(b"\r") {
            at + 1
        } else {
            continue;
        };
        let data = bytes.get(start..).unwrap_or_default();
        let data = find(data, b"endstream").and_then(|end| data.get(..end)).unwrap_or(data);
        let size = inflated_size(data, max_one);
        total = total.saturating_add(size);
        if size > max_one || total > max_all {
            return Err(refuse(
                "document_too_large",
                "PDF 中的内容解压后过大（如高清扫描图片），请上传带文字层的 PDF 或 Word 文件 (a stream expands too far)",
            ));
        }
        at = start + data.len();
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How far a stream inflates as zlib, or, as the parser falls back to, as raw deflate after
/// the two header bytes; counted up to just past the limit.
fn inflated_size(data: &[u8], cap: u64) -> u64 {
    use flate2::read::ZlibDecoder;
    let zlib = drain(ZlibDecoder::new(data), cap);
    if zlib > 0 {
        // A filter chain of Flate over Flate: what each inner layer inflates to counts too.
        let mut largest = zlib;
        for layers in 2..=8 {
            let mut reader: Box<dyn Read + '_> = Box::new(ZlibDecoder::new(data));
            for _ in 1..layers {
                reader = Box::new(ZlibDecoder::new(reader));
            }
            match drain(reader, cap) {
                0 => break,
                n => largest = largest.max(n),
            }
        }
        return largest;
    }
    drain(flate2::read::DeflateDecoder::new(data.get(2..).unwrap_or_default()), cap)
}

fn drain(mut reader: impl Read, cap: u64) -> u64 {
    let mut buffer = [0u8; 16 * 1024];
    let mut total: u64 = 0;
    while let Ok(n @ 1..) = reader.read(&mut buffer) {
        total += n as u64;
        if total > cap {
            break;
        }
    }
    total
}

/// The page tree's parent links end, and form XObjects neither draw themselves (directly or
/// through others) nor nest too deep or too often.
fn check_structure(doc: &Document, pages: &BTreeMap<u32, ObjectId>) -> AppResult<()> {
    let mut work = Work { draws: 0, bytes: 0 };
    for &page_id in pages.values() {
        let page = doc.get_dictionary(page_id).map_err(|_| damaged())?;
        let mut node = page;
        let mut hops = 0;
        while let Ok(parent) = node.get(b"Parent").and_then(Object::as_reference) {
            hops += 1;
            if hops > MAX_TREE_DEPTH {
                return Err(damaged());
            }
            match doc.get_dictionary(parent) {
                Ok(dict) => node = dict,
                Err(_) => break,
            }
        }
        let resources = inherited_resources(doc, page);
        let content = doc.get_page_content(page_id).unwrap_or_default();
        forms(doc, &content, resources, &mut Vec::new(), &mut work)?;
    }
    Ok(())
}

/// A page's resources as `pdf-extract` finds them: on the page or the nearest ancestor.
fn inherited_resources<'a>(doc: &'a Document, page: &'a Dictionary) -> Option<&'a Dictionary> {
    let mut node = page;
    for _ in 0..=MAX_TREE_DEPTH {
        if let Some(resources) = node.get(b"Resources").ok().and_then(|o| deref_dict(doc, o)) {
            return Some(resources);
        }
        node = node.get(b"Parent").and_then(Object::as_reference).and_then(|id| doc.get_dictionary(id)).ok()?;
    }
    None
}

fn deref_dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    match object {
        Object::Reference(id) => doc.get_dictionary(*id).ok(),
        Object::Dictionary(dict) => Some(dict),
        _ => None,
    }
}

struct Work {
    draws: usize,
    bytes: usize,
}

fn forms(doc: &Document, content: &[u8], resources: Option<&Dictionary>, path: &mut Vec<ObjectId>, work: &mut Work) -> AppResult<()> {
    if path.len() > MAX_FORM_DEPTH {
        return Err(damaged());
    }
    work.bytes = work.bytes.saturating_add(content.len());
    if work.bytes > MAX_CONTENT {
        return Err(too_large());
    }
    // Content that does not parse is left to the extraction, which refuses the page.
    let Ok(content) = Content::decode(content) else { return Ok(()) };
    for op in content.operations.iter().filter(|op| op.operator == "Do") {
        let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else { continue };
        let Some(xobjects) = resources.and_then(|r| r.get(b"XObject").ok()).and_then(|o| deref_dict(doc, o)) else { continue };
        let Ok(entry) = xobjects.get(name) else { continue };
        let (id, stream) = match entry {
            Object::Reference(id) => (Some(*id), doc.get_object(*id).and_then(Object::as_stream).ok()),
            Object::Stream(stream) => (None, Some(stream)),
            _ => (None, None),
        };
        let Some(stream) = stream else { continue };
        work.draws += 1;
        if work.draws > MAX_FORM_DRAWS {
            return Err(too_large());
        }
        if id.is_some_and(|id| path.contains(&id)) {
            return Err(damaged());
        }
        let inner = stream.dict.get(b"Resources").ok().and_then(|o| deref_dict(doc, o)).or(resources);
        let data = if stream.filters().is_ok() {
            stream.decompressed_content().unwrap_or_else(|_| stream.content.clone())
        } else {
            stream.content.clone()
        };
        path.push(id.unwrap_or((0, 0)));
        let nested = forms(doc, &data, inner, path, work);
        path.pop();
        nested?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_loses_its_layout_but_not_its_text() {
        let page = "\n\n  - 3 -  \n（一）履行职责使命方面   \n\n1. 理论武装不够问题\n第 3 页 共 12 页\n\n";
        assert_eq!(page_lines(page), ["（一）履行职责使命方面", "", "1. 理论武装不够问题"]);
        assert_eq!(page_lines("整改措施\n12\n"), ["整改措施"], "a lone number at the bottom is the page's");
        assert_eq!(page_lines("12\n整改措施\n2021\n"), ["整改措施"]);
        assert_eq!(page_lines("共 3 项\n"), ["共 3 项"]);
        assert_eq!(page_lines("⼀、⾼度重视"), ["一、高度重视"], "Kangxi radicals become ideographs");
        assert_eq!(page_lines("（一），１。"), ["（一），１。"], "full-width forms stay");
        assert!(page_lines("\n \n").is_empty());
    }

    #[test]
    fn page_numbers_are_told_from_text() {
        for n in ["5", "- 5 -", "— 12 —", "5/12", "第5页", "第 5 页 共 12 页", "第5页/共12页"] {
            assert!(is_page_number(n), "{n}");
        }
        for n in ["", "5 月", "2021年", "第五章", "12345", "1. 问题", "共5页"] {
            assert!(!is_page_number(n), "{n}");
        }
    }
}
