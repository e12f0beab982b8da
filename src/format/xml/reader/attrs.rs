//! A lean scanner for the `key="value"` attributes of a start tag, used for
//! the structure-specific Series/Obs elements, where attributes are nearly all
//! the work. It accepts exactly what quick-xml's attribute iterator accepts
//! (without duplicate checks, as the reader used it) and reports the same
//! errors, but borrows keys and values straight from the event's buffer
//! without per-attribute bookkeeping.

use quick_xml::events::BytesStart;
use quick_xml::events::attributes::AttrError;

/// The attributes of `e`, as (raw key, raw value) pairs; values still hold
/// their entity references.
pub(super) fn scan<'a>(e: &'a BytesStart<'_>) -> AttrScan<'a> {
    let text = e.attributes_raw();
    AttrScan {
        text,
        at: 0,
        // Error positions count from the start of the tag, as quick-xml's do.
        base: e.name().0.len(),
    }
}

/// Iterator over the attributes of one start tag (see [`scan`]).
pub(super) struct AttrScan<'a> {
    text: &'a str,
    at: usize,
    base: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

impl<'a> AttrScan<'a> {
    fn fail(&mut self, e: AttrError) -> Option<Result<(&'a str, &'a str), AttrError>> {
        self.at = self.text.len();
        Some(Err(e))
    }
}

impl<'a> Iterator for AttrScan<'a> {
    type Item = Result<(&'a str, &'a str), AttrError>;

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.text.as_bytes();
        let n = s.len();
        let mut i = self.at;
        while i < n && is_ws(s[i]) {
            i += 1;
        }
        if i >= n {
            self.at = n;
            return None;
        }
        let key_start = i;
        while i < n && s[i] != b'=' && !is_ws(s[i]) {
            i += 1;
        }
        let key_end = i;
        while i < n && is_ws(s[i]) {
            i += 1;
        }
        if i >= n || s[i] != b'=' {
            return self.fail(AttrError::ExpectedEq(self.base + i));
        }
        i += 1;
        while i < n && is_ws(s[i]) {
            i += 1;
        }
        if i >= n {
            return self.fail(AttrError::ExpectedValue(self.base + n));
        }
        let quote = s[i];
        if quote != b'"' && quote != b'\'' {
            return self.fail(AttrError::UnquotedValue(self.base + i));
        }
        let value_start = i + 1;
        let Some(len) = s[value_start..].iter().position(|&b| b == quote) else {
            return self.fail(AttrError::ExpectedQuote(self.base + n, quote));
        };
        let value_end = value_start + len;
        self.at = value_end + 1;
        // Every boundary sits next to an ASCII delimiter, so both slices are
        // whole characters.
        match (
            self.text.get(key_start..key_end),
            self.text.get(value_start..value_end),
        ) {
            (Some(k), Some(v)) => Some(Ok((k, v))),
            _ => self.fail(AttrError::ExpectedEq(self.base + key_start)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scanner and quick-xml agree on every input, errors included.
    #[test]
    fn agrees_with_quick_xml() {
        for tag in [
            r#"Obs TIME_PERIOD="2020" OBS_VALUE="1.5""#,
            r#"Obs"#,
            r#"Obs "#,
            "Obs\n\tA = 'x'\r\n B=\"y z\"  ",
            r#"Obs A="R1 &amp; R2" B='"'"#,
            r#"Obs A="é€" B="x""#,
            r#"Obs A"#,
            r#"Obs A "#,
            r#"Obs A B="1""#,
            r#"Obs A="#,
            r#"Obs A= "#,
            r#"Obs A=x"#,
            r#"Obs A="x"#,
            r#"Obs A='x"#,
            r#"Obs A="1"B="2""#,
        ] {
            let e = BytesStart::from_content(tag, 3);
            let ours: Vec<_> = scan(&e)
                .map(|r| r.map(|(k, v)| (k.to_owned(), v.to_owned())))
                .collect();
            let mut theirs = Vec::new();
            for a in e.attributes().with_checks(false) {
                match a {
                    Ok(a) => theirs.push(Ok((a.key.0.to_owned(), a.value.into_owned()))),
                    Err(err) => {
                        theirs.push(Err(err));
                        break;
                    }
                }
            }
            assert_eq!(ours, theirs, "{tag}");
        }
    }
}
