//! A chat's or an echo's messages up: what the clients sent and saw refused, what the
//! server said it took, and what each message cost. Nothing sent leaves nothing to divide
//! by: those figures are `null` with the reason, never 0.

use super::gaps::{Gaps, NOTHING_DELIVERED};
use crate::client::Recorder;
use crate::results::{TransportResult, Upstream};
use crate::wire::StatsReply;

/// Why the per-message figures are null when the clients sent nothing in the window.
pub const NOTHING_SENT: &str = "no message was sent in the window";

/// Why the server's counts are null when its `/stats` has no entry for the transport.
pub const NO_SERVER_COUNT: &str = "the server's /stats says nothing of this transport's messages";

/// The messages of `result` (its events and bytes already set).
pub fn upstream(
    result: &TransportResult,
    stats: &StatsReply,
    recorder: &Recorder,
    round_trip: bool,
    gaps: &mut Gaps,
) -> Upstream {
    let slot = stats.transports.get(result.transport.name());
    let sent = recorder.sent_in_window;
    let delivered = result.events.delivered;
    let mut per = |path: &str, value: u64, of: u64, why: &str| {
        let figure = (of > 0).then(|| value as f64 / of as f64);
        gaps.or_why(&format!("upstream.{path}"), figure, why)
    };
    let deliveries_per_message = per("deliveries_per_message", delivered, sent, NOTHING_SENT);
    let bytes_up_per_message = per("bytes_up_per_message", result.bytes.up, sent, NOTHING_SENT);
    let bytes_down_per_delivery = per(
        "bytes_down_per_delivery",
        result.bytes.down,
        delivered,
        NOTHING_DELIVERED,
    );
    let server_published = slot.map(|s| s.messages_published);
    let server_refused = slot.map(|s| s.messages_refused);
    Upstream {
        sent,
        refused_seen: recorder.sends_refused,
        server_published: gaps.or_why(
            "upstream.server_published",
            server_published,
            NO_SERVER_COUNT,
        ),
        server_refused: gaps.or_why("upstream.server_refused", server_refused, NO_SERVER_COUNT),
        deliveries_per_message,
        bytes_up_per_message,
        bytes_down_per_delivery,
        round_trip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_sent_or_delivered_is_null_with_the_reason_never_zero() {
        let mut result = TransportResult::default();
        result.bytes.up = 300;
        result.bytes.down = 900;
        let mut gaps = Gaps::default();
        let up = upstream(
            &result,
            &StatsReply::default(),
            &Recorder::default(),
            false,
            &mut gaps,
        );
        assert_eq!(
            (
                up.deliveries_per_message,
                up.bytes_up_per_message,
                up.bytes_down_per_delivery
            ),
            (None, None, None)
        );
        assert_eq!((up.server_published, up.server_refused), (None, None));
        assert_eq!(gaps.0["upstream.bytes_up_per_message"], NOTHING_SENT);
        assert_eq!(
            gaps.0["upstream.bytes_down_per_delivery"],
            NOTHING_DELIVERED
        );
        assert_eq!(gaps.0["upstream.server_published"], NO_SERVER_COUNT);
        let recorder = Recorder {
            sent_in_window: 3,
            ..Recorder::default()
        };
        result.events.delivered = 9;
        let mut gaps = Gaps::default();
        let up = upstream(&result, &StatsReply::default(), &recorder, false, &mut gaps);
        assert_eq!(
            (
                up.deliveries_per_message,
                up.bytes_up_per_message,
                up.bytes_down_per_delivery
            ),
            (Some(3.0), Some(100.0), Some(100.0))
        );
        assert_eq!(gaps.0.len(), 2, "only the server's counts: {:?}", gaps.0);
    }
}
