//! The configured exchanges as `sdmxgw exchange list` and `GET /exchanges`
//! show them: settings, next fire time and last run.

use serde::Serialize;

use crate::config::Config;
use crate::store::{RunRecord, SqliteStore};

use super::input::Input;

/// One exchange as `GET /exchanges` shows it.
#[derive(Debug, Serialize)]
pub struct ExchangeView {
    /// Its name.
    pub name: String,
    /// The cron expression.
    pub schedule: String,
    /// The time zone the schedule is read in.
    pub timezone: String,
    /// The next fire time (RFC 3339, UTC).
    pub next_run: Option<String>,
    /// `reject`, `quarantine` or `warn`.
    pub validation: &'static str,
    /// Whether it stores.
    pub store: bool,
    /// Its targets.
    pub targets: Vec<String>,
    /// Its inputs.
    pub inputs: Vec<String>,
    /// Its latest run.
    pub last_run: Option<RunRecord>,
}

/// The exchanges of the configuration, in file order, each with its last run.
pub fn views(config: &Config) -> Result<Vec<ExchangeView>, crate::store::StoreError> {
    let store = SqliteStore::open(&config.store)?;
    let now = chrono::Utc::now();
    let mut out = Vec::new();
    for (name, x) in &config.exchanges {
        let next_run = x
            .parsed_schedule()
            .ok()
            .and_then(|s| s.next_after(now))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        out.push(ExchangeView {
            name: name.clone(),
            schedule: x.schedule.clone(),
            timezone: x.timezone.clone(),
            next_run,
            validation: x.validation.name(),
            store: x.store,
            targets: x.targets.clone(),
            inputs: x
                .tables
                .iter()
                .cloned()
                .map(Input::Table)
                .chain(x.pulls.iter().cloned().map(Input::Pull))
                .map(|i| i.label())
                .collect(),
            last_run: store.runs(Some(name), 1)?.into_iter().next(),
        });
    }
    Ok(out)
}
