//! What one cell of a 台账 says: a label in front of a title, a list of names, a deadline, a
//! kind of measure.

use chrono::{Datelike, Duration, NaiveDate};

use super::Field;

const CHINESE_DIGITS: &str = "一二三四五六七八九十百零〇两";

fn is_chinese_digit(c: char) -> bool {
    CHINESE_DIGITS.contains(c)
}

/// Separators that may follow a label before its text.
fn is_label_gap(c: char) -> bool {
    c.is_whitespace() || matches!(c, '、' | '.' | '．' | ':' | '：' | '，' | ',')
}

/// A leading label and the text after it: （一）, (1), 一、, 1., 1、, ①, 一是. A cell that is
/// nothing but a label keeps it as its text.
pub fn split_label(cell: &str) -> (String, String) {
    let s = cell.trim();
    let label_len = label_length(s);
    if label_len > 0 {
        let rest = s[label_len..].trim_start_matches(is_label_gap).trim();
        if !rest.is_empty() {
            return (s[..label_len].to_string(), rest.to_string());
        }
    }
    (String::new(), s.to_string())
}

/// Whether the text opens with a label of the kind categories have: 一、 or （一）.
pub fn has_category_label(s: &str) -> bool {
    let s = s.trim();
    let n = label_length(s);
    n > 0 && s[..n].chars().any(is_chinese_digit) && !s[..n].ends_with('是')
}

/// Bytes the leading label takes, 0 when there is none.
fn label_length(s: &str) -> usize {
    let mut chars = s.char_indices().peekable();
    let Some((_, first)) = chars.next() else { return 0 };
    // Circled and parenthesised numbers: ①–⑳, ⑴–⒇, ⒈–⒛, ㉑–㉟, ㊱–㊿.
    if matches!(first as u32, 0x2460..=0x249B | 0x3251..=0x325F | 0x32B1..=0x32BF) {
        return first.len_utf8();
    }
    if matches!(first, '(' | '（') {
        let mut digits = 0;
        for (i, c) in chars {
            match c {
                ')' | '）' if digits > 0 => return i + c.len_utf8(),
                c if (c.is_ascii_digit() || is_chinese_digit(c)) && digits < 4 => digits += 1,
                _ => return 0,
            }
        }
        return 0;
    }
    if first.is_ascii_digit() {
        let mut digits = 1;
        while chars.next_if(|(_, c)| c.is_ascii_digit()).is_some() {
            digits += 1;
        }
        if digits > 3 {
            return 0;
        }
        return match chars.next() {
            // 1.5 倍 is a number, not a label.
            Some((i, c @ ('.' | '．'))) if !chars.peek().is_some_and(|(_, n)| n.is_ascii_digit()) => i + c.len_utf8(),
            Some((i, c @ ('、' | ')' | '）'))) => i + c.len_utf8(),
            _ => 0,
        };
    }
    if is_chinese_digit(first) {
        let mut digits = 1;
        for (i, c) in chars {
            match c {
                '、' | '.' | '．' | '是' => return i + c.len_utf8(),
                c if is_chinese_digit(c) && digits < 3 => digits += 1,
                _ => return 0,
            }
        }
    }
    0
}

/// Names in a cell: 张三、李四, 教务处，学生处; 工会 / 团委, one per line, or spaced apart.
pub fn split_names(cell: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    cell.split(|c: char| c.is_whitespace() || matches!(c, '、' | '，' | ',' | '；' | ';' | '/' | '／'))
        .map(str::trim)
        .filter(|name| !name.is_empty() && seen.insert(*name))
        .take(MAX_NAMES)
        .map(String::from)
        .collect()
}

/// More names than any measure has people or departments: the rest of a cell is not read.
pub const MAX_NAMES: usize = 50;

pub const IMMEDIATE: &str = "立行立改";
pub const TIME_BOUND: &str = "限期整改";
pub const LONG_TERM: &str = "长期坚持";

