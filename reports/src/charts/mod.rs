//! Charts drawn with plotters into SVG strings. Each function takes results as the analyses
//! produced them and draws them; none computes a figure of its own (the only arithmetic is
//! placing, scaling and labelling).
//!
//! Conventions: axes say their unit, legends sit outside the plotting area so they never hide
//! data, labels are measured with the embedded font ([`crate::text`]) and shortened or
//! wrapped to their room, and coordinates are integers, so the same input gives the same
//! bytes.

mod cascade;
mod frontier;
mod heatmap;
mod loss;
mod timeline;
mod tornado;
mod ttc;

pub use cascade::{cascade_timeline, CascadeRow};
pub use frontier::{frontier, FrontierPoint};
pub use heatmap::{compromise_heatmap, HeatCell};
pub use loss::{exceedance, forest, ExceedanceCurve, ForestRow};
pub use timeline::{outage_timeline, TimelineRow};
pub use tornado::{is_money, tornado};
pub use ttc::{ttc_cdf, TtcCurve};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::text::{self, FAMILY};

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    #[error("{chart}: nothing to draw ({why})")]
    Empty { chart: &'static str, why: String },
    #[error("{chart}: {message}")]
    Draw {
        chart: &'static str,
        message: String,
    },
}

/// The width every chart is drawn at; HTML scales it down to the page.
pub const WIDTH: u32 = 900;

/// A text style at a CSS pixel size. plotters writes `font-size` as its size divided by
/// 1.24, so the size handed to it is scaled up by the same factor.
pub(crate) fn font(px: f64) -> TextStyle<'static> {
    text::register();
    (FAMILY, px * 1.24).into_font().color(&INK)
}

pub(crate) fn bold(px: f64) -> TextStyle<'static> {
    text::register();
    (FAMILY, px * 1.24)
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK)
}

pub(crate) fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

pub(crate) const INK: RGBColor = RGBColor(31, 41, 55);
pub(crate) const MUTED: RGBColor = RGBColor(107, 114, 128);
pub(crate) const GRID: RGBColor = RGBColor(229, 231, 235);
pub(crate) const GRID_LIGHT: RGBColor = RGBColor(243, 244, 246);

/// Okabe–Ito and Tableau colours that stay apart for colour-blind readers, in order of use.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(127, 127, 127),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
    RGBColor(188, 189, 34),
];

pub(crate) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Turns any drawing error into a message.
pub(crate) trait OrMessage<T> {
    fn msg(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> OrMessage<T> for Result<T, E> {
    fn msg(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// Draws on a fresh SVG canvas and returns the document, with a `<title>` for screen readers
/// and a class naming the chart.
pub(crate) fn draw_svg(
    chart: &'static str,
    title: &str,
    size: (u32, u32),
    f: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<String, ChartError> {
    text::register();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE)
            .msg()
            .and_then(|_| f(&root))
            .and_then(|_| root.present().msg())
            .map_err(|message| ChartError::Draw { chart, message })?;
    }
    Ok(decorate(&out, chart, title))
}

/// Adds the class, accessible title and font family to plotters' `<svg>` element.
pub(crate) fn decorate(svg: &str, chart: &str, title: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else {
        return svg.to_string();
    };
    let head = &svg[start..end];
    let mut out = String::with_capacity(svg.len() + 200);
    out.push_str(head);
    out.push_str(&format!(
        r#" class="chart {chart}" role="img" font-family="{FAMILY}"><title>{}</title>"#,
        crate::html::escape(title)
    ));
    out.push_str(&svg[end + 1..]);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The chart's title, left-aligned above the plot.
pub(crate) fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    subtitle: &str,
) -> Result<(), String> {
    let (w, _) = area.dim_in_pixel();
    let max = f64::from(w) - 24.0;
    area.draw(&Text::new(
        text::fit(title, 16.0, true, max),
        (12, 10),
        anchored(bold(16.0), HPos::Left, VPos::Top),
    ))
    .msg()?;
    if !subtitle.is_empty() {
        area.draw(&Text::new(
            text::fit(subtitle, 12.0, false, max),
            (12, 32),
            anchored(font(12.0).color(&MUTED), HPos::Left, VPos::Top),
        ))
        .msg()?;
    }
    Ok(())
}

/// The height taken by [`draw_title`].
pub(crate) const TITLE_H: u32 = 54;

/// Tick label for a money axis.
pub(crate) fn eur_tick(v: f64) -> String {
    crate::fmt::eur_short(v)
}

/// Tick label for a logarithmic axis: only powers of ten are labelled, so labels never
/// crowd each other.
pub(crate) fn is_power_of_ten(v: f64) -> bool {
    v > 0.0 && (v.log10() - v.log10().round()).abs() < 1e-9
}

/// Tick label for a probability axis.
pub(crate) fn pct_tick(v: f64) -> String {
    let x = 100.0 * v;
    if x >= 1.0 || x == 0.0 {
        format!("{} %", crate::fmt::num(x, 0))
    } else if x >= 0.1 {
        format!("{} %", crate::fmt::num(x, 1))
    } else if x >= 0.01 {
        format!("{} %", crate::fmt::num(x, 2))
    } else {
        format!("{} %", crate::fmt::num(x, 4))
    }
}

/// The range `lo..hi` widened by 8 % on each side, and to a visible width when it has none
/// (a variant that changes nothing, a parameter that moves nothing).
pub(crate) fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = hi - lo;
    let pad = if span > 1e-9 * hi.abs().max(lo.abs()).max(1e-300) {
        span * 0.08
    } else {
        hi.abs().max(lo.abs()).max(1.0) * 0.1
    };
    (lo - pad, hi + pad)
}

/// A "nice" upper bound for a linear axis: 1, 2 or 5 times a power of ten.
pub(crate) fn nice_ceiling(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * p >= x * (1.0 - 1e-12) {
            return m * p;
        }
    }
    10.0 * p
}

/// Writes row labels left of a plotting area whose y axis runs from 0 (bottom) to
/// `labels.len()` (top), one row per label, top-down.
pub(crate) fn draw_row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    plot_px: (std::ops::Range<i32>, std::ops::Range<i32>),
    labels: &[String],
) -> Result<(), String> {
    let (xs, ys) = plot_px;
    let n = labels.len().max(1) as f64;
    let h = f64::from(ys.end - ys.start);
    for (k, l) in labels.iter().enumerate() {
        let y = f64::from(ys.start) + (k as f64 + 0.5) * h / n;
        root.draw(&Text::new(
            l.clone(),
            (xs.start - 8, y.round() as i32),
            anchored(font(12.0), HPos::Right, VPos::Center),
        ))
        .msg()?;
    }
    Ok(())
}

