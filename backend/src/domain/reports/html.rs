//! The report and the plan as self-contained HTML documents with a print stylesheet (A4, the
//! GB/T 9704 margins, the official faces where installed, page numbers on the outer side), for
//! the web app's print view.

use super::model::{Edition, Paragraph, ParagraphKind, ReportModel};
use super::plan::PlanModel;
use super::redact::MaskKind;

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
@page { size: A4 portrait; margin: 37mm 26mm 35mm 28mm; }
@page :right { @bottom-right { content: "— " counter(page) " —"; font: 14pt "宋体", "SimSun", "Noto Serif CJK SC", serif; margin-right: 1em; } }
@page :left { @bottom-left { content: "— " counter(page) " —"; font: 14pt "宋体", "SimSun", "Noto Serif CJK SC", serif; margin-left: 1em; } }
@page lists { size: A4 landscape; margin: 28mm 37mm 26mm 35mm; }
:root { --line: 28.95pt; }
html { background: #f2f2f2; }
body { margin: 0; color: #000; font: 16pt/var(--line) "仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", serif; }
.page { box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 37mm 26mm 35mm 28mm; background: #fff; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
p { margin: 0; text-align: justify; text-indent: 2em; }
.masthead { color: #f00; text-align: center; text-indent: 0; font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "小标宋", "Noto Serif CJK SC", serif; font-size: 21pt; line-height: calc(2 * var(--line)); margin-top: var(--line); }
.document-number { text-align: center; text-indent: 0; margin-top: var(--line); padding-bottom: 4pt; border-bottom: 1.5pt solid #f00; }
.title { text-align: center; text-indent: 0; font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "小标宋", "Noto Serif CJK SC", serif; font-size: 22pt; line-height: 35pt; margin-top: calc(2 * var(--line)); }
.edition-mark { text-align: center; text-indent: 0; font-family: "楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "Noto Serif CJK SC", serif; }
.first { margin-top: var(--line); }
.heading { font-family: "黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; break-after: avoid; }
.category { font-family: "楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "Noto Serif CJK SC", serif; break-after: avoid; }
.problem { font-weight: bold; break-after: avoid; }
.issuer { text-align: right; text-indent: 0; margin-top: calc(2 * var(--line)); }
.date { text-align: right; text-indent: 0; padding-right: 4em; }
.issuer { padding-right: var(--issuer-right, 4em); }
mark.masked { background: #dbe8f5; color: #1f4e79; border-bottom: 1px dashed #1f4e79; }
.withheld { color: #7f7f7f; text-decoration: line-through #c00000; }
.badge { font-family: "楷体_GB2312", "KaiTi", "Noto Serif CJK SC", serif; color: #c00000; text-decoration: none; display: inline-block; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; line-height: 17pt; page-break-inside: auto; }
th, td { border: 0.75pt solid #000; padding: 2pt 4pt; vertical-align: middle; text-align: left; }
th { font-family: "黑体", "SimHei", "Noto Sans CJK SC", sans-serif; font-weight: normal; background: #e7e6e6; text-align: center; }
thead { display: table-header-group; }
td.short { text-align: center; }
.list { page: lists; break-before: page; }
.list h2 { font: 16pt/var(--line) "黑体", "SimHei", "Noto Sans CJK SC", sans-serif; text-align: center; margin: 0 0 8pt; }
.page.landscape { width: 297mm; min-height: 210mm; padding: 28mm 37mm 26mm 35mm; }
@media print {
  html { background: none; }
  .page, .page.landscape { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
  mark.masked { background: none; }
}
"#;

fn head(title: &str, class: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body class=\"{class}\">\n",
        esc(title)
    )
}

fn mask_kind(k: MaskKind) -> &'static str {
    match k {
        MaskKind::Name => "name",
        MaskKind::PhoneNumber => "phone_number",
        MaskKind::IdNumber => "id_number",
        MaskKind::Amount => "amount",
        MaskKind::Term => "term",
    }
}

/// The paragraph's text; in the internal edition with the spans the public one masks marked.
fn inline(p: &Paragraph, edition: Edition) -> String {
    if edition == Edition::Public || p.masks.is_empty() {
        return esc(&p.text);
    }
    let chars: Vec<char> = p.text.chars().collect();
    let mut out = String::new();
    let mut at = 0;
    for m in &p.masks {
        out.push_str(&esc(&chars[at..m.start].iter().collect::<String>()));
        out.push_str(&format!("<mark class=\"masked\" data-kind=\"{}\">", mask_kind(m.kind)));
        out.push_str(&esc(&chars[m.start..m.end].iter().collect::<String>()));
        out.push_str("</mark>");
        at = m.end;
    }
    out.push_str(&esc(&chars[at..].iter().collect::<String>()));
    out
}

fn class_of(k: ParagraphKind) -> &'static str {
    match k {
        ParagraphKind::Masthead => "masthead",
        ParagraphKind::DocumentNumber => "document-number",
        ParagraphKind::Title => "title",
        ParagraphKind::EditionMark => "edition-mark",
        ParagraphKind::Body => "body",
        ParagraphKind::Heading => "heading",
        ParagraphKind::Category => "category",
        ParagraphKind::Problem => "problem",
        ParagraphKind::Measure => "measure",
        ParagraphKind::Statement => "statement",
        ParagraphKind::Contact => "contact",
        ParagraphKind::Issuer => "issuer",
        ParagraphKind::Date => "date",
    }
}

pub fn report(m: &ReportModel) -> String {
    let edition = match m.edition {
        Edition::Public => "public",
        Edition::Internal => "internal",
    };
    let mut out = head(&m.title, &format!("report edition-{edition}"));
    out.push_str("<article class=\"page\">\n");
    let mut first_body = true;
    // The issuer is centred over the date, which stands four characters in from the right.
    let date_len = m.paragraphs().find(|p| p.kind == ParagraphKind::Date).map(|p| ems(&p.text));
    for p in m.paragraphs() {
        let mut class = class_of(p.kind).to_string();
        if matches!(p.kind, ParagraphKind::Body | ParagraphKind::Measure | ParagraphKind::Statement | ParagraphKind::Contact) && first_body
        {
            class.push_str(" first");
            first_body = false;
        }
        if p.withheld {
            class.push_str(" withheld");
        }
        let style = match (p.kind, date_len) {
            (ParagraphKind::Issuer, Some(d)) => {
                format!(" style=\"--issuer-right: {:.1}em\"", (4.0 + d / 2.0 - ems(&p.text) / 2.0).max(0.0))
            }
            _ => String::new(),
        };
        out.push_str(&format!("<p class=\"{class}\" data-key=\"{}\"{style}>{}", esc(&p.key), inline(p, m.edition)));
        if p.withheld {
            out.push_str("<span class=\"badge\">【不宜公开】</span>");
        }
        if p.reworded {
            out.push_str("<span class=\"badge\">【公开稿另有表述】</span>");
        }
        out.push_str("</p>\n");
    }
    out.push_str("</article>\n</body>\n</html>\n");
    out
}

/// Width in em: full-width characters 1, others ½.
fn ems(text: &str) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum()
}

pub fn plan(p: &PlanModel) -> String {
    let mut out = head(&p.title, "plan");
    out.push_str("<article class=\"page\">\n");
    out.push_str(&format!("<p class=\"title\">{}</p>\n", esc(&p.title)));
    out.push_str(&format!("<p class=\"first\">{}</p>\n", esc(&p.opening)));
    for l in &p.contents {
        out.push_str(&format!("<p>{}</p>\n", esc(l)));
    }
    out.push_str("</article>\n");
    for list in &p.lists {
        let total: u32 = list.weights.iter().sum::<u32>().max(1);
        out.push_str(&format!(
            "<section class=\"page landscape list\" data-key=\"{}\">\n<h2>{}</h2>\n<table>\n<colgroup>",
            esc(&list.key),
            esc(&list.heading)
        ));
        for w in &list.weights {
            out.push_str(&format!("<col style=\"width:{:.1}%\">", f64::from(*w) * 100.0 / f64::from(total)));
        }
        out.push_str("</colgroup>\n<thead><tr>");
        for h in &list.header {
            out.push_str(&format!("<th>{}</th>", esc(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &list.rows {
            out.push_str("<tr>");
            for c in row.iter().filter(|c| c.rowspan > 0) {
                let span = if c.rowspan > 1 { format!(" rowspan=\"{}\"", c.rowspan) } else { String::new() };
                let class = if c.text.chars().count() <= 12 { " class=\"short\"" } else { "" };
                out.push_str(&format!("<td{span}{class}>{}</td>", esc(&c.text)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reports::model::{build, tests::snapshot, ReportContent};
    use crate::domain::reports::plan;

    #[test]
    fn the_html_is_a_whole_printable_document_and_marks_only_the_internal_edition() {
        let s = snapshot();
        let mut c = ReportContent::initial(&s);
        c.redaction.names = true;
        c.withheld_measures = vec![1000];
        let public = report(&build(&s, &c, Edition::Public));
        assert!(public.starts_with("<!DOCTYPE html>") && public.trim_end().ends_with("</html>"));
        assert!(public.contains("@page { size: A4 portrait; margin: 37mm 26mm 35mm 28mm; }"));
        assert!(public.contains("覃某某老师") && !public.contains("覃立明") && !public.contains("强化思想武装"));
        assert!(!public.contains("<mark"));
        let internal = report(&build(&s, &c, Edition::Internal));
        assert!(internal.contains("<mark class=\"masked\" data-kind=\"name\">覃立明</mark>"));
        assert!(internal.contains("class=\"measure withheld\" data-key=\"measure:1000\""));
        let plan = plan(&plan::build(&s));
        assert!(plan.contains("<td rowspan=\"2\" class=\"short\">（一）履行职责使命方面</td>"), "{plan}");
        assert_eq!(plan.matches("<table>").count(), 3);
    }
}
