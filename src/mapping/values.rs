//! Cell text → observation value and status: markers for "no value", status
//! suffixes, thousands separators, and the unit multiplier.

use super::codes::normalise;
use super::spec::ValueRules;

/// What a value cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    /// An empty cell: no observation.
    Empty,
    /// A number (already scaled), with the status its suffix gave.
    Number(String, Option<String>),
    /// A marker: an observation without value, with this status.
    Missing(String),
}

/// Reads one value cell; `Err` carries what is wrong for the error message.
pub fn parse_value(text: &str, rules: &ValueRules) -> Result<CellValue, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(CellValue::Empty);
    }
    let n = normalise(t);
    if let Some((_, status)) = rules.markers.iter().find(|(m, _)| normalise(m) == n) {
        return Ok(CellValue::Missing(status.clone()));
    }
    let mut number = t;
    let mut status = None;
    for (suffix, s) in &rules.suffixes {
        let lower = t.to_lowercase();
        if lower.len() > suffix.len() && lower.ends_with(&suffix.to_lowercase()) {
            number = t[..t.len() - suffix.len()].trim_end();
            status = Some(s.clone());
            break;
        }
    }
    let cleaned: String = if rules.thousands.is_empty() {
        number.replace(' ', "")
    } else {
        number
            .replace(rules.thousands.as_str(), "")
            .replace(' ', "")
    };
    let v: f64 = match cleaned.parse() {
        Ok(v) if f64::is_finite(v) => v,
        _ => {
            return Err(format!(
                "{t:?} is not a number (nor a marker: {})",
                rules
                    .markers
                    .keys()
                    .map(|m| format!("{m:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    };
    let text = match rules.unit_mult {
        Some(m) if m > 0 => format_scaled(v, m),
        _ => cleaned,
    };
    Ok(CellValue::Number(text, status))
}

/// `v / 10^mult` printed without binary noise (12345 / 1000 → `12.345`).
fn format_scaled(v: f64, mult: u8) -> String {
    let scaled = v / 10f64.powi(i32::from(mult));
    // Round to the digits the division can add, then let `{}` drop trailing zeros.
    let digits = i32::from(mult) + 6;
    let factor = 10f64.powi(digits);
    let rounded = (scaled * factor).round() / factor;
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_markers_suffixes() {
        let r = ValueRules {
            unit_mult: Some(3),
            ..ValueRules::default()
        };
        assert_eq!(
            parse_value("12,345", &r),
            Ok(CellValue::Number("12.345".into(), None))
        );
        assert_eq!(
            parse_value("1 200p", &r),
            Ok(CellValue::Number("1.2".into(), Some("P".into())))
        );
        assert_eq!(
            parse_value("700 E", &r),
            Ok(CellValue::Number("0.7".into(), Some("E".into())))
        );
        assert_eq!(parse_value("..", &r), Ok(CellValue::Missing("N".into())));
        assert_eq!(parse_value("N.A.", &r), Ok(CellValue::Missing("N".into())));
        assert_eq!(parse_value("", &r), Ok(CellValue::Empty));
        assert!(parse_value("twelve", &r).is_err());
        let plain = ValueRules::default();
        assert_eq!(
            parse_value("0.5", &plain),
            Ok(CellValue::Number("0.5".into(), None))
        );
    }
}
