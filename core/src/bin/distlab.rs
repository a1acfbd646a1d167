//! `distlab`: runs scenario files natively and reports whether their expectations hold.
//!
//! ```text
//! distlab run content/scenarios/raft-election.json [more.json ...] [--trace]
//! distlab check FILE...        # parse and validate only
//! distlab models               # list models, their settings, queries, metrics, invariants
//! distlab explore MODEL [--set key=value]... [--strategy bfs|dfs|random] [--depth N]
//!         [--crashes N] [--drops N] [--duplicates N] [--partitions N] [--commands N]
//!         [--command NAME]... [--states N] [--seed N] [--no-ghost] [--no-shrink] [--out FILE]
//!         [--from SCENARIO.json --until TIME] [--rounds] [--threads N]
//! ```
//! `explore` runs the model checker: it prints progress, and on a violation shrinks the
//! schedule and writes it as a scenario file (default `counterexample.json`), exit code 1.
//! `--from` starts the search from a scripted state: the scenario's seed and settings (before
//! any `--set`), and its timeline entries up to `--until` (default: its last entry) run with the
//! clock; the explorer picks every event after that. `--rounds`: after each choice the network
//! delivers every message in flight, so the explorer picks only timers, faults and commands.
//! `--threads N`: a breadth-first search runs on N threads with exactly the one-thread result
//! (default: one per core, at most 4); other strategies run on one. On a 2-core machine 2
//! threads do about 1.5 times the states per second of one on raft-3 (`make bench` prints both).
//! Exit code: 0 when every scenario passes, 1 when an expectation fails or an invariant is
//! violated (with no expectation naming it), 2 for unreadable or invalid files.
//!
//! When the reader of the output goes away (`distlab models | head`), the rest of the output is
//! dropped quietly and the exit code is still the verdict.

/// The model checker allocates and keeps a world or two per state: see the note on mimalloc in
/// core/Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use distlab_core::scenario::{self, Scenario};
use distlab_core::time::fmt_time;
use std::io::{ErrorKind, Write};
use std::process::ExitCode;

/// Standard output that never panics: `println!` panics on a closed pipe ("failed printing to
/// stdout: Broken pipe"). After a broken pipe the rest is dropped; any other write error is
/// reported once on stderr and makes the exit code 2.
struct Out {
    stdout: std::io::StdoutLock<'static>,
    closed: bool,
    failed: bool,
}

impl Out {
    fn new() -> Out {
        Out { stdout: std::io::stdout().lock(), closed: false, failed: false }
    }

    fn line(&mut self, args: std::fmt::Arguments) {
        if self.closed {
            return;
        }
        let written = self.stdout.write_fmt(args).and_then(|()| self.stdout.write_all(b"\n"));
        if let Err(e) = written {
            self.fail(e);
        }
    }

    fn fail(&mut self, e: std::io::Error) {
        self.closed = true;
        if e.kind() != ErrorKind::BrokenPipe {
            self.failed = true;
            eprintln!("error: cannot write the output: {e}");
        }
    }

    /// Flushes; the exit code for `code` given how writing went.
    fn finish(mut self, code: u8) -> ExitCode {
        if !self.closed {
            if let Err(e) = self.stdout.flush() {
                self.fail(e);
            }
        }
        ExitCode::from(if self.failed { code.max(2) } else { code })
    }
}

/// `println!` into an [`Out`].
macro_rules! out {
    ($out:expr, $($arg:tt)*) => { $out.line(format_args!($($arg)*)) };
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprintln!("usage: distlab run FILE... [--trace] | distlab check FILE... | distlab models");
        return ExitCode::from(2);
    };
    let files: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with("--")).collect();
    let show_trace = args.iter().any(|a| a == "--trace");
    let mut out = Out::new();
    match cmd.as_str() {
        "models" => {
            list_models(&mut out);
            out.finish(0)
        }
        "explore" => {
            let code = explore(&mut out, &args[1..]);
            out.finish(code)
        }
        "run" | "check" if !files.is_empty() => {
            let mut worst = 0u8;
            for file in files {
                worst = worst.max(run_file(&mut out, file, cmd == "check", show_trace));
            }
            out.finish(worst)
        }
        _ => {
            eprintln!("usage: distlab run FILE... [--trace] | distlab check FILE... | distlab models | distlab explore MODEL [options]");
            ExitCode::from(2)
        }
    }
}

fn load(file: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: cannot read: {e}"))?;
    Scenario::parse(&text).map_err(|e| format!("{file}: {e}"))
}

