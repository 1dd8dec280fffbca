//! Email addresses to one canonical spelling.

use crate::text::fold_full_width;

const MAX_LOCAL_LEN: usize = 64;
const MAX_ADDRESS_LEN: usize = 254;

/// Writes the canonical form of `input` into `out` (cleared first) and returns
/// whether `input` is a valid address. The caller reuses `out` across rows.
///
/// Canonical: surrounding white space trimmed, full-width characters folded
/// (`＠` typed by Chinese input methods becomes `@`), lower-cased. Valid: one
/// `@`; a local part of at most 64 characters from letters, digits and
/// ``!#$%&'*+/=?^_`{|}~.-`` with no leading, trailing or doubled dot; a domain
/// of at least two dot-separated labels of letters, digits and inner hyphens
/// whose last label has at least two letters. White space inside, quoted local
/// parts and IP-literal domains are not accepted.
pub fn normalize_email_into(input: &str, out: &mut String) -> bool {
    out.clear();
    for c in input.trim().chars() {
        out.extend(fold_full_width(c).to_lowercase());
    }
    is_valid(out)
}

fn is_valid(address: &str) -> bool {
    if address.len() > MAX_ADDRESS_LEN {
        return false;
    }
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    valid_local(local) && valid_domain(domain)
}

fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.chars().count() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let mut labels = 0;
    let mut last = "";
    for label in domain.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && last.chars().count() >= 2 && last.chars().all(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Option<String> {
        let mut out = String::new();
        normalize_email_into(s, &mut out).then_some(out)
    }

    #[test]
    fn case_space_and_full_width_are_folded() {
        assert_eq!(norm("  Zhang.Wei@QQ.com ").as_deref(), Some("zhang.wei@qq.com"));
        assert_eq!(norm("li_na+car@163.COM").as_deref(), Some("li_na+car@163.com"));
        assert_eq!(norm("wang＠sina.com").as_deref(), Some("wang@sina.com"));
        assert_eq!(
            norm("\u{3000}chen@foxmail.com\t").as_deref(),
            Some("chen@foxmail.com")
        );
        assert_eq!(norm("用户@例子.中国").as_deref(), Some("用户@例子.中国"));
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for s in [
            "",
            " ",
            "@",
            "zhang",
            "zhang@",
            "@qq.com",
            "zhang@qq",
            "zhang@@qq.com",
            "zhang@qq..com",
            ".zhang@qq.com",
            "zhang.@qq.com",
            "zh..ang@qq.com",
            "zhang wei@qq.com",
            "zhang@-qq.com",
            "zhang@qq.c",
            "zhang@qq.c0m",
            "zhang@[127.0.0.1]",
            "\"zhang\"@qq.com",
            "a@b@qq.com",
        ] {
            assert_eq!(norm(s), None, "input {s:?}");
        }
        let long_local = format!("{}@qq.com", "a".repeat(65));
        assert_eq!(norm(&long_local), None);
    }
}
