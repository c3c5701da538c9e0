//! Simulation speed on one model: trials per second, nanoseconds per attack-graph edge per
//! trial, 1 against 2 threads, and peak memory.
//!
//! ```sh
//! ensure generate --assets 10000 --seed 1 --format json --out g10k.json
//! cargo run --release -p ensure-simulator --example bench_sim -- g10k.json [SECONDS]
//! ```
//!
//! Each measurement runs trials for SECONDS (default 5) of wall time on 1 or 2 worker
//! threads, each with its own scratch memory, as `ensure simulate` runs them. "attack" times `simulate_trial` alone (campaigns, detection, cascades, losses);
//! "full" adds the statistics, as `ensure simulate` runs them. "ns per edge per trial" is
//! single-thread wall time per trial over the number of live attack-graph edges of the
//! model; "per relaxed edge" divides by the edges the trial's campaigns actually scanned.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ensure_simulator::compile::{compile, Configuration};
use ensure_simulator::tally::TallyScratch;
use ensure_simulator::trial::TrialOptions;
use ensure_simulator::{simulate_trial, Compiled, Tally, TrialScratch};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time of the calling thread, from /proc (Linux; clock ticks of 10 ms, so measure for
/// seconds). NaN elsewhere.
fn thread_cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name in parentheses; utime and stime are 14 and 15.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// Steady-state throughput: `threads` workers, each with its own scratch (and tally, when
/// `full`), take trial numbers from a shared counter until `min` has passed. Returns trials
/// per second of wall time and per second of CPU time (the latter does not suffer from other
/// processes sharing the machine).
fn throughput(c: &Compiled<'_>, threads: usize, min: Duration, full: bool) -> (f64, f64) {
    let next = AtomicU64::new(0);
    let start = Instant::now();
    let (done, cpu): (u64, f64) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut sc = TrialScratch::new(c, TrialOptions::default());
                    let mut tally = full.then(|| (Tally::new(c), TallyScratch::new(c)));
                    let cpu0 = thread_cpu_secs();
                    let mut n = 0u64;
                    while start.elapsed() < min {
                        let t = next.fetch_add(1, Ordering::Relaxed);
                        let trial = simulate_trial(c, 1, t, &mut sc);
                        match &mut tally {
                            Some((acc, ys)) => acc.add(trial, ys),
                            None => {
                                std::hint::black_box(trial.loss_eur);
                            }
                        }
                        n += 1;
                    }
                    (n, thread_cpu_secs() - cpu0)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker"))
            .fold((0, 0.0), |(n, c), (m, d)| (n + m, c + d))
    });
    (
        done as f64 / start.elapsed().as_secs_f64(),
        done as f64 / cpu,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: bench_sim MODEL [SECONDS]");
        std::process::exit(2);
    };
    let secs: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let min = Duration::from_secs_f64(secs);
    let t0 = Instant::now();
    let checked = ensure_model::check(std::path::Path::new(path), &|p| std::fs::read_to_string(p));
    let Some(model) = checked.model else {
        eprintln!("{path}: the model has errors");
        std::process::exit(2);
    };
    let load = t0.elapsed();
    let t1 = Instant::now();
    let c = compile(&model, &Configuration::current(&model)).expect("compiles");
    let compile_time = t1.elapsed();
    let edges = c.n_live_edges() as f64;

    // What a trial reaches, from a sample with completions recorded (not timed).
    let mut sc = TrialScratch::new(
        &c,
        TrialOptions {
            completions: true,
            paths: false,
        },
    );
    let sample = 64u64;
    let (mut campaigns, mut completed, mut relaxed) = (0u64, 0u64, 0u64);
    for t in 0..sample {
        let trial = simulate_trial(&c, 1, t, &mut sc);
        campaigns += trial.campaigns.len() as u64;
        completed += trial.completions.len() as u64;
        relaxed += trial
            .completions
            .iter()
            .map(|k| c.n_children(k.step) as u64)
            .sum::<u64>();
    }
    let per = |x: u64| x as f64 / sample as f64;
    drop(sc);

    let (rate1, cpu1) = throughput(&c, 1, min, false);
    let (rate2, cpu2) = throughput(&c, 2, min, false);
    let (ratef, cpuf) = throughput(&c, 1, min, true);
    let (ratef2, cpuf2) = throughput(&c, 2, min, true);
    println!(
        "model {path}: {} assets, {} steps, {} live edges; load {:.2} s, compile {:.2} s",
        model.assets.len(),
        model.steps.len(),
        edges,
        load.as_secs_f64(),
        compile_time.as_secs_f64()
    );
    println!(
        "per trial: {:.1} campaigns, {:.0} steps completed, {:.0} edges relaxed",
        per(campaigns),
        per(completed),
        per(relaxed)
    );
    println!(
        "attack, 1 thread: {rate1:.1} trials/s ({cpu1:.1} per CPU second), {:.1} ns per edge per trial, {:.0} ns per completed step, {:.0} ns per relaxed edge (CPU time)",
        1e9 / cpu1 / edges,
        1e9 / cpu1 / per(completed).max(1.0),
        1e9 / cpu1 / per(relaxed).max(1.0)
    );
    println!(
        "attack, 2 threads: {rate2:.1} trials/s, speed-up {:.2} (wall); per CPU second {cpu2:.1}, {:.2} of one thread's",
        rate2 / rate1,
        cpu2 / cpu1
    );
    println!(
        "full (with statistics): 1 thread {ratef:.1} trials/s ({cpuf:.1} per CPU second), 2 threads {ratef2:.1} trials/s (speed-up {:.2} wall; per CPU second {cpuf2:.1}, {:.2} of one thread's)",
        ratef2 / ratef,
        cpuf2 / cpuf
    );
    println!("peak RSS {:.0} MB", peak_rss_mb());
}
