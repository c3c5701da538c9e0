//! Money charts: the loss exceedance curve and the forest of variants' loss differences.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, colour, draw_legend, draw_svg, draw_title, eur_tick, font, is_power_of_ten, pct_tick,
    ChartError, LegendEntry, OrMessage, GRID, GRID_LIGHT, MUTED, TITLE_H, WIDTH,
};
use crate::fmt;

/// One loss exceedance curve, as the simulator gives it.
pub struct ExceedanceCurve<'a> {
    pub label: String,
    /// `[loss_eur, P(loss > loss_eur)]`.
    pub points: &'a [[f64; 2]],
    /// Value-at-risk markers to draw: `(label, loss_eur)`.
    pub markers: Vec<(String, f64)>,
}

/// The loss exceedance curve on log–log axes: how likely a loss above each amount is within
/// the horizon. Several curves (a baseline and its variants) share the axes.
pub fn exceedance(
    title: &str,
    subtitle: &str,
    horizon: &str,
    curves: &[ExceedanceCurve<'_>],
) -> Result<String, ChartError> {
    const CHART: &str = "exceedance";
    let pts: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|c| {
            c.points
                .iter()
                .filter(|p| p[0] > 0.0 && p[1] > 0.0 && p[0].is_finite() && p[1].is_finite())
                .map(|p| (p[0], p[1]))
                .collect()
        })
        .collect();
    let all = || pts.iter().flatten();
    if all().next().is_none() {
        return Err(ChartError::Empty {
            chart: CHART,
            why: "no trial had a loss".into(),
        });
    }
    let x_lo = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_hi = all().map(|p| p.0).fold(0.0, f64::max);
    let y_lo = all().map(|p| p.1).fold(1.0, f64::min);
    // Whole decades, so that the labelled ticks are powers of ten at both ends.
    let x0 = 10f64.powf(x_lo.log10().floor());
    let x1 = 10f64.powf(x_hi.log10().ceil()).max(x0 * 10.0);
    let y0 = 10f64.powf(y_lo.log10().floor()).min(0.1);
    let legend_w = if curves.len() > 1 { 230 } else { 0 };
    let height = 460;
    draw_svg(CHART, title, (WIDTH, height), |root| {
        draw_title(root, title, subtitle)?;
        let body = root.margin(TITLE_H, 0, 0, 0);
        let (plot, legend) = body.split_horizontally(WIDTH - legend_w);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..1.0).log_scale())
            .msg()?;
        let x_fmt = |v: &f64| {
            if is_power_of_ten(*v) {
                eur_tick(*v)
            } else {
                String::new()
            }
        };
        let y_fmt = |v: &f64| {
            if is_power_of_ten(*v) {
                pct_tick(*v)
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_labels(12)
            .y_labels(12)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(format!("loss within {horizon} (EUR, log scale)"))
            .y_desc("P(loss > x) (log scale)")
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .draw()
            .msg()?;
        // With several curves the first is the baseline: black, and drawn last so that a
        // variant that changes nothing cannot hide it.
        let multi = curves.len() > 1;
        let colour_of = |i: usize| match (multi, i) {
            (true, 0) => super::INK,
            (true, i) => colour(i - 1),
            (false, i) => colour(i),
        };
        for (i, (c, p)) in curves.iter().zip(&pts).enumerate().rev() {
            let style = ShapeStyle::from(&colour_of(i)).stroke_width(2);
            chart
                .draw_series(LineSeries::new(p.iter().copied(), style))
                .msg()?;
            for (k, (label, x)) in c.markers.iter().enumerate() {
                if !(*x > x0 && *x < x1) {
                    continue;
                }
                let dash = ShapeStyle::from(&MUTED).stroke_width(1);
                chart
                    .draw_series(DashedLineSeries::new(vec![(*x, y0), (*x, 1.0)], 5, 4, dash))
                    .msg()?;
                // Marker labels stack downwards from the top, right of their line, so two
                // close markers do not write over each other.
                let (px, py) = chart.backend_coord(&(*x, 1.0));
                root.draw(&Text::new(
                    format!("{label}: {}", fmt::eur(*x)),
                    (px + 4, py + 4 + 16 * k as i32),
                    anchored(font(11.0).color(&MUTED), HPos::Left, VPos::Top),
                ))
                .msg()?;
            }
        }
        if legend_w > 0 {
            let entries: Vec<LegendEntry> = curves
                .iter()
                .enumerate()
                .map(|(i, c)| LegendEntry {
                    colour: colour_of(i),
                    label: c.label.clone(),
                    note: String::new(),
                    dashed: false,
                })
                .collect();
            draw_legend(&legend.margin(12, 0, 4, 4), "Model", &entries)?;
        }
        Ok(())
    })
}