/// The width of a row-label column for `labels` (at 12 px, between 100 and 300 px plus a
/// margin) and the labels shortened to fit it.
pub(crate) fn fit_row_labels(labels: &[String]) -> (u32, Vec<String>) {
    let width = labels
        .iter()
        .map(|l| text::width(l, 12.0, false))
        .fold(100.0, f64::max)
        .min(300.0)
        .ceil() as u32
        + 16;
    let fitted = labels
        .iter()
        .map(|l| text::fit(l, 12.0, false, f64::from(width - 16)))
        .collect();
    (width, fitted)
}

/// The y value of the centre of row `k` (top-down) of `n`.
pub(crate) fn row_centre(k: usize, n: usize) -> f64 {
    n as f64 - k as f64 - 0.5
}

/// A legend entry drawn in a panel of its own beside a chart.
pub(crate) struct LegendEntry {
    pub colour: RGBColor,
    pub label: String,
    pub note: String,
    pub dashed: bool,
}

/// Draws legend entries top-down in `area`; labels wrap to the panel's width.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    heading: &str,
    entries: &[LegendEntry],
) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    let text_x = 30;
    let max = f64::from(w) - f64::from(text_x) - 6.0;
    let mut y = 4i32;
    if !heading.is_empty() {
        area.draw(&Text::new(
            text::fit(heading, 12.0, true, f64::from(w) - 8.0),
            (4, y),
            anchored(bold(12.0), HPos::Left, VPos::Top),
        ))
        .msg()?;
        y += 20;
    }
    for e in entries {
        let lines = text::wrap(&e.label, 12.0, max);
        let needed = 15 * lines.len() as i32 + if e.note.is_empty() { 0 } else { 14 } + 8;
        if y + needed > h as i32 {
            break;
        }
        let style = ShapeStyle::from(&e.colour).stroke_width(3);
        if e.dashed {
            for k in 0..3 {
                area.draw(&PathElement::new(
                    vec![(4 + 8 * k, y + 7), (9 + 8 * k, y + 7)],
                    style,
                ))
                .msg()?;
            }
        } else {
            area.draw(&PathElement::new(vec![(4, y + 7), (24, y + 7)], style))
                .msg()?;
        }
        for line in &lines {
            area.draw(&Text::new(
                line.clone(),
                (text_x, y),
                anchored(font(12.0), HPos::Left, VPos::Top),
            ))
            .msg()?;
            y += 15;
        }
        if !e.note.is_empty() {
            area.draw(&Text::new(
                text::fit(&e.note, 11.0, false, max),
                (text_x, y),
                anchored(font(11.0).color(&MUTED), HPos::Left, VPos::Top),
            ))
            .msg()?;
            y += 14;
        }
        y += 8;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    /// Counts the drawn elements of an SVG (paths, lines, rectangles, polygons, circles,
    /// text): what the browser test checks as "non-empty".
    pub fn n_marks(svg: &str) -> usize {
        [
            "<path",
            "<polyline",
            "<line",
            "<rect",
            "<polygon",
            "<circle",
            "<text",
        ]
        .iter()
        .map(|t| svg.matches(t).count())
        .sum()
    }

    /// Whether the SVG draws `label` as a text element (plotters writes the text on a line
    /// of its own; the graph drawing inline).
    pub fn has_text(svg: &str, label: &str) -> bool {
        let l = crate::html::escape(label);
        svg.contains(&format!("\n{l}\n</text>")) || svg.contains(&format!(">{l}</text>"))
    }

    #[test]
    fn empty_ranges_get_a_width() {
        use super::padded;
        assert_eq!(padded(0.0, 0.0), (-0.1, 0.1));
        let (a, b) = padded(-2.0, 2.0);
        assert!((a + 2.32).abs() < 1e-12 && (b - 2.32).abs() < 1e-12);
        let (a, b) = padded(5e6, 5e6);
        assert!(a < 5e6 && b > 5e6 && b - a > 1e5);
    }

    #[test]
    fn nice_ceilings() {
        use super::nice_ceiling;
        assert_eq!(nice_ceiling(0.93), 1.0);
        assert_eq!(nice_ceiling(0.13), 0.2);
        assert_eq!(nice_ceiling(0.21), 0.25);
        assert_eq!(nice_ceiling(3.1e6), 5e6);
        assert_eq!(nice_ceiling(0.0), 1.0);
    }
}
