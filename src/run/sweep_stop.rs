//! A sweep stops raising the load for a transport past the first point where its load
//! generator saturated: the points beyond would only measure wsbench's limit again, and
//! take the longest to run.

use std::collections::BTreeMap;

use crate::analysis::point_label;
use crate::results::TransportResult;
use crate::scenario::SweepParameter;
use crate::transport_kind::Transport;

pub struct SweepStop {
    /// The swept parameter, unless the user asked to run every point anyway.
    parameter: Option<SweepParameter>,
    /// Per transport, the first point at which its load generator saturated.
    saturated_at: BTreeMap<Transport, f64>,
}

impl SweepStop {
    pub fn new(parameter: Option<SweepParameter>, past_saturation: bool) -> Self {
        Self {
            parameter: parameter.filter(|_| !past_saturation),
            saturated_at: BTreeMap::new(),
        }
    }

    /// Notes where a measured entry's load generator saturated.
    pub fn record(&mut self, result: &TransportResult) {
        if let (true, Some(value)) = (result.generator_saturated, result.sweep_value) {
            self.saturated_at.entry(result.transport).or_insert(value);
        }
    }

    /// Why `transport` is not run at the sweep point `value`, or `None` to run it.
    pub fn skip(&self, transport: Transport, value: Option<f64>) -> Option<String> {
        let parameter = self.parameter?;
        let (value, first) = (value?, *self.saturated_at.get(&transport)?);
        parameter.raises_load(first, value).then(|| {
            format!(
                "{transport}: not run at {}: its load generator saturated at {} \
                 (--sweep-past-saturation runs it anyway)",
                point_label(parameter.name(), value),
                point_label(parameter.name(), first),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(transport: &str, value: f64, saturated: bool) -> TransportResult {
        TransportResult {
            transport: Transport::named(transport).unwrap(),
            sweep_value: Some(value),
            generator_saturated: saturated,
            ..Default::default()
        }
    }

    #[test]
    fn only_the_saturated_transport_stops_and_only_above_its_point() {
        let ws = Transport::named("ws").unwrap();
        let sse = Transport::named("sse").unwrap();
        let mut stop = SweepStop::new(Some(SweepParameter::Clients), false);
        stop.record(&entry("ws", 1000.0, false));
        assert_eq!(stop.skip(ws, Some(5000.0)), None);
        stop.record(&entry("ws", 5000.0, true));
        stop.record(&entry("ws", 8000.0, true));
        assert_eq!(
            stop.skip(ws, Some(10000.0)).as_deref(),
            Some(
                "ws: not run at 10,000 clients: its load generator saturated at 5,000 clients \
                 (--sweep-past-saturation runs it anyway)"
            )
        );
        assert_eq!(
            stop.skip(ws, Some(2000.0)),
            None,
            "a lighter point still runs"
        );
        assert_eq!(stop.skip(sse, Some(10000.0)), None);
        assert_eq!(stop.skip(ws, None), None, "no sweep point, nothing to skip");
    }

    #[test]
    fn polling_more_often_raises_the_load_and_the_user_can_run_past_it() {
        let poll = Transport::named("poll").unwrap();
        let mut stop = SweepStop::new(Some(SweepParameter::PollInterval), false);
        stop.record(&entry("poll", 0.5, true));
        assert!(stop.skip(poll, Some(0.1)).is_some());
        assert!(stop.skip(poll, Some(2.0)).is_none());
        let mut anyway = SweepStop::new(Some(SweepParameter::PollInterval), true);
        anyway.record(&entry("poll", 0.5, true));
        assert!(anyway.skip(poll, Some(0.1)).is_none());
        let mut no_sweep = SweepStop::new(None, false);
        no_sweep.record(&entry("poll", 0.5, true));
        assert!(no_sweep.skip(poll, Some(0.1)).is_none());
    }
}
