//! The latency–cost frontier of a run: for each transport, its points as (p99 latency,
//! cost per delivery), one per value of its frontier setting that was measured (a poll's
//! interval, a long poll's hold), so that a chart and a verdict can say what reaching a
//! given freshness costs.
//!
//! The points come from whatever entries the run has: the run's own, one per transport,
//! with its `[frontier]` entries beside them; or, for a sweep of `poll_interval`, every
//! poll point (the other transports at the headline point, since the interval does not
//! touch them); for any other sweep, the headline point only (a transport at another
//! client count or rate is another workload, not another way of serving this one).

use super::{focus, focus_note, saturation, transports_in_order};
use crate::results::{Results, TransportResult};
use crate::transport_kind::Transport;

/// One entry of a transport on the frontier.
#[derive(Debug, Clone, Copy)]
pub struct Point<'a> {
    pub result: &'a TransportResult,
    /// Its frontier setting's value, seconds; `None` for a transport without one.
    pub setting_s: Option<f64>,
    /// Its figures describe the machine's limit, not the transport's cost.
    pub saturated: bool,
}

impl Point<'_> {
    pub fn p99_us(&self) -> Option<f64> {
        let latency = self.result.latency_us.as_ref().filter(|l| l.count > 0)?;
        Some(latency.p99).filter(|p| p.is_finite())
    }

    pub fn bytes_per_event(&self) -> Option<f64> {
        self.result.bytes.per_event
    }

    pub fn server_us_per_event(&self) -> Option<f64> {
        self.result.cpu.server_us_per_event
    }
}

/// A transport's points, in increasing value of its frontier setting.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    pub transport: Transport,
    /// Its frontier setting's key (`interval`), when it has one.
    pub setting: Option<&'static str>,
    pub points: Vec<Point<'a>>,
}

/// Every transport's series, and what a headline adds for a sweep (` at 10,000 clients`).
#[derive(Debug, Clone)]
pub struct Frontier<'a> {
    pub series: Vec<Series<'a>>,
    pub note: String,
}

impl<'a> Frontier<'a> {
    /// The run's frontier; `None` when it has no entry.
    pub fn of(results: &'a Results) -> Option<Self> {
        let cores = results.machine.cores;
        let poll_swept = results
            .sweep
            .as_ref()
            .is_some_and(|s| s.parameter == "poll_interval");
        let headline = focus(results);
        let point = |t: &'a TransportResult| Point {
            result: t,
            setting_s: setting_of(results, t),
            saturated: t.generator_saturated || !saturation(t, cores).is_empty(),
        };
        let series: Vec<Series<'a>> = transports_in_order(results)
            .into_iter()
            .map(|transport| {
                let setting = transport.kind().frontier_setting();
                let swept_here = poll_swept && poll_interval_of(transport);
                let mut points: Vec<Point<'a>> = results
                    .transports
                    .iter()
                    .filter(|t| t.transport == transport)
                    .filter(|t| swept_here || headline.iter().any(|h| std::ptr::eq(*h, *t)))
                    .chain(results.frontier.iter().filter(|t| t.transport == transport))
                    .map(point)
                    .collect();
                points.sort_by(|a, b| {
                    let key = |p: &Point| p.setting_s.unwrap_or(f64::INFINITY);
                    key(a).total_cmp(&key(b))
                });
                Series {
                    transport,
                    setting: setting.map(|s| s.key),
                    points,
                }
            })
            .filter(|s| !s.points.is_empty())
            .collect();
        (!series.is_empty()).then(|| Self {
            series,
            // A poll_interval sweep is traced whole: no one point to name.
            note: if poll_swept {
                String::new()
            } else {
                focus_note(results)
            },
        })
    }

    /// Whether any transport was measured at more than one value of its setting.
    pub fn traced(&self) -> bool {
        self.series.iter().any(|s| s.points.len() > 1)
    }
}

/// Whether `poll_interval` (the one transport setting a sweep can vary) is `transport`'s.
fn poll_interval_of(transport: Transport) -> bool {
    crate::scenario::frontier_setting_name(transport).as_deref() == Some("poll_interval")
}

