//! What an uploaded file is, decided by its content; its extension must agree. Nothing here
//! trusts the client's declared content type.

use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Accepted kinds of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pdf,
    /// 版式文档 (GB/T 33190), the Chinese e-document format.
    Ofd,
    Docx,
    Xlsx,
    Pptx,
    Doc,
    Xls,
    Ppt,
    /// WPS Office document (OLE container).
    Wps,
    Jpeg,
    Png,
    Webp,
    Heic,
    Mp4,
    Text,
}

impl FileType {
    pub const ALL: [FileType; 15] = [
        FileType::Pdf,
        FileType::Ofd,
        FileType::Docx,
        FileType::Xlsx,
        FileType::Pptx,
        FileType::Doc,
        FileType::Xls,
        FileType::Ppt,
        FileType::Wps,
        FileType::Jpeg,
        FileType::Png,
        FileType::Webp,
        FileType::Heic,
        FileType::Mp4,
        FileType::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Ofd => "ofd",
            FileType::Docx => "docx",
            FileType::Xlsx => "xlsx",
            FileType::Pptx => "pptx",
            FileType::Doc => "doc",
            FileType::Xls => "xls",
            FileType::Ppt => "ppt",
            FileType::Wps => "wps",
            FileType::Jpeg => "jpeg",
            FileType::Png => "png",
            FileType::Webp => "webp",
            FileType::Heic => "heic",
            FileType::Mp4 => "mp4",
            FileType::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Ofd => "application/ofd",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            FileType::Doc => "application/msword",
            FileType::Xls => "application/vnd.ms-excel",
            FileType::Ppt => "application/vnd.ms-powerpoint",
            FileType::Wps => "application/kswps",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Webp => "image/webp",
            FileType::Heic => "image/heic",
            FileType::Mp4 => "video/mp4",
            FileType::Text => "text/plain",
        }
    }

    /// Extensions a file of this type may carry.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Ofd => &["ofd"],
            FileType::Docx => &["docx"],
            FileType::Xlsx => &["xlsx"],
            FileType::Pptx => &["pptx"],
            FileType::Doc => &["doc"],
            FileType::Xls => &["xls", "et"],
            FileType::Ppt => &["ppt", "dps"],
            FileType::Wps => &["wps"],
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Png => &["png"],
            FileType::Webp => &["webp"],
            FileType::Heic => &["heic", "heif"],
            FileType::Mp4 => &["mp4", "m4v"],
            FileType::Text => &["txt", "csv"],
        }
    }

    /// Browsers may show these in the page (`?inline=true`); everything else is downloaded.
    pub fn inline_allowed(self) -> bool {
        matches!(self, FileType::Pdf | FileType::Jpeg | FileType::Png | FileType::Webp)
    }
}

/// Why a file was refused; each becomes a 415 with its own code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not one of the accepted types (including a bare zip or an encrypted or damaged one).
    Unsupported,
    /// The content is one accepted type, the extension says another.
    ExtensionMismatch { detected: FileType },
    /// A file of one type carrying an archive at its end (GIFAR-style polyglot).
    Polyglot,
    /// A zip-based document with too many entries or too much uncompressed content.
    ZipBomb,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unsupported => "unsupported_file_type",
            Refusal::ExtensionMismatch { .. } => "extension_mismatch",
            Refusal::Polyglot => "polyglot_file",
            Refusal::ZipBomb => "archive_too_large",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Refusal::Unsupported => {
                "accepted: PDF, OFD, DOCX, XLSX, PPTX, DOC, XLS, PPT, WPS, JPEG, PNG, WebP, HEIC, MP4 and plain text".into()
            }
            Refusal::ExtensionMismatch { detected } => {
                format!("the content is {} but the file name's extension says otherwise", detected.as_str())
            }
            Refusal::Polyglot => "the file carries an archive after its own content".into(),
            Refusal::ZipBomb => "the document expands to too many entries or too much data".into(),
        }
    }
}

/// What the leading bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    Pdf,
    Zip,
    Ole,
    Jpeg,
    Png,
    Webp,
    Heic,
    Mp4,
    Text,
}

