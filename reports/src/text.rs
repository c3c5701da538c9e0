//! Text metrics from a font compiled into the binary.
//!
//! Charts must know how wide a label is to keep labels apart. Asking the system (fontconfig,
//! freetype) would make the output depend on the machine; instead the crate carries Liberation
//! Sans (SIL Open Font License, `fonts/LICENSE-LiberationSans.txt`), which is metric-compatible
//! with Arial and Helvetica. Every SVG names the family chain [`FAMILY`], so a browser draws
//! the labels in Liberation Sans, Arial or Helvetica at the widths measured here.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};

/// The `font-family` written into every SVG; also the name the font is registered under with
/// plotters, which copies the family string verbatim into its `<text>` elements.
pub const FAMILY: &str = "Liberation Sans, Arial, Helvetica, sans-serif";

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/LiberationSans-Bold.ttf");

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        // Both files are part of the crate; a failure here is a broken build, caught by the
        // crate's tests on the first chart.
        let regular = FontRef::try_from_slice(REGULAR_TTF).expect("embedded regular font");
        let bold = FontRef::try_from_slice(BOLD_TTF).expect("embedded bold font");
        let _ =
            plotters::style::register_font(FAMILY, plotters::style::FontStyle::Normal, REGULAR_TTF);
        let _ = plotters::style::register_font(FAMILY, plotters::style::FontStyle::Bold, BOLD_TTF);
        Fonts { regular, bold }
    })
}

/// Makes the font known to plotters; every chart calls it before drawing.
pub(crate) fn register() {
    fonts();
}

/// The advance width of `text` at `size_px` (the CSS font size), in pixels.
pub fn width(text: &str, size_px: f64, bold: bool) -> f64 {
    let f = fonts();
    let font = if bold { &f.bold } else { &f.regular };
    let upem = f64::from(font.units_per_em().unwrap_or(2048.0));
    let mut units = 0.0f64;
    let mut prev = None;
    for c in text.chars() {
        let g = font.glyph_id(c);
        units += f64::from(font.h_advance_unscaled(g));
        if let Some(p) = prev {
            units += f64::from(font.kern_unscaled(p, g));
        }
        prev = Some(g);
    }
    units * size_px / upem
}

/// `text` shortened with an ellipsis to fit in `max_px`.
pub fn fit(text: &str, size_px: f64, bold: bool, max_px: f64) -> String {
    if width(text, size_px, bold) <= max_px {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = chars.len();
    while n > 0 {
        n -= 1;
        let mut t: String = chars[..n].iter().collect();
        t.push('…');
        if width(&t, size_px, bold) <= max_px {
            return t;
        }
    }
    "…".to_string()
}

/// Breaks `text` into lines no wider than `max_px`, at spaces, hyphens, dots and
/// underscores (ids are long and have no spaces).
pub fn wrap(text: &str, size_px: f64, max_px: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut word = String::new();
    let flush_word = |line: &mut String, word: &mut String, lines: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        let candidate = format!("{line}{word}");
        if line.is_empty() || width(candidate.trim_end(), size_px, false) <= max_px {
            *line = candidate;
        } else {
            lines.push(line.trim_end().to_string());
            *line = word.clone();
        }
        word.clear();
    };
    for c in text.chars() {
        word.push(c);
        if matches!(c, ' ' | '-' | '.' | '_' | '/') {
            flush_word(&mut line, &mut word, &mut lines);
        }
    }
    flush_word(&mut line, &mut word, &mut lines);
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
        .into_iter()
        .map(|l| fit(&l, size_px, false, max_px))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_font_metrics() {
        // Liberation Sans, like Arial: "0" advances 1139 of 2048 units; "i" 455.
        assert!((width("0", 20.48, false) - 11.39).abs() < 1e-9);
        assert!((width("i", 20.48, false) - 4.55).abs() < 1e-9);
        assert!(width("bold", 12.0, true) > width("bold", 12.0, false));
        assert_eq!(width("", 12.0, false), 0.0);
    }

    #[test]
    fn fitting_and_wrapping_respect_the_width() {
        let long = "customer-credentials.credential-stuffing";
        let f = fit(long, 12.0, false, 80.0);
        assert!(f.ends_with('…') && width(&f, 12.0, false) <= 80.0, "{f}");
        assert_eq!(fit("db", 12.0, false, 80.0), "db");
        let lines = wrap("step credential-stuffing p_success", 12.0, 90.0);
        assert!(lines.len() >= 2, "{lines:?}");
        for l in &lines {
            assert!(width(l, 12.0, false) <= 90.0, "{l}");
        }
        assert_eq!(
            lines.concat().replace(' ', ""),
            "stepcredential-stuffingp_success"
        );
    }
}
