//! Hand-built results for the unit tests of `ci`.

use crate::results::{Latency, Machine, Results, SCHEMA, SweepInfo, TransportResult};

/// A transport entry with the figures the tests read; everything else zero.
pub fn entry(transport: &str, p99: f64, per_event: f64, lost: u64) -> TransportResult {
    let mut entry = measured(TransportResult {
        transport: crate::transport_kind::Transport::named(transport).unwrap(),
        clients: 50,
        header_profile: "browser".into(),
        window_s: 5.0,
        ..Default::default()
    });
    entry.latency_us = Some(Latency {
        p50: p99 / 2.0,
        p99,
        ..Latency::default()
    });
    entry.bytes.per_event = Some(per_event);
    entry.events.lost = Some(lost);
    entry
}

/// `entry` with every figure that may be `null` measured, as 0 where not set.
pub fn measured(entry: TransportResult) -> TransportResult {
    let mut value = serde_json::to_value(entry).unwrap_or_default();
    if let Some(sections) = value.as_object_mut() {
        for field in sections.values_mut().filter_map(|s| s.as_object_mut()) {
            field
                .values_mut()
                .filter(|v| v.is_null())
                .for_each(|v| *v = 0.into());
        }
    }
    serde_json::from_value(value).unwrap_or_default()
}

/// A complete run of the given entries.
pub fn results(transports: Vec<TransportResult>) -> Results {
    Results {
        schema: SCHEMA.into(),
        wsbench_version: "0.1.0".into(),
        complete: true,
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: Some("2026-01-01T00:00:30Z".into()),
        machine: Machine {
            cores: Some(2),
            ..Default::default()
        },
        scenario: serde_json::json!({"name": "ci"}),
        overrides: Default::default(),
        sweep: None,
        repeat: 1,
        transports,
        frontier: Vec::new(),
        assertions: Vec::new(),
        warnings: Vec::new(),
        calibration: None,
        target: None,
        provenance: None,
    }
}

/// A run sweeping `parameter` over `values`, with `make(value)` entries at each point.
pub fn swept(
    parameter: &str,
    values: &[f64],
    make: impl Fn(f64) -> Vec<TransportResult>,
) -> Results {
    let mut transports = Vec::new();
    for &value in values {
        for mut entry in make(value) {
            entry.sweep_value = Some(value);
            transports.push(entry);
        }
    }
    let mut run = results(transports);
    run.sweep = Some(SweepInfo {
        parameter: parameter.into(),
        values: values.to_vec(),
    });
    run
}