/// The kind a cell names: 长期坚持 (also when with 立行立改: it goes on), 立行立改, 限期整改.
pub fn kind_of(cell: &str) -> Option<&'static str> {
    let s: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    if s.contains("长期") || s.contains("常态") {
        Some(LONG_TERM)
    } else if s.contains("立行立改") || s.contains("立即整改") || s.contains("即知即改") {
        Some(IMMEDIATE)
    } else if s.contains("限期") || s.contains("短期") || s.contains("中期") {
        Some(TIME_BOUND)
    } else {
        None
    }
}

/// What a deadline cell says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeadlineCell {
    pub date: Option<NaiveDate>,
    /// 长期坚持 or 立行立改 written where the date goes.
    pub kind: Option<&'static str>,
    pub issue: Option<DeadlineIssue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineIssue {
    /// No date could be read.
    Unreadable,
    /// Several dates: the latest was taken.
    Several,
    /// A date with further words, which were left out.
    ExtraText,
}

/// Reads a deadline: 2021-12-31, 2021/12/31, 2021.12.31, 20211231, 2021年12月31日(前),
/// 2021年12月底 / 月末 / 2021年12月 / 2021.12 (the month's last day), 上旬 / 中旬 / 下旬
/// (the 10th, 20th, last day), 2021年底 (31 December), an Excel serial number; 长期坚持 and
/// 立行立改 as a kind. Anything else is unreadable rather than guessed.
pub fn parse_deadline(cell: &str) -> DeadlineCell {
    let text: String = cell.trim().chars().map(fold_width).collect();
    if text.is_empty() {
        return DeadlineCell::default();
    }
    let kind = kind_of(&text).filter(|k| *k != TIME_BOUND);
    if let Some(date) = excel_serial(&text) {
        return DeadlineCell { date: Some(date), kind, issue: None };
    }
    let found = find_dates(&text);
    let Some(latest) = found.iter().map(|d| d.date).max() else {
        let issue = if kind.is_some() { None } else { Some(DeadlineIssue::Unreadable) };
        return DeadlineCell { date: None, kind, issue };
    };
    if found.len() > 1 {
        return DeadlineCell { date: Some(latest), kind, issue: Some(DeadlineIssue::Several) };
    }
    // What is left once the date, the kind and the usual words around a deadline are gone.
    let mut rest = String::new();
    let mut at = 0;
    for d in &found {
        rest.push_str(&text[at..d.start]);
        at = d.end;
    }
    rest.push_str(&text[at..]);
    for word in ["长期坚持", "立行立改", "限期整改", "之前", "以前", "前", "完成", "截止", "截至", "止", "底", "整改", "到位"]
    {
        rest = rest.replace(word, "");
    }
    let issue = rest.chars().any(char::is_alphanumeric).then_some(DeadlineIssue::ExtraText);
    DeadlineCell { date: Some(latest), kind, issue }
}

/// Full-width digits and separators as ASCII.
fn fold_width(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '－' | '—' => '-',
        '／' => '/',
        '：' => ':',
        c => c,
    }
}

/// A cell that is a bare number in the range of Excel dates 1990–2100.
fn excel_serial(s: &str) -> Option<NaiveDate> {
    let n: f64 = s.parse().ok()?;
    if !(32_874.0..=73_415.0).contains(&n) || n.fract() != 0.0 {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(Duration::days(n as i64))
}

struct Found {
    date: NaiveDate,
    /// Byte range in the text.
    start: usize,
    end: usize,
}

fn last_day(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// Digits at `at`, at most `max` of them: their value and where they end.
fn digits(b: &[u8], at: usize, max: usize) -> Option<(u32, usize)> {
    let n = b[at.min(b.len())..].iter().take(max + 1).take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > max {
        return None;
    }
    let value = std::str::from_utf8(&b[at..at + n]).ok()?.parse().ok()?;
    Some((value, at + n))
}

fn eat<'a>(s: &'a str, at: usize, words: &[&'a str]) -> Option<(&'a str, usize)> {
    let rest = s.get(at..)?;
    words.iter().find(|w| rest.starts_with(**w)).map(|w| (*w, at + w.len()))
}

/// Every date in the text, read from a four-digit year in 1990–2100 on.
fn find_dates(s: &str) -> Vec<Found> {
    let b = s.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts_number = b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit());
        if starts_number {
            if let Some(f) = date_at(s, i) {
                i = f.end;
                found.push(f);
                continue;
            }
        }
        i += 1;
    }
    found
}

