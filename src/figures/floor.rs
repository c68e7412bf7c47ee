//! The floor multiple: a delivery's CPU, both sides, over this machine's loopback floor
//! (`wsbench calibrate`), so that it reads as "1.4x what the machine cannot go below".

use crate::results::{CalibrationRecord, Cpu, TransportResult};

/// Why a floor multiple is `null`, when no calibration was made or read.
pub const NO_CALIBRATION: &str = "no calibration";
/// Why a floor multiple is `null` when a CPU figure it needs is.
pub const NO_CPU: &str = "the server's or the load generator's CPU was not measured";

/// `(server + load generator CPU per delivery) / floor`: how many times the machine's
/// loopback floor a delivery costs; `Err` with the reason when it cannot be said.
pub fn floor_multiple(cpu: &Cpu, floor_us: Option<f64>) -> Result<f64, &'static str> {
    let floor = floor_us.filter(|f| *f > 0.0).ok_or(NO_CALIBRATION)?;
    match (cpu.server_us_per_event, cpu.client_us_per_event) {
        (Some(server), Some(client)) => Ok((server + client) / floor),
        _ => Err(NO_CPU),
    }
}

/// Sets an entry's `cpu.floor_multiple` against `calibration`, or its reason for `null`.
pub fn apply(result: &mut TransportResult, calibration: Option<&CalibrationRecord>) {
    const PATH: &str = "cpu.floor_multiple";
    let floor = calibration.map(|c| c.floor_us_per_message);
    match floor_multiple(&result.cpu, floor) {
        Ok(multiple) => {
            result.cpu.floor_multiple = Some(multiple);
            result.not_measured.remove(PATH);
        }
        Err(reason) => {
            result.cpu.floor_multiple = None;
            result.not_measured.insert(PATH.into(), reason.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(server: Option<f64>, client: Option<f64>) -> Cpu {
        Cpu {
            server_us_per_event: server,
            client_us_per_event: client,
            ..Cpu::default()
        }
    }

    #[test]
    fn the_multiple_is_both_sides_over_the_floor() {
        assert_eq!(
            floor_multiple(&cpu(Some(9.0), Some(9.0)), Some(12.0)),
            Ok(1.5)
        );
        assert_eq!(
            floor_multiple(&cpu(Some(1.0), Some(0.5)), Some(2.0)),
            Ok(0.75)
        );
    }

    #[test]
    fn the_multiple_is_null_with_its_reason() {
        assert_eq!(
            floor_multiple(&cpu(Some(9.0), Some(9.0)), None),
            Err(NO_CALIBRATION)
        );
        assert_eq!(
            floor_multiple(&cpu(Some(9.0), Some(9.0)), Some(0.0)),
            Err(NO_CALIBRATION)
        );
        assert_eq!(
            floor_multiple(&cpu(None, Some(9.0)), Some(13.0)),
            Err(NO_CPU)
        );
        assert_eq!(
            floor_multiple(&cpu(Some(9.0), None), Some(13.0)),
            Err(NO_CPU)
        );

        let mut entry = TransportResult {
            cpu: cpu(Some(9.0), Some(9.0)),
            ..TransportResult::default()
        };
        apply(&mut entry, None);
        assert_eq!(entry.cpu.floor_multiple, None);
        assert_eq!(
            entry
                .not_measured
                .get("cpu.floor_multiple")
                .map(String::as_str),
            Some(NO_CALIBRATION)
        );
        let record = CalibrationRecord {
            date: "2025-01-02T03:04:05Z".into(),
            source: "cache".into(),
            connections: 1000,
            message_bytes: 62,
            messages_per_write: 10,
            floor_us_per_message: 12.0,
            floor_messages_per_s: 135_000.0,
            batched_us_per_message: 3.0,
            batched_messages_per_s: 600_000.0,
        };
        apply(&mut entry, Some(&record));
        assert_eq!(entry.cpu.floor_multiple, Some(18.0 / 12.0));
        assert!(entry.not_measured.is_empty(), "{:?}", entry.not_measured);
    }
}
