//! The verdict weighed: what each transport's freshness costs beside a reference (WebSocket
//! when it kept up), in sentences of measured figures. A transport measured at several
//! values of its frontier setting says what keeping p99 under a bound takes, and what its
//! cheapest point gives up; one measured once says what its one point costs, and how to
//! trace the rest. Saturated points are left out (and named); a figure not measured is
//! said to be, never taken as 0.

use std::time::Duration;

use super::content::{latency, measured as content_measured};
use super::doc::{Align, Block, Line, Table, code, strong, text};
use super::floor::swept_floor_cell;
use crate::analysis::{Frontier, FrontierPoint, FrontierSeries};
use crate::figures::{Unit, text as figure};
use crate::results::Results;
use crate::transport_kind::Transport;
use crate::units::format_duration;

/// The section's blocks: a lead naming the reference, then a sentence or two per transport.
pub fn section(results: &Results) -> Vec<Block> {
    let Some(frontier) = Frontier::of(results) else {
        return Vec::new();
    };
    let reference = reference(&frontier);
    let items: Vec<Line> = frontier
        .series
        .iter()
        .filter(|s| reference.is_none_or(|r| r.result.transport != s.transport))
        .filter_map(|s| weigh(s, reference))
        .collect();
    let mut lead = vec![strong("Latency against cost")];
    match reference {
        Some(r) => lead.push(text(format!(
            ", each beside {} (p99 {}, {}, {}):",
            r.result.transport,
            show_us(r.p99_us()),
            own_bytes(&r),
            own_cpu(&r),
        ))),
        None if items.is_empty() => {
            lead.push(text(
                ": not weighed: no transport that kept up has a measured p99 to weigh \
                 against its cost.",
            ));
            return vec![Block::Paragraph(lead)];
        }
        None => lead.push(text(
            " (no streaming transport kept up with a measured p99 to compare with: each \
             transport's own figures):",
        )),
    }
    if items.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![Block::Paragraph(lead), Block::List(items)];
    if frontier.traced() {
        blocks.push(Block::Table(points_table(
            &frontier,
            results.calibration.is_some(),
        )));
    }
    blocks
}

/// Every point of the transports measured at several values of their setting, figures and
/// status, as the chart draws them.
fn points_table(frontier: &Frontier, calibrated: bool) -> Table {
    let mut table = Table::numeric(&[
        "Transport",
        "Setting",
        "p50",
        "p99",
        "Bytes/event",
        "Server CPU per 1k events",
        "CPU vs loopback floor",
        "Status",
    ]);
    table.align[1] = Align::Left;
    table.align[7] = Align::Left;
    for series in frontier.series.iter().filter(|s| s.points.len() > 1) {
        for p in &series.points {
            let t = p.result;
            let status = match (p.saturated, t.frontier.is_some()) {
                (true, _) => "saturated: a bound, not a measurement",
                (false, true) => "ok",
                (false, false) => "ok (the run's own entry)",
            };
            table.row(vec![
                series.transport.to_string(),
                setting_words(series, p).unwrap_or_else(|| "—".into()),
                latency(t.latency_us.as_ref(), |l| l.p50),
                latency(t.latency_us.as_ref(), |l| l.p99),
                content_measured(p.bytes_per_event(), Unit::Bytes),
                content_measured(p.server_us_per_event(), Unit::CpuPerEvent),
                swept_floor_cell(t, calibrated),
                status.into(),
            ]);
        }
    }
    table
}

/// What the others are weighed against: WebSocket when it kept up and has a p99, else the
/// fastest that did among the transports with no frontier setting (those that push).
fn reference<'a>(frontier: &Frontier<'a>) -> Option<FrontierPoint<'a>> {
    let candidates: Vec<FrontierPoint<'a>> = frontier
        .series
        .iter()
        .filter(|s| s.setting.is_none())
        .flat_map(|s| s.points.iter().copied())
        .filter(|p| !p.saturated && p.p99_us().is_some() && p.result.frontier.is_none())
        .collect();
    let ws = Transport::named("ws");
    candidates
        .iter()
        .find(|p| Some(p.result.transport) == ws)
        .or_else(|| {
            candidates.iter().min_by(|a, b| {
                a.p99_us()
                    .unwrap_or(0.0)
                    .total_cmp(&b.p99_us().unwrap_or(0.0))
            })
        })
        .copied()
}

