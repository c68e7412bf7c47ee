//! Charts: one file per chart, each drawn once, generically, for both the SVG and the PNG
//! backend. This module holds what they share: the context, the palette, sizes, the
//! embedded font and the registry.
//!
//! For a sweep, the single-run charts (latency, bytes, cost, timeline) show the largest
//! swept value, where transports differ most; the sweep chart shows every point.

mod axis;
mod bars;
mod bytes;
mod cost;
mod frame;
mod frontier;
mod latency;
mod png;
mod sweep;
mod timeline;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ab_glyph::FontRef;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::results::{Results, TransportResult};
use crate::transport_kind::Transport;

/// House chart size in pixels; charts with several panels ask for more.
pub const SIZE: (u32, u32) = (1000, 600);

/// The font family every chart uses; the embedded font is registered under this name.
pub const FONT: &str = "sans-serif";
pub const TITLE_SIZE: u32 = 24;
pub const LABEL_SIZE: u32 = 15;
pub const AXIS_SIZE: u32 = 17;

/// DejaVu Sans, compiled in so that PNGs render with no system fonts (no fontconfig).
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_PATH: &str = "assets/fonts/DejaVuSans.ttf";

/// Where and how large one chart is drawn: `dir/stem.svg` and `dir/stem.png`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotContext {
    pub dir: PathBuf,
    pub stem: String,
    pub width: u32,
    pub height: u32,
}

impl PlotContext {
    pub fn svg_path(&self) -> PathBuf {
        self.dir.join(format!("{}.svg", self.stem))
    }

    pub fn png_path(&self) -> PathBuf {
        self.dir.join(format!("{}.png", self.stem))
    }
}

/// A chart that could not be drawn or written, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("cannot create the chart directory {path}: {error}")]
    CreateDir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot draw {path}: {message}")]
    Draw { path: PathBuf, message: String },
    #[error("the embedded chart font {path} could not be loaded")]
    Font { path: &'static str },
    #[error(transparent)]
    Write(#[from] crate::files::WriteError),
}

/// Why drawing failed, before it is tied to a file.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        Self(e.to_string())
    }
}

/// One chart: a name for its files, a title, and how to draw it on any backend.
pub trait Chart {
    /// File stem: `latency` gives `latency.svg` and `latency.png`.
    fn name(&self) -> &str;
    /// Drawn at the top of the chart, and the report's heading for it.
    fn title(&self) -> String;
    /// How to read it, under it in the report.
    fn caption(&self) -> &'static str;
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError>;
}

/// A chart written to disk, for the report to link or inline.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedChart {
    pub name: String,
    pub title: String,
    pub caption: &'static str,
    pub svg: PathBuf,
    pub png: PathBuf,
}

type Render = fn(&Results, &Path) -> Result<Option<RenderedChart>, PlotError>;

/// The charts, in report order, each with its file stem. A new chart is one file and one
/// line here; a chart whose data the results lack (a sweep chart for a single run) builds
/// to `None`.
const REGISTRY: &[(&str, Render)] = &[
    ("latency", |r, dir| {
        render(latency::LatencyChart::build(r), dir)
    }),
    ("bytes", |r, dir| render(bytes::BytesChart::build(r), dir)),
    ("cost", |r, dir| render(cost::CostChart::build(r), dir)),
    ("frontier", |r, dir| {
        render(frontier::FrontierChart::build(r), dir)
    }),
    ("timeline", |r, dir| {
        render(timeline::TimelineChart::build(r), dir)
    }),
    ("sweep", |r, dir| render(sweep::SweepChart::build(r), dir)),
];

/// Every chart's file stem, for cleaning a results directory of wsbench's own files.
pub fn chart_names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|(name, _)| *name)
}

/// Draws every chart the results have data for into `dir`, as SVG and PNG.
pub fn render_charts(results: &Results, dir: &Path) -> Result<Vec<RenderedChart>, PlotError> {
    font()?;
    std::fs::create_dir_all(dir).map_err(|error| PlotError::CreateDir {
        path: dir.to_owned(),
        error,
    })?;
    let mut charts = Vec::new();
    for (name, render) in REGISTRY {
        let chart = render(results, dir)?;
        debug_assert!(chart.as_ref().is_none_or(|c| c.name == *name), "{name}");
        charts.extend(chart);
    }
    Ok(charts)
}

/// Draws every chart into `dir` and returns the files written (SVG then PNG, per chart).
pub fn render_all(results: &Results, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    Ok(render_charts(results, dir)?
        .into_iter()
        .flat_map(|c| [c.svg, c.png])
        .collect())
}

