//! Bytes to paragraphs or tables, by what the file is (its content, not its name).
//!
//! Every refusal is a 422 on `/file` with a stable code and a Chinese-first message:
//! `empty_document`, `unsupported_format` (images, OFD, archives, undecodable bytes),
//! `save_as_docx` (.doc, .wps, RTF, Word web pages), `encrypted_document` (a
//! password-protected Office file), `damaged_document`, `document_too_large` (expands too far,
//! too many paragraphs or cells), `scanned_pdf`, `encrypted_pdf`, `too_many_pages`.
//!
//! Reading a large PDF takes seconds: callers run it off the async executor.

mod docx;
mod numbering;
mod pdf;
mod text;

use std::io::Cursor;

use super::{InputFormat, Source};
use crate::domain::evidence::filetype::{self, FileType, Refusal, ZipLimits};
use crate::error::{AppError, AppResult};

pub use text::decode_text;

/// What a zip-based document may expand to; uploads are ~20 MiB at most, documents far less.
const ZIP_LIMITS: ZipLimits = ZipLimits { max_entries: 5_000, max_uncompressed: 64 << 20 };

/// More paragraphs (or lines) than any real document has; beyond it the file is refused rather
/// than held in memory line by line.
const MAX_PARAGRAPHS: usize = 100_000;
/// The characters of a document, as for pasted text: far more than any feedback document or report.
pub const MAX_CHARS: usize = 2_000_000;

/// Reads an uploaded file. `filename` only breaks ties the content leaves open (a CSV file, an
/// OLE container that is neither a workbook nor a Word document).
pub fn read(bytes: &[u8], filename: Option<&str>) -> AppResult<(InputFormat, Source)> {
    let ext = filename.and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(empty());
    }
    match sniff(bytes) {
        Kind::Zip => read_zip(bytes, ZIP_LIMITS),
        Kind::Ole => read_ole(bytes, &ext),
        Kind::Pdf => Ok((InputFormat::Pdf, text_source(pdf::read_pdf(bytes)?, Vec::new())?)),
        Kind::Image => Err(refuse("unsupported_format", "暂不支持图片识别，请上传带文字层的 PDF 或 Word 文件 (images are not read)")),
        Kind::Archive => Err(unsupported()),
        Kind::OtherWord => Err(refuse("save_as_docx", "请用 Word 或 WPS 打开后另存为 .docx 再导入 (save it as .docx)")),
        Kind::Text => read_text(bytes, &ext),
    }
}

/// A text's lines, as the source view numbers them: split at CRLF, CR or LF (blank lines kept,
/// a final line break does not make a line), control characters other than tab removed.
pub fn lines(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (line, next) = match rest.find(['\r', '\n']) {
            Some(i) => {
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                (&rest[..i], &rest[i + skip..])
            }
            None => (rest, ""),
        };
        out.push(text::clean(line));
        rest = next;
    }
    out
}

fn read_text(bytes: &[u8], ext: &str) -> AppResult<(InputFormat, Source)> {
    let text = decode_text(bytes)?;
    if text.chars().all(char::is_whitespace) {
        return Err(empty());
    }
    // Counted before the lines are made, so a file of line breaks is not held line by line.
    if text.bytes().filter(|b| *b == b'\n' || *b == b'\r').count() > 2 * MAX_PARAGRAPHS || text.chars().count() > MAX_CHARS {
        return Err(too_large());
    }
    if matches!(ext, "csv" | "tsv") || text::looks_like_csv(&text) {
        let table = super::sheet::read_csv(&text)?;
        return Ok((InputFormat::Csv, Source::Sheets(vec![table])));
    }
    Ok((InputFormat::Text, text_source(lines(&text), Vec::new())?))
}

fn read_zip(bytes: &[u8], limits: ZipLimits) -> AppResult<(InputFormat, Source)> {
    // A zip whose directory cannot be read is a damaged (often truncated) document; one that
    // reads but holds no Word or Excel part is something else.
    let names: Vec<String> = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| damaged())?
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    match filetype::zip_document(Cursor::new(bytes), limits) {
        Ok(FileType::Docx) => {
            let (paragraphs, tables) = docx::read_docx(bytes, limits.max_uncompressed)?;
            let nothing = paragraphs.iter().all(|p| p.trim().is_empty())
                && tables.iter().all(|t| t.rows.iter().flatten().all(|c| c.trim().is_empty()));
            if nothing {
                return Err(empty());
            }
            Ok((InputFormat::Docx, text_source(paragraphs, tables)?))
        }
        Ok(FileType::Xlsx) => Ok((InputFormat::Xlsx, Source::Sheets(super::sheet::read_sheets(bytes, InputFormat::Xlsx)?))),
        Ok(FileType::Ofd) => Err(refuse("unsupported_format", "暂不支持 OFD 文件，请上传 Word、PDF 或 Excel 文件 (OFD is not read)")),
        Ok(_) => Err(unsupported()),
        Err(Refusal::ZipBomb) => Err(too_large()),
        Err(_) if names.iter().any(|n| n == "word/document.xml" || n == "xl/workbook.xml") => Err(damaged()),
        Err(_) => Err(unsupported()),
    }
}

