//! Bytes: what the client sockets moved over the window, per event received, and the TCP
//! segments under them.

use super::gaps::{Gaps, NOTHING_RECEIVED};
use crate::client::Recorder;
use crate::metrics::probe::{Answer, ProbeError, Segments};
use crate::metrics::tcpinfo;
use crate::results::{ByteCounts, Tcp};

/// The reason the overhead share is null when no byte moved either way in the window.
pub const NO_BYTES: &str = "no byte moved in the window";

pub fn bytes(
    (down0, up0): (u64, u64),
    (down1, up1): (u64, u64),
    recorder: &Recorder,
    window_s: f64,
    gaps: &mut Gaps,
) -> ByteCounts {
    let down = down1 - down0;
    let up = up1 - up0;
    let total = down + up;
    let payload = recorder.payload_in_window;
    // Nothing received leaves nothing to divide by: not measured, never 0 (the cheapest).
    let mut per = |path: &str, value: u64| match recorder.received_in_window {
        0 => {
            gaps.0.insert(path.into(), NOTHING_RECEIVED.into());
            None
        }
        received => Some(value as f64 / received as f64),
    };
    let per_event = per("bytes.per_event", total);
    let payload_per_event = per("bytes.payload_per_event", payload);
    let overhead_share = match total {
        0 => {
            gaps.0
                .insert("bytes.overhead_share".into(), NO_BYTES.into());
            None
        }
        total => Some(total.saturating_sub(payload) as f64 / total as f64),
    };
    ByteCounts {
        down,
        up,
        payload,
        overhead: total.saturating_sub(payload),
        per_event,
        payload_per_event,
        overhead_share,
        per_second: if window_s > 0.0 {
            total as f64 / window_s
        } else {
            0.0
        },
    }
}

pub fn tcp(
    bytes: &ByteCounts,
    segments: Answer<Segments>,
    recorder: &Recorder,
    gaps: &mut Gaps,
) -> Tcp {
    let wire = segments
        .clone()
        .map(|s| tcpinfo::wire_estimate(bytes.down + bytes.up, s.sent + s.received));
    let received = recorder.received_in_window;
    Tcp {
        segments_out: gaps.figure("tcp.segments_out", segments.clone().map(|s| s.sent)),
        segments_in: gaps.figure("tcp.segments_in", segments.map(|s| s.received)),
        wire_bytes_estimate: gaps.figure("tcp.wire_bytes_estimate", wire.clone()),
        wire_per_event_estimate: gaps.figure(
            "tcp.wire_per_event_estimate",
            wire.and_then(|w| match received {
                0 => Err(ProbeError::Absent(NOTHING_RECEIVED.into())),
                received => Ok(w as f64 / received as f64),
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_received_leaves_every_per_event_byte_figure_null_never_zero() {
        let recorder = Recorder::default();
        let mut gaps = Gaps::default();
        let moved = bytes((0, 0), (500, 100), &recorder, 2.0, &mut gaps);
        assert_eq!((moved.down, moved.up, moved.per_second), (500, 100, 300.0));
        assert_eq!((moved.per_event, moved.payload_per_event), (None, None));
        let segments = Ok(Segments {
            sent: 2,
            received: 3,
        });
        let tcp = tcp(&moved, segments, &recorder, &mut gaps);
        assert_eq!(tcp.wire_bytes_estimate, Some(600 + 5 * 52));
        assert_eq!(tcp.wire_per_event_estimate, None, "not 0 B: the cheapest");
        for path in [
            "bytes.per_event",
            "bytes.payload_per_event",
            "tcp.wire_per_event_estimate",
        ] {
            assert_eq!(gaps.0.get(path).map(String::as_str), Some(NOTHING_RECEIVED));
        }
        let mut gaps = Gaps::default();
        let still = bytes((7, 7), (7, 7), &recorder, 2.0, &mut gaps);
        assert_eq!(still.overhead_share, None);
        assert_eq!(gaps.0["bytes.overhead_share"], NO_BYTES);
    }
}
