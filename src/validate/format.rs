//! Checks of an uncoded value against its text format: data type and facets.

use regex::Regex;

use crate::model::{DataType, TextFormat};

use super::Rule;
use super::time::{PeriodKind, TimePeriod};

/// A text format made ready for checking many values: bounds parsed, the
/// pattern compiled once.
#[derive(Debug, Clone)]
pub struct ValueFormat {
    /// The data type (String when the format gives none).
    pub data_type: DataType,
    min_length: Option<u64>,
    max_length: Option<u64>,
    min_value: Option<f64>,
    max_value: Option<f64>,
    decimals: Option<u32>,
    pattern: Option<(String, Regex)>,
}

impl ValueFormat {
    /// Compiles a text format. A pattern the `regex` crate cannot compile (XML
    /// Schema regular expressions have a few constructs it lacks) is returned as
    /// the error text so the caller can warn, and the pattern is then not checked.
    pub fn new(tf: &TextFormat) -> (ValueFormat, Option<String>) {
        let mut problem = None;
        let pattern = tf.pattern.as_ref().and_then(|p| {
            // XML Schema patterns match the whole value.
            match Regex::new(&format!("^(?:{p})$")) {
                Ok(r) => Some((p.clone(), r)),
                Err(e) => {
                    problem = Some(format!("pattern {p:?} cannot be checked: {e}"));
                    None
                }
            }
        });
        let num = |s: &Option<String>| s.as_deref().and_then(|v| v.trim().parse::<f64>().ok());
        (
            ValueFormat {
                data_type: tf.data_type.unwrap_or(DataType::String),
                min_length: tf.min_length,
                max_length: tf.max_length,
                min_value: num(&tf.min_value),
                max_value: num(&tf.max_value),
                decimals: tf.decimals,
                pattern,
            },
            problem,
        )
    }

    /// A format that only checks the data type.
    pub fn of(data_type: DataType) -> ValueFormat {
        ValueFormat::new(&TextFormat::of(data_type)).0
    }

    /// Checks `value`; `nan_is_missing` lets `NaN` through (measures: the
    /// standard's marker of a missing observation value). Returns the broken rule
    /// and a message.
    pub fn check(&self, value: &str, nan_is_missing: bool) -> Result<(), (Rule, String)> {
        let numeric = self.data_type.is_numeric();
        // SDMX-CSV 2.x: NaN (float/double) and #N/A (other types) mark values
        // intentionally missing.
        if nan_is_missing && (value == "NaN" || value == "#N/A") {
            return Ok(());
        }
        if let Some(why) = type_error(self.data_type, value) {
            return Err((Rule::ValueType, why));
        }
        if self.min_length.is_none()
            && self.max_length.is_none()
            && self.min_value.is_none()
            && self.max_value.is_none()
            && self.decimals.is_none()
            && self.pattern.is_none()
        {
            // Only the type to check (the usual OBS_VALUE): done.
            return Ok(());
        }
        let chars = value.chars().count() as u64;
        if let Some(min) = self.min_length
            && chars < min
        {
            return Err((
                Rule::ValueLength,
                format!("{value:?} has {chars} characters, fewer than minLength {min}"),
            ));
        }
        if let Some(max) = self.max_length
            && chars > max
        {
            return Err((
                Rule::ValueLength,
                format!("value has {chars} characters, more than maxLength {max}"),
            ));
        }
        if numeric
            && (self.min_value.is_some() || self.max_value.is_some())
            && let Ok(n) = value.trim().parse::<f64>()
        {
            // ExclusiveValueRange: the bounds themselves are excluded.
            let exclusive = self.data_type == DataType::ExclusiveValueRange;
            if let Some(min) = self.min_value
                && (n < min || (exclusive && n == min))
            {
                return Err((Rule::ValueRange, format!("{value} is below minValue {min}")));
            }
            if let Some(max) = self.max_value
                && (n > max || (exclusive && n == max))
            {
                return Err((Rule::ValueRange, format!("{value} is above maxValue {max}")));
            }
        }
        if let Some(d) = self.decimals {
            let after = value
                .split_once('.')
                .map(|(_, f)| f.trim_end_matches(|c: char| !c.is_ascii_digit()).len())
                .unwrap_or(0);
            if numeric && after > d as usize {
                return Err((
                    Rule::ValueDecimals,
                    format!("{value} has {after} decimals, more than the {d} allowed"),
                ));
            }
        }
        if let Some((p, re)) = &self.pattern
            && !re.is_match(value)
        {
            return Err((
                Rule::ValuePattern,
                format!("{value:?} does not match the pattern {p:?}"),
            ));
        }
        Ok(())
    }
}

