//! `If-Match` as RFC 9110 §13.1.1 reads it: `*` holds for any current version; a list of entity
//! tags holds when one of them, compared strongly, is the current version. Anything else that is
//! well-formed (another version, a weak tag, a tag that is no version of ours) fails with 412.

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: *`
    Any,
    /// The versions named by strong tags; weak and foreign tags never match.
    OneOf(Vec<i64>),
}

impl Precondition {
    /// Parses the header value; `None` when it is not an entity-tag list.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw == "*" {
            return Some(Self::Any);
        }
        // A bare version (`3`) is kept for clients that send what they read from `version`; digits
        // beyond any version name none.
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Self::OneOf(raw.parse::<i64>().into_iter().collect()));
        }
        // #entity-tag: tags separated by commas and optional whitespace; a tag may hold a comma.
        let mut versions = Vec::new();
        let mut rest = raw;
        loop {
            let (weak, tag) = match rest.strip_prefix("W/") {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let tag = tag.strip_prefix('"')?;
            let end = tag.find('"')?;
            let inner = &tag[..end];
            // etagc = %x21 / %x23-7E: no space, no control character (a header value is ASCII).
            if !inner.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
                return None;
            }
            if !weak {
                if let Ok(v) = inner.parse::<i64>() {
                    versions.push(v);
                }
            }
            rest = tag[end + 1..].trim_start_matches([' ', '\t']);
            if rest.is_empty() {
                break;
            }
            rest = rest.strip_prefix(',')?.trim_start_matches([' ', '\t']);
        }
        Some(Self::OneOf(versions))
    }

    /// The version the change is based on, when the precondition holds for `current`.
    pub fn check(&self, current: i64) -> AppResult<i64> {
        match self {
            Self::Any => Ok(current),
            Self::OneOf(versions) if versions.contains(&current) => Ok(current),
            Self::OneOf(_) => Err(AppError::version_mismatch()),
        }
    }
}

impl From<i64> for Precondition {
    fn from(version: i64) -> Self {
        Self::OneOf(vec![version])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_rfc_9110_allows() {
        assert_eq!(Precondition::parse("*"), Some(Precondition::Any));
        assert_eq!(Precondition::parse("\"7\""), Some(Precondition::OneOf(vec![7])));
        assert_eq!(Precondition::parse("7"), Some(Precondition::OneOf(vec![7])));
        assert_eq!(Precondition::parse("0014149578055646549223"), Some(Precondition::OneOf(vec![])));
        assert_eq!(Precondition::parse("\"3\", \"7\""), Some(Precondition::OneOf(vec![3, 7])));
        assert_eq!(Precondition::parse("W/\"a,b\",\t\"7\""), Some(Precondition::OneOf(vec![7])));
        // Weak and foreign tags are well-formed but never match.
        assert_eq!(Precondition::parse("W/\"7\""), Some(Precondition::OneOf(vec![])));
        assert_eq!(Precondition::parse("\"abc\""), Some(Precondition::OneOf(vec![])));
        for bad in ["", "abc", "\"7", "7\"", "\"a b\"", "\"1\",,x"] {
            assert_eq!(Precondition::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn holds_only_for_the_current_version() {
        assert_eq!(Precondition::Any.check(4).unwrap(), 4);
        assert_eq!(Precondition::OneOf(vec![3, 4]).check(4).unwrap(), 4);
        assert_eq!(Precondition::from(3).check(4).unwrap_err().status.as_u16(), 412);
        assert_eq!(Precondition::OneOf(vec![]).check(4).unwrap_err().code, "version_mismatch");
    }
}