fn run_file(out: &mut Out, file: &str, check_only: bool, show_trace: bool) -> u8 {
    let scenario = match load(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if check_only {
        return match scenario.build() {
            Ok(_) => {
                out!(out, "ok    {file}");
                0
            }
            Err(e) => {
                eprintln!("error: {file}: {e}");
                2
            }
        };
    }
    if show_trace {
        if let Ok(mut lab) = scenario.build() {
            lab.run_until(scenario.duration(), u64::MAX);
            for e in lab.trace() {
                out!(out, "{:>12} #{:<6} {:?} {}", fmt_time(e.time), e.event, e.kind, e.text);
            }
        }
    }
    let report = match scenario::run(&scenario) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {file}: {e}");
            return 2;
        }
    };
    let title = scenario.title.as_deref().unwrap_or("");
    out!(out, "{file}  {title}");
    out!(out, 
        "  {} events, {} virtual, trace hash {:016x}",
        report.events,
        fmt_time(report.time),
        report.trace_hash
    );
    for o in &report.outcomes {
        out!(out, "  [{}] {} ({})", if o.passed { "pass" } else { "FAIL" }, o.what, o.observed);
    }
    for (name, time, detail) in &report.violations {
        out!(out, "  violation at {}: {name}: {detail}", fmt_time(*time));
    }
    let passed = report.passed();
    out!(out, "  {}", if passed { "PASSED" } else { "FAILED" });
    if passed {
        0
    } else {
        1
    }
}

fn list_models(out: &mut Out) {
    for info in distlab_core::models::catalog() {
        out!(out, "{} — {}: {}", info.name, info.title, info.pitch);
        if let Ok(lab) = distlab_core::models::new_lab(info.name, &[], 0, Vec::new()) {
            out!(out, "  settings:");
            for p in lab.params() {
                out!(out, "    {:<24} {:?} = {} — {}", p.key, p.kind, p.value.to_text(), p.help);
            }
        }
        out!(out, "  invariants:");
        for i in info.invariants {
            out!(out, "    {} ({})", i.name, i.source);
        }
        out!(out, "  queries: {}", info.queries.iter().map(|q| q.name).collect::<Vec<_>>().join(", "));
        out!(out, "  metrics: {}", info.metrics.iter().map(|m| m.name).collect::<Vec<_>>().join(", "));
        out!(out, "  commands: {}", info.commands.iter().map(|c| c.name).collect::<Vec<_>>().join(", "));
    }
}

fn parse_value(text: &str) -> distlab_core::Value {
    match text {
        "true" => distlab_core::Value::Bool(true),
        "false" => distlab_core::Value::Bool(false),
        t => t.parse::<f64>().map(distlab_core::Value::Num).unwrap_or_else(|_| distlab_core::Value::Text(t.into())),
    }
}

