//! Chart 4: the run second by second, one line per transport: delivered events per second
//! above, p99 latency per second below, warm-up shaded grey and the measurement window
//! tinted between two lines. Ramp-up, stalls and GC-like hiccups show here and nowhere else.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;

use super::axis::{log_range, short_number, zero_range};
use super::frame::{LegendEntry, Swatch, frame};
use super::{Chart, DrawError, FAINT_GRID, Focus, GRID, axis_font, colour, label_font};
use crate::results::{Results, Second};
use crate::transport_kind::Transport;

pub struct TimelineChart<'a> {
    focus: Focus<'a>,
}

impl<'a> TimelineChart<'a> {
    pub fn build(results: &'a Results) -> Option<Self> {
        let focus = Focus::of(results, |t| !t.timeline.is_empty())?;
        Some(Self { focus })
    }

    fn seconds(&self) -> impl Iterator<Item = &Second> {
        self.focus.results().flat_map(|t| t.timeline.iter())
    }

    /// The time axis: from the first second to the last, or the window's end if later.
    fn time_range(&self) -> Range<f64> {
        let end = self.seconds().map(|s| s.t_s).fold(0.0, f64::max);
        let window_end = self.window().map_or(0.0, |w| w.end);
        0.0..end.max(window_end).max(1.0)
    }

    /// Lines drawn first are widest, so that transports delivering exactly the same
    /// (a steady feed) show as nested stripes instead of hiding each other.
    fn stroke(&self, index: usize) -> u32 {
        2 + 3 * (self.focus.entries.len() - 1 - index) as u32 / 2
    }

    /// Each transport's measurement window on the time axis: each starts when its own
    /// clients were ready (poll's later than ws's, say). Records without `window_start_s`
    /// (older runs) start it at their first second inside the window.
    fn windows(&self) -> Vec<(Transport, Range<f64>)> {
        self.focus
            .results()
            .filter_map(|t| {
                let start = t.window_start_s.or_else(|| {
                    t.timeline
                        .iter()
                        .filter(|s| s.in_window)
                        .map(|s| s.t_s)
                        .reduce(f64::min)
                })?;
                Some((t.transport, start..start + t.window_s))
            })
            .collect()
    }

    /// The span the windows cover together, from the earliest start to the latest end:
    /// what is tinted, and what the warm-up's shade stops at.
    fn window(&self) -> Option<Range<f64>> {
        self.windows()
            .into_iter()
            .map(|(_, w)| w)
            .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
    }
}

impl Chart for TimelineChart<'_> {
    fn name(&self) -> &str {
        "timeline"
    }

    fn caption(&self) -> &'static str {
        "Each second of the run, the warm-up shaded grey and the measurement windows tinted, \
         each transport's between two lines of its colour: ramp-up, stalls and hiccups show here before they show in the \
         percentiles."
    }

    fn title(&self) -> String {
        format!("Over time{}", self.focus.note)
    }

    fn size(&self) -> (u32, u32) {
        (1100, 800)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let mut legend: Vec<_> = self
            .focus
            .entries
            .iter()
            .map(|(t, label)| LegendEntry::new(label, Swatch::Line(colour(t.transport))))
            .collect();
        let window = self.window();
        let windows = self.windows();
        if window.is_some() {
            legend.push(LegendEntry::new("warm-up", Swatch::Block(WARMUP)));
            legend.push(LegendEntry::new(
                "measurement windows",
                Swatch::Block(WINDOW),
            ));
        }
        let plot = frame(area, &self.title(), &legend)?;
        let (upper, lower) = plot.split_vertically(plot.dim_in_pixel().1 / 2);
        let x = self.time_range();

        let y = zero_range(self.seconds().map(|s| s.delivered as f64));
        let mut chart = ChartBuilder::on(&upper)
            .margin(15)
            .caption("Delivered events per second", axis_font())
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(x.clone(), y.clone())?;
        if let Some(window) = &window {
            shade(&mut chart, x.start, &y, window, &windows)?;
        }
        mesh(&mut chart, None, "Events delivered per second")?;
        for (i, t) in self.focus.results().enumerate() {
            let points = t.timeline.iter().map(|s| (s.t_s, s.delivered as f64));
            chart.draw_series(LineSeries::new(
                points,
                colour(t.transport).stroke_width(self.stroke(i)),
            ))?;
        }

        let y = log_range(
            self.seconds()
                .filter_map(|s| s.p99_us)
                .map(|us| us / 1000.0),
        );
        let mut chart = ChartBuilder::on(&lower)
            .margin(15)
            .caption("p99 latency of each second", axis_font())
            .x_label_area_size(55)
            .y_label_area_size(80)
            .build_cartesian_2d(x.clone(), y.clone().log_scale())?;
        if let Some(window) = &window {
            shade(&mut chart, x.start, &y, window, &windows)?;
        }
        mesh(
            &mut chart,
            Some("Seconds since the first client connected"),
            "p99 latency (ms, log scale)",
        )?;
        // Latencies rarely coincide: every line at one width.
        for t in self.focus.results() {
            let points = t
                .timeline
                .iter()
                .filter_map(|s| Some((s.t_s, s.p99_us.filter(|us| *us > 0.0)?)))
                .map(|(t_s, us)| (t_s, us / 1000.0));
            chart.draw_series(LineSeries::new(points, colour(t.transport).stroke_width(3)))?;
        }
        Ok(())
    }
}

