//! Prints how long each phase of loading a model takes: `cargo run --release --example
//! load_phases -- FILE`.
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: load_phases FILE");
    let read = |p: &std::path::Path| std::fs::read_to_string(p);
    let t0 = Instant::now();
    let loaded = ensure_model::load(std::path::Path::new(&path), &read);
    let t1 = Instant::now();
    let (model, _) = ensure_model::build(&loaded.doc, ensure_model::catalog::types());
    let t2 = Instant::now();
    drop(model);
    let t3 = Instant::now();
    println!(
        "load {:?} (spans: {})  build {:?}  drop model {:?}",
        t1 - t0,
        loaded.has_spans,
        t2 - t1,
        t3 - t2
    );
}
