//! `ensure report` and `ensure pilots` end to end: reports written from result files, bad
//! result files refused with a place and a hint, the pilots reproduced byte for byte, and
//! every pilot report rendered in headless Chromium with each chart and the graph present
//! and drawn (screenshots under `target/test-artefacts/`).
//!
//! Chromium comes from `ENSURE_CHROMIUM` (scripts/test.sh installs Debian's `chromium` and
//! sets it) or the PATH. Without it the browser test reports a skip, except under CI (env
//! `CI` set), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ensure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ensure"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the ensure binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

const SMALL: &str = "reports/tests/fixtures/small";

fn small_results() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join(SMALL).join("results"))
        .expect("fixture results")
        .map(|e| {
            format!(
                "{SMALL}/results/{}",
                e.expect("entry").file_name().to_string_lossy()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn report_writes_html_markdown_and_json_the_same_twice() {
    let dir = scratch("report");
    let html = dir.join("r.html");
    let md = dir.join("md");
    let json = dir.join("r.json");
    let run = || {
        let mut args = vec!["report".to_string(), format!("{SMALL}/model.yaml")];
        args.extend(small_results());
        for (flag, p) in [("--html", &html), ("--markdown", &md), ("--json", &json)] {
            args.push(flag.into());
            args.push(p.display().to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = ensure(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            std::fs::read(&html).expect("html written"),
            std::fs::read(md.join("report.md")).expect("markdown written"),
            std::fs::read(&json).expect("json written"),
        )
    };
    let first = run();
    let second = run();
    assert!(first == second, "two runs of ensure report differ");
    let page = String::from_utf8(first.0).expect("utf-8");
    assert!(page.contains("<h1>Security report: small-shop</h1>"));
    assert!(page.contains("ensure report reports/tests/fixtures/small/model.yaml"));
    let text = String::from_utf8(first.1).expect("utf-8");
    for image in text
        .lines()
        .filter_map(|l| l.strip_prefix("!["))
        .filter_map(|l| l.split("](").nth(1))
        .map(|l| l.trim_end_matches(')'))
    {
        assert!(md.join(image).is_file(), "{image} missing");
    }
}

#[test]
fn bad_result_files_are_refused_with_a_place_and_a_hint() {
    let dir = scratch("bad-results");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\n  \"models\": [\n    {\"file\": 3}\n  ]\n}\n").expect("write");
    let out_html = dir.join("r.html");
    let out = ensure(&[
        "report",
        &format!("{SMALL}/model.yaml"),
        &bad.display().to_string(),
        "--html",
        &out_html.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json:3:") && err.contains("not a valid verification result"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    assert!(!out_html.exists(), "a report was written despite the error");

    // Results of another model.
    let other = ensure(&[
        "report",
        "scenarios/bank-payments/model.yaml",
        &format!("{SMALL}/results/simulation.json"),
        "--html",
        &out_html.display().to_string(),
    ]);
    assert_eq!(other.status.code(), Some(2));
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(err.contains("simulation of `small-shop`"), "{err}");
    // Nothing to write.
    let none = ensure(&["report", &format!("{SMALL}/model.yaml")]);
    assert_eq!(none.status.code(), Some(2));
}

/// The pilots, run twice into the same folder (the second run replaces the first); the
/// folder and whether the two runs gave the same reports.
fn pilots() -> &'static (PathBuf, Result<(), String>) {
    static RUN: OnceLock<(PathBuf, Result<(), String>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = scratch("pilots");
        let out_s = out.display().to_string();
        let run = || {
            let o = ensure(&["pilots", "--quick", "--out", &out_s]);
            assert!(
                o.status.success(),
                "ensure pilots failed:\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
        };
        let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
            let mut files = Vec::new();
            for pilot in [
                "bank-payments",
                "ecommerce-platform",
                "pharmacy-supply-chain",
            ] {
                for f in ["report.html", "report.md", "report.json"] {
                    let p = dir.join(pilot).join(f);
                    files.push((
                        format!("{pilot}/{f}"),
                        std::fs::read(&p).unwrap_or_else(|_| panic!("{} missing", p.display())),
                    ));
                }
            }
            files.push((
                "index.html".into(),
                std::fs::read(dir.join("index.html")).expect("index"),
            ));
            files
        };
        run();
        let first = snapshot(&out);
        run();
        let second = snapshot(&out);
        let differing: Vec<&str> = first
            .iter()
            .zip(&second)
            .filter(|(a, b)| a.1 != b.1)
            .map(|(a, _)| a.0.as_str())
            .collect();
        let same = if differing.is_empty() {
            Ok(())
        } else {
            Err(format!("differ between two runs: {}", differing.join(", ")))
        };
        (out, same)
    })
}

#[test]
fn the_pilots_are_reproduced_byte_for_byte() {
    let (out, same) = pilots();
    same.clone().unwrap();
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    for pilot in [
        "bank-payments",
        "ecommerce-platform",
        "pharmacy-supply-chain",
    ] {
        assert!(
            index.contains(&format!("href=\"{pilot}/report.html\"")),
            "{pilot}"
        );
        for f in [
            "verify.json",
            "simulation.json",
            "sensitivity.json",
            "plan.json",
            "rules/rules.json",
            "graph.dot",
            "graph.svg",
            "images/fig-graph.svg",
        ] {
            assert!(out.join(pilot).join(f).is_file(), "{pilot}/{f} missing");
        }
    }
    // Nothing half-written is left beside the pilots.
    let stray: Vec<String> = std::fs::read_dir(out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(stray.is_empty(), "left behind: {stray:?}");
}

// ------------------------------------------------------------------ browser

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ENSURE_CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium without network access on `url` with `extra` arguments.
///
/// Headless Chromium now and then never exits after it has written its output (seen with
/// Debian's 156 on a loaded machine), so a run that takes over a minute is killed and
/// tried again, up to three times.
fn run_chromium(chrome: &Path, profile: &Path, extra: &[String], url: &str) -> Output {
    for attempt in 1..=3 {
        let _ = std::fs::remove_dir_all(profile);
        let mut child = Command::new(chrome)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-crash-reporter",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--run-all-compositor-stages-before-draw",
                "--virtual-time-budget=5000",
                // No network: any request to an address outside the page fails.
                "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium runs");
        // Drain the pipes while waiting, so a full pipe cannot stall the browser.
        fn drain(mut r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
            std::thread::spawn(move || {
                let mut v = Vec::new();
                let _ = r.read_to_end(&mut v);
                v
            })
        }
        let out_reader = drain(child.stdout.take().expect("stdout"));
        let err_reader = drain(child.stderr.take().expect("stderr"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let status = loop {
            match child.try_wait().expect("wait for chromium") {
                Some(status) => break Some(status),
                None if std::time::Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                None => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        };
        // A killed browser may leave helpers holding the pipes: do not wait for them.
        if let Some(status) = status {
            return Output {
                status,
                stdout: out_reader.join().unwrap_or_default(),
                stderr: err_reader.join().unwrap_or_default(),
            };
        }
        eprintln!("chromium did not exit within a minute (attempt {attempt} of 3); killed");
    }
    panic!("chromium never exited within a minute, in three attempts");
}

/// Measures every figure of the page in the browser: a copy of the report with a script
/// that writes, for each figure, its SVG's size on screen and how many of its elements
/// have a non-empty box.
const MEASURE: &str = r#"<script>
const out = [];
for (const f of document.querySelectorAll('figure')) {
  const svg = f.querySelector('svg');
  const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  let marks = 0, drawn = 0;
  if (svg) for (const e of svg.querySelectorAll('path,rect,line,polyline,polygon,circle,text')) {
    marks++;
    const b = e.getBBox();
    if (b.width > 0 || b.height > 0) drawn++;
  }
  out.push({id: f.id, kind: f.dataset.kind || '', width: r.width, height: r.height, marks, drawn});
}
const pre = document.createElement('pre');
pre.id = 'ensure-measure';
pre.textContent = JSON.stringify({height: document.documentElement.scrollHeight, figures: out});
document.body.appendChild(pre);
</script>"#;

#[derive(Debug)]
struct Measured {
    height: f64,
    figures: Vec<serde_json::Value>,
}

fn measure(chrome: &Path, html: &Path, work: &Path) -> Result<Measured, String> {
    let page = std::fs::read_to_string(html).map_err(|e| e.to_string())?;
    let probe = work.join("probe.html");
    std::fs::write(
        &probe,
        page.replace("</body>", &format!("{MEASURE}</body>")),
    )
    .map_err(|e| e.to_string())?;
    let out = run_chromium(
        chrome,
        &work.join("profile"),
        &["--dump-dom".into()],
        &format!("file://{}", probe.display()),
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"ensure-measure\">").ok_or_else(|| {
        format!(
            "the page did not run its probe; chromium said:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let rest = &dom[start + "<pre id=\"ensure-measure\">".len()..];
    let json = rest[..rest.find("</pre>").ok_or("unterminated probe")?]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let v: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    Ok(Measured {
        height: v["height"].as_f64().unwrap_or(0.0),
        figures: v["figures"].as_array().cloned().unwrap_or_default(),
    })
}

/// What a rendered report must show: every figure on screen with drawn elements, and
/// the charts a pilot's report has.
fn check_rendered(m: &Measured, n_figures_in_file: usize) -> Result<(), String> {
    let mut problems = Vec::new();
    if m.figures.len() != n_figures_in_file {
        problems.push(format!(
            "{} figures rendered, {} in the file",
            m.figures.len(),
            n_figures_in_file
        ));
    }
    for f in &m.figures {
        let (w, h) = (
            f["width"].as_f64().unwrap_or(0.0),
            f["height"].as_f64().unwrap_or(0.0),
        );
        let drawn = f["drawn"].as_u64().unwrap_or(0);
        if w < 100.0 || h < 50.0 || drawn < 10 {
            problems.push(format!(
                "figure {} ({}) is {w:.0}x{h:.0} px with {drawn} drawn elements",
                f["id"], f["kind"]
            ));
        }
    }
    let kinds: Vec<&str> = m
        .figures
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    for k in [
        "graph",
        "ttc",
        "exceedance",
        "heatmap",
        "cascade",
        "forest",
        "tornado",
        "frontier",
    ] {
        if !kinds.contains(&k) {
            problems.push(format!("no {k} chart"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn pilot_reports_render_in_chromium_with_every_chart_drawn() {
    let Some(chrome) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: Chromium is missing (scripts/test.sh installs Debian's chromium)"
        );
        eprintln!("skipped: no Chromium (set ENSURE_CHROMIUM or install chromium)");
        return;
    };
    let (out, _) = pilots();
    let artefacts = root().join("target/test-artefacts");
    std::fs::create_dir_all(&artefacts).expect("artefacts dir");
    let work = scratch("chromium");
    let mut failures = Vec::new();
    for pilot in [
        "bank-payments",
        "ecommerce-platform",
        "pharmacy-supply-chain",
    ] {
        let html = out.join(pilot).join("report.html");
        let n_figures = std::fs::read_to_string(&html)
            .expect("report")
            .matches("<figure ")
            .count();
        let m = match measure(&chrome, &html, &work) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{pilot}: {e}"));
                continue;
            }
        };
        if let Err(e) = check_rendered(&m, n_figures) {
            failures.push(format!("{pilot}: {e}"));
        }
        // The whole page, for people to look at.
        let shot = artefacts.join(format!("{pilot}.png"));
        let height = (m.height as u32).clamp(800, 16_000);
        let o = run_chromium(
            &chrome,
            &work.join("profile"),
            &[
                format!("--window-size=1400,{height}"),
                format!("--screenshot={}", shot.display()),
            ],
            &format!("file://{}", html.display()),
        );
        if !shot.is_file() {
            failures.push(format!(
                "{pilot}: no screenshot: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
    }
    eprintln!("screenshots in {}", artefacts.display());
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The check fails on a report whose chart is empty.
    let html = std::fs::read_to_string(out.join("bank-payments/report.html")).expect("report");
    let start = html
        .find("<figure class=\"figure ttc\"")
        .expect("a ttc chart");
    let svg_open = start + html[start..].find("<svg").expect("svg");
    let body = svg_open + html[svg_open..].find('>').expect("svg tag") + 1;
    let end = body + html[body..].find("</svg>").expect("svg end");
    let broken = format!("{}{}", &html[..body], &html[end..]);
    let broken_path = work.join("broken.html");
    std::fs::write(&broken_path, &broken).expect("write");
    let m = measure(&chrome, &broken_path, &work).expect("measured");
    let err = check_rendered(&m, broken.matches("<figure ").count())
        .expect_err("an empty chart must fail the check");
    assert!(err.contains("(\"ttc\")"), "{err}");
}
