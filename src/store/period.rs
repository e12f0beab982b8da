//! SDMX time periods as date ranges, so periods of different frequencies can be
//! filtered (`startPeriod`, `endPeriod`) and ordered together.

use super::time::{civil_from_days, days_from_civil, days_in_month};

/// The first and last day a period covers, each as a `YYYYMMDD` number (sortable
/// and readable in the database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodRange {
    /// First day, `YYYYMMDD`.
    pub start: i64,
    /// Last day, `YYYYMMDD`.
    pub end: i64,
}

fn ymd(y: i64, m: u32, d: u32) -> i64 {
    y * 10_000 + i64::from(m) * 100 + i64::from(d)
}

fn from_days(z: i64) -> i64 {
    let (y, m, d) = civil_from_days(z);
    ymd(y, m, d)
}

fn months(y: i64, first: u32, last: u32) -> PeriodRange {
    PeriodRange {
        start: ymd(y, first, 1),
        end: ymd(y, last, days_in_month(y, last)),
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses an SDMX time period: `YYYY`, `YYYY-A1`, `YYYY-S1`, `YYYY-T1`,
/// `YYYY-Q1`, `YYYY-M01`, `YYYY-MM`, `YYYY-W01` (ISO week), `YYYY-D001`,
/// `YYYY-MM-DD` and date-times (`YYYY-MM-DDThh:mm:ss`, the day). `None` when the
/// text is none of these.
pub fn parse_period(text: &str) -> Option<PeriodRange> {
    let t = text.trim();
    // A date-time counts as its day; `T` is also the trimester letter (`2020-T2`).
    let t = match t.split_once('T') {
        Some((d, _)) if d.len() == 10 => d,
        _ => t,
    };
    let (year, rest) = match t.split_once('-') {
        Some((y, r)) => (y, Some(r)),
        None => (t, None),
    };
    if year.len() != 4 {
        return None;
    }
    let y = i64::from(digits(year)?);
    let Some(rest) = rest else {
        return Some(months(y, 1, 12));
    };
    let n = |s: &str, max: u32| digits(s).filter(|v| (1..=max).contains(v));
    if let Some((m, d)) = rest.split_once('-') {
        let m = n(m, 12)?;
        let d = n(d, days_in_month(y, m))?;
        let day = ymd(y, m, d);
        return Some(PeriodRange {
            start: day,
            end: day,
        });
    }
    let (kind, num) = rest.split_at(rest.chars().next()?.len_utf8());
    Some(match kind {
        "A" => {
            n(num, 1)?;
            months(y, 1, 12)
        }
        "S" => {
            let s = n(num, 2)?;
            months(y, 6 * s - 5, 6 * s)
        }
        "T" => {
            let s = n(num, 3)?;
            months(y, 4 * s - 3, 4 * s)
        }
        "Q" => {
            let q = n(num, 4)?;
            months(y, 3 * q - 2, 3 * q)
        }
        "M" => {
            let m = n(num, 12)?;
            months(y, m, m)
        }
        "W" => {
            let w = i64::from(n(num, 53)?);
            // ISO week 1 holds 4 January; weeks start on Monday.
            let jan4 = days_from_civil(y, 1, 4);
            let monday_w1 = jan4 - (jan4 + 3).rem_euclid(7);
            let start = monday_w1 + 7 * (w - 1);
            PeriodRange {
                start: from_days(start),
                end: from_days(start + 6),
            }
        }
        "D" => {
            let d = i64::from(n(num, 366)?);
            let day = days_from_civil(y, 1, 1) + d - 1;
            if civil_from_days(day).0 != y {
                return None;
            }
            let v = from_days(day);
            PeriodRange { start: v, end: v }
        }
        _ => {
            let m = n(rest, 12)?;
            months(y, m, m)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(t: &str) -> (i64, i64) {
        let p = parse_period(t).unwrap();
        (p.start, p.end)
    }

    #[test]
    fn every_frequency() {
        assert_eq!(r("2020"), (20200101, 20201231));
        assert_eq!(r("2020-A1"), (20200101, 20201231));
        assert_eq!(r("2020-S2"), (20200701, 20201231));
        assert_eq!(r("2020-T2"), (20200501, 20200831));
        assert_eq!(r("2020-Q1"), (20200101, 20200331));
        assert_eq!(r("2020-M02"), (20200201, 20200229));
        assert_eq!(r("2021-02"), (20210201, 20210228));
        assert_eq!(r("2020-03-15"), (20200315, 20200315));
        assert_eq!(r("2020-03-15T10:00:00"), (20200315, 20200315));
        assert_eq!(r("2020-D060"), (20200229, 20200229));
        // 2020-W01 runs from Monday 30 December 2019 (ISO 8601).
        assert_eq!(r("2020-W01"), (20191230, 20200105));
        assert_eq!(r("2021-W01"), (20210104, 20210110));
    }

    #[test]
    fn rejects_what_is_not_a_period() {
        for t in [
            "",
            "20",
            "2020-Q5",
            "2020-13",
            "2021-02-29",
            "2021-D366",
            "x2020",
            "2020-Z1",
        ] {
            assert_eq!(parse_period(t), None, "{t}");
        }
    }
}
