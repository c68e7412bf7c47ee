//! One sentence per metric: which transport is cheapest, and how many times that the
//! others cost. A transport that saturated the machine is ranked but never named cheapest:
//! its figures describe the machine's limit. One whose load generator was saturated is not
//! ranked at all: its figures measure wsbench, not the transport.

use super::doc::{Line, strong, text};
use crate::figures::{Unit, catalog, text as figure};
use crate::results::TransportResult;

/// A metric a verdict is given on; lower is better for all of them.
pub struct Metric {
    pub name: &'static str,
    /// What the best is: `cheapest`, `smallest`, `fastest`.
    pub best: &'static str,
    /// Its results.json path, where `not_measured` gives the reason it is missing.
    pub path: &'static str,
    /// Whether the metric means anything for this entry (events to divide by...); one
    /// that does not is left out silently.
    pub applies: fn(&TransportResult) -> bool,
    /// The figure; `None` when it was not measured.
    pub value: fn(&TransportResult) -> Option<f64>,
}

pub const METRICS: [Metric; 6] = [
    Metric {
        name: "Bytes per delivered event (at the socket)",
        best: "cheapest",
        path: "bytes.per_event",
        applies: |t| t.events.received_in_window > 0,
        value: |t| t.bytes.per_event,
    },
    Metric {
        name: "Bytes per delivered event on the wire (TCP/IP estimate)",
        best: "cheapest",
        path: "tcp.wire_per_event_estimate",
        applies: |t| t.events.received_in_window > 0,
        value: |t| t.tcp.wire_per_event_estimate,
    },
    Metric {
        name: "Server CPU per 1,000 delivered events",
        best: "cheapest",
        path: "cpu.server_us_per_event",
        applies: |t| t.events.delivered > 0,
        // µs per event are ms per 1,000 events.
        value: |t| t.cpu.server_us_per_event,
    },
    Metric {
        name: "Server memory per connection",
        best: "smallest",
        path: "memory.server_rss_per_conn_bytes",
        applies: |t| t.clients > 0,
        value: |t| t.memory.server_rss_per_conn_bytes,
    },
    Metric {
        name: "Median latency (p50)",
        best: "fastest",
        path: "latency_us.p50",
        // Older records wrote zeros for an entry that delivered nothing.
        applies: |t| t.latency_us.as_ref().is_some_and(|l| l.count > 0),
        value: |t| t.latency_us.as_ref().map(|l| l.p50),
    },
    Metric {
        name: "Tail latency (p99)",
        best: "fastest",
        path: "latency_us.p99",
        applies: |t| t.latency_us.as_ref().is_some_and(|l| l.count > 0),
        value: |t| t.latency_us.as_ref().map(|l| l.p99),
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
    /// The cheapest unsaturated transport (or cheapest of all, when all saturated);
    /// `None` when no transport has the figure.
    pub best: Option<Rank>,
    /// Every transport with a value, cheapest first.
    pub ranking: Vec<Rank>,
    /// Transports left out because the figure was not measured, with the reason.
    pub unmeasured: Vec<(String, String)>,
    /// Transports left out because their load generator was saturated.
    pub generator_saturated: Vec<String>,
}

/// `entries` with whether each saturated; metrics no entry applies to (and none misses)
/// are left out.
pub fn verdicts(entries: &[(&TransportResult, bool)]) -> Vec<Verdict> {
    METRICS.iter().filter_map(|m| verdict(m, entries)).collect()
}

fn verdict(metric: &Metric, entries: &[(&TransportResult, bool)]) -> Option<Verdict> {
    let mut ranking = Vec::new();
    let mut unmeasured = Vec::new();
    let mut generator_saturated = Vec::new();
    for (t, saturated) in entries {
        if t.generator_saturated {
            generator_saturated.push(t.transport.to_string());
            continue;
        }
        let applies = (metric.applies)(t);
        match ((metric.value)(t), t.not_measured_reason(metric.path)) {
            (Some(value), _) if applies && value.is_finite() && value >= 0.0 => {
                ranking.push(Rank {
                    transport: t.transport.to_string(),
                    value,
                    factor: 1.0,
                    saturated: *saturated,
                })
            }
            // Said even where the metric would not apply: the reader must know it is missing.
            (None, Some(reason)) => unmeasured.push((t.transport.to_string(), reason.to_string())),
            (None, None) if applies => {
                unmeasured.push((t.transport.to_string(), "no value".into()))
            }
            _ => {}
        }
    }
    if ranking.is_empty() && unmeasured.is_empty() && generator_saturated.is_empty() {
        return None;
    }
    ranking.sort_by(|a, b| a.value.total_cmp(&b.value));
    let best_index = ranking.iter().position(|r| !r.saturated).unwrap_or(0);
    let best_value = ranking.get(best_index).map_or(0.0, |b| b.value);
    for rank in &mut ranking {
        rank.factor = if best_value > 0.0 {
            rank.value / best_value
        } else if rank.value == 0.0 {
            1.0
        } else {
            f64::INFINITY
        };
    }
    Some(Verdict {
        metric: metric.name,
        best_word: metric.best,
        best: ranking.get(best_index).cloned(),
        ranking,
        unmeasured,
        generator_saturated,
    })
}

impl Verdict {
    /// `**Tail latency (p99)**: **ws** is cheapest at 1.74 ms; ws 1.0×, sse 1.2×, …`, then
    /// the transports left out as not measured.
    pub fn line(&self) -> Line {
        let unit = METRICS
            .iter()
            .find(|m| m.name == self.metric)
            .map_or(Unit::Number, |m| catalog::unit(m.path));
        let show = |v: f64| figure(v, unit);
        let ranking: Vec<String> = self
            .ranking
            .iter()
            .map(|r| {
                let flag = if r.saturated { " (saturated)" } else { "" };
                format!("{} {}{flag}", r.transport, figure(r.factor, Unit::Multiple))
            })
            .collect();
        let mut line = vec![strong(self.metric)];
        match &self.best {
            None => line.push(text(": not measured")),
            Some(best) if self.ranking.len() == 1 => line.push(text(format!(
                ": only {} measured, {}",
                best.transport,
                show(best.value)
            ))),
            Some(best) => {
                line.push(text(": "));
                line.push(strong(&best.transport));
                line.push(text(format!(
                    " is {} at {}; {}",
                    self.best_word,
                    show(best.value),
                    ranking.join(", ")
                )));
            }
        }
        if !self.unmeasured.is_empty() {
            let left_out: Vec<String> = self
                .unmeasured
                .iter()
                .map(|(transport, reason)| format!("{transport} ({reason})"))
                .collect();
            let prefix = if self.best.is_some() {
                "; not ranked, not measured: "
            } else {
                " for "
            };
            line.push(text(format!("{prefix}{}", left_out.join(", "))));
        }
        if !self.generator_saturated.is_empty() {
            let prefix = if self.best.is_some() || !self.unmeasured.is_empty() {
                "; not ranked, load generator saturated: "
            } else {
                " (not ranked, load generator saturated: "
            };
            line.push(strong(format!(
                "{prefix}{}",
                self.generator_saturated.join(", ")
            )));
            if self.best.is_none() && self.unmeasured.is_empty() {
                line.push(text(")"));
            }
        }
        line.push(text("."));
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::doc::Span;

    fn entry(name: &str, per_event: f64, p99: f64) -> TransportResult {
        let mut t = TransportResult {
            transport: crate::transport_kind::Transport::named(name).unwrap(),
            clients: 10,
            ..Default::default()
        };
        t.events.received_in_window = 100;
        t.events.delivered = 100;
        t.bytes.per_event = Some(per_event);
        t.latency_us = Some(crate::results::Latency {
            count: 100,
            p99,
            ..Default::default()
        });
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
        assert_eq!(bytes.best.as_ref().unwrap().transport, "ws");
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
        assert_eq!(verdicts[0].best.as_ref().unwrap().transport, "ws");
        assert_eq!(verdicts[0].ranking[0].transport, "poll");
        assert!((verdicts[0].ranking[0].factor - 50.0 / 64.0).abs() < 1e-12);
    }

    #[test]
    fn a_transport_whose_generator_saturated_is_not_ranked_and_is_named() {
        let (poll, mut ws, sse) = (
            entry("poll", 872.0, 9.0),
            entry("ws", 10.0, 1.0),
            entry("sse", 80.0, 2.0),
        );
        ws.generator_saturated = true;
        let verdicts = verdicts(&[(&poll, false), (&ws, false), (&sse, false)]);
        let bytes = &verdicts[0];
        assert_eq!(bytes.best.as_ref().unwrap().transport, "sse");
        assert_eq!(bytes.ranking.len(), 2);
        assert_eq!(
            words(&bytes.line()),
            "Bytes per delivered event (at the socket): sse is cheapest at 80 B; sse 1.0×, \
             poll 10.9×; not ranked, load generator saturated: ws."
        );
        let alone = super::verdicts(&[(&ws, false)]);
        assert_eq!(
            words(&alone[0].line()),
            "Bytes per delivered event (at the socket): not measured \
             (not ranked, load generator saturated: ws)."
        );
    }

    #[test]
    fn zero_best_and_missing_values() {
        let (mut a, b) = (entry("poll", 0.0, 5.0), entry("ws", 10.0, 5.0));
        a.events.received_in_window = 0;
        let v = verdicts(&[(&a, false), (&b, false)]);
        assert_eq!(
            v[0].ranking.len(),
            1,
            "no events received: no bytes per event"
        );
        let mut c = entry("sse", 0.0, 5.0);
        c.memory.server_rss_per_conn_bytes = Some(0.0);
        let mut d = entry("ws", 10.0, 5.0);
        d.memory.server_rss_per_conn_bytes = Some(4096.0);
        let v = verdicts(&[(&c, false), (&d, false)]);
        let memory = v
            .iter()
            .find(|v| v.metric == "Server memory per connection")
            .unwrap();
        assert_eq!(memory.ranking[1].factor, f64::INFINITY);
    }

    fn words(line: &Line) -> String {
        line.iter()
            .map(|s| match s {
                Span::Text(t) | Span::Strong(t) | Span::Code(t) => t.clone(),
            })
            .collect()
    }

    #[test]
    fn a_transport_without_the_figure_is_left_out_of_that_ranking_and_named() {
        // poll's memory reads 0 where it could not be read: it must not be "smallest".
        let mut poll = entry("poll", 50.0, 1.0);
        poll.memory.server_rss_per_conn_bytes = None;
        poll.not_measured
            .insert("memory".into(), "no local server process".into());
        let mut ws = entry("ws", 64.0, 2.0);
        ws.memory.server_rss_per_conn_bytes = Some(4096.0);
        let mut sse = entry("sse", 80.0, 3.0);
        sse.memory.server_rss_per_conn_bytes = Some(8192.0);
        let all = verdicts(&[(&poll, false), (&ws, false), (&sse, false)]);
        let memory = all
            .iter()
            .find(|v| v.metric == "Server memory per connection")
            .unwrap();
        let ranked: Vec<&str> = memory
            .ranking
            .iter()
            .map(|r| r.transport.as_str())
            .collect();
        assert_eq!(ranked, ["ws", "sse"]);
        assert_eq!(
            words(&memory.line()),
            "Server memory per connection: ws is smallest at 4.0 KiB; ws 1.0×, sse 2.0×; \
             not ranked, not measured: poll (no local server process)."
        );
        let bytes = &all[0];
        assert!(bytes.unmeasured.is_empty() && bytes.ranking.len() == 3);

        ws.memory.server_rss_per_conn_bytes = None;
        let none = verdicts(&[(&ws, false)]);
        let memory = none
            .iter()
            .find(|v| v.metric == "Server memory per connection")
            .unwrap();
        assert_eq!(memory.best, None);
        assert_eq!(
            words(&memory.line()),
            "Server memory per connection: not measured for ws (no value)."
        );
    }
}