fn is_integer(v: &str) -> bool {
    let d = v.strip_prefix(['+', '-']).unwrap_or(v);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

/// An optional sign, digits with at most one `.`, at least one digit. One pass
/// over the bytes: every observation value goes through here.
fn is_decimal(v: &str) -> bool {
    let b = v.as_bytes();
    let d = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    let (mut digits, mut dot) = (false, false);
    for &c in d {
        if c.is_ascii_digit() {
            digits = true;
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            return false;
        }
    }
    digits
}

/// A decimal with an optional integer exponent, or `INF`, `-INF`, `+INF`,
/// `NaN`; one pass over the mantissa.
fn is_double(v: &str) -> bool {
    let b = v.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let (mut digits, mut dot) = (false, false);
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => digits = true,
            b'.' if !dot => dot = true,
            // `e` is ASCII, so what follows starts a character.
            b'e' | b'E' => return digits && is_integer(&v[i + 1..]),
            _ => return matches!(v, "INF" | "-INF" | "+INF" | "NaN"),
        }
        i += 1;
    }
    digits
}

fn fits(v: &str, min: i128, max: i128) -> bool {
    v.trim_start_matches('+')
        .parse::<i128>()
        .is_ok_and(|n| n >= min && n <= max)
}

/// Why `value` is not of type `t`, or `None` when it is.
pub fn type_error(t: DataType, value: &str) -> Option<String> {
    let ok = match t {
        DataType::Integer => is_integer(value) && fits(value, i32::MIN as i128, i32::MAX as i128),
        DataType::Long => is_integer(value) && fits(value, i64::MIN as i128, i64::MAX as i128),
        DataType::Short => is_integer(value) && fits(value, i16::MIN as i128, i16::MAX as i128),
        DataType::BigInteger | DataType::Count => is_integer(value),
        DataType::Decimal | DataType::Incremental => is_decimal(value),
        DataType::Float
        | DataType::Double
        | DataType::InclusiveValueRange
        | DataType::ExclusiveValueRange => is_double(value),
        // SDMX `Numeric`: a string of digits (codes such as 0123 keep their zeros);
        // numbers with a sign or a decimal point are accepted as well.
        DataType::Numeric => is_decimal(value),
        DataType::Boolean => matches!(value, "true" | "false" | "1" | "0"),
        DataType::Alpha => value.chars().all(char::is_alphabetic),
        DataType::AlphaNumeric => value.chars().all(char::is_alphanumeric),
        DataType::URI => !value.is_empty() && !value.chars().any(char::is_whitespace),
        DataType::ObservationalTimePeriod
        | DataType::StandardTimePeriod
        | DataType::BasicTimePeriod
        | DataType::GregorianTimePeriod
        | DataType::ReportingTimePeriod
        | DataType::TimeRange
        | DataType::GregorianYear
        | DataType::GregorianYearMonth
        | DataType::GregorianDay
        | DataType::DateTime
        | DataType::ReportingYear
        | DataType::ReportingSemester
        | DataType::ReportingTrimester
        | DataType::ReportingQuarter
        | DataType::ReportingMonth
        | DataType::ReportingWeek
        | DataType::ReportingDay => {
            return match TimePeriod::parse(value) {
                Err(e) => Some(e.0),
                Ok(p) if time_kind_fits(t, p.kind) => None,
                Ok(_) => Some(format!("{value:?} is a time period but not a {t}")),
            };
        }
        _ => true,
    };
    (!ok).then(|| match t {
        DataType::Integer | DataType::Long | DataType::Short => {
            format!("{value:?} is not an integer in the range of {t}")
        }
        _ => format!("{value:?} is not a valid {t}"),
    })
}

