//! Chart 5: a swept parameter against bandwidth, server CPU and p99 latency, log-log, one
//! line per transport. A point where the machine saturated (errors, loss, or the CPU full)
//! is drawn as a cross at the end of a dashed line: it is a lower bound on the cost, not a
//! measurement of it, and the report says why.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{TickedLogAxis, log_range, short_number};
use super::frame::{LegendEntry, Swatch, frame};
use super::{Chart, DrawError, FAINT_GRID, GRID, axis_font, colour, label_font};
use crate::analysis::{saturation, transports_in_order};
use crate::results::{Results, TransportResult};
use crate::transport_kind::Transport;

pub struct SweepChart<'a> {
    parameter: &'a str,
    /// Where the point "coalescing off" (value 0, which a log axis cannot show) is drawn:
    /// a step left of the smallest delay, labelled `off`.
    off_at: Option<f64>,
    /// Per transport, its points in increasing swept value.
    lines: Vec<(Transport, Vec<Point<'a>>)>,
}

struct Point<'a> {
    value: f64,
    result: &'a TransportResult,
    saturated: bool,
}

impl<'a> SweepChart<'a> {
    pub fn build(results: &'a Results) -> Option<Self> {
        let sweep = results.sweep.as_ref()?;
        let cores = results.machine.cores;
        let lines: Vec<_> = transports_in_order(results)
            .into_iter()
            .map(|transport| {
                let mut points: Vec<_> = results
                    .transports
                    .iter()
                    .filter(|t| t.transport == transport)
                    .filter_map(|t| {
                        let saturated = !saturation(t, cores).is_empty();
                        Some(Point {
                            value: t.sweep_value?,
                            result: t,
                            saturated,
                        })
                    })
                    .collect();
                points.sort_by(|a, b| a.value.total_cmp(&b.value));
                (transport, points)
            })
            .filter(|(_, points)| !points.is_empty())
            .collect();
        let mut chart = Self {
            parameter: &sweep.parameter,
            off_at: None,
            lines,
        };
        if chart.parameter == "coalesce" {
            chart.place_off();
        }
        (!chart.lines.is_empty()).then_some(chart)
    }

    /// Moves the zero delay (coalescing off) to a stand-in position left of the others.
    fn place_off(&mut self) {
        let smallest = self
            .lines
            .iter()
            .flat_map(|(_, p)| p.iter().map(|p| p.value))
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let off_at = if smallest.is_finite() {
            smallest / 4.0
        } else {
            1.0
        };
        for (_, points) in &mut self.lines {
            for point in points.iter_mut().filter(|p| p.value == 0.0) {
                point.value = off_at;
                self.off_at = Some(off_at);
            }
        }
    }

    fn x_label(&self, value: &f64) -> String {
        match self.off_at {
            Some(off) if *value == off => "off".into(),
            _ => short_number(value),
        }
    }

    fn x_desc(&self) -> String {
        match self.parameter {
            "clients" => "Clients (log scale)".into(),
            "rate" => "Events published per second (log scale)".into(),
            "poll_interval" => "Poll interval (s, log scale)".into(),
            "coalesce" => "Write coalescing delay (ms, log scale)".into(),
            other => format!("{other} (log scale)"),
        }
    }

    fn any_saturated(&self) -> bool {
        self.lines
            .iter()
            .any(|(_, points)| points.iter().any(|p| p.saturated))
    }
}

/// One panel: a metric of each point, its axis text.
struct Panel {
    caption: &'static str,
    y_desc: &'static str,
    /// `None` when not measured: the point is left off that panel.
    metric: fn(&TransportResult) -> Option<f64>,
}

