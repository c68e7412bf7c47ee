//! Chart 4: the run second by second, one line per transport: delivered events per second
//! above, p99 latency per second below, warm-up shaded. Ramp-up, stalls and GC-like
//! hiccups show here and nowhere else.

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

    /// The time axis: from the first second to the last.
    fn time_range(&self) -> std::ops::Range<f64> {
        let end = self.seconds().map(|s| s.t_s).fold(0.0, f64::max);
        0.0..end.max(1.0)
    }

    /// Lines drawn first are widest, so that transports delivering exactly the same
    /// (a steady feed) show as nested stripes instead of hiding each other.
    fn stroke(&self, index: usize) -> u32 {
        2 + 3 * (self.focus.entries.len() - 1 - index) as u32 / 2
    }

    /// End of the warm-up: the first second inside the window, over all transports.
    fn warmup_end(&self) -> Option<f64> {
        self.seconds()
            .filter(|s| s.in_window)
            .map(|s| s.t_s)
            .reduce(f64::min)
    }
}

impl Chart for TimelineChart<'_> {
    fn name(&self) -> &str {
        "timeline"
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
            .map(|(t, label)| LegendEntry::new(label, Swatch::Line(colour(&t.transport))))
            .collect();
        if self.warmup_end().is_some() {
            legend.push(LegendEntry::new("warm-up", Swatch::Block(WARMUP)));
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
        if let Some(end) = self.warmup_end() {
            chart.draw_series([Rectangle::new(
                [(x.start, y.start), (end, y.end)],
                WARMUP.filled(),
            )])?;
        }
        mesh(&mut chart, None, "Events delivered per second")?;
        for (i, t) in self.focus.results().enumerate() {
            let points = t.timeline.iter().map(|s| (s.t_s, s.delivered as f64));
            chart.draw_series(LineSeries::new(
                points,
                colour(&t.transport).stroke_width(self.stroke(i)),
            ))?;
        }

        let y = log_range(self.seconds().map(|s| s.p99_us / 1000.0));
        let mut chart = ChartBuilder::on(&lower)
            .margin(15)
            .caption("p99 latency of each second", axis_font())
            .x_label_area_size(55)
            .y_label_area_size(80)
            .build_cartesian_2d(x.clone(), y.clone().log_scale())?;
        if let Some(end) = self.warmup_end() {
            chart.draw_series([Rectangle::new(
                [(x.start, y.start), (end, y.end)],
                WARMUP.filled(),
            )])?;
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
                .filter(|s| s.p99_us > 0.0)
                .map(|s| (s.t_s, s.p99_us / 1000.0));
            chart.draw_series(LineSeries::new(
                points,
                colour(&t.transport).stroke_width(3),
            ))?;
        }
        Ok(())
    }
}

const WARMUP: RGBColor = RGBColor(236, 236, 236);

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
