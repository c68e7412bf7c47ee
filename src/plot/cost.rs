//! Chart 3: what delivering costs the machine, in two panels: CPU time per 1,000 delivered
//! events (server and load generator side by side) and server memory per connection.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::short_number;
use super::bars::{Axes, Bar, Fill, Segment, Slot, draw_bars};
use super::frame::{LegendEntry, Swatch, frame};
use super::{Chart, DrawError, Focus, colour};
use crate::results::{Results, TransportResult};

pub struct CostChart<'a> {
    focus: Focus<'a>,
}

impl<'a> CostChart<'a> {
    pub fn build(results: &'a Results) -> Option<Self> {
        let focus = Focus::of(results, |t| t.events.delivered > 0)?;
        Some(Self { focus })
    }
}

/// A bar of `value`, or none, labelled "not measured", where there is no value: a zero
/// bar would read as the cheapest.
fn bar(value: Option<f64>, fill: Fill) -> Bar {
    match value {
        Some(value) => Bar {
            segments: vec![Segment { value, fill }],
            label: short_number(&value),
        },
        None => Bar::not_measured(),
    }
}

impl Chart for CostChart<'_> {
    fn name(&self) -> &str {
        "cost"
    }

    fn caption(&self) -> &'static str {
        "CPU time per 1,000 delivered events for the server and the load generator, and the \
         server's memory per connected client."
    }

    fn title(&self) -> String {
        format!("Server cost{}", self.focus.note)
    }

    fn size(&self) -> (u32, u32) {
        (1300, 600)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let grey = RGBColor(110, 110, 110);
        let legend = [
            LegendEntry::new("server", Swatch::Block(grey)),
            LegendEntry::new("load generator", Swatch::Block(super::light(grey))),
        ];
        let plot = frame(area, &self.title(), &legend)?;
        let panels = plot.split_evenly((1, 2));
        let slots = |bars: &dyn Fn(&TransportResult) -> Vec<Bar>| -> Vec<Slot> {
            self.focus
                .entries
                .iter()
                .map(|(t, label)| Slot {
                    name: label.clone(),
                    colour: colour(t.transport),
                    bars: bars(t),
                })
                .collect()
        };
        // Microseconds per event are milliseconds per 1,000 events: the same number.
        let cpu = slots(&|t| {
            vec![
                bar(t.cpu.server_us_per_event, Fill::Solid),
                bar(t.cpu.client_us_per_event, Fill::Light),
            ]
        });
        let cpu_axes = Axes {
            caption: Some("CPU time per 1,000 delivered events"),
            x_desc: "Transport",
            y_desc: "CPU time (ms per 1,000 events)",
        };
        draw_bars(&panels[0], &cpu, &cpu_axes)?;
        let rss = slots(&|t| {
            vec![bar(
                t.memory.server_rss_per_conn_bytes.map(|b| b / 1024.0),
                Fill::Solid,
            )]
        });
        let rss_axes = Axes {
            caption: Some("Server memory per connection (load generator's not recorded)"),
            x_desc: "Transport",
            y_desc: "RSS per connection (KiB)",
        };
        draw_bars(&panels[1], &rss, &rss_axes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_not_measured_is_no_bar_but_its_label() {
        assert_eq!(
            bar(None, Fill::Solid),
            Bar {
                segments: Vec::new(),
                label: "not measured".into()
            }
        );
        assert_eq!(
            bar(Some(0.0), Fill::Light).segments.len(),
            1,
            "a real 0 is drawn"
        );
    }
}
