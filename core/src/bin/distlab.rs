//! `distlab`: runs scenario files natively and reports whether their expectations hold.
//!
//! ```text
//! distlab run content/scenarios/raft-election.json [more.json ...] [--trace]
//! distlab check FILE...        # parse and validate only
//! distlab models               # list models, their settings, queries, metrics, invariants
//! ```
//! Exit code: 0 when every scenario passes, 1 when an expectation fails or an invariant is
//! violated (with no expectation naming it), 2 for unreadable or invalid files.

use distlab_core::scenario::{self, Scenario};
use distlab_core::time::fmt_time;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprintln!("usage: distlab run FILE... [--trace] | distlab check FILE... | distlab models");
        return ExitCode::from(2);
    };
    let files: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with("--")).collect();
    let show_trace = args.iter().any(|a| a == "--trace");
    match cmd.as_str() {
        "models" => {
            list_models();
            ExitCode::SUCCESS
        }
        "run" | "check" if !files.is_empty() => {
            let mut worst = 0u8;
            for file in files {
                worst = worst.max(run_file(file, cmd == "check", show_trace));
            }
            ExitCode::from(worst)
        }
        _ => {
            eprintln!("usage: distlab run FILE... [--trace] | distlab check FILE... | distlab models");
            ExitCode::from(2)
        }
    }
}

fn load(file: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: cannot read: {e}"))?;
    Scenario::parse(&text).map_err(|e| format!("{file}: {e}"))
}

fn run_file(file: &str, check_only: bool, show_trace: bool) -> u8 {
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
                println!("ok    {file}");
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
                println!("{:>12} #{:<6} {:?} {}", fmt_time(e.time), e.event, e.kind, e.text);
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
    println!("{file}  {title}");
    println!(
        "  {} events, {} virtual, trace hash {:016x}",
        report.events,
        fmt_time(report.time),
        report.trace_hash
    );
    for o in &report.outcomes {
        println!("  [{}] {} ({})", if o.passed { "pass" } else { "FAIL" }, o.what, o.observed);
    }
    for (name, time, detail) in &report.violations {
        println!("  violation at {}: {name}: {detail}", fmt_time(*time));
    }
    let passed = report.passed();
    println!("  {}", if passed { "PASSED" } else { "FAILED" });
    if passed {
        0
    } else {
        1
    }
}

fn list_models() {
    for info in distlab_core::models::catalog() {
        println!("{} — {}: {}", info.name, info.title, info.pitch);
        if let Ok(lab) = distlab_core::models::new_lab(info.name, &[], 0, Vec::new()) {
            println!("  settings:");
            for p in lab.params() {
                println!("    {:<24} {:?} = {} — {}", p.key, p.kind, p.value.to_text(), p.help);
            }
        }
        println!("  invariants:");
        for i in info.invariants {
            println!("    {} ({})", i.name, i.source);
        }
        println!("  queries: {}", info.queries.iter().map(|q| q.name).collect::<Vec<_>>().join(", "));
        println!("  metrics: {}", info.metrics.iter().map(|m| m.name).collect::<Vec<_>>().join(", "));
        println!("  commands: {}", info.commands.iter().map(|c| c.name).collect::<Vec<_>>().join(", "));
    }
}
