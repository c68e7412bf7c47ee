//! The PNG backend: plotters' `BitMapBackend` with text drawn from the embedded font.
//!
//! plotters 0.3.7's `ab_glyph` text drawing places each glyph without its left side
//! bearing, which spaces letters unevenly ("Lat ency"). This wrapper delegates every shape
//! to `BitMapBackend` and lays text out itself: advances and kerning exactly as plotters
//! measures them (so label areas still fit), each glyph at its true bounds, capitals
//! centred in the box plotters reserved.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use plotters::backend::BitMapBackend;
use plotters::prelude::{DrawingBackend, IntoDrawingArea};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::{Chart, DrawError, draw_on};

/// `chart` drawn at `size` and encoded as PNG, in memory (as plotters would have written
/// it to a file: RGB, the image crate's default compression and filter).
pub fn draw<C: Chart>(
    chart: &C,
    (width, height): (u32, u32),
    font: FontRef<'static>,
) -> Result<Vec<u8>, DrawError> {
    let mut pixels = vec![0; width as usize * height as usize * 3];
    let bitmap = BitMapBackend::with_buffer_and_format(&mut pixels, (width, height))
        .map_err(|e| DrawError(e.to_string()))?;
    draw_on(chart, PngBackend::new(bitmap, font).into_drawing_area())?;
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(&pixels, width, height, image::ColorType::Rgb8)
        .map_err(|e| DrawError(e.to_string()))?;
    Ok(bytes)
}

pub struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> PngBackend<'a> {
    pub fn new(inner: BitMapBackend<'a>, font: FontRef<'static>) -> Self {
        Self { inner, font }
    }
}

impl<'a> DrawingBackend for PngBackend<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    /// Thick lines as one quad per segment with round joins: plotters' polygonised
    /// thick paths notch where nearly collinear segments meet.
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        let width = style.stroke_width();
        if width <= 1 || style.color().alpha == 0.0 {
            return self.inner.draw_path(path, style);
        }
        let color = style.color();
        let half = f64::from(width) / 2.0;
        let points: Vec<BackendCoord> = path.into_iter().collect();
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
            let length = dx.hypot(dy);
            if length == 0.0 {
                continue;
            }
            let (nx, ny) = (-dy / length * half, dx / length * half);
            let at = |p: BackendCoord, sign: f64| {
                (
                    (f64::from(p.0) + sign * nx).round() as i32,
                    (f64::from(p.1) + sign * ny).round() as i32,
                )
            };
            self.inner
                .fill_polygon([at(a, 1.0), at(b, 1.0), at(b, -1.0), at(a, -1.0)], &color)?;
        }
        if points.len() > 2 {
            for joint in &points[1..points.len() - 1] {
                self.inner.draw_circle(*joint, width / 2, &color, true)?;
            }
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (width, height) = self.estimate_text_size(text, style)?;
        let (width, height) = (width as f32, height as f32);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let scaled = self.font.as_scaled(PxScale::from(style.size() as f32));
        let cap_height = scaled
            .outline_glyph(scaled.scaled_glyph('H'))
            .map_or(height, |g| g.px_bounds().height());
        let baseline = dy + (height + cap_height) / 2.0;
        let transform = style.transform();
        let mut caret = dx;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                caret += scaled.kern(previous, id);
            }
            previous = Some(id);
            let glyph = id.with_scale_and_position(scaled.scale(), point(caret, baseline));
            caret += scaled.h_advance(id);
            let Some(outline) = scaled.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|x, y, coverage| pixels.push((x, y, coverage)));
            for (x, y, coverage) in pixels {
                let (x, y) = (
                    bounds.min.x as i32 + x as i32,
                    bounds.min.y as i32 + y as i32,
                );
                let (x, y) = transform.transform(x, y);
                let color = BackendColor {
                    alpha: color.alpha * f64::from(coverage),
                    rgb: color.rgb,
                };
                self.inner.draw_pixel((pos.0 + x, pos.1 + y), color)?;
            }
        }
        Ok(())
    }
}
