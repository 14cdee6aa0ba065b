//! `parapompi-bench store [--dir DIR] [--scale-percent N] [--rounds N]`: the store's phases beside
//! raw sled and SQLite on the same workload, in the same run.
//! `parapompi-bench engine [--dir DIR] [--events N]`: the Engine's command rates, rebuild,
//! open, queries and memory on a demo log of about N events, then verify and replay of its bundle.
//! `parapompi-bench bundle FILE`: verify and replay of an existing bundle beside SHA-256 over
//! its bytes.
//! `parapompi-bench apply [--dir DIR] [--commands N] [--rounds N] [--parapompi PATH]`: the
//! binary's `apply` on a batch of N commands beside the Engine's own rate on the same
//! commands (build the binary first: `cargo build --release -p parapompi-cli`); `--keep`
//! leaves the batch and a set-up data directory in DIR, to run `apply` on by hand.
//! `parapompi-bench http [--dir DIR] [--rounds N]`: commands per second over HTTP from 16
//! clients beside the Engine's 16 tasks in the same rounds, the latency of a command and of
//! a caseload view over HTTP, and the memory the server adds.
//! Figures: BENCHMARKS.md.

mod apply_phase;
mod engine_phases;
mod http_phase;
mod raw_sled;
mod sqlite;
mod store_phases;
mod workload;

use std::path::PathBuf;
use std::time::Instant;

/// Events per second, and how long a phase took.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub n_events: usize,
    pub seconds: f64,
}

impl Rate {
    pub fn per_second(self) -> f64 {
        // Counts stay far below 2^52, where f64 is exact.
        #[allow(clippy::cast_precision_loss)]
        let n = self.n_events as f64;
        n / self.seconds
    }
}

/// Times `work`, which returns how many events it handled.
pub fn timed(work: impl FnOnce() -> usize) -> Rate {
    let start = Instant::now();
    let n_events = work();
    Rate { n_events, seconds: start.elapsed().as_secs_f64() }
}

struct Options {
    dir: PathBuf,
    scale_percent: usize,
    rounds: usize,
    n_events: u64,
    n_commands: usize,
    parapompi: Option<PathBuf>,
    keep: bool,
}

fn parse(args: &[String]) -> Result<(String, Options), String> {
    let mut args = args.iter().skip(1);
    let what = args.next().cloned().ok_or(
        "usage: parapompi-bench store|engine|apply|http [--dir DIR] [--scale-percent N] [--rounds N] [--events N] [--commands N] [--parapompi PATH] [--keep] | bundle FILE",
    )?;
    let mut options = Options {
        dir: PathBuf::from("target/bench-data"),
        scale_percent: 100,
        rounds: 3,
        n_events: 1_000_000,
        n_commands: 10_000,
        parapompi: None,
        keep: false,
    };
    if what == "rebuild-child" || what == "bundle" {
        options.dir = PathBuf::from(args.next().ok_or(format!("{what} needs a path"))?);
        return Ok((what, options));
    }
    while let Some(flag) = args.next() {
        if flag == "--keep" {
            options.keep = true;
            continue;
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--dir" => options.dir = PathBuf::from(value),
            "--events" => {
                options.n_events = value.parse().map_err(|_| format!("--events: {value:?} is not a number"))?
            }
            "--commands" => {
                options.n_commands = value.parse().map_err(|_| format!("--commands: {value:?} is not a number"))?
            }
            "--parapompi" => options.parapompi = Some(PathBuf::from(value)),
            "--scale-percent" => {
                options.scale_percent =
                    value.parse().map_err(|_| format!("--scale-percent: {value:?} is not a number"))?;
            }
            "--rounds" => {
                options.rounds = value.parse().map_err(|_| format!("--rounds: {value:?} is not a number"))?;
                if options.rounds == 0 {
                    return Err("--rounds must be at least 1".to_owned());
                }
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok((what, options))
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (what, options) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::from(2);
        }
    };
    match what.as_str() {
        "store" => {
            if options.dir.exists() {
                std::fs::remove_dir_all(&options.dir).expect("the old bench data is removed");
            }
            std::fs::create_dir_all(&options.dir).expect("the bench directory is made");
            store_phases::run(&options.dir, options.scale_percent, options.rounds);
            std::fs::remove_dir_all(&options.dir).expect("the bench data is removed");
            std::process::ExitCode::SUCCESS
        }
        "engine" => {
            if options.dir.exists() {
                std::fs::remove_dir_all(&options.dir).expect("the old bench data is removed");
            }
            std::fs::create_dir_all(&options.dir).expect("the bench directory is made");
            engine_phases::run(&options.dir, options.n_events);
            std::fs::remove_dir_all(&options.dir).expect("the bench data is removed");
            std::process::ExitCode::SUCCESS
        }
        "apply" => {
            if options.dir.exists() {
                std::fs::remove_dir_all(&options.dir).expect("the old bench data is removed");
            }
            std::fs::create_dir_all(&options.dir).expect("the bench directory is made");
            let result =
                apply_phase::run(&options.dir, options.n_commands, options.rounds, options.parapompi.as_deref());
            if options.keep {
                apply_phase::keep(&options.dir);
            } else {
                std::fs::remove_dir_all(&options.dir).expect("the bench data is removed");
            }
            match result {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("{message}");
                    std::process::ExitCode::from(2)
                }
            }
        }
        "http" => {
            if options.dir.exists() {
                std::fs::remove_dir_all(&options.dir).expect("the old bench data is removed");
            }
            std::fs::create_dir_all(&options.dir).expect("the bench directory is made");
            http_phase::run(&options.dir, options.rounds);
            std::fs::remove_dir_all(&options.dir).expect("the bench data is removed");
            std::process::ExitCode::SUCCESS
        }
        "bundle" => {
            let n_records = match parapompi::bundle::verify_bundles(std::slice::from_ref(&options.dir)) {
                Ok(verified) => verified.n_events,
                Err(error) => {
                    eprintln!("{error}");
                    return std::process::ExitCode::from(2);
                }
            };
            engine_phases::time_bundle(&options.dir, n_records);
            std::process::ExitCode::SUCCESS
        }
        "rebuild-child" => {
            engine_phases::rebuild_child(&options.dir);
            std::process::ExitCode::SUCCESS
        }
        other => {
            eprintln!("unknown benchmark {other:?}; try: store, engine, apply, http, bundle FILE");
            std::process::ExitCode::from(2)
        }
    }
}