/// The legacy Office container: a workbook goes to the sheet reader, a Word or WPS document
/// must be saved as .docx first.
fn read_ole(bytes: &[u8], ext: &str) -> AppResult<(InputFormat, Source)> {
    let file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| damaged())?;
    let names: Vec<String> = file.read_root_storage().map(|e| e.name().to_string()).collect();
    let has = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if has("Workbook") || has("Book") {
        return Ok((InputFormat::Xls, Source::Sheets(super::sheet::read_sheets(bytes, InputFormat::Xls)?)));
    }
    if has("EncryptedPackage") {
        // A password-protected .docx/.xlsx is stored in this container.
        return Err(refuse("encrypted_document", "文件设有密码，请取消密码后再导入 (the file is password-protected)"));
    }
    if has("WordDocument") || matches!(ext, "doc" | "wps" | "dot" | "wpt") {
        return Err(save_as_docx());
    }
    Err(unsupported())
}

/// Paragraphs with the refusals every text-like source shares.
fn text_source(paragraphs: Vec<String>, tables: Vec<super::Table>) -> AppResult<Source> {
    if paragraphs.len() > MAX_PARAGRAPHS || paragraphs.iter().map(|p| p.chars().count()).sum::<usize>() > MAX_CHARS {
        return Err(too_large());
    }
    if paragraphs.iter().all(|p| p.trim().is_empty()) && tables.is_empty() {
        return Err(empty());
    }
    Ok(Source::Text { paragraphs, tables })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Zip,
    Ole,
    Pdf,
    Image,
    /// Archives and other binary containers nobody writes a report in.
    Archive,
    /// Word formats other than .docx that are not OLE: RTF, a web page or MHTML saved from
    /// Word (often named .doc), Word 2003 XML.
    OtherWord,
    Text,
}

fn sniff(bytes: &[u8]) -> Kind {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G'];
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if starts(OLE) {
        return Kind::Ole;
    }
    // Readers accept a PDF header anywhere in the first KiB.
    if bytes[..bytes.len().min(1024)].windows(5).any(|w| w == b"%PDF-") {
        return Kind::Pdf;
    }
    let image = starts(&[0xFF, 0xD8, 0xFF])
        || starts(PNG)
        || starts(b"GIF8")
        || starts(b"II*\0")
        || starts(b"MM\0*")
        || (starts(b"BM") && bytes.get(6..10) == Some(&[0, 0, 0, 0]))
        || (starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
        || bytes.get(4..8) == Some(b"ftyp");
    if image {
        return Kind::Image;
    }
    let archive = starts(&[0x1F, 0x8B]) || starts(b"Rar!") || starts(b"7z\xBC\xAF") || starts(b"MZ") || starts(b"\x7FELF");
    if archive {
        return Kind::Archive;
    }
    let head: Vec<u8> = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(256)
        .map(u8::to_ascii_lowercase)
        .collect();
    let find = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if head.starts_with(b"{\\rtf")
        || head.starts_with(b"mime-version:")
        || head.starts_with(b"<html")
        || head.starts_with(b"<!doctype html")
        || (head.starts_with(b"<?xml") && find(b"word.document"))
    {
        return Kind::OtherWord;
    }
    Kind::Text
}

fn refuse(code: &str, message: &str) -> AppError {
    AppError::field("/file", code, message)
}

fn empty() -> AppError {
    refuse("empty_document", "文件中没有文字内容 (the file holds no text)")
}

fn unsupported() -> AppError {
    refuse("unsupported_format", "无法识别的文件格式，请上传 Word (.docx)、PDF、Excel 或文本文件 (unsupported file format)")
}

fn save_as_docx() -> AppError {
    refuse("save_as_docx", "请将 .doc / .wps 文件另存为 .docx 后再导入 (save the file as .docx)")
}

fn damaged() -> AppError {
    refuse("damaged_document", "文件已损坏或不完整，无法读取 (the file is damaged or incomplete)")
}

fn too_large() -> AppError {
    refuse("document_too_large", "文件内容过大，请拆分后再导入 (the document expands too far)")
}

#[cfg(test)]
mod tests;
