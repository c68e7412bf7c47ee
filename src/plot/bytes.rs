//! Chart 2: bytes per delivered event, one stacked bar per transport: the event's own
//! JSON, the protocol's overhead (HTTP headers, SSE fields, WebSocket frames), and the
//! estimated TCP/IP headers and ACKs on top, hatched because they are estimated.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{Axes, Bar, Fill, Segment, Slot, draw_bars};
use super::frame::{LegendEntry, Swatch, frame};
use super::{Chart, DrawError, Focus, colour};
use crate::results::{Results, TransportResult};

pub struct BytesChart<'a> {
    focus: Focus<'a>,
}

impl<'a> BytesChart<'a> {
    pub fn build(results: &'a Results) -> Option<Self> {
        let focus = Focus::of(results, |t| t.bytes.per_event.is_some())?;
        Some(Self { focus })
    }
}

/// The layers of one event's bytes: payload, protocol overhead, and the TCP/IP estimate
/// when the segments were measured; `None` when no event was received to divide by.
pub fn layers(t: &TransportResult) -> Option<(f64, f64, Option<f64>)> {
    let (per_event, payload) = (t.bytes.per_event?, t.bytes.payload_per_event?);
    let protocol = (per_event - payload).max(0.0);
    let tcp_ip = t
        .tcp
        .wire_per_event_estimate
        .map(|wire| (wire - per_event).max(0.0));
    Some((payload, protocol, tcp_ip))
}

impl Chart for BytesChart<'_> {
    fn name(&self) -> &str {
        "bytes"
    }

    fn caption(&self) -> &'static str {
        "What one delivered event costs in bytes: the event's JSON (solid), the protocol's \
         headers and framing (light), and the estimated TCP/IP headers and ACKs (hatched)."
    }

    fn title(&self) -> String {
        format!("Bytes per delivered event{}", self.focus.note)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let swatch = |fill| Swatch::Bars(fill, self.focus.colours());
        let legend = [
            LegendEntry::new("payload (event JSON)", swatch(Fill::Solid)),
            LegendEntry::new("HTTP / SSE / WS overhead", swatch(Fill::Light)),
            LegendEntry::new("TCP/IP headers + ACKs", swatch(Fill::Hatched)),
            LegendEntry::new("(estimated)", Swatch::Blank),
        ];
        let plot = frame(area, &self.title(), &legend)?;
        let slots: Vec<_> = self
            .focus
            .entries
            .iter()
            .filter_map(|(t, label)| {
                let (payload, protocol, tcp_ip) = layers(t)?;
                let socket = payload + protocol;
                let mut segments = vec![
                    Segment {
                        value: payload,
                        fill: Fill::Solid,
                    },
                    Segment {
                        value: protocol,
                        fill: Fill::Light,
                    },
                ];
                segments.extend(tcp_ip.map(|value| Segment {
                    value,
                    fill: Fill::Hatched,
                }));
                let tcp_ip = tcp_ip.map_or("TCP/IP not measured".into(), |v| format!("+{v:.0}"));
                Some(Slot {
                    name: label.clone(),
                    colour: colour(t.transport),
                    bars: vec![Bar {
                        segments,
                        label: format!("{socket:.0} B ({tcp_ip})"),
                    }],
                })
            })
            .collect();
        let axes = Axes {
            caption: None,
            x_desc: "Transport (label: bytes at the socket, + TCP/IP estimate)",
            y_desc: "Bytes per delivered event (B)",
        };
        draw_bars(&plot, &slots, &axes)
    }
}