const WARMUP: RGBColor = RGBColor(236, 236, 236);
/// A pale yellow: apart from every transport's colour, and from the warm-up's grey.
const WINDOW: RGBColor = RGBColor(255, 246, 204);

/// The warm-up from `x_start` to the earliest window, the windows' span tinted, and each
/// transport's window with a line of its colour at each end.
fn shade<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_start: f64,
    y: &Range<f64>,
    window: &Range<f64>,
    windows: &[(Transport, Range<f64>)],
) -> Result<(), DrawError>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart.draw_series([
        Rectangle::new([(x_start, y.start), (window.start, y.end)], WARMUP.filled()),
        Rectangle::new(
            [(window.start, y.start), (window.end, y.end)],
            WINDOW.filled(),
        ),
    ])?;
    chart.draw_series(windows.iter().flat_map(|(transport, w)| {
        [w.start, w.end].map(|x| {
            PathElement::new(
                vec![(x, y.start), (x, y.end)],
                colour(*transport).stroke_width(2),
            )
        })
    }))?;
    Ok(())
}

fn mesh<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_desc: Option<&str>,
    y_desc: &str,
) -> Result<(), DrawError>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut mesh = chart.configure_mesh();
    if let Some(x_desc) = x_desc {
        mesh.x_desc(x_desc);
    }
    mesh.y_desc(y_desc)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&short_number)
        .label_style(label_font())
        .axis_desc_style(axis_font())
        .bold_line_style(GRID)
        .light_line_style(FAINT_GRID)
        .max_light_lines(1)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::TransportResult;

    /// Seconds 0 to 7, inside the window from second `first` to `last`.
    fn entry(transport: &str, start: Option<f64>, first: u32, last: u32) -> TransportResult {
        TransportResult {
            transport: crate::transport_kind::Transport::named(transport).unwrap(),
            window_s: 4.0,
            window_start_s: start,
            timeline: (0..8)
                .map(|s| Second {
                    t_s: f64::from(s),
                    delivered: 10,
                    p99_us: Some(100.0),
                    in_window: (first..=last).contains(&s),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn window(entries: Vec<TransportResult>) -> Option<Range<f64>> {
        let mut results = crate::export::fixture::results();
        results.transports = entries;
        TimelineChart::build(&results)?.window()
    }

    #[test]
    fn the_window_spans_every_transport_shown() {
        assert_eq!(
            window(vec![
                entry("sse", Some(2.5), 2, 6),
                entry("ws", Some(2.25), 2, 6)
            ]),
            Some(2.25..6.5)
        );
    }

    #[test]
    fn each_transport_has_its_own_window() {
        let mut results = crate::export::fixture::results();
        results.transports = vec![
            entry("ws", Some(3.0), 3, 7),
            entry("poll", Some(3.87), 4, 7),
        ];
        let chart = TimelineChart::build(&results).unwrap();
        let ws = Transport::named("ws").unwrap();
        let poll = Transport::named("poll").unwrap();
        assert_eq!(
            chart.windows(),
            vec![(ws, 3.0..7.0), (poll, 3.87..7.87)],
            "poll's window from its own start"
        );
        // Drawn: in each panel, a vertical line of the transport's colour at each end.
        let svg = super::super::svg_of(&chart);
        let edges = |transport| -> Vec<String> {
            let c = colour(transport);
            let stroke = format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
            svg.lines()
                .filter(|l| l.starts_with("<polyline") && l.contains(&stroke))
                .filter_map(|l| {
                    let points = l.split("points=\"").nth(1)?.split('"').next()?;
                    let xs: Vec<_> = points
                        .split_whitespace()
                        .filter_map(|p| p.split(',').next())
                        .collect();
                    (xs.len() == 2 && xs[0] == xs[1]).then(|| xs[0].to_string())
                })
                .collect()
        };
        let [ws_edges, poll_edges] = [ws, poll].map(edges);
        assert_eq!(ws_edges.len(), 4, "{ws_edges:?}");
        assert_eq!(poll_edges.len(), 4, "{poll_edges:?}");
        assert_eq!(ws_edges[..2], ws_edges[2..], "the same in both panels");
        assert!(
            ws_edges.iter().all(|x| !poll_edges.contains(x)),
            "{ws_edges:?} {poll_edges:?}"
        );
    }

    #[test]
    fn older_records_start_the_window_at_its_first_second() {
        assert_eq!(window(vec![entry("ws", None, 3, 6)]), Some(3.0..7.0));
        assert_eq!(window(vec![entry("ws", None, 9, 9)]), None);
    }
}
