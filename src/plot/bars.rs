//! Bar panels shared by the bytes and cost charts: one slot per transport, holding one or
//! more bars side by side, each a stack of segments, with its total written above it.

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{short_number, zero_range};
pub use super::frame::Fill;
use super::frame::fill_rect;
use super::{DrawError, GRID, axis_font, label_font};

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub value: f64,
    pub fill: Fill,
}

/// One bar: segments stacked from the bottom, `label` written above it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub segments: Vec<Segment>,
    pub label: String,
}

impl Bar {
    /// No bar drawn, only the label where it would stand.
    pub fn not_measured() -> Self {
        Self {
            segments: Vec::new(),
            label: "not measured".into(),
        }
    }

    fn total(&self) -> f64 {
        self.segments.iter().map(|s| s.value.max(0.0)).sum()
    }
}

/// A transport's slot on the x axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub name: String,
    pub colour: RGBColor,
    pub bars: Vec<Bar>,
}

/// Axis texts and an optional panel caption.
pub struct Axes<'a> {
    pub caption: Option<&'a str>,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
}

/// Share of a slot's width the bars take; the rest is the gap between transports.
const FILL_SHARE: f64 = 0.6;

pub fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    slots: &[Slot],
    axes: &Axes,
) -> Result<(), DrawError> {
    let y = zero_range(slots.iter().flat_map(|s| s.bars.iter().map(Bar::total)));
    // Extra room above the tallest bar for its label.
    let y = y.start..y.end * 1.08;
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(15)
        .x_label_area_size(55)
        .y_label_area_size(80);
    if let Some(caption) = axes.caption {
        builder.caption(caption, axis_font());
    }
    // Integer ranges are inclusive in plotters: 0..n-1 makes n slots.
    let last = slots.len().saturating_sub(1) as u32;
    let mut chart = builder.build_cartesian_2d((0..last).into_segmented(), y)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => slots
                .get(*i as usize)
                .map_or(String::new(), |s| s.name.clone()),
            _ => String::new(),
        })
        .y_label_formatter(&short_number)
        .label_style(label_font())
        .axis_desc_style(axis_font())
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;
    let plot = chart.plotting_area().strip_coord_spec();
    let base = plot.get_base_pixel();
    // Slot `x` spans from its own edge to the next slot's edge (`Last` after the last).
    let to_plot = |x: u32, y: f64| {
        let edge = if x > last {
            SegmentValue::Last
        } else {
            SegmentValue::Exact(x)
        };
        let (px, py) = chart.backend_coord(&(edge, y));
        (px - base.0, py - base.1)
    };
    for (i, slot) in slots.iter().enumerate() {
        let (left, _) = to_plot(i as u32, 0.0);
        let (right, _) = to_plot(i as u32 + 1, 0.0);
        let width = f64::from(right - left);
        let bars_width = width * FILL_SHARE;
        let bar_width = bars_width / slot.bars.len().max(1) as f64;
        let start = f64::from(left) + (width - bars_width) / 2.0;
        for (j, bar) in slot.bars.iter().enumerate() {
            let x0 = (start + bar_width * j as f64).round() as i32;
            let x1 = (start + bar_width * (j + 1) as f64).round() as i32 - 2;
            let mut bottom = 0.0;
            for segment in &bar.segments {
                let top = bottom + segment.value.max(0.0);
                let (_, y0) = to_plot(0, bottom);
                let (_, y1) = to_plot(0, top);
                let rect = [(x0, y1), (x1, y0)];
                fill_rect(&plot, rect, slot.colour, segment.fill)?;
                bottom = top;
            }
            let (_, y_top) = to_plot(0, bottom);
            plot.draw_text(
                &bar.label,
                &label_font().pos(Pos::new(HPos::Center, VPos::Bottom)),
                ((x0 + x1) / 2, y_top - 4),
            )?;
        }
    }
    Ok(())
}