fn render<C: Chart>(chart: Option<C>, dir: &Path) -> Result<Option<RenderedChart>, PlotError> {
    let Some(chart) = chart else { return Ok(None) };
    let (width, height) = chart.size();
    let ctx = PlotContext {
        dir: dir.to_owned(),
        stem: chart.name().to_owned(),
        width,
        height,
    };
    // Drawn in memory, then written whole: a full disk leaves no half chart behind.
    let svg = ctx.svg_path();
    let mut text = String::new();
    draw_on(
        &chart,
        SVGBackend::with_string(&mut text, (width, height)).into_drawing_area(),
    )
    .map_err(|DrawError(message)| PlotError::Draw {
        path: svg.clone(),
        message,
    })?;
    crate::files::write(&svg, text.as_bytes())?;
    let png = ctx.png_path();
    let bytes = png::draw(&chart, (width, height), font()?).map_err(|DrawError(message)| {
        PlotError::Draw {
            path: png.clone(),
            message,
        }
    })?;
    crate::files::write(&png, &bytes)?;
    Ok(Some(RenderedChart {
        name: ctx.stem,
        title: chart.title(),
        caption: chart.caption(),
        svg,
        png,
    }))
}

fn draw_on<C: Chart, DB: DrawingBackend>(
    chart: &C,
    area: DrawingArea<DB, Shift>,
) -> Result<(), DrawError> {
    area.fill(&WHITE)?;
    chart.draw(&area)?;
    // Present explicitly: a backend dropped unpresented swallows its write error.
    area.present()?;
    Ok(())
}

/// `chart` drawn as SVG, for tests that read what was drawn.
#[cfg(test)]
pub fn svg_of<C: Chart>(chart: &C) -> String {
    font().expect("the embedded font");
    let (width, height) = chart.size();
    let mut text = String::new();
    draw_on(
        chart,
        SVGBackend::with_string(&mut text, (width, height)).into_drawing_area(),
    )
    .expect("the chart draws");
    text
}

/// The embedded font, registered with plotters (which measures text with it) once per
/// process, and handed to the PNG backend (which draws text with it).
fn font() -> Result<FontRef<'static>, PlotError> {
    static FONT_REF: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT_REF
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, FONT_BYTES).ok()?;
            FontRef::try_from_slice(FONT_BYTES).ok()
        })
        .clone()
        .ok_or(PlotError::Font { path: FONT_PATH })
}

/// What a single-run chart draws: the headline entries (see `analysis::focus`), each with
/// the name it is shown under, and what its title adds for a sweep.
pub struct Focus<'a> {
    pub entries: Vec<(&'a TransportResult, String)>,
    pub note: String,
}

impl<'a> Focus<'a> {
    /// The headline entries that `keep` accepts; `None` when there are none.
    pub fn of(results: &'a Results, keep: impl Fn(&TransportResult) -> bool) -> Option<Self> {
        let cores = results.machine.cores;
        let entries: Vec<_> = crate::analysis::focus(results)
            .into_iter()
            .filter(|t| keep(t))
            .map(|t| {
                // A saturated entry stays on the chart (hiding it would hide the problem),
                // flagged in its name; the report says why.
                let flag = if crate::analysis::saturation(t, cores).is_empty() {
                    ""
                } else {
                    " (saturated)"
                };
                (t, format!("{}{flag}", t.transport))
            })
            .collect();
        (!entries.is_empty()).then(|| Self {
            entries,
            note: crate::analysis::focus_note(results),
        })
    }

    /// The colours of the transports shown, in their order.
    pub fn colours(&self) -> Vec<RGBColor> {
        self.results().map(|t| colour(t.transport)).collect()
    }

    pub fn results(&self) -> impl Iterator<Item = &'a TransportResult> + '_ {
        self.entries.iter().map(|(t, _)| *t)
    }
}

/// One fixed colour per transport, the transport's own (from the Okabe–Ito palette, safe
/// for the common forms of colour blindness), the same on every chart.
pub fn colour(transport: Transport) -> RGBColor {
    let (r, g, b) = transport.kind().colour();
    RGBColor(r, g, b)
}

/// A transport's colour washed towards white, for the second series of a pair.
pub fn light(colour: RGBColor) -> RGBColor {
    let wash = |c: u8| c + ((255 - c) as f64 * 0.55) as u8;
    RGBColor(wash(colour.0), wash(colour.1), wash(colour.2))
}

pub fn title_font() -> TextStyle<'static> {
    (FONT, TITLE_SIZE).into_font().into()
}

pub fn label_font() -> TextStyle<'static> {
    (FONT, LABEL_SIZE).into_font().into()
}

pub fn axis_font() -> TextStyle<'static> {
    (FONT, AXIS_SIZE).into_font().into()
}

pub const GRID: RGBColor = RGBColor(225, 225, 225);
pub const FAINT_GRID: RGBColor = RGBColor(243, 243, 243);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transport_has_its_own_colour() {
        let colours: Vec<_> = Transport::all().iter().map(|&t| colour(t)).collect();
        for (i, c) in colours.iter().enumerate() {
            assert!(!colours[..i].contains(c), "{c:?} used twice");
        }
        assert_eq!(light(RGBColor(0, 0, 0)), RGBColor(140, 140, 140));
    }

    #[test]
    fn the_embedded_font_registers() {
        assert!(font().is_ok());
    }
}