fn sniff(head: &[u8]) -> Option<Magic> {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if head.starts_with(b"%PDF-") {
        return Some(Magic::Pdf);
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(Magic::Zip);
    }
    if head.starts_with(OLE) {
        return Some(Magic::Ole);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Magic::Jpeg);
    }
    if head.starts_with(PNG) {
        return Some(Magic::Png);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(Magic::Webp);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        const HEIF: [&[u8]; 8] = [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"];
        return Some(if HEIF.contains(&&head[8..12]) { Magic::Heic } else { Magic::Mp4 });
    }
    if is_plain_text(head) {
        return Some(Magic::Text);
    }
    None
}

/// Text a person wrote: no control characters but layout ones, and not markup that a browser
/// would run if it were ever served as a page.
fn is_plain_text(head: &[u8]) -> bool {
    if head.is_empty() || head.iter().any(|b| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || head.contains(&0x7F) {
        return false;
    }
    let start = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start: Vec<u8> = start.iter().skip_while(|b| b.is_ascii_whitespace()).take(16).map(|b| b.to_ascii_lowercase()).collect();
    const MARKUP: [&[u8]; 6] = [b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<!--"];
    !MARKUP.iter().any(|m| start.starts_with(m))
}

/// The end-of-central-directory signature of a zip archive.
const ZIP_END: &[u8] = b"PK\x05\x06";

/// Limits on what a zip-based document may expand to.
#[derive(Debug, Clone, Copy)]
pub struct ZipLimits {
    pub max_entries: usize,
    pub max_uncompressed: u64,
}

/// Decides the type of a file from its first bytes (`head`, at least 16 KiB when the file is
/// that long), its last bytes (`tail`, at least 64 KiB + 22 when the file is that long), the
/// whole file for zip-based formats, and the extension of its name.
pub fn classify<R: Read + Seek>(file_name: &str, head: &[u8], tail: &[u8], file: R, limits: ZipLimits) -> Result<FileType, Refusal> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let magic = sniff(head).ok_or(Refusal::Unsupported)?;
    if magic != Magic::Zip && tail.windows(ZIP_END.len()).any(|w| w == ZIP_END) {
        return Err(Refusal::Polyglot);
    }
    let detected = match magic {
        Magic::Pdf => FileType::Pdf,
        Magic::Zip => zip_document(file, limits)?,
        // One container for the legacy Office and WPS formats: the extension names which.
        Magic::Ole => {
            return [FileType::Doc, FileType::Xls, FileType::Ppt, FileType::Wps]
                .into_iter()
                .find(|t| t.extensions().contains(&ext.as_str()))
                .ok_or(Refusal::ExtensionMismatch { detected: FileType::Doc });
        }
        Magic::Jpeg => FileType::Jpeg,
        Magic::Png => FileType::Png,
        Magic::Webp => FileType::Webp,
        Magic::Heic => FileType::Heic,
        Magic::Mp4 => FileType::Mp4,
        Magic::Text => FileType::Text,
    };
    if detected.extensions().contains(&ext.as_str()) {
        Ok(detected)
    } else {
        Err(Refusal::ExtensionMismatch { detected })
    }
}

/// Which document a zip holds, after counting its entries and what they really expand to
/// (declared sizes can lie, so the entries are inflated into nothing, up to the limit).
pub(crate) fn zip_document<R: Read + Seek>(file: R, limits: ZipLimits) -> Result<FileType, Refusal> {
    let mut archive = zip::ZipArchive::new(file).map_err(|_| Refusal::Unsupported)?;
    if archive.len() > limits.max_entries {
        return Err(Refusal::ZipBomb);
    }
    let mut declared: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| Refusal::Unsupported)?;
        declared = declared.saturating_add(entry.size());
        names.push(entry.name().map_err(|_| Refusal::Unsupported)?.into_owned());
    }
    if declared > limits.max_uncompressed {
        return Err(Refusal::ZipBomb);
    }
    let mut inflated: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|_| Refusal::Unsupported)?;
        let room = limits.max_uncompressed - inflated;
        let n = std::io::copy(&mut entry.take(room + 1), &mut std::io::sink()).map_err(|_| Refusal::Unsupported)?;
        inflated += n;
        if inflated > limits.max_uncompressed {
            return Err(Refusal::ZipBomb);
        }
    }
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("OFD.xml") {
        Ok(FileType::Ofd)
    } else if has("word/document.xml") {
        Ok(FileType::Docx)
    } else if has("xl/workbook.xml") {
        Ok(FileType::Xlsx)
    } else if has("ppt/presentation.xml") {
        Ok(FileType::Pptx)
    } else {
        Err(Refusal::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    const LIMITS: ZipLimits = ZipLimits { max_entries: 100, max_uncompressed: 1 << 20 };

    fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn check(name: &str, bytes: &[u8]) -> Result<FileType, Refusal> {
        let tail = &bytes[bytes.len().saturating_sub(65_558)..];
        classify(name, &bytes[..bytes.len().min(16_384)], tail, Cursor::new(bytes), LIMITS)
    }

    #[test]
    fn types_come_from_content_and_the_extension_must_agree() {
        assert_eq!(check("整改报告.PDF", b"%PDF-1.7\n..."), Ok(FileType::Pdf));
        assert_eq!(check("photo.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Ok(FileType::Jpeg));
        assert_eq!(check("会议记录.txt", "党委（扩大）会会议记录\r\n".as_bytes()), Ok(FileType::Text));
        assert_eq!(check("scan.heic", b"\0\0\0\x18ftypheic\0\0\0\0"), Ok(FileType::Heic));
        assert_eq!(check("clip.mp4", b"\0\0\0\x18ftypisom\0\0\0\0"), Ok(FileType::Mp4));
        assert_eq!(check("a.webp", b"RIFF\0\0\0\0WEBPVP8 "), Ok(FileType::Webp));
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert_eq!(check("通知.wps", &ole), Ok(FileType::Wps));
        assert_eq!(check("台账.xls", &ole), Ok(FileType::Xls));
        assert_eq!(check("renamed.pdf", &ole), Err(Refusal::ExtensionMismatch { detected: FileType::Doc }));
        assert_eq!(check("photo.pdf", &[0xFF, 0xD8, 0xFF, 0xE0]), Err(Refusal::ExtensionMismatch { detected: FileType::Jpeg }));
        assert_eq!(check("no-extension", b"%PDF-1.4"), Err(Refusal::ExtensionMismatch { detected: FileType::Pdf }));
        assert_eq!(check("a.exe", b"MZ\x90\0\x03\0\0\0"), Err(Refusal::Unsupported));
        assert_eq!(check("page.txt", b"  <!DOCTYPE html><script>alert(1)</script>"), Err(Refusal::Unsupported));
        assert_eq!(check("a.txt", b""), Err(Refusal::Unsupported));
    }

    #[test]
    fn zip_documents_are_told_apart_by_their_entries() {
        let docx = zip_of(&[("[Content_Types].xml", b"<Types/>".to_vec()), ("word/document.xml", b"<w:document/>".to_vec())]);
        assert_eq!(check("报告.docx", &docx), Ok(FileType::Docx));
        assert_eq!(check("报告.xlsx", &docx), Err(Refusal::ExtensionMismatch { detected: FileType::Docx }));
        let ofd = zip_of(&[("OFD.xml", b"<ofd:OFD/>".to_vec())]);
        assert_eq!(check("公文.ofd", &ofd), Ok(FileType::Ofd));
        assert_eq!(check("any.zip", &zip_of(&[("a.txt", b"x".to_vec())])), Err(Refusal::Unsupported));
        assert_eq!(check("broken.docx", &docx[..docx.len() / 2]), Err(Refusal::Unsupported));
    }

    #[test]
    fn archives_that_expand_too_far_are_refused() {
        let big = zip_of(&[("word/document.xml", vec![b'a'; 2 << 20])]);
        assert!(big.len() < 64 * 1024, "a highly compressible entry");
        assert_eq!(check("bomb.docx", &big), Err(Refusal::ZipBomb));
        let many: Vec<(String, Vec<u8>)> = (0..101).map(|i| (format!("word/{i}.xml"), vec![])).collect();
        let many: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
        assert_eq!(check("many.docx", &zip_of(&many)), Err(Refusal::ZipBomb));
    }

    #[test]
    fn a_file_carrying_an_archive_is_refused() {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.extend(zip_of(&[("evil.html", b"<script>".to_vec())]));
        assert_eq!(check("photo.jpg", &jpeg), Err(Refusal::Polyglot));
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.extend(zip_of(&[("word/document.xml", vec![])]));
        assert_eq!(check("report.pdf", &pdf), Err(Refusal::Polyglot));
    }
}
