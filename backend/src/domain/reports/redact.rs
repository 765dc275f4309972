//! Masking for the public edition: people's names, phone numbers, ID numbers, amounts and the
//! coordinator's own terms. A mask keeps the length of what it hides, so the spans found in the
//! internal text are the same spans in the public one (offsets count Unicode characters).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the public edition masks.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Redaction {
    /// Names of the organisation's people outside the leading group (覃立明 → 覃某某).
    #[serde(default)]
    pub names: bool,
    /// Mobile and landline numbers.
    #[serde(default = "yes")]
    pub phone_numbers: bool,
    /// 18-character resident ID numbers.
    #[serde(default = "yes")]
    pub id_numbers: bool,
    /// Sums of money (30万元 → ××万元).
    #[serde(default)]
    pub amounts: bool,
    /// Further words to mask wherever they appear, e.g. a name the ledger does not know.
    #[serde(default)]
    pub terms: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for Redaction {
    fn default() -> Self {
        Redaction { names: false, phone_numbers: true, id_numbers: true, amounts: false, terms: Vec::new() }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MaskKind {
    Name,
    PhoneNumber,
    IdNumber,
    Amount,
    Term,
}

/// Characters `start..end` of a paragraph's text are masked in the public edition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Mask {
    pub start: usize,
    pub end: usize,
    pub kind: MaskKind,
}

/// The spans of `text` that `rules` mask, in order, without overlaps. `names` are the people
/// the names rule covers.
pub fn find(text: &str, rules: &Redaction, names: &[String]) -> Vec<Mask> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<Mask> = Vec::new();
    for term in &rules.terms {
        occurrences(&chars, term, MaskKind::Term, &mut found);
    }
    if rules.names {
        for name in names {
            occurrences(&chars, name, MaskKind::Name, &mut found);
        }
    }
    if rules.id_numbers || rules.phone_numbers {
        numbers(&chars, rules, &mut found);
    }
    if rules.amounts {
        amounts(&chars, &mut found);
    }
    // The earliest wins; a span that overlaps one already kept is dropped.
    found.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    let mut kept: Vec<Mask> = Vec::new();
    for m in found {
        if kept.last().is_none_or(|k| m.start >= k.end) {
            kept.push(m);
        }
    }
    kept
}

fn occurrences(chars: &[char], needle: &str, kind: MaskKind, out: &mut Vec<Mask>) {
    let n: Vec<char> = needle.trim().chars().collect();
    if n.is_empty() || n.len() > chars.len() {
        return;
    }
    let mut i = 0;
    while i + n.len() <= chars.len() {
        if chars[i..i + n.len()] == n[..] {
            out.push(Mask { start: i, end: i + n.len(), kind });
            i += n.len();
        } else {
            i += 1;
        }
    }
}

/// Runs of digits (with `-` or spaces between groups) that are phone or ID numbers.
fn numbers(chars: &[char], rules: &Redaction, out: &mut Vec<Mask>) {
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut digits = String::new();
        let mut j = i;
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() || (digits.len() == 17 && (c == 'X' || c == 'x')) {
                digits.push(c);
                end = j + 1;
            } else if (c == '-' || c == ' ') && j + 1 < chars.len() && chars[j + 1].is_ascii_digit() && !digits.is_empty() {
                // a separator inside a number
            } else {
                break;
            }
            j += 1;
        }
        let len = digits.len();
        let id = len == 18 && digits[..17].chars().all(|c| c.is_ascii_digit());
        let mobile = len == 11 && digits.starts_with('1') && !digits.contains(['X', 'x']);
        let landline = (10..=12).contains(&len) && digits.starts_with('0') && chars[start..end].contains(&'-');
        let landline_bare = (7..=8).contains(&len) && chars[start..end].iter().all(|c| c.is_ascii_digit()) && near_phone_word(chars, start);
        if (id && rules.id_numbers) || ((mobile || landline || landline_bare) && rules.phone_numbers) {
            out.push(Mask { start, end, kind: if id { MaskKind::IdNumber } else { MaskKind::PhoneNumber } });
        }
        i = end.max(i + 1);
    }
}

/// A bare 7–8 digit number counts as a phone number only after 电话/联系/手机/热线.
fn near_phone_word(chars: &[char], start: usize) -> bool {
    let before: String = chars[start.saturating_sub(6)..start].iter().collect();
    ["电话", "联系", "手机", "热线", "Tel", "tel"].iter().any(|w| before.contains(w))
}

/// Numbers followed by a unit of money: the digits are masked, the unit stays (30万元 → ××万元).
fn amounts(chars: &[char], out: &mut Vec<Mask>) {
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.' || chars[j] == ',') {
            j += 1;
        }
        let mut k = j;
        while k < chars.len() && chars[k] == ' ' {
            k += 1;
        }
        let unit_at = |w: &str| w.chars().enumerate().all(|(n, c)| chars.get(k + n) == Some(&c));
        if ["元", "万元", "亿元", "千元", "百万元", "万余元", "余元"].iter().any(|u| unit_at(u)) {
            out.push(Mask { start, end: j, kind: MaskKind::Amount });
        }
        i = j.max(i + 1);
    }
}

/// The text with every span masked: a name keeps its first character (覃立明 → 覃某某), anything
/// else becomes × per character.
pub fn apply(text: &str, masks: &[Mask]) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, c) in text.chars().enumerate() {
        match masks.iter().find(|m| m.start <= n && n < m.end) {
            None => out.push(c),
            Some(m) if m.kind == MaskKind::Name && n == m.start => out.push(c),
            Some(m) if m.kind == MaskKind::Name => out.push('某'),
            Some(_) => out.push('×'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Redaction {
        Redaction { names: true, phone_numbers: true, id_numbers: true, amounts: true, terms: vec!["罗凤玲".into()] }
    }

    #[test]
    fn names_numbers_amounts_and_terms_are_masked_keeping_their_length() {
        let names = vec!["覃立明".to_string(), "蒋芳".to_string()];
        let text = "覃立明老师与罗凤玲老师，蒋芳电话13907171234，身份证42052819800101123X，节约资金30万元，办公电话0717-5315948。";
        let masks = find(text, &all(), &names);
        let kinds: Vec<MaskKind> = masks.iter().map(|m| m.kind).collect();
        use MaskKind::*;
        assert_eq!(kinds, [Name, Term, Name, PhoneNumber, IdNumber, Amount, PhoneNumber]);
        let public = apply(text, &masks);
        assert_eq!(public.chars().count(), text.chars().count());
        assert_eq!(public, "覃某某老师与×××老师，蒋某电话×××××××××××，身份证××××××××××××××××××，节约资金××万元，办公电话××××××××××××。");
    }

    #[test]
    fn ordinary_numbers_dates_and_document_numbers_stay() {
        let text = "2021年3月15日至4月14日，259名教职工，长职组〔2021〕16号，LED 电子屏，第41个世界粮食日，共计议定 11 件事宜";
        assert!(find(text, &Redaction::default(), &[]).is_empty());
        // Amounts and names only when asked for.
        assert!(find("节约资金30万元，覃立明", &Redaction::default(), &["覃立明".into()]).is_empty());
    }

    #[test]
    fn a_bare_number_is_a_phone_number_only_next_to_a_phone_word() {
        let r = Redaction::default();
        assert_eq!(find("联系电话：5315948", &r, &[]).len(), 1);
        assert!(find("学员总数近4000000人", &r, &[]).is_empty());
    }
}
