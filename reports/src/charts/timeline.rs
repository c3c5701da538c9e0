//! When services are down: for each service with an outage impact, grouped by organisation,
//! the expected share of each slice of the horizon it spends down (the simulator's service
//! timelines), as a strip of tiles coloured by that share.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::heatmap::heat;
use super::{
    anchored, draw_svg, draw_title, font, ChartError, OrMessage, GRID, GRID_LIGHT, MUTED, TITLE_H,
    WIDTH,
};

/// One service's timeline.
pub struct TimelineRow {
    pub org: String,
    pub service: String,
    /// Expected share of each equal slice of the horizon spent down, in time order.
    pub shares: Vec<f64>,
}

/// A row of tiles per service across the horizon; darker means down for more of the slice.
/// The colour scale runs from 0 to the largest share shown, written in the legend.
pub fn outage_timeline(
    title: &str,
    subtitle: &str,
    horizon_days: f64,
    rows: &[TimelineRow],
) -> Result<String, ChartError> {
    const CHART: &str = "timeline";
    let rows: Vec<&TimelineRow> = rows
        .iter()
        .filter(|r| r.shares.iter().any(|x| *x > 0.0))
        .collect();
    let top = rows
        .iter()
        .flat_map(|r| r.shares.iter().copied())
        .fold(0.0, f64::max);
    if rows.is_empty() || top.is_nan() || top <= 0.0 || horizon_days.is_nan() || horizon_days <= 0.0
    {
        return Err(ChartError::Empty {
            chart: CHART,
            why: "no service was down in any trial".into(),
        });
    }
    let n = rows.len();
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} ({})", r.service, r.org))
        .collect();
    let (label_w, fitted) = super::fit_row_labels(&labels);
    let right_w = 130;
    let height = TITLE_H + 110 + 30 * n.max(4) as u32;
    draw_svg(CHART, title, (WIDTH, height), |root| {
        draw_title(root, title, subtitle)?;
        let body = root.margin(TITLE_H, 0, 0, 0);
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .margin_right(right_w)
            .x_label_area_size(46)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0.0..horizon_days, 0.0..n as f64)
            .msg()?;
        let x_fmt = |v: &f64| crate::fmt::num(*v, 0);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(10)
            .x_label_formatter(&x_fmt)
            .x_desc("days since the start of the horizon")
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .draw()
            .msg()?;
        super::draw_row_labels(root, chart.plotting_area().get_pixel_range(), &fitted)?;
        for (k, r) in rows.iter().enumerate() {
            let y = super::row_centre(k, n);
            let w = horizon_days / r.shares.len().max(1) as f64;
            chart
                .draw_series(r.shares.iter().enumerate().map(|(b, share)| {
                    Rectangle::new(
                        [(b as f64 * w, y - 0.4), ((b + 1) as f64 * w, y + 0.4)],
                        heat(share / top).filled(),
                    )
                }))
                .msg()?;
        }
        // The colour scale, right of the plot: six swatches from 0 to the largest share.
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let x = xs.end + 14;
        root.draw(&Text::new(
            "share of time down",
            (x, ys.start),
            anchored(font(11.0).color(&MUTED), HPos::Left, VPos::Top),
        ))
        .msg()?;
        for i in 0..6 {
            let v = top * f64::from(i) / 5.0;
            let y = ys.start + 20 + 18 * i;
            root.draw(&Rectangle::new(
                [(x, y), (x + 16, y + 14)],
                heat(v / top).filled(),
            ))
            .msg()?;
            root.draw(&Text::new(
                crate::fmt::pct(v),
                (x + 22, y + 7),
                anchored(font(11.0), HPos::Left, VPos::Center),
            ))
            .msg()?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::{has_text, n_marks};

    #[test]
    fn a_strip_per_service_and_a_scale() {
        let row = |s: &str, k: usize| TimelineRow {
            org: "bank".into(),
            service: s.into(),
            shares: (0..52).map(|b| if b == k { 0.2 } else { 0.01 }).collect(),
        };
        let svg =
            outage_timeline("T", "", 365.0, &[row("gateway", 3), row("mobile", 9)]).expect("draws");
        assert!(has_text(&svg, "gateway (bank)") && has_text(&svg, "mobile (bank)"));
        assert!(has_text(&svg, "share of time down"));
        assert!(n_marks(&svg) >= 2 * 52 + 6, "{}", n_marks(&svg));
        let empty = TimelineRow {
            org: "o".into(),
            service: "s".into(),
            shares: vec![0.0; 52],
        };
        assert!(matches!(
            outage_timeline("T", "", 365.0, &[empty]),
            Err(ChartError::Empty { .. })
        ));
    }
}
