//! The exchanges' side of pushing: [`QueueDeliver`] implements the
//! [`Deliver`] seam by queuing each message in the outbox, so a scheduled
//! exchange gets the same exactly-once delivery as `sdmxgw push`;
//! [`super::Outbox::deliver_pending`] sends what is queued.

use std::sync::Arc;

use super::Outbox;
use crate::exchange::{Deliver, Spooled};

/// Queues exchange messages for one target.
#[derive(Debug, Clone)]
pub struct QueueDeliver {
    outbox: Arc<Outbox>,
    target: String,
}

impl QueueDeliver {
    /// Queues into `outbox` for the target named `target` (`[targets.NAME]`).
    pub fn new(outbox: Arc<Outbox>, target: &str) -> QueueDeliver {
        QueueDeliver {
            outbox,
            target: target.to_owned(),
        }
    }
}

/// The file name a spooled message is delivered under (directory targets
/// keep it): its dataflow id and message id, which names the content.
fn spool_name(m: &Spooled) -> String {
    let flow = m
        .dataflow
        .split_once(':')
        .map_or(m.dataflow.as_str(), |(_, rest)| rest);
    let flow = flow.split('(').next().unwrap_or(flow);
    let ext = match m.format.media_type() {
        t if t.contains("csv") => "csv",
        t if t.contains("json") => "json",
        _ => "xml",
    };
    let stem = if m.message_id.is_empty() {
        flow.to_owned()
    } else {
        format!("{flow}-{}", m.message_id)
    };
    format!("{stem}.{ext}")
}

impl Deliver for QueueDeliver {
    fn deliver(&self, message: &Spooled) -> Result<(), String> {
        self.outbox
            .enqueue_named(&message.path, &spool_name(message), &self.target)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::DataFormat;
    use crate::store::OutboxState;

    #[test]
    fn exchange_messages_are_queued_once() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Arc::new(Outbox::open(&dir.path().join("db/gateway.db")).unwrap());
        let path = dir.path().join(".spool-1");
        std::fs::write(
            &path,
            include_str!("../../samples/messages/phl-outflows-illustrative.csv"),
        )
        .unwrap();
        let m = Spooled {
            path,
            format: DataFormat::Csv10,
            dataflow: "ILO:DF_MNA_OEMP_SEX_CDS_NB(1.0)".into(),
            message_id: "abc".into(),
            observations: 90,
        };
        let q = QueueDeliver::new(outbox.clone(), "ilo");
        q.deliver(&m).unwrap();
        q.deliver(&m).unwrap();
        let rows = outbox.list(None).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "DF_MNA_OEMP_SEX_CDS_NB-abc.csv");
        assert_eq!(rows[0].state, OutboxState::Pending);
        assert!(
            outbox
                .dir()
                .join(format!("{}.msg", rows[0].sha256))
                .is_file()
        );
    }
}