/// One transport's sentences; `None` when it has no point that kept up with a p99.
fn weigh(series: &FrontierSeries, reference: Option<FrontierPoint>) -> Option<Line> {
    let usable: Vec<&FrontierPoint> = series
        .points
        .iter()
        .filter(|p| !p.saturated && p.p99_us().is_some())
        .collect();
    let saturated: Vec<&FrontierPoint> = series.points.iter().filter(|p| p.saturated).collect();
    let left_out: Vec<String> = saturated
        .iter()
        .filter_map(|p| setting_words(series, p))
        .collect();
    let name = series.transport.name();
    let mut line = vec![strong(name), text(": ")];
    match usable.as_slice() {
        [] if saturated.is_empty() => return None,
        [] => {
            let which = match series.setting {
                Some(_) => format!(" ({name} at {})", left_out.join(", ")),
                None => String::new(),
            };
            line.push(text(format!(
                "not weighed: it saturated{which}, and a saturated point is a bound, not a \
                 measurement."
            )));
            return Some(line);
        }
        [only] => {
            line.push(text(one_point(series, only, reference)));
            if let Some(hint) = trace_hint(series, only) {
                line.push(text(" "));
                line.extend(hint);
            }
        }
        several => line.push(text(curve(series, several, reference))),
    }
    if !left_out.is_empty() {
        line.push(text(format!(
            " Left out, saturated (a bound, not a measurement): {name} at {}.",
            left_out.join(", ")
        )));
    }
    Some(line)
}

/// `At its 1s interval, poll costs 1.7× ws's bytes per event ..., and its p99 is 569× ws's`.
fn one_point(
    series: &FrontierSeries,
    p: &FrontierPoint,
    reference: Option<FrontierPoint>,
) -> String {
    let at = setting_words(series, p).map_or(String::new(), |w| format!("At its {w}, "));
    let name = series.transport.name();
    let costs = costs(p, reference);
    match reference {
        Some(r) => format!(
            "{at}{name} costs {costs}, and its p99 is {} {}'s ({} against {}).",
            ratio(p.p99_us(), r.p99_us()),
            r.result.transport,
            show_us(p.p99_us()),
            show_us(r.p99_us()),
        ),
        None => format!(
            "{at}{name} costs {costs}, at a p99 of {}.",
            show_us(p.p99_us())
        ),
    }
}

/// A transport measured at several values: what keeping p99 under the best bound it
/// reached takes, and what its cheapest point gives up.
fn curve(
    series: &FrontierSeries,
    points: &[&FrontierPoint],
    reference: Option<FrontierPoint>,
) -> String {
    let name = series.transport.name();
    let p99 = |p: &FrontierPoint| p.p99_us().unwrap_or(f64::INFINITY);
    let freshest = points.iter().map(|p| p99(p)).fold(f64::INFINITY, f64::min);
    let bound = nice_ceiling(freshest);
    // The points are in increasing setting: the last under the bound asks the least.
    let Some(at) = points.iter().rposition(|p| p99(p) <= bound) else {
        return String::new();
    };
    let meets = points[at];
    let key = series.setting.unwrap_or("setting");
    let value = |p: &FrontierPoint| setting_value(p).unwrap_or_else(|| "its".into());
    // The next longer setting measured is the evidence that a longer one misses the bound.
    let evidence = match points[at + 1..].first() {
        Some(n) => format!(
            "p99 {} at {}; {} at {}",
            show_us(meets.p99_us()),
            value(meets),
            show_us(n.p99_us()),
            value(n)
        ),
        None => format!(
            "p99 {} at {}, the longest {key} measured",
            show_us(meets.p99_us()),
            value(meets)
        ),
    };
    // "or less" only where every shorter setting measured met the bound too.
    let or_less = if points[..at].iter().all(|p| p99(p) <= bound) {
        " or less"
    } else {
        ""
    };
    let mut words = format!(
        "To keep p99 under {}, {name} needs its {key} at {}{or_less} ({evidence}), costing {}.",
        show_bound(bound),
        value(meets),
        costs(meets, reference)
    );
    let cheapest = points[points.len() - 1];
    if !std::ptr::eq(cheapest, meets) {
        let gives_up = match reference {
            Some(r) => format!(
                "its p99 is {} {}'s ({} against {})",
                ratio(cheapest.p99_us(), r.p99_us()),
                r.result.transport,
                show_us(cheapest.p99_us()),
                show_us(r.p99_us())
            ),
            None => format!("its p99 is {}", show_us(cheapest.p99_us())),
        };
        words.push_str(&format!(
            " At its {} {key} it costs {}, but {gives_up}.",
            value(cheapest),
            costs(cheapest, reference)
        ));
    }
    words
}

