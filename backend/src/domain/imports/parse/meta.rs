//! What a document says about the inspection and about itself: the inspecting body, the dates,
//! the document number, the signature, and the figures it declares.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

use super::clean::Para;
use super::label::chinese_value;
use crate::domain::imports::{CountOf, DeclaredCount, Lines, Metadata, Warning};

fn re(p: &str) -> Regex {
    Regex::new(p).expect("metadata pattern")
}

static INSPECTOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:(?:省|市|州|县|区|旗|盟)委|党组|党委)?第[一二三四五六七八九十\d]{1,3}(?:巡察|巡视)(?:组|工作组)|(?:省|市|州|县|区|旗|盟)委(?:巡察|巡视)(?:组|工作组)",
    )
});
/// A date with at least a month and a day; the year may be left to the context.
static DATE: LazyLock<Regex> = LazyLock::new(|| re(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日"));
/// On site from … to …: 2021年3月15日至4月14日, 3月15日—30日.
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*(?:至|到|—|–|-|－|~|～)\s*(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日",
    )
});
static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"^(\S{1,12}?)\s*[〔\[（(【]\s*((?:19|20)\d{2})\s*[〕\]）)】]\s*(\d{1,4})\s*号"));
static SIGNED_DATE: LazyLock<Regex> = LazyLock::new(|| re(r"^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$"));
/// Digits run together before 日: a date that lost 年 or 月 in extraction (20241120日, 319日).
static DAMAGED_DATE: LazyLock<Regex> = LazyLock::new(|| re(r"(^|[^\d月])(\d{3,8})\s*日([内以前后]?)"));
/// Warnings of one kind given one by one; past this, one more says how many there were.
const MAX_DATE_WARNINGS: usize = 20;
static COUNT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\d{1,5}|[一二三四五六七八九十]{1,3})\s*(个|条|项)\s*(方面|具体问题|问题|整改措施|措施|任务)"));
static COUNT_AFTER: LazyLock<Regex> = LazyLock::new(|| re(r"(?:整改措施|措施|整改任务)\s*(?:共\s*)?(\d{1,5})\s*(?:条|项|个)"));
static DONE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"已(?:完成整改|整改完成|整改到位|完成|整改|销号)\s*(\d{1,5}|[一二三四五六七八九十]{1,3})\s*(?:个|条|项)|(\d{1,5})\s*(?:个|条|项)(?:问题)?已(?:完成整改|整改完成|整改到位|销号)",
    )
});
static IN_PROGRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:正在整改|正在推进|整改中|持续整改)\s*(\d{1,5}|[一二三四五六七八九十]{1,3})\s*(?:个|条|项)|(\d{1,5})\s*(?:个|条|项)(?:问题)?(?:正在整改|正在推进|整改中|需长期坚持|持续整改)",
    )
});

fn number(s: &str) -> Option<u32> {
    s.parse().ok().or_else(|| chinese_value(s))
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || "（）《》“”".contains(c)
}

