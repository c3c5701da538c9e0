//! Load-and-validate benchmark: `cargo run --release -p ensure-model --example bench_load --
//! 1000 10000 100000`. For each size it times, on the same generated text, a parse-only
//! baseline (serde_json to a `Value`; marked-yaml to its node tree) and the full
//! `ensure_model::check` (parse, resolve, instantiate the attack graph, validate). Figures
//! are medians of five runs; the ratio to the baseline is what to compare across machines.
use std::path::Path;
use std::time::{Duration, Instant};

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..5).map(|_| f()).collect();
    v.sort();
    v[2]
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("sizes are numbers"))
        .collect();
    println!(
        "| assets | format | bytes | parse-only baseline | ensure check | ratio | attack steps |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for n in sizes {
        let doc = ensure_model::synthetic::generate(n, 1);
        let json = serde_json::to_string(&doc).expect("serializes");
        let yaml = ensure_model::format::to_yaml(&doc).expect("serializes");
        for (format, text) in [("json", &json), ("yaml", &yaml)] {
            let name = format!("bench.{format}");
            let read = |_: &Path| Ok(text.clone());
            let baseline = median(|| {
                let t = Instant::now();
                if format == "json" {
                    let v: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
                    std::hint::black_box(&v);
                } else {
                    let v = marked_yaml::parse_yaml(0, text).expect("valid YAML");
                    std::hint::black_box(&v);
                }
                t.elapsed()
            });
            let mut n_steps = 0;
            let full = median(|| {
                let t = Instant::now();
                let checked = ensure_model::check(Path::new(&name), &read);
                let elapsed = t.elapsed();
                assert!(
                    checked.diagnostics.is_empty(),
                    "{:?}",
                    checked.diagnostics.first()
                );
                n_steps = checked.model.as_ref().map_or(0, |m| m.steps.len());
                elapsed
            });
            println!(
                "| {} | {format} | {} | {:.3} s | {:.3} s | {:.2} | {n_steps} |",
                doc.assets.len(),
                text.len(),
                baseline.as_secs_f64(),
                full.as_secs_f64(),
                full.as_secs_f64() / baseline.as_secs_f64()
            );
        }
    }
}