/// How to measure more points of a transport measured at one value of its setting, or why
/// another value would measure the same (a hold that never ran out).
fn trace_hint(series: &FrontierSeries, p: &FrontierPoint) -> Option<Line> {
    let flat = crate::scenario::frontier_setting_name(series.transport)?;
    let key = series.setting?;
    let requests = &p.result.requests;
    if series.transport.kind().frontier_acts_when_idle()
        && requests.total > 0
        && requests.empty == 0
    {
        return Some(vec![text(format!(
            "Its {key} never ran out here (no answer was empty: an event always came first), \
             so another {key} would measure the same on this feed."
        ))]);
    }
    let sweep = match flat.as_str() {
        "poll_interval" => " (or a sweep of poll_interval)",
        _ => "",
    };
    Some(vec![
        text(format!("One {key} is one point: list more values in ")),
        code(format!("[frontier] {flat}")),
        text(format!("{sweep} to trace what each costs.")),
    ])
}

/// `4.2× ws's bytes per event and 3.1× its server CPU per delivery`, or the point's own
/// figures without a reference; a figure not measured is said to be.
fn costs(p: &FrontierPoint, reference: Option<FrontierPoint>) -> String {
    match reference {
        Some(r) => {
            let bytes = match ratio_of(p.bytes_per_event(), r.bytes_per_event()) {
                Some(x) => format!(
                    "{} {}'s bytes per event",
                    figure(x, Unit::Multiple),
                    r.result.transport
                ),
                None => "bytes per event not measured".into(),
            };
            let cpu = match ratio_of(p.server_us_per_event(), r.server_us_per_event()) {
                Some(x) => format!("{} its server CPU per delivery", figure(x, Unit::Multiple)),
                None => "server CPU per delivery not measured".into(),
            };
            format!("{bytes} and {cpu}")
        }
        None => format!("{} and {}", own_bytes(p), own_cpu(p)),
    }
}

/// `64 B per event`, or that it was not measured.
fn own_bytes(p: &FrontierPoint) -> String {
    p.bytes_per_event().map_or_else(
        || "bytes per event not measured".into(),
        |b| format!("{} per event", figure(b, Unit::Bytes)),
    )
}

/// `5.0 ms of server CPU per 1,000 events`, or that it was not measured.
fn own_cpu(p: &FrontierPoint) -> String {
    p.server_us_per_event().map_or_else(
        || "server CPU per delivery not measured".into(),
        |us| {
            format!(
                "{} of server CPU per 1,000 events",
                figure(us, Unit::CpuPerEvent)
            )
        },
    )
}

/// `a / b`, when both were measured and `b` is not 0.
fn ratio_of(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    (b > 0.0 && a.is_finite()).then(|| a / b)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    ratio_of(a, b).map_or_else(|| "not measured".into(), |x| figure(x, Unit::Multiple))
}

fn measured(value: Option<f64>, unit: Unit) -> String {
    value.map_or_else(|| "not measured".into(), |v| figure(v, unit))
}

fn show_us(us: Option<f64>) -> String {
    measured(us, Unit::Micros)
}

/// `1s interval`: a point's setting in words, when its transport has one.
fn setting_words(series: &FrontierSeries, p: &FrontierPoint) -> Option<String> {
    Some(format!("{} {}", setting_value(p)?, series.setting?))
}

fn setting_value(p: &FrontierPoint) -> Option<String> {
    Some(format_duration(
        Duration::try_from_secs_f64(p.setting_s?).ok()?,
    ))
}

/// The smallest 1, 2 or 5 × 10ⁿ µs at least `us`: a bound people state.
fn nice_ceiling(us: f64) -> f64 {
    if !(us.is_finite() && us > 0.0) {
        return us;
    }
    let decade = 10f64.powf(us.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|b| *b >= us * (1.0 - 1e-9))
        .unwrap_or(10.0 * decade)
}

/// A round bound in its unit: `100 ms`, `2 s`, `500 µs`.
fn show_bound(us: f64) -> String {
    let (value, unit) = match us {
        u if u >= 1e6 => (u / 1e6, "s"),
        u if u >= 1e3 => (u / 1e3, "ms"),
        u => (u, "µs"),
    };
    format!("{} {unit}", figure(value, Unit::Number))
}

#[cfg(test)]
#[path = "weighed_tests.rs"]
mod tests;
