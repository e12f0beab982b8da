//! The scheduler `sdmxgw serve` runs beside the server: one task per
//! exchange computes the next fire time of its cron schedule (croner, in the
//! exchange's time zone), sleeps until then and starts a run on a blocking
//! thread.
//!
//! - An exchange never overlaps itself: a tick that comes while its previous
//!   run is still going is skipped and logged.
//! - At start, an exchange whose schedule fired while the gateway was down
//!   (after its last recorded run) is run once (`catch-up`), however many
//!   runs were missed; `run_at_start` runs it once in any case (`start`).
//! - On shutdown no new run starts, and running ones are waited for.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{ExchangeConfig, Schedule};
use crate::store::{RunRecord, Timestamp};

use super::{ExchangeError, Trigger};

/// Runs one exchange once (the serve command gives a [`super::Runner`]).
pub type RunFn =
    dyn Fn(&str, &ExchangeConfig, Trigger) -> Result<RunRecord, ExchangeError> + Send + Sync;

/// What the scheduler did for one exchange (for logs and tests).
#[derive(Debug, Default)]
pub struct Stats {
    /// Runs started.
    pub started: AtomicU64,
    /// Ticks skipped because the previous run was still going.
    pub skipped: AtomicU64,
}

/// One scheduled exchange.
struct Job {
    name: String,
    config: ExchangeConfig,
    schedule: Schedule,
    /// When its last recorded run started, if it ever ran.
    last_run: Option<Timestamp>,
    running: Arc<AtomicBool>,
    stats: Arc<Stats>,
}

/// The exchanges to run and how.
pub struct Scheduler {
    jobs: Vec<Job>,
    run: Arc<RunFn>,
}

/// Whether an exchange runs as soon as the gateway starts, and why.
pub fn startup_trigger(
    config: &ExchangeConfig,
    schedule: &Schedule,
    last_run: Option<Timestamp>,
    now: DateTime<Utc>,
) -> Option<Trigger> {
    if config.run_at_start {
        return Some(Trigger::Start);
    }
    let last = DateTime::<Utc>::from_timestamp_micros(last_run?)?;
    schedule
        .fired_between(last, now)
        .then_some(Trigger::CatchUp)
}

impl Scheduler {
    /// A scheduler for `exchanges`; `last_run` tells when each last ran (from
    /// the run log), `run` runs one.
    pub fn new(
        exchanges: &indexmap::IndexMap<String, ExchangeConfig>,
        last_run: impl Fn(&str) -> Option<Timestamp>,
        run: Arc<RunFn>,
    ) -> Result<Scheduler, String> {
        let mut jobs = Vec::new();
        for (name, config) in exchanges {
            let schedule = config
                .parsed_schedule()
                .map_err(|e| format!("exchange {name}: {e}"))?;
            jobs.push(Job {
                name: name.clone(),
                config: config.clone(),
                schedule,
                last_run: last_run(name),
                running: Arc::new(AtomicBool::new(false)),
                stats: Arc::new(Stats::default()),
            });
        }
        Ok(Scheduler { jobs, run })
    }

    /// The statistics of each exchange, by name.
    pub fn stats(&self) -> Vec<(String, Arc<Stats>)> {
        self.jobs
            .iter()
            .map(|j| (j.name.clone(), j.stats.clone()))
            .collect()
    }

    /// Starts one task per exchange; the returned handle ends once `shutdown`
    /// turned true and every running run has finished.
    pub fn spawn(self, shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        let run = self.run;
        let tasks: Vec<JoinHandle<()>> = self
            .jobs
            .into_iter()
            .map(|job| tokio::spawn(job_loop(job, run.clone(), shutdown.clone())))
            .collect();
        tokio::spawn(async move {
            for t in tasks {
                let _ = t.await;
            }
        })
    }
}

/// Starts a run on a blocking thread unless one is going; returns its handle.
fn launch(job: &Job, run: &Arc<RunFn>, trigger: Trigger) -> Option<JoinHandle<()>> {
    if job.running.swap(true, Ordering::SeqCst) {
        job.stats.skipped.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            exchange = %job.name,
            "the previous run is still going; this tick is skipped"
        );
        return None;
    }
    job.stats.started.fetch_add(1, Ordering::Relaxed);
    let (run, name, config, running) = (
        run.clone(),
        job.name.clone(),
        job.config.clone(),
        job.running.clone(),
    );
    Some(tokio::task::spawn_blocking(move || {
        if let Err(e) = run(&name, &config, trigger) {
            tracing::error!(exchange = %name, "the run could not be recorded: {e}");
        }
        running.store(false, Ordering::SeqCst);
    }))
}

async fn job_loop(job: Job, run: Arc<RunFn>, mut shutdown: watch::Receiver<bool>) {
    let mut handles: Vec<JoinHandle<()>> = Vec::new();
    let now = Utc::now();
    if let Some(trigger) = startup_trigger(&job.config, &job.schedule, job.last_run, now) {
        tracing::info!(exchange = %job.name, trigger = trigger.name(), "running once at start");
        handles.extend(launch(&job, &run, trigger));
    }
    let mut after = now;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let Some(next) = job.schedule.next_after(after.max(Utc::now())) else {
            tracing::info!(exchange = %job.name, "the schedule fires no more");
            break;
        };
        tracing::debug!(exchange = %job.name, next = %next, "next run");
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => break,
        }
        after = next;
        handles.retain(|h| !h.is_finished());
        handles.extend(launch(&job, &run, Trigger::Schedule));
    }
    for h in handles {
        let _ = h.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn config(run_at_start: bool) -> ExchangeConfig {
        toml::from_str(&format!(
            "schedule = '0 * * * *'\ntables = ['x.toml']\nrun_at_start = {run_at_start}"
        ))
        .unwrap()
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, m, 0).unwrap()
    }

    #[test]
    fn catches_up_once_when_the_schedule_fired_while_down() {
        let c = config(false);
        let s = c.parsed_schedule().unwrap();
        let last = at(9, 0).timestamp_micros();
        // Down from 09:10 to 12:30: three hourly runs missed, one catch-up.
        assert_eq!(
            startup_trigger(&c, &s, Some(last), at(12, 30)),
            Some(Trigger::CatchUp)
        );
        // Restarted before the next fire time: nothing to catch up.
        assert_eq!(startup_trigger(&c, &s, Some(last), at(9, 59)), None);
        // Never ran: nothing was missed.
        assert_eq!(startup_trigger(&c, &s, None, at(12, 30)), None);
    }

    #[test]
    fn run_at_start_runs_whatever_the_log_says() {
        let c = config(true);
        let s = c.parsed_schedule().unwrap();
        assert_eq!(
            startup_trigger(&c, &s, None, at(9, 30)),
            Some(Trigger::Start)
        );
    }
}