/// The value of `t`'s frontier setting it was measured at, seconds: a frontier entry's
/// own, a poll_interval sweep point's, else the scenario's.
fn setting_of(results: &Results, t: &TransportResult) -> Option<f64> {
    let name = crate::scenario::frontier_setting_name(t.transport)?;
    if let Some(f) = &t.frontier {
        return Some(f.value_s);
    }
    let swept = results.sweep.as_ref().filter(|s| s.parameter == name);
    if let (Some(_), Some(value)) = (swept, t.sweep_value) {
        return Some(value);
    }
    let text = results
        .scenario
        .pointer(&format!("/transport/{name}"))?
        .as_str()?;
    crate::units::parse_duration(text)
        .ok()
        .map(|d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{FrontierSetting, Latency, SweepInfo};

    fn entry(name: &str, p99: f64, frontier: Option<f64>) -> TransportResult {
        let mut t = TransportResult {
            transport: Transport::named(name).unwrap(),
            latency_us: Some(Latency {
                count: 10,
                p99,
                ..Default::default()
            }),
            frontier: frontier.map(|value_s| FrontierSetting {
                setting: format!("{name}_interval"),
                value_s,
            }),
            ..Default::default()
        };
        t.bytes.per_event = Some(100.0);
        t
    }

    fn results(transports: Vec<TransportResult>, frontier: Vec<TransportResult>) -> Results {
        let mut results = crate::export::fixture::results();
        results.scenario = serde_json::json!({"transport": {"poll_interval": "1s"}});
        results.transports = transports;
        results.frontier = frontier;
        results
    }

    fn shape(f: &Frontier) -> Vec<(&'static str, Vec<Option<f64>>)> {
        f.series
            .iter()
            .map(|s| {
                let values = s.points.iter().map(|p| p.setting_s).collect();
                (s.transport.name(), values)
            })
            .collect()
    }

    #[test]
    fn a_run_and_its_frontier_entries_make_one_line_per_transport() {
        wsbench_install();
        let r = results(
            vec![entry("poll", 990e3, None), entry("ws", 2e3, None)],
            vec![
                entry("poll", 99e3, Some(0.1)),
                entry("poll", 250e3, Some(0.25)),
            ],
        );
        let f = Frontier::of(&r).unwrap();
        assert_eq!(
            shape(&f),
            [
                ("poll", vec![Some(0.1), Some(0.25), Some(1.0)]),
                ("ws", vec![None])
            ]
        );
        assert!(f.traced());
        assert_eq!(f.series[0].setting, Some("interval"));
        // A single run: one point per transport.
        let single = results(
            vec![entry("poll", 990e3, None), entry("ws", 2e3, None)],
            vec![],
        );
        let f = Frontier::of(&single).unwrap();
        assert_eq!(shape(&f), [("poll", vec![Some(1.0)]), ("ws", vec![None])]);
        assert!(!f.traced());
        assert!(Frontier::of(&results(vec![], vec![])).is_none());
    }

    #[test]
    fn a_poll_interval_sweep_traces_poll_and_takes_the_others_at_the_headline() {
        wsbench_install();
        let swept = |name: &str, v: f64| TransportResult {
            sweep_value: Some(v),
            ..entry(name, v * 1e6, None)
        };
        let mut r = results(
            vec![
                swept("poll", 0.1),
                swept("ws", 0.1),
                swept("poll", 1.0),
                swept("ws", 1.0),
            ],
            vec![],
        );
        r.sweep = Some(SweepInfo {
            parameter: "poll_interval".into(),
            values: vec![0.1, 1.0],
        });
        let f = Frontier::of(&r).unwrap();
        assert_eq!(
            shape(&f),
            [("poll", vec![Some(0.1), Some(1.0)]), ("ws", vec![None])]
        );
        assert_eq!(f.series[1].points[0].result.sweep_value, Some(1.0));
        assert_eq!(f.note, "");
        // Another sweep: the headline point only.
        r.sweep.as_mut().unwrap().parameter = "clients".into();
        let f = Frontier::of(&r).unwrap();
        assert_eq!(shape(&f), [("poll", vec![Some(1.0)]), ("ws", vec![None])]);
        assert_eq!(f.note, " at 1 clients");
    }

    fn wsbench_install() {
        crate::transport::install();
    }
}
