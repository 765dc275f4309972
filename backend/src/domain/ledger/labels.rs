//! Official labels of the ledger: （一） for categories, `1.` for problems, ① for measures
//! (beyond ⑳, `(21)`).

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Chinese numeral for 1–99: 一, 十, 十一, 二十, 二十一 …
pub fn chinese_number(n: u32) -> String {
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[(n % 10) as usize] }),
        20..=99 => format!("{}十{}", DIGITS[(n / 10) as usize], if n % 10 == 0 { "" } else { DIGITS[(n % 10) as usize] }),
        _ => n.to_string(),
    }
}

pub fn category_label(ordinal: i32) -> String {
    format!("（{}）", chinese_number(ordinal.max(0) as u32))
}

pub fn problem_label(ordinal: i32) -> String {
    format!("{ordinal}.")
}

pub fn measure_label(ordinal: i32) -> String {
    match ordinal {
        // ① is U+2460; ⑳ is U+2473.
        1..=20 => char::from_u32(0x2460 + (ordinal as u32 - 1)).map(String::from).unwrap_or_default(),
        _ => format!("({ordinal})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_official_style() {
        assert_eq!(category_label(1), "（一）");
        assert_eq!(category_label(3), "（三）");
        assert_eq!(category_label(10), "（十）");
        assert_eq!(category_label(12), "（十二）");
        assert_eq!(category_label(20), "（二十）");
        assert_eq!(category_label(31), "（三十一）");
        assert_eq!(problem_label(30), "30.");
        assert_eq!(measure_label(1), "①");
        assert_eq!(measure_label(5), "⑤");
        assert_eq!(measure_label(20), "⑳");
        assert_eq!(measure_label(21), "(21)");
    }
}
