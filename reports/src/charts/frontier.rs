//! The cost–risk frontier of a plan: for each budget, the cheapest plan's cost and the risk
//! left, as optimised on the planning trials (in sample) and as measured again on fresh
//! trials (out of sample, with its 95 % interval).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, draw_svg, draw_title, eur_tick, font, nice_ceiling, pct_tick, ChartError, OrMessage,
    GRID, GRID_LIGHT, MUTED, TITLE_H, WIDTH,
};

/// One plan on the frontier.
pub struct FrontierPoint {
    pub cost_eur: f64,
    pub in_sample: f64,
    pub out_of_sample: Option<(f64, [f64; 2])>,
}

const IN: RGBColor = RGBColor(0, 114, 178);
const OUT: RGBColor = RGBColor(213, 94, 0);

pub fn frontier(
    title: &str,
    subtitle: &str,
    y_desc: &str,
    money: bool,
    points: &[FrontierPoint],
) -> Result<String, ChartError> {
    const CHART: &str = "frontier";
    let pts: Vec<&FrontierPoint> = points
        .iter()
        .filter(|p| p.cost_eur.is_finite() && p.in_sample.is_finite())
        .collect();
    if pts.is_empty() {
        return Err(ChartError::Empty {
            chart: CHART,
            why: "no plans".into(),
        });
    }
    let x_hi = pts.iter().map(|p| p.cost_eur).fold(0.0, f64::max);
    let y_hi = pts
        .iter()
        .map(|p| {
            p.out_of_sample
                .map_or(p.in_sample, |(_, ci)| ci[1].max(p.in_sample))
        })
        .fold(0.0, f64::max);
    let x1 = nice_ceiling(x_hi * 1.05).max(1.0);
    let y1 = if money {
        nice_ceiling(y_hi * 1.05)
    } else {
        nice_ceiling(y_hi * 1.05).min(1.0)
    };
    let height = 470;
    draw_svg(CHART, title, (WIDTH, height), |root| {
        draw_title(root, title, subtitle)?;
        let body = root.margin(TITLE_H + 22, 0, 0, 0);
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .margin_right(30)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(0.0..x1, 0.0..y1)
            .msg()?;
        let x_fmt = |v: &f64| eur_tick(*v);
        let y_fmt = |v: &f64| if money { eur_tick(*v) } else { pct_tick(*v) };
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(8)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("cost of the plan (EUR per year)")
            .y_desc(y_desc)
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .bold_line_style(GRID)
            .light_line_style(GRID_LIGHT)
            .draw()
            .msg()?;
        let line: Vec<(f64, f64)> = pts.iter().map(|p| (p.cost_eur, p.in_sample)).collect();
        chart
            .draw_series(LineSeries::new(
                line.iter().copied(),
                ShapeStyle::from(&IN).stroke_width(2),
            ))
            .msg()?;
        chart
            .draw_series(
                line.iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, ShapeStyle::from(&IN).filled())),
            )
            .msg()?;
        for p in &pts {
            if let Some((m, [lo, hi])) = p.out_of_sample {
                let a = chart.backend_coord(&(p.cost_eur, lo));
                let b = chart.backend_coord(&(p.cost_eur, hi));
                let c = chart.backend_coord(&(p.cost_eur, m));
                // Shifted a few pixels right of the in-sample point so both stay visible.
                let x = a.0 + 6;
                root.draw(&PathElement::new(
                    vec![(x, a.1), (x, b.1)],
                    ShapeStyle::from(&OUT).stroke_width(2),
                ))
                .msg()?;
                for y in [a.1, b.1] {
                    root.draw(&PathElement::new(
                        vec![(x - 4, y), (x + 4, y)],
                        ShapeStyle::from(&OUT).stroke_width(2),
                    ))
                    .msg()?;
                }
                root.draw(&Rectangle::new(
                    [(x - 4, c.1 - 4), (x + 4, c.1 + 4)],
                    ShapeStyle::from(&OUT).filled(),
                ))
                .msg()?;
            }
        }
        let ly = TITLE_H as i32 + 4;
        let lx = 84;
        root.draw(&Circle::new(
            (lx + 6, ly + 7),
            4,
            ShapeStyle::from(&IN).filled(),
        ))
        .msg()?;
        root.draw(&Text::new(
            "in sample (the trials the plan was chosen on)",
            (lx + 18, ly),
            anchored(font(12.0), HPos::Left, VPos::Top),
        ))
        .msg()?;
        let lx2 = lx + 330;
        root.draw(&Rectangle::new(
            [(lx2 + 2, ly + 3), (lx2 + 10, ly + 11)],
            ShapeStyle::from(&OUT).filled(),
        ))
        .msg()?;
        root.draw(&Text::new(
            "out of sample, fresh trials (95 % interval)",
            (lx2 + 18, ly),
            anchored(font(12.0).color(&MUTED), HPos::Left, VPos::Top),
        ))
        .msg()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_and_out_of_sample_points() {
        let pts = [
            FrontierPoint {
                cost_eur: 0.0,
                in_sample: 5e6,
                out_of_sample: Some((5.1e6, [4.9e6, 5.3e6])),
            },
            FrontierPoint {
                cost_eur: 1e5,
                in_sample: 2e6,
                out_of_sample: Some((2.2e6, [2.0e6, 2.4e6])),
            },
        ];
        let svg = frontier("Frontier", "", "expected loss (EUR)", true, &pts).unwrap();
        assert_eq!(
            svg.matches("<circle").count(),
            3,
            "two points and the legend"
        );
        assert!(svg.contains("cost of the plan (EUR per year)"));
        assert!(frontier("Frontier", "", "x", true, &[]).is_err());
    }
}
