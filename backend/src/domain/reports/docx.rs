//! The report and the plan as DOCX, laid out per GB/T 9704-2012 (see `ooxml`).

use super::model::{Edition, Paragraph, ParagraphKind, ReportModel};
use super::ooxml::{self, size, Align, Block, Document, Face, Page, Para, Run, Section};
use super::plan::PlanModel;

/// Red of the masthead and its rule.
const RED: &str = "FF0000";
/// Marks of the internal edition.
const MARK: &str = "C00000";
const MASKED: &str = "1F4E79";

/// Width of text in twips at 3号 (full-width characters 320, half-width 160).
fn width(text: &str) -> u32 {
    text.chars().map(|c| if c.is_ascii() { 160 } else { 320 }).sum()
}

fn runs(p: &Paragraph, face: Face, size: u32, bold: bool, edition: Edition) -> Vec<Run> {
    let plain = |t: String| Run { bold, ..Run::new(t, face, size) };
    let mut out = Vec::new();
    if edition == Edition::Internal && !p.masks.is_empty() {
        // The spans the public edition masks, in colour.
        let chars: Vec<char> = p.text.chars().collect();
        let mut at = 0;
        for m in &p.masks {
            if m.start > at {
                out.push(plain(chars[at..m.start].iter().collect()));
            }
            out.push(plain(chars[m.start..m.end].iter().collect()).color(MASKED));
            at = m.end;
        }
        if at < chars.len() {
            out.push(plain(chars[at..].iter().collect()));
        }
    } else {
        out.push(plain(p.text.clone()));
    }
    if p.withheld {
        out.push(Run::new("【不宜公开】", Face::Kai, size).color(MARK));
    }
    if p.reworded {
        out.push(Run::new("【公开稿另有表述】", Face::Kai, size).color(MARK));
    }
    out
}

fn body(runs: Vec<Run>) -> Para {
    Para { runs, first_line_chars: 200, ..Para::default() }
}

pub fn report_document(m: &ReportModel) -> Document {
    let line = Page::LINE_PITCH;
    let mut blocks = Vec::new();
    let date_text: Option<String> = m.paragraphs().find(|p| p.kind == ParagraphKind::Date).map(|p| p.text.clone());
    let mut first_body = true;
    for p in m.paragraphs() {
        let e = m.edition;
        let para = match p.kind {
            ParagraphKind::Masthead => {
                // As large as fits one line, at most 小初 (36 pt).
                let n = p.text.chars().count().max(1) as u32;
                let size = (2 * Page::text_width() * 9 / 10 / 20 / n).min(72);
                Para {
                    runs: vec![Run::new(p.text.clone(), Face::XiaoBiaoSong, size).color(RED)],
                    align: Align::Center,
                    line: Some(line * 2),
                    before: line,
                    ..Para::default()
                }
            }
            ParagraphKind::DocumentNumber => Para {
                runs: vec![Run::new(p.text.clone(), Face::FangSong, size::SAN)],
                align: Align::Center,
                before: line,
                rule_below: Some((RED, 12)),
                ..Para::default()
            },
            ParagraphKind::Title => Para {
                runs: runs(p, Face::XiaoBiaoSong, size::ER, false, e),
                align: Align::Center,
                before: line * 2,
                line: Some(line + 120),
                keep_next: true,
                ..Para::default()
            },
            ParagraphKind::EditionMark => Para {
                runs: vec![Run::new(p.text.clone(), Face::Kai, size::SAN)],
                align: Align::Center,
                keep_next: true,
                ..Para::default()
            },
            ParagraphKind::Heading => Para { keep_next: true, ..body(runs(p, Face::Hei, size::SAN, false, e)) },
            ParagraphKind::Category => Para { keep_next: true, ..body(runs(p, Face::Kai, size::SAN, false, e)) },
            ParagraphKind::Problem => Para { keep_next: true, ..body(runs(p, Face::FangSong, size::SAN, true, e)) },
            ParagraphKind::Body | ParagraphKind::Measure | ParagraphKind::Statement | ParagraphKind::Contact => {
                let before = if first_body { line } else { 0 };
                first_body = false;
                Para { before, ..body(runs(p, Face::FangSong, size::SAN, false, e)) }
            }
            ParagraphKind::Issuer => {
                // Centred over the date, which stands 4 characters in from the right.
                let right = match &date_text {
                    Some(d) => (4 * 320 + width(d) / 2).saturating_sub(width(&p.text) / 2),
                    None => 4 * 320,
                };
                Para {
                    runs: runs(p, Face::FangSong, size::SAN, false, e),
                    align: Align::Right,
                    right,
                    before: line * 2,
                    keep_next: true,
                    ..Para::default()
                }
            }
            ParagraphKind::Date => {
                Para { runs: runs(p, Face::FangSong, size::SAN, false, e), align: Align::Right, right: 4 * 320, ..Para::default() }
            }
        };
        blocks.push(Block::Para(para));
    }
    Document { title: m.title.clone(), sections: vec![Section { landscape: false, blocks }] }
}

