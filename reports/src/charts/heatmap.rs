//! Probability of compromise by organisation and layer, every asset a tile in its cell: the
//! grid shows where the risk sits, the tiles say which asset it is.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, bold, draw_svg, draw_title, font, ChartError, OrMessage, GRID, MUTED, TITLE_H, WIDTH,
};
use crate::text;

/// One asset: its place in the grid and its probability.
pub struct HeatCell {
    pub row: usize,
    pub col: usize,
    pub label: String,
    pub p: f64,
}

const TILE_H: i32 = 17;
const CELL_PAD: i32 = 5;
const HEADER_H: i32 = 24;
const LEGEND_H: i32 = 58;

/// Yellow–orange–red (ColorBrewer YlOrRd), linear in the probability; grey for zero.
pub(crate) fn heat(p: f64) -> RGBColor {
    if p <= 0.0 {
        return RGBColor(243, 244, 246);
    }
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [255.0, 255.0, 178.0]),
        (0.25, [254.0, 204.0, 92.0]),
        (0.5, [253.0, 141.0, 60.0]),
        (0.75, [240.0, 59.0, 32.0]),
        (1.0, [189.0, 0.0, 38.0]),
    ];
    let p = p.min(1.0);
    let k = STOPS
        .windows(2)
        .position(|w| p <= w[1].0)
        .unwrap_or(STOPS.len() - 2);
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    let t = (p - a.0) / (b.0 - a.0);
    let c = |i: usize| (a.1[i] + t * (b.1[i] - a.1[i])).round() as u8;
    RGBColor(c(0), c(1), c(2))
}

