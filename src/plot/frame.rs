//! The frame every chart shares: a title across the top and a legend in a column on the
//! right, outside the plot so it never hides a line.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawError, label_font, light, title_font};

/// How a segment is filled, from the slot's transport colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fill {
    Solid,
    Light,
    /// An estimate rather than a measurement.
    Hatched,
}

/// How a legend entry's swatch is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    Line(RGBColor),
    Block(RGBColor),
    /// A series of bars drawn in each transport's colour: a block of one stripe a colour,
    /// each filled as the bars are, so the legend matches the bars it names.
    Bars(Fill, Vec<RGBColor>),
    /// The marker of a point that is not a measurement.
    Cross(RGBColor),
    /// No swatch: the entry continues the one above.
    Blank,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        Self {
            label: label.into(),
            swatch,
        }
    }
}

const SWATCH_WIDTH: i32 = 26;
const ROW_HEIGHT: i32 = 26;

/// Draws the title and legend; returns the area left for the plot itself.
pub fn frame<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, DrawError> {
    let body = area.titled(title, title_font())?;
    if legend.is_empty() {
        return Ok(body);
    }
    let font = label_font();
    let mut text_width = 0;
    for entry in legend {
        text_width = text_width.max(body.estimate_text_size(&entry.label, &font)?.0);
    }
    let legend_width = text_width as i32 + SWATCH_WIDTH + 40;
    let (plot, side) = body.split_horizontally(body.dim_in_pixel().0 as i32 - legend_width);
    let top = 30;
    for (i, entry) in legend.iter().enumerate() {
        let y = top + i as i32 * ROW_HEIGHT;
        draw_swatch(&side, &entry.swatch, (4, y))?;
        side.draw_text(
            &entry.label,
            &font.pos(Pos::new(HPos::Left, VPos::Center)),
            (SWATCH_WIDTH + 12, y),
        )?;
    }
    Ok(plot)
}

/// A swatch centred vertically on `y`, starting at `x`.
fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: &Swatch,
    (x, y): (i32, i32),
) -> Result<(), DrawError> {
    let (left, right) = (x, x + SWATCH_WIDTH);
    let block = [(left, y - 8), (right, y + 8)];
    match swatch {
        Swatch::Line(c) => area.draw(&PathElement::new(
            vec![(left, y), (right, y)],
            c.stroke_width(3),
        ))?,
        Swatch::Block(c) => area.draw(&Rectangle::new(block, c.filled()))?,
        Swatch::Bars(fill, colours) => {
            let n = colours.len().max(1) as i32;
            for (i, c) in (0..).zip(colours) {
                let stripe = [
                    (left + SWATCH_WIDTH * i / n, y - 8),
                    (left + SWATCH_WIDTH * (i + 1) / n, y + 8),
                ];
                fill_rect(area, stripe, *c, *fill)?;
            }
        }
        Swatch::Cross(c) => {
            area.draw(&Cross::new((x + SWATCH_WIDTH / 2, y), 7, c.stroke_width(3)))?
        }
        Swatch::Blank => {}
    }
    Ok(())
}

/// A pixel rectangle in `colour`, filled as `fill` says: the bars' fill and their
/// legend's.
pub fn fill_rect<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rect: [(i32, i32); 2],
    colour: RGBColor,
    fill: Fill,
) -> Result<(), DrawError> {
    match fill {
        Fill::Solid => area.draw(&Rectangle::new(rect, colour.filled()))?,
        Fill::Light => area.draw(&Rectangle::new(rect, light(colour).filled()))?,
        Fill::Hatched => hatch(area, rect, colour)?,
    }
    Ok(())
}

/// Fills a pixel rectangle with the colour's wash and diagonal lines of the colour: the
/// mark for an estimate rather than a measurement.
pub fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    [(x0, y0), (x1, y1)]: [(i32, i32); 2],
    colour: RGBColor,
) -> Result<(), DrawError> {
    let (x0, x1) = (x0.min(x1), x0.max(x1));
    let (y0, y1) = (y0.min(y1), y0.max(y1));
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        light(colour).filled(),
    ))?;
    // Lines rising at 45°, every 7 px: u − v = c in coordinates from the bottom-left
    // corner (u right, v up), each clipped to the rectangle.
    let (w, h) = (x1 - x0, y1 - y0);
    for c in (-h..w).step_by(7) {
        let (v_start, v_end) = ((-c).max(0), h.min(w - c));
        let at = |v: i32| (x0 + v + c, y1 - v);
        area.draw(&PathElement::new(
            vec![at(v_start), at(v_end)],
            colour.stroke_width(1),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        colour.stroke_width(1),
    ))?;
    Ok(())
}
