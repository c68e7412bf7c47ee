//! Latency: from an event's publish (or a message's send) to its receipt, summarised per
//! window, and the load generator's own delay beside it. With nothing delivered in the
//! window there is nothing to summarise: every latency figure is `null` with its reason,
//! never a p99 of 0 that a `max` gate would pass.

use super::gaps::{Gaps, NOTHING_DELIVERED};
use crate::client::Recorder;
use crate::metrics::latency::{percentile_curve, summarize};
use crate::results::{ReceiveClock, TransportResult};

/// Why a state feed's `staleness_us` is absent.
pub const NO_STALENESS: &str = "no client learned a newer value of a key in the window";

/// The latency figures, and a state feed's (`state`) staleness.
pub fn fill(result: &mut TransportResult, recorder: &Recorder, state: bool, gaps: &mut Gaps) {
    latencies(result, recorder, gaps);
    if state {
        let staleness = summarize(&recorder.staleness);
        result.staleness_us = gaps.or_why("staleness_us", staleness, NO_STALENESS);
    }
}

/// The headline runs to the kernel's receive stamps when every window event had one;
/// otherwise it runs wholly to the application's instants (one clock, never a mix), and
/// the generator's delay is not measured, with the unstamped events counted.
fn latencies(result: &mut TransportResult, recorder: &Recorder, gaps: &mut Gaps) {
    let app = summarize(&recorder.latency_app);
    result.latency_app_us = gaps.or_why("latency_app_us", app, NOTHING_DELIVERED);
    result.receive_stamps_missing = recorder.unstamped;
    let headline = if recorder.unstamped == 0 {
        result.receive_clock = ReceiveClock::Kernel;
        let delay = summarize(&recorder.generator_delay);
        result.generator_delay_us = gaps.or_why("generator_delay_us", delay, NOTHING_DELIVERED);
        &recorder.latency
    } else {
        result.receive_clock = ReceiveClock::Application;
        result.generator_delay_us = None;
        let why = recorder
            .stamp_error
            .as_deref()
            .unwrap_or("the kernel attached none to their reads");
        gaps.0.insert(
            "generator_delay_us".into(),
            format!(
                "{} of {} window events came without a kernel receive timestamp: {why}",
                recorder.unstamped,
                recorder.latency_app.len()
            ),
        );
        &recorder.latency_app
    };
    result.latency_us = gaps.or_why("latency_us", summarize(headline), NOTHING_DELIVERED);
    result.percentiles = percentile_curve(headline);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::sse;
    use super::super::warnings::figure_warnings;
    use super::*;
    use crate::results::Latency;

    fn received(kernel_ns: Option<u64>, app_ns: u64) -> crate::client::Received {
        crate::client::Received { kernel_ns, app_ns }
    }

    fn span(latency: &Option<Latency>) -> (u64, f64, f64) {
        let l = latency.as_ref().expect("measured");
        (l.count, l.min, l.max)
    }

    #[test]
    fn with_every_event_stamped_latency_runs_to_the_kernel_and_the_delay_is_apart() {
        let mut recorder = Recorder::default();
        recorder.record_window_latency(1_000_000, received(Some(1_300_000), 1_800_000));
        recorder.record_window_latency(1_000_000, received(Some(1_100_000), 1_150_000));
        let mut result = TransportResult::default();
        let mut gaps = Gaps::default();
        latencies(&mut result, &recorder, &mut gaps);
        assert_eq!(result.receive_clock, ReceiveClock::Kernel);
        assert_eq!(result.receive_stamps_missing, 0);
        assert_eq!(span(&result.latency_us), (2, 100.0, 300.0));
        assert_eq!(span(&result.latency_app_us), (2, 150.0, 800.0));
        assert_eq!(span(&result.generator_delay_us), (2, 50.0, 500.0));
        assert_eq!(result.percentiles.last().map(|p| p.latency_us), Some(300.0));
        assert!(gaps.0.is_empty());
        assert!(figure_warnings(&result).is_empty());
    }

    #[test]
    fn an_event_without_a_kernel_stamp_falls_back_to_the_application_clock_visibly() {
        let mut recorder = Recorder::default();
        recorder.note_stamp_error("setsockopt(SO_TIMESTAMPNS) failed: refused".into());
        recorder.record_window_latency(1_000_000, received(Some(1_300_000), 1_800_000));
        recorder.record_window_latency(1_000_000, received(None, 1_900_000));
        let mut result = TransportResult {
            transport: sse(),
            ..Default::default()
        };
        let mut gaps = Gaps::default();
        latencies(&mut result, &recorder, &mut gaps);
        assert_eq!(result.receive_clock, ReceiveClock::Application);
        assert_eq!(result.receive_stamps_missing, 1);
        assert_eq!(result.generator_delay_us, None);
        assert_eq!(
            result.latency_us, result.latency_app_us,
            "one clock, not a mix"
        );
        assert_eq!(span(&result.latency_us), (2, 800.0, 900.0));
        let reason = "1 of 2 window events came without a kernel receive timestamp: \
                      setsockopt(SO_TIMESTAMPNS) failed: refused";
        assert_eq!(
            gaps.0.get("generator_delay_us").map(String::as_str),
            Some(reason)
        );
        result.not_measured = gaps.folded(&result);
        assert!(
            result
                .null_figures()
                .contains(&"generator_delay_us".to_string())
        );
        assert_eq!(
            result.not_measured_reason("generator_delay_us"),
            Some(reason)
        );
        assert_eq!(
            figure_warnings(&result),
            [format!(
                "sse: latency runs to the load generator's own receive instant, not the \
                 kernel's receive timestamp ({reason}), so it includes the generator's delay \
                 in reading the events"
            )]
        );
    }

    #[test]
    fn nothing_delivered_leaves_every_latency_null_with_the_reason_never_zero() {
        let mut result = TransportResult::default();
        let mut gaps = Gaps::default();
        fill(&mut result, &Recorder::default(), true, &mut gaps);
        assert_eq!(
            (
                &result.latency_us,
                &result.latency_app_us,
                &result.generator_delay_us,
                &result.staleness_us
            ),
            (&None, &None, &None, &None)
        );
        assert!(result.percentiles.is_empty());
        result.not_measured = gaps.folded(&result);
        for path in [
            "latency_us.p99",
            "latency_app_us.p50",
            "generator_delay_us.p99",
        ] {
            assert_eq!(result.metric(path), None, "{path}");
            assert_eq!(
                result.not_measured_reason(path),
                Some(NOTHING_DELIVERED),
                "{path}"
            );
        }
        assert_eq!(
            result.not_measured_reason("staleness_us.p99"),
            Some(NO_STALENESS)
        );
        let value = serde_json::to_value(&result).unwrap();
        assert!(value["latency_us"].is_null(), "written as null: {value}");
        assert!(figure_warnings(&result).is_empty());
    }
}
