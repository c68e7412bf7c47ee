//! The latency–cost frontier: each transport's p99 latency against what a delivery costs,
//! in bytes and in server CPU, log-log. A transport measured at several values of its
//! frontier setting (a poll's interval, a long poll's hold) is a line through them, each
//! point labelled with its value: the curve is what reaching a given freshness costs. A
//! saturated point is a cross labelled saturated, at the end of a dashed segment (a bound,
//! as on the sweep chart); a figure not measured leaves its point off, never at 0.

use std::time::Duration;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{log_range, short_number};
use super::frame::{LegendEntry, Swatch, frame};
use super::{Chart, DrawError, FAINT_GRID, GRID, axis_font, colour, label_font};
use crate::analysis::{Frontier, FrontierPoint, FrontierSeries};
use crate::results::Results;

pub struct FrontierChart<'a> {
    frontier: Frontier<'a>,
}

impl<'a> FrontierChart<'a> {
    /// `None` when no entry has a p99 to place.
    pub fn build(results: &'a Results) -> Option<Self> {
        let frontier = Frontier::of(results)?;
        let any = frontier
            .series
            .iter()
            .any(|s| s.points.iter().any(|p| p.p99_us().is_some()));
        any.then_some(Self { frontier })
    }

    fn any_saturated(&self) -> bool {
        self.frontier
            .series
            .iter()
            .any(|s| s.points.iter().any(|p| p.saturated))
    }
}

/// One panel: a cost of each point, its axis text.
struct Panel {
    caption: &'static str,
    y_desc: &'static str,
    /// `None` when not measured: the point is left off that panel.
    cost: fn(&FrontierPoint) -> Option<f64>,
}

const PANELS: [Panel; 2] = [
    Panel {
        caption: "Bytes per delivered event",
        y_desc: "Bytes per delivered event (B, at the socket, log scale)",
        cost: |p| p.bytes_per_event(),
    },
    Panel {
        caption: "Server CPU per delivered event",
        // µs per event are ms per 1,000 events: the same number.
        y_desc: "Server CPU (ms per 1,000 events, log scale)",
        cost: |p| p.server_us_per_event(),
    },
];

/// Where a point sits: (p99 ms, cost), both positive (a log axis shows no 0).
fn place(p: &FrontierPoint, cost: fn(&FrontierPoint) -> Option<f64>) -> Option<(f64, f64)> {
    let x = p.p99_us()? / 1000.0;
    let y = cost(p)?;
    (x > 0.0 && y > 0.0).then_some((x, y))
}

/// A point's label: its setting's value (`100ms`) on a line of several, and `saturated` on
/// a saturated point, so that a bound is named where it is drawn.
fn label(series: &FrontierSeries, p: &FrontierPoint) -> Option<String> {
    let value = (series.points.len() > 1)
        .then(|| Duration::try_from_secs_f64(p.setting_s?).ok())
        .flatten()
        .map(crate::units::format_duration);
    match (value, p.saturated) {
        (Some(value), true) => Some(format!("{value}, saturated")),
        (None, true) => Some("saturated".into()),
        (value, false) => value,
    }
}

impl Chart for FrontierChart<'_> {
    fn name(&self) -> &str {
        "frontier"
    }

    fn caption(&self) -> &'static str {
        "Each transport's p99 latency against what a delivered event costs, in bytes (left) \
         and server CPU (right), log-log: lower left is fresher and cheaper. A transport \
         measured at several values of its frontier setting (a poll's interval, a long \
         poll's hold: the scenario's frontier table, or a sweep of poll_interval) is a line \
         through them, each point labelled with its value. A cross labelled saturated (on a \
         line, at the end of a dashed segment) is a bound, not a measurement. A point whose \
         p99 or cost is null (in results.json) is left off its panel, never drawn at 0."
    }

    fn title(&self) -> String {
        format!("Latency against cost{}", self.frontier.note)
    }

    fn size(&self) -> (u32, u32) {
        (1400, 620)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let mut legend: Vec<_> = self
            .frontier
            .series
            .iter()
            .map(|s| LegendEntry::new(s.transport.name(), Swatch::Line(colour(s.transport))))
            .collect();
        if self.any_saturated() {
            let grey = RGBColor(90, 90, 90);
            legend.push(LegendEntry::new("saturated:", Swatch::Cross(grey)));
            legend.push(LegendEntry::new("not a measurement", Swatch::Blank));
            legend.push(LegendEntry::new("(see report)", Swatch::Blank));
        }
        let plot = frame(area, &self.title(), &legend)?;
        for (panel, region) in PANELS.iter().zip(plot.split_evenly((1, 2))) {
            self.draw_panel(&region, panel)?;
        }
        Ok(())
    }
}