fn time_kind_fits(t: DataType, k: PeriodKind) -> bool {
    use PeriodKind as K;
    let gregorian = matches!(k, K::Year | K::YearMonth | K::Date | K::DateTime);
    let reporting = matches!(
        k,
        K::ReportingYear
            | K::ReportingSemester
            | K::ReportingTrimester
            | K::ReportingQuarter
            | K::ReportingMonth
            | K::ReportingWeek
            | K::ReportingDay
    );
    match t {
        DataType::ObservationalTimePeriod => true,
        DataType::StandardTimePeriod => k != K::Range,
        DataType::BasicTimePeriod | DataType::GregorianTimePeriod => gregorian,
        DataType::ReportingTimePeriod => reporting,
        DataType::TimeRange => k == K::Range,
        DataType::GregorianYear => k == K::Year,
        DataType::GregorianYearMonth => k == K::YearMonth,
        DataType::GregorianDay => k == K::Date,
        DataType::DateTime => k == K::DateTime,
        DataType::ReportingYear => k == K::ReportingYear,
        DataType::ReportingSemester => k == K::ReportingSemester,
        DataType::ReportingTrimester => k == K::ReportingTrimester,
        DataType::ReportingQuarter => k == K::ReportingQuarter,
        DataType::ReportingMonth => k == K::ReportingMonth,
        DataType::ReportingWeek => k == K::ReportingWeek,
        DataType::ReportingDay => k == K::ReportingDay,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(tf: TextFormat) -> ValueFormat {
        ValueFormat::new(&tf).0
    }

    #[test]
    fn types() {
        assert!(type_error(DataType::Integer, "-12").is_none());
        assert!(type_error(DataType::Integer, "3000000000").is_some());
        assert!(type_error(DataType::Short, "40000").is_some());
        assert!(type_error(DataType::Decimal, "1.5").is_none());
        assert!(type_error(DataType::Decimal, "1e5").is_some());
        assert!(type_error(DataType::Double, "1.5E-3").is_none());
        assert!(type_error(DataType::Double, "INF").is_none());
        assert!(type_error(DataType::Double, "abc").is_some());
        assert!(type_error(DataType::Double, "").is_some());
        assert!(type_error(DataType::Boolean, "yes").is_some());
        assert!(type_error(DataType::GregorianYear, "2020").is_none());
        assert!(type_error(DataType::GregorianYear, "2020-Q1").is_some());
        assert!(type_error(DataType::ReportingTimePeriod, "2020-Q1").is_none());
        assert!(type_error(DataType::String, "anything").is_none());
    }

    /// The one-pass number checks accept exactly what the plain definitions do.
    #[test]
    fn number_checks_match_their_definitions() {
        fn decimal_def(v: &str) -> bool {
            let d = v.strip_prefix(['+', '-']).unwrap_or(v);
            let (i, f) = d.split_once('.').unwrap_or((d, ""));
            (!i.is_empty() || !f.is_empty())
                && i.bytes().all(|b| b.is_ascii_digit())
                && f.bytes().all(|b| b.is_ascii_digit())
                && d != "."
        }
        fn double_def(v: &str) -> bool {
            if matches!(v, "INF" | "-INF" | "+INF" | "NaN") {
                return true;
            }
            let (m, e) = match v.split_once(['e', 'E']) {
                Some((m, e)) => (m, Some(e)),
                None => (v, None),
            };
            decimal_def(m) && e.is_none_or(is_integer)
        }
        let mut inputs: Vec<String> = [
            "", "+", "-", ".", "+.", "-.", "..", "1", "+1", "-1", "1.", ".1", "-.1", "+1.",
            "1.2.3", "1..2", "12.345", "0", "00.00", "1e5", "1E5", "1e", "e5", "1e+5", "1e-5",
            "1e5.0", "1.5e-3", "-1.5E+3", "1ee5", "1eE5", "INF", "-INF", "+INF", "NaN", "inf",
            "nan", "+-1", "--1", " 1", "1 ", "1,5", "٣", "1é", "é", "1e٣", "0x10", "1_000", "१२",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every string of up to four characters over the interesting alphabet.
        let alphabet = ["1", ".", "+", "-", "e", "E", "x", "N"];
        let mut layer = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &layer {
                for c in alphabet {
                    next.push(format!("{s}{c}"));
                }
            }
            inputs.extend(next.iter().cloned());
            layer = next;
        }
        for v in &inputs {
            assert_eq!(is_decimal(v), decimal_def(v), "decimal {v:?}");
            assert_eq!(is_double(v), double_def(v), "double {v:?}");
        }
    }

    #[test]
    fn facets() {
        let f = fmt(TextFormat {
            data_type: Some(DataType::Decimal),
            min_value: Some("0".into()),
            max_value: Some("100".into()),
            decimals: Some(1),
            ..Default::default()
        });
        assert!(f.check("50.5", false).is_ok());
        assert_eq!(f.check("-1", false).unwrap_err().0, Rule::ValueRange);
        assert_eq!(f.check("101", false).unwrap_err().0, Rule::ValueRange);
        assert_eq!(f.check("5.25", false).unwrap_err().0, Rule::ValueDecimals);
        assert_eq!(f.check("NaN", false).unwrap_err().0, Rule::ValueType);
        assert!(f.check("NaN", true).is_ok());
        assert!(f.check("#N/A", true).is_ok());
        let x = fmt(TextFormat {
            data_type: Some(DataType::ExclusiveValueRange),
            min_value: Some("0".into()),
            max_value: Some("1".into()),
            ..Default::default()
        });
        assert!(x.check("0.5", false).is_ok());
        assert_eq!(x.check("1", false).unwrap_err().0, Rule::ValueRange);
        assert_eq!(x.check("0", false).unwrap_err().0, Rule::ValueRange);
        let s = fmt(TextFormat {
            min_length: Some(2),
            max_length: Some(4),
            pattern: Some("[A-Z]+".into()),
            ..Default::default()
        });
        assert!(s.check("ABC", false).is_ok());
        assert_eq!(s.check("A", false).unwrap_err().0, Rule::ValueLength);
        assert_eq!(s.check("ABCDE", false).unwrap_err().0, Rule::ValueLength);
        assert_eq!(s.check("abc", false).unwrap_err().0, Rule::ValuePattern);
    }
}
