//! The tornado chart of a one-at-a-time sensitivity analysis: per parameter, the figure with
//! the parameter at its low and at its high end, around the base value.

use ensure_simulator::sensitivity::Sensitivity;
use plotters::prelude::*;

use super::{
    draw_svg, draw_title, eur_tick, font, pct_tick, ChartError, OrMessage, GRID, GRID_LIGHT, INK,
    MUTED, TITLE_H, WIDTH,
};
use crate::text;

const LOW: RGBColor = RGBColor(0, 114, 178);
const HIGH: RGBColor = RGBColor(213, 94, 0);

/// Whether the figure of a sensitivity analysis is money (else a probability).
pub fn is_money(figure: &str) -> bool {
    figure.contains("EUR") || figure.contains("loss")
}

/// The `top` largest swings, largest at the top.
pub fn tornado(s: &Sensitivity, top: usize, title: &str) -> Result<String, ChartError> {
    const CHART: &str = "tornado";
    let rows: Vec<_> = s
        .rows
        .iter()
        .filter(|r| r.low.is_finite() && r.high.is_finite())
        .take(top)
        .collect();
    if rows.is_empty() {
        return Err(ChartError::Empty {
            chart: CHART,
            why: "no parameters".into(),
        });
    }
    let money = is_money(&s.figure);
    let n = rows.len();
    let lo = rows
        .iter()
        .map(|r| r.low.min(r.high))
        .fold(s.base, f64::min);
    let hi = rows
        .iter()
        .map(|r| r.low.max(r.high))
        .fold(s.base, f64::max);
    let (x0, x1) = super::padded(lo, hi);
    // A probability axis does not go below zero.
    let x0 = if money { x0 } else { x0.max(0.0) };
    let label_w = rows
        .iter()
        .map(|r| text::width(&r.parameter, 12.0, false))
        .fold(100.0, f64::max)
        .min(290.0)
        .ceil() as u32
        + 16;
    let labels: Vec<String> = rows
        .iter()
        .map(|r| text::fit(&r.parameter, 12.0, false, f64::from(label_w - 16)))
        .collect();
    let height = TITLE_H + 120 + 28 * n as u32;
    let subtitle = format!(
        "{} at base values: {}; {} trials per run, seed {}",
        s.figure,
        if money {
            crate::fmt::eur(s.base)
        } else {
            crate::fmt::pct(s.base)
        },
        crate::fmt::count(s.trials),
        s.seed
    );
    draw_svg(CHART, title, (WIDTH, height), |root| {
        draw_title(root, title, &subtitle)?;
        let body = root.margin(TITLE_H + 24, 0, 0, 0);
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(46)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x0..x1, 0.0..n as f64)
            .msg()?;
        let x_fmt = |v: &f64| if money { eur_tick(*v) } else { pct_tick(*v) };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(8)
            .x_label_formatter(&x_fmt)
            .x_desc(s.figure.clone())
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .draw()
            .msg()?;
        super::draw_row_labels(root, chart.plotting_area().get_pixel_range(), &labels)?;
        for (k, r) in rows.iter().enumerate() {
            let row = super::row_centre(k, n);
            for (v, c) in [(r.low, LOW), (r.high, HIGH)] {
                let (a, b) = if v < s.base { (v, s.base) } else { (s.base, v) };
                // Bars a little thinner than their row, so that rows stay apart.
                let pa = chart.backend_coord(&(a, row + 0.5));
                let pb = chart.backend_coord(&(b, row - 0.5));
                let pad = (pb.1 - pa.1) / 6;
                root.draw(&Rectangle::new(
                    [(pa.0, pa.1 + pad), (pb.0.max(pa.0 + 1), pb.1 - pad)],
                    c.mix(0.85).filled(),
                ))
                .msg()?;
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(s.base, 0.0), (s.base, n as f64)],
                ShapeStyle::from(&INK).stroke_width(2),
            )))
            .msg()?;
        // Legend under the title, outside the bars.
        let ly = TITLE_H as i32 + 8;
        let mut lx = 12 + label_w as i32;
        for (c, label) in [
            (LOW, "parameter at its low end"),
            (HIGH, "parameter at its high end"),
        ] {
            root.draw(&Rectangle::new([(lx, ly), (lx + 14, ly + 12)], c.filled()))
                .msg()?;
            root.draw(&Text::new(
                label,
                (lx + 20, ly),
                super::anchored(
                    font(12.0),
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Top,
                ),
            ))
            .msg()?;
            lx += 40 + text::width(label, 12.0, false) as i32;
        }
        root.draw(&PathElement::new(
            vec![(lx, ly + 6), (lx + 16, ly + 6)],
            ShapeStyle::from(&INK).stroke_width(2),
        ))
        .msg()?;
        root.draw(&Text::new(
            "base value",
            (lx + 22, ly),
            super::anchored(
                font(12.0).color(&MUTED),
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Top,
            ),
        ))
        .msg()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::has_text;
    use ensure_simulator::sensitivity::SensitivityRow;

    #[test]
    fn bars_for_each_end_and_a_base_line() {
        let row = |p: &str, low: f64, high: f64| SensitivityRow {
            parameter: p.into(),
            low_setting: "x 0.5".into(),
            high_setting: "x 2".into(),
            low,
            high,
            swing: (high - low).abs(),
        };
        let s = Sensitivity {
            model: "m".into(),
            figure: "mean loss (EUR)".into(),
            trials: 1000,
            seed: 1,
            base: 100.0,
            rows: vec![
                row("actor a frequency", 50.0, 200.0),
                row("step x ttc", 90.0, 110.0),
            ],
        };
        let svg = tornado(&s, 10, "Tornado").unwrap();
        assert!(has_text(&svg, "actor a frequency") && has_text(&svg, "step x ttc"));
        assert!(svg.contains("mean loss (EUR) at base values: EUR 100"));
        assert!(svg.contains("parameter at its low end"));
        let one = tornado(&s, 1, "Tornado").unwrap();
        assert!(!has_text(&one, "step x ttc"));
    }
}