/// One row of a forest plot: an estimate with its 95 % interval.
pub struct ForestRow {
    pub label: String,
    pub estimate: f64,
    pub ci95: [f64; 2],
}

/// Differences with their intervals, one row each, around a zero line: which variant moves
/// the figure, and by how much.
pub fn forest(
    title: &str,
    subtitle: &str,
    x_desc: &str,
    money: bool,
    rows: &[ForestRow],
) -> Result<String, ChartError> {
    const CHART: &str = "forest";
    let finite: Vec<&ForestRow> = rows
        .iter()
        .filter(|r| r.estimate.is_finite() && r.ci95.iter().all(|x| x.is_finite()))
        .collect();
    if finite.is_empty() {
        return Err(ChartError::Empty {
            chart: CHART,
            why: "no differences".into(),
        });
    }
    let n = finite.len();
    let lo = finite
        .iter()
        .map(|r| r.ci95[0].min(r.estimate))
        .fold(0.0, f64::min);
    let hi = finite
        .iter()
        .map(|r| r.ci95[1].max(r.estimate))
        .fold(0.0, f64::max);
    let (x0, x1) = super::padded(lo, hi);
    let label_w = finite
        .iter()
        .map(|r| crate::text::width(&r.label, 12.0, false))
        .fold(80.0, f64::max)
        .min(300.0)
        .ceil() as u32
        + 16;
    let height = TITLE_H + 70 + 34 * n as u32;
    let labels: Vec<String> = finite
        .iter()
        .map(|r| crate::text::fit(&r.label, 12.0, false, f64::from(label_w - 16)))
        .collect();
    draw_svg(CHART, title, (WIDTH, height), |root| {
        draw_title(root, title, subtitle)?;
        let body = root.margin(TITLE_H, 0, 0, 0);
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(46)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x0..x1, 0.0..n as f64)
            .msg()?;
        let x_fmt = |v: &f64| {
            if money {
                eur_tick(*v)
            } else {
                pct_tick(*v)
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(8)
            .x_label_formatter(&x_fmt)
            .x_desc(x_desc)
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .draw()
            .msg()?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, n as f64)],
                ShapeStyle::from(&MUTED).stroke_width(1),
            )))
            .msg()?;
        super::draw_row_labels(root, chart.plotting_area().get_pixel_range(), &labels)?;
        for (k, r) in finite.iter().enumerate() {
            let row = super::row_centre(k, n);
            let c = if r.ci95[1] < 0.0 {
                RGBColor(0, 158, 115)
            } else if r.ci95[0] > 0.0 {
                RGBColor(213, 94, 0)
            } else {
                MUTED
            };
            let y = row;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(r.ci95[0], y), (r.ci95[1], y)],
                    ShapeStyle::from(&c).stroke_width(2),
                )))
                .msg()?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (r.estimate, y),
                    5,
                    ShapeStyle::from(&c).filled(),
                )))
                .msg()?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::has_text;
    use crate::charts::tests::n_marks;

    #[test]
    fn the_exceedance_curve_has_its_axes_markers_and_line() {
        let points = [[1e3, 0.9], [1e4, 0.5], [1e5, 0.1], [1e6, 0.01], [1e7, 0.0]];
        let svg = exceedance(
            "Loss exceedance",
            "10 000 trials",
            "365 days",
            &[ExceedanceCurve {
                label: "base".into(),
                points: &points,
                markers: vec![("VaR 95 %".into(), 2e5)],
            }],
        )
        .unwrap();
        assert!(svg.contains("loss within 365 days (EUR, log scale)"));
        assert!(svg.contains("P(loss &gt; x) (log scale)"));
        assert!(svg.contains("VaR 95 %: EUR 200 k"));
        assert!(has_text(&svg, "10 %") && has_text(&svg, "1 M"), "{svg}");
        assert!(n_marks(&svg) > 20);
        let again = exceedance(
            "Loss exceedance",
            "10 000 trials",
            "365 days",
            &[ExceedanceCurve {
                label: "base".into(),
                points: &points,
                markers: vec![("VaR 95 %".into(), 2e5)],
            }],
        )
        .unwrap();
        assert_eq!(svg, again);
        let none = exceedance("t", "", "1 year", &[]);
        assert!(matches!(none, Err(ChartError::Empty { .. })));
    }

    #[test]
    fn a_forest_row_per_difference() {
        let rows = [
            ForestRow {
                label: "mfa".into(),
                estimate: -2e6,
                ci95: [-2.5e6, -1.5e6],
            },
            ForestRow {
                label: "waf".into(),
                estimate: 1e5,
                ci95: [-1e5, 3e5],
            },
        ];
        let svg = forest("Variants", "", "change (EUR)", true, &rows).unwrap();
        assert!(has_text(&svg, "mfa") && has_text(&svg, "waf"));
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
