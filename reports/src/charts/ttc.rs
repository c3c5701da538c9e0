//! Time to compromise: per goal, the probability that it has been reached by each day of the
//! horizon, with a 95 % band.

use plotters::prelude::*;

use super::{
    colour, draw_legend, draw_svg, draw_title, font, nice_ceiling, pct_tick, ChartError,
    LegendEntry, OrMessage, GRID, GRID_LIGHT, TITLE_H, WIDTH,
};

/// One goal's curve.
pub struct TtcCurve {
    pub label: String,
    /// Shown under the label in the legend, e.g. the final probability.
    pub note: String,
    /// `(days, P(reached by then))`, increasing in days.
    pub points: Vec<(f64, f64)>,
    /// `(days, lower, upper)`: the 95 % band at the same days.
    pub band: Vec<(f64, f64, f64)>,
    /// The median time's 95 % interval in days, drawn as a bar at its height.
    pub median: Option<(f64, [f64; 2])>,
}

/// Cumulative distribution of the time to compromise of each goal over the horizon.
pub fn ttc_cdf(
    title: &str,
    subtitle: &str,
    horizon_days: f64,
    curves: &[TtcCurve],
) -> Result<String, ChartError> {
    const CHART: &str = "ttc";
    if curves.iter().all(|c| c.points.len() < 2) {
        return Err(ChartError::Empty {
            chart: CHART,
            why: "no goal was reached in any trial".into(),
        });
    }
    let top = curves
        .iter()
        .flat_map(|c| {
            c.points
                .iter()
                .map(|p| p.1)
                .chain(c.band.iter().map(|b| b.2))
        })
        .fold(0.0, f64::max);
    let y1 = nice_ceiling(top.max(0.01)).min(1.0);
    let legend_w = 250;
    let height = 470u32.max(TITLE_H + 60 + 48 * curves.len() as u32);
    draw_svg(CHART, title, (WIDTH, height), |root| {
        draw_title(root, title, subtitle)?;
        let body = root.margin(TITLE_H, 0, 0, 0);
        let (plot, legend) = body.split_horizontally(WIDTH - legend_w);
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(20)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..horizon_days, 0.0..y1)
            .msg()?;
        let y_fmt = |v: &f64| pct_tick(*v);
        let x_fmt = |v: &f64| crate::fmt::num(*v, 0);
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("days since the start of the horizon")
            .y_desc("P(goal reached by then)")
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .draw()
            .msg()?;
        // Bands first, so that every line stays visible above every band.
        for (i, c) in curves.iter().enumerate() {
            if c.band.len() < 2 {
                continue;
            }
            let mut poly: Vec<(f64, f64)> = c.band.iter().map(|b| (b.0, b.2)).collect();
            poly.extend(c.band.iter().rev().map(|b| (b.0, b.1)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    colour(i).mix(0.16).filled(),
                )))
                .msg()?;
        }
        for (i, c) in curves.iter().enumerate() {
            let style = ShapeStyle::from(&colour(i)).stroke_width(2);
            chart
                .draw_series(LineSeries::new(c.points.iter().copied(), style))
                .msg()?;
            if let Some((p, [lo, hi])) = c.median {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(lo, p), (hi, p)],
                        ShapeStyle::from(&colour(i)).stroke_width(4),
                    )))
                    .msg()?;
            }
        }
        let entries: Vec<LegendEntry> = curves
            .iter()
            .enumerate()
            .map(|(i, c)| LegendEntry {
                colour: colour(i),
                label: c.label.clone(),
                note: c.note.clone(),
                dashed: false,
            })
            .collect();
        draw_legend(&legend.margin(12, 0, 4, 4), "Goal", &entries)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::has_text;

    #[test]
    fn one_line_and_band_per_goal() {
        let c = |label: &str, p: f64| TtcCurve {
            label: label.into(),
            note: format!("P {p}"),
            points: vec![(0.0, 0.0), (100.0, p / 2.0), (365.0, p)],
            band: vec![
                (0.0, 0.0, 0.0),
                (100.0, p / 2.0 - 0.02, p / 2.0 + 0.02),
                (365.0, p - 0.02, p + 0.02),
            ],
            median: Some((p / 2.0, [90.0, 110.0])),
        };
        let svg = ttc_cdf("TTC", "", 365.0, &[c("a", 0.9), c("b", 0.2)]).unwrap();
        assert_eq!(svg.matches("<polygon").count(), 2, "{svg}");
        assert!(svg.contains("days since the start of the horizon"));
        assert!(svg.contains("P(goal reached by then)"));
        assert!(has_text(&svg, "a") && has_text(&svg, "b"));
        let empty = TtcCurve {
            label: "never".into(),
            note: String::new(),
            points: vec![],
            band: vec![],
            median: None,
        };
        assert!(ttc_cdf("TTC", "", 365.0, &[empty]).is_err());
    }
}
