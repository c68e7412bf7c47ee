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

    /// The measurement window on the time axis, from the earliest start to the latest end
    /// over the transports shown. Records without `window_start_s` (older runs) start it
    /// at their first second inside the window.
    fn window(&self) -> Option<Range<f64>> {
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
                Some(start..start + t.window_s)
            })
            .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
    }
}

impl Chart for TimelineChart<'_> {
    fn name(&self) -> &str {
        "timeline"
    }

    fn caption(&self) -> &'static str {
        "Each second of the run, the warm-up shaded grey and the measurement window tinted \
         between two lines: ramp-up, stalls and hiccups show here before they show in the \
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
        if window.is_some() {
            legend.push(LegendEntry::new("warm-up", Swatch::Block(WARMUP)));
            legend.push(LegendEntry::new(
                "measurement window",
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
            shade(&mut chart, x.start, &y, window)?;
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
            shade(&mut chart, x.start, &y, window)?;
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
const WINDOW_EDGE: RGBColor = RGBColor(150, 130, 60);

/// The warm-up from `x_start` to the window, and the window with a line at each end.
fn shade<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_start: f64,
    y: &Range<f64>,
    window: &Range<f64>,
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
    chart
        .draw_series([window.start, window.end].map(|x| {
            PathElement::new(vec![(x, y.start), (x, y.end)], WINDOW_EDGE.stroke_width(2))
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
    fn older_records_start_the_window_at_its_first_second() {
        assert_eq!(window(vec![entry("ws", None, 3, 6)]), Some(3.0..7.0));
        assert_eq!(window(vec![entry("ws", None, 9, 9)]), None);
    }
}
