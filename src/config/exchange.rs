//! `[exchanges.NAME]`: what one scheduled exchange moves, when, and what it
//! does with invalid data.

use std::path::PathBuf;

use serde::Deserialize;

/// One exchange: a schedule, its inputs (mapped tables and pulls), a
/// validation policy, whether to store, and where to deliver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeConfig {
    /// A cron expression: five fields (minute hour day month weekday) or six
    /// with seconds first (`*/2 * * * * *` = every two seconds).
    pub schedule: String,
    /// The IANA time zone the schedule is read in (`Asia/Manila`); default UTC.
    #[serde(default = "utc")]
    pub timezone: String,
    /// Mapping files (TOML, `docs/mapping.md`) whose tables this exchange maps;
    /// relative paths are taken from the working directory.
    #[serde(default)]
    pub tables: Vec<PathBuf>,
    /// Data pulled from `[sources.NAME]`.
    #[serde(default)]
    pub pulls: Vec<PullSpec>,
    /// What to do with a message that breaks validation rules.
    #[serde(default)]
    pub validation: Policy,
    /// Whether to write what passes into this gateway's store.
    #[serde(default = "yes")]
    pub store: bool,
    /// `[targets.NAME]` each message is handed to after validation.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Run once as soon as the gateway starts, whatever the schedule says.
    #[serde(default)]
    pub run_at_start: bool,
}

fn utc() -> String {
    "UTC".to_owned()
}

fn yes() -> bool {
    true
}

/// One pull: a dataflow and key from a named source.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullSpec {
    /// The `[sources.NAME]` to pull from.
    pub source: String,
    /// The dataflow, `AGENCY:ID(VERSION)` or its id.
    pub dataflow: String,
    /// The SDMX REST key (`PHL..`, `all`); default `all`.
    #[serde(default = "all")]
    pub key: String,
}

fn all() -> String {
    "all".to_owned()
}

/// What an exchange does with observations that break validation rules
/// (errors; warnings never hold anything back).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// One error rejects the whole message: nothing of it is stored or
    /// delivered.
    #[default]
    Reject,
    /// Invalid observations (or series, or datasets, as far as the error
    /// reaches) are held back and counted; the rest passes.
    Quarantine,
    /// Everything passes; the findings are recorded with the run.
    Warn,
}

impl Policy {
    /// The word used in the configuration and in run records.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Reject => "reject",
            Policy::Quarantine => "quarantine",
            Policy::Warn => "warn",
        }
    }
}

/// A parsed schedule: the cron expression and the time zone it is read in.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: croner::Cron,
    tz: chrono_tz::Tz,
}

impl Schedule {
    /// Parses a cron expression (5 fields, or 6 with seconds first) and an IANA
    /// time zone name.
    pub fn parse(expr: &str, timezone: &str) -> Result<Schedule, String> {
        let cron = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Optional)
            .build()
            .parse(expr)
            .map_err(|e| format!("schedule {expr:?} is not a cron expression: {e}"))?;
        let tz: chrono_tz::Tz = timezone.parse().map_err(|_| {
            format!(
                "timezone {timezone:?} is not an IANA time zone name (such as Asia/Manila or UTC)"
            )
        })?;
        Ok(Schedule { cron, tz })
    }

    /// The first fire time strictly after `after`.
    pub fn next_after(
        &self,
        after: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let local = after.with_timezone(&self.tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }

    /// Whether the schedule fired at least once in `(since, until]`: a run was
    /// missed while the gateway was down.
    pub fn fired_between(
        &self,
        since: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        self.next_after(since).is_some_and(|t| t <= until)
    }

    /// The time zone.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.tz
    }
}

impl ExchangeConfig {
    /// The parsed schedule.
    pub fn parsed_schedule(&self) -> Result<Schedule, String> {
        Schedule::parse(&self.schedule, &self.timezone)
    }

    /// Checks the exchange on its own and its references to sources and
    /// targets; the error says what is wrong, without the exchange's name.
    pub fn check(&self, sources: &[&str], targets: &[&str]) -> Result<(), String> {
        self.parsed_schedule()?;
        if self.tables.is_empty() && self.pulls.is_empty() {
            return Err("it has no input: give `tables` or `pulls`".to_owned());
        }
        if !self.store && self.targets.is_empty() {
            return Err(
                "it neither stores nor delivers: set `store = true` or give `targets`".to_owned(),
            );
        }
        for p in &self.pulls {
            if !sources.contains(&p.source.as_str()) {
                return Err(format!(
                    "it pulls from source {:?}, which is not defined: add [sources.{}]{}",
                    p.source,
                    p.source,
                    known(sources)
                ));
            }
        }
        for t in &self.targets {
            if !targets.contains(&t.as_str()) {
                return Err(format!(
                    "it delivers to target {t:?}, which is not defined: add [targets.{t}]{}",
                    known(targets)
                ));
            }
        }
        Ok(())
    }
}

fn known(names: &[&str]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(" (defined: {})", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn schedule_is_read_in_its_time_zone() {
        // 06:00 in Manila (UTC+8) is 22:00 UTC the day before.
        let s = Schedule::parse("0 6 * * *", "Asia/Manila").unwrap();
        assert_eq!(
            s.next_after(utc(2026, 1, 1, 0, 0, 0)),
            Some(utc(2026, 1, 1, 22, 0, 0))
        );
        let s = Schedule::parse("0 6 * * *", "UTC").unwrap();
        assert_eq!(
            s.next_after(utc(2026, 1, 1, 0, 0, 0)),
            Some(utc(2026, 1, 1, 6, 0, 0))
        );
    }

    #[test]
    fn seconds_field_is_optional() {
        let s = Schedule::parse("*/2 * * * * *", "UTC").unwrap();
        assert_eq!(
            s.next_after(utc(2026, 1, 1, 0, 0, 0)),
            Some(utc(2026, 1, 1, 0, 0, 2))
        );
    }

    #[test]
    fn fired_between_tells_a_missed_run() {
        let s = Schedule::parse("0 * * * *", "UTC").unwrap();
        assert!(s.fired_between(utc(2026, 1, 1, 0, 30, 0), utc(2026, 1, 1, 1, 0, 0)));
        assert!(!s.fired_between(utc(2026, 1, 1, 0, 30, 0), utc(2026, 1, 1, 0, 59, 59)));
    }

    #[test]
    fn bad_schedule_and_zone_are_named() {
        assert!(
            Schedule::parse("every minute", "UTC")
                .unwrap_err()
                .contains("every minute")
        );
        assert!(
            Schedule::parse("* * * * *", "Mars/Olympus")
                .unwrap_err()
                .contains("Mars/Olympus")
        );
    }
}