/// Removes the spaces a layout puts between Chinese characters (委员会 关于).
pub fn close_up(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' && i > 0 && cjk(chars[i - 1]) && chars.get(i + 1).is_some_and(|&n| cjk(n)) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Reads the metadata. `front` is the paragraphs before the first part, `all` the whole text.
pub fn extract(front: &[Para], all: &[Para], warnings: &mut Vec<Warning>) -> Metadata {
    let mut m = Metadata::default();
    for p in front {
        if m.doc_number.is_none() {
            if let Some(c) = DOC_NUMBER.captures(&p.text) {
                // The official form: 长职组〔2021〕20号.
                m.doc_number = Some(format!("{}〔{}〕{}号", &c[1], &c[2], &c[3]));
                continue;
            }
        }
        if m.title.is_none() && is_title(&p.text) {
            m.title = Some(close_up(&p.text));
        }
    }
    let mut damaged = 0;
    for p in all {
        // 180日内 is a period, not a date.
        for c in DAMAGED_DATE.captures_iter(&p.text).filter(|c| c[3].is_empty()) {
            damaged += 1;
            if damaged <= MAX_DATE_WARNINGS {
                warnings.push(
                    Warning::new("damaged_date", format!("第 {} 行的日期“{}日”缺少年、月或日，未能识别，请核对原文", p.lines.first, &c[2]))
                        .at(p.lines),
                );
            }
        }
    }
    if damaged > MAX_DATE_WARNINGS {
        warnings.push(Warning::new("damaged_date", format!("另有 {} 处日期缺字，未逐一列出", damaged - MAX_DATE_WARNINGS)));
    }
    // The first sentence that names the inspecting body usually also says when it came and
    // when it fed back.
    let mut year_hint = None;
    for p in all {
        if let Some(i) = INSPECTOR.find(&p.text) {
            if m.inspector.is_none() {
                m.inspector = Some(i.as_str().to_string());
            }
        }
        if m.started_on.is_none() && (p.text.contains("巡察") || p.text.contains("巡视")) {
            if let Some(c) = RANGE.captures(&p.text) {
                let y1: Option<i32> = c.get(1).and_then(|y| y.as_str().parse().ok());
                let year = y1.or(year_hint);
                let m1: u32 = c[2].parse().unwrap_or(0);
                let d1: u32 = c[3].parse().unwrap_or(0);
                let m2: u32 = c.get(5).and_then(|x| x.as_str().parse().ok()).unwrap_or(m1);
                let d2: u32 = c[6].parse().unwrap_or(0);
                let y2: Option<i32> = c.get(4).and_then(|y| y.as_str().parse().ok()).or(year.map(|y| if m2 < m1 { y + 1 } else { y }));
                if let (Some(y1), Some(y2)) = (year, y2) {
                    m.started_on = ymd(y1, m1, d1);
                    m.ended_on = ymd(y2, m2, d2);
                    year_hint = Some(y2);
                }
            }
        }
        if m.feedback_on.is_none() && p.text.contains("反馈") {
            m.feedback_on = feedback_date(&p.text, year_hint.or(m.started_on.map(|d| d.year())));
        }
        if year_hint.is_none() {
            year_hint = DATE.captures(&p.text).and_then(|c| c.get(1)).and_then(|y| y.as_str().parse().ok());
        }
    }
    // The signature: the last date on a line of its own, after the name that signs.
    if let Some(i) = all.iter().rposition(|p| SIGNED_DATE.is_match(&p.text)) {
        if i + 6 >= all.len() {
            let c = SIGNED_DATE.captures(&all[i].text);
            m.dated = c.and_then(|c| ymd(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?));
            if let Some(prev) = i.checked_sub(1).map(|j| &all[j]) {
                let t = prev.text.trim();
                if t.chars().count() <= 40 && !t.contains(['。', '：', ':', '，']) && !t.chars().any(|c| c.is_ascii_digit()) {
                    m.issuer = Some(close_up(t));
                }
            }
        }
    }
    m
}

/// The date nearest before the word 反馈 in the same sentence (7月23日反馈巡察意见,
/// 2024年5月10日，巡察组向某校反馈了巡察意见).
fn feedback_date(text: &str, year: Option<i32>) -> Option<NaiveDate> {
    let dates: Vec<regex::Captures> = DATE.captures_iter(text).collect();
    for (k, c) in dates.iter().enumerate() {
        let end = c.get(0)?.end();
        let next = dates.get(k + 1).and_then(|n| n.get(0)).map_or(text.len(), |n| n.start());
        let between: String = text[end..next].chars().take(30).collect();
        let sentence = between.split(['。', '；']).next().unwrap_or("");
        if sentence.contains("反馈") {
            let y = c.get(1).and_then(|y| y.as_str().parse().ok()).or(year)?;
            return ymd(y, c[2].parse().ok()?, c[3].parse().ok()?);
        }
    }
    None
}

fn is_title(s: &str) -> bool {
    let n = s.chars().count();
    (6..=120).contains(&n)
        && !s.ends_with('。')
        && (s.contains("关于")
            || ["报告", "方案", "意见", "通报", "通知", "公告", "情况"].iter().any(|w| s.trim_end_matches(['）', ')']).contains(w)))
        && !s.ends_with("文件")
}

/// Figures the document declares about itself, with where it says them.
pub fn declared(all: &[Para]) -> Vec<DeclaredCount> {
    let mut out: Vec<DeclaredCount> = Vec::new();
    let mut push = |of: CountOf, n: Option<u32>, lines: Lines| {
        if let Some(declared) = n.filter(|&n| n > 0) {
            if !out.iter().any(|d| d.of == of) {
                out.push(DeclaredCount { of, declared, parsed: None, lines });
            }
        }
    };
    for p in all {
        // Only sentences that count the feedback itself: 共反馈问题3个方面30个问题，制定整改措施105条.
        let counting = ["反馈", "问题清单", "梳理", "交办", "整改措施", "整改任务", "共"].iter().any(|w| p.text.contains(w));
        if !counting {
            continue;
        }
        for c in COUNT.captures_iter(&p.text) {
            let of = match &c[3] {
                "方面" => CountOf::Categories,
                "问题" | "具体问题" => CountOf::Problems,
                _ => CountOf::Measures,
            };
            push(of, number(&c[1]), p.lines);
        }
        for c in COUNT_AFTER.captures_iter(&p.text) {
            push(CountOf::Measures, number(&c[1]), p.lines);
        }
        for c in DONE.captures_iter(&p.text) {
            push(CountOf::Done, c.get(1).or(c.get(2)).and_then(|x| number(x.as_str())), p.lines);
        }
        for c in IN_PROGRESS.captures_iter(&p.text) {
            push(CountOf::InProgress, c.get(1).or(c.get(2)).and_then(|x| number(x.as_str())), p.lines);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paras(src: &str) -> Vec<Para> {
        src.lines().enumerate().map(|(i, l)| Para { text: l.to_string(), lines: Lines::one(i as u32 + 1) }).collect()
    }

    #[test]
    fn the_inspection_and_the_document_are_described() {
        let all = paras(
            "某某委员会文件\n长职组（2021）20号\n某某委员会 关于巡察反馈问题整改情况的报告（社会公开稿）\n\
             根据县委统一部署，2021年3月15日至4月14日，县委第三巡察组对某某开展了集中巡察，7月23日反馈巡察意见。\n\
             正文。\n某某委员会\n2021 年 11 月 10 日",
        );
        let mut w = Vec::new();
        let m = extract(&all[..4], &all, &mut w);
        assert_eq!(m.doc_number.as_deref(), Some("长职组〔2021〕20号"));
        assert_eq!(m.title.as_deref(), Some("某某委员会关于巡察反馈问题整改情况的报告（社会公开稿）"));
        assert_eq!(m.inspector.as_deref(), Some("县委第三巡察组"));
        assert_eq!(m.started_on, ymd(2021, 3, 15));
        assert_eq!(m.ended_on, ymd(2021, 4, 14));
        assert_eq!(m.feedback_on, ymd(2021, 7, 23));
        assert_eq!(m.issuer.as_deref(), Some("某某委员会"));
        assert_eq!(m.dated, ymd(2021, 11, 10));
        assert!(w.is_empty());
    }

    #[test]
    fn document_number_variants_read_alike() {
        for s in ["长职组〔2021〕20号", "长职组[2021]20号", "长职组(2021)20号", "长职组 （2021） 20 号", "长职组【2021】20号"]
        {
            let all = paras(s);
            let m = extract(&all, &all, &mut Vec::new());
            assert_eq!(m.doc_number.as_deref(), Some("长职组〔2021〕20号"), "{s}");
        }
    }

    #[test]
    fn a_range_across_the_new_year_moves_the_year() {
        let all = paras("2023年11月20日至1月10日，市委第二巡察组对我校进行了巡察，2024年3月5日反馈了意见。");
        let m = extract(&[], &all, &mut Vec::new());
        assert_eq!((m.started_on, m.ended_on, m.feedback_on), (ymd(2023, 11, 20), ymd(2024, 1, 10), ymd(2024, 3, 5)));
        assert_eq!(m.inspector.as_deref(), Some("市委第二巡察组"));
    }

    #[test]
    fn damaged_dates_are_flagged_not_misread() {
        let all = paras("20241120日，县委第一巡察组进驻，319日反馈巡察意见。");
        let mut w = Vec::new();
        let m = extract(&[], &all, &mut w);
        assert_eq!((m.started_on, m.feedback_on), (None, None));
        assert_eq!(w.iter().filter(|w| w.code == "damaged_date").count(), 2);
        assert!(w[0].message.contains("20241120日"), "{}", w[0].message);
    }

    #[test]
    fn declared_figures_are_found() {
        let all = paras("共反馈问题3个方面30个问题，制定整改措施105条。目前已完成整改19个、正在整改6个。\n共计议定 11 件事宜。");
        let d = declared(&all);
        let get = |of| d.iter().find(|x| x.of == of).map(|x| x.declared);
        assert_eq!(get(CountOf::Categories), Some(3));
        assert_eq!(get(CountOf::Problems), Some(30));
        assert_eq!(get(CountOf::Measures), Some(105));
        assert_eq!(get(CountOf::Done), Some(19));
        assert_eq!(get(CountOf::InProgress), Some(6));
        let d = declared(&paras("机电数控车铣等3个1+X证书试点共计通过审核，反馈良好。"));
        assert_eq!(d.len(), 0, "{d:?}");
        let d = declared(&paras("巡察组共反馈三个方面12个问题。"));
        assert_eq!(d.iter().map(|x| x.declared).collect::<Vec<_>>(), [3, 12]);
    }
}