/// The heat map; `rows` and `cols` name the organisations and layers.
pub fn compromise_heatmap(
    title: &str,
    subtitle: &str,
    rows: &[String],
    cols: &[String],
    cells: &[HeatCell],
) -> Result<String, ChartError> {
    const CHART: &str = "heatmap";
    if cells.is_empty() || rows.is_empty() || cols.is_empty() {
        return Err(ChartError::Empty {
            chart: CHART,
            why: "no assets".into(),
        });
    }
    // Tiles of each cell, most exposed first.
    let mut grid: Vec<Vec<Vec<&HeatCell>>> = vec![vec![Vec::new(); cols.len()]; rows.len()];
    for c in cells {
        if c.row < rows.len() && c.col < cols.len() {
            grid[c.row][c.col].push(c);
        }
    }
    for row in &mut grid {
        for cell in row.iter_mut() {
            cell.sort_by(|a, b| b.p.total_cmp(&a.p).then_with(|| a.label.cmp(&b.label)));
        }
    }
    let row_label_w = rows
        .iter()
        .map(|r| text::width(r, 12.0, true))
        .fold(90.0, f64::max)
        .min(170.0) as i32
        + 14;
    let left = 12;
    let col_w = (WIDTH as i32 - left - row_label_w - 12) / cols.len() as i32;
    let row_h: Vec<i32> = grid
        .iter()
        .map(|r| {
            let n = r.iter().map(Vec::len).max().unwrap_or(0).max(1) as i32;
            n * TILE_H + 2 * CELL_PAD
        })
        .collect();
    let height = TITLE_H as i32 + HEADER_H + row_h.iter().sum::<i32>() + LEGEND_H;
    draw_svg(CHART, title, (WIDTH, height as u32), |root| {
        draw_title(root, title, subtitle)?;
        let x0 = left + row_label_w;
        let mut y = TITLE_H as i32;
        for (j, c) in cols.iter().enumerate() {
            root.draw(&Text::new(
                text::fit(c, 12.0, true, f64::from(col_w - 8)),
                (x0 + j as i32 * col_w + col_w / 2, y + HEADER_H / 2),
                anchored(bold(12.0), HPos::Center, VPos::Center),
            ))
            .msg()?;
        }
        y += HEADER_H;
        for (i, r) in rows.iter().enumerate() {
            let h = row_h[i];
            let band = if i % 2 == 0 {
                RGBColor(249, 250, 251)
            } else {
                WHITE
            };
            root.draw(&Rectangle::new(
                [(left, y), (x0 + cols.len() as i32 * col_w, y + h)],
                band.filled(),
            ))
            .msg()?;
            for line in text::wrap(r, 12.0, f64::from(row_label_w - 10))
                .iter()
                .take(((h - 4) / 15).max(1) as usize)
                .enumerate()
            {
                root.draw(&Text::new(
                    line.1.clone(),
                    (left + 4, y + CELL_PAD + 15 * line.0 as i32),
                    anchored(bold(12.0), HPos::Left, VPos::Top),
                ))
                .msg()?;
            }
            for (j, tiles) in grid[i].iter().enumerate() {
                let cx = x0 + j as i32 * col_w;
                for (k, t) in tiles.iter().enumerate() {
                    let ty = y + CELL_PAD + k as i32 * TILE_H;
                    let fill = heat(t.p);
                    root.draw(&Rectangle::new(
                        [(cx + 3, ty), (cx + col_w - 3, ty + TILE_H - 2)],
                        fill.filled(),
                    ))
                    .msg()?;
                    let ink: &'static RGBColor = if t.p > 0.55 { &WHITE } else { &super::INK };
                    let pct = crate::fmt::pct(t.p);
                    let pct_w = text::width(&pct, 10.5, false);
                    let label =
                        text::fit(&t.label, 10.5, false, f64::from(col_w - 14) - pct_w - 6.0);
                    root.draw(&Text::new(
                        label,
                        (cx + 6, ty + (TILE_H - 2) / 2),
                        anchored(font(10.5).color(ink), HPos::Left, VPos::Center),
                    ))
                    .msg()?;
                    root.draw(&Text::new(
                        pct,
                        (cx + col_w - 6, ty + (TILE_H - 2) / 2),
                        anchored(font(10.5).color(ink), HPos::Right, VPos::Center),
                    ))
                    .msg()?;
                }
            }
            y += h;
            root.draw(&PathElement::new(
                vec![(left, y), (x0 + cols.len() as i32 * col_w, y)],
                ShapeStyle::from(&GRID).stroke_width(1),
            ))
            .msg()?;
        }
        for j in 0..=cols.len() as i32 {
            let x = x0 + j * col_w;
            root.draw(&PathElement::new(
                vec![(x, TITLE_H as i32 + HEADER_H), (x, y)],
                ShapeStyle::from(&GRID).stroke_width(1),
            ))
            .msg()?;
        }
        // Colour scale.
        let ly = y + 16;
        let lx = x0;
        let lw = 300;
        let steps = 60;
        for s in 0..steps {
            let p = (f64::from(s) + 0.5) / f64::from(steps);
            let xa = lx + s * lw / steps;
            let xb = lx + (s + 1) * lw / steps;
            root.draw(&Rectangle::new([(xa, ly), (xb, ly + 12)], heat(p).filled()))
                .msg()?;
        }
        root.draw(&Rectangle::new(
            [(lx - 40, ly), (lx - 16, ly + 12)],
            heat(0.0).filled(),
        ))
        .msg()?;
        for (p, label) in [(0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")] {
            root.draw(&Text::new(
                label,
                (lx + (p * f64::from(lw)) as i32, ly + 16),
                anchored(font(11.0).color(&MUTED), HPos::Center, VPos::Top),
            ))
            .msg()?;
        }
        root.draw(&Text::new(
            "never",
            (lx - 28, ly + 16),
            anchored(font(11.0).color(&MUTED), HPos::Center, VPos::Top),
        ))
        .msg()?;
        root.draw(&Text::new(
            "P(asset compromised within the horizon)",
            (lx + lw + 14, ly + 6),
            anchored(font(12.0), HPos::Left, VPos::Center),
        ))
        .msg()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::has_text;

    #[test]
    fn every_asset_is_a_tile_in_its_cell() {
        let rows = vec!["shop".to_string(), "psp".to_string()];
        let cols = vec!["cyber".to_string(), "data".to_string()];
        let cells = vec![
            HeatCell {
                row: 0,
                col: 0,
                label: "web".into(),
                p: 0.9,
            },
            HeatCell {
                row: 0,
                col: 1,
                label: "db".into(),
                p: 0.0,
            },
            HeatCell {
                row: 1,
                col: 0,
                label: "gateway".into(),
                p: 0.05,
            },
        ];
        let svg = compromise_heatmap("Heat", "", &rows, &cols, &cells).unwrap();
        for s in ["web", "db", "gateway", "90.0 %", "5.00 %", "shop"] {
            assert!(has_text(&svg, s), "{s}");
        }
        assert!(compromise_heatmap("Heat", "", &rows, &cols, &[]).is_err());
    }

    #[test]
    fn the_scale_runs_from_pale_to_dark() {
        assert_eq!(heat(0.0), RGBColor(243, 244, 246));
        assert_eq!(heat(1.0), RGBColor(189, 0, 38));
        assert_eq!(heat(0.5), RGBColor(253, 141, 60));
        let sum = |c: RGBColor| u32::from(c.0) + u32::from(c.1) + u32::from(c.2);
        assert!(sum(heat(0.1)) > sum(heat(0.6)));
    }
}
