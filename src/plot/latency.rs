//! Chart 1: latency by percentile, HdrHistogram style, one line per transport.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{PercentileAxis, log_range, percent_label, short_number};
use super::frame::{LegendEntry, Swatch, frame};
use super::{Chart, DrawError, FAINT_GRID, Focus, GRID, axis_font, colour, label_font};
use crate::results::{Results, TransportResult};

pub struct LatencyChart<'a> {
    focus: Focus<'a>,
}

impl<'a> LatencyChart<'a> {
    pub fn build(results: &'a Results) -> Option<Self> {
        let focus = Focus::of(results, |t| !t.percentiles.is_empty())?;
        Some(Self { focus })
    }

    /// `(percentile, ms)` points a log axis can show: 100% is infinitely far on this
    /// axis, and 0 µs cannot be drawn on a log scale.
    fn points(entry: &TransportResult) -> impl Iterator<Item = (f64, f64)> + Clone + '_ {
        entry
            .percentiles
            .iter()
            .filter(|p| p.percentile < 100.0 && p.latency_us > 0.0)
            .map(|p| (p.percentile, p.latency_us / 1000.0))
    }
}

impl Chart for LatencyChart<'_> {
    fn name(&self) -> &str {
        "latency"
    }

    fn caption(&self) -> &'static str {
        "Latency at each percentile, HdrHistogram style: the x axis gives each added nine \
         (90%, 99%, 99.9%…) the same room, so the tail is as visible as the median."
    }

    fn title(&self) -> String {
        format!("Latency by percentile{}", self.focus.note)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let x = PercentileAxis::covering(
            self.focus
                .results()
                .flat_map(|e| Self::points(e).map(|(p, _)| p)),
        );
        let y = log_range(
            self.focus
                .results()
                .flat_map(|e| Self::points(e).map(|(_, ms)| ms)),
        );
        let legend: Vec<_> = self
            .focus
            .entries
            .iter()
            .map(|(t, label)| LegendEntry::new(label, Swatch::Line(colour(t.transport))))
            .collect();
        let plot = frame(area, &self.title(), &legend)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(x, y.log_scale())?;
        chart
            .configure_mesh()
            .x_desc("Percentile (spaced by 1/(1-p): each tick adds a nine)")
            .y_desc("Latency, publish to receive (ms, log scale)")
            .x_label_formatter(&percent_label)
            .y_label_formatter(&short_number)
            .label_style(label_font())
            .axis_desc_style(axis_font())
            .bold_line_style(GRID)
            .light_line_style(FAINT_GRID)
            .draw()?;
        for entry in self.focus.results() {
            let c = colour(entry.transport);
            chart.draw_series(LineSeries::new(Self::points(entry), c.stroke_width(3)))?;
        }
        Ok(())
    }
}
