//! The flood benchmark's input and baseline.
//!
//! ```text
//! flood generate RULES N OUT    N events: one in a hundred matches a rule of RULES (a single
//!                               rule's step and asset, or a sequence's `first` or `then`), the
//!                               rest are benign telemetry on 5,000 assets and 40 step names;
//!                               one in ten thousand lines is malformed; every event carries a
//!                               session field from a million values
//! flood rules IN OUT            IN plus a sequence rule on the benign telemetry (`login`
//!                               then `export` of the same session, with a window longer than
//!                               any flood), so that the flood fills the sequence memory up to
//!                               its cap: without the cap it would grow with the input
//! flood parse-json FILE         baseline: split FILE into lines and parse each as a
//!                               `serde_json::Value` (a generic JSON parser), single-threaded
//! flood parse-events FILE       baseline: the same with the event parser of `ensure watch`
//!                               alone (no rules, no output)
//! ```
//!
//! Deterministic (a fixed-seed SplitMix64), so every run floods with the same bytes.

use std::io::{BufWriter, Read, Write};
use std::time::Instant;

use ensure_rules::native::{Detection, Match, RuleSet};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn first_pair(m: &Match) -> Option<(String, String)> {
    Some((m.asset.first()?.clone(), m.step.first()?.clone()))
}

fn generate(rules: &str, n: u64, out: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(rules)?;
    let set = RuleSet::from_json(&text).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut hits: Vec<(String, String)> = Vec::new();
    for r in &set.rules {
        match &r.detection {
            Detection::Single { matches } => hits.extend(first_pair(matches)),
            Detection::Sequence { first, then, .. } => {
                hits.extend(first_pair(first));
                hits.extend(first_pair(then));
            }
        }
    }
    const STEPS: [&str; 40] = [
        "login",
        "logout",
        "read",
        "write",
        "list",
        "query",
        "upload",
        "download",
        "connect",
        "disconnect",
        "scan",
        "ping",
        "resolve",
        "sync",
        "backup",
        "restore",
        "open",
        "close",
        "badge-in",
        "badge-out",
        "gps-fix",
        "door-open",
        "door-close",
        "temp-reading",
        "print",
        "email-in",
        "email-out",
        "vpn-up",
        "vpn-down",
        "api-call",
        "page-view",
        "checkout",
        "search",
        "refund",
        "export",
        "import",
        "deploy",
        "restart",
        "alert-ack",
        "heartbeat",
    ];
    let mut rng = Rng(0x5EED);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    for i in 0..n {
        let time = i as f64 * 0.001;
        if rng.below(10_000) == 0 {
            writeln!(w, "{{\"time\": {time}, \"asset\": \"broken")?;
            continue;
        }
        let (asset, step) = if !hits.is_empty() && rng.below(100) == 0 {
            hits[rng.below(hits.len() as u64) as usize].clone()
        } else {
            (
                format!("host-{:04}", rng.below(5000)),
                STEPS[rng.below(40) as usize].to_string(),
            )
        };
        writeln!(
            w,
            "{{\"time\":{time:.3},\"asset\":\"{asset}\",\"step\":\"{step}\",\"source\":\"flood\",\"id\":\"e{i}\",\"fields\":{{\"session\":\"s{}\"}}}}",
            rng.below(1_000_000)
        )?;
    }
    w.flush()
}

fn rules(input: &str, out: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(input)?;
    let mut set = RuleSet::from_json(&text).map_err(|e| std::io::Error::other(e.to_string()))?;
    let step = |s: &str| Match {
        step: vec![s.to_string()],
        ..Match::default()
    };
    set.rules.push(ensure_rules::Rule {
        id: "flood-login-then-export".into(),
        name: "flood_login_then_export".into(),
        title: "login then export in one session".into(),
        level: ensure_rules::Level::Medium,
        detection: Detection::Sequence {
            first: step("login"),
            then: step("export"),
            within_hours: 1e9,
            by: vec!["fields.session".into()],
        },
        techniques: vec![],
        logsource: None,
        next_steps: vec![],
        assets_at_risk: vec![],
        why: None,
    });
    std::fs::write(out, set.to_json())
}

/// Calls `f` on every line of `file`; returns (lines, bytes, seconds).
fn each_line(file: &str, mut f: impl FnMut(&[u8])) -> std::io::Result<(u64, u64, f64)> {
    let start = Instant::now();
    let mut file = std::fs::File::open(file)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    let (mut lines, mut bytes) = (0u64, 0u64);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        carry.extend_from_slice(&buf[..n]);
        let mut pos = 0;
        while let Some(nl) = memchr::memchr(b'\n', &carry[pos..]) {
            f(&carry[pos..pos + nl]);
            lines += 1;
            pos += nl + 1;
        }
        carry.drain(..pos);
    }
    Ok((lines, bytes, start.elapsed().as_secs_f64()))
}

fn report(what: &str, file: &str, f: impl FnMut(&[u8]) -> bool) -> std::io::Result<()> {
    let mut f = f;
    let mut bad = 0u64;
    let (lines, bytes, secs) = each_line(file, |line| {
        if !f(line) {
            bad += 1;
        }
    })?;
    println!(
        "{what}: {lines} lines ({bad} rejected), {bytes} bytes in {secs:.3} s wall: {:.2} M lines/s",
        lines as f64 / secs / 1e6
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("generate") if args.len() == 5 => match args[3].parse() {
            Ok(n) => generate(&args[2], n, &args[4]),
            Err(_) => Err(std::io::Error::other("N must be a number")),
        },
        Some("rules") if args.len() == 4 => rules(&args[2], &args[3]),
        Some("parse-json") if args.len() == 3 => report("serde_json::Value", &args[2], |l| {
            serde_json::from_slice::<serde_json::Value>(l).is_ok()
        }),
        Some("parse-events") if args.len() == 3 => report("event parser", &args[2], |l| {
            ensure_watch::event::parse(l).is_ok()
        }),
        _ => Err(std::io::Error::other(
            "usage: flood generate RULES N OUT | flood rules IN OUT | flood parse-json FILE | flood parse-events FILE",
        )),
    };
    if let Err(e) = result {
        eprintln!("flood: {e}");
        std::process::exit(2);
    }
}