/// The report as DOCX bytes.
pub fn report(m: &ReportModel) -> Vec<u8> {
    ooxml::write(&report_document(m))
}

/// The plan: title and opening on a portrait page, the three lists as landscape tables.
pub fn plan(p: &PlanModel) -> Vec<u8> {
    let line = Page::LINE_PITCH;
    let mut first = vec![
        Block::Para(Para {
            runs: vec![Run::new(p.title.clone(), Face::XiaoBiaoSong, size::ER)],
            align: Align::Center,
            before: line * 2,
            line: Some(line + 120),
            ..Para::default()
        }),
        Block::Para(Para { before: line, ..body(vec![Run::new(p.opening.clone(), Face::FangSong, size::SAN)]) }),
    ];
    for l in &p.contents {
        first.push(Block::Para(body(vec![Run::new(l.clone(), Face::FangSong, size::SAN)])));
    }
    let mut lists = Vec::new();
    for (n, list) in p.lists.iter().enumerate() {
        lists.push(Block::Para(Para {
            runs: vec![Run::new(list.heading.clone(), Face::Hei, size::SAN)],
            align: Align::Center,
            page_break_before: n > 0,
            keep_next: true,
            line: Some(line),
            ..Para::default()
        }));
        let total = Page::landscape_text_width();
        let sum: u32 = list.weights.iter().sum();
        let widths = list.weights.iter().map(|w| total * w / sum.max(1)).collect();
        lists.push(Block::Table(ooxml::Table { widths, header: list.header.clone(), rows: list.docx_rows() }));
    }
    let d = Document {
        title: p.title.clone(),
        sections: vec![Section { landscape: false, blocks: first }, Section { landscape: true, blocks: lists }],
    };
    ooxml::write(&d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reports::model::{build, tests::snapshot, ReportContent};

    #[test]
    fn the_report_document_uses_the_official_faces_and_is_deterministic() {
        let s = snapshot();
        let mut c = ReportContent::initial(&s);
        c.dated = "2021-11-10".parse().ok();
        let m = build(&s, &c, Edition::Public);
        let d = report_document(&m);
        let faces: Vec<(String, Face)> = d.sections[0]
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Para(p) => p.runs.first().map(|r| (r.text.clone(), r.face)),
                _ => None,
            })
            .collect();
        let face = |t: &str| faces.iter().find(|(x, _)| x.starts_with(t)).map(|(_, f)| *f);
        assert_eq!(face("中共长阳土家族自治县职业教育中心委员会关于"), Some(Face::XiaoBiaoSong));
        assert_eq!(face("一、"), Some(Face::Hei));
        assert_eq!(face("（一）"), Some(Face::Kai));
        assert_eq!(face("1. "), Some(Face::FangSong));
        assert_eq!(report(&m), report(&m));
        let date = d.sections[0].blocks.iter().rev().find_map(|b| match b {
            Block::Para(p) => Some(p.clone()),
            _ => None,
        });
        assert_eq!(date.map(|p| (p.align, p.right)), Some((Align::Right, 1280)));
    }
}
