//! One event, parsed from one JSON line without copying: strings borrow from the line unless
//! they hold escapes, and `time` and `fields` stay raw until something reads them. The schema
//! is `ensure_rules::events`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A string borrowed from the input when it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

impl Str<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the text can be written back between quotes as it is (a borrowed JSON string
    /// had no escapes, so it holds no quote, backslash or control character).
    pub fn is_plain(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }
}

#[derive(Debug, Deserialize)]
struct Raw<'a> {
    #[serde(borrow)]
    time: &'a RawValue,
    #[serde(borrow)]
    asset: Str<'a>,
    #[serde(borrow)]
    step: Str<'a>,
    #[serde(borrow, default)]
    source: Option<Str<'a>>,
    #[serde(borrow, default)]
    flow: Option<Str<'a>>,
    #[serde(borrow, default)]
    id: Option<Str<'a>>,
    #[serde(borrow, default)]
    fields: Option<&'a RawValue>,
}

/// A parsed event.
#[derive(Debug)]
pub struct Event<'a> {
    /// Hours (since the stream's epoch, or since 1970 for RFC 3339 times).
    pub time: f64,
    /// The `time` value as written (a number, or a quoted string).
    pub time_raw: &'a str,
    pub asset: Str<'a>,
    pub step: Str<'a>,
    pub source: Option<Str<'a>>,
    pub flow: Option<Str<'a>>,
    pub id: Option<Str<'a>>,
    pub fields: Option<&'a RawValue>,
}

/// Why a line is not an event.
#[derive(Debug, Clone, PartialEq)]
pub struct BadEvent(pub String);

impl fmt::Display for BadEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses one line (without its line break).
pub fn parse(line: &[u8]) -> Result<Event<'_>, BadEvent> {
    let raw: Raw<'_> = serde_json::from_slice(line).map_err(|e| BadEvent(e.to_string()))?;
    let text = raw.time.get();
    let time = parse_time(text).ok_or_else(|| {
        BadEvent(format!(
            "`time` must be a number of hours or an RFC 3339 timestamp, not {text}"
        ))
    })?;
    if raw.asset.0.is_empty() || raw.step.0.is_empty() {
        return Err(BadEvent("`asset` and `step` must not be empty".into()));
    }
    Ok(Event {
        time,
        time_raw: text,
        asset: raw.asset,
        step: raw.step,
        source: raw.source,
        flow: raw.flow,
        id: raw.id,
        fields: raw.fields,
    })
}

/// A JSON number (hours) or a quoted RFC 3339 timestamp (hours since 1970).
pub fn parse_time(text: &str) -> Option<f64> {
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return rfc3339_hours(inner);
    }
    let first = text.as_bytes().first()?;
    if !(first.is_ascii_digit() || *first == b'-') {
        return None;
    }
    text.parse::<f64>().ok().filter(|t| t.is_finite())
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` as hours since 1970-01-01T00:00:00Z.
pub fn rfc3339_hours(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            Some(part.iter().fold(0i64, |n, c| n * 10 + i64::from(c - b'0')))
        } else {
            None
        }
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    // 60 admits a leap second.
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac = 0.0;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        frac = s[start - 1..i].parse::<f64>().ok()?;
    }
    let offset_min = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'+' {
                m
            } else {
                -m
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some((secs as f64 + frac) / 3600.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_borrowing_their_strings() {
        let line = br#"{"time": 12.5, "asset": "web-front", "step": "exploit-injection", "source": "webserver", "id": "t1.c0.3", "extra": [1, {"x": 2}], "fields": {"user.name": "bob"}}"#;
        let e = parse(line).expect("valid");
        assert_eq!(e.time, 12.5);
        assert_eq!(e.time_raw, "12.5");
        assert_eq!(e.asset.as_str(), "web-front");
        assert!(e.asset.is_plain() && e.step.is_plain());
        assert_eq!(e.id.as_ref().map(Str::as_str), Some("t1.c0.3"));
        assert_eq!(e.fields.map(|f| f.get()), Some(r#"{"user.name": "bob"}"#));
        let escaped = parse(br#"{"time": 1, "asset": "a\"b", "step": "s"}"#).expect("valid");
        assert_eq!(escaped.asset.as_str(), "a\"b");
        assert!(!escaped.asset.is_plain());
    }

    #[test]
    fn rejects_what_is_not_an_event() {
        for (line, what) in [
            (
                &br#"{"asset": "a", "step": "s"}"#[..],
                "missing field `time`",
            ),
            (br#"{"time": 1, "step": "s"}"#, "missing field `asset`"),
            (
                br#"{"time": "soon", "asset": "a", "step": "s"}"#,
                "RFC 3339",
            ),
            (br#"{"time": true, "asset": "a", "step": "s"}"#, "RFC 3339"),
            (
                br#"{"time": 1, "asset": "", "step": "s"}"#,
                "must not be empty",
            ),
            (
                br#"{"time": 1, "asset": 3, "step": "s"}"#,
                "expected a string",
            ),
            (br#"{"time": 1, "asset": "a", "step": "s""#, "EOF"),
            (b"not json", "expected"),
            (b"[1, 2]", "invalid type"),
        ] {
            let err = parse(line).expect_err(what).0;
            assert!(err.contains(what), "{err} should say {what}");
        }
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(rfc3339_hours("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(rfc3339_hours("1970-01-02T01:30:00Z"), Some(25.5));
        assert_eq!(rfc3339_hours("1970-01-01T02:00:00+02:00"), Some(0.0));
        assert_eq!(rfc3339_hours("1969-12-31T23:00:00-01:00"), Some(0.0));
        // 2000-03-01 is day 11017.
        assert_eq!(rfc3339_hours("2000-03-01T00:00:00Z"), Some(11_017.0 * 24.0));
        let t = rfc3339_hours("2026-11-25T10:15:30.5Z").expect("valid");
        assert!((t * 3600.0 - 1_795_601_730.5).abs() < 1e-3, "{t}");
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T10:15:30",
            "2026-11-25T10:15:30.Z",
            "2026-11-25X10:15:30Z",
            "2026-11-25T10:15:30+0200",
        ] {
            assert_eq!(rfc3339_hours(bad), None, "{bad}");
        }
        assert_eq!(parse_time("\"1970-01-01T01:00:00Z\""), Some(1.0));
        assert_eq!(parse_time("-2.5e1"), Some(-25.0));
        assert_eq!(parse_time("1e999"), None);
    }
}
