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
        let swatch = |fill| Swatch::Bars(fill, self.focus.colours());
        let legend = [
            LegendEntry::new("server", swatch(Fill::Solid)),
            LegendEntry::new("load generator", swatch(Fill::Light)),
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

#[cfg(test)]
mod legend_tests {
    use super::*;
    use crate::transport_kind::Transport;

    /// `(x, fill)` of each rectangle of the SVG as high as a legend swatch.
    fn swatches(svg: &str) -> Vec<(u32, String)> {
        let attr = |line: &str, name: &str| {
            let from = line.find(&format!(" {name}=\""))? + name.len() + 3;
            Some(line[from..from + line[from..].find('"')?].to_string())
        };
        svg.lines()
            .filter(|l| l.starts_with("<rect") && attr(l, "height").as_deref() == Some("16"))
            .filter_map(|l| Some((attr(l, "x")?.parse().ok()?, attr(l, "fill")?)))
            .collect()
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    #[test]
    fn legend_swatches_are_the_bars_colours_as_the_bars_are_filled() {
        crate::transport::install();
        let mut results = crate::export::fixture::results();
        let mut sse = results.transports[0].clone();
        sse.transport = Transport::named("sse").unwrap();
        // The fixture's other entries delivered nothing: not on this chart.
        results.transports.truncate(1);
        results.transports.push(sse);
        let chart = CostChart::build(&results).unwrap();
        let [ws, sse] = [
            results.transports[0].transport,
            Transport::named("sse").unwrap(),
        ]
        .map(colour);
        let legend: Vec<_> = swatches(&super::super::svg_of(&chart))
            .into_iter()
            // The legend is the column on the right.
            .filter(|(x, _)| *x > chart.size().0 - 200)
            .map(|(_, fill)| fill)
            .collect();
        let light = super::super::light;
        assert_eq!(
            legend,
            [ws, sse, light(ws), light(sse)].map(hex),
            "server solid, then load generator light, a stripe per transport"
        );
    }
}
