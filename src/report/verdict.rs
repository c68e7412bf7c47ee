//! One sentence per metric: which transport is cheapest, and how many times that the
//! others cost. A saturated transport is ranked but never named cheapest: its figures
//! describe the machine's limit.

use super::doc::{Line, strong, text};
use super::format;
use crate::results::TransportResult;

/// A metric a verdict is given on; lower is better for all of them.
pub struct Metric {
    pub name: &'static str,
    /// What the best is: `cheapest`, `smallest`, `fastest`.
    pub best: &'static str,
    pub value: fn(&TransportResult) -> Option<f64>,
    pub show: fn(f64) -> String,
}

pub const METRICS: [Metric; 6] = [
    Metric {
        name: "Bytes per delivered event (at the socket)",
        best: "cheapest",
        value: |t| (t.events.received_in_window > 0).then_some(t.bytes.per_event),
        show: format::bytes,
    },
    Metric {
        name: "Bytes per delivered event on the wire (TCP/IP estimate)",
        best: "cheapest",
        value: |t| (t.events.received_in_window > 0).then_some(t.tcp.wire_per_event_estimate),
        show: format::bytes,
    },
    Metric {
        name: "Server CPU per 1,000 delivered events",
        best: "cheapest",
        // µs per event are ms per 1,000 events.
        value: |t| (t.events.delivered > 0).then_some(t.cpu.server_us_per_event),
        show: |v| format!("{v:.1} ms"),
    },
    Metric {
        name: "Server memory per connection",
        best: "smallest",
        value: |t| (t.clients > 0).then_some(t.memory.server_rss_per_conn_bytes),
        show: format::kib,
    },
    Metric {
        name: "Median latency (p50)",
        best: "fastest",
        value: |t| (t.latency_us.count > 0).then_some(t.latency_us.p50),
        show: format::latency,
    },
    Metric {
        name: "Tail latency (p99)",
        best: "fastest",
        value: |t| (t.latency_us.count > 0).then_some(t.latency_us.p99),
        show: format::latency,
    },
];

/// A transport's place on one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Rank {
    pub transport: String,
    pub value: f64,
    /// `value / best`; infinite when the best is 0 and this is not.
    pub factor: f64,
    pub saturated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub metric: &'static str,
    pub best_word: &'static str,
    /// The cheapest unsaturated transport (or cheapest of all, when all saturated).
    pub best: Rank,
    /// Every transport with a value, cheapest first.
    pub ranking: Vec<Rank>,
}

/// `entries` with whether each saturated; metrics no entry has a value for are left out.
pub fn verdicts(entries: &[(&TransportResult, bool)]) -> Vec<Verdict> {
    METRICS.iter().filter_map(|m| verdict(m, entries)).collect()
}

fn verdict(metric: &Metric, entries: &[(&TransportResult, bool)]) -> Option<Verdict> {
    let mut ranking: Vec<Rank> = entries
        .iter()
        .filter_map(|(t, saturated)| {
            let value = (metric.value)(t).filter(|v| v.is_finite() && *v >= 0.0)?;
            Some(Rank {
                transport: t.transport.clone(),
                value,
                factor: 1.0,
                saturated: *saturated,
            })
        })
        .collect();
    ranking.sort_by(|a, b| a.value.total_cmp(&b.value));
    let best_index = ranking.iter().position(|r| !r.saturated).unwrap_or(0);
    let best = ranking.get(best_index)?.value;
    for rank in &mut ranking {
        rank.factor = if best > 0.0 {
            rank.value / best
        } else if rank.value == 0.0 {
            1.0
        } else {
            f64::INFINITY
        };
    }
    Some(Verdict {
        metric: metric.name,
        best_word: metric.best,
        best: ranking[best_index].clone(),
        ranking,
    })
}

impl Verdict {
    /// `**Tail latency (p99)**: **ws** is cheapest at 1.74 ms; ws 1.0×, sse 1.2×, …`
    pub fn line(&self) -> Line {
        let show = METRICS
            .iter()
            .find(|m| m.name == self.metric)
            .map_or(format::sig3 as fn(f64) -> String, |m| m.show);
        let ranking: Vec<String> = self
            .ranking
            .iter()
            .map(|r| {
                let flag = if r.saturated { " (saturated)" } else { "" };
                format!("{} {}{flag}", r.transport, format::factor(r.factor))
            })
            .collect();
        if self.ranking.len() == 1 {
            return vec![
                strong(self.metric),
                text(format!(
                    ": only {} measured, {}.",
                    self.best.transport,
                    show(self.best.value)
                )),
            ];
        }
        vec![
            strong(self.metric),
            text(": "),
            strong(&self.best.transport),
            text(format!(
                " is {} at {}; {}.",
                self.best_word,
                show(self.best.value),
                ranking.join(", ")
            )),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::Span;

    fn entry(name: &str, per_event: f64, p99: f64) -> TransportResult {
        let mut t = TransportResult {
            transport: name.into(),
            clients: 10,
            ..Default::default()
        };
        t.events.received_in_window = 100;
        t.events.delivered = 100;
        t.bytes.per_event = per_event;
        t.latency_us.count = 100;
        t.latency_us.p99 = p99;
        t
    }

    #[test]
    fn ranks_cheapest_first_with_factors() {
        let (poll, ws, sse) = (
            entry("poll", 872.0, 990_000.0),
            entry("ws", 64.0, 1740.0),
            entry("sse", 80.0, 2000.0),
        );
        let verdicts = verdicts(&[(&poll, false), (&sse, false), (&ws, false)]);
        let bytes = &verdicts[0];
        assert_eq!(bytes.best.transport, "ws");
        let order: Vec<_> = bytes
            .ranking
            .iter()
            .map(|r| (r.transport.as_str(), r.factor))
            .collect();
        assert_eq!(order, [("ws", 1.0), ("sse", 1.25), ("poll", 13.625)]);
        let words: String = bytes
            .line()
            .iter()
            .map(|s| match s {
                Span::Text(t) | Span::Strong(t) | Span::Code(t) => t.clone(),
            })
            .collect();
        assert_eq!(
            words,
            "Bytes per delivered event (at the socket): ws is cheapest at 64 B; ws 1.0×, sse 1.2×, poll 13.6×."
        );
    }

    #[test]
    fn a_saturated_transport_is_never_cheapest() {
        let (poll, ws) = (entry("poll", 50.0, 1.0), entry("ws", 64.0, 2.0));
        let verdicts = verdicts(&[(&poll, true), (&ws, false)]);
        assert_eq!(verdicts[0].best.transport, "ws");
        assert_eq!(verdicts[0].ranking[0].transport, "poll");
        assert!((verdicts[0].ranking[0].factor - 50.0 / 64.0).abs() < 1e-12);
    }

    #[test]
    fn zero_best_and_missing_values() {
        let (mut a, b) = (entry("a", 0.0, 5.0), entry("b", 10.0, 5.0));
        a.events.received_in_window = 0;
        let v = verdicts(&[(&a, false), (&b, false)]);
        assert_eq!(
            v[0].ranking.len(),
            1,
            "no events received: no bytes per event"
        );
        let mut c = entry("c", 0.0, 5.0);
        c.memory.server_rss_per_conn_bytes = 0.0;
        let mut d = entry("d", 10.0, 5.0);
        d.memory.server_rss_per_conn_bytes = 4096.0;
        let v = verdicts(&[(&c, false), (&d, false)]);
        let memory = v
            .iter()
            .find(|v| v.metric == "Server memory per connection")
            .unwrap();
        assert_eq!(memory.ranking[1].factor, f64::INFINITY);
    }
}
