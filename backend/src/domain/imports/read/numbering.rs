//! Word's automatic numbering: the label Word displays in front of a numbered paragraph
//! (（一）, 1., ①), computed from `word/numbering.xml` and `word/styles.xml` because the label
//! is not in the paragraph's text.
//!
//! As Word does (ECMA-376 §17.9), the running count belongs to the abstract definition, so
//! several `w:num` over one `w:abstractNum` continue one sequence; a `w:num` carrying a
//! `w:startOverride` restarts that level the first time a paragraph uses it. A level restarts
//! when a higher level is used (or as `w:lvlRestart` says).

use std::collections::{HashMap, HashSet};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::docx::attr;

/// The longest `w:lvlText` kept: Word's own are a few characters ("（%1）", "%1.%2.").
const MAX_LEVEL_TEXT: usize = 32;

/// Word has nine list levels.
const LEVELS: usize = 9;

/// Hops through `w:basedOn` or `w:numStyleLink` before giving up (a cycle, or nonsense).
const MAX_HOPS: usize = 16;

#[derive(Debug, Clone, Default)]
struct Level {
    /// `w:start`; the standard's default is 0.
    start: i64,
    format: String,
    text: String,
    /// `w:lvlRestart`: 0 never restarts, n restarts when a level above n is used.
    restart: Option<i64>,
    legal: bool,
    /// `w:suff` is "nothing": the text follows the label directly.
    no_suffix: bool,
    /// The paragraph style this level is tied to (`w:pStyle`), which gives that style's
    /// paragraphs their level.
    style: Option<String>,
}

#[derive(Debug, Default)]
struct Abstract {
    levels: HashMap<usize, Level>,
    /// Levels defined by a numbering style instead (`w:numStyleLink`).
    style_link: Option<String>,
}

#[derive(Debug, Default)]
struct Override {
    start: Option<i64>,
    level: Option<Level>,
}

#[derive(Debug, Default)]
struct Num {
    abstract_id: i64,
    overrides: HashMap<usize, Override>,
}

/// Numbering properties a paragraph or a style states; each may be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct NumPr {
    pub num_id: Option<i64>,
    pub level: Option<usize>,
}

#[derive(Debug, Default)]
struct Style {
    based_on: Option<String>,
    num: NumPr,
}

/// The numbering definitions and paragraph styles of a document.
#[derive(Debug, Default)]
pub(super) struct Definitions {
    nums: HashMap<i64, Num>,
    abstracts: HashMap<i64, Abstract>,
    styles: HashMap<String, Style>,
    default_style: Option<String>,
}

impl Definitions {
    /// Reads `numbering.xml` and `styles.xml` (either may be missing); what cannot be read is
    /// left out, so the paragraphs are still read, only without labels.
    pub fn parse(numbering: Option<&str>, styles: Option<&str>) -> Definitions {
        let mut defs = Definitions::default();
        if let Some(xml) = numbering {
            defs.parse_numbering(xml);
        }
        if let Some(xml) = styles {
            defs.parse_styles(xml);
        }
        defs
    }