fn date_at(s: &str, start: usize) -> Option<Found> {
    let b = s.as_bytes();
    let run = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    // 20211231
    if run == 8 {
        let n = &s[start..start + 8];
        let date = NaiveDate::parse_from_str(n, "%Y%m%d").ok().filter(|d| (1990..=2100).contains(&d.year()))?;
        return Some(Found { date, start, end: start + 8 });
    }
    let (year, at) = digits(b, start, 4)?;
    if at - start != 4 || !(1990..=2100).contains(&year) {
        return None;
    }
    let year = year as i32;
    let found = |date: Option<NaiveDate>, end: usize| date.map(|date| Found { date, start, end });
    match b.get(at) {
        Some(sep @ (b'-' | b'/' | b'.')) => {
            let (month, at) = digits(b, at + 1, 2)?;
            if b.get(at) == Some(sep) {
                let (day, at) = digits(b, at + 1, 2)?;
                let end = time_of_day(b, at);
                found(NaiveDate::from_ymd_opt(year, month, day), end)
            } else {
                found(last_day(year, month).filter(|_| (1..=12).contains(&month)), at)
            }
        }
        _ => {
            let (_, at) = eat(s, at, &["年"])?;
            if let Some((_, end)) = eat(s, at, &["底", "末", "内"]) {
                return found(NaiveDate::from_ymd_opt(year, 12, 31), end);
            }
            let (month, at) = digits(b, at, 2)?;
            let (_, at) = eat(s, at, &["月"])?;
            if !(1..=12).contains(&month) {
                return None;
            }
            if let Some((day, after)) = digits(b, at, 2) {
                let end = eat(s, after, &["日", "号"]).map_or(after, |(_, e)| e);
                return found(NaiveDate::from_ymd_opt(year, month, day), end);
            }
            match eat(s, at, &["上旬", "中旬", "下旬", "底", "末"]) {
                Some(("上旬", end)) => found(NaiveDate::from_ymd_opt(year, month, 10), end),
                Some(("中旬", end)) => found(NaiveDate::from_ymd_opt(year, month, 20), end),
                Some((_, end)) => found(last_day(year, month), end),
                None => found(last_day(year, month), at),
            }
        }
    }
}

/// Past a time of day after a date (` 00:00`, ` 17:30:00`), if there is one.
fn time_of_day(b: &[u8], at: usize) -> usize {
    let mut i = at;
    while b.get(i) == Some(&b' ') || b.get(i) == Some(&b'T') {
        i += 1;
    }
    let Some((_, after_hours)) = digits(b, i, 2) else { return at };
    if b.get(after_hours) != Some(&b':') {
        return at;
    }
    let Some((_, mut end)) = digits(b, after_hours + 1, 2) else { return at };
    if b.get(end) == Some(&b':') {
        if let Some((_, e)) = digits(b, end + 1, 2) {
            end = e;
        }
    }
    end
}

