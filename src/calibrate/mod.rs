//! `wsbench calibrate`: this machine's loopback floor, the CPU the kernel's TCP path alone
//! costs per small message (both sides), one message per write and batched. Every run
//! records it and shows each transport's CPU per delivery as a multiple of it, so that a
//! figure reads as "1.4× what the machine cannot go below" rather than as bare µs that
//! mean something else on every machine.

mod cache;
mod floor;

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// The floor multiple is a figure: derived, with its reasons, where every figure is.
pub use crate::figures::floor::{NO_CALIBRATION, NO_CPU, apply, floor_multiple};
pub use cache::{MAX_AGE, Policy, default_path, read, usable, write};
pub use floor::Shape;

use crate::results::CalibrationRecord;

/// Connections of a calibration unless told otherwise.
pub const DEFAULT_CONNECTIONS: usize = 1000;
/// A ticker event's WebSocket frame: 60 bytes of JSON and a 2-byte header.
pub const MESSAGE_BYTES: usize = 62;
/// Messages per write of the batched floor.
pub const BATCH: usize = 10;

/// The standalone command's measurement per mode, and the shorter one a run does when it
/// has no usable cached calibration (about 1.5 s in all).
pub const STANDALONE: (Duration, Duration) = (Duration::from_millis(300), Duration::from_secs(2));
pub const IN_RUN: (Duration, Duration) = (Duration::from_millis(150), Duration::from_millis(600));

#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    #[error("loopback connections: {0}")]
    Io(std::io::Error),
    #[error("cannot read this process's CPU time: {0}")]
    Cpu(String),
    #[error("no message moved during the measurement")]
    NothingMoved,
    #[error("{0}")]
    OpenFiles(String),
    #[error("calibration cache {}: {error}", path.display())]
    Cache {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
    #[error("calibration cache {}: {error}", path.display())]
    CacheFormat {
        path: std::path::PathBuf,
        error: serde_json::Error,
    },
}

/// One way of moving messages, measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    pub messages_per_s: f64,
    /// Process CPU (user + system, writer and reader together) per message, µs.
    pub us_per_message: f64,
}

impl Floor {
    fn from_counts(messages: u64, cpu_ns: u64, elapsed: Duration) -> Result<Self, CalibrateError> {
        if messages == 0 || elapsed.is_zero() {
            return Err(CalibrateError::NothingMoved);
        }
        Ok(Self {
            messages_per_s: messages as f64 / elapsed.as_secs_f64(),
            us_per_message: cpu_ns as f64 / 1e3 / messages as f64,
        })
    }
}

/// Which machine a calibration was measured on: it holds only there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub hostname: String,
    pub cpu_model: String,
    pub kernel: String,
    pub cores: usize,
}

impl Identity {
    pub fn of_this_machine() -> Self {
        let machine = crate::metrics::machine::machine();
        Self {
            hostname: machine.hostname,
            cpu_model: machine.cpu_model,
            kernel: machine.kernel,
            // An identity, not a figure: CPUs that cannot be counted match only the same.
            cores: machine.cores.unwrap_or(0),
        }
    }
}

/// A calibration, as the cache file holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// When it was measured, RFC 3339 UTC.
    pub date: String,
    pub machine: Identity,
    pub connections: usize,
    pub message_bytes: usize,
    /// Messages per write of `batched`.
    pub messages_per_write: usize,
    /// Measured seconds of each mode.
    pub duration_s: f64,
    pub one_per_write: Floor,
    pub batched: Floor,
}

impl Calibration {
    /// What a run records of it; `source` is `cache` or `measured`.
    pub fn record(&self, source: &str) -> CalibrationRecord {
        CalibrationRecord {
            date: self.date.clone(),
            source: source.into(),
            connections: self.connections as u64,
            message_bytes: self.message_bytes as u64,
            messages_per_write: self.messages_per_write as u64,
            floor_us_per_message: self.one_per_write.us_per_message,
            floor_messages_per_s: self.one_per_write.messages_per_s,
            batched_us_per_message: self.batched.us_per_message,
            batched_messages_per_s: self.batched.messages_per_s,
        }
    }
}

