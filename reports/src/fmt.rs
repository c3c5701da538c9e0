//! Number formatting shared by tables, charts and headlines: fixed precision, so a report is
//! a pure function of its inputs, and units always written.

/// Money: `EUR 1.23 M`, `EUR 456.7 k`, `EUR 12`.
pub fn eur(x: f64) -> String {
    format!("EUR {}", eur_short(x))
}

/// Money without the currency, for axis ticks: `1.2 M`, `450 k`, `12`.
pub fn eur_short(x: f64) -> String {
    let a = x.abs();
    if !x.is_finite() {
        return "n/a".into();
    }
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, " bn")
    } else if a >= 1e6 {
        (x / 1e6, " M")
    } else if a >= 1e3 {
        (x / 1e3, " k")
    } else {
        (x, "")
    };
    let digits = if unit.is_empty() || v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    trim_zeros(&format!("{v:.digits$}")) + unit
}

/// A probability as a percentage with enough digits to tell small values apart.
pub fn pct(p: f64) -> String {
    let x = 100.0 * p;
    if x == 0.0 {
        "0 %".into()
    } else if x.abs() >= 10.0 {
        format!("{x:.1} %")
    } else if x.abs() >= 0.1 {
        format!("{x:.2} %")
    } else {
        format!("{x:.3} %")
    }
}

/// A probability with its 95 % interval: `12.3 % [11.9, 12.8]`.
pub fn pct_ci(p: f64, ci: [f64; 2]) -> String {
    format!(
        "{} [{}, {}]",
        pct(p),
        pct(ci[0]).trim_end_matches(" %"),
        pct(ci[1]).trim_end_matches(" %")
    )
}

/// A signed difference of probabilities in percentage points.
pub fn pp(d: f64) -> String {
    let x = 100.0 * d;
    let s = if x.abs() >= 10.0 {
        format!("{x:+.1}")
    } else if x.abs() >= 0.1 {
        format!("{x:+.2}")
    } else {
        format!("{x:+.3}")
    };
    format!("{s} pp")
}

/// A signed amount of money.
pub fn eur_signed(x: f64) -> String {
    if x < 0.0 {
        format!("−EUR {}", eur_short(-x))
    } else {
        format!("+EUR {}", eur_short(x))
    }
}

/// A duration: minutes, hours or days.
pub fn hours(h: f64) -> String {
    if !h.is_finite() {
        "n/a".into()
    } else if h >= 48.0 {
        format!("{:.1} d", h / 24.0)
    } else if h >= 1.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.0} min", h * 60.0)
    }
}

/// A plain number with a fixed number of decimals and no trailing zeros.
pub fn num(x: f64, decimals: usize) -> String {
    trim_zeros(&format!("{x:.decimals$}"))
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".into()
        } else {
            t.to_string()
        }
    } else {
        s.to_string()
    }
}

/// A count with thousands separators (thin spaces would not survive Markdown tables).
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_same_everywhere() {
        let cases: [(String, &str); 14] = [
            (eur(61_120_780.9), "EUR 61.1 M"),
            (eur(135_266_304.0), "EUR 135 M"),
            (eur(1_500.0), "EUR 1.5 k"),
            (eur(12.4), "EUR 12"),
            (eur(2.0e9), "EUR 2 bn"),
            (eur_signed(-1_618_721.0), "−EUR 1.62 M"),
            (pct(0.935), "93.5 %"),
            (pct(0.0123), "1.23 %"),
            (pct(0.0005), "0.050 %"),
            (pct_ci(0.5, [0.45, 0.55]), "50.0 % [45.0, 55.0]"),
            (pp(-0.00055), "-0.055 pp"),
            (hours(2512.0), "104.7 d"),
            (hours(0.5), "30 min"),
            (count(1_234_567), "1,234,567"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        assert_eq!(num(2.50, 2), "2.5");
        assert_eq!(num(-0.0001, 2), "0");
    }
}