/// Labels that name the parts of a responsibility cell (责任清单: 责任领导：张三；牵头单位：教务处).
pub(crate) const PART_LABELS: &[(&str, Field)] = &[
    ("具体责任人", Field::Assignees),
    ("责任领导", Field::ResponsibleLeader),
    ("分管领导", Field::ResponsibleLeader),
    ("牵头领导", Field::ResponsibleLeader),
    ("牵头单位", Field::LeadDepartment),
    ("牵头部门", Field::LeadDepartment),
    ("牵头处室", Field::LeadDepartment),
    ("责任单位", Field::LeadDepartment),
    ("责任部门", Field::LeadDepartment),
    ("责任处室", Field::LeadDepartment),
    ("配合单位", Field::SupportingDepartments),
    ("配合部门", Field::SupportingDepartments),
    ("配合处室", Field::SupportingDepartments),
    ("协办单位", Field::SupportingDepartments),
    ("责任人", Field::Assignees),
    ("经办人", Field::Assignees),
    ("完成时限", Field::Deadline),
    ("整改时限", Field::Deadline),
];

/// The labelled parts of a cell, in order; the text before the first label is `own`'s. None
/// when the cell has no such labels.
pub fn labelled_parts(cell: &str, own: Field) -> Option<Vec<(Field, String)>> {
    let mut marks: Vec<(usize, usize, Field)> = Vec::new();
    for (label, field) in PART_LABELS {
        for (at, _) in cell.match_indices(label) {
            let after = at + label.len();
            let Some(colon) = cell[after..].chars().next().filter(|c| matches!(c, ':' | '：')) else { continue };
            // 具体责任人 also holds 责任人: the longer label, listed first, wins.
            if marks.iter().any(|(s, e, _)| at < *e && after > *s) {
                continue;
            }
            marks.push((at, after + colon.len_utf8(), *field));
        }
    }
    if marks.is_empty() {
        return None;
    }
    marks.sort_by_key(|m| m.0);
    let trim = |s: &str| s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '；' | ';' | '，' | ',' | '。')).to_string();
    let mut parts = Vec::new();
    let head = trim(&cell[..marks[0].0]);
    if !head.is_empty() {
        parts.push((own, head));
    }
    for (i, (_, end, field)) in marks.iter().enumerate() {
        let next = marks.get(i + 1).map_or(cell.len(), |m| m.0);
        let text = trim(&cell[*end..next]);
        if !text.is_empty() {
            parts.push((*field, text));
        }
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn labels_come_off_the_front() {
        let split = |s: &str| split_label(s);
        assert_eq!(split("（一）履行职责使命方面"), ("（一）".into(), "履行职责使命方面".into()));
        assert_eq!(split("(1) 加强学习"), ("(1)".into(), "加强学习".into()));
        assert_eq!(split("一、政治建设方面"), ("一、".into(), "政治建设方面".into()));
        assert_eq!(split("十二、其他"), ("十二、".into(), "其他".into()));
        assert_eq!(split("1.理论武装不够"), ("1.".into(), "理论武装不够".into()));
        assert_eq!(split("12、制度不健全"), ("12、".into(), "制度不健全".into()));
        assert_eq!(split("①强化思想武装。具体做法"), ("①".into(), "强化思想武装。具体做法".into()));
        assert_eq!(split("一是加强学习"), ("一是".into(), "加强学习".into()));
        // Not labels: a number, a year, a label alone.
        assert_eq!(split("1.5倍课时"), ("".into(), "1.5倍课时".into()));
        assert_eq!(split("2021年开展"), ("".into(), "2021年开展".into()));
        assert_eq!(split("（一）"), ("".into(), "（一）".into()));
        assert_eq!(split("一把手责任"), ("".into(), "一把手责任".into()));
        assert!(has_category_label("（二）作风方面") && has_category_label("三、其他"));
        assert!(!has_category_label("1.问题") && !has_category_label("一是加强"));
    }

    #[test]
    fn names_split_on_any_separator() {
        assert_eq!(split_names("张三、李四，王五; 赵六/钱七  孙八\n周九"), ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九"]);
        assert_eq!(split_names(" 教务处、教务处 "), ["教务处"]);
        assert!(split_names("  ").is_empty());
    }

    #[test]
    fn deadlines_in_the_ways_people_write_them() {
        let date = |s: &str| {
            let c = parse_deadline(s);
            assert_eq!(c.issue, None, "{s}");
            c.date
        };
        assert_eq!(date("2021-12-31"), d("2021-12-31"));
        assert_eq!(date("2021/9/5"), d("2021-09-05"));
        assert_eq!(date("2021.12.31"), d("2021-12-31"));
        assert_eq!(date("２０２１．１２．３１"), d("2021-12-31"));
        assert_eq!(date("20211231"), d("2021-12-31"));
        assert_eq!(date("2021-12-31 00:00"), d("2021-12-31"));
        assert_eq!(date("2021年12月31日"), d("2021-12-31"));
        assert_eq!(date("2021年9月30日前"), d("2021-09-30"));
        assert_eq!(date("2021年12月底"), d("2021-12-31"));
        assert_eq!(date("2022年2月末"), d("2022-02-28"));
        assert_eq!(date("2021年11月"), d("2021-11-30"));
        assert_eq!(date("2021年11月底前完成"), d("2021-11-30"));
        assert_eq!(date("2021年10月中旬"), d("2021-10-20"));
        assert_eq!(date("2021.12"), d("2021-12-31"));
        assert_eq!(date("2021年底"), d("2021-12-31"));
        assert_eq!(date("44561"), d("2021-12-31"));
        assert_eq!(parse_deadline(""), DeadlineCell::default());
    }

    #[test]
    fn kinds_in_the_deadline_cell_and_what_cannot_be_read() {
        assert_eq!(parse_deadline("长期坚持"), DeadlineCell { date: None, kind: Some(LONG_TERM), issue: None });
        assert_eq!(parse_deadline("立行立改"), DeadlineCell { date: None, kind: Some(IMMEDIATE), issue: None });
        assert_eq!(parse_deadline("立行立改，2021年9月底前"), DeadlineCell { date: d("2021-09-30"), kind: Some(IMMEDIATE), issue: None });
        let unreadable = |s: &str| parse_deadline(s) == DeadlineCell { date: None, kind: None, issue: Some(DeadlineIssue::Unreadable) };
        for s in ["年底前", "2021年2月30日", "2021-13-01", "下学期", "1234", "2021年"] {
            assert!(unreadable(s), "{s}: {:?}", parse_deadline(s));
        }
        let several = parse_deadline("2021年9月30日前初步完成，2021年12月31日前全面完成");
        assert_eq!((several.date, several.issue), (d("2021-12-31"), Some(DeadlineIssue::Several)));
        let extra = parse_deadline("2021年12月31日（视情况调整）");
        assert_eq!((extra.date, extra.issue), (d("2021-12-31"), Some(DeadlineIssue::ExtraText)));
        assert_eq!(kind_of("立行立改并长期坚持"), Some(LONG_TERM));
        assert_eq!(kind_of("限期 整改"), Some(TIME_BOUND));
        assert_eq!(kind_of("其他"), None);
    }

    #[test]
    fn responsibility_cells_with_labelled_parts() {
        let parts = labelled_parts("责任领导：覃守生；牵头单位：教务处；具体责任人：蒋芳、张红昌", Field::LeadDepartment).unwrap();
        assert_eq!(
            parts,
            [
                (Field::ResponsibleLeader, "覃守生".to_string()),
                (Field::LeadDepartment, "教务处".to_string()),
                (Field::Assignees, "蒋芳、张红昌".to_string())
            ]
        );
        let parts = labelled_parts("教务处 配合单位:学生处", Field::LeadDepartment).unwrap();
        assert_eq!(parts, [(Field::LeadDepartment, "教务处".to_string()), (Field::SupportingDepartments, "学生处".to_string())]);
        assert_eq!(labelled_parts("教务处", Field::LeadDepartment), None);
    }
}
