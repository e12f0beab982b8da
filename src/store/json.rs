//! Attribute and measure maps as compact JSON objects in one column.

use indexmap::IndexMap;

use super::StoreError;

/// Appends `v` as a JSON string.
fn push_str(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The pairs as a JSON object, `None` when there are none (stored as NULL).
pub(crate) fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    let mut out = String::new();
    for (k, v) in pairs {
        out.push(if out.is_empty() { '{' } else { ',' });
        push_str(&mut out, k);
        out.push(':');
        push_str(&mut out, v);
    }
    if out.is_empty() {
        None
    } else {
        out.push('}');
        Some(out)
    }
}

/// The pairs of a stored JSON object, in stored order.
pub(crate) fn decode(
    text: Option<&str>,
    what: &'static str,
) -> Result<Vec<(String, String)>, StoreError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let map: IndexMap<String, String> =
        serde_json::from_str(text).map_err(|e| StoreError::Damaged {
            what,
            message: e.to_string(),
        })?;
    Ok(map.into_iter().collect())
}

/// `old` updated with `new` (new keys appended), encoded.
pub(crate) fn merge<'a>(
    old: Option<&str>,
    new: impl IntoIterator<Item = (&'a str, &'a str)>,
    what: &'static str,
) -> Result<Option<String>, StoreError> {
    let mut pairs = decode(old, what)?;
    for (k, v) in new {
        match pairs.iter_mut().find(|(pk, _)| pk == k) {
            Some((_, pv)) => {
                pv.clear();
                pv.push_str(v);
            }
            None => pairs.push((k.to_owned(), v.to_owned())),
        }
    }
    Ok(encode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
}

/// `old` without the keys in `remove`, encoded.
pub(crate) fn remove<S: AsRef<str>>(
    old: Option<&str>,
    remove: &[S],
    what: &'static str,
) -> Result<Option<String>, StoreError> {
    let pairs = decode(old, what)?;
    Ok(encode(
        pairs
            .iter()
            .filter(|(k, _)| !remove.iter().any(|r| r.as_ref() == k))
            .map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_escapes_merges_and_removes() {
        let j = encode([("A", "x\"y"), ("B", "1\n")]).unwrap();
        assert_eq!(j, r#"{"A":"x\"y","B":"1\n"}"#);
        let back = decode(Some(&j), "t").unwrap();
        assert_eq!(back[0], ("A".to_string(), "x\"y".to_string()));
        assert_eq!(encode([]), None);
        let m = merge(Some(&j), [("B", "2"), ("C", "3")], "t")
            .unwrap()
            .unwrap();
        assert_eq!(m, r#"{"A":"x\"y","B":"2","C":"3"}"#);
        let r = remove(Some(&m), &["A", "C"], "t").unwrap().unwrap();
        assert_eq!(r, r#"{"B":"2"}"#);
        assert_eq!(remove(Some(&r), &["B"], "t").unwrap(), None);
        assert!(decode(Some("{"), "t").is_err());
    }
}