/// `distlab explore`: see the module documentation. Exit code 0 when no violation is found
/// within the bounds, 1 on a violation, 2 for bad arguments.
fn explore(out: &mut Out, args: &[String]) -> u8 {
    use distlab_core::explore::{Config, Status, Strategy};
    let Some(model) = args.first().filter(|m| !m.starts_with("--")) else {
        eprintln!("error: explore needs a model name (see `distlab models`)");
        return 2;
    };
    let mut config = Config::default();
    let mut settings = Vec::new();
    let mut commands = Vec::new();
    let mut file = String::from("counterexample.json");
    let mut shrink = true;
    let mut from: Option<String> = None;
    let mut until: Option<u64> = None;
    // The result does not depend on it; past 4, tuned on 2 cores, more threads are untried.
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let mut i = 1;
    while i < args.len() {
        let flag = args[i].as_str();
        match flag {
            "--no-ghost" => config.with_ghost = false,
            "--no-shrink" => shrink = false,
            "--no-swarm" => config.swarm = false,
            "--rounds" => config.rounds = true,
            _ => {
                let Some(value) = args.get(i + 1) else {
                    eprintln!("error: {flag} needs a value");
                    return 2;
                };
                i += 1;
                let num = |v: &str| v.parse::<u64>().map_err(|_| format!("{flag} needs a whole number, got \"{v}\""));
                let small = |v: &str| num(v).and_then(|n| u32::try_from(n).map_err(|_| format!("{flag} is too large: {n}")));
                let done = match flag {
                    "--set" => match value.split_once('=') {
                        Some((k, v)) => {
                            settings.push((k.to_string(), parse_value(v)));
                            Ok(())
                        }
                        None => Err(format!("--set needs key=value, got \"{value}\"")),
                    },
                    "--strategy" => Strategy::parse(value).map(|s| config.strategy = s),
                    "--depth" => small(value).map(|n| config.depth_max = n),
                    "--crashes" => small(value).map(|n| config.limit.crashes = n),
                    "--drops" => small(value).map(|n| config.limit.drops = n),
                    "--duplicates" => small(value).map(|n| config.limit.duplicates = n),
                    "--partitions" => small(value).map(|n| config.limit.partitions = n),
                    "--commands" => small(value).map(|n| config.limit.commands = n),
                    "--command" => {
                        commands.push(value.clone());
                        Ok(())
                    }
                    "--states" => num(value).map(|n| config.states_max = n),
                    "--threads" => small(value).and_then(|n| match n {
                        1..=64 => {
                            threads = n as usize;
                            Ok(())
                        }
                        _ => Err(format!("--threads must be between 1 and 64, got {n}")),
                    }),
                    "--seed" => num(value).map(|n| config.seed = n),
                    "--out" => {
                        file = value.clone();
                        Ok(())
                    }
                    "--from" => {
                        from = Some(value.clone());
                        Ok(())
                    }
                    "--until" => match distlab_core::time::parse_duration(value) {
                        Some(t) => {
                            until = Some(t);
                            Ok(())
                        }
                        None => Err(format!("--until needs a time such as 800ms, got \"{value}\"")),
                    },
                    _ => Err(format!("unknown option {flag}")),
                };
                if let Err(e) = done {
                    eprintln!("error: {e}");
                    return 2;
                }
            }
        }
        i += 1;
    }
    if !commands.is_empty() {
        config.commands = commands;
    }
    if let Some(path) = &from {
        let start = match load(path) {
            Ok(s) if s.model != *model => Err(format!("{path} is a {} scenario, not {model}", s.model)),
            Ok(s) => s.settings().and_then(|set| s.actions().map(|a| (s.seed, set, a))).map_err(|e| format!("{path}: {e}")),
            Err(e) => Err(e),
        };
        match start {
            Ok((seed, mut base, actions)) => {
                let until = until.unwrap_or_else(|| actions.iter().map(|a| a.at).max().unwrap_or(0));
                base.append(&mut settings);
                settings = base;
                config.seed = seed;
                config.prefix = actions.into_iter().filter(|a| a.at <= until).collect();
                config.start = until;
            }
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    } else if until.is_some() {
        eprintln!("error: --until needs --from SCENARIO.json");
        return 2;
    }
    let mut checker = match distlab_core::models::new_checker_threads(model, &settings, config.clone(), threads) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let threads = if config.strategy == Strategy::Bfs { threads } else { 1 };
    out!(out, "exploring {model} ({:?}, depth {}, budget {:?}, at most {} steps, {threads} thread{})", config.strategy, config.depth_max, config.limit, config.states_max, if threads == 1 { "" } else { "s" });
    let start = std::time::Instant::now();
    let status = loop {
        let status = checker.run(50_000);
        let s = checker.stats();
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        out!(out, "  {:>10} steps  {:>10} distinct  depth {:>3}  frontier {:>8}  {:>9.0} steps/s  {:.1} s", s.explored, s.distinct, s.depth, s.frontier, s.explored as f64 / secs, secs);
        if status != Status::Running {
            break status;
        }
    };
    for (goal, at) in checker.goals() {
        match at {
            Some(step) => out!(out, "  goal reached: {goal} (after {step} steps)"),
            None => out!(out, "  goal NOT reached: {goal}"),
        }
    }
    match status {
        Status::Violation => {
            if shrink {
                let before = checker.counterexample().map_or(0, |c| c.actions.len());
                checker.shrink(10_000);
                let after = checker.counterexample().map_or(0, |c| c.actions.len());
                out!(out, "  shrunk the schedule from {before} to {after} steps");
            }
            let Some(c) = checker.counterexample() else { return 1 };
            out!(out, "VIOLATION of {}: {}", c.invariant, c.detail);
            for line in checker.describe_steps() {
                out!(out, "    {line}");
            }
            if let Some(s) = checker.scenario() {
                match std::fs::write(&file, s.to_json() + "\n") {
                    Ok(()) => out!(out, "  wrote {file}: replay it with `distlab run {file}`"),
                    Err(e) => {
                        eprintln!("error: cannot write {file}: {e}");
                        return 2;
                    }
                }
            }
            1
        }
        Status::Exhausted => {
            out!(out, "no violation: every state within the bounds explored");
            0
        }
        _ => {
            out!(out, "no violation within {} steps", checker.stats().explored);
            0
        }
    }
}