    fn parse_numbering(&mut self, xml: &str) {
        let mut reader = Reader::from_str(xml);
        let mut abstract_id: Option<i64> = None;
        let mut num_id: Option<i64> = None;
        // The level being read, and whether it sits in a w:lvlOverride.
        let mut level: Option<(usize, Level)> = None;
        let mut override_level: Option<usize> = None;
        loop {
            let (e, empty) = match reader.read_event() {
                Ok(Event::Start(e)) => (e, false),
                Ok(Event::Empty(e)) => (e, true),
                Ok(Event::End(e)) => {
                    match e.local_name().as_ref() {
                        "abstractNum" => abstract_id = None,
                        "num" => num_id = None,
                        "lvlOverride" => override_level = None,
                        "lvl" => self.store_level(level.take(), abstract_id, num_id, override_level),
                        _ => {}
                    }
                    continue;
                }
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => continue,
            };
            let val = || attr(&e, "val");
            match e.local_name().as_ref() {
                "abstractNum" if !empty => {
                    abstract_id = attr(&e, "abstractNumId").and_then(|v| v.parse().ok());
                    if let Some(id) = abstract_id {
                        self.abstracts.entry(id).or_default();
                    }
                }
                "num" if !empty => {
                    num_id = attr(&e, "numId").and_then(|v| v.parse().ok());
                    if let Some(id) = num_id {
                        self.nums.entry(id).or_default();
                    }
                }
                "abstractNumId" => {
                    if let (Some(id), Some(v)) = (num_id, val().and_then(|v| v.parse().ok())) {
                        self.nums.entry(id).or_default().abstract_id = v;
                    }
                }
                "numStyleLink" => {
                    if let Some(id) = abstract_id {
                        self.abstracts.entry(id).or_default().style_link = val();
                    }
                }
                "lvlOverride" if !empty => override_level = level_index(&e),
                "startOverride" => {
                    if let (Some(id), Some(l), Some(v)) = (num_id, override_level, val().and_then(|v| v.parse().ok())) {
                        self.nums.entry(id).or_default().overrides.entry(l).or_default().start = Some(v);
                    }
                }
                "lvl" => {
                    let index = level_index(&e).unwrap_or(override_level.unwrap_or(0));
                    level = Some((index, Level::default()));
                    if empty {
                        self.store_level(level.take(), abstract_id, num_id, override_level);
                    }
                }
                name => {
                    if let Some((_, l)) = level.as_mut() {
                        match name {
                            "start" => l.start = val().and_then(|v| v.parse().ok()).unwrap_or(0),
                            "numFmt" => l.format = val().unwrap_or_default(),
                            // A label is a few characters; a longer text would be copied before every paragraph.
                            "lvlText" => l.text = val().unwrap_or_default().chars().take(MAX_LEVEL_TEXT).collect(),
                            "lvlRestart" => l.restart = val().and_then(|v| v.parse().ok()),
                            "isLgl" => l.legal = on(val()),
                            "suff" => l.no_suffix = val().as_deref() == Some("nothing"),
                            "pStyle" => l.style = val(),
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    fn store_level(&mut self, level: Option<(usize, Level)>, abstract_id: Option<i64>, num_id: Option<i64>, override_level: Option<usize>) {
        let Some((index, level)) = level else { return };
        if index >= LEVELS {
            return;
        }
        if let (Some(id), Some(_)) = (num_id, override_level) {
            self.nums.entry(id).or_default().overrides.entry(index).or_default().level = Some(level);
        } else if let Some(id) = abstract_id {
            self.abstracts.entry(id).or_default().levels.insert(index, level);
        }
    }

    fn parse_styles(&mut self, xml: &str) {
        let mut reader = Reader::from_str(xml);
        let mut current: Option<(String, Style)> = None;
        let mut in_ppr = false;
        loop {
            let (e, empty) = match reader.read_event() {
                Ok(Event::Start(e)) => (e, false),
                Ok(Event::Empty(e)) => (e, true),
                Ok(Event::End(e)) => {
                    match e.local_name().as_ref() {
                        "style" => {
                            if let Some((id, style)) = current.take() {
                                self.styles.insert(id, style);
                            }
                        }
                        "pPr" => in_ppr = false,
                        _ => {}
                    }
                    continue;
                }
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => continue,
            };
            match e.local_name().as_ref() {
                "style" if !empty => {
                    let id = attr(&e, "styleId").unwrap_or_default();
                    let paragraph = attr(&e, "type").is_none_or(|t| t == "paragraph");
                    if paragraph && attr(&e, "default").is_some_and(|v| on(Some(v))) {
                        self.default_style = Some(id.clone());
                    }
                    current = Some((id, Style::default()));
                }
                "pPr" if !empty => in_ppr = true,
                "basedOn" => {
                    if let Some((_, style)) = current.as_mut() {
                        style.based_on = attr(&e, "val");
                    }
                }
                "numId" if in_ppr => {
                    if let Some((_, style)) = current.as_mut() {
                        style.num.num_id = attr(&e, "val").and_then(|v| v.parse().ok());
                    }
                }
                "ilvl" if in_ppr => {
                    if let Some((_, style)) = current.as_mut() {
                        style.num.level = attr(&e, "val").and_then(|v| v.parse().ok());
                    }
                }
                _ => {}
            }
        }
    }

    /// What a paragraph's style (or the default paragraph style) says about numbering,
    /// through the chain of styles it is based on.
    fn style_numbering(&self, style: Option<&str>) -> NumPr {
        let mut found = NumPr::default();
        let mut id = style.map(str::to_string).or_else(|| self.default_style.clone());
        for _ in 0..MAX_HOPS {
            let Some(style) = id.as_deref().and_then(|i| self.styles.get(i)) else { break };
            found.num_id = found.num_id.or(style.num.num_id);
            found.level = found.level.or(style.num.level);
            if found.num_id.is_some() && found.level.is_some() {
                break;
            }
            id = style.based_on.clone();
        }
        found
    }

    /// The abstract definition a `w:num` stands for, through a numbering style's link.
    fn abstract_of(&self, num_id: i64) -> Option<(i64, &Abstract)> {
        let mut id = self.nums.get(&num_id)?.abstract_id;
        for _ in 0..MAX_HOPS {
            let abs = self.abstracts.get(&id)?;
            let Some(link) = &abs.style_link else { return Some((id, abs)) };
            let linked = self.styles.get(link)?.num.num_id?;
            id = self.nums.get(&linked)?.abstract_id;
        }
        None
    }
}

/// Running counts through a document, in paragraph order.
pub(super) struct Counter<'a> {
    defs: &'a Definitions,
    counts: HashMap<i64, [Option<i64>; LEVELS]>,
    /// (numId, level) pairs already used, for `w:startOverride`.
    seen: HashSet<(i64, usize)>,
}

impl<'a> Counter<'a> {
    pub fn new(defs: &'a Definitions) -> Counter<'a> {
        Counter { defs, counts: HashMap::new(), seen: HashSet::new() }
    }

    /// The label Word shows for a paragraph with these numbering properties and this style,
    /// and whether the text follows it directly (`w:suff` "nothing"); advances the count.
    /// None when the paragraph is not numbered.
    pub fn label(&mut self, own: NumPr, style: Option<&str>) -> Option<(String, bool)> {
        let defs = self.defs;
        let from_style = defs.style_numbering(style);
        let num_id = own.num_id.or(from_style.num_id)?;
        // numId 0 takes away the numbering a style gives.
        if num_id == 0 {
            return None;
        }
        let (abstract_id, abs) = defs.abstract_of(num_id)?;
        let num = defs.nums.get(&num_id)?;
        let index = own
            .level
            .or(from_style.level)
            .or_else(|| {
                let style = style.or(defs.default_style.as_deref())?;
                abs.levels.iter().find(|(_, l)| l.style.as_deref() == Some(style)).map(|(i, _)| *i)
            })
            .unwrap_or(0);
        let level_of = |i: usize| num.overrides.get(&i).and_then(|o| o.level.as_ref()).or_else(|| abs.levels.get(&i));
        let level = level_of(index)?;

        let counts = self.counts.entry(abstract_id).or_insert([None; LEVELS]);
        let first_use = self.seen.insert((num_id, index));
        let restart = num.overrides.get(&index).and_then(|o| o.start).filter(|_| first_use);
        let value = match (restart, counts.get(index).copied().flatten()) {
            (Some(start), _) => start,
            (None, Some(previous)) => previous.saturating_add(1),
            (None, None) => level.start,
        };
        if let Some(slot) = counts.get_mut(index) {
            *slot = Some(value);
        }
        for lower in index + 1..LEVELS {
            let restart_after = match level_of(lower).and_then(|l| l.restart) {
                Some(0) => continue,
                Some(n) if n <= lower as i64 => n,
                _ => lower as i64,
            };
            if (index as i64) < restart_after {
                if let Some(slot) = counts.get_mut(lower) {
                    *slot = None;
                }
            }
        }

        if level.format == "bullet" {
            return Some((bullet(&level.text), level.no_suffix));
        }
        let mut label = String::new();
        let mut chars = level.text.chars().peekable();
        while let Some(c) = chars.next() {
            let placeholder = (c == '%').then(|| chars.peek().and_then(|d| d.to_digit(10))).flatten();
            match placeholder {
                Some(d @ 1..=9) => {
                    chars.next();
                    let i = d as usize - 1;
                    let shown = level_of(i);
                    let n = counts.get(i).copied().flatten().unwrap_or_else(|| shown.map_or(1, |l| l.start));
                    let format = if level.legal && i < index { "decimal" } else { shown.map_or("decimal", |l| l.format.as_str()) };
                    label.push_str(&format_number(n, format));
                }
                _ => label.push(c),
            }
        }
        Some((label, level.no_suffix))
    }
}

/// Puts a label in front of a paragraph's text as a reader would type it: "1. 理论…" with a
/// space after a label ending in Latin punctuation or a letter or digit, "（一）履行…" and
/// "①强化…" without one after CJK punctuation or an enclosed numeral. (Word separates them
/// with a tab or a space by `w:suff`, which no typed text has.)
pub(super) fn with_label(label: &str, no_suffix: bool, text: &str) -> String {
    if label.is_empty() {
        return text.to_string();
    }
    if text.is_empty() {
        return label.to_string();
    }
    let spaced = !no_suffix && label.chars().last().is_some_and(|c| !is_wide(c)) && !text.starts_with(char::is_whitespace);
    if spaced {
        format!("{label} {text}")
    } else {
        format!("{label}{text}")
    }
}

/// Characters after which Chinese text continues without a space: CJK ideographs and
/// punctuation, full-width forms, enclosed numerals.
pub(super) fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x2460..=0x24FF   // ① ⑴ ⒈
        | 0x2E80..=0x9FFF // radicals, CJK punctuation, kana, ideographs, enclosed CJK
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// A bullet's symbol; the private-use characters of symbol fonts (Wingdings, Symbol) become
/// a plain bullet.
fn bullet(text: &str) -> String {
    text.chars().map(|c| if ('\u{E000}'..='\u{F8FF}').contains(&c) { '•' } else { c }).collect()
}

/// A count in a `w:numFmt`; formats without a Chinese or Latin rendering here fall back to
/// decimal digits, as Word does past the range of a format.
pub(super) fn format_number(n: i64, format: &str) -> String {
    let from_table = |table: &[&str]| usize::try_from(n.saturating_sub(1)).ok().and_then(|i| table.get(i).map(|s| s.to_string()));
    let offset =
        |first: u32, count: i64| (1..=count).contains(&n).then(|| char::from_u32(first + n as u32 - 1)).flatten().map(String::from);
    let shown = match format {
        "none" => Some(String::new()),
        "decimalZero" => (0..10).contains(&n).then(|| format!("0{n}")),
        "upperRoman" => roman(n),
        "lowerRoman" => roman(n).map(|r| r.to_lowercase()),
        "upperLetter" => letters(n, b'A'),
        "lowerLetter" => letters(n, b'a'),
        "chineseCounting" | "chineseCountingThousand" | "japaneseCounting" | "taiwaneseCounting" | "taiwaneseCountingThousand" => {
            chinese(n, &CHINESE_DIGITS, &CHINESE_UNITS, false)
        }
        "chineseLegalSimplified" => chinese(n, &LEGAL_DIGITS, &LEGAL_UNITS, true),
        "ideographDigital" | "taiwaneseDigital" | "japaneseDigitalTenThousand" => (n >= 0).then(|| {
            n.to_string()
                .chars()
                .filter_map(|d| d.to_digit(10))
                .map(|d| if d == 0 { '〇' } else { CHINESE_DIGITS[d as usize - 1] })
                .collect()
        }),
        "ideographTraditional" => from_table(&["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"]),
        "ideographZodiac" => from_table(&["子", "丑", "寅", "卯", "辰", "巳", "午", "未", "申", "酉", "戌", "亥"]),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" | "ideographEnclosedCircle" => offset(0x2460, 20),
        "decimalEnclosedFullstop" => offset(0x2488, 20),
        "decimalEnclosedParen" => offset(0x2474, 20),
        "decimalFullWidth" | "decimalFullWidth2" => {
            Some(n.to_string().chars().map(|c| c.to_digit(10).and_then(|d| char::from_u32(0xFF10 + d)).unwrap_or(c)).collect())
        }
        _ => None,
    };
    shown.unwrap_or_else(|| n.to_string())
}

const CHINESE_DIGITS: [char; 9] = ['一', '二', '三', '四', '五', '六', '七', '八', '九'];
const CHINESE_UNITS: [char; 3] = ['十', '百', '千'];
const LEGAL_DIGITS: [char; 9] = ['壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const LEGAL_UNITS: [char; 3] = ['拾', '佰', '仟'];

/// 1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 101 → 一百零一, 10000 → 一万. The legal form keeps
/// the leading 壹 of 壹拾.
fn chinese(n: i64, digits: &[char; 9], units: &[char; 3], legal: bool) -> Option<String> {
    if !(1..100_000_000).contains(&n) {
        return None;
    }
    let mut out = String::new();
    let (high, low) = (n / 10_000, n % 10_000);
    if high > 0 {
        out.push_str(&below_ten_thousand(high, digits, units, legal));
        out.push('万');
        if low > 0 && low < 1000 {
            out.push('零');
        }
    }
    if low > 0 {
        let part = below_ten_thousand(low, digits, units, legal || high > 0);
        out.push_str(&part);
    }
    Some(out)
}

fn below_ten_thousand(n: i64, digits: &[char; 9], units: &[char; 3], keep_leading_one: bool) -> String {
    let place = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut zero = false;
    for (i, d) in place.iter().enumerate() {
        let d = *d as usize;
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        let unit = [units.get(2), units.get(1), units.first(), None][i];
        // 十一, not 一十一, when ten is the highest place.
        let is_leading_ten = i == 2 && d == 1 && out.is_empty() && !keep_leading_one;
        if !is_leading_ten {
            if let Some(c) = digits.get(d - 1) {
                out.push(*c);
            }
        }
        if let Some(u) = unit {
            out.push(*u);
        }
    }
    out
}

fn roman(n: i64) -> Option<String> {
    if !(1..4000).contains(&n) {
        return None;
    }
    const TABLE: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut rest = n;
    let mut out = String::new();
    for (value, digits) in TABLE {
        while rest >= value {
            out.push_str(digits);
            rest -= value;
        }
    }
    Some(out)
}

/// 1 → A, 26 → Z, 27 → AA, 28 → BB: Word repeats the letter.
fn letters(n: i64, base: u8) -> Option<String> {
    if !(1..=780).contains(&n) {
        return None;
    }
    let letter = char::from(base + ((n - 1) % 26) as u8);
    Some(std::iter::repeat_n(letter, ((n - 1) / 26 + 1) as usize).collect())
}

fn level_index(e: &BytesStart) -> Option<usize> {
    attr(e, "ilvl").and_then(|v| v.parse().ok())
}

/// An on/off property: present means on unless its value says off.
pub(super) fn on(val: Option<String>) -> bool {
    !matches!(val.as_deref(), Some("0" | "false" | "off"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_as_word_shows_them() {
        let cases = [
            (1, "chineseCounting", "一"),
            (10, "chineseCounting", "十"),
            (11, "chineseCountingThousand", "十一"),
            (20, "chineseCounting", "二十"),
            (35, "chineseCounting", "三十五"),
            (101, "chineseCounting", "一百零一"),
            (110, "chineseCounting", "一百一十"),
            (10_001, "chineseCounting", "一万零一"),
            (12, "chineseLegalSimplified", "壹拾贰"),
            (3, "ideographTraditional", "丙"),
            (11, "ideographTraditional", "11"),
            (105, "ideographDigital", "一〇五"),
            (1, "decimalEnclosedCircle", "①"),
            (20, "decimalEnclosedCircleChinese", "⑳"),
            (21, "decimalEnclosedCircle", "21"),
            (3, "decimalEnclosedParen", "⑶"),
            (2, "decimalEnclosedFullstop", "⒉"),
            (4, "upperRoman", "IV"),
            (1994, "lowerRoman", "mcmxciv"),
            (28, "lowerLetter", "bb"),
            (3, "upperLetter", "C"),
            (7, "decimalZero", "07"),
            (12, "decimalFullWidth", "１２"),
            (5, "none", ""),
            (30, "decimal", "30"),
            (30, "somethingNew", "30"),
        ];
        for (n, format, shown) in cases {
            assert_eq!(format_number(n, format), shown, "{n} as {format}");
        }
    }

    #[test]
    fn labels_join_text_as_typed() {
        assert_eq!(with_label("1.", false, "理论武装不够问题"), "1. 理论武装不够问题");
        assert_eq!(with_label("（一）", false, "履行职责使命方面"), "（一）履行职责使命方面");
        assert_eq!(with_label("①", false, "强化思想武装。"), "①强化思想武装。");
        assert_eq!(with_label("一、", false, "提高政治站位"), "一、提高政治站位");
        assert_eq!(with_label("第一章", false, "总则"), "第一章总则");
        assert_eq!(with_label("1.", true, "x"), "1.x");
        assert_eq!(with_label("3.", false, ""), "3.");
    }

    fn defs(numbering: &str) -> Definitions {
        Definitions::parse(Some(numbering), None)
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn lvl(i: usize, format: &str, text: &str) -> String {
        format!(r#"<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{format}"/><w:lvlText w:val="{text}"/></w:lvl>"#)
    }

    fn at(num: i64, level: usize) -> NumPr {
        NumPr { num_id: Some(num), level: Some(level) }
    }

    #[test]
    fn nums_over_one_abstract_share_a_count_and_overrides_restart_it() {
        let xml = format!(
            r#"<w:numbering {W}><w:abstractNum w:abstractNumId="0">{}{}</w:abstractNum>
            <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
            <w:num w:numId="2"><w:abstractNumId w:val="0"/></w:num>
            <w:num w:numId="3"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
            </w:numbering>"#,
            lvl(0, "decimal", "%1."),
            lvl(1, "decimal", "%1.%2")
        );
        let d = defs(&xml);
        let mut c = Counter::new(&d);
        let mut next = |n: NumPr| c.label(n, None).map(|(l, _)| l);
        assert_eq!(next(at(1, 0)).as_deref(), Some("1."));
        assert_eq!(next(at(1, 1)).as_deref(), Some("1.1"));
        assert_eq!(next(at(2, 1)).as_deref(), Some("1.2"), "another num over the same abstract continues");
        assert_eq!(next(at(2, 0)).as_deref(), Some("2."));
        assert_eq!(next(at(1, 1)).as_deref(), Some("2.1"), "a higher level restarts the lower one");
        assert_eq!(next(at(3, 0)).as_deref(), Some("5."), "startOverride restarts on first use");
        assert_eq!(next(at(3, 0)).as_deref(), Some("6."));
        assert_eq!(next(at(1, 0)).as_deref(), Some("7."));
        assert_eq!(next(NumPr { num_id: Some(0), level: Some(0) }), None, "numId 0 is no numbering");
        assert_eq!(next(at(9, 0)), None, "an unknown num is no numbering");
    }

    #[test]
    fn levels_restart_as_lvl_restart_says() {
        let xml = format!(
            r#"<w:numbering {W}><w:abstractNum w:abstractNumId="0">{}{}<w:lvl w:ilvl="2"><w:start w:val="1"/><w:lvlRestart w:val="0"/><w:numFmt w:val="decimal"/><w:lvlText w:val="(%3)"/></w:lvl></w:abstractNum>
            <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#,
            lvl(0, "chineseCounting", "%1、"),
            lvl(1, "decimal", "%2.")
        );
        let d = defs(&xml);
        let mut c = Counter::new(&d);
        let mut next = |l: usize| c.label(at(1, l), None).map(|(l, _)| l).unwrap_or_default();
        assert_eq!(
            [next(0), next(1), next(2), next(1), next(2), next(0), next(1), next(2)],
            ["一、", "1.", "(1)", "2.", "(2)", "二、", "1.", "(3)"]
        );
    }

    #[test]
    fn styles_carry_numbering_through_based_on_and_level_styles() {
        let numbering = format!(
            r#"<w:numbering {W}><w:abstractNum w:abstractNumId="7">
              <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:pStyle w:val="H1"/></w:lvl>
              <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/><w:pStyle w:val="H2"/></w:lvl>
            </w:abstractNum><w:num w:numId="4"><w:abstractNumId w:val="7"/></w:num></w:numbering>"#
        );
        let styles = format!(
            r#"<w:styles {W}>
              <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
              <w:style w:type="paragraph" w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="4"/></w:numPr></w:pPr></w:style>
              <w:style w:type="paragraph" w:styleId="H2"><w:basedOn w:val="H1"/></w:style>
              <w:style w:type="paragraph" w:styleId="Plain"><w:basedOn w:val="Plain"/></w:style>
            </w:styles>"#
        );
        let d = Definitions::parse(Some(&numbering), Some(&styles));
        let mut c = Counter::new(&d);
        let mut next = |own: NumPr, style: Option<&str>| c.label(own, style).map(|(l, _)| l);
        assert_eq!(next(NumPr::default(), Some("H1")).as_deref(), Some("一、"));
        assert_eq!(next(NumPr::default(), Some("H2")).as_deref(), Some("（一）"), "level from the lvl's pStyle");
        assert_eq!(next(NumPr::default(), Some("H2")).as_deref(), Some("（二）"));
        assert_eq!(next(NumPr::default(), None), None, "the default style is not numbered");
        assert_eq!(next(NumPr::default(), Some("Plain")), None, "a style based on itself ends");
        assert_eq!(next(NumPr { num_id: Some(0), level: None }, Some("H1")), None, "numId 0 removes the style's numbering");
        assert_eq!(next(NumPr::default(), Some("H1")).as_deref(), Some("二、"));
    }
}
