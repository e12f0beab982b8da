//! Store timestamps: microseconds since the Unix epoch, UTC, with RFC 3339 text
//! (no date library needed for the two conversions the store makes).

use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

/// The current time.
pub fn now_micros() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// RFC 3339 UTC text with microseconds, e.g. `2026-11-28T13:50:02.123456Z`.
pub fn format_timestamp(ts: Timestamp) -> String {
    let secs = ts.div_euclid(1_000_000);
    let micros = ts.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// Parses an `xs:dateTime` / RFC 3339 time (`YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm]`,
/// no zone = UTC) or a date alone (`YYYY-MM-DD`, midnight UTC), as REST
/// `updatedAfter` gives it.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let t = text.trim();
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (date, rest) = match t.split_once('T') {
        Some((d, r)) => (d, Some(r)),
        None => (t, None),
    };
    let mut dp = date.splitn(3, '-');
    let y = num(dp.next()?)?;
    let m = u32::try_from(num(dp.next()?)?).ok()?;
    let d = u32::try_from(num(dp.next()?)?).ok()?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let mut micros = days_from_civil(y, m, d) * 86_400_000_000;
    let Some(rest) = rest else {
        return Some(micros);
    };
    let (clock, offset) = if let Some(c) = rest.strip_suffix('Z') {
        (c, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (c, z) = rest.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let (oh, om) = z[1..].split_once(':')?;
        (c, sign * (num(oh)? * 60 + num(om)?))
    } else {
        (rest, 0)
    };
    let mut cp = clock.splitn(3, ':');
    let h = num(cp.next()?)?;
    let mi = num(cp.next()?)?;
    let sec_text = cp.next()?;
    let (s, frac) = match sec_text.split_once('.') {
        Some((s, f)) => (num(s)?, f),
        None => (num(sec_text)?, ""),
    };
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut frac_micros = 0;
    if !frac.is_empty() {
        num(frac)?;
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
        frac_micros = num(&digits)?;
    }
    micros += ((h * 60 + mi - offset) * 60 + s) * 1_000_000 + frac_micros;
    Some(micros)
}

/// Days in a month of a proleptic Gregorian year.
pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for z in [-800_000, -1, 0, 59, 10_957, 20_000, 800_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn formats_and_parses_timestamps() {
        // 2000-03-01 is day 11017 (checked above), 13:45:30.25 later.
        let ts = 11_017 * 86_400_000_000 + ((13 * 60 + 45) * 60 + 30) * 1_000_000 + 250_000;
        assert_eq!(format_timestamp(ts), "2000-03-01T13:45:30.250000Z");
        assert_eq!(parse_timestamp("2000-03-01T13:45:30.25Z"), Some(ts));
        assert_eq!(parse_timestamp("2000-03-01T15:45:30.25+02:00"), Some(ts));
        assert_eq!(parse_timestamp("2000-03-01T13:45:30.25"), Some(ts));
        assert_eq!(parse_timestamp("2000-03-01"), Some(11_017 * 86_400_000_000));
        assert_eq!(parse_timestamp("2000-02-30"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2000-03-01T25:00:00Z"), None);
    }
}