impl FrontierChart<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
    ) -> Result<(), DrawError> {
        let placed = || {
            self.frontier
                .series
                .iter()
                .flat_map(|s| s.points.iter().filter_map(|p| place(p, panel.cost)))
        };
        let x = log_range(placed().map(|(x, _)| x));
        let y = log_range(placed().map(|(_, y)| y));
        let mut chart = ChartBuilder::on(area)
            .margin(15)
            .caption(panel.caption, axis_font())
            .x_label_area_size(55)
            .y_label_area_size(75)
            .build_cartesian_2d(x.log_scale(), y.log_scale())?;
        chart
            .configure_mesh()
            .x_desc("p99 latency, publish to receive (ms, log scale)")
            .y_desc(panel.y_desc)
            .x_label_formatter(&short_number)
            .y_label_formatter(&short_number)
            // plotters' log axis, asked for its default ten labels over less than two
            // decades, steps inside a decade, labels 10 twice and draws a band of light
            // lines there; fewer labels keep to the decades.
            .y_labels(5)
            .label_style(label_font())
            .axis_desc_style(axis_font())
            .bold_line_style(GRID)
            .light_line_style(FAINT_GRID)
            .draw()?;
        for series in &self.frontier.series {
            let c = colour(series.transport);
            let points: Vec<_> = series
                .points
                .iter()
                .filter_map(|p| Some((place(p, panel.cost)?, p.saturated, label(series, p))))
                .collect();
            for pair in points.windows(2) {
                let segment = [pair[0].0, pair[1].0];
                if pair[0].1 || pair[1].1 {
                    chart.draw_series(DashedLineSeries::new(segment, 8, 6, c.stroke_width(2)))?;
                } else {
                    chart.draw_series(LineSeries::new(segment, c.stroke_width(3)))?;
                }
            }
            let last = points.len().saturating_sub(1);
            for (i, (at, saturated, text)) in points.into_iter().enumerate() {
                if saturated {
                    chart.draw_series([Cross::new(at, 8, c.stroke_width(3))])?;
                } else {
                    chart.draw_series([Circle::new(at, 6, c.filled())])?;
                }
                if let Some(text) = text {
                    // The last point is the rightmost (the longest setting, the stalest):
                    // its label goes below to its left, inside the panel and off the line
                    // that comes down to it.
                    let (offset, pos) = match i == last && i > 0 {
                        true => ((-9, 10), Pos::new(HPos::Right, VPos::Top)),
                        false => ((9, -20), Pos::new(HPos::Left, VPos::Top)),
                    };
                    let font = label_font().color(&c).pos(pos);
                    chart.draw_series([EmptyElement::at(at) + Text::new(text, offset, font)])?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Latency, TransportResult};

    #[test]
    fn a_point_without_a_figure_is_left_off_never_at_zero() {
        let mut t = TransportResult {
            latency_us: Some(Latency {
                count: 5,
                p99: 2500.0,
                ..Default::default()
            }),
            ..Default::default()
        };
        t.bytes.per_event = Some(64.0);
        fn point(t: &TransportResult) -> FrontierPoint<'_> {
            FrontierPoint {
                result: t,
                setting_s: None,
                saturated: false,
            }
        }
        let bytes = PANELS[0].cost;
        let cpu = PANELS[1].cost;
        assert_eq!(place(&point(&t), bytes), Some((2.5, 64.0)));
        assert_eq!(place(&point(&t), cpu), None, "CPU not measured");
        t.cpu.server_us_per_event = Some(0.0);
        assert_eq!(place(&point(&t), cpu), None, "a log axis has no 0");
        t.latency_us = None;
        assert_eq!(place(&point(&t), bytes), None, "nothing delivered");
    }
}
