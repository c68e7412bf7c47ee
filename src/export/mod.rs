//! Result files, one format per file behind one trait that returns bytes, so every
//! format can be tested on a hand-built record without touching the disk.

pub mod csv;
pub mod hlog;
pub mod json;
pub mod openmetrics;

use std::path::{Path, PathBuf};

use crate::results::Results;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot serialise the results as JSON: {0}")]
    Json(serde_json::Error),
    #[error("cannot write the histogram log: {0}")]
    HistogramLog(String),
    #[error("interval at {start_s} s lasting {duration_s} s is not a valid time span")]
    Interval { start_s: f64, duration_s: f64 },
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
}

// Not `#[from]`: the message holds the cause, so it is no `source()` too (`{:#}` would say it
// twice).
impl From<serde_json::Error> for ExportError {
    fn from(error: serde_json::Error) -> Self {
        Self::Json(error)
    }
}

/// One output format of the whole results record.
pub trait Exporter {
    /// File name in the results directory.
    fn file_name(&self) -> &str;
    fn serialize(&self, results: &Results) -> Result<Vec<u8>, ExportError>;
}

/// Every format written after each transport; a new format is one file and one line here.
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(json::JsonExporter),
        Box::new(csv::CsvExporter),
        Box::new(openmetrics::OpenMetricsExporter),
    ]
}

/// Writes one format into `dir`, whole or not at all, returning the file's path.
pub fn write(
    dir: &Path,
    exporter: &dyn Exporter,
    results: &Results,
) -> Result<PathBuf, ExportError> {
    let path = dir.join(exporter.file_name());
    crate::files::write(&path, &exporter.serialize(results)?)?;
    Ok(path)
}

#[cfg(test)]
pub(crate) mod fixture {
    use crate::results::*;

    /// A small record with every field the exporters read set to a distinct value.
    pub fn results() -> Results {
        let mut ws = TransportResult {
            transport: crate::transport_kind::Transport::named("ws").unwrap(),
            clients: 100,
            header_profile: "minimal".into(),
            window_s: 30.0,
            ..Default::default()
        };
        ws.events = Events {
            published: Some(3000),
            expected: Some(300_000),
            delivered: 299_990,
            lost: Some(10),
            unread_at_stop: Some(0),
            duplicated: Some(2),
            out_of_order: Some(1),
            coalesced: Some(0),
            received_in_window: 299_995,
            published_source: Default::default(),
        };
        let latency = Latency {
            count: 299_990,
            min: 80.0,
            p50: 250.0,
            p90: 410.0,
            p99: 1203.0,
            p999: 5011.0,
            p9999: 9000.0,
            max: 12_031.0,
            mean: 287.25,
        };
        ws.latency_app_us = Some(Latency {
            p50: 290.0,
            p99: 1500.0,
            ..latency.clone()
        });
        ws.generator_delay_us = Some(Latency {
            p50: 40.0,
            p99: 310.0,
            ..latency.clone()
        });
        ws.latency_us = Some(latency);
        ws.receive_clock = ReceiveClock::Kernel;
        ws.bytes = ByteCounts {
            down: 30_000_000,
            up: 20_000,
            payload: 27_000_000,
            overhead: 3_020_000,
            per_event: Some(100.5),
            payload_per_event: Some(90.0),
            overhead_share: Some(0.1),
            per_second: 1_000_666.5,
        };
        ws.requests = Requests {
            total: 100,
            empty: 0,
            errors: 1,
            late_polls: 0,
        };
        ws.cpu.server_s = Some(1.5);
        ws.cpu.client_s = Some(2.25);
        ws.cpu.server_us_per_event = Some(5.0);
        ws.cpu.client_us_per_event = Some(7.5);
        ws.cpu.events_per_write = Some(1.0);
        ws.cpu.floor_us_per_event = Some(10.0);
        ws.cpu.floor_multiple = Some(1.25);
        ws.memory.server_peak_rss_bytes = Some(52_428_800);
        ws.memory.server_rss_per_conn_bytes = Some(12_288.5);
        let poll = TransportResult {
            transport: crate::transport_kind::Transport::named("poll").unwrap(),
            sweep_value: Some(0.5),
            clients: 10,
            ..Default::default()
        };
        Results {
            schema: SCHEMA.into(),
            wsbench_version: "0.1.0".into(),
            complete: true,
            started_at: "2025-01-02T03:04:05Z".into(),
            finished_at: None,
            machine: Machine::default(),
            scenario: serde_json::json!({ "name": "fixture" }),
            overrides: Default::default(),
            sweep: None,
            repeat: 1,
            transports: vec![ws, poll],
            frontier: Vec::new(),
            assertions: Vec::new(),
            warnings: Vec::new(),
            calibration: Some(crate::results::CalibrationRecord {
                date: "2025-01-02T02:00:00Z".into(),
                source: "cache".into(),
                connections: 1000,
                message_bytes: 62,
                messages_per_write: 10,
                floor_us_per_message: 10.0,
                floor_messages_per_s: 150_000.0,
                batched_us_per_message: 1.0,
                batched_messages_per_s: 1_500_000.0,
            }),
            target: None,
            provenance: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_format_and_names_unwritable_paths() {
        let dir = tempfile::tempdir().unwrap();
        let results = fixture::results();
        for exporter in exporters() {
            let path = write(dir.path(), exporter.as_ref(), &results).unwrap();
            assert_eq!(
                std::fs::read(&path).unwrap(),
                exporter.serialize(&results).unwrap()
            );
        }
        let missing = dir.path().join("no/such/dir");
        let err = write(&missing, exporters()[0].as_ref(), &results).unwrap_err();
        assert!(
            err.to_string().contains("no/such/dir/results.json"),
            "{err}"
        );
    }
}