const PANELS: [Panel; 3] = [
    Panel {
        caption: "Bandwidth at the sockets",
        y_desc: "Mbit/s (10^6 bit/s), both directions",
        metric: |t| Some(t.bytes.per_second * 8.0 / 1e6),
    },
    Panel {
        caption: "Server CPU",
        y_desc: "Server CPU (cores busy)",
        metric: |t| t.cpu.server_cores,
    },
    Panel {
        caption: "p99 latency",
        y_desc: "p99 latency (ms)",
        metric: |t| t.latency_us.as_ref().map(|l| l.p99 / 1000.0),
    },
];

impl Chart for SweepChart<'_> {
    fn name(&self) -> &str {
        "sweep"
    }

    fn caption(&self) -> &'static str {
        "Bandwidth, server CPU and p99 latency against the swept parameter, log-log. A cross \
         at the end of a dashed line marks a saturated point: a bound, not a measurement."
    }

    fn title(&self) -> String {
        format!(
            "Sweep over {}: cost and latency, log-log",
            self.parameter.replace('_', " ")
        )
    }

    fn size(&self) -> (u32, u32) {
        (1600, 600)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let mut legend: Vec<_> = self
            .lines
            .iter()
            .map(|(transport, _)| {
                LegendEntry::new(transport.name(), Swatch::Line(colour(*transport)))
            })
            .collect();
        if self.any_saturated() {
            let grey = RGBColor(90, 90, 90);
            legend.push(LegendEntry::new("saturated:", Swatch::Cross(grey)));
            legend.push(LegendEntry::new("not a measurement", Swatch::Blank));
            legend.push(LegendEntry::new("(see report)", Swatch::Blank));
        }
        let plot = frame(area, &self.title(), &legend)?;
        let mut ticks: Vec<f64> = self
            .lines
            .iter()
            .flat_map(|(_, p)| p.iter().map(|p| p.value))
            .collect();
        ticks.sort_by(f64::total_cmp);
        ticks.dedup();
        let x = TickedLogAxis::around(ticks);
        for (panel, region) in PANELS.iter().zip(plot.split_evenly((1, 3))) {
            self.draw_panel(&region, panel, x.clone())?;
        }
        Ok(())
    }
}

impl SweepChart<'_> {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        x: TickedLogAxis,
    ) -> Result<(), DrawError> {
        let values = self
            .lines
            .iter()
            .flat_map(|(_, p)| p.iter().filter_map(|p| (panel.metric)(p.result)));
        let y = log_range(values);
        let mut chart = ChartBuilder::on(area)
            .margin(15)
            .caption(panel.caption, axis_font())
            .x_label_area_size(55)
            .y_label_area_size(75)
            .build_cartesian_2d(x, y.log_scale())?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc())
            .y_desc(panel.y_desc)
            .x_label_formatter(&|v| self.x_label(v))
            .y_label_formatter(&short_number)
            .label_style(label_font())
            .axis_desc_style(axis_font())
            .bold_line_style(GRID)
            .light_line_style(FAINT_GRID)
            .draw()?;
        for (transport, points) in &self.lines {
            let c = colour(*transport);
            // Zeros cannot sit on a log axis; they are in the report's table instead, as
            // are the points not measured.
            let points: Vec<_> = points
                .iter()
                .filter_map(|p| Some((p.value, (panel.metric)(p.result)?, p.saturated)))
                .filter(|(_, y, _)| *y > 0.0)
                .collect();
            for pair in points.windows(2) {
                let segment = [(pair[0].0, pair[0].1), (pair[1].0, pair[1].1)];
                if pair[0].2 || pair[1].2 {
                    chart.draw_series(DashedLineSeries::new(segment, 8, 6, c.stroke_width(2)))?;
                } else {
                    chart.draw_series(LineSeries::new(segment, c.stroke_width(3)))?;
                }
            }
            for (v, y, saturated) in points {
                if saturated {
                    chart.draw_series([Cross::new((v, y), 8, c.stroke_width(3))])?;
                } else {
                    chart.draw_series([Circle::new((v, y), 5, c.filled())])?;
                }
            }
        }
        Ok(())
    }
}