/// Measures both modes over `connections` loopback connections, `(warmup, duration)` each.
pub fn measure(
    connections: usize,
    (warmup, duration): (Duration, Duration),
) -> Result<Calibration, CalibrateError> {
    // Two sockets a connection, and the listener.
    crate::server::ensure_open_files(2 * connections as u64, "wsbench calibrate")
        .map_err(CalibrateError::OpenFiles)?;
    let shape = |messages_per_write| Shape {
        connections,
        message_bytes: MESSAGE_BYTES,
        messages_per_write,
        warmup,
        duration,
    };
    let one_per_write = floor::measure(shape(1))?;
    let batched = floor::measure(shape(BATCH))?;
    Ok(Calibration {
        date: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        machine: Identity::of_this_machine(),
        connections,
        message_bytes: MESSAGE_BYTES,
        messages_per_write: BATCH,
        duration_s: duration.as_secs_f64(),
        one_per_write,
        batched,
    })
}

/// The calibration a run records: the cached one when it holds for this machine and is
/// recent, else one measured now (and cached); `None` when calibration is off. The string
/// is a warning for the run's record (a cache that could not be written, a failed
/// measurement).
pub fn for_run(policy: &Policy) -> (Option<CalibrationRecord>, Option<String>) {
    let Policy::Cache(path) = policy else {
        return (None, None);
    };
    let here = Identity::of_this_machine();
    if let Ok(cached) = read(path)
        && usable(&cached, &here, SystemTime::now()).is_ok()
    {
        return (Some(cached.record("cache")), None);
    }
    match measure(DEFAULT_CONNECTIONS, IN_RUN) {
        Ok(measured) => {
            let warning = write(path, &measured)
                .err()
                .map(|e| format!("the calibration was measured but not cached: {e}"));
            (Some(measured.record("measured")), warning)
        }
        Err(e) => (
            None,
            Some(format!("the loopback floor was not measured: {e}")),
        ),
    }
}

/// The command's printout: both floors, and what they are.
pub fn render(calibration: &Calibration) -> String {
    let c = calibration;
    let rows = [
        ("one per write", 1, &c.one_per_write),
        ("batched", c.messages_per_write, &c.batched),
    ];
    let mut out = format!(
        "loopback floor: {} connections over 127.0.0.1, {}-byte messages, {} s per mode\n\n",
        c.connections, c.message_bytes, c.duration_s
    );
    out.push_str("mode           msgs/write      msgs/s  CPU µs/msg\n");
    for (mode, per_write, floor) in rows {
        out.push_str(&format!(
            "{mode:<13}  {per_write:>10}  {:>10.0}  {:>10.2}\n",
            floor.messages_per_s, floor.us_per_message
        ));
    }
    out.push_str(&format!(
        "\nCPU µs/msg: this process's CPU (writer and reader together) per message moved.\n\
         machine: {} ({}, {} cores, kernel {}), {}\n",
        c.machine.hostname, c.machine.cpu_model, c.machine.cores, c.machine.kernel, c.date
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn calibration() -> Calibration {
        Calibration {
            date: "2025-01-02T03:04:05Z".into(),
            machine: Identity {
                hostname: "bench".into(),
                cpu_model: "AMD EPYC".into(),
                kernel: "6.1.0".into(),
                cores: 2,
            },
            connections: 1000,
            message_bytes: MESSAGE_BYTES,
            messages_per_write: BATCH,
            duration_s: 2.0,
            one_per_write: Floor {
                messages_per_s: 135_000.0,
                us_per_message: 12.0,
            },
            batched: Floor {
                messages_per_s: 1_480_000.0,
                us_per_message: 1.2,
            },
        }
    }

    #[test]
    fn floors_come_from_counts() {
        let floor = Floor::from_counts(200_000, 2_600_000_000, Duration::from_secs(2)).unwrap();
        assert_eq!(floor.messages_per_s, 100_000.0);
        assert_eq!(floor.us_per_message, 13.0);
        assert!(matches!(
            Floor::from_counts(0, 1, Duration::from_secs(1)),
            Err(CalibrateError::NothingMoved)
        ));
    }

    #[test]
    fn the_record_keeps_the_source_and_both_floors() {
        let record = calibration().record("measured");
        assert_eq!(record.source, "measured");
        assert_eq!(record.date, "2025-01-02T03:04:05Z");
        assert_eq!(
            (record.floor_us_per_message, record.batched_us_per_message),
            (12.0, 1.2)
        );
        assert_eq!((record.connections, record.message_bytes), (1000, 62));
    }
}
