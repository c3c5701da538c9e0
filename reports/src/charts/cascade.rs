//! Outages: for each service with an outage impact, grouped by organisation, how long it is
//! down in a trial in which it goes down (the simulator's per-service downtime percentiles),
//! and how often that happens.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, draw_svg, draw_title, font, is_power_of_ten, ChartError, OrMessage, GRID, GRID_LIGHT,
    INK, MUTED, TITLE_H, WIDTH,
};

/// One service's downtime distribution.
pub struct CascadeRow {
    pub org: String,
    pub service: String,
    /// Share of all trials in which it went down.
    pub p_down: f64,
    /// Hours down per trial, of the trials in which it went down.
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

const BOX: RGBColor = RGBColor(213, 94, 0);

/// A box per service: whiskers from the 5th to the 95th percentile, the box from the 25th to
/// the 75th, a tick at the median.
pub fn cascade_timeline(
    title: &str,
    subtitle: &str,
    rows: &[CascadeRow],
) -> Result<String, ChartError> {
    const CHART: &str = "cascade";
    let rows: Vec<&CascadeRow> = rows
        .iter()
        .filter(|r| r.p95.is_finite() && r.p95 > 0.0)
        .collect();
    if rows.is_empty() {
        return Err(ChartError::Empty {
            chart: CHART,
            why: "no service went down in any trial".into(),
        });
    }
    let n = rows.len();
    let lo = rows
        .iter()
        .map(|r| r.p5)
        .filter(|x| *x > 0.0)
        .fold(f64::INFINITY, f64::min);
    let hi = rows.iter().map(|r| r.p95).fold(0.0, f64::max);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} ({})", r.service, r.org))
        .collect();
    let (label_w, fitted) = super::fit_row_labels(&labels);
    let right_w = 130;
    let height = TITLE_H + 110 + 34 * n as u32;
    // A logarithmic axis when the spread covers more than one and a half decades.
    let log = lo.is_finite() && hi / lo > 30.0;
    // Days when outages last days, hours otherwise: ticks stay round numbers.
    let (unit, unit_name) = if hi >= 72.0 {
        (1.0 / 24.0, "days")
    } else {
        (1.0, "hours")
    };
    draw_svg(CHART, title, (WIDTH, height), |root| {
        draw_title(root, title, subtitle)?;
        let body = root.margin(TITLE_H, 0, 0, 0);
        macro_rules! draw_rows {
            ($chart:expr) => {{
                let chart = &mut $chart;
                super::draw_row_labels(root, chart.plotting_area().get_pixel_range(), &fitted)?;
                for (k, r) in rows.iter().enumerate() {
                    let mid = super::row_centre(k, n);
                    let clamp = |x: f64| if log { x.max(lo) } else { x };
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(clamp(r.p5) * unit, mid), (clamp(r.p95) * unit, mid)],
                            ShapeStyle::from(&INK).stroke_width(1),
                        )))
                        .msg()?;
                    let (a, b) = (clamp(r.p25), clamp(r.p75).max(clamp(r.p25)));
                    let ra = chart.backend_coord(&(a * unit, mid - 0.25));
                    let rb = chart.backend_coord(&(b * unit, mid + 0.25));
                    let (top, bottom) = (rb.1.min(ra.1), rb.1.max(ra.1));
                    root.draw(&Rectangle::new(
                        [(ra.0, top), (rb.0.max(ra.0 + 2), bottom)],
                        BOX.mix(0.75).filled(),
                    ))
                    .msg()?;
                    let m = chart.backend_coord(&(clamp(r.p50) * unit, mid));
                    root.draw(&PathElement::new(
                        vec![(m.0, top - 3), (m.0, bottom + 3)],
                        ShapeStyle::from(&INK).stroke_width(2),
                    ))
                    .msg()?;
                    let right = chart.plotting_area().get_pixel_range().0.end;
                    root.draw(&Text::new(
                        format!("down in {} of trials", crate::fmt::pct(r.p_down)),
                        (right + 10, m.1),
                        anchored(font(11.0).color(&MUTED), HPos::Left, VPos::Center),
                    ))
                    .msg()?;
                }
            }};
        }
        if log {
            let x0 = 10f64.powf((lo * unit).log10().floor());
            let x1 = 10f64.powf((hi * unit).log10().ceil());
            let mut chart = ChartBuilder::on(&body)
                .margin(12)
                .margin_right(right_w)
                .x_label_area_size(46)
                .y_label_area_size(label_w)
                .build_cartesian_2d((x0..x1).log_scale(), 0.0..n as f64)
                .msg()?;
            let x_fmt = |v: &f64| {
                if is_power_of_ten(*v) {
                    crate::fmt::num(*v, 2)
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(12)
                .x_label_formatter(&x_fmt)
                .x_desc(format!(
                    "time down in a trial with an outage ({unit_name}, log scale)"
                ))
                .label_style(font(12.0))
                .axis_desc_style(font(13.0))
                .bold_line_style(GRID)
                .light_line_style(GRID_LIGHT)
                .draw()
                .msg()?;
            draw_rows!(chart);
        } else {
            let x1 = super::nice_ceiling(hi * unit * 1.05);
            let mut chart = ChartBuilder::on(&body)
                .margin(12)
                .margin_right(right_w)
                .x_label_area_size(46)
                .y_label_area_size(label_w)
                .build_cartesian_2d(0.0..x1, 0.0..n as f64)
                .msg()?;
            let x_fmt = |v: &f64| crate::fmt::num(*v, 1);
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(8)
                .x_label_formatter(&x_fmt)
                .x_desc(format!("time down in a trial with an outage ({unit_name})"))
                .label_style(font(12.0))
                .axis_desc_style(font(13.0))
                .bold_line_style(GRID)
                .light_line_style(GRID_LIGHT)
                .draw()
                .msg()?;
            draw_rows!(chart);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::has_text;

    fn row(service: &str, p5: f64, p95: f64) -> CascadeRow {
        CascadeRow {
            org: "bank".into(),
            service: service.into(),
            p_down: 0.032,
            p5,
            p25: p5 * 2.0,
            p50: p5 * 3.0,
            p75: p5 * 4.0,
            p95,
        }
    }

    #[test]
    fn a_box_per_service_on_a_fitting_axis() {
        let linear = cascade_timeline("Outages", "", &[row("web", 2.0, 20.0)]).unwrap();
        assert!(has_text(&linear, "web (bank)"));
        assert!(linear.contains("down in 3.20 % of trials"));
        assert!(has_text(
            &linear,
            "time down in a trial with an outage (hours)"
        ));
        let log = cascade_timeline("Outages", "", &[row("web", 0.5, 200.0)]).unwrap();
        assert!(log.contains("(days, log scale)"));
        assert!(cascade_timeline("Outages", "", &[]).is_err());
    }
}
