//! The push targets (`[targets.NAME]`, [`crate::push`]) behind the exchange's
//! [`Deliver`] seam: a message is copied into the durable outbox first (so it
//! is delivered exactly once even if the gateway dies now), then every
//! message waiting for delivery is attempted — a run is a natural moment to
//! try a collector again, whatever the outbox's backoff said.

use std::sync::Arc;

use tokio::runtime::Handle;

use crate::push::{DeliverOptions, DeliveryReport, Outbox, PushError, Retry, Targets};
use crate::store::OutboxState;

use super::deliver::{Deliver, Spooled};

/// The outbox and the configured targets, shared by every exchange and the
/// background delivery; one delivery pass at a time, so no message is sent
/// twice at once.
pub struct Delivery {
    /// The gateway's outbox.
    pub outbox: Outbox,
    /// The configured targets (HTTP clients built).
    pub targets: Targets,
    /// A multi-threaded runtime (exchanges deliver from blocking threads).
    pub runtime: Handle,
    pass: tokio::sync::Mutex<()>,
}

impl Delivery {
    /// The outbox of `store` delivering to `targets` on `runtime`.
    pub fn new(outbox: Outbox, targets: Targets, runtime: Handle) -> Self {
        Delivery {
            outbox,
            targets,
            runtime,
            pass: tokio::sync::Mutex::new(()),
        }
    }

    /// Delivers every message that is due, one pass at a time.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, PushError> {
        let _pass = self.pass.lock().await;
        self.outbox
            .deliver_pending(&self.targets, &DeliverOptions::default())
            .await
    }
}

/// One `[targets.NAME]` reached through the outbox.
pub struct OutboxDeliver {
    /// The target's name.
    pub target: String,
    /// The shared outbox.
    pub delivery: Arc<Delivery>,
}

impl Deliver for OutboxDeliver {
    fn retry_waiting(&self) -> Result<(), String> {
        let d = &self.delivery;
        if d.outbox.retry(Retry::Waiting).map_err(|e| e.to_string())? == 0 {
            return Ok(());
        }
        let report = d
            .runtime
            .block_on(d.deliver_due())
            .map_err(|e| e.to_string())?;
        tracing::info!(
            attempted = report.messages.len(),
            acknowledged = report.count(OutboxState::Acknowledged),
            "waiting messages tried again"
        );
        Ok(())
    }

    fn deliver(&self, message: &Spooled) -> Result<(), String> {
        let d = &self.delivery;
        let queued = d
            .outbox
            .enqueue(&message.path, &self.target)
            .map_err(|e| e.to_string())?;
        d.outbox.retry(Retry::Waiting).map_err(|e| e.to_string())?;
        d.runtime
            .block_on(d.deliver_due())
            .map_err(|e| e.to_string())?;
        let ours = d.outbox.get(queued.id).map_err(|e| e.to_string())?;
        match ours.state {
            OutboxState::Acknowledged => {
                tracing::info!(target = %self.target, message = ours.id, "delivered");
                Ok(())
            }
            OutboxState::Failed => Err(format!(
                "refused message {} ({}); see `sdmxgw outbox list`",
                ours.id,
                ours.last_error.as_deref().unwrap_or("no reason given")
            )),
            OutboxState::Pending | OutboxState::Delivering => {
                // Queued durably: the outbox delivers it later.
                tracing::warn!(
                    target = %self.target,
                    message = ours.id,
                    error = ours.last_error.as_deref().unwrap_or(""),
                    next = ours.next_attempt.as_deref().unwrap_or(""),
                    "not delivered yet; it waits in the outbox"
                );
                Ok(())
            }
        }
    }
}
